// SPDX-License-Identifier: GPL-2.0
/*
 * eipoib: the kernel's tables behind the translation core's
 * 'struct eipoib_xlate_ops' (vifs, neighbours, DHCP exchanges), the
 * IP -> IPoIB address cache that stands in for the source address an IPoIB
 * net_device does not pass up, and multicast memberships.
 *
 * Locking: one spinlock per device (taken with _bh: used from the transmit
 * path and the rx handler).  Every callback takes it, copies out, and
 * drops it: no lock is held while the core translates.  Entries are
 * allocated with GFP_ATOMIC, bounded by the device's limits.  The delayed
 * work (process context) ages entries and joins/leaves multicast groups on
 * the lower devices.
 */
#include <linux/etherdevice.h>
#include <linux/jhash.h>
#include <linux/slab.h>

#include "eipoib.h"

/* A GID no port has (not multicast, not zero: the core takes it as a
 * sender GID); only ever paired with EIPOIB_UNRESOLVED_QPN. */
const struct ipoib_gid eipoib_unresolved_gid = {
	.b = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0,
	       0xee, 0x1b, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x01 }
};

#define REMAC_ATTEMPTS 4

static u32 vif_hash(const u8 *mac, u16 vlan)
{
	return jhash(mac, ETH_ALEN, vlan);
}

static u32 mac_hash(const u8 *mac)
{
	return jhash(mac, ETH_ALEN, 0);
}

static u32 ip_hash(bool is_ipv6, const u8 *ip)
{
	return jhash(ip, is_ipv6 ? 16 : 4, is_ipv6);
}

static struct eipoib_vif_entry *vif_find(struct eipoib_dev *eib,
					 const u8 *mac, u16 vlan)
{
	struct eipoib_vif_entry *e;

	hash_for_each_possible(eib->vifs, e, node, vif_hash(mac, vlan))
		if (ether_addr_equal(e->vif.mac, mac) && e->vif.vlan == vlan)
			return e;
	return NULL;
}

static struct eipoib_neigh_entry *neigh_find(struct eipoib_dev *eib,
					     const u8 *mac)
{
	struct eipoib_neigh_entry *e;

	hash_for_each_possible(eib->neighs, e, node, mac_hash(mac))
		if (ether_addr_equal(e->n.mac, mac))
			return e;
	return NULL;
}

static struct eipoib_ipaddr_entry *ipaddr_find(struct eipoib_dev *eib,
					       bool is_ipv6, const u8 *ip)
{
	struct eipoib_ipaddr_entry *e;

	hash_for_each_possible(eib->ipaddrs, e, node, ip_hash(is_ipv6, ip))
		if (e->is_ipv6 == is_ipv6 &&
		    !memcmp(e->ip, ip, is_ipv6 ? 16 : 4))
			return e;
	return NULL;
}

int eipoib_part_of_vlan(struct eipoib_dev *eib, u16 vlan)
{
	int i;

	for (i = 0; i < eib->n_parts; i++)
		if (eib->parts[i].p.vlan == vlan)
			return i;
	return -1;
}

/* ---- The core's callbacks. ---- */

static bool k_partition_by_vlan(void *aux, uint16_t vlan,
				struct eipoib_partition *p)
{
	struct eipoib_call *call = aux;
	int i = eipoib_part_of_vlan(call->eib, vlan);

	if (i < 0)
		return false;
	*p = call->eib->parts[i].p;
	return true;
}

static bool k_partition_by_pkey(void *aux, uint16_t pkey,
				struct eipoib_partition *p)
{
	struct eipoib_dev *eib = ((struct eipoib_call *)aux)->eib;
	int i;

	for (i = 0; i < eib->n_parts; i++) {
		if (ipoib_pkey_full(eib->parts[i].p.pkey) == pkey) {
			*p = eib->parts[i].p;
			return true;
		}
	}
	return false;
}

