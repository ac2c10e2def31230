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

/* Unit tests of the translation core (lib/eipoib-xlate.[ch]) with its
 * tables (lib/eipoib-tables.[ch]).  Byte-exact vectors come from
 * tests/xlate-vectors.h, made independently with scapy by
 * tests/xlate-vectors.py; its scenario is the fixture below. */

#include <config.h>

#include "eipoib-xlate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eipoib-tables.h"
#include "eipoib-test.h"
#include "util.h"
#include "xlate-vectors.h"

#define HEADROOM 64
#define TAILROOM 64
#define GUARD    32
#define GUARD_BYTE 0xa5

static const char gid_b[] = "fe80::2:c903:1:6789";    /* Us. */
static const char gid_a[] = "fe80::2:c903:1:2345";    /* Native host A. */
static const char gid_c[] = "fe80::2:c903:1:9999";    /* Native host C. */
static const char gid_c_host[] = "fe80::2:c903:1:aaaa"; /* eIPoIB host C. */

static const char vm1_mac[] = "52:54:00:00:00:02";
static const char vm2_mac[] = "52:54:00:00:00:03";
static const char vm3_mac[] = "52:54:00:00:00:07";
static const char remac_a[] = "02:00:00:48:00:03";

/* ---------------------------------------------------------------------- */
/* Helpers. */

struct bytes {
    uint8_t *p;
    size_t n;
};

static struct bytes
hex(const char *text)
{
    struct bytes b;
    b.p = eipoib_test_hex(text, &b.n);
    return b;
}

static void
mac_from(const char *text, uint8_t mac[6])
{
    struct bytes b = hex(text);
    ovs_assert(b.n == 6);
    memcpy(mac, b.p, 6);
    free(b.p);
}

static struct ipoib_gid
gid_from(const char *text)
{
    struct ipoib_gid gid;
    ovs_assert(ipoib_gid_parse(text, &gid));
    return gid;
}

static uint16_t
be16(const uint8_t *p)
{
    return (p[0] << 8) | p[1];
}

static void
put16(uint8_t *p, uint16_t x)
{
    p[0] = x >> 8;
    p[1] = x;
}

/* The test's own Internet checksum, for frames it builds. */
static uint16_t
test_csum(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2) {
        sum += (p[i] << 8) | p[i + 1];
    }
    if (n & 1) {
        sum += p[n - 1] << 8;
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return ~sum & 0xffff;
}

/* Recomputes the ICMPv6 checksum of the IPv6 packet at 'ip'. */
static void
fix_icmp6_csum(uint8_t *ip)
{
    size_t len = be16(ip + 4);
    uint32_t sum = 0;

    for (int i = 8; i < 40; i += 2) {
        sum += be16(ip + i);
    }
    sum += len + 58;
    ip[42] = ip[43] = 0;
    put16(ip + 42, test_csum(sum, ip + 40, len));
}

/* A buffer with guard bytes on both sides, so that writes out of bounds
 * show up. */
struct buf {
    uint8_t *mem;
    struct eipoib_pkt pkt;
    uint8_t *before;            /* Copy of the buffer before translation. */
};

static void
buf_init(struct buf *b, const uint8_t *data, size_t len, size_t headroom,
         size_t tailroom)
{
    size_t size = headroom + len + tailroom;

    b->mem = xmalloc(size + 2 * GUARD);
    memset(b->mem, GUARD_BYTE, size + 2 * GUARD);
    b->pkt.base = b->mem + GUARD;
    b->pkt.size = size;
    b->pkt.ofs = headroom;
    b->pkt.len = len;
    memcpy(b->pkt.base + headroom, data, len);
    b->before = xmemdup(b->pkt.base, size);
}

static const uint8_t *
buf_data(const struct buf *b)
{
    return b->pkt.base + b->pkt.ofs;
}

/* Checks the guards, and that a translation that did not succeed left the
 * buffer alone. */
static void
buf_finish(struct buf *b, enum eipoib_verdict v, size_t headroom,
           size_t len)
{
    for (size_t i = 0; i < GUARD; i++) {
        CHECK_INT(b->mem[i], GUARD_BYTE);
        CHECK_INT(b->mem[GUARD + b->pkt.size + i], GUARD_BYTE);
    }
    if (v != EIPOIB_OK) {
        CHECK_BYTES(b->pkt.base, b->pkt.size, b->before, b->pkt.size);
        CHECK_INT(b->pkt.ofs, headroom);
        CHECK_INT(b->pkt.len, len);
    }
    free(b->mem);
    free(b->before);
}

/* A host running the translator. */
struct host {
    struct eipoib_tables *t;
    struct eipoib_xlate x;
    struct eipoib_xlate_ops ops;  /* For tests that break a callback. */
};

static void
host_add_partition(struct host *h, uint16_t vlan, uint16_t pkey,
                   uint16_t mtu, uint32_t base_qpn)
{
    struct eipoib_partition p = {
        .vlan = vlan, .pkey = pkey, .scope = IPOIB_SCOPE_LINK, .mtu = mtu,
        .base_qpn = base_qpn,
    };
    CHECK_INT(eipoib_tables_add_partition(h->t, &p), EIPOIB_TABLE_OK);
}

static void
host_add_vif(struct host *h, const char *mac, uint16_t vlan, uint32_t qpn)
{
    struct eipoib_vif vif = { .vlan = vlan, .qpn = qpn };
    mac_from(mac, vif.mac);
    CHECK_INT(eipoib_tables_add_vif(h->t, &vif, true), EIPOIB_TABLE_OK);
}

static void
host_init(struct host *h, uint16_t lid, const char *gid,
          const struct eipoib_tables_config *cfg)
{
    struct ipoib_gid g = gid_from(gid);

    h->t = eipoib_tables_create(cfg);
    h->ops = eipoib_tables_ops;
    eipoib_xlate_init(&h->x, &h->ops, h->t, lid, &g);
    host_add_partition(h, EIPOIB_VLAN_NONE, 0xffff, 2044, 0x40);
    host_add_partition(h, 10, 0x8001, 2044, 0x41);
}

/* Host B: vm1 untagged on QPN 0x49, vm2 on VLAN 10 on QPN 0x4a. */
static void
host_b(struct host *h)
{
    host_init(h, 5, gid_b, NULL);
    host_add_vif(h, vm1_mac, EIPOIB_VLAN_NONE, 0x49);
    host_add_vif(h, vm2_mac, 10, 0x4a);
}

static void
host_destroy(struct host *h)
{
    eipoib_tables_destroy(h->t);
}

static void
learn(struct host *h, uint32_t qpn, uint16_t lid, const char *gid,
      int flags, const char *want_mac)
{
    struct ipoib_gid g = gid_from(gid);
    uint8_t mac[6], want[6];

    CHECK(eipoib_tables_learn_neighbor(h->t, qpn, lid, &g, flags, mac));
    if (want_mac) {
        mac_from(want_mac, want);
        CHECK_BYTES(mac, 6, want, 6);
    }
}

/* Host A as B has learnt it (from its ARP request, with its flags). */
static void
learn_a(struct host *h)
{
    learn(h, 0x48, 3, gid_a, 0x80, remac_a);
}

static bool
check_verdict(enum eipoib_verdict got, enum eipoib_verdict want,
              const char *what)
{
    if (!CHECK_INT(got, want)) {
        fprintf(stderr, "  %s: got %s, want %s\n", what,
                eipoib_verdict_name(got), eipoib_verdict_name(want));
        return false;
    }
    return true;
}

/* Transmits 'in' (bytes) on 'h' with the given room, expects 'want_v' and,
 * if 'want' is nonnull, the IPoIB packet 'want' (hex).  Returns the
 * verdict; 'out' (if nonnull) gets a copy of the output. */
static enum eipoib_verdict
tx_bytes(struct host *h, const uint8_t *in, size_t n, size_t headroom,
         size_t tailroom, enum eipoib_verdict want_v, const char *want,
         struct eipoib_tx_info *info, struct bytes *out, const char *what)
{
    struct eipoib_tx_info info_;
    struct buf b;

    info = info ? info : &info_;
    buf_init(&b, in, n, headroom, tailroom);
    enum eipoib_verdict v = eipoib_xlate_tx(&h->x, &b.pkt, info);
    check_verdict(v, want_v, what);
    if (v == EIPOIB_OK && want) {
        struct bytes w = hex(want);
        if (!CHECK_BYTES(buf_data(&b), b.pkt.len, w.p, w.n)) {
            fprintf(stderr, "  in %s\n", what);
        }
        free(w.p);
    }
    if (out) {
        out->n = b.pkt.len;
        out->p = xmemdup(buf_data(&b), b.pkt.len);
    }
    buf_finish(&b, v, headroom, n);
    return v;
}

static enum eipoib_verdict
tx(struct host *h, const char *in, enum eipoib_verdict want_v,
   const char *want, struct eipoib_tx_info *info, const char *what)
{
    struct bytes b = hex(in);
    enum eipoib_verdict v = tx_bytes(h, b.p, b.n, HEADROOM, TAILROOM, want_v,
                                     want, info, NULL, what);
    free(b.p);
    return v;
}

static enum eipoib_verdict
rx_bytes(struct host *h, const uint8_t *in, size_t n, size_t headroom,
         size_t tailroom, const struct eipoib_rx_meta *meta,
         enum eipoib_verdict want_v, const char *want,
         struct eipoib_rx_info *info, const char *what)
{
    struct eipoib_rx_info info_;
    struct buf b;

