"""The AWS CLI v2 (Debian's /usr/bin/aws) against Silo: the high-level `aws s3`
commands (mb, rb, ls, cp with multipart, sync, rm) and `aws s3api` calls,
checking exit codes, printed output and the bytes that come back."""

import hashlib
import json
import math
import os
import subprocess

import pytest

from clihelpers import (AWS_BIN, MIB, clean_env, md5_hex, run_cli, sha256_file, tree_digest,
                        unique_bucket, write_random_file, write_weird_files)
from conftest import ACCESS_KEY, REGION, SECRET_KEY

pytestmark = pytest.mark.sdk_independent


class AwsCli:
    def __init__(self, endpoint, home, access_key=ACCESS_KEY, secret_key=SECRET_KEY):
        home.mkdir(parents=True, exist_ok=True)
        self.endpoint = endpoint
        # Empty config files in a private folder: nothing from the machine leaks in.
        (home / "config").write_text("")
        (home / "credentials").write_text("")
        self.env = clean_env(
            AWS_ACCESS_KEY_ID=access_key, AWS_SECRET_ACCESS_KEY=secret_key,
            AWS_DEFAULT_REGION=REGION, AWS_CONFIG_FILE=str(home / "config"),
            AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"), AWS_PAGER="",
            AWS_EC2_METADATA_DISABLED="true", AWS_MAX_ATTEMPTS="1", HOME=str(home))

    def run(self, *args, check=True, cwd=None, timeout=120):
        return run_cli([AWS_BIN, "--endpoint-url", self.endpoint, *args], self.env, cwd=cwd,
                       check=check, timeout=timeout)

    def s3(self, *args, **kw):
        quiet = ("--no-progress",) if args[0] in ("cp", "sync", "mv") else ()
        return self.run("s3", *args, *quiet, **kw)

    def api(self, *args, **kw):
        """An s3api call; its JSON output parsed ({} when it prints nothing, as
        the CLI does for an empty paginated result)."""
        out = self.run("s3api", *args, "--output", "json", **kw).stdout
        return json.loads(out) if out.strip() else {}

    def keys(self, bucket, prefix=""):
        out = self.api("list-objects-v2", "--bucket", bucket, "--prefix", prefix)
        return sorted(o["Key"] for o in out.get("Contents", []))


@pytest.fixture
def aws(server, tmp_path):
    return AwsCli(server.endpoint, tmp_path / "awshome")


@pytest.fixture
def cli_bucket(bucket):
    """A fresh bucket, made and removed by the harness (mb and rb have their own
    test; starting the CLI twice more per test would only cost time)."""
    return bucket


def make_tree(root):
    """A folder tree of small files (nested folders, an empty file, punctuation,
    spaces and non-ASCII in names) and one file large enough for a multipart
    upload."""
    files = {
        "a.txt": b"alpha\n",
        "empty.bin": b"",
        "dir1/b.txt": b"bravo" * 100,
        "dir1/sub/c.bin": os.urandom(3000),
    }
    files.update(write_weird_files(root, "dir2/"))
    for i in range(12):
        files[f"many/file-{i:02d}.dat"] = os.urandom(100 + 37 * i)
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    write_random_file(root / "big/nine-mib.bin", 9 * MIB)
    return sorted(list(files) + ["big/nine-mib.bin"])


def transfer_lines(stdout, verb):
    return [line for line in stdout.splitlines() if line.startswith(verb + ":")]


