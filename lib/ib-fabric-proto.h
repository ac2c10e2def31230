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

#ifndef IB_FABRIC_PROTO_H
#define IB_FABRIC_PROTO_H 1

/* The soft fabric's port protocol: what a port (a program playing one HCA
 * port) and the fabric daemon (utilities/eipoib-fabric, subnet manager and
 * switch) say to each other over a stream socket.  The normative text is
 * Documentation/fabric-protocol.md; this header encodes it for C.
 *
 * In short:
 *
 *   - Every message is a frame: an 8-byte header (total length, type,
 *     transaction ID; big-endian) and a body of the type's layout.
 *
 *   - The port speaks first: ATTACH (name, optional GUID).  The reply gives
 *     it a LID, a GID (subnet prefix + GUID), the MTU and its P_Key table.
 *
 *   - Management requests (QP create/modify/destroy, multicast join/leave,
 *     path query, echo) are answered, with the request's transaction ID, by
 *     the matching reply (type | IBFP_REPLY) or by ERROR (code + reason).
 *     A port may have several requests outstanding; replies come in order.
 *
 *   - DATA frames carry one whole IB packet (LRH .. VCRC, see ib-packet.h)
 *     each way, preceded by a QPN: the sending QP (port to daemon) or the
 *     receiving QP (daemon to port).  They are never answered; a packet the
 *     daemon cannot deliver is dropped and counted by reason.
 *
 *   - PORT_EVENT tells the port that its state changed (down, active).
 *
 * Encoders append complete frames to an ofpbuf.  Decoders take a frame's
 * body and return 0 or EPROTO (wrong length or invalid field), and never
 * read outside the body. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ipoib.h"

struct ofpbuf;

#define IBFP_VERSION 1

/* Frame header: length (4, total frame length including these 8 bytes),
 * type (2), xid (2).  All integers in frames are big-endian. */
#define IBFP_HDR_LEN 8
#define IBFP_MAX_FRAME_LEN 65536    /* A longer frame is a protocol error:
                                     * the daemon closes the connection. */

/* Message types.  A reply's type is its request's type | IBFP_REPLY. */
enum ibfp_type {
    IBFP_ATTACH = 0x01,         /* port -> daemon, answered */
    IBFP_QP_CREATE = 0x02,      /* port -> daemon, answered */
    IBFP_QP_MODIFY = 0x03,      /* port -> daemon, answered */
    IBFP_QP_DESTROY = 0x04,     /* port -> daemon, answered */
    IBFP_MCAST_JOIN = 0x05,     /* port -> daemon, answered */
    IBFP_MCAST_LEAVE = 0x06,    /* port -> daemon, answered */
    IBFP_PATH_QUERY = 0x07,     /* port -> daemon, answered */
    IBFP_ECHO = 0x08,           /* port -> daemon, answered (same body) */
    IBFP_DATA = 0x10,           /* both ways, never answered */
    IBFP_PORT_EVENT = 0x20,     /* daemon -> port, unsolicited */
    IBFP_ERROR = 0x7f,          /* daemon -> port, answers a failed request */
};
#define IBFP_REPLY 0x80

/* Name of a message type ("ATTACH", "ATTACH_REPLY", ...) or NULL. */
const char *ibfp_type_name(uint16_t type);

/* ERROR codes. */
enum ibfp_error {
    IBFP_ERR_INVALID = 1,       /* Malformed request or invalid field. */
    IBFP_ERR_NOT_ATTACHED = 2,  /* Request before a successful ATTACH. */
    IBFP_ERR_ALREADY = 3,       /* Already attached; or name/GUID in use. */
    IBFP_ERR_NOT_FOUND = 4,     /* No such QP, group or GID. */
    IBFP_ERR_EXISTS = 5,        /* Requested QPN already in use. */
    IBFP_ERR_PKEY = 6,          /* P_Key not in the port's table, or the
                                 * partition is not shared (path query). */
    IBFP_ERR_NO_SPACE = 7,      /* Out of LIDs, QPNs or MLIDs. */
    IBFP_ERR_UNSUPPORTED = 8,   /* Unknown message type or version. */
    IBFP_ERR_PORT_DOWN = 9,     /* Port is down (fault injection). */
};

const char *ibfp_error_name(uint16_t code);

/* IB port states (the PortInfo PortState values). */
enum ibfp_port_state {
    IBFP_PORT_DOWN = 1,
    IBFP_PORT_ACTIVE = 4,
};

/* Multicast JoinState values (bits of the SA MCMemberRecord JoinState). */
enum ibfp_join_state {
    IBFP_JOIN_FULL = 0x1,           /* Full member: sends and receives. */
    IBFP_JOIN_SEND_ONLY = 0x4,      /* Send-only non-member: sends only;
                                     * cannot create a group. */
    IBFP_JOIN_SEND_ONLY_FULL = 0x8, /* Send-only full member: sends only;
                                     * may create the group. */
};

