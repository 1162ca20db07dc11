"""Hostile clients get limits, not resources: header field count, XML body
size for every XML-body operation, idle, slow-header (slowloris) and stalled
body timeouts, the connection limit, and running out of file descriptors.
Each limit answers the S3 error AWS returns, as an XML document with a
request id, and the server serves normal requests afterwards.

Limits that predate this file are tested where they were added: header
section size, DeleteObjects and CompleteMultipartUpload bodies
(test_bad_input.py), 1001 keys in DeleteObjects (test_objects.py), part
numbers and EntityTooSmall (test_multipart.py)."""

import resource
import socket
import time
import uuid

import pytest
import requests

from clihelpers import RawConn, assert_s3_error, request_bytes, sign
from test_bad_input import assert_healthy

pytestmark = pytest.mark.sdk_independent

SHORT = ["--idle-timeout", "2s", "--header-timeout", "2s", "--io-timeout", "2s"]


def wait_closed(sock, timeout):
    """Seconds until the server closed the connection (reading and dropping
    anything it sent first); fails after `timeout`."""
    started = time.monotonic()
    sock.settimeout(0.2)
    received = b""
    while time.monotonic() - started < timeout:
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return time.monotonic() - started, received
        if not data:
            return time.monotonic() - started, received
        received += data
    raise AssertionError(f"connection still open after {timeout}s; got {received[:300]!r}")


# ------------------------------------------------------------ header field count

