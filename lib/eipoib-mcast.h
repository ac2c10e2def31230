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

#ifndef EIPOIB_MCAST_H
#define EIPOIB_MCAST_H 1

/* Multicast snooping for an eIPoIB uplink: which IB multicast groups
 * (MGIDs) the base endpoint of each partition must join for the VMs behind
 * it.  No I/O: the caller joins and leaves what the events say.
 *
 * Two parts:
 *
 *   1. The parser, eipoib_mcast_parse(): plain C, no OVS types, no
 *      allocation (a kernel module or a fuzzer can compile it alone, with
 *      __KERNEL__ defined the table part is left out).  It reads an
 *      Ethernet frame [802.1Q] that a VM sends towards the uplink and
 *      reports membership signals "JOIN group" / "LEAVE group":
 *
 *        IGMPv1/v2 report      -> JOIN group
 *        IGMPv2 leave          -> LEAVE group
 *        IGMPv3 report records -> per record, see below
 *        MLDv1 report (131)    -> JOIN group
 *        MLDv1 done (132)      -> LEAVE group
 *        MLDv2 report (143)    -> per record, see below
 *        any IPv6 packet from a unicast source X (not ::, not multicast)
 *                              -> JOIN ff02::1:ff00:0/104 + low 24 bits
 *                                 of X (its solicited-node group)
 *        DAD Neighbor Solicitation (source ::, target T)
 *                              -> JOIN solicited-node group of T
 *
 *      IGMPv3/MLDv2 records (no source filtering, RFC 4541 style):
 *      MODE_IS_EXCLUDE and CHANGE_TO_EXCLUDE (any source list) -> JOIN;
 *      MODE_IS_INCLUDE and CHANGE_TO_INCLUDE -> JOIN with sources, LEAVE
 *      with none; ALLOW_NEW_SOURCES and BLOCK_OLD_SOURCES -> JOIN with
 *      sources (keeping a superset is harmless; without source tracking a
 *      BLOCK cannot tell whether it empties the set), nothing without;
 *      unknown record types are skipped (RFC 3376 5.2).
 *
 *      Nothing is filtered by group: 224.0.0.1, ff02::1, ff02::2... map to
 *      MGIDs of their own on IPoIB and are joined like any group.
 *
 *      Checked: IPv4 header (version, IHL, total length, header checksum,
 *      not a fragment) for IGMP, IPv6 payload length, the extension header
 *      chain (Hop-by-Hop with Router Alert, as MLD has, and any other,
 *      at most EIPOIB_MCAST_MAX_EXT_HDRS, each within the packet), IGMP
 *      checksum, ICMPv6 checksum with the pseudo-header, record lengths,
 *      group addresses.  A frame that fails a check gives no signal at
 *      all and returns the reason (enum eipoib_mcast_verdict).  Ethernet
 *      padding after the IP packet is ignored.  Nothing outside
 *      frame[0, len) is read.
 *
 *   2. The membership table (OVS hmaps), one per uplink:
 *      (VLAN, IP group) -> member vifs (MAC, VLAN) with last-heard time.
 *      Each group maps to an MGID, ff12:401b:PPPP::<low 28 bits> for IPv4
 *      and ff12:601b:PPPP:<low 80 bits> for IPv6 (ipoib.h; PPPP the
 *      partition's P_Key with the full-member bit; scope from the config,
 *      2 by default).  Two IPv6 groups that differ only in scope share an
 *      MGID, so MGIDs are reference-counted by the groups that use them:
 *
 *        EIPOIB_MCAST_JOIN  an MGID got its first group (join it now);
 *        EIPOIB_MCAST_LEAVE an MGID lost its last group, by a leave, a
 *                           timeout, a forgotten member or a flush.
 *
 *      Limits (each refusal counted): groups in the table, members (vifs)
 *      tracked, groups per member.  A membership not heard of for
 *      'membership_ms' (default 260 s, the IGMP/MLD Group Membership
 *      Interval) times out in eipoib_mcast_expire().
 *
 * Time is whatever the caller last gave eipoib_mcast_set_time()
 * (milliseconds), so tests control it.
 *
 * Not thread-safe: the caller serializes every call on one table.
 *
 * Use from the provider:
 *
 *   transmit path, per frame, before translating it (translation rewrites
 *   the buffer), under the device mutex:
 *
 *       eipoib_mcast_snoop(mc, frame, len, pkey_of_vlan, dev, &events);
 *       for each events.events[i]: join/leave events.events[i].mgid on
 *       the base endpoint of partition events.events[i].pkey;
 *       eipoib_mcast_events_clear(&events);
 *
 *   the frame itself is sent (or dropped) as the translation decides,
 *   whatever the verdict here;
 *
 *   run loop: eipoib_mcast_set_time(mc, time_msec()), then
 *   eipoib_mcast_expire(mc, &events) and act on the events;
 *
 *   vif deleted or aged: eipoib_mcast_forget_member(mc, mac, vlan, &events);
 *   eipoib/flush or destruct: eipoib_mcast_flush(mc, &events);
 *   transport reconnected: eipoib_mcast_for_each_mgid() to join again;
 *   eipoib/show: eipoib_mcast_for_each_group(), eipoib_mcast_get_stats(). */

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#endif