    info = info ? info : &info_;
    buf_init(&b, in, n, headroom, tailroom);
    enum eipoib_verdict v = eipoib_xlate_rx(&h->x, &b.pkt, meta, info);
    check_verdict(v, want_v, what);
    if (v == EIPOIB_OK && want) {
        struct bytes w = hex(want);
        if (!CHECK_BYTES(buf_data(&b), b.pkt.len, w.p, w.n)) {
            fprintf(stderr, "  in %s\n", what);
        }
        free(w.p);
    }
    buf_finish(&b, v, headroom, n);
    return v;
}

static enum eipoib_verdict
rx(struct host *h, const char *in, const struct eipoib_rx_meta *meta,
   enum eipoib_verdict want_v, const char *want, struct eipoib_rx_info *info,
   const char *what)
{
    struct bytes b = hex(in);
    enum eipoib_verdict v = rx_bytes(h, b.p, b.n, HEADROOM, TAILROOM, meta,
                                     want_v, want, info, what);
    free(b.p);
    return v;
}

/* Metadata of a unicast packet from 'src_qpn'/'slid' to 'dst_qpn'. */
static struct eipoib_rx_meta
meta_unicast(uint32_t dst_qpn, uint32_t src_qpn, uint16_t slid)
{
    struct eipoib_rx_meta m;

    memset(&m, 0, sizeof m);
    m.pkey = 0xffff;
    m.dst_qpn = dst_qpn;
    m.src_qpn = src_qpn;
    m.slid = slid;
    return m;
}

/* Unicast from A (QPN 0x48, LID 3) to vm1. */
static struct eipoib_rx_meta
meta_from_a(void)
{
    return meta_unicast(0x49, 0x48, 3);
}

/* Multicast from A to 'mgid' (text). */
static struct eipoib_rx_meta
meta_mcast_from_a(const char *mgid)
{
    struct eipoib_rx_meta m = meta_unicast(0x40, 0x48, 3);

    m.has_grh = true;
    m.sgid = gid_from(gid_a);
    m.dgid = gid_from(mgid);
    return m;
}

static const char bcast_mgid[] = "ff12:401b:ffff::ffff:ffff";

static void
check_dst(const struct eipoib_tx_info *info, const char *want_hex,
          bool multicast)
{
    struct bytes w = hex(want_hex);

    CHECK_BYTES(info->dst.b, IPOIB_ADDR_LEN, w.p, w.n);
    CHECK_INT(info->multicast, multicast);
    free(w.p);
}

static const char bcast_addr[]
    = "00 ffffff ff12 401b ffff 0000 0000 0000 ffff ffff";
static const char a_addr[]
    = "80 000048 fe80 0000 0000 0000 0002 c903 0001 2345";

/* ---------------------------------------------------------------------- */
/* Verdicts. */

static void
test_xlate_verdict_names(void)
{
    CHECK(!strcmp(eipoib_verdict_name(EIPOIB_OK), "ok"));
    CHECK(!strcmp(eipoib_verdict_name(EIPOIB_TX_TOO_BIG), "tx-too-big"));
    CHECK(!strcmp(eipoib_verdict_name(N_EIPOIB_VERDICTS), "unknown"));
    CHECK(!strcmp(eipoib_verdict_name(-1), "unknown"));
    CHECK(!eipoib_verdict_is_drop(EIPOIB_OK));
    CHECK(!eipoib_verdict_is_drop(EIPOIB_UNKNOWN_VIF));
    CHECK(!eipoib_verdict_is_drop(EIPOIB_UNKNOWN_UNICAST));

    for (int i = 0; i < N_EIPOIB_VERDICTS; i++) {
        const char *name = eipoib_verdict_name(i);
        const char *desc = eipoib_verdict_description(i);

        CHECK(name[0] && desc[0] && strcmp(name, "unknown"));
        CHECK(strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-")
              == strlen(name));
        if (i > EIPOIB_UNKNOWN_UNICAST) {
            CHECK(eipoib_verdict_is_drop(i));
            CHECK(!strncmp(name, "tx-", 3) || !strncmp(name, "rx-", 3));
        }
        for (int j = 0; j < i; j++) {
            if (!CHECK(strcmp(name, eipoib_verdict_name(j)))) {
                fprintf(stderr, "  duplicate name %s\n", name);
            }
        }
    }
}
EIPOIB_TEST_REGISTER("xlate-verdict-names", test_xlate_verdict_names);

/* ---------------------------------------------------------------------- */
/* ARP and RARP. */

static void
test_xlate_tx_arp(void)
{
    struct eipoib_tx_info info;
    struct host h;

    host_b(&h);

    /* Request: broadcast, SHA = vm1's own IPoIB address. */
    tx(&h, xv_arp_req_eth, EIPOIB_OK, xv_arp_req_ib, &info, "ARP request");
    check_dst(&info, bcast_addr, true);
    CHECK_INT(info.vif.qpn, 0x49);
    CHECK_INT(info.partition.pkey, 0xffff);

    /* The same frame padded to 60 bytes: the padding goes. */
    struct bytes b = hex(xv_arp_req_eth);
    uint8_t padded[60] = { 0 };
    memcpy(padded, b.p, b.n);
    tx_bytes(&h, padded, sizeof padded, HEADROOM, TAILROOM, EIPOIB_OK,
             xv_arp_req_ib, NULL, NULL, "padded ARP request");
    /* And with no room around it at all: the output (60 bytes) fits. */
    tx_bytes(&h, padded, sizeof padded, 0, 0, EIPOIB_OK,
             xv_arp_req_ib, NULL, NULL, "ARP request, no room");
    free(b.p);

    /* Reply to A: THA is A's address with A's flags (frame 4). */
    tx(&h, xv_arp_rep_eth, EIPOIB_UNKNOWN_UNICAST, NULL, &info,
       "ARP reply before A is known");
    CHECK_INT(info.vif.qpn, 0x49);
    learn_a(&h);
    tx(&h, xv_arp_rep_eth, EIPOIB_OK, xv_ref_frame4, &info, "ARP reply");
    check_dst(&info, a_addr, false);
    CHECK_INT(info.dst_lid, 3);

    /* RARP: both addresses are vm1's. */
    tx(&h, xv_rarp_req_eth, EIPOIB_OK, xv_rarp_req_ib, &info, "RARP");
    check_dst(&info, bcast_addr, true);

    host_destroy(&h);
}
EIPOIB_TEST_REGISTER("xlate-tx-arp", test_xlate_tx_arp);

static void
test_xlate_rx_arp(void)
{
    struct eipoib_rx_meta m = meta_mcast_from_a(bcast_mgid);
    struct eipoib_rx_info info;
    struct eipoib_neighbor nb;
    uint8_t mac[6];
    struct host h;

    host_b(&h);

    /* Frame 3: A's broadcast request; A is learnt from it. */
    rx(&h, xv_ref_frame3, &m, EIPOIB_OK, xv_arp_req_eth_rx, &info,
       "ARP request from A");
    CHECK(!info.to_vif);
    CHECK_INT(info.partition.vlan, EIPOIB_VLAN_NONE);
    mac_from(remac_a, mac);
    CHECK(eipoib_tables_find_neighbor(h.t, mac, &nb));
    struct bytes a = hex(a_addr);
    CHECK_BYTES(nb.addr.b, 20, a.p, a.n);
    free(a.p);
    CHECK_INT(nb.lid, 3);

    /* So vm1's reply now goes out as frame 4, learnt, not configured. */
    tx(&h, xv_arp_rep_eth, EIPOIB_OK, xv_ref_frame4, NULL, "ARP reply");

    /* A's unicast reply: THA (vm1's address) becomes vm1's MAC. */
    struct eipoib_rx_meta u = meta_from_a();
    rx(&h, xv_arp_rep_ib_rx, &u, EIPOIB_OK, xv_arp_rep_eth_rx, &info,
       "ARP reply from A");
    CHECK(info.to_vif);
    CHECK_INT(info.vif.qpn, 0x49);
    rx(&h, xv_rarp_rep_ib_rx, &u, EIPOIB_OK, xv_rarp_rep_eth_rx, NULL,
       "RARP reply from A");

    host_destroy(&h);
}
EIPOIB_TEST_REGISTER("xlate-rx-arp", test_xlate_rx_arp);

/* ---------------------------------------------------------------------- */
/* Neighbour discovery. */

