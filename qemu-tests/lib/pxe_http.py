#!/usr/bin/env python3
"""The PXE scenario's HTTP server, run inside the test's network namespace
(as Warewulf's warewulfd serves the iPXE script, kernel and images over
HTTP): serves exactly the files named on the command line, nothing else.

    pxe_http.py ADDR PORT NAME=PATH...

Prints `pxe-http: listening on ADDR:PORT` once the socket is bound, then one
line per request: `pxe-http: GET /NAME STATUS BYTES`. Standard library only."""

import http.server
import os
import sys


def main(argv):
    if len(argv) < 3:
        print("usage: pxe_http.py ADDR PORT NAME=PATH...", file=sys.stderr)
        return 2
    addr, port = argv[0], int(argv[1])
    files = {}
    for spec in argv[2:]:
        name, _, path = spec.partition("=")
        if not name or "/" in name or not os.path.isfile(path):
            print("pxe_http.py: bad file spec %r" % spec, file=sys.stderr)
            return 2
        files["/" + name] = path

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):    # our own request lines instead
            pass

        def do_GET(self):
            path = files.get(self.path.split("?", 1)[0])
            if path is None:
                self.send_error(404)
                print("pxe-http: GET %s 404 0" % self.path, flush=True)
                return
            size = os.path.getsize(path)
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            sent = 0
            with open(path, "rb") as f:
                while True:
                    chunk = f.read(1 << 20)
                    if not chunk:
                        break
                    self.wfile.write(chunk)
                    sent += len(chunk)
            print("pxe-http: GET %s 200 %d" % (self.path, sent), flush=True)

    server = http.server.ThreadingHTTPServer((addr, port), Handler)
    print("pxe-http: listening on %s:%d" % (addr, port), flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
