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

/* The "verbs" IB transport: a real HCA port (or Soft-RoCE) through
 * rdma-core's libibverbs and librdmacm.
 *
 * One open port is one partition of one HCA port, with its own device
 * context, protection domain, one send and one receive CQ shared by all its
 * endpoints, a completion channel whose fd the poll loop waits on, and a
 * shared receive queue (SRQ) fed from one registered buffer region.  Each
 * endpoint is a UD QP on the SRQ.  Send buffers come from the same region,
 * so a datagram is copied once, into registered memory, and posted.
 *
 * The two link layers differ only here:
 *
 *   - InfiniBand: the port has a LID; the partition's IPoIB broadcast group
 *     is created by the SM, and its Q_Key comes from joining it through
 *     librdmacm's IPoIB port space; multicast joins are SA joins
 *     (rdma_join_multicast); unicast destinations are resolved to a LID and
 *     SL with an SA path query (rdma_resolve_addr/rdma_resolve_route on
 *     AF_IB addresses), asynchronously, holding a few datagrams per
 *     destination meanwhile, as Linux ipoib does.
 *
 *   - RoCE (Ethernet): no LIDs, no SM, no SA.  GID index 0 (the link-local
 *     GID) is the port's GID, every send carries a GRH, the broadcast group
 *     is synthesised (IPoIB Q_Key 0x0B1B, the port's MTU), and multicast is
 *     a local attach (ibv_attach_mcast) plus an IPv6 group join on the
 *     port's netdev so that the IP stack under RoCE v2 accepts the group's
 *     packets.  librdmacm's RoCE join does only those two things too, but
 *     it needs an IP address bound on the netdev, derives the MGID from it
 *     and forces the Q_Key to RDMA_UDP_QKEY (0x01234567), not IPoIB's.
 *
 * Own multicast echoes are dropped here by (sender GID, source QPN), since
 * HCAs (rxe among them) need not support IBV_QP_CREATE_BLOCK_SELF_MCAST_LB.
 */

#include <config.h>
#include "ib-transport.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

#include "dp-packet.h"
#include "hash.h"
#include "ib-verbs.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "socket-util.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ib_transport_verbs);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Bytes of GRH in front of every received UD datagram. */
#define VERBS_GRH_LEN 40

/* Room left after a received datagram: the provider pads short frames to
 * Ethernet's minimum in place (64 bytes with a VLAN tag). */
#define VERBS_RX_TAILROOM 64

/* Receive and send buffers of a port (each one IB MTU plus the GRH). */
#define VERBS_N_RX 512
#define VERBS_N_TX 256

/* Send work requests per QP, and CQ entries. */
#define VERBS_QP_SEND_WR 128
#define VERBS_CQ_ENTRIES (VERBS_N_RX + VERBS_N_TX)

/* Work requests posted or completions polled per verbs call. */
#define VERBS_BATCH 32

/* Address handles kept per port; the least recently used idle one goes. */
#define VERBS_AH_CACHE_MAX 1024

/* Datagrams held per destination awaiting a path or a group (as Linux
 * ipoib's 3 per path, a little more to ride out a join). */
#define VERBS_HELD_MAX 8

/* Path and join retries, path lifetime, and SA timeouts. */
#define VERBS_RETRY_MS 1000
#define VERBS_PATH_TTL_MS 60000
#define VERBS_CM_TIMEOUT_MS 2000

/* Multicast groups and unicast paths a port keeps at most (joins on behalf
 * of VMs are bounded by the provider; these bound what sends create). */
#define VERBS_GROUPS_MAX 2048
#define VERBS_PATHS_MAX 4096

/* Completion events acknowledged in bulk (ibv_ack_cq_events takes a
 * mutex). */
#define VERBS_ACK_BATCH 64

#define VERBS_COUNTERS                                                  \
    VERBS_COUNTER(TX_PACKETS, "tx-packets")                             \
    VERBS_COUNTER(TX_BYTES, "tx-bytes")                                 \
    VERBS_COUNTER(RX_PACKETS, "rx-packets")                             \
    VERBS_COUNTER(RX_BYTES, "rx-bytes")                                 \
    VERBS_COUNTER(ACTIVATIONS, "activations")                           \
    VERBS_COUNTER(ASYNC_EVENTS, "async-events")                         \
    VERBS_COUNTER(AH_FAILURES, "ah-failures")                           \
    VERBS_COUNTER(PATH_QUERIES, "path-queries")                         \
    VERBS_COUNTER(PATH_FAILURES, "path-failures")                       \
    VERBS_COUNTER(JOINS, "joins")                                       \
    VERBS_COUNTER(JOIN_FAILURES, "join-failures")                       \
    VERBS_COUNTER(ATTACH_FAILURES, "attach-failures")                   \
    VERBS_COUNTER(TX_DROP_PORT_DOWN, "tx-drop-port-down")               \
    VERBS_COUNTER(TX_DROP_TOO_BIG, "tx-drop-too-big")                   \
    VERBS_COUNTER(TX_DROP_NO_BUFFER, "tx-drop-no-buffer")               \
    VERBS_COUNTER(TX_DROP_NO_AH, "tx-drop-no-address-handle")           \
    VERBS_COUNTER(TX_DROP_NO_PATH, "tx-drop-no-path")                   \
    VERBS_COUNTER(TX_DROP_NO_GROUP, "tx-drop-no-group")                 \
    VERBS_COUNTER(TX_DROP_QUEUE_FULL, "tx-drop-resolve-queue-full")     \
    VERBS_COUNTER(TX_DROP_POST_FAILED, "tx-drop-post-failed")           \
    VERBS_COUNTER(TX_COMPLETION_ERRORS, "tx-completion-errors")         \
    VERBS_COUNTER(RX_COMPLETION_ERRORS, "rx-completion-errors")         \
    VERBS_COUNTER(RX_REPOST_FAILURES, "rx-repost-failures")             \
    VERBS_COUNTER(RX_DROP_TOO_SHORT, "rx-drop-too-short")               \
    VERBS_COUNTER(RX_DROP_UNKNOWN_QP, "rx-drop-unknown-qp")             \
    VERBS_COUNTER(RX_DROP_SELF_MCAST, "rx-drop-own-multicast")          \
    VERBS_COUNTER(RX_DROP_NOT_MEMBER, "rx-drop-not-member")             \
    VERBS_COUNTER(RX_DROP_PORT_DOWN, "rx-drop-port-down")

enum verbs_counter {
#define VERBS_COUNTER(ENUM, NAME) VERBS_##ENUM,
    VERBS_COUNTERS
#undef VERBS_COUNTER
    VERBS_N_COUNTERS
};

static const char *const verbs_counter_names[VERBS_N_COUNTERS] = {
#define VERBS_COUNTER(ENUM, NAME) NAME,
    VERBS_COUNTERS
#undef VERBS_COUNTER
};

/* Failed completions are also counted by status, as "tx-wc-<status>" and
 * "rx-wc-<status>" (ibv_wc_status_str(), lowercase, '-' for spaces). */
#define VERBS_N_WC_STATUS (IBV_WC_TM_RNDV_INCOMPLETE + 1)

/* A datagram waiting for a path or a multicast group. */
struct verbs_held {
    struct ovs_list node;
    struct verbs_endpoint *ep;
    uint32_t dst_qpn;
    size_t size;
    uint8_t data[];
};

/* A unicast destination port (by GID) and how to reach it. */
struct verbs_path {
    struct hmap_node node;      /* In 'paths', by GID. */
    struct ipoib_gid dgid;
    bool resolved;
    uint16_t dlid;              /* IB only. */
    uint8_t sl;
    struct rdma_cm_id *query;   /* IB: the SA query under way, if any. */
    long long int expires;      /* Resolved: re-query after this. */
    long long int retry_after;  /* Failed: no new query before this. */
    struct ovs_list held;       /* "struct verbs_held"s. */
    size_t n_held;
};

/* A multicast group the port knows, with the port-level join. */
struct verbs_group {
    struct hmap_node node;      /* In 'groups', by MGID. */
    struct ipoib_gid mgid;
    size_t n_full;              /* Endpoints attached as full members. */
    bool joined;                /* Ready to send to: 'mlid', 'sl' valid. */
    bool full;                  /* IB: the join is a full-member one. */
    uint16_t mlid;
    uint8_t sl;
    struct rdma_cm_id *cm_id;   /* IB: the SA join. */
    long long int retry_after;
    bool ipv6_joined;           /* RoCE: IPv6 group joined on the netdev. */
    struct ibv_ah *ah;
    struct ovs_list held;
    size_t n_held;
};

/* An endpoint's membership of a group. */
struct verbs_membership {
    struct hmap_node node;      /* In the endpoint's 'memberships'. */
    struct ipoib_gid mgid;
    enum ib_join_type type;
    bool attached;              /* QP attached (full members). */
};

struct verbs_endpoint {
    struct ib_endpoint up;
    struct ovs_list node;       /* In 'endpoints'. */
    struct hmap_node qpn_node;  /* In 'qps', by QPN. */
    struct ibv_qp *qp;
    uint32_t qpn;
    unsigned int flags;
    void *aux;
    struct hmap memberships;
    /* A batch of sends being built for this QP. */
    struct ibv_send_wr wrs[VERBS_BATCH];
    struct ibv_sge sges[VERBS_BATCH];
    size_t n_wrs;
    unsigned int n_outstanding; /* Posted sends not completed yet. */
};