static bool k_vif_by_mac(void *aux, const uint8_t *mac, uint16_t vlan,
			 struct eipoib_vif *vif)
{
	struct eipoib_dev *eib = ((struct eipoib_call *)aux)->eib;
	struct eipoib_vif_entry *e;

	spin_lock_bh(&eib->lock);
	e = vif_find(eib, mac, vlan);
	if (e) {
		e->last_used = jiffies;
		e->tx_packets++;
		*vif = e->vif;
	}
	spin_unlock_bh(&eib->lock);
	return e != NULL;
}

/* Every vif of a partition shares the lower device's QPN (see the mapping
 * comment in eipoib_main.c), so the QPN alone does not name a vif: the rx
 * handler picks it by destination IP first and leaves it in the call. */
static bool k_vif_by_qpn(void *aux, uint32_t qpn, struct eipoib_vif *vif)
{
	struct eipoib_call *call = aux;

	if (!call->has_vif || call->vif.qpn != qpn)
		return false;
	*vif = call->vif;
	return true;
}

static bool k_neighbor_by_mac(void *aux, const uint8_t *mac,
			      struct eipoib_neighbor *n)
{
	struct eipoib_dev *eib = ((struct eipoib_call *)aux)->eib;
	struct eipoib_neigh_entry *e;

	spin_lock_bh(&eib->lock);
	e = neigh_find(eib, mac);
	if (e) {
		e->last_seen = jiffies;	/* In use: one-way traffic too. */
		*n = e->n;
	}
	spin_unlock_bh(&eib->lock);
	return e != NULL;
}

/* REMACs: the LID form needs the sender's LID, which an IPoIB net_device
 * never tells, so the kernel always uses the GID-hash form of ipoib.h
 * (06:xx:xx:xx:xx:xx), retried with the next attempt number on a
 * collision with a different peer. */
static bool k_neighbor_learn(void *aux, uint32_t qpn, uint16_t lid,
			     const struct ipoib_gid *gid, int flags,
			     uint8_t *mac)
{
	struct eipoib_call *call = aux;
	struct eipoib_dev *eib = call->eib;
	struct ipoib_addr addr;
	bool ok = false;
	int attempt;

	if (call->unresolved && qpn == EIPOIB_UNRESOLVED_QPN && gid &&
	    !memcmp(gid->b, eipoib_unresolved_gid.b, IPOIB_GID_LEN)) {
		memcpy(mac, call->unresolved_mac, ETH_ALEN);
		return true;
	}
	if (!gid)
		return false;
	ipoib_addr_init(&addr, flags < 0 ? 0 : flags, qpn, gid);

	spin_lock_bh(&eib->lock);
	for (attempt = 0; attempt < REMAC_ATTEMPTS; attempt++) {
		struct eipoib_neigh_entry *e;

		ipoib_remac_from_gid(gid, qpn, attempt, mac);
		e = neigh_find(eib, mac);
		if (e && ipoib_addr_same_peer(&e->n.addr, &addr)) {
			if (flags >= 0)
				e->n.addr.b[0] = flags;
			e->last_seen = jiffies;
			ok = true;
			break;
		}
		if (e) {
			eipoib_count(eib, EIPOIB_K_neigh_collisions, 1);
			continue;
		}
		if (eib->n_neighs >= eib->max_neighs)
			break;
		e = kzalloc(sizeof(*e), GFP_ATOMIC);
		if (!e)
			break;
		memcpy(e->n.mac, mac, ETH_ALEN);
		e->n.addr = addr;
		e->n.lid = lid;
		e->last_seen = jiffies;
		hash_add(eib->neighs, &e->node, mac_hash(mac));
		eib->n_neighs++;
		eipoib_count(eib, EIPOIB_K_neigh_learnt, 1);
		ok = true;
		break;
	}
	spin_unlock_bh(&eib->lock);
	if (!ok)
		eipoib_count(eib, EIPOIB_K_neigh_refused, 1);
	return ok;
}

