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

/* Unit tests of lib/ipoib-host.[ch] and lib/ipoib-neigh.[ch], the link
 * layer of the native IPoIB host.  The IPv6 vectors (with their ICMPv6
 * checksums) were made with python3-scapy 2.5, independently of this code:
 * ND link-layer options as ICMPv6NDOptUnknown(type, len=3, 2 zero bytes +
 * 20-byte address). */

#include <config.h>

#include "ipoib-host.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eipoib-test.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

/* Host A (under test) and its peer B. */
static const char addr_a_hex[] = "00000048fe800000000000000002c90300012345";
static const char addr_b_hex[] = "00000049fe800000000000000002c90300016789";
static const char bcast_hex[] = "00ffffff ff12401bffff000000000000ffffffff";

/* IPv4: ICMP echo 10.0.0.1 -> 10.0.0.2, 4 bytes of data. */
static const char ping4_hex[] =
    "4500002000010000400166da0a0000010a000002080033370001000161626364";
/* IPv4: ICMP echo 10.0.0.1 -> 192.168.5.5. */
static const char ping4_far_hex[] =
    "45000020000100004001ab2e0a000001c0a80505080033370001000161626364";
/* IPv4: UDP 10.0.0.1 -> 239.1.2.3 and -> 10.0.0.255. */
static const char udp4_mcast_hex[] =
    "4500001e000100000111bec90a000001ef01020313881389000a755a6869";
static const char udp4_subnet_bcast_hex[] =
    "4500001e00010000401165cf0a0000010a0000ff13881389000a5b606869";
/* IPv6: UDP fd00::1 -> ff05::1:3. */
static const char udp6_mcast_hex[] =
    "60000000000a1140fd000000000000000000000000000001ff05000000000000"
    "000000000001000313881389000a74546869";
/* IPv6: ICMPv6 echo fd00::1 -> fd00::2. */
static const char ping6_hex[] =
    "60000000000c3a40fd000000000000000000000000000001fd00000000000000"
    "00000000000000028000c0eb0001000161626364";

/* NS from A for fd00::2 to its solicited-node group, SLLAO = A. */
static const char ns_a_hex[] =
    "6000000000303afffd000000000000000000000000000001ff02000000000000"
    "00000001ff0000028700947100000000fd000000000000000000000000000002"
    "0103000000000048fe800000000000000002c90300012345";
/* NA from A answering B's NS: S and O set, TLLAO = A. */
static const char na_a_hex[] =
    "6000000000303afffd000000000000000000000000000001fd00000000000000"
    "00000000000000028800337660000000fd000000000000000000000000000001"
    "0203000000000048fe800000000000000002c90300012345";
/* NA from B answering A's NS. */
static const char na_b_hex[] =
    "6000000000303afffd000000000000000000000000000002fd00000000000000"
    "00000000000000018800ef2f60000000fd000000000000000000000000000002"
    "0203000000000049fe800000000000000002c90300016789";
/* NS from B for fd00::1, SLLAO = B. */
static const char ns_b_hex[] =
    "6000000000303afffd000000000000000000000000000002ff02000000000000"
    "00000001ff0000018700502d00000000fd000000000000000000000000000001"
    "0103000000000049fe800000000000000002c90300016789";
/* RA from B with SLLAO and a prefix option, and the same without SLLAO. */
static const char ra_hex[] =
    "6000000000483afffe800000000000000002c90300016789ff02000000000000"
    "00000000000000018600d3350008070800000000000000000103000000000049"
    "fe800000000000000002c90300016789030440c0ffffffffffffffff00000000"
    "fd000000000000000000000000000000";
static const char ra_stripped_hex[] =
    "6000000000303afffe800000000000000002c90300016789ff02000000000000"
    "0000000000000001860003ab000807080000000000000000030440c0ffffffff"
    "ffffffff00000000fd000000000000000000000000000000";
/* Unsolicited NA from A (announcement). */
static const char una_a_hex[] =
    "6000000000303afffd000000000000000000000000000001ff02000000000000"
    "00000000000000018800717520000000fd000000000000000000000000000001"
    "0203000000000048fe800000000000000002c90300012345";
/* RS from the stack, and as it must leave (SLLAO = A added). */
static const char rs_stack_hex[] =
    "6000000000083afffd000000000000000000000000000001ff02000000000000"
    "000000000000000285007eb600000000";
static const char rs_ib_hex[] =
    "6000000000203afffd000000000000000000000000000001ff02000000000000"
    "000000000000000285009286000000000103000000000048fe80000000000000"
    "0002c90300012345";

/* ARP bodies (ref/ipoib-wire.md section 2 layout). */
static const char arp_req_a_hex[] =         /* who-has .2 tell .1 (A) */
    "0020 0800 14 04 0001"
    "00000048fe800000000000000002c90300012345 0a000001"
    "0000000000000000000000000000000000000000 0a000002";