/* What a send buffer is in use for. */
struct verbs_tx_slot {
    struct ib_verbs_ah *ah;        /* Cached AH the send holds, or NULL. */
    struct verbs_endpoint *ep;  /* Sending endpoint, NULL once gone. */
};

struct verbs_port {
    struct ib_port up;
    struct ib_port_options options;

    /* Device. */
    struct ibv_context *ctx;
    char *dev_name;
    int port_num;
    bool is_roce;
    int ifindex;                /* RoCE: netdev of GID index 0. */
    uint16_t pkey_index;
    uint16_t pkey;              /* From the P_Key table, membership bit. */
    bool pkey_found;

    /* Port state as last queried. */
    enum ib_port_state state;
    uint16_t lid;
    uint16_t sm_lid;
    struct ipoib_gid gid;
    uint32_t port_mtu;          /* Active IB MTU, bytes. */
    uint32_t qkey;
    uint64_t epoch;
    struct ipoib_gid bcast_mgid;
    struct verbs_group *bcast;  /* The broadcast group, held by the port. */

    /* Resources shared by the endpoints. */
    struct ibv_pd *pd;
    struct ibv_comp_channel *channel;
    struct ibv_cq *send_cq;
    struct ibv_cq *recv_cq;
    struct ibv_srq *srq;
    struct ibv_mr *mr;
    uint8_t *region;            /* VERBS_N_RX then VERBS_N_TX slots. */
    size_t slot_size;
    bool armed;                 /* recv_cq will signal 'channel'. */
    unsigned int unacked_events;
    size_t rx_posted;

    struct verbs_tx_slot tx_slots[VERBS_N_TX];
    uint16_t tx_free[VERBS_N_TX];
    size_t n_tx_free;

    /* librdmacm (IB only): SA joins and path queries. */
    struct rdma_event_channel *cm_channel;

    int mcast_sock;             /* RoCE: IPv6 socket for group joins. */

    struct ovs_list endpoints;
    struct hmap qps;
    struct hmap groups;
    struct hmap paths;
    struct ib_verbs_ah_cache ahs;

    uint64_t counters[VERBS_N_COUNTERS];
    uint64_t wc_errors[2][VERBS_N_WC_STATUS];   /* [0] tx, [1] rx. */
};

static struct verbs_port *
verbs_port_cast(const struct ib_port *port)
{
    return CONTAINER_OF(port, struct verbs_port, up);
}

static struct verbs_endpoint *
verbs_endpoint_cast(const struct ib_endpoint *ep)
{
    return CONTAINER_OF(ep, struct verbs_endpoint, up);
}

static uint32_t
ib_mtu_bytes(enum ibv_mtu mtu)
{
    switch (mtu) {
    case IBV_MTU_256:
        return 256;
    case IBV_MTU_512:
        return 512;
    case IBV_MTU_1024:
        return 1024;
    case IBV_MTU_2048:
        return 2048;
    case IBV_MTU_4096:
        return 4096;
    }
    return 0;
}

static uint8_t *
rx_slot(const struct verbs_port *vp, size_t i)
{
    return vp->region + i * vp->slot_size;
}

static uint8_t *
tx_slot(const struct verbs_port *vp, size_t i)
{
    return vp->region + (VERBS_N_RX + i) * vp->slot_size;
}

/* ------------------------------------------------------------------ */
/* Sending. */

static void verbs_flush_sends(struct verbs_port *);

static void
count_wc_error(struct verbs_port *vp, int dir, const struct ibv_wc *wc)
{
    if (wc->status < VERBS_N_WC_STATUS) {
        vp->wc_errors[dir][wc->status]++;
    }
    VLOG_WARN_RL(&rl, "%s: %s completion failed on QP 0x%06"PRIx32": %s",
                 vp->up.name, dir ? "receive" : "send", wc->qp_num,
                 ibv_wc_status_str(wc->status));
}

/* Returns send buffer 'slot' to the free list. */
static void
tx_slot_release(struct verbs_port *vp, size_t slot)
{
    struct verbs_tx_slot *s = &vp->tx_slots[slot];

    if (s->ah) {
        s->ah->n_outstanding--;
        s->ah = NULL;
    }
    if (s->ep) {
        s->ep->n_outstanding--;
        s->ep = NULL;
    }
    vp->tx_free[vp->n_tx_free++] = slot;
}

/* Reaps send completions: their buffers and AHs are free again. */
static void
poll_send_cq(struct verbs_port *vp)
{
    struct ibv_wc wcs[VERBS_BATCH];
    int n;

    do {
        n = ibv_poll_cq(vp->send_cq, VERBS_BATCH, wcs);
        for (int i = 0; i < n; i++) {
            size_t slot = wcs[i].wr_id;

            if (wcs[i].status != IBV_WC_SUCCESS) {
                vp->counters[VERBS_TX_COMPLETION_ERRORS]++;
                count_wc_error(vp, 0, &wcs[i]);
            }
            if (slot < VERBS_N_TX) {
                tx_slot_release(vp, slot);
            }
        }
    } while (n == VERBS_BATCH);
}

/* Copies a datagram into a send buffer and adds it to 'ep''s batch.
 * 'a' is the cached AH (held until completion) or NULL with 'ah' a group's.
 * Returns false (counted) if it cannot. */
static bool
queue_send(struct verbs_port *vp, struct verbs_endpoint *ep,
           struct ibv_ah *ah, struct ib_verbs_ah *a, uint32_t dst_qpn,
           const void *data, size_t size)
{
    if (!vp->n_tx_free) {
        verbs_flush_sends(vp);
        poll_send_cq(vp);
        if (!vp->n_tx_free) {
            vp->counters[VERBS_TX_DROP_NO_BUFFER]++;
            return false;
        }
    }
    if (ep->n_wrs == VERBS_BATCH) {
        verbs_flush_sends(vp);
    }

    size_t slot = vp->tx_free[--vp->n_tx_free];
    uint8_t *buf = tx_slot(vp, slot);
    memcpy(buf, data, size);
    vp->tx_slots[slot].ah = a;
    if (a) {
        a->n_outstanding++;
    }
    vp->tx_slots[slot].ep = ep;
    ep->n_outstanding++;

    struct ibv_sge *sge = &ep->sges[ep->n_wrs];
    struct ibv_send_wr *wr = &ep->wrs[ep->n_wrs];
    sge->addr = (uintptr_t) buf;
    sge->length = size;
    sge->lkey = vp->mr->lkey;
    memset(wr, 0, sizeof *wr);
    wr->wr_id = slot;
    wr->sg_list = sge;
    wr->num_sge = 1;
    wr->opcode = IBV_WR_SEND;
    wr->send_flags = IBV_SEND_SIGNALED;
    wr->wr.ud.ah = ah;
    wr->wr.ud.remote_qpn = dst_qpn;
    wr->wr.ud.remote_qkey = vp->qkey;
    if (ep->n_wrs) {
        ep->wrs[ep->n_wrs - 1].next = wr;
    }
    ep->n_wrs++;
    vp->counters[VERBS_TX_PACKETS]++;
    vp->counters[VERBS_TX_BYTES] += size;
    return true;
}

/* Posts every endpoint's batch, one ibv_post_send() per QP. */
static void
verbs_flush_sends(struct verbs_port *vp)
{
    struct verbs_endpoint *ep;

    LIST_FOR_EACH (ep, node, &vp->endpoints) {
        if (!ep->n_wrs) {
            continue;
        }

        struct ibv_send_wr *bad = NULL;
        if (ibv_post_send(ep->qp, ep->wrs, &bad) && bad) {
            /* 'bad' and everything after it was not posted. */
            int error = errno;
            size_t n_bad = 0;
            for (struct ibv_send_wr *wr = bad; wr; wr = wr->next) {
                tx_slot_release(vp, wr->wr_id);
                n_bad++;
            }
            vp->counters[VERBS_TX_DROP_POST_FAILED] += n_bad;
            vp->counters[VERBS_TX_PACKETS] -= n_bad;
            VLOG_WARN_RL(&rl, "%s: ibv_post_send on QP 0x%06"PRIx32
                         " failed (%s)", vp->up.name, ep->qpn,
                         ovs_strerror(error));
        }
        ep->n_wrs = 0;
    }
}

static bool
held_push(struct verbs_port *vp, struct ovs_list *list, size_t *n,
          struct verbs_endpoint *ep, uint32_t dst_qpn, const void *data,
          size_t size)
{
    if (*n >= VERBS_HELD_MAX) {
        vp->counters[VERBS_TX_DROP_QUEUE_FULL]++;
        return false;
    }
    struct verbs_held *h = xmalloc(sizeof *h + size);
    h->ep = ep;
    h->dst_qpn = dst_qpn;
    h->size = size;
    memcpy(h->data, data, size);
    ovs_list_push_back(list, &h->node);
    (*n)++;
    return true;
}

/* Drops what 'list' holds, counting it under 'reason' (if not -1). */
static void
held_drop(struct verbs_port *vp, struct ovs_list *list, size_t *n,
          int reason)
{
    struct verbs_held *h;

    LIST_FOR_EACH_POP (h, node, list) {
        if (reason >= 0) {
            vp->counters[reason]++;
        }
        free(h);
    }
    *n = 0;
}

