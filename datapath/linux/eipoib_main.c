// SPDX-License-Identifier: GPL-2.0
/*
 * eipoib: an Ethernet net_device (rtnl link kind "eipoib") on top of an
 * IPoIB device (ARPHRD_INFINIBAND, 20-byte addresses), so that the Open
 * vSwitch kernel datapath, which takes only Ethernet-like ports, can
 * bridge VMs onto an InfiniBand fabric that speaks plain IPoIB:
 *
 *     ip link add eib0 link ib0 type eipoib
 *     ovs-vsctl add-port br0 eib0
 *
 * Translation (ARP/ND/DHCP rewriting, VLAN <-> P_Key, MGIDs) is the
 * project's translation core, lib/eipoib-xlate.c, compiled into this
 * module unchanged (eipoib_core_*.c include it); eipoib_tables.c gives it
 * its tables.
 *
 * How vifs map to queue pairs
 * ---------------------------
 * Userspace eIPoIB gives each VM (MAC, VLAN) a UD QP of its own.  An
 * in-kernel shim could do the same with one IPoIB child interface per VM,
 * but: the ipoib driver offers no in-kernel API to create children (only
 * rtnetlink from process context, so the first frames of each new VM
 * would have to wait in a queue), every child costs a QP, a broadcast
 * group join and a multicast state machine of its own, and children are
 * visible, name-limited net_devices that operators and other software
 * would trip over.  So this module maps vifs to QPs differently:
 *
 *   every vif of a partition shares the QP of that partition's lower
 *   device (ib0, or a P_Key child of it for a VLAN), and is known to the
 *   fabric by that device's 20-byte address with flags 0x00 (no RC).
 *   Remote IPoIB hosts thus see each VM IP at ib0's address, as if ib0
 *   answered ARP/ND for it (proxy ARP).  Received unicast is
 *   demultiplexed by destination IP (ARP target IP for ARP) among the
 *   IPs each vif was seen sending from; DHCP replies by transaction ID;
 *   broadcast and multicast go to the bridge (a copy) and also on to the
 *   host's own stack on ib0.  Unicast for no vif IP is left to the host.
 *
 * The cost: VMs cannot be told apart by QPN on the wire, and a VM only
 * receives unicast for IPs it has sent from (which every VM does before
 * it can be reached: ARP, DHCP, ND DAD).  The core's vif_by_qpn callback
 * returns the vif the rx handler picked by IP for this packet.
 *
 * Sender addresses: an IPoIB net_device passes no source QPN/GID up (the
 * 20 bytes in front of the packet are zeros).  The rx handler takes the
 * sender from the payload where it is there (ARP sender address, ND
 * source/target link-layer option), otherwise from an IP -> address cache
 * learnt from ARP and ND; failing that the frame still goes up, with a
 * placeholder source MAC 0a:00:<IPv4> or 0a:01:<low 32 bits of IPv6>
 * (counted as rx-sender-unresolved) that resolves to nothing, so that a
 * VM's reply to it is dropped as unknown-unicast until the VM ARPs.
 *
 * Context: the transmit path and the rx handler run in softirq context
 * and never sleep (GFP_ATOMIC, spinlocks); the table lock is never held
 * while the core translates; multicast joins and aging run in a delayed
 * work.  Linux coding style in this directory.
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/ipv6.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/rtnetlink.h>

#include "eipoib.h"

#define ETH_HDR 14

static bool eipoib_is_lower(const struct net_device *dev);
static netdev_tx_t eipoib_xmit(struct sk_buff *skb, struct net_device *dev);

/* Points skb data/len at what the core left in 'pkt'. */
static void eipoib_apply_pkt(struct sk_buff *skb, const struct eipoib_pkt *pkt)
{
	long delta = (long)pkt->ofs - (long)(skb->data - skb->head);

	if (delta < 0)
		skb_push(skb, -delta);
	else
		skb_pull(skb, delta);
	if (pkt->len > skb->len)
		skb_put(skb, pkt->len - skb->len);
	else
		skb_trim(skb, pkt->len);
}

static void eipoib_pkt_of_skb(struct sk_buff *skb, struct eipoib_pkt *pkt)
{
	pkt->base = skb->head;
	pkt->size = skb_end_offset(skb);
	pkt->ofs = skb->data - skb->head;
	pkt->len = skb->len;
}

/* ---- Transmit (bridge -> fabric). ---- */

/* Source MAC, VLAN and source IP of an outgoing frame: what the vif is
 * later found by on receive. */
struct frame_src {
	u8 mac[ETH_ALEN];
	u16 vlan;
	unsigned int l3;	/* Offset of the L3 header. */
	bool has_ip, is_ipv6;
	u8 ip[16];
};

