"""Below quorum the answer is 503 with an S3 error document, never "not
found": with more drives gone than an erasure set can lose, an object, a
bucket or a listing that exists must not be reported as missing, and writes
are refused without touching what is there."""

import xml.etree.ElementTree as ET

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import ACCESS_KEY, REGION, SECRET_KEY
from ec_helpers import LAYOUTS, MIB, client, drive_paths, remove_drives

UNAVAILABLE = {"SlowDown", "ServiceUnavailable"}


def raw(srv, method, path, body=b"", query=""):
    """A signed request whose answer is judged as sent (no SDK retries or parsing)."""
    url = f"{srv.endpoint}{path}" + (f"?{query}" if query else "")
    headers = {"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}
    req = AWSRequest(method=method, url=url, data=body, headers=headers)
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", REGION).add_auth(req)
    return requests.request(method, url, data=body, headers=dict(req.headers), timeout=30)


def assert_unavailable(resp, what):
    assert resp.status_code == 503, f"{what}: {resp.status_code} {resp.text[:300]}"
    if resp.request.method == "HEAD":
        return
    root = ET.fromstring(resp.content)
    code = root.findtext("Code")
    assert code in UNAVAILABLE, f"{what}: {code}"
    assert root.findtext("RequestId"), what
    assert root.findtext("Message"), what


@pytest.mark.sdk_independent
@pytest.mark.parametrize("n", [4, 8])
def test_requests_below_quorum_are_503_never_not_found(make_server, tmp_path, n):
    k, m = LAYOUTS[n]
    drives = drive_paths(tmp_path, n)
    srv = make_server(drives=drives)
    s3 = client(srv)
    s3.create_bucket(Bucket="kept")
    s3.put_object(Bucket="kept", Key="small", Body=b"x" * 1000)
    s3.put_object(Bucket="kept", Key="large", Body=b"y" * (2 * MIB))
    upload = s3.create_multipart_upload(Bucket="kept", Key="mp")["UploadId"]
    remove_drives(srv, drives[: m + 1])

    checks = [
        ("GET object", "GET", "/kept/small", ""),
        ("GET large object", "GET", "/kept/large", ""),
        ("GET missing key", "GET", "/kept/never-written", ""),
        ("HEAD object", "HEAD", "/kept/small", ""),
        ("HEAD missing key", "HEAD", "/kept/never-written", ""),
        ("HEAD bucket", "HEAD", "/kept", ""),
        ("GetBucketLocation", "GET", "/kept", "location="),
        ("ListObjectsV2", "GET", "/kept", "list-type=2"),
        ("ListObjects", "GET", "/kept", ""),
        ("ListMultipartUploads", "GET", "/kept", "uploads="),
        ("ListParts", "GET", "/kept/mp", f"uploadId={upload}"),
        ("PUT object", "PUT", "/kept/new", ""),
        ("DELETE object", "DELETE", "/kept/small", ""),
        ("ListBuckets", "GET", "/", ""),
        ("CreateBucket", "PUT", "/another", ""),
        ("DeleteBucket", "DELETE", "/kept", ""),
        ("CreateMultipartUpload", "POST", "/kept/mp2", "uploads="),
    ]
    for what, method, path, query in checks:
        body = b"data" if method == "PUT" and path.count("/") > 1 else b""
        assert_unavailable(raw(srv, method, path, body, query), what)


@pytest.mark.sdk_independent
def test_multipart_upload_survives_kill9_and_completes_with_parity_drives_gone(make_server,
                                                                               tmp_path):
    """8 drives at EC 5+3 (write quorum 5): parts uploaded, kill -9, restart,
    3 drives removed; the upload and its parts are still there and complete
    into exactly the bytes sent."""
    import hashlib
    import os

    env = {"SILO_STORAGE_CLASS_STANDARD": "EC:3"}
    drives = drive_paths(tmp_path, 8)
    srv = make_server(drives=drives, env=env)
    s3 = client(srv)
    s3.create_bucket(Bucket="mpu")
    bodies = [os.urandom(5 * MIB), os.urandom(5 * MIB), os.urandom(MIB + 123)]
    uid = s3.create_multipart_upload(Bucket="mpu", Key="big")["UploadId"]
    parts = []
    for n, b in enumerate(bodies, start=1):
        r = s3.upload_part(Bucket="mpu", Key="big", UploadId=uid, PartNumber=n, Body=b)
        parts.append({"PartNumber": n, "ETag": r["ETag"]})
    srv.kill()

    srv = make_server(drives=drives, env=env)
    remove_drives(srv, drives[5:])
    s3 = client(srv)
    listed = s3.list_parts(Bucket="mpu", Key="big", UploadId=uid)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in listed] == [
        (p["PartNumber"], p["ETag"], len(b)) for p, b in zip(parts, bodies)]
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket="mpu")["Uploads"]] == [uid]
    done = s3.complete_multipart_upload(Bucket="mpu", Key="big", UploadId=uid,
                                        MultipartUpload={"Parts": parts})
    digests = b"".join(hashlib.md5(b).digest() for b in bodies)
    assert done["ETag"] == f'"{hashlib.md5(digests).hexdigest()}-3"'
    assert s3.get_object(Bucket="mpu", Key="big")["Body"].read() == b"".join(bodies)
