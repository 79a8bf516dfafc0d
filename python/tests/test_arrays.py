"""numpy arrays in every layout and dtype, and the promise of no copy: a C-ordered float32
samples × features array is fathom's column-major features × samples matrix, read in place."""
import tracemalloc

import numpy as np
import pytest

import fathom
from fathom._arrays import features


def trained(seed=1):
    m = fathom.Sequential(6, seed=seed)
    m.add(fathom.Dense(5, "relu"))
    m.add(fathom.Dense(2))
    m.compile(loss="mse", optimizer=fathom.SGD(learning_rate=0.05))
    return m


@pytest.fixture()
def xy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 6)).astype(np.float32)
    y = np.stack([x[:, 0] - x[:, 1], x[:, 2] * 0.5], axis=1).astype(np.float32)
    return x, y


def address(a):
    return a.__array_interface__["data"][0]


def test_c_ordered_float32_is_used_in_place():
    x = np.zeros((10, 4), dtype=np.float32)
    assert features(x) is x
    assert address(features(x)) == address(x)


@pytest.mark.parametrize("make", [
    lambda x: np.asfortranarray(x),
    lambda x: x.astype(np.float64),
    lambda x: np.asfortranarray(x.astype(np.float64)),
    lambda x: x.tolist(),
    lambda x: np.concatenate([x, x], axis=1)[:, :x.shape[1]],  # a strided view
], ids=["fortran32", "c64", "fortran64", "list", "strided"])
def test_every_layout_and_dtype_gives_the_same_training_and_predictions(xy, make):
    x, y = xy
    converted = features(make(x))
    assert converted.flags.c_contiguous and converted.dtype == np.float32
    assert not np.shares_memory(converted, x)
    reference, other = trained(), trained()
    h_ref = reference.fit(x, y, epochs=3, batch_size=16)
    h_other = other.fit(make(x), make(y), epochs=3, batch_size=16)
    assert h_ref == h_other
    np.testing.assert_array_equal(other.predict(make(x)), reference.predict(x))


def test_integer_and_bool_inputs_are_numbers(xy):
    x, y = xy
    m = trained()
    ints = np.round(x * 10).astype(np.int64)
    np.testing.assert_array_equal(m.predict(ints), m.predict(ints.astype(np.float32)))
    bools = x > 0
    np.testing.assert_array_equal(m.predict(bools), m.predict(bools.astype(np.float32)))


def test_the_extension_refuses_what_it_would_have_to_copy(xy):
    x, y = xy
    m = trained()
    with pytest.raises(TypeError, match="C-contiguous float32"):
        m._m.predict(np.asfortranarray(x), 16)
    with pytest.raises(TypeError, match="C-contiguous float32"):
        m._m.predict(x.astype(np.float64), 16)


def traced_peak(f):
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        f()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_predict_and_fit_allocate_no_copy_of_a_c_ordered_float32_array():
    # numpy reports its allocations to tracemalloc; fathom's own buffers are not Python's.
    x = np.random.default_rng(1).normal(size=(100_000, 6)).astype(np.float32)  # 2.4 MB
    y = np.zeros((100_000, 2), dtype=np.float32)
    m = trained()
    in_place = traced_peak(lambda: m.predict(x))
    copied = traced_peak(lambda: m.predict(np.asfortranarray(x)))
    assert in_place < 200_000, in_place
    assert copied > x.nbytes, copied
    assert traced_peak(lambda: m.fit(x, y, epochs=1, batch_size=4096)) < 200_000
    assert traced_peak(lambda: m.evaluate(x, y)) < 200_000


def test_training_reads_the_callers_array_itself(xy):
    # Proof by effect: zeroing the caller's array between epochs changes what the second epoch
    # trains on when the array is used in place, and not when fathom trains on a copy.
    x, y = xy

    def run(x_given):
        m = trained()
        zero = fathom.LambdaCallback(on_epoch_end=lambda epoch, logs: x_given.fill(0) if epoch == 0 else None)
        return m.fit(x_given, y, epochs=2, batch_size=16, shuffle=False, callbacks=[zero])["loss"]

    in_place = run(x.copy())
    copied = run(np.asfortranarray(x))
    assert in_place[0] == copied[0]
    assert in_place[1] != copied[1]


def test_predictions_own_their_memory(xy):
    x, _ = xy
    m = trained()
    out = m.predict(x)
    expected = out.copy()
    assert not np.shares_memory(out, x)
    del m
    churn = [np.full((120, 2), 7.0, dtype=np.float32) for _ in range(100)]  # reuse freed memory
    np.testing.assert_array_equal(out, expected)
    assert len(churn) == 100
