# tests/fuzz/: libFuzzer targets, built with clang
# -fsanitize=fuzzer,address,undefined.  Not part of "make" or "make check":
#
#     make fuzz [FUZZ_SECONDS=60] [FUZZ_CC=clang]
#
# builds every target and runs each for FUZZ_SECONDS on its seed corpus,
# keeping new inputs in the build directory.  The seed corpus
# (tests/fuzz/corpus/{tx,rx,provider-rx,fabric}) holds the unit-test
# vectors and short conversations (named files, made by
# tests/fuzz/make-corpus.py and make-corpus-more.py) and inputs that
# earlier runs found to add coverage (hash-named, added with the targets'
# -merge=1).  A crash stops it, leaving the input as
# tests/fuzz/fuzz-*-crash-*.

FUZZ_CC = clang
FUZZ_SECONDS = 60
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_FLAGS = -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
FUZZ_CORE = \
	$(srcdir)/lib/ipoib.c \
	$(srcdir)/lib/eipoib-xlate.c \
	$(srcdir)/lib/eipoib-tables.c \
	$(srcdir)/tests/fuzz/fuzz-common.c
FUZZ_DEPS = \
	$(srcdir)/lib/ipoib.h \
	$(srcdir)/lib/eipoib-xlate.h \
	$(srcdir)/lib/eipoib-tables.h \
	$(srcdir)/tests/fuzz/fuzz-common.h
FUZZ_LINK = $(LIBTOOL) --quiet --tag=CC --mode=link $(FUZZ_CC) \
	$(FUZZ_CFLAGS) $(DEFS) $(AM_CPPFLAGS) $(CPPFLAGS)
FUZZ_TARGETS = tests/fuzz/fuzz-xlate-tx tests/fuzz/fuzz-xlate-rx \
	tests/fuzz/fuzz-provider-rx tests/fuzz/fuzz-fabric

EXTRA_DIST += \
	tests/fuzz/automake.mk \
	tests/fuzz/corpus \
	tests/fuzz/fuzz-common.c \
	tests/fuzz/fuzz-common.h \
	tests/fuzz/fuzz-xlate-rx.c \
	tests/fuzz/fuzz-xlate-tx.c \
	tests/fuzz/make-corpus.py
CLEANFILES += $(FUZZ_TARGETS)

tests/fuzz/fuzz-xlate-tx: $(srcdir)/tests/fuzz/fuzz-xlate-tx.c \
		$(FUZZ_CORE) $(FUZZ_DEPS)
	@mkdir -p tests/fuzz
	$(AM_V_CCLD)$(FUZZ_LINK) -o $@ $(srcdir)/tests/fuzz/fuzz-xlate-tx.c \
	  $(FUZZ_CORE) $(OVS_LIBOPENVSWITCH)

tests/fuzz/fuzz-xlate-rx: $(srcdir)/tests/fuzz/fuzz-xlate-rx.c \
		$(FUZZ_CORE) $(FUZZ_DEPS)
	@mkdir -p tests/fuzz
	$(AM_V_CCLD)$(FUZZ_LINK) -o $@ $(srcdir)/tests/fuzz/fuzz-xlate-rx.c \
	  $(FUZZ_CORE) $(OVS_LIBOPENVSWITCH)

fuzz: $(FUZZ_TARGETS)
	@set -e; for target in $(FUZZ_TARGETS); do \
	  name=`basename $$target`; \
	  seeds=$(srcdir)/tests/fuzz/corpus/`echo $$name \
	    | sed -e 's/^fuzz-xlate-//' -e 's/^fuzz-//'`; \
	  mkdir -p $$target.corpus; \
	  echo "$$name: $(FUZZ_SECONDS) s, seeds in $$seeds"; \
	  if ./$$target -max_total_time=$(FUZZ_SECONDS) $(FUZZ_FLAGS) \
	       -artifact_prefix=$$target- $$target.corpus $$seeds \
	       > $$target.log 2>&1; then \
	    grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' \
	      $$target.log; \
	  else \
	    tail -40 $$target.log; \
	    echo "$$name FAILED: see $$target.log" >&2; \
	    exit 1; \
	  fi; \
	done
.PHONY: fuzz

# The provider's receive path (lib/netdev-eipoib.c through OVS's netdev
# API, fed by a transport of the fuzzer's own) and the fabric daemon's
# port protocol and packet parsing (utilities/eipoib-fabric.c, compiled
# into the fuzzer, on socketpair connections).  Seeds from
# tests/fuzz/make-corpus-more.py.
# lib_libeipoib_la_SOURCES includes the verbs backend when configure found
# rdma-core, hence $(VERBS_LIBS) in the links below.
FUZZ_LIBEIPOIB_C = $(filter %.c,$(lib_libeipoib_la_SOURCES:%=$(srcdir)/%))
FUZZ_LIBEIPOIB_H = $(filter %.h,$(lib_libeipoib_la_SOURCES:%=$(srcdir)/%))
EXTRA_DIST += \
	tests/fuzz/fuzz-fabric.c \
	tests/fuzz/fuzz-provider-rx.c \
	tests/fuzz/make-corpus-more.py

tests/fuzz/fuzz-provider-rx: $(srcdir)/tests/fuzz/fuzz-provider-rx.c \
		$(srcdir)/lib/netdev-eipoib.c $(srcdir)/lib/eipoib-provision.c \
		$(FUZZ_LIBEIPOIB_C) $(FUZZ_LIBEIPOIB_H)
	@mkdir -p tests/fuzz
	$(AM_V_CCLD)$(FUZZ_LINK) -o $@ \
	  $(srcdir)/tests/fuzz/fuzz-provider-rx.c \
	  $(srcdir)/lib/netdev-eipoib.c $(srcdir)/lib/eipoib-provision.c \
	  $(FUZZ_LIBEIPOIB_C) $(OVS_LIBOPENVSWITCH) $(VERBS_LIBS)

tests/fuzz/fuzz-fabric: $(srcdir)/tests/fuzz/fuzz-fabric.c \
		$(srcdir)/utilities/eipoib-fabric.c \
		$(FUZZ_LIBEIPOIB_C) $(FUZZ_LIBEIPOIB_H)
	@mkdir -p tests/fuzz
	$(AM_V_CCLD)$(FUZZ_LINK) -I $(srcdir) -o $@ \
	  $(srcdir)/tests/fuzz/fuzz-fabric.c \
	  $(FUZZ_LIBEIPOIB_C) $(OVS_LIBOPENVSWITCH) $(VERBS_LIBS)

# Long runs, by hand or nightly: every target for FUZZ_LONG_SECONDS, at
# low priority.  Same output and artifacts as "make fuzz".
FUZZ_LONG_SECONDS = 300
fuzz-long: $(FUZZ_TARGETS)
	nice $(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_LONG_SECONDS)
.PHONY: fuzz-long
