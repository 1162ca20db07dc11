"""SigV2, AWS's legacy "Signing and Authenticating REST Requests" scheme, with
real clients: boto3 with signature_version='s3' (the Authorization header
form and presigned URLs fetched by requests), botocore's own V2 signer on a
virtual-host-style request, and s3cmd --signature-v2. Then the errors: a
wrong secret, an unknown key, a skewed Date, an expired URL."""

import base64
import hashlib
import hmac
import os
import time
from email.utils import formatdate
from unittest import mock

import boto3
import botocore.auth
import pytest
import requests
from botocore.auth import HmacV1Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from clihelpers import MIB, unique_bucket, write_random_file, sha256_file
from conftest import ACCESS_KEY, REGION, SECRET_KEY, error_code, status_code
from test_s3cmd import S3cmd


def v2_client(server, access_key=ACCESS_KEY, secret_key=SECRET_KEY):
    cfg = Config(signature_version="s3", s3={"addressing_style": "path"},
                 retries={"max_attempts": 1})
    return boto3.client("s3", endpoint_url=server.endpoint, region_name=REGION,
                        aws_access_key_id=access_key, aws_secret_access_key=secret_key,
                        config=cfg)


@pytest.fixture
def v2(server):
    return v2_client(server)


def sent_authorization(client, call):
    """Runs `call` and returns the Authorization header the client sent."""
    seen = {}

    def record(request, **_):
        seen["authorization"] = request.headers.get("Authorization", b"")

    client.meta.events.register("before-send.s3", record)
    try:
        call()
    finally:
        client.meta.events.unregister("before-send.s3", record)
    value = seen["authorization"]
    return value.decode() if isinstance(value, bytes) else value


def v2_signature(string_to_sign, secret=SECRET_KEY):
    digest = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def assert_s3_error(resp, status, code):
    assert resp.status_code == status, resp.text
    assert f"<Code>{code}</Code>" in resp.text, resp.text
    return resp.text


# ------------------------------------------------------------------ boto3


def test_boto3_v2_signs_with_the_aws_scheme(v2, bucket):
    auth = sent_authorization(v2, lambda: v2.list_objects(Bucket=bucket))
    assert auth.startswith(f"AWS {ACCESS_KEY}:"), auth


def test_boto3_v2_put_get_head_list_delete(v2, bucket):
    keys = ["plain.txt", "dir/with space.bin", "unicode/\u00e9t\u00e9+plus.txt", "a%2Fb=c&d"]
    for i, key in enumerate(keys):
        v2.put_object(Bucket=bucket, Key=key, Body=f"body {i}".encode(), ContentType="text/plain",
                      Metadata={"owner": "v2", "index": str(i)})
    for i, key in enumerate(keys):
        got = v2.get_object(Bucket=bucket, Key=key)
        assert got["Body"].read() == f"body {i}".encode()
        assert got["ContentType"] == "text/plain"
        head = v2.head_object(Bucket=bucket, Key=key)
        assert head["Metadata"] == {"owner": "v2", "index": str(i)}
    ranged = v2.get_object(Bucket=bucket, Key="plain.txt", Range="bytes=1-3")
    assert ranged["Body"].read() == b"ody"

    listed = v2.list_objects_v2(Bucket=bucket)
    assert sorted(o["Key"] for o in listed["Contents"]) == sorted(keys)
    v1 = v2.list_objects(Bucket=bucket, Prefix="dir/", Delimiter="/")
    assert [o["Key"] for o in v1["Contents"]] == ["dir/with space.bin"]
    assert bucket in [b["Name"] for b in v2.list_buckets()["Buckets"]]

    v2.delete_object(Bucket=bucket, Key="plain.txt")
    with pytest.raises(ClientError) as e:
        v2.get_object(Bucket=bucket, Key="plain.txt")
    assert error_code(e) == "NoSuchKey"


