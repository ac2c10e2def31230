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

/* The "soft" IB transport: one port of the soft fabric daemon
 * (utilities/eipoib-fabric), reached over its port protocol
 * (ib-fabric-proto.h, Documentation/fabric-protocol.md).
 *
 * It plays the HCA and the SA client: it attaches (learning LID, GID, MTU
 * and the P_Key table), joins the partition's IPoIB broadcast group to get
 * its Q_Key and MTU, creates the QPs, joins groups, queries paths, and sends
 * and receives whole IB packets built and checked with ib-packet.h.
 *
 * The connection runs under an OVS reconnect FSM.  When the daemon goes
 * away, everything that lived on the connection (LID, QPs, memberships,
 * paths, packets waiting for them) is forgotten but the caller's view
 * stays: on reconnection the port attaches again, asks for the same QPNs,
 * rejoins every group and becomes active with a new epoch.
 *
 * Several soft ports opened with the same node name (one per partition)
 * are several connections attached under one name: the daemon gives them
 * one fabric port (LID, GID, P_Key table, state), each owning its QPs and
 * memberships.  Each asks for its own QPNs back after a daemon restart;
 * they do not collide, as QPNs are unique across the port. */

#include <config.h>
#include "ib-transport.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "dp-packet.h"
#include "hash.h"
#include "ib-fabric-proto.h"
#include "ib-packet.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "reconnect.h"
#include "socket-util.h"
#include "stream.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ib_transport_soft);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Datagrams held while a path or multicast LID is being resolved (Linux
 * ipoib holds 3 per path; a little more rides out a join). */
#define SOFT_RESOLVE_QUEUE_MAX 8

/* Received datagrams held for ib_port_recv(). */
#define SOFT_RX_QUEUE_MAX 1024

/* Bytes of frames held for a slow daemon before data is dropped. */
#define SOFT_TX_BUFFER_MAX (4 * 1024 * 1024)

/* Bytes read from the stream per call. */
#define SOFT_RX_CHUNK 65536

/* Resolved paths are re-queried after this long; failures are retried
 * after SOFT_RETRY_MS. */
#define SOFT_PATH_TTL_MS 60000
#define SOFT_RETRY_MS 1000

/* Counters.  "tx-drop-*" and "rx-drop-*" count datagrams by reason. */
#define SOFT_COUNTERS                                                   \
    SOFT_COUNTER(TX_PACKETS, "tx-packets")                              \
    SOFT_COUNTER(TX_BYTES, "tx-bytes")                                  \
    SOFT_COUNTER(RX_PACKETS, "rx-packets")                              \
    SOFT_COUNTER(RX_BYTES, "rx-bytes")                                  \
    SOFT_COUNTER(CONNECTS, "connects")                                  \
    SOFT_COUNTER(DISCONNECTS, "disconnects")                            \
    SOFT_COUNTER(ACTIVATIONS, "activations")                            \
    SOFT_COUNTER(PROTOCOL_ERRORS, "protocol-errors")                    \
    SOFT_COUNTER(REQUEST_ERRORS, "request-errors")                      \
    SOFT_COUNTER(JOIN_FAILURES, "join-failures")                        \
    SOFT_COUNTER(PATH_FAILURES, "path-failures")                        \
    SOFT_COUNTER(TX_DROP_PORT_DOWN, "tx-drop-port-down")                \
    SOFT_COUNTER(TX_DROP_NO_QP, "tx-drop-no-qp")                        \
    SOFT_COUNTER(TX_DROP_TOO_BIG, "tx-drop-too-big")                    \
    SOFT_COUNTER(TX_DROP_NO_PATH, "tx-drop-no-path")                    \
    SOFT_COUNTER(TX_DROP_NO_GROUP, "tx-drop-no-group")                  \
    SOFT_COUNTER(TX_DROP_QUEUE_FULL, "tx-drop-resolve-queue-full")      \
    SOFT_COUNTER(TX_DROP_BUFFER_FULL, "tx-drop-buffer-full")            \
    SOFT_COUNTER(TX_DROP_DISCONNECT, "tx-drop-disconnected")            \
    SOFT_COUNTER(RX_DROP_BAD_FRAME, "rx-drop-bad-frame")                \
    SOFT_COUNTER(RX_DROP_TOO_SHORT, "rx-drop-too-short")                \
    SOFT_COUNTER(RX_DROP_BAD_LVER, "rx-drop-bad-lver")                  \
    SOFT_COUNTER(RX_DROP_BAD_LNH, "rx-drop-bad-lnh")                    \
    SOFT_COUNTER(RX_DROP_BAD_PKTLEN, "rx-drop-bad-pktlen")              \
    SOFT_COUNTER(RX_DROP_BAD_GRH, "rx-drop-bad-grh")                    \
    SOFT_COUNTER(RX_DROP_BAD_OPCODE, "rx-drop-bad-opcode")              \
    SOFT_COUNTER(RX_DROP_BAD_TVER, "rx-drop-bad-tver")                  \
    SOFT_COUNTER(RX_DROP_BAD_PAD, "rx-drop-bad-pad")                    \
    SOFT_COUNTER(RX_DROP_BAD_ICRC, "rx-drop-bad-icrc")                  \
    SOFT_COUNTER(RX_DROP_BAD_VCRC, "rx-drop-bad-vcrc")                  \
    SOFT_COUNTER(RX_DROP_UNKNOWN_QP, "rx-drop-unknown-qp")              \
    SOFT_COUNTER(RX_DROP_DEST_QP, "rx-drop-dest-qp-mismatch")           \
    SOFT_COUNTER(RX_DROP_BAD_QKEY, "rx-drop-bad-qkey")                  \
    SOFT_COUNTER(RX_DROP_BAD_PKEY, "rx-drop-bad-pkey")                  \
    SOFT_COUNTER(RX_DROP_NOT_MEMBER, "rx-drop-not-member")              \
    SOFT_COUNTER(RX_DROP_SELF_MCAST, "rx-drop-own-multicast")           \
    SOFT_COUNTER(RX_DROP_PORT_DOWN, "rx-drop-port-down")                \
    SOFT_COUNTER(RX_DROP_QUEUE_FULL, "rx-drop-queue-full")

enum soft_counter {
#define SOFT_COUNTER(ENUM, NAME) SOFT_##ENUM,
    SOFT_COUNTERS
#undef SOFT_COUNTER
    SOFT_N_COUNTERS
};

static const char *const soft_counter_names[SOFT_N_COUNTERS] = {
#define SOFT_COUNTER(ENUM, NAME) NAME,
    SOFT_COUNTERS
#undef SOFT_COUNTER
};

/* Where the connection is. */
enum soft_state {
    SOFT_DISCONNECTED,          /* No stream, or still connecting. */
    SOFT_ATTACHING,             /* ATTACH sent. */
    SOFT_NO_PKEY,               /* Attached, but our P_Key is not in the
                                 * port's table. */
    SOFT_JOINING,               /* Joining the broadcast group. */
    SOFT_CREATING,              /* Re-creating QPs. */
    SOFT_ACTIVE,
    SOFT_LINK_DOWN,             /* The daemon says the port is down. */
};

static const char *
soft_state_name(enum soft_state state)
{
    switch (state) {
    case SOFT_DISCONNECTED:
        return "disconnected";
    case SOFT_ATTACHING:
        return "attaching";
    case SOFT_NO_PKEY:
        return "pkey-not-in-table";
    case SOFT_JOINING:
        return "joining-broadcast";
    case SOFT_CREATING:
        return "creating-qps";
    case SOFT_ACTIVE:
        return "active";
    case SOFT_LINK_DOWN:
        return "link-down";
    }
    return "unknown";
}

