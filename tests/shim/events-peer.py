#!/usr/bin/env python3
"""A stand-in for containerd's events service (TTRPC_ADDRESS) for the shim
tests: it accepts connections and reads ttrpc requests, and

  events-peer.py SOCKET LOG HOLD_FILE

  - while HOLD_FILE exists, never answers (the requests are read and left
    unanswered: a containerd that is stuck), and logs "held TOPIC";
  - otherwise answers each Forward with OK and logs its topic.

One line per request in LOG, flushed as it comes.  It runs until killed.
"""
import os
import selectors
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ttrpc import decode as fields  # noqa: E402  (the same proto decoder)


def topic(request):
    """The envelope's topic of a ttrpc Request carrying a ForwardRequest."""
    payload = fields(request).get(3, [b""])[0]
    envelope = fields(payload).get(1, [b""])[0]
    return fields(envelope).get(3, [b"?"])[0].decode()


def main():
    path, log_path, hold = sys.argv[1:4]
    if os.path.exists(path):
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    log = open(log_path, "a", buffering=1)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ)
    buffers = {}
    while True:
        for key, _ in sel.select():
            if key.fileobj is listener:
                conn, _ = listener.accept()
                buffers[conn] = b""
                sel.register(conn, selectors.EVENT_READ)
                continue
            conn = key.fileobj
            data = conn.recv(65536)
            if not data:
                sel.unregister(conn)
                del buffers[conn]
                conn.close()
                continue
            buf = buffers[conn] + data
            while len(buf) >= 10:
                length, stream, mtype, _ = struct.unpack(">IIBB", buf[:10])
                if len(buf) < 10 + length:
                    break
                body, buf = buf[10:10 + length], buf[10 + length:]
                if mtype != 1:
                    continue
                if os.path.exists(hold):
                    log.write("held %s\n" % topic(body))
                    continue
                log.write("%s\n" % topic(body))
                # An empty Response: status OK, no payload.
                conn.sendall(struct.pack(">IIBB", 0, stream, 2, 0))
            buffers[conn] = buf


if __name__ == "__main__":
    main()
