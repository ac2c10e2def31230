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

struct ibv_device;

/* Finds the RDMA device and port that 'name' designates:
 *
 *   - "DEV:PORT", e.g. "mlx5_0:1";
 *   - "DEV", e.g. "rxe0" or "mlx5_0" (port 1);
 *   - a network device: an IPoIB netdev such as "ib0" (matched by the port
 *     GID in its 20-byte hardware address), or the Ethernet netdev of a
 *     RoCE port (e.g. "veth0" under rxe0).
 *
 * On success returns 0 and stores the device and port.  '*listp' is set to
 * the ibv_get_device_list() that '*devicep' belongs to (or NULL), which the
 * caller frees with ibv_free_device_list() once done with '*devicep'. */
int ib_verbs_find_device(const char *name, struct ibv_device **devicep,
                         int *portp, struct ibv_device ***listp);

/* True if 'name' designates an RDMA port (as above). */
bool ib_verbs_name_is_rdma(const char *name);

#endif /* ib-verbs.h */
