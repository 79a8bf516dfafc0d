#!/usr/bin/python3
"""PyTorch peer for bench/compare.sh: one workload per process, RESULT lines on stdout.

Run with Debian's interpreter: /usr/bin/python3 bench/peers/torch_bench.py --workload W --threads T
(the contract, workloads and keys are in bench/peers/README.md).

Threads. Debian's torch 1.13 does its matrix products in OpenBLAS (libblas.so.3 ->
openblas-pthread, BLAS_INFO=generic) and its element-wise ops with OpenMP (set_num_threads).
At --threads 2 the candidates (override with --torch-threads / --blas-threads), measured on
epoch128 --quick (6,000 images, median s/epoch of epochs 2-3, two interleaved rounds, machine
otherwise idle):
    torch 1 + OpenBLAS 2: 0.078 0.078   torch 1 + OpenBLAS 1: 0.087 0.090
    torch 2 + OpenBLAS 1: 0.097 1.89    torch 2 + OpenBLAS 2: 0.38  0.51
and in full (60,000 images): torch 1 + OpenBLAS 2: 1.04 s/epoch, torch 2 + OpenBLAS 2: 31.8 s
(min 3.1, max 59.9: OpenMP and OpenBLAS threads spin against each other on 2 cores; with a
compile running beside it set_num_threads(2) was 10-40x slower still). OpenBLAS 2 was also as
fast or faster than 1 for online_sgd (273 vs 286-295 us/sample) and inference (batch 131-142k
vs 102-108k samples/s, p50 the same). So threads=2 is torch.set_num_threads(1) with OpenBLAS
at 2 threads for every workload; threads=1 is 1 and 1.

Fairness: data preloaded as tensors (no DataLoader); per epoch a random permutation indexes
the preloaded tensor batch by batch; nn.Linear + F.relu, CrossEntropyLoss on logits (softmax
fused into the loss, as PyTorch users write it); Glorot-uniform weights and zero biases (the
README's "Glorot uniform where it can be chosen"); zero_grad(set_to_none=True); inference in
eval() + torch.inference_mode(). Only the training loop is timed.

xor/digits loss: the workload's (bench/peers/README.md) cost 0.5 * sum over outputs of (target - output)^2 per sample
(0.5 * F.mse_loss(reduction="sum")), so lr 0.5 means exactly the workload's (bench/peers/README.md) update; nn.MSELoss's
mean would only rescale the gradient. PyTorch costs 90-170 us per update here, so xor runs
5,000 epochs by default (bench/peers/README.md: 100,000), ~2-3 s; digits runs the workload's (bench/peers/README.md) 1,000. epochs= and
updates= say what ran (--epochs overrides).
"""
import sys
import os

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion_mnist as fm  # standard library only at import time


def _extra(p):
    p.add_argument("--torch-threads", type=int, default=None, help="override torch.set_num_threads")
    p.add_argument("--blas-threads", type=int, default=None, help="override OpenBLAS threads")


args = fm.parse_args("PyTorch peer benchmark", _extra)
TORCH_THREADS = args.torch_threads if args.torch_threads is not None else 1
BLAS_THREADS = args.blas_threads if args.blas_threads is not None else args.threads
fm.set_threads_env(BLAS_THREADS, TORCH_THREADS)

import time  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(TORCH_THREADS)
torch.set_num_interop_threads(1)
torch.manual_seed(1)
CONFIG = "torch%s_torch_threads%d_openblas%d" % (".".join(torch.__version__.split(".")[:2]),
                                                  TORCH_THREADS, BLAS_THREADS)


def emit(extra_config="", **keys):
    if args.quick:
        keys["quick"] = 1
    fm.result("pytorch", args.workload, args.threads, CONFIG + extra_config, **keys)


def mlp(sizes, act=F.relu, out_act=None):
    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList(nn.Linear(i, o) for i, o in zip(sizes[:-1], sizes[1:]))
            for layer in self.layers:
                nn.init.xavier_uniform_(layer.weight)
                nn.init.zeros_(layer.bias)

        def forward(self, x):
            for layer in self.layers[:-1]:
                x = act(layer(x))
            x = self.layers[-1](x)
            return out_act(x) if out_act else x

    return MLP()


def fashion(n_train=None):
    x, y = fm.load_fashion("train")
    if n_train:
        x, y = x[:n_train], y[:n_train]
    xt, yt = fm.load_fashion("t10k")
    return torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(xt), torch.from_numpy(yt)


