#!/usr/bin/env python3
"""scikit-learn reference values for LearningTests (run from the project root with the venv of
README.md):  .venv-ref/bin/python Tests/LearningTests/Fixtures/generate.py

Data: the bundled GTZAN 30-s table, the 57 feature columns; rows with index % 5 == 0 are the
test part, the others the training part. Writes sklearn_reference.json."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

HERE = Path(__file__).resolve().parent
table = pd.read_csv(HERE.parents[2] / "Sources" / "Learning" / "Resources" / "gtzan_features_30_sec.csv")
X = table.drop(columns=["filename", "length", "label"]).to_numpy()
classes = sorted(table["label"].unique())
y = np.array([classes.index(label) for label in table["label"]])
test = np.arange(len(y)) % 5 == 0
Xtr, ytr, Xte, yte = X[~test], y[~test], X[test], y[test]

knn = make_pipeline(StandardScaler(), KNeighborsClassifier()).fit(Xtr, ytr)
logreg = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(Xtr, ytr)
forest = RandomForestClassifier(random_state=0).fit(Xtr, ytr)
mlp = make_pipeline(StandardScaler(), MLPClassifier(max_iter=500, random_state=0)).fit(Xtr, ytr)
scaled = StandardScaler().fit(Xtr).transform(Xtr)
pca = PCA(n_components=5).fit(scaled)

reference = {
    "knn_predictions": knn.predict(Xte).tolist(),
    "knn_distance_predictions": make_pipeline(StandardScaler(), KNeighborsClassifier(weights="distance")).fit(Xtr, ytr).predict(Xte).tolist(),
    "logreg_accuracy": float((logreg.predict(Xte) == yte).mean()),
    # Converged tightly, the strictly convex problem has one optimum to compare with.
    "logreg_optimum_probabilities_first_rows": make_pipeline(
        StandardScaler(), LogisticRegression(max_iter=20000, tol=1e-10)).fit(Xtr, ytr).predict_proba(Xte[:5]).tolist(),
    "forest_accuracy": float((forest.predict(Xte) == yte).mean()),
    "mlp_accuracy": float((mlp.predict(Xte) == yte).mean()),
    "pca_explained_variance_ratio": pca.explained_variance_ratio_.tolist(),
    "pca_first_row": pca.transform(scaled[:1])[0].tolist(),
}
(HERE / "sklearn_reference.json").write_text(json.dumps(reference, indent=1) + "\n")
