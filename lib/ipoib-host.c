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
#include "ipoib-host.h"

#include <limits.h>
#include <string.h>

#include "csum.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/util.h"
#include "packets.h"
#include "util.h"

/* IPv4 and IPv6 header fields used here, as byte offsets. */
#define IP4_HDR_MIN     20
#define IP4_TOT_LEN     2
#define IP4_PROTO       9
#define IP4_SRC         12
#define IP4_DST         16

#define IP6_HDR_LEN     40
#define IP6_PLEN        4
#define IP6_NXT         6
#define IP6_HLIM        7
#define IP6_SRC         8
#define IP6_DST         24

/* ICMPv6 neighbour discovery (RFC 4861). */
#define ICMP6_PROTO     58
#define ND_RS           133
#define ND_RA           134
#define ND_NS           135
#define ND_NA           136
#define ND_REDIRECT     137
#define ND_NA_FLAG_ROUTER    0x80
#define ND_NA_FLAG_SOLICITED 0x40
#define ND_NA_FLAG_OVERRIDE  0x20
#define ND_NS_LEN       24      /* Type, code, checksum, reserved, target. */

/* Announcements (gratuitous ARP, unsolicited NA) after link up: Linux sends
 * one per address; a few more ride out a fabric that is still settling. */
#define ANNOUNCE_COUNT  3
#define ANNOUNCE_MS     1000

struct ipoib_host {
    bool up;
    struct ipoib_addr own;
    uint16_t lid;
    uint16_t pkey;
    uint32_t mtu;
    uint8_t scope;
    struct ipoib_addr bcast;

    struct ipoib_host_ifaddr *addrs;
    size_t n_addrs;
    struct in6_addr gw4, gw6;   /* Unspecified: none. */

    struct ipoib_neigh_table neighs;

    int announce_left;
    long long int next_announce;

    uint64_t counters[IPOIB_HOST_N_COUNTERS];
};

static const char *const counter_names[IPOIB_HOST_N_COUNTERS] = {
#define IPOIB_HOST_COUNTER(ENUM, NAME) NAME,
    IPOIB_HOST_COUNTERS
#undef IPOIB_HOST_COUNTER
};

const char *
ipoib_host_counter_name(enum ipoib_host_counter c)
{
    return c < IPOIB_HOST_N_COUNTERS ? counter_names[c] : "unknown";
}

/* ------------------------------------------------------------------ */
/* Outbox. */

void
ipoib_host_outbox_init(struct ipoib_host_outbox *out)
{
    out->pkts = NULL;
    out->n = out->allocated = 0;
}

void
ipoib_host_outbox_clear(struct ipoib_host_outbox *out)
{
    for (size_t i = 0; i < out->n; i++) {
        ofpbuf_delete(out->pkts[i].buf);
    }
    out->n = 0;
}

void
ipoib_host_outbox_destroy(struct ipoib_host_outbox *out)
{
    ipoib_host_outbox_clear(out);
    free(out->pkts);
    out->pkts = NULL;
    out->allocated = 0;
}

static void
outbox_push(struct ipoib_host_outbox *out, enum ipoib_host_dest dest,
            const struct ipoib_addr *dst, struct ofpbuf *buf)
{
    if (out->n >= out->allocated) {
        out->pkts = x2nrealloc(out->pkts, &out->allocated, sizeof *out->pkts);
    }
    struct ipoib_host_pkt *pkt = &out->pkts[out->n++];
    pkt->dest = dest;
    if (dst) {
        pkt->dst = *dst;
    } else {
        memset(&pkt->dst, 0, sizeof pkt->dst);
    }
    pkt->buf = buf;
}

/* A new buffer holding the IPoIB header for 'type' and room for 'len'
 * more bytes. */
static struct ofpbuf *
ib_buf_new(uint16_t type, size_t len)
{
    struct ofpbuf *buf = ofpbuf_new(IPOIB_HDR_LEN + len);

    ipoib_hdr_put(ofpbuf_put_uninit(buf, IPOIB_HDR_LEN), type);
    return buf;
}

static void
send_ib(struct ipoib_host *h, struct ipoib_host_outbox *out,
        const struct ipoib_addr *dst, struct ofpbuf *buf)
{
    h->counters[IPOIB_HOST_IB_TX]++;
    outbox_push(out, IPOIB_HOST_TO_IB, dst, buf);
}

static void
send_stack(struct ipoib_host *h, struct ipoib_host_outbox *out,
           const void *ip, size_t len)
{
    h->counters[IPOIB_HOST_STACK_TX]++;
    outbox_push(out, IPOIB_HOST_TO_STACK, NULL, ofpbuf_clone_data(ip, len));
}

/* Sends the packets in 'released' (IPoIB payloads freed from a neighbour
 * queue) to 'dst'. */
static void
send_released(struct ipoib_host *h, struct ipoib_host_outbox *out,
              struct ovs_list *released, const struct ipoib_addr *dst)
{
    struct ofpbuf *buf;

    LIST_FOR_EACH_POP (buf, list_node, released) {
        send_ib(h, out, dst, buf);
    }
}

/* ------------------------------------------------------------------ */
/* Addresses. */

static bool
is_ipv4(const struct in6_addr *a)
{
    return IN6_IS_ADDR_V4MAPPED(a);
}

static void
ip4_to_mapped(const uint8_t ip4[4], struct in6_addr *a)
{
    memset(a, 0, sizeof *a);
    a->s6_addr[10] = a->s6_addr[11] = 0xff;
    memcpy(&a->s6_addr[12], ip4, 4);
}