static const char arp_req_b_hex[] =         /* who-has .1 tell .2 (B) */
    "0020 0800 14 04 0001"
    "00000049fe800000000000000002c90300016789 0a000002"
    "0000000000000000000000000000000000000000 0a000001";
static const char arp_rep_a_hex[] =         /* .1 is-at A, to B */
    "0020 0800 14 04 0002"
    "00000048fe800000000000000002c90300012345 0a000001"
    "00000049fe800000000000000002c90300016789 0a000002";
static const char arp_rep_b_hex[] =         /* .2 is-at B, to A */
    "0020 0800 14 04 0002"
    "00000049fe800000000000000002c90300016789 0a000002"
    "00000048fe800000000000000002c90300012345 0a000001";
static const char garp_a_hex[] =            /* gratuitous: .1 for .1 */
    "0020 0800 14 04 0001"
    "00000048fe800000000000000002c90300012345 0a000001"
    "0000000000000000000000000000000000000000 0a000001";

/* Helpers. */

static void
hex_addr(const char *hex, struct ipoib_addr *a)
{
    size_t len;
    unsigned char *b = eipoib_test_hex(hex, &len);

    CHECK_INT(len, IPOIB_ADDR_LEN);
    memcpy(a->b, b, IPOIB_ADDR_LEN);
    free(b);
}

static void
parse_ip(const char *s, struct in6_addr *a)
{
    struct in_addr a4;

    if (inet_pton(AF_INET, s, &a4) == 1) {
        memset(a, 0, sizeof *a);
        a->s6_addr[10] = a->s6_addr[11] = 0xff;
        memcpy(&a->s6_addr[12], &a4, 4);
    } else {
        CHECK(inet_pton(AF_INET6, s, a) == 1);
    }
}

/* IPoIB payload: 4-byte header for 'type' + the hex bytes 'body'. */
static unsigned char *
ipoib_payload(uint16_t type, const char *body, size_t *lenp)
{
    size_t len;
    unsigned char *b = eipoib_test_hex(body, &len);
    unsigned char *p = xmalloc(len + IPOIB_HDR_LEN);

    ipoib_hdr_put(p, type);
    memcpy(p + IPOIB_HDR_LEN, b, len);
    free(b);
    *lenp = len + IPOIB_HDR_LEN;
    return p;
}

/* Counters as make_host() left them. */
static uint64_t base_counters[IPOIB_HOST_N_COUNTERS];

/* Counter 'C' of 'h' since make_host(). */
#define COUNTER(H, C) \
    ((long long int) (ipoib_host_get_counter(H, C) - base_counters[C]))

/* A host "A" that is up, with 10.0.0.1/24 and fd00::1/64, at time 0, whose
 * start-up announcements have been sent and discarded. */
static struct ipoib_host *
make_host(struct ipoib_host_outbox *out)
{
    struct ipoib_host *h = ipoib_host_create(NULL);
    struct ipoib_host_ifaddr addrs[2];
    struct ipoib_addr a;

    hex_addr(addr_a_hex, &a);
    parse_ip("10.0.0.1", &addrs[0].addr);
    addrs[0].plen = 24;
    parse_ip("fd00::1", &addrs[1].addr);
    addrs[1].plen = 64;
    ipoib_host_set_addrs(h, addrs, 2, 0);
    ipoib_host_link_up(h, &a, 1, 0xffff, 2044, IPOIB_SCOPE_LINK, 0);
    ipoib_host_outbox_init(out);
    for (long long int t = 0; t <= 2000; t += 1000) {
        ipoib_host_run(h, t, out);
    }
    ipoib_host_outbox_clear(out);
    for (int c = 0; c < IPOIB_HOST_N_COUNTERS; c++) {
        base_counters[c] = ipoib_host_get_counter(h, c);
    }
    return h;
}

/* Feeds IP packet 'hex' from the stack. */
static void
from_stack(struct ipoib_host *h, const char *hex, long long int now,
           struct ipoib_host_outbox *out)
{
    size_t len;
    unsigned char *p = eipoib_test_hex(hex, &len);

    ipoib_host_from_stack(h, p, len, now, out);
    free(p);
}

/* Feeds an IPoIB datagram of 'type' with body 'hex' from B's QPN. */
static void
from_ib(struct ipoib_host *h, uint16_t type, const char *hex, bool mcast,
        long long int now, struct ipoib_host_outbox *out)
{
    struct ipoib_host_rx rx = { .src_qpn = 0x49, .slid = 2,
                                .multicast = mcast };
    size_t len;
    unsigned char *p = ipoib_payload(type, hex, &len);

    ipoib_host_from_ib(h, p, len, &rx, now, out);
    free(p);
}

