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

#ifndef EIPOIB_TABLES_H
#define EIPOIB_TABLES_H 1

/* The tables behind the translation core, in userspace (OVS hmaps):
 *
 *   partitions   VLAN <-> P_Key, with scope, IPoIB MTU and base QPN;
 *   vifs         (MAC, VLAN) -> UD endpoint/QPN, and QPN -> vif;
 *   neighbours   REMAC -> 20-byte IPoIB address + LID, last seen;
 *   DHCP clients xid (+ client-id) -> VM MAC, for undoing RFC 4390.
 *
 * Every table but the partitions is bounded: when full, a new entry is
 * refused and counted.  Entries not seen for their idle time go away in
 * eipoib_tables_expire(), except the vifs that someone asked for rather
 * than snooped: "static" ones (added by hand) and "provisioned" ones (named
 * by the OVS database), which stay until removed.
 *
 * Time is whatever the caller last gave eipoib_tables_set_time()
 * (milliseconds), so tests control it.
 *
 * Not thread-safe: the caller serializes all calls, for example with one
 * mutex held around translating a batch.
 *
 * 'eipoib_tables_ops' plugs the tables into lib/eipoib-xlate.h:
 *
 *     eipoib_xlate_init(&xlate, &eipoib_tables_ops, tables, lid, &gid); */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eipoib-xlate.h"

struct eipoib_tables_config {
    size_t max_vifs;
    size_t max_neighbors;
    size_t max_dhcp_clients;
    long long vif_idle_ms;          /* Learnt vifs; 0: never expire. */
    long long neighbor_idle_ms;     /* 0: never expire. */
    long long dhcp_idle_ms;         /* 0: never expire. */
};

#define EIPOIB_TABLES_DEFAULT_MAX_VIFS        1024
#define EIPOIB_TABLES_DEFAULT_MAX_NEIGHBORS   4096
#define EIPOIB_TABLES_DEFAULT_MAX_DHCP        256
#define EIPOIB_TABLES_DEFAULT_VIF_IDLE_MS     (300 * 1000)
#define EIPOIB_TABLES_DEFAULT_NEIGHBOR_IDLE_MS (300 * 1000)
#define EIPOIB_TABLES_DEFAULT_DHCP_IDLE_MS    (60 * 1000)

/* Attempts at a collision-free fallback REMAC (see ipoib.h). */
#define EIPOIB_TABLES_REMAC_ATTEMPTS 8

struct eipoib_tables_stats {
    uint64_t vifs_refused;          /* Table full. */
    uint64_t neighbors_refused;     /* Table full or no free REMAC. */
    uint64_t dhcp_refused;          /* Table full. */
    uint64_t remac_collisions;      /* Fallback REMACs retried. */
    uint64_t vifs_expired;
    uint64_t neighbors_expired;
    uint64_t dhcp_expired;
};

/* Results of adding entries. */
enum eipoib_table_result {
    EIPOIB_TABLE_OK,
    EIPOIB_TABLE_EXISTS,            /* Key (or QPN, or P_Key) in use. */
    EIPOIB_TABLE_FULL,
    EIPOIB_TABLE_INVALID,           /* Bad VLAN, P_Key, MTU, MAC... */
};

const char *eipoib_table_result_to_string(enum eipoib_table_result);

void eipoib_tables_config_default(struct eipoib_tables_config *);

struct eipoib_tables *eipoib_tables_create(
    const struct eipoib_tables_config *);
void eipoib_tables_destroy(struct eipoib_tables *);

/* New limits apply to later insertions; nothing is evicted. */
void eipoib_tables_set_config(struct eipoib_tables *,
                              const struct eipoib_tables_config *);
void eipoib_tables_get_config(const struct eipoib_tables *,
                              struct eipoib_tables_config *);
void eipoib_tables_set_time(struct eipoib_tables *, long long now_ms);
void eipoib_tables_get_stats(const struct eipoib_tables *,
                             struct eipoib_tables_stats *);

/* Partitions.  A VLAN maps to one partition and a P_Key (compared in its
 * full-member form) to one VLAN. */
enum eipoib_table_result eipoib_tables_add_partition(
    struct eipoib_tables *, const struct eipoib_partition *);
bool eipoib_tables_del_partition(struct eipoib_tables *, uint16_t vlan);
bool eipoib_tables_find_partition_by_vlan(const struct eipoib_tables *,
                                          uint16_t vlan,
                                          struct eipoib_partition *);
bool eipoib_tables_find_partition_by_pkey(const struct eipoib_tables *,
                                          uint16_t pkey,
                                          struct eipoib_partition *);
size_t eipoib_tables_n_partitions(const struct eipoib_tables *);

/* Where a vif comes from.  SNOOPED and STATIC keep the values of the
 * former 'is_static' flag (false, true), so older callers still read
 * right. */
