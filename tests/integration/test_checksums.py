"""Additional checksums (x-amz-checksum-*) as AWS S3 documents them: values
computed and verified on PutObject and UploadPart, returned on the upload
response and on GetObject/HeadObject with ChecksumMode=ENABLED, mismatches
refused with BadDigest, composite checksums for multipart uploads."""

import base64
import hashlib
import zlib

import crcmod.predefined
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, REGION, SECRET_KEY, error_code, status_code

MiB = 1024 * 1024

_crc32c = crcmod.predefined.mkCrcFun("crc-32c")


def _crc64nvme_table():
    poly = 0x9A6C9329AC4BC9B5  # reflected 0xAD93D23594C93659
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC64_TABLE = _crc64nvme_table()


def crc64nvme(data):
    crc = 0xFFFFFFFFFFFFFFFF
    for b in data:
        crc = _CRC64_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFFFFFFFFFF


def raw_digest(algorithm, data):
    if algorithm == "CRC32":
        return zlib.crc32(data).to_bytes(4, "big")
    if algorithm == "CRC32C":
        return _crc32c(data).to_bytes(4, "big")
    if algorithm == "CRC64NVME":
        return crc64nvme(data).to_bytes(8, "big")
    if algorithm == "SHA1":
        return hashlib.sha1(data).digest()
    if algorithm == "SHA256":
        return hashlib.sha256(data).digest()
    raise ValueError(algorithm)


def checksum(algorithm, data):
    return base64.b64encode(raw_digest(algorithm, data)).decode()


def composite(algorithm, parts):
    """The COMPOSITE multipart checksum: checksum of the parts' raw checksums, then -N."""
    joined = b"".join(raw_digest(algorithm, p) for p in parts)
    return f"{checksum(algorithm, joined)}-{len(parts)}"


def headers_of(resp):
    return resp["ResponseMetadata"]["HTTPHeaders"]


def plain_client(server):
    """A client that adds no checksum of its own (boto3 >= 1.36 adds CRC32 by
    default); on older boto3 that is already the default."""
    if "request_checksum_calculation" in Config.OPTION_DEFAULTS:
        return server.client(request_checksum_calculation="when_required",
                             response_checksum_validation="when_required")
    return server.client()


def with_headers(client, operation, headers, call):
    """Runs `call()` with extra headers on the named operation's requests."""
    def add(request, **_):
        for name, value in headers.items():
            request.headers[name] = value

    event = f"before-sign.s3.{operation}"
    client.meta.events.register_first(event, add)
    try:
        return call()
    finally:
        client.meta.events.unregister(event, add)


def put_with_headers(client, bucket, key, body, headers):
    return with_headers(client, "PutObject", headers,
                        lambda: client.put_object(Bucket=bucket, Key=key, Body=body))


def get_checksum_headers(client, bucket, key):
    def get():
        resp = client.get_object(Bucket=bucket, Key=key)
        resp["Body"].read()
        return headers_of(resp)
    return with_headers(client, "GetObject", {"x-amz-checksum-mode": "ENABLED"}, get)


ALGORITHMS = ["CRC32", "CRC32C", "SHA1", "SHA256"]
DATA = b"The quick brown fox jumps over the lazy dog\n" * 1000


def test_crc64nvme_reference_value():
    # The check value of CRC-64/NVME.
    assert crc64nvme(b"123456789") == 0xAE8B14860A799888


# ------------------------------------------------------------- PutObject


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_put_with_checksum_algorithm_returns_and_stores_the_checksum(s3, bucket, algorithm):
    expected = checksum(algorithm, DATA)
    put = s3.put_object(Bucket=bucket, Key="k", Body=DATA, ChecksumAlgorithm=algorithm)
    assert put[f"Checksum{algorithm}"] == expected
    got = s3.get_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert got[f"Checksum{algorithm}"] == expected
    assert got["Body"].read() == DATA
    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head[f"Checksum{algorithm}"] == expected


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_put_with_correct_precomputed_checksum_is_accepted(s3, bucket, algorithm):
    value = checksum(algorithm, DATA)
    put = s3.put_object(Bucket=bucket, Key="k", Body=DATA, **{f"Checksum{algorithm}": value})
    assert put[f"Checksum{algorithm}"] == value
    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head[f"Checksum{algorithm}"] == value


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_put_with_wrong_checksum_is_bad_digest_and_stores_nothing(s3, bucket, algorithm):
    wrong = checksum(algorithm, b"some other content")
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=DATA, **{f"Checksum{algorithm}": wrong})
    assert error_code(e) == "BadDigest"
    assert status_code(e) == 400
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="k")
    assert status_code(e) == 404


