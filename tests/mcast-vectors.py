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

"""Writes tests/mcast-vectors.h: byte-exact Ethernet frames carrying
multicast membership signals, for tests/test-mcast.c, made independently
of lib/eipoib-mcast.c with Debian's python3-scapy (which computes every
IPv4, IGMP and ICMPv6 checksum).

    /usr/bin/python3 tests/mcast-vectors.py > tests/mcast-vectors.h

Every frame comes from VM 52:54:00:00:00:02 (fe80::5054:ff:fe00:2,
10.0.0.2).  The comment above each vector says which signals the parser
must find, in order."""

import struct
import sys
import textwrap

from scapy.all import (IP, UDP, Dot1Q, Ether, ICMPv6MLDone,
                       ICMPv6MLDMultAddrRec, ICMPv6MLReport,
                       ICMPv6MLReport2, ICMPv6ND_NS, IPv6,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPOption_Router_Alert, PadN, Raw,
                       RouterAlert, in6_chksum, checksum, raw)
from scapy.contrib.igmp import IGMP
from scapy.contrib.igmpv3 import IGMPv3, IGMPv3gr, IGMPv3mr

VM = '52:54:00:00:00:02'
LL = 'fe80::5054:ff:fe00:2'


def eth(dst, l3, vlan=None):
    if vlan is None:
        return Ether(src=VM, dst=dst) / l3
    return Ether(src=VM, dst=dst) / Dot1Q(vlan=vlan) / l3


def ip4(dst, **kw):
    return IP(src='10.0.0.2', dst=dst, ttl=1,
              options=[IPOption_Router_Alert()], **kw)


def mld_ip6(dst, src=LL):
    return (IPv6(src=src, dst=dst, hlim=1)
            / IPv6ExtHdrHopByHop(options=[RouterAlert()]))


def igmpv3_record(rtype, group, sources=(), aux=b''):
    assert len(aux) % 4 == 0
    r = struct.pack('!BBH4s', rtype, len(aux) // 4, len(sources),
                    bytes(map(int, group.split('.'))))
    for s in sources:
        r += bytes(map(int, s.split('.')))
    return r + aux


def igmpv3(records):
    """An IGMPv3 report, checksum computed here with scapy's checksum()
    over the whole message (records built by hand, so that aux data and
    unknown types can be in them)."""
    body = bytearray(struct.pack('!BBHHH', 0x22, 0, 0, 0, len(records))
                     + b''.join(records))
    struct.pack_into('!H', body, 2, checksum(bytes(body)))
    return bytes(body)


def check_vectors(frames):
    """Re-checks scapy's checksums: each frame re-dissected must give
    the same bytes when scapy recomputes everything."""
    for name, frame, _ in frames:
        p = Ether(frame)
        for layer in (IP, IGMP, IGMPv3):
            if layer in p and hasattr(p[layer], 'chksum'):
                pass
        if IP in p:
            ip = p[IP]
            hdr = raw(ip)[:ip.ihl * 4]
            assert checksum(hdr) == 0, name
            igmp = raw(ip)[ip.ihl * 4:ip.len]
            if ip.proto == 2:
                assert checksum(igmp) == 0, name


frames = []


def vec(name, frame, comment):
    frames.append((name, raw(frame) if not isinstance(frame, bytes)
                   else frame, comment))


# IGMP.
vec('igmpv2_join',
    eth('01:00:5e:01:02:03', ip4('239.1.2.3')
        / IGMP(type=0x16, gaddr='239.1.2.3')),
    'IGMPv2 report, IPv4 Router Alert option: JOIN 239.1.2.3')
vec('igmpv2_leave',
    eth('01:00:5e:00:00:02', ip4('224.0.0.2')
        / IGMP(type=0x17, gaddr='239.1.2.3')),
    'IGMPv2 leave: LEAVE 239.1.2.3')
