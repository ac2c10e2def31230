# -*- autoconf -*-

dnl EIPOIB_CHECK_OVS
dnl
dnl Finds the Open vSwitch source and build trees.  Defaults to the tree
dnl that utilities/quickstart.sh extracts from Debian's openvswitch-source into
dnl $srcdir/ovs.  Refuses anything that is not a configured and built
dnl OVS 3.1.x, because struct netdev_class and friends change between
dnl releases.
AC_DEFUN([EIPOIB_CHECK_OVS], [
  AC_ARG_WITH([ovs-source],
    [AS_HELP_STRING([--with-ovs-source=DIR],
                    [Open vSwitch 3.1 source tree (default: SRCDIR/ovs)])],
    [OVS_SRCDIR=$withval], [OVS_SRCDIR=])
  AC_ARG_WITH([ovs-build],
    [AS_HELP_STRING([--with-ovs-build=DIR],
                    [Open vSwitch 3.1 build tree (default: the source tree)])],
    [OVS_BUILDDIR=$withval], [OVS_BUILDDIR=])

  AC_MSG_CHECKING([for the Open vSwitch source tree])
  if test -z "$OVS_SRCDIR"; then
    OVS_SRCDIR=$srcdir/ovs
  fi
  if test ! -f "$OVS_SRCDIR/vswitchd/bridge.c" \
     || test ! -f "$OVS_SRCDIR/include/openvswitch/netdev.h"; then
    AC_MSG_RESULT([no])
    AC_MSG_ERROR([$OVS_SRCDIR is not an Open vSwitch source tree.
Run utilities/quickstart.sh build to extract Debian's openvswitch-source into ./ovs,
or pass --with-ovs-source=DIR.])
  fi
  OVS_SRCDIR=`cd "$OVS_SRCDIR" && pwd`
  AC_MSG_RESULT([$OVS_SRCDIR])

  AC_MSG_CHECKING([for the Open vSwitch build tree])
  if test -z "$OVS_BUILDDIR"; then
    OVS_BUILDDIR=$OVS_SRCDIR
  fi
  if test ! -f "$OVS_BUILDDIR/config.h"; then
    AC_MSG_RESULT([no])
    AC_MSG_ERROR([$OVS_BUILDDIR has no config.h: configure and build Open vSwitch
there first (utilities/quickstart.sh build does), or pass --with-ovs-build=DIR.])
  fi
  OVS_BUILDDIR=`cd "$OVS_BUILDDIR" && pwd`
  AC_MSG_RESULT([$OVS_BUILDDIR])

  AC_MSG_CHECKING([the Open vSwitch version])
  OVS_VERSION=`sed -n 's/^#define PACKAGE_VERSION "\(.*\)"/\1/p' \
                   "$OVS_BUILDDIR/config.h"`
  AC_MSG_RESULT([$OVS_VERSION])
  case $OVS_VERSION in
    3.1.*) ;;
    *) AC_MSG_ERROR([Open vSwitch $OVS_VERSION found in $OVS_BUILDDIR, but eipoib
needs Open vSwitch 3.1.x (its netdev provider interface changes between
releases).  Use Debian 12's openvswitch-source or pass --with-ovs-source and
--with-ovs-build for a 3.1 tree.]) ;;
  esac

  AC_MSG_CHECKING([that Open vSwitch has been built])
  if test ! -f "$OVS_BUILDDIR/lib/libopenvswitch.la" \
     || test ! -f "$OVS_BUILDDIR/vswitchd/bridge.$OBJEXT" \
     || test ! -f "$OVS_BUILDDIR/ofproto/libofproto.la"; then
    AC_MSG_RESULT([no])
    AC_MSG_ERROR([$OVS_BUILDDIR is configured but not built: run "make" there.])
  fi
  AC_MSG_RESULT([yes])

  OVS_WARNING_FLAGS=`sed -n 's/^WARNING_FLAGS = //p' "$OVS_BUILDDIR/Makefile"`
  dnl Those suit the compiler that built OVS; clang (e.g. for the sanitizer
  dnl build) does not know some of GCC's.
  AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [[#ifndef __clang__
#error not clang
#endif]])],
    [OVS_WARNING_FLAGS="$OVS_WARNING_FLAGS -Wno-unknown-warning-option"])
  OVS_LIBS_EXTRA=`sed -n "s/^dependency_libs='\(.*\)'/\1/p" \
                      "$OVS_BUILDDIR/lib/libopenvswitch.la"`

  AC_SUBST([OVS_SRCDIR])
  AC_SUBST([OVS_BUILDDIR])
  AC_SUBST([OVS_VERSION])
  AC_SUBST([OVS_WARNING_FLAGS])
])

