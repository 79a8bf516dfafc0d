"""fathom.sklearn: scikit-learn's estimator checks, and the estimators in scikit-learn's tools
(Pipeline, GridSearchCV, cross_val_score, pickle), their training rules next to
sklearn.neural_network's, and their models read by the `fathom` command."""
import csv
import io
import os
import pickle
import subprocess
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import (load_breast_cancer, load_digits, load_iris, make_multilabel_classification,
                              make_regression)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from fathom.sklearn import MLPClassifier, MLPRegressor

HERE = os.path.dirname(os.path.abspath(__file__))
CLI = os.environ.get("FATHOM_CLI", os.path.join(HERE, "..", "..", "build", "fathom"))


# scikit-learn's estimator checks, every one, on the default estimators. Two end in a skip where
# pandas is not installed (check_classifier_data_not_an_array and check_regressor_data_not_an_array
# test pandas input after the rest), and check_classifiers_multilabel_output_format_decision_function
# skips for want of decision_function: exactly as for sklearn.neural_network's MLPs.
@parametrize_with_checks([MLPClassifier(), MLPRegressor()])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def _iris():
    X, y = load_iris(return_X_y=True)
    return X, np.array(["setosa", "versicolor", "virginica"])[y]


def _digits_split():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0,
                                                        stratify=y)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def _quiet(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


# --- scikit-learn's tools --------------------------------------------------------------------

def test_pipeline_with_standard_scaler():
    X, y = _iris()
    pipe = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01,
                                                         max_iter=200, random_state=0))
    _quiet(pipe, X, y)
    assert pipe.score(X, y) > 0.9
    assert set(pipe.predict(X)) <= set(y)


def test_grid_search():
    X, y = _iris()
    grid = GridSearchCV(make_pipeline(StandardScaler(), MLPClassifier(max_iter=50, random_state=0)),
                        {"mlpclassifier__hidden_layer_sizes": [(4,), (16,)],
                         "mlpclassifier__learning_rate_init": [0.001, 0.02]}, cv=3)
    _quiet(grid, X, y)
    assert len(grid.cv_results_["mean_test_score"]) == 4
    # 50 epochs at 0.001 barely move the weights; the larger rate must win.
    assert grid.best_params_["mlpclassifier__learning_rate_init"] == 0.02
    assert grid.best_score_ > 0.85


def test_cross_val_score():
    X, y = load_breast_cancer(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(16,), max_iter=60,
                                                         random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,)
    assert scores.min() > 0.9