/* Drops held datagrams from 'ep' (being destroyed) everywhere. */
static void
held_forget_endpoint(struct verbs_port *vp, struct verbs_endpoint *ep)
{
    struct verbs_path *p;
    struct verbs_group *g;
    struct verbs_held *h;

    HMAP_FOR_EACH (p, node, &vp->paths) {
        LIST_FOR_EACH_SAFE (h, node, &p->held) {
            if (h->ep == ep) {
                ovs_list_remove(&h->node);
                p->n_held--;
                free(h);
            }
        }
    }
    HMAP_FOR_EACH (g, node, &vp->groups) {
        LIST_FOR_EACH_SAFE (h, node, &g->held) {
            if (h->ep == ep) {
                ovs_list_remove(&h->node);
                g->n_held--;
                free(h);
            }
        }
    }
}

static void
path_release(struct verbs_port *vp, struct verbs_path *p)
{
    struct verbs_held *h;

    LIST_FOR_EACH_POP (h, node, &p->held) {
        struct ib_verbs_ah *a = ib_verbs_ah_get(&vp->ahs, &p->dgid, p->dlid,
                                                p->sl);
        if (a) {
            queue_send(vp, h->ep, a->ah, a, h->dst_qpn, h->data, h->size);
        } else {
            vp->counters[VERBS_TX_DROP_NO_AH]++;
        }
        free(h);
    }
    p->n_held = 0;
    verbs_flush_sends(vp);
}

static void
group_release(struct verbs_port *vp, struct verbs_group *g)
{
    struct verbs_held *h;

    LIST_FOR_EACH_POP (h, node, &g->held) {
        queue_send(vp, h->ep, g->ah, NULL, IPOIB_MCAST_QPN, h->data,
                   h->size);
        free(h);
    }
    g->n_held = 0;
    verbs_flush_sends(vp);
}

/* ------------------------------------------------------------------ */
/* librdmacm (InfiniBand): SA path queries and multicast joins. */

/* The kernel's AF_IB socket address (rdma-core's <infiniband/ib.h> has it
 * too, but its "struct ib_addr" clashes with OVS's of the same name). */
struct verbs_sockaddr_ib {
    unsigned short int sib_family;
    ovs_be16 sib_pkey;
    ovs_be32 sib_flowinfo;
    uint8_t sib_addr[16];
    ovs_be64 sib_sid;
    ovs_be64 sib_sid_mask;
    uint64_t sib_scope_id;
};

static void
sockaddr_ib_init(struct verbs_sockaddr_ib *sib, const struct ipoib_gid *gid,
                 uint16_t pkey)
{
    memset(sib, 0, sizeof *sib);
    sib->sib_family = AF_IB;
    sib->sib_pkey = htons(pkey);
    memcpy(sib->sib_addr, gid->b, sizeof gid->b);
}

static int
cm_create_id(struct verbs_port *vp, void *context, enum rdma_port_space ps,
             struct rdma_cm_id **idp)
{
    if (!vp->cm_channel) {
        vp->cm_channel = rdma_create_event_channel();
        if (!vp->cm_channel) {
            return errno;
        }
        set_nonblocking(vp->cm_channel->fd);
    }
    return rdma_create_id(vp->cm_channel, idp, context, ps) ? errno : 0;
}

/* Starts an SA path query for 'p' (IB). */
static void
path_query(struct verbs_port *vp, struct verbs_path *p)
{
    struct verbs_sockaddr_ib src, dst;
    int error;

    vp->counters[VERBS_PATH_QUERIES]++;
    error = cm_create_id(vp, p, RDMA_PS_UDP, &p->query);
    if (!error) {
        sockaddr_ib_init(&src, &vp->gid, vp->pkey);
        sockaddr_ib_init(&dst, &p->dgid, vp->pkey);
        if (rdma_resolve_addr(p->query, (struct sockaddr *) &src,
                              (struct sockaddr *) &dst,
                              VERBS_CM_TIMEOUT_MS)) {
            error = errno;
            rdma_destroy_id(p->query);
            p->query = NULL;
        }
    }
    if (error) {
        char s[IPOIB_GID_STRLEN];
        VLOG_WARN_RL(&rl, "%s: path query for %s failed to start (%s)",
                     vp->up.name, ipoib_gid_format(&p->dgid, s),
                     ovs_strerror(error));
        vp->counters[VERBS_PATH_FAILURES]++;
        p->retry_after = time_msec() + VERBS_RETRY_MS;
        held_drop(vp, &p->held, &p->n_held, VERBS_TX_DROP_NO_PATH);
    }
}

static void
path_done(struct verbs_port *vp, struct verbs_path *p, bool ok)
{
    if (ok) {
        struct ibv_sa_path_rec *rec = &p->query->route.path_rec[0];
        p->dlid = ntohs(rec->dlid);
        p->sl = rec->sl;
        p->resolved = true;
        p->expires = time_msec() + VERBS_PATH_TTL_MS;
    } else {
        vp->counters[VERBS_PATH_FAILURES]++;
        p->retry_after = time_msec() + VERBS_RETRY_MS;
    }
    rdma_destroy_id(p->query);
    p->query = NULL;
    if (ok) {
        path_release(vp, p);
    } else {
        held_drop(vp, &p->held, &p->n_held, VERBS_TX_DROP_NO_PATH);
    }
}

static void group_attach_all(struct verbs_port *, struct verbs_group *);
static void port_refresh(struct verbs_port *);

/* Starts (or restarts) the port-level SA join of 'g' (IB). */
static void
group_join_ib(struct verbs_port *vp, struct verbs_group *g)
{
    struct verbs_sockaddr_ib src, mc;
    int error;

    if (g->cm_id) {
        rdma_destroy_id(g->cm_id);      /* Leaves the group. */
        g->cm_id = NULL;
    }
    g->joined = false;
    g->full = g->n_full > 0 || g == vp->bcast;

    /* The IPoIB port space takes the Q_Key (and rate, MTU, SL) from the
     * partition's broadcast group, as the kernel's ipoib joined it. */
    error = cm_create_id(vp, g, RDMA_PS_IPOIB, &g->cm_id);
    if (!error) {
        sockaddr_ib_init(&src, &vp->gid, vp->pkey);
        sockaddr_ib_init(&mc, &g->mgid, vp->pkey);
        struct rdma_cm_join_mc_attr_ex attr = {
            .comp_mask = RDMA_CM_JOIN_MC_ATTR_ADDRESS
                         | RDMA_CM_JOIN_MC_ATTR_JOIN_FLAGS,
            .join_flags = (g->full ? RDMA_MC_JOIN_FLAG_FULLMEMBER
                           : RDMA_MC_JOIN_FLAG_SENDONLY_FULLMEMBER),
            .addr = (struct sockaddr *) &mc,
        };
        if (rdma_bind_addr(g->cm_id, (struct sockaddr *) &src)
            || rdma_join_multicast_ex(g->cm_id, &attr, g)) {
            error = errno;
        }
    }
    if (error) {
        char s[IPOIB_GID_STRLEN];
        VLOG_WARN_RL(&rl, "%s: join of %s failed to start (%s)",
                     vp->up.name, ipoib_gid_format(&g->mgid, s),
                     ovs_strerror(error));
        vp->counters[VERBS_JOIN_FAILURES]++;
        if (g->cm_id) {
            rdma_destroy_id(g->cm_id);
            g->cm_id = NULL;
        }
        g->retry_after = time_msec() + VERBS_RETRY_MS;
    }
}

static void
group_joined_ib(struct verbs_port *vp, struct verbs_group *g,
                const struct rdma_ud_param *ud)
{
    g->mlid = ud->ah_attr.dlid;
    g->sl = ud->ah_attr.sl;
    if (g == vp->bcast && ud->qkey != vp->qkey) {
        struct verbs_endpoint *ep;

        /* QPs made before the join have the default Q_Key. */
        vp->qkey = ud->qkey;
        LIST_FOR_EACH (ep, node, &vp->endpoints) {
            struct ibv_qp_attr a = { .qkey = vp->qkey };
            if (ibv_modify_qp(ep->qp, &a, IBV_QP_QKEY)) {
                VLOG_WARN_RL(&rl, "%s: cannot set Q_Key of QP 0x%06"PRIx32
                             " (%s)", vp->up.name, ep->qpn,
                             ovs_strerror(errno));
            }
        }
    }
    if (g->ah) {
        ibv_destroy_ah(g->ah);
    }
    struct ibv_ah_attr attr;
    ib_verbs_ah_attr_init(&attr, vp->port_num, vp->is_roce, &g->mgid,
                          g->mlid, g->sl, true);
    g->ah = ibv_create_ah(vp->pd, &attr);
    if (!g->ah) {
        vp->counters[VERBS_AH_FAILURES]++;
        g->retry_after = time_msec() + VERBS_RETRY_MS;
        return;
    }
    g->joined = true;
    vp->counters[VERBS_JOINS]++;
    if (g == vp->bcast) {
        port_refresh(vp);       /* The port is active now. */
    }
    group_attach_all(vp, g);
    group_release(vp, g);
}

