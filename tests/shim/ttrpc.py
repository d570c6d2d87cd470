#!/usr/bin/env python3
"""A minimal ttrpc client and protobuf wire decoder for the shim tests.

  ttrpc.py call SOCKET SERVICE METHOD [FIELD=VALUE ...]
      Sends one request whose payload has string/int FIELDs (by number);
      FIELD=any:TYPE_URL:VALUE makes a google.protobuf.Any (VALUE @FILE:
      the bytes of FILE), FIELD=@FILE embeds FILE's bytes as a field, a bare
      @FILE appends them to the payload as they are;
      prints "code=N", "message=..." and the decoded response payload.
      TTRPC_TIMEOUT_MS in the environment sets the request's timeout_nano.
  ttrpc.py encode [FIELD=VALUE ...] > BYTES
      Writes a protobuf message made of those fields (a FIELD given
      several times is a repeated field), for @FILE above.
  ttrpc.py decode < BYTES
      Prints the top-level fields of a protobuf message.
  ttrpc.py options BINARY ROOT [SHIM_CGROUP]  writes a packed google.protobuf.Any of
                               containerd.runc.v1.Options (what containerd
                               gives a shim's start on stdin)
  ttrpc.py garbage SOCKET      a request frame that is not a protobuf
  ttrpc.py oversize SOCKET     a frame header over the 4 MiB limit; prints
                               "closed" when the server hangs up

Written from the ttrpc wire format: a 10-byte header (uint32 length,
uint32 stream id, uint8 type, uint8 flags, big endian), then a protobuf
Request {service=1, method=2, payload=3, timeout_nano=4, metadata=5} or
Response {status=1 {code=1, message=2}, payload=2}.
"""
import os
import socket
import struct
import sys


def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field(num, value):
    if isinstance(value, int):
        return varint(num << 3) + varint(value)
    if isinstance(value, str):
        value = value.encode()
    return varint(num << 3 | 2) + varint(len(value)) + value


def read_varint(buf, i):
    shift = n = 0
    while True:
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def decode(buf):
    """{field number: [values]}: ints for varints, bytes for the rest."""
    out, i = {}, 0
    while i < len(buf):
        key, i = read_varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = read_varint(buf, i)
        elif wt == 2:
            n, i = read_varint(buf, i)
            v, i = buf[i:i + n], i + n
        elif wt == 1:
            v, i = buf[i:i + 8], i + 8
        elif wt == 5:
            v, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("wire type %d" % wt)
        out.setdefault(num, []).append(v)
    return out


def show(fields):
    for num in sorted(fields):
        for v in fields[num]:
            if isinstance(v, bytes):
                try:
                    v = v.decode()
                except UnicodeDecodeError:
                    v = v.hex()
            print("%d=%s" % (num, v))


def file_or_value(value):
    if value.startswith("@"):
        with open(value[1:], "rb") as f:
            return f.read()
    return value


def encode(args):
    """A message from FIELD=VALUE words (see the usage above)."""
    payload = b""
    for a in args:
        if a.startswith("@"):
            payload += file_or_value(a)  # raw bytes, appended as they are
            continue
        num, value = a.split("=", 1)
        if value.startswith("any:"):
            type_url, any_value = value[4:].split(":", 1)
            payload += field(int(num), field(1, type_url) + field(2, file_or_value(any_value)))
        elif value.startswith("@"):
            payload += field(int(num), file_or_value(value))
        else:
            payload += field(int(num), int(value) if value.isdigit() else value)
    return payload


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError("connection closed")
        data += chunk
    return data


def call(path, service, method, payload):
    req = field(1, service) + field(2, method) + field(3, payload)
    timeout_ms = int(os.environ.get("TTRPC_TIMEOUT_MS", "0"))
    if timeout_ms:
        req += field(4, timeout_ms * 1000000)
    req += field(5, field(1, "containerd-namespace-ttrpc") + field(2, "test"))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    s.sendall(struct.pack(">IIBB", len(req), 1, 1, 0) + req)
    length, stream, mtype, _ = struct.unpack(">IIBB", recv_exact(s, 10))
    body = recv_exact(s, length)
    s.close()
    assert stream == 1 and mtype == 2, (stream, mtype)
    resp = decode(body)
    status = decode(resp.get(1, [b""])[0])
    print("code=%d" % status.get(1, [0])[0])
    print("message=%s" % status.get(2, [b""])[0].decode())
    show(decode(resp.get(2, [b""])[0]))


def raw(path, frame):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path.removeprefix("unix://"))
    s.sendall(frame)
    return s


def main():
    if sys.argv[1] == "options":
        opts = field(6, sys.argv[2]) + field(7, sys.argv[3])
        if len(sys.argv) > 4:
            opts += field(3, sys.argv[4])
        sys.stdout.buffer.write(field(1, "containerd.runc.v1.Options") + field(2, opts))
        return
    if sys.argv[1] == "garbage":
        body = b"\xff\xff\xff\xff"
        s = raw(sys.argv[2], struct.pack(">IIBB", len(body), 1, 1, 0) + body)
        length, _, _, _ = struct.unpack(">IIBB", recv_exact(s, 10))
        status = decode(decode(recv_exact(s, length)).get(1, [b""])[0])
        print("code=%d" % status.get(1, [0])[0])
        return
    if sys.argv[1] == "oversize":
        s = raw(sys.argv[2], struct.pack(">IIBB", 5 << 20, 1, 1, 0))
        print("closed" if s.recv(1) == b"" else "open")
        return
    if sys.argv[1] == "decode":
        show(decode(sys.stdin.buffer.read()))
        return
    if sys.argv[1] == "encode":
        sys.stdout.buffer.write(encode(sys.argv[2:]))
        return
    _, _, path, service, method, *args = sys.argv
    call(path.removeprefix("unix://"), service, method, encode(args))


if __name__ == "__main__":
    main()
