#!/usr/bin/env python3
"""A large OCI image for the Hologram containerd tests and benchmark, made
offline: hologram_image.py OUT.tar NAME BASE_DIR FILES [BYTES]

One uncompressed layer: the tree BASE_DIR (a busybox rootfs) plus FILES
regular files under /data (BYTES bytes of content in all, default 16 per
file, random), written straight into the tar (nothing is created on disk
but the tar).  Prints the UOR-ID of the image's rootfs, computed here from
the layer's entries as HOLOGRAM.md section 1 says (independently of holo),
so a witness can be made before containerd ever unpacks it."""
import hashlib
import io
import json
import os
import stat
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from uor_ref import escape  # noqa: E402


class Layer:
    def __init__(self, fileobj):
        self.tar = tarfile.open(fileobj=fileobj, mode="w", format=tarfile.PAX_FORMAT)
        self.lines = []

    def line(self, kind, mode, payload, rel):
        path = b"./" + b"/".join(escape(p) for p in rel.split(b"/"))
        self.lines.append((path, b"%s %04o 0 0 %s " % (kind, mode, payload) + path + b"\n"))

    def add(self, rel, info, data=None):
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mtime = 0
        self.tar.addfile(info, io.BytesIO(data) if data is not None else None)
        mode = info.mode & 0o7777
        if info.isdir():
            self.line(b"d", mode, b"-", rel)
        elif info.issym():
            self.line(b"l", mode, hashlib.sha256(os.fsencode(info.linkname)).hexdigest().encode(), rel)
        else:
            self.line(b"f", mode, hashlib.sha256(data).hexdigest().encode(), rel)

    def add_dir(self, rel, mode=0o755):
        info = tarfile.TarInfo(os.fsdecode(rel))
        info.type = tarfile.DIRTYPE
        info.mode = mode
        self.add(rel, info)

    def add_file(self, rel, data, mode=0o644):
        info = tarfile.TarInfo(os.fsdecode(rel))
        info.size = len(data)
        info.mode = mode
        self.add(rel, info, data)

    def add_tree(self, base):
        for dirpath, dirs, files in os.walk(base):
            dirs.sort()
            for name in sorted(dirs) + sorted(files):
                full = os.path.join(dirpath, name)
                rel = os.fsencode(os.path.relpath(full, base))
                st = os.lstat(full)
                if stat.S_ISDIR(st.st_mode):
                    self.add_dir(rel, stat.S_IMODE(st.st_mode))
                elif stat.S_ISLNK(st.st_mode):
                    info = tarfile.TarInfo(os.fsdecode(rel))
                    info.type = tarfile.SYMTYPE
                    info.linkname = os.readlink(full)
                    info.mode = 0o777
                    self.add(rel, info)
                elif stat.S_ISREG(st.st_mode):
                    with open(full, "rb") as f:
                        self.add_file(rel, f.read(), stat.S_IMODE(st.st_mode))

    def uor_id(self):
        h = hashlib.sha256(b"hologram-uor-v1\n")
        for _, line in sorted(self.lines):
            h.update(line)
        return "uor:sha256:" + h.hexdigest()


def blob(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(layout, digest), "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + digest, "size": len(data)}


def main():
    out, name, base, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    total = int(sys.argv[5]) if len(sys.argv) > 5 else 16 * n
    work = out + ".blobs"
    os.makedirs(work, exist_ok=True)
    layer_path = os.path.join(work, "layer")
    with open(layer_path, "wb") as f:
        layer = Layer(f)
        layer.add_tree(base)
        layer.add_dir(b"data")
        per_file = max(1, total // n)
        for i in range(n):
            if i % 200 == 0:
                layer.add_dir(b"data/d%04d" % (i // 200))
            data = b"file %d\n" % i + os.urandom(max(0, per_file - 16))
            layer.add_file(b"data/d%04d/f%03d" % (i // 200, i % 200), data)
        layer.tar.close()
    with open(layer_path, "rb") as f:
        h = hashlib.sha256()
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    layer_digest, layer_size = h.hexdigest(), os.path.getsize(layer_path)
    blobs = os.path.join(work, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)
    os.rename(layer_path, os.path.join(blobs, layer_digest))
    config = blob(blobs, json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["sh"]},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + layer_digest]}}).encode())
    manifest = blob(blobs, json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": dict(mediaType="application/vnd.oci.image.config.v1+json", **config),
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": "sha256:" + layer_digest, "size": layer_size}]}).encode())
    with open(os.path.join(work, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    with open(os.path.join(work, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [dict(
            mediaType="application/vnd.oci.image.manifest.v1+json", **manifest,
            platform={"architecture": "amd64", "os": "linux"},
            annotations={"io.containerd.image.name": name, "org.opencontainers.image.ref.name": "hologram"})]}, f)
    with tarfile.open(out, "w") as t:
        for entry in ("oci-layout", "index.json", "blobs"):
            t.add(os.path.join(work, entry), entry)
    for root, dirs, files in os.walk(work, topdown=False):
        for x in files:
            os.unlink(os.path.join(root, x))
        for x in dirs:
            os.rmdir(os.path.join(root, x))
    os.rmdir(work)
    print(layer.uor_id())


if __name__ == "__main__":
    main()
