"""Object lock as AWS S3 documents it: buckets created with
x-amz-bucket-object-lock-enabled (versioned from the start, versioning can
no longer be suspended), the bucket's lock configuration and default
retention, retention (GOVERNANCE, COMPLIANCE) and legal hold per version
from headers or their own calls, and the removals they refuse: deleting a
locked version answers 403 AccessDenied, GOVERNANCE gives way to
x-amz-bypass-governance-retention, a simple DELETE only adds a marker."""

import datetime

import pytest
from botocore.exceptions import ClientError

from conftest import error_code, status_code


def in_days(days):
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)


@pytest.fixture
def locked(s3, request):
    name = "lock-" + request.node.name.replace("_", "-")[:40].lower().strip("-")
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    yield name
    # Legal holds off, GOVERNANCE bypassed (COMPLIANCE tests use a server
    # of their own: such a version cannot be removed before its date).
    versions = s3.list_object_versions(Bucket=name)
    for v in versions.get("Versions", []) + versions.get("DeleteMarkers", []):
        try:
            s3.put_object_legal_hold(Bucket=name, Key=v["Key"], VersionId=v["VersionId"],
                                     LegalHold={"Status": "OFF"})
        except ClientError:
            pass
        try:
            s3.delete_object(Bucket=name, Key=v["Key"], VersionId=v["VersionId"],
                             BypassGovernanceRetention=True)
        except ClientError:
            pass
    try:
        s3.delete_bucket(Bucket=name)
    except ClientError:
        pass


def test_a_lock_enabled_bucket_is_versioned_and_stays_so(s3, locked):
    assert s3.get_bucket_versioning(Bucket=locked)["Status"] == "Enabled"
    conf = s3.get_object_lock_configuration(Bucket=locked)["ObjectLockConfiguration"]
    assert conf == {"ObjectLockEnabled": "Enabled"}
    with pytest.raises(ClientError) as e:
        s3.put_bucket_versioning(Bucket=locked, VersioningConfiguration={"Status": "Suspended"})
    assert error_code(e) == "InvalidBucketState"


def test_a_bucket_without_lock_has_no_configuration_and_takes_no_lock_headers(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_object_lock_configuration(Bucket=bucket)
    assert error_code(e) == "ObjectLockConfigurationNotFoundError"
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", ObjectLockMode="GOVERNANCE",
                      ObjectLockRetainUntilDate=in_days(1))
    assert error_code(e) == "InvalidRequest"
    # Lock needs versioning: an unversioned bucket cannot take a configuration.
    with pytest.raises(ClientError) as e:
        s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled"})
    assert error_code(e) == "InvalidBucketState"


def test_compliance_retention_refuses_every_removal_of_that_version(make_server):
    # Its own server: a COMPLIANCE version outlives the test, and its bucket too.
    s3 = make_server().client()
    locked = "compliance"
    s3.create_bucket(Bucket=locked, ObjectLockEnabledForBucket=True)
    vid = s3.put_object(Bucket=locked, Key="k", Body=b"kept", ObjectLockMode="COMPLIANCE",
                        ObjectLockRetainUntilDate=in_days(1))["VersionId"]
    head = s3.head_object(Bucket=locked, Key="k", VersionId=vid)
    assert head["ObjectLockMode"] == "COMPLIANCE"
    for bypass in (False, True):
        with pytest.raises(ClientError) as e:
            s3.delete_object(Bucket=locked, Key="k", VersionId=vid,
                             BypassGovernanceRetention=bypass)
        assert status_code(e) == 403 and error_code(e) == "AccessDenied"
    # It cannot be shortened or turned into GOVERNANCE; it can be lengthened.
    with pytest.raises(ClientError) as e:
        s3.put_object_retention(Bucket=locked, Key="k", VersionId=vid, Retention={
            "Mode": "GOVERNANCE", "RetainUntilDate": in_days(2)}, BypassGovernanceRetention=True)
    assert error_code(e) == "AccessDenied"
    s3.put_object_retention(Bucket=locked, Key="k", VersionId=vid, Retention={
        "Mode": "COMPLIANCE", "RetainUntilDate": in_days(3)})
    got = s3.get_object_retention(Bucket=locked, Key="k", VersionId=vid)["Retention"]
    assert got["Mode"] == "COMPLIANCE" and got["RetainUntilDate"] > in_days(2)
    # A simple DELETE only adds a marker; the version stays readable.
    assert s3.delete_object(Bucket=locked, Key="k")["DeleteMarker"]
    assert s3.get_object(Bucket=locked, Key="k", VersionId=vid)["Body"].read() == b"kept"
    res = s3.delete_objects(Bucket=locked, Delete={"Objects": [{"Key": "k", "VersionId": vid}]})
    assert res["Errors"][0]["Code"] == "AccessDenied"


