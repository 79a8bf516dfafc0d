#!/usr/bin/python3
"""scikit-learn peer for bench/compare.sh: one workload per process, RESULT lines on stdout.

Run with Debian's interpreter: /usr/bin/python3 bench/peers/sklearn_bench.py --workload W --threads T
(the contract, workloads and keys are in bench/peers/README.md).

MLPClassifier is numpy: its matrix products go to OpenBLAS (libblas.so.3 -> openblas-pthread),
so threads=T is OpenBLAS at T threads; nothing else in it is parallel. alpha=0 everywhere (no
L2, like the other libraries); float32 data (MLP keeps float32, no float64 copy).

- epoch128/epoch32/wide: partial_fit once per epoch = one shuffled pass in mini-batches with
  the Adam state kept between calls (fit with warm_start would restart Adam every epoch).
- online_sgd: one partial_fit over the 5,000 samples with batch_size=1, shuffle=False = 5,000
  updates in file order inside one call (per-sample partial_fit calls would time input
  validation, not training); the first 500 samples the same way as warm-up.
- inference: the network after one partial_fit step on 128 images (sklearn cannot build an
  untrained model); predict_proba per sample, then on the whole test set.
- xor/digits: MLPClassifier, logistic hidden layers, and its output for these targets is
  logistic too (xor: binary labels; digits: one-hot rows = multi-label indicator), so the
  network's function is the workload's (bench/peers/README.md); but its loss is (binary) cross-entropy, not squared error:
  sklearn has no sigmoid-output/MSE combination (MLPRegressor's output is identity). Trained by
  one fit call, batch_size=1, shuffle=False, max_iter=epochs = one SGD update per sample in fixed
  order; n_iter_no_change is set past max_iter so it never stops early. xor runs 10,000 epochs
  by default (bench/peers/README.md: 100,000; ~60 us per update here), digits the workload's (bench/peers/README.md) 1,000. random_state=0: with
  seed 1 both nets settle in a local minimum (xor final_mse 0.13, digits 0.08; timing unchanged).
"""
import sys
import os

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion_mnist as fm  # standard library only at import time

args = fm.parse_args("scikit-learn peer benchmark")
fm.set_threads_env(args.threads, args.threads)

import time  # noqa: E402
import warnings  # noqa: E402
import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

warnings.filterwarnings("ignore", category=ConvergenceWarning)
CONFIG = "sklearn%s_MLPClassifier_openblas%d" % (".".join(sklearn.__version__.split(".")[:2]),
                                                   args.threads)
CLASSES = np.arange(10)


def emit(extra_config="", **keys):
    if args.quick:
        keys["quick"] = 1
    fm.result("sklearn", args.workload, args.threads, CONFIG + extra_config, **keys)


def adam_mlp(hidden, batch):
    return MLPClassifier(hidden_layer_sizes=hidden, activation="relu", solver="adam",
                         learning_rate_init=1e-3, batch_size=batch, alpha=0.0, shuffle=True,
                         random_state=0)


def train_epochs(clf, x, y, epochs):
    times = []
    for e in range(epochs):
        t0 = time.perf_counter()
        clf.partial_fit(x, y, classes=CLASSES)
        times.append(time.perf_counter() - t0)
        fm.log("epoch %d: %.3f s, loss %.4f" % (e + 1, times[-1], clf.loss_))
    return times


def epoch_workload(batch, epochs):
    x, y = fm.load_fashion("train")
    if args.quick:
        x, y = x[:6000], y[:6000]
    xt, yt = fm.load_fashion("t10k")
    clf = adam_mlp((256, 128), batch)
    med, lo, hi = fm.epoch_stats(train_epochs(clf, x, y, epochs))
    emit(batch=batch, epochs=epochs, seconds_per_epoch=med, min_s=lo, max_s=hi,
         test_accuracy=clf.score(xt, yt), peak_rss_mb=fm.peak_rss_mb())


