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

/* libFuzzer target: the soft fabric daemon (utilities/eipoib-fabric.c) as
 * its ports see it.  The daemon's source is compiled into this file (its
 * main() renamed), so that its own connection code reads the input from
 * socketpairs: framing (lib/ib-fabric-proto.c), the subnet manager and
 * administrator (ATTACH, QP_*, MCAST_*, PATH_QUERY), and switching of DATA
 * (lib/ib-packet.c parsing, partition, Q_Key and membership checks,
 * multicast replication), with the administrator's commands (port up and
 * down, P_Key tables, faults) in between.
 *
 * Everything the daemon sends back must be well formed: whole frames that
 * decode, DATA whose packets parse with good CRCs (unless corruption was
 * injected).  Anything else aborts.  The daemon's state is reset after each
 * input, so that LeakSanitizer sees anything it forgets.
 *
 * Input: byte 0: number of connections (1 + n % 4), bits 2-4 the fabric's
 * IB MTU (256 << n % 5); then operations, one byte 'op' (op % 6 selects,
 * op / 6 % 4 is the connection) and its arguments:
 *
 *   0  RAW: 2-byte length, bytes written to the connection as they are.
 *   1  FRAME: 1-byte type (an index into 'types' below, or the byte
 *      itself if larger), 2-byte xid, 2-byte length, the body.
 *   2  PACKET: a DATA frame with a UD packet built from the connection's
 *      own port and QPs: byte f (bit 0 GRH, bits 1-2 DLID: 0 a port's LID,
 *      1 a group's MLID, 2-3 the next 2 bytes; bits 3-4 destination QP:
 *      0 a QP of a port, 1 0xffffff, 2-3 the next 3 bytes; bit 5 P_Key
 *      from the next 2 bytes, else the QP's; bit 6 Q_Key from the next 4
 *      bytes, else the default; bit 7 corrupt one byte after building),
 *      byte s (selects the source QP and the target), 2-byte length, the
 *      payload.
 *   3  CLOSE: closes the connection (the daemon sees EOF) and opens a new
 *      one in its place.
 *   4  ADMIN: byte b, port "p" + (b & 3): bit 2 down, else up; bit 3 then
 *      a 1-byte length and a P_Key list for that name ("0xffff,0x8001").
 *   5  FAULT: byte: drop count (bits 0-1), corrupt count (bits 2-3),
 *      corrupt on egress (bit 4). */

#include <config.h>

#define main eipoib_fabric_main
#include "utilities/eipoib-fabric.c"
#undef main

#include <sys/socket.h>

#include "socket-util.h"
#include "stream-fd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_CONNS 4

struct fuzz_conn {
    int fd;                     /* Our end. */
    struct fabric_conn *conn;   /* The daemon's end. */
    struct ofpbuf rx;           /* What the daemon sent, not yet parsed. */
};

static struct fuzz_conn fconns[FUZZ_MAX_CONNS];
static size_t n_fconns;

static void
fconn_open(struct fuzz_conn *fc)
{
    int fds[2];
    struct stream *stream;

    ovs_assert(!socketpair(AF_UNIX, SOCK_STREAM, 0, fds));
    ovs_assert(!set_nonblocking(fds[0]) && !set_nonblocking(fds[1]));
    ovs_assert(!new_fd_stream(xstrdup("fuzz"), fds[1], 0, AF_UNIX,
                              &stream));
    conn_create(stream);
    fc->fd = fds[0];
    fc->conn = CONTAINER_OF(ovs_list_back(&conns), struct fabric_conn,
                            list_node);
    ofpbuf_init(&fc->rx, 0);
}

/* The daemon's end goes when it reads EOF (conns_run()). */
static void
fconn_close(struct fuzz_conn *fc)
{
    close(fc->fd);
    fc->fd = -1;
    ofpbuf_uninit(&fc->rx);
}

static bool
daemon_has_conn(const struct fabric_conn *c)
{
    const struct fabric_conn *conn;

    LIST_FOR_EACH (conn, list_node, &conns) {
        if (conn == c) {
            return true;
        }
    }
    return false;
}

