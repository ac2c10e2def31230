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

/* libFuzzer target: receive translation (IPoIB -> Ethernet) on host B, and
 * a received frame sent back out (Ethernet -> IPoIB) as if its VM echoed
 * it.
 *
 * Input: 8 bytes of metadata, then the IPoIB packet (IPoIB header first):
 *
 *   byte 0  bit 0: GRH present; bits 1-2: DGID (0 the broadcast group,
 *           1 239.1.2.3's MGID, 2 a solicited-node MGID, 3 the 16 bytes
 *           after the metadata); bit 3: SGID is ours (else A's);
 *           bits 4-7: headroom / 2
 *   byte 1  P_Key: 0xffff, 0x8001, 0x7fff, 0x0001, 0x1234, else bytes 2-3
 *   byte 2  source QPN: 0x48 (A), 0x49 (our vm1), 0x40 (our base QPN),
 *           else bytes 3-5
 *   byte 6  SLID: 3 (A), 5 (us), 0 (unknown), else 0xc000 + byte
 *   byte 7  bits 0-1: receiving QPN 0x49, 0x4a, 0x40, 0x51; bits 2-7:
 *           tailroom */

#include <config.h>

#include <string.h>

#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
gid(const char *text, struct ipoib_gid *g)
{
    ipoib_gid_parse(text, g);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint16_t pkeys[] = { 0xffff, 0x8001, 0x7fff, 0x0001, 0x1234 };
    static const uint32_t dst_qpns[] = { 0x49, 0x4a, 0x40, 0x51 };
    static uint8_t frame[70000], pkt[70000];
    struct eipoib_rx_meta meta;
    struct eipoib_rx_info info;
    size_t frame_len, pkt_len;

    fuzz_setup();
    if (size < 8) {
        return 0;
    }

    memset(&meta, 0, sizeof meta);
    uint8_t sel = data[1] % 8;
    meta.pkey = sel < 5 ? pkeys[sel] : ipoib_get_be16(data + 2);
    sel = data[2] % 4;
    meta.src_qpn = (sel == 0 ? 0x48 : sel == 1 ? 0x49 : sel == 2 ? 0x40
                    : ipoib_get_be24(data + 3));
    sel = data[6] % 4;
    meta.slid = sel == 0 ? 3 : sel == 1 ? 5 : sel == 2 ? 0 : 0xc000 + data[6];
    meta.dst_qpn = dst_qpns[data[7] & 3];
    size_t headroom = (data[0] >> 4) * 2;
    size_t tailroom = data[7] >> 2;

    const uint8_t *p = data + 8;
    size_t n = size - 8;
    meta.has_grh = data[0] & 1;
    if (meta.has_grh) {
        gid(data[0] & 8 ? "fe80::2:c903:1:6789" : "fe80::2:c903:1:2345",
            &meta.sgid);
        switch ((data[0] >> 1) & 3) {
        case 0:
            ipoib_broadcast_mgid(meta.pkey, IPOIB_SCOPE_LINK, &meta.dgid);
            break;
        case 1:
            gid("ff12:401b:ffff::f01:203", &meta.dgid);
            break;
        case 2:
            gid("ff12:601b:ffff:0:0:1:ff01:6789", &meta.dgid);
            break;
        default:
            if (n < 16) {
                return 0;
            }
            memcpy(meta.dgid.b, p, 16);
            p += 16;
            n -= 16;
            break;
        }
    }

    if (fuzz_rx(&fuzz_b, p, n, headroom, tailroom, &meta, &info, frame,
                sizeof frame, &frame_len) != EIPOIB_OK) {
        return 0;
    }

    /* The VM sends the frame back: source and destination swapped. */
    struct eipoib_tx_info tinfo;
    uint8_t mac[6];
    memcpy(mac, frame, 6);
    memcpy(frame, frame + 6, 6);
    memcpy(frame + 6, mac, 6);
    fuzz_tx(&fuzz_b, frame, frame_len, EIPOIB_TX_HEADROOM, 0, &tinfo, pkt,
            sizeof pkt, &pkt_len);
    return 0;
}