/* Checks output 'i' of 'out': to the fabric, to 'dst_hex', IPoIB type
 * 'type' and body 'hex'. */
static void
check_ib_out(const struct ipoib_host_outbox *out, size_t i,
             const char *dst_hex, uint16_t type, const char *hex)
{
    if (!CHECK(i < out->n)) {
        return;
    }
    const struct ipoib_host_pkt *pkt = &out->pkts[i];
    struct ipoib_addr dst;
    size_t len;
    unsigned char *want = ipoib_payload(type, hex, &len);

    hex_addr(dst_hex, &dst);
    CHECK_INT(pkt->dest, IPOIB_HOST_TO_IB);
    CHECK_BYTES(pkt->dst.b, IPOIB_ADDR_LEN, dst.b, IPOIB_ADDR_LEN);
    CHECK_BYTES(pkt->buf->data, pkt->buf->size, want, len);
    free(want);
}

static void
check_stack_out(const struct ipoib_host_outbox *out, size_t i,
                const char *hex)
{
    if (!CHECK(i < out->n)) {
        return;
    }
    const struct ipoib_host_pkt *pkt = &out->pkts[i];
    size_t len;
    unsigned char *want = eipoib_test_hex(hex, &len);

    CHECK_INT(pkt->dest, IPOIB_HOST_TO_STACK);
    CHECK_BYTES(pkt->buf->data, pkt->buf->size, want, len);
    free(want);
}

static void
put_hex(struct ds *s, const unsigned char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        ds_put_format(s, "%02x", p[i]);
    }
}

static const struct ipoib_neigh *
neigh(const struct ipoib_host *h, const char *ip)
{
    struct in6_addr a;

    parse_ip(ip, &a);
    return ipoib_neigh_lookup(ipoib_host_neighbors(h), &a);
}

static void
finish(struct ipoib_host *h, struct ipoib_host_outbox *out)
{
    ipoib_host_outbox_destroy(out);
    ipoib_host_destroy(h);
}

/* Tests. */

/* IPv4 to an unknown neighbour: broadcast ARP request, packet queued; the
 * reply releases it to B's address; later packets go straight out. */
static void
test_arp_resolve(void)
{
    struct ipoib_host_outbox out;
    struct ipoib_host *h = make_host(&out);

    from_stack(h, ping4_hex, 10, &out);
    CHECK_INT(out.n, 1);
    check_ib_out(&out, 0, bcast_hex, IPOIB_TYPE_ARP, arp_req_a_hex);
    CHECK(neigh(h, "10.0.0.2")
          && neigh(h, "10.0.0.2")->state == IPOIB_NEIGH_INCOMPLETE);
    ipoib_host_outbox_clear(&out);

    from_ib(h, IPOIB_TYPE_ARP, arp_rep_b_hex, false, 20, &out);
    CHECK_INT(out.n, 1);
    check_ib_out(&out, 0, addr_b_hex, IPOIB_TYPE_IPV4, ping4_hex);
    CHECK(neigh(h, "10.0.0.2")
          && neigh(h, "10.0.0.2")->state == IPOIB_NEIGH_REACHABLE);
    ipoib_host_outbox_clear(&out);

    from_stack(h, ping4_hex, 30, &out);
    CHECK_INT(out.n, 1);
    check_ib_out(&out, 0, addr_b_hex, IPOIB_TYPE_IPV4, ping4_hex);
    CHECK_INT(COUNTER(h, IPOIB_HOST_ARP_REQUEST_TX), 1);
    CHECK_INT(COUNTER(h, IPOIB_HOST_ARP_REPLY_RX), 1);
    CHECK_INT(COUNTER(h, IPOIB_HOST_IB_TX), 3);
    finish(h, &out);
}

/* A request for our address: unicast reply to the requester's QPN/GID,
 * and the requester is learned. */
