"""Access control lists as AWS S3 documents them: canned ACLs (x-amz-acl)
and grant headers (x-amz-grant-*) on CreateBucket, PUT, copy, multipart
uploads and POST forms; Get/PutBucketAcl and Get/PutObjectAcl (by version
too) with AccessControlPolicy documents; anonymous requests allowed by a
public grant; and the bucket settings that govern ACLs (BucketOwnerEnforced
ownership turns them off, BlockPublicAcls refuses public ones,
IgnorePublicAcls sets them aside)."""

import pytest
import requests
from botocore.exceptions import ClientError

from conftest import anonymous_client, error_code, status_code

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"


def grants(acl):
    """The grants as (grantee id or URI, permission) pairs, sorted."""
    out = []
    for g in acl["Grants"]:
        who = g["Grantee"].get("URI") or g["Grantee"].get("ID")
        out.append((who, g["Permission"]))
    return sorted(out)


def test_a_new_bucket_and_object_are_private(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    for acl in (s3.get_bucket_acl(Bucket=bucket), s3.get_object_acl(Bucket=bucket, Key="k")):
        owner = acl["Owner"]["ID"]
        assert len(owner) == 64
        assert grants(acl) == [(owner, "FULL_CONTROL")]
        assert acl["Grants"][0]["Grantee"]["Type"] == "CanonicalUser"
        assert acl["Grants"][0]["Grantee"]["DisplayName"] == acl["Owner"]["DisplayName"]


@pytest.mark.parametrize("canned,extra", [
    ("private", []),
    ("public-read", [(ALL_USERS, "READ")]),
    ("public-read-write", [(ALL_USERS, "READ"), (ALL_USERS, "WRITE")]),
    ("authenticated-read", [(AUTHENTICATED, "READ")]),
    ("bucket-owner-full-control", []),
])
def test_canned_acls_on_put_are_read_back(s3, bucket, canned, extra):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL=canned)
    acl = s3.get_object_acl(Bucket=bucket, Key="k")
    owner = acl["Owner"]["ID"]
    assert grants(acl) == sorted([(owner, "FULL_CONTROL")] + extra)


def test_canned_acl_at_bucket_creation_and_put_bucket_acl(s3):
    s3.create_bucket(Bucket="acl-created-public", ACL="public-read")
    try:
        acl = s3.get_bucket_acl(Bucket="acl-created-public")
        assert (ALL_USERS, "READ") in grants(acl)
        s3.put_bucket_acl(Bucket="acl-created-public", ACL="private")
        acl = s3.get_bucket_acl(Bucket="acl-created-public")
        assert grants(acl) == [(acl["Owner"]["ID"], "FULL_CONTROL")]
        s3.put_bucket_acl(Bucket="acl-created-public", ACL="log-delivery-write")
        acl = s3.get_bucket_acl(Bucket="acl-created-public")
        log = "http://acs.amazonaws.com/groups/s3/LogDelivery"
        assert (log, "WRITE") in grants(acl) and (log, "READ_ACP") in grants(acl)
    finally:
        s3.delete_bucket(Bucket="acl-created-public")


def test_grant_headers_and_policy_documents(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    owner = s3.get_object_acl(Bucket=bucket, Key="k")["Owner"]
    s3.put_object_acl(Bucket=bucket, Key="k", GrantRead=f'uri="{ALL_USERS}"',
                      GrantFullControl=f'id="{owner["ID"]}"')
    acl = s3.get_object_acl(Bucket=bucket, Key="k")
    assert grants(acl) == sorted([(ALL_USERS, "READ"), (owner["ID"], "FULL_CONTROL")])
    # A whole document, as GetObjectAcl gave it, with one more grant.
    policy = {"Owner": owner, "Grants": acl["Grants"] + [
        {"Grantee": {"Type": "Group", "URI": AUTHENTICATED}, "Permission": "READ_ACP"}]}
    s3.put_object_acl(Bucket=bucket, Key="k", AccessControlPolicy=policy)
    assert (AUTHENTICATED, "READ_ACP") in grants(s3.get_object_acl(Bucket=bucket, Key="k"))
    s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy=policy)
    assert (AUTHENTICATED, "READ_ACP") in grants(s3.get_bucket_acl(Bucket=bucket))
    # Revoking everything leaves an ACL without grants (the owner still owns it).
    s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy={"Owner": owner, "Grants": []})
    assert s3.get_bucket_acl(Bucket=bucket).get("Grants", []) == []
    s3.put_bucket_acl(Bucket=bucket, ACL="private")


