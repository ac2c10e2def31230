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

/* netdev-eipoib: an OVS port whose far side is an IPoIB link.
 *
 * Frames the bridge sends to the port are translated to IPoIB by the
 * translation core (eipoib-xlate) and sent from the UD endpoint of their
 * source (MAC, VLAN), the "vif", created on first sight: that is how the
 * uplink simulates promiscuous mode on a fabric that has none.  Datagrams
 * received on the vifs' endpoints, and on each partition's base endpoint
 * (broadcast and multicast), are translated back to Ethernet.
 *
 * Vifs may also be provisioned: named by the OVS database (the
 * attached-mac of the VM interfaces on the uplink's bridge, with their
 * port's VLAN tag, see eipoib-provision.h) and served before the VM sends
 * anything.  With options:learning=false only those (and static vifs) are
 * served: frames from other source MACs are dropped.
 *
 * Each partition (the untagged one, options:pkey, and one per mapped VLAN,
 * options:vlan-pkeys) is a port of the IB transport (ib-transport.h) of its
 * own, as an IPoIB child interface would be.
 *
 * Everything runs under the device's mutex: the transport and the tables
 * are single-threaded, and send() may come from any datapath thread. */

#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "coverage.h"
#include "dp-packet.h"
#include "dpif-netdev.h"
#include "eipoib-announce.h"
#include "eipoib-kdev.h"
#include "eipoib-mcast.h"
#include "eipoib-provision.h"
#include "eipoib-state.h"
#include "eipoib-tables.h"
#include "eipoib-xlate.h"
#include "hash.h"
#include "ib-transport.h"
#ifdef EIPOIB_HAVE_VERBS
#include "ib-verbs.h"
#endif
#include "ipoib.h"
#include "netdev-provider.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "packets.h"
#include "openvswitch/poll-loop.h"
#include "smap.h"
#include "sset.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(netdev_eipoib);

COVERAGE_DEFINE(eipoib_vif_created);
COVERAGE_DEFINE(eipoib_vif_expired);
COVERAGE_DEFINE(eipoib_arp_probe_broadcast);
COVERAGE_DEFINE(eipoib_remac_resolved);
COVERAGE_DEFINE(eipoib_announce_sent);
COVERAGE_DEFINE(eipoib_vif_restored);

/* The IPoIB MTU of a 2K-MTU fabric in datagram mode (IB MTU - 4). */
#define EIPOIB_DEFAULT_MTU 2044

/* Frames held for a vif whose endpoint has no QPN yet. */
#define EIPOIB_PENDING_MAX 16

/* How often idle vifs and neighbours are aged out. */
#define EIPOIB_EXPIRE_INTERVAL_MS 1000

/* Drop reasons of the provider itself, next to the translator's verdicts. */
#define EIPOIB_PROVIDER_DROPS                                               \
    EIPOIB_DROP(TX_LINK_DOWN, "tx-link-down",                               \
                "partition's IB port is not active")                        \
    EIPOIB_DROP(TX_VIF_REFUSED, "tx-vif-refused",                           \
                "new source MAC refused: max-vifs reached")                 \
    EIPOIB_DROP(TX_VIF_PENDING_FULL, "tx-vif-pending-full",                 \
                "too many frames held for a vif awaiting its QPN")          \
    EIPOIB_DROP(TX_NOT_PROVISIONED, "tx-not-provisioned",                   \
                "source MAC not provisioned and options:learning=false")    \
    EIPOIB_DROP(TX_UNKNOWN_UNICAST, "tx-unknown-unicast",                   \
                "unicast to a MAC that is no known neighbour")              \
    EIPOIB_DROP(TX_TRANSPORT, "tx-transport",                               \
                "the IB transport refused the datagram")

enum eipoib_drop {
#define EIPOIB_DROP(ENUM, NAME, DESCRIPTION) EIPOIB_DROP_##ENUM,
    EIPOIB_PROVIDER_DROPS
#undef EIPOIB_DROP
    N_EIPOIB_DROPS
};

static const char *const eipoib_drop_names[] = {
#define EIPOIB_DROP(ENUM, NAME, DESCRIPTION) NAME,
    EIPOIB_PROVIDER_DROPS
#undef EIPOIB_DROP
};

/* One partition: an IB port of the transport with one P_Key, the VLAN that
 * stands for it on the bridge, and its base endpoint. */
struct eipoib_part {
    struct hmap_node node;      /* In 'dev->parts', by 'vlan'. */
    uint16_t vlan;              /* EIPOIB_VLAN_NONE or 1..4094. */
    uint16_t pkey;              /* As configured. */
    struct ib_port *port;
    struct ib_endpoint *base;   /* Broadcast and multicast receive. */
    uint64_t epoch;             /* Port epoch last applied, 0 if none. */
    uint32_t published_base_qpn; /* Base QPN in the tables. */
    bool active;
    bool joined;                /* 'base' is in the broadcast group. */
    bool joined_all_nodes;      /* ...and in the IPv6 all-nodes group. */
};

/* A vif whose endpoint waits for its QPN, with the frames it sent. */
struct eipoib_pending {
    struct hmap_node node;      /* In 'dev->pending'. */
    struct eth_addr mac;
    uint16_t vlan;
    enum eipoib_vif_kind kind;
    struct eipoib_vif_ep *vep;
    struct dp_packet_batch held;
};

/* A vif's endpoint.  The tables' 'struct eipoib_vif' points here, and
 * so does the endpoint's 'aux'. */
struct eipoib_vif_ep {
    struct ib_endpoint *ep;
    struct eipoib_part *part;
    uint64_t rx_packets;
    uint64_t tx_packets;
};

struct netdev_eipoib {
    struct netdev up;

    /* In 'eipoib_list', protected by 'eipoib_list_mutex'. */
    struct ovs_list list_node;

    struct ovs_mutex mutex;

    /* Configuration. */
    struct eth_addr hwaddr OVS_GUARDED;
    enum netdev_flags flags OVS_GUARDED;
    struct smap options OVS_GUARDED;    /* As last given by set_config(). */
    char *transport OVS_GUARDED;        /* "soft". */
    char *fabric OVS_GUARDED;           /* Transport's port name. */
    char *node OVS_GUARDED;             /* How the fabric knows us. */

    /* State. */
    struct hmap parts OVS_GUARDED;      /* Contains "struct eipoib_part"s. */
    struct eipoib_part *untagged OVS_GUARDED; /* Gives LID and GID. */
    struct eipoib_tables *tables OVS_GUARDED;
    struct eipoib_xlate xlate OVS_GUARDED;
    struct eipoib_mcast *mcast OVS_GUARDED;     /* IGMP/MLD snooping. */
    struct eipoib_mcast_events mcast_events OVS_GUARDED; /* Scratch. */
    struct hmap pending OVS_GUARDED;    /* Contains eipoib_pending. */
    long long int next_expire OVS_GUARDED;
    bool carrier OVS_GUARDED;
    bool learning OVS_GUARDED;          /* Snoop vifs for unknown MACs. */

    /* Provisioned vifs: what the database names for this uplink, and
     * whether the vifs still have to be brought in line with it. */
    struct eipoib_provision_set provisioned OVS_GUARDED;
    uint64_t provision_seq OVS_GUARDED; /* eipoib_provision_run()'s. */
    bool provision_dirty OVS_GUARDED;

    /* Served VMs and neighbours, kept across restarts (eipoib-state.h). */
    struct eipoib_state *state OVS_GUARDED;

    /* Statistics. */
    struct netdev_stats stats OVS_GUARDED;
    uint64_t verdicts[N_EIPOIB_VERDICTS] OVS_GUARDED;
    uint64_t drops[N_EIPOIB_DROPS] OVS_GUARDED;
};

struct netdev_rxq_eipoib {
    struct netdev_rxq up;
};

static struct ovs_mutex eipoib_list_mutex = OVS_MUTEX_INITIALIZER;
static struct ovs_list eipoib_list OVS_GUARDED_BY(eipoib_list_mutex)
    = OVS_LIST_INITIALIZER(&eipoib_list);

/* Names of eipoib ports closed in this run: once the database no longer
 * has them (del-port, not an exit), their state files go. */
static struct sset eipoib_closed_names OVS_GUARDED_BY(eipoib_list_mutex)
    = SSET_INITIALIZER(&eipoib_closed_names);

static const struct netdev_class netdev_eipoib_class;
static struct netdev_class netdev_eipoib_pmd_class;

/* Our GID until the transport reports one. */
static const struct ipoib_gid no_gid;

static bool
is_netdev_eipoib(const struct netdev *netdev)
{
    return (netdev_get_class(netdev) == &netdev_eipoib_class
            || netdev_get_class(netdev) == &netdev_eipoib_pmd_class);
}

static struct netdev_eipoib *
netdev_eipoib_cast(const struct netdev *netdev)
{
    ovs_assert(is_netdev_eipoib(netdev));
    return CONTAINER_OF(netdev, struct netdev_eipoib, up);
}

static struct netdev_rxq_eipoib *
netdev_rxq_eipoib_cast(const struct netdev_rxq *rxq)
{
    return CONTAINER_OF(rxq, struct netdev_rxq_eipoib, up);
}

/* Partitions. */

static struct eipoib_part *
eipoib_part_find(const struct netdev_eipoib *dev, uint16_t vlan)
    OVS_REQUIRES(dev->mutex)
{
    struct eipoib_part *part;

    HMAP_FOR_EACH_WITH_HASH (part, node, hash_int(vlan, 0), &dev->parts) {
        if (part->vlan == vlan) {
            return part;
        }
    }
    return NULL;
}

/* Puts 'part' into the translator's tables, with what its port reports. */
static void
eipoib_part_publish(struct netdev_eipoib *dev, struct eipoib_part *part)
    OVS_REQUIRES(dev->mutex)
{
    struct ib_port_attr attr;
    struct eipoib_partition p;

    ib_port_get_attr(part->port, &attr);
    memset(&p, 0, sizeof p);
    p.vlan = part->vlan;
    p.pkey = ipoib_pkey_full(part->pkey);
    p.scope = IPOIB_SCOPE_LINK;
    p.mtu = ib_port_attr_ipoib_mtu(&attr);
    if (!p.mtu) {
        p.mtu = EIPOIB_DEFAULT_MTU;
    }
    p.base_qpn = part->base ? ib_endpoint_qpn(part->base) : 0;
    part->published_base_qpn = p.base_qpn;

    eipoib_tables_del_partition(dev->tables, part->vlan);
    enum eipoib_table_result r = eipoib_tables_add_partition(dev->tables, &p);
    if (r != EIPOIB_TABLE_OK) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
        VLOG_WARN_RL(&rl, "%s: partition 0x%04"PRIx16" not usable (%s)",
                     netdev_get_name(&dev->up), part->pkey,
                     eipoib_table_result_to_string(r));
    }
}

static void
eipoib_part_destroy(struct netdev_eipoib *dev, struct eipoib_part *part)
    OVS_REQUIRES(dev->mutex)
{
    hmap_remove(&dev->parts, &part->node);
    ib_port_close(part->port);    /* Frees its endpoints. */
    free(part);
}

/* Vifs. */

