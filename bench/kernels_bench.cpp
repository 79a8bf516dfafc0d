// Micro-benchmarks of fathom's kernels (Google Benchmark): the GEMM wrapper, Dense forward and
// backward through the Layer API, the activation table, and one optimizer step over a full arena.
#include <benchmark/benchmark.h>

#include <fathom/fathom.hpp>
#include <memory>
#include <string>
#include <vector>

namespace {

using fathom::Index;
using fathom::Matrix;
using fathom::Scalar;
using fathom::Trans;

// Thread argument 0 means "leave BLAS at its default"; the default is captured before any
// benchmark runs, because a previous case may have lowered it.
const int kDefaultThreads = fathom::num_threads();

// Sets the BLAS thread count for the life of one benchmark case, then puts the default back so
// the order in which cases run never changes their results.
class ThreadScope {
 public:
  explicit ThreadScope(benchmark::State& state, int arg) : threads_(arg == 0 ? kDefaultThreads : arg) {
    fathom::set_num_threads(threads_);
    state.counters["threads"] = threads_;
  }
  ~ThreadScope() { fathom::set_num_threads(kDefaultThreads); }
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  int threads_;
};

// Deterministic values in [-1, 1): the exact data never matters for speed, but denormals and
// NaN would, so keep them out.
Matrix random_matrix(Index rows, Index cols, std::uint64_t seed) {
  fathom::Rng rng(seed);
  Matrix m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<Scalar>(rng.uniform(-1, 1));
  return m;
}

void set_flops(benchmark::State& state, double flops_per_iteration) {
  state.counters["FLOPS"] =
      benchmark::Counter(flops_per_iteration, benchmark::Counter::kIsIterationInvariantRate);
}

// ---------------------------------------------------------------------------------------------
// GEMM: C (m×n) = op(A) · op(B). Args: m, n, k, trans_a, trans_b, threads.
void BM_gemm(benchmark::State& state) {
  const Index m = state.range(0), n = state.range(1), k = state.range(2);
  const Trans ta = state.range(3) != 0 ? Trans::Yes : Trans::No;
  const Trans tb = state.range(4) != 0 ? Trans::Yes : Trans::No;
  ThreadScope threads(state, static_cast<int>(state.range(5)));
  // Stored shapes: op(A) is m×k, so A is k×m when transposed; likewise B.
  const Matrix A = ta == Trans::Yes ? random_matrix(k, m, 1) : random_matrix(m, k, 1);
  const Matrix B = tb == Trans::Yes ? random_matrix(n, k, 2) : random_matrix(k, n, 2);
  Matrix C = Matrix::Zero(m, n);
  for (auto _ : state) {
    fathom::gemm(ta, tb, 1, fathom::view(A), fathom::view(B), 0, fathom::view(C));
    benchmark::DoNotOptimize(C.data());
    benchmark::ClobberMemory();
  }
  set_flops(state, 2.0 * double(m) * double(n) * double(k));
}

// The products of Dense 784→256 at batch 128 (W is 256×784, X is 784×128, δ is 256×128):
//   forward V = W·X (NN), BP4 dW = δ·Xᵀ (NT), BP2 dX = Wᵀ·δ (TN); plus batch 1 (sgemv) and a
//   larger square-ish product where BLAS should get close to peak.
void gemm_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"m", "n", "k", "tA", "tB", "thr"});
  for (int threads : {0, 1}) {
    b->Args({256, 128, 784, 0, 0, threads});    // dense forward, batch 128
    b->Args({256, 784, 128, 0, 1, threads});    // dense dW, batch 128
    b->Args({784, 128, 256, 1, 0, threads});    // dense dX, batch 128
    b->Args({256, 1, 784, 0, 0, threads});      // dense forward, batch 1 (sgemv)
    b->Args({1024, 1024, 256, 0, 0, threads});  // large, near-peak
  }
}
BENCHMARK(BM_gemm)->Apply(gemm_args)->Unit(benchmark::kMicrosecond)->UseRealTime();

