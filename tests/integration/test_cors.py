"""Bucket CORS as AWS S3 documents it: PutBucketCors (validated),
GetBucketCors, DeleteBucketCors, the preflight OPTIONS request answered from
the rules without credentials (200 with the allow headers, 403 for a foreign
origin, method or header), and the CORS headers on actual responses."""

import pytest
import requests
from botocore.exceptions import ClientError

from conftest import error_code, status_code

RULES = {"CORSRules": [
    {"ID": "site", "AllowedOrigins": ["https://app.example.com"],
     "AllowedMethods": ["GET", "PUT"], "AllowedHeaders": ["Content-Type", "x-amz-*"],
     "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 600},
    {"AllowedOrigins": ["*"], "AllowedMethods": ["GET", "HEAD"]},
]}


def preflight(server, bucket, key, origin, method, headers=None):
    h = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        h["Access-Control-Request-Headers"] = headers
    return requests.options(f"{server.endpoint}/{bucket}/{key}", headers=h)


def test_rules_are_stored_read_back_and_removed(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_bucket_cors(Bucket=bucket)
    assert error_code(e) == "NoSuchCORSConfiguration" and status_code(e) == 404
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)
    rules = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert rules[0]["AllowedOrigins"] == ["https://app.example.com"]
    assert rules[0]["AllowedMethods"] == ["GET", "PUT"]
    assert rules[0]["MaxAgeSeconds"] == 600 and rules[0]["ExposeHeaders"] == ["ETag"]
    assert rules[1]["AllowedOrigins"] == ["*"]
    s3.delete_bucket_cors(Bucket=bucket)
    with pytest.raises(ClientError) as e:
        s3.get_bucket_cors(Bucket=bucket)
    assert error_code(e) == "NoSuchCORSConfiguration"


def test_invalid_rules_are_refused(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
            {"AllowedOrigins": ["*"], "AllowedMethods": ["PATCH"]}]})
    assert error_code(e) == "InvalidRequest"
    assert "PATCH" in e.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as e:
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
            {"AllowedOrigins": ["https://*.*.example.com"], "AllowedMethods": ["GET"]}]})
    assert error_code(e) == "InvalidRequest"


def test_preflight_is_answered_from_the_rules(server, s3, bucket):
    r = preflight(server, bucket, "a.txt", "https://app.example.com", "PUT")
    assert r.status_code == 403  # no rules yet
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)

    r = preflight(server, bucket, "a.txt", "https://app.example.com", "PUT",
                  "content-type, x-amz-meta-owner")
    assert r.status_code == 200, r.text
    assert r.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert r.headers["Access-Control-Allow-Methods"] == "GET, PUT"
    assert r.headers["Access-Control-Allow-Headers"] == "content-type, x-amz-meta-owner"
    assert r.headers["Access-Control-Max-Age"] == "600"
    assert r.headers["Access-Control-Expose-Headers"] == "ETag"
    assert r.headers["Access-Control-Allow-Credentials"] == "true"

    r = preflight(server, bucket, "a.txt", "https://other.example.org", "GET")
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    for origin, method, headers in [("https://other.example.org", "PUT", None),
                                    ("https://app.example.com", "DELETE", None),
                                    ("https://app.example.com", "PUT", "authorization-x")]:
        r = preflight(server, bucket, "a.txt", origin, method, headers)
        assert r.status_code == 403, (origin, method, headers)
        assert "<Code>AccessForbidden</Code>" in r.text
    # Without an Origin: a bad request.
    r = requests.options(f"{server.endpoint}/{bucket}/a.txt",
                         headers={"Access-Control-Request-Method": "GET"})
    assert r.status_code == 400


def test_actual_responses_carry_the_cors_headers(server, s3, bucket):
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"hello")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "a.txt"})
    r = requests.get(url, headers={"Origin": "https://app.example.com"})
    assert r.status_code == 200 and r.content == b"hello"
    assert r.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert r.headers["Access-Control-Expose-Headers"] == "ETag"
    # An error a page may read too.
    r = requests.get(f"{server.endpoint}/{bucket}/a.txt",
                     headers={"Origin": "https://any.example.net"})
    assert r.status_code == 403
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    r = requests.get(url)
    assert "Access-Control-Allow-Origin" not in r.headers


def test_a_preflight_of_a_presigned_url_ignores_its_signature(server, s3, bucket):
    # The query of a presigned URL signs the GET or PUT that follows, not the
    # OPTIONS a browser sends first: the preflight is judged by the rules alone.
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"hello")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "a.txt"})
    r = requests.options(url)
    assert r.status_code == 400
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
        {"AllowedMethods": ["GET"], "AllowedOrigins": ["example"]}]})
    r = requests.options(url, headers={"Origin": "example", "Access-Control-Request-Method": "GET"})
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "example"
    assert r.headers["Access-Control-Allow-Methods"] == "GET"
