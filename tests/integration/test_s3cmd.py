"""s3cmd (Debian's) against Silo with a generated config (path-style, SigV4,
plain HTTP): buckets, put/get/ls/la/info/del, multipart put and sync."""

import hashlib
import os
import re

import pytest

from clihelpers import (MIB, S3CMD_BIN, clean_env, md5_hex, run_cli, sha256_file, tree_digest,
                        unique_bucket, write_random_file, write_weird_files)
from conftest import ACCESS_KEY, REGION, SECRET_KEY

pytestmark = pytest.mark.sdk_independent


class S3cmd:
    def __init__(self, port, home):
        home.mkdir(parents=True, exist_ok=True)
        self.config = home / "s3cfg"
        self.config.write_text(
            "[default]\n"
            f"access_key = {ACCESS_KEY}\n"
            f"secret_key = {SECRET_KEY}\n"
            f"host_base = 127.0.0.1:{port}\n"
            f"host_bucket = 127.0.0.1:{port}\n"
            f"bucket_location = {REGION}\n"
            "use_https = False\n"
            "signature_v2 = False\n"
            "check_ssl_certificate = False\n"
            "max_retries = 1\n")
        self.env = clean_env(HOME=str(home))

    def __call__(self, *args, check=True, cwd=None, timeout=120):
        return run_cli([S3CMD_BIN, "-c", self.config, "--no-progress", *args], self.env,
                       cwd=cwd, check=check, timeout=timeout)

    def objects(self, url):
        """{url: (size, md5 column)} of `s3cmd ls --recursive --list-md5`."""
        out = {}
        for line in self("ls", "--recursive", "--list-md5", url).stdout.splitlines():
            m = re.match(r"^\S+ \S+\s+(\d+)\s+(\S+)\s+(s3://.*)$", line)
            if m:
                out[m.group(3)] = (int(m.group(1)), m.group(2))
        return out


@pytest.fixture
def s3cmd(server, tmp_path):
    return S3cmd(server.port, tmp_path / "s3cmdhome")


@pytest.fixture
def cmd_bucket(bucket):
    """A fresh bucket made and removed by the harness (mb and rb have their own test)."""
    return bucket


def test_s3cmd_mb_put_get_ls_la_info_del_rb(s3cmd, tmp_path):
    bucket = unique_bucket("s3cmd")
    assert f"Bucket 's3://{bucket}/' created" in s3cmd("mb", f"s3://{bucket}").stdout
    assert f"s3://{bucket}" in s3cmd("ls").stdout

    data = os.urandom(70_000)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    up = s3cmd("put", src, f"s3://{bucket}/dir/obj.bin")
    assert f"-> 's3://{bucket}/dir/obj.bin'" in up.stdout and "70000 bytes" in up.stdout

    top = s3cmd("ls", f"s3://{bucket}").stdout
    assert re.search(rf"DIR\s+s3://{bucket}/dir/$", top, re.M), top
    inside = s3cmd("ls", f"s3://{bucket}/dir/").stdout
    assert re.search(rf"\s70000\s+s3://{bucket}/dir/obj\.bin$", inside, re.M), inside
    assert f"DIR  s3://{bucket}/dir/" in s3cmd("la").stdout
    assert re.search(rf"\s70000\s+s3://{bucket}/dir/obj\.bin$",
                     s3cmd("la", "--recursive").stdout, re.M)

    info = s3cmd("info", f"s3://{bucket}/dir/obj.bin").stdout
    assert re.search(r"File size:\s+70000$", info, re.M), info
    assert re.search(rf"MD5 sum:\s+{md5_hex(data)}$", info, re.M), info
    assert s3cmd.objects(f"s3://{bucket}") == {
        f"s3://{bucket}/dir/obj.bin": (70000, md5_hex(data))}

    dst = tmp_path / "dst.bin"
    s3cmd("get", f"s3://{bucket}/dir/obj.bin", dst)
    assert dst.read_bytes() == data
    missing = s3cmd("get", f"s3://{bucket}/dir/nothing", tmp_path / "n", check=False)
    assert missing.returncode != 0 and not (tmp_path / "n").exists()

    not_empty = s3cmd("rb", f"s3://{bucket}", check=False)
    assert not_empty.returncode != 0 and "BucketNotEmpty" in not_empty.stderr

    assert f"delete: 's3://{bucket}/dir/obj.bin'" in s3cmd("del", f"s3://{bucket}/dir/obj.bin").stdout
    assert s3cmd.objects(f"s3://{bucket}") == {}
    assert f"Bucket 's3://{bucket}/' removed" in s3cmd("rb", f"s3://{bucket}").stdout
    assert f"s3://{bucket}" not in s3cmd("ls").stdout
    gone = s3cmd("ls", f"s3://{bucket}", check=False)
    assert gone.returncode != 0 and "NoSuchBucket" in gone.stderr


