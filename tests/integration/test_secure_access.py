"""Identity and protection together, over HTTPS with a test CA made by
openssl: a readonly user, a user confined to one prefix, STS credentials,
SSE-S3 and SSE-C, and a bucket policy on aws:SecureTransport."""

import base64
import hashlib
import json
import shutil

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from clihelpers import clean_env, run_cli
from conftest import ACCESS_KEY, REGION, SECRET_KEY, SILO_BIN, SiloServer, make_client
from tls import TestCA

pytestmark = pytest.mark.sdk_independent

KMS_KEY = "secure-test:" + base64.b64encode(b"s" * 32).decode()


@pytest.fixture
def https(tmp_path):
    ca = TestCA(tmp_path / "ca")
    certs = ca.issue(tmp_path / "certs")
    srv = SiloServer([tmp_path / f"d{i}" for i in range(1, 5)],
                     extra_args=["--certs-dir", str(certs)], ca_file=ca.cert,
                     env={"SILO_KMS_SECRET_KEY": KMS_KEY}).start()
    config = tmp_path / "cfg"
    (config / "certs" / "CAs").mkdir(parents=True)
    shutil.copy(ca.cert, config / "certs" / "CAs" / "test-ca.crt")
    env = clean_env(SILO_CONFIG_DIR=str(config))
    run_cli([SILO_BIN, "alias", "set", "s", srv.endpoint, ACCESS_KEY, SECRET_KEY], env)
    yield srv, ca, env
    srv.stop()


def admin(env, *args):
    return json.loads(run_cli([SILO_BIN, "admin", *args, "--json"], env).stdout)


def client(srv, ca, access, secret, token=None):
    return make_client(srv.endpoint, access_key=access, secret_key=secret, session_token=token,
                       verify=str(ca.cert))


def code_of(e):
    return e.value.response["Error"]["Code"]


def test_users_sessions_and_encryption_over_https(https, tmp_path):
    srv, ca, env = https
    root = client(srv, ca, ACCESS_KEY, SECRET_KEY)
    root.create_bucket(Bucket="vault")
    root.put_object(Bucket="vault", Key="public/readme", Body=b"hello")

    # A readonly user lists and reads, and writes nothing.
    run_cli([SILO_BIN, "admin", "user", "add", "s", "auditor", "auditor-secret"], env)
    run_cli([SILO_BIN, "admin", "policy", "attach", "s", "readonly", "--user", "auditor"], env)
    auditor = client(srv, ca, "auditor", "auditor-secret")
    assert auditor.get_object(Bucket="vault", Key="public/readme")["Body"].read() == b"hello"
    assert auditor.list_objects_v2(Bucket="vault")["KeyCount"] == 1
    with pytest.raises(ClientError) as e:
        auditor.put_object(Bucket="vault", Key="public/x", Body=b"x")
    assert code_of(e) == "AccessDenied"

    # A user confined to one prefix, whose policy also demands TLS.
    policy = tmp_path / "uploads.json"
    policy.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
         "Resource": "arn:aws:s3:::vault/uploads/*",
         "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}))
    run_cli([SILO_BIN, "admin", "policy", "create", "s", "uploads", str(policy)], env)
    run_cli([SILO_BIN, "admin", "user", "add", "s", "uploader", "uploader-secret"], env)
    run_cli([SILO_BIN, "admin", "policy", "attach", "s", "uploads", "--user", "uploader"], env)
    uploader = client(srv, ca, "uploader", "uploader-secret")
    uploader.put_object(Bucket="vault", Key="uploads/a", Body=b"a")
    with pytest.raises(ClientError) as e:
        uploader.put_object(Bucket="vault", Key="public/a", Body=b"a")
    assert code_of(e) == "AccessDenied"

    # STS over HTTPS: the session carries the uploader's permissions.
    sts = boto3.client("sts", endpoint_url=srv.endpoint, aws_access_key_id="uploader",
                       aws_secret_access_key="uploader-secret", region_name=REGION,
                       verify=str(ca.cert), config=Config(retries={"max_attempts": 1}))
    creds = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/x",
                            RoleSessionName="upload-job")["Credentials"]
    session = client(srv, ca, creds["AccessKeyId"], creds["SecretAccessKey"],
                     creds["SessionToken"])
    session.put_object(Bucket="vault", Key="uploads/by-session", Body=b"s")
    forged = creds["SessionToken"][:-2] + ("xx" if creds["SessionToken"][-2:] != "xx" else "yy")
    with pytest.raises(ClientError) as e:
        client(srv, ca, creds["AccessKeyId"], creds["SecretAccessKey"], forged).put_object(
            Bucket="vault", Key="uploads/forged", Body=b"f")
    assert code_of(e) == "InvalidToken"

    # SSE-S3 and SSE-C by the user, over TLS.
    out = uploader.put_object(Bucket="vault", Key="uploads/sealed", Body=b"secret data",
                              ServerSideEncryption="AES256")
    assert out["ServerSideEncryption"] == "AES256"
    got = uploader.get_object(Bucket="vault", Key="uploads/sealed")
    assert got["Body"].read() == b"secret data" and got["ServerSideEncryption"] == "AES256"
    key = b"c" * 32
    sse_c = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": base64.b64encode(key).decode(),
             "SSECustomerKeyMD5": base64.b64encode(hashlib.md5(key).digest()).decode()}
    uploader.put_object(Bucket="vault", Key="uploads/customer", Body=b"mine", **sse_c)
    assert uploader.get_object(Bucket="vault", Key="uploads/customer",
                               **sse_c)["Body"].read() == b"mine"
    with pytest.raises(ClientError) as e:
        uploader.get_object(Bucket="vault", Key="uploads/customer")
    assert code_of(e) == "InvalidRequest"

    # A bucket policy that refuses anything but TLS lets HTTPS through.
    root.put_bucket_policy(Bucket="vault", Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": ["arn:aws:s3:::vault", "arn:aws:s3:::vault/*"],
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))
    assert auditor.get_object(Bucket="vault", Key="public/readme")["Body"].read() == b"hello"
