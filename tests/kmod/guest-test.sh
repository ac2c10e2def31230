#! /bin/bash
# Guest side of "make check-kmod": runs as root inside the QEMU guest that
# tests/qemu/run-guest.sh boots (Debian's kernel, the host's root read-only).
#
# Loads openvswitch, the TEST-ONLY fake IPoIB pairs (tests/kmod/
# ibpair_test.ko) and eipoib.ko, then builds:
#
#   vmA1 (untagged)  ┐                              ┌ vmB1 (untagged, dnsmasq)
#   vmA2 (VLAN 10)   ├ br0 ─ eib0 ═ tib0 ── tib1 ═ eib0 ─ br0 ┤ vmB2 (VLAN 10)
#   vmA3 (VLAN 20)   │  (hostA)     tib2 ── tib3     (hostB)   └
#   vmAd (DHCP)      ┘               P_Key 0x8001 <-> VLAN 10
#
# each host a network namespace with its own ovsdb-server and our
# ovs-vswitchd (kernel datapath, datapath_type=system), plus a plain IPoIB
# endpoint (an IPv4 address directly on hostB's tib1) and a pair with
# limited-member P_Keys.  Prints KMOD-PASS/KMOD-FAIL per check and a final
#   KMOD-RESULT N passed, M failed
# and exits non-zero on any failure.
#
# Environment (set by datapath/automake.mk): EIPOIB_SRCDIR, EIPOIB_BUILDDIR,
# OVS_SRCDIR, OVS_BUILDDIR, EIPOIB_KMOD_LOGDIR (written back to the host).

set -u
src=${EIPOIB_SRCDIR:?}
build=${EIPOIB_BUILDDIR:?}
logdir=${EIPOIB_KMOD_LOGDIR:-/tmp/kmod-logs}
mkdir -p "$logdir"
export PATH=$build/vswitchd:$OVS_BUILDDIR/ovsdb:$OVS_BUILDDIR/utilities:$PATH
# python3 -S: without site-packages a start takes 1 s instead of 10 under
# TCG over 9p; both scripts use only the standard library.
netcheck="python3 -S $src/tests/kmod/net-check.py"
eipoib_link=$src/datapath/linux/eipoib-link
checklog=$logdir/checks.log
: > "$checklog"

passed=0
failed=0

# check DESCRIPTION COMMAND...: COMMAND must succeed.
check() {
    local desc=$1
    shift
    echo "### [${SECONDS}s] $desc: $*" >> "$checklog"
    if "$@" >> "$checklog" 2>&1; then
        echo "KMOD-PASS: $desc"
        passed=$((passed + 1))
    else
        echo "KMOD-FAIL: $desc"
        failed=$((failed + 1))
    fi
}

# check_not DESCRIPTION COMMAND...: COMMAND must fail.
check_not() {
    local desc=$1
    shift
    echo "### [${SECONDS}s] (must fail) $desc: $*" >> "$checklog"
    if "$@" >> "$checklog" 2>&1; then
        echo "KMOD-FAIL: $desc"
        failed=$((failed + 1))
    else
        echo "KMOD-PASS: $desc"
        passed=$((passed + 1))
    fi
}

finish() {
    cp -r /tmp/ovs-host* "$logdir/" 2>/dev/null
    dmesg > "$logdir/dmesg.txt"
    echo "KMOD-RESULT $passed passed, $failed failed"
    [ "$failed" = 0 ] && [ "$passed" -gt 0 ]
    exit $?
}

# Value of ethtool -S counter NAME of DEV in namespace NS.
counter() {
    ip netns exec "$1" ethtool -S "$2" \
        | sed -n "s/^ *$3: *\([0-9]*\)$/\1/p"
}

# counter_gt NS DEV NAME MIN: the counter is above MIN.
counter_gt() {
    local v
    v=$(counter "$1" "$2" "$3")
    echo "$1 $2 $3 = $v (must be > $4)"
    [ -n "$v" ] && [ "$v" -gt "$4" ]
}

# outputs PATTERN COMMAND...: COMMAND succeeds and prints PATTERN (grep -E).
outputs() {
    local pat=$1 out rc
    shift
    out=$("$@" 2>&1)
    rc=$?
    printf '%s\n' "$out"
    [ $rc = 0 ] && printf '%s\n' "$out" | grep -q -E -e "$pat"
}

# eventually SECS COMMAND...: COMMAND succeeds within SECS seconds.
eventually() {
    local secs=$1 i
    shift
    for i in $(seq 1 $((secs * 2))); do
        "$@" && return 0
        sleep 0.5
    done
    return 1
}

