// SPDX-License-Identifier: GPL-2.0
/*
 * TEST FIXTURE ONLY -- never install, never load on a real host.
 *
 * ibpair_test: back-to-back pairs of fake IPoIB net_devices for testing the
 * eipoib module in a QEMU guest, where no InfiniBand hardware exists (and
 * Soft-RoCE has no IPoIB).  Each pair (tib2i, tib2i+1) is a wire: a packet
 * sent on one arrives on the other, as from another host.
 *
 * What it imitates of Linux ib_ipoib (../../../shared/ref/ipoib-wire.md
 * section 5; written here from that description, not from ipoib's code):
 *   - type ARPHRD_INFINIBAND, 20-byte addresses (flags 0x80, QPN, GID),
 *     the IPoIB broadcast address with the pair's P_Key, MTU 2044;
 *   - header_ops with only .create: it pushes the 4-byte IPoIB header and
 *     then a 20-byte pseudo header holding the destination address
 *     (hard_header_len 24); the transmit routine takes the pseudo header
 *     off again;
 *   - transmit accepts only IPv4, IPv6, ARP and RARP;
 *   - multicast destinations (address byte 4 == 0xff) get the device's
 *     P_Key written into bytes 8..9;
 *   - receive: skb->protocol from the IPoIB header, 20 zero bytes pushed
 *     as pseudo header (mac header), data at L3, pkt_type HOST, BROADCAST
 *     or MULTICAST.  The sender's address is NOT passed up (as in ipoib);
 *   - delivery like an IB port: unicast only to the peer's QPN + GID,
 *     multicast only to groups the peer joined (its netdev multicast list),
 *     broadcast always; P_Keys must share their low 15 bits and at least
 *     one side must be a full member.
 * Every refusal is counted (ethtool -S tibN).
 *
 * Parameters: pairs=N (1..8), pkeys=P0,P1,... (P_Key of each pair,
 * default 0xffff), pkey_b=... (override for the second device of a pair,
 * 0 = same as pkeys; to test mismatching partitions), ports=... (the
 * "HCA port" of each device, default its index: devices of one port share
 * the port GID fe80::2:c903:1:<port>, as ib0 and its P_Key children do;
 * every device has its own QPN 0x48 + index).
 */

#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/if_arp.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>

#define TIB_ADDR_LEN 20
#define TIB_HDR_LEN 4
#define TIB_HARD_LEN (TIB_HDR_LEN + TIB_ADDR_LEN)
#define TIB_MTU 2044
#define TIB_MAX_PAIRS 8

static int pairs = 2;
module_param(pairs, int, 0444);
MODULE_PARM_DESC(pairs, "number of back-to-back device pairs (1..8)");

static ushort pkeys[TIB_MAX_PAIRS];
static int n_pkeys;
module_param_array(pkeys, ushort, &n_pkeys, 0444);
MODULE_PARM_DESC(pkeys, "P_Key of each pair (default 0xffff)");

static ushort ports[2 * TIB_MAX_PAIRS];
static int n_ports;
module_param_array(ports, ushort, &n_ports, 0444);
MODULE_PARM_DESC(ports, "port (GID) of each device (default: its index)");

static ushort pkey_b[TIB_MAX_PAIRS];
static int n_pkey_b;
module_param_array(pkey_b, ushort, &n_pkey_b, 0444);
MODULE_PARM_DESC(pkey_b, "P_Key of the second device of each pair (0: same)");

#define TIB_COUNTERS(C)                                                 \
	C(tx_packets) C(tx_bytes) C(rx_packets) C(rx_bytes)             \
	C(drop_short) C(drop_no_daddr) C(drop_ethertype) C(drop_too_big) \
	C(drop_peer_down) C(drop_pkey_mismatch) C(drop_not_joined)     \
	C(drop_unicast_miss) C(drop_nomem)

enum tib_counter {
#define C(NAME) TIB_##NAME,
	TIB_COUNTERS(C)
#undef C
	TIB_N_COUNTERS
};

static const char tib_counter_names[][ETH_GSTRING_LEN] = {
#define C(NAME) #NAME,
	TIB_COUNTERS(C)
#undef C
};

struct tib_priv {
	struct net_device __rcu *peer;
	u16 pkey;
	atomic64_t counters[TIB_N_COUNTERS];
};

static struct net_device *tib_devs[2 * TIB_MAX_PAIRS];