def test_bad_acls_get_the_aws_errors(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    owner = s3.get_object_acl(Bucket=bucket, Key="k")["Owner"]
    cases = [
        (dict(ACL="public-everything"), "InvalidArgument"),
        (dict(GrantRead='id="0123456789abcdef"'), "InvalidArgument"),
        (dict(GrantRead='emailAddress="nobody@example.com"'), "UnresolvableGrantByEmailAddress"),
        (dict(GrantRead='uri="http://acs.amazonaws.com/groups/global/Nobody"'), "InvalidArgument"),
        (dict(ACL="public-read", GrantRead=f'uri="{ALL_USERS}"'), "InvalidRequest"),
        (dict(AccessControlPolicy={"Owner": owner, "Grants": [
            {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "EVERYTHING"}]}),
         "MalformedACLError"),
        (dict(AccessControlPolicy={"Owner": {"ID": "f" * 64}, "Grants": []}), "AccessDenied"),
    ]
    for args, code in cases:
        with pytest.raises(ClientError) as e:
            s3.put_object_acl(Bucket=bucket, Key="k", **args)
        assert error_code(e) == code, args
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k2", Body=b"x", ACL="nope")
    assert error_code(e) == "InvalidArgument"
    with pytest.raises(ClientError) as e:
        s3.get_object_acl(Bucket=bucket, Key="missing")
    assert error_code(e) == "NoSuchKey"
    # A body that is not an AccessControlPolicy.
    url = s3.generate_presigned_url("put_bucket_acl", Params={"Bucket": bucket})
    r = requests.put(url, data=b"<Nope/>")
    assert r.status_code == 400 and "<Code>MalformedACLError</Code>" in r.text


def test_a_copy_and_a_multipart_upload_take_the_request_acl(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"x", ACL="public-read")
    s3.copy_object(Bucket=bucket, Key="plain-copy", CopySource={"Bucket": bucket, "Key": "src"})
    acl = s3.get_object_acl(Bucket=bucket, Key="plain-copy")
    assert grants(acl) == [(acl["Owner"]["ID"], "FULL_CONTROL")]
    s3.copy_object(Bucket=bucket, Key="public-copy", ACL="public-read-write",
                   CopySource={"Bucket": bucket, "Key": "src"})
    assert (ALL_USERS, "WRITE") in grants(s3.get_object_acl(Bucket=bucket, Key="public-copy"))
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp", ACL="public-read")
    part = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up["UploadId"], PartNumber=1,
                          Body=b"y" * 10)
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=up["UploadId"],
                                 MultipartUpload={"Parts": [{"PartNumber": 1,
                                                             "ETag": part["ETag"]}]})
    assert (ALL_USERS, "READ") in grants(s3.get_object_acl(Bucket=bucket, Key="mp"))


def test_versions_keep_their_own_acls(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    old = s3.put_object(Bucket=bucket, Key="k", Body=b"1", ACL="public-read")["VersionId"]
    new = s3.put_object(Bucket=bucket, Key="k", Body=b"2")["VersionId"]
    assert (ALL_USERS, "READ") in grants(s3.get_object_acl(Bucket=bucket, Key="k", VersionId=old))
    assert len(s3.get_object_acl(Bucket=bucket, Key="k")["Grants"]) == 1
    s3.put_object_acl(Bucket=bucket, Key="k", VersionId=new, ACL="authenticated-read")
    assert (AUTHENTICATED, "READ") in grants(s3.get_object_acl(Bucket=bucket, Key="k"))
    s3.put_object_acl(Bucket=bucket, Key="k", VersionId=old, ACL="private")
    assert len(s3.get_object_acl(Bucket=bucket, Key="k", VersionId=old)["Grants"]) == 1
    for v in (old, new):
        s3.delete_object(Bucket=bucket, Key="k", VersionId=v)


def test_anonymous_requests_are_allowed_by_public_grants(server, s3, bucket):
    anon = anonymous_client(server)
    s3.put_object(Bucket=bucket, Key="open", Body=b"open", ACL="public-read")
    s3.put_object(Bucket=bucket, Key="closed", Body=b"closed")
    assert anon.get_object(Bucket=bucket, Key="open")["Body"].read() == b"open"
    for call in (lambda: anon.get_object(Bucket=bucket, Key="closed"),
                 lambda: anon.get_object(Bucket=bucket, Key="missing"),
                 lambda: anon.list_objects_v2(Bucket=bucket),
                 lambda: anon.put_object(Bucket=bucket, Key="new", Body=b"n"),
                 lambda: anon.get_object_acl(Bucket=bucket, Key="open")):
        with pytest.raises(ClientError) as e:
            call()
        assert error_code(e) == "AccessDenied" and status_code(e) == 403
    # A public-read bucket may be listed, and a missing key is then NoSuchKey.
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    keys = [o["Key"] for o in anon.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["closed", "open"]
    with pytest.raises(ClientError) as e:
        anon.get_object(Bucket=bucket, Key="missing")
    assert error_code(e) == "NoSuchKey"
    with pytest.raises(ClientError) as e:
        anon.put_object(Bucket=bucket, Key="new", Body=b"n")
    assert error_code(e) == "AccessDenied"
    # public-read-write lets anyone write and delete.
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read-write")
    anon.put_object(Bucket=bucket, Key="new", Body=b"n")
    assert s3.get_object(Bucket=bucket, Key="new")["Body"].read() == b"n"
    anon.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "new"}]})
    assert "new" not in [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    with pytest.raises(ClientError) as e:
        anon.list_objects_v2(Bucket=bucket)
    assert error_code(e) == "AccessDenied"


def test_a_policy_deny_overrides_a_public_grant(server, s3, bucket):
    import json
    s3.put_object(Bucket=bucket, Key="open", Body=b"open", ACL="public-read")
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    with pytest.raises(ClientError) as e:
        anonymous_client(server).get_object(Bucket=bucket, Key="open")
    assert error_code(e) == "AccessDenied"
    s3.delete_bucket_policy(Bucket=bucket)


def test_public_access_block_governs_public_acls(server, s3, bucket):
    anon = anonymous_client(server)
    s3.put_object(Bucket=bucket, Key="open", Body=b"open", ACL="public-read")
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "IgnorePublicAcls": True})
    with pytest.raises(ClientError) as e:
        anon.get_object(Bucket=bucket, Key="open")
    assert error_code(e) == "AccessDenied"
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True})
    assert anon.get_object(Bucket=bucket, Key="open")["Body"].read() == b"open"
    for call in (lambda: s3.put_object(Bucket=bucket, Key="p", Body=b"x", ACL="public-read"),
                 lambda: s3.put_object_acl(Bucket=bucket, Key="open", ACL="public-read-write"),
                 lambda: s3.put_bucket_acl(Bucket=bucket, ACL="public-read")):
        with pytest.raises(ClientError) as e:
            call()
        assert error_code(e) == "AccessDenied"
    s3.put_object(Bucket=bucket, Key="p", Body=b"x", ACL="private")
    s3.delete_public_access_block(Bucket=bucket)


