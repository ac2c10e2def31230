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

#ifndef EIPOIB_ANNOUNCE_H
#define EIPOIB_ANNOUNCE_H 1

/* Announcing a VM's addresses on its behalf, after an uplink restart.
 *
 * A restarted uplink serves its VMs from new queue pairs, so their IPoIB
 * addresses (QPN + GID) change while remote hosts keep the old ones in
 * their ARP and neighbour caches.  The uplink therefore remembers which
 * IPv4 and IPv6 addresses each VM claims (eipoib_announce_snoop(), from the
 * VM's own ARP and ND messages) and, once the VM's vif is back, sends for
 * each of them the Ethernet frame the VM would send to announce a move: a
 * gratuitous ARP request, or an unsolicited Neighbor Advertisement with the
 * Override flag to all nodes (RFC 4861 section 7.2.6).  The frames go
 * through the ordinary transmit translation, so they leave from the vif's
 * new QP with its new address in them.
 *
 * Plain C, no I/O, no allocation, no OVS types, like eipoib-xlate. */

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#endif

/* An address a VM claims. */
struct eipoib_vm_addr {
    bool is_ipv6;
    uint8_t addr[16];           /* IPv4 in addr[0..3], the rest zero. */
};

/* Room each frame builder needs: an 86-byte NA plus an 802.1Q tag. */
#define EIPOIB_ANNOUNCE_FRAME_MAX 90

/* The addresses that the Ethernet frame 'frame' ('len' bytes, maybe 802.1Q
 * tagged) shows its sender owns: the sender address of an ARP or RARP whose
 * sender MAC is the frame's source, the source of an IPv6 Router
 * Solicitation, Neighbor Solicitation or Advertisement, and the target of
 * an Advertisement.  Unspecified, multicast, broadcast and loopback
 * addresses are ignored.  Stores up to 2 in 'out' and returns how many. */
size_t eipoib_announce_snoop(const uint8_t *frame, size_t len,
                             struct eipoib_vm_addr out[2]);

/* Builds in 'buf' ('size' bytes) the gratuitous ARP request of 'mac' for
 * IPv4 address 'ip4', tagged with 'vlan' unless it is 0, padded to the
 * Ethernet minimum.  Returns its length, or 0 if 'size' is too small. */
size_t eipoib_announce_garp(const uint8_t mac[6], uint16_t vlan,
                            const uint8_t ip4[4], uint8_t *buf, size_t size);

/* Builds in 'buf' the unsolicited Neighbor Advertisement of 'mac' for IPv6
 * address 'ip6' to all nodes (ff02::1, hop limit 255, Override set,
 * Solicited clear, target link-layer address 'mac'), with its checksum.
 * Returns its length, or 0 if 'size' is too small. */
size_t eipoib_announce_una(const uint8_t mac[6], uint16_t vlan,
                           const uint8_t ip6[16], uint8_t *buf, size_t size);

/* Builds the frame that announces 'a' (one of the above). */
size_t eipoib_announce_frame(const uint8_t mac[6], uint16_t vlan,
                             const struct eipoib_vm_addr *a, uint8_t *buf,
                             size_t size);

#endif /* eipoib-announce.h */