static void
test_xlate_tx_nd(void)
{
    struct eipoib_tx_info info;
    struct host h;

    host_b(&h);

    tx(&h, xv_ns_eth, EIPOIB_OK, xv_ns_ib, &info, "NS");
    check_dst(&info, "00 ffffff ff12 601b ffff 0000 0000 0001 ff01 2345",
              true);
    tx(&h, xv_rs_eth, EIPOIB_OK, xv_rs_ib, &info, "RS");
    check_dst(&info, "00 ffffff ff12 601b ffff 0000 0000 0000 0000 0002",
              true);
    tx(&h, xv_ra_eth, EIPOIB_OK, xv_ra_ib, &info, "RA");
    check_dst(&info, "00 ffffff ff12 601b ffff 0000 0000 0000 0000 0001",
              true);

    learn_a(&h);
    tx(&h, xv_na_eth, EIPOIB_OK, xv_ref_frame6, &info, "NA (frame 6)");
    check_dst(&info, a_addr, false);

    /* Redirect: its TLLAO names C, which must be known. */
    tx(&h, xv_redirect_eth, EIPOIB_TX_ND_UNKNOWN_LLADDR, NULL, NULL,
       "Redirect to unknown C");
    learn(&h, 0x60, 9, gid_c, 0, "02:00:00:60:00:09");
    tx(&h, xv_redirect_eth, EIPOIB_OK, xv_redirect_ib, NULL, "Redirect");

    /* Growth needs 6 bytes more than the Ethernet header frees: with no
     * headroom the frame moves into the tailroom, without either it does
     * not fit. */
    struct bytes ns = hex(xv_ns_eth);
    tx_bytes(&h, ns.p, ns.n, 0, 6, EIPOIB_OK, xv_ns_ib, NULL, NULL,
             "NS, only tailroom");
    tx_bytes(&h, ns.p, ns.n, 6, 0, EIPOIB_OK, xv_ns_ib, NULL, NULL,
             "NS, only headroom");
    tx_bytes(&h, ns.p, ns.n, 3, 2, EIPOIB_TX_NO_ROOM, NULL, NULL, NULL,
             "NS, 5 bytes of room");
    free(ns.p);

    host_destroy(&h);
}
EIPOIB_TEST_REGISTER("xlate-tx-nd", test_xlate_tx_nd);

static void
test_xlate_rx_nd(void)
{
    struct eipoib_rx_meta u = meta_from_a();
    struct eipoib_rx_meta m;
    struct host h;

    host_b(&h);

    m = meta_mcast_from_a("ff12:601b:ffff::1:ff01:6789");
    rx(&h, xv_ref_frame5, &m, EIPOIB_OK, xv_ns_eth_rx, NULL, "NS (frame 5)");
    rx(&h, xv_na_ib_rx, &u, EIPOIB_OK, xv_na_eth_rx, NULL, "NA");
    m = meta_mcast_from_a("ff12:601b:ffff::2");
    rx(&h, xv_rs_ib_rx, &m, EIPOIB_OK, xv_rs_eth_rx, NULL, "RS");
    m = meta_mcast_from_a("ff12:601b:ffff::1");
    rx(&h, xv_ra_ib_rx, &m, EIPOIB_OK, xv_ra_eth_rx, NULL, "RA");
    rx(&h, xv_redirect_ib_rx, &u, EIPOIB_OK, xv_redirect_eth_rx, NULL,
       "Redirect");

    /* C was learnt from the Redirect's option, under its hashed REMAC. */
    struct eipoib_neighbor nb;
    uint8_t mac[6];
    mac_from("06:14:68:4b:31:c3", mac);
    CHECK(eipoib_tables_find_neighbor(h.t, mac, &nb));
    CHECK_INT(ipoib_addr_qpn(&nb.addr), 0x60);
    CHECK_INT(nb.lid, 0);

    /* Shrinking works with no headroom (the frame moves to the tail). */
    struct bytes na = hex(xv_na_ib_rx);
    rx_bytes(&h, na.p, na.n, 0, 10, &u, EIPOIB_OK, xv_na_eth_rx, NULL,
             "NA, only tailroom");
    rx_bytes(&h, na.p, na.n, 0, 9, &u, EIPOIB_RX_NO_ROOM, NULL, NULL,
             "NA, 9 bytes of room");
    free(na.p);

    host_destroy(&h);
}
EIPOIB_TEST_REGISTER("xlate-rx-nd", test_xlate_rx_nd);

/* ---------------------------------------------------------------------- */
/* DHCP. */

static void
test_xlate_dhcp_client(void)
{
    struct eipoib_rx_meta m = meta_mcast_from_a(bcast_mgid);
    struct eipoib_dhcp_client c;
    struct eipoib_tx_info info;
    struct eipoib_rx_info rinfo;
    struct host h;

    host_b(&h);

    /* A VM that brings its own client-id (frame 7's). */
    tx(&h, xv_dhcp_discover_cid_eth, EIPOIB_OK, xv_ref_frame7, &info,
       "DISCOVER with client-id (frame 7)");
    check_dst(&info, bcast_addr, true);

    /* vm1 without one: it gets one, the packet grows... */
    tx(&h, xv_dhcp_discover_eth, EIPOIB_OK, xv_dhcp_discover_ib, NULL,
       "DISCOVER");
    CHECK(eipoib_tables_find_dhcp(h.t, 0x11223344, NULL, 0, &c));
    CHECK(c.client_id_added);
    CHECK_INT(c.client_id_len, 15);
    CHECK_INT(c.vlan, EIPOIB_VLAN_NONE);
    /* ...unless zeros after END make room. */
    tx(&h, xv_dhcp_discover_pad_eth, EIPOIB_OK, xv_dhcp_discover_pad_ib, NULL,
       "DISCOVER with trailing zeros");
    /* Growing works with no headroom too. */
    struct bytes d = hex(xv_dhcp_discover_eth);
    tx_bytes(&h, d.p, d.n, 0, 7, EIPOIB_OK, xv_dhcp_discover_ib, NULL, NULL,
             "DISCOVER, only tailroom");
    tx_bytes(&h, d.p, d.n, 0, 6, EIPOIB_TX_NO_ROOM, NULL, NULL, NULL,
             "DISCOVER, 6 bytes of room");
    free(d.p);

    /* The OFFER comes back to vm1 alone, our client-id taken out. */
    rx(&h, xv_dhcp_offer_ib_rx, &m, EIPOIB_OK, xv_dhcp_offer_eth_rx, &rinfo,
       "OFFER");
    CHECK(rinfo.to_vif);
    CHECK_INT(rinfo.vif.qpn, 0x49);

    tx(&h, xv_dhcp_request_eth, EIPOIB_OK, xv_dhcp_request_ib, NULL,
       "REQUEST");
    rx(&h, xv_dhcp_ack_ib_rx, &m, EIPOIB_OK, xv_dhcp_ack_eth_rx, NULL, "ACK");

    /* Renewing: ciaddr set, so no broadcast flag; unicast to A. */
    learn_a(&h);
    tx(&h, xv_dhcp_renew_eth, EIPOIB_OK, xv_dhcp_renew_ib, &info, "renew");
    check_dst(&info, a_addr, false);

    host_destroy(&h);

    /* A reply for a client we do not know, or with another client-id. */
    host_b(&h);
    rx(&h, xv_dhcp_offer_ib_rx, &m, EIPOIB_RX_DHCP_NO_CLIENT, NULL, NULL,
       "OFFER for nobody");
    tx(&h, xv_dhcp_discover_cid_eth, EIPOIB_OK, NULL, NULL, "DISCOVER");
    struct bytes o = hex(xv_dhcp_offer_ib_rx);
    o.p[4 + 20 + 8 + 4] = 0x1a;                     /* xid := 0x1a2b3c4d */
    o.p[4 + 20 + 8 + 5] = 0x2b;
    o.p[4 + 20 + 8 + 6] = 0x3c;
    o.p[4 + 20 + 8 + 7] = 0x4d;
    o.p[4 + 20 + 6] = o.p[4 + 20 + 7] = 0;          /* No UDP checksum. */
    rx_bytes(&h, o.p, o.n, HEADROOM, TAILROOM, &m, EIPOIB_RX_DHCP_NO_CLIENT,
             NULL, NULL, "OFFER with a client-id of someone else");
    free(o.p);
    host_destroy(&h);

    /* Refused when the table is full. */
    struct eipoib_tables_config cfg;
    eipoib_tables_config_default(&cfg);
    cfg.max_dhcp_clients = 0;
    host_init(&h, 5, gid_b, &cfg);
    host_add_vif(&h, vm1_mac, EIPOIB_VLAN_NONE, 0x49);
    tx(&h, xv_dhcp_discover_eth, EIPOIB_TX_DHCP_REFUSED, NULL, NULL,
       "DISCOVER, table full");
    struct eipoib_tables_stats stats;
    eipoib_tables_get_stats(h.t, &stats);
    CHECK_INT(stats.dhcp_refused, 1);
    host_destroy(&h);
}
EIPOIB_TEST_REGISTER("xlate-dhcp-client", test_xlate_dhcp_client);

static void
test_xlate_dhcp_server(void)
{
    struct eipoib_rx_meta m = meta_mcast_from_a(bcast_mgid);
    struct eipoib_tx_info info;
    struct host h;

    host_b(&h);

    /* vm1 serves DHCP to A, an IPoIB client. */
    rx(&h, xv_ref_frame7, &m, EIPOIB_OK, xv_dhcp_discover_eth_rx, NULL,
       "DISCOVER from A (frame 7)");
    tx(&h, xv_dhcp_offer_eth, EIPOIB_OK, xv_dhcp_offer_ib, &info, "OFFER");
    check_dst(&info, bcast_addr, true);
    rx(&h, xv_dhcp_request_ib_rx, &m, EIPOIB_OK, xv_dhcp_request_eth_rx,
       NULL, "REQUEST from A");
    tx(&h, xv_dhcp_ack_eth, EIPOIB_OK, xv_dhcp_ack_ib, NULL, "ACK");
    CHECK_INT(eipoib_tables_n_dhcp(h.t), 0);    /* Servers are not tracked. */

    host_destroy(&h);
}
EIPOIB_TEST_REGISTER("xlate-dhcp-server", test_xlate_dhcp_server);

