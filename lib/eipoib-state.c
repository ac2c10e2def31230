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

#include "eipoib-state.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dirs.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(eipoib_state);

/* The file's first line: format and version. */
#define STATE_MAGIC "eipoib-state 1"

/* A VM the uplink serves (or served before a restart). */
struct state_vif {
    struct hmap_node node;      /* In 'state->vifs'. */
    struct eth_addr mac;
    uint16_t vlan;
    enum eipoib_vif_kind kind;
    struct eipoib_vm_addr addrs[EIPOIB_STATE_MAX_ADDRS];
    size_t n_addrs;
    bool restoring;             /* Read from the file, not served yet. */
    bool announce_on_add;       /* Read from the file: announce once its
                                 * vif is back. */
    int announce_left;
    long long next_announce;
};

struct eipoib_state {
    char *path;
    struct hmap vifs;           /* Contains "struct state_vif"s. */
    bool dirty;                 /* 'vifs' changed since the last write. */
    uint32_t neighbor_digest;   /* Of the neighbours last written. */
    size_t n_restoring;
    size_t n_announcing;        /* Vifs with 'announce_left' > 0. */
    uint64_t n_announced;
};

char *
eipoib_state_default_path(const char *port_name)
{
    /* A port name is not a path: no directories in it. */
    char *name = xstrdup(port_name);
    for (char *p = name; *p; p++) {
        if (*p == '/') {
            *p = '_';
        }
    }
    char *path = xasprintf("%s/eipoib-%s.state", ovs_rundir(), name);
    free(name);
    return path;
}

struct eipoib_state *
eipoib_state_create(const char *path)
{
    struct eipoib_state *st = xzalloc(sizeof *st);

    st->path = xstrdup(path);
    hmap_init(&st->vifs);
    return st;
}

void
eipoib_state_destroy(struct eipoib_state *st)
{
    if (st) {
        struct state_vif *v;

        HMAP_FOR_EACH_POP (v, node, &st->vifs) {
            free(v);
        }
        hmap_destroy(&st->vifs);
        free(st->path);
        free(st);
    }
}

const char *
eipoib_state_path(const struct eipoib_state *st)
{
    return st->path;
}

static uint32_t
state_vif_hash(const struct eth_addr mac, uint16_t vlan)
{
    return hash_bytes(&mac, sizeof mac, vlan);
}

static struct state_vif *
state_vif_find(const struct eipoib_state *st, const struct eth_addr mac,
               uint16_t vlan)
{
    struct state_vif *v;

    HMAP_FOR_EACH_WITH_HASH (v, node, state_vif_hash(mac, vlan), &st->vifs) {
        if (eth_addr_equals(v->mac, mac) && v->vlan == vlan) {
            return v;
        }
    }
    return NULL;
}

static struct state_vif *
state_vif_insert(struct eipoib_state *st, const struct eth_addr mac,
                 uint16_t vlan, enum eipoib_vif_kind kind)
{
    struct state_vif *v = xzalloc(sizeof *v);

    v->mac = mac;
    v->vlan = vlan;
    v->kind = kind;
    v->next_announce = LLONG_MAX;
    hmap_insert(&st->vifs, &v->node, state_vif_hash(mac, vlan));
    st->dirty = true;
    return v;
}

static void
state_vif_remove(struct eipoib_state *st, struct state_vif *v)
{
    if (v->restoring) {
        st->n_restoring--;
    }
    if (v->announce_left > 0) {
        st->n_announcing--;
    }
    hmap_remove(&st->vifs, &v->node);
    free(v);
    st->dirty = true;
}

/* Adds 'a' to 'v' unless it is there; the oldest goes if 'v' is full. */
static bool
state_vif_add_addr(struct state_vif *v, const struct eipoib_vm_addr *a)
{
    for (size_t i = 0; i < v->n_addrs; i++) {
        if (v->addrs[i].is_ipv6 == a->is_ipv6
            && !memcmp(v->addrs[i].addr, a->addr, sizeof a->addr)) {
            return false;
        }
    }
    if (v->n_addrs >= EIPOIB_STATE_MAX_ADDRS) {
        memmove(&v->addrs[0], &v->addrs[1],
                (EIPOIB_STATE_MAX_ADDRS - 1) * sizeof v->addrs[0]);
        v->n_addrs--;
    }
    v->addrs[v->n_addrs++] = *a;
    return true;
}

