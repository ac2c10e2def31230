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

#include "ib-fabric-proto.h"

#include <errno.h>
#include <string.h>

#include "openvswitch/ofpbuf.h"
#include "util.h"

/* Fixed body lengths (Documentation/fabric-protocol.md section 4). */
#define ATTACH_LEN        80
#define ATTACH_REPLY_LEN  28    /* Plus 2 bytes per P_Key. */
#define QP_LEN            12
#define QP_DESTROY_LEN    4
#define JOIN_LEN          28
#define JOIN_REPLY_LEN    36
#define LEAVE_LEN         24
#define PATH_QUERY_LEN    20
#define PATH_LEN          44
#define DATA_MIN_LEN      4
#define PORT_EVENT_LEN    4
#define ERROR_MIN_LEN     4

const char *
ibfp_type_name(uint16_t type)
{
    switch (type) {
    case IBFP_ATTACH: return "ATTACH";
    case IBFP_QP_CREATE: return "QP_CREATE";
    case IBFP_QP_MODIFY: return "QP_MODIFY";
    case IBFP_QP_DESTROY: return "QP_DESTROY";
    case IBFP_MCAST_JOIN: return "MCAST_JOIN";
    case IBFP_MCAST_LEAVE: return "MCAST_LEAVE";
    case IBFP_PATH_QUERY: return "PATH_QUERY";
    case IBFP_ECHO: return "ECHO";
    case IBFP_ATTACH | IBFP_REPLY: return "ATTACH_REPLY";
    case IBFP_QP_CREATE | IBFP_REPLY: return "QP_CREATE_REPLY";
    case IBFP_QP_MODIFY | IBFP_REPLY: return "QP_MODIFY_REPLY";
    case IBFP_QP_DESTROY | IBFP_REPLY: return "QP_DESTROY_REPLY";
    case IBFP_MCAST_JOIN | IBFP_REPLY: return "MCAST_JOIN_REPLY";
    case IBFP_MCAST_LEAVE | IBFP_REPLY: return "MCAST_LEAVE_REPLY";
    case IBFP_PATH_QUERY | IBFP_REPLY: return "PATH_QUERY_REPLY";
    case IBFP_ECHO | IBFP_REPLY: return "ECHO_REPLY";
    case IBFP_DATA: return "DATA";
    case IBFP_PORT_EVENT: return "PORT_EVENT";
    case IBFP_ERROR: return "ERROR";
    }
    return NULL;
}

const char *
ibfp_error_name(uint16_t code)
{
    switch ((enum ibfp_error) code) {
    case IBFP_ERR_INVALID: return "invalid";
    case IBFP_ERR_NOT_ATTACHED: return "not-attached";
    case IBFP_ERR_ALREADY: return "already";
    case IBFP_ERR_NOT_FOUND: return "not-found";
    case IBFP_ERR_EXISTS: return "exists";
    case IBFP_ERR_PKEY: return "pkey";
    case IBFP_ERR_NO_SPACE: return "no-space";
    case IBFP_ERR_UNSUPPORTED: return "unsupported";
    case IBFP_ERR_PORT_DOWN: return "port-down";
    }
    return "unknown";
}

bool
ibfp_mtu_is_valid(unsigned int mtu)
{
    return mtu == 256 || mtu == 512 || mtu == 1024 || mtu == 2048
           || mtu == 4096;
}

/* ---------------------------------------------------------------------- */
/* Framing. */

int
ibfp_frame_peek(const uint8_t *buf, size_t len, struct ibfp_frame *frame,
                size_t *frame_len)
{
    if (len < 4) {
        return EAGAIN;
    }
    uint32_t flen = ipoib_get_be32(buf);
    if (flen < IBFP_HDR_LEN || flen > IBFP_MAX_FRAME_LEN) {
        return EPROTO;
    }
    if (len < flen) {
        return EAGAIN;
    }
    frame->type = ipoib_get_be16(&buf[4]);
    frame->xid = ipoib_get_be16(&buf[6]);
    frame->body = &buf[IBFP_HDR_LEN];
    frame->body_len = flen - IBFP_HDR_LEN;
    *frame_len = flen;
    return 0;
}

size_t
ibfp_frame_start(struct ofpbuf *b, uint16_t type, uint16_t xid)
{
    size_t start = b->size;
    uint8_t *h = ofpbuf_put_uninit(b, IBFP_HDR_LEN);

    ipoib_put_be32(h, 0);
    ipoib_put_be16(&h[4], type);
    ipoib_put_be16(&h[6], xid);
    return start;
}

void
ibfp_frame_end(struct ofpbuf *b, size_t start)
{
    ipoib_put_be32((uint8_t *) b->data + start, b->size - start);
}

