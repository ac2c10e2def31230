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

#ifndef EIPOIB_PROVISION_H
#define EIPOIB_PROVISION_H 1

/* Vifs provisioned from the Open_vSwitch database.
 *
 * libvirt and OpenStack record each VM interface they plug into a bridge in
 * the database: the Interface's external_ids:attached-mac is the guest's
 * MAC, and its Port's tag the access VLAN.  This follows the database with
 * an IDL connection of its own (read-only, a handful of columns) and gives,
 * for each eipoib uplink (an Interface of type "eipoib"), the set of
 * (attached-mac, tag or 0) of the other Interfaces on its bridge: the vifs
 * the uplink must serve before the VMs send anything.
 *
 * Runs in ovs-vswitchd's main loop (the eipoib netdev class's run and wait
 * hooks); not thread-safe. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/types.h"

struct eipoib_provision;

/* One vif an uplink must serve. */
struct eipoib_provision_vif {
    struct eth_addr mac;
    uint16_t vlan;              /* Port tag, or 0 (EIPOIB_VLAN_NONE). */
    char *iface;                /* Interface name, for messages. */
};

/* The vifs of one uplink, sorted by (MAC, VLAN), no duplicates. */
struct eipoib_provision_set {
    struct eipoib_provision_vif *vifs;
    size_t n;
};

char *eipoib_provision_default_remote(void);

struct eipoib_provision *eipoib_provision_create(const char *remote);
void eipoib_provision_destroy(struct eipoib_provision *);

/* Processes database updates.  Returns a number that changes whenever the
 * sets may have. */
uint64_t eipoib_provision_run(struct eipoib_provision *);
void eipoib_provision_wait(struct eipoib_provision *);

/* True once the first copy of the database has arrived: until then an empty
 * set means "not known yet", not "no vifs". */
bool eipoib_provision_is_synced(const struct eipoib_provision *);

/* The vifs of uplink 'name', or NULL if no eipoib Interface has that name.
 * Valid until the next eipoib_provision_run(). */
const struct eipoib_provision_set *eipoib_provision_get(
    const struct eipoib_provision *, const char *name);

bool eipoib_provision_set_contains(const struct eipoib_provision_set *,
                                   const struct eth_addr, uint16_t vlan);

#endif /* eipoib-provision.h */
