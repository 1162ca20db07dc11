"""Multipart uploads as AWS S3 documents them: Create/UploadPart/Complete
with the md5-of-md5s ETag, ListParts, ListMultipartUploads, Abort,
InvalidPart/InvalidPartOrder/EntityTooSmall, UploadPartCopy, part
replacement, partial completion, GetObject?partNumber and boto3's managed
transfers."""

import hashlib

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from conftest import error_code, status_code

MiB = 1024 * 1024


def pattern(size, seed=0):
    """Deterministic bytes that differ at every offset-sized chunk."""
    block = hashlib.sha256(f"seed-{seed}".encode()).digest() * (65536 // 32)
    reps = size // len(block) + 1
    data = bytearray(block * reps)[:size]
    # Stamp offsets so misplaced chunks are detected.
    for off in range(0, size, 65536):
        stamp = f"<{seed}:{off}>".encode()
        data[off:off + len(stamp)] = stamp[:max(0, min(len(stamp), size - off))]
    return bytes(data)


def multipart_etag(parts):
    digests = b"".join(hashlib.md5(p).digest() for p in parts)
    return f'"{hashlib.md5(digests).hexdigest()}-{len(parts)}"'


def http_status(resp):
    return resp["ResponseMetadata"]["HTTPStatusCode"]


def upload(s3, bucket, key, parts, **create_args):
    """Creates an upload and uploads `parts` (1-based). Returns (upload_id, etags)."""
    uid = s3.create_multipart_upload(Bucket=bucket, Key=key, **create_args)["UploadId"]
    etags = []
    for n, body in enumerate(parts, start=1):
        resp = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=n, Body=body)
        assert resp["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
        etags.append(resp["ETag"])
    return uid, etags


def complete(s3, bucket, key, uid, numbered_etags):
    return s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in numbered_etags]})


# Shared part bodies (generated once per worker).
P1 = pattern(5 * MiB, seed=1)
P2 = pattern(5 * MiB, seed=2)
P3 = pattern(MiB + 12345, seed=3)


# --------------------------------------------------------- happy path


def test_multipart_upload_assembles_parts_with_md5_of_md5s_etag(s3, bucket):
    created = s3.create_multipart_upload(Bucket=bucket, Key="big", ContentType="video/mp4",
                                         Metadata={"origin": "test"})
    assert created["Bucket"] == bucket
    assert created["Key"] == "big"
    uid = created["UploadId"]
    e1 = s3.upload_part(Bucket=bucket, Key="big", UploadId=uid, PartNumber=1, Body=P1)["ETag"]
    e2 = s3.upload_part(Bucket=bucket, Key="big", UploadId=uid, PartNumber=2, Body=P3)["ETag"]
    done = complete(s3, bucket, "big", uid, [(1, e1), (2, e2)])
    assert done["ETag"] == multipart_etag([P1, P3])
    assert done["Bucket"] == bucket
    assert done["Key"] == "big"
    assert done["Location"].endswith(f"/{bucket}/big")

    got = s3.get_object(Bucket=bucket, Key="big")
    assert got["ETag"] == done["ETag"]
    assert got["ContentLength"] == len(P1) + len(P3)
    assert got["ContentType"] == "video/mp4"
    assert got["Metadata"] == {"origin": "test"}
    assert got["Body"].read() == P1 + P3
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [(o["Key"], o["Size"], o["ETag"]) for o in listed] == [
        ("big", len(P1) + len(P3), done["ETag"])]
    # A completed upload is no longer listed.
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)


def test_single_part_upload_of_any_size_completes(s3, bucket):
    uid, etags = upload(s3, bucket, "one", [b"tiny"])
    done = complete(s3, bucket, "one", uid, [(1, etags[0])])
    assert done["ETag"] == multipart_etag([b"tiny"])
    assert s3.get_object(Bucket=bucket, Key="one")["Body"].read() == b"tiny"


def test_complete_accepts_unquoted_etags(s3, bucket):
    uid, etags = upload(s3, bucket, "k", [P1, b"tail"])
    done = complete(s3, bucket, "k", uid, [(1, etags[0].strip('"')), (2, etags[1].strip('"'))])
    assert done["ETag"] == multipart_etag([P1, b"tail"])


