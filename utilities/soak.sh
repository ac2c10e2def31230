#! /bin/bash
# Soak: traffic through two hypervisors over eIPoIB for a long time while
# VMs come and go.  A benchmark-style run that prints figures; it passes or
# fails nothing, but exits non-zero if the set-up breaks or a daemon dies.
#
#   utilities/soak.sh [--seconds=S] [--churn=S] [--run-dir=DIR] BUILD_DIR
#
# SOAK_SECONDS in the environment is the default for --seconds (600).
#
# Two "hypervisors" (namespaces, each with its own ovsdb-server and our
# ovs-vswitchd, eipoib uplink ib0 on one soft fabric) carry:
#   - a steady pair, VM s1 (hv1, 10.0.0.1) and VM s2 (hv2, 10.0.0.2): ping
#     every 10 ms and an iperf3 UDP stream (5 Mbit/s) s1 -> s2 for the whole
#     run, which give the loss figures;
#   - churning VMs: every --churn seconds (default 5) a new VM appears on
#     one hypervisor, pings s2 or s1 on the other three times and is
#     removed again (ovs-vsctl del-port, namespace deleted).  Uplinks run
#     with vif-idle=5 and neighbor-idle=20, so vifs and neighbours come
#     and go too.
# It prints each ovs-vswitchd's RSS (from /proc) at the start (after one
# churn round, so that the first vifs and the caches exist) and at the end,
# the ping and iperf3 losses, how many churn rounds passed, and the
# uplinks' counters (eipoib/show, coverage).

seconds=${SOAK_SECONDS:-600}
churn=5
run=/tmp/eipoib-soak
while [ $# -gt 0 ]; do
    case $1 in
        --seconds=*) seconds=${1#*=} ;;
        --churn=*) churn=${1#*=} ;;
        --run-dir=*) run=${1#*=} ;;
        -h|--help) sed -n '2,23s/^# \{0,1\}//p' "$0"; exit 0 ;;
        -*) echo "$0: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
    shift
