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

/* The bounded address-handle cache of the verbs transport (ib-verbs.h). */

#include <config.h>
#include "ib-verbs.h"

#include <errno.h>
#include <string.h>

#include <infiniband/verbs.h>

#include "hash.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ib_verbs_ah);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

void
ib_verbs_ah_attr_init(struct ibv_ah_attr *attr, uint8_t port_num,
                      bool is_roce, const struct ipoib_gid *dgid,
                      uint16_t dlid, uint8_t sl, bool global)
{
    memset(attr, 0, sizeof *attr);
    attr->port_num = port_num;
    attr->dlid = dlid;
    attr->sl = sl;
    if (global || is_roce) {
        attr->is_global = 1;
        memcpy(attr->grh.dgid.raw, dgid->b, sizeof dgid->b);
        attr->grh.sgid_index = 0;
        attr->grh.hop_limit = is_roce ? 1 : 0xff;
    }
}

void
ib_verbs_ah_cache_init(struct ib_verbs_ah_cache *c, struct ibv_pd *pd,
                       uint8_t port_num, bool is_roce, size_t max)
{
    memset(c, 0, sizeof *c);
    c->pd = pd;
    c->port_num = port_num;
    c->is_roce = is_roce;
    c->max = max;
    hmap_init(&c->ahs);
    ovs_list_init(&c->lru);
}

static void
ah_destroy(struct ib_verbs_ah_cache *c, struct ib_verbs_ah *a)
{
    hmap_remove(&c->ahs, &a->node);
    ovs_list_remove(&a->lru_node);
    ibv_destroy_ah(a->ah);
    free(a);
}

void
ib_verbs_ah_cache_destroy(struct ib_verbs_ah_cache *c)
{
    struct ib_verbs_ah *a;

    HMAP_FOR_EACH_SAFE (a, node, &c->ahs) {
        ah_destroy(c, a);
    }
    hmap_destroy(&c->ahs);
}

struct ib_verbs_ah *
ib_verbs_ah_get(struct ib_verbs_ah_cache *c, const struct ipoib_gid *dgid,
                uint16_t dlid, uint8_t sl)
{
    struct ib_verbs_ah_key key;
    struct ib_verbs_ah *a;

    memset(&key, 0, sizeof key);
    key.dgid = *dgid;
    key.dlid = dlid;
    key.sl = sl;
    uint32_t hash = hash_bytes(&key, sizeof key, 0);
    HMAP_FOR_EACH_WITH_HASH (a, node, hash, &c->ahs) {
        if (!memcmp(&a->key, &key, sizeof key)) {
            ovs_list_remove(&a->lru_node);
            ovs_list_push_front(&c->lru, &a->lru_node);
            return a;
        }
    }

    if (hmap_count(&c->ahs) >= c->max) {
        /* An AH that posted sends still use cannot go yet. */
        struct ib_verbs_ah *victim;
        LIST_FOR_EACH_REVERSE (victim, lru_node, &c->lru) {
            if (!victim->n_outstanding) {
                ah_destroy(c, victim);
                c->n_evicted++;
                break;
            }
        }
    }

    struct ibv_ah_attr attr;
    ib_verbs_ah_attr_init(&attr, c->port_num, c->is_roce, dgid, dlid, sl,
                          false);
    struct ibv_ah *ah = ibv_create_ah(c->pd, &attr);
    if (!ah) {
        char s[IPOIB_GID_STRLEN];
        VLOG_WARN_RL(&rl, "cannot create address handle for %s, lid %"
                     PRIu16" (%s)", ipoib_gid_format(dgid, s), dlid,
                     ovs_strerror(errno));
        c->n_failures++;
        return NULL;
    }
    a = xzalloc(sizeof *a);
    a->key = key;
    a->ah = ah;
    hmap_insert(&c->ahs, &a->node, hash);
    ovs_list_push_front(&c->lru, &a->lru_node);
    c->n_created++;
    return a;
}