static void
ip6_from_bytes(const uint8_t ip6[16], struct in6_addr *a)
{
    memcpy(a->s6_addr, ip6, 16);
}

/* True if 'a' and 'b' agree on their first 'plen' bits. */
static bool
prefix_match(const uint8_t *a, const uint8_t *b, unsigned int plen)
{
    unsigned int bytes = plen / 8, bits = plen % 8;

    if (memcmp(a, b, bytes)) {
        return false;
    }
    if (bits) {
        uint8_t mask = 0xff << (8 - bits);
        return !((a[bytes] ^ b[bytes]) & mask);
    }
    return true;
}

/* Prefix length of 'ifa' counted over all 128 bits of its mapped form. */
static unsigned int
ifaddr_plen128(const struct ipoib_host_ifaddr *ifa)
{
    return is_ipv4(&ifa->addr) ? 96 + MIN(ifa->plen, 32) : MIN(ifa->plen, 128);
}

static bool
is_own_addr(const struct ipoib_host *h, const struct in6_addr *ip)
{
    for (size_t i = 0; i < h->n_addrs; i++) {
        if (ipv6_addr_equals(&h->addrs[i].addr, ip)) {
            return true;
        }
    }
    return false;
}

/* True if 'ip' is on the link: inside a prefix of the host (or IPv6 link
 * local). */
static bool
is_on_link(const struct ipoib_host *h, const struct in6_addr *ip)
{
    if (!is_ipv4(ip) && ip->s6_addr[0] == 0xfe
        && (ip->s6_addr[1] & 0xc0) == 0x80) {
        return true;
    }
    for (size_t i = 0; i < h->n_addrs; i++) {
        const struct ipoib_host_ifaddr *ifa = &h->addrs[i];
        if (is_ipv4(&ifa->addr) == is_ipv4(ip)
            && prefix_match(ifa->addr.s6_addr, ip->s6_addr,
                            ifaddr_plen128(ifa))) {
            return true;
        }
    }
    return false;
}

/* True if IPv4 'ip' is the directed broadcast of one of the host's
 * subnets. */
static bool
is_subnet_broadcast(const struct ipoib_host *h, const struct in6_addr *ip)
{
    for (size_t i = 0; i < h->n_addrs; i++) {
        const struct ipoib_host_ifaddr *ifa = &h->addrs[i];
        if (is_ipv4(&ifa->addr) && ifa->plen < 31
            && prefix_match(ifa->addr.s6_addr, ip->s6_addr,
                            ifaddr_plen128(ifa))) {
            uint32_t host_mask = UINT32_MAX >> ifa->plen;
            uint32_t ip4 = ipoib_get_be32(&ip->s6_addr[12]);
            if ((ip4 & host_mask) == host_mask) {
                return true;
            }
        }
    }
    return false;
}

/* Picks the host address to send from toward 'dst' (same family): one whose
 * prefix holds 'dst', else an IPv6 link-local one for a link-local 'dst',
 * else the first of the family.  Returns false if there is none. */
static bool
select_source(const struct ipoib_host *h, const struct in6_addr *dst,
              struct in6_addr *src)
{
    const struct ipoib_host_ifaddr *best = NULL;
    bool dst_ll = !is_ipv4(dst) && dst->s6_addr[0] == 0xfe
                  && (dst->s6_addr[1] & 0xc0) == 0x80;

    for (size_t i = 0; i < h->n_addrs; i++) {
        const struct ipoib_host_ifaddr *ifa = &h->addrs[i];
        bool ifa_ll = !is_ipv4(&ifa->addr) && ifa->addr.s6_addr[0] == 0xfe
                      && (ifa->addr.s6_addr[1] & 0xc0) == 0x80;

        if (is_ipv4(&ifa->addr) != is_ipv4(dst)) {
            continue;
        }
        if (prefix_match(ifa->addr.s6_addr, dst->s6_addr,
                         ifaddr_plen128(ifa)) || (dst_ll && ifa_ll)) {
            *src = ifa->addr;
            return true;
        }
        if (!best) {
            best = ifa;
        }
    }
    if (best) {
        *src = best->addr;
        return true;
    }
    return false;
}

void
ipoib_host_group_addr(const struct ipoib_host *h,
                      const struct in6_addr *group, struct ipoib_addr *addr)
{
    struct ipoib_gid mgid;

    if (is_ipv4(group)) {
        ipoib_mgid_from_ipv4(&group->s6_addr[12], h->pkey, h->scope, &mgid);
    } else {
        ipoib_mgid_from_ipv6(group->s6_addr, h->pkey, h->scope, &mgid);
    }
    ipoib_mcast_addr(&mgid, addr);
}

/* ------------------------------------------------------------------ */
/* Life cycle. */

struct ipoib_host *
ipoib_host_create(const struct ipoib_neigh_params *params)
{
    struct ipoib_host *h = xzalloc(sizeof *h);

    ipoib_neigh_table_init(&h->neighs, params);
    h->pkey = IPOIB_PKEY_DEFAULT;
    h->scope = IPOIB_SCOPE_LINK;
    h->mtu = IPOIB_UD_MTU(2048);
    ipoib_broadcast_addr(h->pkey, h->scope, &h->bcast);
    h->next_announce = LLONG_MAX;
    return h;
}

void
ipoib_host_destroy(struct ipoib_host *h)
{
    if (h) {
        ipoib_neigh_table_destroy(&h->neighs);
        free(h->addrs);
        free(h);
    }
}