/* QP_CREATE flags. */
enum ibfp_qp_flags {
    /* Do not deliver multicast to the QP that sent it (verbs
     * IBV_QP_CREATE_BLOCK_SELF_MCAST_LB).  Without it the sender's own QP
     * receives its multicast too if it is a member, as on a real fabric. */
    IBFP_QP_BLOCK_SELF_MCAST = 0x0001,
};

#define IBFP_NAME_LEN 64        /* Port name field, NUL padded; names have
                                 * 1..63 printable ASCII characters, no
                                 * spaces. */
#define IBFP_MAX_PKEYS 32       /* Entries in a P_Key table. */

/* A decoded frame header plus a pointer to the body. */
struct ibfp_frame {
    uint16_t type;
    uint16_t xid;
    const uint8_t *body;
    size_t body_len;
};

/* Looks for one frame at the start of the 'len' bytes at 'buf'.
 * Returns 0 and fills 'frame' and '*frame_len' if a whole frame is there,
 * EAGAIN if more bytes are needed, EPROTO if the length field is invalid
 * (< IBFP_HDR_LEN or > IBFP_MAX_FRAME_LEN), after which the stream cannot be
 * resynchronised. */
int ibfp_frame_peek(const uint8_t *buf, size_t len, struct ibfp_frame *frame,
                    size_t *frame_len);

/* Starts a frame of 'type' and 'xid' at the end of 'b'; returns its offset
 * in 'b' for ibfp_frame_end(), which fills in the length once the body has
 * been appended. */
size_t ibfp_frame_start(struct ofpbuf *b, uint16_t type, uint16_t xid);
void ibfp_frame_end(struct ofpbuf *b, size_t start);

/* ---------------------------------------------------------------------- */
/* Bodies.  Each struct is the decoded form, in host byte order; the wire
 * layout, with offsets, is in Documentation/fabric-protocol.md. */

/* ATTACH (80 bytes). */
struct ibfp_attach {
    uint16_t version;           /* IBFP_VERSION. */
    uint64_t guid;              /* Requested port GUID, 0 for the daemon's
                                 * choice (deterministic per name). */
    char name[IBFP_NAME_LEN];   /* NUL-terminated. */
};

/* ATTACH_REPLY (28 + 2 * n_pkeys bytes). */
struct ibfp_attach_reply {
    uint16_t version;
    uint16_t lid;
    uint16_t mtu;               /* Port's IB MTU in bytes (256..4096). */
    uint8_t state;              /* enum ibfp_port_state. */
    struct ipoib_gid gid;       /* GID index 0: subnet prefix + GUID. */
    size_t n_pkeys;
    uint16_t pkeys[IBFP_MAX_PKEYS]; /* Index 0 first. */
};

/* QP_CREATE, QP_MODIFY and their replies (12 bytes). */
struct ibfp_qp {
    uint32_t qpn;               /* CREATE: requested QPN or 0 for any. */
    uint32_t qkey;              /* Receive Q_Key of the QP. */
    uint16_t pkey;              /* The QP's partition (must be in the
                                 * port's table, either membership). */
    uint16_t flags;             /* CREATE: enum ibfp_qp_flags.  MODIFY:
                                 * ignored (keeps the QP's flags). */
};

/* QP_DESTROY and its reply (4 bytes). */
struct ibfp_qp_destroy {
    uint32_t qpn;
};

/* MCAST_JOIN (28 bytes). */
struct ibfp_join {
    struct ipoib_gid mgid;
    uint32_t qpn;               /* QP to attach (full member); may be 0 for
                                 * send-only joins. */
    uint32_t qkey;              /* Q_Key for a group this join creates; 0
                                 * takes the partition broadcast group's. */
    uint16_t pkey;
    uint8_t join_state;         /* enum ibfp_join_state. */
};

/* MCAST_JOIN_REPLY (36 bytes): the group's MCMemberRecord. */
struct ibfp_join_reply {
    struct ipoib_gid mgid;
    uint32_t qpn;
    uint32_t qkey;
    uint16_t mlid;
    uint16_t pkey;              /* The group's P_Key. */
    uint16_t mtu;               /* IB MTU of the group, bytes. */
    uint8_t join_state;
    uint8_t scope;              /* MGID scope nibble. */
    uint8_t sl;
};

/* MCAST_LEAVE and its reply (24 bytes). */
struct ibfp_leave {
    struct ipoib_gid mgid;
    uint32_t qpn;
    uint8_t join_state;
};

/* PATH_QUERY (20 bytes). */
struct ibfp_path_query {
    struct ipoib_gid dgid;      /* A port GID, or an MGID. */
    uint16_t pkey;
};

