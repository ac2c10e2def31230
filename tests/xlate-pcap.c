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

/* eipoib-xlate-pcap IB_PCAP ETH_PCAP
 *
 * Translates the test vectors of tests/xlate-vectors.h and writes what
 * came out, for an independent decoder (tshark) to judge in tests/xlate.at:
 *
 *   IB_PCAP   every transmitted frame, as a whole IB UD packet (LRH, GRH
 *             for multicast, BTH, DETH, ICRC, VCRC) in an ERF InfiniBand
 *             record, sent by host B of the vectors' scenario;
 *   ETH_PCAP  every received packet, as the Ethernet frame a VM gets.
 *
 * Exits nonzero if any translation fails. */

#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp-packet.h"
#include "eipoib-tables.h"
#include "eipoib-xlate.h"
#include "ib-capture.h"
#include "ib-packet.h"
#include "pcap-file.h"
#include "util.h"
#include "xlate-vectors.h"

static struct eipoib_tables *tables;
static struct eipoib_xlate xlate;
static struct ib_capture *ib_pcap;
static struct pcap_file *eth_pcap;
static int n_frames;

static size_t
from_hex(const char *hex, uint8_t *buf, size_t size)
{
    size_t n = 0;

    for (const char *p = hex; p[0] && p[1]; p += 2) {
        bool ok;

        ovs_assert(n < size);
        buf[n++] = hexits_value(p, 2, &ok);
        ovs_assert(ok);
    }
    return n;
}

static void
gid(const char *text, struct ipoib_gid *g)
{
    ovs_assert(ipoib_gid_parse(text, g));
}

static void
tx(const char *frame_hex)
{
    uint8_t buf[4096];
    struct eipoib_pkt pkt = { .base = buf, .size = sizeof buf, .ofs = 64 };
    struct eipoib_tx_info info;

    pkt.len = from_hex(frame_hex, buf + 64, sizeof buf - 64);
    enum eipoib_verdict v = eipoib_xlate_tx(&xlate, &pkt, &info);
    if (v != EIPOIB_OK) {
        ovs_fatal(0, "transmit failed: %s", eipoib_verdict_name(v));
    }

    struct ib_ud_fields f;
    memset(&f, 0, sizeof f);
    f.slid = xlate.lid;
    f.pkey = info.partition.pkey;
    f.dest_qp = ipoib_addr_qpn(&info.dst);
    f.psn = ++n_frames;
    f.qkey = IPOIB_QKEY_DEFAULT;
    f.src_qp = info.vif.qpn;
    if (info.multicast) {
        f.dlid = 0xc000;
        f.has_grh = true;
        f.hop_limit = 1;
        f.sgid = xlate.gid;
        ipoib_addr_get_gid(&info.dst, &f.dgid);
    } else {
        f.dlid = info.dst_lid;
    }

    uint8_t ib[4096 + 128];
    size_t n = ib_ud_build(ib, sizeof ib, &f, buf + pkt.ofs, pkt.len);
    ovs_assert(n);
    ib_capture_write(ib_pcap, 1700000000 + n_frames, 0, ib, n);
}

static void
rx(const char *pkt_hex, const struct eipoib_rx_meta *meta)
{
    uint8_t buf[4096];
    struct eipoib_pkt pkt = { .base = buf, .size = sizeof buf, .ofs = 64 };
    struct eipoib_rx_info info;

    pkt.len = from_hex(pkt_hex, buf + 64, sizeof buf - 64);
    enum eipoib_verdict v = eipoib_xlate_rx(&xlate, &pkt, meta, &info);
    if (v != EIPOIB_OK) {
        ovs_fatal(0, "receive failed: %s", eipoib_verdict_name(v));
    }

    struct dp_packet *p = dp_packet_clone_data(buf + pkt.ofs, pkt.len);
    ovs_pcap_write(eth_pcap, p);
    dp_packet_delete(p);
}

static struct eipoib_rx_meta
from_a(const char *mgid)
{
    struct eipoib_rx_meta m;

    memset(&m, 0, sizeof m);
    m.pkey = 0xffff;
    m.src_qpn = 0x48;
    m.slid = 3;
    if (mgid) {
        m.dst_qpn = 0x40;
        m.has_grh = true;
        gid("fe80::2:c903:1:2345", &m.sgid);
        gid(mgid, &m.dgid);
    } else {
        m.dst_qpn = 0x49;
    }
    return m;
}

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    if (argc != 3) {
        ovs_fatal(0, "usage: %s IB_PCAP ETH_PCAP", argv[0]);
    }
    int error = ib_capture_open(argv[1], &ib_pcap);
    if (error) {
        ovs_fatal(error, "%s: open failed", argv[1]);
    }
    eth_pcap = ovs_pcap_open(argv[2], "wb");
    if (!eth_pcap) {
        ovs_fatal(errno, "%s: open failed", argv[2]);
    }

    /* Host B of tests/xlate-vectors.py. */
    struct ipoib_gid g;
    gid("fe80::2:c903:1:6789", &g);
    tables = eipoib_tables_create(NULL);
    eipoib_xlate_init(&xlate, &eipoib_tables_ops, tables, 5, &g);
    struct eipoib_partition part = {
        .vlan = EIPOIB_VLAN_NONE, .pkey = 0xffff, .scope = IPOIB_SCOPE_LINK,
        .mtu = 2044, .base_qpn = 0x40,
    };
    ovs_assert(!eipoib_tables_add_partition(tables, &part));
    struct eipoib_vif vm1 = {
        .mac = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x02 }, .qpn = 0x49,
    };
    ovs_assert(!eipoib_tables_add_vif(tables, &vm1, true));

    /* Transmit: frames 1-4 before A is known, then A's ARP request
     * (received) teaches us A, then the rest. */
    tx(xv_arp_req_eth);
    tx(xv_rarp_req_eth);
    tx(xv_ns_eth);
    tx(xv_rs_eth);
    struct eipoib_rx_meta m = from_a("ff12:401b:ffff::ffff:ffff");
    rx(xv_ref_frame3, &m);                  /* ARP request from A. */
    uint8_t mac[6];
    gid("fe80::2:c903:1:9999", &g);
    ovs_assert(eipoib_tables_learn_neighbor(tables, 0x60, 9, &g, 0, mac));
    tx(xv_arp_rep_eth);
    tx(xv_na_eth);
    tx(xv_ra_eth);
    tx(xv_redirect_eth);
    tx(xv_echo_rep_eth);
    tx(xv_dhcp_discover_eth);
    tx(xv_dhcp_offer_eth);
    tx(xv_mcast_239_eth);

    /* Receive. */
    m = from_a(NULL);
    rx(xv_ref_frame1, &m);
    rx(xv_arp_rep_ib_rx, &m);
    rx(xv_na_ib_rx, &m);
    rx(xv_redirect_ib_rx, &m);
    m = from_a("ff12:601b:ffff::1:ff01:6789");
    rx(xv_ref_frame5, &m);
    m = from_a("ff12:601b:ffff::1");
    rx(xv_ra_ib_rx, &m);
    m = from_a("ff12:401b:ffff::ffff:ffff");
    rx(xv_ref_frame7, &m);                  /* DHCP DISCOVER to a server. */
    tx(xv_dhcp_discover_cid_eth);
    rx(xv_dhcp_offer_ib_rx, &m);

    ib_capture_close(ib_pcap);
    ovs_pcap_close(eth_pcap);
    eipoib_tables_destroy(tables);
    return 0;
}