static void
test_arp_answer(void)
{
    struct ipoib_host_outbox out;
    struct ipoib_host *h = make_host(&out);

    from_ib(h, IPOIB_TYPE_ARP, arp_req_b_hex, true, 10, &out);
    CHECK_INT(out.n, 1);
    check_ib_out(&out, 0, addr_b_hex, IPOIB_TYPE_ARP, arp_rep_a_hex);
    CHECK(neigh(h, "10.0.0.2")
          && neigh(h, "10.0.0.2")->state == IPOIB_NEIGH_STALE);
    ipoib_host_outbox_clear(&out);

    /* The learned entry is used right away (and reconfirmed by a unicast
     * probe, since it is STALE). */
    from_stack(h, ping4_hex, 20, &out);
    CHECK_INT(out.n, 2);
    check_ib_out(&out, 0, addr_b_hex, IPOIB_TYPE_IPV4, ping4_hex);
    check_ib_out(&out, 1, addr_b_hex, IPOIB_TYPE_ARP, arp_req_a_hex);
    ipoib_host_outbox_clear(&out);

    /* A request for someone else is not answered. */
    static const char arp_req_other_hex[] =
        "0020 0800 14 04 0001"
        "00000049fe800000000000000002c90300016789 0a000002"
        "0000000000000000000000000000000000000000 0a000063";
    from_ib(h, IPOIB_TYPE_ARP, arp_req_other_hex, true, 30, &out);
    CHECK_INT(out.n, 0);
    CHECK_INT(COUNTER(h, IPOIB_HOST_DROP_ARP_IGNORED), 1);
    CHECK_INT(COUNTER(h, IPOIB_HOST_ARP_REQUEST_RX), 2);
    finish(h, &out);
}

/* Ethernet-format and truncated ARP, RARP, and unknown types are dropped
 * and counted. */
static void
test_arp_bad(void)
{
    struct ipoib_host_outbox out;
    struct ipoib_host *h = make_host(&out);

    static const char eth_arp_hex[] =
        "0001 0800 06 04 0001 525400123456 0a000002 000000000000 0a000001";
    from_ib(h, IPOIB_TYPE_ARP, eth_arp_hex, true, 10, &out);
    static const char short_arp_hex[] =
        "0020 0800 14 04 0001 00000049fe80";
    from_ib(h, IPOIB_TYPE_ARP, short_arp_hex, true, 10, &out);
    CHECK_INT(COUNTER(h, IPOIB_HOST_DROP_ARP_MALFORMED), 2);

    from_ib(h, IPOIB_TYPE_RARP, arp_req_b_hex, true, 10, &out);
    CHECK_INT(COUNTER(h, IPOIB_HOST_DROP_RARP), 1);
    from_ib(h, 0x88cc, "0102", true, 10, &out);
    CHECK_INT(COUNTER(h, IPOIB_HOST_DROP_IB_TYPE), 1);
    CHECK_INT(out.n, 0);
    CHECK(!neigh(h, "10.0.0.2"));
    finish(h, &out);
}

/* IPv6 to an unknown neighbour: NS to the solicited-node MGID with a
 * 24-byte SLLAO; B's NA releases the packet. */
static void
test_nd_resolve(void)
{
    struct ipoib_host_outbox out;
    struct ipoib_host *h = make_host(&out);

    from_stack(h, ping6_hex, 10, &out);
    CHECK_INT(out.n, 1);
    check_ib_out(&out, 0, "00ffffff ff12601bffff00000000 0001ff000002",
                 IPOIB_TYPE_IPV6, ns_a_hex);
    ipoib_host_outbox_clear(&out);

    from_ib(h, IPOIB_TYPE_IPV6, na_b_hex, false, 20, &out);
    CHECK_INT(out.n, 1);
    check_ib_out(&out, 0, addr_b_hex, IPOIB_TYPE_IPV6, ping6_hex);
    CHECK(neigh(h, "fd00::2")
          && neigh(h, "fd00::2")->state == IPOIB_NEIGH_REACHABLE);
    CHECK_INT(COUNTER(h, IPOIB_HOST_NS_TX), 1);
    CHECK_INT(COUNTER(h, IPOIB_HOST_NA_RX), 1);
    /* ND is not passed to the stack. */
    CHECK_INT(COUNTER(h, IPOIB_HOST_STACK_TX), 0);
    finish(h, &out);
}

/* An NS for our address: solicited NA with TLLAO, unicast to B. */
static void
test_nd_answer(void)
{
    struct ipoib_host_outbox out;
    struct ipoib_host *h = make_host(&out);

    from_ib(h, IPOIB_TYPE_IPV6, ns_b_hex, true, 10, &out);
    CHECK_INT(out.n, 1);
    check_ib_out(&out, 0, addr_b_hex, IPOIB_TYPE_IPV6, na_a_hex);
    CHECK(neigh(h, "fd00::2")
          && neigh(h, "fd00::2")->state == IPOIB_NEIGH_STALE);
    CHECK_INT(COUNTER(h, IPOIB_HOST_NA_TX), 1);
    finish(h, &out);
}

