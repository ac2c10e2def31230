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

#ifndef __KERNEL__
#include <config.h>
#endif

#include "eipoib-xlate.h"
#include "eipoib-csum.h"

/* How this file is organised.  Each direction runs in phases, so that the
 * buffer is touched only once the verdict is known to be EIPOIB_OK:
 *
 *   1. parse and validate headers (Ethernet or IPoIB, then IPv4/IPv6/ARP);
 *   2. analyse the payload that needs rewriting (ARP, ND, DHCP) into a
 *      plan: where the options are, how much the packet grows or shrinks;
 *   3. table lookups (vif, neighbours, DHCP clients);
 *   4. place the output in the buffer and write it.
 *
 * Growing rewrites (transmit) put the output so that it ends where the
 * input ends, shrinking ones (receive) so that its L3 part starts where the
 * input's L3 part starts.  Either way the output cursor never passes the
 * input cursor, so one forward pass with memmove() is enough. */

#define ETH_TYPE_VLAN 0x8100

#define IP_PROTO_UDP    17
#define IP_PROTO_ICMPV6 58

#define ND_ROUTER_SOLICIT  133
#define ND_ROUTER_ADVERT   134
#define ND_NEIGHBOR_SOLICIT 135
#define ND_NEIGHBOR_ADVERT 136
#define ND_REDIRECT        137

#define ND_OPT_ETH_LEN 8        /* Type, length 1, 6-byte MAC. */

#define ETH_ARP_LEN 28

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define BOOTP_LEN        236    /* Fixed part, without options. */
#define BOOTP_OPTIONS    240    /* After the magic cookie. */
#define BOOTP_REQUEST    1
#define BOOTP_REPLY      2
#define BOOTP_FLAG_BROADCAST 0x8000
#define DHCP_OPT_PAD       0
#define DHCP_OPT_CLIENT_ID 61
#define DHCP_OPT_END       255
#define DHCP_HTYPE_ETHERNET 1

/* Client identifier we add for a VM that sent none (RFC 4361 form):
 * 0xff, IAID = last 4 bytes of the MAC, DUID-LL (type 3, hardware type 1,
 * MAC).  Unique per VM MAC, stable across restarts. */
#define CLIENT_ID_LEN 15

static const char *const verdict_names[] = {
#define EIPOIB_VERDICT(ENUM, NAME, DESCRIPTION) NAME,
    EIPOIB_VERDICTS
#undef EIPOIB_VERDICT
};

static const char *const verdict_descriptions[] = {
#define EIPOIB_VERDICT(ENUM, NAME, DESCRIPTION) DESCRIPTION,
    EIPOIB_VERDICTS
#undef EIPOIB_VERDICT
};

const char *
eipoib_verdict_name(enum eipoib_verdict v)
{
    return (unsigned int) v < N_EIPOIB_VERDICTS ? verdict_names[v] : "unknown";
}

const char *
eipoib_verdict_description(enum eipoib_verdict v)
{
    return ((unsigned int) v < N_EIPOIB_VERDICTS
            ? verdict_descriptions[v] : "unknown");
}

void
eipoib_xlate_init(struct eipoib_xlate *ctx, const struct eipoib_xlate_ops *ops,
                  void *aux, uint16_t lid, const struct ipoib_gid *gid)
{
    ctx->ops = ops;
    ctx->aux = aux;
    ctx->lid = lid;
    ctx->gid = *gid;
}

void
eipoib_xlate_vif_addr(const struct eipoib_xlate *ctx,
                      const struct eipoib_vif *vif, struct ipoib_addr *addr)
{
    ipoib_addr_init(addr, 0, vif->qpn, &ctx->gid);
}

/* ---------------------------------------------------------------------- */
/* Small helpers. */

static bool
mac_is_zero(const uint8_t *mac)
{
    return !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]);
}

static bool
mac_is_broadcast(const uint8_t *mac)
{
    return (mac[0] & mac[1] & mac[2] & mac[3] & mac[4] & mac[5]) == 0xff;
}

static bool
mac_equals(const uint8_t *a, const uint8_t *b)
{
    return !memcmp(a, b, EIPOIB_ETH_ADDR_LEN);
}

static bool
gid_equals(const struct ipoib_gid *a, const uint8_t *b)
{
    return !memcmp(a->b, b, IPOIB_GID_LEN);
}

static bool
addr_is_zero(const struct ipoib_addr *a)
{
    static const struct ipoib_addr zero;
    return ipoib_addr_equals(a, &zero);
}

static uint32_t
csum_ipv4_pseudo(const uint8_t *ip4, uint16_t len, uint8_t proto)
{
    uint8_t tail[4] = { 0, proto, len >> 8, len & 0xff };

    return eipoib_csum_add(eipoib_csum_add(0, ip4 + 12, 8), tail, sizeof tail);
}

/* Moves 'n' bytes from base[from] to base[to]. */
static void
move(uint8_t *base, size_t to, size_t from, size_t n)
{
    if (to != from && n) {
        memmove(base + to, base + from, n);
    }
}

/* Checks that 'pkt' describes a sane buffer. */
static bool
pkt_is_valid(const struct eipoib_pkt *pkt)
{
    return (pkt->base && pkt->ofs <= pkt->size
            && pkt->len <= pkt->size - pkt->ofs);
}

/* Finds where an output of 'out_len' bytes goes when its first byte would
 * ideally be at 'ideal' (which may be before the buffer).  If it is, and
 * the rewrite works on the input in place ('keep_input'), the input must
 * move towards the tail: '*shift' says by how much (the caller moves it
 * once all checks have passed).  Returns false if the buffer is too
 * small. */
static bool
place_output(const struct eipoib_pkt *pkt, long ideal, size_t out_len,
             bool keep_input, size_t *start, size_t *shift)
{
    *shift = 0;
    if (ideal < 0) {
        if (keep_input) {
            *shift = -ideal;
            if (*shift > pkt->size - pkt->ofs - pkt->len) {
                return false;
            }
        }
        ideal = 0;
    }
    if (out_len > pkt->size || (size_t) ideal > pkt->size - out_len) {
        return false;
    }
    *start = ideal;
    return true;
}

static void
apply_shift(struct eipoib_pkt *pkt, size_t shift)
{
    if (shift) {
        move(pkt->base, pkt->ofs + shift, pkt->ofs, pkt->len);
        pkt->ofs += shift;
    }
}

/* ---------------------------------------------------------------------- */
/* L3 headers. */

