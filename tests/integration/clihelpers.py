"""Helpers shared by the command-line client, bad-input and crash tests:
running the CLIs against a server with isolated configuration, random files,
raw HTTP connections and SigV4 signing of hand-made requests."""

import hashlib
import os
import socket
import subprocess
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import ACCESS_KEY, REGION, SECRET_KEY

AWS_BIN = "/usr/bin/aws"  # AWS CLI v2 from Debian; an older v1 comes first on PATH
S3CMD_BIN = "/usr/bin/s3cmd"
RCLONE_BIN = "/usr/bin/rclone"
CLI_TIMEOUT = 120
MIB = 1024 * 1024


# File names whose keys stress URL encoding and SigV4 canonicalization in clients
# and server: reserved and unreserved punctuation, spaces, non-ASCII.
WEIRD_NAMES = [
    "plus+sign.txt", "percent%25.txt", "hash#.txt", "question?.txt", "equals=&and.txt",
    "tilde~.txt", "brackets[1].txt", "quote'.txt", "colon:.txt", "star*.txt", "semi;colon.txt",
    "comma,.txt", "at@.txt", "dollar$.txt", "caret^.txt", "back`tick.txt", "pipe|.txt",
    "curly{}.txt", "lt<gt>.txt", 'dq".txt', "sub dir/x y.txt", "\u00e9moji\U0001f600.txt",
    "\u00fcnic\u00f8de-\u6587\u4ef6.txt",
]


def write_weird_files(root, prefix="weird/"):
    """Writes one small file per WEIRD_NAMES entry under root/prefix; returns
    {relative path: content}."""
    files = {}
    for name in WEIRD_NAMES:
        rel = prefix + name
        path = Path(root) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = ("content of " + name).encode()
        path.write_bytes(data)
        files[rel] = data
    return files


def unique_bucket(prefix="cli"):
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def random_bytes(size):
    return os.urandom(size)


def write_random_file(path, size, chunk=4 * MIB):
    """Writes `size` random bytes to `path` in chunks; returns their sha256 hex."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    with open(path, "wb") as f:
        left = size
        while left:
            block = os.urandom(min(chunk, left))
            f.write(block)
            h.update(block)
            left -= len(block)
    return h.hexdigest()


def sha256_file(path, chunk=4 * MIB):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            block = f.read(chunk)
            if not block:
                break
            h.update(block)
    return h.hexdigest()


def md5_hex(data):
    return hashlib.md5(data).hexdigest()


def tree_digest(root):
    """{relative posix path: sha256} of every file under root."""
    root = Path(root)
    return {p.relative_to(root).as_posix(): sha256_file(p)
            for p in sorted(root.rglob("*")) if p.is_file()}


def clean_env(**extra):
    """The machine's environment without anything that could point a client
    at other credentials, configuration or endpoints."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "S3CMD", "RCLONE_", "BOTO"))}
    env.update(extra)
    return env


def run_cli(args, env, timeout=CLI_TIMEOUT, cwd=None, check=True):
    """Runs a CLI; never hangs. With check, a non-zero exit fails the test
    with the command's output."""
    try:
        proc = subprocess.run([str(a) for a in args], env=env, cwd=cwd, capture_output=True,
                              text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"timed out after {timeout}s: {args}\n"
                             f"stdout: {e.stdout}\nstderr: {e.stderr}") from None
    if check:
        assert proc.returncode == 0, (
            f"exit {proc.returncode}: {' '.join(map(str, args))}\n"
            f"stdout: {proc.stdout[-4000:]}\nstderr: {proc.stderr[-4000:]}")
    return proc


# ---------------------------------------------------------------- raw HTTP

class RawResponse:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # lower-case name -> value (last one wins)
        self.body = body

    def __repr__(self):
        return f"<RawResponse {self.status} {self.headers} {self.body[:300]!r}>"


class RawConn:
    """One TCP connection to the server on which the test writes raw bytes and
    parses HTTP/1.1 responses itself (100 Continue, pipelining, ...)."""

    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        data = self.sock.recv(1 << 16)
        if not data:
            raise EOFError("connection closed by the server")
        self.buf += data

    def _read_until(self, marker):
        while marker not in self.buf:
            self._fill()
        idx = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:idx], self.buf[idx:]
        return out

    def _read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_response(self, head=False):
        raw = self._read_until(b"\r\n\r\n").decode("latin-1")
        lines = raw.split("\r\n")
        version, status, *reason = lines[0].split(" ", 2)
        assert version.startswith("HTTP/1."), lines[0]
        status = int(status)
        headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if head or status < 200 or status in (204, 304):
            body = b""
        elif "content-length" in headers:
            body = self._read_exact(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self._read_until(b"\r\n").split(b";")[0].strip(), 16)
                if size == 0:
                    self._read_until(b"\r\n")
                    break
                body += self._read_exact(size)
                self._read_exact(2)
        else:
            body = self.buf
            self.buf = b""
            try:
                while True:
                    self._fill()
                    body += self.buf
                    self.buf = b""
            except (EOFError, ConnectionResetError):
                pass
        return RawResponse(status, reason[0] if reason else "", headers, body)

    def closed_by_peer(self, timeout=5):
        """True when the server closes the connection within `timeout` (EOF or
        reset) without sending anything more."""
        if self.buf:
            return False
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False


