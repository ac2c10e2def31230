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

/* libFuzzer target: the eipoib provider's receive path (netdev-eipoib.c),
 * through OVS's netdev API, with datagrams from an IB transport of its own
 * ("fuzz") that delivers whatever the input says: any IPoIB payload, sender
 * QPN, LID and GID, destination GID and kind, partition and receiving
 * endpoint.  VM frames (netdev_send) are interleaved so that vifs,
 * neighbours and multicast groups exist for received datagrams to hit.
 *
 * Each input opens a fresh eipoib netdev "fz0" with options:transport=fuzz
 * and closes it at the end, so no state carries over and LeakSanitizer sees
 * anything the provider forgets to free.
 *
 * Input: a 3-byte header, then operations until the input ends.
 *
 *   byte 0  bits 0-1: mapped VLANs (10, 20, 30 on P_Keys 0x8001, 0x0002,
 *           0x0003); bit 2: learning=false; bit 3: max-vifs=2;
 *           bits 4-6: IB MTU 256 << (n % 5); bit 7: max-neighbors=4
 *   byte 1  our LID (1 + byte)
 *   byte 2  first QPN our endpoints get (0x40 + byte)
 *
 * Operations, one byte 'op' then its arguments:
 *
 *   op % 5 == 0  RX: queue one datagram.  Then
 *                  byte a: bits 0-1 partition (open order, modulo),
 *                          bits 2-7 receiving endpoint (modulo);
 *                  byte f: bit 0 GRH; bits 1-2 SGID (0 peer A, 1 ours,
 *                          2-3 the next 16 bytes); bits 3-4 DGID (0 the
 *                          partition's broadcast MGID, 1 ours, 2 a
 *                          solicited-node MGID, 3 the next 16 bytes);
 *                          bits 5-6 sender QPN (0 A's 0x48, 1 the
 *                          receiving endpoint's, 2 0xffffff, 3 the next
 *                          3 bytes); bit 7 SLID (0 A's 3, 1 the next 2
 *                          bytes);
 *                  then the raw fields, a 2-byte length and the datagram
 *                  (IPoIB header first).  The destination kind follows
 *                  the DGID.
 *   op % 5 == 1  TX: a 2-byte length, then an Ethernet frame from a VM.
 *   op % 5 == 2  RUN: netdev_set_config() again with the same options,
 *                which runs the provider's periodic work (vifs get their
 *                QPNs and enter the tables), then reads the port's stats,
 *                custom stats, status, MTU and carrier.
 *   op % 5 == 3  LINK: byte: bits 0-1 partition; bit 2 down (else up,
 *                with a new epoch); bits 3-7 change our LID by that much.
 *                Then RUN.
 *   op % 5 == 4  RECV: receive everything queued (also done at the end).
 *
 * Received frames must be Ethernet frames of a sane length; datagrams the
 * provider sends must fit the partition's IB MTU and start with an IPoIB
 * header; joins must name multicast GIDs.  Anything else aborts. */

#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dp-packet.h"
#include "ib-transport.h"
#include "ipoib.h"
#include "netdev.h"
#include "netdev-provider.h"
#include "openvswitch/list.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "smap.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_PORTS 8
#define FUZZ_MAX_EPS 64
#define FUZZ_MAX_QUEUED 256

/* The transport. */

struct fuzz_ep {
    struct ib_endpoint up;
    void *aux;
    uint32_t qpn;
    unsigned int n_joins;
};

struct fuzz_datagram {
    struct ovs_list node;
    unsigned int ep_sel;
    struct ib_recv meta;        /* All but 'packet', 'ep', 'ep_aux'. */
    size_t len;
    uint8_t data[];
};

struct fuzz_port {
    struct ib_port up;
    struct ib_port_attr attr;
    size_t headroom;
    struct fuzz_ep *eps[FUZZ_MAX_EPS];
    size_t n_eps;
    struct ovs_list queue;      /* struct fuzz_datagram. */
    size_t n_queued;
};

