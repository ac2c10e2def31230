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

"""An independent IPoIB port of the soft fabric, written from
Documentation/fabric-protocol.md alone (no project code, standard library
only).

It attaches to eipoib-fabric, creates one UD QP, joins the partition's IPoIB
broadcast group and behaves as a minimal IPoIB host with one IPv4 address:
it answers IPoIB ARP requests for its address and ICMP echo requests to it,
and can itself resolve a peer with ARP and ping it.

  fabric-port.py -s SOCK -n NAME --ip 10.0.0.1 serve [--time S]
  fabric-port.py -s SOCK -n NAME --ip 10.0.0.2 ping 10.0.0.1 [-c N]
  fabric-port.py -s SOCK -n NAME info
  fabric-port.py -s SOCK -n NAME dhcp-discover | ns IPV6 | multi-qp
  fabric-port.py -s SOCK raw HEX...
  fabric-port.py -s SOCK -n NAME hostile KIND [--qpn Q --lid L] ...

Exit status: 0 success, 1 the exchange failed (no ARP reply, no echo
reply), 2 a protocol error or an ERROR from the daemon.
"""

import argparse
import ipaddress
import os
import select
import socket
import struct
import sys
import time
import zlib

# ------------------------------------------------------------ protocol (§3)
ATTACH, QP_CREATE, QP_MODIFY, QP_DESTROY = 0x01, 0x02, 0x03, 0x04
MCAST_JOIN, MCAST_LEAVE, PATH_QUERY, ECHO = 0x05, 0x06, 0x07, 0x08
DATA, PORT_EVENT, ERROR, REPLY = 0x10, 0x20, 0x7f, 0x80

JOIN_FULL = 0x1
PORT_ACTIVE = 4
MCAST_QPN = 0xffffff


class ProtocolError(Exception):
    pass


class DaemonError(Exception):
    def __init__(self, request_type, code, reason):
        Exception.__init__(self, 'request 0x%02x failed: code %d: %s'
                           % (request_type, code, reason))
        self.code = code


def log(msg):
    sys.stderr.write('fabric-port: %s\n' % msg)
    sys.stderr.flush()


# ------------------------------------------------------ IB packets (§5)
def icrc(b):
    """ICRC of LRH..pad (section 5.6), as the 4 wire bytes."""
    b = bytearray(b)
    if b[1] & 3 == 3:
        b[0:8] = b'\xff' * 8
        b[8] |= 0x0f
        b[9:12] = b'\xff\xff\xff'
        b[15] = 0xff
        bth = 48
    else:
        b[0] |= 0xf0
        bth = 8
    b[bth + 4] = 0xff
    return struct.pack('<I', zlib.crc32(bytes(b)) & 0xffffffff)


def _crc16_table():
    t = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0xd008 if c & 1 else c >> 1
        t.append(c)
    return t


_T16 = _crc16_table()


def vcrc(b):
    """VCRC of LRH..ICRC (section 5.7), as the 2 wire bytes."""
    c = 0xffff
    for x in b:
        c = _T16[(c ^ x) & 0xff] ^ (c >> 8)
    return struct.pack('<H', c ^ 0xffff)


def build_packet(dlid, slid, pkey, dqpn, qkey, sqpn, psn, payload,
                 sgid=None, dgid=None, sl=0):
    """UD SEND Only packet (sections 5.1-5.7); GRH if dgid is given."""
    pad = (-len(payload)) % 4
    body = payload + b'\x00' * pad
    bth = struct.pack('!BBHBBHBBH', 0x64, pad << 4, pkey, 0,
                      dqpn >> 16, dqpn & 0xffff, 0, psn >> 16, psn & 0xffff)
    deth = struct.pack('!IBBH', qkey, 0, sqpn >> 16, sqpn & 0xffff)
    transport = bth + deth + body
    if dgid is None:
        lnh, grh = 2, b''
    else:
        lnh = 3
        grh = struct.pack('!IHBB', 6 << 28, len(transport) + 4, 0x1b, 1) \
            + sgid + dgid
    pktlen = (8 + len(grh) + len(transport) + 4) // 4
    lrh = struct.pack('!BBHHH', 0, (sl << 4) | lnh, dlid, pktlen, slid)
    pkt = lrh + grh + transport
    pkt += icrc(pkt)
    return pkt + vcrc(pkt)


