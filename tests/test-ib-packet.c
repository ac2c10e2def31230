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

/* Unit tests of lib/ib-packet.[ch] (IB UD packets, ICRC, VCRC),
 * lib/ib-capture.[ch] (ERF pcap writer) and lib/ib-fabric-proto.[ch] (the
 * fabric port protocol's framing and bodies).
 *
 * The reference packets are the eight frames of
 * ../shared/ref/pcaps/ib_native_erf_197.pcap, made by make.py with scapy
 * and zlib; the builder must reproduce them byte for byte from the
 * parameters make.py used (listed in 'ref_params'). */

#include <config.h>

#include "ib-packet.h"
#include "ib-capture.h"
#include "ib-fabric-proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eipoib-test.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

static const char *const ref_packets[] = {
    /* 1 */
    "00020005001900036410ffff000000490000000100000b1b0000004808000000"
    "4500003f12340000400154880a0000010a000002080013ef0042000169706f69"
    "622d746573742d7061796c6f61642d3031323334353637383961626364656600"
    "0fde631c32dc",
    /* 2 */
    "00020003001900056410ffff000000480000000100000b1b0000004908000000"
    "4500003f12340000400154880a0000020a00000100001bef0042000169706f69"
    "622d746573742d7061796c6f61642d3031323334353637383961626364656600"
    "61a873eef775",
    /* 3 */
    "0003c000002100036000000000541b01fe800000000000000002c90300012345"
    "ff12401bffff000000000000ffffffff6400ffff00ffffff0000000100000b1b"
    "0000004808060000002008001404000180000048fe800000000000000002c903"
    "000123450a00000100000000000000000000000000000000000000000a000002"
    "59e16a163e7a",
    /* 4 */
    "00020003001700056400ffff000000480000000100000b1b0000004908060000"
    "002008001404000200000049fe800000000000000002c903000167890a000002"
    "80000048fe800000000000000002c903000123450a0000016ed014bf0863",
    /* 5 */
    "0003c001002900036000000000741b01fe800000000000000002c90300012345"
    "ff12601bffff000000000001ff0167896400ffff00ffffff0000000100000b1b"
    "0000004886dd00006000000000303afffe800000000000000002c90300012345"
    "ff0200000000000000000001ff01678987008d0f00000000fe80000000000000"
    "0002c903000167890103000080000048fe800000000000000002c90300012345"
    "4f901bc028ea",
    /* 6 */
    "00020003001f00056400ffff000000480000000100000b1b0000004986dd0000"
    "6000000000303afffe800000000000000002c90300016789fe80000000000000"
    "0002c9030001234588009d4860000000fe800000000000000002c90300016789"
    "0203000000000049fe800000000000000002c90300016789ecbae2d3b3a6",
    /* 7 */
    "0003c000005f000360000000014c1b01fe800000000000000002c90300012345"
    "ff12401bffff000000000000ffffffff6430ffff00ffffff0000000100000b1b"
    "00000048080000004500012d00010000401179c000000000ffffffff00440043"
    "0119be69012000001a2b3c4d0000800000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000000000000000000000638253633501013d14ff000000000002"
    "000002c9000002c9030001234537050103060f1aff000000774b84842234",
    /* 8 */
    "0003c002001f000360000000004c1b01fe800000000000000002c90300012345"
    "ff12401bffff0000000000000f0102036420ffff00ffffff0000000100000b1b"
    "00000048080000004500002e000100000111beb90a000001ef01020313881389"
    "001a422968656c6c6f2d69622d6d756c746963617374000015273b8111ac",
};

/* make.py's hosts: A (LID 3, QPN 0x48) and B (LID 5, QPN 0x49). */
#define GID_A "fe80::2:c903:1:2345"
#define GID_B "fe80::2:c903:1:6789"

struct ref_param {
    uint16_t dlid, slid;
    uint32_t dest_qp, src_qp;
    const char *sgid, *dgid;    /* NULL dgid: no GRH. */
    size_t payload_len;         /* IPoIB header + L3, before padding. */
};