ping4() { ip netns exec "$1" busybox ping -c 3 -W 3 "$2"; }
ping4_fails() { ip netns exec "$1" busybox ping -c 2 -W 2 "$2"; }
ping6() { ip netns exec "$1" busybox ping6 -c 3 -W 3 "$2"; }

# ---- OVS, one per host namespace. ----
ovs_start() {
    local h=$1 d=/tmp/ovs-$1
    mkdir -p "$d"
    ovsdb-tool create "$d/conf.db" "$OVS_SRCDIR/vswitchd/vswitch.ovsschema" \
        || return 1
    ip netns exec "$h" env OVS_RUNDIR="$d" OVS_LOGDIR="$d" \
        ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" \
        --pidfile="$d/ovsdb-server.pid" --detach \
        --log-file="$d/ovsdb-server.log" || return 1
    vsctl "$h" --no-wait init || return 1
    ip netns exec "$h" env OVS_RUNDIR="$d" OVS_LOGDIR="$d" \
        ovs-vswitchd "unix:$d/db.sock" --pidfile="$d/ovs-vswitchd.pid" \
        --detach --log-file="$d/ovs-vswitchd.log" || return 1
    vsctl "$h" add-br br0 -- set bridge br0 datapath_type=system
}
vsctl() {
    local h=$1
    shift
    ovs-vsctl --db="unix:/tmp/ovs-$h/db.sock" --timeout=60 "$@"
}
appctl() {
    local h=$1
    shift
    ip netns exec "$h" env OVS_RUNDIR="/tmp/ovs-$h" \
        ovs-appctl --timeout=60 "$@"
}
ovs_stop() {
    local d=/tmp/ovs-$1 f
    for f in "$d/ovs-vswitchd.pid" "$d/ovsdb-server.pid"; do
        [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
}

# vm HOST VM PORT [VLAN]: namespace VM on a veth, PORT on HOST's br0.
vm() {
    ip netns add "$2"
    ip -n "$2" link set lo up
    ip -n "$1" link add "$3" type veth peer name eth0 netns "$2"
    ip -n "$1" link set "$3" up
    ip -n "$2" link set eth0 up
    ip -n "$2" route add 224.0.0.0/4 dev eth0
    vsctl "$1" add-port br0 "$3" ${4:+tag=$4}
}

# eib_create HOST LOWER VLAN10-LOWER: eib0 with VLAN 10 on the second lower.
eib_create() {
    ip netns exec "$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    ip netns exec "$1" python3 -S "$eipoib_link" add eib0 link "$2" \
        partition "10:$3" max-vifs 16 || return 1
    ip netns exec "$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=0
    ip -n "$1" link set eib0 up
}

wait_dad() {   # wait_dad NS: no tentative IPv6 address left
    local i
    for i in $(seq 1 40); do
        [ -z "$(ip -n "$1" -6 addr show tentative)" ] && return 0
        sleep 0.5
    done
    return 1
}

echo "guest-test: kernel $(uname -r)"
check "modprobe openvswitch" modprobe openvswitch
# Pairs: 0 default partition (tib0 hostA, tib1 hostB), 1 P_Key 0x8001
# (tib2 hostA, tib3 hostB), 2 limited members 0x0001 on both ends.
# Ports (GIDs): 0 = hostA, 1 = hostB, 2 and 3 = the P_Key test hosts.
check "insmod ibpair_test (TEST FIXTURE)" insmod "$src/tests/kmod/ibpair_test.ko" \
    pairs=3 pkeys=0xffff,0x8001,0x0001 ports=0,1,0,1,2,3
check "insmod eipoib" insmod "$src/datapath/linux/eipoib.ko"
[ "$failed" = 0 ] || finish

# ---- The test lower device itself. ----
check "fixture: tib0 is ARPHRD_INFINIBAND with 20-byte addresses" \
    sh -c '[ "$(cat /sys/class/net/tib0/type)" = 32 ] &&
           [ "$(cat /sys/class/net/tib0/addr_len)" = 20 ]'
check "fixture: tib2 broadcast carries P_Key 0x8001" \
    sh -c 'cat /sys/class/net/tib2/broadcast | grep -q "^00:ff:ff:ff:ff:12:40:1b:80:01:"'
ip netns add pk1; ip netns add pk2
ip link set tib4 netns pk1; ip link set tib5 netns pk2
ip -n pk1 addr add 203.0.113.1/24 dev tib4; ip -n pk1 link set tib4 up
ip -n pk2 addr add 203.0.113.2/24 dev tib5; ip -n pk2 link set tib5 up
check_not "fixture: two limited P_Key members cannot talk" \
    ping4_fails pk1 203.0.113.2
check "fixture: the refusal is counted (drop_pkey_mismatch)" \
    counter_gt pk2 tib5 drop_pkey_mismatch 0
check_not "eipoib refuses a non-IPoIB lower device" \
    ip link add eibx link lo type eipoib
check_not "eipoib refuses max-vifs 0" \
    python3 -S "$eipoib_link" add eibx link tib0 max-vifs 0
check_not "eipoib refuses VLAN 4095" \
    python3 -S "$eipoib_link" add eibx link tib0 vlan 4095
check "ip link add eibx link tib0 type eipoib" \
    ip link add eibx link tib0 type eipoib
check_not "a lower device serves one eipoib device only" \
    ip link add eiby link tib0 type eipoib
check "ip link del eibx" ip link del eibx

# max-vifs: a second source MAC is refused and counted.
vif_limit() {
    local n
    ip netns exec pk1 sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    ip netns exec pk1 python3 -S "$eipoib_link" add eibl link tib4 \
        max-vifs 1 || return 1
    ip -n pk1 addr add 192.0.2.1/24 dev eibl
    ip -n pk1 link set eibl up
    ip netns exec pk1 busybox ping -c 1 -W 1 192.0.2.9
    ip -n pk1 link set eibl down
    ip -n pk1 link set eibl address 02:00:00:00:00:02 up
    ip netns exec pk1 busybox ping -c 1 -W 1 192.0.2.9
    n=$(ip netns exec pk1 cat /sys/class/net/eibl/eipoib/vifs | wc -l)
    echo "vifs: $n"
    [ "$n" = 1 ] && counter_gt pk1 eibl tx-vif-limit 0
}
check "max-vifs 1: the second VM MAC is refused (tx-vif-limit)" vif_limit
ip -n pk1 link del eibl 2>/dev/null

# ---- Two hosts. ----
ip netns add hostA; ip netns add hostB
ip link set tib0 netns hostA; ip link set tib2 netns hostA
ip link set tib1 netns hostB; ip link set tib3 netns hostB
for d in tib0 tib2; do ip -n hostA link set $d up; done
for d in tib1 tib3; do ip -n hostB link set $d up; done
check "hostA: eipoib-link add eib0 link tib0 partition 10:tib2" \
    eib_create hostA tib0 tib2
check "hostB: eipoib-link add eib0 link tib1 partition 10:tib3" \
    eib_create hostB tib1 tib3
check "eipoib-link show reads the attributes back" \
    outputs 'partition 10:tib2' ip netns exec hostA python3 -S "$eipoib_link" \
    show eib0
check "ovs hostA (kernel datapath)" ovs_start hostA
check "ovs hostB (kernel datapath)" ovs_start hostB
check "hostA: eib0 is a port of br0" vsctl hostA add-port br0 eib0
check "hostB: eib0 is a port of br0" vsctl hostB add-port br0 eib0
check "hostA: datapath has eib0" outputs 'port [0-9]+: eib0' \
    appctl hostA dpctl/show

vm hostA vmA1 a1
vm hostA vmA2 a2 10
vm hostA vmA3 a3 20
vm hostA vmAd d1
vm hostB vmB1 b1
vm hostB vmB2 b2 10
ip -n vmA1 addr add 198.51.100.1/24 dev eth0
ip -n vmA1 addr add 2001:db8::1/64 dev eth0
ip -n vmB1 addr add 198.51.100.2/24 dev eth0
ip -n vmB1 addr add 2001:db8::2/64 dev eth0
ip -n vmA2 addr add 198.51.100.11/24 dev eth0
ip -n vmB2 addr add 198.51.100.12/24 dev eth0
ip -n vmA3 addr add 198.51.100.21/24 dev eth0

# ---- ARP, ICMP, IPv6 ND. ----
check "ARP + ICMP vmA1 -> vmB1" ping4 vmA1 198.51.100.2
check "ICMP vmB1 -> vmA1" ping4 vmB1 198.51.100.1
check "vmA1 sees vmB1 at a GID-hash REMAC (06:...)" \
    outputs 'lladdr 06:' ip -n vmA1 neigh show 198.51.100.2
remac_b1=$(ip -n vmA1 neigh show 198.51.100.2 | sed -n 's/.*lladdr \([^ ]*\).*/\1/p')
dad_done() { wait_dad vmA1 && wait_dad vmB1; }
check "IPv6 DAD done in vmA1 and vmB1" dad_done
check "IPv6 ND + ICMPv6 vmA1 -> vmB1" ping6 vmA1 2001:db8::2
check "vmA1 has an ND neighbour entry with a REMAC for 2001:db8::2" \
    outputs 'lladdr 06:' ip -n vmA1 -6 neigh show 2001:db8::2

# ---- VLAN <-> P_Key. ----
tib3_rx=$(counter hostB tib3 rx_packets)
check "VLAN 10 (P_Key 0x8001): vmA2 -> vmB2" ping4 vmA2 198.51.100.12
check "VLAN 10 traffic crossed the 0x8001 pair (tib3 rx_packets grew)" \
    counter_gt hostB tib3 rx_packets "$tib3_rx"
check_not "isolation: VLAN 10 vmA2 cannot reach untagged vmB1" \
    ping4_fails vmA2 198.51.100.2
check_not "isolation: untagged vmA1 cannot reach VLAN 10 vmB2" \
    ping4_fails vmA1 198.51.100.12
check_not "VLAN 20 has no P_Key: vmA3 reaches nothing" \
    ping4_fails vmA3 198.51.100.2
check "VLAN 20 frames counted as tx-vlan-unmapped" \
    counter_gt hostA eib0 tx-vlan-unmapped 0

# ---- Multicast snooping. ----
nj=$(counter hostB tib1 drop_not_joined)
ip netns exec vmA1 $netcheck mcast-send 239.9.9.9 5001 nobody >/dev/null
check "multicast to a group nobody joined stops at the port (drop_not_joined)" \
    counter_gt hostB tib1 drop_not_joined "$nj"
ip netns exec vmB1 $netcheck mcast-recv 239.1.2.3 5000 40 \
    > /tmp/mcast.out 2>&1 &
mrecv=$!
check "IGMP join snooped: hostB joined ff12:401b:ffff::f01:203" \
    eventually 20 outputs '^ff12:401b:ffff::f01:203 vlan 0 member' \
    ip netns exec hostB cat /sys/class/net/eib0/eipoib/groups
ip netns exec vmA1 $netcheck mcast-send 239.1.2.3 5000 hello-mcast \
    >/dev/null
wait $mrecv
mrc=$?
cat /tmp/mcast.out
check "UDP multicast vmA1 -> 239.1.2.3 -> vmB1" \
    sh -c "[ $mrc = 0 ] && grep -q hello-mcast /tmp/mcast.out"

# ---- TCP. ----
ip netns exec vmB1 $netcheck tcp-server 5201 4194304 > /tmp/tcp-server.out \
    2>&1 &
tsrv=$!
check "TCP 4 MiB vmA1 -> vmB1, every byte checked" \
    outputs 'server says ok' ip netns exec vmA1 $netcheck tcp-client \
    198.51.100.2 5201 4194304
wait $tsrv
grep tcp-client "$checklog" | tail -n 1
cat /tmp/tcp-server.out

# ---- DHCP (dnsmasq in vmB1, busybox udhcpc in vmAd). ----
cat > /tmp/udhcpc.sh <<'EOF'
#!/bin/sh
case $1 in
bound|renew) ip addr add "$ip/$mask" dev "$interface"; echo "lease $ip" ;;
esac
exit 0
EOF
chmod +x /tmp/udhcpc.sh
ip netns exec vmB1 dnsmasq --conf-file=/dev/null --port=0 \
    --interface=eth0 --bind-interfaces --no-ping -u root \
    --dhcp-range=198.51.100.100,198.51.100.150,255.255.255.0,1h \
    --dhcp-leasefile=/tmp/dnsmasq.leases --pid-file=/tmp/dnsmasq.pid \
    --log-dhcp --log-facility=/tmp/dnsmasq.log