def test_aws_s3_mb_ls_rb_create_list_and_remove_buckets(aws):
    name = unique_bucket("awsmb")
    out = aws.s3("mb", f"s3://{name}")
    assert out.stdout.strip() == f"make_bucket: {name}"
    assert name in [line.split()[-1] for line in aws.s3("ls").stdout.splitlines()]

    again = aws.s3("mb", f"s3://{name}", check=False)
    assert again.returncode != 0
    assert "BucketAlreadyOwnedByYou" in again.stderr

    obj = aws.api("put-object", "--bucket", name, "--key", "keep.txt")
    assert obj["ETag"] == f'"{md5_hex(b"")}"'
    not_empty = aws.s3("rb", f"s3://{name}", check=False)
    assert not_empty.returncode != 0
    assert "BucketNotEmpty" in not_empty.stderr
    assert "keep.txt" in aws.s3("ls", f"s3://{name}").stdout

    out = aws.s3("rb", "--force", f"s3://{name}")
    assert f"remove_bucket: {name}" in out.stdout
    assert name not in aws.s3("ls").stdout

    gone = aws.s3("rb", f"s3://{name}", check=False)
    assert gone.returncode != 0
    assert "NoSuchBucket" in gone.stderr


def test_aws_s3_mb_rejects_invalid_bucket_name(aws):
    out = aws.s3("mb", "s3://Invalid_Bucket_Name", check=False)
    assert out.returncode != 0
    assert "InvalidBucketName" in out.stderr
    assert "Invalid_Bucket_Name" not in aws.s3("ls").stdout


def test_aws_s3_cp_100mib_multipart_upload_and_download_are_byte_exact(aws, cli_bucket, tmp_path):
    size = 100 * MIB
    src = tmp_path / "big.bin"
    digest = write_random_file(src, size)

    up = aws.s3("cp", src, f"s3://{cli_bucket}/dir/big.bin", timeout=300)
    assert "upload: " in up.stdout and f"s3://{cli_bucket}/dir/big.bin" in up.stdout

    head = aws.api("head-object", "--bucket", cli_bucket, "--key", "dir/big.bin")
    assert head["ContentLength"] == size
    # The CLI's default 8 MiB parts: an S3 multipart ETag "<md5 of part md5s>-<parts>".
    parts = math.ceil(size / (8 * MIB))
    with open(src, "rb") as f:
        md5s = b"".join(hashlib.md5(f.read(8 * MIB)).digest() for _ in range(parts))
    assert head["ETag"] == f'"{hashlib.md5(md5s).hexdigest()}-{parts}"', head

    listing = aws.s3("ls", f"s3://{cli_bucket}/dir/").stdout.split()
    assert str(size) in listing and "big.bin" in listing

    dst = tmp_path / "down.bin"
    aws.s3("cp", f"s3://{cli_bucket}/dir/big.bin", dst, timeout=300)
    assert os.path.getsize(dst) == size
    assert sha256_file(dst) == digest

    # A range from the middle of the object, across a part boundary.
    start = 8 * MIB - 500
    aws.api("get-object", "--bucket", cli_bucket, "--key", "dir/big.bin",
            "--range", f"bytes={start}-{start + 999}", str(tmp_path / "range.bin"))
    with open(src, "rb") as f:
        f.seek(start)
        assert (tmp_path / "range.bin").read_bytes() == f.read(1000)
    src.unlink()  # pytest keeps recent temp folders: do not keep 200 MiB in them
    dst.unlink()


def test_aws_s3_cp_and_mv_copy_small_objects_server_side(aws, cli_bucket, tmp_path):
    src = tmp_path / "small.bin"
    src.write_bytes(os.urandom(100_000))
    aws.s3("cp", src, f"s3://{cli_bucket}/a/small.bin")
    out = aws.s3("cp", f"s3://{cli_bucket}/a/small.bin", f"s3://{cli_bucket}/b/small.bin")
    assert f"copy: s3://{cli_bucket}/a/small.bin to s3://{cli_bucket}/b/small.bin" in out.stdout
    out = aws.s3("mv", f"s3://{cli_bucket}/b/small.bin", f"s3://{cli_bucket}/c/small.bin")
    assert "move: " in out.stdout
    assert aws.keys(cli_bucket) == ["a/small.bin", "c/small.bin"]
    aws.s3("cp", f"s3://{cli_bucket}/c/small.bin", tmp_path / "back.bin")
    assert (tmp_path / "back.bin").read_bytes() == src.read_bytes()