static void frame_source(const u8 *f, unsigned int len, struct frame_src *s)
{
	unsigned int l3 = ETH_HDR;
	u16 type;

	s->has_ip = false;
	s->is_ipv6 = false;
	s->l3 = ETH_HDR;
	if (len < ETH_HDR)
		return;
	memcpy(s->mac, f + 6, ETH_ALEN);
	type = (f[12] << 8) | f[13];
	s->vlan = 0;
	if (type == ETH_P_8021Q && len >= ETH_HDR + 4) {
		s->vlan = ((f[14] << 8) | f[15]) & VLAN_VID_MASK;
		type = (f[16] << 8) | f[17];
		l3 += 4;
	}
	s->l3 = l3;
	if (type == ETH_P_IP && len >= l3 + 20) {
		memcpy(s->ip, f + l3 + 12, 4);
		s->has_ip = !!memchr_inv(s->ip, 0, 4);
	} else if ((type == ETH_P_ARP || type == ETH_P_RARP) &&
		   len >= l3 + 28) {
		memcpy(s->ip, f + l3 + 14, 4);
		s->has_ip = !!memchr_inv(s->ip, 0, 4);
	} else if (type == ETH_P_IPV6 && len >= l3 + 40) {
		memcpy(s->ip, f + l3 + 8, 16);
		s->is_ipv6 = true;
		s->has_ip = memchr_inv(s->ip, 0, 16) && s->ip[0] != 0xff;
	}
}

static void eipoib_count_verdict(struct eipoib_dev *eib, enum eipoib_verdict v)
{
	if (v > EIPOIB_OK && v < N_EIPOIB_VERDICTS)
		eipoib_count(eib, EIPOIB_CNT_VERDICT(v), 1);
}

/* A frame went to a REMAC this device does not know (any more: after a
 * reload, or aged out while the VM kept it cached).  REMACs are a hash of
 * the peer's address and cannot be turned back into it, so ask the fabric:
 * an ARP request for the frame's IPv4 destination, from the VM, broadcast.
 * The answer (unicast to the VM) relearns the peer under the same REMAC.
 * At most one every 100 ms per device. */
static void eipoib_probe(struct eipoib_dev *eib, const struct sk_buff *frame,
			 const struct frame_src *src)
{
	unsigned int l3 = src->l3;
	const u8 *f = frame->data;
	unsigned long last = READ_ONCE(eib->last_probe);
	struct sk_buff *skb;
	u8 *p;

	if (src->is_ipv6 || !src->has_ip || frame->len < l3 + 20 ||
	    ipoib_get_be16(f + l3 - 2) != ETH_P_IP ||
	    !time_after(jiffies, last + HZ / 10) ||
	    cmpxchg(&eib->last_probe, last, jiffies) != last)
		return;
	skb = netdev_alloc_skb(eib->dev, EIPOIB_TX_HEADROOM + l3 + 28 + 32);
	if (!skb)
		return;
	skb_reserve(skb, EIPOIB_TX_HEADROOM);
	p = skb_put(skb, l3 + 28);
	eth_broadcast_addr(p);
	memcpy(p + 6, src->mac, ETH_ALEN);
	if (l3 > ETH_HDR) {
		ipoib_put_be16(p + 12, ETH_P_8021Q);
		ipoib_put_be16(p + 14, src->vlan);
	}
	ipoib_put_be16(p + l3 - 2, ETH_P_ARP);
	p += l3;
	ipoib_put_be16(p, ARPHRD_ETHER);
	ipoib_put_be16(p + 2, ETH_P_IP);
	p[4] = ETH_ALEN;
	p[5] = 4;
	ipoib_put_be16(p + 6, ARPOP_REQUEST);
	memcpy(p + 8, src->mac, ETH_ALEN);
	memcpy(p + 14, src->ip, 4);
	memset(p + 18, 0, ETH_ALEN);
	memcpy(p + 24, f + l3 + 16, 4);		/* IPv4 destination */
	eipoib_count(eib, EIPOIB_K_tx_arp_probes, 1);
	eipoib_xmit(skb, eib->dev);
}

