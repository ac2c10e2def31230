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
#include "ib-transport.h"

#include <errno.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"

VLOG_DEFINE_THIS_MODULE(ib_transport);

/* Registered backends, by type name.  The built-in ones are added on first
 * use, so that nothing runs from a constructor. */
static struct shash ib_transport_classes = SHASH_INITIALIZER(
    &ib_transport_classes);

static void
ib_transport_initialize(void)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;

    if (ovsthread_once_start(&once)) {
        ib_transport_register(&ib_transport_soft_class);
#ifdef EIPOIB_HAVE_VERBS
        ib_transport_register(&ib_transport_verbs_class);
#endif
        ovsthread_once_done(&once);
    }
}

int
ib_transport_register(const struct ib_transport_class *class)
{
    if (!shash_add_once(&ib_transport_classes, class->type,
                        CONST_CAST(struct ib_transport_class *, class))) {
        VLOG_WARN("attempted to register duplicate IB transport %s",
                  class->type);
        return EEXIST;
    }
    return 0;
}

const struct ib_transport_class *
ib_transport_lookup(const char *type)
{
    ib_transport_initialize();
    return shash_find_data(&ib_transport_classes, type);
}

const char *
ib_port_state_to_string(enum ib_port_state state)
{
    switch (state) {
    case IB_PORT_DOWN:
        return "down";
    case IB_PORT_INIT:
        return "init";
    case IB_PORT_ACTIVE:
        return "active";
    }
    return "unknown";
}

const char *
ib_dest_kind_to_string(enum ib_dest_kind kind)
{
    switch (kind) {
    case IB_DEST_UNICAST:
        return "unicast";
    case IB_DEST_BROADCAST:
        return "broadcast";
    case IB_DEST_MULTICAST:
        return "multicast";
    }
    return "unknown";
}

int
ib_port_open(const char *type, const char *name,
             const struct ib_port_options *options, struct ib_port **portp)
{
    const struct ib_transport_class *class = ib_transport_lookup(type);

    *portp = NULL;
    if (!class) {
        VLOG_WARN("%s: unknown IB transport type \"%s\"", name, type);
        return EAFNOSUPPORT;
    }

    struct ib_port *port;
    int error = class->open(class, name, options, &port);
    if (!error) {
        ovs_assert(port->class == class && port->name);
        *portp = port;
    }
    return error;
}

void
ib_port_close(struct ib_port *port)
{
    if (port) {
        port->class->close(port);
    }
}

const char *
ib_port_get_name(const struct ib_port *port)
{
    return port->name;
}

const char *
ib_port_get_type(const struct ib_port *port)
{
    return port->class->type;
}

void
ib_port_run(struct ib_port *port)
{
    port->class->run(port);
}

void
ib_port_wait(struct ib_port *port)
{
    port->class->wait(port);
}

void
ib_port_get_attr(const struct ib_port *port, struct ib_port_attr *attr)
{
    memset(attr, 0, sizeof *attr);
    port->class->get_attr(port, attr);
}

int
ib_endpoint_create(struct ib_port *port, unsigned int flags, void *aux,
                   struct ib_endpoint **epp)
{
    *epp = NULL;
    return port->class->endpoint_create(port, flags, aux, epp);
}

void
ib_endpoint_destroy(struct ib_endpoint *ep)
{
    if (ep) {
        ep->port->class->endpoint_destroy(ep);
    }
}

uint32_t
ib_endpoint_qpn(const struct ib_endpoint *ep)
{
    return ep->port->class->endpoint_qpn(ep);
}

bool
ib_endpoint_get_addr(const struct ib_endpoint *ep, struct ipoib_addr *addr)
{
    struct ib_port_attr attr;
    uint32_t qpn = ib_endpoint_qpn(ep);

    ib_port_get_attr(ep->port, &attr);
    if (!qpn || attr.state == IB_PORT_DOWN) {
        memset(addr, 0, sizeof *addr);
        return false;
    }
    ipoib_addr_init(addr, 0, qpn, &attr.gid);
    return true;
}

int
ib_endpoint_join(struct ib_endpoint *ep, const struct ipoib_gid *mgid,
                 enum ib_join_type type)
{
    if (!ipoib_gid_is_multicast(mgid)) {
        return EINVAL;
    }
    return ep->port->class->join(ep, mgid, type);
}

int
ib_endpoint_leave(struct ib_endpoint *ep, const struct ipoib_gid *mgid)
{
    if (!ipoib_gid_is_multicast(mgid)) {
        return EINVAL;
    }
    return ep->port->class->leave(ep, mgid);
}

size_t
ib_port_send(struct ib_port *port, const struct ib_send *sends, size_t n)
{
    return n ? port->class->send(port, sends, n) : 0;
}

int
ib_port_recv(struct ib_port *port, struct ib_recv *recvs, size_t max,
             size_t *n)
{
    *n = 0;
    if (!max) {
        return EAGAIN;
    }
    return port->class->recv(port, recvs, MIN(max, IB_RECV_BATCH), n);
}

void
ib_port_recv_wait(struct ib_port *port)
{
    port->class->recv_wait(port);
}

void
ib_port_get_counters(const struct ib_port *port,
                     struct ib_counter **counters, size_t *n)
{
    *counters = NULL;
    *n = 0;
    port->class->get_counters(port, counters, n);
}

void
ib_port_format(const struct ib_port *port, struct ds *s)
{
    struct ib_port_attr attr;

    ib_port_get_attr(port, &attr);
    ds_put_format(s, "%s (%s): %s lid=0x%04"PRIx16" pkey=0x%04"PRIx16
                  " mtu=%"PRIu32" qkey=0x%08"PRIx32" epoch=%"PRIu64"\n",
                  port->name, port->class->type,
                  ib_port_state_to_string(attr.state), attr.lid, attr.pkey,
                  attr.ib_mtu, attr.qkey, attr.epoch);
    char gid[IPOIB_GID_STRLEN];
    ds_put_format(s, "  gid=%s\n", ipoib_gid_format(&attr.gid, gid));
    if (port->class->format) {
        port->class->format(port, s);
    }
}
