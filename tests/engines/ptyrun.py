#!/usr/bin/env python3
"""Runs a command on a fresh pseudo-terminal, as an interactive shell would.

    ptyrun.py [--size ROWSxCOLS] [--input TEXT] [--delay S] -- CMD ARGS...

The command gets the terminal's slave side as its controlling terminal and
its stdin, stdout and stderr (so `docker run -it`, `podman run -it` and
`docker exec -it` see a real tty).  TEXT is typed into the terminal S
seconds after the start.  What the terminal shows is copied to stdout;
the exit status is the command's (128+N for a signal).
"""

import argparse
import fcntl
import os
import select
import struct
import sys
import termios
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="24x80")
    ap.add_argument("--input", default=None)
    ap.add_argument("--delay", type=float, default=1.0)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        ap.error("no command")
    rows, cols = (int(x) for x in a.size.split("x"))

    # The size is set before the command starts: engines read it at once.
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        if slave > 2:
            os.close(slave)
        os.execvp(cmd[0], cmd)
    os.close(slave)

    start = time.monotonic()
    pending = a.input.encode() if a.input is not None else None
    out = sys.stdout.buffer
    while True:
        timeout = 0.1 if pending is not None else None
        ready, _, _ = select.select([master], [], [], timeout)
        if pending is not None and time.monotonic() - start >= a.delay:
            os.write(master, pending)
            pending = None
        if master in ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every slave end is closed
                break
            if not data:
                break
            out.write(data)
            out.flush()
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


if __name__ == "__main__":
    sys.exit(main())
