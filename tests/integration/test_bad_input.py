"""Hostile and broken input on raw sockets and hand-signed requests: malformed
XML, oversized headers, invalid names, truncated bodies, clients that vanish
mid-upload, bytes that are not HTTP, pipelining, Expect: 100-continue,
chunked transfer encoding, wrong payload hashes and unknown methods.

Every error must be an S3 error document (Code, Message, RequestId) with an
x-amz-request-id header, the server must never hang or crash, and it must
serve normal requests afterwards."""

import base64
import hashlib
import os
import socket
import struct
import time
import uuid

import pytest
import requests

from clihelpers import (MIB, RawConn, assert_s3_error, data_files, data_folders, md5_hex,
                        request_bytes, sign, signed_request_bytes, staged_entries, wait_until)

pytestmark = pytest.mark.sdk_independent

TIMEOUT = 10


def assert_healthy(srv, bucket=None):
    """The server answers its liveness probe and a normal put/get round trip."""
    assert requests.get(srv.endpoint + "/silo/health/live", timeout=TIMEOUT).status_code == 200
    s3 = srv.client()
    own = bucket is None
    if own:
        bucket = "health-" + uuid.uuid4().hex[:16]
        s3.create_bucket(Bucket=bucket)
    key = "health-" + uuid.uuid4().hex
    body = os.urandom(1000)
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body
    s3.delete_object(Bucket=bucket, Key=key)
    if own:
        s3.delete_bucket(Bucket=bucket)


def signed(method, srv, path, body=b"", headers=None, query="", payload_hash=None):
    """A hand-signed request sent with requests; returns the response."""
    hdrs = sign(method, srv.endpoint, path, body, headers, payload_hash, query)
    url = srv.endpoint + path + (("?" + query) if query else "")
    return requests.request(method, url, data=body, headers=hdrs, timeout=TIMEOUT)


def check_error(resp, status, codes):
    return assert_s3_error(resp.status_code, resp.headers, resp.content, status, codes)


def content_md5(body):
    return base64.b64encode(hashlib.md5(body).digest()).decode()