/* Appends a frame of 'type' and 'xid' with a zeroed body of 'len' bytes;
 * returns the body. */
static uint8_t *
put_fixed(struct ofpbuf *b, uint16_t type, uint16_t xid, size_t len)
{
    size_t start = ibfp_frame_start(b, type, xid);
    uint8_t *body = ofpbuf_put_zeros(b, len);

    ibfp_frame_end(b, start);
    return body;
}

static void
put_be64(uint8_t *p, uint64_t x)
{
    ipoib_put_be32(p, x >> 32);
    ipoib_put_be32(&p[4], x);
}

static uint64_t
get_be64(const uint8_t *p)
{
    return ((uint64_t) ipoib_get_be32(p) << 32) | ipoib_get_be32(&p[4]);
}

/* ---------------------------------------------------------------------- */
/* Encoders. */

void
ibfp_put_attach(struct ofpbuf *b, uint16_t xid, const struct ibfp_attach *a)
{
    uint8_t *p = put_fixed(b, IBFP_ATTACH, xid, ATTACH_LEN);

    ipoib_put_be16(&p[0], a->version);
    put_be64(&p[8], a->guid);
    memcpy(&p[16], a->name, strnlen(a->name, IBFP_NAME_LEN - 1));
}

void
ibfp_put_attach_reply(struct ofpbuf *b, uint16_t xid,
                      const struct ibfp_attach_reply *r)
{
    size_t n = MIN(r->n_pkeys, IBFP_MAX_PKEYS);
    uint8_t *p = put_fixed(b, IBFP_ATTACH | IBFP_REPLY, xid,
                           ATTACH_REPLY_LEN + 2 * n);

    ipoib_put_be16(&p[0], r->version);
    ipoib_put_be16(&p[2], r->lid);
    ipoib_put_be16(&p[4], r->mtu);
    p[6] = r->state;
    ipoib_put_be16(&p[8], n);
    memcpy(&p[12], r->gid.b, IPOIB_GID_LEN);
    for (size_t i = 0; i < n; i++) {
        ipoib_put_be16(&p[28 + 2 * i], r->pkeys[i]);
    }
}

void
ibfp_put_qp(struct ofpbuf *b, uint16_t type, uint16_t xid,
            const struct ibfp_qp *qp)
{
    uint8_t *p = put_fixed(b, type, xid, QP_LEN);

    ipoib_put_be32(&p[0], qp->qpn);
    ipoib_put_be32(&p[4], qp->qkey);
    ipoib_put_be16(&p[8], qp->pkey);
    ipoib_put_be16(&p[10], qp->flags);
}

void
ibfp_put_qp_destroy(struct ofpbuf *b, uint16_t type, uint16_t xid,
                    const struct ibfp_qp_destroy *d)
{
    uint8_t *p = put_fixed(b, type, xid, QP_DESTROY_LEN);

    ipoib_put_be32(p, d->qpn);
}

void
ibfp_put_join(struct ofpbuf *b, uint16_t xid, const struct ibfp_join *j)
{
    uint8_t *p = put_fixed(b, IBFP_MCAST_JOIN, xid, JOIN_LEN);

    memcpy(&p[0], j->mgid.b, IPOIB_GID_LEN);
    ipoib_put_be32(&p[16], j->qpn);
    ipoib_put_be32(&p[20], j->qkey);
    ipoib_put_be16(&p[24], j->pkey);
    p[26] = j->join_state;
}

void
ibfp_put_join_reply(struct ofpbuf *b, uint16_t xid,
                    const struct ibfp_join_reply *r)
{
    uint8_t *p = put_fixed(b, IBFP_MCAST_JOIN | IBFP_REPLY, xid,
                           JOIN_REPLY_LEN);

    memcpy(&p[0], r->mgid.b, IPOIB_GID_LEN);
    ipoib_put_be32(&p[16], r->qpn);
    ipoib_put_be32(&p[20], r->qkey);
    ipoib_put_be16(&p[24], r->mlid);
    ipoib_put_be16(&p[26], r->pkey);
    ipoib_put_be16(&p[28], r->mtu);
    p[30] = r->join_state;
    p[31] = r->scope;
    p[32] = r->sl;
}

void
ibfp_put_leave(struct ofpbuf *b, uint16_t type, uint16_t xid,
               const struct ibfp_leave *l)
{
    uint8_t *p = put_fixed(b, type, xid, LEAVE_LEN);

    memcpy(&p[0], l->mgid.b, IPOIB_GID_LEN);
    ipoib_put_be32(&p[16], l->qpn);
    p[20] = l->join_state;
}