/* A datagram waiting for a path or a multicast LID. */
struct soft_held {
    struct ovs_list node;
    uint32_t src_qpn;
    struct ipoib_addr dst;
    size_t size;
    uint8_t data[];
};

/* A unicast path (SA PathRecord) to a port GID. */
struct soft_path {
    struct hmap_node node;      /* In soft_port's 'paths', by GID. */
    struct ipoib_gid dgid;
    bool resolved;
    bool querying;
    uint16_t dlid;
    uint8_t sl;
    long long int expires;      /* Resolved: re-query after this. */
    long long int retry_after;  /* Failed: no new query before this. */
    struct ovs_list held;       /* "struct soft_held"s. */
    size_t n_held;
};

/* What the port knows about a multicast group. */
struct soft_group {
    struct hmap_node node;      /* In soft_port's 'groups', by MGID. */
    struct ipoib_gid mgid;
    bool joined;                /* 'mlid' etc. are valid. */
    bool send_only_joining;     /* A port-level send-only join is out. */
    bool send_only;             /* The port holds a send-only join. */
    uint16_t mlid;
    uint32_t qkey;
    uint8_t sl;
    long long int retry_after;
    struct ovs_list held;       /* "struct soft_held"s. */
    size_t n_held;
};

/* An endpoint's membership of a group. */
struct soft_membership {
    struct hmap_node node;      /* In soft_endpoint's 'memberships'. */
    struct ipoib_gid mgid;
    enum ib_join_type type;
    bool joined;                /* On the current connection. */
};

struct soft_endpoint {
    struct ib_endpoint up;
    struct soft_port *port;
    struct ovs_list node;       /* In soft_port's 'endpoints'. */
    struct hmap_node qpn_node;  /* In soft_port's 'qps', while 'created'. */
    unsigned int flags;
    void *aux;
    uint32_t qpn;               /* Kept across reconnections. */
    bool created;               /* The QP exists on this connection. */
    bool creating;
    uint32_t psn;
    struct hmap memberships;
};

/* An outstanding request: replies come in request order. */
struct soft_request {
    struct ovs_list node;
    uint16_t xid;
    uint16_t type;
    struct soft_endpoint *ep;   /* QP_CREATE, MCAST_JOIN (NULL: port). */
    struct ipoib_gid gid;       /* MCAST_JOIN, PATH_QUERY. */
};

struct soft_port {
    struct ib_port up;
    struct ib_port_options options;
    char *node_name;

    /* Connection. */
    struct reconnect *reconnect;
    struct stream *stream;
    struct ofpbuf rx_buf;       /* Bytes of incomplete frames. */
    struct ofpbuf tx_buf;       /* Frames not yet taken by the stream. */
    uint16_t next_xid;
    struct ovs_list requests;   /* "struct soft_request"s. */

    /* What the fabric told us on this connection. */
    enum soft_state state;
    uint16_t lid;
    struct ipoib_gid gid;
    uint16_t port_mtu;
    uint16_t pkey;              /* From the P_Key table. */
    struct ipoib_gid bcast_mgid;
    uint16_t bcast_mtu;
    uint32_t qkey;
    uint64_t epoch;
    bool warned_pkey;

    struct ovs_list endpoints;  /* "struct soft_endpoint"s. */
    struct hmap qps;            /* Created endpoints by QPN. */
    struct hmap paths;
    struct hmap groups;

    /* Received datagrams for ib_port_recv(): a ring. */
    struct ib_recv *rxq;
    size_t rxq_head, rxq_count;

    uint64_t counters[SOFT_N_COUNTERS];
};

static void soft_disconnect(struct soft_port *, int error);
static void soft_receive(struct soft_port *);
static void soft_flush(struct soft_port *);

static struct soft_port *
soft_port_cast(const struct ib_port *port)
{
    return CONTAINER_OF(port, struct soft_port, up);
}

static struct soft_endpoint *
soft_endpoint_cast(const struct ib_endpoint *ep)
{
    return CONTAINER_OF(ep, struct soft_endpoint, up);
}

static bool
soft_is_up(const struct soft_port *sp)
{
    return sp->state == SOFT_ACTIVE || sp->state == SOFT_CREATING;
}

/* ------------------------------------------------------------------ */
/* Held datagrams. */

static bool
held_push(struct soft_port *sp, struct ovs_list *list, size_t *n,
          const struct ib_send *s)
{
    if (*n >= SOFT_RESOLVE_QUEUE_MAX) {
        sp->counters[SOFT_TX_DROP_QUEUE_FULL]++;
        return false;
    }

    struct soft_held *h = xmalloc(sizeof *h + s->size);
    h->src_qpn = soft_endpoint_cast(s->ep)->qpn;
    h->dst = s->dst;
    h->size = s->size;
    memcpy(h->data, s->data, s->size);
    ovs_list_push_back(list, &h->node);
    (*n)++;
    return true;
}

static void
held_drop(struct soft_port *sp, struct ovs_list *list, size_t *n,
          enum soft_counter reason)
{
    struct soft_held *h;

    LIST_FOR_EACH_POP (h, node, list) {
        sp->counters[reason]++;
        free(h);
    }
    *n = 0;
}

static void endpoint_join_all(struct soft_port *, struct soft_endpoint *);
static struct soft_membership *membership_find(const struct soft_endpoint *,
                                               const struct ipoib_gid *);
static void group_forget_if_unused(struct soft_port *,
                                   const struct ipoib_gid *);
static void soft_send_one(struct soft_port *, struct soft_endpoint *,
                          const struct ipoib_addr *, const void *, size_t);

/* Sends the datagrams held in 'list' now that their path or group is
 * known. */
static void
held_release(struct soft_port *sp, struct ovs_list *list, size_t *n)
{
    struct ovs_list held;
    struct soft_held *h;

    ovs_list_move(&held, list);
    ovs_list_init(list);
    *n = 0;
    LIST_FOR_EACH_POP (h, node, &held) {
        struct soft_endpoint *ep = NULL, *iter;

        HMAP_FOR_EACH_WITH_HASH (iter, qpn_node, hash_int(h->src_qpn, 0),
                                 &sp->qps) {
            if (iter->qpn == h->src_qpn) {
                ep = iter;
                break;
            }
        }
        if (ep) {
            soft_send_one(sp, ep, &h->dst, h->data, h->size);
        } else {
            sp->counters[SOFT_TX_DROP_NO_QP]++;
        }
        free(h);
    }
}

/* ------------------------------------------------------------------ */
/* Paths and groups. */

static struct soft_path *
path_find(const struct soft_port *sp, const struct ipoib_gid *gid)
{
    struct soft_path *p;

    HMAP_FOR_EACH_WITH_HASH (p, node, ib_gid_hash(gid), &sp->paths) {
        if (ib_gid_equals(&p->dgid, gid)) {
            return p;
        }
    }
    return NULL;
}

static struct soft_group *
group_find(const struct soft_port *sp, const struct ipoib_gid *mgid)
{
    struct soft_group *g;

    HMAP_FOR_EACH_WITH_HASH (g, node, ib_gid_hash(mgid), &sp->groups) {
        if (ib_gid_equals(&g->mgid, mgid)) {
            return g;
        }
    }
    return NULL;
}

static struct soft_group *
group_get(struct soft_port *sp, const struct ipoib_gid *mgid)
{
    struct soft_group *g = group_find(sp, mgid);

    if (!g) {
        g = xzalloc(sizeof *g);
        g->mgid = *mgid;
        ovs_list_init(&g->held);
        hmap_insert(&sp->groups, &g->node, ib_gid_hash(mgid));
    }
    return g;
}

/* ------------------------------------------------------------------ */
/* Requests. */