enum eipoib_vif_kind {
    EIPOIB_VIF_SNOOPED = 0,         /* Source MAC seen; ages out. */
    EIPOIB_VIF_STATIC = 1,          /* Added by hand (eipoib/add-vif). */
    EIPOIB_VIF_PROVISIONED = 2,     /* Named by the OVS database. */
};

const char *eipoib_vif_kind_to_string(enum eipoib_vif_kind);

/* Vifs.  MAC must be unicast and non-zero, VLAN 0..4094, QPN unique. */
enum eipoib_table_result eipoib_tables_add_vif(struct eipoib_tables *,
                                               const struct eipoib_vif *,
                                               enum eipoib_vif_kind);
/* The kind of an existing vif, and changing it; false if there is none. */
bool eipoib_tables_get_vif_kind(const struct eipoib_tables *,
                                const uint8_t mac[6], uint16_t vlan,
                                enum eipoib_vif_kind *);
bool eipoib_tables_set_vif_kind(struct eipoib_tables *, const uint8_t mac[6],
                                uint16_t vlan, enum eipoib_vif_kind);
bool eipoib_tables_del_vif(struct eipoib_tables *, const uint8_t mac[6],
                           uint16_t vlan, struct eipoib_vif *removed);
bool eipoib_tables_find_vif(struct eipoib_tables *, const uint8_t mac[6],
                            uint16_t vlan, struct eipoib_vif *);
bool eipoib_tables_find_vif_by_qpn(const struct eipoib_tables *,
                                   uint32_t qpn, struct eipoib_vif *);
size_t eipoib_tables_n_vifs(const struct eipoib_tables *);

/* Neighbours.  Learning follows the REMAC scheme of ipoib.h: the LID form
 * when 'lid' is unicast (stored only if 'gid' is known; without a GID an
 * existing entry is just refreshed), else the hashed form from 'gid' and
 * 'qpn', checked against the table for collisions.  'flags' < 0 keeps the
 * stored flags (0 for new entries).  Returns false if no REMAC could be
 * given (no unicast LID and no GID, no free fallback REMAC, or a QPN or GID
 * that cannot be a peer's: multicast, zero); 'mac' gets the REMAC. */
bool eipoib_tables_learn_neighbor(struct eipoib_tables *, uint32_t qpn,
                                  uint16_t lid, const struct ipoib_gid *gid,
                                  int flags, uint8_t mac[6]);
bool eipoib_tables_find_neighbor(const struct eipoib_tables *,
                                 const uint8_t mac[6],
                                 struct eipoib_neighbor *);
bool eipoib_tables_del_neighbor(struct eipoib_tables *, const uint8_t mac[6]);
size_t eipoib_tables_n_neighbors(const struct eipoib_tables *);

/* DHCP clients.  Remembering a client with the xid, MAC and VLAN of one
 * already known updates it. */
bool eipoib_tables_remember_dhcp(struct eipoib_tables *,
                                 const struct eipoib_dhcp_client *);
bool eipoib_tables_find_dhcp(const struct eipoib_tables *, uint32_t xid,
                             const uint8_t *client_id, size_t client_id_len,
                             struct eipoib_dhcp_client *);
size_t eipoib_tables_n_dhcp(const struct eipoib_tables *);

/* Removes entries idle for longer than their limit.  'vif_expired', if
 * nonnull, is called for each vif removed (so the caller can destroy its
 * endpoint). */
void eipoib_tables_expire(struct eipoib_tables *,
                          void (*vif_expired)(const struct eipoib_vif *,
                                              void *aux),
                          void *aux);

/* Removes every snooped vif (static and provisioned ones stay), every
 * neighbour and every DHCP client, as a restart would; 'vif_removed' as
 * for eipoib_tables_expire(). */
void eipoib_tables_flush(struct eipoib_tables *,
                         void (*vif_removed)(const struct eipoib_vif *,
                                             void *aux),
                         void *aux);

/* Walks a table, for show commands.  'age_ms' is now - last seen. */
void eipoib_tables_for_each_partition(
    const struct eipoib_tables *,
    void (*cb)(const struct eipoib_partition *, void *aux), void *aux);
void eipoib_tables_for_each_vif(
    const struct eipoib_tables *,
    void (*cb)(const struct eipoib_vif *, enum eipoib_vif_kind,
               long long age_ms, void *aux),
    void *aux);
void eipoib_tables_for_each_neighbor(
    const struct eipoib_tables *,
    void (*cb)(const struct eipoib_neighbor *, long long age_ms, void *aux),
    void *aux);

/* The translation core's view of the tables (aux: struct eipoib_tables *). */
extern const struct eipoib_xlate_ops eipoib_tables_ops;

#endif /* eipoib-tables.h */
