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
