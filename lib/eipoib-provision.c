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

#include "eipoib-provision.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dirs.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "packets.h"
#include "smap.h"
#include "util.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(eipoib_provision);

struct eipoib_provision {
    struct ovsdb_idl *idl;
    unsigned int idl_seqno;     /* Of the last recomputation. */
    uint64_t seq;               /* eipoib_provision_run()'s return value. */
    struct shash uplinks;       /* Name -> struct eipoib_provision_set *. */
};

/* The database remote, as ovs-vswitchd itself took it: its last non-option
 * argument, else unix:$OVS_RUNDIR/db.sock (ovs-vswitchd's parse_options()).
 * We read our own command line from /proc/self/cmdline because OVS keeps the
 * remote to itself (bridge_init() gets it and does not publish it) and we
 * must not patch OVS.  The only ovs-vswitchd options that take their value
 * as a separate argument are listed, so that a value is not mistaken for the
 * remote. */
char *
eipoib_provision_default_remote(void)
{
    static const char *const takes_value[] = {
        "--unixctl", "--private-key", "--certificate", "--ca-cert",
        "--peer-ca-cert", "--bootstrap-ca-cert", "--ssl-protocols",
        "--ssl-ciphers", "--ssl-ciphersuites", "--dummy-numa",
        "--syslog-method", "--syslog-target", "--user", "-p", "-c", "-C",
    };
    char *remote = NULL;
    static const char cmdline[] = "/proc/self/cmdline";
    FILE *f = fopen(cmdline, "r");

    if (f) {
        char buf[8192];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        bool skip_next = false, no_more_options = false;

        fclose(f);
        buf[n] = '\0';
        /* Arguments are NUL-terminated; skip argv[0]. */
        for (size_t ofs = strlen(buf) + 1; ofs < n;
             ofs += strlen(&buf[ofs]) + 1) {
            const char *arg = &buf[ofs];

            if (skip_next) {
                skip_next = false;
            } else if (!no_more_options && !strcmp(arg, "--")) {
                no_more_options = true;
            } else if (!no_more_options && arg[0] == '-' && arg[1]) {
                for (size_t i = 0; i < ARRAY_SIZE(takes_value); i++) {
                    if (!strcmp(arg, takes_value[i])) {
                        skip_next = true;
                    }
                }
            } else {
                free(remote);
                remote = xstrdup(arg);
            }
        }
    }
    return remote ? remote : xasprintf("unix:%s/db.sock", ovs_rundir());
}

struct eipoib_provision *
eipoib_provision_create(const char *remote)
{
    struct eipoib_provision *prov = xzalloc(sizeof *prov);

    /* Only what the sets are made of; no alerts on anything else. */
    prov->idl = ovsdb_idl_create(remote, &ovsrec_idl_class, false, true);
    ovsdb_idl_add_table(prov->idl, &ovsrec_table_bridge);
    ovsdb_idl_add_column(prov->idl, &ovsrec_bridge_col_name);
    ovsdb_idl_add_column(prov->idl, &ovsrec_bridge_col_ports);
    ovsdb_idl_add_table(prov->idl, &ovsrec_table_port);
    ovsdb_idl_add_column(prov->idl, &ovsrec_port_col_name);
    ovsdb_idl_add_column(prov->idl, &ovsrec_port_col_tag);
    ovsdb_idl_add_column(prov->idl, &ovsrec_port_col_interfaces);
    ovsdb_idl_add_table(prov->idl, &ovsrec_table_interface);
    ovsdb_idl_add_column(prov->idl, &ovsrec_interface_col_name);
    ovsdb_idl_add_column(prov->idl, &ovsrec_interface_col_type);
    ovsdb_idl_add_column(prov->idl, &ovsrec_interface_col_external_ids);
    shash_init(&prov->uplinks);
    VLOG_INFO("following %s for provisioned vifs", remote);
    return prov;
}

static void
provision_set_destroy(struct eipoib_provision_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        free(set->vifs[i].iface);
    }
    free(set->vifs);
    free(set);
}

static void
provision_clear(struct eipoib_provision *prov)
{
    struct shash_node *node;

    SHASH_FOR_EACH_SAFE (node, &prov->uplinks) {
        provision_set_destroy(node->data);
        shash_delete(&prov->uplinks, node);
    }
}

void
eipoib_provision_destroy(struct eipoib_provision *prov)
{
    if (prov) {
        provision_clear(prov);
        shash_destroy(&prov->uplinks);
        ovsdb_idl_destroy(prov->idl);
        free(prov);
    }
}

