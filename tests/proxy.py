#!/usr/bin/env python3
"""proxy.py: an HTTP CONNECT proxy on loopback, for the tests.

    python3 tests/proxy.py LOG

Prints its port on stdout, then relays every CONNECT it gets to the
host and port asked for (loopback only: anything else is refused with
403), appending "CONNECT host:port" to LOG for each. Runs until killed.
"""
import os
import select
import socket
import sys
import threading


def pipe(a, b):
    try:
        while True:
            r, _, _ = select.select([a, b], [], [])
            for s in r:
                data = s.recv(65536)
                if not data:
                    return
                (b if s is a else a).sendall(data)
    except OSError:
        pass
    finally:
        a.close()
        b.close()


def serve(c, log):
    head = b""
    while b"\r\n\r\n" not in head:
        data = c.recv(4096)
        if not data:
            c.close()
            return
        head += data
    line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split()
    if len(parts) != 3 or parts[0] != "CONNECT":
        c.sendall(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
        c.close()
        return
    host, _, port = parts[1].rpartition(":")
    with open(log, "a") as f:
        f.write("CONNECT %s\n" % parts[1])
    if host not in ("localhost", "127.0.0.1"):
        c.sendall(b"HTTP/1.1 403 Forbidden\r\n\r\n")
        c.close()
        return
    try:
        s = socket.create_connection(("127.0.0.1", int(port)))
    except OSError:
        c.sendall(b"HTTP/1.1 502 Bad Gateway\r\n\r\n")
        c.close()
        return
    c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    pipe(c, s)


def main():
    log = sys.argv[1]
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    print(ls.getsockname()[1], flush=True)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve, args=(c, log), daemon=True).start()


if __name__ == "__main__":
    main()
