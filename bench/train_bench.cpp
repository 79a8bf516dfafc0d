// End-to-end benchmark: sgemm peak, MNIST-shaped training (mini-batch Adam and online SGD),
// single-sample latency and batched inference; one machine-readable "RESULT k=v ..." line each.
// Usage: train_bench [--quick] [--threads N]      (progress goes to stderr, results to stdout)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fathom/fathom.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench_timing.hpp"
#include "synthetic_mnist.hpp"

// ---------------------------------------------------------------------------------------------
// Allocation counter. The hot path allocates nothing (docs/design.md); to check that from the
// outside we interpose malloc (Eigen allocates with malloc, not operator new, so counting
// operator new would miss most of them) and forward to glibc's own entry points.
extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t n, std::size_t size);
void* __libc_realloc(void* p, std::size_t size);
void __libc_free(void* p);
}
namespace {
std::atomic<long long> g_allocations{0};
}
extern "C" {
void* malloc(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(size);
}
void* calloc(std::size_t n, std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, size);
}
void free(void* p) { __libc_free(p); }
}

namespace {

using fathom::Index;
using fathom::Matrix;
using fathom::Scalar;
using namespace fathom_bench;

template <class... Args>
void progress(const char* fmt, Args... args) {
  std::fprintf(stderr, "# ");
  std::fprintf(stderr, fmt, args...);
  std::fprintf(stderr, "\n");
}

struct Config {
  bool quick = false;
  std::vector<int> threads;
  Index train_samples = 60000;
  int timed_epochs = 5;
  Index online_samples = 5000;
  int latency_calls = 10000;
  Index predict_samples = 10000;
  Index peak_size = 2048;
};

Config parse_args(int argc, char** argv) {
  Config c;
  int only = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") {
      c.quick = true;
    } else if (a == "--threads" && i + 1 < argc) {
      only = std::atoi(argv[++i]);
      if (only < 1) throw std::invalid_argument("--threads needs a positive number");
    } else {
      throw std::invalid_argument("unknown argument '" + a + "' (use --quick, --threads N)");
    }
  }
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  if (only > 0) {
    c.threads = {only};
  } else {
    c.threads = {1};
    if (cores > 1) c.threads.push_back(cores);
  }
  if (c.quick) {
    c.train_samples = 12800;
    c.timed_epochs = 1;
    c.online_samples = 500;
    c.latency_calls = 1000;
    c.predict_samples = 2000;
    c.peak_size = 1024;
  }
  return c;
}

// The CPU model with spaces turned into '_', so it stays one RESULT value.
std::string cpu_model() {
  std::string model = "unknown";
  if (std::FILE* f = std::fopen("/proc/cpuinfo", "r")) {
    char line[512];
    while (std::fgets(line, sizeof line, f) != nullptr) {
      if (std::strncmp(line, "model name", 10) != 0) continue;
      const char* colon = std::strchr(line, ':');
      if (colon == nullptr) break;
      model.assign(colon + 1);
      while (!model.empty() && (model.back() == '\n' || model.back() == ' ')) model.pop_back();
      while (!model.empty() && model.front() == ' ') model.erase(model.begin());
      for (char& c : model) c = c == ' ' ? '_' : c;
      break;
    }
    std::fclose(f);
  }
  return model;
}

// ---------------------------------------------------------------------------------------------
// FLOP counts of the 784-256-128-10 net, counting a multiply-add as 2 and only the GEMMs
// (bias adds, activations, loss and the optimizer are O(params) or O(units), under 1%):
//   forward per sample   F = 2·Σ_l in_l·out_l                      = 2·235,008 = 470,016
//   backward per sample  BP4 dW for every layer (2·Σ in·out) plus BP2 dX for every layer but
//                        the first (fathom skips the input gradient): 2·Σ − 2·784·256
//   training per sample  F + B = 6·Σ − 2·784·256 = 1,008,640
constexpr double kSumInOut = 784.0 * 256 + 256.0 * 128 + 128.0 * 10;
constexpr double kForwardFlops = 2 * kSumInOut;
constexpr double kTrainFlops = 6 * kSumInOut - 2 * 784.0 * 256;

