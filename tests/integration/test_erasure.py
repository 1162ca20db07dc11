"""Erasure-coded sets under faults, with real servers on real folders.

4 drives form one EC 2+2 set (write quorum 3, read quorum 2); 8 drives one
EC 4+4 set (write quorum 5). Objects are small (inline: their shards live in
the drives' RocksDB records), large (3.5 MiB: four stripes, the last short) or
multipart (5 MiB + 5 MiB + tail: three shard files per drive).

Drives are "lost" by removing their folders while the server runs, corrupted
by flipping bytes in their shard files, and replaced by empty folders across a
restart; the server must keep returning exact bytes while enough shards
survive, fail cleanly (503 SlowDown or another 5xx, never wrong bytes) when
they do not, and heal what it can."""

import os
import random
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, SECRET_KEY, SILO_BIN, SiloServer
from ec_helpers import (
    BLOCK, HASH_LEN, INLINE_MAX, LAYOUTS, KIB, MIB, Obj, all_uuids, assert_reads, client, data_files,
    data_uuids, drive_paths, drive_states, flip_middle, get_bytes, heal_now, invert_run, make_body,
    md5_hex, object_folders, put, put_obj, read_error, remove_drives, server_alive,
    shard_role, snapshot, staged_entries, wait_for, wait_heal_idle, wait_offline,
    write_quorum,
)

KINDS = ["small", "large", "multipart"]
FILE_KINDS = ["large", "multipart"]   # kinds stored in shard files
# How many objects of each kind a test writes: small ones are cheap and each
# key rotates the shard order differently, so more of them cover more layouts.
COUNT = {"small": 6, "large": 2, "multipart": 1}

def start(make_server, tmp_path, n, env=None):
    return make_server(drives=drive_paths(tmp_path, n), env=env)


def write_objects(s3, bucket, kind, prefix="obj"):
    return [put_obj(s3, bucket, f"{prefix}/{kind}-{i}", kind) for i in range(COUNT[kind])]


def assert_put_refused(s3, bucket, key, parts):
    """A write that must fail for lack of write quorum: 503 SlowDown."""
    with pytest.raises(ClientError) as e:
        put(s3, bucket, key, parts)
    meta = e.value.response
    got = (meta["ResponseMetadata"]["HTTPStatusCode"], meta["Error"]["Code"])
    assert got == (503, "SlowDown"), f"PUT {key} without write quorum failed with {got}"


def sets_of_removals(n):
    """(first, second): drives removed while write quorum still holds, then
    enough more to reach m missing drives (index lists, 0-based)."""
    k, m = LAYOUTS[n]
    first_count = n - write_quorum(k, m)
    order = [1, 3, 4, 6, 0, 2, 5, 7][:n] if n == 8 else [1, 3, 0, 2]
    return order[:first_count], order[first_count:m]


# ---------------------------------------------------------------- 1. lose m drives

@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n", [4, 8])
def test_reads_and_quorum_writes_survive_removed_drives(make_server, tmp_path, n, kind):
    srv = start(make_server, tmp_path, n)
    drives = drive_paths(tmp_path, n)
    s3 = client(srv)
    s3.create_bucket(Bucket="ecset")
    objs = write_objects(s3, "ecset", kind)

    first, second = sets_of_removals(n)
    # Lose drives while write quorum still holds; read at once (before the
    # monitor noticed) and after the drives are marked offline.
    remove_drives(srv, [drives[i] for i in first], wait=False)
    assert_reads(s3, "ecset", objs, f"right after removing {[drives[i].name for i in first]}",
                 srv=srv)
    wait_offline(srv, [drives[i] for i in first])
    assert_reads(s3, "ecset", objs, "with the removed drives offline", srv=srv)

    # Writes still reach their quorum: a new key and an overwrite.
    new = put_obj(s3, "ecset", f"new/{kind}", kind)
    over = Obj(objs[0].key, make_body(kind))
    put(s3, "ecset", over.key, over.parts)
    objs = [over] + objs[1:] + [new]
    assert_reads(s3, "ecset", objs, "after writing with drives missing", srv=srv)

    # Up to m drives missing: everything still reads back exactly.
    remove_drives(srv, [drives[i] for i in second])
    assert_reads(s3, "ecset", objs, f"with {len(first) + len(second)} of {n} drives removed",
                 srv=srv)
    for o in objs:
        head = s3.head_object(Bucket="ecset", Key=o.key)
        assert head["ContentLength"] == len(o.body)
        # A range in the last stripe decodes only what it touches.
        got = s3.get_object(Bucket="ecset", Key=o.key, Range=f"bytes={len(o.body) - 1000}-")
        assert got["Body"].read() == o.body[-1000:], o.key

    # Below write quorum a new key is refused with 503 SlowDown and never
    # becomes visible.
    refused = make_body(kind)
    assert_put_refused(s3, "ecset", f"refused/{kind}", refused)
    status, _ = read_error(s3, "ecset", f"refused/{kind}")
    assert status in (404, 503), status
    assert_reads(s3, "ecset", objs, "after the refused write", srv=srv)
    assert server_alive(srv)


