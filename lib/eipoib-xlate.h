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

#ifndef EIPOIB_XLATE_H
#define EIPOIB_XLATE_H 1

/* The eIPoIB translation core: Ethernet frames <-> IPoIB packets.
 *
 * Plain C, no I/O, no allocation, no OVS types: the OVS provider, the
 * fuzzers and a later kernel module all compile this file.  State (vifs,
 * neighbours, DHCP exchanges, partitions) lives behind 'struct
 * eipoib_xlate_ops', a table of lookup callbacks; lib/eipoib-tables.[ch]
 * implements it with OVS hmaps, and a kernel module can supply its own.
 *
 * Transmit (switch -> fabric), eipoib_xlate_tx():
 *
 *   Ethernet frame [802.1Q] -> 4-byte IPoIB header + IP/ARP packet, plus
 *   the destination (20-byte address, LID, multicast or not), the partition
 *   and the sending vif.  The 802.1Q VLAN selects the partition (untagged
 *   and priority-tagged frames use VLAN 0).  ARP/RARP become 56-byte IPoIB
 *   ARP, ND link-layer options grow to 24 bytes, DHCPv4 gets the RFC 4390
 *   form.  Ethernet padding is dropped.
 *
 * Receive (fabric -> switch), eipoib_xlate_rx():
 *
 *   IPoIB packet + what the transport knows (P_Key, receiving QPN, sender
 *   QPN/LID, GRH) -> Ethernet frame: destination = the receiving vif's MAC
 *   (or a broadcast/multicast MAC), source = the sender's remote MAC
 *   (REMAC, see ipoib.h), 802.1Q tag if the partition has a VLAN, and every
 *   transmit rewrite undone.  Frames shorter than 60 bytes (without the
 *   tag) are zero-padded to 60.
 *
 * Documented address changes (what a round trip does not give back):
 *   - VM MACs in ARP/ND/DHCP become IPoIB addresses and come back as the
 *     same MAC only for our own vifs; remote peers appear as REMACs.
 *   - the 802.1Q PCP/DEI bits are not carried (IB has no equivalent here);
 *     priority-tagged frames come back untagged.
 *   - Ethernet padding is dropped on transmit; received frames are padded
 *     with zeros to 60 bytes.
 *   - DHCP client messages get the broadcast flag while ciaddr is 0, and a
 *     client identifier if they had none (removed again from replies).
 *     Replies to a VM's client go to that VM alone, as Ethernet unicast,
 *     even when the server broadcast them.  Requests of IPoIB clients
 *     reach server VMs with htype 1, hlen 6 and the client's REMAC in
 *     chaddr; a server VM's messages leave in RFC 4390 form (chaddr zero).
 *   - An ARP target MAC that maps to no IPoIB address becomes 20 zeros.
 *
 * Learning: every received packet refreshes its sender's neighbour entry
 * (and creates it when the GID is known, from a GRH); ARP sender/target
 * addresses and ND options create or update entries too.  Our own
 * multicast coming back (sender QPN one of our vifs or the partition's
 * base QPN, on our GID, or our LID when there is no GRH) is dropped.
 *
 * Buffers: both directions work in place on a 'struct eipoib_pkt', whose
 * data may move anywhere inside its buffer.  Give receive at least
 * EIPOIB_RX_HEADROOM bytes of headroom and transmit EIPOIB_TX_HEADROOM,
 * or the data is shifted towards the tail (if the tailroom allows) or the
 * packet is dropped as *-no-room.  Nothing outside [base, base + size) is
 * ever read or written.
 *
 * The buffer is modified only when the verdict is EIPOIB_OK; on any other
 * verdict it is left as it was, so the caller can resolve and retry.
 *
 * Thread safety: translation itself keeps no state; 'ctx' is read-only.
 * The callbacks must be safe for however the caller runs (lib/eipoib-tables
 * expects the caller to serialize). */

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#endif

#include "ipoib.h"

#define EIPOIB_ETH_ADDR_LEN 6
#define EIPOIB_ETH_HDR_LEN  14
#define EIPOIB_VLAN_HDR_LEN 4
#define EIPOIB_ETH_MIN_LEN  60      /* Without FCS and without the tag. */

/* Headroom that lets each direction work without moving the payload. */
#define EIPOIB_RX_HEADROOM  (EIPOIB_ETH_HDR_LEN + EIPOIB_VLAN_HDR_LEN)
#define EIPOIB_TX_HEADROOM  64

/* VLAN of untagged frames (VLAN IDs are 1..4094). */
#define EIPOIB_VLAN_NONE 0

/* ---------------------------------------------------------------------- */
/* Verdicts and drop reasons. */