void
eipoib_state_add_vif(struct eipoib_state *st, struct eth_addr mac,
                     uint16_t vlan, enum eipoib_vif_kind kind, long long now)
{
    struct state_vif *v = state_vif_find(st, mac, vlan);

    if (!v) {
        v = state_vif_insert(st, mac, vlan, kind);
    } else if (v->kind != kind) {
        v->kind = kind;
        st->dirty = true;
    }
    if (v->restoring) {
        v->restoring = false;
        st->n_restoring--;
    }
    if (v->announce_on_add) {
        v->announce_on_add = false;
        if (v->n_addrs && EIPOIB_ANNOUNCE_COUNT > 0 && !v->announce_left) {
            v->announce_left = EIPOIB_ANNOUNCE_COUNT;
            v->next_announce = now;
            st->n_announcing++;
        }
    }
}

void
eipoib_state_del_vif(struct eipoib_state *st, struct eth_addr mac,
                     uint16_t vlan)
{
    struct state_vif *v = state_vif_find(st, mac, vlan);

    if (v) {
        state_vif_remove(st, v);
    }
}

void
eipoib_state_note_addrs(struct eipoib_state *st, struct eth_addr mac,
                        uint16_t vlan, const struct eipoib_vm_addr *addrs,
                        size_t n)
{
    struct state_vif *v = n ? state_vif_find(st, mac, vlan) : NULL;

    for (size_t i = 0; v && i < n; i++) {
        if (state_vif_add_addr(v, &addrs[i])) {
            st->dirty = true;
        }
    }
}

void
eipoib_state_for_each_restoring(
    struct eipoib_state *st,
    enum eipoib_restore_result (*cb)(struct eth_addr, uint16_t,
                                     enum eipoib_vif_kind, void *),
    void *aux)
{
    struct state_vif *v;

    if (!st->n_restoring) {
        return;
    }
    HMAP_FOR_EACH_SAFE (v, node, &st->vifs) {
        if (!v->restoring) {
            continue;
        }
        switch (cb(v->mac, v->vlan, v->kind, aux)) {
        case EIPOIB_RESTORE_LATER:
            break;
        case EIPOIB_RESTORE_STARTED:
            /* eipoib_state_add_vif() announces once it has its QP. */
            v->restoring = false;
            st->n_restoring--;
            break;
        case EIPOIB_RESTORE_REFUSED:
            state_vif_remove(st, v);
            break;
        }
    }
}

size_t
eipoib_state_n_restoring(const struct eipoib_state *st)
{
    return st->n_restoring;
}

void
eipoib_state_run_announcements(
    struct eipoib_state *st, long long now,
    void (*cb)(struct eth_addr, uint16_t, const struct eipoib_vm_addr *,
               void *),
    void *aux)
{
    struct state_vif *v;

    if (!st->n_announcing) {
        return;
    }
    HMAP_FOR_EACH (v, node, &st->vifs) {
        if (v->announce_left > 0 && now >= v->next_announce) {
            for (size_t i = 0; i < v->n_addrs; i++) {
                cb(v->mac, v->vlan, &v->addrs[i], aux);
                st->n_announced++;
            }
            v->announce_left--;
            if (v->announce_left) {
                v->next_announce = now + EIPOIB_ANNOUNCE_INTERVAL_MS;
            } else {
                v->next_announce = LLONG_MAX;
                st->n_announcing--;
            }
        }
    }
}

long long
eipoib_state_next_announcement(const struct eipoib_state *st)
{
    long long next = LLONG_MAX;
    struct state_vif *v;

    if (!st->n_announcing) {
        return next;
    }
    HMAP_FOR_EACH (v, node, &st->vifs) {
        next = MIN(next, v->next_announce);
    }
    return next;
}

size_t
eipoib_state_get_addrs(const struct eipoib_state *st, struct eth_addr mac,
                       uint16_t vlan, struct eipoib_vm_addr addrs[])
{
    struct state_vif *v = state_vif_find(st, mac, vlan);

    if (!v) {
        return 0;
    }
    memcpy(addrs, v->addrs, v->n_addrs * sizeof *addrs);
    return v->n_addrs;
}

