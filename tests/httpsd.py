#!/usr/bin/env python3
"""httpsd.py: a small HTTPS server for xlisten --download's tests.

  tests/httpsd.py --cert FILE --key FILE --root DIR

Listens on a free port of 127.0.0.1 and prints it on standard output
once it listens. Answers GET:

  /files/NAME        DIR/NAME, with its length (404 if there is none)
  /stream?n=BYTES    BYTES bytes of 'x' with no Content-Length (to the
                     connection's end), so only the body tells the size
  /redirect?to=URL   302 to URL
  /drip?every=S      a body of 1 MB announced, one byte every S seconds
                     (a sender holding a download open)
  /404               404
  anything else      "hostile\\n": for the names a sender picks

Logs each request on standard error. Runs until killed (SIGTERM).
"""

import argparse
import http.server
import os
import ssl
import sys
import time
import urllib.parse


class Handler(http.server.BaseHTTPRequestHandler):
    root = "."

    def log_message(self, fmt, *args):
        print("httpsd:", fmt % args, file=sys.stderr, flush=True)

    def reply(self, code, body, length=True, headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        if u.path.startswith("/files/"):
            name = os.path.basename(urllib.parse.unquote(u.path))
            try:
                with open(os.path.join(self.root, name), "rb") as f:
                    body = f.read()
            except OSError:
                return self.reply(404, b"no such file\n")
            return self.reply(200, body)
        if u.path == "/stream":
            self.close_connection = True
            return self.reply(200, b"x" * int(q["n"][0]), length=False)
        if u.path == "/drip":
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            try:
                while True:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(float(q["every"][0]))
            except OSError:
                return
        if u.path == "/redirect":
            return self.reply(302, b"", headers=[("Location", q["to"][0])])
        if u.path == "/404":
            return self.reply(404, b"not here\n")
        return self.reply(200, b"hostile\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--root", required=True)
    a = ap.parse_args()
    Handler.root = a.root
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    print(httpd.server_address[1], flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
