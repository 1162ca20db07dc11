"""kill -9 in the middle of traffic, restart on the same folder, and check
that every key holds its old or its new content (never a mix, never a torn
object), that acknowledged writes survived, that listings agree with reads,
and that no staged or orphaned data is left on the drive."""

import hashlib
import os
import random
import signal
import socket
import time

import pytest
from botocore.exceptions import ClientError

from clihelpers import (MIB, RawConn, data_files, data_folders, run_until_killed,
                        signed_request_bytes, staged_entries)
from conftest import make_client

INLINE_MAX = 128 * 1024  # objects up to this size live in RocksDB, not in data/
DELETED = object()


class Copy:
    """A version written by CopyObject from a source that never changes."""

    def __init__(self, source, data):
        self.source = source
        self.data = data


def content(version):
    if version is DELETED:
        return None
    return version.data if isinstance(version, Copy) else version


def client(srv):
    return make_client(srv.endpoint, connect_timeout=2, read_timeout=20)


def small_body(rng):
    return os.urandom(rng.randint(0, 100 * 1024))


def large_body(rng):
    return os.urandom(rng.randint(1 * MIB, 3 * MIB))


def read_all(s3, bucket):
    """{key: listing entry} of the whole bucket, through every page."""
    listing = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for o in page.get("Contents", []):
            listing[o["Key"]] = o
    return listing


def get_or_none(s3, bucket, key):
    try:
        got = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as e:
        if e.response["Error"]["Code"] == "NoSuchKey":
            return None, None
        raise
    return got["Body"].read(), got["ETag"]


def assert_no_garbage(drive, large_objects, files_per_object=None):
    """No staged writes, one data folder per object stored outside RocksDB, and
    exactly the shard files those objects use."""
    assert staged_entries(drive) == [], f"staged writes left after restart: {staged_entries(drive)}"
    folders = data_folders(drive)
    assert len(folders) == len(large_objects), (
        f"{len(folders)} data folders for {len(large_objects)} objects stored in files")
    expected_files = sum((files_per_object or {}).get(k, 1) for k in large_objects)
    files = data_files(drive)
    assert len(files) == expected_files, [str(f.relative_to(drive)) for f in files]


def test_kill9_during_overwrites_leaves_every_key_old_or_new_and_no_garbage(make_server):
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    ctx = f"(seed {seed})"
    srv = make_server()
    drive = srv.drives[0]
    bucket = "crash"
    s3 = client(srv)
    s3.create_bucket(Bucket=bucket)

    keys = [f"small/{i:02d}" for i in range(24)] + [f"large/{i:02d}" for i in range(8)]
    state = {}  # key -> the content the store holds now (None: absent)
    for k in keys:
        state[k] = small_body(rng) if k.startswith("small/") else large_body(rng)
        s3.put_object(Bucket=bucket, Key=k, Body=state[k])
    # Sources for server-side copies; no worker ever writes them.
    sources = {"source/large": large_body(rng), "source/small": small_body(rng)}
    for k, data in sources.items():
        s3.put_object(Bucket=bucket, Key=k, Body=data)
        state[k] = data

    for cycle in range(3):
        # Each key gets a cycle of versions its one writer goes through again and
        # again until the kill: a small and a large one (so inline data and data
        # files replace each other), for some a server-side copy instead of one of
        # them, for a few a deletion; new keys are created.
        existing = [k for k, v in state.items() if v is not None and k not in sources]
        versions = {}
        for k in existing:
            versions[k] = [small_body(rng), large_body(rng)]
            rng.shuffle(versions[k])
        for k in rng.sample(existing, 4):
            versions[k] = [DELETED, small_body(rng) if rng.random() < 0.5 else large_body(rng)]
        for k in rng.sample([k for k in existing if len(versions[k]) == 2
                             and DELETED not in versions[k]], 6):
            source = rng.choice(sorted(sources))
            versions[k][0] = Copy(source, sources[source])
        for i in range(8):
            k = f"new/{cycle}/{i:02d}"
            versions[k] = [large_body(rng), small_body(rng)] if i % 2 else [small_body(rng)]
            state[k] = None
        acked = {}     # key -> the version of its last acknowledged write
        inflight = {}  # key -> the version being written when the server died
        order = sorted(versions)
        rng.shuffle(order)
        clients = [client(srv) for _ in range(4)]

        def worker(c, my_keys):
            def run(killed):
                rounds = 0
                while not killed.is_set():
                    for k in my_keys:
                        if killed.is_set():
                            return
                        v = versions[k][rounds % len(versions[k])]
                        inflight[k] = v
                        if v is DELETED:
                            c.delete_object(Bucket=bucket, Key=k)
                        elif isinstance(v, Copy):
                            c.copy_object(Bucket=bucket, Key=k,
                                          CopySource={"Bucket": bucket, "Key": v.source})
                        else:
                            c.put_object(Bucket=bucket, Key=k, Body=v)
                        acked[k] = v
                        del inflight[k]
                    rounds += 1
            return run

        errors = run_until_killed(
            srv, [worker(clients[i], order[i::4]) for i in range(4)], rng)
        assert errors == [], f"requests failed before the kill {ctx}: {errors}"
        assert acked, f"cycle {cycle}: no write finished before the kill {ctx}"

        srv = make_server(drives=[drive])
        s3 = client(srv)
        listing = read_all(s3, bucket)
        present = {}
        for k in sorted(state):
            data, etag = get_or_none(s3, bucket, k)
            last = acked.get(k, state[k])
            allowed = [content(v) for v in (last, inflight.get(k, last))]
            assert data in allowed, (
                f"cycle {cycle}: {k} holds {None if data is None else len(data)} bytes: neither "
                f"its last acknowledged version nor the one in flight {ctx}")
            if data is None:
                assert k not in listing, f"cycle {cycle}: {k} listed but unreadable {ctx}"
                continue
            present[k] = data
            assert etag == f'"{hashlib.md5(data).hexdigest()}"', f"{k}: ETag {etag} {ctx}"
            assert k in listing, f"cycle {cycle}: {k} readable but not listed {ctx}"
            assert listing[k]["ETag"] == etag and listing[k]["Size"] == len(data), k
        assert sorted(listing) == sorted(present), ctx
        state = {k: present.get(k) for k in state}
        assert_no_garbage(drive, [k for k, v in present.items() if len(v) > INLINE_MAX])


