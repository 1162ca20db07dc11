"""Server-side encryption: SSE-S3 (the built-in KMS of SILO_KMS_SECRET_KEY)
and SSE-C (customer keys), as boto3 sees them, and what reaches the drives."""

import base64
import hashlib
import os
import socket
import subprocess
import time
import uuid
from pathlib import Path

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, REGION, SECRET_KEY, SILO_BIN, SiloServer, error_code, free_port, status_code

KIB = 1024
MIB = 1024 * KIB
PACKAGE = 64 * KIB
KMS_KEY = "test-key:" + base64.b64encode(b"k" * 32).decode()
OTHER_KMS_KEY = "test-key:" + base64.b64encode(b"z" * 32).decode()
RENAMED_KMS_KEY = "new-key:" + base64.b64encode(b"k" * 32).decode()


def kms_env(key=KMS_KEY):
    return {"SILO_KMS_SECRET_KEY": key}


@pytest.fixture(scope="module")
def sse_server(tmp_path_factory):
    """A 4-drive erasure set (EC 2+2) with a KMS: shared by this module."""
    root = tmp_path_factory.mktemp("sse")
    srv = SiloServer([root / f"d{i}" for i in range(1, 5)], env=kms_env()).start()
    yield srv
    srv.stop()


@pytest.fixture
def s3e(sse_server):
    return sse_server.client()


@pytest.fixture
def eb(s3e):
    name = "sse-" + uuid.uuid4().hex[:16]
    s3e.create_bucket(Bucket=name)
    return name


def body(n, seed=0):
    """Incompressible bytes, reproducible per seed."""
    out = bytearray()
    block = hashlib.sha256(f"seed{seed}".encode()).digest()
    while len(out) < n:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:n])


def ckey(fill=b"c"):
    return {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": (fill * 32)[:32]}


def copy_ckey(fill=b"c"):
    return {"CopySourceSSECustomerAlgorithm": "AES256",
            "CopySourceSSECustomerKey": (fill * 32)[:32]}


def read(s3, bucket, key, **kw):
    return s3.get_object(Bucket=bucket, Key=key, **kw)["Body"].read()


def md5(data):
    return hashlib.md5(data).hexdigest()


# ---------------------------------------------------------------- SSE-S3

@pytest.mark.parametrize("size", [0, 1, 1000, PACKAGE, PACKAGE + 1, 200 * KIB, 3 * MIB + 7])
def test_sse_s3_put_get_head_answer_plaintext_size_etag_and_header(s3e, eb, size):
    data = body(size, size)
    put = s3e.put_object(Bucket=eb, Key="o", Body=data, ServerSideEncryption="AES256")
    assert put["ServerSideEncryption"] == "AES256"
    assert put["ETag"] == f'"{md5(data)}"', "single-part SSE-S3 ETag is the plaintext MD5"
    got = s3e.get_object(Bucket=eb, Key="o")
    assert got["ServerSideEncryption"] == "AES256"
    assert got["ContentLength"] == size
    assert got["Body"].read() == data
    head = s3e.head_object(Bucket=eb, Key="o")
    assert head["ServerSideEncryption"] == "AES256"
    assert head["ContentLength"] == size
    assert head["ETag"] == put["ETag"]
    assert not any(k.startswith("x-silo") for k in head["ResponseMetadata"]["HTTPHeaders"])
    assert head["Metadata"] == {}
    listed = s3e.list_objects_v2(Bucket=eb)["Contents"][0]
    assert listed["Size"] == size
    attrs = s3e.get_object_attributes(Bucket=eb, Key="o", ObjectAttributes=["ObjectSize", "ETag"])
    assert attrs["ObjectSize"] == size


def test_sse_s3_ranges_across_packages_and_stripes(s3e, eb):
    size = 2 * MIB + 3 * PACKAGE + 100
    data = body(size, 1)
    s3e.put_object(Bucket=eb, Key="r", Body=data, ServerSideEncryption="AES256")
    ranges = [(0, 0), (PACKAGE - 1, PACKAGE), (PACKAGE - 10, 3 * PACKAGE + 10),
              (MIB - 5, MIB + 5), (size - 1, size - 1), (12345, size - 1), (0, size - 1)]
    for a, b in ranges:
        got = s3e.get_object(Bucket=eb, Key="r", Range=f"bytes={a}-{b}")
        assert got["ContentRange"] == f"bytes {a}-{b}/{size}"
        assert got["Body"].read() == data[a:b + 1], (a, b)
    assert read(s3e, eb, "r", Range="bytes=-100") == data[-100:]
    with pytest.raises(ClientError) as e:
        s3e.get_object(Bucket=eb, Key="r", Range=f"bytes={size}-")
    assert error_code(e) == "InvalidRange"


def multipart(s3, bucket, key, parts, create=None, part_extra=None):
    create = create or {}
    part_extra = part_extra or {}
    up = s3.create_multipart_upload(Bucket=bucket, Key=key, **create)
    done = []
    for i, p in enumerate(parts, 1):
        r = s3.upload_part(Bucket=bucket, Key=key, UploadId=up["UploadId"], PartNumber=i,
                           Body=p, **part_extra)
        done.append({"PartNumber": i, "ETag": r["ETag"]})
    listed = s3.list_parts(Bucket=bucket, Key=key, UploadId=up["UploadId"])["Parts"]
    assert [p["Size"] for p in listed] == [len(p) for p in parts]
    return up, s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up["UploadId"],
                                            MultipartUpload={"Parts": done})


