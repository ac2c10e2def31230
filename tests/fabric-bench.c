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

/* fabric-bench: measures eipoib-fabric's forwarding rate from one port to
 * another.  It attaches two ports to the daemon, sends unicast UD packets
 * carrying IPoIB datagrams of a given size from the first to the second as
 * fast as the daemon takes them (keeping at most --window packets in
 * flight, so that the daemon's congestion drops do not count as
 * forwarding), and counts what the second port receives.
 *
 *   fabric-bench --socket=PATH [--size=BYTES] [--seconds=S] [--window=N]
 *
 * --size is the IPoIB datagram (the IP packet, as an IPoIB MTU counts it):
 * the IB payload is 4 bytes more.  Prints one line of results. */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ib-fabric-proto.h"
#include "ib-packet.h"
#include "ipoib.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

struct conn {
    int fd;
    struct ofpbuf rx;
    uint16_t lid;
    uint32_t qpn;
};

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
send_all(int fd, const void *data, size_t len)
{
    const uint8_t *p = data;

    while (len) {
        ssize_t n = send(fd, p, len, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN) {
                struct pollfd pfd = { .fd = fd, .events = POLLOUT };
                poll(&pfd, 1, -1);
                continue;
            }
            ovs_fatal(errno, "send");
        }
        p += n;
        len -= n;
    }
}

/* Reads into c->rx what is available; blocks if 'block'.  Returns false on
 * EOF. */
static bool
fill(struct conn *c, bool block)
{
    ofpbuf_prealloc_tailroom(&c->rx, 256 * 1024);
    ssize_t n = recv(c->fd, ofpbuf_tail(&c->rx), 256 * 1024,
                     block ? 0 : MSG_DONTWAIT);
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) {
            return true;
        }
        ovs_fatal(errno, "recv");
    } else if (n == 0) {
        return false;
    }
    c->rx.size += n;
    return true;
}

/* Waits for the reply with 'xid' and copies its body into 'body'. */
static void
request(struct conn *c, struct ofpbuf *req, uint16_t type, uint16_t xid,
        uint8_t *body, size_t size)
{
    send_all(c->fd, req->data, req->size);
    for (;;) {
        struct ibfp_frame fr;
        size_t len;

        while (!ibfp_frame_peek(c->rx.data, c->rx.size, &fr, &len)) {
            if (fr.xid == xid && fr.type == IBFP_ERROR) {
                struct ibfp_error_msg e;
                if (!ibfp_decode_error(fr.body, fr.body_len, &e)) {
                    ovs_fatal(0, "request %s failed: %.*s",
                              ibfp_type_name(type), (int) e.reason_len,
                              e.reason);
                }
            }
            if (fr.xid == xid && fr.type == (type | IBFP_REPLY)) {
                memcpy(body, fr.body, MIN(size, fr.body_len));
                ofpbuf_pull(&c->rx, len);
                return;
            }
            ofpbuf_pull(&c->rx, len);
        }
        if (!fill(c, true)) {
            ovs_fatal(0, "the daemon closed the connection");
        }
    }
}

static void
conn_open(struct conn *c, const char *path, const char *name)
{
    struct sockaddr_un sun;
    struct ofpbuf b;
    uint8_t body[256];

    memset(c, 0, sizeof *c);
    c->fd = socket(AF_UNIX, SOCK_STREAM, 0);
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    if (c->fd < 0 || strlen(path) >= sizeof sun.sun_path) {
        ovs_fatal(errno, "%s: socket", path);
    }
    ovs_strlcpy(sun.sun_path, path, sizeof sun.sun_path);
    if (connect(c->fd, (struct sockaddr *) &sun, sizeof sun)) {
        ovs_fatal(errno, "%s: connect", path);
    }
    int bufsize = 4 * 1024 * 1024;
    setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof bufsize);
    setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof bufsize);
    ofpbuf_init(&c->rx, 0);
    ofpbuf_init(&b, 0);

    struct ibfp_attach a = { .version = IBFP_VERSION };
    ovs_strlcpy(a.name, name, sizeof a.name);
    ibfp_put_attach(&b, 1, &a);
    request(c, &b, IBFP_ATTACH, 1, body, sizeof body);
    struct ibfp_attach_reply r;
    if (ibfp_decode_attach_reply(body, sizeof body, &r)) {
        ovs_fatal(0, "bad ATTACH_REPLY");
    }
    c->lid = r.lid;

    ofpbuf_clear(&b);
    struct ibfp_qp qp = { .qkey = IPOIB_QKEY_DEFAULT,
                          .pkey = IPOIB_PKEY_DEFAULT };
    ibfp_put_qp(&b, IBFP_QP_CREATE, 2, &qp);
    request(c, &b, IBFP_QP_CREATE, 2, body, sizeof body);
    ibfp_decode_qp(body, sizeof body, &qp);
    c->qpn = qp.qpn;
    ofpbuf_uninit(&b);
}