/* Broken ND: Ethernet-sized option, bad checksum, hop limit < 255. */
static void
test_nd_bad(void)
{
    struct ipoib_host_outbox out;
    struct ipoib_host *h = make_host(&out);
    size_t len;
    unsigned char *p = eipoib_test_hex(ns_b_hex, &len);
    struct ds s = DS_EMPTY_INITIALIZER;

    /* Checksum off by one. */
    p[43] ^= 1;
    put_hex(&s, p, len);
    from_ib(h, IPOIB_TYPE_IPV6, ds_cstr(&s), true, 10, &out);
    p[43] ^= 1;

    /* Hop limit 64. */
    p[7] = 64;
    ds_clear(&s);
    put_hex(&s, p, len);
    from_ib(h, IPOIB_TYPE_IPV6, ds_cstr(&s), true, 10, &out);
    p[7] = 255;

    /* An Ethernet-format SLLAO (len 1, 8 bytes), valid checksum. */
    static const char ns_eth_opt_hex[] =
        "6000000000203afffd000000000000000000000000000002ff02000000000000"
        "00000001ff0000018700f8dc00000000fd000000000000000000000000000001"
        "0101525400123456";
    from_ib(h, IPOIB_TYPE_IPV6, ns_eth_opt_hex, true, 10, &out);

    CHECK_INT(COUNTER(h, IPOIB_HOST_DROP_ND_MALFORMED), 3);
    CHECK_INT(out.n, 0);
    CHECK(!neigh(h, "fd00::2"));
    ds_destroy(&s);
    free(p);
    finish(h, &out);
}

/* Router advertisements: the router is learned from the SLLAO, and the
 * stack gets the RA without it (checksum and length fixed).  Router
 * solicitations from the stack get our SLLAO. */
static void
test_nd_router(void)
{
    struct ipoib_host_outbox out;
    struct ipoib_host *h = make_host(&out);

    from_ib(h, IPOIB_TYPE_IPV6, ra_hex, true, 10, &out);
    CHECK_INT(out.n, 1);
    check_stack_out(&out, 0, ra_stripped_hex);
    const struct ipoib_neigh *n = neigh(h, "fe80::2:c903:1:6789");
    struct ipoib_addr b;
    hex_addr(addr_b_hex, &b);
    CHECK(n && ipoib_addr_equals(&n->lladdr, &b));
    ipoib_host_outbox_clear(&out);

    from_stack(h, rs_stack_hex, 20, &out);
    CHECK_INT(out.n, 1);
    check_ib_out(&out, 0, "00ffffff ff12601bffff00000000 000000000002",
                 IPOIB_TYPE_IPV6, rs_ib_hex);
    finish(h, &out);
}

/* Broadcast and multicast destinations come from the IP destination. */
static void
test_mcast_dest(void)
{
    struct ipoib_host_outbox out;
    struct ipoib_host *h = make_host(&out);

    from_stack(h, udp4_mcast_hex, 10, &out);
    check_ib_out(&out, 0, "00ffffff ff12401bffff000000000000 0f010203",
                 IPOIB_TYPE_IPV4, udp4_mcast_hex);
    from_stack(h, udp4_subnet_bcast_hex, 10, &out);
    check_ib_out(&out, 1, bcast_hex, IPOIB_TYPE_IPV4, udp4_subnet_bcast_hex);
    from_stack(h, udp6_mcast_hex, 10, &out);
    check_ib_out(&out, 2, "00ffffff ff12601bffff 00000000000000010003",
                 IPOIB_TYPE_IPV6, udp6_mcast_hex);
    CHECK_INT(out.n, 3);
    CHECK_INT(COUNTER(h, IPOIB_HOST_ARP_REQUEST_TX), 0);
    finish(h, &out);
}

/* Groups to join: all-hosts for both families, the solicited-node group
 * of fd00::1, and the stack's groups, sorted and without duplicates. */
static void
test_groups(void)
{
    struct ipoib_host_outbox out;
    struct ipoib_host *h = make_host(&out);
    struct in6_addr stack[4];
    struct ipoib_gid *mgids;
    size_t n;
    struct ds s = DS_EMPTY_INITIALIZER;

    parse_ip("239.1.2.3", &stack[0]);
    parse_ip("ff01::1", &stack[1]);        /* Same MGID as ff02::1. */
    parse_ip("224.0.0.1", &stack[2]);      /* Duplicate. */
    parse_ip("10.0.0.1", &stack[3]);       /* Not a group: ignored. */
    ipoib_host_wanted_groups(h, stack, 4, &mgids, &n);
    for (size_t i = 0; i < n; i++) {
        char gid[IPOIB_GID_STRLEN];
        ds_put_format(&s, "%s\n", ipoib_gid_format(&mgids[i], gid));
    }
    CHECK(!strcmp(ds_cstr(&s),
                  "ff12:401b:ffff::1\n"
                  "ff12:401b:ffff::f01:203\n"
                  "ff12:601b:ffff::1\n"
                  "ff12:601b:ffff::1:ff00:1\n")
          || !fprintf(stderr, "got:\n%s", ds_cstr(&s)));
    free(mgids);
    ds_destroy(&s);
    finish(h, &out);
}

