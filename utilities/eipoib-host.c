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

/* eipoib-host: a native IPoIB host on an InfiniBand transport (the soft
 * fabric), bridged to a Linux TUN device, so that a real Linux IP stack (in
 * a network namespace, say) is a plain IPoIB node.  The link layer (ARP,
 * ND, neighbours, multicast mapping) is lib/ipoib-host.c; this file does
 * the I/O: the TUN device, the transport, the stack's addresses and groups,
 * and the control socket. */

#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "command-line.h"
#include "daemon.h"
#include "dp-packet.h"
#include "fatal-signal.h"
#include "ib-transport.h"
#include "ipoib-host.h"
#include "ipoib.h"
#include "netlink-socket.h"
#include "netlink.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "socket-util.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(eipoib_host);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* How often the stack's addresses and multicast groups are re-read. */
#define REFRESH_MS 500

/* Files of the network namespace we run in. */
#define PROC_NET_IGMP "/proc/net/igmp"
#define PROC_NET_IGMP6 "/proc/net/igmp6"
#define DEV_NET_TUN "/dev/net/tun"
#define IPV6_CONF_DIR "/proc/sys/net/ipv6/conf"

/* Packets taken from the TUN device per main-loop iteration. */
#define TUN_BATCH 64

/* Command-line settings. */
static char *fabric_remote;
static char *transport_type = "soft";
static char *tun_name = "ib0";
static bool tun_pi;
static uint16_t pkey = IPOIB_PKEY_DEFAULT;
static char *node_name;
static uint64_t port_guid;
static char *unixctl_path;
static struct ipoib_host_ifaddr *cfg_addrs;
static size_t n_cfg_addrs;
static struct in6_addr gateways[2];
static size_t n_gateways;
struct static_neigh {
    struct in6_addr ip;
    struct ipoib_addr addr;
};
static struct static_neigh *static_neighs;
static size_t n_static_neighs;

/* The running host. */
struct host {
    struct ipoib_host *link;
    struct ib_port *port;
    struct ib_endpoint *ep;
    int tun_fd;
    int tun_ifindex;

    uint64_t epoch;             /* Of the port, when the link came up. */
    struct ipoib_addr own;      /* Our 20-byte address while up. */
    uint16_t lid;
    uint32_t mtu;               /* IPoIB MTU while up. */

    struct ipoib_gid *groups;   /* Joined as full member, sorted. */
    size_t n_groups;
    struct ipoib_gid bcast;
    bool bcast_joined;

    long long int next_refresh;
    struct ipoib_host_outbox out;

    uint64_t tun_read_errors;
    uint64_t tun_write_errors;
    uint64_t tun_rx_truncated;
};

static bool exiting;

static void parse_options(int argc, char *argv[]);
OVS_NO_RETURN static void usage(void);

/* ------------------------------------------------------------------ */
/* Addresses. */

/* Parses "IP" or "IP/PLEN" (IPv4 or IPv6) into IPv4-mapped or IPv6 form.
 * Without a prefix length, a host prefix. */
static bool
parse_ip_prefix(const char *s_, struct in6_addr *addr, unsigned int *plen)
{
    char *s = xstrdup(s_);
    char *slash = strchr(s, '/');
    struct in_addr a4;
    bool ok = true;
    bool v4;

    if (slash) {
        *slash = '\0';
    }
    if (inet_pton(AF_INET, s, &a4) == 1) {
        *addr = in6_addr_mapped_ipv4(a4.s_addr);
        v4 = true;
    } else if (inet_pton(AF_INET6, s, addr) == 1) {
        v4 = false;
    } else {
        ok = false;
        v4 = false;
    }
    if (ok && plen) {
        unsigned int max = v4 ? 32 : 128;
        *plen = max;
        if (slash) {
            char *end;
            unsigned long n = strtoul(slash + 1, &end, 10);
            if (*end || end == slash + 1 || n > max) {
                ok = false;
            } else {
                *plen = n;
            }
        }
    } else if (ok && slash) {
        ok = false;
    }
    free(s);
    return ok;
}

static unsigned int
netmask_plen(const struct sockaddr *sa)
{
    const uint8_t *b;
    size_t len;
    unsigned int plen = 0;

    if (!sa) {
        return 0;
    }
    if (sa->sa_family == AF_INET) {
        b = (const uint8_t *) &ALIGNED_CAST(const struct sockaddr_in *,
                                            sa)->sin_addr;
        len = 4;
    } else {
        b = (const uint8_t *) &ALIGNED_CAST(const struct sockaddr_in6 *,
                                            sa)->sin6_addr;
        len = 16;
    }
    for (size_t i = 0; i < len; i++) {
        for (int bit = 7; bit >= 0 && (b[i] >> bit) & 1; bit--) {
            plen++;
        }
        if (b[i] != 0xff) {
            break;
        }
    }
    return plen;
}

