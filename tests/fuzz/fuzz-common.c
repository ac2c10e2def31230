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

#include "fuzz-common.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

struct fuzz_host fuzz_b, fuzz_c;

static long long now;

static void
add_partition(struct fuzz_host *h, uint16_t vlan, uint16_t pkey,
              uint32_t base_qpn)
{
    struct eipoib_partition p = {
        .vlan = vlan, .pkey = pkey, .scope = IPOIB_SCOPE_LINK, .mtu = 2044,
        .base_qpn = base_qpn,
    };
    ovs_assert(eipoib_tables_add_partition(h->tables, &p) == EIPOIB_TABLE_OK);
}

static void
add_vif(struct fuzz_host *h, uint8_t last, uint16_t vlan, uint32_t qpn)
{
    struct eipoib_vif vif = {
        .mac = { 0x52, 0x54, 0x00, 0x00, 0x00, last }, .vlan = vlan,
        .qpn = qpn,
    };
    ovs_assert(eipoib_tables_add_vif(h->tables, &vif, true)
               == EIPOIB_TABLE_OK);
}

static void
host_init(struct fuzz_host *h, uint16_t lid, const char *gid_text)
{
    struct eipoib_tables_config cfg;
    struct ipoib_gid gid;

    eipoib_tables_config_default(&cfg);
    cfg.max_vifs = 8;
    cfg.max_neighbors = 64;
    cfg.max_dhcp_clients = 16;
    cfg.neighbor_idle_ms = 50;
    cfg.dhcp_idle_ms = 50;
    ovs_assert(ipoib_gid_parse(gid_text, &gid));
    h->tables = eipoib_tables_create(&cfg);
    eipoib_xlate_init(&h->xlate, &eipoib_tables_ops, h->tables, lid, &gid);
    add_partition(h, EIPOIB_VLAN_NONE, 0xffff, 0x40);
    add_partition(h, 10, 0x8001, 0x41);
}

/* Peers every host knows, so that unicast gets past the neighbour table:
 * A (QPN 0x48, LID 3) and each other's VMs. */
static void
learn_peers(void)
{
    struct ipoib_gid a, b, c;
    uint8_t mac[6];

    ovs_assert(ipoib_gid_parse("fe80::2:c903:1:2345", &a));
    ovs_assert(ipoib_gid_parse("fe80::2:c903:1:6789", &b));
    ovs_assert(ipoib_gid_parse("fe80::2:c903:1:aaaa", &c));
    eipoib_tables_learn_neighbor(fuzz_b.tables, 0x48, 3, &a, 0x80, mac);
    eipoib_tables_learn_neighbor(fuzz_b.tables, 0x51, 7, &c, 0, mac);
    eipoib_tables_learn_neighbor(fuzz_c.tables, 0x48, 3, &a, 0x80, mac);
    eipoib_tables_learn_neighbor(fuzz_c.tables, 0x49, 5, &b, 0, mac);
    eipoib_tables_learn_neighbor(fuzz_c.tables, 0x4a, 5, &b, 0, mac);
}

void
fuzz_setup(void)
{
    static bool done;

    if (!done) {
        done = true;
        host_init(&fuzz_b, 5, "fe80::2:c903:1:6789");
        add_vif(&fuzz_b, 0x02, EIPOIB_VLAN_NONE, 0x49);
        add_vif(&fuzz_b, 0x03, 10, 0x4a);
        host_init(&fuzz_c, 7, "fe80::2:c903:1:aaaa");
        add_vif(&fuzz_c, 0x07, EIPOIB_VLAN_NONE, 0x51);
    }

    /* Every run is 1 ms: learnt state ages out after 50 runs. */
    now++;
    eipoib_tables_set_time(fuzz_b.tables, now);
    eipoib_tables_set_time(fuzz_c.tables, now);
    if (!(now % 64)) {
        eipoib_tables_expire(fuzz_b.tables, NULL, NULL);
        eipoib_tables_expire(fuzz_c.tables, NULL, NULL);
    }
    learn_peers();
}

