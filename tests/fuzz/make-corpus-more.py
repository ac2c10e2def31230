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

"""Makes the named seeds of tests/fuzz/corpus/provider-rx and
tests/fuzz/corpus/fabric, in the input formats that fuzz-provider-rx.c and
fuzz-fabric.c describe: short conversations that get past set-up (a VM
that ARPs, a peer that answers; ports that attach, create QPs, join the
broadcast group and send each other packets), for the fuzzers to mutate.

    python3 tests/fuzz/make-corpus-more.py"""

import ipaddress
import os
import struct

here = os.path.dirname(os.path.abspath(__file__))


def write(kind, name, data):
    d = os.path.join(here, 'corpus', kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def gid(text):
    return ipaddress.IPv6Address(text).packed


def ip4(text):
    return ipaddress.IPv4Address(text).packed


def bcast_mgid(pkey):
    return gid('ff12:401b:%04x::ffff:ffff' % (pkey | 0x8000))


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ipv4(src, dst, proto, payload, ttl=64):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), 1, 0, ttl,
                    proto, 0, ip4(src), ip4(dst))
    return h[:10] + struct.pack('!H', csum(h)) + h[12:] + payload


def udp(sport, dport, payload):
    return struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + payload


# Our side: VM 52:54:00:00:00:01 (10.0.0.1) behind the uplink, whose GID is
# fe80::2:c903:1:6789.  Peer A: 10.0.0.2, QPN 0x48, LID 3,
# GID fe80::2:c903:1:2345 (fuzz-provider-rx.c's defaults).
VM = bytes.fromhex('525400000001')
BCAST = b'\xff' * 6
OUR_GID = gid('fe80::2:c903:1:6789')
A_GID = gid('fe80::2:c903:1:2345')


def eth(dst, src, ethertype, payload, vlan=None):
    tag = struct.pack('!HH', 0x8100, vlan) if vlan is not None else b''
    return dst + src + tag + struct.pack('!H', ethertype) + payload


def eth_arp(op, sha, spa, tha, tpa):
    return struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, op, sha, ip4(spa),
                       tha, ip4(tpa))


def ipoib_hw(qpn, g):
    return struct.pack('!I', qpn) + g


def ipoib_arp(op, sqpn, sgid, spa, tqpn, tgid, tpa):
    return (struct.pack('!HH', 0x0806, 0)
            + struct.pack('!HHBBH', 0x20, 0x0800, 20, 4, op)
            + ipoib_hw(sqpn, sgid) + ip4(spa) + ipoib_hw(tqpn, tgid)
            + ip4(tpa))


# fuzz-provider-rx.c operations.
RX, TX, RUN, LINK, RECV = 0, 1, 2, 3, 4


def p_header(vlans=0, mtu_index=3, lid=4, qpn=0):
    return bytes([vlans | (mtu_index << 4), lid, qpn])


def p_tx(frame):
    return bytes([TX]) + struct.pack('!H', len(frame)) + frame


def p_rx(port, ep, flags, raw, datagram):
    return (bytes([RX, port | (ep << 2), flags]) + raw
            + struct.pack('!H', len(datagram)) + datagram)


def provider_seeds():
    arp_req = eth(BCAST, VM, 0x0806,
                  eth_arp(1, VM, '10.0.0.1', b'\0' * 6, '10.0.0.2'))
    # Base endpoint QPN 0x40, the VM's vif 0x41.
    reply = ipoib_arp(2, 0x48, A_GID, '10.0.0.2', 0x41, OUR_GID, '10.0.0.1')
    data = struct.pack('!HH', 0x0800, 0) + ipv4(
        '10.0.0.2', '10.0.0.1', 17, udp(1000, 2000, b'hello'))
    write('provider-rx', 'arp-then-unicast',
          p_header() + p_tx(arp_req) + bytes([RUN])
          + p_rx(0, 1, 0x00, b'', reply) + bytes([RECV])
          + p_rx(0, 1, 0x00, b'', data) + bytes([RECV]))

    request = ipoib_arp(1, 0x48, A_GID, '10.0.0.2', 0, b'\0' * 16,
                        '10.0.0.1')
    write('provider-rx', 'broadcast-arp-request',
          p_header() + p_tx(arp_req) + bytes([RUN])
          + p_rx(0, 0, 0x01, b'', request) + bytes([RECV]))

    tagged = eth(BCAST, VM, 0x0806,
                 eth_arp(1, VM, '10.0.10.1', b'\0' * 6, '10.0.10.2'),
                 vlan=10)
    reply10 = ipoib_arp(2, 0x48, A_GID, '10.0.10.2', 0x42, OUR_GID,
                        '10.0.10.1')
    write('provider-rx', 'vlan-partition',
          p_header(vlans=1) + p_tx(tagged) + bytes([RUN])
          + p_rx(1, 1, 0x00, b'', reply10) + bytes([RECV])
          + bytes([LINK, 0x05, LINK, 0x08]))

    # IGMPv2 report for 239.1.2.3, then a datagram to its MGID.
    igmp = bytes([0x16, 0, 0, 0]) + ip4('239.1.2.3')
    igmp = igmp[:2] + struct.pack('!H', csum(igmp)) + igmp[4:]
    join = eth(bytes.fromhex('01005e010203'), VM, 0x0800,
               ipv4('10.0.0.1', '239.1.2.3', 2, igmp, ttl=1))
    mgid = gid('ff12:401b:ffff::f01:203')
    mdata = struct.pack('!HH', 0x0800, 0) + ipv4(
        '10.0.0.2', '239.1.2.3', 17, udp(1000, 5000, b'stream'))
    write('provider-rx', 'multicast-join-and-receive',
          p_header() + p_tx(join) + bytes([RUN])
          + p_rx(0, 0, 0x01 | (3 << 3), mgid, mdata) + bytes([RECV]))


