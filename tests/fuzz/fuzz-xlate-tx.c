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

/* libFuzzer target: transmit translation (Ethernet -> IPoIB) on host B,
 * and whatever comes out received by host C (IPoIB -> Ethernet), as C's
 * transport would report it.
 *
 * Input: one byte choosing the buffer's headroom (low nibble * 5) and
 * tailroom (high nibble * 5), then the Ethernet frame. */

#include <config.h>

#include <string.h>

#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t pkt[70000], frame[70000];
    struct eipoib_tx_info info;
    size_t pkt_len, frame_len;

    fuzz_setup();
    if (size < 1) {
        return 0;
    }
    size_t headroom = (data[0] & 0x0f) * 5;
    size_t tailroom = (data[0] >> 4) * 5;
    if (fuzz_tx(&fuzz_b, data + 1, size - 1, headroom, tailroom, &info,
                pkt, sizeof pkt, &pkt_len) != EIPOIB_OK) {
        return 0;
    }

    struct eipoib_rx_meta meta;
    struct eipoib_rx_info rinfo;
    memset(&meta, 0, sizeof meta);
    meta.pkey = info.partition.pkey;
    meta.src_qpn = info.vif.qpn;
    meta.slid = fuzz_b.xlate.lid;
    if (info.multicast) {
        meta.dst_qpn = 0x40;
        meta.has_grh = true;
        meta.sgid = fuzz_b.xlate.gid;
        ipoib_addr_get_gid(&info.dst, &meta.dgid);
    } else {
        meta.dst_qpn = ipoib_addr_qpn(&info.dst);
    }
    fuzz_rx(&fuzz_c, pkt, pkt_len, EIPOIB_RX_HEADROOM, 64, &meta, &rinfo,
            frame, sizeof frame, &frame_len);
    return 0;
}
