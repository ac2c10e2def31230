# lib/: the translation core, the IB transports and the OVS provider.
#
# The provider (netdev-eipoib.c) registers itself from a constructor and
# nothing references it, so it is linked into ovs-vswitchd directly
# (vswitchd/automake.mk) rather than from a static library, where the
# linker would drop it.

EXTRA_DIST += lib/netdev-eipoib.c

# The translation core: wire formats (ipoib), Ethernet <-> IPoIB rewriting
# (eipoib-xlate) and its tables.  Free of I/O; shared by ovs-vswitchd, the
# unit tests, the fuzzers and the benchmarks.
noinst_LTLIBRARIES += lib/libeipoib.la
lib_libeipoib_la_SOURCES = \
	lib/eipoib-tables.c \
	lib/eipoib-tables.h \
	lib/eipoib-mcast.c \
	lib/eipoib-mcast.h \
	lib/eipoib-xlate.c \
	lib/eipoib-xlate.h \
	lib/eipoib-csum.h \
	lib/ipoib.c \
	lib/ipoib.h

# A native IPoIB host's link layer (ARP, ND, neighbours; no I/O), used by
# utilities/eipoib-host.
lib_libeipoib_la_SOURCES += \
	lib/ipoib-host.c \
	lib/ipoib-host.h \
	lib/ipoib-neigh.c \
	lib/ipoib-neigh.h

# The soft fabric: whole IB UD packets (headers, ICRC, VCRC), ERF capture
# files, and the port <-> daemon protocol (Documentation/fabric-protocol.md).
lib_libeipoib_la_SOURCES += \
	lib/ib-capture.c \
	lib/ib-capture.h \
	lib/ib-fabric-proto.c \
	lib/ib-fabric-proto.h \
	lib/ib-packet.c \
	lib/ib-packet.h

# The IB transport interface and its backends (these do I/O: the soft
# backend talks to the fabric daemon over a stream).
lib_libeipoib_la_SOURCES += \
	lib/ib-transport.c \
	lib/ib-transport.h \
	lib/ib-transport-soft.c

# Kernel eipoib devices (datapath/linux/) read from sysfs, for eipoib/show.
lib_libeipoib_la_SOURCES += \
	lib/eipoib-kdev.c \
	lib/eipoib-kdev.h
