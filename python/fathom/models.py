"""Sequential: Keras's model over fathom's C++ Sequential (fathom._fathom.Model), and the model
files it shares with the `fathom` command and the C++ API."""
import numpy as np

from . import _fathom
from ._arrays import features, labels_of, targets

from .layers import Layer, from_config
from .optimizers import resolve


class History(dict):
    """fit()'s result: a dict of lists, one value per epoch ("loss", each metric, "val_..." and
    "lr"). As in Keras, .history is the dict itself and .epoch the epoch numbers (from 0)."""

    def __init__(self, values, first_epoch=0):
        super().__init__(values)
        n = len(next(iter(values.values()))) if values else 0
        self.epoch = list(range(first_epoch, first_epoch + n))

    @property
    def history(self):
        return self


class Sequential:
    """A stack of layers, built, compiled and trained as in Keras:

        model = fathom.Sequential(input_dim=4, seed=1)
        model.add(fathom.Dense(16, "relu")); model.add(fathom.Dense(3, "softmax"))
        model.compile(loss="cce", optimizer=fathom.Adam(learning_rate=0.01), metrics=["accuracy"])
        model.fit(X, y, epochs=50)

    The same seed gives the same weights and the same training, bit for bit, as fathom's C++
    Sequential and the `fathom` command with that seed."""

    def __init__(self, input_dim, seed=0, layers=None):
        if isinstance(input_dim, _fathom.Model):
            self._m = input_dim
        else:
            if int(input_dim) < 1:
                raise ValueError(f"input_dim must be >= 1, got {input_dim}")
            if int(seed) < 0:
                raise ValueError(f"seed must be >= 0, got {seed}")
            self._m = _fathom.Model(int(input_dim), int(seed))
        self._seed = int(seed) if not isinstance(input_dim, _fathom.Model) else 0
        for layer in layers or []:
            self.add(layer)

    # Building ------------------------------------------------------------------------------

    def add(self, layer):
        """Appends a layer (Dense, Dropout, Normalization); its inputs are the previous outputs."""
        if not isinstance(layer, Layer):
            raise TypeError(f"add() takes a fathom layer such as fathom.Dense(8, 'relu'), got {type(layer).__name__}")
        self._m.add_layer(layer.type, layer.config_json())

    def compile(self, loss="mse", optimizer="sgd", metrics=None):
        """loss: "mse", "mae", "huber", "bce", "cce"; optimizer: a name or fathom.SGD(...),
        fathom.Adam(...), ...; metrics: names such as "accuracy", "mae". Compiling draws the
        initial weights from the seed (again, if compiled before)."""
        name, config = resolve(optimizer)
        if isinstance(metrics, str):
            metrics = [metrics]
        self._m.compile(loss, name, config, list(metrics or []))

    # Training ------------------------------------------------------------------------------

    def fit(self, x, y, epochs=1, batch_size=None, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, initial_epoch=0, communicator=None):
        """Trains on x (samples × features) and y (targets, or class labels: see docs/python.md)
        and returns the History of this call. batch_size None: 32, or every sample for the
        full-batch optimizers (RPROP, IRPROPPlus, LBFGS, LevenbergMarquardt). The GIL is
        released while it runs; Ctrl-C stops it
        between steps with KeyboardInterrupt, the model keeping the weights of the last step.
        verbose: 0 silent; 1 ("auto", as in Keras) a line per epoch and, on a terminal, a bar moving
        within each epoch; 2 a line per epoch.
        communicator: fathom.distributed.init()'s, to train data-parallel over MPI (every process
        calls fit with the same data; docs/scaling.md); "auto" verbose is then 0 on ranks but 0."""
        if verbose == "auto":
            verbose = 1 if communicator is None or communicator.rank == 0 else 0
        verbose = _count("verbose", verbose, 0)
        xa = self._inputs(x)
        ya, names = targets(y, self._m.output_dim, self._m.class_names)
        _same_samples(xa, ya)
        vx = vy = None
        if validation_data is not None:
            if len(validation_data) != 2:
                raise ValueError("validation_data must be a pair (x_val, y_val)")
            vx = self._inputs(validation_data[0], "validation x")
            vy, _ = targets(validation_data[1], self._m.output_dim, names or self._m.class_names, "validation y")
            _same_samples(vx, vy, "validation ")
        callbacks = list(callbacks or [])
        for cb in callbacks:
            if not isinstance(cb, _fathom.NativeCallback) and hasattr(cb, "set_model"):
                cb.set_model(self)
        # What the labels were, in the model (and so in a file a callback saves during fit); put
        # back as they were if fit fails before a step (after one, the weights hold them).
        before = (self._m.class_names, self._m.task, self._m.feature_names)
        steps_before = self._m.iterations if self._m.compiled else None
        if names is not None and not self._m.class_names:
            self._m.class_names = names
            if not self._m.task:
                self._m.task = "classify"
        columns = getattr(x, "columns", None)
        if columns is not None and not self._m.feature_names:
            self._m.feature_names = [str(c) for c in columns]
        try:
            values = self._m.fit(xa, ya, _count("epochs", epochs), 0 if batch_size is None else _count("batch_size", batch_size),
                                 bool(shuffle), float(validation_split), vx, vy, callbacks,
                                 _count("initial_epoch", initial_epoch, 0), verbose, communicator)
        except BaseException:
            if steps_before is None or self._m.iterations == steps_before:
                self._m.class_names, self._m.task, self._m.feature_names = before
            raise
        return History(values, int(initial_epoch))

    def evaluate(self, x, y, batch_size=None, verbose=0, return_dict=False):
        """The loss and every compiled metric over x, y: the loss alone when there are no
        metrics, else [loss, metric...] in compile order, or a dict with return_dict=True."""
        del verbose
        xa = self._inputs(x)
        ya, _ = targets(y, self._m.output_dim, self._m.class_names)
        _same_samples(xa, ya)
        logs = self._m.evaluate(xa, ya, _batch(batch_size))
        if return_dict:
            return logs
        if not self._m.metrics:
            return logs["loss"]
        return [logs["loss"]] + [logs[_metric_key(m, logs)] for m in self._m.metrics]

    def predict(self, x, batch_size=None, verbose=0):
        """The network's outputs, (samples, outputs) float32."""
        del verbose
        return self._m.predict(self._inputs(x), _batch(batch_size))

    def predict_classes(self, x, batch_size=None):
        """The class of each sample: the largest output (one output: 1 when > 0.5), as the
        model's class names (ints when every name is one) when it has them, else as indices."""
        out = self.predict(x, batch_size)
        indices = (out[:, 0] > 0.5).astype(np.intp) if out.shape[1] == 1 else out.argmax(axis=1)
        return labels_of(indices, self._m.class_names if self._m.task != "multilabel" else [])

    def _inputs(self, x, name="x"):
        a = features(x, name)
        if a.shape[1] != self._m.input_dim:
            raise ValueError(f"{name} has {a.shape[1]} features (columns) but the model takes "
                             f"{self._m.input_dim} inputs")
        return a

    # Inspecting ----------------------------------------------------------------------------

    def summary(self, print_fn=print):
        """Prints the layers, output shapes and parameter counts (as Keras does)."""
        print_fn(self._m.summary().rstrip("\n"))

    def get_weights(self):
        """Copies of the weights, in Keras's shapes: [W (inputs, units), b (units,), ...]."""
        return self._m.get_weights()

    def set_weights(self, weights):
        """Replaces the weights (the shapes get_weights() gives); every shape is checked first."""
        self._m.set_weights([np.asarray(w) for w in weights])

    @property
    def layers(self):
        return [from_config(t, c) for t, c in self._m.layers()]

    @property
    def weight_names(self):
        return self._m.weight_names()

    input_dim = property(lambda self: self._m.input_dim)
    output_dim = property(lambda self: self._m.output_dim)
    loss = property(lambda self: self._m.loss)
    metrics_names = property(lambda self: ["loss"] + list(self._m.metrics))
    history = property(lambda self: History(self._m.history),
                       doc="Every epoch this model has trained (saved in its model file).")
    iterations = property(lambda self: self._m.iterations, doc="The optimizer's steps so far.")
    evaluations = property(lambda self: self._m.evaluations,
                           doc="Loss evaluations of those steps (lbfgs's line search and lm add their own).")
    converged = property(lambda self: self._m.converged,
                         doc="Why the optimizer stopped making progress in the last fit, or \"\" (docs/concepts.md).")

    @property
    def learning_rate(self):
        return self._m.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self._m.learning_rate = float(value)

    @property
    def stop_training(self):
        return self._m.stop_training

    @stop_training.setter
    def stop_training(self, value):
        self._m.stop_training = bool(value)

    def _info(name, doc):  # noqa: N805 (a property factory)
        return property(lambda self: getattr(self._m, name), lambda self, v: setattr(self._m, name, v), doc=doc)

    class_names = _info("class_names", "Each class's label (saved in the model file).")
    feature_names = _info("feature_names", "The input columns' names (the CLI reads CSV columns by them).")
    target_names = _info("target_names", "The target columns' names.")
    task = _info("task", '"classify", "multilabel", "regress" or "" (saved in the model file).')
    del _info

    # Files ---------------------------------------------------------------------------------

    def save(self, path):
        """Writes the model file (atomically: a crash never leaves a broken file)."""
        self._m.save(str(path))

    def to_bytes(self):
        """The model file's bytes."""
        return self._m.to_bytes()

    def export_onnx(self, path, opset=17, class_output=None):
        """Writes the network as an ONNX file (docs/deploy.md): input "input" (batch, inputs),
        output "output" and, for a classifier (or class_output=True), "class". Checked by the
        ONNX checker before it is written, atomically."""
        self._m.export_onnx(str(path), int(opset), class_output)

    def export_c(self, path, header=None, prefix="model", quantize=None, class_function=None):
        """Writes the network as one dependency-free C99 file (docs/deploy.md) with
        PREFIX_predict(const float *x, float *y) and, for a classifier, PREFIX_predict_class;
        header: also write a header declaring them; quantize="int8": int8 weights."""
        self._m.export_c(str(path), "" if header is None else str(header), prefix,
                         "none" if quantize is None else quantize, class_function)

    def predict_int8(self, x):
        """The outputs of the int8 C export (export_c(quantize="int8")) for x, computed here."""
        return self._m.predict_int8(self._inputs(x))

    def __getstate__(self):
        if self._m.compiled:
            return {"model": self._m.to_bytes()}
        # Not compiled yet: no weights to keep, only what was built.
        return {"input_dim": self._m.input_dim, "seed": self._seed, "layers": self._m.layers()}

    def __setstate__(self, state):
        if "model" in state:
            self._m = _fathom.Model.from_bytes(state["model"])
            return
        self._m = _fathom.Model(state["input_dim"], state["seed"])
        self._seed = state["seed"]
        for layer_type, config in state["layers"]:
            self._m.add_layer(layer_type, config)

    def __copy__(self):
        return Sequential(self._m.copy())

    def __deepcopy__(self, memo):
        return Sequential(self._m.copy())

    def __repr__(self):
        widths = [self._m.input_dim] + [layer.units for layer in self.layers if hasattr(layer, "units")]
        return f"<fathom.Sequential {'-'.join(map(str, widths))}>"


def _count(name, value, least=1):
    """An int argument in the range the engine takes, or a ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if not least <= value < 2**31:
        raise ValueError(f"{name} must be in [{least}, 2^31), got {value}")
    return int(value)


def _batch(batch_size):
    """predict/evaluate's batch size: None for fathom's default (1,024 samples at a time)."""
    return None if batch_size is None else _count("batch_size", batch_size)


def _same_samples(x, y, what=""):
    if x.shape[0] == 0:
        raise ValueError(f"{what}x has 0 samples")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"{what}x has {x.shape[0]} samples (rows) but {what}y has {y.shape[0]}")


def _metric_key(name, logs):
    return name if name in logs else next(k for k in logs if k.startswith(name.split("(")[0]))


def load_model(path):
    """A model file written by fathom in any form (Python, the `fathom` command, C++)."""
    return Sequential(_fathom.Model.load(str(path)))


def model_from_bytes(data):
    """A model from the bytes of a model file (Sequential.to_bytes)."""
    return Sequential(_fathom.Model.from_bytes(bytes(data)))


__all__ = ["History", "Sequential", "load_model", "model_from_bytes"]