/* The IP addresses of the TUN device plus those configured.  Stores a
 * malloc()ed array. */
static void
read_addresses(struct ipoib_host_ifaddr **addrsp, size_t *np)
{
    struct ipoib_host_ifaddr *addrs = NULL;
    size_t n = 0, allocated = 0;
    struct ifaddrs *ifap, *ifa;

    if (getifaddrs(&ifap)) {
        VLOG_WARN_RL(&rl, "getifaddrs failed (%s)", ovs_strerror(errno));
        ifap = NULL;
    }
    for (ifa = ifap; ifa; ifa = ifa->ifa_next) {
        if (!ifa->ifa_addr || !ifa->ifa_name
            || strcmp(ifa->ifa_name, tun_name)
            || (ifa->ifa_addr->sa_family != AF_INET
                && ifa->ifa_addr->sa_family != AF_INET6)) {
            continue;
        }
        if (n >= allocated) {
            addrs = x2nrealloc(addrs, &allocated, sizeof *addrs);
        }
        struct ipoib_host_ifaddr *a = &addrs[n++];
        if (ifa->ifa_addr->sa_family == AF_INET) {
            const struct sockaddr_in *sin
                = ALIGNED_CAST(const struct sockaddr_in *, ifa->ifa_addr);
            a->addr = in6_addr_mapped_ipv4(sin->sin_addr.s_addr);
        } else {
            const struct sockaddr_in6 *sin6
                = ALIGNED_CAST(const struct sockaddr_in6 *, ifa->ifa_addr);
            a->addr = sin6->sin6_addr;
        }
        a->plen = netmask_plen(ifa->ifa_netmask);
    }
    if (ifap) {
        freeifaddrs(ifap);
    }

    for (size_t i = 0; i < n_cfg_addrs; i++) {
        bool dup = false;
        for (size_t j = 0; j < n; j++) {
            dup = dup || ipv6_addr_equals(&addrs[j].addr, &cfg_addrs[i].addr);
        }
        if (!dup) {
            if (n >= allocated) {
                addrs = x2nrealloc(addrs, &allocated, sizeof *addrs);
            }
            addrs[n++] = cfg_addrs[i];
        }
    }
    *addrsp = addrs;
    *np = n;
}

/* The multicast groups the stack has joined on the TUN device, from
 * /proc/net/igmp and /proc/net/igmp6 (of our network namespace). */
static void
read_stack_groups(struct in6_addr **groupsp, size_t *np)
{
    struct in6_addr *groups = NULL;
    size_t n = 0, allocated = 0;
    char line[256];
    FILE *f;

    f = fopen(PROC_NET_IGMP, "r");
    if (f) {
        bool ours = false;

        while (fgets(line, sizeof line, f)) {
            char dev[IFNAMSIZ + 1];
            unsigned int group;

            if (line[0] != '\t' && line[0] != ' ') {
                /* "Idx\tDevice    : Count Querier" header lines. */
                ours = (sscanf(line, "%*d %16s", dev) == 1
                        && !strcmp(dev, tun_name));
            } else if (ours && sscanf(line, " %8x", &group) == 1) {
                /* Printed as the host-order value of a network-order
                 * address. */
                uint32_t be = group;
                ovs_be32 ip4;

                memcpy(&ip4, &be, 4);
                if (n >= allocated) {
                    groups = x2nrealloc(groups, &allocated, sizeof *groups);
                }
                groups[n++] = in6_addr_mapped_ipv4(ip4);
            }
        }
        fclose(f);
    }

    f = fopen(PROC_NET_IGMP6, "r");
    if (f) {
        while (fgets(line, sizeof line, f)) {
            char dev[IFNAMSIZ + 1], hex[33];

            if (sscanf(line, "%*d %16s %32s", dev, hex) == 2
                && !strcmp(dev, tun_name) && strlen(hex) == 32) {
                struct in6_addr a;
                bool ok = true;

                for (int i = 0; i < 16; i++) {
                    unsigned int byte = 0;
                    ok = ok && sscanf(&hex[i * 2], "%2x", &byte) == 1;
                    a.s6_addr[i] = byte;
                }
                if (ok) {
                    if (n >= allocated) {
                        groups = x2nrealloc(groups, &allocated,
                                            sizeof *groups);
                    }
                    groups[n++] = a;
                }
            }
        }
        fclose(f);
    }
    *groupsp = groups;
    *np = n;
}

/* Adds 'a' to the TUN device through rtnetlink (IPv6 without DAD: a TUN
 * device has no neighbour discovery of its own). */
