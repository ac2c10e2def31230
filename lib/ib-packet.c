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

#include <config.h>

#include "ib-packet.h"

#include <pthread.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* CRCs.
 *
 * ICRC: the Ethernet CRC-32 (OVS's crc32c.h is Castagnoli, a different
 * polynomial), reflected polynomial 0xEDB88320.  VCRC: CRC-16, polynomial
 * 0x100B, reflected form 0xD008.  Both are computed eight bytes at a time
 * ("slicing by 8") because the fabric daemon checks them on every packet. */

static uint32_t crc32_table[8][256];
static uint16_t crc16_table[8][256];
static pthread_once_t crc_tables_once = PTHREAD_ONCE_INIT;

static void
crc_tables_init(void)
{
    for (unsigned int n = 0; n < 256; n++) {
        uint32_t c = n;
        uint16_t c16 = n;

        for (int k = 0; k < 8; k++) {
            c = c & 1 ? (c >> 1) ^ 0xedb88320 : c >> 1;
            c16 = c16 & 1 ? (c16 >> 1) ^ 0xd008 : c16 >> 1;
        }
        crc32_table[0][n] = c;
        crc16_table[0][n] = c16;
    }
    /* Table k: the CRC of a byte followed by k zero bytes. */
    for (unsigned int n = 0; n < 256; n++) {
        for (int k = 1; k < 8; k++) {
            uint32_t prev = crc32_table[k - 1][n];
            uint16_t prev16 = crc16_table[k - 1][n];

            crc32_table[k][n] = (prev >> 8) ^ crc32_table[0][prev & 0xff];
            crc16_table[k][n] = (prev16 >> 8) ^ crc16_table[0][prev16 & 0xff];
        }
    }
}

/* Feeds 'len' bytes into the raw (uncomplemented) CRC-32 register 'c'. */
static uint32_t
crc32_update(uint32_t c, const uint8_t *p, size_t len)
{
    while (len >= 8) {
        uint32_t lo = c ^ ((uint32_t) p[0] | ((uint32_t) p[1] << 8)
                           | ((uint32_t) p[2] << 16)
                           | ((uint32_t) p[3] << 24));
        c = (crc32_table[7][lo & 0xff]
             ^ crc32_table[6][(lo >> 8) & 0xff]
             ^ crc32_table[5][(lo >> 16) & 0xff]
             ^ crc32_table[4][lo >> 24]
             ^ crc32_table[3][p[4]]
             ^ crc32_table[2][p[5]]
             ^ crc32_table[1][p[6]]
             ^ crc32_table[0][p[7]]);
        p += 8;
        len -= 8;
    }
    while (len--) {
        c = (c >> 8) ^ crc32_table[0][(c ^ *p++) & 0xff];
    }
    return c;
}

uint32_t
ib_crc32(uint32_t crc, const void *data, size_t len)
{
    pthread_once(&crc_tables_once, crc_tables_init);
    return ~crc32_update(~crc, data, len);
}

uint16_t
ib_vcrc(const uint8_t *p, size_t len)
{
    uint16_t c = 0xffff;

    pthread_once(&crc_tables_once, crc_tables_init);
    while (len >= 8) {
        c ^= p[0] | (p[1] << 8);
        c = (crc16_table[7][c & 0xff] ^ crc16_table[6][c >> 8]
             ^ crc16_table[5][p[2]] ^ crc16_table[4][p[3]]
             ^ crc16_table[3][p[4]] ^ crc16_table[2][p[5]]
             ^ crc16_table[1][p[6]] ^ crc16_table[0][p[7]]);
        p += 8;
        len -= 8;
    }
    while (len--) {
        c = (c >> 8) ^ crc16_table[0][(c ^ *p++) & 0xff];
    }
    return c ^ 0xffff;
}

/* Offset of the BTH in a packet whose LRH says 'lnh'. */
static size_t
bth_offset(uint8_t lnh)
{
    return IB_LRH_LEN + (lnh == IB_LNH_IBA_GLOBAL ? IB_GRH_LEN : 0);
}

uint32_t
ib_icrc(const uint8_t *pkt, size_t len)
{
    uint8_t masked[IB_LRH_LEN + IB_GRH_LEN + IB_BTH_LEN];
    uint8_t lnh;
    size_t bth;

    if (len < IB_LRH_LEN) {
        return 0;
    }
    lnh = pkt[1] & 3;
    bth = bth_offset(lnh);
    if (len < bth + IB_BTH_LEN) {
        return 0;
    }

    /* Variant fields are replaced by ones: with a GRH the whole LRH plus the
     * GRH's traffic class, flow label and hop limit (routers rewrite them),
     * without one the LRH's VL; in both cases BTH byte 4 (Resv8a). */
    memcpy(masked, pkt, bth + IB_BTH_LEN);
    if (lnh == IB_LNH_IBA_GLOBAL) {
        uint8_t *grh = &masked[IB_LRH_LEN];

        memset(masked, 0xff, IB_LRH_LEN);
        grh[0] |= 0x0f;
        grh[1] = grh[2] = grh[3] = 0xff;
        grh[7] = 0xff;
    } else {
        masked[0] |= 0xf0;
    }
    masked[bth + 4] = 0xff;

    pthread_once(&crc_tables_once, crc_tables_init);
    uint32_t c = crc32_update(0xffffffff, masked, bth + IB_BTH_LEN);
    c = crc32_update(c, pkt + bth + IB_BTH_LEN, len - bth - IB_BTH_LEN);
    return ~c;
}

