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

#ifndef IB_TRANSPORT_H
#define IB_TRANSPORT_H 1

/* The InfiniBand transport interface: unreliable-datagram (UD) endpoints on
 * one partition of one IB port.  Every backend implements it: the soft
 * fabric (ib-transport-soft.c) now, rdma-core verbs later.
 *
 * The shape follows verbs, so that a verbs backend maps onto it directly:
 *
 *   - A port is opened by name with a P_Key (like an IPoIB child interface:
 *     one physical port, one partition).  It reports its LID, GID, MTU,
 *     P_Key and the Q_Key of the partition's IPoIB broadcast group, which it
 *     joins itself as a full member (RFC 4391 section 5).
 *
 *   - An endpoint is one UD queue pair, with its own QPN, bound to the
 *     port's partition and to the broadcast group's Q_Key.
 *
 *   - Datagrams are IPoIB payloads: they start with the 4-byte IPoIB header.
 *     A destination is a 20-byte IPoIB address: a QPN and a port GID for
 *     unicast, or QPN 0xFFFFFF and a multicast GID (MGID) for a group.  The
 *     backend resolves paths (GID to LID) and multicast LIDs itself, queuing
 *     a few datagrams meanwhile, as Linux ipoib does; a send to a group that
 *     no endpoint of the port has joined first joins it send-only.
 *
 *   - Received datagrams come with the receiving endpoint, the sender's QPN
 *     and LID, its GID when the packet had a GRH, and the kind of
 *     destination (unicast, broadcast group, other group).
 *
 * Everything is non-blocking and single-threaded: call ib_port_run() from
 * the main loop, ib_port_wait() before blocking, ib_port_recv() to receive
 * and ib_port_recv_wait() when it returned EAGAIN.  A backend that loses its
 * fabric (daemon restart, link down) recovers by itself: it re-attaches,
 * re-creates its endpoints (keeping their QPNs where it can), rejoins its
 * groups and bumps 'epoch' in its attributes, so that users can tell that
 * their LID or addresses may have changed.
 *
 * Every datagram that a backend cannot send or deliver is counted under a
 * named reason; ib_port_get_counters() lists them. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "hash.h"
#include "ipoib.h"

struct dp_packet;
struct ds;
struct ib_port;
struct ib_endpoint;

/* Most datagrams ib_port_recv() returns at once (OVS's NETDEV_MAX_BURST). */
#define IB_RECV_BATCH 32

enum ib_port_state {
    IB_PORT_DOWN,               /* No fabric: disconnected or link down. */
    IB_PORT_INIT,               /* Attached, waiting for the SM and the
                                 * broadcast group. */
    IB_PORT_ACTIVE,             /* LID assigned, broadcast group joined. */
};

const char *ib_port_state_to_string(enum ib_port_state);

/* Options for opening a port. */
struct ib_port_options {
    uint16_t pkey;              /* Partition; the membership bit comes from
                                 * the port's P_Key table, as assigned by the
                                 * SM.  0 means the default, 0xffff. */
    size_t rx_headroom;         /* Bytes to reserve in front of each received
                                 * datagram (e.g. for an Ethernet header). */
    const char *node_name;      /* How the fabric knows this port (the soft
                                 * fabric derives the GUID from it, so keep
                                 * it stable; ports opened with the same
                                 * name share one fabric port, see
                                 * ib_port_open()); NULL for a default. */
    uint64_t guid;              /* Requested port GUID, 0 for the fabric's
                                 * choice (soft fabric only). */
};

struct ib_port_attr {
    enum ib_port_state state;
    uint16_t lid;               /* Base LID, 0 until assigned. */
    struct ipoib_gid gid;           /* Port GID (GID index 0). */
    uint16_t pkey;              /* P_Key in use, membership bit included. */
    uint32_t ib_mtu;            /* Bytes: 256...4096, the smaller of the
                                 * port's and the broadcast group's. */
    uint32_t qkey;              /* Broadcast group's Q_Key, 0 until joined. */
    uint64_t epoch;             /* Counts transitions to IB_PORT_ACTIVE. */
};