static bool k_dhcp_remember(void *aux, const struct eipoib_dhcp_client *c)
{
	struct eipoib_dev *eib = ((struct eipoib_call *)aux)->eib;
	struct eipoib_dhcp_slot *slot = NULL;
	int i;

	spin_lock_bh(&eib->lock);
	for (i = 0; i < EIPOIB_DHCP_SLOTS; i++) {
		struct eipoib_dhcp_slot *s = &eib->dhcp[i];

		if (s->used && s->c.xid == c->xid &&
		    ether_addr_equal(s->c.mac, c->mac)) {
			slot = s;
			break;
		}
		if (!slot || !s->used ||
		    (slot->used && time_before(s->when, slot->when)))
			slot = s;
	}
	slot->used = true;
	slot->when = jiffies;
	slot->c = *c;
	spin_unlock_bh(&eib->lock);
	eipoib_count(eib, EIPOIB_K_dhcp_remembered, 1);
	return true;
}

static bool k_dhcp_find(void *aux, uint32_t xid, const uint8_t *cid,
			size_t cid_len, struct eipoib_dhcp_client *c)
{
	struct eipoib_dev *eib = ((struct eipoib_call *)aux)->eib;
	bool found = false;
	int i;

	spin_lock_bh(&eib->lock);
	for (i = 0; i < EIPOIB_DHCP_SLOTS && !found; i++) {
		struct eipoib_dhcp_slot *s = &eib->dhcp[i];

		if (!s->used || s->c.xid != xid)
			continue;
		if (cid && s->c.client_id_len &&
		    (cid_len != s->c.client_id_len ||
		     memcmp(cid, s->c.client_id, cid_len)))
			continue;
		*c = s->c;
		found = true;
	}
	spin_unlock_bh(&eib->lock);
	return found;
}

const struct eipoib_xlate_ops eipoib_kernel_ops = {
	.partition_by_vlan = k_partition_by_vlan,
	.partition_by_pkey = k_partition_by_pkey,
	.vif_by_mac = k_vif_by_mac,
	.vif_by_qpn = k_vif_by_qpn,
	.neighbor_by_mac = k_neighbor_by_mac,
	.neighbor_learn = k_neighbor_learn,
	.dhcp_remember = k_dhcp_remember,
	.dhcp_find = k_dhcp_find,
};

/* ---- Vifs and addresses. ---- */

bool eipoib_vif_add(struct eipoib_dev *eib, const u8 *mac, u16 vlan)
{
	int part = eipoib_part_of_vlan(eib, vlan);
	struct eipoib_vif_entry *e;
	bool ok = true;

	if (part < 0)
		return false;
	spin_lock_bh(&eib->lock);
	if (vif_find(eib, mac, vlan))
		goto out;
	if (eib->n_vifs >= eib->max_vifs) {
		ok = false;
		goto out;
	}
	e = kzalloc(sizeof(*e), GFP_ATOMIC);
	if (!e) {
		ok = false;
		goto out;
	}
	memcpy(e->vif.mac, mac, ETH_ALEN);
	e->vif.vlan = vlan;
	e->vif.qpn = eib->parts[part].p.base_qpn;
	e->part = part;
	e->last_used = jiffies;
	hash_add(eib->vifs, &e->node, vif_hash(mac, vlan));
	eib->n_vifs++;
	eipoib_count(eib, EIPOIB_K_vifs_added, 1);
out:
	spin_unlock_bh(&eib->lock);
	return ok;
}

