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

/* UD messages per second through the verbs IB transport, and heap
 * allocations per datagram on its fast path:
 *
 *   tests/verbs-bench DEV-A DEV-B [COUNT [SIZE]]
 *
 * Opens DEV-A and DEV-B (e.g. rxe0 and rxe1) with the "verbs" backend, one
 * endpoint each, and sends COUNT unicast datagrams of SIZE bytes from A to
 * B through ib_port_send(), receiving them on B with ib_port_recv() (and
 * freeing each dp_packet as a caller would), keeping at most a window of
 * datagrams in flight so that B's receive queue never runs dry.  Then sends
 * broadcast-group datagrams from A and checks that B gets them and that A
 * does not get its own back.
 *
 * Allocations are counted by this program's own malloc(), calloc() and
 * realloc(), which forward to glibc's and so also see the calls made inside
 * libibverbs and the rxe provider.  Exits nonzero if a datagram is lost or
 * a check fails, so it doubles as a functional test. */

#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp-packet.h"
#include "ib-transport.h"
#include "ipoib.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

/* Counting allocator.  glibc exports its own under these names. */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static unsigned long long n_allocs;

void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);

void *
malloc(size_t size)
{
    n_allocs++;
    return __libc_malloc(size);
}

void *
calloc(size_t n, size_t size)
{
    n_allocs++;
    return __libc_calloc(n, size);
}

void *
realloc(void *p, size_t size)
{
    n_allocs++;
    return __libc_realloc(p, size);
}

#define WINDOW 256

static struct ib_port *
open_port(const char *name)
{
    struct ib_port_options opts = { .pkey = 0xffff, .rx_headroom = 128 };
    struct ib_port *port;
    int error = ib_port_open("verbs", name, &opts, &port);

    if (error) {
        ovs_fatal(error, "cannot open %s", name);
    }
    return port;
}

static void
wait_active(struct ib_port *a, struct ib_port *b)
{
    long long int deadline = time_msec() + 10000;

    for (;;) {
        struct ib_port_attr aa, ba;

        ib_port_run(a);
        ib_port_run(b);
        ib_port_get_attr(a, &aa);
        ib_port_get_attr(b, &ba);
        if (aa.state == IB_PORT_ACTIVE && ba.state == IB_PORT_ACTIVE) {
            return;
        }
        if (time_msec() > deadline) {
            ovs_fatal(0, "ports not active after 10 s");
        }
        ib_port_wait(a);
        ib_port_wait(b);
        poll_timer_wait(100);
        poll_block();
    }
}

/* Receives on 'port' until nothing is waiting; returns how many arrived
 * on 'ep' ('others' counts the rest). */
static size_t
drain(struct ib_port *port, struct ib_endpoint *ep, size_t *others)
{
    struct ib_recv recvs[IB_RECV_BATCH];
    size_t total = 0;
    size_t n;

    while (!ib_port_recv(port, recvs, IB_RECV_BATCH, &n)) {
        for (size_t i = 0; i < n; i++) {
            if (recvs[i].ep == ep) {
                total++;
            } else if (others) {
                (*others)++;
            }
            dp_packet_delete(recvs[i].packet);
        }
    }
    return total;
}