#include "ipoib.h"

/* ---------------------------------------------------------------------- */
/* Parser. */

/* Extension headers walked before giving up on an IPv6 packet. */
#define EIPOIB_MCAST_MAX_EXT_HDRS 8

/* EIPOIB_MCAST_VERDICT(ENUM, name, description) */
#define EIPOIB_MCAST_VERDICTS                                               \
    EIPOIB_MCAST_VERDICT(OK, "ok", "membership signals found")              \
    EIPOIB_MCAST_VERDICT(NOT_SNOOPED, "not-snooped",                        \
                         "nothing to learn (not IGMP, MLD or IPv6)")        \
    EIPOIB_MCAST_VERDICT(RUNT, "runt",                                      \
                         "frame shorter than its Ethernet/802.1Q header")   \
    EIPOIB_MCAST_VERDICT(BAD_SRC_MAC, "bad-src-mac",                        \
                         "source MAC is multicast or zero")                 \
    EIPOIB_MCAST_VERDICT(BAD_IPV4, "bad-ipv4",                              \
                         "IGMP in a malformed IPv4 header")                 \
    EIPOIB_MCAST_VERDICT(IPV4_BAD_CHECKSUM, "ipv4-bad-checksum",            \
                         "IGMP in an IPv4 header with a wrong checksum")    \
    EIPOIB_MCAST_VERDICT(IPV4_FRAGMENT, "ipv4-fragment",                    \
                         "IGMP in an IPv4 fragment")                        \
    EIPOIB_MCAST_VERDICT(BAD_IPV6, "bad-ipv6",                              \
                         "malformed IPv6 header or payload length")         \
    EIPOIB_MCAST_VERDICT(BAD_EXT_HDR, "bad-ext-header",                     \
                         "IPv6 extension headers past the packet or too "   \
                         "many")                                            \
    EIPOIB_MCAST_VERDICT(IGMP_RUNT, "igmp-runt",                            \
                         "IGMP message too short for its type")             \
    EIPOIB_MCAST_VERDICT(IGMP_BAD_CHECKSUM, "igmp-bad-checksum",            \
                         "wrong IGMP checksum")                             \
    EIPOIB_MCAST_VERDICT(IGMP_BAD_RECORD, "igmp-bad-record",                \
                         "IGMPv3 group records past the message")           \
    EIPOIB_MCAST_VERDICT(IGMP_BAD_GROUP, "igmp-bad-group",                  \
                         "IGMP group not in 224.0.0.0/4")                   \
    EIPOIB_MCAST_VERDICT(MLD_RUNT, "mld-runt",                              \
                         "MLD message too short for its type")              \
    EIPOIB_MCAST_VERDICT(MLD_BAD_CHECKSUM, "mld-bad-checksum",              \
                         "wrong ICMPv6 checksum in MLD")                    \
    EIPOIB_MCAST_VERDICT(MLD_BAD_RECORD, "mld-bad-record",                  \
                         "MLDv2 address records past the message")         \
    EIPOIB_MCAST_VERDICT(MLD_BAD_GROUP, "mld-bad-group",                    \
                         "MLD group not in ff00::/8")                       \
    EIPOIB_MCAST_VERDICT(NS_RUNT, "ns-runt",                                \
                         "DAD Neighbor Solicitation too short")             \
    EIPOIB_MCAST_VERDICT(NS_BAD_CHECKSUM, "ns-bad-checksum",                \
                         "wrong ICMPv6 checksum in a DAD Neighbor "         \
                         "Solicitation")                                    \
    EIPOIB_MCAST_VERDICT(NS_BAD_TARGET, "ns-bad-target",                    \
                         "DAD target multicast or unspecified")