void eipoib_vif_note_ip(struct eipoib_dev *eib, const u8 *mac, u16 vlan,
			bool is_ipv6, const u8 *ip)
{
	struct eipoib_vif_entry *e;
	int i;

	spin_lock_bh(&eib->lock);
	e = vif_find(eib, mac, vlan);
	if (!e)
		goto out;
	if (is_ipv6) {
		for (i = 0; i < e->n_ip6; i++)
			if (!memcmp(&e->ip6[i], ip, 16))
				goto out;
		i = e->n_ip6 < EIPOIB_MAX_IPS ? e->n_ip6++ : EIPOIB_MAX_IPS - 1;
		memcpy(&e->ip6[i], ip, 16);
	} else {
		for (i = 0; i < e->n_ip4; i++)
			if (!memcmp(&e->ip4[i], ip, 4))
				goto out;
		i = e->n_ip4 < EIPOIB_MAX_IPS ? e->n_ip4++ : EIPOIB_MAX_IPS - 1;
		memcpy(&e->ip4[i], ip, 4);
	}
out:
	spin_unlock_bh(&eib->lock);
}

bool eipoib_vif_by_ip(struct eipoib_dev *eib, int part, bool is_ipv6,
		      const u8 *ip, struct eipoib_vif *vif)
{
	struct eipoib_vif_entry *e;
	bool found = false;
	int bkt, i;

	spin_lock_bh(&eib->lock);
	hash_for_each(eib->vifs, bkt, e, node) {
		if (e->part != part)
			continue;
		for (i = 0; !is_ipv6 && i < e->n_ip4; i++)
			found |= !memcmp(&e->ip4[i], ip, 4);
		for (i = 0; is_ipv6 && i < e->n_ip6; i++)
			found |= !memcmp(&e->ip6[i], ip, 16);
		if (found) {
			e->rx_packets++;
			*vif = e->vif;
			break;
		}
	}
	spin_unlock_bh(&eib->lock);
	return found;
}

void eipoib_ipaddr_learn(struct eipoib_dev *eib, bool is_ipv6, const u8 *ip,
			 const u8 *addr)
{
	struct eipoib_ipaddr_entry *e;

	spin_lock_bh(&eib->lock);
	e = ipaddr_find(eib, is_ipv6, ip);
	if (!e) {
		if (eib->n_ipaddrs >= eib->max_neighs) {
			eipoib_count(eib, EIPOIB_K_neigh_refused, 1);
			goto out;
		}
		e = kzalloc(sizeof(*e), GFP_ATOMIC);
		if (!e)
			goto out;
		e->is_ipv6 = is_ipv6;
		memcpy(e->ip, ip, is_ipv6 ? 16 : 4);
		hash_add(eib->ipaddrs, &e->node, ip_hash(is_ipv6, ip));
		eib->n_ipaddrs++;
	}
	memcpy(e->addr.b, addr, IPOIB_ADDR_LEN);
	e->last_seen = jiffies;
out:
	spin_unlock_bh(&eib->lock);
}

bool eipoib_ipaddr_lookup(struct eipoib_dev *eib, bool is_ipv6, const u8 *ip,
			  struct ipoib_addr *addr)
{
	struct eipoib_ipaddr_entry *e;

	spin_lock_bh(&eib->lock);
	e = ipaddr_find(eib, is_ipv6, ip);
	if (e)
		*addr = e->addr;
	spin_unlock_bh(&eib->lock);
	return e != NULL;
}

/* ---- Multicast memberships. ---- */

static struct eipoib_membership *membership_find(struct eipoib_dev *eib,
						 int part,
						 const struct ipoib_gid *mgid,
						 const u8 *mac, u16 vlan)
{
	struct eipoib_membership *m;

	list_for_each_entry(m, &eib->memberships, node)
		if (m->part == part && m->vlan == vlan &&
		    ether_addr_equal(m->mac, mac) &&
		    !memcmp(m->mgid.b, mgid->b, IPOIB_GID_LEN))
			return m;
	return NULL;
}

