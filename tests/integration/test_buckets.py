"""Bucket operations as AWS S3 documents them: CreateBucket naming rules,
BucketAlreadyOwnedByYou, HeadBucket, DeleteBucket, ListBuckets,
GetBucketLocation and the answers for never-configured subresources."""

import datetime
import random
import string
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, REGION, SECRET_KEY, error_code, status_code


def unique(prefix="bkt-", length=None):
    """A bucket name nobody else uses; `length` pads or trims it exactly."""
    name = prefix + uuid.uuid4().hex
    if length is not None:
        while len(name) < length:
            name += uuid.uuid4().hex
        name = name[:length]
    return name


@pytest.fixture
def cleanup(s3):
    """Buckets a test creates, removed afterwards."""
    made = []
    yield made
    for name in made:
        try:
            s3.delete_bucket(Bucket=name)
        except ClientError:
            pass


def http_status(resp):
    return resp["ResponseMetadata"]["HTTPStatusCode"]


# ------------------------------------------------------------ CreateBucket


def test_create_bucket_then_head_bucket(s3, cleanup):
    name = unique()
    resp = s3.create_bucket(Bucket=name)
    cleanup.append(name)
    assert http_status(resp) == 200
    assert resp["Location"] == f"/{name}"
    head = s3.head_bucket(Bucket=name)
    assert http_status(head) == 200
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == REGION


VALID_NAME_MAKERS = {
    "shortest-3": lambda: unique("", 3),
    "longest-63": lambda: unique("", 63),
    "starts-with-digit": lambda: unique("9a-"),
    "dots-and-hyphens": lambda: unique("a.b-c.d-"),
    "only-digits": lambda: "".join(random.choice(string.digits) for _ in range(20)),
    "consecutive-hyphens": lambda: unique("a--b--"),
}


@pytest.mark.parametrize("kind", list(VALID_NAME_MAKERS))
def test_valid_bucket_names_are_accepted(s3, cleanup, kind):
    name = VALID_NAME_MAKERS[kind]()
    s3.create_bucket(Bucket=name)
    cleanup.append(name)
    assert http_status(s3.head_bucket(Bucket=name)) == 200
    assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]


INVALID_NAMES = {
    "too-short": "ab",
    "too-long": "a" * 64,
    "uppercase": "Silo-Upper-Case",
    "underscore": "silo_underscore",
    "starts-with-hyphen": "-silo-bucket",
    "ends-with-hyphen": "silo-bucket-",
    "starts-with-dot": ".silo-bucket",
    "ends-with-dot": "silo-bucket.",
    "adjacent-dots": "silo..bucket",
    "ip-address": "192.168.5.4",
    "prefix-xn--": "xn--silo-bucket",
    "prefix-sthree-": "sthree-silo-bucket",
    "prefix-amzn-s3-demo-": "amzn-s3-demo-silo",
    "suffix-s3alias": "silo-bucket-s3alias",
    "suffix--ol-s3": "silo-bucket--ol-s3",
    "suffix-.mrap": "silo-bucket.mrap",
    "suffix--x-s3": "silo-bucket--x-s3",
}


def _name_params():
    return [pytest.param(name, id=case) for case, name in INVALID_NAMES.items()]


@pytest.mark.parametrize("name", _name_params())
def test_invalid_bucket_names_are_rejected(s3, cleanup, name):
    try:
        s3.create_bucket(Bucket=name)
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "InvalidBucketName"
        assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    else:
        cleanup.append(name)
        pytest.fail(f"bucket {name!r} was created")
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_creating_own_existing_bucket_is_bucket_already_owned_by_you(s3, bucket):
    s3.put_object(Bucket=bucket, Key="survivor", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.create_bucket(Bucket=bucket)
    assert error_code(e) == "BucketAlreadyOwnedByYou"
    assert status_code(e) == 409
    # The existing bucket and its content are untouched.
    assert s3.get_object(Bucket=bucket, Key="survivor")["Body"].read() == b"x"


def region_client(srv, region):
    """A boto3 client that signs for `region`."""
    return boto3.client("s3", endpoint_url=srv.endpoint, region_name=region,
                        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                        config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                                      retries={"max_attempts": 1}))


def test_create_bucket_with_malformed_configuration_is_malformed_xml(s3, cleanup):
    name = unique()

    def corrupt(request, **_):
        request.data = b"<CreateBucketConfiguration><LocationConstraint>"
        if "Content-Length" in request.headers:
            del request.headers["Content-Length"]

    s3.meta.events.register_first("before-sign.s3.CreateBucket", corrupt)
    try:
        with pytest.raises(ClientError) as e:
            s3.create_bucket(Bucket=name)
    finally:
        s3.meta.events.unregister("before-sign.s3.CreateBucket", corrupt)
    assert error_code(e) == "MalformedXML"
    assert status_code(e) == 400
    with pytest.raises(ClientError):
        s3.head_bucket(Bucket=name)
    cleanup.append(name)


