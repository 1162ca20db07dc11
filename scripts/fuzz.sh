#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang-16, ASan + UBSan, in
# build-fuzz/) and runs them.
#
#   scripts/fuzz.sh [TARGET|all] [SECONDS] [libFuzzer flags...]
#
# TARGET is http, chunked, sigv4, xml, record or policy (default: all); SECONDS is the
# run time of each target (default 60). Extra flags go to libFuzzer, e.g.
# `scripts/fuzz.sh xml 3600 -runs=10000000` (for long runs of chunked, add
# -max_len=4096: its AWS example seeds are 66 KiB, and libFuzzer otherwise
# mutates inputs that long, at a third of the speed). Each target starts from a copy of
# its seeds (tests/fuzz/corpus/<target>/) in a temporary folder, so the
# committed corpus only changes by hand; inputs that crash are saved as
# build-fuzz/artifacts/<target>/crash-*. The script fails when any target
# finds a crash, a leak, a timeout or a broken invariant.
set -euo pipefail
cd "$(dirname "$0")/.."

WHAT="${1:-all}"
SECONDS_PER_TARGET="${2:-60}"
shift $(($# > 2 ? 2 : $#))
ALL_TARGETS=(http chunked sigv4 xml record policy)

if [ "$WHAT" = all ]; then
  TARGETS=("${ALL_TARGETS[@]}")
else
  WHAT="${WHAT%_fuzz}"
  if [[ ! " ${ALL_TARGETS[*]} " =~ " $WHAT " ]]; then
    echo "unknown fuzz target '$WHAT' (one of: ${ALL_TARGETS[*]}, all)" >&2
    exit 2
  fi
  TARGETS=("$WHAT")
fi

# Debian's clang-16 and its libFuzzer runtime.
missing=()
for p in clang-16 libfuzzer-16-dev; do
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

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
if [ ! -f build-fuzz/build.ninja ]; then
  cmake -S . -B build-fuzz -G Ninja -DSILO_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-16 \
    -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
echo "==> building fuzz targets"
if ! cmake --build build-fuzz -j"$(nproc)" --target "${TARGETS[@]/%/_fuzz}" >build-fuzz/build.log 2>&1; then
  cat build-fuzz/build.log >&2
  exit 1
fi

WORK="$(mktemp -d -t silo-fuzz.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
failed=()
for t in "${TARGETS[@]}"; do
  mkdir -p "$WORK/$t" "build-fuzz/artifacts/$t"
  cp tests/fuzz/corpus/"$t"/* "$WORK/$t/"
  log="build-fuzz/artifacts/$t/last-run.log"
  echo "==> fuzzing $t for ${SECONDS_PER_TARGET} s (log: $log)"
  rc=0
  "build-fuzz/${t}_fuzz" "$WORK/$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=25 \
    -print_final_stats=1 -artifact_prefix="build-fuzz/artifacts/$t/" "$@" >"$log" 2>&1 || rc=$?
  # Coverage when the seeds were loaded and at the end (it must grow: the
  # target reaches the parser), then the number of executions.
  inited=$(grep -m1 -o 'INITED cov: [0-9]* ft: [0-9]*' "$log" || true)
  final=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1 || true)
  execs=$(awk '/^stat::number_of_executed_units:/ {print $2}' "$log")
  secs=$(awk '/^stat::average_exec_per_sec:/ {print $2}' "$log")
  echo "    ${inited:-no INITED line} -> ${final:-?}; ${execs:-?} executions (${secs:-?}/s)"
  if [ "$rc" -ne 0 ]; then
    echo "    $t FAILED (exit $rc):"
    grep -E 'ERROR: |SUMMARY: |broken invariant|does not round-trip|Test unit written to' "$log" |
      head -10 | sed 's/^/      /'
    failed+=("$t")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "==> fuzzing found problems in: ${failed[*]} (inputs in build-fuzz/artifacts/)" >&2
  exit 1
fi
echo "==> fuzzing: no crash in ${TARGETS[*]}"