def test_ranged_get_across_part_boundary(s3, bucket):
    uid, etags = upload(s3, bucket, "k", [P1, P3])
    complete(s3, bucket, "k", uid, list(enumerate(etags, start=1)))
    first, last = len(P1) - 100, len(P1) + 99
    got = s3.get_object(Bucket=bucket, Key="k", Range=f"bytes={first}-{last}")
    assert got["ContentRange"] == f"bytes {first}-{last}/{len(P1) + len(P3)}"
    assert got["Body"].read() == (P1 + P3)[first:last + 1]


def test_complete_replaces_existing_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"old", Metadata={"old": "1"})
    uid, etags = upload(s3, bucket, "k", [b"new"])
    complete(s3, bucket, "k", uid, [(1, etags[0])])
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == b"new"
    assert got["Metadata"] == {}


# ----------------------------------------------------- part handling


def test_reuploading_a_part_replaces_it(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    old = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=P1)["ETag"]
    new = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=P2)["ETag"]
    assert old != new
    parts = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in parts] == [(1, new, len(P2))]
    with pytest.raises(ClientError) as e:
        complete(s3, bucket, "k", uid, [(1, old)])
    assert error_code(e) == "InvalidPart"
    complete(s3, bucket, "k", uid, [(1, new)])
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == P2


def test_completing_with_a_subset_of_parts(s3, bucket):
    uid, etags = upload(s3, bucket, "k", [P1, P2, P3])
    done = complete(s3, bucket, "k", uid, [(1, etags[0]), (3, etags[2])])
    assert done["ETag"] == multipart_etag([P1, P3])
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["ContentLength"] == len(P1) + len(P3)
    assert got["Body"].read() == P1 + P3


def test_part_numbers_need_not_be_contiguous(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    e7 = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=7, Body=P1)["ETag"]
    e10000 = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=10000,
                            Body=b"last")["ETag"]
    done = complete(s3, bucket, "k", uid, [(7, e7), (10000, e10000)])
    assert done["ETag"] == multipart_etag([P1, b"last"])
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == P1 + b"last"


@pytest.mark.parametrize("number", [0, 10001])
def test_part_number_out_of_range_is_invalid_argument(s3, bucket, number):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=number, Body=b"x")
    assert error_code(e) == "InvalidArgument"
    assert status_code(e) == 400


# ---------------------------------------------------------- errors


def test_complete_with_unknown_part_is_invalid_part(s3, bucket):
    uid, etags = upload(s3, bucket, "k", [P1, b"tail"])
    with pytest.raises(ClientError) as e:
        complete(s3, bucket, "k", uid, [(1, etags[0]), (3, etags[1])])
    assert error_code(e) == "InvalidPart"
    assert status_code(e) == 400


def test_complete_with_wrong_etag_is_invalid_part(s3, bucket):
    uid, etags = upload(s3, bucket, "k", [P1, b"tail"])
    with pytest.raises(ClientError) as e:
        complete(s3, bucket, "k", uid, [(1, etags[0]), (2, '"0123456789abcdef0123456789abcdef"')])
    assert error_code(e) == "InvalidPart"
    assert status_code(e) == 400
    # The upload survives a failed completion.
    assert len(s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)["Parts"]) == 2


def test_complete_with_descending_parts_is_invalid_part_order(s3, bucket):
    uid, etags = upload(s3, bucket, "k", [P1, P2])
    with pytest.raises(ClientError) as e:
        complete(s3, bucket, "k", uid, [(2, etags[1]), (1, etags[0])])
    assert error_code(e) == "InvalidPartOrder"
    assert status_code(e) == 400


def test_complete_with_repeated_part_number_is_invalid_part_order(s3, bucket):
    uid, etags = upload(s3, bucket, "k", [P1, b"tail"])
    with pytest.raises(ClientError) as e:
        complete(s3, bucket, "k", uid, [(1, etags[0]), (1, etags[0]), (2, etags[1])])
    assert error_code(e) == "InvalidPartOrder"
    assert status_code(e) == 400


def test_complete_with_if_none_match_star_refuses_existing_key(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"existing")
    uid, etags = upload(s3, bucket, "k", [b"new"])

    def add(request, **_):
        request.headers["If-None-Match"] = "*"

    s3.meta.events.register_first("before-sign.s3.CompleteMultipartUpload", add)
    try:
        with pytest.raises(ClientError) as e:
            complete(s3, bucket, "k", uid, [(1, etags[0])])
        assert error_code(e) == "PreconditionFailed"
        assert status_code(e) == 412
        uid2, etags2 = upload(s3, bucket, "fresh", [b"new"])
        complete(s3, bucket, "fresh", uid2, [(1, etags2[0])])
    finally:
        s3.meta.events.unregister("before-sign.s3.CompleteMultipartUpload", add)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"existing"
    assert s3.get_object(Bucket=bucket, Key="fresh")["Body"].read() == b"new"


