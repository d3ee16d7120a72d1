#!/usr/bin/env python3
"""mitm.py: a TLS man in the middle for the downgrade tests (issue 20).

  tests/mitm.py --upstream [HOST:]PORT --cert FILE --key FILE --cafile FILE
                [--port-file FILE] [--starttls]
                [--strip-plus] [--strip-sasl2] [--strip-fast]
                [--strip-mech NAME]...

Listens on a free port of 127.0.0.1, prints it on standard output (and
writes it to --port-file, whole, once it listens), and for each client:
terminates TLS with --cert/--key (a certificate the client trusts: the
tests' CA signed it), connects to the real server's direct TLS port
(--upstream, verified against --cafile, with the client's SNI) and
relays both ways. What the server sends is held from a <stream:features>
to its end, however the reads split it, and rewritten:

  --strip-plus   every <mechanism>...-PLUS</mechanism> (SASL1's
                 <mechanisms> and SASL2's <authentication>), and the
                 <sasl-channel-binding> element (XEP-0440)
  --strip-sasl2  SASL2's <authentication> element (XEP-0388)
  --strip-fast   FAST's <fast> element (XEP-0484)
  --strip-mech NAME  one <mechanism>NAME</mechanism>, wherever offered

--starttls: the client's side is a plain stream that offers STARTTLS
(required), played here up to <proceed/>; then TLS as above (the server
is still reached on its direct TLS port).

On standard error, one line a thing: each connection, what was stripped,
the mechanism the client then chose. Runs until killed (SIGTERM).
"""

import argparse
import asyncio
import os
import re
import signal
import ssl
import sys

STRIPS = {
    "plus": [
        re.compile(rb"<mechanism>[^<]*-PLUS</mechanism>"),
        re.compile(rb"<sasl-channel-binding\b[^>]*/>"),
        re.compile(rb"<sasl-channel-binding\b.*?</sasl-channel-binding>",
                   re.S),
    ],
    "sasl2": [
        re.compile(rb"<authentication\b[^>]*urn:xmpp:sasl:2[^>]*/>"),
        re.compile(rb"<authentication\b[^>]*urn:xmpp:sasl:2.*?"
                   rb"</authentication>", re.S),
    ],
    "fast": [
        re.compile(rb"<fast\b[^>]*urn:xmpp:fast:0[^>]*/>"),
        re.compile(rb"<fast\b[^>]*urn:xmpp:fast:0.*?</fast>", re.S),
    ],
}
FEATURES_OPEN = re.compile(rb"<(stream:)?features\b")
FEATURES_CLOSE = re.compile(rb"</(stream:)?features>")
CHOSEN = re.compile(rb"<(auth|authenticate)\b[^>]*\bmechanism=['\"]"
                    rb"([^'\"]+)['\"]")


def log(*words):
    print("mitm:", *words, file=sys.stderr, flush=True)


class Rewriter:
    """The server's bytes in, what the client is to get out."""

    def __init__(self, strips, conn):
        self.strips = strips
        self.conn = conn
        self.held = b""

    def feed(self, data):
        self.held += data
        out = b""
        while True:
            m = FEATURES_OPEN.search(self.held)
            if not m:
                # all but a tag that may be the start of one
                cut = self.held.rfind(b"<")
                if cut == -1 or b">" in self.held[cut:]:
                    cut = len(self.held)
                out, self.held = out + self.held[:cut], self.held[cut:]
                return out
            gt = self.held.find(b">", m.end())
            if gt != -1 and self.held[gt - 1:gt] == b"/":
                # <stream:features/>: nothing in it to strip
                out, self.held = out + self.held[:gt + 1], \
                    self.held[gt + 1:]
                continue
            end = FEATURES_CLOSE.search(self.held, m.end())
            if not end:
                out, self.held = out + self.held[:m.start()], \
                    self.held[m.start():]
                return out
            out += self.held[:m.start()] + \
                self.rewrite(self.held[m.start():end.end()])
            self.held = self.held[end.end():]

    def rewrite(self, features):
        for name in self.strips:
            for pat in STRIPS[name]:
                for gone in pat.findall(features):
                    log(f"conn {self.conn}: --strip-{name}: removed",
                        gone.decode(errors="replace"))
                features = pat.sub(b"", features)
        return features


async def pump(reader, writer, conn, rewriter=None, watch=False):
    tail = b""
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            if watch:
                for m in CHOSEN.finditer(tail + data):
                    if m.end() <= len(tail):
                        continue    # seen in the last read
                    log(f"conn {conn}: the client chose",
                        m.group(2).decode(errors="replace"),
                        "(SASL2)" if m.group(1) == b"authenticate"
                        else "(SASL)")
                tail = data[-200:]
            if rewriter:
                data = rewriter.feed(data)
            if data:
                writer.write(data)
                await writer.drain()
    except (ConnectionError, ssl.SSLError, OSError) as e:
        log(f"conn {conn}: {e}")
    finally:
        try:
            writer.close()
        except (ConnectionError, ssl.SSLError, OSError):
            pass