/* Validates the IPv4 header at 'ip' ('n' bytes available) and returns the
 * packet length, or 0 if malformed. */
static size_t
ipv4_length(const uint8_t *ip, size_t n)
{
    if (n < 20 || (ip[0] >> 4) != 4) {
        return 0;
    }
    size_t ihl = (ip[0] & 0x0f) * 4;
    size_t tot = ipoib_get_be16(ip + 2);
    return ihl >= 20 && tot >= ihl && tot <= n ? tot : 0;
}

static size_t
ipv6_length(const uint8_t *ip, size_t n)
{
    if (n < 40 || (ip[0] >> 4) != 6) {
        return 0;
    }
    size_t tot = 40 + ipoib_get_be16(ip + 4);
    return tot <= n ? tot : 0;
}

static bool
ipv4_is_multicast(const uint8_t *ip)
{
    return (ip[16] & 0xf0) == 0xe0;
}

static bool
ipv6_is_multicast(const uint8_t *ip)
{
    return ip[24] == 0xff;
}

static bool
ipv4_header_csum_ok(const uint8_t *ip)
{
    return eipoib_csum_finish(eipoib_csum_add(0, ip, (ip[0] & 0x0f) * 4)) == 0;
}

static void
ipv4_set_length(uint8_t *ip, size_t len)
{
    size_t ihl = (ip[0] & 0x0f) * 4;

    ipoib_put_be16(ip + 2, len);
    ip[10] = ip[11] = 0;
    ipoib_put_be16(ip + 10, eipoib_csum_finish(eipoib_csum_add(0, ip, ihl)));
}

/* ---------------------------------------------------------------------- */
/* Neighbour Discovery.  Plans and performs the link-layer option rewrite of
 * RS/RA/NS/NA/Redirect in either direction. */

struct nd_plan {
    bool active;                /* An ND message with options to rewrite. */
    size_t opts;                /* Offset of the options in the L3 packet. */
    size_t end;                 /* End of the ICMPv6 message (L3 offset). */
    int n_lla;                  /* Link-layer address options. */
};

/* Offset of the options in ICMPv6 ND message 'type', or 0 if 'type' is not
 * one that carries link-layer options. */
static size_t
nd_options_offset(uint8_t type)
{
    switch (type) {
    case ND_ROUTER_SOLICIT:
        return 8;
    case ND_ROUTER_ADVERT:
        return 16;
    case ND_NEIGHBOR_SOLICIT:
    case ND_NEIGHBOR_ADVERT:
        return 24;
    case ND_REDIRECT:
        return 40;
    default:
        return 0;
    }
}

/* Plans the ND rewrite of IPv6 packet 'ip' ('len' bytes, already
 * validated).  'lla_units' is the option length (in 8-byte units) that the
 * input's link-layer address options must have: 1 on Ethernet, 3 on
 * IPoIB.  Returns false if the message is malformed or its checksum is
 * wrong; 'plan->active' is false if nothing needs rewriting. */
static bool
nd_analyse(const uint8_t *ip, size_t len, uint8_t lla_units,
           struct nd_plan *plan, bool *bad_csum)
{
    plan->active = false;
    plan->n_lla = 0;
    *bad_csum = false;
    if (ip[6] != IP_PROTO_ICMPV6 || len < 41) {
        return true;
    }

    size_t ofs = nd_options_offset(ip[40]);
    if (!ofs) {
        return true;
    }
    if (len < 40 + ofs) {
        return false;
    }

    /* Options: each at least 8 bytes, none past the end. */
    size_t p = 40 + ofs;
    while (p < len) {
        if (len - p < 8) {
            return false;
        }
        size_t opt_len = ip[p + 1] * 8;
        if (!opt_len || opt_len > len - p) {
            return false;
        }
        if (ip[p] == IPOIB_ND_OPT_SLLA || ip[p] == IPOIB_ND_OPT_TLLA) {
            if (ip[p + 1] != lla_units) {
                return false;
            }
            plan->n_lla++;
        }
        p += opt_len;
    }
    if (!plan->n_lla) {
        return true;
    }

    uint32_t sum = eipoib_csum_ipv6_pseudo(ip, len - 40, IP_PROTO_ICMPV6);
    if (eipoib_csum_finish(eipoib_csum_add(sum, ip + 40, len - 40))) {
        *bad_csum = true;
        return false;
    }
    plan->active = true;
    plan->opts = 40 + ofs;
    plan->end = len;
    return true;
}

static void
nd_fix_checksum(uint8_t *ip, size_t len)
{
    ipoib_put_be16(ip + 4, len - 40);
    ip[42] = ip[43] = 0;
    uint32_t sum = eipoib_csum_ipv6_pseudo(ip, len - 40, IP_PROTO_ICMPV6);
    sum = eipoib_csum_add(sum, ip + 40, len - 40);
    ipoib_put_be16(ip + 42, eipoib_csum_finish(sum));
}

/* ---------------------------------------------------------------------- */
/* DHCPv4. */

struct dhcp_plan {
    bool active;                /* A BOOTP message to rewrite. */
    size_t ihl;                 /* IPv4 header length. */
    size_t bootp;               /* Offset of BOOTP in the L3 packet. */
    size_t bootp_len;           /* UDP payload length. */
    uint8_t op;
    bool has_options;           /* Magic cookie present. */
    size_t end;                 /* Offset of the END option (in BOOTP). */
    size_t cid;                 /* Offset of option 61 (in BOOTP), or 0. */
    uint8_t cid_len;
    size_t zero_tail;           /* Zero bytes after END. */
};

/* Plans the DHCP rewrite of IPv4 packet 'ip' ('len' bytes, validated).
 * Returns false if it is a malformed DHCP message; 'plan->active' is false
 * if it is no DHCP message at all. */
