"""rclone (Debian's) against Silo through an s3 remote (provider Other,
path-style): mkdir, copy of a tree with many small files and a multipart
file, check, lsjson, sync with deletions, delete, purge."""

import hashlib
import json
import os
import re
import subprocess

import pytest

from clihelpers import (MIB, RCLONE_BIN, clean_env, run_cli, tree_digest, unique_bucket,
                        write_random_file, write_weird_files)
from conftest import ACCESS_KEY, REGION, SECRET_KEY

pytestmark = pytest.mark.sdk_independent


class Rclone:
    def __init__(self, endpoint, home):
        home.mkdir(parents=True, exist_ok=True)
        self.config = home / "rclone.conf"
        self.config.write_text(
            "[silo]\n"
            "type = s3\n"
            "provider = Other\n"
            "env_auth = false\n"
            f"access_key_id = {ACCESS_KEY}\n"
            f"secret_access_key = {SECRET_KEY}\n"
            f"endpoint = {endpoint}\n"
            f"region = {REGION}\n"
            "force_path_style = true\n")
        self.env = clean_env(HOME=str(home))

    def __call__(self, *args, check=True, timeout=180):
        # Multipart above 10 MiB in 5 MiB chunks; no retries, so a failure shows.
        return run_cli([RCLONE_BIN, "--config", self.config, "--retries", "1",
                        "--low-level-retries", "1", "--s3-upload-cutoff", "10M",
                        "--s3-chunk-size", "5M", *args], self.env, check=check, timeout=timeout)

    def lsjson(self, path):
        return json.loads(self("lsjson", "-R", "--files-only", "--hash", path).stdout)


@pytest.fixture
def rclone(server, tmp_path):
    return Rclone(server.endpoint, tmp_path / "rclonehome")


def make_tree(root):
    files = {}
    for i in range(60):
        rel = f"docs/{i % 4}/{i % 3}/note-{i:03d}.txt"
        files[rel] = os.urandom(i * 13 + 1)
    files["top level.txt"] = "with a space".encode()
    files["\u00e9t\u00e9/\u65e5\u672c.txt"] = "unicode".encode()
    files.update(write_weird_files(root))
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    write_random_file(root / "media/big.bin", 30 * MIB + 7)
    return sorted(list(files) + ["media/big.bin"])


def buckets(rclone):
    return [line.split()[-1] for line in rclone("lsd", "silo:").stdout.splitlines()]


def check_summary(proc):
    text = proc.stdout + proc.stderr
    differences = re.search(r"(\d+) differences found", text)
    matching = re.search(r"(\d+) matching files", text)
    assert differences and matching, text
    return int(differences.group(1)), int(matching.group(1))


def test_rclone_copy_tree_then_check_reports_no_differences(rclone, tmp_path):
    bucket = unique_bucket("rclone")
    src = tmp_path / "src"
    files = make_tree(src)
    rclone("mkdir", f"silo:{bucket}")
    assert bucket in buckets(rclone)

    rclone("copy", src, f"silo:{bucket}/tree", "--transfers", "8")
    # Hash comparison (rclone keeps the md5 of multipart uploads in metadata),
    # then a byte-for-byte comparison of every file downloaded again.
    assert check_summary(rclone("check", src, f"silo:{bucket}/tree")) == (0, len(files))
    assert check_summary(rclone("check", "--download", src, f"silo:{bucket}/tree")) == (
        0, len(files))

    listing = {e["Path"]: e for e in rclone.lsjson(f"silo:{bucket}/tree")}
    assert sorted(listing) == files
    for rel in files:
        data = (src / rel).read_bytes()
        assert listing[rel]["Size"] == len(data), rel
        if rel != "media/big.bin":
            assert listing[rel]["Hashes"]["md5"] == hashlib.md5(data).hexdigest(), rel

    back = tmp_path / "back"
    rclone("copy", f"silo:{bucket}/tree", back)
    assert tree_digest(back) == tree_digest(src)

    rclone("purge", f"silo:{bucket}")
    assert bucket not in buckets(rclone)


