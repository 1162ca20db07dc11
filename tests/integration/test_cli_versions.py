"""`silo` client commands for versions and the settings of buckets, against a
real Silo server: version enable|suspend|info, rm --version-id and --bypass,
mb --with-lock, retention and legalhold (object lock), ilm rule add|ls|rm
(lifecycle) and cors set|get|remove. Every test checks what the command
printed and, with boto3, what the server now holds."""

import datetime
import json
import subprocess
import uuid

import pytest
from botocore.exceptions import ClientError

from cli_backends import Backend, silo_backend  # noqa: F401 (fixtures)
from conftest import ACCESS_KEY, SECRET_KEY, SILO_BIN, error_code

pytestmark = pytest.mark.sdk_independent

CORS_XML = """<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <CORSRule>
    <ID>web</ID>
    <AllowedOrigin>https://example.com</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>300</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>
"""


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def parse_iso(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def one_record(backend, *args, check=True):
    r, recs = backend.json_lines(*args, check=check)
    assert len(recs) == 1, r.stdout
    return r, recs[0]


def drain_locked(s3, bucket):
    """Lifts legal holds and removes every version with the GOVERNANCE bypass."""
    versions = s3.list_object_versions(Bucket=bucket)
    for v in versions.get("Versions", []) + versions.get("DeleteMarkers", []):
        try:
            s3.put_object_legal_hold(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"],
                                     LegalHold={"Status": "OFF"})
        except ClientError:
            pass
        try:
            s3.delete_object(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"],
                             BypassGovernanceRetention=True)
        except ClientError:
            pass
    try:
        s3.delete_bucket(Bucket=bucket)
    except ClientError:
        pass


@pytest.fixture
def locked(silo_backend):
    name = "cli-lock-" + uuid.uuid4().hex[:16]
    silo_backend.s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    yield name
    drain_locked(silo_backend.s3, name)


# ------------------------------------------------------------------ version

def test_version_enable_suspend_info_change_and_show_the_buckets_state(silo_backend):
    b = silo_backend
    bucket = b.new_bucket()
    _, rec = one_record(b, "version", "info", f"t/{bucket}")
    assert rec == {"status": "success", "target": f"t/{bucket}", "versioning": "Unversioned"}
    assert "Status" not in b.s3.get_bucket_versioning(Bucket=bucket)

    r = b.silo("version", "enable", f"t/{bucket}")
    assert r.stdout.strip() == f"t/{bucket} versioning is enabled"
    assert b.s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert b.silo("version", "info", f"t/{bucket}").stdout.strip() == \
        f"t/{bucket} versioning is enabled"

    _, rec = one_record(b, "version", "suspend", f"t/{bucket}")
    assert rec["status"] == "success" and rec["versioning"] == "Suspended"
    assert b.s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"
    _, rec = one_record(b, "version", "info", f"t/{bucket}")
    assert rec["versioning"] == "Suspended"


def test_version_errors_name_the_bucket_and_exit_1_or_2(silo_backend):
    b = silo_backend
    missing = "cli-missing-" + uuid.uuid4().hex[:12]
    r = b.silo("version", "enable", f"t/{missing}", check=False)
    assert r.returncode == 1 and f"silo: version enable: t/{missing}: NoSuchBucket (404)" in r.stderr
    r, rec = one_record(b, "version", "info", f"t/{missing}", check=False)
    assert r.returncode == 1 and rec["status"] == "error"
    assert rec["error"]["code"] == "NoSuchBucket" and rec["error"]["target"] == f"t/{missing}"
    bucket = b.new_bucket()
    r = b.silo("version", "enable", f"t/{bucket}/key", check=False)
    assert r.returncode == 2 and "expected ALIAS/BUCKET" in r.stderr
    assert "Status" not in b.s3.get_bucket_versioning(Bucket=bucket)
    r = b.silo("version", f"t/{bucket}", check=False)
    assert r.returncode != 0


# ------------------------------------------------------------------ mb

def test_mb_with_lock_makes_a_locked_versioned_bucket_that_stays_versioned(silo_backend):
    b = silo_backend
    name = "cli-mblock-" + uuid.uuid4().hex[:12]
    _, rec = one_record(b, "mb", "--with-lock", f"t/{name}")
    try:
        assert rec["created"] and rec["objectLock"] is True and rec["versioning"] == "Enabled"
        conf = b.s3.get_object_lock_configuration(Bucket=name)["ObjectLockConfiguration"]
        assert conf["ObjectLockEnabled"] == "Enabled"
        assert b.s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
        r = b.silo("version", "suspend", f"t/{name}", check=False)
        assert r.returncode == 1 and "InvalidBucketState" in r.stderr
        assert "object lock stays versioned" in r.stderr
        assert b.s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    finally:
        drain_locked(b.s3, name)

    plain = "cli-mbver-" + uuid.uuid4().hex[:12]
    r = b.silo("mb", "--with-versioning", f"t/{plain}")
    assert "with versioning" in r.stdout
    assert b.s3.get_bucket_versioning(Bucket=plain)["Status"] == "Enabled"
    with pytest.raises(ClientError) as e:
        b.s3.get_object_lock_configuration(Bucket=plain)
    assert error_code(e) == "ObjectLockConfigurationNotFoundError"
    b.silo("rb", "--force", f"t/{plain}")


# ------------------------------------------------------------------ rm --version-id

def test_rm_version_id_removes_exactly_that_version_and_prints_it(silo_backend):
    b = silo_backend
    bucket = b.new_bucket()
    b.s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    ids = [b.s3.put_object(Bucket=bucket, Key="d/k", Body=body)["VersionId"]
           for body in (b"one", b"two", b"three")]
    _, rec = one_record(b, "rm", "--version-id", ids[1], f"t/{bucket}/d/k")
    assert rec == {"status": "success", "target": f"t/{bucket}/d/k", "key": "d/k",
                   "versionId": ids[1], "deleteMarker": False, "removed": True}
    left = [v["VersionId"] for v in b.s3.list_object_versions(Bucket=bucket)["Versions"]]
    assert sorted(left) == sorted([ids[0], ids[2]])
    assert b.body(bucket, "d/k") == b"three"

    # A delete marker is a version too; removing it brings the object back.
    marker = b.s3.delete_object(Bucket=bucket, Key="d/k")["VersionId"]
    r = b.silo("rm", "--version-id", marker, f"t/{bucket}/d/k")
    assert r.stdout.strip() == f"Removed `t/{bucket}/d/k` (delete marker {marker})"
    assert not b.s3.list_object_versions(Bucket=bucket).get("DeleteMarkers")
    assert b.body(bucket, "d/k") == b"three"

    # A version that is not there is an error, not a silent success.
    r, rec = one_record(b, "rm", "--version-id", ids[1], f"t/{bucket}/d/k", check=False)
    assert r.returncode == 1 and rec["error"]["code"] == "NoSuchVersion"
    assert len(b.s3.list_object_versions(Bucket=bucket)["Versions"]) == 2

    for bad in (["-r", "--version-id", ids[0], f"t/{bucket}/d/"],
                ["--version-id", ids[0], f"t/{bucket}"],
                ["--version-id", ids[0], f"t/{bucket}/d/k", f"t/{bucket}/d/k"]):
        r = b.silo("rm", *bad, check=False)
        assert r.returncode == 2 and "--version-id" in r.stderr, bad
    assert len(b.s3.list_object_versions(Bucket=bucket)["Versions"]) == 2


def test_rm_versions_removes_the_null_version_too_without_adding_a_marker(silo_backend):
    b = silo_backend
    bucket = b.new_bucket()
    b.s3.put_object(Bucket=bucket, Key="k", Body=b"before versioning")  # the null version
    b.s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    b.s3.put_object(Bucket=bucket, Key="k", Body=b"versioned")
    b.silo("rm", "--versions", f"t/{bucket}/k")
    left = b.s3.list_object_versions(Bucket=bucket)
    assert not left.get("Versions") and not left.get("DeleteMarkers")


def test_rm_bypass_removes_governance_locked_versions(silo_backend, locked):
    b = silo_backend
    until = now() + datetime.timedelta(days=2)
    vids = [b.s3.put_object(Bucket=locked, Key="k", Body=body, ObjectLockMode="GOVERNANCE",
                            ObjectLockRetainUntilDate=until)["VersionId"]
            for body in (b"1", b"22")]
    r = b.silo("rm", "--version-id", vids[0], f"t/{locked}/k", check=False)
    assert r.returncode == 1 and "AccessDenied (403)" in r.stderr and "--bypass" in r.stderr
    r = b.silo("rm", "--versions", f"t/{locked}/k", check=False)
    assert r.returncode == 1
    assert len(b.s3.list_object_versions(Bucket=locked)["Versions"]) == 2

    _, rec = one_record(b, "rm", "--bypass", "--version-id", vids[0], f"t/{locked}/k")
    assert rec["removed"] and rec["versionId"] == vids[0]
    assert [v["VersionId"] for v in b.s3.list_object_versions(Bucket=locked)["Versions"]] == \
        [vids[1]]
    b.silo("rm", "--versions", "--bypass", f"t/{locked}/k")
    left = b.s3.list_object_versions(Bucket=locked)
    assert not left.get("Versions") and not left.get("DeleteMarkers")


# ------------------------------------------------------------------ retention

def test_retention_set_info_clear_on_an_object(silo_backend, locked):
    b = silo_backend
    vid = b.s3.put_object(Bucket=locked, Key="doc.pdf", Body=b"pdf")["VersionId"]
    _, rec = one_record(b, "retention", "info", f"t/{locked}/doc.pdf")
    assert rec["mode"] == "" and "retainUntil" in rec

    before = now()
    _, rec = one_record(b, "retention", "set", "governance", "30d", f"t/{locked}/doc.pdf")
    assert rec["status"] == "success" and rec["mode"] == "GOVERNANCE" and rec["versionId"] == vid
    got = b.s3.get_object_retention(Bucket=locked, Key="doc.pdf", VersionId=vid)["Retention"]
    assert got["Mode"] == "GOVERNANCE"
    assert before + datetime.timedelta(days=30) - datetime.timedelta(seconds=5) <= \
        got["RetainUntilDate"] <= now() + datetime.timedelta(days=30, seconds=5)
    assert parse_iso(rec["retainUntil"]) == got["RetainUntilDate"]

    _, rec = one_record(b, "retention", "info", f"t/{locked}/doc.pdf")
    assert rec["mode"] == "GOVERNANCE" and rec["active"] is True
    assert parse_iso(rec["retainUntil"]) == got["RetainUntilDate"]
    human = b.silo("retention", "info", f"t/{locked}/doc.pdf").stdout
    assert "GOVERNANCE until" in human and "30 days left" in human

    # Removing GOVERNANCE needs --bypass; nothing changes without it.
    r = b.silo("retention", "clear", f"t/{locked}/doc.pdf", check=False)
    assert r.returncode == 1 and "AccessDenied" in r.stderr and "--bypass" in r.stderr
    assert b.s3.get_object_retention(Bucket=locked, Key="doc.pdf")["Retention"]["Mode"] == \
        "GOVERNANCE"
    r = b.silo("retention", "clear", "--bypass", f"t/{locked}/doc.pdf")
    assert "cleared" in r.stdout
    with pytest.raises(ClientError) as e:
        b.s3.get_object_retention(Bucket=locked, Key="doc.pdf", VersionId=vid)
    assert error_code(e) == "NoSuchObjectLockConfiguration"
    b.silo("rm", "--version-id", vid, f"t/{locked}/doc.pdf")
    assert not b.s3.list_object_versions(Bucket=locked).get("Versions")


def test_retention_set_with_version_id_and_years_leaves_other_versions_alone(silo_backend, locked):
    b = silo_backend
    old = b.s3.put_object(Bucket=locked, Key="k", Body=b"old")["VersionId"]
    new = b.s3.put_object(Bucket=locked, Key="k", Body=b"new")["VersionId"]
    _, rec = one_record(b, "retention", "set", "GOVERNANCE", "1y", "--version-id", old,
                        f"t/{locked}/k")
    assert rec["versionId"] == old
    got = b.s3.get_object_retention(Bucket=locked, Key="k", VersionId=old)["Retention"]
    assert got["Mode"] == "GOVERNANCE"
    assert now() + datetime.timedelta(days=364) < got["RetainUntilDate"] < \
        now() + datetime.timedelta(days=367)
    with pytest.raises(ClientError) as e:
        b.s3.get_object_retention(Bucket=locked, Key="k", VersionId=new)
    assert error_code(e) == "NoSuchObjectLockConfiguration"
    _, rec = one_record(b, "retention", "info", "--version-id", old, f"t/{locked}/k")
    assert rec["mode"] == "GOVERNANCE" and rec["versionId"] == old


def test_retention_default_on_a_bucket_is_what_new_versions_get(silo_backend, locked):
    b = silo_backend
    _, rec = one_record(b, "retention", "info", f"t/{locked}")
    assert rec["enabled"] is True and rec["mode"] == "" and "validity" not in rec

    _, rec = one_record(b, "retention", "set", "--default", "GOVERNANCE", "10d", f"t/{locked}")
    assert rec["default"] is True and rec["validity"] == "10d"
    conf = b.s3.get_object_lock_configuration(Bucket=locked)["ObjectLockConfiguration"]
    assert conf["Rule"]["DefaultRetention"] == {"Mode": "GOVERNANCE", "Days": 10}
    _, rec = one_record(b, "retention", "info", f"t/{locked}")
    assert rec["mode"] == "GOVERNANCE" and rec["validity"] == "10d"

    vid = b.s3.put_object(Bucket=locked, Key="new", Body=b"x")["VersionId"]
    head = b.s3.head_object(Bucket=locked, Key="new", VersionId=vid)
    assert head["ObjectLockMode"] == "GOVERNANCE"

    # A bucket target without --default means the same; years work too.
    b.silo("retention", "set", "COMPLIANCE", "1y", f"t/{locked}")
    conf = b.s3.get_object_lock_configuration(Bucket=locked)["ObjectLockConfiguration"]
    assert conf["Rule"]["DefaultRetention"] == {"Mode": "COMPLIANCE", "Years": 1}
    assert "COMPLIANCE for 1y" in b.silo("retention", "info", f"t/{locked}").stdout

    b.silo("retention", "clear", "--default", f"t/{locked}")
    conf = b.s3.get_object_lock_configuration(Bucket=locked)["ObjectLockConfiguration"]
    assert conf == {"ObjectLockEnabled": "Enabled"}


def test_retention_usage_errors_change_nothing(silo_backend, locked):
    b = silo_backend
    b.s3.put_object(Bucket=locked, Key="k", Body=b"x")
    cases = [
        (["set", "FOREVER", "30d", f"t/{locked}/k"], "GOVERNANCE or COMPLIANCE"),
        (["set", "GOVERNANCE", "30", f"t/{locked}/k"], "30d or 1y"),
        (["set", "GOVERNANCE", "0d", f"t/{locked}/k"], "30d or 1y"),
        (["set", "GOVERNANCE", "2w", f"t/{locked}/k"], "30d or 1y"),
        (["set", "--default", "GOVERNANCE", "1d", f"t/{locked}/k"], "--default"),
        (["set", "GOVERNANCE", "1d", f"t/{locked}/dir/"], "ALIAS/BUCKET[/KEY]"),
        (["info", "--version-id", "x", f"t/{locked}"], "--version-id"),
    ]
    for args, words in cases:
        r = b.silo("retention", *args, check=False)
        assert r.returncode == 2 and words in r.stderr, (args, r.stderr)
    with pytest.raises(ClientError):
        b.s3.get_object_retention(Bucket=locked, Key="k")
    conf = b.s3.get_object_lock_configuration(Bucket=locked)["ObjectLockConfiguration"]
    assert "Rule" not in conf


def test_retention_and_legalhold_in_a_bucket_without_lock_say_how_to_get_one(silo_backend):
    b = silo_backend
    bucket = b.new_bucket()
    b.s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    _, rec = one_record(b, "retention", "info", f"t/{bucket}")
    assert rec["enabled"] is False
    for args in (["retention", "set", "GOVERNANCE", "1d", f"t/{bucket}/k"],
                 ["legalhold", "set", f"t/{bucket}/k"]):
        r = b.silo(*args, check=False)
        assert r.returncode == 1 and "mb --with-lock" in r.stderr, r.stderr
    # Versioning is off: the bucket cannot take a lock configuration either.
    r = b.silo("retention", "set", "--default", "GOVERNANCE", "1d", f"t/{bucket}", check=False)
    assert r.returncode == 1 and "InvalidBucketState" in r.stderr
    assert "version enable" in r.stderr
    with pytest.raises(ClientError) as e:
        b.s3.get_object_lock_configuration(Bucket=bucket)
    assert error_code(e) == "ObjectLockConfigurationNotFoundError"


def test_compliance_retention_cannot_be_cleared_or_bypassed(make_server, tmp_path):
    # Its own server: a COMPLIANCE version outlives the test, and its bucket too.
    srv = make_server()
    b = Backend("silo", srv.endpoint, ACCESS_KEY, SECRET_KEY, tmp_path / "cfg")
    b.silo("mb", "--with-lock", "t/compliance")
    vid = b.s3.put_object(Bucket="compliance", Key="k", Body=b"kept")["VersionId"]
    b.silo("retention", "set", "COMPLIANCE", "1d", "t/compliance/k")
    assert b.s3.get_object_retention(Bucket="compliance", Key="k")["Retention"]["Mode"] == \
        "COMPLIANCE"
    for args in (["retention", "clear", "--bypass", "t/compliance/k"],
                 ["rm", "--bypass", "--version-id", vid, "t/compliance/k"]):
        r = b.silo(*args, check=False)
        assert r.returncode == 1 and "AccessDenied" in r.stderr, r.stderr
    assert b.s3.get_object_retention(Bucket="compliance", Key="k")["Retention"]["Mode"] == \
        "COMPLIANCE"
    assert b.s3.get_object(Bucket="compliance", Key="k", VersionId=vid)["Body"].read() == b"kept"


# ------------------------------------------------------------------ legalhold

def test_legalhold_set_info_clear(silo_backend, locked):
    b = silo_backend
    old = b.s3.put_object(Bucket=locked, Key="k", Body=b"old")["VersionId"]
    new = b.s3.put_object(Bucket=locked, Key="k", Body=b"new")["VersionId"]
    _, rec = one_record(b, "legalhold", "info", f"t/{locked}/k")
    assert rec == {"status": "success", "target": f"t/{locked}/k", "legalhold": "OFF"}

    _, rec = one_record(b, "legalhold", "set", "--version-id", old, f"t/{locked}/k")
    assert rec["legalhold"] == "ON" and rec["versionId"] == old
    assert b.s3.get_object_legal_hold(Bucket=locked, Key="k", VersionId=old)["LegalHold"] == \
        {"Status": "ON"}
    with pytest.raises(ClientError):
        b.s3.get_object_legal_hold(Bucket=locked, Key="k", VersionId=new)
    _, rec = one_record(b, "legalhold", "info", "--version-id", old, f"t/{locked}/k")
    assert rec["legalhold"] == "ON"

    # Held: not even --bypass removes it.
    r = b.silo("rm", "--bypass", "--version-id", old, f"t/{locked}/k", check=False)
    assert r.returncode == 1 and "legal hold" in r.stderr and "legalhold clear" in r.stderr
    assert len(b.s3.list_object_versions(Bucket=locked)["Versions"]) == 2

    r = b.silo("legalhold", "clear", "--version-id", old, f"t/{locked}/k")
    assert r.stdout.strip() == f"Legal hold cleared from `t/{locked}/k` (version {old})"
    assert b.s3.get_object_legal_hold(Bucket=locked, Key="k", VersionId=old)["LegalHold"] == \
        {"Status": "OFF"}
    b.silo("rm", "--version-id", old, f"t/{locked}/k")
    assert [v["VersionId"] for v in b.s3.list_object_versions(Bucket=locked)["Versions"]] == [new]

    # The current version when none is named.
    b.silo("legalhold", "set", f"t/{locked}/k")
    assert b.s3.get_object_legal_hold(Bucket=locked, Key="k")["LegalHold"]["Status"] == "ON"
    r = b.silo("legalhold", "set", f"t/{locked}", check=False)
    assert r.returncode == 2 and "ALIAS/BUCKET/KEY" in r.stderr


# ------------------------------------------------------------------ ilm

def test_ilm_rule_add_ls_rm_edit_the_lifecycle_configuration(silo_backend):
    b = silo_backend
    bucket = b.new_bucket()
    _, rec = one_record(b, "ilm", "rule", "ls", f"t/{bucket}")
    assert rec["rules"] == []
    assert "no lifecycle rules" in b.silo("ilm", "rule", "ls", f"t/{bucket}").stdout

    _, rec = one_record(b, "ilm", "rule", "add", f"t/{bucket}", "--expire-days", "30",
                        "--prefix", "logs/", "--tags", "env=dev&team=a b")
    generated = rec["id"]
    assert len(generated) == 20 and rec["rule"]["expireDays"] == 30
    b.silo("ilm", "rule", "add", f"t/{bucket}", "--id", "old-versions",
           "--noncurrent-expire-days", "7", "--abort-incomplete-days", "2")
    b.silo("ilm", "rule", "add", f"t/{bucket}", "--id", "markers", "--expire-delete-marker",
           "--prefix", "x/")

    rules = {r["ID"]: r for r in b.s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
    assert set(rules) == {generated, "old-versions", "markers"}
    first = rules[generated]
    assert first["Status"] == "Enabled" and first["Expiration"] == {"Days": 30}
    assert first["Filter"]["And"]["Prefix"] == "logs/"
    assert sorted((t["Key"], t["Value"]) for t in first["Filter"]["And"]["Tags"]) == \
        [("env", "dev"), ("team", "a b")]
    assert rules["old-versions"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 7
    assert rules["old-versions"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 2}
    assert rules["markers"]["Expiration"] == {"ExpiredObjectDeleteMarker": True}
    assert rules["markers"]["Filter"] == {"Prefix": "x/"}

    _, rec = one_record(b, "ilm", "rule", "ls", f"t/{bucket}")
    listed = {r["id"]: r for r in rec["rules"]}
    assert listed[generated]["tags"] == {"env": "dev", "team": "a b"}
    assert listed[generated]["prefix"] == "logs/" and listed[generated]["expireDays"] == 30
    assert listed["old-versions"]["noncurrentExpireDays"] == 7
    assert listed["old-versions"]["abortIncompleteDays"] == 2
    assert listed["markers"]["expireDeleteMarker"] is True
    table = b.silo("ilm", "rule", "ls", f"t/{bucket}").stdout.splitlines()
    assert table[0].split() == ["ID", "STATUS", "PREFIX", "TAGS", "EXPIRE", "NONCURRENT",
                                "ABORT-UPLOADS"]
    assert len(table) == 4 and any(line.startswith("old-versions ") for line in table)

    _, rec = one_record(b, "ilm", "rule", "rm", "--id", "old-versions", f"t/{bucket}")
    assert rec["removed"] and rec["id"] == "old-versions"
    rules = b.s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert sorted(r["ID"] for r in rules) == sorted([generated, "markers"])

    r = b.silo("ilm", "rule", "rm", "--id", "old-versions", f"t/{bucket}", check=False)
    assert r.returncode == 1 and "no lifecycle rule has ID old-versions" in r.stderr

    b.silo("ilm", "rule", "rm", "--all", f"t/{bucket}")
    with pytest.raises(ClientError) as e:
        b.s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert error_code(e) == "NoSuchLifecycleConfiguration"


def test_ilm_rule_add_keeps_rules_made_elsewhere_and_removing_the_last_drops_the_config(
        silo_backend):
    b = silo_backend
    bucket = b.new_bucket()
    b.s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [{
        "ID": "sized", "Status": "Disabled",
        "Filter": {"And": {"Prefix": "big/", "ObjectSizeGreaterThan": 1000}},
        "NoncurrentVersionExpiration": {"NoncurrentDays": 3, "NewerNoncurrentVersions": 2},
    }]})
    b.silo("ilm", "rule", "add", f"t/{bucket}", "--id", "mine", "--expire-days", "1")
    rules = {r["ID"]: r for r in b.s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
    assert rules["sized"]["Status"] == "Disabled"
    assert rules["sized"]["Filter"]["And"] == {"Prefix": "big/", "ObjectSizeGreaterThan": 1000}
    assert rules["sized"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 3,
                                                             "NewerNoncurrentVersions": 2}
    assert rules["mine"]["Expiration"] == {"Days": 1} and rules["mine"]["Filter"] == {}

    b.silo("ilm", "rule", "rm", "--id", "sized", f"t/{bucket}")
    b.silo("ilm", "rule", "rm", "--id", "mine", f"t/{bucket}")
    with pytest.raises(ClientError) as e:
        b.s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert error_code(e) == "NoSuchLifecycleConfiguration"


def test_ilm_rule_usage_errors_change_nothing(silo_backend):
    b = silo_backend
    bucket = b.new_bucket()
    b.silo("ilm", "rule", "add", f"t/{bucket}", "--id", "taken", "--expire-days", "5")
    cases = [
        (["add", f"t/{bucket}", "--id", "taken", "--expire-days", "9"], "already has a rule"),
        (["add", f"t/{bucket}", "--prefix", "p/"], "needs an action"),
        (["add", f"t/{bucket}", "--expire-days", "3", "--expire-delete-marker"],
         "--expire-delete-marker"),
        (["add", f"t/{bucket}", "--abort-incomplete-days", "3", "--tags", "a=b"], "--tags"),
        (["add", f"t/{bucket}", "--expire-days", "3", "--tags", "=b"], "--tags"),
        (["add", f"t/{bucket}/prefix", "--expire-days", "3"], "--prefix"),
        (["rm", f"t/{bucket}"], "--id ID"),
        (["rm", "--all", "--id", "taken", f"t/{bucket}"], "--id ID"),
    ]
    for args, words in cases:
        r = b.silo("ilm", "rule", *args, check=False)
        assert r.returncode == 2 and words in r.stderr, (args, r.stderr)
    r = b.silo("ilm", "rule", "add", f"t/{bucket}", "--expire-days", "0", check=False)
    assert r.returncode != 0
    rules = b.s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert [(r["ID"], r["Expiration"]) for r in rules] == [("taken", {"Days": 5})]


# ------------------------------------------------------------------ cors

def test_cors_set_get_remove(silo_backend, tmp_path):
    b = silo_backend
    bucket = b.new_bucket()
    _, rec = one_record(b, "cors", "get", f"t/{bucket}")
    assert rec["rules"] == [] and rec["xml"] == ""

    f = tmp_path / "cors.xml"
    f.write_text(CORS_XML)
    r = b.silo("cors", "set", f"t/{bucket}", str(f))
    assert r.stdout.strip() == f"CORS configuration of `t/{bucket}` set from {f}"
    (rule,) = b.s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert rule["ID"] == "web" and rule["AllowedOrigins"] == ["https://example.com"]
    assert sorted(rule["AllowedMethods"]) == ["GET", "PUT"] and rule["MaxAgeSeconds"] == 300

    _, rec = one_record(b, "cors", "get", f"t/{bucket}")
    assert rec["rules"] == [{"id": "web", "allowedOrigins": ["https://example.com"],
                             "allowedMethods": ["GET", "PUT"], "allowedHeaders": ["*"],
                             "exposeHeaders": ["ETag"], "maxAgeSeconds": 300}]
    assert "<CORSConfiguration" in rec["xml"]

    # `cors get` prints a document `cors set -` takes back.
    other = b.new_bucket()
    text = b.silo("cors", "get", f"t/{bucket}").stdout
    assert text.lstrip().startswith("<CORSConfiguration")
    r = subprocess.run([str(SILO_BIN), "cors", "set", f"t/{other}", "-"], input=text, text=True,
                       env=b.env, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "set from stdin" in r.stdout
    assert b.s3.get_bucket_cors(Bucket=other)["CORSRules"] == \
        b.s3.get_bucket_cors(Bucket=bucket)["CORSRules"]

    _, rec = one_record(b, "cors", "remove", f"t/{bucket}")
    assert rec["removed"] is True
    with pytest.raises(ClientError) as e:
        b.s3.get_bucket_cors(Bucket=bucket)
    assert error_code(e) == "NoSuchCORSConfiguration"
    assert b.s3.get_bucket_cors(Bucket=other)["CORSRules"][0]["ID"] == "web"


def test_cors_set_refuses_what_is_not_a_cors_document(silo_backend, tmp_path):
    b = silo_backend
    bucket = b.new_bucket()
    bad = tmp_path / "bad.xml"
    for text, words in (("<Policy/>", "not a CORSConfiguration"),
                        ("{\"CORSRules\": []}", "not a CORSConfiguration"),
                        ("<CORSConfiguration></CORSConfiguration>", "has no CORSRule")):
        bad.write_text(text)
        r = b.silo("cors", "set", f"t/{bucket}", str(bad), check=False)
        assert r.returncode == 2 and words in r.stderr, r.stderr
    r = b.silo("cors", "set", f"t/{bucket}", str(tmp_path / "missing.xml"), check=False)
    assert r.returncode == 2 and "cannot read" in r.stderr
    # The server's own check: a rule without a method.
    bad.write_text("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
                   "</CORSRule></CORSConfiguration>")
    r, rec = one_record(b, "cors", "set", f"t/{bucket}", str(bad), check=False)
    assert r.returncode == 1 and rec["status"] == "error" and rec["error"]["httpStatus"] == 400
    with pytest.raises(ClientError) as e:
        b.s3.get_bucket_cors(Bucket=bucket)
    assert error_code(e) == "NoSuchCORSConfiguration"


# ------------------------------------------------------------------ help

def test_help_and_completion_cover_the_new_commands(silo_backend):
    b = silo_backend
    for cmd, example in (("version", "silo version enable"),
                         ("retention", "silo retention set --default"),
                         ("legalhold", "silo legalhold set"),
                         ("ilm", "silo ilm rule add"),
                         ("cors", "silo cors set"),
                         ("rm", "silo rm --version-id"),
                         ("mb", "silo mb --with-lock")):
        r = b.silo("help", cmd)
        assert "Examples:" in r.stdout and example in r.stdout, cmd
    script = b.silo("completion", "bash").stdout
    assert "--noncurrent-expire-days" in script and "legalhold" in script
    line = "COMP_WORDS=(silo ilm rule ''); COMP_CWORD=3; _silo; echo ${COMPREPLY[@]}"
    r = subprocess.run(["bash", "-c", script + "\n" + line], capture_output=True, text=True,
                       timeout=30, env=b.env)
    assert r.stdout.split() == ["add", "ls", "rm"]
    assert json.loads(b.silo("--json", "version", "info", "t/" + b.new_bucket()).stdout)[
        "versioning"] == "Unversioned"