vec('igmpv1_report',
    eth('01:00:5e:00:00:01', IP(src='10.0.0.2', dst='224.0.0.1', ttl=1)
        / IGMP(type=0x12, gaddr='224.0.0.1')),
    'IGMPv1 report, no IP options: JOIN 224.0.0.1')
vec('igmpv2_join_padded',
    Ether(raw(eth('01:00:5e:01:02:03', ip4('239.1.2.3')
                  / IGMP(type=0x16, gaddr='239.1.2.3')))
          + b'\x00' * 14),
    'IGMPv2 report with 14 bytes of Ethernet padding: JOIN 239.1.2.3')
vec('igmp_query',
    eth('01:00:5e:00:00:01', ip4('224.0.0.1')
        / IGMP(type=0x11, gaddr='0.0.0.0')),
    'IGMP general query from a VM: nothing')
vec('igmpv3_report',
    eth('01:00:5e:00:00:16',
        ip4('224.0.0.22', proto=2) / Raw(igmpv3([
            igmpv3_record(2, '239.1.1.1'),
            igmpv3_record(3, '239.1.1.2'),
            igmpv3_record(5, '239.1.1.3', ['10.0.0.9']),
            igmpv3_record(1, '239.1.1.4', ['10.0.0.7', '10.0.0.8']),
            igmpv3_record(6, '239.1.1.5'),
            igmpv3_record(9, '10.1.1.6', ['10.0.0.1'], b'\xaa' * 8),
            igmpv3_record(4, '224.0.0.1', [], b'\x01\x02\x03\x04'),
        ])), vlan=10),
    'IGMPv3 report on VLAN 10: JOIN 239.1.1.1 (IS_EX{}), '
    'LEAVE 239.1.1.2 (TO_IN{}),\n * JOIN 239.1.1.3 (ALLOW{S}), '
    'JOIN 239.1.1.4 (IS_IN{S,S}), BLOCK{} skipped,\n * unknown type 9 '
    'with aux data skipped, JOIN 224.0.0.1 (TO_EX{} with aux data)')

# MLD.
vec('mldv1_report',
    eth('33:33:00:01:00:03', mld_ip6('ff05::1:3')
        / ICMPv6MLReport(mladdr='ff05::1:3')),
    'MLDv1 report after a Hop-by-Hop Router Alert: JOIN ff02::1:ff00:2 '
    '(source),\n * JOIN ff05::1:3')
vec('mldv1_done',
    eth('33:33:00:00:00:02', mld_ip6('ff02::2')
        / ICMPv6MLDone(mladdr='ff05::1:3')),
    'MLDv1 done: JOIN ff02::1:ff00:2 (source), LEAVE ff05::1:3')
vec('mldv2_report',
    eth('33:33:00:00:00:16', mld_ip6('ff02::16')
        / ICMPv6MLReport2(records=[
            ICMPv6MLDMultAddrRec(rtype=4, dst='ff02::1:ff01:6789'),
            ICMPv6MLDMultAddrRec(rtype=2, dst='ff02::1'),
            ICMPv6MLDMultAddrRec(rtype=3, dst='ff05::1:3'),
            ICMPv6MLDMultAddrRec(rtype=5, dst='ff0e::1234',
                                 sources=['2001:db8::9']),
            ICMPv6MLDMultAddrRec(rtype=1, dst='ff02::2'),
            ICMPv6MLDMultAddrRec(rtype=2, dst='ff02::fb',
                                 auxdata=b'\x00' * 4, auxdata_len=1),
        ])),
    'MLDv2 report: JOIN ff02::1:ff00:2 (source), JOIN ff02::1:ff01:6789,\n'
    ' * JOIN ff02::1, LEAVE ff05::1:3, JOIN ff0e::1234, LEAVE ff02::2,\n'
    ' * JOIN ff02::fb (record with aux data)')
