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

/* Unit tests of lib/ipoib.[ch], the IPoIB wire formats.  Expected bytes
 * come from ../shared/ref/ipoib-wire.md and its make.py. */

#include <config.h>

#include "ipoib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eipoib-test.h"

/* Compares 'got' (N bytes) with the hex text 'want'. */
#define CHECK_HEX(GOT, N, WANT)                                 \
    do {                                                        \
        size_t want_len_;                                       \
        unsigned char *want_ = eipoib_test_hex(WANT, &want_len_); \
        CHECK_BYTES(GOT, N, want_, want_len_);                  \
        free(want_);                                            \
    } while (0)

static const char addr_a_text[]
    = "80:00:00:48:fe:80:00:00:00:00:00:00:00:02:c9:03:00:01:23:45";

static void
test_ipoib_addr(void)
{
    struct ipoib_addr a, b;
    char s[IPOIB_ADDR_STRLEN];

    CHECK(ipoib_addr_parse(addr_a_text, &a));
    CHECK_HEX(a.b, sizeof a.b, "80 000048 fe800000000000000002c90300012345");
    CHECK_INT(ipoib_addr_flags(&a), IPOIB_ADDR_FLAG_RC);
    CHECK_INT(ipoib_addr_qpn(&a), 0x48);
    CHECK(!ipoib_addr_is_multicast(&a));
    CHECK(!strcmp(ipoib_addr_format(&a, s), addr_a_text));

    /* Without separators. */
    CHECK(ipoib_addr_parse("80000048fe800000000000000002c90300012345", &b));
    CHECK(ipoib_addr_equals(&a, &b));

    /* Flags are ignored when comparing peers. */
    b.b[0] = 0;
    CHECK(!ipoib_addr_equals(&a, &b));
    CHECK(ipoib_addr_same_peer(&a, &b));
    b.b[3] = 0x49;
    CHECK(!ipoib_addr_same_peer(&a, &b));

    /* Building from parts. */
    struct ipoib_gid gid;
    ipoib_addr_get_gid(&a, &gid);
    ipoib_addr_init(&b, 0x80, 0xff000048, &gid);  /* QPN masked to 24 bits. */
    CHECK(ipoib_addr_equals(&a, &b));

    /* What can be a peer's unicast address. */
    CHECK(ipoib_addr_is_unicast(&a));
    CHECK(ipoib_qpn_is_unicast(2));
    CHECK(!ipoib_qpn_is_unicast(0));
    CHECK(!ipoib_qpn_is_unicast(1));
    CHECK(!ipoib_qpn_is_unicast(0xffffff));
    CHECK(!ipoib_qpn_is_unicast(0x1000001));        /* QP1 + junk. */
    b = a;
    b.b[4] = 0xff;
    CHECK(!ipoib_addr_is_unicast(&b));
    b = a;
    memset(&b.b[4], 0, 16);
    CHECK(!ipoib_addr_is_unicast(&b));
    b = a;
    ipoib_put_be24(&b.b[1], 1);
    CHECK(!ipoib_addr_is_unicast(&b));

    /* Malformed text leaves the address alone. */
    static const char *const bad[] = {
        "",
        "80:00:00:48",
        "80:00:00:48:fe:80:00:00:00:00:00:00:00:02:c9:03:00:01:23",
        "80:00:00:48:fe:80:00:00:00:00:00:00:00:02:c9:03:00:01:23:45:",
        "80:00:00:48:fe:80:00:00:00:00:00:00:00:02:c9:03:00:01:23:45:67",
        "80:00:00:48:fe:80:00:00:00:00:00:00:00:02:c9:03:00:01:23:4g",
        "80:00:00:48:fe:80:00:00:00:00:00:00:00:02:c9:03:00:01:2345",
        "8:00:00:48:fe:80:00:00:00:00:00:00:00:02:c9:03:00:01:23:45",
        "80000048fe800000000000000002c9030001234",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        memset(&b, 0x5a, sizeof b);
        if (!CHECK(!ipoib_addr_parse(bad[i], &b))) {
            fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
        }
        CHECK_INT(b.b[0], 0x5a);
    }
}
EIPOIB_TEST_REGISTER("ipoib-addr", test_ipoib_addr);

