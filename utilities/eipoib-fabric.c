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

/* eipoib-fabric: a soft InfiniBand subnet.  One daemon is the subnet
 * manager (LIDs, GIDs, P_Key tables, multicast groups), the subnet
 * administrator (joins, path queries) and a single switch (forwarding by
 * DLID, multicast replication, P_Key/Q_Key/MTU enforcement).  Ports attach
 * over stream sockets and speak the protocol of
 * Documentation/fabric-protocol.md, whose section numbers the comments
 * below cite. */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "command-line.h"
#include "daemon.h"
#include "dirs.h"
#include "fatal-signal.h"
#include "hash.h"
#include "ib-capture.h"
#include "ib-fabric-proto.h"
#include "ib-packet.h"
#include "ipoib.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "stream.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(eipoib_fabric);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Why a packet, or one multicast copy of it, was not delivered
 * (Documentation/fabric-protocol.md section 8). */
#define DROP_REASONS                                        \
    DROP(NOT_ATTACHED, "not-attached")                      \
    DROP(MALFORMED_FRAME, "malformed-frame")                \
    DROP(MALFORMED_TOO_SHORT, "malformed-too-short")        \
    DROP(MALFORMED_BAD_LVER, "malformed-bad-lver")          \
    DROP(MALFORMED_BAD_LNH, "malformed-bad-lnh")            \
    DROP(MALFORMED_BAD_PKTLEN, "malformed-bad-pktlen")      \
    DROP(MALFORMED_BAD_GRH, "malformed-bad-grh")            \
    DROP(MALFORMED_BAD_OPCODE, "malformed-bad-opcode")      \
    DROP(MALFORMED_BAD_TVER, "malformed-bad-tver")          \
    DROP(MALFORMED_BAD_PAD, "malformed-bad-pad")            \
    DROP(BAD_CRC, "bad-crc")                                \
    DROP(BAD_SRC_QP, "bad-src-qp")                          \
    DROP(BAD_SLID, "bad-slid")                              \
    DROP(BAD_SGID, "bad-sgid")                              \
    DROP(BAD_DGID, "bad-dgid")                              \
    DROP(UNKNOWN_DLID, "unknown-dlid")                      \
    DROP(UNKNOWN_MLID, "unknown-mlid")                      \
    DROP(MCAST_NO_GRH, "malformed-mcast-no-grh")            \
    DROP(MCAST_QPN, "malformed-mcast-qpn")                  \
    DROP(NOT_MEMBER, "not-member")                          \
    DROP(NO_SUCH_QP, "no-such-qp")                          \
    DROP(PKEY, "pkey-violation")                            \
    DROP(QKEY, "qkey-mismatch")                             \
    DROP(TOO_BIG, "too-big")                                \
    DROP(PORT_DOWN, "port-down")                            \
    DROP(PORT_CONGESTED, "port-congested")                  \
    DROP(FAULT_DROP, "fault-drop")

enum drop_reason {
#define DROP(ENUM, NAME) DROP_##ENUM,
    DROP_REASONS
#undef DROP
    N_DROP_REASONS
};

static const char *const drop_names[] = {
#define DROP(ENUM, NAME) NAME,
    DROP_REASONS
#undef DROP
};

/* Limits. */
#define MAX_QPS_PER_PORT 4096
#define FIRST_QPN 0x100
#define MAX_TX_QUEUE (4 * 1024 * 1024)  /* Bytes queued to a port before its
                                         * DATA is dropped (section 2.2). */
#define RX_CHUNK (256 * 1024)
#define RX_ROUNDS 4                     /* Reads per port per main loop
                                         * iteration, for fairness. */

/* What the SM remembers about a port name, attached or not. */
struct port_name {
    char *name;                 /* Key in 'names'. */
    uint16_t lid;               /* 0 if never attached. */
    struct fabric_port *port;   /* NULL while detached. */
    bool admin_down;            /* fabric/port-down. */
    bool has_pkeys;             /* Configured table, else the default. */
    uint16_t pkeys[IBFP_MAX_PKEYS];
    size_t n_pkeys;
};

struct fabric_conn;

struct fabric_qp {
    struct hmap_node node;      /* In fabric_port's 'qps', by qpn. */
    struct fabric_conn *conn;   /* The connection that created it. */
    uint32_t qpn;
    uint32_t qkey;
    uint16_t pkey;              /* As in the port's table. */
    uint16_t flags;             /* IBFP_QP_*. */
};

/* One attached HCA port.  Like a real port, which many processes use at
 * once, it is shared by every connection attached under its name: they see
 * one GUID, GID, LID, P_Key table and state, and QPNs unique across them
 * (section 2.1).  It lives while any connection is attached. */
struct fabric_port {
    struct ovs_list list_node;  /* In 'ports'. */
    struct port_name *pn;

    uint16_t lid;
    uint64_t guid;
    struct ipoib_gid gid;
    bool up;

    struct ovs_list conns;      /* struct fabric_conn, by 'port_node'. */
    struct hmap qps;            /* struct fabric_qp of all its connections. */
    uint32_t next_qpn;
};

/* One connection, attached or not.  It owns the QPs it creates and the
 * memberships it joins, and nothing else of its port. */
struct fabric_conn {
    struct ovs_list list_node;  /* In 'conns'. */
    struct ovs_list port_node;  /* In its port's 'conns', once attached. */
    unsigned int id;            /* Serial number, for fabric/show and logs. */
    struct stream *stream;
    char *peer;                 /* Stream name, for logging. */
    struct fabric_port *port;   /* NULL until attached. */
    size_t n_qps;               /* QPs it owns. */

    struct ofpbuf rxbuf;        /* Received bytes not yet handled. */
    struct ofpbuf txbuf;        /* Frames not yet sent. */

    uint64_t rx_packets;        /* DATA received from the connection. */
    uint64_t tx_packets;        /* DATA delivered to the connection. */
};

struct mcast_member {
    struct ovs_list node;       /* In mcast_group's 'members'. */
    struct fabric_conn *conn;   /* The connection that joined. */
    uint32_t qpn;               /* Full members: the attached QP. */
    uint8_t join_state;         /* One IBFP_JOIN_* value. */
};

struct mcast_group {
    struct hmap_node node;      /* In 'groups', by mlid. */
    struct ipoib_gid mgid;
    uint16_t mlid;
    uint16_t pkey;              /* Full-member bit set. */
    uint32_t qkey;
    uint16_t mtu;
    uint8_t scope;
    uint8_t sl;
    bool permanent;             /* Partition broadcast group. */
    struct ovs_list members;    /* struct mcast_member. */
};

/* A delivery held back by fabric/delay. */
struct delayed_frame {
    struct ovs_list node;
    long long int due;          /* time_msec(). */
    struct fabric_conn *conn;
    struct ofpbuf frame;
};

/* Configuration. */
static uint8_t subnet_prefix[8] = { 0xfe, 0x80 };
static uint16_t fabric_mtu = 2048;
static uint32_t fabric_qkey = IPOIB_QKEY_DEFAULT;
static uint16_t default_pkeys[IBFP_MAX_PKEYS] = { IPOIB_PKEY_DEFAULT };
static size_t n_default_pkeys = 1;
static struct shash names = SHASH_INITIALIZER(&names);
static char **remotes;
static size_t n_remotes;
static char *capture_file;
static char *unixctl_path;

/* State. */
static struct ovs_list conns = OVS_LIST_INITIALIZER(&conns);
static struct ovs_list ports = OVS_LIST_INITIALIZER(&ports); /* Attached. */
static unsigned int next_conn_id = 1;
static struct fabric_port *lid_to_port[IB_LID_UNICAST_MAX + 1];
static uint16_t next_lid = IB_LID_UNICAST_MIN;
static struct hmap groups = HMAP_INITIALIZER(&groups);
static struct ovs_list delayed = OVS_LIST_INITIALIZER(&delayed);
static struct ib_capture *capture;
static bool exiting;

/* Counters. */
static uint64_t drops[N_DROP_REASONS];
static uint64_t n_received;         /* DATA frames from ports. */
static uint64_t n_delivered;        /* DATA frames to ports. */
static uint64_t n_unicast;          /* Unicast packets delivered. */
static uint64_t n_multicast;        /* Multicast packets replicated. */

/* Fault injection (section 6.5). */
static uint64_t fault_drop_n;
static uint64_t fault_corrupt_n;
static bool fault_corrupt_egress;
static unsigned int fault_delay_ms;

static void parse_options(int argc, char *argv[]);
OVS_NO_RETURN static void usage(void);
static void register_unixctl_commands(void);

static void conn_destroy(struct fabric_conn *);
static void ensure_broadcast_groups(void);

/* ---------------------------------------------------------------------- */
/* Helpers. */

static void
count_drop(enum drop_reason reason)
{
    drops[reason]++;
}

static struct port_name *
port_name_get(const char *name)
{
    struct port_name *pn = shash_find_data(&names, name);

    if (!pn) {
        pn = xzalloc(sizeof *pn);
        pn->name = xstrdup(name);
        shash_add(&names, name, pn);
    }
    return pn;
}

/* The P_Key table that applies to 'pn' (or the default if 'pn' is NULL). */
static const uint16_t *
pkey_table(const struct port_name *pn, size_t *n)
{
    if (pn && pn->has_pkeys) {
        *n = pn->n_pkeys;
        return pn->pkeys;
    }
    *n = n_default_pkeys;
    return default_pkeys;
}

/* The entry of 'port''s table in the partition of 'pkey' (compared on the
 * low 15 bits), or 0 if none. */
static uint16_t
port_find_pkey(const struct fabric_port *port, uint16_t pkey)
{
    size_t n;
    const uint16_t *table = pkey_table(port->pn, &n);

    if (!ipoib_pkey_is_valid(pkey)) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if ((table[i] & 0x7fff) == (pkey & 0x7fff)) {
            return table[i];
        }
    }
    return 0;
}

static bool
same_partition(uint16_t a, uint16_t b)
{
    return (a & 0x7fff) == (b & 0x7fff);
}

