"""fathom: feedforward neural networks (perceptrons and multilayer perceptrons trained by
backpropagation) with a C++ engine, from Python.

Keras's shape over fathom's C++ API::

    import fathom
    model = fathom.Sequential(4, seed=1)
    model.add(fathom.Dense(16, "relu"))
    model.add(fathom.Dense(3, "softmax"))
    model.compile(loss="cce", optimizer=fathom.Adam(learning_rate=0.01), metrics=["accuracy"])
    history = model.fit(X, y, epochs=50, batch_size=16, validation_split=0.2)
    model.save("iris.fm")          # the same file `fathom predict --model iris.fm` reads

scikit-learn estimators live in fathom.sklearn (MLPClassifier, MLPRegressor). The guide is
docs/python.md in fathom's source tree.
"""
from ._fathom import DivergedError, __version__, num_threads, set_num_threads
from .callbacks import (CSVLogger, Callback, ConvergenceStop, EarlyStopping, LambdaCallback,
                        ModelCheckpoint, ReduceLROnPlateau, TensorBoard)
from .layers import Dense, Dropout, Normalization
from .models import History, Sequential, load_model, model_from_bytes
from .optimizers import (LBFGS, RPROP, SGD, Adagrad, Adam, AdamW, IRPROPPlus, LevenbergMarquardt, Optimizer,
                         RMSprop)

__all__ = [
    "Adagrad", "Adam", "AdamW", "CSVLogger", "Callback", "ConvergenceStop", "Dense", "DivergedError",
    "Dropout", "EarlyStopping", "History", "IRPROPPlus", "LBFGS", "LambdaCallback", "LevenbergMarquardt",
    "ModelCheckpoint", "Normalization", "Optimizer", "RMSprop", "RPROP", "ReduceLROnPlateau", "SGD",
    "Sequential", "TensorBoard", "load_model",
    "model_from_bytes", "num_threads", "set_num_threads", "__version__",
]
