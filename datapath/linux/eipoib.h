/* SPDX-License-Identifier: GPL-2.0 */
/*
 * eipoib: an Ethernet net_device over an IPoIB (ARPHRD_INFINIBAND) device,
 * for the Open vSwitch kernel datapath.  Private declarations shared by
 * the module's files (Linux coding style, not OVS style).
 */
#ifndef EIPOIB_KMOD_H
#define EIPOIB_KMOD_H

#include <linux/netdevice.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/hashtable.h>

#include "eipoib-xlate.h"
#include "eipoib-mcast.h"

/* Netlink attributes of link kind "eipoib" (IFLA_INFO_DATA).  Numbers are
 * ABI: datapath/linux/eipoib-link uses them. */
enum {
	IFLA_EIPOIB_UNSPEC,
	IFLA_EIPOIB_VLAN,	/* u16: VLAN of the link's partition, 0 untagged */
	IFLA_EIPOIB_PARTITIONS,	/* nested IFLA_EIPOIB_PARTITION */
	IFLA_EIPOIB_MAX_VIFS,	/* u32 */
	IFLA_EIPOIB_MAX_NEIGHS,	/* u32: neighbours and IP->address entries */
	IFLA_EIPOIB_MAX_GROUPS,	/* u32: multicast memberships */
	IFLA_EIPOIB_AGE,	/* u32: seconds before idle vifs/neighbours go */
	__IFLA_EIPOIB_MAX
};
#define IFLA_EIPOIB_MAX (__IFLA_EIPOIB_MAX - 1)

enum {
	IFLA_EIPOIB_PART_UNSPEC,
	IFLA_EIPOIB_PART_VLAN,	/* u16, 1..4094 */
	IFLA_EIPOIB_PART_LINK,	/* u32: ifindex of another IPoIB device
				 * (e.g. a P_Key child) of the same port */
	__IFLA_EIPOIB_PART_MAX
};
#define IFLA_EIPOIB_PART_MAX (__IFLA_EIPOIB_PART_MAX - 1)
#define IFLA_EIPOIB_PARTITION 1	/* The entries inside PARTITIONS. */

#define EIPOIB_MAX_PARTS 8
#define EIPOIB_MAX_IPS 4	/* Addresses remembered per vif and family. */

#define EIPOIB_DEF_MAX_VIFS 64
#define EIPOIB_DEF_MAX_NEIGHS 1024
#define EIPOIB_DEF_MAX_GROUPS 256
#define EIPOIB_DEF_AGE 300
#define EIPOIB_MEMBERSHIP_SECS 260	/* IGMP/MLD membership interval. */
#define EIPOIB_DHCP_SLOTS 32

/* Counters shown by ethtool -S besides the core's verdicts and the
 * multicast parser's verdicts. */
#define EIPOIB_KCOUNTERS(C)                                             \
	C(tx_packets, "tx-packets")                                     \
	C(tx_bytes, "tx-bytes")                                         \
	C(rx_packets, "rx-packets")                                     \
	C(rx_bytes, "rx-bytes")                                         \
	C(tx_vif_limit, "tx-vif-limit")                                 \
	C(tx_nomem, "tx-nomem")                                         \
	C(tx_lower_down, "tx-lower-down")                               \
	C(tx_lower_error, "tx-lower-error")                             \
	C(tx_arp_probes, "tx-arp-probes")                               \
	C(rx_nomem, "rx-nomem")                                         \
	C(rx_dev_down, "rx-dev-down")                                   \
	C(rx_host_passed, "rx-host-passed")                             \
	C(rx_sender_unresolved, "rx-sender-unresolved")                 \
	C(vifs_added, "vifs-added")                                     \
	C(vifs_aged, "vifs-aged")                                       \
	C(neigh_learnt, "neigh-learnt")                                 \
	C(neigh_refused, "neigh-refused")                               \
	C(neigh_collisions, "neigh-remac-collisions")                   \
	C(neigh_aged, "neigh-aged")                                     \
	C(dhcp_remembered, "dhcp-remembered")                           \
	C(mcast_vlan_unmapped, "mcast-vlan-unmapped")                   \
	C(mcast_refused, "mcast-groups-refused")                        \
	C(mcast_joins, "mcast-mgid-joins")                              \
	C(mcast_leaves, "mcast-mgid-leaves")                            \
	C(mcast_expired, "mcast-memberships-expired")

enum eipoib_kcounter {
#define C(ENUM, NAME) EIPOIB_K_##ENUM,
	EIPOIB_KCOUNTERS(C)
#undef C
	EIPOIB_N_KCOUNTERS
};

/* ethtool -S layout: kernel counters, then one per core verdict other
 * than "ok", then one per multicast parser error (the verdicts after
 * "ok" and "not-snooped", see eipoib_mcast_verdict_is_error()). */
#define EIPOIB_MCAST_FIRST_ERROR (EIPOIB_MCAST_NOT_SNOOPED + 1)
#define EIPOIB_CNT_VERDICT(V) (EIPOIB_N_KCOUNTERS + (V) - 1)
#define EIPOIB_CNT_MCAST(V) \
	(EIPOIB_N_KCOUNTERS + N_EIPOIB_VERDICTS - 1 + (V) - \
	 EIPOIB_MCAST_FIRST_ERROR)
#define EIPOIB_N_COUNTERS \
	(EIPOIB_N_KCOUNTERS + N_EIPOIB_VERDICTS - 1 + \
	 N_EIPOIB_MCAST_VERDICTS - EIPOIB_MCAST_FIRST_ERROR)

