"""Bucket versioning as AWS S3 documents it: PutBucketVersioning and
GetBucketVersioning (Enabled, Suspended, MalformedXML), version ids on PUT,
GET and HEAD by versionId, the null version, delete markers (simple DELETE,
DELETE by versionId, 404 NoSuchKey with x-amz-delete-marker, 405
MethodNotAllowed, 404 NoSuchVersion), ListObjectVersions (order, prefix,
delimiter, max-keys and key/version-id markers, encoding-type=url),
Suspended buckets, DeleteObjects and CopyObject with version ids,
BucketNotEmpty, a restart, and an erasure-coded deployment that lost a drive."""

import os
import uuid
import xml.etree.ElementTree as ET
from collections import namedtuple
from urllib.parse import unquote_plus

import pytest
from botocore.exceptions import ClientError

from conftest import error_code, status_code
from ec_helpers import client as ec_client, drive_paths, remove_drives

ENABLED = {"Status": "Enabled"}
SUSPENDED = {"Status": "Suspended"}

# One entry of a ListObjectVersions answer, in the order of the XML:
# kind is "Version" or "DeleteMarker".
Entry = namedtuple("Entry", "kind key version_id is_latest")


# ------------------------------------------------------------------ helpers

def headers(resp):
    return resp["ResponseMetadata"]["HTTPHeaders"]


def http_status(resp):
    return resp["ResponseMetadata"]["HTTPStatusCode"]


def err_headers(exc_info):
    return exc_info.value.response["ResponseMetadata"]["HTTPHeaders"]


def read(s3, bucket, key, **kwargs):
    return s3.get_object(Bucket=bucket, Key=key, **kwargs)["Body"].read()


def put(s3, bucket, key, body):
    """PUTs `body` and returns the version id the server answered (None when
    it sent no x-amz-version-id)."""
    return s3.put_object(Bucket=bucket, Key=key, Body=body).get("VersionId")


def set_versioning(s3, bucket, config):
    resp = s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration=config)
    assert http_status(resp) == 200


def list_versions(s3, bucket, **kwargs):
    """ListObjectVersions; returns (parsed response, entries in XML order).
    botocore splits Version and DeleteMarker elements into two lists, which
    loses their order, so the entries are read from the raw XML as well."""
    raw = {}

    def grab(http_response, **_):
        raw["body"] = http_response.content

    handler_id = "versioning-raw-" + uuid.uuid4().hex
    s3.meta.events.register("after-call.s3.ListObjectVersions", grab, unique_id=handler_id)
    try:
        resp = s3.list_object_versions(Bucket=bucket, **kwargs)
    finally:
        s3.meta.events.unregister("after-call.s3.ListObjectVersions", unique_id=handler_id)
    root = ET.fromstring(raw["body"])

    def local(tag):
        return tag.rsplit("}", 1)[-1]

    def child(el, name):
        for c in el:
            if local(c.tag) == name:
                return c.text or ""
        return None

    encoded = child(root, "EncodingType") == "url"
    entries = []
    for el in root:
        kind = local(el.tag)
        if kind in ("Version", "DeleteMarker"):
            key = child(el, "Key")
            entries.append(Entry(kind, unquote_plus(key) if encoded else key,
                                 child(el, "VersionId"), child(el, "IsLatest") == "true"))
    return resp, entries


def entries_of(s3, bucket, **kwargs):
    return list_versions(s3, bucket, **kwargs)[1]


def purge(s3, bucket):
    """Removes every version and delete marker (bounded: a server that does
    not delete must not hang the teardown)."""
    for _ in range(20):
        try:
            resp = s3.list_object_versions(Bucket=bucket)
        except Exception:  # noqa: BLE001 - teardown must not fail the test
            return
        entries = resp.get("Versions", []) + resp.get("DeleteMarkers", [])
        if not entries:
            return
        for e in entries:
            try:
                s3.delete_object(Bucket=bucket, Key=e["Key"], VersionId=e["VersionId"])
            except Exception:  # noqa: BLE001
                pass


@pytest.fixture
def plain(s3, bucket):
    """A fresh bucket whose versioning was never configured; every version
    and delete marker in it is removed afterwards."""
    yield bucket
    purge(s3, bucket)


@pytest.fixture
def vbucket(s3, plain):
    """A fresh bucket with versioning Enabled."""
    set_versioning(s3, plain, ENABLED)
    return plain


# ----------------------------------------------- Put/GetBucketVersioning

def test_new_bucket_has_no_versioning_status(s3, bucket):
    resp = s3.get_bucket_versioning(Bucket=bucket)
    assert http_status(resp) == 200
    assert "Status" not in resp
    assert "MFADelete" not in resp


def test_versioning_enabled_then_suspended_is_reported(s3, plain):
    set_versioning(s3, plain, ENABLED)
    assert s3.get_bucket_versioning(Bucket=plain)["Status"] == "Enabled"
    set_versioning(s3, plain, SUSPENDED)
    assert s3.get_bucket_versioning(Bucket=plain)["Status"] == "Suspended"
    set_versioning(s3, plain, ENABLED)
    assert s3.get_bucket_versioning(Bucket=plain)["Status"] == "Enabled"


