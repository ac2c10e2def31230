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

#include "eipoib-tables.h"

#include <string.h>

#include "hash.h"
#include "openvswitch/hmap.h"
#include "util.h"

struct partition_entry {
    struct hmap_node vlan_node;     /* In tables->partitions_by_vlan. */
    struct hmap_node pkey_node;     /* In tables->partitions_by_pkey. */
    struct eipoib_partition p;
};

struct vif_entry {
    struct hmap_node key_node;      /* In tables->vifs, by (MAC, VLAN). */
    struct hmap_node qpn_node;      /* In tables->vifs_by_qpn. */
    struct eipoib_vif vif;
    enum eipoib_vif_kind kind;
    long long last_seen;
};

struct neighbor_entry {
    struct hmap_node node;          /* In tables->neighbors, by REMAC. */
    struct eipoib_neighbor nb;
    long long last_seen;
};

struct dhcp_entry {
    struct hmap_node node;          /* In tables->dhcp, by xid. */
    struct eipoib_dhcp_client client;
    long long last_seen;
};

struct eipoib_tables {
    struct hmap partitions_by_vlan;
    struct hmap partitions_by_pkey;
    struct hmap vifs;
    struct hmap vifs_by_qpn;
    struct hmap neighbors;
    struct hmap dhcp;
    struct eipoib_tables_config config;
    struct eipoib_tables_stats stats;
    long long now;
};

const char *
eipoib_table_result_to_string(enum eipoib_table_result r)
{
    switch (r) {
    case EIPOIB_TABLE_OK:
        return "ok";
    case EIPOIB_TABLE_EXISTS:
        return "already exists";
    case EIPOIB_TABLE_FULL:
        return "table full";
    case EIPOIB_TABLE_INVALID:
        return "invalid";
    default:
        return "unknown";
    }
}

void
eipoib_tables_config_default(struct eipoib_tables_config *c)
{
    c->max_vifs = EIPOIB_TABLES_DEFAULT_MAX_VIFS;
    c->max_neighbors = EIPOIB_TABLES_DEFAULT_MAX_NEIGHBORS;
    c->max_dhcp_clients = EIPOIB_TABLES_DEFAULT_MAX_DHCP;
    c->vif_idle_ms = EIPOIB_TABLES_DEFAULT_VIF_IDLE_MS;
    c->neighbor_idle_ms = EIPOIB_TABLES_DEFAULT_NEIGHBOR_IDLE_MS;
    c->dhcp_idle_ms = EIPOIB_TABLES_DEFAULT_DHCP_IDLE_MS;
}

struct eipoib_tables *
eipoib_tables_create(const struct eipoib_tables_config *config)
{
    struct eipoib_tables *t = xzalloc(sizeof *t);

    hmap_init(&t->partitions_by_vlan);
    hmap_init(&t->partitions_by_pkey);
    hmap_init(&t->vifs);
    hmap_init(&t->vifs_by_qpn);
    hmap_init(&t->neighbors);
    hmap_init(&t->dhcp);
    if (config) {
        t->config = *config;
    } else {
        eipoib_tables_config_default(&t->config);
    }
    return t;
}

void
eipoib_tables_destroy(struct eipoib_tables *t)
{
    if (!t) {
        return;
    }

    struct partition_entry *pe;
    HMAP_FOR_EACH_POP (pe, vlan_node, &t->partitions_by_vlan) {
        free(pe);
    }
    struct vif_entry *ve;
    HMAP_FOR_EACH_POP (ve, key_node, &t->vifs) {
        free(ve);
    }
    struct neighbor_entry *ne;
    HMAP_FOR_EACH_POP (ne, node, &t->neighbors) {
        free(ne);
    }
    struct dhcp_entry *de;
    HMAP_FOR_EACH_POP (de, node, &t->dhcp) {
        free(de);
    }
    hmap_destroy(&t->partitions_by_vlan);
    hmap_destroy(&t->partitions_by_pkey);
    hmap_destroy(&t->vifs);
    hmap_destroy(&t->vifs_by_qpn);
    hmap_destroy(&t->neighbors);
    hmap_destroy(&t->dhcp);
    free(t);
}

void
eipoib_tables_set_config(struct eipoib_tables *t,
                         const struct eipoib_tables_config *config)
{
    t->config = *config;
}

