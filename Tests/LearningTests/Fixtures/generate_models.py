#!/usr/bin/env python3
"""scikit-learn reference values that pin down the forest and the MLP beyond accuracy, for
ScikitLearnParityTests (run from the project root with the venv of README.md):
    .venv-ref/bin/python Tests/LearningTests/Fixtures/generate_models.py

Data: the bundled GTZAN 30-s table, training part = rows whose index % 5 != 0 (as generate.py).
- forest: 1000 trees (default settings, random_state 0): how often each feature is the root
  split, and the mean number of leaves per tree. Both are fingerprints of max_features, the
  bootstrap and the split rule that seeds cannot blur (seed-to-seed: total variation 0.09 and
  0.3 leaves; max_features=None instead of sqrt: 0.75 and 40 leaves).
- mlp: three epochs of Adam from given initial weights, without shuffling (hidden 16, alpha 1e-3,
  learning rate 1e-2, batches of 200 then 120, on the standardised first 520 training rows): the
  weights after each epoch. Any difference in loss, gradient, penalty or Adam shows.
- mlp_seeded: `MLPClassifier(random_state=0)` itself (hidden 16, alpha 1e-3, learning rate 1e-2,
  batch 200, 4 epochs) on all standardised training rows: its loss curve and final weights,
  which pin down numpy's initial weights and per-epoch shuffles."""
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import LabelBinarizer, StandardScaler

HERE = Path(__file__).resolve().parent
table = pd.read_csv(HERE.parents[2] / "Sources" / "Learning" / "Resources" / "gtzan_features_30_sec.csv")
X = table.drop(columns=["filename", "length", "label"]).to_numpy()
classes = sorted(table["label"].unique())
y = np.array([classes.index(label) for label in table["label"]])
train = np.arange(len(y)) % 5 != 0
Xtr, ytr = X[train], y[train]

forest = RandomForestClassifier(n_estimators=1000, random_state=0, n_jobs=2).fit(Xtr, ytr)
roots = np.bincount([tree.tree_.feature[0] for tree in forest.estimators_], minlength=X.shape[1])

rows = 520
Xs = StandardScaler().fit_transform(Xtr)[:rows]
ys = ytr[:rows]
sizes = [X.shape[1], 16, len(classes)]
rng = np.random.RandomState(0)
initial = []
for fan_in, fan_out in zip(sizes, sizes[1:]):
    bound = np.sqrt(6 / (fan_in + fan_out))
    initial.append((rng.uniform(-bound, bound, (fan_in, fan_out)), rng.uniform(-bound, bound, fan_out)))
mlp = MLPClassifier(hidden_layer_sizes=(16,), alpha=1e-3, learning_rate_init=1e-2, batch_size=200, shuffle=False, max_iter=1)
# Initialise as partial_fit's first pass does (scikit-learn 1.9.1 internals), then replace the
# weights by the given ones, so that the following passes start from them.
mlp._label_binarizer = LabelBinarizer().fit(np.arange(len(classes)))
mlp.classes_ = mlp._label_binarizer.classes_
mlp.n_features_in_ = X.shape[1]
mlp._random_state = np.random.RandomState(0)
mlp._initialize(mlp._label_binarizer.transform(ys), sizes, np.float64)
mlp.coefs_ = [w.copy() for w, _ in initial]
mlp.intercepts_ = [b.copy() for _, b in initial]
epochs = []
for _ in range(3):
    mlp.partial_fit(Xs, ys)
    epochs.append({"coefs": [w.tolist() for w in mlp.coefs_], "intercepts": [b.tolist() for b in mlp.intercepts_]})

Xall = StandardScaler().fit_transform(Xtr)
seeded = MLPClassifier(hidden_layer_sizes=(16,), alpha=1e-3, learning_rate_init=1e-2, batch_size=200, max_iter=4, random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # it stops at max_iter on purpose
    seeded.fit(Xall, ytr)

reference = {
    "forest_root_feature_share": (roots / roots.sum()).tolist(),
    "forest_mean_leaves": float(np.mean([tree.get_n_leaves() for tree in forest.estimators_])),
    "mlp_rows": rows,
    "mlp_initial": {"coefs": [w.tolist() for w, _ in initial], "intercepts": [b.tolist() for _, b in initial]},
    "mlp_epochs": epochs,
    "mlp_seeded": {"loss_curve": seeded.loss_curve_, "coefs": [w.tolist() for w in seeded.coefs_],
                   "intercepts": [b.tolist() for b in seeded.intercepts_]},
}
(HERE / "sklearn_models.json").write_text(json.dumps(reference) + "\n")
