"""Test certificates made with the `openssl` command: a CA of the test's own
and server certificates it signs for 127.0.0.1 and localhost, laid out as
`silo server --certs-dir` reads them (DIR/public.crt, DIR/private.key, and
DIR/CAs/ for the CAs nodes trust when they call each other)."""

import shutil
import subprocess
from pathlib import Path


def _openssl(*args, cwd):
    subprocess.run(["openssl", *map(str, args)], cwd=cwd, check=True, capture_output=True,
                   timeout=60)


class TestCA:
    """A CA in `folder` (ca.crt, ca.key) that signs server certificates."""

    __test__ = False  # not a pytest class

    def __init__(self, folder, name="Silo Test CA"):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.cert = self.folder / "ca.crt"
        self.key = self.folder / "ca.key"
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-nodes", "-keyout", self.key, "-out", self.cert, "-days", "2",
                 "-subj", f"/CN={name}",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=self.folder)

    def issue(self, certs_dir, common_name="silo-test-server", serial=1, trust_self=True):
        """Writes certs_dir/public.crt and private.key, a certificate for
        127.0.0.1 and localhost with `common_name` and `serial`, signed by
        this CA; with `trust_self`, also certs_dir/CAs/test-ca.crt (what
        nodes verify each other with). Returns certs_dir."""
        certs_dir = Path(certs_dir)
        certs_dir.mkdir(parents=True, exist_ok=True)
        work = self.folder / f"issue-{serial}"
        work.mkdir(exist_ok=True)
        (work / "ext.cnf").write_text(
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
            "basicConstraints=CA:FALSE\n"
            "keyUsage=critical,digitalSignature\n"
            "extendedKeyUsage=serverAuth,clientAuth\n")
        _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", "private.key", "-out", "server.csr", "-subj", f"/CN={common_name}",
                 cwd=work)
        _openssl("x509", "-req", "-in", "server.csr", "-CA", self.cert, "-CAkey", self.key,
                 "-set_serial", serial, "-days", "2", "-out", "public.crt",
                 "-extfile", "ext.cnf", cwd=work)
        # Key first, then the certificate, each replaced whole: a server that
        # looks in between sees a pair that does not match and keeps the old.
        for name in ("private.key", "public.crt"):
            shutil.copy(work / name, certs_dir / (name + ".tmp"))
            (certs_dir / (name + ".tmp")).replace(certs_dir / name)
        if trust_self:
            (certs_dir / "CAs").mkdir(exist_ok=True)
            shutil.copy(self.cert, certs_dir / "CAs" / "test-ca.crt")
        return certs_dir


def cert_serial(pem):
    """The serial number (hex, upper case) of a PEM certificate."""
    out = subprocess.run(["openssl", "x509", "-noout", "-serial"], input=pem, text=True,
                         capture_output=True, check=True, timeout=30).stdout
    return out.strip().split("=", 1)[1]
