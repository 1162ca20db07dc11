"""`silo` client commands against a real Silo server and against moto_server:
aliases, buckets, listing, copies both ways, reading, removing, finding,
sharing, JSON output and exit codes."""

import json
import os
import stat
import subprocess
import time

import pytest
import requests

from cli_backends import Backend, backend, moto, silo_backend  # noqa: F401 (fixtures)
from clihelpers import WEIRD_NAMES, tree_digest, write_weird_files
from conftest import SILO_BIN

pytestmark = pytest.mark.sdk_independent


def test_alias_set_ls_rm_keeps_secrets_in_a_private_file(backend, tmp_path):
    r = backend.silo("alias", "set", "mine", backend.endpoint, "AK", "SECRET-XYZ")
    cfg = tmp_path / "cfg" / "config.json"
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    assert json.loads(cfg.read_text())["aliases"]["mine"]["url"] == backend.endpoint
    _, recs = backend.json_lines("alias", "ls")
    by_name = {r["alias"]: r for r in recs}
    assert by_name["mine"]["accessKey"] == "AK" and by_name["t"]["source"] == "env"
    assert "SECRET-XYZ" not in backend.silo("alias", "ls").stdout
    backend.silo("alias", "rm", "mine")
    assert "mine" not in json.loads(cfg.read_text())["aliases"]
    r = backend.silo("alias", "rm", "mine", check=False)
    assert r.returncode == 1 and "no such alias" in r.stderr
    r = backend.silo("alias", "set", "9bad", backend.endpoint, "a", "b", check=False)
    assert r.returncode == 2


def test_mb_region_sets_the_buckets_location(backend):
    name = "cli-mb-region-" + os.urandom(6).hex()
    backend.silo("mb", "--region", "eu-west-1", f"t/{name}")
    try:
        assert backend.s3.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"
    finally:
        backend.silo("rb", f"t/{name}")
    backend.silo("mb", "--region", "us-east-1", f"t/{name}")
    try:
        assert backend.s3.get_bucket_location(Bucket=name)["LocationConstraint"] is None
    finally:
        backend.silo("rb", f"t/{name}")


def test_mb_ls_rb_and_their_errors(backend):
    name = "cli-mb-" + os.urandom(6).hex()
    backend.silo("mb", f"t/{name}")
    assert name in [b["Name"] for b in backend.s3.list_buckets()["Buckets"]]
    backend.silo("mb", "-p", f"t/{name}")  # exists: fine with -p
    _, recs = backend.json_lines("ls", "t")
    assert {"type": "bucket", "key": name + "/"}.items() <= next(
        r for r in recs if r["key"] == name + "/").items()
    backend.s3.put_object(Bucket=name, Key="x", Body=b"1")
    r = backend.silo("rb", f"t/{name}", check=False)
    assert r.returncode == 1 and "BucketNotEmpty" in r.stderr and f"t/{name}" in r.stderr
    backend.silo("rb", "--force", f"t/{name}")
    assert name not in [b["Name"] for b in backend.s3.list_buckets()["Buckets"]]
    r = backend.silo("rb", f"t/{name}", check=False)
    assert r.returncode == 1
    assert r.stderr.strip() == (f"silo: rb: t/{name}: NoSuchBucket (404): "
                                "The specified bucket does not exist.") or "NoSuchBucket (404)" in r.stderr


def test_rb_force_also_aborts_unfinished_multipart_uploads(backend):
    name = backend.new_bucket()
    backend.s3.put_object(Bucket=name, Key="kept", Body=b"1")
    for key in ("a b+c", "dir/ü.bin", "dir/ü.bin"):
        backend.s3.create_multipart_upload(Bucket=name, Key=key)
    backend.silo("rb", "--force", f"t/{name}")
    assert name not in [b["Name"] for b in backend.s3.list_buckets()["Buckets"]]


def test_cp_round_trips_weird_keys_both_ways(backend, tmp_path):
    bucket = backend.new_bucket()
    src = tmp_path / "src"
    files = write_weird_files(src, prefix="")
    backend.silo("cp", "-r", str(src) + "/", f"t/{bucket}/in/")
    assert backend.keys(bucket) == sorted("in/" + k for k in files)
    for rel, data in files.items():
        assert backend.body(bucket, "in/" + rel) == data
    out = tmp_path / "out"
    backend.silo("cp", "-r", f"t/{bucket}/in/", str(out) + "/")
    assert tree_digest(out) == tree_digest(src)
    # A single object by its exact key, and to stdout.
    name = "plus+sign.txt"
    assert backend.silo("cat", f"t/{bucket}/in/{name}").stdout == files[name].decode()