/* Checks one frame that the daemon sent. */
static void
check_frame(const struct ibfp_frame *fr)
{
    union {
        struct ibfp_attach_reply attach;
        struct ibfp_qp qp;
        struct ibfp_qp_destroy destroy;
        struct ibfp_join_reply join;
        struct ibfp_leave leave;
        struct ibfp_path path;
        struct ibfp_data data;
        struct ibfp_port_event event;
        struct ibfp_error_msg error;
    } u;

    switch (fr->type) {
    case IBFP_ATTACH | IBFP_REPLY:
        ovs_assert(!ibfp_decode_attach_reply(fr->body, fr->body_len,
                                             &u.attach));
        break;
    case IBFP_QP_CREATE | IBFP_REPLY:
    case IBFP_QP_MODIFY | IBFP_REPLY:
        ovs_assert(!ibfp_decode_qp(fr->body, fr->body_len, &u.qp));
        break;
    case IBFP_QP_DESTROY | IBFP_REPLY:
        ovs_assert(!ibfp_decode_qp_destroy(fr->body, fr->body_len,
                                           &u.destroy));
        break;
    case IBFP_MCAST_JOIN | IBFP_REPLY:
        ovs_assert(!ibfp_decode_join_reply(fr->body, fr->body_len, &u.join));
        break;
    case IBFP_MCAST_LEAVE | IBFP_REPLY:
        ovs_assert(!ibfp_decode_leave(fr->body, fr->body_len, &u.leave));
        break;
    case IBFP_PATH_QUERY | IBFP_REPLY:
        ovs_assert(!ibfp_decode_path(fr->body, fr->body_len, &u.path));
        break;
    case IBFP_ECHO | IBFP_REPLY:
        break;
    case IBFP_DATA: {
        struct ib_ud_fields f;
        const uint8_t *payload;
        size_t payload_len;

        ovs_assert(!ibfp_decode_data(fr->body, fr->body_len, &u.data));
        enum ib_parse_error e = ib_ud_parse(u.data.packet,
                                            u.data.packet_len, true, &f,
                                            &payload, &payload_len);
        ovs_assert(e == IB_PARSE_OK || fault_corrupt_egress);
        break;
    }
    case IBFP_PORT_EVENT:
        ovs_assert(!ibfp_decode_port_event(fr->body, fr->body_len,
                                           &u.event));
        break;
    case IBFP_ERROR:
        ovs_assert(!ibfp_decode_error(fr->body, fr->body_len, &u.error));
        break;
    default:
        OVS_NOT_REACHED();
    }
}

/* Reads and checks what the daemon sent to 'fc'. */
static void
fconn_drain(struct fuzz_conn *fc)
{
    if (fc->fd < 0) {
        return;
    }
    for (;;) {
        ofpbuf_prealloc_tailroom(&fc->rx, 65536);
        ssize_t n = read(fc->fd, ofpbuf_tail(&fc->rx), 65536);
        if (n <= 0) {
            break;
        }
        fc->rx.size += n;
    }
    for (;;) {
        struct ibfp_frame fr;
        size_t frame_len;
        int error = ibfp_frame_peek(fc->rx.data, fc->rx.size, &fr,
                                    &frame_len);
        if (error == EAGAIN) {
            break;
        }
        ovs_assert(!error);
        check_frame(&fr);
        ofpbuf_pull(&fc->rx, frame_len);
    }
}

/* Runs the daemon's connections until they have read everything and
 * written what they can, and checks their output. */
static void
run(void)
{
    for (int i = 0; i < 4; i++) {
        conns_run();
        for (size_t j = 0; j < n_fconns; j++) {
            fconn_drain(&fconns[j]);
        }
    }
}

/* Writes 'len' bytes to 'fc', running the daemon when the socket fills. */
static void
fconn_write(struct fuzz_conn *fc, const void *data, size_t len)
{
    const uint8_t *p = data;

    while (len && fc->fd >= 0) {
        ssize_t n = write(fc->fd, p, len);
        if (n > 0) {
            p += n;
            len -= n;
        } else if (n < 0 && errno == EAGAIN) {
            run();
            if (!daemon_has_conn(fc->conn)) {
                return;     /* It closed the connection: protocol error. */
            }
        } else {
            return;
        }
    }
}

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

static uint32_t
take_be(struct input *in, size_t n)
{
    uint8_t b[4] = { 0, 0, 0, 0 };
    take(in, b, n);
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v = (v << 8) | b[i];
    }
    return v;
}