struct eipoib_dev;

/* One partition: a lower IPoIB device and the VLAN that stands for it. */
struct eipoib_part {
	struct eipoib_dev *eib;
	struct net_device *lower;
	struct eipoib_partition p;	/* What the core sees. */
};

struct eipoib_vif_entry {
	struct hlist_node node;
	struct eipoib_vif vif;
	int part;
	unsigned long last_used;	/* jiffies */
	__be32 ip4[EIPOIB_MAX_IPS];
	struct in6_addr ip6[EIPOIB_MAX_IPS];
	u8 n_ip4, n_ip6;
	u64 tx_packets, rx_packets;
};

struct eipoib_neigh_entry {
	struct hlist_node node;		/* By REMAC. */
	struct eipoib_neighbor n;
	unsigned long last_seen;
};

/* An IP address of a remote IPoIB host and its 20-byte address, learnt
 * from ARP and ND: the only way to know who sent a packet, because an
 * IPoIB net_device passes no source address up. */
struct eipoib_ipaddr_entry {
	struct hlist_node node;
	bool is_ipv6;
	u8 ip[16];
	struct ipoib_addr addr;
	unsigned long last_seen;
};

struct eipoib_dhcp_slot {
	bool used;
	unsigned long when;
	struct eipoib_dhcp_client c;
};

struct eipoib_membership {
	struct list_head node;
	int part;
	struct ipoib_gid mgid;
	u8 mac[ETH_ALEN];		/* Zero for the permanent groups. */
	u16 vlan;
	unsigned long last_heard;
	bool permanent;
};

struct eipoib_joined {
	struct list_head node;
	int part;
	u8 addr[IPOIB_ADDR_LEN];
};

struct eipoib_dev {
	struct net_device *dev;
	struct eipoib_part parts[EIPOIB_MAX_PARTS];
	int n_parts;
	struct ipoib_gid gid;		/* The port's GID (first lower). */

	u32 max_vifs, max_neighs, max_groups, age_secs;

	spinlock_t lock;		/* Protects everything below. */
	DECLARE_HASHTABLE(vifs, 6);
	DECLARE_HASHTABLE(neighs, 8);
	DECLARE_HASHTABLE(ipaddrs, 8);
	u32 n_vifs, n_neighs, n_ipaddrs, n_memberships;
	struct eipoib_dhcp_slot dhcp[EIPOIB_DHCP_SLOTS];
	struct list_head memberships;
	bool mcast_dirty;
	bool work_enabled;		/* Between ndo_open and ndo_stop. */

	struct list_head joined;	/* Owned by the work (and teardown). */
	struct delayed_work work;	/* Aging, multicast joins/leaves. */

	unsigned long last_probe;	/* jiffies of the last ARP probe. */
	atomic64_t counters[EIPOIB_N_COUNTERS];
};

/* Per-packet context handed to the core as 'aux': the device, and for
 * receive, what the rx handler found out before translation. */
struct eipoib_call {
	struct eipoib_dev *eib;
	bool has_vif;			/* Receive: the vif the packet is for. */
	struct eipoib_vif vif;
	bool unresolved;		/* Receive: sender unknown. */
	u8 unresolved_mac[ETH_ALEN];
};

/* The placeholder sender given to the core for an unresolved source: a
 * QPN the core takes as unicast, on a GID that no port has
 * (eipoib_unresolved_gid); the callbacks recognise the pair and answer
 * with the placeholder MAC, storing nothing. */
#define EIPOIB_UNRESOLVED_QPN 0xfffffe

static inline void eipoib_count(struct eipoib_dev *eib, int c, u64 n)
{
	atomic64_add(n, &eib->counters[c]);
}

/* eipoib_tables.c */
extern const struct eipoib_xlate_ops eipoib_kernel_ops;
extern const struct ipoib_gid eipoib_unresolved_gid;
void eipoib_tables_init(struct eipoib_dev *eib);
void eipoib_tables_destroy(struct eipoib_dev *eib);
int eipoib_part_of_vlan(struct eipoib_dev *eib, u16 vlan);
bool eipoib_vif_add(struct eipoib_dev *eib, const u8 *mac, u16 vlan);
void eipoib_vif_note_ip(struct eipoib_dev *eib, const u8 *mac, u16 vlan,
			bool is_ipv6, const u8 *ip);
bool eipoib_vif_by_ip(struct eipoib_dev *eib, int part, bool is_ipv6,
		      const u8 *ip, struct eipoib_vif *vif);
void eipoib_ipaddr_learn(struct eipoib_dev *eib, bool is_ipv6, const u8 *ip,
			 const u8 *addr);
bool eipoib_ipaddr_lookup(struct eipoib_dev *eib, bool is_ipv6, const u8 *ip,
			  struct ipoib_addr *addr);
void eipoib_mcast_signal(const struct eipoib_mcast_frame *f,
			 const struct eipoib_mcast_signal *s, void *aux);
void eipoib_mcast_add_permanent(struct eipoib_dev *eib, int part);
void eipoib_work(struct work_struct *work);
void eipoib_work_start(struct eipoib_dev *eib);
void eipoib_work_stop(struct eipoib_dev *eib);
void eipoib_mcast_leave_all(struct eipoib_dev *eib);

/* eipoib_view.c */
extern const struct ethtool_ops eipoib_ethtool_ops;
extern const struct attribute_group eipoib_sysfs_group;

#endif /* EIPOIB_KMOD_H */
