"""`silo bench` against a real server: a short PUT and GET run with --json,
the JSON they print, --compare of the two, and the cleanup afterwards. Proves
the tool works; no test asserts a speed."""

import json
import os
import subprocess

import pytest

from conftest import ACCESS_KEY, SECRET_KEY, SILO_BIN

pytestmark = pytest.mark.sdk_independent


def bench_env():
    env = dict(os.environ)
    env.update({"SILO_ACCESS_KEY": ACCESS_KEY, "SILO_SECRET_KEY": SECRET_KEY})
    return env


def run_bench(*args, timeout=120):
    return subprocess.run([str(SILO_BIN), "bench", *args], env=bench_env(), capture_output=True,
                          text=True, timeout=timeout)


def run_json(server, op, *args):
    proc = run_bench(op, "--endpoint", server.endpoint, "--duration", "2s", "--concurrency", "4",
                     "--json", *args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def check_run(doc, op, size):
    assert doc["op"] == op
    assert doc["size"] == size
    assert doc["concurrency"] == 4
    assert doc["duration_s"] > 0
    assert doc["ops"] > 0
    assert doc["ops_per_s"] > 0
    assert doc["mib_per_s"] > 0
    assert doc["errors"] == {}
    lat = doc["latency_ms"]
    assert 0 < lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["max"]


def test_put_and_get_report_json_and_leave_nothing_behind(make_server, tmp_path):
    server = make_server()
    put = run_json(server, "put", "--size", "4KiB")
    check_run(put, "put", 4096)
    get = run_json(server, "get", "--size", "64KiB", "--objects", "20")
    check_run(get, "get", 65536)
    assert get["objects"] == 20
    # Each run made its own bucket and removed it with everything in it.
    assert server.client().list_buckets()["Buckets"] == []

    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(put))
    b.write_text(json.dumps(get))
    proc = run_bench("--compare", str(a), str(b))
    assert proc.returncode == 0, proc.stderr
    assert "B/A" in proc.stdout
    assert "ops/s" in proc.stdout and "p99 ms" in proc.stdout
    assert "x" in proc.stdout.split("ops/s", 1)[1].splitlines()[0]


def test_mixed_uses_the_given_bucket_and_keeps_it(make_server):
    server = make_server()
    s3 = server.client()
    s3.create_bucket(Bucket="mine")
    doc = run_json(server, "mixed", "--bucket", "mine", "--objects", "40")
    assert doc["ops"] > 0 and doc["errors"] == {}
    assert set(doc["breakdown"]) <= {"get", "stat", "put", "delete"}
    assert "get" in doc["breakdown"]
    # The bucket existed before, so the run empties it but does not remove it.
    assert s3.list_objects_v2(Bucket="mine")["KeyCount"] == 0


def test_errors_make_the_exit_status_nonzero(make_server):
    server = make_server()
    proc = run_bench("put", "--endpoint", server.endpoint, "--duration", "1s",
                     "--secret-key", "not-the-secret")
    assert proc.returncode != 0
    assert "Forbidden" in proc.stderr or "SignatureDoesNotMatch" in proc.stderr


def test_bad_arguments_are_usage_errors():
    for args in (["put", "--endpoint", "http://127.0.0.1:1", "--size", "4XB"],
                 ["put", "--endpoint", "http://127.0.0.1:1", "--duration", "soon"],
                 ["fly", "--endpoint", "http://127.0.0.1:1"]):
        proc = run_bench(*args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert proc.stderr.startswith("silo bench:")