def test_cp_recursive_without_slash_keeps_the_folder_name_and_skips_special_files(backend, tmp_path):
    bucket = backend.new_bucket()
    pics = tmp_path / "pics"
    (pics / "sub").mkdir(parents=True)
    (pics / "a.jpg").write_bytes(b"A" * 10)
    (pics / "sub" / "b.jpg").write_bytes(b"B" * 20)
    os.mkfifo(pics / "pipe")
    os.symlink(pics / "a.jpg", pics / "link.jpg")       # followed: a file
    os.symlink(tmp_path, pics / "loop")                  # not followed: a folder
    r = backend.silo("cp", "-r", str(pics), f"t/{bucket}/")
    assert backend.keys(bucket) == ["pics/a.jpg", "pics/link.jpg", "pics/sub/b.jpg"]
    assert backend.body(bucket, "pics/link.jpg") == b"A" * 10
    assert "not a regular file" in r.stderr and "not followed" in r.stderr


def test_cp_errors_name_the_object_and_exit_1(backend, tmp_path):
    bucket = backend.new_bucket()
    r = backend.silo("cp", f"t/{bucket}/missing.txt", str(tmp_path / "x"), check=False)
    assert r.returncode == 1
    assert f"silo: cp: t/{bucket}/missing.txt: NoSuchKey (404)" in r.stderr
    assert not (tmp_path / "x").exists() and not (tmp_path / "x.silo-partial").exists()
    r, recs = backend.json_lines("cp", f"t/{bucket}/missing.txt", str(tmp_path / "x"), check=False)
    assert r.returncode == 1
    assert recs[0]["status"] == "error" and recs[0]["error"]["code"] == "NoSuchKey"
    assert recs[0]["error"]["httpStatus"] == 404 and recs[0]["error"]["target"].endswith("missing.txt")
    r = backend.silo("cp", str(tmp_path / "nope"), f"t/{bucket}/k", check=False)
    assert r.returncode == 1 and "No such file" in r.stderr
    r = backend.silo("cp", "--no-such-flag", "a", "b", check=False)
    assert r.returncode == 2


def test_cp_attr_and_storage_class_reach_the_object(backend, tmp_path):
    bucket = backend.new_bucket()
    f = tmp_path / "page.html"
    f.write_text("<p>hi</p>")
    backend.silo("cp", "--attr", "Cache-Control=max-age=60;owner=ann", "--storage-class",
                 "REDUCED_REDUNDANCY", str(f), f"t/{bucket}/page.html")
    head = backend.s3.head_object(Bucket=bucket, Key="page.html")
    assert head["CacheControl"] == "max-age=60" and head["Metadata"] == {"owner": "ann"}
    assert head["ContentType"] == "text/html"
    assert head.get("StorageClass") == "REDUCED_REDUNDANCY"
    _, (rec,) = backend.json_lines("stat", f"t/{bucket}/page.html")
    assert rec["size"] == 9 and rec["metadata"]["x-amz-meta-owner"] == "ann"
    assert rec["storageClass"] == "REDUCED_REDUNDANCY" and rec["contentType"] == "text/html"


def test_object_to_object_copy_keeps_metadata_and_mv_removes_the_source(backend):
    bucket = backend.new_bucket()
    backend.s3.put_object(Bucket=bucket, Key="a b+c.txt", Body=b"data", Metadata={"k": "v"},
                          ContentType="text/plain")
    _, (rec,) = backend.json_lines("cp", f"t/{bucket}/a b+c.txt", f"t/{bucket}/copy.txt")
    assert rec["serverSide"] is True and rec["size"] == 4
    head = backend.s3.head_object(Bucket=bucket, Key="copy.txt")
    assert head["Metadata"] == {"k": "v"} and backend.body(bucket, "copy.txt") == b"data"
    backend.silo("mv", f"t/{bucket}/copy.txt", f"t/{bucket}/moved/")
    assert backend.keys(bucket) == ["a b+c.txt", "moved/copy.txt"]


