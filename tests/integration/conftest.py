"""Fixtures that start real `silo server` processes on loopback ports with
temporary data folders, and real S3 clients pointed at them."""

import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[2]
SILO_BIN = Path(os.environ.get("SILO_BIN", ROOT / "build" / "silo"))
ACCESS_KEY = "silo-test-admin"
SECRET_KEY = "silo-test-secret-key-123"
REGION = "us-east-1"


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "sdk_independent: the test does not use boto3 (CLI tools, raw HTTP); "
        "it runs once, not again with the newer SDK",
    )


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SiloServer:
    """One `silo server` process. Stopped by the test (or fixture) that made it."""

    def __init__(self, drives, extra_args=(), env=None, preexec_fn=None, log_dir=None,
                 ca_file=None):
        """`ca_file`: the server speaks HTTPS (its certificate given with
        --certs-dir in `extra_args` or SILO_CERTS_DIR), verified with this CA."""
        self.drives = [str(d) for d in drives]
        self.ca_file = str(ca_file) if ca_file else None
        self.log_dir = Path(log_dir) if log_dir else Path(self.drives[0]).parent
        self.extra_args = list(extra_args)
        self.preexec_fn = preexec_fn
        self.env = dict(os.environ)
        self.env.update({"SILO_ROOT_USER": ACCESS_KEY, "SILO_ROOT_PASSWORD": SECRET_KEY})
        if env:
            self.env.update(env)
        self.port = None
        self.proc = None
        self.log_path = None

    @property
    def endpoint(self):
        return f"{'https' if self.ca_file else 'http'}://127.0.0.1:{self.port}"

    @property
    def verify(self):
        """What `requests` and boto3 take as `verify` for this server."""
        return self.ca_file or True

    def start(self, timeout=15, port=None):
        """Starts the process on `port` (a free one when None) and waits until
        it answers its liveness check."""
        self.port = port or free_port()
        self.log_path = self.log_dir / f"silo-{self.port}.log"
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [str(SILO_BIN), "server", "--address", f"127.0.0.1:{self.port}",
             *self.extra_args, *self.drives],
            stdout=self.log, stderr=subprocess.STDOUT, env=self.env, preexec_fn=self.preexec_fn)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"silo server exited early:\n{self.read_log()}")
            try:
                if requests.get(self.endpoint + "/silo/health/live", timeout=1,
                                verify=self.verify).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"silo server did not become ready:\n{self.read_log()}")

    def read_log(self):
        try:
            return Path(self.log_path).read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log.close()
        return self.proc.returncode if self.proc else None

    def kill(self):
        """kill -9: no chance to clean up."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self.log.close()

    def client(self, **config):
        return make_client(self.endpoint, verify=self.verify, **config)


def make_client(endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY, session_token=None,
                verify=True, **config):
    config.setdefault("retries", {"max_attempts": 1, "mode": "standard"})
    cfg = Config(signature_version="s3v4", s3={"addressing_style": "path"}, **config)
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=access_key,
                        aws_secret_access_key=secret_key, aws_session_token=session_token,
                        region_name=REGION, config=cfg, verify=verify)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """A server shared by the tests of one worker; tests isolate by bucket."""
    drive = tmp_path_factory.mktemp("shared") / "drive"
    srv = SiloServer([drive]).start()
    yield srv
    srv.stop()


@pytest.fixture
def make_server(tmp_path):
    """Starts private servers for tests that restart, kill or corrupt them."""
    servers = []

    def make(drives=None, **kwargs):
        drives = drives or [tmp_path / "drive"]
        srv = SiloServer(drives, **kwargs).start()
        servers.append(srv)
        return srv

    yield make
    for srv in servers:
        srv.stop()


@pytest.fixture
def s3(server):
    return server.client()


@pytest.fixture
def bucket(s3):
    """A fresh, empty bucket; emptied and removed afterwards."""
    name = "test-" + uuid.uuid4().hex[:20]
    s3.create_bucket(Bucket=name)
    yield name
    try:
        paginator = s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=name):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                s3.delete_objects(Bucket=name, Delete={"Objects": keys, "Quiet": True})
        for up in s3.list_multipart_uploads(Bucket=name).get("Uploads", []):
            s3.abort_multipart_upload(Bucket=name, Key=up["Key"], UploadId=up["UploadId"])
        s3.delete_bucket(Bucket=name)
    except Exception:
        pass


def anonymous_client(server):
    """An S3 client that signs nothing: what a browser or curl sends."""
    return boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                        config=Config(signature_version=UNSIGNED,
                                      s3={"addressing_style": "path"},
                                      retries={"max_attempts": 1, "mode": "standard"}))


def error_code(exc_info):
    return exc_info.value.response["Error"]["Code"]


def status_code(exc_info):
    return exc_info.value.response["ResponseMetadata"]["HTTPStatusCode"]
