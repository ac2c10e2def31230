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

#include "eipoib-mcast.h"
#include "eipoib-csum.h"

/* The parser comes first and uses nothing but ipoib.h; the membership
 * table after it uses OVS hmaps, and is left out in the kernel or with
 * EIPOIB_MCAST_PARSER_ONLY defined (tests/mcast.at checks that the parser
 * alone needs nothing else). */

#define ETH_HDR_LEN    14
#define VLAN_HDR_LEN   4
#define ETH_TYPE_IPV4  0x0800
#define ETH_TYPE_IPV6  0x86dd
#define ETH_TYPE_VLAN  0x8100

#define IP_PROTO_IGMP   2
#define IP_PROTO_ICMPV6 58

#define IPV4_HDR_MIN   20
#define IPV6_HDR_LEN   40

/* IPv6 extension headers. */
#define IPV6_NH_HOPOPTS  0
#define IPV6_NH_ROUTING  43
#define IPV6_NH_FRAGMENT 44
#define IPV6_NH_AH       51
#define IPV6_NH_DSTOPTS  60

#define IGMP_V1_REPORT 0x12
#define IGMP_V2_REPORT 0x16
#define IGMP_V2_LEAVE  0x17
#define IGMP_V3_REPORT 0x22
#define IGMP_MIN_LEN   8
#define IGMP_V3_RECORD_MIN 8

#define MLD_V1_REPORT  131
#define MLD_V1_DONE    132
#define MLD_V2_REPORT  143
#define MLD_V1_LEN     24
#define MLD_V2_HDR_LEN 8
#define MLD_V2_RECORD_MIN 20
#define ND_NEIGHBOR_SOLICIT 135
#define ND_NS_MIN_LEN  24

/* IGMPv3 (RFC 3376 4.2.12) and MLDv2 (RFC 3810 5.2.12) record types. */
#define MODE_IS_INCLUDE   1
#define MODE_IS_EXCLUDE   2
#define CHANGE_TO_INCLUDE 3
#define CHANGE_TO_EXCLUDE 4
#define ALLOW_NEW_SOURCES 5
#define BLOCK_OLD_SOURCES 6

static const char *const verdict_names[] = {
#define EIPOIB_MCAST_VERDICT(ENUM, NAME, DESCRIPTION) NAME,
    EIPOIB_MCAST_VERDICTS
#undef EIPOIB_MCAST_VERDICT
};

static const char *const verdict_descriptions[] = {
#define EIPOIB_MCAST_VERDICT(ENUM, NAME, DESCRIPTION) DESCRIPTION,
    EIPOIB_MCAST_VERDICTS
#undef EIPOIB_MCAST_VERDICT
};

const char *
eipoib_mcast_verdict_name(enum eipoib_mcast_verdict v)
{
    return (unsigned) v < N_EIPOIB_MCAST_VERDICTS ? verdict_names[v]
                                                  : "unknown";
}

const char *
eipoib_mcast_verdict_description(enum eipoib_mcast_verdict v)
{
    return (unsigned) v < N_EIPOIB_MCAST_VERDICTS ? verdict_descriptions[v]
                                                  : "unknown";
}

/* ---------------------------------------------------------------------- */
/* Groups. */

void
eipoib_mcast_group_ipv4(struct eipoib_mcast_group *g, const uint8_t ip4[4])
{
    memset(g, 0, sizeof *g);
    memcpy(g->addr, ip4, 4);
}

void
eipoib_mcast_group_ipv6(struct eipoib_mcast_group *g, const uint8_t ip6[16])
{
    memset(g, 0, sizeof *g);
    g->is_ipv6 = true;
    memcpy(g->addr, ip6, 16);
}

void
eipoib_mcast_group_solicited_node(struct eipoib_mcast_group *g,
                                  const uint8_t ip6[16])
{
    memset(g, 0, sizeof *g);
    g->is_ipv6 = true;
    g->addr[0] = 0xff;
    g->addr[1] = 0x02;
    g->addr[11] = 0x01;
    g->addr[12] = 0xff;
    memcpy(&g->addr[13], &ip6[13], 3);
}

static bool
ipv4_is_multicast(const uint8_t *ip4)
{
    return (ip4[0] & 0xf0) == 0xe0;
}

static bool
ipv6_is_multicast(const uint8_t *ip6)
{
    return ip6[0] == 0xff;
}

static bool
ipv6_is_zero(const uint8_t *ip6)
{
    for (int i = 0; i < 16; i++) {
        if (ip6[i]) {
            return false;
        }
    }
    return true;
}

static bool
ipv6_is_loopback(const uint8_t *ip6)
{
    for (int i = 0; i < 15; i++) {
        if (ip6[i]) {
            return false;
        }
    }
    return ip6[15] == 1;
}

