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

/* Unit tests of lib/eipoib-announce: the frames built byte for byte
 * against frames made with python3-scapy (Ether/ARP, Ether/Dot1Q/IPv6/
 * ICMPv6ND_NA(O=1)/ICMPv6NDOptDstLLAddr), what the snooper takes from
 * frames, and what the translator makes of an announcement. */

#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "eipoib-announce.h"
#include "eipoib-tables.h"
#include "eipoib-test.h"
#include "eipoib-xlate.h"
#include "ipoib.h"
#include "util.h"

static const uint8_t VM[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t IP4[4] = { 10, 1, 2, 3 };
static const uint8_t IP6[16] = { 0xfd, 0x00, [13] = 1, [15] = 2 };
static const uint8_t LL6[16] = { 0xfe, 0x80, [8] = 0x50, 0x54, 0x00, 0xff,
                                 0xfe, 0x12, 0x34, 0x56 };

static void
test_announce_garp(void)
{
    size_t len;
    uint8_t *want = eipoib_test_hex(
        "ffffffffffff525400123456080600010800060400015254001234560a010203"
        "0000000000000a010203000000000000000000000000000000000000", &len);
    uint8_t buf[EIPOIB_ANNOUNCE_FRAME_MAX];

    CHECK_BYTES(buf, eipoib_announce_garp(VM, 0, IP4, buf, sizeof buf),
                want, len);
    free(want);

    want = eipoib_test_hex(
        "ffffffffffff5254001234568100000a080600010800060400015254001234560a"
        "0102030000000000000a010203000000000000000000000000000000000000",
        &len);
    CHECK_BYTES(buf, eipoib_announce_garp(VM, 10, IP4, buf, sizeof buf),
                want, len);
    free(want);

    /* Too small a buffer: nothing. */
    CHECK_INT(eipoib_announce_garp(VM, 10, IP4, buf, 63), 0);
}
EIPOIB_TEST_REGISTER("announce-garp", test_announce_garp);

static void
test_announce_una(void)
{
    size_t len;
    uint8_t *want = eipoib_test_hex(
        "33330000000152540012345686dd6000000000203afffd000000000000000000"
        "000000010002ff0200000000000000000000000000018800d5db20000000fd00"
        "00000000000000000000000100020201525400123456", &len);
    uint8_t buf[EIPOIB_ANNOUNCE_FRAME_MAX];
    struct eipoib_vm_addr a = { .is_ipv6 = true };

    memcpy(a.addr, IP6, 16);
    CHECK_BYTES(buf, eipoib_announce_frame(VM, 0, &a, buf, sizeof buf),
                want, len);
    free(want);

    want = eipoib_test_hex(
        "3333000000015254001234568100001486dd6000000000203afffe8000000000"
        "0000505400fffe123456ff0200000000000000000000000000018800cb682000"
        "0000fe80000000000000505400fffe1234560201525400123456", &len);
    CHECK_BYTES(buf, eipoib_announce_una(VM, 20, LL6, buf, sizeof buf),
                want, len);
    free(want);
    CHECK_INT(eipoib_announce_una(VM, 20, LL6, buf, 89), 0);
}
EIPOIB_TEST_REGISTER("announce-una", test_announce_una);

static void
test_announce_snoop(void)
{
    struct eipoib_vm_addr out[2];
    uint8_t buf[EIPOIB_ANNOUNCE_FRAME_MAX];
    size_t len;

    /* What we build, we read back. */
    len = eipoib_announce_garp(VM, 10, IP4, buf, sizeof buf);
    CHECK_INT(eipoib_announce_snoop(buf, len, out), 1);
    CHECK(!out[0].is_ipv6);
    CHECK_BYTES(out[0].addr, 4, IP4, 4);

    /* An NA from the link-local address for a global target: both. */
    len = eipoib_announce_una(VM, 0, LL6, buf, sizeof buf);
    memcpy(buf + 14 + 40 + 8, IP6, 16);
    CHECK_INT(eipoib_announce_snoop(buf, len, out), 2);
    CHECK(out[0].is_ipv6 && out[1].is_ipv6);
    CHECK_BYTES(out[0].addr, 16, LL6, 16);
    CHECK_BYTES(out[1].addr, 16, IP6, 16);

    /* An ARP whose sender MAC is not the frame's source claims nothing
     * (a VM answering for another, or forging). */
    len = eipoib_announce_garp(VM, 0, IP4, buf, sizeof buf);
    buf[14 + 8 + 5] ^= 1;
    CHECK_INT(eipoib_announce_snoop(buf, len, out), 0);

    /* Nor does an ARP probe from 0.0.0.0, nor one from a multicast
     * address. */
    len = eipoib_announce_garp(VM, 0, IP4, buf, sizeof buf);
    memset(buf + 14 + 14, 0, 4);
    CHECK_INT(eipoib_announce_snoop(buf, len, out), 0);
    buf[14 + 14] = 224;
    CHECK_INT(eipoib_announce_snoop(buf, len, out), 0);

    /* A DAD solicitation (source ::) claims nothing; truncated frames at
     * every length claim nothing and read nothing past their end. */
    len = eipoib_announce_una(VM, 0, LL6, buf, sizeof buf);
    buf[14 + 40] = 135;
    memset(buf + 14 + 8, 0, 16);
    CHECK_INT(eipoib_announce_snoop(buf, len, out), 0);
    len = eipoib_announce_una(VM, 0, IP6, buf, sizeof buf);
    for (size_t n = 0; n < 14 + 40 + 8; n++) {
        uint8_t *copy = xmalloc(n ? n : 1);
        memcpy(copy, buf, n);
        CHECK_INT(eipoib_announce_snoop(copy, n, out), 0);
        free(copy);
    }
    /* Other traffic: an IPv4 frame claims nothing. */
    buf[12] = 0x08;
    buf[13] = 0x00;
    CHECK_INT(eipoib_announce_snoop(buf, len, out), 0);
}
EIPOIB_TEST_REGISTER("announce-snoop", test_announce_snoop);

/* The translator turns the announcements into IPoIB ones that carry the
 * vif's (new) address: a gratuitous IPoIB ARP to the broadcast group, and
 * an NA to the all-nodes MGID whose option is the 20-byte address. */
static void
test_announce_translated(void)
{
    struct ipoib_gid gid;
    struct eipoib_xlate x;
    struct eipoib_tables *t = eipoib_tables_create(NULL);
    struct eipoib_partition p = {
        .vlan = 0, .pkey = 0xffff, .scope = IPOIB_SCOPE_LINK, .mtu = 2044,
        .base_qpn = 0x100,
    };
    struct eipoib_vif vif = { .vlan = 0, .qpn = 0x123 };
    struct eipoib_vm_addr a = { .is_ipv6 = false };
    uint8_t mem[256];
    struct ipoib_addr vif_addr;

    CHECK(ipoib_gid_parse("fe80::2:c903:0:1", &gid));
    eipoib_xlate_init(&x, &eipoib_tables_ops, t, 7, &gid);
    CHECK_INT(eipoib_tables_add_partition(t, &p), EIPOIB_TABLE_OK);
    memcpy(vif.mac, VM, 6);
    CHECK_INT(eipoib_tables_add_vif(t, &vif, EIPOIB_VIF_SNOOPED),
              EIPOIB_TABLE_OK);
    eipoib_xlate_vif_addr(&x, &vif, &vif_addr);

    for (int i = 0; i < 2; i++) {
        struct eipoib_tx_info info;
        struct eipoib_pkt pkt = { .base = mem, .size = sizeof mem,
                                  .ofs = 64 };

        a.is_ipv6 = i == 1;
        memcpy(a.addr, a.is_ipv6 ? IP6 : IP4, a.is_ipv6 ? 16 : 4);
        pkt.len = eipoib_announce_frame(VM, 0, &a, mem + 64,
                                        sizeof mem - 64);
        CHECK_INT(eipoib_xlate_tx(&x, &pkt, &info), EIPOIB_OK);
        CHECK(info.multicast);
        CHECK_INT(info.vif.qpn, 0x123);

        const uint8_t *d = mem + pkt.ofs;
        struct ipoib_gid mgid;
        if (!a.is_ipv6) {
            /* IPoIB header, then ARP: htype 32, op 1, sha = vif's address,
             * spa = tpa = the address. */
            ipoib_broadcast_mgid(0xffff, IPOIB_SCOPE_LINK, &mgid);
            CHECK_BYTES(&info.dst.b[4], 16, mgid.b, 16);
            CHECK_INT(ipoib_get_be16(d), 0x0806);
            CHECK_INT(ipoib_get_be16(d + 4), 32);
            CHECK_INT(ipoib_get_be16(d + 4 + 6), 1);
            CHECK_BYTES(d + 4 + 8, 20, vif_addr.b, 20);
            CHECK_BYTES(d + 4 + 28, 4, IP4, 4);
            CHECK_BYTES(d + 4 + 52, 4, IP4, 4);
        } else {
            static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
            ipoib_mgid_from_ipv6(all_nodes, 0xffff, IPOIB_SCOPE_LINK, &mgid);
            CHECK_BYTES(&info.dst.b[4], 16, mgid.b, 16);
            CHECK_INT(ipoib_get_be16(d), 0x86dd);
            /* NA, Override, target, then a 24-byte option (type 2, length
             * 3) holding the vif's address after 2 bytes of padding. */
            const uint8_t *na = d + 4 + 40;
            CHECK_INT(na[0], 136);
            CHECK_INT(na[4], 0x20);
            CHECK_BYTES(na + 8, 16, IP6, 16);
            CHECK_INT(na[24], 2);
            CHECK_INT(na[25], 3);
            CHECK_BYTES(na + 28, 20, vif_addr.b, 20);
        }
    }
    eipoib_tables_destroy(t);
}
EIPOIB_TEST_REGISTER("announce-translated", test_announce_translated);
