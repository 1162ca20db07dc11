"""The AWS SDK for Ruby (Debian's ruby-aws-sdk-s3) against a real Silo server:
runs the minitest suite s3_test.rb next to this file."""

from pathlib import Path

import pytest

import clienthelpers as helpers

HERE = Path(__file__).resolve().parent




@pytest.mark.sdk_independent
def test_ruby_sdk(server):
    ruby = helpers.require_tool("ruby")
    helpers.run_suite([ruby, str(HERE / "s3_test.rb"), "-v"],
                      env=helpers.client_env(server), cwd=helpers.ROOT, timeout=600)