@pytest.mark.parametrize("n", [4, 8])
def test_multipart_upload_spanning_drive_loss(make_server, tmp_path, n):
    """An upload started with every drive, continued and completed after
    drives were lost (write quorum still holding), reads back exactly, also
    once m drives are gone."""
    srv = start(make_server, tmp_path, n)
    drives = drive_paths(tmp_path, n)
    s3 = client(srv)
    s3.create_bucket(Bucket="mpset")
    parts = make_body("multipart")
    up = s3.create_multipart_upload(Bucket="mpset", Key="span")["UploadId"]
    etags = [s3.upload_part(Bucket="mpset", Key="span", UploadId=up, PartNumber=1,
                            Body=parts[0])["ETag"]]
    first, second = sets_of_removals(n)
    remove_drives(srv, [drives[i] for i in first])
    for i, p in enumerate(parts[1:], 2):
        etags.append(s3.upload_part(Bucket="mpset", Key="span", UploadId=up, PartNumber=i,
                                    Body=p)["ETag"])
    listed = s3.list_parts(Bucket="mpset", Key="span", UploadId=up)["Parts"]
    assert [p["PartNumber"] for p in listed] == [1, 2, 3]
    s3.complete_multipart_upload(
        Bucket="mpset", Key="span", UploadId=up,
        MultipartUpload={"Parts": [{"PartNumber": i, "ETag": e} for i, e in enumerate(etags, 1)]})
    obj = Obj("span", parts)
    assert_reads(s3, "mpset", [obj], "after completing with drives missing", srv=srv)
    remove_drives(srv, [drives[i] for i in second])
    assert_reads(s3, "mpset", [obj], f"with m of {n} drives missing", srv=srv)
    assert s3.list_multipart_uploads(Bucket="mpset").get("Uploads", []) == []


@pytest.mark.parametrize("n", [4, 8])
def test_get_in_progress_survives_losing_drives(make_server, tmp_path, n):
    """Drives vanish while a large GET is streaming: the rest of the body is
    still exact (decoded from the drives that remain)."""
    k, m = LAYOUTS[n]
    srv = start(make_server, tmp_path, n)
    drives = drive_paths(tmp_path, n)
    s3 = client(srv)
    s3.create_bucket(Bucket="stream")
    obj, folders = put_tracked(s3, drives, "stream", "big", "multipart")
    data_drives = [d for d in drives if shard_role(folders[d], obj.parts, k) == "data"]
    body = s3.get_object(Bucket="stream", Key="big")["Body"]
    got = bytearray(body.read(MIB))
    remove_drives(srv, data_drives[:m], wait=False)
    while chunk := body.read(256 * KIB):
        got += chunk
    assert len(got) == len(obj.body) and bytes(got) == obj.body
    wait_offline(srv, data_drives[:m])
    assert get_bytes(s3, "stream", "big") == obj.body


@pytest.mark.parametrize("n,old_kind,new_kind", [
    (4, "small", "small"),
    (4, "large", "small"),
    (4, "small", "large"),
    (4, "large", "multipart"),
    (8, "small", "small"),
    (8, "multipart", "large"),
])
def test_refused_overwrite_keeps_previous_version(make_server, tmp_path, n, old_kind, new_kind):
    k, m = LAYOUTS[n]
    srv = start(make_server, tmp_path, n)
    drives = drive_paths(tmp_path, n)
    s3 = client(srv)
    s3.create_bucket(Bucket="ecset")
    old = put_obj(s3, "ecset", f"keep/{old_kind}", old_kind)
    remove_drives(srv, drives[:m])
    assert_put_refused(s3, "ecset", old.key, make_body(new_kind))
    assert get_bytes(s3, "ecset", old.key) == old.body, (
        "the previous version must survive a refused overwrite")


# ---------------------------------------------------------------- 2. bitrot

