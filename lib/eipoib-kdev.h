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

#ifndef EIPOIB_KDEV_H
#define EIPOIB_KDEV_H 1

/* Kernel eipoib devices (the datapath/linux/ module, link kind "eipoib")
 * as seen from userspace: each has a read-only directory
 * /sys/class/net/DEV/eipoib/ with files partitions, limits, vifs,
 * neighbors, addresses, groups and counters ("name value" lines).  This lets
 * "ovs-appctl eipoib/show" list them next to the userspace eipoib ports.
 * Only the network namespace of the process is visible (its /sys). */

#include <stdbool.h>

struct ds;

/* Appends a description of kernel eipoib device 'name', or of every one if
 * 'name' is NULL, to 'ds'.  Returns true if at least one was described. */
bool eipoib_kdev_show(const char *name, struct ds *ds);

/* Same, with another sysfs root than "/sys/class/net" (for tests). */
bool eipoib_kdev_show_in(const char *class_net_dir, const char *name,
                         struct ds *ds);

#endif /* eipoib-kdev.h */
