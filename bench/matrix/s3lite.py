"""A small S3 client for the LIST cases of bench/run-matrix: SigV4 signing,
a concurrent filler that writes many empty objects, and a sequential lister
that times a complete listing (flat or with a delimiter).

Only the standard library, so it runs on Debian's python3 without pip. The
same code is used against Silo and the peers, so their figures share one
client and its overhead (parsing is a few regular expressions per page)."""

import datetime
import hashlib
import hmac
import http.client
import re
import threading
import time
import urllib.parse
from concurrent.futures import ProcessPoolExecutor

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


class S3Error(Exception):
    pass


def _quote(value):
    return urllib.parse.quote(value, safe="-_.~")


class Client:
    """One keep-alive HTTP connection to an S3 endpoint; not thread-safe."""

    def __init__(self, endpoint, access_key, secret_key, region="us-east-1", timeout=300):
        url = urllib.parse.urlsplit(endpoint)
        self.host, self.port = url.hostname, url.port or 80
        self.host_header = f"{self.host}:{self.port}"
        self.access_key, self.secret_key, self.region = access_key, secret_key, region
        self.timeout = timeout
        self.conn = None
        self._key_date = None
        self._key = None

    def _signing_key(self, date):
        if self._key_date != date:
            k = hmac.new(("AWS4" + self.secret_key).encode(), date.encode(), hashlib.sha256)
            for part in (self.region, "s3", "aws4_request"):
                k = hmac.new(k.digest(), part.encode(), hashlib.sha256)
            self._key_date, self._key = date, k.digest()
        return self._key

    def request(self, method, path, query=None, body=b""):
        """Sends one signed request; returns (status, body bytes)."""
        now = datetime.datetime.now(datetime.timezone.utc)
        amz_date = now.strftime("%Y%m%dT%H%M%SZ")
        date = amz_date[:8]
        payload_hash = EMPTY_SHA256 if not body else hashlib.sha256(body).hexdigest()
        canonical_query = "&".join(
            f"{_quote(k)}={_quote(v)}" for k, v in sorted((query or {}).items()))
        canonical_path = _quote(path).replace("%2F", "/")
        headers = {"host": self.host_header, "x-amz-content-sha256": payload_hash,
                   "x-amz-date": amz_date}
        signed = ";".join(sorted(headers))
        canonical = "\n".join([method, canonical_path, canonical_query,
                               "".join(f"{k}:{headers[k]}\n" for k in sorted(headers)),
                               signed, payload_hash])
        scope = f"{date}/{self.region}/s3/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                             hashlib.sha256(canonical.encode()).hexdigest()])
        signature = hmac.new(self._signing_key(date), to_sign.encode(), hashlib.sha256).hexdigest()
        headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={self.access_key}/{scope}, "
                                    f"SignedHeaders={signed}, Signature={signature}")
        headers["content-length"] = str(len(body))
        target = canonical_path + ("?" + canonical_query if canonical_query else "")
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, target, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.getheader("connection", "").lower() == "close":
                    self.close()
                return resp.status, data
            except (ConnectionError, http.client.HTTPException):
                # A keep-alive connection the server closed: retry once on a new one.
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def create_bucket(self, bucket):
        status, data = self.request("PUT", f"/{bucket}")
        if status not in (200, 409):
            raise S3Error(f"create bucket {bucket}: HTTP {status}: {data[:300]!r}")

    def put_empty(self, bucket, key):
        status, data = self.request("PUT", f"/{bucket}/{key}")
        if status != 200:
            raise S3Error(f"PUT {key}: HTTP {status}: {data[:300]!r}")


_KEY = re.compile(rb"<Key>([^<]*)</Key>")
_COMMON = re.compile(rb"<CommonPrefixes>\s*<Prefix>([^<]*)</Prefix>")
_TOKEN = re.compile(rb"<NextContinuationToken>([^<]*)</NextContinuationToken>")
_TRUNCATED = re.compile(rb"<IsTruncated>true</IsTruncated>")