static bool
dhcp_analyse(const uint8_t *ip, size_t len, struct dhcp_plan *plan)
{
    plan->active = false;
    plan->ihl = (ip[0] & 0x0f) * 4;
    if (ip[9] != IP_PROTO_UDP
        || (ipoib_get_be16(ip + 6) & 0x3fff)    /* MF or fragment offset */
        || len < plan->ihl + 8) {
        return true;
    }

    const uint8_t *udp = ip + plan->ihl;
    uint16_t sport = ipoib_get_be16(udp);
    uint16_t dport = ipoib_get_be16(udp + 2);
    if (!((sport == DHCP_CLIENT_PORT && dport == DHCP_SERVER_PORT)
          || (sport == DHCP_SERVER_PORT && dport == DHCP_CLIENT_PORT))) {
        return true;
    }

    size_t udp_len = ipoib_get_be16(udp + 4);
    if (udp_len < 8 + BOOTP_LEN || udp_len != len - plan->ihl) {
        return false;
    }
    const uint8_t *b = udp + 8;
    plan->bootp = plan->ihl + 8;
    plan->bootp_len = udp_len - 8;
    plan->op = b[0];
    if (plan->op != BOOTP_REQUEST && plan->op != BOOTP_REPLY) {
        return false;
    }

    static const uint8_t cookie[4] = { 99, 130, 83, 99 };
    plan->has_options = (plan->bootp_len >= BOOTP_OPTIONS
                         && !memcmp(b + BOOTP_LEN, cookie, 4));
    plan->cid = 0;
    plan->cid_len = 0;
    plan->end = plan->bootp_len;
    plan->zero_tail = 0;
    if (plan->has_options) {
        size_t p = BOOTP_OPTIONS;
        for (;;) {
            if (p >= plan->bootp_len) {
                return false;           /* No END option. */
            }
            uint8_t code = b[p];
            if (code == DHCP_OPT_PAD) {
                p++;
                continue;
            }
            if (code == DHCP_OPT_END) {
                break;
            }
            if (plan->bootp_len - p < 2
                || b[p + 1] > plan->bootp_len - p - 2) {
                return false;
            }
            if (code == DHCP_OPT_CLIENT_ID && !plan->cid) {
                plan->cid = p;
                plan->cid_len = b[p + 1];
            }
            p += 2 + b[p + 1];
        }
        plan->end = p;
        for (p++; p < plan->bootp_len && !b[p]; p++) {
            plan->zero_tail++;
        }
    }
    plan->active = true;
    return true;
}

/* Checks the IPv4 header and UDP checksums of a DHCP message. */
static bool
dhcp_checksums_ok(const uint8_t *ip, const struct dhcp_plan *plan)
{
    const uint8_t *udp = ip + plan->ihl;
    uint16_t udp_len = ipoib_get_be16(udp + 4);

    if (!ipv4_header_csum_ok(ip)) {
        return false;
    }
    if (!ipoib_get_be16(udp + 6)) {
        return true;                    /* No UDP checksum. */
    }
    uint32_t sum = csum_ipv4_pseudo(ip, udp_len, IP_PROTO_UDP);
    return !eipoib_csum_finish(eipoib_csum_add(sum, udp, udp_len));
}

/* Sets the IPv4 and UDP lengths of the DHCP message at 'ip' for a BOOTP
 * part of 'bootp_len' bytes and recomputes the checksums (a zero UDP
 * checksum stays zero). */
static void
dhcp_fix(uint8_t *ip, size_t ihl, size_t bootp_len)
{
    uint8_t *udp = ip + ihl;
    uint16_t udp_len = 8 + bootp_len;
    bool udp_csum = ipoib_get_be16(udp + 6) != 0;

    ipv4_set_length(ip, ihl + udp_len);
    ipoib_put_be16(udp + 4, udp_len);
    if (udp_csum) {
        udp[6] = udp[7] = 0;
        uint32_t sum = csum_ipv4_pseudo(ip, udp_len, IP_PROTO_UDP);
        uint16_t c = eipoib_csum_finish(eipoib_csum_add(sum, udp, udp_len));
        ipoib_put_be16(udp + 6, c ? c : 0xffff);
    }
}

static void
dhcp_make_client_id(const uint8_t mac[6], uint8_t cid[CLIENT_ID_LEN])
{
    cid[0] = 0xff;
    memcpy(&cid[1], &mac[2], 4);            /* IAID */
    ipoib_put_be16(&cid[5], 3);             /* DUID-LL */
    ipoib_put_be16(&cid[7], DHCP_HTYPE_ETHERNET);
    memcpy(&cid[9], mac, 6);
}


/* ---------------------------------------------------------------------- */
/* Transmit. */

/* More link-layer options than this in one ND message is malformed: real
 * stacks send one. */
#define MAX_LLA_OPTS 8

enum payload_kind {
    PAYLOAD_PLAIN,              /* Header swap only. */
    PAYLOAD_ARP,                /* ARP or RARP. */
    PAYLOAD_ND,                 /* ND with link-layer options. */
    PAYLOAD_DHCP,               /* BOOTP/DHCP with Ethernet addresses. */
};

struct tx_state {
    size_t hlen;                /* Ethernet (+ 802.1Q) header length. */
    uint16_t type;
    uint16_t vlan;
    size_t l3;                  /* Offset of L3 in the buffer. */
    size_t l3_len;              /* Without Ethernet padding. */
    size_t out_l3;              /* After the rewrite. */
    enum payload_kind kind;

    struct nd_plan nd;
    struct ipoib_addr lla[MAX_LLA_OPTS];

    struct ipoib_addr arp_tha;

    struct dhcp_plan dhcp;
    bool dhcp_client;           /* Remember 'client'. */
    bool add_cid;               /* Insert 'cid'... */
    bool reuse_pad;             /* ...into the zeros after END. */
    uint8_t cid[CLIENT_ID_LEN];
    struct eipoib_dhcp_client client;
};

/* The IPoIB address that stands for 'mac' (a MAC that a VM put into ARP
 * or ND) on the fabric. */
static bool
tx_mac_to_addr(const struct eipoib_xlate *ctx, const uint8_t *mac,
               uint16_t vlan, const struct eipoib_vif *sender,
               struct ipoib_addr *addr)
{
    struct eipoib_vif vif;
    struct eipoib_neighbor nb;

    if (mac_equals(mac, sender->mac)) {
        eipoib_xlate_vif_addr(ctx, sender, addr);
        return true;
    }
    if (!(mac[0] & 1) && ctx->ops->vif_by_mac(ctx->aux, mac, vlan, &vif)) {
        eipoib_xlate_vif_addr(ctx, &vif, addr);
        return true;
    }
    if (ctx->ops->neighbor_by_mac(ctx->aux, mac, &nb)) {
        *addr = nb.addr;
        return true;
    }
    return false;
}