static void
eipoib_pending_destroy(struct netdev_eipoib *dev, struct eipoib_pending *p,
                       bool destroy_ep)
    OVS_REQUIRES(dev->mutex)
{
    hmap_remove(&dev->pending, &p->node);
    dp_packet_delete_batch(&p->held, true);
    if (destroy_ep) {
        ib_endpoint_destroy(p->vep->ep);
        free(p->vep);
    }
    free(p);
}

static uint32_t
eipoib_vif_hash(const struct eth_addr mac, uint16_t vlan)
{
    return hash_bytes(&mac, sizeof mac, vlan);
}

static struct eipoib_pending *
eipoib_pending_find(const struct netdev_eipoib *dev, const struct eth_addr mac,
                    uint16_t vlan)
    OVS_REQUIRES(dev->mutex)
{
    struct eipoib_pending *p;

    HMAP_FOR_EACH_WITH_HASH (p, node, eipoib_vif_hash(mac, vlan),
                             &dev->pending) {
        if (eth_addr_equals(p->mac, mac) && p->vlan == vlan) {
            return p;
        }
    }
    return NULL;
}

/* Starts serving (MAC, VLAN): creates its endpoint on the VLAN's partition.
 * The vif enters the tables once the endpoint has a QPN (eipoib_run()).
 * Returns the pending entry, or NULL with '*errorp' set. */
static struct eipoib_pending *
eipoib_vif_start(struct netdev_eipoib *dev, const struct eth_addr mac,
                 uint16_t vlan, enum eipoib_vif_kind kind, const char **errorp)
    OVS_REQUIRES(dev->mutex)
{
    struct eipoib_part *part = eipoib_part_find(dev, vlan);
    if (!part) {
        *errorp = "no partition for that VLAN";
        return NULL;
    }

    struct eipoib_tables_config tc;
    eipoib_tables_get_config(dev->tables, &tc);
    if (eipoib_tables_n_vifs(dev->tables) + hmap_count(&dev->pending)
        >= tc.max_vifs) {
        *errorp = "max-vifs reached";
        return NULL;
    }

    struct eipoib_vif_ep *vep = xzalloc(sizeof *vep);
    vep->part = part;
    int error = ib_endpoint_create(part->port,
                                   IB_EP_BLOCK_SELF_MCAST_LOOPBACK, vep,
                                   &vep->ep);
    if (error) {
        free(vep);
        *errorp = "the IB transport could not create an endpoint";
        return NULL;
    }

    struct eipoib_pending *p = xzalloc(sizeof *p);
    p->mac = mac;
    p->vlan = vlan;
    p->kind = kind;
    p->vep = vep;
    dp_packet_batch_init(&p->held);
    hmap_insert(&dev->pending, &p->node, eipoib_vif_hash(mac, vlan));
    COVERAGE_INC(eipoib_vif_created);
    return p;
}

static void eipoib_mcast_apply(struct netdev_eipoib *);

/* 'dev_' is the vif's netdev_eipoib. */
static void
eipoib_vif_expired(const struct eipoib_vif *vif, void *dev_)
{
    struct netdev_eipoib *dev = dev_;
    struct eipoib_vif_ep *vep = vif->endpoint;

    COVERAGE_INC(eipoib_vif_expired);
    struct eth_addr mac;
    memcpy(mac.ea, vif->mac, sizeof mac.ea);
    eipoib_state_del_vif(dev->state, mac, vif->vlan);
    eipoib_mcast_forget_member(dev->mcast, vif->mac, vif->vlan,
                               &dev->mcast_events);
    eipoib_mcast_apply(dev);
    ib_endpoint_destroy(vep->ep);
    free(vep);
}

/* For teardown: the endpoints go with their ports, the rest is ours. */
static void
eipoib_vif_free(const struct eipoib_vif *vif,
                enum eipoib_vif_kind kind OVS_UNUSED,
                long long age_ms OVS_UNUSED, void *aux OVS_UNUSED)
{
    free(vif->endpoint);
}

/* Counting. */

static void
eipoib_count_drop(struct netdev_eipoib *dev, enum eipoib_drop drop,
                  bool tx)
    OVS_REQUIRES(dev->mutex)
{
    dev->drops[drop]++;
    if (tx) {
        dev->stats.tx_dropped++;
    } else {
        dev->stats.rx_dropped++;
    }
}

static void
eipoib_count_verdict(struct netdev_eipoib *dev, enum eipoib_verdict v,
                     bool tx)
    OVS_REQUIRES(dev->mutex)
{
    dev->verdicts[v]++;
    if (tx) {
        dev->stats.tx_dropped++;
        if (v == EIPOIB_TX_TOO_BIG) {
            dev->stats.tx_errors++;
        }
    } else {
        dev->stats.rx_dropped++;
        if (v == EIPOIB_RX_RUNT) {
            dev->stats.rx_length_errors++;
        }
    }
}

/* Transmit. */

static struct eipoib_pkt
eipoib_pkt_from_dp_packet(struct dp_packet *packet)
{
    struct eipoib_pkt pkt = {
        .base = dp_packet_base(packet),
        .size = dp_packet_get_allocated(packet),
        .ofs = (uint8_t *) dp_packet_data(packet)
               - (uint8_t *) dp_packet_base(packet),
        .len = dp_packet_size(packet),
    };
    return pkt;
}

static void
eipoib_pkt_to_dp_packet(const struct eipoib_pkt *pkt,
                        struct dp_packet *packet)
{
    dp_packet_set_data(packet, pkt->base + pkt->ofs);
    dp_packet_set_size(packet, pkt->len);
    dp_packet_reset_offsets(packet);
}

/* Multicast. */

static bool
eipoib_pkey_of_vlan(uint16_t vlan, uint16_t *pkey, void *dev_)
{
    struct netdev_eipoib *dev = dev_;
    struct eipoib_part *part = eipoib_part_find(dev, vlan);

    if (part) {
        *pkey = ipoib_pkey_full(part->pkey);
    }
    return part != NULL;
}

/* Joins and leaves the MGIDs that snooping decided on, on the base endpoint
 * of their partition.  A partition whose base endpoint does not exist yet
 * joins its groups when it gets one (eipoib_part_join_groups()). */
static void
eipoib_mcast_apply(struct netdev_eipoib *dev)
    OVS_REQUIRES(dev->mutex)
{
    struct eipoib_mcast_events *events = &dev->mcast_events;

    for (size_t i = 0; i < events->n; i++) {
        const struct eipoib_mcast_event *e = &events->events[i];
        struct eipoib_part *part = eipoib_part_find(dev, e->vlan);

        if (!part || !part->base) {
            continue;
        }
        if (e->type == EIPOIB_MCAST_JOIN) {
            ib_endpoint_join(part->base, &e->mgid, IB_JOIN_FULL);
        } else {
            ib_endpoint_leave(part->base, &e->mgid);
        }
    }
    eipoib_mcast_events_clear(events);
}

static void
eipoib_part_join_group(const struct eipoib_mcast_group_info *g, void *part_)
{
    struct eipoib_part *part = part_;

    if (g->vlan == part->vlan) {
        ib_endpoint_join(part->base, &g->mgid, IB_JOIN_FULL);
    }
}

struct eipoib_same_lid {
    uint16_t lid;
    struct ipoib_gid gid;
    bool found;
};

static void
eipoib_find_same_lid(const struct eipoib_neighbor *n,
                     long long age_ms OVS_UNUSED, void *aux_)
{
    struct eipoib_same_lid *aux = aux_;

    if (!aux->found && n->lid == aux->lid) {
        ipoib_addr_get_gid(&n->addr, &aux->gid);
        aux->found = true;
    }
}

/* A frame to a remote MAC that is not (or no longer) in the neighbour
 * table, e.g. after a restart while VMs kept their ARP caches.  An ARP
 * (a unicast probe) goes to the broadcast group instead, where its target
 * answers.  For anything else, an LID-form REMAC names the peer's QPN and
 * LID, and the GID of a known neighbour with that LID completes the address.
 * Returns true if 'packet' is worth translating again. */
static bool
eipoib_resolve_unicast(struct netdev_eipoib *dev, struct dp_packet *packet)
    OVS_REQUIRES(dev->mutex)
{
    struct eth_header *eh = dp_packet_data(packet);
    ovs_be16 type = eh->eth_type;

    if (type == htons(ETH_TYPE_VLAN) && dp_packet_size(packet) >= 18) {
        type = ((struct vlan_eth_header *) eh)->veth_next_type;
    }
    if (type == htons(ETH_TYPE_ARP)) {
        COVERAGE_INC(eipoib_arp_probe_broadcast);
        eh->eth_dst = eth_addr_broadcast;
        return true;
    }

    struct eipoib_same_lid aux = { .found = false };
    uint32_t qpn;
    uint8_t mac[EIPOIB_ETH_ADDR_LEN];
    if (!ipoib_remac_parse_lid(eh->eth_dst.ea, &qpn, &aux.lid)) {
        return false;
    }
    eipoib_tables_for_each_neighbor(dev->tables, eipoib_find_same_lid, &aux);
    if (!aux.found
        || !eipoib_tables_learn_neighbor(dev->tables, qpn, aux.lid, &aux.gid,
                                         -1, mac)) {
        return false;
    }
    COVERAGE_INC(eipoib_remac_resolved);
    return true;
}

/* Datagrams translated and ready to go, sent together so that the
 * transport makes one system call per batch, not per packet. */
struct eipoib_tx_batch {
    size_t n;
    struct eipoib_part *parts[NETDEV_MAX_BURST];
    struct ib_send sends[NETDEV_MAX_BURST];
    struct dp_packet *packets[NETDEV_MAX_BURST];
    size_t orig_lens[NETDEV_MAX_BURST];
};

/* Sends what 'b' holds, one ib_port_send() per run of the same partition,
 * and frees the packets. */
static void
eipoib_tx_flush(struct netdev_eipoib *dev, struct eipoib_tx_batch *b)
    OVS_REQUIRES(dev->mutex)
{
    size_t i = 0;
    while (i < b->n) {
        size_t j = i + 1;
        while (j < b->n && b->parts[j] == b->parts[i]) {
            j++;
        }

        size_t n_sent = ib_port_send(b->parts[i]->port, &b->sends[i], j - i);
        for (size_t k = i; k < j; k++) {
            if (k - i < n_sent) {
                dev->stats.tx_packets++;
                dev->stats.tx_bytes += b->orig_lens[k];
            } else {
                eipoib_count_drop(dev, EIPOIB_DROP_TX_TRANSPORT, true);
            }
            dp_packet_delete(b->packets[k]);
        }
        i = j;
    }
    b->n = 0;
}

/* Translates one frame and adds it to 'b', or holds or drops it.  Takes
 * ownership of 'packet'. */
