"""Small real filesystems for the capacity tests: tmpfs mounts made by the
test (root only, as on the CI machine) and filling them through S3 until the
server refuses."""

import os
import subprocess
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

KIB = 1024
MIB = 1024 * KIB


def require_root():
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a tmpfs (a real small filesystem); "
                    "run the capacity tests as root, as the CI machine does")


class Tmpfs:
    """A tmpfs of `size` bytes at `path`, unmounted by umount()."""

    def __init__(self, path, size):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(self.path)],
                       check=True)
        self.mounted = True

    def free(self):
        st = os.statvfs(self.path)
        return st.f_bavail * st.f_frsize

    def total(self):
        st = os.statvfs(self.path)
        return st.f_blocks * st.f_frsize

    def umount(self):
        if self.mounted:
            # Lazy: a server that failed to stop must not keep the mount alive.
            subprocess.run(["umount", "-l", str(self.path)], check=False)
            self.mounted = False


@pytest.fixture
def tmpfs(tmp_path):
    """tmpfs(size, name="d1") mounts a tmpfs at tmp_path/fs/NAME, to serve as
    one drive folder (the server's log then stays outside it, in tmp_path/fs).
    Every mount is removed at teardown, after the servers the test made are
    stopped (this fixture is requested before make_server, so it is
    finalized after it)."""
    require_root()
    mounts = []

    def mount(size, name="d1"):
        fs = Tmpfs(tmp_path / "fs" / name, size)
        mounts.append(fs)
        return fs

    yield mount
    for fs in mounts:
        fs.umount()


def error_of(exc):
    return exc.response["Error"]["Code"], exc.response["ResponseMetadata"]["HTTPStatusCode"]


def fill(s3, bucket, size, prefix="obj-", limit=100000, data=None):
    """PUTs `size`-byte objects until the server refuses one. Returns the keys
    stored (with their bytes) and the refusal (ClientError)."""
    data = data if data is not None else os.urandom(size)
    stored = {}
    for i in range(limit):
        key = f"{prefix}{i:06d}"
        try:
            s3.put_object(Bucket=bucket, Key=key, Body=data)
        except ClientError as e:
            return stored, e
        stored[key] = data
    raise AssertionError(f"{limit} objects of {size} bytes fit: the filesystem never filled")