fathom::Sequential make_net(std::uint64_t seed) {
  fathom::Sequential model(784, seed);
  model.add(fathom::Dense(256, "relu"));
  model.add(fathom::Dense(128, "relu"));
  model.add(fathom::Dense(10, "softmax"));
  return model;
}

double logged(const fathom::Logs& logs, const char* key) {
  const auto it = logs.find(key);
  return it == logs.end() ? -1.0 : it->second;
}

// ---------------------------------------------------------------------------------------------
// a. sgemm peak: C = A·B on square matrices, best of a few calls after a warm-up.
double measure_peak(Index size, int threads) {
  fathom::set_num_threads(threads);
  fathom::Rng rng(11);
  Matrix A(size, size), B(size, size), C(size, size);
  for (Index i = 0; i < A.size(); ++i) A.data()[i] = static_cast<Scalar>(rng.uniform(-1, 1));
  for (Index i = 0; i < B.size(); ++i) B.data()[i] = static_cast<Scalar>(rng.uniform(-1, 1));
  double best = 1e300;
  for (int r = 0; r < 4; ++r) {
    const auto t0 = Clock::now();
    fathom::gemm(fathom::Trans::No, fathom::Trans::No, 1, fathom::cview(A), fathom::cview(B), 0,
                 fathom::view(C));
    if (r > 0) best = std::min(best, seconds_since(t0));
  }
  const double gflops = 2.0 * double(size) * double(size) * double(size) / best / 1e9;
  result("bench=sgemm_peak m=%ld n=%ld k=%ld threads=%d gflops=%.1f", long(size), long(size), long(size),
         threads, gflops);
  return gflops;
}

// b. Mini-batch training, 784-256-128-10, Adam 1e-3, batch 128, one warm-up epoch then the
// median of the timed epochs. One fit() call runs them all (a per-call fit overhead, the data
// check, is reported separately as fit_overhead_s).
fathom::Sequential measure_train_epoch(const Config& cfg, const Dataset& data, const Dataset& test,
                                       int threads, double peak) {
  fathom::set_num_threads(threads);
  fathom::Sequential model = make_net(42);
  model.compile(
      {.loss = "cce", .optimizer = fathom::Adam({.learning_rate = 1e-3f}), .metrics = {"accuracy"}});
  EpochTimer timer;
  const int epochs = 1 + cfg.timed_epochs;
  const auto t0 = Clock::now();
  model.fit(data.x, data.y, {.epochs = epochs, .batch_size = 128, .callbacks = {&timer}});
  const double total = seconds_since(t0);
  double in_epochs = 0;
  for (double s : timer.seconds) in_epochs += s;
  const std::vector<double> timed(timer.seconds.begin() + 1, timer.seconds.end());
  const double spe = median(timed);
  const double n = double(data.x.cols());
  const double gflops = kTrainFlops * n / spe / 1e9;
  result(
      "bench=train_epoch net=784-256-128-10 optimizer=adam batch=128 threads=%d samples=%ld epochs_timed=%d "
      "seconds_per_epoch=%.3f min_s=%.3f max_s=%.3f samples_per_s=%.0f gflops=%.1f pct_of_peak=%.1f "
      "fit_overhead_s=%.3f",
      threads, long(data.x.cols()), int(timed.size()), spe, *std::min_element(timed.begin(), timed.end()),
      *std::max_element(timed.begin(), timed.end()), n / spe, gflops, 100 * gflops / peak, total - in_epochs);
  const fathom::Logs held_out = model.evaluate(test.x, test.y);
  result(
      "bench=train_accuracy threads=%d epochs=%d loss=%.4f accuracy=%.4f test_loss=%.4f test_accuracy=%.4f",
      threads, epochs, logged(timer.last, "loss"), logged(timer.last, "accuracy"), logged(held_out, "loss"),
      logged(held_out, "accuracy"));
  return model;
}

