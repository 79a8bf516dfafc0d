#!/usr/bin/python3
"""Full-batch optimizers: fathom's lbfgs, rprop (iRPROP-), irprop+ and lm (Levenberg-Marquardt)
against scikit-learn's MLPClassifier(solver="lbfgs") and FANN's RPROP (iRPROP-), on XOR, the
5x5 digits, Iris, breast_cancer, wine and digits (8x8). Run by bench/full_batch.sh:

    PYTHONPATH=build/python /usr/bin/python3 bench/peers/full_batch.py [--quick] [--iterations N]
        [--seeds 1,2,3] [--data xor,digits5x5,...] [--fann build/peers/fann_rprop] [--threads 1]

Data: one fixed stratified 70/30 train/test split (random_state=0) per data set; XOR and the 5x5
digits train and test on the whole set (as the course does). Features standardized with the
train statistics (a constant column keeps scale 1). Labels mapped to 0..k-1.

Architecture: one hidden layer of tanh, the same inputs-H-k for every library (k = classes,
XOR 2-4-2, breast_cancer 30-16-2), except where a library cannot: scikit-learn's binary output
is ONE logistic unit (2-4-1, 30-16-1; same function class as a 2-way softmax), FANN has no
softmax (k sigmoid outputs, one-hot targets, FANN's tanh error function) and FANN's hidden tanh
is FANN_SIGMOID_SYMMETRIC, tanh(0.5 x). LM on digits (8x8) uses a narrower hidden layer, 64-8-10
(610 parameters instead of 1,210; --lm-hidden digits=16 for the same net) because its step costs
O(parameters^2 * samples * outputs): ~0.25 s per iteration at 64-8-10 here, ~4x that at 64-16-10.

Methods (each gets the same iteration cap, default 500, and runs once per seed; medians are
reported):
  fathom-lbfgs    cce + softmax, fathom.LBFGS() defaults (Moré-Thuente line search)
  fathom-rprop    cce + softmax, fathom.RPROP() defaults (iRPROP-)
  fathom-irprop+  cce + softmax, fathom.IRPROPPlus() defaults
  fathom-lm       mse + softmax, int labels (fathom one-hot encodes them), LevenbergMarquardt()
  sklearn-lbfgs   MLPClassifier(solver="lbfgs", activation="tanh", alpha=0 (no L2),
                  max_iter=cap, tol=1e-4 (its default; scipy's gtol), max_fun=15000 (default))
  fann-rprop      bench/peers/fann_rprop.c: FANN_TRAIN_RPROP, one fann_train_epoch per epoch

Measured per run:
  iterations   optimizer steps (fathom m.iterations; sklearn n_iter_; FANN epochs)
  evaluations  loss(+gradient) evaluations: fathom m.evaluations (line search included);
               sklearn: MLPClassifier does not expose scipy's nfev, so it is counted here by a
               subclass that wraps MLPClassifier._loss_grad_lbfgs (the function scipy calls);
               FANN: one per epoch (RPROP evaluates the gradient once per step)
  fit_s        time.perf_counter() around fit only (FANN: the fann_train_epoch calls only)
  train_acc / test_acc  accuracy of the final model
  target_iter  the number of iterations after which the training accuracy first reaches the
               target (1.0 for XOR and the 5x5 digits, else the median final train accuracy of
               sklearn-lbfgs capped at 0.99). fathom: from h.history['accuracy'] (entry i is the
               accuracy of the pre-step outputs of step i+1 = the weights after i steps; if only
               the final weights reach it, the steps run); FANN: accuracy after every epoch;
               sklearn: refits with max_iter in 1, 2, 4, 8, ... cap, target_iter = n_iter_ of
               the first refit that reaches it (so it is exact only up to the grid: the true
               count lies between the previous grid point and this one).
  target_s     fathom and FANN: fit_s * target_iter / iterations; sklearn: fit_s of that refit.
  A run that never reaches the target counts as infinite; the median is "-" when most runs
  never reach it (target_hits says how many did).

Output: one `RESULT bench=full_batch data=... method=... ...` line per (data, method), then a
markdown table, then fathom's `converged` messages (why each run stopped).
"""
import argparse
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--quick", action="store_true", help="50 iterations, 1 seed (smoke test)")
ap.add_argument("--iterations", type=int, default=None, help="iteration cap (default 500)")
ap.add_argument("--seeds", default=None, help="comma-separated seeds (default 1,2,3)")
ap.add_argument("--data", default="xor,digits5x5,iris,breast_cancer,wine,digits")
ap.add_argument("--methods",
                default="fathom-lbfgs,fathom-rprop,fathom-irprop+,fathom-lm,sklearn-lbfgs,fann-rprop")
