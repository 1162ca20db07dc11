"""Browser POST uploads (S3 "POST Object") as AWS documents them: an HTML
form with the key, the object's headers as fields, a policy signed with
SigV4 (boto3's generate_presigned_post) or SigV2, and the file last; every
policy condition checked (exact, starts-with, content-length-range, a field
no condition allows), expiration, success_action_status and
success_action_redirect, ${filename}, and anonymous forms allowed only by a
bucket policy."""

import base64
import datetime
import hashlib
import hmac
import json

import pytest
import requests

from conftest import ACCESS_KEY, SECRET_KEY


def post(url, fields, body=b"hello post", filename="hello.txt"):
    return requests.post(url, data=fields, files={"file": (filename, body)}, timeout=30,
                         allow_redirects=False)


def v2_form(bucket, key, conditions, expires_in=300, extra=None):
    """A form signed with SigV2 (AWSAccessKeyId/policy/signature)."""
    expiration = (datetime.datetime.now(datetime.timezone.utc) +
                  datetime.timedelta(seconds=expires_in)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    policy = base64.b64encode(json.dumps({"expiration": expiration,
                                          "conditions": conditions}).encode()).decode()
    signature = base64.b64encode(hmac.new(SECRET_KEY.encode(), policy.encode(),
                                          hashlib.sha1).digest()).decode()
    fields = {"key": key, "AWSAccessKeyId": ACCESS_KEY, "policy": policy, "signature": signature}
    fields.update(extra or {})
    return fields


def test_a_sigv4_form_from_boto3_uploads_the_file(s3, bucket, server):
    form = s3.generate_presigned_post(
        Bucket=bucket, Key="uploads/${filename}",
        Fields={"Content-Type": "text/plain", "x-amz-meta-origin": "browser"},
        Conditions=[["starts-with", "$key", "uploads/"], {"Content-Type": "text/plain"},
                    {"x-amz-meta-origin": "browser"}, ["content-length-range", 1, 1024]])
    r = post(form["url"], form["fields"], b"from a browser", "photo.txt")
    assert r.status_code == 204, r.text
    got = s3.get_object(Bucket=bucket, Key="uploads/photo.txt")
    assert got["Body"].read() == b"from a browser"
    assert got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"origin": "browser"}
    assert r.headers["ETag"] == got["ETag"]


def test_success_action_status_and_redirect(s3, bucket, server):
    url = f"{server.endpoint}/{bucket}"
    fields = v2_form(bucket, "a", [{"bucket": bucket}, ["eq", "$key", "a"],
                                   {"success_action_status": "201"}],
                     extra={"success_action_status": "201"})
    r = post(url, fields)
    assert r.status_code == 201, r.text
    assert "<Key>a</Key>" in r.text and f"<Bucket>{bucket}</Bucket>" in r.text
    fields = v2_form(bucket, "b", [{"bucket": bucket}, {"key": "b"},
                                   ["starts-with", "$success_action_redirect", "http://example"]],
                     extra={"success_action_redirect": "http://example.com/done"})
    r = post(url, fields)
    assert r.status_code == 303
    assert r.headers["Location"].startswith("http://example.com/done?bucket=" + bucket + "&key=b")
    assert s3.get_object(Bucket=bucket, Key="b")["Body"].read() == b"hello post"


