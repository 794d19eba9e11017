#!/usr/bin/env bash
# `genrekit predict <model> <song>`: whole-process time and peak memory for a 30-s clip and a
# 4-minute song (44.1-kHz stereo MP3s made from ../shared's jazz clips), per model kind: a
# song's time should grow in proportion to its length.
#   bench/predict-song.sh
source "$(dirname "$0")/prologue.sh"
out=bench/out/predict-song
mkdir -p "$out"
"$python" - "$out" <<'PY'
import glob, sys
import numpy as np, soundfile as sf, soxr
clips = sorted(glob.glob("../shared/data/gtzan/audio-flac/jazz/*.flac"))[:8]
song = soxr.resample(np.concatenate([sf.read(c)[0] for c in clips]), 22050, 44100)
for name, seconds in [("clip-30s", 30), ("song-4min", 240)]:
    part = song[: 44100 * seconds]
    sf.write(f"{sys.argv[1]}/{name}.mp3", np.stack([part, 0.9 * part], 1), 44100, format="MP3", subtype="MPEG_LAYER_III")
PY
[ -f "$out/logmel/dataset.json" ] || "$genrekit" dataset ../shared/data/gtzan/audio-flac --representation logmel --output "$out/logmel" --quiet
[ -f "$out/mfcc/dataset.json" ] || "$genrekit" dataset ../shared/data/gtzan/audio-flac --representation mfcc --output "$out/mfcc" --quiet
"$genrekit" train "$out/logmel" --model cnn --epochs 2 --quiet --output "$out/cnn.json" 2>/dev/null
"$genrekit" train "$out/mfcc" --model hmm --quiet --output "$out/hmm.json" 2>/dev/null
"$genrekit" train ../shared/data/gtzan/features_3_sec_subset_classical_jazz_rock.csv --model forest --quiet --output "$out/forest.json" 2>/dev/null
echo "model  song       seconds  peak MB  segments"
for model in forest hmm cnn; do
  for song in clip-30s song-4min; do
    /usr/bin/time -f '%e %M' -o "$out/time.txt" "$genrekit" predict "$out/$model.json" "$out/$song.mp3" > "$out/prediction.csv" 2>/dev/null
    read -r seconds kilobytes < "$out/time.txt"
    printf '%-6s %-10s %7s  %7d  %8s\n' "$model" "$song" "$seconds" $((kilobytes / 1024)) "$(tail -1 "$out/prediction.csv" | awk -F, '{print $NF}')"
  done
done