/* Queues a frame for the daemon. */
static void
soft_queue_frame_done(struct soft_port *sp)
{
    soft_flush(sp);
}

static struct soft_request *
request_new(struct soft_port *sp, uint16_t type)
{
    struct soft_request *r = xzalloc(sizeof *r);

    r->xid = sp->next_xid++;
    r->type = type;
    ovs_list_push_back(&sp->requests, &r->node);
    return r;
}

static void
request_attach(struct soft_port *sp)
{
    struct soft_request *r = request_new(sp, IBFP_ATTACH);
    struct ibfp_attach a;

    memset(&a, 0, sizeof a);
    a.version = IBFP_VERSION;
    a.guid = sp->options.guid;
    ovs_strlcpy(a.name, sp->node_name, sizeof a.name);
    ibfp_put_attach(&sp->tx_buf, r->xid, &a);
    sp->state = SOFT_ATTACHING;
    soft_queue_frame_done(sp);
}

/* Joins 'mgid' for 'ep' (full or send-only), or for the port itself (a
 * send-only join, to learn a group's MLID and Q_Key) if 'ep' is NULL. */
static void
request_join(struct soft_port *sp, struct soft_endpoint *ep,
             const struct ipoib_gid *mgid, enum ib_join_type type)
{
    struct soft_request *r = request_new(sp, IBFP_MCAST_JOIN);
    struct ibfp_join j;

    r->ep = ep;
    r->gid = *mgid;
    memset(&j, 0, sizeof j);
    j.mgid = *mgid;
    j.qpn = ep ? ep->qpn : 0;
    j.qkey = 0;
    j.pkey = sp->pkey;
    j.join_state = (ep && type == IB_JOIN_FULL
                    ? IBFP_JOIN_FULL : IBFP_JOIN_SEND_ONLY_FULL);
    ibfp_put_join(&sp->tx_buf, r->xid, &j);
    soft_queue_frame_done(sp);
}

static void
request_leave(struct soft_port *sp, struct soft_endpoint *ep,
              const struct soft_membership *m)
{
    struct soft_request *r = request_new(sp, IBFP_MCAST_LEAVE);
    struct ibfp_leave l;

    r->gid = m->mgid;
    memset(&l, 0, sizeof l);
    l.mgid = m->mgid;
    l.qpn = ep->qpn;
    l.join_state = (m->type == IB_JOIN_FULL
                    ? IBFP_JOIN_FULL : IBFP_JOIN_SEND_ONLY_FULL);
    ibfp_put_leave(&sp->tx_buf, IBFP_MCAST_LEAVE, r->xid, &l);
    soft_queue_frame_done(sp);
}

static void
request_qp_create(struct soft_port *sp, struct soft_endpoint *ep)
{
    struct soft_request *r = request_new(sp, IBFP_QP_CREATE);
    struct ibfp_qp q;

    r->ep = ep;
    memset(&q, 0, sizeof q);
    q.qpn = ep->qpn;
    q.qkey = sp->qkey;
    q.pkey = sp->pkey;
    q.flags = (ep->flags & IB_EP_BLOCK_SELF_MCAST_LOOPBACK
               ? IBFP_QP_BLOCK_SELF_MCAST : 0);
    ep->creating = true;
    ibfp_put_qp(&sp->tx_buf, IBFP_QP_CREATE, r->xid, &q);
    soft_queue_frame_done(sp);
}

static void
request_qp_destroy(struct soft_port *sp, uint32_t qpn)
{
    struct soft_request *r = request_new(sp, IBFP_QP_DESTROY);
    struct ibfp_qp_destroy d = { .qpn = qpn };

    ibfp_put_qp_destroy(&sp->tx_buf, IBFP_QP_DESTROY, r->xid, &d);
    soft_queue_frame_done(sp);
}

static void
request_path(struct soft_port *sp, struct soft_path *p)
{
    struct soft_request *r = request_new(sp, IBFP_PATH_QUERY);
    struct ibfp_path_query q;

    r->gid = p->dgid;
    memset(&q, 0, sizeof q);
    q.dgid = p->dgid;
    q.pkey = sp->pkey;
    p->querying = true;
    ibfp_put_path_query(&sp->tx_buf, r->xid, &q);
    soft_queue_frame_done(sp);
}

/* Creates the QP of each endpoint that has none, then joins its groups
 * once it has.  Returns the number of QP creations outstanding. */
static size_t
soft_create_qps(struct soft_port *sp)
{
    struct soft_endpoint *ep;
    size_t n = 0;

    LIST_FOR_EACH (ep, node, &sp->endpoints) {
        if (!ep->created && !ep->creating) {
            request_qp_create(sp, ep);
        }
        n += ep->creating;
    }
    return n;
}

static void
soft_activate(struct soft_port *sp)
{
    sp->state = SOFT_ACTIVE;
    sp->epoch++;
    sp->counters[SOFT_ACTIVATIONS]++;
    VLOG_INFO("%s: active: LID 0x%04"PRIx16", P_Key 0x%04"PRIx16", "
              "Q_Key 0x%08"PRIx32", MTU %"PRIu16,
              sp->up.name, sp->lid, sp->pkey, sp->qkey,
              MIN(sp->port_mtu, sp->bcast_mtu));
}

/* ------------------------------------------------------------------ */
/* Replies. */

static void
handle_attach_reply(struct soft_port *sp, const struct ibfp_attach_reply *a)
{
    uint16_t want = sp->options.pkey ? sp->options.pkey : IPOIB_PKEY_DEFAULT;
    bool found = false;

    sp->lid = a->lid;
    sp->gid = a->gid;
    sp->port_mtu = a->mtu;

    /* Our partition's entry; the table decides the membership. */
    for (size_t i = 0; i < a->n_pkeys; i++) {
        if ((a->pkeys[i] & 0x7fff) == (want & 0x7fff)) {
            if (!found || a->pkeys[i] == want) {
                sp->pkey = a->pkeys[i];
            }
            found = true;
        }
    }
    if (!found) {
        sp->state = SOFT_NO_PKEY;
        if (!sp->warned_pkey) {
            VLOG_WARN("%s: P_Key 0x%04"PRIx16" is not in the port's P_Key "
                      "table", sp->up.name, want);
            sp->warned_pkey = true;
        }
        return;
    }

    ipoib_broadcast_mgid(sp->pkey, IPOIB_SCOPE_LINK, &sp->bcast_mgid);
    if (a->state != IBFP_PORT_ACTIVE) {
        sp->state = SOFT_LINK_DOWN;
        return;
    }
    sp->state = SOFT_JOINING;
    request_join(sp, NULL, &sp->bcast_mgid, IB_JOIN_SEND_ONLY);
}

static void
handle_join_reply(struct soft_port *sp, struct soft_request *r,
                  const struct ibfp_join_reply *j)
{
    struct soft_group *g = group_get(sp, &r->gid);

    g->joined = true;
    g->mlid = j->mlid;
    g->qkey = j->qkey;
    g->sl = j->sl;
    if (!r->ep) {
        g->send_only_joining = false;
        g->send_only = true;
    }

    if (sp->state == SOFT_JOINING && ib_gid_equals(&r->gid, &sp->bcast_mgid)) {
        /* RFC 4391: the broadcast group's Q_Key and MTU rule the link. */
        struct soft_endpoint *ep;

        sp->qkey = j->qkey;
        sp->bcast_mtu = j->mtu;
        sp->state = SOFT_CREATING;
        LIST_FOR_EACH (ep, node, &sp->endpoints) {
            if (ep->created) {
                endpoint_join_all(sp, ep);
            }
        }
        if (!soft_create_qps(sp)) {
            soft_activate(sp);
        }
    }

    if (r->ep) {
        struct soft_membership *m;

        HMAP_FOR_EACH_WITH_HASH (m, node, ib_gid_hash(&r->gid),
                                 &r->ep->memberships) {
            if (ib_gid_equals(&m->mgid, &r->gid)) {
                m->joined = true;
            }
        }
    }
    held_release(sp, &g->held, &g->n_held);
}

