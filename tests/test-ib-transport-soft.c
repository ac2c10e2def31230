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

/* Unit tests of lib/ib-transport-soft.c: the soft transport against a
 * scripted fake daemon in the same process, on a Unix socket in the
 * current directory.  The fake answers each request the way the test
 * says, so that attach, activation, sending, the receive-side checks and
 * reconnection can be checked message by message. */

#include <config.h>

#include "ib-transport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dp-packet.h"
#include "eipoib-test.h"
#include "ib-fabric-proto.h"
#include "ib-packet.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "stream.h"
#include "timeval.h"
#include "util.h"

/* Give up waiting after this long. */
#define FAKE_TIMEOUT_MS 5000

static const struct ipoib_gid port_gid = { {
    0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0x12, 0x34, 0x56, 0x78
} };
static const struct ipoib_gid peer_gid = { {
    0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0x9a, 0xbc, 0xde, 0xf0
} };

#define PORT_LID 3
#define PEER_LID 7
#define PEER_QPN 0x4242
#define BCAST_MLID 0xc000
#define QKEY 0x0b1b
#define QPN 0x123

struct fake {
    char *path;
    struct pstream *pstream;
    struct stream *stream;
    struct ofpbuf rx;
    struct ib_port *port;
};

/* A frame the fake received. */
struct fake_frame {
    uint16_t type;
    uint16_t xid;
    uint8_t body[IBFP_MAX_FRAME_LEN];
    size_t body_len;
};

static void
fake_init(struct fake *f, const char *name)
{
    char *pname;

    /* Log to nothing: the suite wants an empty stderr. */
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);

    memset(f, 0, sizeof *f);
    char *cwd = get_cwd();
    f->path = xasprintf("%s/%s-%ld.sock", cwd, name, (long) getpid());
    free(cwd);
    unlink(f->path);
    pname = xasprintf("punix:%s", f->path);
    CHECK_INT(pstream_open(pname, &f->pstream, 0), 0);
    free(pname);
    ofpbuf_init(&f->rx, 0);
}

static void
fake_destroy(struct fake *f)
{
    ib_port_close(f->port);
    stream_close(f->stream);
    pstream_close(f->pstream);
    ofpbuf_uninit(&f->rx);
    unlink(f->path);
    free(f->path);
}

/* Runs the port for a moment. */
static void
fake_tick(struct fake *f)
{
    if (f->port) {
        ib_port_run(f->port);
    }
    if (f->stream) {
        stream_run(f->stream);
    }
    usleep(1000);
}

static bool
fake_accept(struct fake *f)
{
    long long int deadline = time_msec() + FAKE_TIMEOUT_MS;

    stream_close(f->stream);
    f->stream = NULL;
    ofpbuf_clear(&f->rx);
    if (!f->pstream) {
        return false;
    }
    while (time_msec() < deadline) {
        int error = pstream_accept(f->pstream, &f->stream);
        if (!error) {
            return true;
        }
        fake_tick(f);
    }
    return CHECK(!"no connection from the port");
}

/* Reads the next frame from the port.  Returns false on timeout or EOF. */
static bool
fake_read(struct fake *f, struct fake_frame *fr)
{
    long long int deadline = time_msec() + FAKE_TIMEOUT_MS;

    while (time_msec() < deadline) {
        struct ibfp_frame frame;
        size_t frame_len;

        if (!ibfp_frame_peek(f->rx.data, f->rx.size, &frame, &frame_len)) {
            fr->type = frame.type;
            fr->xid = frame.xid;
            fr->body_len = frame.body_len;
            memcpy(fr->body, frame.body, frame.body_len);
            ofpbuf_pull(&f->rx, frame_len);
            return true;
        }

        uint8_t buf[4096];
        int n = f->stream ? stream_recv(f->stream, buf, sizeof buf) : -EOF;
        if (n > 0) {
            ofpbuf_put(&f->rx, buf, n);
        } else if (n != -EAGAIN) {
            return false;
        } else {
            fake_tick(f);
        }
    }
    return false;
}