def test_regressor_cross_val_score_and_sklearn_agreement():
    X, y = make_regression(n_samples=300, n_features=8, noise=5.0, random_state=0)
    y = y / y.std()
    ours = make_pipeline(StandardScaler(), MLPRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.01,
                                                        max_iter=200, random_state=0))
    theirs = make_pipeline(StandardScaler(), SkMLPRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.01,
                                                            max_iter=200, random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        r2_ours = cross_val_score(ours, X, y, cv=3).mean()
        r2_theirs = cross_val_score(theirs, X, y, cv=3).mean()
    assert r2_ours > 0.9
    assert abs(r2_ours - r2_theirs) < 0.05


# --- agreement with sklearn.neural_network ---------------------------------------------------

def test_accuracy_agrees_with_sklearn_on_digits():
    X_train, X_test, y_train, y_test = _digits_split()
    params = dict(hidden_layer_sizes=(64,), max_iter=60, random_state=0)
    ours = _quiet(MLPClassifier(**params), X_train, y_train)
    theirs = _quiet(SkMLPClassifier(**params), X_train, y_train)
    acc_ours, acc_theirs = ours.score(X_test, y_test), theirs.score(X_test, y_test)
    assert acc_ours > 0.93
    assert abs(acc_ours - acc_theirs) < 0.03, (acc_ours, acc_theirs)
    # The loss is scikit-learn's log-loss: after the same epochs it is of the same size.
    assert ours.n_iter_ == len(ours.loss_curve_)
    assert 0.3 < ours.loss_ / theirs.loss_ < 3


def _train_from_sklearns_weights(ours, theirs, X, y, epochs=5):
    """Both estimators trained `epochs` epochs from the same initial weights (scikit-learn's),
    without shuffling; returns their weights and the initial ones."""
    for est in (ours, theirs):
        est.set_params(max_iter=1, warm_start=True, shuffle=False)
        _quiet(est, X, y)
    start = [w.copy() for w in theirs.coefs_ + theirs.intercepts_]  # sklearn updates in place
    ours.model_.set_weights([a for pair in zip(theirs.coefs_, theirs.intercepts_) for a in pair])
    for est in (ours, theirs):  # a warm-started fit starts a fresh optimizer in both
        est.set_params(max_iter=epochs)
        _quiet(est, X, y)
    return ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, start


@pytest.mark.parametrize("kind, params", [
    ("classifier", dict()),
    ("binary", dict(activation="tanh")),
    ("classifier", dict(activation="logistic", solver="sgd", learning_rate_init=0.1)),
    ("classifier", dict(solver="sgd", learning_rate="invscaling", learning_rate_init=0.5, momentum=0.5,
                        nesterovs_momentum=False)),
    ("regressor", dict(solver="sgd", learning_rate_init=0.01)),
    ("regressor", dict(activation="identity")),
])
def test_same_training_steps_as_sklearn(kind, params):
    # From the same weights, on the same batches in the same order, fathom's steps are
    # scikit-learn's (Adam, SGD with momentum or Nesterov, the schedules, each output layer and
    # loss) up to float32 rounding.
    X, y = _iris()
    X = StandardScaler().fit_transform(X).astype(np.float32)
    if kind == "binary":
        X, y = X[50:], y[50:]
    common = dict(hidden_layer_sizes=(6,), batch_size=30, alpha=0.0, random_state=0, **params)
    if kind == "regressor":
        y = np.column_stack([X[:, 0] * X[:, 1], X[:, 2] - X[:, 3]])
        ours, theirs = MLPRegressor(**common), SkMLPRegressor(**common)
    else:
        ours, theirs = MLPClassifier(**common), SkMLPClassifier(**common)
    mine, sk, start = _train_from_sklearns_weights(ours, theirs, X, y)
    moved = max(np.abs(a - b).max() for a, b in zip(sk, start))
    assert moved > 1e-2
    for a, b in zip(mine, sk):
        np.testing.assert_allclose(a, b, rtol=0, atol=2e-5)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-4)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_alpha_maps_onto_sklearns_penalty(solver):
    # fathom's L2 also decays the intercepts, so the match is close rather than exact: the
    # weights must end much nearer scikit-learn's with the same alpha than without any.
    X, y = _iris()
    X = StandardScaler().fit_transform(X).astype(np.float32)
    # (Small steps: at large ones any difference grows chaotically.)
    common = dict(hidden_layer_sizes=(30,), batch_size=30, solver=solver,
                  learning_rate_init=0.001 if solver == "adam" else 0.01, random_state=0)
    mine, sk, _ = _train_from_sklearns_weights(MLPClassifier(alpha=1.0, **common),
                                               SkMLPClassifier(alpha=1.0, **common), X, y)
    _, sk_plain, _ = _train_from_sklearns_weights(MLPClassifier(alpha=0.0, **common),
                                                  SkMLPClassifier(alpha=0.0, **common), X, y)
    n = len(common["hidden_layer_sizes"]) + 1  # the weight matrices come first
    gap = max(np.abs(a - b).max() for a, b in zip(mine[:n], sk[:n]))
    effect = max(np.abs(a - b).max() for a, b in zip(sk_plain[:n], sk[:n]))
    assert gap < 0.15 * effect, (gap, effect)


def test_stopping_rule_matches_sklearn():
    # With a huge tol no epoch counts as an improvement, so both stop after the same number of
    # epochs whatever the losses: the first epoch, then n_iter_no_change + 1 without improvement.
    X_train, _, y_train, _ = _digits_split()
    for extra in ({}, {"solver": "sgd", "learning_rate": "adaptive"}):
        params = dict(hidden_layer_sizes=(8,), tol=1e9, n_iter_no_change=3, max_iter=200, random_state=0,
                      **extra)
        ours = MLPClassifier(**params).fit(X_train, y_train)
        theirs = SkMLPClassifier(**params).fit(X_train, y_train)
        assert ours.n_iter_ == theirs.n_iter_, extra
        assert ours.n_iter_ < 200
        assert ours.t_ == ours.n_iter_ * len(X_train)


