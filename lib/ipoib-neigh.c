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
#include "ipoib-neigh.h"

#include <limits.h>
#include <string.h>

#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/util.h"
#include "packets.h"
#include "util.h"

const char *
ipoib_neigh_state_to_string(enum ipoib_neigh_state state)
{
    switch (state) {
    case IPOIB_NEIGH_INCOMPLETE:
        return "INCOMPLETE";
    case IPOIB_NEIGH_REACHABLE:
        return "REACHABLE";
    case IPOIB_NEIGH_STALE:
        return "STALE";
    case IPOIB_NEIGH_PROBE:
        return "PROBE";
    case IPOIB_NEIGH_PERMANENT:
        return "PERMANENT";
    }
    return "UNKNOWN";
}

void
ipoib_neigh_params_init(struct ipoib_neigh_params *p)
{
    p->retrans_ms = 1000;
    p->mcast_probes = 3;
    p->ucast_probes = 3;
    p->reachable_ms = 30000;
    p->gc_ms = 60000;
    p->queue_max = 8;
}

void
ipoib_neigh_table_init(struct ipoib_neigh_table *t,
                       const struct ipoib_neigh_params *params)
{
    hmap_init(&t->map);
    if (params) {
        t->params = *params;
    } else {
        ipoib_neigh_params_init(&t->params);
    }
    t->queue_overflows = 0;
    t->unresolved = 0;
}

static uint32_t
neigh_hash(const struct in6_addr *ip)
{
    return hash_bytes(ip, sizeof *ip, 0);
}

static void
neigh_drop_queue(struct ipoib_neigh *n)
{
    ofpbuf_list_delete(&n->queue);
    n->n_queued = 0;
}

static void
neigh_destroy(struct ipoib_neigh_table *t, struct ipoib_neigh *n)
{
    hmap_remove(&t->map, &n->node);
    neigh_drop_queue(n);
    free(n);
}

void
ipoib_neigh_flush(struct ipoib_neigh_table *t, bool keep_permanent)
{
    struct ipoib_neigh *n;

    HMAP_FOR_EACH_SAFE (n, node, &t->map) {
        if (!keep_permanent || n->state != IPOIB_NEIGH_PERMANENT) {
            neigh_destroy(t, n);
        }
    }
}

void
ipoib_neigh_table_destroy(struct ipoib_neigh_table *t)
{
    if (t) {
        ipoib_neigh_flush(t, false);
        hmap_destroy(&t->map);
    }
}

struct ipoib_neigh *
ipoib_neigh_lookup(const struct ipoib_neigh_table *t,
                   const struct in6_addr *ip)
{
    struct ipoib_neigh *n;

    HMAP_FOR_EACH_WITH_HASH (n, node, neigh_hash(ip), &t->map) {
        if (ipv6_addr_equals(&n->ip, ip)) {
            return n;
        }
    }
    return NULL;
}

static struct ipoib_neigh *
neigh_create(struct ipoib_neigh_table *t, const struct in6_addr *ip,
             long long int now)
{
    struct ipoib_neigh *n = xzalloc(sizeof *n);

    n->ip = *ip;
    n->state = IPOIB_NEIGH_INCOMPLETE;
    n->confirmed = LLONG_MIN;
    n->used = now;
    n->next_probe = LLONG_MAX;
    ovs_list_init(&n->queue);
    hmap_insert(&t->map, &n->node, neigh_hash(ip));
    return n;
}

static void
neigh_enqueue(struct ipoib_neigh_table *t, struct ipoib_neigh *n,
              struct ofpbuf *packet)
{
    if (n->n_queued >= t->params.queue_max) {
        /* Like Linux, the oldest packet gives way to the newest. */
        struct ofpbuf *oldest = ofpbuf_from_list(ovs_list_pop_front(
                                                     &n->queue));
        ofpbuf_delete(oldest);
        n->n_queued--;
        t->queue_overflows++;
    }
    ovs_list_push_back(&n->queue, &packet->list_node);
    n->n_queued++;
}

static void
set_probe(struct ipoib_neigh_probe *probe, const struct ipoib_neigh *n,
          bool unicast)
{
    memset(probe, 0, sizeof *probe);
    probe->ip = n->ip;
    probe->unicast = unicast;
    if (unicast) {
        probe->lladdr = n->lladdr;
    }
}