def test_wrong_checksum_does_not_replace_existing_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"keep me")
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=DATA,
                      ChecksumSHA256=checksum("SHA256", b"not DATA"))
    assert error_code(e) == "BadDigest"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"keep me"


def test_malformed_checksum_value_is_invalid_request(server, bucket):
    client = plain_client(server)
    with pytest.raises(ClientError) as e:
        put_with_headers(client, bucket, "k", DATA, {"x-amz-checksum-crc32": "%%not-base64%%"})
    assert error_code(e) == "InvalidRequest"
    assert status_code(e) == 400


def test_large_object_checksum_is_computed_over_all_bytes(s3, bucket):
    body = hashlib.sha256(b"x").digest() * (3 * MiB // 32) + b"tail"
    put = s3.put_object(Bucket=bucket, Key="big", Body=body, ChecksumAlgorithm="SHA256")
    assert put["ChecksumSHA256"] == checksum("SHA256", body)
    head = s3.head_object(Bucket=bucket, Key="big", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == checksum("SHA256", body)


def test_checksums_are_not_returned_without_checksum_mode(server, bucket):
    client = plain_client(server)
    put_with_headers(client, bucket, "k", DATA, {"x-amz-checksum-sha256": checksum("SHA256", DATA)})
    plain = client.head_object(Bucket=bucket, Key="k")
    assert "x-amz-checksum-sha256" not in headers_of(plain)
    enabled = client.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert headers_of(enabled)["x-amz-checksum-sha256"] == checksum("SHA256", DATA)


def test_single_put_checksum_type_is_full_object(server, bucket):
    client = plain_client(server)
    put = put_with_headers(client, bucket, "k", DATA,
                           {"x-amz-checksum-crc32": checksum("CRC32", DATA)})
    assert headers_of(put).get("x-amz-checksum-type") == "FULL_OBJECT"
    head = client.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert headers_of(head).get("x-amz-checksum-type") == "FULL_OBJECT"


# ------------------------------------------------------------- CRC64NVME


def test_crc64nvme_checksum_is_verified_and_returned(server, bucket):
    client = plain_client(server)
    value = checksum("CRC64NVME", DATA)
    put = put_with_headers(client, bucket, "k", DATA, {"x-amz-checksum-crc64nvme": value})
    assert headers_of(put)["x-amz-checksum-crc64nvme"] == value
    assert get_checksum_headers(client, bucket, "k")["x-amz-checksum-crc64nvme"] == value


def test_wrong_crc64nvme_checksum_is_bad_digest(server, bucket):
    client = plain_client(server)
    with pytest.raises(ClientError) as e:
        put_with_headers(client, bucket, "k", DATA,
                         {"x-amz-checksum-crc64nvme": checksum("CRC64NVME", b"other")})
    assert error_code(e) == "BadDigest"
    assert status_code(e) == 400


# ------------------------------------------------- aws-chunked trailers


def _signed(method, url, headers=None, body=b""):
    """A request signed with SigV4 (header form) and sent with requests."""
    headers = dict(headers or {})
    headers.setdefault("X-Amz-Content-SHA256", hashlib.sha256(body).hexdigest())
    req = AWSRequest(method=method, url=url, data=body, headers=headers)
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", REGION).add_auth(req)
    return requests.request(method, url, data=body, headers=dict(req.headers), timeout=30)


def _trailer_put(server, bucket, key, data, trailer_value, algorithm="crc32",
                 content_encoding="aws-chunked"):
    body = (f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n"
            + f"x-amz-checksum-{algorithm}:{trailer_value}\r\n\r\n".encode())
    return _signed("PUT", f"{server.endpoint}/{bucket}/{key}", {
        "Content-Encoding": content_encoding,
        "x-amz-decoded-content-length": str(len(data)),
        "x-amz-trailer": f"x-amz-checksum-{algorithm}",
        "X-Amz-Content-SHA256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    }, body)


@pytest.mark.sdk_independent
@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"])
def test_unsigned_trailer_with_correct_checksum_is_accepted(server, bucket, algorithm):
    data = b"trailer-checked payload " * 500
    value = checksum(algorithm, data)
    resp = _trailer_put(server, bucket, "t", data, value, algorithm.lower())
    assert resp.status_code == 200, resp.text
    assert resp.headers[f"x-amz-checksum-{algorithm.lower()}"] == value
    assert resp.headers["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    got = _signed("GET", f"{server.endpoint}/{bucket}/t", {"x-amz-checksum-mode": "ENABLED"})
    assert got.status_code == 200
    assert got.content == data
    assert got.headers[f"x-amz-checksum-{algorithm.lower()}"] == value


@pytest.mark.sdk_independent
def test_aws_chunked_is_not_stored_as_content_encoding(server, bucket):
    data = b"chunked payload"
    value = checksum("CRC32", data)
    assert _trailer_put(server, bucket, "plain", data, value).status_code == 200
    assert _trailer_put(server, bucket, "gz", data, value,
                        content_encoding="aws-chunked,gzip").status_code == 200
    plain = _signed("HEAD", f"{server.endpoint}/{bucket}/plain")
    assert "aws-chunked" not in plain.headers.get("Content-Encoding", "")
    gz = _signed("HEAD", f"{server.endpoint}/{bucket}/gz")
    assert gz.headers.get("Content-Encoding") == "gzip"


@pytest.mark.sdk_independent
def test_unsigned_trailer_with_wrong_checksum_is_bad_digest(server, bucket):
    data = b"trailer-checked payload " * 500
    resp = _trailer_put(server, bucket, "t", data, checksum("CRC32", b"different"))
    assert resp.status_code == 400
    assert "<Code>BadDigest</Code>" in resp.text
    got = _signed("GET", f"{server.endpoint}/{bucket}/t")
    assert got.status_code == 404


# ------------------------------------------------------------ multipart

PART1 = hashlib.sha256(b"p1").digest() * (5 * MiB // 32)
PART2 = b"second and last part" * 1000


def _checksummed_upload(s3, bucket, key, algorithm):
    uid = s3.create_multipart_upload(Bucket=bucket, Key=key,
                                     ChecksumAlgorithm=algorithm)["UploadId"]
    parts = []
    for n, body in enumerate([PART1, PART2], start=1):
        resp = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=n, Body=body,
                              ChecksumAlgorithm=algorithm)
        parts.append({"PartNumber": n, "ETag": resp["ETag"],
                      f"Checksum{algorithm}": resp[f"Checksum{algorithm}"]})
    return uid, parts


@pytest.mark.parametrize("algorithm", ["CRC32", "SHA256"])
def test_upload_part_checksums_are_returned_and_listed(s3, bucket, algorithm):
    created = s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm=algorithm)
    assert created.get("ChecksumAlgorithm") == algorithm
    uid = created["UploadId"]
    for n, body in enumerate([PART1, PART2], start=1):
        resp = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=n, Body=body,
                              ChecksumAlgorithm=algorithm)
        assert resp[f"Checksum{algorithm}"] == checksum(algorithm, body)
    listed = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)
    assert listed["ChecksumAlgorithm"] == algorithm
    assert [p[f"Checksum{algorithm}"] for p in listed["Parts"]] == [
        checksum(algorithm, PART1), checksum(algorithm, PART2)]


def test_upload_part_with_wrong_checksum_is_bad_digest(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm="SHA256")["UploadId"]
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=PART2,
                       ChecksumSHA256=checksum("SHA256", b"not the part"))
    assert error_code(e) == "BadDigest"
    assert status_code(e) == 400
    assert "Parts" not in s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)


