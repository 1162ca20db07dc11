"""`silo server` options: virtual-host-style requests, abandoned-upload expiry,
the drive timeout, health checks, credentials and the startup banner."""

import os
import shutil
import subprocess
import time

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import ACCESS_KEY, REGION, SECRET_KEY, SILO_BIN, SiloServer, free_port
from ec_helpers import wait_for


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
def test_ready_answers_503_while_a_set_lacks_write_quorum(make_server, tmp_path):
    drives = [tmp_path / f"d{i}" for i in range(1, 5)]
    srv = make_server(drives=drives)
    assert requests.get(srv.endpoint + "/silo/health/ready", timeout=5).status_code == 200
    for d in drives[:2]:
        shutil.rmtree(d)
    wait_for(lambda: requests.get(srv.endpoint + "/silo/health/ready",
                                  timeout=5).status_code == 503, 10, "ready to answer 503")
    assert requests.get(srv.endpoint + "/silo/health/live", timeout=5).status_code == 200


def _listening_addresses(port):
    """The local addresses a LISTEN socket of this port is bound to (from /proc)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            addr, hex_port = fields[1].split(":")
            if fields[3] == "0A" and int(hex_port, 16) == port:
                found.add(addr if len(addr) == width else "?")
    return found


def _without_root_env():
    return {k: v for k, v in os.environ.items() if not k.startswith("SILO_ROOT")}


@pytest.mark.sdk_independent
def test_default_credentials_listen_on_loopback_only_and_never_print_the_password(tmp_path):
    port = free_port()
    proc = subprocess.Popen([str(SILO_BIN), "server", "--address", f":{port}", str(tmp_path / "d")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env=_without_root_env())
    try:
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/silo/health/live", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.05)
        # Bound to 127.0.0.1 (0100007F in /proc), not to every interface.
        assert _listening_addresses(port) == {"0100007F"}
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    text = out.decode()
    assert proc.returncode == 0
    assert "RootUser:    siloadmin (default)" in text
    assert "RootPass:    the default" in text and "not shown" in text
    assert "WARNING: default credentials" in text and "loopback" in text


@pytest.mark.sdk_independent
@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "[::]"])
def test_default_credentials_refuse_a_non_loopback_address(tmp_path, host):
    r = subprocess.run([str(SILO_BIN), "server", "--address", f"{host}:{free_port()}",
                        str(tmp_path / "d")], capture_output=True, text=True, timeout=30,
                       env=_without_root_env())
    assert r.returncode == 2
    assert "SILO_ROOT_USER" in r.stderr and "SILO_ROOT_PASSWORD" in r.stderr
    assert "refusing to listen" in r.stderr
    assert not (tmp_path / "d").exists()  # refused before touching the drives


@pytest.mark.sdk_independent
def test_only_a_password_without_a_user_still_counts_as_default_credentials(tmp_path):
    env = dict(_without_root_env(), SILO_ROOT_PASSWORD="a-long-secret-value")
    r = subprocess.run([str(SILO_BIN), "server", "--address", f"0.0.0.0:{free_port()}",
                        str(tmp_path / "d")], capture_output=True, text=True, timeout=30, env=env)
    assert r.returncode == 2 and "SILO_ROOT_USER" in r.stderr


def test_configured_credentials_serve_every_interface_and_the_secret_is_never_printed(
        make_server, tmp_path):
    srv = make_server(extra_args=["--debug"])
    # Every interface, although the fixture's --address names 127.0.0.1: start
    # another one with an empty host.
    port = free_port()
    env = dict(os.environ, SILO_ROOT_USER=ACCESS_KEY, SILO_ROOT_PASSWORD=SECRET_KEY)
    log = tmp_path / "all.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(SILO_BIN), "server", "--debug", "--address", f":{port}",
                                 str(tmp_path / "d2")], stdout=out, stderr=subprocess.STDOUT,
                                env=env)
        try:
            deadline = time.time() + 10
            while time.time() < deadline:
                try:
                    if requests.get(f"http://127.0.0.1:{port}/silo/health/live", timeout=1).ok:
                        break
                except requests.ConnectionError:
                    time.sleep(0.05)
            assert _listening_addresses(port) & {"00000000", "0" * 32}
            s3 = srv.client()
            s3.create_bucket(Bucket="secrets")
            s3.put_object(Bucket="secrets", Key="k", Body=b"v")
        finally:
            proc.terminate()
            proc.wait(30)
    for text in (srv.read_log(), log.read_text()):
        assert "RootUser:    " + ACCESS_KEY + " (from SILO_ROOT_USER)" in text
        assert "RootPass:    from SILO_ROOT_PASSWORD (not shown)" in text
        assert SECRET_KEY not in text
    assert "WARNING: default credentials" not in srv.read_log()


def test_root_credentials_come_from_the_environment(make_server):
    srv = make_server()
    assert "RootUser:    " + ACCESS_KEY in srv.read_log()
    assert "WARNING: default credentials" not in srv.read_log()
    wrong = srv.client(access_key="siloadmin", secret_key="siloadmin")
    with pytest.raises(wrong.exceptions.ClientError) as e:
        wrong.list_buckets()
    assert e.value.response["Error"]["Code"] == "InvalidAccessKeyId"


@pytest.mark.sdk_independent
@pytest.mark.parametrize("how", ["flag", "environment"])
def test_drive_timeout_comes_from_the_flag_or_the_environment(make_server, tmp_path, how):
    drives = [tmp_path / f"d{i}" for i in range(4)]
    if how == "flag":
        srv = make_server(drives=drives, extra_args=["--drive-timeout", "750ms"])
    else:
        srv = make_server(drives=drives, env={"SILO_DRIVE_TIMEOUT": "2s"})
    s3 = srv.client()
    s3.create_bucket(Bucket="timely")
    s3.put_object(Bucket="timely", Key="k", Body=b"x" * 300_000)
    assert s3.get_object(Bucket="timely", Key="k")["Body"].read() == b"x" * 300_000


@pytest.mark.sdk_independent
def test_bad_command_lines_exit_with_a_message(tmp_path):
    cases = [
        (["--address", "nonsense"], "--address"),
        (["--stale-uploads-expiry", "soon"], "stale-uploads-expiry"),
        (["--drive-timeout", "soon"], "drive-timeout"),
        (["--drive-timeout", "0s"], "drive-timeout"),
    ]
    for args, word in cases:
        r = subprocess.run([str(SILO_BIN), "server", *args, str(tmp_path / "d")],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode != 0 and word in r.stderr
    r = subprocess.run([str(SILO_BIN), "server", "--address", "127.0.0.1:0",
                        *[str(tmp_path / f"x{i}") for i in range(17)]],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "erasure sets" in r.stderr