static netdev_tx_t eipoib_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct eipoib_dev *eib = netdev_priv(dev);
	struct eipoib_call call = { .eib = eib };
	enum eipoib_mcast_verdict mv;
	struct eipoib_tx_info info;
	struct eipoib_xlate x;
	struct eipoib_pkt pkt;
	enum eipoib_verdict v;
	struct frame_src src;
	struct net_device *lower;
	unsigned int len;
	int tries = 0, part, rc;
	u16 type;

	if (skb_vlan_tag_present(skb)) {
		skb = __vlan_hwaccel_push_inside(skb);
		if (!skb) {
			eipoib_count(eib, EIPOIB_K_tx_nomem, 1);
			return NETDEV_TX_OK;
		}
	}
	if (skb_linearize(skb) || skb_cow(skb, EIPOIB_TX_HEADROOM)) {
		eipoib_count(eib, EIPOIB_K_tx_nomem, 1);
		goto drop;
	}

	/* Multicast snooping sees every frame, whatever becomes of it. */
	mv = eipoib_mcast_parse(skb->data, skb->len, NULL, eipoib_mcast_signal,
				&call);
	if (eipoib_mcast_verdict_is_error(mv))
		eipoib_count(eib, EIPOIB_CNT_MCAST(mv), 1);
	frame_source(skb->data, skb->len, &src);

	eipoib_xlate_init(&x, &eipoib_kernel_ops, &call, 0, &eib->gid);
	for (;;) {
		eipoib_pkt_of_skb(skb, &pkt);
		v = eipoib_xlate_tx(&x, &pkt, &info);
		if (v != EIPOIB_UNKNOWN_VIF || tries++)
			break;
		if (!eipoib_vif_add(eib, info.vif.mac, info.vif.vlan)) {
			eipoib_count(eib, EIPOIB_K_tx_vif_limit, 1);
			goto drop;
		}
	}
	if (v != EIPOIB_OK) {
		eipoib_count_verdict(eib, v);
		if (v == EIPOIB_UNKNOWN_UNICAST)
			eipoib_probe(eib, skb, &src);
		goto drop;
	}
	if (src.has_ip)
		eipoib_vif_note_ip(eib, src.mac, src.vlan, src.is_ipv6, src.ip);
	eipoib_apply_pkt(skb, &pkt);

	part = eipoib_part_of_vlan(eib, info.partition.vlan);
	if (part < 0)
		goto drop;	/* The core found it: cannot happen. */
	lower = eib->parts[part].lower;
	if (!(lower->flags & IFF_UP) || !netif_carrier_ok(lower)) {
		eipoib_count(eib, EIPOIB_K_tx_lower_down, 1);
		goto drop;
	}

	/* The lower device's header_ops put back the IPoIB header and the
	 * 20-byte destination pseudo header. */
	type = ipoib_get_be16(skb->data);
	skb_pull(skb, IPOIB_HDR_LEN);
	if (skb_cow_head(skb, lower->hard_header_len + lower->needed_headroom)) {
		eipoib_count(eib, EIPOIB_K_tx_nomem, 1);
		goto drop;
	}
	skb_reset_network_header(skb);
	skb->protocol = htons(type);
	skb->dev = lower;
	if (dev_hard_header(skb, lower, type, info.dst.b, NULL, skb->len) < 0) {
		eipoib_count(eib, EIPOIB_K_tx_lower_error, 1);
		goto drop;
	}
	len = skb->len;
	rc = dev_queue_xmit(skb);
	if (net_xmit_eval(rc) == 0) {
		eipoib_count(eib, EIPOIB_K_tx_packets, 1);
		eipoib_count(eib, EIPOIB_K_tx_bytes, len);
	} else {
		eipoib_count(eib, EIPOIB_K_tx_lower_error, 1);
	}
	return NETDEV_TX_OK;

drop:
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

/* ---- Receive (fabric -> bridge). ---- */

/* Destination IP by which a unicast packet picks its vif. */
static bool rx_dst_ip(struct sk_buff *skb, u16 type, bool *is_ipv6, u8 *ip)
{
	unsigned int ofs, n;

	switch (type) {
	case ETH_P_IP:
		ofs = 16, n = 4;
		break;
	case ETH_P_IPV6:
		ofs = 24, n = 16;
		break;
	case ETH_P_ARP:
	case ETH_P_RARP:
		ofs = 52, n = 4;
		break;
	default:
		return false;
	}
	*is_ipv6 = n == 16;
	return !skb_copy_bits(skb, ofs, ip, n);
}

/* What can be learnt of the sender from the packet: address found in the
 * payload (ARP SHA, ND option) with the IP it belongs to. */
struct rx_sender {
	bool has_addr;
	struct ipoib_addr addr;
	bool learn;		/* Remember learn_ip -> addr. */
	bool learn_ipv6;
	u8 learn_ip[16];
};

static void rx_sender_from_nd(const u8 *l3, unsigned int len,
			      struct rx_sender *s)
{
	unsigned int plen, p, end;
	u8 icmp_type;

	if (len < 40 + 8 || l3[6] != IPPROTO_ICMPV6)
		return;
	plen = (l3[4] << 8) | l3[5];
	end = min(len, 40 + plen);
	icmp_type = l3[40];
	switch (icmp_type) {
	case 133:			/* RS */
		p = 40 + 8;
		break;
	case 134:			/* RA */
		p = 40 + 16;
		break;
	case 135:			/* NS */
	case 136:			/* NA */
		p = 40 + 24;
		break;
	default:
		return;
	}
	for (; p + 2 <= end && l3[p + 1]; p += l3[p + 1] * 8) {
		if (p + l3[p + 1] * 8 > end)
			return;
		if (l3[p + 1] != IPOIB_ND_OPT_UNITS)
			continue;
		if (l3[p] == IPOIB_ND_OPT_SLLA && memchr_inv(l3 + 8, 0, 16)) {
			memcpy(s->addr.b, l3 + p + 4, IPOIB_ADDR_LEN);
			s->has_addr = true;
			s->learn = true;
			s->learn_ipv6 = true;
			memcpy(s->learn_ip, l3 + 8, 16);	/* source */
		} else if (l3[p] == IPOIB_ND_OPT_TLLA && icmp_type == 136 &&
			   !s->has_addr) {
			/* An advertisement's target address is, in practice,
			 * its sender's. */
			memcpy(s->addr.b, l3 + p + 4, IPOIB_ADDR_LEN);
			s->has_addr = true;
			s->learn = true;
			s->learn_ipv6 = true;
			memcpy(s->learn_ip, l3 + 40 + 8, 16);	/* target */
		}
	}
}