def test_early_stopping_uses_validation_scores():
    X_train, X_test, y_train, y_test = _digits_split()
    clf = MLPClassifier(hidden_layer_sizes=(32,), early_stopping=True, validation_fraction=0.2,
                        n_iter_no_change=3, max_iter=300, learning_rate_init=0.01, random_state=0)
    clf.fit(X_train, y_train)
    assert clf.best_loss_ is None
    assert len(clf.validation_scores_) == clf.n_iter_ == len(clf.loss_curve_)
    assert clf.n_iter_ < 300
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    # The best epoch's weights are kept: it was not among the last n_iter_no_change + 1.
    best_epoch = int(np.argmax(clf.validation_scores_))
    assert best_epoch < clf.n_iter_ - 1
    assert clf.score(X_test, y_test) > 0.9


def test_early_stopping_split_is_stratified(monkeypatch):
    import fathom._mlp as fs  # where the estimators split their validation data
    seen = {}
    original = fs.train_test_split

    def spy(*arrays, **kwargs):
        seen["stratify"] = kwargs.get("stratify")
        return original(*arrays, **kwargs)

    monkeypatch.setattr(fs, "train_test_split", spy)
    X, y = _iris()
    _quiet(MLPClassifier(hidden_layer_sizes=(4,), early_stopping=True, max_iter=3, random_state=0), X, y)
    assert seen["stratify"] is not None and len(seen["stratify"]) == len(y)
    _quiet(MLPRegressor(hidden_layer_sizes=(4,), early_stopping=True, max_iter=3, random_state=0), X,
           np.arange(150.0))
    assert seen["stratify"] is None


def test_convergence_warning_and_verbose(capsys):
    X, y = _iris()
    with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(3\\)"):
        clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, verbose=True, random_state=0).fit(X, y)
    lines = [l for l in capsys.readouterr().out.splitlines() if l.startswith("Iteration ")]
    assert lines == ["Iteration %d, loss = %.8f" % (i + 1, loss) for i, loss in enumerate(clf.loss_curve_)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        MLPClassifier(hidden_layer_sizes=(4,), max_iter=50, tol=1e9, n_iter_no_change=2, random_state=0).fit(X, y)


def test_lbfgs_matches_scikit_learns_lbfgs():
    # The same network, solver and stopping rule as scikit-learn's lbfgs: the scores agree within
    # a couple of test samples (different initial weights), in far fewer evaluations than max_fun.
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier as SkMLP
    from sklearn.preprocessing import StandardScaler
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    params = dict(hidden_layer_sizes=(16,), activation="tanh", solver="lbfgs", alpha=1e-4, max_iter=300)
    ours = [MLPClassifier(random_state=s, **params).fit(X_train, y_train) for s in range(3)]
    theirs = [SkMLP(random_state=s, **params).fit(X_train, y_train) for s in range(3)]
    ours_score = np.median([c.score(X_test, y_test) for c in ours])
    theirs_score = np.median([c.score(X_test, y_test) for c in theirs])
    assert ours_score >= theirs_score - 0.02, (ours_score, theirs_score)
    for clf in ours:
        assert clf.model_.converged, "stopped on tol"
        assert clf.n_iter_ < 300 and clf.model_.evaluations < 15000
        assert not hasattr(clf, "loss_curve_")
        assert clf.score(X_train, y_train) == 1.0
        assert 0 < clf.loss_ < 0.05


def test_lbfgs_rules():
    X, y = _iris()
    with pytest.raises(AttributeError, match="partial_fit is only available for stochastic"):
        MLPClassifier(solver="lbfgs").partial_fit(X, y, classes=np.unique(y))
    with pytest.warns(ConvergenceWarning, match="(?s)lbfgs failed to converge.*ITERATIONS"):
        MLPClassifier(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=2, random_state=0).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="(?s)lbfgs failed to converge.*EVALUATIONS"):
        MLPClassifier(hidden_layer_sizes=(4,), solver="lbfgs", max_fun=5, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="solver.*'adam', 'sgd', 'lbfgs'"):
        MLPClassifier(solver="newton").fit(X, y)
    reg = MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=500, random_state=0)
    target = X[:, 0] * 2 - X[:, 1]
    assert reg.fit(X, target).score(X, target) > 0.99


