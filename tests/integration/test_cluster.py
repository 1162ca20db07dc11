"""Distributed mode: real 4-node clusters of `silo server` processes on
127.0.0.1, each node with its own port and two drive folders, driven by
boto3 through every node, with nodes killed (SIGKILL) and frozen
(SIGSTOP)."""

import json
import os
import socket
import subprocess
import time
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from botocore.exceptions import ClientError

from cluster import Cluster
from conftest import SILO_BIN
from conftest import ACCESS_KEY, SECRET_KEY, SILO_BIN
from ec_helpers import admin_json, wait_for

KIB = 1024
MIB = 1024 * 1024

# What these check is the servers' distribution, not an SDK: they run once,
# not again with the newer boto3 (each test starts four server processes).
pytestmark = pytest.mark.sdk_independent


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path).start()
    yield c
    c.stop()


def shard_files(drive):
    data = drive / "data"
    return [p for p in data.rglob("*") if p.is_file()] if data.exists() else []


def test_any_node_serves_any_request(cluster):
    cluster.client(0).create_bucket(Bucket="shared")
    body = os.urandom(3 * MIB + 17)
    cluster.client(1).put_object(Bucket="shared", Key="photos/a.jpg", Body=body)
    cluster.client(2).put_object(Bucket="shared", Key="small", Body=b"tiny")
    for i in range(4):
        s3 = cluster.client(i)
        assert "shared" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
        assert s3.get_object(Bucket="shared", Key="photos/a.jpg")["Body"].read() == body
        assert s3.get_object(Bucket="shared", Key="small")["Body"].read() == b"tiny"
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="shared")["Contents"]]
        assert keys == ["photos/a.jpg", "small"]
    cluster.client(3).delete_object(Bucket="shared", Key="small")
    with pytest.raises(ClientError) as e:
        cluster.client(0).get_object(Bucket="shared", Key="small")
    assert e.value.response["Error"]["Code"] == "NoSuchKey"


def test_shards_spread_over_every_node(cluster):
    s3 = cluster.client(0)
    s3.create_bucket(Bucket="spread")
    s3.put_object(Bucket="spread", Key="big", Body=os.urandom(4 * MIB))
    # One set of 8 drives, EC 4+4: every drive of every node holds a shard.
    for n in range(4):
        for drive in cluster.node_drives(n):
            assert shard_files(drive), f"no shard on {drive}"


def test_internode_calls_need_the_token(cluster):
    url = cluster.nodes[0].endpoint + "/silo/internode/v1/drive/read_format"
    for headers in ({}, {"x-silo-internode-token": "0" * 64}):
        r = requests.post(url, params={"drive": str(cluster.node_drives(0)[0])},
                          headers=headers, timeout=5)
        assert r.status_code == 403, r.text


def test_one_node_down_reads_and_writes_go_on(cluster):
    s3 = cluster.client(0)
    s3.create_bucket(Bucket="bkt")
    before = {f"k{i}": os.urandom(200_000 + i) for i in range(6)}
    for k, v in before.items():
        s3.put_object(Bucket="bkt", Key=k, Body=v)
    cluster.kill(3)
    written = {f"w{i}": os.urandom(300_000 + i) for i in range(6)}
    for i, (k, v) in enumerate(written.items()):
        cluster.client(i % 3).put_object(Bucket="bkt", Key=k, Body=v)
    for i in range(3):
        for k, v in {**before, **written}.items():
            assert cluster.client(i).get_object(Bucket="bkt", Key=k)["Body"].read() == v
    # Back: it rejoins and serves everything, old and new...
    cluster.start_node(3)
    s3_back = cluster.client(3)
    for k, v in {**before, **written}.items():
        assert s3_back.get_object(Bucket="bkt", Key=k)["Body"].read() == v
    # ...and the writes it missed are healed onto its drives (the queue of
    # partial writes, not the daily scanner).
    for drive in cluster.node_drives(3):
        wait_for(lambda: len(shard_files(drive)) >= len(before) + len(written), 60,
                 f"the missed shards to be healed onto {drive}")


