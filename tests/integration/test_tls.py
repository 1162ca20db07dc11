"""HTTPS: `silo server --certs-dir` serving TLS to S3 clients, the `silo`
client's trust of CAs (its config folder's certs/CAs/, --insecure),
protocol versions, certificate replacement without a restart, the handshake
timeout, and a cluster whose nodes call each other over HTTPS."""

import json
import os
import shutil
import socket
import ssl
import subprocess
import time
import uuid
import warnings

import botocore.exceptions
import pytest
import requests

from cluster import Cluster
from clihelpers import clean_env, run_cli
from conftest import ACCESS_KEY, SECRET_KEY, SILO_BIN, SiloServer, make_client
from tls import TestCA, cert_serial


@pytest.fixture
def ca(tmp_path):
    return TestCA(tmp_path / "ca")


@pytest.fixture
def tls_server(tmp_path, ca):
    certs = ca.issue(tmp_path / "certs")
    srv = SiloServer([tmp_path / "drive"], extra_args=["--certs-dir", str(certs)],
                     ca_file=ca.cert).start()
    yield srv
    srv.stop()


def served_certificate(port, timeout=5):
    """The PEM certificate a new connection is served (not verified)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        with ctx.wrap_socket(sock) as tls:
            return ssl.DER_cert_to_PEM_cert(tls.getpeercert(binary_form=True))


def handshake(port, ciphers=None, **versions):
    """Handshakes offering `ciphers` (TLS 1.2 suites) and the given
    minimum_version/maximum_version; returns the negotiated version and
    cipher."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if ciphers:
        ctx.set_ciphers(ciphers)
    for name, value in versions.items():
        setattr(ctx, name, value)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        with ctx.wrap_socket(sock) as tls:
            return tls.version(), tls.cipher()[0]


def test_boto3_puts_gets_and_lists_over_https(tls_server):
    s3 = tls_server.client()
    s3.create_bucket(Bucket="secure")
    body = os.urandom(300_000)  # not inline: shard files
    s3.put_object(Bucket="secure", Key="a/b.bin", Body=body)
    s3.put_object(Bucket="secure", Key="small", Body=b"tiny")
    assert s3.get_object(Bucket="secure", Key="a/b.bin")["Body"].read() == body
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="secure")["Contents"]]
    assert keys == ["a/b.bin", "small"]
    # An answer that names the object's URL names it with https.
    up = s3.create_multipart_upload(Bucket="secure", Key="mp")["UploadId"]
    etag = s3.upload_part(Bucket="secure", Key="mp", UploadId=up, PartNumber=1,
                          Body=b"part")["ETag"]
    done = s3.complete_multipart_upload(Bucket="secure", Key="mp", UploadId=up,
                                        MultipartUpload={"Parts": [{"PartNumber": 1,
                                                                    "ETag": etag}]})
    assert done["Location"].startswith("https://127.0.0.1:")
    # Health and admin answer on the same port, over TLS too.
    assert requests.get(tls_server.endpoint + "/silo/health/ready",
                        verify=tls_server.verify).status_code == 200


def test_a_client_without_the_ca_fails_verification(tls_server):
    s3 = make_client(tls_server.endpoint)  # the system CAs only
    with pytest.raises(botocore.exceptions.SSLError):
        s3.list_buckets()


def test_plain_http_to_the_tls_port_is_told_to_use_https(tls_server):
    r = requests.get(f"http://127.0.0.1:{tls_server.port}/silo/health/live", timeout=5)
    assert r.status_code == 400
    assert "use an https:// URL" in r.text


def test_only_tls_1_2_and_1_3_with_strong_ciphers(tls_server):
    port = tls_server.port
    assert handshake(port)[0] == "TLSv1.3"
    version, cipher = handshake(port, maximum_version=ssl.TLSVersion.TLSv1_2)
    assert version == "TLSv1.2" and ("GCM" in cipher or "CHACHA20" in cipher), cipher
    # TLS 1.1: the client is allowed it (security level 0), the server refuses.
    warnings.filterwarnings("ignore", "ssl.TLSVersion.TLSv1", DeprecationWarning)
    with pytest.raises(ssl.SSLError) as refused:
        handshake(port, minimum_version=ssl.TLSVersion.TLSv1,
                  maximum_version=ssl.TLSVersion.TLSv1_1, ciphers="ALL:@SECLEVEL=0")
    assert "NO_PROTOCOLS_AVAILABLE" not in str(refused.value), "the client could not offer 1.1"
    # TLS 1.2 with a CBC suite (no AEAD): refused.
    with pytest.raises(ssl.SSLError):
        handshake(port, maximum_version=ssl.TLSVersion.TLSv1_2,
                  ciphers="ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384")