def test_aws_s3_cp_and_mv_copy_large_objects_server_side(aws, cli_bucket, tmp_path):
    src = tmp_path / "nine.bin"
    write_random_file(src, 9 * MIB)
    aws.s3("cp", src, f"s3://{cli_bucket}/a/nine.bin")
    original = aws.api("head-object", "--bucket", cli_bucket, "--key", "a/nine.bin")
    # The CLI copies in 8 MiB UploadPartCopy ranges, the same parts as its upload,
    # so the copy has the same ETag.
    aws.s3("cp", f"s3://{cli_bucket}/a/nine.bin", f"s3://{cli_bucket}/b/nine.bin")
    copied = aws.api("head-object", "--bucket", cli_bucket, "--key", "b/nine.bin")
    assert copied["ContentLength"] == 9 * MIB and copied["ETag"] == original["ETag"]
    aws.s3("mv", f"s3://{cli_bucket}/b/nine.bin", f"s3://{cli_bucket}/c/nine.bin")
    assert aws.keys(cli_bucket) == ["a/nine.bin", "c/nine.bin"]


def test_aws_s3_cp_streams_stdin_up_and_object_to_stdout(aws, cli_bucket):
    data = os.urandom(12 * MIB + 321)  # unknown length: the CLI streams it as multipart
    up = subprocess.run([AWS_BIN, "--endpoint-url", aws.endpoint, "s3", "cp", "-",
                         f"s3://{cli_bucket}/stream.bin"], input=data, env=aws.env,
                        capture_output=True, timeout=120)
    assert up.returncode == 0, up.stderr
    head = aws.api("head-object", "--bucket", cli_bucket, "--key", "stream.bin")
    assert head["ContentLength"] == len(data) and head["ETag"].strip('"').endswith("-2"), head
    down = subprocess.run([AWS_BIN, "--endpoint-url", aws.endpoint, "s3", "cp",
                           f"s3://{cli_bucket}/stream.bin", "-"], env=aws.env,
                          capture_output=True, timeout=120)
    assert down.returncode == 0, down.stderr
    assert hashlib.sha256(down.stdout).digest() == hashlib.sha256(data).digest()


def test_aws_s3_sync_uploads_once_then_mirrors_deletions(aws, cli_bucket, tmp_path):
    local = tmp_path / "site"
    files = make_tree(local)
    url = f"s3://{cli_bucket}/site"

    def sync(*args):
        return aws.s3("sync", *args, cwd=tmp_path, timeout=300).stdout

    first = sync("site", url)
    assert sorted(transfer_lines(first, "upload")) == sorted(
        f"upload: site/{f} to {url}/{f}" for f in files), first
    assert aws.keys(cli_bucket, "site/") == sorted("site/" + f for f in files)

    second = sync("site", url)
    assert second.strip() == "", f"second sync transferred again:\n{second}"

    (local / "a.txt").write_bytes(b"alpha, longer now\n")
    (local / "many/file-03.dat").unlink()
    third = sync("--delete", "site", url)
    assert transfer_lines(third, "upload") == [f"upload: site/a.txt to {url}/a.txt"], third
    assert transfer_lines(third, "delete") == [f"delete: {url}/many/file-03.dat"], third
    assert "site/many/file-03.dat" not in aws.keys(cli_bucket, "site/")

    got = sync(url, "copy")
    assert len(transfer_lines(got, "download")) == len(files) - 1, got
    assert tree_digest(tmp_path / "copy") == tree_digest(local)

    again = sync(url, "copy")
    assert again.strip() == "", f"second download sync transferred again:\n{again}"

    aws.s3("rm", f"{url}/dir1/b.txt")
    mirrored = sync("--delete", url, "copy")
    assert transfer_lines(mirrored, "delete") == ["delete: copy/dir1/b.txt"], mirrored
    assert not (tmp_path / "copy/dir1/b.txt").exists()
    expected = tree_digest(local)
    del expected["dir1/b.txt"]
    assert tree_digest(tmp_path / "copy") == expected


