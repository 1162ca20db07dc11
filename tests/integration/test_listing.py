"""ListObjects (v1) and ListObjectsV2 as AWS S3 documents them: prefix,
delimiter, CommonPrefixes, max-keys, markers and continuation tokens,
start-after, encoding-type=url, fetch-owner, binary UTF-8 order."""

import concurrent.futures
import uuid
from urllib.parse import unquote_plus

import pytest
from botocore.exceptions import ClientError

from conftest import error_code, status_code


def put_keys(s3, bucket, keys, threads=16):
    keys = list(keys)
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=bucket, Key=k, Body=k.encode()[:64]), keys))
    return keys


def delete_keys(s3, bucket, keys, threads=16):
    """Deletes many keys quickly: small batches in parallel (the server
    commits concurrent deletes together)."""
    keys = list(keys)
    batches = [keys[i:i + 100] for i in range(0, len(keys), 100)]
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda b: s3.delete_objects(Bucket=bucket, Delete={
            "Objects": [{"Key": k} for k in b], "Quiet": True}), batches))


def utf8_sorted(keys):
    return sorted(keys, key=lambda k: k.encode("utf-8"))


def keys_of(page):
    return [o["Key"] for o in page.get("Contents", [])]


def prefixes_of(page):
    return [p["Prefix"] for p in page.get("CommonPrefixes", [])]


def expected_listing(keys, prefix="", delimiter=""):
    """What S3 returns for `keys` in order: (kind, value) entries, where
    kind is 'key' or 'prefix'."""
    out, seen = [], set()
    for k in utf8_sorted(keys):
        if not k.startswith(prefix):
            continue
        if delimiter:
            pos = k.find(delimiter, len(prefix))
            if pos >= 0:
                cp = k[:pos + len(delimiter)]
                if cp not in seen:
                    seen.add(cp)
                    out.append(("prefix", cp))
                continue
        out.append(("key", k))
    return out


def entries_of(page):
    """A page's entries in S3 order (keys and prefixes interleaved by value)."""
    entries = [("key", k) for k in keys_of(page)] + [("prefix", p) for p in prefixes_of(page)]
    return sorted(entries, key=lambda e: e[1].encode("utf-8"))


TREE = [
    "a.txt", "b/1.txt", "b/2.txt", "b/c/3.txt", "b/c/4.txt", "b/d/5.txt",
    "c--x--1", "c--x--2", "c--y", "d.e.f", "d.e.g", "d.h", "top",
]


@pytest.fixture
def tree(s3, bucket):
    put_keys(s3, bucket, TREE)
    return bucket


# ------------------------------------------------------------ basics


def test_list_v2_returns_all_keys_with_size_etag_and_count(s3, bucket):
    s3.put_object(Bucket=bucket, Key="one", Body=b"1")
    s3.put_object(Bucket=bucket, Key="two", Body=b"22")
    resp = s3.list_objects_v2(Bucket=bucket)
    assert resp["KeyCount"] == 2
    assert resp["IsTruncated"] is False
    assert resp["Name"] == bucket
    assert resp["MaxKeys"] == 1000
    assert [(o["Key"], o["Size"]) for o in resp["Contents"]] == [("one", 1), ("two", 2)]
    assert resp["Contents"][0]["ETag"] == '"c4ca4238a0b923820dcc509a6f75849b"'
    assert resp["Contents"][0]["StorageClass"] == "STANDARD"


def test_list_empty_bucket(s3, bucket):
    v2 = s3.list_objects_v2(Bucket=bucket)
    assert v2["KeyCount"] == 0 and "Contents" not in v2 and v2["IsTruncated"] is False
    v1 = s3.list_objects(Bucket=bucket)
    assert "Contents" not in v1 and v1["IsTruncated"] is False


def test_list_missing_bucket_is_no_such_bucket(s3):
    for call in (s3.list_objects, s3.list_objects_v2):
        with pytest.raises(ClientError) as e:
            call(Bucket="no-such-bucket-for-silo-list")
        assert error_code(e) == "NoSuchBucket"
        assert status_code(e) == 404


# ------------------------------------------------------ prefix/delimiter

CASES = [
    ("", ""), ("", "/"), ("b/", "/"), ("b", "/"), ("b/c/", "/"), ("b/c", ""),
    ("", "--"), ("c--", "--"), ("", "."), ("d.", "."), ("nomatch", "/"), ("", "x"),
    ("b/", "c/"), ("", "t"), ("top", "/"),
]