static int
provision_vif_compare(const void *a_, const void *b_)
{
    const struct eipoib_provision_vif *a = a_, *b = b_;
    int cmp = memcmp(a->mac.ea, b->mac.ea, ETH_ADDR_LEN);

    return cmp ? cmp : (a->vlan > b->vlan) - (a->vlan < b->vlan);
}

static bool
is_eipoib_iface(const struct ovsrec_interface *iface)
{
    return (!strcmp(iface->type, "eipoib")
            || !strcmp(iface->type, "eipoib-pmd"));
}

/* The vifs of the VM interfaces of 'br'. */
static struct eipoib_provision_set *
provision_bridge_set(const struct ovsrec_bridge *br)
{
    struct eipoib_provision_set *set = xzalloc(sizeof *set);
    size_t allocated = 0;

    for (size_t i = 0; i < br->n_ports; i++) {
        const struct ovsrec_port *port = br->ports[i];
        /* An access port; a trunk (no tag) carries the untagged VLAN. */
        uint16_t vlan = (port->n_tag && *port->tag >= 1 && *port->tag <= 4094
                         ? *port->tag : 0);

        for (size_t j = 0; j < port->n_interfaces; j++) {
            const struct ovsrec_interface *iface = port->interfaces[j];
            const char *s = smap_get(&iface->external_ids, "attached-mac");
            struct eth_addr mac;

            if (!s || is_eipoib_iface(iface)) {
                continue;
            }
            if (!eth_addr_from_string(s, &mac) || eth_addr_is_multicast(mac)
                || eth_addr_is_zero(mac)) {
                static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
                VLOG_WARN_RL(&rl, "%s: external_ids:attached-mac=%s is not "
                             "a unicast MAC, ignored", iface->name, s);
                continue;
            }
            if (set->n >= allocated) {
                set->vifs = x2nrealloc(set->vifs, &allocated,
                                       sizeof *set->vifs);
            }
            set->vifs[set->n++] = (struct eipoib_provision_vif) {
                .mac = mac, .vlan = vlan, .iface = xstrdup(iface->name),
            };
        }
    }

    if (set->n) {               /* qsort(NULL, 0, ...) is undefined. */
        qsort(set->vifs, set->n, sizeof *set->vifs, provision_vif_compare);
    }
    size_t n = 0;
    for (size_t i = 0; i < set->n; i++) {
        if (n && !provision_vif_compare(&set->vifs[n - 1], &set->vifs[i])) {
            free(set->vifs[i].iface);   /* Two interfaces, one VM NIC. */
        } else {
            set->vifs[n++] = set->vifs[i];
        }
    }
    set->n = n;
    return set;
}

static void
provision_recompute(struct eipoib_provision *prov)
{
    const struct ovsrec_bridge *br;

    provision_clear(prov);
    OVSREC_BRIDGE_FOR_EACH (br, prov->idl) {
        for (size_t i = 0; i < br->n_ports; i++) {
            const struct ovsrec_port *port = br->ports[i];

            for (size_t j = 0; j < port->n_interfaces; j++) {
                const struct ovsrec_interface *iface = port->interfaces[j];

                if (is_eipoib_iface(iface)
                    && !shash_find(&prov->uplinks, iface->name)) {
                    shash_add(&prov->uplinks, iface->name,
                              provision_bridge_set(br));
                }
            }
        }
    }
}

uint64_t
eipoib_provision_run(struct eipoib_provision *prov)
{
    ovsdb_idl_run(prov->idl);
    unsigned int seqno = ovsdb_idl_get_seqno(prov->idl);
    if (seqno != prov->idl_seqno) {
        prov->idl_seqno = seqno;
        provision_recompute(prov);
        prov->seq++;
    }
    return prov->seq;
}

void
eipoib_provision_wait(struct eipoib_provision *prov)
{
    ovsdb_idl_wait(prov->idl);
}

bool
eipoib_provision_is_synced(const struct eipoib_provision *prov)
{
    return ovsdb_idl_has_ever_connected(prov->idl);
}

const struct eipoib_provision_set *
eipoib_provision_get(const struct eipoib_provision *prov, const char *name)
{
    return shash_find_data(&prov->uplinks, name);
}

bool
eipoib_provision_set_contains(const struct eipoib_provision_set *set,
                              const struct eth_addr mac, uint16_t vlan)
{
    struct eipoib_provision_vif key = { .mac = mac, .vlan = vlan };

    return set && set->n    /* bsearch() on NULL is undefined. */
           && bsearch(&key, set->vifs, set->n, sizeof *set->vifs,
                      provision_vif_compare) != NULL;
}
