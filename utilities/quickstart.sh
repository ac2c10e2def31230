#! /bin/sh
# Quick start for a fresh Debian 12 machine, as root.
#
#   utilities/quickstart.sh demo    install, build, and run the demo
#   utilities/quickstart.sh check   install, build, and run the test suite
#   utilities/quickstart.sh build   install and build only
#
# Every step is skipped when it has already been done: Debian packages that
# are installed, an OVS tree that is extracted and built, a configured build
# directory.  Environment: TESTSUITEFLAGS (default -j<cores>), JOBS.

set -e

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
OVS_DIR=$top/ovs
BUILD_DIR=$top/_build

start=$(date +%s)
say() { printf '\n=== [%4ss] %s\n' "$(( $(date +%s) - start ))" "$*"; }

# Debian packages that the build, the tests and the demo use.
PACKAGES="openvswitch-source autoconf automake libtool make gcc
  pkg-config libssl-dev libcap-ng-dev libunbound-dev python3 python3-scapy
  tshark iproute2 iputils-ping clang libclang-rt-14-dev netcat-openbsd
  valgrind iperf3 dnsmasq-base busybox-static ethtool procps"

install_packages() {
    missing=
    for p in $PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
            | grep -q 'install ok installed' || missing="$missing $p"
    done
    if [ -z "$missing" ]; then
        say "Debian packages: all present"
        return
    fi
    if [ "$(id -u)" != 0 ]; then
        echo "missing Debian packages:$missing (run as root to install)" >&2
        exit 1
    fi
    say "Installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends $missing
}

# Extracts Debian's OVS source tarball into ./ovs, configures and builds it
# once.  The stamp records which tarball was built.
build_ovs() {
    tarball=/usr/src/openvswitch/openvswitch.tar.gz
    want=$(dpkg-query -W -f='${Version}' openvswitch-source)
    stamp=$OVS_DIR/.eipoib-built
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        say "Open vSwitch $want: already built in $OVS_DIR"
        return
    fi
    say "Building Open vSwitch $want from $tarball in $OVS_DIR"
    rm -rf "$OVS_DIR"
    mkdir -p "$OVS_DIR"
    tar xzf "$tarball" --strip-components=1 -C "$OVS_DIR"
    (cd "$OVS_DIR" && ./configure --enable-silent-rules >configure.out \
         && make -j"$JOBS" >make.out 2>&1) || {
        echo "Open vSwitch build failed; see $OVS_DIR/configure.out," \
             "$OVS_DIR/config.log and $OVS_DIR/make.out" >&2
        exit 1
    }
    echo "$want" > "$stamp"
}

build_eipoib() {
    if [ ! -x configure ] || [ configure.ac -nt configure ]; then
        say "Generating ./configure"
        ./boot.sh
    fi
    mkdir -p "$BUILD_DIR"
    if [ ! -f "$BUILD_DIR/Makefile" ]; then
        say "Configuring in $BUILD_DIR"
        (cd "$BUILD_DIR" && ../configure --enable-Werror)
    fi
    say "Building eIPoIB"
    make -C "$BUILD_DIR" -j"$JOBS"
}

case ${1:-} in
    build)
        install_packages
        build_ovs
        build_eipoib
        ;;
    demo)
        install_packages
        build_ovs
        build_eipoib
        say "Running the demo"
        exec "$top/utilities/demo.sh" "$BUILD_DIR"
        ;;
    check)
        install_packages
        build_ovs
        build_eipoib
        say "Running the test suite"
        exec make -C "$BUILD_DIR" check \
             TESTSUITEFLAGS="${TESTSUITEFLAGS:--j$JOBS}"
        ;;
    *)
        sed -n '2,12s/^# \{0,1\}//p' "$0"
        exit 1
        ;;
esac
