#!/usr/bin/python3
"""fathom.sklearn.MLPClassifier next to sklearn.neural_network.MLPClassifier and the `fathom`
command: the same network trained the same way, RESULT lines on stdout (bench/peers/README.md).

Run with Debian's interpreter, fathom's package on the path:

    PYTHONPATH=build/python /usr/bin/python3 bench/peers/fathom_sklearn_bench.py \
        --workload fashion_mlp --threads 2 [--lib fathom_sklearn|sklearn|fathom_cli] [--quick]

Without --lib every library of the workload runs, each in a process of its own (this script
again), one after the other, so that peak_rss_mb is the library's alone.

Workloads:
- fashion_mlp: Fashion-MNIST 784-256-128-10, ReLU hidden, softmax + cross-entropy, Adam lr 1e-3,
  batch 128, shuffled, 20 epochs over the 60,000 training images (no stopping rule: tol=0 and
  n_iter_no_change past max_iter; alpha=0), then the accuracy on the 10,000 test images. Keys:
  seconds (the whole fit: the estimators' fit() call, which includes their input checks and
  label encoding; for the CLI the sum of the per-epoch times it prints, i.e. training alone,
  not reading the IDX files, and process_s, the whole `fathom train` process including the
  load), seconds_per_epoch (seconds / epochs), test_accuracy, peak_rss_mb (for the CLI, the
  `fathom train` process's).
  lib=fathom_sklearn, sklearn, fathom_cli (`fathom train --data idx:... --layers
  256:relu,128:relu,10:softmax --optimizer adam --lr 0.001 --batch-size 128 --epochs 20
  --validation-split 0 --seed 0`, then `fathom evaluate` on the test images).
- digits: scikit-learn's bundled 8x8 digits (1,797 images, 64 features), standardized (scaler
  fitted on the training part), a fixed stratified 75/25 split (random_state=0), 64-64-10 ReLU,
  Adam lr 1e-3, batch 200 ("auto"), 200 epochs without a stopping rule, alpha=0. Keys: seconds
  (fit), test_accuracy. lib=fathom_sklearn, sklearn.

threads=T: fathom.set_num_threads(T) / `fathom train --threads T`; scikit-learn's numpy uses
OpenBLAS at T threads (the environment is set before numpy is imported).
"""
import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fashion_mnist as fm  # noqa: E402  (standard library only at import time)

ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
LIBS = {"fashion_mlp": ["fathom_sklearn", "sklearn", "fathom_cli"], "digits": ["fathom_sklearn", "sklearn"]}

parser = argparse.ArgumentParser(description="fathom.sklearn vs scikit-learn vs the fathom command")
parser.add_argument("--workload", required=True, choices=sorted(LIBS))
parser.add_argument("--threads", type=int, default=1, choices=[1, 2])
parser.add_argument("--lib", choices=sorted({l for libs in LIBS.values() for l in libs}),
                    help="run only this library (default: each of the workload's, one process each)")
parser.add_argument("--quick", action="store_true", help="smaller sizes, for smoke tests only")
parser.add_argument("--cli", default=os.environ.get("FATHOM_CLI", os.path.join(ROOT, "build", "fathom")),
                    help="the fathom command (default: build/fathom)")
args = parser.parse_args()

if args.lib is None:
    # Each library in a process of its own; their RESULT lines pass through.
    status = 0
    for lib in LIBS[args.workload]:
        cmd = [sys.executable, os.path.abspath(__file__), "--workload", args.workload, "--threads",
               str(args.threads), "--lib", lib, "--cli", args.cli] + (["--quick"] if args.quick else [])
        status = subprocess.call(cmd) or status
    sys.exit(status)

if args.lib not in LIBS[args.workload]:
    parser.error("--lib %s does not run workload %s" % (args.lib, args.workload))
fm.set_threads_env(args.threads, args.threads)

import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

warnings.filterwarnings("ignore", category=ConvergenceWarning)
SK_VERSION = ".".join(sklearn.__version__.split(".")[:2])


def emit(config, **keys):
    if args.quick:
        keys["quick"] = 1
    fm.result(args.lib, args.workload, args.threads, config, **keys)


def estimator(hidden, batch, epochs):
    """The library's MLPClassifier with the workload's settings (no stopping rule, no L2)."""
    params = dict(hidden_layer_sizes=hidden, activation="relu", solver="adam", learning_rate_init=1e-3,
                  batch_size=batch, alpha=0.0, max_iter=epochs, tol=0.0, n_iter_no_change=epochs + 1,
                  shuffle=True, random_state=0)
    if args.lib == "fathom_sklearn":
        import fathom
        from fathom.sklearn import MLPClassifier
        fathom.set_num_threads(args.threads)
        return MLPClassifier(**params), "fathom%s_sklearn_MLPClassifier_threads%d" % (fathom.__version__,
                                                                                     args.threads)
    from sklearn.neural_network import MLPClassifier
    return MLPClassifier(**params), "sklearn%s_MLPClassifier_openblas%d" % (SK_VERSION, args.threads)


def fit_timed(clf, x, y):
    t0 = time.perf_counter()
    clf.fit(x, y)
    return time.perf_counter() - t0


