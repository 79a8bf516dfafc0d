"""The Keras-shaped API: building, compiling, fit/evaluate/predict, weights, labels, errors and
model files."""
import math
import pickle

import numpy as np
import pytest

import fathom


def iris_model(seed=1, hidden=8, metrics=("accuracy",)):
    m = fathom.Sequential(4, seed=seed)
    m.add(fathom.Dense(hidden, "relu"))
    m.add(fathom.Dense(3, "softmax"))
    m.compile(loss="cce", optimizer=fathom.Adam(learning_rate=0.02), metrics=list(metrics))
    return m


def shuffled(iris, seed=0):
    x, y, _ = iris
    order = np.random.default_rng(seed).permutation(len(x))
    return x[order], y[order]


def test_three_lines_train_a_classifier_on_text_labels(iris):
    x, y = shuffled(iris)
    m = iris_model()
    history = m.fit(x, y, epochs=60, batch_size=16, validation_split=0.2)
    assert isinstance(history, dict) and history.history is history
    assert sorted(history) == ["accuracy", "loss", "lr", "val_accuracy", "val_loss"]
    assert all(len(v) == 60 for v in history.values()) and history.epoch == list(range(60))
    assert history["loss"][-1] < history["loss"][0] / 3
    assert history["val_accuracy"][-1] >= 0.9
    assert m.class_names == ["setosa", "versicolor", "virginica"] and m.task == "classify"
    predicted = m.predict_classes(x)
    assert predicted.dtype.kind == "U" and np.mean(predicted == y) > 0.9