def test_complete_with_small_non_last_part_is_entity_too_small(s3, bucket):
    small = pattern(MiB, seed=9)
    uid, etags = upload(s3, bucket, "k", [small, b"last"])
    with pytest.raises(ClientError) as e:
        complete(s3, bucket, "k", uid, [(1, etags[0]), (2, etags[1])])
    assert error_code(e) == "EntityTooSmall"
    assert status_code(e) == 400
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="k")
    assert status_code(e) == 404


def test_complete_with_empty_part_list_is_malformed_xml(s3, bucket):
    uid, _ = upload(s3, bucket, "k", [b"x"])
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid,
                                     MultipartUpload={"Parts": []})
    assert error_code(e) == "MalformedXML"
    assert status_code(e) == 400


def test_abort_removes_upload_and_later_calls_are_no_such_upload(s3, bucket):
    uid, etags = upload(s3, bucket, "k", [b"part"])
    resp = s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid)
    assert http_status(resp) == 204
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)
    calls = [
        lambda: s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=2, Body=b"x"),
        lambda: s3.list_parts(Bucket=bucket, Key="k", UploadId=uid),
        lambda: complete(s3, bucket, "k", uid, [(1, etags[0])]),
        lambda: s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid),
    ]
    for call in calls:
        with pytest.raises(ClientError) as e:
            call()
        assert error_code(e) == "NoSuchUpload"
        assert status_code(e) == 404
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="k")
    assert status_code(e) == 404


def test_a_repeated_completion_answers_as_the_first(s3, bucket):
    # AWS answers a CompleteMultipartUpload sent again after it succeeded
    # (a client retrying a lost reply) with the same result.
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"p")["ETag"]
    first = complete(s3, bucket, "k", uid, [(1, etag)])
    again = complete(s3, bucket, "k", uid, [(1, etag)])
    assert again["ETag"] == first["ETag"]
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"p"
    s3.put_object(Bucket=bucket, Key="k", Body=b"newer")
    with pytest.raises(ClientError) as e:
        complete(s3, bucket, "k", uid, [(1, etag)])
    assert error_code(e) == "NoSuchUpload"


def test_upload_id_is_bound_to_its_key(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="right")["UploadId"]
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="wrong", UploadId=uid, PartNumber=1, Body=b"x")
    assert error_code(e) == "NoSuchUpload"


def test_unknown_upload_id_is_no_such_upload(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="k", UploadId="not-an-upload", PartNumber=1, Body=b"x")
    assert error_code(e) == "NoSuchUpload"
    assert status_code(e) == 404


def test_create_upload_in_missing_bucket_is_no_such_bucket(s3):
    with pytest.raises(ClientError) as e:
        s3.create_multipart_upload(Bucket="no-such-bucket-for-silo-mpu", Key="k")
    assert error_code(e) == "NoSuchBucket"


# ------------------------------------------------------------ ListParts


def test_list_parts_paginates_with_markers(s3, bucket):
    bodies = [f"part-{n}".encode() * n for n in range(1, 6)]
    uid, etags = upload(s3, bucket, "k", bodies)
    first = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid, MaxParts=2)
    assert first["Bucket"] == bucket and first["Key"] == "k" and first["UploadId"] == uid
    assert first["MaxParts"] == 2
    assert first["IsTruncated"] is True
    assert [p["PartNumber"] for p in first["Parts"]] == [1, 2]
    assert first["NextPartNumberMarker"] == 2
    assert first["StorageClass"] == "STANDARD"
    assert first["Initiator"]["ID"] and first["Owner"]["ID"]
    second = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid, MaxParts=2,
                           PartNumberMarker=first["NextPartNumberMarker"])
    assert second["PartNumberMarker"] == 2
    assert [p["PartNumber"] for p in second["Parts"]] == [3, 4]
    assert second["IsTruncated"] is True
    third = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid, MaxParts=2,
                          PartNumberMarker=second["NextPartNumberMarker"])
    assert [p["PartNumber"] for p in third["Parts"]] == [5]
    assert third["IsTruncated"] is False
    everything = first["Parts"] + second["Parts"] + third["Parts"]
    assert [(p["ETag"], p["Size"]) for p in everything] == [
        (e, len(b)) for e, b in zip(etags, bodies)]
    assert all("LastModified" in p for p in everything)


