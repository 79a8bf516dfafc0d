// fathom's side of the peer benchmark (bench/peers/README.md): one workload per process, on
// Fashion-MNIST and the bundled tiny data sets, printing
//   RESULT lib=fathom workload=<id> threads=<n> key=value ... config=<how>
// Usage: workloads --workload W [--threads T] [--quick] [--epochs N]
//   W: sgemm_peak epoch128 epoch32 online_sgd inference xor digits wide
//   --epochs overrides the workload's epoch count (for profiling; the table uses the defaults)
#include <cblas.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fathom/fathom.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_timing.hpp"

namespace {

using fathom::ConstMatrixView;
using fathom::Index;
using fathom::Matrix;
using fathom::Scalar;
using namespace fathom_bench;

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_maxrss) / 1024.0;  // Linux: kilobytes
}

struct Args {
  std::string workload;
  int threads = 1;
  bool quick = false;
  int epochs = 0;  // xor/digits: 0 = the workload's default
};

std::string g_prefix;  // "lib=fathom workload=W threads=T"

template <class... A>
void result(const char* fmt, A... args) {
  std::printf("RESULT %s ", g_prefix.c_str());
  std::printf(fmt, args...);
  std::printf("\n");
  std::fflush(stdout);
}

const char* kData = "/usr/share/datasets/fashion-mnist/";

fathom::Dataset fashion(bool train) {
  const std::string d = kData;
  return train ? fathom::read_idx(d + "train-images-idx3-ubyte.gz", d + "train-labels-idx1-ubyte.gz")
               : fathom::read_idx(d + "t10k-images-idx3-ubyte.gz", d + "t10k-labels-idx1-ubyte.gz");
}

// Training FLOPs per sample (multiply-add = 2, no input gradient), and forward FLOPs.
double train_flops(const std::vector<Index>& widths) {
  double sum = 0;
  for (std::size_t i = 0; i + 1 < widths.size(); ++i) sum += double(widths[i]) * double(widths[i + 1]);
  return 6 * sum - 2 * double(widths[0]) * double(widths[1]);
}

fathom::Sequential mlp(const std::vector<Index>& widths, const char* hidden, const char* output) {
  fathom::Sequential model(widths[0], 42);
  for (std::size_t i = 1; i < widths.size(); ++i) {
    model.add(fathom::Dense(widths[i], i + 1 == widths.size() ? output : hidden));
  }
  return model;
}

// The machine's sgemm peak, 2048³ (1024³ quick), best of 3 after a warm-up, two ways: OpenBLAS
// threading itself (the reference anyone would measure) and fathom::gemm (OpenBLAS on each of
// fathom's threads). `gflops` is the better of the two: every "% of peak" divides by it.
void sgemm_peak(const Args& a) {
  const Index n = a.quick ? 1024 : 2048;
  fathom::Rng rng(11);
  Matrix A(n, n), B(n, n), C(n, n);
  for (Index i = 0; i < A.size(); ++i) A.data()[i] = static_cast<Scalar>(rng.uniform(-1, 1));
  for (Index i = 0; i < B.size(); ++i) B.data()[i] = static_cast<Scalar>(rng.uniform(-1, 1));
  auto best_gflops = [&](auto&& product) {
    double best = 1e300;
    for (int r = 0; r < 4; ++r) {
      const auto t0 = Clock::now();
      product();
      if (r > 0) best = std::min(best, seconds_since(t0));
    }
    return 2.0 * double(n) * double(n) * double(n) / best / 1e9;
  };
  openblas_set_num_threads(a.threads);
  const double blas = best_gflops([&] {
    cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, int(n), int(n), int(n), 1, A.data(), int(n),
                B.data(), int(n), 0, C.data(), int(n));
  });
  openblas_set_num_threads(1);  // as fathom keeps it
  const double fathom_gemm = best_gflops([&] {
    fathom::gemm(fathom::Trans::No, fathom::Trans::No, 1, fathom::cview(A), fathom::cview(B), 0,
                 fathom::view(C));
  });
  result(
      "size=%ld gflops=%.1f openblas_threads_gflops=%.1f fathom_gemm_gflops=%.1f "
      "config=best_of_openblas_and_fathom_gemm",
      long(n), std::max(blas, fathom_gemm), blas, fathom_gemm);
}