/* Parses "0xffff,0x8001" into 'pkeys'.  Returns an error message to free,
 * or NULL. */
static char *
parse_pkey_list(const char *s, uint16_t pkeys[IBFP_MAX_PKEYS], size_t *n)
{
    char *copy = xstrdup(s);
    char *save_ptr = NULL;
    char *error = NULL;

    *n = 0;
    for (char *tok = strtok_r(copy, ", ", &save_ptr); tok;
         tok = strtok_r(NULL, ", ", &save_ptr)) {
        char *end;
        unsigned long v = strtoul(tok, &end, 0);

        if (*end || !ipoib_pkey_is_valid(v) || v > 0xffff) {
            error = xasprintf("%s: invalid P_Key (want 0x0001..0xffff, "
                              "low 15 bits not zero)", tok);
            break;
        }
        if (*n >= IBFP_MAX_PKEYS) {
            error = xasprintf("more than %d P_Keys", IBFP_MAX_PKEYS);
            break;
        }
        pkeys[(*n)++] = v;
    }
    if (!error && !*n) {
        error = xstrdup("empty P_Key list");
    }
    free(copy);
    return error;
}

static void
format_pkeys(struct ds *s, const uint16_t *pkeys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ds_put_format(s, "%s0x%04"PRIx16, i ? "," : "", pkeys[i]);
    }
}

static void
format_gid(struct ds *s, const struct ipoib_gid *gid)
{
    char buf[IPOIB_GID_STRLEN];

    ds_put_cstr(s, ipoib_gid_format(gid, buf));
}

static uint32_t
fnv1a32(const char *s)
{
    uint32_t h = 0x811c9dc5;

    for (; *s; s++) {
        h = (h ^ (uint8_t) *s) * 0x01000193;
    }
    return h;
}

static void
gid_from_guid(uint64_t guid, struct ipoib_gid *gid)
{
    memcpy(gid->b, subnet_prefix, 8);
    for (int i = 0; i < 8; i++) {
        gid->b[8 + i] = guid >> (56 - 8 * i);
    }
}

static struct fabric_port *
port_by_guid(uint64_t guid)
{
    struct fabric_port *port;

    LIST_FOR_EACH (port, list_node, &ports) {
        if (port->guid == guid) {
            return port;
        }
    }
    return NULL;
}

static struct fabric_port *
port_by_gid(const struct ipoib_gid *gid)
{
    struct fabric_port *port;

    LIST_FOR_EACH (port, list_node, &ports) {
        if (!memcmp(&port->gid, gid, sizeof *gid)) {
            return port;
        }
    }
    return NULL;
}

/* The attached port called 'name', or NULL. */
static struct fabric_port *
port_by_name(const char *name)
{
    const struct port_name *pn = shash_find_data(&names, name);

    return pn ? pn->port : NULL;
}

/* The QP 'qpn' of 'port', whichever connection owns it. */
static struct fabric_qp *
port_find_qp(const struct fabric_port *port, uint32_t qpn)
{
    struct fabric_qp *qp;

    HMAP_FOR_EACH_WITH_HASH (qp, node, hash_int(qpn, 0), &port->qps) {
        if (qp->qpn == qpn) {
            return qp;
        }
    }
    return NULL;
}

/* The QP 'qpn' if 'conn' owns it: a connection cannot use, change or
 * destroy another connection's QPs, as a process cannot on an HCA. */
static struct fabric_qp *
conn_find_qp(const struct fabric_conn *conn, uint32_t qpn)
{
    struct fabric_qp *qp = conn->port ? port_find_qp(conn->port, qpn) : NULL;

    return qp && qp->conn == conn ? qp : NULL;
}

/* For logs: the port name once attached, else the peer. */
static const char *
conn_name(const struct fabric_conn *conn)
{
    return conn->port ? conn->port->pn->name : conn->peer;
}

/* ---------------------------------------------------------------------- */
/* Multicast groups. */

static struct mcast_group *
group_by_mlid(uint16_t mlid)
{
    struct mcast_group *g;

    HMAP_FOR_EACH_WITH_HASH (g, node, hash_int(mlid, 0), &groups) {
        if (g->mlid == mlid) {
            return g;
        }
    }
    return NULL;
}

static struct mcast_group *
group_by_mgid(const struct ipoib_gid *mgid)
{
    struct mcast_group *g;

    HMAP_FOR_EACH (g, node, &groups) {
        if (!memcmp(&g->mgid, mgid, sizeof *mgid)) {
            return g;
        }
    }
    return NULL;
}

/* Creates a group with the lowest free MLID, or returns NULL if none. */
static struct mcast_group *
group_create(const struct ipoib_gid *mgid, uint16_t pkey, uint32_t qkey,
             bool permanent)
{
    for (uint32_t mlid = IB_LID_MULTICAST_MIN; mlid <= IB_LID_MULTICAST_MAX;
         mlid++) {
        if (!group_by_mlid(mlid)) {
            struct mcast_group *g = xzalloc(sizeof *g);
            struct ds s = DS_EMPTY_INITIALIZER;

            g->mgid = *mgid;
            g->mlid = mlid;
            g->pkey = pkey | IPOIB_PKEY_FULL_MEMBER;
            g->qkey = qkey;
            g->mtu = fabric_mtu;
            g->scope = mgid->b[1] & 0x0f;
            g->permanent = permanent;
            ovs_list_init(&g->members);
            hmap_insert(&groups, &g->node, hash_int(mlid, 0));

            format_gid(&s, mgid);
            VLOG_INFO("multicast group %s created: MLID 0x%04"PRIx16", "
                      "P_Key 0x%04"PRIx16", Q_Key 0x%08"PRIx32"%s",
                      ds_cstr(&s), g->mlid, g->pkey, g->qkey,
                      permanent ? " (partition broadcast group)" : "");
            ds_destroy(&s);
            return g;
        }
    }
    return NULL;
}

static void
group_destroy_if_empty(struct mcast_group *g)
{
    if (!g->permanent && ovs_list_is_empty(&g->members)) {
        struct ds s = DS_EMPTY_INITIALIZER;

        format_gid(&s, &g->mgid);
        VLOG_INFO("multicast group %s (MLID 0x%04"PRIx16") deleted: "
                  "no members left", ds_cstr(&s), g->mlid);
        ds_destroy(&s);
        hmap_remove(&groups, &g->node);
        free(g);
    }
}

/* The membership of 'conn' in 'g' with 'join_state' (and, for a full
 * member, QP 'qpn'), or NULL. */
static struct mcast_member *
group_find_member(const struct mcast_group *g, const struct fabric_conn *conn,
                  uint32_t qpn, uint8_t join_state)
{
    struct mcast_member *m;

    LIST_FOR_EACH (m, node, &g->members) {
        if (m->conn == conn && m->join_state == join_state
            && (join_state != IBFP_JOIN_FULL || m->qpn == qpn)) {
            return m;
        }
    }
    return NULL;
}

/* Whether any connection of 'port' holds a membership of any kind in 'g':
 * the SA records memberships by port GID. */
static bool
group_has_port(const struct mcast_group *g, const struct fabric_port *port)
{
    struct mcast_member *m;

    LIST_FOR_EACH (m, node, &g->members) {
        if (m->conn->port == port) {
            return true;
        }
    }
    return false;
}

/* Removes memberships from every group: those of 'conn' (all of them if
 * 'qpn' is 0, otherwise only those of that QP), or, if 'conn' is NULL,
 * those of every connection of 'port'. */
static void
groups_remove(const struct fabric_port *port, const struct fabric_conn *conn,
              uint32_t qpn)
{
    struct mcast_group *g;

    HMAP_FOR_EACH_SAFE (g, node, &groups) {
        struct mcast_member *m;

        LIST_FOR_EACH_SAFE (m, node, &g->members) {
            if (conn
                ? m->conn == conn && (!qpn || m->qpn == qpn)
                : m->conn->port == port) {
                ovs_list_remove(&m->node);
                free(m);
            }
        }
        group_destroy_if_empty(g);
    }
}

/* The SM keeps an IPoIB broadcast group for every partition of every
 * table (section 6.1), the default partition's first. */
static void
ensure_broadcast_group(uint16_t pkey)
{
    struct ipoib_gid mgid;

    ipoib_broadcast_mgid(pkey, IPOIB_SCOPE_LINK, &mgid);
    if (!group_by_mgid(&mgid)) {
        group_create(&mgid, pkey, fabric_qkey, true);
    }
}

static void
ensure_broadcast_groups(void)
{
    struct shash_node *node;

    for (size_t i = 0; i < n_default_pkeys; i++) {
        ensure_broadcast_group(default_pkeys[i]);
    }
    SHASH_FOR_EACH (node, &names) {
        const struct port_name *pn = node->data;

        for (size_t i = 0; pn->has_pkeys && i < pn->n_pkeys; i++) {
            ensure_broadcast_group(pn->pkeys[i]);
        }
    }
}

/* ---------------------------------------------------------------------- */
/* Delivery. */

static void
corrupt_packet(uint8_t *pkt, size_t len)
{
    /* Flip a bit of the first payload byte (the IPoIB header's type), or of
     * the middle of a packet too short to have a payload. */
    size_t hdr = len >= 2 ? ib_ud_header_len((pkt[1] & 3) == IB_LNH_IBA_GLOBAL)
                          : 0;
    if (len > hdr + IB_ICRC_LEN + IB_VCRC_LEN) {
        pkt[hdr] ^= 0x01;
    } else if (len) {
        pkt[len / 2] ^= 0x01;
    }
}

static void
conn_queue_frame(struct fabric_conn *conn, const void *frame, size_t len)
{
    ofpbuf_put(&conn->txbuf, frame, len);
}

/* Queues a DATA frame with 'pkt' for 'qp' to the connection that owns it,
 * now or after the configured delay. */