@pytest.mark.parametrize("status", ["On", "Disabled", "enabled"])
def test_invalid_versioning_status_is_malformed_xml(s3, bucket, status):
    with pytest.raises(ClientError) as e:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": status})
    assert status_code(e) == 400
    assert error_code(e) == "MalformedXML"
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)


def test_versioning_of_missing_bucket_is_no_such_bucket(s3):
    with pytest.raises(ClientError) as e:
        s3.put_bucket_versioning(Bucket="missing-" + uuid.uuid4().hex[:20],
                                 VersioningConfiguration=ENABLED)
    assert error_code(e) == "NoSuchBucket"
    assert status_code(e) == 404


# ------------------------------------------------- versions of one object

def test_each_put_gets_its_own_version_id_and_each_version_reads_back(s3, vbucket):
    r1 = s3.put_object(Bucket=vbucket, Key="doc", Body=b"first")
    r2 = s3.put_object(Bucket=vbucket, Key="doc", Body=b"second!")
    v1, v2 = r1.get("VersionId"), r2.get("VersionId")
    assert v1 and v2 and v1 != v2
    assert "null" not in (v1, v2)
    assert headers(r1)["x-amz-version-id"] == v1

    g1 = s3.get_object(Bucket=vbucket, Key="doc", VersionId=v1)
    assert g1["Body"].read() == b"first"
    assert g1["VersionId"] == v1
    assert g1["ETag"] == r1["ETag"]
    g2 = s3.get_object(Bucket=vbucket, Key="doc", VersionId=v2)
    assert g2["Body"].read() == b"second!"
    assert g2["VersionId"] == v2

    latest = s3.get_object(Bucket=vbucket, Key="doc")
    assert latest["Body"].read() == b"second!"
    assert latest["VersionId"] == v2
    assert latest["ETag"] == r2["ETag"]


def test_head_by_version_id_returns_that_version(s3, vbucket):
    r1 = s3.put_object(Bucket=vbucket, Key="h", Body=b"12345")
    s3.put_object(Bucket=vbucket, Key="h", Body=b"1234567890")
    head = s3.head_object(Bucket=vbucket, Key="h", VersionId=r1["VersionId"])
    assert head["ContentLength"] == 5
    assert head["ETag"] == r1["ETag"]
    assert head["VersionId"] == r1["VersionId"]
    assert headers(head)["x-amz-version-id"] == r1["VersionId"]
    assert s3.head_object(Bucket=vbucket, Key="h")["ContentLength"] == 10


def test_ranged_get_of_an_old_version(s3, vbucket):
    v1 = put(s3, vbucket, "r", b"0123456789")
    put(s3, vbucket, "r", b"abcdefghij")
    got = s3.get_object(Bucket=vbucket, Key="r", VersionId=v1, Range="bytes=2-5")
    assert got["Body"].read() == b"2345"
    assert got["VersionId"] == v1
    assert http_status(got) == 206


def test_multipart_upload_in_an_enabled_bucket_makes_a_version(s3, vbucket):
    v1 = put(s3, vbucket, "mp", b"plain put")
    up = s3.create_multipart_upload(Bucket=vbucket, Key="mp")
    part = s3.upload_part(Bucket=vbucket, Key="mp", UploadId=up["UploadId"], PartNumber=1,
                          Body=b"multi" * 20)
    done = s3.complete_multipart_upload(
        Bucket=vbucket, Key="mp", UploadId=up["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    v2 = done.get("VersionId")
    assert v2 and v2 != v1
    assert read(s3, vbucket, "mp") == b"multi" * 20
    assert read(s3, vbucket, "mp", VersionId=v1) == b"plain put"
    assert [(e.version_id, e.is_latest) for e in entries_of(s3, vbucket)] == [
        (v2, True), (v1, False)]


def test_put_in_a_never_versioned_bucket_has_no_version_id(s3, plain):
    resp = s3.put_object(Bucket=plain, Key="k", Body=b"x")
    assert "VersionId" not in resp
    assert entries_of(s3, plain) == [Entry("Version", "k", "null", True)]
    assert read(s3, plain, "k", VersionId="null") == b"x"


def test_object_written_before_versioning_is_the_null_version(s3, plain):
    s3.put_object(Bucket=plain, Key="old", Body=b"before")
    set_versioning(s3, plain, ENABLED)
    v = put(s3, plain, "old", b"after")
    assert v and v != "null"

    assert read(s3, plain, "old") == b"after"
    got = s3.get_object(Bucket=plain, Key="old", VersionId="null")
    assert got["Body"].read() == b"before"
    head = s3.head_object(Bucket=plain, Key="old", VersionId="null")
    assert head["ContentLength"] == len(b"before")

    resp, entries = list_versions(s3, plain)
    assert entries == [Entry("Version", "old", v, True),
                       Entry("Version", "old", "null", False)]
    assert [x["VersionId"] for x in resp["Versions"]] == [v, "null"]


# ---------------------------------------------------------- delete markers

def test_delete_without_version_id_makes_a_delete_marker(s3, vbucket):
    v1 = put(s3, vbucket, "k", b"one")
    v2 = put(s3, vbucket, "k", b"two")
    put(s3, vbucket, "other", b"stays")

    resp = s3.delete_object(Bucket=vbucket, Key="k")
    assert http_status(resp) == 204
    assert resp.get("DeleteMarker") is True
    dm = resp.get("VersionId")
    assert dm and dm not in (v1, v2, "null")

    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=vbucket, Key="k")
    assert status_code(e) == 404
    assert error_code(e) == "NoSuchKey"
    assert err_headers(e).get("x-amz-delete-marker") == "true"
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=vbucket, Key="k")
    assert status_code(e) == 404
    assert err_headers(e).get("x-amz-delete-marker") == "true"

    listed = s3.list_objects_v2(Bucket=vbucket)
    assert [o["Key"] for o in listed.get("Contents", [])] == ["other"]

    resp, entries = list_versions(s3, vbucket, Prefix="k")
    assert entries == [Entry("DeleteMarker", "k", dm, True),
                       Entry("Version", "k", v2, False),
                       Entry("Version", "k", v1, False)]
    [marker] = resp["DeleteMarkers"]
    assert marker["Key"] == "k" and marker["VersionId"] == dm and marker["IsLatest"] is True
    assert marker["LastModified"]
    assert [(x["VersionId"], x["IsLatest"]) for x in resp["Versions"]] == [(v2, False),
                                                                            (v1, False)]

    # The older versions are still there.
    assert read(s3, vbucket, "k", VersionId=v1) == b"one"
    assert read(s3, vbucket, "k", VersionId=v2) == b"two"