def set_linger_reset(sock):
    """Closing the socket then sends RST instead of FIN: an abrupt disconnect."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


# ------------------------------------------------------------ malformed XML

def _part_etag(s3, bucket, key):
    up = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=1,
                          Body=b"only part")["ETag"]
    return up, etag


COMPLETE_BODIES = {
    "empty": b"",
    "not-xml": b"this is not xml at all",
    "truncated": b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>",
    "wrong-root": b"<Delete><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></Delete>",
    "no-parts": b"<CompleteMultipartUpload></CompleteMultipartUpload>",
    "part-without-etag":
        b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>",
    "part-without-number":
        b"<CompleteMultipartUpload><Part><ETag>\"x\"</ETag></Part></CompleteMultipartUpload>",
    "unknown-child": b"<CompleteMultipartUpload><Bogus/></CompleteMultipartUpload>",
    "mismatched-tags": b"<CompleteMultipartUpload><Part></Prt></CompleteMultipartUpload>",
    "binary": bytes(range(256)),
}


@pytest.mark.parametrize("name", sorted(COMPLETE_BODIES))
def test_complete_multipart_with_malformed_xml_is_malformed_xml_and_keeps_upload(
        server, s3, bucket, name):
    upload_id, etag = _part_etag(s3, bucket, "mp")
    body = COMPLETE_BODIES[name]
    resp = signed("POST", server, f"/{bucket}/mp", body, query=f"uploadId={upload_id}")
    check_error(resp, 400, "MalformedXML")
    # The upload survives a rejected completion and can still be completed.
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]] == [
        upload_id]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload_id, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"only part"
    assert_healthy(server, bucket)


def test_complete_multipart_with_trailing_second_root_is_malformed_xml(server, s3, bucket):
    upload_id, etag = _part_etag(s3, bucket, "mp")
    body = (f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag>"
            f"</Part></CompleteMultipartUpload><CompleteMultipartUpload/>").encode()
    resp = signed("POST", server, f"/{bucket}/mp", body, query=f"uploadId={upload_id}")
    check_error(resp, 400, "MalformedXML")
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]] == [
        upload_id]
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_complete_multipart_does_not_expand_dtd_entities(server, s3, bucket):
    """An internal entity that would expand to the right ETag must not complete
    the upload: DTDs are not processed."""
    upload_id, etag = _part_etag(s3, bucket, "mp")
    body = (f'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY e \'{etag}\'>]>'
            f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&e;</ETag>"
            f"</Part></CompleteMultipartUpload>").encode()
    resp = signed("POST", server, f"/{bucket}/mp", body, query=f"uploadId={upload_id}")
    check_error(resp, 400, ("MalformedXML", "InvalidPart"))
    with pytest.raises(s3.exceptions.ClientError) as e:
        s3.head_object(Bucket=bucket, Key="mp")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert_healthy(server, bucket)


DELETE_BODIES = {
    "empty": b"",
    "not-xml": b"{\"Objects\": [{\"Key\": \"keep\"}]}",
    "truncated": b"<Delete><Object><Key>keep</Key>",
    "wrong-root": b"<CompleteMultipartUpload><Object><Key>keep</Key></Object></CompleteMultipartUpload>",
    "no-objects": b"<Delete></Delete>",
    "object-without-key": b"<Delete><Object><VersionId>x</VersionId></Object></Delete>",
    "bad-quiet": b"<Delete><Quiet>maybe</Quiet><Object><Key>keep</Key></Object></Delete>",
    "unknown-child": b"<Delete><Thing><Key>keep</Key></Thing></Delete>",
    "over-1000-keys": b"<Delete>" + b"".join(
        b"<Object><Key>k%d</Key></Object>" % i for i in range(1001)) + b"</Delete>",
}


@pytest.mark.parametrize("name", sorted(DELETE_BODIES))
def test_delete_objects_with_malformed_xml_is_malformed_xml_and_deletes_nothing(
        server, s3, bucket, name):
    s3.put_object(Bucket=bucket, Key="keep", Body=b"still here")
    body = DELETE_BODIES[name]
    resp = signed("POST", server, f"/{bucket}", body, headers={"Content-MD5": content_md5(body)},
                  query="delete=")
    check_error(resp, 400, "MalformedXML")
    assert s3.get_object(Bucket=bucket, Key="keep")["Body"].read() == b"still here"
    assert_healthy(server, bucket)


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_oversized_xml_bodies_are_refused_without_buffering_them(server, s3, bucket, declared):
    """A 20 MiB "XML" body for CompleteMultipartUpload or DeleteObjects is
    refused with a 400, whether its size is declared up front or not."""
    upload_id, etag = _part_etag(s3, bucket, "mp")
    s3.put_object(Bucket=bucket, Key="keep", Body=b"x")
    huge = b"<Delete>" + b"<Object><Key>k</Key></Object>" * (20 * MIB // 29) + b"</Delete>"
    for path, query, extra in ((f"/{bucket}/mp", f"uploadId={upload_id}", {}),
                               (f"/{bucket}", "delete=", {"Content-MD5": content_md5(huge)})):
        hdrs = sign("POST", server.endpoint, path, payload_hash="UNSIGNED-PAYLOAD", query=query,
                    headers=extra)
        if declared:
            hdrs["Content-Length"] = str(len(huge))
            payload = huge
        else:
            hdrs["Transfer-Encoding"] = "chunked"
            payload = b"".join(b"%x\r\n%s\r\n" % (len(huge[i:i + MIB]), huge[i:i + MIB])
                               for i in range(0, len(huge), MIB)) + b"0\r\n\r\n"
        with RawConn(server.port, timeout=20) as conn:
            try:
                conn.send(request_bytes("POST", f"{path}?{query}", hdrs, payload))
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused before the whole body was sent
            resp = conn.read_response()
        assert_s3_error(resp.status, resp.headers, resp.body, 400,
                        ("MaxMessageLengthExceeded", "MalformedXML", "EntityTooLarge"))
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]] == [
        upload_id]
    assert s3.head_object(Bucket=bucket, Key="keep")["ContentLength"] == 1
    assert_healthy(server, bucket)


def test_delete_objects_without_content_md5_is_rejected(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="keep", Body=b"x")
    body = b"<Delete><Object><Key>keep</Key></Object></Delete>"
    resp = signed("POST", server, f"/{bucket}", body, query="delete=")
    check_error(resp, 400, "InvalidRequest")
    assert s3.head_object(Bucket=bucket, Key="keep")["ContentLength"] == 1


# ------------------------------------------------------------ oversized headers

def test_header_section_over_16kib_is_rejected_with_xml_error_and_closed_connection(server):
    with RawConn(server.port) as conn:
        conn.send(b"GET / HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * (20 * 1024) + b"\r\n\r\n")
        resp = conn.read_response()
        fields = assert_s3_error(resp.status, resp.headers, resp.body, 400,
                                 "RequestHeaderSectionTooLarge")
        assert fields["Message"]
        assert resp.headers.get("connection", "").lower() == "close"
        assert conn.closed_by_peer()
    assert_healthy(server)


def test_many_headers_over_16kib_in_total_are_rejected(server):
    many = b"".join(b"X-Header-%04d: %s\r\n" % (i, b"v" * 40) for i in range(500))
    with RawConn(server.port) as conn:
        conn.send(b"GET / HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
        resp = conn.read_response()
        assert_s3_error(resp.status, resp.headers, resp.body, 400, "RequestHeaderSectionTooLarge")
        assert conn.closed_by_peer()
    assert_healthy(server)


def test_request_with_12kib_of_headers_is_served(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    hdrs = sign("GET", server.endpoint, f"/{bucket}/k")
    hdrs["X-Padding"] = "p" * (12 * 1024)  # not signed: allowed for non x-amz headers
    with RawConn(server.port) as conn:
        conn.send(request_bytes("GET", f"/{bucket}/k", hdrs))
        resp = conn.read_response()
    assert resp.status == 200 and resp.body == b"v"


# ------------------------------------------------------------ names

INVALID_BUCKET_NAMES = [
    "ab", "a" * 64, "UpperCase", "under_score", "-leading-dash", "trailing-dash-",
    ".leading-dot", "trailing-dot.", "double..dot", "dot.-dash", "dash-.dot", "192.168.5.4",
    "xn--punycode", "sthree-prefixed", "name-s3alias", "name--ol-s3", "has%20space",
    "%C3%BCnicode", "semi%3Bcolon",
]


@pytest.mark.parametrize("name", INVALID_BUCKET_NAMES)
def test_create_bucket_with_invalid_name_is_invalid_bucket_name(server, s3, name):
    resp = signed("PUT", server, f"/{name}")
    check_error(resp, 400, "InvalidBucketName")
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert requests.utils.unquote(name) not in names


def test_bucket_and_key_path_traversal_never_touches_the_filesystem(make_server, tmp_path):
    srv = make_server()
    marker = "escape-" + uuid.uuid4().hex[:8]
    for path in (f"/..%2F..%2F{marker}", f"/%2E%2E/{marker}", f"/../../{marker}"):
        hdrs = sign("PUT", srv.endpoint, path, b"payload")
        hdrs["Content-Length"] = "7"
        with RawConn(srv.port) as conn:
            conn.send(request_bytes("PUT", path, hdrs, b"payload"))
            resp = conn.read_response()
        assert_s3_error(resp.status, resp.headers, resp.body, (400, 403, 404),
                        ("InvalidBucketName", "NoSuchBucket", "InvalidURI",
                         "SignatureDoesNotMatch"))
    # Keys may hold "../": stored as keys, never as paths.
    s3 = srv.client()
    s3.create_bucket(Bucket="trav")
    key = f"../../../{marker}/../x"
    s3.put_object(Bucket="trav", Key=key, Body=b"inside")
    assert s3.get_object(Bucket="trav", Key=key)["Body"].read() == b"inside"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="trav")["Contents"]] == [key]
    found = (list(tmp_path.rglob(f"*{marker}*")) + list(tmp_path.parent.glob(f"*{marker}*"))
             + list(tmp_path.parent.parent.glob(f"*{marker}*")))
    assert found == [], found


def test_key_longer_than_1024_bytes_is_key_too_long(server, bucket):
    resp = signed("PUT", server, f"/{bucket}/" + "k" * 1025, b"x")
    check_error(resp, 400, "KeyTooLongError")


# ------------------------------------------------------------ truncated bodies

@pytest.mark.parametrize("close", ["fin", "reset"])
@pytest.mark.parametrize("size", [100_000, 2 * MIB], ids=["inline", "spilled"])
def test_put_shorter_than_content_length_then_close_creates_nothing(make_server, close, size):
    srv = make_server()
    s3 = srv.client()
    s3.create_bucket(Bucket="trunc")
    s3.put_object(Bucket="trunc", Key="old", Body=b"old content")
    body = os.urandom(size)
    for key in ("new", "old"):
        conn = RawConn(srv.port)
        conn.send(signed_request_bytes("PUT", srv.endpoint, f"/trunc/{key}", body)[:-size // 2])
        time.sleep(0.2)  # let the server start streaming the body
        if close == "reset":
            set_linger_reset(conn.sock)
            conn.close()
        else:
            conn.sock.shutdown(socket.SHUT_WR)
            try:
                resp = conn.read_response()
                assert_s3_error(resp.status, resp.headers, resp.body, 400,
                                ("IncompleteBody", "RequestTimeout"))
            except (EOFError, ConnectionResetError):
                pass  # closing without an answer is fine too
            conn.close()
    with pytest.raises(s3.exceptions.ClientError) as e:
        s3.head_object(Bucket="trunc", Key="new")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert s3.get_object(Bucket="trunc", Key="old")["Body"].read() == b"old content"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="trunc")["Contents"]] == ["old"]
    # Whatever was staged for the aborted uploads is removed without a restart.
    drive = srv.drives[0]
    assert wait_until(lambda: staged_entries(drive) == [], timeout=10), staged_entries(drive)
    assert_healthy(srv)


def test_disconnect_mid_20mib_upload_keeps_old_object_and_leaves_no_garbage(make_server):
    srv = make_server()
    drive = srv.drives[0]
    s3 = srv.client()
    s3.create_bucket(Bucket="mid")
    old = os.urandom(3 * MIB)
    s3.put_object(Bucket="mid", Key="obj", Body=old)

    size = 20 * MIB
    hdrs = sign("PUT", srv.endpoint, "/mid/obj", payload_hash="UNSIGNED-PAYLOAD")
    hdrs["Content-Length"] = str(size)
    conn = RawConn(srv.port)
    conn.send(request_bytes("PUT", "/mid/obj", hdrs))
    chunk = os.urandom(MIB)
    for _ in range(10):
        conn.send(chunk)
    time.sleep(0.3)
    set_linger_reset(conn.sock)
    conn.close()

    assert s3.get_object(Bucket="mid", Key="obj")["Body"].read() == old
    assert wait_until(lambda: staged_entries(drive) == [], timeout=10), staged_entries(drive)

    srv.stop()
    srv2 = make_server(drives=[drive])
    s3 = srv2.client()
    assert staged_entries(drive) == []
    got = s3.get_object(Bucket="mid", Key="obj")
    assert got["Body"].read() == old and got["ETag"] == f'"{md5_hex(old)}"'
    assert len(data_folders(drive)) == 1  # only the old object's data
    assert_healthy(srv2)


def test_disconnect_mid_upload_part_keeps_the_upload_and_leaves_no_partial_part(make_server):
    srv = make_server()
    drive = srv.drives[0]
    s3 = srv.client()
    s3.create_bucket(Bucket="mpcut")
    upload_id = s3.create_multipart_upload(Bucket="mpcut", Key="obj")["UploadId"]
    part1 = os.urandom(5 * MIB)
    etag1 = s3.upload_part(Bucket="mpcut", Key="obj", UploadId=upload_id, PartNumber=1,
                           Body=part1)["ETag"]

    query = f"partNumber=2&uploadId={upload_id}"
    hdrs = sign("PUT", srv.endpoint, "/mpcut/obj", payload_hash="UNSIGNED-PAYLOAD", query=query)
    hdrs["Content-Length"] = str(8 * MIB)
    conn = RawConn(srv.port)
    conn.send(request_bytes("PUT", f"/mpcut/obj?{query}", hdrs) + os.urandom(3 * MIB))
    time.sleep(0.3)
    set_linger_reset(conn.sock)
    conn.close()

    assert wait_until(lambda: staged_entries(drive) == [], timeout=10), staged_entries(drive)
    parts = s3.list_parts(Bucket="mpcut", Key="obj", UploadId=upload_id)["Parts"]
    assert [(p["PartNumber"], p["ETag"]) for p in parts] == [(1, etag1)]
    s3.complete_multipart_upload(Bucket="mpcut", Key="obj", UploadId=upload_id, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": etag1}]})
    assert s3.get_object(Bucket="mpcut", Key="obj")["Body"].read() == part1
    assert [f.name for f in data_files(drive)] == ["part.1"]
    assert_healthy(srv)


# ------------------------------------------------------------ not HTTP

GARBAGE = {
    "binary": b"\x00\x01\x02garbage\xff\xfe\r\n\r\n",
    "random": bytes((i * 7919 + 13) % 256 for i in range(4096)) + b"\r\n\r\n",
    "no-version": b"GET\r\n\r\n",
    "bad-version": b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    "header-without-colon": b"GET / HTTP/1.1\r\nHost: x\r\nNot A Header\r\n\r\n",
    "nul-in-header": b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n",
    "bad-content-length": b"PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    "negative-content-length": b"PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    "duplicate-content-length":
        b"PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
    "te-and-content-length":
        b"POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
        b"0\r\n\r\n",
    "tls-client-hello": bytes.fromhex("16030100a5010000a10303") + bytes(range(32)) + b"\x00" * 64,
}


@pytest.mark.parametrize("name", sorted(GARBAGE))
def test_bytes_that_are_not_http_get_400_or_a_closed_connection(server, name):
    with RawConn(server.port, timeout=5) as conn:
        conn.send(GARBAGE[name])
        try:
            resp = conn.read_response()
        except (EOFError, ConnectionResetError):
            resp = None
        except socket.timeout:
            pytest.fail("the server neither answered nor closed the connection")
        if resp is not None:
            assert_s3_error(resp.status, resp.headers, resp.body, 400,
                            ("InvalidRequest", "BadRequest", "RequestHeaderSectionTooLarge"))
            assert conn.closed_by_peer(), "connection left open after a framing error"
    assert_healthy(server)


def test_unknown_http_method_is_method_not_allowed(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    for method, path in (("BREW", f"/{bucket}/k"), ("PATCH", f"/{bucket}/k"),
                         ("FOO", f"/{bucket}"), ("PROPFIND", "/")):
        hdrs = sign(method, server.endpoint, path)
        with RawConn(server.port) as conn:
            conn.send(request_bytes(method, path, hdrs))
            resp = conn.read_response()
        assert_s3_error(resp.status, resp.headers, resp.body, (405,), ("MethodNotAllowed",))
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    assert_healthy(server, bucket)


def test_hundreds_of_idle_connections_do_not_block_new_requests(make_server):
    srv = make_server()
    idle = []
    try:
        for _ in range(300):
            idle.append(socket.create_connection(("127.0.0.1", srv.port), timeout=5))
        half_sent = RawConn(srv.port)
        idle.append(half_sent.sock)
        half_sent.send(b"GET / HTTP/1.1\r\nHost: x\r\n")  # a header that never ends
        started = time.time()
        assert_healthy(srv)
        assert time.time() - started < 5
    finally:
        for sock in idle:
            sock.close()
    assert_healthy(srv)


MALFORMED_AUTH = {
    "garbage-after-scheme": "AWS4-HMAC-SHA256 garbage",
    "scheme-only": "AWS4-HMAC-SHA256",
    "empty-components": "AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature=",
    "short-credential": "AWS4-HMAC-SHA256 Credential=key/2026, SignedHeaders=host, Signature=00",
    "bearer": "Bearer abc.def.ghi",
    "sigv2": "AWS someone:c2lnbmF0dXJl",
    "huge-signed-headers": "AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/s3/aws4_request, "
                           "SignedHeaders=" + ";".join(f"h{i}" for i in range(1500)) +
                           ", Signature=" + "0" * 64,
}


@pytest.mark.parametrize("name", sorted(MALFORMED_AUTH))
def test_malformed_authorization_header_is_a_4xx_error(server, name):
    hdrs = {"Host": f"127.0.0.1:{server.port}", "Authorization": MALFORMED_AUTH[name],
            "X-Amz-Date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
            "X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}
    with RawConn(server.port) as conn:
        conn.send(request_bytes("GET", "/", hdrs))
        resp = conn.read_response()
    assert 400 <= resp.status < 500, resp
    assert_s3_error(resp.status, resp.headers, resp.body, resp.status,
                    ("AuthorizationHeaderMalformed", "InvalidArgument", "InvalidRequest",
                     "SignatureDoesNotMatch", "InvalidAccessKeyId", "AccessDenied",
                     "RequestHeaderSectionTooLarge"))
    assert_healthy(server)


@pytest.mark.parametrize("target", ["/%ZZbucket", "/bucket/%E", "/bucket?prefix=%G1"])
def test_bad_percent_encoding_is_invalid_uri(server, target):
    hdrs = sign("GET", server.endpoint, "/")
    with RawConn(server.port) as conn:
        conn.send(request_bytes("GET", target, hdrs))
        resp = conn.read_response()
    assert_s3_error(resp.status, resp.headers, resp.body, 400, "InvalidURI")


def test_aws_chunked_body_with_broken_framing_stores_nothing(server, s3, bucket):
    bodies = [b"zz;chunk-signature=abc\r\nhello\r\n",
              b"ffffffffffffffffffff\r\nhello\r\n0\r\n\r\n",
              b"5\r\nhello",
              b"5\r\nhelloXX0\r\n\r\n"]
    for body in bodies:
        hdrs = sign("PUT", server.endpoint, f"/{bucket}/framed",
                    payload_hash="STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                    headers={"X-Amz-Decoded-Content-Length": "5",
                             "Content-Encoding": "aws-chunked"})
        hdrs["Content-Length"] = str(len(body))
        with RawConn(server.port) as conn:
            conn.send(request_bytes("PUT", f"/{bucket}/framed", hdrs, body))
            resp = conn.read_response()
        assert 400 <= resp.status < 500, (body, resp)
        assert_s3_error(resp.status, resp.headers, resp.body, resp.status,
                        ("InvalidChunkSizeError", "IncompleteBody", "InvalidRequest",
                         "MalformedTrailerError", "InvalidArgument", "BadRequest"))
    with pytest.raises(s3.exceptions.ClientError) as e:
        s3.head_object(Bucket=bucket, Key="framed")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert_healthy(server, bucket)


def test_client_abandoning_a_download_midway_does_not_disturb_the_server(server, s3, bucket):
    data = os.urandom(20 * MIB)
    s3.put_object(Bucket=bucket, Key="big", Body=data)
    for _ in range(3):
        conn = RawConn(server.port)
        conn.send(signed_request_bytes("GET", server.endpoint, f"/{bucket}/big"))
        conn._read_until(b"\r\n\r\n")
        conn._read_exact(MIB)
        set_linger_reset(conn.sock)
        conn.close()
    got = s3.get_object(Bucket=bucket, Key="big")["Body"].read()
    assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest()
    assert_healthy(server, bucket)


def test_head_errors_have_no_body_but_carry_the_request_id(server, bucket):
    with RawConn(server.port) as conn:
        conn.send(signed_request_bytes("HEAD", server.endpoint, f"/{bucket}/missing")
                  + signed_request_bytes("GET", server.endpoint, f"/{bucket}/missing"))
        head = conn.read_response(head=True)
        get = conn.read_response()
    assert head.status == 404 and head.body == b"" and head.headers["x-amz-request-id"]
    assert_s3_error(get.status, get.headers, get.body, 404, "NoSuchKey")


# ------------------------------------------------------------ pipelining

def test_pipelined_requests_are_answered_in_order(server, bucket):
    body = os.urandom(5000)
    batch = (signed_request_bytes("PUT", server.endpoint, f"/{bucket}/pipe", body)
             + signed_request_bytes("HEAD", server.endpoint, f"/{bucket}/pipe")
             + signed_request_bytes("GET", server.endpoint, f"/{bucket}/pipe")
             + signed_request_bytes("GET", server.endpoint, f"/{bucket}/missing")
             + signed_request_bytes("DELETE", server.endpoint, f"/{bucket}/pipe"))
    with RawConn(server.port) as conn:
        conn.send(batch)
        put = conn.read_response()
        head = conn.read_response(head=True)
        get = conn.read_response()
        missing = conn.read_response()
        delete = conn.read_response()
    assert put.status == 200 and put.headers["etag"] == f'"{md5_hex(body)}"'
    assert head.status == 200 and head.headers["content-length"] == "5000"
    assert get.status == 200 and get.body == body
    assert_s3_error(missing.status, missing.headers, missing.body, 404, "NoSuchKey")
    assert delete.status == 204
    assert len({r.headers["x-amz-request-id"] for r in (put, head, get, missing, delete)}) == 5


def test_a_hundred_pipelined_gets_are_all_answered_in_order(server, s3, bucket):
    bodies = [os.urandom(1000 + 500 * i) for i in range(10)]
    for i, body in enumerate(bodies):
        s3.put_object(Bucket=bucket, Key=f"o{i}", Body=body)
    order = [i % 10 for i in range(0, 700, 7)]
    batch = b"".join(signed_request_bytes("GET", server.endpoint, f"/{bucket}/o{i}")
                     for i in order)
    with RawConn(server.port, timeout=20) as conn:
        conn.send(batch)
        for i in order:
            resp = conn.read_response()
            assert resp.status == 200 and resp.body == bodies[i]


def test_connection_stays_usable_after_an_error_whose_body_was_read(server, s3, bucket):
    body = os.urandom(4000)
    bad = signed_request_bytes("PUT", server.endpoint, f"/{bucket}/p", body,
                               payload_hash=hashlib.sha256(b"other").hexdigest())
    good = signed_request_bytes("PUT", server.endpoint, f"/{bucket}/p", body)
    with RawConn(server.port) as conn:
        conn.send(bad + good)
        first = conn.read_response()
        assert_s3_error(first.status, first.headers, first.body, 400, "XAmzContentSHA256Mismatch")
        try:
            second = conn.read_response()
        except (EOFError, ConnectionResetError):
            pytest.fail("connection closed after an error although the body had been read")
    assert second.status == 200 and second.headers["etag"] == f'"{md5_hex(body)}"'
    assert s3.get_object(Bucket=bucket, Key="p")["Body"].read() == body


# ------------------------------------------------------------ Expect: 100-continue

def test_expect_100_continue_gets_100_before_the_body_then_the_final_response(server, s3, bucket):
    body = os.urandom(300_000)
    raw = signed_request_bytes("PUT", server.endpoint, f"/{bucket}/cont", body,
                               headers={"Expect": "100-continue"})
    with RawConn(server.port, timeout=5) as conn:
        conn.send(raw[:-len(body)])
        interim = conn.read_response()
        assert interim.status == 100
        conn.send(body)
        final = conn.read_response()
        assert final.status == 200 and final.headers["etag"] == f'"{md5_hex(body)}"'
        # The connection stays usable.
        conn.send(signed_request_bytes("GET", server.endpoint, f"/{bucket}/cont"))
        assert conn.read_response().body == body


def test_expect_100_continue_with_bad_signature_is_refused_without_reading_the_body(server, bucket):
    raw = signed_request_bytes("PUT", server.endpoint, f"/{bucket}/denied", b"z" * MIB,
                               headers={"Expect": "100-continue"})
    head = _corrupt_signature(raw[:-MIB])
    with RawConn(server.port, timeout=5) as conn:
        conn.send(head)  # the body is never sent
        resp = conn.read_response()
        assert_s3_error(resp.status, resp.headers, resp.body, 403, "SignatureDoesNotMatch")
        assert conn.closed_by_peer(), "connection kept open with an unread body"
    assert signed("HEAD", server, f"/{bucket}/denied").status_code == 404


def _corrupt_signature(head):
    idx = head.index(b"Signature=") + len(b"Signature=")
    sig = head[idx:idx + 64]
    return head[:idx] + bytes(reversed(sig)) + head[idx + 64:]


def test_expect_100_continue_to_missing_bucket_is_refused_without_reading_the_body(server):
    path = f"/nobucket-{uuid.uuid4().hex[:12]}/k"
    raw = signed_request_bytes("PUT", server.endpoint, path, b"z" * MIB,
                               headers={"Expect": "100-continue"})
    with RawConn(server.port, timeout=5) as conn:
        conn.send(raw[:-MIB])
        resp = conn.read_response()
        assert_s3_error(resp.status, resp.headers, resp.body, 404, "NoSuchBucket")
        assert conn.closed_by_peer()
    assert_healthy(server)


# ------------------------------------------------------------ chunked transfer encoding

def _chunked(pieces):
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


@pytest.mark.parametrize("payload", ["signed", "unsigned"])
def test_transfer_encoding_chunked_upload_is_stored_exactly(server, s3, bucket, payload):
    body = os.urandom(700_000)
    pieces = [body[:100_000], body[100_000:100_001], body[100_001:400_000], body[400_000:]]
    phash = hashlib.sha256(body).hexdigest() if payload == "signed" else "UNSIGNED-PAYLOAD"
    hdrs = sign("PUT", server.endpoint, f"/{bucket}/chunked", payload_hash=phash)
    hdrs["Transfer-Encoding"] = "chunked"
    with RawConn(server.port) as conn:
        conn.send(request_bytes("PUT", f"/{bucket}/chunked", hdrs, _chunked(pieces)))
        resp = conn.read_response()
    assert resp.status == 200, resp
    assert resp.headers["etag"] == f'"{md5_hex(body)}"'
    got = s3.get_object(Bucket=bucket, Key="chunked")
    assert got["ContentLength"] == len(body) and got["Body"].read() == body


def test_transfer_encoding_chunked_with_wrong_payload_hash_is_rejected(server, s3, bucket):
    body = os.urandom(200_000)
    hdrs = sign("PUT", server.endpoint, f"/{bucket}/chunked",
                payload_hash=hashlib.sha256(b"something else").hexdigest())
    hdrs["Transfer-Encoding"] = "chunked"
    with RawConn(server.port) as conn:
        conn.send(request_bytes("PUT", f"/{bucket}/chunked", hdrs, _chunked([body])))
        resp = conn.read_response()
    assert_s3_error(resp.status, resp.headers, resp.body, 400, "XAmzContentSHA256Mismatch")
    with pytest.raises(s3.exceptions.ClientError) as e:
        s3.head_object(Bucket=bucket, Key="chunked")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


# ------------------------------------------------------------ payload hash

@pytest.mark.parametrize("size", [1000, 3 * MIB], ids=["inline", "spilled"])
def test_wrong_x_amz_content_sha256_is_mismatch_and_keeps_old_object(make_server, size):
    srv = make_server()
    s3 = srv.client()
    s3.create_bucket(Bucket="sha")
    s3.put_object(Bucket="sha", Key="obj", Body=b"previous")
    body = os.urandom(size)
    wrong = hashlib.sha256(body + b"!").hexdigest()
    for key in ("obj", "fresh"):
        resp = signed("PUT", srv, f"/sha/{key}", body, payload_hash=wrong)
        check_error(resp, 400, "XAmzContentSHA256Mismatch")
    assert s3.get_object(Bucket="sha", Key="obj")["Body"].read() == b"previous"
    with pytest.raises(s3.exceptions.ClientError) as e:
        s3.head_object(Bucket="sha", Key="fresh")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    drive = srv.drives[0]
    assert wait_until(lambda: staged_entries(drive) == []), staged_entries(drive)
    assert data_folders(drive) == []
    assert_healthy(srv)


def test_malformed_x_amz_content_sha256_is_rejected(server, s3, bucket):
    resp = signed("PUT", server, f"/{bucket}/bad", b"data", payload_hash="not-a-hash")
    assert 400 <= resp.status_code < 500
    check_error(resp, resp.status_code,
                ("XAmzContentSHA256Mismatch", "InvalidArgument", "SignatureDoesNotMatch",
                 "AuthorizationHeaderMalformed", "InvalidRequest"))
    with pytest.raises(s3.exceptions.ClientError):
        s3.head_object(Bucket=bucket, Key="bad")


def test_content_length_over_the_object_size_limit_is_rejected_before_the_body(server, bucket):
    hdrs = sign("PUT", server.endpoint, f"/{bucket}/huge", payload_hash="UNSIGNED-PAYLOAD")
    hdrs["Content-Length"] = str(6 * 1024 ** 4)  # 6 TiB: over S3's 5 TiB limit
    with RawConn(server.port, timeout=5) as conn:
        conn.send(request_bytes("PUT", f"/{bucket}/huge", hdrs))
        resp = conn.read_response()
        assert_s3_error(resp.status, resp.headers, resp.body, 400, "EntityTooLarge")
    assert_healthy(server, bucket)


# ------------------------------------------------------------ header injection

def _raw_get(srv, url_or_target, method="GET"):
    """Sends the request line as given (no client-side re-encoding) and
    returns the response and the raw header block."""
    target = url_or_target.split(srv.endpoint, 1)[-1]
    with RawConn(srv.port) as conn:
        conn.send(f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\n"
                  "Connection: close\r\n\r\n".encode())
        resp = conn.read_response(head=method == "HEAD")
    return resp


@pytest.mark.parametrize("param", ["ResponseContentType", "ResponseContentDisposition",
                                   "ResponseCacheControl", "ResponseContentLanguage",
                                   "ResponseContentEncoding"])
def test_presigned_response_override_with_crlf_is_invalid_argument_and_injects_nothing(
        server, s3, bucket, param):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    url = s3.generate_presigned_url("get_object", Params={
        "Bucket": bucket, "Key": "k", param: "text/plain\r\nX-Injected: yes"}, ExpiresIn=300)
    assert "%0D%0A" in url.upper()
    resp = _raw_get(server, url)
    assert_s3_error(resp.status, resp.headers, resp.body, 400, "InvalidArgument")
    assert "x-injected" not in resp.headers


@pytest.mark.parametrize("param", ["response-content-type", "response-content-disposition",
                                   "response-cache-control", "response-content-language",
                                   "response-content-encoding", "response-expires"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_response_override_with_crlf_on_get_and_head_injects_nothing(
        server, s3, bucket, param, method):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    query = param + "=" + requests.utils.quote("x\r\nX-Injected: yes", safe="")
    hdrs = sign(method, server.endpoint, f"/{bucket}/k", query=query)
    with RawConn(server.port) as conn:
        conn.send(request_bytes(method, f"/{bucket}/k?{query}", hdrs))
        resp = conn.read_response(head=method == "HEAD")
    assert resp.status == 400 and "x-injected" not in resp.headers
    assert resp.headers.get("x-amz-request-id")
    if method == "GET":
        assert_s3_error(resp.status, resp.headers, resp.body, 400, "InvalidArgument")


@pytest.mark.parametrize("value", ["a\nb", "a\rb", "a\x01b", "a\x7fb", "a\x00b"])
def test_header_signed_response_override_with_control_characters_is_invalid_argument(
        server, s3, bucket, value):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    query = "response-content-disposition=" + requests.utils.quote(value, safe="")
    hdrs = sign("GET", server.endpoint, f"/{bucket}/k", query=query)
    with RawConn(server.port) as conn:
        conn.send(request_bytes("GET", f"/{bucket}/k?{query}", hdrs))
        resp = conn.read_response()
    assert_s3_error(resp.status, resp.headers, resp.body, 400, "InvalidArgument")
    # A tab and ordinary text are still echoed.
    query = "response-content-disposition=" + requests.utils.quote("attachment;\tx", safe="")
    hdrs = sign("GET", server.endpoint, f"/{bucket}/k", query=query)
    with RawConn(server.port) as conn:
        conn.send(request_bytes("GET", f"/{bucket}/k?{query}", hdrs))
        resp = conn.read_response()
    assert resp.status == 200 and resp.headers["content-disposition"] == "attachment;\tx"


@pytest.mark.parametrize("header", ["x-amz-meta-note", "Content-Type",
                                    "x-amz-website-redirect-location"])
def test_stored_header_values_with_control_characters_are_refused(server, s3, bucket, header):
    """Values stored from request headers are echoed on GET/HEAD: a control
    character in them is refused when the object is written."""
    hdrs = sign("PUT", server.endpoint, f"/{bucket}/meta", b"v", headers={header: "a\x01b"})
    hdrs["Content-Length"] = "1"
    with RawConn(server.port) as conn:
        conn.send(request_bytes("PUT", f"/{bucket}/meta", hdrs, b"v"))
        resp = conn.read_response()
    assert_s3_error(resp.status, resp.headers, resp.body, 400, ("InvalidArgument", "InvalidRequest"))
    with pytest.raises(s3.exceptions.ClientError):
        s3.head_object(Bucket=bucket, Key="meta")


def test_an_early_refusal_reaches_a_client_still_sending_its_body(server, bucket):
    """A PUT refused before its body is read (a bad signature) is answered at
    once; the client goes on sending its body, then reads the answer. The
    server drains what it still sends before closing, so the answer is not
    destroyed by a reset (the kernel's reply to unread bytes at close)."""
    body = os.urandom(4 * MIB)  # within what the server drains
    host, port = "127.0.0.1", int(server.endpoint.rsplit(":", 1)[1])
    for attempt in range(5):
        with socket.create_connection((host, port), timeout=30) as s:
            s.sendall((f"PUT /{bucket}/refused HTTP/1.1\r\nHost: {host}:{port}\r\n"
                       "Authorization: AWS4-HMAC-SHA256 Credential=nobody/20260101/us-east-1/s3/"
                       "aws4_request, SignedHeaders=host, Signature=00\r\n"
                       "x-amz-content-sha256: UNSIGNED-PAYLOAD\r\nx-amz-date: 20260101T000000Z\r\n"
                       f"Content-Length: {len(body)}\r\n\r\n").encode())
            time.sleep(0.2)  # the answer is sent and the server closes meanwhile
            s.sendall(body)  # a reset here is what browsers and SDKs report as a failure
            answer = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 403"), (attempt, answer[:200])
