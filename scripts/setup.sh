#!/usr/bin/env bash
# Installs every Debian package Silo needs to build and test, then builds it.
# Safe to run again: packages already present are not reinstalled and the
# build is incremental (ccache).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  # build
  g++ cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-url1.81-dev libssl-dev libisal-dev libhighwayhash-dev
  librocksdb-dev libpugixml-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev
  libcurl4-openssl-dev libgtest-dev libgmock-dev libbenchmark-dev
  # tests
  python3 python3-venv python3-pytest python3-pytest-xdist python3-boto3 python3-requests
  awscli s3cmd rclone curl
  # TLS tests make their CA and certificates with openssl; clients trust the
  # system bundle of ca-certificates
  openssl ca-certificates
  # client suites beyond Python (tests/clients/): Go SDKs (GOPATH mode, no
  # downloads), Ruby SDK, restic
  golang-go golang-github-minio-minio-go-v7-dev golang-github-aws-aws-sdk-go-dev
  ruby ruby-aws-sdk-s3 restic
  # bench/run-matrix (machine limits: static files, HTTP load, loopback TCP)
  nginx wrk iperf3
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm (the JavaScript SDK suite): Debian's, unless the machine
# already has a Node.js that ships npm (Debian's npm conflicts with those).
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The JavaScript SDK suite's packages (tests/clients/js), pinned by its
# package-lock.json: installed again only when the lock file is newer.
JS_DIR=tests/clients/js
if [ ! -d "$JS_DIR/node_modules" ] || [ "$JS_DIR/package-lock.json" -nt "$JS_DIR/node_modules" ]; then
  echo "==> npm ci in $JS_DIR"
  (cd "$JS_DIR" && npm ci --no-audit --no-fund)
  touch "$JS_DIR/node_modules"
fi

BUILD_TYPE="${SILO_BUILD_TYPE:-Release}"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
# Paths relative to the checkout, so clones in other folders share the cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" >/dev/null
fi
echo "==> building"
cmake --build build -j"$(nproc)" "$@"
