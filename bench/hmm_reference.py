#!/usr/bin/env python3
"""hmmlearn's side of bench/hmm.sh, on the frames of a GenreKit MFCC dataset directory.

    hmm_reference.py DATASET MODEL_DIAG MODEL_FULL SPLIT_MODEL_DIAG SPLIT_MODEL_FULL

- Speed: one GaussianHMM per class (4 states, 20 iterations, tol 0 so both sides do all 20, k-means
  initialisation with n_init 10), diag and full, fitted on every segment of the class (each its
  own sequence); then every segment scored by every class's HMM. Prints seconds.
- Parity: GenreKit's model files loaded into hmmlearn: the softmax of hmmlearn's scores must equal
  GenreKit's probabilities (from `genrekit predict --format json`, read from stdin as JSON lines
  per model), and the predicted classes agree on every segment.
- Accuracy: hmmlearn trained on the tracks GenreKit trained on (the model file's recorded test
  part is held out), per-track accuracy on the test tracks (majority vote, ties by summed
  log-likelihood)."""
import json
import sys
import time

import numpy as np
import pandas as pd
from hmmlearn.hmm import GaussianHMM

dataset, model_paths, split_models = sys.argv[1], sys.argv[2:4], sys.argv[4:6]
frames = np.load(f"{dataset}/features.npy").astype(np.float64)
index = pd.read_csv(f"{dataset}/segments.csv", dtype=str, keep_default_na=False)
classes = sorted(index["label"].unique())
labels = np.array([classes.index(label) for label in index["label"]])
tracks = index["track"].to_numpy()


def fit(kind, rows):
    models = []
    for c in range(len(classes)):
        members = [r for r in rows if labels[r] == c]
        X = np.concatenate([frames[r] for r in members])
        model = GaussianHMM(n_components=4, covariance_type=kind, n_iter=20, tol=0, random_state=0)
        models.append(model.fit(X, [frames.shape[1]] * len(members)))
    return models


def scores(models, rows):
    return np.array([[m.score(frames[r]) for m in models] for r in rows])


def per_track_accuracy(score_rows, rows):
    predicted = score_rows.argmax(axis=1)
    correct, seen = 0, {}
    for i, r in enumerate(rows):
        seen.setdefault(tracks[r], []).append(i)
    for track, members in seen.items():
        votes = np.bincount(predicted[members], minlength=len(classes))
        sums = score_rows[members].sum(axis=0)
        best = max(range(len(classes)), key=lambda c: (votes[c], sums[c], -c))
        correct += best == labels[rows[members[0]]]
    return correct / len(seen)


everything = list(range(len(labels)))
for kind in ["diag", "full"]:
    start = time.perf_counter()
    models = fit(kind, everything)
    fitted = time.perf_counter()
    scores(models, everything)
    print(f"hmmlearn {kind}: fit {fitted - start:.2f} s, score {time.perf_counter() - fitted:.2f} s", flush=True)

genrekit_predictions = [json.loads(line) for line in sys.stdin]
for kind, path, split_path, predictions in zip(["diag", "full"], model_paths, split_models, genrekit_predictions):
    spec = json.load(open(path))
    hmms = []
    for h in spec["hmms"]:
        m = GaussianHMM(n_components=len(h["startprob"]), covariance_type=spec["covariance_type"], init_params="")
        m.startprob_, m.transmat_, m.means_ = np.array(h["startprob"]), np.array(h["transmat"]), np.array(h["means"])
        m.covars_ = np.array(h["covars"])
        hmms.append(m)
    loaded = scores(hmms, everything)
    theirs = np.exp(loaded - loaded.max(axis=1, keepdims=True))
    theirs /= theirs.sum(axis=1, keepdims=True)
    ours = np.array([[next(p["probability"] for p in row["predictions"] if p["class"] == c) for c in classes] for row in predictions])
    agree = (theirs.argmax(axis=1) == ours.argmax(axis=1)).mean()
    print(f"{kind}: GenreKit's model in hmmlearn: classes agree on {agree:.1%} of {len(ours)} segments, "
          f"largest probability difference {np.abs(theirs - ours).max():.2e}")
    test = set(json.load(open(split_path))["training"]["testGroups"])
    train_rows = [r for r in everything if tracks[r] not in test]
    test_rows = [r for r in everything if tracks[r] in test]
    accuracy = per_track_accuracy(scores(fit(kind, train_rows), test_rows), test_rows)
    print(f"{kind}: hmmlearn per-track accuracy on the {len(test)} held-out tracks: {accuracy:.3f}")