def damage(folder, how):
    """Damages every shard file in `folder`: flips bytes in the middle,
    truncates to half, or deletes the last part's file."""
    files = sorted(folder.iterdir())
    if how == "flip":
        for f in files:
            flip_middle(f)
    elif how == "truncate":
        for f in files:
            os.truncate(f, f.stat().st_size // 2)
    elif how == "delete":
        files[-1].unlink()
    else:
        raise ValueError(how)


def corrupt_object(drives, folders, obj, k, role, how="flip"):
    """Damages the shard files of `obj` on the first drive whose shard has
    `role`; returns (drive, folder, snapshot before)."""
    for d in drives:
        folder = folders.get(Path(d))
        if folder is not None and shard_role(folder, obj.parts, k) == role:
            before = snapshot(folder)
            damage(folder, how)
            assert snapshot(folder) != before
            return Path(d), folder, before
    raise AssertionError(f"no drive holds a {role} shard")


def put_tracked(s3, drives, bucket, key, kind):
    before = all_uuids(drives)
    o = put_obj(s3, bucket, key, kind)
    folders = object_folders(drives, before)
    assert len(folders) == len(drives), (
        f"{key}: shard folders on {len(folders)} of {len(drives)} drives")
    return o, folders


@pytest.mark.parametrize("n,kind,how", [
    (4, "large", "flip"), (4, "multipart", "flip"), (8, "large", "flip"), (8, "multipart", "flip"),
    (4, "large", "truncate"), (8, "multipart", "truncate"), (4, "multipart", "delete"),
    (8, "large", "delete"),
])
def test_damaged_data_shard_is_read_around_and_healed_by_the_read(make_server, tmp_path, n,
                                                                   kind, how):
    k, _ = LAYOUTS[n]
    srv = start(make_server, tmp_path, n)
    drives = drive_paths(tmp_path, n)
    s3 = client(srv)
    s3.create_bucket(Bucket="rot")
    obj, folders = put_tracked(s3, drives, "rot", f"rot/{kind}", kind)

    drive, folder, before = corrupt_object(drives, folders, obj, k, "data", how)
    assert get_bytes(s3, "rot", obj.key) == obj.body, "GET must rebuild the damaged shard"
    # The read queued the object for healing: the files on that drive come back
    # byte for byte (same shard, same hashes).
    wait_for(lambda: snapshot(folder) == before, 15,
             f"the corrupt shard files on {drive.name} to be rewritten")
    assert sorted(p.name for p in folder.iterdir()) == sorted(before)
    assert get_bytes(s3, "rot", obj.key) == obj.body
    assert staged_entries(drive) == []


@pytest.mark.parametrize("kind", FILE_KINDS)
@pytest.mark.parametrize("n", [4, 8])
def test_corrupt_parity_shard_is_healed_by_admin_heal(make_server, tmp_path, n, kind):
    k, _ = LAYOUTS[n]
    srv = start(make_server, tmp_path, n)
    drives = drive_paths(tmp_path, n)
    s3 = client(srv)
    s3.create_bucket(Bucket="rot")
    obj, folders = put_tracked(s3, drives, "rot", f"rot/{kind}", kind)
    other = put_obj(s3, "rot", "other/small", "small")

    drive, folder, before = corrupt_object(drives, folders, obj, k, "parity")
    # A GET reads data shards only, so it returns the right bytes either way.
    assert get_bytes(s3, "rot", obj.key) == obj.body
    report = heal_now(srv, bucket="rot")
    assert report["objects_scanned"] >= 2, report
    assert report["objects_healed"] >= 1 and report["shards_healed"] >= 1, report
    assert report["errors"] == 0, report
    assert snapshot(folder) == before, f"the parity shard on {drive.name} was not restored"
    # Nothing is left to heal.
    again = heal_now(srv)
    assert again["objects_healed"] == 0 and again["errors"] == 0, again
    assert_reads(s3, "rot", [obj, other], "after the heal", srv=srv)


@pytest.mark.parametrize("n,kind", [(4, "large"), (8, "multipart")])
def test_background_scanner_restores_a_missing_parity_shard(make_server, tmp_path, n, kind):
    """A parity shard file goes missing; no read ever needs it, so only the
    periodic scanner (here every second) can notice and rebuild it."""
    k, _ = LAYOUTS[n]
    srv = start(make_server, tmp_path, n, env={"SILO_SCANNER_INTERVAL": "1s"})
    drives = drive_paths(tmp_path, n)
    s3 = client(srv)
    s3.create_bucket(Bucket="scan")
    obj, folders = put_tracked(s3, drives, "scan", f"scan/{kind}", kind)
    drive, folder, before = corrupt_object(drives, folders, obj, k, "parity", "delete")
    wait_for(lambda: snapshot(folder) == before, 20,
             f"the scanner to rebuild the missing parity shard on {drive.name}")
    assert get_bytes(s3, "scan", obj.key) == obj.body


def differing_blocks(framed, written, shard_block):
    """Indices of the framed blocks ([hash][block]) of a shard file whose hash
    or bytes differ from those the server wrote (`written`): the blocks that no
    longer verify. A file of another length differs everywhere."""
    if framed is None or len(framed) != len(written):
        return ["length"]
    step = HASH_LEN + shard_block
    return [i for i, off in enumerate(range(0, len(written), step))
            if framed[off:off + step] != written[off:off + step]]


def key_with_data_on_first_drives(prefix, n):
    """A key whose data shards land on the first drives: the placement
    rotation starts at FNV-1a(key) mod n (see layout_for in object/placement.cpp)."""
    for i in range(1000):
        key = f"{prefix}-{i}"
        h = 1469598103934665603
        for c in key.encode():
            h = ((h ^ c) * 1099511628211) % (1 << 64)
        if h % n == 0:
            return key
    raise AssertionError("no key found")


def test_scattered_bitrot_on_every_drive_is_read_around_and_healed(make_server, tmp_path):
    """Issue 9, item 2. 4 drives (EC 2+2), one 9 MiB object, one corrupt
    64-byte run in a different stripe on each drive (stripe 0 on drive 1,
    stripe 1 on drive 2, ...). Every stripe keeps 3 shards that verify, so
    whole and ranged GETs return exact bytes: a bad block costs that block,
    not the drive. The reads queue the object for healing, which verifies all
    four shards (a GET reads only k per stripe) and rewrites each one with a
    bad block, within seconds; then any two drives carry the object alone.
    The key puts the data shards on drives 1 and 2, where reads start: a
    drive dropped at its first bad block then fails the GET at 2 MiB."""
    n = 4
    k, _ = LAYOUTS[n]
    srv = start(make_server, tmp_path, n)
    drives = drive_paths(tmp_path, n)
    s3 = client(srv)
    s3.create_bucket(Bucket="rot")
    body = os.urandom(9 * MIB)
    key = key_with_data_on_first_drives("scattered", n)
    before = all_uuids(drives)
    s3.put_object(Bucket="rot", Key=key, Body=body)
    folders = object_folders(drives, before)
    assert len(folders) == n
    roles = [shard_role(folders[Path(d)], [body], k) for d in drives]
    assert roles == ["data", "data", "parity", "parity"], roles
    files = [folders[Path(d)] / "part.1" for d in drives]
    written = [f.read_bytes() for f in files]
    shard_block = -(-BLOCK // k)
    for i, f in enumerate(files):
        invert_run(f, i * (HASH_LEN + shard_block) + HASH_LEN + 4321)
        assert differing_blocks(f.read_bytes(), written[i], shard_block) == [i]

    # A ranged GET across the damaged stripes, unaligned at both ends.
    first, last = BLOCK // 2 + 17, 3 * BLOCK + BLOCK // 2
    got = s3.get_object(Bucket="rot", Key=key,
                        Range=f"bytes={first}-{last}")["Body"].read()
    assert got == body[first:last + 1], "ranged GET across scattered bitrot"
    got = get_bytes(s3, "rot", key)
    assert len(got) == len(body) and got == body, (
        f"GET across scattered bitrot returned {len(got)} of {len(body)} bytes, "
        f"{'equal' if got == body[:len(got)] else 'different'}")
    for first, last in [(0, 99), (3 * BLOCK + 4000, 3 * BLOCK + 4400), (BLOCK, 2 * BLOCK - 1)]:
        got = s3.get_object(Bucket="rot", Key=key,
                            Range=f"bytes={first}-{last}")["Body"].read()
        assert got == body[first:last + 1], f"ranged GET {first}-{last}"

    # Healing rewrites all four shards: every block verifies again.
    bad = {}

    def all_verify():
        bad.clear()
        for i, d in enumerate(drives):
            files_now = snapshot(folders[Path(d)])
            blocks = differing_blocks(files_now and files_now.get("part.1"), written[i],
                                      shard_block)
            if blocks:
                bad[d.name] = blocks
        return not bad
    try:
        wait_for(all_verify, 30, "every shard of the object to verify again", interval=0.2)
    except AssertionError as e:
        raise AssertionError(f"{e}; blocks that do not verify: {bad}\n"
                             f"{srv.read_log()[-3000:]}") from None
    for d in drives:
        assert staged_entries(d) == []
    assert get_bytes(s3, "rot", key) == body
    remove_drives(srv, drives[:2])
    assert get_bytes(s3, "rot", key) == body, "two drives must carry the healed object"


# ---------------------------------------------------------------- 3. replace a drive

@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n", [4, 8])
def test_replaced_drive_is_rebuilt_and_then_carries_reads(make_server, tmp_path, n, kind):
    k, m = LAYOUTS[n]
    srv = start(make_server, tmp_path, n)
    drives = drive_paths(tmp_path, n)
    s3 = client(srv)
    s3.create_bucket(Bucket="rep")
    objs = write_objects(s3, "rep", kind)
    victim = drives[1]
    shards_before = snapshot_drive(victim)
    assert (len(shards_before) > 0) == (kind != "small")

    srv.stop()   # (may exit -11: SIGTERM crash covered in test_crash.py)
    shutil.rmtree(victim)
    victim.mkdir()
    srv = make_server(drives=drives)
    log = srv.read_log()
    assert str(victim) in log and "replaced" in log, log[-2000:]

    # The background heal started for the replaced drive rebuilds every shard,
    # and reports what it did where operators look (the heal progress that
    # `silo admin heal` and `silo admin info` show).
    progress = wait_heal_idle(srv, timeout=60)
    assert "replaced" in progress.get("scope", ""), progress
    assert progress["objects_scanned"] >= len(objs), progress
    assert progress["objects_healed"] == len(objs), progress
    assert progress["errors"] == 0, progress
    if kind != "small":
        assert progress["bytes_healed"] > 0, progress
    assert set(drive_states(srv).values()) == {"online"}
    assert snapshot_drive(victim) == shards_before, (
        f"shard files on the replaced drive {victim.name} differ from the originals")
    assert staged_entries(victim) == []
    report = heal_now(srv)
    assert report["objects_scanned"] == len(objs), report
    assert report["objects_healed"] == 0 and report["errors"] == 0, report

    # Now lose m other drives: the replaced drive's shards are needed to read.
    others = [d for d in drives if d != victim][:m]
    remove_drives(srv, others)
    s3 = client(srv)
    assert_reads(s3, "rep", objs, f"from the replaced drive and {n - m - 1} others", srv=srv)
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket="rep").get("Contents", [])) == \
        sorted(o.key for o in objs)


