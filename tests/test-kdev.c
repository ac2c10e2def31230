/*
 * Copyright (c) 2026 The eIPoIB for Open vSwitch authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */


/* Unit test of lib/eipoib-kdev: "eipoib/show" lines for kernel eipoib
 * devices, read from a fake /sys/class/net tree (the files' format is
 * datapath/linux/eipoib_view.c's). */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eipoib-kdev.h"
#include "eipoib-test.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

static void
put_file(const char *dir, const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");

    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    free(path);
}

static void
test_kdev_show(void)
{
    char root[] = "/tmp/eipoib-kdev.XXXXXX";
    CHECK(mkdtemp(root) != NULL);

    char *eib = xasprintf("%s/eib0/eipoib", root);
    char *plain = xasprintf("%s/tib0", root);
    char *cmd = xasprintf("mkdir -p %s %s", eib, plain);
    CHECK_INT(system(cmd), 0);

    put_file(eib, "partitions", "gid fe80::2:c903:1:0\n"
             "vlan 0 pkey 0xffff lower tib0 qpn 0x000048 mtu 2044\n");
    put_file(eib, "limits", "max-vifs 64\nmax-neighbors 1024\n"
             "max-groups 256\nage 300\n");
    put_file(eib, "vifs", "52:54:00:00:00:01 vlan 0 qpn 0x000048 idle 0s "
             "tx 3 rx 2 198.51.100.1\n");
    put_file(eib, "neighbors", "");
    put_file(eib, "addresses", "198.51.100.2 00:00:00:49:fe:80:00:00:00:00:"
             "00:00:00:02:c9:03:00:01:00:01 idle 2s\n");
    put_file(eib, "groups", "ff12:401b:ffff::1 vlan 0 member "
             "00:00:00:00:00:00 permanent\n");
    put_file(eib, "counters", "tx-packets 3\nrx-packets 2\n"
             "tx-vlan-unmapped 0\nrx-unknown-pkey 1\n");

    static const char want[] =
        "eib0 (kernel eipoib device):\n"
        "  partitions:\n"
        "    gid fe80::2:c903:1:0\n"
        "    vlan 0 pkey 0xffff lower tib0 qpn 0x000048 mtu 2044\n"
        "  limits: max-vifs 64 max-neighbors 1024 max-groups 256 age 300\n"
        "  vifs: 1\n"
        "    52:54:00:00:00:01 vlan 0 qpn 0x000048 idle 0s tx 3 rx 2 "
        "198.51.100.1\n"
        "  neighbors: 0\n"
        "  IP addresses of neighbors: 1\n"
        "    198.51.100.2 00:00:00:49:fe:80:00:00:00:00:00:00:00:02:c9:03:00:"
        "01:00:01 idle 2s\n"
        "  multicast groups: 1\n"
        "    ff12:401b:ffff::1 vlan 0 member 00:00:00:00:00:00 permanent\n"
        "  counters (non-zero):\n"
        "    tx-packets 3\n"
        "    rx-packets 2\n"
        "    rx-unknown-pkey 1\n";

    struct ds ds = DS_EMPTY_INITIALIZER;
    CHECK(eipoib_kdev_show_in(root, NULL, &ds));
    CHECK_BYTES(ds_cstr(&ds), ds.length, want, strlen(want));

    /* By name; a device without the eipoib directory is not one. */
    ds_clear(&ds);
    CHECK(eipoib_kdev_show_in(root, "eib0", &ds));
    CHECK_INT(ds.length, strlen(want));
    ds_clear(&ds);
    CHECK(!eipoib_kdev_show_in(root, "tib0", &ds));
    CHECK(!eipoib_kdev_show_in(root, "nosuch", &ds));
    CHECK_INT(ds.length, 0);

    /* No such tree at all (e.g. no sysfs): nothing, no error. */
    char *none = xasprintf("%s/none", root);
    CHECK(!eipoib_kdev_show_in(none, NULL, &ds));
    free(none);

    free(cmd);
    cmd = xasprintf("rm -rf %s", root);
    CHECK_INT(system(cmd), 0);
    free(cmd);
    free(eib);
    free(plain);
    ds_destroy(&ds);
}

EIPOIB_TEST_REGISTER("kdev-show", test_kdev_show);