bool
eipoib_mcast_group_is_valid(const struct eipoib_mcast_group *g)
{
    if (g->is_ipv6) {
        return ipv6_is_multicast(g->addr);
    }
    for (int i = 4; i < 16; i++) {
        if (g->addr[i]) {
            return false;
        }
    }
    return ipv4_is_multicast(g->addr);
}

void
eipoib_mcast_group_mgid(const struct eipoib_mcast_group *g, uint16_t pkey,
                        uint8_t scope, struct ipoib_gid *mgid)
{
    if (g->is_ipv6) {
        ipoib_mgid_from_ipv6(g->addr, pkey, scope, mgid);
    } else {
        ipoib_mgid_from_ipv4(g->addr, pkey, scope, mgid);
    }
}

/* ---------------------------------------------------------------------- */
/* Parser. */

/* True if 'n' bytes at 'p', with 'sum' already added, sum to 0xffff. */
static bool
csum_ok(uint32_t sum, const uint8_t *p, size_t n)
{
    return eipoib_csum_add(sum, p, n) == 0xffff;
}

/* Signals go through here twice: first with 'cb' null, to check the whole
 * frame and count them; then, if it checked out, for real. */
struct emitter {
    eipoib_mcast_signal_cb *cb;
    void *aux;
    struct eipoib_mcast_frame *frame;
    size_t n;
};

static void
emit(struct emitter *e, bool join, enum eipoib_mcast_origin origin,
     const struct eipoib_mcast_group *group)
{
    e->n++;
    if (e->cb) {
        struct eipoib_mcast_signal s = {
            .join = join,
            .origin = origin,
            .group = *group,
        };
        e->cb(e->frame, &s, e->aux);
    }
}

/* What an IGMPv3/MLDv2 record means for membership without source
 * filtering: 1 join, 0 leave, -1 nothing. */
static int
record_effect(uint8_t type, uint16_t n_sources)
{
    switch (type) {
    case MODE_IS_EXCLUDE:
    case CHANGE_TO_EXCLUDE:
        return 1;
    case MODE_IS_INCLUDE:
    case CHANGE_TO_INCLUDE:
        return n_sources ? 1 : 0;
    case ALLOW_NEW_SOURCES:
    case BLOCK_OLD_SOURCES:
        return n_sources ? 1 : -1;
    default:
        return -1;                  /* Unknown: skipped (RFC 3376 5.2). */
    }
}

/* IGMP message 'm' of 'n' bytes, checksum already verified. */
static enum eipoib_mcast_verdict
igmp_walk(const uint8_t *m, size_t n, struct emitter *e)
{
    struct eipoib_mcast_group g;

    switch (m[0]) {
    case IGMP_V1_REPORT:
    case IGMP_V2_REPORT:
    case IGMP_V2_LEAVE:
        if (!ipv4_is_multicast(m + 4)) {
            return EIPOIB_MCAST_IGMP_BAD_GROUP;
        }
        eipoib_mcast_group_ipv4(&g, m + 4);
        emit(e, m[0] != IGMP_V2_LEAVE, EIPOIB_MCAST_FROM_IGMP, &g);
        return EIPOIB_MCAST_OK;

    case IGMP_V3_REPORT: {
        uint16_t n_records = ipoib_get_be16(m + 6);
        size_t ofs = IGMP_MIN_LEN;

        for (unsigned int i = 0; i < n_records; i++) {
            if (n - ofs < IGMP_V3_RECORD_MIN) {
                return EIPOIB_MCAST_IGMP_BAD_RECORD;
            }
            const uint8_t *r = m + ofs;
            uint16_t n_sources = ipoib_get_be16(r + 2);
            size_t r_len = IGMP_V3_RECORD_MIN + 4 * (size_t) n_sources
                           + 4 * (size_t) r[1];
            if (r_len > n - ofs) {
                return EIPOIB_MCAST_IGMP_BAD_RECORD;
            }
            int effect = record_effect(r[0], n_sources);
            if (effect >= 0) {
                if (!ipv4_is_multicast(r + 4)) {
                    return EIPOIB_MCAST_IGMP_BAD_GROUP;
                }
                eipoib_mcast_group_ipv4(&g, r + 4);
                emit(e, effect, EIPOIB_MCAST_FROM_IGMP, &g);
            }
            ofs += r_len;
        }
        return EIPOIB_MCAST_OK;
    }

    default:
        return EIPOIB_MCAST_NOT_SNOOPED;
    }
}

static bool
igmp_type_is_snooped(uint8_t type)
{
    return (type == IGMP_V1_REPORT || type == IGMP_V2_REPORT
            || type == IGMP_V2_LEAVE || type == IGMP_V3_REPORT);
}

/* Checks IPv4 packet 'ip' (at most 'len' bytes) and, if it carries IGMP we
 * snoop, its message.  Sets '*msg' and '*msg_len' on success. */