def test_governance_gives_way_to_the_bypass_header(s3, locked):
    vid = s3.put_object(Bucket=locked, Key="g", Body=b"x", ObjectLockMode="GOVERNANCE",
                        ObjectLockRetainUntilDate=in_days(1))["VersionId"]
    with pytest.raises(ClientError) as e:
        s3.delete_object(Bucket=locked, Key="g", VersionId=vid)
    assert error_code(e) == "AccessDenied"
    res = s3.delete_objects(Bucket=locked, Delete={"Objects": [{"Key": "g", "VersionId": vid}]})
    assert res["Errors"][0]["Code"] == "AccessDenied"
    with pytest.raises(ClientError) as e:
        s3.put_object_retention(Bucket=locked, Key="g", VersionId=vid, Retention={
            "Mode": "GOVERNANCE", "RetainUntilDate": in_days(0.5)})
    assert error_code(e) == "AccessDenied"
    s3.delete_object(Bucket=locked, Key="g", VersionId=vid, BypassGovernanceRetention=True)
    assert not s3.list_object_versions(Bucket=locked, Prefix="g").get("Versions")


def test_legal_hold_keeps_a_version_until_it_is_lifted(s3, locked):
    vid = s3.put_object(Bucket=locked, Key="h", Body=b"x", ObjectLockLegalHoldStatus="ON")["VersionId"]
    assert s3.get_object_legal_hold(Bucket=locked, Key="h")["LegalHold"]["Status"] == "ON"
    assert s3.head_object(Bucket=locked, Key="h")["ObjectLockLegalHoldStatus"] == "ON"
    with pytest.raises(ClientError) as e:
        s3.delete_object(Bucket=locked, Key="h", VersionId=vid, BypassGovernanceRetention=True)
    assert error_code(e) == "AccessDenied"
    s3.put_object_legal_hold(Bucket=locked, Key="h", VersionId=vid, LegalHold={"Status": "OFF"})
    s3.delete_object(Bucket=locked, Key="h", VersionId=vid)
    with pytest.raises(ClientError) as e:
        s3.get_object_legal_hold(Bucket=locked, Key="nothing")
    assert error_code(e) == "NoSuchKey"


def test_default_retention_applies_to_new_versions(s3, locked):
    s3.put_object_lock_configuration(Bucket=locked, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}})
    conf = s3.get_object_lock_configuration(Bucket=locked)["ObjectLockConfiguration"]
    assert conf["Rule"]["DefaultRetention"] == {"Mode": "GOVERNANCE", "Days": 1}
    vid = s3.put_object(Bucket=locked, Key="d", Body=b"x")["VersionId"]
    got = s3.get_object_retention(Bucket=locked, Key="d", VersionId=vid)["Retention"]
    assert got["Mode"] == "GOVERNANCE"
    assert in_days(0.9) < got["RetainUntilDate"] < in_days(1.1)
    with pytest.raises(ClientError) as e:
        s3.delete_object(Bucket=locked, Key="d", VersionId=vid)
    assert error_code(e) == "AccessDenied"
    # A version without retention answers NoSuchObjectLockConfiguration.
    s3.put_object_lock_configuration(Bucket=locked, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled"})
    plain = s3.put_object(Bucket=locked, Key="p", Body=b"x")["VersionId"]
    with pytest.raises(ClientError) as e:
        s3.get_object_retention(Bucket=locked, Key="p", VersionId=plain)
    assert error_code(e) == "NoSuchObjectLockConfiguration"


@pytest.mark.parametrize("config, code", [
    ({"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "SOMETIMES", "Days": 1}}},
     "MalformedXML"),
    ({"ObjectLockEnabled": "Enabled",
      "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1, "Years": 1}}}, "MalformedXML"),
    ({"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 0}}},
     "InvalidRetentionPeriod"),
])
def test_bad_lock_configurations_are_refused(s3, locked, config, code):
    with pytest.raises(ClientError) as e:
        s3.put_object_lock_configuration(Bucket=locked, ObjectLockConfiguration=config)
    assert error_code(e) == code


def test_bad_lock_headers_are_refused(s3, locked):
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=locked, Key="k", Body=b"x", ObjectLockMode="GOVERNANCE")
    assert error_code(e) == "InvalidArgument"
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=locked, Key="k", Body=b"x", ObjectLockMode="GOVERNANCE",
                      ObjectLockRetainUntilDate=in_days(-1))
    assert error_code(e) == "InvalidArgument"


def test_a_copy_gets_its_own_lock_not_the_sources(s3, locked):
    src = s3.put_object(Bucket=locked, Key="src", Body=b"x", ObjectLockLegalHoldStatus="ON")["VersionId"]
    s3.copy_object(Bucket=locked, Key="dst", CopySource={"Bucket": locked, "Key": "src"})
    assert "ObjectLockLegalHoldStatus" not in s3.head_object(Bucket=locked, Key="dst")
    s3.put_object_legal_hold(Bucket=locked, Key="src", VersionId=src, LegalHold={"Status": "OFF"})