static const struct ref_param ref_params[] = {
    { 5, 3, 0x49, 0x48, NULL, NULL, 67 },                 /* ICMP echo */
    { 3, 5, 0x48, 0x49, NULL, NULL, 67 },                 /* echo reply */
    { 0xc000, 3, 0xffffff, 0x48, GID_A, "ff12:401b:ffff::ffff:ffff", 60 },
    { 3, 5, 0x48, 0x49, NULL, NULL, 60 },                 /* ARP reply */
    { 0xc001, 3, 0xffffff, 0x48, GID_A, "ff12:601b:ffff::1:ff01:6789", 92 },
    { 3, 5, 0x48, 0x49, NULL, NULL, 92 },                 /* ND NA */
    { 0xc000, 3, 0xffffff, 0x48, GID_A, "ff12:401b:ffff::ffff:ffff", 305 },
    { 0xc002, 3, 0xffffff, 0x48, GID_A, "ff12:401b:ffff::f01:203", 50 },
};

/* Concatenates the hex chunks of reference packet 'i'. */
static uint8_t *
ref_packet(size_t i, size_t *len)
{
    /* The array lists each packet as consecutive string literals joined by
     * the compiler, so each element is one packet. */
    return eipoib_test_hex(ref_packets[i], len);
}

static void
ref_fields(const struct ref_param *rp, struct ib_ud_fields *f)
{
    memset(f, 0, sizeof *f);
    f->dlid = rp->dlid;
    f->slid = rp->slid;
    f->pkey = 0xffff;
    f->dest_qp = rp->dest_qp;
    f->psn = 1;
    f->qkey = 0x0b1b;
    f->src_qp = rp->src_qp;
    if (rp->dgid) {
        f->has_grh = true;
        f->hop_limit = 1;
        ovs_assert(ipoib_gid_parse(rp->sgid, &f->sgid));
        ovs_assert(ipoib_gid_parse(rp->dgid, &f->dgid));
    }
}

static void
test_ib_packet_build(void)
{
    ovs_assert(ARRAY_SIZE(ref_packets) == ARRAY_SIZE(ref_params));
    for (size_t i = 0; i < ARRAY_SIZE(ref_params); i++) {
        const struct ref_param *rp = &ref_params[i];
        struct ib_ud_fields f;
        size_t want_len;
        uint8_t *want = ref_packet(i, &want_len);
        size_t hdr_len = ib_ud_header_len(rp->dgid != NULL);
        uint8_t buf[512];

        ref_fields(rp, &f);
        CHECK_INT(ib_ud_packet_len(f.has_grh, rp->payload_len), want_len);

        /* Copying builder: the payload is the reference's. */
        memset(buf, 0xa5, sizeof buf);
        size_t len = ib_ud_build(buf, sizeof buf, &f, &want[hdr_len],
                                 rp->payload_len);
        CHECK_BYTES(buf, len, want, want_len);

        /* In-place builder. */
        memset(buf, 0x5a, sizeof buf);
        memcpy(&buf[hdr_len], &want[hdr_len], rp->payload_len);
        len = ib_ud_encap(buf, &f, rp->payload_len);
        CHECK_BYTES(buf, len, want, want_len);

        /* Too small a buffer. */
        CHECK_INT(ib_ud_build(buf, want_len - 1, &f, &want[hdr_len],
                              rp->payload_len), 0);
        free(want);
    }
}

