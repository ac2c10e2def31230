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

/* Unit tests of lib/eipoib-mcast: the membership parser against frames
 * made by tests/mcast-vectors.py (scapy), and the membership table. */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eipoib-mcast.h"
#include "eipoib-test.h"
#include "mcast-vectors.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

static const uint8_t VM1[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t VM2[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x03 };

/* Bytes of hex text, valid until the 4th next call (so that callers need
 * not free them, and LeakSanitizer sees no leak). */
static uint8_t *
hex(const char *text)
{
    static uint8_t *ring[4];
    static size_t next;
    size_t len;

    next = (next + 1) % ARRAY_SIZE(ring);
    free(ring[next]);
    ring[next] = eipoib_test_hex(text, &len);
    return ring[next];
}

#define CHECK_STR(GOT, WANT)                                            \
    do {                                                                \
        const char *got_ = (GOT), *want_ = (WANT);                      \
        if (!CHECK(!strcmp(got_, want_))) {                             \
            fprintf(stderr, "  got:  %s\n  want: %s\n", got_, want_);   \
        }                                                               \
    } while (0)

/* ---------------------------------------------------------------------- */
/* Parsing into text: "+239.1.2.3 -ff05::1:3 +ff02::1:ff00:2(src)", with
 * (src) for the solicited-node group of the IPv6 source and (dad) for
 * that of a DAD target. */

struct recorder {
    struct ds text;
    struct eipoib_mcast_frame frame;
    size_t n;
};

static void
record_signal(const struct eipoib_mcast_frame *f,
              const struct eipoib_mcast_signal *s, void *r_)
{
    static const char *const origins[] = { "", "", "(src)", "(dad)" };
    char buf[EIPOIB_MCAST_GROUP_STRLEN];
    struct recorder *r = r_;

    r->frame = *f;
    r->n++;
    ds_put_format(&r->text, "%s%c%s%s", r->text.length ? " " : "",
                  s->join ? '+' : '-',
                  eipoib_mcast_group_format(&s->group, buf),
                  origins[s->origin]);
}

/* Parses 'len' bytes of 'frame' from a buffer of exactly that size (so
 * that ASan or valgrind see any over-read); returns the verdict, the
 * signals in 'text' (caller frees) and checks that the callback ran only
 * on success and as many times as announced. */
static enum eipoib_mcast_verdict
parse_len(const uint8_t *frame, size_t len, char **text,
          struct eipoib_mcast_frame *info)
{
    uint8_t *copy = xmalloc(len ? len : 1);
    struct recorder r = { .text = DS_EMPTY_INITIALIZER };
    struct eipoib_mcast_frame f;

    memcpy(copy, frame, len);
    memset(&f, 0xcc, sizeof f);
    enum eipoib_mcast_verdict v = eipoib_mcast_parse(copy, len, &f,
                                                     record_signal, &r);
    if (v == EIPOIB_MCAST_OK) {
        CHECK_INT(r.n, f.n_signals);
        CHECK(r.n > 0);
    } else {
        CHECK_INT(r.n, 0);
    }
    /* Without a callback: same verdict. */
    CHECK_INT(eipoib_mcast_parse(copy, len, NULL, NULL, NULL), v);
    free(copy);
    if (info) {
        *info = f;
    }
    *text = ds_steal_cstr(&r.text);
    return v;
}

/* Parses hex vector 'hex' whole; checks the verdict and signals. */
static void
check_parse(const char *vector, enum eipoib_mcast_verdict want_v,
            const char *want_text, uint16_t want_vlan)
{
    struct eipoib_mcast_frame f;
    size_t len;
    uint8_t *frame = eipoib_test_hex(vector, &len);
    char *text;

    enum eipoib_mcast_verdict v = parse_len(frame, len, &text, &f);
    if (!CHECK_INT(v, want_v)) {
        fprintf(stderr, "  verdict %s, want %s\n",
                eipoib_mcast_verdict_name(v),
                eipoib_mcast_verdict_name(want_v));
    }
    CHECK_STR(text, want_text);
    if (v == EIPOIB_MCAST_OK) {
        CHECK_INT(f.vlan, want_vlan);
        CHECK_BYTES(f.src_mac, 6, VM1, 6);
    }
    free(text);
    free(frame);
}

static void
test_mcast_verdict_names(void)
{
    for (int i = 0; i < N_EIPOIB_MCAST_VERDICTS; i++) {
        const char *name = eipoib_mcast_verdict_name(i);
        CHECK(name[0] && strcmp(name, "unknown"));
        CHECK(eipoib_mcast_verdict_description(i)[0]);
        for (int j = 0; j < i; j++) {
            CHECK(strcmp(name, eipoib_mcast_verdict_name(j)));
        }
    }
    CHECK_STR(eipoib_mcast_verdict_name(N_EIPOIB_MCAST_VERDICTS), "unknown");
    CHECK_STR(eipoib_mcast_verdict_name(EIPOIB_MCAST_IGMP_BAD_CHECKSUM),
              "igmp-bad-checksum");
    CHECK(!eipoib_mcast_verdict_is_error(EIPOIB_MCAST_OK));
    CHECK(!eipoib_mcast_verdict_is_error(EIPOIB_MCAST_NOT_SNOOPED));
    CHECK(eipoib_mcast_verdict_is_error(EIPOIB_MCAST_RUNT));
    CHECK(eipoib_mcast_verdict_is_error(EIPOIB_MCAST_NS_BAD_TARGET));
}
EIPOIB_TEST_REGISTER("mcast-verdict-names", test_mcast_verdict_names);

static void
test_mcast_igmp(void)
{
    check_parse(mv_igmpv2_join, EIPOIB_MCAST_OK, "+239.1.2.3", 0);
    check_parse(mv_igmpv2_leave, EIPOIB_MCAST_OK, "-239.1.2.3", 0);
    check_parse(mv_igmpv1_report, EIPOIB_MCAST_OK, "+224.0.0.1", 0);
    check_parse(mv_igmpv2_join_padded, EIPOIB_MCAST_OK, "+239.1.2.3", 0);
    check_parse(mv_igmp_query, EIPOIB_MCAST_NOT_SNOOPED, "", 0);
}
EIPOIB_TEST_REGISTER("mcast-igmp", test_mcast_igmp);

static void
test_mcast_igmpv3(void)
{
    check_parse(mv_igmpv3_report, EIPOIB_MCAST_OK,
                "+239.1.1.1 -239.1.1.2 +239.1.1.3 +239.1.1.4 +224.0.0.1",
                10);
}
EIPOIB_TEST_REGISTER("mcast-igmpv3", test_mcast_igmpv3);

static void
test_mcast_mld(void)
{
    check_parse(mv_mldv1_report, EIPOIB_MCAST_OK,
                "+ff02::1:ff00:2(src) +ff05::1:3", 0);
    check_parse(mv_mldv1_done, EIPOIB_MCAST_OK,
                "+ff02::1:ff00:2(src) -ff05::1:3", 0);
    check_parse(mv_mldv2_report, EIPOIB_MCAST_OK,
                "+ff02::1:ff00:2(src) +ff02::1:ff01:6789 +ff02::1 "
                "-ff05::1:3 +ff0e::1234 -ff02::2 +ff02::fb", 0);
    check_parse(mv_mldv2_dad, EIPOIB_MCAST_OK, "+ff02::1:ff01:6789", 0);
    check_parse(mv_mldv2_ext_chain, EIPOIB_MCAST_OK,
                "+ff02::1:ff00:2(src) +ff15::abcd", 20);
    check_parse(mv_ipv6_long_chain, EIPOIB_MCAST_BAD_EXT_HDR, "", 0);
}
EIPOIB_TEST_REGISTER("mcast-mld", test_mcast_mld);

static void
test_mcast_solicited_node(void)
{
    check_parse(mv_dad_ns, EIPOIB_MCAST_OK, "+ff02::1:ff01:6789(dad)", 0);
    check_parse(mv_ns_unicast, EIPOIB_MCAST_OK, "+ff02::1:ff00:2(src)", 0);
    check_parse(mv_ipv6_udp, EIPOIB_MCAST_OK, "+ff02::1:ff12:3456(src)", 0);
    check_parse(mv_ipv6_fragment, EIPOIB_MCAST_OK,
                "+ff02::1:ff12:3456(src)", 0);
    check_parse(mv_ipv6_from_multicast, EIPOIB_MCAST_NOT_SNOOPED, "", 0);

    struct eipoib_mcast_group g;
    static const uint8_t ip6[16] = {
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0x02, 0xc9, 0x03,
        0x00, 0x01, 0x67, 0x89
    };
    eipoib_mcast_group_solicited_node(&g, ip6);
    CHECK(g.is_ipv6);
    CHECK(eipoib_mcast_group_is_valid(&g));
    CHECK_BYTES(g.addr, 16,
                hex("ff02 0000 0000 0000 0000 0001 ff01 6789"), 16);
}
EIPOIB_TEST_REGISTER("mcast-solicited-node", test_mcast_solicited_node);

/* ---------------------------------------------------------------------- */
/* Malformed input. */

/* Internet checksum, written for the tests (big-endian words). */
static uint16_t
test_csum(const uint8_t *p, size_t n, uint32_t sum)
{
    for (size_t i = 0; i + 1 < n; i += 2) {
        sum += (p[i] << 8) | p[i + 1];
    }
    if (n & 1) {
        sum += p[n - 1] << 8;
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return ~sum;
}

static void
put16(uint8_t *p, uint16_t x)
{
    p[0] = x >> 8;
    p[1] = x;
}

static uint16_t
get16(const uint8_t *p)
{
    return (p[0] << 8) | p[1];
}

/* Recomputes the IPv4 header and IGMP checksums of an untagged IGMP
 * frame. */
static void
fix_igmp(uint8_t *f)
{
    uint8_t *ip = f + 14;
    size_t ihl = (ip[0] & 15) * 4;
    size_t total = get16(ip + 2);

    put16(ip + 10, 0);
    put16(ip + 10, test_csum(ip, ihl, 0));
    put16(ip + ihl + 2, 0);
    put16(ip + ihl + 2, test_csum(ip + ihl, total - ihl, 0));
}

/* Recomputes the ICMPv6 checksum of a frame whose ICMPv6 message starts
 * at 'ofs' (from the IPv6 header at 'l3'). */
static void
fix_icmpv6(uint8_t *f, size_t l3, size_t ofs)
{
    uint8_t *ip = f + l3;
    size_t n = 40 + get16(ip + 4) - ofs;
    uint32_t sum = 0;

    for (int i = 8; i < 40; i += 2) {
        sum += get16(ip + i);
    }
    sum += n + 58;
    put16(ip + ofs + 2, 0);
    put16(ip + ofs + 2, test_csum(ip + ofs, n, sum));
}

static enum eipoib_mcast_verdict
verdict_of(const uint8_t *f, size_t len)
{
    char *text;
    enum eipoib_mcast_verdict v = parse_len(f, len, &text, NULL);

    free(text);
    return v;
}

#define CHECK_VERDICT(F, LEN, WANT)                                     \
    do {                                                                \
        enum eipoib_mcast_verdict v_ = verdict_of(F, LEN);              \
        if (!CHECK_INT(v_, WANT)) {                                     \
            fprintf(stderr, "  verdict %s, want %s\n",                  \
                    eipoib_mcast_verdict_name(v_),                      \
                    eipoib_mcast_verdict_name(WANT));                   \
        }                                                               \
    } while (0)

static void
test_mcast_bad_checksum(void)
{
    size_t len;
    uint8_t *f;

    /* IGMP checksum (IPv4 header 24 bytes with Router Alert). */
    f = eipoib_test_hex(mv_igmpv2_join, &len);
    f[14 + 24 + 2] ^= 0x01;
    CHECK_VERDICT(f, len, EIPOIB_MCAST_IGMP_BAD_CHECKSUM);
    f[14 + 24 + 2] ^= 0x01;
    f[len - 1] ^= 0x80;                             /* The group. */
    CHECK_VERDICT(f, len, EIPOIB_MCAST_IGMP_BAD_CHECKSUM);
    f[len - 1] ^= 0x80;
    f[14 + 10] ^= 0x01;                             /* IPv4 header. */
    CHECK_VERDICT(f, len, EIPOIB_MCAST_IPV4_BAD_CHECKSUM);
    f[14 + 10] ^= 0x01;
    CHECK_VERDICT(f, len, EIPOIB_MCAST_OK);
    free(f);

    /* IGMPv3: a byte of the last record. */
    f = eipoib_test_hex(mv_igmpv3_report, &len);
    f[len - 5] ^= 0x01;
    CHECK_VERDICT(f, len, EIPOIB_MCAST_IGMP_BAD_CHECKSUM);
    free(f);

    /* MLDv1: the checksum, the group, and the pseudo-header's
     * destination (not part of the ICMPv6 message itself). */
    size_t icmp = 14 + 40 + 8;
    f = eipoib_test_hex(mv_mldv1_report, &len);
    f[icmp + 3] ^= 0x10;
    CHECK_VERDICT(f, len, EIPOIB_MCAST_MLD_BAD_CHECKSUM);
    f[icmp + 3] ^= 0x10;
    f[len - 1] ^= 0x01;
    CHECK_VERDICT(f, len, EIPOIB_MCAST_MLD_BAD_CHECKSUM);
    f[len - 1] ^= 0x01;
    f[14 + 24 + 15] ^= 0x01;                        /* IPv6 destination. */
    CHECK_VERDICT(f, len, EIPOIB_MCAST_MLD_BAD_CHECKSUM);
    f[14 + 24 + 15] ^= 0x01;
    f[14 + 8 + 15] ^= 0x01;                         /* IPv6 source. */
    CHECK_VERDICT(f, len, EIPOIB_MCAST_MLD_BAD_CHECKSUM);
    f[14 + 8 + 15] ^= 0x01;
    CHECK_VERDICT(f, len, EIPOIB_MCAST_OK);
    free(f);

    f = eipoib_test_hex(mv_mldv2_report, &len);
    f[len - 10] ^= 0x01;
    CHECK_VERDICT(f, len, EIPOIB_MCAST_MLD_BAD_CHECKSUM);
    free(f);

    f = eipoib_test_hex(mv_dad_ns, &len);
    f[len - 1] ^= 0x01;                             /* Target. */
    CHECK_VERDICT(f, len, EIPOIB_MCAST_NS_BAD_CHECKSUM);
    free(f);

    /* Ordinary UDP: its checksum is not ours to check. */
    f = eipoib_test_hex(mv_ipv6_udp, &len);
    f[14 + 40 + 6] ^= 0x01;
    CHECK_VERDICT(f, len, EIPOIB_MCAST_OK);
    free(f);
}
EIPOIB_TEST_REGISTER("mcast-bad-checksum", test_mcast_bad_checksum);

static void
test_mcast_malformed(void)
{
    size_t len;
    uint8_t *f;

    /* IGMPv2 group not multicast. */
    f = eipoib_test_hex(mv_igmpv2_join, &len);
    f[len - 4] = 10;
    fix_igmp(f);
    CHECK_VERDICT(f, len, EIPOIB_MCAST_IGMP_BAD_GROUP);
    free(f);

    /* IPv4 IHL 4, version 5, total length past the frame or inside the
     * header, fragment (MF, offset). */
    f = eipoib_test_hex(mv_igmpv2_join, &len);
    f[14] = 0x44;
    CHECK_VERDICT(f, len, EIPOIB_MCAST_BAD_IPV4);
    f[14] = 0x56;
    CHECK_VERDICT(f, len, EIPOIB_MCAST_BAD_IPV4);
    f[14] = 0x46;
    put16(f + 14 + 2, 33);
    CHECK_VERDICT(f, len, EIPOIB_MCAST_BAD_IPV4);
    put16(f + 14 + 2, 23);
    CHECK_VERDICT(f, len, EIPOIB_MCAST_BAD_IPV4);
    put16(f + 14 + 2, 31);                          /* IGMP of 7 bytes. */
    fix_igmp(f);
    CHECK_VERDICT(f, len, EIPOIB_MCAST_IGMP_RUNT);
    free(f);
    f = eipoib_test_hex(mv_igmpv2_join, &len);
    f[14 + 6] = 0x20;                               /* MF. */
    fix_igmp(f);
    CHECK_VERDICT(f, len, EIPOIB_MCAST_IPV4_FRAGMENT);
    f[14 + 6] = 0x00;
    f[14 + 7] = 0x01;                               /* Offset 8. */
    fix_igmp(f);
    CHECK_VERDICT(f, len, EIPOIB_MCAST_IPV4_FRAGMENT);
    f[14 + 6] = 0x40;                               /* DF only: fine. */
    f[14 + 7] = 0x00;
    fix_igmp(f);
    CHECK_VERDICT(f, len, EIPOIB_MCAST_OK);
    free(f);

    /* Multicast or zero source MAC. */
    f = eipoib_test_hex(mv_igmpv2_join, &len);
    f[6] = 0x01;
    CHECK_VERDICT(f, len, EIPOIB_MCAST_BAD_SRC_MAC);
    memset(f + 6, 0, 6);
    CHECK_VERDICT(f, len, EIPOIB_MCAST_BAD_SRC_MAC);
    free(f);

    /* IGMPv3: one record more than there is (tagged: IPv4 at 18). */
    f = eipoib_test_hex(mv_igmpv3_report, &len);
    uint8_t *igmp = f + 18 + 24;
    put16(igmp + 6, get16(igmp + 6) + 1);
    put16(igmp + 2, 0);
    put16(igmp + 2, test_csum(igmp, len - 18 - 24, 0));
    CHECK_VERDICT(f, len, EIPOIB_MCAST_IGMP_BAD_RECORD);
    /* ...and a record whose sources run past the message. */
    put16(igmp + 6, 1);
    put16(igmp + 8 + 2, 200);
    put16(igmp + 2, 0);
    put16(igmp + 2, test_csum(igmp, len - 18 - 24, 0));
    CHECK_VERDICT(f, len, EIPOIB_MCAST_IGMP_BAD_RECORD);
    free(f);

    /* MLDv1: group not multicast; message of 23 bytes. */
    size_t icmp = 40 + 8;
    f = eipoib_test_hex(mv_mldv1_report, &len);
    f[14 + icmp + 8] = 0xfe;
    fix_icmpv6(f, 14, icmp);
    CHECK_VERDICT(f, len, EIPOIB_MCAST_MLD_BAD_GROUP);
    put16(f + 14 + 4, get16(f + 14 + 4) - 1);
    CHECK_VERDICT(f, len, EIPOIB_MCAST_MLD_RUNT);
    free(f);

    /* MLDv2: one record too many; a record with aux data past the end. */
    f = eipoib_test_hex(mv_mldv2_report, &len);
    uint8_t *mld = f + 14 + icmp;
    put16(mld + 6, get16(mld + 6) + 1);
    fix_icmpv6(f, 14, icmp);
    CHECK_VERDICT(f, len, EIPOIB_MCAST_MLD_BAD_RECORD);
    put16(mld + 6, 1);
    mld[8 + 1] = 100;
    fix_icmpv6(f, 14, icmp);
    CHECK_VERDICT(f, len, EIPOIB_MCAST_MLD_BAD_RECORD);
    mld[8 + 1] = 0;
    mld[8 + 4] = 0xfe;                              /* Group fe02::... */
    fix_icmpv6(f, 14, icmp);
    CHECK_VERDICT(f, len, EIPOIB_MCAST_MLD_BAD_GROUP);
    free(f);

    /* Hop-by-Hop header longer than the packet; IPv6 payload length past
     * the frame; version 4 in an IPv6 frame. */
    f = eipoib_test_hex(mv_mldv1_report, &len);
    f[14 + 40 + 1] = 0xff;
    CHECK_VERDICT(f, len, EIPOIB_MCAST_BAD_EXT_HDR);
    f[14 + 40 + 1] = 0;
    put16(f + 14 + 4, get16(f + 14 + 4) + 1);
    CHECK_VERDICT(f, len, EIPOIB_MCAST_BAD_IPV6);
    put16(f + 14 + 4, get16(f + 14 + 4) - 1);
    f[14] = 0x40;
    CHECK_VERDICT(f, len, EIPOIB_MCAST_BAD_IPV6);
    f[14] = 0x60;
    CHECK_VERDICT(f, len, EIPOIB_MCAST_OK);
    /* Hop-by-Hop cut short: the payload ends inside it. */
    put16(f + 14 + 4, 4);
    CHECK_VERDICT(f, len, EIPOIB_MCAST_BAD_EXT_HDR);
    /* No next header after the Hop-by-Hop: only the source group. */
    put16(f + 14 + 4, 8);
    f[14 + 40] = 59;
    CHECK_VERDICT(f, len, EIPOIB_MCAST_OK);
    free(f);

    /* DAD NS: target multicast; 23 bytes. */
    f = eipoib_test_hex(mv_dad_ns, &len);
    f[14 + 40 + 8] = 0xff;
    fix_icmpv6(f, 14, 40);
    CHECK_VERDICT(f, len, EIPOIB_MCAST_NS_BAD_TARGET);
    put16(f + 14 + 4, 23);
    fix_icmpv6(f, 14, 40);
    CHECK_VERDICT(f, len, EIPOIB_MCAST_NS_RUNT);
    free(f);

    /* Not IP at all; 802.1Q tag cut short. */
    f = eipoib_test_hex(mv_igmpv2_join, &len);
    put16(f + 12, 0x0806);
    CHECK_VERDICT(f, len, EIPOIB_MCAST_NOT_SNOOPED);
    put16(f + 12, 0x8100);
    CHECK_VERDICT(f, 17, EIPOIB_MCAST_RUNT);
    free(f);
}
EIPOIB_TEST_REGISTER("mcast-malformed", test_mcast_malformed);

/* Every vector, cut at every length: a clear verdict, never a signal,
 * nothing read past the cut (the copy is exactly that long). */
static void
test_mcast_truncated(void)
{
    static const char *const vectors[] = {
        mv_igmpv2_join, mv_igmpv2_leave, mv_igmpv1_report,
        mv_igmpv3_report, mv_mldv1_report, mv_mldv1_done,
        mv_mldv2_report, mv_mldv2_dad, mv_mldv2_ext_chain, mv_dad_ns,
        mv_ns_unicast, mv_ipv6_udp, mv_ipv6_fragment,
    };
    int n_cuts = 0;

    for (size_t i = 0; i < ARRAY_SIZE(vectors); i++) {
        size_t len;
        uint8_t *f = eipoib_test_hex(vectors[i], &len);
        bool tagged = get16(f + 12) == 0x8100;
        size_t l2 = tagged ? 18 : 14;
        bool ipv6 = get16(f + l2 - 2) == 0x86dd;

        CHECK_VERDICT(f, len, EIPOIB_MCAST_OK);
        for (size_t cut = 0; cut < len; cut++) {
            enum eipoib_mcast_verdict want;
            if (cut < l2) {
                want = (cut < 14 || tagged ? EIPOIB_MCAST_RUNT
                        : EIPOIB_MCAST_NOT_SNOOPED);
            } else if (ipv6) {
                want = EIPOIB_MCAST_BAD_IPV6;
            } else {
                want = (cut < l2 + 10 ? EIPOIB_MCAST_NOT_SNOOPED
                        : EIPOIB_MCAST_BAD_IPV4);
            }
            enum eipoib_mcast_verdict v = verdict_of(f, cut);
            if (!CHECK_INT(v, want)) {
                fprintf(stderr, "  vector %"PRIuSIZE" cut at %"PRIuSIZE
                        ": %s, want %s\n", i, cut,
                        eipoib_mcast_verdict_name(v),
                        eipoib_mcast_verdict_name(want));
            }
            n_cuts++;
        }
        free(f);
    }
    CHECK(n_cuts > 1000);

    /* Padding may be cut down to the IP packet's end. */
    size_t len;
    uint8_t *f = eipoib_test_hex(mv_igmpv2_join_padded, &len);
    CHECK_VERDICT(f, 46, EIPOIB_MCAST_OK);
    CHECK_VERDICT(f, 45, EIPOIB_MCAST_BAD_IPV4);
    free(f);
}
EIPOIB_TEST_REGISTER("mcast-truncated", test_mcast_truncated);

/* Random byte changes of the vectors: whatever comes out, the callback
 * agrees with the verdict (parse_len() checks) and nothing is read out of
 * bounds (run under valgrind or ASan to see it). */
static void
test_mcast_mutations(void)
{
    static const char *const vectors[] = {
        mv_igmpv3_report, mv_mldv2_report, mv_mldv2_ext_chain, mv_dad_ns,
        mv_igmpv2_join,
    };
    unsigned int seed = 1;
    int n_ok = 0, n_other = 0;

    for (size_t i = 0; i < ARRAY_SIZE(vectors); i++) {
        size_t len;
        uint8_t *orig = eipoib_test_hex(vectors[i], &len);
        uint8_t *f = xmalloc(len);
        for (int round = 0; round < 2000; round++) {
            memcpy(f, orig, len);
            int n_changes = 1 + round % 4;
            for (int c = 0; c < n_changes; c++) {
                seed = seed * 1103515245 + 12345;
                f[(seed >> 8) % len] = seed >> 24;
            }
            seed = seed * 1103515245 + 12345;
            size_t cut = round % 3 ? len : (seed >> 8) % (len + 1);
            if (verdict_of(f, cut) == EIPOIB_MCAST_OK) {
                n_ok++;
            } else {
                n_other++;
            }
        }
        free(f);
        free(orig);
    }
    /* Checksums catch most changes, but not those outside what they
     * cover (MACs, padding, IPv6 flow label...). */
    CHECK(n_ok > 0);
    CHECK(n_other > n_ok);
}
EIPOIB_TEST_REGISTER("mcast-mutations", test_mcast_mutations);

/* ---------------------------------------------------------------------- */
/* Membership table. */

static bool
pkey_of_vlan(uint16_t vlan, uint16_t *pkey, void *aux OVS_UNUSED)
{
    switch (vlan) {
    case 0:
        *pkey = 0xffff;
        return true;
    case 10:
        *pkey = 0x0001;             /* Limited member: MGIDs use 0x8001. */
        return true;
    default:
        return false;
    }
}

/* Events as text: "J ff12:401b:...(239.1.2.3) L ..." */
static char *
events_text(struct eipoib_mcast_events *evs)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    for (size_t i = 0; i < evs->n; i++) {
        const struct eipoib_mcast_event *ev = &evs->events[i];
        char buf[EIPOIB_MCAST_GROUP_STRLEN];
        char mgid[EIPOIB_MCAST_GROUP_STRLEN];
        struct eipoib_mcast_group as_ipv6;

        eipoib_mcast_group_ipv6(&as_ipv6, ev->mgid.b);
        ds_put_format(&s, "%s%s %s(%s)", i ? " " : "",
                      ev->type == EIPOIB_MCAST_JOIN ? "J" : "L",
                      eipoib_mcast_group_format(&as_ipv6, mgid),
                      eipoib_mcast_group_format(&ev->group, buf));
        CHECK_INT(ev->pkey, get16(&ev->mgid.b[4]));
    }
    eipoib_mcast_events_clear(evs);
    return ds_steal_cstr(&s);
}

#define CHECK_EVENTS(EVS, WANT)                 \
    do {                                        \
        char *text_ = events_text(EVS);         \
        CHECK_STR(text_, WANT);                 \
        free(text_);                            \
    } while (0)

static void
snoop_hex(struct eipoib_mcast *mc, const char *vector,
          struct eipoib_mcast_events *evs, enum eipoib_mcast_verdict want)
{
    size_t len;
    uint8_t *f = eipoib_test_hex(vector, &len);

    CHECK_INT(eipoib_mcast_snoop(mc, f, len, pkey_of_vlan, NULL, evs), want);
    free(f);
}

static void
test_mcast_mgid(void)
{
    struct eipoib_mcast *mc = eipoib_mcast_create(NULL);
    struct eipoib_mcast_events evs;

    eipoib_mcast_events_init(&evs);
    snoop_hex(mc, mv_igmpv1_report, &evs, EIPOIB_MCAST_OK);
    CHECK_EVENTS(&evs, "J ff12:401b:ffff::1(224.0.0.1)");
    snoop_hex(mc, mv_igmpv2_join, &evs, EIPOIB_MCAST_OK);
    CHECK_EVENTS(&evs, "J ff12:401b:ffff::f01:203(239.1.2.3)");
    snoop_hex(mc, mv_mldv2_dad, &evs, EIPOIB_MCAST_OK);
    CHECK_EVENTS(&evs,
                 "J ff12:601b:ffff::1:ff01:6789(ff02::1:ff01:6789)");
    /* VLAN 10, P_Key 0x0001: the full-member form in the MGID. */
    snoop_hex(mc, mv_igmpv3_report, &evs, EIPOIB_MCAST_OK);
    CHECK_EVENTS(&evs,
                 "J ff12:401b:8001::f01:101(239.1.1.1) "
                 "J ff12:401b:8001::f01:103(239.1.1.3) "
                 "J ff12:401b:8001::f01:104(239.1.1.4) "
                 "J ff12:401b:8001::1(224.0.0.1)");

    /* Byte-exact, from the group helpers. */
    struct eipoib_mcast_group g;
    struct ipoib_gid mgid;
    eipoib_mcast_group_ipv4(&g, (const uint8_t[]) { 224, 0, 0, 1 });
    eipoib_mcast_group_mgid(&g, 0x8001, IPOIB_SCOPE_LINK, &mgid);
    CHECK_BYTES(mgid.b, 16,
                hex("ff12 401b 8001 0000 0000 0000 0000 0001"), 16);
    eipoib_mcast_group_ipv4(&g, (const uint8_t[]) { 239, 1, 2, 3 });
    eipoib_mcast_group_mgid(&g, 0x8001, IPOIB_SCOPE_LINK, &mgid);
    CHECK_BYTES(mgid.b, 16,
                hex("ff12 401b 8001 0000 0000 0000 0f01 0203"), 16);
    eipoib_mcast_group_ipv6(&g,
                            hex("ff02 0000 0000 0000 0000 0001 ff01 6789"));
    eipoib_mcast_group_mgid(&g, 0x8001, IPOIB_SCOPE_LINK, &mgid);
    CHECK_BYTES(mgid.b, 16,
                hex("ff12 601b 8001 0000 0000 0001 ff01 6789"), 16);

    eipoib_mcast_flush(mc, &evs);
    CHECK_INT(evs.n, 7);
    CHECK_INT(eipoib_mcast_n_groups(mc), 0);
    CHECK_INT(eipoib_mcast_n_mgids(mc), 0);
    CHECK_INT(eipoib_mcast_n_members(mc), 0);
    eipoib_mcast_events_destroy(&evs);
    eipoib_mcast_destroy(mc);
}
EIPOIB_TEST_REGISTER("mcast-mgid", test_mcast_mgid);

static struct eipoib_mcast_group
group4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    struct eipoib_mcast_group g;
    uint8_t ip[4] = { a, b, c, d };

    eipoib_mcast_group_ipv4(&g, ip);
    return g;
}