static void
endpoint_join_all(struct soft_port *sp, struct soft_endpoint *ep)
{
    struct soft_membership *m;

    HMAP_FOR_EACH (m, node, &ep->memberships) {
        if (!m->joined) {
            request_join(sp, ep, &m->mgid, m->type);
        }
    }
}

static void
handle_qp_reply(struct soft_port *sp, struct soft_request *r,
                const struct ibfp_qp *q)
{
    struct soft_endpoint *ep = r->ep;

    if (!ep) {
        /* Destroyed meanwhile. */
        request_qp_destroy(sp, q->qpn);
        return;
    }
    if (ep->qpn && ep->qpn != q->qpn) {
        VLOG_INFO("%s: QPN 0x%06"PRIx32" is now 0x%06"PRIx32,
                  sp->up.name, ep->qpn, q->qpn);
    }
    ep->qpn = q->qpn;
    ep->creating = false;
    ep->created = true;
    hmap_insert(&sp->qps, &ep->qpn_node, hash_int(ep->qpn, 0));
    endpoint_join_all(sp, ep);

    if (sp->state == SOFT_CREATING && !soft_create_qps(sp)) {
        soft_activate(sp);
    }
}

static void
handle_path_reply(struct soft_port *sp, struct soft_request *r,
                  const struct ibfp_path *path)
{
    struct soft_path *p = path_find(sp, &r->gid);

    if (p) {
        p->querying = false;
        p->resolved = true;
        p->dlid = path->dlid;
        p->sl = path->sl;
        p->expires = time_msec() + SOFT_PATH_TTL_MS;
        held_release(sp, &p->held, &p->n_held);
    }
}

static void
handle_error(struct soft_port *sp, struct soft_request *r,
             const struct ibfp_error_msg *e)
{
    const char *name = ibfp_type_name(r->type);

    sp->counters[SOFT_REQUEST_ERRORS]++;
    if (r->type == IBFP_PATH_QUERY) {
        /* No path (e.g. a partition not shared): the network's answer,
         * not a fault of ours. */
        VLOG_INFO_RL(&rl, "%s: %s failed: %s (%.*s)", sp->up.name,
                     name ? name : "request", ibfp_error_name(e->code),
                     (int) MIN(e->reason_len, 200), e->reason);
    } else {
        VLOG_WARN_RL(&rl, "%s: %s failed: %s (%.*s)", sp->up.name,
                     name ? name : "request", ibfp_error_name(e->code),
                     (int) MIN(e->reason_len, 200), e->reason);
    }

    switch (r->type) {
    case IBFP_ATTACH:
        /* Try again later (e.g. the port attached under our name has
         * another GUID than the one we ask for, or no LID is free). */
        soft_disconnect(sp, EPROTO);
        break;

    case IBFP_QP_CREATE:
        if (r->ep) {
            r->ep->creating = false;
            if (e->code == IBFP_ERR_EXISTS && r->ep->qpn) {
                /* Our old QPN is taken (e.g. by a QP another connection
                 * of our port created meanwhile): take any. */
                r->ep->qpn = 0;
                request_qp_create(sp, r->ep);
            }
        }
        if (sp->state == SOFT_CREATING && !soft_create_qps(sp)) {
            soft_activate(sp);
        }
        break;

    case IBFP_MCAST_JOIN: {
        struct soft_group *g = group_find(sp, &r->gid);

        sp->counters[SOFT_JOIN_FAILURES]++;
        if (g) {
            g->send_only_joining = false;
            g->retry_after = time_msec() + SOFT_RETRY_MS;
            held_drop(sp, &g->held, &g->n_held, SOFT_TX_DROP_NO_GROUP);
        }
        if (sp->state == SOFT_JOINING
            && ib_gid_equals(&r->gid, &sp->bcast_mgid)) {
            /* Without the broadcast group there is no link: retry. */
            soft_disconnect(sp, EPROTO);
        }
        break;
    }

    case IBFP_PATH_QUERY: {
        struct soft_path *p = path_find(sp, &r->gid);

        sp->counters[SOFT_PATH_FAILURES]++;
        if (p) {
            p->querying = false;
            p->resolved = false;
            p->retry_after = time_msec() + SOFT_RETRY_MS;
            held_drop(sp, &p->held, &p->n_held, SOFT_TX_DROP_NO_PATH);
        }
        break;
    }

    default:
        break;
    }
}

/* The port went down: the SM dropped every multicast membership of the
 * port (QPs stay). */
static void
soft_forget_groups(struct soft_port *sp, enum soft_counter reason)
{
    struct soft_endpoint *ep;
    struct soft_group *g;

    LIST_FOR_EACH (ep, node, &sp->endpoints) {
        struct soft_membership *m;

        HMAP_FOR_EACH (m, node, &ep->memberships) {
            m->joined = false;
        }
    }
    HMAP_FOR_EACH_POP (g, node, &sp->groups) {
        held_drop(sp, &g->held, &g->n_held, reason);
        free(g);
    }
}

static void
handle_port_event(struct soft_port *sp, const struct ibfp_port_event *ev)
{
    if (sp->state == SOFT_DISCONNECTED || sp->state == SOFT_ATTACHING
        || sp->state == SOFT_NO_PKEY) {
        return;
    }

    if (ev->state == IBFP_PORT_DOWN) {
        VLOG_INFO("%s: port down", sp->up.name);
        sp->state = SOFT_LINK_DOWN;
        soft_forget_groups(sp, SOFT_TX_DROP_PORT_DOWN);
        return;
    }

    if (ev->lid != sp->lid) {
        /* Paths learned under the old LID may be wrong too. */
        struct soft_path *p;

        HMAP_FOR_EACH_POP (p, node, &sp->paths) {
            held_drop(sp, &p->held, &p->n_held, SOFT_TX_DROP_NO_PATH);
            free(p);
        }
        sp->lid = ev->lid;
        if (sp->state == SOFT_ACTIVE) {
            sp->epoch++;
        }
    }
    if (sp->state == SOFT_LINK_DOWN) {
        /* Rejoin everything, as Linux ipoib does on PORT_ACTIVE. */
        VLOG_INFO("%s: port up", sp->up.name);
        sp->state = SOFT_JOINING;
        request_join(sp, NULL, &sp->bcast_mgid, IB_JOIN_SEND_ONLY);
    }
}

/* ------------------------------------------------------------------ */
/* Receiving datagrams. */

static bool
pkey_matches(uint16_t a, uint16_t b)
{
    /* Same partition, and not both limited members. */
    return ((a & 0x7fff) == (b & 0x7fff)
            && ((a | b) & IPOIB_PKEY_FULL_MEMBER));
}