static void
cm_run(struct verbs_port *vp)
{
    struct rdma_cm_event *ev;

    if (!vp->cm_channel) {
        return;
    }
    while (!rdma_get_cm_event(vp->cm_channel, &ev)) {
        struct rdma_cm_event copy = *ev;
        struct rdma_cm_id *id = ev->id;
        struct verbs_path *p;
        struct verbs_group *g;

        rdma_ack_cm_event(ev);
        switch (copy.event) {
        case RDMA_CM_EVENT_ADDR_RESOLVED:
            p = id->context;
            if (rdma_resolve_route(id, VERBS_CM_TIMEOUT_MS)) {
                path_done(vp, p, false);
            }
            break;
        case RDMA_CM_EVENT_ROUTE_RESOLVED:
            path_done(vp, id->context, true);
            break;
        case RDMA_CM_EVENT_ADDR_ERROR:
        case RDMA_CM_EVENT_ROUTE_ERROR:
            path_done(vp, id->context, false);
            break;
        case RDMA_CM_EVENT_MULTICAST_JOIN:
            group_joined_ib(vp, id->context, &copy.param.ud);
            break;
        case RDMA_CM_EVENT_MULTICAST_ERROR:
            g = id->context;
            vp->counters[VERBS_JOIN_FAILURES]++;
            VLOG_WARN_RL(&rl, "%s: multicast join failed (status %d)",
                         vp->up.name, copy.status);
            g->joined = false;
            g->retry_after = time_msec() + VERBS_RETRY_MS;
            held_drop(vp, &g->held, &g->n_held, VERBS_TX_DROP_NO_GROUP);
            break;
        case RDMA_CM_EVENT_CONNECT_REQUEST:
        case RDMA_CM_EVENT_CONNECT_RESPONSE:
        case RDMA_CM_EVENT_CONNECT_ERROR:
        case RDMA_CM_EVENT_UNREACHABLE:
        case RDMA_CM_EVENT_REJECTED:
        case RDMA_CM_EVENT_ESTABLISHED:
        case RDMA_CM_EVENT_DISCONNECTED:
        case RDMA_CM_EVENT_DEVICE_REMOVAL:
        case RDMA_CM_EVENT_ADDR_CHANGE:
        case RDMA_CM_EVENT_TIMEWAIT_EXIT:
        default:
            break;
        }
    }
}

/* ------------------------------------------------------------------ */
/* Multicast groups. */

static struct verbs_group *
group_find(const struct verbs_port *vp, const struct ipoib_gid *mgid)
{
    struct verbs_group *g;

    HMAP_FOR_EACH_WITH_HASH (g, node, ib_gid_hash(mgid), &vp->groups) {
        if (ib_gid_equals(&g->mgid, mgid)) {
            return g;
        }
    }
    return NULL;
}

/* RoCE: the IPv6 group join that makes the netdev's IP stack accept RoCE v2
 * datagrams sent to the group. */
static void
group_ipv6_join(struct verbs_port *vp, struct verbs_group *g, bool join)
{
    if (!vp->is_roce || vp->mcast_sock < 0 || g->ipv6_joined == join) {
        return;
    }
    struct ipv6_mreq mreq;
    memcpy(&mreq.ipv6mr_multiaddr, g->mgid.b, sizeof g->mgid.b);
    mreq.ipv6mr_interface = vp->ifindex;
    if (setsockopt(vp->mcast_sock, IPPROTO_IPV6,
                   join ? IPV6_ADD_MEMBERSHIP : IPV6_DROP_MEMBERSHIP,
                   &mreq, sizeof mreq)) {
        if (join) {
            char s[IPOIB_GID_STRLEN];
            VLOG_WARN_RL(&rl, "%s: IPv6 join of %s on ifindex %d failed "
                         "(%s)", vp->up.name, ipoib_gid_format(&g->mgid, s),
                         vp->ifindex, ovs_strerror(errno));
            vp->counters[VERBS_JOIN_FAILURES]++;
        }
        return;
    }
    g->ipv6_joined = join;
}

/* RoCE: a group is local state, so it is "joined" at once. */
static void
group_join_roce(struct verbs_port *vp, struct verbs_group *g)
{
    if (!g->ah) {
        struct ibv_ah_attr attr;
        ib_verbs_ah_attr_init(&attr, vp->port_num, true, &g->mgid, 0, 0,
                              true);
        g->ah = ibv_create_ah(vp->pd, &attr);
        if (!g->ah) {
            char s[IPOIB_GID_STRLEN];
            VLOG_WARN_RL(&rl, "%s: cannot create address handle for group "
                         "%s (%s)", vp->up.name,
                         ipoib_gid_format(&g->mgid, s), ovs_strerror(errno));
            vp->counters[VERBS_AH_FAILURES]++;
            g->retry_after = time_msec() + VERBS_RETRY_MS;
            return;
        }
    }
    if (g->n_full) {
        group_ipv6_join(vp, g, true);
    }
    if (!g->joined) {
        g->joined = true;
        vp->counters[VERBS_JOINS]++;
    }
    group_attach_all(vp, g);
    group_release(vp, g);
}

static void
group_join(struct verbs_port *vp, struct verbs_group *g)
{
    if (vp->state != IB_PORT_ACTIVE
        && (g != vp->bcast || vp->state != IB_PORT_INIT)) {
        return;
    }
    if (vp->is_roce) {
        group_join_roce(vp, g);
    } else {
        group_join_ib(vp, g);
    }
}

static struct verbs_group *
group_get(struct verbs_port *vp, const struct ipoib_gid *mgid)
{
    struct verbs_group *g = group_find(vp, mgid);

    if (!g) {
        g = xzalloc(sizeof *g);
        g->mgid = *mgid;
        ovs_list_init(&g->held);
        hmap_insert(&vp->groups, &g->node, ib_gid_hash(mgid));
    }
    return g;
}

static void
group_destroy(struct verbs_port *vp, struct verbs_group *g)
{
    held_drop(vp, &g->held, &g->n_held, -1);
    group_ipv6_join(vp, g, false);
    if (g->cm_id) {
        rdma_destroy_id(g->cm_id);
    }
    if (g->ah) {
        ibv_destroy_ah(g->ah);
    }
    hmap_remove(&vp->groups, &g->node);
    free(g);
}

/* Attaches 'ep''s QP to 'g' if it is a full member and the group is ready. */
static void
membership_attach(struct verbs_port *vp, struct verbs_endpoint *ep,
                  struct verbs_membership *m, struct verbs_group *g)
{
    if (m->attached || m->type != IB_JOIN_FULL || !g->joined || !ep->qp) {
        return;
    }
    union ibv_gid gid;
    memcpy(gid.raw, g->mgid.b, sizeof gid.raw);
    if (ibv_attach_mcast(ep->qp, &gid, vp->is_roce ? 0 : g->mlid)) {
        char s[IPOIB_GID_STRLEN];
        VLOG_WARN_RL(&rl, "%s: attaching QP 0x%06"PRIx32" to %s failed (%s)",
                     vp->up.name, ep->qpn, ipoib_gid_format(&g->mgid, s),
                     ovs_strerror(errno));
        vp->counters[VERBS_ATTACH_FAILURES]++;
        return;
    }
    m->attached = true;
}

static void
membership_detach(struct verbs_port *vp, struct verbs_endpoint *ep,
                  struct verbs_membership *m, struct verbs_group *g)
{
    if (m->attached && ep->qp) {
        union ibv_gid gid;
        memcpy(gid.raw, g->mgid.b, sizeof gid.raw);
        ibv_detach_mcast(ep->qp, &gid, vp->is_roce ? 0 : g->mlid);
    }
    m->attached = false;
}

static struct verbs_membership *
membership_find(const struct verbs_endpoint *ep, const struct ipoib_gid *mgid)
{
    struct verbs_membership *m;

    HMAP_FOR_EACH_WITH_HASH (m, node, ib_gid_hash(mgid), &ep->memberships) {
        if (ib_gid_equals(&m->mgid, mgid)) {
            return m;
        }
    }
    return NULL;
}

static void
group_attach_all(struct verbs_port *vp, struct verbs_group *g)
{
    struct verbs_endpoint *ep;

    LIST_FOR_EACH (ep, node, &vp->endpoints) {
        struct verbs_membership *m = membership_find(ep, &g->mgid);
        if (m) {
            membership_attach(vp, ep, m, g);
        }
    }
}

/* Forgets 'g' if neither an endpoint nor the port uses it. */
static void
group_forget_if_unused(struct verbs_port *vp, struct verbs_group *g)
{
    struct verbs_endpoint *ep;

    if (g == vp->bcast) {
        return;
    }
    LIST_FOR_EACH (ep, node, &vp->endpoints) {
        if (membership_find(ep, &g->mgid)) {
            return;
        }
    }
    group_destroy(vp, g);
}

/* ------------------------------------------------------------------ */
/* Receiving. */

static void
post_recvs(struct verbs_port *vp, const size_t *slots, size_t n)
{
    struct ibv_recv_wr wrs[VERBS_BATCH];
    struct ibv_sge sges[VERBS_BATCH];

    for (size_t i = 0; i < n; i++) {
        uint8_t *buf = rx_slot(vp, slots[i]);

        sges[i].addr = (uintptr_t) buf;
        sges[i].length = vp->slot_size;
        sges[i].lkey = vp->mr->lkey;
        wrs[i].wr_id = slots[i];
        wrs[i].sg_list = &sges[i];
        wrs[i].num_sge = 1;
        wrs[i].next = i + 1 < n ? &wrs[i + 1] : NULL;
    }

    struct ibv_recv_wr *bad = NULL;
    if (n && ibv_post_srq_recv(vp->srq, wrs, &bad)) {
        size_t n_bad = 0;
        for (struct ibv_recv_wr *wr = bad; wr; wr = wr->next) {
            n_bad++;
        }
        vp->counters[VERBS_RX_REPOST_FAILURES] += n_bad;
        vp->rx_posted += n - n_bad;
        VLOG_WARN_RL(&rl, "%s: ibv_post_srq_recv failed (%s)", vp->up.name,
                     ovs_strerror(errno));
    } else {
        vp->rx_posted += n;
    }
}