static void tib_count(struct net_device *dev, enum tib_counter c, u64 n)
{
	struct tib_priv *priv = netdev_priv(dev);

	atomic64_add(n, &priv->counters[c]);
}

static int tib_hard_header(struct sk_buff *skb, struct net_device *dev,
			   unsigned short type, const void *daddr,
			   const void *saddr, unsigned int len)
{
	u8 *p = skb_push(skb, TIB_HARD_LEN);

	/* Pseudo header (destination) first, then the IPoIB header. */
	if (daddr)
		memcpy(p, daddr, TIB_ADDR_LEN);
	else
		memset(p, 0, TIB_ADDR_LEN);
	p[TIB_ADDR_LEN] = type >> 8;
	p[TIB_ADDR_LEN + 1] = type;
	p[TIB_ADDR_LEN + 2] = 0;
	p[TIB_ADDR_LEN + 3] = 0;
	return TIB_HARD_LEN;
}

static const struct header_ops tib_header_ops = {
	.create = tib_hard_header,
};

static bool tib_type_ok(u16 type)
{
	return type == ETH_P_IP || type == ETH_P_IPV6 || type == ETH_P_ARP ||
	       type == ETH_P_RARP;
}

static bool tib_pkeys_match(u16 a, u16 b)
{
	return (a & 0x7fff) == (b & 0x7fff) && ((a | b) & 0x8000);
}

/* True if 'dev' joined the group of multicast address 'daddr' (MGID in
 * bytes 4..19). */
static bool tib_joined(struct net_device *dev, const u8 *daddr)
{
	struct netdev_hw_addr *ha;
	bool found = false;

	netif_addr_lock_bh(dev);
	netdev_for_each_mc_addr(ha, dev) {
		if (!memcmp(ha->addr + 4, daddr + 4, 16)) {
			found = true;
			break;
		}
	}
	netif_addr_unlock_bh(dev);
	return found;
}

static netdev_tx_t tib_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct tib_priv *priv = netdev_priv(dev);
	struct net_device *peer;
	struct tib_priv *ppriv;
	u8 daddr[TIB_ADDR_LEN];
	unsigned int len;
	u16 type;
	u8 pkt_type;

	if (!pskb_may_pull(skb, TIB_HARD_LEN)) {
		tib_count(dev, TIB_drop_short, 1);
		goto drop;
	}
	memcpy(daddr, skb->data, TIB_ADDR_LEN);
	type = (skb->data[TIB_ADDR_LEN] << 8) | skb->data[TIB_ADDR_LEN + 1];
	skb_pull(skb, TIB_ADDR_LEN);            /* Now at the IPoIB header. */
	len = skb->len;

	if (!memchr_inv(daddr, 0, TIB_ADDR_LEN)) {
		tib_count(dev, TIB_drop_no_daddr, 1);
		goto drop;
	}
	if (!tib_type_ok(type)) {
		tib_count(dev, TIB_drop_ethertype, 1);
		goto drop;
	}
	if (len - TIB_HDR_LEN > dev->mtu) {
		tib_count(dev, TIB_drop_too_big, 1);
		goto drop;
	}
	if (daddr[4] == 0xff) {
		daddr[8] = priv->pkey >> 8;
		daddr[9] = priv->pkey;
	}
	tib_count(dev, TIB_tx_packets, 1);
	tib_count(dev, TIB_tx_bytes, len);

	/* Now it is on the wire; what follows is the peer port's view. */
	rcu_read_lock();
	peer = rcu_dereference(priv->peer);
	if (!peer || !netif_running(peer)) {
		tib_count(dev, TIB_drop_peer_down, 1);
		goto drop_unlock;
	}
	ppriv = netdev_priv(peer);
	if (!tib_pkeys_match(priv->pkey, ppriv->pkey)) {
		tib_count(peer, TIB_drop_pkey_mismatch, 1);
		goto drop_unlock;
	}
	if (daddr[4] == 0xff) {
		if (!memcmp(daddr + 4, peer->broadcast + 4, 16)) {
			pkt_type = PACKET_BROADCAST;
		} else if (tib_joined(peer, daddr)) {
			pkt_type = PACKET_MULTICAST;
		} else {
			tib_count(peer, TIB_drop_not_joined, 1);
			goto drop_unlock;
		}
	} else if (!memcmp(daddr + 1, peer->dev_addr + 1, TIB_ADDR_LEN - 1)) {
		pkt_type = PACKET_HOST;
	} else {
		tib_count(peer, TIB_drop_unicast_miss, 1);
		goto drop_unlock;
	}

	if (skb_cow_head(skb, TIB_ADDR_LEN)) {
		tib_count(peer, TIB_drop_nomem, 1);
		goto drop_unlock;
	}
	skb_scrub_packet(skb, !net_eq(dev_net(dev), dev_net(peer)));
	skb->dev = peer;
	skb->protocol = htons(type);
	skb->pkt_type = pkt_type;
	skb->ip_summed = CHECKSUM_NONE;
	/* 20 zero bytes of pseudo header, then L3: what ipoib passes up. */
	memset(skb_push(skb, TIB_ADDR_LEN), 0, TIB_ADDR_LEN);
	skb_reset_mac_header(skb);
	skb_pull(skb, TIB_HARD_LEN);
	skb_reset_network_header(skb);
	tib_count(peer, TIB_rx_packets, 1);
	tib_count(peer, TIB_rx_bytes, len);
	netif_rx(skb);
	rcu_read_unlock();
	return NETDEV_TX_OK;