static struct eipoib_mcast_group
group6(const char *text)
{
    struct eipoib_mcast_group g;
    uint8_t *ip = hex(text);

    eipoib_mcast_group_ipv6(&g, ip);
    return g;
}

static void
test_mcast_events(void)
{
    struct eipoib_mcast *mc = eipoib_mcast_create(NULL);
    struct eipoib_mcast_events evs;
    struct eipoib_mcast_stats st;
    struct eipoib_mcast_group g = group4(239, 1, 2, 3);

    eipoib_mcast_events_init(&evs);

    /* First member joins the MGID; a second member and refreshes don't;
     * the MGID is left with the last member only. */
    CHECK(eipoib_mcast_join(mc, VM1, 0, 0xffff, &g, &evs));
    CHECK_EVENTS(&evs, "J ff12:401b:ffff::f01:203(239.1.2.3)");
    CHECK(eipoib_mcast_join(mc, VM1, 0, 0xffff, &g, &evs));
    CHECK(eipoib_mcast_join(mc, VM2, 0, 0xffff, &g, &evs));
    CHECK_EVENTS(&evs, "");
    CHECK(eipoib_mcast_is_member(mc, VM2, 0, &g));
    CHECK(!eipoib_mcast_is_member(mc, VM2, 10, &g));
    CHECK(eipoib_mcast_leave(mc, VM1, 0, &g, &evs));
    CHECK(!eipoib_mcast_leave(mc, VM1, 0, &g, &evs));
    CHECK_EVENTS(&evs, "");
    CHECK(eipoib_mcast_leave(mc, VM2, 0, &g, &evs));
    CHECK_EVENTS(&evs, "L ff12:401b:ffff::f01:203(239.1.2.3)");
    CHECK_INT(eipoib_mcast_n_groups(mc), 0);
    CHECK_INT(eipoib_mcast_n_members(mc), 0);

    /* The same group on two VLANs of two partitions: two MGIDs. */
    CHECK(eipoib_mcast_join(mc, VM1, 0, 0xffff, &g, &evs));
    CHECK(eipoib_mcast_join(mc, VM1, 10, 0x8001, &g, &evs));
    CHECK_EVENTS(&evs, "J ff12:401b:ffff::f01:203(239.1.2.3) "
                 "J ff12:401b:8001::f01:203(239.1.2.3)");
    CHECK_INT(eipoib_mcast_forget_member(mc, VM1, 10, &evs), 1);
    CHECK_EVENTS(&evs, "L ff12:401b:8001::f01:203(239.1.2.3)");
    CHECK(eipoib_mcast_is_member(mc, VM1, 0, &g));

    /* ff02::1 and ff05::1 share an MGID (the scope nibble is not in it). */
    struct eipoib_mcast_group all2 = group6("ff02 0000 0000 0000 0000 0000"
                                            " 0000 0001");
    struct eipoib_mcast_group all5 = group6("ff05 0000 0000 0000 0000 0000"
                                            " 0000 0001");
    CHECK(eipoib_mcast_join(mc, VM1, 0, 0xffff, &all2, &evs));
    CHECK(eipoib_mcast_join(mc, VM2, 0, 0xffff, &all5, &evs));
    CHECK_EVENTS(&evs, "J ff12:601b:ffff::1(ff02::1)");
    CHECK_INT(eipoib_mcast_n_groups(mc), 3);
    CHECK_INT(eipoib_mcast_n_mgids(mc), 2);
    CHECK(eipoib_mcast_leave(mc, VM1, 0, &all2, &evs));
    CHECK_EVENTS(&evs, "");
    CHECK(eipoib_mcast_leave(mc, VM2, 0, &all5, &evs));
    CHECK_EVENTS(&evs, "L ff12:601b:ffff::1(ff05::1)");

    /* Not a multicast group: refused, nothing counted. */
    struct eipoib_mcast_group bad = group4(10, 0, 0, 1);
    CHECK(!eipoib_mcast_join(mc, VM1, 0, 0xffff, &bad, &evs));

    /* Snooping: leave signals, VLAN without a partition. */
    snoop_hex(mc, mv_igmpv2_join, &evs, EIPOIB_MCAST_OK);
    snoop_hex(mc, mv_igmpv2_leave, &evs, EIPOIB_MCAST_OK);
    CHECK_EVENTS(&evs, "L ff12:401b:ffff::f01:203(239.1.2.3)");
    snoop_hex(mc, mv_mldv2_ext_chain, &evs, EIPOIB_MCAST_OK);   /* VLAN 20 */
    snoop_hex(mc, mv_ipv6_long_chain, &evs, EIPOIB_MCAST_BAD_EXT_HDR);
    snoop_hex(mc, mv_igmp_query, &evs, EIPOIB_MCAST_NOT_SNOOPED);
    CHECK_EVENTS(&evs, "");
    snoop_hex(mc, mv_mldv2_report, &evs, EIPOIB_MCAST_OK);
    CHECK_EVENTS(&evs, "J ff12:601b:ffff::1:ff00:2(ff02::1:ff00:2) "
                 "J ff12:601b:ffff::1:ff01:6789(ff02::1:ff01:6789) "
                 "J ff12:601b:ffff::1(ff02::1) "
                 "J ff12:601b:ffff::1234(ff0e::1234) "
                 "J ff12:601b:ffff::fb(ff02::fb)");

    eipoib_mcast_get_stats(mc, &st);
    CHECK_INT(st.vlan_unmapped, 1);
    CHECK_INT(st.verdicts[EIPOIB_MCAST_OK], 4);
    CHECK_INT(st.verdicts[EIPOIB_MCAST_BAD_EXT_HDR], 1);
    CHECK_INT(st.verdicts[EIPOIB_MCAST_NOT_SNOOPED], 1);
    CHECK_INT(st.mgid_joins, 9);
    CHECK_INT(st.mgid_leaves, 4);
    CHECK_INT(st.mgid_joins - st.mgid_leaves, eipoib_mcast_n_mgids(mc));

    eipoib_mcast_events_destroy(&evs);
    eipoib_mcast_destroy(mc);
}
EIPOIB_TEST_REGISTER("mcast-events", test_mcast_events);

