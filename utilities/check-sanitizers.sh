#! /bin/sh
# Runs the whole "make check" (our suite, then the OVS subset) on a build
# instrumented with AddressSanitizer, LeakSanitizer and UBSan, in _build-asan
# next to the normal _build.  Needs the OVS tree that utilities/quickstart.sh
# builds (run "utilities/quickstart.sh build" first).
#
#   utilities/check-sanitizers.sh [OVS_SOURCE_DIR]
#
# Every test fails that leaves an asan.* or ubsan.* report in its directory
# (tests/atlocal sets the sanitizers' log_path; OVS's AT_CLEANUP looks).
# Reports written anywhere else by a process that changed directory, or
# left by processes outliving their test, are looked for at the end too.
# Clang by default: with GCC, UBSan's reports go to stderr, not to files
# (they still abort the program).  Environment: CC, TESTSUITEFLAGS (default -j<cores>), OVS_TESTSUITEFLAGS
# (default -j4: the sanitizers slow ovs-vswitchd, and OVS's tests time out
# after 30 s), JOBS.

set -e

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
OVS_DIR=${1:-$top/ovs}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
BUILD_DIR=$top/_build-asan

start=$(date +%s)
say() { printf '\n=== [%4ss] %s\n' "$(( $(date +%s) - start ))" "$*"; }

if [ ! -x configure ] || [ configure.ac -nt configure ]; then
    say "Generating ./configure"
    ./boot.sh
fi
mkdir -p "$BUILD_DIR"
if [ ! -f "$BUILD_DIR/Makefile" ]; then
    say "Configuring in $BUILD_DIR with --enable-asan --enable-ubsan"
    (cd "$BUILD_DIR" && ../configure CC="${CC:-clang}" --enable-Werror \
         --enable-asan --enable-ubsan --with-ovs-source="$OVS_DIR")
fi
say "Building"
make -C "$BUILD_DIR" -j"$JOBS"

stamp=$BUILD_DIR/.check-sanitizers-start
touch "$stamp"
status=0
say "Running make check"
make -C "$BUILD_DIR" check TESTSUITEFLAGS="${TESTSUITEFLAGS:--j$JOBS}" \
     OVS_TESTSUITEFLAGS="${OVS_TESTSUITEFLAGS:--j4}" || status=$?

# Reports outside the tests' directories: a daemon that chdir()ed to "/",
# or one that outlived its test.
stray=$(find / -xdev -maxdepth 1 \( -name 'asan.*' -o -name 'ubsan.*' \) \
             -newer "$stamp" 2>/dev/null; \
        find "$BUILD_DIR/tests" \( -name 'asan.*' -o -name 'ubsan.*' \) \
             -newer "$stamp" 2>/dev/null)
if [ -n "$stray" ]; then
    for f in $stray; do
        echo "=== sanitizer report $f"
        cat "$f"
    done
    if [ "$status" = 0 ]; then
        status=1
    fi
fi
say "make check under the sanitizers exited $status"
exit "$status"
