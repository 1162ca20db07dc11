"""Fixtures for the `silo` client command tests: the two S3 services the
client is run against (a real `silo server`, and moto_server as an
independent S3 implementation), and a runner with an isolated config dir.

moto_server binds 127.0.0.1 on a free port and is stopped by its fixture; when
the pyenv Python that ships it is missing, the moto half of every test skips."""

import json
import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests

from clihelpers import clean_env, run_cli
from conftest import ACCESS_KEY, SECRET_KEY, SILO_BIN, make_client

MOTO_BIN = Path("/root/.pyenv/versions/3.11.7/bin/moto_server")


class MotoServer:
    def __init__(self, log_dir):
        from conftest import free_port
        self.port = free_port()
        self.log = open(Path(log_dir) / f"moto-{self.port}.log", "ab")
        self.proc = subprocess.Popen([str(MOTO_BIN), "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("moto_server exited early")
            try:
                requests.get(self.endpoint, timeout=5)
                return
            except (requests.ConnectionError, requests.Timeout):
                # Not listening yet, or (on a loaded machine) slow to answer
                # its first request: wait until the deadline.
                time.sleep(0.1)
        raise RuntimeError("moto_server did not start")

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture(scope="session")
def moto(tmp_path_factory):
    if not MOTO_BIN.exists():
        pytest.skip(f"moto_server not installed at {MOTO_BIN}")
    srv = MotoServer(tmp_path_factory.mktemp("moto"))
    yield srv
    srv.stop()


class Backend:
    """One S3 service seen through the CLI (alias `t`, from the environment)
    and through boto3 (for independent checks)."""

    def __init__(self, name, endpoint, access, secret, config_dir):
        self.name = name
        self.endpoint = endpoint
        self.s3 = make_client(endpoint, access_key=access, secret_key=secret)
        host = endpoint.split("://", 1)[1]
        self.env = clean_env(SILO_CONFIG_DIR=str(config_dir),
                             SILO_ALIAS_t=f"http://{access}:{secret}@{host}")
        self.env = {k: v for k, v in self.env.items() if k not in ("SILO_ROOT_USER", "SILO_ROOT_PASSWORD")}

    def silo(self, *args, check=True, timeout=300, env=None, cwd=None):
        return run_cli([SILO_BIN, *args], {**self.env, **(env or {})}, timeout=timeout,
                       check=check, cwd=cwd)

    def json_lines(self, *args, check=True):
        r = self.silo("--json", *args, check=check)
        return r, [json.loads(line) for line in r.stdout.splitlines() if line.strip()]

    def new_bucket(self):
        name = "cli-" + uuid.uuid4().hex[:16]
        self.s3.create_bucket(Bucket=name)
        return name

    def keys(self, bucket):
        out = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            out += [o["Key"] for o in page.get("Contents", [])]
        return sorted(out)

    def body(self, bucket, key):
        return self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()


@pytest.fixture(params=["silo", "moto"])
def backend(request, tmp_path):
    if request.param == "silo":
        srv = request.getfixturevalue("server")
        return Backend("silo", srv.endpoint, ACCESS_KEY, SECRET_KEY, tmp_path / "cfg")
    srv = request.getfixturevalue("moto")
    return Backend("moto", srv.endpoint, "motokey", "motosecret", tmp_path / "cfg")


@pytest.fixture
def silo_backend(server, tmp_path):
    return Backend("silo", server.endpoint, ACCESS_KEY, SECRET_KEY, tmp_path / "cfg")