@pytest.mark.parametrize("prefix,delimiter", CASES)
def test_list_v2_prefix_and_delimiter(s3, tree, prefix, delimiter):
    resp = s3.list_objects_v2(Bucket=tree, Prefix=prefix, Delimiter=delimiter)
    assert entries_of(resp) == expected_listing(TREE, prefix, delimiter)
    assert resp["KeyCount"] == len(expected_listing(TREE, prefix, delimiter))
    assert resp.get("Prefix", "") == prefix
    assert resp.get("Delimiter", "") == delimiter
    assert resp["IsTruncated"] is False


@pytest.mark.parametrize("prefix,delimiter", CASES)
def test_list_v1_prefix_and_delimiter(s3, tree, prefix, delimiter):
    resp = s3.list_objects(Bucket=tree, Prefix=prefix, Delimiter=delimiter)
    assert entries_of(resp) == expected_listing(TREE, prefix, delimiter)
    assert resp.get("Prefix", "") == prefix
    assert resp["IsTruncated"] is False


def test_common_prefixes_for_slash_delimiter(s3, tree):
    resp = s3.list_objects_v2(Bucket=tree, Delimiter="/")
    assert prefixes_of(resp) == ["b/"]
    assert keys_of(resp) == ["a.txt", "c--x--1", "c--x--2", "c--y", "d.e.f", "d.e.g", "d.h", "top"]
    resp = s3.list_objects_v2(Bucket=tree, Prefix="b/", Delimiter="/")
    assert prefixes_of(resp) == ["b/c/", "b/d/"]
    assert keys_of(resp) == ["b/1.txt", "b/2.txt"]


def test_multi_character_delimiter(s3, tree):
    resp = s3.list_objects_v2(Bucket=tree, Delimiter="--")
    assert prefixes_of(resp) == ["c--"]
    resp = s3.list_objects_v2(Bucket=tree, Prefix="c--", Delimiter="--")
    assert prefixes_of(resp) == ["c--x--"]
    assert keys_of(resp) == ["c--y"]


def test_non_slash_delimiter(s3, tree):
    resp = s3.list_objects_v2(Bucket=tree, Delimiter=".")
    assert prefixes_of(resp) == ["a.", "b/1.", "b/2.", "b/c/3.", "b/c/4.", "b/d/5.", "d."]
    assert keys_of(resp) == ["c--x--1", "c--x--2", "c--y", "top"]
    resp = s3.list_objects_v2(Bucket=tree, Prefix="d.", Delimiter=".")
    assert prefixes_of(resp) == ["d.e."]
    assert keys_of(resp) == ["d.h"]


def test_object_named_like_its_folder_is_listed_inside_the_prefix(s3, bucket):
    put_keys(s3, bucket, ["dir/", "dir/file", "dir/sub/x"])
    resp = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert prefixes_of(resp) == ["dir/"]
    assert keys_of(resp) == []
    resp = s3.list_objects_v2(Bucket=bucket, Prefix="dir/", Delimiter="/")
    assert keys_of(resp) == ["dir/", "dir/file"]
    assert prefixes_of(resp) == ["dir/sub/"]


# ---------------------------------------------------------- max-keys


def test_max_keys_zero_returns_nothing(s3, tree):
    resp = s3.list_objects_v2(Bucket=tree, MaxKeys=0)
    assert resp["MaxKeys"] == 0
    assert resp["KeyCount"] == 0
    assert "Contents" not in resp and "CommonPrefixes" not in resp
    assert resp["IsTruncated"] is False
    v1 = s3.list_objects(Bucket=tree, MaxKeys=0)
    assert v1["MaxKeys"] == 0
    assert "Contents" not in v1
    assert v1["IsTruncated"] is False


def test_max_keys_limits_and_counts_common_prefixes(s3, tree):
    resp = s3.list_objects_v2(Bucket=tree, Delimiter="/", MaxKeys=2)
    # a.txt, b/ (a common prefix counts toward max-keys)
    assert keys_of(resp) == ["a.txt"]
    assert prefixes_of(resp) == ["b/"]
    assert resp["KeyCount"] == 2
    assert resp["IsTruncated"] is True
    assert resp["MaxKeys"] == 2


def test_max_keys_above_1000_returns_at_most_1000(s3, bucket):
    keys = put_keys(s3, bucket, [f"k{i:04d}" for i in range(1100)])
    resp = s3.list_objects_v2(Bucket=bucket, MaxKeys=5000)
    assert len(resp["Contents"]) == 1000
    assert resp["IsTruncated"] is True
    rest = s3.list_objects_v2(Bucket=bucket, ContinuationToken=resp["NextContinuationToken"])
    assert len(rest["Contents"]) == 100
    assert rest["IsTruncated"] is False
    delete_keys(s3, bucket, keys)


