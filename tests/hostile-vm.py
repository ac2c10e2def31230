#! /usr/bin/env python3
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

"""A hostile VM: Ethernet frames that a buggy or malicious guest could send,
built by hand (standard library only, so that 100,000 of them take a
second).

  hostile-vm.py hex KIND [--mac MAC]
      prints frames of one kind of malformation, one hex string a line
      (for ovs-appctl netdev-dummy/receive).  KINDs: see FRAMES below.
  hostile-vm.py flood-macs N --socket PATH
  hostile-vm.py join-groups N --socket PATH [--mac MAC]
      connects to a netdev-dummy port's pstream (unix socket PATH) and
      writes N frames in its framing (2-byte length + frame): ARP requests
      from N distinct random source MACs, or IGMPv3 reports joining N
      distinct groups from one MAC.  Waits until the socket has taken them
      all, then prints how many it wrote.
"""

import argparse
import random
import socket
import struct
import sys

BROADCAST = b'\xff' * 6


def mac_bytes(s):
    return bytes(int(x, 16) for x in s.split(':'))


def csum(b):
    if len(b) % 2:
        b += b'\x00'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def eth(dst, src, etype, payload, vlan=None):
    tag = struct.pack('!HH', 0x8100, vlan) if vlan is not None else b''
    return dst + src + tag + struct.pack('!H', etype) + payload


def ip4(a):
    return bytes(int(x) for x in a.split('.'))


def ipv4(src, dst, proto, payload, ttl=64, options=b''):
    ihl = 5 + len(options) // 4
    h = struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, 0, ihl * 4 + len(payload),
                    0, 0, ttl, proto, 0, src, dst) + options
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + payload


def arp(op, sha, spa, tha, tpa, htype=1, hlen=6):
    return struct.pack('!HHBBH', htype, 0x0800, hlen, 4, op) + sha + spa + \
        tha + tpa


def ipv6(src, dst, nh, payload, hlim=255):
    return struct.pack('!IHBB', 6 << 28, len(payload), nh, hlim) + src + \
        dst + payload


def icmp6(src, dst, msg):
    pseudo = src + dst + struct.pack('!I3xB', len(msg), 58)
    c = csum(pseudo + msg)
    return msg[:2] + struct.pack('!H', c) + msg[4:]


def ip6(a):
    return socket.inet_pton(socket.AF_INET6, a)


ROUTER_ALERT = b'\x94\x04\x00\x00'


def igmpv3_report(groups, bad_checksum=False):
    recs = b''.join(struct.pack('!BBH4s', 4, 0, 0, g) for g in groups)
    m = struct.pack('!BBHHH', 0x22, 0, 0, 0, len(groups)) + recs
    c = csum(m) ^ (0xffff if bad_checksum else 0)
    return m[:2] + struct.pack('!H', c) + m[4:]


def igmp_frame(mac, src, groups, bad_checksum=False, truncate=None):
    igmp = igmpv3_report(groups, bad_checksum)
    if truncate is not None:
        igmp = igmp[:truncate]
    return eth(b'\x01\x00\x5e\x00\x00\x16', mac, 0x0800,
               ipv4(src, ip4('224.0.0.22'), 2, igmp, ttl=1,
                    options=ROUTER_ALERT))


def mld_frame(mac, src, groups, bad_checksum=False, truncate=None):
    dst = ip6('ff02::16')
    recs = b''.join(struct.pack('!BBH', 4, 0, 0) + g for g in groups)
    msg = icmp6(src, dst, struct.pack('!BBHHH', 143, 0, 0, 0, len(groups))
                + recs)
    if bad_checksum:
        msg = msg[:2] + bytes([msg[2] ^ 0xff, msg[3]]) + msg[4:]
    if truncate is not None:
        msg = msg[:truncate]
    # Hop-by-hop header with router alert (RFC 3810 section 5).
    hbh = struct.pack('!BB', 58, 0) + b'\x05\x02\x00\x00\x01\x00'
    return eth(b'\x33\x33\x00\x00\x00\x16', mac, 0x86dd,
               ipv6(src, dst, 0, hbh + msg, hlim=1))