static void
test_mcast_timeout(void)
{
    struct eipoib_mcast_config cfg;
    struct eipoib_mcast_events evs;
    struct eipoib_mcast_stats st;
    struct eipoib_mcast_group g1 = group4(239, 0, 0, 1);
    struct eipoib_mcast_group g2 = group4(239, 0, 0, 2);

    eipoib_mcast_config_default(&cfg);
    CHECK_INT(cfg.membership_ms, 260000);
    struct eipoib_mcast *mc = eipoib_mcast_create(&cfg);
    eipoib_mcast_events_init(&evs);

    eipoib_mcast_set_time(mc, 1000);
    CHECK(eipoib_mcast_join(mc, VM1, 0, 0xffff, &g1, &evs));
    CHECK(eipoib_mcast_join(mc, VM1, 0, 0xffff, &g2, &evs));
    CHECK(eipoib_mcast_join(mc, VM2, 0, 0xffff, &g2, &evs));
    eipoib_mcast_events_clear(&evs);

    eipoib_mcast_set_time(mc, 101000);              /* VM2 refreshes g2. */
    CHECK(eipoib_mcast_join(mc, VM2, 0, 0xffff, &g2, &evs));
    eipoib_mcast_set_time(mc, 261000);              /* Exactly 260 s. */
    eipoib_mcast_expire(mc, &evs);
    CHECK_EVENTS(&evs, "");
    CHECK_INT(eipoib_mcast_n_groups(mc), 2);

    eipoib_mcast_set_time(mc, 261001);
    eipoib_mcast_expire(mc, &evs);
    CHECK_EVENTS(&evs, "L ff12:401b:ffff::f00:1(239.0.0.1)");
    CHECK(!eipoib_mcast_is_member(mc, VM1, 0, &g2));
    CHECK(eipoib_mcast_is_member(mc, VM2, 0, &g2));

    eipoib_mcast_set_time(mc, 361001);
    eipoib_mcast_expire(mc, &evs);
    CHECK_EVENTS(&evs, "L ff12:401b:ffff::f00:2(239.0.0.2)");
    CHECK_INT(eipoib_mcast_n_groups(mc), 0);
    CHECK_INT(eipoib_mcast_n_members(mc), 0);
    eipoib_mcast_get_stats(mc, &st);
    CHECK_INT(st.memberships_expired, 3);

    /* Timeout 0: never. */
    cfg.membership_ms = 0;
    eipoib_mcast_set_config(mc, &cfg);
    CHECK(eipoib_mcast_join(mc, VM1, 0, 0xffff, &g1, &evs));
    eipoib_mcast_events_clear(&evs);
    eipoib_mcast_set_time(mc, 1000LL * 1000 * 1000);
    eipoib_mcast_expire(mc, &evs);
    CHECK_EVENTS(&evs, "");
    CHECK_INT(eipoib_mcast_n_groups(mc), 1);

    eipoib_mcast_events_destroy(&evs);
    eipoib_mcast_destroy(mc);
}
EIPOIB_TEST_REGISTER("mcast-timeout", test_mcast_timeout);

