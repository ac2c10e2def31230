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

#ifndef IB_PACKET_H
#define IB_PACKET_H 1

/* Whole InfiniBand unreliable-datagram packets, as they cross a link:
 *
 *   LRH (8) [GRH (40)] BTH (12) DETH (8) payload pad(0..3) ICRC (4) VCRC (2)
 *
 * Building and parsing of UD "SEND Only" packets (BTH opcode 0x64), with the
 * invariant CRC (ICRC: CRC-32 of the packet with its variant fields forced
 * to ones, appended least significant byte first) and the variant CRC
 * (VCRC: CRC-16, polynomial 0x100B, over LRH..ICRC, appended least
 * significant byte first).  Layouts and CRC rules:
 * ../shared/ref/ipoib-wire.md sections 1.2 and 7; Documentation/
 * fabric-protocol.md repeats them for the soft fabric's port protocol.
 *
 * No OVS types, no I/O and no allocation. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ipoib.h"

#define IB_LRH_LEN  8
#define IB_GRH_LEN  40
#define IB_BTH_LEN  12
#define IB_DETH_LEN 8
#define IB_ICRC_LEN 4
#define IB_VCRC_LEN 2

/* LRH "Link Next Header" values. */
#define IB_LNH_RAW        0
#define IB_LNH_IPV6       1
#define IB_LNH_IBA_LOCAL  2     /* BTH follows the LRH. */
#define IB_LNH_IBA_GLOBAL 3     /* GRH follows the LRH. */

/* GRH "Next Header" for an IBA transport header. */
#define IB_GRH_NXTHDR_IBA 0x1b

/* BTH opcode of an unreliable datagram SEND Only (transport 011, operation
 * 00100), the only one IPoIB uses.  (0x65, with immediate data, is not
 * supported.) */
#define IB_OPCODE_UD_SEND_ONLY 0x64

/* LIDs. */
#define IB_LID_UNICAST_MIN   0x0001
#define IB_LID_UNICAST_MAX   0xbfff
#define IB_LID_MULTICAST_MIN 0xc000
#define IB_LID_MULTICAST_MAX 0xfffe
#define IB_LID_PERMISSIVE    0xffff

static inline bool
ib_lid_is_multicast(uint16_t lid)
{
    return lid >= IB_LID_MULTICAST_MIN && lid <= IB_LID_MULTICAST_MAX;
}

/* Header bytes in front of the payload: LRH, optional GRH, BTH, DETH. */
static inline size_t
ib_ud_header_len(bool grh)
{
    return IB_LRH_LEN + (grh ? IB_GRH_LEN : 0) + IB_BTH_LEN + IB_DETH_LEN;
}

/* Total packet length, LRH through VCRC, for 'payload_len' bytes of payload
 * (padded to a multiple of 4). */
static inline size_t
ib_ud_packet_len(bool grh, size_t payload_len)
{
    return (ib_ud_header_len(grh) + ((payload_len + 3) & ~(size_t) 3)
            + IB_ICRC_LEN + IB_VCRC_LEN);
}

/* The fields of a UD packet that a sender chooses or a receiver reads.
 * Fields not listed here are written as zero (LRH LVer, BTH TVer, SE, M,
 * AckReq, reserved bits) and ignored on parsing unless said otherwise. */
struct ib_ud_fields {
    /* LRH. */
    uint8_t vl;                 /* Virtual lane, 0..15 (variant). */
    uint8_t sl;                 /* Service level, 0..15. */
    uint16_t dlid;              /* Destination LID (unicast or MLID). */
    uint16_t slid;              /* Source LID. */

    /* GRH: present if 'has_grh' (always for multicast DLIDs). */
    bool has_grh;
    uint8_t tclass;             /* Traffic class (variant). */
    uint32_t flow_label;        /* 20 bits (variant). */
    uint8_t hop_limit;          /* (variant) */
    struct ipoib_gid sgid;
    struct ipoib_gid dgid;

