"""restic (Debian's, minio-go underneath) with a repository in a Silo bucket:
init (restic makes the bucket), two backups of a generated tree, check
--read-data, restore compared byte for byte, forget --prune, check and restore
again. Once with no region configured (minio-go asks GetBucketLocation) and
once with AWS_DEFAULT_REGION=eu-west-1 (the bucket is made in eu-west-1 and
every request is signed for it)."""

import hashlib
import json
import os
import random
import subprocess
import time
import uuid
from pathlib import Path

import pytest

import clienthelpers as helpers

HERE = Path(__file__).resolve().parent
MIB = 1024 * 1024

pytestmark = pytest.mark.sdk_independent




class Restic:
    def __init__(self, binary, repo, env, cache):
        self.binary = binary
        self.repo = repo
        self.env = env
        self.cache = cache

    def __call__(self, *args, cwd=None, timeout=120):
        cmd = [self.binary, "-r", self.repo, "--cache-dir", str(self.cache), *args]
        started = time.monotonic()
        proc = subprocess.run(cmd, env=self.env, cwd=cwd, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout)
        out = proc.stdout.decode(errors="replace")
        err = proc.stderr.decode(errors="replace")
        print(f"$ {' '.join(cmd[1:])}  ({time.monotonic() - started:.1f} s)\n{out[-3000:]}{err[-3000:]}")
        assert proc.returncode == 0, (f"{' '.join(cmd)} exited {proc.returncode}\n"
                                      f"stdout:\n{out[-10000:]}\nstderr:\n{err[-10000:]}")
        return out

    def json(self, *args):
        return json.loads(self(*args, "--json"))


def write_random(path, size, rng):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(rng.randbytes(size))


def make_tree(root, rng):
    """About 25 MiB: a few large incompressible files (restic's packs fill up to
    its 16 MiB target), nested folders of small files, an empty file and folder,
    text that compresses, a symlink."""
    write_random(root / "big" / "video.bin", 9 * MIB + 4321, rng)
    write_random(root / "big" / "disk.img", 7 * MIB, rng)
    write_random(root / "big" / "archive.tar", 4 * MIB + 1, rng)
    for i in range(60):
        depth = "/".join(f"d{j}" for j in range(i % 5))
        write_random(root / "nested" / depth / f"file-{i:03d}.dat", rng.randint(1, 96 * 1024), rng)
    (root / "text").mkdir()
    (root / "text" / "log.txt").write_text(
        "".join(f"line {i}: the quick brown fox\n" for i in range(100_000)))
    (root / "text" / "ünïcødé name & spaces.txt").write_text("hello\n")
    (root / "empty.txt").write_bytes(b"")
    (root / "empty-dir").mkdir()
    (root / "link").symlink_to("big/archive.tar")


def change_tree(root, rng):
    """Edits for the second backup: an append, an overwrite in the middle of a
    large file, replaced and deleted small files, a new large file."""
    with open(root / "big" / "video.bin", "ab") as f:
        f.write(rng.randbytes(MIB + 17))
    with open(root / "big" / "disk.img", "r+b") as f:
        f.seek(3 * MIB)
        f.write(rng.randbytes(200_000))
    for i in range(0, 60, 7):
        depth = "/".join(f"d{j}" for j in range(i % 5))
        p = root / "nested" / depth / f"file-{i:03d}.dat"
        if i % 2:
            p.unlink()
        else:
            write_random(p, rng.randint(1, 50_000), rng)
    (root / "big" / "archive.tar").unlink()
    (root / "link").unlink()
    (root / "link").symlink_to("big/new.bin")
    write_random(root / "big" / "new.bin", 5 * MIB + 99, rng)
    write_random(root / "nested" / "d0" / "d1" / "added" / "deep.bin", 300_000, rng)