static int
add_tun_address(int ifindex, const struct ipoib_host_ifaddr *a)
{
    bool v4 = IN6_IS_ADDR_V4MAPPED(&a->addr);
    struct ofpbuf request;
    struct ifaddrmsg *ifm;
    int error;

    ofpbuf_init(&request, 0);
    nl_msg_put_nlmsghdr(&request, sizeof *ifm, RTM_NEWADDR,
                        NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE
                        | NLM_F_REPLACE);
    ifm = ofpbuf_put_zeros(&request, sizeof *ifm);
    ifm->ifa_family = v4 ? AF_INET : AF_INET6;
    ifm->ifa_prefixlen = a->plen;
    ifm->ifa_flags = v4 ? 0 : IFA_F_NODAD;
    ifm->ifa_index = ifindex;
    if (v4) {
        nl_msg_put_unspec(&request, IFA_LOCAL, &a->addr.s6_addr[12], 4);
        nl_msg_put_unspec(&request, IFA_ADDRESS, &a->addr.s6_addr[12], 4);
    } else {
        nl_msg_put_unspec(&request, IFA_LOCAL, &a->addr, 16);
        nl_msg_put_unspec(&request, IFA_ADDRESS, &a->addr, 16);
    }
    error = nl_transact(NETLINK_ROUTE, &request, NULL);
    ofpbuf_uninit(&request);
    return error;
}

/* ------------------------------------------------------------------ */
/* The TUN device. */

static int
tun_open(const char *name, int *ifindexp)
{
    struct ifreq ifr;
    int fd, sock, error;

    fd = open(DEV_NET_TUN, O_RDWR);
    if (fd < 0) {
        ovs_fatal(errno, "/dev/net/tun: open failed");
    }
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | (tun_pi ? 0 : IFF_NO_PI);
    ovs_strlcpy(ifr.ifr_name, name, sizeof ifr.ifr_name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        ovs_fatal(errno, "%s: TUNSETIFF failed", name);
    }
    error = set_nonblocking(fd);
    if (error) {
        ovs_fatal(error, "%s: could not set non-blocking", name);
    }

    /* IPv6 link-local: the kernel would make a random one for a TUN
     * device; an IPoIB interface's comes from its port GUID (RFC 4391
     * section 8), so we add that one ourselves at link up. */
    char *sysctl = xasprintf(IPV6_CONF_DIR "/%s/addr_gen_mode", name);
    FILE *f = fopen(sysctl, "w");
    if (f) {
        fputs("1\n", f);           /* IN6_ADDR_GEN_MODE_NONE */
        fclose(f);
    }
    free(sysctl);

    /* Up, with no ARP of its own (we do it).  A TUN device already has
     * IFF_NOARP; keep it. */
    sock = socket(AF_INET, SOCK_DGRAM, 0);
    if (sock < 0) {
        ovs_fatal(errno, "socket failed");
    }
    if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0) {
        ovs_fatal(errno, "%s: SIOCGIFFLAGS failed", name);
    }
    ifr.ifr_flags |= IFF_UP | IFF_NOARP | IFF_MULTICAST;
    if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0) {
        ovs_fatal(errno, "%s: SIOCSIFFLAGS failed", name);
    }
    if (ioctl(sock, SIOCGIFINDEX, &ifr) < 0) {
        ovs_fatal(errno, "%s: SIOCGIFINDEX failed", name);
    }
    *ifindexp = ifr.ifr_ifindex;
    close(sock);
    return fd;
}

static void
tun_set_mtu(const char *name, uint32_t mtu)
{
    struct ifreq ifr;
    int sock = socket(AF_INET, SOCK_DGRAM, 0);

    memset(&ifr, 0, sizeof ifr);
    ovs_strlcpy(ifr.ifr_name, name, sizeof ifr.ifr_name);
    ifr.ifr_mtu = mtu;
    if (sock < 0 || ioctl(sock, SIOCSIFMTU, &ifr) < 0) {
        VLOG_WARN("%s: could not set MTU %"PRIu32" (%s)",
                  name, mtu, ovs_strerror(errno));
    }
    if (sock >= 0) {
        close(sock);
    }
}

/* Writes IP packet 'ip' to the stack. */
static void
tun_write(struct host *h, const struct ofpbuf *ip)
{
    uint8_t pi[4];
    struct iovec iov[2];
    int n_iov = 0;

    if (tun_pi) {
        int version = ip->size ? ((const uint8_t *) ip->data)[0] >> 4 : 0;
        ipoib_put_be16(&pi[0], 0);
        ipoib_put_be16(&pi[2], version == 6 ? IPOIB_TYPE_IPV6
                                            : IPOIB_TYPE_IPV4);
        iov[n_iov].iov_base = pi;
        iov[n_iov++].iov_len = sizeof pi;
    }
    iov[n_iov].iov_base = ip->data;
    iov[n_iov++].iov_len = ip->size;
    if (writev(h->tun_fd, iov, n_iov) < 0) {
        h->tun_write_errors++;
        VLOG_WARN_RL(&rl, "%s: write failed (%s)", tun_name,
                     ovs_strerror(errno));
    }
}