/* Ports in open order; the netdev opens at most 4. */
static struct fuzz_port *ports[FUZZ_MAX_PORTS];
static size_t n_ports;

/* Frames the netdev delivered, for checking its rx_packets. */
static uint64_t n_frames;

/* From the input's header. */
static uint16_t our_lid;
static uint32_t next_qpn;
static uint32_t ib_mtu;

static const struct ipoib_gid *
our_gid(void)
{
    static struct ipoib_gid gid;

    if (!gid.b[0]) {
        ovs_assert(ipoib_gid_parse("fe80::2:c903:1:6789", &gid));
    }
    return &gid;
}

static struct fuzz_port *
fuzz_port_cast(const struct ib_port *port)
{
    return CONTAINER_OF(port, struct fuzz_port, up);
}

static struct fuzz_ep *
fuzz_ep_cast(const struct ib_endpoint *ep)
{
    return CONTAINER_OF(ep, struct fuzz_ep, up);
}

static int
fuzz_open(const struct ib_transport_class *class, const char *name,
          const struct ib_port_options *options, struct ib_port **portp)
{
    if (n_ports >= FUZZ_MAX_PORTS) {
        return ENOSPC;
    }

    struct fuzz_port *p = xzalloc(sizeof *p);
    p->up.class = class;
    p->up.name = xstrdup(name ? name : "fuzz");
    p->headroom = options->rx_headroom;
    p->attr.state = IB_PORT_ACTIVE;
    p->attr.lid = our_lid;
    p->attr.gid = *our_gid();
    p->attr.pkey = options->pkey ? options->pkey : 0xffff;
    p->attr.ib_mtu = ib_mtu;
    p->attr.qkey = IPOIB_QKEY_DEFAULT;
    p->attr.epoch = 1;
    ovs_list_init(&p->queue);
    ports[n_ports++] = p;
    *portp = &p->up;
    return 0;
}

static void
fuzz_purge(struct fuzz_port *p)
{
    struct fuzz_datagram *d;

    LIST_FOR_EACH_POP (d, node, &p->queue) {
        free(d);
    }
    p->n_queued = 0;
}

static void
fuzz_close(struct ib_port *port)
{
    struct fuzz_port *p = fuzz_port_cast(port);

    /* Like the soft backend's, closing frees the port's endpoints. */
    for (size_t i = 0; i < p->n_eps; i++) {
        free(p->eps[i]);
    }
    fuzz_purge(p);
    for (size_t i = 0; i < n_ports; i++) {
        if (ports[i] == p) {
            ports[i] = ports[--n_ports];
            break;
        }
    }
    free(p->up.name);
    free(p);
}

static void
fuzz_run(struct ib_port *port OVS_UNUSED)
{
}

static void
fuzz_wait(struct ib_port *port OVS_UNUSED)
{
}

static void
fuzz_get_attr(const struct ib_port *port, struct ib_port_attr *attr)
{
    *attr = fuzz_port_cast(port)->attr;
}

static int
fuzz_endpoint_create(struct ib_port *port, unsigned int flags OVS_UNUSED,
                     void *aux, struct ib_endpoint **epp)
{
    struct fuzz_port *p = fuzz_port_cast(port);

    if (p->n_eps >= FUZZ_MAX_EPS) {
        return ENOSPC;
    }
    struct fuzz_ep *ep = xzalloc(sizeof *ep);
    ep->up.port = port;
    ep->aux = aux;
    ep->qpn = next_qpn++ & 0xffffff;
    p->eps[p->n_eps++] = ep;
    *epp = &ep->up;
    return 0;
}

static void
fuzz_endpoint_destroy(struct ib_endpoint *ep_)
{
    struct fuzz_ep *ep = fuzz_ep_cast(ep_);
    struct fuzz_port *p = fuzz_port_cast(ep_->port);

    for (size_t i = 0; i < p->n_eps; i++) {
        if (p->eps[i] == ep) {
            p->eps[i] = p->eps[--p->n_eps];
            free(ep);
            return;
        }
    }
    OVS_NOT_REACHED();
}

