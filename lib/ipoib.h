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
 *
 * Alternatively, this file may be distributed under the terms of the GNU
 * General Public License version 2: the Linux kernel module in
 * datapath/linux/ compiles it (SPDX: Apache-2.0 OR GPL-2.0-only).
 */

#ifndef IPOIB_H
#define IPOIB_H 1

/* IPoIB wire formats (RFC 4391, RFC 4390, RFC 4755 flags).
 *
 * Byte layouts only: no OVS types, no I/O, no allocation, so that userspace,
 * fuzzers and a Linux kernel module can all compile this file.  Every
 * multi-byte field is kept as bytes in network order; the ipoib_get_be*()
 * and ipoib_put_be*() helpers read and write them at any alignment.
 *
 * Layout reference: ../shared/ref/ipoib-wire.md (section numbers below). */

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#endif

/* ---------------------------------------------------------------------- */
/* Byte order helpers (any alignment). */

static inline uint16_t
ipoib_get_be16(const uint8_t *p)
{
    return (uint16_t) ((p[0] << 8) | p[1]);
}

static inline uint32_t
ipoib_get_be24(const uint8_t *p)
{
    return ((uint32_t) p[0] << 16) | ((uint32_t) p[1] << 8) | p[2];
}

static inline uint32_t
ipoib_get_be32(const uint8_t *p)
{
    return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16)
           | ((uint32_t) p[2] << 8) | p[3];
}

static inline void
ipoib_put_be16(uint8_t *p, uint16_t x)
{
    p[0] = x >> 8;
    p[1] = x;
}

static inline void
ipoib_put_be24(uint8_t *p, uint32_t x)
{
    p[0] = x >> 16;
    p[1] = x >> 8;
    p[2] = x;
}

static inline void
ipoib_put_be32(uint8_t *p, uint32_t x)
{
    p[0] = x >> 24;
    p[1] = x >> 16;
    p[2] = x >> 8;
    p[3] = x;
}

/* ---------------------------------------------------------------------- */
/* Constants. */

/* EtherTypes carried in the IPoIB header (RFC 4391 section 6). */
#define IPOIB_TYPE_IPV4 0x0800
#define IPOIB_TYPE_ARP  0x0806
#define IPOIB_TYPE_RARP 0x8035
#define IPOIB_TYPE_IPV6 0x86dd

#define IPOIB_GID_LEN   16
#define IPOIB_ADDR_LEN  20      /* Link-layer address: flags, QPN, GID. */
#define IPOIB_HDR_LEN   4       /* Encapsulation header: type, reserved. */

/* Flags byte of the 20-byte address (RFC 4755 section 3.1).  A UD-only
 * implementation advertises 0 (DESIGN 3.5). */
#define IPOIB_ADDR_FLAG_RC 0x80
#define IPOIB_ADDR_FLAG_UC 0x40

#define IPOIB_QPN_MASK  0xffffff
#define IPOIB_MCAST_QPN 0xffffff /* DestQP of every multicast send. */

/* P_Keys (section 1.4): bit 15 is full membership. */
#define IPOIB_PKEY_FULL_MEMBER 0x8000
#define IPOIB_PKEY_DEFAULT     0xffff

/* Q_Key OpenSM gives the IPoIB broadcast group (section 1.5). */
#define IPOIB_QKEY_DEFAULT 0x00000b1b

/* MGID layout (section 1.3): ff 1S SSSS PPPP <80-bit group ID>. */
#define IPOIB_MGID_SIG_IPV4 0x401b
#define IPOIB_MGID_SIG_IPV6 0x601b
#define IPOIB_SCOPE_LINK    0x2 /* Recommended broadcast-group scope. */

/* UD-mode IPoIB MTU for an IB MTU (section 1.6): 2044 for 2048, etc. */
#define IPOIB_UD_MTU(IB_MTU) ((IB_MTU) - IPOIB_HDR_LEN)

/* ARP over IPoIB (section 2): hardware type 32, 20-byte addresses. */
#define IPOIB_ARP_HTYPE 32
#define IPOIB_ARP_LEN   56

/* ARP/RARP opcodes. */
#define IPOIB_ARP_OP_REQUEST      1
#define IPOIB_ARP_OP_REPLY        2
#define IPOIB_ARP_OP_RREQUEST     3
#define IPOIB_ARP_OP_RREPLY       4