// ---------------------------------------------------------------------------------------------
// Dense 784→256 relu through the Layer API. Args: batch, threads.
struct DenseFixture {
  fathom::Parameters params;
  fathom::Dense dense{256, fathom::Activation("relu")};
  fathom::Rng rng{7};
  Matrix X, dY, dX;

  explicit DenseFixture(Index batch) {
    dense.build(784, params);
    params.finalize();
    dense.initialize(params, rng);
    dense.reserve(batch);
    X = random_matrix(784, batch, 3).cwiseAbs();  // pixel-like inputs, half the ReLUs fire
    dY = random_matrix(256, batch, 4);
    dX.resize(784, batch);
  }
};

void BM_dense_forward(benchmark::State& state) {
  const Index batch = state.range(0);
  ThreadScope threads(state, static_cast<int>(state.range(1)));
  DenseFixture f(batch);
  for (auto _ : state) {
    auto Y = f.dense.forward(fathom::cview(f.X), f.params, true, f.rng);
    benchmark::DoNotOptimize(Y.data());
  }
  set_flops(state, 2.0 * 784 * 256 * double(batch));
  state.SetItemsProcessed(state.iterations() * batch);
}

// Backward of a hidden layer: δ = dY ⊙ φ'(V), dW += δ·Xᵀ, db += Σδ, dX = Wᵀ·δ. Gradients keep
// accumulating across iterations; that costs the same as zeroing them first would not.
void BM_dense_backward(benchmark::State& state) {
  const Index batch = state.range(0);
  ThreadScope threads(state, static_cast<int>(state.range(1)));
  DenseFixture f(batch);
  f.dense.forward(fathom::cview(f.X), f.params, true, f.rng);
  fathom::MatrixView dX = fathom::view(f.dX);
  for (auto _ : state) {
    f.dense.backward(fathom::cview(f.X), fathom::cview(f.dY), false, f.params, &dX);
    benchmark::DoNotOptimize(f.dX.data());
    benchmark::ClobberMemory();
  }
  set_flops(state, 2.0 * 2.0 * 784 * 256 * double(batch));
  state.SetItemsProcessed(state.iterations() * batch);
}

void dense_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"batch", "thr"});
  for (int threads : {0, 1}) {
    b->Args({128, threads});
    b->Args({1, threads});
  }
}
BENCHMARK(BM_dense_forward)->Apply(dense_args)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_dense_backward)->Apply(dense_args)->Unit(benchmark::kMicrosecond)->UseRealTime();

// ---------------------------------------------------------------------------------------------
// Activations on a 256×128 batch (single-threaded: fathom runs element-wise loops itself).
const char* const kActivations[] = {"relu", "sigmoid", "tanh", "gelu", "softmax"};