ap.add_argument("--fann", default=None, help="the fann_rprop program (omitted: FANN skipped)")
ap.add_argument("--lm-hidden", default="",
                help="LM's hidden width per data set, e.g. digits=16 (default digits=8, else as the others)")
ap.add_argument("--threads", type=int, default=1,
                help="threads for fathom and OpenBLAS (default 1; FANN is single-threaded)")
args = ap.parse_args()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(args.threads)

import statistics  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn import datasets  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

import fathom  # noqa: E402

warnings.filterwarnings("ignore", category=ConvergenceWarning)
fathom.set_num_threads(args.threads)

CAP = args.iterations or (50 if args.quick else 500)
SEEDS = [int(s) for s in (args.seeds or ("1" if args.quick else "1,2,3")).split(",")]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# data set -> hidden width (one tanh layer); LM's where it differs
HIDDEN = {"xor": 4, "digits5x5": 10, "iris": 8, "breast_cancer": 16, "wine": 8, "digits": 16}
LM_HIDDEN = {"digits": 8}
for item in filter(None, args.lm_hidden.split(",")):
    key, _, width = item.partition("=")
    LM_HIDDEN[key] = int(width)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def load_csv_labelled(path):
    with open(path) as f:
        f.readline()  # header
        rows = [line.strip().split(",") for line in f if line.strip()]
    x = np.array([[float(v) for v in r[:-1]] for r in rows])
    labels = [r[-1] for r in rows]
    try:
        classes = sorted(set(labels), key=float)
    except ValueError:
        classes = sorted(set(labels))
    y = np.array([classes.index(s) for s in labels])
    return x, y


def load(name):
    """(x_train, y_train, x_test, y_test), standardized with the train statistics."""
    whole = False
    if name == "xor":
        x, y = load_csv_labelled(os.path.join(ROOT, "data", "xor.csv"))
        whole = True
    elif name == "digits5x5":
        x, y = load_csv_labelled(os.path.join(ROOT, "data", "digits_5x5.csv"))
        whole = True
    elif name == "iris":
        x, y = load_csv_labelled(os.path.join(ROOT, "data", "iris.csv"))
    elif name == "breast_cancer":
        x, y = datasets.load_breast_cancer(return_X_y=True)
    elif name == "wine":
        x, y = datasets.load_wine(return_X_y=True)
    elif name == "digits":
        x, y = datasets.load_digits(return_X_y=True)
    else:
        raise SystemExit("unknown data set " + name)
    if whole:
        xtr, ytr, xte, yte = x, y, x, y
    else:
        xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.3, stratify=y, random_state=0)
    mu, sd = xtr.mean(axis=0), xtr.std(axis=0)
    sd[sd == 0] = 1.0
    f = lambda a: ((a - mu) / sd).astype(np.float32)  # noqa: E731
    return f(xtr), ytr.astype(np.int64), f(xte), yte.astype(np.int64)


# ---------------------------------------------------------------- the methods

def first_reaching(acc_history, final_acc, steps, target):
    for i, a in enumerate(acc_history):
        if a >= target - 1e-12:
            return i
    return steps if final_acc >= target - 1e-12 else None


def run_fathom(opt_name, xtr, ytr, xte, yte, hidden, seed, target):
    k = int(ytr.max()) + 1
    m = fathom.Sequential(xtr.shape[1], seed=seed)
    m.add(fathom.Dense(hidden, "tanh"))
    m.add(fathom.Dense(k, "softmax"))
    opt = {"lbfgs": fathom.LBFGS, "rprop": fathom.RPROP, "irprop+": fathom.IRPROPPlus,
           "lm": fathom.LevenbergMarquardt}[opt_name]()
    m.compile(loss="mse" if opt_name == "lm" else "cce", optimizer=opt, metrics=["accuracy"])
    t0 = time.perf_counter()
    h = m.fit(xtr, ytr, epochs=CAP, verbose=0)
    fit_s = time.perf_counter() - t0
    train_acc = m.evaluate(xtr, ytr, return_dict=True)["accuracy"]
    test_acc = m.evaluate(xte, yte, return_dict=True)["accuracy"]
    steps = m.iterations
    ti = first_reaching(h.history["accuracy"], train_acc, steps, target)
    return dict(iterations=steps, evaluations=m.evaluations, fit_s=fit_s, target_iter=ti,
                target_s=None if ti is None else fit_s * ti / max(steps, 1),
                train_acc=train_acc, test_acc=test_acc, converged=m.converged,
                final_loss=h.history["loss"][-1] if h.history["loss"] else float("nan"))


