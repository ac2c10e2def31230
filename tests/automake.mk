# tests/: our autotest suite (tests/testsuite), the C unit-test driver it
# runs, and the runs of Open vSwitch's own suite against our ovs-vswitchd.

EXTRA_DIST += \
	$(TESTSUITE_AT) \
	$(TESTSUITE) \
	tests/atlocal.in \
	tests/ovs-subset.list
TESTSUITE_AT = \
	tests/testsuite.at \
	tests/eipoib-macros.at \
	tests/build.at \
	tests/provider.at \
	tests/uplink.at \
	tests/provision.at \
	tests/unit.at \
	tests/xlate.at \
	tests/host.at \
	tests/demo.at
TESTSUITE = $(srcdir)/tests/testsuite
DISTCLEANFILES += tests/atconfig tests/atlocal

# Our programs first, so that AT_TESTED and every test pick our
# ovs-vswitchd; OVS's own vswitchd directory is deliberately absent.
AUTOTEST_PATH = $(abs_top_builddir)/vswitchd:$(abs_top_builddir)/utilities:$(abs_top_builddir)/tests:$(OVS_BUILDDIR)/utilities:$(OVS_BUILDDIR)/ovsdb:$(OVS_BUILDDIR)/tests

AUTOTEST = $(AUTOM4TE) --language=autotest

$(srcdir)/tests/package.m4: $(top_srcdir)/configure.ac
	$(AM_V_GEN):;{ \
	  echo '# Signature of the current package.' && \
	  echo 'm4_define([AT_PACKAGE_NAME],      [$(PACKAGE_NAME)])' && \
	  echo 'm4_define([AT_PACKAGE_TARNAME],   [$(PACKAGE_TARNAME)])' && \
	  echo 'm4_define([AT_PACKAGE_VERSION],   [$(PACKAGE_VERSION)])' && \
	  echo 'm4_define([AT_PACKAGE_STRING],    [$(PACKAGE_STRING)])' && \
	  echo 'm4_define([AT_PACKAGE_BUGREPORT], [$(PACKAGE_BUGREPORT)])'; \
	} >'$@'
EXTRA_DIST += tests/package.m4

# tests/package.m4 must come from our -I directory, listed first: OVS's top
# directory has a package.m4 of its own that autom4te would otherwise use.
$(TESTSUITE): $(TESTSUITE_AT) $(srcdir)/tests/package.m4
	$(AM_V_GEN)$(AUTOTEST) -I '$(srcdir)/tests' -I '$(OVS_SRCDIR)' \
	  -o $@.tmp $@.at && mv $@.tmp $@

check-local: tests/atconfig tests/atlocal $(TESTSUITE) $(check_PROGRAMS)
	$(SHELL) '$(TESTSUITE)' -C tests AUTOTEST_PATH='$(AUTOTEST_PATH)' \
	  $(TESTSUITEFLAGS)
	$(MAKE) check-ovs-subset

clean-local:
	test ! -f '$(TESTSUITE)' || $(SHELL) '$(TESTSUITE)' -C tests --clean
	rm -rf tests/ovs-suite tests/ovs-suite-all tests/ovs-suite.list

# Open vSwitch's own test suite, run against our ovs-vswitchd: proof that
# linking the eipoib provider in breaks nothing.  OVS's prebuilt testsuite
# runs in tests/ovs-suite with OVS's own atconfig/atlocal, and with our
# vswitchd directory ahead of everything else on its AUTOTEST_PATH.  The
# atconfig copy names OVS's directories absolutely, since its relative ones
# only hold inside OVS's tree.  The
# atlocal copy skips OVS's tc probe, which as root creates a veth pair on
# the host (and whose "test $HAVE_TC=yes" is always true).
OVS_SUITE_PATH = $(abs_top_builddir)/vswitchd:$(OVS_BUILDDIR)/utilities:$(OVS_BUILDDIR)/ovsdb:$(OVS_BUILDDIR)/vtep:$(OVS_BUILDDIR)/tests:$(OVS_BUILDDIR)/ipsec
# $(call OVS_SUITE_RUN,DIR) runs it in DIR.
OVS_SUITE_RUN = \
	rm -rf $(1) && mkdir -p $(1) && \
	sed -e "s|^at_srcdir=.*|at_srcdir='$(OVS_SRCDIR)/tests'|" \
	    -e "s|^at_top_srcdir=.*|at_top_srcdir='$(OVS_SRCDIR)'|" \
	    -e "s|^at_top_build_prefix=.*|at_top_build_prefix='$(OVS_BUILDDIR)/'|" \
	  '$(OVS_BUILDDIR)/tests/atconfig' > $(1)/atconfig && \
	sed 's/^if test $$HAVE_TC="yes"; then/if false; then/' \
	  '$(OVS_BUILDDIR)/tests/atlocal' > $(1)/atlocal && \
	$(SHELL) '$(OVS_BUILDDIR)/tests/testsuite' -C $(1) \
	  AUTOTEST_PATH='$(OVS_SUITE_PATH)'