static void membership_add(struct eipoib_dev *eib, int part,
			   const struct ipoib_gid *mgid, const u8 *mac,
			   u16 vlan, bool permanent)
{
	struct eipoib_membership *m;

	m = membership_find(eib, part, mgid, mac, vlan);
	if (!m) {
		if (eib->n_memberships >= eib->max_groups) {
			eipoib_count(eib, EIPOIB_K_mcast_refused, 1);
			return;
		}
		m = kzalloc(sizeof(*m), GFP_ATOMIC);
		if (!m) {
			eipoib_count(eib, EIPOIB_K_mcast_refused, 1);
			return;
		}
		m->part = part;
		m->mgid = *mgid;
		memcpy(m->mac, mac, ETH_ALEN);
		m->vlan = vlan;
		m->permanent = permanent;
		list_add_tail(&m->node, &eib->memberships);
		eib->n_memberships++;
		eib->mcast_dirty = true;
	}
	m->last_heard = jiffies;
}

static void membership_free(struct eipoib_dev *eib, struct eipoib_membership *m)
{
	list_del(&m->node);
	kfree(m);
	eib->n_memberships--;
	eib->mcast_dirty = true;
}

/* eipoib_mcast_parse() callback: 'aux' is the eipoib_call. */
void eipoib_mcast_signal(const struct eipoib_mcast_frame *f,
			 const struct eipoib_mcast_signal *s, void *aux)
{
	struct eipoib_dev *eib = ((struct eipoib_call *)aux)->eib;
	int part = eipoib_part_of_vlan(eib, f->vlan);
	struct eipoib_membership *m;
	struct ipoib_gid mgid;

	if (part < 0) {
		eipoib_count(eib, EIPOIB_K_mcast_vlan_unmapped, 1);
		return;
	}
	eipoib_mcast_group_mgid(&s->group, eib->parts[part].p.pkey,
				eib->parts[part].p.scope, &mgid);
	spin_lock_bh(&eib->lock);
	if (s->join) {
		membership_add(eib, part, &mgid, f->src_mac, f->vlan, false);
	} else {
		m = membership_find(eib, part, &mgid, f->src_mac, f->vlan);
		if (m && !m->permanent)
			membership_free(eib, m);
	}
	/* Under the lock: eipoib_work_stop() cannot slip in between. */
	if (eib->mcast_dirty && eib->work_enabled)
		mod_delayed_work(system_wq, &eib->work, 0);
	spin_unlock_bh(&eib->lock);
}

/* Groups every IPoIB interface is in: all-hosts 224.0.0.1 and all-nodes
 * ff02::1 (never reported by IGMP/MLD).  The broadcast group needs no
 * join here: the lower device is always in it. */
void eipoib_mcast_add_permanent(struct eipoib_dev *eib, int part)
{
	static const u8 all_hosts[4] = { 224, 0, 0, 1 };
	static const u8 all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	const struct eipoib_partition *p = &eib->parts[part].p;
	static const u8 zero_mac[ETH_ALEN];
	struct ipoib_gid mgid;

	spin_lock_bh(&eib->lock);
	ipoib_mgid_from_ipv4(all_hosts, p->pkey, p->scope, &mgid);
	membership_add(eib, part, &mgid, zero_mac, p->vlan, true);
	ipoib_mgid_from_ipv6(all_nodes, p->pkey, p->scope, &mgid);
	membership_add(eib, part, &mgid, zero_mac, p->vlan, true);
	spin_unlock_bh(&eib->lock);
}

struct mc_change {
	int part;
	u8 addr[IPOIB_ADDR_LEN];
};

static bool joined_has(struct eipoib_dev *eib, int part, const u8 *addr)
{
	struct eipoib_joined *j;

	list_for_each_entry(j, &eib->joined, node)
		if (j->part == part && !memcmp(j->addr, addr, IPOIB_ADDR_LEN))
			return true;
	return false;
}

/* Brings the lower devices' multicast lists in line with the memberships.
 * Process context; the table lock is not held while calling dev_mc_*. */
