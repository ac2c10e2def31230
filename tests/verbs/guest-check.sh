#! /bin/sh
# Runs in the QEMU guest of "make check-verbs" (tests/qemu/run-guest.sh):
# creates rxe0/rxe1, runs the testsuite's "verbs" tests on them, then
# tests/verbs-bench (functional: it fails if a datagram is lost).
#
#   guest-check.sh SRCDIR BUILDDIR OUTDIR AUTOTEST_PATH [TESTSUITEFLAGS...]
#
# The suite runs in the guest's own (tmpfs overlay) copy of BUILDDIR/tests,
# where OVS's Unix sockets work; its log and the directories of the tests
# are copied to OUTDIR, the one directory shared read-write with the host.
srcdir=$1 builddir=$2 out=$3 autotest_path=$4
shift 4

sh "$srcdir/tests/verbs/setup-rxe.sh" || exit 1
EIPOIB_VERBS_DEVICES="rxe0 rxe1"
export EIPOIB_VERBS_DEVICES
cd "$builddir" || exit 1

status=0
/bin/bash "$srcdir/tests/testsuite" -C tests AUTOTEST_PATH="$autotest_path" \
    -k verbs "$@" || status=$?
cp tests/testsuite.log "$out/" 2>/dev/null
# tar leaves out the sandboxes' Unix sockets, which 9p refuses to open.
tar -C tests -cf - testsuite.dir 2>/dev/null | tar -C "$out" -xf -

echo "check-verbs: tests/verbs-bench rxe0 rxe1"
tests/verbs-bench rxe0 rxe1 ${VERBS_BENCH_COUNT:-20000} || status=1
exit $status