drop_unlock:
	rcu_read_unlock();
drop:
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

static void tib_get_stats64(struct net_device *dev,
			    struct rtnl_link_stats64 *s)
{
	struct tib_priv *priv = netdev_priv(dev);
	u64 rx_drops = 0, tx_drops = 0;

	s->tx_packets = atomic64_read(&priv->counters[TIB_tx_packets]);
	s->tx_bytes = atomic64_read(&priv->counters[TIB_tx_bytes]);
	s->rx_packets = atomic64_read(&priv->counters[TIB_rx_packets]);
	s->rx_bytes = atomic64_read(&priv->counters[TIB_rx_bytes]);
	tx_drops += atomic64_read(&priv->counters[TIB_drop_short]);
	tx_drops += atomic64_read(&priv->counters[TIB_drop_no_daddr]);
	tx_drops += atomic64_read(&priv->counters[TIB_drop_ethertype]);
	tx_drops += atomic64_read(&priv->counters[TIB_drop_too_big]);
	tx_drops += atomic64_read(&priv->counters[TIB_drop_peer_down]);
	rx_drops += atomic64_read(&priv->counters[TIB_drop_pkey_mismatch]);
	rx_drops += atomic64_read(&priv->counters[TIB_drop_not_joined]);
	rx_drops += atomic64_read(&priv->counters[TIB_drop_unicast_miss]);
	rx_drops += atomic64_read(&priv->counters[TIB_drop_nomem]);
	s->tx_dropped = tx_drops;
	s->rx_dropped = rx_drops;
}

/* Multicast joins are simply the netdev's list (read at delivery). */
static void tib_set_rx_mode(struct net_device *dev)
{
}

static int tib_change_mtu(struct net_device *dev, int mtu)
{
	dev->mtu = mtu;
	return 0;
}

static const struct net_device_ops tib_netdev_ops = {
	.ndo_start_xmit = tib_xmit,
	.ndo_get_stats64 = tib_get_stats64,
	.ndo_set_rx_mode = tib_set_rx_mode,
	.ndo_change_mtu = tib_change_mtu,
};

static void tib_get_drvinfo(struct net_device *dev,
			    struct ethtool_drvinfo *info)
{
	strscpy(info->driver, "ibpair_test", sizeof(info->driver));
}

static int tib_get_sset_count(struct net_device *dev, int sset)
{
	return sset == ETH_SS_STATS ? TIB_N_COUNTERS : -EOPNOTSUPP;
}

static void tib_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	if (sset == ETH_SS_STATS)
		memcpy(data, tib_counter_names, sizeof(tib_counter_names));
}

static void tib_get_ethtool_stats(struct net_device *dev,
				  struct ethtool_stats *stats, u64 *data)
{
	struct tib_priv *priv = netdev_priv(dev);
	int i;

	for (i = 0; i < TIB_N_COUNTERS; i++)
		data[i] = atomic64_read(&priv->counters[i]);
}

static const struct ethtool_ops tib_ethtool_ops = {
	.get_drvinfo = tib_get_drvinfo,
	.get_sset_count = tib_get_sset_count,
	.get_strings = tib_get_strings,
	.get_ethtool_stats = tib_get_ethtool_stats,
	.get_link = ethtool_op_get_link,
};