/* Counts the DATA frames in c->rx, consuming whole frames. */
static uint64_t
count_data(struct conn *c)
{
    uint64_t n = 0;
    struct ibfp_frame fr;
    size_t len;

    while (!ibfp_frame_peek(c->rx.data, c->rx.size, &fr, &len)) {
        n += fr.type == IBFP_DATA;
        ofpbuf_pull(&c->rx, len);
    }
    if (!c->rx.size) {
        ofpbuf_clear(&c->rx);
    } else if (ofpbuf_headroom(&c->rx) > 1024 * 1024) {
        memmove(c->rx.base, c->rx.data, c->rx.size);
        c->rx.data = c->rx.base;
    }
    return n;
}

int
main(int argc, char *argv[])
{
    const char *path = NULL;
    size_t size = 64;
    double seconds = 5;
    uint64_t window = 4096;
    static const struct option long_options[] = {
        {"socket", required_argument, NULL, 's'},
        {"size", required_argument, NULL, 'z'},
        {"seconds", required_argument, NULL, 't'},
        {"window", required_argument, NULL, 'w'},
        {NULL, 0, NULL, 0},
    };

    set_program_name(argv[0]);
    for (;;) {
        int c = getopt_long(argc, argv, "s:z:t:w:", long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case 's': path = optarg; break;
        case 'z': size = atoi(optarg); break;
        case 't': seconds = atof(optarg); break;
        case 'w': window = atoi(optarg); break;
        default: exit(EXIT_FAILURE);
        }
    }
    if (!path || size < 20 || size > 4092 || seconds <= 0 || !window) {
        ovs_fatal(0, "usage: %s --socket=PATH [--size=20..4092] "
                  "[--seconds=S] [--window=N]", program_name);
    }

    struct conn tx, rx;
    conn_open(&tx, path, "bench-tx");
    conn_open(&rx, path, "bench-rx");

    /* One IPoIB datagram: header + an IPv4 header and zeros (the fabric
     * does not look past the IB headers). */
    size_t payload_len = IPOIB_HDR_LEN + size;
    uint8_t *payload = xzalloc(payload_len);
    ipoib_hdr_put(payload, IPOIB_TYPE_IPV4);
    payload[4] = 0x45;
    ipoib_put_be16(&payload[6], size);

    /* A burst of DATA frames, sent with one send() call. */
    enum { BURST = 32 };
    struct ofpbuf burst;
    ofpbuf_init(&burst, 0);
    for (int i = 0; i < BURST; i++) {
        struct ib_ud_fields f = {
            .dlid = rx.lid, .slid = tx.lid, .pkey = IPOIB_PKEY_DEFAULT,
            .dest_qp = rx.qpn, .psn = i, .qkey = IPOIB_QKEY_DEFAULT,
            .src_qp = tx.qpn,
        };
        size_t len = ib_ud_packet_len(false, payload_len);
        uint8_t *pkt = ibfp_put_data_uninit(&burst, tx.qpn, len);
        ib_ud_build(pkt, len, &f, payload, payload_len);
    }

    /* Keep the bytes in flight below the daemon's per-port queue limit
     * (4 MiB), where it would start dropping. */
    window = MIN(window, 2 * 1024 * 1024 / (burst.size / BURST));
    window = MAX(window, BURST);

    uint64_t sent = 0, received = 0, lost = 0;
    uint64_t base_sent = 0, base_received = 0;
    double warmup = now() + 0.5, start = 0, end = warmup + seconds;
    bool measuring = false;

    for (;;) {
        double t = now();
        if (!measuring && t >= warmup) {
            measuring = true;
            start = t;
            base_sent = sent;
            base_received = received;
        }
        if (t >= end) {
            break;
        }

        struct pollfd pfds[2] = {
            { .fd = rx.fd, .events = POLLIN },
            { .fd = tx.fd, .events = sent - received + BURST <= window
                                     ? POLLOUT : 0 },
        };
        if (!poll(pfds, 2, 100) && sent > received) {
            /* Nothing for 100 ms: what is in flight was dropped. */
            lost += sent - received;
            received = sent;
            continue;
        }
        if (pfds[0].revents & POLLIN) {
            if (!fill(&rx, false)) {
                ovs_fatal(0, "the daemon closed the connection");
            }
            received += count_data(&rx);
        }
        if (pfds[1].revents & POLLOUT) {
            send_all(tx.fd, burst.data, burst.size);
            sent += BURST;
        }
    }
    double elapsed = now() - start;
    uint64_t n = received - base_received;
    double pps = n / elapsed;
    printf("IPoIB datagram %4zu bytes (IB packet %4zu bytes): sent %"PRIu64
           ", received %"PRIu64" in %.2f s: %.0f packets/s, %.1f Mbit/s of "
           "IPoIB datagrams (window %"PRIu64", lost %"PRIu64")\n", size,
           ib_ud_packet_len(false, payload_len), sent - base_sent, n,
           elapsed, pps, pps * size * 8 / 1e6, window, lost);

    free(payload);
    ofpbuf_uninit(&burst);
    close(tx.fd);
    close(rx.fd);
    return 0;
}
