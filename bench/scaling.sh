#!/usr/bin/env bash
# How the cost of each tabular model grows with the rows, against scikit-learn's, in one run:
# tables resampled with small noise (bench/resample_table.py) from the Spotify export (12
# features) and from GTZAN's features_30_sec.csv (57 features), one group-aware 20 % holdout per
# table written by `genrekit split` and read by both sides, every model in its own process
# (`genrekit compare --models M` and bench/sklearn_models.py M, 2 threads each) so that its peak
# RSS is its own (the table's read included). Prints accuracy, fit + predict seconds (measured
# inside each process), the speed-up, peak MB, and for each size the growth of the time from the
# size before (10× would be linear). Needs ../shared/data and .venv-ref.
#   bench/scaling.sh [spotify sizes] [gtzan sizes] [models]
#   default: "10000 100000 1000000" "10000 100000" "knn forest logreg mlp"
source "$(dirname "$0")/prologue.sh"
read -r -a spotify_sizes <<<"${1-10000 100000 1000000}"
read -r -a gtzan_sizes <<<"${2-10000 100000}"
read -r -a models <<<"${3:-knn forest logreg mlp}"
spotify_features=danceability,energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,duration_ms

printf '%-8s %8s %-7s %8s %8s %9s %9s %8s %8s %8s %8s %8s\n' \
  table rows model acc-gk acc-skl s-gk s-skl speed-up MB-gk MB-skl growth-gk growth-skl
run() {  # kind source label group features(- for the default) sizes...
  local kind=$1 source=$2 label=$3 group=$4 features=$5
  shift 5
  local feature_options=()
  [ "$features" != "-" ] && feature_options=(--features "$features")
  declare -A previous_ours previous_theirs
  for rows in "$@"; do
    local table="$out/$kind-$rows.csv" split="$out/$kind-$rows-split.csv"
    [ -f "$table" ] || "$python" bench/resample_table.py "$kind" "$source" "$rows" "$table"
    "$genrekit" split "$table" --label "$label" --group "$group" "${feature_options[@]}" --test-size 0.2 --seed 0 --output "$split" 2>/dev/null
    for model in "${models[@]}"; do
      local ours theirs ours_accuracy theirs_accuracy ours_kb theirs_kb
      /usr/bin/time -f '%M' -o "$out/scaling-genrekit.kb" "$genrekit" compare "$table" --label "$label" --group "$group" \
        "${feature_options[@]}" --split "$split" --models "$model" --jobs 2 --format csv --quiet >"$out/scaling-genrekit.csv" 2>/dev/null
      /usr/bin/time -f '%M' -o "$out/scaling-sklearn.kb" "$python" bench/sklearn_models.py "$table" "$split" "$label" "$group" \
        "$features" "$model" >"$out/scaling-sklearn.csv"
      ours_kb=$(cat "$out/scaling-genrekit.kb") theirs_kb=$(cat "$out/scaling-sklearn.kb")
      read -r ours_accuracy ours < <(awk -F, 'NR == 2 { print $2, $4 + $5 }' "$out/scaling-genrekit.csv")
      read -r theirs_accuracy theirs < <(awk -F, 'NR == 2 { print $2, $3 + $4 }' "$out/scaling-sklearn.csv")
      local growth_ours=- growth_theirs=-
      if [ -n "${previous_ours[$model]:-}" ]; then
        growth_ours=$(awk -v a="$ours" -v b="${previous_ours[$model]}" 'BEGIN { printf "%.1fx", a / b }')
        growth_theirs=$(awk -v a="$theirs" -v b="${previous_theirs[$model]}" 'BEGIN { printf "%.1fx", a / b }')
      fi
      previous_ours[$model]=$ours previous_theirs[$model]=$theirs
      awk -v k="$kind" -v n="$rows" -v m="$model" -v oa="$ours_accuracy" -v ta="$theirs_accuracy" -v o="$ours" -v t="$theirs" \
        -v ok="$ours_kb" -v tk="$theirs_kb" -v go="$growth_ours" -v gt="$growth_theirs" \
        'BEGIN { printf "%-8s %8d %-7s %8.3f %8.3f %9.2f %9.2f %7.1fx %8d %8d %8s %8s\n", k, n, m, oa, ta, o, t, t / o, ok / 1024, tk / 1024, go, gt }'
    done
  done
}
run spotify ../shared/data/spotify/spotify_songs.csv playlist_genre track_artist "$spotify_features" "${spotify_sizes[@]}"
run gtzan ../shared/data/gtzan/features_30_sec.csv label track - "${gtzan_sizes[@]}"