static void
deliver(const struct fabric_qp *qp, const uint8_t *pkt, size_t len)
{
    struct fabric_conn *conn = qp->conn;
    struct ofpbuf *b = &conn->txbuf;
    struct delayed_frame *d = NULL;

    if (conn->txbuf.size > MAX_TX_QUEUE) {
        count_drop(DROP_PORT_CONGESTED);
        return;
    }
    if (fault_delay_ms) {
        d = xmalloc(sizeof *d);
        d->due = time_msec() + fault_delay_ms;
        d->conn = conn;
        ofpbuf_init(&d->frame, len + 16);
        b = &d->frame;
        ovs_list_push_back(&delayed, &d->node);
    }
    uint8_t *copy = ibfp_put_data_uninit(b, qp->qpn, len);
    memcpy(copy, pkt, len);
    if (fault_corrupt_n && fault_corrupt_egress) {
        corrupt_packet(copy, len);
    }
    conn->tx_packets++;
    n_delivered++;
}

static void
delayed_run(void)
{
    long long int now = time_msec();
    struct delayed_frame *d;

    LIST_FOR_EACH_SAFE (d, node, &delayed) {
        if (d->due > now) {
            break;
        }
        conn_queue_frame(d->conn, d->frame.data, d->frame.size);
        ovs_list_remove(&d->node);
        ofpbuf_uninit(&d->frame);
        free(d);
    }
}

static void
delayed_wait(void)
{
    if (!ovs_list_is_empty(&delayed)) {
        const struct delayed_frame *d;

        d = CONTAINER_OF(ovs_list_front(&delayed), struct delayed_frame,
                         node);
        poll_timer_wait_until(d->due);
    }
}

static void
delayed_purge(const struct fabric_conn *conn)
{
    struct delayed_frame *d;

    LIST_FOR_EACH_SAFE (d, node, &delayed) {
        if (d->conn == conn) {
            ovs_list_remove(&d->node);
            ofpbuf_uninit(&d->frame);
            free(d);
        }
    }
}

/* Section 6.4: delivers a packet in the partition of 'src_pkey' (the
 * sender's table entry) with Q_Key 'qkey' to 'qp' of 'dst', if the rules
 * allow. */
static void
deliver_to_qp(uint16_t src_pkey, uint32_t qkey, struct fabric_port *dst,
              const struct fabric_qp *qp, const uint8_t *pkt, size_t len)
{
    if (!dst->up) {
        count_drop(DROP_PORT_DOWN);
        return;
    }

    uint16_t dst_pkey = port_find_pkey(dst, src_pkey);
    if (!dst_pkey || !same_partition(qp->pkey, src_pkey)
        || !((src_pkey | dst_pkey) & IPOIB_PKEY_FULL_MEMBER)) {
        count_drop(DROP_PKEY);
        return;
    }
    if (qkey != qp->qkey) {
        count_drop(DROP_QKEY);
        return;
    }
    deliver(qp, pkt, len);
}

static enum drop_reason
parse_error_to_drop(enum ib_parse_error e)
{
    switch (e) {
    case IB_PARSE_TOO_SHORT: return DROP_MALFORMED_TOO_SHORT;
    case IB_PARSE_BAD_LVER: return DROP_MALFORMED_BAD_LVER;
    case IB_PARSE_BAD_LNH: return DROP_MALFORMED_BAD_LNH;
    case IB_PARSE_BAD_PKTLEN: return DROP_MALFORMED_BAD_PKTLEN;
    case IB_PARSE_BAD_GRH: return DROP_MALFORMED_BAD_GRH;
    case IB_PARSE_BAD_OPCODE: return DROP_MALFORMED_BAD_OPCODE;
    case IB_PARSE_BAD_TVER: return DROP_MALFORMED_BAD_TVER;
    case IB_PARSE_BAD_PAD: return DROP_MALFORMED_BAD_PAD;
    case IB_PARSE_BAD_ICRC:
    case IB_PARSE_BAD_VCRC:
        return DROP_BAD_CRC;
    case IB_PARSE_OK:
    case IB_PARSE_N_ERRORS:
        break;
    }
    OVS_NOT_REACHED();
}

static void
capture_packet(const uint8_t *pkt, size_t len)
{
    struct timespec ts;
    int error;

    xclock_gettime(CLOCK_REALTIME, &ts);
    error = ib_capture_write(capture, ts.tv_sec, ts.tv_nsec, pkt, len);
    if (error) {
        VLOG_ERR("%s: capture write failed (%s), capture stopped",
                 ib_capture_file_name(capture), ovs_strerror(error));
        ib_capture_close(capture);
        capture = NULL;
    }
}

/* Section 6.3: the switch. */
static void
switch_packet(struct fabric_conn *conn, uint32_t frame_qpn,
              uint8_t *pkt, size_t len)
{
    struct fabric_port *src = conn->port;

    n_received++;
    conn->rx_packets++;

    if (fault_corrupt_n && !fault_corrupt_egress) {
        fault_corrupt_n--;
        corrupt_packet(pkt, len);
    }
    if (capture) {
        capture_packet(pkt, len);
    }
    if (fault_drop_n) {
        fault_drop_n--;
        count_drop(DROP_FAULT_DROP);
        return;
    }
    if (!src->up) {
        count_drop(DROP_PORT_DOWN);
        return;
    }

    struct ib_ud_fields f;
    const uint8_t *payload;
    size_t payload_len;
    enum ib_parse_error pe = ib_ud_parse(pkt, len, true, &f, &payload,
                                         &payload_len);
    if (pe != IB_PARSE_OK) {
        VLOG_DBG_RL(&rl, "%s: %s packet dropped", src->pn->name,
                    ib_parse_error_name(pe));
        count_drop(parse_error_to_drop(pe));
        return;
    }

    const struct fabric_qp *src_qp = conn_find_qp(conn, frame_qpn);
    if (!src_qp || f.src_qp != frame_qpn) {
        count_drop(DROP_BAD_SRC_QP);
        return;
    }
    if (f.slid != src->lid) {
        count_drop(DROP_BAD_SLID);
        return;
    }
    if (f.has_grh && memcmp(&f.sgid, &src->gid, sizeof f.sgid)) {
        count_drop(DROP_BAD_SGID);
        return;
    }
    uint16_t src_pkey = port_find_pkey(src, f.pkey);
    if (!src_pkey) {
        count_drop(DROP_PKEY);
        return;
    }
    if (payload_len > fabric_mtu) {
        count_drop(DROP_TOO_BIG);
        return;
    }

    bool egress_corrupt = fault_corrupt_n && fault_corrupt_egress;
    if (ib_lid_is_multicast(f.dlid)) {
        if (!f.has_grh) {
            count_drop(DROP_MCAST_NO_GRH);
            return;
        }
        if (f.dest_qp != IPOIB_MCAST_QPN) {
            count_drop(DROP_MCAST_QPN);
            return;
        }
        struct mcast_group *g = group_by_mlid(f.dlid);
        if (!g || memcmp(&g->mgid, &f.dgid, sizeof f.dgid)) {
            count_drop(DROP_UNKNOWN_MLID);
            return;
        }
        if (!group_has_port(g, src)) {
            count_drop(DROP_NOT_MEMBER);
            return;
        }
        if (!same_partition(g->pkey, src_pkey)) {
            count_drop(DROP_PKEY);
            return;
        }
        if (payload_len > g->mtu) {
            count_drop(DROP_TOO_BIG);
            return;
        }
        n_multicast++;

        struct mcast_member *m;
        LIST_FOR_EACH (m, node, &g->members) {
            const struct fabric_qp *qp;

            if (m->join_state != IBFP_JOIN_FULL) {
                continue;
            }
            qp = conn_find_qp(m->conn, m->qpn);
            if (!qp || (qp == src_qp
                        && qp->flags & IBFP_QP_BLOCK_SELF_MCAST)) {
                continue;
            }
            deliver_to_qp(src_pkey, f.qkey, m->conn->port, qp, pkt, len);
        }
    } else if (f.dlid >= IB_LID_UNICAST_MIN && f.dlid <= IB_LID_UNICAST_MAX
               && lid_to_port[f.dlid]) {
        struct fabric_port *dst = lid_to_port[f.dlid];

        if (f.has_grh && memcmp(&f.dgid, &dst->gid, sizeof f.dgid)) {
            count_drop(DROP_BAD_DGID);
            return;
        }
        const struct fabric_qp *qp = port_find_qp(dst, f.dest_qp);
        if (!qp) {
            count_drop(DROP_NO_SUCH_QP);
            return;
        }
        n_unicast++;
        deliver_to_qp(src_pkey, f.qkey, dst, qp, pkt, len);
    } else {
        count_drop(DROP_UNKNOWN_DLID);
        return;
    }
    if (egress_corrupt) {
        fault_corrupt_n--;
    }
}

/* ---------------------------------------------------------------------- */
/* Management requests (sections 2 and 4). */

/* Appends an ERROR answering request 'type' with 'xid'. */
static void OVS_PRINTF_FORMAT(5, 6)
reply_error(struct fabric_conn *conn, uint16_t xid, uint16_t type,
            enum ibfp_error code, const char *format, ...)
{
    va_list args;
    char *reason;

    va_start(args, format);
    reason = xvasprintf(format, args);
    va_end(args);

    VLOG_DBG("%s: %s failed: %s (%s)", conn_name(conn),
             ibfp_type_name(type) ? ibfp_type_name(type) : "request",
             ibfp_error_name(code), reason);
    ibfp_put_error(&conn->txbuf, xid, type, code, reason);
    free(reason);
}

/* Tells every connection of 'port' its state (section 4.11). */
static void
send_port_event(struct fabric_port *port)
{
    struct ibfp_port_event e = {
        .state = port->up ? IBFP_PORT_ACTIVE : IBFP_PORT_DOWN,
        .lid = port->lid,
    };
    struct fabric_conn *conn;

    LIST_FOR_EACH (conn, port_node, &port->conns) {
        ibfp_put_port_event(&conn->txbuf, &e);
    }
}

/* Creates the port called 'a->name', with its GUID and LID (section 6.1).
 * Returns NULL, after replying with an ERROR, if it cannot. */