def test_aws_s3_sync_of_empty_file_then_other_files_does_not_stall(aws, cli_bucket, tmp_path):
    """botocore sends Expect: 100-continue with empty file bodies too; unless the
    server answers 100 Continue before the final response, botocore keeps that
    response's status line for the next response on the pooled connection,
    misparses it and stalls until its read timeout."""
    local = tmp_path / "with-empty"
    local.mkdir()
    (local / "a-empty.txt").write_bytes(b"")
    (local / "b-full.txt").write_bytes(b"not empty")
    # One connection, one request at a time: the empty file's PUT goes first and the
    # next PUT reuses its connection. A short read timeout and no retries turn a
    # stall into a failure instead of a minute's wait.
    aws.run("configure", "set", "default.s3.max_concurrent_requests", "1")
    out = aws.run("s3", "sync", "--no-progress", "--cli-read-timeout", "5", str(local),
                  f"s3://{cli_bucket}/e", check=False, timeout=60)
    assert out.returncode == 0, out.stderr
    assert aws.keys(cli_bucket) == ["e/a-empty.txt", "e/b-full.txt"]
    assert aws.api("head-object", "--bucket", cli_bucket, "--key", "e/a-empty.txt")[
        "ContentLength"] == 0


def test_aws_s3_sync_ls_and_rm_handle_more_than_1000_keys(aws, cli_bucket, tmp_path):
    local = tmp_path / "many"
    local.mkdir()
    for i in range(1050):
        (local / f"k{i:04d}").write_bytes(b"%d" % i)
    url = f"s3://{cli_bucket}/many"
    first = aws.s3("sync", local, url, timeout=300)
    assert len(transfer_lines(first.stdout, "upload")) == 1050
    # A complete listing across the 1000-key page boundary: nothing to upload again.
    again = aws.s3("sync", local, url)
    assert again.stdout.strip() == "", again.stdout[:2000]
    listed = aws.s3("ls", "--recursive", f"s3://{cli_bucket}/").stdout.splitlines()
    assert sorted(line.split()[-1] for line in listed) == [f"many/k{i:04d}" for i in range(1050)]
    # Two DeleteObjects batches (1000 + 50).
    removed = aws.s3("rm", "--recursive", url + "/")
    assert len(transfer_lines(removed.stdout, "delete")) == 1050
    assert aws.keys(cli_bucket) == []


def test_aws_s3_rm_recursive_removes_only_the_prefix(aws, cli_bucket, tmp_path):
    local = tmp_path / "tree"
    files = make_tree(local)
    aws.s3("sync", local, f"s3://{cli_bucket}/tree", timeout=300)
    aws.api("put-object", "--bucket", cli_bucket, "--key", "treehouse.txt")
    many = [f for f in files if f.startswith("many/")]

    out = aws.s3("rm", "--recursive", f"s3://{cli_bucket}/tree/many/")
    assert len(transfer_lines(out.stdout, "delete")) == len(many)
    left = aws.keys(cli_bucket)
    assert left == sorted(["treehouse.txt"] + ["tree/" + f for f in files if f not in many])

    aws.s3("rm", "--recursive", f"s3://{cli_bucket}/tree/")
    assert aws.keys(cli_bucket) == ["treehouse.txt"]
    listing = aws.s3("ls", "--recursive", f"s3://{cli_bucket}").stdout.splitlines()
    assert [line.split()[-1] for line in listing] == ["treehouse.txt"]