static void
put_le32(uint8_t *p, uint32_t x)
{
    p[0] = x;
    p[1] = x >> 8;
    p[2] = x >> 16;
    p[3] = x >> 24;
}

static uint32_t
get_le32(const uint8_t *p)
{
    return (uint32_t) p[0] | ((uint32_t) p[1] << 8) | ((uint32_t) p[2] << 16)
           | ((uint32_t) p[3] << 24);
}

void
ib_packet_set_crcs(uint8_t *pkt, size_t len)
{
    if (len < IB_LRH_LEN + IB_BTH_LEN + IB_ICRC_LEN + IB_VCRC_LEN) {
        return;
    }
    size_t icrc_ofs = len - IB_ICRC_LEN - IB_VCRC_LEN;
    put_le32(&pkt[icrc_ofs], ib_icrc(pkt, icrc_ofs));
    uint16_t vcrc = ib_vcrc(pkt, icrc_ofs + IB_ICRC_LEN);
    pkt[len - 2] = vcrc;
    pkt[len - 1] = vcrc >> 8;
}

/* ---------------------------------------------------------------------- */
/* Building. */

size_t
ib_ud_encap(uint8_t *pkt, const struct ib_ud_fields *f, size_t payload_len)
{
    size_t hdr_len = ib_ud_header_len(f->has_grh);
    size_t pad = (4 - (payload_len & 3)) & 3;
    size_t len = ib_ud_packet_len(f->has_grh, payload_len);
    uint8_t *p = pkt;

    /* LRH: VL | LVer(0), SL | Rsv | LNH, DLID, Rsv(5) | PktLen(11), SLID.
     * PktLen counts 4-byte words from the LRH through the ICRC. */
    p[0] = (f->vl & 0xf) << 4;
    p[1] = ((f->sl & 0xf) << 4)
           | (f->has_grh ? IB_LNH_IBA_GLOBAL : IB_LNH_IBA_LOCAL);
    ipoib_put_be16(&p[2], f->dlid);
    ipoib_put_be16(&p[4], ((len - IB_VCRC_LEN) / 4) & 0x7ff);
    ipoib_put_be16(&p[6], f->slid);
    p += IB_LRH_LEN;

    if (f->has_grh) {
        /* IPVer 6 | TClass | FlowLabel, PayLen (BTH through ICRC), NxtHdr,
         * HopLmt, SGID, DGID. */
        ipoib_put_be32(&p[0], (6u << 28) | ((uint32_t) f->tclass << 20)
                              | (f->flow_label & 0xfffff));
        ipoib_put_be16(&p[4], len - IB_VCRC_LEN - IB_LRH_LEN - IB_GRH_LEN);
        p[6] = IB_GRH_NXTHDR_IBA;
        p[7] = f->hop_limit;
        memcpy(&p[8], f->sgid.b, IPOIB_GID_LEN);
        memcpy(&p[24], f->dgid.b, IPOIB_GID_LEN);
        p += IB_GRH_LEN;
    }

    /* BTH: OpCode, SE | M | PadCnt | TVer, P_Key, Resv8a, DestQP,
     * AckReq | Resv7, PSN. */
    p[0] = IB_OPCODE_UD_SEND_ONLY;
    p[1] = pad << 4;
    ipoib_put_be16(&p[2], f->pkey);
    p[4] = 0;
    ipoib_put_be24(&p[5], f->dest_qp);
    p[8] = 0;
    ipoib_put_be24(&p[9], f->psn);
    p += IB_BTH_LEN;

    /* DETH: Q_Key, Reserved8, SrcQP. */
    ipoib_put_be32(&p[0], f->qkey);
    p[4] = 0;
    ipoib_put_be24(&p[5], f->src_qp);

    memset(&pkt[hdr_len + payload_len], 0, pad);
    ib_packet_set_crcs(pkt, len);
    return len;
}

size_t
ib_ud_build(uint8_t *pkt, size_t size, const struct ib_ud_fields *f,
            const void *payload, size_t payload_len)
{
    if (size < ib_ud_packet_len(f->has_grh, payload_len)) {
        return 0;
    }
    memmove(&pkt[ib_ud_header_len(f->has_grh)], payload, payload_len);
    return ib_ud_encap(pkt, f, payload_len);
}

