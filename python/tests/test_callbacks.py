"""Callbacks from Python (Callback subclasses, LambdaCallback) and fathom's C++ callbacks."""
import csv

import numpy as np
import pytest

import fathom


def data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32)).astype(np.float32)
    return x, y


def model(seed=1):
    m = fathom.Sequential(3, seed=seed)
    m.add(fathom.Dense(8, "tanh"))
    m.add(fathom.Dense(1))
    m.compile(loss="mse", optimizer=fathom.Adam(learning_rate=0.01), metrics=["mae"])
    return m


def test_lambda_callback_sees_every_hook_in_order():
    x, y = data()
    events = []
    cb = fathom.LambdaCallback(
        on_train_begin=lambda logs: events.append("begin"),
        on_epoch_begin=lambda epoch, logs: events.append(f"e{epoch}"),
        on_batch_end=lambda batch, logs: events.append(f"b{batch}:{logs['size']}"),
        on_epoch_end=lambda epoch, logs: events.append(f"end{epoch}:{sorted(logs)}"),
        on_train_end=lambda logs: events.append("done"))
    m = model()
    m.fit(x, y, epochs=2, batch_size=64, validation_split=0.25, callbacks=[cb])
    keys = "['loss', 'lr', 'mae', 'val_loss', 'val_mae']"
    batches = ["b0:64", "b1:64", "b2:22"]
    assert events == ["begin", "e0", *batches, f"end0:{keys}", "e1", *batches, f"end1:{keys}", "done"]


def test_subclass_gets_model_and_params_and_can_stop_training():
    x, y = data()

    class StopAfterTwo(fathom.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.seen = (self.model, dict(self.params))
            if epoch == 1:
                self.model.stop_training = True

    m = model()
    cb = StopAfterTwo()
    history = m.fit(x, y, epochs=10, batch_size=50, callbacks=[cb])
    assert len(history["loss"]) == 2
    assert cb.seen[0] is m
    assert cb.seen[1] == {"epochs": 10, "batch_size": 50, "samples": 200, "steps": 4, "verbose": 1}


def test_epoch_logs_are_the_history_values():
    x, y = data()
    seen = {}
    cb = fathom.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.setdefault(epoch, logs))
    history = model().fit(x, y, epochs=3, callbacks=[cb])
    assert [seen[e]["loss"] for e in range(3)] == history["loss"]


def test_batch_losses_average_to_the_epoch_loss():
    x, y = data()
    losses = []
    cb = fathom.LambdaCallback(on_train_batch_end=lambda b, logs: losses.append((logs["loss"], logs["size"])))
    history = model().fit(x, y, epochs=1, batch_size=32, callbacks=[cb])
    mean = sum(l * n for l, n in losses) / sum(n for _, n in losses)
    assert mean == pytest.approx(history["loss"][0], rel=1e-9)


def test_exception_in_a_callback_ends_fit_with_that_exception():
    x, y = data()

    def boom(epoch, logs):
        if epoch == 1:
            raise RuntimeError("stop here")

    m = model()
    with pytest.raises(RuntimeError, match="stop here"):
        m.fit(x, y, epochs=5, callbacks=[fathom.LambdaCallback(on_epoch_end=boom)])
    assert len(m.history["loss"]) == 2  # the epochs that ended are kept
    m.fit(x, y, epochs=1)  # and the model trains on


def test_duck_typed_callback_with_only_some_hooks():
    x, y = data()

    class OnlyEnd:
        calls = 0

        def on_epoch_end(self, epoch, logs):
            OnlyEnd.calls += 1

    model().fit(x, y, epochs=3, callbacks=[OnlyEnd()])
    assert OnlyEnd.calls == 3


def test_early_stopping_restores_the_best_weights():
    x, y = data()
    rng = np.random.default_rng(5)
    noisy = y + rng.normal(scale=3.0, size=y.shape).astype(np.float32)
    m = fathom.Sequential(3, seed=2)
    m.add(fathom.Dense(64, "relu"))
    m.add(fathom.Dense(1))
    m.compile(loss="mse", optimizer=fathom.Adam(learning_rate=0.05))
    stop = fathom.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
    history = m.fit(x[:100], noisy[:100], epochs=300, validation_data=(x[100:], y[100:]), callbacks=[stop])
    assert stop.stopped_epoch >= 0 and len(history["loss"]) == stop.stopped_epoch + 1 < 300
    assert m.evaluate(x[100:], y[100:]) == pytest.approx(min(history["val_loss"]), rel=1e-5)
    with pytest.raises(ValueError, match="mode"):
        fathom.EarlyStopping(mode="sideways")


def test_csv_logger_and_model_checkpoint_write_their_files(tmp_path):
    x, y = data()
    log, best = tmp_path / "log.csv", tmp_path / "best.fm"
    m = model()
    history = m.fit(x, y, epochs=4, validation_split=0.2,
                    callbacks=[fathom.CSVLogger(str(log)), fathom.ModelCheckpoint(str(best), monitor="val_loss")])
    rows = list(csv.DictReader(log.open()))
    assert [float(r["loss"]) for r in rows] == pytest.approx(history["loss"], rel=1e-7)
    saved = fathom.load_model(best)
    assert saved.evaluate(x[160:], y[160:], return_dict=True)["loss"] == pytest.approx(min(history["val_loss"]), rel=1e-5)


def test_tensorboard_writes_event_files(tmp_path):
    x, y = data()
    tb = fathom.TensorBoard(log_dir=str(tmp_path / "logs"), histogram_freq=1, update_freq=2)
    model().fit(x, y, epochs=2, validation_split=0.2, callbacks=[tb])
    assert tb.train_file.exists() and tb.train_file.stat().st_size > 0
    assert tb.validation_file.parent.name == "validation"
    with pytest.raises(ValueError, match="update_freq"):
        fathom.TensorBoard(log_dir=str(tmp_path), update_freq="batchy")


def test_verbose_prints_a_line_per_epoch(capsys):
    x, y = data()
    model().fit(x, y, epochs=3, verbose=2)
    lines = [l for l in capsys.readouterr().out.splitlines() if l.startswith("epoch")]
    assert len(lines) == 3 and lines[2].startswith("epoch 3/3") and "loss" in lines[2]


def test_default_progress_draws_a_live_bar_on_a_terminal_only():
    import os
    import subprocess
    import sys

    code = ("import numpy as np, fathom\n"
            "x = np.random.default_rng(0).normal(size=(100000, 32)).astype(np.float32)\n"
            "m = fathom.Sequential(32, seed=1, layers=[fathom.Dense(512, 'relu'), fathom.Dense(1)])\n"
            "m.compile(loss='mse', optimizer='adam')\n"
            "m.fit(x, x[:, :1], epochs=2, batch_size=16)\n")
    main, sub = os.openpty()
    process = subprocess.Popen([sys.executable, "-c", code], stdout=sub, stderr=subprocess.PIPE)
    os.close(sub)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal closed when the process ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert process.wait(timeout=120) == 0, process.stderr.read()
    os.close(main)
    terminal = b"".join(chunks).decode()
    assert "samples/s" in terminal and "ETA" in terminal and "\r" in terminal
    assert "epoch 2/2" in terminal
    piped = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "samples/s" not in piped and "\r" not in piped
    assert [l.split()[1] for l in piped.splitlines()] == ["1/2", "2/2"]
