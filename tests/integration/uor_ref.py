#!/usr/bin/env python3
"""Reference UOR-ID v1 (HOLOGRAM.md section 1), written from the spec only,
to check holo's C implementation against.  Usage: uor_ref.py ROOTFS [--lines]"""
import hashlib
import os
import stat
import sys


def escape(raw: bytes) -> bytes:
    out = bytearray()
    for c in raw:
        if c <= 0x20 or c >= 0x7F or c == 0x25:
            out += b"%%%02X" % c
        else:
            out.append(c)
    return bytes(out)


def file_sha256(path: bytes) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def lines(root: bytes):
    root_dev = os.lstat(root).st_dev
    out = []
    stack = [b""]
    while stack:
        rel = stack.pop()
        for name in os.listdir(os.path.join(root, rel) if rel else root):
            r = os.path.join(rel, name) if rel else name
            full = os.path.join(root, r)
            st = os.lstat(full)
            m = st.st_mode
            if stat.S_ISSOCK(m):
                continue
            if stat.S_ISREG(m):
                t, payload = "f", file_sha256(full)
            elif stat.S_ISDIR(m):
                t, payload = "d", "-"
                if st.st_dev == root_dev:
                    stack.append(r)
            elif stat.S_ISLNK(m):
                t, payload = "l", hashlib.sha256(os.readlink(full)).hexdigest()
            elif stat.S_ISCHR(m) or stat.S_ISBLK(m):
                t = "c" if stat.S_ISCHR(m) else "b"
                payload = "%d,%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
            elif stat.S_ISFIFO(m):
                t, payload = "p", "-"
            else:
                raise SystemExit("unknown file type: %r" % full)
            path = b"./" + b"/".join(escape(p) for p in r.split(b"/"))
            head = "%s %04o %d %d %s " % (t, m & 0o7777, st.st_uid, st.st_gid, payload)
            out.append((path, head.encode() + path + b"\n"))
    out.sort(key=lambda x: x[0])
    return [line for _, line in out]


def main():
    root = os.fsencode(sys.argv[1])
    ls = lines(root)
    if "--lines" in sys.argv[2:]:
        sys.stdout.buffer.write(b"".join(ls))
        return
    h = hashlib.sha256(b"hologram-uor-v1\n")
    for line in ls:
        h.update(line)
    print("uor:sha256:" + h.hexdigest())


if __name__ == "__main__":
    main()
