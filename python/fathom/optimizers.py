"""Optimizers, named as in Keras. Each is a name and its options; fathom's one optimizer factory
(C++ make_optimizer) builds it, checks every option's range and rejects an unknown one, listing
the known options. An option left out keeps fathom's default (docs/concepts.md)."""
import json

# Keras's spelling of an option → fathom's.
_KERAS_NAMES = {"beta_1": "beta1", "beta_2": "beta2", "clipnorm": "clip_norm",
                "initial_accumulator_value": "initial_accumulator"}


class Optimizer:
    """An optimizer by name with options, e.g. Optimizer("adam", learning_rate=0.01)."""

    def __init__(self, name, **options):
        self.name = name
        # None leaves an option at fathom's default (the C++ Options struct holds each default once).
        self.options = {_KERAS_NAMES.get(k, k): v for k, v in options.items() if v is not None}

    def config_json(self):
        return json.dumps(self.options)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.options.items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Gradient descent: learning_rate, momentum, nesterov, l2, l1, clip_norm."""

    def __init__(self, learning_rate=None, **options):
        super().__init__("sgd", learning_rate=learning_rate, **options)


class Adam(Optimizer):
    """Adam: learning_rate, beta_1, beta_2, epsilon, l2, clip_norm."""

    def __init__(self, learning_rate=None, **options):
        super().__init__("adam", learning_rate=learning_rate, **options)


class AdamW(Optimizer):
    """Adam with decoupled weight decay: learning_rate, beta_1, beta_2, epsilon, weight_decay, clip_norm."""

    def __init__(self, learning_rate=None, **options):
        super().__init__("adamw", learning_rate=learning_rate, **options)


class RMSprop(Optimizer):
    """RMSprop: learning_rate, rho, momentum, epsilon, l2, clip_norm."""

    def __init__(self, learning_rate=None, **options):
        super().__init__("rmsprop", learning_rate=learning_rate, **options)


class Adagrad(Optimizer):
    """Adagrad: learning_rate, epsilon, initial_accumulator, l2, clip_norm."""

    def __init__(self, learning_rate=None, **options):
        super().__init__("adagrad", learning_rate=learning_rate, **options)


class RPROP(Optimizer):
    """iRPROP− (full batch): eta_plus, eta_minus, delta0, delta_max, delta_min."""

    def __init__(self, **options):
        super().__init__("rprop", **options)


class IRPROPPlus(Optimizer):
    """iRPROP+ (full batch; undoes a step that raised the loss): eta_plus, eta_minus, delta0,
    delta_max, delta_min."""

    def __init__(self, **options):
        super().__init__("irprop+", **options)


class LBFGS(Optimizer):
    """L-BFGS with a Moré–Thuente line search (full batch): learning_rate (first trial step),
    history, gradient_tolerance, change_tolerance, max_evaluations, l2, mini_batches."""

    def __init__(self, learning_rate=None, **options):
        super().__init__("lbfgs", learning_rate=learning_rate, **options)


class LevenbergMarquardt(Optimizer):
    """Levenberg–Marquardt for the mse loss (full batch): mu, mu_increase, mu_decrease, mu_max,
    gradient_tolerance, l2."""

    def __init__(self, **options):
        super().__init__("lm", **options)


def resolve(optimizer):
    """(name, config JSON) of an Optimizer or a name ("adam": fathom's defaults)."""
    if isinstance(optimizer, str):
        return optimizer, "{}"
    if isinstance(optimizer, Optimizer):
        return optimizer.name, optimizer.config_json()
    raise TypeError(f"optimizer must be a name such as \"adam\" or a fathom optimizer such as "
                    f"fathom.Adam(learning_rate=0.001), got {type(optimizer).__name__}")
