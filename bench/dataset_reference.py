#!/usr/bin/env python3
"""librosa's side of bench/dataset.sh: the same segment arrays as `genrekit dataset`, timed in one
warm process, and the largest differences from GenreKit's arrays over the whole dataset.

    dataset_reference.py AUDIO_DIR LOGMEL_DATASET MFCC_DATASET"""
import sys
import time

import librosa
import numpy as np
import pandas as pd
import soundfile as sf

audio, logmel_dir, mfcc_dir = sys.argv[1:4]
L = 66150
index = pd.read_csv(f"{logmel_dir}/segments.csv", dtype=str, keep_default_na=False)
paths = list(dict.fromkeys(index["path"]))


def segments(path):
    y, _ = sf.read(path, dtype="float32")
    return [y[i * L:i * L + L - 1] for i in range(len(y)) if (i + 1) * L < len(y)]


# Warm up numba and the caches on one segment.
librosa.feature.mfcc(y=segments(paths[0])[0], sr=22050, n_mfcc=13, pad_mode="reflect")
for name, compute in [
    ("logmel", lambda y: librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=22050, n_fft=2048, hop_length=512, n_mels=128, pad_mode="reflect"), ref=np.max)),
    ("mfcc", lambda y: librosa.feature.mfcc(y=y, sr=22050, n_mfcc=13, pad_mode="reflect").T),
]:
    start = time.perf_counter()
    arrays = np.stack([compute(y).astype(np.float32) for path in paths for y in segments(path)])
    seconds = time.perf_counter() - start
    ours = np.load(f"{logmel_dir if name == 'logmel' else mfcc_dir}/features.npy")
    assert ours.shape == arrays.shape, (ours.shape, arrays.shape)
    error = np.abs(ours.astype(np.float64) - arrays)
    if name == "logmel":
        print(f"librosa logmel: {seconds:.2f} s for {len(arrays)} segments; largest difference {error.max():.2e} dB")
    else:
        std = arrays.reshape(-1, arrays.shape[-1]).std(axis=0)
        print(f"librosa mfcc: {seconds:.2f} s for {len(arrays)} segments; largest difference {(error / std).max():.2e} of a coefficient's std")