static void
print_counters(struct ib_port *port)
{
    struct ib_counter *c;
    size_t n;

    ib_port_get_counters(port, &c, &n);
    printf("  %s:", ib_port_get_name(port));
    for (size_t i = 0; i < n; i++) {
        if (c[i].value) {
            printf(" %s=%"PRIu64, c[i].name, c[i].value);
        }
    }
    printf("\n");
    free(c);
}

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_WARN);
    if (argc < 3) {
        ovs_fatal(0, "usage: %s DEV-A DEV-B [COUNT [SIZE]]", argv[0]);
    }
    size_t count = argc > 3 ? strtoul(argv[3], NULL, 10) : 100000;
    size_t size = argc > 4 ? strtoul(argv[4], NULL, 10) : 1024;

    struct ib_port *a = open_port(argv[1]);
    struct ib_port *b = open_port(argv[2]);
    wait_active(a, b);

    struct ib_endpoint *ea, *eb, *base_a, *base_b;
    if (ib_endpoint_create(a, 0, NULL, &ea)
        || ib_endpoint_create(b, 0, NULL, &eb)
        || ib_endpoint_create(a, IB_EP_BLOCK_SELF_MCAST_LOOPBACK, NULL,
                              &base_a)
        || ib_endpoint_create(b, IB_EP_BLOCK_SELF_MCAST_LOOPBACK, NULL,
                              &base_b)) {
        ovs_fatal(0, "cannot create endpoints");
    }

    struct ib_port_attr attr;
    ib_port_get_attr(a, &attr);
    if (size > attr.ib_mtu) {
        size = attr.ib_mtu;
    }
    uint8_t *payload = xzalloc(size);
    ipoib_hdr_put(payload, IPOIB_TYPE_IPV4);

    struct ipoib_addr dst;
    if (!ib_endpoint_get_addr(eb, &dst)) {
        ovs_fatal(0, "endpoint on %s has no address", argv[2]);
    }

    /* Warm-up: creates the address handle, fills caches. */
    struct ib_send s = { .ep = ea, .dst = dst, .data = payload,
                         .size = size };
    for (int i = 0; i < 64; i++) {
        ib_port_send(a, &s, 1);
    }
    long long int warm_end = time_msec() + 2000;
    size_t warm = 0;
    while (warm < 64 && time_msec() < warm_end) {
        warm += drain(b, eb, NULL);
    }

    struct ib_send burst[32];
    for (int i = 0; i < 32; i++) {
        burst[i] = s;
    }

    unsigned long long tx_allocs = 0, rx_allocs = 0;
    size_t sent = 0, received = 0, refused = 0;
    long long int start = time_msec();
    long long int idle_since = start;
    while (received < count) {
        size_t in_flight = sent - received - refused;
        if (sent < count && in_flight + 32 <= WINDOW) {
            size_t n = MIN(32, count - sent);
            unsigned long long before = n_allocs;
            size_t ok = ib_port_send(a, burst, n);
            tx_allocs += n_allocs - before;
            sent += n;
            refused += n - ok;
        }

        unsigned long long before = n_allocs;
        size_t got = drain(b, eb, NULL);
        rx_allocs += n_allocs - before;
        received += got;

        long long int now = time_msec();
        if (got) {
            idle_since = now;
        } else if (now - idle_since > 3000) {
            break;              /* Lost datagrams: stop waiting. */
        }
        if (sent == count && received + refused == count) {
            break;
        }
    }
    long long int elapsed = MAX(1, time_msec() - start);

    printf("verbs-bench: %s -> %s, %"PRIuSIZE" datagrams of %"PRIuSIZE
           " bytes, window %d\n", argv[1], argv[2], count, size, WINDOW);
    printf("  unicast: sent %"PRIuSIZE" (refused %"PRIuSIZE"), received %"
           PRIuSIZE" in %.3f s: %.0f msg/s sent, %.0f msg/s received\n",
           sent, refused, received, elapsed / 1000.0,
           sent * 1000.0 / elapsed, received * 1000.0 / elapsed);
    printf("  allocations per datagram: send %.3f, receive %.3f "
           "(receive includes the dp_packet handed to the caller)\n",
           sent ? (double) tx_allocs / sent : 0.0,
           received ? (double) rx_allocs / received : 0.0);

    /* Broadcast group: B gets A's datagrams, A not its own. */
    struct ipoib_gid mgid;
    struct ipoib_addr bcast;
    ipoib_broadcast_mgid(0xffff, IPOIB_SCOPE_LINK, &mgid);
    ipoib_mcast_addr(&mgid, &bcast);
    ib_endpoint_join(base_a, &mgid, IB_JOIN_FULL);
    ib_endpoint_join(base_b, &mgid, IB_JOIN_FULL);
    ib_port_run(a);
    ib_port_run(b);
    struct ib_send m = { .ep = base_a, .dst = bcast, .data = payload,
                         .size = size };
    size_t mcast_sent = 0, mcast_b = 0, mcast_a = 0, other = 0;
    for (int i = 0; i < 100; i++) {
        mcast_sent += ib_port_send(a, &m, 1);
        mcast_b += drain(b, base_b, &other);
        mcast_a += drain(a, base_a, &other);
    }
    long long int end = time_msec() + 2000;
    while (mcast_b < mcast_sent && time_msec() < end) {
        mcast_b += drain(b, base_b, &other);
        mcast_a += drain(a, base_a, &other);
    }
    printf("  broadcast group: sent %"PRIuSIZE", received by the peer %"
           PRIuSIZE", echoed to the sender %"PRIuSIZE"\n",
           mcast_sent, mcast_b, mcast_a);
    print_counters(a);
    print_counters(b);

    int status = 0;
    if (received + refused != count || refused) {
        printf("FAIL: %"PRIuSIZE" unicast datagrams lost or refused\n",
               count - received);
        status = 1;
    }
    if (!mcast_sent || mcast_b != mcast_sent || mcast_a) {
        printf("FAIL: broadcast group delivery\n");
        status = 1;
    }
    ib_endpoint_destroy(ea);
    ib_endpoint_destroy(eb);
    ib_endpoint_destroy(base_a);
    ib_endpoint_destroy(base_b);
    ib_port_close(a);
    ib_port_close(b);
    free(payload);
    return status;
}
