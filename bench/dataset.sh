#!/usr/bin/env bash
# `genrekit dataset` against librosa on the same segments (the 120 FLAC clips of ../shared), in one
# run, single-threaded on both sides: seconds, GenreKit's peak memory, and the largest
# differences over the whole dataset (log-mel in dB, MFCC in units of each coefficient's std).
source "$(dirname "$0")/prologue.sh"
audio=../shared/data/gtzan/audio-flac
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1
for representation in logmel mfcc; do
  /usr/bin/time -f '%e %M' -o "$out/time.txt" "$genrekit" dataset "$audio" --representation $representation \
    --jobs 1 --quiet --output "$out/dataset-$representation" 2>/dev/null
  read -r seconds rss_kb < "$out/time.txt"
  echo "genrekit $representation: $seconds s (whole process, --jobs 1), peak RSS $((rss_kb / 1024)) MB"
done
"$python" bench/dataset_reference.py "$audio" "$out/dataset-logmel" "$out/dataset-mfcc"
