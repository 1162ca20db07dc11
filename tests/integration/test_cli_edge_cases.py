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


def _uploads(backend, bucket):
    return backend.s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupting_a_transfer_leaves_no_partial_file_or_open_upload(silo_backend, tmp_path, sig):
    b = silo_backend
    bucket = b.new_bucket()
    big = tmp_path / "big"
    write_random_file(big, 300 * 1024 * 1024)
    # Upload: one connection and small parts, so it is mid-way when stopped.
    proc = subprocess.Popen([SILO_BIN, "--parallel", "1", "--part-size", "5MiB", "cp", str(big),
                             f"t/{bucket}/big"], env=b.env, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while time.time() < deadline and not _uploads(b, bucket):
        time.sleep(0.05)
    assert _uploads(b, bucket), "the multipart upload never started"
    proc.send_signal(sig)
    assert proc.wait(30) == 128 + sig
    assert _uploads(b, bucket) == [] and b.keys(bucket) == []
    assert "interrupted" in proc.stderr.read()
    # Download: stopped once the partial file has grown.
    b.silo("--part-size", "64MiB", "cp", str(big), f"t/{bucket}/big")
    out = tmp_path / "out"
    proc = subprocess.Popen([SILO_BIN, "cp", f"t/{bucket}/big", str(out)], env=b.env,
                            stderr=subprocess.DEVNULL)
    partial = tmp_path / "out.silo-partial"
    deadline = time.time() + 30
    while time.time() < deadline and not (partial.exists() and partial.stat().st_size > 0):
        time.sleep(0.01)
    proc.send_signal(sig)
    assert proc.wait(30) == 128 + sig
    assert not partial.exists() and not out.exists()


def test_interrupted_pipe_does_not_wait_for_a_silent_producer(silo_backend):
    b = silo_backend
    bucket = b.new_bucket()
    proc = subprocess.Popen([SILO_BIN, "pipe", f"t/{bucket}/never"], env=b.env,
                            stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(5) == 128 + signal.SIGTERM
        assert "interrupted" in proc.stderr.read()
        assert b.keys(bucket) == []
    finally:
        proc.stdin.close()
        proc.kill() if proc.poll() is None else None


def test_ls_of_a_missing_key_fails_and_of_one_object_names_it_once(backend, tmp_path):
    bucket = backend.new_bucket()
    backend.s3.put_object(Bucket=bucket, Key="dir/dir", Body=b"x")
    backend.s3.put_object(Bucket=bucket, Key="one.txt", Body=b"x")
    r = backend.silo("ls", f"t/{bucket}/nokey", check=False)
    assert r.returncode == 1 and f"silo: ls: t/{bucket}/nokey: NoSuchKey (404)" in r.stderr
    _, (rec,) = backend.json_lines("ls", f"t/{bucket}/one.txt")
    assert rec["target"] == f"t/{bucket}/one.txt" and rec["key"] == "one.txt"
    _, (rec,) = backend.json_lines("find", f"t/{bucket}/dir", "--name", "dir")
    assert rec["target"] == f"t/{bucket}/dir/dir"
    assert backend.silo("find", f"t/{bucket}/dir").stdout.split() == [f"t/{bucket}/dir/dir"]
    f = tmp_path / "local.txt"
    f.write_text("x")
    _, (rec,) = backend.json_lines("ls", str(f))
    assert rec["target"] == str(f)


def test_copying_a_missing_object_says_no_such_key(backend):
    bucket = backend.new_bucket()
    for cmd in ("cp", "mv"):
        r = backend.silo(cmd, f"t/{bucket}/nokey", f"t/{bucket}/dst", check=False)
        assert r.returncode == 1
        assert f"silo: {cmd}: t/{bucket}/nokey: NoSuchKey (404)" in r.stderr


def test_json_usage_errors_and_admin_are_json_records(silo_backend):
    b = silo_backend
    for args in (["--json", "cp", "--no-such-flag", "a", "b"], ["cp", "a", "--json"],
                 ["--json", "head", "-n", "x", "t/b/k"], ["--json", "nosuchcommand"]):
        r = b.silo(*args, check=False)
        assert r.returncode == 2, args
        lines = r.stdout.splitlines()
        assert len(lines) == 1, (args, r.stdout, r.stderr)
        rec = json.loads(lines[0])
        assert rec["status"] == "error" and rec["error"]["message"], args
    r = b.silo("--json", "admin", "info", "t")
    rec = json.loads(r.stdout)
    assert rec["status"] == "success" and rec["usage"]["buckets"] >= 0
    r = b.silo("--json", "admin", "info", "--endpoint", "http://127.0.0.1:1", "--access-key",
               "a", "--secret-key", "b", check=False)
    assert r.returncode == 1
    rec = json.loads(r.stdout)
    assert rec["status"] == "error" and rec["error"]["code"] == "network"


def _complete(backend, *words, cwd=None, bin_dir=None):
    script = backend.silo("completion", "bash").stdout
    line = " ".join(f"'{w}'" for w in words)
    prog = (script + f"\nCOMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; _silo; "
            'printf "%s\\n" "${COMPREPLY[@]}"\n')
    # The script calls `silo` by name: give it one, whatever SILO_BIN is called.
    path = "/usr/bin:/bin"
    if bin_dir is not None:
        bin_dir.mkdir(exist_ok=True)
        link = bin_dir / "silo"
        if not link.exists():
            link.symlink_to(os.path.abspath(SILO_BIN))
        path = f"{bin_dir}:{path}"
    r = subprocess.run(["bash", "-c", prog], capture_output=True, text=True, timeout=30, cwd=cwd,
                       env={**backend.env, "PATH": path})
    assert r.returncode == 0, r.stderr
    return r.stdout.split()


def test_completion_offers_nested_commands_and_their_options(silo_backend, tmp_path):
    b = silo_backend
    assert _complete(b, "silo", "share", "") == ["download", "upload"]
    assert _complete(b, "silo", "alias", "s") == ["set"]
    assert "mirror" in _complete(b, "silo", "help", "m")
    assert "--expire" in _complete(b, "silo", "share", "download", "--e")
    assert "--names" in _complete(b, "silo", "alias", "ls", "--n")
    work = tmp_path / "work"
    work.mkdir()
    assert _complete(b, "silo", "ls", "t", cwd=work, bin_dir=tmp_path / "bin") == ["t/"]


def test_stat_json_dates_are_iso8601_like_ls(backend, tmp_path):
    bucket = backend.new_bucket()
    backend.s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    f = tmp_path / "f"
    f.write_text("x")
    _, (ls_rec,) = backend.json_lines("ls", f"t/{bucket}/k")
    _, (stat_rec,) = backend.json_lines("stat", f"t/{bucket}/k")
    # HEAD dates have whole seconds, listings may have milliseconds.
    assert stat_rec["lastModified"][:19] == ls_rec["lastModified"][:19]
    assert stat_rec["lastModified"].endswith("Z")
    _, (local,) = backend.json_lines("stat", str(f))
    assert local["lastModified"].endswith("Z") and "T" in local["lastModified"]