void
ipoib_host_link_up(struct ipoib_host *h, const struct ipoib_addr *own,
                   uint16_t lid, uint16_t pkey, uint32_t ipoib_mtu,
                   uint8_t scope, long long int now)
{
    if (h->up && !ipoib_addr_same_peer(&h->own, own)) {
        /* Replies to the old address are lost; what we learned through it
         * may be stale too (peers restarted with it).  Start afresh. */
        ipoib_neigh_flush(&h->neighs, true);
    }
    h->up = true;
    h->own = *own;
    h->lid = lid;
    h->pkey = ipoib_pkey_full(pkey);
    h->mtu = ipoib_mtu;
    h->scope = scope & 0x0f;
    ipoib_broadcast_addr(h->pkey, h->scope, &h->bcast);
    h->announce_left = ANNOUNCE_COUNT;
    h->next_announce = now;
}

void
ipoib_host_link_down(struct ipoib_host *h)
{
    h->up = false;
    h->announce_left = 0;
    h->next_announce = LLONG_MAX;
}

bool
ipoib_host_is_up(const struct ipoib_host *h)
{
    return h->up;
}

void
ipoib_host_set_addrs(struct ipoib_host *h,
                     const struct ipoib_host_ifaddr *addrs, size_t n,
                     long long int now)
{
    bool added = false;

    for (size_t i = 0; i < n; i++) {
        if (!is_own_addr(h, &addrs[i].addr)) {
            added = true;
        }
    }
    free(h->addrs);
    h->addrs = n ? xmemdup(addrs, n * sizeof *addrs) : NULL;
    h->n_addrs = n;

    if (added && h->up) {
        h->announce_left = ANNOUNCE_COUNT;
        h->next_announce = now;
    }
}

void
ipoib_host_get_addrs(const struct ipoib_host *h,
                     const struct ipoib_host_ifaddr **addrs, size_t *n)
{
    *addrs = h->addrs;
    *n = h->n_addrs;
}

void
ipoib_host_set_gateway(struct ipoib_host *h, const struct in6_addr *gw)
{
    if (!gw || !ipv6_addr_is_set(gw)) {
        return;
    }
    if (is_ipv4(gw)) {
        h->gw4 = *gw;
    } else {
        h->gw6 = *gw;
    }
}

/* ------------------------------------------------------------------ */
/* ARP. */

static void
send_arp(struct ipoib_host *h, struct ipoib_host_outbox *out,
         uint16_t oper, const struct in6_addr *spa,
         const struct ipoib_addr *tha, const struct in6_addr *tpa,
         const struct ipoib_addr *dst)
{
    struct ofpbuf *buf = ib_buf_new(IPOIB_TYPE_ARP, IPOIB_ARP_LEN);

    ipoib_arp_put(ofpbuf_put_uninit(buf, IPOIB_ARP_LEN), oper, &h->own,
                  &spa->s6_addr[12], tha, &tpa->s6_addr[12]);
    h->counters[oper == IPOIB_ARP_OP_REQUEST ? IPOIB_HOST_ARP_REQUEST_TX
                                             : IPOIB_HOST_ARP_REPLY_TX]++;
    send_ib(h, out, dst, buf);
}

static void
arp_input(struct ipoib_host *h, const uint8_t *p, size_t len,
          long long int now, struct ipoib_host_outbox *out)
{
    if (!ipoib_arp_is_valid(p, len)) {
        h->counters[IPOIB_HOST_DROP_ARP_MALFORMED]++;
        return;
    }

    const struct ipoib_arp *arp = (const struct ipoib_arp *) p;
    uint16_t oper = ipoib_get_be16(arp->oper);
    struct in6_addr spa, tpa;
    struct ovs_list released = OVS_LIST_INITIALIZER(&released);

    ip4_to_mapped(arp->spa, &spa);
    ip4_to_mapped(arp->tpa, &tpa);
    bool spa_set = ipoib_get_be32(arp->spa) != 0;
    bool for_us = is_own_addr(h, &tpa);

    if (oper == IPOIB_ARP_OP_REQUEST) {
        h->counters[IPOIB_HOST_ARP_REQUEST_RX]++;
        if (!for_us) {
            /* A gratuitous ARP or someone else's request: refresh what we
             * already know, learn nothing new (Linux arp_accept=0). */
            if (spa_set) {
                ipoib_neigh_update(&h->neighs, &spa, &arp->sha,
                                   IPOIB_NEIGH_OVERRIDE, now, &released);
            }
            h->counters[IPOIB_HOST_DROP_ARP_IGNORED]++;
        } else {
            if (spa_set) {
                ipoib_neigh_update(&h->neighs, &spa, &arp->sha,
                                   IPOIB_NEIGH_CREATE | IPOIB_NEIGH_OVERRIDE,
                                   now, &released);
            }
            /* Replies, like Linux ipoib's unicast ARP, go straight to the
             * requester's QPN and GID. */
            send_arp(h, out, IPOIB_ARP_OP_REPLY, &tpa, &arp->sha, &spa,
                     &arp->sha);
        }
    } else if (oper == IPOIB_ARP_OP_REPLY) {
        h->counters[IPOIB_HOST_ARP_REPLY_RX]++;
        if (!spa_set
            || !ipoib_neigh_update(&h->neighs, &spa, &arp->sha,
                                   IPOIB_NEIGH_CONFIRM | IPOIB_NEIGH_OVERRIDE,
                                   now, &released)) {
            if (!for_us) {
                h->counters[IPOIB_HOST_DROP_ARP_IGNORED]++;
            }
        }
    } else {
        h->counters[IPOIB_HOST_DROP_ARP_MALFORMED]++;
    }
    send_released(h, out, &released, &arp->sha);
}