def test_complete_returns_composite_checksum(s3, bucket):
    uid, parts = _checksummed_upload(s3, bucket, "k", "SHA256")
    done = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid,
                                        MultipartUpload={"Parts": parts})
    assert done.get("ChecksumSHA256") == composite("SHA256", [PART1, PART2])


def test_head_multipart_object_returns_composite_checksum_and_type(s3, bucket):
    uid, parts = _checksummed_upload(s3, bucket, "k", "SHA1")
    s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid,
                                 MultipartUpload={"Parts": parts})
    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head.get("ChecksumSHA1") == composite("SHA1", [PART1, PART2])
    assert headers_of(head).get("x-amz-checksum-type") == "COMPOSITE"


def test_full_object_crc32_multipart_checksum_is_crc_of_whole_object(s3, bucket):
    def full_object(request, **_):
        request.headers["x-amz-checksum-type"] = "FULL_OBJECT"

    s3.meta.events.register_first("before-sign.s3.CreateMultipartUpload", full_object)
    try:
        uid, parts = _checksummed_upload(s3, bucket, "k", "CRC32")
    finally:
        s3.meta.events.unregister("before-sign.s3.CreateMultipartUpload", full_object)
    done = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid,
                                        MultipartUpload={"Parts": parts})
    whole = checksum("CRC32", PART1 + PART2)
    assert done.get("ChecksumCRC32") == whole
    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head.get("ChecksumCRC32") == whole
    assert headers_of(head).get("x-amz-checksum-type") == "FULL_OBJECT"


