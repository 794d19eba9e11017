#!/usr/bin/env bash
# libFuzzer over GenreKit's readers of untrusted bytes, under AddressSanitizer: each target for
# the given time from its committed seed corpus (Tests/Fuzz/corpus/<target>; new inputs go to
# bench/out/fuzz/, not into git). A crash, a hang (-timeout) or a sanitizer report stops the run
# with the input saved beside; add it to Tests/Fuzz/crashes/<target> as a regression case.
#   bench/fuzz.sh [seconds per target, default 60] [targets, default: table model tensors npy audio upload]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("${@:-table model tensors npy audio upload}")
[ $# -eq 0 ] && targets=(table model tensors npy audio upload)
out=bench/out/fuzz
mkdir -p "$out"
# libFuzzer's instrumentation and driver; this executable calls LLVMFuzzerRunDriver from its own
# main (SwiftPM renames an executable's main, so libFuzzer's cannot stand in). lld links it
# (gold stumbles on the duplicate entry points).
swift build -c release --product genrekit-fuzz --scratch-path .build-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld 2>&1 | grep -E "error" || true
binary=.build-fuzz/release/genrekit-fuzz
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
for target in "${targets[@]}"; do
  corpus="$out/corpus-$target"
  mkdir -p "$corpus" && cp -n Tests/Fuzz/corpus/"$target"/* "$corpus"/
  log="$out/$target.log"
  GENREKIT_FUZZ_TARGET=$target "$binary" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$out/$target-" -print_final_stats=1 > "$log" 2>&1 || { tail -30 "$log"; echo "fuzz $target: FAILED (input in $out)"; exit 1; }
  runs=$(grep -o "stat::number_of_executed_units: *[0-9]*" "$log" | grep -o "[0-9]*$")
  echo "fuzz $target: $runs inputs in $seconds s, no crash, hang or sanitizer report"
done