def test_boto3_v2_bucket_lifecycle_and_subresources(server):
    client = v2_client(server)
    name = unique_bucket("sigv2")
    client.create_bucket(Bucket=name)
    # ?location and ?acl are sub-resources: they are part of what V2 signs.
    assert "LocationConstraint" in client.get_bucket_location(Bucket=name)
    assert client.get_bucket_acl(Bucket=name)["Grants"]
    client.head_bucket(Bucket=name)
    client.delete_bucket(Bucket=name)
    with pytest.raises(ClientError) as e:
        client.head_bucket(Bucket=name)
    assert status_code(e) == 404


def test_boto3_v2_delete_objects(v2, bucket):
    for i in range(3):
        v2.put_object(Bucket=bucket, Key=f"k{i}", Body=b"x")
    out = v2.delete_objects(Bucket=bucket,
                            Delete={"Objects": [{"Key": f"k{i}"} for i in range(3)]})
    assert sorted(d["Key"] for d in out["Deleted"]) == ["k0", "k1", "k2"]
    assert v2.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_boto3_v2_multipart_upload(v2, bucket):
    parts_data = [os.urandom(5 * MIB), os.urandom(1234)]
    upload = v2.create_multipart_upload(Bucket=bucket, Key="big")["UploadId"]
    etags = [v2.upload_part(Bucket=bucket, Key="big", UploadId=upload, PartNumber=n + 1,
                            Body=data)["ETag"] for n, data in enumerate(parts_data)]
    listed = v2.list_parts(Bucket=bucket, Key="big", UploadId=upload)
    assert [p["PartNumber"] for p in listed["Parts"]] == [1, 2]
    assert [u["UploadId"] for u in v2.list_multipart_uploads(Bucket=bucket)["Uploads"]] == [upload]
    v2.complete_multipart_upload(
        Bucket=bucket, Key="big", UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": n + 1, "ETag": e} for n, e in enumerate(etags)]})
    got = v2.get_object(Bucket=bucket, Key="big")
    assert got["ContentLength"] == 5 * MIB + 1234
    assert got["Body"].read() == b"".join(parts_data)

    other = v2.create_multipart_upload(Bucket=bucket, Key="dropped")["UploadId"]
    v2.abort_multipart_upload(Bucket=bucket, Key="dropped", UploadId=other)
    assert not v2.list_multipart_uploads(Bucket=bucket).get("Uploads")


def test_boto3_v2_wrong_content_md5_is_bad_digest(v2, bucket):
    wrong = base64.b64encode(hashlib.md5(b"something else").digest()).decode()
    with pytest.raises(ClientError) as e:
        v2.put_object(Bucket=bucket, Key="k", Body=b"payload", ContentMD5=wrong)
    assert error_code(e) == "BadDigest"


def test_presigned_v2_get_fetched_by_requests(v2, bucket):
    v2.put_object(Bucket=bucket, Key="shared file.txt", Body=b"presigned v2")
    url = v2.generate_presigned_url("get_object", Params={"Bucket": bucket,
                                                          "Key": "shared file.txt"},
                                    ExpiresIn=300)
    assert "AWSAccessKeyId=" in url and "Signature=" in url and "Expires=" in url, url
    resp = requests.get(url, timeout=30)
    assert resp.status_code == 200, resp.text
    assert resp.content == b"presigned v2"


def test_presigned_v2_get_with_response_override(v2, bucket):
    v2.put_object(Bucket=bucket, Key="doc", Body=b"<p>hi</p>")
    url = v2.generate_presigned_url("get_object", Params={
        "Bucket": bucket, "Key": "doc", "ResponseContentType": "text/html",
        "ResponseContentDisposition": "attachment; filename=doc.html"}, ExpiresIn=300)
    resp = requests.get(url, timeout=30)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"] == "text/html"
    assert resp.headers["Content-Disposition"] == "attachment; filename=doc.html"


def test_presigned_v2_put_stores_the_object(v2, bucket):
    url = v2.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "up"},
                                    ExpiresIn=300)
    resp = requests.put(url, data=b"uploaded through a v2 link", timeout=30)
    assert resp.status_code == 200, resp.text
    assert v2.get_object(Bucket=bucket, Key="up")["Body"].read() == b"uploaded through a v2 link"