void
eipoib_tables_get_config(const struct eipoib_tables *t,
                         struct eipoib_tables_config *config)
{
    *config = t->config;
}

void
eipoib_tables_set_time(struct eipoib_tables *t, long long now_ms)
{
    t->now = now_ms;
}

void
eipoib_tables_get_stats(const struct eipoib_tables *t,
                        struct eipoib_tables_stats *stats)
{
    *stats = t->stats;
}

static bool
is_expired(const struct eipoib_tables *t, long long last_seen,
           long long idle_ms)
{
    return idle_ms > 0 && t->now - last_seen > idle_ms;
}

/* ---------------------------------------------------------------------- */
/* Partitions. */

static struct partition_entry *
partition_lookup_vlan(const struct eipoib_tables *t, uint16_t vlan)
{
    struct partition_entry *pe;

    HMAP_FOR_EACH_WITH_HASH (pe, vlan_node, hash_int(vlan, 0),
                             &t->partitions_by_vlan) {
        if (pe->p.vlan == vlan) {
            return pe;
        }
    }
    return NULL;
}

static struct partition_entry *
partition_lookup_pkey(const struct eipoib_tables *t, uint16_t pkey)
{
    struct partition_entry *pe;

    pkey = ipoib_pkey_full(pkey);
    HMAP_FOR_EACH_WITH_HASH (pe, pkey_node, hash_int(pkey, 0),
                             &t->partitions_by_pkey) {
        if (ipoib_pkey_full(pe->p.pkey) == pkey) {
            return pe;
        }
    }
    return NULL;
}

enum eipoib_table_result
eipoib_tables_add_partition(struct eipoib_tables *t,
                            const struct eipoib_partition *p)
{
    if (p->vlan > 4094 || !ipoib_pkey_is_valid(p->pkey)
        || p->mtu < IPOIB_UD_MTU(256) || p->scope > 0xf
        || p->base_qpn > IPOIB_QPN_MASK) {
        return EIPOIB_TABLE_INVALID;
    }
    if (partition_lookup_vlan(t, p->vlan)
        || partition_lookup_pkey(t, p->pkey)) {
        return EIPOIB_TABLE_EXISTS;
    }

    struct partition_entry *pe = xzalloc(sizeof *pe);
    pe->p = *p;
    hmap_insert(&t->partitions_by_vlan, &pe->vlan_node, hash_int(p->vlan, 0));
    hmap_insert(&t->partitions_by_pkey, &pe->pkey_node,
                hash_int(ipoib_pkey_full(p->pkey), 0));
    return EIPOIB_TABLE_OK;
}

bool
eipoib_tables_del_partition(struct eipoib_tables *t, uint16_t vlan)
{
    struct partition_entry *pe = partition_lookup_vlan(t, vlan);

    if (!pe) {
        return false;
    }
    hmap_remove(&t->partitions_by_vlan, &pe->vlan_node);
    hmap_remove(&t->partitions_by_pkey, &pe->pkey_node);
    free(pe);
    return true;
}

bool
eipoib_tables_find_partition_by_vlan(const struct eipoib_tables *t,
                                     uint16_t vlan,
                                     struct eipoib_partition *p)
{
    const struct partition_entry *pe = partition_lookup_vlan(t, vlan);

    if (pe) {
        *p = pe->p;
    }
    return pe != NULL;
}

bool
eipoib_tables_find_partition_by_pkey(const struct eipoib_tables *t,
                                     uint16_t pkey,
                                     struct eipoib_partition *p)
{
    const struct partition_entry *pe = partition_lookup_pkey(t, pkey);

    if (pe) {
        *p = pe->p;
    }
    return pe != NULL;
}

size_t
eipoib_tables_n_partitions(const struct eipoib_tables *t)
{
    return hmap_count(&t->partitions_by_vlan);
}

/* ---------------------------------------------------------------------- */
/* Vifs. */

/* Hashes a MAC (and a 16-bit extra) as two words: cheaper than
 * hash_bytes() on the per-packet path. */
static uint32_t
mac_hash_with(const uint8_t mac[6], uint16_t extra)
{
    uint32_t hi = ((uint32_t) mac[0] << 24) | (mac[1] << 16) | (mac[2] << 8)
                  | mac[3];
    uint32_t lo = ((uint32_t) extra << 16) | (mac[4] << 8) | mac[5];

    return hash_2words(hi, lo);
}