/* ------------------------------------------------------------------ */
/* ICMPv6 and neighbour discovery. */

/* Returns the ICMPv6 checksum of 'icmp' (with its checksum field taken as
 * is) for the IPv6 header 'ip6'. */
static uint16_t
icmp6_csum(const uint8_t *ip6, const uint8_t *icmp, size_t len)
{
    uint32_t partial = 0;

    partial = csum_continue(partial, &ip6[IP6_SRC], 32);
    partial = csum_add32(partial, htonl(len));
    partial = csum_add32(partial, htonl(ICMP6_PROTO));
    partial = csum_continue(partial, icmp, len);
    return ntohs(csum_finish(partial));
}

/* Writes an IPv6 header for an ICMPv6 message of 'plen' bytes. */
static void
put_ip6_hdr(uint8_t *ip6, const struct in6_addr *src,
            const struct in6_addr *dst, size_t plen, uint8_t hlim)
{
    memset(ip6, 0, IP6_HDR_LEN);
    ip6[0] = 0x60;
    ipoib_put_be16(&ip6[IP6_PLEN], plen);
    ip6[IP6_NXT] = ICMP6_PROTO;
    ip6[IP6_HLIM] = hlim;
    memcpy(&ip6[IP6_SRC], src->s6_addr, 16);
    memcpy(&ip6[IP6_DST], dst->s6_addr, 16);
}

/* Sends an NS or NA about 'target' with our link-layer address option. */
static void
send_nd(struct ipoib_host *h, struct ipoib_host_outbox *out, uint8_t type,
        uint8_t na_flags, const struct in6_addr *src,
        const struct in6_addr *dst, const struct in6_addr *target,
        const struct ipoib_addr *ll_dst)
{
    size_t icmp_len = ND_NS_LEN + IPOIB_ND_OPT_LEN;
    struct ofpbuf *buf = ib_buf_new(IPOIB_TYPE_IPV6, IP6_HDR_LEN + icmp_len);
    uint8_t *ip6 = ofpbuf_put_zeros(buf, IP6_HDR_LEN + icmp_len);
    uint8_t *icmp = ip6 + IP6_HDR_LEN;

    put_ip6_hdr(ip6, src, dst, icmp_len, 255);
    icmp[0] = type;
    if (type == ND_NA) {
        icmp[4] = na_flags;
    }
    memcpy(&icmp[8], target->s6_addr, 16);
    ipoib_nd_lla_put(&icmp[ND_NS_LEN],
                     type == ND_NS ? IPOIB_ND_OPT_SLLA : IPOIB_ND_OPT_TLLA,
                     &h->own);
    ipoib_put_be16(&icmp[2], icmp6_csum(ip6, icmp, icmp_len));

    h->counters[type == ND_NS ? IPOIB_HOST_NS_TX : IPOIB_HOST_NA_TX]++;
    send_ib(h, out, ll_dst, buf);
}

static void
solicited_node(const struct in6_addr *ip, struct in6_addr *sn)
{
    static const uint8_t prefix[13] = {
        0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff
    };

    memcpy(sn->s6_addr, prefix, sizeof prefix);
    memcpy(&sn->s6_addr[13], &ip->s6_addr[13], 3);
}

/* The link-layer address options of an ND message, checked. */
struct nd_opts {
    const struct ipoib_addr *slla;
    const struct ipoib_addr *tlla;
};

/* Walks the options in 'p' (len bytes).  Returns false if they are
 * malformed: a zero length, an overrun, or an IPoIB link-layer address
 * option that is not 24 bytes long (Linux rejects those too). */
static bool
parse_nd_opts(const uint8_t *p, size_t len, struct nd_opts *opts)
{
    opts->slla = opts->tlla = NULL;
    while (len > 0) {
        if (len < 2 || !p[1] || p[1] * 8 > len) {
            return false;
        }
        size_t opt_len = p[1] * 8;
        if (p[0] == IPOIB_ND_OPT_SLLA || p[0] == IPOIB_ND_OPT_TLLA) {
            if (opt_len != IPOIB_ND_OPT_LEN) {
                return false;
            }
            const struct ipoib_addr *a = (const struct ipoib_addr *)
                                         &p[2 + IPOIB_ND_OPT_PAD];
            if (p[0] == IPOIB_ND_OPT_SLLA) {
                opts->slla = a;
            } else {
                opts->tlla = a;
            }
        }
        p += opt_len;
        len -= opt_len;
    }
    return true;
}

/* Offset of the options in ND message 'type', 0 if not an ND message. */
static size_t
nd_opts_offset(uint8_t type)
{
    switch (type) {
    case ND_RS:
        return 8;
    case ND_RA:
        return 16;
    case ND_NS:
    case ND_NA:
        return ND_NS_LEN;
    case ND_REDIRECT:
        return 40;
    default:
        return 0;
    }
}