def test_kill9_during_multipart_uploads_leaves_listed_uploads_or_complete_objects(make_server):
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    ctx = f"(seed {seed})"
    srv = make_server()
    drive = srv.drives[0]
    bucket = "mpcrash"
    s3 = client(srv)
    s3.create_bucket(Bucket=bucket)

    part_sizes = [5 * MIB, 5 * MIB, 300 * 1024]
    attempts = {}  # key -> {"parts": [bytes], "upload_id": str|None, "done": bool}
    for t in range(4):
        for j in range(3):
            attempts[f"mp/{t}/{j}"] = {"parts": [os.urandom(n) for n in part_sizes],
                                       "upload_id": None, "etags": {}, "done": False}
    clients = [client(srv) for _ in range(4)]

    def worker(c, my_keys):
        def run(killed):
            for k in my_keys:
                a = attempts[k]
                a["upload_id"] = c.create_multipart_upload(Bucket=bucket, Key=k)["UploadId"]
                for n, body in enumerate(a["parts"], start=1):
                    a["etags"][n] = c.upload_part(Bucket=bucket, Key=k, UploadId=a["upload_id"],
                                                  PartNumber=n, Body=body)["ETag"]
                c.complete_multipart_upload(
                    Bucket=bucket, Key=k, UploadId=a["upload_id"],
                    MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e}
                                               for n, e in sorted(a["etags"].items())]})
                a["done"] = True
        return run

    keys = sorted(attempts)
    errors = run_until_killed(
        srv, [worker(clients[t], [k for k in keys if k.startswith(f"mp/{t}/")])
              for t in range(4)], rng, 0.5, 2.0)
    assert errors == [], f"requests failed before the kill {ctx}: {errors}"

    srv = make_server(drives=[drive])
    s3 = client(srv)
    assert staged_entries(drive) == [], ctx
    listed = {}
    for page in s3.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
        for u in page.get("Uploads", []):
            listed.setdefault(u["Key"], []).append(u["UploadId"])

    def expected_etag(parts):
        md5s = b"".join(hashlib.md5(p).digest() for p in parts)
        return f'"{hashlib.md5(md5s).hexdigest()}-{len(parts)}"'

    objects = []
    resumed = 0
    for i, k in enumerate(keys):
        a = attempts[k]
        whole = b"".join(a["parts"])
        data, etag = get_or_none(s3, bucket, k)
        if data is not None:
            assert data == whole, f"{k}: completed object with wrong content {ctx}"
            assert etag == expected_etag(a["parts"]), ctx
            assert k not in listed, f"{k}: upload still listed after its completion {ctx}"
            objects.append(k)
            continue
        assert not a["done"], f"{k}: acknowledged completion lost {ctx}"
        if a["upload_id"] is not None:
            assert a["upload_id"] in listed.get(k, []), (
                f"{k}: created upload {a['upload_id']} neither listed nor completed {ctx}")
        for upload_id in listed.get(k, []):
            parts = s3.list_parts(Bucket=bucket, Key=k, UploadId=upload_id).get("Parts", [])
            have = {}
            for p in parts:
                n = p["PartNumber"]
                body = a["parts"][n - 1]
                assert p["Size"] == len(body), f"{k}: torn part {n} {ctx}"
                assert p["ETag"] == f'"{hashlib.md5(body).hexdigest()}"', f"{k}: part {n} {ctx}"
                have[n] = p["ETag"]
            if a["upload_id"] is not None and upload_id == a["upload_id"]:
                for n, e in a["etags"].items():
                    assert have.get(n) == e, f"{k}: acknowledged part {n} lost {ctx}"
            if i % 2 == 0:
                # Resume: upload what is missing, then complete; every other one
                # leaves part 2 out, whose file must then go.
                for n, body in enumerate(a["parts"], start=1):
                    if n not in have:
                        have[n] = s3.upload_part(Bucket=bucket, Key=k, UploadId=upload_id,
                                                 PartNumber=n, Body=body)["ETag"]
                chosen = [1, 2, 3] if i % 4 == 0 else [1, 3]
                s3.complete_multipart_upload(
                    Bucket=bucket, Key=k, UploadId=upload_id,
                    MultipartUpload={"Parts": [{"PartNumber": n, "ETag": have[n]}
                                               for n in chosen]})
                a["parts"] = [a["parts"][n - 1] for n in chosen]
                data, etag = get_or_none(s3, bucket, k)
                assert data == b"".join(a["parts"]), ctx
                assert etag == expected_etag(a["parts"]), ctx
                objects.append(k)
                resumed += 1
            else:
                s3.abort_multipart_upload(Bucket=bucket, Key=k, UploadId=upload_id)
                with pytest.raises(ClientError) as e:
                    s3.list_parts(Bucket=bucket, Key=k, UploadId=upload_id)
                assert e.value.response["Error"]["Code"] == "NoSuchUpload"

    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert sorted(read_all(s3, bucket)) == sorted(objects), ctx
    # Every multipart object keeps exactly the part files it uses, in its own
    # folder; aborted uploads leave nothing behind.
    assert_no_garbage(drive, objects, {k: len(attempts[k]["parts"]) for k in objects})

    # Replacing multipart objects by inline ones, and deleting some, frees their folders.
    inline = objects[0::3]
    deleted = objects[1::3]
    for k in inline:
        attempts[k]["parts"] = [b"now small"]
        s3.put_object(Bucket=bucket, Key=k, Body=b"now small")
    for k in deleted:
        s3.delete_object(Bucket=bucket, Key=k)
    left = [k for k in objects if k not in deleted]
    in_files = [k for k in left if k not in inline]
    assert_no_garbage(drive, in_files, {k: len(attempts[k]["parts"]) for k in in_files})
    # And so it stays across one more restart.
    srv.stop()
    srv = make_server(drives=[drive])
    assert_no_garbage(drive, in_files, {k: len(attempts[k]["parts"]) for k in in_files})
    s3 = client(srv)
    assert sorted(read_all(s3, bucket)) == sorted(left), ctx
    for k in left:
        assert get_or_none(s3, bucket, k)[0] == b"".join(attempts[k]["parts"]), ctx