def test_a_client_that_never_handshakes_blocks_nobody_and_is_let_go(tmp_path, ca):
    certs = ca.issue(tmp_path / "certs")
    srv = SiloServer([tmp_path / "drive"], extra_args=["--certs-dir", str(certs),
                                                       "--header-timeout", "2s"],
                     ca_file=ca.cert).start()
    try:
        silent = [socket.create_connection(("127.0.0.1", srv.port)) for _ in range(20)]
        began = time.monotonic()
        s3 = srv.client()
        s3.create_bucket(Bucket="busy")
        s3.put_object(Bucket="busy", Key="k", Body=b"v")
        assert s3.get_object(Bucket="busy", Key="k")["Body"].read() == b"v"
        assert time.monotonic() - began < 2
        # The server closes them once the handshake timeout passed.
        for sock in silent:
            sock.settimeout(10)
            assert sock.recv(1) == b""
            sock.close()
        assert time.monotonic() - began < 8
        # Half a hello, then nothing: closed as well.
        with socket.create_connection(("127.0.0.1", srv.port)) as sock:
            sock.sendall(b"\x16\x03\x01\x02\x00\x01")
            sock.settimeout(10)
            assert sock.recv(1) == b""
    finally:
        srv.stop()


def test_a_replaced_certificate_is_served_without_a_restart(tmp_path, ca):
    certs = ca.issue(tmp_path / "certs", common_name="first", serial=1)
    # The folder from the environment, as a container would give it.
    srv = SiloServer([tmp_path / "drive"], env={"SILO_CERTS_DIR": str(certs)},
                     ca_file=ca.cert).start()
    try:
        s3 = srv.client()
        s3.create_bucket(Bucket="renew")
        assert cert_serial(served_certificate(srv.port)) == "01"
        ca.issue(certs, common_name="second", serial=2)
        deadline = time.monotonic() + 10
        while cert_serial(served_certificate(srv.port)) != "02":
            assert time.monotonic() < deadline, "the new certificate was not served"
            time.sleep(0.2)
        s3.put_object(Bucket="renew", Key="k", Body=b"after renewal")
        # A broken replacement is not loaded: the last good one stays.
        (certs / "public.crt").write_text("-----BEGIN CERTIFICATE-----\nbroken\n")
        time.sleep(3)
        assert cert_serial(served_certificate(srv.port)) == "02"
        assert srv.client().get_object(Bucket="renew", Key="k")["Body"].read() == b"after renewal"
        assert "was not loaded" in srv.read_log()
    finally:
        srv.stop()


def test_the_server_refuses_a_certs_dir_without_its_files(tmp_path):
    (tmp_path / "empty").mkdir()
    proc = subprocess.run([str(SILO_BIN), "server", "--address", "127.0.0.1:0", "--certs-dir",
                           str(tmp_path / "empty"), str(tmp_path / "drive")],
                          capture_output=True, text=True, timeout=30,
                          env={**os.environ, "SILO_ROOT_USER": ACCESS_KEY,
                               "SILO_ROOT_PASSWORD": SECRET_KEY})
    assert proc.returncode == 2
    assert "public.crt" in proc.stderr


# ---------------------------------------------------------------- the silo client

def silo(args, config_dir, check=False):
    env = clean_env(SILO_CONFIG_DIR=str(config_dir), SILO_ROOT_USER=ACCESS_KEY,
                    SILO_ROOT_PASSWORD=SECRET_KEY)
    return run_cli([SILO_BIN, *args], env, timeout=60, check=check)


def test_the_silo_client_trusts_the_cas_of_its_config_folder(tls_server, ca, tmp_path):
    config = tmp_path / "silo-config"
    silo(["alias", "set", "tls", tls_server.endpoint, ACCESS_KEY, SECRET_KEY], config, check=True)
    bucket = "cli-" + uuid.uuid4().hex[:10]

    # Not trusted yet: the error says where to put the CA, or --insecure.
    began = time.monotonic()
    r = silo(["mb", f"tls/{bucket}"], config)
    assert r.returncode == 1
    assert str(config / "certs" / "CAs") in r.stderr and "--insecure" in r.stderr, r.stderr
    assert time.monotonic() - began < 5, "a certificate that does not verify is not retried"
    r = silo(["--json", "ls", "tls"], config)
    assert r.returncode == 1 and json.loads(r.stdout.splitlines()[-1])["error"]["code"] == "tls"
    r = silo(["admin", "info", "tls"], config)
    assert r.returncode != 0 and "certs/CAs" in (r.stdout + r.stderr)

    # --insecure, anywhere on the line, reaches every command.
    silo(["--insecure", "mb", f"tls/{bucket}"], config, check=True)
    silo(["ls", "tls", "--insecure"], config, check=True)
    silo(["--insecure", "admin", "info", "tls"], config, check=True)
    silo(["admin", "info", "tls", "--insecure"], config, check=True)

    # The CA in certs/CAs: trusted by every command.
    (config / "certs" / "CAs").mkdir(parents=True)
    shutil.copy(ca.cert, config / "certs" / "CAs" / "test-ca.crt")
    src = tmp_path / "hello.txt"
    src.write_text("hello over TLS")
    silo(["cp", str(src), f"tls/{bucket}/hello.txt"], config, check=True)
    assert silo(["cat", f"tls/{bucket}/hello.txt"], config, check=True).stdout == "hello over TLS"
    info = json.loads(silo(["admin", "info", "tls", "--json"], config, check=True).stdout)
    assert info["nodes"][0]["endpoint"].startswith("https://")
    silo(["bench", "stat", "--endpoint", "tls", "--duration", "1s", "--concurrency", "2",
          "--objects", "4"], config, check=True)