def test_presigned_v2_url_cannot_be_used_for_another_key(v2, bucket):
    v2.put_object(Bucket=bucket, Key="a", Body=b"a")
    v2.put_object(Bucket=bucket, Key="b", Body=b"b")
    url = v2.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "a"},
                                    ExpiresIn=300)
    assert_s3_error(requests.get(url.replace("/a?", "/b?"), timeout=30), 403,
                    "SignatureDoesNotMatch")


def test_expired_presigned_v2_url_is_access_denied(v2, bucket):
    v2.put_object(Bucket=bucket, Key="old", Body=b"old")
    # The link expired a minute ago: signed as if an hour ago, valid 59 minutes.
    with mock.patch.object(botocore.auth.time, "time", return_value=time.time() - 3600):
        url = v2.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "old"},
                                        ExpiresIn=3540)
    body = assert_s3_error(requests.get(url, timeout=30), 403, "AccessDenied")
    assert "Request has expired" in body


# --------------------------------------------------------------- errors


def test_wrong_secret_v2_is_signature_does_not_match(server, bucket):
    bad = v2_client(server, secret_key="not-the-right-secret")
    for call in (lambda: bad.list_buckets(),
                 lambda: bad.list_objects(Bucket=bucket),
                 lambda: bad.put_object(Bucket=bucket, Key="k", Body=b"x")):
        with pytest.raises(ClientError) as e:
            call()
        assert error_code(e) == "SignatureDoesNotMatch"
        assert status_code(e) == 403


def test_unknown_access_key_v2_is_invalid_access_key_id(server, bucket):
    stranger = v2_client(server, access_key="AKIDUNKNOWNKEY")
    with pytest.raises(ClientError) as e:
        stranger.list_objects(Bucket=bucket)
    assert error_code(e) == "InvalidAccessKeyId"
    assert status_code(e) == 403


@pytest.mark.parametrize("minutes", [-20, 20])
def test_v2_date_more_than_fifteen_minutes_off_is_request_time_too_skewed(server, bucket, minutes):
    date = formatdate(time.time() + minutes * 60, usegmt=True)
    sts = f"GET\n\n\n{date}\n/{bucket}"
    resp = requests.get(f"{server.endpoint}/{bucket}", timeout=30, headers={
        "Date": date, "Authorization": f"AWS {ACCESS_KEY}:{v2_signature(sts)}"})
    assert_s3_error(resp, 403, "RequestTimeTooSkewed")


def test_v2_date_within_fifteen_minutes_is_accepted(server, bucket):
    date = formatdate(time.time() - 10 * 60, usegmt=True)
    sts = f"GET\n\n\n{date}\n/{bucket}"
    resp = requests.get(f"{server.endpoint}/{bucket}", timeout=30, headers={
        "Date": date, "Authorization": f"AWS {ACCESS_KEY}:{v2_signature(sts)}"})
    assert resp.status_code == 200, resp.text


def test_v2_request_without_a_date_is_access_denied(server, bucket):
    sts = f"GET\n\n\n\n/{bucket}"
    resp = requests.get(f"{server.endpoint}/{bucket}", timeout=30, headers={
        "Authorization": f"AWS {ACCESS_KEY}:{v2_signature(sts)}"})
    assert_s3_error(resp, 403, "AccessDenied")


# ------------------------------------------------------ virtual-host style