static void
eipoib_tx_one(struct netdev_eipoib *dev, struct dp_packet *packet,
              struct eipoib_tx_batch *b)
    OVS_REQUIRES(dev->mutex)
{
    size_t orig_len = dp_packet_size(packet);

    /* ARP, ND and DHCP grow.  Packets from most netdevs have the headroom
     * already; others (e.g. injected ones) get it here, once. */
    dp_packet_prealloc_headroom(packet, EIPOIB_TX_HEADROOM);

    /* Multicast membership (IGMP, MLD, the solicited-node groups of IPv6
     * sources) is read before translation rewrites the frame. */
    eipoib_mcast_snoop(dev->mcast, dp_packet_data(packet),
                       dp_packet_size(packet), eipoib_pkey_of_vlan, dev,
                       &dev->mcast_events);
    if (dev->mcast_events.n) {
        eipoib_mcast_apply(dev);
    }

    /* So are the addresses the VM claims, remembered once the frame is
     * sent (eipoib-state.h). */
    struct eipoib_vm_addr claimed[2];
    size_t n_claimed = eipoib_announce_snoop(dp_packet_data(packet),
                                             dp_packet_size(packet),
                                             claimed);

    struct eipoib_pkt pkt = eipoib_pkt_from_dp_packet(packet);
    struct eipoib_tx_info info;
    enum eipoib_verdict v;

    v = eipoib_xlate_tx(&dev->xlate, &pkt, &info);
    if (v == EIPOIB_UNKNOWN_VIF) {
        /* Snooped: a new source (MAC, VLAN).  Hold the frame until its
         * endpoint has a QPN, since the QPN is part of its ARP/ND/DHCP. */
        struct eth_header *eh = dp_packet_data(packet);
        uint16_t vlan = info.partition.vlan;
        struct eipoib_pending *p = eipoib_pending_find(dev, eh->eth_src,
                                                       vlan);
        if (!p && !dev->learning) {
            /* Secure mode: only the database's (and static) vifs. */
            eipoib_count_drop(dev, EIPOIB_DROP_TX_NOT_PROVISIONED, true);
            dp_packet_delete(packet);
            return;
        }
        if (!p) {
            const char *error;
            p = eipoib_vif_start(dev, eh->eth_src, vlan, EIPOIB_VIF_SNOOPED,
                                 &error);
            if (!p) {
                eipoib_count_drop(dev, EIPOIB_DROP_TX_VIF_REFUSED, true);
                dp_packet_delete(packet);
                return;
            }
        }
        if (dp_packet_batch_size(&p->held) >= EIPOIB_PENDING_MAX) {
            eipoib_count_drop(dev, EIPOIB_DROP_TX_VIF_PENDING_FULL, true);
            dp_packet_delete(packet);
        } else {
            dp_packet_batch_add(&p->held, packet);
        }
        return;
    } else if (v == EIPOIB_UNKNOWN_UNICAST) {
        if (eipoib_resolve_unicast(dev, packet)) {
            pkt = eipoib_pkt_from_dp_packet(packet);
            v = eipoib_xlate_tx(&dev->xlate, &pkt, &info);
        }
        if (v == EIPOIB_UNKNOWN_UNICAST) {
            eipoib_count_drop(dev, EIPOIB_DROP_TX_UNKNOWN_UNICAST, true);
            dp_packet_delete(packet);
            return;
        }
    }
    if (v != EIPOIB_OK) {
        eipoib_count_verdict(dev, v, true);
        dp_packet_delete(packet);
        return;
    }

    struct eipoib_part *part = eipoib_part_find(dev, info.partition.vlan);
    if (!part || !part->active) {
        eipoib_count_drop(dev, EIPOIB_DROP_TX_LINK_DOWN, true);
        dp_packet_delete(packet);
        return;
    }

    struct eipoib_vif_ep *vep = info.vif.endpoint;
    vep->tx_packets++;
    if (n_claimed) {
        struct eth_addr src;
        memcpy(src.ea, info.vif.mac, sizeof src.ea);
        eipoib_state_note_addrs(dev->state, src, info.vif.vlan, claimed,
                                n_claimed);
    }
    if (b->n >= NETDEV_MAX_BURST) {
        eipoib_tx_flush(dev, b);
    }
    b->parts[b->n] = part;
    b->sends[b->n] = (struct ib_send) {
        .ep = vep->ep,
        .dst = info.dst,
        .data = pkt.base + pkt.ofs,
        .size = pkt.len,
    };
    b->packets[b->n] = packet;
    b->orig_lens[b->n] = orig_len;
    b->n++;
}

static int
netdev_eipoib_send(struct netdev *netdev, int qid OVS_UNUSED,
                   struct dp_packet_batch *batch,
                   bool concurrent_txq OVS_UNUSED)
{
    struct netdev_eipoib *dev = netdev_eipoib_cast(netdev);
    struct dp_packet *packet;

    ovs_mutex_lock(&dev->mutex);
    eipoib_tables_set_time(dev->tables, time_msec());
    eipoib_mcast_set_time(dev->mcast, time_msec());
    struct eipoib_tx_batch b = { .n = 0 };
    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        eipoib_tx_one(dev, packet, &b);
    }
    eipoib_tx_flush(dev, &b);
    ovs_mutex_unlock(&dev->mutex);
    dp_packet_batch_init(batch);
    return 0;
}

/* Receive. */

static struct netdev_rxq *
netdev_eipoib_rxq_alloc(void)
{
    struct netdev_rxq_eipoib *rx = xzalloc(sizeof *rx);
    return &rx->up;
}

static int
netdev_eipoib_rxq_construct(struct netdev_rxq *rxq OVS_UNUSED)
{
    return 0;
}

static void
netdev_eipoib_rxq_destruct(struct netdev_rxq *rxq OVS_UNUSED)
{
}

static void
netdev_eipoib_rxq_dealloc(struct netdev_rxq *rxq)
{
    free(netdev_rxq_eipoib_cast(rxq));
}

/* Translates 'r' and adds it to 'batch', or drops it. */
static void
eipoib_rx_one(struct netdev_eipoib *dev, struct eipoib_part *part,
              struct ib_recv *r, struct dp_packet_batch *batch)
    OVS_REQUIRES(dev->mutex)
{
    /* Ethernet frames are padded to 60 bytes (64 tagged): a short IP packet
     * needs room past its end, which a transport need not have left. */
    if (dp_packet_size(r->packet) < EIPOIB_ETH_MIN_LEN + EIPOIB_VLAN_HDR_LEN) {
        dp_packet_prealloc_tailroom(r->packet,
                                    EIPOIB_ETH_MIN_LEN + EIPOIB_VLAN_HDR_LEN);
    }
    struct eipoib_pkt pkt = eipoib_pkt_from_dp_packet(r->packet);
    struct eipoib_rx_meta meta = {
        .pkey = ipoib_pkey_full(part->pkey),
        .dst_qpn = ib_endpoint_qpn(r->ep),
        .src_qpn = r->src_qpn,
        .slid = r->slid,
        .has_grh = r->has_grh,
        .sgid = r->sgid,
        .dgid = r->dgid,
    };
    struct eipoib_rx_info info;
    enum eipoib_verdict v = eipoib_xlate_rx(&dev->xlate, &pkt, &meta, &info);

    if (v != EIPOIB_OK) {
        eipoib_count_verdict(dev, v, false);
        dp_packet_delete(r->packet);
        return;
    }
    if (info.to_vif) {
        struct eipoib_vif_ep *vep = info.vif.endpoint;
        vep->rx_packets++;
    }
    eipoib_pkt_to_dp_packet(&pkt, r->packet);
    dev->stats.rx_packets++;
    dev->stats.rx_bytes += pkt.len;
    dp_packet_batch_add(batch, r->packet);
}

static int
netdev_eipoib_rxq_recv(struct netdev_rxq *rxq, struct dp_packet_batch *batch,
                       int *qfill)
{
    struct netdev_eipoib *dev = netdev_eipoib_cast(rxq->netdev);
    struct eipoib_part *part;

    dp_packet_batch_init(batch);
    ovs_mutex_lock(&dev->mutex);
    eipoib_tables_set_time(dev->tables, time_msec());
    HMAP_FOR_EACH (part, node, &dev->parts) {
        size_t room = NETDEV_MAX_BURST - dp_packet_batch_size(batch);
        struct ib_recv recvs[IB_RECV_BATCH];
        size_t n = 0;

        if (!room) {
            break;
        }
        if (ib_port_recv(part->port, recvs, MIN(room, IB_RECV_BATCH), &n)) {
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            eipoib_rx_one(dev, part, &recvs[i], batch);
        }
    }
    ovs_mutex_unlock(&dev->mutex);

    if (qfill) {
        *qfill = 0;
    }
    return dp_packet_batch_is_empty(batch) ? EAGAIN : 0;
}

static void
netdev_eipoib_rxq_wait(struct netdev_rxq *rxq)
{
    struct netdev_eipoib *dev = netdev_eipoib_cast(rxq->netdev);
    struct eipoib_part *part;

    ovs_mutex_lock(&dev->mutex);
    HMAP_FOR_EACH (part, node, &dev->parts) {
        ib_port_recv_wait(part->port);
    }
    ovs_mutex_unlock(&dev->mutex);
}

/* Periodic work: the transport, partitions coming up, vifs getting their
 * QPNs, aging. */

static void
eipoib_part_run(struct netdev_eipoib *dev, struct eipoib_part *part)
    OVS_REQUIRES(dev->mutex)
{
    struct ib_port_attr attr;

    ib_port_run(part->port);
    ib_port_get_attr(part->port, &attr);

    bool active = attr.state == IB_PORT_ACTIVE;
    if (active && !part->base
        && !ib_endpoint_create(part->port, IB_EP_BLOCK_SELF_MCAST_LOOPBACK,
                               NULL, &part->base)) {
        eipoib_mcast_for_each_group(dev->mcast, eipoib_part_join_group,
                                    part);
    }
    if (active && part->base && !part->joined) {
        struct ipoib_gid mgid;

        ipoib_broadcast_mgid(ipoib_pkey_full(part->pkey), IPOIB_SCOPE_LINK,
                             &mgid);
        part->joined = !ib_endpoint_join(part->base, &mgid, IB_JOIN_FULL);
    }
    if (active && part->base && !part->joined_all_nodes) {
        /* As Linux ipoib does: unsolicited NAs (eipoib-announce.h) and
         * router advertisements go to all nodes, and VMs never report
         * that group. */
        static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
        struct ipoib_gid mgid;

        ipoib_mgid_from_ipv6(all_nodes, ipoib_pkey_full(part->pkey),
                             IPOIB_SCOPE_LINK, &mgid);
        part->joined_all_nodes = !ib_endpoint_join(part->base, &mgid,
                                                   IB_JOIN_FULL);
    }
    uint32_t base_qpn = part->base ? ib_endpoint_qpn(part->base) : 0;
    if (active != part->active
        || (active && (attr.epoch != part->epoch
                       || base_qpn != part->published_base_qpn))) {
        if (active != part->active) {
            VLOG_INFO("%s: partition 0x%04"PRIx16" %s (LID %"PRIu16", "
                      "IPoIB MTU %"PRIu32")", netdev_get_name(&dev->up),
                      part->pkey, active ? "up" : "down", attr.lid,
                      ib_port_attr_ipoib_mtu(&attr));
        }
        part->active = active;
        part->epoch = attr.epoch;
        eipoib_part_publish(dev, part);
        if (part == dev->untagged && active) {
            eipoib_xlate_init(&dev->xlate, &eipoib_tables_ops, dev->tables,
                              attr.lid, &attr.gid);
        }
    }
}

