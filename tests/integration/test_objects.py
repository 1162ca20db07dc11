"""Object operations as AWS S3 documents them: PutObject, GetObject (ranges,
conditions, response-* overrides), HeadObject, DeleteObject(s), CopyObject,
conditional writes, key names, Content-MD5 and metadata limits."""

import base64
import contextlib
import datetime
import hashlib

import pytest
from botocore.exceptions import ClientError

from conftest import error_code, status_code

EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def md5_hex(data):
    return hashlib.md5(data).hexdigest()


def md5_b64(data):
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def headers_of(resp):
    return resp["ResponseMetadata"]["HTTPHeaders"]


def http_status(resp):
    return resp["ResponseMetadata"]["HTTPStatusCode"]


@contextlib.contextmanager
def extra_headers(client, operation, headers):
    """Adds raw HTTP headers (signed) to every `operation` call of `client`.

    Used for headers Debian's older boto3 has no parameter for (If-Match and
    If-None-Match on PutObject)."""
    def add(request, **_):
        for name, value in headers.items():
            request.headers[name] = value

    event = f"before-sign.s3.{operation}"
    client.meta.events.register_first(event, add)
    try:
        yield client
    finally:
        client.meta.events.unregister(event, add)


def pattern(size, seed=0):
    """Deterministic, non-repeating-looking bytes (so offsets are checkable)."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


# ---------------------------------------------------------------- PutObject


def test_put_returns_md5_etag_and_get_returns_same_bytes(s3, bucket):
    body = pattern(5000)
    put = s3.put_object(Bucket=bucket, Key="k", Body=body)
    assert put["ETag"] == f'"{md5_hex(body)}"'
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == body
    assert got["ETag"] == put["ETag"]
    assert got["ContentLength"] == len(body)


@pytest.mark.parametrize("size", [1, 131071, 131072, 131073, 1048575, 1048576, 1048577,
                                  2 * 1048576 + 13])
def test_object_bytes_and_etag_survive_around_inline_and_block_sizes(s3, bucket, size):
    body = pattern(size, seed=size)
    put = s3.put_object(Bucket=bucket, Key=f"obj-{size}", Body=body)
    assert put["ETag"] == f'"{md5_hex(body)}"'
    got = s3.get_object(Bucket=bucket, Key=f"obj-{size}")
    assert got["ContentLength"] == size
    assert got["Body"].read() == body


def test_empty_object_round_trip(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    assert put["ETag"] == f'"{EMPTY_MD5}"'
    head = s3.head_object(Bucket=bucket, Key="empty")
    assert head["ContentLength"] == 0
    assert head["ETag"] == f'"{EMPTY_MD5}"'
    got = s3.get_object(Bucket=bucket, Key="empty")
    assert got["ContentLength"] == 0
    assert got["Body"].read() == b""
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [(o["Key"], o["Size"]) for o in listed] == [("empty", 0)]


def test_content_headers_and_user_metadata_round_trip(s3, bucket):
    expires = datetime.datetime(2037, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    s3.put_object(
        Bucket=bucket, Key="doc.html", Body=b"<html></html>",
        ContentType="text/html; charset=utf-8",
        ContentEncoding="identity",
        ContentDisposition='attachment; filename="doc.html"',
        ContentLanguage="en-GB",
        CacheControl="max-age=3600, public",
        Expires=expires,
        Metadata={"color": "blue", "Mixed-Case": "Value With Spaces", "empty": ""})
    for resp in (s3.head_object(Bucket=bucket, Key="doc.html"),
                 s3.get_object(Bucket=bucket, Key="doc.html")):
        h = headers_of(resp)
        assert resp["ContentType"] == "text/html; charset=utf-8"
        assert resp["ContentEncoding"] == "identity"
        assert resp["ContentDisposition"] == 'attachment; filename="doc.html"'
        assert resp["ContentLanguage"] == "en-GB"
        assert resp["CacheControl"] == "max-age=3600, public"
        assert h["expires"] == "Fri, 02 Jan 2037 03:04:05 GMT"
        # S3 stores user metadata keys in lower case.
        assert resp["Metadata"] == {"color": "blue", "mixed-case": "Value With Spaces",
                                    "empty": ""}


def test_object_without_content_type_is_served_as_binary_octet_stream(s3, bucket):
    s3.put_object(Bucket=bucket, Key="raw", Body=b"\x00\x01")
    assert s3.head_object(Bucket=bucket, Key="raw")["ContentType"] == "binary/octet-stream"


def test_overwrite_replaces_bytes_and_metadata(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"first", Metadata={"v": "1"},
                  ContentType="text/plain")
    s3.put_object(Bucket=bucket, Key="k", Body=b"second!", Metadata={"w": "2"})
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == b"second!"
    assert got["Metadata"] == {"w": "2"}
    assert got["ContentType"] == "binary/octet-stream"
    assert got["ETag"] == f'"{md5_hex(b"second!")}"'


def test_get_response_has_last_modified_close_to_now(s3, bucket):
    before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    after = datetime.datetime.now(datetime.timezone.utc)
    lm = s3.head_object(Bucket=bucket, Key="k")["LastModified"]
    assert before - datetime.timedelta(seconds=2) <= lm <= after + datetime.timedelta(seconds=2)


def test_storage_class_is_kept_and_invalid_one_rejected(s3, bucket):
    s3.put_object(Bucket=bucket, Key="ia", Body=b"x", StorageClass="STANDARD_IA")
    assert s3.head_object(Bucket=bucket, Key="ia")["StorageClass"] == "STANDARD_IA"
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert listed[0]["StorageClass"] == "STANDARD_IA"
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="bad", Body=b"x", StorageClass="NOT_A_CLASS")
    assert error_code(e) == "InvalidStorageClass"
    assert status_code(e) == 400


def test_put_to_missing_bucket_is_no_such_bucket(s3):
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket="no-such-bucket-for-silo-test", Key="k", Body=b"x")
    assert error_code(e) == "NoSuchBucket"
    assert status_code(e) == 404


# ------------------------------------------------------------- Content-MD5


def test_correct_content_md5_is_accepted(s3, bucket):
    body = b"checked body"
    put = s3.put_object(Bucket=bucket, Key="k", Body=body, ContentMD5=md5_b64(body))
    assert put["ETag"] == f'"{md5_hex(body)}"'


def test_wrong_content_md5_is_bad_digest_and_nothing_is_stored(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=b"actual body", ContentMD5=md5_b64(b"other"))
    assert error_code(e) == "BadDigest"
    assert status_code(e) == 400
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="k")
    assert status_code(e) == 404


def test_wrong_content_md5_does_not_replace_existing_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"original")
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=b"replacement", ContentMD5=md5_b64(b"nope"))
    assert error_code(e) == "BadDigest"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"original"


@pytest.mark.parametrize("bad_md5", ["not base64 at all!", base64.b64encode(b"short").decode()])
def test_malformed_content_md5_is_invalid_digest(s3, bucket, bad_md5):
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=b"data", ContentMD5=bad_md5)
    assert error_code(e) == "InvalidDigest"
    assert status_code(e) == 400


# --------------------------------------------------------------- metadata


def test_user_metadata_under_2kb_is_accepted(s3, bucket):
    meta = {"a": "x" * 1000, "b": "y" * 900}
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Metadata=meta)
    assert s3.head_object(Bucket=bucket, Key="k")["Metadata"] == meta


def test_user_metadata_over_2kb_is_metadata_too_large(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x",
                      Metadata={"a": "x" * 1500, "b": "y" * 1000})
    assert error_code(e) == "MetadataTooLarge"
    assert status_code(e) == 400
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="k")
    assert status_code(e) == 404


# -------------------------------------------------------------- key names

SPECIAL_KEYS = [
    "日本語/ファイル名.txt",
    "emoji-😀-key",
    "with space and  two spaces",
    "a+b+c",
    "percent%20literal%2F",
    "../escape-attempt",
    "a/../../b",
    "./dot",
    "..",
    ".",
    "//double//slashes//",
    "trailing/",
    "/leading-slash",
    "question?mark=1&and",
    "hash#fragment",
    "quotes'\"and<xml>&amp;",
    "back\\slash",
    "tilde~and!star*(paren)",
    "semi;colon:comma,at@",
    "ctl\x01char",
    "tab\tkey",
]


@pytest.mark.parametrize("key", SPECIAL_KEYS, ids=lambda k: k.encode("unicode_escape").decode())
def test_special_key_round_trips_through_put_get_head_list_delete(s3, bucket, key):
    body = ("body of " + key).encode()
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body
    assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] == len(body)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == [key]
    keys_v1 = [o["Key"] for o in s3.list_objects(Bucket=bucket).get("Contents", [])]
    assert keys_v1 == [key]
    s3.delete_object(Bucket=bucket, Key=key)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_dot_segment_keys_are_distinct_objects(s3, bucket):
    keys = ["a/b", "a/./b", "a/../a/b", "a//b"]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
    for k in keys:
        assert s3.get_object(Bucket=bucket, Key=k)["Body"].read() == k.encode()
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert sorted(listed) == sorted(keys)


def test_key_of_1024_bytes_is_accepted(s3, bucket):
    key = "k" * 1024
    s3.put_object(Bucket=bucket, Key=key, Body=b"long")
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"long"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == [key]


def test_multibyte_key_of_1024_utf8_bytes_is_accepted(s3, bucket):
    key = "é" * 512  # 1024 bytes of UTF-8
    s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] == 1


@pytest.mark.parametrize("key", ["k" * 1025, "é" * 513], ids=["ascii-1025", "utf8-1026-bytes"])
def test_key_longer_than_1024_utf8_bytes_is_key_too_long(s3, bucket, key):
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    assert error_code(e) == "KeyTooLongError"
    assert status_code(e) == 400


# ------------------------------------------------------------------ ranges

RANGE_BODY = pattern(1000, seed=7)


@pytest.mark.parametrize("header,first,last", [
    ("bytes=0-9", 0, 9),
    ("bytes=10-19", 10, 19),
    ("bytes=0-0", 0, 0),
    ("bytes=999-999", 999, 999),
    ("bytes=990-", 990, 999),
    ("bytes=0-", 0, 999),
    ("bytes=-10", 990, 999),
    ("bytes=-1", 999, 999),
    ("bytes=995-5000", 995, 999),
    ("bytes=-5000", 0, 999),
])
def test_range_get_returns_206_with_content_range(s3, bucket, header, first, last):
    s3.put_object(Bucket=bucket, Key="r", Body=RANGE_BODY)
    got = s3.get_object(Bucket=bucket, Key="r", Range=header)
    assert http_status(got) == 206
    assert got["ContentRange"] == f"bytes {first}-{last}/1000"
    assert got["ContentLength"] == last - first + 1
    assert got["Body"].read() == RANGE_BODY[first:last + 1]


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=1000-2000", "bytes=5000-"])
def test_unsatisfiable_range_is_416_invalid_range(s3, bucket, header):
    s3.put_object(Bucket=bucket, Key="r", Body=RANGE_BODY)
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="r", Range=header)
    assert error_code(e) == "InvalidRange"
    assert status_code(e) == 416


@pytest.mark.parametrize("header", ["bytes=20-10", "bytes=abc", "items=0-5", "bytes=0-1,5-6"])
def test_invalid_or_multiple_range_is_ignored_and_whole_object_returned(s3, bucket, header):
    s3.put_object(Bucket=bucket, Key="r", Body=RANGE_BODY)
    got = s3.get_object(Bucket=bucket, Key="r", Range=header)
    assert http_status(got) == 200
    assert "ContentRange" not in got
    assert got["Body"].read() == RANGE_BODY


def test_range_across_internal_block_boundaries_returns_exact_bytes(s3, bucket):
    body = pattern(3 * 1048576 + 100, seed=3)
    s3.put_object(Bucket=bucket, Key="big", Body=body)
    for first, last in [(1048576 - 5, 1048576 + 5), (1, 3 * 1048576 + 50),
                        (2 * 1048576, 2 * 1048576), (3 * 1048576 + 99, 3 * 1048576 + 99)]:
        got = s3.get_object(Bucket=bucket, Key="big", Range=f"bytes={first}-{last}")
        assert got["ContentRange"] == f"bytes {first}-{last}/{len(body)}"
        assert got["Body"].read() == body[first:last + 1]


def test_head_with_range_reports_partial_length(s3, bucket):
    s3.put_object(Bucket=bucket, Key="r", Body=RANGE_BODY)
    head = s3.head_object(Bucket=bucket, Key="r", Range="bytes=100-199")
    assert http_status(head) == 206
    assert head["ContentLength"] == 100
    assert headers_of(head)["content-range"] == "bytes 100-199/1000"


def test_range_responses_advertise_accept_ranges_bytes(s3, bucket):
    s3.put_object(Bucket=bucket, Key="r", Body=RANGE_BODY)
    assert s3.get_object(Bucket=bucket, Key="r")["AcceptRanges"] == "bytes"


# ------------------------------------------------------- conditional reads


@pytest.fixture
def cond_obj(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="c", Body=b"conditional body")
    head = s3.head_object(Bucket=bucket, Key="c")
    return {"bucket": bucket, "etag": put["ETag"], "mtime": head["LastModified"]}


HOUR = datetime.timedelta(hours=1)


def test_get_if_match_with_current_etag_returns_object(s3, cond_obj):
    got = s3.get_object(Bucket=cond_obj["bucket"], Key="c", IfMatch=cond_obj["etag"])
    assert got["Body"].read() == b"conditional body"


def test_get_if_match_accepts_unquoted_and_listed_etags(s3, cond_obj):
    bare = cond_obj["etag"].strip('"')
    assert http_status(s3.get_object(Bucket=cond_obj["bucket"], Key="c", IfMatch=bare)) == 200
    listed = f'"0123", {cond_obj["etag"]}'
    assert http_status(s3.get_object(Bucket=cond_obj["bucket"], Key="c", IfMatch=listed)) == 200
    assert http_status(s3.get_object(Bucket=cond_obj["bucket"], Key="c", IfMatch="*")) == 200


def test_get_if_match_with_other_etag_is_412(s3, cond_obj):
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=cond_obj["bucket"], Key="c", IfMatch='"0123456789abcdef"')
    assert error_code(e) == "PreconditionFailed"
    assert status_code(e) == 412


def test_conditional_get_of_missing_key_is_no_such_key(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="absent", IfMatch='"0123"')
    assert error_code(e) == "NoSuchKey"
    assert status_code(e) == 404


def test_get_if_none_match_with_current_etag_is_304(s3, cond_obj):
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=cond_obj["bucket"], Key="c", IfNoneMatch=cond_obj["etag"])
    assert status_code(e) == 304
    assert e.value.response["ResponseMetadata"]["HTTPHeaders"]["etag"] == cond_obj["etag"]


def test_get_if_none_match_with_other_etag_returns_object(s3, cond_obj):
    got = s3.get_object(Bucket=cond_obj["bucket"], Key="c", IfNoneMatch='"0123"')
    assert got["Body"].read() == b"conditional body"


def test_get_if_modified_since_last_modified_is_304(s3, cond_obj):
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=cond_obj["bucket"], Key="c", IfModifiedSince=cond_obj["mtime"])
    assert status_code(e) == 304


def test_get_if_modified_since_earlier_date_returns_object(s3, cond_obj):
    got = s3.get_object(Bucket=cond_obj["bucket"], Key="c",
                        IfModifiedSince=cond_obj["mtime"] - HOUR)
    assert http_status(got) == 200


def test_get_if_unmodified_since_earlier_date_is_412(s3, cond_obj):
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=cond_obj["bucket"], Key="c",
                      IfUnmodifiedSince=cond_obj["mtime"] - HOUR)
    assert error_code(e) == "PreconditionFailed"
    assert status_code(e) == 412


def test_get_if_unmodified_since_last_modified_returns_object(s3, cond_obj):
    got = s3.get_object(Bucket=cond_obj["bucket"], Key="c", IfUnmodifiedSince=cond_obj["mtime"])
    assert http_status(got) == 200


def test_if_match_true_overrides_failing_if_unmodified_since(s3, cond_obj):
    got = s3.get_object(Bucket=cond_obj["bucket"], Key="c", IfMatch=cond_obj["etag"],
                        IfUnmodifiedSince=cond_obj["mtime"] - HOUR)
    assert http_status(got) == 200


def test_if_none_match_false_with_if_modified_since_true_is_304(s3, cond_obj):
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=cond_obj["bucket"], Key="c", IfNoneMatch=cond_obj["etag"],
                      IfModifiedSince=cond_obj["mtime"] - HOUR)
    assert status_code(e) == 304


def test_head_honours_conditions(s3, cond_obj):
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=cond_obj["bucket"], Key="c", IfNoneMatch=cond_obj["etag"])
    assert status_code(e) == 304
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=cond_obj["bucket"], Key="c", IfMatch='"ffff"')
    assert status_code(e) == 412
    assert http_status(s3.head_object(Bucket=cond_obj["bucket"], Key="c",
                                      IfMatch=cond_obj["etag"])) == 200


# ---------------------------------------------------- response-* overrides


def test_response_header_overrides_replace_stored_headers(s3, bucket):
    s3.put_object(Bucket=bucket, Key="o", Body=b"override me", ContentType="text/plain",
                  CacheControl="no-cache")
    got = s3.get_object(
        Bucket=bucket, Key="o",
        ResponseContentType="application/x-custom",
        ResponseContentLanguage="fr-FR",
        ResponseExpires=datetime.datetime(2030, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc),
        ResponseCacheControl="private, max-age=7",
        ResponseContentDisposition='attachment; filename="x y.bin"',
        ResponseContentEncoding="identity")
    h = headers_of(got)
    assert h["content-type"] == "application/x-custom"
    assert h["content-language"] == "fr-FR"
    assert h["expires"] == "Mon, 06 May 2030 07:08:09 GMT"
    assert h["cache-control"] == "private, max-age=7"
    assert h["content-disposition"] == 'attachment; filename="x y.bin"'
    assert h["content-encoding"] == "identity"
    assert got["Body"].read() == b"override me"
    # The stored object is unchanged.
    head = s3.head_object(Bucket=bucket, Key="o")
    assert head["ContentType"] == "text/plain"
    assert head["CacheControl"] == "no-cache"


# ----------------------------------------------------------- Get/Head misc


def test_get_missing_key_is_no_such_key(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="absent")
    assert error_code(e) == "NoSuchKey"
    assert status_code(e) == 404


def test_head_missing_key_is_404_without_body(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="absent")
    assert status_code(e) == 404
    assert e.value.response["Error"]["Code"] == "404"


def test_get_from_missing_bucket_is_no_such_bucket(s3):
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket="no-such-bucket-for-silo-test", Key="k")
    assert error_code(e) == "NoSuchBucket"


def test_head_returns_metadata_without_body(s3, bucket):
    body = pattern(300000, seed=1)
    s3.put_object(Bucket=bucket, Key="h", Body=body, Metadata={"m": "1"})
    head = s3.head_object(Bucket=bucket, Key="h")
    assert head["ContentLength"] == len(body)
    assert head["ETag"] == f'"{md5_hex(body)}"'
    assert head["Metadata"] == {"m": "1"}
    assert "Body" not in head


# ------------------------------------------------------------ DeleteObject


def test_delete_existing_object_is_204_and_removes_it(s3, bucket):
    s3.put_object(Bucket=bucket, Key="d", Body=b"x")
    resp = s3.delete_object(Bucket=bucket, Key="d")
    assert http_status(resp) == 204
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="d")
    assert error_code(e) == "NoSuchKey"


def test_delete_missing_key_is_204(s3, bucket):
    resp = s3.delete_object(Bucket=bucket, Key="never-existed")
    assert http_status(resp) == 204


def test_delete_in_missing_bucket_is_no_such_bucket(s3):
    with pytest.raises(ClientError) as e:
        s3.delete_object(Bucket="no-such-bucket-for-silo-test", Key="k")
    assert error_code(e) == "NoSuchBucket"
    assert status_code(e) == 404


# ----------------------------------------------------------- DeleteObjects


def test_delete_objects_verbose_reports_every_key_including_missing(s3, bucket):
    for k in ("a", "b", "c/d"):
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    resp = s3.delete_objects(Bucket=bucket, Delete={
        "Objects": [{"Key": "a"}, {"Key": "c/d"}, {"Key": "missing"}]})
    assert sorted(d["Key"] for d in resp["Deleted"]) == ["a", "c/d", "missing"]
    assert "Errors" not in resp
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["b"]


def test_delete_objects_quiet_reports_nothing_on_success(s3, bucket):
    for k in ("a", "b"):
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    resp = s3.delete_objects(Bucket=bucket, Delete={
        "Objects": [{"Key": "a"}, {"Key": "b"}], "Quiet": True})
    assert "Deleted" not in resp
    assert "Errors" not in resp
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_delete_objects_handles_xml_special_characters_in_keys(s3, bucket):
    keys = ["a&b", "<tag>", 'quote"s', "apos'", "日本", "sp ace"]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    resp = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys]})
    assert sorted(d["Key"] for d in resp["Deleted"]) == sorted(keys)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_delete_objects_accepts_1000_keys(s3, bucket):
    existing = [f"k{i:04d}" for i in range(0, 1000, 20)]
    for k in existing:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    keys = [f"k{i:04d}" for i in range(1000)]
    resp = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys]})
    assert len(resp["Deleted"]) == 1000
    assert {d["Key"] for d in resp["Deleted"]} == set(keys)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_delete_objects_with_1001_keys_is_malformed_xml(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k0000", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.delete_objects(Bucket=bucket, Delete={
            "Objects": [{"Key": f"k{i:04d}"} for i in range(1001)]})
    assert error_code(e) == "MalformedXML"
    assert status_code(e) == 400
    # Nothing was deleted.
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 1


def test_delete_objects_in_missing_bucket_is_no_such_bucket(s3):
    with pytest.raises(ClientError) as e:
        s3.delete_objects(Bucket="no-such-bucket-for-silo-test",
                          Delete={"Objects": [{"Key": "a"}]})
    assert error_code(e) == "NoSuchBucket"


# -------------------------------------------------------------- CopyObject


def test_copy_object_copies_bytes_and_metadata_by_default(s3, bucket):
    body = pattern(200000, seed=11)
    s3.put_object(Bucket=bucket, Key="src", Body=body, ContentType="image/png",
                  CacheControl="max-age=1", Metadata={"owner": "alice"})
    resp = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert resp["CopyObjectResult"]["ETag"] == f'"{md5_hex(body)}"'
    assert isinstance(resp["CopyObjectResult"]["LastModified"], datetime.datetime)
    got = s3.get_object(Bucket=bucket, Key="dst")
    assert got["Body"].read() == body
    assert got["ContentType"] == "image/png"
    assert got["CacheControl"] == "max-age=1"
    assert got["Metadata"] == {"owner": "alice"}


def test_copy_with_copy_directive_ignores_new_metadata(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"x", Metadata={"keep": "me"})
    s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"},
                   MetadataDirective="COPY", Metadata={"ignored": "yes"})
    assert s3.head_object(Bucket=bucket, Key="dst")["Metadata"] == {"keep": "me"}


def test_copy_with_replace_directive_uses_request_metadata(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"payload", ContentType="text/plain",
                  Metadata={"old": "1"})
    s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"},
                   MetadataDirective="REPLACE", ContentType="application/json",
                   Metadata={"new": "2"})
    head = s3.head_object(Bucket=bucket, Key="dst")
    assert head["Metadata"] == {"new": "2"}
    assert head["ContentType"] == "application/json"
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == b"payload"
    # The source is untouched.
    assert s3.head_object(Bucket=bucket, Key="src")["Metadata"] == {"old": "1"}


def test_copy_between_buckets_and_with_special_source_key(s3, bucket):
    other = bucket[:-1] + ("x" if bucket[-1] != "x" else "y")
    s3.create_bucket(Bucket=other)
    try:
        src_key = "dir with space/ü+ñ?&=.txt"
        s3.put_object(Bucket=bucket, Key=src_key, Body=b"moved")
        s3.copy_object(Bucket=other, Key="copied", CopySource={"Bucket": bucket, "Key": src_key})
        assert s3.get_object(Bucket=other, Key="copied")["Body"].read() == b"moved"
    finally:
        s3.delete_object(Bucket=other, Key="copied")
        s3.delete_bucket(Bucket=other)


def test_copy_of_large_object_keeps_bytes(s3, bucket):
    body = pattern(2 * 1048576 + 17, seed=5)
    s3.put_object(Bucket=bucket, Key="src", Body=body)
    s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == body


def test_copy_overwrites_existing_destination(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"new")
    s3.put_object(Bucket=bucket, Key="dst", Body=b"old", Metadata={"x": "y"})
    s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    got = s3.get_object(Bucket=bucket, Key="dst")
    assert got["Body"].read() == b"new"
    assert got["Metadata"] == {}


@pytest.mark.parametrize("form", ["plain", "leading-slash", "null-version"])
def test_copy_source_header_forms(s3, bucket, form):
    s3.put_object(Bucket=bucket, Key="dir/src key+1", Body=b"form")
    source = {"plain": f"{bucket}/dir/src key+1",
              "leading-slash": f"/{bucket}/dir/src key+1",
              "null-version": {"Bucket": bucket, "Key": "dir/src key+1", "VersionId": "null"}}[form]
    s3.copy_object(Bucket=bucket, Key="dst", CopySource=source)
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == b"form"


def test_copy_onto_itself_changing_only_storage_class_is_allowed(s3, bucket):
    s3.put_object(Bucket=bucket, Key="self", Body=b"x", Metadata={"a": "1"})
    s3.copy_object(Bucket=bucket, Key="self", CopySource={"Bucket": bucket, "Key": "self"},
                   StorageClass="STANDARD_IA")
    head = s3.head_object(Bucket=bucket, Key="self")
    assert head["StorageClass"] == "STANDARD_IA"
    assert head["Metadata"] == {"a": "1"}


def test_copy_missing_source_is_no_such_key(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "nope"})
    assert error_code(e) == "NoSuchKey"
    assert status_code(e) == 404


def test_copy_from_missing_bucket_is_no_such_bucket(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="dst",
                       CopySource={"Bucket": "no-such-bucket-for-silo-test", "Key": "k"})
    assert error_code(e) == "NoSuchBucket"
    assert status_code(e) == 404


def test_copy_with_unknown_metadata_directive_is_invalid_argument(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"},
                       MetadataDirective="MERGE")
    assert error_code(e) == "InvalidArgument"
    assert status_code(e) == 400


def test_copy_onto_itself_without_replace_is_invalid_request(s3, bucket):
    s3.put_object(Bucket=bucket, Key="self", Body=b"x", Metadata={"a": "1"})
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="self", CopySource={"Bucket": bucket, "Key": "self"})
    assert error_code(e) == "InvalidRequest"
    assert status_code(e) == 400


def test_copy_onto_itself_with_replace_updates_metadata_only(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="self", Body=b"same bytes", Metadata={"a": "1"})
    resp = s3.copy_object(Bucket=bucket, Key="self", CopySource={"Bucket": bucket, "Key": "self"},
                          MetadataDirective="REPLACE", Metadata={"b": "2"},
                          ContentType="text/x-new")
    assert resp["CopyObjectResult"]["ETag"] == put["ETag"]
    got = s3.get_object(Bucket=bucket, Key="self")
    assert got["Body"].read() == b"same bytes"
    assert got["Metadata"] == {"b": "2"}
    assert got["ContentType"] == "text/x-new"


@pytest.fixture
def copy_src(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="src", Body=b"copy source")
    head = s3.head_object(Bucket=bucket, Key="src")
    return {"bucket": bucket, "etag": put["ETag"], "mtime": head["LastModified"],
            "source": {"Bucket": bucket, "Key": "src"}}


def _copy(s3, src, **kw):
    return s3.copy_object(Bucket=src["bucket"], Key="dst", CopySource=src["source"], **kw)


def _assert_copy_refused(s3, src, **kw):
    with pytest.raises(ClientError) as e:
        _copy(s3, src, **kw)
    assert error_code(e) == "PreconditionFailed"
    assert status_code(e) == 412
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=src["bucket"], Key="dst")
    assert status_code(e) == 404


def test_copy_source_if_match(s3, copy_src):
    _assert_copy_refused(s3, copy_src, CopySourceIfMatch='"00000000000000000000000000000000"')
    _copy(s3, copy_src, CopySourceIfMatch=copy_src["etag"])
    assert s3.get_object(Bucket=copy_src["bucket"], Key="dst")["Body"].read() == b"copy source"


def test_copy_source_if_none_match(s3, copy_src):
    _assert_copy_refused(s3, copy_src, CopySourceIfNoneMatch=copy_src["etag"])
    _copy(s3, copy_src, CopySourceIfNoneMatch='"00000000000000000000000000000000"')
    assert s3.head_object(Bucket=copy_src["bucket"], Key="dst")["ETag"] == copy_src["etag"]


def test_copy_source_if_modified_since(s3, copy_src):
    _assert_copy_refused(s3, copy_src, CopySourceIfModifiedSince=copy_src["mtime"])
    _copy(s3, copy_src, CopySourceIfModifiedSince=copy_src["mtime"] - HOUR)
    assert s3.head_object(Bucket=copy_src["bucket"], Key="dst")["ETag"] == copy_src["etag"]


def test_copy_source_if_unmodified_since(s3, copy_src):
    _assert_copy_refused(s3, copy_src, CopySourceIfUnmodifiedSince=copy_src["mtime"] - HOUR)
    _copy(s3, copy_src, CopySourceIfUnmodifiedSince=copy_src["mtime"])
    assert s3.head_object(Bucket=copy_src["bucket"], Key="dst")["ETag"] == copy_src["etag"]


def test_copy_source_if_match_true_and_unmodified_since_false_copies(s3, copy_src):
    _copy(s3, copy_src, CopySourceIfMatch=copy_src["etag"],
          CopySourceIfUnmodifiedSince=copy_src["mtime"] - HOUR)
    assert s3.head_object(Bucket=copy_src["bucket"], Key="dst")["ETag"] == copy_src["etag"]


def test_copy_source_if_none_match_false_and_modified_since_true_is_412(s3, copy_src):
    _assert_copy_refused(s3, copy_src, CopySourceIfNoneMatch=copy_src["etag"],
                         CopySourceIfModifiedSince=copy_src["mtime"] - HOUR)


# ------------------------------------------------------- conditional writes


def test_put_if_none_match_star_creates_missing_key(s3, bucket):
    with extra_headers(s3, "PutObject", {"If-None-Match": "*"}):
        s3.put_object(Bucket=bucket, Key="new", Body=b"created")
    assert s3.get_object(Bucket=bucket, Key="new")["Body"].read() == b"created"


def test_put_if_none_match_star_on_existing_key_is_412_and_keeps_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"original")
    with extra_headers(s3, "PutObject", {"If-None-Match": "*"}):
        with pytest.raises(ClientError) as e:
            s3.put_object(Bucket=bucket, Key="k", Body=b"overwrite")
    assert error_code(e) == "PreconditionFailed"
    assert status_code(e) == 412
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"original"


def test_put_if_match_current_etag_overwrites(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"v1")["ETag"]
    with extra_headers(s3, "PutObject", {"If-Match": etag}):
        s3.put_object(Bucket=bucket, Key="k", Body=b"v2")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v2"


def test_put_if_match_stale_etag_is_412_and_keeps_object(s3, bucket):
    stale = s3.put_object(Bucket=bucket, Key="k", Body=b"v1")["ETag"]
    s3.put_object(Bucket=bucket, Key="k", Body=b"v2")
    with extra_headers(s3, "PutObject", {"If-Match": stale}):
        with pytest.raises(ClientError) as e:
            s3.put_object(Bucket=bucket, Key="k", Body=b"v3")
    assert error_code(e) == "PreconditionFailed"
    assert status_code(e) == 412
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v2"


def test_put_if_match_on_missing_key_fails_and_creates_nothing(s3, bucket):
    with extra_headers(s3, "PutObject", {"If-Match": f'"{md5_hex(b"x")}"'}):
        with pytest.raises(ClientError) as e:
            s3.put_object(Bucket=bucket, Key="missing", Body=b"x")
    assert (error_code(e), status_code(e)) in {("NoSuchKey", 404), ("PreconditionFailed", 412)}
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="missing")
    assert status_code(e) == 404


def test_copy_if_none_match_star_refuses_existing_destination(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"src")
    s3.put_object(Bucket=bucket, Key="dst", Body=b"dst")
    with extra_headers(s3, "CopyObject", {"If-None-Match": "*"}):
        with pytest.raises(ClientError) as e:
            s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
        assert error_code(e) == "PreconditionFailed"
        s3.copy_object(Bucket=bucket, Key="fresh", CopySource={"Bucket": bucket, "Key": "src"})
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == b"dst"
    assert s3.get_object(Bucket=bucket, Key="fresh")["Body"].read() == b"src"


# ------------------------------------------------- version ids (unversioned)

UNKNOWN_VERSION = "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"


def test_get_with_null_version_id_returns_the_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="v", Body=b"current")
    assert s3.get_object(Bucket=bucket, Key="v", VersionId="null")["Body"].read() == b"current"


def test_get_with_unknown_version_id_does_not_serve_current_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="v", Body=b"current")
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="v", VersionId=UNKNOWN_VERSION)
    assert (error_code(e), status_code(e)) in {("NoSuchVersion", 404), ("InvalidArgument", 400)}


def test_delete_with_unknown_version_id_keeps_current_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="v", Body=b"current")
    try:
        s3.delete_object(Bucket=bucket, Key="v", VersionId=UNKNOWN_VERSION)
    except ClientError as exc:
        assert exc.response["Error"]["Code"] in ("NoSuchVersion", "InvalidArgument")
    assert s3.get_object(Bucket=bucket, Key="v")["Body"].read() == b"current"


def test_delete_objects_with_unknown_version_id_keeps_current_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="v", Body=b"current")
    s3.delete_objects(Bucket=bucket, Delete={
        "Objects": [{"Key": "v", "VersionId": UNKNOWN_VERSION}]})
    assert s3.get_object(Bucket=bucket, Key="v")["Body"].read() == b"current"


def test_delete_with_null_version_id_deletes_the_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="v", Body=b"current")
    s3.delete_object(Bucket=bucket, Key="v", VersionId="null")
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="v")
    assert status_code(e) == 404