/* Reads a frame and checks its type. */
static bool
fake_expect(struct fake *f, uint16_t type, struct fake_frame *fr)
{
    if (!CHECK(fake_read(f, fr))) {
        return false;
    }
    if (fr->type != type) {
        fprintf(stderr, "expected %s, got %s\n", ibfp_type_name(type),
                ibfp_type_name(fr->type) ? ibfp_type_name(fr->type) : "?");
        return CHECK(fr->type == type);
    }
    return true;
}

static void
fake_send(struct fake *f, struct ofpbuf *b)
{
    size_t ofs = 0;
    long long int deadline = time_msec() + FAKE_TIMEOUT_MS;

    while (f->stream && ofs < b->size && time_msec() < deadline) {
        int n = stream_send(f->stream, (uint8_t *) b->data + ofs,
                            b->size - ofs);
        if (n > 0) {
            ofs += n;
        } else if (n == -EAGAIN) {
            fake_tick(f);
        } else {
            break;
        }
    }
    CHECK(ofs == b->size);
    ofpbuf_clear(b);
}

/* Runs the port until 'cond' holds, or fails the check after a while. */
#define RUN_UNTIL(F, COND)                                          \
    do {                                                            \
        long long int deadline_ = time_msec() + FAKE_TIMEOUT_MS;    \
        while (!(COND) && time_msec() < deadline_) {                \
            fake_tick(F);                                           \
        }                                                           \
        CHECK(COND);                                                \
    } while (0)

static uint64_t
counter(const struct ib_port *port, const char *name)
{
    struct ib_counter *c;
    size_t n;
    uint64_t value = UINT64_MAX;

    ib_port_get_counters(port, &c, &n);
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(c[i].name, name)) {
            value = c[i].value;
        }
    }
    free(c);
    if (value == UINT64_MAX) {
        fprintf(stderr, "no counter %s\n", name);
        CHECK(false);
    }
    return value;
}

/* The port's description, in a static buffer. */
static const char *
format_port(const struct ib_port *port)
{
    static struct ds s = DS_EMPTY_INITIALIZER;

    ds_clear(&s);
    ib_port_format(port, &s);
    return ds_cstr(&s);
}

static enum ib_port_state
port_state(const struct ib_port *port)
{
    struct ib_port_attr attr;

    ib_port_get_attr(port, &attr);
    return attr.state;
}

/* Plays the daemon's side of attach, broadcast join and QP creation, with
 * the P_Key table 'pkeys'.  'want_qpn' is the QPN the port must ask for.
 * Leaves the port active. */
static void
fake_activate(struct fake *f, uint32_t want_qpn)
{
    struct ofpbuf b;
    struct fake_frame fr;

    ofpbuf_init(&b, 0);
    if (!fake_accept(f)) {
        goto out;
    }

    struct ibfp_attach a;
    if (!fake_expect(f, IBFP_ATTACH, &fr)) {
        goto out;
    }
    CHECK_INT(ibfp_decode_attach(fr.body, fr.body_len, &a), 0);
    CHECK(!strcmp(a.name, "unit-port"));
    struct ibfp_attach_reply ar = {
        .version = IBFP_VERSION, .lid = PORT_LID, .mtu = 2048,
        .state = IBFP_PORT_ACTIVE, .gid = port_gid, .n_pkeys = 2,
        .pkeys = { 0xffff, 0x8002 },
    };
    ibfp_put_attach_reply(&b, fr.xid, &ar);
    fake_send(f, &b);

    /* The port learns the broadcast group's Q_Key and MLID. */
    struct ibfp_join j;
    if (!fake_expect(f, IBFP_MCAST_JOIN, &fr)) {
        goto out;
    }
    CHECK_INT(ibfp_decode_join(fr.body, fr.body_len, &j), 0);
    struct ipoib_gid bcast;
    ipoib_broadcast_mgid(0xffff, IPOIB_SCOPE_LINK, &bcast);
    CHECK_BYTES(j.mgid.b, 16, bcast.b, 16);
    CHECK_INT(j.join_state, IBFP_JOIN_SEND_ONLY_FULL);
    struct ibfp_join_reply jr = {
        .mgid = j.mgid, .qpn = j.qpn, .qkey = QKEY, .mlid = BCAST_MLID,
        .pkey = 0xffff, .mtu = 2048, .join_state = j.join_state,
        .scope = 2,
    };
    ibfp_put_join_reply(&b, fr.xid, &jr);
    fake_send(f, &b);

    /* Then creates its QP, with the group's Q_Key. */
    struct ibfp_qp q;
    if (!fake_expect(f, IBFP_QP_CREATE, &fr)) {
        goto out;
    }
    CHECK_INT(ibfp_decode_qp(fr.body, fr.body_len, &q), 0);
    CHECK_INT(q.qpn, want_qpn);
    CHECK_INT(q.qkey, QKEY);
    CHECK_INT(q.pkey, 0xffff);
    CHECK_INT(q.flags, IBFP_QP_BLOCK_SELF_MCAST);
    q.qpn = QPN;
    ibfp_put_qp(&b, IBFP_QP_CREATE | IBFP_REPLY, fr.xid, &q);
    fake_send(f, &b);

    RUN_UNTIL(f, port_state(f->port) == IB_PORT_ACTIVE);
out:
    ofpbuf_uninit(&b);
}