def parse_packet(pkt):
    """Returns a dict of the fields and the payload, or raises ValueError."""
    if len(pkt) < 8 + 12 + 8 + 6 or len(pkt) % 4 != 2:
        raise ValueError('bad length')
    if vcrc(pkt[:-2]) != pkt[-2:] or icrc(pkt[:-6]) != pkt[-6:-2]:
        raise ValueError('bad CRC')
    vl_lver, sl_lnh, dlid, pktlen, slid = struct.unpack('!BBHHH', pkt[:8])
    lnh = sl_lnh & 3
    if (pktlen & 0x7ff) * 4 != len(pkt) - 2 or lnh not in (2, 3):
        raise ValueError('bad LRH')
    f = {'dlid': dlid, 'slid': slid, 'sgid': None, 'dgid': None}
    off = 8
    if lnh == 3:
        if len(pkt) < 48 + 20 + 6:
            raise ValueError('bad length')
        f['sgid'], f['dgid'] = pkt[16:32], pkt[32:48]
        off = 48
    opcode, b1, pkey, _, dqpn_hi, dqpn_lo = struct.unpack(
        '!BBHBBH', pkt[off:off + 8])
    if opcode != 0x64:
        raise ValueError('not UD SEND Only')
    qkey, = struct.unpack('!I', pkt[off + 12:off + 16])
    sqpn = int.from_bytes(pkt[off + 17:off + 20], 'big')
    pad = (b1 >> 4) & 3
    payload = pkt[off + 20:len(pkt) - 6]
    if pad > len(payload):
        raise ValueError('bad pad')
    f.update(pkey=pkey, dqpn=(dqpn_hi << 16) | dqpn_lo, qkey=qkey,
             sqpn=sqpn, payload=payload[:len(payload) - pad])
    return f


# ------------------------------------------------------------ IPv4 helpers
def inet_csum(b):
    if len(b) % 2:
        b += b'\x00'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4_packet(src, dst, proto, payload, ident=0):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident, 0,
                    64, proto, 0, src, dst)
    h = h[:10] + struct.pack('!H', inet_csum(h)) + h[12:]
    return h + payload


def icmp_echo(typ, ident, seq, data):
    m = struct.pack('!BBHHH', typ, 0, 0, ident, seq) + data
    return m[:2] + struct.pack('!H', inet_csum(m)) + m[4:]


def arp_body(op, sha, spa, tha, tpa):
    """IPoIB ARP (hardware type 32, 20-byte addresses): 56 bytes."""
    return struct.pack('!HHBBH', 32, 0x0800, 20, 4, op) + sha + spa + tha + tpa


def fmt_addr(a):
    return ':'.join('%02x' % x for x in a)


