#!/usr/bin/env python3
"""Opens N connections from one address that never get anywhere, and reports when the server
closes each: SSH with nothing sent, SSH with a version line only, HTTP with half a request header.
Usage: benches/idle_clients.py SSH_PORT HTTP_PORT [N] [WAIT_SECONDS]   (BENCHMARKS.md, issue 11)"""
import select
import socket
import sys
import time


def probe(port, first, n, wait):
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        if first:
            s.sendall(first)
        socks.append(s)
    start = time.time()
    closed = {}
    while time.time() - start < wait and len(closed) < n:
        ready, _, _ = select.select([s for s in socks if s not in closed], [], [], 0.2)
        for s in ready:
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if not data:
                closed[s] = time.time() - start
    times = sorted(round(t, 1) for t in closed.values())
    return f"{len(closed)} of {n} closed within {wait} s, at {times}"


def main():
    ssh, http = int(sys.argv[1]), int(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 15
    wait = float(sys.argv[4]) if len(sys.argv) > 4 else 150
    print("ssh, nothing sent:      ", probe(ssh, None, n, wait))
    print("ssh, version line only: ", probe(ssh, b"SSH-2.0-idle\r\n", n, wait))
    print("http, half a header:    ", probe(http, b"GET / HTTP/1.1\r\nHost: x\r\n", n, wait))


if __name__ == "__main__":
    main()