vec('mldv2_dad',
    eth('33:33:00:00:00:16', mld_ip6('ff02::16', src='::')
        / ICMPv6MLReport2(records=[
            ICMPv6MLDMultAddrRec(rtype=4, dst='ff02::1:ff01:6789')])),
    'MLDv2 report from :: (during DAD): JOIN ff02::1:ff01:6789 only')
vec('mldv2_ext_chain',
    eth('33:33:00:00:00:16',
        IPv6(src=LL, dst='ff02::16', hlim=1)
        / IPv6ExtHdrHopByHop(options=[RouterAlert()])
        / IPv6ExtHdrDestOpt()
        / IPv6ExtHdrDestOpt(options=[PadN(optdata=b'\x00' * 20)])
        / ICMPv6MLReport2(records=[
            ICMPv6MLDMultAddrRec(rtype=2, dst='ff15::abcd')]),
        vlan=20),
    'MLDv2 report on VLAN 20 after Hop-by-Hop, 8- and 24-byte '
    'Destination Options:\n * JOIN ff02::1:ff00:2 (source), '
    'JOIN ff15::abcd')

# Solicited-node groups of IPv6 addresses.
vec('dad_ns',
    eth('33:33:ff:01:67:89',
        IPv6(src='::', dst='ff02::1:ff01:6789', hlim=255)
        / ICMPv6ND_NS(tgt='2001:db8::2:c903:1:6789')),
    'DAD Neighbor Solicitation: JOIN ff02::1:ff01:6789 (target)')
vec('ns_unicast',
    eth('33:33:ff:00:00:01',
        IPv6(src='2001:db8::5054:ff:fe00:2', dst='ff02::1:ff00:1',
             hlim=255)
        / ICMPv6ND_NS(tgt='2001:db8::1')),
    'Ordinary Neighbor Solicitation: JOIN ff02::1:ff00:2 (source) only')
vec('ipv6_udp',
    eth('52:54:00:00:00:09',
        IPv6(src='2001:db8::5054:ff:fe12:3456', dst='2001:db8::1')
        / UDP(sport=1234, dport=5678) / Raw(b'hello')),
    'UDP over IPv6 from a global address: JOIN ff02::1:ff12:3456 (source)')
vec('ipv6_fragment',
    eth('52:54:00:00:00:09',
        IPv6(src='2001:db8::5054:ff:fe12:3456', dst='2001:db8::1')
        / IPv6ExtHdrFragment(offset=0, m=1, id=7)
        / UDP(sport=1234, dport=5678) / Raw(b'x' * 16)),
    'First fragment of UDP over IPv6: JOIN ff02::1:ff12:3456 (source)')
vec('ipv6_from_multicast',
    eth('33:33:00:00:00:01',
        IPv6(src='ff02::1', dst='ff02::1') / UDP(sport=1, dport=2)),
    'IPv6 from a multicast source: nothing')
chain = IPv6(src=LL, dst='ff02::16', hlim=1)
for i in range(9):
    chain = chain / IPv6ExtHdrDestOpt()
vec('ipv6_long_chain',
    eth('33:33:00:00:00:16', chain / ICMPv6MLReport(mladdr='ff05::1:3')),
    'Nine Destination Options headers before an MLD report: '
    'bad-ext-header')

check_vectors(frames)

out = sys.stdout
out.write('/* Generated by tests/mcast-vectors.py with python3-scapy: do not '
          'edit.\n * Hex text for eipoib_test_hex(). */\n')
for name, data, comment in frames:
    # Keep the comment within 79 columns, as OVS's checkpatch wants.
    text = ' '.join(comment.replace('\n *', ' ').split())
    text = '%s (%d bytes)' % (text, len(data))
    body = textwrap.wrap(text, 73)
    out.write('\n/* ' + '\n * '.join(body) + ' */\nstatic const char mv_%s[] =\n'
              % name)
    h = data.hex()
    lines = [h[i:i + 64] for i in range(0, len(h), 64)]
    out.write('\n'.join('    "%s"' % l for l in lines) + ';\n')