dnl EIPOIB_ENABLE_WERROR
AC_DEFUN([EIPOIB_ENABLE_WERROR], [
  AC_ARG_ENABLE([Werror],
    [AS_HELP_STRING([--enable-Werror], [treat compiler warnings as errors])],
    [], [enable_Werror=no])
  if test "$enable_Werror" = yes; then
    WERROR=-Werror
  else
    WERROR=
  fi
  AC_SUBST([WERROR])
])

dnl EIPOIB_CHECK_VERBS
dnl
dnl Looks for rdma-core's libibverbs and librdmacm (Debian's libibverbs-dev
dnl and librdmacm-dev, which utilities/quickstart.sh installs).  With both,
dnl the "verbs" IB transport (lib/ib-transport-verbs.c) is built, defines
dnl EIPOIB_HAVE_VERBS and links VERBS_LIBS.  --disable-verbs leaves it out;
dnl --enable-verbs makes a missing library an error.
AC_DEFUN([EIPOIB_CHECK_VERBS], [
  AC_ARG_ENABLE([verbs],
    [AS_HELP_STRING([--disable-verbs],
                    [do not build the rdma-core (verbs) IB transport])],
    [], [enable_verbs=auto])
  have_verbs=no
  VERBS_LIBS=
  if test "$enable_verbs" != no; then
    have_verbs=yes
    AC_CHECK_HEADER([infiniband/verbs.h], [], [have_verbs=no])
    AC_CHECK_HEADER([rdma/rdma_cma.h], [], [have_verbs=no])
    AC_CHECK_LIB([ibverbs], [ibv_create_srq], [:], [have_verbs=no])
    AC_CHECK_LIB([rdmacm], [rdma_join_multicast_ex], [:], [have_verbs=no])
    if test "$have_verbs" = yes; then
      VERBS_LIBS="-lrdmacm -libverbs"
    elif test "$enable_verbs" = yes; then
      AC_MSG_ERROR([--enable-verbs needs libibverbs and librdmacm with their
headers (Debian: libibverbs-dev librdmacm-dev; utilities/quickstart.sh installs them).])
    fi
  fi
  AC_MSG_CHECKING([whether to build the verbs IB transport])
  AC_MSG_RESULT([$have_verbs])
  AC_SUBST([VERBS_LIBS])
  AC_SUBST([HAVE_VERBS], [$have_verbs])
  AM_CONDITIONAL([HAVE_VERBS], [test "$have_verbs" = yes])
])

dnl EIPOIB_ENABLE_SANITIZERS
dnl
dnl --enable-asan and --enable-ubsan instrument everything this tree
dnl compiles and links: our libraries, our programs and our ovs-vswitchd's
dnl own objects.  Open vSwitch's libraries and vswitchd objects are linked
dnl as OVS's build tree has them (instrumented only if OVS itself was
dnl built with the same flags), so errors inside OVS code are found only
dnl where they touch memory that our code allocated or checks.
AC_DEFUN([EIPOIB_ENABLE_SANITIZERS], [
  AC_ARG_ENABLE([asan],
    [AS_HELP_STRING([--enable-asan],
                    [build with AddressSanitizer (and LeakSanitizer)])],
    [], [enable_asan=no])
  AC_ARG_ENABLE([ubsan],
    [AS_HELP_STRING([--enable-ubsan],
                    [build with UndefinedBehaviorSanitizer])],
    [], [enable_ubsan=no])
  SANITIZER_FLAGS=
  if test "$enable_asan" = yes; then
    SANITIZER_FLAGS="$SANITIZER_FLAGS -fsanitize=address"
  fi
  if test "$enable_ubsan" = yes; then
    dnl Fatal: GCC's libubsan ignores log_path when ASan is linked too,
    dnl so a report on stderr alone could go unnoticed by a test.
    SANITIZER_FLAGS="$SANITIZER_FLAGS -fsanitize=undefined"
    SANITIZER_FLAGS="$SANITIZER_FLAGS -fno-sanitize-recover=undefined"
  fi
  if test -n "$SANITIZER_FLAGS"; then
    SANITIZER_FLAGS="$SANITIZER_FLAGS -fno-omit-frame-pointer"
    save_CFLAGS=$CFLAGS
    CFLAGS="$CFLAGS $SANITIZER_FLAGS"
    AC_MSG_CHECKING([whether $CC accepts $SANITIZER_FLAGS])
    AC_LINK_IFELSE([AC_LANG_PROGRAM([], [])],
      [AC_MSG_RESULT([yes])],
      [AC_MSG_RESULT([no])
       AC_MSG_ERROR([$CC cannot build with $SANITIZER_FLAGS])])
    CFLAGS=$save_CFLAGS
  fi
  dnl In CFLAGS itself, so that libtool passes them to every link and
  dnl tests/atlocal (whose CFLAGS OVS's macros look at) sees them.
  CFLAGS="$CFLAGS $SANITIZER_FLAGS"
  AC_SUBST([SANITIZER_FLAGS])
])