/* Passes ND message 'ip6' up without its link-layer address options. */
static void
nd_deliver_stripped(struct ipoib_host *h, const uint8_t *ip6, size_t opts_ofs,
                    size_t icmp_len, struct ipoib_host_outbox *out)
{
    const uint8_t *icmp = ip6 + IP6_HDR_LEN;
    struct ofpbuf *buf = ofpbuf_new(IP6_HDR_LEN + icmp_len);

    ofpbuf_put(buf, ip6, IP6_HDR_LEN + opts_ofs);
    for (size_t ofs = opts_ofs; ofs < icmp_len; ofs += icmp[ofs + 1] * 8) {
        if (icmp[ofs] != IPOIB_ND_OPT_SLLA && icmp[ofs] != IPOIB_ND_OPT_TLLA) {
            ofpbuf_put(buf, &icmp[ofs], icmp[ofs + 1] * 8);
        }
    }

    uint8_t *new_ip6 = buf->data;
    uint8_t *new_icmp = new_ip6 + IP6_HDR_LEN;
    size_t new_len = buf->size - IP6_HDR_LEN;
    ipoib_put_be16(&new_ip6[IP6_PLEN], new_len);
    new_icmp[2] = new_icmp[3] = 0;
    ipoib_put_be16(&new_icmp[2], icmp6_csum(new_ip6, new_icmp, new_len));

    h->counters[IPOIB_HOST_STACK_TX]++;
    outbox_push(out, IPOIB_HOST_TO_STACK, NULL, buf);
}

/* Handles an ND message from the fabric.  'ip6' holds exactly the IPv6
 * packet (header and ICMPv6 message, no extension headers). */
static void
nd_input(struct ipoib_host *h, const uint8_t *ip6, size_t icmp_len,
         long long int now, struct ipoib_host_outbox *out)
{
    const uint8_t *icmp = ip6 + IP6_HDR_LEN;
    uint8_t type = icmp[0];
    size_t opts_ofs = nd_opts_offset(type);
    struct in6_addr src, dst, target;
    struct nd_opts opts;
    struct ovs_list released = OVS_LIST_INITIALIZER(&released);

    ip6_from_bytes(&ip6[IP6_SRC], &src);
    ip6_from_bytes(&ip6[IP6_DST], &dst);
    if (ip6[IP6_HLIM] != 255 || icmp[1] != 0 || icmp_len < opts_ofs
        || icmp6_csum(ip6, icmp, icmp_len) != 0
        || !parse_nd_opts(icmp + opts_ofs, icmp_len - opts_ofs, &opts)) {
        h->counters[IPOIB_HOST_DROP_ND_MALFORMED]++;
        return;
    }

    switch (type) {
    case ND_NS: {
        h->counters[IPOIB_HOST_NS_RX]++;
        ip6_from_bytes(&icmp[8], &target);
        bool dad = !ipv6_addr_is_set(&src);
        if (target.s6_addr[0] == 0xff || (dad && opts.slla)) {
            h->counters[IPOIB_HOST_DROP_ND_MALFORMED]++;
            return;
        }
        if (!is_own_addr(h, &target)) {
            if (!dad && opts.slla) {
                ipoib_neigh_update(&h->neighs, &src, opts.slla,
                                   IPOIB_NEIGH_OVERRIDE, now, &released);
                send_released(h, out, &released, opts.slla);
            }
            h->counters[IPOIB_HOST_DROP_ND_IGNORED]++;
            return;
        }

        struct ipoib_addr reply_to;
        if (dad) {
            /* Defend our address (RFC 4861 7.2.4): to all nodes. */
            struct in6_addr all_nodes = in6addr_all_hosts;
            ipoib_host_group_addr(h, &all_nodes, &reply_to);
            send_nd(h, out, ND_NA, ND_NA_FLAG_OVERRIDE, &target, &all_nodes,
                    &target, &reply_to);
            return;
        }
        if (opts.slla) {
            ipoib_neigh_update(&h->neighs, &src, opts.slla,
                               IPOIB_NEIGH_CREATE | IPOIB_NEIGH_OVERRIDE,
                               now, &released);
            send_released(h, out, &released, opts.slla);
            reply_to = *opts.slla;
        } else {
            /* A unicast NS may leave its address out: use what we know. */
            const struct ipoib_neigh *n = ipoib_neigh_lookup(&h->neighs,
                                                             &src);
            if (!n || n->state == IPOIB_NEIGH_INCOMPLETE) {
                h->counters[IPOIB_HOST_DROP_NEIGH_FAILED]++;
                return;
            }
            reply_to = n->lladdr;
        }
        send_nd(h, out, ND_NA, ND_NA_FLAG_SOLICITED | ND_NA_FLAG_OVERRIDE,
                &target, &src, &target, &reply_to);
        return;
    }

    case ND_NA: {
        h->counters[IPOIB_HOST_NA_RX]++;
        ip6_from_bytes(&icmp[8], &target);
        uint8_t flags = icmp[4];
        if (target.s6_addr[0] == 0xff
            || (dst.s6_addr[0] == 0xff && (flags & ND_NA_FLAG_SOLICITED))) {
            h->counters[IPOIB_HOST_DROP_ND_MALFORMED]++;
            return;
        }
        if (!opts.tlla
            || !ipoib_neigh_update(&h->neighs, &target, opts.tlla,
                                   ((flags & ND_NA_FLAG_SOLICITED
                                     ? IPOIB_NEIGH_CONFIRM : 0)
                                    | (flags & ND_NA_FLAG_OVERRIDE
                                       ? IPOIB_NEIGH_OVERRIDE : 0)),
                                   now, &released)) {
            if (!ipoib_neigh_lookup(&h->neighs, &target)) {
                h->counters[IPOIB_HOST_DROP_ND_IGNORED]++;
            }
        }
        if (opts.tlla) {
            send_released(h, out, &released, opts.tlla);
        }
        return;
    }

    case ND_RS:
    case ND_RA:
        if (opts.slla && ipv6_addr_is_set(&src)) {
            ipoib_neigh_update(&h->neighs, &src, opts.slla,
                               IPOIB_NEIGH_CREATE | IPOIB_NEIGH_OVERRIDE,
                               now, &released);
            send_released(h, out, &released, opts.slla);
        }
        nd_deliver_stripped(h, ip6, opts_ofs, icmp_len, out);
        return;

    case ND_REDIRECT:
        if (opts.tlla) {
            ip6_from_bytes(&icmp[8], &target);
            ipoib_neigh_update(&h->neighs, &target, opts.tlla,
                               IPOIB_NEIGH_CREATE | IPOIB_NEIGH_OVERRIDE,
                               now, &released);
            send_released(h, out, &released, opts.tlla);
        }
        nd_deliver_stripped(h, ip6, opts_ofs, icmp_len, out);
        return;
    }
}