static void
test_ib_packet_parse(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(ref_params); i++) {
        const struct ref_param *rp = &ref_params[i];
        struct ib_ud_fields f, want_f;
        const uint8_t *payload;
        size_t payload_len, len;
        uint8_t *pkt = ref_packet(i, &len);

        ref_fields(rp, &want_f);
        CHECK_INT(ib_ud_parse(pkt, len, true, &f, &payload, &payload_len),
                  IB_PARSE_OK);
        CHECK_INT(f.dlid, want_f.dlid);
        CHECK_INT(f.slid, want_f.slid);
        CHECK_INT(f.has_grh, want_f.has_grh);
        CHECK_INT(f.pkey, 0xffff);
        CHECK_INT(f.dest_qp, want_f.dest_qp);
        CHECK_INT(f.src_qp, want_f.src_qp);
        CHECK_INT(f.qkey, 0x0b1b);
        CHECK_INT(f.psn, 1);
        CHECK_INT(f.hop_limit, want_f.hop_limit);
        CHECK(!memcmp(&f.sgid, &want_f.sgid, sizeof f.sgid));
        CHECK(!memcmp(&f.dgid, &want_f.dgid, sizeof f.dgid));
        CHECK_INT(payload_len, rp->payload_len);
        CHECK(payload == &pkt[ib_ud_header_len(f.has_grh)]);

        /* Every single-bit error in the CRC-covered bytes is caught by the
         * VCRC; with the VCRC recomputed, errors in invariant bytes are
         * caught by the ICRC.  (Flipping a variant field, e.g. VL, and
         * fixing the VCRC is a legal change of the packet.) */
        for (size_t ofs = 0; ofs < len; ofs += 7) {
            pkt[ofs] ^= 0x10;
            enum ib_parse_error e = ib_ud_parse(pkt, len, true, &f,
                                                &payload, &payload_len);
            CHECK(e != IB_PARSE_OK);
            pkt[ofs] ^= 0x10;
        }
        pkt[ib_ud_header_len(want_f.has_grh)] ^= 0x01;   /* Payload. */
        uint16_t vcrc = ib_vcrc(pkt, len - 2);
        pkt[len - 2] = vcrc;
        pkt[len - 1] = vcrc >> 8;
        CHECK_INT(ib_ud_parse(pkt, len, true, &f, &payload, &payload_len),
                  IB_PARSE_BAD_ICRC);
        CHECK_INT(ib_ud_parse(pkt, len, false, &f, &payload, &payload_len),
                  IB_PARSE_OK);
        free(pkt);
    }
}

/* Variant fields are outside the ICRC: changing them and recomputing only
 * the VCRC keeps the packet valid. */
static void
test_ib_packet_variant_fields(void)
{
    size_t len;
    uint8_t *pkt = ref_packet(2, &len);     /* With GRH. */
    struct ib_ud_fields f;
    const uint8_t *payload;
    size_t payload_len;
    uint32_t icrc = ib_icrc(pkt, len - 6);

    pkt[0] = 0x70;                  /* VL 7. */
    pkt[8 + 1] = 0xab;              /* Flow label bits. */
    pkt[8 + 7] = 64;                /* Hop limit. */
    pkt[48 + 4] = 0x80;             /* BTH Resv8a (FECN). */
    CHECK_INT(ib_icrc(pkt, len - 6), icrc);
    uint16_t vcrc = ib_vcrc(pkt, len - 2);
    pkt[len - 2] = vcrc;
    pkt[len - 1] = vcrc >> 8;
    CHECK_INT(ib_ud_parse(pkt, len, true, &f, &payload, &payload_len),
              IB_PARSE_OK);
    CHECK_INT(f.vl, 7);
    CHECK_INT(f.hop_limit, 64);

    /* The SLID is variant only for global packets: in a local packet it
     * is covered. */
    free(pkt);
    pkt = ref_packet(0, &len);
    icrc = ib_icrc(pkt, len - 6);
    pkt[7] ^= 1;
    CHECK(ib_icrc(pkt, len - 6) != icrc);
    pkt[7] ^= 1;
    pkt[0] = 0xf0;                  /* VL 15: variant. */
    CHECK_INT(ib_icrc(pkt, len - 6), icrc);
    free(pkt);
}