static void
op_raw(struct fuzz_conn *fc, struct input *in)
{
    size_t len = take_length(in, 2);

    fconn_write(fc, in->p, len);
    in->p += len;
    in->n -= len;
}

static void
op_frame(struct fuzz_conn *fc, struct input *in)
{
    static const uint16_t types[] = {
        IBFP_ATTACH, IBFP_QP_CREATE, IBFP_QP_MODIFY, IBFP_QP_DESTROY,
        IBFP_MCAST_JOIN, IBFP_MCAST_LEAVE, IBFP_PATH_QUERY, IBFP_ECHO,
        IBFP_DATA,
    };
    uint8_t t = take_u8(in);
    uint16_t type = t < ARRAY_SIZE(types) ? types[t] : t;
    uint16_t xid = take_be16(in);
    size_t len = take_length(in, 2);
    struct ofpbuf b;

    ofpbuf_init(&b, 0);
    size_t start = ibfp_frame_start(&b, type, xid);
    ofpbuf_put(&b, in->p, len);
    ibfp_frame_end(&b, start);
    in->p += len;
    in->n -= len;
    fconn_write(fc, b.data, b.size);
    ofpbuf_uninit(&b);
}

/* The 's'th QP of 'port', or NULL. */
static const struct fabric_qp *
nth_qp(const struct fabric_port *port, unsigned int s)
{
    const struct fabric_qp *qp;
    size_t n = port ? hmap_count(&port->qps) : 0;

    if (!n) {
        return NULL;
    }
    s %= n;
    HMAP_FOR_EACH (qp, node, &port->qps) {
        if (!s--) {
            return qp;
        }
    }
    OVS_NOT_REACHED();
}

/* The 's'th attached port, or NULL. */
static const struct fabric_port *
nth_port(unsigned int s)
{
    const struct fabric_port *port;
    size_t n = ovs_list_size(&ports);

    if (!n) {
        return NULL;
    }
    s %= n;
    LIST_FOR_EACH (port, list_node, &ports) {
        if (!s--) {
            return port;
        }
    }
    OVS_NOT_REACHED();
}

/* The 's'th multicast group, or NULL. */
static const struct mcast_group *
nth_group(unsigned int s)
{
    const struct mcast_group *g;
    size_t n = hmap_count(&groups);

    if (!n) {
        return NULL;
    }
    s %= n;
    HMAP_FOR_EACH (g, node, &groups) {
        if (!s--) {
            return g;
        }
    }
    OVS_NOT_REACHED();
}

static void
op_packet(struct fuzz_conn *fc, struct input *in)
{
    static uint8_t pkt[70000];
    uint8_t f = take_u8(in);
    uint8_t s = take_u8(in);
    const struct fabric_port *src = (daemon_has_conn(fc->conn)
                                     ? fc->conn->port : NULL);
    const struct fabric_qp *src_qp = nth_qp(src, s);
    const struct fabric_port *dst = nth_port(s >> 4);
    const struct fabric_qp *dst_qp = nth_qp(dst, s >> 2);
    const struct mcast_group *g = nth_group(s >> 3);
    struct ib_ud_fields u;

    memset(&u, 0, sizeof u);
    u.has_grh = f & 1;
    switch ((f >> 1) & 3) {
    case 0:
        u.dlid = dst ? dst->lid : 1;
        break;
    case 1:
        u.dlid = g ? g->mlid : 0xc000;
        u.has_grh = true;
        break;
    default:
        u.dlid = take_be16(in);
        break;
    }
    u.slid = src ? src->lid : 1;
    if (src) {
        u.sgid = src->gid;
    }
    if (ib_lid_is_multicast(u.dlid)) {
        if (g) {
            u.dgid = g->mgid;
        }
    } else if (dst) {
        u.dgid = dst->gid;
    }
    switch ((f >> 3) & 3) {
    case 0:
        u.dest_qp = dst_qp ? dst_qp->qpn : FIRST_QPN;
        break;
    case 1:
        u.dest_qp = 0xffffff;
        break;
    default:
        u.dest_qp = take_be(in, 3);
        break;
    }
    u.pkey = (f & 0x20 ? take_be16(in)
              : src_qp ? src_qp->pkey : IPOIB_PKEY_DEFAULT);
    u.qkey = f & 0x40 ? take_be(in, 4) : IPOIB_QKEY_DEFAULT;
    u.src_qp = src_qp ? src_qp->qpn : FIRST_QPN;
    u.hop_limit = u.has_grh ? 1 : 0;

    size_t len = take_length(in, 2);
    len = MIN(len, sizeof pkt - 128);
    size_t pkt_len = ib_ud_build(pkt, sizeof pkt, &u, in->p, len);
    in->p += len;
    in->n -= len;
    if (!pkt_len) {
        return;
    }
    if (f & 0x80) {
        pkt[s % pkt_len] ^= 1 << (f & 7);
    }

    struct ofpbuf b;
    ofpbuf_init(&b, 0);
    ibfp_put_data(&b, u.src_qp, pkt, pkt_len);
    fconn_write(fc, b.data, b.size);
    ofpbuf_uninit(&b);
}

