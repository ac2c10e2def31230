/* SPDX-License-Identifier: GPL-2.0 */
/* Empty stand-in for OVS's <config.h>, which every lib/ source includes
 * first; the module compiles those sources unchanged. */
