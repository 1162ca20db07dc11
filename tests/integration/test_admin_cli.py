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