def test_a_second_simple_delete_adds_another_delete_marker(s3, vbucket):
    v1 = put(s3, vbucket, "k", b"one")
    dm1 = s3.delete_object(Bucket=vbucket, Key="k")["VersionId"]
    dm2 = s3.delete_object(Bucket=vbucket, Key="k")["VersionId"]
    assert dm1 != dm2
    assert entries_of(s3, vbucket) == [Entry("DeleteMarker", "k", dm2, True),
                                       Entry("DeleteMarker", "k", dm1, False),
                                       Entry("Version", "k", v1, False)]


def test_deleting_the_delete_marker_makes_the_object_visible_again(s3, vbucket):
    put(s3, vbucket, "k", b"one")
    v2 = put(s3, vbucket, "k", b"two")
    dm = s3.delete_object(Bucket=vbucket, Key="k")["VersionId"]

    resp = s3.delete_object(Bucket=vbucket, Key="k", VersionId=dm)
    assert http_status(resp) == 204
    assert resp.get("DeleteMarker") is True
    assert resp.get("VersionId") == dm

    got = s3.get_object(Bucket=vbucket, Key="k")
    assert got["Body"].read() == b"two"
    assert got["VersionId"] == v2
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=vbucket).get("Contents", [])] == ["k"]
    resp, entries = list_versions(s3, vbucket)
    assert "DeleteMarkers" not in resp
    assert entries[0] == Entry("Version", "k", v2, True)


def test_deleting_a_noncurrent_version_removes_only_that_version(s3, vbucket):
    v1 = put(s3, vbucket, "k", b"one")
    v2 = put(s3, vbucket, "k", b"two")
    v3 = put(s3, vbucket, "k", b"three")

    resp = s3.delete_object(Bucket=vbucket, Key="k", VersionId=v2)
    assert http_status(resp) == 204
    assert resp.get("VersionId") == v2
    assert not resp.get("DeleteMarker")

    assert read(s3, vbucket, "k") == b"three"
    assert read(s3, vbucket, "k", VersionId=v1) == b"one"
    assert entries_of(s3, vbucket) == [Entry("Version", "k", v3, True),
                                       Entry("Version", "k", v1, False)]
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=vbucket, Key="k", VersionId=v2)
    assert error_code(e) == "NoSuchVersion"


def test_deleting_the_latest_version_makes_the_previous_one_current(s3, vbucket):
    v1 = put(s3, vbucket, "k", b"one")
    v2 = put(s3, vbucket, "k", b"two")
    resp = s3.delete_object(Bucket=vbucket, Key="k", VersionId=v2)
    assert resp.get("VersionId") == v2
    assert not resp.get("DeleteMarker")

    got = s3.get_object(Bucket=vbucket, Key="k")
    assert got["Body"].read() == b"one"
    assert got["VersionId"] == v1
    assert s3.head_object(Bucket=vbucket, Key="k")["VersionId"] == v1
    assert entries_of(s3, vbucket) == [Entry("Version", "k", v1, True)]
    listed = s3.list_objects_v2(Bucket=vbucket)["Contents"]
    assert [(o["Key"], o["Size"]) for o in listed] == [("k", 3)]


def test_deleting_the_only_version_leaves_nothing(s3, vbucket):
    v1 = put(s3, vbucket, "k", b"one")
    s3.delete_object(Bucket=vbucket, Key="k", VersionId=v1)
    assert entries_of(s3, vbucket) == []
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=vbucket, Key="k")
    assert error_code(e) == "NoSuchKey"
    assert "x-amz-delete-marker" not in err_headers(e)