/* The IPoIB MTU (IB MTU minus the 4-byte IPoIB header, RFC 4391 section 7),
 * or 0 if the port has no MTU yet. */
static inline uint32_t
ib_port_attr_ipoib_mtu(const struct ib_port_attr *attr)
{
    return attr->ib_mtu >= 256 ? attr->ib_mtu - IPOIB_HDR_LEN : 0;
}

/* Flags for ib_endpoint_create(). */
enum ib_endpoint_flags {
    /* Do not receive multicast datagrams that this very endpoint sent (verbs'
     * IBV_QP_CREATE_BLOCK_SELF_MCAST_LB).  IPoIB needs that; without it the
     * receiver must filter on (SLID, source QPN) as Linux ipoib does. */
    IB_EP_BLOCK_SELF_MCAST_LOOPBACK = 1 << 0,
};

enum ib_join_type {
    IB_JOIN_FULL,               /* Send and receive. */
    IB_JOIN_SEND_ONLY,          /* Send only (SendOnlyFullMember). */
};

/* For the backends' tables of groups and paths, keyed by GID. */
static inline uint32_t
ib_gid_hash(const struct ipoib_gid *gid)
{
    return hash_bytes(gid->b, sizeof gid->b, 0);
}

static inline bool
ib_gid_equals(const struct ipoib_gid *a, const struct ipoib_gid *b)
{
    return !memcmp(a->b, b->b, sizeof a->b);
}

/* Kind of destination a datagram was received on. */
enum ib_dest_kind {
    IB_DEST_UNICAST,            /* To the endpoint's QPN. */
    IB_DEST_BROADCAST,          /* To the partition's IPoIB broadcast group. */
    IB_DEST_MULTICAST,          /* To another multicast group. */
};

const char *ib_dest_kind_to_string(enum ib_dest_kind);

/* One datagram to send. */
struct ib_send {
    struct ib_endpoint *ep;     /* Source QP. */
    struct ipoib_addr dst;      /* Unicast QPN+GID, or 0xffffff+MGID. */
    const void *data;           /* IPoIB header + packet; the backend... */
    size_t size;                /* ...copies it before returning. */
};

/* One received datagram. */
struct ib_recv {
    struct dp_packet *packet;   /* Now the caller's.  Data starts at the
                                 * IPoIB header, after 'rx_headroom' bytes. */
    struct ib_endpoint *ep;     /* Receiving endpoint... */
    void *ep_aux;               /* ...and its 'aux' from creation. */
    uint32_t src_qpn;           /* Sender's QPN (from the DETH). */
    uint16_t slid;              /* Sender's LID. */
    bool has_grh;               /* If true, 'sgid' and 'dgid' are valid. */
    struct ipoib_gid sgid;
    struct ipoib_gid dgid;
    enum ib_dest_kind dest;
};

/* A named counter (drops and errors by reason, and traffic). */
struct ib_counter {
    const char *name;
    uint64_t value;
};

/* Opening and closing.  'type' names a backend ("soft"); 'name' is
 * backend-specific: the soft backend takes the fabric daemon's socket, e.g.
 * "unix:/run/eipoib-fabric.sock".  Opening does not wait for the fabric: the
 * port starts IB_PORT_DOWN or IB_PORT_INIT and becomes active from
 * ib_port_run().
 *
 * An open port is one partition of a physical port, like an IPoIB child
 * interface.  Ports opened with the same 'node_name' are the same physical
 * port: one LID, GID and P_Key table, each with its own QPs (QPNs unique
 * across them) and multicast memberships, so a provider can open one per
 * partition it serves.  The soft backend opens one fabric connection per
 * port, and the daemon shares the fabric port among the connections
 * attached under one name; a verbs backend would share the HCA port. */
int ib_port_open(const char *type, const char *name,
                 const struct ib_port_options *, struct ib_port **);
void ib_port_close(struct ib_port *);
const char *ib_port_get_name(const struct ib_port *);
const char *ib_port_get_type(const struct ib_port *);

void ib_port_run(struct ib_port *);
void ib_port_wait(struct ib_port *);

