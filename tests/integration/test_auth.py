"""Authentication as AWS S3 documents it: SigV4 header and query (presigned)
forms, the errors for bad secrets, unknown keys, anonymous requests,
expired or tampered URLs, wrong regions and skewed clocks, and the shape
of error responses."""

import contextlib
import datetime
import hashlib
import types
import uuid
import xml.etree.ElementTree as ET
from unittest import mock
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import boto3
import botocore.auth
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

try:
    import botocore.crt.auth as crt_auth
except ImportError:  # no awscrt: botocore signs in Python only
    crt_auth = None

from conftest import ACCESS_KEY, REGION, SECRET_KEY, error_code, status_code

UTC = datetime.timezone.utc


# ------------------------------------------------------------- helpers


@contextlib.contextmanager
def fake_clock(when):
    """Makes botocore sign as if the time were `when` (an aware datetime).

    botocore signs with its own SigV4 code or, when awscrt is installed,
    with the CRT signer; both read the clock through their module globals."""
    when = when.astimezone(UTC)
    modules = [botocore.auth] + ([crt_auth] if crt_auth else [])

    def current(remove_tzinfo=True):
        return when.replace(tzinfo=None) if remove_tzinfo else when

    class FrozenDateTime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return when.replace(tzinfo=None)

        @classmethod
        def now(cls, tz=None):
            return when.astimezone(tz) if tz else when.replace(tzinfo=None)

    shim = types.SimpleNamespace(**{n: getattr(datetime, n) for n in dir(datetime)
                                    if not n.startswith("__")})
    shim.datetime = FrozenDateTime
    with contextlib.ExitStack() as stack:
        for module in modules:
            if hasattr(module, "get_current_datetime"):  # botocore >= 1.36
                stack.enter_context(mock.patch.object(module, "get_current_datetime", current))
            if hasattr(module, "datetime"):
                stack.enter_context(mock.patch.object(module, "datetime", shim))
        yield


def client_for(server, access_key=ACCESS_KEY, secret_key=SECRET_KEY, region=REGION):
    return boto3.client("s3", endpoint_url=server.endpoint, region_name=region,
                        aws_access_key_id=access_key, aws_secret_access_key=secret_key,
                        config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                                      retries={"max_attempts": 1}))


def signed(method, url, headers=None, body=b"", secret=SECRET_KEY, region=REGION, when=None,
           payload_hash=None):
    """Sends a SigV4 (Authorization header) request built by hand."""
    headers = dict(headers or {})
    headers["X-Amz-Content-SHA256"] = payload_hash or hashlib.sha256(body).hexdigest()
    req = AWSRequest(method=method, url=url, data=body, headers=headers)
    signer = SigV4Auth(Credentials(ACCESS_KEY, secret), "s3", region)
    if when is None:
        signer.add_auth(req)
    else:
        with fake_clock(when):
            signer.add_auth(req)
    return requests.request(method, url, data=body, headers=dict(req.headers), timeout=30)


def parse_error(resp):
    """The S3 error document of a raw response, as a dict of its child elements."""
    assert resp.headers.get("Content-Type", "").startswith("application/xml"), resp.headers
    root = ET.fromstring(resp.content)
    assert root.tag == "Error"
    return {child.tag: (child.text or "") for child in root}


def assert_error_document(resp, status, code):
    assert resp.status_code == status, resp.text
    err = parse_error(resp)
    assert err["Code"] == code
    assert err["Message"]
    assert err["RequestId"]
    assert resp.headers["x-amz-request-id"] == err["RequestId"]
    return err


