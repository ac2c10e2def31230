# vswitchd/: our ovs-vswitchd.  It is OVS's own vswitchd objects and
# libraries, unchanged, linked with the eipoib provider.  It must be named
# ovs-vswitchd: the program name picks its pidfile, control socket and log
# names, and OVS's test macros and ovs-appctl expect them.

sbin_PROGRAMS += vswitchd/ovs-vswitchd
vswitchd_ovs_vswitchd_SOURCES = \
	lib/netdev-eipoib.c \
	lib/eipoib-provision.c \
	lib/eipoib-provision.h
vswitchd_ovs_vswitchd_LDADD = \
	$(OVS_BUILDDIR)/vswitchd/bridge.$(OBJEXT) \
	$(OVS_BUILDDIR)/vswitchd/ovs-vswitchd.$(OBJEXT) \
	$(OVS_BUILDDIR)/vswitchd/system-stats.$(OBJEXT) \
	lib/libeipoib.la \
	$(OVS_BUILDDIR)/ofproto/libofproto.la \
	$(OVS_BUILDDIR)/lib/libsflow.la \
	$(OVS_LIBOPENVSWITCH)

# eipoib(7): the eipoib interface type, its options and commands.
dist_man_MANS += vswitchd/eipoib.7