    /* BTH. */
    uint16_t pkey;
    uint32_t dest_qp;           /* 24 bits; 0xffffff for multicast. */
    uint32_t psn;               /* 24 bits. */

    /* DETH. */
    uint32_t qkey;
    uint32_t src_qp;            /* 24 bits. */
};

/* Writes a complete packet into 'pkt', which must have room for
 * ib_ud_packet_len(f->has_grh, payload_len) bytes and must already hold the
 * payload at offset ib_ud_header_len(f->has_grh): this lets a sender put
 * the payload in place first and add the headers without copying.  Writes
 * headers, pad bytes, ICRC and VCRC.  Returns the packet length. */
size_t ib_ud_encap(uint8_t *pkt, const struct ib_ud_fields *f,
                   size_t payload_len);

/* Like ib_ud_encap(), but copies 'payload' into place first.  Returns the
 * packet length, or 0 if 'size' is too small. */
size_t ib_ud_build(uint8_t *pkt, size_t size, const struct ib_ud_fields *f,
                   const void *payload, size_t payload_len);

/* Why a packet failed to parse.  Stable names (ib_parse_error_name()) are
 * used as drop-counter names. */
enum ib_parse_error {
    IB_PARSE_OK = 0,
    IB_PARSE_TOO_SHORT,         /* Shorter than its headers and CRCs. */
    IB_PARSE_BAD_LVER,          /* LRH link version not 0. */
    IB_PARSE_BAD_LNH,           /* Not an IBA packet (raw or IPv6 LNH). */
    IB_PARSE_BAD_PKTLEN,        /* LRH PktLen disagrees with the length. */
    IB_PARSE_BAD_GRH,           /* IPVer not 6, NxtHdr not 0x1b, or PayLen
                                 * disagrees with the length. */
    IB_PARSE_BAD_OPCODE,        /* Not a UD SEND Only. */
    IB_PARSE_BAD_TVER,          /* BTH transport version not 0. */
    IB_PARSE_BAD_PAD,           /* PadCnt larger than the payload. */
    IB_PARSE_BAD_ICRC,
    IB_PARSE_BAD_VCRC,
    IB_PARSE_N_ERRORS
};

const char *ib_parse_error_name(enum ib_parse_error);

/* Parses the 'len'-byte packet 'pkt' (LRH through VCRC) into 'f', and
 * points '*payload' at its payload ('*payload_len' bytes, pad removed).
 * Checks lengths, versions, opcode and, if 'check_crcs', the VCRC and then
 * the ICRC.  Never reads outside 'pkt'.  On error, 'f' and '*payload' may
 * be partly filled in. */
enum ib_parse_error ib_ud_parse(const uint8_t *pkt, size_t len,
                                bool check_crcs, struct ib_ud_fields *f,
                                const uint8_t **payload, size_t *payload_len);

/* CRCs. */

/* The ICRC of the 'len'-byte packet 'pkt', which starts at the LRH and ends
 * just before the ICRC (i.e. after the pad bytes).  Masks the variant
 * fields itself, without changing 'pkt'. */
uint32_t ib_icrc(const uint8_t *pkt, size_t len);

/* The VCRC of 'len' bytes (LRH through ICRC). */
uint16_t ib_vcrc(const uint8_t *pkt, size_t len);

/* Recomputes ICRC and VCRC of the complete 'len'-byte packet 'pkt', e.g.
 * after changing a header field.  Does nothing if 'len' is too short. */
void ib_packet_set_crcs(uint8_t *pkt, size_t len);

/* The Ethernet CRC-32 (reflected, polynomial 0x04C11DB7): start with
 * crc = 0, feed data, use the result (complementing is done inside, as
 * zlib's crc32() does). */
uint32_t ib_crc32(uint32_t crc, const void *data, size_t len);

#endif /* ib-packet.h */
