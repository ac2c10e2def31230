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

/* netdev-eipoib: an OVS port whose far side is an IPoIB link.
 *
 * This is the provider's skeleton: it registers the "eipoib" netdev class
 * and the "eipoib/" unixctl namespace, validates options and refuses, with
 * a message in the Interface's "error" column, every configuration it
 * cannot yet carry packets for.  It never pretends to forward. */

#include <config.h>

#include <errno.h>
#include <string.h>

#include "dp-packet.h"
#include "netdev-provider.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "packets.h"
#include "random.h"
#include "smap.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(netdev_eipoib);

/* The IPoIB MTU of a 2K-MTU fabric in datagram mode (IB MTU - 4). */
#define EIPOIB_DEFAULT_MTU 2044

struct netdev_eipoib {
    struct netdev up;

    /* In 'eipoib_list', protected by 'eipoib_list_mutex'. */
    struct ovs_list list_node;

    struct ovs_mutex mutex;
    struct eth_addr hwaddr OVS_GUARDED;
    enum netdev_flags flags OVS_GUARDED;
    struct smap options OVS_GUARDED;  /* As last given by set_config(). */
    char *config_error OVS_GUARDED;   /* Why the port can't run, or NULL. */
    uint64_t tx_dropped OVS_GUARDED;
};

static struct ovs_mutex eipoib_list_mutex = OVS_MUTEX_INITIALIZER;
static struct ovs_list eipoib_list OVS_GUARDED_BY(eipoib_list_mutex)
    = OVS_LIST_INITIALIZER(&eipoib_list);

static const struct netdev_class netdev_eipoib_class;

static bool
is_netdev_eipoib(const struct netdev *netdev)
{
    return netdev_get_class(netdev) == &netdev_eipoib_class;
}

static struct netdev_eipoib *
netdev_eipoib_cast(const struct netdev *netdev)
{
    ovs_assert(is_netdev_eipoib(netdev));
    return CONTAINER_OF(netdev, struct netdev_eipoib, up);
}

static struct netdev *
netdev_eipoib_alloc(void)
{
    struct netdev_eipoib *dev = xzalloc(sizeof *dev);
    return &dev->up;
}

static int
netdev_eipoib_construct(struct netdev *netdev)
{
    struct netdev_eipoib *dev = netdev_eipoib_cast(netdev);

    ovs_mutex_init(&dev->mutex);
    /* A locally administered unicast MAC: the port's own address on the
     * bridge.  The IPoIB address comes from the transport. */
    eth_addr_random(&dev->hwaddr);
    dev->flags = 0;
    smap_init(&dev->options);
    dev->config_error = xstrdup("not configured");

    ovs_mutex_lock(&eipoib_list_mutex);
    ovs_list_push_back(&eipoib_list, &dev->list_node);
    ovs_mutex_unlock(&eipoib_list_mutex);
    return 0;
}

static void
netdev_eipoib_destruct(struct netdev *netdev)
{
    struct netdev_eipoib *dev = netdev_eipoib_cast(netdev);

    ovs_mutex_lock(&eipoib_list_mutex);
    ovs_list_remove(&dev->list_node);
    ovs_mutex_unlock(&eipoib_list_mutex);

    smap_destroy(&dev->options);
    free(dev->config_error);
    ovs_mutex_destroy(&dev->mutex);
}

static void
netdev_eipoib_dealloc(struct netdev *netdev)
{
    free(netdev_eipoib_cast(netdev));
}

/* Checks 'args' and returns NULL if the port could run with them, otherwise
 * a malloc()ed message saying what is wrong or missing. */
static char *
eipoib_check_options(const struct smap *args)
{
    static const char *const known[] = { "transport", "fabric" };
    const struct smap_node *node;

    SMAP_FOR_EACH (node, args) {
        bool found = false;
        for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
            if (!strcmp(node->key, known[i])) {
                found = true;
                break;
            }
        }
        if (!found) {
            return xasprintf("unknown option \"%s\"", node->key);
        }
    }

    const char *transport = smap_get(args, "transport");
    const char *fabric = smap_get(args, "fabric");
    if (transport && strcmp(transport, "soft") && strcmp(transport, "verbs")) {
        return xasprintf("options:transport=%s is not a transport "
                         "(use \"soft\" or \"verbs\")", transport);
    }
    if (!transport && !fabric) {
        return xstrdup("no IB transport: set options:fabric=unix:PATH "
                       "(soft fabric) or options:transport=verbs");
    }
    return xasprintf("IB transport \"%s\" is not available in this "
                     "ovs-vswitchd yet", transport ? transport : "soft");
}

static int
netdev_eipoib_set_config(struct netdev *netdev, const struct smap *args,
                         char **errp)
{
    struct netdev_eipoib *dev = netdev_eipoib_cast(netdev);
    char *error = eipoib_check_options(args);

    ovs_mutex_lock(&dev->mutex);
    smap_destroy(&dev->options);
    smap_clone(&dev->options, args);
    free(dev->config_error);
    dev->config_error = error ? xstrdup(error) : NULL;
    ovs_mutex_unlock(&dev->mutex);

    if (error) {
        VLOG_WARN("%s: %s", netdev_get_name(netdev), error);
        *errp = error;
        return EINVAL;
    }
    return 0;
}

