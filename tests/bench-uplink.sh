#! /bin/sh
# Measures how many packets per second one eipoib uplink forwards, fabric ->
# VM and VM -> fabric, in a bridge of our ovs-vswitchd (userspace datapath,
# ports polled by the main thread).  Prints numbers; never passes or fails.
# Run by "make bench-uplink" (BENCH_SECONDS per measurement); by hand:
#   tests/bench-uplink.sh BUILDDIR [SECONDS [SIZES]]
# e.g. tests/bench-uplink.sh _build-bench 3 "64 1500"
#
# Setup, all in a temporary directory removed at exit: eipoib-fabric,
# ovsdb-server, ovs-vswitchd --enable-dummy --disable-system, bridge br0
# (datapath_type=dummy, fail-mode secure) with
#   ib0   ofport 100  type=eipoib, fabric port "bench-ib0", static vif
#                     50:54:00:00:00:01 (eipoib/add-vif)
#   vm    ofport 1    type=dummy, options:pstream=punix:vm.sock (the VM)
#   vm2   ofport 2    type=dummy, pstream (baseline input, no uplink)
#   sink  ofport 3    type=dummy (baseline output)
#   veth  ofport 4    (as root) type=system, one end of a veth pair whose
#                     other end the generator writes to with AF_PACKET
# and the flows
#   in_port=100 actions=output:1      in_port=1 actions=output:100
#   in_port=2   actions=output:3      in_port=4 actions=output:100
# tests/uplink-bench plays a remote IPoIB host ("bench-host") on the fabric:
#   fabric->VM  "rx": IPv4/UDP datagrams unicast to the vif's QPN, open loop
#               (what ib0 does not take, the daemon drops: port-congested);
#   VM->fabric  "tx": it first sends an IPoIB ARP reply to the vif (ib0
#               learns it as a neighbour), then pushes Ethernet frames from
#               the VM MAC to its REMAC into vm.sock (or the veth) and counts
#               what comes back to it on the fabric.
# Rates are from ovs-ofctl dump-ports deltas over SECONDS, after a warm-up;
# CPU is each process's user+system time over the same interval.
#
# Rates are "in" (the input port's rx) and "out" (the output port's tx);
# "us/packet out" is ovs-vswitchd CPU time per forwarded packet, which
# varies less than the rates when other jobs share the cores.
#
# Sample output ("make bench-uplink BENCH_SECONDS=3", 2 cores shared with
# other jobs; generator lines and the rest shortened):
#   flows:
#      in_port=100 actions=output:1
#      in_port=1 actions=output:100
#      in_port=2 actions=output:3
#      in_port=4 actions=output:100
#   --- IPv4 packet 64 bytes
#   fabric->VM   ib0 rx -> vm tx  : 459066 pps in, 458335 pps out (3.06 s),
#     port drops 0, fabric port-congested 0; CPU ovs-vswitchd 78% (1.71
#     us/packet out), eipoib-fabric 15%; load 2.50 3.16 3.39
#   VM->fabric   vm rx -> ib0 tx  : 11483 pps in, 11471 pps out ... CPU
#     ovs-vswitchd 88% (77.11 us/packet out) ...
#   baseline     vm2 rx -> sink tx: 13802 pps in, 13805 pps out ... CPU
#     ovs-vswitchd 98% (71.02 us/packet out) ...
#   VM->fabric   veth rx -> ib0 tx: 179916 pps in, 179529 pps out ... CPU
#     ovs-vswitchd 65% (3.63 us/packet out), eipoib-fabric 41% ...
#   --- IPv4 packet 1500 bytes
#   fabric->VM   ib0 rx -> vm tx  : 235766 pps in, 236399 pps out ... CPU
#     ovs-vswitchd 85% (3.58 us/packet out), eipoib-fabric 44% ...
#   VM->fabric   veth rx -> ib0 tx: 140230 pps in, 140220 pps out ... CPU
#     ovs-vswitchd 68% (4.86 us/packet out), eipoib-fabric 46% ...
# The dummy pstream input is the limit of "vm rx -> ib0 tx", with or
# without the uplink (compare the baseline): netdev-dummy reads a frame's
# length and its bytes in separate calls of its run function, called once
# per main-loop iteration, and its rxq hands out one packet per call.  The
# veth line (AF_PACKET, batches of up to 32) measures the uplink itself.
set -e
builddir=$(cd "$1" && pwd)
seconds=${2:-5}
sizes=${3:-64 1500}
window=${4:-1024}   # VM->fabric: frames in flight, VM side to the fabric
# With BENCH_PERF=1 (and a working perf), each measurement also profiles
# ovs-vswitchd (perf record -e cpu-clock) and prints its top functions.

ovs_build=$(sed -n 's/^OVS_BUILDDIR = //p' "$builddir/Makefile")
ovs_src=$(sed -n 's/^OVS_SRCDIR = //p' "$builddir/Makefile")
PATH=$builddir/vswitchd:$builddir/utilities:$builddir/tests:$ovs_build/utilities:$ovs_build/ovsdb:$PATH
export PATH