/* ------------------------------------------------------------------ */
/* From the fabric. */

void
ipoib_host_from_ib(struct ipoib_host *h, const void *payload, size_t len,
                   const struct ipoib_host_rx *rx, long long int now,
                   struct ipoib_host_outbox *out)
{
    const uint8_t *p = payload;

    h->counters[IPOIB_HOST_IB_RX]++;
    if (!h->up) {
        h->counters[IPOIB_HOST_DROP_LINK_DOWN]++;
        return;
    }
    if (rx->multicast && rx->slid == h->lid
        && rx->src_qpn == ipoib_addr_qpn(&h->own)) {
        h->counters[IPOIB_HOST_DROP_IB_LOOPBACK]++;
        return;
    }
    if (len < IPOIB_HDR_LEN) {
        h->counters[IPOIB_HOST_DROP_IB_SHORT]++;
        return;
    }

    uint16_t type = ipoib_hdr_type(p);
    p += IPOIB_HDR_LEN;
    len -= IPOIB_HDR_LEN;

    switch (type) {
    case IPOIB_TYPE_ARP:
        arp_input(h, p, len, now, out);
        return;

    case IPOIB_TYPE_RARP:
        h->counters[IPOIB_HOST_DROP_RARP]++;
        return;

    case IPOIB_TYPE_IPV4: {
        size_t ihl = len >= 1 ? (p[0] & 0x0f) * 4 : 0;
        size_t tot = len >= IP4_HDR_MIN ? ipoib_get_be16(&p[IP4_TOT_LEN]) : 0;
        if (len < IP4_HDR_MIN || (p[0] >> 4) != 4 || ihl < IP4_HDR_MIN
            || tot < ihl || tot > len) {
            h->counters[IPOIB_HOST_DROP_IB_IP_MALFORMED]++;
            return;
        }
        send_stack(h, out, p, tot);
        return;
    }

    case IPOIB_TYPE_IPV6: {
        size_t tot = (len >= IP6_HDR_LEN
                      ? IP6_HDR_LEN + ipoib_get_be16(&p[IP6_PLEN]) : 0);
        if (len < IP6_HDR_LEN || (p[0] >> 4) != 6 || tot > len) {
            h->counters[IPOIB_HOST_DROP_IB_IP_MALFORMED]++;
            return;
        }
        size_t icmp_len = tot - IP6_HDR_LEN;
        if (p[IP6_NXT] == ICMP6_PROTO && icmp_len >= 4
            && nd_opts_offset(p[IP6_HDR_LEN])) {
            nd_input(h, p, icmp_len, now, out);
            return;
        }
        send_stack(h, out, p, tot);
        return;
    }

    default:
        h->counters[IPOIB_HOST_DROP_IB_TYPE]++;
        return;
    }
}

/* ------------------------------------------------------------------ */
/* From the stack. */

static void
send_probe(struct ipoib_host *h, const struct ipoib_neigh_probe *probe,
           struct ipoib_host_outbox *out)
{
    struct in6_addr src;

    if (!select_source(h, &probe->ip, &src)) {
        h->counters[IPOIB_HOST_DROP_NO_SOURCE]++;
        return;
    }
    if (is_ipv4(&probe->ip)) {
        send_arp(h, out, IPOIB_ARP_OP_REQUEST, &src, NULL, &probe->ip,
                 probe->unicast ? &probe->lladdr : &h->bcast);
    } else if (probe->unicast) {
        send_nd(h, out, ND_NS, 0, &src, &probe->ip, &probe->ip,
                &probe->lladdr);
    } else {
        struct in6_addr sn;
        struct ipoib_addr sn_addr;

        solicited_node(&probe->ip, &sn);
        ipoib_host_group_addr(h, &sn, &sn_addr);
        send_nd(h, out, ND_NS, 0, &src, &sn, &probe->ip, &sn_addr);
    }
}

/* Adds our source link-layer address option to a router solicitation or
 * advertisement from the stack.  Returns the new IPv6 packet. */
static struct ofpbuf *
nd_add_slla(struct ipoib_host *h, const uint8_t *ip6, size_t len)
{
    struct ofpbuf *buf = ofpbuf_new(len + IPOIB_ND_OPT_LEN);

    ofpbuf_put(buf, ip6, len);
    ipoib_nd_lla_put(ofpbuf_put_uninit(buf, IPOIB_ND_OPT_LEN),
                     IPOIB_ND_OPT_SLLA, &h->own);

    uint8_t *new_ip6 = buf->data;
    uint8_t *icmp = new_ip6 + IP6_HDR_LEN;
    size_t icmp_len = buf->size - IP6_HDR_LEN;
    ipoib_put_be16(&new_ip6[IP6_PLEN], icmp_len);
    icmp[2] = icmp[3] = 0;
    ipoib_put_be16(&icmp[2], icmp6_csum(new_ip6, icmp, icmp_len));
    return buf;
}