/* ------------------------------------------------------------------ */
/* The link. */

/* Sends what the link layer produced. */
static void
flush_outbox(struct host *h)
{
    struct ipoib_host_outbox *out = &h->out;
    struct ib_send sends[32];
    size_t n = 0;

    for (size_t i = 0; i < out->n; i++) {
        const struct ipoib_host_pkt *pkt = &out->pkts[i];

        if (pkt->dest == IPOIB_HOST_TO_STACK) {
            tun_write(h, pkt->buf);
            continue;
        }
        sends[n].ep = h->ep;
        sends[n].dst = pkt->dst;
        sends[n].data = pkt->buf->data;
        sends[n].size = pkt->buf->size;
        if (++n == ARRAY_SIZE(sends)) {
            ib_port_send(h->port, sends, n);
            n = 0;
        }
    }
    if (n) {
        ib_port_send(h->port, sends, n);
    }
    ipoib_host_outbox_clear(out);
}

static int
compare_gids(const void *a, const void *b)
{
    return memcmp(a, b, sizeof(struct ipoib_gid));
}

/* Joins the groups the stack needs and leaves the others. */
static void
sync_groups(struct host *h)
{
    struct in6_addr *stack_groups;
    struct ipoib_gid *want;
    size_t n_stack_groups, n_want;

    read_stack_groups(&stack_groups, &n_stack_groups);
    ipoib_host_wanted_groups(h->link, stack_groups, n_stack_groups,
                             &want, &n_want);
    free(stack_groups);

    /* Both lists are sorted: walk them together. */
    size_t i = 0, j = 0;
    while (i < h->n_groups || j < n_want) {
        int cmp = (i >= h->n_groups ? 1
                   : j >= n_want ? -1
                   : compare_gids(&h->groups[i], &want[j]));
        char gid[IPOIB_GID_STRLEN];

        if (cmp < 0) {
            VLOG_DBG("leaving %s", ipoib_gid_format(&h->groups[i], gid));
            ib_endpoint_leave(h->ep, &h->groups[i]);
            i++;
        } else if (cmp > 0) {
            VLOG_DBG("joining %s", ipoib_gid_format(&want[j], gid));
            ib_endpoint_join(h->ep, &want[j], IB_JOIN_FULL);
            j++;
        } else {
            i++;
            j++;
        }
    }
    free(h->groups);
    h->groups = want;
    h->n_groups = n_want;
}

/* Re-reads the stack's addresses; announces new ones. */
static void
sync_addresses(struct host *h, long long int now)
{
    const struct ipoib_host_ifaddr *old;
    struct ipoib_host_ifaddr *addrs;
    size_t n_old, n;

    read_addresses(&addrs, &n);
    ipoib_host_get_addrs(h->link, &old, &n_old);
    if (n != n_old || memcmp(addrs, old, n * sizeof *addrs)) {
        struct ds s = DS_EMPTY_INITIALIZER;

        for (size_t i = 0; i < n; i++) {
            ds_put_char(&s, ' ');
            ipv6_format_mapped(&addrs[i].addr, &s);
            ds_put_format(&s, "/%u", addrs[i].plen);
        }
        VLOG_INFO("%s: addresses:%s", tun_name, ds_cstr(&s));
        ds_destroy(&s);
        ipoib_host_set_addrs(h->link, addrs, n, now);
    }
    free(addrs);
}

/* Adds fe80::/64 + the port GUID with the universal/local bit flipped, as
 * Linux ipoib does (dev_addr[12..19], eui[0] ^= 2). */
static void
add_link_local(struct host *h, const struct ipoib_gid *gid)
{
    struct ipoib_host_ifaddr ll;
    int error;

    memset(&ll, 0, sizeof ll);
    ll.addr.s6_addr[0] = 0xfe;
    ll.addr.s6_addr[1] = 0x80;
    memcpy(&ll.addr.s6_addr[8], &gid->b[8], 8);
    ll.addr.s6_addr[8] ^= 0x02;
    ll.plen = 64;
    error = add_tun_address(h->tun_ifindex, &ll);
    if (error && error != EEXIST) {
        VLOG_WARN("%s: could not add link-local address (%s)",
                  tun_name, ovs_strerror(error));
    }
}

/* Follows the transport: link up with our address when the port is
 * active and our QP exists, down otherwise. */
