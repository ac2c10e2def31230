#! /bin/bash
# The eIPoIB demo: Linux VMs in network namespaces on two hypervisors, talking
# across a soft InfiniBand fabric through eipoib uplinks, with a native IPoIB
# host on the same fabric.
#
#   utilities/demo.sh [--run-dir=DIR] [--prefix=PREFIX] BUILD_DIR
#
# BUILD_DIR is a built eIPoIB build directory (utilities/quickstart.sh demo
# builds _build and calls this).  Run as root.  DIR (default
# /tmp/eipoib-demo, emptied first if a previous run made it) keeps the logs and the fabric capture
# afterwards; PREFIX (default ed<pid>-) starts every namespace's name.
#
#                    soft InfiniBand fabric (eipoib-fabric --capture)
#        +-----------------+-----------------+------------+------------+
#     hv1-ib0           hv2-ib0            ibhost       ibhost2
#  [hv1: ovs-vswitchd] [hv2: ovs-vswitchd]  native IPoIB native IPoIB
#   br-hv1, uplink ib0  br-hv2, uplink ib0  P_Key 0x8001 P_Key 0x8002
#    vlan 10 <-> P_Key 0x8001, vlan 20 <-> P_Key 0x8002  10.0.10.9    10.0.10.8
#    |vm1 (vlan 10)       |vm2 (vlan 10, dnsmasq)
#    |vm4 (vlan 10, DHCP) |vm3 (vlan 20)
#
# Every check prints PASS or FAIL; the exit status is 1 if any failed.
# Everything is torn down on exit, Ctrl-C or failure.

run=/tmp/eipoib-demo
prefix=ed$$-
while [ $# -gt 0 ]; do
    case $1 in
        --run-dir=*) run=${1#*=} ;;
        --prefix=*) prefix=${1#*=} ;;
        -h|--help) sed -n '2,26s/^# \{0,1\}//p' "$0"; exit 0 ;;
        -*) echo "$0: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
    shift
