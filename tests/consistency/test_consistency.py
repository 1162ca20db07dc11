"""Strong consistency under concurrency, checked on recorded histories.

Writers overwrite, conditionally create (If-None-Match: *), conditionally
replace (If-Match) and delete a few keys with bodies of 3 KB (inline), 200 KB
and 2.5 MB (several stripes) while readers GET them and a lister lists the
bucket. The checker (checker.py) then proves each key behaved as one
register (linearizable) and listings showed what had been written. Every GET
must succeed with a whole body of one write: a read never fails because the
version it chose was replaced meanwhile.

The kill mode kills the server with SIGKILL in the middle of the history and
restarts it: acknowledged writes must be visible afterwards; operations in
flight at the kill may or may not have happened.

SILO_CONSISTENCY_SECONDS sets the length of each history (default 6) and
SILO_CONSISTENCY_KILLS the kills of the kill mode (default 2)."""

import os
import random
import time

import pytest

from checker import check
from conftest import ACCESS_KEY, SECRET_KEY
from workload import Workload

SECONDS = float(os.environ.get("SILO_CONSISTENCY_SECONDS", "6"))
KILLS = int(os.environ.get("SILO_CONSISTENCY_KILLS", "2"))


def drives_for(tmp_path, n):
    return [tmp_path / f"d{i}" for i in range(1, n + 1)]


def run_history(srv, keys, seconds, seed, during=None, **shape):
    s3 = srv.client()
    s3.create_bucket(Bucket="hist")
    w = Workload(srv.endpoint, ACCESS_KEY, SECRET_KEY, "hist", keys, seed=seed, **shape)
    history = w.run(seconds, during)
    assert w.crashed == [], w.crashed
    return w, history


def outside(windows, op):
    """True when `op` ran entirely while the server was up."""
    return all(op.ended < down or op.invoked > up for down, up in windows)


@pytest.mark.sdk_independent
@pytest.mark.parametrize("drives", [1, 4])
def test_overwrites_reads_and_lists_are_linearizable(make_server, tmp_path, drives):
    seed = random.randrange(1 << 30)
    srv = make_server(drives=drives_for(tmp_path, drives))
    w, history = run_history(srv, ["a", "b", "dir/c"], SECONDS, seed,
                             writers=8, readers=8, listers=1)
    report = check(history)
    print(f"\n{drives} drive(s), seed {seed}: {report}")
    gets = [o for o in history if o.kind == "get"]
    assert len(gets) > 50 and report.operations > 200, report
    assert w.torn == [], f"torn bodies: {w.torn[:5]}"
    assert report.anomalies == [], str(report)
    assert w.failures == [], (f"{len(w.failures)} of {len(history)} operations failed with "
                              f"every drive online, e.g. {[o.error for o in w.failures[:5]]}")


@pytest.mark.sdk_independent
@pytest.mark.parametrize("drives", [1, 4])
def test_acknowledged_writes_survive_kill9_in_the_middle_of_the_history(make_server, tmp_path,
                                                                         drives):
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    srv = make_server(drives=drives_for(tmp_path, drives))
    windows = []  # (killed at, serving again at)

    def kill_and_restart(workload, end):
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.3, 1.0) * SECONDS / (KILLS + 1))
            down = time.monotonic()
            srv.kill()
            srv.start(port=srv.port)
            workload.restarted()
            windows.append((down, time.monotonic()))

    w, history = run_history(srv, ["a", "b", "dir/c"], SECONDS, seed, during=kill_and_restart,
                             writers=6, readers=6, listers=1)
    report = check(history)
    print(f"\n{drives} drive(s), {len(windows)} kills, seed {seed}: {report}")
    assert len(windows) == KILLS
    assert w.torn == [], f"torn bodies: {w.torn[:5]}"
    assert report.anomalies == [], str(report)
    failed_while_up = [o for o in w.failures if outside(windows, o)]
    assert failed_while_up == [], (f"{len(failed_while_up)} operations failed while the server "
                                   f"was up, e.g. {[o.error for o in failed_while_up[:5]]}")


def check_shared_history(endpoints, seconds, seed, retryable_share=0.0):
    """A history of writers and readers spread over `endpoints` (the nodes
    of one deployment), checked as for one server. Up to `retryable_share`
    of the operations may fail with 503 SlowDown (which SDKs retry): under
    load, writes of one key through several nodes may not get its lock
    in time."""
    import boto3  # noqa: F401 (the workload's clients)
    w = Workload(endpoints, ACCESS_KEY, SECRET_KEY, "hist", ["a", "b", "dir/c"], seed=seed,
                 writers=8, readers=8, listers=1)
    w.client().create_bucket(Bucket="hist")
    history = w.run(seconds)
    assert w.crashed == [], w.crashed
    report = check(history)
    assert w.torn == [], f"torn bodies: {w.torn[:5]}"
    assert report.anomalies == [], str(report)
    slow = [o for o in w.failures if str(o.error).startswith("503 SlowDown")]
    assert len(slow) <= retryable_share * len(history), (len(slow), len(history))
    failures = [o for o in w.failures if o not in slow]
    assert failures == [], (f"{len(failures)} of {len(history)} operations failed with "
                            f"every node up, e.g. {[(o.kind, o.key, o.error) for o in failures[:5]]}")
    return report


@pytest.mark.sdk_independent
def test_a_cluster_is_linearizable_through_all_its_nodes(tmp_path):
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "integration"))
    from cluster import Cluster
    seed = random.randrange(1 << 30)
    c = Cluster(tmp_path).start()
    try:
        report = check_shared_history([n.endpoint for n in c.nodes], SECONDS, seed,
                                      retryable_share=0.03)
        print(f"\n4 nodes, seed {seed}: {report}")
        assert report.operations > 100, report
    finally:
        c.stop()


@pytest.mark.sdk_independent
def test_two_pools_are_linearizable(make_server, tmp_path):
    seed = random.randrange(1 << 30)
    srv = make_server(drives=[f"{tmp_path}/p1/d{{1...2}}", f"{tmp_path}/p2/d{{1...2}}"],
                      log_dir=tmp_path)
    report = check_shared_history([srv.endpoint], SECONDS, seed)
    print(f"\n2 pools, seed {seed}: {report}")
    assert report.operations > 200, report
