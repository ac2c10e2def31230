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

/* Unit tests of lib/ib-fabric-proto.[ch]: framing and the byte layouts of
 * Documentation/fabric-protocol.md section 4, written out by hand from the
 * document. */

#include <config.h>

#include "ib-fabric-proto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "eipoib-test.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

#define CHECK_HEX(GOT, N, WANT)                                 \
    do {                                                        \
        size_t want_len_;                                       \
        unsigned char *want_ = eipoib_test_hex(WANT, &want_len_); \
        CHECK_BYTES(GOT, N, want_, want_len_);                  \
        free(want_);                                            \
    } while (0)

/* Peeks the single frame in 'b', checking type and xid; returns it. */
static struct ibfp_frame
only_frame(const struct ofpbuf *b, uint16_t type, uint16_t xid)
{
    struct ibfp_frame fr;
    size_t len;

    memset(&fr, 0, sizeof fr);
    CHECK_INT(ibfp_frame_peek(b->data, b->size, &fr, &len), 0);
    CHECK_INT(len, b->size);
    CHECK_INT(fr.type, type);
    CHECK_INT(fr.xid, xid);
    return fr;
}

static void
test_frames(void)
{
    struct ofpbuf b;
    struct ibfp_frame fr;
    size_t len;

    ofpbuf_init(&b, 0);

    /* ECHO with 3 bytes, then a DATA: two frames back to back. */
    ibfp_put_echo(&b, IBFP_ECHO, 0x1234, "abc", 3);
    ibfp_put_data(&b, 0x48, "\x01\x02", 2);
    CHECK_HEX(b.data, b.size,
              "0000000b 0008 1234 616263"
              "0000000e 0010 0000 00000048 0102");

    CHECK_INT(ibfp_frame_peek(b.data, b.size, &fr, &len), 0);
    CHECK_INT(len, 11);
    CHECK_INT(fr.type, IBFP_ECHO);
    CHECK_INT(fr.xid, 0x1234);
    CHECK_INT(fr.body_len, 3);
    CHECK(!memcmp(fr.body, "abc", 3));

    /* Every truncation of a frame asks for more bytes. */
    for (size_t n = 0; n < 11; n++) {
        CHECK_INT(ibfp_frame_peek(b.data, n, &fr, &len), EAGAIN);
    }

    /* Invalid lengths: below the header, above the maximum. */
    static const char *const bad[] = {
        "00000000 0008 0000", "00000007 0008 0000", "00010001 0008 0000",
        "ffffffff 0008 0000",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        size_t hl;
        uint8_t *h = eipoib_test_hex(bad[i], &hl);
        CHECK_INT(ibfp_frame_peek(h, hl, &fr, &len), EPROTO);
        free(h);
    }
    /* The largest frame is fine. */
    uint8_t big[4] = { 0x00, 0x01, 0x00, 0x00 };
    CHECK_INT(ibfp_frame_peek(big, 4, &fr, &len), EAGAIN);

    /* DATA built in place. */
    ofpbuf_clear(&b);
    uint8_t *p = ibfp_put_data_uninit(&b, 0xabcdef, 4);
    memcpy(p, "wxyz", 4);
    fr = only_frame(&b, IBFP_DATA, 0);
    struct ibfp_data d;
    CHECK_INT(ibfp_decode_data(fr.body, fr.body_len, &d), 0);
    CHECK_INT(d.qpn, 0xabcdef);
    CHECK_INT(d.packet_len, 4);
    CHECK(!memcmp(d.packet, "wxyz", 4));
    CHECK_INT(ibfp_decode_data(fr.body, 3, &d), EPROTO);

    /* Names. */
    CHECK(!strcmp(ibfp_type_name(IBFP_MCAST_JOIN | IBFP_REPLY),
                  "MCAST_JOIN_REPLY"));
    CHECK(ibfp_type_name(0x42) == NULL);
    CHECK(!strcmp(ibfp_error_name(IBFP_ERR_PKEY), "pkey"));
    CHECK(!strcmp(ibfp_error_name(99), "unknown"));
    CHECK(ibfp_mtu_is_valid(2048) && !ibfp_mtu_is_valid(2044));

    ofpbuf_uninit(&b);
}

