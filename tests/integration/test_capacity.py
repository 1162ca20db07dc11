"""A full drive: on real small filesystems (tmpfs mounted by the test, root
only), a server refuses writes past each drive's free-space reserve with
507 StorageFull, keeps serving reads, deletes at and beyond the reserve,
restarts at the full mark and resumes writing once space is freed.
`--min-free 99%` makes the refusals testable on an ordinary folder."""

import os
import subprocess

import pytest
import requests
from botocore.exceptions import ClientError

from clihelpers import RawConn, request_bytes, sign
from conftest import ACCESS_KEY, SECRET_KEY, SILO_BIN
from ec_helpers import admin_json, client, wait_for
from fsfull import KIB, MIB, error_of, fill, tmpfs  # noqa: F401 (tmpfs is a fixture)

pytestmark = pytest.mark.sdk_independent


def full_drive(tmpfs, make_server, fs_size, object_size, extra_args=()):
    fs = tmpfs(fs_size)
    srv = make_server(drives=[fs.path], extra_args=extra_args)
    s3 = client(srv)
    s3.create_bucket(Bucket="full")
    stored, refusal = fill(s3, "full", object_size)
    assert stored, "not a single object fit"
    return fs, srv, s3, stored, refusal


def assert_storage_full(exc, drive=None):
    assert error_of(exc) == ("StorageFull", 507), exc.response
    message = exc.response["Error"]["Message"]
    for words in ("free of", "reserve", "Delete objects", "--min-free"):
        assert words in message, message
    if drive:
        assert str(drive) in message, message


def test_writes_to_a_full_drive_are_refused_with_507_storage_full(tmpfs, make_server):
    fs, srv, s3, stored, refusal = full_drive(tmpfs, make_server, 32 * MIB, 50_000)
    assert_storage_full(refusal, fs.path)
    # Refused again at once (no retry storm, no offline drive), reads go on.
    with pytest.raises(ClientError) as again:
        s3.put_object(Bucket="full", Key="again", Body=os.urandom(50_000))
    assert_storage_full(again.value)
    key = next(iter(stored))
    assert s3.get_object(Bucket="full", Key=key)["Body"].read() == stored[key]
    # The reserve is real free space, as df shows it.
    assert fs.free() >= 2 * MIB
    wait_for(lambda: "% full" in srv.read_log() or "is full" in srv.read_log(), 3,
             "the drive to log that it is (nearly) full")
    assert "is offline" not in srv.read_log()
    # (The metadata store may free a little room meanwhile, as a compaction
    # that ran during the fill ends: a write that fits is fine; what is
    # refused is refused as full. New keys each, since an overwrite of one
    # key frees what it replaces and may go on fitting for ever.)
    refused = 0
    for i in range(60):
        try:
            s3.put_object(Bucket="full", Key=f"again-{i}", Body=os.urandom(50_000))
        except ClientError as e:
            assert error_of(e)[0] == "StorageFull", e.response
            refused += 1
    assert refused >= 30, refused
    assert fs.free() >= 2 * MIB
    # Once per threshold (80, 90, 95 %, full), not once per request.
    log = srv.read_log()
    assert log.count("% full:") <= 3 and log.count(" is full:") <= 1, log
    assert "StorageFull" not in log, "refused requests are logged one by one"


def test_admin_info_and_the_cluster_health_check_show_full_drives(make_server, tmp_path):
    drives = [tmp_path / f"d{i}" for i in range(1, 5)]
    srv = make_server(drives=drives)
    r = requests.get(srv.endpoint + "/silo/health/cluster", timeout=10)
    assert r.status_code == 200 and r.json()["writable"] is True, r.text
    info = admin_json(srv, "GET", "/silo/admin/v1/info")
    for d in info["sets"][0]["drives"]:
        assert d["full"] is False and d["free"] >= d["reserve"] > 0, d
        assert d["total"] >= d["used"] + d["free"] - 4096, d
    srv.stop()
    srv = make_server(drives=drives, extra_args=["--min-free", "99%"])
    log = srv.read_log()
    assert all(f"Full:        {d}" in log for d in drives), log
    r = requests.get(srv.endpoint + "/silo/health/cluster", timeout=10)
    assert r.status_code == 503, r.text
    assert r.json()["sets"][0] == {"index": 0, "writable": False, "write_quorum": 3,
                                   "drives_online": 4, "drives_with_room": 0,
                                   "reason": "its drives are full"}
    assert str(tmp_path) not in r.text, "the unauthenticated check names drive paths"
    info = admin_json(srv, "GET", "/silo/admin/v1/info")
    assert all(d["full"] and d["state"] == "online" for d in info["sets"][0]["drives"]), info
    env = {k: v for k, v in os.environ.items() if not k.startswith("SILO_")}
    env.update({"SILO_ROOT_USER": ACCESS_KEY, "SILO_ROOT_PASSWORD": SECRET_KEY})
    human = subprocess.run([str(SILO_BIN), "admin", "info", "--endpoint", srv.endpoint],
                           capture_output=True, text=True, timeout=60, env=env).stdout
    assert f"FULL     {drives[0]}" in human and "reserve" in human, human
    assert "cannot take writes" in human, human


