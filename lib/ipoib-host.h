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

#ifndef IPOIB_HOST_H
#define IPOIB_HOST_H 1

/* The link layer of a native IPoIB host, for an IP stack that has none (a
 * Linux TUN device): what Linux ib_ipoib and the kernel's ARP, ND and
 * neighbour code do between an IP stack and one IPoIB interface.
 *
 *   - IP packets from the stack get the IPoIB header and a destination: the
 *     IPoIB broadcast group for limited and subnet broadcasts, the group's
 *     MGID for multicast (RFC 4391 section 4), the neighbour's 20-byte
 *     address for unicast, resolved by ARP (htype 32, hlen 20) or ND (24-byte
 *     link-layer options) and queued meanwhile.
 *   - Datagrams from the fabric: ARP and neighbour solicitations/
 *     advertisements are answered and consumed; router advertisements,
 *     solicitations and redirects lose their IPoIB link-layer options (which
 *     a TUN device could not parse) and go up; IP goes up.
 *
 * No I/O: callers pass packets and the time in and get packets out, so
 * everything here is unit-tested (tests/test-ipoib-host.c). */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ipoib.h"
#include "ipoib-neigh.h"

struct ds;
struct ofpbuf;

/* An IP address of the host and its prefix length; IPv4 as IPv4-mapped
 * IPv6 with 'plen' counting IPv4 bits (0...32). */
struct ipoib_host_ifaddr {
    struct in6_addr addr;
    unsigned int plen;
};

/* A packet for the caller to send. */
enum ipoib_host_dest {
    IPOIB_HOST_TO_IB,           /* IPoIB payload (IPoIB header first). */
    IPOIB_HOST_TO_STACK,        /* IP packet for the TUN device. */
};

struct ipoib_host_pkt {
    enum ipoib_host_dest dest;
    struct ipoib_addr dst;      /* IPOIB_HOST_TO_IB: unicast or group. */
    struct ofpbuf *buf;
};

struct ipoib_host_outbox {
    struct ipoib_host_pkt *pkts;
    size_t n, allocated;
};

void ipoib_host_outbox_init(struct ipoib_host_outbox *);
void ipoib_host_outbox_clear(struct ipoib_host_outbox *); /* Frees pkts. */
void ipoib_host_outbox_destroy(struct ipoib_host_outbox *);

/* What the transport says about a received datagram. */
struct ipoib_host_rx {
    uint32_t src_qpn;
    uint16_t slid;
    bool multicast;             /* Sent to a group (broadcast included). */
};

/* Counters.  "drop-*" count packets dropped, by reason. */
#define IPOIB_HOST_COUNTERS                                             \
    IPOIB_HOST_COUNTER(STACK_RX, "stack-rx")                            \
    IPOIB_HOST_COUNTER(STACK_TX, "stack-tx")                            \
    IPOIB_HOST_COUNTER(IB_RX, "ib-rx")                                  \
    IPOIB_HOST_COUNTER(IB_TX, "ib-tx")                                  \
    IPOIB_HOST_COUNTER(ARP_REQUEST_TX, "arp-request-tx")                \
    IPOIB_HOST_COUNTER(ARP_REPLY_TX, "arp-reply-tx")                    \
    IPOIB_HOST_COUNTER(ARP_REQUEST_RX, "arp-request-rx")                \
    IPOIB_HOST_COUNTER(ARP_REPLY_RX, "arp-reply-rx")                    \
    IPOIB_HOST_COUNTER(NS_TX, "nd-solicit-tx")                          \
    IPOIB_HOST_COUNTER(NA_TX, "nd-advert-tx")                           \
    IPOIB_HOST_COUNTER(NS_RX, "nd-solicit-rx")                          \
    IPOIB_HOST_COUNTER(NA_RX, "nd-advert-rx")                           \
    IPOIB_HOST_COUNTER(DROP_LINK_DOWN, "drop-link-down")                \
    IPOIB_HOST_COUNTER(DROP_STACK_MALFORMED, "drop-stack-malformed")    \
    IPOIB_HOST_COUNTER(DROP_STACK_TOO_BIG, "drop-stack-too-big")        \
    IPOIB_HOST_COUNTER(DROP_STACK_ND, "drop-stack-nd")                  \
    IPOIB_HOST_COUNTER(DROP_NO_ROUTE, "drop-no-route")                  \
    IPOIB_HOST_COUNTER(DROP_NO_SOURCE, "drop-no-source-address")        \
    IPOIB_HOST_COUNTER(DROP_NEIGH_QUEUE, "drop-neigh-queue-full")       \
    IPOIB_HOST_COUNTER(DROP_NEIGH_FAILED, "drop-neigh-unresolved")      \
    IPOIB_HOST_COUNTER(DROP_IB_SHORT, "drop-ib-short")                  \
    IPOIB_HOST_COUNTER(DROP_IB_TYPE, "drop-ib-type")                    \
    IPOIB_HOST_COUNTER(DROP_IB_LOOPBACK, "drop-ib-own-loopback")        \
    IPOIB_HOST_COUNTER(DROP_IB_IP_MALFORMED, "drop-ib-ip-malformed")    \
    IPOIB_HOST_COUNTER(DROP_ARP_MALFORMED, "drop-arp-malformed")        \
    IPOIB_HOST_COUNTER(DROP_ARP_IGNORED, "drop-arp-not-for-us")         \
    IPOIB_HOST_COUNTER(DROP_RARP, "drop-rarp")                          \
    IPOIB_HOST_COUNTER(DROP_ND_MALFORMED, "drop-nd-malformed")          \
    IPOIB_HOST_COUNTER(DROP_ND_IGNORED, "drop-nd-not-for-us")

