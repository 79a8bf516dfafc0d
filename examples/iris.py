#!/usr/bin/python3
"""fathom from Python: a classifier on the Iris flowers bundled with fathom (data/iris.csv),
trained on numpy arrays, saved, and read back by the `fathom` command.

    /usr/bin/python3 examples/iris.py [MODEL_FILE]
    build/fathom predict --model iris-python.fathom --data data/iris.csv

The numpy arrays are fathom's own memory layout (samples × features, C order, float32), so fit
and predict read them in place; class labels may be text."""
import pathlib
import sys

import numpy as np

import fathom

data = pathlib.Path(__file__).resolve().parent.parent / "data" / "iris.csv"
columns = data.read_text().splitlines()[0].split(",")
x = np.loadtxt(data, delimiter=",", skiprows=1, usecols=range(4), dtype=np.float32)
y = np.loadtxt(data, delimiter=",", skiprows=1, usecols=4, dtype=str)

model = fathom.Sequential(input_dim=4, seed=1)
model.add(fathom.Normalization().adapt(x))  # scaling fitted on the data, saved with the model
model.add(fathom.Dense(8, "tanh"))
model.add(fathom.Dense(3, "softmax"))
model.compile(loss="cce", optimizer=fathom.Adam(learning_rate=0.01), metrics=["accuracy"])
model.feature_names = columns[:4]  # so the command finds these columns in a CSV by name
model.summary()

order = np.random.default_rng(0).permutation(len(x))  # validation_split holds out the last rows
history = model.fit(x[order], y[order], epochs=100, batch_size=16, validation_split=0.2,
                    callbacks=[fathom.EarlyStopping(patience=10, restore_best_weights=True)])
print(f"{len(history['loss'])} epochs: training accuracy {history['accuracy'][-1]:.3f}, "
      f"validation accuracy {history['val_accuracy'][-1]:.3f}")
print("first three flowers:", model.predict_classes(x[:3]), "of", model.class_names)

out = sys.argv[1] if len(sys.argv) > 1 else "iris-python.fathom"
model.save(out)
print(f"saved {out}: try build/fathom predict --model {out} --data data/iris.csv")
