"""The full-batch optimizers from Python (docs/concepts.md, full-batch training): each trains,
steps once per epoch over the whole set, says why it stopped, and refuses what it cannot do."""
import numpy as np
import pytest

import fathom

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
XOR_Y = np.array([0, 1, 1, 0], dtype=np.float32)


def xor_model(optimizer, loss="bce"):
    model = fathom.Sequential(2, seed=3)
    model.add(fathom.Dense(4, "tanh"))
    model.add(fathom.Dense(1, "sigmoid"))
    model.compile(loss=loss, optimizer=optimizer, metrics=["accuracy"])
    return model


@pytest.mark.parametrize("optimizer", [fathom.RPROP(), fathom.IRPROPPlus(), fathom.LBFGS(),
                                       fathom.LevenbergMarquardt()], ids=lambda o: o.name)
def test_each_learns_xor_one_step_per_epoch(optimizer):
    model = xor_model(optimizer, "mse" if optimizer.name == "lm" else "bce")
    history = model.fit(XOR_X, XOR_Y, epochs=300, verbose=0)
    assert model.evaluate(XOR_X, XOR_Y, return_dict=True)["accuracy"] == 1.0
    assert model.iterations == len(history.epoch)
    assert model.evaluations >= model.iterations
    assert ("lr" in history.history) == (optimizer.name == "lbfgs")


def test_lbfgs_converges_and_says_why():
    model = xor_model(fathom.LBFGS())
    history = model.fit(XOR_X, XOR_Y, epochs=5000, verbose=0)
    assert len(history.epoch) < 5000
    assert "tolerance" in model.converged


def test_refusals_are_value_errors():
    model = xor_model(fathom.LBFGS())
    with pytest.raises(ValueError, match="steps on the whole training set"):
        model.fit(XOR_X, XOR_Y, batch_size=2, verbose=0)
    with pytest.raises(ValueError, match="mse"):
        xor_model(fathom.LevenbergMarquardt(), "bce").fit(XOR_X, XOR_Y, verbose=0)
    with pytest.raises(ValueError, match="learning_rate.*unknown"):
        xor_model(fathom.RPROP(learning_rate=0.1))
    with pytest.raises(ValueError, match="no learning rate"):
        xor_model(fathom.RPROP()).learning_rate = 0.1


def test_state_survives_a_model_file(tmp_path):
    straight = xor_model(fathom.IRPROPPlus())
    straight.fit(XOR_X, XOR_Y, epochs=20, verbose=0)
    first = xor_model(fathom.IRPROPPlus())
    first.fit(XOR_X, XOR_Y, epochs=10, verbose=0)
    first.save(tmp_path / "m.fathom")
    resumed = fathom.load_model(tmp_path / "m.fathom")
    resumed.fit(XOR_X, XOR_Y, epochs=20, initial_epoch=10, verbose=0)
    for a, b in zip(resumed.get_weights(), straight.get_weights()):
        np.testing.assert_array_equal(a, b)