static uint32_t
fuzz_endpoint_qpn(const struct ib_endpoint *ep)
{
    return fuzz_ep_cast(ep)->qpn;
}

static int
fuzz_join(struct ib_endpoint *ep, const struct ipoib_gid *mgid,
          enum ib_join_type type OVS_UNUSED)
{
    ovs_assert(mgid->b[0] == 0xff);
    fuzz_ep_cast(ep)->n_joins++;
    return 0;
}

static int
fuzz_leave(struct ib_endpoint *ep, const struct ipoib_gid *mgid)
{
    ovs_assert(mgid->b[0] == 0xff);
    fuzz_ep_cast(ep)->n_joins--;
    return 0;
}

static size_t
fuzz_send(struct ib_port *port, const struct ib_send *sends, size_t n)
{
    static uint8_t copy[65536];
    const struct fuzz_port *p = fuzz_port_cast(port);

    for (size_t i = 0; i < n; i++) {
        const struct ib_send *s = &sends[i];

        ovs_assert(s->ep->port == port);
        ovs_assert(s->size >= IPOIB_HDR_LEN && s->size <= p->attr.ib_mtu);
        memcpy(copy, s->data, s->size);     /* Within bounds, for ASan. */
    }
    return n;
}

static int
fuzz_recv(struct ib_port *port, struct ib_recv *recvs, size_t max,
          size_t *n)
{
    struct fuzz_port *p = fuzz_port_cast(port);

    *n = 0;
    while (*n < max && !ovs_list_is_empty(&p->queue)) {
        struct fuzz_datagram *d = CONTAINER_OF(ovs_list_pop_front(&p->queue),
                                               struct fuzz_datagram, node);
        p->n_queued--;
        if (!p->n_eps) {
            free(d);
            continue;
        }
        struct fuzz_ep *ep = p->eps[d->ep_sel % p->n_eps];
        struct ib_recv *r = &recvs[(*n)++];

        *r = d->meta;
        if (r->src_qpn == UINT32_MAX) {
            r->src_qpn = ep->qpn;       /* "The receiving endpoint's". */
        }
        r->ep = &ep->up;
        r->ep_aux = ep->aux;
        /* Exactly headroom + datagram, so that ASan sees overruns. */
        r->packet = dp_packet_new_with_headroom(d->len, p->headroom);
        dp_packet_put(r->packet, d->data, d->len);
        free(d);
    }
    return *n ? 0 : EAGAIN;
}

static void
fuzz_recv_wait(struct ib_port *port OVS_UNUSED)
{
}

static void
fuzz_get_counters(const struct ib_port *port OVS_UNUSED,
                  struct ib_counter **counters, size_t *n)
{
    *counters = NULL;
    *n = 0;
}

static const struct ib_transport_class fuzz_transport_class = {
    .type = "fuzz",
    .open = fuzz_open,
    .close = fuzz_close,
    .run = fuzz_run,
    .wait = fuzz_wait,
    .get_attr = fuzz_get_attr,
    .endpoint_create = fuzz_endpoint_create,
    .endpoint_destroy = fuzz_endpoint_destroy,
    .endpoint_qpn = fuzz_endpoint_qpn,
    .join = fuzz_join,
    .leave = fuzz_leave,
    .send = fuzz_send,
    .recv = fuzz_recv,
    .recv_wait = fuzz_recv_wait,
    .get_counters = fuzz_get_counters,
    .format = NULL,
};

/* The input. */

struct input {
    const uint8_t *p;
    size_t n;
};

static bool
take(struct input *in, void *dst, size_t len)
{
    if (in->n < len) {
        in->n = 0;
        return false;
    }
    memcpy(dst, in->p, len);
    in->p += len;
    in->n -= len;
    return true;
}

static uint8_t
take_u8(struct input *in)
{
    uint8_t b = 0;
    take(in, &b, 1);
    return b;
}