static void
handle_data(struct soft_port *sp, const struct ibfp_data *d)
{
    static const enum soft_counter parse_counters[IB_PARSE_N_ERRORS] = {
        [IB_PARSE_TOO_SHORT] = SOFT_RX_DROP_TOO_SHORT,
        [IB_PARSE_BAD_LVER] = SOFT_RX_DROP_BAD_LVER,
        [IB_PARSE_BAD_LNH] = SOFT_RX_DROP_BAD_LNH,
        [IB_PARSE_BAD_PKTLEN] = SOFT_RX_DROP_BAD_PKTLEN,
        [IB_PARSE_BAD_GRH] = SOFT_RX_DROP_BAD_GRH,
        [IB_PARSE_BAD_OPCODE] = SOFT_RX_DROP_BAD_OPCODE,
        [IB_PARSE_BAD_TVER] = SOFT_RX_DROP_BAD_TVER,
        [IB_PARSE_BAD_PAD] = SOFT_RX_DROP_BAD_PAD,
        [IB_PARSE_BAD_ICRC] = SOFT_RX_DROP_BAD_ICRC,
        [IB_PARSE_BAD_VCRC] = SOFT_RX_DROP_BAD_VCRC,
    };
    struct ib_ud_fields f;
    const uint8_t *payload;
    size_t payload_len;

    if (sp->state != SOFT_ACTIVE && sp->state != SOFT_CREATING) {
        sp->counters[SOFT_RX_DROP_PORT_DOWN]++;
        return;
    }

    enum ib_parse_error error = ib_ud_parse(d->packet, d->packet_len, true,
                                            &f, &payload, &payload_len);
    if (error != IB_PARSE_OK) {
        sp->counters[error < IB_PARSE_N_ERRORS && parse_counters[error]
                     ? parse_counters[error] : SOFT_RX_DROP_BAD_FRAME]++;
        return;
    }

    struct soft_endpoint *ep = NULL, *iter;
    HMAP_FOR_EACH_WITH_HASH (iter, qpn_node, hash_int(d->qpn, 0), &sp->qps) {
        if (iter->qpn == d->qpn) {
            ep = iter;
            break;
        }
    }
    if (!ep) {
        sp->counters[SOFT_RX_DROP_UNKNOWN_QP]++;
        return;
    }

    /* What an HCA checks before a UD QP takes a packet. */
    bool mcast = ib_lid_is_multicast(f.dlid);
    if (!pkey_matches(f.pkey, sp->pkey)) {
        sp->counters[SOFT_RX_DROP_BAD_PKEY]++;
        return;
    }
    if (f.qkey != sp->qkey) {
        sp->counters[SOFT_RX_DROP_BAD_QKEY]++;
        return;
    }

    enum ib_dest_kind dest = IB_DEST_UNICAST;
    if (mcast) {
        struct soft_membership *m = NULL, *miter;

        if (f.dest_qp != IPOIB_MCAST_QPN || !f.has_grh) {
            sp->counters[SOFT_RX_DROP_DEST_QP]++;
            return;
        }
        HMAP_FOR_EACH_WITH_HASH (miter, node, ib_gid_hash(&f.dgid),
                                 &ep->memberships) {
            if (ib_gid_equals(&miter->mgid, &f.dgid)
                && miter->type == IB_JOIN_FULL) {
                m = miter;
                break;
            }
        }
        if (!m) {
            sp->counters[SOFT_RX_DROP_NOT_MEMBER]++;
            return;
        }
        if (ep->flags & IB_EP_BLOCK_SELF_MCAST_LOOPBACK
            && f.slid == sp->lid && f.src_qp == ep->qpn) {
            sp->counters[SOFT_RX_DROP_SELF_MCAST]++;
            return;
        }
        dest = (ib_gid_equals(&f.dgid, &sp->bcast_mgid)
                ? IB_DEST_BROADCAST : IB_DEST_MULTICAST);
    } else if (f.dest_qp != ep->qpn) {
        sp->counters[SOFT_RX_DROP_DEST_QP]++;
        return;
    }

    if (sp->rxq_count >= SOFT_RX_QUEUE_MAX) {
        sp->counters[SOFT_RX_DROP_QUEUE_FULL]++;
        return;
    }

    struct dp_packet *pkt = dp_packet_new_with_headroom(
        payload_len, sp->options.rx_headroom);
    dp_packet_put(pkt, payload, payload_len);

    struct ib_recv *rv = &sp->rxq[(sp->rxq_head + sp->rxq_count)
                                  % SOFT_RX_QUEUE_MAX];
    sp->rxq_count++;
    memset(rv, 0, sizeof *rv);
    rv->packet = pkt;
    rv->ep = &ep->up;
    rv->ep_aux = ep->aux;
    rv->src_qpn = f.src_qp;
    rv->slid = f.slid;
    rv->has_grh = f.has_grh;
    if (f.has_grh) {
        rv->sgid = f.sgid;
        rv->dgid = f.dgid;
    }
    rv->dest = dest;
    sp->counters[SOFT_RX_PACKETS]++;
    sp->counters[SOFT_RX_BYTES] += payload_len;
}

/* ------------------------------------------------------------------ */
/* Frames from the daemon. */

static void
protocol_error(struct soft_port *sp, const char *what, uint16_t type)
{
    const char *name = ibfp_type_name(type);

    sp->counters[SOFT_PROTOCOL_ERRORS]++;
    VLOG_WARN_RL(&rl, "%s: protocol error: %s (message %s)", sp->up.name,
                 what, name ? name : "unknown");
    soft_disconnect(sp, EPROTO);
}

/* Handles one frame.  Returns false if the connection was closed. */
static bool
handle_frame(struct soft_port *sp, const struct ibfp_frame *fr)
{
    if (fr->type == IBFP_DATA) {
        struct ibfp_data d;

        if (ibfp_decode_data(fr->body, fr->body_len, &d)) {
            sp->counters[SOFT_RX_DROP_BAD_FRAME]++;
        } else {
            handle_data(sp, &d);
        }
        return true;
    } else if (fr->type == IBFP_PORT_EVENT) {
        struct ibfp_port_event ev;

        if (ibfp_decode_port_event(fr->body, fr->body_len, &ev)) {
            protocol_error(sp, "bad port event", fr->type);
            return false;
        }
        handle_port_event(sp, &ev);
        return true;
    }

    /* Everything else answers our oldest request. */
    if (ovs_list_is_empty(&sp->requests)) {
        protocol_error(sp, "unexpected reply", fr->type);
        return false;
    }
    struct soft_request *r = CONTAINER_OF(ovs_list_front(&sp->requests),
                                          struct soft_request, node);
    if (fr->xid != r->xid
        || (fr->type != IBFP_ERROR && fr->type != (r->type | IBFP_REPLY))) {
        protocol_error(sp, "reply does not match request", fr->type);
        return false;
    }
    ovs_list_remove(&r->node);

    int error = 0;
    if (fr->type == IBFP_ERROR) {
        struct ibfp_error_msg e;

        error = ibfp_decode_error(fr->body, fr->body_len, &e);
        if (!error) {
            handle_error(sp, r, &e);
        }
    } else {
        switch (r->type) {
        case IBFP_ATTACH: {
            struct ibfp_attach_reply a;

            error = ibfp_decode_attach_reply(fr->body, fr->body_len, &a);
            if (!error) {
                handle_attach_reply(sp, &a);
            }
            break;
        }
        case IBFP_QP_CREATE: {
            struct ibfp_qp q;

            error = ibfp_decode_qp(fr->body, fr->body_len, &q);
            if (!error) {
                handle_qp_reply(sp, r, &q);
            }
            break;
        }
        case IBFP_MCAST_JOIN: {
            struct ibfp_join_reply j;

            error = ibfp_decode_join_reply(fr->body, fr->body_len, &j);
            if (!error) {
                handle_join_reply(sp, r, &j);
            }
            break;
        }
        case IBFP_PATH_QUERY: {
            struct ibfp_path p;

            error = ibfp_decode_path(fr->body, fr->body_len, &p);
            if (!error) {
                handle_path_reply(sp, r, &p);
            }
            break;
        }
        default:
            /* QP_DESTROY, MCAST_LEAVE: nothing to learn. */
            break;
        }
    }
    free(r);

    if (error) {
        protocol_error(sp, "malformed reply", fr->type);
        return false;
    }
    return sp->stream != NULL;
}