// b'. The same epoch as a loop of one's own over train_step (no shuffle, no gather, no
// metrics): the gap to train_epoch is what fit() itself costs.
void measure_train_step_loop(const Dataset& data, int threads, double peak) {
  fathom::set_num_threads(threads);
  fathom::Sequential model = make_net(42);
  model.compile({.loss = "cce", .optimizer = fathom::Adam({.learning_rate = 1e-3f})});
  model.reserve(128);
  const Index n = data.x.cols();
  auto epoch = [&] {
    for (Index start = 0; start + 128 <= n; start += 128) {
      model.train_step(fathom::ConstMatrixView(data.x.data() + start * 784, 784, 128),
                       fathom::ConstMatrixView(data.y.data() + start * 10, 10, 128));
    }
  };
  epoch();  // warm-up
  const auto t0 = Clock::now();
  epoch();
  const double s = seconds_since(t0);
  const double samples = double(n / 128 * 128);
  const double gflops = kTrainFlops * samples / s / 1e9;
  result(
      "bench=train_step_loop batch=128 threads=%d samples=%.0f seconds_per_epoch=%.3f samples_per_s=%.0f "
      "gflops=%.1f pct_of_peak=%.1f",
      threads, samples, s, samples / s, gflops, 100 * gflops / peak);
}

// c. Online SGD: batch 1, SGD lr 0.01, over the first online_samples samples.
void measure_online_sgd(const Config& cfg, const Dataset& data, int threads, double peak) {
  fathom::set_num_threads(threads);
  const Index n = cfg.online_samples;
  const Matrix x = data.x.leftCols(n), y = data.y.leftCols(n);
  fathom::Sequential model = make_net(42);
  model.compile({.loss = "cce", .optimizer = fathom::SGD({.learning_rate = 0.01f})});
  EpochTimer timer;
  model.fit(x, y, {.epochs = 2, .batch_size = 1, .callbacks = {&timer}});  // epoch 0 warms up
  const double s = timer.seconds.back();
  const double gflops = kTrainFlops * double(n) / s / 1e9;
  result(
      "bench=online_sgd batch=1 threads=%d samples=%ld samples_per_s=%.0f us_per_sample=%.1f gflops=%.2f "
      "pct_of_peak=%.1f loss=%.4f",
      threads, long(n), double(n) / s, 1e6 * s / double(n), gflops, 100 * gflops / peak,
      logged(timer.last, "loss"));
}

// d. Inference: single-sample latency through Sequential::forward, and batched predict().
void measure_inference(const Config& cfg, fathom::Sequential& model, const Dataset& data, int threads,
                       double peak) {
  fathom::set_num_threads(threads);
  const Index n = data.x.cols();
  auto column = [&](Index j) { return fathom::ConstMatrixView(data.x.data() + (j % n) * 784, 784, 1); };
  for (int i = 0; i < 200; ++i) model.forward(column(i));  // warm-up, and sizes the buffers
  std::vector<double> us(static_cast<std::size_t>(cfg.latency_calls));
  float sink = 0;
  for (int i = 0; i < cfg.latency_calls; ++i) {
    const auto t0 = Clock::now();
    sink += model.forward(column(i))(0, 0);
    us[static_cast<std::size_t>(i)] = 1e6 * seconds_since(t0);
  }
  const double p50 = percentile(us, 50);
  const double gflops_1 = kForwardFlops / (p50 * 1e-6) / 1e9;
  result(
      "bench=inference_latency batch=1 threads=%d calls=%d p50_us=%.1f p99_us=%.1f mean_us=%.1f gflops=%.2f "
      "pct_of_peak=%.1f",
      threads, cfg.latency_calls, p50, percentile(us, 99), mean(us), gflops_1, 100 * gflops_1 / peak);
  (void)sink;

  const Matrix xs = data.x.leftCols(cfg.predict_samples);
  model.predict(xs, 256);  // warm-up
  std::vector<double> runs;
  for (int r = 0; r < 3; ++r) {
    const auto t0 = Clock::now();
    const Matrix out = model.predict(xs, 256);
    runs.push_back(seconds_since(t0));
    sink += out(0, 0);
  }
  const double s = median(runs);
  const double ns = double(cfg.predict_samples);
  const double gflops = kForwardFlops * ns / s / 1e9;
  result(
      "bench=inference_batch batch=256 threads=%d samples=%ld samples_per_s=%.0f gflops=%.1f "
      "pct_of_peak=%.1f",
      threads, long(cfg.predict_samples), ns / s, gflops, 100 * gflops / peak);
}