@pytest.mark.sdk_independent
def test_v2_virtual_host_style_signs_the_bucket_from_the_host(make_server):
    srv = make_server(extra_args=["--domain", "silo.test"])
    srv.client().create_bucket(Bucket="vhost-v2")
    host = f"vhost-v2.silo.test:{srv.port}"

    def send(method, path, body=b""):
        req = AWSRequest(method=method, url=f"{srv.endpoint}{path}", data=body,
                         headers={"Host": host})
        # botocore's V2 signer: the resource includes the bucket named by the host.
        req.auth_path = "/vhost-v2" + path.split("?")[0]
        HmacV1Auth(Credentials(ACCESS_KEY, SECRET_KEY)).add_auth(req)
        return requests.request(method, req.url, data=body, headers=dict(req.headers), timeout=10)

    put = send("PUT", "/dir/hello.txt", b"virtual v2")
    assert put.status_code == 200, put.text
    got = send("GET", "/dir/hello.txt")
    assert got.status_code == 200 and got.content == b"virtual v2"
    listing = send("GET", "/?prefix=dir/")
    assert listing.status_code == 200 and "<Key>dir/hello.txt</Key>" in listing.text

    # Signed for another bucket: refused.
    req = AWSRequest(method="GET", url=f"{srv.endpoint}/dir/hello.txt", headers={"Host": host})
    req.auth_path = "/other-bucket/dir/hello.txt"
    HmacV1Auth(Credentials(ACCESS_KEY, SECRET_KEY)).add_auth(req)
    wrong = requests.get(req.url, headers=dict(req.headers), timeout=10)
    assert_s3_error(wrong, 403, "SignatureDoesNotMatch")


# ------------------------------------------------------------------ s3cmd


class S3cmdV2(S3cmd):
    """s3cmd told to sign with SigV2 by its command-line flag."""

    def __call__(self, *args, **kwargs):
        return super().__call__("--signature-v2", *args, **kwargs)


@pytest.fixture
def s3cmd_v2(server, tmp_path):
    return S3cmdV2(server.port, tmp_path / "s3cmdhome")


@pytest.mark.sdk_independent
def test_s3cmd_v2_mb_put_get_ls_del_rb(s3cmd_v2, tmp_path):
    bucket = unique_bucket("s3cmdv2")
    made = s3cmd_v2("mb", "--debug", f"s3://{bucket}")
    assert "Using signature v2" in made.stderr, made.stderr
    assert f"Bucket 's3://{bucket}/' created" in made.stdout

    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(70_000))
    s3cmd_v2("put", src, f"s3://{bucket}/dir/obj with space.bin")
    inside = s3cmd_v2("ls", f"s3://{bucket}/dir/").stdout
    assert "70000" in inside and "obj with space.bin" in inside, inside
    info = s3cmd_v2("info", f"s3://{bucket}/dir/obj with space.bin").stdout
    assert "File size: 70000" in info.replace("  ", " ").replace("  ", " "), info

    dst = tmp_path / "dst.bin"
    s3cmd_v2("get", f"s3://{bucket}/dir/obj with space.bin", dst)
    assert dst.read_bytes() == src.read_bytes()

    s3cmd_v2("del", f"s3://{bucket}/dir/obj with space.bin")
    assert s3cmd_v2.objects(f"s3://{bucket}") == {}
    assert f"Bucket 's3://{bucket}/' removed" in s3cmd_v2("rb", f"s3://{bucket}").stdout


@pytest.mark.sdk_independent
def test_s3cmd_v2_multipart_put_round_trips(s3cmd_v2, bucket, tmp_path):
    size = 12 * MIB + 345
    src = tmp_path / "big.bin"
    digest = write_random_file(src, size)
    s3cmd_v2("put", "--multipart-chunk-size-mb=5", src, f"s3://{bucket}/big.bin", timeout=180)
    dst = tmp_path / "back.bin"
    s3cmd_v2("get", f"s3://{bucket}/big.bin", dst, timeout=180)
    assert os.path.getsize(dst) == size and sha256_file(dst) == digest


@pytest.mark.sdk_independent
def test_s3cmd_v2_with_a_wrong_secret_fails_with_signature_does_not_match(server, bucket, tmp_path):
    s3cmd = S3cmdV2(server.port, tmp_path / "badhome")
    s3cmd.config.write_text(s3cmd.config.read_text().replace(SECRET_KEY, "wrong-secret"))
    out = s3cmd("ls", f"s3://{bucket}", check=False)
    assert out.returncode != 0 and "SignatureDoesNotMatch" in out.stderr, out.stderr