def test_aws_s3api_put_head_get_list_copy_delete_objects(aws, cli_bucket, tmp_path):
    body = tmp_path / "body.bin"
    body.write_bytes(os.urandom(5000))
    put = aws.api("put-object", "--bucket", cli_bucket, "--key", "docs/one.bin", "--body",
                  str(body), "--content-type", "application/x-test",
                  "--metadata", "color=blue,shape=round")
    assert put["ETag"] == f'"{md5_hex(body.read_bytes())}"'

    head = aws.api("head-object", "--bucket", cli_bucket, "--key", "docs/one.bin")
    assert head["ContentLength"] == 5000
    assert head["ContentType"] == "application/x-test"
    assert head["Metadata"] == {"color": "blue", "shape": "round"}
    assert head["ETag"] == put["ETag"]

    out = tmp_path / "out.bin"
    got = aws.api("get-object", "--bucket", cli_bucket, "--key", "docs/one.bin", str(out))
    assert got["ContentLength"] == 5000 and out.read_bytes() == body.read_bytes()

    copy = aws.api("copy-object", "--bucket", cli_bucket, "--key", "docs/two.bin",
                   "--copy-source", f"{cli_bucket}/docs/one.bin")
    assert copy["CopyObjectResult"]["ETag"] == put["ETag"]
    for i in range(3):
        aws.api("put-object", "--bucket", cli_bucket, "--key", f"flat/{i}.txt")

    # Pages of two keys: the CLI follows the continuation tokens.
    listed = aws.api("list-objects-v2", "--bucket", cli_bucket, "--page-size", "2")
    assert [o["Key"] for o in listed["Contents"]] == sorted(
        ["docs/one.bin", "docs/two.bin"] + [f"flat/{i}.txt" for i in range(3)])
    folders = aws.api("list-objects-v2", "--bucket", cli_bucket, "--delimiter", "/")
    assert [p["Prefix"] for p in folders["CommonPrefixes"]] == ["docs/", "flat/"]
    assert "Contents" not in folders
    docs = aws.api("list-objects-v2", "--bucket", cli_bucket, "--prefix", "docs/",
                   "--no-paginate")
    assert [(o["Key"], o["Size"]) for o in docs["Contents"]] == [
        ("docs/one.bin", 5000), ("docs/two.bin", 5000)]
    assert docs["KeyCount"] == 2

    aws.api("delete-object", "--bucket", cli_bucket, "--key", "docs/one.bin")
    deleted = aws.api("delete-objects", "--bucket", cli_bucket, "--delete",
                      json.dumps({"Objects": [{"Key": f"flat/{i}.txt"} for i in range(3)]}))
    assert sorted(d["Key"] for d in deleted["Deleted"]) == [f"flat/{i}.txt" for i in range(3)]
    assert aws.keys(cli_bucket) == ["docs/two.bin"]


