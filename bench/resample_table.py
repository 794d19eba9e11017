"""The Spotify export's 12 audio features, label and artist resampled to N rows with small noise
(1 % of each column's std), artists split seven ways so that groups grow with the rows.
    resample_table.py <spotify_songs.csv> <rows> <output.csv>"""
import sys

import numpy as np
import pandas as pd

source, rows, output = sys.argv[1], int(sys.argv[2]), sys.argv[3]
features = ("danceability,energy,key,loudness,mode,speechiness,acousticness,instrumentalness,"
            "liveness,valence,tempo,duration_ms").split(",")
table = pd.read_csv(source)
rng = np.random.default_rng(0)
sample = table.iloc[rng.integers(0, len(table), rows)][features + ["playlist_genre", "track_artist"]].reset_index(drop=True)
for column in features:
    sample[column] = sample[column] + rng.normal(0, 0.01 * (sample[column].std() or 1), rows)
sample["track_artist"] = sample["track_artist"].astype(str) + "#" + (np.arange(rows) % 7).astype(str)
sample.to_csv(output, index=False)
