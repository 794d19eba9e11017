#!/usr/bin/env bash
# Fit + predict time and accuracy of GenreKit's models against scikit-learn's on the Spotify export
# (12 audio features → playlist_genre, artist-grouped 20 % holdout written once by `genrekit split`
# and used by both), 2 threads each, in one run. Needs ../shared/data/spotify and .venv-ref.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv-ref/bin/python}
table=../shared/data/spotify/spotify_songs.csv
features=danceability,energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,duration_ms
out=bench/out
mkdir -p "$out"
swift build -c release --product genrekit >/dev/null
genrekit=.build/release/genrekit
"$genrekit" split "$table" --label playlist_genre --group track_artist --features "$features" --test-size 0.2 --seed 0 --output "$out/spotify-split.csv"
"$genrekit" compare "$table" --label playlist_genre --group track_artist --features "$features" --split "$out/spotify-split.csv" \
  --jobs 2 --format csv > "$out/genrekit-models.csv"
"$python" bench/sklearn_models.py "$table" "$out/spotify-split.csv" playlist_genre track_artist "$features" > "$out/sklearn-models.csv"
"$python" - "$out/genrekit-models.csv" "$out/sklearn-models.csv" <<'PY'
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