/* EIPOIB_VERDICT(ENUM, name, description) */
#define EIPOIB_VERDICTS                                                     \
    EIPOIB_VERDICT(OK, "ok", "translated")                                  \
    EIPOIB_VERDICT(UNKNOWN_VIF, "unknown-vif",                              \
                   "source MAC and VLAN are not served yet")                \
    EIPOIB_VERDICT(UNKNOWN_UNICAST, "unknown-unicast",                      \
                   "destination MAC is not a known neighbour")              \
    EIPOIB_VERDICT(TX_RUNT, "tx-runt",                                      \
                   "frame shorter than its Ethernet/802.1Q header")         \
    EIPOIB_VERDICT(TX_BAD_SRC_MAC, "tx-bad-src-mac",                        \
                   "source MAC is multicast or zero")                       \
    EIPOIB_VERDICT(TX_VLAN_UNMAPPED, "tx-vlan-unmapped",                    \
                   "802.1Q VLAN has no P_Key mapping")                      \
    EIPOIB_VERDICT(TX_UNTAGGED_UNMAPPED, "tx-untagged-unmapped",            \
                   "untagged frame and no partition for untagged traffic")  \
    EIPOIB_VERDICT(TX_ETHERTYPE, "tx-ethertype",                            \
                   "Ethertype is not IPv4, IPv6, ARP or RARP")              \
    EIPOIB_VERDICT(TX_BAD_IPV4, "tx-bad-ipv4", "malformed IPv4 header")     \
    EIPOIB_VERDICT(TX_BAD_IPV6, "tx-bad-ipv6", "malformed IPv6 header")     \
    EIPOIB_VERDICT(TX_BAD_ARP, "tx-bad-arp",                                \
                   "ARP/RARP not Ethernet/IPv4 (htype 1, hlen 6) or short") \
    EIPOIB_VERDICT(TX_BAD_MCAST, "tx-bad-multicast",                        \
                   "multicast MAC without an IP multicast destination")     \
    EIPOIB_VERDICT(TX_BAD_ND, "tx-bad-nd",                                  \
                   "malformed ND message or option")                        \
    EIPOIB_VERDICT(TX_ND_UNKNOWN_LLADDR, "tx-nd-unknown-lladdr",            \
                   "ND option names a MAC with no IPoIB address")           \
    EIPOIB_VERDICT(TX_BAD_DHCP, "tx-bad-dhcp", "malformed DHCP message")    \
    EIPOIB_VERDICT(TX_DHCP_REFUSED, "tx-dhcp-refused",                      \
                   "DHCP exchange not remembered (table full)")             \
    EIPOIB_VERDICT(TX_BAD_CHECKSUM, "tx-bad-checksum",                      \
                   "wrong checksum in a message that must be rewritten")    \
    EIPOIB_VERDICT(TX_TOO_BIG, "tx-too-big",                                \
                   "packet larger than the partition's IPoIB MTU")          \
    EIPOIB_VERDICT(TX_NO_ROOM, "tx-no-room",                                \
                   "buffer too small for the rewrite")                      \
    EIPOIB_VERDICT(RX_RUNT, "rx-runt", "shorter than the IPoIB header")     \
    EIPOIB_VERDICT(RX_ETHERTYPE, "rx-ethertype",                            \
                   "IPoIB type is not IPv4, IPv6, ARP or RARP")             \
    EIPOIB_VERDICT(RX_UNKNOWN_PKEY, "rx-unknown-pkey",                      \
                   "P_Key of no configured partition")                      \
    EIPOIB_VERDICT(RX_UNKNOWN_QPN, "rx-unknown-qpn",                        \
                   "unicast to a QPN that serves no vif")                   \
    EIPOIB_VERDICT(RX_PARTITION_MISMATCH, "rx-partition-mismatch",          \
                   "receiving vif is not in the packet's partition")        \
    EIPOIB_VERDICT(RX_LOOPBACK, "rx-loopback",                              \
                   "our own multicast, looped back")                        \
    EIPOIB_VERDICT(RX_NO_SOURCE, "rx-no-source",                            \
                   "sender has neither a unicast LID nor a GID")            \
    EIPOIB_VERDICT(RX_NEIGHBOR_REFUSED, "rx-neighbor-refused",              \
                   "no MAC for a peer: neighbour table full or collisions") \
    EIPOIB_VERDICT(RX_BAD_MGID, "rx-bad-mgid",                              \
                   "multicast to a group that maps to no MAC")              \
    EIPOIB_VERDICT(RX_BAD_IPV4, "rx-bad-ipv4", "malformed IPv4 header")     \
    EIPOIB_VERDICT(RX_BAD_IPV6, "rx-bad-ipv6", "malformed IPv6 header")     \
    EIPOIB_VERDICT(RX_BAD_ARP, "rx-bad-arp",                                \
                   "ARP/RARP not IPoIB/IPv4 (htype 32, hlen 20) or short")  \
    EIPOIB_VERDICT(RX_BAD_ND, "rx-bad-nd",                                  \
                   "malformed ND message or option")                        \
    EIPOIB_VERDICT(RX_BAD_DHCP, "rx-bad-dhcp", "malformed DHCP message")    \
    EIPOIB_VERDICT(RX_DHCP_NO_CLIENT, "rx-dhcp-no-client",                  \
                   "DHCP reply for no client behind us")                    \
    EIPOIB_VERDICT(RX_BAD_CHECKSUM, "rx-bad-checksum",                      \
                   "wrong checksum in a message that must be rewritten")    \
    EIPOIB_VERDICT(RX_NO_ROOM, "rx-no-room",                                \
                   "buffer too small for the rewrite")