done
if [ $# != 1 ]; then
    echo "usage: $0 [--run-dir=DIR] [--prefix=PREFIX] BUILD_DIR" >&2
    exit 2
fi
if [ "$(id -u)" != 0 ]; then
    echo "$0: must run as root (network namespaces, veth and TUN devices)" >&2
    exit 2
fi

. "$(dirname "$0")/demo-lib.sh"

lab_init "$1" "$run" "$prefix" || exit 2
trap lab_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# setup DESCRIPTION CMD...: a set-up step; the demo cannot go on without it.
setup() {
    local what=$1; shift
    if ! "$@"; then
        printf 'FAIL: set-up: %s\n' "$what"
        echo "Logs are in $LAB_RUN." >&2
        exit 1
    fi
}

lab_step "Starting the soft InfiniBand fabric (capture: $run/fabric.pcap)"
setup "fabric" lab_fabric --capture="$run/fabric.pcap" \
    --port-pkeys=hv1-ib0=0xffff,0x8001,0x8002 \
    --port-pkeys=hv2-ib0=0xffff,0x8001,0x8002 \
    --port-pkeys=ibhost=0x8001 --port-pkeys=ibhost2=0x8002

for hv in hv1 hv2; do
    lab_step "Hypervisor $hv: ovsdb-server and ovs-vswitchd in namespace $(lab_ns $hv)"
    setup "$hv" lab_hv $hv
    lab_show ovs-vsctl add-br br-$hv -- set bridge br-$hv datapath_type=netdev
    setup "$hv bridge" lab_bridge $hv br-$hv
    lab_show ovs-vsctl add-port br-$hv ib0 -- set interface ib0 type=eipoib \
        options:fabric=unix:$run/fabric.sock options:node=$hv-ib0 \
        options:vlan-pkeys=10:0x8001,20:0x8002
    setup "$hv uplink" lab_uplink $hv br-$hv ib0 $hv-ib0 \
        vlan-pkeys=10:0x8001,20:0x8002
done

lab_step "VMs: namespaces with eth0 (MTU 2044), veth peers are access ports"
# vm NAME HV MAC VLAN: one VM.
vm() {
    lab_show ovs-vsctl add-port br-$2 $1 tag=$4 "  # VM $1, eth0 $3"
    setup "VM $1" lab_vm $1 $2 br-$2 $3 2044 tag=$4
}
vm vm1 hv1 50:54:00:00:00:01 10
vm vm4 hv1 50:54:00:00:00:04 10
vm vm2 hv2 50:54:00:00:00:02 10
vm vm3 hv2 50:54:00:00:00:03 20
setup "addresses" lab_vm_addr vm1 10.0.10.1/24 fd00:10::1/64
setup "addresses" lab_vm_addr vm2 10.0.10.2/24 fd00:10::2/64
setup "addresses" lab_vm_addr vm3 10.0.10.3/24 fd00:10::3/64

lab_step "Native IPoIB hosts (eipoib-host, a TUN device in a namespace)"
lab_show eipoib-host --name=ibhost --pkey=0x8001 --address=10.0.10.9/24 \
    --address=fd00:10::9/64
setup "ibhost" lab_host ibhost --pkey=0x8001 --address=10.0.10.9/24 \
    --address=fd00:10::9/64
lab_show eipoib-host --name=ibhost2 --pkey=0x8002 --address=10.0.10.8/24 \
    --address=fd00:10::8/64
setup "ibhost2" lab_host ibhost2 --pkey=0x8002 --address=10.0.10.8/24 \
    --address=fd00:10::8/64

ping4() { lab_in "$1" ping -c 3 -i 0.2 -w 6 "$2"; }
ping6() { lab_in "$1" ping -6 -c 3 -i 0.2 -w 6 "$2"; }
nopong() { lab_in "$1" ping -c 2 -i 0.5 -w 3 "$2"; }

lab_step "IPv4: ping across hypervisors and to the native host"
lab_check "vm1 -> vm2 (hv1 -> hv2, P_Key 0x8001)" ping4 vm1 10.0.10.2
lab_check "vm2 -> vm1" ping4 vm2 10.0.10.1
lab_check "vm1 -> ibhost (native IPoIB)" ping4 vm1 10.0.10.9
lab_check "ibhost -> vm2" ping4 ibhost 10.0.10.2
lab_check "vm1 -> vm2 with full-size 2044-byte packets, DF set" \
    lab_in vm1 ping -c 2 -i 0.2 -w 6 -s 2016 -M do 10.0.10.2
lab_check "vm1 -> vm2 with minimum-size packets (28-byte IPv4, padded frames)" \
    lab_in vm1 ping -c 2 -i 0.2 -w 6 -s 0 10.0.10.2

lab_step "IPv6: ping -6 (neighbour discovery through the uplinks)"
lab_check "vm1 -> vm2 over IPv6" ping6 vm1 fd00:10::2
lab_check "vm2 -> ibhost over IPv6" ping6 vm2 fd00:10::9
lab_check "ibhost -> vm1 over IPv6" ping6 ibhost fd00:10::1

lab_step "TCP"
tcp_nc() {
    head -c 1000000 /dev/urandom > "$run/tcp-data"
    lab_in ibhost timeout 20 nc -l 10.0.10.9 5001 > "$run/tcp-recv" &
    lab_wait 5 sh -c "ip netns exec $(lab_ns ibhost) ss -ltn | grep -q 10.0.10.9:5001" \
        || return 1
    lab_in vm1 timeout 20 nc -N 10.0.10.9 5001 < "$run/tcp-data" || return 1
    wait
    cmp "$run/tcp-data" "$run/tcp-recv" || return 1
    echo "1000000 bytes arrived intact"
    rm -f "$run/tcp-data" "$run/tcp-recv"
}
lab_check "vm1 -> ibhost: 1 MB over nc, compared" tcp_nc

lab_step "DHCP: dnsmasq in vm2 (hv2) serves vm4 (hv1) across the fabric"
cat > "$run/udhcpc.script" <<'EOF'
#! /bin/sh
case $1 in
    bound|renew)
        ip addr add "$ip/${mask:-24}" dev "$interface"
        echo "$ip" > "$LEASE_FILE" ;;