def test_multipart_object_with_checksums_reads_back_intact(s3, bucket):
    uid, parts = _checksummed_upload(s3, bucket, "k", "CRC32C")
    done = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid,
                                        MultipartUpload={"Parts": parts})
    digests = b"".join(hashlib.md5(p).digest() for p in (PART1, PART2))
    assert done["ETag"] == f'"{hashlib.md5(digests).hexdigest()}-2"'
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == PART1 + PART2


def complete_with_headers(s3, bucket, key, uid, parts, headers):
    return with_headers(s3, "CompleteMultipartUpload", headers, lambda: s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=uid, MultipartUpload={"Parts": parts}))


def create_with_headers(s3, bucket, key, headers):
    return with_headers(s3, "CreateMultipartUpload", headers,
                        lambda: s3.create_multipart_upload(Bucket=bucket, Key=key))


@pytest.mark.parametrize("suffix", [True, False])
def test_complete_checksum_header_is_the_composite_object_checksum(s3, bucket, suffix):
    """minio-go sends x-amz-checksum-crc32c on Complete: the composite value
    over the part CRCs, without the -N suffix. It is not about the XML body."""
    uid, parts = _checksummed_upload(s3, bucket, "k", "CRC32C")
    value = composite("CRC32C", [PART1, PART2])
    sent = value if suffix else value.rsplit("-", 1)[0]
    done = complete_with_headers(s3, bucket, "k", uid, parts, {"x-amz-checksum-crc32c": sent})
    assert done.get("ChecksumCRC32C") == value
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == PART1 + PART2


def test_complete_with_wrong_object_checksum_is_bad_digest_and_commits_nothing(s3, bucket):
    uid, parts = _checksummed_upload(s3, bucket, "k", "CRC32C")
    with pytest.raises(ClientError) as e:
        complete_with_headers(s3, bucket, "k", uid, parts,
                              {"x-amz-checksum-crc32c": checksum("CRC32C", b"other")})
    assert error_code(e) == "BadDigest"
    assert status_code(e) == 400
    assert "CRC32C" in e.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="k")
    assert status_code(e) == 404
    # The upload is still there and completes with the right value.
    done = complete_with_headers(s3, bucket, "k", uid, parts,
                                 {"x-amz-checksum-crc32c": composite("CRC32C", [PART1, PART2])})
    assert done["ETag"]


