"""Object and bucket tagging as AWS S3 documents it: PutObjectTagging,
GetObjectTagging, DeleteObjectTagging, x-amz-tagging on PUT, copy and
multipart uploads, the x-amz-tagging-count header, bucket tagging and the
limits (InvalidTag)."""

import pytest
from botocore.exceptions import ClientError

from conftest import error_code, status_code


def tagset(d):
    return [{"Key": k, "Value": v} for k, v in d.items()]


def tags_of(s3, bucket, key):
    return {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]}


def test_object_tags_are_set_read_and_removed_without_touching_the_object(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="photo.jpg", Body=b"pixels")
    before = s3.head_object(Bucket=bucket, Key="photo.jpg")
    assert s3.get_object_tagging(Bucket=bucket, Key="photo.jpg")["TagSet"] == []
    assert "x-amz-tagging-count" not in before["ResponseMetadata"]["HTTPHeaders"]

    tags = {"project": "blue sky", "owner": "ana+b@x.org", "empty": "", "日本": "語"}
    s3.put_object_tagging(Bucket=bucket, Key="photo.jpg", Tagging={"TagSet": tagset(tags)})
    assert tags_of(s3, bucket, "photo.jpg") == tags
    after = s3.head_object(Bucket=bucket, Key="photo.jpg")
    assert after["ETag"] == put["ETag"]
    assert after["LastModified"] == before["LastModified"]
    assert after["ResponseMetadata"]["HTTPHeaders"]["x-amz-tagging-count"] == "4"
    got = s3.get_object(Bucket=bucket, Key="photo.jpg")
    assert got["Body"].read() == b"pixels"
    assert got["TagCount"] == 4

    # A second put replaces the whole set.
    s3.put_object_tagging(Bucket=bucket, Key="photo.jpg", Tagging={"TagSet": tagset({"a": "1"})})
    assert tags_of(s3, bucket, "photo.jpg") == {"a": "1"}

    resp = s3.delete_object_tagging(Bucket=bucket, Key="photo.jpg")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert tags_of(s3, bucket, "photo.jpg") == {}
    assert "x-amz-tagging-count" not in s3.head_object(
        Bucket=bucket, Key="photo.jpg")["ResponseMetadata"]["HTTPHeaders"]


def test_tagging_a_missing_object_is_no_such_key(s3, bucket):
    for call in (lambda: s3.get_object_tagging(Bucket=bucket, Key="nope"),
                 lambda: s3.put_object_tagging(Bucket=bucket, Key="nope",
                                               Tagging={"TagSet": tagset({"a": "b"})}),
                 lambda: s3.delete_object_tagging(Bucket=bucket, Key="nope")):
        with pytest.raises(ClientError) as e:
            call()
        assert error_code(e) == "NoSuchKey"


def test_tags_given_at_upload_copy_and_multipart(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"data", Tagging="color=red&size=L%20XL")
    assert tags_of(s3, bucket, "src") == {"color": "red", "size": "L XL"}

    # A copy keeps the source's tags unless told to replace them.
    s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "src"})
    assert tags_of(s3, bucket, "copy") == {"color": "red", "size": "L XL"}
    s3.copy_object(Bucket=bucket, Key="copy2", CopySource={"Bucket": bucket, "Key": "src"},
                   TaggingDirective="REPLACE", Tagging="new=1")
    assert tags_of(s3, bucket, "copy2") == {"new": "1"}
    s3.copy_object(Bucket=bucket, Key="copy3", CopySource={"Bucket": bucket, "Key": "src"},
                   MetadataDirective="REPLACE", Metadata={"m": "v"})
    assert tags_of(s3, bucket, "copy3") == {"color": "red", "size": "L XL"}

    up = s3.create_multipart_upload(Bucket=bucket, Key="mp", Tagging="stage=final")
    part = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up["UploadId"], PartNumber=1,
                          Body=b"x" * 100)
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=up["UploadId"],
                                 MultipartUpload={"Parts": [{"PartNumber": 1,
                                                             "ETag": part["ETag"]}]})
    assert tags_of(s3, bucket, "mp") == {"stage": "final"}


@pytest.mark.parametrize("tags,why", [
    ({f"k{i}": "v" for i in range(11)}, "more than 10 tags"),
    ({"k" * 129: "v"}, "key too long"),
    ({"k": "v" * 257}, "value too long"),
    ({"aws:secret": "v"}, "reserved prefix"),
    ({"semi;colon": "v"}, "character not allowed"),
])
def test_invalid_tag_sets_are_refused(s3, bucket, tags, why):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": tagset(tags)})
    assert error_code(e) == "InvalidTag", why
    assert status_code(e) == 400
    assert tags_of(s3, bucket, "k") == {}


def test_duplicate_keys_and_bad_headers_are_refused(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": [
            {"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]})
    assert error_code(e) == "InvalidTag"
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k2", Body=b"x", Tagging="&".join(f"k{i}=v" for i in range(11)))
    assert error_code(e) == "InvalidTag"
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="k2")


def test_bucket_tags(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_bucket_tagging(Bucket=bucket)
    assert error_code(e) == "NoSuchTagSet"
    tags = {f"team{i}": f"value {i}" for i in range(50)}
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tagset(tags)})
    got = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    assert {t["Key"]: t["Value"] for t in got} == tags
    with pytest.raises(ClientError) as e:
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tagset(
            {f"k{i}": "v" for i in range(51)})})
    assert error_code(e) == "InvalidTag"
    s3.delete_bucket_tagging(Bucket=bucket)
    with pytest.raises(ClientError) as e:
        s3.get_bucket_tagging(Bucket=bucket)
    assert error_code(e) == "NoSuchTagSet"
    with pytest.raises(ClientError) as e:
        s3.get_bucket_tagging(Bucket=bucket + "-missing")
    assert error_code(e) == "NoSuchBucket"


def test_tags_survive_a_restart(make_server):
    srv = make_server()
    s3 = srv.client()
    s3.create_bucket(Bucket="tagged")
    s3.put_object(Bucket="tagged", Key="k", Body=b"x", Tagging="a=1")
    s3.put_bucket_tagging(Bucket="tagged", Tagging={"TagSet": tagset({"b": "2"})})
    srv.stop()
    srv.start()
    s3 = srv.client()
    assert tags_of(s3, "tagged", "k") == {"a": "1"}
    assert s3.get_bucket_tagging(Bucket="tagged")["TagSet"] == [{"Key": "b", "Value": "2"}]