async def play_starttls(reader, writer, conn, server_ctx):
    """The plain stream up to <proceed/>, then TLS on the client's side."""
    buf = b""
    while not re.search(rb"<stream:stream\b[^>]*>", buf):
        data = await reader.read(4096)
        if not data:
            return False
        buf += data
    to = re.search(rb"\bto=['\"]([^'\"]+)['\"]", buf)
    domain = to.group(1) if to else b"xmpputils.test"
    writer.write(b"<?xml version='1.0'?><stream:stream xmlns='jabber:client'"
                 b" xmlns:stream='http://etherx.jabber.org/streams'"
                 b" id='mitm-" + str(conn).encode() + b"' from='" + domain +
                 b"' version='1.0'><stream:features><starttls"
                 b" xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/>"
                 b"</starttls></stream:features>")
    await writer.drain()
    buf = b""
    while b"<starttls" not in buf:
        data = await reader.read(4096)
        if not data:
            return False
        buf += data
    writer.write(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
    await writer.drain()
    await writer.start_tls(server_ctx)
    return True


class Mitm:
    def __init__(self, args):
        self.args = args
        self.conns = 0
        self.sni = {}
        self.server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.server_ctx.load_cert_chain(args.cert, args.key)
        self.server_ctx.sni_callback = self.remember_sni
        self.client_ctx = ssl.create_default_context(cafile=args.cafile)
        host, _, port = args.upstream.rpartition(":")
        self.host, self.port = host or "127.0.0.1", int(port)
        self.strips = [s for s in ("plus", "sasl2", "fast")
                       if getattr(args, "strip_" + s)]
        for mech in args.strip_mech or []:
            # one mechanism, wherever offered: a downgrade SSDP must see
            name = "mech " + mech
            STRIPS[name] = [re.compile(rb"<mechanism>" +
                                       re.escape(mech.encode()) +
                                       rb"</mechanism>")]
            self.strips.append(name)

    def remember_sni(self, sslobj, name, ctx):
        self.sni[id(sslobj)] = name

    async def serve(self, reader, writer):
        self.conns += 1
        conn = self.conns
        log(f"conn {conn}: a client")
        try:
            if self.args.starttls and not await play_starttls(
                    reader, writer, conn, self.server_ctx):
                log(f"conn {conn}: the client left before TLS")
                writer.close()
                return
            sslobj = writer.get_extra_info("ssl_object")
            name = self.sni.pop(id(sslobj), None) or self.args.name
            ureader, uwriter = await asyncio.open_connection(
                self.host, self.port, ssl=self.client_ctx,
                server_hostname=name)
        except (ConnectionError, ssl.SSLError, OSError) as e:
            log(f"conn {conn}: {e}")
            writer.close()
            return
        log(f"conn {conn}: relayed to {self.host}:{self.port} as {name}")
        await asyncio.gather(
            pump(reader, uwriter, conn, watch=True),
            pump(ureader, writer, conn, Rewriter(self.strips, conn)))
        log(f"conn {conn}: over")

    async def run(self):
        ssl_ctx = None if self.args.starttls else self.server_ctx
        server = await asyncio.start_server(self.serve, "127.0.0.1", 0,
                                            ssl=ssl_ctx)
        port = server.sockets[0].getsockname()[1]
        if self.args.port_file:
            tmp = self.args.port_file + ".tmp"
            with open(tmp, "w") as f:
                f.write(f"{port}\n")
            os.rename(tmp, self.args.port_file)
        print(port, flush=True)
        log(f"listening on 127.0.0.1:{port}",
            "(STARTTLS)" if self.args.starttls else "(direct TLS)",
            "stripping:", " ".join(self.strips) or "nothing")
        async with server:
            await server.serve_forever()


def main():
    p = argparse.ArgumentParser(
        description="a TLS man in the middle that rewrites stream features")
    p.add_argument("--upstream", required=True, metavar="[HOST:]PORT",
                   help="the server's direct TLS port")
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--cafile", required=True,
                   help="to verify the server with")
    p.add_argument("--name", default="xmpputils.test",
                   help="the server's name when the client sends no SNI")
    p.add_argument("--port-file")
    p.add_argument("--starttls", action="store_true")
    p.add_argument("--strip-plus", action="store_true")
    p.add_argument("--strip-sasl2", action="store_true")
    p.add_argument("--strip-fast", action="store_true")
    p.add_argument("--strip-mech", action="append", metavar="NAME",
                   help="remove this mechanism from every offer")
    args = p.parse_args()
    # SIGTERM as the test sends it: out at once, quietly (the kernel
    # closes the connections)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    try:
        asyncio.run(Mitm(args).run())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
