"""`silo` client edge cases found in review: keys with dot segments, objects
whose names would escape the download folder, interrupted transfers, JSON on
usage errors, and completion of nested commands."""

import json
import os
import signal
import subprocess
import time

import pytest

from cli_backends import Backend, backend, moto, silo_backend  # noqa: F401 (fixtures)
from clihelpers import write_random_file
from conftest import SILO_BIN

pytestmark = pytest.mark.sdk_independent


def test_keys_with_dot_segments_reach_the_object_they_name(backend, tmp_path):
    # libcurl squashes "/./" and "/../" in URLs unless told not to: the request
    # then went to another object (or bucket) and failed or hit the wrong key.
    bucket = backend.new_bucket()
    backend.s3.put_object(Bucket=bucket, Key="ok.txt", Body=b"plain")
    backend.s3.put_object(Bucket=bucket, Key="a/../ok.txt", Body=b"dotdot")
    backend.s3.put_object(Bucket=bucket, Key="b/./c.txt", Body=b"dot")
    assert backend.silo("cat", f"t/{bucket}/a/../ok.txt").stdout == "dotdot"
    assert backend.silo("cat", f"t/{bucket}/b/./c.txt").stdout == "dot"
    backend.silo("cp", f"t/{bucket}/a/../ok.txt", f"t/{bucket}/copy/a/../x.txt")
    assert backend.body(bucket, "copy/a/../x.txt") == b"dotdot"
    src = tmp_path / "f.txt"
    src.write_bytes(b"up")
    backend.silo("cp", str(src), f"t/{bucket}/up/../f.txt")
    assert backend.body(bucket, "up/../f.txt") == b"up"
    backend.silo("rm", f"t/{bucket}/a/../ok.txt")
    assert backend.body(bucket, "ok.txt") == b"plain"
    assert "a/../ok.txt" not in backend.keys(bucket)


def test_downloads_never_write_outside_the_target_folder(backend, tmp_path):
    bucket = backend.new_bucket()
    backend.s3.put_object(Bucket=bucket, Key="../../escape.txt", Body=b"evil")
    backend.s3.put_object(Bucket=bucket, Key="sub/../../escape2.txt", Body=b"evil")
    backend.s3.put_object(Bucket=bucket, Key="fine.txt", Body=b"fine")
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    for args in (["cp", "-r", f"t/{bucket}/", "out/"], ["mirror", f"t/{bucket}", "mir"]):
        r = backend.silo(*args, check=False, cwd=work)
        assert r.returncode == 1
        assert f"t/{bucket}/../../escape.txt" in r.stderr and "outside" in r.stderr
        assert f"t/{bucket}/sub/../../escape2.txt" in r.stderr
    found = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert found == ["a/b/mir/fine.txt", "a/b/out/fine.txt"]
