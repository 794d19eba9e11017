#!/usr/bin/env python3
"""scikit-learn's side of bench/models.sh: the same four models, defaults as GenreKit's (logistic
regression max_iter 1000, MLP 500), standardisation for knn/logreg/mlp, on the split that
`genrekit split` wrote (rows whose group is in the test set are the test part). n_jobs=2.
Prints CSV: model,accuracy,fit_seconds,predict_seconds."""
import sys
import time

import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

table_path, split_path, label, group, features = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5].split(",")
table = pd.read_csv(table_path)
split = pd.read_csv(split_path, keep_default_na=False)
test_groups = set(split.loc[split["set"] == "test", "id"].astype(str))
is_test = table[group].astype(str).isin(test_groups).to_numpy()
X, y = table[features].to_numpy(), table[label].to_numpy()
models = {
    "knn": make_pipeline(StandardScaler(), KNeighborsClassifier(n_jobs=2)),
    "forest": RandomForestClassifier(n_jobs=2, random_state=0),
    "logreg": make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
    "mlp": make_pipeline(StandardScaler(), MLPClassifier(max_iter=500, random_state=0)),
}
print("model,accuracy,fit_seconds,predict_seconds")
for name, model in models.items():
    start = time.perf_counter()
    model.fit(X[~is_test], y[~is_test])
    fitted = time.perf_counter()
    predicted = model.predict(X[is_test])
    done = time.perf_counter()
    print(f"{name},{(predicted == y[is_test]).mean():.4f},{fitted - start:.3f},{done - fitted:.3f}", flush=True)