def test_bucket_in_configured_region_reports_that_region(make_server):
    srv = make_server(extra_args=["--region", "eu-west-1"])
    eu = region_client(srv, "eu-west-1")
    name = unique()
    eu.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert eu.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"
    head = eu.head_bucket(Bucket=name)
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "eu-west-1"


def test_any_region_server_stores_each_buckets_location_constraint(server):
    for region, expected in (("eu-west-1", "eu-west-1"), ("ap-south-1", "ap-south-1")):
        client = region_client(server, region)
        name = unique()
        client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
        try:
            assert client.get_bucket_location(Bucket=name)["LocationConstraint"] == expected
            head = client.head_bucket(Bucket=name)
            assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == expected
        finally:
            client.delete_bucket(Bucket=name)


def test_bucket_without_location_constraint_is_in_us_east_1(s3, bucket):
    head = s3.head_bucket(Bucket=bucket)
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "us-east-1"


def test_invalid_location_constraint_is_refused(s3, cleanup):
    name = unique()
    cleanup.append(name)
    with pytest.raises(ClientError) as e:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "Not A Region!"})
    assert error_code(e) == "InvalidLocationConstraint"
    assert status_code(e) == 400


def test_configured_region_refuses_a_bucket_in_another_region(make_server):
    srv = make_server(extra_args=["--region", "eu-west-1"])
    eu = region_client(srv, "eu-west-1")
    name = unique()
    with pytest.raises(ClientError) as e:
        eu.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    assert error_code(e) == "IllegalLocationConstraintException"
    assert status_code(e) == 400
    # Without a constraint the bucket is in the server's region.
    eu.create_bucket(Bucket=name)
    assert eu.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"


def test_bucket_locations_survive_a_restart(make_server, tmp_path):
    srv = make_server()
    client = region_client(srv, "eu-central-1")
    client.create_bucket(Bucket="located",
                         CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    srv.stop()
    srv.start()
    client = srv.client()
    assert client.get_bucket_location(Bucket="located")["LocationConstraint"] == "eu-central-1"


# -------------------------------------------------------------- HeadBucket


def test_head_missing_bucket_is_404(s3):
    with pytest.raises(ClientError) as e:
        s3.head_bucket(Bucket=unique("missing-"))
    assert status_code(e) == 404
    assert error_code(e) in ("404", "NoSuchBucket")


# ------------------------------------------------------------ DeleteBucket


def test_delete_empty_bucket_is_204_and_it_is_gone(s3):
    name = unique()
    s3.create_bucket(Bucket=name)
    resp = s3.delete_bucket(Bucket=name)
    assert http_status(resp) == 204
    with pytest.raises(ClientError) as e:
        s3.head_bucket(Bucket=name)
    assert status_code(e) == 404
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_delete_non_empty_bucket_is_bucket_not_empty(s3, bucket):
    s3.put_object(Bucket=bucket, Key="keep", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=bucket)
    assert error_code(e) == "BucketNotEmpty"
    assert status_code(e) == 409
    assert s3.get_object(Bucket=bucket, Key="keep")["Body"].read() == b"x"


def test_uploads_in_progress_go_with_their_bucket(s3):
    # As on AWS: an unfinished multipart upload is not an object, and does
    # not keep its bucket from being deleted.
    name = unique()
    s3.create_bucket(Bucket=name)
    up = s3.create_multipart_upload(Bucket=name, Key="half")
    s3.upload_part(Bucket=name, Key="half", UploadId=up["UploadId"], PartNumber=1, Body=b"p" * 100)
    s3.create_multipart_upload(Bucket=name, Key="other")
    assert http_status(s3.delete_bucket(Bucket=name)) == 204
    s3.create_bucket(Bucket=name)
    assert s3.list_multipart_uploads(Bucket=name).get("Uploads", []) == []
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=name, Key="half", UploadId=up["UploadId"], PartNumber=2, Body=b"q")
    assert error_code(e) == "NoSuchUpload"
    s3.delete_bucket(Bucket=name)


def test_bucket_can_be_deleted_after_its_last_object(s3):
    name = unique()
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="a/b/c", Body=b"x")
    s3.delete_object(Bucket=name, Key="a/b/c")
    assert http_status(s3.delete_bucket(Bucket=name)) == 204


def test_delete_missing_bucket_is_no_such_bucket(s3):
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=unique("missing-"))
    assert error_code(e) == "NoSuchBucket"
    assert status_code(e) == 404


def test_recreated_bucket_is_empty(s3):
    name = unique()
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="old", Body=b"x")
    s3.delete_object(Bucket=name, Key="old")
    s3.delete_bucket(Bucket=name)
    s3.create_bucket(Bucket=name)
    try:
        assert s3.list_objects_v2(Bucket=name)["KeyCount"] == 0
        with pytest.raises(ClientError) as e:
            s3.get_object(Bucket=name, Key="old")
        assert error_code(e) == "NoSuchKey"
    finally:
        s3.delete_bucket(Bucket=name)


# ------------------------------------------------------------- ListBuckets