/* ND source/target link-layer address option over IPoIB (section 3):
 * type, length 3 (24 bytes), two zero pad bytes, then the address. */
#define IPOIB_ND_OPT_SLLA    1
#define IPOIB_ND_OPT_TLLA    2
#define IPOIB_ND_OPT_LEN     24
#define IPOIB_ND_OPT_UNITS   3
#define IPOIB_ND_OPT_PAD     2

/* DHCP over IPoIB (section 4): htype 32, hlen 0, chaddr zero. */
#define IPOIB_DHCP_HTYPE 32
#define IPOIB_DHCP_HLEN  0

/* ---------------------------------------------------------------------- */
/* Addresses. */

/* A GID (or MGID): 16 bytes, network order.  For unicast, subnet prefix
 * (bytes 0..7) and GUID (bytes 8..15). */
struct ipoib_gid {
    uint8_t b[IPOIB_GID_LEN];
};

/* The 20-byte IPoIB link-layer address (section 1.1):
 *   byte 0 flags, bytes 1..3 QPN, bytes 4..19 GID. */
struct ipoib_addr {
    uint8_t b[IPOIB_ADDR_LEN];
};

static inline uint8_t
ipoib_addr_flags(const struct ipoib_addr *a)
{
    return a->b[0];
}

static inline uint32_t
ipoib_addr_qpn(const struct ipoib_addr *a)
{
    return ipoib_get_be24(&a->b[1]);
}

static inline const uint8_t *
ipoib_addr_gid_bytes(const struct ipoib_addr *a)
{
    return &a->b[4];
}

static inline void
ipoib_addr_get_gid(const struct ipoib_addr *a, struct ipoib_gid *gid)
{
    memcpy(gid->b, &a->b[4], IPOIB_GID_LEN);
}

/* Builds an address from its parts (QPN is masked to 24 bits). */
static inline void
ipoib_addr_init(struct ipoib_addr *a, uint8_t flags, uint32_t qpn,
                const struct ipoib_gid *gid)
{
    a->b[0] = flags;
    ipoib_put_be24(&a->b[1], qpn & IPOIB_QPN_MASK);
    memcpy(&a->b[4], gid->b, IPOIB_GID_LEN);
}

static inline bool
ipoib_addr_equals(const struct ipoib_addr *a, const struct ipoib_addr *b)
{
    return !memcmp(a->b, b->b, IPOIB_ADDR_LEN);
}

/* True if 'a' and 'b' name the same peer, ignoring the flags byte (which
 * receivers must ignore, RFC 4755). */
static inline bool
ipoib_addr_same_peer(const struct ipoib_addr *a, const struct ipoib_addr *b)
{
    return !memcmp(&a->b[1], &b->b[1], IPOIB_ADDR_LEN - 1);
}

static inline bool
ipoib_gid_is_multicast(const struct ipoib_gid *gid)
{
    return gid->b[0] == 0xff;
}

/* True if 'qpn' can be the QPN of a peer's UD endpoint: not QP0 (SMI), QP1
 * (GSI) or the multicast QPN. */
static inline bool
ipoib_qpn_is_unicast(uint32_t qpn)
{
    qpn &= IPOIB_QPN_MASK;
    return qpn > 1 && qpn != IPOIB_MCAST_QPN;
}

/* True if 'gid' can be a port's GID: neither multicast nor all zeros. */
static inline bool
ipoib_gid_is_unicast(const struct ipoib_gid *gid)
{
    static const struct ipoib_gid zero;

    return gid->b[0] != 0xff && memcmp(gid->b, zero.b, IPOIB_GID_LEN);
}

/* True if 'a' can be a peer's unicast address (flags ignored). */
static inline bool
ipoib_addr_is_unicast(const struct ipoib_addr *a)
{
    struct ipoib_gid gid;

    ipoib_addr_get_gid(a, &gid);
    return (ipoib_qpn_is_unicast(ipoib_addr_qpn(a))
            && ipoib_gid_is_unicast(&gid));
}

/* True if 'a' is a multicast/broadcast destination.  Like Linux, looks at
 * the first GID byte. */
static inline bool
ipoib_addr_is_multicast(const struct ipoib_addr *a)
{
    return a->b[4] == 0xff;
}