esac
exit 0
EOF
chmod +x "$run/udhcpc.script"
dhcp() {
    lab_in vm2 dnsmasq --conf-file=/dev/null --port=0 --user=root \
        --interface=eth0 --bind-interfaces --pid-file="$run/dnsmasq.pid" \
        --dhcp-range=10.0.10.100,10.0.10.150,255.255.255.0,1h \
        --dhcp-leasefile="$run/dnsmasq.leases" --log-dhcp \
        --log-facility="$run/dnsmasq.log" || return 1
    rm -f "$run/lease"
    lab_in vm4 env LEASE_FILE="$run/lease" timeout 30 busybox udhcpc \
        -i eth0 -f -q -n -t 5 -T 2 -s "$run/udhcpc.script" || return 1
    [ -s "$run/lease" ] || return 1
    echo "vm4 got $(cat "$run/lease")"
    lab_in vm4 ip -4 addr show dev eth0 | grep -q "inet $(cat "$run/lease")/" \
        && lab_in vm4 ping -c 2 -i 0.2 -w 6 10.0.10.2 | tail -2
}
lab_track_pid "$run/dnsmasq.pid"
lab_check "vm4 leases an address from vm2 and pings it" dhcp

lab_step "Isolation: vm3 is on VLAN 20 <-> P_Key 0x8002"
lab_check "vm3 -> ibhost2 (its own partition)" ping4 vm3 10.0.10.8
lab_check_fails "vm3 -> vm1 gets no answer" nopong vm3 10.0.10.1
lab_check_fails "vm1 -> vm3 gets no answer" nopong vm1 10.0.10.3
lab_check_fails "ibhost -> vm3 gets no answer" nopong ibhost 10.0.10.3
lab_check_fails "vm2 -> ibhost2 gets no answer" nopong vm2 10.0.10.8

lab_step "The uplinks"
for hv in hv1 hv2; do
    lab_show "ovs-appctl eipoib/show ib0    # on $hv"
    lab_appctl $hv eipoib/show ib0 | sed 's/^/    /'
    lab_show "ovs-appctl eipoib/neighbors ib0    # on $hv"
    lab_appctl $hv eipoib/neighbors ib0 | sed 's/^/    /'
done

lab_step "The fabric capture"
lab_fabric_appctl fabric/capture-stop | sed 's/^/    /'
if command -v tshark >/dev/null; then
    lab_check "tshark reads the capture" sh -c "timeout 120 tshark -r '$run/fabric.pcap' \
        -q -z io,phs 2>/dev/null | sed -n '/^erf/,/^====/p'"
fi
if command -v tshark >/dev/null; then
    echo "  What IPoIB looks like: ARP with 20-byte hardware addresses, and"
    echo "  DHCP with hardware type 32 (RFC 4390), as tshark decodes them:"
    for filter in arp dhcp; do
        lab_show tshark -r $run/fabric.pcap -Y $filter
        timeout 60 tshark -r "$run/fabric.pcap" -Y $filter 2>/dev/null \
            | grep -v Announcement | head -4 | cut -c1-150 | sed 's/^/    /'
    done
fi
echo "Open it in Wireshark with:  wireshark $run/fabric.pcap"
echo "or print it with:           tshark -r $run/fabric.pcap"

lab_step "TCP throughput (not captured: the capture stopped above)"
tcp_iperf() {
    lab_in vm2 iperf3 -s -1 -D -B 10.0.10.2 -I "$run/iperf3.pid" \
        --logfile "$run/iperf3-server.log" || return 1
    lab_wait 5 sh -c "ip netns exec $(lab_ns vm2) ss -ltn | grep -q 10.0.10.2:5201" \
        || return 1
    lab_in vm1 timeout 20 iperf3 -c 10.0.10.2 -t 3 -f m \
        | grep -E 'sender|receiver'
    return "${PIPESTATUS[0]}"
}
lab_track_pid "$run/iperf3.pid"
lab_check "vm1 -> vm2: iperf3 for 3 seconds" tcp_iperf

lab_step "Summary: $LAB_PASSED passed, $LAB_FAILED failed"
[ -n "$LAB_FAILURES" ] && printf 'Failed:\n%s' "$LAB_FAILURES"
echo "Logs are in $run (they stay; everything else is torn down now)."
[ "$LAB_FAILED" = 0 ]
