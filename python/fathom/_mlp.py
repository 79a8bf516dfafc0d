"""What fathom.sklearn's two estimators share: _BaseMLP (parameters, the fathom network, the
training loop with scikit-learn's rules) and its helpers. The estimators and the documentation
of where they differ from scikit-learn are in fathom.sklearn."""

import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

try:  # scikit-learn >= 1.6: a function
    from sklearn.utils.validation import validate_data as _sk_validate_data
except ImportError:  # pragma: no cover - depends on the installed scikit-learn
    _sk_validate_data = None

import fathom


_ACTIVATIONS = {"identity": "linear", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}
_OUT_ACTIVATIONS = {"identity": "linear", "logistic": "sigmoid", "softmax": "softmax"}
_LOSSES = {"identity": "mse", "logistic": "bce", "softmax": "cce"}
_SOLVERS = ("adam", "sgd", "lbfgs")
_LEARNING_RATES = ("constant", "invscaling", "adaptive")
# predict's batch size in fathom (see _BaseMLP._forward).
_PREDICT_BATCH = 1


def _validate_data(estimator, X, y="no_validation", **kwargs):
    if _sk_validate_data is not None:
        return _sk_validate_data(estimator, X, y, **kwargs)
    return estimator._validate_data(X, y, **kwargs)


def _as_fathom_array(a):
    """A C-contiguous float32 2-D array: what fathom reads in place."""
    if sp.issparse(a):
        a = a.toarray()
    a = np.asarray(a)
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    return np.ascontiguousarray(a, dtype=np.float32)