static void eipoib_mcast_sync(struct eipoib_dev *eib)
{
	struct eipoib_membership *m;
	struct eipoib_joined *j, *tmp;
	struct mc_change *adds;
	int n_adds = 0, i;

	adds = kcalloc(eib->max_groups, sizeof(*adds), GFP_KERNEL);
	if (!adds)
		return;

	spin_lock_bh(&eib->lock);
	eib->mcast_dirty = false;
	list_for_each_entry(m, &eib->memberships, node) {
		struct ipoib_addr a;

		ipoib_mcast_addr(&m->mgid, &a);
		if (joined_has(eib, m->part, a.b))
			continue;
		for (i = 0; i < n_adds; i++)
			if (adds[i].part == m->part &&
			    !memcmp(adds[i].addr, a.b, IPOIB_ADDR_LEN))
				break;
		if (i == n_adds && n_adds < eib->max_groups) {
			adds[n_adds].part = m->part;
			memcpy(adds[n_adds].addr, a.b, IPOIB_ADDR_LEN);
			n_adds++;
		}
	}
	/* Joined groups nobody is a member of any more. */
	list_for_each_entry(j, &eib->joined, node) {
		bool wanted = false;

		list_for_each_entry(m, &eib->memberships, node) {
			struct ipoib_addr a;

			ipoib_mcast_addr(&m->mgid, &a);
			if (m->part == j->part &&
			    !memcmp(a.b, j->addr, IPOIB_ADDR_LEN)) {
				wanted = true;
				break;
			}
		}
		j->part = wanted ? j->part : -1 - j->part;
	}
	spin_unlock_bh(&eib->lock);

	list_for_each_entry_safe(j, tmp, &eib->joined, node) {
		if (j->part >= 0)
			continue;
		dev_mc_del(eib->parts[-1 - j->part].lower, j->addr);
		list_del(&j->node);
		kfree(j);
		eipoib_count(eib, EIPOIB_K_mcast_leaves, 1);
	}
	for (i = 0; i < n_adds; i++) {
		j = kzalloc(sizeof(*j), GFP_KERNEL);
		if (!j)
			break;
		if (dev_mc_add(eib->parts[adds[i].part].lower, adds[i].addr)) {
			kfree(j);
			continue;
		}
		j->part = adds[i].part;
		memcpy(j->addr, adds[i].addr, IPOIB_ADDR_LEN);
		list_add_tail(&j->node, &eib->joined);
		eipoib_count(eib, EIPOIB_K_mcast_joins, 1);
	}
	kfree(adds);
}

void eipoib_mcast_leave_all(struct eipoib_dev *eib)
{
	struct eipoib_joined *j, *tmp;

	list_for_each_entry_safe(j, tmp, &eib->joined, node) {
		dev_mc_del(eib->parts[j->part].lower, j->addr);
		list_del(&j->node);
		kfree(j);
		eipoib_count(eib, EIPOIB_K_mcast_leaves, 1);
	}
	spin_lock_bh(&eib->lock);
	eib->mcast_dirty = true;	/* Join again on the next open. */
	spin_unlock_bh(&eib->lock);
}

/* ---- Aging. ---- */

