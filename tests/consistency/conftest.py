"""Fixtures for the consistency suite: the integration suite's real servers,
loaded under another name so the two conftest modules do not clash (as in
tests/clients/conftest.py)."""

import importlib.util
import sys
from pathlib import Path

_INTEGRATION = Path(__file__).resolve().parents[1] / "integration"
if "silo_integration_conftest" in sys.modules:
    fixtures = sys.modules["silo_integration_conftest"]
else:
    _spec = importlib.util.spec_from_file_location("silo_integration_conftest",
                                                   _INTEGRATION / "conftest.py")
    fixtures = importlib.util.module_from_spec(_spec)
    sys.modules["silo_integration_conftest"] = fixtures
    _spec.loader.exec_module(fixtures)

globals().update({name: value for name, value in vars(fixtures).items()
                  if not name.startswith("_") and name not in ("pytest_configure", "server")})


def pytest_configure(config):
    fixtures.pytest_configure(config)