static struct fabric_port *
port_create(struct fabric_conn *conn, const struct ibfp_frame *fr,
            const struct ibfp_attach *a)
{
    uint64_t guid = a->guid;
    if (guid) {
        if (port_by_guid(guid)) {
            reply_error(conn, fr->xid, fr->type, IBFP_ERR_ALREADY,
                        "GUID 0x%016"PRIx64" is in use by another port",
                        guid);
            return NULL;
        }
    } else {
        for (int i = 0; !guid || port_by_guid(guid); i++) {
            char *s = i ? xasprintf("%s#%d", a->name, i) : xstrdup(a->name);
            guid = (UINT64_C(0x02) << 56) | fnv1a32(s);
            free(s);
        }
    }

    struct port_name *pn = port_name_get(a->name);
    if (!pn->lid) {
        if (next_lid > IB_LID_UNICAST_MAX) {
            reply_error(conn, fr->xid, fr->type, IBFP_ERR_NO_SPACE,
                        "out of unicast LIDs");
            return NULL;
        }
        pn->lid = next_lid++;
    }

    struct fabric_port *port = xzalloc(sizeof *port);
    port->pn = pn;
    port->guid = guid;
    port->lid = pn->lid;
    port->up = !pn->admin_down;
    gid_from_guid(guid, &port->gid);
    ovs_list_init(&port->conns);
    hmap_init(&port->qps);
    port->next_qpn = FIRST_QPN;
    ovs_list_push_back(&ports, &port->list_node);
    pn->port = port;
    lid_to_port[port->lid] = port;
    return port;
}

/* Called when the last connection of 'port' goes: the SM keeps the LID
 * reserved for the name (section 2.3). */
static void
port_destroy(struct fabric_port *port)
{
    VLOG_INFO("%s detached (LID %"PRIu16" kept for that name)",
              port->pn->name, port->lid);
    lid_to_port[port->lid] = NULL;
    port->pn->port = NULL;
    ovs_list_remove(&port->list_node);
    hmap_destroy(&port->qps);
    free(port);
}

static void
handle_attach(struct fabric_conn *conn, const struct ibfp_frame *fr)
{
    struct ibfp_attach a;

    if (ibfp_decode_attach(fr->body, fr->body_len, &a)) {
        reply_error(conn, fr->xid, fr->type, IBFP_ERR_INVALID,
                    "ATTACH body malformed or port name invalid");
        return;
    }
    if (a.version != IBFP_VERSION) {
        reply_error(conn, fr->xid, fr->type, IBFP_ERR_UNSUPPORTED,
                    "protocol version %"PRIu16" not supported (want %d)",
                    a.version, IBFP_VERSION);
        return;
    }
    if (conn->port) {
        reply_error(conn, fr->xid, fr->type, IBFP_ERR_ALREADY,
                    "already attached as %s", conn->port->pn->name);
        return;
    }

    /* A name already attached: this connection shares that port, as one
     * more process using the same HCA port (section 2.1). */
    struct fabric_port *port = port_by_name(a.name);
    bool shared = port != NULL;
    if (port) {
        if (a.guid && a.guid != port->guid) {
            reply_error(conn, fr->xid, fr->type, IBFP_ERR_ALREADY,
                        "port %s is attached with GUID 0x%016"PRIx64", not "
                        "0x%016"PRIx64, a.name, port->guid, a.guid);
            return;
        }
    } else {
        port = port_create(conn, fr, &a);
        if (!port) {
            return;
        }
    }
    conn->port = port;
    ovs_list_push_back(&port->conns, &conn->port_node);

    struct ibfp_attach_reply r = {
        .version = IBFP_VERSION,
        .lid = port->lid,
        .mtu = fabric_mtu,
        .state = port->up ? IBFP_PORT_ACTIVE : IBFP_PORT_DOWN,
        .gid = port->gid,
    };
    const uint16_t *table = pkey_table(port->pn, &r.n_pkeys);
    memcpy(r.pkeys, table, r.n_pkeys * sizeof *table);
    ibfp_put_attach_reply(&conn->txbuf, fr->xid, &r);

    struct ds s = DS_EMPTY_INITIALIZER;
    format_gid(&s, &port->gid);
    ds_put_cstr(&s, ", P_Keys ");
    format_pkeys(&s, r.pkeys, r.n_pkeys);
    if (shared) {
        ds_put_format(&s, " (shared by %"PRIuSIZE" connections)",
                      ovs_list_size(&port->conns));
    }
    VLOG_INFO("%s attached from %s as connection %u: LID %"PRIu16", GID %s",
              port->pn->name, conn->peer, conn->id, port->lid,
              ds_cstr(&s));
    ds_destroy(&s);
}

static void
handle_qp_create(struct fabric_conn *conn, const struct ibfp_frame *fr)
{
    struct fabric_port *port = conn->port;
    struct ibfp_qp req;

    if (ibfp_decode_qp(fr->body, fr->body_len, &req)) {
        reply_error(conn, fr->xid, fr->type, IBFP_ERR_INVALID,
                    "QP_CREATE body too short");
        return;
    }
    uint16_t pkey = port_find_pkey(port, req.pkey);
    if (!pkey) {
        reply_error(conn, fr->xid, fr->type, IBFP_ERR_PKEY,
                    "P_Key 0x%04"PRIx16" is not in the port's table",
                    req.pkey);
        return;
    }
    if (req.flags & ~IBFP_QP_BLOCK_SELF_MCAST) {
        reply_error(conn, fr->xid, fr->type, IBFP_ERR_INVALID,
                    "unknown QP flags 0x%04"PRIx16, req.flags);
        return;
    }
    if (hmap_count(&port->qps) >= MAX_QPS_PER_PORT) {
        reply_error(conn, fr->xid, fr->type, IBFP_ERR_NO_SPACE,
                    "the port has %d QPs already", MAX_QPS_PER_PORT);
        return;
    }

    uint32_t qpn = req.qpn;
    if (qpn) {
        if (qpn < 2 || qpn >= IPOIB_MCAST_QPN) {
            reply_error(conn, fr->xid, fr->type, IBFP_ERR_INVALID,
                        "QPN 0x%"PRIx32" out of range 2..0xfffffe", qpn);
            return;
        }
        if (port_find_qp(port, qpn)) {
            /* Maybe by another connection of the port: QPNs are the
             * port's. */
            reply_error(conn, fr->xid, fr->type, IBFP_ERR_EXISTS,
                        "QPN 0x%06"PRIx32" is in use on port %s", qpn,
                        port->pn->name);
            return;
        }
    } else {
        do {
            qpn = port->next_qpn++;
            if (port->next_qpn >= IPOIB_MCAST_QPN) {
                port->next_qpn = FIRST_QPN;
            }
        } while (port_find_qp(port, qpn));
    }

    struct fabric_qp *qp = xzalloc(sizeof *qp);
    qp->conn = conn;
    qp->qpn = qpn;
    qp->qkey = req.qkey;
    qp->pkey = pkey;
    qp->flags = req.flags;
    hmap_insert(&port->qps, &qp->node, hash_int(qpn, 0));
    conn->n_qps++;

    struct ibfp_qp r = { qpn, qp->qkey, qp->pkey, qp->flags };
    ibfp_put_qp(&conn->txbuf, IBFP_QP_CREATE | IBFP_REPLY, fr->xid, &r);
    VLOG_DBG("%s: QP 0x%06"PRIx32" created by connection %u (Q_Key "
             "0x%08"PRIx32", P_Key 0x%04"PRIx16")", port->pn->name, qpn,
             conn->id, qp->qkey, pkey);
}

static void
handle_qp_modify(struct fabric_conn *conn, const struct ibfp_frame *fr)
{
    struct ibfp_qp req;
    struct fabric_qp *qp;

    if (ibfp_decode_qp(fr->body, fr->body_len, &req)) {
        reply_error(conn, fr->xid, fr->type, IBFP_ERR_INVALID,
                    "QP_MODIFY body too short");
        return;
    }
    qp = conn_find_qp(conn, req.qpn);
    if (!qp) {
        reply_error(conn, fr->xid, fr->type, IBFP_ERR_NOT_FOUND,
                    "no QP 0x%06"PRIx32" on this connection", req.qpn);
        return;
    }
    uint16_t pkey = port_find_pkey(conn->port, req.pkey);
    if (!pkey) {
        reply_error(conn, fr->xid, fr->type, IBFP_ERR_PKEY,
                    "P_Key 0x%04"PRIx16" is not in the port's table",
                    req.pkey);
        return;
    }
    qp->qkey = req.qkey;
    qp->pkey = pkey;

    struct ibfp_qp r = { qp->qpn, qp->qkey, qp->pkey, qp->flags };
    ibfp_put_qp(&conn->txbuf, IBFP_QP_MODIFY | IBFP_REPLY, fr->xid, &r);
}

static void
qp_destroy(struct fabric_qp *qp)
{
    struct fabric_conn *conn = qp->conn;

    groups_remove(conn->port, conn, qp->qpn);
    hmap_remove(&conn->port->qps, &qp->node);
    conn->n_qps--;
    free(qp);
}

static void
handle_qp_destroy(struct fabric_conn *conn, const struct ibfp_frame *fr)
{
    struct ibfp_qp_destroy req;
    struct fabric_qp *qp;

    if (ibfp_decode_qp_destroy(fr->body, fr->body_len, &req)) {
        reply_error(conn, fr->xid, fr->type, IBFP_ERR_INVALID,
                    "QP_DESTROY body too short");
        return;
    }
    qp = conn_find_qp(conn, req.qpn);
    if (!qp) {
        reply_error(conn, fr->xid, fr->type, IBFP_ERR_NOT_FOUND,
                    "no QP 0x%06"PRIx32" on this connection", req.qpn);
        return;
    }
    qp_destroy(qp);
    ibfp_put_qp_destroy(&conn->txbuf, IBFP_QP_DESTROY | IBFP_REPLY,
                        fr->xid, &req);
}

static bool
join_state_is_valid(uint8_t js)
{
    return (js == IBFP_JOIN_FULL || js == IBFP_JOIN_SEND_ONLY
            || js == IBFP_JOIN_SEND_ONLY_FULL);
}