struct fuzz_buf {
    uint8_t *mem;
    uint8_t *copy;
    struct eipoib_pkt pkt;
};

static void
buf_init(struct fuzz_buf *b, const uint8_t *data, size_t len,
         size_t headroom, size_t tailroom)
{
    size_t size = headroom + len + tailroom;

    b->mem = xmalloc(size ? size : 1);
    memset(b->mem, 0xa5, size);
    if (len) {
        memcpy(b->mem + headroom, data, len);
    }
    b->copy = xmemdup(b->mem, size ? size : 1);
    b->pkt = (struct eipoib_pkt) {
        .base = b->mem, .size = size, .ofs = headroom, .len = len,
    };
}

static void
buf_finish(struct fuzz_buf *b, enum eipoib_verdict v, size_t headroom,
           size_t len, uint8_t *out, size_t out_size, size_t *out_len)
{
    ovs_assert((unsigned int) v < N_EIPOIB_VERDICTS);
    if (v == EIPOIB_OK) {
        ovs_assert(b->pkt.ofs <= b->pkt.size
                   && b->pkt.len <= b->pkt.size - b->pkt.ofs);
        ovs_assert(b->pkt.len <= out_size);
        memcpy(out, b->mem + b->pkt.ofs, b->pkt.len);
        *out_len = b->pkt.len;
    } else {
        ovs_assert(b->pkt.ofs == headroom && b->pkt.len == len);
        ovs_assert(!memcmp(b->mem, b->copy, b->pkt.size));
    }
    free(b->mem);
    free(b->copy);
}

enum eipoib_verdict
fuzz_tx(struct fuzz_host *h, const uint8_t *data, size_t len,
        size_t headroom, size_t tailroom, struct eipoib_tx_info *info,
        uint8_t *out, size_t out_size, size_t *out_len)
{
    struct fuzz_buf b;

    buf_init(&b, data, len, headroom, tailroom);
    enum eipoib_verdict v = eipoib_xlate_tx(&h->xlate, &b.pkt, info);
    buf_finish(&b, v, headroom, len, out, out_size, out_len);
    if (v == EIPOIB_OK) {
        /* An IPoIB header of a supported type, no more than the MTU. */
        ovs_assert(*out_len >= IPOIB_HDR_LEN);
        ovs_assert(ipoib_type_is_supported(ipoib_hdr_type(out)));
        ovs_assert(*out_len - IPOIB_HDR_LEN <= info->partition.mtu);
        ovs_assert(info->multicast == ipoib_addr_is_multicast(&info->dst));
    }
    return v;
}

enum eipoib_verdict
fuzz_rx(struct fuzz_host *h, const uint8_t *data, size_t len,
        size_t headroom, size_t tailroom, const struct eipoib_rx_meta *meta,
        struct eipoib_rx_info *info, uint8_t *out, size_t out_size,
        size_t *out_len)
{
    struct fuzz_buf b;

    buf_init(&b, data, len, headroom, tailroom);
    enum eipoib_verdict v = eipoib_xlate_rx(&h->xlate, &b.pkt, meta, info);
    buf_finish(&b, v, headroom, len, out, out_size, out_len);
    if (v == EIPOIB_OK) {
        /* An Ethernet frame of at least 60 bytes, of a supported type. */
        ovs_assert(*out_len >= EIPOIB_ETH_MIN_LEN);
        uint16_t type = ipoib_get_be16(out + 12);
        if (info->partition.vlan != EIPOIB_VLAN_NONE) {
            ovs_assert(type == 0x8100);
            ovs_assert((ipoib_get_be16(out + 14) & 0xfff)
                       == info->partition.vlan);
            type = ipoib_get_be16(out + 16);
        }
        ovs_assert(ipoib_type_is_supported(type));
        ovs_assert(!(out[6] & 1));      /* Unicast source. */
    }
    return v;
}
