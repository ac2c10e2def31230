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

/* bench-xlate [--neighbors=N] [--vifs=N] [ITERATIONS]
 *
 * Runs the IPv4 fast paths of the translation core in a loop and prints
 * the time per packet: transmit (a 64-byte Ethernet frame, a vif -> a known
 * neighbour, UDP) and receive (the same packet coming back as IPoIB,
 * unicast to the vif, no GRH), with the real tables (lib/eipoib-tables).
 *
 * The tables hold N neighbours (default 1) and N vifs (default 1), all
 * distinct, in one untagged partition.  With more than one of either, each
 * packet goes between a vif and a neighbour picked at random (fixed seed)
 * across the whole table, so hash-table effects show; with one of each,
 * every packet is vm1 <-> the single neighbour.
 *
 * Under valgrind --tool=callgrind, the inclusive cost of eipoib_xlate_tx
 * and eipoib_xlate_rx divided by ITERATIONS is the instruction count per
 * packet (see "make bench-xlate-callgrind").  Filling the tables and
 * setting up each packet happen outside those functions. */

#include <config.h>

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eipoib-tables.h"
#include "eipoib-xlate.h"
#include "random.h"
#include "timeval.h"
#include "util.h"

/* 64 bytes: Ethernet (dst REMAC 02:00:00:48:00:03, src vm1), IPv4
 * 10.0.0.2 -> 10.0.0.1, UDP 5000 -> 5001, 22 bytes of payload.  The MACs
 * are overwritten per packet. */
static const uint8_t frame64[64] = {
    0x02, 0x00, 0x00, 0x48, 0x00, 0x03, 0x52, 0x54, 0x00, 0x00, 0x00, 0x02,
    0x08, 0x00,
    0x45, 0x00, 0x00, 0x32, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x66, 0xb8,
    0x0a, 0x00, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x01,
    0x13, 0x88, 0x13, 0x89, 0x00, 0x1e, 0x00, 0x00,
    'b', 'e', 'n', 'c', 'h', '-', 'x', 'l', 'a', 't', 'e', '-',
    '6', '4', '-', 'b', 'y', 't', 'e', 's', '!', '!',
};

#define MAX_VIFS 4094           /* QPNs 0x49.. stay below the peers'. */
#define MAX_NEIGHBORS (1000 * 1000)

/* Our port's LID: no peer may use it. */
#define OUR_LID 5

struct bench_vif {
    uint8_t mac[6];
    uint32_t qpn;
};

struct bench_neighbor {
    uint8_t remac[6];
    uint32_t qpn;
    uint16_t lid;
};

static struct eipoib_tables *tables;
static struct eipoib_xlate xlate;
static struct bench_vif *vifs;
static struct bench_neighbor *neighbors;
static size_t n_vifs = 1;
static size_t n_neighbors = 1;

/* Vif 0 is vm1 (52:54:00:00:00:02, QPN 0x49); vif j has MAC
 * 52:54:00:01:jj:jj and QPN 0x49 + j. */
static void
add_vifs(void)
{
    vifs = xcalloc(n_vifs, sizeof *vifs);
    for (size_t j = 0; j < n_vifs; j++) {
        struct eipoib_vif vif = {
            .mac = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x02 }, .qpn = 0x49 + j,
        };

        if (j) {
            vif.mac[3] = 0x01;
            vif.mac[4] = j >> 8;
            vif.mac[5] = j;
        }
        ovs_assert(!eipoib_tables_add_vif(tables, &vif, true));
        memcpy(vifs[j].mac, vif.mac, 6);
        vifs[j].qpn = vif.qpn;
    }
}

/* Neighbour 0 is QPN 0x48, LID 3 on fe80::2:c903:1:2345.  The others get
 * LIDs 0x100..0x80ff and QPNs from 0x10000 (so they are never ours), and
 * GIDs fe80::2:c903:II:IIII; all have distinct LID-form REMACs. */
static void
add_neighbors(void)
{
    struct ipoib_gid gid;

    neighbors = xcalloc(n_neighbors, sizeof *neighbors);
    ovs_assert(ipoib_gid_parse("fe80::2:c903:1:2345", &gid));
    for (size_t i = 0; i < n_neighbors; i++) {
        struct bench_neighbor *nb = &neighbors[i];

        if (i) {
            nb->qpn = 0x10000 + (i - 1) / 0x8000;
            nb->lid = 0x100 + (i - 1) % 0x8000;
            gid.b[13] = i >> 16;
            gid.b[14] = i >> 8;
            gid.b[15] = i;
        } else {
            nb->qpn = 0x48;
            nb->lid = 3;
        }
        ovs_assert(nb->lid != OUR_LID);
        ovs_assert(eipoib_tables_learn_neighbor(tables, nb->qpn, nb->lid,
                                                &gid, 0, nb->remac));
    }
    ovs_assert(eipoib_tables_n_neighbors(tables) == n_neighbors);
}

static void
setup(void)
{
    struct eipoib_partition part = {
        .vlan = EIPOIB_VLAN_NONE, .pkey = 0xffff, .scope = IPOIB_SCOPE_LINK,
        .mtu = 2044, .base_qpn = 0x40,
    };
    struct eipoib_tables_config config;
    struct ipoib_gid gid_b;

    ovs_assert(ipoib_gid_parse("fe80::2:c903:1:6789", &gid_b));
    eipoib_tables_config_default(&config);
    config.max_vifs = MAX(config.max_vifs, n_vifs);
    config.max_neighbors = MAX(config.max_neighbors, n_neighbors);
    tables = eipoib_tables_create(&config);
    eipoib_xlate_init(&xlate, &eipoib_tables_ops, tables, OUR_LID, &gid_b);
    ovs_assert(!eipoib_tables_add_partition(tables, &part));
    add_vifs();
    add_neighbors();
}

