"""Helpers for the client-suite drivers in tests/clients/<client>/: the
environment a client reads its endpoint and credentials from, and running a
client's own test runner. (pytest puts tests/clients on sys.path for its
conftest, so drivers `import clienthelpers`.)"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "clients"
ACCESS_KEY = "silo-test-admin"
SECRET_KEY = "silo-test-secret-key-123"


def client_env(srv, **extra):
    """The environment a client suite reads its endpoint and credentials from."""
    env = dict(os.environ)
    env.update({
        "SILO_ENDPOINT": srv.endpoint,
        "SILO_HOSTPORT": srv.endpoint.removeprefix("http://"),
        "SILO_ACCESS_KEY": ACCESS_KEY,
        "SILO_SECRET_KEY": SECRET_KEY,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    })
    env.update(extra)
    return env


def run_suite(cmd, env, cwd, timeout=900):
    """Runs a client's own test runner and fails with its output when it fails."""
    proc = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=timeout)
    out = proc.stdout.decode(errors="replace")
    print(out)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{out[-20000:]}"
    return out


def require_tool(name):
    path = shutil.which(name)
    if not path:
        pytest.fail(f"{name} is not installed: run ./scripts/setup.sh")
    return path
