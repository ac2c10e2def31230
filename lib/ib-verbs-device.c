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

/* Finding the RDMA device and port behind a name (see ib-verbs.h). */

#include <config.h>
#include "ib-verbs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <infiniband/verbs.h>

#include "openvswitch/util.h"
#include "util.h"

/* Reads the first line of sysfs file 'path' into 'buf' without its
 * newline.  Returns false if it cannot. */
static bool
read_line(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    bool ok = false;

    if (f) {
        if (fgets(buf, size, f)) {
            buf[strcspn(buf, "\n")] = '\0';
            ok = true;
        }
        fclose(f);
    }
    return ok;
}

/* Parses the 20-byte IPoIB hardware address in /sys/class/net/NAME/address
 * ("80:00:00:48:fe:80:...") and stores its GID in 'gid'. */
static bool
netdev_ipoib_gid(const char *name, uint8_t gid[16])
{
    char path[256], line[128];
    unsigned int b[20];

    snprintf(path, sizeof path, "/sys/class/net/%s/address", name);
    if (!read_line(path, line, sizeof line)) {
        return false;
    }
    int n = 0;
    char *p = line;
    while (n < 20) {
        char *end;
        unsigned long x = strtoul(p, &end, 16);
        if (end == p || x > 0xff) {
            return false;
        }
        b[n++] = x;
        if (*end != ':') {
            break;
        }
        p = end + 1;
    }
    if (n != 20) {
        return false;
    }
    for (int i = 0; i < 16; i++) {
        gid[i] = b[4 + i];
    }
    return true;
}

/* True if port 'port' of 'dev' is the one 'name' designates as a network
 * device: a RoCE port whose GID 0 belongs to netdev 'name', or an IB port
 * whose GID 0 is the one in IPoIB netdev 'name''s hardware address. */
static bool
port_is_netdev(struct ibv_context *ctx, const char *dev_name, int port,
               const char *name, const uint8_t *ipoib_gid)
{
    char path[512], line[64];

    snprintf(path, sizeof path,
             "/sys/class/infiniband/%s/ports/%d/gid_attrs/ndevs/0",
             dev_name, port);
    if (read_line(path, line, sizeof line) && !strcmp(line, name)) {
        return true;
    }
    if (ipoib_gid) {
        union ibv_gid gid;
        if (!ibv_query_gid(ctx, port, 0, &gid)
            && !memcmp(gid.raw, ipoib_gid, 16)) {
            return true;
        }
    }
    return false;
}

/* Finds the device and port 'name' designates in 'list' (of 'n'). */
static struct ibv_device *
find_device(struct ibv_device **list, int n, const char *name, int *portp)
{
    char dev_name[IBV_SYSFS_NAME_MAX + 1];
    int port = 0;

    /* "DEV:PORT" or "DEV". */
    const char *colon = strrchr(name, ':');
    if (colon && colon[1] && strspn(colon + 1, "0123456789")
        == strlen(colon + 1) && colon - name <= IBV_SYSFS_NAME_MAX) {
        memcpy(dev_name, name, colon - name);
        dev_name[colon - name] = '\0';
        port = atoi(colon + 1);
        if (port < 1 || port > 255) {
            return NULL;
        }
    } else {
        ovs_strlcpy(dev_name, name, sizeof dev_name);
    }
    for (int i = 0; i < n; i++) {
        if (!strcmp(ibv_get_device_name(list[i]), dev_name)) {
            *portp = port ? port : 1;
            return list[i];
        }
    }
    if (port) {
        return NULL;
    }

    /* A network device: RoCE netdev, or IPoIB netdev (by its GID). */
    uint8_t gid[16];
    bool is_ipoib = netdev_ipoib_gid(name, gid);
    for (int i = 0; i < n; i++) {
        struct ibv_context *ctx = ibv_open_device(list[i]);
        struct ibv_device_attr attr;
        struct ibv_device *found = NULL;

        if (!ctx) {
            continue;
        }
        if (!ibv_query_device(ctx, &attr)) {
            for (int p = 1; p <= attr.phys_port_cnt; p++) {
                if (port_is_netdev(ctx, ibv_get_device_name(list[i]), p,
                                   name, is_ipoib ? gid : NULL)) {
                    found = list[i];
                    *portp = p;
                    break;
                }
            }
        }
        ibv_close_device(ctx);
        if (found) {
            return found;
        }
    }
    return NULL;
}

int
ib_verbs_open_device(const char *name, struct ibv_context **ctxp,
                     int *portp)
{
    int n;

    *ctxp = NULL;
    *portp = 0;

    /* NULL (ENOSYS) when the kernel has no RDMA user-space support. */
    struct ibv_device **list = ibv_get_device_list(&n);
    if (!list) {
        return ENODEV;
    }

    int error = 0;
    struct ibv_device *device = find_device(list, n, name, portp);
    if (!device) {
        error = ENODEV;
    } else {
        *ctxp = ibv_open_device(device);
        if (!*ctxp) {
            error = errno ? errno : ENODEV;
        }
    }
    ibv_free_device_list(list);
    return error;
}

bool
ib_verbs_name_is_rdma(const char *name)
{
    struct ibv_context *ctx;
    int port;

    if (ib_verbs_open_device(name, &ctx, &port)) {
        return false;
    }
    ibv_close_device(ctx);
    return true;
}