class CountingMLP(MLPClassifier):
    """MLPClassifier counting the loss+gradient evaluations scipy's L-BFGS-B makes (scikit-learn
    keeps scipy's OptimizeResult, and so nfev, to itself)."""

    def _loss_grad_lbfgs(self, *a, **kw):
        self.nfev_ = getattr(self, "nfev_", 0) + 1
        return super()._loss_grad_lbfgs(*a, **kw)


def sk_fit(xtr, ytr, hidden, seed, max_iter):
    clf = CountingMLP(hidden_layer_sizes=(hidden,), activation="tanh", solver="lbfgs",
                      alpha=0.0, max_iter=max_iter, random_state=seed)
    clf.nfev_ = 0
    t0 = time.perf_counter()
    clf.fit(xtr, ytr)
    return clf, time.perf_counter() - t0


def run_sklearn(xtr, ytr, xte, yte, hidden, seed, target):
    clf, fit_s = sk_fit(xtr, ytr, hidden, seed, CAP)
    res = dict(iterations=clf.n_iter_, evaluations=clf.nfev_, fit_s=fit_s,
               train_acc=clf.score(xtr, ytr), test_acc=clf.score(xte, yte), target_iter=None,
               target_s=None, final_loss=clf.loss_)
    return res


def sklearn_target(xtr, ytr, hidden, seed, target, res):
    """Refit with max_iter 1, 2, 4, ... CAP; the first refit reaching the target."""
    if res["train_acc"] < target - 1e-12:
        return
    k = 1
    while True:
        clf, s = sk_fit(xtr, ytr, hidden, seed, min(k, CAP))
        if clf.score(xtr, ytr) >= target - 1e-12:
            res["target_iter"], res["target_s"] = clf.n_iter_, s
            return
        if k >= CAP:
            return
        k *= 2


def run_fann(xtr, ytr, xte, yte, hidden, seed, target, tmp):
    tr, te = os.path.join(tmp, "train.csv"), os.path.join(tmp, "test.csv")
    if not os.path.exists(tr):
        np.savetxt(tr, np.column_stack([xtr, ytr]), fmt="%.9g", delimiter=",")
        np.savetxt(te, np.column_stack([xte, yte]), fmt="%.9g", delimiter=",")
    out = subprocess.run([args.fann, tr, te, str(hidden), str(CAP), str(seed), repr(target)],
                         check=True, capture_output=True, text=True).stdout
    kv = dict(p.split("=", 1) for p in out.split())
    ti = int(kv["target_epoch"])
    epochs, fit_s = int(kv["epochs"]), float(kv["fit_s"])
    return dict(iterations=epochs, evaluations=epochs, fit_s=fit_s,
                target_iter=None if ti < 0 else ti,
                target_s=None if ti < 0 else fit_s * ti / max(epochs, 1),
                train_acc=float(kv["train_acc"]), test_acc=float(kv["test_acc"]),
                final_loss=float(kv["final_mse"]))


# ---------------------------------------------------------------- driver

def median(values):
    return statistics.median(values)


def median_target(values):
    """Median with None = never (infinite); None when the median itself is never."""
    inf = float("inf")
    m = statistics.median([inf if v is None else v for v in values])
    return None if m == inf else m


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


methods = args.methods.split(",")
if "fann-rprop" in methods and not args.fann:
    log("full_batch.py: note: no --fann program given; skipping fann-rprop")
    methods.remove("fann-rprop")

rows = []
notes = []
print("RESULT bench=full_batch kind=config cap=%d seeds=%s threads=%d sklearn=%s numpy=%s"
      % (CAP, ",".join(map(str, SEEDS)), args.threads, sklearn.__version__, np.__version__),
      flush=True)
