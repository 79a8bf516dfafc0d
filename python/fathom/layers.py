"""Layers, as Keras names them. Each is a layer type and its settings; fathom's layer factory
(C++ make_layer, the one the model file uses) builds it and checks the settings when the layer is
added to a model."""
import json


from . import _fathom
from ._arrays import features


class Layer:
    type = None

    def config(self):
        raise NotImplementedError

    def config_json(self):
        return json.dumps(self.config())

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items() if k not in ("offset", "scale"))
        return f"{type(self).__name__}({args})"


class Dense(Layer):
    """Fully connected: outputs = activation(W·inputs + b). activation: "linear" (None), "relu",
    "sigmoid", "tanh", "softmax", "leaky_relu(0.1)", ... (docs/concepts.md)."""
    type = "dense"

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", name=None):
        self.units = int(units)
        self.activation = "linear" if activation is None else activation
        self.use_bias = bool(use_bias)
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.name = name or ""

    def config(self):
        return {"units": self.units, "activation": self.activation, "use_bias": self.use_bias,
                "kernel_initializer": self.kernel_initializer, "bias_initializer": self.bias_initializer,
                "name": self.name}


class Dropout(Layer):
    """Inverted dropout: in training each input is kept with probability 1 − rate."""
    type = "dropout"

    def __init__(self, rate, name=None):
        self.rate = float(rate)
        self.name = name or ""

    def config(self):
        return {"rate": self.rate, "name": self.name}


class Normalization(Layer):
    """Input scaling as the model's first layer, fitted by adapt(x) and then fixed (saved with the
    model): method "standard" (x − mean) / sd or "minmax" (x − min) / (max − min)."""
    type = "normalization"

    def __init__(self, method="standard", offset=None, scale=None, name=None):
        self.method = method
        self.offset = None if offset is None else [float(v) for v in offset]
        self.scale = None if scale is None else [float(v) for v in scale]
        self.name = name or ""

    def adapt(self, x):
        """Fits the offset and scale per feature on x (samples × features)."""
        self.offset, self.scale = _fathom.normalization_fit(features(x), self.method)
        return self

    def config(self):
        if self.offset is None:
            raise ValueError("Normalization: call adapt(x) on the training inputs before adding the layer")
        return {"method": self.method, "offset": self.offset, "scale": self.scale, "name": self.name}


_TYPES = {cls.type: cls for cls in (Dense, Dropout, Normalization)}


def from_config(layer_type, config_json):
    """The Python description of a model's layer (Sequential.layers)."""
    config = json.loads(config_json)
    cls = _TYPES.get(layer_type)
    if cls is None:
        raise ValueError(f"unknown layer type {layer_type!r}")
    return cls(**config)


__all__ = ["Dense", "Dropout", "Layer", "Normalization"]
