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

#ifndef EIPOIB_STATE_H
#define EIPOIB_STATE_H 1

/* What an uplink must remember across an ovs-vswitchd restart.
 *
 * After a restart the uplink serves its VMs from new queue pairs, so their
 * IPoIB addresses change, and remote hosts still hold the old ones.  The
 * VMs do nothing about it: they were not restarted.  So the uplink keeps,
 * in a small text file of its own (eipoib_state_default_path()), the vifs
 * it serves with the addresses each VM claimed (eipoib-announce.h) and its
 * neighbours, rewritten at most once a second when they change.  At start
 * it reads the file back: the neighbours go straight into the tables (so
 * the VMs' ARP caches, which name them by REMAC, keep working), the vifs
 * are served again before the VMs send anything, and once each has its
 * new QP the uplink announces every address of it, 3 times 1 s apart, as
 * the VM would after a migration.
 *
 * The file is removed when the port is deleted from the database, not when
 * ovs-vswitchd exits, so an "ovs-appctl exit" or a crash keeps it.
 *
 * Main thread and the provider's mutex; not thread-safe by itself. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eipoib-announce.h"
#include "eipoib-tables.h"
#include "openvswitch/types.h"

struct eipoib_state;

/* Addresses kept per vif: the oldest goes when a VM claims more. */
#define EIPOIB_STATE_MAX_ADDRS 8

/* How often, and how far apart, each address is announced. */
#define EIPOIB_ANNOUNCE_COUNT 3
#define EIPOIB_ANNOUNCE_INTERVAL_MS 1000

/* "RUNDIR/eipoib-PORT.state", malloc()ed. */
char *eipoib_state_default_path(const char *port_name);

struct eipoib_state *eipoib_state_create(const char *path);
void eipoib_state_destroy(struct eipoib_state *);
const char *eipoib_state_path(const struct eipoib_state *);

/* Reads the file, if there is one.  Its neighbours are learned into
 * 'tables'; its vifs become records waiting to be served again
 * (eipoib_state_for_each_restoring()).  Returns the number of vifs read,
 * and logs (but survives) a malformed line. */
size_t eipoib_state_load(struct eipoib_state *, struct eipoib_tables *);

/* Vifs served.  Adding one that was restored schedules its
 * announcements. */
void eipoib_state_add_vif(struct eipoib_state *, struct eth_addr mac,
                          uint16_t vlan, enum eipoib_vif_kind,
                          long long now);
void eipoib_state_del_vif(struct eipoib_state *, struct eth_addr mac,
                          uint16_t vlan);

/* Notes the addresses a VM's frame claimed (eipoib_announce_snoop()). */
void eipoib_state_note_addrs(struct eipoib_state *, struct eth_addr mac,
                             uint16_t vlan, const struct eipoib_vm_addr *,
                             size_t n);

/* Calls 'cb' for each restored vif not yet served.  'cb' says what
 * became of it: a refused vif is forgotten, a delayed one is offered
 * again at the next call. */
enum eipoib_restore_result {
    EIPOIB_RESTORE_LATER,       /* E.g. its partition is not up yet. */
    EIPOIB_RESTORE_STARTED,     /* eipoib_state_add_vif() follows. */
    EIPOIB_RESTORE_REFUSED,     /* E.g. max-vifs reached. */
};
void eipoib_state_for_each_restoring(
    struct eipoib_state *,
    enum eipoib_restore_result (*cb)(struct eth_addr mac, uint16_t vlan,
                                     enum eipoib_vif_kind, void *aux),
    void *aux);
size_t eipoib_state_n_restoring(const struct eipoib_state *);

/* Calls 'cb' for each address due to be announced at 'now'. */
void eipoib_state_run_announcements(
    struct eipoib_state *, long long now,
    void (*cb)(struct eth_addr mac, uint16_t vlan,
               const struct eipoib_vm_addr *, void *aux),
    void *aux);
/* When the next announcement is due, LLONG_MAX if none. */
long long eipoib_state_next_announcement(const struct eipoib_state *);

/* Rewrites the file if anything changed since it was last written (the
 * neighbours of 'tables' included).  Returns 0 or an errno value. */
int eipoib_state_save_if_changed(struct eipoib_state *,
                                 const struct eipoib_tables *);

/* Forgets the file (on del-port). */
void eipoib_state_remove_file(const char *path);

/* For eipoib/show: addresses of a vif, and announcements sent. */
size_t eipoib_state_get_addrs(const struct eipoib_state *,
                              struct eth_addr mac, uint16_t vlan,
                              struct eipoib_vm_addr addrs[]);
uint64_t eipoib_state_n_announced(const struct eipoib_state *);

#endif /* eipoib-state.h */
