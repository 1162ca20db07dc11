"""Concurrent S3 clients that record a history for the checker: every
operation's invocation and completion time (one monotonic clock: all clients
are threads of this process) and what it returned.

Every write sends a body of its own that names it (`write id`, then bytes
derived from the id), so a GET says which write it saw and whether the body
is whole: a body that is not exactly the one its id names is a torn read.
Clients never retry: a failure is seen as it happened."""

import hashlib
import random
import threading
import time
from dataclasses import dataclass, field

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from checker import ABSENT, INDETERMINATE, NOT_FOUND, OK, PRECONDITION_FAILED, Op

ID_LEN = 24
SIZES = (3_000, 200_000, 2_500_000)  # inline, one stripe, several stripes


def body_for(write_id, size):
    head = write_id.encode().ljust(ID_LEN, b".")
    block = hashlib.sha256(head).digest() * 64
    rest = size - ID_LEN
    return head + (block * (rest // len(block) + 1))[:rest]


def write_id_of(data):
    """The write a body belongs to, or None when the body is not exactly one."""
    head = data[:ID_LEN]
    write_id = head.rstrip(b".").decode(errors="replace")
    return write_id if len(data) >= ID_LEN and body_for(write_id, len(data)) == data else None


@dataclass
class Workload:
    endpoint: object  # one URL, or a list: clients are spread over them (a cluster's nodes)
    access_key: str
    secret_key: str
    bucket: str
    keys: list
    writers: int = 6
    readers: int = 6
    listers: int = 1
    seed: int = 0
    sizes: tuple = SIZES
    conditional: bool = True   # some writes are If-None-Match / If-Match
    deletes: bool = True
    history: list = field(default_factory=list)
    torn: list = field(default_factory=list)      # bodies that are no write's
    failures: list = field(default_factory=list)  # ops answered with an error (not 404/412)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _etags: dict = field(default_factory=dict)    # write id -> ETag
    _stop: threading.Event = field(default_factory=threading.Event)
    _next_id: int = 0
    crashed: list = field(default_factory=list)   # exceptions that ended a client
    # Bumped by restart(): clients then open new connections, so no request
    # after a restart goes out on a socket of the killed process.
    epoch: int = 0
    _clients_made: int = 0

    def client(self):
        endpoint = self.endpoint
        if isinstance(endpoint, (list, tuple)):
            with self._lock:
                endpoint = endpoint[self._clients_made % len(endpoint)]
                self._clients_made += 1
        cfg = Config(signature_version="s3v4", s3={"addressing_style": "path"},
                     retries={"total_max_attempts": 1, "mode": "standard"},
                     connect_timeout=3, read_timeout=30, max_pool_connections=4)
        return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=self.access_key,
                            aws_secret_access_key=self.secret_key, region_name="us-east-1",
                            config=cfg)

    def restarted(self):
        with self._lock:
            self.epoch += 1

    def fresh(self, s3, epoch):
        """(client, epoch): a new client when the server restarted since
        `epoch`, else `s3`."""
        if epoch == self.epoch:
            return s3, epoch
        return self.client(), self.epoch

    def new_id(self, client):
        with self._lock:
            self._next_id += 1
            return f"c{client}-w{self._next_id}"

    def record(self, op, error=None):
        """Adds `op` to the history, unless the request never reached the
        server (connection refused while it restarts): that op did not
        happen, and its client pauses before trying again."""
        if isinstance(error, EndpointConnectionError):
            time.sleep(0.05)
            return
        op.ended = time.monotonic()
        with self._lock:
            self.history.append(op)
            if op.indeterminate and op not in self.torn:
                self.failures.append(op)

    # ---------------------------------------------------------------- clients

    def run(self, seconds, during=None):
        """Runs every client for `seconds`; `during(workload)` runs meanwhile on
        this thread (e.g. to kill and restart the server)."""
        threads = []
        roles = (["w"] * self.writers) + (["r"] * self.readers) + (["l"] * self.listers)
        for n, role in enumerate(roles):
            fn = {"w": self._writer, "r": self._reader, "l": self._lister}[role]
            threads.append(threading.Thread(target=self._guard, args=(fn, n), daemon=True))
        for t in threads:
            t.start()
        end = time.monotonic() + seconds
        if during:
            during(self, end)
        while time.monotonic() < end:
            time.sleep(0.05)
        self._stop.set()
        for t in threads:
            t.join(60)
        return self.history

    def _guard(self, fn, n):
        """Runs one client; a bug in the workload must fail the test, not
        quietly shorten the history."""
        try:
            fn(n, random.Random(self.seed + n))
        except Exception as e:  # noqa: BLE001 - reported to the test
            self.crashed.append(f"client {n}: {type(e).__name__}: {e}")
            self._stop.set()

    def _writer(self, n, rng):
        s3, epoch = None, -1
        # Conditional headers go in by hand: Debian's boto3 predates the
        # IfNoneMatch/IfMatch parameters of PutObject.
        extra = {}

        def add_headers(request, **_):
            for name, value in extra.items():
                request.headers[name] = value

        last_seen = {}  # key -> write id this client last wrote
        while not self._stop.is_set():
            if epoch != self.epoch:
                s3, epoch = self.fresh(s3, epoch)
                s3.meta.events.register_first("before-sign.s3.PutObject", add_headers)
            key = rng.choice(self.keys)
            r = rng.random()
            if self.deletes and r < 0.08:
                self._delete(s3, n, key)
                last_seen.pop(key, None)
                continue
            write_id = self.new_id(n)
            kind, expect = "put", None
            if self.conditional and r < 0.18:
                kind = "put_if_absent"
            elif self.conditional and r < 0.30 and key in last_seen:
                kind, expect = "put_if_match", last_seen[key]
            data = body_for(write_id, rng.choice(self.sizes))
            extra.clear()
            if kind == "put_if_absent":
                extra["If-None-Match"] = "*"
            if kind == "put_if_match":
                with self._lock:
                    extra["If-Match"] = self._etags[expect]
            if self._put(s3, n, key, write_id, data, kind, expect):
                last_seen[key] = write_id

    def _put(self, s3, n, key, write_id, data, kind, expect):  # noqa: PLR0913
        op = Op(n, kind, key, time.monotonic(), value=write_id, expect=expect)
        err = None
        try:
            resp = s3.put_object(Bucket=self.bucket, Key=key, Body=data)
            op.completed, op.result = time.monotonic(), OK
            with self._lock:
                self._etags[write_id] = resp["ETag"]
        except ClientError as e:
            err = e
            status = e.response["ResponseMetadata"]["HTTPStatusCode"]
            if status in (412, 409):  # 409: a concurrent conditional write won
                op.completed, op.result = time.monotonic(), PRECONDITION_FAILED
            elif status == 404 and kind == "put_if_match":
                op.completed, op.result = time.monotonic(), NOT_FOUND
            else:
                op.result, op.error = INDETERMINATE, describe_error(e)
        except BotoCoreError as e:
            err = e
            op.result, op.error = INDETERMINATE, type(e).__name__
        self.record(op, err)
        return op.result == OK

    def _delete(self, s3, n, key):
        op = Op(n, "delete", key, time.monotonic())
        err = None
        try:
            s3.delete_object(Bucket=self.bucket, Key=key)
            op.completed, op.result = time.monotonic(), OK
        except (ClientError, BotoCoreError) as e:
            err = e
            op.result, op.error = INDETERMINATE, describe_error(e)
        self.record(op, err)

    def _reader(self, n, rng):
        s3, epoch = None, -1
        while not self._stop.is_set():
            s3, epoch = self.fresh(s3, epoch)
            key = rng.choice(self.keys)
            op = Op(n, "get", key, time.monotonic())
            err = None
            try:
                data = s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
                op.completed = time.monotonic()
                write_id = write_id_of(data)
                if write_id is None:
                    op.result, op.error = INDETERMINATE, f"torn body of {len(data)} bytes"
                    self.torn.append(op)
                else:
                    op.result = write_id
            except ClientError as e:
                err = e
                op.completed = time.monotonic()
                if e.response["Error"].get("Code") in ("NoSuchKey", "404"):
                    op.result = ABSENT
                else:
                    op.result, op.error = INDETERMINATE, describe_error(e)
            except BotoCoreError as e:
                err = e
                op.result, op.error = INDETERMINATE, describe_error(e)
            self.record(op, err)

    def _lister(self, n, rng):
        s3, epoch = None, -1
        while not self._stop.is_set():
            s3, epoch = self.fresh(s3, epoch)
            op = Op(n, "list", "", time.monotonic())
            err = None
            try:
                pages = s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
                op.result = {o["Key"] for p in pages for o in p.get("Contents", [])}
                op.completed = time.monotonic()
            except (ClientError, BotoCoreError) as e:
                err = e
                op.result, op.error = INDETERMINATE, describe_error(e)
            self.record(op, err)
            time.sleep(rng.random() * 0.05)


def describe_error(e):
    if isinstance(e, ClientError):
        return (f"{e.response['ResponseMetadata']['HTTPStatusCode']} "
                f"{e.response['Error'].get('Code')}: {e.response['Error'].get('Message', '')}")
    return f"{type(e).__name__}: {e}"