static void
track_port(struct host *h, long long int now)
{
    struct ib_port_attr attr;
    struct ipoib_addr own;

    ib_port_get_attr(h->port, &attr);
    bool usable = (attr.state == IB_PORT_ACTIVE
                   && ib_endpoint_get_addr(h->ep, &own));
    if (!usable) {
        if (ipoib_host_is_up(h->link)) {
            VLOG_INFO("%s: link down (fabric port %s)", tun_name,
                      ib_port_state_to_string(attr.state));
            ipoib_host_link_down(h->link);
        }
        return;
    }

    uint32_t mtu = ib_port_attr_ipoib_mtu(&attr);
    if (ipoib_host_is_up(h->link) && attr.epoch == h->epoch
        && ipoib_addr_equals(&own, &h->own) && attr.lid == h->lid
        && mtu == h->mtu) {
        return;
    }

    char addr_s[IPOIB_ADDR_STRLEN];
    VLOG_INFO("%s: link up: address %s LID 0x%04"PRIx16" P_Key 0x%04"PRIx16
              " MTU %"PRIu32, tun_name, ipoib_addr_format(&own, addr_s),
              attr.lid, attr.pkey, mtu);
    if (mtu != h->mtu) {
        tun_set_mtu(tun_name, mtu);
    }
    h->epoch = attr.epoch;
    h->own = own;
    h->lid = attr.lid;
    h->mtu = mtu;
    ipoib_broadcast_mgid(attr.pkey, IPOIB_SCOPE_LINK, &h->bcast);
    if (!h->bcast_joined) {
        ib_endpoint_join(h->ep, &h->bcast, IB_JOIN_FULL);
        h->bcast_joined = true;
    }
    add_link_local(h, &attr.gid);
    ipoib_host_link_up(h->link, &own, attr.lid, attr.pkey, mtu,
                       IPOIB_SCOPE_LINK, now);
    sync_groups(h);
}

static void
read_tun(struct host *h, long long int now)
{
    uint8_t buf[65536 + 4];

    for (int i = 0; i < TUN_BATCH; i++) {
        ssize_t n = read(h->tun_fd, buf, sizeof buf);

        if (n < 0) {
            if (errno != EAGAIN && errno != EINTR) {
                h->tun_read_errors++;
                VLOG_WARN_RL(&rl, "%s: read failed (%s)", tun_name,
                             ovs_strerror(errno));
            }
            break;
        }
        const uint8_t *ip = buf;
        if (tun_pi) {
            if (n < 4) {
                h->tun_rx_truncated++;
                continue;
            }
            ip += 4;
            n -= 4;
        }
        ipoib_host_from_stack(h->link, ip, n, now, &h->out);
    }
}

static void
read_fabric(struct host *h, long long int now)
{
    for (int batch = 0; batch < 4; batch++) {
        struct ib_recv recvs[IB_RECV_BATCH];
        size_t n;

        if (ib_port_recv(h->port, recvs, ARRAY_SIZE(recvs), &n)) {
            break;
        }
        for (size_t i = 0; i < n; i++) {
            struct ipoib_host_rx rx = {
                .src_qpn = recvs[i].src_qpn,
                .slid = recvs[i].slid,
                .multicast = recvs[i].dest != IB_DEST_UNICAST,
            };

            ipoib_host_from_ib(h->link, dp_packet_data(recvs[i].packet),
                               dp_packet_size(recvs[i].packet), &rx, now,
                               &h->out);
            dp_packet_delete(recvs[i].packet);
        }
        flush_outbox(h);
    }
}

/* ------------------------------------------------------------------ */
/* Control. */

static void
host_unixctl_exit(struct unixctl_conn *conn, int argc OVS_UNUSED,
                  const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    exiting = true;
    unixctl_command_reply(conn, NULL);
}