/* Moves vifs whose endpoints have their QPNs into the tables, and sends
 * what they held. */
static void
eipoib_pending_run(struct netdev_eipoib *dev)
    OVS_REQUIRES(dev->mutex)
{
    struct eipoib_pending *p;

    HMAP_FOR_EACH_SAFE (p, node, &dev->pending) {
        uint32_t qpn = ib_endpoint_qpn(p->vep->ep);
        if (!qpn || !p->vep->part->active) {
            continue;
        }

        struct eipoib_vif vif;
        memset(&vif, 0, sizeof vif);
        memcpy(vif.mac, p->mac.ea, sizeof vif.mac);
        vif.vlan = p->vlan;
        vif.qpn = qpn;
        vif.endpoint = p->vep;
        enum eipoib_table_result r = eipoib_tables_add_vif(dev->tables, &vif,
                                                           p->kind);
        if (r != EIPOIB_TABLE_OK) {
            size_t n = dp_packet_batch_size(&p->held);
            dev->drops[EIPOIB_DROP_TX_VIF_REFUSED] += n;
            dev->stats.tx_dropped += n;
            eipoib_pending_destroy(dev, p, true);
            continue;
        }

        eipoib_state_add_vif(dev->state, p->mac, p->vlan, p->kind,
                             time_msec());

        struct dp_packet_batch held = p->held;
        struct eipoib_tx_batch b = { .n = 0 };
        struct dp_packet *packet;
        dp_packet_batch_init(&p->held);
        eipoib_pending_destroy(dev, p, false);
        DP_PACKET_BATCH_FOR_EACH (i, packet, &held) {
            eipoib_tx_one(dev, packet, &b);
        }
        eipoib_tx_flush(dev, &b);
    }
}

/* Provisioning. */

static void
eipoib_provision_set_clear(struct eipoib_provision_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        free(set->vifs[i].iface);
    }
    free(set->vifs);
    set->vifs = NULL;
    set->n = 0;
}

/* Makes 'set' (NULL: none) the vifs the database names for 'dev'. */
static void
eipoib_set_provisioned(struct netdev_eipoib *dev,
                       const struct eipoib_provision_set *set)
    OVS_REQUIRES(dev->mutex)
{
    eipoib_provision_set_clear(&dev->provisioned);
    if (set && set->n) {
        dev->provisioned.vifs = xmemdup(set->vifs, set->n * sizeof *set->vifs);
        dev->provisioned.n = set->n;
        for (size_t i = 0; i < set->n; i++) {
            dev->provisioned.vifs[i].iface = xstrdup(set->vifs[i].iface);
        }
    }
    dev->provision_dirty = true;
}

struct eipoib_vif_list {
    struct eipoib_vif *vifs;
    size_t n, allocated;
    enum eipoib_vif_kind kind;              /* Which to collect. */
    const struct eipoib_provision_set *keep; /* Those not to collect. */
};

static void
eipoib_collect_vif(const struct eipoib_vif *vif, enum eipoib_vif_kind kind,
                   long long age_ms OVS_UNUSED, void *list_)
{
    struct eipoib_vif_list *list = list_;
    struct eth_addr mac;

    memcpy(mac.ea, vif->mac, sizeof mac.ea);
    if (kind == list->kind
        && !eipoib_provision_set_contains(list->keep, mac, vif->vlan)) {
        if (list->n >= list->allocated) {
            list->vifs = x2nrealloc(list->vifs, &list->allocated,
                                    sizeof *list->vifs);
        }
        list->vifs[list->n++] = *vif;
    }
}

/* Removes the vifs of 'kind' (their endpoints too), but those in 'keep'. */
static void
eipoib_remove_vifs(struct netdev_eipoib *dev, enum eipoib_vif_kind kind,
                   const struct eipoib_provision_set *keep)
    OVS_REQUIRES(dev->mutex)
{
    struct eipoib_vif_list list = { .kind = kind, .keep = keep };
    struct eipoib_pending *p;

    eipoib_tables_for_each_vif(dev->tables, eipoib_collect_vif, &list);
    for (size_t i = 0; i < list.n; i++) {
        struct eipoib_vif vif;

        if (eipoib_tables_del_vif(dev->tables, list.vifs[i].mac,
                                  list.vifs[i].vlan, &vif)) {
            eipoib_vif_expired(&vif, dev);
        }
    }
    free(list.vifs);

    HMAP_FOR_EACH_SAFE (p, node, &dev->pending) {
        if (p->kind == kind
            && !eipoib_provision_set_contains(keep, p->mac, p->vlan)) {
            eipoib_pending_destroy(dev, p, true);
        }
    }
}

/* Brings the provisioned vifs in line with 'dev->provisioned': starts the
 * missing ones (a snooped vif for the same MAC and VLAN just becomes
 * provisioned), removes the others.  A vif whose partition is not up yet
 * waits for it, so that base endpoints get their QPNs first. */
static void
eipoib_provision_apply(struct netdev_eipoib *dev)
    OVS_REQUIRES(dev->mutex)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    const struct eipoib_provision_set *set = &dev->provisioned;

    dev->provision_dirty = false;
    eipoib_remove_vifs(dev, EIPOIB_VIF_PROVISIONED, set);
    for (size_t i = 0; i < set->n; i++) {
        const struct eipoib_provision_vif *pv = &set->vifs[i];
        struct eipoib_part *part = eipoib_part_find(dev, pv->vlan);
        enum eipoib_vif_kind kind;
        struct eipoib_pending *p;

        if (eipoib_tables_get_vif_kind(dev->tables, pv->mac.ea, pv->vlan,
                                       &kind)) {
            if (kind == EIPOIB_VIF_SNOOPED) {
                eipoib_tables_set_vif_kind(dev->tables, pv->mac.ea, pv->vlan,
                                           EIPOIB_VIF_PROVISIONED);
            }
        } else if ((p = eipoib_pending_find(dev, pv->mac, pv->vlan))) {
            if (p->kind == EIPOIB_VIF_SNOOPED) {
                p->kind = EIPOIB_VIF_PROVISIONED;
            }
        } else if (part && (!part->active || !part->base
                            || !ib_endpoint_qpn(part->base))) {
            dev->provision_dirty = true;
        } else {
            const char *error = NULL;

            if (!eipoib_vif_start(dev, pv->mac, pv->vlan,
                                  EIPOIB_VIF_PROVISIONED, &error)) {
                VLOG_WARN_RL(&rl, "%s: cannot serve "ETH_ADDR_FMT" (interface "
                             "%s) on VLAN %"PRIu16": %s",
                             netdev_get_name(&dev->up),
                             ETH_ADDR_ARGS(pv->mac), pv->iface, pv->vlan,
                             error);
            }
        }
    }
}

/* Restarts: serving again the vifs of the previous run, and announcing
 * their addresses from their new QPs (eipoib-state.h). */

static enum eipoib_restore_result
eipoib_restore_vif(struct eth_addr mac, uint16_t vlan,
                   enum eipoib_vif_kind kind, void *dev_)
    OVS_NO_THREAD_SAFETY_ANALYSIS
{
    struct netdev_eipoib *dev = dev_;
    struct eipoib_part *part = eipoib_part_find(dev, vlan);
    const char *error = NULL;
    struct eipoib_vif vif;

    if (!part || (kind == EIPOIB_VIF_SNOOPED && !dev->learning)) {
        return EIPOIB_RESTORE_REFUSED;
    }
    if (!part->active || !part->base || !ib_endpoint_qpn(part->base)) {
        return EIPOIB_RESTORE_LATER;
    }
    if (eipoib_tables_find_vif(dev->tables, mac.ea, vlan, &vif)
        || eipoib_pending_find(dev, mac, vlan)) {
        return EIPOIB_RESTORE_STARTED;
    }
    /* Provisioned vifs come back as snooped ones until the database says
     * so again (eipoib_provision_apply()). */
    if (!eipoib_vif_start(dev, mac, vlan,
                          (kind == EIPOIB_VIF_STATIC ? EIPOIB_VIF_STATIC
                           : EIPOIB_VIF_SNOOPED), &error)) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        VLOG_WARN_RL(&rl, "%s: cannot serve "ETH_ADDR_FMT" on VLAN %"PRIu16
                     " again: %s", netdev_get_name(&dev->up),
                     ETH_ADDR_ARGS(mac), vlan, error);
        return EIPOIB_RESTORE_REFUSED;
    }
    COVERAGE_INC(eipoib_vif_restored);
    return EIPOIB_RESTORE_STARTED;
}

struct eipoib_announce_aux {
    struct netdev_eipoib *dev;
    struct eipoib_tx_batch *b;
};

/* Sends the frame the VM (MAC, VLAN) would send to announce 'a', through
 * the ordinary transmit path, so that it leaves from the vif's QP. */
static void
eipoib_announce_one(struct eth_addr mac, uint16_t vlan,
                    const struct eipoib_vm_addr *a, void *aux_)
    OVS_NO_THREAD_SAFETY_ANALYSIS
{
    struct eipoib_announce_aux *aux = aux_;
    struct dp_packet *packet;
    uint8_t frame[EIPOIB_ANNOUNCE_FRAME_MAX];
    size_t len = eipoib_announce_frame(mac.ea, vlan, a, frame, sizeof frame);

    if (!len) {
        return;
    }
    packet = dp_packet_clone_data_with_headroom(frame, len,
                                                EIPOIB_TX_HEADROOM);
    COVERAGE_INC(eipoib_announce_sent);
    eipoib_tx_one(aux->dev, packet, aux->b);
}

static void
eipoib_state_run(struct netdev_eipoib *dev, long long int now)
    OVS_REQUIRES(dev->mutex)
{
    if (!dev->untagged) {
        return;
    }
    eipoib_state_for_each_restoring(dev->state, eipoib_restore_vif, dev);
    if (eipoib_state_next_announcement(dev->state) <= now) {
        struct eipoib_tx_batch b = { .n = 0 };
        struct eipoib_announce_aux aux = { dev, &b };

        eipoib_state_run_announcements(dev->state, now, eipoib_announce_one,
                                       &aux);
        eipoib_tx_flush(dev, &b);
    }
}

static void
eipoib_run(struct netdev_eipoib *dev)
    OVS_REQUIRES(dev->mutex)
{
    struct eipoib_part *part;
    long long int now = time_msec();

    eipoib_tables_set_time(dev->tables, now);
    HMAP_FOR_EACH (part, node, &dev->parts) {
        eipoib_part_run(dev, part);
    }
    if (dev->provision_dirty && dev->untagged) {
        eipoib_provision_apply(dev);
    }
    eipoib_pending_run(dev);
    eipoib_state_run(dev, now);
    if (now >= dev->next_expire) {
        eipoib_state_save_if_changed(dev->state, dev->tables);
        eipoib_mcast_set_time(dev->mcast, now);
        eipoib_mcast_expire(dev->mcast, &dev->mcast_events);
        eipoib_mcast_apply(dev);
        eipoib_tables_expire(dev->tables, eipoib_vif_expired, dev);
        dev->next_expire = now + EIPOIB_EXPIRE_INTERVAL_MS;
    }

    bool carrier = dev->untagged && dev->untagged->active;
    if (carrier != dev->carrier) {
        dev->carrier = carrier;
        netdev_change_seq_changed(&dev->up);
    }
}

