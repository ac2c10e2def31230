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

#include "ipoib.h"

/* ---------------------------------------------------------------------- */
/* Text forms. */

static const char hexdigits[] = "0123456789abcdef";

static int
hex_value(char c)
{
    return (c >= '0' && c <= '9' ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
            : -1);
}

char *
ipoib_addr_format(const struct ipoib_addr *a, char s[IPOIB_ADDR_STRLEN])
{
    char *p = s;

    for (int i = 0; i < IPOIB_ADDR_LEN; i++) {
        if (i) {
            *p++ = ':';
        }
        *p++ = hexdigits[a->b[i] >> 4];
        *p++ = hexdigits[a->b[i] & 0xf];
    }
    *p = '\0';
    return s;
}

/* Accepts exactly 20 bytes of two hex digits each, separated by ':' (or
 * with no separators at all). */
bool
ipoib_addr_parse(const char *s, struct ipoib_addr *a)
{
    struct ipoib_addr tmp;
    bool colons = false;

    for (int i = 0; i < IPOIB_ADDR_LEN; i++) {
        if (i == 1 && *s == ':') {
            colons = true;
        }
        if (i && colons) {
            if (*s != ':') {
                return false;
            }
            s++;
        }
        int hi = hex_value(s[0]);
        int lo = hi < 0 ? -1 : hex_value(s[1]);
        if (lo < 0) {
            return false;
        }
        tmp.b[i] = (hi << 4) | lo;
        s += 2;
    }
    if (*s) {
        return false;
    }
    *a = tmp;
    return true;
}

char *
ipoib_gid_format(const struct ipoib_gid *gid, char s[IPOIB_GID_STRLEN])
{
    uint16_t w[8];
    int best = -1, best_len = 1;   /* RFC 5952: only runs of 2+ words. */
    char *p = s;

    for (int i = 0; i < 8; i++) {
        w[i] = ipoib_get_be16(&gid->b[2 * i]);
    }
    for (int i = 0, run = 0; i < 8; i++) {
        run = w[i] ? 0 : run + 1;
        if (run > best_len) {
            best = i - run + 1;
            best_len = run;
        }
    }

    for (int i = 0; i < 8; i++) {
        if (i == best) {
            *p++ = ':';
            if (i == 0) {
                *p++ = ':';
            }
            i += best_len - 1;
            continue;
        }
        bool started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            int nib = (w[i] >> shift) & 0xf;
            if (nib || started || !shift) {
                *p++ = hexdigits[nib];
                started = true;
            }
        }
        if (i < 7) {
            *p++ = ':';
        }
    }
    *p = '\0';
    return s;
}

/* Parses up to 8 groups of 1..4 hex digits separated by ':' into 'w',
 * stopping at "::" or the end.  Returns the number of groups, or -1. */
static int
parse_gid_groups(const char **sp, uint16_t w[8], int max)
{
    const char *s = *sp;
    int n = 0;

    while (*s && n < max) {
        int digits = 0;
        uint16_t v = 0;

        while (digits < 5 && hex_value(*s) >= 0) {
            v = (v << 4) | hex_value(*s++);
            digits++;
        }
        if (!digits || digits > 4) {
            return -1;
        }
        w[n++] = v;
        if (*s == ':') {
            if (s[1] == ':') {
                break;
            }
            s++;
            if (!*s) {
                return -1;
            }
        } else if (*s) {
            return -1;
        }
    }
    *sp = s;
    return n;
}