enum eipoib_mcast_verdict {
#define EIPOIB_MCAST_VERDICT(ENUM, NAME, DESCRIPTION) EIPOIB_MCAST_##ENUM,
    EIPOIB_MCAST_VERDICTS
#undef EIPOIB_MCAST_VERDICT
    N_EIPOIB_MCAST_VERDICTS
};

/* Short name ("igmp-bad-checksum") and one-line description; "unknown"
 * for values out of range. */
const char *eipoib_mcast_verdict_name(enum eipoib_mcast_verdict);
const char *eipoib_mcast_verdict_description(enum eipoib_mcast_verdict);

/* True for the verdicts that mean "malformed, count it". */
static inline bool
eipoib_mcast_verdict_is_error(enum eipoib_mcast_verdict v)
{
    return v > EIPOIB_MCAST_NOT_SNOOPED && v < N_EIPOIB_MCAST_VERDICTS;
}

/* An IP multicast group: IPv4 in addr[0..3] (network order) with the rest
 * zero, or IPv6. */
struct eipoib_mcast_group {
    bool is_ipv6;
    uint8_t addr[16];
};

/* Where a signal came from (for logs and tests). */
enum eipoib_mcast_origin {
    EIPOIB_MCAST_FROM_IGMP,
    EIPOIB_MCAST_FROM_MLD,
    EIPOIB_MCAST_FROM_IPV6_SOURCE,  /* Solicited-node of the source. */
    EIPOIB_MCAST_FROM_DAD,          /* Solicited-node of a DAD target. */
};

struct eipoib_mcast_signal {
    bool join;                      /* False: leave. */
    enum eipoib_mcast_origin origin;
    struct eipoib_mcast_group group;
};

/* The frame's sender, as the signals apply to it. */
struct eipoib_mcast_frame {
    uint8_t src_mac[6];
    uint16_t vlan;                  /* 802.1Q VID; 0 untagged/priority. */
    size_t n_signals;               /* Given to the callback. */
};

typedef void eipoib_mcast_signal_cb(const struct eipoib_mcast_frame *,
                                    const struct eipoib_mcast_signal *,
                                    void *aux);

/* Parses 'len' bytes of Ethernet 'frame'.  Only if the whole frame checks
 * out does it call 'cb' (if nonnull) once per signal, in frame order (the
 * solicited-node group of the IPv6 source first), and return
 * EIPOIB_MCAST_OK; 'frame_info' (if nonnull) gets the sender and the
 * number of signals.  Otherwise returns why not, and calls nothing. */
enum eipoib_mcast_verdict eipoib_mcast_parse(const uint8_t *frame,
                                             size_t len,
                                             struct eipoib_mcast_frame *,
                                             eipoib_mcast_signal_cb *cb,
                                             void *aux);

/* Group helpers. */
void eipoib_mcast_group_ipv4(struct eipoib_mcast_group *,
                             const uint8_t ip4[4]);
