// Data-parallel training benchmark (docs/scaling.md): the 784-256-128-10 net ("mnist") or the
// wide 784-1024-1024-10 net on MNIST-shaped synthetic data, one fit() per run, under
// `mpirun -np N` (each rank computes batch/N samples of every step and the gradients are summed
// by MPI_Allreduce) or alone (no communicator). The communicator is wrapped in a timing one, so
// the step splits into compute and allreduce. Rank 0 prints the RESULT lines.
//
// Usage: data_parallel_bench [--net mnist|wide] [--threads N] [--epochs E] [--samples S]
//                            [--batch B] [--optimizer adam|sgd] [--barrier]
//   --epochs     timed epochs, after one warm-up epoch (default 3)
//   --samples    training samples (default 30,000 mnist, 12,000 wide: ~0.5–1 s an epoch on 1 core)
//   --threads    fathom threads per process (default 1)
//   --barrier    wait at a barrier before every gradient allreduce, so that the time a rank
//                waits for the slower one (wait_ms_per_step) is told apart from the transfer
//   mpirun -np 2 --allow-run-as-root build/bench/data_parallel_bench --net wide
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fathom/fathom.hpp>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench_timing.hpp"
#include "synthetic_mnist.hpp"

namespace {

using fathom::Index;
using namespace fathom_bench;

struct Config {
  std::string net = "mnist";
  std::string optimizer = "adam";
  int threads = 1;
  int timed_epochs = 3;
  Index samples = 0;  // 0: the net's default
  Index batch = 128;
  bool barrier = false;
};

Config parse_args(int argc, char** argv) {
  Config c;
  auto number = [&](int& i, const std::string& flag) {
    if (i + 1 >= argc) throw std::invalid_argument(flag + " needs a value");
    const long v = std::strtol(argv[++i], nullptr, 10);
    if (v < 1) throw std::invalid_argument(flag + " needs a positive number");
    return v;
  };
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--net" && i + 1 < argc) {
      c.net = argv[++i];
      if (c.net != "mnist" && c.net != "wide") throw std::invalid_argument("--net is mnist or wide");
    } else if (a == "--optimizer" && i + 1 < argc) {
      c.optimizer = argv[++i];
      if (c.optimizer != "adam" && c.optimizer != "sgd")
        throw std::invalid_argument("--optimizer is adam or sgd");
    } else if (a == "--threads") {
      c.threads = static_cast<int>(number(i, a));
    } else if (a == "--epochs") {
      c.timed_epochs = static_cast<int>(number(i, a));
    } else if (a == "--samples") {
      c.samples = number(i, a);
    } else if (a == "--batch") {
      c.batch = number(i, a);
    } else if (a == "--barrier") {
      c.barrier = true;
    } else {
      throw std::invalid_argument("unknown argument '" + a +
                                  "' (use --net mnist|wide, --threads N, --epochs E, --samples S, --batch B, "
                                  "--optimizer adam|sgd, --barrier)");
    }
  }
  if (c.samples == 0) c.samples = c.net == "wide" ? 12000 : 30000;
  return c;
}

// Forwards to another communicator and keeps the wall time spent in each kind of call. The
// float allreduce is the gradient arena's (one per step); the double ones are the step's loss
// and, once an epoch, the metrics and the weight check; broadcasts come at the start of fit.
// With `barrier`, every float allreduce first waits at a barrier, timed apart as `wait`: the
// time this rank spent waiting for the slowest one, which would otherwise count as allreduce.
class TimingCommunicator final : public fathom::Communicator {
 public:
  struct Totals {
    double float_s = 0, double_s = 0, broadcast_s = 0, wait_s = 0;
    long long float_calls = 0, double_calls = 0;
  };

  TimingCommunicator(fathom::distributed::MpiCommunicator& inner, bool barrier)
      : inner_(inner), barrier_(barrier) {}

  int rank() const override { return inner_.rank(); }
  int size() const override { return inner_.size(); }
  void allreduce_sum(std::span<float> values) override {
    if (barrier_) {
      const auto t0 = Clock::now();
      inner_.barrier();
      totals_.wait_s += seconds_since(t0);
    }
    const auto t0 = Clock::now();
    inner_.allreduce_sum(values);
    totals_.float_s += seconds_since(t0);
    ++totals_.float_calls;
  }
  void allreduce_sum(std::span<double> values) override {
    const auto t0 = Clock::now();
    inner_.allreduce_sum(values);
    totals_.double_s += seconds_since(t0);
    ++totals_.double_calls;
  }
  void broadcast(std::span<std::byte> bytes, int root) override {
    const auto t0 = Clock::now();
    inner_.broadcast(bytes, root);
    totals_.broadcast_s += seconds_since(t0);
  }
  const Totals& totals() const { return totals_; }

 private:
  fathom::distributed::MpiCommunicator& inner_;
  bool barrier_;
  Totals totals_;
};

