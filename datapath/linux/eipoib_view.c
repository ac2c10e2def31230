// SPDX-License-Identifier: GPL-2.0
/*
 * eipoib: what operators see.  ethtool -S (every counter, every drop
 * reason of the translation core and of the multicast parser) and a
 * read-only sysfs directory /sys/class/net/DEV/eipoib/ with the
 * partitions, limits, vifs, neighbours (REMAC -> 20-byte address), the
 * IP -> address cache, multicast memberships and the same counters, one
 * "name value" per line, which ovs-appctl eipoib/show reads.
 */
#include <linux/ethtool.h>
#include <linux/netdevice.h>

#include "eipoib.h"

static const char *const kcounter_names[] = {
#define C(ENUM, NAME) NAME,
	EIPOIB_KCOUNTERS(C)
#undef C
};

static const char *counter_name(int i)
{
	if (i < EIPOIB_N_KCOUNTERS)
		return kcounter_names[i];
	i -= EIPOIB_N_KCOUNTERS;
	if (i < N_EIPOIB_VERDICTS - 1)
		return eipoib_verdict_name(i + 1);
	return NULL;
}

/* Multicast parser verdicts get a prefix, built into 'buf'. */
static void counter_string(int i, char buf[ETH_GSTRING_LEN])
{
	const char *name = counter_name(i);

	if (name)
		strscpy(buf, name, ETH_GSTRING_LEN);
	else
		snprintf(buf, ETH_GSTRING_LEN, "mcast-%s",
			 eipoib_mcast_verdict_name(i - EIPOIB_N_KCOUNTERS -
						   (N_EIPOIB_VERDICTS - 1) +
						   EIPOIB_MCAST_FIRST_ERROR));
}

static void eipoib_get_drvinfo(struct net_device *dev,
			       struct ethtool_drvinfo *info)
{
	struct eipoib_dev *eib = netdev_priv(dev);

	strscpy(info->driver, "eipoib", sizeof(info->driver));
	strscpy(info->bus_info, eib->parts[0].lower->name,
		sizeof(info->bus_info));
}

static int eipoib_get_sset_count(struct net_device *dev, int sset)
{
	return sset == ETH_SS_STATS ? EIPOIB_N_COUNTERS : -EOPNOTSUPP;
}

static void eipoib_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	int i;

	if (sset != ETH_SS_STATS)
		return;
	for (i = 0; i < EIPOIB_N_COUNTERS; i++)
		counter_string(i, (char *)data + i * ETH_GSTRING_LEN);
}

static void eipoib_get_ethtool_stats(struct net_device *dev,
				     struct ethtool_stats *stats, u64 *data)
{
	struct eipoib_dev *eib = netdev_priv(dev);
	int i;

	for (i = 0; i < EIPOIB_N_COUNTERS; i++)
		data[i] = atomic64_read(&eib->counters[i]);
}

const struct ethtool_ops eipoib_ethtool_ops = {
	.get_drvinfo = eipoib_get_drvinfo,
	.get_link = ethtool_op_get_link,
	.get_sset_count = eipoib_get_sset_count,
	.get_strings = eipoib_get_strings,
	.get_ethtool_stats = eipoib_get_ethtool_stats,
};

/* ---- sysfs (read-only). ---- */

static struct eipoib_dev *to_eib(struct device *d)
{
	return netdev_priv(to_net_dev(d));
}

/* Appends to a sysfs page, never past it. */
#define EMIT(buf, len, ...)                                             \
	((len) += scnprintf((buf) + (len), PAGE_SIZE - (len), __VA_ARGS__))

static ssize_t partitions_show(struct device *d, struct device_attribute *a,
			       char *buf)
{
	struct eipoib_dev *eib = to_eib(d);
	char gid[IPOIB_GID_STRLEN];
	ssize_t len = 0;
	int i;

	EMIT(buf, len, "gid %s\n", ipoib_gid_format(&eib->gid, gid));
	for (i = 0; i < eib->n_parts; i++) {
		const struct eipoib_part *p = &eib->parts[i];

		EMIT(buf, len, "vlan %u pkey 0x%04x lower %s qpn 0x%06x mtu %u\n",
		     p->p.vlan, p->p.pkey, p->lower->name, p->p.base_qpn,
		     p->p.mtu);
	}
	return len;
}

static ssize_t limits_show(struct device *d, struct device_attribute *a,
			   char *buf)
{
	struct eipoib_dev *eib = to_eib(d);

	return sysfs_emit(buf, "max-vifs %u\nmax-neighbors %u\nmax-groups %u\n"
			  "age %u\n", eib->max_vifs, eib->max_neighs,
			  eib->max_groups, eib->age_secs);
}