/* Validates L3 and plans the payload rewrite. */
static enum eipoib_verdict
tx_analyse(const uint8_t *base, size_t frame_end, struct tx_state *s)
{
    const uint8_t *l3 = base + s->l3;
    size_t avail = frame_end - s->l3;
    bool bad_csum;

    s->kind = PAYLOAD_PLAIN;
    switch (s->type) {
    case IPOIB_TYPE_IPV4:
        s->l3_len = ipv4_length(l3, avail);
        if (!s->l3_len) {
            return EIPOIB_TX_BAD_IPV4;
        }
        if (!dhcp_analyse(l3, s->l3_len, &s->dhcp)) {
            return EIPOIB_TX_BAD_DHCP;
        }
        if (s->dhcp.active && l3[s->dhcp.bootp + 1] == DHCP_HTYPE_ETHERNET
            && l3[s->dhcp.bootp + 2] == EIPOIB_ETH_ADDR_LEN) {
            if (!dhcp_checksums_ok(l3, &s->dhcp)) {
                return EIPOIB_TX_BAD_CHECKSUM;
            }
            s->kind = PAYLOAD_DHCP;
        }
        break;

    case IPOIB_TYPE_IPV6:
        s->l3_len = ipv6_length(l3, avail);
        if (!s->l3_len) {
            return EIPOIB_TX_BAD_IPV6;
        }
        if (!nd_analyse(l3, s->l3_len, 1, &s->nd, &bad_csum)) {
            return bad_csum ? EIPOIB_TX_BAD_CHECKSUM : EIPOIB_TX_BAD_ND;
        }
        if (s->nd.active) {
            if (s->nd.n_lla > MAX_LLA_OPTS) {
                return EIPOIB_TX_BAD_ND;
            }
            s->kind = PAYLOAD_ND;
        }
        break;

    case IPOIB_TYPE_ARP:
    case IPOIB_TYPE_RARP:
        if (avail < ETH_ARP_LEN
            || ipoib_get_be16(l3) != DHCP_HTYPE_ETHERNET
            || ipoib_get_be16(l3 + 2) != IPOIB_TYPE_IPV4
            || l3[4] != EIPOIB_ETH_ADDR_LEN || l3[5] != 4) {
            return EIPOIB_TX_BAD_ARP;
        }
        s->l3_len = ETH_ARP_LEN;
        s->kind = PAYLOAD_ARP;
        break;

    default:
        return EIPOIB_TX_ETHERTYPE;
    }

    s->out_l3 = s->l3_len;
    if (s->kind == PAYLOAD_ARP) {
        s->out_l3 = IPOIB_ARP_LEN;
    } else if (s->kind == PAYLOAD_ND) {
        s->out_l3 += s->nd.n_lla * (IPOIB_ND_OPT_LEN - ND_OPT_ETH_LEN);
    }
    return EIPOIB_OK;
}

/* Table lookups the payload rewrite needs, and the DHCP plan. */
static enum eipoib_verdict
tx_lookup_payload(const struct eipoib_xlate *ctx, const uint8_t *base,
                  const struct eipoib_vif *vif, struct tx_state *s)
{
    const uint8_t *l3 = base + s->l3;

    if (s->kind == PAYLOAD_ARP) {
        const uint8_t *tmac = l3 + 18;
        if (mac_is_zero(tmac) || mac_is_broadcast(tmac)
            || !tx_mac_to_addr(ctx, tmac, s->vlan, vif, &s->arp_tha)) {
            memset(&s->arp_tha, 0, sizeof s->arp_tha);
        }
    } else if (s->kind == PAYLOAD_ND) {
        int n = 0;
        for (size_t p = s->nd.opts; p < s->nd.end; p += l3[p + 1] * 8) {
            if ((l3[p] == IPOIB_ND_OPT_SLLA || l3[p] == IPOIB_ND_OPT_TLLA)
                && !tx_mac_to_addr(ctx, l3 + p + 2, s->vlan, vif,
                                   &s->lla[n++])) {
                return EIPOIB_TX_ND_UNKNOWN_LLADDR;
            }
        }
    } else if (s->kind == PAYLOAD_DHCP) {
        const uint8_t *b = l3 + s->dhcp.bootp;
        struct eipoib_dhcp_client *c = &s->client;

        s->dhcp_client = s->dhcp.op == BOOTP_REQUEST;
        s->add_cid = s->dhcp_client && s->dhcp.has_options && !s->dhcp.cid;
        s->reuse_pad = false;
        if (s->dhcp_client) {
            c->xid = ipoib_get_be32(b + 4);
            memcpy(c->mac, b + 28, EIPOIB_ETH_ADDR_LEN);
            c->vlan = s->vlan;
            c->client_id_added = s->add_cid;
            c->client_id_len = 0;
            if (s->add_cid) {
                dhcp_make_client_id(c->mac, s->cid);
                memcpy(c->client_id, s->cid, CLIENT_ID_LEN);
                c->client_id_len = CLIENT_ID_LEN;
                s->reuse_pad = s->dhcp.zero_tail >= 2 + CLIENT_ID_LEN;
                if (!s->reuse_pad) {
                    s->out_l3 += 2 + CLIENT_ID_LEN;
                }
            } else if (s->dhcp.cid) {
                memcpy(c->client_id, b + s->dhcp.cid + 2, s->dhcp.cid_len);
                c->client_id_len = s->dhcp.cid_len;
            }
        }
        if (s->out_l3 > 0xffff) {
            return EIPOIB_TX_TOO_BIG;
        }
    }
    return EIPOIB_OK;
}

/* Resolves the fabric destination of the frame. */
static enum eipoib_verdict
tx_destination(const struct eipoib_xlate *ctx, const uint8_t *base,
               const uint8_t *dst_mac, const struct tx_state *s,
               struct eipoib_tx_info *info)
{
    const struct eipoib_partition *part = &info->partition;
    const uint8_t *l3 = base + s->l3;
    struct ipoib_gid mgid;

    info->dst_lid = 0;
    if (dst_mac[0] & 1) {
        if (mac_is_broadcast(dst_mac)) {
            ipoib_broadcast_mgid(part->pkey, part->scope, &mgid);
        } else if (s->type == IPOIB_TYPE_IPV4 && ipv4_is_multicast(l3)) {
            ipoib_mgid_from_ipv4(l3 + 16, part->pkey, part->scope, &mgid);
        } else if (s->type == IPOIB_TYPE_IPV6 && ipv6_is_multicast(l3)) {
            ipoib_mgid_from_ipv6(l3 + 24, part->pkey, part->scope, &mgid);
        } else {
            return EIPOIB_TX_BAD_MCAST;
        }
        ipoib_mcast_addr(&mgid, &info->dst);
        info->multicast = true;
        return EIPOIB_OK;
    }

    struct eipoib_neighbor nb;
    if (!ctx->ops->neighbor_by_mac(ctx->aux, dst_mac, &nb)) {
        return EIPOIB_UNKNOWN_UNICAST;
    }
    info->dst = nb.addr;
    info->dst_lid = nb.lid;
    info->multicast = false;
    return EIPOIB_OK;
}

