# -*- shell-script -*-
# Shell functions shared by utilities/demo.sh and utilities/bench.sh: a soft
# InfiniBand fabric, "hypervisors" (each a network namespace running its own
# ovsdb-server and our ovs-vswitchd on the userspace datapath), VMs (network
# namespaces whose veth peers are bridge ports) and native IPoIB hosts
# (eipoib-host with a TUN device in a namespace of its own).
#
# Everything created is recorded, and lab_cleanup removes it in reverse
# order: processes by their pid files, then namespaces (which takes their
# veth and TUN devices with them).  Source this file from bash, then call
# lab_init BUILD_DIR RUN_DIR PREFIX.

# lab_init BUILD_DIR RUN_DIR PREFIX
#
# BUILD_DIR is a configured and built eIPoIB build directory; RUN_DIR (made
# afresh) receives sockets, databases, logs and captures; PREFIX starts
# the name of every network namespace, so that several runs never collide.
lab_init() {
    LAB_BUILD=$(cd "$1" && pwd) || return 1
    # RUN_DIR is emptied first, but only if it is empty or ours.
    if [ -d "$2" ] && [ -n "$(ls -A "$2")" ] && [ ! -e "$2/.eipoib-lab" ]
    then
        echo "$2 is not empty and was not made by a previous run;" \
             "not using it" >&2
        return 1
    fi
    rm -rf "$2"
    mkdir -p "$2" && touch "$2/.eipoib-lab" || return 1
    LAB_RUN=$(cd "$2" && pwd)
    LAB_PREFIX=$3
    LAB_OVS_BUILD=$(sed -n 's/^OVS_BUILDDIR = //p' "$LAB_BUILD/Makefile")
    LAB_OVS_SRC=$(sed -n 's/^OVS_SRCDIR = //p' "$LAB_BUILD/Makefile")
    if [ ! -x "$LAB_BUILD/vswitchd/ovs-vswitchd" ] || [ -z "$LAB_OVS_BUILD" ]
    then
        echo "$1 is not a built eIPoIB build directory" >&2
        return 1
    fi
    PATH=$LAB_BUILD/vswitchd:$LAB_BUILD/utilities:$LAB_OVS_BUILD/utilities:$LAB_OVS_BUILD/ovsdb:$PATH
    export PATH
    LAB_NAMESPACES=
    LAB_PIDFILES=
    LAB_FAILED=0
    LAB_PASSED=0
    LAB_FAILURES=
}

# lab_ns NAME: the namespace of lab object NAME.
lab_ns() { echo "$LAB_PREFIX$1"; }

# lab_in NAME CMD...: runs CMD in NAME's namespace.
lab_in() { local n=$1; shift; ip netns exec "$LAB_PREFIX$n" "$@"; }

lab_netns_add() {
    ip netns add "$LAB_PREFIX$1" || return 1
    LAB_NAMESPACES="$LAB_PREFIX$1 $LAB_NAMESPACES"
    ip -n "$LAB_PREFIX$1" link set lo up
}

# lab_track_pid FILE: remembers a pid file whose process cleanup kills.
lab_track_pid() { LAB_PIDFILES="$1 $LAB_PIDFILES"; }

