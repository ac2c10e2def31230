# utilities/: set-up, demo and (later) the soft fabric's programs.

EXTRA_DIST += \
	utilities/quickstart.sh \
	utilities/demo.sh \
	utilities/demo-lib.sh

# The soft InfiniBand fabric daemon (subnet manager + switch), its man page
# and its port protocol's specification.
bin_PROGRAMS += utilities/eipoib-fabric
utilities_eipoib_fabric_SOURCES = utilities/eipoib-fabric.c
utilities_eipoib_fabric_LDADD = lib/libeipoib.la $(OVS_LIBOPENVSWITCH)
dist_man_MANS += utilities/eipoib-fabric.8
EXTRA_DIST += Documentation/fabric-protocol.md

# A native IPoIB host: bridges a TUN device to the fabric as one plain
# IPoIB interface (the other side of every interoperability test).
bin_PROGRAMS += utilities/eipoib-host
utilities_eipoib_host_SOURCES = utilities/eipoib-host.c
utilities_eipoib_host_LDADD = lib/libeipoib.la $(OVS_LIBOPENVSWITCH)
dist_man_MANS += utilities/eipoib-host.8

# Benchmarks that print numbers, never pass or fail.  bench-vms: VM to VM
# across two hypervisors over eIPoIB against the same over an OVS VXLAN
# tunnel (TCP throughput, ping latency, CPU per gigabit); as root.
# BENCH_VMS_FLAGS, e.g. '--runs=5 --seconds=10'.
EXTRA_DIST += utilities/bench-vms.sh
BENCH_VMS_FLAGS =
bench-vms: all
	bash '$(srcdir)/utilities/bench-vms.sh' $(BENCH_VMS_FLAGS) \
	  '$(abs_top_builddir)'
bench: bench-vms bench-uplink bench-xlate bench-fabric
.PHONY: bench bench-vms

# Soak: two hypervisors carry ping and UDP traffic for SOAK_SECONDS
# (default 600) while VMs come and go; prints ovs-vswitchd RSS at start
# and end, losses and counters.  As root.  SOAK_FLAGS, e.g. '--churn=2'.
EXTRA_DIST += utilities/soak.sh
SOAK_SECONDS = 600
SOAK_FLAGS =
soak: all
	SOAK_SECONDS='$(SOAK_SECONDS)' bash '$(srcdir)/utilities/soak.sh' \
	  $(SOAK_FLAGS) '$(abs_top_builddir)'
.PHONY: soak
# make check under ASan, LeakSanitizer and UBSan, in _build-asan (CI).
EXTRA_DIST += utilities/check-sanitizers.sh