/* Reads what the daemon sent and handles every complete frame. */
static void
soft_receive(struct soft_port *sp)
{
    if (!sp->stream || !reconnect_is_connected(sp->reconnect)) {
        return;
    }

    ofpbuf_prealloc_tailroom(&sp->rx_buf, SOFT_RX_CHUNK);
    int retval = stream_recv(sp->stream, ofpbuf_tail(&sp->rx_buf),
                             SOFT_RX_CHUNK);
    if (retval > 0) {
        sp->rx_buf.size += retval;
        reconnect_activity(sp->reconnect, time_msec());
    } else if (retval == 0) {
        VLOG_INFO("%s: fabric closed the connection", sp->up.name);
        soft_disconnect(sp, EOF);
        return;
    } else if (retval != -EAGAIN) {
        soft_disconnect(sp, -retval);
        return;
    }

    size_t ofs = 0;
    while (sp->stream) {
        struct ibfp_frame fr;
        size_t frame_len;
        int error = ibfp_frame_peek((uint8_t *) sp->rx_buf.data + ofs,
                                    sp->rx_buf.size - ofs, &fr, &frame_len);
        if (error == EAGAIN) {
            break;
        } else if (error) {
            protocol_error(sp, "bad frame length", 0);
            return;
        }
        ofs += frame_len;
        if (!handle_frame(sp, &fr)) {
            return;
        }
    }
    if (sp->stream) {
        ofpbuf_pull(&sp->rx_buf, ofs);
        /* Keep the buffer from creeping forward forever. */
        if (!sp->rx_buf.size) {
            ofpbuf_clear(&sp->rx_buf);
        }
    }
}

/* Gives queued frames to the stream. */
static void
soft_flush(struct soft_port *sp)
{
    if (!sp->stream || !reconnect_is_connected(sp->reconnect)) {
        return;
    }
    while (sp->tx_buf.size) {
        int retval = stream_send(sp->stream, sp->tx_buf.data,
                                 sp->tx_buf.size);
        if (retval > 0) {
            ofpbuf_pull(&sp->tx_buf, retval);
        } else if (retval == -EAGAIN) {
            return;
        } else {
            soft_disconnect(sp, -retval);
            return;
        }
    }
    ofpbuf_clear(&sp->tx_buf);
}

/* ------------------------------------------------------------------ */
/* Connection. */

/* Forgets everything that lived on the connection. */
static void
soft_disconnect(struct soft_port *sp, int error)
{
    if (sp->stream) {
        stream_close(sp->stream);
        sp->stream = NULL;
        sp->counters[SOFT_DISCONNECTS]++;
        reconnect_disconnected(sp->reconnect, time_msec(), error);
    }
    ofpbuf_clear(&sp->rx_buf);
    ofpbuf_clear(&sp->tx_buf);

    struct soft_request *r;
    LIST_FOR_EACH_POP (r, node, &sp->requests) {
        free(r);
    }

    struct soft_endpoint *ep;
    LIST_FOR_EACH (ep, node, &sp->endpoints) {
        struct soft_membership *m;

        if (ep->created) {
            hmap_remove(&sp->qps, &ep->qpn_node);
        }
        ep->created = ep->creating = false;
        HMAP_FOR_EACH (m, node, &ep->memberships) {
            m->joined = false;
        }
    }

    struct soft_path *p;
    HMAP_FOR_EACH_POP (p, node, &sp->paths) {
        held_drop(sp, &p->held, &p->n_held, SOFT_TX_DROP_DISCONNECT);
        free(p);
    }
    struct soft_group *g;
    HMAP_FOR_EACH_POP (g, node, &sp->groups) {
        held_drop(sp, &g->held, &g->n_held, SOFT_TX_DROP_DISCONNECT);
        free(g);
    }

    sp->state = SOFT_DISCONNECTED;
    sp->lid = 0;
    sp->qkey = 0;
    sp->bcast_mtu = 0;
}

static void
soft_connected(struct soft_port *sp)
{
    sp->counters[SOFT_CONNECTS]++;
    request_attach(sp);
}

static int
soft_open(const struct ib_transport_class *class, const char *name,
          const struct ib_port_options *options, struct ib_port **portp)
{
    int error = stream_verify_name(name);
    if (error) {
        VLOG_WARN("%s: not a valid stream name for the soft fabric (%s)",
                  name, ovs_strerror(error));
        return error;
    }

    struct soft_port *sp = xzalloc(sizeof *sp);
    sp->up.class = class;
    sp->up.name = xstrdup(name);
    if (options) {
        sp->options = *options;
    }
    sp->options.node_name = NULL;
    if (options && options->node_name && options->node_name[0]) {
        sp->node_name = xstrdup(options->node_name);
    } else {
        char hostname[64];

        if (gethostname(hostname, sizeof hostname)) {
            ovs_strlcpy(hostname, "host", sizeof hostname);
        }
        hostname[sizeof hostname - 1] = '\0';
        sp->node_name = xasprintf("%.40s-%ld", hostname, (long) getpid());
    }
    if (strlen(sp->node_name) >= IBFP_NAME_LEN) {
        sp->node_name[IBFP_NAME_LEN - 1] = '\0';
    }
    for (char *c = sp->node_name; *c; c++) {
        if (*c <= ' ' || *c > '~') {
            *c = '_';
        }
    }
    sp->pkey = sp->options.pkey ? sp->options.pkey : IPOIB_PKEY_DEFAULT;

    ofpbuf_init(&sp->rx_buf, SOFT_RX_CHUNK);
    ofpbuf_init(&sp->tx_buf, 4096);
    ovs_list_init(&sp->requests);
    ovs_list_init(&sp->endpoints);
    hmap_init(&sp->qps);
    hmap_init(&sp->paths);
    hmap_init(&sp->groups);
    sp->rxq = xcalloc(SOFT_RX_QUEUE_MAX, sizeof *sp->rxq);
    sp->next_xid = 1;
    sp->state = SOFT_DISCONNECTED;

    long long int now = time_msec();
    sp->reconnect = reconnect_create(now);
    reconnect_set_name(sp->reconnect, name);
    reconnect_set_passive(sp->reconnect, false, now);
    reconnect_set_backoff(sp->reconnect, 1000, 1000);
    reconnect_set_probe_interval(sp->reconnect, 0);
    reconnect_set_max_tries(sp->reconnect, UINT_MAX);
    reconnect_enable(sp->reconnect, now);

    *portp = &sp->up;
    ib_port_run(*portp);
    return 0;
}

static void
soft_close(struct ib_port *port)
{
    struct soft_port *sp = soft_port_cast(port);
    struct soft_endpoint *ep;

    soft_disconnect(sp, 0);
    LIST_FOR_EACH_POP (ep, node, &sp->endpoints) {
        struct soft_membership *m;

        HMAP_FOR_EACH_POP (m, node, &ep->memberships) {
            free(m);
        }
        hmap_destroy(&ep->memberships);
        free(ep);
    }
    while (sp->rxq_count) {
        dp_packet_delete(sp->rxq[sp->rxq_head].packet);
        sp->rxq_head = (sp->rxq_head + 1) % SOFT_RX_QUEUE_MAX;
        sp->rxq_count--;
    }
    free(sp->rxq);
    hmap_destroy(&sp->qps);
    hmap_destroy(&sp->paths);
    hmap_destroy(&sp->groups);
    ofpbuf_uninit(&sp->rx_buf);
    ofpbuf_uninit(&sp->tx_buf);
    reconnect_destroy(sp->reconnect);
    free(sp->node_name);
    free(sp->up.name);
    free(sp);
}