static void
tx_write_nd(struct eipoib_pkt *pkt, const struct tx_state *s, size_t start)
{
    uint8_t *base = pkt->base;
    size_t in = pkt->ofs + s->hlen;     /* L3 (after any shift). */
    size_t out = start + IPOIB_HDR_LEN;
    size_t i = in, o = out;
    int n = 0;

    move(base, o, i, s->nd.opts);
    i += s->nd.opts;
    o += s->nd.opts;
    while (i < in + s->nd.end) {
        uint8_t type = base[i];
        size_t len = base[i + 1] * 8;

        if (type == IPOIB_ND_OPT_SLLA || type == IPOIB_ND_OPT_TLLA) {
            /* o + 24 <= i + 8: only this (already read) option is
             * overwritten. */
            ipoib_nd_lla_put(base + o, type, &s->lla[n++]);
            o += IPOIB_ND_OPT_LEN;
        } else {
            move(base, o, i, len);
            o += len;
        }
        i += len;
    }
    nd_fix_checksum(base + out, s->out_l3);
}

static void
tx_write_dhcp(struct eipoib_pkt *pkt, const struct tx_state *s,
              size_t start)
{
    uint8_t *base = pkt->base;
    size_t in = pkt->ofs + s->hlen;
    uint8_t *ip = base + start + IPOIB_HDR_LEN;
    size_t end = s->dhcp.bootp + s->dhcp.end;      /* END, L3 offset. */
    size_t bootp_len = s->dhcp.bootp_len;

    if (s->add_cid) {
        if (!s->reuse_pad) {
            /* Everything before END moves to the front; END and what
             * follows stay where they are. */
            move(base, start + IPOIB_HDR_LEN, in, end);
            bootp_len += 2 + CLIENT_ID_LEN;
        }
        ip[end] = DHCP_OPT_CLIENT_ID;
        ip[end + 1] = CLIENT_ID_LEN;
        memcpy(ip + end + 2, s->cid, CLIENT_ID_LEN);
        ip[end + 2 + CLIENT_ID_LEN] = DHCP_OPT_END;
    }

    uint8_t *b = ip + s->dhcp.bootp;
    b[1] = IPOIB_DHCP_HTYPE;
    b[2] = IPOIB_DHCP_HLEN;
    memset(b + 28, 0, 16);
    if (s->dhcp_client && !ipoib_get_be32(b + 12)) {      /* ciaddr 0 */
        ipoib_put_be16(b + 10, ipoib_get_be16(b + 10) | BOOTP_FLAG_BROADCAST);
    }
    dhcp_fix(ip, s->dhcp.ihl, bootp_len);
}

enum eipoib_verdict
eipoib_xlate_tx(const struct eipoib_xlate *ctx, struct eipoib_pkt *pkt,
                struct eipoib_tx_info *info)
{
    struct tx_state s;
    enum eipoib_verdict v;

    if (!pkt_is_valid(pkt)) {
        return EIPOIB_TX_NO_ROOM;
    }

    /* Ethernet and 802.1Q headers. */
    const uint8_t *frame = pkt->base + pkt->ofs;
    size_t frame_end = pkt->ofs + pkt->len;
    if (pkt->len < EIPOIB_ETH_HDR_LEN) {
        return EIPOIB_TX_RUNT;
    }
    s.hlen = EIPOIB_ETH_HDR_LEN;
    s.type = ipoib_get_be16(frame + 12);
    s.vlan = EIPOIB_VLAN_NONE;
    if (s.type == ETH_TYPE_VLAN) {
        if (pkt->len < EIPOIB_ETH_HDR_LEN + EIPOIB_VLAN_HDR_LEN) {
            return EIPOIB_TX_RUNT;
        }
        s.vlan = ipoib_get_be16(frame + 14) & 0x0fff;
        s.type = ipoib_get_be16(frame + 16);
        s.hlen += EIPOIB_VLAN_HDR_LEN;
    }
    s.l3 = pkt->ofs + s.hlen;

    const uint8_t *src_mac = frame + EIPOIB_ETH_ADDR_LEN;
    if ((src_mac[0] & 1) || mac_is_zero(src_mac)) {
        return EIPOIB_TX_BAD_SRC_MAC;
    }
    if (!ctx->ops->partition_by_vlan(ctx->aux, s.vlan, &info->partition)) {
        return (s.vlan == EIPOIB_VLAN_NONE
                ? EIPOIB_TX_UNTAGGED_UNMAPPED : EIPOIB_TX_VLAN_UNMAPPED);
    }

    v = tx_analyse(pkt->base, frame_end, &s);
    if (v != EIPOIB_OK) {
        return v;
    }

    if (!ctx->ops->vif_by_mac(ctx->aux, src_mac, s.vlan, &info->vif)) {
        /* Name the vif to add. */
        memset(&info->vif, 0, sizeof info->vif);
        memcpy(info->vif.mac, src_mac, EIPOIB_ETH_ADDR_LEN);
        info->vif.vlan = s.vlan;
        return EIPOIB_UNKNOWN_VIF;
    }
    v = tx_lookup_payload(ctx, pkt->base, &info->vif, &s);
    if (v != EIPOIB_OK) {
        return v;
    }
    v = tx_destination(ctx, pkt->base, frame, &s, info);
    if (v != EIPOIB_OK) {
        return v;
    }
    if (s.out_l3 > info->partition.mtu) {
        return EIPOIB_TX_TOO_BIG;
    }

    /* Place the output so that it ends where the input's L3 ends. */
    size_t out_len = IPOIB_HDR_LEN + s.out_l3;
    long ideal = (long) (s.l3 + s.l3_len) - (long) out_len;
    size_t start, shift;
    if (!place_output(pkt, ideal, out_len, s.kind != PAYLOAD_ARP,
                      &start, &shift)) {
        return EIPOIB_TX_NO_ROOM;
    }
    if (s.kind == PAYLOAD_DHCP && s.dhcp_client
        && !ctx->ops->dhcp_remember(ctx->aux, &s.client)) {
        return EIPOIB_TX_DHCP_REFUSED;
    }