static void
handle_join(struct fabric_conn *conn, const struct ibfp_frame *fr)
{
    struct ibfp_join req;
    struct ds s = DS_EMPTY_INITIALIZER;

    if (ibfp_decode_join(fr->body, fr->body_len, &req)) {
        reply_error(conn, fr->xid, fr->type, IBFP_ERR_INVALID,
                    "MCAST_JOIN body too short");
        return;
    }
    format_gid(&s, &req.mgid);
    if (!ipoib_gid_is_multicast(&req.mgid)) {
        reply_error(conn, fr->xid, fr->type, IBFP_ERR_INVALID,
                    "%s is not a multicast GID", ds_cstr(&s));
        goto out;
    }
    if (!join_state_is_valid(req.join_state)) {
        reply_error(conn, fr->xid, fr->type, IBFP_ERR_INVALID,
                    "join state 0x%"PRIx8" (want 0x1, 0x4 or 0x8)",
                    req.join_state);
        goto out;
    }
    if (!port_find_pkey(conn->port, req.pkey)) {
        reply_error(conn, fr->xid, fr->type, IBFP_ERR_PKEY,
                    "P_Key 0x%04"PRIx16" is not in the port's table",
                    req.pkey);
        goto out;
    }

    bool full = req.join_state == IBFP_JOIN_FULL;
    const struct fabric_qp *qp = NULL;
    if (full) {
        qp = conn_find_qp(conn, req.qpn);
        if (!qp) {
            reply_error(conn, fr->xid, fr->type, IBFP_ERR_NOT_FOUND,
                        "no QP 0x%06"PRIx32" on this connection to attach "
                        "to %s",
                        req.qpn, ds_cstr(&s));
            goto out;
        }
    }

    struct mcast_group *g = group_by_mgid(&req.mgid);
    if (g) {
        if (!same_partition(g->pkey, req.pkey)) {
            reply_error(conn, fr->xid, fr->type, IBFP_ERR_PKEY,
                        "group %s is in partition 0x%04"PRIx16", not "
                        "0x%04"PRIx16, ds_cstr(&s), g->pkey, req.pkey);
            goto out;
        }
    } else {
        if (req.join_state == IBFP_JOIN_SEND_ONLY) {
            reply_error(conn, fr->xid, fr->type, IBFP_ERR_NOT_FOUND,
                        "group %s does not exist, and a send-only "
                        "non-member cannot create it", ds_cstr(&s));
            goto out;
        }
        uint32_t qkey = req.qkey;
        if (!qkey) {
            struct ipoib_gid bmgid;
            const struct mcast_group *bg;

            ipoib_broadcast_mgid(req.pkey, IPOIB_SCOPE_LINK, &bmgid);
            bg = group_by_mgid(&bmgid);
            qkey = bg ? bg->qkey : fabric_qkey;
        }
        g = group_create(&req.mgid, req.pkey, qkey, false);
        if (!g) {
            reply_error(conn, fr->xid, fr->type, IBFP_ERR_NO_SPACE,
                        "out of multicast LIDs");
            goto out;
        }
    }
    if (qp && !same_partition(qp->pkey, g->pkey)) {
        reply_error(conn, fr->xid, fr->type, IBFP_ERR_PKEY,
                    "QP 0x%06"PRIx32" is in partition 0x%04"PRIx16", group "
                    "%s in 0x%04"PRIx16, qp->qpn, qp->pkey, ds_cstr(&s),
                    g->pkey);
        group_destroy_if_empty(g);
        goto out;
    }

    uint32_t qpn = full ? req.qpn : 0;
    if (!group_find_member(g, conn, qpn, req.join_state)) {
        struct mcast_member *m = xzalloc(sizeof *m);

        m->conn = conn;
        m->qpn = qpn;
        m->join_state = req.join_state;
        ovs_list_push_back(&g->members, &m->node);
        VLOG_DBG("%s: QP 0x%06"PRIx32" joined %s (join state 0x%"PRIx8")",
                 conn->port->pn->name, qpn, ds_cstr(&s), req.join_state);
    }

    struct ibfp_join_reply r = {
        .mgid = g->mgid,
        .qpn = req.qpn,
        .qkey = g->qkey,
        .mlid = g->mlid,
        .pkey = g->pkey,
        .mtu = g->mtu,
        .join_state = req.join_state,
        .scope = g->scope,
        .sl = g->sl,
    };
    ibfp_put_join_reply(&conn->txbuf, fr->xid, &r);
out:
    ds_destroy(&s);
}

static void
handle_leave(struct fabric_conn *conn, const struct ibfp_frame *fr)
{
    struct ibfp_leave req;
    struct mcast_group *g;
    struct mcast_member *m;

    if (ibfp_decode_leave(fr->body, fr->body_len, &req)) {
        reply_error(conn, fr->xid, fr->type, IBFP_ERR_INVALID,
                    "MCAST_LEAVE body too short");
        return;
    }
    g = group_by_mgid(&req.mgid);
    m = g ? group_find_member(g, conn,
                              req.join_state == IBFP_JOIN_FULL ? req.qpn : 0,
                              req.join_state)
          : NULL;
    if (!m) {
        reply_error(conn, fr->xid, fr->type, IBFP_ERR_NOT_FOUND,
                    "no such %s",
                    g ? "membership" : "multicast group");
        return;
    }
    ovs_list_remove(&m->node);
    free(m);
    group_destroy_if_empty(g);
    ibfp_put_leave(&conn->txbuf, IBFP_MCAST_LEAVE | IBFP_REPLY, fr->xid,
                   &req);
}

/* Fills 'path' for a path from 'src' to 'dgid' in the partition of 'pkey'.
 * Returns 0 or an IBFP_ERR_* with a reason in 'reason'. */
static enum ibfp_error
path_query(const struct fabric_port *src, const struct ipoib_gid *dgid,
           uint16_t pkey, struct ibfp_path *path, const char **reason)
{
    uint16_t src_pkey = port_find_pkey(src, pkey);

    memset(path, 0, sizeof *path);
    if (!src_pkey) {
        *reason = "partition not in the querying port's table";
        return IBFP_ERR_PKEY;
    }
    path->dgid = *dgid;
    path->sgid = src->gid;
    path->slid = src->lid;
    path->pkey = src_pkey;
    path->mtu = fabric_mtu;
    path->hop_limit = 1;

    if (ipoib_gid_is_multicast(dgid)) {
        const struct mcast_group *g = group_by_mgid(dgid);

        if (!g) {
            *reason = "no such multicast group";
            return IBFP_ERR_NOT_FOUND;
        }
        if (!same_partition(g->pkey, pkey)) {
            *reason = "the group is in another partition";
            return IBFP_ERR_PKEY;
        }
        path->dlid = g->mlid;
        path->mtu = g->mtu;
        path->sl = g->sl;
        return 0;
    }

    const struct fabric_port *dst = port_by_gid(dgid);
    if (!dst) {
        *reason = "no port has that GID";
        return IBFP_ERR_NOT_FOUND;
    }
    uint16_t dst_pkey = port_find_pkey(dst, pkey);
    if (!dst_pkey || !((src_pkey | dst_pkey) & IPOIB_PKEY_FULL_MEMBER)) {
        *reason = "the partition is not shared with the destination";
        return IBFP_ERR_PKEY;
    }
    path->dlid = dst->lid;
    return 0;
}

static void
handle_path_query(struct fabric_conn *conn, const struct ibfp_frame *fr)
{
    struct ibfp_path_query req;
    struct ibfp_path path;
    const char *reason;

    if (ibfp_decode_path_query(fr->body, fr->body_len, &req)) {
        reply_error(conn, fr->xid, fr->type, IBFP_ERR_INVALID,
                    "PATH_QUERY body too short");
        return;
    }
    enum ibfp_error error = path_query(conn->port, &req.dgid, req.pkey, &path,
                                       &reason);
    if (error) {
        struct ds s = DS_EMPTY_INITIALIZER;

        format_gid(&s, &req.dgid);
        reply_error(conn, fr->xid, fr->type, error, "no path to %s in "
                    "partition 0x%04"PRIx16": %s", ds_cstr(&s), req.pkey,
                    reason);
        ds_destroy(&s);
        return;
    }
    ibfp_put_path(&conn->txbuf, fr->xid, &path);
}

/* Handles one frame from 'conn'. */
static void
handle_frame(struct fabric_conn *conn, const struct ibfp_frame *fr,
             uint8_t *body)
{
    if (fr->type == IBFP_DATA) {
        struct ibfp_data d;

        if (!conn->port) {
            n_received++;
            conn->rx_packets++;
            count_drop(DROP_NOT_ATTACHED);
        } else if (ibfp_decode_data(fr->body, fr->body_len, &d)) {
            n_received++;
            conn->rx_packets++;
            count_drop(DROP_MALFORMED_FRAME);
        } else {
            /* The packet is switched in place: ingress corruption
             * modifies it. */
            switch_packet(conn, d.qpn, body + (d.packet - fr->body),
                          d.packet_len);
        }
        return;
    }

    if (fr->type == IBFP_ECHO) {
        ibfp_put_echo(&conn->txbuf, IBFP_ECHO | IBFP_REPLY, fr->xid,
                      fr->body, fr->body_len);
        return;
    }
    if (fr->type == IBFP_ATTACH) {
        handle_attach(conn, fr);
        return;
    }

    switch (fr->type) {
    case IBFP_QP_CREATE:
    case IBFP_QP_MODIFY:
    case IBFP_QP_DESTROY:
    case IBFP_MCAST_JOIN:
    case IBFP_MCAST_LEAVE:
    case IBFP_PATH_QUERY:
        break;
    default:
        reply_error(conn, fr->xid, fr->type, IBFP_ERR_UNSUPPORTED,
                    "unknown message type 0x%04"PRIx16, fr->type);
        return;
    }
    if (!conn->port) {
        reply_error(conn, fr->xid, fr->type, IBFP_ERR_NOT_ATTACHED,
                    "ATTACH first");
        return;
    }

    switch (fr->type) {
    case IBFP_QP_CREATE:
        handle_qp_create(conn, fr);
        return;
    case IBFP_QP_MODIFY:
        handle_qp_modify(conn, fr);
        return;
    case IBFP_QP_DESTROY:
        handle_qp_destroy(conn, fr);
        return;
    }

    /* Subnet administration needs the link up. */
    if (!conn->port->up) {
        reply_error(conn, fr->xid, fr->type, IBFP_ERR_PORT_DOWN,
                    "port %s is down", conn->port->pn->name);
        return;
    }
    switch (fr->type) {
    case IBFP_MCAST_JOIN:
        handle_join(conn, fr);
        break;
    case IBFP_MCAST_LEAVE:
        handle_leave(conn, fr);
        break;
    case IBFP_PATH_QUERY:
        handle_path_query(conn, fr);
        break;
    }
}