static void
check_gid_text(const char *text, const char *hex, const char *canonical)
{
    struct ipoib_gid gid;
    char s[IPOIB_GID_STRLEN];

    if (!CHECK(ipoib_gid_parse(text, &gid))) {
        fprintf(stderr, "  rejected \"%s\"\n", text);
        return;
    }
    CHECK_HEX(gid.b, sizeof gid.b, hex);
    ipoib_gid_format(&gid, s);
    if (!CHECK(!strcmp(s, canonical))) {
        fprintf(stderr, "  formatted \"%s\", want \"%s\"\n", s, canonical);
    }
}

static void
test_ipoib_gid_text(void)
{
    check_gid_text("fe80::2:c903:1:2345",
                   "fe80 0000 0000 0000 0002 c903 0001 2345",
                   "fe80::2:c903:1:2345");
    check_gid_text("ff12:401b:ffff::ffff:ffff",
                   "ff12 401b ffff 0000 0000 0000 ffff ffff",
                   "ff12:401b:ffff::ffff:ffff");
    check_gid_text("::", "00000000000000000000000000000000", "::");
    check_gid_text("::1", "00000000000000000000000000000001", "::1");
    check_gid_text("1::", "00010000000000000000000000000000", "1::");
    check_gid_text("FE80:0:0:0:0:0:0:1",
                   "fe80 0000 0000 0000 0000 0000 0000 0001",
                   "fe80::1");
    /* RFC 5952: a single zero word is not compressed; the longest (then
     * first) run is. */
    check_gid_text("1:0:2:3:4:5:6:7",
                   "0001 0000 0002 0003 0004 0005 0006 0007",
                   "1:0:2:3:4:5:6:7");
    check_gid_text("1:0:0:2:0:0:0:3",
                   "0001 0000 0000 0002 0000 0000 0000 0003",
                   "1:0:0:2::3");
    check_gid_text("1:0:0:2:3:0:0:4",
                   "0001 0000 0000 0002 0003 0000 0000 0004",
                   "1::2:3:0:0:4");

    static const char *const bad[] = {
        "", ":", ":::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3",
        "12345::", "g::", "1:2:3:4:5:6:7:", "::1:2:3:4:5:6:7:8",
        "1:2:3:4::5:6:7:8", "fe80::2:c903:1:2345 ",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct ipoib_gid gid;
        if (!CHECK(!ipoib_gid_parse(bad[i], &gid))) {
            fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
        }
    }
}
EIPOIB_TEST_REGISTER("ipoib-gid-text", test_ipoib_gid_text);

static void
test_ipoib_broadcast(void)
{
    struct ipoib_addr a;
    struct ipoib_gid mgid;
    uint8_t mac[6];

    /* Default partition (ipoib-wire.md 1.3). */
    ipoib_broadcast_addr(0xffff, IPOIB_SCOPE_LINK, &a);
    CHECK_HEX(a.b, sizeof a.b,
              "00:ff:ff:ff:ff:12:40:1b:ff:ff:00:00:00:00:00:00:ff:ff:ff:ff");
    CHECK(ipoib_addr_is_multicast(&a));

    /* A limited-member P_Key gets the full-member bit; scope 5. */
    ipoib_broadcast_mgid(0x0001, 0x5, &mgid);
    CHECK_HEX(mgid.b, 16, "ff15 401b 8001 0000 0000 0000 ffff ffff");
    CHECK(ipoib_mgid_is_broadcast(&mgid));
    CHECK_INT(ipoib_mgid_scope(&mgid), 5);
    CHECK_INT(ipoib_mgid_pkey(&mgid), 0x8001);
    CHECK(ipoib_mgid_to_mac(&mgid, mac));
    CHECK_HEX(mac, 6, "ff ff ff ff ff ff");

    CHECK_INT(ipoib_pkey_full(0x7fff), 0xffff);
    CHECK(ipoib_pkey_is_valid(0x8001));
    CHECK(!ipoib_pkey_is_valid(0x8000));
    CHECK(!ipoib_pkey_is_valid(0));
}
EIPOIB_TEST_REGISTER("ipoib-broadcast", test_ipoib_broadcast);