def test_two_nodes_down_reads_go_on_and_writes_are_refused(cluster):
    s3 = cluster.client(0)
    s3.create_bucket(Bucket="bkt")
    body = os.urandom(MIB)
    s3.put_object(Bucket="bkt", Key="k", Body=body)
    cluster.kill(2)
    cluster.kill(3)
    assert s3.get_object(Bucket="bkt", Key="k")["Body"].read() == body
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket="bkt", Key="new", Body=b"x" * 1000)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    wait_for(lambda: requests.get(cluster.nodes[0].endpoint + "/silo/health/ready",
                                  timeout=5).status_code == 503, 10, "ready to answer 503")


def test_a_frozen_node_does_not_freeze_the_cluster(cluster):
    s3 = cluster.client(0)
    s3.create_bucket(Bucket="bkt")
    s3.put_object(Bucket="bkt", Key="before", Body=b"y" * 100_000)
    cluster.freeze(3)
    try:
        started = time.monotonic()
        s3.put_object(Bucket="bkt", Key="during", Body=b"z" * 100_000)
        assert s3.get_object(Bucket="bkt", Key="before")["Body"].read() == b"y" * 100_000
        assert s3.get_object(Bucket="bkt", Key="during")["Body"].read() == b"z" * 100_000
        # Bounded by the internode deadlines, not by TCP timeouts.
        assert time.monotonic() - started < 30
    finally:
        cluster.thaw(3)


def test_a_node_whose_port_is_taken_says_so_and_exits(tmp_path):
    c = Cluster(tmp_path)
    taken = socket.socket()
    taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    taken.bind(("127.0.0.1", c.ports[0]))
    taken.listen()
    try:
        node = c.nodes[0]
        node.port = c.ports[0]
        r = subprocess.run([str(SILO_BIN), "server", "--address", f"127.0.0.1:{node.port}",
                            node.drives[0]], env=node.env, capture_output=True, text=True,
                           timeout=30)
        # It used to abort (std::terminate, SIGABRT) while stopping the
        # listener that never started.
        assert r.returncode == 1, r.stderr
        assert "cannot listen on" in r.stderr and "Address already in use" in r.stderr
    finally:
        taken.close()


def test_a_new_deployment_waits_for_every_node(tmp_path):
    c = Cluster(tmp_path)
    try:
        for i in range(3):
            c.nodes[i].start(port=c.ports[i])
        time.sleep(1.5)
        for i in range(3):
            r = requests.get(c.nodes[i].endpoint + "/silo/health/ready", timeout=5)
            assert r.status_code == 503
            assert c.nodes[i].proc.poll() is None
        with pytest.raises(ClientError):
            c.client(0).list_buckets()
        c.start_node(3)
        c.wait_ready(range(4))
        c.client(1).create_bucket(Bucket="late")
        assert "late" in [b["Name"] for b in c.client(3).list_buckets()["Buckets"]]
    finally:
        c.stop()


def test_concurrent_writes_through_every_node(cluster):
    cluster.client(0).create_bucket(Bucket="many")
    bodies = {f"obj-{i}": os.urandom(50_000 + i * 1000) for i in range(24)}

    def put(item):
        i, (k, v) = item
        cluster.client(i % 4).put_object(Bucket="many", Key=k, Body=v)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, enumerate(bodies.items())))
    s3 = cluster.client(2)
    for k, v in bodies.items():
        assert s3.get_object(Bucket="many", Key=k)["Body"].read() == v