void
ipoib_host_from_stack(struct ipoib_host *h, const void *ip_, size_t len,
                      long long int now, struct ipoib_host_outbox *out)
{
    const uint8_t *ip = ip_;
    struct in6_addr dst;
    uint16_t type;
    struct ofpbuf *nd_buf = NULL;

    h->counters[IPOIB_HOST_STACK_RX]++;
    if (!h->up) {
        h->counters[IPOIB_HOST_DROP_LINK_DOWN]++;
        return;
    }

    int version = len >= 1 ? ip[0] >> 4 : 0;
    if (version == 4) {
        size_t ihl = (ip[0] & 0x0f) * 4;
        size_t tot = len >= IP4_HDR_MIN ? ipoib_get_be16(&ip[IP4_TOT_LEN]) : 0;
        if (len < IP4_HDR_MIN || ihl < IP4_HDR_MIN || tot < ihl || tot > len) {
            h->counters[IPOIB_HOST_DROP_STACK_MALFORMED]++;
            return;
        }
        len = tot;
        type = IPOIB_TYPE_IPV4;
        ip4_to_mapped(&ip[IP4_DST], &dst);
    } else if (version == 6) {
        size_t tot = (len >= IP6_HDR_LEN
                      ? IP6_HDR_LEN + ipoib_get_be16(&ip[IP6_PLEN]) : 0);
        if (len < IP6_HDR_LEN || tot > len) {
            h->counters[IPOIB_HOST_DROP_STACK_MALFORMED]++;
            return;
        }
        len = tot;
        type = IPOIB_TYPE_IPV6;
        ip6_from_bytes(&ip[IP6_DST], &dst);

        if (ip[IP6_NXT] == ICMP6_PROTO && len >= IP6_HDR_LEN + 4) {
            uint8_t icmp_type = ip[IP6_HDR_LEN];
            struct in6_addr src;

            ip6_from_bytes(&ip[IP6_SRC], &src);
            if (icmp_type == ND_NS || icmp_type == ND_NA) {
                /* This link layer does neighbour discovery itself. */
                h->counters[IPOIB_HOST_DROP_STACK_ND]++;
                return;
            } else if ((icmp_type == ND_RS || icmp_type == ND_RA)
                       && ipv6_addr_is_set(&src)
                       && len + IPOIB_ND_OPT_LEN <= h->mtu) {
                nd_buf = nd_add_slla(h, ip, len);
                ip = nd_buf->data;
                len = nd_buf->size;
            }
        }
    } else {
        h->counters[IPOIB_HOST_DROP_STACK_MALFORMED]++;
        return;
    }

    if (len > h->mtu) {
        h->counters[IPOIB_HOST_DROP_STACK_TOO_BIG]++;
        ofpbuf_delete(nd_buf);
        return;
    }

    struct ofpbuf *buf = ib_buf_new(type, len);
    ofpbuf_put(buf, ip, len);
    ofpbuf_delete(nd_buf);

    /* Broadcast and multicast: straight to the group. */
    if (type == IPOIB_TYPE_IPV4) {
        uint8_t first = dst.s6_addr[12];
        if (ipoib_get_be32(&dst.s6_addr[12]) == UINT32_MAX
            || is_subnet_broadcast(h, &dst)) {
            send_ib(h, out, &h->bcast, buf);
            return;
        }
        if ((first & 0xf0) == 0xe0) {
            struct ipoib_addr group;
            ipoib_host_group_addr(h, &dst, &group);
            send_ib(h, out, &group, buf);
            return;
        }
    } else if (dst.s6_addr[0] == 0xff) {
        struct ipoib_addr group;
        ipoib_host_group_addr(h, &dst, &group);
        send_ib(h, out, &group, buf);
        return;
    }

    /* Unicast: to the neighbour, or to the gateway. */
    struct in6_addr next_hop = dst;
    if (!is_on_link(h, &dst)) {
        const struct in6_addr *gw = (type == IPOIB_TYPE_IPV4
                                     ? &h->gw4 : &h->gw6);
        if (!ipv6_addr_is_set(gw)) {
            h->counters[IPOIB_HOST_DROP_NO_ROUTE]++;
            ofpbuf_delete(buf);
            return;
        }
        next_hop = *gw;
    }

    struct ipoib_addr lladdr;
    struct ipoib_neigh_probe probe;
    bool need_probe;
    if (ipoib_neigh_output(&h->neighs, &next_hop, buf, now, &lladdr, &probe,
                           &need_probe)) {
        send_ib(h, out, &lladdr, buf);
    }
    if (need_probe) {
        send_probe(h, &probe, out);
    }
}

/* ------------------------------------------------------------------ */
/* Timers. */

static void
announce(struct ipoib_host *h, struct ipoib_host_outbox *out)
{
    for (size_t i = 0; i < h->n_addrs; i++) {
        const struct in6_addr *a = &h->addrs[i].addr;

        if (is_ipv4(a)) {
            /* Gratuitous ARP: a request for our own address. */
            send_arp(h, out, IPOIB_ARP_OP_REQUEST, a, NULL, a, &h->bcast);
        } else {
            struct in6_addr all_nodes = in6addr_all_hosts;
            struct ipoib_addr group;

            ipoib_host_group_addr(h, &all_nodes, &group);
            send_nd(h, out, ND_NA, ND_NA_FLAG_OVERRIDE, a, &all_nodes, a,
                    &group);
        }
    }
}

