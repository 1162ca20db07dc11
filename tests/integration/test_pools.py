"""Pools: a deployment grows by adding a pool (a second drive argument, the
server restarted), new objects spread over the pools by free space, a pool is
drained by `silo admin decommission` and then removed, and `silo admin
rebalance` evens the pools out. Real servers, real folders, boto3 and the
`silo` client."""

import hashlib
import os
import subprocess

import pytest

from conftest import ACCESS_KEY, SECRET_KEY, SILO_BIN
from ec_helpers import admin_json, client, wait_for

pytestmark = pytest.mark.sdk_independent

MIB = 1 << 20


def pool_arg(base, name, drives=4):
    return f"{base}/{name}/d{{1...{drives}}}"


def silo_admin(srv, *args, timeout=120):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SILO_")}
    env.update({"SILO_ROOT_USER": ACCESS_KEY, "SILO_ROOT_PASSWORD": SECRET_KEY})
    return subprocess.run([str(SILO_BIN), "admin", *args, "--endpoint", srv.endpoint],
                          capture_output=True, text=True, timeout=timeout, env=env)


def pools_of(srv):
    return admin_json(srv, "GET", "/silo/admin/v1/pools", timeout=30)["pools"]


def write_objects(s3, bucket, prefix, count, size):
    """Objects of `size` bytes (one multipart of three parts among them);
    returns {key: (md5 of the bytes, ETag)}."""
    written = {}
    for i in range(count):
        key = f"{prefix}{i:04d}"
        data = os.urandom(size)
        etag = s3.put_object(Bucket=bucket, Key=key, Body=data)["ETag"]
        written[key] = (hashlib.md5(data).hexdigest(), etag)
    key = f"{prefix}multipart"
    up = s3.create_multipart_upload(Bucket=bucket, Key=key, ContentType="video/mp4",
                                    Metadata={"camera": "front"})
    parts, whole = [], b""
    for n in range(1, 4):
        data = os.urandom(5 * MIB if n < 3 else 1000)
        whole += data
        e = s3.upload_part(Bucket=bucket, Key=key, UploadId=up["UploadId"], PartNumber=n,
                           Body=data)["ETag"]
        parts.append({"PartNumber": n, "ETag": e})
    etag = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up["UploadId"],
                                        MultipartUpload={"Parts": parts})["ETag"]
    written[key] = (hashlib.md5(whole).hexdigest(), etag)
    return written


def check_objects(s3, bucket, written):
    listed = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        listed.update(o["Key"] for o in page.get("Contents", []))
    assert listed == set(written), (len(listed), len(written))
    for key, (md5, etag) in written.items():
        r = s3.get_object(Bucket=bucket, Key=key)
        assert hashlib.md5(r["Body"].read()).hexdigest() == md5, key
        assert r["ETag"] == etag, key
        if key.endswith("multipart"):
            assert r["ContentType"] == "video/mp4" and r["Metadata"] == {"camera": "front"}


