"""Bucket lifecycle as AWS S3 documents it: configurations put (validated),
read back and deleted, and applied by the server: current objects expire by
days with prefix, tag and size filters, and incomplete multipart uploads are
aborted. A lifecycle "day" is shortened to one second through the
SILO_LIFECYCLE_DAY knob rather than waited for."""

import time

import pytest
from botocore.exceptions import ClientError

from conftest import error_code, status_code


def keys(s3, bucket):
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


def test_configuration_round_trips_and_is_validated(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert error_code(e) == "NoSuchLifecycleConfiguration" and status_code(e) == 404
    rules = [
        {"ID": "logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"},
         "Expiration": {"Days": 30}},
        {"ID": "big-tmp", "Status": "Disabled",
         "Filter": {"And": {"Prefix": "tmp/", "Tags": [{"Key": "kind", "Value": "scratch"}],
                            "ObjectSizeGreaterThan": 1024}},
         "Expiration": {"Days": 1}, "NoncurrentVersionExpiration": {"NoncurrentDays": 3}},
        {"ID": "uploads", "Status": "Enabled", "Filter": {"Prefix": ""},
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}},
    ]
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert [r["ID"] for r in got] == ["logs", "big-tmp", "uploads"]
    assert got[0]["Expiration"] == {"Days": 30}
    assert got[1]["Filter"]["And"]["Tags"] == [{"Key": "kind", "Value": "scratch"}]

    bad = [
        ({"ID": "x", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 0}},
         "InvalidArgument"),
        ({"ID": "x", "Status": "Enabled", "Filter": {"Prefix": ""}}, "InvalidArgument"),
        ({"ID": "x", "Status": "Maybe", "Filter": {"Prefix": ""}, "Expiration": {"Days": 1}},
         "MalformedXML"),
    ]
    for rule, code in bad:
        with pytest.raises(ClientError) as e:
            s3.put_bucket_lifecycle_configuration(Bucket=bucket,
                                                  LifecycleConfiguration={"Rules": [rule]})
        assert error_code(e) == code, rule
    with pytest.raises(ClientError) as e:
        s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
            {"ID": "same", "Status": "Enabled", "Filter": {"Prefix": "a"}, "Expiration": {"Days": 1}},
            {"ID": "same", "Status": "Enabled", "Filter": {"Prefix": "b"}, "Expiration": {"Days": 1}},
        ]})
    assert error_code(e) == "InvalidArgument"
    s3.delete_bucket_lifecycle(Bucket=bucket)
    with pytest.raises(ClientError) as e:
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert error_code(e) == "NoSuchLifecycleConfiguration"


def test_rules_without_an_id_are_given_one(s3, bucket):
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"Status": "Enabled", "Filter": {"Prefix": "a/"}, "Expiration": {"Days": 1}},
        {"ID": "named", "Status": "Enabled", "Filter": {"Prefix": "b/"},
         "Expiration": {"Days": 2}}]})
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert len(got[0]["ID"]) == 32 and got[1]["ID"] == "named"
    assert got[0]["Expiration"] == {"Days": 1}
    # The ID stays what it was given on every read.
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"][0]["ID"] == got[0]["ID"]


def test_transitions_are_checked_then_refused(s3, bucket):
    # One tier only: a valid transition is NotImplemented; an invalid one
    # gets the error its mistake earns first.
    def put(transition):
        s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
            {"ID": "t", "Status": "Enabled", "Filter": {"Prefix": ""},
             "Transitions": [transition]}]})
    for transition, code in [({"Days": 30, "StorageClass": "GLACIER"}, "NotImplemented"),
                             ({"Date": "2030-01-01T12:00:00Z", "StorageClass": "GLACIER"},
                              "InvalidArgument"),
                             ({"Days": -1, "StorageClass": "GLACIER"}, "InvalidArgument")]:
        with pytest.raises(ClientError) as e:
            put(transition)
        assert error_code(e) == code, transition