def test_conditional_writes_through_every_node_have_one_winner(cluster):
    """If-None-Match: * and If-Match for one key, sent through all four
    nodes at once: the distributed key lock lets exactly one win."""
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "consistency"))
    from test_conditional import body, one_winner, race, with_headers

    s3 = cluster.client(0)
    s3.create_bucket(Bucket="cond")
    for round_ in range(4):
        key = f"new-{round_}"
        clients = [with_headers(cluster.client(i % 4), "PutObject", {"If-None-Match": "*"})
                   for i in range(8)]
        bodies = [body(i + 100 * round_, 200_000) for i in range(8)]
        w = one_winner(race([lambda c=c, b=b: c.put_object(Bucket="cond", Key=key, Body=b)
                             for c, b in zip(clients, bodies)]))
        for i in range(4):
            assert cluster.client(i).get_object(Bucket="cond", Key=key)["Body"].read() == \
                bodies[w]
    s3.put_object(Bucket="cond", Key="k", Body=b"base")
    for round_ in range(3):
        etag = s3.head_object(Bucket="cond", Key="k")["ETag"]
        clients = [with_headers(cluster.client(i % 4), "PutObject", {"If-Match": etag})
                   for i in range(8)]
        bodies = [body(i + 1000 * round_, 3000) for i in range(8)]
        w = one_winner(race([lambda c=c, b=b: c.put_object(Bucket="cond", Key="k", Body=b)
                             for c, b in zip(clients, bodies)]))
        assert cluster.client(3).get_object(Bucket="cond", Key="k")["Body"].read() == bodies[w]



def test_a_quota_change_through_one_node_applies_at_once_on_the_others(cluster):
    """Nodes remember a bucket's quota for a few seconds; the node that
    changes it tells the others, so none of them goes on trusting the old
    value."""
    # A peer seen offline is not told (it forgets by expiry): every node
    # must see the others online first (each node starts seeing a peer
    # that hands over to its serving listener offline for a moment).
    cluster.wait_ready(range(4))
    cluster.client(0).create_bucket(Bucket="quo")
    writer = cluster.client(1)
    # Node 2 now remembers that the bucket has no quota.
    writer.put_object(Bucket="quo", Key="a", Body=b"a" * (60 * KIB))
    admin_json(cluster.nodes[0], "PUT", "/silo/admin/v1/quota",
               {"bucket": "quo", "size": str(100 * KIB)})
    started = time.monotonic()
    with pytest.raises(ClientError) as e:
        writer.put_object(Bucket="quo", Key="b", Body=b"b" * (60 * KIB))
    assert e.value.response["Error"]["Code"] == "QuotaExceeded"
    admin_json(cluster.nodes[2], "DELETE", "/silo/admin/v1/quota", {"bucket": "quo"})
    writer.put_object(Bucket="quo", Key="b", Body=b"b" * (60 * KIB))
    # Well within the 5 s a remembered quota is trusted.
    assert time.monotonic() - started < 3


