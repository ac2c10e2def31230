#! /bin/sh
# Measures eipoib-fabric's forwarding rate, port to port, for 64-byte and
# 2044-byte IPoIB datagrams (tests/fabric-bench.c).  Run by
# "make bench-fabric"; by hand:
#   tests/bench-fabric.sh BUILDDIR OVS_APPCTL [SECONDS]
set -e
builddir=$1
appctl=$2
seconds=${3:-5}

dir=`mktemp -d /tmp/eipoib-bench.XXXXXX`
OVS_RUNDIR=$dir; export OVS_RUNDIR
OVS_LOGDIR=$dir; export OVS_LOGDIR
"$builddir/utilities/eipoib-fabric" --detach --no-chdir --pidfile \
    --log-file -vconsole:off --remote="punix:$dir/fabric.sock"
trap 'kill `cat "$dir/eipoib-fabric.pid"`; rm -rf "$dir"' 0

for size in 64 2044; do
    "$builddir/tests/fabric-bench" --socket="$dir/fabric.sock" \
        --size=$size --seconds="$seconds"
done
echo "daemon counters (non-zero):"
"$appctl" -t eipoib-fabric fabric/counters | grep -v '=0$'