static void rx_find_sender(const u8 *l3, unsigned int len, u16 type,
			   struct rx_sender *s)
{
	memset(s, 0, sizeof(*s));
	if ((type == ETH_P_ARP || type == ETH_P_RARP) &&
	    ipoib_arp_is_valid(l3, len)) {
		memcpy(s->addr.b, l3 + 8, IPOIB_ADDR_LEN);
		s->has_addr = ipoib_addr_is_unicast(&s->addr);
		s->learn = s->has_addr && memchr_inv(l3 + 28, 0, 4);
		memcpy(s->learn_ip, l3 + 28, 4);
	} else if (type == ETH_P_IPV6) {
		rx_sender_from_nd(l3, len, s);
	}
	if (s->has_addr && !ipoib_addr_is_unicast(&s->addr))
		s->has_addr = s->learn = false;
}

static rx_handler_result_t eipoib_rx_handler(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct eipoib_part *part = rcu_dereference(skb->dev->rx_handler_data);
	struct eipoib_dev *eib = part->eib;
	int part_idx = part - eib->parts;
	struct eipoib_call call = { .eib = eib };
	struct eipoib_rx_meta meta;
	struct eipoib_rx_info info;
	struct rx_sender sender;
	struct eipoib_xlate x;
	struct eipoib_pkt pkt;
	enum eipoib_verdict v;
	u16 type = ntohs(skb->protocol);
	bool mcast, is_ipv6;
	u8 ip[16];
	u8 *l3;

	if (skb->pkt_type == PACKET_LOOPBACK ||
	    skb->pkt_type == PACKET_OTHERHOST)
		return RX_HANDLER_PASS;
	mcast = skb->pkt_type == PACKET_BROADCAST ||
		skb->pkt_type == PACKET_MULTICAST;
	if (!netif_running(eib->dev)) {
		eipoib_count(eib, EIPOIB_K_rx_dev_down, 1);
		return RX_HANDLER_PASS;
	}

	if (!mcast) {
		if (!rx_dst_ip(skb, type, &is_ipv6, ip) ||
		    !eipoib_vif_by_ip(eib, part_idx, is_ipv6, ip, &call.vif)) {
			eipoib_count(eib, EIPOIB_K_rx_host_passed, 1);
			return RX_HANDLER_PASS;
		}
		call.has_vif = true;
		skb = skb_share_check(skb, GFP_ATOMIC);
		if (!skb)
			goto nomem_consumed;
		if (skb_linearize(skb) ||
		    skb_cow(skb, IPOIB_HDR_LEN + EIPOIB_RX_HEADROOM)) {
			kfree_skb(skb);
			goto nomem_consumed;
		}
	} else {
		/* A private copy for the bridge; the original goes on to
		 * the host's stack on the lower device. */
		skb = skb_copy_expand(skb, IPOIB_HDR_LEN + EIPOIB_RX_HEADROOM +
				      NET_SKB_PAD, 0, GFP_ATOMIC);
		if (!skb) {
			eipoib_count(eib, EIPOIB_K_rx_nomem, 1);
			return RX_HANDLER_PASS;
		}
	}

	/* The core wants the 4-byte IPoIB header in front. */
	l3 = skb->data;
	ipoib_hdr_put(skb_push(skb, IPOIB_HDR_LEN), type);

	memset(&meta, 0, sizeof(meta));
	meta.pkey = eib->parts[part_idx].p.pkey;
	meta.dst_qpn = eib->parts[part_idx].p.base_qpn;
	meta.has_grh = true;
	if (!mcast) {
		meta.dgid = eib->gid;
	} else if (skb->pkt_type == PACKET_MULTICAST && type == ETH_P_IP &&
		   skb->len >= IPOIB_HDR_LEN + 20 && (l3[16] & 0xf0) == 0xe0) {
		ipoib_mgid_from_ipv4(l3 + 16, meta.pkey,
				     eib->parts[part_idx].p.scope, &meta.dgid);
	} else if (skb->pkt_type == PACKET_MULTICAST && type == ETH_P_IPV6 &&
		   skb->len >= IPOIB_HDR_LEN + 40 && l3[24] == 0xff) {
		ipoib_mgid_from_ipv6(l3 + 24, meta.pkey,
				     eib->parts[part_idx].p.scope, &meta.dgid);
	} else {
		ipoib_broadcast_mgid(meta.pkey, eib->parts[part_idx].p.scope,
				     &meta.dgid);
	}

	rx_find_sender(l3, skb->len - IPOIB_HDR_LEN, type, &sender);
	if (!sender.has_addr) {
		bool v6 = type == ETH_P_IPV6;
		unsigned int need = v6 ? 40 : 20;

		if ((type == ETH_P_IP || v6) &&
		    skb->len >= IPOIB_HDR_LEN + need &&
		    eipoib_ipaddr_lookup(eib, v6, l3 + (v6 ? 8 : 12),
					 &sender.addr)) {
			sender.has_addr = true;
		}
	}
	if (sender.has_addr) {
		meta.src_qpn = ipoib_addr_qpn(&sender.addr);
		ipoib_addr_get_gid(&sender.addr, &meta.sgid);
	} else {
		/* Unknown sender (see the comment at the top). */
		call.unresolved = true;
		call.unresolved_mac[0] = 0x0a;
		if (type == ETH_P_IPV6 && skb->len >= IPOIB_HDR_LEN + 40) {
			call.unresolved_mac[1] = 0x01;
			memcpy(call.unresolved_mac + 2, l3 + 20, 4);
		} else if (type == ETH_P_IP && skb->len >= IPOIB_HDR_LEN + 20) {
			memcpy(call.unresolved_mac + 2, l3 + 12, 4);
		}
		meta.src_qpn = EIPOIB_UNRESOLVED_QPN;
		meta.sgid = eipoib_unresolved_gid;
		eipoib_count(eib, EIPOIB_K_rx_sender_unresolved, 1);
	}

	eipoib_xlate_init(&x, &eipoib_kernel_ops, &call, 0, &eib->gid);
	eipoib_pkt_of_skb(skb, &pkt);
	v = eipoib_xlate_rx(&x, &pkt, &meta, &info);
	if (v != EIPOIB_OK) {
		eipoib_count_verdict(eib, v);
		kfree_skb(skb);
		return mcast ? RX_HANDLER_PASS : RX_HANDLER_CONSUMED;
	}
	if (sender.learn)
		eipoib_ipaddr_learn(eib, sender.learn_ipv6, sender.learn_ip,
				    sender.addr.b);

	eipoib_apply_pkt(skb, &pkt);
	skb->dev = eib->dev;
	skb->ip_summed = CHECKSUM_NONE;
	skb_scrub_packet(skb, false);
	eipoib_count(eib, EIPOIB_K_rx_packets, 1);
	eipoib_count(eib, EIPOIB_K_rx_bytes, skb->len);
	skb->protocol = eth_type_trans(skb, eib->dev);
	if (mcast) {
		netif_rx(skb);
		return RX_HANDLER_PASS;
	}
	*pskb = skb;
	return RX_HANDLER_ANOTHER;

nomem_consumed:
	eipoib_count(eib, EIPOIB_K_rx_nomem, 1);
	return RX_HANDLER_CONSUMED;
}