def online_sgd():
    x, y = fm.load_fashion("train")
    warm, n = (100, 500) if args.quick else (500, 5000)
    clf = MLPClassifier(hidden_layer_sizes=(256, 128), activation="relu", solver="sgd",
                        learning_rate="constant", learning_rate_init=0.01, momentum=0.0,
                        nesterovs_momentum=False, batch_size=1, alpha=0.0, shuffle=False,
                        random_state=0)
    clf.partial_fit(x[:warm], y[:warm], classes=CLASSES)
    xs, ys = x[warm:warm + n], y[warm:warm + n]
    t0 = time.perf_counter()
    clf.partial_fit(xs, ys)
    dt = time.perf_counter() - t0
    emit("_one_partial_fit_batch1_file_order", samples=n, samples_per_s=n / dt,
         us_per_sample=dt / n * 1e6)


def inference():
    x, y = fm.load_fashion("train")
    xt, _ = fm.load_fashion("t10k")
    clf = adam_mlp((256, 128), 128)
    clf.partial_fit(x[:128], y[:128], classes=CLASSES)  # one step: sklearn has no untrained model
    calls = 500 if args.quick else 2000
    rows = [xt[i:i + 1] for i in range(calls)]
    for r in rows[:50]:
        clf.predict_proba(r)
    lat = []
    for r in rows:
        t0 = time.perf_counter_ns()
        clf.predict_proba(r)
        lat.append(time.perf_counter_ns() - t0)
    lat.sort()
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        clf.predict_proba(xt)
        best = min(best, time.perf_counter() - t0)
    emit("_predict_proba", calls=calls, p50_us=fm.percentile(lat, 0.5) / 1e3,
         p99_us=fm.percentile(lat, 0.99) / 1e3, samples_per_s=len(xt) / best)


def online_logistic(hidden, x, y, default_epochs, quick_epochs):
    epochs = args.epochs or (quick_epochs if args.quick else default_epochs)
    clf = MLPClassifier(hidden_layer_sizes=hidden, activation="logistic", solver="sgd",
                        learning_rate="constant", learning_rate_init=0.5, momentum=0.0,
                        nesterovs_momentum=False, batch_size=1, alpha=0.0, shuffle=False,
                        max_iter=epochs, tol=0.0, n_iter_no_change=epochs + 1, random_state=0)
    t0 = time.perf_counter()
    clf.fit(x, y)
    dt = time.perf_counter() - t0
    p = clf.predict_proba(x)
    targets = y.reshape(len(y), -1).astype(np.float32)
    out = p[:, 1:] if p.shape[1] == 2 and targets.shape[1] == 1 else p
    updates = epochs * len(x)
    emit("_%s_out_logloss_one_fit_batch1" % clf.out_activation_, epochs=epochs,
         updates=updates, us_per_update=dt / updates * 1e6, final_mse=fm.mse(out, targets))


def wide():
    n = 2560 if args.quick else 15360
    x, y = fm.load_fashion("train")
    x, y = x[:n], y[:n]
    layers = [784, 1024, 1024, 10]
    clf = adam_mlp((1024, 1024), 256)
    med, lo, hi = fm.epoch_stats(train_epochs(clf, x, y, 4))
    emit(batch=256, samples=n, seconds_per_epoch=med, min_s=lo, max_s=hi,
         gflops=fm.train_flops_per_sample(layers) * n / med / 1e9)


if args.workload == "epoch128":
    epoch_workload(128, 3 if args.quick else 10)
elif args.workload == "epoch32":
    epoch_workload(32, 3)
elif args.workload == "online_sgd":
    online_sgd()
elif args.workload == "inference":
    inference()
elif args.workload == "xor":
    x, y = fm.xor_data()
    online_logistic((2,), x, y[:, 0].astype(np.int64), default_epochs=10000, quick_epochs=500)
elif args.workload == "digits":
    x, y, _ = fm.digits_data()
    online_logistic((20, 20, 20), x, y.astype(np.int64), default_epochs=1000, quick_epochs=100)
elif args.workload == "wide":
    wide()
