"""Shared helpers for the Python peer benchmarks (torch_bench.py, sklearn_bench.py).

Only the standard library is imported at module level: the benchmarks must set the BLAS/OpenMP
thread counts in the environment (set_threads_env) before numpy or torch is imported.
See bench/peers/README.md for the workloads, data and RESULT keys.
"""
import argparse
import gzip
import math
import os
import resource
import statistics
import sys

FASHION_DIR = "/usr/share/datasets/fashion-mnist"
DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data")
WORKLOADS = ["epoch128", "epoch32", "online_sgd", "inference", "xor", "digits", "wide"]


def parse_args(description, extra=None):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--workload", required=True, choices=WORKLOADS)
    p.add_argument("--threads", type=int, default=1, choices=[1, 2])
    p.add_argument("--quick", action="store_true", help="smaller sizes, for smoke tests only")
    p.add_argument("--epochs", type=int, default=None, help="xor/digits: override the epoch count")
    if extra:
        extra(p)
    return p.parse_args()


def set_threads_env(blas_threads, omp_threads):
    """Must run before numpy/torch are imported."""
    for var in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(blas_threads)
    os.environ["OMP_NUM_THREADS"] = str(omp_threads)


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def _fmt(v):
    if isinstance(v, float):
        a = abs(v)
        if a >= 1000:
            return "%.0f" % v
        if a >= 100:
            return "%.1f" % v
        if a >= 10:
            return "%.2f" % v
        if a >= 1:
            return "%.3f" % v
        if a == 0:
            return "0"
        return "%.*f" % (3 - math.floor(math.log10(a)), v)  # 4 significant digits, no exponent
    return str(v)


def result(lib, workload, threads, config, **keys):
    parts = ["RESULT", "lib=" + lib, "workload=" + workload, "threads=%d" % threads]
    parts += ["%s=%s" % (k, _fmt(v)) for k, v in keys.items()]
    parts.append("config=" + config.replace(" ", "_"))
    print(" ".join(parts), flush=True)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def epoch_stats(times):
    """times: every epoch's seconds; the first is warm-up. Returns median, min, max of the rest."""
    timed = times[1:]
    return statistics.median(timed), min(timed), max(timed)


def percentile(sorted_values, q):
    i = min(len(sorted_values) - 1, int(round(q * (len(sorted_values) - 1))))
    return sorted_values[i]


def _idx(path, header_bytes):
    import numpy as np
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header_bytes)


def load_fashion(split):
    """split 'train' or 't10k' -> (float32 images N x 784 in [0,1], int64 labels N)."""
    import numpy as np
    x = _idx(os.path.join(FASHION_DIR, split + "-images-idx3-ubyte.gz"), 16)
    y = _idx(os.path.join(FASHION_DIR, split + "-labels-idx1-ubyte.gz"), 8)
    x = (x.reshape(-1, 784).astype(np.float32) / np.float32(255.0))
    return np.ascontiguousarray(x), y.astype(np.int64)


def one_hot(labels, n):
    import numpy as np
    out = np.zeros((len(labels), n), dtype=np.float32)
    out[np.arange(len(labels)), labels] = 1.0
    return out


def xor_data():
    """The four XOR rows in fixed order: (x float32 4x2, y float32 4x1)."""
    import numpy as np
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([[0], [1], [1], [0]], dtype=np.float32)
    return x, y


def digits_data():
    """data/digits_5x5.csv: p0..p24 then digit (1..5) -> (x float32 5x25, one-hot y 5x5, digit)."""
    import numpy as np
    with open(os.path.join(DATA_DIR, "digits_5x5.csv")) as f:
        header = f.readline().strip().split(",")
        rows = [[int(v) for v in line.strip().split(",")] for line in f if line.strip()]
    assert header[:25] == ["p%d" % i for i in range(25)] and header[25] == "digit", header
    a = np.array(rows)
    digit = a[:, 25]
    return a[:, :25].astype(np.float32), one_hot(digit - 1, 5), digit


def mse(outputs, targets):
    """Mean over samples of the mean over outputs of (target - output)^2."""
    import numpy as np
    d = np.asarray(targets, dtype=np.float64) - np.asarray(outputs, dtype=np.float64)
    return float(np.mean(np.mean(d * d, axis=1)))


def train_flops_per_sample(layers):
    """6*sum(in*out) - 2*in0*out0 (no input gradient for the first layer)."""
    pairs = list(zip(layers[:-1], layers[1:]))
    return 6 * sum(i * o for i, o in pairs) - 2 * pairs[0][0] * pairs[0][1]