/* ---------------------------------------------------------------------- */
/* Parsing. */

const char *
ib_parse_error_name(enum ib_parse_error error)
{
    switch (error) {
    case IB_PARSE_OK: return "ok";
    case IB_PARSE_TOO_SHORT: return "too-short";
    case IB_PARSE_BAD_LVER: return "bad-lver";
    case IB_PARSE_BAD_LNH: return "bad-lnh";
    case IB_PARSE_BAD_PKTLEN: return "bad-pktlen";
    case IB_PARSE_BAD_GRH: return "bad-grh";
    case IB_PARSE_BAD_OPCODE: return "bad-opcode";
    case IB_PARSE_BAD_TVER: return "bad-tver";
    case IB_PARSE_BAD_PAD: return "bad-pad";
    case IB_PARSE_BAD_ICRC: return "bad-icrc";
    case IB_PARSE_BAD_VCRC: return "bad-vcrc";
    case IB_PARSE_N_ERRORS: break;
    }
    return "unknown";
}

enum ib_parse_error
ib_ud_parse(const uint8_t *pkt, size_t len, bool check_crcs,
            struct ib_ud_fields *f, const uint8_t **payload,
            size_t *payload_len)
{
    const size_t crcs = IB_ICRC_LEN + IB_VCRC_LEN;

    memset(f, 0, sizeof *f);
    *payload = NULL;
    *payload_len = 0;

    if (len < IB_LRH_LEN) {
        return IB_PARSE_TOO_SHORT;
    }
    f->vl = pkt[0] >> 4;
    f->sl = pkt[1] >> 4;
    f->dlid = ipoib_get_be16(&pkt[2]);
    f->slid = ipoib_get_be16(&pkt[6]);
    if (pkt[0] & 0xf) {
        return IB_PARSE_BAD_LVER;
    }
    uint8_t lnh = pkt[1] & 3;
    if (lnh != IB_LNH_IBA_LOCAL && lnh != IB_LNH_IBA_GLOBAL) {
        return IB_PARSE_BAD_LNH;
    }
    f->has_grh = lnh == IB_LNH_IBA_GLOBAL;

    size_t hdr_len = ib_ud_header_len(f->has_grh);
    if (len < hdr_len + crcs || len % 4 != IB_VCRC_LEN) {
        return IB_PARSE_TOO_SHORT;
    }
    if ((ipoib_get_be16(&pkt[4]) & 0x7ff) * 4 != len - IB_VCRC_LEN) {
        return IB_PARSE_BAD_PKTLEN;
    }

    const uint8_t *p = &pkt[IB_LRH_LEN];
    if (f->has_grh) {
        uint32_t w0 = ipoib_get_be32(&p[0]);

        if (w0 >> 28 != 6 || p[6] != IB_GRH_NXTHDR_IBA
            || ipoib_get_be16(&p[4]) != len - IB_VCRC_LEN - IB_LRH_LEN
                                        - IB_GRH_LEN) {
            return IB_PARSE_BAD_GRH;
        }
        f->tclass = (w0 >> 20) & 0xff;
        f->flow_label = w0 & 0xfffff;
        f->hop_limit = p[7];
        memcpy(f->sgid.b, &p[8], IPOIB_GID_LEN);
        memcpy(f->dgid.b, &p[24], IPOIB_GID_LEN);
        p += IB_GRH_LEN;
    }

    if (p[0] != IB_OPCODE_UD_SEND_ONLY) {
        return IB_PARSE_BAD_OPCODE;
    }
    if (p[1] & 0xf) {
        return IB_PARSE_BAD_TVER;
    }
    size_t pad = (p[1] >> 4) & 3;
    f->pkey = ipoib_get_be16(&p[2]);
    f->dest_qp = ipoib_get_be24(&p[5]);
    f->psn = ipoib_get_be24(&p[9]);
    p += IB_BTH_LEN;

    f->qkey = ipoib_get_be32(&p[0]);
    f->src_qp = ipoib_get_be24(&p[5]);

    size_t padded_len = len - hdr_len - crcs;
    if (pad > padded_len) {
        return IB_PARSE_BAD_PAD;
    }

    if (check_crcs) {
        size_t icrc_ofs = len - crcs;
        uint16_t vcrc = pkt[len - 2] | (pkt[len - 1] << 8);

        if (ib_vcrc(pkt, len - IB_VCRC_LEN) != vcrc) {
            return IB_PARSE_BAD_VCRC;
        }
        if (ib_icrc(pkt, icrc_ofs) != get_le32(&pkt[icrc_ofs])) {
            return IB_PARSE_BAD_ICRC;
        }
    }

    *payload = &pkt[hdr_len];
    *payload_len = padded_len - pad;
    return IB_PARSE_OK;
}