static void
test_ipoib_mgid(void)
{
    static const uint8_t all_hosts[4] = { 224, 0, 0, 1 };
    static const uint8_t group4[4] = { 239, 1, 2, 3 };
    static const uint8_t high4[4] = { 239, 255, 2, 3 };   /* bit 23 set */
    struct ipoib_gid mgid, g6;
    struct ipoib_addr a;
    uint8_t mac[6];

    ipoib_mgid_from_ipv4(all_hosts, 0xffff, IPOIB_SCOPE_LINK, &mgid);
    CHECK_HEX(mgid.b, 16, "ff12 401b ffff 0000 0000 0000 0000 0001");
    CHECK(!ipoib_mgid_is_broadcast(&mgid));
    CHECK(ipoib_mgid_to_mac(&mgid, mac));
    CHECK_HEX(mac, 6, "01 00 5e 00 00 01");

    /* 28 bits are kept (0x0f01_0203), unlike the 23 of a MAC. */
    ipoib_mgid_from_ipv4(group4, 0xffff, IPOIB_SCOPE_LINK, &mgid);
    CHECK_HEX(mgid.b, 16, "ff12 401b ffff 0000 0000 0000 0f01 0203");
    ipoib_mcast_addr(&mgid, &a);
    CHECK_HEX(a.b, 20, "00 ffffff ff12 401b ffff 0000 0000 0000 0f01 0203");
    CHECK(ipoib_mgid_to_mac(&mgid, mac));
    CHECK_HEX(mac, 6, "01 00 5e 01 02 03");

    ipoib_mgid_from_ipv4(high4, 0x8002, 0x8, &mgid);
    CHECK_HEX(mgid.b, 16, "ff18 401b 8002 0000 0000 0000 0fff 0203");
    CHECK(ipoib_mgid_to_mac(&mgid, mac));
    CHECK_HEX(mac, 6, "01 00 5e 7f 02 03");

    /* IPv6: the group's own scope (ff0e) is not used, the link's is. */
    CHECK(ipoib_gid_parse("ff02::1", &g6));
    ipoib_mgid_from_ipv6(g6.b, 0xffff, IPOIB_SCOPE_LINK, &mgid);
    CHECK_HEX(mgid.b, 16, "ff12 601b ffff 0000 0000 0000 0000 0001");
    CHECK(ipoib_mgid_to_mac(&mgid, mac));
    CHECK_HEX(mac, 6, "33 33 00 00 00 01");

    CHECK(ipoib_gid_parse("ff02::1:ff01:6789", &g6));
    ipoib_mgid_from_ipv6(g6.b, 0x7fff, IPOIB_SCOPE_LINK, &mgid);
    CHECK_HEX(mgid.b, 16, "ff12 601b ffff 0000 0000 0001 ff01 6789");
    CHECK(ipoib_mgid_to_mac(&mgid, mac));
    CHECK_HEX(mac, 6, "33 33 ff 01 67 89");

    CHECK(ipoib_gid_parse("ff0e::1234:5678:9abc", &g6));
    ipoib_mgid_from_ipv6(g6.b, 0xffff, IPOIB_SCOPE_LINK, &mgid);
    CHECK_HEX(mgid.b, 16, "ff12 601b ffff 0000 0000 1234 5678 9abc");

    /* Not an IPoIB MGID: unicast GID, wrong flags nibble, unknown
     * signature.  'mac' stays untouched. */
    static const char *const not_mgid[] = {
        "fe80::2:c903:1:2345", "ff02:401b:ffff::1", "ff12:501b:ffff::1",
    };
    for (size_t i = 0; i < sizeof not_mgid / sizeof *not_mgid; i++) {
        CHECK(ipoib_gid_parse(not_mgid[i], &mgid));
        memset(mac, 0x5a, sizeof mac);
        CHECK(!ipoib_mgid_to_mac(&mgid, mac));
        CHECK_HEX(mac, 6, "5a5a5a5a5a5a");
        CHECK(!ipoib_mgid_is_broadcast(&mgid));
    }
}
EIPOIB_TEST_REGISTER("ipoib-mgid", test_ipoib_mgid);

