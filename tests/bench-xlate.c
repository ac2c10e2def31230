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

/* bench-xlate [ITERATIONS]
 *
 * Runs the IPv4 fast paths of the translation core in a loop and prints
 * the time per packet: transmit (a 64-byte Ethernet frame, vm1 -> a known
 * neighbour, UDP) and receive (the same packet coming back as IPoIB,
 * unicast to vm1, no GRH), with the real tables (lib/eipoib-tables).
 * Under valgrind --tool=callgrind, the inclusive cost of eipoib_xlate_tx
 * and eipoib_xlate_rx divided by ITERATIONS is the instruction count per
 * packet (see "make bench-xlate-callgrind"). */

#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eipoib-tables.h"
#include "eipoib-xlate.h"
#include "timeval.h"
#include "util.h"

/* 64 bytes: Ethernet (dst REMAC 02:00:00:48:00:03, src vm1), IPv4
 * 10.0.0.2 -> 10.0.0.1, UDP 5000 -> 5001, 22 bytes of payload. */
static const uint8_t frame64[64] = {
    0x02, 0x00, 0x00, 0x48, 0x00, 0x03, 0x52, 0x54, 0x00, 0x00, 0x00, 0x02,
    0x08, 0x00,
    0x45, 0x00, 0x00, 0x32, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x66, 0xb8,
    0x0a, 0x00, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x01,
    0x13, 0x88, 0x13, 0x89, 0x00, 0x1e, 0x00, 0x00,
    'b', 'e', 'n', 'c', 'h', '-', 'x', 'l', 'a', 't', 'e', '-',
    '6', '4', '-', 'b', 'y', 't', 'e', 's', '!', '!',
};

static struct eipoib_tables *tables;
static struct eipoib_xlate xlate;

static void
setup(void)
{
    struct eipoib_partition part = {
        .vlan = EIPOIB_VLAN_NONE, .pkey = 0xffff, .scope = IPOIB_SCOPE_LINK,
        .mtu = 2044, .base_qpn = 0x40,
    };
    struct eipoib_vif vm1 = {
        .mac = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x02 }, .qpn = 0x49,
    };
    struct ipoib_gid gid_b, gid_a;
    uint8_t mac[6];

    ovs_assert(ipoib_gid_parse("fe80::2:c903:1:6789", &gid_b));
    ovs_assert(ipoib_gid_parse("fe80::2:c903:1:2345", &gid_a));
    tables = eipoib_tables_create(NULL);
    eipoib_xlate_init(&xlate, &eipoib_tables_ops, tables, 5, &gid_b);
    ovs_assert(!eipoib_tables_add_partition(tables, &part));
    ovs_assert(!eipoib_tables_add_vif(tables, &vm1, true));
    ovs_assert(eipoib_tables_learn_neighbor(tables, 0x48, 3, &gid_a, 0, mac));
}

/* Translates 'n' frames; returns the IPoIB packet of the last one. */
static size_t
bench_tx(long n, uint8_t *out)
{
    uint8_t buf[EIPOIB_TX_HEADROOM + 64 + 64];
    struct eipoib_pkt pkt = { .base = buf, .size = sizeof buf };
    struct eipoib_tx_info info;

    for (long i = 0; i < n; i++) {
        memcpy(buf + EIPOIB_TX_HEADROOM, frame64, sizeof frame64);
        pkt.ofs = EIPOIB_TX_HEADROOM;
        pkt.len = sizeof frame64;
        if (eipoib_xlate_tx(&xlate, &pkt, &info) != EIPOIB_OK) {
            ovs_fatal(0, "transmit translation failed");
        }
    }
    memcpy(out, buf + pkt.ofs, pkt.len);
    return pkt.len;
}

static void
bench_rx(long n, const uint8_t *ipoib, size_t len)
{
    uint8_t buf[EIPOIB_RX_HEADROOM + 64 + 64];
    struct eipoib_pkt pkt = { .base = buf, .size = sizeof buf };
    struct eipoib_rx_meta meta = {
        .pkey = 0xffff, .dst_qpn = 0x49, .src_qpn = 0x48, .slid = 3,
    };
    struct eipoib_rx_info info;

    for (long i = 0; i < n; i++) {
        memcpy(buf + EIPOIB_RX_HEADROOM, ipoib, len);
        pkt.ofs = EIPOIB_RX_HEADROOM;
        pkt.len = len;
        if (eipoib_xlate_rx(&xlate, &pkt, &meta, &info) != EIPOIB_OK) {
            ovs_fatal(0, "receive translation failed");
        }
    }
    if (pkt.len != 64 || memcmp(buf + pkt.ofs + 12, frame64 + 12, 52)) {
        ovs_fatal(0, "round trip changed the packet");
    }
}

int
main(int argc, char *argv[])
{
    long n = argc > 1 ? atol(argv[1]) : 10 * 1000 * 1000;
    uint8_t ipoib[64];

    set_program_name(argv[0]);
    if (n < 1) {
        ovs_fatal(0, "usage: %s [ITERATIONS]", argv[0]);
    }
    setup();

    long long start = time_usec();
    size_t len = bench_tx(n, ipoib);
    long long tx_us = time_usec() - start;

    start = time_usec();
    bench_rx(n, ipoib, len);
    long long rx_us = time_usec() - start;

    printf("iterations: %ld (64-byte Ethernet frames, %"PRIuSIZE"-byte "
           "IPoIB packets)\n", n, len);
    printf("tx (Ethernet -> IPoIB): %.1f ns/packet, %.2f Mpps\n",
           tx_us * 1000.0 / n, n / (double) tx_us);
    printf("rx (IPoIB -> Ethernet): %.1f ns/packet, %.2f Mpps\n",
           rx_us * 1000.0 / n, n / (double) rx_us);
    eipoib_tables_destroy(tables);
    return 0;
}