# ----------------------------------------------- errors naming a version

def test_unknown_version_id_is_no_such_version(s3, vbucket):
    gone = put(s3, vbucket, "k", b"one")   # a real, well-formed id ...
    put(s3, vbucket, "k", b"two")
    s3.delete_object(Bucket=vbucket, Key="k", VersionId=gone)   # ... that no longer exists
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=vbucket, Key="k", VersionId=gone)
    assert status_code(e) == 404
    assert error_code(e) == "NoSuchVersion"
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=vbucket, Key="k", VersionId=gone)
    assert status_code(e) == 404


def test_version_id_of_another_key_is_no_such_version(s3, vbucket):
    va = put(s3, vbucket, "a", b"a")
    put(s3, vbucket, "b", b"b")
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=vbucket, Key="b", VersionId=va)
    assert status_code(e) == 404
    assert error_code(e) == "NoSuchVersion"


def test_malformed_version_id_is_invalid_argument(s3, vbucket):
    put(s3, vbucket, "k", b"one")
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=vbucket, Key="k", VersionId="not-a-version-id")
    assert status_code(e) == 400
    assert error_code(e) == "InvalidArgument"


def test_get_or_head_of_a_delete_marker_version_is_method_not_allowed(s3, vbucket):
    put(s3, vbucket, "k", b"one")
    dm = s3.delete_object(Bucket=vbucket, Key="k")["VersionId"]
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=vbucket, Key="k", VersionId=dm)
    assert status_code(e) == 405
    assert error_code(e) == "MethodNotAllowed"
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=vbucket, Key="k", VersionId=dm)
    assert status_code(e) == 405


def test_method_not_allowed_for_a_delete_marker_carries_last_modified(s3, vbucket):
    # GetObject and HeadObject: "If the specified version in the request is a
    # delete marker, the response returns a 405 Method Not Allowed error and
    # the Last-Modified: timestamp response header."
    put(s3, vbucket, "k", b"one")
    dm = s3.delete_object(Bucket=vbucket, Key="k")["VersionId"]
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=vbucket, Key="k", VersionId=dm)
    assert status_code(e) == 405
    assert "last-modified" in err_headers(e), err_headers(e)
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=vbucket, Key="k", VersionId=dm)
    assert status_code(e) == 405
    assert "last-modified" in err_headers(e), err_headers(e)


# ------------------------------------------------------ ListObjectVersions

def test_list_versions_orders_by_key_then_newest_first(s3, vbucket):
    ids = {}
    # Interleaved writes: the listing must still group by key.
    for round_ in range(3):
        for key in ("b", "a", "c"):
            ids.setdefault(key, []).append(put(s3, vbucket, key, f"{key}{round_}".encode()))
    dm = s3.delete_object(Bucket=vbucket, Key="b")["VersionId"]

    resp, entries = list_versions(s3, vbucket)
    expected = []
    for key in ("a", "b", "c"):
        if key == "b":
            expected.append(Entry("DeleteMarker", "b", dm, True))
        newest_first = list(reversed(ids[key]))
        for i, v in enumerate(newest_first):
            expected.append(Entry("Version", key, v, i == 0 and key != "b"))
    assert entries == expected
    assert resp["IsTruncated"] is False
    assert resp["Name"] == vbucket
    for v in resp["Versions"]:
        assert v["Size"] == 2 and v["ETag"] and v["LastModified"] and v["StorageClass"]


def test_list_versions_prefix_and_delimiter(s3, vbucket):
    for key in ("photos/2024/a", "photos/2024/b", "photos/x", "docs/y", "top", "gone/z"):
        put(s3, vbucket, key, b"1")
        put(s3, vbucket, key, b"2")
    s3.delete_object(Bucket=vbucket, Key="gone/z")

    resp, entries = list_versions(s3, vbucket, Delimiter="/")
    assert [p["Prefix"] for p in resp["CommonPrefixes"]] == ["docs/", "gone/", "photos/"]
    assert [(e.kind, e.key) for e in entries] == [("Version", "top")] * 2
    assert resp["Delimiter"] == "/"

    resp, entries = list_versions(s3, vbucket, Prefix="photos/", Delimiter="/")
    assert [p["Prefix"] for p in resp["CommonPrefixes"]] == ["photos/2024/"]
    assert [e.key for e in entries] == ["photos/x", "photos/x"]
    assert resp["Prefix"] == "photos/"

    resp, entries = list_versions(s3, vbucket, Prefix="photos/2024/")
    assert "CommonPrefixes" not in resp
    assert [e.key for e in entries] == ["photos/2024/a"] * 2 + ["photos/2024/b"] * 2

    # A key whose current version is a delete marker is still listed, marker first.
    entries = entries_of(s3, vbucket, Prefix="gone/")
    assert [(e.kind, e.is_latest) for e in entries] == [("DeleteMarker", True),
                                                        ("Version", False),
                                                        ("Version", False)]