static void
test_ib_packet_malformed(void)
{
    size_t len;
    uint8_t *pkt = ref_packet(0, &len);
    uint8_t buf[512];
    struct ib_ud_fields f;
    const uint8_t *payload;
    size_t payload_len;

#define PARSE(P, L) ib_ud_parse(P, L, true, &f, &payload, &payload_len)

    /* Truncations, including every length below the minimum. */
    for (size_t l = 0; l < len; l++) {
        memcpy(buf, pkt, l);
        CHECK(PARSE(buf, l) != IB_PARSE_OK);
    }
    CHECK_INT(PARSE(pkt, 3), IB_PARSE_TOO_SHORT);
    CHECK_INT(PARSE(pkt, len - 4), IB_PARSE_BAD_PKTLEN);

#define MUTATE(OFS, VAL, WANT)                          \
    do {                                                \
        memcpy(buf, pkt, len);                          \
        buf[OFS] = (VAL);                               \
        ib_packet_set_crcs(buf, len);                   \
        CHECK_INT(PARSE(buf, len), WANT);               \
    } while (0)

    MUTATE(0, 0x01, IB_PARSE_BAD_LVER);
    MUTATE(1, 0x00, IB_PARSE_BAD_LNH);          /* Raw. */
    MUTATE(1, 0x01, IB_PARSE_BAD_LNH);          /* IPv6. */
    memcpy(buf, pkt, len);
    buf[1] = 0x03;                              /* Claims a GRH. */
    ib_packet_set_crcs(buf, len);
    CHECK(PARSE(buf, len) != IB_PARSE_OK);
    MUTATE(5, 0x18, IB_PARSE_BAD_PKTLEN);
    MUTATE(8, 0x65, IB_PARSE_BAD_OPCODE);       /* SEND with immediate. */
    MUTATE(8, 0x04, IB_PARSE_BAD_OPCODE);       /* RC SEND Only. */
    MUTATE(9, 0x11, IB_PARSE_BAD_TVER);
    free(pkt);

    /* GRH checks. */
    pkt = ref_packet(2, &len);
    MUTATE(8, 0x40, IB_PARSE_BAD_GRH);          /* IPVer 4. */
    MUTATE(8 + 6, 0x11, IB_PARSE_BAD_GRH);      /* NxtHdr. */
    MUTATE(8 + 5, 0x50, IB_PARSE_BAD_GRH);      /* PayLen. */
    free(pkt);

    /* Pad larger than the payload: a packet with an empty payload. */
    struct ib_ud_fields g = { .dlid = 1, .slid = 2, .pkey = 0xffff };
    len = ib_ud_build(buf, sizeof buf, &g, "", 0);
    CHECK_INT(len, 34);
    CHECK_INT(PARSE(buf, len), IB_PARSE_OK);
    CHECK_INT(payload_len, 0);
    buf[9] = 0x30;
    ib_packet_set_crcs(buf, len);
    CHECK_INT(PARSE(buf, len), IB_PARSE_BAD_PAD);

    for (int e = 0; e < IB_PARSE_N_ERRORS; e++) {
        CHECK(strcmp(ib_parse_error_name(e), "unknown"));
    }
#undef MUTATE
#undef PARSE
}

/* CRC-16, polynomial 0x100B reflected (0xD008), init and final XOR 0xffff,
 * one bit at a time. */
static uint16_t
vcrc_bitwise(const uint8_t *p, size_t len)
{
    uint16_t v = 0xffff;

    for (size_t i = 0; i < len; i++) {
        v ^= p[i];
        for (int k = 0; k < 8; k++) {
            v = v & 1 ? (v >> 1) ^ 0xd008 : v >> 1;
        }
    }
    return v ^ 0xffff;
}

static void
test_ib_crc(void)
{
    /* The CRC-32 check value (zlib.crc32(b"123456789")). */
    CHECK_INT(ib_crc32(0, "123456789", 9), 0xcbf43926);
    /* Chaining. */
    CHECK_INT(ib_crc32(ib_crc32(0, "1234", 4), "56789", 5), 0xcbf43926);
    CHECK_INT(ib_crc32(0, "", 0), 0);

    /* Long input, unaligned start (exercises the 8-byte loop). */
    uint8_t big[1000];
    for (size_t i = 0; i < sizeof big; i++) {
        big[i] = i * 7;
    }
    uint32_t c = 0;
    for (size_t i = 1; i < sizeof big; i++) {
        c = ib_crc32(c, &big[i], 1);
    }
    CHECK_INT(ib_crc32(0, &big[1], sizeof big - 1), c);

    /* VCRC: the table-driven code against a bit-at-a-time CRC-16, for
     * every length up to 40 and a long one, at an unaligned start. */
    for (size_t len = 0; len <= 40; len++) {
        CHECK_INT(ib_vcrc(&big[1], len), vcrc_bitwise(&big[1], len));
    }
    CHECK_INT(ib_vcrc(&big[1], sizeof big - 1),
              vcrc_bitwise(&big[1], sizeof big - 1));
}

