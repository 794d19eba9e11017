#!/usr/bin/env python3
"""librosa references for `genrekit dataset` (DatasetTests), from the project root with the venv
of README.md:  .venv-ref/bin/python Tests/AudioFeaturesTests/Fixtures/generate_dataset.py

For segments of the committed 30-s clip and, when ../shared is present, of one real FLAC clip per
genre: the log-mel spectrogram (power_to_db(melspectrogram(...), ref=np.max)) and the 13-MFCC
frames (mfcc(n_mfcc=13)), librosa 0.11 with pad_mode='reflect' (extract's framing). Segment i is
y[i*66150 : i*66150 + 66149]. Also the std of every MFCC coefficient (13, 20, 30) over all frames
of the 120 FLAC clips: the unit of the MFCC bound. Writes dataset/*.npy and dataset/mfcc_std.json."""
import json
from pathlib import Path

import librosa
import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
OUT = HERE / "dataset"
SHARED = HERE.parents[2] / ".." / "shared" / "data" / "gtzan" / "audio-flac"
L = 66150


def segments(path):
    y, sr = sf.read(path, dtype="float32")
    assert sr == 22050 and y.ndim == 1
    return [y[i * L:i * L + L - 1] for i in range(len(y)) if (i + 1) * L < len(y)]


def logmel(y):
    S = librosa.feature.melspectrogram(y=y, sr=22050, n_fft=2048, hop_length=512, n_mels=128, pad_mode="reflect")
    return librosa.power_to_db(S, ref=np.max).astype(np.float32)


def mfcc(y, n):
    return librosa.feature.mfcc(y=y, sr=22050, n_mfcc=n, pad_mode="reflect").T.astype(np.float32)


def main():
    OUT.mkdir(exist_ok=True)
    clips = {"mix_30s": HERE / "full-length" / "mix_30s.flac"}
    for genre in ["classical", "jazz", "rock"]:
        if (SHARED / genre).exists():
            clips[f"{genre}.00000"] = SHARED / genre / f"{genre}.00000.flac"
    for name, path in clips.items():
        parts = segments(path)
        chosen = [0, len(parts) - 1]
        np.save(OUT / f"{name}.logmel.npy", np.stack([logmel(parts[i]) for i in chosen]))
        np.save(OUT / f"{name}.mfcc13.npy", np.stack([mfcc(y, 13) for y in parts]))
    if SHARED.exists():
        stds = {}
        for n in [13, 20, 30]:
            frames = np.concatenate([mfcc(y, n) for path in sorted(SHARED.glob("*/*.flac")) for y in segments(path)])
            stds[str(n)] = frames.std(axis=0).astype(float).tolist()
        (OUT / "mfcc_std.json").write_text(json.dumps(stds) + "\n")


if __name__ == "__main__":
    main()
