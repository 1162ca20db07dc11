"""Drive folders that are missing at start. Once a deployment is formatted, a
folder that does not exist is an offline drive: the server never creates or
formats it. An existing empty folder is a replaced drive and is healed.
Below read quorum the server names the missing drives and exits."""

import shutil
from pathlib import Path

import pytest

from conftest import SiloServer
from ec_helpers import (assert_reads, client, drive_paths, drive_states, put_obj, wait_for,
                        wait_heal_idle)

pytestmark = pytest.mark.sdk_independent


def formatted_4_drives(make_server, tmp_path):
    drives = drive_paths(tmp_path, 4)
    srv = make_server(drives=drives)
    s3 = client(srv)
    s3.create_bucket(Bucket="keep")
    objs = [put_obj(s3, "keep", f"obj-{kind}", kind) for kind in ("small", "large", "multipart")]
    srv.stop()
    return drives, objs


def test_below_read_quorum_start_names_the_missing_drives_and_creates_nothing(
        make_server, tmp_path):
    drives, _ = formatted_4_drives(make_server, tmp_path)
    for d in drives[1:]:
        shutil.rmtree(d)
    srv = SiloServer(drives)
    with pytest.raises(RuntimeError):
        srv.start(timeout=15)
    srv.stop()
    log = srv.read_log()
    assert srv.proc.returncode not in (0, None), log
    assert "read quorum of 2" in log and "1 of 4 drives" in log, log
    for d in drives[1:]:
        assert f"{d} (does not exist)" in log, log
        assert not d.exists(), f"{d} was re-created"
    assert str(drives[0]) + " (" not in log


def test_below_read_quorum_with_empty_folders_formats_nothing(make_server, tmp_path):
    drives, _ = formatted_4_drives(make_server, tmp_path)
    for d in drives[1:]:
        shutil.rmtree(d)
        d.mkdir()
    srv = SiloServer(drives)
    with pytest.raises(RuntimeError):
        srv.start(timeout=15)
    srv.stop()
    log = srv.read_log()
    assert srv.proc.returncode not in (0, None), log
    for d in drives[1:]:
        assert f"{d} (empty: no format.json)" in log, log
        assert list(d.iterdir()) == [], f"{d} was formatted below quorum"


def test_one_missing_drive_is_offline_never_created_and_healed_once_an_empty_folder_appears(
        make_server, tmp_path):
    drives, objs = formatted_4_drives(make_server, tmp_path)
    gone = drives[2]
    shutil.rmtree(gone)
    srv = make_server(drives=drives)
    assert f"drive {gone} does not exist" in srv.read_log()
    s3 = client(srv)
    assert_reads(s3, "keep", objs, "with one drive folder missing", srv=srv)
    states = drive_states(srv)
    assert states[str(gone)] == "offline"
    assert [s for p, s in states.items() if p != str(gone)] == ["online"] * 3
    # New writes go on while it is missing, and it still is not created.
    objs.append(put_obj(s3, "keep", "written-degraded", "large"))
    assert not gone.exists(), "the server re-created a missing drive folder"

    # An empty folder in its place is a replacement: formatted and healed
    # while the server runs.
    gone.mkdir()
    wait_for(lambda: drive_states(srv)[str(gone)] == "online", 10,
             "the replaced drive to come online")
    wait_heal_idle(srv, timeout=60)
    assert (gone / ".silo" / "format.json").exists()
    assert "replaced" in srv.read_log()
    # Its shards are there: reads still succeed with two other drives gone.
    srv.stop()
    for d in drives[:2]:
        shutil.move(str(d), str(d) + ".away")
    srv = make_server(drives=drives, extra_args=[])
    s3 = client(srv)
    assert_reads(s3, "keep", objs, "from the healed drive and one other", srv=srv)
    assert not drives[0].exists() and not drives[1].exists()


def test_missing_drive_restored_later_comes_back_online(make_server, tmp_path):
    drives, objs = formatted_4_drives(make_server, tmp_path)
    away = Path(str(drives[3]) + ".away")
    shutil.move(str(drives[3]), str(away))
    srv = make_server(drives=drives)
    assert drive_states(srv)[str(drives[3])] == "offline"
    shutil.move(str(away), str(drives[3]))
    wait_for(lambda: drive_states(srv)[str(drives[3])] == "online", 10,
             "the restored drive to come back online")
    assert_reads(client(srv), "keep", objs, "after the drive came back", srv=srv)


def test_a_new_deployment_still_creates_its_folders(make_server, tmp_path):
    drives = drive_paths(tmp_path, 4)
    srv = make_server(drives=drives)
    assert all((d / ".silo" / "format.json").exists() for d in drives)
    assert set(drive_states(srv).values()) == {"online"}
