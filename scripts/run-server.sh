#!/usr/bin/env bash
# Sets up, builds and starts a Silo server on ./data (port 9000).
# Credentials come from SILO_ROOT_USER / SILO_ROOT_PASSWORD; without them the
# server uses the default ones (see README) and listens on loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --target silo
mkdir -p data
exec ./build/silo server "${@:-./data}"
