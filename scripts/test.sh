#!/usr/bin/env bash
# Sets up, builds and runs every test: unit tests (GoogleTest via ctest), then
# the integration suite (pytest, real servers and real clients) with Debian's
# boto3 together with the client suites of tests/clients (Go, Ruby and
# JavaScript SDKs, restic), and, when this machine has one, the integration
# suite again with a current boto3 (>= 1.36).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

echo "==> unit tests"
(cd build && ctest --output-on-failure -j"$(nproc)" --timeout 300)

# A short run of every libFuzzer target from its committed seeds (clang-16,
# ASan + UBSan, in build-fuzz/); a crash fails the test run.
echo "==> fuzz smoke (10 s per target)"
./scripts/fuzz.sh all 10

echo "==> integration tests (Debian boto3), client suites (Go, Ruby, JavaScript, restic) and consistency histories"
/usr/bin/python3 -m pytest -q -n "$(nproc)" tests/integration tests/clients tests/consistency

# A second pass with the newest boto3 on the machine, which sends CRC
# checksums and aws-chunked trailers by default. Its venv sees that Python's
# packages first, then Debian's (for pytest).
NEW_PY=""
for candidate in "${SILO_NEW_SDK_PYTHON:-}" "$(command -v python3 || true)" /root/.pyenv/shims/python3; do
  [ -n "$candidate" ] && [ -x "$candidate" ] || continue
  if "$candidate" -c 'import boto3,sys; v=tuple(int(x) for x in boto3.__version__.split(".")[:2]); sys.exit(0 if v >= (1,36) else 1)' 2>/dev/null; then
    NEW_PY="$candidate"; break
  fi
done
if [ -n "$NEW_PY" ]; then
  VENV=build/venv-new-sdk
  if [ ! -x "$VENV/bin/python" ]; then
    # The venv sees that Python's own packages first (the new boto3), then
    # Debian's (pytest): .pth path lines are appended in order.
    "$NEW_PY" -m venv "$VENV"
    site=$("$VENV/bin/python" -c 'import site; print(site.getsitepackages()[0])')
    "$NEW_PY" -c 'import site; print(site.getsitepackages()[0])' > "$site/silo-test-paths.pth"
    echo "/usr/lib/python3/dist-packages" >> "$site/silo-test-paths.pth"
  fi
  echo "==> integration tests (boto3 $("$VENV/bin/python" -c 'import boto3; print(boto3.__version__)'))"
  "$VENV/bin/python" -m pytest -q -n "$(nproc)" -m "not sdk_independent" tests/integration
else
  echo "==> no boto3 >= 1.36 on this machine: the new-SDK pass is skipped"
fi
