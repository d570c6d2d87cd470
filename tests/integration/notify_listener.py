#!/usr/bin/env python3
"""A stand-in for systemd's notification socket (sd_notify(3)), for the
NOTIFY_SOCKET tests: binds a datagram socket at PATH ("@name": abstract),
writes "ready" to OUT.ready once it listens, then one line to OUT per
datagram received: the message as JSON (a string), followed by " +fd" when
it carried file descriptors (BARRIER=1 does), which are closed at once as
systemd closes them.  Ends after BARRIER=1 or after TIMEOUT seconds
without a message.

    notify_listener.py PATH OUT [TIMEOUT]
"""
import array
import json
import os
import socket
import sys


def main():
    path, out = sys.argv[1], sys.argv[2]
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 30
    addr = "\0" + path[1:] if path.startswith("@") else path
    if not path.startswith("@") and os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(addr)
    s.settimeout(timeout)
    with open(out + ".ready", "w") as r:
        r.write("ready\n")
    with open(out, "w", buffering=1) as f:
        while True:
            try:
                msg, anc, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(16 * 4))
            except socket.timeout:
                f.write("timeout\n")
                return
            fds = []
            for level, kind, data in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds.extend(array.array("i", data[: len(data) - len(data) % 4]))
            for fd in fds:
                os.close(fd)
            f.write(json.dumps(msg.decode(errors="replace")) + (" +fd" if fds else "") + "\n")
            if msg.startswith(b"BARRIER=1"):
                return


if __name__ == "__main__":
    main()
