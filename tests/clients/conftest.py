"""Fixtures for the client suites beyond Python (Go, Ruby, JavaScript, backup
tools). Each suite lives in tests/clients/<client>/ with its own sources and a
pytest driver that starts a real `silo server` and runs the client against it.
The server fixtures are the integration suite's, loaded under another name so
the two conftest modules do not clash."""

import importlib.util
import sys
from pathlib import Path

import pytest

import clienthelpers

_INTEGRATION = Path(__file__).resolve().parents[1] / "integration"
_spec = importlib.util.spec_from_file_location("silo_integration_conftest",
                                               _INTEGRATION / "conftest.py")
fixtures = importlib.util.module_from_spec(_spec)
sys.modules["silo_integration_conftest"] = fixtures
_spec.loader.exec_module(fixtures)

# Integration tests import helpers with `from conftest import ...`; when both
# folders run in one pytest session, "conftest" may name this module, so it
# offers the same names.
globals().update({name: value for name, value in vars(fixtures).items()
                  if not name.startswith("_") and name not in ("pytest_configure", "server")})

SiloServer = fixtures.SiloServer
assert (clienthelpers.ACCESS_KEY, clienthelpers.SECRET_KEY) == (fixtures.ACCESS_KEY,
                                                                fixtures.SECRET_KEY)


def pytest_configure(config):
    fixtures.pytest_configure(config)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of its own for each client suite (suites run in parallel)."""
    drive = tmp_path_factory.mktemp("client-suite") / "drive"
    srv = SiloServer([drive]).start()
    yield srv
    srv.stop()