def test_aws_s3api_multipart_create_upload_list_complete_abort(aws, cli_bucket, tmp_path):
    p1, p2 = tmp_path / "p1", tmp_path / "p2"
    write_random_file(p1, 5 * MIB)
    write_random_file(p2, 1234)
    up = aws.api("create-multipart-upload", "--bucket", cli_bucket, "--key", "mp/obj")
    upload_id = up["UploadId"]
    assert up["Key"] == "mp/obj" and up["Bucket"] == cli_bucket

    e1 = aws.api("upload-part", "--bucket", cli_bucket, "--key", "mp/obj", "--upload-id",
                 upload_id, "--part-number", "1", "--body", str(p1))["ETag"]
    e2 = aws.api("upload-part", "--bucket", cli_bucket, "--key", "mp/obj", "--upload-id",
                 upload_id, "--part-number", "2", "--body", str(p2))["ETag"]
    assert e1 == f'"{md5_hex(p1.read_bytes())}"' and e2 == f'"{md5_hex(p2.read_bytes())}"'

    parts = aws.api("list-parts", "--bucket", cli_bucket, "--key", "mp/obj",
                    "--upload-id", upload_id)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in parts] == [
        (1, e1, 5 * MIB), (2, e2, 1234)]
    uploads = aws.api("list-multipart-uploads", "--bucket", cli_bucket)["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in uploads] == [("mp/obj", upload_id)]

    bad = aws.run("s3api", "complete-multipart-upload", "--bucket", cli_bucket, "--key", "mp/obj",
                  "--upload-id", upload_id, "--multipart-upload",
                  json.dumps({"Parts": [{"PartNumber": 1, "ETag": '"' + "0" * 32 + '"'}]}),
                  check=False)
    assert bad.returncode == 254 and "InvalidPart" in bad.stderr

    done = aws.api("complete-multipart-upload", "--bucket", cli_bucket, "--key", "mp/obj",
                   "--upload-id", upload_id, "--multipart-upload",
                   json.dumps({"Parts": [{"PartNumber": 1, "ETag": e1},
                                         {"PartNumber": 2, "ETag": e2}]}))
    md5s = hashlib.md5(p1.read_bytes()).digest() + hashlib.md5(p2.read_bytes()).digest()
    assert done["ETag"] == f'"{hashlib.md5(md5s).hexdigest()}-2"'

    out = tmp_path / "whole"
    aws.api("get-object", "--bucket", cli_bucket, "--key", "mp/obj", str(out))
    assert out.read_bytes() == p1.read_bytes() + p2.read_bytes()
    # The parts count is reported for part requests only, as S3 does.
    part = aws.api("head-object", "--bucket", cli_bucket, "--key", "mp/obj", "--part-number", "2")
    assert part["PartsCount"] == 2 and part["ContentLength"] == 1234
    assert "PartsCount" not in aws.api("head-object", "--bucket", cli_bucket, "--key", "mp/obj")
    assert aws.api("list-multipart-uploads", "--bucket", cli_bucket).get("Uploads", []) == []

    other = aws.api("create-multipart-upload", "--bucket", cli_bucket, "--key", "mp/abandoned")
    aws.api("upload-part", "--bucket", cli_bucket, "--key", "mp/abandoned", "--upload-id",
            other["UploadId"], "--part-number", "1", "--body", str(p2))
    aws.api("abort-multipart-upload", "--bucket", cli_bucket, "--key", "mp/abandoned",
            "--upload-id", other["UploadId"])
    assert aws.api("list-multipart-uploads", "--bucket", cli_bucket).get("Uploads", []) == []
    gone = aws.run("s3api", "list-parts", "--bucket", cli_bucket, "--key", "mp/abandoned",
                   "--upload-id", other["UploadId"], check=False)
    assert gone.returncode == 254 and "NoSuchUpload" in gone.stderr
    assert aws.keys(cli_bucket) == ["mp/obj"]


def test_aws_cli_errors_give_nonzero_exit_and_the_s3_error_code(aws, server, cli_bucket, tmp_path):
    missing = aws.run("s3api", "get-object", "--bucket", cli_bucket, "--key", "nope",
                      str(tmp_path / "x"), check=False)
    assert missing.returncode == 254 and "NoSuchKey" in missing.stderr
    head = aws.run("s3api", "head-object", "--bucket", cli_bucket, "--key", "nope", check=False)
    assert head.returncode == 254 and "404" in head.stderr
    nobucket = aws.s3("ls", f"s3://{unique_bucket('absent')}", check=False)
    assert nobucket.returncode != 0 and "NoSuchBucket" in nobucket.stderr
    cp_missing = aws.s3("cp", f"s3://{cli_bucket}/nope", tmp_path / "y", check=False)
    assert cp_missing.returncode != 0 and not (tmp_path / "y").exists()

    wrong_secret = AwsCli(server.endpoint, tmp_path / "h2", secret_key="not-the-secret-key")
    denied = wrong_secret.s3("ls", check=False)
    assert denied.returncode != 0 and "SignatureDoesNotMatch" in denied.stderr
    unknown = AwsCli(server.endpoint, tmp_path / "h3", access_key="NOSUCHKEY12345")
    denied = unknown.s3("ls", check=False)
    assert denied.returncode != 0 and "InvalidAccessKeyId" in denied.stderr