def test_tags_and_policies_through_any_node(cluster):
    """Tags change in place on drives of every node (the internode
    update_meta call); a bucket policy set through one node governs
    anonymous requests through the others at once."""
    cluster.wait_ready(range(4))
    cluster.client(0).create_bucket(Bucket="shared")
    body = os.urandom(MIB + 5)
    cluster.client(1).put_object(Bucket="shared", Key="public/a", Body=body)
    cluster.client(2).put_object_tagging(Bucket="shared", Key="public/a", Tagging={
        "TagSet": [{"Key": "color", "Value": "blue"}]})
    for i in range(4):
        tags = cluster.client(i).get_object_tagging(Bucket="shared", Key="public/a")["TagSet"]
        assert tags == [{"Key": "color", "Value": "blue"}]
    url = f"{cluster.nodes[3].endpoint}/shared/public/a"
    assert requests.get(url).status_code == 403  # node 3 now remembers: no policy
    cluster.client(0).put_bucket_policy(Bucket="shared", Policy=json.dumps({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::shared/public/*"}]}))
    started = time.monotonic()
    assert requests.get(url).content == body
    assert time.monotonic() - started < 2


def test_versions_through_any_node_and_with_a_node_down(cluster):
    """Versioning enabled through one node governs writes through the
    others at once; versions written and deleted through different nodes
    (the internode read_version, delete_version and scan_versions calls)
    list and read back everywhere, also with a node down."""
    cluster.wait_ready(range(4))
    cluster.client(0).create_bucket(Bucket="versioned")
    cluster.client(1).put_bucket_versioning(Bucket="versioned",
                                            VersioningConfiguration={"Status": "Enabled"})
    bodies = [os.urandom(300 * KIB + i) for i in range(3)]
    ids = [cluster.client(i).put_object(Bucket="versioned", Key="doc", Body=b)["VersionId"]
           for i, b in enumerate(bodies)]
    assert len(set(ids)) == 3
    marker = cluster.client(3).delete_object(Bucket="versioned", Key="doc")
    assert marker["DeleteMarker"]
    cluster.kill(2)
    for i in (0, 1, 3):
        s3 = cluster.client(i)
        listed = s3.list_object_versions(Bucket="versioned")
        assert [v["VersionId"] for v in listed["Versions"]] == ids[::-1]
        assert [m["VersionId"] for m in listed["DeleteMarkers"]] == [marker["VersionId"]]
        for vid, body in zip(ids, bodies):
            assert s3.get_object(Bucket="versioned", Key="doc", VersionId=vid)["Body"].read() == body
    cluster.client(0).delete_object(Bucket="versioned", Key="doc", VersionId=marker["VersionId"])
    cluster.client(1).delete_object(Bucket="versioned", Key="doc", VersionId=ids[2])
    got = cluster.client(3).get_object(Bucket="versioned", Key="doc")
    assert got["VersionId"] == ids[1] and got["Body"].read() == bodies[1]


def admin_info(node, *args):
    """`silo admin info` through `node`, with the root credentials."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SILO_")}
    env.update({"SILO_ROOT_USER": ACCESS_KEY, "SILO_ROOT_PASSWORD": SECRET_KEY})
    r = subprocess.run([str(SILO_BIN), "admin", "info", "--endpoint", node.endpoint, *args],
                       capture_output=True, text=True, timeout=30, env=env)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_admin_info_shows_every_node_and_a_dead_one_offline(cluster):
    endpoints = [n.endpoint for n in cluster.nodes]

    def nodes_seen():
        info = json.loads(admin_info(cluster.nodes[1], "--json"))
        return {n["endpoint"]: n for n in info["nodes"]}

    def all_online(seen):
        return all(n["state"] == "online" and n["drives_online"] == 2 for n in seen.values())

    seen = nodes_seen()
    assert list(seen) == endpoints
    assert all_online(seen), seen
    for i, e in enumerate(endpoints):
        assert seen[e]["this_node"] == (i == 1)
        assert seen[e]["drives_total"] == 2 and seen[e]["total"] > 0
        assert seen[e]["used"] + seen[e]["free"] <= seen[e]["total"]
        assert all(d["state"] == "online" and d["total"] > 0 for d in seen[e]["drives"])

    cluster.kill(3)
    seen = wait_for(lambda: (s := nodes_seen())[endpoints[3]]["state"] == "offline" and s,
                    10, "node 4 to be seen offline", interval=0.2)
    dead = seen[endpoints[3]]
    assert dead["drives_online"] == 0 and dead["drives_total"] == 2
    assert all(d["state"] == "offline" for d in dead["drives"]), dead
    assert all_online({e: seen[e] for e in endpoints[:3]}), seen
    human = admin_info(cluster.nodes[1])
    assert "Nodes: 3 of 4 online" in human, human
    assert f"OFFLINE  {endpoints[3]}  0/2 drives online" in human, human
    assert f"online   {endpoints[1]} (this node)  2/2 drives online" in human, human
    assert f"online   {endpoints[0]}  2/2 drives online" in human, human

    cluster.start_node(3)
    wait_for(lambda: all_online(nodes_seen()), 10, "node 4 to be seen online again",
             interval=0.2)
    assert "Nodes: 4 of 4 online" in admin_info(cluster.nodes[1])