// Epoch wall times, and the communicator's totals at every epoch's start and end.
class EpochRecorder : public fathom::Callback {
 public:
  explicit EpochRecorder(const TimingCommunicator* comm) : comm_(comm) {}
  void on_epoch_begin(fathom::Sequential&, int) override {
    if (comm_) begin_.push_back(comm_->totals());
    t0_ = Clock::now();
  }
  void on_epoch_end(fathom::Sequential&, int, const fathom::Logs& logs) override {
    seconds.push_back(seconds_since(t0_));
    if (comm_) end_.push_back(comm_->totals());
    last = logs;
  }
  // Communicator time in epochs [first, end): the difference of the totals.
  TimingCommunicator::Totals spent(std::size_t first) const {
    TimingCommunicator::Totals s;
    for (std::size_t e = first; e < end_.size(); ++e) {
      s.float_s += end_[e].float_s - begin_[e].float_s;
      s.double_s += end_[e].double_s - begin_[e].double_s;
      s.broadcast_s += end_[e].broadcast_s - begin_[e].broadcast_s;
      s.wait_s += end_[e].wait_s - begin_[e].wait_s;
      s.float_calls += end_[e].float_calls - begin_[e].float_calls;
      s.double_calls += end_[e].double_calls - begin_[e].double_calls;
    }
    return s;
  }
  std::vector<double> seconds;
  fathom::Logs last;

 private:
  const TimingCommunicator* comm_;
  std::vector<TimingCommunicator::Totals> begin_, end_;
  Clock::time_point t0_;
};

fathom::Sequential make_net(const std::string& net) {
  fathom::Sequential model(784, 42);
  const Index hidden1 = net == "wide" ? 1024 : 256, hidden2 = net == "wide" ? 1024 : 128;
  model.add(fathom::Dense(hidden1, "relu"));
  model.add(fathom::Dense(hidden2, "relu"));
  model.add(fathom::Dense(10, "softmax"));
  return model;
}

// GEMM FLOPs of one training sample (bench/README.md): forward 2·Σ in·out, backward dW for
// every layer and dX for every layer but the first.
double train_flops(const std::string& net) {
  const double h1 = net == "wide" ? 1024 : 256, h2 = net == "wide" ? 1024 : 128;
  const double sum = 784 * h1 + h1 * h2 + h2 * 10;
  return 6 * sum - 2 * 784 * h1;
}

double logged(const fathom::Logs& logs, const char* key) {
  const auto it = logs.find(key);
  return it == logs.end() ? -1.0 : it->second;
}

// The allreduce alone: `params` floats, after a barrier each time so no rank waits for
// another inside it; median of 30 calls after 5 warm-up ones.
double allreduce_alone_us(fathom::distributed::MpiCommunicator& comm, std::size_t params) {
  std::vector<float> buffer(params, 1e-3f);
  std::vector<double> us;
  for (int i = 0; i < 35; ++i) {
    comm.barrier();
    const auto t0 = Clock::now();
    comm.allreduce_sum(std::span<float>(buffer));
    if (i >= 5) us.push_back(1e6 * seconds_since(t0));
    std::fill(buffer.begin(), buffer.end(), 1e-3f);
  }
  double med = median(us);
  // Rank 0 reports the slowest rank's median.
  std::vector<double> all(static_cast<std::size_t>(comm.size()), 0.0);
  all[static_cast<std::size_t>(comm.rank())] = med;
  comm.allreduce_sum(std::span<double>(all));
  return *std::max_element(all.begin(), all.end());
}