static struct netdev_eipoib *eipoib_find_locked(const char *name)
    OVS_REQUIRES(eipoib_list_mutex);

/* Follows the database for provisioned vifs (eipoib-provision.h).  Made
 * when the first eipoib port is, so that an ovs-vswitchd without one makes
 * no second database connection.  Main thread only. */
static struct eipoib_provision *eipoib_provision;

static void
netdev_eipoib_run(const struct netdev_class *netdev_class OVS_UNUSED)
{
    struct netdev_eipoib *dev;

    ovs_mutex_lock(&eipoib_list_mutex);
    if (!eipoib_provision && !ovs_list_is_empty(&eipoib_list)) {
        char *remote = eipoib_provision_default_remote();
        eipoib_provision = eipoib_provision_create(remote);
        free(remote);
    }
    uint64_t seq = 0;
    bool synced = false;
    if (eipoib_provision) {
        seq = eipoib_provision_run(eipoib_provision);
        synced = eipoib_provision_is_synced(eipoib_provision);
    }
    if (synced && !sset_is_empty(&eipoib_closed_names)) {
        const char *name;

        SSET_FOR_EACH_SAFE (name, &eipoib_closed_names) {
            if (eipoib_find_locked(name)) {
                sset_delete(&eipoib_closed_names,
                            SSET_NODE_FROM_NAME(name));
            } else if (!eipoib_provision_get(eipoib_provision, name)) {
                char *path = eipoib_state_default_path(name);
                eipoib_state_remove_file(path);
                free(path);
                sset_delete(&eipoib_closed_names,
                            SSET_NODE_FROM_NAME(name));
            }
        }
    }
    LIST_FOR_EACH (dev, list_node, &eipoib_list) {
        ovs_mutex_lock(&dev->mutex);
        if (synced && dev->provision_seq != seq) {
            dev->provision_seq = seq;
            eipoib_set_provisioned(
                dev, eipoib_provision_get(eipoib_provision,
                                          netdev_get_name(&dev->up)));
        }
        eipoib_run(dev);
        ovs_mutex_unlock(&dev->mutex);
    }
    ovs_mutex_unlock(&eipoib_list_mutex);
}

static void
netdev_eipoib_wait(const struct netdev_class *netdev_class OVS_UNUSED)
{
    struct netdev_eipoib *dev;

    ovs_mutex_lock(&eipoib_list_mutex);
    if (eipoib_provision) {
        eipoib_provision_wait(eipoib_provision);
    }
    LIST_FOR_EACH (dev, list_node, &eipoib_list) {
        struct eipoib_part *part;

        ovs_mutex_lock(&dev->mutex);
        HMAP_FOR_EACH (part, node, &dev->parts) {
            ib_port_wait(part->port);
        }
        if (!hmap_is_empty(&dev->pending)) {
            /* QPNs arrive through the transport's fds; also poll now and
             * then in case a backend assigns them without I/O. */
            poll_timer_wait(100);
        }
        if (dev->provision_dirty || eipoib_state_n_restoring(dev->state)) {
            /* Waiting for a partition to come up. */
            poll_timer_wait(100);
        }
        long long int announce = eipoib_state_next_announcement(dev->state);
        if (announce != LLONG_MAX) {
            poll_timer_wait_until(announce);
        }
        poll_timer_wait_until(dev->next_expire);
        ovs_mutex_unlock(&dev->mutex);
    }
    ovs_mutex_unlock(&eipoib_list_mutex);
}

/* Life cycle. */

static struct netdev *
netdev_eipoib_alloc(void)
{
    struct netdev_eipoib *dev = xzalloc(sizeof *dev);
    return &dev->up;
}

static int
netdev_eipoib_construct(struct netdev *netdev)
{
    struct netdev_eipoib *dev = netdev_eipoib_cast(netdev);
    struct eipoib_tables_config tc;

    ovs_mutex_init(&dev->mutex);
    /* A locally administered unicast MAC: the port's own address on the
     * bridge.  The IPoIB addresses come from the transport. */
    eth_addr_random(&dev->hwaddr);
    /* Administratively up from the start, as a configured uplink is: the
     * link state (netdev_get_carrier()) then follows the IB port. */
    dev->flags = NETDEV_UP;
    dev->learning = true;
    smap_init(&dev->options);
    hmap_init(&dev->parts);
    hmap_init(&dev->pending);
    eipoib_tables_config_default(&tc);
    dev->tables = eipoib_tables_create(&tc);
    eipoib_xlate_init(&dev->xlate, &eipoib_tables_ops, dev->tables, 0,
                      &no_gid);
    dev->mcast = eipoib_mcast_create(NULL);  /* Replaced by set_config(). */
    eipoib_mcast_events_init(&dev->mcast_events);
    char *state_path = eipoib_state_default_path(netdev_get_name(netdev));
    dev->state = eipoib_state_create(state_path);
    free(state_path);

    ovs_mutex_lock(&eipoib_list_mutex);
    ovs_list_push_back(&eipoib_list, &dev->list_node);
    ovs_mutex_unlock(&eipoib_list_mutex);
    return 0;
}

/* Drops every partition, vif and neighbour. */
static void
eipoib_teardown(struct netdev_eipoib *dev)
    OVS_REQUIRES(dev->mutex)
{
    struct eipoib_pending *p;
    struct eipoib_part *part;

    HMAP_FOR_EACH_SAFE (p, node, &dev->pending) {
        eipoib_pending_destroy(dev, p, true);
    }
    eipoib_tables_for_each_vif(dev->tables, eipoib_vif_free, NULL);
    eipoib_tables_destroy(dev->tables);
    dev->tables = NULL;
    /* The groups go with the ports' endpoints. */
    eipoib_mcast_destroy(dev->mcast);
    dev->mcast = NULL;
    eipoib_mcast_events_clear(&dev->mcast_events);

    HMAP_FOR_EACH_SAFE (part, node, &dev->parts) {
        eipoib_part_destroy(dev, part);
    }
    dev->untagged = NULL;
}

static void
netdev_eipoib_destruct(struct netdev *netdev)
{
    struct netdev_eipoib *dev = netdev_eipoib_cast(netdev);

    ovs_mutex_lock(&eipoib_list_mutex);
    ovs_list_remove(&dev->list_node);
    sset_add(&eipoib_closed_names, netdev_get_name(netdev));
    ovs_mutex_unlock(&eipoib_list_mutex);

    ovs_mutex_lock(&dev->mutex);
    if (dev->tables) {
        eipoib_state_save_if_changed(dev->state, dev->tables);
    }
    eipoib_teardown(dev);
    eipoib_state_destroy(dev->state);
    dev->state = NULL;
    ovs_mutex_unlock(&dev->mutex);

    hmap_destroy(&dev->parts);
    hmap_destroy(&dev->pending);
    eipoib_provision_set_clear(&dev->provisioned);
    eipoib_mcast_events_destroy(&dev->mcast_events);
    smap_destroy(&dev->options);
    free(dev->transport);
    free(dev->fabric);
    free(dev->node);
    ovs_mutex_destroy(&dev->mutex);
}

static void
netdev_eipoib_dealloc(struct netdev *netdev)
{
    free(netdev_eipoib_cast(netdev));
}

/* Configuration. */

struct eipoib_config {
    const char *transport;
    const char *fabric;
    const char *node;
    uint16_t pkey;
    struct eipoib_partition maps[64];   /* VLAN -> P_Key. */
    size_t n_maps;
    struct eipoib_tables_config tables;
    struct eipoib_mcast_config mcast;
    bool learning;
};

static bool
eipoib_parse_pkey(const char *s, uint16_t *pkey)
{
    char *end;
    unsigned long v = strtoul(s, &end, 0);

    if (end == s || *end || v > 0xffff || !ipoib_pkey_is_valid(v)) {
        return false;
    }
    *pkey = v;
    return true;
}

/* Parses "10:0x8001,20:0x8002" into 'cfg->maps'. */
static char *
eipoib_parse_vlan_pkeys(const char *s, struct eipoib_config *cfg)
{
    char *copy = xstrdup(s), *save = NULL, *error = NULL;

    for (char *tok = strtok_r(copy, ", ", &save); tok;
         tok = strtok_r(NULL, ", ", &save)) {
        char *colon = strchr(tok, ':');
        unsigned long vlan;
        uint16_t pkey;
        char *end;

        if (!colon) {
            error = xasprintf("options:vlan-pkeys: \"%s\" is not VLAN:PKEY",
                              tok);
            break;
        }
        *colon = '\0';
        vlan = strtoul(tok, &end, 10);
        if (end == tok || *end || vlan < 1 || vlan > 4094) {
            error = xasprintf("options:vlan-pkeys: \"%s\" is not a VLAN "
                              "(1 to 4094)", tok);
            break;
        }
        if (!eipoib_parse_pkey(colon + 1, &pkey)) {
            error = xasprintf("options:vlan-pkeys: \"%s\" is not a P_Key",
                              colon + 1);
            break;
        }
        for (size_t i = 0; i < cfg->n_maps; i++) {
            if (cfg->maps[i].vlan == vlan) {
                error = xasprintf("options:vlan-pkeys: VLAN %lu is mapped "
                                  "twice", vlan);
            } else if (ipoib_pkey_full(cfg->maps[i].pkey)
                       == ipoib_pkey_full(pkey)) {
                error = xasprintf("options:vlan-pkeys: P_Key 0x%04"PRIx16
                                  " is mapped twice", pkey);
            }
        }
        if (ipoib_pkey_full(pkey) == ipoib_pkey_full(cfg->pkey)) {
            error = xasprintf("options:vlan-pkeys: P_Key 0x%04"PRIx16" is "
                              "already the untagged partition (options:pkey)",
                              pkey);
        }
        if (error) {
            break;
        }
        if (cfg->n_maps >= ARRAY_SIZE(cfg->maps)) {
            error = xasprintf("options:vlan-pkeys: more than %"PRIuSIZE
                              " partitions", ARRAY_SIZE(cfg->maps));
            break;
        }
        cfg->maps[cfg->n_maps].vlan = vlan;
        cfg->maps[cfg->n_maps].pkey = pkey;
        cfg->n_maps++;
    }
    free(copy);
    return error;
}

static char *
eipoib_parse_count(const struct smap *args, const char *key, size_t min,
                   size_t *valuep)
{
    const char *s = smap_get(args, key);
    unsigned long long v;
    char *end;

    if (!s) {
        return NULL;
    }
    v = strtoull(s, &end, 10);
    if (end == s || *end || v < min || v > 1000000) {
        return xasprintf("options:%s=%s is not a number from %"PRIuSIZE
                         " to 1000000", key, s, min);
    }
    *valuep = v;
    return NULL;
}

static char *
eipoib_parse_seconds(const struct smap *args, const char *key,
                     long long *msp)
{
    size_t secs;
    char *error = eipoib_parse_count(args, key, 0, &secs);

    if (!error && smap_get(args, key)) {
        *msp = secs * 1000LL;
    }
    return error;
}