# Most OVS tests spend their time waiting, not computing, so they run
# several to a core.  Override with OVS_TESTSUITEFLAGS, e.g. '-j2 -v'.
OVS_TESTSUITEFLAGS = -j8

# A subset that runs in a few minutes: the OVS test files (and optional
# title patterns) listed in tests/ovs-subset.list, turned into test numbers
# from OVS's own --list so that any 3.1.x tree works.
check-ovs-subset: vswitchd/ovs-vswitchd
	@set -e; \
	'$(OVS_BUILDDIR)/tests/testsuite' --list > tests/ovs-suite.list; \
	numbers=`sed -e 's/#.*//' -e '/^[[:space:]]*$$/d' \
	    '$(srcdir)/tests/ovs-subset.list' | while read file title; do \
	  awk -v f="$$file:" -v t="$$title" \
	    'index($$2, f) == 1 && (t == "" || $$0 ~ t) { print $$1 }' \
	    tests/ovs-suite.list | tr -d :; done`; \
	test -n "$$numbers" || { echo "no OVS tests selected" >&2; exit 1; }; \
	echo "Running `echo $$numbers | wc -w` tests of OVS's own suite" \
	  "against $(abs_top_builddir)/vswitchd/ovs-vswitchd"; \
	$(call OVS_SUITE_RUN,tests/ovs-suite) $$numbers $(OVS_TESTSUITEFLAGS)

# OVS's whole suite against our binary.  Its SSL tests need the test PKI
# that OVS's own "make check" would generate in its build tree first.
OVS_TESTPKI_FILES = \
	tests/testpki-cacert.pem tests/testpki-cert.pem \
	tests/testpki-privkey.pem tests/testpki-req.pem \
	tests/testpki-cert2.pem tests/testpki-privkey2.pem \
	tests/testpki-req2.pem
check-ovs: vswitchd/ovs-vswitchd
	$(MAKE) -C '$(OVS_BUILDDIR)' $(OVS_TESTPKI_FILES)
	$(call OVS_SUITE_RUN,tests/ovs-suite-all) $(OVS_TESTSUITEFLAGS)

.PHONY: check-ovs check-ovs-subset

# The C unit-test driver: one program, one registered test per name.
check_PROGRAMS += tests/eipoib-test
tests_eipoib_test_SOURCES = \
	tests/eipoib-test.c \
	tests/eipoib-test.h \
	tests/test-ipoib.c \
	tests/test-ipoib-host.c \
	tests/test-ib-transport-soft.c
tests_eipoib_test_LDADD = lib/libeipoib.la $(OVS_LIBOPENVSWITCH)

# The soft fabric (utilities/eipoib-fabric) and its libraries.
TESTSUITE_AT += tests/fabric.at
tests_eipoib_test_SOURCES += tests/test-ib-packet.c tests/test-ib-fabric-proto.c
EXTRA_DIST += tests/fabric-port.py

# The translation core (lib/eipoib-xlate, lib/eipoib-tables).  The vectors
# header is made by tests/xlate-vectors.py (python3-scapy), by hand.
# tests/eipoib-xlate-pcap writes translated vectors as IB (ERF) and
# Ethernet captures for tshark.
tests_eipoib_test_SOURCES += tests/test-xlate.c tests/xlate-vectors.h
# Vif kinds (snooped, static, provisioned) in lib/eipoib-tables.
tests_eipoib_test_SOURCES += tests/test-vif-kind.c
EXTRA_DIST += tests/xlate-vectors.py
check_PROGRAMS += tests/eipoib-xlate-pcap
tests_eipoib_xlate_pcap_SOURCES = tests/xlate-pcap.c tests/xlate-vectors.h
tests_eipoib_xlate_pcap_LDADD = lib/libeipoib.la $(OVS_LIBOPENVSWITCH)
include tests/fuzz/automake.mk
noinst_PROGRAMS += tests/bench-xlate
tests_bench_xlate_SOURCES = tests/bench-xlate.c
tests_bench_xlate_LDADD = lib/libeipoib.la $(OVS_LIBOPENVSWITCH)
BENCH_XLATE_ITERATIONS = 10000000
# Instructions per packet of eipoib_xlate_tx/rx (callgrind, one run per
# direction so the total is just the toggled function) over a grid of
# table sizes; each point sends its packets between random vifs and
# neighbours (see tests/bench-xlate.c).  Prints a table.
BENCH_XLATE_CALLGRIND_ITERATIONS = 20000
BENCH_XLATE_CALLGRIND_NEIGHBORS = 10 1000 100000
BENCH_XLATE_CALLGRIND_VIFS = 1 100 4000
bench-xlate: tests/bench-xlate
	tests/bench-xlate $(BENCH_XLATE_ITERATIONS)