def nine_versions_and_a_marker(s3, bucket):
    """k1 gets a null version before versioning is enabled; then k0, k1, k2
    get three versions each, and k2 a delete marker on top."""
    s3.put_object(Bucket=bucket, Key="k1", Body=b"null")
    set_versioning(s3, bucket, ENABLED)
    for i in range(3):
        for key in ("k0", "k1", "k2"):
            put(s3, bucket, key, f"{key}-{i}".encode())
    s3.delete_object(Bucket=bucket, Key="k2")


def test_list_versions_max_keys_truncates_with_next_markers(s3, plain):
    nine_versions_and_a_marker(s3, plain)
    resp, entries = list_versions(s3, plain, MaxKeys=2)
    assert len(entries) == 2
    assert resp["IsTruncated"] is True
    assert resp["MaxKeys"] == 2
    assert resp["NextKeyMarker"] == "k0"
    assert resp.get("NextVersionIdMarker")

    resp, entries = list_versions(s3, plain, MaxKeys=1000)
    assert len(entries) == 11
    assert resp["IsTruncated"] is False
    assert "NextKeyMarker" not in resp and "NextVersionIdMarker" not in resp


@pytest.mark.parametrize("max_keys", [1, 2, 3, 4])
def test_list_versions_paging_walks_every_version_exactly_once(s3, plain, max_keys):
    nine_versions_and_a_marker(s3, plain)
    everything = entries_of(s3, plain)
    assert len(everything) == 11
    # With max-keys 3 a page ends on k1's null version, so the next request
    # carries version-id-marker=null.
    walked, pages, kwargs = [], 0, {}
    while True:
        resp, entries = list_versions(s3, plain, MaxKeys=max_keys, **kwargs)
        pages += 1
        assert pages <= 20, "the listing does not end"
        assert len(entries) <= max_keys
        if kwargs:
            # The markers of the request are echoed.
            assert resp.get("KeyMarker") == kwargs["KeyMarker"]
            assert resp.get("VersionIdMarker") == kwargs["VersionIdMarker"]
        walked += entries
        if not resp["IsTruncated"]:
            break
        assert resp["NextKeyMarker"] and resp["NextVersionIdMarker"]
        kwargs = {"KeyMarker": resp["NextKeyMarker"],
                  "VersionIdMarker": resp["NextVersionIdMarker"]}
    assert walked == everything
    assert pages > 1


def test_list_versions_paginator_sees_every_version(s3, plain):
    nine_versions_and_a_marker(s3, plain)
    seen = []
    for page in s3.get_paginator("list_object_versions").paginate(
            Bucket=plain, PaginationConfig={"PageSize": 2}):
        seen += [(v["Key"], v["VersionId"]) for v in page.get("Versions", [])]
        seen += [(d["Key"], d["VersionId"]) for d in page.get("DeleteMarkers", [])]
    assert sorted(seen) == sorted((e.key, e.version_id) for e in entries_of(s3, plain))
    assert len(set(seen)) == 11


def test_list_versions_encoding_type_url_encodes_keys(s3, vbucket):
    keys = ["sp ace/ctl\x01x", "sp ace/caf\u00e9"]
    for key in keys:
        put(s3, vbucket, key, b"1")
        put(s3, vbucket, key, b"2")
    # An explicit EncodingType makes botocore hand back the raw encoded values.
    resp = s3.list_object_versions(Bucket=vbucket, EncodingType="url", Prefix="sp ace/")
    assert resp["EncodingType"] == "url"
    raw = [v["Key"] for v in resp["Versions"]]
    for k in raw:
        assert k.isascii() and " " not in k and "\x01" not in k
    assert [unquote_plus(k) for k in raw] == sorted(
        [k for k in keys for _ in range(2)], key=lambda k: k.encode())
    assert unquote_plus(resp["Prefix"]) == "sp ace/" and resp["Prefix"] != "sp ace/"

    resp = s3.list_object_versions(Bucket=vbucket, EncodingType="url", Delimiter="/")
    assert [unquote_plus(p["Prefix"]) for p in resp["CommonPrefixes"]] == ["sp ace/"]
    assert " " not in resp["CommonPrefixes"][0]["Prefix"]

    # Without an explicit EncodingType botocore decodes what it asked for.
    decoded = s3.list_object_versions(Bucket=vbucket)
    assert sorted({v["Key"] for v in decoded["Versions"]}) == sorted(keys)


# -------------------------------------------------------------- Suspended

def test_put_in_a_suspended_bucket_writes_the_null_version(s3, plain):
    s3.put_object(Bucket=plain, Key="k", Body=b"pre-versioning")
    set_versioning(s3, plain, ENABLED)
    v1 = put(s3, plain, "k", b"enabled-era")
    set_versioning(s3, plain, SUSPENDED)

    resp = s3.put_object(Bucket=plain, Key="k", Body=b"suspended-1")
    assert resp.get("VersionId") in (None, "null")
    assert read(s3, plain, "k") == b"suspended-1"
    # The new null version replaced the pre-versioning one; v1 is kept.
    assert entries_of(s3, plain) == [Entry("Version", "k", "null", True),
                                     Entry("Version", "k", v1, False)]
    assert read(s3, plain, "k", VersionId="null") == b"suspended-1"
    assert read(s3, plain, "k", VersionId=v1) == b"enabled-era"

    put(s3, plain, "k", b"suspended-2")
    assert entries_of(s3, plain) == [Entry("Version", "k", "null", True),
                                     Entry("Version", "k", v1, False)]
    assert read(s3, plain, "k", VersionId="null") == b"suspended-2"
    got = s3.get_object(Bucket=plain, Key="k")
    assert got["Body"].read() == b"suspended-2"
    assert got.get("VersionId") in (None, "null")