void eipoib_mcast_group_ipv6(struct eipoib_mcast_group *,
                             const uint8_t ip6[16]);
/* ff02::1:ff00:0 | low 24 bits of 'ip6'. */
void eipoib_mcast_group_solicited_node(struct eipoib_mcast_group *,
                                       const uint8_t ip6[16]);
bool eipoib_mcast_group_is_valid(const struct eipoib_mcast_group *);
/* The group's MGID in partition 'pkey' (full-member bit forced). */
void eipoib_mcast_group_mgid(const struct eipoib_mcast_group *,
                             uint16_t pkey, uint8_t scope,
                             struct ipoib_gid *mgid);

#ifndef __KERNEL__
/* ---------------------------------------------------------------------- */
/* Membership table (userspace, OVS hmaps). */

struct eipoib_mcast_config {
    size_t max_groups;              /* (VLAN, group) entries. */
    size_t max_members;             /* Distinct (MAC, VLAN) members. */
    size_t max_groups_per_member;
    long long membership_ms;        /* Timeout; 0: never. */
    uint8_t scope;                  /* MGID scope nibble. */
};

#define EIPOIB_MCAST_DEFAULT_MAX_GROUPS            1024
#define EIPOIB_MCAST_DEFAULT_MAX_MEMBERS           1024
#define EIPOIB_MCAST_DEFAULT_MAX_GROUPS_PER_MEMBER 128
#define EIPOIB_MCAST_DEFAULT_MEMBERSHIP_MS         (260 * 1000)

struct eipoib_mcast_stats {
    /* eipoib_mcast_snoop() results, by verdict (errors are drops of the
     * signals only: the frame itself goes on). */
    uint64_t verdicts[N_EIPOIB_MCAST_VERDICTS];
    uint64_t vlan_unmapped;         /* Signals on a VLAN with no P_Key. */

    uint64_t joins;                 /* JOIN signals applied. */
    uint64_t leaves;                /* LEAVE signals applied. */
    uint64_t groups_refused;        /* Table at max_groups. */
    uint64_t members_refused;       /* Table at max_members. */
    uint64_t member_groups_refused; /* Member at max_groups_per_member. */
    uint64_t memberships_expired;   /* Timed out in eipoib_mcast_expire(). */
    uint64_t mgid_joins;            /* EIPOIB_MCAST_JOIN events. */
    uint64_t mgid_leaves;           /* EIPOIB_MCAST_LEAVE events. */
};

enum eipoib_mcast_event_type {
    EIPOIB_MCAST_JOIN,
    EIPOIB_MCAST_LEAVE,
};

struct eipoib_mcast_event {
    enum eipoib_mcast_event_type type;
    uint16_t vlan;
    uint16_t pkey;                  /* Full-member form. */
    struct ipoib_gid mgid;
    struct eipoib_mcast_group group; /* The group that made the change. */
};

/* Events of one call, appended (the array grows as needed).  The caller
 * owns it: init once, clear after acting on the events, destroy. */
struct eipoib_mcast_events {
    struct eipoib_mcast_event *events;
    size_t n;
    size_t allocated;
};

void eipoib_mcast_events_init(struct eipoib_mcast_events *);
void eipoib_mcast_events_clear(struct eipoib_mcast_events *);
void eipoib_mcast_events_destroy(struct eipoib_mcast_events *);

void eipoib_mcast_config_default(struct eipoib_mcast_config *);

struct eipoib_mcast *eipoib_mcast_create(const struct eipoib_mcast_config *);
/* Frees everything, giving no events: flush first to leave the MGIDs. */
void eipoib_mcast_destroy(struct eipoib_mcast *);

/* New limits apply to later joins; a new timeout to the next expiry. */
void eipoib_mcast_set_config(struct eipoib_mcast *,
                             const struct eipoib_mcast_config *);