bool
ipoib_neigh_output(struct ipoib_neigh_table *t, const struct in6_addr *ip,
                   struct ofpbuf *packet, long long int now,
                   struct ipoib_addr *lladdr,
                   struct ipoib_neigh_probe *probe, bool *need_probe)
{
    struct ipoib_neigh *n = ipoib_neigh_lookup(t, ip);

    *need_probe = false;
    if (!n) {
        n = neigh_create(t, ip, now);
        n->probes = 1;
        n->next_probe = now + t->params.retrans_ms;
        set_probe(probe, n, false);
        *need_probe = true;
    }
    n->used = now;

    switch (n->state) {
    case IPOIB_NEIGH_INCOMPLETE:
        neigh_enqueue(t, n, packet);
        return false;

    case IPOIB_NEIGH_REACHABLE:
        if (now - n->confirmed < t->params.reachable_ms) {
            break;
        }
        n->state = IPOIB_NEIGH_STALE;
        /* Fall through. */
    case IPOIB_NEIGH_STALE:
        /* Keep sending to the known address while checking it. */
        n->state = IPOIB_NEIGH_PROBE;
        n->probes = 1;
        n->next_probe = now + t->params.retrans_ms;
        set_probe(probe, n, true);
        *need_probe = true;
        break;

    case IPOIB_NEIGH_PROBE:
    case IPOIB_NEIGH_PERMANENT:
        break;
    }
    *lladdr = n->lladdr;
    return true;
}

static void
neigh_release(struct ipoib_neigh *n, struct ovs_list *released)
{
    if (n->n_queued) {
        if (released) {
            ovs_list_push_back_all(released, &n->queue);
        } else {
            ofpbuf_list_delete(&n->queue);
        }
        ovs_list_init(&n->queue);
        n->n_queued = 0;
    }
}

bool
ipoib_neigh_update(struct ipoib_neigh_table *t, const struct in6_addr *ip,
                   const struct ipoib_addr *lladdr, unsigned int flags,
                   long long int now, struct ovs_list *released)
{
    struct ipoib_neigh *n = ipoib_neigh_lookup(t, ip);
    bool changed = false;

    if (!n) {
        if (!(flags & IPOIB_NEIGH_CREATE)) {
            return false;
        }
        n = neigh_create(t, ip, now);
        changed = true;
    }

    if (n->state == IPOIB_NEIGH_PERMANENT) {
        return changed;
    }

    bool differs = (n->state == IPOIB_NEIGH_INCOMPLETE
                    || !ipoib_addr_same_peer(&n->lladdr, lladdr));
    if (differs && n->state != IPOIB_NEIGH_INCOMPLETE
        && !(flags & IPOIB_NEIGH_OVERRIDE)
        && n->state == IPOIB_NEIGH_REACHABLE
        && now - n->confirmed < t->params.reachable_ms) {
        /* RFC 4861 7.2.5: a non-override advertisement does not replace a
         * reachable address. */
        return changed;
    }

    if (differs) {
        n->lladdr = *lladdr;
        changed = true;
    }
    if (flags & IPOIB_NEIGH_CONFIRM) {
        n->state = IPOIB_NEIGH_REACHABLE;
        n->confirmed = now;
        n->next_probe = LLONG_MAX;
        n->probes = 0;
    } else if (differs) {
        n->state = IPOIB_NEIGH_STALE;
        n->next_probe = LLONG_MAX;
        n->probes = 0;
    }
    neigh_release(n, released);
    return changed;
}

void
ipoib_neigh_add_permanent(struct ipoib_neigh_table *t,
                          const struct in6_addr *ip,
                          const struct ipoib_addr *lladdr,
                          struct ovs_list *released)
{
    struct ipoib_neigh *n = ipoib_neigh_lookup(t, ip);

    if (!n) {
        n = neigh_create(t, ip, 0);
    }
    n->lladdr = *lladdr;
    n->state = IPOIB_NEIGH_PERMANENT;
    n->next_probe = LLONG_MAX;
    n->probes = 0;
    neigh_release(n, released);
}

bool
ipoib_neigh_delete(struct ipoib_neigh_table *t, const struct in6_addr *ip)
{
    struct ipoib_neigh *n = ipoib_neigh_lookup(t, ip);

    if (n) {
        neigh_destroy(t, n);
        return true;
    }
    return false;
}