# fuzz-fabric.c operations: kind + 6 * connection.
F_RAW, F_FRAME, F_PACKET, F_CLOSE, F_ADMIN, F_FAULT = range(6)
T_ATTACH, T_QP_CREATE, T_QP_MODIFY, T_QP_DESTROY, T_JOIN, T_LEAVE, \
    T_PATH, T_ECHO, T_DATA = range(9)


def f_frame(conn, t, body, xid=1):
    return (bytes([F_FRAME + 6 * conn, t]) + struct.pack('!HH', xid, len(body))
            + body)


def attach(name):
    return struct.pack('!H6xQ', 1, 0) + name.encode().ljust(64, b'\0')


def qp_create(pkey=0xffff, qkey=0x0b1b, qpn=0, flags=1):
    return struct.pack('!IIHH', qpn, qkey, pkey, flags)


def join(qpn, pkey=0xffff, state=1, mgid=None):
    return ((mgid or bcast_mgid(pkey)) + struct.pack('!IIHB', qpn, 0, pkey,
                                                      state) + b'\0')


def f_packet(conn, f, s, payload, raw=b''):
    return (bytes([F_PACKET + 6 * conn, f, s]) + raw
            + struct.pack('!H', len(payload)) + payload)


def fabric_seeds():
    header = bytes([1 | (3 << 2)])      # Two connections, 2048 MTU.
    setup = b''
    for conn, name in ((0, 'p0'), (1, 'p1')):
        setup += (f_frame(conn, T_ATTACH, attach(name))
                  + f_frame(conn, T_QP_CREATE, qp_create(), xid=2)
                  + f_frame(conn, T_JOIN, join(0x100), xid=3))
    arp = ipoib_arp(1, 0x100, b'\0' * 16, '10.0.0.1', 0, b'\0' * 16,
                    '10.0.0.2')
    write('fabric', 'attach-join-send',
          header + setup
          + f_packet(0, 0x00, 0x10, arp)              # Unicast to a port.
          + f_packet(0, 0x0a, 0x00, arp)              # To a group.
          + f_frame(0, T_PATH, bcast_mgid(0xffff) + struct.pack('!H2x', 0xffff),
                    xid=4))
    write('fabric', 'admin-and-faults',
          header + setup
          + bytes([F_ADMIN, 0x04, F_ADMIN, 0x00])
          + bytes([F_ADMIN, 0x09, 13]) + b'0xffff,0x8001'
          + f_frame(1, T_QP_CREATE, qp_create(pkey=0x8001), xid=5)
          + bytes([F_FAULT, 0x14])
          + f_packet(0, 0x0a, 0x00, arp)
          + f_frame(0, T_LEAVE, bcast_mgid(0xffff)
                    + struct.pack('!IB', 0x100, 1) + b'\0' * 3, xid=6)
          + f_frame(0, T_QP_DESTROY, struct.pack('!I', 0x100), xid=7)
          + bytes([F_CLOSE + 6]))
    write('fabric', 'echo-and-garbage',
          bytes([0]) + f_frame(0, T_ECHO, b'ping')
          + f_frame(0, 0x33, b'') + f_frame(0, T_QP_CREATE, qp_create())
          + bytes([F_RAW]) + struct.pack('!H', 8) + bytes(8))


provider_seeds()
fabric_seeds()