// Mini-batch Adam on 784-256-128-10 (or the wide net): epochs through fit(), the first a warm-up.
void epochs(const Args& a, Index batch, int n_epochs, bool wide) {
  if (a.epochs > 0) n_epochs = std::max(2, a.epochs);
  fathom::Dataset train = fashion(true);
  Index n = wide ? 15360 : train.samples();
  if (a.quick) n = std::min<Index>(n, 6400);
  // The training set is used in place (a copy would double this process's peak memory).
  Matrix x = std::move(train.x), y = std::move(train.y);
  if (n < x.cols()) x = x.leftCols(n).eval(), y = y.leftCols(n).eval();
  const std::vector<Index> widths =
      wide ? std::vector<Index>{784, 1024, 1024, 10} : std::vector<Index>{784, 256, 128, 10};
  fathom::Sequential model = mlp(widths, "relu", "softmax");
  model.compile(
      {.loss = "cce", .optimizer = fathom::Adam({.learning_rate = 1e-3f}), .metrics = {"accuracy"}});
  EpochTimer timer;
  model.fit(x, y, {.epochs = n_epochs, .batch_size = batch, .callbacks = {&timer}});
  const std::vector<double> timed(timer.seconds.begin() + 1, timer.seconds.end());
  const double spe = median(timed);
  const auto [lo, hi] = std::minmax_element(timed.begin(), timed.end());
  if (wide) {
    result(
        "batch=%ld samples=%ld epochs=%d seconds_per_epoch=%.3f min_s=%.3f max_s=%.3f gflops=%.1f "
        "config=adam_fit",
        long(batch), long(n), n_epochs, spe, *lo, *hi, train_flops(widths) * double(n) / spe / 1e9);
    return;
  }
  const fathom::Dataset test = fashion(false);
  const double accuracy = model.evaluate(test.x, test.y).at("accuracy");
  result(
      "batch=%ld samples=%ld epochs=%d seconds_per_epoch=%.3f min_s=%.3f max_s=%.3f test_accuracy=%.4f "
      "peak_rss_mb=%.1f config=adam_fit",
      long(batch), long(n), n_epochs, spe, *lo, *hi, accuracy, peak_rss_mb());
}

// Online SGD, batch 1, in file order: 500 warm-up samples, then 5,000 timed — a loop of
// train_step, as FANN's fann_train and PyTorch's per-sample step.
void online_sgd(const Args& a) {
  const fathom::Dataset train = fashion(true);
  const Index warm = a.quick ? 100 : 500, timed = a.quick ? 1000 : 5000;
  fathom::Sequential model = mlp({784, 256, 128, 10}, "relu", "softmax");
  model.compile({.loss = "cce", .optimizer = fathom::SGD({.learning_rate = 0.01f})});
  auto run = [&](Index from, Index count) {
    double loss = 0;
    for (Index j = from; j < from + count; ++j) {
      loss += model.train_step(ConstMatrixView(train.x.data() + j * 784, 784, 1),
                               ConstMatrixView(train.y.data() + j * 10, 10, 1));
    }
    return loss / double(count);
  };
  run(0, warm);
  const auto t0 = Clock::now();
  const double loss = run(warm, timed);
  const double s = seconds_since(t0);
  result("samples=%ld samples_per_s=%.0f us_per_sample=%.2f mean_loss=%.4f config=sgd_train_step_loop",
         long(timed), double(timed) / s, 1e6 * s / double(timed), loss);
}

// Single-sample latency (forward on one column) and whole-test-set predict().
void inference(const Args& a) {
  const fathom::Dataset test = fashion(false);
  fathom::Sequential model = mlp({784, 256, 128, 10}, "relu", "softmax");
  model.compile({.loss = "cce", .optimizer = "adam"});
  const Index n = test.samples();
  const int calls = a.quick ? 1000 : 10000;
  auto column = [&](Index j) { return ConstMatrixView(test.x.data() + (j % n) * 784, 784, 1); };
  for (int i = 0; i < 200; ++i) model.forward(column(i));
  std::vector<double> us(static_cast<std::size_t>(calls));
  float sink = 0;
  for (int i = 0; i < calls; ++i) {
    const auto t0 = Clock::now();
    sink += model.forward(column(i))(0, 0);
    us[static_cast<std::size_t>(i)] = 1e6 * seconds_since(t0);
  }
  double best = 1e300;
  for (int r = 0; r < 4; ++r) {
    const auto t0 = Clock::now();
    const Matrix out = model.predict(test.x);
    if (r > 0) best = std::min(best, seconds_since(t0));
    sink += out(0, 0);
  }
  result(
      "calls=%d p50_us=%.2f p99_us=%.2f samples=%ld samples_per_s=%.0f sink=%.3g config=forward_and_predict",
      calls, percentile(us, 50), percentile(us, 99), long(n), double(n) / best, double(sink));
}