def test_delete_in_a_suspended_bucket_makes_a_null_delete_marker(s3, vbucket):
    v1 = put(s3, vbucket, "k", b"enabled-era")
    set_versioning(s3, vbucket, SUSPENDED)
    put(s3, vbucket, "k", b"null-version")

    resp = s3.delete_object(Bucket=vbucket, Key="k")
    assert http_status(resp) == 204
    assert resp.get("DeleteMarker") is True
    assert resp.get("VersionId") in (None, "null")

    # The null version is gone, replaced by a null delete marker; v1 stays.
    assert entries_of(s3, vbucket) == [Entry("DeleteMarker", "k", "null", True),
                                       Entry("Version", "k", v1, False)]
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=vbucket, Key="k")
    assert error_code(e) == "NoSuchKey"
    assert read(s3, vbucket, "k", VersionId=v1) == b"enabled-era"

    # A second simple delete still leaves one null marker.
    s3.delete_object(Bucket=vbucket, Key="k")
    assert entries_of(s3, vbucket) == [Entry("DeleteMarker", "k", "null", True),
                                       Entry("Version", "k", v1, False)]


def test_delete_in_a_suspended_bucket_without_a_null_version_keeps_every_version(
        s3, vbucket):
    v1 = put(s3, vbucket, "k", b"one")
    v2 = put(s3, vbucket, "k", b"two")
    set_versioning(s3, vbucket, SUSPENDED)
    s3.delete_object(Bucket=vbucket, Key="k")
    assert entries_of(s3, vbucket) == [Entry("DeleteMarker", "k", "null", True),
                                       Entry("Version", "k", v2, False),
                                       Entry("Version", "k", v1, False)]
    # Deleting the marker by its id brings v2 back.
    s3.delete_object(Bucket=vbucket, Key="k", VersionId="null")
    assert read(s3, vbucket, "k") == b"two"


def test_reenabling_keeps_the_null_version_and_adds_new_ids(s3, vbucket):
    set_versioning(s3, vbucket, SUSPENDED)
    put(s3, vbucket, "k", b"null")
    set_versioning(s3, vbucket, ENABLED)
    v = put(s3, vbucket, "k", b"new")
    assert v and v != "null"
    assert entries_of(s3, vbucket) == [Entry("Version", "k", v, True),
                                       Entry("Version", "k", "null", False)]
    assert read(s3, vbucket, "k", VersionId="null") == b"null"


# ---------------------------------------------------------- DeleteObjects

def test_delete_objects_with_version_ids_removes_exactly_those_versions(s3, vbucket):
    a1 = put(s3, vbucket, "a", b"a1")
    a2 = put(s3, vbucket, "a", b"a2")
    b1 = put(s3, vbucket, "b", b"b1")
    b2 = put(s3, vbucket, "b", b"b2")

    resp = s3.delete_objects(Bucket=vbucket, Delete={"Objects": [
        {"Key": "a", "VersionId": a1}, {"Key": "b", "VersionId": b2}]})
    assert "Errors" not in resp
    assert sorted((d["Key"], d["VersionId"]) for d in resp["Deleted"]) == [("a", a1), ("b", b2)]
    assert not any(d.get("DeleteMarker") for d in resp["Deleted"])

    assert entries_of(s3, vbucket) == [Entry("Version", "a", a2, True),
                                       Entry("Version", "b", b1, True)]
    assert read(s3, vbucket, "b") == b"b1"


def test_delete_objects_without_version_id_makes_delete_markers(s3, vbucket):
    va = put(s3, vbucket, "a", b"a")
    vb = put(s3, vbucket, "b", b"b")
    resp = s3.delete_objects(Bucket=vbucket, Delete={"Objects": [{"Key": "a"}, {"Key": "b"}]})
    assert "Errors" not in resp
    deleted = {d["Key"]: d for d in resp["Deleted"]}
    assert set(deleted) == {"a", "b"}
    for d in deleted.values():
        assert d.get("DeleteMarker") is True
        assert d.get("DeleteMarkerVersionId")
    entries = entries_of(s3, vbucket)
    assert entries == [Entry("DeleteMarker", "a", deleted["a"]["DeleteMarkerVersionId"], True),
                       Entry("Version", "a", va, False),
                       Entry("DeleteMarker", "b", deleted["b"]["DeleteMarkerVersionId"], True),
                       Entry("Version", "b", vb, False)]
    assert "Contents" not in s3.list_objects_v2(Bucket=vbucket)