for name in args.data.split(","):
    xtr, ytr, xte, yte = load(name)
    hidden = HIDDEN[name]
    k = int(ytr.max()) + 1
    log("== %s: train %d, test %d, %d features, %d classes, hidden %d"
        % (name, len(xtr), len(xte), xtr.shape[1], k, hidden))
    whole = name in ("xor", "digits5x5")
    # sklearn first: its final train accuracy sets the target of the other data sets
    per_method = {}
    if "sklearn-lbfgs" in methods:
        per_method["sklearn-lbfgs"] = [run_sklearn(xtr, ytr, xte, yte, hidden, s, None) for s in SEEDS]
    if whole:
        target = 1.0
    elif "sklearn-lbfgs" in per_method:
        target = min(0.99, median(r["train_acc"] for r in per_method["sklearn-lbfgs"]))
    else:
        target = 0.99
    if "sklearn-lbfgs" in per_method:
        for s, r in zip(SEEDS, per_method["sklearn-lbfgs"]):
            sklearn_target(xtr, ytr, hidden, s, target, r)
    with tempfile.TemporaryDirectory() as tmp:
        for meth in methods:
            if meth == "sklearn-lbfgs":
                continue
            runs = []
            for s in SEEDS:
                if meth.startswith("fathom-"):
                    opt = meth[len("fathom-"):]
                    h = LM_HIDDEN.get(name, hidden) if opt == "lm" else hidden
                    r = run_fathom(opt, xtr, ytr, xte, yte, h, s, target)
                    notes.append("%s %s seed=%d: %d iterations, %d evaluations, train %.4f, test %.4f, "
                                 "loss %.3g, converged: %s" % (name, meth, s, r["iterations"], r["evaluations"],
                                                               r["train_acc"], r["test_acc"], r["final_loss"],
                                                               repr(r["converged"]) if r["converged"] else "'' (ran every epoch)"))
                else:
                    r = run_fann(xtr, ytr, xte, yte, hidden, s, target, tmp)
                runs.append(r)
            per_method[meth] = runs
    for meth in methods:
        runs = per_method[meth]
        h = LM_HIDDEN.get(name, hidden) if meth == "fathom-lm" else hidden
        out_units = 1 if (meth == "sklearn-lbfgs" and k == 2) else k
        arch = "%d-%d-%d" % (xtr.shape[1], h, out_units)
        hits = sum(r["target_iter"] is not None for r in runs)
        row = dict(data=name, method=meth, arch=arch, seeds=len(runs),
                   iterations=median(r["iterations"] for r in runs),
                   evaluations=median(r["evaluations"] for r in runs),
                   fit_s=median(r["fit_s"] for r in runs),
                   target=target, target_hits=hits,
                   target_iter=median_target([r["target_iter"] for r in runs]),
                   target_s=median_target([r["target_s"] for r in runs]),
                   train_acc=median(r["train_acc"] for r in runs),
                   test_acc=median(r["test_acc"] for r in runs),
                   test_min=min(r["test_acc"] for r in runs), test_max=max(r["test_acc"] for r in runs))
        rows.append(row)
        print("RESULT bench=full_batch data=%s method=%s arch=%s seeds=%d iterations=%g evaluations=%g "
              "fit_s=%.6f target=%.4f target_hits=%d/%d target_iter=%s target_s=%s train_acc=%.4f "
              "test_acc=%.4f test_min=%.4f test_max=%.4f%s"
              % (name, meth, arch, row["seeds"], row["iterations"], row["evaluations"], row["fit_s"],
                 target, hits, len(runs), fmt(row["target_iter"], "g"), fmt(row["target_s"], ".6f"),
                 row["train_acc"], row["test_acc"], row["test_min"], row["test_max"],
                 " quick=1" if args.quick else ""), flush=True)

print()
print("Medians over seeds %s, cap %d iterations, %d thread(s). target_iter/target_s: iterations and "
      "seconds until the train accuracy first reaches the target (sklearn: max_iter grid 1,2,4,...; "
      "fathom/FANN: fit_s x target_iter/iterations); hits = seeds that reached it."
      % (",".join(map(str, SEEDS)), CAP, args.threads))
print()
print("| data | method | arch | iterations | evaluations | fit s | target | target iter (hits) | target s "
      "| train acc | test acc (min–max) |")
print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    print("| %s | %s | %s | %g | %g | %.4f | %.3f | %s (%d/%d) | %s | %.3f | %.3f (%.3f–%.3f) |"
          % (r["data"], r["method"], r["arch"], r["iterations"], r["evaluations"], r["fit_s"], r["target"],
             fmt(r["target_iter"], "g"), r["target_hits"], r["seeds"], fmt(r["target_s"], ".4f"),
             r["train_acc"], r["test_acc"], r["test_min"], r["test_max"]))
print()
print("fathom runs (why each stopped):")
for n in notes:
    print("- " + n)