bool
ipoib_gid_parse(const char *s, struct ipoib_gid *gid)
{
    uint16_t head[8], tail[8];
    int n_head = 0, n_tail = 0;
    bool gap = false;

    if (s[0] == ':' && s[1] == ':') {
        gap = true;
        s += 2;
    } else {
        n_head = parse_gid_groups(&s, head, 8);
        if (n_head < 0) {
            return false;
        }
        if (s[0] == ':' && s[1] == ':') {
            gap = true;
            s += 2;
        }
    }
    if (gap && *s) {
        n_tail = parse_gid_groups(&s, tail, 7 - n_head);
        if (n_tail < 0) {
            return false;
        }
    }
    if (*s || (gap ? n_head + n_tail > 7 : n_head != 8)) {
        return false;
    }

    uint16_t w[8] = { 0 };
    for (int i = 0; i < n_head; i++) {
        w[i] = head[i];
    }
    for (int i = 0; i < n_tail; i++) {
        w[8 - n_tail + i] = tail[i];
    }
    for (int i = 0; i < 8; i++) {
        ipoib_put_be16(&gid->b[2 * i], w[i]);
    }
    return true;
}

/* ---------------------------------------------------------------------- */
/* Broadcast address and MGIDs. */

static void
mgid_head(uint16_t signature, uint16_t pkey, uint8_t scope,
          struct ipoib_gid *mgid)
{
    mgid->b[0] = 0xff;
    mgid->b[1] = 0x10 | (scope & 0x0f);
    ipoib_put_be16(&mgid->b[2], signature);
    ipoib_put_be16(&mgid->b[4], ipoib_pkey_full(pkey));
}

void
ipoib_broadcast_mgid(uint16_t pkey, uint8_t scope, struct ipoib_gid *mgid)
{
    mgid_head(IPOIB_MGID_SIG_IPV4, pkey, scope, mgid);
    memset(&mgid->b[6], 0, 6);
    memset(&mgid->b[12], 0xff, 4);
}

void
ipoib_broadcast_addr(uint16_t pkey, uint8_t scope, struct ipoib_addr *a)
{
    struct ipoib_gid mgid;

    ipoib_broadcast_mgid(pkey, scope, &mgid);
    ipoib_mcast_addr(&mgid, a);
}

void
ipoib_mgid_from_ipv4(const uint8_t ip4[4], uint16_t pkey, uint8_t scope,
                     struct ipoib_gid *mgid)
{
    mgid_head(IPOIB_MGID_SIG_IPV4, pkey, scope, mgid);
    memset(&mgid->b[6], 0, 6);
    mgid->b[12] = ip4[0] & 0x0f;
    memcpy(&mgid->b[13], &ip4[1], 3);
}

void
ipoib_mgid_from_ipv6(const uint8_t ip6[16], uint16_t pkey, uint8_t scope,
                     struct ipoib_gid *mgid)
{
    mgid_head(IPOIB_MGID_SIG_IPV6, pkey, scope, mgid);
    memcpy(&mgid->b[6], &ip6[6], 10);
}

void
ipoib_mcast_addr(const struct ipoib_gid *mgid, struct ipoib_addr *a)
{
    ipoib_addr_init(a, 0, IPOIB_MCAST_QPN, mgid);
}

static bool
mgid_is_ipoib(const struct ipoib_gid *mgid)
{
    return mgid->b[0] == 0xff && (mgid->b[1] & 0xf0) == 0x10;
}

bool
ipoib_mgid_is_broadcast(const struct ipoib_gid *mgid)
{
    static const uint8_t tail[10] = {
        0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff
    };

    return (mgid_is_ipoib(mgid)
            && ipoib_mgid_signature(mgid) == IPOIB_MGID_SIG_IPV4
            && !memcmp(&mgid->b[6], tail, sizeof tail));
}

bool
ipoib_mgid_to_mac(const struct ipoib_gid *mgid, uint8_t mac[6])
{
    if (!mgid_is_ipoib(mgid)) {
        return false;
    }
    switch (ipoib_mgid_signature(mgid)) {
    case IPOIB_MGID_SIG_IPV4:
        if (ipoib_mgid_is_broadcast(mgid)) {
            memset(mac, 0xff, 6);
        } else {
            mac[0] = 0x01;
            mac[1] = 0x00;
            mac[2] = 0x5e;
            mac[3] = mgid->b[13] & 0x7f;
            mac[4] = mgid->b[14];
            mac[5] = mgid->b[15];
        }
        return true;

    case IPOIB_MGID_SIG_IPV6:
        mac[0] = 0x33;
        mac[1] = 0x33;
        memcpy(&mac[2], &mgid->b[12], 4);
        return true;

    default:
        return false;
    }
}