static struct ib_endpoint *
open_port(struct fake *f, const char *name)
{
    struct ib_port_options options = {
        .pkey = 0xffff, .rx_headroom = 14, .node_name = "unit-port",
    };
    struct ib_endpoint *ep;
    char *remote;

    fake_init(f, name);
    remote = xasprintf("unix:%s", f->path);
    CHECK_INT(ib_port_open("soft", remote, &options, &f->port), 0);
    free(remote);
    CHECK_INT(ib_endpoint_create(f->port, IB_EP_BLOCK_SELF_MCAST_LOOPBACK,
                                 f, &ep), 0);
    return ep;
}

/* Sends a DATA frame to the port with a packet built from 'fields'. */
static void
fake_deliver(struct fake *f, uint32_t qpn, const struct ib_ud_fields *fields,
             const char *payload, size_t len, bool corrupt)
{
    size_t pkt_len = ib_ud_packet_len(fields->has_grh, len);
    uint8_t *pkt = xmalloc(pkt_len);
    struct ofpbuf b;

    ib_ud_build(pkt, pkt_len, fields, payload, len);
    if (corrupt) {
        /* A flipped payload bit under a recomputed VCRC: only the ICRC
         * can tell. */
        uint16_t vcrc;

        pkt[ib_ud_header_len(fields->has_grh)] ^= 1;
        vcrc = ib_vcrc(pkt, pkt_len - IB_VCRC_LEN);
        pkt[pkt_len - 2] = vcrc & 0xff;
        pkt[pkt_len - 1] = vcrc >> 8;
    }
    ofpbuf_init(&b, 0);
    ibfp_put_data(&b, qpn, pkt, pkt_len);
    fake_send(f, &b);
    ofpbuf_uninit(&b);
    free(pkt);
}

/* Receives from the port until something comes, or a while passes.
 * Returns the number received. */
static size_t
recv_some(struct fake *f, struct ib_recv *recvs)
{
    long long int deadline = time_msec() + FAKE_TIMEOUT_MS;
    size_t n = 0;

    while (time_msec() < deadline
           && ib_port_recv(f->port, recvs, IB_RECV_BATCH, &n)) {
        fake_tick(f);
    }
    return n;
}

static void
peer_fields(struct ib_ud_fields *fl)
{
    memset(fl, 0, sizeof *fl);
    fl->dlid = PORT_LID;
    fl->slid = PEER_LID;
    fl->pkey = 0xffff;
    fl->dest_qp = QPN;
    fl->qkey = QKEY;
    fl->src_qp = PEER_QPN;
}

/* Tests. */

/* Attach, broadcast join, QP creation: the port reports what the fabric
 * said. */
static void
test_soft_activate(void)
{
    struct fake f;
    struct ib_endpoint *ep = open_port(&f, "activate");
    struct ib_port_attr attr;
    struct ipoib_addr addr, want;

    CHECK(!ib_endpoint_get_addr(ep, &addr));
    fake_activate(&f, 0);
    ib_port_get_attr(f.port, &attr);
    CHECK_INT(attr.state, IB_PORT_ACTIVE);
    CHECK_INT(attr.lid, PORT_LID);
    CHECK_BYTES(attr.gid.b, 16, port_gid.b, 16);
    CHECK_INT(attr.pkey, 0xffff);
    CHECK_INT(attr.qkey, QKEY);
    CHECK_INT(attr.ib_mtu, 2048);
    CHECK_INT(ib_port_attr_ipoib_mtu(&attr), 2044);
    CHECK_INT(attr.epoch, 1);
    CHECK_INT(ib_endpoint_qpn(ep), QPN);
    CHECK(ib_endpoint_get_addr(ep, &addr));
    ipoib_addr_init(&want, 0, QPN, &port_gid);
    CHECK(ipoib_addr_equals(&addr, &want));
    fake_destroy(&f);
}

