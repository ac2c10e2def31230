#! /bin/bash
# Benchmark: VM to VM across two hypervisors over eIPoIB, against the same two
# hypervisors connected by an OVS VXLAN tunnel over a veth pair, side by side
# in one run.  Prints numbers; never passes or fails.
#
#   utilities/bench-vms.sh [--runs=N] [--seconds=S] [--run-dir=DIR] BUILD_DIR
#
# Two "hypervisors" (namespaces, each with its own ovsdb-server and our
# ovs-vswitchd on the userspace datapath) carry two pairs of VMs at once:
#
#   eipoib: VM ib1 (hv1) <-> VM ib2 (hv2), MTU 2044, bridge br-ib with an
#           eipoib uplink on the soft fabric (eipoib-fabric, IB MTU 2048).
#   vxlan:  VM vx1 (hv1) <-> VM vx2 (hv2), MTU 1994, bridge br-vx with a
#           VXLAN port whose underlay is bridge br-ul (192.168.50.0/24) on a
#           veth pair with MTU 2044, the IPoIB datagram MTU.
#   local:  VM lo1 <-> VM lo2, both on bridge br-lo of hv1, MTU 2044: the
#           ceiling of the VMs' veth ports on the userspace datapath.
#
# Each of N rounds (default 3) waits for the machine to be idle, then
# measures, for each set-up in turn: TCP throughput (iperf3, S seconds,
# default 5), the CPU time each ovs-vswitchd and the fabric daemon used
# during it, the CPU the rest of the machine used meanwhile, and ping
# latency (200 pings 5 ms apart).  The summary gives min, median and max
# over the rounds, and the eipoib/vxlan ratios.

runs=3
seconds=5
run=/tmp/eipoib-bench
while [ $# -gt 0 ]; do
    case $1 in
        --runs=*) runs=${1#*=} ;;
        --seconds=*) seconds=${1#*=} ;;
        --run-dir=*) run=${1#*=} ;;
        -h|--help) sed -n '2,24s/^# \{0,1\}//p' "$0"; exit 0 ;;
        -*) echo "$0: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
    shift
done
if [ $# != 1 ]; then
    echo "usage: $0 [--runs=N] [--seconds=S] [--run-dir=DIR] BUILD_DIR" >&2
    exit 2
fi
if [ "$(id -u)" != 0 ]; then
    echo "$0: must run as root (network namespaces, veth devices)" >&2
    exit 2
fi
for tool in iperf3 ethtool python3; do
    if ! command -v $tool >/dev/null; then
        echo "$0: $tool is missing (utilities/quickstart.sh installs it)" >&2
        exit 2
    fi
done

. "$(dirname "$0")/demo-lib.sh"

lab_init "$1" "$run" "eb$$-" || exit 2
trap lab_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() { echo "bench: set-up failed: $*" >&2; echo "logs: $run" >&2; exit 1; }

lab_step "Setting up: fabric, hv1 and hv2, eIPoIB and VXLAN paths"
lab_fabric || die fabric
for n in 1 2; do
    hv=hv$n
    lab_hv $hv || die $hv
    lab_bridge $hv br-ib || die br-ib
    lab_uplink $hv br-ib ib0 $hv-ib0 || die "uplink of $hv"
    lab_bridge $hv br-vx || die br-vx
    lab_bridge $hv br-ul || die br-ul
done
# The underlay: a veth pair between the hypervisors, each end a port of
# br-ul, whose local port carries the tunnel endpoint's address.
ip link add name ul netns "$(lab_ns hv1)" mtu 2044 type veth \
    peer name ul netns "$(lab_ns hv2)" mtu 2044 || die "underlay veth"
for n in 1 2; do
    hv=hv$n
    lab_in $hv ethtool -K ul tx off >/dev/null 2>&1
    lab_in $hv ip link set ul up
    lab_vsctl $hv add-port br-ul ul || die "underlay port"
    lab_in $hv ip link set br-ul up mtu 2044 || die br-ul
    lab_in $hv ip addr add 192.168.50.$n/24 dev br-ul || die br-ul
    lab_vsctl $hv add-port br-vx vxlan0 -- set interface vxlan0 type=vxlan \
        options:remote_ip=192.168.50.$((3 - n)) || die vxlan0
    lab_vm ib$n $hv br-ib 50:54:00:00:01:0$n 2044 || die "VM ib$n"
    lab_vm_addr ib$n 10.1.0.$n/24 || die "VM ib$n"
    lab_vm vx$n $hv br-vx 50:54:00:00:02:0$n 1994 || die "VM vx$n"
    lab_vm_addr vx$n 10.2.0.$n/24 || die "VM vx$n"
done
# The ceiling both share: two VMs on one bridge of hv1, no uplink.
lab_bridge hv1 br-lo || die br-lo
for n in 1 2; do
    lab_vm lo$n hv1 br-lo 50:54:00:00:03:0$n 2044 || die "VM lo$n"
    lab_vm_addr lo$n 10.3.0.$n/24 || die "VM lo$n"
done
lab_in lo1 ping -c 3 -i 0.2 -w 10 10.3.0.2 >/dev/null || die "local ping"
lab_in ib1 ping -c 3 -i 0.2 -w 10 10.1.0.2 >/dev/null || die "eipoib ping"
lab_in vx1 ping -c 3 -i 0.2 -w 10 10.2.0.2 >/dev/null || die "vxlan ping"
for vm in ib2 vx2 lo2; do
    lab_in $vm iperf3 -s -D -I "$run/iperf3-$vm.pid" \
        --logfile "$run/iperf3-$vm.log" || die "iperf3 server in $vm"
    lab_track_pid "$run/iperf3-$vm.pid"
done
sleep 1

# CPU accounting, in clock ticks.
hz=$(getconf CLK_TCK)
pid_ticks() { awk '{print $14 + $15}' /proc/$1/stat; }
machine_ticks() {     # busy and total ticks of all CPUs
    awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i;
                    print t - $5 - $6, t }' /proc/stat
}
pid_vsd1=$(cat "$run/hv1/ovs-vswitchd.pid")
pid_vsd2=$(cat "$run/hv2/ovs-vswitchd.pid")
pid_fabric=$(cat "$run/fabric.pid")
ncpu=$(nproc)