def frames(kind, mac):
    """The frames of malformation 'kind' from 'mac' (a list)."""
    me = ip4('10.0.0.66')
    peer = ip4('10.0.0.1')
    ll = ip6('fe80::66')
    if kind == 'arp':
        # Hardware type 6, hardware length 8, and a truncated ARP.
        return [eth(BROADCAST, mac, 0x0806,
                    arp(1, mac, me, bytes(6), peer, htype=6)),
                eth(BROADCAST, mac, 0x0806,
                    arp(1, mac + b'\0\0', me, bytes(8), peer, hlen=8)),
                eth(BROADCAST, mac, 0x0806,
                    arp(1, mac, me, bytes(6), peer)[:20])]
    if kind == 'nd':
        # NS with a zero-length option, with a truncated option, and with
        # a wrong checksum.
        tgt = ip6('fe80::1')
        sn = ip6('ff02::1:ff00:1')
        dmac = b'\x33\x33\xff\x00\x00\x01'
        zero_len = icmp6(ll, sn, struct.pack('!BBHI', 135, 0, 0, 0) + tgt +
                         b'\x01\x00' + mac)
        short_opt = icmp6(ll, sn, struct.pack('!BBHI', 135, 0, 0, 0) + tgt +
                          b'\x01\x02' + mac)
        good = icmp6(ll, sn, struct.pack('!BBHI', 135, 0, 0, 0) + tgt +
                     b'\x01\x01' + mac)
        bad_sum = good[:2] + bytes([good[2] ^ 0x55, good[3]]) + good[4:]
        return [eth(dmac, mac, 0x86dd, ipv6(ll, sn, 58, m))
                for m in (zero_len, short_opt, bad_sum)]
    if kind == 'dhcp':
        # BOOTP cut short, and one with an option running past the end.
        def dhcp(payload):
            udp = struct.pack('!HHHH', 68, 67, 8 + len(payload), 0) + payload
            return eth(BROADCAST, mac, 0x0800,
                       ipv4(bytes(4), b'\xff' * 4, 17, udp))
        bootp = struct.pack('!BBBBIHH', 1, 1, 6, 0, 0x12345678, 0, 0) + \
            bytes(16) + mac + bytes(10) + bytes(192)
        return [dhcp(bootp[:40]),
                dhcp(bootp + b'\x63\x82\x53\x63' + b'\x35\x01\x01' +
                     b'\x3d\x40\x01\x02' + b'\xff')]
    if kind == 'igmp':
        # IGMPv3 reports: wrong checksum, truncated inside a record.
        g = [ip4('239.9.9.9')]
        return [igmp_frame(mac, me, g, bad_checksum=True),
                igmp_frame(mac, me, g, truncate=10)]
    if kind == 'mld':
        g = [ip6('ff05::9')]
        return [mld_frame(mac, ll, g, bad_checksum=True),
                mld_frame(mac, ll, g, truncate=12)]
    if kind == 'oversize':
        # IPv4 packets of 2045 and 4000 bytes: over the IPoIB MTU (2044).
        return [eth(b'\x02\x00\x01\x00\x00\x01', mac, 0x0800,
                    ipv4(me, peer, 17, bytes(n - 20))) for n in (2045, 4000)]
    if kind == 'vlan':
        # Tagged with VLANs that have no P_Key.
        return [eth(BROADCAST, mac, 0x0806,
                    arp(1, mac, me, bytes(6), peer), vlan=v)
                for v in (77, 4094)]
    raise SystemExit('unknown kind %s' % kind)


FRAMES = ('arp', 'nd', 'dhcp', 'igmp', 'mld', 'oversize', 'vlan')


def random_macs(n, rng):
    """'n' distinct random unicast MACs."""
    seen = set()
    while len(seen) < n:
        m = bytearray(rng.getrandbits(48).to_bytes(6, 'big'))
        m[0] &= 0xfe                # unicast
        if any(m):
            seen.add(bytes(m))
    return list(seen)


def write_stream(path, frame_iter):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    n = 0
    buf = []
    for f in frame_iter:
        buf.append(struct.pack('!H', len(f)) + f)
        n += 1
        if len(buf) >= 1000:
            s.sendall(b''.join(buf))
            buf = []
    if buf:
        s.sendall(b''.join(buf))
    # Wait until the port read everything: it never writes to us, so
    # shutting down our side and waiting for its end would block; poll the
    # send queue instead.
    import fcntl
    import termios
    import time
    while True:
        pending = struct.unpack('i', fcntl.ioctl(s.fileno(), termios.TIOCOUTQ,
                                                 b'\0\0\0\0'))[0]
        if not pending:
            break
        time.sleep(0.05)
    s.close()
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('cmd', choices=('hex', 'flood-macs', 'join-groups'))
    ap.add_argument('arg')
    ap.add_argument('--mac', default='50:54:00:00:00:66')
    ap.add_argument('--socket')
    ap.add_argument('--seed', type=int, default=1)
    args = ap.parse_args()
    mac = mac_bytes(args.mac)

    if args.cmd == 'hex':
        for f in frames(args.arg, mac):
            print(f.hex())
        return 0

    n = int(args.arg)
    if args.cmd == 'flood-macs':
        rng = random.Random(args.seed)
        peer = ip4('10.0.0.254')    # Nobody: no answers to flood back.
        gen = (eth(BROADCAST, m, 0x0806,
                   # Sender addresses outside the VMs' subnet: this VM
                   # floods MACs, it does not spoof its neighbours' IPs.
                   arp(1, m, ip4('10.%d.%d.%d' % (1 + (i >> 16 & 127),
                                                  i >> 8 & 255, i & 255)),
                       bytes(6), peer))
               for i, m in enumerate(random_macs(n, rng)))
    else:
        me = ip4('10.0.0.66')
        gen = (igmp_frame(mac, me, [struct.pack('!I', 0xef000000 + 1 + i)])
               for i in range(n))
    print('wrote %d frames' % write_stream(args.socket, gen))
    return 0


if __name__ == '__main__':
    sys.exit(main())