def snapshot_drive(drive):
    """{relative path: bytes} of every shard file on a drive."""
    return {p.relative_to(drive).as_posix(): p.read_bytes() for p in data_files(drive)}


# ---------------------------------------------------------------- 4. lose more than m

@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n", [4, 8])
def test_losing_more_than_parity_fails_reads_cleanly(make_server, tmp_path, n, kind):
    k, m = LAYOUTS[n]
    srv = start(make_server, tmp_path, n)
    drives = drive_paths(tmp_path, n)
    s3 = client(srv)
    s3.create_bucket(Bucket="lost")
    objs = write_objects(s3, "lost", kind)
    remove_drives(srv, drives[-(m + 1):])
    for o in objs:
        status, code = read_error(s3, "lost", o.key)
        assert status is not None and 500 <= status < 600, (o.key, status, code)
        with pytest.raises(ClientError) as e:
            s3.get_object(Bucket="lost", Key=o.key, Range="bytes=0-99")["Body"].read()
        assert 500 <= e.value.response["ResponseMetadata"]["HTTPStatusCode"] < 600
    assert server_alive(srv), "the server must stay up when too many drives are gone"
    assert requests.get(srv.endpoint + "/silo/health/live", timeout=3).status_code == 200


@pytest.mark.parametrize("kind", FILE_KINDS)
@pytest.mark.parametrize("n", [4, 8])
def test_too_few_intact_shards_never_returns_wrong_bytes(make_server, tmp_path, n, kind):
    """m drives gone and one of the remaining k shards corrupt: the read must
    fail (an error status, or a body cut short after correct bytes)."""
    k, m = LAYOUTS[n]
    srv = start(make_server, tmp_path, n)
    drives = drive_paths(tmp_path, n)
    s3 = client(srv)
    s3.create_bucket(Bucket="lost")
    obj, folders = put_tracked(s3, drives, "lost", f"lost/{kind}", kind)
    data_drives = [d for d in drives if shard_role(folders[d], obj.parts, k) == "data"]
    parity_drives = [d for d in drives if d not in data_drives]
    remove_drives(srv, parity_drives[:m])
    # Flip bytes in the first stripe of one data shard so the failure comes
    # before any body byte is sent.
    for f in sorted(folders[data_drives[0]].iterdir()):
        with open(f, "r+b") as fh:
            fh.seek(100)
            b = fh.read(16)
            fh.seek(100)
            fh.write(bytes(x ^ 0x5A for x in b))
    got = bytearray()
    status = None
    try:
        r = s3.get_object(Bucket="lost", Key=obj.key)
        for chunk in r["Body"].iter_chunks(1 << 16):
            got += chunk
    except ClientError as e:
        status = e.response["ResponseMetadata"]["HTTPStatusCode"]
    except Exception:  # noqa: BLE001 - a body cut short is a failed read
        status = "cut"
    assert bytes(got) == obj.body[:len(got)], "the server returned wrong bytes"
    # The first stripe is read before the response starts: an error status,
    # not a 200 with a cut body.
    assert status is not None and status != "cut" and 500 <= status < 600, (
        f"GET with k-1 intact shards returned {len(got)} bytes and status {status}")
    assert server_alive(srv)