def test_rules_expire_objects_and_abort_uploads(make_server):
    srv = make_server(env={"SILO_LIFECYCLE_INTERVAL": "1", "SILO_LIFECYCLE_DAY": "1"})
    s3 = srv.client()
    s3.create_bucket(Bucket="life")
    s3.put_bucket_lifecycle_configuration(Bucket="life", LifecycleConfiguration={"Rules": [
        {"ID": "logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"},
         "Expiration": {"Days": 2}},
        {"ID": "tagged-big", "Status": "Enabled",
         "Filter": {"And": {"Prefix": "", "Tags": [{"Key": "temp", "Value": "yes"}],
                            "ObjectSizeGreaterThan": 10}},
         "Expiration": {"Days": 2}},
        {"ID": "off", "Status": "Disabled", "Filter": {"Prefix": "keep/"},
         "Expiration": {"Days": 1}},
        {"ID": "uploads", "Status": "Enabled", "Filter": {"Prefix": ""},
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2}},
    ]})
    s3.put_object(Bucket="life", Key="logs/a.log", Body=b"old log")
    s3.put_object(Bucket="life", Key="keep/x", Body=b"kept")
    s3.put_object(Bucket="life", Key="big", Body=b"x" * 100, Tagging="temp=yes")
    s3.put_object(Bucket="life", Key="small", Body=b"x", Tagging="temp=yes")
    s3.put_object(Bucket="life", Key="untagged", Body=b"x" * 100)
    upload = s3.create_multipart_upload(Bucket="life", Key="partial")["UploadId"]
    deadline = time.time() + 20
    while time.time() < deadline and "logs/a.log" in keys(s3, "life"):
        time.sleep(0.5)
    assert keys(s3, "life") == ["keep/x", "small", "untagged"]
    while time.time() < deadline and s3.list_multipart_uploads(Bucket="life").get("Uploads"):
        time.sleep(0.5)
    assert not s3.list_multipart_uploads(Bucket="life").get("Uploads")
    with pytest.raises(ClientError):
        s3.list_parts(Bucket="life", Key="partial", UploadId=upload)
    # An object written now is not expired before its own two days.
    s3.put_object(Bucket="life", Key="logs/new.log", Body=b"new")
    assert "logs/new.log" in keys(s3, "life")
    assert "lifecycle:" in srv.read_log()


def versions_of(s3, bucket):
    """(key, kind, is_latest) of every version, newest first per key."""
    r = s3.list_object_versions(Bucket=bucket)
    out = [(v["Key"], "version", v["IsLatest"], v["LastModified"]) for v in r.get("Versions", [])]
    out += [(m["Key"], "marker", m["IsLatest"], m["LastModified"])
            for m in r.get("DeleteMarkers", [])]
    return sorted((k, kind, latest) for k, kind, latest, _ in out)


def test_versioned_bucket_rules_expire_noncurrent_versions_and_lone_markers(make_server):
    srv = make_server(env={"SILO_LIFECYCLE_INTERVAL": "1", "SILO_LIFECYCLE_DAY": "1"})
    s3 = srv.client()
    s3.create_bucket(Bucket="vlife")
    s3.put_bucket_versioning(Bucket="vlife", VersioningConfiguration={"Status": "Enabled"})
    for body in (b"1", b"2", b"3"):
        s3.put_object(Bucket="vlife", Key="doc", Body=body)
    s3.put_object(Bucket="vlife", Key="gone", Body=b"x")
    s3.delete_object(Bucket="vlife", Key="gone")
    s3.delete_object(Bucket="vlife", Key="gone", VersionId=[
        v["VersionId"] for v in s3.list_object_versions(Bucket="vlife", Prefix="gone")["Versions"]][0])
    assert ("gone", "marker", True) in versions_of(s3, "vlife")
    s3.put_bucket_lifecycle_configuration(Bucket="vlife", LifecycleConfiguration={"Rules": [
        {"ID": "old-versions", "Status": "Enabled", "Filter": {"Prefix": ""},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 2, "NewerNoncurrentVersions": 1}},
        {"ID": "markers", "Status": "Enabled", "Filter": {"Prefix": ""},
         "Expiration": {"ExpiredObjectDeleteMarker": True}},
    ]})
    want = [("doc", "version", False), ("doc", "version", True)]
    deadline = time.time() + 20
    while time.time() < deadline and versions_of(s3, "vlife") != want:
        time.sleep(0.5)
    # The newest noncurrent version is kept (NewerNoncurrentVersions 1), the
    # oldest goes, and the marker left alone on "gone" with it.
    assert versions_of(s3, "vlife") == want
    assert s3.get_object(Bucket="vlife", Key="doc")["Body"].read() == b"3"


def test_expiring_a_versioned_object_leaves_a_delete_marker(make_server):
    srv = make_server(env={"SILO_LIFECYCLE_INTERVAL": "1", "SILO_LIFECYCLE_DAY": "1"})
    s3 = srv.client()
    s3.create_bucket(Bucket="vexp")
    s3.put_bucket_versioning(Bucket="vexp", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="vexp", Key="tmp/a", Body=b"a")
    s3.put_bucket_lifecycle_configuration(Bucket="vexp", LifecycleConfiguration={"Rules": [
        {"ID": "tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"},
         "Expiration": {"Days": 1}}]})
    deadline = time.time() + 20
    while time.time() < deadline and keys(s3, "vexp"):
        time.sleep(0.5)
    assert keys(s3, "vexp") == []
    # The data is still there, behind the marker the expiration made.
    assert versions_of(s3, "vexp") == [("tmp/a", "marker", True), ("tmp/a", "version", False)]
