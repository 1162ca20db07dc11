"""The Go SDKs against a real silo server: minio-go v7 (miniogo/) and
aws-sdk-go v1 (awsgo/), Debian's packages, built offline in GOPATH mode.

Each Go package is compiled once into build/clients/<name>.test and every Go
test function runs as its own pytest test (`-test.run '^TestX$'`) against the
module's server. Run:

    python3 -m pytest tests/clients/go -v
"""

import fcntl
import os
import re
import subprocess
from pathlib import Path

import pytest

import clienthelpers as _conftest

HERE = Path(__file__).resolve().parent
PACKAGES = ("miniogo", "awsgo")  # importable as silotests/<name>
SHARED = ("testutil",)


BUILD = _conftest.BUILD  # build/clients
GOPATH = BUILD / "gopath"


def _go_tests(package):
    """The Go test functions of a package, read from its sources."""
    names = []
    for src in sorted((HERE / package).glob("*_test.go")):
        names += re.findall(r"^func (Test\w+)\(t \*testing\.T\)", src.read_text(), re.M)
    return names


def _go_env():
    env = dict(os.environ)
    env.update({
        "GO111MODULE": "off",
        "GOPATH": f"{GOPATH}:/usr/share/gocode",
        "GOFLAGS": "",
        "GOPROXY": "off",
        "GOTOOLCHAIN": "local",
    })
    return env


def _link_sources():
    src = GOPATH / "src" / "silotests"
    src.mkdir(parents=True, exist_ok=True)
    for name in PACKAGES + SHARED:
        link = src / name
        target = HERE / name
        if link.is_symlink() and Path(os.readlink(link)) == target:
            continue
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(target)


def _build(package):
    """Compiles the package's tests into build/clients/<package>.test (once per
    run; a lock keeps parallel pytest workers from racing)."""
    go = _conftest.require_tool("go")
    BUILD.mkdir(parents=True, exist_ok=True)
    binary = BUILD / f"{package}.test"
    with open(BUILD / f".{package}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _link_sources()
        tmp = BUILD / f".{package}.test.{os.getpid()}"
        proc = subprocess.run(
            [go, "test", "-c", "-o", str(tmp), f"silotests/{package}"],
            cwd=GOPATH / "src" / "silotests" / package, env=_go_env(),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=900)
        out = proc.stdout.decode(errors="replace")
        if proc.returncode != 0:
            pytest.fail(f"go test -c silotests/{package} failed:\n{out}")
        os.replace(tmp, binary)
    return binary


@pytest.fixture(scope="module")
def go_binaries():
    built = {}

    def get(package):
        if package not in built:
            built[package] = _build(package)
        return built[package]
    return get


CASES = [pytest.param(pkg, name, id=f"{pkg}-{name}")
         for pkg in PACKAGES for name in _go_tests(pkg)]


@pytest.mark.sdk_independent
@pytest.mark.parametrize("package,test", CASES)
def test_go_client(server, go_binaries, tmp_path, package, test):
    binary = go_binaries(package)
    env = _conftest.client_env(server, TMPDIR=str(tmp_path))
    _conftest.run_suite(
        [binary, "-test.v", "-test.count=1", "-test.timeout=10m",
         "-test.run", f"^{test}$"],
        env=env, cwd=HERE / package, timeout=900)
