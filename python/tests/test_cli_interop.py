"""One model file for every front end: trained in Python and used by the `fathom` command, and
the other way round; and a Python fit equal to the command's (the C++ fit) bit for bit."""
import csv
import io

import numpy as np

import fathom
from conftest import REPO, write_csv


def predictions(stdout):
    return [row["prediction"] for row in csv.DictReader(io.StringIO(stdout))]


def test_a_python_model_is_used_by_the_cli(tmp_path, cli, iris):
    x, y, names = iris
    m = fathom.Sequential(4, seed=1)
    m.add(fathom.Normalization().adapt(x))
    m.add(fathom.Dense(8, "relu"))
    m.add(fathom.Dense(3, "softmax"))
    m.compile(loss="cce", optimizer=fathom.Adam(learning_rate=0.02), metrics=["accuracy"])
    m.feature_names = names  # so the command reads those columns of a CSV by name
    m.fit(x, y, epochs=40, batch_size=16)
    path = tmp_path / "iris.fm"
    m.save(path)
    out = cli("predict", "--model", path, "--data", REPO / "data" / "iris.csv").stdout
    assert predictions(out) == list(m.predict_classes(x))
    info = cli("info", "--model", path).stdout
    assert "Classes: 3 (setosa, versicolor, virginica)" in info and "Task: classify" in info
    evaluated = cli("evaluate", "--model", path, "--data", REPO / "data" / "iris.csv", "--target", "species").stdout
    accuracy = m.evaluate(x, y, return_dict=True)["accuracy"]
    assert f"{accuracy:.4f}" in evaluated


def test_a_model_trained_on_plain_numpy_reads_a_features_only_csv(tmp_path, cli):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(50, 3)).astype(np.float32)
    m = fathom.Sequential(3, seed=2)
    m.add(fathom.Dense(2))
    m.compile(loss="mse", optimizer="sgd")
    m.fit(x, x[:, :2] * 2, epochs=2)
    m.save(tmp_path / "r.fm")
    write_csv(tmp_path / "x.csv", x)
    out = cli("predict", "--model", tmp_path / "r.fm", "--data", tmp_path / "x.csv").stdout
    rows = list(csv.reader(io.StringIO(out)))
    got = np.array([[float(v) for v in r] for r in rows[1:]], dtype=np.float32)
    np.testing.assert_allclose(got, m.predict(x), rtol=1e-5, atol=1e-6)


def test_a_cli_model_is_used_from_python(tmp_path, cli, iris):
    x, y, _ = iris
    path = tmp_path / "cli.fm"
    cli("train", "--data", REPO / "data" / "iris.csv", "--target", "species", "--layers", "8:relu,3:softmax",
        "--epochs", "30", "--seed", "5", "--save", path, "--quiet")
    m = fathom.load_model(path)
    assert m.class_names == ["setosa", "versicolor", "virginica"] and m.feature_names[0] == "sepal_length"
    out = cli("predict", "--model", path, "--data", REPO / "data" / "iris.csv").stdout
    assert predictions(out) == list(m.predict_classes(x))
    # and trains on from where the command stopped
    before = m.iterations
    m.fit(x, y, epochs=1)
    assert m.iterations == before + 5


def test_python_fit_equals_the_cli_fit_bit_for_bit(tmp_path, cli):
    rng = np.random.default_rng(7)
    x = rng.normal(loc=3.0, scale=2.0, size=(200, 5)).astype(np.float32)
    score = x[:, 0] - x[:, 1] + 0.5 * x[:, 2]
    labels = np.where(score < 0, "low", np.where(score < 3, "mid", "high"))
    data = tmp_path / "d.csv"
    write_csv(data, x, labels)
    cli_path = tmp_path / "cli.fm"
    cli("train", "--data", data, "--target", "label", "--layers", "6:tanh,3:softmax", "--optimizer", "adam",
        "--lr", "0.01", "--epochs", "4", "--batch-size", "16", "--seed", "9", "--save", cli_path, "--quiet")
    from_cli = fathom.load_model(cli_path)

    m = fathom.Sequential(5, seed=9)
    m.add(fathom.Normalization("standard").adapt(x))
    m.add(fathom.Dense(6, "tanh"))
    m.add(fathom.Dense(3, "softmax"))
    m.compile(loss="cce", optimizer=fathom.Adam(learning_rate=0.01), metrics=["accuracy"])
    history = m.fit(x, labels, epochs=4, batch_size=16)

    assert [l.config() for l in m.layers] == [l.config() for l in from_cli.layers]
    assert m.class_names == from_cli.class_names == ["high", "low", "mid"]
    assert history["loss"] == from_cli.history["loss"]
    for ours, theirs in zip(m.get_weights(), from_cli.get_weights(), strict=True):
        assert ours.tobytes() == theirs.tobytes()
