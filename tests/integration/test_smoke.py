"""The first thing a user does: make a bucket, put, list, get, delete."""

import pytest

from conftest import error_code


def test_put_get_list_delete_round_trip(s3, bucket):
    s3.put_object(Bucket=bucket, Key="hello.txt", Body=b"hello world")
    assert s3.get_object(Bucket=bucket, Key="hello.txt")["Body"].read() == b"hello world"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["hello.txt"]
    s3.delete_object(Bucket=bucket, Key="hello.txt")
    with pytest.raises(s3.exceptions.ClientError) as e:
        s3.get_object(Bucket=bucket, Key="hello.txt")
    assert error_code(e) == "NoSuchKey"