# Waits (up to 60 s) until the machine is less than 25% busy over a second;
# prints the busy percentage last seen (reported, so that a round measured
# on a busy machine shows).
wait_idle() {
    local i b0 t0 b1 t1 busy
    for i in $(seq 60); do
        read -r b0 t0 < <(machine_ticks)
        sleep 1
        read -r b1 t1 < <(machine_ticks)
        busy=$(( 100 * (b1 - b0) / (t1 - t0 > 0 ? t1 - t0 : 1) ))
        [ $busy -lt 25 ] && break
    done
    echo $busy
}

# div A B [DECIMALS]: A / B.
div() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { printf "%.*f", d, a / b }'; }

results=$run/results
: > "$results"
# measure ROUND SETUP CLIENT-VM SERVER-IP
measure() {
    local round=$1 setup=$2 vm=$3 ip=$4 idle v1 v2 f mb mt b0 t0 b1 t1 json
    idle=$(wait_idle)
    v1=$(pid_ticks $pid_vsd1); v2=$(pid_ticks $pid_vsd2)
    f=$(pid_ticks $pid_fabric)
    read -r b0 t0 < <(machine_ticks)
    json=$(lab_in $vm iperf3 -c $ip -t "$seconds" -J 2>&1)
    read -r b1 t1 < <(machine_ticks)
    v1=$(( $(pid_ticks $pid_vsd1) - v1 )); v2=$(( $(pid_ticks $pid_vsd2) - v2 ))
    f=$(( $(pid_ticks $pid_fabric) - f ))
    read -r bps retr < <(printf '%s' "$json" | python3 -c '
import json, sys
try:
    end = json.load(sys.stdin)["end"]
    print(int(end["sum_received"]["bits_per_second"]),
          end["sum_sent"].get("retransmits", 0))
except Exception:
    print(0, 0)')
    rtt=$(lab_in $vm ping -q -c 200 -i 0.005 -w 20 $ip 2>&1 \
          | sed -n 's,^rtt min/avg/max/mdev = \([0-9.]*\)/\([0-9.]*\)/\([0-9.]*\)/.*,\1 \2 \3,p')
    # Machine busy time not spent in the two vswitchds and the fabric.
    others=$(( (b1 - b0) - v1 - v2 - f ))
    echo "$round $setup $bps $v1 $v2 $f $others $(( t1 - t0 )) $idle ${rtt:-0 0 0} $retr" >> "$results"
    printf '  round %s %-6s %6s Mbit/s (%s retransmits)  CPU: vswitchd hv1 %ss hv2 %ss, fabric %ss, rest of machine %ss  rtt avg %s ms  (before: %s%% busy)\n' \
        "$round" "$setup" "$(div "$bps" 1000000 0)" "$retr" "$(div $v1 $hz)" \
        "$(div $v2 $hz)" "$(div $f $hz)" "$(div $others $hz)" \
        "$(echo "${rtt:-0 0 0}" | cut -d' ' -f2)" "$idle"
}

lab_step "Measuring: $runs rounds, iperf3 $seconds s + 200 pings per set-up, $ncpu CPUs"
for r in $(seq "$runs"); do
    measure $r eipoib ib1 10.1.0.2
    measure $r vxlan vx1 10.2.0.2
    measure $r local lo1 10.3.0.2
done

lab_step "Summary (min / median / max over $runs rounds)"
python3 - "$results" "$hz" "$seconds" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
hz, seconds = float(sys.argv[2]), float(sys.argv[3])
by = {}
for r in rows:
    rnd, setup = r[0], r[1]
    bps, v1, v2, f, others, ticks = map(float, r[2:8])
    rtt_min, rtt_avg, rtt_max = map(float, r[9:12])
    gbit = bps * seconds / 1e9 if bps else float('nan')
    by.setdefault(setup, []).append({
        'round': rnd,
        'Mbit/s': bps / 1e6,
        'TCP retransmits': float(r[12]),
        'rtt avg ms': rtt_avg,
        'rtt min ms': rtt_min,
        'vswitchd hv1 CPU s/Gbit': v1 / hz / gbit,
        'vswitchd hv2 CPU s/Gbit': v2 / hz / gbit,
        'fabric CPU s/Gbit': f / hz / gbit,
        'rest-of-machine CPU s': others / hz,
        'machine busy % before': float(r[8]),
    })

def num(v):
    return '%.0f' % v if abs(v) >= 100 else '%.3g' % v

def mmm(vals):
    vals = [v for v in vals if v == v]
    if not vals:
        return 'n/a'
    return ' / '.join(num(v) for v in (min(vals), statistics.median(vals),
                                       max(vals)))

metrics = list(next(iter(by.values()))[0].keys())[1:]
print('%-26s %-24s %-24s %-24s' % ('', 'eipoib', 'vxlan', 'local'))
for m in metrics:
    print('%-26s %-24s %-24s %-24s'
          % (m, mmm([x[m] for x in by.get('eipoib', [])]),
             mmm([x[m] for x in by.get('vxlan', [])]),
             mmm([x[m] for x in by.get('local', [])])))
print()
pairs = list(zip(by.get('eipoib', []), by.get('vxlan', [])))
for m in ('Mbit/s', 'rtt avg ms'):
    ratios = [a[m] / b[m] for a, b in pairs if b[m]]
    print('ratio eipoib/vxlan %-18s %s' % (m, mmm(ratios)))
ratios = [(a['vswitchd hv1 CPU s/Gbit'] + a['vswitchd hv2 CPU s/Gbit'])
          / (b['vswitchd hv1 CPU s/Gbit'] + b['vswitchd hv2 CPU s/Gbit'])
          for a, b in pairs]
print('ratio eipoib/vxlan %-18s %s' % ('vswitchd CPU/Gbit', mmm(ratios)))
local = list(zip(by.get('eipoib', []), by.get('local', [])))
ratios = [a['Mbit/s'] / b['Mbit/s'] for a, b in local if b['Mbit/s']]
print('ratio eipoib/local  %-17s %s' % ('Mbit/s', mmm(ratios)))
print()
print('local: two VMs on one bridge of hv1, no uplink or tunnel: the ceiling')
print('of the VMs\' veth ports on the userspace datapath, shared by both.')
print('CPU s/Gbit: CPU seconds a process used per gigabit delivered to the')
print('receiving VM.  The soft fabric daemon is a cost that a real HCA does')
print('not have; on a small machine it competes with the switches.  "rest of')
print('machine" is busy time of everything else during the iperf3 run (the')
print('VMs\' TCP stacks, iperf3, and other users of this shared machine).')
EOF
lab_step "Drops during the benchmark: fabric (non-zero counters), uplinks"
lab_fabric_appctl fabric/counters | grep -vE '^(received|delivered|unicast|multicast)=|=0$' | sed 's/^/  /'

for hv in hv1 hv2; do
    echo "  $hv:"
    lab_appctl $hv eipoib/show ib0 | sed -n '/^  drops:/,$p' | sed 's/^/  /'
done
echo
echo "Raw results (round setup bps vswitchd1 vswitchd2 fabric rest ticks" \
     "idle% rtt-min rtt-avg rtt-max retransmits; ticks of 1/$hz s): $results"