def fashion_estimator(epochs, n):
    x, y = fm.load_fashion("train")
    x, y = x[:n], y[:n]
    xt, yt = fm.load_fashion("t10k")
    clf, config = estimator((256, 128), 128, epochs)
    seconds = fit_timed(clf, x, y)
    fm.log("%s: %d epochs in %.2f s, final loss %.4f" % (args.lib, clf.n_iter_, seconds, clf.loss_))
    emit(config, epochs=clf.n_iter_, samples=n, seconds=seconds, seconds_per_epoch=seconds / clf.n_iter_,
         test_accuracy=clf.score(xt, yt), peak_rss_mb=fm.peak_rss_mb())


def idx_head(path, header_bytes, count_bytes, out):
    """The first items of an IDX file (count_bytes of data after the header), with the count fixed."""
    import gzip
    import struct
    with gzip.open(path, "rb") as f:
        header = bytearray(f.read(header_bytes))
        data = f.read(count_bytes)
    item_bytes = 784 if header_bytes == 16 else 1
    header[4:8] = struct.pack(">I", count_bytes // item_bytes)
    with gzip.open(out, "wb", compresslevel=1) as f:
        f.write(bytes(header) + data)
    return out


def fashion_cli(epochs, n):
    images = os.path.join(fm.FASHION_DIR, "%s-images-idx3-ubyte.gz")
    labels = os.path.join(fm.FASHION_DIR, "%s-labels-idx1-ubyte.gz")
    if not os.path.exists(args.cli):
        emit("fathom_cli", unsupported=1, reason="fathom_command_not_built")
        return
    version = subprocess.run([args.cli, "--version"], capture_output=True, text=True).stdout.split()
    with tempfile.TemporaryDirectory() as tmp:
        train_data, test_data = "idx:%s,%s" % (images % "train", labels % "train"), \
                                "idx:%s,%s" % (images % "t10k", labels % "t10k")
        if n < 60000:
            # --quick: the first n training images, as IDX files of their own.
            train_data = "idx:%s,%s" % (idx_head(images % "train", 16, n * 784, os.path.join(tmp, "x.gz")),
                                        idx_head(labels % "train", 8, n, os.path.join(tmp, "y.gz")))
        model = os.path.join(tmp, "fashion.fathom")
        cmd = [args.cli, "train", "--data", train_data, "--layers", "256:relu,128:relu,10:softmax",
               "--optimizer", "adam", "--lr", "0.001", "--batch-size", "128", "--epochs", str(epochs),
               "--validation-split", "0", "--seed", "0", "--threads", str(args.threads), "--save", model]
        t0 = time.perf_counter()
        run = subprocess.run(cmd, capture_output=True, text=True)
        process_s = time.perf_counter() - t0
        train_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0  # fathom train's
        if run.returncode != 0:
            fm.log(run.stderr)
            raise SystemExit("fathom train failed")
        epoch_s = [float(s) for s in re.findall(r"^epoch\s+\d+/\d+\s.*\((\d+(?:\.\d+)?) s\)\s*$", run.stderr,
                                                 flags=re.M)]
        if len(epoch_s) != epochs:
            fm.log(run.stderr)
            raise SystemExit("could not read %d epoch times from fathom train" % epochs)
        ev = subprocess.run([args.cli, "evaluate", "--model", model, "--data", test_data],
                            capture_output=True, text=True)
        text = ev.stdout + ev.stderr
        m = re.search(r"^accuracy:\s*([0-9.]+)", text, flags=re.M | re.I)
        if ev.returncode != 0 or not m:
            fm.log(text)
            raise SystemExit("could not read the test accuracy from fathom evaluate")
        seconds = sum(epoch_s)
        fm.log("fathom_cli: %d epochs, %.2f s by its epoch lines, %.2f s the whole process"
               % (epochs, seconds, process_s))
        emit("fathom%s_cli_threads%d_epoch_times_summed" % (version[-1] if version else "", args.threads),
             epochs=epochs, samples=n, seconds=seconds, seconds_per_epoch=seconds / epochs,
             process_s=process_s, test_accuracy=float(m.group(1)), peak_rss_mb=train_rss_mb)


def digits():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
    x, y = load_digits(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)
    scaler = StandardScaler().fit(x_train)
    x_train = scaler.transform(x_train).astype(np.float32)
    x_test = scaler.transform(x_test).astype(np.float32)
    epochs = 20 if args.quick else 200
    clf, config = estimator((64, 64), "auto", epochs)
    seconds = fit_timed(clf, x_train, y_train)
    emit(config, epochs=clf.n_iter_, samples=len(x_train), seconds=seconds,
         seconds_per_epoch=seconds / clf.n_iter_, test_accuracy=clf.score(x_test, y_test),
         peak_rss_mb=fm.peak_rss_mb())


if args.workload == "fashion_mlp":
    epochs, n = (3, 6000) if args.quick else (20, 60000)
    if args.lib == "fathom_cli":
        fashion_cli(epochs, n)
    else:
        fashion_estimator(epochs, n)
elif args.workload == "digits":
    digits()