def test_list_buckets_shows_new_buckets_with_creation_date_and_owner(s3, cleanup):
    names = sorted(unique("lb-") for _ in range(3))
    before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)
    for n in reversed(names):
        s3.create_bucket(Bucket=n)
        cleanup.append(n)
    after = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=5)
    resp = s3.list_buckets()
    listed = [b["Name"] for b in resp["Buckets"]]
    assert [n for n in listed if n in names] == names  # alphabetical order
    assert listed == sorted(listed)
    for b in resp["Buckets"]:
        if b["Name"] in names:
            assert before <= b["CreationDate"] <= after
    assert resp["Owner"]["ID"]
    assert "DisplayName" in resp["Owner"]


# ------------------------------------------------------- GetBucketLocation


def test_get_bucket_location_is_empty_for_us_east_1(s3, bucket):
    resp = s3.get_bucket_location(Bucket=bucket)
    assert resp["LocationConstraint"] is None


def test_get_bucket_location_of_missing_bucket_is_no_such_bucket(s3):
    with pytest.raises(ClientError) as e:
        s3.get_bucket_location(Bucket=unique("missing-"))
    assert error_code(e) == "NoSuchBucket"
    assert status_code(e) == 404


# ------------------------------------------------- never-configured answers


def test_versioning_of_new_bucket_has_no_status(s3, bucket):
    resp = s3.get_bucket_versioning(Bucket=bucket)
    assert http_status(resp) == 200
    assert "Status" not in resp
    assert "MFADelete" not in resp


def test_versioning_of_missing_bucket_is_no_such_bucket(s3):
    with pytest.raises(ClientError) as e:
        s3.get_bucket_versioning(Bucket=unique("missing-"))
    assert error_code(e) == "NoSuchBucket"


def test_bucket_acl_grants_owner_full_control(s3, bucket):
    acl = s3.get_bucket_acl(Bucket=bucket)
    owner = acl["Owner"]["ID"]
    assert owner
    assert owner == s3.list_buckets()["Owner"]["ID"]
    assert acl["Grants"] == [{
        "Grantee": {"ID": owner, "DisplayName": acl["Owner"]["DisplayName"],
                    "Type": "CanonicalUser"},
        "Permission": "FULL_CONTROL"}]


def test_object_acl_grants_owner_full_control(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    acl = s3.get_object_acl(Bucket=bucket, Key="k")
    assert [g["Permission"] for g in acl["Grants"]] == ["FULL_CONTROL"]
    assert acl["Grants"][0]["Grantee"]["ID"] == acl["Owner"]["ID"]
    with pytest.raises(ClientError) as e:
        s3.get_object_acl(Bucket=bucket, Key="missing")
    assert error_code(e) == "NoSuchKey"


@pytest.mark.parametrize("call,code", [
    ("get_bucket_policy", "NoSuchBucketPolicy"),
    ("get_bucket_tagging", "NoSuchTagSet"),
    ("get_bucket_cors", "NoSuchCORSConfiguration"),
    ("get_bucket_lifecycle_configuration", "NoSuchLifecycleConfiguration"),
    ("get_bucket_website", "NoSuchWebsiteConfiguration"),
])
def test_unconfigured_bucket_subresource_is_documented_404(s3, bucket, call, code):
    with pytest.raises(ClientError) as e:
        getattr(s3, call)(Bucket=bucket)
    assert error_code(e) == code
    assert status_code(e) == 404


def signed_get(server, query):
    """A SigV4-signed GET of the service with `query` (newer ListBuckets
    parameters that older SDKs cannot send); returns the parsed XML root."""
    import xml.etree.ElementTree as ET
    from urllib.parse import urlencode

    import requests
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    url = f"{server.endpoint}/?{urlencode(query)}"
    empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    req = AWSRequest(method="GET", url=url, headers={"x-amz-content-sha256": empty})
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", REGION).add_auth(req)
    r = requests.get(url, headers=dict(req.headers.items()), timeout=10)
    return r.status_code, ET.fromstring(r.content)


def test_list_buckets_pages_by_max_buckets_and_continuation_token(server, s3):
    ns = "{http://s3.amazonaws.com/doc/2006-03-01/}"
    prefix = "page-" + uuid.uuid4().hex[:8] + "-"
    names = [prefix + c for c in "abc"]
    for name in names:
        s3.create_bucket(Bucket=name)
    try:
        seen = []
        query = {"max-buckets": "2", "prefix": prefix}
        while True:
            status, root = signed_get(server, query)
            assert status == 200
            assert root.findtext(ns + "Prefix") == prefix
            seen += [b.findtext(ns + "Name") for b in root.iter(ns + "Bucket")]
            for b in root.iter(ns + "Bucket"):
                assert b.findtext(ns + "BucketRegion") == "us-east-1"
            token = root.findtext(ns + "ContinuationToken")
            if token is None:
                break
            query = {"max-buckets": "2", "prefix": prefix, "continuation-token": token}
        assert seen == names
        status, root = signed_get(server, {"max-buckets": "0"})
        assert status == 400 and root.findtext("Code") == "InvalidArgument"
    finally:
        for name in names:
            s3.delete_bucket(Bucket=name)