enum ipoib_host_counter {
#define IPOIB_HOST_COUNTER(ENUM, NAME) IPOIB_HOST_##ENUM,
    IPOIB_HOST_COUNTERS
#undef IPOIB_HOST_COUNTER
    IPOIB_HOST_N_COUNTERS
};

const char *ipoib_host_counter_name(enum ipoib_host_counter);

struct ipoib_host;

struct ipoib_host *ipoib_host_create(const struct ipoib_neigh_params *);
void ipoib_host_destroy(struct ipoib_host *);

/* The IPoIB interface came up (or back, possibly with a new address or
 * LID): 'own' is its 20-byte address, 'lid' its LID, 'pkey' its P_Key,
 * 'ipoib_mtu' the largest IP packet, 'scope' the broadcast group's scope.
 * Flushes learned neighbours if the address changed, and starts announcing
 * the host's addresses (gratuitous ARP, unsolicited NA) three times. */
void ipoib_host_link_up(struct ipoib_host *, const struct ipoib_addr *own,
                        uint16_t lid, uint16_t pkey, uint32_t ipoib_mtu,
                        uint8_t scope, long long int now);
void ipoib_host_link_down(struct ipoib_host *);
bool ipoib_host_is_up(const struct ipoib_host *);

/* Replaces the host's IP addresses.  New addresses are announced. */
void ipoib_host_set_addrs(struct ipoib_host *,
                          const struct ipoib_host_ifaddr *, size_t n,
                          long long int now);
void ipoib_host_get_addrs(const struct ipoib_host *,
                          const struct ipoib_host_ifaddr **, size_t *n);

/* Default gateways for destinations outside every prefix of the host (a
 * TUN device does not tell which next hop the stack chose).  NULL or the
 * unspecified address: none. */
void ipoib_host_set_gateway(struct ipoib_host *, const struct in6_addr *);

/* Packet flows.  Each appends what must be sent to 'out'. */
void ipoib_host_from_stack(struct ipoib_host *, const void *ip, size_t len,
                           long long int now, struct ipoib_host_outbox *out);
void ipoib_host_from_ib(struct ipoib_host *, const void *payload, size_t len,
                        const struct ipoib_host_rx *, long long int now,
                        struct ipoib_host_outbox *out);
void ipoib_host_run(struct ipoib_host *, long long int now,
                    struct ipoib_host_outbox *out);
long long int ipoib_host_next_wake(const struct ipoib_host *);

/* Static neighbour entries. */
void ipoib_host_add_neighbor(struct ipoib_host *, const struct in6_addr *ip,
                             const struct ipoib_addr *,
                             struct ipoib_host_outbox *out);
bool ipoib_host_del_neighbor(struct ipoib_host *, const struct in6_addr *ip);
const struct ipoib_neigh_table *ipoib_host_neighbors(
    const struct ipoib_host *);

/* The multicast groups the interface must be a full member of, besides the
 * broadcast group: those of 'stack_groups' (the IP groups the stack has
 * joined), all-hosts (224.0.0.1, ff02::1) and the solicited-node group of
 * each IPv6 address.  Stores a sorted, duplicate-free, malloc()ed array. */
void ipoib_host_wanted_groups(const struct ipoib_host *,
                              const struct in6_addr *stack_groups,
                              size_t n_stack_groups,
                              struct ipoib_gid **mgids, size_t *n);

/* The IPoIB destination (group address) of IP multicast group 'group'. */
void ipoib_host_group_addr(const struct ipoib_host *,
                           const struct in6_addr *group,
                           struct ipoib_addr *);

uint64_t ipoib_host_get_counter(const struct ipoib_host *,
                                enum ipoib_host_counter);
void ipoib_host_format_counters(const struct ipoib_host *, struct ds *);

#endif /* ipoib-host.h */
