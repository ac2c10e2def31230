#!/usr/bin/python3
# Copyright (c) 2026 The eIPoIB for Open vSwitch authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at:
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""Writes tests/xlate-vectors.h: byte-exact test vectors for the
translation core (tests/test-xlate.c), made independently of it with
Debian's python3-scapy (checksums, DHCP, ND) and struct (IPoIB layouts).

    /usr/bin/python3 tests/xlate-vectors.py [REF_PCAP] > tests/xlate-vectors.h

REF_PCAP (default ../shared/ref/pcaps/ib_native_erf_197.pcap from the
project directory) is the reference capture of native IPoIB traffic made
by the project's research (make.py there).  Its IPoIB payloads are
extracted and emitted as ref_frameN vectors, and the frames this script
builds for the same exchanges are checked against them, so the unit tests
reproduce the capture byte for byte.

Scenario (the same as the fixture in test-xlate.c):
  host B (us):  LID 5, GID fe80::2:c903:1:6789
     vm1  52:54:00:00:00:02, untagged,  QPN 0x49, 10.0.0.2, fe80::2:c903:1:6789
     vm2  52:54:00:00:00:03, VLAN 10,   QPN 0x4a, 10.1.0.3
  host A (native IPoIB): LID 3, QPN 0x48, GID fe80::2:c903:1:2345,
     flags 0x80, 10.0.0.1, REMAC 02:00:00:48:00:03
  host C (native IPoIB): LID 9, QPN 0x60, GID fe80::2:c903:1:9999
