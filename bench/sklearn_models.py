#!/usr/bin/env python3
"""scikit-learn's side of bench/models.sh: the same four models with GenreKit's defaults (logistic
regression max_iter 1000, MLP 500; standardisation for knn/logreg/mlp), on the split file that
`genrekit split` wrote: `id,set` (train on train, score on test) or `id,fold` (mean over folds),
or three list files `lists:TRAIN,VALID,TEST` of track paths (train on train and valid, as
`genrekit compare --split-lists` does; unlisted tracks left out). n_jobs=2. Prints CSV:
model,accuracy,fit_seconds,predict_seconds (seconds summed over folds).

    sklearn_models.py TABLE SPLIT LABEL GROUP FEATURES|- [MODELS]
GROUP '-' means the GTZAN track of 'filename'; FEATURES '-' means every column but filename,
length, the label and the group; MODELS is comma-separated (default: all four)."""
import re
import sys
import time

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

table_path, split_path, label, group, features = sys.argv[1:6]
model_names = sys.argv[6].split(",") if len(sys.argv) > 6 else ["knn", "forest", "logreg", "mlp"]
table = pd.read_csv(table_path)
if group == "-":
    # blues.00000.wav and blues.00000.3.wav (segment 3) are track blues.00000
    groups = table["filename"].map(lambda n: re.sub(r"^([^.]+\.\d+)\.\d+$", r"\1", re.sub(r"\.(wav|au)$", "", n)))
else:
    groups = table[group].astype(str)
columns = [c for c in table.columns if c not in ("filename", "length", label, group)] if features == "-" else features.split(",")
X, y = table[columns].to_numpy(), table[label].to_numpy()
if split_path.startswith("lists:"):
    assignment = {}
    for path, name in zip(split_path[len("lists:"):].split(","), ["train", "valid", "test"]):
        for line in open(path):
            if line.strip():
                assignment[re.sub(r"\.(wav|au)$", "", line.strip().split("/")[-1])] = name
    part = groups.map(assignment).fillna("none").to_numpy()
    folds = [((part == "train") | (part == "valid"), part == "test")]
else:
    split = pd.read_csv(split_path, keep_default_na=False, dtype=str)
    assignment = dict(zip(split["id"], split.iloc[:, 1]))
    part = groups.map(assignment).to_numpy()
    if split.columns[1] == "set":
        folds = [(part != "test", part == "test")]
    else:
        folds = [(part != f, part == f) for f in sorted(set(part))]

def models():
    return {
        "knn": make_pipeline(StandardScaler(), KNeighborsClassifier(n_jobs=2)),
        "forest": RandomForestClassifier(n_jobs=2, random_state=0),
        "logreg": make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        "mlp": make_pipeline(StandardScaler(), MLPClassifier(max_iter=500, random_state=0)),
    }

print("model,accuracy,fit_seconds,predict_seconds")
for name in model_names:
    accuracies, fit_seconds, predict_seconds = [], 0.0, 0.0
    for train, test in folds:
        model = models()[name]
        start = time.perf_counter()
        model.fit(X[train], y[train])
        fitted = time.perf_counter()
        predicted = model.predict(X[test])
        predict_seconds += time.perf_counter() - fitted
        fit_seconds += fitted - start
        accuracies.append((predicted == y[test]).mean())
    print(f"{name},{np.mean(accuracies):.4f},{fit_seconds:.3f},{predict_seconds:.3f}", flush=True)