/* ---------------------------------------------------------------------- */
/* Connections. */

static void
conn_create(struct stream *stream)
{
    struct fabric_conn *conn = xzalloc(sizeof *conn);

    conn->id = next_conn_id++;
    conn->stream = stream;
    conn->peer = xstrdup(stream_get_name(stream));
    ofpbuf_init(&conn->rxbuf, RX_CHUNK);
    ofpbuf_init(&conn->txbuf, 0);
    ovs_list_push_back(&conns, &conn->list_node);
    VLOG_DBG("new connection %u from %s", conn->id, conn->peer);
}

/* Closes 'conn': its QPs and memberships go (section 2.3); its port goes
 * with its last connection. */
static void
conn_destroy(struct fabric_conn *conn)
{
    struct fabric_port *port = conn->port;

    if (port) {
        struct fabric_qp *qp;

        groups_remove(port, conn, 0);
        HMAP_FOR_EACH_SAFE (qp, node, &port->qps) {
            if (qp->conn == conn) {
                hmap_remove(&port->qps, &qp->node);
                free(qp);
            }
        }
        ovs_list_remove(&conn->port_node);
        if (ovs_list_is_empty(&port->conns)) {
            port_destroy(port);
        } else {
            VLOG_INFO("%s: connection %u closed, %"PRIuSIZE" left on the "
                      "port", port->pn->name, conn->id,
                      ovs_list_size(&port->conns));
        }
    }
    delayed_purge(conn);
    ovs_list_remove(&conn->list_node);
    stream_close(conn->stream);
    ofpbuf_uninit(&conn->rxbuf);
    ofpbuf_uninit(&conn->txbuf);
    free(conn->peer);
    free(conn);
}

/* Moves the bytes of 'b' to the start of its buffer once the unused
 * headroom grows large, so that the buffer does not creep. */
static void
compact(struct ofpbuf *b)
{
    if (!b->size) {
        ofpbuf_clear(b);
    } else if (ofpbuf_headroom(b) > 1024 * 1024
               || ofpbuf_headroom(b) > b->size * 4) {
        memmove(b->base, b->data, b->size);
        b->data = b->base;
    }
}

/* Sends what it can of 'conn''s queue.  Returns 0 or a positive errno. */
static int
conn_flush(struct fabric_conn *conn)
{
    while (conn->txbuf.size) {
        int n = stream_send(conn->stream, conn->txbuf.data,
                            conn->txbuf.size);
        if (n == -EAGAIN) {
            break;
        } else if (n < 0) {
            return -n;
        }
        ofpbuf_pull(&conn->txbuf, n);
    }
    compact(&conn->txbuf);
    return 0;
}

/* Reads and handles what 'conn' sent.  Returns 0, EOF, or a positive
 * errno. */
static int
conn_receive(struct fabric_conn *conn)
{
    for (int round = 0; round < RX_ROUNDS; round++) {
        ofpbuf_prealloc_tailroom(&conn->rxbuf, RX_CHUNK);
        int n = stream_recv(conn->stream, ofpbuf_tail(&conn->rxbuf),
                            RX_CHUNK);
        if (n == -EAGAIN) {
            return 0;
        } else if (n < 0) {
            return -n;
        } else if (n == 0) {
            return EOF;
        }
        conn->rxbuf.size += n;

        for (;;) {
            struct ibfp_frame fr;
            size_t frame_len;
            int error = ibfp_frame_peek(conn->rxbuf.data, conn->rxbuf.size,
                                        &fr, &frame_len);
            if (error == EAGAIN) {
                break;
            } else if (error) {
                VLOG_WARN_RL(&rl, "%s: invalid frame length %"PRIu32", "
                             "closing the connection",
                             conn_name(conn),
                             ipoib_get_be32(conn->rxbuf.data));
                return EPROTO;
            }
            handle_frame(conn, &fr, (uint8_t *) conn->rxbuf.data
                                    + IBFP_HDR_LEN);
            ofpbuf_pull(&conn->rxbuf, frame_len);
        }
        compact(&conn->rxbuf);
    }
    return 0;
}

static void
conns_run(void)
{
    struct fabric_conn *conn;

    LIST_FOR_EACH_SAFE (conn, list_node, &conns) {
        stream_run(conn->stream);
        int error = conn_receive(conn);
        if (error) {
            /* Best effort: the replies to the frames before the error. */
            conn_flush(conn);
            if (error != EOF) {
                VLOG_INFO("%s: connection closed (%s)", conn_name(conn),
                          ovs_strerror(error));
            }
            conn_destroy(conn);
        }
    }

    /* Send after everyone's input was switched, so that one send call
     * carries many frames. */
    LIST_FOR_EACH_SAFE (conn, list_node, &conns) {
        int error = conn_flush(conn);
        if (error) {
            VLOG_INFO("%s: send failed (%s), closing the connection",
                      conn_name(conn), ovs_strerror(error));
            conn_destroy(conn);
        }
    }
}

static void
conns_wait(void)
{
    struct fabric_conn *conn;

    LIST_FOR_EACH (conn, list_node, &conns) {
        stream_run_wait(conn->stream);
        stream_recv_wait(conn->stream);
        if (conn->txbuf.size) {
            stream_send_wait(conn->stream);
        }
    }
}

/* ---------------------------------------------------------------------- */
/* unixctl commands. */

static void
fabric_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
            const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct ipoib_gid prefix;

    memset(&prefix, 0, sizeof prefix);
    memcpy(prefix.b, subnet_prefix, 8);
    ds_put_cstr(&s, "subnet prefix ");
    format_gid(&s, &prefix);
    ds_put_format(&s, ", IB MTU %"PRIu16" (IPoIB MTU %d), "
                  "Q_Key 0x%08"PRIx32", default P_Keys ",
                  fabric_mtu, IPOIB_UD_MTU(fabric_mtu), fabric_qkey);
    format_pkeys(&s, default_pkeys, n_default_pkeys);
    ds_put_char(&s, '\n');

    ds_put_cstr(&s, "ports:\n");
    const struct shash_node **sorted = shash_sort(&names);
    for (size_t i = 0; i < shash_count(&names); i++) {
        const struct port_name *pn = sorted[i]->data;
        const struct fabric_port *port = port_by_name(pn->name);
        size_t n;
        const uint16_t *table = pkey_table(pn, &n);

        ds_put_format(&s, "  %s: ", pn->name);
        if (!port) {
            if (pn->lid) {
                ds_put_format(&s, "LID %"PRIu16", ", pn->lid);
            }
            ds_put_format(&s, "detached%s, P_Keys ",
                          pn->admin_down ? ", admin down" : "");
            format_pkeys(&s, table, n);
            ds_put_char(&s, '\n');
            continue;
        }
        ds_put_format(&s, "LID %"PRIu16", GUID 0x%016"PRIx64", GID ",
                      port->lid, port->guid);
        format_gid(&s, &port->gid);
        ds_put_format(&s, ", %s, P_Keys ", port->up ? "ACTIVE" : "DOWN");
        format_pkeys(&s, table, n);
        size_t n_conns = ovs_list_size(&port->conns);
        ds_put_format(&s, ", %"PRIuSIZE" connection%s\n", n_conns,
                      n_conns == 1 ? "" : "s");

        /* Connections, oldest first. */
        const struct fabric_conn *fc;
        LIST_FOR_EACH (fc, port_node, &port->conns) {
            ds_put_format(&s, "    connection %u: %"PRIuSIZE" QP%s, rx %"
                          PRIu64" packets, tx %"PRIu64" packets, tx queue %"
                          PRIu32" bytes\n", fc->id, fc->n_qps,
                          fc->n_qps == 1 ? "" : "s", fc->rx_packets,
                          fc->tx_packets, fc->txbuf.size);
        }

        /* QPs, in QPN order. */
        uint32_t *qpns = xmalloc(hmap_count(&port->qps) * sizeof *qpns);
        size_t n_qpns = 0;
        const struct fabric_qp *qp;
        HMAP_FOR_EACH (qp, node, &port->qps) {
            qpns[n_qpns++] = qp->qpn;
        }
        for (size_t a = 1; a < n_qpns; a++) {
            for (size_t b = a; b > 0 && qpns[b - 1] > qpns[b]; b--) {
                uint32_t t = qpns[b];
                qpns[b] = qpns[b - 1];
                qpns[b - 1] = t;
            }
        }
        for (size_t q = 0; q < n_qpns; q++) {
            qp = port_find_qp(port, qpns[q]);
            ds_put_format(&s, "    QP 0x%06"PRIx32": Q_Key 0x%08"PRIx32
                          ", P_Key 0x%04"PRIx16", connection %u%s\n",
                          qp->qpn, qp->qkey, qp->pkey, qp->conn->id,
                          qp->flags & IBFP_QP_BLOCK_SELF_MCAST
                          ? ", block self multicast" : "");
        }
        free(qpns);
    }
    free(sorted);

    ds_put_cstr(&s, "multicast groups:\n");
    for (uint32_t mlid = IB_LID_MULTICAST_MIN;
         mlid <= IB_LID_MULTICAST_MAX && hmap_count(&groups); mlid++) {
        const struct mcast_group *g = group_by_mlid(mlid);
        const struct mcast_member *m;

        if (!g) {
            if (mlid > IB_LID_MULTICAST_MIN + hmap_count(&groups) * 4) {
                /* Stop scanning well past the groups in use. */
                bool more = false;
                HMAP_FOR_EACH (g, node, &groups) {
                    more |= g->mlid > mlid;
                }
                if (!more) {
                    break;
                }
            }
            continue;
        }
        ds_put_cstr(&s, "  ");
        format_gid(&s, &g->mgid);
        ds_put_format(&s, ": MLID 0x%04"PRIx16", P_Key 0x%04"PRIx16", "
                      "Q_Key 0x%08"PRIx32", MTU %"PRIu16", scope %"PRIu8
                      ", SL %"PRIu8"%s\n", g->mlid, g->pkey, g->qkey, g->mtu,
                      g->scope, g->sl, g->permanent ? ", broadcast" : "");
        LIST_FOR_EACH (m, node, &g->members) {
            ds_put_format(&s, "    %s", m->conn->port->pn->name);
            if (m->join_state == IBFP_JOIN_FULL) {
                ds_put_format(&s, " QP 0x%06"PRIx32" full member\n", m->qpn);
            } else if (m->join_state == IBFP_JOIN_SEND_ONLY) {
                ds_put_cstr(&s, " send-only non-member\n");
            } else {
                ds_put_cstr(&s, " send-only full member\n");
            }
        }
    }

    ds_put_format(&s, "packets: received %"PRIu64", delivered %"PRIu64
                  " (unicast %"PRIu64", multicast %"PRIu64")\n",
                  n_received, n_delivered, n_unicast, n_multicast);
    ds_put_cstr(&s, "drops:");
    bool any = false;
    for (int i = 0; i < N_DROP_REASONS; i++) {
        if (drops[i]) {
            ds_put_format(&s, " %s=%"PRIu64, drop_names[i], drops[i]);
            any = true;
        }
    }
    ds_put_format(&s, "%s\n", any ? "" : " none");
    if (capture) {
        ds_put_format(&s, "capture: %s, %"PRIu64" packets\n",
                      ib_capture_file_name(capture),
                      ib_capture_count(capture));
    } else {
        ds_put_cstr(&s, "capture: off\n");
    }
    ds_put_format(&s, "faults: drop next %"PRIu64", corrupt next %"PRIu64
                  " (%s), delay %u ms\n", fault_drop_n, fault_corrupt_n,
                  fault_corrupt_egress ? "egress" : "ingress",
                  fault_delay_ms);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