"""

import ipaddress
import os
import struct
import sys
import textwrap

from scapy.all import (ARP, BOOTP, DHCP, ICMP, IP, UDP, Ether, IPv6, Raw,
                       Dot1Q, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA,
                       ICMPv6ND_RS, ICMPv6ND_Redirect, ICMPv6NDOptDstLLAddr,
                       ICMPv6NDOptMTU, ICMPv6NDOptPrefixInfo,
                       ICMPv6NDOptRedirectedHdr, ICMPv6NDOptSrcLLAddr,
                       ICMPv6EchoRequest, raw)

BCAST = 'ff:ff:ff:ff:ff:ff'
M1 = '52:54:00:00:00:02'
M2 = '52:54:00:00:00:03'
REMAC_A = '02:00:00:48:00:03'
REMAC_C = '02:00:00:60:00:09'


def gid(s):
    return ipaddress.IPv6Address(s).packed


def mac(s):
    return bytes.fromhex(s.replace(':', ''))


def addr(flags, qpn, g):
    return bytes([flags]) + qpn.to_bytes(3, 'big') + gid(g)


GID_B = 'fe80::2:c903:1:6789'
GID_A = 'fe80::2:c903:1:2345'
GID_C = 'fe80::2:c903:1:9999'
VM1_ADDR = addr(0x00, 0x49, GID_B)
VM2_ADDR = addr(0x00, 0x4a, GID_B)
A_ADDR = addr(0x80, 0x48, GID_A)
C_ADDR = addr(0x00, 0x60, GID_C)
IP6_VM1 = 'fe80::2:c903:1:6789'
IP6_A = 'fe80::2:c903:1:2345'
IP6_C = 'fe80::2:c903:1:9999'


def fnv_remac(g, qpn, attempt):
    """Fallback REMAC of ipoib.h: 06 + top 40 bits of FNV-1a 64 over
    attempt | GID | QPN, through the splitmix64 finalizer."""
    m = 2**64
    h = 0xcbf29ce484222325
    for b in bytes([attempt]) + gid(g) + qpn.to_bytes(3, 'big'):
        h = ((h ^ b) * 0x100000001b3) % m
    h ^= h >> 30
    h = h * 0xbf58476d1ce4e5b9 % m
    h ^= h >> 27
    h = h * 0x94d049bb133111eb % m
    h ^= h >> 31
    b = bytes([6]) + (h >> 24).to_bytes(5, 'big')
    return ':'.join('%02x' % x for x in b)


# C seen only inside an ND option of A's packet: no LID, so the hashed form.
REMAC_C_HASH = fnv_remac(GID_C, 0x60, 0)


def ipoib(ethertype, l3):
    return struct.pack('!HH', ethertype, 0) + raw(l3)


def ipoib_arp(op, sha, spa, tha, tpa):
    ip4 = lambda s: bytes(map(int, s.split('.')))
    return (struct.pack('!HHBBH', 32, 0x0800, 20, 4, op) + sha + ip4(spa) +
            tha + ip4(tpa))


def lla24(t, a):
    return bytes([t, 3, 0, 0]) + a


def pad60(b):
    """Received Ethernet frames are zero-padded to 60 bytes (64 tagged)."""
    n = 64 if b[12:14] == b'\x81\x00' else 60
    return b + b'\x00' * max(0, n - len(b))


V = []


def vec(name, data, comment):
    V.append((name, bytes(data), comment))


# ------------------------------------------------------------ reference pcap
def ref_payloads(path):
    """IPoIB payloads (IPoIB header + L3, IB pad removed) of an ERF pcap."""
    d = open(path, 'rb').read()
    off, out = 24, []
    while off < len(d):
        _, _, incl, _ = struct.unpack('<IIII', d[off:off + 16])
        rec = d[off + 16:off + 16 + incl]
        off += 16 + incl
        pkt = rec[16:]                       # ERF header
        p = 8 + (40 if pkt[1] & 3 == 3 else 0)  # LRH [+ GRH]
        pad = (pkt[p + 1] >> 4) & 3           # BTH.PadCnt
        payload = pkt[p + 20:len(pkt) - 6]    # BTH, DETH; ICRC, VCRC
        out.append(payload[:len(payload) - pad])
    return out


here = os.path.dirname(os.path.abspath(__file__))
ref_path = (sys.argv[1] if len(sys.argv) > 1 else
            os.path.join(here, '..', '..', 'shared', 'ref', 'pcaps',
                         'ib_native_erf_197.pcap'))
REF = ref_payloads(ref_path)
for i, p in enumerate(REF, 1):
    vec('ref_frame%d' % i, p, '%s frame %d (IPoIB payload)'
        % (os.path.basename(ref_path), i))


def check_ref(n, built):
    if REF[n - 1] != built:
        sys.exit('frame %d differs from the reference capture:\n %s\n %s'
                 % (n, REF[n - 1].hex(), built.hex()))


# ------------------------------------------------------------ IPv4 / ICMP
def icmp_echo(src, dst, typ):
    return (IP(src=src, dst=dst, ttl=64, id=0x1234) /
            ICMP(type=typ, id=0x42, seq=1) /
            Raw(b'ipoib-test-payload-0123456789abcdef'))


echo_req = icmp_echo('10.0.0.1', '10.0.0.2', 8)
check_ref(1, ipoib(0x0800, echo_req))
vec('echo_req_eth_rx', Ether(dst=M1, src=REMAC_A) / echo_req,
    'frame 1 received by vm1: dst vm1, src REMAC of A')
echo_rep = icmp_echo('10.0.0.2', '10.0.0.1', 0)
check_ref(2, ipoib(0x0800, echo_rep))
vec('echo_rep_eth', Ether(dst=REMAC_A, src=M1) / echo_rep,
    'vm1 answers A: becomes frame 2')
vec('echo_rep_eth_padded_vlan',
    raw(Ether(dst=REMAC_A, src=M1) / Dot1Q(vlan=0, prio=5) / echo_rep) +
    b'\xee' * 7, 'frame 2 priority-tagged with 7 bytes of padding')

mc = IP(src='10.0.0.1', dst='239.1.2.3', ttl=1) / \
    UDP(sport=5000, dport=5001) / Raw(b'hello-ib-multicast')
check_ref(8, ipoib(0x0800, mc))
vec('mcast_239_eth_rx', Ether(dst='01:00:5e:01:02:03', src=REMAC_A) / mc,
    'frame 8 received: 239.1.2.3 -> 01:00:5e:01:02:03')
mc_vm1 = IP(src='10.0.0.2', dst='239.1.2.3', ttl=1) / \
    UDP(sport=5000, dport=5001) / Raw(b'hello-ib-multicast')
vec('mcast_239_eth', Ether(dst='01:00:5e:01:02:03', src=M1) / mc_vm1,
    'vm1 sends to 239.1.2.3')
vec('mcast_239_ib', ipoib(0x0800, mc_vm1), '...as IPoIB')
allhosts = IP(src='10.0.0.2', dst='224.0.0.1', ttl=1) / \
    UDP(sport=5000, dport=5001) / Raw(b'all-hosts')
vec('mcast_224_eth', Ether(dst='01:00:5e:00:00:01', src=M1) / allhosts,
    'vm1 sends to 224.0.0.1')
vec('mcast_224_ib', ipoib(0x0800, allhosts), '...as IPoIB')
echo6 = IPv6(src=IP6_VM1, dst='ff02::1', hlim=1) / \
    ICMPv6EchoRequest(id=7, seq=1)
vec('mcast_ff02_1_eth', Ether(dst='33:33:00:00:00:01', src=M1) / echo6,
    'vm1 pings ff02::1')
vec('mcast_ff02_1_ib', ipoib(0x86dd, echo6), '...as IPoIB')

# ------------------------------------------------------------ ARP / RARP
arp_req_vm1 = Ether(dst=BCAST, src=M1) / ARP(
    op=1, hwsrc=M1, psrc='10.0.0.2', hwdst='00:00:00:00:00:00',
    pdst='10.0.0.1')
vec('arp_req_eth', arp_req_vm1, 'vm1: who-has 10.0.0.1 (42 bytes, unpadded)')
vec('arp_req_ib', ipoib(0x0806, b'') + ipoib_arp(1, VM1_ADDR, '10.0.0.2',
                                                 b'\0' * 20, '10.0.0.1'),
    '...as IPoIB ARP: SHA = vm1\'s address, THA zero')

arp_req_a = ipoib(0x0806, b'') + ipoib_arp(1, A_ADDR, '10.0.0.1', b'\0' * 20,
                                           '10.0.0.2')
check_ref(3, arp_req_a)
vec('arp_req_eth_rx', pad60(raw(Ether(dst=BCAST, src=REMAC_A) / ARP(
    op=1, hwsrc=REMAC_A, psrc='10.0.0.1', hwdst='00:00:00:00:00:00',
    pdst='10.0.0.2'))), 'frame 3 received: SHA becomes REMAC of A')

vec('arp_rep_eth', Ether(dst=REMAC_A, src=M1) / ARP(
    op=2, hwsrc=M1, psrc='10.0.0.2', hwdst=REMAC_A, pdst='10.0.0.1'),
    'vm1: 10.0.0.2 is-at vm1, to A: becomes frame 4')
check_ref(4, ipoib(0x0806, b'') + ipoib_arp(2, VM1_ADDR, '10.0.0.2', A_ADDR,
                                            '10.0.0.1'))

vec('arp_rep_ib_rx', ipoib(0x0806, b'') + ipoib_arp(
    2, A_ADDR, '10.0.0.1', VM1_ADDR, '10.0.0.2'), 'A answers vm1')
vec('arp_rep_eth_rx', pad60(raw(Ether(dst=M1, src=REMAC_A) / ARP(
    op=2, hwsrc=REMAC_A, psrc='10.0.0.1', hwdst=M1, pdst='10.0.0.2'))),
    '...received by vm1')

rarp_req = Ether(dst=BCAST, src=M1, type=0x8035) / ARP(
    op=3, hwsrc=M1, psrc='0.0.0.0', hwdst=M1, pdst='0.0.0.0')
vec('rarp_req_eth', rarp_req, 'vm1: RARP request for itself')
vec('rarp_req_ib', ipoib(0x8035, b'') + ipoib_arp(3, VM1_ADDR, '0.0.0.0',
                                                  VM1_ADDR, '0.0.0.0'),
    '...as IPoIB RARP')
vec('rarp_rep_ib_rx', ipoib(0x8035, b'') + ipoib_arp(
    4, A_ADDR, '10.0.0.1', VM1_ADDR, '10.0.0.2'), 'RARP reply from A')
vec('rarp_rep_eth_rx', pad60(raw(Ether(dst=M1, src=REMAC_A, type=0x8035) / ARP(
    op=4, hwsrc=REMAC_A, psrc='10.0.0.1', hwdst=M1, pdst='10.0.0.2'))),
    '...received by vm1')

# ARP of vm2, tagged VLAN 10 -> partition 0x8001.
vec('arp_req_vlan_eth', Ether(dst=BCAST, src=M2) / Dot1Q(vlan=10) / ARP(
    op=1, hwsrc=M2, psrc='10.1.0.3', hwdst='00:00:00:00:00:00',
    pdst='10.1.0.1'), 'vm2 on VLAN 10: who-has 10.1.0.1')
vec('arp_req_vlan_ib', ipoib(0x0806, b'') + ipoib_arp(
    1, VM2_ADDR, '10.1.0.3', b'\0' * 20, '10.1.0.1'), '...as IPoIB ARP')
vec('arp_req_vlan_ib_rx', ipoib(0x0806, b'') + ipoib_arp(
    1, A_ADDR, '10.1.0.1', b'\0' * 20, '10.1.0.3'),
    'A asks on partition 0x8001')
vec('arp_req_vlan_eth_rx', pad60(raw(Ether(dst=BCAST, src=REMAC_A) /
                                     Dot1Q(vlan=10) / ARP(
    op=1, hwsrc=REMAC_A, psrc='10.1.0.1', hwdst='00:00:00:00:00:00',
    pdst='10.1.0.3'))), '...received tagged VLAN 10')


# ------------------------------------------------------------ ND
def nd(src, dst, msg, opts, hlim=255):
    return IPv6(src=src, dst=dst, hlim=hlim) / msg / Raw(b''.join(opts))


def sn(ip6):
    t = gid(ip6)
    return 'ff02::1:ff%02x:%02x%02x' % (t[13], t[14], t[15])


# NS: vm1 looks for A.
ns_eth = nd(IP6_VM1, sn(IP6_A), ICMPv6ND_NS(tgt=IP6_A),
            [raw(ICMPv6NDOptSrcLLAddr(lladdr=M1))])
vec('ns_eth', Ether(dst='33:33:ff:01:23:45', src=M1) / ns_eth,
    'vm1: NS for A with SLLAO')
vec('ns_ib', ipoib(0x86dd, nd(IP6_VM1, sn(IP6_A), ICMPv6ND_NS(tgt=IP6_A),
                              [lla24(1, VM1_ADDR)])),
    '...as IPoIB: 24-byte SLLAO')
# NS from A (frame 5).
check_ref(5, ipoib(0x86dd, nd(IP6_A, sn(IP6_VM1), ICMPv6ND_NS(tgt=IP6_VM1),
                              [lla24(1, A_ADDR)])))
vec('ns_eth_rx', Ether(dst='33:33:ff:01:67:89', src=REMAC_A) /
    nd(IP6_A, sn(IP6_VM1), ICMPv6ND_NS(tgt=IP6_VM1),
       [raw(ICMPv6NDOptSrcLLAddr(lladdr=REMAC_A))]),
    'frame 5 received: SLLAO becomes REMAC of A')
# NA: vm1 answers A (frame 6).
vec('na_eth', Ether(dst=REMAC_A, src=M1) /
    nd(IP6_VM1, IP6_A, ICMPv6ND_NA(tgt=IP6_VM1, R=0, S=1, O=1),
       [raw(ICMPv6NDOptDstLLAddr(lladdr=M1))]),
    'vm1: NA with TLLAO, becomes frame 6')
check_ref(6, ipoib(0x86dd, nd(IP6_VM1, IP6_A,
                              ICMPv6ND_NA(tgt=IP6_VM1, R=0, S=1, O=1),
                              [lla24(2, VM1_ADDR)])))
vec('na_ib_rx', ipoib(0x86dd, nd(IP6_A, IP6_VM1,
                                 ICMPv6ND_NA(tgt=IP6_A, R=0, S=1, O=1),
                                 [lla24(2, A_ADDR)])), 'NA from A to vm1')
vec('na_eth_rx', Ether(dst=M1, src=REMAC_A) /
    nd(IP6_A, IP6_VM1, ICMPv6ND_NA(tgt=IP6_A, R=0, S=1, O=1),
       [raw(ICMPv6NDOptDstLLAddr(lladdr=REMAC_A))]), '...received by vm1')
# RS.
vec('rs_eth', Ether(dst='33:33:00:00:00:02', src=M1) /
    nd(IP6_VM1, 'ff02::2', ICMPv6ND_RS(),
       [raw(ICMPv6NDOptSrcLLAddr(lladdr=M1))]), 'vm1: RS')
vec('rs_ib', ipoib(0x86dd, nd(IP6_VM1, 'ff02::2', ICMPv6ND_RS(),
                              [lla24(1, VM1_ADDR)])), '...as IPoIB')
vec('rs_ib_rx', ipoib(0x86dd, nd(IP6_A, 'ff02::2', ICMPv6ND_RS(),
                                 [lla24(1, A_ADDR)])), 'RS from A')
vec('rs_eth_rx', Ether(dst='33:33:00:00:00:02', src=REMAC_A) /
    nd(IP6_A, 'ff02::2', ICMPv6ND_RS(),
       [raw(ICMPv6NDOptSrcLLAddr(lladdr=REMAC_A))]), '...received')
# RA with SLLAO, MTU and prefix options.
mtu_opt = raw(ICMPv6NDOptMTU(mtu=2044))
pfx_opt = raw(ICMPv6NDOptPrefixInfo(prefix='2001:db8::', prefixlen=64))
ra = ICMPv6ND_RA(routerlifetime=1800)
vec('ra_eth', Ether(dst='33:33:00:00:00:01', src=M1) /
    nd(IP6_VM1, 'ff02::1', ra,
       [raw(ICMPv6NDOptSrcLLAddr(lladdr=M1)), mtu_opt, pfx_opt]),
    'vm1 (a router): RA with SLLAO, MTU, prefix')
vec('ra_ib', ipoib(0x86dd, nd(IP6_VM1, 'ff02::1', ra,
                              [lla24(1, VM1_ADDR), mtu_opt, pfx_opt])),
    '...as IPoIB')
vec('ra_ib_rx', ipoib(0x86dd, nd(IP6_A, 'ff02::1', ra,
                                 [pfx_opt, lla24(1, A_ADDR)])),
    'RA from A, SLLAO last')
vec('ra_eth_rx', Ether(dst='33:33:00:00:00:01', src=REMAC_A) /
    nd(IP6_A, 'ff02::1', ra,
       [pfx_opt, raw(ICMPv6NDOptSrcLLAddr(lladdr=REMAC_A))]), '...received')
# Redirect with TLLAO and a Redirected Header option.
inner = raw(IPv6(src=IP6_A, dst='2001:db8::99') / UDP(sport=1, dport=2))
rh_opt = raw(ICMPv6NDOptRedirectedHdr(pkt=inner))
redir = ICMPv6ND_Redirect(tgt=IP6_C, dst='2001:db8::99')
vec('redirect_eth', Ether(dst=REMAC_A, src=M1) /
    nd(IP6_VM1, IP6_A, redir,
       [raw(ICMPv6NDOptDstLLAddr(lladdr=REMAC_C)), rh_opt]),
    'vm1 redirects A to C (C known with LID 9)')
vec('redirect_ib', ipoib(0x86dd, nd(IP6_VM1, IP6_A, redir,
                                    [lla24(2, C_ADDR), rh_opt])),
    '...as IPoIB: TLLAO is C\'s address')
redir_a = ICMPv6ND_Redirect(tgt=IP6_C, dst='2001:db8::98')
vec('redirect_ib_rx', ipoib(0x86dd, nd(IP6_A, IP6_VM1, redir_a,
                                       [lla24(2, C_ADDR), rh_opt])),
    'A redirects vm1 to C')
vec('redirect_eth_rx', Ether(dst=M1, src=REMAC_A) /
    nd(IP6_A, IP6_VM1, redir_a,
       [raw(ICMPv6NDOptDstLLAddr(lladdr=REMAC_C_HASH)), rh_opt]),
    '...received: C has no LID here, so its hashed REMAC ' + REMAC_C_HASH)


# ------------------------------------------------------------ DHCP
def dhcp(src, dst, sport, dport, op, htype, hlen, chaddr, flags, options,
         xid, ciaddr='0.0.0.0', yiaddr='0.0.0.0', tail=b''):
    p = IP(src=src, dst=dst, ttl=64) / UDP(sport=sport, dport=dport) / \
        BOOTP(op=op, htype=htype, hlen=hlen, xid=xid, flags=flags,
              ciaddr=ciaddr, yiaddr=yiaddr, chaddr=chaddr) / \
        DHCP(options=options)
    if tail:
        p = p / Raw(tail)
    return IP(raw(p))


def cid_for(m):
    """The client identifier added for a VM without one (eipoib-xlate.c)."""
    b = mac(m)
    return b'\xff' + b[2:6] + b'\x00\x03\x00\x01' + b


ZERO16 = b'\0' * 16
OFED_CID = bytes.fromhex('ff000000000002000002c900') + gid(GID_A)[8:]

# DISCOVER with the OFED client-id: the Ethernet form of frame 7.
disc = [('message-type', 'discover'), ('client_id', OFED_CID),
        ('param_req_list', [1, 3, 6, 15, 26]), 'end']
vec('dhcp_discover_cid_eth', Ether(dst=BCAST, src=M1) /
    dhcp('0.0.0.0', '255.255.255.255', 68, 67, 1, 1, 6, mac(M1), 0, disc,
         0x1a2b3c4d), 'vm1 DISCOVER that has a client-id: becomes frame 7')
check_ref(7, ipoib(0x0800, dhcp('0.0.0.0', '255.255.255.255', 68, 67, 1, 32,
                                0, ZERO16, 0x8000, disc, 0x1a2b3c4d)))

# The client side, vm1 without a client-id.
XID = 0x11223344
opts = [('message-type', 'discover'), ('param_req_list', [1, 3, 6]), 'end']
vec('dhcp_discover_eth', Ether(dst=BCAST, src=M1) /
    dhcp('0.0.0.0', '255.255.255.255', 68, 67, 1, 1, 6, mac(M1), 0, opts,
         XID), 'vm1 DISCOVER without client-id')
vec('dhcp_discover_ib', ipoib(0x0800, dhcp(
    '0.0.0.0', '255.255.255.255', 68, 67, 1, 32, 0, ZERO16, 0x8000,
    opts[:-1] + [('client_id', cid_for(M1)), 'end'], XID)),
    '...as IPoIB: client-id added before END (grows 17 bytes)')
vec('dhcp_discover_pad_eth', Ether(dst=BCAST, src=M1) /
    dhcp('0.0.0.0', '255.255.255.255', 68, 67, 1, 1, 6, mac(M1), 0, opts,
         XID, tail=b'\0' * 40), 'the same with 40 zero bytes after END')
vec('dhcp_discover_pad_ib', ipoib(0x0800, dhcp(
    '0.0.0.0', '255.255.255.255', 68, 67, 1, 32, 0, ZERO16, 0x8000,
    opts[:-1] + [('client_id', cid_for(M1)), 'end'], XID,
    tail=b'\0' * (40 - 17))), '...as IPoIB: the zeros make room, same size')

offer_opts = [('message-type', 'offer'), ('server_id', '10.0.0.1'),
              ('lease_time', 3600), ('subnet_mask', '255.255.255.0')]
vec('dhcp_offer_ib_rx', ipoib(0x0800, dhcp(
    '10.0.0.1', '255.255.255.255', 67, 68, 2, 32, 0, ZERO16, 0x8000,
    offer_opts + [('client_id', cid_for(M1)), 'end'], XID,
    yiaddr='10.0.0.50')), 'OFFER from A, echoing our client-id (RFC 6842)')
vec('dhcp_offer_eth_rx', Ether(dst=M1, src=REMAC_A) / dhcp(
    '10.0.0.1', '255.255.255.255', 67, 68, 2, 1, 6, mac(M1), 0x8000,
    offer_opts + ['end'], XID, yiaddr='10.0.0.50'),
    '...received by vm1 only: chaddr vm1, our client-id taken out')

req_opts = [('message-type', 'request'), ('requested_addr', '10.0.0.50'),
            ('server_id', '10.0.0.1'), 'end']
vec('dhcp_request_eth', Ether(dst=BCAST, src=M1) /
    dhcp('0.0.0.0', '255.255.255.255', 68, 67, 1, 1, 6, mac(M1), 0, req_opts,
         XID), 'vm1 REQUEST')
vec('dhcp_request_ib', ipoib(0x0800, dhcp(
    '0.0.0.0', '255.255.255.255', 68, 67, 1, 32, 0, ZERO16, 0x8000,
    req_opts[:-1] + [('client_id', cid_for(M1)), 'end'], XID)), '...as IPoIB')
ack_opts = [('message-type', 'ack'), ('server_id', '10.0.0.1'),
            ('lease_time', 3600), 'end']
vec('dhcp_ack_ib_rx', ipoib(0x0800, dhcp(
    '10.0.0.1', '255.255.255.255', 67, 68, 2, 32, 0, ZERO16, 0x8000,
    ack_opts, XID, yiaddr='10.0.0.50')), 'ACK from A, no client-id echoed')
vec('dhcp_ack_eth_rx', Ether(dst=M1, src=REMAC_A) / dhcp(
    '10.0.0.1', '255.255.255.255', 67, 68, 2, 1, 6, mac(M1), 0x8000,
    ack_opts, XID, yiaddr='10.0.0.50'), '...received by vm1')
# Renewal (ciaddr set): unicast, no broadcast flag added.
renew = [('message-type', 'request'), 'end']
vec('dhcp_renew_eth', Ether(dst=REMAC_A, src=M1) /
    dhcp('10.0.0.50', '10.0.0.1', 68, 67, 1, 1, 6, mac(M1), 0, renew, 0x55,
         ciaddr='10.0.0.50'), 'vm1 renews (ciaddr set), unicast to A')
vec('dhcp_renew_ib', ipoib(0x0800, dhcp(
    '10.0.0.50', '10.0.0.1', 68, 67, 1, 32, 0, ZERO16, 0,
    renew[:-1] + [('client_id', cid_for(M1)), 'end'], 0x55,
    ciaddr='10.0.0.50')), '...as IPoIB: no broadcast flag')

# The server side: vm1 is a DHCP server, A an IPoIB client (frame 7).
vec('dhcp_discover_eth_rx', Ether(dst=BCAST, src=REMAC_A) / dhcp(
    '0.0.0.0', '255.255.255.255', 68, 67, 1, 1, 6, mac(REMAC_A), 0x8000, disc,
    0x1a2b3c4d), 'frame 7 received by a server VM: chaddr REMAC of A')
soffer = [('message-type', 'offer'), ('server_id', '10.0.0.2'),
          ('client_id', OFED_CID), 'end']
vec('dhcp_offer_eth', Ether(dst=BCAST, src=M1) / dhcp(
    '10.0.0.2', '255.255.255.255', 67, 68, 2, 1, 6, mac(REMAC_A), 0x8000,
    soffer, 0x1a2b3c4d, yiaddr='10.0.0.77'), 'server vm1 OFFERs to A')
vec('dhcp_offer_ib', ipoib(0x0800, dhcp(
    '10.0.0.2', '255.255.255.255', 67, 68, 2, 32, 0, ZERO16, 0x8000,
    soffer, 0x1a2b3c4d, yiaddr='10.0.0.77')), '...as IPoIB (RFC 4390 form)')
sreq = [('message-type', 'request'), ('client_id', OFED_CID),
        ('requested_addr', '10.0.0.77'), 'end']
vec('dhcp_request_ib_rx', ipoib(0x0800, dhcp(
    '0.0.0.0', '255.255.255.255', 68, 67, 1, 32, 0, ZERO16, 0x8000, sreq,
    0x1a2b3c4d)), 'REQUEST from A')
vec('dhcp_request_eth_rx', Ether(dst=BCAST, src=REMAC_A) / dhcp(
    '0.0.0.0', '255.255.255.255', 68, 67, 1, 1, 6, mac(REMAC_A), 0x8000, sreq,
    0x1a2b3c4d), '...received by the server VM')
sack = [('message-type', 'ack'), ('server_id', '10.0.0.2'),
        ('client_id', OFED_CID), 'end']
vec('dhcp_ack_eth', Ether(dst=BCAST, src=M1) / dhcp(
    '10.0.0.2', '255.255.255.255', 67, 68, 2, 1, 6, mac(REMAC_A), 0x8000,
    sack, 0x1a2b3c4d, yiaddr='10.0.0.77'), 'server vm1 ACKs A')
vec('dhcp_ack_ib', ipoib(0x0800, dhcp(
    '10.0.0.2', '255.255.255.255', 67, 68, 2, 32, 0, ZERO16, 0x8000,
    sack, 0x1a2b3c4d, yiaddr='10.0.0.77')), '...as IPoIB')


# ------------------------------------------------------------ round trips
# vm1 (host B) -> fabric -> host C (LID 7, GID fe80::2:c903:1:aaaa), where
# vm3 (52:54:00:00:00:07, QPN 0x51) lives.  At B, vm3 is REMAC3
# (QPN 0x51, LID 7); at C, vm1 is REMAC1 (QPN 0x49, LID 5), vm2 REMAC2.
M3 = '52:54:00:00:00:07'
REMAC1 = '02:00:00:49:00:05'
REMAC2 = '02:00:00:4a:00:05'
REMAC3 = '02:00:00:51:00:07'
IP6_VM3 = 'fe80::5054:ff:fe00:7'


def rt(name, make, comment, pad=True):
    """make(m1, peer) builds the frame with vm1's MAC and the MAC that
    stands for vm3; the round trip turns (M1, REMAC3) into (REMAC1, M3)."""
    vec('rt_%s_orig' % name, make(M1, REMAC3), comment + ' (sent by vm1)')
    got = raw(make(REMAC1, M3))
    vec('rt_%s_back' % name, pad60(got) if pad else got,
        comment + ' (as vm3 receives it)')


rt('echo', lambda me, peer: Ether(dst=peer, src=me) /
   icmp_echo('10.0.0.2', '10.0.0.3', 8), 'ICMP echo to vm3')
rt('mcast', lambda me, peer: Ether(dst='01:00:5e:01:02:03', src=me) / mc_vm1,
   'UDP to 239.1.2.3')
rt('arp_req', lambda me, peer: Ether(dst=BCAST, src=me) / ARP(
    op=1, hwsrc=me, psrc='10.0.0.2', hwdst='00:00:00:00:00:00',
    pdst='10.0.0.3'), 'ARP request')
rt('arp_rep', lambda me, peer: Ether(dst=peer, src=me) / ARP(
    op=2, hwsrc=me, psrc='10.0.0.2', hwdst=peer, pdst='10.0.0.3'),
   'ARP reply')
rt('rarp', lambda me, peer: Ether(dst=BCAST, src=me, type=0x8035) / ARP(
    op=3, hwsrc=me, psrc='0.0.0.0', hwdst=me, pdst='0.0.0.0'), 'RARP')
rt('ns', lambda me, peer: Ether(dst='33:33:ff:00:00:07', src=me) /
   nd(IP6_VM1, sn(IP6_VM3), ICMPv6ND_NS(tgt=IP6_VM3),
      [raw(ICMPv6NDOptSrcLLAddr(lladdr=me))]), 'NS')
rt('na', lambda me, peer: Ether(dst=peer, src=me) /
   nd(IP6_VM1, IP6_VM3, ICMPv6ND_NA(tgt=IP6_VM1, S=1, O=1),
      [raw(ICMPv6NDOptDstLLAddr(lladdr=me))]), 'NA')
rt('rs', lambda me, peer: Ether(dst='33:33:00:00:00:02', src=me) /
   nd(IP6_VM1, 'ff02::2', ICMPv6ND_RS(),
      [raw(ICMPv6NDOptSrcLLAddr(lladdr=me))]), 'RS')
rt('ra', lambda me, peer: Ether(dst='33:33:00:00:00:01', src=me) /
   nd(IP6_VM1, 'ff02::1', ra,
      [mtu_opt, raw(ICMPv6NDOptSrcLLAddr(lladdr=me)), pfx_opt]), 'RA')
rt('redirect', lambda me, peer: Ether(dst=peer, src=me) /
   nd(IP6_VM1, IP6_VM3, ICMPv6ND_Redirect(tgt=IP6_VM3, dst='2001:db8::5'),
      [raw(ICMPv6NDOptDstLLAddr(lladdr=peer)), rh_opt]),
   'Redirect to vm3 itself')
vec('rt_vlan_orig', Ether(dst='01:00:5e:01:02:03', src=M2) /
    Dot1Q(vlan=10) / mc_vm1, 'vm2 on VLAN 10: UDP to 239.1.2.3')
vec('rt_vlan_back', raw(Ether(dst='01:00:5e:01:02:03', src=REMAC2) /
                        Dot1Q(vlan=10) / mc_vm1), '(as received at C)')
vec('rt_dhcp_orig', Ether(dst=BCAST, src=M1) /
    dhcp('0.0.0.0', '255.255.255.255', 68, 67, 1, 1, 6, mac(M1), 0, opts,
         XID), 'DHCP DISCOVER (sent by vm1)')
vec('rt_dhcp_back', Ether(dst=BCAST, src=REMAC1) /
    dhcp('0.0.0.0', '255.255.255.255', 68, 67, 1, 1, 6, mac(REMAC1), 0x8000,
         opts[:-1] + [('client_id', cid_for(M1)), 'end'], XID),
    '(as a DHCP server vm3 receives it: chaddr REMAC1, broadcast flag and '
    'client-id added)')


# ------------------------------------------------------------ output
def c_string(b):
    h = b.hex()
    lines = [h[i:i + 64] for i in range(0, len(h), 64)]
    return '\n'.join('    "%s"' % l for l in lines)


out = sys.stdout
out.write('/* Generated by tests/xlate-vectors.py with python3-scapy: do not '
          'edit.\n * Hex text for eipoib_test_hex(); see the scenario in the '
          'script. */\n\n')
for name, data, comment in V:
    # Keep the comment within 79 columns, as OVS's checkpatch wants.
    body = textwrap.wrap('%s (%d bytes)' % (comment, len(data)), 73)
    out.write('/* %s */\nstatic const char xv_%s[] =\n%s;\n\n'
              % ('\n * '.join(body), name, c_string(data)))
