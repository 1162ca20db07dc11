"""`silo tag` and `silo anonymous`: object and bucket tags, and what callers
without credentials may do, through real servers (tags also against
moto_server, so the client works with other S3 services)."""

import json

import pytest
import requests

from cli_backends import backend, moto, silo_backend  # noqa: F401 (fixtures)

pytestmark = pytest.mark.sdk_independent


def test_tag_set_list_remove_on_objects_and_buckets(backend):
    bucket = backend.new_bucket()
    backend.s3.put_object(Bucket=bucket, Key="cat.jpg", Body=b"meow")
    backend.silo("tag", "set", f"t/{bucket}/cat.jpg", "project=blue sky&owner=ana")
    got = backend.s3.get_object_tagging(Bucket=bucket, Key="cat.jpg")["TagSet"]
    assert {t["Key"]: t["Value"] for t in got} == {"project": "blue sky", "owner": "ana"}
    _, recs = backend.json_lines("tag", "list", f"t/{bucket}/cat.jpg")
    assert len(recs) == 1 and recs[0]["target"] == f"t/{bucket}/cat.jpg"
    assert recs[0]["tags"] == {"project": "blue sky", "owner": "ana"}
    assert "project : blue sky" in backend.silo("tag", "list", f"t/{bucket}/cat.jpg").stdout
    backend.silo("tag", "remove", f"t/{bucket}/cat.jpg")
    assert backend.s3.get_object_tagging(Bucket=bucket, Key="cat.jpg")["TagSet"] == []

    backend.silo("tag", "set", f"t/{bucket}", "team=media")
    _, recs = backend.json_lines("tag", "list", f"t/{bucket}")
    assert recs[0]["tags"] == {"team": "media"}
    backend.silo("tag", "remove", f"t/{bucket}")
    _, recs = backend.json_lines("tag", "list", f"t/{bucket}")
    assert recs[0]["tags"] == {}


def test_tag_errors_name_the_problem(silo_backend):
    b = silo_backend
    bucket = b.new_bucket()
    r = b.silo("tag", "set", f"t/{bucket}/missing", "a=1", check=False)
    assert r.returncode == 1 and "NoSuchKey" in r.stderr
    b.s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    r = b.silo("tag", "set", f"t/{bucket}/k", "aws:reserved=1", check=False)
    assert r.returncode == 1 and "InvalidTag" in r.stderr
    r = b.silo("tag", "set", f"t/{bucket}/k", "", check=False)
    assert r.returncode == 2


def test_anonymous_download_on_a_prefix(silo_backend):
    b = silo_backend
    bucket = b.new_bucket()
    b.s3.put_object(Bucket=bucket, Key="public/a.txt", Body=b"open")
    b.s3.put_object(Bucket=bucket, Key="private/b.txt", Body=b"closed")
    assert requests.get(f"{b.endpoint}/{bucket}/public/a.txt").status_code == 403

    b.silo("anonymous", "set", "download", f"t/{bucket}/public/")
    _, recs = b.json_lines("anonymous", "get", f"t/{bucket}/public/")
    assert len(recs) == 1 and recs[0]["target"] == f"t/{bucket}/public/"
    assert recs[0]["permission"] == "download"
    assert requests.get(f"{b.endpoint}/{bucket}/public/a.txt").content == b"open"
    assert requests.get(f"{b.endpoint}/{bucket}/private/b.txt").status_code == 403
    listing = requests.get(f"{b.endpoint}/{bucket}?list-type=2&prefix=public/")
    assert listing.status_code == 200 and "public/a.txt" in listing.text
    assert requests.put(f"{b.endpoint}/{bucket}/public/new", data=b"x").status_code == 403

    # Upload on another prefix keeps the download statements.
    b.silo("anonymous", "set", "upload", f"t/{bucket}/inbox/")
    assert requests.put(f"{b.endpoint}/{bucket}/inbox/new", data=b"x").status_code == 200
    assert requests.get(f"{b.endpoint}/{bucket}/public/a.txt").status_code == 200
    _, recs = b.json_lines("anonymous", "get-json", f"t/{bucket}")
    assert len(recs[0]["Statement"]) == 4

    b.silo("anonymous", "set", "none", f"t/{bucket}/public/")
    assert requests.get(f"{b.endpoint}/{bucket}/public/a.txt").status_code == 403
    b.silo("anonymous", "set", "none", f"t/{bucket}/inbox/")
    _, recs = b.json_lines("anonymous", "get", f"t/{bucket}/public/")
    assert recs[0]["permission"] == "none"
    r = b.silo("anonymous", "get-json", f"t/{bucket}")
    assert json.loads(r.stdout)["Statement"] == []


def test_anonymous_set_json_and_bad_policies(silo_backend, tmp_path):
    b = silo_backend
    bucket = b.new_bucket()
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    b.silo("anonymous", "set-json", str(policy), f"t/{bucket}")
    b.s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    assert requests.get(f"{b.endpoint}/{bucket}/k").content == b"v"
    policy.write_text('{"Statement": [{"Effect": "Allow"}]}')
    r = b.silo("anonymous", "set-json", str(policy), f"t/{bucket}", check=False)
    assert r.returncode == 1 and "MalformedPolicy" in r.stderr
    r = b.silo("anonymous", "set", "everything", f"t/{bucket}", check=False)
    assert r.returncode == 2


def test_ls_recursive_on_an_alias_lists_every_object_of_every_bucket(make_server, tmp_path):
    from cli_backends import Backend
    from conftest import ACCESS_KEY, SECRET_KEY
    srv = make_server()
    b = Backend("silo", srv.endpoint, ACCESS_KEY, SECRET_KEY, tmp_path / "cfg")
    for bucket, keys in {"alpha": ["a/1", "b"], "beta": ["x"], "empty": []}.items():
        b.s3.create_bucket(Bucket=bucket)
        for k in keys:
            b.s3.put_object(Bucket=bucket, Key=k, Body=b"12")
    _, recs = b.json_lines("ls", "-r", "t")
    assert [r["key"] for r in recs] == ["alpha/a/1", "alpha/b", "beta/x"]
    assert [r["target"] for r in recs] == ["t/alpha/a/1", "t/alpha/b", "t/beta/x"]
    assert all(r["type"] == "file" and r["size"] == 2 for r in recs)
    # Without -r: the buckets.
    _, recs = b.json_lines("ls", "t")
    assert [r["key"] for r in recs] == ["alpha/", "beta/", "empty/"]