/* The (vif, neighbour) pair of packet i is pair_*[i % N_PAIRS], random
 * across the tables (a ring, so long runs need no more memory). */
#define N_PAIRS 65536
static uint32_t pair_vif[N_PAIRS];
static uint32_t pair_nb[N_PAIRS];

static void
choose_pairs(void)
{
    random_set_seed(1);
    for (size_t i = 0; i < N_PAIRS; i++) {
        pair_vif[i] = random_range(n_vifs);
        pair_nb[i] = random_range(n_neighbors);
    }
}

/* Translates 'n' frames; returns the IPoIB packet of the last one. */
static size_t
bench_tx(long n, uint8_t *out)
{
    uint8_t buf[EIPOIB_TX_HEADROOM + 64 + 64];
    struct eipoib_pkt pkt = { .base = buf, .size = sizeof buf };
    struct eipoib_tx_info info;

    for (long i = 0; i < n; i++) {
        const struct bench_neighbor *nb = &neighbors[pair_nb[i % N_PAIRS]];
        const struct bench_vif *vif = &vifs[pair_vif[i % N_PAIRS]];
        uint8_t *frame = buf + EIPOIB_TX_HEADROOM;

        memcpy(frame, frame64, sizeof frame64);
        memcpy(frame, nb->remac, 6);
        memcpy(frame + 6, vif->mac, 6);
        pkt.ofs = EIPOIB_TX_HEADROOM;
        pkt.len = sizeof frame64;
        if (eipoib_xlate_tx(&xlate, &pkt, &info) != EIPOIB_OK) {
            ovs_fatal(0, "transmit translation failed");
        }
        if (info.dst_lid != nb->lid || info.vif.qpn != vif->qpn) {
            ovs_fatal(0, "transmit went to the wrong neighbour or vif");
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
    struct eipoib_rx_meta meta = { .pkey = 0xffff };
    struct eipoib_rx_info info;

    for (long i = 0; i < n; i++) {
        const struct bench_neighbor *nb = &neighbors[pair_nb[i % N_PAIRS]];
        const struct bench_vif *vif = &vifs[pair_vif[i % N_PAIRS]];

        memcpy(buf + EIPOIB_RX_HEADROOM, ipoib, len);
        pkt.ofs = EIPOIB_RX_HEADROOM;
        pkt.len = len;
        meta.dst_qpn = vif->qpn;
        meta.src_qpn = nb->qpn;
        meta.slid = nb->lid;
        if (eipoib_xlate_rx(&xlate, &pkt, &meta, &info) != EIPOIB_OK) {
            ovs_fatal(0, "receive translation failed");
        }
        if (pkt.len != 64
            || memcmp(buf + pkt.ofs, vif->mac, 6)
            || memcmp(buf + pkt.ofs + 6, nb->remac, 6)
            || memcmp(buf + pkt.ofs + 12, frame64 + 12, 52)) {
            ovs_fatal(0, "round trip changed the packet");
        }
    }
}

static void
usage(const char *name)
{
    ovs_fatal(0, "usage: %s [--neighbors=N (1..%d)] [--vifs=N (1..%d)] "
              "[ITERATIONS]", name, MAX_NEIGHBORS, MAX_VIFS);
}

static void
parse_options(int argc, char *argv[], long *n)
{
    static const struct option long_options[] = {
        { "neighbors", required_argument, NULL, 'n' },
        { "vifs", required_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    long value;
    int c;

    while ((c = getopt_long(argc, argv, "n:v:h", long_options, NULL)) != -1) {
        switch (c) {
        case 'n':
            value = atol(optarg);
            if (value < 1 || value > MAX_NEIGHBORS) {
                usage(argv[0]);
            }
            n_neighbors = value;
            break;
        case 'v':
            value = atol(optarg);
            if (value < 1 || value > MAX_VIFS) {
                usage(argv[0]);
            }
            n_vifs = value;
            break;
        default:
            usage(argv[0]);
        }
    }
    if (optind < argc - 1) {
        usage(argv[0]);
    }
    *n = optind < argc ? atol(argv[optind]) : 10 * 1000 * 1000;
    if (*n < 1) {
        usage(argv[0]);
    }
}

int
main(int argc, char *argv[])
{
    uint8_t ipoib[64];
    long n;

    set_program_name(argv[0]);
    parse_options(argc, argv, &n);
    setup();
    choose_pairs();

    long long start = time_usec();
    size_t len = bench_tx(n, ipoib);
    long long tx_us = time_usec() - start;

    start = time_usec();
    bench_rx(n, ipoib, len);
    long long rx_us = time_usec() - start;

    printf("iterations: %ld (64-byte Ethernet frames, %"PRIuSIZE"-byte "
           "IPoIB packets), %"PRIuSIZE" neighbours, %"PRIuSIZE" vifs\n",
           n, len, n_neighbors, n_vifs);
    printf("tx (Ethernet -> IPoIB): %.1f ns/packet, %.2f Mpps\n",
           tx_us * 1000.0 / n, n / (double) tx_us);
    printf("rx (IPoIB -> Ethernet): %.1f ns/packet, %.2f Mpps\n",
           rx_us * 1000.0 / n, n / (double) rx_us);
    eipoib_tables_destroy(tables);
    free(vifs);
    free(neighbors);
    return 0;
}
