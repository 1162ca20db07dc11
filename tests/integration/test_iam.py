"""IAM: users, groups, policies and access keys made with `silo admin`, then
used by boto3; STS AssumeRole through boto3's STS client; the state kept
sealed in the deployment and shared by every node of a cluster."""

import hashlib
import json
import os
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from clihelpers import clean_env, run_cli
from conftest import ACCESS_KEY, REGION, SECRET_KEY, SILO_BIN, make_client

pytestmark = pytest.mark.sdk_independent


class Admin:
    """`silo admin ...` against one server through the alias `t`."""

    def __init__(self, endpoint, config_dir, access=ACCESS_KEY, secret=SECRET_KEY):
        host = endpoint.split("://", 1)[1]
        self.env = clean_env(SILO_CONFIG_DIR=str(config_dir),
                             SILO_ALIAS_t=f"http://{access}:{secret}@{host}")

    def __call__(self, *args, check=True):
        return run_cli([SILO_BIN, "admin", *args], self.env, check=check)

    def json(self, *args):
        r = self(*args, "--json")
        return json.loads(r.stdout)


def code_of(exc_info):
    return exc_info.value.response["Error"]["Code"]


@pytest.fixture
def srv(make_server):
    return make_server()


@pytest.fixture
def admin(srv, tmp_path):
    return Admin(srv.endpoint, tmp_path / "cfg")


def add_user(admin, name, secret, *policies):
    admin("user", "add", "t", name, secret)
    if policies:
        admin("policy", "attach", "t", *policies, "--user", name)


def test_readonly_user_lists_and_reads_but_cannot_write(srv, admin):
    root = srv.client()
    root.create_bucket(Bucket="photos")
    root.put_object(Bucket="photos", Key="cat.jpg", Body=b"meow")
    add_user(admin, "reader", "reader-secret-1", "readonly")
    reader = make_client(srv.endpoint, access_key="reader", secret_key="reader-secret-1")

    assert [b["Name"] for b in reader.list_buckets()["Buckets"]] == ["photos"]
    assert [o["Key"] for o in reader.list_objects_v2(Bucket="photos")["Contents"]] == ["cat.jpg"]
    assert reader.get_object(Bucket="photos", Key="cat.jpg")["Body"].read() == b"meow"
    for call in (lambda: reader.put_object(Bucket="photos", Key="dog.jpg", Body=b"woof"),
                 lambda: reader.delete_object(Bucket="photos", Key="cat.jpg"),
                 lambda: reader.create_bucket(Bucket="mine"),
                 lambda: reader.put_bucket_tagging(
                     Bucket="photos", Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})):
        with pytest.raises(ClientError) as e:
            call()
        assert code_of(e) == "AccessDenied"
    # DeleteObjects is judged key by key.
    out = reader.delete_objects(Bucket="photos", Delete={"Objects": [{"Key": "cat.jpg"}]})
    assert [e["Code"] for e in out.get("Errors", [])] == ["AccessDenied"]
    assert root.head_object(Bucket="photos", Key="cat.jpg")["ContentLength"] == 4


def test_user_without_policy_may_do_nothing_and_missing_keys_stay_hidden(srv, admin):
    srv.client().create_bucket(Bucket="secret")
    add_user(admin, "nobody", "nobody-secret-1")
    nobody = make_client(srv.endpoint, access_key="nobody", secret_key="nobody-secret-1")
    for call in (lambda: nobody.list_buckets(),
                 lambda: nobody.list_objects_v2(Bucket="secret"),
                 lambda: nobody.get_object(Bucket="secret", Key="missing")):
        with pytest.raises(ClientError) as e:
            call()
        assert code_of(e) == "AccessDenied"