def test_silo_bench_takes_https_endpoints_and_insecure(tls_server, tmp_path):
    config = tmp_path / "empty-config"
    args = ["bench", "get", "--endpoint", tls_server.endpoint, "--access-key", ACCESS_KEY,
            "--secret-key", SECRET_KEY, "--size", "1KiB", "--duration", "1s",
            "--concurrency", "2", "--objects", "4"]
    r = silo(args, config)
    assert r.returncode != 0 and "--insecure" in r.stderr, r.stderr
    silo(args + ["--insecure"], config, check=True)
    silo(["--insecure", *args], config, check=True)


def test_an_http_url_for_a_tls_server_says_to_use_https(tls_server, tmp_path):
    config = tmp_path / "silo-config"
    plain = tls_server.endpoint.replace("https://", "http://")
    silo(["alias", "set", "plain", plain, ACCESS_KEY, SECRET_KEY], config, check=True)
    r = silo(["ls", "plain"], config)
    assert r.returncode == 1 and "https://" in r.stderr, r.stderr


# ---------------------------------------------------------------- a cluster over HTTPS

def test_a_cluster_calls_its_nodes_over_https(tmp_path, ca):
    certs = ca.issue(tmp_path / "certs")  # every node serves it; CAs/ trusts the test CA
    (tmp_path / "cluster").mkdir()
    cluster = Cluster(tmp_path / "cluster", nodes=2, drives_per_node=2,
                      extra_args=["--certs-dir", str(certs)], ca_file=ca.cert)
    cluster.start()
    try:
        # A peer probe that times out on a loaded machine takes a node
        # offline for a moment (SlowDown): retried, as SDKs do by default.
        retries = {"max_attempts": 5, "mode": "standard"}
        first, second = cluster.client(0, retries=retries), cluster.client(1, retries=retries)
        first.create_bucket(Bucket="spread")
        body = os.urandom(2 * 1024 * 1024 + 5)
        first.put_object(Bucket="spread", Key="big", Body=body)
        first.put_object(Bucket="spread", Key="small", Body=b"tiny")
        assert second.get_object(Bucket="spread", Key="big")["Body"].read() == body
        assert second.get_object(Bucket="spread", Key="small")["Body"].read() == b"tiny"
        keys = [o["Key"] for o in second.list_objects_v2(Bucket="spread")["Contents"]]
        assert keys == ["big", "small"]
    except Exception:
        print(cluster.logs())
        raise
    finally:
        cluster.stop()


def test_nodes_that_do_not_trust_each_others_ca_say_so(tmp_path, ca):
    certs = ca.issue(tmp_path / "certs", trust_self=False)  # no CAs/: the test CA is unknown
    (tmp_path / "cluster").mkdir()
    cluster = Cluster(tmp_path / "cluster", nodes=2, drives_per_node=2,
                      extra_args=["--certs-dir", str(certs)], ca_file=ca.cert)
    try:
        for i, node in enumerate(cluster.nodes):
            node.start(port=cluster.ports[i])  # live, not ready: they cannot agree on a format
        deadline = time.monotonic() + 20
        while "CAs/" not in cluster.nodes[0].read_log():
            assert time.monotonic() < deadline, cluster.logs()
            time.sleep(0.2)
        assert "certificate" in cluster.nodes[0].read_log()
    finally:
        cluster.stop()


def test_endpoints_and_certs_dir_must_agree(tmp_path, ca):
    certs = ca.issue(tmp_path / "certs")
    env = {**os.environ, "SILO_ROOT_USER": ACCESS_KEY, "SILO_ROOT_PASSWORD": SECRET_KEY}

    def start(scheme, *extra):
        arg = f"{scheme}://127.0.0.1:9977{tmp_path}/n1/d{{1...2}},{scheme}://127.0.0.1:9978{tmp_path}/n2/d{{1...2}}"
        return subprocess.run([str(SILO_BIN), "server", "--address", "127.0.0.1:9977", *extra,
                               arg], capture_output=True, text=True, timeout=30, env=env)

    no_certs = start("https")
    assert no_certs.returncode == 2 and "--certs-dir" in no_certs.stderr
    plain = start("http", "--certs-dir", str(certs))
    assert plain.returncode == 2 and "https://" in plain.stderr