check "DHCP: udhcpc in vmAd gets a lease from dnsmasq across IPoIB" \
    outputs 'lease 198[.]51[.]100[.]1[0-5][0-9]' ip netns exec vmAd \
    busybox udhcpc -i eth0 -n -q -t 6 -T 3 -s /tmp/udhcpc.sh
check "DHCP: the leased address works (vmAd -> vmB1)" \
    ping4 vmAd 198.51.100.2
cp /tmp/dnsmasq.log "$logdir/" 2>/dev/null

# ---- A plain IPoIB endpoint: IPv4 directly on hostB's tib1. ----
ip -n hostB addr add 198.51.100.200/24 dev tib1
check "interop: vmA1 (behind eipoib) -> plain IPoIB 198.51.100.200" \
    ping4 vmA1 198.51.100.200
check "interop: plain IPoIB host -> vmA1" ping4 hostB 198.51.100.1
check "interop: hostB's stack holds vmA1 at hostA's IPoIB address, flags 0" \
    outputs 'lladdr 00:00:00:48:fe:80:00:00:00:00:00:00:00:02:c9:03:00:01:00:00' \
    ip -n hostB neigh show 198.51.100.1

# ---- Counters and views. ----
both_ways() {
    counter_gt hostA eib0 tx-packets 0 && counter_gt hostA eib0 rx-packets 0
}
check "ethtool -S eib0 counts traffic both ways" both_ways
echo "==== ethtool -S eib0 (hostA)"
ip netns exec hostA ethtool -S eib0 | tee "$logdir/ethtool-S-eib0.txt"
echo "==== ovs-appctl eipoib/show (hostA)"
appctl hostA eipoib/show | tee "$logdir/eipoib-show.txt"
vma1_mac=$(ip netns exec vmA1 cat /sys/class/net/eth0/address)
check "eipoib/show lists the kernel device eib0 with vmA1's vif" \
    sh -c "grep -q '^eib0 (kernel eipoib device):' $logdir/eipoib-show.txt &&
           grep -q '^    $vma1_mac vlan 0 ' $logdir/eipoib-show.txt"
