#! /usr/bin/python3
# Guest-side traffic checks for tests/kmod/guest-test.sh (run inside VM
# namespaces):
#
#   net-check.py tcp-server PORT BYTES        receive BYTES, verify, print
#   net-check.py tcp-client HOST PORT BYTES   send BYTES, print throughput
#   net-check.py mcast-recv GROUP PORT SECS   join GROUP, print what arrives
#   net-check.py mcast-send GROUP PORT TEXT   send TEXT to GROUP (TTL 1)
#
# The TCP payload is a counter pattern, so the server checks every byte.

import socket
import struct
import sys
import time


def pattern(n):
    block = bytes(range(256)) * 256
    return (block * (n // len(block) + 1))[:n]


def tcp_server(port, total):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", port))
    srv.listen(1)
    srv.settimeout(60)
    conn, peer = srv.accept()
    conn.settimeout(60)
    got = bytearray()
    while len(got) < total:
        chunk = conn.recv(65536)
        if not chunk:
            break
        got += chunk
    conn.sendall(b"ok" if bytes(got) == pattern(total) else b"bad")
    conn.close()
    print("tcp-server: %d bytes from %s, %s"
          % (len(got), peer[0],
             "intact" if bytes(got) == pattern(total) else "CORRUPT"))
    return 0 if bytes(got) == pattern(total) else 1


def tcp_client(host, port, total):
    data = pattern(total)
    for _ in range(50):         # The server may still be starting.
        try:
            sock = socket.create_connection((host, port), timeout=60)
            break
        except OSError:
            time.sleep(0.2)
    else:
        print("tcp-client: cannot connect to %s:%d" % (host, port))
        return 1
    start = time.monotonic()
    sock.sendall(data)
    verdict = sock.recv(16)
    elapsed = time.monotonic() - start
    sock.close()
    print("tcp-client: %d bytes to %s:%d in %.2f s = %.2f Mbit/s, server "
          "says %s" % (total, host, port, elapsed,
                       total * 8 / elapsed / 1e6, verdict.decode()))
    return 0 if verdict == b"ok" else 1


def mcast_recv(group, port, secs):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((group, port))
    mreq = struct.pack("=4s4s", socket.inet_aton(group),
                       socket.inet_aton("0.0.0.0"))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    sock.settimeout(secs)
    try:
        data, peer = sock.recvfrom(2048)
    except socket.timeout:
        print("mcast-recv: nothing on %s:%d" % (group, port))
        return 1
    print("mcast-recv: %r from %s" % (data.decode(), peer[0]))
    return 0


def mcast_send(group, port, text):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    for _ in range(5):
        sock.sendto(text.encode(), (group, port))
        time.sleep(0.3)
    return 0


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "tcp-server":
        return tcp_server(int(args[0]), int(args[1]))
    if cmd == "tcp-client":
        return tcp_client(args[0], int(args[1]), int(args[2]))
    if cmd == "mcast-recv":
        return mcast_recv(args[0], int(args[1]), float(args[2]))
    if cmd == "mcast-send":
        return mcast_send(args[0], int(args[1]), args[2])
    print("unknown command %s" % cmd)
    return 2


if __name__ == "__main__":
    sys.exit(main())