uint64_t
eipoib_state_n_announced(const struct eipoib_state *st)
{
    return st->n_announced;
}

/* Writing. */

static void
format_vm_addr(const struct eipoib_vm_addr *a, struct ds *ds)
{
    char s[INET6_ADDRSTRLEN];

    inet_ntop(a->is_ipv6 ? AF_INET6 : AF_INET, a->addr, s, sizeof s);
    ds_put_cstr(ds, s);
}

static void
digest_neighbor(const struct eipoib_neighbor *n, long long age_ms OVS_UNUSED,
                void *digest_)
{
    uint32_t *digest = digest_;

    /* Order-independent: the sum of each entry's hash. */
    *digest += hash_bytes(n, sizeof *n, 0);
}

static void
put_neighbor(const struct eipoib_neighbor *n, long long age_ms OVS_UNUSED,
             void *ds_)
{
    struct ds *ds = ds_;
    char addr[IPOIB_ADDR_STRLEN];

    ds_put_format(ds, "neighbor %s %"PRIu16"\n",
                  ipoib_addr_format(&n->addr, addr), n->lid);
}

int
eipoib_state_save_if_changed(struct eipoib_state *st,
                             const struct eipoib_tables *tables)
{
    uint32_t digest = eipoib_tables_n_neighbors(tables);

    eipoib_tables_for_each_neighbor(tables, digest_neighbor, &digest);
    if (!st->dirty && digest == st->neighbor_digest) {
        return 0;
    }

    struct ds ds = DS_EMPTY_INITIALIZER;
    struct state_vif *v;

    ds_put_cstr(&ds, STATE_MAGIC"\n");
    HMAP_FOR_EACH (v, node, &st->vifs) {
        ds_put_format(&ds, "vif "ETH_ADDR_FMT" %"PRIu16" %s\n",
                      ETH_ADDR_ARGS(v->mac), v->vlan,
                      eipoib_vif_kind_to_string(v->kind));
        for (size_t i = 0; i < v->n_addrs; i++) {
            ds_put_format(&ds, "addr "ETH_ADDR_FMT" %"PRIu16" ",
                          ETH_ADDR_ARGS(v->mac), v->vlan);
            format_vm_addr(&v->addrs[i], &ds);
            ds_put_char(&ds, '\n');
        }
    }
    eipoib_tables_for_each_neighbor(tables, put_neighbor, &ds);

    /* A new file renamed over the old one: a crash leaves one or the
     * other, never half of one. */
    char *tmp = xasprintf("%s.tmp", st->path);
    int error = 0;
    FILE *f = fopen(tmp, "w");
    if (!f) {
        error = errno;
    } else {
        fwrite(ds.string, 1, ds.length, f);
        if (ferror(f)) {
            error = EIO;
        }
        if (fclose(f) && !error) {
            error = errno;
        }
        if (!error && rename(tmp, st->path)) {
            error = errno;
        }
        if (error) {
            unlink(tmp);
        }
    }
    if (error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 60);
        VLOG_WARN_RL(&rl, "%s: cannot write (%s)", st->path,
                     ovs_strerror(error));
    } else {
        st->dirty = false;
        st->neighbor_digest = digest;
    }
    free(tmp);
    ds_destroy(&ds);
    return error;
}

void
eipoib_state_remove_file(const char *path)
{
    if (unlink(path) && errno != ENOENT) {
        VLOG_WARN("%s: cannot remove (%s)", path, ovs_strerror(errno));
    }
}

/* Reading. */

static bool
parse_kind(const char *s, enum eipoib_vif_kind *kind)
{
    static const enum eipoib_vif_kind kinds[] = {
        EIPOIB_VIF_SNOOPED, EIPOIB_VIF_STATIC, EIPOIB_VIF_PROVISIONED,
    };

    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
        if (!strcmp(s, eipoib_vif_kind_to_string(kinds[i]))) {
            *kind = kinds[i];
            return true;
        }
    }
    return false;
}