def train_epochs(model, x, y, batch, epochs):
    """Adam lr 1e-3 on shuffled mini-batches; returns each epoch's seconds."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    n = x.shape[0]
    times = []
    for e in range(epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
        fm.log("epoch %d: %.3f s, last loss %.4f" % (e + 1, times[-1], loss.item()))
    return times


def accuracy(model, x, y):
    model.eval()
    with torch.inference_mode():
        return (model(x).argmax(1) == y).float().mean().item()


def epoch_workload(batch, epochs):
    x, y, xt, yt = fashion(6000 if args.quick else None)
    model = mlp([784, 256, 128, 10])
    times = train_epochs(model, x, y, batch, epochs)
    med, lo, hi = fm.epoch_stats(times)
    emit(batch=batch, epochs=epochs, seconds_per_epoch=med, min_s=lo, max_s=hi,
         test_accuracy=accuracy(model, xt, yt), peak_rss_mb=fm.peak_rss_mb())


def online_sgd():
    x, y, _, _ = fashion()
    warm, n = (100, 500) if args.quick else (500, 5000)
    xs = [x[i:i + 1] for i in range(warm + n)]
    ys = [y[i:i + 1] for i in range(warm + n)]
    model = mlp([784, 256, 128, 10])
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    model.train()

    def step(i):
        opt.zero_grad(set_to_none=True)
        loss_fn(model(xs[i]), ys[i]).backward()
        opt.step()

    for i in range(warm):
        step(i)
    t0 = time.perf_counter()
    for i in range(warm, warm + n):
        step(i)
    dt = time.perf_counter() - t0
    emit(samples=n, samples_per_s=n / dt, us_per_sample=dt / n * 1e6)


def inference():
    _, _, xt, _ = fashion()
    model = mlp([784, 256, 128, 10])
    model.eval()
    calls = 1000 if args.quick else 10000
    xs = [xt[i:i + 1] for i in range(calls)]
    lat = []
    with torch.inference_mode():
        for i in range(100):  # warm-up
            model(xs[i])
        for x in xs:
            t0 = time.perf_counter_ns()
            model(x)
            lat.append(time.perf_counter_ns() - t0)
        best = min(_timed(lambda: model(xt)) for _ in range(3))
    lat.sort()
    emit(calls=calls, p50_us=fm.percentile(lat, 0.5) / 1e3, p99_us=fm.percentile(lat, 0.99) / 1e3,
         samples_per_s=xt.shape[0] / best)


def _timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def online_mse(sizes, x, y, default_epochs, quick_epochs):
    """Sigmoid hidden and output, 0.5*sum squared error, SGD lr 0.5, one step per sample."""
    epochs = args.epochs or (quick_epochs if args.quick else default_epochs)
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    xs = [x[i:i + 1] for i in range(len(x))]
    ys = [y[i:i + 1] for i in range(len(y))]
    model = mlp(sizes, act=torch.sigmoid, out_act=torch.sigmoid)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    model.train()
    t0 = time.perf_counter()
    for _ in range(epochs):
        for xi, yi in zip(xs, ys):
            opt.zero_grad(set_to_none=True)
            (0.5 * F.mse_loss(model(xi), yi, reduction="sum")).backward()
            opt.step()
    dt = time.perf_counter() - t0
    updates = epochs * len(xs)
    model.eval()
    with torch.inference_mode():
        final = fm.mse(model(x).numpy(), y.numpy())
    emit("_sigmoid_out_halfsum_sq_err", epochs=epochs, updates=updates, us_per_update=dt / updates * 1e6, final_mse=final)


def wide():
    n = 2560 if args.quick else 15360
    x, y, _, _ = fashion(n)
    layers = [784, 1024, 1024, 10]
    model = mlp(layers)
    times = train_epochs(model, x, y, 256, 4)
    med, lo, hi = fm.epoch_stats(times)
    gflops = fm.train_flops_per_sample(layers) * n / med / 1e9
    emit(batch=256, samples=n, seconds_per_epoch=med, min_s=lo, max_s=hi, gflops=gflops)


if args.workload == "epoch128":
    epoch_workload(128, 10 if not args.quick else 3)
elif args.workload == "epoch32":
    epoch_workload(32, 3)
elif args.workload == "online_sgd":
    online_sgd()
elif args.workload == "inference":
    inference()
elif args.workload == "xor":
    online_mse([2, 2, 1], *fm.xor_data(), default_epochs=5000, quick_epochs=500)
elif args.workload == "digits":
    x, y, _ = fm.digits_data()
    online_mse([25, 20, 20, 20, 5], x, y, default_epochs=1000, quick_epochs=100)
elif args.workload == "wide":
    wide()
