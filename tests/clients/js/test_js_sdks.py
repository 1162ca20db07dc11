"""The JavaScript SDKs against a real Silo server: minio-js and the AWS SDK
for JavaScript v3 (client-s3, lib-storage, s3-request-presigner), run with
Node's built-in test runner (`node --test tests/clients/js/`). The packages
are pinned in package-lock.json next to this file and installed into
node_modules/ by ./scripts/setup.sh (`npm ci`)."""

from pathlib import Path

import pytest

import clienthelpers as helpers

HERE = Path(__file__).resolve().parent




@pytest.mark.sdk_independent
def test_js_sdks(server):
    node = helpers.require_tool("node")
    modules = HERE / "node_modules"
    for package in ("minio", "@aws-sdk/client-s3", "@aws-sdk/lib-storage", "@aws-sdk/s3-request-presigner"):
        if not (modules / package / "package.json").is_file():
            pytest.fail(f"{modules / package} is missing: run ./scripts/setup.sh "
                        "(it runs `npm ci` in tests/clients/js)")
    root = helpers.ROOT
    out = helpers.run_suite(
        [node, "--test", "--test-reporter=spec", f"{HERE.relative_to(root)}/"],
        env=helpers.client_env(server), cwd=root, timeout=600)
    assert "fail 0" in out, out[-5000:]
