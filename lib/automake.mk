# lib/: the translation core, the IB transports and the OVS provider.
#
# The provider (netdev-eipoib.c) registers itself from a constructor and
# nothing references it, so it is linked into ovs-vswitchd directly
# (vswitchd/automake.mk) rather than from a static library, where the
# linker would drop it.

EXTRA_DIST += lib/netdev-eipoib.c