static void
op_admin(struct input *in)
{
    uint8_t b = take_u8(in);
    char name[3] = { 'p', '0' + (b & 3), '\0' };

    port_set_admin_state(name, !(b & 4));
    if (b & 8) {
        size_t len = take_length(in, 1);
        char *list = xmemdup0((const char *) in->p, len);
        in->p += len;
        in->n -= len;
        free(port_name_set_pkeys(name, list));
        free(list);
    }
}

/* Puts the daemon back in its initial state. */
static void
reset(void)
{
    struct shash_node *node, *next;
    struct mcast_group *g;

    for (size_t i = 0; i < n_fconns; i++) {
        if (fconns[i].fd >= 0) {
            fconn_close(&fconns[i]);
        }
    }
    n_fconns = 0;
    while (!ovs_list_is_empty(&conns)) {
        conn_destroy(CONTAINER_OF(ovs_list_front(&conns), struct fabric_conn,
                                  list_node));
    }
    ovs_assert(ovs_list_is_empty(&ports));
    ovs_assert(ovs_list_is_empty(&delayed));
    HMAP_FOR_EACH_POP (g, node, &groups) {
        ovs_assert(ovs_list_is_empty(&g->members));
        free(g);
    }
    SHASH_FOR_EACH_SAFE (node, next, &names) {
        struct port_name *pn = node->data;
        ovs_assert(!pn->port);
        free(pn->name);
        free(pn);
        shash_delete(&names, node);
    }
    for (size_t i = 0; i < ARRAY_SIZE(lid_to_port); i++) {
        ovs_assert(!lid_to_port[i]);
    }
    next_lid = IB_LID_UNICAST_MIN;
    fault_drop_n = fault_corrupt_n = 0;
    fault_corrupt_egress = false;
    fabric_mtu = 2048;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool initialized;

    if (!initialized) {
        initialized = true;
        vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
        fatal_ignore_sigpipe();
    }
    if (size < 1) {
        return 0;
    }

    fabric_mtu = 256 << ((data[0] >> 2) % 5);
    ensure_broadcast_groups();
    n_fconns = 1 + data[0] % 4;
    for (size_t i = 0; i < n_fconns; i++) {
        fconn_open(&fconns[i]);
    }

    struct input in = { data + 1, size - 1 };
    while (in.n) {
        uint8_t op = take_u8(&in);
        struct fuzz_conn *fc = &fconns[(op / 6) % n_fconns];

        if (fc->fd >= 0 && !daemon_has_conn(fc->conn)) {
            fconn_close(fc);        /* The daemon closed it. */
        }
        if (fc->fd < 0) {
            fconn_open(fc);
        }
        switch (op % 6) {
        case 0:
            op_raw(fc, &in);
            break;
        case 1:
            op_frame(fc, &in);
            break;
        case 2:
            op_packet(fc, &in);
            break;
        case 3:
            fconn_close(fc);
            run();
            fconn_open(fc);
            break;
        case 4:
            op_admin(&in);
            break;
        default: {
            uint8_t b = take_u8(&in);
            fault_drop_n = b & 3;
            fault_corrupt_n = (b >> 2) & 3;
            fault_corrupt_egress = fault_corrupt_n && (b & 0x10);
            break;
        }
        }
        run();
    }
    reset();
    return 0;
}
