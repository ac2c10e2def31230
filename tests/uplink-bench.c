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

/* uplink-bench: load generator for one eipoib uplink (tests/bench-uplink.sh
 * runs it).  It plays a remote IPoIB host on the soft fabric and, in
 * "tx" mode, also the VM behind the bridge.
 *
 *   uplink-bench rx --fabric=PATH --lid=LID --qpn=QPN --gid=GID
 *                   [--ovs=CTL --port=NAME] [COMMON]
 *     Sends IPoIB IPv4/UDP datagrams unicast to the vif QPN of the uplink
 *     with LID (fabric -> VM).  With --ovs (ovs-vswitchd's control socket)
 *     it keeps at most --window packets ahead of the uplink's received
 *     count ("traffic: rx" of eipoib/show NAME); without, it sends open
 *     loop and the daemon drops what the uplink does not take (counter
 *     port-congested).
 *
 *   uplink-bench tx --vm=unix:PATH|dev:IFNAME --vm-mac=MAC
 *                   [--fabric=PATH --lid=LID --qpn=QPN --gid=GID
 *                    | --sink=dev:IFNAME] [COMMON]
 *     Pushes Ethernet frames from MAC to the fabric port's REMAC into the
 *     VM side: a netdev-dummy pstream (2-byte length + frame) or, with
 *     dev:, a raw AF_PACKET socket (e.g. the peer of a veth that is a
 *     bridge port).  With --fabric, it first sends an IPoIB ARP reply to
 *     the vif (the uplink learns the fabric port as a neighbour) and counts
 *     the packets that arrive back on the fabric (VM -> fabric), keeping
 *     at most --window frames in flight.  Without it, frames go to
 *     --dst-mac (default 02:00:00:00:00:01); with --sink, it counts the
 *     IPv4 frames arriving on IFNAME (e.g. the peer of another veth port,
 *     the bridge's plain port -> port baseline), with the same window;
 *     with neither, open loop.
 *
 *   COMMON: [--size=BYTES] [--seconds=S] [--name=PORT] [--window=N]
 *
 * --size is the IPv4 packet (as an MTU counts it).  Counting starts after a
 * 0.5 s warm-up.  Prints one line of results; never judges them. */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "csum.h"
#include "ib-fabric-proto.h"
#include "ib-packet.h"
#include "ipoib.h"
#include "openvswitch/ofpbuf.h"
#include "jsonrpc.h"
#include "packets.h"
#include "unixctl.h"
#include "util.h"

/* A connection to the fabric daemon, attached, with one UD QP. */
struct fabric_conn {
    int fd;
    struct ofpbuf rx;
    uint16_t lid;
    struct ipoib_gid gid;
    uint32_t qpn;
};

enum { BURST = 32 };

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sends all of 'len' bytes on the blocking or non-blocking socket 'fd'. */
static void
send_all(int fd, const void *data, size_t len)
{
    const uint8_t *p = data;

    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            } else if (errno == EAGAIN) {
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

static int
unix_connect(const char *path, bool big_buffers)
{
    struct sockaddr_un sun;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    if (fd < 0 || strlen(path) >= sizeof sun.sun_path) {
        ovs_fatal(errno, "%s: socket", path);
    }
    ovs_strlcpy(sun.sun_path, path, sizeof sun.sun_path);
    if (connect(fd, (struct sockaddr *) &sun, sizeof sun)) {
        ovs_fatal(errno, "%s: connect", path);
    }
    if (big_buffers) {
        int bufsize = 4 * 1024 * 1024;
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof bufsize);
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof bufsize);
    }
    return fd;
}

/* Reads what is available into c->rx; blocks if 'block'.  Fatal on EOF. */
static void
fabric_fill(struct fabric_conn *c, bool block)
{
    ofpbuf_prealloc_tailroom(&c->rx, 256 * 1024);
    ssize_t n = recv(c->fd, ofpbuf_tail(&c->rx), 256 * 1024,
                     block ? 0 : MSG_DONTWAIT);
    if (n == 0) {
        ovs_fatal(0, "the fabric daemon closed the connection");
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        ovs_fatal(errno, "recv");
    } else if (n > 0) {
        c->rx.size += n;
    }
}