/* A unicast send resolves the path first, then goes out as a complete,
 * correct IB packet; a multicast send joins send-only first and goes out
 * with a GRH. */
static void
test_soft_send(void)
{
    struct fake f;
    struct ib_endpoint *ep = open_port(&f, "send");
    struct fake_frame fr;
    struct ofpbuf b;

    ofpbuf_init(&b, 0);
    fake_activate(&f, 0);

    struct ib_send s = { .ep = ep, .data = "\x08\x00\x00\x00hello",
                         .size = 9 };
    ipoib_addr_init(&s.dst, 0, PEER_QPN, &peer_gid);
    CHECK_INT(ib_port_send(f.port, &s, 1), 1);

    struct ibfp_path_query pq;
    if (fake_expect(&f, IBFP_PATH_QUERY, &fr)) {
        CHECK_INT(ibfp_decode_path_query(fr.body, fr.body_len, &pq), 0);
        CHECK_BYTES(pq.dgid.b, 16, peer_gid.b, 16);
        struct ibfp_path path = {
            .dgid = peer_gid, .sgid = port_gid, .dlid = PEER_LID,
            .slid = PORT_LID, .pkey = 0xffff, .mtu = 2048, .sl = 0,
            .hop_limit = 1,
        };
        ibfp_put_path(&b, fr.xid, &path);
        fake_send(&f, &b);
    }

    struct ibfp_data d;
    struct ib_ud_fields fl;
    const uint8_t *payload;
    size_t payload_len;
    if (fake_expect(&f, IBFP_DATA, &fr)) {
        CHECK_INT(ibfp_decode_data(fr.body, fr.body_len, &d), 0);
        CHECK_INT(d.qpn, QPN);
        CHECK_INT(ib_ud_parse(d.packet, d.packet_len, true, &fl, &payload,
                              &payload_len), IB_PARSE_OK);
        CHECK(!fl.has_grh);
        CHECK_INT(fl.dlid, PEER_LID);
        CHECK_INT(fl.slid, PORT_LID);
        CHECK_INT(fl.pkey, 0xffff);
        CHECK_INT(fl.dest_qp, PEER_QPN);
        CHECK_INT(fl.qkey, QKEY);
        CHECK_INT(fl.src_qp, QPN);
        CHECK_BYTES(payload, payload_len, s.data, s.size);
    }

    /* The path is cached now: straight out. */
    CHECK_INT(ib_port_send(f.port, &s, 1), 1);
    CHECK(fake_expect(&f, IBFP_DATA, &fr));

    /* Multicast to a group nobody joined: a send-only join, then GRH. */
    struct ipoib_gid mgid;
    static const uint8_t group[4] = { 239, 1, 2, 3 };
    ipoib_mgid_from_ipv4(group, 0xffff, IPOIB_SCOPE_LINK, &mgid);
    ipoib_mcast_addr(&mgid, &s.dst);
    CHECK_INT(ib_port_send(f.port, &s, 1), 1);
    struct ibfp_join j;
    if (fake_expect(&f, IBFP_MCAST_JOIN, &fr)) {
        CHECK_INT(ibfp_decode_join(fr.body, fr.body_len, &j), 0);
        CHECK_BYTES(j.mgid.b, 16, mgid.b, 16);
        CHECK_INT(j.join_state, IBFP_JOIN_SEND_ONLY_FULL);
        struct ibfp_join_reply jr = {
            .mgid = mgid, .qkey = QKEY, .mlid = 0xc005, .pkey = 0xffff,
            .mtu = 2048, .join_state = j.join_state, .scope = 2,
        };
        ibfp_put_join_reply(&b, fr.xid, &jr);
        fake_send(&f, &b);
    }
    if (fake_expect(&f, IBFP_DATA, &fr)) {
        CHECK_INT(ibfp_decode_data(fr.body, fr.body_len, &d), 0);
        CHECK_INT(ib_ud_parse(d.packet, d.packet_len, true, &fl, &payload,
                              &payload_len), IB_PARSE_OK);
        CHECK(fl.has_grh);
        CHECK_INT(fl.dlid, 0xc005);
        CHECK_INT(fl.dest_qp, IPOIB_MCAST_QPN);
        CHECK_BYTES(fl.dgid.b, 16, mgid.b, 16);
        CHECK_BYTES(fl.sgid.b, 16, port_gid.b, 16);
    }

    /* Too big for the MTU: dropped and counted. */
    char *big = xzalloc(2049);
    s.data = big;
    s.size = 2049;
    CHECK_INT(ib_port_send(f.port, &s, 1), 0);
    CHECK_INT(counter(f.port, "tx-drop-too-big"), 1);
    CHECK_INT(counter(f.port, "tx-packets"), 3);
    free(big);

    ofpbuf_uninit(&b);
    fake_destroy(&f);
}

