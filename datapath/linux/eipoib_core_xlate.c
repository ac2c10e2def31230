// SPDX-License-Identifier: GPL-2.0
/* The translation core's own source, compiled into the module unchanged
 * (no copy): lib/eipoib-xlate.c, found through ccflags' -I. */
#include "eipoib-xlate.c"
