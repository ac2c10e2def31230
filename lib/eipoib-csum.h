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
 *
 * Alternatively, this file may be distributed under the terms of the GNU
 * General Public License version 2: the Linux kernel module in
 * datapath/linux/ compiles it (SPDX: Apache-2.0 OR GPL-2.0-only).
 */

#ifndef EIPOIB_CSUM_H
#define EIPOIB_CSUM_H 1

/* The Internet checksum (RFC 1071) over plain byte buffers, for the
 * I/O-free translation and snooping code, which OVS's csum.h (dp_packet
 * and ovs_be16 types) and the kernel's csum helpers cannot both serve. */

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#include <stddef.h>
#endif

#include "ipoib.h"

/* One's complement sum of 'n' bytes as big-endian 16-bit words, the last
 * odd byte padded with zero, added to 'sum'. */
static inline uint32_t
eipoib_csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    uint64_t s = sum;

    for (; n >= 2; p += 2, n -= 2) {
        s += (p[0] << 8) | p[1];
    }
    if (n) {
        s += p[0] << 8;
    }
    while (s >> 16) {
        s = (s & 0xffff) + (s >> 16);
    }
    return s;
}

/* The checksum field's value for 'sum'. */
static inline uint16_t
eipoib_csum_finish(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return ~sum & 0xffff;
}

/* Sum of the IPv6 pseudo-header ('ip6' is the IPv6 header) for an
 * upper-layer packet of 'len' bytes with next header 'proto'. */
static inline uint32_t
eipoib_csum_ipv6_pseudo(const uint8_t *ip6, uint32_t len, uint8_t proto)
{
    uint8_t tail[8];

    ipoib_put_be32(tail, len);
    tail[4] = tail[5] = tail[6] = 0;
    tail[7] = proto;
    return eipoib_csum_add(eipoib_csum_add(0, ip6 + 8, 32), tail,
                           sizeof tail);
}

#endif /* eipoib-csum.h */