void BM_activation_forward(benchmark::State& state) {
  const fathom::Activation phi(kActivations[state.range(0)]);
  state.SetLabel(phi.name());
  const Matrix V = random_matrix(256, 128, 5) * 4;
  Matrix Y(256, 128);
  for (auto _ : state) {
    phi.forward(fathom::view(V), fathom::view(Y));
    benchmark::DoNotOptimize(Y.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * V.size());
  state.SetBytesProcessed(state.iterations() * V.size() * Index(sizeof(Scalar)) * 2);  // read V, write Y
}

void BM_activation_backward(benchmark::State& state) {
  const fathom::Activation phi(kActivations[state.range(0)]);
  state.SetLabel(phi.name());
  const Matrix V = random_matrix(256, 128, 5) * 4;
  Matrix Y(256, 128);
  phi.forward(fathom::view(V), fathom::view(Y));
  const Matrix dY = random_matrix(256, 128, 6);
  Matrix dV(256, 128);
  for (auto _ : state) {
    phi.backward(fathom::view(V), fathom::cview(Y), fathom::view(dY), fathom::view(dV));
    benchmark::DoNotOptimize(dV.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * V.size());
  // Counted as read V or Y, read dY, write dV: the minimum any φ' needs.
  state.SetBytesProcessed(state.iterations() * V.size() * Index(sizeof(Scalar)) * 3);
}

BENCHMARK(BM_activation_forward)->DenseRange(0, 4)->ArgName("phi")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_activation_backward)->DenseRange(0, 4)->ArgName("phi")->Unit(benchmark::kMicrosecond);

// ---------------------------------------------------------------------------------------------
// One optimizer step over the 784-256-128-10 arena (235,146 parameters), as Optimizer::step()
// and as Sequential::step() (which also scans every gradient for NaN/Inf first). No "params"
// counter: Google Benchmark's CSV output requires every run to carry the same counters.

void declare_mnist_net(fathom::Parameters& p) {
  const Index widths[] = {784, 256, 128, 10};
  for (int l = 0; l < 3; ++l) {
    p.add("dense_" + std::to_string(l + 1) + "/W", widths[l + 1], widths[l]);
    p.add("dense_" + std::to_string(l + 1) + "/b", widths[l + 1], 1);
  }
  p.finalize();
}

void fill_arena(fathom::Parameters& p) {
  fathom::Rng rng(8);
  for (Scalar& w : p.values()) w = static_cast<Scalar>(rng.uniform(-0.05, 0.05));
  for (Scalar& g : p.grads()) g = static_cast<Scalar>(rng.uniform(-1e-3, 1e-3));
}

// Bytes each rule must move per parameter, in float32s: plain SGD reads w, g and writes w (3);
// with momentum it also reads and writes Δw (5); Adam reads w, g, m, v and writes w, m, v (7).
template <class Opt>
void BM_optimizer_step(benchmark::State& state, Opt optimizer, int floats_per_param) {
  fathom::Parameters params;
  declare_mnist_net(params);
  fill_arena(params);
  optimizer.bind(params);
  for (auto _ : state) {
    optimizer.step();
    benchmark::DoNotOptimize(params.values().data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * Index(params.size()) * floats_per_param *
                          Index(sizeof(Scalar)));
}
BENCHMARK_CAPTURE(BM_optimizer_step, sgd, fathom::SGD({.learning_rate = 0.01f}), 3)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_optimizer_step, sgd_momentum, fathom::SGD({.learning_rate = 0.01f, .momentum = 0.9f}), 5)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_optimizer_step, adam, fathom::Adam({.learning_rate = 1e-3f}), 7)
    ->Unit(benchmark::kMicrosecond);

// The same rules reached the way a user's own loop reaches them: Sequential::step().
void BM_sequential_step(benchmark::State& state, const char* optimizer, int floats_per_param) {
  fathom::Sequential model(784, 1);
  model.add(fathom::Dense(256, "relu"));
  model.add(fathom::Dense(128, "relu"));
  model.add(fathom::Dense(10, "softmax"));
  model.compile({.loss = "cce", .optimizer = optimizer});
  fill_arena(model.parameters());
  for (auto _ : state) {
    model.step();
    benchmark::DoNotOptimize(model.parameters().values().data());
    benchmark::ClobberMemory();
  }
  const auto size = Index(model.parameters().size());
  state.SetBytesProcessed(state.iterations() * size * floats_per_param * Index(sizeof(Scalar)));
}
BENCHMARK_CAPTURE(BM_sequential_step, sgd, "sgd", 3)->Unit(benchmark::kMicrosecond);  // no momentum: w, g, w
BENCHMARK_CAPTURE(BM_sequential_step, adam, "adam", 7)->Unit(benchmark::kMicrosecond);

// zero_grad over the same arena: a pure store stream, the floor for any per-step arena pass.
void BM_zero_grad(benchmark::State& state) {
  fathom::Parameters params;
  declare_mnist_net(params);
  for (auto _ : state) {
    params.zero_grad();
    benchmark::DoNotOptimize(params.grads().data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * Index(params.size()) * Index(sizeof(Scalar)));
}
BENCHMARK(BM_zero_grad)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