/* PATH_QUERY_REPLY (44 bytes): the PathRecord. */
struct ibfp_path {
    struct ipoib_gid dgid;
    struct ipoib_gid sgid;
    uint16_t dlid;              /* The port's LID, or the group's MLID. */
    uint16_t slid;
    uint16_t pkey;
    uint16_t mtu;
    uint8_t sl;
    uint8_t hop_limit;
};

/* DATA: QPN (4 bytes) then one IB packet. */
struct ibfp_data {
    uint32_t qpn;               /* Port to daemon: sending QP (must equal the
                                 * packet's DETH SrcQP).  Daemon to port: the
                                 * receiving QP. */
    const uint8_t *packet;      /* LRH .. VCRC. */
    size_t packet_len;
};

/* PORT_EVENT (4 bytes). */
struct ibfp_port_event {
    uint8_t state;              /* enum ibfp_port_state. */
    uint16_t lid;
};

/* ERROR (4 bytes + reason). */
struct ibfp_error_msg {
    uint16_t request_type;      /* Type of the failed request. */
    uint16_t code;              /* enum ibfp_error. */
    const char *reason;         /* UTF-8, not NUL-terminated on the wire; */
    size_t reason_len;          /* decoded: points into the body. */
};

/* Encoders: append a complete frame to 'b'. */
void ibfp_put_attach(struct ofpbuf *b, uint16_t xid,
                     const struct ibfp_attach *);
void ibfp_put_attach_reply(struct ofpbuf *b, uint16_t xid,
                           const struct ibfp_attach_reply *);
void ibfp_put_qp(struct ofpbuf *b, uint16_t type, uint16_t xid,
                 const struct ibfp_qp *);
void ibfp_put_qp_destroy(struct ofpbuf *b, uint16_t type, uint16_t xid,
                         const struct ibfp_qp_destroy *);
void ibfp_put_join(struct ofpbuf *b, uint16_t xid, const struct ibfp_join *);
void ibfp_put_join_reply(struct ofpbuf *b, uint16_t xid,
                         const struct ibfp_join_reply *);
void ibfp_put_leave(struct ofpbuf *b, uint16_t type, uint16_t xid,
                    const struct ibfp_leave *);
void ibfp_put_path_query(struct ofpbuf *b, uint16_t xid,
                         const struct ibfp_path_query *);
void ibfp_put_path(struct ofpbuf *b, uint16_t xid, const struct ibfp_path *);
void ibfp_put_data(struct ofpbuf *b, uint32_t qpn,
                   const void *packet, size_t packet_len);
void ibfp_put_port_event(struct ofpbuf *b, const struct ibfp_port_event *);
void ibfp_put_error(struct ofpbuf *b, uint16_t xid, uint16_t request_type,
                    uint16_t code, const char *reason);
void ibfp_put_echo(struct ofpbuf *b, uint16_t type, uint16_t xid,
                   const void *data, size_t len);

/* Like ibfp_put_data(), but reserves room for the packet and returns a
 * pointer to it, so the caller can build the packet in place
 * (ib_ud_encap()). */
uint8_t *ibfp_put_data_uninit(struct ofpbuf *b, uint32_t qpn,
                              size_t packet_len);

/* Decoders: 'body' and 'len' from struct ibfp_frame.  Return 0 or EPROTO. */
int ibfp_decode_attach(const uint8_t *body, size_t len, struct ibfp_attach *);
int ibfp_decode_attach_reply(const uint8_t *body, size_t len,
                             struct ibfp_attach_reply *);
int ibfp_decode_qp(const uint8_t *body, size_t len, struct ibfp_qp *);
int ibfp_decode_qp_destroy(const uint8_t *body, size_t len,
                           struct ibfp_qp_destroy *);
int ibfp_decode_join(const uint8_t *body, size_t len, struct ibfp_join *);
int ibfp_decode_join_reply(const uint8_t *body, size_t len,
                           struct ibfp_join_reply *);
int ibfp_decode_leave(const uint8_t *body, size_t len, struct ibfp_leave *);
int ibfp_decode_path_query(const uint8_t *body, size_t len,
                           struct ibfp_path_query *);
int ibfp_decode_path(const uint8_t *body, size_t len, struct ibfp_path *);
int ibfp_decode_data(const uint8_t *body, size_t len, struct ibfp_data *);
int ibfp_decode_port_event(const uint8_t *body, size_t len,
                           struct ibfp_port_event *);
int ibfp_decode_error(const uint8_t *body, size_t len,
                      struct ibfp_error_msg *);

/* IB MTU helpers: true if 'mtu' is 256, 512, 1024, 2048 or 4096. */
bool ibfp_mtu_is_valid(unsigned int mtu);

#endif /* ib-fabric-proto.h */