/* An IGMPv2 report frame for 239.G1.G2.G3 from 'mac' (checksums by the
 * test's own helper). */
static size_t
igmpv2_frame(uint8_t f[46], const uint8_t mac[6], uint32_t group)
{
    size_t len;
    uint8_t *v = eipoib_test_hex(mv_igmpv2_join, &len);

    memcpy(f, v, len);
    free(v);
    memcpy(f + 6, mac, 6);
    f[len - 4] = 239;
    f[len - 3] = group >> 16;
    f[len - 2] = group >> 8;
    f[len - 1] = group;
    memcpy(f + 14 + 16, f + len - 4, 4);             /* IP destination. */
    fix_igmp(f);
    return len;
}

static void
test_mcast_limits(void)
{
    struct eipoib_mcast *mc = eipoib_mcast_create(NULL);
    struct eipoib_mcast_events evs;
    struct eipoib_mcast_stats st;
    uint8_t f[64];

    eipoib_mcast_events_init(&evs);

    /* A hostile VM reports 10,000 groups: it gets its per-member share,
     * with one JOIN each, and the rest is refused and counted. */
    for (uint32_t i = 0; i < 10000; i++) {
        size_t len = igmpv2_frame(f, VM1, i);
        CHECK_INT(eipoib_mcast_snoop(mc, f, len, pkey_of_vlan, NULL, &evs),
                  EIPOIB_MCAST_OK);
    }
    CHECK_INT(evs.n, EIPOIB_MCAST_DEFAULT_MAX_GROUPS_PER_MEMBER);
    CHECK_INT(eipoib_mcast_n_groups(mc),
              EIPOIB_MCAST_DEFAULT_MAX_GROUPS_PER_MEMBER);
    eipoib_mcast_get_stats(mc, &st);
    CHECK_INT(st.member_groups_refused,
              10000 - EIPOIB_MCAST_DEFAULT_MAX_GROUPS_PER_MEMBER);
    CHECK_INT(st.verdicts[EIPOIB_MCAST_OK], 10000);
    eipoib_mcast_events_clear(&evs);

    /* Its groups still refresh; another VM still joins. */
    struct eipoib_mcast_group g0 = group4(239, 0, 0, 0);
    struct eipoib_mcast_group gnew = group4(239, 200, 0, 0);
    CHECK(eipoib_mcast_join(mc, VM1, 0, 0xffff, &g0, &evs));
    CHECK(!eipoib_mcast_join(mc, VM1, 0, 0xffff, &gnew, &evs));
    CHECK(eipoib_mcast_join(mc, VM2, 0, 0xffff, &gnew, &evs));
    CHECK_INT(evs.n, 1);
    eipoib_mcast_flush(mc, &evs);
    eipoib_mcast_events_clear(&evs);

    /* With a high per-member limit, the table limit holds: 10,000 groups
     * from 10,000 MACs... up to max_members, then max_groups. */
    struct eipoib_mcast_config cfg;
    eipoib_mcast_config_default(&cfg);
    cfg.max_groups_per_member = 100000;
    cfg.max_groups = 1000;
    cfg.max_members = 3;
    eipoib_mcast_set_config(mc, &cfg);
    for (uint32_t i = 0; i < 10000; i++) {
        size_t len = igmpv2_frame(f, VM1, i);
        eipoib_mcast_snoop(mc, f, len, pkey_of_vlan, NULL, &evs);
    }
    CHECK_INT(eipoib_mcast_n_groups(mc), 1000);
    CHECK_INT(evs.n, 1000);
    eipoib_mcast_get_stats(mc, &st);
    CHECK_INT(st.groups_refused, 9000);

    /* Existing groups take new members, new groups don't. */
    CHECK(eipoib_mcast_join(mc, VM2, 0, 0xffff, &g0, &evs));
    CHECK(!eipoib_mcast_join(mc, VM2, 0, 0xffff, &gnew, &evs));

    /* Members: 3 at most. */
    uint8_t mac[6] = { 0x52, 0x54, 0, 0, 1, 0 };
    CHECK(eipoib_mcast_join(mc, mac, 0, 0xffff, &g0, &evs));
    mac[5] = 1;
    CHECK(!eipoib_mcast_join(mc, mac, 0, 0xffff, &g0, &evs));
    CHECK_INT(eipoib_mcast_n_members(mc), 3);
    eipoib_mcast_get_stats(mc, &st);
    CHECK_INT(st.groups_refused, 9001);
    CHECK_INT(st.members_refused, 1);

    /* Forgetting the hostile VM frees everything it held but g0. */
    eipoib_mcast_events_clear(&evs);
    CHECK_INT(eipoib_mcast_forget_member(mc, VM1, 0, &evs), 1000);
    CHECK_INT(evs.n, 999);
    CHECK_INT(eipoib_mcast_n_groups(mc), 1);
    CHECK_INT(eipoib_mcast_n_members(mc), 2);
    CHECK_INT(eipoib_mcast_forget_member(mc, VM1, 0, &evs), 0);

    eipoib_mcast_events_destroy(&evs);
    eipoib_mcast_destroy(mc);
}
EIPOIB_TEST_REGISTER("mcast-limits", test_mcast_limits);

