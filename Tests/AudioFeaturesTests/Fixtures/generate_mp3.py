"""Writes full-length/mix_10s_44k_stereo.mp3: the first 10 s of mix_30s.flac at 44.1 kHz in
stereo (right channel 0.6x the left, delayed 5 ms), as MP3 — a song as users have them, for
the decoding and `predict` tests. Run with the reference venv: .venv-ref/bin/python generate_mp3.py
"""
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

HERE = Path(__file__).parent
mono, sr = sf.read(HERE / "full-length" / "mix_30s.flac", dtype="float64")
left = soxr.resample(mono[: 10 * sr], sr, 44100)
right = 0.6 * np.concatenate([np.zeros(220), left[:-220]])
sf.write(HERE / "full-length" / "mix_10s_44k_stereo.mp3", np.stack([left, right], axis=1), 44100, format="MP3", subtype="MPEG_LAYER_III")