static void
soft_run(struct ib_port *port)
{
    struct soft_port *sp = soft_port_cast(port);
    long long int now = time_msec();

    switch (reconnect_run(sp->reconnect, now)) {
    case RECONNECT_CONNECT: {
        int error;

        if (sp->stream) {
            error = stream_connect(sp->stream);
        } else {
            error = stream_open(reconnect_get_name(sp->reconnect),
                                &sp->stream, DSCP_DEFAULT);
        }
        if (!error) {
            reconnect_connected(sp->reconnect, now);
            soft_connected(sp);
        } else if (error == EAGAIN) {
            reconnect_connecting(sp->reconnect, now);
        } else {
            reconnect_connect_failed(sp->reconnect, now, error);
            stream_close(sp->stream);
            sp->stream = NULL;
        }
        break;
    }
    case RECONNECT_DISCONNECT:
        soft_disconnect(sp, 0);
        break;
    case RECONNECT_PROBE:
    default:
        break;
    }

    if (sp->stream) {
        stream_run(sp->stream);
        soft_flush(sp);
        /* Bounded: one chunk per call, and none while received datagrams
         * pile up, so that a busy fabric neither starves the caller's main
         * loop nor overflows the queue (the socket pushes back instead). */
        if (sp->rxq_count < SOFT_RX_QUEUE_MAX / 2) {
            soft_receive(sp);
        }
    }
}

static void
soft_wait(struct ib_port *port)
{
    struct soft_port *sp = soft_port_cast(port);

    reconnect_wait(sp->reconnect, time_msec());
    if (sp->stream) {
        if (reconnect_is_connected(sp->reconnect)) {
            stream_run_wait(sp->stream);
            stream_recv_wait(sp->stream);
            if (sp->tx_buf.size) {
                stream_send_wait(sp->stream);
            }
        } else {
            stream_connect_wait(sp->stream);
        }
    }
}

static void
soft_get_attr(const struct ib_port *port, struct ib_port_attr *attr)
{
    const struct soft_port *sp = soft_port_cast(port);

    switch (sp->state) {
    case SOFT_DISCONNECTED:
    case SOFT_LINK_DOWN:
        attr->state = IB_PORT_DOWN;
        break;
    case SOFT_ATTACHING:
    case SOFT_NO_PKEY:
    case SOFT_JOINING:
    case SOFT_CREATING:
        attr->state = IB_PORT_INIT;
        break;
    case SOFT_ACTIVE:
        attr->state = IB_PORT_ACTIVE;
        break;
    }
    attr->lid = sp->lid;
    attr->gid = sp->gid;
    attr->pkey = sp->pkey;
    attr->ib_mtu = (sp->bcast_mtu
                    ? MIN(sp->port_mtu, sp->bcast_mtu) : sp->port_mtu);
    attr->qkey = sp->qkey;
    attr->epoch = sp->epoch;
}

/* ------------------------------------------------------------------ */
/* Endpoints and groups. */

static int
soft_endpoint_create(struct ib_port *port, unsigned int flags, void *aux,
                     struct ib_endpoint **epp)
{
    struct soft_port *sp = soft_port_cast(port);
    struct soft_endpoint *ep = xzalloc(sizeof *ep);

    ep->up.port = port;
    ep->port = sp;
    ep->flags = flags;
    ep->aux = aux;
    hmap_init(&ep->memberships);
    ovs_list_push_back(&sp->endpoints, &ep->node);
    if (soft_is_up(sp)) {
        request_qp_create(sp, ep);
    }
    *epp = &ep->up;
    return 0;
}

static void
soft_endpoint_destroy(struct ib_endpoint *ep_)
{
    struct soft_endpoint *ep = soft_endpoint_cast(ep_);
    struct soft_port *sp = ep->port;
    struct soft_request *r;
    struct soft_membership *m;

    LIST_FOR_EACH (r, node, &sp->requests) {
        if (r->ep == ep) {
            r->ep = NULL;
        }
    }
    if (ep->created) {
        HMAP_FOR_EACH (m, node, &ep->memberships) {
            if (m->joined) {
                request_leave(sp, ep, m);
            }
        }
        request_qp_destroy(sp, ep->qpn);
        hmap_remove(&sp->qps, &ep->qpn_node);
    }
    struct ipoib_gid *left = xmalloc(hmap_count(&ep->memberships)
                                     * sizeof *left + 1);
    size_t n_left = 0;
    HMAP_FOR_EACH_POP (m, node, &ep->memberships) {
        left[n_left++] = m->mgid;
        free(m);
    }
    hmap_destroy(&ep->memberships);
    ovs_list_remove(&ep->node);
    for (size_t i = 0; i < n_left; i++) {
        group_forget_if_unused(sp, &left[i]);
    }
    free(left);

    /* Received datagrams still queued for it lose their endpoint. */
    for (size_t i = 0; i < sp->rxq_count; i++) {
        struct ib_recv *rv = &sp->rxq[(sp->rxq_head + i) % SOFT_RX_QUEUE_MAX];
        if (rv->ep == &ep->up) {
            rv->ep = NULL;
        }
    }
    free(ep);
}

static uint32_t
soft_endpoint_qpn(const struct ib_endpoint *ep_)
{
    const struct soft_endpoint *ep = soft_endpoint_cast(ep_);

    return ep->created ? ep->qpn : 0;
}

static struct soft_membership *
membership_find(const struct soft_endpoint *ep, const struct ipoib_gid *mgid)
{
    struct soft_membership *m;

    HMAP_FOR_EACH_WITH_HASH (m, node, ib_gid_hash(mgid), &ep->memberships) {
        if (ib_gid_equals(&m->mgid, mgid)) {
            return m;
        }
    }
    return NULL;
}

static int
soft_join(struct ib_endpoint *ep_, const struct ipoib_gid *mgid,
          enum ib_join_type type)
{
    struct soft_endpoint *ep = soft_endpoint_cast(ep_);
    struct soft_port *sp = ep->port;
    struct soft_membership *m = membership_find(ep, mgid);

    if (m) {
        if (m->type == type) {
            return 0;
        }
        if (m->joined) {
            request_leave(sp, ep, m);
        }
        m->type = type;
        m->joined = false;
    } else {
        m = xzalloc(sizeof *m);
        m->mgid = *mgid;
        m->type = type;
        hmap_insert(&ep->memberships, &m->node, ib_gid_hash(mgid));
    }
    if (ep->created) {
        request_join(sp, ep, mgid, type);
    }
    return 0;
}

/* After the port's last membership of 'mgid' went, the SM may delete the
 * group and reuse its MLID: forget it, so that a later send joins again. */
static void
group_forget_if_unused(struct soft_port *sp, const struct ipoib_gid *mgid)
{
    struct soft_group *g = group_find(sp, mgid);
    struct soft_endpoint *ep;

    if (!g || g->send_only || g->send_only_joining) {
        return;
    }
    LIST_FOR_EACH (ep, node, &sp->endpoints) {
        if (membership_find(ep, mgid)) {
            return;
        }
    }
    held_drop(sp, &g->held, &g->n_held, SOFT_TX_DROP_NO_GROUP);
    hmap_remove(&sp->groups, &g->node);
    free(g);
}