/* Checks 'args' into 'cfg'.  Returns NULL, or a malloc()ed message saying
 * what is wrong or missing. */
static char *
eipoib_parse_config(const char *name, const struct smap *args,
                    struct eipoib_config *cfg)
{
    static const char *const known[] = {
        "transport", "fabric", "node", "pkey", "vlan-pkeys", "max-vifs",
        "vif-idle", "max-neighbors", "neighbor-idle", "max-mcast-groups",
        "learning", "device",
    };
    const struct smap_node *node;
    char *error;

    SMAP_FOR_EACH (node, args) {
        bool found = false;
        for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
            if (!strcmp(node->key, known[i])) {
                found = true;
                break;
            }
        }
        if (!found) {
            return xasprintf("unknown option \"%s\"", node->key);
        }
    }

    memset(cfg, 0, sizeof *cfg);
    cfg->transport = smap_get(args, "transport");
    cfg->fabric = smap_get(args, "fabric");
    cfg->node = smap_get(args, "node");
    /* Besides these two, any registered backend (e.g. a fuzzer's). */
    if (cfg->transport && strcmp(cfg->transport, "soft")
        && strcmp(cfg->transport, "verbs")
        && !ib_transport_lookup(cfg->transport)) {
        return xasprintf("options:transport=%s is not a transport "
                         "(use \"soft\" or \"verbs\")", cfg->transport);
    }
    /* The verbs transport's port is options:device, by default the
     * interface's own name (an IPoIB netdev, "mlx5_0:1", "rxe0"...); it is
     * the default transport when that names an RDMA port. */
    const char *device = smap_get(args, "device");
#ifdef EIPOIB_HAVE_VERBS
    if (!cfg->transport && !cfg->fabric
        && ib_verbs_name_is_rdma(device ? device : name)) {
        cfg->transport = "verbs";
    }
#endif
    if (cfg->transport && !strcmp(cfg->transport, "verbs")) {
        if (cfg->fabric) {
            return xstrdup("options:fabric is for the soft transport; "
                           "transport=verbs takes options:device");
        }
        cfg->fabric = device ? device : name;
    } else if (device) {
        return xstrdup("options:device is for transport=verbs");
    }
    if (!cfg->transport && !cfg->fabric) {
        return xstrdup("no IB transport: set options:fabric=unix:PATH "
                       "(soft fabric) or options:transport=verbs");
    }
    if (!cfg->transport) {
        cfg->transport = "soft";
    }
    if (!ib_transport_lookup(cfg->transport)) {
        return xasprintf("IB transport \"%s\" is not available in this "
                         "ovs-vswitchd yet", cfg->transport);
    }
    if (!strcmp(cfg->transport, "soft") && !cfg->fabric) {
        return xstrdup("the soft transport needs options:fabric=unix:PATH, "
                       "the eipoib-fabric daemon's socket");
    }

    cfg->pkey = IPOIB_PKEY_DEFAULT;
    const char *pkey = smap_get(args, "pkey");
    if (pkey && !eipoib_parse_pkey(pkey, &cfg->pkey)) {
        return xasprintf("options:pkey=%s is not a P_Key (0x0001 to 0xffff, "
                         "not 0x8000)", pkey);
    }
    const char *vlan_pkeys = smap_get(args, "vlan-pkeys");
    if (vlan_pkeys && (error = eipoib_parse_vlan_pkeys(vlan_pkeys, cfg))) {
        return error;
    }

    const char *learning = smap_get(args, "learning");
    cfg->learning = true;
    if (learning) {
        if (!strcmp(learning, "false")) {
            cfg->learning = false;
        } else if (strcmp(learning, "true")) {
            return xasprintf("options:learning=%s is not true or false",
                             learning);
        }
    }

    eipoib_tables_config_default(&cfg->tables);
    eipoib_mcast_config_default(&cfg->mcast);
    /* Nothing queries the VMs (no IGMP/MLD querier on the uplink), so a
     * VM reports a group only when it joins: keep memberships until the VM
     * leaves the group or its vif goes away. */
    cfg->mcast.membership_ms = 0;
    if ((error = eipoib_parse_count(args, "max-mcast-groups", 1,
                                    &cfg->mcast.max_groups))
        || (error = eipoib_parse_count(args, "max-vifs", 1,
                                    &cfg->tables.max_vifs))
        || (error = eipoib_parse_count(args, "max-neighbors", 1,
                                       &cfg->tables.max_neighbors))
        || (error = eipoib_parse_seconds(args, "vif-idle",
                                         &cfg->tables.vif_idle_ms))
        || (error = eipoib_parse_seconds(args, "neighbor-idle",
                                         &cfg->tables.neighbor_idle_ms))) {
        return error;
    }
    return NULL;
}

/* True if 'a' and 'b' differ in what needs the partitions reopened. */
static bool
eipoib_config_changes_ports(const struct smap *a, const struct smap *b)
{
    static const char *const keys[] = {
        "transport", "fabric", "node", "pkey", "vlan-pkeys", "device",
    };

    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        if (!nullable_string_is_equal(smap_get(a, keys[i]),
                                      smap_get(b, keys[i]))) {
            return true;
        }
    }
    return false;
}

static char *
eipoib_part_open(struct netdev_eipoib *dev, uint16_t vlan, uint16_t pkey)
    OVS_REQUIRES(dev->mutex)
{
    struct ib_port_options opts = {
        .pkey = pkey,
        .rx_headroom = EIPOIB_RX_HEADROOM + DP_NETDEV_HEADROOM,
        .node_name = dev->node,
    };
    struct ib_port *port;
    int error = ib_port_open(dev->transport, dev->fabric, &opts, &port);
    if (error) {
        return xasprintf("could not open IB port %s (%s)", dev->fabric,
                         ovs_strerror(error));
    }

    struct eipoib_part *part = xzalloc(sizeof *part);
    part->vlan = vlan;
    part->pkey = pkey;
    part->port = port;
    hmap_insert(&dev->parts, &part->node, hash_int(vlan, 0));
    if (vlan == EIPOIB_VLAN_NONE) {
        dev->untagged = part;
    }
    eipoib_part_publish(dev, part);
    return NULL;
}

static char *
eipoib_setup(struct netdev_eipoib *dev, const struct eipoib_config *cfg)
    OVS_REQUIRES(dev->mutex)
{
    char *error;

    free(dev->transport);
    free(dev->fabric);
    free(dev->node);
    dev->transport = xstrdup(cfg->transport);
    dev->fabric = nullable_xstrdup(cfg->fabric);
    if (cfg->node) {
        dev->node = xstrdup(cfg->node);
    } else {
        char host[64];
        if (gethostname(host, sizeof host)) {
            ovs_strlcpy(host, "host", sizeof host);
        }
        host[sizeof host - 1] = '\0';
        dev->node = xasprintf("%s-%s", host, netdev_get_name(&dev->up));
    }

    dev->tables = eipoib_tables_create(&cfg->tables);
    eipoib_xlate_init(&dev->xlate, &eipoib_tables_ops, dev->tables, 0,
                      &no_gid);
    dev->mcast = eipoib_mcast_create(&cfg->mcast);
    error = eipoib_part_open(dev, EIPOIB_VLAN_NONE, cfg->pkey);
    for (size_t i = 0; !error && i < cfg->n_maps; i++) {
        error = eipoib_part_open(dev, cfg->maps[i].vlan, cfg->maps[i].pkey);
    }
    dev->next_expire = 0;
    dev->provision_dirty = true;    /* The teardown removed every vif. */

    /* What the previous run (or configuration) served: its neighbours now,
     * its vifs once the partitions are up. */
    char *state_path = xstrdup(eipoib_state_path(dev->state));
    eipoib_state_destroy(dev->state);
    dev->state = eipoib_state_create(state_path);
    free(state_path);
    eipoib_state_load(dev->state, dev->tables);
    return error;
}

static int
netdev_eipoib_set_config(struct netdev *netdev, const struct smap *args,
                         char **errp)
{
    struct netdev_eipoib *dev = netdev_eipoib_cast(netdev);
    struct eipoib_config cfg;
    char *error = eipoib_parse_config(netdev_get_name(netdev), args, &cfg);

    if (error) {
        VLOG_WARN("%s: %s", netdev_get_name(netdev), error);
        *errp = error;
        return EINVAL;
    }

    ovs_mutex_lock(&dev->mutex);
    if (!dev->untagged || eipoib_config_changes_ports(&dev->options, args)) {
        if (dev->untagged) {
            eipoib_state_save_if_changed(dev->state, dev->tables);
        }
        eipoib_teardown(dev);
        error = eipoib_setup(dev, &cfg);
    } else {
        eipoib_tables_set_config(dev->tables, &cfg.tables);
        eipoib_mcast_set_config(dev->mcast, &cfg.mcast);
    }
    if (!cfg.learning && dev->learning && dev->tables) {
        /* Going secure: snooped vifs would keep serving their MACs. */
        eipoib_remove_vifs(dev, EIPOIB_VIF_SNOOPED, NULL);
    }
    dev->learning = cfg.learning;
    smap_destroy(&dev->options);
    smap_clone(&dev->options, args);
    if (!error) {
        eipoib_run(dev);
    }
    ovs_mutex_unlock(&dev->mutex);

    if (error) {
        VLOG_WARN("%s: %s", netdev_get_name(netdev), error);
        *errp = error;
        return EINVAL;
    }
    netdev_change_seq_changed(netdev);
    return 0;
}