static uint16_t
take_be16(struct input *in)
{
    uint8_t b[2] = { 0, 0 };
    take(in, b, 2);
    return ipoib_get_be16(b);
}

/* A 'n'-byte length, at most what is left of the input. */
static size_t
take_length(struct input *in, size_t n)
{
    size_t len = n == 1 ? take_u8(in) : take_be16(in);
    return MIN(len, in->n);
}

static void
op_rx(struct input *in)
{
    uint8_t a = take_u8(in);
    uint8_t f = take_u8(in);
    struct ib_recv meta;

    memset(&meta, 0, sizeof meta);
    if (!n_ports) {
        return;
    }
    struct fuzz_port *p = ports[(a & 3) % n_ports];

    meta.has_grh = f & 1;
    switch ((f >> 1) & 3) {
    case 0:
        ovs_assert(ipoib_gid_parse("fe80::2:c903:1:2345", &meta.sgid));
        break;
    case 1:
        meta.sgid = *our_gid();
        break;
    default:
        take(in, meta.sgid.b, 16);
        break;
    }
    switch ((f >> 3) & 3) {
    case 0:
        ipoib_broadcast_mgid(p->attr.pkey | 0x8000, IPOIB_SCOPE_LINK,
                             &meta.dgid);
        break;
    case 1:
        meta.dgid = *our_gid();
        break;
    case 2:
        ovs_assert(ipoib_gid_parse("ff12:601b:ffff:0:0:1:ff01:6789",
                                   &meta.dgid));
        break;
    default:
        take(in, meta.dgid.b, 16);
        break;
    }
    switch ((f >> 5) & 3) {
    case 0:
        meta.src_qpn = 0x48;
        break;
    case 1:
        meta.src_qpn = UINT32_MAX;  /* Filled in by fuzz_recv(). */
        break;
    case 2:
        meta.src_qpn = 0xffffff;
        break;
    default: {
        uint8_t q[3] = { 0, 0, 0 };
        take(in, q, 3);
        meta.src_qpn = ipoib_get_be24(q);
        break;
    }
    }
    meta.slid = f & 0x80 ? take_be16(in) : 3;
    if (!meta.has_grh) {
        memset(&meta.sgid, 0, sizeof meta.sgid);
        memset(&meta.dgid, 0, sizeof meta.dgid);
        meta.dest = IB_DEST_UNICAST;
    } else if (meta.dgid.b[0] != 0xff) {
        meta.dest = IB_DEST_UNICAST;
    } else {
        struct ipoib_gid bcast;
        ipoib_broadcast_mgid(p->attr.pkey | 0x8000, IPOIB_SCOPE_LINK, &bcast);
        meta.dest = (!memcmp(&meta.dgid, &bcast, sizeof bcast)
                     ? IB_DEST_BROADCAST : IB_DEST_MULTICAST);
    }

    size_t len = take_length(in, 2);
    struct fuzz_datagram *d = xmalloc(sizeof *d + len);
    d->ep_sel = a >> 2;
    d->meta = meta;
    d->len = len;
    take(in, d->data, len);
    if (p->n_queued >= FUZZ_MAX_QUEUED) {
        free(d);
        return;
    }
    ovs_list_push_back(&p->queue, &d->node);
    p->n_queued++;
}

static void
op_tx(struct netdev *netdev, struct input *in)
{
    size_t len = take_length(in, 2);
    struct dp_packet *packet = dp_packet_new(len);
    struct dp_packet_batch batch;

    dp_packet_put(packet, in->p, len);
    in->p += len;
    in->n -= len;
    dp_packet_batch_init_packet(&batch, packet);
    netdev_send(netdev, 0, &batch, false);
}

