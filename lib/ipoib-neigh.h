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

#ifndef IPOIB_NEIGH_H
#define IPOIB_NEIGH_H 1

/* The neighbour cache of a native IPoIB host: IPv4/IPv6 address to 20-byte
 * IPoIB address, resolved by ARP or ND, with the states and timers of the
 * Linux neighbour code (simplified) and a small queue of packets waiting for
 * resolution.
 *
 * No I/O: the caller passes the time in and gets back what to send (probes,
 * released packets).  IPv4 addresses are kept as IPv4-mapped IPv6. */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include "ipoib.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"

struct ds;
struct ofpbuf;

enum ipoib_neigh_state {
    IPOIB_NEIGH_INCOMPLETE,     /* Resolving by multicast probes; packets
                                 * wait in the queue. */
    IPOIB_NEIGH_REACHABLE,      /* Confirmed within 'reachable_ms'. */
    IPOIB_NEIGH_STALE,          /* Known but unconfirmed; the next use
                                 * starts unicast probes. */
    IPOIB_NEIGH_PROBE,          /* In use, unicast probes outstanding. */
    IPOIB_NEIGH_PERMANENT,      /* Configured; never probed or expired. */
};

const char *ipoib_neigh_state_to_string(enum ipoib_neigh_state);

struct ipoib_neigh_params {
    int retrans_ms;             /* Between probes. */
    int mcast_probes;           /* Broadcast/multicast probes to resolve. */
    int ucast_probes;           /* Unicast probes to reconfirm. */
    int reachable_ms;           /* REACHABLE lasts this long. */
    int gc_ms;                  /* Unused STALE entries go after this. */
    size_t queue_max;           /* Packets queued per INCOMPLETE entry. */
};

/* Linux-like defaults (retrans 1 s, 3 + 3 probes, reachable 30 s). */
void ipoib_neigh_params_init(struct ipoib_neigh_params *);

struct ipoib_neigh {
    struct hmap_node node;      /* In ipoib_neigh_table's 'map'. */
    struct in6_addr ip;
    struct ipoib_addr lladdr;   /* Valid unless INCOMPLETE. */
    enum ipoib_neigh_state state;
    long long int confirmed;    /* When last confirmed. */
    long long int used;         /* When last used for output. */
    long long int next_probe;   /* INCOMPLETE, PROBE: next probe due. */
    int probes;                 /* Probes sent in this state. */
    struct ovs_list queue;      /* "struct ofpbuf"s waiting. */
    size_t n_queued;
};

struct ipoib_neigh_table {
    struct hmap map;
    struct ipoib_neigh_params params;

    /* Packets dropped, by reason. */
    unsigned long long int queue_overflows;  /* Queue full. */
    unsigned long long int unresolved;       /* Resolution failed. */
};

/* A probe to send: an ARP request or ND neighbour solicitation for 'ip',
 * either to the broadcast/solicited-node group or unicast to 'lladdr'. */
struct ipoib_neigh_probe {
    struct in6_addr ip;
    bool unicast;
    struct ipoib_addr lladdr;   /* If 'unicast'. */
};

void ipoib_neigh_table_init(struct ipoib_neigh_table *,
                            const struct ipoib_neigh_params *);
void ipoib_neigh_table_destroy(struct ipoib_neigh_table *);
void ipoib_neigh_flush(struct ipoib_neigh_table *, bool keep_permanent);

struct ipoib_neigh *ipoib_neigh_lookup(const struct ipoib_neigh_table *,
                                       const struct in6_addr *ip);

/* Output of 'packet' toward 'ip'.  Returns true if the caller must send it
 * now to '*lladdr'.  Otherwise the table took 'packet' (queued, or dropped
 * and counted).  Sets '*probe' and returns true in '*need_probe' if a probe
 * must go out now. */
bool ipoib_neigh_output(struct ipoib_neigh_table *, const struct in6_addr *ip,
                        struct ofpbuf *packet, long long int now,
                        struct ipoib_addr *lladdr,
                        struct ipoib_neigh_probe *probe, bool *need_probe);

/* How a received ARP or ND message updates the table. */
enum ipoib_neigh_update_flags {
    IPOIB_NEIGH_CREATE = 1 << 0,    /* Create the entry if absent. */
    IPOIB_NEIGH_CONFIRM = 1 << 1,   /* Reachability confirmed (a reply). */
    IPOIB_NEIGH_OVERRIDE = 1 << 2,  /* A different lladdr replaces ours. */
};

/* Records that 'ip' is at 'lladdr'.  Packets that were waiting for 'ip' are
 * appended to 'released' (a list of "struct ofpbuf"), to be sent to
 * 'lladdr'.  Returns true if an entry was created or changed. */
bool ipoib_neigh_update(struct ipoib_neigh_table *, const struct in6_addr *ip,
                        const struct ipoib_addr *lladdr, unsigned int flags,
                        long long int now, struct ovs_list *released);

/* Adds or replaces a permanent entry. */
void ipoib_neigh_add_permanent(struct ipoib_neigh_table *,
                               const struct in6_addr *ip,
                               const struct ipoib_addr *lladdr,
                               struct ovs_list *released);
bool ipoib_neigh_delete(struct ipoib_neigh_table *, const struct in6_addr *ip);

/* Timers: ages entries, fails resolutions, and appends the probes due to
 * 'probes' (a caller-owned array grown with x2nrealloc). */
void ipoib_neigh_run(struct ipoib_neigh_table *, long long int now,
                     struct ipoib_neigh_probe **probes, size_t *n_probes,
                     size_t *allocated_probes);

/* When ipoib_neigh_run() has work next, LLONG_MAX if never. */
long long int ipoib_neigh_next_wake(const struct ipoib_neigh_table *);

/* One line per entry, sorted by address. */
void ipoib_neigh_format(const struct ipoib_neigh_table *, long long int now,
                        struct ds *);

#endif /* ipoib-neigh.h */