def test_sse_s3_multipart_reads_across_parts(s3e, eb):
    parts = [body(5 * MIB + 3, 1), body(5 * MIB, 2), body(70000, 3)]
    data = b"".join(parts)
    up, done = multipart(s3e, eb, "mp", parts, create={"ServerSideEncryption": "AES256"})
    assert up["ServerSideEncryption"] == "AES256"
    assert done["ServerSideEncryption"] == "AES256"
    assert done["ETag"].endswith('-3"')
    head = s3e.head_object(Bucket=eb, Key="mp")
    assert head["ContentLength"] == len(data)
    assert head["ServerSideEncryption"] == "AES256"
    assert read(s3e, eb, "mp") == data
    b1 = len(parts[0])
    b2 = b1 + len(parts[1])
    for a, b in [(b1 - 1, b1), (b1 - PACKAGE, b2 + PACKAGE), (b2 - 3, len(data) - 1), (0, 10)]:
        assert read(s3e, eb, "mp", Range=f"bytes={a}-{b}") == data[a:b + 1], (a, b)
    p2 = s3e.get_object(Bucket=eb, Key="mp", PartNumber=2)
    assert p2["ContentLength"] == len(parts[1])
    assert p2["Body"].read() == parts[1]
    attrs = s3e.get_object_attributes(Bucket=eb, Key="mp",
                                      ObjectAttributes=["ObjectSize", "ObjectParts"])
    assert attrs["ObjectSize"] == len(data)
    assert [p["Size"] for p in attrs["ObjectParts"]["Parts"]] == [len(p) for p in parts]


