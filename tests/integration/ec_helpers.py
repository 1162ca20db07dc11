"""Helpers for the erasure-coding tests: multi-drive servers, the admin API
(SigV4-signed), drive removal with a bounded wait for the server to notice,
and locating an object's shard files on each drive."""

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import boto3
import requests
from botocore.auth import SigV4Auth
from botocore.config import Config
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, REGION, SECRET_KEY

KIB = 1024
MIB = 1024 * KIB
INLINE_MAX = 128 * KIB
BLOCK = 1 * MIB          # object bytes per stripe
HASH_LEN = 32            # HighwayHash-256 before every shard block
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

# Erasure layout by set size with the default parity.
LAYOUTS = {4: (2, 2), 8: (4, 4)}


def write_quorum(k, m):
    return k + 1 if k == m else k


def drive_paths(root, n):
    return [Path(root) / f"d{i}" for i in range(1, n + 1)]


def client(srv):
    """An S3 client that never retries: every failure the server returns is
    seen by the test, and refused requests cost no back-off."""
    cfg = Config(signature_version="s3v4", s3={"addressing_style": "path"},
                 retries={"total_max_attempts": 1, "mode": "standard"},
                 connect_timeout=3, read_timeout=30)
    return boto3.client("s3", endpoint_url=srv.endpoint, aws_access_key_id=ACCESS_KEY,
                        aws_secret_access_key=SECRET_KEY, region_name=REGION, config=cfg,
                        verify=getattr(srv, "verify", True))


# ---------------------------------------------------------------- admin API

def admin(srv, method, path, params=None, timeout=120):
    """A SigV4-signed admin call; returns the requests.Response."""
    url = srv.endpoint + path
    if params:
        url += "?" + "&".join(f"{k}={requests.utils.quote(v, safe='')}"
                              for k, v in sorted(params.items()))
    req = AWSRequest(method=method, url=url, data=b"",
                     headers={"x-amz-content-sha256": EMPTY_SHA256})
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", REGION).add_auth(req)
    prepared = req.prepare()
    return requests.request(method, prepared.url, headers=dict(prepared.headers),
                            data=b"", timeout=timeout, verify=getattr(srv, "verify", True))


def admin_json(srv, method, path, params=None, timeout=120):
    r = admin(srv, method, path, params, timeout)
    assert r.status_code == 200, f"{method} {path}: {r.status_code} {r.text}"
    return json.loads(r.text)


def heal_now(srv, bucket=None, prefix=None):
    params = {}
    if bucket:
        params["bucket"] = bucket
    if prefix:
        params["prefix"] = prefix
    return admin_json(srv, "POST", "/silo/admin/v1/heal", params or None)


def drive_states(srv):
    """{absolute drive path: "online"/"offline"}."""
    info = admin_json(srv, "GET", "/silo/admin/v1/info", timeout=10)
    return {d["path"]: d["state"] for s in info["sets"] for d in s["drives"]}


def wait_for(predicate, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def wait_offline(srv, drives, timeout=5):
    """Waits until the server reports every drive in `drives` offline."""
    wanted = {str(Path(d).resolve()) for d in drives}

    def all_offline():
        states = drive_states(srv)
        return all(states.get(d) == "offline" for d in wanted)
    wait_for(all_offline, timeout, f"drives {sorted(wanted)} to go offline", interval=0.1)


def remove_drives(srv, drives, wait=True):
    for d in drives:
        # The server may create files in the folder while it goes away.
        for _ in range(20):
            shutil.rmtree(d, ignore_errors=True)
            if not Path(d).exists():
                break
        assert not Path(d).exists(), f"could not remove {d}"
    if wait:
        wait_offline(srv, drives)


def wait_heal_idle(srv, timeout=60):
    """Waits until the background heal has run and finished (GET progress)."""
    def done():
        p = admin_json(srv, "GET", "/silo/admin/v1/heal", timeout=10)
        return p if (not p["running"] and p["finished"]) else None
    return wait_for(done, timeout, "the background heal to finish", interval=0.1)


# ---------------------------------------------------------------- on disk

def data_files(drive):
    """Every shard file under <drive>/data, sorted."""
    root = Path(drive) / "data"
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file())


def data_uuids(drive):
    """{data uuid: folder} of the object data folders on a drive."""
    root = Path(drive) / "data"
    if not root.exists():
        return {}
    return {p.name: p for p in root.glob("*/*/*") if p.is_dir()}


def object_folders(drives, before):
    """The data folders (one per drive) that appeared since `before`, a set
    of uuids: {drive: folder}. Exactly one new uuid must have appeared."""
    new = set()
    for d in drives:
        new |= set(data_uuids(d)) - before
    assert len(new) == 1, f"expected one new data folder, found {sorted(new)}"
    uuid = new.pop()
    out = {}
    for d in drives:
        folder = data_uuids(d).get(uuid)
        if folder is not None:
            out[Path(d)] = folder
    return out