def test_predict_returns_samples_by_outputs_float32(iris):
    x, y = shuffled(iris)
    m = iris_model()
    m.fit(x, y, epochs=5)
    out = m.predict(x)
    assert out.shape == (150, 3) and out.dtype == np.float32 and out.flags.c_contiguous
    np.testing.assert_allclose(out.sum(axis=1), 1, rtol=1e-5)
    # Batches change memory use, and the values only in the last bit (OpenBLAS blocks a product
    # by its width).
    np.testing.assert_allclose(m.predict(x, batch_size=7), out, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(m.predict(x[:1]), out[:1], rtol=1e-6, atol=1e-7)


def test_evaluate_forms_match_keras(iris):
    x, y = shuffled(iris)
    m = iris_model()
    m.fit(x, y, epochs=20)
    logs = m.evaluate(x, y, return_dict=True)
    assert set(logs) == {"loss", "accuracy"}
    loss, accuracy = m.evaluate(x, y)
    assert (loss, accuracy) == (logs["loss"], logs["accuracy"])
    assert accuracy == pytest.approx(np.mean(m.predict_classes(x) == y))
    bare = iris_model(metrics=())
    bare.fit(x, y, epochs=1)
    assert isinstance(bare.evaluate(x, y), float)


def test_integer_labels_stand_for_their_class_and_come_back_as_ints(iris):
    x, y = shuffled(iris)
    codes = np.searchsorted(["setosa", "versicolor", "virginica"], y)
    m = iris_model()
    m.fit(x, codes, epochs=40, batch_size=16)
    assert m.class_names == ["0", "1", "2"]
    predicted = m.predict_classes(x)
    assert predicted.dtype.kind == "i" and np.mean(predicted == codes) > 0.85


def test_one_hot_targets_and_labels_train_identically(iris):
    x, y = shuffled(iris)
    codes = np.searchsorted(["setosa", "versicolor", "virginica"], y)
    a, b = iris_model(seed=3), iris_model(seed=3)
    a.fit(x, np.eye(3, dtype=np.float32)[codes], epochs=3)
    b.fit(x, y, epochs=3)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_unknown_label_after_fit_is_an_error_naming_it(iris):
    x, y = shuffled(iris)
    m = iris_model()
    m.fit(x, y, epochs=1)
    with pytest.raises(ValueError, match="labels the model does not know: rose"):
        m.fit(x[:2], np.array(["setosa", "rose"]), epochs=1)


def test_class_count_must_match_outputs(iris):
    x, y = shuffled(iris)
    m = fathom.Sequential(4)
    m.add(fathom.Dense(4, "softmax"))
    m.compile(loss="cce", optimizer="adam")
    with pytest.raises(ValueError, match=r"3 classes \(setosa, versicolor, virginica\).*Dense\(3"):
        m.fit(x, y)


def test_binary_text_labels_train_one_sigmoid_output(iris):
    x, y = shuffled(iris)
    is_setosa = np.where(y == "setosa", "yes", "no")
    m = fathom.Sequential(4, seed=2)
    m.add(fathom.Dense(1, "sigmoid"))
    m.compile(loss="bce", optimizer=fathom.Adam(learning_rate=0.05), metrics=["accuracy"])
    m.fit(x, is_setosa, epochs=50, batch_size=10)
    assert m.class_names == ["no", "yes"]
    assert np.mean(m.predict_classes(x) == is_setosa) > 0.95


def test_regression_on_1d_targets(iris):
    x, _, _ = iris
    target = x[:, 3].copy()
    m = fathom.Sequential(3, seed=1)
    m.add(fathom.Dense(16, "tanh"))
    m.add(fathom.Dense(1))
    m.compile(loss="mse", optimizer=fathom.Adam(learning_rate=0.01), metrics=["mae"])
    history = m.fit(x[:, :3], target, epochs=150, batch_size=16)
    assert history["mae"][-1] < 0.25
    assert m.class_names == [] and m.task == ""


def test_same_seed_same_training_bit_for_bit(iris):
    x, y = shuffled(iris)
    a, b = iris_model(seed=11), iris_model(seed=11)
    ha, hb = a.fit(x, y, epochs=5, batch_size=8), b.fit(x, y, epochs=5, batch_size=8)
    assert ha == hb
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        assert wa.tobytes() == wb.tobytes()
    c = iris_model(seed=12)
    c.fit(x, y, epochs=5, batch_size=8)
    assert not np.array_equal(c.get_weights()[0], a.get_weights()[0])


def test_weights_in_keras_shapes_and_set_weights_checks_every_shape_first():
    m = fathom.Sequential(5, seed=1)
    m.add(fathom.Dense(4, "relu"))
    m.add(fathom.Dense(2, use_bias=False))
    m.compile(loss="mse", optimizer="sgd")
    weights = m.get_weights()
    assert [w.shape for w in weights] == [(5, 4), (4,), (4, 2)]
    assert m.weight_names == ["dense_1/W", "dense_1/b", "dense_2/W"]
    x = np.random.default_rng(0).normal(size=(3, 5)).astype(np.float32)
    # Keras's convention: outputs = relu(x · W + b).
    hidden = np.maximum(x @ weights[0] + weights[1], 0)
    np.testing.assert_allclose(m.predict(x), hidden @ weights[2], rtol=1e-5, atol=1e-6)
    new = [np.full_like(w, 0.5) for w in weights]
    m.set_weights(new)
    assert all(np.array_equal(a, b) for a, b in zip(m.get_weights(), new))
    with pytest.raises(ValueError, match=r"dense_2/W must have shape \(4, 2\), got \(2, 4\)"):
        m.set_weights([new[0], new[1], new[2].T])
    assert np.array_equal(m.get_weights()[0], new[0])  # nothing was written
    with pytest.raises(ValueError, match="3 weight arrays, got 2"):
        m.set_weights(new[:2])


def test_optimizers_by_name_and_object_and_their_errors():
    m = fathom.Sequential(2)
    m.add(fathom.Dense(1))
    m.compile(loss="mse", optimizer=fathom.SGD(learning_rate=0.1, momentum=0.9, nesterov=True))
    assert m.learning_rate == pytest.approx(0.1)
    m.learning_rate = 0.05
    assert m.learning_rate == pytest.approx(0.05)
    m.compile(loss="mse", optimizer=fathom.Adam(beta_1=0.8))
    assert m.learning_rate == pytest.approx(0.001)  # fathom's default, not restated in Python
    with pytest.raises(ValueError, match="momentum"):
        m.compile(loss="mse", optimizer=fathom.SGD(momentum=1.5))
    with pytest.raises(ValueError, match="known options"):
        m.compile(loss="mse", optimizer=fathom.Adam(betta=0.5))
    with pytest.raises(ValueError, match="unknown optimizer"):
        m.compile(loss="mse", optimizer="adamm")
    with pytest.raises(TypeError, match="optimizer must be"):
        m.compile(loss="mse", optimizer=3)


def test_layer_errors_are_value_errors():
    m = fathom.Sequential(3)
    with pytest.raises(ValueError, match="relux"):
        m.add(fathom.Dense(2, "relux"))
    with pytest.raises(ValueError):
        m.add(fathom.Dropout(1.5))
    with pytest.raises(ValueError, match="adapt"):
        m.add(fathom.Normalization())
    with pytest.raises(TypeError, match="fathom layer"):
        m.add("dense")


def test_data_errors_name_what_is_wrong(iris):
    x, y = shuffled(iris)
    m = iris_model()
    with pytest.raises(ValueError, match=r"x has 3 features \(columns\) but the model takes 4 inputs"):
        m.fit(x[:, :3], y)
    with pytest.raises(ValueError, match="x has 150 samples .* y has 149"):
        m.fit(x, y[:-1])
    with pytest.raises(ValueError, match="2-D.*reshape"):
        m.predict(x[0])
    bad = x.copy()
    bad[7, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        m.fit(bad, y)
    with pytest.raises(ValueError, match="numeric"):
        m.predict(np.array([["a", "b", "c", "d"]]))
    with pytest.raises(ValueError, match="epochs"):
        m.fit(x, y, epochs=0)
    with pytest.raises(ValueError, match="compile"):
        _uncompiled().fit(x, y)


def _uncompiled():
    m = fathom.Sequential(4)
    m.add(fathom.Dense(3, "softmax"))
    return m


def test_divergence_is_a_diverged_error_and_keeps_the_last_good_weights():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32) * 1e3
    y = rng.normal(size=(64, 1)).astype(np.float32) * 1e3
    m = fathom.Sequential(4, seed=1)
    m.add(fathom.Dense(1))
    m.compile(loss="mse", optimizer=fathom.SGD(learning_rate=10.0))
    with pytest.raises(fathom.DivergedError) as info:
        m.fit(x, y, epochs=50)
    assert isinstance(info.value, ArithmeticError)
    assert all(np.isfinite(w).all() for w in m.get_weights())


def test_files_and_bytes_round_trip(tmp_path, iris):
    x, y = shuffled(iris)
    m = iris_model()
    m.fit(x, y, epochs=5)
    path = tmp_path / "iris.fm"
    m.save(path)
    loaded = fathom.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x), m.predict(x))
    assert loaded.class_names == m.class_names and loaded.history == m.history
    assert loaded.to_bytes() == path.read_bytes() == m.to_bytes()
    restored = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(restored.predict(x), m.predict(x))
    # Training goes on from the saved optimizer state and generator, as in the C++ API.
    m.fit(x, y, epochs=2)
    loaded.fit(x, y, epochs=2)
    np.testing.assert_array_equal(loaded.get_weights()[0], m.get_weights()[0])
    assert [type(l).__name__ for l in loaded.layers] == ["Dense", "Dense"]