def test_complete_full_object_checksum_header_is_crc_of_whole_object(s3, bucket):
    created = create_with_headers(s3, bucket, "k", {"x-amz-checksum-algorithm": "CRC32C",
                                                     "x-amz-checksum-type": "FULL_OBJECT"})
    uid = created["UploadId"]
    parts = []
    for n, body in enumerate([PART1, PART2], start=1):
        r = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=n, Body=body,
                           ChecksumAlgorithm="CRC32C")
        parts.append({"PartNumber": n, "ETag": r["ETag"], "ChecksumCRC32C": r["ChecksumCRC32C"]})
    whole = checksum("CRC32C", PART1 + PART2)
    with pytest.raises(ClientError) as e:
        complete_with_headers(s3, bucket, "k", uid, parts,
                              {"x-amz-checksum-crc32c": composite("CRC32C", [PART1, PART2])})
    assert error_code(e) == "BadDigest"
    done = complete_with_headers(s3, bucket, "k", uid, parts, {"x-amz-checksum-crc32c": whole,
                                                               "x-amz-checksum-type": "FULL_OBJECT"})
    assert done.get("ChecksumCRC32C") == whole


def test_complete_checksum_type_must_match_the_upload(s3, bucket):
    uid, parts = _checksummed_upload(s3, bucket, "k", "CRC32")
    with pytest.raises(ClientError) as e:
        complete_with_headers(s3, bucket, "k", uid, parts, {"x-amz-checksum-type": "FULL_OBJECT"})
    assert error_code(e) == "InvalidRequest"
    assert "COMPOSITE" in e.value.response["Error"]["Message"]


def test_complete_checksum_of_upload_without_algorithm_is_checked_against_parts(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    parts = []
    for n, body in enumerate([PART1, PART2], start=1):
        r = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=n, Body=body,
                           ChecksumAlgorithm="SHA256")
        parts.append({"PartNumber": n, "ETag": r["ETag"]})
    with pytest.raises(ClientError) as e:
        complete_with_headers(s3, bucket, "k", uid, parts,
                              {"x-amz-checksum-crc32": checksum("CRC32", PART1 + PART2)})
    assert error_code(e) == "InvalidRequest"
    assert "x-amz-checksum-algorithm" in e.value.response["Error"]["Message"]
    done = complete_with_headers(s3, bucket, "k", uid, parts,
                                 {"x-amz-checksum-sha256": composite("SHA256", [PART1, PART2])})
    assert done.get("ChecksumSHA256") == composite("SHA256", [PART1, PART2])


@pytest.mark.parametrize("headers,message", [
    ({"x-amz-checksum-algorithm": "MD5"}, "Checksum algorithm provided is unsupported"),
    ({"x-amz-checksum-type": "COMPOSITE"}, "can only be used with the x-amz-checksum-algorithm"),
    ({"x-amz-checksum-algorithm": "CRC32", "x-amz-checksum-type": "PARTIAL"},
     "Value for x-amz-checksum-type header is invalid"),
    ({"x-amz-checksum-algorithm": "SHA256", "x-amz-checksum-type": "FULL_OBJECT"},
     "The FULL_OBJECT checksum type cannot be used with the SHA256 checksum algorithm"),
    ({"x-amz-checksum-algorithm": "CRC64NVME", "x-amz-checksum-type": "COMPOSITE"},
     "The COMPOSITE checksum type cannot be used with the CRC64NVME checksum algorithm"),
])
def test_create_multipart_checksum_rules_follow_aws(s3, bucket, headers, message):
    with pytest.raises(ClientError) as e:
        create_with_headers(s3, bucket, "k", headers)
    assert error_code(e) == "InvalidRequest"
    assert status_code(e) == 400
    assert message in e.value.response["Error"]["Message"]
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)


def test_crc64nvme_upload_defaults_to_full_object(s3, bucket):
    created = create_with_headers(s3, bucket, "k", {"x-amz-checksum-algorithm": "CRC64NVME"})
    assert headers_of(created).get("x-amz-checksum-type") == "FULL_OBJECT"