static int
soft_leave(struct ib_endpoint *ep_, const struct ipoib_gid *mgid)
{
    struct soft_endpoint *ep = soft_endpoint_cast(ep_);
    struct soft_membership *m = membership_find(ep, mgid);

    if (!m) {
        return ENOENT;
    }
    if (m->joined && ep->created) {
        request_leave(ep->port, ep, m);
    }
    hmap_remove(&ep->memberships, &m->node);
    free(m);
    group_forget_if_unused(ep->port, mgid);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Sending. */

/* Builds and queues the IB packet for one datagram whose DLID is known. */
static void
soft_transmit(struct soft_port *sp, struct soft_endpoint *ep,
              const struct ipoib_addr *dst, uint16_t dlid, uint8_t sl,
              const void *data, size_t size)
{
    bool mcast = ipoib_addr_is_multicast(dst);
    size_t pkt_len = ib_ud_packet_len(mcast, size);

    if (sp->tx_buf.size + pkt_len > SOFT_TX_BUFFER_MAX) {
        sp->counters[SOFT_TX_DROP_BUFFER_FULL]++;
        return;
    }

    struct ib_ud_fields f;
    memset(&f, 0, sizeof f);
    f.sl = sl;
    f.dlid = dlid;
    f.slid = sp->lid;
    f.has_grh = mcast;
    if (mcast) {
        f.hop_limit = 1;
        f.sgid = sp->gid;
        ipoib_addr_get_gid(dst, &f.dgid);
    }
    f.pkey = sp->pkey;
    f.dest_qp = ipoib_addr_qpn(dst);
    f.psn = ep->psn++ & 0xffffff;
    f.qkey = sp->qkey;
    f.src_qp = ep->qpn;

    uint8_t *pkt = ibfp_put_data_uninit(&sp->tx_buf, ep->qpn, pkt_len);
    memcpy(pkt + ib_ud_header_len(mcast), data, size);
    ib_ud_encap(pkt, &f, size);

    sp->counters[SOFT_TX_PACKETS]++;
    sp->counters[SOFT_TX_BYTES] += size;
}

/* Sends one datagram, resolving its path or group first if needed.
 * 'ep' must have a QP. */
static void
soft_send_one(struct soft_port *sp, struct soft_endpoint *ep,
              const struct ipoib_addr *dst, const void *data, size_t size)
{
    struct ib_send s = { .ep = &ep->up, .dst = *dst, .data = data,
                         .size = size };
    long long int now = time_msec();
    struct ipoib_gid dgid;

    ipoib_addr_get_gid(dst, &dgid);
    if (ipoib_addr_is_multicast(dst)) {
        struct soft_group *g = group_get(sp, &dgid);

        if (g->joined) {
            soft_transmit(sp, ep, dst, g->mlid, g->sl, data, size);
            return;
        }
        if (!g->send_only_joining) {
            if (now < g->retry_after) {
                sp->counters[SOFT_TX_DROP_NO_GROUP]++;
                return;
            }
            /* Like Linux ipoib_mcast_send(): join send-only, hold. */
            g->send_only_joining = true;
            request_join(sp, NULL, &dgid, IB_JOIN_SEND_ONLY);
        }
        held_push(sp, &g->held, &g->n_held, &s);
        return;
    }

    struct soft_path *p = path_find(sp, &dgid);
    if (!p) {
        p = xzalloc(sizeof *p);
        p->dgid = dgid;
        ovs_list_init(&p->held);
        hmap_insert(&sp->paths, &p->node, ib_gid_hash(&dgid));
    }
    if (p->resolved) {
        if (now >= p->expires && !p->querying) {
            /* Refresh in the background; keep using the old path. */
            request_path(sp, p);
        }
        soft_transmit(sp, ep, dst, p->dlid, p->sl, data, size);
        return;
    }
    if (!p->querying) {
        if (now < p->retry_after) {
            sp->counters[SOFT_TX_DROP_NO_PATH]++;
            return;
        }
        request_path(sp, p);
    }
    held_push(sp, &p->held, &p->n_held, &s);
}

static size_t
soft_send(struct ib_port *port, const struct ib_send *sends, size_t n)
{
    struct soft_port *sp = soft_port_cast(port);
    uint32_t mtu = (sp->bcast_mtu
                    ? MIN(sp->port_mtu, sp->bcast_mtu) : sp->port_mtu);
    size_t n_sent = 0;

    for (size_t i = 0; i < n; i++) {
        const struct ib_send *s = &sends[i];
        struct soft_endpoint *ep = soft_endpoint_cast(s->ep);

        if (sp->state != SOFT_ACTIVE && sp->state != SOFT_CREATING) {
            sp->counters[SOFT_TX_DROP_PORT_DOWN]++;
        } else if (!ep->created) {
            sp->counters[SOFT_TX_DROP_NO_QP]++;
        } else if (s->size > mtu) {
            sp->counters[SOFT_TX_DROP_TOO_BIG]++;
        } else {
            soft_send_one(sp, ep, &s->dst, s->data, s->size);
            n_sent++;
        }
    }
    soft_flush(sp);
    return n_sent;
}

/* ------------------------------------------------------------------ */
/* Receiving. */

static int
soft_recv(struct ib_port *port, struct ib_recv *recvs, size_t max,
          size_t *n)
{
    struct soft_port *sp = soft_port_cast(port);

    if (!sp->rxq_count) {
        soft_receive(sp);
    }
    while (*n < max && sp->rxq_count) {
        struct ib_recv *rv = &sp->rxq[sp->rxq_head];

        sp->rxq_head = (sp->rxq_head + 1) % SOFT_RX_QUEUE_MAX;
        sp->rxq_count--;
        if (!rv->ep) {
            dp_packet_delete(rv->packet);
            sp->counters[SOFT_RX_DROP_UNKNOWN_QP]++;
            continue;
        }
        recvs[(*n)++] = *rv;
    }
    return *n ? 0 : EAGAIN;
}

static void
soft_recv_wait(struct ib_port *port)
{
    struct soft_port *sp = soft_port_cast(port);

    if (sp->rxq_count) {
        poll_immediate_wake();
    } else if (sp->stream && reconnect_is_connected(sp->reconnect)) {
        stream_recv_wait(sp->stream);
    }
}

/* ------------------------------------------------------------------ */
/* Counters and status. */

static void
soft_get_counters(const struct ib_port *port, struct ib_counter **countersp,
                  size_t *n)
{
    const struct soft_port *sp = soft_port_cast(port);
    struct ib_counter *c = xmalloc(SOFT_N_COUNTERS * sizeof *c);

    for (size_t i = 0; i < SOFT_N_COUNTERS; i++) {
        c[i].name = soft_counter_names[i];
        c[i].value = sp->counters[i];
    }
    *countersp = c;
    *n = SOFT_N_COUNTERS;
}

static void
soft_format(const struct ib_port *port, struct ds *s)
{
    const struct soft_port *sp = soft_port_cast(port);
    const struct soft_endpoint *ep;

    ds_put_format(s, "  fabric: %s node=%s connection=%s\n",
                  soft_state_name(sp->state), sp->node_name,
                  reconnect_is_connected(sp->reconnect)
                  ? "connected" : "disconnected");
    LIST_FOR_EACH (ep, node, &sp->endpoints) {
        const struct soft_membership *m;

        ds_put_format(s, "  qp 0x%06"PRIx32"%s\n", ep->qpn,
                      ep->created ? "" : " (not created)");
        HMAP_FOR_EACH (m, node, &ep->memberships) {
            char gid[IPOIB_GID_STRLEN];

            ds_put_format(s, "    group %s %s%s\n",
                          ipoib_gid_format(&m->mgid, gid),
                          m->type == IB_JOIN_FULL ? "full" : "send-only",
                          m->joined ? "" : " (joining)");
        }
    }
}

const struct ib_transport_class ib_transport_soft_class = {
    .type = "soft",
    .open = soft_open,
    .close = soft_close,
    .run = soft_run,
    .wait = soft_wait,
    .get_attr = soft_get_attr,
    .endpoint_create = soft_endpoint_create,
    .endpoint_destroy = soft_endpoint_destroy,
    .endpoint_qpn = soft_endpoint_qpn,
    .join = soft_join,
    .leave = soft_leave,
    .send = soft_send,
    .recv = soft_recv,
    .recv_wait = soft_recv_wait,
    .get_counters = soft_get_counters,
    .format = soft_format,
};