# ------------------------------------------------ pagination boundaries

PAGE_KEYS = [f"p/{i:02d}" for i in range(7)] + ["q/a", "q/b", "r", "s/x/y", "s/z"]


def v2_pages(s3, bucket, max_keys, **kw):
    pages, token = [], None
    while True:
        args = dict(Bucket=bucket, MaxKeys=max_keys, **kw)
        if token:
            args["ContinuationToken"] = token
        page = s3.list_objects_v2(**args)
        pages.append(page)
        if token:
            assert page["ContinuationToken"] == token
        if not page["IsTruncated"]:
            assert "NextContinuationToken" not in page
            return pages
        token = page["NextContinuationToken"]
        assert len(pages) < 100


def v1_pages(s3, bucket, max_keys, **kw):
    pages, marker = [], ""
    while True:
        page = s3.list_objects(Bucket=bucket, MaxKeys=max_keys, Marker=marker, **kw)
        pages.append(page)
        assert page.get("Marker", "") == marker
        if not page["IsTruncated"]:
            return pages
        entries = entries_of(page)
        # NextMarker is returned when a delimiter is given; otherwise the
        # client continues from the last key.
        marker = page.get("NextMarker") or entries[-1][1]
        if kw.get("Delimiter"):
            assert page["NextMarker"] == entries[-1][1]
        assert len(pages) < 100


