#!/usr/bin/python3
"""A small CRI client (runtime.v1), for the tests: what crictl does, for
the calls the CRI tests make (crictl is not packaged in Debian 12).

    cri.py --socket SOCK [--gen DIR] COMMAND ...

DIR holds api_pb2.py, made from api.proto by protoc (--python_out); the
gRPC method stubs are written here by hand (grpc's generic calls), so no
grpc plugin for protoc is needed.  Configs are JSON, in the field names of
api.proto; results are printed as JSON (proto field names) or plain text.

Commands:
  version | status | image-status IMAGE
  runp POD.json [--runtime HANDLER]      -> pod id
  stopp POD | rmp POD | inspectp POD | pods
  create POD CTR.json POD.json           -> container id
  start ID | stop ID [--timeout S] | rm ID | inspect ID | ps [--pod POD]
  exec-sync ID [--timeout S] -- CMD...   (its stdout, stderr, exit code)
  exec ID [--tty] -- CMD...              (Exec + the streaming server)
  (CRI_DEBUG=1 prints every message of the exec stream on stderr)
  stats ID
  update ID [--memory B] [--cpu-quota N] [--cpu-period N] [--cpu-shares N]
  logs ID [--stream stdout|stderr]       (the CRI log file, content only)
"""

import argparse
import base64
import hashlib
import json
import os
import socket
import sys
import urllib.parse

import grpc
from google.protobuf import json_format

api = None  # api_pb2, imported once --gen is known


def load_api(gen):
    global api
    sys.path.insert(0, gen)
    import api_pb2  # noqa: E402

    api = api_pb2


RUNTIME_CALLS = {
    "Version": ("VersionRequest", "VersionResponse"),
    "Status": ("StatusRequest", "StatusResponse"),
    "RunPodSandbox": ("RunPodSandboxRequest", "RunPodSandboxResponse"),
    "StopPodSandbox": ("StopPodSandboxRequest", "StopPodSandboxResponse"),
    "RemovePodSandbox": ("RemovePodSandboxRequest", "RemovePodSandboxResponse"),
    "PodSandboxStatus": ("PodSandboxStatusRequest", "PodSandboxStatusResponse"),
    "ListPodSandbox": ("ListPodSandboxRequest", "ListPodSandboxResponse"),
    "CreateContainer": ("CreateContainerRequest", "CreateContainerResponse"),
    "StartContainer": ("StartContainerRequest", "StartContainerResponse"),
    "StopContainer": ("StopContainerRequest", "StopContainerResponse"),
    "RemoveContainer": ("RemoveContainerRequest", "RemoveContainerResponse"),
    "ListContainers": ("ListContainersRequest", "ListContainersResponse"),
    "ContainerStatus": ("ContainerStatusRequest", "ContainerStatusResponse"),
    "UpdateContainerResources": ("UpdateContainerResourcesRequest", "UpdateContainerResourcesResponse"),
    "ExecSync": ("ExecSyncRequest", "ExecSyncResponse"),
    "Exec": ("ExecRequest", "ExecResponse"),
    "ContainerStats": ("ContainerStatsRequest", "ContainerStatsResponse"),
}
IMAGE_CALLS = {"ImageStatus": ("ImageStatusRequest", "ImageStatusResponse")}


class Cri:
    """RuntimeService and ImageService over one channel to SOCK."""

    def __init__(self, sock, timeout):
        self.channel = grpc.insecure_channel("unix://" + sock)
        self.timeout = timeout

    def call(self, method, **fields):
        service, calls = "RuntimeService", RUNTIME_CALLS
        if method in IMAGE_CALLS:
            service, calls = "ImageService", IMAGE_CALLS
        req_name, resp_name = calls[method]
        req_type, resp_type = getattr(api, req_name), getattr(api, resp_name)
        stub = self.channel.unary_unary(
            "/runtime.v1.%s/%s" % (service, method),
            request_serializer=req_type.SerializeToString,
            response_deserializer=resp_type.FromString,
        )
        return stub(req_type(**fields), timeout=self.timeout)


def to_json(msg):
    return json.dumps(
        json_format.MessageToDict(msg, preserving_proto_field_name=True, including_default_value_fields=True),
        indent=1,
        sort_keys=True,
    )


def read_config(path, type_name):
    with open(path) as f:
        return json_format.Parse(f.read(), getattr(api, type_name)())