static void
host_unixctl_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
                  const char *argv[] OVS_UNUSED, void *h_)
{
    struct host *h = h_;
    struct ds s = DS_EMPTY_INITIALIZER;
    struct ib_port_attr attr;
    const struct ipoib_host_ifaddr *addrs;
    size_t n_addrs;
    char buf[IPOIB_ADDR_STRLEN];

    ib_port_get_attr(h->port, &attr);
    ds_put_format(&s, "%s: link %s\n", tun_name,
                  ipoib_host_is_up(h->link) ? "up" : "down");
    ds_put_format(&s, "  address: %s\n",
                  ipoib_host_is_up(h->link)
                  ? ipoib_addr_format(&h->own, buf) : "none");
    ds_put_format(&s, "  qpn: 0x%06"PRIx32"\n", ib_endpoint_qpn(h->ep));
    ds_put_format(&s, "  lid: 0x%04"PRIx16"\n", attr.lid);
    ds_put_format(&s, "  gid: %s\n", ipoib_gid_format(&attr.gid, buf));
    ds_put_format(&s, "  pkey: 0x%04"PRIx16"\n", attr.pkey);
    ds_put_format(&s, "  qkey: 0x%08"PRIx32"\n", attr.qkey);
    ds_put_format(&s, "  mtu: %"PRIu32"\n", ib_port_attr_ipoib_mtu(&attr));

    ds_put_cstr(&s, "  ip addresses:");
    ipoib_host_get_addrs(h->link, &addrs, &n_addrs);
    for (size_t i = 0; i < n_addrs; i++) {
        ds_put_char(&s, ' ');
        ipv6_format_mapped(&addrs[i].addr, &s);
        ds_put_format(&s, "/%u", addrs[i].plen);
    }
    ds_put_cstr(&s, "\n  groups:\n");
    if (h->bcast_joined) {
        ds_put_format(&s, "    %s (broadcast)\n",
                      ipoib_gid_format(&h->bcast, buf));
    }
    for (size_t i = 0; i < h->n_groups; i++) {
        ds_put_format(&s, "    %s\n", ipoib_gid_format(&h->groups[i], buf));
    }

    ds_put_cstr(&s, "  neighbors:\n");
    struct ds neighs = DS_EMPTY_INITIALIZER;
    ipoib_neigh_format(ipoib_host_neighbors(h->link), time_msec(), &neighs);
    const char *line = ds_cstr(&neighs);
    while (*line) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? nl - line : strlen(line);
        ds_put_format(&s, "    %.*s\n", (int) len, line);
        line += len + (nl != NULL);
    }
    ds_destroy(&neighs);

    ds_put_cstr(&s, "  counters:\n");
    ipoib_host_format_counters(h->link, &s);
    ds_put_format(&s, "  tun-read-errors: %"PRIu64"\n", h->tun_read_errors);
    ds_put_format(&s, "  tun-write-errors: %"PRIu64"\n", h->tun_write_errors);
    ds_put_format(&s, "  tun-rx-truncated: %"PRIu64"\n", h->tun_rx_truncated);

    ds_put_cstr(&s, "transport:\n");
    ib_port_format(h->port, &s);
    struct ib_counter *counters;
    size_t n_counters;
    ib_port_get_counters(h->port, &counters, &n_counters);
    for (size_t i = 0; i < n_counters; i++) {
        ds_put_format(&s, "  %s: %"PRIu64"\n", counters[i].name,
                      counters[i].value);
    }
    free(counters);

    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