def test_invscaling_sets_fathom_learning_rate():
    X, y = _iris()
    clf = MLPClassifier(hidden_layer_sizes=(4,), solver="sgd", learning_rate="invscaling", power_t=0.5,
                        learning_rate_init=0.1, max_iter=4, tol=0, random_state=0)
    _quiet(clf, X, y)
    expected = 0.1 / (clf.t_ + 1) ** 0.5
    assert clf.t_ == 4 * len(X)
    assert clf.model_.learning_rate == pytest.approx(expected, rel=1e-5)


# --- losses on scikit-learn's scale ----------------------------------------------------------

@pytest.mark.parametrize("alpha", [0.0, 0.5])
def test_regression_loss_is_sklearn_squared_loss(alpha):
    # A learning rate too small to move the weights: the epoch's loss is that of the initial
    # network, computed here from its predictions (two outputs: the mean over them, halved)
    # plus scikit-learn's L2 term alpha/2 * ||W||^2 per batch.
    X, Y = make_regression(n_samples=120, n_features=5, n_targets=2, random_state=1)
    Y = Y / Y.std(axis=0)
    reg = MLPRegressor(hidden_layer_sizes=(7,), learning_rate_init=1e-12, alpha=alpha, batch_size=40,
                       max_iter=1, shuffle=False, random_state=0)
    _quiet(reg, X, Y)
    data = 0.5 * np.mean((Y - reg.predict(X)) ** 2)
    penalty = 0.5 * alpha * sum((w.astype(np.float64) ** 2).sum() for w in reg.coefs_) * 3 / 120
    assert reg.loss_ == pytest.approx(data + penalty, rel=1e-4)
    assert reg.n_outputs_ == 2 and reg.predict(X).shape == (120, 2)


def test_classification_loss_is_log_loss():
    from sklearn.metrics import log_loss
    X, y = _iris()
    clf = MLPClassifier(hidden_layer_sizes=(5,), learning_rate_init=1e-12, alpha=0, max_iter=1,
                        random_state=0)
    _quiet(clf, X, y)
    assert clf.loss_ == pytest.approx(log_loss(y, clf.predict_proba(X)), rel=1e-4)


# --- the estimator's own behaviour -----------------------------------------------------------

def test_output_layers_and_attributes():
    X, y = _iris()
    multi = _quiet(MLPClassifier(hidden_layer_sizes=(6, 5), max_iter=5, random_state=0), X, y)
    assert multi.out_activation_ == "softmax" and multi.n_outputs_ == 3 and multi.n_layers_ == 4
    assert [c.shape for c in multi.coefs_] == [(4, 6), (6, 5), (5, 3)]
    assert [b.shape for b in multi.intercepts_] == [(6,), (5,), (3,)]
    proba = multi.predict_proba(X)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_array_equal(multi.predict(X), multi.classes_[proba.argmax(axis=1)])
    np.testing.assert_allclose(multi.predict_log_proba(X), np.log(proba))
    assert multi.model_.task == "classify"
    assert multi.model_.class_names == ["setosa", "versicolor", "virginica"]

    binary = _quiet(MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0), X[50:], y[50:])
    assert binary.out_activation_ == "logistic" and binary.n_outputs_ == 1
    p = binary.predict_proba(X[50:])
    assert p.shape == (100, 2)
    np.testing.assert_array_equal(binary.predict(X[50:]), binary.classes_[(p[:, 1] > 0.5).astype(int)])

    reg = _quiet(MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0), X, X[:, 0])
    assert reg.out_activation_ == "identity" and reg.model_.task == "regress"
    assert reg.predict(X).shape == (150,)


def test_multilabel():
    X, Y = make_multilabel_classification(n_samples=200, n_features=10, n_classes=4, random_state=0)
    clf = _quiet(MLPClassifier(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=100,
                               random_state=0), X, Y)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 4
    assert clf.model_.task == "multilabel"
    assert clf.predict(X).shape == Y.shape and clf.predict_proba(X).shape == Y.shape
    assert clf.score(X, Y) > 0.5  # exact-match ratio on the training set