def _unescape(b):
    return (b.decode().replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


def list_all(client, bucket, prefix="", delimiter=""):
    """Every page of ListObjectsV2; returns (keys, common prefixes, pages)."""
    keys, prefixes, pages, token = 0, [], 0, None
    while True:
        query = {"list-type": "2", "max-keys": "1000", "prefix": prefix}
        if delimiter:
            query["delimiter"] = delimiter
        if token:
            query["continuation-token"] = token
        status, data = client.request("GET", f"/{bucket}", query)
        if status != 200:
            raise S3Error(f"list {bucket}/{prefix}: HTTP {status}: {data[:300]!r}")
        pages += 1
        keys += len(_KEY.findall(data))
        prefixes += [_unescape(p) for p in _COMMON.findall(data)]
        if not _TRUNCATED.search(data):
            return keys, prefixes, pages
        m = _TOKEN.search(data)
        if not m:
            raise S3Error("truncated listing without NextContinuationToken")
        token = _unescape(m.group(1))


def key_name(i, dirs):
    """The i-th key of a LIST bucket: spread over `dirs` folders, one level deep."""
    return f"d{i % dirs:04d}/k{i:08d}"


def _fill_range(endpoint, access_key, secret_key, bucket, start, stop, step, dirs, threads):
    """Runs in a worker process: PUTs keys start, start+step, ... < stop.
    `endpoint` may be a list (a cluster's nodes): thread t uses the t-th."""
    ids = range(start, stop, step)
    errors = []
    endpoints = list(endpoint) if isinstance(endpoint, (list, tuple)) else [endpoint]

    def work(t):
        c = Client(endpoints[t % len(endpoints)], access_key, secret_key)
        try:
            for i in ids[t::threads]:
                c.put_empty(bucket, key_name(i, dirs))
        except Exception as e:  # noqa: BLE001 - reported to the parent
            errors.append(str(e))
        finally:
            c.close()

    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if errors:
        raise S3Error(errors[0])
    return len(ids)


def fill(endpoint, access_key, secret_key, bucket, count, dirs, processes=2, threads=16,
         progress=None):
    """Writes `count` empty objects named by key_name() with processes x threads
    connections; returns the seconds it took. `progress(done)` is called now
    and then with a rough count of objects written. `endpoint` may be a list
    of a cluster's nodes: the connections are spread over them."""
    first = endpoint[0] if isinstance(endpoint, (list, tuple)) else endpoint
    c = Client(first, access_key, secret_key)
    c.create_bucket(bucket)
    c.close()
    t0 = time.monotonic()
    chunk = 20000
    with ProcessPoolExecutor(max_workers=processes) as ex:
        done = 0
        for base in range(0, count, chunk):
            stop = min(count, base + chunk)
            futures = [ex.submit(_fill_range, endpoint, access_key, secret_key, bucket,
                                 base + p, stop, processes, dirs, threads)
                       for p in range(processes)]
            for f in futures:
                done += f.result()
            if progress:
                progress(done)
    return time.monotonic() - t0


def time_listing(endpoint, access_key, secret_key, bucket, expect, dirs, mode, budget_s,
                 max_runs=5):
    """Times complete listings of a bucket filled by fill(), repeating until
    `budget_s` seconds passed (at least once, at most max_runs). Modes:
      flat   - every key, all pages, no delimiter;
      root   - the top level with delimiter '/': the `dirs` common prefixes only;
      walk   - the top level with '/', then every folder with '/': every key.
    Returns a dict with the median seconds and keys (entries) per second."""
    c = Client(endpoint, access_key, secret_key)
    times, entries, pages = [], 0, 0
    t_end = time.monotonic() + budget_s
    try:
        while True:
            t0 = time.monotonic()
            if mode == "flat":
                entries, _, pages = list_all(c, bucket)
            else:
                n, folders, pages = list_all(c, bucket, delimiter="/")
                entries = n + len(folders)
                if mode == "walk":
                    entries = 0
                    for f in folders:
                        k, sub, p = list_all(c, bucket, prefix=f, delimiter="/")
                        entries += k + len(sub)
                        pages += p
            times.append(time.monotonic() - t0)
            want = expect if mode != "root" else dirs
            if entries != want:
                raise S3Error(f"{mode} listing returned {entries} entries, expected {want}")
            if len(times) >= max_runs or time.monotonic() >= t_end:
                break
    finally:
        c.close()
    times.sort()
    median = times[len(times) // 2]
    return {"mode": mode, "entries": entries, "pages": pages, "runs": len(times),
            "seconds": median, "seconds_all": times,
            "keys_per_s": entries / median if median > 0 else 0.0}