void eipoib_mcast_get_config(const struct eipoib_mcast *,
                             struct eipoib_mcast_config *);
void eipoib_mcast_set_time(struct eipoib_mcast *, long long now_ms);
void eipoib_mcast_get_stats(const struct eipoib_mcast *,
                            struct eipoib_mcast_stats *);

/* P_Key of the partition of 'vlan'; false if it has none. */
typedef bool eipoib_mcast_pkey_of_vlan_cb(uint16_t vlan, uint16_t *pkey,
                                          void *aux);

/* Parses 'frame' (eipoib_mcast_parse()), counts the verdict and applies
 * each signal with eipoib_mcast_join()/eipoib_mcast_leave() for the
 * frame's source MAC and VLAN, in the partition 'pkey_of_vlan' gives
 * (signals on a VLAN without one are counted and ignored).  Appends the
 * MGID changes to 'events'. */
enum eipoib_mcast_verdict eipoib_mcast_snoop(
    struct eipoib_mcast *, const uint8_t *frame, size_t len,
    eipoib_mcast_pkey_of_vlan_cb *pkey_of_vlan, void *aux,
    struct eipoib_mcast_events *);

/* Member (mac, vlan) joins or refreshes 'group' in partition 'pkey'.
 * Returns false if a limit refused it (counted). */
bool eipoib_mcast_join(struct eipoib_mcast *, const uint8_t mac[6],
                       uint16_t vlan, uint16_t pkey,
                       const struct eipoib_mcast_group *,
                       struct eipoib_mcast_events *);
/* Member (mac, vlan) leaves 'group'; false if it was not a member. */
bool eipoib_mcast_leave(struct eipoib_mcast *, const uint8_t mac[6],
                        uint16_t vlan, const struct eipoib_mcast_group *,
                        struct eipoib_mcast_events *);

/* Removes memberships not heard of for longer than 'membership_ms'. */
void eipoib_mcast_expire(struct eipoib_mcast *, struct eipoib_mcast_events *);

/* Removes every membership of vif (mac, vlan); returns how many. */
size_t eipoib_mcast_forget_member(struct eipoib_mcast *, const uint8_t mac[6],
                                  uint16_t vlan,
                                  struct eipoib_mcast_events *);

/* Removes everything, with a LEAVE event per MGID. */
void eipoib_mcast_flush(struct eipoib_mcast *, struct eipoib_mcast_events *);

size_t eipoib_mcast_n_groups(const struct eipoib_mcast *);
size_t eipoib_mcast_n_mgids(const struct eipoib_mcast *);
size_t eipoib_mcast_n_members(const struct eipoib_mcast *);
bool eipoib_mcast_is_member(const struct eipoib_mcast *, const uint8_t mac[6],
                            uint16_t vlan, const struct eipoib_mcast_group *);

/* For show commands.  'age_ms' is now - the latest report of any member. */
struct eipoib_mcast_group_info {
    uint16_t vlan;
    uint16_t pkey;
    struct eipoib_mcast_group group;
    struct ipoib_gid mgid;
    size_t n_members;
    long long age_ms;
};

void eipoib_mcast_for_each_group(
    const struct eipoib_mcast *,
    void (*cb)(const struct eipoib_mcast_group_info *, void *aux),
    void *aux);

/* Each MGID currently wanted (joined), once, e.g. to join again after the
 * transport reconnects. */
void eipoib_mcast_for_each_mgid(
    const struct eipoib_mcast *,
    void (*cb)(uint16_t pkey, const struct ipoib_gid *mgid, void *aux),
    void *aux);

/* "239.1.2.3" or "ff02::1:ff01:6789" into 'buf'. */
#define EIPOIB_MCAST_GROUP_STRLEN 46
const char *eipoib_mcast_group_format(const struct eipoib_mcast_group *,
                                      char buf[EIPOIB_MCAST_GROUP_STRLEN]);
#endif /* !__KERNEL__ */

#endif /* eipoib-mcast.h */
