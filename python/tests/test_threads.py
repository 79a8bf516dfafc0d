"""fit, evaluate and predict release the GIL; Ctrl-C stops fit between steps."""
import os
import signal
import threading
import time

import numpy as np
import pytest

import fathom


def big_problem(n=20_000, d=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    y = np.tanh(x[:, :4].sum(axis=1, keepdims=True)).astype(np.float32)
    return x, y


def net(seed=1, d=64):
    m = fathom.Sequential(d, seed=seed)
    m.add(fathom.Dense(128, "relu"))
    m.add(fathom.Dense(1))
    m.compile(loss="mse", optimizer=fathom.Adam(learning_rate=1e-3))
    return m


class Counter(threading.Thread):
    """A pure-Python loop: it can only count while no one else holds the GIL."""

    def __init__(self):
        super().__init__(daemon=True)
        self.count, self.running = 0, True

    def run(self):
        while self.running:
            self.count += 1


def counted_during(f):
    counter = Counter()
    counter.start()
    time.sleep(0.05)
    try:
        before = counter.count
        start = time.perf_counter()
        f()
        seconds = time.perf_counter() - start
        return counter.count - before, seconds
    finally:
        counter.running = False
        counter.join()


def for_at_least(seconds, f):
    """Calls f until `seconds` have passed: long enough to tell on a fast machine too."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        f()


@pytest.fixture()
def one_thread():
    old = fathom.num_threads()
    fathom.set_num_threads(1)
    yield
    fathom.set_num_threads(old)


def test_a_python_thread_runs_while_fit_and_predict_run(one_thread):
    x, y = big_problem()
    m = net()
    # Python alone: how fast the counter counts on this machine right now.
    baseline, seconds = counted_during(lambda: time.sleep(0.3))
    rate = baseline / seconds
    # With the GIL held the counter would stand still (seen: 3 % of its pace, from the moments
    # between calls); released, it keeps a good part of it even on a loaded machine.
    counted, seconds = counted_during(lambda: for_at_least(0.5, lambda: m.fit(x, y, epochs=1, batch_size=32)))
    assert counted > 0.1 * rate * seconds, (counted, rate, seconds)
    counted, seconds = counted_during(lambda: for_at_least(0.5, lambda: m.predict(x)))
    assert counted > 0.1 * rate * seconds, (counted, rate, seconds)


def test_ctrl_c_stops_fit_between_steps_and_keeps_the_last_steps_weights():
    x, y = big_problem()
    m = net(seed=3)
    timer = threading.Timer(0.4, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        m.fit(x, y, epochs=1000, batch_size=32)
    stopped_after = time.perf_counter() - start
    timer.join()
    assert stopped_after < 5, stopped_after
    steps = m.iterations
    assert steps > 0
    weights = m.get_weights()
    assert all(np.isfinite(w).all() for w in weights)

    # The same model, stopped by an exception after exactly that many steps, has the same
    # weights bit for bit: the interrupt came between two steps, after a whole one.
    class StopAt(Exception):
        pass

    def stop_at(batch, logs):
        if reference.iterations == steps:
            raise StopAt()

    reference = net(seed=3)
    with pytest.raises(StopAt):
        reference.fit(x, y, epochs=1000, batch_size=32, callbacks=[fathom.LambdaCallback(on_batch_end=stop_at)])
    for a, b in zip(weights, reference.get_weights()):
        assert a.tobytes() == b.tobytes()
    # The model trains on afterwards.
    m.fit(x[:256], y[:256], epochs=1)
    assert m.iterations == steps + 8


def test_fit_from_another_thread_is_not_interrupted_and_finishes():
    x, y = big_problem(n=2000)
    m = net()
    result = {}
    worker = threading.Thread(target=lambda: result.update(m.fit(x, y, epochs=3, batch_size=64)))
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive() and len(result["loss"]) == 3


def test_concurrent_predictions_on_one_model_from_threads():
    x, _ = big_problem(n=4000)
    m = net()
    expected = m.predict(x)
    results = [None] * 4

    def work(i):
        results[i] = m.predict(x)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        np.testing.assert_array_equal(r, expected)