# ---------------------------------------------------------------- 5. kill -9

@pytest.mark.parametrize("attempt", [1, 2])
def test_kill9_during_concurrent_writes_on_a_4_drive_set(make_server, tmp_path, attempt):
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    ctx = f"(seed {seed})"
    drives = drive_paths(tmp_path, 4)
    srv = make_server(drives=drives)
    s3 = client(srv)
    s3.create_bucket(Bucket="crash")

    def body():
        size = rng.choice([rng.randint(0, 100 * KIB), rng.randint(1 * MIB, 2 * MIB + 300 * KIB)])
        return rng.randbytes(size)

    # Each key's writer sends versions 1, 2, 3, ... (version 0: the content
    # the key had before; new keys start at version 0). versions[key] holds
    # six distinct bodies the numbers cycle through.
    # acked[key]: last acknowledged version (-1: none); sent[key]: last sent.
    initial, versions, acked, sent = {}, {}, {}, {}
    for i in range(12):
        key = f"old/{i:02d}"
        initial[key] = body()
        s3.put_object(Bucket="crash", Key=key, Body=initial[key])
        acked[key] = sent[key] = 0
    for t in range(4):
        for i in range(3):
            acked[f"new/{t}/{i}"] = sent[f"new/{t}/{i}"] = -1
    for key in acked:
        versions[key] = [body() for _ in range(6)]

    def content(key, v):
        if key in initial:
            return initial[key] if v == 0 else versions[key][(v - 1) % 6]
        return versions[key][v % 6]

    killed = threading.Event()
    errors = []
    keys = sorted(acked)
    rng.shuffle(keys)

    def worker(my_keys):
        c = client(srv)
        try:
            while not killed.is_set():
                for key in my_keys:
                    if killed.is_set():
                        return
                    v = sent[key] + 1
                    sent[key] = v
                    c.put_object(Bucket="crash", Key=key, Body=content(key, v))
                    acked[key] = v
        except Exception as e:  # noqa: BLE001 - judged below
            if not killed.is_set():
                errors.append(repr(e))

    threads = [threading.Thread(target=worker, args=(keys[i::4],), daemon=True) for i in range(4)]
    for t in threads:
        t.start()
    time.sleep(rng.uniform(0.3, 1.0))
    killed.set()
    srv.kill()
    for t in threads:
        t.join(60)
        assert not t.is_alive(), "a client thread hung after the kill"
    assert errors == [], f"writes failed before the kill {ctx}: {errors}"
    overwritten = sum(1 for key in acked if acked[key] > 0)
    assert overwritten > 0, f"no overwrite finished before the kill {ctx}"

    srv = make_server(drives=drives)
    s3 = client(srv)
    for d in drives:
        assert staged_entries(d) == [], f"{d.name}: staged writes left after restart {ctx}"
    listing = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket="crash"):
        for o in page.get("Contents", []):
            assert o["Key"] not in listing, f"{o['Key']} listed twice {ctx}"
            listing[o["Key"]] = o
    present = {}
    for key in sorted(acked):
        allowed = {content(key, v) for v in range(max(acked[key], 0), sent[key] + 1)}
        try:
            r = s3.get_object(Bucket="crash", Key=key)
            data, etag = r["Body"].read(), r["ETag"]
        except ClientError as e:
            assert e.response["Error"]["Code"] == "NoSuchKey", (key, e.response["Error"], ctx)
            assert acked[key] == -1, f"{key}: acknowledged write lost {ctx}"
            assert key not in listing, f"{key} listed but not readable {ctx}"
            continue
        assert data in allowed, (
            f"{key}: {len(data)} bytes that are neither the last acknowledged version nor "
            f"one sent after it {ctx}")
        assert etag == f'"{md5_hex(data)}"', (
            f"{key}: ETag {etag} is not the MD5 of the content {ctx}")
        assert key in listing and listing[key]["Size"] == len(data), f"{key} {ctx}"
        present[key] = data
    assert sorted(listing) == sorted(present), ctx

    # Reads report what they found inconsistent; once healed, every data
    # folder held by at least k drives (a committed object's) is on all four,
    # one per object stored in files. (Remnants of writes that reached fewer
    # than k drives are the subject of test_remnant_of_a_write_...)
    large = sum(1 for v in present.values() if len(v) > INLINE_MAX)

    def settled():
        for key in present:
            assert get_bytes(s3, "crash", key) == present[key]
        per_drive = [set(data_uuids(d)) for d in drives]
        held = {u: sum(u in p for p in per_drive) for u in set().union(*per_drive)}
        major = [u for u, c in held.items() if c >= 2]
        return (len(major) == large and all(held[u] == 4 for u in major)) or None
    try:
        wait_for(settled, 60, f"each drive to hold the {large} data folders of the large "
                 f"objects {ctx}", interval=0.5)
    except AssertionError as e:
        per_drive = {d.name: sorted(data_uuids(d)) for d in drives}
        raise AssertionError(f"{e}\nfolders per drive: {per_drive}\n"
                             f"log:\n{srv.read_log()[-3000:]}") from None
    for d in drives:
        assert staged_entries(d) == [], f"{d.name} {ctx}"