/* Text forms.
 *
 * Address: 20 colon-separated hex bytes, lower case, e.g.
 *   "80:00:00:48:fe:80:00:00:00:00:00:00:00:02:c9:03:00:01:23:45".
 * GID: IPv6 text, compressed per RFC 5952, e.g. "fe80::2:c903:1:2345". */
#define IPOIB_ADDR_STRLEN (IPOIB_ADDR_LEN * 3)  /* Including the NUL. */
#define IPOIB_GID_STRLEN  40                    /* Including the NUL. */

char *ipoib_addr_format(const struct ipoib_addr *, char s[IPOIB_ADDR_STRLEN]);
bool ipoib_addr_parse(const char *s, struct ipoib_addr *);
char *ipoib_gid_format(const struct ipoib_gid *, char s[IPOIB_GID_STRLEN]);
bool ipoib_gid_parse(const char *s, struct ipoib_gid *);

/* ---------------------------------------------------------------------- */
/* P_Keys, broadcast address, MGIDs (section 1.3, 1.4). */

/* The P_Key with the full-member bit set, as used in MGIDs and the
 * broadcast address (RFC 4391 section 4.1). */
static inline uint16_t
ipoib_pkey_full(uint16_t pkey)
{
    return pkey | IPOIB_PKEY_FULL_MEMBER;
}

/* True if 'pkey' can be a partition key: its low 15 bits are not zero. */
static inline bool
ipoib_pkey_is_valid(uint16_t pkey)
{
    return (pkey & 0x7fff) != 0;
}

/* Broadcast-GID ff1S:401b:PPPP::ffff:ffff for 'pkey' (full-member bit
 * forced) and 'scope' (low nibble). */
void ipoib_broadcast_mgid(uint16_t pkey, uint8_t scope, struct ipoib_gid *);

/* Broadcast link-layer address: flags 0, QPN 0xffffff, broadcast-GID. */
void ipoib_broadcast_addr(uint16_t pkey, uint8_t scope, struct ipoib_addr *);

/* MGID of IPv4 group 'ip4' (4 bytes, network order): low 28 bits of the
 * group in the low 28 bits, signature 0x401b.  The scope and P_Key are the
 * broadcast group's (pass them from the broadcast-GID). */
void ipoib_mgid_from_ipv4(const uint8_t ip4[4], uint16_t pkey, uint8_t scope,
                          struct ipoib_gid *);

/* MGID of IPv6 group 'ip6' (16 bytes): low 80 bits of the group, signature
 * 0x601b; the group's own scope nibble is not used. */
void ipoib_mgid_from_ipv6(const uint8_t ip6[16], uint16_t pkey, uint8_t scope,
                          struct ipoib_gid *);

/* 20-byte link address of multicast group 'mgid': 00:ff:ff:ff + MGID. */
void ipoib_mcast_addr(const struct ipoib_gid *mgid, struct ipoib_addr *);

/* Fields of an IPoIB MGID. */
static inline uint8_t
ipoib_mgid_scope(const struct ipoib_gid *mgid)
{
    return mgid->b[1] & 0x0f;
}

static inline uint16_t
ipoib_mgid_signature(const struct ipoib_gid *mgid)
{
    return ipoib_get_be16(&mgid->b[2]);
}

static inline uint16_t
ipoib_mgid_pkey(const struct ipoib_gid *mgid)
{
    return ipoib_get_be16(&mgid->b[4]);
}

/* True if 'mgid' is an IPoIB broadcast-GID (any scope and P_Key). */
bool ipoib_mgid_is_broadcast(const struct ipoib_gid *mgid);

/* Ethernet multicast MAC for an IPoIB MGID: 01:00:5e + low 23 bits for
 * IPv4 groups, 33:33 + low 32 bits for IPv6 groups, ff:ff:ff:ff:ff:ff for a
 * broadcast-GID.  Returns false (and leaves 'mac' alone) if 'mgid' is not an
 * IPoIB MGID.  The MAC depends only on bits the MGID keeps, so it equals the
 * MAC derived from the IP destination. */
bool ipoib_mgid_to_mac(const struct ipoib_gid *mgid, uint8_t mac[6]);

/* ---------------------------------------------------------------------- */
/* The 4-byte encapsulation header (section 1.2). */

struct ipoib_hdr {
    uint8_t type[2];            /* EtherType, network order. */
    uint8_t reserved[2];        /* Sent as 0, ignored on receipt. */
};