def test_deletes_work_at_the_full_mark_and_free_space_within_seconds(tmpfs, make_server):
    fs, _, s3, stored, _ = full_drive(tmpfs, make_server, 32 * MIB, 50_000)
    before = fs.free()
    failures = []
    for key in list(stored)[:200]:
        try:
            s3.delete_object(Bucket="full", Key=key)
        except Exception as e:  # noqa: BLE001 (every failure is the finding)
            failures.append((key, str(e)))
    assert not failures, f"{len(failures)} deletes failed, first: {failures[0]}"
    # Small objects live in the metadata store: compactions drop them.
    wait_for(lambda: fs.free() - before >= 100 * 50_000, 10,
             "half of the deleted bytes to be free in df")
    s3.put_object(Bucket="full", Key="after-delete", Body=b"x" * 50_000)
    assert s3.get_object(Bucket="full", Key="after-delete")["Body"].read() == b"x" * 50_000


def test_large_objects_fill_to_the_mark_and_a_delete_lets_writes_in_again(tmpfs, make_server):
    fs, _, s3, stored, refusal = full_drive(tmpfs, make_server, 64 * MIB, 3 * MIB)
    assert_storage_full(refusal)
    assert not list((fs.path / ".silo" / "tmp").iterdir()), "staged data left behind"
    s3.delete_object(Bucket="full", Key=next(iter(stored)))
    # Shard files go at once; writes resume by themselves.
    s3.put_object(Bucket="full", Key="again", Body=b"y" * (3 * MIB))
    assert s3.head_object(Bucket="full", Key="again")["ContentLength"] == 3 * MIB


@pytest.mark.parametrize("fs_size,object_size",
                         [(32 * MIB, 50_000), (256 * MIB, 100_000), (64 * MIB, 3 * MIB)],
                         ids=["32MiB-50KB", "256MiB-100KB", "64MiB-3MiB"])
def test_a_restart_at_the_full_mark_serves_every_object(tmpfs, make_server, fs_size, object_size):
    fs, srv, _, stored, _ = full_drive(tmpfs, make_server, fs_size, object_size)
    srv.stop()
    srv = make_server(drives=[fs.path])
    assert "full" in srv.read_log(), srv.read_log()
    s3 = client(srv)
    for key, data in stored.items():
        assert s3.get_object(Bucket="full", Key=key)["Body"].read() == data, key
    # Still at the mark: a few more objects at most (the store may have
    # compacted while it stopped and started), then refusals.
    more, refusal = fill(s3, "full", object_size, prefix="more-", limit=100)
    assert_storage_full(refusal)
    s3.delete_object(Bucket="full", Key=next(iter(stored)))


def fill_filesystem(path):
    """Takes every free byte of the filesystem at `path` with a file, as
    something outside Silo would."""
    fd = os.open(path / "outside", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (64 * KIB, 4096, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)


def test_a_filesystem_filled_from_outside_still_starts_serves_reads_and_deletes(
        tmpfs, make_server):
    fs, srv, _, stored, _ = full_drive(tmpfs, make_server, 32 * MIB, 50_000)
    srv.stop()
    fill_filesystem(fs.path)
    assert fs.free() < 64 * KIB
    srv = make_server(drives=[fs.path])
    s3 = client(srv)
    for key, data in stored.items():
        assert s3.get_object(Bucket="full", Key=key)["Body"].read() == data, key
    keys = list(stored)
    for key in keys[:20]:
        s3.delete_object(Bucket="full", Key=key)
    s3.delete_objects(Bucket="full", Delete={"Objects": [{"Key": k} for k in keys[20:40]]})
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket="full", Key=keys[0])
    assert error_of(e.value)[1] == 404
    # Space freed outside: writes resume by themselves.
    (fs.path / "outside").unlink()
    wait_for(lambda: put_ok(s3, "full", "resumed"), 10, "writes to resume")


def put_ok(s3, bucket, key, body=b"z" * 1000):
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=body)
        return True
    except ClientError as e:
        assert error_of(e)[0] == "StorageFull", e.response
        return False