static void
op_recv(struct netdev_rxq *rxq)
{
    for (int round = 0; round < 64; round++) {
        struct dp_packet_batch batch;
        struct dp_packet *packet;

        if (netdev_rxq_recv(rxq, &batch, NULL)) {
            return;
        }
        DP_PACKET_BATCH_FOR_EACH (i, packet, &batch) {
            size_t size = dp_packet_size(packet);

            n_frames++;
            ovs_assert(size >= ETH_HEADER_LEN && size <= 65535);
            /* Touch every byte, so that ASan checks the frame's bounds. */
            volatile uint8_t sum = 0;
            const uint8_t *b = dp_packet_data(packet);
            for (size_t j = 0; j < size; j++) {
                sum += b[j];
            }
            (void) sum;
        }
        dp_packet_delete_batch(&batch, true);
    }
}

static void
configure(struct netdev *netdev, const struct smap *args)
{
    char *error = NULL;

    if (netdev_set_config(netdev, args, &error) || error) {
        ovs_abort(0, "set_config: %s", error ? error : "(no message)");
    }
}

/* What ovs-vswitchd reads from the port now and then. */
static void
query(struct netdev *netdev)
{
    struct netdev_custom_stats custom;
    struct netdev_stats stats;
    struct smap smap;
    int mtu;

    ovs_assert(!netdev_get_stats(netdev, &stats));
    ovs_assert(stats.rx_packets == n_frames);
    memset(&custom, 0, sizeof custom);
    netdev_get_custom_stats(netdev, &custom);
    netdev_free_custom_stats_counters(&custom);
    smap_init(&smap);
    netdev_get_status(netdev, &smap);
    smap_destroy(&smap);
    netdev_get_mtu(netdev, &mtu);
    netdev_get_carrier(netdev);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const vlan_pkeys[] = {
        NULL, "10:0x8001", "10:0x8001,20:0x0002",
        "10:0x8001,20:0x0002,30:0x0003",
    };
    static bool initialized;

    if (!initialized) {
        initialized = true;
        vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
        ovs_assert(!ib_transport_register(&fuzz_transport_class));
    }
    if (size < 3) {
        return 0;
    }

    struct input in = { data + 3, size - 3 };
    n_frames = 0;
    our_lid = 1 + data[1];
    next_qpn = 0x40 + data[2];
    ib_mtu = 256 << ((data[0] >> 4) % 5);

    struct smap args = SMAP_INITIALIZER(&args);
    smap_add(&args, "transport", "fuzz");
    smap_add(&args, "fabric", "fuzz");
    smap_add(&args, "node", "fuzz-node");
    if (data[0] & 3) {
        smap_add(&args, "vlan-pkeys", vlan_pkeys[data[0] & 3]);
    }
    if (data[0] & 4) {
        smap_add(&args, "learning", "false");
    }
    if (data[0] & 8) {
        smap_add(&args, "max-vifs", "2");
    }
    if (data[0] & 0x80) {
        smap_add(&args, "max-neighbors", "4");
    }

    struct netdev *netdev;
    struct netdev_rxq *rxq;
    ovs_assert(!netdev_open("fz0", "eipoib", &netdev));
    configure(netdev, &args);
    ovs_assert(!netdev_rxq_open(netdev, &rxq, 0));

    while (in.n) {
        uint8_t op = take_u8(&in);

        switch (op % 5) {
        case 0:
            op_rx(&in);
            break;
        case 1:
            op_tx(netdev, &in);
            break;
        case 2:
            configure(netdev, &args);
            query(netdev);
            break;
        case 3: {
            uint8_t b = take_u8(&in);
            if (n_ports) {
                struct fuzz_port *p = ports[(b & 3) % n_ports];
                if (b & 4) {
                    p->attr.state = IB_PORT_DOWN;
                } else {
                    p->attr.state = IB_PORT_ACTIVE;
                    p->attr.epoch++;
                    p->attr.lid = our_lid + (b >> 3);
                }
            }
            configure(netdev, &args);
            break;
        }
        default:
            op_recv(rxq);
            break;
        }
    }
    op_recv(rxq);

    netdev_rxq_close(rxq);
    netdev_close(netdev);
    smap_destroy(&args);
    ovs_assert(!n_ports);
    return 0;
}