class _Signer(S3SigV4Auth):
    def __init__(self, payload_hash):
        super().__init__(Credentials(ACCESS_KEY, SECRET_KEY), "s3", REGION)
        self._payload_hash = payload_hash

    def payload(self, request):
        if self._payload_hash is not None:
            return self._payload_hash
        return super().payload(request)


def sign(method, endpoint, path, body=b"", headers=None, payload_hash=None, query=""):
    """SigV4 headers (Authorization, X-Amz-Date, X-Amz-Content-SHA256, Host and
    the given ones) for a request; `payload_hash` overrides the body's sha256
    (for UNSIGNED-PAYLOAD or a deliberately wrong hash)."""
    url = endpoint + path + (("?" + query) if query else "")
    req = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    _Signer(payload_hash).add_auth(req)
    out = dict(req.headers.items())
    out["Host"] = endpoint.split("://", 1)[1]
    return out


def request_bytes(method, target, headers, body=b""):
    """The bytes of one HTTP/1.1 request; headers given as a dict, sent as is."""
    lines = [f"{method} {target} HTTP/1.1"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + body


def signed_request_bytes(method, endpoint, path, body=b"", headers=None, payload_hash=None,
                         query="", content_length=None):
    hdrs = sign(method, endpoint, path, body, headers, payload_hash, query)
    if content_length is not None:
        hdrs["Content-Length"] = str(content_length)
    elif body or method in ("PUT", "POST"):
        hdrs.setdefault("Content-Length", str(len(body)))
    target = path + (("?" + query) if query else "")
    return request_bytes(method, target, hdrs, body)


def parse_error(body):
    """(Code, Message, RequestId) of an S3 error document; fails the test when
    the body is not one."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        raise AssertionError(f"error body is not XML ({e}): {body[:500]!r}") from None
    assert root.tag == "Error", body
    fields = {child.tag: (child.text or "") for child in root}
    for name in ("Code", "Message", "RequestId"):
        assert fields.get(name), f"error document lacks {name}: {body!r}"
    return fields


def assert_s3_error(status, headers, body, expected_status, expected_codes):
    """The response is an S3 error: the status, an XML body with Code, Message
    and RequestId, and an x-amz-request-id header equal to the RequestId."""
    if isinstance(expected_codes, str):
        expected_codes = (expected_codes,)
    if isinstance(expected_status, int):
        expected_status = (expected_status,)
    headers = {k.lower(): v for k, v in headers.items()}
    assert status in expected_status, (status, headers, body)
    fields = parse_error(body)
    assert fields["Code"] in expected_codes, fields
    assert headers.get("x-amz-request-id"), headers
    assert headers["x-amz-request-id"] == fields["RequestId"], (headers, fields)
    return fields


# ------------------------------------------------------------- drive state

def staged_entries(drive):
    tmp = Path(drive) / ".silo" / "tmp"
    return sorted(os.listdir(tmp)) if tmp.exists() else []


def data_folders(drive):
    """The data folders <drive>/data/xx/yy/<uuid>."""
    root = Path(drive) / "data"
    if not root.exists():
        return []
    return sorted(p for p in root.glob("*/*/*") if p.is_dir())


def data_files(drive):
    return sorted(p for p in (Path(drive) / "data").rglob("*") if p.is_file())


def wait_until(predicate, timeout=10, interval=0.05):
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value or time.time() > deadline:
            return value
        time.sleep(interval)


def run_until_killed(srv, workers, rng, min_delay=0.3, max_delay=1.2):
    """Runs the worker functions in threads, kill -9s the server after a random
    delay, and returns the errors raised while the server was still alive."""
    killed = threading.Event()
    errors = []

    def wrap(fn):
        def run():
            try:
                fn(killed)
            except Exception as e:  # noqa: BLE001 - collected and judged below
                if not killed.is_set():
                    errors.append(repr(e))
        return run

    threads = [threading.Thread(target=wrap(w), daemon=True) for w in workers]
    for t in threads:
        t.start()
    time.sleep(rng.uniform(min_delay, max_delay))
    killed.set()
    srv.kill()
    for t in threads:
        t.join(60)
        assert not t.is_alive(), "a client thread hung after the kill"
    return errors