static enum eipoib_mcast_verdict
ipv4_check(const uint8_t *ip, size_t len, const uint8_t **msg,
           size_t *msg_len)
{
    if (len < 10 || ip[9] != IP_PROTO_IGMP) {
        return EIPOIB_MCAST_NOT_SNOOPED;
    }
    if (len < IPV4_HDR_MIN || ip[0] >> 4 != 4) {
        return EIPOIB_MCAST_BAD_IPV4;
    }
    size_t ihl = (ip[0] & 0x0f) * 4;
    size_t total = ipoib_get_be16(ip + 2);
    if (ihl < IPV4_HDR_MIN || total < ihl || total > len) {
        return EIPOIB_MCAST_BAD_IPV4;
    }
    if (!csum_ok(0, ip, ihl)) {
        return EIPOIB_MCAST_IPV4_BAD_CHECKSUM;
    }
    if (ipoib_get_be16(ip + 6) & 0x3fff) {     /* MF or an offset. */
        return EIPOIB_MCAST_IPV4_FRAGMENT;
    }

    const uint8_t *m = ip + ihl;
    size_t n = total - ihl;
    if (n < IGMP_MIN_LEN) {
        return EIPOIB_MCAST_IGMP_RUNT;
    }
    if (!igmp_type_is_snooped(m[0])) {
        return EIPOIB_MCAST_NOT_SNOOPED;
    }
    if (!csum_ok(0, m, n)) {
        return EIPOIB_MCAST_IGMP_BAD_CHECKSUM;
    }
    *msg = m;
    *msg_len = n;
    return EIPOIB_MCAST_OK;
}

/* ICMPv6 message 'm' of 'n' bytes, checked. */
static enum eipoib_mcast_verdict
icmpv6_walk(const uint8_t *m, size_t n, struct emitter *e)
{
    struct eipoib_mcast_group g;

    switch (m[0]) {
    case MLD_V1_REPORT:
    case MLD_V1_DONE:
        if (!ipv6_is_multicast(m + 8)) {
            return EIPOIB_MCAST_MLD_BAD_GROUP;
        }
        eipoib_mcast_group_ipv6(&g, m + 8);
        emit(e, m[0] == MLD_V1_REPORT, EIPOIB_MCAST_FROM_MLD, &g);
        return EIPOIB_MCAST_OK;

    case MLD_V2_REPORT: {
        uint16_t n_records = ipoib_get_be16(m + 6);
        size_t ofs = MLD_V2_HDR_LEN;

        for (unsigned int i = 0; i < n_records; i++) {
            if (n - ofs < MLD_V2_RECORD_MIN) {
                return EIPOIB_MCAST_MLD_BAD_RECORD;
            }
            const uint8_t *r = m + ofs;
            uint16_t n_sources = ipoib_get_be16(r + 2);
            size_t r_len = MLD_V2_RECORD_MIN + 16 * (size_t) n_sources
                           + 4 * (size_t) r[1];
            if (r_len > n - ofs) {
                return EIPOIB_MCAST_MLD_BAD_RECORD;
            }
            int effect = record_effect(r[0], n_sources);
            if (effect >= 0) {
                if (!ipv6_is_multicast(r + 4)) {
                    return EIPOIB_MCAST_MLD_BAD_GROUP;
                }
                eipoib_mcast_group_ipv6(&g, r + 4);
                emit(e, effect, EIPOIB_MCAST_FROM_MLD, &g);
            }
            ofs += r_len;
        }
        return EIPOIB_MCAST_OK;
    }

    case ND_NEIGHBOR_SOLICIT:
        /* Only DAD solicitations (source ::) reach here. */
        if (ipv6_is_multicast(m + 8) || ipv6_is_zero(m + 8)) {
            return EIPOIB_MCAST_NS_BAD_TARGET;
        }
        eipoib_mcast_group_solicited_node(&g, m + 8);
        emit(e, true, EIPOIB_MCAST_FROM_DAD, &g);
        return EIPOIB_MCAST_OK;

    default:
        return EIPOIB_MCAST_NOT_SNOOPED;
    }
}

/* Checks the ICMPv6 message 'm' of 'n' bytes if it is one we snoop:
 * length for its type and checksum.  Returns NOT_SNOOPED for others. */