# ------------------------------------------------------------ the port
class Port:
    def __init__(self, path, name, pkey, guid=0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.rxbuf = b''
        self.xid = 0
        self.pending = []           # frames read while waiting for a reply
        self.pkey_wanted = pkey
        self.psn = 0
        self.up = True
        self.counters = {'rx': 0, 'rx-bad': 0, 'rx-own-echo': 0,
                         'rx-not-mine': 0}

        body = struct.pack('!HHIQ', 1, 0, 0, guid) + \
            name.encode().ljust(64, b'\x00')
        r = self.request(ATTACH, body)
        (_, self.lid, self.mtu, state, n_pkeys) = struct.unpack(
            '!HHHBxH', r[:10])
        self.gid = r[12:28]
        self.pkeys = list(struct.unpack('!%dH' % n_pkeys,
                                        r[28:28 + 2 * n_pkeys]))
        self.up = state == PORT_ACTIVE
        match = [p for p in self.pkeys if p & 0x7fff == pkey & 0x7fff]
        if not match:
            raise ProtocolError('P_Key 0x%04x not in the table %s' % (
                pkey, ','.join('0x%04x' % p for p in self.pkeys)))
        self.pkey = match[0]

        # Section 7: QP with the usual Q_Key, then the broadcast group.
        r = self.request(QP_CREATE, struct.pack('!IIHH', 0, 0x0b1b,
                                                self.pkey, 0))
        self.qpn, self.qp_qkey = struct.unpack('!II', r[:8])
        bpkey = self.pkey | 0x8000
        self.bcast_mgid = bytes([0xff, 0x12, 0x40, 0x1b]) + \
            struct.pack('!H', bpkey) + b'\x00' * 6 + b'\xff' * 4
        (self.qkey, self.mlid, self.group_mtu,
         self.sl) = self.join(self.bcast_mgid, JOIN_FULL, self.qpn)
        if self.qkey != self.qp_qkey:
            self.request(QP_MODIFY, struct.pack('!IIHH', self.qpn, self.qkey,
                                                self.pkey, 0))
        self.addr = b'\x00' + self.qpn.to_bytes(3, 'big') + self.gid
        self.paths = {}             # GID -> LID

    def join(self, mgid, join_state, qpn=0):
        """Joins group 'mgid'; returns (qkey, mlid, mtu, sl)."""
        r = self.request(MCAST_JOIN, mgid + struct.pack(
            '!IIHBx', qpn, 0, self.pkey, join_state))
        qkey, mlid, _, mtu, _, _, sl = struct.unpack('!IHHHBBB', r[20:33])
        return qkey, mlid, mtu, sl

    def rejoin(self):
        """After the port comes back up (section 4.11)."""
        self.join(self.bcast_mgid, JOIN_FULL, self.qpn)
        self.paths = {}

    # -- framing (§1)
    def _send(self, ftype, body, xid=0):
        self.sock.sendall(struct.pack('!IHH', 8 + len(body), ftype, xid)
                          + body)

    def _read_frame(self, timeout):
        while True:
            if len(self.rxbuf) >= 8:
                length, ftype, xid = struct.unpack('!IHH', self.rxbuf[:8])
                if length < 8 or length > 65536:
                    raise ProtocolError('bad frame length %d' % length)
                if len(self.rxbuf) >= length:
                    body = self.rxbuf[8:length]
                    self.rxbuf = self.rxbuf[length:]
                    return ftype, xid, body
            r, _, _ = select.select([self.sock], [], [], timeout)
            if not r:
                return None
            data = self.sock.recv(262144)
            if not data:
                raise ProtocolError('daemon closed the connection')
            self.rxbuf += data

    def request(self, rtype, body):
        self.xid = (self.xid + 1) & 0xffff
        self._send(rtype, body, self.xid)
        deadline = time.monotonic() + 10
        while True:
            fr = self._read_frame(max(0, deadline - time.monotonic()))
            if fr is None:
                raise ProtocolError('no reply to request 0x%02x' % rtype)
            ftype, xid, body = fr
            if ftype == ERROR and xid == self.xid:
                req, code = struct.unpack('!HH', body[:4])
                raise DaemonError(req, code, body[4:].decode(errors='replace'))
            if ftype == rtype | REPLY and xid == self.xid:
                return body
            self.pending.append(fr)

    def next_event(self, timeout):
        """Next DATA or PORT_EVENT frame, or None after 'timeout'."""
        if self.pending:
            return self.pending.pop(0)
        return self._read_frame(timeout)

    # -- sending (§5, §7)
    def path_lid(self, gid):
        if gid not in self.paths:
            r = self.request(PATH_QUERY, gid + struct.pack('!HH', self.pkey, 0))
            self.paths[gid] = struct.unpack('!H', r[32:34])[0]
        return self.paths[gid]

    def send(self, payload, dqpn=None, dlid=None, qkey=None, corrupt=False,
             mgid=None, mlid=None, sqpn=None):
        """Unicast to (dlid, dqpn), or multicast to (mgid, mlid), by
        default the broadcast group, if dqpn is None.  From QP 'sqpn',
        by default the port's first QP."""
        self.psn = (self.psn + 1) & 0xffffff
        qkey = self.qkey if qkey is None else qkey
        sqpn = self.qpn if sqpn is None else sqpn
        if dqpn is None:
            pkt = build_packet(mlid or self.mlid, self.lid, self.pkey,
                               MCAST_QPN, qkey, sqpn, self.psn, payload,
                               sgid=self.gid, dgid=mgid or self.bcast_mgid,
                               sl=self.sl)
        else:
            pkt = build_packet(dlid, self.lid, self.pkey, dqpn, qkey,
                               sqpn, self.psn, payload)
        if corrupt:
            pkt = pkt[:-6] + bytes(6)
        self._send(DATA, struct.pack('!I', sqpn) + pkt)

    def recv(self, timeout):
        """Returns a received packet's fields (dict), 'down'/'up' for port
        events, or None after 'timeout'."""
        deadline = time.monotonic() + timeout
        while True:
            fr = self.next_event(max(0, deadline - time.monotonic()))
            if fr is None:
                return None
            ftype, _, body = fr
            if ftype == PORT_EVENT:
                self.up = body[0] == PORT_ACTIVE
                return 'up' if self.up else 'down'
            if ftype != DATA:
                continue
            qpn, = struct.unpack('!I', body[:4])
            if qpn != self.qpn:
                # Another connection's QP, maybe of the same port
                # (section 2.1): the daemon must not send it here.
                self.counters['rx-not-mine'] += 1
                log('DATA for QP 0x%06x, not ours (0x%06x)' % (qpn, self.qpn))
                continue
            try:
                f = parse_packet(body[4:])
            except ValueError as e:
                self.counters['rx-bad'] += 1
                log('dropping received packet: %s' % e)
                continue
            if f['slid'] == self.lid and f['sqpn'] == self.qpn:
                self.counters['rx-own-echo'] += 1
                continue
            self.counters['rx'] += 1
            return f


class Host:
    """A minimal IPv4 host on top of a Port: ARP and ICMP echo."""

    def __init__(self, port, ip, verbose):
        self.port = port
        self.ip = ipaddress.IPv4Address(ip).packed if ip else None
        self.arp = {}               # IPv4 bytes -> (qpn, gid)
        self.verbose = verbose
        self.echo_replies = {}      # seq -> (src ip, time)
        self.answered = 0

    def info(self, msg):
        if self.verbose:
            print(msg, flush=True)

    def unicast(self, payload, qpn, gid, lid=None):
        try:
            if lid is None:
                lid = self.port.path_lid(gid)
            self.port.send(payload, dqpn=qpn, dlid=lid)
        except DaemonError as e:
            log('cannot send: %s' % e)

    def handle(self, f):
        p = f['payload']
        if len(p) < 4:
            return
        etype, = struct.unpack('!H', p[:2])
        if etype == 0x0806:
            self.handle_arp(p[4:])
        elif etype == 0x0800:
            self.handle_ipv4(p[4:], f)

    def handle_arp(self, a):
        if len(a) < 56:
            return
        htype, ptype, hlen, plen, op = struct.unpack('!HHBBH', a[:8])
        if htype != 32 or ptype != 0x0800 or hlen != 20 or plen != 4:
            return
        sha, spa, tha, tpa = a[8:28], a[28:32], a[32:52], a[52:56]
        sqpn = int.from_bytes(sha[1:4], 'big')
        self.arp[spa] = (sqpn, sha[4:20])
        if op == 1 and self.ip and tpa == self.ip:
            self.info('arp: who-has %s tell %s (%s): answering' % (
                ipaddress.IPv4Address(tpa), ipaddress.IPv4Address(spa),
                fmt_addr(sha)))
            reply = arp_body(2, self.port.addr, self.ip, sha, spa)
            self.unicast(b'\x08\x06\x00\x00' + reply, sqpn, sha[4:20])
        elif op == 2:
            self.info('arp: %s is at %s' % (ipaddress.IPv4Address(spa),
                                            fmt_addr(sha)))

    def handle_ipv4(self, ip, f):
        if len(ip) < 20 or ip[0] >> 4 != 4:
            return
        ihl = (ip[0] & 0xf) * 4
        total, = struct.unpack('!H', ip[2:4])
        proto, src, dst = ip[9], ip[12:16], ip[16:20]
        if proto != 1 or dst != self.ip or len(ip) < total:
            return
        icmp = ip[ihl:total]
        if len(icmp) < 8 or inet_csum(icmp) != 0:
            return
        typ, _, _, ident, seq = struct.unpack('!BBHHH', icmp[:8])
        if typ == 8:
            self.info('icmp: echo request from %s seq %d: answering' % (
                ipaddress.IPv4Address(src), seq))
            reply = ipv4_packet(self.ip, src, 1,
                                icmp_echo(0, ident, seq, icmp[8:]))
            if src in self.arp:
                qpn, gid = self.arp[src]
                self.unicast(b'\x08\x00\x00\x00' + reply, qpn, gid)
            else:
                # No ARP entry: answer the sender's QP and LID directly.
                self.port.send(b'\x08\x00\x00\x00' + reply, dqpn=f['sqpn'],
                               dlid=f['slid'])
            self.answered += 1
        elif typ == 0:
            self.echo_replies[seq] = (src, time.monotonic())

    def poll(self, timeout):
        f = self.port.recv(timeout)
        if isinstance(f, dict):
            self.handle(f)
        elif f is not None:
            self.info('port event: %s' % f)
            if f == 'up':
                self.port.rejoin()
        return f

    def resolve(self, target, timeout):
        """ARP for 'target' (bytes); returns (qpn, gid) or None."""
        deadline = time.monotonic() + timeout
        next_request = 0
        while target not in self.arp and time.monotonic() < deadline:
            if time.monotonic() >= next_request:
                req = arp_body(1, self.port.addr, self.ip, bytes(20), target)
                self.port.send(b'\x08\x06\x00\x00' + req)
                next_request = time.monotonic() + 1
            self.poll(min(0.1, max(0, deadline - time.monotonic())))
        return self.arp.get(target)


def cmd_info(port, host, args):
    print('name %s lid %d gid %s qpn 0x%06x qkey 0x%08x mlid 0x%04x '
          'mtu %d pkeys %s' % (
              args.name, port.lid, ipaddress.IPv6Address(port.gid),
              port.qpn, port.qkey, port.mlid, port.group_mtu,
              ','.join('0x%04x' % p for p in port.pkeys)))
    print('address %s' % fmt_addr(port.addr))
    return 0


def cmd_serve(port, host, args):
    host.info('attached: lid %d gid %s qpn 0x%06x pkey 0x%04x' % (
        port.lid, ipaddress.IPv6Address(port.gid), port.qpn, port.pkey))
    deadline = time.monotonic() + args.time if args.time else None
    while deadline is None or time.monotonic() < deadline:
        host.poll(0.2 if deadline is None
                  else min(0.2, max(0, deadline - time.monotonic())))
        if args.count and host.answered >= args.count:
            break
    print('answered %d echo requests' % host.answered)
    return 0


def cmd_ping(port, host, args):
    target = ipaddress.IPv4Address(args.target).packed
    ident = os.getpid() & 0xffff
    if args.lid is not None and args.qpn is not None:
        dest = (args.qpn, None)
    else:
        dest = host.resolve(target, args.timeout)
        if dest is None:
            print('arp: no reply from %s' % args.target)
            return 1
        print('arp: %s is at qpn 0x%06x gid %s' % (
            args.target, dest[0], ipaddress.IPv6Address(dest[1])))
    data = (b'fabric-port.py ' * 200)[:max(0, args.size)]
    received = 0
    for seq in range(1, args.count + 1):
        echo = ipv4_packet(host.ip, target, 1, icmp_echo(8, ident, seq, data),
                           ident=seq)
        lid = args.lid if args.lid is not None else port.path_lid(dest[1])
        port.send(b'\x08\x00\x00\x00' + echo, dqpn=dest[0], dlid=lid,
                  qkey=args.qkey, corrupt=args.bad_crc)
        sent = time.monotonic()
        deadline = sent + args.timeout
        while seq not in host.echo_replies and time.monotonic() < deadline:
            host.poll(min(0.1, max(0, deadline - time.monotonic())))
        if seq in host.echo_replies:
            src, t = host.echo_replies[seq]
            received += 1
            print('echo reply from %s: seq=%d time=%.3f ms' % (
                ipaddress.IPv4Address(src), seq, (t - sent) * 1000))
        else:
            print('no echo reply for seq=%d' % seq)
    print('%d packets transmitted, %d received' % (args.count, received))
    return 0 if received == args.count else 1


def cmd_dhcp_discover(port, host, args):
    """A DHCPDISCOVER as RFC 4390 wants it over IPoIB (htype 32, hlen 0,
    broadcast flag, client identifier), to the broadcast group."""
    guid = port.gid[8:]
    client_id = b'\xff' + bytes(4) + b'\x00\x02' + b'\x00\x00\x02\xc9' + \
        b'\x00' + guid
    bootp = struct.pack('!BBBBIHH4s4s4s4s16s64s128s', 1, 32, 0, 0,
                        0x1a2b3c4d, 0, 0x8000, bytes(4), bytes(4), bytes(4),
                        bytes(4), bytes(16), bytes(64), bytes(128))
    options = b'\x63\x82\x53\x63' + b'\x35\x01\x01' + \
        bytes([61, len(client_id)]) + client_id + b'\x37\x03\x01\x03\x06' + \
        b'\xff'
    udp_payload = bootp + options
    udp = struct.pack('!HHHH', 68, 67, 8 + len(udp_payload), 0) + udp_payload
    ip = ipv4_packet(bytes(4), b'\xff' * 4, 17, udp)
    port.send(b'\x08\x00\x00\x00' + ip)
    print('sent DHCPDISCOVER xid 0x1a2b3c4d')
    return 0


def cmd_ns(port, host, args):
    """An IPv6 Neighbor Solicitation for TARGET with a 24-byte IPoIB source
    link-layer address option, to the solicited-node group (joined as a
    send-only full member, which creates it)."""
    src = ipaddress.IPv6Address(port.gid).packed    # fe80:: + GUID
    tgt = ipaddress.IPv6Address(args.target).packed
    sn = ipaddress.IPv6Address('ff02::1:ff00:0').packed[:13] + tgt[13:]
    mgid = bytes([0xff, 0x12, 0x60, 0x1b]) + \
        struct.pack('!H', port.pkey | 0x8000) + sn[6:]
    _, mlid, _, _ = port.join(mgid, 0x8)
    opt = bytes([1, 3, 0, 0]) + port.addr
    icmp = struct.pack('!BBHI', 135, 0, 0, 0) + tgt + opt
    pseudo = src + sn + struct.pack('!I3xB', len(icmp), 58)
    icmp = icmp[:2] + struct.pack('!H', inet_csum(pseudo + icmp)) + icmp[4:]
    ip6 = struct.pack('!IHBB', 6 << 28, len(icmp), 58, 255) + src + sn + icmp
    port.send(b'\x86\xdd\x00\x00' + ip6, mgid=mgid, mlid=mlid)
    print('sent NS for %s to %s (MLID 0x%04x)' % (
        args.target, ipaddress.IPv6Address(sn), mlid))
    return 0


def cmd_multi_qp(port, host, args):
    """Multicast replication to several QPs of one port (sections 4.3 and
    6.3): creates two more QPs, the second blocking its own multicast
    loopback, joins both to the broadcast group, sends one broadcast from
    each, then destroys the first and sends again from the second.  Prints
    which of this port's QPs each broadcast reached."""
    extra = []
    for flags in (0, 1):
        r = port.request(QP_CREATE, struct.pack('!IIHH', 0, port.qkey,
                                                port.pkey, flags))
        qpn, = struct.unpack('!I', r[:4])
        port.join(port.bcast_mgid, JOIN_FULL, qpn)
        extra.append(qpn)

    def broadcast(sqpn, label):
        # An ARP request for an address nobody has.
        arp = arp_body(1, b'\x00' + sqpn.to_bytes(3, 'big') + port.gid,
                       bytes(4), bytes(20), bytes([10, 9, 9, 9]))
        port.send(b'\x08\x06\x00\x00' + arp, sqpn=sqpn)
        reached = []
        deadline = time.monotonic() + args.wait
        while time.monotonic() < deadline:
            fr = port.next_event(max(0, deadline - time.monotonic()))
            if fr is None:
                break
            if fr[0] == DATA:
                f = parse_packet(fr[2][4:])
                if f['sqpn'] == sqpn and f['slid'] == port.lid:
                    reached.append(struct.unpack('!I', fr[2][:4])[0])
        print('from 0x%06x%s: %s' % (sqpn, label, ' '.join(
            '0x%06x' % q for q in sorted(reached))))

    broadcast(extra[0], '')
    broadcast(extra[1], ' (blocks self loopback)')
    port.request(QP_DESTROY, struct.pack('!I', extra[0]))
    broadcast(extra[1], ' after destroying 0x%06x' % extra[0])
    return 0


def cmd_raw(args):
    """Sends raw bytes (frames of one's own making, e.g. malformed) without
    attaching, then prints every frame received for 'wait' seconds."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(args.socket)
    for h in args.hex:
        sock.sendall(bytes.fromhex(h))
    buf = b''
    deadline = time.monotonic() + args.wait
    while True:
        while len(buf) >= 8:
            length, ftype, xid = struct.unpack('!IHH', buf[:8])
            if len(buf) < length:
                break
            body, buf = buf[8:length], buf[length:]
            if ftype == ERROR:
                req, code = struct.unpack('!HH', body[:4])
                print('ERROR xid=%d request=0x%02x code=%d reason=%s' % (
                    xid, req, code, body[4:].decode(errors='replace')))
            else:
                print('frame type=0x%02x xid=%d body=%s' % (ftype, xid,
                                                             body.hex()))
        r, _, _ = select.select([sock], [], [],
                                max(0, deadline - time.monotonic()))
        if not r:
            return 0
        data = sock.recv(65536)
        if not data:
            print('connection closed by the daemon')
            return 0
        buf += data


def cmd_hostile(port, host, args):
    """Hostile input for a peer at (args.qpn, args.lid), or for everyone
    on the broadcast group.  Prints what it sent, one line per kind."""
    kind = args.kind
    arp_hdr = b'\x08\x06\x00\x00'
    if kind == 'truncated':
        # IPoIB payloads shorter than the 4-byte header, a header alone,
        # and IPv4, IPv6 and ARP cut short, unicast and broadcast.
        bodies = [b'', b'\x08', b'\x08\x00\x00', b'\x08\x00\x00\x00',
                  b'\x08\x00\x00\x00\x45\x00\x00',
                  b'\x86\xdd\x00\x00\x60\x00\x00\x00\x00\x08',
                  arp_hdr + arp_body(1, port.addr, bytes(4), bytes(20),
                                     bytes(4))[:30]]
        for b in bodies:
            port.send(b, dqpn=args.qpn, dlid=args.lid)
            port.send(b)
        print('sent %d truncated packets' % (2 * len(bodies)))
    elif kind == 'qkey':
        ip = ipv4_packet(bytes([10, 0, 0, 99]), bytes([10, 0, 0, 2]), 1,
                         icmp_echo(8, 1, 1, b'x' * 8))
        for qkey in (0, 0x0b1c, 0x80010000, 0xffffffff):
            port.send(b'\x08\x00\x00\x00' + ip, dqpn=args.qpn,
                      dlid=args.lid, qkey=qkey)
            port.send(b'\x08\x00\x00\x00' + ip, qkey=qkey)
        print('sent 8 packets with wrong Q_Keys')
    elif kind == 'spoof-qps':
        # Thousands of sender QPNs: one gratuitous ARP from each of
        # args.count QPs of this port (the fabric checks that a QPN is
        # ours, so a hostile port creates the QPs it sends from).
        qpns = [port.qpn]
        while len(qpns) < args.count:
            try:
                r = port.request(QP_CREATE, struct.pack(
                    '!IIHH', 0, port.qkey, port.pkey, 0))
            except DaemonError as e:
                log(str(e))
                break
            qpns.append(struct.unpack('!I', r[:4])[0])
        for i, qpn in enumerate(qpns):
            ip = bytes([10, 9, i >> 8 & 255, i & 255])
            addr = b'\x00' + qpn.to_bytes(3, 'big') + port.gid
            port.send(arp_hdr + arp_body(1, addr, ip, bytes(20), ip),
                      sqpn=qpn)
            if i % 256 == 255:
                drain(port)
        # And from as many other ports (other LIDs), one QP each.
        others = []
        for i in range(args.ports):
            p = Port(args.socket, '%s-%d' % (args.name, i), args.pkey)
            ip = bytes([10, 7, i >> 8 & 255, i & 255])
            p.send(arp_hdr + arp_body(1, p.addr, ip, bytes(20), ip))
            drain(p)
            others.append(p)
        for p in others:
            drain(p)
            p.sock.close()
        print('sent gratuitous ARPs from %d QPs' % len(qpns)
              + (' and %d more ports' % args.ports if args.ports else ''))
    elif kind == 'bad-src-qp':
        # QPNs this port does not own: the fabric must drop them.
        for i in range(args.count):
            ip = bytes([10, 8, i >> 8 & 255, i & 255])
            port.send(arp_hdr + arp_body(1, bytes(20), ip, bytes(20), ip),
                      sqpn=0x800000 + i)
        print('sent %d packets from QPNs not ours' % args.count)
    elif kind == 'arp-takeover':
        # "IP is at <us>": unicast ARP reply to the peer and a gratuitous
        # ARP to everyone.
        ip = ipaddress.IPv4Address(args.ip).packed
        port.send(arp_hdr + arp_body(2, port.addr, ip, bytes(20), ip),
                  dqpn=args.qpn, dlid=args.lid)
        port.send(arp_hdr + arp_body(1, port.addr, ip, bytes(20), ip))
        print('claimed %s twice' % args.ip)
    elif kind == 'arp-point':
        # "IP is at ADDR", ADDR someone else's (e.g. a host of another
        # partition).
        ip = ipaddress.IPv4Address(args.ip).packed
        addr = bytes.fromhex(args.addr.replace(':', ''))
        port.send(arp_hdr + arp_body(2, addr, ip, bytes(20), ip),
                  dqpn=args.qpn, dlid=args.lid)
        port.send(arp_hdr + arp_body(1, addr, ip, bytes(20), ip))
        print('pointed %s at %s twice' % (args.ip, fmt_addr(addr)))
    elif kind == 'ping-unicast':
        # One echo request to (qpn, lid), whatever partition we are in.
        ip = ipv4_packet(host.ip or bytes(4),
                         ipaddress.IPv4Address(args.ip).packed, 1,
                         icmp_echo(8, 1, 1, b'x' * 8))
        port.send(b'\x08\x00\x00\x00' + ip, dqpn=args.qpn, dlid=args.lid)
        port.send(b'\x08\x00\x00\x00' + ip)
        print('sent 2 echo requests')
    # Whatever the daemon sent back (errors included) is read before we go.
    drain(port)
    return 0


def drain(port):
    """Reads what is queued for us without waiting, so that the daemon
    never finds our connection congested."""
    while port.next_event(0) is not None:
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('-s', '--socket', required=True,
                    help="the fabric daemon's socket (its punix: path)")
    ap.add_argument('-n', '--name', default='fabric-port.py',
                    help='port name')
    ap.add_argument('--guid', type=lambda s: int(s, 0), default=0)
    ap.add_argument('--pkey', type=lambda s: int(s, 0), default=0xffff,
                    help='partition (default 0xffff)')
    ap.add_argument('--ip', help='IPv4 address of this host')
    ap.add_argument('--ready-file',
                    help='create this file once attached and joined')
    ap.add_argument('-q', '--quiet', action='store_true')
    sub = ap.add_subparsers(dest='cmd', required=True)
    sub.add_parser('info', help='attach, print the port and exit')
    s = sub.add_parser('serve', help='answer ARP and ICMP echo')
    s.add_argument('--time', type=float, default=0,
                   help='seconds to run (default: until killed)')
    s.add_argument('--count', type=int, default=0,
                   help='exit after answering this many echo requests')
    p = sub.add_parser('ping', help='ARP for TARGET, then ICMP echo it')
    p.add_argument('target')
    p.add_argument('-c', '--count', type=int, default=1)
    p.add_argument('--timeout', type=float, default=3)
    p.add_argument('--size', type=int, default=56,
                   help='ICMP data bytes (default 56)')
    p.add_argument('--qkey', type=lambda s: int(s, 0), default=None,
                   help='send echo requests with this Q_Key (default the '
                   "group's)")
    p.add_argument('--bad-crc', action='store_true',
                   help='send echo requests with zeroed ICRC and VCRC')
    p.add_argument('--lid', type=lambda s: int(s, 0), default=None,
                   help='with --qpn: skip ARP, send to this LID')
    p.add_argument('--qpn', type=lambda s: int(s, 0), default=None)
    sub.add_parser('dhcp-discover',
                   help='send one DHCPDISCOVER (RFC 4390) and exit')
    n = sub.add_parser('ns', help='send one IPv6 neighbor solicitation')
    n.add_argument('target', help='IPv6 address to solicit')
    m = sub.add_parser('multi-qp', help='multicast to several QPs of one '
                       'port')
    m.add_argument('--wait', type=float, default=0.5)
    r = sub.add_parser('raw', help='send raw frames (hex) without '
                       'attaching; print the frames received')
    r.add_argument('hex', nargs='+')
    r.add_argument('--wait', type=float, default=1)
    h = sub.add_parser('hostile', help='send hostile input')
    h.add_argument('kind', choices=('truncated', 'qkey', 'spoof-qps',
                                    'bad-src-qp', 'arp-takeover',
                                    'arp-point', 'ping-unicast'))
    h.add_argument('--qpn', type=lambda s: int(s, 0), default=0xffffff)
    h.add_argument('--lid', type=lambda s: int(s, 0), default=0)
    h.add_argument('--count', type=int, default=1000)
    h.add_argument('--ports', type=int, default=0,
                   help='spoof-qps: also from this many more ports')
    h.add_argument('--target-ip', dest='ip', default='10.0.0.2')
    h.add_argument('--addr', help='20-byte address, hex')
    args = ap.parse_args()
    if args.cmd == 'raw':
        return cmd_raw(args)

    try:
        port = Port(args.socket, args.name, args.pkey, args.guid)
        host = Host(port, args.ip, args.cmd == 'serve' and not args.quiet)
        if args.ready_file:
            with open(args.ready_file, 'w') as f:
                f.write('%d\n' % os.getpid())
        return {'info': cmd_info, 'serve': cmd_serve, 'ping': cmd_ping,
                'dhcp-discover': cmd_dhcp_discover, 'ns': cmd_ns,
                'multi-qp': cmd_multi_qp,
                'hostile': cmd_hostile}[args.cmd](port, host, args)
    except (ProtocolError, DaemonError, OSError) as e:
        log(str(e))
        return 2


if __name__ == '__main__':
    sys.exit(main())