static int
netdev_eipoib_get_config(const struct netdev *netdev, struct smap *args)
{
    struct netdev_eipoib *dev = netdev_eipoib_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    smap_clone(args, &dev->options);
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

/* Attributes. */

static int
netdev_eipoib_get_etheraddr(const struct netdev *netdev,
                            struct eth_addr *mac)
{
    struct netdev_eipoib *dev = netdev_eipoib_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    *mac = dev->hwaddr;
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_eipoib_set_etheraddr(struct netdev *netdev, const struct eth_addr mac)
{
    struct netdev_eipoib *dev = netdev_eipoib_cast(netdev);

    if (eth_addr_is_multicast(mac) || eth_addr_is_zero(mac)) {
        return EINVAL;
    }
    ovs_mutex_lock(&dev->mutex);
    dev->hwaddr = mac;
    ovs_mutex_unlock(&dev->mutex);
    netdev_change_seq_changed(netdev);
    return 0;
}

/* The smallest IPoIB MTU of the partitions: what every VM must keep to. */
static int
netdev_eipoib_get_mtu(const struct netdev *netdev, int *mtup)
{
    struct netdev_eipoib *dev = netdev_eipoib_cast(netdev);
    struct eipoib_part *part;
    int mtu = EIPOIB_DEFAULT_MTU;

    ovs_mutex_lock(&dev->mutex);
    HMAP_FOR_EACH (part, node, &dev->parts) {
        struct ib_port_attr attr;

        ib_port_get_attr(part->port, &attr);
        if (ib_port_attr_ipoib_mtu(&attr)) {
            mtu = MIN(mtu, ib_port_attr_ipoib_mtu(&attr));
        }
    }
    ovs_mutex_unlock(&dev->mutex);
    *mtup = mtu;
    return 0;
}

static int
netdev_eipoib_get_carrier(const struct netdev *netdev, bool *carrier)
{
    struct netdev_eipoib *dev = netdev_eipoib_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    *carrier = dev->carrier;
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_eipoib_get_stats(const struct netdev *netdev,
                        struct netdev_stats *stats)
{
    struct netdev_eipoib *dev = netdev_eipoib_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    stats->rx_packets = dev->stats.rx_packets;
    stats->tx_packets = dev->stats.tx_packets;
    stats->rx_bytes = dev->stats.rx_bytes;
    stats->tx_bytes = dev->stats.tx_bytes;
    stats->rx_dropped = dev->stats.rx_dropped;
    stats->tx_dropped = dev->stats.tx_dropped;
    stats->rx_length_errors = dev->stats.rx_length_errors;
    stats->tx_errors = dev->stats.tx_errors;
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

/* Every drop reason, zero or not, so that users can rely on the names. */
static int
netdev_eipoib_get_custom_stats(const struct netdev *netdev,
                               struct netdev_custom_stats *custom)
{
    struct netdev_eipoib *dev = netdev_eipoib_cast(netdev);
    size_t n = 0;

    custom->counters = xcalloc(N_EIPOIB_VERDICTS + N_EIPOIB_DROPS,
                               sizeof *custom->counters);
    ovs_mutex_lock(&dev->mutex);
    for (int v = 0; v < N_EIPOIB_VERDICTS; v++) {
        if (eipoib_verdict_is_drop(v)) {
            ovs_strlcpy(custom->counters[n].name, eipoib_verdict_name(v),
                        NETDEV_CUSTOM_STATS_NAME_SIZE);
            custom->counters[n++].value = dev->verdicts[v];
        }
    }
    for (int d = 0; d < N_EIPOIB_DROPS; d++) {
        ovs_strlcpy(custom->counters[n].name, eipoib_drop_names[d],
                    NETDEV_CUSTOM_STATS_NAME_SIZE);
        custom->counters[n++].value = dev->drops[d];
    }
    ovs_mutex_unlock(&dev->mutex);
    custom->size = n;
    return 0;
}

static int
netdev_eipoib_get_status(const struct netdev *netdev, struct smap *smap)
{
    struct netdev_eipoib *dev = netdev_eipoib_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    smap_add(smap, "driver_name", "eipoib");
    smap_add(smap, "transport", dev->transport);
    if (dev->untagged) {
        struct ib_port_attr attr;
        char gid[IPOIB_GID_STRLEN];

        ib_port_get_attr(dev->untagged->port, &attr);
        smap_add(smap, "ib_state", ib_port_state_to_string(attr.state));
        smap_add_format(smap, "lid", "%"PRIu16, attr.lid);
        smap_add(smap, "gid", ipoib_gid_format(&attr.gid, gid));
    }
    smap_add_format(smap, "partitions", "%"PRIuSIZE, hmap_count(&dev->parts));
    smap_add_format(smap, "vifs", "%"PRIuSIZE,
                    eipoib_tables_n_vifs(dev->tables));
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

/* PROMISC is accepted: the datapath requires it, and the uplink simulates
 * it by serving every source MAC the bridge sends through it. */
static int
netdev_eipoib_update_flags(struct netdev *netdev,
                           enum netdev_flags off, enum netdev_flags on,
                           enum netdev_flags *old_flagsp)
{
    struct netdev_eipoib *dev = netdev_eipoib_cast(netdev);

    if ((off | on) & ~(NETDEV_UP | NETDEV_PROMISC)) {
        return EINVAL;
    }
    ovs_mutex_lock(&dev->mutex);
    *old_flagsp = dev->flags;
    dev->flags |= on;
    dev->flags &= ~off;
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

/* ovs-appctl commands. */

static struct netdev_eipoib *
eipoib_find_locked(const char *name)
    OVS_REQUIRES(eipoib_list_mutex)
{
    struct netdev_eipoib *dev;

    LIST_FOR_EACH (dev, list_node, &eipoib_list) {
        if (!strcmp(name, netdev_get_name(&dev->up))) {
            return dev;
        }
    }
    return NULL;
}

static void
eipoib_show_partition(const struct eipoib_partition *p, void *ds_)
{
    struct ds *ds = ds_;

    ds_put_format(ds, "    pkey 0x%04"PRIx16"  vlan %-4"PRIu16"  mtu %-4"
                  PRIu16"  base-qpn 0x%06"PRIx32"\n",
                  p->pkey, p->vlan, p->mtu, p->base_qpn);
}

static void
eipoib_show_mcast_group(const struct eipoib_mcast_group_info *g, void *ds_)
{
    struct ds *ds = ds_;
    char mgid[IPOIB_GID_STRLEN];
    char group[INET6_ADDRSTRLEN];

    inet_ntop(g->group.is_ipv6 ? AF_INET6 : AF_INET, g->group.addr, group,
              sizeof group);
    ds_put_format(ds, "    %-24s vlan %-4"PRIu16"  mgid %s  members %"
                  PRIuSIZE"\n", group, g->vlan,
                  ipoib_gid_format(&g->mgid, mgid), g->n_members);
}

struct eipoib_show_vif_aux {
    struct ds *ds;
    const struct netdev_eipoib *dev;
};

static void
eipoib_show_vif(const struct eipoib_vif *vif, enum eipoib_vif_kind kind,
                long long age_ms, void *aux_)
{
    struct eipoib_show_vif_aux *aux = aux_;
    const struct eipoib_vif_ep *vep = vif->endpoint;
    struct eth_addr mac;

    memcpy(mac.ea, vif->mac, sizeof mac.ea);
    ds_put_format(aux->ds, "    "ETH_ADDR_FMT"  vlan %-4"PRIu16"  "
                  "qpn 0x%06"PRIx32"  %-7s  rx %"PRIu64"  tx %"PRIu64
                  "  idle %llds\n", ETH_ADDR_ARGS(mac), vif->vlan, vif->qpn,
                  eipoib_vif_kind_to_string(kind),
                  vep->rx_packets, vep->tx_packets, age_ms / 1000);
}

static void
eipoib_show_one(struct netdev_eipoib *dev, struct ds *ds)
    OVS_REQUIRES(dev->mutex)
{
    ds_put_format(ds, "%s:\n", netdev_get_name(&dev->up));
    ds_put_format(ds, "  transport: %s %s (node %s)\n", dev->transport,
                  dev->fabric ? dev->fabric : "", dev->node);
    if (dev->untagged) {
        struct ib_port_attr attr;
        char gid[IPOIB_GID_STRLEN];

        ib_port_get_attr(dev->untagged->port, &attr);
        ds_put_format(ds, "  port: %s  lid %"PRIu16"  gid %s  qkey 0x%"
                      PRIx32"\n", ib_port_state_to_string(attr.state),
                      attr.lid, ipoib_gid_format(&attr.gid, gid), attr.qkey);
    }

    ds_put_format(ds, "  partitions:\n");
    eipoib_tables_for_each_partition(dev->tables, eipoib_show_partition, ds);

    ds_put_format(ds, "  vifs: %"PRIuSIZE" (pending %"PRIuSIZE")\n",
                  eipoib_tables_n_vifs(dev->tables),
                  hmap_count(&dev->pending));
    struct eipoib_show_vif_aux aux = { ds, dev };
    eipoib_tables_for_each_vif(dev->tables, eipoib_show_vif, &aux);

    ds_put_format(ds, "  neighbors: %"PRIuSIZE"\n",
                  eipoib_tables_n_neighbors(dev->tables));
    /* Table limits at work (shown once they are): packets from peers not
     * stored still go through, under their LID-form REMAC. */
    struct eipoib_tables_stats ts;
    eipoib_tables_get_stats(dev->tables, &ts);
    if (ts.neighbors_refused) {
        ds_put_format(ds, "  neighbors refused (table full): %"PRIu64"\n",
                      ts.neighbors_refused);
    }

    struct eipoib_mcast_stats ms;
    eipoib_mcast_get_stats(dev->mcast, &ms);
    ds_put_format(ds, "  multicast groups: %"PRIuSIZE"\n",
                  eipoib_mcast_n_groups(dev->mcast));
    eipoib_mcast_for_each_group(dev->mcast, eipoib_show_mcast_group, ds);
    ds_put_format(ds, "  traffic: rx %"PRIu64" packets, tx %"PRIu64
                  " packets\n", dev->stats.rx_packets, dev->stats.tx_packets);
    ds_put_format(ds, "  drops:\n");
    for (int v = 0; v < N_EIPOIB_VERDICTS; v++) {
        if (eipoib_verdict_is_drop(v) && dev->verdicts[v]) {
            ds_put_format(ds, "    %-22s %"PRIu64"\n",
                          eipoib_verdict_name(v), dev->verdicts[v]);
        }
    }
    for (int d = 0; d < N_EIPOIB_DROPS; d++) {
        if (dev->drops[d]) {
            ds_put_format(ds, "    %-22s %"PRIu64"\n", eipoib_drop_names[d],
                          dev->drops[d]);
        }
    }

    /* Bad IGMP/MLD loses only the membership signal, not the frame. */
    bool any = false;
    for (int v = 0; v < N_EIPOIB_MCAST_VERDICTS; v++) {
        if (eipoib_mcast_verdict_is_error(v) && ms.verdicts[v]) {
            if (!any) {
                ds_put_cstr(ds, "  ignored multicast signals:\n");
                any = true;
            }
            ds_put_format(ds, "    %-22s %"PRIu64"\n",
                          eipoib_mcast_verdict_name(v), ms.verdicts[v]);
        }
    }
    if (ms.groups_refused || ms.members_refused || ms.member_groups_refused) {
        ds_put_format(ds, "  multicast joins refused: groups %"PRIu64
                      ", members %"PRIu64", per-member %"PRIu64"\n",
                      ms.groups_refused, ms.members_refused,
                      ms.member_groups_refused);
    }
}

static void
eipoib_show_neighbor(const struct eipoib_neighbor *n, long long age_ms,
                     void *ds_)
{
    struct ds *ds = ds_;
    char addr[IPOIB_ADDR_STRLEN];
    struct eth_addr mac;

    memcpy(mac.ea, n->mac, sizeof mac.ea);
    ds_put_format(ds, "  "ETH_ADDR_FMT"  %s  lid %-5"PRIu16"  age %llds\n",
                  ETH_ADDR_ARGS(mac), ipoib_addr_format(&n->addr, addr),
                  n->lid, age_ms / 1000);
}

static void
eipoib_show_neighbors(struct netdev_eipoib *dev, struct ds *ds)
    OVS_REQUIRES(dev->mutex)
{
    ds_put_format(ds, "%s: %"PRIuSIZE" neighbors\n", netdev_get_name(&dev->up),
                  eipoib_tables_n_neighbors(dev->tables));
    eipoib_tables_for_each_neighbor(dev->tables, eipoib_show_neighbor, ds);
}

/* The IB ports under 'dev' as their transport sees them: device, QPs,
 * groups, and every nonzero counter (errors and drops by reason). */
static void
eipoib_show_transport(struct netdev_eipoib *dev, struct ds *ds)
    OVS_REQUIRES(dev->mutex)
{
    struct eipoib_part *part;

    ds_put_format(ds, "%s:\n", netdev_get_name(&dev->up));
    HMAP_FOR_EACH (part, node, &dev->parts) {
        struct ib_counter *c;
        size_t n;

        ds_put_format(ds, "vlan %"PRIu16" ", part->vlan);
        ib_port_format(part->port, ds);
        ib_port_get_counters(part->port, &c, &n);
        ds_put_cstr(ds, "  counters:");
        for (size_t i = 0; i < n; i++) {
            if (c[i].value) {
                ds_put_format(ds, " %s=%"PRIu64, c[i].name, c[i].value);
            }
        }
        ds_put_char(ds, '\n');
        free(c);
    }
}

/* Runs "eipoib/CMD [PORT]": 'aux' is a function that does CMD for one port,
 * called for PORT or for every eipoib port. */
static void
eipoib_unixctl_each(struct unixctl_conn *conn, int argc, const char *argv[],
                    void *aux)
{
    void (*cmd)(struct netdev_eipoib *, struct ds *) = aux;
    struct ds reply = DS_EMPTY_INITIALIZER;
    struct netdev_eipoib *dev;
    bool found = false;

    ovs_mutex_lock(&eipoib_list_mutex);
    LIST_FOR_EACH (dev, list_node, &eipoib_list) {
        if (argc > 1 && strcmp(argv[1], netdev_get_name(&dev->up))) {
            continue;
        }
        ovs_mutex_lock(&dev->mutex);
        cmd(dev, &reply);
        ovs_mutex_unlock(&dev->mutex);
        found = true;
    }
    ovs_mutex_unlock(&eipoib_list_mutex);

    /* Kernel eipoib devices (datapath/linux/) are shown too. */
    if (cmd == eipoib_show_one) {
        found |= eipoib_kdev_show(argc > 1 ? argv[1] : NULL, &reply);
    }

    if (argc > 1 && !found) {
        unixctl_command_reply_error(conn, "no such eipoib port");
    } else {
        unixctl_command_reply(conn, ds_cstr(&reply));
    }
    ds_destroy(&reply);
}

/* Parses "PORT MAC [VLAN]" and finds the port, with eipoib_list_mutex
 * held.  Returns NULL after replying with an error. */
static struct netdev_eipoib *
eipoib_parse_vif_args(struct unixctl_conn *conn, int argc,
                      const char *argv[], struct eth_addr *mac,
                      uint16_t *vlan)
    OVS_REQUIRES(eipoib_list_mutex)
{
    struct netdev_eipoib *dev = eipoib_find_locked(argv[1]);
    if (!dev) {
        unixctl_command_reply_error(conn, "no such eipoib port");
        return NULL;
    }
    if (!eth_addr_from_string(argv[2], mac) || eth_addr_is_multicast(*mac)
        || eth_addr_is_zero(*mac)) {
        unixctl_command_reply_error(conn, "MAC must be a unicast Ethernet "
                                    "address, e.g. 52:54:00:12:34:56");
        return NULL;
    }
    *vlan = EIPOIB_VLAN_NONE;
    if (argc > 3) {
        char *end;
        unsigned long v = strtoul(argv[3], &end, 10);
        if (end == argv[3] || *end || v > 4094) {
            unixctl_command_reply_error(conn, "VLAN must be 0 to 4094");
            return NULL;
        }
        *vlan = v;
    }
    return dev;
}

static void
eipoib_unixctl_add_vif(struct unixctl_conn *conn, int argc,
                       const char *argv[], void *aux OVS_UNUSED)
{
    struct netdev_eipoib *dev;
    struct eth_addr mac;
    uint16_t vlan;

    ovs_mutex_lock(&eipoib_list_mutex);
    dev = eipoib_parse_vif_args(conn, argc, argv, &mac, &vlan);
    if (dev) {
        struct eipoib_vif vif;
        const char *error = NULL;

        ovs_mutex_lock(&dev->mutex);
        if (eipoib_tables_find_vif(dev->tables, mac.ea, vlan, &vif)
            || eipoib_pending_find(dev, mac, vlan)) {
            error = "vif already exists";
        } else {
            eipoib_vif_start(dev, mac, vlan, EIPOIB_VIF_STATIC, &error);
        }
        ovs_mutex_unlock(&dev->mutex);
        if (error) {
            unixctl_command_reply_error(conn, error);
        } else {
            unixctl_command_reply(conn, NULL);
        }
    }
    ovs_mutex_unlock(&eipoib_list_mutex);
}

static void
eipoib_unixctl_del_vif(struct unixctl_conn *conn, int argc,
                       const char *argv[], void *aux OVS_UNUSED)
{
    struct netdev_eipoib *dev;
    struct eth_addr mac;
    uint16_t vlan;

    ovs_mutex_lock(&eipoib_list_mutex);
    dev = eipoib_parse_vif_args(conn, argc, argv, &mac, &vlan);
    if (dev) {
        struct eipoib_pending *p;
        struct eipoib_vif vif;
        bool found = true;

        ovs_mutex_lock(&dev->mutex);
        if (eipoib_tables_del_vif(dev->tables, mac.ea, vlan, &vif)) {
            eipoib_vif_expired(&vif, dev);
        } else if ((p = eipoib_pending_find(dev, mac, vlan))) {
            eipoib_pending_destroy(dev, p, true);
        } else {
            found = false;
        }
        ovs_mutex_unlock(&dev->mutex);
        if (found) {
            unixctl_command_reply(conn, NULL);
        } else {
            unixctl_command_reply_error(conn, "no such vif");
        }
    }
    ovs_mutex_unlock(&eipoib_list_mutex);
}

struct eipoib_show_state_aux {
    struct ds *ds;
    const struct eipoib_state *state;
};

static void
eipoib_show_state_vif(const struct eipoib_vif *vif,
                      enum eipoib_vif_kind kind OVS_UNUSED,
                      long long age_ms OVS_UNUSED, void *aux_)
{
    struct eipoib_show_state_aux *aux = aux_;
    struct eipoib_vm_addr addrs[EIPOIB_STATE_MAX_ADDRS];
    struct eth_addr mac;

    memcpy(mac.ea, vif->mac, sizeof mac.ea);
    size_t n = eipoib_state_get_addrs(aux->state, mac, vif->vlan, addrs);
    ds_put_format(aux->ds, "    "ETH_ADDR_FMT"  vlan %-4"PRIu16" ",
                  ETH_ADDR_ARGS(mac), vif->vlan);
    for (size_t i = 0; i < n; i++) {
        char s[INET6_ADDRSTRLEN];

        inet_ntop(addrs[i].is_ipv6 ? AF_INET6 : AF_INET, addrs[i].addr, s,
                  sizeof s);
        ds_put_format(aux->ds, " %s", s);
    }
    ds_put_char(aux->ds, '\n');
}

/* "eipoib/state": what a restart would bring back and announce. */
static void
eipoib_show_state(struct netdev_eipoib *dev, struct ds *ds)
    OVS_REQUIRES(dev->mutex)
{
    struct eipoib_show_state_aux aux = { ds, dev->state };

    ds_put_format(ds, "%s: state file %s\n", netdev_get_name(&dev->up),
                  eipoib_state_path(dev->state));
    ds_put_format(ds, "  restoring %"PRIuSIZE"  announced %"PRIu64"\n",
                  eipoib_state_n_restoring(dev->state),
                  eipoib_state_n_announced(dev->state));
    ds_put_cstr(ds, "  vif addresses:\n");
    eipoib_tables_for_each_vif(dev->tables, eipoib_show_state_vif, &aux);
}

/* Forgets every neighbour, snooped vif and multicast membership, as a
 * restart would. */
static void
eipoib_flush(struct netdev_eipoib *dev, struct ds *ds OVS_UNUSED)
    OVS_REQUIRES(dev->mutex)
{
    eipoib_tables_flush(dev->tables, eipoib_vif_expired, dev);
    eipoib_mcast_flush(dev->mcast, &dev->mcast_events);
    eipoib_mcast_apply(dev);
}

static const struct netdev_class netdev_eipoib_class = {
    .type = "eipoib",
    .is_pmd = false,
    .run = netdev_eipoib_run,
    .wait = netdev_eipoib_wait,
    .alloc = netdev_eipoib_alloc,
    .construct = netdev_eipoib_construct,
    .destruct = netdev_eipoib_destruct,
    .dealloc = netdev_eipoib_dealloc,
    .get_config = netdev_eipoib_get_config,
    .set_config = netdev_eipoib_set_config,
    .send = netdev_eipoib_send,
    .get_etheraddr = netdev_eipoib_get_etheraddr,
    .set_etheraddr = netdev_eipoib_set_etheraddr,
    .get_mtu = netdev_eipoib_get_mtu,
    .get_carrier = netdev_eipoib_get_carrier,
    .get_stats = netdev_eipoib_get_stats,
    .get_custom_stats = netdev_eipoib_get_custom_stats,
    .get_status = netdev_eipoib_get_status,
    .update_flags = netdev_eipoib_update_flags,
    .rxq_alloc = netdev_eipoib_rxq_alloc,
    .rxq_construct = netdev_eipoib_rxq_construct,
    .rxq_destruct = netdev_eipoib_rxq_destruct,
    .rxq_dealloc = netdev_eipoib_rxq_dealloc,
    .rxq_recv = netdev_eipoib_rxq_recv,
    .rxq_wait = netdev_eipoib_rxq_wait,
};

/* Runs before main(): only registration here, no logging, no I/O. */
OVS_CONSTRUCTOR(netdev_eipoib_register)
{
    netdev_register_provider(&netdev_eipoib_class);
    /* "eipoib-pmd": the same port, polled by PMD threads (busy polling,
     * as netdev-afxdp's) instead of waiting on the transport's fds. */
    netdev_eipoib_pmd_class = netdev_eipoib_class;
    netdev_eipoib_pmd_class.type = "eipoib-pmd";
    netdev_eipoib_pmd_class.is_pmd = true;
    netdev_eipoib_pmd_class.rxq_wait = NULL;
    netdev_register_provider(&netdev_eipoib_pmd_class);
    unixctl_command_register("eipoib/show", "[PORT]", 0, 1,
                             eipoib_unixctl_each, eipoib_show_one);
    unixctl_command_register("eipoib/neighbors", "[PORT]", 0, 1,
                             eipoib_unixctl_each, eipoib_show_neighbors);
    unixctl_command_register("eipoib/add-vif", "PORT MAC [VLAN]", 2, 3,
                             eipoib_unixctl_add_vif, NULL);
    unixctl_command_register("eipoib/del-vif", "PORT MAC [VLAN]", 2, 3,
                             eipoib_unixctl_del_vif, NULL);
    unixctl_command_register("eipoib/flush", "[PORT]", 0, 1,
                             eipoib_unixctl_each, eipoib_flush);
    unixctl_command_register("eipoib/transport", "[PORT]", 0, 1,
                             eipoib_unixctl_each, eipoib_show_transport);
    unixctl_command_register("eipoib/state", "[PORT]", 0, 1,
                             eipoib_unixctl_each, eipoib_show_state);
}