static bool
parse_vlan(const char *s, uint16_t *vlan)
{
    char *end;
    unsigned long v = s ? strtoul(s, &end, 10) : 0;

    if (!s || end == s || *end || v > 4094) {
        return false;
    }
    *vlan = v;
    return true;
}

static bool
parse_vm_addr(const char *s, struct eipoib_vm_addr *a)
{
    memset(a, 0, sizeof *a);
    if (!s) {
        return false;
    }
    a->is_ipv6 = strchr(s, ':') != NULL;
    return inet_pton(a->is_ipv6 ? AF_INET6 : AF_INET, s, a->addr) == 1;
}

/* Parses one line; returns false if it is malformed. */
static bool
load_line(struct eipoib_state *st, struct eipoib_tables *tables, char *line,
          size_t *n_vifs)
{
    char *save = NULL;
    char *word = strtok_r(line, " \t", &save);
    char *a1 = word ? strtok_r(NULL, " \t", &save) : NULL;
    char *a2 = a1 ? strtok_r(NULL, " \t", &save) : NULL;
    char *a3 = a2 ? strtok_r(NULL, " \t", &save) : NULL;
    struct eth_addr mac;
    uint16_t vlan;

    if (!word || word[0] == '#') {
        return true;
    }
    if (!strcmp(word, "vif") || !strcmp(word, "addr")) {
        if (!a1 || !eth_addr_from_string(a1, &mac)
            || eth_addr_is_multicast(mac) || eth_addr_is_zero(mac)
            || !parse_vlan(a2, &vlan)) {
            return false;
        }
        struct state_vif *v = state_vif_find(st, mac, vlan);
        if (!strcmp(word, "vif")) {
            enum eipoib_vif_kind kind;

            if (!a3 || !parse_kind(a3, &kind) || v) {
                return false;
            }
            v = state_vif_insert(st, mac, vlan, kind);
            v->restoring = v->announce_on_add = true;
            st->n_restoring++;
            (*n_vifs)++;
        } else {
            struct eipoib_vm_addr a;

            if (!v || !parse_vm_addr(a3, &a)) {
                return false;
            }
            state_vif_add_addr(v, &a);
        }
        return true;
    } else if (!strcmp(word, "neighbor")) {
        struct ipoib_addr addr;
        struct ipoib_gid gid;
        uint8_t remac[6];
        char *end;
        unsigned long lid = a2 ? strtoul(a2, &end, 10) : 0;

        if (!a1 || !ipoib_addr_parse(a1, &addr) || !a2 || *end
            || lid > 0xffff) {
            return false;
        }
        ipoib_addr_get_gid(&addr, &gid);
        /* The table may be full (a smaller max-neighbors now): then the
         * peer is learned again from its traffic. */
        eipoib_tables_learn_neighbor(tables, ipoib_addr_qpn(&addr), lid, &gid,
                                     ipoib_addr_flags(&addr), remac);
        return true;
    }
    return !strcmp(word, "eipoib-state");
}

size_t
eipoib_state_load(struct eipoib_state *st, struct eipoib_tables *tables)
{
    FILE *f = fopen(st->path, "r");
    size_t n_vifs = 0;

    if (!f) {
        if (errno != ENOENT) {
            VLOG_WARN("%s: cannot read (%s)", st->path, ovs_strerror(errno));
        }
        return 0;
    }

    struct ds line = DS_EMPTY_INITIALIZER;
    int line_number = 0;
    while (!ds_get_line(&line, f)) {
        line_number++;
        if (!load_line(st, tables, ds_cstr(&line), &n_vifs)) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 60);
            VLOG_WARN_RL(&rl, "%s:%d: ignoring malformed line", st->path,
                         line_number);
        }
    }
    ds_destroy(&line);
    fclose(f);

    /* What was read is what the file says: no need to write it back
     * until something changes. */
    st->dirty = false;
    st->neighbor_digest = eipoib_tables_n_neighbors(tables);
    eipoib_tables_for_each_neighbor(tables, digest_neighbor,
                                    &st->neighbor_digest);
    if (n_vifs) {
        VLOG_INFO("%s: serving again %"PRIuSIZE" vifs of the previous run",
                  st->path, n_vifs);
    }
    return n_vifs;
}
