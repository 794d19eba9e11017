#!/usr/bin/env bash
# Speed and memory of `genrekit extract` against librosa (the Kaggle recipe) on the same GTZAN clips,
# in one run. Needs ../shared/data/gtzan/audio and the reference venv (.venv-ref, see README).
#   bench/extract.sh [number of clips for the single-threaded comparison, default 10]
#                    [number of files for the throughput at GTZAN's size, default 1000]
source "$(dirname "$0")/prologue.sh"
clips_dir=../shared/data/gtzan/audio
count=${1:-10}
corpus_size=${2:-1000}
mapfile -t clips < <(find "$clips_dir" -name '*.wav' | sort | head -n "$count")
mapfile -t all_clips < <(find "$clips_dir" -name '*.wav' | sort)
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1

echo "== single-threaded, per 30-s clip (${#clips[@]} clips) =="
"$python" bench/librosa_kaggle.py "${clips[@]}" > "$out/librosa.jsonl"
librosa_median=$("$python" -c "import json,statistics,sys; print(statistics.median(json.loads(l)['seconds'] for l in open(sys.argv[1]) if 'clip' in l))" "$out/librosa.jsonl")
librosa_rss=$(tail -1 "$out/librosa.jsonl" | "$python" -c "import json,sys; print(round(json.load(sys.stdin)['peak_rss_mb']))")
# genrekit: the whole process (start, decode, features, CSV) per clip, one clip per run.
# Timed with bash's clock ($EPOCHREALTIME), so that no helper process is counted.
genrekit_times=()
for clip in "${clips[@]}"; do
  start=$EPOCHREALTIME
  "$genrekit" extract "$clip" --output "$out/one.csv" --jobs 1 --quiet
  end=$EPOCHREALTIME
  genrekit_times+=("$(echo "$end - $start" | bc -l)")
done
genrekit_median=$(printf '%s\n' "${genrekit_times[@]}" | "$python" -c "import statistics,sys; print(statistics.median(float(l) for l in sys.stdin))")
# genrekit: the same clips in one process, one thread (start-up and first page faults amortised);
# the median of three runs, as librosa's figure is a median (this VM's speed varies by 10-20 %
# from one second to the next).
batch_runs=()
for _ in 1 2 3; do
  start=$EPOCHREALTIME
  /usr/bin/time -f '%M' -o "$out/time1.txt" "$genrekit" extract "${clips[@]}" --output "$out/batch.csv" --jobs 1 --quiet
  end=$EPOCHREALTIME
  batch_runs+=("$(echo "$end - $start" | bc -l)")
done
read -r batch_rss_kb < "$out/time1.txt"
batch_seconds=$(printf '%s\n' "${batch_runs[@]}" | "$python" -c "import statistics,sys; print(statistics.median(float(l) for l in sys.stdin))")
batch_per_clip=$(echo "$batch_seconds / ${#clips[@]}" | bc -l)
printf 'librosa 0.11 (Kaggle recipe), warm:         %.3f s/clip (median), peak RSS %s MB\n' "$librosa_median" "$librosa_rss"
printf 'genrekit, one process per clip, --jobs 1:   %.3f s/clip (median)   ratio %.1fx\n' \
  "$genrekit_median" "$(echo "$librosa_median / $genrekit_median" | bc -l)"
printf 'genrekit, one process for all, --jobs 1:    %.3f s/clip (median of 3 runs) ratio %.1fx, peak RSS %d MB\n' \
  "$batch_per_clip" "$(echo "$librosa_median / $batch_per_clip" | bc -l)" "$((batch_rss_kb / 1024))"

# Start-up alone: the median of 20 runs of `genrekit --version`.
startups=()
for _ in $(seq 20); do
  start=$EPOCHREALTIME
  "$genrekit" --version >/dev/null
  end=$EPOCHREALTIME
  startups+=("$(echo "$end - $start" | bc -l)")
done
printf 'genrekit --version (start-up):              %.1f ms (median of 20)\n' \
  "$(printf '%s\n' "${startups[@]}" | "$python" -c "import statistics,sys; print(1000 * statistics.median(float(l) for l in sys.stdin))")"

# Times `genrekit extract <arguments> --jobs 2` over <clips> clips into <output>.
throughput() {  # clips output arguments...
  local clips=$1 output=$2 seconds rss_kb
  shift 2
  /usr/bin/time -f '%e %M' -o "$out/time.txt" "$genrekit" extract "$@" --output "$output" --jobs 2 --quiet
  read -r seconds rss_kb < "$out/time.txt"
  printf 'genrekit: %.2f s for %d clips = %.1f clips/s, peak RSS %d MB\n' "$seconds" "$clips" \
    "$(echo "$clips / $seconds" | bc -l)" "$((rss_kb / 1024))"
}

echo "== throughput, all ${#all_clips[@]} clips, --jobs 2 =="
throughput "${#all_clips[@]}" "$out/all.csv" "${all_clips[@]}"

# GTZAN's size: symbolic links cycling through the 29 WAV and 120 FLAC clips (so 826 of 1,000
# decode FLAC), in one folder, as a user would extract a corpus. Goal: under 20 s with --jobs 2
# on 2 cores, peak memory under 150 MB.
mapfile -t corpus < <(find "$(realpath "$clips_dir")" "$(realpath ../shared/data/gtzan/audio-flac)" -type f \( -name '*.wav' -o -name '*.flac' \) | sort)
rm -rf "$out/corpus"
mkdir -p "$out/corpus"
flac_links=0
for ((i = 0; i < corpus_size; i++)); do
  clip=${corpus[i % ${#corpus[@]}]}
  [[ $clip == *.flac ]] && flac_links=$((flac_links + 1))
  ln -s "$clip" "$(printf '%s/c%05d.%s' "$out/corpus" "$i" "${clip##*.}")"
done
echo "== throughput, $corpus_size files ($flac_links FLAC) in one folder, --jobs 2 =="
throughput "$corpus_size" "$out/corpus.csv" "$out/corpus" --label x