def test_remnant_of_a_write_that_reached_too_few_drives_is_removed(make_server, tmp_path):
    """The state a kill -9 leaves when a new object's commit reached one drive
    of four: that drive holds its record and data, the others never heard of
    it. Made exactly by restoring three drives from copies taken before the
    write. The key must stay invisible, and the remnant must go away (the
    scanner runs every second here)."""
    drives = drive_paths(tmp_path, 4)
    env = {"SILO_SCANNER_INTERVAL": "1s"}
    srv = make_server(drives=drives, env=env)
    s3 = client(srv)
    s3.create_bucket(Bucket="remnant")
    keep = put_obj(s3, "remnant", "keep", "large")
    srv.stop()
    backup = tmp_path / "backup"
    for d in drives[1:]:
        shutil.copytree(d, backup / d.name, symlinks=True)
    srv = make_server(drives=drives, env=env)
    s3 = client(srv)
    put_obj(s3, "remnant", "ghost", "large")
    srv.stop()
    for d in drives[1:]:
        shutil.rmtree(d)
        shutil.move(str(backup / d.name), str(d))
    keep_uuids = set(data_uuids(drives[1]))
    assert set(data_uuids(drives[0])) - keep_uuids, "the remnant's data folder is on drive 1"

    srv = make_server(drives=drives, env=env)
    s3 = client(srv)
    assert read_error(s3, "remnant", "ghost") == (404, "NoSuchKey")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="remnant")["Contents"]] == ["keep"]
    assert get_bytes(s3, "remnant", "keep") == keep.body
    report = heal_now(srv)
    assert report["errors"] == 0, report
    wait_for(lambda: set(data_uuids(drives[0])) == keep_uuids, 4,
             "the admin heal or the scanner to remove the remnant's data folder on d1")


def stale_drive_scenario(make_server, tmp_path, n):
    """Drives go away (folder moved) while keys are overwritten, deleted and
    created, then come back holding the old state. Returns (srv, s3, drives,
    the drives that were away, {key: Obj} of what must exist, deleted keys)."""
    srv = start(make_server, tmp_path, n)
    drives = drive_paths(tmp_path, n)
    s3 = client(srv)
    s3.create_bucket(Bucket="stale")
    objs = {key: put_obj(s3, "stale", key, kind) for key, kind in [
        ("over-small", "small"), ("over-large", "large"), ("del-small", "small"),
        ("del-large", "large"), ("same", "small")]}
    away = [drives[i] for i in sets_of_removals(n)[0]]
    for d in away:
        d.rename(d.with_name(d.name + ".away"))
    wait_offline(srv, away)
    objs["over-small"] = put_obj(s3, "stale", "over-small", "small")
    objs["over-large"] = put_obj(s3, "stale", "over-large", "large")
    deleted = ["del-large", "del-small"]
    for key in deleted:
        s3.delete_object(Bucket="stale", Key=key)
        del objs[key]
    objs["created"] = put_obj(s3, "stale", "created", "large")
    for d in away:
        d.with_name(d.name + ".away").rename(d)

    def back_online():
        states = drive_states(srv)
        return all(states[str(d)] == "online" for d in away)
    wait_for(back_online, 10, "the drives to come back online", interval=0.1)
    return srv, s3, drives, away, objs, deleted


def listed_keys(s3, bucket):
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