static enum eipoib_mcast_verdict
icmpv6_check(const uint8_t *ip, const uint8_t *m, size_t n)
{
    enum eipoib_mcast_verdict runt, bad_csum;
    size_t min;

    if (n < 1) {
        return EIPOIB_MCAST_NOT_SNOOPED;
    }
    switch (m[0]) {
    case MLD_V1_REPORT:
    case MLD_V1_DONE:
        min = MLD_V1_LEN;
        runt = EIPOIB_MCAST_MLD_RUNT;
        bad_csum = EIPOIB_MCAST_MLD_BAD_CHECKSUM;
        break;
    case MLD_V2_REPORT:
        min = MLD_V2_HDR_LEN;
        runt = EIPOIB_MCAST_MLD_RUNT;
        bad_csum = EIPOIB_MCAST_MLD_BAD_CHECKSUM;
        break;
    case ND_NEIGHBOR_SOLICIT:
        if (!ipv6_is_zero(ip + 8)) {
            return EIPOIB_MCAST_NOT_SNOOPED;    /* Not DAD. */
        }
        min = ND_NS_MIN_LEN;
        runt = EIPOIB_MCAST_NS_RUNT;
        bad_csum = EIPOIB_MCAST_NS_BAD_CHECKSUM;
        break;
    default:
        return EIPOIB_MCAST_NOT_SNOOPED;
    }
    if (n < min) {
        return runt;
    }
    if (!csum_ok(eipoib_csum_ipv6_pseudo(ip, n, IP_PROTO_ICMPV6), m, n)) {
        return bad_csum;
    }
    return EIPOIB_MCAST_OK;
}

/* Walks the extension headers of IPv6 packet 'ip' of 'len' bytes (its
 * header checked).  On success '*upper' is the upper-layer protocol, or
 * -1 when there is none to look at (a fragment, ESP, "no next header"),
 * and '*ofs' its offset. */
static enum eipoib_mcast_verdict
ipv6_walk_ext(const uint8_t *ip, size_t len, int *upper, size_t *ofs)
{
    uint8_t nh = ip[6];
    size_t o = IPV6_HDR_LEN;

    for (int n_ext = 0; ; n_ext++) {
        size_t hlen;

        switch (nh) {
        case IPV6_NH_HOPOPTS:
        case IPV6_NH_ROUTING:
        case IPV6_NH_DSTOPTS:
        case IPV6_NH_AH:
        case IPV6_NH_FRAGMENT:
            break;
        default:
            *upper = nh;
            *ofs = o;
            return EIPOIB_MCAST_OK;
        }

        if (n_ext >= EIPOIB_MCAST_MAX_EXT_HDRS || len - o < 8) {
            return EIPOIB_MCAST_BAD_EXT_HDR;
        }
        const uint8_t *h = ip + o;
        if (nh == IPV6_NH_FRAGMENT) {
            /* An offset or more fragments: no whole upper layer here. */
            if (ipoib_get_be16(h + 2) & 0xfff9) {
                *upper = -1;
                *ofs = o;
                return EIPOIB_MCAST_OK;
            }
            hlen = 8;
        } else if (nh == IPV6_NH_AH) {
            hlen = ((size_t) h[1] + 2) * 4;
        } else {
            hlen = ((size_t) h[1] + 1) * 8;
        }
        if (hlen > len - o) {
            return EIPOIB_MCAST_BAD_EXT_HDR;
        }
        nh = h[0];
        o += hlen;
    }
}