/* The capture writer reproduces ib_native_erf_197.pcap exactly: same pcap
 * header, same ERF records (timestamps 1700000000 + i seconds). */
static void
test_ib_capture(void)
{
    char name[] = "ib-capture-XXXXXX";
    int fd = mkstemp(name);
    struct ib_capture *cap;
    struct ofpbuf want;

    ovs_assert(fd >= 0);
    close(fd);
    CHECK_INT(ib_capture_open(name, &cap), 0);

    ofpbuf_init(&want, 4096);
    size_t hl;
    uint8_t *h = eipoib_test_hex("d4c3b2a1 0200 0400 00000000 00000000 "
                                 "ffff0000 c5000000", &hl);
    ofpbuf_put(&want, h, hl);
    free(h);

    for (size_t i = 0; i < ARRAY_SIZE(ref_packets); i++) {
        size_t len;
        uint8_t *pkt = ref_packet(i, &len);
        uint32_t sec = 1700000000 + i;
        uint8_t rec[32];

        CHECK_INT(ib_capture_write(cap, sec, 0, pkt, len), 0);

        memset(rec, 0, sizeof rec);
        memcpy(&rec[0], &sec, 4);          /* The test host is little-endian */
        rec[8] = rec[12] = len + 16;       /* ...as is the pcap header. */
        rec[9] = rec[13] = (len + 16) >> 8;
        memcpy(&rec[20], &sec, 4);
        rec[24] = 21;
        rec[25] = 0x04;
        rec[26] = (len + 16) >> 8;
        rec[27] = len + 16;
        rec[30] = len >> 8;
        rec[31] = len;
        ofpbuf_put(&want, rec, sizeof rec);
        ofpbuf_put(&want, pkt, len);
        free(pkt);
    }
    CHECK_INT(ib_capture_count(cap), ARRAY_SIZE(ref_packets));
    ib_capture_close(cap);

    FILE *f = fopen(name, "rb");
    uint8_t got[8192];
    size_t n = fread(got, 1, sizeof got, f);
    fclose(f);
    unlink(name);
    CHECK_BYTES(got, n, want.data, want.size);
    ofpbuf_uninit(&want);

    /* Nanoseconds become ERF's binary fraction and pcap's microseconds. */
    ovs_strlcpy(name, "ib-capture-XXXXXX", sizeof name);
    fd = mkstemp(name);
    ovs_assert(fd >= 0);
    close(fd);
    CHECK_INT(ib_capture_open(name, &cap), 0);
    CHECK_INT(ib_capture_write(cap, 1, 500000000, "abcd", 4), 0);
    ib_capture_close(cap);
    f = fopen(name, "rb");
    n = fread(got, 1, sizeof got, f);
    fclose(f);
    unlink(name);
    CHECK_INT(n, 24 + 16 + 16 + 4);
    h = eipoib_test_hex("01000000 20a10700 14000000 14000000 "
                        "00000080 01000000 15 04 0014 0000 0004 61626364",
                        &hl);
    CHECK_BYTES(&got[24], n - 24, h, hl);
    free(h);

    CHECK_INT(ib_capture_open("no-such-dir/x.pcap", &cap), ENOENT);
    CHECK(cap == NULL);
}

EIPOIB_TEST_REGISTER("ib-packet-build", test_ib_packet_build);
EIPOIB_TEST_REGISTER("ib-packet-parse", test_ib_packet_parse);
EIPOIB_TEST_REGISTER("ib-packet-variant-fields",
                     test_ib_packet_variant_fields);
EIPOIB_TEST_REGISTER("ib-packet-malformed", test_ib_packet_malformed);
EIPOIB_TEST_REGISTER("ib-crc", test_ib_crc);
EIPOIB_TEST_REGISTER("ib-capture", test_ib_capture);