def test_part_sent_without_checksum_gets_the_uploads_algorithm(server, bucket):
    client = plain_client(server)
    uid = client.create_multipart_upload(Bucket=bucket, Key="k",
                                         ChecksumAlgorithm="SHA1")["UploadId"]
    parts = []
    for n, body in enumerate([PART1, PART2], start=1):
        r = client.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=n, Body=body)
        assert headers_of(r).get("x-amz-checksum-sha1") == checksum("SHA1", body)
        parts.append({"PartNumber": n, "ETag": r["ETag"]})
    listed = client.list_parts(Bucket=bucket, Key="k", UploadId=uid)
    assert [p.get("ChecksumSHA1") for p in listed["Parts"]] == [
        checksum("SHA1", PART1), checksum("SHA1", PART2)]
    done = client.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid,
                                            MultipartUpload={"Parts": parts})
    assert done.get("ChecksumSHA1") == composite("SHA1", [PART1, PART2])


def test_part_with_another_algorithms_checksum_is_refused(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm="CRC32C")["UploadId"]
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=PART2,
                       ChecksumAlgorithm="CRC32")
    assert error_code(e) == "InvalidRequest"
    assert "expected checksum Type: crc32c" in e.value.response["Error"]["Message"]


def test_head_with_part_number_returns_that_parts_checksum(s3, bucket):
    uid, parts = _checksummed_upload(s3, bucket, "k", "CRC32")
    s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid,
                                 MultipartUpload={"Parts": parts})
    for n, body in enumerate([PART1, PART2], start=1):
        head = s3.head_object(Bucket=bucket, Key="k", PartNumber=n, ChecksumMode="ENABLED")
        assert head.get("ChecksumCRC32") == checksum("CRC32", body)
        assert head["ContentLength"] == len(body)


def test_upload_part_copy_records_the_uploads_checksum(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=PART1 + PART2)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm="CRC32C")["UploadId"]
    copied = s3.upload_part_copy(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1,
                                 CopySource={"Bucket": bucket, "Key": "src"},
                                 CopySourceRange=f"bytes=0-{len(PART1) - 1}")
    assert copied["CopyPartResult"].get("ChecksumCRC32C") == checksum("CRC32C", PART1)
    r = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=2, Body=PART2,
                       ChecksumAlgorithm="CRC32C")
    parts = [{"PartNumber": 1, "ETag": copied["CopyPartResult"]["ETag"]},
             {"PartNumber": 2, "ETag": r["ETag"]}]
    done = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid,
                                        MultipartUpload={"Parts": parts})
    assert done.get("ChecksumCRC32C") == composite("CRC32C", [PART1, PART2])


def test_copy_of_composite_multipart_object_gets_full_object_checksum(s3, bucket):
    uid, parts = _checksummed_upload(s3, bucket, "src", "SHA256")
    s3.complete_multipart_upload(Bucket=bucket, Key="src", UploadId=uid,
                                 MultipartUpload={"Parts": parts})
    resp = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert resp["CopyObjectResult"].get("ChecksumSHA256") == checksum("SHA256", PART1 + PART2)
    head = s3.head_object(Bucket=bucket, Key="dst", ChecksumMode="ENABLED")
    assert head.get("ChecksumSHA256") == checksum("SHA256", PART1 + PART2)
    assert headers_of(head).get("x-amz-checksum-type") == "FULL_OBJECT"


# ---------------------------------------------------------------- copy


def test_copy_with_checksum_algorithm_computes_that_checksum(server, bucket):
    client = plain_client(server)
    client.put_object(Bucket=bucket, Key="src", Body=DATA)
    resp = client.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"},
                              ChecksumAlgorithm="SHA256")
    assert resp["CopyObjectResult"].get("ChecksumSHA256") == checksum("SHA256", DATA)
    head = client.head_object(Bucket=bucket, Key="dst", ChecksumMode="ENABLED")
    assert headers_of(head).get("x-amz-checksum-sha256") == checksum("SHA256", DATA)


def test_copy_keeps_source_checksum(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=DATA, ChecksumAlgorithm="SHA1")
    resp = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert resp["CopyObjectResult"]["ChecksumSHA1"] == checksum("SHA1", DATA)
    head = s3.head_object(Bucket=bucket, Key="dst", ChecksumMode="ENABLED")
    assert head["ChecksumSHA1"] == checksum("SHA1", DATA)