def test_string_and_integer_labels():
    X, y = _iris()
    clf = _quiet(MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.02, max_iter=100,
                               random_state=0), X, y)
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    assert clf.predict(X).dtype == clf.classes_.dtype
    assert clf.score(X, y) > 0.9
    codes = np.array([10, -3, 7])[np.searchsorted(clf.classes_, y)]
    ints = _quiet(clone(clf), X, codes)
    np.testing.assert_array_equal(ints.classes_, [-3, 7, 10])
    assert ints.model_.class_names == ["-3", "7", "10"]
    assert set(ints.predict(X)) <= {-3, 7, 10}


def test_random_state():
    X, y = _iris()
    fit = lambda rs: _quiet(MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=rs), X, y)
    a, b = fit(3), fit(3)
    for wa, wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(fit(4).coefs_[0], a.coefs_[0])
    assert not np.array_equal(fit(None).coefs_[0], fit(None).coefs_[0])


def test_pickle_round_trip():
    X, y = _iris()
    clf = _quiet(MLPClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=0), X, y)
    data = pickle.dumps(clf)
    again = pickle.loads(data)
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(again.predict(X), clf.predict(X))
    assert again.loss_curve_ == clf.loss_curve_ and again.model_.class_names == clf.model_.class_names
    # The pickle holds the model file's bytes, and the unpickled estimator trains on.
    assert clf.model_.to_bytes() in data
    again.partial_fit(X, y)
    assert again.n_iter_ == clf.n_iter_ + 1

    reg = _quiet(MLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0), X, X[:, 0])
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(reg)).predict(X), reg.predict(X))


def test_partial_fit():
    X, y = _iris()
    X = StandardScaler().fit_transform(X)
    clf = MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:10], y[:10], classes=np.unique(y))  # the first batch holds one class
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"] and clf.out_activation_ == "softmax"
    for _ in range(30):
        clf.partial_fit(X, y)
    assert clf.n_iter_ == 31 and len(clf.loss_curve_) == 31 and clf.t_ == 10 + 30 * 150
    assert clf.loss_curve_[-1] < clf.loss_curve_[1]
    assert clf.score(X, y) > 0.9
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X[:3], np.array(["setosa", "other", "setosa"]))

    reg = MLPRegressor(hidden_layer_sizes=(8,), random_state=0)
    for _ in range(3):
        reg.partial_fit(X, X[:, 0])
    assert reg.n_iter_ == 3
    with pytest.raises(ValueError):
        reg.partial_fit(X[:, :3], X[:, 0])


def test_partial_fit_keeps_the_optimizer_state():
    # Adam's moments carry over from one partial_fit call to the next: two calls on halves
    # train exactly as one fathom fit over the same batches would not if they were reset,
    # so compare with a fit whose every call starts afresh (warm_start): they must differ.
    X, y = _iris()
    X = StandardScaler().fit_transform(X)
    a = MLPClassifier(hidden_layer_sizes=(8,), shuffle=False, batch_size=50, random_state=0)
    b = MLPClassifier(hidden_layer_sizes=(8,), shuffle=False, batch_size=50, max_iter=1, warm_start=True,
                      random_state=0)
    for _ in range(3):
        a.partial_fit(X, y, classes=np.unique(y))
        _quiet(b, X, y)
    assert a.n_iter_ == b.n_iter_ == 3
    assert not np.allclose(a.coefs_[0], b.coefs_[0])


def test_warm_start_continues():
    X, y = _iris()
    X = StandardScaler().fit_transform(X)
    params = dict(hidden_layer_sizes=(8,), max_iter=10, tol=0, random_state=0)
    warm = _quiet(MLPClassifier(warm_start=True, **params), X, y)
    first = list(warm.loss_curve_)
    weights = warm.coefs_[0].copy()
    _quiet(warm, X, y)
    assert warm.n_iter_ == 20 and warm.loss_curve_[:10] == first
    # It went on from the trained weights: its loss starts where the first fit ended.
    assert warm.loss_curve_[10] < first[0]
    assert abs(warm.loss_curve_[10] - first[-1]) < abs(first[0] - first[-1])
    assert not np.array_equal(warm.coefs_[0], weights)

    cold = _quiet(MLPClassifier(**params), X, y)
    _quiet(cold, X, y)
    assert cold.n_iter_ == 10 and cold.loss_curve_ == first

    with pytest.raises(ValueError, match="warm_start"):
        warm.fit(X[:100], y[:100])