static struct verbs_endpoint *
endpoint_by_qpn(const struct verbs_port *vp, uint32_t qpn)
{
    struct verbs_endpoint *ep;

    HMAP_FOR_EACH_WITH_HASH (ep, qpn_node, hash_int(qpn, 0), &vp->qps) {
        if (ep->qpn == qpn) {
            return ep;
        }
    }
    return NULL;
}

void
ib_verbs_parse_grh(const uint8_t *grh, struct ipoib_gid *sgid,
                   struct ipoib_gid *dgid)
{
    if (grh[0] >> 4 != 6 && grh[20] >> 4 == 4) {
        static const uint8_t v4mapped[12] = {
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
        };
        memcpy(sgid->b, v4mapped, 12);
        memcpy(sgid->b + 12, grh + 20 + 12, 4);
        memcpy(dgid->b, v4mapped, 12);
        memcpy(dgid->b + 12, grh + 20 + 16, 4);
    } else {
        memcpy(sgid->b, grh + 8, 16);
        memcpy(dgid->b, grh + 24, 16);
    }
}

/* Returns a dp_packet holding a copy of 'data', after the caller's
 * headroom, with VERBS_RX_TAILROOM bytes free after it.
 *
 * One allocation holds both the dp_packet and its data, as a "stub" buffer
 * that dp_packet_delete() frees with the struct (and that OVS copies to the
 * heap if it must grow it), instead of dp_packet_new()'s two.  Receiving
 * straight into the dp_packet is not possible: the caller owns it until it
 * frees it, with free(), while registered memory must stay registered, and
 * OVS 3.1 has no way to return a buffer to a pool except for its own DPDK
 * and AF_XDP ones. */
static struct dp_packet *
rx_packet_new(const struct verbs_port *vp, const void *data, size_t len)
{
    size_t headroom = vp->options.rx_headroom;
    size_t allocated = headroom + len + VERBS_RX_TAILROOM;
    struct dp_packet *b = xmalloc(sizeof *b + allocated);

    dp_packet_use_stub(b, b + 1, allocated);
    dp_packet_reserve(b, headroom);
    dp_packet_put(b, data, len);
    return b;
}

/* Turns one successful receive completion into 'r'.  Returns false if the
 * datagram is dropped (counted). */
static bool
recv_one(struct verbs_port *vp, const struct ibv_wc *wc, struct ib_recv *r)
{
    const uint8_t *buf = rx_slot(vp, wc->wr_id);

    if (vp->state != IB_PORT_ACTIVE) {
        vp->counters[VERBS_RX_DROP_PORT_DOWN]++;
        return false;
    }
    if (wc->byte_len < VERBS_GRH_LEN + IPOIB_HDR_LEN) {
        vp->counters[VERBS_RX_DROP_TOO_SHORT]++;
        return false;
    }
    struct verbs_endpoint *ep = endpoint_by_qpn(vp, wc->qp_num);
    if (!ep) {
        vp->counters[VERBS_RX_DROP_UNKNOWN_QP]++;
        return false;
    }

    memset(r, 0, sizeof *r);
    r->has_grh = (wc->wc_flags & IBV_WC_GRH) != 0;
    if (r->has_grh) {
        ib_verbs_parse_grh(buf, &r->sgid, &r->dgid);
    }
    r->src_qpn = wc->src_qp & IPOIB_QPN_MASK;
    r->slid = vp->is_roce ? 0 : wc->slid;
    r->dest = IB_DEST_UNICAST;
    if (r->has_grh && ipoib_gid_is_multicast(&r->dgid)) {
        struct verbs_membership *m = membership_find(ep, &r->dgid);
        if (!m || m->type != IB_JOIN_FULL) {
            vp->counters[VERBS_RX_DROP_NOT_MEMBER]++;
            return false;
        }
        /* Our own multicast, looped back by the HCA or the fabric. */
        if (ep->flags & IB_EP_BLOCK_SELF_MCAST_LOOPBACK
            && r->src_qpn == ep->qpn
            && (vp->is_roce ? ib_gid_equals(&r->sgid, &vp->gid)
                : wc->slid == vp->lid)) {
            vp->counters[VERBS_RX_DROP_SELF_MCAST]++;
            return false;
        }
        r->dest = (ib_gid_equals(&r->dgid, &vp->bcast_mgid)
                   ? IB_DEST_BROADCAST : IB_DEST_MULTICAST);
    }

    size_t len = wc->byte_len - VERBS_GRH_LEN;
    r->packet = rx_packet_new(vp, buf + VERBS_GRH_LEN, len);
    r->ep = &ep->up;
    r->ep_aux = ep->aux;
    vp->counters[VERBS_RX_PACKETS]++;
    vp->counters[VERBS_RX_BYTES] += len;
    return true;
}

/* Takes the completion channel's events, so it can signal again. */
static void
drain_cq_events(struct verbs_port *vp)
{
    struct ibv_cq *cq;
    void *ctx;

    while (!ibv_get_cq_event(vp->channel, &cq, &ctx)) {
        vp->armed = false;
        if (++vp->unacked_events >= VERBS_ACK_BATCH) {
            ibv_ack_cq_events(vp->recv_cq, vp->unacked_events);
            vp->unacked_events = 0;
        }
    }
}

static int
verbs_recv(struct ib_port *port, struct ib_recv *recvs, size_t max,
           size_t *n)
{
    struct verbs_port *vp = verbs_port_cast(port);
    struct ibv_wc wcs[IB_RECV_BATCH];
    size_t slots[IB_RECV_BATCH];
    size_t n_recv = 0;

    /* Busy polling (PMD threads) never arms the CQ, so it makes no
     * system call here. */
    if (vp->armed) {
        drain_cq_events(vp);
    }
    int n_wc = ibv_poll_cq(vp->recv_cq, MIN(max, IB_RECV_BATCH), wcs);
    if (n_wc < 0) {
        return EIO;
    }

    for (int i = 0; i < n_wc; i++) {
        const struct ibv_wc *wc = &wcs[i];

        vp->rx_posted--;
        slots[i] = wc->wr_id;
        if (wc->status != IBV_WC_SUCCESS) {
            vp->counters[VERBS_RX_COMPLETION_ERRORS]++;
            if (wc->status != IBV_WC_WR_FLUSH_ERR) {
                count_wc_error(vp, 1, wc);
            }
            continue;
        }
        if (recv_one(vp, wc, &recvs[n_recv])) {
            n_recv++;
        }
    }
    if (n_wc > 0) {
        post_recvs(vp, slots, n_wc);
    }

    /* Reap send completions here too, so buffers come back while busy. */
    poll_send_cq(vp);
    *n = n_recv;
    return n_recv ? 0 : EAGAIN;
}

static void
verbs_recv_wait(struct ib_port *port)
{
    struct verbs_port *vp = verbs_port_cast(port);

    if (vp->armed) {
        poll_fd_wait(vp->channel->fd, POLLIN);
    } else {
        /* Arm, then poll once more: a completion that came in before the
         * arming would not signal. */
        if (!ibv_req_notify_cq(vp->recv_cq, 0)) {
            vp->armed = true;
        }
        poll_immediate_wake();
    }
}

/* ------------------------------------------------------------------ */
/* Port state. */

/* Queries the port; on becoming active (or changing LID or GID), bumps the
 * epoch and (re)joins the groups. */
static void
port_refresh(struct verbs_port *vp)
{
    struct ibv_port_attr pa;
    union ibv_gid gid;
    enum ib_port_state old_state = vp->state;
    uint16_t old_lid = vp->lid;
    struct ipoib_gid old_gid = vp->gid;

    if (ibv_query_port(vp->ctx, vp->port_num, &pa)
        || ibv_query_gid(vp->ctx, vp->port_num, 0, &gid)) {
        VLOG_WARN_RL(&rl, "%s: cannot query port %d (%s)", vp->up.name,
                     vp->port_num, ovs_strerror(errno));
        vp->state = IB_PORT_DOWN;
        return;
    }
    vp->is_roce = pa.link_layer == IBV_LINK_LAYER_ETHERNET;
    vp->lid = vp->is_roce ? 0 : pa.lid;
    vp->sm_lid = pa.sm_lid;
    memcpy(vp->gid.b, gid.raw, sizeof gid.raw);
    vp->port_mtu = ib_mtu_bytes(pa.active_mtu);

    /* The P_Key index of our partition, full membership preferred. */
    vp->pkey_found = false;
    for (int i = 0; i < pa.pkey_tbl_len; i++) {
        uint16_t pkey;
        if (ibv_query_pkey(vp->ctx, vp->port_num, i, &pkey)) {
            break;
        }
        pkey = ntohs(pkey);
        if ((pkey & 0x7fff) == (vp->options.pkey & 0x7fff) && pkey & 0x7fff) {
            if (!vp->pkey_found || pkey & IPOIB_PKEY_FULL_MEMBER) {
                vp->pkey_index = i;
                vp->pkey = pkey;
                vp->pkey_found = true;
            }
        }
    }

    if (pa.state != IBV_PORT_ACTIVE || !vp->pkey_found
        || !ipoib_gid_is_unicast(&vp->gid)) {
        vp->state = IB_PORT_DOWN;
    } else if (vp->is_roce) {
        vp->qkey = IPOIB_QKEY_DEFAULT;
        vp->state = IB_PORT_ACTIVE;
    } else {
        vp->state = vp->bcast->joined ? IB_PORT_ACTIVE : IB_PORT_INIT;
    }
    ipoib_broadcast_mgid(vp->pkey_found ? vp->pkey : vp->options.pkey,
                         IPOIB_SCOPE_LINK, &vp->bcast_mgid);

    bool changed = (vp->state != old_state || vp->lid != old_lid
                    || !ib_gid_equals(&vp->gid, &old_gid));
    if (vp->state == IB_PORT_ACTIVE && changed) {
        struct verbs_group *g;

        vp->epoch++;
        vp->counters[VERBS_ACTIVATIONS]++;
        VLOG_INFO("%s: %s port %s:%d active, lid %"PRIu16", mtu %"PRIu32
                  ", pkey 0x%04"PRIx16" (index %"PRIu16")", vp->up.name,
                  vp->is_roce ? "RoCE" : "InfiniBand", vp->dev_name,
                  vp->port_num, vp->lid, vp->port_mtu, vp->pkey,
                  vp->pkey_index);
        HMAP_FOR_EACH (g, node, &vp->groups) {
            if (g != vp->bcast || vp->is_roce) {
                group_join(vp, g);
            }
        }
    } else if (vp->state == IB_PORT_INIT && !vp->is_roce
               && !vp->bcast->cm_id
               && time_msec() >= vp->bcast->retry_after) {
        group_join(vp, vp->bcast);
    }
}