// world: MPI_COMM_WORLD's duplicate under mpirun, else nullptr.
int run(const Config& cfg, fathom::distributed::MpiCommunicator* world) {
  const double load_start = load_average();
  fathom::set_num_threads(cfg.threads);
  std::unique_ptr<TimingCommunicator> timing;
  if (world) timing = std::make_unique<TimingCommunicator>(*world, cfg.barrier);
  const int rank = world ? world->rank() : 0, ranks = world ? world->size() : 1;
  const bool root = rank == 0;

  // Every rank makes the same data (same seed), as every rank of `fathom train` reads the file.
  const auto t_data = Clock::now();
  const Dataset data = make_dataset(cfg.samples, 2024);
  const double data_s = seconds_since(t_data);

  fathom::Sequential model = make_net(cfg.net);
  if (cfg.optimizer == "adam") {
    model.compile(
        {.loss = "cce", .optimizer = fathom::Adam({.learning_rate = 1e-3f}), .metrics = {"accuracy"}});
  } else {
    model.compile(
        {.loss = "cce", .optimizer = fathom::SGD({.learning_rate = 0.05f}), .metrics = {"accuracy"}});
  }
  const std::size_t params = model.parameters().size();
  // A 1-rank mpirun has a communicator of size 1, which fit() treats as none.
  TimingCommunicator* comm = ranks > 1 ? timing.get() : nullptr;
  EpochRecorder recorder(comm);
  if (root) {
    std::fprintf(
        stderr, "# %s net, %zu parameters, %d rank(s) x %d thread(s), %ld samples, batch %ld, %d+1 epochs\n",
        cfg.net.c_str(), params, ranks, cfg.threads, long(cfg.samples), long(cfg.batch), cfg.timed_epochs);
  }
  if (world) world->barrier();
  const auto t_fit = Clock::now();
  model.fit(data.x, data.y,
            {.epochs = 1 + cfg.timed_epochs,
             .batch_size = cfg.batch,
             .callbacks = {&recorder},
             .communicator = comm});
  const double fit_s = seconds_since(t_fit);

  // Epoch 0 warms up (first touch of the buffers, the model broadcast); the rest are timed.
  const std::vector<double> timed(recorder.seconds.begin() + 1, recorder.seconds.end());
  const double epoch_s = median(timed);
  const Index steps = (cfg.samples + cfg.batch - 1) / cfg.batch;
  const double step_ms = 1e3 * epoch_s / double(steps);
  const double samples_per_s = double(cfg.samples) / epoch_s;
  const double gflops = train_flops(cfg.net) * samples_per_s / 1e9;

  double allreduce_ms = 0, loss_ms = 0, wait_ms = 0, other_ms = 0;
  double allreduce_ms_max = 0, allreduce_ms_min = 0;
  if (comm != nullptr) {
    const TimingCommunicator::Totals s = recorder.spent(1);
    const double timed_steps = double(steps) * double(timed.size());
    allreduce_ms = 1e3 * s.float_s / double(std::max<long long>(1, s.float_calls));
    wait_ms = 1e3 * s.wait_s / double(std::max<long long>(1, s.float_calls));
    // The per-step loss sum and the per-epoch metric and weight checks, spread over the steps.
    loss_ms = 1e3 * (s.double_s + s.broadcast_s) / timed_steps;
    // Every rank's gradient-allreduce time, to show the spread (a rank that computes faster
    // waits longer inside the allreduce for the other).
    std::vector<double> all(static_cast<std::size_t>(ranks), 0.0);
    all[static_cast<std::size_t>(rank)] = allreduce_ms;
    world->allreduce_sum(std::span<double>(all));
    allreduce_ms_min = *std::min_element(all.begin(), all.end());
    allreduce_ms_max = *std::max_element(all.begin(), all.end());
    other_ms = loss_ms;
  }
  const double compute_ms = step_ms - allreduce_ms - wait_ms - other_ms;
  const double alone_us = world && ranks > 1 ? allreduce_alone_us(*world, params) : 0.0;

  if (root) {
    result(
        "bench=data_parallel net=%s optimizer=%s ranks=%d threads=%d batch=%ld samples=%ld params=%zu "
        "epochs_timed=%d seconds_per_epoch=%.3f min_s=%.3f max_s=%.3f samples_per_s=%.0f step_ms=%.3f "
        "compute_ms_per_step=%.3f allreduce_ms_per_step=%.3f allreduce_ms_min=%.3f allreduce_ms_max=%.3f "
        "wait_ms_per_step=%.3f other_comm_ms_per_step=%.3f gflops=%.1f loss=%.4f accuracy=%.4f",
        cfg.net.c_str(), cfg.optimizer.c_str(), ranks, cfg.threads, long(cfg.batch), long(cfg.samples),
        params, int(timed.size()), epoch_s, *std::min_element(timed.begin(), timed.end()),
        *std::max_element(timed.begin(), timed.end()), samples_per_s, step_ms, compute_ms, allreduce_ms,
        allreduce_ms_min, allreduce_ms_max, wait_ms, other_ms, gflops, logged(recorder.last, "loss"),
        logged(recorder.last, "accuracy"));
    if (ranks > 1) {
      const double bytes = 4.0 * double(params);
      const double moved = 2.0 * double(ranks - 1) / double(ranks) * bytes;  // per rank, ring
      result("bench=allreduce ranks=%d params=%zu bytes=%.0f us_median=%.1f ring_gbytes_per_s=%.2f", ranks,
             params, bytes, alone_us, moved / (alone_us * 1e-6) / 1e9);
    }
    result("bench=data_parallel_machine cores=%u load1_start=%.2f load1_end=%.2f data_s=%.2f fit_s=%.2f",
           std::thread::hardware_concurrency(), load_start, load_average(), data_s, fit_s);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // MPI outlives run(): an error on one rank must end the job (MPI_Abort) while the others may
  // be waiting in a collective, not free the communicator (itself a collective) on the way out.
  std::unique_ptr<fathom::distributed::Environment> environment;
  std::unique_ptr<fathom::distributed::MpiCommunicator> world;
  try {
    const Config cfg = parse_args(argc, argv);
    if (fathom::distributed::launched()) {
      environment = std::make_unique<fathom::distributed::Environment>();
      world = std::make_unique<fathom::distributed::MpiCommunicator>();
    }
    return run(cfg, world.get());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "data_parallel_bench: %s\n", e.what());
    if (world) fathom::distributed::abort(1);
    return 1;
  }
}