/* ---------------------------------------------------------------------- */
/* IPv4, multicast, broadcast, VLANs, MTU. */

static void
test_xlate_ipv4(void)
{
    struct eipoib_rx_meta u = meta_from_a();
    struct eipoib_tx_info info;
    struct eipoib_rx_info rinfo;
    struct host h;

    host_b(&h);

    rx(&h, xv_ref_frame1, &u, EIPOIB_OK, xv_echo_req_eth_rx, &rinfo,
       "echo request (frame 1)");
    CHECK(rinfo.to_vif);

    learn_a(&h);
    tx(&h, xv_echo_rep_eth, EIPOIB_OK, xv_ref_frame2, &info,
       "echo reply (frame 2)");
    check_dst(&info, a_addr, false);
    /* Priority-tagged (VLAN 0) and padded: the same packet. */
    tx(&h, xv_echo_rep_eth_padded_vlan, EIPOIB_OK, xv_ref_frame2, NULL,
       "priority-tagged, padded echo reply");

    host_destroy(&h);
}
EIPOIB_TEST_REGISTER("xlate-ipv4", test_xlate_ipv4);

static void
test_xlate_mgid(void)
{
    struct eipoib_tx_info info;
    struct eipoib_rx_meta m;
    struct host h;

    host_b(&h);

    tx(&h, xv_mcast_224_eth, EIPOIB_OK, xv_mcast_224_ib, &info, "224.0.0.1");
    check_dst(&info, "00 ffffff ff12 401b ffff 0000 0000 0000 0000 0001",
              true);
    tx(&h, xv_mcast_239_eth, EIPOIB_OK, xv_mcast_239_ib, &info, "239.1.2.3");
    check_dst(&info, "00 ffffff ff12 401b ffff 0000 0000 0000 0f01 0203",
              true);
    tx(&h, xv_mcast_ff02_1_eth, EIPOIB_OK, xv_mcast_ff02_1_ib, &info,
       "ff02::1");
    check_dst(&info, "00 ffffff ff12 601b ffff 0000 0000 0000 0000 0001",
              true);
    /* Solicited-node group (NS for A). */
    tx(&h, xv_ns_eth, EIPOIB_OK, NULL, &info, "ff02::1:ff01:2345");
    check_dst(&info, "00 ffffff ff12 601b ffff 0000 0000 0001 ff01 2345",
              true);

    /* The MGID comes from the IP destination, not the MAC: 239.129.2.3
     * has the same MAC as 239.1.2.3 but another MGID. */
    struct bytes f = hex(xv_mcast_239_eth);
    f.p[14 + 17] = 129;
    f.p[14 + 10] = f.p[14 + 11] = 0;
    put16(f.p + 14 + 10, test_csum(0, f.p + 14, 20));
    f.p[14 + 26] = f.p[14 + 27] = 0;                 /* No UDP checksum. */
    tx_bytes(&h, f.p, f.n, HEADROOM, TAILROOM, EIPOIB_OK, NULL, &info, NULL,
             "239.129.2.3");
    check_dst(&info, "00 ffffff ff12 401b ffff 0000 0000 0000 0f81 0203",
              true);
    free(f.p);

    /* Receiving: the MAC from the IP destination (frame 8). */
    m = meta_mcast_from_a("ff12:401b:ffff::f01:203");
    rx(&h, xv_ref_frame8, &m, EIPOIB_OK, xv_mcast_239_eth_rx, NULL,
       "239.1.2.3 (frame 8)");

    /* On a partition of its own, the MGID carries its P_Key. */
    struct bytes v = hex(xv_rt_vlan_orig);
    tx_bytes(&h, v.p, v.n, HEADROOM, TAILROOM, EIPOIB_OK, NULL, &info, NULL,
             "239.1.2.3 on VLAN 10");
    check_dst(&info, "00 ffffff ff12 401b 8001 0000 0000 0000 0f01 0203",
              true);
    free(v.p);

    host_destroy(&h);
}
EIPOIB_TEST_REGISTER("xlate-mgid", test_xlate_mgid);

static void
test_xlate_broadcast(void)
{
    struct eipoib_tx_info info;
    struct host h;

    host_b(&h);

    /* Any frame to ff:ff:ff:ff:ff:ff goes to the broadcast group. */
    tx(&h, xv_dhcp_discover_eth, EIPOIB_OK, NULL, &info, "DHCP broadcast");
    check_dst(&info, bcast_addr, true);

    /* Received on the broadcast group: ff:ff:ff:ff:ff:ff. */
    struct eipoib_rx_meta m = meta_mcast_from_a(bcast_mgid);
    struct bytes f = hex(xv_ref_frame8);     /* UDP to 239.1.2.3... */
    struct bytes w = hex(xv_mcast_239_eth_rx);
    memset(w.p, 0xff, 6);                    /* ...on the broadcast group */
    struct buf b;
    struct eipoib_rx_info rinfo;
    buf_init(&b, f.p, f.n, HEADROOM, TAILROOM);
    CHECK_INT(eipoib_xlate_rx(&h.x, &b.pkt, &m, &rinfo), EIPOIB_OK);
    CHECK_BYTES(buf_data(&b), b.pkt.len, w.p, w.n);
    buf_finish(&b, EIPOIB_OK, HEADROOM, f.n);
    free(f.p);
    free(w.p);

    host_destroy(&h);
}
EIPOIB_TEST_REGISTER("xlate-broadcast", test_xlate_broadcast);

static void
test_xlate_vlan_pkey(void)
{
    struct eipoib_tx_info info;
    struct eipoib_rx_info rinfo;
    struct eipoib_rx_meta m;
    struct host h;

    host_b(&h);

    /* VLAN 10 <-> P_Key 0x8001. */
    tx(&h, xv_arp_req_vlan_eth, EIPOIB_OK, xv_arp_req_vlan_ib, &info,
       "ARP on VLAN 10");
    CHECK_INT(info.partition.pkey, 0x8001);
    CHECK_INT(info.vif.qpn, 0x4a);
    check_dst(&info, "00 ffffff ff12 401b 8001 0000 0000 0000 ffff ffff",
              true);

    m = meta_mcast_from_a("ff12:401b:8001::ffff:ffff");
    m.pkey = 0x8001;
    rx(&h, xv_arp_req_vlan_ib_rx, &m, EIPOIB_OK, xv_arp_req_vlan_eth_rx,
       &rinfo, "ARP on P_Key 0x8001");
    CHECK_INT(rinfo.partition.vlan, 10);
    m.pkey = 0x0001;                            /* A limited member. */
    rx(&h, xv_arp_req_vlan_ib_rx, &m, EIPOIB_OK, xv_arp_req_vlan_eth_rx,
       NULL, "ARP on P_Key 0x0001");

    /* An unmapped VLAN, an unknown P_Key. */
    struct bytes f = hex(xv_arp_req_vlan_eth);
    f.p[15] = 30;
    tx_bytes(&h, f.p, f.n, HEADROOM, TAILROOM, EIPOIB_TX_VLAN_UNMAPPED, NULL,
             NULL, NULL, "VLAN 30");
    free(f.p);
    m.pkey = 0x1234;
    rx(&h, xv_arp_req_vlan_ib_rx, &m, EIPOIB_RX_UNKNOWN_PKEY, NULL, NULL,
       "P_Key 0x1234");

    /* vm2 exists only on VLAN 10. */
    f = hex(xv_arp_req_vlan_eth);
    memmove(f.p + 12, f.p + 16, f.n - 16);
    tx_bytes(&h, f.p, f.n - 4, HEADROOM, TAILROOM, EIPOIB_UNKNOWN_VIF, NULL,
             NULL, NULL, "vm2 untagged");
    free(f.p);
    struct eipoib_rx_meta u = meta_unicast(0x4a, 0x48, 3);
    rx(&h, xv_arp_rep_ib_rx, &u, EIPOIB_RX_PARTITION_MISMATCH, NULL, NULL,
       "to vm2 on the default partition");

    /* Without a partition for untagged frames. */
    CHECK(eipoib_tables_del_partition(h.t, EIPOIB_VLAN_NONE));
    tx(&h, xv_arp_req_eth, EIPOIB_TX_UNTAGGED_UNMAPPED, NULL, NULL,
       "untagged, no partition");

    host_destroy(&h);
}
EIPOIB_TEST_REGISTER("xlate-vlan-pkey", test_xlate_vlan_pkey);

/* An Ethernet frame, vm1 -> A, carrying an IPv4 packet of 'tot' bytes. */
static struct bytes
ipv4_frame(size_t tot)
{
    struct bytes f;

    f.n = 14 + tot;
    f.p = xzalloc(f.n);
    mac_from(remac_a, f.p);
    mac_from(vm1_mac, f.p + 6);
    put16(f.p + 12, 0x0800);
    f.p[14] = 0x45;
    put16(f.p + 16, tot);
    f.p[22] = 64;
    f.p[23] = 253;                      /* Experimental protocol. */
    f.p[26] = 10;
    f.p[29] = 2;
    f.p[30] = 10;
    f.p[33] = 1;
    put16(f.p + 24, test_csum(0, f.p + 14, 20));
    return f;
}

/* An Ethernet NS from vm1 with an SLLAO and a Nonce option padding its
 * IPv6 packet to 'l3' bytes (a multiple of 8). */