def tamper(url, **replace):
    """Returns `url` with some query parameters replaced."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(replace)
    return urlunsplit(parts._replace(query=urlencode(query)))


@pytest.fixture
def obj(s3, bucket):
    s3.put_object(Bucket=bucket, Key="secret.txt", Body=b"top secret")
    return bucket


# --------------------------------------------------------- bad credentials


def test_wrong_secret_is_signature_does_not_match(server, obj):
    bad = client_for(server, secret_key="not-the-right-secret")
    for call in (lambda: bad.list_buckets(),
                 lambda: bad.get_object(Bucket=obj, Key="secret.txt"),
                 lambda: bad.put_object(Bucket=obj, Key="new", Body=b"x")):
        with pytest.raises(ClientError) as e:
            call()
        assert error_code(e) == "SignatureDoesNotMatch"
        assert status_code(e) == 403
    with pytest.raises(ClientError) as e:
        server.client().head_object(Bucket=obj, Key="new")
    assert status_code(e) == 404


def test_unknown_access_key_is_invalid_access_key_id(server, obj):
    stranger = client_for(server, access_key="AKIDUNKNOWNUNKNOWN00")
    with pytest.raises(ClientError) as e:
        stranger.get_object(Bucket=obj, Key="secret.txt")
    assert error_code(e) == "InvalidAccessKeyId"
    assert status_code(e) == 403


@pytest.fixture
def us_east_only(make_server):
    """A server started with --region us-east-1 and one object in it."""
    srv = make_server(extra_args=["--region", "us-east-1"])
    s3 = srv.client()
    name = "regional-" + uuid.uuid4().hex[:12]
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="secret.txt", Body=b"top secret")
    return srv, name


def test_by_default_requests_signed_for_any_region_are_accepted(server, obj):
    for region in ("eu-west-1", "ap-southeast-2", "us-east-1"):
        got = client_for(server, region=region).get_object(Bucket=obj, Key="secret.txt")
        assert got["Body"].read() == b"top secret"


def test_presigned_url_for_another_region_is_accepted_by_default(server, obj):
    eu = client_for(server, region="eu-west-1")
    url = eu.generate_presigned_url("get_object", Params={"Bucket": obj, "Key": "secret.txt"},
                                    ExpiresIn=300)
    resp = requests.get(url, timeout=30)
    assert resp.status_code == 200 and resp.content == b"top secret"


def test_configured_region_refuses_another_with_the_expected_region_named(us_east_only):
    srv, name = us_east_only
    resp = signed("GET", f"{srv.endpoint}/{name}/secret.txt", region="eu-west-1")
    err = assert_error_document(resp, 400, "AuthorizationHeaderMalformed")
    assert "expecting 'us-east-1'" in err["Message"]
    # As AWS: the region to use, so SDKs can retry there.
    assert err["Region"] == "us-east-1"
    assert resp.headers["x-amz-bucket-region"] == "us-east-1"
    assert signed("GET", f"{srv.endpoint}/{name}/secret.txt").content == b"top secret"


def test_sdk_signed_for_another_region_follows_the_servers_region(us_east_only):
    srv, name = us_east_only
    eu = client_for(srv, region="eu-west-1")
    assert eu.get_object(Bucket=name, Key="secret.txt")["Body"].read() == b"top secret"


@pytest.mark.sdk_independent
def test_anonymous_head_bucket_is_403_with_the_buckets_region(server, make_server):
    s3 = server.client()
    name = "anon-head-" + uuid.uuid4().hex[:10]
    s3.create_bucket(Bucket=name)
    try:
        resp = requests.head(f"{server.endpoint}/{name}", timeout=30)
        assert resp.status_code == 403
        assert resp.headers["x-amz-bucket-region"] == "us-east-1"
        assert requests.head(f"{server.endpoint}/{name}-missing", timeout=30).status_code == 404
        assert requests.head(f"{server.endpoint}/{name}/key", timeout=30).status_code == 403
    finally:
        s3.delete_bucket(Bucket=name)


def test_server_banner_says_which_region_mode_it_is_in(server, us_east_only):
    assert "Region:      any" in server.read_log()
    srv, _ = us_east_only
    assert "Region:      us-east-1 only" in srv.read_log()


@pytest.mark.sdk_independent
def test_payload_hash_mismatch_is_x_amz_content_sha256_mismatch(server, bucket):
    url = f"{server.endpoint}/{bucket}/k"
    resp = signed("PUT", url, body=b"actual body",
                  payload_hash=hashlib.sha256(b"claimed body").hexdigest())
    assert_error_document(resp, 400, "XAmzContentSHA256Mismatch")
    assert signed("GET", url).status_code == 404


@pytest.mark.sdk_independent
def test_header_changed_after_signing_is_signature_does_not_match(server, bucket):
    url = f"{server.endpoint}/{bucket}/k"
    body = b"payload"
    headers = {"x-amz-meta-owner": "alice",
               "X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest()}
    req = AWSRequest(method="PUT", url=url, data=body, headers=headers)
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", REGION).add_auth(req)
    sent = dict(req.headers)
    sent["x-amz-meta-owner"] = "mallory"
    resp = requests.put(url, data=body, headers=sent, timeout=30)
    assert_error_document(resp, 403, "SignatureDoesNotMatch")


@pytest.mark.sdk_independent
def test_unsigned_payload_is_accepted(server, bucket):
    url = f"{server.endpoint}/{bucket}/u"
    resp = signed("PUT", url, body=b"unsigned body", payload_hash="UNSIGNED-PAYLOAD")
    assert resp.status_code == 200, resp.text
    assert resp.headers["ETag"] == f'"{hashlib.md5(b"unsigned body").hexdigest()}"'
    assert signed("GET", url).content == b"unsigned body"


# ------------------------------------------------------------- anonymous


@pytest.mark.sdk_independent
def test_anonymous_requests_are_access_denied(server, obj):
    for method, path in [("GET", f"/{obj}/secret.txt"), ("GET", f"/{obj}"), ("GET", "/"),
                         ("PUT", f"/{obj}/anon.txt"), ("DELETE", f"/{obj}/secret.txt")]:
        resp = requests.request(method, server.endpoint + path, data=b"x" if method == "PUT"
                                else None, timeout=30)
        assert_error_document(resp, 403, "AccessDenied")
    # Nothing changed.
    assert signed("GET", f"{server.endpoint}/{obj}/secret.txt").content == b"top secret"
    assert signed("GET", f"{server.endpoint}/{obj}/anon.txt").status_code == 404


@pytest.mark.sdk_independent
def test_anonymous_head_is_403_without_body_but_with_request_id(server, obj):
    resp = requests.head(f"{server.endpoint}/{obj}/secret.txt", timeout=30)
    assert resp.status_code == 403
    assert resp.content == b""
    assert resp.headers["x-amz-request-id"]


# ------------------------------------------------------------- presigned


def test_presigned_get_returns_object(s3, obj):
    url = s3.generate_presigned_url("get_object", Params={"Bucket": obj, "Key": "secret.txt"},
                                    ExpiresIn=300)
    assert "X-Amz-Signature=" in url
    resp = requests.get(url, timeout=30)
    assert resp.status_code == 200
    assert resp.content == b"top secret"


def test_presigned_get_with_response_overrides(s3, obj):
    url = s3.generate_presigned_url("get_object", Params={
        "Bucket": obj, "Key": "secret.txt",
        "ResponseContentDisposition": 'attachment; filename="s.txt"',
        "ResponseContentType": "text/x-secret"}, ExpiresIn=300)
    resp = requests.get(url, timeout=30)
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"] == 'attachment; filename="s.txt"'
    assert resp.headers["Content-Type"] == "text/x-secret"


def test_presigned_put_stores_object(s3, bucket):
    url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "up.bin"},
                                    ExpiresIn=300)
    body = bytes(range(256)) * 400
    resp = requests.put(url, data=body, timeout=30)
    assert resp.status_code == 200, resp.text
    assert resp.headers["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    assert s3.get_object(Bucket=bucket, Key="up.bin")["Body"].read() == body


def test_presigned_url_for_special_key(s3, bucket):
    key = "dir with space/ünïcode+plus&amp.txt"
    s3.put_object(Bucket=bucket, Key=key, Body=b"special")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                    ExpiresIn=60)
    assert requests.get(url, timeout=30).content == b"special"


def test_presigned_get_of_missing_key_is_no_such_key(s3, bucket):
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "absent"},
                                    ExpiresIn=60)
    assert_error_document(requests.get(url, timeout=30), 404, "NoSuchKey")


def test_presigned_with_tampered_signature_is_signature_does_not_match(s3, obj):
    url = s3.generate_presigned_url("get_object", Params={"Bucket": obj, "Key": "secret.txt"},
                                    ExpiresIn=300)
    sig = dict(parse_qsl(urlsplit(url).query))["X-Amz-Signature"]
    flipped = sig[:-1] + ("0" if sig[-1] != "0" else "1")
    resp = requests.get(tamper(url, **{"X-Amz-Signature": flipped}), timeout=30)
    assert_error_document(resp, 403, "SignatureDoesNotMatch")


def test_presigned_url_used_for_other_key_is_signature_does_not_match(s3, obj):
    s3.put_object(Bucket=obj, Key="other.txt", Body=b"other")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": obj, "Key": "other.txt"},
                                    ExpiresIn=300)
    resp = requests.get(url.replace("/other.txt?", "/secret.txt?"), timeout=30)
    assert_error_document(resp, 403, "SignatureDoesNotMatch")


def test_presigned_url_with_longer_expiry_than_signed_is_signature_does_not_match(s3, obj):
    url = s3.generate_presigned_url("get_object", Params={"Bucket": obj, "Key": "secret.txt"},
                                    ExpiresIn=60)
    resp = requests.get(tamper(url, **{"X-Amz-Expires": "3600"}), timeout=30)
    assert_error_document(resp, 403, "SignatureDoesNotMatch")


def test_presigned_get_url_cannot_be_used_to_put(s3, obj):
    url = s3.generate_presigned_url("get_object", Params={"Bucket": obj, "Key": "secret.txt"},
                                    ExpiresIn=300)
    resp = requests.put(url, data=b"overwrite", timeout=30)
    assert_error_document(resp, 403, "SignatureDoesNotMatch")
    assert s3.get_object(Bucket=obj, Key="secret.txt")["Body"].read() == b"top secret"


def test_expired_presigned_url_is_access_denied(s3, obj):
    two_hours_ago = datetime.datetime.now(UTC) - datetime.timedelta(hours=2)
    with fake_clock(two_hours_ago):
        url = s3.generate_presigned_url("get_object",
                                        Params={"Bucket": obj, "Key": "secret.txt"},
                                        ExpiresIn=3600)
    err = assert_error_document(requests.get(url, timeout=30), 403, "AccessDenied")
    assert "expired" in err["Message"].lower()


def test_presigned_url_still_valid_just_before_expiry(s3, obj):
    signed_at = datetime.datetime.now(UTC) - datetime.timedelta(minutes=50)
    with fake_clock(signed_at):
        url = s3.generate_presigned_url("get_object",
                                        Params={"Bucket": obj, "Key": "secret.txt"},
                                        ExpiresIn=3600)
    assert requests.get(url, timeout=30).content == b"top secret"


def test_presigned_expiry_of_seven_days_is_accepted(s3, obj):
    url = s3.generate_presigned_url("get_object", Params={"Bucket": obj, "Key": "secret.txt"},
                                    ExpiresIn=604800)
    assert requests.get(url, timeout=30).status_code == 200


def test_presigned_expiry_over_seven_days_is_rejected(s3, obj):
    url = s3.generate_presigned_url("get_object", Params={"Bucket": obj, "Key": "secret.txt"},
                                    ExpiresIn=604801)
    assert_error_document(requests.get(url, timeout=30), 400,
                          "AuthorizationQueryParametersError")


def test_presigned_url_with_wrong_region_is_rejected(us_east_only):
    srv, name = us_east_only
    eu = client_for(srv, region="eu-west-1")
    url = eu.generate_presigned_url("get_object", Params={"Bucket": name, "Key": "secret.txt"},
                                    ExpiresIn=300)
    assert_error_document(requests.get(url, timeout=30), 400,
                          "AuthorizationQueryParametersError")


def test_presigned_url_with_unknown_key_is_invalid_access_key_id(server, obj):
    stranger = client_for(server, access_key="AKIDUNKNOWNUNKNOWN00")
    url = stranger.generate_presigned_url("get_object",
                                          Params={"Bucket": obj, "Key": "secret.txt"},
                                          ExpiresIn=300)
    assert_error_document(requests.get(url, timeout=30), 403, "InvalidAccessKeyId")


def test_presigned_url_plus_authorization_header_is_invalid_argument(s3, obj):
    url = s3.generate_presigned_url("get_object", Params={"Bucket": obj, "Key": "secret.txt"},
                                    ExpiresIn=300)
    req = AWSRequest(method="GET", url=url,
                     headers={"X-Amz-Content-SHA256": hashlib.sha256(b"").hexdigest()})
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", REGION).add_auth(req)
    resp = requests.get(url, headers=dict(req.headers), timeout=30)
    assert_error_document(resp, 400, "InvalidArgument")


# ------------------------------------------------------------ clock skew


@pytest.mark.sdk_independent
@pytest.mark.parametrize("minutes", [-20, 20, -60 * 24])
def test_skewed_request_time_is_request_time_too_skewed(server, obj, minutes):
    when = datetime.datetime.now(UTC) + datetime.timedelta(minutes=minutes)
    resp = signed("GET", f"{server.endpoint}/{obj}/secret.txt", when=when)
    assert_error_document(resp, 403, "RequestTimeTooSkewed")


@pytest.mark.sdk_independent
@pytest.mark.parametrize("minutes", [-10, 10])
def test_request_time_within_fifteen_minutes_is_accepted(server, obj, minutes):
    when = datetime.datetime.now(UTC) + datetime.timedelta(minutes=minutes)
    resp = signed("GET", f"{server.endpoint}/{obj}/secret.txt", when=when)
    assert resp.status_code == 200, resp.text
    assert resp.content == b"top secret"


def test_boto3_client_with_skewed_clock_gets_request_time_too_skewed(s3, obj):
    with fake_clock(datetime.datetime.now(UTC) - datetime.timedelta(hours=1)):
        with pytest.raises(ClientError) as e:
            s3.head_bucket(Bucket=obj)
        assert status_code(e) == 403
        with pytest.raises(ClientError) as e:
            s3.list_objects_v2(Bucket=obj)
    assert error_code(e) == "RequestTimeTooSkewed"


# ------------------------------------------------------------ error shape


@pytest.mark.sdk_independent
def test_error_documents_carry_code_message_and_request_id(server, obj):
    cases = [
        ("GET", f"/{obj}/missing", 404, "NoSuchKey"),
        ("GET", "/no-such-bucket-for-auth-test/k", 404, "NoSuchBucket"),
        ("GET", "/no-such-bucket-for-auth-test", 404, "NoSuchBucket"),
    ]
    ids = set()
    for method, path, status, code in cases:
        resp = signed(method, server.endpoint + path)
        err = assert_error_document(resp, status, code)
        ids.add(err["RequestId"])
    assert len(ids) == len(cases), "request ids must be unique per request"


@pytest.mark.sdk_independent
def test_successful_responses_carry_a_request_id(server, obj):
    resp = signed("GET", f"{server.endpoint}/{obj}/secret.txt")
    assert resp.status_code == 200
    assert resp.headers["x-amz-request-id"]