@pytest.mark.parametrize("delimiter", ["", "/"])
@pytest.mark.parametrize("max_keys", [1, 2, 3, 4, 5, 11, 12, 13])
def test_v2_pagination_truncation_is_exact_at_every_page(s3, bucket, max_keys, delimiter):
    put_keys(s3, bucket, PAGE_KEYS)
    expected = expected_listing(PAGE_KEYS, "", delimiter)
    pages = v2_pages(s3, bucket, max_keys, Delimiter=delimiter)
    seen = []
    for i, page in enumerate(pages):
        entries = entries_of(page)
        assert len(entries) == page["KeyCount"]
        seen += entries
        more = len(seen) < len(expected)
        assert page["IsTruncated"] is more, f"page {i}: IsTruncated wrong"
        if more:
            assert len(entries) == max_keys
    assert seen == expected
    # No empty trailing page: exact multiples end on a non-truncated full page.
    assert len(pages) == max(1, -(-len(expected) // max_keys))


@pytest.mark.parametrize("delimiter", ["", "/"])
@pytest.mark.parametrize("max_keys", [1, 2, 3, 5, 11, 12])
def test_v1_pagination_with_markers_is_exact_at_every_page(s3, bucket, max_keys, delimiter):
    put_keys(s3, bucket, PAGE_KEYS)
    expected = expected_listing(PAGE_KEYS, "", delimiter)
    pages = v1_pages(s3, bucket, max_keys, Delimiter=delimiter)
    seen = []
    for page in pages:
        seen += entries_of(page)
        assert page["IsTruncated"] is (len(seen) < len(expected))
    assert seen == expected
    assert len(pages) == max(1, -(-len(expected) // max_keys))


def test_pagination_with_prefix_and_delimiter(s3, bucket):
    keys = [f"x/{g}/{i}" for g in "abcd" for i in range(3)] + ["x/k1", "x/k2", "y/z"]
    put_keys(s3, bucket, keys)
    expected = expected_listing(keys, "x/", "/")
    pages = v2_pages(s3, bucket, 2, Prefix="x/", Delimiter="/")
    seen = [e for p in pages for e in entries_of(p)]
    assert seen == expected
    assert [p["IsTruncated"] for p in pages] == [True, True, False]


# ------------------------------------------------------- start-after


def test_start_after_returns_keys_strictly_after(s3, tree):
    resp = s3.list_objects_v2(Bucket=tree, StartAfter="b/c/3.txt")
    assert keys_of(resp) == [k for k in utf8_sorted(TREE) if k > "b/c/3.txt"]
    assert resp["StartAfter"] == "b/c/3.txt"


def test_start_after_between_keys_and_past_the_end(s3, tree):
    resp = s3.list_objects_v2(Bucket=tree, StartAfter="b/c/35")
    assert keys_of(resp)[0] == "b/c/4.txt"
    resp = s3.list_objects_v2(Bucket=tree, StartAfter="zzz")
    assert resp["KeyCount"] == 0
    assert resp["IsTruncated"] is False


def test_start_after_before_prefix_is_harmless(s3, tree):
    resp = s3.list_objects_v2(Bucket=tree, Prefix="d.", StartAfter="a")
    assert keys_of(resp) == ["d.e.f", "d.e.g", "d.h"]


def test_continuation_token_takes_precedence_over_start_after(s3, tree):
    first = s3.list_objects_v2(Bucket=tree, MaxKeys=2)
    second = s3.list_objects_v2(Bucket=tree, MaxKeys=2, StartAfter="top",
                                ContinuationToken=first["NextContinuationToken"])
    assert keys_of(second) == utf8_sorted(TREE)[2:4]


def test_invalid_continuation_token_is_invalid_argument(s3, tree):
    with pytest.raises(ClientError) as e:
        s3.list_objects_v2(Bucket=tree, ContinuationToken="!!not-a-token!!")
    assert error_code(e) == "InvalidArgument"
    assert status_code(e) == 400


def test_an_empty_continuation_token_starts_from_the_beginning(s3, tree):
    resp = s3.list_objects_v2(Bucket=tree, ContinuationToken="", MaxKeys=2)
    assert keys_of(resp) == utf8_sorted(TREE)[:2]
    assert resp["ContinuationToken"] == ""


def test_v1_marker_returns_keys_strictly_after(s3, tree):
    resp = s3.list_objects(Bucket=tree, Marker="c--y")
    assert keys_of(resp) == [k for k in utf8_sorted(TREE) if k > "c--y"]
    assert resp["Marker"] == "c--y"


def test_v1_next_marker_with_delimiter_can_be_a_common_prefix(s3, tree):
    page = s3.list_objects(Bucket=tree, Delimiter="/", MaxKeys=2)
    assert page["IsTruncated"] is True
    assert page["NextMarker"] == "b/"
    nxt = s3.list_objects(Bucket=tree, Delimiter="/", MaxKeys=2, Marker=page["NextMarker"])
    assert keys_of(nxt) == ["c--x--1", "c--x--2"]
    assert prefixes_of(nxt) == []


# -------------------------------------------------------- encoding-type

ODD_KEYS = ["sp ace", "plus+sign", "percent%41", "日本/語", "amp&lt;", "ctl\x01x", "tab\t",
            "q?x=1", "hash#"]


def test_listing_special_keys_round_trips_through_sdk_url_decoding(s3, bucket):
    put_keys(s3, bucket, ODD_KEYS)
    assert keys_of(s3.list_objects_v2(Bucket=bucket)) == utf8_sorted(ODD_KEYS)
    assert keys_of(s3.list_objects(Bucket=bucket)) == utf8_sorted(ODD_KEYS)


@pytest.mark.parametrize("version", [1, 2])
def test_encoding_type_url_encodes_keys_prefixes_and_delimiter(s3, bucket, version):
    put_keys(s3, bucket, ODD_KEYS + ["d ir/one", "d ir/two"])
    call = s3.list_objects_v2 if version == 2 else s3.list_objects
    # An explicit EncodingType makes botocore hand back the raw encoded values.
    resp = call(Bucket=bucket, EncodingType="url", Delimiter="/")
    assert resp["EncodingType"] == "url"
    raw_keys = keys_of(resp)
    for raw in raw_keys + prefixes_of(resp):
        assert raw.isascii()
        assert " " not in raw and "\t" not in raw and "\x01" not in raw
    decoded = [unquote_plus(k) for k in raw_keys]
    assert decoded == utf8_sorted(k for k in ODD_KEYS if "/" not in k)
    assert [unquote_plus(p) for p in prefixes_of(resp)] == ["d ir/", "日本/"]
    resp = call(Bucket=bucket, EncodingType="url", Prefix="d ir/")
    if version == 2:
        assert unquote_plus(resp["Prefix"]) == "d ir/"
        assert resp["Prefix"] != "d ir/"
    else:
        # ListObjects v1 echoes its prefix as given (the SDKs do not decode it).
        assert resp["Prefix"] == "d ir/"
    assert [unquote_plus(k) for k in keys_of(resp)] == ["d ir/one", "d ir/two"]


def test_encoding_type_url_encodes_start_after_and_next_marker(s3, bucket):
    put_keys(s3, bucket, ["a b/1", "a b/2", "c d"])
    v2 = s3.list_objects_v2(Bucket=bucket, EncodingType="url", StartAfter="a b/1")
    assert unquote_plus(v2["StartAfter"]) == "a b/1"
    assert " " not in v2["StartAfter"]
    v1 = s3.list_objects(Bucket=bucket, EncodingType="url", Delimiter="/", MaxKeys=1)
    assert unquote_plus(v1["NextMarker"]) == "a b/"
    assert " " not in v1["NextMarker"]


def test_unknown_encoding_type_is_invalid_argument(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.list_objects_v2(Bucket=bucket, EncodingType="base64")
    assert error_code(e) == "InvalidArgument"
    assert status_code(e) == 400


# --------------------------------------------------------- fetch-owner


def test_v2_owner_only_with_fetch_owner(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    plain = s3.list_objects_v2(Bucket=bucket)["Contents"][0]
    assert "Owner" not in plain
    owned = s3.list_objects_v2(Bucket=bucket, FetchOwner=True)["Contents"][0]
    assert owned["Owner"]["ID"]
    assert "DisplayName" in owned["Owner"]
    # The same owner the bucket ACL names.
    assert owned["Owner"]["ID"] == s3.get_bucket_acl(Bucket=bucket)["Owner"]["ID"]


def test_v1_always_includes_owner(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert s3.list_objects(Bucket=bucket)["Contents"][0]["Owner"]["ID"]


# ------------------------------------------------------------- ordering


def test_keys_are_listed_in_binary_utf8_order(s3, bucket):
    keys = ["a", "B", "b", "Z", "_", "~", "\x7f", "é", "ü", "z", "日本", "😀", "ｚ", "a/b",
            "a-b", "a.b", "aa", "A"]
    put_keys(s3, bucket, keys)
    expected = utf8_sorted(keys)
    assert keys_of(s3.list_objects_v2(Bucket=bucket)) == expected
    assert keys_of(s3.list_objects(Bucket=bucket)) == expected
    # And paging one by one keeps that order.
    seen = [e[1] for p in v2_pages(s3, bucket, 1) for e in entries_of(p)]
    assert seen == expected


# ------------------------------------------------------------ paginators


@pytest.fixture(scope="module")
def many_keys(server):
    """One read-only bucket of 2,100 keys shared by the paginator tests."""
    s3 = server.client()
    bucket = "list-many-" + uuid.uuid4().hex[:16]
    s3.create_bucket(Bucket=bucket)
    keys = [f"{g}/{i:04d}" for g in ("alpha", "beta") for i in range(1000)]
    keys += [f"root-{i:03d}" for i in range(100)]
    put_keys(s3, bucket, keys, threads=24)
    yield bucket, keys
    delete_keys(s3, bucket, keys)
    s3.delete_bucket(Bucket=bucket)


def test_v2_paginator_over_thousands_of_keys(s3, many_keys):
    bucket, keys = many_keys
    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=bucket))
    assert [len(keys_of(p)) for p in pages] == [1000, 1000, 100]
    assert [p["IsTruncated"] for p in pages] == [True, True, False]
    assert [k for p in pages for k in keys_of(p)] == utf8_sorted(keys)


def test_v1_paginator_over_thousands_of_keys(s3, many_keys):
    bucket, keys = many_keys
    pages = list(s3.get_paginator("list_objects").paginate(Bucket=bucket,
                                                           PaginationConfig={"PageSize": 700}))
    assert [k for p in pages for k in keys_of(p)] == utf8_sorted(keys)
    assert all(p["IsTruncated"] for p in pages[:-1]) and not pages[-1]["IsTruncated"]


def test_delimiter_collapses_thousands_of_keys_into_prefixes(s3, many_keys):
    bucket, keys = many_keys
    resp = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert prefixes_of(resp) == ["alpha/", "beta/"]
    assert keys_of(resp) == [f"root-{i:03d}" for i in range(100)]
    assert resp["IsTruncated"] is False
    pages = list(s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Delimiter="/", PaginationConfig={"PageSize": 2}))
    seen = [e for p in pages for e in entries_of(p)]
    assert seen == expected_listing(keys, "", "/")


def test_paginator_with_prefix_over_many_keys(s3, many_keys):
    bucket, keys = many_keys
    pages = list(s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix="beta/", PaginationConfig={"PageSize": 300}))
    assert [len(keys_of(p)) for p in pages] == [300, 300, 300, 100]
    assert [k for p in pages for k in keys_of(p)] == [f"beta/{i:04d}" for i in range(1000)]