done
if [ $# != 1 ]; then
    echo "usage: $0 [--seconds=S] [--churn=S] [--run-dir=DIR] BUILD_DIR" >&2
    exit 2
fi
if [ "$(id -u)" != 0 ]; then
    echo "$0: must run as root (network namespaces, veth devices)" >&2
    exit 2
fi
for tool in iperf3 ethtool ping; do
    if ! command -v $tool >/dev/null; then
        echo "$0: $tool is missing (utilities/quickstart.sh installs it)" >&2
        exit 2
    fi
done

. "$(dirname "$0")/demo-lib.sh"

lab_init "$1" "$run" "es$$-" || exit 2
trap lab_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() { echo "soak: $*" >&2; echo "logs: $run" >&2; exit 1; }

# rss HV: resident set of HV's ovs-vswitchd, in kB.
rss() {
    awk '/^VmRSS:/ { print $2 }' \
        "/proc/$(cat "$LAB_RUN/$1/ovs-vswitchd.pid")/status"
}

alive() {
    local f
    for f in "$LAB_RUN/fabric.pid" "$LAB_RUN"/hv[12]/ovs-vswitchd.pid; do
        kill -0 "$(cat "$f")" 2>/dev/null || { echo "$f"; return 1; }
    done
}

lab_step "Setting up: fabric, hv1 and hv2, steady VMs s1 and s2"
lab_fabric || die "fabric did not start"
for n in 1 2; do
    lab_hv hv$n || die "hv$n did not start"
    lab_bridge hv$n br0 || die "br0 of hv$n"
    lab_uplink hv$n br0 ib0 hv$n-ib0 vif-idle=5 neighbor-idle=20 \
        || die "uplink of hv$n"
done
lab_vm s1 hv1 br0 50:54:00:00:00:01 2044 || die "VM s1"
lab_vm s2 hv2 br0 50:54:00:00:00:02 2044 || die "VM s2"
lab_vm_addr s1 10.0.0.1/16 || die "s1 address"
lab_vm_addr s2 10.0.0.2/16 || die "s2 address"
lab_wait 20 lab_in s1 ping -c 1 -W 1 10.0.0.2 || die "s1 cannot ping s2"

# One churn round: VM cN on hv1 or hv2 pings the steady VM on the other
# hypervisor, then goes.  Returns the ping's status.
n_churn=0
churn_failed=0
churn_round() {
    local i=$n_churn hv peer vm mac rc
    vm=c$((i % 8))
    if [ $((i % 2)) = 0 ]; then hv=hv1; peer=10.0.0.2
    else hv=hv2; peer=10.0.0.1; fi
    mac=$(printf '50:54:00:01:%02x:%02x' $(((i >> 8) & 255)) $((i & 255)))
    lab_vm $vm $hv br0 $mac 2044 >/dev/null || return 1
    lab_vm_addr $vm 10.0.1.$((i % 200 + 10))/16 || return 1
    lab_in $vm ping -c 3 -i 0.2 -W 2 $peer >/dev/null 2>&1
    rc=$?
    lab_vsctl $hv del-port br0 $vm
    ip netns del "$(lab_ns $vm)"
    n_churn=$((n_churn + 1))
    [ $rc = 0 ] || churn_failed=$((churn_failed + 1))
    return 0
}

churn_round || die "first churn round"
rss1_start=$(rss hv1)
rss2_start=$(rss hv2)
fabric_rss_start=$(awk '/^VmRSS:/ { print $2 }' \
                   "/proc/$(cat "$LAB_RUN/fabric.pid")/status")

lab_step "Soaking for $seconds s (churn every $churn s)"
lab_in s2 iperf3 -s -1 -D -p 5201 --logfile "$LAB_RUN/iperf3-server.log" \
    || die "iperf3 server"
lab_wait 10 lab_in s2 ss -lun sport = :5201 || sleep 1
lab_in s1 iperf3 -u -b 5M -l 1200 -t "$seconds" -c 10.0.0.2 -p 5201 \
    > "$LAB_RUN/iperf3.out" 2>&1 &
iperf_pid=$!
lab_in s1 ping -q -i 0.01 -W 1 -w "$seconds" 10.0.0.2 \
    > "$LAB_RUN/ping.out" 2>&1 &
ping_pid=$!

start=$(date +%s)
while [ $(($(date +%s) - start)) -lt "$seconds" ]; do
    dead=$(alive) || die "daemon died: $dead"
    churn_round || die "churn round $n_churn failed to set up"
    sleep "$churn"
done
wait $ping_pid
wait $iperf_pid
dead=$(alive) || die "daemon died: $dead"

# Let the last churned vifs age out (vif-idle=5, checked every second).
sleep 7
rss1_end=$(rss hv1)
rss2_end=$(rss hv2)
fabric_rss_end=$(awk '/^VmRSS:/ { print $2 }' \
                 "/proc/$(cat "$LAB_RUN/fabric.pid")/status")

lab_step "Counters"
for hv in hv1 hv2; do
    echo "--- $hv: eipoib/show ib0"
    lab_appctl $hv eipoib/show ib0 | sed -n '/^  vifs:/p;/^  neighbors:/p;/^  traffic:/,$p'
    echo "--- $hv: coverage (eipoib)"
    lab_appctl $hv coverage/show | grep -E 'eipoib|netdev_sent|netdev_received' \
        | sed 's/^/  /'
done
echo "--- fabric"
lab_fabric_appctl fabric/show | sed -n '/drops\|counters/,$p' | head -30

ping_summary=$(grep 'packets transmitted' "$LAB_RUN/ping.out")
iperf_summary=$(grep -E 'receiver$' "$LAB_RUN/iperf3.out" | tail -1)

lab_step "Soak summary ($seconds s, churn every $churn s)"
printf 'hv1 ovs-vswitchd RSS: start %s kB, end %s kB\n' "$rss1_start" "$rss1_end"
printf 'hv2 ovs-vswitchd RSS: start %s kB, end %s kB\n' "$rss2_start" "$rss2_end"
printf 'eipoib-fabric RSS:    start %s kB, end %s kB\n' "$fabric_rss_start" "$fabric_rss_end"
printf 'ping s1 -> s2 (10 ms): %s\n' "$ping_summary"
printf 'iperf3 UDP s1 -> s2 (5 Mbit/s): %s\n' "$iperf_summary"
printf 'churn rounds: %d, of which %d lost their 3 pings\n' "$n_churn" "$churn_failed"