def test_a_second_pool_takes_new_objects_and_a_decommission_drains_the_first(make_server, tmp_path):
    first = pool_arg(tmp_path, "pool1")
    srv = make_server(drives=[first], log_dir=tmp_path)
    s3 = client(srv)
    s3.create_bucket(Bucket="photos")
    written = write_objects(s3, "photos", "old/", 30, 40_000)
    srv.stop()

    # Expansion: the first pool's argument, then the new one.
    second = pool_arg(tmp_path, "pool2")
    srv = make_server(drives=[first, second], log_dir=tmp_path)
    assert "Pool 2:" in srv.read_log()
    s3 = client(srv)
    check_objects(s3, "photos", written)
    written.update(write_objects(s3, "photos", "new/", 60, 40_000))
    # Equal free space (one filesystem): new objects go to both pools.
    used = [p["used"] for p in pools_of(srv)]
    assert used[1] >= 15 * 40_000, used
    assert used[0] > 30 * 40_000 + 15 * 40_000, used

    done = silo_admin(srv, "decommission", "start", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "complete: 100.0%" in done.stdout, done.stdout
    assert "remove its argument" in done.stdout
    pools = pools_of(srv)
    assert pools[0]["used"] == 0 and pools[0]["accepting"] is False, pools
    assert pools[0]["decommission"]["state"] == "complete"
    assert pools[0]["decommission"]["objects_moved"] >= 31, pools
    check_objects(s3, "photos", written)
    # The drained pool takes no new objects.
    written.update(write_objects(s3, "photos", "after/", 10, 1000))
    assert pools_of(srv)[0]["used"] == 0
    info = silo_admin(srv, "info")
    assert "Pools:" in info.stdout and "decommissioned: remove it" in info.stdout, info.stdout
    status = silo_admin(srv, "decommission", "status", first)
    assert "complete" in status.stdout, status.stdout + status.stderr
    again = silo_admin(srv, "decommission", "start", "1")
    assert again.returncode != 0 and "decommissioned already" in again.stderr, again.stderr
    srv.stop()

    # Removed from the command line: everything is still there.
    srv = make_server(drives=[second], log_dir=tmp_path)
    check_objects(client(srv), "photos", written)


def expanded(make_server, tmp_path, bucket, count, size):
    """A server of one pool of 2 drives filled with `count` objects of
    `size` bytes in `bucket`, restarted with a second, empty pool. Returns
    the server, both pools' drive arguments and what was written."""
    drives = [pool_arg(tmp_path, "pool1", 2), pool_arg(tmp_path, "pool2", 2)]
    srv = make_server(drives=drives[:1], log_dir=tmp_path)
    s3 = client(srv)
    s3.create_bucket(Bucket=bucket)
    written = write_objects(s3, bucket, "k", count, size)
    srv.stop()
    return make_server(drives=drives, log_dir=tmp_path), drives, written


def test_a_decommission_killed_midway_resumes_at_the_next_start(make_server, tmp_path):
    srv, drives, written = expanded(make_server, tmp_path, "logs", 150, 200_000)
    started = silo_admin(srv, "decommission", "start", "1", "--no-wait")
    assert started.returncode == 0, started.stdout + started.stderr
    assert "Follow it with: silo admin decommission status" in started.stdout
    # Killed at once: the move of ~40 MB takes about a second here.
    srv.kill()
    srv = make_server(drives=drives, log_dir=tmp_path)
    assert "resuming after a restart" in srv.read_log()
    wait_for(lambda: pools_of(srv)[0]["decommission"]["state"] == "complete", 120,
             "the decommission to finish after the restart")
    assert pools_of(srv)[0]["used"] == 0
    check_objects(client(srv), "logs", written)


def test_a_cancelled_decommission_lets_the_pool_take_objects_again(make_server, tmp_path):
    srv, _, written = expanded(make_server, tmp_path, "logs", 200, 300_000)
    assert silo_admin(srv, "decommission", "start", "1", "--no-wait").returncode == 0
    cancelled = silo_admin(srv, "decommission", "cancel", "1")
    assert cancelled.returncode == 0, cancelled.stdout + cancelled.stderr
    assert "canceled" in cancelled.stdout, cancelled.stdout
    pools = pools_of(srv)
    assert pools[0]["accepting"] is True and pools[0]["decommission"]["state"] == "canceled"
    s3 = client(srv)
    check_objects(s3, "logs", written)
    written.update(write_objects(s3, "logs", "more", 40, 300_000))
    assert pools_of(srv)[0]["used"] > pools[0]["used"], "pool 1 took no new object"
    bad = silo_admin(srv, "decommission", "start", "9")
    assert bad.returncode != 0 and "no pool '9'" in bad.stderr, bad.stderr


def test_a_rebalance_evens_out_the_pools_after_an_expansion(make_server, tmp_path):
    srv, _, written = expanded(make_server, tmp_path, "backups", 80, 100_000)
    before = [p["used"] for p in pools_of(srv)]
    assert before[1] == 0, before
    lone = silo_admin(srv, "rebalance", "status")
    assert lone.returncode != 0 and "no rebalance" in lone.stderr, lone.stderr
    done = silo_admin(srv, "rebalance", "start")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Rebalance complete" in done.stdout, done.stdout
    after = [p["used"] for p in pools_of(srv)]
    # Half of the bytes moved, give or take an object or two.
    assert abs(after[0] - after[1]) <= 0.2 * sum(after), after
    assert sum(after) == sum(before), (before, after)
    check_objects(client(srv), "backups", written)


def test_a_cluster_grows_by_a_pool_of_new_nodes_and_drains_the_old_ones(tmp_path):
    from cluster import Cluster
    c = Cluster(tmp_path, nodes=4, drives_per_node=2)
    try:
        # Two nodes first: one pool, one set of 4 drives (EC 2+2).
        c.use_pools([[0, 1]])
        c.start(which=[0, 1])
        # The SDKs' default retries: on a loaded machine the first write to
        # a cluster that just started may find a peer's drive call past its
        # deadline and answer 503 SlowDown, which clients retry. This test
        # is about growing and draining, not about that first write.
        s3 = c.client(0, retries={"max_attempts": 5, "mode": "standard"})
        s3.create_bucket(Bucket="media")
        written = write_objects(s3, "media", "old/", 20, 30_000)
        for i in (0, 1):
            c.nodes[i].stop()
        # Expansion: two new nodes with a pool of their own; every node
        # runs both pools' arguments.
        c.use_pools([[0, 1], [2, 3]])
        c.start()
        check_objects(c.client(3), "media", written)
        written.update(write_objects(c.client(2), "media", "new/", 30, 30_000))
        used = [p["used"] for p in pools_of(c.nodes[1])]
        assert used[1] > 0 and used[0] > 21 * 30_000, used
        done = silo_admin(c.nodes[2], "decommission", "start", "1")
        assert done.returncode == 0 and "complete" in done.stdout, done.stdout + done.stderr
        # Every node knows the pool takes no more objects (within a check).
        wait_for(lambda: all(not pools_of(n)[0]["accepting"] for n in c.nodes), 10,
                 "every node to see the drained pool")
        assert pools_of(c.nodes[0])[0]["used"] == 0
        check_objects(c.client(1), "media", written)
        c.stop()
        # The old nodes leave: the new ones serve everything alone.
        c.use_pools([[2, 3]], labels=[2])
        c.start(which=[2, 3])
        check_objects(c.client(3), "media", written)
    finally:
        c.stop()