def test_list_parts_paginator(s3, bucket):
    uid, _ = upload(s3, bucket, "k", [bytes([n]) for n in range(1, 8)])
    pages = list(s3.get_paginator("list_parts").paginate(
        Bucket=bucket, Key="k", UploadId=uid, PaginationConfig={"PageSize": 3}))
    assert [[p["PartNumber"] for p in page["Parts"]] for page in pages] == [
        [1, 2, 3], [4, 5, 6], [7]]


# ------------------------------------------------- ListMultipartUploads


def test_list_uploads_with_prefix_and_delimiter(s3, bucket):
    ids = {}
    for key in ("a/1", "a/2", "b/1", "c"):
        ids[key] = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    every = s3.list_multipart_uploads(Bucket=bucket)
    assert [(u["Key"], u["UploadId"]) for u in every["Uploads"]] == [
        (k, ids[k]) for k in ("a/1", "a/2", "b/1", "c")]
    assert every["IsTruncated"] is False
    assert all(u["StorageClass"] == "STANDARD" and "Initiated" in u for u in every["Uploads"])
    by_prefix = s3.list_multipart_uploads(Bucket=bucket, Prefix="a/")
    assert [u["Key"] for u in by_prefix["Uploads"]] == ["a/1", "a/2"]
    assert by_prefix["Prefix"] == "a/"
    grouped = s3.list_multipart_uploads(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in grouped["CommonPrefixes"]] == ["a/", "b/"]
    assert [u["Key"] for u in grouped["Uploads"]] == ["c"]


def test_list_uploads_paginates_with_key_and_upload_id_markers(s3, bucket):
    expected = []
    for key in ("k1", "k2", "k2", "k3"):
        uid = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        expected.append((key, uid))
    listed = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    order = [(u["Key"], u["UploadId"]) for u in listed]
    assert sorted(order) == sorted(expected)
    assert [k for k, _ in order] == ["k1", "k2", "k2", "k3"]

    seen, key_marker, id_marker = [], "", ""
    for _ in range(10):
        page = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=1, KeyMarker=key_marker,
                                         UploadIdMarker=id_marker)
        assert page["MaxUploads"] == 1
        seen += [(u["Key"], u["UploadId"]) for u in page.get("Uploads", [])]
        if not page["IsTruncated"]:
            break
        key_marker, id_marker = page["NextKeyMarker"], page["NextUploadIdMarker"]
        assert (key_marker, id_marker) == seen[-1]
    assert seen == order


def test_list_uploads_key_marker_alone_skips_that_key(s3, bucket):
    for key in ("k1", "k2", "k2", "k3"):
        s3.create_multipart_upload(Bucket=bucket, Key=key)
    page = s3.list_multipart_uploads(Bucket=bucket, KeyMarker="k2")
    assert [u["Key"] for u in page["Uploads"]] == ["k3"]


def test_uploads_of_same_key_are_listed_in_initiation_order(s3, bucket):
    created = [s3.create_multipart_upload(Bucket=bucket, Key="same")["UploadId"]
               for _ in range(8)]
    listed = [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]]
    assert listed == created


# -------------------------------------------------------- UploadPartCopy


def test_upload_part_copy_whole_and_ranged(s3, bucket):
    src = pattern(6 * MiB + 7, seed=21)
    s3.put_object(Bucket=bucket, Key="src", Body=src)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    whole = s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=uid, PartNumber=1,
                                CopySource={"Bucket": bucket, "Key": "src"})
    assert whole["CopyPartResult"]["ETag"] == f'"{hashlib.md5(src).hexdigest()}"'
    first, last = 1000, 1000 + 2 * MiB - 1
    ranged = s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=uid, PartNumber=2,
                                 CopySource={"Bucket": bucket, "Key": "src"},
                                 CopySourceRange=f"bytes={first}-{last}")
    piece = src[first:last + 1]
    assert ranged["CopyPartResult"]["ETag"] == f'"{hashlib.md5(piece).hexdigest()}"'
    parts = s3.list_parts(Bucket=bucket, Key="dst", UploadId=uid)["Parts"]
    assert [p["Size"] for p in parts] == [len(src), len(piece)]
    done = complete(s3, bucket, "dst", uid, [(1, whole["CopyPartResult"]["ETag"]),
                                             (2, ranged["CopyPartResult"]["ETag"])])
    assert done["ETag"] == multipart_etag([src, piece])
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == src + piece