def test_parameter_errors():
    X, y = _iris()
    for bad in (dict(activation="softplus"), dict(hidden_layer_sizes=(0,)), dict(alpha=-1.0),
                dict(batch_size=0), dict(learning_rate="cyclic"), dict(max_iter=0), dict(momentum=1.5),
                dict(validation_fraction=1.0), dict(n_iter_no_change=0), dict(solver="rmsprop")):
        with pytest.raises(ValueError):
            MLPClassifier(**bad).fit(X, y)


def test_batch_size_larger_than_the_data_is_clipped():
    X, y = _iris()
    with pytest.warns(UserWarning, match="clipped"):
        _quiet(MLPClassifier(hidden_layer_sizes=(4,), batch_size=1000, max_iter=2), X, y)


# --- the fathom command reads the estimator's model ------------------------------------------

def _cli_predict(model_path, X, tmp_path, columns):
    if not os.path.exists(CLI):
        pytest.skip("the fathom command is not built (%s)" % CLI)
    data = tmp_path / "new.csv"
    with open(data, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(columns)
        w.writerows(X.tolist())
    run = subprocess.run([CLI, "predict", "--model", str(model_path), "--data", str(data)],
                         capture_output=True, text=True, check=True)
    rows = list(csv.reader(io.StringIO(run.stdout)))
    return rows[0], [r[0] for r in rows[1:]]


@pytest.mark.parametrize("classes", [3, 2])
def test_cli_predicts_the_string_labels(tmp_path, classes):
    X, y = _iris()
    X, y = X[150 - 50 * classes:], y[150 - 50 * classes:]
    clf = _quiet(MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.02, max_iter=100,
                               random_state=0), X, y)
    path = tmp_path / "iris.fathom"
    clf.model_.save(path)
    header, labels = _cli_predict(path, X, tmp_path, ["sepal_length", "sepal_width", "petal_length",
                                                      "petal_width"])
    assert len(labels) == len(X)
    assert labels == [str(v) for v in clf.predict(X)]
    assert set(labels) <= set(y)


def test_cli_predicts_regression_outputs(tmp_path):
    X, y = make_regression(n_samples=40, n_features=3, random_state=0)
    reg = _quiet(MLPRegressor(hidden_layer_sizes=(8,), max_iter=20, random_state=0), X, y / y.std())
    path = tmp_path / "reg.fathom"
    reg.model_.save(path)
    _, values = _cli_predict(path, X, tmp_path, ["a", "b", "c"])
    np.testing.assert_allclose([float(v) for v in values], reg.predict(X), rtol=1e-4, atol=1e-4)


class _Frame:
    """The little of a pandas DataFrame that scikit-learn reads column names from (pandas is
    not needed for this test)."""

    def __init__(self, values, columns):
        self.values, self.columns = values, columns

    def __array__(self, dtype=None):
        return self.values if dtype is None else self.values.astype(dtype)

    def __len__(self):
        return len(self.values)

    @property
    def shape(self):
        return self.values.shape


def test_cli_reads_the_columns_by_name(tmp_path):
    X, y = _iris()
    columns = ["sl", "sw", "pl", "pw"]
    clf = _quiet(MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.02, max_iter=100,
                               random_state=0), _Frame(X, columns), y)
    assert list(clf.feature_names_in_) == columns and clf.model_.feature_names == columns
    path = tmp_path / "named.fathom"
    clf.model_.save(path)
    order = [2, 0, 3, 1]  # the CSV's columns in another order, and one more the model ignores
    rows = np.column_stack([np.arange(len(X)), X[:, order]])
    _, labels = _cli_predict(path, rows, tmp_path, ["id"] + [columns[i] for i in order])
    assert labels == [str(v) for v in clf.predict(_Frame(X, columns))]