enum eipoib_mcast_verdict
eipoib_mcast_parse(const uint8_t *frame, size_t len,
                   struct eipoib_mcast_frame *frame_info,
                   eipoib_mcast_signal_cb *cb, void *aux)
{
    struct eipoib_mcast_frame f;
    struct emitter e = { .frame = &f };
    enum eipoib_mcast_verdict v;
    size_t l2 = ETH_HDR_LEN;

    memset(&f, 0, sizeof f);
    if (len < ETH_HDR_LEN) {
        return EIPOIB_MCAST_RUNT;
    }
    uint16_t type = ipoib_get_be16(frame + 12);
    if (type == ETH_TYPE_VLAN) {
        if (len < ETH_HDR_LEN + VLAN_HDR_LEN) {
            return EIPOIB_MCAST_RUNT;
        }
        f.vlan = ipoib_get_be16(frame + 14) & 0x0fff;
        type = ipoib_get_be16(frame + 16);
        l2 += VLAN_HDR_LEN;
    }
    memcpy(f.src_mac, frame + 6, 6);

    const uint8_t *ip = frame + l2;
    size_t ip_len = len - l2;
    const uint8_t *msg = NULL;
    size_t msg_len = 0;
    bool has_source = false;
    struct eipoib_mcast_group source_group;

    if (type == ETH_TYPE_IPV4) {
        v = ipv4_check(ip, ip_len, &msg, &msg_len);
        if (v != EIPOIB_MCAST_OK) {
            return v;
        }
        v = igmp_walk(msg, msg_len, &e);
    } else if (type == ETH_TYPE_IPV6) {
        if (ip_len < IPV6_HDR_LEN || ip[0] >> 4 != 6
            || ipoib_get_be16(ip + 4) > ip_len - IPV6_HDR_LEN) {
            return EIPOIB_MCAST_BAD_IPV6;
        }
        ip_len = IPV6_HDR_LEN + ipoib_get_be16(ip + 4);

        const uint8_t *src = ip + 8;
        if (!ipv6_is_zero(src) && !ipv6_is_multicast(src)
            && !ipv6_is_loopback(src)) {
            has_source = true;
            eipoib_mcast_group_solicited_node(&source_group, src);
            emit(&e, true, EIPOIB_MCAST_FROM_IPV6_SOURCE, &source_group);
        }

        int upper;
        size_t ofs;
        v = ipv6_walk_ext(ip, ip_len, &upper, &ofs);
        if (v != EIPOIB_MCAST_OK) {
            return v;
        }
        if (upper == IP_PROTO_ICMPV6) {
            v = icmpv6_check(ip, ip + ofs, ip_len - ofs);
            if (v == EIPOIB_MCAST_OK) {
                msg = ip + ofs;
                msg_len = ip_len - ofs;
                v = icmpv6_walk(msg, msg_len, &e);
            } else if (v != EIPOIB_MCAST_NOT_SNOOPED) {
                return v;
            }
        }
    } else {
        return EIPOIB_MCAST_NOT_SNOOPED;
    }
    if (v != EIPOIB_MCAST_OK && v != EIPOIB_MCAST_NOT_SNOOPED) {
        return v;
    }
    if (!e.n) {
        return EIPOIB_MCAST_NOT_SNOOPED;
    }
    if ((f.src_mac[0] & 1) || !memcmp(f.src_mac, "\0\0\0\0\0\0", 6)) {
        return EIPOIB_MCAST_BAD_SRC_MAC;
    }

    /* Checked: now for real. */
    f.n_signals = e.n;
    if (cb) {
        e.cb = cb;
        e.aux = aux;
        e.n = 0;
        if (has_source) {
            emit(&e, true, EIPOIB_MCAST_FROM_IPV6_SOURCE, &source_group);
        }
        if (msg) {
            if (type == ETH_TYPE_IPV4) {
                igmp_walk(msg, msg_len, &e);
            } else {
                icmpv6_walk(msg, msg_len, &e);
            }
        }
    }
    if (frame_info) {
        *frame_info = f;
    }
    return EIPOIB_MCAST_OK;
}

#if !defined __KERNEL__ && !defined EIPOIB_MCAST_PARSER_ONLY
/* ---------------------------------------------------------------------- */
/* Membership table. */

#include <arpa/inet.h>
#include <stdio.h>

#include "hash.h"
#include "openvswitch/hmap.h"
#include "util.h"

/* A vif that is a member of at least one group. */
struct member {
    struct hmap_node node;          /* In mc->members, by (MAC, VLAN). */
    uint8_t mac[6];
    uint16_t vlan;
    size_t n_groups;
};

struct membership {
    struct member *member;
    long long last_heard;
};

/* An MGID and how many groups want it. */
struct mgid_entry {
    struct hmap_node node;          /* In mc->mgids, by MGID. */
    uint16_t pkey;
    struct ipoib_gid mgid;
    size_t n_groups;
};

struct group_entry {
    struct hmap_node node;          /* In mc->groups, by (VLAN, group). */
    uint16_t vlan;
    struct eipoib_mcast_group group;
    struct mgid_entry *mgid;
    struct membership *ms;          /* Few members per group: an array. */
    size_t n_ms, allocated_ms;
};

struct eipoib_mcast {
    struct hmap groups;
    struct hmap mgids;
    struct hmap members;
    struct eipoib_mcast_config config;
    struct eipoib_mcast_stats stats;
    long long now;
};

void
eipoib_mcast_events_init(struct eipoib_mcast_events *evs)
{
    evs->events = NULL;
    evs->n = evs->allocated = 0;
}

void
eipoib_mcast_events_clear(struct eipoib_mcast_events *evs)
{
    evs->n = 0;
}

void
eipoib_mcast_events_destroy(struct eipoib_mcast_events *evs)
{
    free(evs->events);
    eipoib_mcast_events_init(evs);
}

static void
events_push(struct eipoib_mcast_events *evs, enum eipoib_mcast_event_type t,
            const struct group_entry *g)
{
    if (!evs) {
        return;
    }
    if (evs->n >= evs->allocated) {
        evs->events = x2nrealloc(evs->events, &evs->allocated,
                                 sizeof *evs->events);
    }
    struct eipoib_mcast_event *ev = &evs->events[evs->n++];
    ev->type = t;
    ev->vlan = g->vlan;
    ev->pkey = g->mgid->pkey;
    ev->mgid = g->mgid->mgid;
    ev->group = g->group;
}