static void
handle_async_events(struct verbs_port *vp)
{
    struct ibv_async_event ev;
    bool refresh = false;

    while (!ibv_get_async_event(vp->ctx, &ev)) {
        vp->counters[VERBS_ASYNC_EVENTS]++;
        enum ibv_event_type t = ev.event_type;
        if (t == IBV_EVENT_PORT_ACTIVE || t == IBV_EVENT_PORT_ERR
            || t == IBV_EVENT_LID_CHANGE || t == IBV_EVENT_PKEY_CHANGE
            || t == IBV_EVENT_GID_CHANGE || t == IBV_EVENT_SM_CHANGE
            || t == IBV_EVENT_CLIENT_REREGISTER) {
            if (ev.element.port_num == vp->port_num) {
                refresh = true;
            }
            if (!vp->is_roce && (t == IBV_EVENT_CLIENT_REREGISTER
                                 || t == IBV_EVENT_PORT_ERR)) {
                /* The SM forgot our joins: make them again. */
                struct verbs_group *g;
                HMAP_FOR_EACH (g, node, &vp->groups) {
                    g->joined = false;
                    if (g->cm_id) {
                        rdma_destroy_id(g->cm_id);
                        g->cm_id = NULL;
                    }
                }
                vp->state = IB_PORT_DOWN;
            }
        } else {
            VLOG_WARN_RL(&rl, "%s: async event %s", vp->up.name,
                         ibv_event_type_str(t));
        }
        ibv_ack_async_event(&ev);
    }
    if (refresh) {
        port_refresh(vp);
    }
}

/* ------------------------------------------------------------------ */
/* Opening and closing. */

static void verbs_close(struct ib_port *);

static int
verbs_open(const struct ib_transport_class *class, const char *name,
           const struct ib_port_options *options, struct ib_port **portp)
{
    struct ibv_context *ctx;
    int port_num;
    int error;

    error = ib_verbs_open_device(name, &ctx, &port_num);
    if (error) {
        VLOG_WARN("%s: no RDMA device or port by this name (%s)", name,
                  ovs_strerror(error));
        return error;
    }

    struct verbs_port *vp = xzalloc(sizeof *vp);
    vp->up.class = class;
    vp->up.name = xstrdup(name);
    vp->options = *options;
    vp->options.node_name = NULL;
    if (!vp->options.pkey) {
        vp->options.pkey = IPOIB_PKEY_DEFAULT;
    }
    vp->dev_name = xstrdup(ibv_get_device_name(ctx->device));
    vp->port_num = port_num;
    vp->mcast_sock = -1;
    ovs_list_init(&vp->endpoints);
    hmap_init(&vp->qps);
    hmap_init(&vp->groups);
    hmap_init(&vp->paths);
    vp->ctx = ctx;
    set_nonblocking(vp->ctx->async_fd);

    struct ibv_port_attr pa;
    if (ibv_query_port(vp->ctx, port_num, &pa)) {
        error = errno;
        VLOG_WARN("%s: %s has no port %d (%s)", name, vp->dev_name,
                  port_num, ovs_strerror(error));
        goto error;
    }

    /* Buffers: one IB MTU (the port's largest) plus the GRH each. */
    vp->slot_size = ROUND_UP(VERBS_GRH_LEN + ib_mtu_bytes(pa.max_mtu), 64);
    size_t region_size = (VERBS_N_RX + VERBS_N_TX) * vp->slot_size;
    vp->region = xmalloc_pagealign(region_size);
    vp->pd = ibv_alloc_pd(vp->ctx);
    if (vp->pd) {
        ib_verbs_ah_cache_init(&vp->ahs, vp->pd, port_num,
                               pa.link_layer == IBV_LINK_LAYER_ETHERNET,
                               VERBS_AH_CACHE_MAX);
    }
    vp->mr = vp->pd ? ibv_reg_mr(vp->pd, vp->region, region_size,
                                 IBV_ACCESS_LOCAL_WRITE) : NULL;
    vp->channel = vp->mr ? ibv_create_comp_channel(vp->ctx) : NULL;
    vp->recv_cq = (vp->channel
                   ? ibv_create_cq(vp->ctx, VERBS_CQ_ENTRIES, vp, vp->channel,
                                   0)
                   : NULL);
    vp->send_cq = (vp->recv_cq
                   ? ibv_create_cq(vp->ctx, VERBS_CQ_ENTRIES, vp, NULL, 0)
                   : NULL);
    if (vp->send_cq) {
        struct ibv_srq_init_attr sa = {
            .attr = { .max_wr = VERBS_N_RX, .max_sge = 1 },
        };
        vp->srq = ibv_create_srq(vp->pd, &sa);
    }
    if (!vp->srq) {
        error = errno ? errno : ENOMEM;
        VLOG_WARN("%s: cannot set up %s (%s)", name, vp->dev_name,
                  ovs_strerror(error));
        goto error;
    }
    set_nonblocking(vp->channel->fd);

    for (size_t i = 0; i < VERBS_N_TX; i++) {
        vp->tx_free[i] = VERBS_N_TX - 1 - i;
    }
    vp->n_tx_free = VERBS_N_TX;
    for (size_t i = 0; i < VERBS_N_RX; i += VERBS_BATCH) {
        size_t slots[VERBS_BATCH];
        size_t n = MIN(VERBS_BATCH, VERBS_N_RX - i);
        for (size_t j = 0; j < n; j++) {
            slots[j] = i + j;
        }
        post_recvs(vp, slots, n);
    }

    if (pa.link_layer == IBV_LINK_LAYER_ETHERNET) {
        struct ibv_gid_entry ge;
        if (!ibv_query_gid_ex(vp->ctx, port_num, 0, &ge, 0)) {
            vp->ifindex = ge.ndev_ifindex;
        }
        vp->mcast_sock = socket(AF_INET6, SOCK_DGRAM, 0);
        if (vp->mcast_sock < 0) {
            VLOG_WARN("%s: no IPv6 socket for multicast joins (%s)", name,
                      ovs_strerror(errno));
        }
    }

    ipoib_broadcast_mgid(vp->options.pkey, IPOIB_SCOPE_LINK,
                         &vp->bcast_mgid);
    vp->bcast = group_get(vp, &vp->bcast_mgid);
    port_refresh(vp);
    if (vp->state == IB_PORT_DOWN) {
        VLOG_INFO("%s: %s port %d is not usable yet (port down, P_Key "
                  "0x%04"PRIx16" %s)", name, vp->dev_name, port_num,
                  vp->options.pkey,
                  vp->pkey_found ? "found" : "not in the P_Key table");
    }
    *portp = &vp->up;
    return 0;

error:
    verbs_close(&vp->up);
    return error;
}

static void verbs_endpoint_destroy(struct ib_endpoint *);

static void
verbs_close(struct ib_port *port)
{
    struct verbs_port *vp = verbs_port_cast(port);
    struct verbs_endpoint *ep;
    struct verbs_group *g;
    struct verbs_path *p;

    LIST_FOR_EACH_SAFE (ep, node, &vp->endpoints) {
        verbs_endpoint_destroy(&ep->up);
    }
    HMAP_FOR_EACH_SAFE (g, node, &vp->groups) {
        group_destroy(vp, g);
    }
    HMAP_FOR_EACH_POP (p, node, &vp->paths) {
        held_drop(vp, &p->held, &p->n_held, -1);
        if (p->query) {
            rdma_destroy_id(p->query);
        }
        free(p);
    }
    if (vp->pd) {
        ib_verbs_ah_cache_destroy(&vp->ahs);
    }
    if (vp->cm_channel) {
        rdma_destroy_event_channel(vp->cm_channel);
    }
    if (vp->mcast_sock >= 0) {
        close(vp->mcast_sock);
    }
    if (vp->srq) {
        ibv_destroy_srq(vp->srq);
    }
    if (vp->send_cq) {
        ibv_destroy_cq(vp->send_cq);
    }
    if (vp->recv_cq) {
        if (vp->unacked_events) {
            ibv_ack_cq_events(vp->recv_cq, vp->unacked_events);
        }
        ibv_destroy_cq(vp->recv_cq);
    }
    if (vp->channel) {
        ibv_destroy_comp_channel(vp->channel);
    }
    if (vp->mr) {
        ibv_dereg_mr(vp->mr);
    }
    if (vp->pd) {
        ibv_dealloc_pd(vp->pd);
    }
    if (vp->ctx) {
        ibv_close_device(vp->ctx);
    }
    free_pagealign(vp->region);
    hmap_destroy(&vp->qps);
    hmap_destroy(&vp->groups);
    hmap_destroy(&vp->paths);
    free(vp->dev_name);
    free(vp->up.name);
    free(vp);
}

