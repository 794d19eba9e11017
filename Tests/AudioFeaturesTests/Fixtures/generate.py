#!/usr/bin/env python3
"""Regenerates the golden fixtures of AudioFeaturesTests (run from the project root, with the
reference venv of README.md):

    .venv-ref/bin/python Tests/AudioFeaturesTests/Fixtures/generate.py

Writes short deterministic test signals to signals/ and their librosa 0.11 reference features
(computed by ../shared/tools/librosa_features.py) to reference_*.csv. Only the outputs are used by
the tests; this script and the shared tool are needed only to regenerate them.
"""
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
SIGNALS = HERE / "signals"
TOOL = HERE.parents[2] / ".." / "shared" / "tools" / "librosa_features.py"
SR = 22050


def tone_mix(seconds, sr, rng):
    t = np.arange(int(seconds * sr)) / sr
    chord = sum(0.2 * np.sin(2 * np.pi * f * t) + 0.05 * np.sin(4 * np.pi * f * t) for f in (220.0, 261.63, 329.63))
    clicks = np.zeros_like(t)
    period = int(sr * 60 / 100)
    burst = np.exp(-np.arange(int(0.02 * sr)) / (0.004 * sr)) * np.sin(2 * np.pi * 2000 * np.arange(int(0.02 * sr)) / sr)
    for start in range(0, len(t) - len(burst), period):
        clicks[start:start + len(burst)] += 0.6 * burst
    return chord + clicks + 0.01 * rng.standard_normal(len(t))


def write(name, y, sr=SR):
    y = np.clip(y, -1, 1 - 1 / 32768)
    sf.write(SIGNALS / name, (y * 32768).astype(np.int16), sr, subtype="PCM_16")


def column_spread():
    """Per-column population std of the Kaggle tables: the unit of the parity tolerances."""
    import pandas as pd
    gtzan = HERE.parents[2] / ".." / "shared" / "data" / "gtzan"
    full = pd.read_csv(gtzan / "features_30_sec.csv")
    segments = pd.read_csv(gtzan / "features_3_sec_subset_classical_jazz_rock.csv")
    with open(HERE / "kaggle_column_std.csv", "w") as out:
        out.write("column,std_30_sec,std_3_sec\n")
        for column in full.columns[1:-1]:
            out.write(f"{column},{float(full[column].std(ddof=0))!r},{float(segments[column].std(ddof=0))!r}\n")


def main():
    SIGNALS.mkdir(exist_ok=True)
    column_spread()
    rng = np.random.default_rng(20261123)
    write("mix_chord_clicks.wav", tone_mix(7.0, SR, rng))
    write("white_noise.wav", rng.uniform(-0.5, 0.5, 7 * SR))
    t = np.arange(7 * SR) / SR
    clicks = np.zeros_like(t)
    for start in range(0, len(t) - 441, SR // 2):
        clicks[start:start + 441] = 0.8 * np.exp(-np.arange(441) / 80) * np.sin(2 * np.pi * 1000 * np.arange(441) / SR)
    write("clicks_120bpm.wav", clicks)
    write("sine_440.wav", 0.5 * np.sin(2 * np.pi * 440 * np.arange(4 * SR) / SR))
    write("silence.wav", np.zeros(2 * SR))
    write("short_0.05s.wav", 0.5 * np.sin(2 * np.pi * 1000 * np.arange(1102) / SR))
    # 44.1 kHz stereo with different channels: exercises mono mixing and soxr resampling.
    left = tone_mix(7.0, 44100, rng)
    right = 0.5 * left + 0.05 * rng.standard_normal(len(left))
    stereo = np.clip(np.stack([left, right], axis=1), -1, 1 - 1 / 32768)
    sf.write(SIGNALS.parent / "resample" / "mix_44100_stereo.wav", (stereo * 32768).astype(np.int16), 44100, subtype="PCM_16")
    # A full-length clip (30 s, FLAC), so that a GTZAN-sized clip is always tested: the chord mix
    # at 100 bpm, then a chirp, then noise, 10 s each. Drawn last, so the other signals keep
    # their values.
    full = SIGNALS.parent / "full-length"
    full.mkdir(exist_ok=True)
    t = np.arange(10 * SR) / SR
    chirp = 0.4 * np.sin(2 * np.pi * (100 * t + (8000 - 100) / 20 * t ** 2))
    y = np.concatenate([tone_mix(10.0, SR, rng), chirp, rng.uniform(-0.3, 0.3, 10 * SR)])
    sf.write(full / "mix_30s.flac", (np.clip(y, -1, 1 - 1 / 32768) * 32768).astype(np.int16), SR, subtype="PCM_16")

    def reference(out, paths, *options):
        subprocess.run([sys.executable, str(TOOL), *options, "--label", "fixture", "--quiet-warnings",
                        "--out", str(HERE / out), *map(str, paths)], check=True)

    wavs = sorted(SIGNALS.glob("*.wav"))
    reference("reference_kaggle.csv", wavs, "--compat", "v07")
    reference("reference_kaggle_3sec.csv", wavs, "--compat", "v07", "--mode", "3")
    reference("reference_librosa.csv", wavs, "--compat", "current")
    reference("reference_kaggle_resampled.csv", [SIGNALS.parent / "resample" / "mix_44100_stereo.wav"], "--compat", "v07")
    reference("reference_kaggle_30s.csv", [full / "mix_30s.flac"], "--compat", "v07")
    reference("reference_kaggle_30s_3sec.csv", [full / "mix_30s.flac"], "--compat", "v07", "--mode", "3")


if __name__ == "__main__":
    main()