def test_delete_objects_removes_a_delete_marker_by_its_version_id(s3, vbucket):
    v = put(s3, vbucket, "a", b"a")
    dm = s3.delete_object(Bucket=vbucket, Key="a")["VersionId"]
    resp = s3.delete_objects(Bucket=vbucket, Delete={"Objects": [{"Key": "a", "VersionId": dm}]})
    [d] = resp["Deleted"]
    assert d["Key"] == "a" and d["VersionId"] == dm
    assert d.get("DeleteMarker") is True
    assert d.get("DeleteMarkerVersionId", dm) == dm
    assert entries_of(s3, vbucket) == [Entry("Version", "a", v, True)]
    assert read(s3, vbucket, "a") == b"a"


def test_delete_objects_quiet_reports_nothing_for_versions(s3, vbucket):
    v = put(s3, vbucket, "a", b"a")
    resp = s3.delete_objects(Bucket=vbucket, Delete={
        "Objects": [{"Key": "a", "VersionId": v}], "Quiet": True})
    assert "Deleted" not in resp and "Errors" not in resp
    assert entries_of(s3, vbucket) == []


# -------------------------------------------------------------- CopyObject

def test_copy_object_from_an_old_version(s3, vbucket):
    v1 = put(s3, vbucket, "src", b"old body")
    put(s3, vbucket, "src", b"new body")
    resp = s3.copy_object(Bucket=vbucket, Key="dst",
                          CopySource={"Bucket": vbucket, "Key": "src", "VersionId": v1})
    assert resp.get("CopySourceVersionId") == v1
    new = resp.get("VersionId")
    assert new and new != v1
    got = s3.get_object(Bucket=vbucket, Key="dst")
    assert got["Body"].read() == b"old body"
    assert got["VersionId"] == new


def test_copying_an_old_version_onto_its_key_restores_it(s3, vbucket):
    v1 = put(s3, vbucket, "doc", b"good")
    v2 = put(s3, vbucket, "doc", b"bad")
    resp = s3.copy_object(Bucket=vbucket, Key="doc",
                          CopySource={"Bucket": vbucket, "Key": "doc", "VersionId": v1})
    v3 = resp["VersionId"]
    assert v3 not in (v1, v2)
    assert resp["CopySourceVersionId"] == v1
    assert read(s3, vbucket, "doc") == b"good"
    assert [e.version_id for e in entries_of(s3, vbucket)] == [v3, v2, v1]


def test_copy_object_from_the_null_version(s3, plain):
    s3.put_object(Bucket=plain, Key="src", Body=b"null body")
    set_versioning(s3, plain, ENABLED)
    put(s3, plain, "src", b"versioned body")
    resp = s3.copy_object(Bucket=plain, Key="dst",
                          CopySource={"Bucket": plain, "Key": "src", "VersionId": "null"})
    assert resp.get("CopySourceVersionId") in (None, "null")
    assert read(s3, plain, "dst") == b"null body"


def test_copy_source_that_is_deleted_or_a_delete_marker(s3, vbucket):
    put(s3, vbucket, "src", b"x")
    dm = s3.delete_object(Bucket=vbucket, Key="src")["VersionId"]
    # Current version is a delete marker: as if the object were deleted.
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=vbucket, Key="dst", CopySource={"Bucket": vbucket, "Key": "src"})
    assert status_code(e) == 404
    assert error_code(e) == "NoSuchKey"
    # Naming a delete marker as the source version: 400.
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=vbucket, Key="dst",
                       CopySource={"Bucket": vbucket, "Key": "src", "VersionId": dm})
    assert status_code(e) == 400


# ------------------------------------------------------------ DeleteBucket

def test_bucket_with_only_old_versions_or_markers_is_not_empty(s3, plain):
    bucket = plain
    set_versioning(s3, bucket, ENABLED)
    v = put(s3, bucket, "k", b"x")
    dm = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)

    # A noncurrent version and a delete marker.
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=bucket)
    assert status_code(e) == 409
    assert error_code(e) == "BucketNotEmpty"

    # Only a delete marker.
    s3.delete_object(Bucket=bucket, Key="k", VersionId=v)
    assert entries_of(s3, bucket) == [Entry("DeleteMarker", "k", dm, True)]
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=bucket)
    assert status_code(e) == 409
    assert error_code(e) == "BucketNotEmpty"

    s3.delete_object(Bucket=bucket, Key="k", VersionId=dm)
    assert http_status(s3.delete_bucket(Bucket=bucket)) == 204
    with pytest.raises(ClientError) as e:
        s3.head_bucket(Bucket=bucket)
    assert status_code(e) == 404


# --------------------------------------------------------------- restarts

