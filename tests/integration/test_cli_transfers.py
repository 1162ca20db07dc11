"""Large and long transfers of the `silo` client: parallel multipart uploads
(200 MiB), server-side multipart copies, copies between two services, and
one-way mirroring with --overwrite, --remove, --watch, diff, and an
interrupted mirror resumed."""

import json
import os
import signal
import subprocess
import time

import pytest

from cli_backends import Backend, backend, moto, silo_backend  # noqa: F401 (fixtures)
from clihelpers import MIB, sha256_file, tree_digest, write_random_file
from conftest import SILO_BIN

pytestmark = pytest.mark.sdk_independent


def test_200mib_upload_is_a_parallel_multipart_and_round_trips(silo_backend, tmp_path):
    b = silo_backend
    bucket = b.new_bucket()
    src = tmp_path / "big.bin"
    digest = write_random_file(src, 200 * MIB)
    _, (rec,) = b.json_lines("--parallel", "4", "cp", str(src), f"t/{bucket}/big file.bin")
    assert rec["multipart"] is True and rec["size"] == 200 * MIB
    assert rec["etag"].endswith("-13")  # 16 MiB parts
    # Server-side multipart copy, then download the copy.
    _, (rec,) = b.json_lines("cp", f"t/{bucket}/big file.bin", f"t/{bucket}/copy.bin")
    assert rec["serverSide"] is True and rec["multipart"] is True
    out = tmp_path / "back.bin"
    b.silo("cp", f"t/{bucket}/copy.bin", str(out))
    assert sha256_file(out) == digest
    b.silo("rm", f"t/{bucket}/big file.bin", f"t/{bucket}/copy.bin")


def test_multipart_upload_and_copy_on_moto(backend, tmp_path):
    bucket = backend.new_bucket()
    src = tmp_path / "mid.bin"
    digest = write_random_file(src, 40 * MIB + 3)
    _, (rec,) = backend.json_lines("cp", str(src), f"t/{bucket}/mid.bin")
    assert rec["multipart"] is True
    backend.silo("cp", f"t/{bucket}/mid.bin", f"t/{bucket}/mid2.bin")
    out = tmp_path / "out.bin"
    backend.silo("cp", f"t/{bucket}/mid2.bin", str(out))
    assert sha256_file(out) == digest


def test_copy_between_two_services_streams_through_the_client(silo_backend, moto, tmp_path):
    other = Backend("moto", moto.endpoint, "k", "s", tmp_path / "cfg2")
    src_bucket, dst_bucket = silo_backend.new_bucket(), other.new_bucket()
    small, big = os.urandom(1000), os.urandom(20 * MIB + 7)
    silo_backend.s3.put_object(Bucket=src_bucket, Key="small", Body=small, Metadata={"a": "1"})
    silo_backend.s3.put_object(Bucket=src_bucket, Key="dir/big", Body=big)
    env = {"SILO_ALIAS_m": other.env["SILO_ALIAS_t"]}
    silo_backend.silo("cp", "-r", f"t/{src_bucket}/", f"m/{dst_bucket}/", env=env)
    assert other.body(dst_bucket, "small") == small and other.body(dst_bucket, "dir/big") == big
    assert other.s3.head_object(Bucket=dst_bucket, Key="small")["Metadata"] == {"a": "1"}


def make_tree(root, n=6, size=1000):
    for i in range(n):
        p = root / f"d{i % 2}" / f"file {i}+.txt"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(os.urandom(size + i))


def test_mirror_both_ways_skips_what_matches_and_overwrite_remove(backend, tmp_path):
    bucket = backend.new_bucket()
    src = tmp_path / "src"
    make_tree(src)
    _, recs = backend.json_lines("mirror", str(src), f"t/{bucket}/m")
    assert recs[-1]["copied"] == 6 and recs[-1]["skipped"] == 0
    _, recs = backend.json_lines("mirror", str(src), f"t/{bucket}/m")
    assert recs[-1]["copied"] == 0 and recs[-1]["skipped"] == 6
    assert backend.silo("diff", str(src), f"t/{bucket}/m").stdout == ""
    # Back to a new folder; object mtimes become file mtimes, so a re-run copies nothing.
    back = tmp_path / "back"
    backend.silo("mirror", f"t/{bucket}/m", str(back))
    assert tree_digest(back) == tree_digest(src)
    _, recs = backend.json_lines("mirror", f"t/{bucket}/m", str(back))
    assert recs[-1]["copied"] == 0
    # A changed file: reported, not overwritten without --overwrite.
    time.sleep(1.1)
    (src / "d0" / "file 0+.txt").write_bytes(b"changed")
    (src / "d1" / "file 1+.txt").unlink()
    _, recs = backend.json_lines("diff", str(src), f"t/{bucket}/m")
    assert {(r["type"], r["key"]) for r in recs} == {("differs", "d0/file 0+.txt"),
                                                      ("onlyTarget", "d1/file 1+.txt")}
    r, recs = backend.json_lines("mirror", str(src), f"t/{bucket}/m")
    assert r.returncode == 0 and recs[-1]["differing"] == 1
    _, recs = backend.json_lines("mirror", "--overwrite", "--remove", str(src), f"t/{bucket}/m")
    assert recs[-1]["copied"] == 1 and recs[-1]["removed"] == 1
    assert backend.body(bucket, "m/d0/file 0+.txt") == b"changed"
    assert "m/d1/file 1+.txt" not in backend.keys(bucket)


def test_interrupted_mirror_resumes_where_it_stopped(silo_backend, tmp_path):
    b = silo_backend
    bucket = b.new_bucket()
    src = tmp_path / "src"
    make_tree(src, n=60, size=400_000)
    proc = subprocess.Popen([str(SILO_BIN), "--json", "--parallel", "1", "mirror", str(src),
                             f"t/{bucket}"], env=b.env, stdout=subprocess.PIPE, text=True)
    first = json.loads(proc.stdout.readline())  # one object copied: stop it dead
    assert first["status"] == "success"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # A PUT whose body was already sent still completes on the server after
    # the client dies: count once the bucket stops changing.
    done = len(b.keys(bucket))
    for _ in range(20):
        time.sleep(0.25)
        now = len(b.keys(bucket))
        if now == done:
            break
        done = now
    assert 1 <= done < 60
    _, recs = b.json_lines("mirror", str(src), f"t/{bucket}")
    assert recs[-1]["skipped"] == done and recs[-1]["copied"] == 60 - done
    out = tmp_path / "out"
    b.silo("cp", "-r", f"t/{bucket}/", str(out) + "/")
    assert tree_digest(out) == tree_digest(src)


def test_mirror_watch_copies_new_files_until_stopped(backend, tmp_path):
    bucket = backend.new_bucket()
    src = tmp_path / "watched"
    src.mkdir()
    (src / "first").write_text("1")
    proc = subprocess.Popen([str(SILO_BIN), "mirror", "--watch", "--interval", "1", str(src),
                             f"t/{bucket}"], env=backend.env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 20
        (src / "second").write_text("2")
        while time.time() < deadline and backend.keys(bucket) != ["first", "second"]:
            time.sleep(0.2)
        assert backend.keys(bucket) == ["first", "second"]
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(20) == 0