/* ---- net_device. ---- */

static int eipoib_open(struct net_device *dev)
{
	struct eipoib_dev *eib = netdev_priv(dev);
	int i;

	for (i = 0; i < eib->n_parts; i++)
		eipoib_mcast_add_permanent(eib, i);
	eipoib_work_start(eib);
	return 0;
}

static int eipoib_stop(struct net_device *dev)
{
	struct eipoib_dev *eib = netdev_priv(dev);

	eipoib_work_stop(eib);
	eipoib_mcast_leave_all(eib);
	return 0;
}

static void eipoib_get_stats64(struct net_device *dev,
			       struct rtnl_link_stats64 *s)
{
	struct eipoib_dev *eib = netdev_priv(dev);
	int v;

	s->tx_packets = atomic64_read(&eib->counters[EIPOIB_K_tx_packets]);
	s->tx_bytes = atomic64_read(&eib->counters[EIPOIB_K_tx_bytes]);
	s->rx_packets = atomic64_read(&eib->counters[EIPOIB_K_rx_packets]);
	s->rx_bytes = atomic64_read(&eib->counters[EIPOIB_K_rx_bytes]);
	s->tx_dropped =
		atomic64_read(&eib->counters[EIPOIB_K_tx_vif_limit]) +
		atomic64_read(&eib->counters[EIPOIB_K_tx_nomem]) +
		atomic64_read(&eib->counters[EIPOIB_K_tx_lower_down]) +
		atomic64_read(&eib->counters[EIPOIB_K_tx_lower_error]);
	s->rx_dropped = atomic64_read(&eib->counters[EIPOIB_K_rx_nomem]);
	for (v = EIPOIB_OK + 1; v < N_EIPOIB_VERDICTS; v++) {
		u64 n = atomic64_read(&eib->counters[EIPOIB_CNT_VERDICT(v)]);

		if (!strncmp(eipoib_verdict_name(v), "rx-", 3))
			s->rx_dropped += n;
		else
			s->tx_dropped += n;
	}
}

static void eipoib_set_rx_mode(struct net_device *dev)
{
	/* Nothing to filter: receive follows the snooped memberships. */
}

static int eipoib_get_iflink(const struct net_device *dev)
{
	struct eipoib_dev *eib = netdev_priv(dev);

	return eib->parts[0].lower->ifindex;
}

