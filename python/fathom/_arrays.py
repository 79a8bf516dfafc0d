"""numpy arrays in fathom's layout, and class labels as targets (docs/python.md, "Arrays").

fathom stores a batch as a column-major features × samples float32 matrix. numpy's C-ordered
samples × features float32 array is the same bytes, so such an array is used in place; any other
array or array-like (float64, Fortran order, a slice with strides, a list, a DataFrame) is
copied once, by numpy, into that form."""
import numpy as np

from . import _fathom


def features(x, name="x"):
    """x as a C-contiguous float32 samples × features array (x itself when it is one)."""
    a = np.asarray(x)
    if a.ndim != 2:
        hint = (" (reshape(-1, 1) for a single feature, reshape(1, -1) for a single sample)"
                if a.ndim == 1 else "")
        raise ValueError(f"{name} must be 2-D (samples × features), got an array of shape {a.shape}{hint}")
    if a.dtype.kind in "cmMV":  # complex, timedelta, datetime, records: no number to train on
        raise ValueError(f"{name} must be numeric, got dtype {a.dtype}")
    if a.dtype.kind not in "biuf":
        try:
            a = a.astype(np.float32)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{name} must be numeric: {e}") from None
    return np.ascontiguousarray(a, dtype=np.float32)


def _label_text(v):
    """The class name of a label: its text, with 3.0 written as 3 (a label read as a float)."""
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _is_int_text(names):
    try:
        return all(str(int(n)) == n for n in names)
    except ValueError:
        return False


def class_targets(y, outputs, class_names):
    """Targets for class labels y (1-D): one-hot rows for `outputs` ≥ 2, a 0/1 column for one
    output. Returns (targets, class_names): the model's class names when it has them (a label
    outside them is an error), else the classes found, in order: integer labels 0..outputs−1
    stand for themselves, others are sorted as `fathom train` sorts them (by value when every
    label is a number, else as text)."""
    y = np.asarray(y)
    if len(y) == 0:
        raise ValueError("y has 0 samples")
    uniques, inverse = np.unique(y, return_inverse=True)
    texts = [_label_text(u) for u in uniques]
    if class_names:
        index = {name: i for i, name in enumerate(class_names)}
        unknown = [t for t in texts if t not in index]
        if unknown:
            raise ValueError(f"y has labels the model does not know: {', '.join(unknown[:10])} "
                             f"(its classes: {', '.join(class_names[:20])})")
        codes = np.array([index[t] for t in texts], dtype=np.intp)[inverse]
        names = list(class_names)
    elif (y.dtype.kind in "iu" and len(uniques) and uniques.min() >= 0 and uniques.max() < max(outputs, 2)):
        codes = y.astype(np.intp)
        names = [str(i) for i in range(max(outputs, 2))]
    else:
        names = _fathom.class_order(texts)
        position = {name: i for i, name in enumerate(names)}
        codes = np.array([position[t] for t in texts], dtype=np.intp)[inverse]
    classes = max(outputs, 2)
    if len(names) != classes:
        listed = ", ".join(names[:20])
        raise ValueError(f"y has {len(names)} classes ({listed}) but the model's {outputs} output"
                         f"{'s' if outputs > 1 else ''} stand for {classes}: end the model with "
                         f"Dense({len(names) if len(names) > 2 else 1}, ...)")
    if outputs == 1:
        t = codes.astype(np.float32).reshape(-1, 1)
    else:
        t = np.zeros((len(codes), outputs), dtype=np.float32)
        t[np.arange(len(codes)), codes] = 1
    return t, names


def targets(y, outputs, class_names, name="y"):
    """y as C-contiguous float32 samples × outputs targets, and the class names when y held class
    labels (else None). Numbers in the model's shape are targets as they are; a 1-D y for a model
    with several outputs, or text labels, are classes (class_targets)."""
    a = np.asarray(y)
    if a.ndim == 2 and a.shape[1] == 1 and outputs > 1:
        a = a.ravel()
    numeric = a.dtype.kind in "biuf"
    if a.ndim == 1 and (outputs > 1 or not numeric):
        return class_targets(a, outputs, class_names)
    if not numeric:
        raise ValueError(f"{name} must be numeric targets of shape (samples, {outputs}) or class labels "
                         f"of shape (samples,), got {a.dtype} of shape {a.shape}")
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    if a.ndim != 2 or a.shape[1] != outputs:
        raise ValueError(f"{name} must have shape (samples, {outputs}) for a model with {outputs} "
                         f"output{'s' if outputs > 1 else ''}, got {a.shape}")
    return np.ascontiguousarray(a, dtype=np.float32), None


def labels_of(indices, class_names):
    """Class indices as labels: the class names (as ints when every name is one), else the indices."""
    if not class_names:
        return indices
    names = np.array(class_names)
    if _is_int_text(class_names):
        names = names.astype(np.int64)
    return names[indices]