/* What arrives is checked like an HCA would, each drop under its
 * reason. */
static void
test_soft_recv(void)
{
    struct fake f;
    struct ib_endpoint *ep = open_port(&f, "recv");
    struct ib_ud_fields fl;
    struct ib_recv recvs[IB_RECV_BATCH];
    size_t n;

    fake_activate(&f, 0);

    /* Good unicast. */
    peer_fields(&fl);
    fake_deliver(&f, QPN, &fl, "\x08\x00\x00\x00ping", 8, false);
    n = recv_some(&f, recvs);
    if (CHECK_INT(n, 1)) {
        CHECK(recvs[0].ep == ep);
        CHECK(recvs[0].ep_aux == &f);
        CHECK_INT(recvs[0].src_qpn, PEER_QPN);
        CHECK_INT(recvs[0].slid, PEER_LID);
        CHECK(!recvs[0].has_grh);
        CHECK_INT(recvs[0].dest, IB_DEST_UNICAST);
        CHECK_BYTES(dp_packet_data(recvs[0].packet),
                    dp_packet_size(recvs[0].packet), "\x08\x00\x00\x00ping",
                    8);
        CHECK_INT(dp_packet_headroom(recvs[0].packet) >= 14, 1);
        dp_packet_delete(recvs[0].packet);
    }

    /* Broken ones. */
    fake_deliver(&f, QPN, &fl, "\x08\x00\x00\x00ping", 8, true);
    fl.qkey = 0x1234;
    fake_deliver(&f, QPN, &fl, "\x08\x00\x00\x00ping", 8, false);
    peer_fields(&fl);
    fl.pkey = 0x8002;
    fake_deliver(&f, QPN, &fl, "\x08\x00\x00\x00ping", 8, false);
    peer_fields(&fl);
    fake_deliver(&f, 0x999, &fl, "\x08\x00\x00\x00ping", 8, false);
    fl.dest_qp = 0x998;
    fake_deliver(&f, QPN, &fl, "\x08\x00\x00\x00ping", 8, false);

    /* Multicast: to a group the endpoint did not join, and its own echo
     * from the broadcast group it joins now. */
    struct ipoib_gid bcast, other;
    static const uint8_t group[4] = { 239, 1, 2, 3 };
    ipoib_broadcast_mgid(0xffff, IPOIB_SCOPE_LINK, &bcast);
    ipoib_mgid_from_ipv4(group, 0xffff, IPOIB_SCOPE_LINK, &other);
    CHECK_INT(ib_endpoint_join(ep, &bcast, IB_JOIN_FULL), 0);
    peer_fields(&fl);
    fl.dlid = 0xc005;
    fl.dest_qp = IPOIB_MCAST_QPN;
    fl.has_grh = true;
    fl.sgid = peer_gid;
    fl.dgid = other;
    fake_deliver(&f, QPN, &fl, "\x08\x00\x00\x00mcast", 9, false);
    fl.dlid = BCAST_MLID;
    fl.dgid = bcast;
    fl.slid = PORT_LID;
    fl.src_qp = QPN;
    fake_deliver(&f, QPN, &fl, "\x08\x00\x00\x00mine", 8, false);
    /* And a broadcast from the peer, which passes. */
    fl.slid = PEER_LID;
    fl.src_qp = PEER_QPN;
    fake_deliver(&f, QPN, &fl, "\x08\x06\x00\x00arp", 7, false);

    n = recv_some(&f, recvs);
    if (CHECK_INT(n, 1)) {
        CHECK_INT(recvs[0].dest, IB_DEST_BROADCAST);
        CHECK(recvs[0].has_grh);
        CHECK_BYTES(recvs[0].sgid.b, 16, peer_gid.b, 16);
        dp_packet_delete(recvs[0].packet);
    }
    CHECK_INT(counter(f.port, "rx-drop-bad-icrc"), 1);
    CHECK_INT(counter(f.port, "rx-drop-bad-qkey"), 1);
    CHECK_INT(counter(f.port, "rx-drop-bad-pkey"), 1);
    CHECK_INT(counter(f.port, "rx-drop-unknown-qp"), 1);
    CHECK_INT(counter(f.port, "rx-drop-dest-qp-mismatch"), 1);
    CHECK_INT(counter(f.port, "rx-drop-not-member"), 1);
    CHECK_INT(counter(f.port, "rx-drop-own-multicast"), 1);
    CHECK_INT(counter(f.port, "rx-packets"), 2);
    fake_destroy(&f);
}