static struct bytes
ns_frame(size_t l3)
{
    struct bytes base = hex(xv_ns_eth);  /* 40 + 24 + 8 bytes of IPv6. */
    struct bytes f;
    size_t extra = l3 - 72;

    f.n = 14 + l3;
    f.p = xzalloc(f.n);
    memcpy(f.p, base.p, base.n);
    put16(f.p + 14 + 4, l3 - 40);
    f.p[base.n] = 14;                   /* Nonce */
    f.p[base.n + 1] = extra / 8;
    fix_icmp6_csum(f.p + 14);
    free(base.p);
    return f;
}

static void
test_xlate_mtu(void)
{
    struct host h;

    host_b(&h);
    learn_a(&h);

    struct bytes f = ipv4_frame(2044);
    struct bytes out;
    tx_bytes(&h, f.p, f.n, HEADROOM, TAILROOM, EIPOIB_OK, NULL, NULL, &out,
             "IPv4 of exactly the MTU");
    CHECK_INT(out.n, 2048);
    CHECK_BYTES(out.p + 4, out.n - 4, f.p + 14, f.n - 14);
    free(out.p);
    free(f.p);
    f = ipv4_frame(2045);
    tx_bytes(&h, f.p, f.n, HEADROOM, TAILROOM, EIPOIB_TX_TOO_BIG, NULL, NULL,
             NULL, "IPv4 of MTU + 1");
    free(f.p);

    /* ND grows: an NS of 2024 bytes is 2040 as IPoIB (fits), one of 2032
     * would be 2048 (does not, though it fits as Ethernet).  IPv6 ND
     * packets are 40 + 8n bytes, so 2044 itself cannot happen. */
    f = ns_frame(2024);
    tx_bytes(&h, f.p, f.n, HEADROOM, TAILROOM, EIPOIB_OK, NULL, NULL, &out,
             "NS growing to 2040");
    CHECK_INT(out.n, 4 + 2040);
    free(out.p);
    free(f.p);
    f = ns_frame(2032);
    tx_bytes(&h, f.p, f.n, HEADROOM, TAILROOM, EIPOIB_TX_TOO_BIG, NULL, NULL,
             NULL, "NS growing to 2048");
    free(f.p);

    host_destroy(&h);
}
EIPOIB_TEST_REGISTER("xlate-mtu", test_xlate_mtu);

/* ---------------------------------------------------------------------- */
/* Malformed input. */

/* Transmits vector 'vec' with byte 'ofs' set to 'value' (or, if 'ofs' is
 * negative, truncated to 'value' bytes). */
static void
tx_mutated(struct host *h, const char *vec, int ofs, int value,
           enum eipoib_verdict want, const char *what)
{
    struct bytes f = hex(vec);

    if (ofs >= 0) {
        ovs_assert(ofs < f.n);
        f.p[ofs] = value;
    } else {
        ovs_assert(value <= f.n);
        f.n = value;
    }
    tx_bytes(h, f.p, f.n, HEADROOM, TAILROOM, want, NULL, NULL, NULL, what);
    free(f.p);
}

static void
rx_mutated(struct host *h, const char *vec, int ofs, int value,
           const struct eipoib_rx_meta *m, enum eipoib_verdict want,
           const char *what)
{
    struct bytes f = hex(vec);

    if (ofs >= 0) {
        ovs_assert(ofs < f.n);
        f.p[ofs] = value;
    } else {
        ovs_assert(value <= f.n);
        f.n = value;
    }
    rx_bytes(h, f.p, f.n, HEADROOM, TAILROOM, m, want, NULL, NULL, what);
    free(f.p);
}

/* An RS from vm1 with 'n' SLLAOs and a good checksum. */
static struct bytes
rs_frame(int n)
{
    struct bytes base = hex(xv_rs_eth);  /* 40 + 8 + 8 bytes of IPv6. */
    struct bytes f;

    f.n = base.n + (n - 1) * 8;
    f.p = xzalloc(f.n);
    memcpy(f.p, base.p, base.n);
    for (int i = 1; i < n; i++) {
        memcpy(f.p + base.n + (i - 1) * 8, base.p + base.n - 8, 8);
    }
    put16(f.p + 14 + 4, f.n - 14 - 40);
    fix_icmp6_csum(f.p + 14);
    free(base.p);
    return f;
}

static void
test_xlate_tx_malformed(void)
{
    struct host h;
    struct bytes f;

    host_b(&h);
    learn_a(&h);

    /* Sanity: the unmutated vectors pass. */
    tx(&h, xv_echo_rep_eth, EIPOIB_OK, NULL, NULL, "echo");
    tx(&h, xv_ns_eth, EIPOIB_OK, NULL, NULL, "NS");

    /* Ethernet. */
    tx_mutated(&h, xv_echo_rep_eth, -1, 13, EIPOIB_TX_RUNT, "13 bytes");
    tx_mutated(&h, xv_echo_rep_eth, -1, 0, EIPOIB_TX_RUNT, "0 bytes");
    tx_mutated(&h, xv_echo_rep_eth_padded_vlan, -1, 17, EIPOIB_TX_RUNT,
               "tagged, 17 bytes");
    tx_mutated(&h, xv_echo_rep_eth, 6, 0x53, EIPOIB_TX_BAD_SRC_MAC,
               "multicast source");
    f = hex(xv_echo_rep_eth);
    memset(f.p + 6, 0, 6);
    tx_bytes(&h, f.p, f.n, HEADROOM, TAILROOM, EIPOIB_TX_BAD_SRC_MAC, NULL,
             NULL, NULL, "zero source");
    free(f.p);
    tx_mutated(&h, xv_echo_rep_eth, 12, 0x88, EIPOIB_TX_ETHERTYPE,
               "Ethertype 0x8800");
    tx_mutated(&h, xv_echo_rep_eth_padded_vlan, 16, 0x81, EIPOIB_TX_ETHERTYPE,
               "double tag");
    struct eipoib_tx_info info;
    f = hex(xv_echo_rep_eth_padded_vlan);
    f.p[7] = 0x55;
    f.p[15] = 10;
    tx_bytes(&h, f.p, f.n, HEADROOM, TAILROOM, EIPOIB_UNKNOWN_VIF, NULL,
             &info, NULL, "unknown source");
    CHECK_BYTES(info.vif.mac, 6, f.p + 6, 6);     /* The vif to add. */
    CHECK_INT(info.vif.vlan, 10);
    CHECK_INT(info.vif.qpn, 0);
    CHECK_INT(info.partition.pkey, 0x8001);
    free(f.p);

    /* IPv4. */
    tx_mutated(&h, xv_echo_rep_eth, 14, 0x55, EIPOIB_TX_BAD_IPV4,
               "IP version 5");
    tx_mutated(&h, xv_echo_rep_eth, 14, 0x44, EIPOIB_TX_BAD_IPV4, "IHL 4");
    tx_mutated(&h, xv_echo_rep_eth, 17, 64, EIPOIB_TX_BAD_IPV4,
               "total length > frame");
    tx_mutated(&h, xv_echo_rep_eth, 17, 19, EIPOIB_TX_BAD_IPV4,
               "total length < header");
    tx_mutated(&h, xv_echo_rep_eth, -1, 14 + 19, EIPOIB_TX_BAD_IPV4,
               "19 bytes of IP");

    /* IPv6. */
    tx_mutated(&h, xv_ns_eth, 14, 0x40, EIPOIB_TX_BAD_IPV6, "IPv6 version 4");
    tx_mutated(&h, xv_ns_eth, 19, 33, EIPOIB_TX_BAD_IPV6,
               "payload length > frame");
    tx_mutated(&h, xv_ns_eth, -1, 14 + 39, EIPOIB_TX_BAD_IPV6,
               "39 bytes of IPv6");

    /* ARP. */
    tx_mutated(&h, xv_arp_req_eth, 15, 6, EIPOIB_TX_BAD_ARP, "htype 6");
    tx_mutated(&h, xv_arp_req_eth, 16, 0x86, EIPOIB_TX_BAD_ARP, "ptype");
    tx_mutated(&h, xv_arp_req_eth, 18, 8, EIPOIB_TX_BAD_ARP, "hlen 8");
    tx_mutated(&h, xv_arp_req_eth, 19, 16, EIPOIB_TX_BAD_ARP, "plen 16");
    tx_mutated(&h, xv_arp_req_eth, -1, 14 + 27, EIPOIB_TX_BAD_ARP,
               "27 bytes of ARP");

    /* Multicast MAC without an IP multicast destination. */
    tx_mutated(&h, xv_arp_req_eth, 0, 0x01, EIPOIB_TX_BAD_MCAST,
               "ARP to a multicast MAC");
    tx_mutated(&h, xv_echo_rep_eth, 0, 0x01, EIPOIB_TX_BAD_MCAST,
               "unicast IPv4 to a multicast MAC");
    tx_mutated(&h, xv_na_eth, 0, 0x33, EIPOIB_TX_BAD_MCAST,
               "unicast IPv6 to a multicast MAC");

    /* ND: options of length 0, 2 (an LLA), past the end; too many; a
     * message shorter than its fixed part; a bad checksum. */
    tx_mutated(&h, xv_ns_eth, 14 + 40 + 24 + 1, 0, EIPOIB_TX_BAD_ND,
               "option length 0");
    tx_mutated(&h, xv_ns_eth, 14 + 40 + 24 + 1, 2, EIPOIB_TX_BAD_ND,
               "LLA option length 2");
    tx_mutated(&h, xv_ra_eth, 14 + 40 + 16 + 8 + 1, 40, EIPOIB_TX_BAD_ND,
               "option past the end");
    f = rs_frame(8);
    tx_bytes(&h, f.p, f.n, HEADROOM, TAILROOM, EIPOIB_OK, NULL, NULL, NULL,
             "RS with 8 LLAs");
    free(f.p);
    f = rs_frame(9);
    tx_bytes(&h, f.p, f.n, HEADROOM, TAILROOM, EIPOIB_TX_BAD_ND, NULL, NULL,
             NULL, "RS with 9 LLAs");
    free(f.p);
    f = hex(xv_ns_eth);
    put16(f.p + 14 + 4, 16);            /* NS of 16 bytes, no target. */
    tx_bytes(&h, f.p, 14 + 40 + 16, HEADROOM, TAILROOM, EIPOIB_TX_BAD_ND,
             NULL, NULL, NULL, "short NS");
    free(f.p);
    tx_mutated(&h, xv_ns_eth, 14 + 40 + 2, 0x00, EIPOIB_TX_BAD_CHECKSUM,
               "NS checksum");
    f = hex(xv_ns_eth);
    f.p[14 + 40 + 24 + 7] = 0x99;
    fix_icmp6_csum(f.p + 14);
    tx_bytes(&h, f.p, f.n, HEADROOM, TAILROOM, EIPOIB_TX_ND_UNKNOWN_LLADDR,
             NULL, NULL, NULL, "SLLAO of an unknown MAC");
    free(f.p);

    /* DHCP: UDP length, short BOOTP, op 3, no END, option past the end,
     * checksums.  xv_dhcp_discover_eth: IP at 14, UDP at 34, BOOTP at 42,
     * options at 282, END last. */
    f = hex(xv_dhcp_discover_eth);
    size_t n = f.n;
    free(f.p);
    tx_mutated(&h, xv_dhcp_discover_eth, 34 + 5, (n - 34 + 1) & 0xff,
               EIPOIB_TX_BAD_DHCP, "UDP length + 1");
    f = hex(xv_dhcp_discover_eth);
    put16(f.p + 14 + 2, 20 + 8 + 200);
    put16(f.p + 34 + 4, 8 + 200);
    tx_bytes(&h, f.p, 14 + 20 + 8 + 200, HEADROOM, TAILROOM,
             EIPOIB_TX_BAD_DHCP, NULL, NULL, NULL, "200-byte BOOTP");
    free(f.p);
    tx_mutated(&h, xv_dhcp_discover_eth, 42, 3, EIPOIB_TX_BAD_DHCP, "op 3");
    tx_mutated(&h, xv_dhcp_discover_eth, n - 1, 0, EIPOIB_TX_BAD_DHCP,
               "no END");
    tx_mutated(&h, xv_dhcp_discover_eth, 282 + 3 + 1, 200,
               EIPOIB_TX_BAD_DHCP, "option past the end");
    tx_mutated(&h, xv_dhcp_discover_eth, 34 + 6, 0x00, EIPOIB_TX_BAD_CHECKSUM,
               "UDP checksum");
    tx_mutated(&h, xv_dhcp_discover_eth, 14 + 10, 0x00,
               EIPOIB_TX_BAD_CHECKSUM, "IP header checksum");
    /* A UDP checksum of 0 means none: accepted. */
    f = hex(xv_dhcp_discover_eth);
    f.p[34 + 6] = f.p[34 + 7] = 0;
    tx_bytes(&h, f.p, f.n, HEADROOM, TAILROOM, EIPOIB_OK, NULL, NULL, NULL,
             "no UDP checksum");
    free(f.p);

    /* A buffer that lies. */
    uint8_t small[16] = { 0 };
    struct eipoib_pkt bad = { .base = small, .size = 16, .ofs = 8, .len = 9 };
    CHECK_INT(eipoib_xlate_tx(&h.x, &bad, &info), EIPOIB_TX_NO_ROOM);
    bad.ofs = 17;
    bad.len = 0;
    CHECK_INT(eipoib_xlate_tx(&h.x, &bad, &info), EIPOIB_TX_NO_ROOM);

    host_destroy(&h);
}
EIPOIB_TEST_REGISTER("xlate-tx-malformed", test_xlate_tx_malformed);

