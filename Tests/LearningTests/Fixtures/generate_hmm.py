#!/usr/bin/env python3
"""hmmlearn references for HiddenMarkovTests (run from the project root with the venv of README.md):
    .venv-ref/bin/python Tests/LearningTests/Fixtures/generate_hmm.py

Sequences: the 9 segments of 13-MFCC frames in
Tests/AudioFeaturesTests/Fixtures/dataset/mix_30s.mfcc13.npy (librosa's, float32). For a 3-state
GaussianHMM with fixed parameters (below), diag and full: each sequence's score, the Viterbi
path and log-probability of every sequence, and the parameters after one EM step
(init_params='', n_iter=1) on all nine. Writes hmm_reference.json."""
import json
from pathlib import Path

import numpy as np
from hmmlearn.hmm import GaussianHMM

HERE = Path(__file__).resolve().parent
frames = np.load(HERE.parents[1] / "AudioFeaturesTests" / "Fixtures" / "dataset" / "mix_30s.mfcc13.npy").astype(np.float64)
sequences = list(frames)
X = np.concatenate(sequences)
lengths = [len(s) for s in sequences]

S, D = 3, X.shape[1]
startprob = np.array([0.5, 0.3, 0.2])
transmat = np.array([[0.8, 0.15, 0.05], [0.1, 0.7, 0.2], [0.25, 0.25, 0.5]])
means = X[[0, len(X) // 2, len(X) - 1]]
variance = X.var(axis=0)
covariance = np.cov(X.T)
params = {
    "diag": np.stack([variance * f for f in (0.5, 1.0, 2.0)]),
    "full": np.stack([covariance * f + 1e-3 * np.eye(D) for f in (0.5, 1.0, 2.0)]),
}

reference = {"states": S, "startprob": startprob.tolist(), "transmat": transmat.tolist(), "means": means.tolist()}
for kind, covars in params.items():
    def model(n_iter=1):
        m = GaussianHMM(n_components=S, covariance_type=kind, init_params="", params="stmc", n_iter=n_iter, implementation="log")
        m.startprob_, m.transmat_, m.means_, m.covars_ = startprob, transmat, means, covars
        return m
    m = model()
    scores = [m.score(s) for s in sequences]
    decoded = [m.decode(s, algorithm="viterbi") for s in sequences]
    fitted = model().fit(X, lengths)
    reference[kind] = {
        "covars": covars.tolist(),
        "scores": scores,
        "viterbi_log_probabilities": [float(p) for p, _ in decoded],
        "viterbi_paths": [path.tolist() for _, path in decoded],
        "after_one_step": {
            "startprob": fitted.startprob_.tolist(), "transmat": fitted.transmat_.tolist(),
            "means": fitted.means_.tolist(), "covars": fitted.covars_.tolist(),
        },
    }
(HERE / "hmm_reference.json").write_text(json.dumps(reference) + "\n")
