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

#ifndef __KERNEL__
#include <config.h>
#endif

#include "eipoib-announce.h"

#include "eipoib-csum.h"
#include "ipoib.h"

#define ETH_HDR_LEN      14
#define VLAN_HDR_LEN     4
#define ETH_MIN_LEN      60     /* Without the tag. */
#define ETYPE_VLAN       0x8100
#define ETYPE_IPV4       0x0800
#define ETYPE_ARP        0x0806
#define ETYPE_RARP       0x8035
#define ETYPE_IPV6       0x86dd
#define ARP_LEN          28
#define IPV6_HDR_LEN     40
#define IPPROTO_ICMPV6_  58
#define ND_RS            133
#define ND_NS            135
#define ND_NA            136
#define ND_NA_OVERRIDE   0x20   /* In the first flags byte. */
#define ND_OPT_TLL       2
#define NA_LEN           32     /* Header, target, one 8-byte option. */

static bool
ipv4_is_claimable(const uint8_t *a)
{
    /* Not 0.0.0.0/8, loopback, multicast, class E or broadcast. */
    return a[0] != 0 && a[0] != 127 && a[0] < 224;
}

static bool
ipv6_is_claimable(const uint8_t *a)
{
    static const uint8_t loopback[16] = { [15] = 1 };
    static const uint8_t unspecified[16];

    return a[0] != 0xff && memcmp(a, unspecified, 16)
           && memcmp(a, loopback, 16);
}

static void
add_addr(struct eipoib_vm_addr out[2], size_t *n, bool is_ipv6,
         const uint8_t *a)
{
    size_t len = is_ipv6 ? 16 : 4;

    for (size_t i = 0; i < *n; i++) {
        if (out[i].is_ipv6 == is_ipv6 && !memcmp(out[i].addr, a, len)) {
            return;
        }
    }
    size_t i = *n;
    if (i < 2) {
        memset(&out[i], 0, sizeof out[i]);
        out[i].is_ipv6 = is_ipv6;
        memcpy(out[i].addr, a, len);
        *n = i + 1;
    }
}

size_t
eipoib_announce_snoop(const uint8_t *frame, size_t len,
                      struct eipoib_vm_addr out[2])
{
    size_t n = 0;
    size_t ofs = ETH_HDR_LEN;

    if (len < ETH_HDR_LEN) {
        return 0;
    }
    uint16_t type = ipoib_get_be16(frame + 12);
    if (type == ETYPE_VLAN) {
        if (len < ETH_HDR_LEN + VLAN_HDR_LEN) {
            return 0;
        }
        type = ipoib_get_be16(frame + 16);
        ofs += VLAN_HDR_LEN;
    }

    const uint8_t *p = frame + ofs;
    size_t plen = len - ofs;
    if (type == ETYPE_ARP || type == ETYPE_RARP) {
        if (plen >= ARP_LEN && ipoib_get_be16(p) == 1
            && ipoib_get_be16(p + 2) == ETYPE_IPV4 && p[4] == 6 && p[5] == 4
            && !memcmp(p + 8, frame + 6, 6) && ipv4_is_claimable(p + 14)) {
            add_addr(out, &n, false, p + 14);
        }
    } else if (type == ETYPE_IPV6) {
        if (plen < IPV6_HDR_LEN + 8 || p[0] >> 4 != 6
            || p[6] != IPPROTO_ICMPV6_) {
            return 0;
        }
        const uint8_t *icmp = p + IPV6_HDR_LEN;
        size_t icmp_len = plen - IPV6_HDR_LEN;
        uint8_t icmp_type = icmp[0];
        if (icmp_type != ND_RS && icmp_type != ND_NS && icmp_type != ND_NA) {
            return 0;
        }
        if (ipv6_is_claimable(p + 8)) {
            add_addr(out, &n, true, p + 8);
        }
        if (icmp_type == ND_NA && icmp_len >= 24
            && ipv6_is_claimable(icmp + 8)) {
            add_addr(out, &n, true, icmp + 8);
        }
    }
    return n;
}

/* Writes the Ethernet header (and tag) at 'buf'; returns its length. */
static size_t
put_eth(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6],
        uint16_t vlan, uint16_t type)
{
    size_t ofs = 12;

    memcpy(buf, dst, 6);
    memcpy(buf + 6, src, 6);
    if (vlan) {
        ipoib_put_be16(buf + ofs, ETYPE_VLAN);
        ipoib_put_be16(buf + ofs + 2, vlan & 0x0fff);
        ofs += VLAN_HDR_LEN;
    }
    ipoib_put_be16(buf + ofs, type);
    return ofs + 2;
}

size_t
eipoib_announce_garp(const uint8_t mac[6], uint16_t vlan,
                     const uint8_t ip4[4], uint8_t *buf, size_t size)
{
    static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    size_t total = ETH_MIN_LEN + (vlan ? VLAN_HDR_LEN : 0);

    if (size < total) {
        return 0;
    }
    memset(buf, 0, total);
    uint8_t *p = buf + put_eth(buf, broadcast, mac, vlan, ETYPE_ARP);
    ipoib_put_be16(p, 1);               /* Ethernet */
    ipoib_put_be16(p + 2, ETYPE_IPV4);
    p[4] = 6;
    p[5] = 4;
    ipoib_put_be16(p + 6, 1);           /* Request */
    memcpy(p + 8, mac, 6);
    memcpy(p + 14, ip4, 4);
    /* Target MAC zero, as Linux sends it. */
    memcpy(p + 24, ip4, 4);
    return total;
}

size_t
eipoib_announce_una(const uint8_t mac[6], uint16_t vlan,
                    const uint8_t ip6[16], uint8_t *buf, size_t size)
{
    static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
    static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
    size_t total = (ETH_HDR_LEN + (vlan ? VLAN_HDR_LEN : 0)
                    + IPV6_HDR_LEN + NA_LEN);

    if (size < total) {
        return 0;
    }
    memset(buf, 0, total);
    uint8_t *ip = buf + put_eth(buf, all_nodes_mac, mac, vlan, ETYPE_IPV6);
    ip[0] = 0x60;
    ipoib_put_be16(ip + 4, NA_LEN);
    ip[6] = IPPROTO_ICMPV6_;
    ip[7] = 255;
    memcpy(ip + 8, ip6, 16);
    memcpy(ip + 24, all_nodes, 16);

    uint8_t *na = ip + IPV6_HDR_LEN;
    na[0] = ND_NA;
    na[4] = ND_NA_OVERRIDE;
    memcpy(na + 8, ip6, 16);
    na[24] = ND_OPT_TLL;
    na[25] = 1;                         /* In units of 8 bytes. */
    memcpy(na + 26, mac, 6);

    uint32_t sum = eipoib_csum_ipv6_pseudo(ip, NA_LEN, IPPROTO_ICMPV6_);
    ipoib_put_be16(na + 2, eipoib_csum_finish(eipoib_csum_add(sum, na,
                                                               NA_LEN)));
    return total;
}

size_t
eipoib_announce_frame(const uint8_t mac[6], uint16_t vlan,
                      const struct eipoib_vm_addr *a, uint8_t *buf,
                      size_t size)
{
    return (a->is_ipv6
            ? eipoib_announce_una(mac, vlan, a->addr, buf, size)
            : eipoib_announce_garp(mac, vlan, a->addr, buf, size));
}
