#!/usr/bin/env python3
"""librosa's side of bench/extract.sh: the 57 GTZAN features of each clip, computed the Kaggle way
by the shared reference extractor (librosa 0.11 in v07 mode: every feature function computes its own
STFT, HPSS once), in one warm process after a warm-up clip. Prints one JSON line per clip with the
wall time, then the process's peak RSS."""
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared" / "tools"))
import librosa  # noqa: E402
import librosa_features  # noqa: E402
import warnings  # noqa: E402

warnings.simplefilter("ignore")


def features(path):
    y, _ = librosa.load(path, sr=22050)
    return librosa_features.extract_features(y, compat="v07")


paths = sys.argv[1:]
features(paths[0])  # numba JIT and caches, not counted
for path in paths:
    start = time.perf_counter()
    features(path)
    print(json.dumps({"clip": Path(path).name, "seconds": time.perf_counter() - start}), flush=True)
print(json.dumps({"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