static void
fabric_counters(struct unixctl_conn *conn, int argc OVS_UNUSED,
                const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    ds_put_format(&s, "received=%"PRIu64"\ndelivered=%"PRIu64"\n"
                  "unicast=%"PRIu64"\nmulticast=%"PRIu64"\n",
                  n_received, n_delivered, n_unicast, n_multicast);
    for (int i = 0; i < N_DROP_REASONS; i++) {
        ds_put_format(&s, "%s=%"PRIu64"\n", drop_names[i], drops[i]);
    }
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

static void
fabric_clear_counters(struct unixctl_conn *conn, int argc OVS_UNUSED,
                      const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    struct fabric_conn *fc;

    memset(drops, 0, sizeof drops);
    n_received = n_delivered = n_unicast = n_multicast = 0;
    LIST_FOR_EACH (fc, list_node, &conns) {
        fc->rx_packets = fc->tx_packets = 0;
    }
    unixctl_command_reply(conn, NULL);
}

static char *
capture_start(const char *file_name)
{
    struct ib_capture *new;
    int error = ib_capture_open(file_name, &new);

    if (error) {
        return xasprintf("%s: cannot create capture (%s)", file_name,
                         ovs_strerror(error));
    }
    ib_capture_close(capture);
    capture = new;
    VLOG_INFO("capturing to %s", file_name);
    return NULL;
}

static void
fabric_capture_start(struct unixctl_conn *conn, int argc OVS_UNUSED,
                     const char *argv[], void *aux OVS_UNUSED)
{
    char *error = capture_start(argv[1]);

    if (error) {
        unixctl_command_reply_error(conn, error);
        free(error);
    } else {
        unixctl_command_reply(conn, NULL);
    }
}

static void
fabric_capture_stop(struct unixctl_conn *conn, int argc OVS_UNUSED,
                    const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    if (!capture) {
        unixctl_command_reply_error(conn, "no capture running");
        return;
    }
    char *msg = xasprintf("%s: %"PRIu64" packets",
                          ib_capture_file_name(capture),
                          ib_capture_count(capture));
    ib_capture_close(capture);
    capture = NULL;
    unixctl_command_reply(conn, msg);
    free(msg);
}

static bool
parse_count(const char *s, uint64_t *n)
{
    char *end;

    errno = 0;
    *n = strtoull(s, &end, 10);
    return !errno && *s && !*end && *s != '-';
}

static void
fabric_drop(struct unixctl_conn *conn, int argc OVS_UNUSED,
            const char *argv[], void *aux OVS_UNUSED)
{
    if (!parse_count(argv[1], &fault_drop_n)) {
        fault_drop_n = 0;
        unixctl_command_reply_error(conn, "invalid count");
        return;
    }
    unixctl_command_reply(conn, NULL);
}

static void
fabric_corrupt(struct unixctl_conn *conn, int argc,
               const char *argv[], void *aux OVS_UNUSED)
{
    bool egress = false;

    if (argc > 2) {
        if (!strcmp(argv[2], "egress")) {
            egress = true;
        } else if (strcmp(argv[2], "ingress")) {
            unixctl_command_reply_error(conn, "want ingress or egress");
            return;
        }
    }
    if (!parse_count(argv[1], &fault_corrupt_n)) {
        fault_corrupt_n = 0;
        unixctl_command_reply_error(conn, "invalid count");
        return;
    }
    fault_corrupt_egress = egress;
    unixctl_command_reply(conn, NULL);
}

static void
fabric_delay(struct unixctl_conn *conn, int argc OVS_UNUSED,
             const char *argv[], void *aux OVS_UNUSED)
{
    uint64_t ms;

    if (!parse_count(argv[1], &ms) || ms > 60000) {
        unixctl_command_reply_error(conn, "invalid delay (0..60000 ms)");
        return;
    }
    fault_delay_ms = ms;
    unixctl_command_reply(conn, NULL);
}

/* Sets port 'name' administratively up or down.  Returns its port, or NULL
 * if it is not attached.  (Apart from set_port_state() so that
 * tests/fuzz/fuzz-fabric.c can call it.) */
static struct fabric_port *
port_set_admin_state(const char *name, bool up)
{
    struct port_name *pn = port_name_get(name);
    struct fabric_port *port = port_by_name(name);

    pn->admin_down = !up;
    if (port && port->up != up) {
        port->up = up;
        if (!up) {
            /* The SM forgets a downed port's memberships, those of every
             * connection (section 4.11). */
            groups_remove(port, NULL, 0);
        }
        send_port_event(port);
        VLOG_INFO("%s: port %s", name, up ? "up" : "down");
    }
    return port;
}

static void
set_port_state(struct unixctl_conn *conn, const char *name, bool up)
{
    struct fabric_port *port = port_set_admin_state(name, up);

    unixctl_command_reply(conn, port ? NULL : "(not attached)");
}

static void
fabric_port_down(struct unixctl_conn *conn, int argc OVS_UNUSED,
                 const char *argv[], void *aux OVS_UNUSED)
{
    set_port_state(conn, argv[1], false);
}

static void
fabric_port_up(struct unixctl_conn *conn, int argc OVS_UNUSED,
               const char *argv[], void *aux OVS_UNUSED)
{
    set_port_state(conn, argv[1], true);
}

/* Gives port 'name' the P_Key table in 'list' ("0xffff,0x8001").  Returns
 * an error message to free, or NULL.  (Apart from fabric_set_pkeys() so
 * that tests/fuzz/fuzz-fabric.c can call it.) */
static char *
port_name_set_pkeys(const char *name, const char *list)
{
    uint16_t pkeys[IBFP_MAX_PKEYS];
    size_t n;
    char *error = parse_pkey_list(list, pkeys, &n);

    if (error) {
        return error;
    }
    struct port_name *pn = port_name_get(name);
    memcpy(pn->pkeys, pkeys, sizeof pkeys);
    pn->n_pkeys = n;
    pn->has_pkeys = true;
    ensure_broadcast_groups();
    return NULL;
}

static void
fabric_set_pkeys(struct unixctl_conn *conn, int argc OVS_UNUSED,
                 const char *argv[], void *aux OVS_UNUSED)
{
    char *error = port_name_set_pkeys(argv[1], argv[2]);

    if (error) {
        unixctl_command_reply_error(conn, error);
        free(error);
        return;
    }
    unixctl_command_reply(conn, NULL);
}

static void
fabric_path_query(struct unixctl_conn *conn, int argc, const char *argv[],
                  void *aux OVS_UNUSED)
{
    const struct fabric_port *src = port_by_name(argv[1]);
    struct ipoib_gid dgid;
    unsigned long pkey = IPOIB_PKEY_DEFAULT;

    if (!src) {
        unixctl_command_reply_error(conn, "no such attached port");
        return;
    }
    if (!ipoib_gid_parse(argv[2], &dgid)) {
        unixctl_command_reply_error(conn, "invalid GID");
        return;
    }
    if (argc > 3) {
        char *end;
        pkey = strtoul(argv[3], &end, 0);
        if (*end || pkey > 0xffff) {
            unixctl_command_reply_error(conn, "invalid P_Key");
            return;
        }
    }

    struct ibfp_path path;
    const char *reason;
    if (path_query(src, &dgid, pkey, &path, &reason)) {
        unixctl_command_reply_error(conn, reason);
        return;
    }
    char *s = xasprintf("DLID 0x%04"PRIx16", SLID 0x%04"PRIx16", "
                        "P_Key 0x%04"PRIx16", MTU %"PRIu16", SL %"PRIu8
                        ", hop limit %"PRIu8, path.dlid, path.slid,
                        path.pkey, path.mtu, path.sl, path.hop_limit);
    unixctl_command_reply(conn, s);
    free(s);
}

static void
fabric_exit(struct unixctl_conn *conn, int argc OVS_UNUSED,
            const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    exiting = true;
    unixctl_command_reply(conn, NULL);
}

static void
register_unixctl_commands(void)
{
    unixctl_command_register("fabric/show", "", 0, 0, fabric_show, NULL);
    unixctl_command_register("fabric/counters", "", 0, 0, fabric_counters,
                             NULL);
    unixctl_command_register("fabric/clear-counters", "", 0, 0,
                             fabric_clear_counters, NULL);
    unixctl_command_register("fabric/capture-start", "FILE", 1, 1,
                             fabric_capture_start, NULL);
    unixctl_command_register("fabric/capture-stop", "", 0, 0,
                             fabric_capture_stop, NULL);
    unixctl_command_register("fabric/drop", "N", 1, 1, fabric_drop, NULL);
    unixctl_command_register("fabric/corrupt", "N [ingress|egress]", 1, 2,
                             fabric_corrupt, NULL);
    unixctl_command_register("fabric/delay", "MS", 1, 1, fabric_delay, NULL);
    unixctl_command_register("fabric/port-down", "NAME", 1, 1,
                             fabric_port_down, NULL);
    unixctl_command_register("fabric/port-up", "NAME", 1, 1,
                             fabric_port_up, NULL);
    unixctl_command_register("fabric/set-pkeys", "NAME PKEY[,PKEY...]", 2, 2,
                             fabric_set_pkeys, NULL);
    unixctl_command_register("fabric/path-query", "PORT DGID [PKEY]", 2, 3,
                             fabric_path_query, NULL);
    unixctl_command_register("exit", "", 0, 0, fabric_exit, NULL);
}

/* ---------------------------------------------------------------------- */
/* Main. */

int
main(int argc, char *argv[])
{
    struct unixctl_server *unixctl;
    struct pstream **listeners;
    int error;

    ovs_cmdl_proctitle_init(argc, argv);
    set_program_name(argv[0]);
    service_start(&argc, &argv);
    parse_options(argc, argv);
    fatal_ignore_sigpipe();

    listeners = xcalloc(n_remotes, sizeof *listeners);
    for (size_t i = 0; i < n_remotes; i++) {
        error = pstream_open(remotes[i], &listeners[i], DSCP_DEFAULT);
        if (error) {
            ovs_fatal(error, "%s: cannot listen", remotes[i]);
        }
    }
    if (capture_file) {
        char *msg = capture_start(capture_file);
        if (msg) {
            ovs_fatal(0, "%s", msg);
        }
    }
    ensure_broadcast_groups();

    daemonize_start(false);
    error = unixctl_server_create(unixctl_path, &unixctl);
    if (error) {
        exit(EXIT_FAILURE);
    }
    register_unixctl_commands();
    daemonize_complete();

    VLOG_INFO("soft InfiniBand fabric listening on %s%s",
              n_remotes ? remotes[0] : "", n_remotes > 1 ? " ..." : "");

    while (!exiting) {
        for (size_t i = 0; i < n_remotes; i++) {
            struct stream *stream;

            for (int j = 0; j < 16; j++) {
                error = pstream_accept(listeners[i], &stream);
                if (error) {
                    if (error != EAGAIN) {
                        VLOG_WARN_RL(&rl, "%s: accept failed (%s)",
                                     remotes[i], ovs_strerror(error));
                    }
                    break;
                }
                conn_create(stream);
            }
        }
        delayed_run();
        conns_run();
        if (capture) {
            ib_capture_flush(capture);
        }
        unixctl_server_run(unixctl);

        for (size_t i = 0; i < n_remotes; i++) {
            pstream_wait(listeners[i]);
        }
        conns_wait();
        delayed_wait();
        unixctl_server_wait(unixctl);
        if (exiting) {
            poll_immediate_wake();
        }
        poll_block();
    }

    while (!ovs_list_is_empty(&conns)) {
        conn_destroy(CONTAINER_OF(ovs_list_front(&conns), struct fabric_conn,
                                  list_node));
    }
    for (size_t i = 0; i < n_remotes; i++) {
        pstream_close(listeners[i]);
    }
    free(listeners);
    ib_capture_close(capture);
    unixctl_server_destroy(unixctl);
    service_stop();
    return 0;
}

static void
parse_options(int argc, char *argv[])
{
    enum {
        OPT_REMOTE = UCHAR_MAX + 1,
        OPT_SUBNET_PREFIX,
        OPT_MTU,
        OPT_PKEYS,
        OPT_PORT_PKEYS,
        OPT_QKEY,
        OPT_CAPTURE,
        OPT_UNIXCTL,
        VLOG_OPTION_ENUMS,
        DAEMON_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"remote", required_argument, NULL, OPT_REMOTE},
        {"subnet-prefix", required_argument, NULL, OPT_SUBNET_PREFIX},
        {"mtu", required_argument, NULL, OPT_MTU},
        {"pkeys", required_argument, NULL, OPT_PKEYS},
        {"port-pkeys", required_argument, NULL, OPT_PORT_PKEYS},
        {"qkey", required_argument, NULL, OPT_QKEY},
        {"capture", required_argument, NULL, OPT_CAPTURE},
        {"unixctl", required_argument, NULL, OPT_UNIXCTL},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        DAEMON_LONG_OPTIONS,
        VLOG_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    char *short_options = ovs_cmdl_long_options_to_short_options(long_options);

    for (;;) {
        char *error;
        char *end;
        unsigned long v;
        struct ipoib_gid gid;
        int c = getopt_long(argc, argv, short_options, long_options, NULL);

        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_REMOTE:
            error = NULL;
            if (pstream_verify_name(optarg)) {
                ovs_fatal(0, "%s: not a passive stream name (e.g. "
                          "punix:PATH)", optarg);
            }
            remotes = xrealloc(remotes, (n_remotes + 1) * sizeof *remotes);
            remotes[n_remotes++] = xstrdup(optarg);
            break;

        case OPT_SUBNET_PREFIX:
            if (!ipoib_gid_parse(optarg, &gid)
                || memcmp(&gid.b[8], "\0\0\0\0\0\0\0\0", 8)) {
                ovs_fatal(0, "%s: invalid subnet prefix (want e.g. fe80::)",
                          optarg);
            }
            memcpy(subnet_prefix, gid.b, 8);
            break;

        case OPT_MTU:
            v = strtoul(optarg, &end, 10);
            if (*end || !ibfp_mtu_is_valid(v)) {
                ovs_fatal(0, "%s: invalid IB MTU (want 256, 512, 1024, "
                          "2048 or 4096)", optarg);
            }
            fabric_mtu = v;
            break;

        case OPT_PKEYS:
            error = parse_pkey_list(optarg, default_pkeys, &n_default_pkeys);
            if (error) {
                ovs_fatal(0, "--pkeys: %s", error);
            }
            break;

        case OPT_PORT_PKEYS: {
            char *eq = strchr(optarg, '=');
            struct port_name *pn;

            if (!eq || eq == optarg) {
                ovs_fatal(0, "--port-pkeys: want NAME=PKEY[,PKEY...]");
            }
            *eq = '\0';
            pn = port_name_get(optarg);
            error = parse_pkey_list(eq + 1, pn->pkeys, &pn->n_pkeys);
            if (error) {
                ovs_fatal(0, "--port-pkeys: %s", error);
            }
            pn->has_pkeys = true;
            break;
        }

        case OPT_QKEY:
            errno = 0;
            v = strtoul(optarg, &end, 0);
            if (errno || *end || v > UINT32_MAX) {
                ovs_fatal(0, "%s: invalid Q_Key", optarg);
            }
            fabric_qkey = v;
            break;

        case OPT_CAPTURE:
            /* Absolute, since --detach changes directory. */
            capture_file = abs_file_name(NULL, optarg);
            break;

        case OPT_UNIXCTL:
            unixctl_path = optarg;
            break;

        case 'h':
            usage();

        case 'V':
            ovs_print_version(0, 0);
            exit(EXIT_SUCCESS);

        VLOG_OPTION_HANDLERS
        DAEMON_OPTION_HANDLERS

        case '?':
            exit(EXIT_FAILURE);

        default:
            OVS_NOT_REACHED();
        }
    }
    free(short_options);

    if (optind < argc) {
        ovs_fatal(0, "non-option argument %s; use --help for usage",
                  argv[optind]);
    }
    if (!n_remotes) {
        remotes = xmalloc(sizeof *remotes);
        remotes[n_remotes++] = xasprintf("punix:%s/eipoib-fabric.sock",
                                         ovs_rundir());
    }
}

static void
usage(void)
{
    printf("%s: soft InfiniBand fabric (subnet manager and switch)\n"
           "usage: %s [OPTIONS]\n"
           "\nFabric options:\n"
           "  --remote=punix:PATH     ports attach here (repeatable; "
           "default\n"
           "                          punix:%s/eipoib-fabric.sock)\n"
           "  --subnet-prefix=GID     subnet prefix (default fe80::)\n"
           "  --mtu=BYTES             IB MTU: 256..4096 (default 2048)\n"
           "  --pkeys=P[,P...]        default P_Key table (default 0xffff)\n"
           "  --port-pkeys=NAME=P[,P...]  P_Key table of port NAME\n"
           "  --qkey=QKEY             broadcast groups' Q_Key "
           "(default 0x0b1b)\n"
           "  --capture=FILE          capture packets to FILE (pcap, ERF)\n"
           "  --unixctl=SOCKET        override default control socket name\n",
           program_name, program_name, ovs_rundir());
    daemon_usage();
    vlog_usage();
    printf("\nOther options:\n"
           "  -h, --help              display this help message\n"
           "  -V, --version           display version information\n");
    exit(EXIT_SUCCESS);
}