void
eipoib_mcast_config_default(struct eipoib_mcast_config *c)
{
    c->max_groups = EIPOIB_MCAST_DEFAULT_MAX_GROUPS;
    c->max_members = EIPOIB_MCAST_DEFAULT_MAX_MEMBERS;
    c->max_groups_per_member = EIPOIB_MCAST_DEFAULT_MAX_GROUPS_PER_MEMBER;
    c->membership_ms = EIPOIB_MCAST_DEFAULT_MEMBERSHIP_MS;
    c->scope = IPOIB_SCOPE_LINK;
}

struct eipoib_mcast *
eipoib_mcast_create(const struct eipoib_mcast_config *config)
{
    struct eipoib_mcast *mc = xzalloc(sizeof *mc);

    hmap_init(&mc->groups);
    hmap_init(&mc->mgids);
    hmap_init(&mc->members);
    if (config) {
        mc->config = *config;
    } else {
        eipoib_mcast_config_default(&mc->config);
    }
    return mc;
}

void
eipoib_mcast_destroy(struct eipoib_mcast *mc)
{
    if (mc) {
        eipoib_mcast_flush(mc, NULL);
        hmap_destroy(&mc->groups);
        hmap_destroy(&mc->mgids);
        hmap_destroy(&mc->members);
        free(mc);
    }
}

void
eipoib_mcast_set_config(struct eipoib_mcast *mc,
                        const struct eipoib_mcast_config *c)
{
    mc->config = *c;
}

void
eipoib_mcast_get_config(const struct eipoib_mcast *mc,
                        struct eipoib_mcast_config *c)
{
    *c = mc->config;
}

void
eipoib_mcast_set_time(struct eipoib_mcast *mc, long long now_ms)
{
    mc->now = now_ms;
}

void
eipoib_mcast_get_stats(const struct eipoib_mcast *mc,
                       struct eipoib_mcast_stats *s)
{
    *s = mc->stats;
}

static uint32_t
member_hash(const uint8_t mac[6], uint16_t vlan)
{
    return hash_bytes(mac, 6, vlan);
}

static struct member *
member_lookup(const struct eipoib_mcast *mc, const uint8_t mac[6],
              uint16_t vlan)
{
    struct member *m;

    HMAP_FOR_EACH_WITH_HASH (m, node, member_hash(mac, vlan),
                             &mc->members) {
        if (m->vlan == vlan && !memcmp(m->mac, mac, 6)) {
            return m;
        }
    }
    return NULL;
}

static void
member_unref(struct eipoib_mcast *mc, struct member *m)
{
    if (!--m->n_groups) {
        hmap_remove(&mc->members, &m->node);
        free(m);
    }
}

static uint32_t
group_hash(uint16_t vlan, const struct eipoib_mcast_group *group)
{
    return hash_bytes(group->addr, sizeof group->addr,
                      vlan | (group->is_ipv6 << 16));
}

static struct group_entry *
group_lookup(const struct eipoib_mcast *mc, uint16_t vlan,
             const struct eipoib_mcast_group *group)
{
    struct group_entry *g;

    HMAP_FOR_EACH_WITH_HASH (g, node, group_hash(vlan, group), &mc->groups) {
        if (g->vlan == vlan && g->group.is_ipv6 == group->is_ipv6
            && !memcmp(g->group.addr, group->addr, sizeof group->addr)) {
            return g;
        }
    }
    return NULL;
}

static uint32_t
mgid_hash(const struct ipoib_gid *mgid)
{
    return hash_bytes(mgid->b, sizeof mgid->b, 0);
}

/* Takes a reference to MGID of 'g'; an event if it is the first. */
static void
mgid_ref(struct eipoib_mcast *mc, struct group_entry *g, uint16_t pkey,
         struct eipoib_mcast_events *evs)
{
    struct ipoib_gid mgid;
    struct mgid_entry *me;
    uint32_t hash;

    eipoib_mcast_group_mgid(&g->group, pkey, mc->config.scope, &mgid);
    hash = mgid_hash(&mgid);
    HMAP_FOR_EACH_WITH_HASH (me, node, hash, &mc->mgids) {
        if (!memcmp(&me->mgid, &mgid, sizeof mgid)) {
            me->n_groups++;
            g->mgid = me;
            return;
        }
    }
    me = xzalloc(sizeof *me);
    me->pkey = ipoib_pkey_full(pkey);
    me->mgid = mgid;
    me->n_groups = 1;
    hmap_insert(&mc->mgids, &me->node, hash);
    g->mgid = me;
    mc->stats.mgid_joins++;
    events_push(evs, EIPOIB_MCAST_JOIN, g);
}

/* Removes group 'g' (its memberships already gone). */
static void
group_remove(struct eipoib_mcast *mc, struct group_entry *g,
             struct eipoib_mcast_events *evs)
{
    struct mgid_entry *me = g->mgid;