@pytest.mark.sdk_independent
def test_sigterm_finishes_the_upload_in_flight_then_exits_cleanly(make_server):
    srv = make_server()
    drive = srv.drives[0]
    s3 = client(srv)
    s3.create_bucket(Bucket="term")
    body = os.urandom(8 * MIB)
    raw = signed_request_bytes("PUT", srv.endpoint, "/term/obj", body)
    with RawConn(srv.port, timeout=20) as conn:
        conn.send(raw[:-len(body) // 2])
        time.sleep(0.3)  # the server is now streaming the body
        srv.proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        assert srv.proc.poll() is None, f"server died on SIGTERM (exit {srv.proc.returncode})"
        with pytest.raises(OSError):  # no new connections while draining
            socket.create_connection(("127.0.0.1", srv.port), timeout=2).close()
        conn.send(raw[-len(body) // 2:])
        resp = conn.read_response()
        assert resp.status == 200 and resp.headers["etag"] == f'"{hashlib.md5(body).hexdigest()}"'
    assert srv.proc.wait(30) == 0
    srv = make_server(drives=[drive])
    assert get_or_none(client(srv), "term", "obj")[0] == body
    assert staged_entries(drive) == []


@pytest.mark.sdk_independent
def test_sigterm_with_idle_keep_alive_connections_exits_promptly(make_server):
    srv = make_server()
    idle = [socket.create_connection(("127.0.0.1", srv.port)) for _ in range(5)]
    try:
        with RawConn(srv.port) as conn:  # a used keep-alive connection, now idle
            conn.send(b"GET /silo/health/live HTTP/1.1\r\nHost: x\r\n\r\n")
            assert conn.read_response().status == 200
            time.sleep(0.3)  # the server has finished with that request
            started = time.time()
            srv.proc.send_signal(signal.SIGTERM)
            assert srv.proc.wait(15) == 0
            assert time.time() - started < 10
    finally:
        for sock in idle:
            sock.close()