check "eipoib/show eib0 (by name)" \
    outputs '^eib0 [(]kernel eipoib device[)]' appctl hostA eipoib/show eib0

# ---- Unload with traffic running. ----
ip netns exec vmA1 busybox ping -i 0.02 198.51.100.2 > /tmp/bgping.out 2>&1 &
bgping=$!
ip netns exec vmB1 $netcheck tcp-server 5202 400000000 >/dev/null 2>&1 &
bgsrv=$!
ip netns exec vmA1 $netcheck tcp-client 198.51.100.2 5202 400000000 \
    >/dev/null 2>&1 &
bgcli=$!
sleep 3
check "traffic was flowing before the unload" \
    outputs 'bytes from' cat /tmp/bgping.out
check "rmmod eipoib with traffic running" timeout 120 rmmod eipoib
check_not "eib0 is gone from hostA" ip -n hostA link show eib0
check_not "eib0 is gone from hostB" ip -n hostB link show eib0
kill $bgping $bgcli $bgsrv 2>/dev/null
wait $bgping $bgcli $bgsrv 2>/dev/null
check_not "tib0 has no upper device left" \
    outputs 'upper_' ip netns exec hostA ls /sys/class/net/tib0
check "ovs-vswitchd survived (hostA)" appctl hostA version
plain_after_unload() {
    local rc
    ip -n hostA addr add 198.51.100.201/24 dev tib0 || return 1
    ping4 hostB 198.51.100.201
    rc=$?
    ip -n hostA addr del 198.51.100.201/24 dev tib0
    return $rc
}
check "the lower devices work as plain IPoIB after the unload" \
    plain_after_unload