/* ---------------------------------------------------------------------- */
/* ARP and ND layouts. */

void
ipoib_arp_put(uint8_t *p, uint16_t oper,
              const struct ipoib_addr *sha, const uint8_t spa[4],
              const struct ipoib_addr *tha, const uint8_t tpa[4])
{
    ipoib_put_be16(&p[0], IPOIB_ARP_HTYPE);
    ipoib_put_be16(&p[2], IPOIB_TYPE_IPV4);
    p[4] = IPOIB_ADDR_LEN;
    p[5] = 4;
    ipoib_put_be16(&p[6], oper);
    memcpy(&p[8], sha->b, IPOIB_ADDR_LEN);
    memcpy(&p[28], spa, 4);
    if (tha) {
        memcpy(&p[32], tha->b, IPOIB_ADDR_LEN);
    } else {
        memset(&p[32], 0, IPOIB_ADDR_LEN);
    }
    memcpy(&p[52], tpa, 4);
}

bool
ipoib_arp_is_valid(const uint8_t *p, size_t len)
{
    return (len >= IPOIB_ARP_LEN
            && ipoib_get_be16(&p[0]) == IPOIB_ARP_HTYPE
            && ipoib_get_be16(&p[2]) == IPOIB_TYPE_IPV4
            && p[4] == IPOIB_ADDR_LEN
            && p[5] == 4);
}

void
ipoib_nd_lla_put(uint8_t *p, uint8_t type, const struct ipoib_addr *a)
{
    p[0] = type;
    p[1] = IPOIB_ND_OPT_UNITS;
    p[2] = p[3] = 0;
    memcpy(&p[4], a->b, IPOIB_ADDR_LEN);
}

/* ---------------------------------------------------------------------- */
/* Remote MACs. */

void
ipoib_remac_from_lid(uint32_t qpn, uint16_t lid, uint8_t mac[6])
{
    mac[0] = IPOIB_REMAC_LID_PREFIX;
    ipoib_put_be24(&mac[1], qpn & IPOIB_QPN_MASK);
    ipoib_put_be16(&mac[4], lid);
}

void
ipoib_remac_from_gid(const struct ipoib_gid *gid, uint32_t qpn,
                     uint8_t attempt, uint8_t mac[6])
{
    uint8_t input[1 + IPOIB_GID_LEN + 3];
    uint64_t h = 0xcbf29ce484222325ULL;     /* FNV-1a 64 offset basis. */

    input[0] = attempt;
    memcpy(&input[1], gid->b, IPOIB_GID_LEN);
    ipoib_put_be24(&input[1 + IPOIB_GID_LEN], qpn & IPOIB_QPN_MASK);
    for (size_t i = 0; i < sizeof input; i++) {
        h ^= input[i];
        h *= 0x100000001b3ULL;              /* FNV-1a 64 prime. */
    }

    /* FNV alone barely mixes its last bytes into the top bits, so two
     * inputs whose top bits collide would collide again on every retry.
     * The splitmix64 finalizer spreads every bit over the whole word. */
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;

    mac[0] = IPOIB_REMAC_HASH_PREFIX;
    for (int i = 1; i < 6; i++) {
        mac[i] = h >> (64 - 8 * i);
    }
}

bool
ipoib_remac_parse_lid(const uint8_t mac[6], uint32_t *qpn, uint16_t *lid)
{
    if (mac[0] != IPOIB_REMAC_LID_PREFIX) {
        return false;
    }
    *qpn = ipoib_get_be24(&mac[1]);
    *lid = ipoib_get_be16(&mac[4]);
    return true;
}