void
ibfp_put_path_query(struct ofpbuf *b, uint16_t xid,
                    const struct ibfp_path_query *q)
{
    uint8_t *p = put_fixed(b, IBFP_PATH_QUERY, xid, PATH_QUERY_LEN);

    memcpy(&p[0], q->dgid.b, IPOIB_GID_LEN);
    ipoib_put_be16(&p[16], q->pkey);
}

void
ibfp_put_path(struct ofpbuf *b, uint16_t xid, const struct ibfp_path *r)
{
    uint8_t *p = put_fixed(b, IBFP_PATH_QUERY | IBFP_REPLY, xid, PATH_LEN);

    memcpy(&p[0], r->dgid.b, IPOIB_GID_LEN);
    memcpy(&p[16], r->sgid.b, IPOIB_GID_LEN);
    ipoib_put_be16(&p[32], r->dlid);
    ipoib_put_be16(&p[34], r->slid);
    ipoib_put_be16(&p[36], r->pkey);
    ipoib_put_be16(&p[38], r->mtu);
    p[40] = r->sl;
    p[41] = r->hop_limit;
}

uint8_t *
ibfp_put_data_uninit(struct ofpbuf *b, uint32_t qpn, size_t packet_len)
{
    size_t start = ibfp_frame_start(b, IBFP_DATA, 0);
    uint8_t *p = ofpbuf_put_uninit(b, DATA_MIN_LEN + packet_len);

    ipoib_put_be32(p, qpn);
    ibfp_frame_end(b, start);
    return &p[DATA_MIN_LEN];
}

void
ibfp_put_data(struct ofpbuf *b, uint32_t qpn, const void *packet,
              size_t packet_len)
{
    memcpy(ibfp_put_data_uninit(b, qpn, packet_len), packet, packet_len);
}

void
ibfp_put_port_event(struct ofpbuf *b, const struct ibfp_port_event *e)
{
    uint8_t *p = put_fixed(b, IBFP_PORT_EVENT, 0, PORT_EVENT_LEN);

    p[0] = e->state;
    ipoib_put_be16(&p[2], e->lid);
}

void
ibfp_put_error(struct ofpbuf *b, uint16_t xid, uint16_t request_type,
               uint16_t code, const char *reason)
{
    size_t start = ibfp_frame_start(b, IBFP_ERROR, xid);
    uint8_t *p = ofpbuf_put_uninit(b, ERROR_MIN_LEN);

    ipoib_put_be16(&p[0], request_type);
    ipoib_put_be16(&p[2], code);
    ofpbuf_put(b, reason, strnlen(reason, IBFP_MAX_FRAME_LEN / 2));
    ibfp_frame_end(b, start);
}

void
ibfp_put_echo(struct ofpbuf *b, uint16_t type, uint16_t xid,
              const void *data, size_t len)
{
    size_t start = ibfp_frame_start(b, type, xid);

    ofpbuf_put(b, data, MIN(len, IBFP_MAX_FRAME_LEN - IBFP_HDR_LEN));
    ibfp_frame_end(b, start);
}

/* ---------------------------------------------------------------------- */
/* Decoders.  A body shorter than its layout is an error; bytes beyond the
 * layout are ignored, so that later versions can append fields. */

int
ibfp_decode_attach(const uint8_t *p, size_t len, struct ibfp_attach *a)
{
    if (len < ATTACH_LEN) {
        return EPROTO;
    }
    a->version = ipoib_get_be16(&p[0]);
    a->guid = get_be64(&p[8]);

    /* The name must be NUL-terminated inside its field, non-empty, and
     * printable ASCII without spaces. */
    const uint8_t *name = &p[16];
    size_t n = strnlen((const char *) name, IBFP_NAME_LEN);
    if (n == 0 || n >= IBFP_NAME_LEN) {
        return EPROTO;
    }
    for (size_t i = 0; i < n; i++) {
        if (name[i] <= 0x20 || name[i] >= 0x7f) {
            return EPROTO;
        }
    }
    memcpy(a->name, name, n);
    a->name[n] = '\0';
    return 0;
}

int
ibfp_decode_attach_reply(const uint8_t *p, size_t len,
                         struct ibfp_attach_reply *r)
{
    if (len < ATTACH_REPLY_LEN) {
        return EPROTO;
    }
    r->version = ipoib_get_be16(&p[0]);
    r->lid = ipoib_get_be16(&p[2]);
    r->mtu = ipoib_get_be16(&p[4]);
    r->state = p[6];
    r->n_pkeys = ipoib_get_be16(&p[8]);
    memcpy(r->gid.b, &p[12], IPOIB_GID_LEN);
    if (r->n_pkeys > IBFP_MAX_PKEYS
        || len < ATTACH_REPLY_LEN + 2 * r->n_pkeys) {
        return EPROTO;
    }
    for (size_t i = 0; i < r->n_pkeys; i++) {
        r->pkeys[i] = ipoib_get_be16(&p[28 + 2 * i]);
    }
    return 0;
}

