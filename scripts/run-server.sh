#!/usr/bin/env bash
# Sets up, builds and starts a Silo server on ./data (port 9000).
# Credentials come from SILO_ROOT_USER / SILO_ROOT_PASSWORD, or defaults
# that the server prints.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --target silo
mkdir -p data
exec ./build/silo server "${@:-./data}"