static uint32_t
vif_hash(const uint8_t mac[6], uint16_t vlan)
{
    return mac_hash_with(mac, vlan);
}

static struct vif_entry *
vif_lookup(const struct eipoib_tables *t, const uint8_t mac[6],
           uint16_t vlan)
{
    struct vif_entry *ve;

    HMAP_FOR_EACH_WITH_HASH (ve, key_node, vif_hash(mac, vlan), &t->vifs) {
        if (ve->vif.vlan == vlan && !memcmp(ve->vif.mac, mac, 6)) {
            return ve;
        }
    }
    return NULL;
}

static struct vif_entry *
vif_lookup_qpn(const struct eipoib_tables *t, uint32_t qpn)
{
    struct vif_entry *ve;

    HMAP_FOR_EACH_WITH_HASH (ve, qpn_node, hash_int(qpn, 0),
                             &t->vifs_by_qpn) {
        if (ve->vif.qpn == qpn) {
            return ve;
        }
    }
    return NULL;
}

static void
vif_remove(struct eipoib_tables *t, struct vif_entry *ve)
{
    hmap_remove(&t->vifs, &ve->key_node);
    hmap_remove(&t->vifs_by_qpn, &ve->qpn_node);
    free(ve);
}

const char *
eipoib_vif_kind_to_string(enum eipoib_vif_kind kind)
{
    switch (kind) {
    case EIPOIB_VIF_SNOOPED:
        return "snooped";
    case EIPOIB_VIF_STATIC:
        return "static";
    case EIPOIB_VIF_PROVISIONED:
        return "provisioned";
    }
    return "unknown";
}

static bool
vif_kind_is_valid(enum eipoib_vif_kind kind)
{
    return (kind == EIPOIB_VIF_SNOOPED || kind == EIPOIB_VIF_STATIC
            || kind == EIPOIB_VIF_PROVISIONED);
}

enum eipoib_table_result
eipoib_tables_add_vif(struct eipoib_tables *t, const struct eipoib_vif *vif,
                      enum eipoib_vif_kind kind)
{
    static const uint8_t zero[6];

    if ((vif->mac[0] & 1) || !memcmp(vif->mac, zero, 6) || vif->vlan > 4094
        || vif->qpn > IPOIB_QPN_MASK || !ipoib_qpn_is_unicast(vif->qpn)
        || !vif_kind_is_valid(kind)) {
        return EIPOIB_TABLE_INVALID;
    }
    if (vif_lookup(t, vif->mac, vif->vlan) || vif_lookup_qpn(t, vif->qpn)) {
        return EIPOIB_TABLE_EXISTS;
    }
    if (hmap_count(&t->vifs) >= t->config.max_vifs) {
        t->stats.vifs_refused++;
        return EIPOIB_TABLE_FULL;
    }

    struct vif_entry *ve = xzalloc(sizeof *ve);
    ve->vif = *vif;
    ve->kind = kind;
    ve->last_seen = t->now;
    hmap_insert(&t->vifs, &ve->key_node, vif_hash(vif->mac, vif->vlan));
    hmap_insert(&t->vifs_by_qpn, &ve->qpn_node, hash_int(vif->qpn, 0));
    return EIPOIB_TABLE_OK;
}

bool
eipoib_tables_get_vif_kind(const struct eipoib_tables *t, const uint8_t mac[6],
                           uint16_t vlan, enum eipoib_vif_kind *kind)
{
    const struct vif_entry *ve = vif_lookup(t, mac, vlan);

    if (ve) {
        *kind = ve->kind;
    }
    return ve != NULL;
}

bool
eipoib_tables_set_vif_kind(struct eipoib_tables *t, const uint8_t mac[6],
                           uint16_t vlan, enum eipoib_vif_kind kind)
{
    struct vif_entry *ve = vif_lookup(t, mac, vlan);

    if (!ve || !vif_kind_is_valid(kind)) {
        return false;
    }
    ve->kind = kind;
    ve->last_seen = t->now;
    return true;
}