static bool
refuse_learning(void *aux OVS_UNUSED, uint32_t qpn OVS_UNUSED,
                uint16_t lid OVS_UNUSED,
                const struct ipoib_gid *gid OVS_UNUSED, int flags OVS_UNUSED,
                uint8_t mac[6] OVS_UNUSED)
{
    return false;
}

static void
test_xlate_rx_malformed(void)
{
    struct eipoib_rx_meta u = meta_from_a();
    struct eipoib_rx_meta m;
    struct bytes f;
    struct host h;

    host_b(&h);

    /* Sanity. */
    rx(&h, xv_ref_frame1, &u, EIPOIB_OK, NULL, NULL, "echo");
    rx(&h, xv_na_ib_rx, &u, EIPOIB_OK, NULL, NULL, "NA");

    /* IPoIB header and addressing. */
    rx_mutated(&h, xv_ref_frame1, -1, 3, &u, EIPOIB_RX_RUNT, "3 bytes");
    rx_mutated(&h, xv_ref_frame1, -1, 0, &u, EIPOIB_RX_RUNT, "0 bytes");
    rx_mutated(&h, xv_ref_frame1, 0, 0x88, &u, EIPOIB_RX_ETHERTYPE,
               "type 0x8800");
    m = u;
    m.pkey = 0x1234;
    rx(&h, xv_ref_frame1, &m, EIPOIB_RX_UNKNOWN_PKEY, NULL, NULL,
       "unknown P_Key");
    m = meta_unicast(0x99, 0x48, 3);
    rx(&h, xv_ref_frame1, &m, EIPOIB_RX_UNKNOWN_QPN, NULL, NULL,
       "unknown QPN");
    m = meta_unicast(0x49, 0x48, 0);
    rx(&h, xv_ref_frame1, &m, EIPOIB_RX_NO_SOURCE, NULL, NULL,
       "no SLID, no GRH");
    m = meta_unicast(0x49, 0x48, 0xc000);
    rx(&h, xv_ref_frame1, &m, EIPOIB_RX_NO_SOURCE, NULL, NULL,
       "multicast SLID");

    /* Our own multicast, from a vif's or the base QPN; not if another
     * port sent it. */
    m = meta_mcast_from_a(bcast_mgid);
    m.sgid = gid_from(gid_b);
    m.src_qpn = 0x49;
    rx(&h, xv_arp_req_ib, &m, EIPOIB_RX_LOOPBACK, NULL, NULL,
       "vm1's own ARP");
    m.src_qpn = 0x40;
    rx(&h, xv_arp_req_ib, &m, EIPOIB_RX_LOOPBACK, NULL, NULL,
       "the base QPN's own ARP");
    m.src_qpn = 0x49;
    m.sgid = gid_from(gid_a);
    rx(&h, xv_arp_req_ib, &m, EIPOIB_OK, NULL, NULL, "QPN 0x49 of A");

    /* Multicast groups that map to no MAC. */
    m = meta_mcast_from_a("ff12:abcd:ffff::1");
    rx(&h, xv_ref_frame3, &m, EIPOIB_RX_BAD_MGID, NULL, NULL,
       "unknown MGID signature");
    m = meta_mcast_from_a("ff02:401b:ffff::1");
    rx(&h, xv_ref_frame3, &m, EIPOIB_RX_BAD_MGID, NULL, NULL,
       "MGID without the T flag");

    /* IPv4, IPv6. */
    rx_mutated(&h, xv_ref_frame1, 4, 0x55, &u, EIPOIB_RX_BAD_IPV4,
               "IP version 5");
    rx_mutated(&h, xv_ref_frame1, 4, 0x44, &u, EIPOIB_RX_BAD_IPV4, "IHL 4");
    rx_mutated(&h, xv_ref_frame1, 7, 64, &u, EIPOIB_RX_BAD_IPV4,
               "total length > packet");
    rx_mutated(&h, xv_ref_frame1, -1, 4 + 19, &u, EIPOIB_RX_BAD_IPV4,
               "19 bytes of IP");
    rx_mutated(&h, xv_na_ib_rx, 4, 0x40, &u, EIPOIB_RX_BAD_IPV6,
               "IPv6 version 4");
    rx_mutated(&h, xv_na_ib_rx, 9, 49, &u, EIPOIB_RX_BAD_IPV6,
               "payload length > packet");

    /* ARP. */
    m = meta_mcast_from_a(bcast_mgid);
    rx_mutated(&h, xv_ref_frame3, 4 + 4, 6, &m, EIPOIB_RX_BAD_ARP, "hlen 6");
    rx_mutated(&h, xv_ref_frame3, 4 + 1, 1, &m, EIPOIB_RX_BAD_ARP, "htype 1");
    rx_mutated(&h, xv_ref_frame3, 4 + 2, 0x86, &m, EIPOIB_RX_BAD_ARP,
               "ptype");
    rx_mutated(&h, xv_ref_frame3, 4 + 5, 6, &m, EIPOIB_RX_BAD_ARP, "plen 6");
    rx_mutated(&h, xv_ref_frame3, -1, 4 + 55, &m, EIPOIB_RX_BAD_ARP,
               "55 bytes of ARP");

    /* Addresses in ARP that cannot be a peer's: a multicast GID (found by
     * the fuzzer: it became a "unicast" neighbour), the multicast QPN,
     * QP1, a zero GID. */
    m = meta_mcast_from_a(bcast_mgid);
    rx_mutated(&h, xv_ref_frame3, 4 + 8 + 4, 0xff, &m, EIPOIB_RX_BAD_ARP,
               "SHA with a multicast GID");
    rx_mutated(&h, xv_ref_frame3, 4 + 32 + 4, 0xff, &m, EIPOIB_RX_BAD_ARP,
               "THA with a multicast GID");
    f = hex(xv_ref_frame3);
    memset(f.p + 4 + 8 + 1, 0xff, 3);
    rx_bytes(&h, f.p, f.n, HEADROOM, TAILROOM, &m, EIPOIB_RX_BAD_ARP, NULL,
             NULL, "SHA with QPN 0xffffff");
    memset(f.p + 4 + 8 + 1, 0, 2);
    f.p[4 + 8 + 3] = 1;
    rx_bytes(&h, f.p, f.n, HEADROOM, TAILROOM, &m, EIPOIB_RX_BAD_ARP, NULL,
             NULL, "SHA with QPN 1");
    free(f.p);
    f = hex(xv_ref_frame3);
    memset(f.p + 4 + 8 + 4, 0, 16);
    rx_bytes(&h, f.p, f.n, HEADROOM, TAILROOM, &m, EIPOIB_RX_BAD_ARP, NULL,
             NULL, "SHA with a zero GID");
    free(f.p);
    /* The same in an ND option (checksum made right again). */
    f = hex(xv_na_ib_rx);
    f.p[4 + 40 + 24 + 8] = 0xff;
    fix_icmp6_csum(f.p + 4);
    rx_bytes(&h, f.p, f.n, HEADROOM, TAILROOM, &u, EIPOIB_RX_BAD_ND, NULL,
             NULL, "TLLAO with a multicast GID");
    free(f.p);
    /* And as the packet's source. */
    m = u;
    m.src_qpn = IPOIB_MCAST_QPN;
    rx(&h, xv_ref_frame1, &m, EIPOIB_RX_NO_SOURCE, NULL, NULL,
       "source QPN 0xffffff");
    m = meta_mcast_from_a(bcast_mgid);
    m.sgid = m.dgid;
    rx(&h, xv_ref_frame8, &m, EIPOIB_RX_NO_SOURCE, NULL, NULL,
       "multicast SGID");

    /* ND: an Ethernet-sized LLA, option length 0, past the end, bad
     * checksum. */
    rx_mutated(&h, xv_na_ib_rx, 4 + 40 + 24 + 1, 1, &u, EIPOIB_RX_BAD_ND,
               "LLA option length 1");
    rx_mutated(&h, xv_na_ib_rx, 4 + 40 + 24 + 1, 0, &u, EIPOIB_RX_BAD_ND,
               "option length 0");
    rx_mutated(&h, xv_na_ib_rx, 4 + 40 + 24 + 1, 4, &u, EIPOIB_RX_BAD_ND,
               "option past the end");
    rx_mutated(&h, xv_na_ib_rx, 4 + 40 + 3, 0, &u, EIPOIB_RX_BAD_CHECKSUM,
               "NA checksum");

    /* DHCP: the server side (a request from A), then replies. */
    m = meta_mcast_from_a(bcast_mgid);
    rx_mutated(&h, xv_ref_frame7, 4 + 20 + 5, 0x20, &m, EIPOIB_RX_BAD_DHCP,
               "UDP length");
    rx_mutated(&h, xv_ref_frame7, 4 + 28, 0, &m, EIPOIB_RX_BAD_DHCP, "op 0");
    rx_mutated(&h, xv_ref_frame7, 4 + 20 + 7, 0, &m, EIPOIB_RX_BAD_CHECKSUM,
               "UDP checksum");
    rx_mutated(&h, xv_ref_frame7, 4 + 11, 0, &m, EIPOIB_RX_BAD_CHECKSUM,
               "IP header checksum");

    /* Neighbour table refusing the sender. */
    h.ops.neighbor_learn = refuse_learning;
    rx(&h, xv_ref_frame1, &u, EIPOIB_RX_NEIGHBOR_REFUSED, NULL, NULL,
       "neighbour refused");
    h.ops = eipoib_tables_ops;

    /* No room: a frame that needs 10 bytes in front, with none around. */
    f = hex(xv_ref_frame1);
    rx_bytes(&h, f.p, f.n, 0, 9, &u, EIPOIB_RX_NO_ROOM, NULL, NULL,
             "9 bytes of room");
    rx_bytes(&h, f.p, f.n, 0, 10, &u, EIPOIB_OK, xv_echo_req_eth_rx, NULL,
             "10 bytes of tailroom");
    rx_bytes(&h, f.p, f.n, 10, 0, &u, EIPOIB_OK, xv_echo_req_eth_rx, NULL,
             "10 bytes of headroom");
    free(f.p);
    struct eipoib_rx_info info;
    uint8_t small[16] = { 0 };
    struct eipoib_pkt bad = { .base = small, .size = 16, .ofs = 0, .len = 17 };
    CHECK_INT(eipoib_xlate_rx(&h.x, &bad, &u, &info), EIPOIB_RX_NO_ROOM);

    host_destroy(&h);
}
EIPOIB_TEST_REGISTER("xlate-rx-malformed", test_xlate_rx_malformed);