static const struct net_device_ops eipoib_netdev_ops = {
	.ndo_open = eipoib_open,
	.ndo_stop = eipoib_stop,
	.ndo_start_xmit = eipoib_xmit,
	.ndo_get_stats64 = eipoib_get_stats64,
	.ndo_set_rx_mode = eipoib_set_rx_mode,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_validate_addr = eth_validate_addr,
	.ndo_get_iflink = eipoib_get_iflink,
};

static void eipoib_destructor(struct net_device *dev)
{
	eipoib_tables_destroy(netdev_priv(dev));
}

static void eipoib_setup(struct net_device *dev)
{
	struct eipoib_dev *eib = netdev_priv(dev);

	ether_setup(dev);
	dev->netdev_ops = &eipoib_netdev_ops;
	dev->ethtool_ops = &eipoib_ethtool_ops;
	dev->needs_free_netdev = true;
	dev->priv_destructor = eipoib_destructor;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->features |= NETIF_F_LLTX | NETIF_F_NETNS_LOCAL;
	dev->sysfs_groups[0] = &eipoib_sysfs_group;
	eth_hw_addr_random(dev);
	eib->dev = dev;
	eipoib_tables_init(eib);
}

/* ---- rtnetlink. ---- */

static const struct nla_policy eipoib_policy[IFLA_EIPOIB_MAX + 1] = {
	[IFLA_EIPOIB_VLAN] = { .type = NLA_U16 },
	[IFLA_EIPOIB_PARTITIONS] = { .type = NLA_NESTED },
	[IFLA_EIPOIB_MAX_VIFS] = { .type = NLA_U32 },
	[IFLA_EIPOIB_MAX_NEIGHS] = { .type = NLA_U32 },
	[IFLA_EIPOIB_MAX_GROUPS] = { .type = NLA_U32 },
	[IFLA_EIPOIB_AGE] = { .type = NLA_U32 },
};

static const struct nla_policy eipoib_part_policy[IFLA_EIPOIB_PART_MAX + 1] = {
	[IFLA_EIPOIB_PART_VLAN] = { .type = NLA_U16 },
	[IFLA_EIPOIB_PART_LINK] = { .type = NLA_U32 },
};

static int eipoib_validate(struct nlattr *tb[], struct nlattr *data[],
			   struct netlink_ext_ack *extack)
{
	if (tb[IFLA_ADDRESS]) {
		if (nla_len(tb[IFLA_ADDRESS]) != ETH_ALEN ||
		    !is_valid_ether_addr(nla_data(tb[IFLA_ADDRESS])))
			return -EADDRNOTAVAIL;
	}
	if (data && data[IFLA_EIPOIB_VLAN] &&
	    nla_get_u16(data[IFLA_EIPOIB_VLAN]) >= VLAN_N_VID - 1) {
		NL_SET_ERR_MSG(extack, "eipoib: VLAN must be 0..4094");
		return -ERANGE;
	}
	return 0;
}

/* Fills partition 'i' from lower device 'lower' (P_Key and scope from its
 * broadcast address, QPN from its own address). */
static int eipoib_set_part(struct eipoib_dev *eib, int i,
			   struct net_device *lower, u16 vlan,
			   struct netlink_ext_ack *extack)
{
	struct eipoib_part *part = &eib->parts[i];
	int j;

	if (lower->type != ARPHRD_INFINIBAND ||
	    lower->addr_len != IPOIB_ADDR_LEN) {
		NL_SET_ERR_MSG(extack, "eipoib: lower device is not IPoIB");
		return -EINVAL;
	}
	if (eipoib_is_lower(lower)) {
		NL_SET_ERR_MSG(extack, "eipoib: lower device already used");
		return -EBUSY;
	}
	if (i && memcmp(lower->dev_addr + 4, eib->gid.b, IPOIB_GID_LEN)) {
		NL_SET_ERR_MSG(extack,
			       "eipoib: partition devices must share the port GID");
		return -EINVAL;
	}
	for (j = 0; j < i; j++) {
		if (eib->parts[j].p.vlan == vlan ||
		    eib->parts[j].lower == lower) {
			NL_SET_ERR_MSG(extack,
				       "eipoib: VLAN or device given twice");
			return -EINVAL;
		}
	}
	part->eib = eib;
	part->lower = lower;
	part->p.vlan = vlan;
	part->p.pkey = ipoib_get_be16(lower->broadcast + 8);
	part->p.scope = lower->broadcast[5] & 0x0f;
	part->p.mtu = min_t(unsigned int, lower->mtu, 0xffff);
	part->p.base_qpn = ipoib_get_be24(lower->dev_addr + 1);
	if (!i)
		memcpy(eib->gid.b, lower->dev_addr + 4, IPOIB_GID_LEN);
	return 0;
}