bool
eipoib_tables_del_vif(struct eipoib_tables *t, const uint8_t mac[6],
                      uint16_t vlan, struct eipoib_vif *removed)
{
    struct vif_entry *ve = vif_lookup(t, mac, vlan);

    if (!ve) {
        return false;
    }
    if (removed) {
        *removed = ve->vif;
    }
    vif_remove(t, ve);
    return true;
}

/* A successful lookup by (MAC, VLAN) counts as activity of the VM. */
bool
eipoib_tables_find_vif(struct eipoib_tables *t, const uint8_t mac[6],
                       uint16_t vlan, struct eipoib_vif *vif)
{
    struct vif_entry *ve = vif_lookup(t, mac, vlan);

    if (!ve) {
        return false;
    }
    ve->last_seen = t->now;
    *vif = ve->vif;
    return true;
}

bool
eipoib_tables_find_vif_by_qpn(const struct eipoib_tables *t, uint32_t qpn,
                              struct eipoib_vif *vif)
{
    const struct vif_entry *ve = vif_lookup_qpn(t, qpn);

    if (ve) {
        *vif = ve->vif;
    }
    return ve != NULL;
}

size_t
eipoib_tables_n_vifs(const struct eipoib_tables *t)
{
    return hmap_count(&t->vifs);
}

/* ---------------------------------------------------------------------- */
/* Neighbours. */

static uint32_t
mac_hash(const uint8_t mac[6])
{
    return mac_hash_with(mac, 0);
}

static struct neighbor_entry *
neighbor_lookup(const struct eipoib_tables *t, const uint8_t mac[6])
{
    struct neighbor_entry *ne;

    HMAP_FOR_EACH_WITH_HASH (ne, node, mac_hash(mac), &t->neighbors) {
        if (!memcmp(ne->nb.mac, mac, 6)) {
            return ne;
        }
    }
    return NULL;
}

/* Adds a neighbour, unless the table is full. */
static bool
neighbor_insert(struct eipoib_tables *t, const uint8_t mac[6], uint32_t qpn,
                uint16_t lid, const struct ipoib_gid *gid, int flags)
{
    if (hmap_count(&t->neighbors) >= t->config.max_neighbors) {
        t->stats.neighbors_refused++;
        return false;
    }

    struct neighbor_entry *ne = xzalloc(sizeof *ne);
    memcpy(ne->nb.mac, mac, 6);
    ipoib_addr_init(&ne->nb.addr, flags < 0 ? 0 : flags, qpn, gid);
    ne->nb.lid = lid;
    ne->last_seen = t->now;
    hmap_insert(&t->neighbors, &ne->node, mac_hash(mac));
    return true;
}

static void
neighbor_refresh(struct eipoib_tables *t, struct neighbor_entry *ne,
                 const struct ipoib_gid *gid, int flags)
{
    ne->last_seen = t->now;
    if (gid) {
        memcpy(&ne->nb.addr.b[4], gid->b, IPOIB_GID_LEN);
    }
    if (flags >= 0) {
        ne->nb.addr.b[0] = flags;
    }
}

bool
eipoib_tables_learn_neighbor(struct eipoib_tables *t, uint32_t qpn,
                             uint16_t lid, const struct ipoib_gid *gid,
                             int flags, uint8_t mac[6])
{
    struct neighbor_entry *ne;

    qpn &= IPOIB_QPN_MASK;
    if (!ipoib_qpn_is_unicast(qpn) || (gid && !ipoib_gid_is_unicast(gid))) {
        return false;
    }
    if (ipoib_lid_is_unicast(lid)) {
        ipoib_remac_from_lid(qpn, lid, mac);
        ne = neighbor_lookup(t, mac);
        if (ne) {
            neighbor_refresh(t, ne, gid, flags);
        } else if (gid) {
            neighbor_insert(t, mac, qpn, lid, gid, flags);
        }
        return true;
    }

    if (!gid) {
        return false;
    }
    for (int attempt = 0; attempt < EIPOIB_TABLES_REMAC_ATTEMPTS; attempt++) {
        ipoib_remac_from_gid(gid, qpn, attempt, mac);
        ne = neighbor_lookup(t, mac);
        if (!ne) {
            /* Free: the MAC is unique among the peers we know, whether or
             * not there is room to remember this one. */
            neighbor_insert(t, mac, qpn, 0, gid, flags);
            return true;
        }
        if (ipoib_addr_qpn(&ne->nb.addr) == qpn
            && !memcmp(&ne->nb.addr.b[4], gid->b, IPOIB_GID_LEN)) {
            neighbor_refresh(t, ne, NULL, flags);
            return true;
        }
        t->stats.remac_collisions++;
    }
    t->stats.neighbors_refused++;
    return false;
}