    if (!--me->n_groups) {
        mc->stats.mgid_leaves++;
        events_push(evs, EIPOIB_MCAST_LEAVE, g);
        hmap_remove(&mc->mgids, &me->node);
        free(me);
    }
    hmap_remove(&mc->groups, &g->node);
    free(g->ms);
    free(g);
}

/* Removes membership 'i' of 'g', and 'g' with its last one. */
static void
membership_remove(struct eipoib_mcast *mc, struct group_entry *g, size_t i,
                  struct eipoib_mcast_events *evs)
{
    member_unref(mc, g->ms[i].member);
    g->ms[i] = g->ms[--g->n_ms];
    if (!g->n_ms) {
        group_remove(mc, g, evs);
    }
}

static struct membership *
membership_find(const struct group_entry *g, const struct member *m)
{
    for (size_t i = 0; i < g->n_ms; i++) {
        if (g->ms[i].member == m) {
            return &g->ms[i];
        }
    }
    return NULL;
}

bool
eipoib_mcast_join(struct eipoib_mcast *mc, const uint8_t mac[6],
                  uint16_t vlan, uint16_t pkey,
                  const struct eipoib_mcast_group *group,
                  struct eipoib_mcast_events *evs)
{
    if (!eipoib_mcast_group_is_valid(group)) {
        return false;
    }

    struct group_entry *g = group_lookup(mc, vlan, group);
    struct member *m = member_lookup(mc, mac, vlan);
    if (g && m) {
        struct membership *ms = membership_find(g, m);
        if (ms) {
            ms->last_heard = mc->now;
            mc->stats.joins++;
            return true;
        }
    }

    /* A new membership: check every limit before changing anything. */
    if (!m && hmap_count(&mc->members) >= mc->config.max_members) {
        mc->stats.members_refused++;
        return false;
    }
    if (m && m->n_groups >= mc->config.max_groups_per_member) {
        mc->stats.member_groups_refused++;
        return false;
    }
    if (!g && hmap_count(&mc->groups) >= mc->config.max_groups) {
        mc->stats.groups_refused++;
        return false;
    }

    if (!m) {
        m = xzalloc(sizeof *m);
        memcpy(m->mac, mac, 6);
        m->vlan = vlan;
        hmap_insert(&mc->members, &m->node, member_hash(mac, vlan));
    }
    if (!g) {
        g = xzalloc(sizeof *g);
        g->vlan = vlan;
        g->group = *group;
        hmap_insert(&mc->groups, &g->node, group_hash(vlan, group));
        mgid_ref(mc, g, pkey, evs);
    }
    if (g->n_ms >= g->allocated_ms) {
        g->ms = x2nrealloc(g->ms, &g->allocated_ms, sizeof *g->ms);
    }
    g->ms[g->n_ms++] = (struct membership) {
        .member = m,
        .last_heard = mc->now,
    };
    m->n_groups++;
    mc->stats.joins++;
    return true;
}

bool
eipoib_mcast_leave(struct eipoib_mcast *mc, const uint8_t mac[6],
                   uint16_t vlan, const struct eipoib_mcast_group *group,
                   struct eipoib_mcast_events *evs)
{
    struct group_entry *g = group_lookup(mc, vlan, group);
    struct member *m = member_lookup(mc, mac, vlan);
    struct membership *ms = g && m ? membership_find(g, m) : NULL;

    if (!ms) {
        return false;
    }
    membership_remove(mc, g, ms - g->ms, evs);
    mc->stats.leaves++;
    return true;
}

struct snoop_ctx {
    struct eipoib_mcast *mc;
    eipoib_mcast_pkey_of_vlan_cb *pkey_of_vlan;
    void *aux;
    struct eipoib_mcast_events *evs;
    bool looked_up;
    bool has_pkey;
    uint16_t pkey;
};

static void
snoop_signal(const struct eipoib_mcast_frame *f,
             const struct eipoib_mcast_signal *s, void *ctx_)
{
    struct snoop_ctx *ctx = ctx_;

    if (!ctx->looked_up) {
        ctx->looked_up = true;
        ctx->has_pkey = ctx->pkey_of_vlan(f->vlan, &ctx->pkey, ctx->aux);
        if (!ctx->has_pkey) {
            ctx->mc->stats.vlan_unmapped++;
        }
    }
    if (!ctx->has_pkey) {
        return;
    }
    if (s->join) {
        eipoib_mcast_join(ctx->mc, f->src_mac, f->vlan, ctx->pkey, &s->group,
                          ctx->evs);
    } else {
        eipoib_mcast_leave(ctx->mc, f->src_mac, f->vlan, &s->group,
                           ctx->evs);
    }
}