/* Sends request 'req' and copies the body of its reply into 'body'. */
static void
fabric_request(struct fabric_conn *c, struct ofpbuf *req, uint16_t type,
               uint16_t xid, uint8_t *body, size_t size)
{
    send_all(c->fd, req->data, req->size);
    for (;;) {
        struct ibfp_frame fr;
        size_t len;

        while (!ibfp_frame_peek(c->rx.data, c->rx.size, &fr, &len)) {
            struct ibfp_error_msg e;
            if (fr.xid == xid && fr.type == IBFP_ERROR
                && !ibfp_decode_error(fr.body, fr.body_len, &e)) {
                ovs_fatal(0, "%s failed: %.*s", ibfp_type_name(type),
                          (int) e.reason_len, e.reason);
            }
            if (fr.xid == xid && fr.type == (type | IBFP_REPLY)) {
                memset(body, 0, size);
                memcpy(body, fr.body, MIN(size, fr.body_len));
                ofpbuf_pull(&c->rx, len);
                return;
            }
            ofpbuf_pull(&c->rx, len);
        }
        fabric_fill(c, true);
    }
}

static void
fabric_open(struct fabric_conn *c, const char *path, const char *name)
{
    uint8_t body[256];
    struct ofpbuf b;

    memset(c, 0, sizeof *c);
    c->fd = unix_connect(path, true);
    ofpbuf_init(&c->rx, 0);
    ofpbuf_init(&b, 0);

    struct ibfp_attach a = { .version = IBFP_VERSION };
    ovs_strlcpy(a.name, name, sizeof a.name);
    ibfp_put_attach(&b, 1, &a);
    fabric_request(c, &b, IBFP_ATTACH, 1, body, sizeof body);
    struct ibfp_attach_reply r;
    if (ibfp_decode_attach_reply(body, sizeof body, &r)) {
        ovs_fatal(0, "bad ATTACH_REPLY");
    }
    c->lid = r.lid;
    c->gid = r.gid;

    ofpbuf_clear(&b);
    struct ibfp_qp qp = { .qkey = IPOIB_QKEY_DEFAULT,
                          .pkey = IPOIB_PKEY_DEFAULT };
    ibfp_put_qp(&b, IBFP_QP_CREATE, 2, &qp);
    fabric_request(c, &b, IBFP_QP_CREATE, 2, body, sizeof body);
    if (ibfp_decode_qp(body, sizeof body, &qp)) {
        ovs_fatal(0, "bad QP_CREATE_REPLY");
    }
    c->qpn = qp.qpn;
    ofpbuf_uninit(&b);
}

/* Counts the DATA frames in c->rx, consuming whole frames. */
static uint64_t
fabric_count_data(struct fabric_conn *c)
{
    struct ibfp_frame fr;
    uint64_t n = 0;
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

/* Appends one DATA frame from 'c' to (dlid, dqpn) carrying 'payload'. */
static void
fabric_put_packet(struct ofpbuf *b, const struct fabric_conn *c,
                  uint16_t dlid, uint32_t dqpn, uint32_t psn,
                  const uint8_t *payload, size_t payload_len)
{
    struct ib_ud_fields f = {
        .dlid = dlid, .slid = c->lid, .pkey = IPOIB_PKEY_DEFAULT,
        .dest_qp = dqpn, .psn = psn & 0xffffff, .qkey = IPOIB_QKEY_DEFAULT,
        .src_qp = c->qpn,
    };
    size_t len = ib_ud_packet_len(false, payload_len);
    uint8_t *pkt = ibfp_put_data_uninit(b, c->qpn, len);
    ib_ud_build(pkt, len, &f, payload, payload_len);
}

/* Writes a 'size'-byte IPv4/UDP packet (10.0.0.1:9 -> 10.0.0.2:9, zero
 * payload, UDP checksum 0) at 'p'. */
static void
put_ipv4_udp(uint8_t *p, size_t size)
{
    struct ip_header *ip = ALIGNED_CAST(struct ip_header *, p);
    struct udp_header *udp = ALIGNED_CAST(struct udp_header *,
                                          p + IP_HEADER_LEN);

    memset(p, 0, size);
    ip->ip_ihl_ver = IP_IHL_VER(5, 4);
    ip->ip_tot_len = htons(size);
    ip->ip_ttl = 64;
    ip->ip_proto = IPPROTO_UDP;
    put_16aligned_be32(&ip->ip_src, htonl(0x0a000001));
    put_16aligned_be32(&ip->ip_dst, htonl(0x0a000002));
    ip->ip_csum = csum(ip, IP_HEADER_LEN);
    udp->udp_src = htons(9);
    udp->udp_dst = htons(9);
    udp->udp_len = htons(size - IP_HEADER_LEN);
}

/* The VM side: a netdev-dummy pstream or a raw packet socket. */
struct vm_side {
    int fd;
    bool is_stream;
};

/* Opens a raw packet socket for the IPv4 frames of interface 'ifname'. */
static int
packet_socket_open(const char *ifname)
{
    struct sockaddr_ll sll = { .sll_family = AF_PACKET };
    int bufsize = 4 * 1024 * 1024;
    int fd = socket(AF_PACKET, SOCK_RAW, 0);

    sll.sll_ifindex = if_nametoindex(ifname);
    sll.sll_protocol = htons(ETH_TYPE_IP);
    if (!sll.sll_ifindex || fd < 0
        || bind(fd, (struct sockaddr *) &sll, sizeof sll)) {
        ovs_fatal(errno, "%s: cannot open a packet socket", ifname);
    }
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof bufsize);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof bufsize);
    return fd;
}