def test_more_than_200_header_fields_are_request_header_section_too_large(server):
    few = b"".join(b"X-H%d: v\r\n" % i for i in range(190))
    with RawConn(server.port) as conn:
        conn.send(b"GET /silo/health/live HTTP/1.1\r\nHost: x\r\n" + few + b"\r\n")
        assert conn.read_response().status == 200
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(250))  # ~2.5 KiB: under the size limit
    with RawConn(server.port) as conn:
        conn.send(b"GET /silo/health/live HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
        resp = conn.read_response()
        assert_s3_error(resp.status, resp.headers, resp.body, 400, "RequestHeaderSectionTooLarge")
        assert conn.closed_by_peer()
    assert_healthy(server)


# ------------------------------------------------------------ XML body size

def test_create_bucket_with_an_xml_body_over_2mib_is_max_message_length_exceeded(server):
    name = "big-" + uuid.uuid4().hex[:12]
    body = (b"<CreateBucketConfiguration>" + b"<!--" + b"x" * (3 << 20) + b"-->" +
            b"<LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>")
    hdrs = sign("PUT", server.endpoint, f"/{name}", payload_hash="UNSIGNED-PAYLOAD")
    hdrs["Content-Length"] = str(len(body))
    with RawConn(server.port, timeout=20) as conn:
        try:
            conn.send(request_bytes("PUT", f"/{name}", hdrs, body))
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the whole body was sent
        resp = conn.read_response()
    assert_s3_error(resp.status, resp.headers, resp.body, 400, "MaxMessageLengthExceeded")
    assert name not in [b["Name"] for b in server.client().list_buckets()["Buckets"]]


# ------------------------------------------------------------ timeouts

def test_idle_connection_is_closed_after_the_idle_timeout(make_server):
    srv = make_server(extra_args=SHORT)
    with socket.create_connection(("127.0.0.1", srv.port)) as sock:
        elapsed, got = wait_closed(sock, 10)
    assert 1.5 < elapsed < 5 and got == b""
    assert_healthy(srv)


def test_slowloris_header_trickle_is_cut_off_after_the_header_timeout(make_server):
    """A client that sends one header byte every 0.2 s never lets a read
    stall, yet the whole header must arrive within --header-timeout."""
    srv = make_server(extra_args=SHORT)
    sock = socket.create_connection(("127.0.0.1", srv.port))
    try:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        started = time.monotonic()
        sock.settimeout(0.2)
        received = b""
        closed = False
        while time.monotonic() - started < 10 and not closed:
            try:
                sock.sendall(b"a")
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            try:
                data = sock.recv(65536)
                received += data
                closed = not data
            except socket.timeout:
                pass
            except ConnectionResetError:
                closed = True
        elapsed = time.monotonic() - started
    finally:
        sock.close()
    assert closed, "the trickling client was never cut off"
    assert 1.5 < elapsed < 5, elapsed
    assert received == b"", received[:300]
    assert_healthy(srv)


def test_stalled_request_body_is_cut_off_and_stores_nothing(make_server):
    """A body that stops arriving is abandoned after --io-timeout with the
    error S3 sends, 400 RequestTimeout; the connection is closed and nothing
    is stored."""
    srv = make_server(extra_args=SHORT)
    s3 = srv.client()
    s3.create_bucket(Bucket="stall")
    hdrs = sign("PUT", srv.endpoint, "/stall/k", payload_hash="UNSIGNED-PAYLOAD")
    hdrs["Content-Length"] = "100000"
    with socket.create_connection(("127.0.0.1", srv.port)) as sock:
        sock.sendall(request_bytes("PUT", "/stall/k", hdrs, b"x" * 1000))  # then nothing
        elapsed, got = wait_closed(sock, 10)
    assert 1.5 < elapsed < 6, elapsed
    assert got.startswith(b"HTTP/1.1 400"), got[:300]
    assert b"<Code>RequestTimeout</Code>" in got and b"<RequestId>" in got, got[:600]
    assert s3.list_objects_v2(Bucket="stall").get("KeyCount", 0) == 0
    assert_healthy(srv, "stall")


# ------------------------------------------------------------ connection limit

def test_connections_beyond_the_limit_wait_without_harming_open_ones(make_server):
    srv = make_server(extra_args=["--max-connections", "4"])
    held = [RawConn(srv.port) for _ in range(4)]
    try:
        # Let the server accept all four.
        for conn in held:
            conn.send(b"GET /silo/health/live HTTP/1.1\r\nHost: x\r\n\r\n")
            assert conn.read_response().status == 200
        extra = RawConn(srv.port, timeout=1)  # queued in the backlog, not accepted
        extra.send(b"GET /silo/health/live HTTP/1.1\r\nHost: x\r\n\r\n")
        with pytest.raises(socket.timeout):
            extra.read_response()
        # The open connections are still served.
        for conn in held:
            conn.send(b"GET /silo/health/ready HTTP/1.1\r\nHost: x\r\n\r\n")
            assert conn.read_response().status == 200
        # One closes: the waiting connection is accepted and answered.
        held.pop().close()
        extra.sock.settimeout(5)
        started = time.monotonic()
        assert extra.read_response().status == 200
        assert time.monotonic() - started < 3
        extra.close()
    finally:
        for conn in held:
            conn.close()
    assert "connection limit (4) reached" in srv.read_log()
    assert_healthy(srv)


# ------------------------------------------------------------ out of descriptors

def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / __import__("os").sysconf("SC_CLK_TCK")


def test_out_of_file_descriptors_backs_off_logs_sparingly_and_recovers(make_server):
    limit = 160

    def low_nofile():
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    # An explicit limit above what descriptors allow (by default half of them
    # are kept for the drives, and connections beyond wait instead).
    srv = make_server(preexec_fn=low_nofile, extra_args=["--max-connections", "100000"])
    assert_healthy(srv)
    idle = []
    try:
        for _ in range(limit + 100):
            idle.append(socket.create_connection(("127.0.0.1", srv.port), timeout=5))
        time.sleep(1)  # the server now runs out of descriptors
        before = cpu_seconds(srv.proc.pid)
        time.sleep(4)
        used = cpu_seconds(srv.proc.pid) - before
        assert used < 0.5, f"the server burned {used:.2f} s of CPU in 4 s while starved"
        lines = [l for l in srv.read_log().splitlines() if "accept failed" in l]
        assert 1 <= len(lines) <= 3, lines[:10]
        assert "Too many open files" in lines[0] and "backing off" in lines[0]
    finally:
        for sock in idle:
            sock.close()
    # Descriptors are freed as the server sees the closed connections.
    started = time.monotonic()
    while True:
        try:
            if requests.get(srv.endpoint + "/silo/health/live", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        assert time.monotonic() - started < 5, "the server did not serve again"
        time.sleep(0.2)
    # The drive monitor may have failed to read format.json while starved and
    # taken the drive offline; it is retried with backoff and comes back.
    started = time.monotonic()
    while True:
        try:
            assert_healthy(srv)
            break
        except Exception:
            assert time.monotonic() - started < 20, srv.read_log()[-2000:]
            time.sleep(0.5)


def test_default_connection_limit_keeps_descriptors_for_the_drives(make_server):
    """With a low descriptor limit and no --max-connections, a flood of idle
    connections waits in the backlog instead of starving the drives."""
    limit = 160

    def low_nofile():
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    srv = make_server(preexec_fn=low_nofile)
    idle = []
    try:
        for _ in range(limit + 100):
            idle.append(socket.create_connection(("127.0.0.1", srv.port), timeout=5))
        time.sleep(2)
        assert "accept failed" not in srv.read_log()
        assert "connection limit (80) reached" in srv.read_log()
    finally:
        for sock in idle:
            sock.close()
    assert_healthy(srv)