def test_ls_recursive_summarize_and_json(backend):
    bucket = backend.new_bucket()
    for k, n in [("a/1", 1), ("a/2", 2), ("b/c/3", 3), ("top", 4)]:
        backend.s3.put_object(Bucket=bucket, Key=k, Body=b"x" * n)
    lines = backend.silo("ls", f"t/{bucket}").stdout.splitlines()
    assert [l.split()[-1] for l in lines] == ["top", "a/", "b/"] or \
        sorted(l.split()[-1] for l in lines) == ["a/", "b/", "top"]
    _, recs = backend.json_lines("ls", "-r", "--summarize", f"t/{bucket}")
    files = [r for r in recs if r["type"] == "file"]
    assert [r["key"] for r in files] == ["a/1", "a/2", "b/c/3", "top"]
    assert all(r["status"] == "success" and "lastModified" in r for r in files)
    assert recs[-1] == {"type": "summary", "target": f"t/{bucket}", "objects": 4, "size": 10,
                        "status": "success"}
    # A prefix without '/' shows what is in that folder.
    _, recs = backend.json_lines("ls", f"t/{bucket}/a")
    assert [r["key"] for r in recs] == ["1", "2"]


def test_ls_a_local_folder(backend, tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f.txt").write_text("12345")
    _, recs = backend.json_lines("ls", str(tmp_path / "d"))
    assert [(r["key"], r["size"], r["type"]) for r in recs] == [("f.txt", 5, "file")]


def test_head_du_tree_and_stat(backend, tmp_path):
    bucket = backend.new_bucket()
    text = "".join(f"line {i}\n" for i in range(100))
    backend.s3.put_object(Bucket=bucket, Key="logs/app.log", Body=text.encode())
    backend.s3.put_object(Bucket=bucket, Key="logs/old/x.log", Body=b"12345")
    assert backend.silo("head", "-n", "3", f"t/{bucket}/logs/app.log").stdout == "line 0\nline 1\nline 2\n"
    _, recs = backend.json_lines("du", f"t/{bucket}")
    assert recs[-1]["objects"] == 2 and recs[-1]["size"] == len(text) + 5
    _, recs = backend.json_lines("tree", f"t/{bucket}")
    assert [r["key"] for r in recs if r["type"] == "folder"] == ["", "logs/", "logs/old/"]
    r = backend.silo("stat", f"t/{bucket}/logs/nope", check=False)
    assert r.returncode == 1 and "NoSuchKey (404)" in r.stderr


def test_rm_single_recursive_older_than_and_force(backend):
    bucket = backend.new_bucket()
    for k in ["a/1", "a/2", "b/1", "c"]:
        backend.s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    backend.silo("rm", f"t/{bucket}/c")
    r = backend.silo("rm", f"t/{bucket}/c", check=False)
    assert r.returncode == 1 and f"t/{bucket}/c: NoSuchKey (404)" in r.stderr
    backend.silo("rm", "-r", "--older-than", "1d", f"t/{bucket}/a/")  # all are new: kept
    assert backend.keys(bucket) == ["a/1", "a/2", "b/1"]
    _, recs = backend.json_lines("rm", "-r", f"t/{bucket}/a/")
    assert sorted(r["key"] for r in recs) == ["a/1", "a/2"]
    r = backend.silo("rm", "-r", f"t/{bucket}", check=False)
    assert r.returncode == 2 and "--force" in r.stderr
    backend.silo("rm", "-r", "--force", f"t/{bucket}")
    assert backend.keys(bucket) == []


def test_find_by_name_size_and_exec(backend, tmp_path):
    bucket = backend.new_bucket()
    backend.s3.put_object(Bucket=bucket, Key="p/small.jpg", Body=b"x" * 10)
    backend.s3.put_object(Bucket=bucket, Key="p/big.jpg", Body=b"x" * 2_000_000)
    backend.s3.put_object(Bucket=bucket, Key="p/big.png", Body=b"x" * 2_000_000)
    out = backend.silo("find", f"t/{bucket}", "--name", "*.jpg", "--larger", "1MiB").stdout
    assert out.split() == [f"t/{bucket}/p/big.jpg"]
    assert backend.silo("find", f"t/{bucket}", "--older-than", "7d").stdout == ""
    log = tmp_path / "exec.txt"
    backend.silo("find", f"t/{bucket}", "--name", "*.jpg", "--exec", f"echo {{}} >> {log}")
    assert sorted(log.read_text().split()) == [f"t/{bucket}/p/big.jpg", f"t/{bucket}/p/small.jpg"]
    r = backend.silo("find", f"t/{bucket}", "--name", "small.jpg", "--exec", "false", check=False)
    assert r.returncode == 1


def test_share_download_and_upload_urls_work_without_keys(backend, tmp_path):
    bucket = backend.new_bucket()
    backend.s3.put_object(Bucket=bucket, Key="doc s+1.txt", Body=b"shared")
    _, (rec,) = backend.json_lines("share", "download", "--expire", "1h", f"t/{bucket}/doc s+1.txt")
    assert rec["expireSeconds"] == 3600
    assert requests.get(rec["url"], timeout=10).content == b"shared"
    _, (rec,) = backend.json_lines("share", "upload", f"t/{bucket}/up.bin")
    f = tmp_path / "payload"
    f.write_bytes(b"uploaded by curl")
    cmd = rec["share"].replace("FILE", str(f))
    subprocess.run(cmd, shell=True, check=True, capture_output=True, timeout=30)
    assert backend.body(bucket, "up.bin") == b"uploaded by curl"
    r = backend.silo("share", "download", "--expire", "8d", f"t/{bucket}/x", check=False)
    assert r.returncode == 2


def test_pipe_uploads_stdin(backend):
    bucket = backend.new_bucket()
    data = os.urandom(3 * 1024 * 1024 + 5)
    r = subprocess.run([str(SILO_BIN), "pipe", f"t/{bucket}/from stdin"], input=data,
                       env=backend.env, capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert backend.body(bucket, "from stdin") == data
    # Bigger than a part: parts sent from memory, each checked against its ETag.
    big = os.urandom(11 * 1024 * 1024)
    r = subprocess.run([str(SILO_BIN), "--part-size", "5MiB", "pipe", f"t/{bucket}/parts"],
                       input=big, env=backend.env, capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert backend.body(bucket, "parts") == big
    assert backend.s3.head_object(Bucket=bucket, Key="parts")["ETag"].endswith('-3"')


def test_rm_and_ls_versions(backend):
    bucket = backend.new_bucket()
    backend.s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for body in (b"1", b"22"):
        backend.s3.put_object(Bucket=bucket, Key="k", Body=body)
    _, recs = backend.json_lines("ls", "--versions", f"t/{bucket}")
    versions = [r for r in recs if r["type"] == "file"]
    assert len(versions) == 2
    assert sum(r["isLatest"] for r in versions) == 1
    backend.silo("rm", "--versions", f"t/{bucket}/k")
    left = backend.s3.list_object_versions(Bucket=bucket)
    assert not left.get("Versions") and not left.get("DeleteMarkers")


def test_help_and_completion(backend):
    r = backend.silo("help", "cp")
    assert "Examples:" in r.stdout and "silo cp -r" in r.stdout
    assert "mirror" in backend.silo("--help").stdout
    script = backend.silo("completion", "bash").stdout
    assert "complete -F _silo silo" in script and "--recursive" in script
    subprocess.run(["bash", "-n"], input=script, text=True, check=True)
    assert backend.silo("help", "nope", check=False).returncode == 2


def test_admin_info_by_alias_reports_drives_and_usage(silo_backend):
    bucket = silo_backend.new_bucket()
    silo_backend.s3.put_object(Bucket=bucket, Key="k", Body=b"x" * 100)
    r = silo_backend.silo("admin", "info", "t", "--json")
    info = json.loads(r.stdout)
    assert info["version"] and info["sets"][0]["drives"][0]["state"] == "online"
    assert info["usage"]["objects"] >= 1 and info["usage"]["bytes"] >= 100
    assert "Usage:" in silo_backend.silo("admin", "info", "t").stdout


def test_admin_info_on_another_s3_service_says_what_is_wrong(moto, tmp_path):
    b = Backend("moto", moto.endpoint, "k", "s", tmp_path / "cfg")
    r = b.silo("admin", "info", "t", check=False)
    assert r.returncode == 1 and "silo admin info:" in r.stderr