    /* From here on the buffer changes. */
    uint8_t *out = pkt->base + start;
    switch (s.kind) {
    case PAYLOAD_ARP: {
        /* Read everything before writing: the regions overlap. */
        const uint8_t *arp = pkt->base + s.l3;
        struct ipoib_addr sha;
        uint8_t spa[4], tpa[4];
        uint16_t oper = ipoib_get_be16(arp + 6);

        eipoib_xlate_vif_addr(ctx, &info->vif, &sha);
        memcpy(spa, arp + 14, 4);
        memcpy(tpa, arp + 24, 4);
        ipoib_arp_put(out + IPOIB_HDR_LEN, oper, &sha, spa, &s.arp_tha, tpa);
        break;
    }
    case PAYLOAD_ND:
        apply_shift(pkt, shift);
        tx_write_nd(pkt, &s, start);
        break;
    case PAYLOAD_DHCP:
        apply_shift(pkt, shift);
        tx_write_dhcp(pkt, &s, start);
        break;
    case PAYLOAD_PLAIN:
    default:
        /* L3 stays where it is: 'start' is just before it. */
        break;
    }
    ipoib_hdr_put(out, s.type);
    pkt->ofs = start;
    pkt->len = out_len;
    return EIPOIB_OK;
}

/* ---------------------------------------------------------------------- */
/* Receive. */

struct rx_state {
    uint16_t type;
    size_t l3;                  /* Offset of L3 in the buffer. */
    size_t l3_len;
    size_t out_l3;
    enum payload_kind kind;
    bool multicast;

    struct nd_plan nd;
    uint8_t lla[MAX_LLA_OPTS][EIPOIB_ETH_ADDR_LEN];

    uint8_t arp_sha[EIPOIB_ETH_ADDR_LEN];
    uint8_t arp_tha[EIPOIB_ETH_ADDR_LEN];

    struct dhcp_plan dhcp;
    uint8_t chaddr[EIPOIB_ETH_ADDR_LEN];
    bool remove_cid;            /* Take out the client-id we added. */

    uint8_t dst_mac[EIPOIB_ETH_ADDR_LEN];
    uint8_t src_mac[EIPOIB_ETH_ADDR_LEN];
};

/* True if the sender of a packet is one of our own endpoints. */
static bool
rx_is_own(const struct eipoib_xlate *ctx, const struct eipoib_rx_meta *meta,
          const struct eipoib_partition *part)
{
    struct eipoib_vif vif;
    bool same_port = (meta->has_grh
                      ? gid_equals(&meta->sgid, ctx->gid.b)
                      : meta->slid && meta->slid == ctx->lid);

    return same_port && ((part->base_qpn && meta->src_qpn == part->base_qpn)
                         || ctx->ops->vif_by_qpn(ctx->aux, meta->src_qpn,
                                                 &vif));
}

/* The MAC that stands for IPoIB address 'a' (from ARP or ND) towards the
 * VMs: zeros for zeros, a vif's own MAC for our vifs, else the peer's
 * REMAC (learnt).  The LID is the packet's SLID only if 'a' is the
 * packet's sender. */
static bool
rx_addr_to_mac(const struct eipoib_xlate *ctx,
               const struct eipoib_rx_meta *meta, const struct ipoib_addr *a,
               uint8_t mac[EIPOIB_ETH_ADDR_LEN])
{
    struct eipoib_vif vif;
    struct ipoib_gid gid;
    uint32_t qpn = ipoib_addr_qpn(a);

    if (addr_is_zero(a)) {
        memset(mac, 0, EIPOIB_ETH_ADDR_LEN);
        return true;
    }
    ipoib_addr_get_gid(a, &gid);
    if (gid_equals(&gid, ctx->gid.b)
        && ctx->ops->vif_by_qpn(ctx->aux, qpn, &vif)) {
        memcpy(mac, vif.mac, EIPOIB_ETH_ADDR_LEN);
        return true;
    }

    bool is_sender = (qpn == meta->src_qpn
                      && (!meta->has_grh
                          || gid_equals(&meta->sgid, gid.b)));
    return ctx->ops->neighbor_learn(ctx->aux, qpn,
                                    is_sender ? meta->slid : 0, &gid,
                                    ipoib_addr_flags(a), mac);
}

/* True if the 20 bytes at 'p', an address inside ARP or ND, are zeros or
 * a peer's unicast address (a multicast GID or QPN there would otherwise
 * become a "unicast" neighbour). */
static bool
rx_addr_is_valid(const uint8_t *p)
{
    struct ipoib_addr a;

    memcpy(a.b, p, IPOIB_ADDR_LEN);
    return addr_is_zero(&a) || ipoib_addr_is_unicast(&a);
}

/* Validates L3 and plans the payload rewrite. */
static enum eipoib_verdict
rx_analyse(const uint8_t *base, size_t end, struct rx_state *s)
{
    const uint8_t *l3 = base + s->l3;
    size_t avail = end - s->l3;
    bool bad_csum;

    s->kind = PAYLOAD_PLAIN;
    switch (s->type) {
    case IPOIB_TYPE_IPV4:
        s->l3_len = ipv4_length(l3, avail);
        if (!s->l3_len) {
            return EIPOIB_RX_BAD_IPV4;
        }
        if (!dhcp_analyse(l3, s->l3_len, &s->dhcp)) {
            return EIPOIB_RX_BAD_DHCP;
        }
        if (s->dhcp.active && l3[s->dhcp.bootp + 1] == IPOIB_DHCP_HTYPE) {
            if (!dhcp_checksums_ok(l3, &s->dhcp)) {
                return EIPOIB_RX_BAD_CHECKSUM;
            }
            s->kind = PAYLOAD_DHCP;
        }
        break;

    case IPOIB_TYPE_IPV6:
        s->l3_len = ipv6_length(l3, avail);
        if (!s->l3_len) {
            return EIPOIB_RX_BAD_IPV6;
        }
        if (!nd_analyse(l3, s->l3_len, IPOIB_ND_OPT_UNITS, &s->nd,
                        &bad_csum)) {
            return bad_csum ? EIPOIB_RX_BAD_CHECKSUM : EIPOIB_RX_BAD_ND;
        }
        if (s->nd.active) {
            if (s->nd.n_lla > MAX_LLA_OPTS) {
                return EIPOIB_RX_BAD_ND;
            }
            for (size_t p = s->nd.opts; p < s->nd.end; p += l3[p + 1] * 8) {
                if ((l3[p] == IPOIB_ND_OPT_SLLA || l3[p] == IPOIB_ND_OPT_TLLA)
                    && !rx_addr_is_valid(l3 + p + 4)) {
                    return EIPOIB_RX_BAD_ND;
                }
            }
            s->kind = PAYLOAD_ND;
        }
        break;

    case IPOIB_TYPE_ARP:
    case IPOIB_TYPE_RARP:
        if (!ipoib_arp_is_valid(l3, avail)
            || !rx_addr_is_valid(l3 + 8) || !rx_addr_is_valid(l3 + 32)) {
            return EIPOIB_RX_BAD_ARP;
        }
        s->l3_len = IPOIB_ARP_LEN;
        s->kind = PAYLOAD_ARP;
        break;

    default:
        return EIPOIB_RX_ETHERTYPE;
    }

    s->out_l3 = s->l3_len;
    if (s->kind == PAYLOAD_ARP) {
        s->out_l3 = ETH_ARP_LEN;
    } else if (s->kind == PAYLOAD_ND) {
        s->out_l3 -= s->nd.n_lla * (IPOIB_ND_OPT_LEN - ND_OPT_ETH_LEN);
    }
    return EIPOIB_OK;
}