struct walk {
    struct ds text;
    int n_mgids;
};

static void
walk_group(const struct eipoib_mcast_group_info *info, void *w_)
{
    char buf[EIPOIB_MCAST_GROUP_STRLEN];
    struct walk *w = w_;

    ds_put_format(&w->text, "vlan=%u pkey=%#x %s members=%"PRIuSIZE
                  " age=%lld\n", info->vlan, info->pkey,
                  eipoib_mcast_group_format(&info->group, buf),
                  info->n_members, info->age_ms);
}

static void
walk_mgid(uint16_t pkey, const struct ipoib_gid *mgid, void *w_)
{
    struct walk *w = w_;

    CHECK_INT(pkey, get16(&mgid->b[4]));
    w->n_mgids++;
}

static void
test_mcast_walk(void)
{
    struct eipoib_mcast *mc = eipoib_mcast_create(NULL);
    struct eipoib_mcast_group g = group4(239, 1, 2, 3);
    struct walk w = { .text = DS_EMPTY_INITIALIZER };

    eipoib_mcast_set_time(mc, 5000);
    eipoib_mcast_join(mc, VM1, 0, 0xffff, &g, NULL);
    eipoib_mcast_set_time(mc, 7000);
    eipoib_mcast_join(mc, VM2, 0, 0xffff, &g, NULL);
    eipoib_mcast_set_time(mc, 9500);
    eipoib_mcast_for_each_group(mc, walk_group, &w);
    eipoib_mcast_for_each_mgid(mc, walk_mgid, &w);
    CHECK_STR(ds_cstr(&w.text),
              "vlan=0 pkey=0xffff 239.1.2.3 members=2 age=2500\n");
    CHECK_INT(w.n_mgids, 1);
    ds_destroy(&w.text);
    eipoib_mcast_destroy(mc);
}
EIPOIB_TEST_REGISTER("mcast-walk", test_mcast_walk);