def test_custom_policy_limited_to_one_prefix(srv, admin, tmp_path):
    root = srv.client()
    root.create_bucket(Bucket="shared")
    root.put_object(Bucket="shared", Key="other/x", Body=b"x")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
             "Resource": ["arn:aws:s3:::shared/team/*"]},
            {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::shared"],
             "Condition": {"StringLike": {"s3:prefix": ["team/*"]}}},
        ],
    }
    path = tmp_path / "team.json"
    path.write_text(json.dumps(policy))
    admin("policy", "create", "t", "team-only", str(path))
    add_user(admin, "ana", "ana-secret-12", "team-only")
    ana = make_client(srv.endpoint, access_key="ana", secret_key="ana-secret-12")

    ana.put_object(Bucket="shared", Key="team/plan.txt", Body=b"plan")
    assert ana.get_object(Bucket="shared", Key="team/plan.txt")["Body"].read() == b"plan"
    listed = ana.list_objects_v2(Bucket="shared", Prefix="team/")
    assert [o["Key"] for o in listed["Contents"]] == ["team/plan.txt"]
    for call in (lambda: ana.put_object(Bucket="shared", Key="other/y", Body=b"y"),
                 lambda: ana.get_object(Bucket="shared", Key="other/x"),
                 lambda: ana.list_objects_v2(Bucket="shared"),
                 lambda: ana.list_objects_v2(Bucket="shared", Prefix="other/")):
        with pytest.raises(ClientError) as e:
            call()
        assert code_of(e) == "AccessDenied"
    # A copy needs GetObject on its source too.
    with pytest.raises(ClientError) as e:
        ana.copy_object(Bucket="shared", Key="team/stolen",
                        CopySource={"Bucket": "shared", "Key": "other/x"})
    assert code_of(e) == "AccessDenied"
    ana.copy_object(Bucket="shared", Key="team/copy",
                    CopySource={"Bucket": "shared", "Key": "team/plan.txt"})

    info = admin.json("policy", "info", "t", "team-only")
    assert info["policy"] == policy and info["users"] == ["ana"]


def test_groups_grant_their_policies_while_enabled(srv, admin):
    srv.client().create_bucket(Bucket="grp")
    add_user(admin, "gus", "gus-secret-12")
    gus = make_client(srv.endpoint, access_key="gus", secret_key="gus-secret-12")
    admin("group", "add", "t", "writers", "gus")
    admin("policy", "attach", "t", "readwrite", "--group", "writers")
    gus.put_object(Bucket="grp", Key="k", Body=b"v")

    info = admin.json("group", "info", "t", "writers")
    assert info["members"] == ["gus"] and info["policies"] == ["readwrite"]
    assert admin.json("user", "info", "t", "gus")["memberOf"] == ["writers"]

    admin("group", "disable", "t", "writers")
    with pytest.raises(ClientError) as e:
        gus.put_object(Bucket="grp", Key="k2", Body=b"v")
    assert code_of(e) == "AccessDenied"
    admin("group", "enable", "t", "writers")
    gus.put_object(Bucket="grp", Key="k2", Body=b"v")

    # A group with members is not removed; without them it is.
    r = admin("group", "remove", "t", "writers", check=False)
    assert r.returncode == 1 and "XSiloAdminGroupNotEmpty" in r.stderr
    admin("group", "remove", "t", "writers", "gus")
    admin("group", "remove", "t", "writers")
    assert admin.json("group", "list", "t")["groups"] == []
    with pytest.raises(ClientError):
        gus.put_object(Bucket="grp", Key="k3", Body=b"v")


def test_disabled_and_removed_users_are_refused(srv, admin):
    add_user(admin, "temp", "temp-secret-1", "readwrite")
    temp = make_client(srv.endpoint, access_key="temp", secret_key="temp-secret-1")
    temp.list_buckets()
    admin("user", "disable", "t", "temp")
    with pytest.raises(ClientError) as e:
        temp.list_buckets()
    assert code_of(e) == "InvalidAccessKeyId"
    users = admin.json("user", "list", "t")["users"]
    assert users == [{"accessKey": "temp", "status": "disabled", "policies": ["readwrite"],
                      "memberOf": []}]
    admin("user", "enable", "t", "temp")
    temp.list_buckets()
    admin("user", "remove", "t", "temp")
    with pytest.raises(ClientError) as e:
        temp.list_buckets()
    assert code_of(e) == "InvalidAccessKeyId"
    r = admin("user", "info", "t", "temp", check=False)
    assert r.returncode == 1 and "XSiloAdminNoSuchUser" in r.stderr