# --- Exec: the streaming server speaks Kubernetes' remotecommand protocol;
# its WebSocket flavour (channel.k8s.io, version 4) needs nothing but the
# standard library: every binary message starts with its channel number
# (1 stdout, 2 stderr, 3 the final status as a JSON metav1.Status).

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def ws_connect(url, timeout):
    u = urllib.parse.urlsplit(url)
    s = socket.create_connection((u.hostname, u.port or 80), timeout=timeout)
    key = base64.b64encode(os.urandom(16)).decode()
    path = u.path + ("?" + u.query if u.query else "")
    req = (
        "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Protocol: v4.channel.k8s.io\r\nOrigin: http://%s\r\n\r\n" % (path, u.netloc, key, u.netloc)
    )
    s.sendall(req.encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            raise RuntimeError("streaming server closed during the handshake")
        head += chunk
    lines = head.decode("latin-1").split("\r\n")
    if " 101 " not in lines[0] + " ":
        raise RuntimeError("streaming server refused the upgrade: " + lines[0])
    headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:] if l)}
    want = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
    if headers.get("sec-websocket-accept") != want:
        raise RuntimeError("bad Sec-WebSocket-Accept from the streaming server")
    return s


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def ws_send(s, opcode, payload):
    # Client frames are masked (RFC 6455 5.3).
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head += bytes([0x80 | 127]) + n.to_bytes(8, "big")
    s.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


def ws_messages(s):
    """Yields (opcode, payload) of whole messages until the close frame."""
    parts, first_op = [], None
    while True:
        try:
            b0, b1 = recv_exact(s, 2)
        except EOFError:
            return
        op, n = b0 & 0x0F, b1 & 0x7F
        if n == 126:
            n = int.from_bytes(recv_exact(s, 2), "big")
        elif n == 127:
            n = int.from_bytes(recv_exact(s, 8), "big")
        mask = recv_exact(s, 4) if b1 & 0x80 else None
        data = recv_exact(s, n) if n else b""
        if mask:
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        if op == 0x8:
            return
        if op == 0x9:
            ws_send(s, 0xA, data)
            continue
        if op == 0xA:
            continue
        if op != 0:
            first_op, parts = op, []
        parts.append(data)
        if b0 & 0x80:
            yield first_op, b"".join(parts)


def exit_code_of(status):
    """The exit code in a remotecommand metav1.Status."""
    if status.get("status") == "Success":
        return 0
    for cause in (status.get("details") or {}).get("causes") or []:
        if cause.get("reason") == "ExitCode":
            return int(cause.get("message"))
    sys.stderr.write("exec failed: %s\n" % status.get("message", status))
    return 126


def stream_exec(url, timeout):
    s = ws_connect(url, timeout)
    code = None
    for op, data in ws_messages(s):
        if os.environ.get("CRI_DEBUG"):
            sys.stderr.write("ws message op %d: %r\n" % (op, data[:200]))
        if not data:
            continue
        channel, payload = data[0], data[1:]
        if channel == 1:
            sys.stdout.buffer.write(payload)
            sys.stdout.flush()
        elif channel == 2:
            sys.stderr.buffer.write(payload)
            sys.stderr.flush()
        elif channel == 3 and payload:
            code = exit_code_of(json.loads(payload))
    s.close()
    if code is None:
        sys.stderr.write("exec: the stream ended without a status\n")
        return 125
    return code


# --- CRI log files: "TIMESTAMP STREAM TAG CONTENT" per line, TAG P for a
# partial line that the next one continues, F for a full one.