check "insmod eipoib again" insmod "$src/datapath/linux/eipoib.ko"
check "hostA: eib0 again" eib_create hostA tib0 tib2
check "hostB: eib0 again" eib_create hostB tib1 tib3
vsctl hostA del-port br0 eib0 -- add-port br0 eib0
vsctl hostB del-port br0 eib0 -- add-port br0 eib0
# vmA1 still holds vmB1's REMAC, which the new eib0 has never seen: the
# frame is dropped as unknown-unicast and eib0 ARPs for it instead.
ip -n vmA1 neigh replace 198.51.100.2 lladdr "$remac_b1" dev eth0 \
    nud reachable
check "ARP + ICMP vmA1 -> vmB1 after the reload (vmA1 kept the REMAC)" \
    ping4 vmA1 198.51.100.2
check "the reloaded eib0 resolved the stale REMAC with an ARP probe" \
    counter_gt hostA eib0 tx-arp-probes 0
check "vmA1 reaches vmB1 at the same REMAC as before the reload" \
    outputs "lladdr $remac_b1" ip -n vmA1 neigh show 198.51.100.2

# ---- ip link del, and the end. ----
vsctl hostB del-port br0 eib0
check "ip link del eib0 (hostB)" ip -n hostB link del eib0
check "tib1 is free again: eib0 can be created anew" \
    sh -c "ip -n hostB link add eib0 link tib1 type eipoib &&
           ip -n hostB link del eib0"
check "no kernel BUG/WARNING/refcount trouble in dmesg" \
    sh -c "! dmesg | grep -E 'BUG:|WARNING:|unregister_netdevice: waiting|sleeping function|refcount_t'"
ovs_stop hostA
ovs_stop hostB
[ -f /tmp/dnsmasq.pid ] && kill "$(cat /tmp/dnsmasq.pid)" 2>/dev/null
sleep 1
check "rmmod eipoib (devices left: hostA eib0)" rmmod eipoib
check "rmmod ibpair_test" rmmod ibpair_test
finish