/* Counts (and discards) the frames waiting on packet socket 'fd'. */
static uint64_t
sink_count(int fd)
{
    static uint8_t bufs[BURST][64];   /* Only the count matters. */
    struct mmsghdr msgs[BURST];
    struct iovec iovs[BURST];
    uint64_t n = 0;

    for (;;) {
        memset(msgs, 0, sizeof msgs);
        for (int i = 0; i < BURST; i++) {
            iovs[i].iov_base = bufs[i];
            iovs[i].iov_len = sizeof bufs[i];
            msgs[i].msg_hdr.msg_iov = &iovs[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int r = recvmmsg(fd, msgs, BURST, MSG_DONTWAIT | MSG_TRUNC, NULL);
        if (r <= 0) {
            if (r < 0 && errno != EAGAIN && errno != EINTR) {
                ovs_fatal(errno, "recvmmsg");
            }
            return n;
        }
        n += r;
    }
}

static void
vm_open(struct vm_side *vm, const char *spec)
{
    if (!strncmp(spec, "unix:", 5)) {
        vm->fd = unix_connect(spec + 5, false);
        vm->is_stream = true;
    } else if (!strncmp(spec, "dev:", 4)) {
        vm->fd = packet_socket_open(spec + 4);
        vm->is_stream = false;
    } else {
        ovs_fatal(0, "%s: --vm must be unix:PATH or dev:IFNAME", spec);
    }
}

/* Sends BURST copies of 'frame'.  A stream gets the frames, each after its
 * 2-byte length, in one send; a packet socket gets one sendmmsg().
 * Returns the number of frames handed over. */
static size_t
vm_send_burst(const struct vm_side *vm, const uint8_t *frame, size_t len,
              const struct ofpbuf *stream_burst)
{
    if (vm->is_stream) {
        send_all(vm->fd, stream_burst->data, stream_burst->size);
        return BURST;
    }

    struct mmsghdr msgs[BURST];
    struct iovec iov = { .iov_base = CONST_CAST(uint8_t *, frame),
                         .iov_len = len };
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < BURST; i++) {
        msgs[i].msg_hdr.msg_iov = &iov;
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int n = sendmmsg(vm->fd, msgs, BURST, MSG_DONTWAIT);
    if (n < 0) {
        if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR) {
            struct pollfd pfd = { .fd = vm->fd, .events = POLLOUT };
            poll(&pfd, 1, 10);
            return 0;
        }
        ovs_fatal(errno, "sendmmsg");
    }
    return n;
}

struct options {
    const char *mode;
    const char *fabric;
    const char *vm;
    const char *sink;           /* tx: interface to count arrivals on. */
    const char *name;
    struct eth_addr vm_mac;
    struct eth_addr dst_mac;
    uint16_t lid;               /* The uplink's. */
    uint32_t qpn;               /* Its vif's. */
    struct ipoib_gid gid;       /* The uplink's. */
    size_t size;
    double seconds;
    uint64_t window;            /* 0: the mode's default. */
    const char *ovs;            /* ovs-vswitchd's unixctl socket. */
    const char *port;           /* The uplink's name there. */
};

static void
usage(void)
{
    printf("%s: load generator for one eipoib uplink\n"
           "usage: %s rx --fabric=PATH --lid=LID --qpn=QPN --gid=GID "
           "[COMMON]\n"
           "       %s tx --vm=unix:PATH|dev:IFNAME --vm-mac=MAC\n"
           "             [--fabric=PATH --lid=LID --qpn=QPN --gid=GID | "
           "--dst-mac=MAC [--sink=dev:IFNAME]] [COMMON]\n"
           "       rx also: [--ovs=CTL --port=NAME]\n"
           "COMMON: [--size=28..4092] [--seconds=S] [--name=PORT] "
           "[--window=N]\n",
           program_name, program_name, program_name);
    exit(EXIT_SUCCESS);
}

static void
parse_options(int argc, char *argv[], struct options *o)
{
    static const struct option long_options[] = {
        {"fabric", required_argument, NULL, 'f'},
        {"vm", required_argument, NULL, 'v'},
        {"vm-mac", required_argument, NULL, 'm'},
        {"sink", required_argument, NULL, 's'},
        {"dst-mac", required_argument, NULL, 'd'},
        {"name", required_argument, NULL, 'n'},
        {"lid", required_argument, NULL, 'l'},
        {"qpn", required_argument, NULL, 'q'},
        {"gid", required_argument, NULL, 'g'},
        {"size", required_argument, NULL, 'z'},
        {"seconds", required_argument, NULL, 't'},
        {"window", required_argument, NULL, 'w'},
        {"ovs", required_argument, NULL, 'o'},
        {"port", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool have_gid = false;

    memset(o, 0, sizeof *o);
    o->name = "bench-host";
    o->size = 64;
    o->seconds = 5;
    o->dst_mac = (struct eth_addr) ETH_ADDR_C(02, 00, 00, 00, 00, 01);
    for (;;) {
        int c = getopt_long(argc, argv, "", long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case 'f': o->fabric = optarg; break;
        case 'v': o->vm = optarg; break;
        case 's': o->sink = optarg; break;
        case 'n': o->name = optarg; break;
        case 'l': o->lid = strtoul(optarg, NULL, 0); break;
        case 'q': o->qpn = strtoul(optarg, NULL, 0); break;
        case 'z': o->size = atoi(optarg); break;
        case 't': o->seconds = atof(optarg); break;
        case 'w': o->window = strtoull(optarg, NULL, 0); break;
        case 'o': o->ovs = optarg; break;
        case 'p': o->port = optarg; break;
        case 'h': usage(); break;
        case 'g':
            if (!ipoib_gid_parse(optarg, &o->gid)) {
                ovs_fatal(0, "%s: bad GID", optarg);
            }
            have_gid = true;
            break;
        case 'm':
        case 'd':
            if (!eth_addr_from_string(optarg,
                                      c == 'm' ? &o->vm_mac : &o->dst_mac)) {
                ovs_fatal(0, "%s: bad MAC", optarg);
            }
            break;
        default:
            exit(EXIT_FAILURE);
        }
    }
    if (optind + 1 != argc
        || (strcmp(argv[optind], "rx") && strcmp(argv[optind], "tx"))) {
        ovs_fatal(0, "give one mode, rx or tx (--help for usage)");
    }
    o->mode = argv[optind];
    if (o->size < IP_HEADER_LEN + UDP_HEADER_LEN || o->size > 4092
        || o->seconds <= 0) {
        ovs_fatal(0, "bad --size or --seconds");
    }
    if (!o->ovs != !o->port) {
        ovs_fatal(0, "--ovs and --port go together");
    }
    if (o->fabric && (!o->lid || !o->qpn || !have_gid)) {
        ovs_fatal(0, "--fabric needs --lid, --qpn and --gid of the uplink");
    }
    if (o->sink && (o->fabric || strncmp(o->sink, "dev:", 4))) {
        ovs_fatal(0, "--sink is dev:IFNAME and excludes --fabric");
    }
    if (!strcmp(o->mode, "rx") ? !o->fabric
        : !o->vm || eth_addr_is_zero(o->vm_mac)) {
        ovs_fatal(0, "missing options for mode %s (--help for usage)",
                  o->mode);
    }
}

/* The uplink's received-packet count, from "eipoib/show PORT". */
static uint64_t
uplink_rx_packets(struct jsonrpc *client, const char *port)
{
    char *argv[] = { CONST_CAST(char *, port) };
    char *result = NULL, *error = NULL;
    unsigned long long int n = 0;

    int retval = unixctl_client_transact(client, "eipoib/show", 1, argv,
                                         &result, &error);
    if (retval || error) {
        ovs_fatal(retval, "eipoib/show %s: %s", port, error ? error : "");
    }
    const char *p = strstr(result, "traffic: rx ");
    if (!p || sscanf(p, "traffic: rx %llu", &n) != 1) {
        ovs_fatal(0, "eipoib/show %s: no \"traffic: rx\" line", port);
    }
    free(result);
    return n;
}

/* fabric -> VM. */
static void
run_rx(const struct options *o)
{
    struct jsonrpc *ovs = NULL;
    struct fabric_conn c;

    fabric_open(&c, o->fabric, o->name);
    if (o->ovs) {
        int error = unixctl_client_create(o->ovs, &ovs);
        if (error) {
            ovs_fatal(error, "%s: cannot connect", o->ovs);
        }
    }

    size_t payload_len = IPOIB_HDR_LEN + o->size;
    uint8_t *payload = xmalloc(payload_len);
    ipoib_hdr_put(payload, IPOIB_TYPE_IPV4);
    put_ipv4_udp(payload + IPOIB_HDR_LEN, o->size);

    struct ofpbuf burst;
    ofpbuf_init(&burst, 0);
    for (int i = 0; i < BURST; i++) {
        fabric_put_packet(&burst, &c, o->lid, o->qpn, i, payload,
                          payload_len);
    }

    /* Stay well below the daemon's 4 MiB queue per connection. */
    uint64_t window = MIN(o->window ? o->window : 16384,
                          2 * 1024 * 1024 / (burst.size / BURST));
    window = MAX(window, BURST);

    /* 'taken' counts what the uplink received since we started, plus what
     * we gave up waiting for (lost). */
    uint64_t sent = 0, taken = 0, lost = 0, base_sent = 0;
    uint64_t rx_base = ovs ? uplink_rx_packets(ovs, o->port) : 0;
    double t, warmup = now() + 0.5, start = warmup, end = warmup + o->seconds;
    double progress = now();
    bool measuring = false;
    while ((t = now()) < end) {
        if (!measuring && t >= warmup) {
            measuring = true;
            start = t;
            base_sent = sent;
        }
        if (ovs && sent - taken + BURST > window) {
            uint64_t n = uplink_rx_packets(ovs, o->port) - rx_base + lost;
            if (n > taken) {
                taken = n;
                progress = t;
            } else if (t - progress > 0.2) {
                /* Nothing for 200 ms: what is in flight was dropped. */
                lost += sent - taken;
                taken = sent;
                progress = t;
            } else {
                usleep(1000);
            }
            continue;
        }
        send_all(c.fd, burst.data, burst.size);
        sent += BURST;
        fabric_fill(&c, false);     /* Nothing should come; keep it drained. */
        ofpbuf_clear(&c.rx);
    }
    double elapsed = now() - start;
    uint64_t n = sent - base_sent;
    printf("fabric->VM: IPv4 packet %zu bytes (IB packet %zu): offered %"
           PRIu64" in %.2f s = %.0f packets/s", o->size,
           ib_ud_packet_len(false, payload_len), n, elapsed, n / elapsed);
    if (ovs) {
        printf(" (window %"PRIu64", given up as lost %"PRIu64")", window,
               lost);
        jsonrpc_close(ovs);
    } else {
        printf(" (open loop)");
    }
    putchar('\n');
    free(payload);
    ofpbuf_uninit(&burst);
    close(c.fd);
}

/* Sends an IPoIB ARP reply from 'c' to the uplink's vif, so that the
 * uplink learns 'c' (LID, QPN and GID) as a neighbour. */
static void
fabric_introduce(struct fabric_conn *c, const struct options *o)
{
    static const uint8_t spa[4] = { 10, 0, 0, 1 };
    static const uint8_t tpa[4] = { 10, 0, 0, 2 };
    uint8_t payload[IPOIB_HDR_LEN + IPOIB_ARP_LEN];
    struct ipoib_addr sha, tha;
    struct ofpbuf b;

    ipoib_addr_init(&sha, 0, c->qpn, &c->gid);
    ipoib_addr_init(&tha, 0, o->qpn, &o->gid);
    ipoib_hdr_put(payload, IPOIB_TYPE_ARP);
    ipoib_arp_put(payload + IPOIB_HDR_LEN, IPOIB_ARP_OP_REPLY, &sha, spa,
                  &tha, tpa);
    ofpbuf_init(&b, 0);
    fabric_put_packet(&b, c, o->lid, o->qpn, 0, payload, sizeof payload);
    send_all(c->fd, b.data, b.size);
    ofpbuf_uninit(&b);
}

/* VM -> fabric. */
static void
run_tx(const struct options *o)
{
    struct fabric_conn c;
    struct eth_addr dst = o->dst_mac;

    if (o->fabric) {
        fabric_open(&c, o->fabric, o->name);
        fabric_introduce(&c, o);
        ipoib_remac_from_lid(c.qpn, c.lid, dst.ea);
        /* The uplink handles the ARP on its next poll; no reply comes. */
        usleep(300 * 1000);
    }

    struct vm_side vm;
    vm_open(&vm, o->vm);
    int sink_fd = o->sink ? packet_socket_open(o->sink + 4) : -1;
    bool counting = o->fabric || o->sink;

    size_t frame_len = ETH_HEADER_LEN + o->size;
    uint8_t *frame = xmalloc(frame_len);
    struct eth_header *eh = ALIGNED_CAST(struct eth_header *, frame);
    eh->eth_dst = dst;
    eh->eth_src = o->vm_mac;
    eh->eth_type = htons(ETH_TYPE_IP);
    put_ipv4_udp(frame + ETH_HEADER_LEN, o->size);

    struct ofpbuf stream_burst;
    ofpbuf_init(&stream_burst, 0);
    for (int i = 0; i < BURST; i++) {
        ovs_be16 len = htons(frame_len);
        ofpbuf_put(&stream_burst, &len, sizeof len);
        ofpbuf_put(&stream_burst, frame, frame_len);
    }

    uint64_t window = o->window ? o->window : 256;
    uint64_t sent = 0, received = 0, lost = 0;
    uint64_t base_sent = 0, base_received = 0, base_lost = 0;
    double t, warmup = now() + 0.5, start = warmup, end = warmup + o->seconds;
    bool measuring = false;
    while ((t = now()) < end) {
        if (!measuring && t >= warmup) {
            measuring = true;
            start = t;
            base_sent = sent;
            base_received = received;
            base_lost = lost;
        }

        bool room = !counting || sent - received + BURST <= window;
        struct pollfd pfds[2] = {
            { .fd = vm.fd, .events = room ? POLLOUT : 0 },
            { .fd = o->fabric ? c.fd : sink_fd, .events = POLLIN },
        };
        if (!poll(pfds, 2, 100) && !room) {
            /* Nothing for 100 ms: what is in flight was dropped. */
            lost += sent - received;
            received = sent;
            continue;
        }
        if (pfds[1].revents & POLLIN) {
            if (o->fabric) {
                fabric_fill(&c, false);
                received += fabric_count_data(&c);
            } else {
                received += sink_count(sink_fd);
            }
        }
        if (pfds[0].revents & POLLOUT) {
            sent += vm_send_burst(&vm, frame, frame_len, &stream_burst);
        }
    }
    double elapsed = now() - start;
    uint64_t n_sent = sent - base_sent;
    printf("%s: IPv4 packet %zu bytes (frame %zu) into %s: pushed %"
           PRIu64" in %.2f s = %.0f packets/s",
           o->fabric ? "VM->fabric" : "frames", o->size, frame_len, o->vm,
           n_sent, elapsed, n_sent / elapsed);
    if (counting) {
        uint64_t n = received - base_received - (lost - base_lost);
        printf("; arrived on %s %"PRIu64" = %.0f packets/s "
               "(to "ETH_ADDR_FMT", window %"PRIu64", given up as "
               "lost %"PRIu64")", o->fabric ? "the fabric" : o->sink,
               n, n / elapsed, ETH_ADDR_ARGS(dst), window, lost - base_lost);
    }
    putchar('\n');

    free(frame);
    ofpbuf_uninit(&stream_burst);
    close(vm.fd);
    if (sink_fd >= 0) {
        close(sink_fd);
    }
    if (o->fabric) {
        close(c.fd);
    }
}

int
main(int argc, char *argv[])
{
    struct options o;

    set_program_name(argv[0]);
    parse_options(argc, argv, &o);
    if (!strcmp(o.mode, "rx")) {
        run_rx(&o);
    } else {
        run_tx(&o);
    }
    return 0;
}