def test_sse_s3_part_uploaded_twice_reads_the_second(s3e, eb):
    key = "again"
    up = s3e.create_multipart_upload(Bucket=eb, Key=key, ServerSideEncryption="AES256")
    first, second = body(5 * MIB, 7), body(5 * MIB, 8)
    s3e.upload_part(Bucket=eb, Key=key, UploadId=up["UploadId"], PartNumber=1, Body=first)
    r = s3e.upload_part(Bucket=eb, Key=key, UploadId=up["UploadId"], PartNumber=1, Body=second)
    assert r["ServerSideEncryption"] == "AES256"
    s3e.complete_multipart_upload(Bucket=eb, Key=key, UploadId=up["UploadId"],
                                  MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": r["ETag"]}]})
    assert read(s3e, eb, key) == second


def test_bucket_default_encryption_applies_to_plain_writes(s3e, eb):
    for algorithm in ["AES256", "aws:kms"]:
        s3e.put_bucket_encryption(Bucket=eb, ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": algorithm}}]})
        data = body(1000, 5)
        put = s3e.put_object(Bucket=eb, Key="d-" + algorithm, Body=data)
        # aws:kms is served by the built-in KMS too, answered as AES256.
        assert put["ServerSideEncryption"] == "AES256"
        assert s3e.head_object(Bucket=eb, Key="d-" + algorithm)["ServerSideEncryption"] == "AES256"
        assert read(s3e, eb, "d-" + algorithm) == data
    up, done = multipart(s3e, eb, "d-mp", [body(5 * MIB, 1), body(10, 2)])
    assert up["ServerSideEncryption"] == "AES256"
    assert s3e.head_object(Bucket=eb, Key="d-mp")["ServerSideEncryption"] == "AES256"
    # SSE-C in the request wins over the bucket default.
    s3e.put_object(Bucket=eb, Key="d-c", Body=b"x", **ckey())
    head = s3e.head_object(Bucket=eb, Key="d-c", **ckey())
    assert "ServerSideEncryption" not in head
    assert head["SSECustomerAlgorithm"] == "AES256"
    s3e.delete_bucket_encryption(Bucket=eb)
    assert "ServerSideEncryption" not in s3e.put_object(Bucket=eb, Key="plain", Body=b"p")


def test_sse_s3_header_on_a_read_is_invalid_argument(s3e, eb):
    s3e.put_object(Bucket=eb, Key="o", Body=b"x", ServerSideEncryption="AES256")
    add = lambda params, **kw: params["headers"].update({"x-amz-server-side-encryption": "AES256"})
    s3e.meta.events.register("before-call.s3.HeadObject", add)
    with pytest.raises(ClientError) as e:
        s3e.head_object(Bucket=eb, Key="o")
    assert status_code(e) == 400


def test_bad_sse_header_value_is_invalid_argument(s3e, eb):
    with pytest.raises(ClientError) as e:
        s3e.put_object(Bucket=eb, Key="x", Body=b"x", ServerSideEncryption="AES128")
    assert (status_code(e), error_code(e)) == (400, "InvalidArgument")
    with pytest.raises(ClientError) as e:
        s3e.put_object(Bucket=eb, Key="x", Body=b"x", ServerSideEncryption="AES256", **ckey())
    assert (status_code(e), error_code(e)) == (400, "InvalidArgument")


def test_sse_s3_without_kms_is_refused_with_what_to_set(make_server, tmp_path):
    srv = make_server([tmp_path / "d1"])
    s3 = srv.client()
    s3.create_bucket(Bucket="nokms")
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket="nokms", Key="x", Body=b"x", ServerSideEncryption="AES256")
    assert (status_code(e), error_code(e)) == (501, "NotImplemented")
    assert "SILO_KMS_SECRET_KEY" in e.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as e:
        s3.create_multipart_upload(Bucket="nokms", Key="x", ServerSideEncryption="AES256")
    assert status_code(e) == 501
    s3.put_bucket_encryption(Bucket="nokms", ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket="nokms", Key="x", Body=b"x")
    assert status_code(e) == 501
    # SSE-C needs no KMS.
    s3.put_object(Bucket="nokms", Key="c", Body=b"c", **ckey())
    assert read(s3, "nokms", "c", **ckey()) == b"c"


def test_malformed_kms_config_stops_the_start(tmp_path):
    port = free_port()
    env = dict(os.environ, SILO_ROOT_USER=ACCESS_KEY, SILO_ROOT_PASSWORD=SECRET_KEY,
               SILO_KMS_SECRET_KEY="k:" + base64.b64encode(b"short").decode())
    r = subprocess.run([str(SILO_BIN), "server", "--address", f"127.0.0.1:{port}",
                        str(tmp_path / "d")], env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "SILO_KMS_SECRET_KEY" in r.stderr and "short" not in r.stderr


# ---------------------------------------------------------------- copies

MODES = ["plain", "s3", "c"]


def write_args(mode, fill=b"c"):
    return {"plain": {}, "s3": {"ServerSideEncryption": "AES256"}, "c": ckey(fill)}[mode]


@pytest.mark.parametrize("src", MODES)
@pytest.mark.parametrize("dst", MODES)
def test_copy_reencrypts_for_the_destination(s3e, eb, src, dst):
    data = body(300 * KIB + 5, 11)
    s3e.put_object(Bucket=eb, Key="src", Body=data, **write_args(src, b"a"))
    extra = copy_ckey(b"a") if src == "c" else {}
    r = s3e.copy_object(Bucket=eb, Key="dst", CopySource={"Bucket": eb, "Key": "src"},
                        **extra, **write_args(dst, b"b"))
    if dst == "s3":
        assert r["ServerSideEncryption"] == "AES256"
        assert r["CopyObjectResult"]["ETag"] == f'"{md5(data)}"'
    assert read(s3e, eb, "dst", **(ckey(b"b") if dst == "c" else {})) == data
    head = s3e.head_object(Bucket=eb, Key="dst", **(ckey(b"b") if dst == "c" else {}))
    assert head["ContentLength"] == len(data)
    assert head.get("ServerSideEncryption") == ("AES256" if dst == "s3" else None)
    if dst != "c":
        with pytest.raises(ClientError) as e:
            s3e.get_object(Bucket=eb, Key="dst", **ckey(b"b"))
        assert status_code(e) == 400
    if src == "c":
        with pytest.raises(ClientError) as e:  # the source's key is needed
            s3e.copy_object(Bucket=eb, Key="dst2", CopySource={"Bucket": eb, "Key": "src"})
        assert status_code(e) == 400


def test_copy_to_itself_replacing_metadata_keeps_it_readable(s3e, eb):
    data = body(200 * KIB, 12)
    s3e.put_object(Bucket=eb, Key="self", Body=data, ServerSideEncryption="AES256",
                   Metadata={"a": "1"})
    s3e.copy_object(Bucket=eb, Key="self", CopySource={"Bucket": eb, "Key": "self"},
                    MetadataDirective="REPLACE", Metadata={"b": "2"},
                    ServerSideEncryption="AES256")
    head = s3e.head_object(Bucket=eb, Key="self")
    assert head["Metadata"] == {"b": "2"}
    assert head["ServerSideEncryption"] == "AES256"
    assert read(s3e, eb, "self") == data
    # SSE-C to itself with a new key.
    s3e.put_object(Bucket=eb, Key="cself", Body=data, **ckey(b"1"))
    s3e.copy_object(Bucket=eb, Key="cself", CopySource={"Bucket": eb, "Key": "cself"},
                    **copy_ckey(b"1"), **ckey(b"2"))
    assert read(s3e, eb, "cself", **ckey(b"2")) == data
    with pytest.raises(ClientError) as e:
        s3e.get_object(Bucket=eb, Key="cself", **ckey(b"1"))
    assert status_code(e) == 403


def test_upload_part_copy_from_encrypted_source(s3e, eb):
    src = body(6 * MIB, 13)
    s3e.put_object(Bucket=eb, Key="src", Body=src, **ckey(b"s"))
    up = s3e.create_multipart_upload(Bucket=eb, Key="pc", ServerSideEncryption="AES256")
    r1 = s3e.upload_part_copy(Bucket=eb, Key="pc", UploadId=up["UploadId"], PartNumber=1,
                              CopySource={"Bucket": eb, "Key": "src"},
                              CopySourceRange=f"bytes=0-{5 * MIB}", **copy_ckey(b"s"))
    r2 = s3e.upload_part_copy(Bucket=eb, Key="pc", UploadId=up["UploadId"], PartNumber=2,
                              CopySource={"Bucket": eb, "Key": "src"},
                              CopySourceRange=f"bytes={5 * MIB + 1}-{6 * MIB - 1}",
                              **copy_ckey(b"s"))
    s3e.complete_multipart_upload(Bucket=eb, Key="pc", UploadId=up["UploadId"], MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": r1["CopyPartResult"]["ETag"]},
                  {"PartNumber": 2, "ETag": r2["CopyPartResult"]["ETag"]}]})
    assert read(s3e, eb, "pc") == src
    assert s3e.head_object(Bucket=eb, Key="pc")["ServerSideEncryption"] == "AES256"


