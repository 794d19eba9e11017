#!/usr/bin/env bash
# GenreKit's Gaussian HMMs against hmmlearn in one run, on the same 13-MFCC frames (the 120 FLAC
# clips of ../shared: 1198 3-s segments, 155,740 frames, 3 classes), same threads: training (one
# HMM per class, 4 states, 20 EM iterations, diag and full) and scoring speed, the model files
# loaded into hmmlearn, and per-track accuracy on the same held-out tracks.
#   bench/hmm.sh [threads, default 1]
source "$(dirname "$0")/prologue.sh"
threads=${1:-1}
export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads MKL_NUM_THREADS=$threads
"$genrekit" dataset ../shared/data/gtzan/audio-flac --representation mfcc --output "$out/mfcc13" --quiet 2>/dev/null

# Whole-process seconds; the command's own report of its fitting or scoring time is left in
# $out/stderr.txt.
seconds() { /usr/bin/time -f '%e' -o "$out/time.txt" "$@" >/dev/null 2>"$out/stderr.txt"; cat "$out/time.txt"; }
inside() { grep -o "$1 [0-9.]* s" "$out/stderr.txt" | grep -o "[0-9.]* s"; }
: > "$out/hmm-predictions.jsonl"
for kind in diag full; do
  fit=$(seconds "$genrekit" train "$out/mfcc13" --model hmm --covariance $kind --iterations 20 --tolerance 0 --jobs "$threads" --output "$out/hmm-$kind-all.json")
  fit_inside=$(inside "fitting took")
  score=$(seconds "$genrekit" predict "$out/hmm-$kind-all.json" "$out/mfcc13" --jobs "$threads")
  score_inside=$(inside "segments in")
  echo "genrekit $kind: fit $fit_inside, score $score_inside (as whole processes, with reading the dataset: fit $fit s, score $score s)"
  "$genrekit" train "$out/mfcc13" --model hmm --covariance $kind --test-size 0.2 --jobs "$threads" --output "$out/hmm-$kind.json" 2>/dev/null
  "$genrekit" evaluate "$out/hmm-$kind.json" "$out/mfcc13" 2>&1 >/dev/null | grep -o "per track (.*" | sed "s/(.*)): /on the held-out tracks: /; s/^/genrekit $kind: /"
  "$genrekit" predict "$out/hmm-$kind-all.json" "$out/mfcc13" --format json --top 3 --quiet | "$python" -c "import json,sys; print(json.dumps(json.load(sys.stdin)))" >> "$out/hmm-predictions.jsonl"
done
"$python" bench/hmm_reference.py "$out/mfcc13" "$out/hmm-diag-all.json" "$out/hmm-full-all.json" \
  "$out/hmm-diag.json" "$out/hmm-full.json" < "$out/hmm-predictions.jsonl"