/* Destination MAC of a multicast packet: from the MGID and, for IP
 * groups, the IP destination (which has all the bits). */
static bool
rx_multicast_mac(const struct eipoib_rx_meta *meta, const uint8_t *l3,
                 const struct rx_state *s, uint8_t mac[EIPOIB_ETH_ADDR_LEN])
{
    if (ipoib_mgid_is_broadcast(&meta->dgid)) {
        memset(mac, 0xff, EIPOIB_ETH_ADDR_LEN);
    } else if (s->type == IPOIB_TYPE_IPV4 && ipv4_is_multicast(l3)) {
        mac[0] = 0x01;
        mac[1] = 0x00;
        mac[2] = 0x5e;
        mac[3] = l3[17] & 0x7f;
        mac[4] = l3[18];
        mac[5] = l3[19];
    } else if (s->type == IPOIB_TYPE_IPV6 && ipv6_is_multicast(l3)) {
        mac[0] = 0x33;
        mac[1] = 0x33;
        memcpy(mac + 2, l3 + 36, 4);
    } else {
        return ipoib_mgid_to_mac(&meta->dgid, mac);
    }
    return true;
}

/* The DHCP part of receive: which MAC goes into chaddr and where a reply
 * goes. */
static enum eipoib_verdict
rx_lookup_dhcp(const struct eipoib_xlate *ctx, const uint8_t *l3,
               struct rx_state *s, struct eipoib_rx_info *info)
{
    const uint8_t *b = l3 + s->dhcp.bootp;
    struct eipoib_dhcp_client c;

    s->remove_cid = false;
    if (s->dhcp.op == BOOTP_REQUEST) {
        /* From an IPoIB client to a DHCP server behind us: the server
         * sees the client's REMAC. */
        memcpy(s->chaddr, s->src_mac, EIPOIB_ETH_ADDR_LEN);
        return EIPOIB_OK;
    }

    const uint8_t *cid = s->dhcp.cid ? b + s->dhcp.cid + 2 : NULL;
    if (ctx->ops->dhcp_find(ctx->aux, ipoib_get_be32(b + 4), cid,
                            s->dhcp.cid_len, &c)
        && c.vlan == info->partition.vlan) {
        memcpy(s->chaddr, c.mac, EIPOIB_ETH_ADDR_LEN);
        memcpy(s->dst_mac, c.mac, EIPOIB_ETH_ADDR_LEN);
        s->remove_cid = (c.client_id_added && cid
                         && s->dhcp.cid_len == c.client_id_len
                         && !memcmp(cid, c.client_id, c.client_id_len));
        if (s->remove_cid) {
            s->out_l3 -= 2 + s->dhcp.cid_len;
        }
        if (!info->to_vif) {
            info->to_vif = ctx->ops->vif_by_mac(ctx->aux, c.mac, c.vlan,
                                                &info->vif);
        }
        return EIPOIB_OK;
    }
    if (info->to_vif) {
        memcpy(s->chaddr, info->vif.mac, EIPOIB_ETH_ADDR_LEN);
        return EIPOIB_OK;
    }
    return EIPOIB_RX_DHCP_NO_CLIENT;
}

static void
rx_write_nd(uint8_t *base, const struct rx_state *s, size_t l3)
{
    size_t i = l3, o = l3;
    int n = 0;

    i += s->nd.opts;
    o += s->nd.opts;
    while (i < l3 + s->nd.end) {
        uint8_t type = base[i];
        size_t len = base[i + 1] * 8;

        if (type == IPOIB_ND_OPT_SLLA || type == IPOIB_ND_OPT_TLLA) {
            base[o] = type;
            base[o + 1] = 1;
            memcpy(base + o + 2, s->lla[n++], EIPOIB_ETH_ADDR_LEN);
            o += ND_OPT_ETH_LEN;
        } else {
            move(base, o, i, len);
            o += len;
        }
        i += len;
    }
    nd_fix_checksum(base + l3, s->out_l3);
}

static void
rx_write_dhcp(uint8_t *base, const struct rx_state *s, size_t l3)
{
    uint8_t *ip = base + l3;
    uint8_t *b = ip + s->dhcp.bootp;
    size_t bootp_len = s->dhcp.bootp_len;

    if (s->remove_cid) {
        size_t cid = s->dhcp.bootp + s->dhcp.cid;
        size_t n = 2 + s->dhcp.cid_len;
        move(base, l3 + cid, l3 + cid + n, s->l3_len - cid - n);
        bootp_len -= n;
    }
    b[1] = DHCP_HTYPE_ETHERNET;
    b[2] = EIPOIB_ETH_ADDR_LEN;
    memcpy(b + 28, s->chaddr, EIPOIB_ETH_ADDR_LEN);
    memset(b + 28 + EIPOIB_ETH_ADDR_LEN, 0, 16 - EIPOIB_ETH_ADDR_LEN);
    dhcp_fix(ip, s->dhcp.ihl, bootp_len);
}

enum eipoib_verdict
eipoib_xlate_rx(const struct eipoib_xlate *ctx, struct eipoib_pkt *pkt,
                const struct eipoib_rx_meta *meta,
                struct eipoib_rx_info *info)
{
    const struct eipoib_partition *part = &info->partition;
    struct rx_state s;
    enum eipoib_verdict v;

    if (!pkt_is_valid(pkt)) {
        return EIPOIB_RX_NO_ROOM;
    }
    if (pkt->len < IPOIB_HDR_LEN) {
        return EIPOIB_RX_RUNT;
    }
    s.type = ipoib_hdr_type(pkt->base + pkt->ofs);
    if (!ipoib_type_is_supported(s.type)) {
        return EIPOIB_RX_ETHERTYPE;
    }
    if (!ctx->ops->partition_by_pkey(ctx->aux, ipoib_pkey_full(meta->pkey),
                                     &info->partition)) {
        return EIPOIB_RX_UNKNOWN_PKEY;
    }

