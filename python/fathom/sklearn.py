"""scikit-learn estimators trained by fathom: MLPClassifier and MLPRegressor.

They take scikit-learn's parameters (the names and defaults of
sklearn.neural_network.MLPClassifier / MLPRegressor), follow its training rules (mini-batches,
the stopping rule on the training loss or on a validation score, the learning-rate schedules of
the sgd solver, warm_start, partial_fit) and work wherever a scikit-learn estimator does
(Pipeline, GridSearchCV, cross_val_score, clone, pickle); the network itself is a
fathom.Sequential, trained and run by fathom's C++ core. After fitting it is ``model_``: save it
with ``est.model_.save(path)`` and ``fathom predict --model path --data new.csv`` prints the
same predictions, with the class labels as strings.

    from fathom.sklearn import MLPClassifier
    clf = MLPClassifier(hidden_layer_sizes=(64,), max_iter=50, random_state=0).fit(X, y)
    clf.predict(X_test), clf.predict_proba(X_test), clf.score(X_test, y_test)

Where fathom and scikit-learn differ (also in the classes' docstrings):

- solver: "adam", "sgd" and "lbfgs". "lbfgs" is fathom's L-BFGS (docs/concepts.md, full-batch
  training): a Moré–Thuente line search as scipy's, stopping when the largest gradient component
  is at most tol (scipy's gtol), after max_iter iterations or max_fun loss evaluations; its
  penalty is alpha / (2 n_samples) * ||w||^2 over every parameter, intercepts included (scikit-
  learn: the weights only). As in scikit-learn, it has no loss_curve_, ignores batch_size,
  shuffle and early_stopping, and has no partial_fit.
- alpha (L2): scikit-learn adds alpha * W / batch_samples to the gradient of the weights (not
  the intercepts). fathom's optimizers apply their l2 to every parameter, intercepts included.
  adam: l2 = alpha / batch_size, added to the gradient as scikit-learn does. sgd: fathom's l2
  is a weight decay not scaled by the learning rate, so l2 = learning_rate_init * alpha /
  batch_size; with learning_rate="invscaling" or "adaptive" the decay stays at that first
  rate while the step size changes. The batch size is that of the fit (or first partial_fit)
  call that compiled the network; a last, smaller batch gets the same penalty. loss_ includes
  the penalty 0.5 * alpha * ||W||^2 / batch_size as scikit-learn's does.
- Regression loss: fathom's "mse" is 1/2 * the sum over the outputs (mean over the samples);
  scikit-learn reports its squared loss as 1/2 * the mean over samples and outputs, though
  its gradient is that of the sum, as fathom's. So the training steps are the same, and
  loss_ and loss_curve_ are reported on scikit-learn's scale (fathom's loss / n_outputs).
- Initial weights: uniform in +-sqrt(6 / (fan_in + fan_out)) (sqrt(2 / ...) for logistic
  hidden units), weights and intercepts, as scikit-learn draws them, but from fathom's
  random generator: the same random_state does not give scikit-learn's numbers. An int
  random_state is the network's fathom seed (fathom.Sequential(n_features, seed=random_state)),
  so the same int trains the same network bit for bit; None draws a fresh seed per fit.
- Arithmetic is float32 (fathom's); predict_proba and regression outputs are returned in the
  input's float dtype (float64 unless X is float32).
- predict, predict_proba and score run fathom's network one sample at a time, so that a
  sample's outputs do not depend on the other rows of the call (a batched float32 product
  rounds differently with the batch's size; scikit-learn's estimator checks demand the same
  result for a subset). For the fastest bulk inference, call ``est.model_.predict(X)``
  (batched, float32 outputs that may differ from predict_proba's in the last bit).
- Sparse X is accepted and densified.
- With early_stopping, the validation split is stratified for every single-label
  classification (scikit-learn 1.2 stratifies only binary targets) and falls back to a plain
  random split when a class has too few samples to stratify.
- ConvergenceWarning: when a fit call runs all its max_iter epochs without meeting the
  stopping rule (scikit-learn compares the running total n_iter_ with max_iter, so a
  warm-started refit never warns there).
- Pickling stores the network as fathom's model file bytes. The optimizer's state (Adam's
  moments) is not in them: partial_fit or a warm-started fit after unpickling starts a fresh
  optimizer on the same weights.
"""

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import column_or_1d
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    check_classification_targets,
    type_of_target,
    unique_labels,
)

from ._mlp import _BaseMLP, _as_fathom_array, _validate_data