enum eipoib_verdict {
#define EIPOIB_VERDICT(ENUM, NAME, DESCRIPTION) EIPOIB_##ENUM,
    EIPOIB_VERDICTS
#undef EIPOIB_VERDICT
    N_EIPOIB_VERDICTS
};

/* Short name ("tx-too-big") and one-line description of 'v'; "unknown" for
 * values out of range. */
const char *eipoib_verdict_name(enum eipoib_verdict v);
const char *eipoib_verdict_description(enum eipoib_verdict v);

/* True for the verdicts that mean "drop and count"; false for EIPOIB_OK,
 * EIPOIB_UNKNOWN_VIF and EIPOIB_UNKNOWN_UNICAST (the caller acts on those). */
static inline bool
eipoib_verdict_is_drop(enum eipoib_verdict v)
{
    return v > EIPOIB_UNKNOWN_UNICAST;
}

/* ---------------------------------------------------------------------- */
/* What the tables hold (copied out by the callbacks). */

/* An IB partition and the VLAN that stands for it. */
struct eipoib_partition {
    uint16_t vlan;              /* EIPOIB_VLAN_NONE or 1..4094. */
    uint16_t pkey;              /* As used in BTH.P_Key. */
    uint8_t scope;              /* Broadcast group's MGID scope (usually 2). */
    uint16_t mtu;               /* IPoIB MTU, e.g. 2044. */
    uint32_t base_qpn;          /* QPN of the partition's base endpoint, or
                                 * 0: also "ours" for loop-back checks. */
};

/* A served VM interface: (MAC, VLAN) and the UD endpoint that is its
 * IPoIB identity. */
struct eipoib_vif {
    uint8_t mac[EIPOIB_ETH_ADDR_LEN];
    uint16_t vlan;
    uint32_t qpn;
    void *endpoint;             /* The caller's handle, opaque here. */
};

/* A remote IPoIB peer as the VMs see it. */
struct eipoib_neighbor {
    uint8_t mac[EIPOIB_ETH_ADDR_LEN];   /* Its REMAC. */
    struct ipoib_addr addr;
    uint16_t lid;               /* 0 if unknown. */
};

/* A DHCP exchange started by a VM, to undo the RFC 4390 rewrite on the
 * replies. */
#define EIPOIB_DHCP_CLIENT_ID_MAX 255
struct eipoib_dhcp_client {
    uint32_t xid;
    uint8_t mac[EIPOIB_ETH_ADDR_LEN];   /* The VM's MAC. */
    uint16_t vlan;
    bool client_id_added;       /* We inserted option 61. */
    uint8_t client_id_len;
    uint8_t client_id[EIPOIB_DHCP_CLIENT_ID_MAX];
};

/* Callbacks into the tables.  'aux' is the 'aux' given to
 * eipoib_xlate_init().  "Find" callbacks return true and fill in the
 * result when found. */
struct eipoib_xlate_ops {
    /* Partitions, by VLAN (EIPOIB_VLAN_NONE for untagged) and by P_Key (the
     * full-member form, pkey | 0x8000). */
    bool (*partition_by_vlan)(void *aux, uint16_t vlan,
                              struct eipoib_partition *);
    bool (*partition_by_pkey)(void *aux, uint16_t pkey,
                              struct eipoib_partition *);

    /* Vifs, by (MAC, VLAN) on transmit and by QPN on receive.  A transmit
     * lookup counts as activity (for aging). */
    bool (*vif_by_mac)(void *aux, const uint8_t mac[EIPOIB_ETH_ADDR_LEN],
                       uint16_t vlan, struct eipoib_vif *);
    bool (*vif_by_qpn)(void *aux, uint32_t qpn, struct eipoib_vif *);

    /* Neighbours by REMAC. */
    bool (*neighbor_by_mac)(void *aux, const uint8_t mac[EIPOIB_ETH_ADDR_LEN],
                            struct eipoib_neighbor *);

