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
  # bench/run-matrix (machine limits: static files, HTTP load, loopback TCP)
  nginx wrk iperf3
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
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