def test_file_errors_are_os_errors(tmp_path):
    with pytest.raises(OSError, match="missing.fm: cannot open"):
        fathom.load_model(tmp_path / "missing.fm")
    broken = tmp_path / "broken.fm"
    broken.write_bytes(b"FATHOM\x00\x00not a model")
    with pytest.raises(OSError, match="broken.fm"):
        fathom.load_model(broken)
    with pytest.raises(OSError):
        fathom.model_from_bytes(b"\x00" * 10)
    m = iris_model()
    with pytest.raises(OSError, match="no-such-folder"):
        m.save(tmp_path / "no-such-folder" / "m.fm")


def test_summary_prints_the_layers(capsys):
    m = iris_model()
    m.summary()
    out = capsys.readouterr().out
    assert "dense_1 (dense)" in out and "Total params: 67" in out and "Optimizer: adam" in out


def test_normalization_layer_adapts_and_is_saved(tmp_path, iris):
    x, y = shuffled(iris)
    norm = fathom.Normalization().adapt(x)
    np.testing.assert_allclose(norm.offset, x.mean(axis=0), rtol=1e-5)
    m = fathom.Sequential(4, seed=1, layers=[norm, fathom.Dense(3, "softmax")])
    m.compile(loss="cce", optimizer=fathom.Adam(learning_rate=0.05), metrics=["accuracy"])
    m.fit(x, y, epochs=30)
    m.save(tmp_path / "n.fm")
    again = fathom.load_model(tmp_path / "n.fm")
    assert isinstance(again.layers[0], fathom.Normalization)
    np.testing.assert_array_equal(again.predict(x), m.predict(x))
    assert math.isclose(m.evaluate(x, y, return_dict=True)["accuracy"], 1.0, abs_tol=0.08)


def test_a_table_with_columns_gives_the_feature_names(iris):
    x, y, names = iris

    class Table:  # what fit needs of a DataFrame: its columns and its values
        columns = names

        def __array__(self, dtype=None):
            return x if dtype is None else x.astype(dtype)

    m = iris_model()
    m.fit(Table(), y, epochs=1)
    assert m.feature_names == names


def test_class_names_are_checked_when_set():
    m = fathom.Sequential(2, layers=[fathom.Dense(3, "softmax")])
    with pytest.raises(ValueError, match='"a" is given twice'):
        m.class_names = ["a", "b", "a"]
    with pytest.raises(ValueError, match="2 names for a model with 3 outputs"):
        m.class_names = ["a", "b"]
    m.class_names = ["a", "b", "c"]
    binary = fathom.Sequential(2, layers=[fathom.Dense(1, "sigmoid")])
    binary.class_names = ["no", "yes"]
    assert binary.class_names == ["no", "yes"]


