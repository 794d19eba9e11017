#!/usr/bin/env bash
# The mutation property tests (damaged model files and tables) under AddressSanitizer, with many
# cases: a crash, a hang or an out-of-bounds read fails the run.
#   bench/fuzz-properties.sh [cases per test, default 20000]
set -euo pipefail
cd "$(dirname "$0")/.."
cases=${1:-20000}
swift build -c release --sanitize=address --scratch-path .build-asan --build-tests -Xswiftc -enable-testing >/dev/null
start=$EPOCHREALTIME
GENREKIT_MUTATIONS=$cases ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
  swift test -c release --sanitize=address --scratch-path .build-asan -Xswiftc -enable-testing --skip-build \
  --filter MutationPropertyTests
printf 'AddressSanitizer: %d mutated model files and %d mutated tables in %.0f s, no report\n' "$cases" "$cases" \
  "$(echo "$EPOCHREALTIME - $start" | bc -l)"