def test_access_keys_act_for_their_user_within_their_own_policy(srv, admin, tmp_path):
    root = srv.client()
    root.create_bucket(Bucket="backups")
    root.create_bucket(Bucket="other")
    add_user(admin, "backup", "backup-secret", "readwrite")
    narrow = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": ["arn:aws:s3:::backups/*"]}]}
    path = tmp_path / "narrow.json"
    path.write_text(json.dumps(narrow))
    made = admin.json("accesskey", "create", "t", "backup", "--policy", str(path),
                      "--name", "nightly")
    key, secret = made["accessKey"], made["secretKey"]
    assert len(key) == 20 and made["parent"] == "backup"
    job = make_client(srv.endpoint, access_key=key, secret_key=secret)
    job.put_object(Bucket="backups", Key="db.dump", Body=b"dump")
    for call in (lambda: job.get_object(Bucket="backups", Key="db.dump"),
                 lambda: job.put_object(Bucket="other", Key="x", Body=b"x")):
        with pytest.raises(ClientError) as e:
            call()
        assert code_of(e) == "AccessDenied"

    listed = admin.json("accesskey", "list", "t", "backup")["accessKeys"]
    assert [k["accessKey"] for k in listed] == [key]
    info = admin.json("accesskey", "info", "t", key)
    assert info["policy"] == narrow and info["name"] == "nightly"
    # A key of the user's own, made by the user itself, without admin rights.
    as_user = Admin(srv.endpoint, tmp_path / "cfg-user", "backup", "backup-secret")
    own = as_user.json("accesskey", "create", "t", "--access-key", "backup-own",
                       "--secret-key", "own-secret-1")
    assert own["accessKey"] == "backup-own"
    make_client(srv.endpoint, access_key="backup-own", secret_key="own-secret-1").list_buckets()
    r = as_user("user", "list", "t", "--json", check=False)
    assert r.returncode == 1 and "AccessDenied" in r.stdout
    r = as_user("accesskey", "create", "t", "root-owned", check=False)
    assert r.returncode == 1
    # Even a user allowed to make keys for others cannot make one of the root user's.
    admin("policy", "attach", "t", "consoleAdmin", "--user", "backup")
    r = as_user("accesskey", "create", "t", ACCESS_KEY, check=False)
    assert r.returncode == 1 and "AccessDenied" in r.stderr
    admin("policy", "detach", "t", "consoleAdmin", "--user", "backup")

    # Removing the user takes its keys along.
    admin("user", "remove", "t", "backup")
    with pytest.raises(ClientError) as e:
        job.list_buckets()
    assert code_of(e) == "InvalidAccessKeyId"


def test_expired_access_key_is_refused(srv, admin):
    made = admin.json("accesskey", "create", "t", "--expiry-duration", "3s")
    key = make_client(srv.endpoint, access_key=made["accessKey"], secret_key=made["secretKey"])
    key.list_buckets()
    time.sleep(3.5)
    with pytest.raises(ClientError) as e:
        key.list_buckets()
    assert code_of(e) == "InvalidAccessKeyId"


def test_policy_commands_check_their_input(srv, admin, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", '
                   '"Principal": "*", "Resource": "*"}]}')
    r = admin("policy", "create", "t", "bad", str(bad), check=False)
    assert r.returncode == 1 and "MalformedPolicy" in r.stderr
    r = admin("policy", "remove", "t", "readonly", check=False)
    assert r.returncode == 1 and "built-in" in r.stderr
    add_user(admin, "pat", "pat-secret-12")
    r = admin("policy", "attach", "t", "nope", "--user", "pat", check=False)
    assert r.returncode == 1 and "XSiloAdminNoSuchPolicy" in r.stderr
    r = admin("user", "add", "t", "x", "short", check=False)
    assert r.returncode == 1 and "3 to 128" in r.stderr
    names = {p["name"] for p in admin.json("policy", "list", "t")["policies"]}
    assert {"readonly", "readwrite", "writeonly", "diagnostics", "consoleAdmin"} <= names
    # A removed policy is detached from everyone.
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}))
    admin("policy", "create", "t", "lister", str(good))
    admin("policy", "attach", "t", "lister", "--user", "pat")
    make_client(srv.endpoint, access_key="pat", secret_key="pat-secret-12").list_buckets()
    admin("policy", "remove", "t", "lister")
    assert admin.json("user", "info", "t", "pat")["policies"] == []


def test_bucket_policy_can_grant_a_user_by_arn(srv, admin):
    root = srv.client()
    root.create_bucket(Bucket="team")
    root.put_object(Bucket="team", Key="doc", Body=b"d")
    add_user(admin, "bob", "bob-secret-12")
    root.put_bucket_policy(Bucket="team", Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam:::user/bob"]},
             "Action": "s3:GetObject", "Resource": "arn:aws:s3:::team/*"}]}))
    bob = make_client(srv.endpoint, access_key="bob", secret_key="bob-secret-12")
    assert bob.get_object(Bucket="team", Key="doc")["Body"].read() == b"d"
    with pytest.raises(ClientError) as e:
        bob.put_object(Bucket="team", Key="doc", Body=b"x")
    assert code_of(e) == "AccessDenied"


ROLE = "arn:aws:iam::123456789012:role/any"


def sts_client(endpoint, access, secret, validate=True):
    return boto3.client("sts", endpoint_url=endpoint, aws_access_key_id=access,
                        aws_secret_access_key=secret, region_name=REGION,
                        config=Config(retries={"max_attempts": 1},
                                      parameter_validation=validate))


def temp_client(endpoint, creds):
    return make_client(endpoint, access_key=creds["AccessKeyId"],
                       secret_key=creds["SecretAccessKey"],
                       session_token=creds["SessionToken"])


def test_sts_assume_role_gives_temporary_credentials(srv, admin):
    root = srv.client()
    root.create_bucket(Bucket="sts")
    add_user(admin, "carol", "carol-secret", "readwrite")
    sts = sts_client(srv.endpoint, "carol", "carol-secret")
    out = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/any", RoleSessionName="job",
                          DurationSeconds=900)
    creds = out["Credentials"]
    left = creds["Expiration"].timestamp() - time.time()
    assert 880 < left <= 901
    tmp = temp_client(srv.endpoint, creds)
    tmp.put_object(Bucket="sts", Key="by-session", Body=b"s")
    assert tmp.get_object(Bucket="sts", Key="by-session")["Body"].read() == b"s"

    # A session policy narrows the user's permissions.
    narrowed = sts.assume_role(RoleArn=ROLE, RoleSessionName="ro", Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::sts/*"}]}))
    ro = temp_client(srv.endpoint, narrowed["Credentials"])
    assert ro.get_object(Bucket="sts", Key="by-session")["Body"].read() == b"s"
    with pytest.raises(ClientError) as e:
        ro.put_object(Bucket="sts", Key="x", Body=b"x")
    assert code_of(e) == "AccessDenied"

    # A forged token is refused, as is a token without its key.
    token = creds["SessionToken"]
    forged = dict(creds, SessionToken=token[:-4] + ("AAAA" if token[-4:] != "AAAA" else "BBBB"))
    with pytest.raises(ClientError) as e:
        temp_client(srv.endpoint, forged).list_buckets()
    assert code_of(e) == "InvalidToken"
    other = make_client(srv.endpoint, access_key="carol", secret_key="carol-secret",
                        session_token=token)
    with pytest.raises(ClientError) as e:
        other.list_buckets()
    assert code_of(e) == "InvalidToken"
    no_token = make_client(srv.endpoint, access_key=creds["AccessKeyId"],
                           secret_key=creds["SecretAccessKey"])
    with pytest.raises(ClientError) as e:
        no_token.list_buckets()
    assert code_of(e) == "InvalidAccessKeyId"

    # Out-of-range durations and bad session policies get STS's errors
    # (past boto3's own checks).
    unchecked = sts_client(srv.endpoint, "carol", "carol-secret", validate=False)
    with pytest.raises(ClientError) as e:
        unchecked.assume_role(RoleArn=ROLE, RoleSessionName="session", DurationSeconds=60)
    assert code_of(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        sts.assume_role(RoleArn=ROLE, RoleSessionName="session", Policy="{not json")
    assert code_of(e) == "MalformedPolicyDocument"
    # Temporary credentials cannot mint more.
    with pytest.raises(ClientError) as e:
        boto3.client("sts", endpoint_url=srv.endpoint, region_name=REGION,
                     aws_access_key_id=creds["AccessKeyId"],
                     aws_secret_access_key=creds["SecretAccessKey"],
                     aws_session_token=creds["SessionToken"]).assume_role(
            RoleArn=ROLE, RoleSessionName="again")
    assert code_of(e) == "AccessDenied"

    # Disabling the user ends its sessions.
    admin("user", "disable", "t", "carol")
    with pytest.raises(ClientError) as e:
        tmp.list_buckets()
    assert code_of(e) == "InvalidToken"


def test_sts_with_a_presigned_url(srv, admin):
    import requests
    root = srv.client()
    root.create_bucket(Bucket="pre")
    root.put_object(Bucket="pre", Key="k", Body=b"presigned")
    creds = sts_client(srv.endpoint, ACCESS_KEY, SECRET_KEY).assume_role(
        RoleArn=ROLE, RoleSessionName="root-session")["Credentials"]
    url = temp_client(srv.endpoint, creds).generate_presigned_url(
        "get_object", Params={"Bucket": "pre", "Key": "k"}, ExpiresIn=60)
    assert "X-Amz-Security-Token" in url
    r = requests.get(url, timeout=10)
    assert r.status_code == 200 and r.content == b"presigned"


def test_iam_state_survives_restart_and_is_sealed_on_the_drives(make_server, tmp_path):
    drives = [tmp_path / f"d{i}" for i in range(1, 5)]
    srv = make_server(drives=drives)
    admin = Admin(srv.endpoint, tmp_path / "cfg")
    marker_secret = "Zq7marker-secret-Xy"
    add_user(admin, "durable", marker_secret, "readwrite")
    srv.stop()
    srv.start()
    make_client(srv.endpoint, access_key="durable", secret_key=marker_secret).list_buckets()
    for drive in drives:
        for root, _, files in os.walk(drive):
            for f in files:
                with open(os.path.join(root, f), "rb") as fh:
                    assert marker_secret.encode() not in fh.read(), os.path.join(root, f)


def test_iam_changes_reach_every_node_of_a_cluster(tmp_path):
    from cluster import Cluster
    cluster = Cluster(tmp_path, nodes=2, drives_per_node=2).start()
    try:
        admin = Admin(cluster.nodes[0].endpoint, tmp_path / "cfg")
        add_user(admin, "everywhere", "everywhere-1", "readonly")
        deadline = time.time() + 10
        while True:
            try:
                make_client(cluster.nodes[1].endpoint, access_key="everywhere",
                            secret_key="everywhere-1").list_buckets()
                break
            except ClientError:
                assert time.time() < deadline, "node 2 never learned of the new user"
                time.sleep(0.2)
        # Changes from two nodes at once both land.
        admin2 = Admin(cluster.nodes[1].endpoint, tmp_path / "cfg2")
        add_user(admin2, "second", "second-secret")
        users = {u["accessKey"] for u in admin.json("user", "list", "t")["users"]}
        assert users == {"everywhere", "second"}
    finally:
        cluster.stop()


def test_acl_grants_reach_users_by_canonical_id(srv, admin, tmp_path):
    root = srv.client()
    root.create_bucket(Bucket="granted")
    root.put_object(Bucket="granted", Key="doc", Body=b"doc")
    add_user(admin, "dora", "dora-secret-1")
    dora = make_client(srv.endpoint, access_key="dora", secret_key="dora-secret-1")
    with pytest.raises(ClientError) as e:
        dora.get_object(Bucket="granted", Key="doc")
    assert code_of(e) == "AccessDenied"
    dora_id = hashlib.sha256(b"dora").hexdigest()
    root.put_object_acl(Bucket="granted", Key="doc", GrantRead=f'id="{dora_id}"')
    assert dora.get_object(Bucket="granted", Key="doc")["Body"].read() == b"doc"
    grants = root.get_object_acl(Bucket="granted", Key="doc")["Grants"]
    assert any(g["Grantee"].get("ID") == dora_id and g["Permission"] == "READ" for g in grants)
    with pytest.raises(ClientError) as e:
        dora.list_objects_v2(Bucket="granted")
    assert code_of(e) == "AccessDenied"
    root.put_bucket_acl(Bucket="granted", GrantRead=f'id="{dora_id}"')
    assert dora.list_objects_v2(Bucket="granted")["KeyCount"] == 1
    # An explicit Deny of the user's own policies still wins over a grant.
    path = tmp_path / "no-list.json"
    path.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::granted"}]}))
    admin("policy", "create", "t", "no-list", str(path))
    admin("policy", "attach", "t", "no-list", "--user", "dora")
    with pytest.raises(ClientError) as e:
        dora.list_objects_v2(Bucket="granted")
    assert code_of(e) == "AccessDenied"


def test_policy_variables_give_each_user_a_home(srv, admin, tmp_path):
    root = srv.client()
    root.create_bucket(Bucket="home")
    path = tmp_path / "home.json"
    path.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
         "Resource": "arn:aws:s3:::home/${aws:username}/*"},
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::home",
         "Condition": {"StringLike": {"s3:prefix": "${aws:username}/*"}}}]}))
    admin("policy", "create", "t", "home-dir", str(path))
    for user in ("ann", "ben"):
        add_user(admin, user, user + "-secret-1")
    admin("group", "add", "t", "staff", "ann", "ben")
    admin("policy", "attach", "t", "home-dir", "--group", "staff")
    ann = make_client(srv.endpoint, access_key="ann", secret_key="ann-secret-1")
    ann.put_object(Bucket="home", Key="ann/notes.txt", Body=b"mine")
    assert ann.list_objects_v2(Bucket="home", Prefix="ann/")["KeyCount"] == 1
    for call in (lambda: ann.put_object(Bucket="home", Key="ben/x", Body=b"x"),
                 lambda: ann.list_objects_v2(Bucket="home", Prefix="ben/")):
        with pytest.raises(ClientError) as e:
            call()
        assert code_of(e) == "AccessDenied"
