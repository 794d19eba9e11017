#!/usr/bin/env python3
"""Keras reference for NetworkTests' forward pass of the default CNN (run from the project root with
the Keras venv of bench/README.md):
    .venv-keras/bin/python Tests/LearningTests/Fixtures/generate_cnn.py

The network is the reference model of issue 9 (3 classes, 128 x 130 log-mel input):
three blocks of Conv2D 3x3 "same" (16, 32, 64) + ReLU -> MaxPooling2D -> BatchNormalization, then
Flatten -> Dropout 0.3 -> Dense 64 + ReLU -> Dense 3 -> softmax. Every weight and the two inputs
are set by an integer hash (below, the same in NetworkTests.swift) of their index in PyTorch's
layout, so that no array needs committing; this script maps them to Keras's layout (kernels
[kh, kw, in, out]; the first Dense reads the flattened (H, W, C) features, PyTorch's (C, H, W)).
Writes cnn_reference.json: the logits and probabilities of both inputs in inference mode, and
each block's output sum."""
import json
import os
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras
import numpy as np

HERE = Path(__file__).resolve().parent
BANDS, FRAMES, CLASSES, FILTERS, DENSE = 128, 130, 3, (16, 32, 64), 64


def unit(code, count):
    """u(code, i) in [-1, 1] for i < count: ((i + 1) * 2654435761 + code * 97531) mod 2001, centred."""
    i = np.arange(count, dtype=np.int64)
    return (((i + 1) * 2654435761 + code * 97531) % 2001 - 1000).astype(np.float64) / 1000


def f32(values):
    return values.astype(np.float32)


inputs = keras.Input((BANDS, FRAMES, 1))
x = inputs
blocks = []
for f in FILTERS:
    x = keras.layers.Conv2D(f, 3, padding="same", activation="relu")(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.BatchNormalization()(x)
    blocks.append(x)
x = keras.layers.Flatten()(x)
x = keras.layers.Dropout(0.3)(x)
x = keras.layers.Dense(DENSE, activation="relu")(x)
logits = keras.layers.Dense(CLASSES)(x)
probabilities = keras.layers.Activation("softmax")(logits)
model = keras.Model(inputs, [logits, probabilities] + blocks)

convs = [l for l in model.layers if isinstance(l, keras.layers.Conv2D)]
norms = [l for l in model.layers if isinstance(l, keras.layers.BatchNormalization)]
denses = [l for l in model.layers if isinstance(l, keras.layers.Dense)]
channels = 1
for b, (conv, norm, f) in enumerate(zip(convs, norms, FILTERS)):
    limit = np.sqrt(6 / ((channels + f) * 9))
    weight = f32(unit(b + 1, f * channels * 9) * limit).reshape(f, channels, 3, 3)  # PyTorch [out, in, kh, kw]
    conv.set_weights([weight.transpose(2, 3, 1, 0), f32(0.1 * unit(b + 101, f))])
    norm.set_weights([
        f32(1 + 0.2 * unit(b + 11, f)), f32(0.1 * unit(b + 21, f)), f32(0.2 * unit(b + 31, f)), f32(1 + 0.5 * unit(b + 41, f)),
    ])
    channels = f
height, width = BANDS // 8, FRAMES // 8
flat = channels * height * width
weight = f32(unit(5, DENSE * flat) * np.sqrt(6 / (flat + DENSE))).reshape(DENSE, channels, height, width)
denses[0].set_weights([weight.transpose(2, 3, 1, 0).reshape(flat, DENSE), f32(0.1 * unit(105, DENSE))])
weight = f32(unit(6, CLASSES * DENSE) * np.sqrt(6 / (DENSE + CLASSES))).reshape(CLASSES, DENSE)
denses[1].set_weights([weight.T, f32(0.1 * unit(106, CLASSES))])

batch = np.stack([f32(1.5 * unit(1000 + n, BANDS * FRAMES)).reshape(BANDS, FRAMES, 1) for n in range(2)])
outputs = [np.asarray(o, dtype=np.float64) for o in model(batch, training=False)]
reference = {
    "keras": keras.__version__,
    "parameters": int(model.count_params()),
    "logits": outputs[0].tolist(),
    "probabilities": outputs[1].tolist(),
    "block_sums": [[float(o[n].sum()) for o in outputs[2:]] for n in range(2)],
}
(HERE / "cnn_reference.json").write_text(json.dumps(reference, indent=1) + "\n")
print(json.dumps(reference, indent=1))
