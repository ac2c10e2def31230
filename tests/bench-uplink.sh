#! /bin/sh
# Measures how many packets per second one eipoib uplink forwards, fabric ->
# VM and VM -> fabric, in a bridge of our ovs-vswitchd (userspace datapath,
# ports polled by the main thread), against the same bridge forwarding
# between two plain ports.  Prints numbers; never passes or fails.
# Run by "make bench-uplink" (BENCH_SECONDS per measurement); by hand:
#   tests/bench-uplink.sh BUILDDIR [SECONDS [SIZES]]
# e.g. tests/bench-uplink.sh _build-bench 3 "64 1400"
#
# Setup, all in a temporary directory (and veths) removed at exit:
# eipoib-fabric, ovsdb-server, ovs-vswitchd --enable-dummy --disable-system,
# bridge br0 (datapath_type=dummy, fail-mode secure) with
#   ib0   ofport 100  type=eipoib, fabric port "bench-ib0", static vif
#                     50:54:00:00:00:01 (eipoib/add-vif)
# and, as root, three veth pairs whose first ends are system ports
#   vm    ofport 4    the VM's port (the generator writes to its peer)
#   pin   ofport 5    baseline input (the generator writes to its peer)
#   pout  ofport 6    baseline output (the generator counts on its peer)
# with the flows
#   in_port=100 actions=output:4      in_port=4 actions=output:100
#   in_port=5   actions=output:6
# Without root (no veths), dummy ports instead: vm (1) and vm2 (2) with
# pstreams, sink (3), flows 100->1, 1->100, 2->3; netdev-dummy's pstream
# input caps those VM->fabric and baseline lines near 13k pps (it reads a
# frame's length and bytes in separate run calls and its rxq hands out one
# packet per call), so they do not measure the uplink.
#
# tests/uplink-bench plays a remote IPoIB host ("bench-host") on the fabric
# and the VM:
#   fabric->VM  "rx": IPv4/UDP datagrams unicast to the vif's QPN, at most
#               16384 ahead of ib0's received count;
#   VM->fabric  "tx": it first sends an IPoIB ARP reply to the vif (ib0
#               learns it as a neighbour), then pushes Ethernet frames from
#               the VM MAC to its REMAC into the vm veth's peer (AF_PACKET,
#               batches of 32) and counts what arrives on the fabric,
#               keeping at most WINDOW (1024) frames in flight;
#   port->port  "tx --sink": the same frames into the pin veth's peer,
#               counted on the pout veth's peer, same window.
# Rates are from ovs-ofctl dump-ports deltas over SECONDS, after a warm-up:
# "in" is the input port's rx, "out" the output port's tx; CPU is each
# process's user+system time over the same interval; "us/packet out" is
# ovs-vswitchd CPU time per forwarded packet, which varies less than the
# rates when other jobs share the cores.  The summary at the end gives, per
# size, the "out" rate and us/packet of each direction and the ratios
# eipoib / port->port.
#
# Sample summary ("make bench-uplink BENCH_SECONDS=3" as root, 2 cores
# shared with other jobs, load average 2.9-3.7):
#   bytes path               pps    us/pkt  pps ratio   us ratio
#      64 VM->fabric      240815      2.78       1.73       0.68
#      64 fabric->VM      212770      3.31       1.53       0.81
#      64 port->port      138803      4.10          1          1
#   1400 VM->fabric      144161      3.67       1.17       0.92
#   1400 fabric->VM      113724      5.09       0.92       1.27
#   1400 port->port      123501      4.00          1          1
# A second run minutes later gave 64 bytes: 256457 / 238862 / 243114 pps,
# 2.46 / 3.46 / 3.63 us; 1400 bytes: 165561 / 139421 / 113142 pps, 3.93 /
# 6.42 / 4.96 us: the rates move with the other jobs, us/packet less.
# The uplink's far side is a unix socket to eipoib-fabric, probably cheaper
# for ovs-vswitchd than a veth output (not profiled here; BENCH_PERF=1
# does), so VM->fabric (veth in, fabric out) is not slower than veth ->
# veth.  fabric->VM and port->port both end in a veth: the difference
# there is the uplink's input plus translation against AF_PACKET input.
set -e
builddir=$(cd "$1" && pwd)
seconds=${2:-5}
sizes=${3:-64 1400}
window=${4:-1024}   # VM->fabric: frames in flight, VM side to the fabric
# With BENCH_PERF=1 (and a working perf), each measurement also profiles
# ovs-vswitchd (perf record -e cpu-clock) and prints its top functions.

ovs_build=$(sed -n 's/^OVS_BUILDDIR = //p' "$builddir/Makefile")
ovs_src=$(sed -n 's/^OVS_SRCDIR = //p' "$builddir/Makefile")
PATH=$builddir/vswitchd:$builddir/utilities:$builddir/tests:$ovs_build/utilities:$ovs_build/ovsdb:$PATH
export PATH