def all_uuids(drives):
    out = set()
    for d in drives:
        out |= set(data_uuids(d))
    return out


def staged_entries(drive):
    tmp = Path(drive) / ".silo" / "tmp"
    return sorted(str(p.relative_to(drive)) for p in tmp.iterdir()) if tmp.exists() else []


def snapshot(folder):
    """{file name: bytes} of the shard files in one data folder; None while
    the folder is missing or being replaced (a heal renames a new one in)."""
    try:
        return {p.name: p.read_bytes() for p in sorted(Path(folder).iterdir()) if p.is_file()}
    except FileNotFoundError:
        return None


def shard_role(folder, part_bodies, k):
    """'data' or 'parity': what a drive's shard of this object is, found by
    comparing the first block of its part.1 with the object's bytes (the
    data shards of a stripe are consecutive slices of it)."""
    shard_block = -(-BLOCK // k)
    first = (Path(folder) / "part.1").read_bytes()[HASH_LEN:HASH_LEN + shard_block]
    stripe = part_bodies[0][:BLOCK]
    for i in range(k):
        piece = stripe[i * shard_block:(i + 1) * shard_block]
        if piece and first[:len(piece)] == piece:
            return "data"
    return "parity"


def invert_run(path, offset, count=64):
    """Inverts `count` bytes of a file at `offset`."""
    with open(path, "r+b") as f:
        f.seek(offset)
        run = f.read(count)
        f.seek(offset)
        f.write(bytes(b ^ 0xFF for b in run))
        f.flush()
        os.fsync(f.fileno())


def flip_middle(path, count=64):
    """Inverts `count` bytes in the middle of a file; returns the offset."""
    off = os.path.getsize(path) // 2
    invert_run(path, off, count)
    return off


# ---------------------------------------------------------------- objects

class Obj:
    """An object the test wrote: key, full body, and the bodies of its parts
    (one part for a plain PUT)."""

    def __init__(self, key, parts):
        self.key = key
        self.parts = parts
        self.body = b"".join(parts)

    @property
    def inline(self):
        return len(self.parts) == 1 and len(self.body) <= INLINE_MAX


def make_body(kind, seed=None):
    """The part bodies of an object of `kind`: small (inline), large (3.5 MiB,
    four stripes, the last one short) or multipart (5 MiB + 5 MiB + tail)."""
    if kind == "small":
        return [os.urandom(100 * KIB + 123)]
    if kind == "large":
        return [os.urandom(3 * MIB + 512 * KIB + 7)]
    if kind == "multipart":
        return [os.urandom(5 * MIB), os.urandom(5 * MIB), os.urandom(300 * KIB + 11)]
    raise ValueError(kind)


def put(s3, bucket, key, parts):
    """Stores `parts` as one object (multipart when more than one part)."""
    if len(parts) == 1:
        return s3.put_object(Bucket=bucket, Key=key, Body=parts[0])
    up = s3.create_multipart_upload(Bucket=bucket, Key=key)
    done = []
    for i, p in enumerate(parts, 1):
        r = s3.upload_part(Bucket=bucket, Key=key, UploadId=up["UploadId"], PartNumber=i, Body=p)
        done.append({"PartNumber": i, "ETag": r["ETag"]})
    return s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up["UploadId"],
                                        MultipartUpload={"Parts": done})


def put_obj(s3, bucket, key, kind):
    o = Obj(key, make_body(kind))
    put(s3, bucket, key, o.parts)
    return o


def get_bytes(s3, bucket, key):
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def assert_reads(s3, bucket, objs, what="", srv=None):
    """Every object reads back exactly; a failure names the key, the phase
    (`what`) and, given the server, the end of its log."""
    for o in objs:
        try:
            got = get_bytes(s3, bucket, o.key)
        except ClientError as e:
            log = srv.read_log()[-4000:] if srv is not None else ""
            raise AssertionError(f"{what}: GET {o.key} failed: {e}\n{log}") from None
        assert len(got) == len(o.body) and got == o.body, (
            f"{what}: {o.key} read back {len(got)} bytes that differ from the "
            f"{len(o.body)} written")


def read_error(s3, bucket, key):
    """The (status, code) of a GET that must fail; fails the test if the GET
    returns data at all (wrong bytes are never acceptable, and with too few
    drives there is no way to return the right ones)."""
    try:
        r = s3.get_object(Bucket=bucket, Key=key)
        body = r["Body"].read()
    except ClientError as e:
        return e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"]
    except Exception as e:  # noqa: BLE001 - a cut-off body is an error too
        return None, repr(e)
    raise AssertionError(
        f"GET {key} succeeded with {len(body)} bytes although too few drives hold it")


def md5_hex(data):
    return hashlib.md5(data).hexdigest()


def server_alive(srv):
    if srv.proc.poll() is not None:
        return False
    try:
        return requests.get(srv.endpoint + "/silo/health/live", timeout=3).status_code == 200
    except requests.RequestException:
        return False
