#!/usr/bin/env python3
"""Keras's side of bench/cnn.sh: the reference CNN of issue 9 trained on a GenreKit log-mel dataset.

    cnn_reference.py DATASET EPOCHS THREADS

The model: three blocks of Conv2D 3x3 "same" (16, 32, 64) + ReLU -> MaxPooling2D -> BatchNormalization,
Flatten -> Dropout 0.3 -> Dense 64 + ReLU -> Dense(classes) softmax; Adam 1e-3, batch 32, categorical
cross-entropy. The data: every segment, standardised with the training part's scalar mean and std;
the validation part is 20 % of each class's tracks (seed 0), as GenreKit holds out. Trains EPOCHS
epochs (no early stopping, so both sides run the same number) with TensorFlow on THREADS intra-op
threads and one inter-op thread, and prints one JSON line: the seconds of each epoch (measured by
a callback; the first includes graph building), the training and validation sizes, and the peak RSS."""
import csv
import json
import os
import resource
import sys
import time

dataset, epochs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ["TF_NUM_INTRAOP_THREADS"] = str(threads)
os.environ["TF_NUM_INTEROP_THREADS"] = "1"
import numpy as np
import tensorflow as tf

tf.config.threading.set_intra_op_parallelism_threads(threads)
tf.config.threading.set_inter_op_parallelism_threads(1)
import keras

x = np.load(f"{dataset}/features.npy")
with open(f"{dataset}/segments.csv", newline="") as index:
    rows = list(csv.DictReader(index))
classes = sorted({row["label"] for row in rows})
labels = np.array([classes.index(row["label"]) for row in rows])
tracks = np.array([row["track"] for row in rows])

rng = np.random.default_rng(0)
validation_tracks = set()
for c in range(len(classes)):
    members = sorted(set(tracks[labels == c]))
    rng.shuffle(members)
    validation_tracks.update(members[: round(0.2 * len(members))])
validation = np.array([t in validation_tracks for t in tracks])
mean, std = x[~validation].mean(), x[~validation].std()
x = ((x - mean) / std)[..., None].astype(np.float32)
y = keras.utils.to_categorical(labels, len(classes))

keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input(x.shape[1:])])
for filters in (16, 32, 64):
    model.add(keras.layers.Conv2D(filters, 3, padding="same", activation="relu"))
    model.add(keras.layers.MaxPooling2D())
    model.add(keras.layers.BatchNormalization())
model.add(keras.layers.Flatten())
model.add(keras.layers.Dropout(0.3))
model.add(keras.layers.Dense(64, activation="relu"))
model.add(keras.layers.Dense(len(classes), activation="softmax"))
model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy", metrics=["accuracy"])


class EpochTimes(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        seconds.append(time.perf_counter() - self.start)


seconds = []
history = model.fit(
    x[~validation], y[~validation], batch_size=32, epochs=epochs, validation_data=(x[validation], y[validation]),
    callbacks=[EpochTimes()], verbose=0)
print(json.dumps({
    "epoch_seconds": seconds,
    "training_segments": int((~validation).sum()),
    "validation_segments": int(validation.sum()),
    "parameters": int(model.count_params()),
    "val_accuracy": [float(v) for v in history.history["val_accuracy"]],
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
