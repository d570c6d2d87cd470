#!/usr/bin/env python3
"""A witness endpoint and CTP-96 server for hologram.bats.

hologram_server.py DIR: listens on 127.0.0.1 (random port, written to
DIR/port), logs every request as "METHOD PATH BODY" to DIR/requests, and
answers GET /v1/witness/<id> according to DIR/mode (read per request):
  200       DIR/witness.json with status 200
  404, 500  that status, empty body
  hang      sleep 30 s before answering
  redirect  302 to /ok/<id> (which would serve the witness)
  garbage   200 with a body that is not JSON
  chunked   200 with DIR/witness.json sent in chunks (Transfer-Encoding)
POST /v1/sessions -> 201 {"session_id","lease_id","expires_at"} (or the
status in DIR/ctp96_status), DELETE /v1/sessions/<id> -> 204."""
import http.server
import os
import sys
import time

DIR = sys.argv[1]


def read(name, default=""):
    try:
        with open(os.path.join(DIR, name), "rb") as f:
            return f.read()
    except FileNotFoundError:
        return default.encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self, body=b""):
        with open(os.path.join(DIR, "requests"), "ab") as f:
            f.write(b"%s %s %s\n" % (self.command.encode(), self.path.encode(), body))

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.record()
        mode = read("mode", "404").decode().strip()
        if self.path.startswith("/ok/"):
            return self.reply(200, read("witness.json"))
        if not self.path.startswith("/v1/witness/"):
            return self.reply(404)
        if mode == "200":
            return self.reply(200, read("witness.json"))
        if mode == "hang":
            time.sleep(30)
            return self.reply(200, read("witness.json"))
        if mode == "redirect":
            return self.reply(302, b"", [("Location", "/ok/" + self.path.split("/")[-1])])
        if mode == "garbage":
            return self.reply(200, b"<html>not a witness</html>")
        if mode == "chunked":
            body = read("witness.json")
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(body), 100):
                part = body[i:i + 100]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        return self.reply(int(mode))

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.record(body)
        if self.path != "/v1/sessions":
            return self.reply(404)
        status = int(read("ctp96_status", "201").decode().strip())
        if status != 201:
            return self.reply(status)
        n = len(read("requests").splitlines())
        self.reply(201, b'{"session_id": "sess-%d", "lease_id": "lease-%d", "expires_at": "2999-01-01T00:00:00Z"}'
                   % (n, n), [("Content-Type", "application/json")])

    def do_DELETE(self):
        self.record()
        self.reply(204 if self.path.startswith("/v1/sessions/") else 404)


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(os.path.join(DIR, "port.tmp"), "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
    server.serve_forever()


if __name__ == "__main__":
    main()