// Allocations the hot paths make once warmed up (none expected, docs/design.md). OpenBLAS
// itself may allocate when it splits a product over threads, hence the per-thread-count line.
void measure_allocations(const Dataset& data, int threads) {
  fathom::set_num_threads(threads);
  fathom::Sequential model = make_net(42);
  model.compile(
      {.loss = "cce", .optimizer = fathom::Adam({.learning_rate = 1e-3f}), .metrics = {"accuracy"}});
  model.reserve(128);
  const fathom::ConstMatrixView bx(data.x.data(), 784, 128), by(data.y.data(), 10, 128);
  model.train_step(bx, by);
  auto count = [](auto&& f, int reps) {
    const long long before = g_allocations.load();
    for (int i = 0; i < reps; ++i) f();
    return double(g_allocations.load() - before) / reps;
  };
  const double per_step = count([&] { model.train_step(bx, by); }, 20);
  const double per_forward1 =
      count([&] { model.forward(fathom::ConstMatrixView(data.x.data(), 784, 1)); }, 100);
  const Matrix small_x = data.x.leftCols(1280), small_y = data.y.leftCols(1280);
  model.fit(small_x, small_y, {.epochs = 1, .batch_size = 128});
  const double per_fit = count([&] { model.fit(small_x, small_y, {.epochs = 1, .batch_size = 128}); }, 3);
  result(
      "bench=allocations threads=%d per_train_step_b128=%.1f per_forward_b1=%.1f "
      "per_fit_call_10_batches=%.1f",
      threads, per_step, per_forward1, per_fit);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Config cfg = parse_args(argc, argv);
    const int default_threads = fathom::num_threads();
    const auto t_start = Clock::now();
    const double load_start = load_average();
    progress("generating %ld synthetic MNIST-shaped samples", long(cfg.train_samples));
    const Dataset data = make_dataset(cfg.train_samples, 2024);
    const Dataset test = make_dataset(cfg.train_samples / 6, 2025);

    std::vector<double> peaks;
    for (int t : cfg.threads) peaks.push_back(measure_peak(cfg.peak_size, t));

    for (std::size_t i = 0; i < cfg.threads.size(); ++i) {
      const int t = cfg.threads[i];
      progress("training at %d thread(s)", t);
      fathom::Sequential trained = measure_train_epoch(cfg, data, test, t, peaks[i]);
      measure_train_step_loop(data, t, peaks[i]);
      progress("online SGD at %d thread(s)", t);
      measure_online_sgd(cfg, data, t, peaks[i]);
      progress("inference at %d thread(s)", t);
      measure_inference(cfg, trained, data, t, peaks[i]);
    }
    for (int t : cfg.threads) measure_allocations(data, t);
    result(
        "bench=machine cores=%u cpu=%s blas_default_threads=%d load1_start=%.2f load1_end=%.2f quick=%d "
        "wall_s=%.1f",
        std::thread::hardware_concurrency(), cpu_model().c_str(), default_threads, load_start, load_average(),
        int(cfg.quick), seconds_since(t_start));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "train_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