def chunked_put(srv, path, total, chunk=MIB):
    """PUT of `total` bytes with Transfer-Encoding: chunked, so the server
    does not know the size up front. Returns (status, body)."""
    hdrs = sign("PUT", srv.endpoint, path, payload_hash="UNSIGNED-PAYLOAD")
    hdrs["Transfer-Encoding"] = "chunked"
    with RawConn(srv.port, timeout=30) as conn:
        try:
            conn.send(request_bytes("PUT", path, hdrs))
            sent = 0
            while sent < total:
                n = min(chunk, total - sent)
                conn.send(b"%x\r\n" % n + os.urandom(n) + b"\r\n")
                sent += n
            conn.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the whole body was sent
        resp = conn.read_response()
    return resp.status, resp.body


def test_a_write_of_unknown_size_is_refused_when_it_crosses_the_reserve(tmpfs, make_server):
    fs = tmpfs(48 * MIB)
    srv = make_server(drives=[fs.path])
    s3 = client(srv)
    s3.create_bucket(Bucket="stream")
    free_before = fs.free()
    status, body = chunked_put(srv, "/stream/too-big", 60 * MIB)
    assert status == 507, body
    assert b"<Code>StorageFull</Code>" in body, body
    # Nothing of it stays: no object, no staged data, the space is back.
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket="stream", Key="too-big")
    assert error_of(e.value)[1] == 404
    assert not list((fs.path / ".silo" / "tmp").iterdir()), "staged data left behind"
    wait_for(lambda: fs.free() >= free_before - MIB, 5, "the staged bytes to be freed")
    status, body = chunked_put(srv, "/stream/fits", 8 * MIB)
    assert status == 200, body


def test_min_free_99_percent_refuses_every_kind_of_write_and_allows_deletes(
        make_server, tmp_path):
    drive = tmp_path / "d1"
    srv = make_server(drives=[drive])
    s3 = client(srv)
    s3.create_bucket(Bucket="bkt")
    s3.put_object(Bucket="bkt", Key="small", Body=b"s" * 1000)
    s3.put_object(Bucket="bkt", Key="large", Body=b"l" * (2 * MIB))
    up = s3.create_multipart_upload(Bucket="bkt", Key="mp")["UploadId"]
    part = s3.upload_part(Bucket="bkt", Key="mp", UploadId=up, PartNumber=1, Body=b"p" * (5 * MIB))
    srv.stop()

    srv = make_server(drives=[drive], extra_args=["--min-free", "99%"])
    s3 = client(srv)
    assert "full" in srv.read_log()
    refused = {
        "put small": lambda: s3.put_object(Bucket="bkt", Key="n1", Body=b"x"),
        "put large": lambda: s3.put_object(Bucket="bkt", Key="n2", Body=b"x" * (2 * MIB)),
        "copy": lambda: s3.copy_object(Bucket="bkt", Key="n3",
                                       CopySource={"Bucket": "bkt", "Key": "large"}),
        "part": lambda: s3.upload_part(Bucket="bkt", Key="mp", UploadId=up, PartNumber=2,
                                       Body=b"x" * (5 * MIB)),
        "part copy": lambda: s3.upload_part_copy(Bucket="bkt", Key="mp", UploadId=up, PartNumber=3,
                                                 CopySource={"Bucket": "bkt", "Key": "large"}),
    }
    for what, call in refused.items():
        with pytest.raises(ClientError) as e:
            call()
        assert_storage_full(e.value, drive), what
    status, body = chunked_put(srv, "/bkt/n4", 3 * MIB)
    assert status == 507, body
    # Reads, metadata and deletes go on at the reserve.
    assert s3.get_object(Bucket="bkt", Key="small")["Body"].read() == b"s" * 1000
    assert s3.get_object(Bucket="bkt", Key="large")["Body"].read() == b"l" * (2 * MIB)
    # Completing stores no data: its part was admitted when it was stored.
    s3.complete_multipart_upload(Bucket="bkt", Key="mp", UploadId=up, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    up2 = s3.create_multipart_upload(Bucket="bkt", Key="mp2")["UploadId"]
    s3.abort_multipart_upload(Bucket="bkt", Key="mp2", UploadId=up2)
    s3.delete_object(Bucket="bkt", Key="small")
    s3.delete_objects(Bucket="bkt", Delete={"Objects": [{"Key": "large"}, {"Key": "mp"}]})
    assert s3.list_objects_v2(Bucket="bkt").get("KeyCount") == 0
    s3.delete_bucket(Bucket="bkt")
    s3.create_bucket(Bucket="after")
    assert not list((drive / ".silo" / "tmp").iterdir())


def test_min_free_must_be_a_size_or_a_percentage(tmp_path):
    from conftest import SiloServer
    srv = SiloServer([tmp_path / "d1"], extra_args=["--min-free", "lots"])
    with pytest.raises(RuntimeError):
        srv.start(timeout=10)
    srv.stop()
    assert "--min-free must be a size" in srv.read_log()
    assert srv.proc.returncode == 2