dir=$(mktemp -d /tmp/eipoib-bench-uplink.XXXXXX)
veth=
gen_pid=
cleanup() {
    [ -n "$gen_pid" ] && kill "$gen_pid" 2>/dev/null
    for d in ovs-vswitchd ovsdb-server eipoib-fabric; do
        [ -f "$dir/$d.pid" ] && kill "$(cat "$dir/$d.pid")" 2>/dev/null
    done
    [ -n "$veth" ] && ip link del "${veth}a" 2>/dev/null
    sleep 0.5
    rm -rf "$dir"
}
trap cleanup 0
trap 'exit 1' INT TERM HUP

OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir OVS_SYSCONFDIR=$dir
export OVS_RUNDIR OVS_LOGDIR OVS_DBDIR OVS_SYSCONFDIR

eipoib-fabric --detach --no-chdir --pidfile --log-file -vconsole:off \
    --remote="punix:$dir/fabric.sock" 2>/dev/null
ovsdb-tool create "$dir/conf.db" "$ovs_src/vswitchd/vswitch.ovsschema"
ovsdb-server --detach --no-chdir --pidfile --log-file -vconsole:off \
    --remote="punix:$dir/db.sock" "$dir/conf.db" 2>/dev/null
ovs-vsctl --no-wait init
ovs-vswitchd --enable-dummy --disable-system --disable-system-route \
    --detach --no-chdir --pidfile --log-file -vconsole:off \
    "unix:$dir/db.sock" 2>/dev/null

ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy \
    fail-mode=secure \
  -- add-port br0 vm -- set interface vm type=dummy ofport_request=1 \
    options:pstream="punix:$dir/vm.sock" \
  -- add-port br0 vm2 -- set interface vm2 type=dummy ofport_request=2 \
    options:pstream="punix:$dir/vm2.sock" \
  -- add-port br0 sink -- set interface sink type=dummy ofport_request=3 \
  -- add-port br0 ib0 -- set interface ib0 type=eipoib ofport_request=100 \
    options:fabric="unix:$dir/fabric.sock" options:node=bench-ib0
flows="in_port=100,actions=output:1
in_port=1,actions=output:100
in_port=2,actions=output:3"

# A veth port, if we may create one (root): AF_PACKET input in batches.
if [ "$(id -u)" = 0 ] && ip link add "ubv$$a" type veth peer name "ubv$$b" \
    2>/dev/null; then
    veth=ubv$$
    ip link set "${veth}a" up
    ip link set "${veth}b" up
    ovs-vsctl add-port br0 "${veth}a" -- set interface "${veth}a" \
        ofport_request=4
    flows="$flows
in_port=4,actions=output:100"
fi
echo "$flows" | ovs-ofctl add-flows br0 -

n=0
until ovs-vsctl get interface ib0 status:ib_state 2>/dev/null | grep -q active
do
    n=$((n + 1))
    [ $n -lt 100 ] || { echo "ib0 did not come up" >&2; exit 1; }
    sleep 0.1
done
vm_mac=50:54:00:00:00:01
ovs-appctl eipoib/add-vif ib0 $vm_mac >/dev/null
n=0
until ovs-appctl eipoib/show ib0 | grep "$vm_mac" | grep -q 'qpn 0x'; do
    n=$((n + 1))
    [ $n -lt 100 ] || { echo "the vif got no QPN" >&2; exit 1; }
    sleep 0.1
done
qpn=$(ovs-appctl eipoib/show ib0 | sed -n "s/.*$vm_mac .*qpn \(0x[0-9a-f]*\).*/\1/p")
lid=$(ovs-vsctl get interface ib0 status:lid | tr -d '"')
gid=$(ovs-vsctl get interface ib0 status:gid | tr -d '"')
fabric_args="--fabric=$dir/fabric.sock --lid=$lid --qpn=$qpn --gid=$gid"
ovs_ctl=$dir/ovs-vswitchd.$(cat "$dir/ovs-vswitchd.pid").ctl

echo "ovs-vswitchd: $(ovs-vswitchd --version | head -1), datapath_type=dummy"
echo "ib0: lid $lid gid $gid, vif $vm_mac qpn $qpn"
echo "flows:"
ovs-ofctl dump-flows --no-stats br0 | sed 's/^/  /'

# port_pkts OFPORT rx|tx: the port's packet counter.
port_pkts() {
    ovs-ofctl dump-ports br0 "$1" \
        | sed -n "s/.*$2 pkts=\([0-9]*\).*/\1/p" | head -1
}
# drops OFPORT: the port's rx or tx drop counters, summed.
port_drops() {
    ovs-ofctl dump-ports br0 "$1" \
        | sed -n 's/.*drop=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }'
}
congested() {
    ovs-appctl -t eipoib-fabric fabric/counters | sed -n 's/^port-congested=//p'
}
# cpu_ticks PIDFILE: user + system clock ticks of a process.
cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$(cat "$1")/stat"
}
now_ns() { date +%s%N; }
# settle OFPORT: waits (up to 10 s) until the port receives nothing more,
# so that one measurement's leftovers do not count in the next.
settle() {
    last=-1 n=0
    while [ $n -lt 50 ]; do
        cur=$(port_pkts "$1" rx)
        [ "$cur" = "$last" ] && return 0
        last=$cur n=$((n + 1))
        sleep 0.2
    done
}