@pytest.mark.parametrize("n", [4, 8])
def test_drive_returning_with_stale_data_does_not_revert_objects(make_server, tmp_path, n):
    k, m = LAYOUTS[n]
    srv, s3, drives, away, objs, deleted = stale_drive_scenario(make_server, tmp_path, n)
    for _ in range(2):   # before and after the heals the reads trigger
        assert listed_keys(s3, "stale") == sorted(objs)
        assert_reads(s3, "stale", objs.values(), "with stale drives back", srv=srv)
        for key in deleted:
            assert read_error(s3, "stale", key) == (404, "NoSuchKey"), key
    # The reads queued the returned drives for healing (one worker, in order;
    # "created" was read last): they get the current objects' data folders.
    ref = next(d for d in drives if d not in away)
    wait_for(lambda: all(set(data_uuids(ref)) <= set(data_uuids(d)) for d in away), 10,
             "reads to heal the returned drives", interval=0.1)
    # With m other drives gone (so the returned ones are needed) the current
    # objects still read exactly.
    remove_drives(srv, [d for d in drives if d not in away][:m])
    assert_reads(s3, "stale", objs.values(), "from the healed drives", srv=srv)


@pytest.mark.parametrize("n", [4, 8])
def test_objects_deleted_while_a_drive_was_away_stay_deleted(make_server, tmp_path, n):
    k, m = LAYOUTS[n]
    srv, s3, drives, away, objs, deleted = stale_drive_scenario(make_server, tmp_path, n)
    assert_reads(s3, "stale", objs.values(), "with stale drives back", srv=srv)
    for key in deleted:
        assert read_error(s3, "stale", key) == (404, "NoSuchKey"), key
    report = heal_now(srv)
    assert report["errors"] == 0, report
    # A full heal leaves every drive with the data folders of the current
    # objects only.
    ref = next(d for d in drives if d not in away)
    for d in away:
        assert set(data_uuids(d)) == set(data_uuids(ref)), f"{d.name} keeps deleted data"
    remove_drives(srv, [d for d in drives if d not in away][:m])
    assert listed_keys(s3, "stale") == sorted(objs), "deleted objects are listed again"
    for key in deleted:
        status, code = read_error(s3, "stale", key)
        assert status in (404, 503), (key, status, code)


# ---------------------------------------------------------------- 6. listing

@pytest.mark.parametrize("n", [4, 8])
def test_listing_with_drives_missing_shows_every_object_once(make_server, tmp_path, n):
    k, m = LAYOUTS[n]
    srv = start(make_server, tmp_path, n)
    drives = drive_paths(tmp_path, n)
    s3 = client(srv)
    s3.create_bucket(Bucket="list")
    keys = {}
    for key in ["a/1", "a/2", "a/3", "b/c/1", "b/c/2", "b/d", "top1", "top2", "z/z"]:
        keys[key] = put_obj(s3, "list", key, "small").body
    keys["big/large"] = put_obj(s3, "list", "big/large", "large").body
    keys["big/mp"] = put_obj(s3, "list", "big/mp", "multipart").body

    first, second = sets_of_removals(n)
    remove_drives(srv, [drives[i] for i in first])
    # Changes made while drives are missing: a new key, an overwrite, a delete.
    keys["a/4"] = put_obj(s3, "list", "a/4", "small").body
    keys["top1"] = put_obj(s3, "list", "top1", "large").body
    s3.delete_object(Bucket="list", Key="b/d")
    del keys["b/d"]
    remove_drives(srv, [drives[i] for i in second])

    expected = sorted(keys)
    # Full listing, v2 and v1.
    got = s3.list_objects_v2(Bucket="list")
    assert [o["Key"] for o in got["Contents"]] == expected
    assert {o["Key"]: o["Size"] for o in got["Contents"]} == {k_: len(v) for k_, v in keys.items()}
    assert [o["Key"] for o in s3.list_objects(Bucket="list")["Contents"]] == expected

    # Pagination with tiny pages (v2 tokens and v1 markers).
    for max_keys in (1, 2, 3):
        seen = []
        for page in s3.get_paginator("list_objects_v2").paginate(
                Bucket="list", PaginationConfig={"PageSize": max_keys}):
            assert page["KeyCount"] <= max_keys
            seen += [o["Key"] for o in page.get("Contents", [])]
        assert seen == expected, f"v2 pages of {max_keys}"
    seen, marker = [], ""
    for _ in range(50):
        page = s3.list_objects(Bucket="list", MaxKeys=2, Marker=marker)
        seen += [o["Key"] for o in page.get("Contents", [])]
        if not page["IsTruncated"]:
            break
        marker = page.get("NextMarker") or page["Contents"][-1]["Key"]
    assert seen == expected, "v1 pages of 2"

    # Delimiter: each common prefix once, and the keys at the top level.
    got = s3.list_objects_v2(Bucket="list", Delimiter="/")
    assert [p["Prefix"] for p in got["CommonPrefixes"]] == ["a/", "b/", "big/", "z/"]
    assert [o["Key"] for o in got.get("Contents", [])] == ["top1", "top2"]
    got = s3.list_objects_v2(Bucket="list", Delimiter="/", Prefix="b/")
    assert [p["Prefix"] for p in got["CommonPrefixes"]] == ["b/c/"]
    assert "Contents" not in got
    entries = []
    for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket="list", Delimiter="/", PaginationConfig={"PageSize": 1}):
        entries += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        entries += [o["Key"] for o in page.get("Contents", [])]
    assert sorted(entries) == ["a/", "b/", "big/", "top1", "top2", "z/"]
    assert len(entries) == len(set(entries))

    # And the listed objects read back.
    assert_reads(s3, "list", [Obj(k_, [v]) for k_, v in keys.items()], "listed objects", srv=srv)


# ---------------------------------------------------------------- startup