/* ---------------------------------------------------------------------- */
/* Round trips: vm1 on host B -> fabric -> host C, where vm3 lives. */

static void
roundtrip(struct host *b, struct host *c, const char *orig,
          const char *back, const char *what)
{
    struct eipoib_tx_info info;
    struct bytes f = hex(orig), pkt;

    if (tx_bytes(b, f.p, f.n, HEADROOM, TAILROOM, EIPOIB_OK, NULL, &info,
                 &pkt, what) != EIPOIB_OK) {
        free(f.p);
        free(pkt.p);
        return;
    }

    /* What C's transport would report. */
    struct eipoib_rx_meta m;
    memset(&m, 0, sizeof m);
    m.pkey = info.partition.pkey;
    m.src_qpn = info.vif.qpn;
    m.slid = b->x.lid;
    if (info.multicast) {
        m.has_grh = true;
        m.sgid = b->x.gid;
        ipoib_addr_get_gid(&info.dst, &m.dgid);
        m.dst_qpn = 0x50;
    } else {
        struct ipoib_gid g;
        ipoib_addr_get_gid(&info.dst, &g);
        CHECK(!memcmp(g.b, c->x.gid.b, 16));
        CHECK_INT(info.dst_lid, c->x.lid);
        m.dst_qpn = ipoib_addr_qpn(&info.dst);
    }
    rx_bytes(c, pkt.p, pkt.n, HEADROOM, TAILROOM, &m, EIPOIB_OK, back, NULL,
             what);
    free(f.p);
    free(pkt.p);
}

static void
test_xlate_roundtrip(void)
{
    struct host b, c;

    host_b(&b);
    host_init(&c, 7, gid_c_host, NULL);
    host_add_vif(&c, vm3_mac, EIPOIB_VLAN_NONE, 0x51);
    learn(&b, 0x51, 7, gid_c_host, 0, "02:00:00:51:00:07");

    roundtrip(&b, &c, xv_rt_echo_orig, xv_rt_echo_back, "echo");
    roundtrip(&b, &c, xv_rt_mcast_orig, xv_rt_mcast_back, "multicast");
    roundtrip(&b, &c, xv_rt_arp_req_orig, xv_rt_arp_req_back, "ARP request");
    roundtrip(&b, &c, xv_rt_arp_rep_orig, xv_rt_arp_rep_back, "ARP reply");
    roundtrip(&b, &c, xv_rt_rarp_orig, xv_rt_rarp_back, "RARP");
    roundtrip(&b, &c, xv_rt_ns_orig, xv_rt_ns_back, "NS");
    roundtrip(&b, &c, xv_rt_na_orig, xv_rt_na_back, "NA");
    roundtrip(&b, &c, xv_rt_rs_orig, xv_rt_rs_back, "RS");
    roundtrip(&b, &c, xv_rt_ra_orig, xv_rt_ra_back, "RA");
    roundtrip(&b, &c, xv_rt_redirect_orig, xv_rt_redirect_back, "Redirect");
    roundtrip(&b, &c, xv_rt_vlan_orig, xv_rt_vlan_back, "VLAN 10");
    roundtrip(&b, &c, xv_rt_dhcp_orig, xv_rt_dhcp_back, "DHCP DISCOVER");

    host_destroy(&b);
    host_destroy(&c);
}
EIPOIB_TEST_REGISTER("xlate-roundtrip", test_xlate_roundtrip);

/* ---------------------------------------------------------------------- */
/* Tables. */

static void
count_vif(const struct eipoib_vif *vif OVS_UNUSED, void *n_)
{
    int *n = n_;
    (*n)++;
}