bool
eipoib_tables_find_neighbor(const struct eipoib_tables *t,
                            const uint8_t mac[6], struct eipoib_neighbor *nb)
{
    const struct neighbor_entry *ne = neighbor_lookup(t, mac);

    if (ne) {
        *nb = ne->nb;
    }
    return ne != NULL;
}

bool
eipoib_tables_del_neighbor(struct eipoib_tables *t, const uint8_t mac[6])
{
    struct neighbor_entry *ne = neighbor_lookup(t, mac);

    if (!ne) {
        return false;
    }
    hmap_remove(&t->neighbors, &ne->node);
    free(ne);
    return true;
}

size_t
eipoib_tables_n_neighbors(const struct eipoib_tables *t)
{
    return hmap_count(&t->neighbors);
}

/* ---------------------------------------------------------------------- */
/* DHCP clients. */

bool
eipoib_tables_remember_dhcp(struct eipoib_tables *t,
                            const struct eipoib_dhcp_client *c)
{
    uint32_t hash = hash_int(c->xid, 0);
    struct dhcp_entry *de;

    HMAP_FOR_EACH_WITH_HASH (de, node, hash, &t->dhcp) {
        if (de->client.xid == c->xid && de->client.vlan == c->vlan
            && !memcmp(de->client.mac, c->mac, 6)) {
            de->client = *c;
            de->last_seen = t->now;
            return true;
        }
    }
    if (hmap_count(&t->dhcp) >= t->config.max_dhcp_clients) {
        t->stats.dhcp_refused++;
        return false;
    }
    de = xzalloc(sizeof *de);
    de->client = *c;
    de->last_seen = t->now;
    hmap_insert(&t->dhcp, &de->node, hash);
    return true;
}

/* A reply carrying a client identifier matches only a client that sent
 * the same one (or none). */
bool
eipoib_tables_find_dhcp(const struct eipoib_tables *t, uint32_t xid,
                        const uint8_t *client_id, size_t client_id_len,
                        struct eipoib_dhcp_client *c)
{
    const struct dhcp_entry *de;

    HMAP_FOR_EACH_WITH_HASH (de, node, hash_int(xid, 0), &t->dhcp) {
        const struct eipoib_dhcp_client *dc = &de->client;
        if (dc->xid == xid
            && (!client_id || !dc->client_id_len
                || (dc->client_id_len == client_id_len
                    && !memcmp(dc->client_id, client_id, client_id_len)))) {
            *c = *dc;
            return true;
        }
    }
    return false;
}

size_t
eipoib_tables_n_dhcp(const struct eipoib_tables *t)
{
    return hmap_count(&t->dhcp);
}

/* ---------------------------------------------------------------------- */
/* Aging and walking. */

/* Removes the entries idle for longer than their limit or, if 'all', every
 * entry but the vifs that were asked for (static, provisioned). */
static void
tables_remove(struct eipoib_tables *t, bool all,
              void (*vif_removed)(const struct eipoib_vif *, void *aux),
              void *aux)
{
    struct vif_entry *ve;
    HMAP_FOR_EACH_SAFE (ve, key_node, &t->vifs) {
        if (ve->kind == EIPOIB_VIF_SNOOPED
            && (all || is_expired(t, ve->last_seen, t->config.vif_idle_ms))) {
            struct eipoib_vif vif = ve->vif;
            vif_remove(t, ve);
            t->stats.vifs_expired += !all;
            if (vif_removed) {
                vif_removed(&vif, aux);
            }
        }
    }

    struct neighbor_entry *ne;
    HMAP_FOR_EACH_SAFE (ne, node, &t->neighbors) {
        if (all || is_expired(t, ne->last_seen, t->config.neighbor_idle_ms)) {
            hmap_remove(&t->neighbors, &ne->node);
            free(ne);
            t->stats.neighbors_expired += !all;
        }
    }

    struct dhcp_entry *de;
    HMAP_FOR_EACH_SAFE (de, node, &t->dhcp) {
        if (all || is_expired(t, de->last_seen, t->config.dhcp_idle_ms)) {
            hmap_remove(&t->dhcp, &de->node);
            free(de);
            t->stats.dhcp_expired += !all;
        }
    }
}

