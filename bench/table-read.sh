#!/usr/bin/env bash
# Reading a large table: the Spotify export's 12 audio features resampled to 10k, 100k and 1M
# rows with small noise (bench/resample_table.py), read by `genrekit split` (parse, column roles,
# numbers, labels, groups; the split itself is a small part) and by pandas.read_csv, as whole
# processes: seconds and peak RSS. Needs ../shared/data and .venv-ref.
#   bench/table-read.sh [sizes, default: 10000 100000 1000000]
source "$(dirname "$0")/prologue.sh"
sizes=("${@:-10000 100000 1000000}")
[ $# -eq 0 ] && sizes=(10000 100000 1000000)
printf '%-9s %-9s %10s %10s %10s %10s\n' rows MB genrekit-s pandas-s genrekit-MB pandas-MB
for rows in "${sizes[@]}"; do
  table="$out/spotify-$rows.csv"
  [ -f "$table" ] || "$python" bench/resample_table.py spotify ../shared/data/spotify/spotify_songs.csv "$rows" "$table"
  read -r ours ours_kb < <(/usr/bin/time -f '%e %M' "$genrekit" split "$table" --label playlist_genre --group track_artist \
    --test-size 0.2 --output "$out/split-$rows.csv" 2>&1 >/dev/null | tail -1)
  read -r theirs theirs_kb < <(/usr/bin/time -f '%e %M' "$python" -c "import pandas, sys; pandas.read_csv(sys.argv[1])" "$table" 2>&1 | tail -1)
  printf '%-9s %-9s %10s %10s %10d %10d\n' "$rows" "$(( $(stat -c %s "$table") / 1000000 ))" "$ours" "$theirs" $((ours_kb / 1024)) $((theirs_kb / 1024))
done