static int eipoib_parse_parts(struct net *net, struct eipoib_dev *eib,
			      struct nlattr *nest,
			      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[IFLA_EIPOIB_PART_MAX + 1];
	struct nlattr *attr;
	int rem, err;

	nla_for_each_nested(attr, nest, rem) {
		struct net_device *lower;
		u16 vlan;

		if (nla_type(attr) != IFLA_EIPOIB_PARTITION)
			continue;
		if (eib->n_parts >= EIPOIB_MAX_PARTS) {
			NL_SET_ERR_MSG(extack, "eipoib: too many partitions");
			return -E2BIG;
		}
		err = nla_parse_nested_deprecated(tb, IFLA_EIPOIB_PART_MAX,
						  attr, eipoib_part_policy,
						  extack);
		if (err)
			return err;
		if (!tb[IFLA_EIPOIB_PART_VLAN] || !tb[IFLA_EIPOIB_PART_LINK]) {
			NL_SET_ERR_MSG(extack,
				       "eipoib: partition needs VLAN and link");
			return -EINVAL;
		}
		vlan = nla_get_u16(tb[IFLA_EIPOIB_PART_VLAN]);
		if (vlan >= VLAN_N_VID - 1) {
			NL_SET_ERR_MSG(extack, "eipoib: VLAN must be 0..4094");
			return -ERANGE;
		}
		lower = __dev_get_by_index(net,
					   nla_get_u32(tb[IFLA_EIPOIB_PART_LINK]));
		if (!lower)
			return -ENODEV;
		err = eipoib_set_part(eib, eib->n_parts, lower, vlan, extack);
		if (err)
			return err;
		eib->n_parts++;
	}
	return 0;
}

static void eipoib_unlink_lowers(struct eipoib_dev *eib, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		netdev_upper_dev_unlink(eib->parts[i].lower, eib->dev);
		netdev_rx_handler_unregister(eib->parts[i].lower);
	}
}

static int eipoib_newlink(struct net *src_net, struct net_device *dev,
			  struct nlattr *tb[], struct nlattr *data[],
			  struct netlink_ext_ack *extack)
{
	struct eipoib_dev *eib = netdev_priv(dev);
	struct net_device *lower;
	unsigned int mtu;
	int err, i;

	if (!tb[IFLA_LINK]) {
		NL_SET_ERR_MSG(extack, "eipoib: needs 'link IPOIB-DEVICE'");
		return -EINVAL;
	}
	lower = __dev_get_by_index(src_net, nla_get_u32(tb[IFLA_LINK]));
	if (!lower)
		return -ENODEV;
	if (!net_eq(src_net, dev_net(dev))) {
		NL_SET_ERR_MSG(extack,
			       "eipoib: must be in the lower device's netns");
		return -EINVAL;
	}

	eib->max_vifs = EIPOIB_DEF_MAX_VIFS;
	eib->max_neighs = EIPOIB_DEF_MAX_NEIGHS;
	eib->max_groups = EIPOIB_DEF_MAX_GROUPS;
	eib->age_secs = EIPOIB_DEF_AGE;
	if (data && data[IFLA_EIPOIB_MAX_VIFS])
		eib->max_vifs = nla_get_u32(data[IFLA_EIPOIB_MAX_VIFS]);
	if (data && data[IFLA_EIPOIB_MAX_NEIGHS])
		eib->max_neighs = nla_get_u32(data[IFLA_EIPOIB_MAX_NEIGHS]);
	if (data && data[IFLA_EIPOIB_MAX_GROUPS])
		eib->max_groups = nla_get_u32(data[IFLA_EIPOIB_MAX_GROUPS]);
	if (data && data[IFLA_EIPOIB_AGE])
		eib->age_secs = nla_get_u32(data[IFLA_EIPOIB_AGE]);
	if (!eib->max_vifs || !eib->max_neighs || !eib->max_groups ||
	    eib->max_vifs > 65536 || eib->max_neighs > 1 << 20 ||
	    eib->max_groups > 65536 || !eib->age_secs ||
	    eib->age_secs > 86400) {
		NL_SET_ERR_MSG(extack, "eipoib: limit out of range");
		return -ERANGE;
	}

	err = eipoib_set_part(eib, 0, lower,
			      data && data[IFLA_EIPOIB_VLAN] ?
			      nla_get_u16(data[IFLA_EIPOIB_VLAN]) : 0, extack);
	if (err)
		return err;
	eib->n_parts = 1;
	if (data && data[IFLA_EIPOIB_PARTITIONS]) {
		err = eipoib_parse_parts(src_net, eib,
					 data[IFLA_EIPOIB_PARTITIONS], extack);
		if (err)
			return err;
	}

	mtu = lower->mtu;
	for (i = 1; i < eib->n_parts; i++)
		mtu = min(mtu, eib->parts[i].lower->mtu);
	dev->max_mtu = mtu;
	if (!tb[IFLA_MTU] || dev->mtu > mtu)
		dev->mtu = mtu;