@pytest.mark.parametrize("n,env,parity", [
    (4, None, 2), (8, None, 4), (8, {"SILO_STORAGE_CLASS_STANDARD": "EC:3"}, 3),
], ids=["4-default", "8-default", "8-EC3"])
def test_startup_prints_layout_and_uses_its_parity(make_server, tmp_path, n, env, parity):
    srv = start(make_server, tmp_path, n, env=env)
    log = srv.read_log()
    assert f"{n} in 1 erasure set(s) of {n}" in log, log
    assert "Parity" in log and f"EC:{parity} (STANDARD)" in log, log
    # The parity is really used: a large object's shard files have the size
    # of k = n - parity data shards.
    drives = drive_paths(tmp_path, n)
    s3 = client(srv)
    s3.create_bucket(Bucket="lay")
    obj, folders = put_tracked(s3, drives, "lay", "x", "large")
    k = n - parity
    shard_block = -(-MIB // k)
    size = len(obj.body)
    full, rest = divmod(size, MIB)
    expected = full * (32 + shard_block) + (32 + -(-rest // k) if rest else 0)
    for d, folder in folders.items():
        assert (folder / "part.1").stat().st_size == expected, d.name
    roles = [shard_role(f, obj.parts, k) for f in folders.values()]
    assert roles.count("data") == k and roles.count("parity") == parity


def test_reduced_redundancy_objects_use_their_own_parity(make_server, tmp_path):
    """On 4 drives REDUCED_REDUNDANCY is EC:1 (3 data + 1 parity): it
    survives one lost drive, not two."""
    srv = start(make_server, tmp_path, 4)
    drives = drive_paths(tmp_path, 4)
    s3 = client(srv)
    s3.create_bucket(Bucket="rrs")
    before = all_uuids(drives)
    body = make_body("large")[0]
    s3.put_object(Bucket="rrs", Key="r", Body=body, StorageClass="REDUCED_REDUNDANCY")
    folders = object_folders(drives, before)
    obj = Obj("r", [body])
    roles = [shard_role(f, obj.parts, 3) for f in folders.values()]
    assert sorted(roles) == ["data", "data", "data", "parity"], roles
    assert s3.head_object(Bucket="rrs", Key="r").get("StorageClass") == "REDUCED_REDUNDANCY"
    std = put_obj(s3, "rrs", "s", "large")
    data_drive = next(d for d in drives if shard_role(folders[d], obj.parts, 3) == "data")
    remove_drives(srv, [data_drive])
    assert_reads(s3, "rrs", [obj, std], "one drive lost", srv=srv)
    # Written with a drive offline, a REDUCED_REDUNDANCY object gets one more
    # parity shard (EC 2+2), so it survives losing a second drive.
    late = Obj("late", make_body("large"))
    s3.put_object(Bucket="rrs", Key="late", Body=late.body, StorageClass="REDUCED_REDUNDANCY")
    other = next(d for d in drives if d != data_drive)
    remove_drives(srv, [other])
    status, code = read_error(s3, "rrs", "r")
    assert status is not None and 500 <= status < 600, (status, code)
    assert_reads(s3, "rrs", [std, late], "two drives lost", srv=srv)


def failed_start(drives):
    srv = SiloServer(drives)
    with pytest.raises(RuntimeError):
        srv.start(timeout=15)
    srv.stop()
    return srv.proc.returncode, srv.read_log()


def test_startup_refuses_a_drive_from_another_deployment(make_server, tmp_path):
    a = drive_paths(tmp_path / "a", 4)
    b = drive_paths(tmp_path / "b", 4)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for drives in (a, b):
        srv = make_server(drives=drives)
        s3 = client(srv)
        s3.create_bucket(Bucket="dep")
        s3.put_object(Bucket="dep", Key="k", Body=b"x" * 1000)
        srv.stop()
    shutil.rmtree(a[2])
    shutil.move(str(b[2]), str(a[2]))
    rc, log = failed_start(a)
    assert rc not in (0, None), log
    assert str(a[2]) in log and "another deployment" in log, log


def test_startup_refuses_a_different_layout(make_server, tmp_path):
    drives = drive_paths(tmp_path, 8)
    srv = make_server(drives=drives[:4])
    s3 = client(srv)
    s3.create_bucket(Bucket="lay")
    s3.put_object(Bucket="lay", Key="k", Body=b"y" * 1000)
    srv.stop()
    rc, log = failed_start(drives)
    assert rc not in (0, None), log
    assert "4 drives" in log and "8 drives" in log, log
    # Fewer drives than formatted, or the same drives in another order.
    rc, log = failed_start(drives[:2])
    assert rc not in (0, None), log
    rc, log = failed_start([drives[1], drives[0], drives[2], drives[3]])
    assert rc not in (0, None), log
    assert str(drives[1]) in log or str(drives[0]) in log, log
    # The old drives still work with the layout they were made for.
    srv = make_server(drives=drives[:4])
    assert get_bytes(client(srv), "lay", "k") == b"y" * 1000


def test_startup_on_a_busy_port_exits_with_an_error_not_an_abort(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        env = dict(os.environ, SILO_ROOT_USER=ACCESS_KEY, SILO_ROOT_PASSWORD=SECRET_KEY)
        proc = subprocess.run(
            [str(SILO_BIN), "server", "--address", f"127.0.0.1:{port}",
             *map(str, drive_paths(tmp_path, 4))],
            capture_output=True, text=True, env=env, timeout=30)
    assert "cannot listen" in proc.stderr, proc.stderr
    assert proc.returncode == 1, f"exit {proc.returncode}: {proc.stderr}"