/* Link up announces each address three times, a second apart: gratuitous
 * ARP and unsolicited NA with the override flag. */
static void
test_announce(void)
{
    struct ipoib_host *h = ipoib_host_create(NULL);
    struct ipoib_host_outbox out;
    struct ipoib_host_ifaddr addrs[2];
    struct ipoib_addr a;

    ipoib_host_outbox_init(&out);
    hex_addr(addr_a_hex, &a);
    parse_ip("10.0.0.1", &addrs[0].addr);
    addrs[0].plen = 24;
    parse_ip("fd00::1", &addrs[1].addr);
    addrs[1].plen = 64;
    ipoib_host_set_addrs(h, addrs, 2, 0);
    ipoib_host_link_up(h, &a, 1, 0xffff, 2044, IPOIB_SCOPE_LINK, 100);
    CHECK_INT(ipoib_host_next_wake(h), 100);

    ipoib_host_run(h, 100, &out);
    CHECK_INT(out.n, 2);
    check_ib_out(&out, 0, bcast_hex, IPOIB_TYPE_ARP, garp_a_hex);
    check_ib_out(&out, 1, "00ffffff ff12601bffff00000000 000000000001",
                 IPOIB_TYPE_IPV6, una_a_hex);
    CHECK_INT(ipoib_host_next_wake(h), 1100);
    ipoib_host_run(h, 600, &out);
    CHECK_INT(out.n, 2);
    ipoib_host_run(h, 1100, &out);
    ipoib_host_run(h, 2100, &out);
    ipoib_host_run(h, 3100, &out);
    CHECK_INT(out.n, 6);
    CHECK_INT(ipoib_host_next_wake(h), LLONG_MAX);
    finish(h, &out);
}

/* Neighbour timers: failed resolution drops the queue after 3 probes; a
 * stale entry is probed by unicast and re-resolved by broadcast when the
 * unicast probes go unanswered (a peer that came back with a new QPN). */
static void
test_neigh_timers(void)
{
    struct ipoib_host_outbox out;
    struct ipoib_host *h = make_host(&out);

    /* 10 packets, queue of 8: two give way. */
    for (int i = 0; i < 10; i++) {
        from_stack(h, ping4_hex, 10, &out);
    }
    CHECK_INT(out.n, 1);
    CHECK_INT(COUNTER(h, IPOIB_HOST_DROP_NEIGH_QUEUE), 2);
    CHECK_INT(ipoib_host_next_wake(h), 1010);
    ipoib_host_run(h, 1010, &out);
    ipoib_host_run(h, 2010, &out);
    CHECK_INT(out.n, 3);
    check_ib_out(&out, 2, bcast_hex, IPOIB_TYPE_ARP, arp_req_a_hex);
    ipoib_host_run(h, 3010, &out);
    CHECK_INT(out.n, 3);
    CHECK(!neigh(h, "10.0.0.2"));
    CHECK_INT(COUNTER(h, IPOIB_HOST_DROP_NEIGH_FAILED), 8);
    ipoib_host_outbox_clear(&out);

    /* Learn B, let it go stale, use it. */
    from_stack(h, ping4_hex, 5000, &out);
    from_ib(h, IPOIB_TYPE_ARP, arp_rep_b_hex, false, 5010, &out);
    CHECK_INT(out.n, 2);
    ipoib_host_outbox_clear(&out);
    from_stack(h, ping4_hex, 36000, &out);
    CHECK_INT(out.n, 2);
    check_ib_out(&out, 0, addr_b_hex, IPOIB_TYPE_IPV4, ping4_hex);
    check_ib_out(&out, 1, addr_b_hex, IPOIB_TYPE_ARP, arp_req_a_hex);
    ipoib_host_outbox_clear(&out);
    const struct ipoib_neigh *n = neigh(h, "10.0.0.2");
    CHECK(n && n->state == IPOIB_NEIGH_PROBE);
    from_stack(h, ping4_hex, 36000, &out);
    CHECK_INT(out.n, 1);
    check_ib_out(&out, 0, addr_b_hex, IPOIB_TYPE_IPV4, ping4_hex);
    ipoib_host_outbox_clear(&out);

    /* Two more unicast probes, then back to broadcast. */
    ipoib_host_run(h, 37000, &out);
    ipoib_host_run(h, 38000, &out);
    CHECK_INT(out.n, 2);
    check_ib_out(&out, 1, addr_b_hex, IPOIB_TYPE_ARP, arp_req_a_hex);
    ipoib_host_run(h, 39000, &out);
    CHECK_INT(out.n, 3);
    check_ib_out(&out, 2, bcast_hex, IPOIB_TYPE_ARP, arp_req_a_hex);
    n = neigh(h, "10.0.0.2");
    CHECK(n && n->state == IPOIB_NEIGH_INCOMPLETE);

    /* B answers from a new QPN: the entry takes it. */
    static const char arp_rep_b2_hex[] =
        "0020 0800 14 04 0002"
        "00000077fe800000000000000002c90300016789 0a000002"
        "00000048fe800000000000000002c90300012345 0a000001";
    ipoib_host_outbox_clear(&out);
    from_ib(h, IPOIB_TYPE_ARP, arp_rep_b2_hex, false, 39500, &out);
    from_stack(h, ping4_hex, 39600, &out);
    check_ib_out(&out, 0, "00000077fe800000000000000002c90300016789",
                 IPOIB_TYPE_IPV4, ping4_hex);
    finish(h, &out);
}