def test_bucket_owner_enforced_turns_acls_off(server, s3):
    name = "acl-enforced"
    with pytest.raises(ClientError) as e:
        s3.create_bucket(Bucket=name, ObjectOwnership="BucketOwnerEnforced", ACL="public-read")
    assert error_code(e) == "InvalidBucketAclWithObjectOwnership"
    s3.create_bucket(Bucket=name, ObjectOwnership="BucketOwnerEnforced")
    try:
        rules = s3.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"]["Rules"]
        assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]
        for call in (lambda: s3.put_object(Bucket=name, Key="k", Body=b"x", ACL="public-read"),
                     lambda: s3.put_bucket_acl(Bucket=name, ACL="public-read")):
            with pytest.raises(ClientError) as e:
                call()
            assert error_code(e) == "AccessControlListNotSupported"
            assert status_code(e) == 400
        s3.put_object(Bucket=name, Key="k", Body=b"x", ACL="bucket-owner-full-control")
        acl = s3.get_object_acl(Bucket=name, Key="k")
        assert grants(acl) == [(acl["Owner"]["ID"], "FULL_CONTROL")]
        s3.delete_object(Bucket=name, Key="k")
    finally:
        s3.delete_bucket(Bucket=name)


def test_a_post_form_acl_field_is_the_canned_acl(server, s3, bucket):
    post = s3.generate_presigned_post(bucket, "form.txt", Fields={"acl": "public-read"},
                                      Conditions=[{"acl": "public-read"}])
    r = requests.post(post["url"], data=post["fields"], files={"file": b"from a form"})
    assert r.status_code == 204, r.text
    assert (ALL_USERS, "READ") in grants(s3.get_object_acl(Bucket=bucket, Key="form.txt"))
    assert anonymous_client(server).get_object(Bucket=bucket, Key="form.txt")["Body"].read() \
        == b"from a form"


def test_an_expected_bucket_owner_must_be_the_owner(s3, bucket):
    owner = s3.get_bucket_acl(Bucket=bucket)["Owner"]["ID"]
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ExpectedBucketOwner=owner)
    assert s3.list_objects_v2(Bucket=bucket, ExpectedBucketOwner=owner)["KeyCount"] == 1
    for call in (lambda: s3.list_objects_v2(Bucket=bucket, ExpectedBucketOwner=owner + "x"),
                 lambda: s3.put_object(Bucket=bucket, Key="k2", Body=b"x",
                                       ExpectedBucketOwner="123456789012"),
                 lambda: s3.copy_object(Bucket=bucket, Key="k3",
                                        CopySource={"Bucket": bucket, "Key": "k"},
                                        ExpectedSourceBucketOwner="123456789012")):
        with pytest.raises(ClientError) as e:
            call()
        assert error_code(e) == "AccessDenied" and status_code(e) == 403