/* True if 'g' should be joined (again) now or at its 'retry_after': the
 * port is active, or on IB it waits for the broadcast group itself. */
static bool
group_needs_join(const struct verbs_port *vp, const struct verbs_group *g)
{
    return (!g->joined && !g->cm_id
            && (vp->state == IB_PORT_ACTIVE
                || (vp->state == IB_PORT_INIT && g == vp->bcast)));
}

static void
verbs_run(struct ib_port *port)
{
    struct verbs_port *vp = verbs_port_cast(port);
    long long int now = time_msec();
    struct verbs_group *g;
    struct verbs_path *p;

    handle_async_events(vp);
    if (vp->state != IB_PORT_ACTIVE) {
        port_refresh(vp);
    }
    cm_run(vp);
    HMAP_FOR_EACH (g, node, &vp->groups) {
        if (group_needs_join(vp, g) && now >= g->retry_after) {
            group_join(vp, g);
        }
    }
    HMAP_FOR_EACH_SAFE (p, node, &vp->paths) {
        if (p->resolved && now >= p->expires && !p->query) {
            path_query(vp, p);      /* Keeps using the old path meanwhile. */
        } else if (!p->resolved && !p->query && ovs_list_is_empty(&p->held)
                   && now >= p->retry_after) {
            hmap_remove(&vp->paths, &p->node);
            free(p);
        }
    }
    poll_send_cq(vp);
}

static void
verbs_wait(struct ib_port *port)
{
    struct verbs_port *vp = verbs_port_cast(port);

    poll_fd_wait(vp->ctx->async_fd, POLLIN);
    if (vp->cm_channel) {
        poll_fd_wait(vp->cm_channel->fd, POLLIN);
    }
    if (vp->state != IB_PORT_ACTIVE) {
        /* Port state changes without an event on some devices (rxe). */
        poll_timer_wait(VERBS_RETRY_MS);
    }
    struct verbs_group *g;
    HMAP_FOR_EACH (g, node, &vp->groups) {
        if (group_needs_join(vp, g)) {
            poll_timer_wait_until(g->retry_after);
        }
    }
}

static void
verbs_get_attr(const struct ib_port *port, struct ib_port_attr *attr)
{
    const struct verbs_port *vp = verbs_port_cast(port);

    attr->state = vp->state;
    attr->lid = vp->lid;
    attr->gid = vp->gid;
    attr->pkey = vp->pkey_found ? vp->pkey : vp->options.pkey;
    attr->ib_mtu = vp->port_mtu;
    attr->qkey = vp->state == IB_PORT_ACTIVE ? vp->qkey : 0;
    attr->epoch = vp->epoch;
}

/* ------------------------------------------------------------------ */
/* Endpoints. */

static int
qp_to_rts(struct verbs_port *vp, struct ibv_qp *qp)
{
    struct ibv_qp_attr a;

    memset(&a, 0, sizeof a);
    a.qp_state = IBV_QPS_INIT;
    a.pkey_index = vp->pkey_index;
    a.port_num = vp->port_num;
    a.qkey = vp->qkey ? vp->qkey : IPOIB_QKEY_DEFAULT;
    if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX
                      | IBV_QP_PORT | IBV_QP_QKEY)) {
        return errno;
    }
    memset(&a, 0, sizeof a);
    a.qp_state = IBV_QPS_RTR;
    if (ibv_modify_qp(qp, &a, IBV_QP_STATE)) {
        return errno;
    }
    memset(&a, 0, sizeof a);
    a.qp_state = IBV_QPS_RTS;
    a.sq_psn = 0;
    if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_SQ_PSN)) {
        return errno;
    }
    return 0;
}

static int
verbs_endpoint_create(struct ib_port *port, unsigned int flags, void *aux,
                      struct ib_endpoint **epp)
{
    struct verbs_port *vp = verbs_port_cast(port);
    struct ibv_qp_init_attr init = {
        .send_cq = vp->send_cq,
        .recv_cq = vp->recv_cq,
        .srq = vp->srq,
        .cap = {
            .max_send_wr = VERBS_QP_SEND_WR,
            .max_send_sge = 1,
        },
        .qp_type = IBV_QPT_UD,
    };

    struct ibv_qp *qp = ibv_create_qp(vp->pd, &init);
    if (!qp) {
        int error = errno ? errno : ENOMEM;
        VLOG_WARN_RL(&rl, "%s: cannot create a UD QP (%s)", vp->up.name,
                     ovs_strerror(error));
        return error;
    }
    int error = qp_to_rts(vp, qp);
    if (error) {
        VLOG_WARN_RL(&rl, "%s: cannot bring QP 0x%06"PRIx32" up (%s)",
                     vp->up.name, qp->qp_num, ovs_strerror(error));
        ibv_destroy_qp(qp);
        return error;
    }

    struct verbs_endpoint *ep = xzalloc(sizeof *ep);
    ep->up.port = port;
    ep->qp = qp;
    ep->qpn = qp->qp_num;
    ep->flags = flags;
    ep->aux = aux;
    hmap_init(&ep->memberships);
    ovs_list_push_back(&vp->endpoints, &ep->node);
    hmap_insert(&vp->qps, &ep->qpn_node, hash_int(ep->qpn, 0));
    *epp = &ep->up;
    return 0;
}

static void
verbs_endpoint_destroy(struct ib_endpoint *ep_)
{
    struct verbs_endpoint *ep = verbs_endpoint_cast(ep_);
    struct verbs_port *vp = verbs_port_cast(ep->up.port);
    struct verbs_membership *m;

    verbs_flush_sends(vp);
    held_forget_endpoint(vp, ep);
    HMAP_FOR_EACH_POP (m, node, &ep->memberships) {
        struct verbs_group *g = group_find(vp, &m->mgid);
        if (g) {
            membership_detach(vp, ep, m, g);
            if (m->type == IB_JOIN_FULL) {
                g->n_full--;
            }
        }
        free(m);
        if (g) {
            group_forget_if_unused(vp, g);
        }
    }
    hmap_destroy(&ep->memberships);
    hmap_remove(&vp->qps, &ep->qpn_node);
    ovs_list_remove(&ep->node);

    /* Its posted sends complete or flush on the shared CQ: wait a little
     * for them, so that their buffers come back, then forget the rest
     * (their buffers stay lost rather than be reused under the HCA). */
    struct ibv_qp_attr attr = { .qp_state = IBV_QPS_ERR };
    ibv_modify_qp(ep->qp, &attr, IBV_QP_STATE);
    long long int deadline = time_msec() + 100;
    while (ep->n_outstanding && time_msec() < deadline) {
        poll_send_cq(vp);
    }
    if (ep->n_outstanding) {
        VLOG_WARN("%s: %u sends of QP 0x%06"PRIx32" never completed",
                  vp->up.name, ep->n_outstanding, ep->qpn);
        for (size_t i = 0; i < VERBS_N_TX; i++) {
            if (vp->tx_slots[i].ep == ep) {
                vp->tx_slots[i].ep = NULL;
            }
        }
    }
    ibv_destroy_qp(ep->qp);
    free(ep);
}

static uint32_t
verbs_endpoint_qpn(const struct ib_endpoint *ep)
{
    const struct verbs_endpoint *vep = verbs_endpoint_cast(ep);
    const struct verbs_port *vp = verbs_port_cast(ep->port);

    return vp->state == IB_PORT_ACTIVE ? vep->qpn : 0;
}

static int
verbs_join(struct ib_endpoint *ep_, const struct ipoib_gid *mgid,
           enum ib_join_type type)
{
    struct verbs_endpoint *ep = verbs_endpoint_cast(ep_);
    struct verbs_port *vp = verbs_port_cast(ep->up.port);
    struct verbs_membership *m = membership_find(ep, mgid);
    struct verbs_group *g = group_get(vp, mgid);

    if (m) {
        if (m->type == type) {
            return 0;
        }
        /* Changing membership type: leave, then join again. */
        membership_detach(vp, ep, m, g);
        if (m->type == IB_JOIN_FULL) {
            g->n_full--;
        }
        m->type = type;
    } else {
        m = xzalloc(sizeof *m);
        m->mgid = *mgid;
        m->type = type;
        hmap_insert(&ep->memberships, &m->node, ib_gid_hash(mgid));
    }
    if (type == IB_JOIN_FULL) {
        g->n_full++;
    }
    if (vp->state == IB_PORT_ACTIVE) {
        if (!vp->is_roce && g->joined && !g->full && g->n_full) {
            group_join(vp, g);      /* IB: send-only -> full member. */
        } else if (!g->joined || vp->is_roce) {
            group_join(vp, g);
        } else {
            membership_attach(vp, ep, m, g);
        }
    }
    return 0;
}

