"""Conditional writes stay linearizable under contention: among clients that
race with the same condition, exactly one wins and the object is the
winner's, for PutObject, CompleteMultipartUpload and CopyObject
(If-None-Match: *, If-Match), and a copy guarded by
x-amz-copy-source-if-match copies the version it matched, whole, while the
source is overwritten."""

import hashlib
import os
import threading

import pytest
from botocore.exceptions import ClientError

CLIENTS = 8
MIB = 1024 * 1024


def drives_for(tmp_path, n):
    return [tmp_path / f"d{i}" for i in range(1, n + 1)]


def with_headers(s3, operation, headers):
    """Adds `headers` to every `operation` request of this client (Debian's
    boto3 predates the IfNoneMatch/IfMatch parameters)."""
    def add(request, **_):
        for name, value in headers.items():
            request.headers[name] = value
    s3.meta.events.register_first(f"before-sign.s3.{operation}", add)
    return s3


def race(calls):
    """Runs every call at once (a barrier releases them together); returns
    each one's result: ("ok", value) or ("error", HTTP status, code)."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        try:
            results[i] = ("ok", call())
        except ClientError as e:
            results[i] = ("error", e.response["ResponseMetadata"]["HTTPStatusCode"],
                          e.response["Error"].get("Code"))

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def one_winner(results):
    winners = [i for i, r in enumerate(results) if r[0] == "ok"]
    losers = [r for r in results if r[0] != "ok"]
    assert len(winners) == 1, f"expected exactly one winner: {results}"
    # Losers lost the condition (412) or to a concurrent conditional write (409).
    assert all(r[1] in (409, 412) for r in losers), results
    return winners[0]


def body(i, size):
    seed = hashlib.sha256(f"client {i}".encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


@pytest.fixture(params=[1, 4], ids=["1-drive", "4-drives"])
def srv(request, make_server, tmp_path):
    return make_server(drives=drives_for(tmp_path, request.param))


@pytest.mark.sdk_independent
@pytest.mark.parametrize("size", [3000, 2 * MIB], ids=["inline", "shards"])
def test_concurrent_put_if_none_match_has_one_winner(srv, size):
    s3 = srv.client()
    s3.create_bucket(Bucket="cond")
    for round_ in range(3):
        key = f"new-{round_}"
        clients = [with_headers(srv.client(), "PutObject", {"If-None-Match": "*"})
                   for _ in range(CLIENTS)]
        bodies = [body(i + 100 * round_, size) for i in range(CLIENTS)]
        results = race([lambda c=c, b=b: c.put_object(Bucket="cond", Key=key, Body=b)
                        for c, b in zip(clients, bodies)])
        w = one_winner(results)
        assert s3.get_object(Bucket="cond", Key=key)["Body"].read() == bodies[w]


@pytest.mark.sdk_independent
def test_concurrent_put_if_match_has_one_winner(srv):
    s3 = srv.client()
    s3.create_bucket(Bucket="cond")
    s3.put_object(Bucket="cond", Key="k", Body=b"base")
    for round_ in range(3):
        etag = s3.head_object(Bucket="cond", Key="k")["ETag"]
        clients = [with_headers(srv.client(), "PutObject", {"If-Match": etag})
                   for _ in range(CLIENTS)]
        bodies = [body(i + 100 * round_, 300_000) for i in range(CLIENTS)]
        results = race([lambda c=c, b=b: c.put_object(Bucket="cond", Key="k", Body=b)
                        for c, b in zip(clients, bodies)])
        w = one_winner(results)
        assert s3.get_object(Bucket="cond", Key="k")["Body"].read() == bodies[w]


@pytest.mark.sdk_independent
def test_concurrent_complete_multipart_if_none_match_has_one_winner(srv):
    s3 = srv.client()
    s3.create_bucket(Bucket="cond")
    clients = [with_headers(srv.client(), "CompleteMultipartUpload", {"If-None-Match": "*"})
               for _ in range(CLIENTS)]
    uploads, bodies = [], []
    for i, c in enumerate(clients):
        up = c.create_multipart_upload(Bucket="cond", Key="mp")["UploadId"]
        data = body(i, 5 * MIB + 1000)
        e1 = c.upload_part(Bucket="cond", Key="mp", UploadId=up, PartNumber=1,
                           Body=data[:5 * MIB])["ETag"]
        e2 = c.upload_part(Bucket="cond", Key="mp", UploadId=up, PartNumber=2,
                           Body=data[5 * MIB:])["ETag"]
        uploads.append((up, [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]))
        bodies.append(data)
    results = race([
        lambda c=c, u=u: c.complete_multipart_upload(Bucket="cond", Key="mp", UploadId=u[0],
                                                     MultipartUpload={"Parts": u[1]})
        for c, u in zip(clients, uploads)])
    w = one_winner(results)
    assert s3.get_object(Bucket="cond", Key="mp")["Body"].read() == bodies[w]


@pytest.mark.sdk_independent
def test_concurrent_copy_if_none_match_has_one_winner(srv):
    s3 = srv.client()
    s3.create_bucket(Bucket="cond")
    bodies = [body(i, 400_000) for i in range(CLIENTS)]
    for i, b in enumerate(bodies):
        s3.put_object(Bucket="cond", Key=f"src-{i}", Body=b)
    clients = [with_headers(srv.client(), "CopyObject", {"If-None-Match": "*"})
               for _ in range(CLIENTS)]
    results = race([
        lambda c=c, i=i: c.copy_object(Bucket="cond", Key="dst",
                                       CopySource={"Bucket": "cond", "Key": f"src-{i}"})
        for i, c in enumerate(clients)])
    w = one_winner(results)
    assert s3.get_object(Bucket="cond", Key="dst")["Body"].read() == bodies[w]


@pytest.mark.sdk_independent
def test_copy_source_if_match_copies_the_matched_version_while_the_source_changes(srv):
    s3 = srv.client()
    s3.create_bucket(Bucket="cond")
    first = os.urandom(3 * MIB)
    etag = s3.put_object(Bucket="cond", Key="src", Body=first)["ETag"]
    stop = threading.Event()

    def overwrite():
        c = srv.client()
        while not stop.is_set():
            c.put_object(Bucket="cond", Key="src", Body=os.urandom(3 * MIB))

    writer = threading.Thread(target=overwrite)
    writer.start()
    try:
        clients = [srv.client() for _ in range(CLIENTS)]
        results = race([
            lambda c=c, i=i: c.copy_object(Bucket="cond", Key=f"dst-{i}", CopySourceIfMatch=etag,
                                           CopySource={"Bucket": "cond", "Key": "src"})
            for i, c in enumerate(clients)])
    finally:
        stop.set()
        writer.join(60)
    for i, r in enumerate(results):
        if r[0] == "ok":
            assert s3.get_object(Bucket="cond", Key=f"dst-{i}")["Body"].read() == first
        else:
            assert r[1] == 412, results