static void
test_xlate_tables(void)
{
    struct eipoib_tables_config cfg;
    struct eipoib_tables_stats st;
    struct eipoib_tables *t;
    struct eipoib_partition p;
    struct eipoib_vif vif, got;
    struct eipoib_neighbor nb;
    struct ipoib_gid g;
    uint8_t mac[6], mac2[6];

    eipoib_tables_config_default(&cfg);
    cfg.max_vifs = 2;
    cfg.max_neighbors = 3;
    cfg.max_dhcp_clients = 1;
    cfg.vif_idle_ms = 1000;
    cfg.neighbor_idle_ms = 2000;
    cfg.dhcp_idle_ms = 500;
    t = eipoib_tables_create(&cfg);
    eipoib_tables_set_time(t, 10000);

    /* Partitions: VLAN 0..4094, a valid P_Key, MTU >= 252, each VLAN and
     * each P_Key (full-member form) once. */
    p = (struct eipoib_partition) { .vlan = 0, .pkey = 0xffff,
                                    .scope = 2, .mtu = 2044 };
    CHECK_INT(eipoib_tables_add_partition(t, &p), EIPOIB_TABLE_OK);
    p.vlan = 5;
    p.pkey = 0x7fff;
    CHECK_INT(eipoib_tables_add_partition(t, &p), EIPOIB_TABLE_EXISTS);
    p.pkey = 0x8000;
    CHECK_INT(eipoib_tables_add_partition(t, &p), EIPOIB_TABLE_INVALID);
    p.pkey = 0x0005;
    p.mtu = 251;
    CHECK_INT(eipoib_tables_add_partition(t, &p), EIPOIB_TABLE_INVALID);
    p.mtu = 252;
    p.vlan = 4095;
    CHECK_INT(eipoib_tables_add_partition(t, &p), EIPOIB_TABLE_INVALID);
    p.vlan = 5;
    CHECK_INT(eipoib_tables_add_partition(t, &p), EIPOIB_TABLE_OK);
    CHECK(eipoib_tables_find_partition_by_pkey(t, 0x8005, &p));
    CHECK_INT(p.vlan, 5);
    CHECK(eipoib_tables_find_partition_by_pkey(t, 0x7fff, &p));
    CHECK_INT(p.vlan, 0);
    CHECK_INT(eipoib_tables_n_partitions(t), 2);
    CHECK(eipoib_tables_del_partition(t, 5));
    CHECK(!eipoib_tables_del_partition(t, 5));
    CHECK(!eipoib_tables_find_partition_by_vlan(t, 5, &p));

    /* Vifs: bounded; keys and QPNs unique; learnt ones age, static ones
     * do not. */
    memset(&vif, 0, sizeof vif);
    mac_from(vm1_mac, vif.mac);
    vif.qpn = 0x49;
    CHECK_INT(eipoib_tables_add_vif(t, &vif, false), EIPOIB_TABLE_OK);
    CHECK_INT(eipoib_tables_add_vif(t, &vif, false), EIPOIB_TABLE_EXISTS);
    vif.vlan = 5;
    CHECK_INT(eipoib_tables_add_vif(t, &vif, false), EIPOIB_TABLE_EXISTS);
    vif.qpn = 0x4a;
    CHECK_INT(eipoib_tables_add_vif(t, &vif, true), EIPOIB_TABLE_OK);
    vif.vlan = 6;
    vif.qpn = 0x4b;
    CHECK_INT(eipoib_tables_add_vif(t, &vif, false), EIPOIB_TABLE_FULL);
    vif.vlan = 4095;
    CHECK_INT(eipoib_tables_add_vif(t, &vif, false), EIPOIB_TABLE_INVALID);
    vif.vlan = 6;
    vif.mac[0] = 1;
    CHECK_INT(eipoib_tables_add_vif(t, &vif, false), EIPOIB_TABLE_INVALID);
    vif.mac[0] = 0x52;
    vif.qpn = IPOIB_MCAST_QPN;
    CHECK_INT(eipoib_tables_add_vif(t, &vif, false), EIPOIB_TABLE_INVALID);
    CHECK(eipoib_tables_find_vif_by_qpn(t, 0x4a, &got));
    CHECK_INT(got.vlan, 5);
    CHECK_INT(eipoib_tables_n_vifs(t), 2);

    /* Neighbours: the LID form needs no table lookup to be right, but is
     * only stored with a GID. */
    g = gid_from(gid_a);
    CHECK(eipoib_tables_learn_neighbor(t, 0x48, 3, NULL, -1, mac));
    CHECK_INT(eipoib_tables_n_neighbors(t), 0);
    CHECK(eipoib_tables_learn_neighbor(t, 0x48, 3, &g, -1, mac));
    CHECK_INT(eipoib_tables_n_neighbors(t), 1);
    CHECK(eipoib_tables_find_neighbor(t, mac, &nb));
    CHECK_INT(ipoib_addr_flags(&nb.addr), 0);
    CHECK(eipoib_tables_learn_neighbor(t, 0x48, 3, NULL, 0x80, mac));
    CHECK(eipoib_tables_find_neighbor(t, mac, &nb));
    CHECK_INT(ipoib_addr_flags(&nb.addr), 0x80);    /* Flags updated. */
    CHECK(!eipoib_tables_learn_neighbor(t, 0x48, 0, NULL, -1, mac));
    struct ipoib_gid mgid = gid_from("ff12:401b:ffff::1");
    CHECK(!eipoib_tables_learn_neighbor(t, 0x48, 3, &mgid, -1, mac));
    CHECK(!eipoib_tables_learn_neighbor(t, 1, 3, &g, -1, mac));
    CHECK(!eipoib_tables_learn_neighbor(t, IPOIB_MCAST_QPN, 0, &g, -1, mac));
    CHECK_INT(eipoib_tables_n_neighbors(t), 1);

    /* The fallback form, with a collision: both QPNs hash to
     * 06:02:d8:26:da:00 on the first attempt (see test-ipoib.c). */
    g = gid_from(gid_c);
    CHECK(eipoib_tables_learn_neighbor(t, 0x22fb04, 0, &g, -1, mac));
    mac_from("06:02:d8:26:da:00", mac2);
    CHECK_BYTES(mac, 6, mac2, 6);
    CHECK(eipoib_tables_learn_neighbor(t, 0x409781, 0, &g, -1, mac));
    mac_from("06:43:f8:b8:a3:11", mac2);
    CHECK_BYTES(mac, 6, mac2, 6);
    eipoib_tables_get_stats(t, &st);
    CHECK_INT(st.remac_collisions, 1);
    /* Learning either again gives the same MAC. */
    CHECK(eipoib_tables_learn_neighbor(t, 0x409781, 0, &g, -1, mac));
    CHECK_BYTES(mac, 6, mac2, 6);
    CHECK_INT(eipoib_tables_n_neighbors(t), 3);

    /* Full: refused and counted, but the LID form still names the peer. */
    CHECK(eipoib_tables_learn_neighbor(t, 0x77, 8, &g, -1, mac));
    CHECK(!eipoib_tables_find_neighbor(t, mac, &nb));
    eipoib_tables_get_stats(t, &st);
    CHECK_INT(st.neighbors_refused, 1);

    /* DHCP clients. */
    struct eipoib_dhcp_client dc, dg;
    memset(&dc, 0, sizeof dc);
    dc.xid = 7;
    mac_from(vm1_mac, dc.mac);
    dc.client_id_len = 2;
    dc.client_id[0] = 1;
    dc.client_id[1] = 2;
    CHECK(eipoib_tables_remember_dhcp(t, &dc));
    CHECK(eipoib_tables_remember_dhcp(t, &dc));     /* Same client. */
    dc.xid = 8;
    CHECK(!eipoib_tables_remember_dhcp(t, &dc));    /* Full. */
    CHECK(eipoib_tables_find_dhcp(t, 7, NULL, 0, &dg));
    CHECK(eipoib_tables_find_dhcp(t, 7, dc.client_id, 2, &dg));
    CHECK(!eipoib_tables_find_dhcp(t, 7, dc.client_id, 1, &dg));
    CHECK(!eipoib_tables_find_dhcp(t, 8, NULL, 0, &dg));

    /* Aging. */
    int n_expired = 0;
    eipoib_tables_set_time(t, 10400);
    CHECK(eipoib_tables_find_vif(t, vif.mac, 0, &got));  /* Activity. */
    eipoib_tables_set_time(t, 10600);
    eipoib_tables_expire(t, count_vif, &n_expired);
    CHECK_INT(eipoib_tables_n_dhcp(t), 0);
    CHECK_INT(eipoib_tables_n_vifs(t), 2);
    eipoib_tables_set_time(t, 11401);
    eipoib_tables_expire(t, count_vif, &n_expired);
    CHECK_INT(n_expired, 1);
    CHECK_INT(eipoib_tables_n_vifs(t), 1);              /* The static one. */
    CHECK_INT(eipoib_tables_n_neighbors(t), 3);
    eipoib_tables_set_time(t, 12001);
    eipoib_tables_expire(t, NULL, NULL);
    CHECK_INT(eipoib_tables_n_neighbors(t), 0);
    eipoib_tables_get_stats(t, &st);
    CHECK_INT(st.vifs_expired, 1);
    CHECK_INT(st.neighbors_expired, 3);
    CHECK_INT(st.dhcp_expired, 1);
    CHECK_INT(st.vifs_refused, 1);
    CHECK_INT(st.dhcp_refused, 1);

    CHECK(eipoib_tables_del_vif(t, vif.mac, 5, &got));
    CHECK_INT(got.qpn, 0x4a);
    CHECK(!eipoib_tables_find_vif_by_qpn(t, 0x4a, &got));
    eipoib_tables_destroy(t);
}
EIPOIB_TEST_REGISTER("xlate-tables", test_xlate_tables);
