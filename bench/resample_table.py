"""A table resampled to N rows with small noise (1 % of each feature's std), its groups split seven
ways so that groups grow with the rows:
  spotify: the Spotify export's 12 audio features, playlist_genre, track_artist;
  gtzan:   features_30_sec.csv's 57 features, label, and a `track` column (the clip's name).
    resample_table.py spotify|gtzan <source.csv> <rows> <output.csv>"""
import sys

import numpy as np
import pandas as pd

kind, source, rows, output = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
table = pd.read_csv(source)
if kind == "spotify":
    features = ("danceability,energy,key,loudness,mode,speechiness,acousticness,instrumentalness,"
                "liveness,valence,tempo,duration_ms").split(",")
    label, group = "playlist_genre", "track_artist"
elif kind == "gtzan":
    table["track"] = table["filename"].str.replace(r"\.(wav|au)$", "", regex=True)
    features = [c for c in table.columns if c not in ("filename", "length", "label", "track")]
    label, group = "label", "track"
else:
    sys.exit(f"unknown kind {kind!r}: spotify or gtzan")
rng = np.random.default_rng(0)
sample = table.iloc[rng.integers(0, len(table), rows)][features + [label, group]].reset_index(drop=True)
for column in features:
    sample[column] = sample[column] + rng.normal(0, 0.01 * (sample[column].std() or 1), rows)
sample[group] = sample[group].astype(str) + "#" + (np.arange(rows) % 7).astype(str)
sample.to_csv(output, index=False)