bench-xlate-callgrind: tests/bench-xlate
	@n=$(BENCH_XLATE_CALLGRIND_ITERATIONS); \
	out=tests/bench-xlate.callgrind; \
	echo "valgrind --tool=callgrind --collect-atstart=no" \
	  "--toggle-collect=eipoib_xlate_{tx,rx}" \
	  "tests/bench-xlate --neighbors=N --vifs=V $$n"; \
	echo "instructions/packet (callgrind totals / $$n packets):"; \
	printf '%10s %5s %8s %8s\n' neighbours vifs tx rx; \
	for nb in $(BENCH_XLATE_CALLGRIND_NEIGHBORS); do \
	  for v in $(BENCH_XLATE_CALLGRIND_VIFS); do \
	    printf '%10d %5d' $$nb $$v; \
	    for f in eipoib_xlate_tx eipoib_xlate_rx; do \
	      valgrind --tool=callgrind --collect-atstart=no \
	        --toggle-collect=$$f --callgrind-out-file=$$out \
	        tests/bench-xlate --neighbors=$$nb --vifs=$$v $$n \
	        > $$out.log 2>&1 || { echo; cat $$out.log; exit 1; }; \
	      callgrind_annotate $$out 2>/dev/null \
	        | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d , \
	        | awk -v n=$$n '{ printf " %8.1f", $$1 / n }'; \
	    done; \
	    echo; \
	  done; \
	done
CLEANFILES += tests/bench-xlate.callgrind tests/bench-xlate.callgrind.log
.PHONY: bench-xlate bench-xlate-callgrind

# The soft fabric daemon's forwarding rate, port to port: a benchmark that
# prints numbers, not a test.  BENCH_SECONDS per payload size.
noinst_PROGRAMS += tests/fabric-bench
tests_fabric_bench_SOURCES = tests/fabric-bench.c
tests_fabric_bench_LDADD = lib/libeipoib.la $(OVS_LIBOPENVSWITCH)
EXTRA_DIST += tests/bench-fabric.sh
BENCH_SECONDS = 5
bench-fabric: tests/fabric-bench utilities/eipoib-fabric
	$(SHELL) '$(srcdir)/tests/bench-fabric.sh' '$(abs_top_builddir)' \
	  '$(OVS_BUILDDIR)/utilities/ovs-appctl' $(BENCH_SECONDS)
.PHONY: bench-fabric

# One eipoib uplink's forwarding rate, fabric -> VM and VM -> fabric, in a
# bridge of our ovs-vswitchd: a benchmark that prints numbers, not a test.
# BENCH_SECONDS per measurement.
noinst_PROGRAMS += tests/uplink-bench
tests_uplink_bench_SOURCES = tests/uplink-bench.c
tests_uplink_bench_LDADD = lib/libeipoib.la $(OVS_LIBOPENVSWITCH)
EXTRA_DIST += tests/bench-uplink.sh
bench-uplink: tests/uplink-bench utilities/eipoib-fabric vswitchd/ovs-vswitchd
	$(SHELL) '$(srcdir)/tests/bench-uplink.sh' '$(abs_top_builddir)' \
	  $(BENCH_SECONDS)
.PHONY: bench-uplink

# Multicast snooping (lib/eipoib-mcast): parser and membership table.
TESTSUITE_AT += tests/mcast.at
tests_eipoib_test_SOURCES += tests/test-mcast.c tests/mcast-vectors.h
EXTRA_DIST += tests/mcast-vectors.py

# eipoib(7), checked against the code by tests/docs.at.
TESTSUITE_AT += tests/docs.at

# QEMU guests for the kernel and verbs tests (tests/qemu/).  The kernel image
# and initramfs are cached in QEMU_CACHE; run-guest.sh needs root.
QEMU_CACHE = $(abs_top_builddir)/tests/qemu-cache
EXTRA_DIST += \
	tests/qemu/prepare.sh \
	tests/qemu/run-guest.sh \
	tests/qemu/guest-init.sh \
	tests/qemu/guest-main.sh
qemu-prepare:
	$(SHELL) $(srcdir)/tests/qemu/prepare.sh $(QEMU_CACHE)
.PHONY: qemu-prepare
