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

#ifndef IB_VERBS_H
#define IB_VERBS_H 1

/* Helpers of the rdma-core ("verbs") IB transport backend
 * (ib-transport-verbs.c).  Only built when libibverbs and librdmacm are. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipoib.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"

struct ibv_ah;
struct ibv_ah_attr;
struct ibv_context;
struct ibv_pd;

/* Finds and opens the RDMA device and port that 'name' designates:
 *
 *   - "DEV:PORT", e.g. "mlx5_0:1";
 *   - "DEV", e.g. "rxe0" or "mlx5_0" (port 1);
 *   - a network device: an IPoIB netdev such as "ib0" (matched by the port
 *     GID in its 20-byte hardware address), or the Ethernet netdev of a
 *     RoCE port (e.g. "veth0" under rxe0).
 *
 * On success returns 0 and stores the open device (for the caller to
 * ibv_close_device()) and the port number; otherwise a positive errno
 * value, ENODEV if there is no such device or no RDMA at all. */
int ib_verbs_open_device(const char *name, struct ibv_context **ctxp,
                         int *portp);

/* True if 'name' designates an RDMA port (as above). */
bool ib_verbs_name_is_rdma(const char *name);

/* Reads the source and destination GIDs from the 40 bytes that precede a
 * received UD datagram: an IB GRH (or RoCE v2's IPv6 header: the same
 * offsets), or, for RoCE v2 over IPv4, the IPv4 header in its last 20 bytes
 * (the GIDs are then IPv4-mapped). */
void ib_verbs_parse_grh(const uint8_t *grh, struct ipoib_gid *sgid,
                        struct ipoib_gid *dgid);

/* Address handles.
 *
 * Fills 'attr' for sends from port 'port_num' to 'dgid' (and, on IB, LID
 * 'dlid' with SL 'sl').  A GRH goes with every send on RoCE, and on IB when
 * 'global' (multicast). */
void ib_verbs_ah_attr_init(struct ibv_ah_attr *, uint8_t port_num,
                           bool is_roce, const struct ipoib_gid *dgid,
                           uint16_t dlid, uint8_t sl, bool global);

/* A bounded cache of unicast address handles, one per destination (GID,
 * LID, SL), least recently used first out.  A send that uses an AH holds it
 * in 'n_outstanding' until it completes; such an AH is not evicted, so the
 * cache may briefly exceed 'max'. */
struct ib_verbs_ah_key {
    struct ipoib_gid dgid;
    uint16_t dlid;
    uint8_t sl;
    uint8_t pad;
};

struct ib_verbs_ah {
    struct hmap_node node;      /* In the cache's 'ahs', by key. */
    struct ovs_list lru_node;   /* In the cache's 'lru', recent first. */
    struct ib_verbs_ah_key key;
    struct ibv_ah *ah;
    unsigned int n_outstanding; /* Posted sends not completed yet. */
};

struct ib_verbs_ah_cache {
    struct ibv_pd *pd;
    uint8_t port_num;
    bool is_roce;
    size_t max;
    struct hmap ahs;
    struct ovs_list lru;
    uint64_t n_created, n_evicted, n_failures;
};

void ib_verbs_ah_cache_init(struct ib_verbs_ah_cache *, struct ibv_pd *,
                            uint8_t port_num, bool is_roce, size_t max);
void ib_verbs_ah_cache_destroy(struct ib_verbs_ah_cache *);
struct ib_verbs_ah *ib_verbs_ah_get(struct ib_verbs_ah_cache *,
                                    const struct ipoib_gid *dgid,
                                    uint16_t dlid, uint8_t sl);

#endif /* ib-verbs.h */