static void
test_ipoib_hdr(void)
{
    uint8_t h[4] = { 0xaa, 0xbb, 0xcc, 0xdd };

    CHECK_INT(sizeof(struct ipoib_hdr), IPOIB_HDR_LEN);
    ipoib_hdr_put(h, IPOIB_TYPE_IPV6);
    CHECK_HEX(h, 4, "86 dd 00 00");
    CHECK_INT(ipoib_hdr_type(h), 0x86dd);
    CHECK(ipoib_type_is_supported(IPOIB_TYPE_IPV4));
    CHECK(ipoib_type_is_supported(IPOIB_TYPE_IPV6));
    CHECK(ipoib_type_is_supported(IPOIB_TYPE_ARP));
    CHECK(ipoib_type_is_supported(IPOIB_TYPE_RARP));
    CHECK(!ipoib_type_is_supported(0x88ca));  /* TIPC */
    CHECK(!ipoib_type_is_supported(0x8100));
    CHECK_INT(IPOIB_UD_MTU(2048), 2044);
    CHECK_INT(IPOIB_UD_MTU(4096), 4092);
}
EIPOIB_TEST_REGISTER("ipoib-hdr", test_ipoib_hdr);

static void
test_ipoib_arp_layout(void)
{
    static const uint8_t spa[4] = { 10, 0, 0, 1 };
    static const uint8_t tpa[4] = { 10, 0, 0, 2 };
    struct ipoib_addr a;
    uint8_t buf[IPOIB_ARP_LEN + 1];

    CHECK_INT(sizeof(struct ipoib_arp), IPOIB_ARP_LEN);
    CHECK(ipoib_addr_parse(addr_a_text, &a));

    /* who-has 10.0.0.2 tell 10.0.0.1 (ipoib-wire.md 2). */
    memset(buf, 0x5a, sizeof buf);
    ipoib_arp_put(buf, IPOIB_ARP_OP_REQUEST, &a, spa, NULL, tpa);
    CHECK_HEX(buf, sizeof buf,
              "0020 0800 14 04 0001"
              "80 000048 fe800000000000000002c90300012345 0a000001"
              "00 000000 00000000000000000000000000000000 0a000002"
              "5a");
    CHECK(ipoib_arp_is_valid(buf, IPOIB_ARP_LEN));
    CHECK(!ipoib_arp_is_valid(buf, IPOIB_ARP_LEN - 1));

    const struct ipoib_arp *arp = (const struct ipoib_arp *) buf;
    CHECK(ipoib_addr_equals(&arp->sha, &a));
    CHECK_INT(ipoib_get_be32(arp->tpa), 0x0a000002);

    /* Each wrong header field makes it invalid. */
    static const int fields[] = { 1, 3, 4, 5 };
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        buf[fields[i]] ^= 1;
        CHECK(!ipoib_arp_is_valid(buf, IPOIB_ARP_LEN));
        buf[fields[i]] ^= 1;
    }
}
EIPOIB_TEST_REGISTER("ipoib-arp-layout", test_ipoib_arp_layout);

static void
test_ipoib_nd_layout(void)
{
    struct ipoib_addr a;
    uint8_t opt[IPOIB_ND_OPT_LEN];

    CHECK_INT(sizeof(struct ipoib_nd_lla_opt), IPOIB_ND_OPT_LEN);
    CHECK(ipoib_addr_parse(addr_a_text, &a));
    memset(opt, 0x5a, sizeof opt);
    ipoib_nd_lla_put(opt, IPOIB_ND_OPT_SLLA, &a);
    /* The example NS option of ipoib-wire.md 3. */
    CHECK_HEX(opt, sizeof opt,
              "01 03 00 00 80 00 00 48 fe 80 00 00 00 00 00 00"
              "00 02 c9 03 00 01 23 45");
}
EIPOIB_TEST_REGISTER("ipoib-nd-layout", test_ipoib_nd_layout);