# lab_wait SECONDS CMD...: retries CMD every 0.1 s until it succeeds.
lab_wait() {
    local n=$(( $1 * 10 )); shift
    while [ $n -gt 0 ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}

lab_pid_gone() { ! kill -0 "$1" 2>/dev/null; }

lab_cleanup() {
    local f pid ns
    for f in $LAB_PIDFILES; do
        [ -f "$f" ] || continue
        pid=$(cat "$f" 2>/dev/null)
        [ -n "$pid" ] && kill "$pid" 2>/dev/null
    done
    for f in $LAB_PIDFILES; do
        [ -f "$f" ] || continue
        pid=$(cat "$f" 2>/dev/null)
        [ -n "$pid" ] || continue
        lab_wait 5 lab_pid_gone "$pid" || kill -9 "$pid" 2>/dev/null
        rm -f "$f"
    done
    for ns in $LAB_NAMESPACES; do
        # Anything else still running in our own namespaces (a client that
        # outlived its check) was started by us; end it by its pid.
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            kill -9 "$pid" 2>/dev/null
        done
        ip netns del "$ns" 2>/dev/null
    done
    LAB_PIDFILES=
    LAB_NAMESPACES=
}

# ----------------------------------------------------------------------
# Output.

lab_step() { printf '\n=== %s\n' "$*"; }

# lab_show CMD...: prints CMD as the user would type it; "lab_in NAME CMD"
# shows as "[NAME] CMD".
lab_show() {
    if [ "$1" = lab_in ]; then
        local n=$2; shift 2
        printf '  [%s]$ %s\n' "$n" "$*"
    else
        printf '  $ %s\n' "$*"
    fi
}

# lab_check DESCRIPTION CMD...: runs CMD (its output indented) and prints
# PASS or FAIL.
lab_check() {
    local what=$1 out rc; shift
    lab_show "$@"
    out=$("$@" 2>&1); rc=$?
    [ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/    /'
    if [ $rc = 0 ]; then
        printf 'PASS: %s\n' "$what"
        LAB_PASSED=$((LAB_PASSED + 1))
    else
        printf 'FAIL: %s (exit status %s)\n' "$what" "$rc"
        LAB_FAILED=$((LAB_FAILED + 1))
        LAB_FAILURES="$LAB_FAILURES  $what
"
    fi
    return $rc
}

# lab_check_fails DESCRIPTION CMD...: PASS if CMD fails.
lab_check_fails() {
    local what=$1 out rc; shift
    lab_show "$@"
    out=$("$@" 2>&1); rc=$?
    [ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/    /'
    if [ $rc != 0 ]; then
        printf 'PASS: %s\n' "$what"
        LAB_PASSED=$((LAB_PASSED + 1))
    else
        printf 'FAIL: %s (it succeeded)\n' "$what"
        LAB_FAILED=$((LAB_FAILED + 1))
        LAB_FAILURES="$LAB_FAILURES  $what
"
    fi
}

# ----------------------------------------------------------------------
# The fabric.

# lab_fabric [OPTIONS]: starts eipoib-fabric on $LAB_RUN/fabric.sock.
lab_fabric() {
    lab_track_pid "$LAB_RUN/fabric.pid"
    eipoib-fabric -vconsole:off --remote=punix:"$LAB_RUN/fabric.sock" \
        --unixctl="$LAB_RUN/fabric.ctl" --pidfile="$LAB_RUN/fabric.pid" \
        --log-file="$LAB_RUN/fabric.log" --detach --no-chdir "$@"
}

lab_fabric_appctl() { ovs-appctl -t "$LAB_RUN/fabric.ctl" "$@"; }

# ----------------------------------------------------------------------
# Hypervisors.

# lab_hv NAME: network namespace NAME with its own ovsdb-server and
# ovs-vswitchd (run directory $LAB_RUN/NAME).  The vswitchd runs inside the
# namespace, so the tap devices of its bridges' local ports stay there.
lab_hv() {
    local hv=$1 dir=$LAB_RUN/$1
    mkdir -p "$dir"
    lab_netns_add "$hv" || return 1
    ovsdb-tool create "$dir/conf.db" \
        "$LAB_OVS_SRC/vswitchd/vswitch.ovsschema" || return 1
    lab_track_pid "$dir/ovsdb-server.pid"
    lab_hv_env "$hv" ovsdb-server -vconsole:off --detach --no-chdir \
        --pidfile --log-file --remote=punix:"$dir/db.sock" "$dir/conf.db" \
        || return 1
    lab_vsctl "$hv" --no-wait init || return 1
    lab_track_pid "$dir/ovs-vswitchd.pid"
    lab_in "$hv" env OVS_RUNDIR="$dir" OVS_LOGDIR="$dir" OVS_DBDIR="$dir" \
        OVS_SYSCONFDIR="$dir" ovs-vswitchd -vconsole:off --detach \
        --no-chdir --pidfile --log-file --disable-system \
        unix:"$dir/db.sock" || return 1
}

# lab_hv_env HV CMD...: runs CMD with HV's OVS directories.
lab_hv_env() {
    local dir=$LAB_RUN/$1; shift
    OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir OVS_SYSCONFDIR=$dir "$@"
}

lab_vsctl() { local hv=$1; shift; lab_hv_env "$hv" ovs-vsctl --timeout=20 "$@"; }
lab_appctl() { local hv=$1; shift; lab_hv_env "$hv" ovs-appctl --timeout=20 "$@"; }

# lab_bridge HV BRIDGE: a userspace-datapath bridge doing NORMAL switching.
lab_bridge() {
    lab_vsctl "$1" add-br "$2" -- set bridge "$2" datapath_type=netdev
}

# lab_uplink HV BRIDGE PORT NODE [OPTION=VALUE...]: an eipoib uplink
# attached to the fabric as port NODE; waits until its port is active.
lab_uplink() {
    local hv=$1 br=$2 port=$3 node=$4 opts= o; shift 4
    for o in "$@"; do opts="$opts options:$o"; done
    lab_vsctl "$hv" add-port "$br" "$port" -- set interface "$port" \
        type=eipoib options:fabric=unix:"$LAB_RUN/fabric.sock" \
        options:node="$node" $opts || return 1
    if ! lab_wait 20 lab_uplink_active "$hv" "$port"; then
        echo "uplink $port of $hv did not come up:" >&2
        lab_vsctl "$hv" get interface "$port" error status >&2
        return 1
    fi
}

lab_uplink_active() {
    lab_vsctl "$1" get interface "$2" status:ib_state 2>/dev/null \
        | grep -q active
}

# ----------------------------------------------------------------------
# VMs and native hosts.

# lab_vm NAME HV BRIDGE MAC MTU [PORT-SETTINGS...]: namespace NAME with
# interface eth0 (MAC, MTU), whose veth peer, named NAME in HV's namespace,
# is a port of BRIDGE (PORT-SETTINGS such as tag=10).  Checksum offload is
# off on eth0: the userspace datapath reads the peer with a packet socket,
# which would see partial checksums and unsegmented TCP.
lab_vm() {
    local vm=$1 hv=$2 br=$3 mac=$4 mtu=$5; shift 5
    lab_netns_add "$vm" || return 1
    ip link add name eth0 netns "$LAB_PREFIX$vm" mtu "$mtu" address "$mac" \
        type veth peer name "$vm" netns "$LAB_PREFIX$hv" mtu "$mtu" \
        || return 1
    lab_in "$vm" sysctl -qw net.ipv6.conf.eth0.accept_dad=0 \
        net.ipv6.conf.eth0.dad_transmits=0 >/dev/null
    lab_in "$vm" ethtool -K eth0 tx off >/dev/null 2>&1
    lab_in "$vm" ip link set eth0 up || return 1
    lab_in "$hv" ip link set "$vm" up || return 1
    lab_vsctl "$hv" add-port "$br" "$vm" ${1+-- set port "$vm" "$@"}
}

# lab_vm_addr VM ADDRESS/PLEN...: adds addresses to VM's eth0.
lab_vm_addr() {
    local vm=$1 a; shift
    for a in "$@"; do
        case $a in
            *:*) lab_in "$vm" ip addr add "$a" dev eth0 nodad ;;
            *) lab_in "$vm" ip addr add "$a" dev eth0 ;;
        esac || return 1
    done
}

# lab_host NAME [eipoib-host OPTIONS]: a native IPoIB host in namespace
# NAME, attached to the fabric as port NAME; waits until its link is up.
lab_host() {
    local h=$1; shift
    lab_netns_add "$h" || return 1
    lab_track_pid "$LAB_RUN/$h.pid"
    lab_in "$h" eipoib-host -vconsole:off \
        --fabric=unix:"$LAB_RUN/fabric.sock" --name="$h" \
        --unixctl="$LAB_RUN/$h.ctl" --pidfile="$LAB_RUN/$h.pid" \
        --log-file="$LAB_RUN/$h.log" --detach --no-chdir "$@" || return 1
    lab_wait 20 lab_host_up "$h"
}

lab_host_up() { lab_host_appctl "$1" eipoib-host/show | grep -q 'link up'; }
lab_host_appctl() { local h=$1; shift; ovs-appctl -t "$LAB_RUN/$h.ctl" "$@"; }