@pytest.mark.sdk_independent
def test_versions_survive_a_restart(make_server):
    srv = make_server()
    s3 = srv.client()
    s3.create_bucket(Bucket="kept")
    s3.put_object(Bucket="kept", Key="k", Body=b"null")
    set_versioning(s3, "kept", ENABLED)
    v1 = put(s3, "kept", "k", b"one")
    v2 = put(s3, "kept", "k", b"two")
    dm = s3.delete_object(Bucket="kept", Key="k")["VersionId"]
    s3.create_bucket(Bucket="paused")
    set_versioning(s3, "paused", SUSPENDED)
    before = entries_of(s3, "kept")

    srv.stop()
    srv.start()
    s3 = srv.client()

    assert s3.get_bucket_versioning(Bucket="kept")["Status"] == "Enabled"
    assert s3.get_bucket_versioning(Bucket="paused")["Status"] == "Suspended"
    assert entries_of(s3, "kept") == before == [
        Entry("DeleteMarker", "k", dm, True), Entry("Version", "k", v2, False),
        Entry("Version", "k", v1, False), Entry("Version", "k", "null", False)]
    assert read(s3, "kept", "k", VersionId=v1) == b"one"
    assert read(s3, "kept", "k", VersionId="null") == b"null"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket="kept", Key="k")
    assert error_code(e) == "NoSuchKey"
    # New versions after the restart are newer than every old one.
    v3 = put(s3, "kept", "k", b"three")
    assert v3 not in (v1, v2, dm)
    assert entries_of(s3, "kept")[0] == Entry("Version", "k", v3, True)


# ----------------------------------------------------------- erasure coded

@pytest.mark.sdk_independent
def test_versions_on_erasure_coded_drives_read_with_a_drive_lost(make_server, tmp_path):
    drives = drive_paths(tmp_path, 4)          # one erasure set, EC 2+2
    srv = make_server(drives=drives)
    s3 = ec_client(srv)
    s3.create_bucket(Bucket="ec-versions")
    set_versioning(s3, "ec-versions", ENABLED)
    big = os.urandom(300 * 1024 + 17)          # beyond the inline limit: real shards
    small = b"small second version"
    v1 = put(s3, "ec-versions", "obj", big)
    v2 = put(s3, "ec-versions", "obj", small)
    dm = s3.delete_object(Bucket="ec-versions", Key="obj")["VersionId"]
    expected = [Entry("DeleteMarker", "obj", dm, True), Entry("Version", "obj", v2, False),
                Entry("Version", "obj", v1, False)]
    assert entries_of(s3, "ec-versions") == expected
    assert read(s3, "ec-versions", "obj", VersionId=v1) == big
    assert read(s3, "ec-versions", "obj", VersionId=v2) == small

    remove_drives(srv, [drives[1]])

    assert entries_of(s3, "ec-versions") == expected
    assert read(s3, "ec-versions", "obj", VersionId=v1) == big
    assert read(s3, "ec-versions", "obj", VersionId=v2) == small
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket="ec-versions", Key="obj")
    assert error_code(e) == "NoSuchKey"
    # Writes go on with write quorum: a new version becomes current.
    v3 = put(s3, "ec-versions", "obj", b"degraded write")
    assert v3 and v3 not in (v1, v2, dm)
    assert read(s3, "ec-versions", "obj") == b"degraded write"
    assert [e.version_id for e in entries_of(s3, "ec-versions")] == [v3, dm, v2, v1]


# ------------------------------------------------------------ tags by version

def tag_set(resp):
    return {t["Key"]: t["Value"] for t in resp["TagSet"]}


def test_each_version_has_its_own_tags(s3, vbucket):
    old = s3.put_object(Bucket=vbucket, Key="k", Body=b"old", Tagging="gen=1")["VersionId"]
    new = s3.put_object(Bucket=vbucket, Key="k", Body=b"new", Tagging="gen=2")["VersionId"]
    got = s3.get_object_tagging(Bucket=vbucket, Key="k", VersionId=old)
    assert tag_set(got) == {"gen": "1"}
    assert got["VersionId"] == old
    put = s3.put_object_tagging(Bucket=vbucket, Key="k", VersionId=old,
                                Tagging={"TagSet": [{"Key": "gen", "Value": "one"}]})
    assert put["VersionId"] == old
    assert tag_set(s3.get_object_tagging(Bucket=vbucket, Key="k", VersionId=old)) == {"gen": "one"}
    # The current version, its data and the old version's data are untouched.
    assert tag_set(s3.get_object_tagging(Bucket=vbucket, Key="k")) == {"gen": "2"}
    assert read(s3, vbucket, "k", VersionId=old) == b"old"
    s3.delete_object_tagging(Bucket=vbucket, Key="k", VersionId=new)
    assert tag_set(s3.get_object_tagging(Bucket=vbucket, Key="k")) == {}
    assert tag_set(s3.get_object_tagging(Bucket=vbucket, Key="k", VersionId=old)) == {"gen": "one"}


def test_tags_of_a_missing_version_or_a_delete_marker(s3, vbucket):
    put(s3, vbucket, "k", b"x")
    marker = s3.delete_object(Bucket=vbucket, Key="k")["VersionId"]
    with pytest.raises(ClientError) as e:
        s3.get_object_tagging(Bucket=vbucket, Key="k", VersionId="0" * 32)
    assert error_code(e) == "NoSuchVersion"
    with pytest.raises(ClientError) as e:
        s3.put_object_tagging(Bucket=vbucket, Key="k", VersionId=marker,
                              Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})
    assert status_code(e) == 405
    with pytest.raises(ClientError) as e:
        s3.get_object_tagging(Bucket=vbucket, Key="k")
    assert error_code(e) == "NoSuchKey"