def read_log(path, stream):
    out, partial = [], {}
    with open(path, "rb") as f:
        for raw in f:
            ts, st, tag, content = raw.rstrip(b"\n").split(b" ", 3) if raw.count(b" ") >= 3 else (b"", b"", b"F", b"")
            if stream and st.decode() != stream:
                continue
            partial[st] = partial.get(st, b"") + content
            if tag == b"F":
                out.append(partial.pop(st))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--gen", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--call-timeout", type=float, default=60)
    ap.add_argument("command")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    load_api(a.gen)
    cri = Cri(a.socket, a.call_timeout)
    p = argparse.ArgumentParser(prog="cri.py " + a.command)
    cmd, rest = a.command, a.args

    if cmd == "version":
        print(to_json(cri.call("Version", version="v1")))
    elif cmd == "status":
        print(to_json(cri.call("Status", verbose=False)))
    elif cmd == "image-status":
        p.add_argument("image")
        o = p.parse_args(rest)
        r = cri.call("ImageStatus", image=api.ImageSpec(image=o.image))
        if not r.image.id:
            sys.stderr.write("no image %s\n" % o.image)
            return 1
        print(to_json(r))
    elif cmd == "runp":
        p.add_argument("config")
        p.add_argument("--runtime", default="")
        o = p.parse_args(rest)
        r = cri.call("RunPodSandbox", config=read_config(o.config, "PodSandboxConfig"), runtime_handler=o.runtime)
        print(r.pod_sandbox_id)
    elif cmd in ("stopp", "rmp", "inspectp"):
        p.add_argument("pod")
        o = p.parse_args(rest)
        method = {"stopp": "StopPodSandbox", "rmp": "RemovePodSandbox", "inspectp": "PodSandboxStatus"}[cmd]
        r = cri.call(method, pod_sandbox_id=o.pod)
        if cmd == "inspectp":
            print(to_json(r))
    elif cmd == "pods":
        print(to_json(cri.call("ListPodSandbox")))
    elif cmd == "create":
        p.add_argument("pod")
        p.add_argument("config")
        p.add_argument("pod_config")
        o = p.parse_args(rest)
        r = cri.call(
            "CreateContainer",
            pod_sandbox_id=o.pod,
            config=read_config(o.config, "ContainerConfig"),
            sandbox_config=read_config(o.pod_config, "PodSandboxConfig"),
        )
        print(r.container_id)
    elif cmd in ("start", "rm", "inspect"):
        p.add_argument("id")
        o = p.parse_args(rest)
        method = {"start": "StartContainer", "rm": "RemoveContainer", "inspect": "ContainerStatus"}[cmd]
        r = cri.call(method, container_id=o.id)
        if cmd == "inspect":
            print(to_json(r))
    elif cmd == "stop":
        p.add_argument("id")
        p.add_argument("--timeout", type=int, default=10)
        o = p.parse_args(rest)
        cri.call("StopContainer", container_id=o.id, timeout=o.timeout)
    elif cmd == "ps":
        p.add_argument("--pod", default="")
        o = p.parse_args(rest)
        print(to_json(cri.call("ListContainers", filter=api.ContainerFilter(pod_sandbox_id=o.pod))))
    elif cmd == "exec-sync":
        p.add_argument("id")
        p.add_argument("--timeout", type=int, default=0)
        p.add_argument("cmd", nargs=argparse.REMAINDER)
        o = p.parse_args(rest)
        argv = o.cmd[1:] if o.cmd[:1] == ["--"] else o.cmd
        r = cri.call("ExecSync", container_id=o.id, cmd=argv, timeout=o.timeout)
        sys.stdout.buffer.write(r.stdout)
        sys.stderr.buffer.write(r.stderr)
        return r.exit_code
    elif cmd == "exec":
        p.add_argument("id")
        p.add_argument("--tty", action="store_true")
        p.add_argument("cmd", nargs=argparse.REMAINDER)
        o = p.parse_args(rest)
        argv = o.cmd[1:] if o.cmd[:1] == ["--"] else o.cmd
        # A tty goes with stdin, as kubectl exec -it: containerd 1.6 streams
        # nothing of a tty exec without stdin.
        r = cri.call("Exec", container_id=o.id, cmd=argv, tty=o.tty, stdin=o.tty, stdout=True, stderr=not o.tty)
        return stream_exec(r.url, a.call_timeout)
    elif cmd == "stats":
        p.add_argument("id")
        o = p.parse_args(rest)
        print(to_json(cri.call("ContainerStats", container_id=o.id)))
    elif cmd == "update":
        p.add_argument("id")
        p.add_argument("--memory", type=int, default=0)
        p.add_argument("--cpu-quota", type=int, default=0)
        p.add_argument("--cpu-period", type=int, default=0)
        p.add_argument("--cpu-shares", type=int, default=0)
        o = p.parse_args(rest)
        res = api.LinuxContainerResources(
            memory_limit_in_bytes=o.memory, cpu_quota=o.cpu_quota, cpu_period=o.cpu_period, cpu_shares=o.cpu_shares
        )
        cri.call("UpdateContainerResources", container_id=o.id, linux=res)
    elif cmd == "logs":
        p.add_argument("id")
        p.add_argument("--stream", default="")
        o = p.parse_args(rest)
        r = cri.call("ContainerStatus", container_id=o.id)
        for line in read_log(r.status.log_path, o.stream):
            sys.stdout.buffer.write(line + b"\n")
    else:
        ap.error("unknown command " + cmd)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except grpc.RpcError as e:
        sys.stderr.write("cri: %s: %s\n" % (e.code().name, e.details()))
        sys.exit(1)