static int
netdev_eipoib_get_config(const struct netdev *netdev, struct smap *args)
{
    struct netdev_eipoib *dev = netdev_eipoib_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    smap_clone(args, &dev->options);
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_eipoib_send(struct netdev *netdev, int qid OVS_UNUSED,
                   struct dp_packet_batch *batch,
                   bool concurrent_txq OVS_UNUSED)
{
    struct netdev_eipoib *dev = netdev_eipoib_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    dev->tx_dropped += dp_packet_batch_size(batch);
    ovs_mutex_unlock(&dev->mutex);
    dp_packet_delete_batch(batch, true);
    return EOPNOTSUPP;
}

static int
netdev_eipoib_get_etheraddr(const struct netdev *netdev,
                            struct eth_addr *mac)
{
    struct netdev_eipoib *dev = netdev_eipoib_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    *mac = dev->hwaddr;
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_eipoib_set_etheraddr(struct netdev *netdev, const struct eth_addr mac)
{
    struct netdev_eipoib *dev = netdev_eipoib_cast(netdev);

    if (eth_addr_is_multicast(mac) || eth_addr_is_zero(mac)) {
        return EINVAL;
    }
    ovs_mutex_lock(&dev->mutex);
    dev->hwaddr = mac;
    ovs_mutex_unlock(&dev->mutex);
    netdev_change_seq_changed(netdev);
    return 0;
}

static int
netdev_eipoib_get_mtu(const struct netdev *netdev OVS_UNUSED, int *mtup)
{
    *mtup = EIPOIB_DEFAULT_MTU;
    return 0;
}

static int
netdev_eipoib_get_stats(const struct netdev *netdev,
                        struct netdev_stats *stats)
{
    struct netdev_eipoib *dev = netdev_eipoib_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    stats->tx_dropped = dev->tx_dropped;
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_eipoib_get_status(const struct netdev *netdev, struct smap *smap)
{
    struct netdev_eipoib *dev = netdev_eipoib_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    smap_add(smap, "driver_name", "eipoib");
    if (dev->config_error) {
        smap_add(smap, "eipoib_error", dev->config_error);
    }
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

/* PROMISC is accepted: the datapath requires it, and the uplink simulates
 * it by serving every source MAC the bridge sends through it. */
static int
netdev_eipoib_update_flags(struct netdev *netdev,
                           enum netdev_flags off, enum netdev_flags on,
                           enum netdev_flags *old_flagsp)
{
    struct netdev_eipoib *dev = netdev_eipoib_cast(netdev);

    if ((off | on) & ~(NETDEV_UP | NETDEV_PROMISC)) {
        return EINVAL;
    }
    ovs_mutex_lock(&dev->mutex);
    *old_flagsp = dev->flags;
    dev->flags |= on;
    dev->flags &= ~off;
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static void
eipoib_show_one(struct ds *reply, struct netdev_eipoib *dev)
{
    ovs_mutex_lock(&dev->mutex);
    ds_put_format(reply, "%s:\n", netdev_get_name(&dev->up));
    ds_put_format(reply, "  state: %s\n",
                  dev->config_error ? "not running" : "running");
    if (dev->config_error) {
        ds_put_format(reply, "  error: %s\n", dev->config_error);
    }
    ds_put_format(reply, "  drops: tx_no_transport=%"PRIu64"\n",
                  dev->tx_dropped);
    ovs_mutex_unlock(&dev->mutex);
}

static void
eipoib_unixctl_show(struct unixctl_conn *conn, int argc,
                    const char *argv[], void *aux OVS_UNUSED)
{
    struct netdev_eipoib *dev;
    struct ds reply = DS_EMPTY_INITIALIZER;
    bool found = false;

    ovs_mutex_lock(&eipoib_list_mutex);
    LIST_FOR_EACH (dev, list_node, &eipoib_list) {
        if (argc > 1 && strcmp(argv[1], netdev_get_name(&dev->up))) {
            continue;
        }
        eipoib_show_one(&reply, dev);
        found = true;
    }
    ovs_mutex_unlock(&eipoib_list_mutex);

    if (argc > 1 && !found) {
        unixctl_command_reply_error(conn, "no such eipoib port");
    } else {
        unixctl_command_reply(conn, ds_cstr(&reply));
    }
    ds_destroy(&reply);
}

static const struct netdev_class netdev_eipoib_class = {
    .type = "eipoib",
    .is_pmd = false,
    .alloc = netdev_eipoib_alloc,
    .construct = netdev_eipoib_construct,
    .destruct = netdev_eipoib_destruct,
    .dealloc = netdev_eipoib_dealloc,
    .get_config = netdev_eipoib_get_config,
    .set_config = netdev_eipoib_set_config,
    .send = netdev_eipoib_send,
    .get_etheraddr = netdev_eipoib_get_etheraddr,
    .set_etheraddr = netdev_eipoib_set_etheraddr,
    .get_mtu = netdev_eipoib_get_mtu,
    .get_stats = netdev_eipoib_get_stats,
    .get_status = netdev_eipoib_get_status,
    .update_flags = netdev_eipoib_update_flags,
};

/* Runs before main(): only registration here, no logging, no I/O. */
OVS_CONSTRUCTOR(netdev_eipoib_register)
{
    netdev_register_provider(&netdev_eipoib_class);
    unixctl_command_register("eipoib/show", "[PORT]", 0, 1,
                             eipoib_unixctl_show, NULL);
}
