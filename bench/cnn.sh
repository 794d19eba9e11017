#!/usr/bin/env bash
# GenreKit's CNN against Keras (TensorFlow CPU) in one run, on the same log-mel array (the 120 FLAC
# clips of ../shared: 1198 3-s segments of 128 x 130, 3 classes), the same model, batch 32, the
# same threads: seconds per training epoch (validation on 20 % of the tracks included) and peak
# memory. Keras from the venv of bench/README.md (.venv-keras).
#   bench/cnn.sh [threads, default 2] [epochs, default 5]
PYTHON=${PYTHON:-.venv-keras/bin/python}
source "$(dirname "$0")/prologue.sh"
threads=${1:-2}
epochs=${2:-5}
export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads MKL_NUM_THREADS=$threads
"$genrekit" dataset ../shared/data/gtzan/audio-flac --representation logmel --output "$out/logmel" --quiet 2>/dev/null

# GenreKit: whole processes of 1 and of $epochs epochs; their difference is ($epochs - 1) epochs
# (reading the dataset and writing the model cancel out). Early stopping cannot end either run:
# it watches the validation loss from epoch 6 on, with a patience longer than the run.
train() {
  /usr/bin/time -f '%e %M' -o "$out/time.txt" env ${coretype:+OPENBLAS_CORETYPE=$coretype} "$genrekit" train "$out/logmel" --model cnn --epochs "$1" --patience 1000 \
    --jobs "$threads" --output "$out/cnn-bench.json" >/dev/null 2>&1
  cat "$out/time.txt"
}
coretype=
read -r one _ < <(train 1)
read -r many rss < <(train "$epochs")
# OpenBLAS's AVX-512 kernels, where the CPU has AVX-512 (Debian's OpenBLAS 0.3.21 does not know AMD's
# Zen 4 and 5 and picks its AVX2 kernels for them; this VM's environment also sets Haswell).
one512=0 many512=0
if grep -qw avx512bw /proc/cpuinfo; then
  coretype=SKYLAKEX
  read -r one512 _ < <(train 1)
  read -r many512 _ < <(train "$epochs")
fi
"$python" bench/cnn_reference.py "$out/logmel" "$epochs" "$threads" 2>"$out/keras-cnn.log" > "$out/keras-cnn.json" \
  || { tail -5 "$out/keras-cnn.log"; exit 1; }
"$python" - "$out/keras-cnn.json" "$one" "$many" "$rss" "$epochs" "$out/cnn-bench.json" "$one512" "$many512" "${OPENBLAS_CORETYPE:-auto}" <<'PY'
import json, statistics, sys
keras = json.load(open(sys.argv[1]))
one, many, rss, epochs = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]) / 1024, int(sys.argv[5])
model = json.load(open(sys.argv[6]))
one512, many512, coretype = float(sys.argv[7]), float(sys.argv[8]), sys.argv[9]
ours = (many - one) / (epochs - 1)
theirs = statistics.median(keras["epoch_seconds"][1:])
train = keras["training_segments"]
print(f"keras:    {theirs:.2f} s per epoch ({1000 * theirs / train:.2f} ms per training segment; "
      f"{train} training, {keras['validation_segments']} validation segments), first epoch {keras['epoch_seconds'][0]:.2f} s, "
      f"peak RSS {keras['peak_rss_mb']:.0f} MB, {keras['parameters']} parameters")
print(f"genrekit: {ours:.2f} s per epoch ({1000 * ours / train:.2f} ms per training segment), peak RSS {rss:.0f} MB, "
      f"OpenBLAS kernels: {coretype}")
print(f"ratio (keras / genrekit epoch time): {theirs / ours:.2f}x")
if many512 > 0:
    ours512 = (many512 - one512) / (epochs - 1)
    print(f"genrekit, OPENBLAS_CORETYPE=SKYLAKEX: {ours512:.2f} s per epoch, ratio {theirs / ours512:.2f}x")
print("val_accuracy per epoch: keras " + " ".join(f"{v:.3f}" for v in keras["val_accuracy"])
      + " | genrekit " + " ".join(f"{h['val_accuracy']:.3f}" for h in model["history"]))
PY