static void
test_ipoib_remac(void)
{
    struct ipoib_gid gid;
    uint8_t mac[6], mac2[6];
    uint32_t qpn;
    uint16_t lid;

    ipoib_remac_from_lid(0x000048, 0x0003, mac);
    CHECK_HEX(mac, 6, "02 00 00 48 00 03");
    ipoib_remac_from_lid(0xabcdef, 0xbfff, mac);
    CHECK_HEX(mac, 6, "02 ab cd ef bf ff");
    CHECK(ipoib_remac_parse_lid(mac, &qpn, &lid));
    CHECK_INT(qpn, 0xabcdef);
    CHECK_INT(lid, 0xbfff);

    CHECK(ipoib_lid_is_unicast(1));
    CHECK(ipoib_lid_is_unicast(0xbfff));
    CHECK(!ipoib_lid_is_unicast(0));
    CHECK(!ipoib_lid_is_unicast(0xc000));

    /* Fallback: FNV-1a 64 over attempt | GID | QPN, splitmix64 finalizer,
     * top 40 bits.  The expected values were computed independently
     * (Python):
     *   h = 0xcbf29ce484222325
     *   for b in bytes([attempt]) + gid + qpn.to_bytes(3, 'big'):
     *       h = ((h ^ b) * 0x100000001b3) % 2**64
     *   h ^= h >> 30; h = h * 0xbf58476d1ce4e5b9 % 2**64
     *   h ^= h >> 27; h = h * 0x94d049bb133111eb % 2**64; h ^= h >> 31
     *   mac = bytes([6]) + (h >> 24).to_bytes(5, 'big') */
    CHECK(ipoib_gid_parse("fe80::2:c903:1:2345", &gid));
    ipoib_remac_from_gid(&gid, 0x48, 0, mac);
    CHECK_HEX(mac, 6, "06 b1 8a d1 17 9f");
    CHECK(!ipoib_remac_parse_lid(mac, &qpn, &lid));
    ipoib_remac_from_gid(&gid, 0x48, 0, mac2);
    CHECK_BYTES(mac, 6, mac2, 6);           /* Deterministic. */
    ipoib_remac_from_gid(&gid, 0x48, 1, mac2);
    CHECK_HEX(mac2, 6, "06 7a ca 9a 27 85");  /* Retry gives another MAC. */
    ipoib_remac_from_gid(&gid, 0x49, 0, mac2);
    CHECK_HEX(mac2, 6, "06 14 5c a1 aa b8");

    /* Two peers whose first attempts collide (found by search) get
     * different MACs on the second attempt. */
    CHECK(ipoib_gid_parse("fe80::2:c903:1:9999", &gid));
    ipoib_remac_from_gid(&gid, 0x22fb04, 0, mac);
    ipoib_remac_from_gid(&gid, 0x409781, 0, mac2);
    CHECK_HEX(mac, 6, "06 02 d8 26 da 00");
    CHECK_BYTES(mac, 6, mac2, 6);
    ipoib_remac_from_gid(&gid, 0x22fb04, 1, mac);
    ipoib_remac_from_gid(&gid, 0x409781, 1, mac2);
    CHECK_HEX(mac, 6, "06 4c 15 31 4d 3a");
    CHECK_HEX(mac2, 6, "06 43 f8 b8 a3 11");
}
EIPOIB_TEST_REGISTER("ipoib-remac", test_ipoib_remac);

static void
test_ipoib_byte_order(void)
{
    uint8_t b[5] = { 0 };

    ipoib_put_be32(b + 1, 0x01020304);      /* Unaligned. */
    CHECK_HEX(b, 5, "00 01 02 03 04");
    CHECK_INT(ipoib_get_be32(b + 1), 0x01020304);
    CHECK_INT(ipoib_get_be24(b + 2), 0x020304);
    CHECK_INT(ipoib_get_be16(b + 3), 0x0304);
    ipoib_put_be24(b, 0xffabcdef);
    CHECK_HEX(b, 5, "ab cd ef 03 04");
    ipoib_put_be16(b + 3, 0xbeef);
    CHECK_HEX(b, 5, "ab cd ef be ef");
}
EIPOIB_TEST_REGISTER("ipoib-byte-order", test_ipoib_byte_order);