/* The daemon goes away: the port goes down, reconnects, attaches again,
 * asks for its old QPN, rejoins its groups and becomes active in a new
 * epoch. */
static void
test_soft_reconnect(void)
{
    struct fake f;
    struct ib_endpoint *ep = open_port(&f, "reconnect");
    struct fake_frame fr;
    struct ofpbuf b;

    ofpbuf_init(&b, 0);
    fake_activate(&f, 0);
    struct ipoib_gid bcast;
    ipoib_broadcast_mgid(0xffff, IPOIB_SCOPE_LINK, &bcast);
    CHECK_INT(ib_endpoint_join(ep, &bcast, IB_JOIN_FULL), 0);
    struct ibfp_join j;
    if (fake_expect(&f, IBFP_MCAST_JOIN, &fr)) {
        CHECK_INT(ibfp_decode_join(fr.body, fr.body_len, &j), 0);
        CHECK_INT(j.qpn, QPN);
        CHECK_INT(j.join_state, IBFP_JOIN_FULL);
    }

    /* Gone, with the join unanswered. */
    stream_close(f.stream);
    f.stream = NULL;
    RUN_UNTIL(&f, port_state(f.port) == IB_PORT_DOWN);
    CHECK_INT(ib_endpoint_qpn(ep), 0);

    /* Back: same QPN requested, and the membership rejoined. */
    fake_activate(&f, QPN);
    if (fake_expect(&f, IBFP_MCAST_JOIN, &fr)) {
        CHECK_INT(ibfp_decode_join(fr.body, fr.body_len, &j), 0);
        CHECK_BYTES(j.mgid.b, 16, bcast.b, 16);
        CHECK_INT(j.qpn, QPN);
        CHECK_INT(j.join_state, IBFP_JOIN_FULL);
    }
    struct ib_port_attr attr;
    ib_port_get_attr(f.port, &attr);
    CHECK_INT(attr.epoch, 2);
    CHECK_INT(ib_endpoint_qpn(ep), QPN);
    CHECK_INT(counter(f.port, "connects"), 2);
    CHECK_INT(counter(f.port, "disconnects"), 1);

    ofpbuf_uninit(&b);
    fake_destroy(&f);
}

/* After leaving a group, the port forgets its MLID (the SM may reuse it):
 * the next send to the group joins it send-only again. */