dir=$(mktemp -d /tmp/eipoib-bench-uplink.XXXXXX)
veth=
veth_ends=
gen_pid=
cleanup() {
    [ -n "$gen_pid" ] && kill "$gen_pid" 2>/dev/null
    for d in ovs-vswitchd ovsdb-server eipoib-fabric; do
        [ -f "$dir/$d.pid" ] && kill "$(cat "$dir/$d.pid")" 2>/dev/null
    done
    for end in $veth_ends; do
        ip link del "$end" 2>/dev/null || true
    done
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
  -- add-port br0 ib0 -- set interface ib0 type=eipoib ofport_request=100 \
    options:fabric="unix:$dir/fabric.sock" options:node=bench-ib0

# add_veth END PEER OFPORT: a veth pair, END a port of br0.
add_veth() {
    ip link add "$1" type veth peer name "$2" 2>/dev/null || return 1
    veth_ends="$veth_ends $1"
    ip link set "$1" up && ip link set "$2" up
    ovs-vsctl add-port br0 "$1" -- set interface "$1" ofport_request="$3"
}
# Plain ports of the kind the eIPoIB lines use, if we may (root).
if [ "$(id -u)" = 0 ] && add_veth "ubv$$a" "ubv$$b" 4; then
    veth=ubv$$
    add_veth "${veth}c" "${veth}d" 5
    add_veth "${veth}e" "${veth}f" 6
    flows="in_port=100,actions=output:4
in_port=4,actions=output:100
in_port=5,actions=output:6"
else
    echo "not root or no veth: dummy pstream ports only (capped near 13k pps)"
    ovs-vsctl \
      -- add-port br0 vm -- set interface vm type=dummy ofport_request=1 \
        options:pstream="punix:$dir/vm.sock" \
      -- add-port br0 vm2 -- set interface vm2 type=dummy ofport_request=2 \
        options:pstream="punix:$dir/vm2.sock" \
      -- add-port br0 sink -- set interface sink type=dummy ofport_request=3
    flows="in_port=100,actions=output:1
in_port=1,actions=output:100
in_port=2,actions=output:3"
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

# measure SIZE KEY IN_PORT OUT_PORT LABEL GENERATOR-ARGS...: runs the
# generator for 1 + SECONDS + 1 s and prints the counter rates over the
# middle SECONDS; appends "SIZE KEY OUT-PPS US/PACKET" to the summary file.
measure() {
    size=$1 key=$2 in_port=$3 out_port=$4 label=$5
    shift 5
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
        -v load="$(cut -d' ' -f1-3 /proc/loadavg)" \
        -v size="$size" -v key="$key" -v summary="$dir/summary" 'BEGIN {
        s = ns / 1e9
        printf "%s %s %.0f %.2f\n", size, key, out / s, \
               out ? 1e6 * vsw / hz / out : 0 >> summary
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
    if [ -n "$veth" ]; then
        measure "$size" f2v 100 4 "fabric->VM   ib0 rx -> vm tx   " rx \
            $fabric_args --size="$size" --ovs="$ovs_ctl" --port=ib0
        measure "$size" v2f 4 100 "VM->fabric   vm rx -> ib0 tx   " tx \
            $fabric_args --size="$size" --vm="dev:${veth}b" \
            --vm-mac=$vm_mac --window=$window
        measure "$size" plain 5 6 "port->port   pin rx -> pout tx " tx \
            --size="$size" --vm="dev:${veth}d" --vm-mac=$vm_mac \
            --sink="dev:${veth}f" --window=$window
    else
        measure "$size" f2v 100 1 "fabric->VM   ib0 rx -> vm tx   " rx \
            $fabric_args --size="$size" --ovs="$ovs_ctl" --port=ib0
        measure "$size" v2f 1 100 "VM->fabric   vm rx -> ib0 tx   " tx \
            $fabric_args --size="$size" --vm="unix:$dir/vm.sock" \
            --vm-mac=$vm_mac --window=$window
        measure "$size" plain 2 3 "port->port   vm2 rx -> sink tx " tx \
            --size="$size" --vm="unix:$dir/vm2.sock" --vm-mac=$vm_mac
    fi
done
echo "ib0 drop counters (non-zero):"
ovs-appctl eipoib/show ib0 | sed -n '/drops:/,$p' | sed 1d
echo "fabric daemon counters (non-zero):"
ovs-appctl -t eipoib-fabric fabric/counters | grep -v '=0$' | sed 's/^/  /'
echo "summary (pps out; ovs-vswitchd CPU us/packet; ratio eipoib/port->port):"
awk '{ pps[$1, $2] = $3; us[$1, $2] = $4
       if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 } }
     function r(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
     END {
       printf "  %5s %-12s %9s %9s %10s %10s\n", "bytes", "path", "pps",
              "us/pkt", "pps ratio", "us ratio"
       for (i = 0; i < n; i++) {
           z = order[i]
           split("v2f f2v plain", k, " ")
           split("VM->fabric fabric->VM port->port", name, " ")
           for (j = 1; j <= 3; j++)
               printf "  %5s %-12s %9d %9.2f %10s %10s\n", z, name[j],
                      pps[z, k[j]], us[z, k[j]],
                      j < 3 ? r(pps[z, k[j]], pps[z, "plain"]) : "1",
                      j < 3 ? r(us[z, k[j]], us[z, "plain"]) : "1"
       }
     }' "$dir/summary"
[ -n "$veth" ] || echo "  (dummy ports: VM->fabric and port->port are" \
    "capped by netdev-dummy input; the ratios say nothing about eipoib)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
