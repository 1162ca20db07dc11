"""`silo admin info|heal`: the operator's view of drives and on-demand healing."""

import json
import os
import shutil
import subprocess

import pytest

from conftest import ACCESS_KEY, SECRET_KEY, SILO_BIN

pytestmark = pytest.mark.sdk_independent


def admin(srv, *args, creds=(ACCESS_KEY, SECRET_KEY)):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SILO_")}
    env.update({"SILO_ROOT_USER": creds[0], "SILO_ROOT_PASSWORD": creds[1]})
    return subprocess.run([str(SILO_BIN), "admin", *args, "--endpoint", srv.endpoint],
                          capture_output=True, text=True, timeout=120, env=env)


def shard_files(drive):
    return sorted(os.path.join(root, f) for root, _, files in os.walk(os.path.join(drive, "data"))
                  for f in files)


def test_admin_heal_restores_a_corrupt_shard_and_reports_it(make_server, tmp_path):
    drives = [tmp_path / f"d{i}" for i in range(1, 5)]
    srv = make_server(drives=drives)
    s3 = srv.client()
    s3.create_bucket(Bucket="healme")
    body = os.urandom(3 * 1024 * 1024 + 11)
    s3.put_object(Bucket="healme", Key="big", Body=body)
    (victim,) = shard_files(str(drives[1]))
    original = open(victim, "rb").read()
    damaged = bytearray(original)
    damaged[100_000] ^= 0xFF
    open(victim, "wb").write(bytes(damaged))

    r = admin(srv, "heal", "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["objects_scanned"] == 1 and report["objects_healed"] == 1
    assert report["shards_healed"] == 1 and report["errors"] == 0
    (healed,) = shard_files(str(drives[1]))
    assert open(healed, "rb").read() == original
    # Nothing is left to do, and the human form says so.
    r = admin(srv, "heal")
    assert r.returncode == 0 and "Healed 0 of 1 objects" in r.stdout
    assert s3.get_object(Bucket="healme", Key="big")["Body"].read() == body


def test_admin_info_shows_offline_drives(make_server, tmp_path):
    drives = [tmp_path / f"d{i}" for i in range(1, 5)]
    srv = make_server(drives=drives)
    shutil.rmtree(drives[2])
    import time
    deadline = time.time() + 10
    while time.time() < deadline:
        r = admin(srv, "info", "--json")
        states = {d["path"]: d["state"] for s in json.loads(r.stdout)["sets"] for d in s["drives"]}
        if states[str(drives[2])] == "offline":
            break
        time.sleep(0.2)
    assert states[str(drives[2])] == "offline"
    assert sum(1 for s in states.values() if s == "online") == 3
    human = admin(srv, "info")
    assert "OFFLINE  " + str(drives[2]) in human.stdout


def test_admin_needs_the_root_credentials(make_server):
    srv = make_server()
    r = admin(srv, "info", creds=(ACCESS_KEY, "not-the-secret"))
    assert r.returncode == 1 and "SignatureDoesNotMatch" in r.stderr


def alias_admin(srv, *args):
    """`silo admin ARGS` with the server as alias `t` (SILO_ALIAS_t)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SILO_")}
    host = srv.endpoint.split("://", 1)[1]
    env["SILO_ALIAS_t"] = f"http://{ACCESS_KEY}:{SECRET_KEY}@{host}"
    return subprocess.run([str(SILO_BIN), "admin", *args], capture_output=True, text=True,
                          timeout=120, env=env)


def test_admin_heal_of_an_alias_path_reports_bytes_rate_and_eta(make_server, tmp_path):
    drives = [tmp_path / f"d{i}" for i in range(1, 5)]
    srv = make_server(drives=drives)
    s3 = srv.client()
    s3.create_bucket(Bucket="healme")
    bodies = {"a/one": os.urandom(3 * 1024 * 1024 + 5), "a/two": os.urandom(200 * 1024),
              "b/three": os.urandom(2 * 1024 * 1024)}
    for key, body in bodies.items():
        s3.put_object(Bucket="healme", Key=key, Body=body)
    # The largest shard file on a drive is a/one's (3 MiB; b/three has 2 MiB).
    victim = max(shard_files(str(drives[2])), key=os.path.getsize)
    original = open(victim, "rb").read()
    with open(victim, "r+b") as f:
        f.seek(1000)
        f.write(bytes(b ^ 0xFF for b in original[1000:1064]))

    r = alias_admin(srv, "heal", "t/healme/a/", "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    a_bytes = len(bodies["a/one"]) + len(bodies["a/two"])
    assert report["scope"] == "healme/a/" and report["kind"] == "heal", report
    assert report["objects_total"] == 2 and report["objects_scanned"] == 2, report
    assert report["bytes_total"] == a_bytes and report["bytes_scanned"] == a_bytes, report
    assert report["running"] is False and report["eta_seconds"] == 0, report
    assert report["bytes_per_second"] > 0 and report["objects_per_second"] > 0, report
    assert report["objects_healed"] == 1 and report["shards_healed"] == 1, report
    assert open(victim, "rb").read() == original

    human = alias_admin(srv, "heal", "t/healme")
    assert human.returncode == 0, human.stderr
    assert "Healed 0 of 3 objects" in human.stdout and "scanned" in human.stdout, human.stdout
    bad = alias_admin(srv, "heal", "t//prefix")
    assert bad.returncode == 2 and "prefix needs a bucket" in bad.stderr


def test_admin_info_shows_the_scanner_progress_with_eta(make_server, tmp_path):
    """The background scanner at 4 objects/s over 8 objects: `silo admin info`
    shows it running, with totals, the bytes scanned and an ETA."""
    drives = [tmp_path / f"d{i}" for i in range(1, 5)]
    srv = make_server(drives=drives, env={"SILO_SCANNER_INTERVAL": "1s", "SILO_HEAL_RATE": "4"})
    s3 = srv.client()
    s3.create_bucket(Bucket="scanme")
    for i in range(8):
        s3.put_object(Bucket="scanme", Key=f"k{i}", Body=os.urandom(1000 + i))
    total = sum(1000 + i for i in range(8))
    import time
    deadline = time.time() + 20
    seen = None
    while time.time() < deadline:
        info = json.loads(alias_admin(srv, "info", "t", "--json").stdout)
        sc = info["scanner"]
        if sc["running"] and sc["objects_total"] == 8 and 1 <= sc["objects_scanned"] < 8:
            seen = sc
            break
        time.sleep(0.1)
    assert seen, f"never saw the scanner mid-run over all 8 objects: {info}"
    assert seen["kind"] == "scanner" and seen["bytes_total"] == total, seen
    assert 0 < seen["bytes_scanned"] < total, seen
    assert isinstance(seen["eta_seconds"], (int, float)) and seen["eta_seconds"] > 0, seen
    human = alias_admin(srv, "info", "t")
    assert human.returncode == 0, human.stderr
    assert "Scanner: " in human.stdout, human.stdout