static void
test_soft_leave(void)
{
    struct fake f;
    struct ib_endpoint *ep = open_port(&f, "leave");
    struct fake_frame fr;
    struct ofpbuf b;
    struct ipoib_gid mgid;
    static const uint8_t group[4] = { 239, 1, 2, 3 };

    ofpbuf_init(&b, 0);
    fake_activate(&f, 0);
    ipoib_mgid_from_ipv4(group, 0xffff, IPOIB_SCOPE_LINK, &mgid);

    CHECK_INT(ib_endpoint_join(ep, &mgid, IB_JOIN_FULL), 0);
    struct ibfp_join j;
    if (fake_expect(&f, IBFP_MCAST_JOIN, &fr)) {
        CHECK_INT(ibfp_decode_join(fr.body, fr.body_len, &j), 0);
        CHECK_INT(j.join_state, IBFP_JOIN_FULL);
        struct ibfp_join_reply jr = {
            .mgid = mgid, .qpn = QPN, .qkey = QKEY, .mlid = 0xc007,
            .pkey = 0xffff, .mtu = 2048, .join_state = j.join_state,
            .scope = 2,
        };
        ibfp_put_join_reply(&b, fr.xid, &jr);
        fake_send(&f, &b);
    }

    /* Joined: sends go straight to the MLID. */
    struct ib_send s = { .ep = ep, .data = "\x08\x00\x00\x00x", .size = 5 };
    ipoib_mcast_addr(&mgid, &s.dst);
    RUN_UNTIL(&f, strstr(format_port(f.port), "(joining)") == NULL);
    CHECK_INT(ib_port_send(f.port, &s, 1), 1);
    CHECK(fake_expect(&f, IBFP_DATA, &fr));

    /* Left: a LEAVE, then the next send joins send-only first. */
    CHECK_INT(ib_endpoint_leave(ep, &mgid), 0);
    struct ibfp_leave l;
    if (fake_expect(&f, IBFP_MCAST_LEAVE, &fr)) {
        CHECK_INT(ibfp_decode_leave(fr.body, fr.body_len, &l), 0);
        CHECK_BYTES(l.mgid.b, 16, mgid.b, 16);
        CHECK_INT(l.qpn, QPN);
    }
    CHECK_INT(ib_port_send(f.port, &s, 1), 1);
    if (fake_expect(&f, IBFP_MCAST_JOIN, &fr)) {
        CHECK_INT(ibfp_decode_join(fr.body, fr.body_len, &j), 0);
        CHECK_INT(j.join_state, IBFP_JOIN_SEND_ONLY_FULL);
    }
    ofpbuf_uninit(&b);
    fake_destroy(&f);
}

/* Protocol errors close the connection (and are counted); a P_Key that is
 * not in the table keeps the port from becoming active. */
static void
test_soft_errors(void)
{
    struct fake f;
    struct fake_frame fr;
    struct ofpbuf b;

    ofpbuf_init(&b, 0);
    open_port(&f, "errors");
    if (fake_accept(&f) && fake_expect(&f, IBFP_ATTACH, &fr)) {
        /* A reply with the wrong transaction ID. */
        struct ibfp_attach_reply ar = {
            .version = IBFP_VERSION, .lid = PORT_LID, .mtu = 2048,
            .state = IBFP_PORT_ACTIVE, .gid = port_gid, .n_pkeys = 1,
            .pkeys = { 0x8002 },
        };
        ibfp_put_attach_reply(&b, fr.xid + 1, &ar);
        fake_send(&f, &b);
        RUN_UNTIL(&f, counter(f.port, "protocol-errors") == 1);
        CHECK(!fake_read(&f, &fr));

        /* Reconnected: a table without our partition. */
        if (fake_accept(&f) && fake_expect(&f, IBFP_ATTACH, &fr)) {
            ibfp_put_attach_reply(&b, fr.xid, &ar);
            fake_send(&f, &b);
            for (int i = 0; i < 50; i++) {
                fake_tick(&f);
            }
            CHECK_INT(port_state(f.port), IB_PORT_INIT);
            struct ds s = DS_EMPTY_INITIALIZER;
            ib_port_format(f.port, &s);
            CHECK(strstr(ds_cstr(&s), "pkey-not-in-table") != NULL);
            ds_destroy(&s);
        }
    }
    ofpbuf_uninit(&b);
    fake_destroy(&f);
}

EIPOIB_TEST_REGISTER("ib-transport-soft-activate", test_soft_activate);
EIPOIB_TEST_REGISTER("ib-transport-soft-send", test_soft_send);
EIPOIB_TEST_REGISTER("ib-transport-soft-recv", test_soft_recv);
EIPOIB_TEST_REGISTER("ib-transport-soft-reconnect", test_soft_reconnect);
EIPOIB_TEST_REGISTER("ib-transport-soft-leave", test_soft_leave);
EIPOIB_TEST_REGISTER("ib-transport-soft-errors", test_soft_errors);
