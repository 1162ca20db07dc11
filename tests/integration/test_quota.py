"""Bucket quotas: set, shown and cleared through the admin API and
`silo quota`; a write that would pass the quota is refused with 400
QuotaExceeded (never retried); usage comes from counters kept with every
commit, so it is right after overwrites, deletes, concurrent writers and
restarts."""

import threading

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from cli_backends import Backend
from clihelpers import RawConn, request_bytes, sign
from conftest import ACCESS_KEY, SECRET_KEY
from ec_helpers import admin, admin_json, client
from fsfull import KIB, MIB, error_of

pytestmark = pytest.mark.sdk_independent


def set_quota(srv, bucket, size):
    return admin_json(srv, "PUT", "/silo/admin/v1/quota", {"bucket": bucket, "size": str(size)})


def quota_info(srv, bucket):
    return admin_json(srv, "GET", "/silo/admin/v1/quota", {"bucket": bucket})


def assert_quota_exceeded(exc, bucket):
    assert error_of(exc) == ("QuotaExceeded", 400), exc.response
    message = exc.response["Error"]["Message"]
    assert bucket in message and "quota" in message, message
    assert exc.response["ResponseMetadata"].get("RetryAttempts", 0) == 0


@pytest.fixture
def quota_server(make_server, tmp_path):
    srv = make_server(drives=[tmp_path / "d1"])
    s3 = client(srv)
    s3.create_bucket(Bucket="quo")
    return srv, s3


def test_writes_past_the_quota_are_refused_and_deletes_make_room(quota_server):
    srv, s3 = quota_server
    assert quota_info(srv, "quo") == {"bucket": "quo", "quota": None,
                                    "usage": {"objects": 0, "bytes": 0}}
    assert set_quota(srv, "quo", 100 * KIB)["quota"] == 100 * KIB
    s3.put_object(Bucket="quo", Key="a", Body=b"a" * (60 * KIB))
    # SDKs with their default retries send it once: 400 is not retried.
    sdk = boto3.client("s3", endpoint_url=srv.endpoint, aws_access_key_id=ACCESS_KEY,
                       aws_secret_access_key=SECRET_KEY, region_name="us-east-1",
                       config=Config(retries={"max_attempts": 5, "mode": "standard"}))
    with pytest.raises(ClientError) as e:
        sdk.put_object(Bucket="quo", Key="b", Body=b"b" * (60 * KIB))
    assert_quota_exceeded(e.value, "quo")
    s3.put_object(Bucket="quo", Key="c", Body=b"c" * (40 * KIB))  # exactly up to the quota
    assert quota_info(srv, "quo")["usage"] == {"objects": 2, "bytes": 100 * KIB}
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket="quo", Key="d", Body=b"d")
    assert_quota_exceeded(e.value, "quo")
    s3.delete_object(Bucket="quo", Key="a")
    s3.put_object(Bucket="quo", Key="d", Body=b"d" * (10 * KIB))
    # An overwrite replaces the size it had.
    s3.put_object(Bucket="quo", Key="c", Body=b"c" * (20 * KIB))
    assert quota_info(srv, "quo")["usage"] == {"objects": 2, "bytes": 30 * KIB}
    cleared = admin_json(srv, "DELETE", "/silo/admin/v1/quota", {"bucket": "quo"})
    assert cleared["quota"] is None
    s3.put_object(Bucket="quo", Key="big", Body=b"x" * (200 * KIB))