def test_kernels_stay_2d_for_one_input_or_one_unit():
    m = fathom.Sequential(1, seed=1, layers=[fathom.Dense(3, "tanh"), fathom.Dense(1), fathom.Dense(2)])
    m.compile(loss="mse", optimizer="sgd")
    assert [w.shape for w in m.get_weights()] == [(1, 3), (3,), (3, 1), (1,), (1, 2), (2,)]
    m.set_weights([np.ones(w.shape) for w in m.get_weights()])
    np.testing.assert_allclose(m.predict([[0.0]]), [[2 + 3 * np.tanh(1.0)] * 2], rtol=1e-6)


def test_set_weights_writes_nothing_unless_every_array_is_good():
    m = fathom.Sequential(3, seed=1, layers=[fathom.Dense(2), fathom.Dense(1)])
    m.compile(loss="mse", optimizer="sgd")
    before = m.get_weights()
    zeros = [np.zeros_like(w) for w in before]
    for bad, message in [(np.full((2, 1), "abc"), "array of numbers"),
                         (np.ones((2, 1), dtype=complex), "array of numbers"),
                         (np.full((2, 1), np.nan), "NaN or Inf")]:
        with pytest.raises(ValueError, match=message):
            m.set_weights(zeros[:2] + [bad, zeros[3]])
        assert all(np.array_equal(a, b) for a, b in zip(m.get_weights(), before, strict=True))
    m.set_weights([w.astype(np.float64) for w in zeros])  # any real dtype is converted
    assert not any(w.any() for w in m.get_weights())


def test_a_failed_fit_leaves_the_labels_as_they_were(iris):
    x, y = shuffled(iris)
    m = iris_model()
    with pytest.raises(ValueError, match="batch_size"):
        m.fit(x, y, batch_size=0)
    assert m.class_names == [] and m.task == ""
    with pytest.raises(ValueError, match="validation_split"):
        m.fit(x, y, validation_split=float("nan"))
    m.fit(x, np.char.upper(y), epochs=1)  # other labels are still welcome
    assert m.class_names == ["SETOSA", "VERSICOLOR", "VIRGINICA"]


def test_numeric_text_labels_are_ordered_by_value_as_the_cli_orders_them():
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    m = fathom.Sequential(2, layers=[fathom.Dense(3, "softmax")])
    m.compile(loss="cce", optimizer="adam")
    m.fit(x, np.array(["10", "2", "1", "10", "2", "1"]), epochs=1, verbose=0)
    assert m.class_names == ["1", "2", "10"]
    assert m.predict_classes(x).dtype.kind == "i"


def test_hostile_arguments_are_value_errors_naming_them(iris):
    x, y = shuffled(iris)
    m = iris_model()
    with pytest.raises(ValueError, match="0 samples"):
        m.fit(x[:0], y[:0])
    with pytest.raises(ValueError, match="numeric, got dtype complex"):
        m.predict(x.astype(complex))
    with pytest.raises(ValueError, match="numeric, got dtype datetime64"):
        m.predict(np.zeros((2, 4), dtype="datetime64[s]"))
    with pytest.raises(ValueError, match=r"batch_size must be in \[1, 2\^31\), got 0"):
        m.predict(x, batch_size=0)
    with pytest.raises(ValueError, match="epochs must be in"):
        m.fit(x, y, epochs=2**40)
    with pytest.raises(ValueError, match="epochs must be an integer"):
        m.fit(x, y, epochs=2.5)
    assert m.predict(x[:0]).shape == (0, 3)


def test_bce_refuses_targets_outside_0_1():
    x = np.zeros((4, 2), dtype=np.float32)
    m = fathom.Sequential(2, layers=[fathom.Dense(1, "sigmoid")])
    m.compile(loss="bce", optimizer="adam")
    with pytest.raises(ValueError, match=r"bce loss needs targets in \[0, 1\], y has 2.0+ at sample 1"):
        m.fit(x, np.array([1.0, 2.0, 1.0, 1.0]))


def test_an_uncompiled_model_pickles_as_what_was_built():
    m = fathom.Sequential(3, seed=7, layers=[fathom.Dense(4, "relu"), fathom.Dense(1)])
    copy = pickle.loads(pickle.dumps(m))
    assert [l.config() for l in copy.layers] == [l.config() for l in m.layers]
    m.compile(loss="mse", optimizer="adam")
    copy.compile(loss="mse", optimizer="adam")
    for a, b in zip(m.get_weights(), copy.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()  # the same seed came along


def test_labels_stay_when_fit_stops_after_training_began(iris):
    x, y = shuffled(iris)
    m = iris_model()

    def stop(batch, logs):
        raise KeyboardInterrupt  # as Ctrl-C does, between two steps

    with pytest.raises(KeyboardInterrupt):
        m.fit(x, y, callbacks=[fathom.LambdaCallback(on_batch_end=stop)])
    assert m.iterations == 1 and m.class_names == ["setosa", "versicolor", "virginica"]