void
ipoib_host_run(struct ipoib_host *h, long long int now,
               struct ipoib_host_outbox *out)
{
    struct ipoib_neigh_probe *probes = NULL;
    size_t n_probes = 0, allocated = 0;

    ipoib_neigh_run(&h->neighs, now, &probes, &n_probes, &allocated);
    if (h->up) {
        for (size_t i = 0; i < n_probes; i++) {
            send_probe(h, &probes[i], out);
        }
        if (h->announce_left > 0 && now >= h->next_announce) {
            announce(h, out);
            h->announce_left--;
            h->next_announce = (h->announce_left > 0
                                ? now + ANNOUNCE_MS : LLONG_MAX);
        }
    }
    free(probes);
}

long long int
ipoib_host_next_wake(const struct ipoib_host *h)
{
    long long int wake = ipoib_neigh_next_wake(&h->neighs);

    if (h->up && h->announce_left > 0) {
        wake = MIN(wake, h->next_announce);
    }
    return wake;
}

/* ------------------------------------------------------------------ */
/* Neighbours, groups, counters. */

void
ipoib_host_add_neighbor(struct ipoib_host *h, const struct in6_addr *ip,
                        const struct ipoib_addr *lladdr,
                        struct ipoib_host_outbox *out)
{
    struct ovs_list released = OVS_LIST_INITIALIZER(&released);

    ipoib_neigh_add_permanent(&h->neighs, ip, lladdr, &released);
    send_released(h, out, &released, lladdr);
}

bool
ipoib_host_del_neighbor(struct ipoib_host *h, const struct in6_addr *ip)
{
    return ipoib_neigh_delete(&h->neighs, ip);
}

const struct ipoib_neigh_table *
ipoib_host_neighbors(const struct ipoib_host *h)
{
    return &h->neighs;
}

static int
compare_gids(const void *a, const void *b)
{
    return memcmp(a, b, sizeof(struct ipoib_gid));
}

static void
add_group(const struct ipoib_host *h, const struct in6_addr *group,
          struct ipoib_gid **mgids, size_t *n, size_t *allocated)
{
    struct ipoib_addr addr;

    if (*n >= *allocated) {
        *mgids = x2nrealloc(*mgids, allocated, sizeof **mgids);
    }
    ipoib_host_group_addr(h, group, &addr);
    ipoib_addr_get_gid(&addr, &(*mgids)[(*n)++]);
}

void
ipoib_host_wanted_groups(const struct ipoib_host *h,
                         const struct in6_addr *stack_groups,
                         size_t n_stack_groups,
                         struct ipoib_gid **mgidsp, size_t *np)
{
    struct ipoib_gid *mgids = NULL;
    size_t n = 0, allocated = 0;
    struct in6_addr all_hosts4;
    static const uint8_t all_hosts4_bytes[4] = { 224, 0, 0, 1 };

    ip4_to_mapped(all_hosts4_bytes, &all_hosts4);
    add_group(h, &all_hosts4, &mgids, &n, &allocated);
    add_group(h, &in6addr_all_hosts, &mgids, &n, &allocated);
    for (size_t i = 0; i < h->n_addrs; i++) {
        if (!is_ipv4(&h->addrs[i].addr)) {
            struct in6_addr sn;

            solicited_node(&h->addrs[i].addr, &sn);
            add_group(h, &sn, &mgids, &n, &allocated);
        }
    }
    for (size_t i = 0; i < n_stack_groups; i++) {
        const struct in6_addr *g = &stack_groups[i];
        bool v4_mcast = is_ipv4(g) && (g->s6_addr[12] & 0xf0) == 0xe0;
        bool v6_mcast = !is_ipv4(g) && g->s6_addr[0] == 0xff;
        if (v4_mcast || v6_mcast) {
            add_group(h, g, &mgids, &n, &allocated);
        }
    }

    /* Sort and remove duplicates (ff01::1 and ff02::1 share an MGID). */
    if (n) {
        qsort(mgids, n, sizeof *mgids, compare_gids);
        size_t j = 1;
        for (size_t i = 1; i < n; i++) {
            if (compare_gids(&mgids[i], &mgids[j - 1])) {
                mgids[j++] = mgids[i];
            }
        }
        n = j;
    }
    *mgidsp = mgids;
    *np = n;
}

uint64_t
ipoib_host_get_counter(const struct ipoib_host *h, enum ipoib_host_counter c)
{
    /* The neighbour table counts its own drops. */
    if (c == IPOIB_HOST_DROP_NEIGH_QUEUE) {
        return h->counters[c] + h->neighs.queue_overflows;
    } else if (c == IPOIB_HOST_DROP_NEIGH_FAILED) {
        return h->counters[c] + h->neighs.unresolved;
    }
    return c < IPOIB_HOST_N_COUNTERS ? h->counters[c] : 0;
}

void
ipoib_host_format_counters(const struct ipoib_host *h, struct ds *s)
{
    for (int c = 0; c < IPOIB_HOST_N_COUNTERS; c++) {
        ds_put_format(s, "  %s: %"PRIu64"\n", counter_names[c],
                      ipoib_host_get_counter(h, c));
    }
}