# ---------------------------------------------------------------- SSE-C

def test_sse_c_put_get_head_echo_algorithm_and_key_md5(s3e, eb):
    data = body(150 * KIB, 21)
    put = s3e.put_object(Bucket=eb, Key="c", Body=data, **ckey())
    key_md5 = base64.b64encode(hashlib.md5(b"c" * 32).digest()).decode()
    assert put["SSECustomerAlgorithm"] == "AES256"
    assert put["SSECustomerKeyMD5"] == key_md5
    assert put["ETag"] != f'"{md5(data)}"', "an SSE-C ETag says nothing about the plaintext"
    got = s3e.get_object(Bucket=eb, Key="c", **ckey())
    assert got["SSECustomerKeyMD5"] == key_md5
    assert got["Body"].read() == data
    head = s3e.head_object(Bucket=eb, Key="c", **ckey())
    assert head["ContentLength"] == len(data)
    assert head["SSECustomerAlgorithm"] == "AES256"
    assert read(s3e, eb, "c", Range="bytes=70000-140000", **ckey()) == data[70000:140001]
    assert s3e.list_objects_v2(Bucket=eb)["Contents"][0]["Size"] == len(data)


def test_sse_c_missing_and_wrong_keys(s3e, eb):
    s3e.put_object(Bucket=eb, Key="c", Body=b"secret", **ckey())
    for call in (s3e.get_object, s3e.head_object):
        with pytest.raises(ClientError) as e:
            call(Bucket=eb, Key="c")
        assert status_code(e) == 400
        with pytest.raises(ClientError) as e:
            call(Bucket=eb, Key="c", **ckey(b"w"))
        assert status_code(e) == 403
    with pytest.raises(ClientError) as e:
        s3e.get_object(Bucket=eb, Key="c")
    assert error_code(e) == "InvalidRequest"
    with pytest.raises(ClientError) as e:
        s3e.get_object(Bucket=eb, Key="c", **ckey(b"w"))
    assert error_code(e) == "AccessDenied"
    # Customer keys on an object that has none.
    s3e.put_object(Bucket=eb, Key="p", Body=b"plain")
    with pytest.raises(ClientError) as e:
        s3e.get_object(Bucket=eb, Key="p", **ckey())
    assert (status_code(e), error_code(e)) == (400, "InvalidRequest")