def test_every_kind_of_write_respects_the_quota(quota_server):
    srv, s3 = quota_server
    s3.create_bucket(Bucket="src")
    s3.put_object(Bucket="src", Key="six", Body=b"6" * (6 * MIB))
    set_quota(srv, "quo", 11 * MIB)
    s3.copy_object(Bucket="quo", Key="copy1", CopySource={"Bucket": "src", "Key": "six"})
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket="quo", Key="copy2", CopySource={"Bucket": "src", "Key": "six"})
    assert_quota_exceeded(e.value, "quo")
    # Parts are checked as they come, the object again when it is completed.
    up = s3.create_multipart_upload(Bucket="quo", Key="mp")["UploadId"]
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket="quo", Key="mp", UploadId=up, PartNumber=1, Body=b"p" * (7 * MIB))
    assert_quota_exceeded(e.value, "quo")
    parts = [s3.upload_part(Bucket="quo", Key="mp", UploadId=up, PartNumber=n,
                            Body=b"p" * (5 * MIB))["ETag"] for n in (1, 2)]
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket="quo", Key="mp", UploadId=up, MultipartUpload={
            "Parts": [{"PartNumber": n, "ETag": t} for n, t in zip((1, 2), parts)]})
    assert_quota_exceeded(e.value, "quo")
    s3.complete_multipart_upload(Bucket="quo", Key="mp", UploadId=up, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": parts[0]}]})
    assert quota_info(srv, "quo")["usage"] == {"objects": 2, "bytes": 11 * MIB}
    # A body of unknown size is refused as soon as it passes the quota.
    hdrs = sign("PUT", srv.endpoint, "/quo/chunked", payload_hash="UNSIGNED-PAYLOAD")
    hdrs["Transfer-Encoding"] = "chunked"
    with RawConn(srv.port, timeout=30) as conn:
        try:
            conn.send(request_bytes("PUT", "/quo/chunked", hdrs))
            for _ in range(4):
                conn.send(b"%x\r\n" % MIB + b"c" * MIB + b"\r\n")
            conn.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        resp = conn.read_response()
    assert resp.status == 400 and b"<Code>QuotaExceeded</Code>" in resp.body, resp.body
    assert quota_info(srv, "quo")["usage"] == {"objects": 2, "bytes": 11 * MIB}


def test_concurrent_writers_never_pass_the_quota(quota_server):
    srv, s3 = quota_server
    set_quota(srv, "quo", 100 * KIB)
    results = []

    def writer(n):
        c = client(srv)
        try:
            c.put_object(Bucket="quo", Key=f"k{n}", Body=b"w" * (10 * KIB))
            results.append("ok")
        except ClientError as e:
            results.append(error_of(e)[0])

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 10, results
    assert set(results) == {"ok", "QuotaExceeded"}, results
    assert quota_info(srv, "quo")["usage"] == {"objects": 10, "bytes": 100 * KIB}


def test_quota_and_usage_survive_a_restart_and_go_with_the_bucket(make_server, tmp_path):
    drive = tmp_path / "d1"
    srv = make_server(drives=[drive])
    s3 = client(srv)
    s3.create_bucket(Bucket="keep")
    for n in range(5):
        s3.put_object(Bucket="keep", Key=f"k{n}", Body=b"k" * 1000 * (n + 1))
    s3.delete_object(Bucket="keep", Key="k0")
    set_quota(srv, "keep", 20_000)
    srv.stop()
    srv = make_server(drives=[drive])
    assert quota_info(srv, "keep") == {"bucket": "keep", "quota": 20_000,
                                       "usage": {"objects": 4, "bytes": 14_000}}
    s3 = client(srv)
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket="keep", Key="more", Body=b"m" * 7000)
    assert_quota_exceeded(e.value, "keep")
    s3.delete_objects(Bucket="keep", Delete={"Objects": [{"Key": f"k{n}"} for n in range(1, 5)]})
    s3.delete_bucket(Bucket="keep")
    s3.create_bucket(Bucket="keep")
    assert quota_info(srv, "keep") == {"bucket": "keep", "quota": None,
                                       "usage": {"objects": 0, "bytes": 0}}


def test_the_quota_api_is_for_the_root_user_and_names_missing_buckets(quota_server):
    srv, _ = quota_server
    r = admin(srv, "GET", "/silo/admin/v1/quota", {"bucket": "nope"})
    assert r.status_code == 404 and "NoSuchBucket" in r.text, r.text
    r = admin(srv, "PUT", "/silo/admin/v1/quota", {"bucket": "quo", "size": "0"})
    assert r.status_code == 400, r.text
    # Like every admin call: anonymous or wrongly signed requests are refused.
    assert requests.put(srv.endpoint + "/silo/admin/v1/quota?bucket=quo&size=1",
                        timeout=10).status_code == 403
    assert quota_info(srv, "quo")["quota"] is None


def test_silo_quota_commands(quota_server, tmp_path):
    srv, s3 = quota_server
    b = Backend("silo", srv.endpoint, ACCESS_KEY, SECRET_KEY, tmp_path / "cfg")
    out = b.silo("quota", "set", "t/quo", "--size", "10KiB").stdout
    assert "10 KiB" in out, out
    s3.put_object(Bucket="quo", Key="one", Body=b"1" * 6000)
    r, records = b.json_lines("quota", "info", "t/quo")
    assert records == [{"status": "success", "target": "t/quo", "bucket": "quo", "quota": 10240,
                        "usage": {"bytes": 6000, "objects": 1}}], records
    (tmp_path / "f").write_bytes(b"2" * 6000)
    r = b.silo("cp", tmp_path / "f", "t/quo/two", check=False)
    assert r.returncode == 1 and "QuotaExceeded (400)" in r.stderr, r.stderr
    assert "1 object" in b.silo("quota", "clear", "t/quo").stdout
    b.silo("cp", tmp_path / "f", "t/quo/two")
    r = b.silo("quota", "info", "t/nope", check=False)
    assert r.returncode == 1 and "NoSuchBucket" in r.stderr, r.stderr
    r = b.silo("quota", "set", "t/quo", "--size", "lots", check=False)
    assert r.returncode == 2, r.stderr
    assert "quota" in b.silo("--help").stdout
    assert "silo quota set local/photos --size 10GiB" in b.silo("help", "quota").stdout
