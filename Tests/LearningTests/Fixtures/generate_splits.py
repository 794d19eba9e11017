#!/usr/bin/env python3
"""scikit-learn's StratifiedGroupKFold folds, for SplitTests (run from the project root with the
venv of README.md):  .venv-ref/bin/python Tests/LearningTests/Fixtures/generate_splits.py

Per data set and setting, the test fold of every row. Data sets: the bundled GTZAN 30-s table
(one group per track, balanced) and an unbalanced segment-like set built by the same formula in
SplitTests.swift (groups of 1-12 segments, some with two classes, rows not in group order)."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold

HERE = Path(__file__).resolve().parent


def unbalanced():
    labels, groups = [], []
    for position in range(37):
        g = position * 11 % 37
        for s in range(1 + g * 7 % 12):
            labels.append(f"c{(g + (1 if s % 3 == 0 and g % 5 == 0 else 0)) % 3}")
            groups.append(f"g{g:03d}")
    return np.array(labels), np.array(groups)


def folds(labels, groups, k, shuffle, seed):
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=shuffle, random_state=seed if shuffle else None)
    fold_of_row = np.full(len(labels), -1)
    for f, (_, test) in enumerate(splitter.split(np.zeros(len(labels)), labels, groups)):
        fold_of_row[test] = f
    return fold_of_row.tolist()


table = pd.read_csv(HERE.parents[2] / "Sources" / "Learning" / "Resources" / "gtzan_features_30_sec.csv")
gtzan = (table["label"].to_numpy(), table["filename"].str.replace(".wav", "", regex=False).to_numpy())
reference = {}
for name, (labels, groups), k in [("gtzan", gtzan, 5), ("unbalanced", unbalanced(), 4)]:
    reference[name] = {"noshuffle": folds(labels, groups, k, False, None)}
    for seed in [0, 1, 42]:
        reference[name][f"seed{seed}"] = folds(labels, groups, k, True, seed)
(HERE / "sklearn_splits.json").write_text(json.dumps(reference) + "\n")
