#!/usr/bin/env bash
# GenreKit's models against scikit-learn's in one run, on split files written once by `genrekit
# split` and used by both: accuracy and fit + predict seconds (2 threads each).
#   1. Spotify export: 12 audio features → playlist_genre, artist-grouped 20 % holdout (speed).
#   2. GTZAN features_30_sec.csv: 5 folds grouped by track (accuracy).
#   3. GTZAN features_30_sec.csv on the fault-filtered lists (train + valid → test).
# Needs ../shared/data and .venv-ref.
source "$(dirname "$0")/prologue.sh"

compare() {  # name table label group features split-options...   (split options: --lists a,b,c or genrekit split's)
  local name=$1 table=$2 label=$3 group=$4 features=$5
  shift 5
  local table_options=(--label "$label")
  [ "$group" != "-" ] && table_options+=(--group "$group")
  [ "$features" != "-" ] && table_options+=(--features "$features")
  local genrekit_split sklearn_split
  if [ "$1" = "--lists" ]; then
    genrekit_split=(--split-lists "$2")
    sklearn_split="lists:$2"
  else
    "$genrekit" split "$table" "${table_options[@]}" "$@" --seed 0 --output "$out/$name-split.csv" 2>/dev/null
    genrekit_split=(--split "$out/$name-split.csv")
    sklearn_split="$out/$name-split.csv"
  fi
  "$genrekit" compare "$table" "${table_options[@]}" "${genrekit_split[@]}" --jobs 2 --format csv > "$out/$name-genrekit.csv" 2>/dev/null
  "$python" bench/sklearn_models.py "$table" "$sklearn_split" "$label" "$group" "$features" > "$out/$name-sklearn.csv"
  echo "== $name =="
  "$python" - "$out/$name-genrekit.csv" "$out/$name-sklearn.csv" <<'PY'
import csv, sys
ours = {r["model"]: r for r in csv.DictReader(open(sys.argv[1]))}
theirs = {r["model"]: r for r in csv.DictReader(open(sys.argv[2]))}
print(f"{'model':8s} {'acc genrekit':>12s} {'acc sklearn':>12s} {'s genrekit':>11s} {'s sklearn':>10s} {'speed-up':>9s}")
for name in ours:
    o, t = ours[name], theirs[name]
    ot = float(o["fit_seconds"]) + float(o["predict_seconds"])
    tt = float(t["fit_seconds"]) + float(t["predict_seconds"])
    print(f"{name:8s} {float(o['accuracy']):12.3f} {float(t['accuracy']):12.3f} {ot:11.2f} {tt:10.2f} {tt / ot:8.1f}x")
PY
}

compare spotify ../shared/data/spotify/spotify_songs.csv playlist_genre track_artist \
  danceability,energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,duration_ms \
  --test-size 0.2
compare gtzan ../shared/data/gtzan/features_30_sec.csv label - - --folds 5
lists=../shared/data/splits/gtzan-fault-filtered
compare gtzan-fault-filtered ../shared/data/gtzan/features_30_sec.csv label - - \
  --lists "$lists/train_filtered.txt,$lists/valid_filtered.txt,$lists/test_filtered.txt"