	err = register_netdevice(dev);
	if (err)
		return err;
	for (i = 0; i < eib->n_parts; i++) {
		err = netdev_rx_handler_register(eib->parts[i].lower,
						 eipoib_rx_handler,
						 &eib->parts[i]);
		if (err)
			goto unwind;
		err = netdev_upper_dev_link(eib->parts[i].lower, dev, extack);
		if (err) {
			netdev_rx_handler_unregister(eib->parts[i].lower);
			goto unwind;
		}
	}
	netif_stacked_transfer_operstate(lower, dev);
	return 0;

unwind:
	eipoib_unlink_lowers(eib, i);
	unregister_netdevice(dev);
	return err;
}

static void eipoib_dellink(struct net_device *dev, struct list_head *head)
{
	struct eipoib_dev *eib = netdev_priv(dev);

	eipoib_unlink_lowers(eib, eib->n_parts);
	unregister_netdevice_queue(dev, head);
}

static size_t eipoib_get_size(const struct net_device *dev)
{
	return nla_total_size(2) + 4 * nla_total_size(4) +
	       nla_total_size(0) +
	       EIPOIB_MAX_PARTS * (nla_total_size(0) + nla_total_size(2) +
				   nla_total_size(4));
}

static int eipoib_fill_info(struct sk_buff *skb, const struct net_device *dev)
{
	struct eipoib_dev *eib = netdev_priv(dev);
	struct nlattr *parts, *part;
	int i;

	if (nla_put_u16(skb, IFLA_EIPOIB_VLAN, eib->parts[0].p.vlan) ||
	    nla_put_u32(skb, IFLA_EIPOIB_MAX_VIFS, eib->max_vifs) ||
	    nla_put_u32(skb, IFLA_EIPOIB_MAX_NEIGHS, eib->max_neighs) ||
	    nla_put_u32(skb, IFLA_EIPOIB_MAX_GROUPS, eib->max_groups) ||
	    nla_put_u32(skb, IFLA_EIPOIB_AGE, eib->age_secs))
		return -EMSGSIZE;
	parts = nla_nest_start(skb, IFLA_EIPOIB_PARTITIONS);
	if (!parts)
		return -EMSGSIZE;
	for (i = 1; i < eib->n_parts; i++) {
		part = nla_nest_start(skb, IFLA_EIPOIB_PARTITION);
		if (!part ||
		    nla_put_u16(skb, IFLA_EIPOIB_PART_VLAN,
				eib->parts[i].p.vlan) ||
		    nla_put_u32(skb, IFLA_EIPOIB_PART_LINK,
				eib->parts[i].lower->ifindex))
			return -EMSGSIZE;
		nla_nest_end(skb, part);
	}
	nla_nest_end(skb, parts);
	return 0;
}

static struct rtnl_link_ops eipoib_link_ops __read_mostly = {
	.kind = "eipoib",
	.priv_size = sizeof(struct eipoib_dev),
	.setup = eipoib_setup,
	.maxtype = IFLA_EIPOIB_MAX,
	.policy = eipoib_policy,
	.validate = eipoib_validate,
	.newlink = eipoib_newlink,
	.dellink = eipoib_dellink,
	.get_size = eipoib_get_size,
	.fill_info = eipoib_fill_info,
};

static bool eipoib_is_lower(const struct net_device *dev)
{
	return rcu_access_pointer(dev->rx_handler) == eipoib_rx_handler;
}

/* Lower devices going away take their eipoib device with them; address
 * changes (a new QPN after an ipoib reset) are followed. */
static int eipoib_notify(struct notifier_block *nb, unsigned long event,
			 void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct eipoib_part *part;
	struct eipoib_dev *eib;
	LIST_HEAD(kill);

	if (!eipoib_is_lower(dev))
		return NOTIFY_DONE;
	part = rtnl_dereference(dev->rx_handler_data);
	eib = part->eib;

	switch (event) {
	case NETDEV_UNREGISTER:
		eipoib_dellink(eib->dev, &kill);
		unregister_netdevice_many(&kill);
		break;
	case NETDEV_CHANGEADDR:
		part->p.base_qpn = ipoib_get_be24(dev->dev_addr + 1);
		if (part == &eib->parts[0])
			memcpy(eib->gid.b, dev->dev_addr + 4, IPOIB_GID_LEN);
		break;
	case NETDEV_CHANGEMTU:
		part->p.mtu = min_t(unsigned int, dev->mtu, 0xffff);
		break;
	case NETDEV_UP:
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
		if (part == &eib->parts[0])
			netif_stacked_transfer_operstate(dev, eib->dev);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block eipoib_notifier = {
	.notifier_call = eipoib_notify,
};

static int __init eipoib_init(void)
{
	int err;

	err = register_netdevice_notifier(&eipoib_notifier);
	if (err)
		return err;
	err = rtnl_link_register(&eipoib_link_ops);
	if (err)
		unregister_netdevice_notifier(&eipoib_notifier);
	return err;
}

static void __exit eipoib_exit(void)
{
	rtnl_link_unregister(&eipoib_link_ops);
	unregister_netdevice_notifier(&eipoib_notifier);
}

module_init(eipoib_init);
module_exit(eipoib_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Ethernet over IPoIB (eIPoIB) net_device for Open vSwitch");
MODULE_ALIAS_RTNL_LINK("eipoib");
