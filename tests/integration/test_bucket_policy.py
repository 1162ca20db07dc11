"""Bucket policies as AWS S3 documents them: PutBucketPolicy (validated,
MalformedPolicy), GetBucketPolicy, DeleteBucketPolicy, GetBucketPolicyStatus,
and anonymous requests evaluated against the policy (principal "*",
actions, resources, conditions such as s3:prefix and aws:SourceIp, Deny over
Allow)."""

import json

import pytest
import requests
from botocore.exceptions import ClientError

from conftest import anonymous_client, error_code, status_code


def public_prefix_policy(bucket):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ReadPublic", "Effect": "Allow", "Principal": {"AWS": ["*"]},
             "Action": ["s3:GetObject"], "Resource": [f"arn:aws:s3:::{bucket}/public/*"]},
            {"Sid": "ListPublic", "Effect": "Allow", "Principal": "*",
             "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}",
             "Condition": {"StringLike": {"s3:prefix": ["public/*"]}}},
        ],
    }


def test_without_a_policy_anonymous_requests_are_denied(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="public/a.txt", Body=b"a")
    anon = anonymous_client(server)
    for call in (lambda: anon.get_object(Bucket=bucket, Key="public/a.txt"),
                 lambda: anon.list_objects_v2(Bucket=bucket),
                 lambda: anon.put_object(Bucket=bucket, Key="x", Body=b"x")):
        with pytest.raises(ClientError) as e:
            call()
        assert error_code(e) == "AccessDenied"
        assert status_code(e) == 403


def test_a_policy_opens_one_prefix_to_anonymous_reads(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="public/a.txt", Body=b"hello")
    s3.put_object(Bucket=bucket, Key="private/b.txt", Body=b"secret")
    policy = json.dumps(public_prefix_policy(bucket))
    s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(policy)
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is True

    anon = anonymous_client(server)
    assert anon.get_object(Bucket=bucket, Key="public/a.txt")["Body"].read() == b"hello"
    # Plain HTTP, as a browser would fetch it.
    assert requests.get(f"{server.endpoint}/{bucket}/public/a.txt").content == b"hello"
    listed = anon.list_objects_v2(Bucket=bucket, Prefix="public/")
    assert [o["Key"] for o in listed["Contents"]] == ["public/a.txt"]
    for call in (lambda: anon.get_object(Bucket=bucket, Key="private/b.txt"),
                 lambda: anon.list_objects_v2(Bucket=bucket),
                 lambda: anon.list_objects_v2(Bucket=bucket, Prefix="private/"),
                 lambda: anon.put_object(Bucket=bucket, Key="public/new", Body=b"x"),
                 lambda: anon.delete_object(Bucket=bucket, Key="public/a.txt"),
                 lambda: anon.get_bucket_policy(Bucket=bucket)):
        with pytest.raises(ClientError) as e:
            call()
        assert error_code(e) == "AccessDenied"
    # The owner is not limited by the policy.
    assert s3.get_object(Bucket=bucket, Key="private/b.txt")["Body"].read() == b"secret"

    s3.delete_bucket_policy(Bucket=bucket)
    with pytest.raises(ClientError) as e:
        s3.get_bucket_policy(Bucket=bucket)
    assert error_code(e) == "NoSuchBucketPolicy"
    with pytest.raises(ClientError) as e:
        anon.get_object(Bucket=bucket, Key="public/a.txt")
    assert error_code(e) == "AccessDenied"


def test_deny_wins_and_conditions_see_the_source_address(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:*",
         "Resource": [f"arn:aws:s3:::{bucket}/*"]},
        {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/*",
         "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}}]}))
    anon = anonymous_client(server)
    with pytest.raises(ClientError) as e:
        anon.get_object(Bucket=bucket, Key="k")
    assert error_code(e) == "AccessDenied"
    # Writes are allowed, and DeleteObjects checks every key.
    anon.put_object(Bucket=bucket, Key="dropbox/file", Body=b"x")
    assert s3.get_object(Bucket=bucket, Key="dropbox/file")["Body"].read() == b"x"
    result = anon.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "dropbox/file"}]})
    assert [d["Key"] for d in result.get("Deleted", [])] == ["dropbox/file"]


def test_anonymous_uploads_under_one_prefix(server, s3, bucket):
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": ["s3:PutObject"],
         "Resource": f"arn:aws:s3:::{bucket}/uploads/*"}]}))
    anon = anonymous_client(server)
    anon.put_object(Bucket=bucket, Key="uploads/a", Body=b"1")
    result = anon.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "uploads/a"}]})
    assert [e["Code"] for e in result["Errors"]] == ["AccessDenied"]
    with pytest.raises(ClientError) as e:
        anon.put_object(Bucket=bucket, Key="other/a", Body=b"1")
    assert error_code(e) == "AccessDenied"
    with pytest.raises(ClientError) as e:
        anon.copy_object(Bucket=bucket, Key="uploads/b",
                         CopySource={"Bucket": bucket, "Key": "uploads/a"})
    assert error_code(e) == "AccessDenied"  # reading the source is not allowed
    assert s3.get_object(Bucket=bucket, Key="uploads/a")["Body"].read() == b"1"


@pytest.mark.parametrize("policy", [
    "not json",
    json.dumps({"Statement": []}),
    json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                               "Resource": "arn:aws:s3:::some-other-bucket/*"}]}),
    json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "iam:CreateUser",
                               "Resource": "arn:aws:s3:::BUCKET/*"}]}),
    json.dumps({"Statement": [{"Effect": "Perhaps", "Principal": "*", "Action": "s3:GetObject",
                               "Resource": "arn:aws:s3:::BUCKET/*"}]}),
])
def test_malformed_policies_are_refused(s3, bucket, policy):
    with pytest.raises(ClientError) as e:
        s3.put_bucket_policy(Bucket=bucket, Policy=policy.replace("BUCKET", bucket))
    assert error_code(e) == "MalformedPolicy"
    assert status_code(e) == 400
    with pytest.raises(ClientError) as e:
        s3.get_bucket_policy(Bucket=bucket)
    assert error_code(e) == "NoSuchBucketPolicy"


def test_policy_of_a_missing_bucket(server, s3):
    with pytest.raises(ClientError) as e:
        s3.get_bucket_policy(Bucket="no-such-bucket-for-policy")
    assert error_code(e) == "NoSuchBucket"
    with pytest.raises(ClientError) as e:
        anonymous_client(server).get_object(Bucket="no-such-bucket-for-policy", Key="k")
    assert error_code(e) == "NoSuchBucket"