def tree(root):
    """Every entry under root: files by SHA-256, symlinks by target, folders."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p))
            elif p.is_dir():
                out[rel] = ("dir",)
            else:
                out[rel] = ("file", p.stat().st_size,
                            hashlib.sha256(p.read_bytes()).hexdigest())
    return out


def assert_same_tree(expected_root, actual_root):
    expected, actual = tree(expected_root), tree(actual_root)
    assert sorted(actual) == sorted(expected), "restored entries differ"
    diff = [k for k in expected if expected[k] != actual[k]]
    assert not diff, f"restored content differs: {diff}"


def restore_and_compare(restic, src, dest):
    restic("restore", "latest", "--target", str(dest), "--verify")
    # restic restores the absolute path of the backed-up folder under the target.
    assert_same_tree(src, dest / src.relative_to(src.anchor))


@pytest.mark.parametrize("region", [None, "eu-west-1"], ids=["no-region", "eu-west-1"])
def test_restic_backup_check_restore_prune(server, tmp_path, region):
    binary = helpers.require_tool("restic")
    bucket = "restic-" + uuid.uuid4().hex[:16]
    home = tmp_path / "home"
    home.mkdir()
    env = helpers.client_env(server, RESTIC_PASSWORD="silo restic test password",
                             HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"))
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE", "AWS_SESSION_TOKEN",
                 "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "RESTIC_REPOSITORY",
                 "RESTIC_REPOSITORY_FILE", "RESTIC_PASSWORD_FILE", "RESTIC_PASSWORD_COMMAND",
                 "RESTIC_CACHE_DIR", "RESTIC_PACK_SIZE", "RESTIC_COMPRESSION"):
        env.pop(name, None)
    if region:
        env["AWS_DEFAULT_REGION"] = region

    restic = Restic(binary, f"s3:{server.endpoint}/{bucket}/repo", env, tmp_path / "cache")
    rng = random.Random(f"restic-{region}")
    src = tmp_path / "src"
    make_tree(src, rng)
    started = time.monotonic()

    restic("init")
    s3 = server.client()
    location = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint")
    # S3 reports us-east-1 (no constraint) as an empty LocationConstraint.
    assert (location or "") == (region or ""), \
        f"restic made the bucket with region {region!r}; GetBucketLocation says {location!r}"

    summary = [m for m in map(json.loads, restic("backup", "--json", ".", cwd=src).splitlines())
               if m.get("message_type") == "summary"]
    assert summary and summary[-1]["files_new"] > 60, summary
    change_tree(src, rng)
    restic("backup", str(src))
    snapshots = restic.json("snapshots")
    assert len(snapshots) == 2, snapshots

    # The repository is in the bucket under repo/, with packs of several MiB.
    objects = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        objects.update({o["Key"]: o["Size"] for o in page.get("Contents", [])})
    assert "repo/config" in objects, sorted(objects)
    assert any(k.startswith("repo/keys/") for k in objects), sorted(objects)
    assert any(k.startswith("repo/snapshots/") for k in objects), sorted(objects)
    packs = {k: v for k, v in objects.items() if k.startswith("repo/data/")}
    assert packs and max(packs.values()) > 8 * MIB, packs

    restic("check", "--read-data")
    restore_and_compare(restic, src, tmp_path / "restore1")

    restic("forget", "--keep-last", "1", "--prune")
    # The first snapshot's own data (archive.tar and the replaced pieces, well
    # over prune's 5 % of unused space) is gone from the bucket.
    packs_after = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="repo/data/"):
        packs_after.update({o["Key"]: o["Size"] for o in page.get("Contents", [])})
    assert set(packs) - set(packs_after), "prune deleted no pack"
    assert sum(packs_after.values()) < sum(packs.values()) - 4 * MIB, (packs, packs_after)
    snapshots_after = restic.json("snapshots")
    assert [s["id"] for s in snapshots_after] == [snapshots[-1]["id"]]
    restic("check", "--read-data")
    restore_and_compare(restic, src, tmp_path / "restore2")

    elapsed = time.monotonic() - started
    print(f"restic run ({region or 'no region'}): {elapsed:.1f} s")
