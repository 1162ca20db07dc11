"""Bucket settings Silo keeps as documents and gives back as set: default
encryption, the public access block (and its effect on bucket policies and
anonymous requests) and object ownership; each refused when off its schema
and answered with AWS's own "not found" error when never set."""

import json

import pytest
import requests
from botocore.exceptions import ClientError

from conftest import error_code, status_code


def test_default_encryption_round_trips(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_bucket_encryption(Bucket=bucket)
    assert error_code(e) == "ServerSideEncryptionConfigurationNotFoundError"
    assert status_code(e) == 404
    config = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=config)
    got = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    assert got["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    with pytest.raises(ClientError) as e:
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "ROT13"}}]})
    assert error_code(e) == "MalformedXML"
    s3.delete_bucket_encryption(Bucket=bucket)
    with pytest.raises(ClientError) as e:
        s3.get_bucket_encryption(Bucket=bucket)
    assert error_code(e) == "ServerSideEncryptionConfigurationNotFoundError"


def test_ownership_controls_round_trip(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_bucket_ownership_controls(Bucket=bucket)
    assert error_code(e) == "OwnershipControlsNotFoundError"
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    got = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]
    assert got["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    s3.delete_bucket_ownership_controls(Bucket=bucket)
    with pytest.raises(ClientError) as e:
        s3.get_bucket_ownership_controls(Bucket=bucket)
    assert error_code(e) == "OwnershipControlsNotFoundError"


def test_public_access_block_governs_policies_and_anonymous_reads(server, s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_public_access_block(Bucket=bucket)
    assert error_code(e) == "NoSuchPublicAccessBlockConfiguration"
    public = json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*",
                                        "Action": "s3:GetObject",
                                        "Resource": f"arn:aws:s3:::{bucket}/*"}]})
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    s3.put_bucket_policy(Bucket=bucket, Policy=public)
    assert requests.get(f"{server.endpoint}/{bucket}/k").status_code == 200

    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True,
        "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    got = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert got == {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                   "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    assert requests.get(f"{server.endpoint}/{bucket}/k").status_code == 403
    with pytest.raises(ClientError) as e:
        s3.put_bucket_policy(Bucket=bucket, Policy=public)
    assert error_code(e) == "AccessDenied"

    s3.delete_public_access_block(Bucket=bucket)
    assert requests.get(f"{server.endpoint}/{bucket}/k").status_code == 200


def test_accelerate_and_request_payment_take_what_the_deployment_has(s3, bucket):
    s3.put_bucket_accelerate_configuration(Bucket=bucket,
                                           AccelerateConfiguration={"Status": "Suspended"})
    with pytest.raises(ClientError) as e:
        s3.put_bucket_accelerate_configuration(Bucket=bucket,
                                               AccelerateConfiguration={"Status": "Enabled"})
    assert error_code(e) == "InvalidRequest" and status_code(e) == 400
    s3.put_bucket_request_payment(Bucket=bucket,
                                  RequestPaymentConfiguration={"Payer": "BucketOwner"})
    with pytest.raises(ClientError) as e:
        s3.put_bucket_request_payment(Bucket=bucket,
                                      RequestPaymentConfiguration={"Payer": "Requester"})
    assert error_code(e) == "InvalidRequest"
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "BucketOwner"