static void
test_bodies(void)
{
    struct ofpbuf b;
    struct ibfp_frame fr;

    ofpbuf_init(&b, 0);

    /* ATTACH: version, flags, reserved, GUID, 64-byte name. */
    struct ibfp_attach a = { .version = 1, .guid = 0x0002c90300012345 };
    ovs_strlcpy(a.name, "host-a", sizeof a.name);
    ibfp_put_attach(&b, 7, &a);
    CHECK_INT(b.size, 8 + 80);
    CHECK_HEX(b.data, 24,
              "00000058 0001 0007 0001 0000 00000000 0002c90300012345");
    CHECK_HEX((uint8_t *) b.data + 24, 8, "686f73742d610000");
    fr = only_frame(&b, IBFP_ATTACH, 7);
    struct ibfp_attach a2;
    CHECK_INT(ibfp_decode_attach(fr.body, fr.body_len, &a2), 0);
    CHECK_INT(a2.version, 1);
    CHECK_INT(a2.guid, 0x0002c90300012345);
    CHECK(!strcmp(a2.name, "host-a"));
    CHECK_INT(ibfp_decode_attach(fr.body, 79, &a2), EPROTO);

    /* Names must be non-empty, printable, without spaces, and end inside
     * the field. */
    uint8_t body[80];
    memcpy(body, fr.body, 80);
    body[16] = '\0';
    CHECK_INT(ibfp_decode_attach(body, 80, &a2), EPROTO);
    body[16] = ' ';
    CHECK_INT(ibfp_decode_attach(body, 80, &a2), EPROTO);
    body[16] = 0x7f;
    CHECK_INT(ibfp_decode_attach(body, 80, &a2), EPROTO);
    memset(&body[16], 'x', 64);
    CHECK_INT(ibfp_decode_attach(body, 80, &a2), EPROTO);
    body[79] = '\0';
    CHECK_INT(ibfp_decode_attach(body, 80, &a2), 0);
    CHECK_INT(strlen(a2.name), 63);

    /* ATTACH_REPLY. */
    ofpbuf_clear(&b);
    struct ibfp_attach_reply r = {
        .version = 1, .lid = 3, .mtu = 2048, .state = IBFP_PORT_ACTIVE,
        .n_pkeys = 2, .pkeys = { 0xffff, 0x8001 },
    };
    ovs_assert(ipoib_gid_parse("fe80::2:c903:1:2345", &r.gid));
    ibfp_put_attach_reply(&b, 7, &r);
    CHECK_HEX(b.data, b.size,
              "00000028 0081 0007 0001 0003 0800 04 00 0002 0000"
              "fe800000000000000002c90300012345 ffff 8001");
    fr = only_frame(&b, IBFP_ATTACH | IBFP_REPLY, 7);
    struct ibfp_attach_reply r2;
    CHECK_INT(ibfp_decode_attach_reply(fr.body, fr.body_len, &r2), 0);
    CHECK_INT(r2.lid, 3);
    CHECK_INT(r2.mtu, 2048);
    CHECK_INT(r2.state, IBFP_PORT_ACTIVE);
    CHECK_INT(r2.n_pkeys, 2);
    CHECK_INT(r2.pkeys[1], 0x8001);
    CHECK(!memcmp(&r2.gid, &r.gid, sizeof r.gid));
    /* A table longer than the body, or than 32 entries. */
    CHECK_INT(ibfp_decode_attach_reply(fr.body, fr.body_len - 1, &r2),
              EPROTO);
    memcpy(body, fr.body, fr.body_len);
    body[9] = 33;
    CHECK_INT(ibfp_decode_attach_reply(body, sizeof body, &r2), EPROTO);

    /* QP_CREATE. */
    ofpbuf_clear(&b);
    struct ibfp_qp qp = { 0, 0x0b1b, 0xffff, IBFP_QP_BLOCK_SELF_MCAST };
    ibfp_put_qp(&b, IBFP_QP_CREATE, 1, &qp);
    CHECK_HEX(b.data, b.size,
              "00000014 0002 0001 00000000 00000b1b ffff 0001");
    fr = only_frame(&b, IBFP_QP_CREATE, 1);
    struct ibfp_qp qp2;
    CHECK_INT(ibfp_decode_qp(fr.body, fr.body_len, &qp2), 0);
    CHECK_INT(qp2.qkey, 0x0b1b);
    CHECK_INT(qp2.flags, IBFP_QP_BLOCK_SELF_MCAST);
    CHECK_INT(ibfp_decode_qp(fr.body, 11, &qp2), EPROTO);

    /* QP_DESTROY_REPLY. */
    ofpbuf_clear(&b);
    ibfp_put_qp_destroy(&b, IBFP_QP_DESTROY | IBFP_REPLY, 2,
                        &(struct ibfp_qp_destroy) { 0x100 });
    CHECK_HEX(b.data, b.size, "0000000c 0084 0002 00000100");

    /* MCAST_JOIN and its reply. */
    ofpbuf_clear(&b);
    struct ibfp_join j = { .qpn = 0x100, .pkey = 0xffff,
                           .join_state = IBFP_JOIN_FULL };
    ovs_assert(ipoib_gid_parse("ff12:401b:ffff::ffff:ffff", &j.mgid));
    ibfp_put_join(&b, 3, &j);
    CHECK_HEX(b.data, b.size,
              "00000024 0005 0003 ff12401bffff000000000000ffffffff"
              "00000100 00000000 ffff 01 00");
    fr = only_frame(&b, IBFP_MCAST_JOIN, 3);
    struct ibfp_join j2;
    CHECK_INT(ibfp_decode_join(fr.body, fr.body_len, &j2), 0);
    CHECK(!memcmp(&j2.mgid, &j.mgid, sizeof j.mgid));
    CHECK_INT(j2.join_state, IBFP_JOIN_FULL);
    CHECK_INT(ibfp_decode_join(fr.body, 27, &j2), EPROTO);

    ofpbuf_clear(&b);
    struct ibfp_join_reply jr = {
        .mgid = j.mgid, .qpn = 0x100, .qkey = 0x0b1b, .mlid = 0xc000,
        .pkey = 0xffff, .mtu = 2048, .join_state = 1, .scope = 2, .sl = 0,
    };
    ibfp_put_join_reply(&b, 3, &jr);
    CHECK_HEX(b.data, b.size,
              "0000002c 0085 0003 ff12401bffff000000000000ffffffff"
              "00000100 00000b1b c000 ffff 0800 01 02 00 000000");
    fr = only_frame(&b, IBFP_MCAST_JOIN | IBFP_REPLY, 3);
    struct ibfp_join_reply jr2;
    CHECK_INT(ibfp_decode_join_reply(fr.body, fr.body_len, &jr2), 0);
    CHECK_INT(jr2.mlid, 0xc000);
    CHECK_INT(jr2.scope, 2);
    CHECK_INT(ibfp_decode_join_reply(fr.body, 35, &jr2), EPROTO);

    /* MCAST_LEAVE. */
    ofpbuf_clear(&b);
    struct ibfp_leave l = { .mgid = j.mgid, .qpn = 0x100,
                            .join_state = IBFP_JOIN_SEND_ONLY_FULL };
    ibfp_put_leave(&b, IBFP_MCAST_LEAVE, 4, &l);
    CHECK_HEX(b.data, b.size,
              "00000020 0006 0004 ff12401bffff000000000000ffffffff"
              "00000100 08 000000");
    fr = only_frame(&b, IBFP_MCAST_LEAVE, 4);
    struct ibfp_leave l2;
    CHECK_INT(ibfp_decode_leave(fr.body, fr.body_len, &l2), 0);
    CHECK_INT(l2.join_state, IBFP_JOIN_SEND_ONLY_FULL);
    CHECK_INT(ibfp_decode_leave(fr.body, 23, &l2), EPROTO);

    /* PATH_QUERY and its reply. */
    ofpbuf_clear(&b);
    struct ibfp_path_query q = { .pkey = 0xffff };
    ovs_assert(ipoib_gid_parse("fe80::2:c903:1:6789", &q.dgid));
    ibfp_put_path_query(&b, 5, &q);
    CHECK_HEX(b.data, b.size,
              "0000001c 0007 0005 fe800000000000000002c90300016789 ffff 0000");
    fr = only_frame(&b, IBFP_PATH_QUERY, 5);
    struct ibfp_path_query q2;
    CHECK_INT(ibfp_decode_path_query(fr.body, fr.body_len, &q2), 0);
    CHECK_INT(q2.pkey, 0xffff);

    ofpbuf_clear(&b);
    struct ibfp_path path = {
        .dgid = q.dgid, .sgid = r.gid, .dlid = 5, .slid = 3, .pkey = 0xffff,
        .mtu = 2048, .sl = 0, .hop_limit = 1,
    };
    ibfp_put_path(&b, 5, &path);
    CHECK_HEX(b.data, b.size,
              "00000034 0087 0005 fe800000000000000002c90300016789"
              "fe800000000000000002c90300012345 0005 0003 ffff 0800 00 01"
              "0000");
    fr = only_frame(&b, IBFP_PATH_QUERY | IBFP_REPLY, 5);
    struct ibfp_path path2;
    CHECK_INT(ibfp_decode_path(fr.body, fr.body_len, &path2), 0);
    CHECK_INT(path2.dlid, 5);
    CHECK_INT(path2.hop_limit, 1);
    CHECK_INT(ibfp_decode_path(fr.body, 43, &path2), EPROTO);

    /* PORT_EVENT. */
    ofpbuf_clear(&b);
    ibfp_put_port_event(&b, &(struct ibfp_port_event) { IBFP_PORT_DOWN, 3 });
    CHECK_HEX(b.data, b.size, "0000000c 0020 0000 01 00 0003");
    fr = only_frame(&b, IBFP_PORT_EVENT, 0);
    struct ibfp_port_event e;
    CHECK_INT(ibfp_decode_port_event(fr.body, fr.body_len, &e), 0);
    CHECK_INT(e.state, IBFP_PORT_DOWN);
    CHECK_INT(e.lid, 3);

    /* ERROR. */
    ofpbuf_clear(&b);
    ibfp_put_error(&b, 9, IBFP_QP_DESTROY, IBFP_ERR_NOT_FOUND, "no QP");
    CHECK_HEX(b.data, b.size, "00000011 007f 0009 0004 0004 6e6f205150");
    fr = only_frame(&b, IBFP_ERROR, 9);
    struct ibfp_error_msg em;
    CHECK_INT(ibfp_decode_error(fr.body, fr.body_len, &em), 0);
    CHECK_INT(em.request_type, IBFP_QP_DESTROY);
    CHECK_INT(em.code, IBFP_ERR_NOT_FOUND);
    CHECK_INT(em.reason_len, 5);
    CHECK(!memcmp(em.reason, "no QP", 5));
    CHECK_INT(ibfp_decode_error(fr.body, 3, &em), EPROTO);

    /* Longer bodies than the layout are accepted (section 1). */
    uint8_t longer[40];
    memset(longer, 0, sizeof longer);
    CHECK_INT(ibfp_decode_qp(longer, sizeof longer, &qp2), 0);

    ofpbuf_uninit(&b);
}

EIPOIB_TEST_REGISTER("ib-fabric-proto-frames", test_frames);
EIPOIB_TEST_REGISTER("ib-fabric-proto-bodies", test_bodies);