static void tib_setup(struct net_device *dev)
{
	dev->type = ARPHRD_INFINIBAND;
	dev->addr_len = TIB_ADDR_LEN;
	dev->hard_header_len = TIB_HARD_LEN;
	dev->mtu = TIB_MTU;
	dev->min_mtu = 68;
	dev->max_mtu = 4092;
	dev->tx_queue_len = 1000;
	dev->flags = IFF_BROADCAST | IFF_MULTICAST;
	dev->features |= NETIF_F_VLAN_CHALLENGED;
	dev->header_ops = &tib_header_ops;
	dev->netdev_ops = &tib_netdev_ops;
	dev->ethtool_ops = &tib_ethtool_ops;
}

/* Device 'index': QPN 0x48 + index, GID fe80::2:c903:1:<port>, RC flag
 * set as Linux ipoib sets it; broadcast address with the P_Key. */
static struct net_device *tib_create(int index, u16 pkey)
{
	u16 port = index < n_ports ? ports[index] : index;
	struct net_device *dev;
	struct tib_priv *priv;
	u8 addr[TIB_ADDR_LEN] = { 0x80, 0x00, 0x00, 0x48 + index,
				  0xfe, 0x80, 0, 0, 0, 0, 0, 0,
				  0x00, 0x02, 0xc9, 0x03, 0x00, 0x01,
				  port >> 8, port & 0xff };
	int err;

	dev = alloc_netdev(sizeof(*priv), "tib%d", NET_NAME_ENUM, tib_setup);
	if (!dev)
		return NULL;
	priv = netdev_priv(dev);
	priv->pkey = pkey | 0x8000;  /* As ipoib: the full-member form. */
	dev_addr_set(dev, addr);
	memset(dev->broadcast, 0, TIB_ADDR_LEN);
	memset(dev->broadcast + 1, 0xff, 4);
	dev->broadcast[5] = 0x12;
	dev->broadcast[6] = 0x40;
	dev->broadcast[7] = 0x1b;
	dev->broadcast[8] = priv->pkey >> 8;
	dev->broadcast[9] = priv->pkey;
	memset(dev->broadcast + 16, 0xff, 4);
	/* The partition key of the port, not forced to full membership. */
	priv->pkey = pkey;
	err = register_netdevice(dev);
	if (err) {
		free_netdev(dev);
		return NULL;
	}
	return dev;
}

static void tib_destroy_all(void)
{
	LIST_HEAD(kill);
	int i;

	for (i = 0; i < 2 * TIB_MAX_PAIRS; i++) {
		struct tib_priv *priv;

		if (!tib_devs[i])
			continue;
		priv = netdev_priv(tib_devs[i]);
		RCU_INIT_POINTER(priv->peer, NULL);
	}
	synchronize_net();
	for (i = 0; i < 2 * TIB_MAX_PAIRS; i++) {
		if (tib_devs[i])
			unregister_netdevice_queue(tib_devs[i], &kill);
		tib_devs[i] = NULL;
	}
	unregister_netdevice_many(&kill);
}

static int __init tib_init(void)
{
	int i;

	if (pairs < 1 || pairs > TIB_MAX_PAIRS)
		return -EINVAL;
	pr_warn("ibpair_test: TEST FIXTURE loaded, fake IPoIB devices only\n");
	rtnl_lock();
	for (i = 0; i < pairs; i++) {
		u16 pa = i < n_pkeys && pkeys[i] ? pkeys[i] : 0xffff;
		u16 pb = i < n_pkey_b && pkey_b[i] ? pkey_b[i] : pa;
		struct tib_priv *a, *b;

		tib_devs[2 * i] = tib_create(2 * i, pa);
		tib_devs[2 * i + 1] = tib_create(2 * i + 1, pb);
		if (!tib_devs[2 * i] || !tib_devs[2 * i + 1]) {
			tib_destroy_all();
			rtnl_unlock();
			return -ENOMEM;
		}
		a = netdev_priv(tib_devs[2 * i]);
		b = netdev_priv(tib_devs[2 * i + 1]);
		rcu_assign_pointer(a->peer, tib_devs[2 * i + 1]);
		rcu_assign_pointer(b->peer, tib_devs[2 * i]);
		netif_carrier_on(tib_devs[2 * i]);
		netif_carrier_on(tib_devs[2 * i + 1]);
	}
	rtnl_unlock();
	return 0;
}

static void __exit tib_exit(void)
{
	rtnl_lock();
	tib_destroy_all();
	rtnl_unlock();
}

module_init(tib_init);
module_exit(tib_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("TEST FIXTURE: back-to-back fake IPoIB device pairs");
