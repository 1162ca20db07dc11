"""GetObjectAttributes as AWS documents it: only the attributes asked for,
ETag without quotes, checksums, the parts of a multipart object paged by
MaxParts and PartNumberMarker, storage class and size, by versionId too,
and InvalidArgument for a missing or unknown attribute."""

import pytest
from botocore.exceptions import ClientError

from conftest import error_code

ALL = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]


def test_a_simple_object(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"hello", ChecksumAlgorithm="CRC32")
    got = s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=ALL)
    assert got["ETag"] == put["ETag"].strip('"')
    assert got["Checksum"]["ChecksumCRC32"] == put["ChecksumCRC32"]
    assert got["StorageClass"] == "STANDARD"
    assert got["ObjectSize"] == 5
    assert "ObjectParts" not in got
    only = s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["ObjectSize"])
    assert only["ObjectSize"] == 5 and "ETag" not in only and "Checksum" not in only


def test_the_parts_of_a_multipart_object_page(s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="m", ChecksumAlgorithm="SHA256")
    parts = []
    for n in (1, 2, 3):
        body = bytes([n]) * (5 * 1024 * 1024 if n < 3 else 10)
        r = s3.upload_part(Bucket=bucket, Key="m", UploadId=up["UploadId"], PartNumber=n,
                           Body=body, ChecksumAlgorithm="SHA256")
        parts.append({"PartNumber": n, "ETag": r["ETag"], "ChecksumSHA256": r["ChecksumSHA256"]})
    s3.complete_multipart_upload(Bucket=bucket, Key="m", UploadId=up["UploadId"],
                                 MultipartUpload={"Parts": parts})
    got = s3.get_object_attributes(Bucket=bucket, Key="m", ObjectAttributes=["ObjectParts"],
                                   MaxParts=2)
    op = got["ObjectParts"]
    assert op["TotalPartsCount"] == 3 and op["IsTruncated"] and op["MaxParts"] == 2
    assert [p["PartNumber"] for p in op["Parts"]] == [1, 2]
    assert op["Parts"][0]["ChecksumSHA256"] == parts[0]["ChecksumSHA256"]
    rest = s3.get_object_attributes(Bucket=bucket, Key="m", ObjectAttributes=["ObjectParts"],
                                    PartNumberMarker=op["NextPartNumberMarker"])["ObjectParts"]
    assert [p["PartNumber"] for p in rest["Parts"]] == [3] and not rest["IsTruncated"]
    assert rest["Parts"][0]["Size"] == 10


def test_by_version_and_errors(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    old = s3.put_object(Bucket=bucket, Key="v", Body=b"old")["VersionId"]
    s3.put_object(Bucket=bucket, Key="v", Body=b"newer")
    got = s3.get_object_attributes(Bucket=bucket, Key="v", VersionId=old,
                                   ObjectAttributes=["ObjectSize"])
    assert got["ObjectSize"] == 3 and got["VersionId"] == old
    with pytest.raises(ClientError) as e:
        s3.get_object_attributes(Bucket=bucket, Key="v", ObjectAttributes=["Colour"])
    assert error_code(e) == "InvalidArgument"
    with pytest.raises(ClientError) as e:
        s3.get_object_attributes(Bucket=bucket, Key="missing", ObjectAttributes=["ETag"])
    assert error_code(e) == "NoSuchKey"
    for v in s3.list_object_versions(Bucket=bucket).get("Versions", []):
        s3.delete_object(Bucket=bucket, Key="v", VersionId=v["VersionId"])