@pytest.mark.parametrize("conditions, extra, status, code", [
    # A field no condition allows.
    ([{"key": "k"}], {"x-amz-meta-sneaky": "1"}, 403, "AccessDenied"),
    # A condition the form does not meet.
    ([{"key": "other"}], {}, 403, "AccessDenied"),
    (["starts-with", "$key", "nope/"], {}, 403, "AccessDenied"),
    # Too large, too small.
    ([{"key": "k"}, ["content-length-range", 0, 3]], {}, 400, "EntityTooLarge"),
    ([{"key": "k"}, ["content-length-range", 100, 200]], {}, 400, "EntityTooSmall"),
    # A malformed condition.
    ([{"key": "k"}, ["matches", "$key", "k"]], {}, 400, "InvalidPolicyDocument"),
])
def test_policy_conditions_are_enforced(s3, bucket, server, conditions, extra, status, code):
    if isinstance(conditions[0], str):  # one array condition, given bare
        conditions = [conditions]
    fields = v2_form(bucket, "k", [{"bucket": bucket}] + conditions, extra=extra)
    r = post(f"{server.endpoint}/{bucket}", fields)
    assert r.status_code == status, r.text
    assert f"<Code>{code}</Code>" in r.text
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_expired_policy_wrong_signature_and_missing_key(s3, bucket, server):
    url = f"{server.endpoint}/{bucket}"
    r = post(url, v2_form(bucket, "k", [{"bucket": bucket}, {"key": "k"}], expires_in=-60))
    assert r.status_code == 403 and "expired" in r.text
    fields = v2_form(bucket, "k", [{"bucket": bucket}, {"key": "k"}])
    fields["signature"] = base64.b64encode(b"x" * 20).decode()
    r = post(url, fields)
    assert r.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in r.text
    fields = v2_form(bucket, "k", [{"bucket": bucket}])
    del fields["key"]
    r = post(url, fields)
    assert r.status_code == 400 and "<Code>InvalidArgument</Code>" in r.text
    r = requests.post(url, data={"key": "k"}, timeout=30)  # not multipart/form-data
    assert r.status_code in (400, 412)


def test_anonymous_form_needs_a_bucket_policy(s3, bucket, server):
    url = f"{server.endpoint}/{bucket}"
    r = post(url, {"key": "drop/anon.txt"})
    assert r.status_code == 403
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{bucket}/drop/*"}]}))
    assert post(url, {"key": "drop/anon.txt"}).status_code == 204
    assert post(url, {"key": "elsewhere.txt"}).status_code == 403
    assert s3.get_object(Bucket=bucket, Key="drop/anon.txt")["Body"].read() == b"hello post"


def test_a_large_file_streams_through(s3, bucket, server):
    body = bytes(range(256)) * (5 * 4096 + 7)  # about 5 MiB, boundary-like bytes included
    form = s3.generate_presigned_post(Bucket=bucket, Key="big.bin")
    r = post(form["url"], form["fields"], body, "big.bin")
    assert r.status_code == 204, r.text
    assert s3.get_object(Bucket=bucket, Key="big.bin")["Body"].read() == body


def test_a_checksum_field_is_verified_against_the_file(s3, bucket, server):
    body = b"x" * 4096
    good = base64.b64encode(hashlib.sha256(body).digest()).decode()
    url = f"{server.endpoint}/{bucket}"
    conditions = [{"bucket": bucket}, ["starts-with", "$key", "sum"]]
    r = post(url, v2_form(bucket, "sum", conditions, extra={"x-amz-checksum-sha256": good}), body)
    assert r.status_code == 204, r.text
    head = s3.head_object(Bucket=bucket, Key="sum", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == good
    wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    r = post(url, v2_form(bucket, "sum2", conditions, extra={"x-amz-checksum-sha256": wrong}), body)
    assert r.status_code == 400 and "<Code>BadDigest</Code>" in r.text
    r = post(url, v2_form(bucket, "sum3", conditions, extra={"x-amz-checksum-sha256": "junk"}), body)
    assert r.status_code == 400 and "<Code>InvalidRequest</Code>" in r.text
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert listed == ["sum"]


def test_a_form_for_one_bucket_cannot_be_posted_to_another(s3, bucket, server):
    s3.create_bucket(Bucket=bucket + "-other")
    try:
        fields = v2_form(bucket, "k", [{"bucket": bucket}, ["eq", "$key", "k"]],
                         extra={"bucket": bucket})
        r = post(f"{server.endpoint}/{bucket}-other", fields)
        assert r.status_code == 403, r.text
        assert "Contents" not in s3.list_objects_v2(Bucket=bucket + "-other")
    finally:
        s3.delete_bucket(Bucket=bucket + "-other")