def raw_put(server, bucket, key, headers):
    """A PUT with exactly these SSE-C headers (boto3 would compute them)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    url = f"{server.endpoint}/{bucket}/{key}"
    req = AWSRequest(method="PUT", url=url, data=b"data",
                     headers={"x-amz-content-sha256": hashlib.sha256(b"data").hexdigest(), **headers})
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", REGION).add_auth(req)
    p = req.prepare()
    return requests.put(p.url, headers=dict(p.headers), data=b"data", timeout=10)


@pytest.mark.parametrize("case,message", [
    ("bad-algorithm", "valid encryption algorithm"),
    ("no-key", "appropriate secret key"),
    ("bad-base64", "secret key was invalid"),
    ("short-key", "secret key was invalid"),
    ("no-md5", "calculated MD5 of the secret key"),
    ("wrong-md5", "did not match the hash"),
])
def test_sse_c_malformed_key_headers_are_invalid_argument(sse_server, eb, case, message):
    key = b"q" * 32
    h = {"x-amz-server-side-encryption-customer-algorithm": "AES256",
         "x-amz-server-side-encryption-customer-key": base64.b64encode(key).decode(),
         "x-amz-server-side-encryption-customer-key-MD5":
             base64.b64encode(hashlib.md5(key).digest()).decode()}
    if case == "bad-algorithm":
        h["x-amz-server-side-encryption-customer-algorithm"] = "AES128"
    elif case == "no-key":
        del h["x-amz-server-side-encryption-customer-key"]
    elif case == "bad-base64":
        h["x-amz-server-side-encryption-customer-key"] = "!!notbase64!!"
    elif case == "short-key":
        short = b"q" * 16
        h["x-amz-server-side-encryption-customer-key"] = base64.b64encode(short).decode()
        h["x-amz-server-side-encryption-customer-key-MD5"] = base64.b64encode(
            hashlib.md5(short).digest()).decode()
    elif case == "no-md5":
        del h["x-amz-server-side-encryption-customer-key-MD5"]
    elif case == "wrong-md5":
        h["x-amz-server-side-encryption-customer-key-MD5"] = base64.b64encode(b"0" * 16).decode()
    r = raw_put(sse_server, eb, "k", h)
    assert r.status_code == 400, r.text
    assert "<Code>InvalidArgument</Code>" in r.text
    assert message in r.text


def test_sse_c_multipart_needs_the_key_on_every_part(s3e, eb):
    parts = [body(5 * MIB, 31), body(1234, 32)]
    up, done = multipart(s3e, eb, "cmp", parts, create=ckey(), part_extra=ckey())
    assert up["SSECustomerAlgorithm"] == "AES256"
    data = b"".join(parts)
    assert read(s3e, eb, "cmp", **ckey()) == data
    a = 5 * MIB - 100
    assert read(s3e, eb, "cmp", Range=f"bytes={a}-{a + 200}", **ckey()) == data[a:a + 201]
    with pytest.raises(ClientError) as e:
        s3e.get_object(Bucket=eb, Key="cmp", **ckey(b"x"))
    assert status_code(e) == 403
    up2 = s3e.create_multipart_upload(Bucket=eb, Key="cmp2", **ckey())
    with pytest.raises(ClientError) as e:
        s3e.upload_part(Bucket=eb, Key="cmp2", UploadId=up2["UploadId"], PartNumber=1, Body=b"x")
    assert status_code(e) == 400
    with pytest.raises(ClientError) as e:
        s3e.upload_part(Bucket=eb, Key="cmp2", UploadId=up2["UploadId"], PartNumber=1, Body=b"x",
                        **ckey(b"o"))
    assert (status_code(e), error_code(e)) == (400, "InvalidRequest")
    assert "did not match the ones used originally" in e.value.response["Error"]["Message"]


def non_loopback_address():
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent: picks the outgoing interface
            addr = s.getsockname()[0]
    except OSError:
        return None
    return None if addr.startswith("127.") else addr


def test_sse_c_over_plain_http_from_another_host_is_refused(tmp_path):
    addr = non_loopback_address()
    if not addr:
        pytest.skip("no non-loopback interface")
    port = free_port()
    env = dict(os.environ, SILO_ROOT_USER=ACCESS_KEY, SILO_ROOT_PASSWORD=SECRET_KEY, **kms_env())
    log = open(tmp_path / "log", "wb")
    proc = subprocess.Popen([str(SILO_BIN), "server", "--address", f"0.0.0.0:{port}",
                             str(tmp_path / "d")], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        endpoint = f"http://{addr}:{port}"
        for _ in range(200):
            try:
                if requests.get(endpoint + "/silo/health/live", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.05)
        s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY,
                          aws_secret_access_key=SECRET_KEY, region_name=REGION,
                          config=Config(s3={"addressing_style": "path"},
                                        retries={"max_attempts": 1, "mode": "standard"}))
        s3.create_bucket(Bucket="remote")
        with pytest.raises(ClientError) as e:
            s3.put_object(Bucket="remote", Key="c", Body=b"x", **ckey())
        assert (status_code(e), error_code(e)) == (400, "InvalidRequest")
        assert "secure connection" in e.value.response["Error"]["Message"]
        # SSE-S3 carries no key: fine over plain HTTP.
        s3.put_object(Bucket="remote", Key="s", Body=b"x", ServerSideEncryption="AES256")
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


# ---------------------------------------------------------------- at rest

def files_containing(roots, marker):
    hits = []
    for root in roots:
        for dirpath, _, names in os.walk(root):
            for n in names:
                p = Path(dirpath) / n
                try:
                    if marker in p.read_bytes():
                        hits.append(str(p))
                except OSError:
                    pass
    return hits


def marked(size, marker, seed):
    """Random bytes with `marker` at the start, in the middle and at the end."""
    data = bytearray(body(size, seed))
    for at in (0, size // 2, size - len(marker)):
        data[at:at + len(marker)] = marker
    return bytes(data)


def test_no_plaintext_reaches_the_drives(make_server, tmp_path):
    drives = [tmp_path / f"d{i}" for i in range(1, 5)]
    srv = make_server(drives, env=kms_env())
    s3 = srv.client()
    s3.create_bucket(Bucket="rest")
    secret = b"SILO-SECRET-MARKER-" + uuid.uuid4().hex.encode()
    control = b"SILO-CONTROL-MARKER-" + uuid.uuid4().hex.encode()
    # Small objects are inlined in the metadata records (RocksDB), larger
    # ones go to shard files; both, for each kind of encryption.
    for size in (2 * KIB, 3 * MIB):
        s3.put_object(Bucket="rest", Key=f"s3-{size}", Body=marked(size, secret, 1),
                      ServerSideEncryption="AES256")
        s3.put_object(Bucket="rest", Key=f"c-{size}", Body=marked(size, secret, 2), **ckey())
    multipart(s3, "rest", "mp", [marked(5 * MIB, secret, 3), marked(1000, secret, 4)],
              create={"ServerSideEncryption": "AES256"})
    multipart(s3, "rest", "cmp", [marked(5 * MIB, secret, 5), marked(1000, secret, 6)],
              create=ckey(), part_extra=ckey())
    s3.copy_object(Bucket="rest", Key="copied", CopySource={"Bucket": "rest", "Key": "c-2048"},
                   ServerSideEncryption="AES256", **copy_ckey())
    s3.put_object(Bucket="rest", Key="control-small", Body=marked(2 * KIB, control, 7))
    s3.put_object(Bucket="rest", Key="control-large", Body=marked(3 * MIB, control, 8))
    assert read(s3, "rest", "copied") == marked(2 * KIB, secret, 2)
    srv.stop()  # memtables flushed or in the WAL: every byte is on disk now
    assert files_containing(drives, control), "the search must find unencrypted data"
    assert files_containing(drives, secret) == []
    # Nor does the customer key or the KMS key appear anywhere.
    assert files_containing(drives, b"c" * 32) == []
    assert files_containing(drives, base64.b64encode(b"c" * 32)) == []
    assert files_containing(drives, b"k" * 32) == []


def shard_files(drive):
    return sorted(p for p in (Path(drive) / "data").rglob("part.*") if p.is_file())


def flip(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0xFF]))


def test_corrupted_shard_fails_the_read_without_parity(make_server, tmp_path):
    srv = make_server([tmp_path / "d1"], env=kms_env())
    s3 = srv.client()
    s3.create_bucket(Bucket="rot")
    data = body(3 * MIB, 41)
    s3.put_object(Bucket="rot", Key="o", Body=data, ServerSideEncryption="AES256")
    files = shard_files(tmp_path / "d1")
    assert len(files) == 1
    flip(files[0], files[0].stat().st_size // 2)
    try:
        got = read(s3, "rot", "o")
    except Exception:  # an error status, or a response cut short
        got = None
    assert got is None or got == data, "a corrupt object must never read as other bytes"
    assert got is None


def test_corrupted_shard_is_read_around_with_parity(make_server, tmp_path):
    drives = [tmp_path / f"d{i}" for i in range(1, 5)]
    srv = make_server(drives, env=kms_env())
    s3 = srv.client()
    s3.create_bucket(Bucket="rot")
    data = body(3 * MIB, 42)
    s3.put_object(Bucket="rot", Key="o", Body=data, ServerSideEncryption="AES256")
    files = shard_files(drives[0])
    assert files
    flip(files[0], files[0].stat().st_size // 2)
    assert read(s3, "rot", "o") == data


def test_restart_keeps_objects_readable_and_another_kms_key_is_named(make_server, tmp_path):
    drives = [tmp_path / "d1"]
    srv = make_server(drives, env=kms_env())
    s3 = srv.client()
    s3.create_bucket(Bucket="keep")
    data = body(300 * KIB, 51)
    s3.put_object(Bucket="keep", Key="o", Body=data, ServerSideEncryption="AES256")
    s3.put_object(Bucket="keep", Key="c", Body=data, **ckey())
    srv.stop()
    srv = make_server(drives, env=kms_env())
    s3 = srv.client()
    assert read(s3, "keep", "o") == data
    assert read(s3, "keep", "c", **ckey()) == data
    srv.stop()
    for key, says in [(OTHER_KMS_KEY, "not the key the object was written with"),
                      (RENAMED_KMS_KEY, "'test-key'")]:
        srv = make_server(drives, env=kms_env(key))
        s3 = srv.client()
        with pytest.raises(ClientError) as e:
            s3.get_object(Bucket="keep", Key="o")
        assert status_code(e) == 500
        assert says in e.value.response["Error"]["Message"]
        assert read(s3, "keep", "c", **ckey()) == data  # SSE-C needs no KMS
        srv.stop()
    srv = make_server(drives)  # no KMS at all
    with pytest.raises(ClientError) as e:
        srv.client().head_object(Bucket="keep", Key="o")
    assert status_code(e) == 501


def test_post_form_upload_with_sse_field(s3e, eb, sse_server):
    post = s3e.generate_presigned_post(
        eb, "form", Fields={"x-amz-server-side-encryption": "AES256"},
        Conditions=[{"x-amz-server-side-encryption": "AES256"}])
    r = requests.post(post["url"], data=post["fields"], files={"file": ("f", b"form body")},
                      timeout=10)
    assert r.status_code == 204, r.text
    assert r.headers["x-amz-server-side-encryption"] == "AES256"
    assert s3e.head_object(Bucket=eb, Key="form")["ServerSideEncryption"] == "AES256"
    assert read(s3e, eb, "form") == b"form body"