static ssize_t vifs_show(struct device *d, struct device_attribute *a,
			 char *buf)
{
	struct eipoib_dev *eib = to_eib(d);
	struct eipoib_vif_entry *e;
	ssize_t len = 0;
	int bkt, i;

	spin_lock_bh(&eib->lock);
	hash_for_each(eib->vifs, bkt, e, node) {
		EMIT(buf, len, "%pM vlan %u qpn 0x%06x idle %us tx %llu rx %llu",
		     e->vif.mac, e->vif.vlan, e->vif.qpn,
		     jiffies_to_msecs(jiffies - e->last_used) / 1000,
		     e->tx_packets, e->rx_packets);
		for (i = 0; i < e->n_ip4; i++)
			EMIT(buf, len, " %pI4", &e->ip4[i]);
		for (i = 0; i < e->n_ip6; i++)
			EMIT(buf, len, " %pI6c", &e->ip6[i]);
		EMIT(buf, len, "\n");
	}
	spin_unlock_bh(&eib->lock);
	return len;
}

static ssize_t neighbors_show(struct device *d, struct device_attribute *a,
			      char *buf)
{
	struct eipoib_dev *eib = to_eib(d);
	struct eipoib_neigh_entry *n;
	ssize_t len = 0;
	int bkt;

	spin_lock_bh(&eib->lock);
	hash_for_each(eib->neighs, bkt, n, node)
		EMIT(buf, len, "%pM %*phC idle %us\n", n->n.mac,
		     IPOIB_ADDR_LEN, n->n.addr.b,
		     jiffies_to_msecs(jiffies - n->last_seen) / 1000);
	spin_unlock_bh(&eib->lock);
	return len;
}

/* The IP -> IPoIB address cache that names senders on receive. */
static ssize_t addresses_show(struct device *d, struct device_attribute *a,
			      char *buf)
{
	struct eipoib_dev *eib = to_eib(d);
	struct eipoib_ipaddr_entry *e;
	ssize_t len = 0;
	int bkt;

	spin_lock_bh(&eib->lock);
	hash_for_each(eib->ipaddrs, bkt, e, node) {
		if (e->is_ipv6)
			EMIT(buf, len, "%pI6c", e->ip);
		else
			EMIT(buf, len, "%pI4", e->ip);
		EMIT(buf, len, " %*phC idle %us\n", IPOIB_ADDR_LEN, e->addr.b,
		     jiffies_to_msecs(jiffies - e->last_seen) / 1000);
	}
	spin_unlock_bh(&eib->lock);
	return len;
}

static ssize_t groups_show(struct device *d, struct device_attribute *a,
			   char *buf)
{
	struct eipoib_dev *eib = to_eib(d);
	struct eipoib_membership *m;
	char mgid[IPOIB_GID_STRLEN];
	ssize_t len = 0;

	spin_lock_bh(&eib->lock);
	list_for_each_entry(m, &eib->memberships, node)
		EMIT(buf, len, "%s vlan %u member %pM%s\n",
		     ipoib_gid_format(&m->mgid, mgid), m->vlan, m->mac,
		     m->permanent ? " permanent" : "");
	spin_unlock_bh(&eib->lock);
	return len;
}

static ssize_t counters_show(struct device *d, struct device_attribute *a,
			     char *buf)
{
	struct eipoib_dev *eib = to_eib(d);
	char name[ETH_GSTRING_LEN];
	ssize_t len = 0;
	int i;

	for (i = 0; i < EIPOIB_N_COUNTERS; i++) {
		counter_string(i, name);
		EMIT(buf, len, "%s %llu\n", name,
		     (unsigned long long)atomic64_read(&eib->counters[i]));
	}
	return len;
}

static DEVICE_ATTR_RO(partitions);
static DEVICE_ATTR_RO(limits);
static DEVICE_ATTR_RO(vifs);
static DEVICE_ATTR_RO(neighbors);
static DEVICE_ATTR_RO(addresses);
static DEVICE_ATTR_RO(groups);
static DEVICE_ATTR_RO(counters);

static struct attribute *eipoib_attrs[] = {
	&dev_attr_partitions.attr,
	&dev_attr_limits.attr,
	&dev_attr_vifs.attr,
	&dev_attr_neighbors.attr,
	&dev_attr_addresses.attr,
	&dev_attr_groups.attr,
	&dev_attr_counters.attr,
	NULL,
};

const struct attribute_group eipoib_sysfs_group = {
	.name = "eipoib",
	.attrs = eipoib_attrs,
};