# measure IN_PORT OUT_PORT LABEL GENERATOR-ARGS...: runs the generator for
# 1 + SECONDS + 1 s and prints the counter rates over the middle SECONDS.
measure() {
    in_port=$1 out_port=$2 label=$3
    shift 3
    uplink-bench --seconds=$((seconds + 2)) "$@" > "$dir/gen.out" &
    gen_pid=$!
    sleep 1
    t0=$(now_ns)
    in0=$(port_pkts "$in_port" rx) out0=$(port_pkts "$out_port" tx)
    drop0=$(( $(port_drops "$in_port") + $(port_drops "$out_port") ))
    cong0=$(congested)
    vsw0=$(cpu_ticks "$dir/ovs-vswitchd.pid")
    fab0=$(cpu_ticks "$dir/eipoib-fabric.pid")
    if [ -n "$BENCH_PERF" ]; then
        perf record -q -e cpu-clock -o "$dir/perf.data" \
            -p "$(cat "$dir/ovs-vswitchd.pid")" -- sleep "$seconds" \
            >/dev/null 2>&1
    else
        sleep "$seconds"
    fi
    t1=$(now_ns)
    in1=$(port_pkts "$in_port" rx) out1=$(port_pkts "$out_port" tx)
    drop1=$(( $(port_drops "$in_port") + $(port_drops "$out_port") ))
    cong1=$(congested)
    vsw1=$(cpu_ticks "$dir/ovs-vswitchd.pid")
    fab1=$(cpu_ticks "$dir/eipoib-fabric.pid")
    wait "$gen_pid"
    gen_pid=
    settle "$in_port"
    hz=$(getconf CLK_TCK)
    awk -v label="$label" -v ns=$((t1 - t0)) -v hz="$hz" \
        -v in_="$((in1 - in0))" -v out="$((out1 - out0))" \
        -v drop=$((drop1 - drop0)) -v cong=$((cong1 - cong0)) \
        -v vsw=$((vsw1 - vsw0)) -v fab=$((fab1 - fab0)) \
        -v load="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
        s = ns / 1e9
        printf "%s: %.0f pps in, %.0f pps out (%.2f s), port drops %d, " \
               "fabric port-congested %d; CPU ovs-vswitchd %.0f%% " \
               "(%.2f us/packet out), eipoib-fabric %.0f%%; load %s\n", \
               label, in_ / s, out / s, s, drop, cong, 100 * vsw / hz / s, \
               out ? 1e6 * vsw / hz / out : 0, 100 * fab / hz / s, load
    }'
    sed 's/^/    generator: /' "$dir/gen.out"
    if [ -n "$BENCH_PERF" ] && [ -f "$dir/perf.data" ]; then
        perf report -q -i "$dir/perf.data" --sort symbol 2>/dev/null \
            | grep -v '^$' > "$dir/perf.txt"
        awk '{ p = $1 + 0; if ($2 == "[k]") k += p; else u += p }
             END { printf "    perf: ovs-vswitchd time in kernel %.0f%%, " \
                          "user space %.0f%%; top functions:\n", k, u }' \
            "$dir/perf.txt"
        head -12 "$dir/perf.txt" | awk '{ printf "    perf: %7s %s %s\n", \
            $1, $2, $3 }'
        rm -f "$dir/perf.data"
    fi
}

for size in $sizes; do
    echo "--- IPv4 packet $size bytes"
    measure 100 1 "fabric->VM   ib0 rx -> vm tx  " rx $fabric_args \
        --size="$size" --ovs="$ovs_ctl" --port=ib0
    measure 1 100 "VM->fabric   vm rx -> ib0 tx  " tx $fabric_args \
        --size="$size" --vm="unix:$dir/vm.sock" --vm-mac=$vm_mac \
        --window=$window
    measure 2 3 "baseline     vm2 rx -> sink tx" tx \
        --size="$size" --vm="unix:$dir/vm2.sock" --vm-mac=$vm_mac
    if [ -n "$veth" ]; then
        measure 4 100 "VM->fabric   veth rx -> ib0 tx" tx $fabric_args \
            --size="$size" --vm="dev:${veth}b" --vm-mac=$vm_mac \
            --window=$window
    fi
done
echo "ib0 drop counters (non-zero):"
ovs-appctl eipoib/show ib0 | sed -n '/drops:/,$p' | sed 1d
echo "fabric daemon counters (non-zero):"
ovs-appctl -t eipoib-fabric fabric/counters | grep -v '=0$' | sed 's/^/  /'