def _is_int(v):
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _is_real(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


class _EpochCallback(fathom.Callback):
    """Runs the estimator's end-of-epoch rules (loss curve, stopping, learning-rate schedule)."""

    def __init__(self, estimator, n_samples, n_batches, validation, incremental):
        super().__init__()
        self.estimator = estimator
        self.n_samples = n_samples
        self.n_batches = n_batches
        self.validation = validation
        self.incremental = incremental
        self.stopped = False
        self.error = None

    def on_epoch_end(self, epoch, logs=None):
        try:
            if self.estimator._end_epoch(self.model, logs or {}, self.n_samples, self.n_batches,
                                         self.validation, self.incremental):
                self.stopped = True
                self.model.stop_training = True
        except BaseException as e:  # raised again after fit returns
            self.error = e
            self.model.stop_training = True


class _BaseMLP(BaseEstimator):
    """What MLPClassifier and MLPRegressor share (not for direct use)."""

    _is_classifier_model = False

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False,
                 warm_start=False, momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun

    # ----------------------------------------------------------------------------------------
    # Parameters

    def _hidden_sizes(self):
        h = self.hidden_layer_sizes
        if not hasattr(h, "__iter__"):
            h = [h]
        h = list(h)
        for u in h:
            if not _is_int(u) or u <= 0:
                raise ValueError("hidden_layer_sizes must be positive integers, got %r."
                                 % (self.hidden_layer_sizes,))
        return [int(u) for u in h]

    def _check_params(self):
        def fail(name, what):
            raise ValueError("The '%s' parameter of %s must be %s. Got %r instead."
                             % (name, type(self).__name__, what, getattr(self, name)))

        self._hidden_sizes()
        if self.activation not in _ACTIVATIONS:
            fail("activation", "one of %s" % sorted(_ACTIVATIONS))
        if self.solver not in _SOLVERS:
            fail("solver", "one of %s" % list(_SOLVERS))
        if not _is_real(self.alpha) or not self.alpha >= 0:
            fail("alpha", "a float >= 0")
        if not (self.batch_size == "auto" or (_is_int(self.batch_size) and self.batch_size >= 1)):
            fail("batch_size", "'auto' or an int >= 1")
        if self.learning_rate not in _LEARNING_RATES:
            fail("learning_rate", "one of %s" % list(_LEARNING_RATES))
        if not _is_real(self.learning_rate_init) or not self.learning_rate_init > 0:
            fail("learning_rate_init", "a float > 0")
        if not _is_real(self.power_t) or not self.power_t >= 0:
            fail("power_t", "a float >= 0")
        if not _is_int(self.max_iter) or self.max_iter < 1:
            fail("max_iter", "an int >= 1")
        for name in ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                fail(name, "a bool")
        if not _is_real(self.tol) or not self.tol >= 0:
            fail("tol", "a float >= 0")
        if not (_is_int(self.verbose) or isinstance(self.verbose, (bool, np.bool_))):
            fail("verbose", "a bool or an int")
        if not _is_real(self.momentum) or not 0 <= self.momentum <= 1:
            fail("momentum", "a float in [0, 1]")
        if not _is_real(self.validation_fraction) or not 0 <= self.validation_fraction < 1:
            fail("validation_fraction", "a float in [0, 1)")
        for name in ("beta_1", "beta_2"):
            v = getattr(self, name)
            if not _is_real(v) or not 0 <= v < 1:
                fail(name, "a float in [0, 1)")
        if not _is_real(self.epsilon) or not self.epsilon > 0:
            fail("epsilon", "a float > 0")
        n = self.n_iter_no_change
        if not ((_is_int(n) and n >= 1) or (_is_real(n) and n == np.inf)):
            fail("n_iter_no_change", "an int >= 1 or numpy.inf")
        if not _is_int(self.max_fun) or self.max_fun < 1:
            fail("max_fun", "an int >= 1")

    # ----------------------------------------------------------------------------------------
    # The network

    def _loss_scale(self):
        """fathom's loss / scikit-learn's reported loss: fathom's mse sums over the outputs, and
        scikit-learn's squared loss averages over them (its gradient is that of the sum, as
        fathom's: only the reported number differs)."""
        return float(self.n_outputs_) if self.out_activation_ == "identity" else 1.0

    def _optimizer(self, batch_size):
        if self.solver == "lbfgs":
            # scikit-learn's objective: the loss + alpha / (2 n) * ||W||^2, with scipy's gtol = tol.
            return fathom.LBFGS(gradient_tolerance=float(self.tol), l2=float(self.alpha) / batch_size)
        if self.solver == "adam":
            return fathom.Adam(learning_rate=float(self.learning_rate_init), beta_1=float(self.beta_1),
                               beta_2=float(self.beta_2), epsilon=float(self.epsilon),
                               l2=float(self.alpha) / batch_size)
        return fathom.SGD(learning_rate=float(self.learning_rate_init), momentum=float(self.momentum),
                          nesterov=bool(self.nesterovs_momentum) and self.momentum > 0,
                          l2=float(self.learning_rate_init) * float(self.alpha) / batch_size)

    def _compile(self, model, batch_size):
        model.compile(loss=_LOSSES[self.out_activation_], optimizer=self._optimizer(batch_size))
        self._learning_rate = float(self.learning_rate_init)

    def _build(self, n_features, seed, batch_size):
        hidden = self._hidden_sizes()
        units = [n_features] + hidden + [self.n_outputs_]
        factor = 2.0 if self.activation == "logistic" else 6.0
        model = fathom.Sequential(n_features, seed=seed)
        for i in range(len(units) - 1):
            limit = "uniform(%.9g)" % np.sqrt(factor / (units[i] + units[i + 1]))
            last = i == len(units) - 2
            activation = _OUT_ACTIVATIONS[self.out_activation_] if last else _ACTIVATIONS[self.activation]
            model.add(fathom.Dense(units[i + 1], activation=activation, kernel_initializer=limit,
                                   bias_initializer=limit))
        self._compile(model, batch_size)
        self._describe_model(model)
        self._name_features(model)
        self.n_layers_ = len(units)
        return model

    def _describe_model(self, model):
        """Task and labels in the model file, for `fathom predict` and `fathom info`."""

    def _name_features(self, model):
        """The columns' names (fit on a DataFrame): `fathom predict` then reads a CSV's columns
        by name."""
        names = getattr(self, "feature_names_in_", None)
        if names is not None:
            model.feature_names = [str(c) for c in names]

    def _seed(self, random_state):
        if _is_int(self.random_state):
            return int(self.random_state) % (1 << 64)
        return int(random_state.randint(np.iinfo(np.int32).max))

    @property
    def coefs_(self):
        """The weight matrices, coefs_[i] of shape (units of layer i, units of layer i + 1).

        Copies read from model_ (changing them changes nothing; use model_.set_weights)."""
        check_is_fitted(self, "model_")
        return [np.asarray(w) for w in self.model_.get_weights()[0::2]]

    @property
    def intercepts_(self):
        """The bias vectors, intercepts_[i] of shape (units of layer i + 1,). Copies."""
        check_is_fitted(self, "model_")
        return [np.asarray(b) for b in self.model_.get_weights()[1::2]]

    def __sklearn_is_fitted__(self):
        return hasattr(self, "model_")

    # ----------------------------------------------------------------------------------------
    # Training

    def _batch_size(self, n_samples):
        if self.solver == "lbfgs":
            return n_samples  # full batch (batch_size is ignored, as in scikit-learn)
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is going "
                          "to be clipped")
        return int(np.clip(self.batch_size, 1, n_samples))

    def _penalty(self, model, n_samples, n_batches):
        if self.alpha == 0:
            return 0.0
        squares = sum(float(np.dot(w.ravel(), w.ravel())) for w in model.get_weights()[0::2])
        return 0.5 * float(self.alpha) * squares * n_batches / n_samples

    def _end_epoch(self, model, logs, n_samples, n_batches, validation, incremental):
        """scikit-learn's end of an epoch. Returns True to stop training."""
        loss = float(logs["loss"]) / self._loss_scale() + self._penalty(model, n_samples, n_batches)
        self.n_iter_ += 1
        self.t_ += n_samples
        self.loss_ = loss
        if self.solver == "lbfgs":
            # scipy's rules: fathom's L-BFGS stops itself on tol (gtol); max_fun caps the
            # evaluations of the loss. No loss curve, as in scikit-learn.
            if self.verbose:
                print("Iteration %d, loss = %.8f" % (self.n_iter_, loss))
            if model.evaluations >= self.max_fun:
                self._max_fun_reached = True
                return True
            return False
        self.loss_curve_.append(loss)
        if self.verbose:
            print("Iteration %d, loss = %.8f" % (self.n_iter_, loss))

        if validation is not None:
            X_val, y_val = validation
            score = self._score_outputs(model.predict(X_val), y_val)
            self.validation_scores_.append(score)
            if self.verbose:
                print("Validation score: %f" % score)
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_weights = model.get_weights()
        else:
            if loss > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if loss < self.best_loss_:
                self.best_loss_ = loss

        if self.solver == "sgd" and self.learning_rate == "invscaling":
            self._set_learning_rate(model, float(self.learning_rate_init) / (self.t_ + 1) ** self.power_t)

        if self._no_improvement_count > self.n_iter_no_change:
            if validation is not None:
                msg = ("Validation score did not improve more than tol=%f for %d consecutive "
                       "epochs." % (self.tol, self.n_iter_no_change))
            else:
                msg = ("Training loss did not improve more than tol=%f for %d consecutive epochs."
                       % (self.tol, self.n_iter_no_change))
            if self.solver == "sgd" and self.learning_rate == "adaptive":
                if self._learning_rate > 1e-6:
                    self._set_learning_rate(model, self._learning_rate / 5.0)
                    self._no_improvement_count = 0
                    if self.verbose:
                        print(msg + " Setting learning rate to %f" % self._learning_rate)
                    return False
                if self.verbose:
                    print(msg + " Learning rate too small. Stopping.")
                return True
            if self.verbose:
                print(msg + " Stopping.")
            return True
        return False

    def _set_learning_rate(self, model, lr):
        self._learning_rate = lr
        model.learning_rate = lr

    def _fit(self, X, y, incremental):
        self._check_params()
        if incremental and self.solver == "lbfgs":
            raise AttributeError("partial_fit is only available for stochastic optimizers. lbfgs is "
                                 "not stochastic.")
        first_pass = not hasattr(self, "model_") or (not self.warm_start and not incremental)
        X, Y = self._validate_input(X, y, incremental, reset=first_pass)
        n_samples, n_features = X.shape
        if not first_pass and Y.shape[1] != self.n_outputs_:
            raise ValueError("y has %d outputs; the network was fitted with %d."
                             % (Y.shape[1], self.n_outputs_))
        random_state = check_random_state(self.random_state)

        if first_pass:
            self.n_outputs_ = Y.shape[1]
            self.out_activation_ = self._output_activation()
            self.n_iter_ = 0
            self.t_ = 0
            if self.solver != "lbfgs":
                self.loss_curve_ = []
            self._no_improvement_count = 0
            if self.early_stopping:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None

        # (L-BFGS minimizes the training loss itself: no validation split, as in scikit-learn.)
        early_stopping = self.early_stopping and not incremental and self.solver != "lbfgs"
        validation = None
        if early_stopping:
            X, X_val, Y, y_val = self._validation_split(X, Y, random_state)
            validation = (X_val, y_val)
            n_samples = X.shape[0]
            if self.validation_scores_ is None:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
        elif self.best_loss_ is None:
            self.best_loss_ = np.inf

        batch_size = self._batch_size(n_samples)
        if first_pass:
            model = self._build(n_features, self._seed(random_state), batch_size)
        else:
            model = self.model_
            if not incremental or not getattr(self, "_compiled", True):
                # scikit-learn starts a new optimizer for every fit (warm_start keeps only the
                # weights); compiling draws new weights, so the old ones are put back.
                weights = model.get_weights()
                self._compile(model, batch_size)
                model.set_weights(weights)
                self._compiled = True
        self._best_weights = None
        self._max_fun_reached = False

        epochs = 1 if incremental else int(self.max_iter)
        callback = _EpochCallback(self, n_samples, -(-n_samples // batch_size), validation,
                                  incremental)
        start = self.n_iter_
        try:
            model.fit(X, Y, epochs=start + epochs, initial_epoch=start, batch_size=batch_size,
                      shuffle=bool(self.shuffle), callbacks=[callback], verbose=0)
        except fathom.DivergedError as e:
            raise ValueError("Solver produced non-finite parameter weights. The input data may "
                             "contain large values and need to be preprocessed. (%s)" % e) from e
        if callback.error is not None:
            raise callback.error
        self.model_ = model

        if early_stopping and self._best_weights is not None:
            model.set_weights(self._best_weights)
        self._best_weights = None
        if not all(np.isfinite(w).all() for w in model.get_weights()):
            raise ValueError("Solver produced non-finite parameter weights. The input data may "
                             "contain large values and need to be preprocessed.")
        if self.solver == "lbfgs":
            # loss_ as scipy leaves it: the objective at the final weights (the epochs' losses
            # are each taken before its step).
            self.loss_ = (float(model.evaluate(X, Y, return_dict=True)["loss"]) / self._loss_scale()
                          + self._penalty(model, n_samples, 1))
            if self._max_fun_reached or (not model.converged and self.n_iter_ - start == epochs):
                reason = ("TOTAL NO. of f AND g EVALUATIONS EXCEEDS LIMIT" if self._max_fun_reached
                          else "TOTAL NO. of ITERATIONS REACHED LIMIT")
                warnings.warn("lbfgs failed to converge (status=1):\nSTOP: %s.\n\nIncrease the number "
                              "of iterations (max_iter) or scale the data." % reason, ConvergenceWarning)
        elif not incremental and not callback.stopped and self.n_iter_ - start == epochs:
            warnings.warn("Stochastic Optimizer: Maximum iterations (%d) reached and the "
                          "optimization hasn't converged yet." % self.max_iter, ConvergenceWarning)
        return self

    def _validation_split(self, X, Y, random_state):
        stratify = self._stratify_labels(Y)
        if stratify is not None:
            try:
                return train_test_split(X, Y, random_state=random_state,
                                        test_size=self.validation_fraction, stratify=stratify)
            except ValueError:
                pass  # a class too small to stratify: a plain random split
        return train_test_split(X, Y, random_state=random_state,
                                test_size=self.validation_fraction)

    def _stratify_labels(self, Y):
        return None

    def fit(self, X, y):
        """Fit the network to X (n_samples, n_features) and y (labels or targets).

        Returns self."""
        return self._fit(X, y, incremental=False)

    # ----------------------------------------------------------------------------------------
    # Prediction and pickling

    def _forward(self, X):
        """Validated X -> the network's outputs (n_samples, n_outputs) in X's float dtype."""
        check_is_fitted(self)
        X = _validate_data(self, X, accept_sparse=["csr", "csc"], dtype=(np.float64, np.float32),
                           reset=False)
        # One sample at a time inside fathom: a batched product's rounding depends on the batch's
        # size and a sample's place in it, so a sample's outputs would change (in the last bit)
        # with the rows passed next to it; this way they never do.
        out = self.model_.predict(_as_fathom_array(X), batch_size=_PREDICT_BATCH)
        return np.asarray(out, dtype=X.dtype)

    def __getstate__(self):
        state = super().__getstate__()
        if "model_" in state:
            state = dict(state)
            state["model_"] = state["model_"].to_bytes()
            state.pop("_best_weights", None)
        return state

    def __setstate__(self, state):
        if isinstance(state.get("model_"), (bytes, bytearray)):
            state = dict(state)
            state["model_"] = fathom.model_from_bytes(bytes(state["model_"]))
            state["_compiled"] = False  # a fresh optimizer before training on
        super().__setstate__(state)