    /* A peer was seen: QPN, LID (0 if unknown), GID (NULL if unknown) and
     * the flags byte it advertises ('flags' < 0 if not known: keep what
     * is stored).  Stores the peer's REMAC in 'mac' and learns or refreshes
     * it.  Must return false only if no REMAC can be given (no unicast LID
     * and no GID, or the fallback form could not be collision-checked). */
    bool (*neighbor_learn)(void *aux, uint32_t qpn, uint16_t lid,
                           const struct ipoib_gid *gid, int flags,
                           uint8_t mac[EIPOIB_ETH_ADDR_LEN]);

    /* DHCP clients: remember one (false if refused), find one by xid and,
     * when the reply carries one, client identifier. */
    bool (*dhcp_remember)(void *aux, const struct eipoib_dhcp_client *);
    bool (*dhcp_find)(void *aux, uint32_t xid, const uint8_t *client_id,
                      size_t client_id_len, struct eipoib_dhcp_client *);
};

/* ---------------------------------------------------------------------- */
/* The translator. */

struct eipoib_xlate {
    const struct eipoib_xlate_ops *ops;
    void *aux;
    uint16_t lid;               /* Our port's LID (0: unknown, e.g. RoCE). */
    struct ipoib_gid gid;       /* Our port's GID: every vif's address is
                                 * flags 0 + vif QPN + this GID. */
};

void eipoib_xlate_init(struct eipoib_xlate *, const struct eipoib_xlate_ops *,
                       void *aux, uint16_t lid, const struct ipoib_gid *);

/* The IPoIB address of 'vif' (flags 0, its QPN, our GID). */
void eipoib_xlate_vif_addr(const struct eipoib_xlate *,
                           const struct eipoib_vif *, struct ipoib_addr *);

/* A packet in a buffer: the data is base[ofs, ofs + len), the buffer is
 * base[0, size).  Translation updates 'ofs' and 'len'. */
struct eipoib_pkt {
    uint8_t *base;
    size_t size;
    size_t ofs;
    size_t len;
};

/* Result of transmit translation. */
struct eipoib_tx_info {
    /* Valid for EIPOIB_UNKNOWN_VIF, EIPOIB_UNKNOWN_UNICAST and EIPOIB_OK. */
    struct eipoib_partition partition;

    /* The sender: send from vif.endpoint.  For EIPOIB_UNKNOWN_VIF only
     * vif.mac and vif.vlan are set: the vif to add. */
    struct eipoib_vif vif;

    /* Valid for EIPOIB_OK. */
    struct ipoib_addr dst;      /* Peer address, or 00:ffffff + MGID. */
    uint16_t dst_lid;           /* Peer's LID if known, else 0. */
    bool multicast;             /* dst is a multicast group (QPN 0xffffff);
                                 * its MGID is dst.b[4..19]. */
};

/* Translates the Ethernet frame in 'pkt' into an IPoIB packet (header
 * included) for the fabric.  Returns EIPOIB_OK, EIPOIB_UNKNOWN_VIF (the
 * source (MAC, VLAN) is not served: add the vif, then retry), or
 * EIPOIB_UNKNOWN_UNICAST (resolve the destination MAC, then retry; 'info'
 * tells partition and vif), or a drop reason. */
enum eipoib_verdict eipoib_xlate_tx(const struct eipoib_xlate *,
                                    struct eipoib_pkt *,
                                    struct eipoib_tx_info *);

/* What the transport knows about a received packet. */
struct eipoib_rx_meta {
    uint16_t pkey;              /* BTH.P_Key. */
    uint32_t dst_qpn;           /* QPN of the endpoint that received it (for
                                 * unicast: a vif's QPN). */
    uint32_t src_qpn;           /* DETH.SrcQP. */
    uint16_t slid;              /* LRH.SLID, or 0 if unknown (RoCE). */
    bool has_grh;               /* sgid/dgid valid.  Multicast packets
                                 * always have one. */
    struct ipoib_gid sgid;
    struct ipoib_gid dgid;      /* A multicast DGID means multicast. */
};

/* Result of receive translation. */
struct eipoib_rx_info {
    struct eipoib_partition partition;
    bool to_vif;                /* Unicast to 'vif' (or a DHCP reply for
                                 * it); otherwise broadcast/multicast. */
    struct eipoib_vif vif;      /* Zeros unless 'to_vif'. */
};

/* Translates the IPoIB packet in 'pkt' (starting with the 4-byte IPoIB
 * header, no GRH) into an Ethernet frame.  Returns EIPOIB_OK or a drop
 * reason. */
enum eipoib_verdict eipoib_xlate_rx(const struct eipoib_xlate *,
                                    struct eipoib_pkt *,
                                    const struct eipoib_rx_meta *,
                                    struct eipoib_rx_info *);

#endif /* eipoib-xlate.h */