/* Other drops, each under its reason. */
static void
test_drops(void)
{
    struct ipoib_host_outbox out;
    struct ipoib_host *h = make_host(&out);

    /* Not IP. */
    from_stack(h, "0102030405", 10, &out);
    /* IPv4 total length beyond the data. */
    from_stack(h, "450000ff00010000400166da0a0000010a000002", 10, &out);
    CHECK_INT(COUNTER(h, IPOIB_HOST_DROP_STACK_MALFORMED), 2);

    /* Off-link with no gateway. */
    from_stack(h, ping4_far_hex, 10, &out);
    CHECK_INT(COUNTER(h, IPOIB_HOST_DROP_NO_ROUTE), 1);

    /* Larger than the IPoIB MTU. */
    unsigned char big[2100];
    memset(big, 0, sizeof big);
    big[0] = 0x45;
    big[2] = sizeof big >> 8;
    big[3] = sizeof big & 0xff;
    ipoib_host_from_stack(h, big, sizeof big, 10, &out);
    CHECK_INT(COUNTER(h, IPOIB_HOST_DROP_STACK_TOO_BIG), 1);

    /* ND from the stack: we do ND ourselves. */
    from_stack(h, na_a_hex, 10, &out);
    CHECK_INT(COUNTER(h, IPOIB_HOST_DROP_STACK_ND), 1);

    /* Our own multicast, looped back (SLID 1, QPN 0x48). */
    struct ipoib_host_rx rx = { .src_qpn = 0x48, .slid = 1,
                                .multicast = true };
    size_t len;
    unsigned char *p = ipoib_payload(IPOIB_TYPE_ARP, garp_a_hex, &len);
    ipoib_host_from_ib(h, p, len, &rx, 10, &out);
    free(p);
    CHECK_INT(COUNTER(h, IPOIB_HOST_DROP_IB_LOOPBACK), 1);

    /* Shorter than the IPoIB header; truncated IP. */
    rx.src_qpn = 0x49;
    ipoib_host_from_ib(h, "\x08", 1, &rx, 10, &out);
    CHECK_INT(COUNTER(h, IPOIB_HOST_DROP_IB_SHORT), 1);
    from_ib(h, IPOIB_TYPE_IPV4, "4500", false, 10, &out);
    from_ib(h, IPOIB_TYPE_IPV6, "6000000000ff3a40", false, 10, &out);
    CHECK_INT(COUNTER(h, IPOIB_HOST_DROP_IB_IP_MALFORMED), 2);

    /* Link down. */
    ipoib_host_link_down(h);
    from_stack(h, ping4_hex, 10, &out);
    CHECK_INT(COUNTER(h, IPOIB_HOST_DROP_LINK_DOWN), 1);
    CHECK_INT(out.n, 0);

    /* Every counter has a distinct name. */
    for (int i = 0; i < IPOIB_HOST_N_COUNTERS; i++) {
        for (int j = i + 1; j < IPOIB_HOST_N_COUNTERS; j++) {
            CHECK(strcmp(ipoib_host_counter_name(i),
                         ipoib_host_counter_name(j)));
        }
    }
    finish(h, &out);
}

/* Off-link destinations go to the configured gateway's address; IP from
 * the fabric goes up unchanged. */
static void
test_gateway(void)
{
    struct ipoib_host_outbox out;
    struct ipoib_host *h = make_host(&out);
    struct in6_addr gw;
    struct ipoib_addr b;

    parse_ip("10.0.0.2", &gw);
    hex_addr(addr_b_hex, &b);
    ipoib_host_set_gateway(h, &gw);
    ipoib_host_add_neighbor(h, &gw, &b, &out);
    from_stack(h, ping4_far_hex, 10, &out);
    CHECK_INT(out.n, 1);
    check_ib_out(&out, 0, addr_b_hex, IPOIB_TYPE_IPV4, ping4_far_hex);
    ipoib_host_outbox_clear(&out);

    from_ib(h, IPOIB_TYPE_IPV4, ping4_hex, false, 20, &out);
    from_ib(h, IPOIB_TYPE_IPV6, ping6_hex, false, 20, &out);
    CHECK_INT(out.n, 2);
    check_stack_out(&out, 0, ping4_hex);
    check_stack_out(&out, 1, ping6_hex);

    struct ds s = DS_EMPTY_INITIALIZER;
    ipoib_neigh_format(ipoib_host_neighbors(h), 0, &s);
    CHECK(!strcmp(ds_cstr(&s), "10.0.0.2 00:00:00:49:fe:80:00:00:00:00:00:"
                  "00:00:02:c9:03:00:01:67:89 PERMANENT\n")
          || !fprintf(stderr, "got: %s", ds_cstr(&s)));
    ds_destroy(&s);
    finish(h, &out);
}