void ib_port_get_attr(const struct ib_port *, struct ib_port_attr *);

/* Endpoints (UD QPs).  'aux' is the caller's, returned with each datagram
 * the endpoint receives.  An endpoint can be created while the port is not
 * yet active; its QPN is then valid once the port is. */
int ib_endpoint_create(struct ib_port *, unsigned int flags, void *aux,
                       struct ib_endpoint **);
void ib_endpoint_destroy(struct ib_endpoint *);
uint32_t ib_endpoint_qpn(const struct ib_endpoint *); /* 0 if none yet. */

/* Fills 'addr' with the endpoint's 20-byte IPoIB address (flags 0x00, the
 * endpoint's QPN, the port GID).  Returns false if the port has no GID or
 * the endpoint no QPN yet. */
bool ib_endpoint_get_addr(const struct ib_endpoint *, struct ipoib_addr *);

/* Multicast membership of an endpoint.  Joins complete asynchronously (from
 * ib_port_run()) and survive fabric restarts.  'mgid' must be a multicast
 * GID.  Returns 0 or a positive errno value. */
int ib_endpoint_join(struct ib_endpoint *, const struct ipoib_gid *mgid,
                     enum ib_join_type);
int ib_endpoint_leave(struct ib_endpoint *, const struct ipoib_gid *mgid);

/* Sends 'n' datagrams.  Returns how many were accepted for transmission;
 * the others were dropped and counted.  Never blocks. */
size_t ib_port_send(struct ib_port *, const struct ib_send *, size_t n);

/* Receives up to 'max' (at most IB_RECV_BATCH) datagrams into 'recvs' and
 * stores their number in '*n'.  Returns 0 if at least one was received,
 * EAGAIN if none is waiting, another positive errno value on error. */
int ib_port_recv(struct ib_port *, struct ib_recv *recvs, size_t max,
                 size_t *n);
void ib_port_recv_wait(struct ib_port *);

/* Counters, as a malloc()ed array that the caller frees.  Names are stable
 * identifiers (lowercase, '-' separated). */
void ib_port_get_counters(const struct ib_port *,
                          struct ib_counter **counters, size_t *n);

/* Appends a human-readable description of the port to 'ds'. */
void ib_port_format(const struct ib_port *, struct ds *);

/* Backends. */
struct ib_transport_class {
    const char *type;

    int (*open)(const struct ib_transport_class *, const char *name,
                const struct ib_port_options *, struct ib_port **);
    void (*close)(struct ib_port *);
    void (*run)(struct ib_port *);
    void (*wait)(struct ib_port *);
    void (*get_attr)(const struct ib_port *, struct ib_port_attr *);

    int (*endpoint_create)(struct ib_port *, unsigned int flags, void *aux,
                           struct ib_endpoint **);
    void (*endpoint_destroy)(struct ib_endpoint *);
    uint32_t (*endpoint_qpn)(const struct ib_endpoint *);
    int (*join)(struct ib_endpoint *, const struct ipoib_gid *mgid,
                enum ib_join_type);
    int (*leave)(struct ib_endpoint *, const struct ipoib_gid *mgid);

    size_t (*send)(struct ib_port *, const struct ib_send *, size_t n);
    int (*recv)(struct ib_port *, struct ib_recv *, size_t max, size_t *n);
    void (*recv_wait)(struct ib_port *);

    void (*get_counters)(const struct ib_port *, struct ib_counter **,
                         size_t *n);
    void (*format)(const struct ib_port *, struct ds *); /* May be NULL. */
};

/* The part of a port and of an endpoint that every backend shares; backends
 * embed these as their first member. */
struct ib_port {
    const struct ib_transport_class *class;
    char *name;
};

struct ib_endpoint {
    struct ib_port *port;
};

int ib_transport_register(const struct ib_transport_class *);
const struct ib_transport_class *ib_transport_lookup(const char *type);

/* Built-in backends. */
extern const struct ib_transport_class ib_transport_soft_class;
#ifdef EIPOIB_HAVE_VERBS
extern const struct ib_transport_class ib_transport_verbs_class;
#endif

#endif /* ib-transport.h */