def test_s3cmd_multipart_put_of_20mib_in_5mib_chunks_round_trips(s3cmd, cmd_bucket, tmp_path):
    size = 20 * MIB + 12345
    src = tmp_path / "big.bin"
    digest = write_random_file(src, size)
    s3cmd("put", "--multipart-chunk-size-mb=5", src, f"s3://{cmd_bucket}/big.bin", timeout=180)

    # The ETag of a 5-part multipart upload: md5 of the part md5s, "-5".
    with open(src, "rb") as f:
        part_md5s = b"".join(hashlib.md5(f.read(5 * MIB)).digest() for _ in range(5))
    info = s3cmd("info", f"s3://{cmd_bucket}/big.bin").stdout
    assert re.search(rf"File size:\s+{size}$", info, re.M), info
    listed = s3cmd("ls", "--list-md5", f"s3://{cmd_bucket}/big.bin").stdout
    # s3cmd prints the md5 it stored in its metadata; the ETag itself is in --debug.
    assert str(size) in listed
    debug = s3cmd("info", "--debug", f"s3://{cmd_bucket}/big.bin").stderr
    assert f"{hashlib.md5(part_md5s).hexdigest()}-5" in debug

    dst = tmp_path / "back.bin"
    s3cmd("get", f"s3://{cmd_bucket}/big.bin", dst, timeout=180)
    assert os.path.getsize(dst) == size and sha256_file(dst) == digest


def test_s3cmd_sync_uploads_changes_only_and_deletes_removed(s3cmd, cmd_bucket, tmp_path):
    local = tmp_path / "tree"
    files = {f"d{i % 3}/f{i}.txt": os.urandom(200 + i) for i in range(15)}
    files["top.txt"] = b"top"
    files.update(write_weird_files(local))
    for rel, data in files.items():
        (local / rel).parent.mkdir(parents=True, exist_ok=True)
        (local / rel).write_bytes(data)
    url = f"s3://{cmd_bucket}/mirror/"

    def uploads(out):
        return sorted(re.findall(r"^upload: '(.*)' -> 's3://", out, re.M))

    first = s3cmd("sync", "tree/", url, cwd=tmp_path).stdout
    assert uploads(first) == sorted(f"tree/{r}" for r in files), first
    second = s3cmd("sync", "tree/", url, cwd=tmp_path).stdout
    assert uploads(second) == [], second

    (local / "top.txt").write_bytes(b"top, changed")
    (local / "d1/f1.txt").unlink()
    third = s3cmd("sync", "--delete-removed", "tree/", url, cwd=tmp_path).stdout
    assert uploads(third) == ["tree/top.txt"], third
    assert f"delete: '{url}d1/f1.txt'" in third
    remote = s3cmd.objects(url)
    assert sorted(remote) == sorted(url + r for r in files if r != "d1/f1.txt")
    assert remote[url + "top.txt"] == (12, md5_hex(b"top, changed"))

    down = tmp_path / "down"
    s3cmd("sync", url, str(down) + "/")
    assert tree_digest(down) == tree_digest(local)


def test_s3cmd_cp_mv_modify_du_work_server_side(s3cmd, cmd_bucket, tmp_path):
    src = tmp_path / "x.bin"
    src.write_bytes(os.urandom(3000))
    s3cmd("put", src, f"s3://{cmd_bucket}/x.bin")
    out = s3cmd("cp", f"s3://{cmd_bucket}/x.bin", f"s3://{cmd_bucket}/y.bin").stdout
    assert f"remote copy: 's3://{cmd_bucket}/x.bin' -> 's3://{cmd_bucket}/y.bin'" in out
    out = s3cmd("mv", f"s3://{cmd_bucket}/y.bin", f"s3://{cmd_bucket}/z.bin").stdout
    assert f"move: 's3://{cmd_bucket}/y.bin' -> 's3://{cmd_bucket}/z.bin'" in out
    s3cmd("modify", "--add-header=x-amz-meta-color:green", f"s3://{cmd_bucket}/z.bin")
    info = s3cmd("info", f"s3://{cmd_bucket}/z.bin").stdout
    assert re.search(r"x-amz-meta-color:\s+green$", info, re.M), info
    assert s3cmd.objects(f"s3://{cmd_bucket}") == {
        f"s3://{cmd_bucket}/x.bin": (3000, md5_hex(src.read_bytes())),
        f"s3://{cmd_bucket}/z.bin": (3000, md5_hex(src.read_bytes()))}
    du = s3cmd("du", f"s3://{cmd_bucket}").stdout.split()
    assert du[:4] == ["6000", "2", "objects", f"s3://{cmd_bucket}/"], du
    s3cmd("get", f"s3://{cmd_bucket}/z.bin", tmp_path / "z.bin")
    assert (tmp_path / "z.bin").read_bytes() == src.read_bytes()