/* Mutated and truncated versions of every vector above, from the fabric
 * and from the stack: never a crash or an out-of-bounds read (run it under
 * AddressSanitizer), and every packet is counted in. */
static void
test_random(void)
{
    static const struct {
        uint16_t type;
        const char *hex;
    } seeds[] = {
        { IPOIB_TYPE_ARP, arp_req_b_hex }, { IPOIB_TYPE_ARP, arp_rep_b_hex },
        { IPOIB_TYPE_IPV6, ns_b_hex }, { IPOIB_TYPE_IPV6, na_b_hex },
        { IPOIB_TYPE_IPV6, ra_hex }, { IPOIB_TYPE_IPV6, rs_stack_hex },
        { IPOIB_TYPE_IPV6, ping6_hex }, { IPOIB_TYPE_IPV4, ping4_hex },
        { IPOIB_TYPE_IPV4, udp4_mcast_hex },
    };
    struct ipoib_host_outbox out;
    struct ipoib_host *h = make_host(&out);
    uint32_t seed = 12345;
    int n_ib = 0, n_stack = 0;

    for (int i = 0; i < 20000; i++) {
        size_t len;
        unsigned char *p = ipoib_payload(seeds[i % ARRAY_SIZE(seeds)].type,
                                         seeds[i % ARRAY_SIZE(seeds)].hex,
                                         &len);
        /* A few random byte changes, then a random length. */
        for (int j = 0; j < 1 + i % 4; j++) {
            seed = seed * 1103515245 + 12345;
            p[(seed >> 8) % len] ^= (seed >> 20) | 1;
        }
        seed = seed * 1103515245 + 12345;
        size_t cut = (seed >> 8) % (len + 1);

        /* Copy into an exact-size buffer so that a sanitizer sees any
         * read past the end. */
        unsigned char *exact = xmemdup(p, cut);
        struct ipoib_host_rx rx = { .src_qpn = 0x49, .slid = 2,
                                    .multicast = i & 1 };
        ipoib_host_from_ib(h, exact, cut, &rx, i, &out);
        n_ib++;
        if (cut > IPOIB_HDR_LEN) {
            ipoib_host_from_stack(h, exact + IPOIB_HDR_LEN,
                                  cut - IPOIB_HDR_LEN, i, &out);
            n_stack++;
        }
        ipoib_host_run(h, i * 10, &out);
        free(exact);
        free(p);
        ipoib_host_outbox_clear(&out);
    }
    CHECK_INT(COUNTER(h, IPOIB_HOST_IB_RX), n_ib);
    CHECK_INT(COUNTER(h, IPOIB_HOST_STACK_RX), n_stack);
    finish(h, &out);
}

EIPOIB_TEST_REGISTER("ipoib-host-arp-resolve", test_arp_resolve);
EIPOIB_TEST_REGISTER("ipoib-host-arp-answer", test_arp_answer);
EIPOIB_TEST_REGISTER("ipoib-host-arp-bad", test_arp_bad);
EIPOIB_TEST_REGISTER("ipoib-host-nd-resolve", test_nd_resolve);
EIPOIB_TEST_REGISTER("ipoib-host-nd-answer", test_nd_answer);
EIPOIB_TEST_REGISTER("ipoib-host-nd-bad", test_nd_bad);
EIPOIB_TEST_REGISTER("ipoib-host-nd-router", test_nd_router);
EIPOIB_TEST_REGISTER("ipoib-host-mcast-dest", test_mcast_dest);
EIPOIB_TEST_REGISTER("ipoib-host-groups", test_groups);
EIPOIB_TEST_REGISTER("ipoib-host-announce", test_announce);
EIPOIB_TEST_REGISTER("ipoib-host-neigh-timers", test_neigh_timers);
EIPOIB_TEST_REGISTER("ipoib-host-drops", test_drops);
EIPOIB_TEST_REGISTER("ipoib-host-gateway", test_gateway);
EIPOIB_TEST_REGISTER("ipoib-host-random", test_random);