// Tiny networks, online SGD lr 0.5 with mse (½‖t − a‖², docs/concepts.md): one update per sample.
void tiny(const Args& a, const fathom::Dataset& data, const std::vector<Index>& widths, int default_epochs) {
  const int n_epochs = a.epochs > 0 ? a.epochs : (a.quick ? default_epochs / 10 : default_epochs);
  fathom::Sequential model = mlp(widths, "sigmoid", "sigmoid");
  model.compile({.loss = "mse", .optimizer = fathom::SGD({.learning_rate = 0.5f})});
  const Index n = data.samples(), in = data.features(), out = data.y.rows();
  auto epoch = [&] {
    for (Index j = 0; j < n; ++j) {
      model.train_step(ConstMatrixView(data.x.data() + j * in, in, 1),
                       ConstMatrixView(data.y.data() + j * out, out, 1));
    }
  };
  epoch();  // warm-up, not counted: sizes the buffers
  const auto t0 = Clock::now();
  for (int e = 0; e < n_epochs; ++e) epoch();
  const double s = seconds_since(t0);
  const double updates = double(n) * double(n_epochs);
  const Matrix pred = model.predict(data.x);
  const double mse = (pred - data.y).array().square().mean();
  result("epochs=%d updates=%.0f us_per_update=%.4f final_mse=%.5f config=sgd_train_step_loop", n_epochs,
         updates, 1e6 * s / updates, mse);
}

fathom::Dataset xor_data() {
  fathom::Dataset d;
  d.x.resize(2, 4);
  d.x << 0, 0, 1, 1, 0, 1, 0, 1;
  d.y.resize(1, 4);
  d.y << 0, 1, 1, 0;
  return d;
}

fathom::Dataset digits_data() {
  const std::string path = std::string(FATHOM_SOURCE_DIR) + "/data/digits_5x5.csv";
  return fathom::read_csv(path, {.targets = {"digit"}, .encoding = fathom::TargetEncoding::OneHot});
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(s + " needs a value");
      return argv[++i];
    };
    if (s == "--workload") {
      a.workload = value();
    } else if (s == "--threads") {
      a.threads = std::stoi(value());
    } else if (s == "--epochs") {
      a.epochs = std::stoi(value());
    } else if (s == "--quick") {
      a.quick = true;
    } else {
      throw std::invalid_argument("unknown argument '" + s + "'");
    }
  }
  if (a.workload.empty()) throw std::invalid_argument("--workload is required");
  if (a.threads < 1) throw std::invalid_argument("--threads must be >= 1");
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args a = parse(argc, argv);
    fathom::set_num_threads(a.threads);
    g_prefix = "lib=fathom workload=" + a.workload + " threads=" + std::to_string(a.threads);
    const std::string& w = a.workload;
    if (w == "sgemm_peak") {
      sgemm_peak(a);
    } else if (w == "epoch128") {
      epochs(a, 128, a.quick ? 2 : 10, false);
    } else if (w == "epoch32") {
      epochs(a, 32, 3, false);
    } else if (w == "wide") {
      epochs(a, 256, a.quick ? 2 : 4, true);
    } else if (w == "online_sgd") {
      online_sgd(a);
    } else if (w == "inference") {
      inference(a);
    } else if (w == "xor") {
      tiny(a, xor_data(), {2, 2, 1}, 100000);
    } else if (w == "digits") {
      tiny(a, digits_data(), {25, 20, 20, 20, 5}, 1000);
    } else {
      throw std::invalid_argument("unknown workload '" + w + "'");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "workloads: %s\n", e.what());
    return 1;
  }
  return 0;
}
