#! /bin/sh
# Creates two Soft-RoCE devices, rxe0 on veth0 and rxe1 on veth1, over one
# veth pair, in a QEMU guest (tests/qemu/run-guest.sh): both in the initial
# network namespace, where rxe routes and receives (Linux 6.1).  Waits until
# both ports are ACTIVE.  Idempotent.
#
#   tests/verbs/setup-rxe.sh
set -e
for m in rdma_rxe ib_uverbs rdma_ucm; do
    modprobe "$m"
done
if ! ip link show veth0 >/dev/null 2>&1; then
    ip link add veth0 type veth peer name veth1
fi
for i in 0 1; do
    # MTU 9000 gives the rxe port an active MTU of 4096.
    ip link set "veth$i" mtu 9000 up
    [ -e /sys/class/infiniband/rxe$i ] \
        || rdma link add "rxe$i" type rxe netdev "veth$i"
done
for i in $(seq 1 100); do
    if grep -q ACTIVE /sys/class/infiniband/rxe0/ports/1/state \
       && grep -q ACTIVE /sys/class/infiniband/rxe1/ports/1/state; then
        exit 0
    fi
    sleep 0.1
done
echo "setup-rxe: rxe0/rxe1 did not become ACTIVE" >&2
cat /sys/class/infiniband/rxe*/ports/1/state >&2
exit 1