static void eipoib_age(struct eipoib_dev *eib)
{
	unsigned long age = (unsigned long)eib->age_secs * HZ;
	unsigned long now = jiffies;
	struct eipoib_membership *m, *mtmp;
	struct eipoib_vif_entry *v;
	struct eipoib_neigh_entry *n;
	struct eipoib_ipaddr_entry *a;
	struct hlist_node *tmp;
	int bkt;

	spin_lock_bh(&eib->lock);
	hash_for_each_safe(eib->vifs, bkt, tmp, v, node) {
		if (!time_after(now, v->last_used + age))
			continue;
		list_for_each_entry_safe(m, mtmp, &eib->memberships, node)
			if (!m->permanent && m->vlan == v->vif.vlan &&
			    ether_addr_equal(m->mac, v->vif.mac))
				membership_free(eib, m);
		hash_del(&v->node);
		kfree(v);
		eib->n_vifs--;
		eipoib_count(eib, EIPOIB_K_vifs_aged, 1);
	}
	hash_for_each_safe(eib->neighs, bkt, tmp, n, node) {
		if (!time_after(now, n->last_seen + age))
			continue;
		hash_del(&n->node);
		kfree(n);
		eib->n_neighs--;
		eipoib_count(eib, EIPOIB_K_neigh_aged, 1);
	}
	hash_for_each_safe(eib->ipaddrs, bkt, tmp, a, node) {
		if (!time_after(now, a->last_seen + age))
			continue;
		hash_del(&a->node);
		kfree(a);
		eib->n_ipaddrs--;
	}
	list_for_each_entry_safe(m, mtmp, &eib->memberships, node) {
		if (m->permanent ||
		    !time_after(now, m->last_heard + EIPOIB_MEMBERSHIP_SECS * HZ))
			continue;
		membership_free(eib, m);
		eipoib_count(eib, EIPOIB_K_mcast_expired, 1);
	}
	spin_unlock_bh(&eib->lock);
}

void eipoib_work(struct work_struct *work)
{
	struct eipoib_dev *eib = container_of(to_delayed_work(work),
					      struct eipoib_dev, work);

	eipoib_age(eib);
	if (READ_ONCE(eib->mcast_dirty))
		eipoib_mcast_sync(eib);
	spin_lock_bh(&eib->lock);
	if (eib->work_enabled)
		schedule_delayed_work(&eib->work, HZ);
	spin_unlock_bh(&eib->lock);
}

/* ndo_open: aging and multicast joins start (now). */
void eipoib_work_start(struct eipoib_dev *eib)
{
	spin_lock_bh(&eib->lock);
	eib->work_enabled = true;
	eib->mcast_dirty = true;
	mod_delayed_work(system_wq, &eib->work, 0);
	spin_unlock_bh(&eib->lock);
}

/* ndo_stop: after this no work runs or is queued, whatever the transmit
 * path (which may still run during ndo_stop) does. */
void eipoib_work_stop(struct eipoib_dev *eib)
{
	spin_lock_bh(&eib->lock);
	eib->work_enabled = false;
	spin_unlock_bh(&eib->lock);
	cancel_delayed_work_sync(&eib->work);
}

void eipoib_tables_init(struct eipoib_dev *eib)
{
	spin_lock_init(&eib->lock);
	hash_init(eib->vifs);
	hash_init(eib->neighs);
	hash_init(eib->ipaddrs);
	INIT_LIST_HEAD(&eib->memberships);
	INIT_LIST_HEAD(&eib->joined);
	INIT_DELAYED_WORK(&eib->work, eipoib_work);
}

/* After the device is closed (work cancelled, groups left) and no rx
 * handler runs any more. */
void eipoib_tables_destroy(struct eipoib_dev *eib)
{
	struct eipoib_membership *m, *mtmp;
	struct eipoib_vif_entry *v;
	struct eipoib_neigh_entry *n;
	struct eipoib_ipaddr_entry *a;
	struct hlist_node *tmp;
	int bkt;

	hash_for_each_safe(eib->vifs, bkt, tmp, v, node) {
		hash_del(&v->node);
		kfree(v);
	}
	hash_for_each_safe(eib->neighs, bkt, tmp, n, node) {
		hash_del(&n->node);
		kfree(n);
	}
	hash_for_each_safe(eib->ipaddrs, bkt, tmp, a, node) {
		hash_del(&a->node);
		kfree(a);
	}
	list_for_each_entry_safe(m, mtmp, &eib->memberships, node) {
		list_del(&m->node);
		kfree(m);
	}
	eib->n_vifs = eib->n_neighs = eib->n_ipaddrs = eib->n_memberships = 0;
}