static void
host_unixctl_neighbors(struct unixctl_conn *conn, int argc OVS_UNUSED,
                       const char *argv[] OVS_UNUSED, void *h_)
{
    struct host *h = h_;
    struct ds s = DS_EMPTY_INITIALIZER;

    ipoib_neigh_format(ipoib_host_neighbors(h->link), time_msec(), &s);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

static void
host_unixctl_add_neighbor(struct unixctl_conn *conn, int argc OVS_UNUSED,
                          const char *argv[], void *h_)
{
    struct host *h = h_;
    struct in6_addr ip;
    struct ipoib_addr addr;

    if (!parse_ip_prefix(argv[1], &ip, NULL)) {
        unixctl_command_reply_error(conn, "bad IP address");
    } else if (!ipoib_addr_parse(argv[2], &addr)) {
        unixctl_command_reply_error(conn, "bad IPoIB address");
    } else {
        ipoib_host_add_neighbor(h->link, &ip, &addr, &h->out);
        flush_outbox(h);
        unixctl_command_reply(conn, NULL);
    }
}

static void
host_unixctl_del_neighbor(struct unixctl_conn *conn, int argc OVS_UNUSED,
                          const char *argv[], void *h_)
{
    struct host *h = h_;
    struct in6_addr ip;

    if (!parse_ip_prefix(argv[1], &ip, NULL)) {
        unixctl_command_reply_error(conn, "bad IP address");
    } else if (!ipoib_host_del_neighbor(h->link, &ip)) {
        unixctl_command_reply_error(conn, "no such neighbor");
    } else {
        unixctl_command_reply(conn, NULL);
    }
}

/* ------------------------------------------------------------------ */
/* Main. */

int
main(int argc, char *argv[])
{
    struct unixctl_server *unixctl;
    struct host h;
    int error;

    ovs_cmdl_proctitle_init(argc, argv);
    set_program_name(argv[0]);
    service_start(&argc, &argv);
    parse_options(argc, argv);
    fatal_ignore_sigpipe();

    daemonize_start(false);

    error = unixctl_server_create(unixctl_path, &unixctl);
    if (error) {
        exit(EXIT_FAILURE);
    }

    memset(&h, 0, sizeof h);
    h.link = ipoib_host_create(NULL);
    ipoib_host_outbox_init(&h.out);
    for (size_t i = 0; i < n_gateways; i++) {
        ipoib_host_set_gateway(h.link, &gateways[i]);
    }
    h.tun_fd = tun_open(tun_name, &h.tun_ifindex);
    for (size_t i = 0; i < n_cfg_addrs; i++) {
        error = add_tun_address(h.tun_ifindex, &cfg_addrs[i]);
        if (error && error != EEXIST) {
            ovs_fatal(error, "%s: could not add address", tun_name);
        }
    }

    struct ib_port_options options = {
        .pkey = pkey,
        .node_name = node_name,
        .guid = port_guid,
    };
    error = ib_port_open(transport_type, fabric_remote, &options, &h.port);
    if (error) {
        ovs_fatal(error, "%s: could not open IB transport \"%s\"",
                  fabric_remote, transport_type);
    }
    error = ib_endpoint_create(h.port, IB_EP_BLOCK_SELF_MCAST_LOOPBACK, &h,
                               &h.ep);
    if (error) {
        ovs_fatal(error, "could not create the UD endpoint");
    }
    for (size_t i = 0; i < n_static_neighs; i++) {
        ipoib_host_add_neighbor(h.link, &static_neighs[i].ip,
                                &static_neighs[i].addr, &h.out);
    }
    ipoib_host_outbox_clear(&h.out);

    unixctl_command_register("exit", "", 0, 0, host_unixctl_exit, NULL);
    unixctl_command_register("eipoib-host/show", "", 0, 0,
                             host_unixctl_show, &h);
    unixctl_command_register("eipoib-host/neighbors", "", 0, 0,
                             host_unixctl_neighbors, &h);
    unixctl_command_register("eipoib-host/add-neighbor", "IP ADDRESS", 2, 2,
                             host_unixctl_add_neighbor, &h);
    unixctl_command_register("eipoib-host/del-neighbor", "IP", 1, 1,
                             host_unixctl_del_neighbor, &h);

    daemonize_complete();
    VLOG_INFO("%s: bridging to IB transport %s:%s, P_Key 0x%04"PRIx16,
              tun_name, transport_type, fabric_remote, pkey);

    while (!exiting) {
        long long int now = time_msec();

        unixctl_server_run(unixctl);
        ib_port_run(h.port);
        track_port(&h, now);

        if (now >= h.next_refresh) {
            sync_addresses(&h, now);
            if (ipoib_host_is_up(h.link)) {
                sync_groups(&h);
            }
            h.next_refresh = now + REFRESH_MS;
        }

        read_tun(&h, now);
        flush_outbox(&h);
        read_fabric(&h, now);
        ipoib_host_run(h.link, now, &h.out);
        flush_outbox(&h);

        unixctl_server_wait(unixctl);
        ib_port_wait(h.port);
        ib_port_recv_wait(h.port);
        poll_fd_wait(h.tun_fd, POLLIN);
        poll_timer_wait_until(MIN(h.next_refresh,
                                  ipoib_host_next_wake(h.link)));
        if (exiting) {
            poll_immediate_wake();
        }
        poll_block();
    }

    ib_endpoint_destroy(h.ep);
    ib_port_close(h.port);
    ipoib_host_outbox_destroy(&h.out);
    ipoib_host_destroy(h.link);
    free(h.groups);
    close(h.tun_fd);
    unixctl_server_destroy(unixctl);
    return 0;
}

static void
parse_options(int argc, char *argv[])
{
    enum {
        OPT_FABRIC = UCHAR_MAX + 1,
        OPT_TRANSPORT,
        OPT_TUN,
        OPT_PI,
        OPT_PKEY,
        OPT_NAME,
        OPT_GUID,
        OPT_ADDRESS,
        OPT_GATEWAY,
        OPT_NEIGHBOR,
        OPT_UNIXCTL,
        DAEMON_OPTION_ENUMS,
        VLOG_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"fabric", required_argument, NULL, OPT_FABRIC},
        {"transport", required_argument, NULL, OPT_TRANSPORT},
        {"tun", required_argument, NULL, OPT_TUN},
        {"pi", no_argument, NULL, OPT_PI},
        {"pkey", required_argument, NULL, OPT_PKEY},
        {"name", required_argument, NULL, OPT_NAME},
        {"guid", required_argument, NULL, OPT_GUID},
        {"address", required_argument, NULL, OPT_ADDRESS},
        {"gateway", required_argument, NULL, OPT_GATEWAY},
        {"neighbor", required_argument, NULL, OPT_NEIGHBOR},
        {"unixctl", required_argument, NULL, OPT_UNIXCTL},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        DAEMON_LONG_OPTIONS,
        VLOG_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    char *short_options = ovs_cmdl_long_options_to_short_options(long_options);

    for (;;) {
        int c = getopt_long(argc, argv, short_options, long_options, NULL);
        if (c == -1) {
            break;
        }

        switch (c) {
        case OPT_FABRIC:
            fabric_remote = optarg;
            break;

        case OPT_TRANSPORT:
            transport_type = optarg;
            break;

        case OPT_TUN:
            if (!optarg[0] || strlen(optarg) >= IFNAMSIZ) {
                ovs_fatal(0, "%s: bad TUN device name", optarg);
            }
            tun_name = optarg;
            break;

        case OPT_PI:
            tun_pi = true;
            break;

        case OPT_PKEY: {
            char *end;
            unsigned long v = strtoul(optarg, &end, 0);
            if (*end || v > 0xffff || !ipoib_pkey_is_valid(v)) {
                ovs_fatal(0, "%s: bad P_Key", optarg);
            }
            pkey = v;
            break;
        }

        case OPT_NAME:
            node_name = optarg;
            break;

        case OPT_GUID: {
            char *end;
            port_guid = strtoull(optarg, &end, 0);
            if (*end) {
                ovs_fatal(0, "%s: bad GUID", optarg);
            }
            break;
        }

        case OPT_ADDRESS: {
            struct ipoib_host_ifaddr a;
            if (!parse_ip_prefix(optarg, &a.addr, &a.plen)) {
                ovs_fatal(0, "%s: bad address (IP[/PLEN])", optarg);
            }
            cfg_addrs = xrealloc(cfg_addrs,
                                 (n_cfg_addrs + 1) * sizeof *cfg_addrs);
            cfg_addrs[n_cfg_addrs++] = a;
            break;
        }

        case OPT_GATEWAY:
            if (n_gateways >= ARRAY_SIZE(gateways)
                || !parse_ip_prefix(optarg, &gateways[n_gateways], NULL)) {
                ovs_fatal(0, "%s: bad gateway (one IPv4, one IPv6)", optarg);
            }
            n_gateways++;
            break;

        case OPT_NEIGHBOR: {
            char *copy = xstrdup(optarg);
            char *comma = strchr(copy, ',');
            struct static_neigh sn;

            if (!comma) {
                ovs_fatal(0, "%s: bad neighbor (IP,ADDRESS)", optarg);
            }
            *comma = '\0';
            if (!parse_ip_prefix(copy, &sn.ip, NULL)
                || !ipoib_addr_parse(comma + 1, &sn.addr)) {
                ovs_fatal(0, "%s: bad neighbor (IP,ADDRESS)", optarg);
            }
            free(copy);
            static_neighs = xrealloc(static_neighs, (n_static_neighs + 1)
                                     * sizeof *static_neighs);
            static_neighs[n_static_neighs++] = sn;
            break;
        }

        case OPT_UNIXCTL:
            unixctl_path = optarg;
            break;

        case 'h':
            usage();

        case 'V':
            ovs_print_version(0, 0);
            exit(EXIT_SUCCESS);

        DAEMON_OPTION_HANDLERS
        VLOG_OPTION_HANDLERS

        case '?':
            exit(EXIT_FAILURE);

        default:
            OVS_NOT_REACHED();
        }
    }
    free(short_options);

    if (optind < argc) {
        ovs_fatal(0, "unexpected argument \"%s\"; use --help for usage",
                  argv[optind]);
    }
    if (!fabric_remote) {
        ovs_fatal(0, "--fabric is required; use --help for usage");
    }
}

static void
usage(void)
{
    printf("%s: a native IPoIB host, bridging an InfiniBand transport to a "
           "TUN device\n"
           "usage: %s --fabric=REMOTE [OPTIONS]\n"
           "\nTransport:\n"
           "  --fabric=REMOTE         fabric to attach to, e.g. unix:PATH\n"
           "  --transport=TYPE        IB transport (default: soft)\n"
           "  --pkey=PKEY             partition (default: 0xffff)\n"
           "  --name=NAME             port name on the fabric\n"
           "  --guid=GUID             request a port GUID\n"
           "\nIP side:\n"
           "  --tun=NAME              TUN device (default: ib0)\n"
           "  --pi                    TUN with packet information header\n"
           "  --address=IP[/PLEN]     add address to the TUN device "
           "(repeatable)\n"
           "  --gateway=IP            next hop for off-link destinations\n"
           "  --neighbor=IP,ADDRESS   static neighbor (repeatable)\n"
           "  --unixctl=SOCKET        override default control socket name\n",
           program_name, program_name);
    daemon_usage();
    vlog_usage();
    printf("\nOther options:\n"
           "  -h, --help              display this help message\n"
           "  -V, --version           display version information\n");
    exit(EXIT_SUCCESS);
}
