# datapath/: the in-kernel eipoib net_device (datapath/linux/, an
# out-of-tree Linux module, Kbuild) and its tests in a QEMU guest.
#
#   make kmod         builds datapath/linux/eipoib.ko and the TEST-ONLY
#                     fixture tests/kmod/ibpair_test.ko against Debian's
#                     linux-headers for the kernel of linux-image-amd64
#                     (or KVER=..., KDIR=...), with W=1; any compiler
#                     warning fails the build.
#   make check-kmod   prepares the QEMU guest (tests/qemu/prepare.sh), builds
#                     the modules and runs tests/kmod/guest-test.sh in the
#                     guest; passes only on "KMOD-RESULT N passed, 0 failed".
#   make kmod-clean   removes the Kbuild outputs.
#   make dkms-source DKMS_DIR=/usr/src/eipoib-VERSION
#                     writes a DKMS source tree (datapath/linux plus the
#                     translation core it compiles) for "dkms add".
#
# Kbuild builds in the source tree (datapath/linux, tests/kmod): the kernel's
# external-module build writes its objects next to the Kbuild file.

KMOD_DIRS = datapath/linux tests/kmod
KMOD_LOG = $(abs_top_builddir)/datapath/kmod-build.log
KMOD_GUEST_LOG = $(abs_top_builddir)/tests/kmod-guest.log
KMOD_LOGDIR = $(abs_top_builddir)/tests/kmod-logs

EXTRA_DIST += \
	datapath/linux/Kbuild \
	datapath/linux/Makefile \
	datapath/linux/dkms.conf \
	datapath/linux/compat/config.h \
	datapath/linux/eipoib.h \
	datapath/linux/eipoib_main.c \
	datapath/linux/eipoib_tables.c \
	datapath/linux/eipoib_view.c \
	datapath/linux/eipoib_core_ipoib.c \
	datapath/linux/eipoib_core_xlate.c \
	datapath/linux/eipoib_core_mcast.c \
	datapath/linux/eipoib-link \
	tests/kmod/Kbuild \
	tests/kmod/ibpair_test.c \
	tests/kmod/guest-test.sh \
	tests/kmod/net-check.py \
	Documentation/kernel-module.md

# The kernel version: KVER, else the prepared guest's, else the ABI that
# linux-image-amd64 depends on (as tests/qemu/prepare.sh finds it).
KMOD_KVER = $${KVER:-$$(cat $(QEMU_CACHE)/kver 2>/dev/null || \
	apt-cache depends linux-image-amd64 2>/dev/null | \
	sed -n 's/^ *Depends: linux-image-\(.*\)$$/\1/p' | head -n 1)}

kmod:
	@kver=$(KMOD_KVER); kdir=$${KDIR:-/usr/src/linux-headers-$$kver}; \
	if [ ! -d "$$kdir" ]; then \
	  echo "kmod: no kernel headers in $$kdir: run 'make qemu-prepare'" \
	       "or apt-get install linux-headers-$$kver" >&2; \
	  exit 1; \
	fi; \
	mkdir -p $(abs_top_builddir)/datapath; : > $(KMOD_LOG); \
	for d in $(KMOD_DIRS); do \
	  echo "kmod: $$d against $$kdir (W=1)"; \
	  $(MAKE) -C "$$kdir" M=$(abs_top_srcdir)/$$d W=1 modules \
	    >> $(KMOD_LOG) 2>&1 || { cat $(KMOD_LOG); exit 1; }; \
	done; \
	if grep -E 'warning:|error:' $(KMOD_LOG); then \
	  echo "kmod: compiler warnings (see $(KMOD_LOG))" >&2; exit 1; \
	fi; \
	ls -l $(abs_top_srcdir)/datapath/linux/eipoib.ko \
	      $(abs_top_srcdir)/tests/kmod/ibpair_test.ko

kmod-clean:
	@kver=$(KMOD_KVER); kdir=$${KDIR:-/usr/src/linux-headers-$$kver}; \
	for d in $(KMOD_DIRS); do \
	  [ ! -d "$$kdir" ] || \
	    $(MAKE) -C "$$kdir" M=$(abs_top_srcdir)/$$d clean >/dev/null; \
	done

check-kmod: all
	$(SHELL) $(srcdir)/tests/qemu/prepare.sh $(QEMU_CACHE)
	$(MAKE) kmod
	@rm -rf $(KMOD_LOGDIR); mkdir -p $(KMOD_LOGDIR); \
	echo "check-kmod: booting the guest (TCG; output in $(KMOD_GUEST_LOG))"; \
	EIPOIB_SRCDIR=$(abs_top_srcdir) EIPOIB_BUILDDIR=$(abs_top_builddir) \
	OVS_SRCDIR=$(OVS_SRCDIR) OVS_BUILDDIR=$(OVS_BUILDDIR) \
	EIPOIB_KMOD_LOGDIR=$(KMOD_LOGDIR) EIPOIB_QEMU_RW=$(KMOD_LOGDIR) \
	  $(SHELL) $(abs_top_srcdir)/tests/qemu/run-guest.sh $(QEMU_CACHE) \
	    /bin/bash $(abs_top_srcdir)/tests/kmod/guest-test.sh \
	    > $(KMOD_GUEST_LOG) 2>&1; \
	status=$$?; \
	grep -E '^KMOD-(PASS|FAIL|RESULT)' $(KMOD_GUEST_LOG); \
	if [ $$status = 77 ]; then \
	  echo "check-kmod: SKIPPED: QEMU cannot run here (see $(KMOD_GUEST_LOG))"; \
	  exit 77; \
	fi; \
	grep -q '^KMOD-RESULT [1-9][0-9]* passed, 0 failed' $(KMOD_GUEST_LOG) \
	  && [ $$status = 0 ] \
	  || { echo "check-kmod: FAILED (guest status $$status; logs in" \
	            "$(KMOD_GUEST_LOG) and $(KMOD_LOGDIR))"; exit 1; }

# DKMS: the module's sources and the translation core files it includes,
# laid out as datapath/linux/Kbuild expects them (./lib).
KMOD_CORE_FILES = \
	lib/ipoib.c lib/ipoib.h \
	lib/eipoib-xlate.c lib/eipoib-xlate.h \
	lib/eipoib-mcast.c lib/eipoib-mcast.h \
	lib/eipoib-csum.h
dkms-source:
	@test -n "$(DKMS_DIR)" || { echo "usage: make dkms-source DKMS_DIR=/usr/src/eipoib-VERSION" >&2; exit 1; }
	mkdir -p $(DKMS_DIR)/lib $(DKMS_DIR)/compat
	cd $(abs_top_srcdir)/datapath/linux && \
	  cp Kbuild Makefile dkms.conf eipoib.h eipoib_*.c eipoib-link \
	    $(DKMS_DIR)/ && cp compat/config.h $(DKMS_DIR)/compat/
	cd $(abs_top_srcdir) && cp $(KMOD_CORE_FILES) $(DKMS_DIR)/lib/

.PHONY: kmod kmod-clean check-kmod dkms-source

# eipoib/show lists kernel devices (lib/eipoib-kdev.c); its unit test.
TESTSUITE_AT += tests/kmod.at
tests_eipoib_test_SOURCES += tests/test-kdev.c