def test_rclone_sync_mirrors_deletions_and_delete_purge_remove_objects(rclone, tmp_path):
    bucket = unique_bucket("rclone")
    src = tmp_path / "src"
    files = make_tree(src)
    rclone("mkdir", f"silo:{bucket}")
    rclone("sync", src, f"silo:{bucket}/m", "--transfers", "8")
    assert check_summary(rclone("check", src, f"silo:{bucket}/m")) == (0, len(files))

    removed = [f for f in files if f.startswith("docs/1/")]
    for rel in removed:
        (src / rel).unlink()
    (src / "top level.txt").write_bytes(b"changed and longer")
    rclone("sync", src, f"silo:{bucket}/m")
    kept = [f for f in files if f not in removed]
    assert sorted(e["Path"] for e in rclone.lsjson(f"silo:{bucket}/m")) == kept
    assert check_summary(rclone("check", "--download", src, f"silo:{bucket}/m")) == (0, len(kept))

    rclone("delete", f"silo:{bucket}/m", "--include", "*.txt")
    assert [e["Path"] for e in rclone.lsjson(f"silo:{bucket}/m")] == ["media/big.bin"]

    rclone("purge", f"silo:{bucket}")
    assert bucket not in buckets(rclone)
    gone = rclone("lsjson", f"silo:{bucket}", check=False)
    assert gone.returncode != 0


def test_rclone_lists_and_deletes_more_than_1000_objects(rclone, tmp_path):
    bucket = unique_bucket("rclone")
    src = tmp_path / "many"
    src.mkdir()
    for i in range(1050):
        (src / f"f{i:04d}.txt").write_bytes(b"%d" % i)
    rclone("mkdir", f"silo:{bucket}")
    rclone("copy", src, f"silo:{bucket}", "--transfers", "16")
    size = rclone("size", "--json", f"silo:{bucket}").stdout
    size = json.loads(size)
    assert (size["count"], size["bytes"]) == (1050, sum(len(b"%d" % i) for i in range(1050)))
    assert check_summary(rclone("check", src, f"silo:{bucket}")) == (0, 1050)
    names = [e["Path"] for e in rclone.lsjson(f"silo:{bucket}")]
    assert sorted(names) == [f"f{i:04d}.txt" for i in range(1050)]
    rclone("delete", f"silo:{bucket}")
    assert rclone.lsjson(f"silo:{bucket}") == []
    rclone("rmdir", f"silo:{bucket}")
    assert bucket not in buckets(rclone)


def test_rclone_rcat_cat_copyto_moveto_round_trip(rclone, tmp_path):
    bucket = unique_bucket("rclone")
    rclone("mkdir", f"silo:{bucket}")
    data = os.urandom(12 * MIB + 99)  # from stdin, size unknown: a streamed multipart upload
    up = subprocess.run([RCLONE_BIN, "--config", rclone.config, "--s3-chunk-size", "5M",
                         "rcat", f"silo:{bucket}/streamed"], input=data, env=rclone.env,
                        capture_output=True, timeout=120)
    assert up.returncode == 0, up.stderr
    down = subprocess.run([RCLONE_BIN, "--config", rclone.config, "cat",
                           f"silo:{bucket}/streamed"], env=rclone.env, capture_output=True,
                          timeout=120)
    assert down.returncode == 0 and hashlib.sha256(down.stdout).digest() == \
        hashlib.sha256(data).digest()
    rclone("copyto", f"silo:{bucket}/streamed", f"silo:{bucket}/copied")
    rclone("moveto", f"silo:{bucket}/copied", f"silo:{bucket}/moved")
    listing = {e["Path"]: e for e in rclone.lsjson(f"silo:{bucket}")}
    assert sorted(listing) == ["moved", "streamed"]
    assert listing["moved"]["Size"] == len(data)
    assert listing["moved"]["Hashes"]["md5"] == hashlib.md5(data).hexdigest()
    rclone("purge", f"silo:{bucket}")
