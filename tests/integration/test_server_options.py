"""`silo server` options: virtual-host-style requests, abandoned-upload expiry,
health checks, credentials and the startup banner."""

import os
import subprocess
import time

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import ACCESS_KEY, REGION, SECRET_KEY, SILO_BIN, SiloServer, free_port


def signed(method, url, host, body=b""):
    req = AWSRequest(method=method, url=url, data=body, headers={"Host": host})
    req.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD"
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", REGION).add_auth(req)
    return requests.request(method, url, data=body, headers=dict(req.headers), timeout=10)


@pytest.mark.sdk_independent
def test_virtual_host_style_requests_name_the_bucket_in_the_host(make_server):
    srv = make_server(extra_args=["--domain", "silo.test"])
    s3 = srv.client()
    s3.create_bucket(Bucket="vhost-bucket")
    host = f"vhost-bucket.silo.test:{srv.port}"
    put = signed("PUT", f"{srv.endpoint}/dir/hello.txt", host, b"virtual hello")
    assert put.status_code == 200, put.text
    # The object landed in the bucket named by the host, under the path as key.
    assert s3.get_object(Bucket="vhost-bucket", Key="dir/hello.txt")["Body"].read() == b"virtual hello"
    got = signed("GET", f"{srv.endpoint}/dir/hello.txt", host)
    assert got.status_code == 200 and got.content == b"virtual hello"
    listing = signed("GET", f"{srv.endpoint}/?list-type=2", host)
    assert listing.status_code == 200 and "<Key>dir/hello.txt</Key>" in listing.text
    # Path-style requests keep working next to it.
    assert s3.head_object(Bucket="vhost-bucket", Key="dir/hello.txt")["ContentLength"] == 13


def test_abandoned_multipart_uploads_expire(make_server):
    srv = make_server(extra_args=["--stale-uploads-expiry", "2s"])
    s3 = srv.client()
    s3.create_bucket(Bucket="expiry")
    upload = s3.create_multipart_upload(Bucket="expiry", Key="left-behind")["UploadId"]
    s3.upload_part(Bucket="expiry", Key="left-behind", UploadId=upload, PartNumber=1, Body=b"x" * 1000)
    deadline = time.time() + 20
    while time.time() < deadline:
        if not s3.list_multipart_uploads(Bucket="expiry").get("Uploads"):
            break
        time.sleep(0.3)
    assert not s3.list_multipart_uploads(Bucket="expiry").get("Uploads")
    with pytest.raises(s3.exceptions.ClientError) as e:
        s3.list_parts(Bucket="expiry", Key="left-behind", UploadId=upload)
    assert e.value.response["Error"]["Code"] == "NoSuchUpload"
    # Its part file is gone from the drive too.
    drive = srv.drives[0]
    parts = [f for _, _, files in os.walk(os.path.join(drive, "data")) for f in files]
    assert parts == []


@pytest.mark.sdk_independent
def test_health_endpoints_need_no_credentials(server):
    for path in ("/silo/health/live", "/silo/health/ready"):
        assert requests.get(server.endpoint + path, timeout=5).status_code == 200


@pytest.mark.sdk_independent
def test_default_credentials_are_announced_loudly(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SILO_ROOT")}
    proc = subprocess.Popen([str(SILO_BIN), "server", "--address", f"127.0.0.1:{port}",
                             str(tmp_path / "d")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env=env)
    try:
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/silo/health/live", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.05)
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    text = out.decode()
    assert proc.returncode == 0
    assert "RootUser:    siloadmin" in text and "WARNING: default credentials" in text


def test_root_credentials_come_from_the_environment(make_server):
    srv = make_server()
    assert "RootUser:    " + ACCESS_KEY in srv.read_log()
    assert "WARNING: default credentials" not in srv.read_log()
    wrong = srv.client(access_key="siloadmin", secret_key="siloadmin")
    with pytest.raises(wrong.exceptions.ClientError) as e:
        wrong.list_buckets()
    assert e.value.response["Error"]["Code"] == "InvalidAccessKeyId"


@pytest.mark.sdk_independent
def test_bad_command_lines_exit_with_a_message(tmp_path):
    cases = [
        (["--address", "nonsense"], "--address"),
        (["--stale-uploads-expiry", "soon"], "stale-uploads-expiry"),
    ]
    for args, word in cases:
        r = subprocess.run([str(SILO_BIN), "server", *args, str(tmp_path / "d")],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode != 0 and word in r.stderr
    r = subprocess.run([str(SILO_BIN), "server", "--address", "127.0.0.1:0",
                        *[str(tmp_path / f"x{i}") for i in range(17)]],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "erasure sets" in r.stderr