def test_upload_part_copy_mixed_with_uploaded_parts(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=P2)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    e1 = s3.upload_part(Bucket=bucket, Key="dst", UploadId=uid, PartNumber=1, Body=P1)["ETag"]
    e2 = s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=uid, PartNumber=2,
                             CopySource={"Bucket": bucket, "Key": "src"},
                             CopySourceRange="bytes=0-99")["CopyPartResult"]["ETag"]
    complete(s3, bucket, "dst", uid, [(1, e1), (2, e2)])
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == P1 + P2[:100]


def test_upload_part_copy_from_missing_source_is_no_such_key(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    with pytest.raises(ClientError) as e:
        s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=uid, PartNumber=1,
                            CopySource={"Bucket": bucket, "Key": "absent"})
    assert error_code(e) == "NoSuchKey"
    assert status_code(e) == 404


def test_upload_part_copy_honours_copy_source_if_match(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"source")
    uid = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    with pytest.raises(ClientError) as e:
        s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=uid, PartNumber=1,
                            CopySource={"Bucket": bucket, "Key": "src"},
                            CopySourceIfMatch='"00000000000000000000000000000000"')
    assert error_code(e) == "PreconditionFailed"
    assert status_code(e) == 412


# ------------------------------------------------------ partNumber reads


@pytest.fixture
def three_part_object(s3, bucket):
    uid, etags = upload(s3, bucket, "mp", [P1, P2, P3])
    complete(s3, bucket, "mp", uid, list(enumerate(etags, start=1)))
    return bucket


@pytest.mark.parametrize("n", [1, 2, 3])
def test_get_object_part_number_returns_that_part(s3, three_part_object, n):
    part = [P1, P2, P3][n - 1]
    offset = sum(len(p) for p in [P1, P2, P3][:n - 1])
    total = len(P1) + len(P2) + len(P3)
    got = s3.get_object(Bucket=three_part_object, Key="mp", PartNumber=n)
    assert http_status(got) == 206
    assert got["ContentLength"] == len(part)
    assert got["ContentRange"] == f"bytes {offset}-{offset + len(part) - 1}/{total}"
    assert got["PartsCount"] == 3
    assert got["ETag"] == multipart_etag([P1, P2, P3])
    assert got["Body"].read() == part


def test_head_object_part_number_reports_part_size(s3, three_part_object):
    head = s3.head_object(Bucket=three_part_object, Key="mp", PartNumber=3)
    assert head["ContentLength"] == len(P3)
    assert head["PartsCount"] == 3


def test_part_number_beyond_part_count_is_416_invalid_part_number(s3, three_part_object):
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=three_part_object, Key="mp", PartNumber=4)
    assert error_code(e) == "InvalidPartNumber"
    assert status_code(e) == 416


def test_parts_count_is_only_returned_when_part_number_requested(s3, three_part_object):
    assert "PartsCount" not in s3.head_object(Bucket=three_part_object, Key="mp")
    got = s3.get_object(Bucket=three_part_object, Key="mp", Range="bytes=0-0")
    assert "PartsCount" not in got


def test_part_number_with_range_is_invalid_request(s3, three_part_object):
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=three_part_object, Key="mp", PartNumber=1, Range="bytes=0-9")
    assert error_code(e) == "InvalidRequest"
    assert status_code(e) == 400


def test_part_number_one_of_a_simple_object_is_the_whole_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="simple", Body=b"not multipart")
    got = s3.get_object(Bucket=bucket, Key="simple", PartNumber=1)
    assert got["Body"].read() == b"not multipart"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="simple", PartNumber=2)
    assert status_code(e) == 416


# ------------------------------------------------- boto3 managed transfer


def test_upload_file_and_download_file_with_forced_multipart(s3, bucket, tmp_path):
    data = pattern(12 * MiB + 321, seed=42)
    src = tmp_path / "in.bin"
    src.write_bytes(data)
    config = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB,
                            max_concurrency=3)
    s3.upload_file(str(src), bucket, "managed/file.bin", Config=config)
    head = s3.head_object(Bucket=bucket, Key="managed/file.bin")
    assert head["ContentLength"] == len(data)
    chunks = [data[i:i + 5 * MiB] for i in range(0, len(data), 5 * MiB)]
    assert head["ETag"] == multipart_etag(chunks)
    dst = tmp_path / "out.bin"
    s3.download_file(bucket, "managed/file.bin", str(dst), Config=config)
    assert dst.read_bytes() == data
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)