__all__ = ["MLPClassifier", "MLPRegressor"]


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier, scikit-learn's interface on fathom.

    The parameters are sklearn.neural_network.MLPClassifier's, with its defaults; see the
    module docstring (fathom.sklearn) for where fathom differs: the 'lbfgs' solver, how alpha
    maps onto fathom's L2, float32 arithmetic, fathom's random generator.

    The output layer is scikit-learn's: softmax with categorical cross-entropy for more than
    two classes, one logistic unit with binary cross-entropy for two (or one) classes, one
    logistic unit per label with binary cross-entropy for a multilabel indicator y.

    Attributes
    ----------
    classes_ : ndarray, the class labels (any ints or strings; for a multilabel y, 0..n_labels-1)
    model_ : fathom.Sequential, the trained network. ``model_.save(path)`` writes a model file
        that ``fathom predict`` reads; it carries the class labels (as strings) and the task.
    loss_, best_loss_, loss_curve_, validation_scores_, best_validation_score_, n_iter_, t_,
    n_features_in_, feature_names_in_, n_outputs_, n_layers_, out_activation_ : as scikit-learn's.
    coefs_, intercepts_ : copies of the weights and biases read from model_.
    """

    _is_classifier_model = True

    def _validate_input(self, X, y, incremental, reset):
        X, y = _validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                              dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start and not incremental:
                if set(classes) != set(self.classes_):
                    raise ValueError("warm_start can only be used where `y` has the same classes as "
                                     "in the previous call to fit. Previously got %s, `y` has %s"
                                     % (self.classes_, classes))
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError("`y` has classes not in `self.classes_`. `self.classes_` has %s. "
                                 "'y' has %s." % (self.classes_, classes))
        Y = self._label_binarizer.transform(y)
        return _as_fathom_array(X), _as_fathom_array(Y)

    def _output_activation(self):
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def _describe_model(self, model):
        multilabel = self._label_binarizer.y_type_.startswith("multilabel")
        model.task = "multilabel" if multilabel else "classify"
        names = [str(c) for c in self.classes_]
        if len(names) == len(set(names)):
            try:
                model.class_names = names
            except ValueError:  # e.g. one class, whose network has one output
                pass

    def _stratify_labels(self, Y):
        if self._label_binarizer.y_type_.startswith("multilabel"):
            return None
        return Y.argmax(axis=1) if Y.shape[1] > 1 else Y[:, 0]

    def _validation_split(self, X, Y, random_state):
        X, X_val, Y, Y_val = super()._validation_split(X, Y, random_state)
        y_val = self._label_binarizer.inverse_transform(Y_val[:, 0] if Y_val.shape[1] == 1 else Y_val)
        return np.ascontiguousarray(X), np.ascontiguousarray(X_val), np.ascontiguousarray(Y), y_val

    def _labels_from_outputs(self, out):
        if self.n_outputs_ == 1:
            out = out.ravel()
        return self._label_binarizer.inverse_transform(out)

    def _score_outputs(self, out, y):
        return accuracy_score(y, self._labels_from_outputs(out))

    def partial_fit(self, X, y, classes=None):
        """One epoch over X, y, continuing the network (built on the first call).

        classes: every class label that y may hold over all calls; needed on the first call
        (not for a multilabel indicator y). Returns self."""
        if _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
        return self._fit(X, y, incremental=True)

    def predict(self, X):
        """The predicted class of each sample (for a multilabel y: the 0/1 indicator rows)."""
        return self._labels_from_outputs(self._forward(X))

    def predict_proba(self, X):
        """The probability of each class, shape (n_samples, n_classes), in classes_'s order."""
        out = self._forward(X)
        if self.n_outputs_ == 1:
            p = out[:, 0]
            return np.column_stack([1 - p, p])
        return out

    def predict_log_proba(self, X):
        """log(predict_proba(X))."""
        p = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(p, out=p)

    def _more_tags(self):
        return {"multilabel": True}

    def __sklearn_tags__(self):  # scikit-learn >= 1.6
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor, scikit-learn's interface on fathom.

    The parameters are sklearn.neural_network.MLPRegressor's, with its defaults; see the
    module docstring (fathom.sklearn) for where fathom differs. The output layer is linear
    (scikit-learn's identity), one unit per target, trained on the squared error: fathom's
    "mse" (1/2 * the sum over the outputs, whose gradient scikit-learn uses too); loss_ and
    loss_curve_ are reported as scikit-learn's squared loss (1/2 * the mean over the outputs).

    Attributes
    ----------
    model_ : fathom.Sequential, the trained network (task "regress"); ``model_.save(path)``
        writes a model file for ``fathom predict``.
    loss_, best_loss_, loss_curve_, validation_scores_ (R^2), best_validation_score_, n_iter_,
    t_, n_features_in_, feature_names_in_, n_outputs_, n_layers_, out_activation_: as
    scikit-learn's. coefs_, intercepts_ : copies of the weights and biases read from model_.
    """

    def _validate_input(self, X, y, incremental, reset):
        X, y = _validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                              y_numeric=True, dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return _as_fathom_array(X), _as_fathom_array(y)

    def _output_activation(self):
        return "identity"

    def _describe_model(self, model):
        model.task = "regress"

    def _validation_split(self, X, Y, random_state):
        X, X_val, Y, Y_val = super()._validation_split(X, Y, random_state)
        return (np.ascontiguousarray(X), np.ascontiguousarray(X_val), np.ascontiguousarray(Y),
                Y_val[:, 0] if Y_val.shape[1] == 1 else Y_val)

    def _score_outputs(self, out, y):
        return r2_score(y, out[:, 0] if out.shape[1] == 1 else out)

    def partial_fit(self, X, y):
        """One epoch over X, y, continuing the network (built on the first call). Returns self."""
        return self._fit(X, y, incremental=True)

    def predict(self, X):
        """The predicted targets, shape (n_samples,) or (n_samples, n_outputs)."""
        out = self._forward(X)
        return out[:, 0] if out.shape[1] == 1 else out
