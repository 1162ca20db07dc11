"""bench/run-matrix end to end, in its smallest form (--quick, one drive, no
peer): it measures the machine's limits, runs every case against a real
server and writes the Markdown report. Proves the script works; no test
asserts a speed."""

import shutil
import subprocess

import pytest

from conftest import ROOT, SILO_BIN

pytestmark = pytest.mark.sdk_independent

TOOLS = ("nginx", "wrk", "iperf3")


def have(tool):
    return shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/sbin")


@pytest.mark.skipif(not all(have(t) for t in TOOLS),
                    reason="bench/run-matrix needs nginx, wrk and iperf3 (scripts/setup.sh)")
def test_quick_matrix_writes_the_report_with_every_table(tmp_path):
    proc = subprocess.run(
        [str(ROOT / "bench" / "run-matrix"), "--quick", "--skip-peers", "--layouts", "1",
         "--list-keys", "500", "--silo", str(SILO_BIN), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "silo-1d: put-4KiB" in proc.stderr  # progress lines

    dated = list(tmp_path.glob("matrix-*.md"))
    assert len(dated) == 1
    text = (tmp_path / "latest.md").read_text()
    assert text == dated[0].read_text()
    assert "Quick smoke run" in text
    for heading in ("## Machine limits", "## Silo, 1 drive", "## Memory", "## Targets"):
        assert heading in text
    for row in ("| Loopback TCP", "| Disk seq. write, buffered + fsync", "| nginx 4 KiB",
                "| nginx 1 MiB", "| PUT 4 KiB ×32 |", "| GET 64 MiB ×4 |", "| DELETE 4 KiB ×32 |",
                "| LIST all, flat |", "| LIST all, delimiter walk |", "| 1 drive |"):
        assert row in text, row
    # Every Silo case ran: no figure is missing from its table.
    silo_table = text.split("## Silo, 1 drive", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in silo_table.splitlines() if line.startswith("| ")][1:]  # no header
    assert len(rows) == 11
    assert all(line.split("|")[2].strip() != "n/a" for line in rows), silo_table
    # The raw JSON of each run is kept.
    run_dirs = list((tmp_path / "runs").iterdir())
    assert len(run_dirs) == 1
    assert (run_dirs[0] / "silo-1d-put-4KiB.json").stat().st_size > 0
    assert (run_dirs[0] / "summary.json").exists()