static void
append_probe(const struct ipoib_neigh *n, bool unicast,
             struct ipoib_neigh_probe **probes, size_t *n_probes,
             size_t *allocated)
{
    if (*n_probes >= *allocated) {
        *probes = x2nrealloc(*probes, allocated, sizeof **probes);
    }
    set_probe(&(*probes)[(*n_probes)++], n, unicast);
}

void
ipoib_neigh_run(struct ipoib_neigh_table *t, long long int now,
                struct ipoib_neigh_probe **probes, size_t *n_probes,
                size_t *allocated)
{
    const struct ipoib_neigh_params *p = &t->params;
    struct ipoib_neigh *n;

    HMAP_FOR_EACH_SAFE (n, node, &t->map) {
        switch (n->state) {
        case IPOIB_NEIGH_INCOMPLETE:
            if (now < n->next_probe) {
                break;
            }
            if (n->probes >= p->mcast_probes) {
                t->unresolved += n->n_queued;
                neigh_destroy(t, n);
                break;
            }
            n->probes++;
            n->next_probe = now + p->retrans_ms;
            append_probe(n, false, probes, n_probes, allocated);
            break;

        case IPOIB_NEIGH_PROBE:
            if (now < n->next_probe) {
                break;
            }
            if (n->probes >= p->ucast_probes) {
                /* The address stopped answering (a restarted peer may have
                 * a new QPN): resolve again from scratch. */
                n->state = IPOIB_NEIGH_INCOMPLETE;
                n->probes = 1;
                n->next_probe = now + p->retrans_ms;
                append_probe(n, false, probes, n_probes, allocated);
                break;
            }
            n->probes++;
            n->next_probe = now + p->retrans_ms;
            append_probe(n, true, probes, n_probes, allocated);
            break;

        case IPOIB_NEIGH_REACHABLE:
            if (now - n->confirmed >= p->reachable_ms) {
                n->state = IPOIB_NEIGH_STALE;
            }
            break;

        case IPOIB_NEIGH_STALE:
            if (now - n->used >= p->gc_ms) {
                neigh_destroy(t, n);
            }
            break;

        case IPOIB_NEIGH_PERMANENT:
            break;
        }
    }
}

long long int
ipoib_neigh_next_wake(const struct ipoib_neigh_table *t)
{
    long long int wake = LLONG_MAX;
    const struct ipoib_neigh *n;

    HMAP_FOR_EACH (n, node, &t->map) {
        if (n->state == IPOIB_NEIGH_INCOMPLETE
            || n->state == IPOIB_NEIGH_PROBE) {
            wake = MIN(wake, n->next_probe);
        }
    }
    return wake;
}

static int
compare_neigh_ptrs(const void *a_, const void *b_)
{
    const struct ipoib_neigh *const *a = a_;
    const struct ipoib_neigh *const *b = b_;

    return memcmp(&(*a)->ip, &(*b)->ip, sizeof (*a)->ip);
}

void
ipoib_neigh_format(const struct ipoib_neigh_table *t, long long int now,
                   struct ds *s)
{
    size_t n_neighs = hmap_count(&t->map);
    const struct ipoib_neigh **sorted = xmalloc(n_neighs * sizeof *sorted
                                                + 1);
    const struct ipoib_neigh *n;
    size_t i = 0;

    HMAP_FOR_EACH (n, node, &t->map) {
        sorted[i++] = n;
    }
    qsort(sorted, n_neighs, sizeof *sorted, compare_neigh_ptrs);

    for (i = 0; i < n_neighs; i++) {
        char addr[IPOIB_ADDR_STRLEN];

        n = sorted[i];
        ipv6_format_mapped(&n->ip, s);
        if (n->state == IPOIB_NEIGH_INCOMPLETE) {
            ds_put_format(s, " INCOMPLETE queued=%"PRIuSIZE"\n",
                          n->n_queued);
            continue;
        }
        ds_put_format(s, " %s %s", ipoib_addr_format(&n->lladdr, addr),
                      ipoib_neigh_state_to_string(n->state));
        if (n->state != IPOIB_NEIGH_PERMANENT
            && n->confirmed != LLONG_MIN) {
            ds_put_format(s, " confirmed=%llds ago",
                          (now - n->confirmed) / 1000);
        }
        ds_put_char(s, '\n');
    }
    free(sorted);
}