enum eipoib_mcast_verdict
eipoib_mcast_snoop(struct eipoib_mcast *mc, const uint8_t *frame, size_t len,
                   eipoib_mcast_pkey_of_vlan_cb *pkey_of_vlan, void *aux,
                   struct eipoib_mcast_events *evs)
{
    struct snoop_ctx ctx = {
        .mc = mc,
        .pkey_of_vlan = pkey_of_vlan,
        .aux = aux,
        .evs = evs,
    };
    enum eipoib_mcast_verdict v;

    v = eipoib_mcast_parse(frame, len, NULL, snoop_signal, &ctx);
    mc->stats.verdicts[v]++;
    return v;
}

void
eipoib_mcast_expire(struct eipoib_mcast *mc, struct eipoib_mcast_events *evs)
{
    long long limit = mc->config.membership_ms;
    struct group_entry *g;

    if (limit <= 0) {
        return;
    }
    HMAP_FOR_EACH_SAFE (g, node, &mc->groups) {
        /* Backwards, so that removal (last moves to i) skips nothing; the
         * group goes with its last membership, so stop there. */
        for (size_t i = g->n_ms; i-- > 0;) {
            if (mc->now - g->ms[i].last_heard > limit) {
                bool last = g->n_ms == 1;
                mc->stats.memberships_expired++;
                membership_remove(mc, g, i, evs);
                if (last) {
                    break;
                }
            }
        }
    }
}

size_t
eipoib_mcast_forget_member(struct eipoib_mcast *mc, const uint8_t mac[6],
                           uint16_t vlan, struct eipoib_mcast_events *evs)
{
    struct member *m = member_lookup(mc, mac, vlan);
    struct group_entry *g;

    if (!m) {
        return 0;
    }

    size_t n = m->n_groups, left = n;
    HMAP_FOR_EACH_SAFE (g, node, &mc->groups) {
        if (g->vlan != vlan) {
            continue;
        }
        struct membership *ms = membership_find(g, m);
        if (ms) {
            /* 'm' is freed with its last membership. */
            membership_remove(mc, g, ms - g->ms, evs);
            if (!--left) {
                break;
            }
        }
    }
    return n;
}

void
eipoib_mcast_flush(struct eipoib_mcast *mc, struct eipoib_mcast_events *evs)
{
    struct group_entry *g;

    HMAP_FOR_EACH_SAFE (g, node, &mc->groups) {
        while (g->n_ms > 1) {
            membership_remove(mc, g, g->n_ms - 1, evs);
        }
        membership_remove(mc, g, 0, evs);
    }
}

size_t
eipoib_mcast_n_groups(const struct eipoib_mcast *mc)
{
    return hmap_count(&mc->groups);
}

size_t
eipoib_mcast_n_mgids(const struct eipoib_mcast *mc)
{
    return hmap_count(&mc->mgids);
}

size_t
eipoib_mcast_n_members(const struct eipoib_mcast *mc)
{
    return hmap_count(&mc->members);
}

bool
eipoib_mcast_is_member(const struct eipoib_mcast *mc, const uint8_t mac[6],
                       uint16_t vlan, const struct eipoib_mcast_group *group)
{
    struct group_entry *g = group_lookup(mc, vlan, group);
    struct member *m = member_lookup(mc, mac, vlan);

    return g && m && membership_find(g, m);
}

void
eipoib_mcast_for_each_group(
    const struct eipoib_mcast *mc,
    void (*cb)(const struct eipoib_mcast_group_info *, void *aux),
    void *aux)
{
    const struct group_entry *g;

    HMAP_FOR_EACH (g, node, &mc->groups) {
        struct eipoib_mcast_group_info info = {
            .vlan = g->vlan,
            .pkey = g->mgid->pkey,
            .group = g->group,
            .mgid = g->mgid->mgid,
            .n_members = g->n_ms,
        };
        long long latest = g->ms[0].last_heard;
        for (size_t i = 1; i < g->n_ms; i++) {
            latest = MAX(latest, g->ms[i].last_heard);
        }
        info.age_ms = mc->now - latest;
        cb(&info, aux);
    }
}

void
eipoib_mcast_for_each_mgid(
    const struct eipoib_mcast *mc,
    void (*cb)(uint16_t pkey, const struct ipoib_gid *mgid, void *aux),
    void *aux)
{
    const struct mgid_entry *me;

    HMAP_FOR_EACH (me, node, &mc->mgids) {
        cb(me->pkey, &me->mgid, aux);
    }
}

const char *
eipoib_mcast_group_format(const struct eipoib_mcast_group *g,
                          char buf[EIPOIB_MCAST_GROUP_STRLEN])
{
    if (!inet_ntop(g->is_ipv6 ? AF_INET6 : AF_INET, g->addr, buf,
                   EIPOIB_MCAST_GROUP_STRLEN)) {
        snprintf(buf, EIPOIB_MCAST_GROUP_STRLEN, "?");
    }
    return buf;
}
#endif /* !__KERNEL__ && !EIPOIB_MCAST_PARSER_ONLY */
