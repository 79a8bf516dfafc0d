"""Callbacks of fit(), as Keras has them. EarlyStopping, ModelCheckpoint, CSVLogger, TensorBoard,
ReduceLROnPlateau and ConvergenceStop are fathom's C++ callbacks: they run inside the training
loop without the GIL. Callback is the base of callbacks written in Python; LambdaCallback makes
one from functions."""
from ._fathom import (CSVLogger, ConvergenceStop, EarlyStopping, ModelCheckpoint, NativeCallback,
                      ReduceLROnPlateau, TensorBoard)


class Callback:
    """Subclass and override any of the hooks; fit() sets self.model (the Sequential being
    trained) and self.params ({"epochs", "batch_size", "samples", "steps", "verbose"}) first.
    Setting self.model.stop_training = True ends training after the current epoch.

    on_train_batch_end runs after every step, with the GIL: define it only when needed (a
    callback without it costs training nothing per step). logs there holds the step's "loss" and
    "size" (its samples); at an epoch's end, "loss", each metric, "val_..." and "lr".
    """

    model = None
    params = None

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_batch_end(self, batch, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass


class LambdaCallback(Callback):
    """A callback from functions: on_epoch_end=lambda epoch, logs: ..., and likewise
    on_epoch_begin(epoch, logs), on_train_batch_end(batch, logs) (Keras's on_batch_end is the
    same), on_train_begin(logs), on_train_end(logs)."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_batch_end=None,
                 on_train_begin=None, on_train_end=None, on_batch_end=None):
        if on_batch_end is not None and on_train_batch_end is not None:
            raise ValueError("LambdaCallback: give on_train_batch_end or on_batch_end, not both")
        noop = lambda *args: None  # noqa: E731
        self._epoch_begin = on_epoch_begin or noop
        self._epoch_end = on_epoch_end or noop
        self._train_begin = on_train_begin or noop
        self._train_end = on_train_end or noop
        batch = on_train_batch_end or on_batch_end
        if batch is not None:
            # Only then does the object get a per-step hook (see Callback).
            self.on_train_batch_end = lambda b, logs=None: batch(b, logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._epoch_end(epoch, logs)

    def on_train_begin(self, logs=None):
        self._train_begin(logs)

    def on_train_end(self, logs=None):
        self._train_end(logs)


__all__ = ["CSVLogger", "Callback", "ConvergenceStop", "EarlyStopping", "LambdaCallback", "ModelCheckpoint",
           "NativeCallback", "ReduceLROnPlateau", "TensorBoard"]