static inline void
ipoib_hdr_put(uint8_t *p, uint16_t type)
{
    ipoib_put_be16(p, type);
    p[2] = p[3] = 0;
}

static inline uint16_t
ipoib_hdr_type(const uint8_t *p)
{
    return ipoib_get_be16(p);
}

/* True for the types RFC 4391 lets IPoIB carry (IPv4, IPv6, ARP, RARP). */
static inline bool
ipoib_type_is_supported(uint16_t type)
{
    return (type == IPOIB_TYPE_IPV4 || type == IPOIB_TYPE_IPV6
            || type == IPOIB_TYPE_ARP || type == IPOIB_TYPE_RARP);
}

/* ---------------------------------------------------------------------- */
/* ARP/RARP over IPoIB (section 2): 56 bytes. */

struct ipoib_arp {
    uint8_t htype[2];           /* 32 */
    uint8_t ptype[2];           /* 0x0800 */
    uint8_t hlen;               /* 20 */
    uint8_t plen;               /* 4 */
    uint8_t oper[2];
    struct ipoib_addr sha;
    uint8_t spa[4];
    struct ipoib_addr tha;
    uint8_t tpa[4];
};

/* Writes a complete IPoIB ARP body (IPOIB_ARP_LEN bytes) at 'p'.  'tha' may
 * be NULL for 20 zero bytes. */
void ipoib_arp_put(uint8_t *p, uint16_t oper,
                   const struct ipoib_addr *sha, const uint8_t spa[4],
                   const struct ipoib_addr *tha, const uint8_t tpa[4]);

/* True if the 'len' bytes at 'p' hold an IPoIB ARP body this layer
 * understands: htype 32, ptype IPv4, hlen 20, plen 4, len >= 56. */
bool ipoib_arp_is_valid(const uint8_t *p, size_t len);

/* ---------------------------------------------------------------------- */
/* ND link-layer address option (section 3): 24 bytes. */

struct ipoib_nd_lla_opt {
    uint8_t type;               /* IPOIB_ND_OPT_SLLA or _TLLA. */
    uint8_t len;                /* 3 (units of 8 bytes). */
    uint8_t pad[2];             /* Zero: the pad comes BEFORE the address. */
    struct ipoib_addr addr;
};

/* Writes a 24-byte option at 'p'. */
void ipoib_nd_lla_put(uint8_t *p, uint8_t type, const struct ipoib_addr *);

/* ---------------------------------------------------------------------- */
/* Remote MACs (DESIGN 3.4): how a remote IPoIB peer appears to the VMs.
 *
 * With a known LID (1..0xbfff): 02:QQ:QQ:QQ:LL:LL, the sender's QPN and LID,
 * as Mellanox eIPoIB and iPXE do.  Deterministic and unique in a subnet.
 *
 * Without a LID (e.g. RoCE, or a peer learned only from its 20-byte
 * address): 06:HH:HH:HH:HH:HH, where H is the top 40 bits of the 64-bit
 * FNV-1a hash of 'attempt' (1 byte), GID (16 bytes) and QPN (3 bytes,
 * network order), passed through the splitmix64 finalizer.  First byte
 * 0x06 (locally administered, unicast) keeps the two forms apart.  The
 * caller checks the result against the MACs already in use and, on a
 * collision with a different peer, retries with attempt + 1,
 * so the fallback is deterministic for a given set of peers and never
 * aliases two peers. */
#define IPOIB_REMAC_LID_PREFIX      0x02
#define IPOIB_REMAC_HASH_PREFIX     0x06
#define IPOIB_LID_UNICAST_MAX       0xbfff

void ipoib_remac_from_lid(uint32_t qpn, uint16_t lid, uint8_t mac[6]);
void ipoib_remac_from_gid(const struct ipoib_gid *, uint32_t qpn,
                          uint8_t attempt, uint8_t mac[6]);

/* True if 'lid' is a unicast LID (valid in a REMAC). */
static inline bool
ipoib_lid_is_unicast(uint16_t lid)
{
    return lid >= 1 && lid <= IPOIB_LID_UNICAST_MAX;
}

/* If 'mac' is an LID-form REMAC, stores its QPN and LID and returns true. */
bool ipoib_remac_parse_lid(const uint8_t mac[6], uint32_t *qpn,
                           uint16_t *lid);

#endif /* ipoib.h */