void
eipoib_tables_expire(struct eipoib_tables *t,
                     void (*vif_expired)(const struct eipoib_vif *,
                                         void *aux),
                     void *aux)
{
    tables_remove(t, false, vif_expired, aux);
}

void
eipoib_tables_flush(struct eipoib_tables *t,
                    void (*vif_removed)(const struct eipoib_vif *, void *aux),
                    void *aux)
{
    tables_remove(t, true, vif_removed, aux);
}

void
eipoib_tables_for_each_partition(
    const struct eipoib_tables *t,
    void (*cb)(const struct eipoib_partition *, void *aux), void *aux)
{
    const struct partition_entry *pe;

    HMAP_FOR_EACH (pe, vlan_node, &t->partitions_by_vlan) {
        cb(&pe->p, aux);
    }
}

void
eipoib_tables_for_each_vif(
    const struct eipoib_tables *t,
    void (*cb)(const struct eipoib_vif *, enum eipoib_vif_kind,
               long long age_ms, void *aux),
    void *aux)
{
    const struct vif_entry *ve;

    HMAP_FOR_EACH (ve, key_node, &t->vifs) {
        cb(&ve->vif, ve->kind, t->now - ve->last_seen, aux);
    }
}

void
eipoib_tables_for_each_neighbor(
    const struct eipoib_tables *t,
    void (*cb)(const struct eipoib_neighbor *, long long age_ms, void *aux),
    void *aux)
{
    const struct neighbor_entry *ne;

    HMAP_FOR_EACH (ne, node, &t->neighbors) {
        cb(&ne->nb, t->now - ne->last_seen, aux);
    }
}

/* ---------------------------------------------------------------------- */
/* The translator's callbacks. */

static bool
ops_partition_by_vlan(void *t, uint16_t vlan, struct eipoib_partition *p)
{
    return eipoib_tables_find_partition_by_vlan(t, vlan, p);
}

static bool
ops_partition_by_pkey(void *t, uint16_t pkey, struct eipoib_partition *p)
{
    return eipoib_tables_find_partition_by_pkey(t, pkey, p);
}

static bool
ops_vif_by_mac(void *t, const uint8_t mac[6], uint16_t vlan,
               struct eipoib_vif *vif)
{
    return eipoib_tables_find_vif(t, mac, vlan, vif);
}

static bool
ops_vif_by_qpn(void *t, uint32_t qpn, struct eipoib_vif *vif)
{
    return eipoib_tables_find_vif_by_qpn(t, qpn, vif);
}

static bool
ops_neighbor_by_mac(void *t, const uint8_t mac[6], struct eipoib_neighbor *nb)
{
    return eipoib_tables_find_neighbor(t, mac, nb);
}

static bool
ops_neighbor_learn(void *t, uint32_t qpn, uint16_t lid,
                   const struct ipoib_gid *gid, int flags, uint8_t mac[6])
{
    return eipoib_tables_learn_neighbor(t, qpn, lid, gid, flags, mac);
}

static bool
ops_dhcp_remember(void *t, const struct eipoib_dhcp_client *c)
{
    return eipoib_tables_remember_dhcp(t, c);
}

static bool
ops_dhcp_find(void *t, uint32_t xid, const uint8_t *client_id,
              size_t client_id_len, struct eipoib_dhcp_client *c)
{
    return eipoib_tables_find_dhcp(t, xid, client_id, client_id_len, c);
}

const struct eipoib_xlate_ops eipoib_tables_ops = {
    .partition_by_vlan = ops_partition_by_vlan,
    .partition_by_pkey = ops_partition_by_pkey,
    .vif_by_mac = ops_vif_by_mac,
    .vif_by_qpn = ops_vif_by_qpn,
    .neighbor_by_mac = ops_neighbor_by_mac,
    .neighbor_learn = ops_neighbor_learn,
    .dhcp_remember = ops_dhcp_remember,
    .dhcp_find = ops_dhcp_find,
};