    /* Who it is for. */
    s.multicast = meta->has_grh && ipoib_gid_is_multicast(&meta->dgid);
    if (s.multicast) {
        if (rx_is_own(ctx, meta, part)) {
            return EIPOIB_RX_LOOPBACK;
        }
        info->to_vif = false;
        memset(&info->vif, 0, sizeof info->vif);
    } else {
        if (!ctx->ops->vif_by_qpn(ctx->aux, meta->dst_qpn, &info->vif)) {
            return EIPOIB_RX_UNKNOWN_QPN;
        }
        if (info->vif.vlan != part->vlan) {
            return EIPOIB_RX_PARTITION_MISMATCH;
        }
        info->to_vif = true;
    }

    s.l3 = pkt->ofs + IPOIB_HDR_LEN;
    v = rx_analyse(pkt->base, pkt->ofs + pkt->len, &s);
    if (v != EIPOIB_OK) {
        return v;
    }
    const uint8_t *l3 = pkt->base + s.l3;
    if (!s.multicast) {
        memcpy(s.dst_mac, info->vif.mac, EIPOIB_ETH_ADDR_LEN);
    } else if (!rx_multicast_mac(meta, l3, &s, s.dst_mac)) {
        return EIPOIB_RX_BAD_MGID;
    }

    /* Who it is from. */
    if ((!ipoib_lid_is_unicast(meta->slid) && !meta->has_grh)
        || !ipoib_qpn_is_unicast(meta->src_qpn)
        || (meta->has_grh && !ipoib_gid_is_unicast(&meta->sgid))) {
        return EIPOIB_RX_NO_SOURCE;
    }
    if (!ctx->ops->neighbor_learn(ctx->aux, meta->src_qpn, meta->slid,
                                  meta->has_grh ? &meta->sgid : NULL, -1,
                                  s.src_mac)) {
        return EIPOIB_RX_NEIGHBOR_REFUSED;
    }

    /* Addresses inside the payload. */
    if (s.kind == PAYLOAD_ARP) {
        const struct ipoib_arp *arp = (const struct ipoib_arp *) l3;
        if (!rx_addr_to_mac(ctx, meta, &arp->sha, s.arp_sha)
            || !rx_addr_to_mac(ctx, meta, &arp->tha, s.arp_tha)) {
            return EIPOIB_RX_NEIGHBOR_REFUSED;
        }
    } else if (s.kind == PAYLOAD_ND) {
        int n = 0;
        for (size_t p = s.nd.opts; p < s.nd.end; p += l3[p + 1] * 8) {
            if (l3[p] == IPOIB_ND_OPT_SLLA || l3[p] == IPOIB_ND_OPT_TLLA) {
                struct ipoib_addr a;
                memcpy(a.b, l3 + p + 4, IPOIB_ADDR_LEN);
                if (!rx_addr_to_mac(ctx, meta, &a, s.lla[n++])) {
                    return EIPOIB_RX_NEIGHBOR_REFUSED;
                }
            }
        }
    } else if (s.kind == PAYLOAD_DHCP) {
        v = rx_lookup_dhcp(ctx, l3, &s, info);
        if (v != EIPOIB_OK) {
            return v;
        }
    }

    /* Place the frame so that its L3 starts where the input's does. */
    size_t eth_len = EIPOIB_ETH_HDR_LEN;
    size_t min_len = EIPOIB_ETH_MIN_LEN;
    if (part->vlan != EIPOIB_VLAN_NONE) {
        eth_len += EIPOIB_VLAN_HDR_LEN;
        min_len += EIPOIB_VLAN_HDR_LEN;
    }
    size_t frame_len = eth_len + s.out_l3;
    size_t out_len = frame_len < min_len ? min_len : frame_len;
    size_t start, shift;
    if (!place_output(pkt, (long) s.l3 - (long) eth_len, out_len,
                      s.kind != PAYLOAD_ARP, &start, &shift)) {
        return EIPOIB_RX_NO_ROOM;
    }

    /* From here on the buffer changes. */
    uint8_t *out = pkt->base + start;
    switch (s.kind) {
    case PAYLOAD_ARP: {
        const struct ipoib_arp *arp = (const struct ipoib_arp *) l3;
        uint8_t spa[4], tpa[4];
        uint16_t oper = ipoib_get_be16(arp->oper);
        uint8_t *eth_arp = out + eth_len;

        memcpy(spa, arp->spa, 4);
        memcpy(tpa, arp->tpa, 4);
        ipoib_put_be16(eth_arp, DHCP_HTYPE_ETHERNET);
        ipoib_put_be16(eth_arp + 2, IPOIB_TYPE_IPV4);
        eth_arp[4] = EIPOIB_ETH_ADDR_LEN;
        eth_arp[5] = 4;
        ipoib_put_be16(eth_arp + 6, oper);
        memcpy(eth_arp + 8, s.arp_sha, EIPOIB_ETH_ADDR_LEN);
        memcpy(eth_arp + 14, spa, 4);
        memcpy(eth_arp + 18, s.arp_tha, EIPOIB_ETH_ADDR_LEN);
        memcpy(eth_arp + 24, tpa, 4);
        break;
    }
    case PAYLOAD_ND:
        apply_shift(pkt, shift);
        rx_write_nd(pkt->base, &s, start + eth_len);
        break;
    case PAYLOAD_DHCP:
        apply_shift(pkt, shift);
        rx_write_dhcp(pkt->base, &s, start + eth_len);
        break;
    case PAYLOAD_PLAIN:
    default:
        apply_shift(pkt, shift);
        break;
    }

    memcpy(out, s.dst_mac, EIPOIB_ETH_ADDR_LEN);
    memcpy(out + 6, s.src_mac, EIPOIB_ETH_ADDR_LEN);
    if (part->vlan != EIPOIB_VLAN_NONE) {
        ipoib_put_be16(out + 12, ETH_TYPE_VLAN);
        ipoib_put_be16(out + 14, part->vlan);
    }
    ipoib_put_be16(out + eth_len - 2, s.type);
    if (out_len > frame_len) {
        memset(out + frame_len, 0, out_len - frame_len);
    }
    pkt->ofs = start;
    pkt->len = out_len;
    return EIPOIB_OK;
}