static int
verbs_leave(struct ib_endpoint *ep_, const struct ipoib_gid *mgid)
{
    struct verbs_endpoint *ep = verbs_endpoint_cast(ep_);
    struct verbs_port *vp = verbs_port_cast(ep->up.port);
    struct verbs_membership *m = membership_find(ep, mgid);
    struct verbs_group *g = group_find(vp, mgid);

    if (!m) {
        return ENOENT;
    }
    if (g) {
        membership_detach(vp, ep, m, g);
        if (m->type == IB_JOIN_FULL) {
            g->n_full--;
        }
    }
    hmap_remove(&ep->memberships, &m->node);
    free(m);
    if (g) {
        if (!g->n_full) {
            group_ipv6_join(vp, g, false);
        }
        group_forget_if_unused(vp, g);
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Sending. */

/* Returns the path to 'dgid', creating it (within VERBS_PATHS_MAX), or
 * NULL if there is no room. */
static struct verbs_path *
path_get(struct verbs_port *vp, const struct ipoib_gid *dgid)
{
    struct verbs_path *p;
    uint32_t hash = ib_gid_hash(dgid);

    HMAP_FOR_EACH_WITH_HASH (p, node, hash, &vp->paths) {
        if (ib_gid_equals(&p->dgid, dgid)) {
            return p;
        }
    }
    if (hmap_count(&vp->paths) >= VERBS_PATHS_MAX) {
        /* Make room by forgetting an idle path (it is queried again if
         * needed); none if every one is busy. */
        struct verbs_path *victim = NULL, *iter;
        HMAP_FOR_EACH (iter, node, &vp->paths) {
            if (!iter->query && ovs_list_is_empty(&iter->held)) {
                victim = iter;
                break;
            }
        }
        if (!victim) {
            return NULL;
        }
        hmap_remove(&vp->paths, &victim->node);
        free(victim);
    }
    p = xzalloc(sizeof *p);
    p->dgid = *dgid;
    ovs_list_init(&p->held);
    hmap_insert(&vp->paths, &p->node, hash);
    return p;
}

/* Sends (or holds) one datagram.  Returns false if it was dropped. */
static bool
send_one(struct verbs_port *vp, struct verbs_endpoint *ep,
         const struct ib_send *s)
{
    struct ipoib_gid dgid;
    uint32_t dst_qpn = ipoib_addr_qpn(&s->dst);

    ipoib_addr_get_gid(&s->dst, &dgid);
    if (ipoib_gid_is_multicast(&dgid)) {
        struct verbs_group *g = group_find(vp, &dgid);
        if (!g) {
            /* A send to a group nobody here joined: join send-only. */
            if (hmap_count(&vp->groups) >= VERBS_GROUPS_MAX) {
                vp->counters[VERBS_TX_DROP_NO_GROUP]++;
                return false;
            }
            g = group_get(vp, &dgid);
            group_join(vp, g);
        }
        if (g->joined) {
            return queue_send(vp, ep, g->ah, NULL, IPOIB_MCAST_QPN, s->data,
                              s->size);
        } else if (g->cm_id) {
            return held_push(vp, &g->held, &g->n_held, ep, IPOIB_MCAST_QPN,
                             s->data, s->size);
        }
        vp->counters[VERBS_TX_DROP_NO_GROUP]++;
        return false;
    }

    struct ib_verbs_ah *a;
    if (vp->is_roce) {
        /* No LIDs, no SA: the GID is the path. */
        a = ib_verbs_ah_get(&vp->ahs, &dgid, 0, 0);
    } else {
        struct verbs_path *p = path_get(vp, &dgid);
        if (!p) {
            vp->counters[VERBS_TX_DROP_NO_PATH]++;
            return false;
        }
        if (!p->resolved) {
            if (!p->query && time_msec() < p->retry_after) {
                vp->counters[VERBS_TX_DROP_NO_PATH]++;
                return false;
            }
            bool held = held_push(vp, &p->held, &p->n_held, ep, dst_qpn,
                                  s->data, s->size);
            if (!p->query) {
                path_query(vp, p);
            }
            return held && (p->query || p->resolved);
        }
        a = ib_verbs_ah_get(&vp->ahs, &dgid, p->dlid, p->sl);
    }
    if (!a) {
        vp->counters[VERBS_TX_DROP_NO_AH]++;
        return false;
    }
    return queue_send(vp, ep, a->ah, a, dst_qpn, s->data, s->size);
}

static size_t
verbs_send(struct ib_port *port, const struct ib_send *sends, size_t n)
{
    struct verbs_port *vp = verbs_port_cast(port);
    size_t n_ok = 0;

    for (size_t i = 0; i < n; i++) {
        const struct ib_send *s = &sends[i];
        struct verbs_endpoint *ep = verbs_endpoint_cast(s->ep);

        if (vp->state != IB_PORT_ACTIVE) {
            vp->counters[VERBS_TX_DROP_PORT_DOWN]++;
        } else if (s->size > vp->port_mtu) {
            vp->counters[VERBS_TX_DROP_TOO_BIG]++;
        } else if (send_one(vp, ep, s)) {
            n_ok++;
        }
    }
    verbs_flush_sends(vp);
    return n_ok;
}

/* ------------------------------------------------------------------ */
/* Counters and status. */

/* "tx-wc-<status>" names, made once. */
static const char *
wc_counter_name(int dir, int status)
{
    static char *names[2][VERBS_N_WC_STATUS];

    if (!names[dir][status]) {
        char *s = xasprintf("%s-wc-%s", dir ? "rx" : "tx",
                            ibv_wc_status_str(status));
        for (char *c = s; *c; c++) {
            *c = *c == ' ' ? '-' : tolower((unsigned char) *c);
        }
        names[dir][status] = s;
    }
    return names[dir][status];
}

static void
verbs_get_counters(const struct ib_port *port, struct ib_counter **countersp,
                   size_t *n)
{
    const struct verbs_port *vp = verbs_port_cast(port);
    struct ib_counter *c = xmalloc((VERBS_N_COUNTERS + 2
                                    + 2 * VERBS_N_WC_STATUS) * sizeof *c);
    size_t k = 0;

    for (size_t i = 0; i < VERBS_N_COUNTERS; i++) {
        c[k].name = verbs_counter_names[i];
        c[k++].value = vp->counters[i];
    }
    c[k].name = "ah-created";
    c[k++].value = vp->ahs.n_created;
    c[k].name = "ah-evicted";
    c[k++].value = vp->ahs.n_evicted;
    c[VERBS_AH_FAILURES].value += vp->ahs.n_failures;
    for (int dir = 0; dir < 2; dir++) {
        for (int s = 0; s < VERBS_N_WC_STATUS; s++) {
            if (vp->wc_errors[dir][s]) {
                c[k].name = wc_counter_name(dir, s);
                c[k++].value = vp->wc_errors[dir][s];
            }
        }
    }
    *countersp = c;
    *n = k;
}

static void
verbs_format(const struct ib_port *port, struct ds *s)
{
    const struct verbs_port *vp = verbs_port_cast(port);
    const struct verbs_endpoint *ep;
    const struct verbs_group *g;

    ds_put_format(s, "  device: %s port %d (%s), pkey index %"PRIu16
                  "%s, sm lid %"PRIu16"\n", vp->dev_name, vp->port_num,
                  vp->is_roce ? "RoCE" : "InfiniBand", vp->pkey_index,
                  vp->pkey_found ? "" : " (P_Key not in table)", vp->sm_lid);
    ds_put_format(s, "  buffers: rx posted %"PRIuSIZE" of %d, tx free %"
                  PRIuSIZE" of %d, address handles %"PRIuSIZE"\n",
                  vp->rx_posted, VERBS_N_RX, vp->n_tx_free, VERBS_N_TX,
                  hmap_count(&vp->ahs.ahs));
    LIST_FOR_EACH (ep, node, &vp->endpoints) {
        const struct verbs_membership *m;

        ds_put_format(s, "  qp 0x%06"PRIx32"\n", ep->qpn);
        HMAP_FOR_EACH (m, node, &ep->memberships) {
            char gid[IPOIB_GID_STRLEN];

            ds_put_format(s, "    group %s %s%s\n",
                          ipoib_gid_format(&m->mgid, gid),
                          m->type == IB_JOIN_FULL ? "full" : "send-only",
                          m->attached || m->type != IB_JOIN_FULL
                          ? "" : " (not attached)");
        }
    }
    HMAP_FOR_EACH (g, node, &vp->groups) {
        char gid[IPOIB_GID_STRLEN];

        ds_put_format(s, "  group %s %s mlid 0x%04"PRIx16"\n",
                      ipoib_gid_format(&g->mgid, gid),
                      g->joined ? "joined" : "joining", g->mlid);
    }
}

const struct ib_transport_class ib_transport_verbs_class = {
    .type = "verbs",
    .open = verbs_open,
    .close = verbs_close,
    .run = verbs_run,
    .wait = verbs_wait,
    .get_attr = verbs_get_attr,
    .endpoint_create = verbs_endpoint_create,
    .endpoint_destroy = verbs_endpoint_destroy,
    .endpoint_qpn = verbs_endpoint_qpn,
    .join = verbs_join,
    .leave = verbs_leave,
    .send = verbs_send,
    .recv = verbs_recv,
    .recv_wait = verbs_recv_wait,
    .get_counters = verbs_get_counters,
    .format = verbs_format,
};