int
ibfp_decode_qp(const uint8_t *p, size_t len, struct ibfp_qp *qp)
{
    if (len < QP_LEN) {
        return EPROTO;
    }
    qp->qpn = ipoib_get_be32(&p[0]);
    qp->qkey = ipoib_get_be32(&p[4]);
    qp->pkey = ipoib_get_be16(&p[8]);
    qp->flags = ipoib_get_be16(&p[10]);
    return 0;
}

int
ibfp_decode_qp_destroy(const uint8_t *p, size_t len,
                       struct ibfp_qp_destroy *d)
{
    if (len < QP_DESTROY_LEN) {
        return EPROTO;
    }
    d->qpn = ipoib_get_be32(p);
    return 0;
}

int
ibfp_decode_join(const uint8_t *p, size_t len, struct ibfp_join *j)
{
    if (len < JOIN_LEN) {
        return EPROTO;
    }
    memcpy(j->mgid.b, &p[0], IPOIB_GID_LEN);
    j->qpn = ipoib_get_be32(&p[16]);
    j->qkey = ipoib_get_be32(&p[20]);
    j->pkey = ipoib_get_be16(&p[24]);
    j->join_state = p[26];
    return 0;
}

int
ibfp_decode_join_reply(const uint8_t *p, size_t len,
                       struct ibfp_join_reply *r)
{
    if (len < JOIN_REPLY_LEN) {
        return EPROTO;
    }
    memcpy(r->mgid.b, &p[0], IPOIB_GID_LEN);
    r->qpn = ipoib_get_be32(&p[16]);
    r->qkey = ipoib_get_be32(&p[20]);
    r->mlid = ipoib_get_be16(&p[24]);
    r->pkey = ipoib_get_be16(&p[26]);
    r->mtu = ipoib_get_be16(&p[28]);
    r->join_state = p[30];
    r->scope = p[31];
    r->sl = p[32];
    return 0;
}

int
ibfp_decode_leave(const uint8_t *p, size_t len, struct ibfp_leave *l)
{
    if (len < LEAVE_LEN) {
        return EPROTO;
    }
    memcpy(l->mgid.b, &p[0], IPOIB_GID_LEN);
    l->qpn = ipoib_get_be32(&p[16]);
    l->join_state = p[20];
    return 0;
}

int
ibfp_decode_path_query(const uint8_t *p, size_t len,
                       struct ibfp_path_query *q)
{
    if (len < PATH_QUERY_LEN) {
        return EPROTO;
    }
    memcpy(q->dgid.b, &p[0], IPOIB_GID_LEN);
    q->pkey = ipoib_get_be16(&p[16]);
    return 0;
}

int
ibfp_decode_path(const uint8_t *p, size_t len, struct ibfp_path *r)
{
    if (len < PATH_LEN) {
        return EPROTO;
    }
    memcpy(r->dgid.b, &p[0], IPOIB_GID_LEN);
    memcpy(r->sgid.b, &p[16], IPOIB_GID_LEN);
    r->dlid = ipoib_get_be16(&p[32]);
    r->slid = ipoib_get_be16(&p[34]);
    r->pkey = ipoib_get_be16(&p[36]);
    r->mtu = ipoib_get_be16(&p[38]);
    r->sl = p[40];
    r->hop_limit = p[41];
    return 0;
}

int
ibfp_decode_data(const uint8_t *p, size_t len, struct ibfp_data *d)
{
    if (len < DATA_MIN_LEN) {
        return EPROTO;
    }
    d->qpn = ipoib_get_be32(p);
    d->packet = &p[DATA_MIN_LEN];
    d->packet_len = len - DATA_MIN_LEN;
    return 0;
}

int
ibfp_decode_port_event(const uint8_t *p, size_t len,
                       struct ibfp_port_event *e)
{
    if (len < PORT_EVENT_LEN) {
        return EPROTO;
    }
    e->state = p[0];
    e->lid = ipoib_get_be16(&p[2]);
    return 0;
}

int
ibfp_decode_error(const uint8_t *p, size_t len, struct ibfp_error_msg *e)
{
    if (len < ERROR_MIN_LEN) {
        return EPROTO;
    }
    e->request_type = ipoib_get_be16(&p[0]);
    e->code = ipoib_get_be16(&p[2]);
    e->reason = (const char *) &p[ERROR_MIN_LEN];
    e->reason_len = len - ERROR_MIN_LEN;
    return 0;
}
