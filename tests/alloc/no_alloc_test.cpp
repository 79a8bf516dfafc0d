// Proves the training step allocates nothing after the first batch: global operator new is
// replaced by a counting one (hence this test's own executable).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <new>
#include <sstream>
#include <string>

#include "fathom/fathom.hpp"

namespace {
std::atomic<long> g_allocations{0};
}

void* operator new(std::size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new(std::size_t size, std::align_val_t align) {
  ++g_allocations;
  const auto a = static_cast<std::size_t>(align);
  if (void* p = std::aligned_alloc(a, (size + a - 1) / a * a)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size, std::align_val_t align) { return operator new(size, align); }
// These deletes pair with the news above (malloc/aligned_alloc, then free). Once they are
// inlined into GoogleTest's code, GCC sees free() on a pointer from operator new and warns.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

using namespace fathom;

namespace {

struct Case {
  const char* optimizer;
  const char* loss;
  const char* output;
  Index batch;
};

class NoAllocation : public ::testing::TestWithParam<Case> {};

TEST_P(NoAllocation, TrainStepAndForwardAfterFirstBatch) {
  const Case c = GetParam();
  Rng rng(1);
  Matrix x(20, 64), y = Matrix::Zero(5, 64);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = Scalar(rng.uniform());
  for (Index j = 0; j < 64; ++j) y(j % 5, j) = 1;
  Sequential model(20, 1);
  model.add(Dense(32, "relu"));
  model.add(Dropout(0.1f));
  model.add(Dense(16, "tanh"));
  model.add(Dense(5, c.output));
  model.compile({.loss = c.loss, .optimizer = c.optimizer, .metrics = {"accuracy", "mse", "f1"}});
  std::vector<std::unique_ptr<Metric>> metrics;
  for (const char* m : {"accuracy", "mse", "f1", "r2"}) metrics.push_back(make_metric(m));

  auto batch_x = [&](Index start) { return ConstMatrixView(x.data() + start * 20, 20, c.batch); };
  auto batch_y = [&](Index start) { return ConstMatrixView(y.data() + start * 5, 5, c.batch); };
  model.train_step(batch_x(0), batch_y(0));  // first batch: buffers are sized here
  for (auto& m : metrics) m->update(model.forward(batch_x(0), false), batch_y(0));

  const long before = g_allocations.load();
  for (Index start = 0; start + c.batch <= 64; start += c.batch) {
    model.train_step(batch_x(start), batch_y(start));
    const ConstMatrixView out = model.forward(batch_x(start), false);
    for (auto& m : metrics) m->update(out, batch_y(start));
  }
  EXPECT_EQ(g_allocations.load() - before, 0) << c.optimizer << " " << c.loss << " batch " << c.batch;
}

INSTANTIATE_TEST_SUITE_P(
    Optimizers, NoAllocation,
    ::testing::Values(Case{"sgd", "cce", "softmax", 16}, Case{"adam", "cce", "softmax", 16},
                      Case{"adamw", "mse", "linear", 8}, Case{"rmsprop", "bce", "sigmoid", 16},
                      Case{"adagrad", "huber", "linear", 16}, Case{"sgd", "mse", "softmax", 1},
                      Case{"adam", "cce", "softmax", 1}),
    [](const auto& info) {
      return std::string(info.param.optimizer) + "_" + info.param.loss + "_batch" +
             std::to_string(info.param.batch);
    });

}  // namespace

namespace {

// fit() may allocate per call and per epoch (logs, history), never per batch: the count for
// an epoch of 40 batches equals the count for an epoch of 10, with input scaling and
// validation on.
TEST(NoAllocation, FitAllocatesPerEpochNotPerBatch) {
  Rng rng(2);
  Matrix x(12, 400), y = Matrix::Zero(3, 400);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = Scalar(rng.uniform(0, 5));
  for (Index j = 0; j < 400; ++j) y(j % 3, j) = 1;
  Sequential model(12, 1);
  model.add(Normalization::adapt(x, "standard"));
  model.add(Dense(16, "relu"));
  model.add(Dense(3, "softmax"));
  model.compile({.loss = "cce", .optimizer = "adam", .metrics = {"accuracy", "f1"}});
  auto count = [&](Index batch) {
    model.fit(x, y, {.epochs = 1, .batch_size = batch, .validation_split = 0.2});  // warm-up
    model.history = History{};  // the same history growth for both counts
    const long before = g_allocations.load();
    model.fit(x, y, {.epochs = 2, .batch_size = batch, .validation_split = 0.2});
    return g_allocations.load() - before;
  };
  const long few_batches = count(32);  // 10 batches per epoch
  const long many_batches = count(8);  // 40 batches per epoch
  EXPECT_EQ(many_batches, few_batches);
}

// The same with the callbacks that act on every step: a TensorBoard writing batch_loss every
// step (update_freq 1) and a terminal's progress bar between its redraws.
TEST(NoAllocation, StepCallbacksAllocatePerEpochNotPerBatch) {
  Rng rng(3);
  Matrix x(6, 400), y = Matrix::Zero(2, 400);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = Scalar(rng.uniform(-1, 1));
  for (Index j = 0; j < 400; ++j) y(j % 2, j) = 1;
  Sequential model(6, 1);
  model.add(Dense(8, "tanh"));
  model.add(Dense(2, "softmax"));
  model.compile({.loss = "cce", .optimizer = "adam"});
  const auto dir = std::filesystem::temp_directory_path() / ("fathom_alloc_tb_" + std::to_string(::getpid()));
  std::ostringstream sink;
  auto count = [&](Index batch) {
    TensorBoard tb({.log_dir = dir, .histogram_freq = 1, .update_freq = 1});
    ProgressLogger bar(sink, {.live_bar = true, .refresh_seconds = 1e9});
    model.fit(x, y, {.epochs = 1, .batch_size = batch, .callbacks = {&tb, &bar}});  // warm-up
    model.history = History{};
    const long before = g_allocations.load();
    model.fit(x, y, {.epochs = 2, .batch_size = batch, .callbacks = {&tb, &bar}});
    return g_allocations.load() - before;
  };
  const long few_batches = count(40);   // 10 batches per epoch
  const long many_batches = count(10);  // 40 batches per epoch
  std::filesystem::remove_all(dir);
  EXPECT_EQ(many_batches, few_batches);
}

}  // namespace

namespace {

// The paths that only larger or smaller models take: products and optimizer passes split over
// 2 threads (a 512-256-10 net at batch 128, Adam), and online backprop on a narrow net (a
// 2-2-1 net, batch 1, plain SGD). Counts operator new, i.e. fathom's own allocations.
TEST(NoAllocation, ThreadedStepAndTinyOnlineStep) {
  Rng rng(3);
  const int saved = num_threads();
  set_num_threads(2);
  Matrix x(512, 128), y = Matrix::Zero(10, 128);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = Scalar(rng.uniform());
  for (Index j = 0; j < 128; ++j) y(j % 10, j) = 1;
  Sequential big(512, 1);
  big.add(Dense(256, "relu"));
  big.add(Dense(10, "softmax"));
  big.compile({.loss = "cce", .optimizer = "adam"});
  big.train_step(cview(x), cview(y));
  long before = g_allocations.load();
  for (int i = 0; i < 3; ++i) big.train_step(cview(x), cview(y));
  EXPECT_EQ(g_allocations.load() - before, 0) << "threaded train_step";
  set_num_threads(saved);

  Matrix xs(2, 4), ys(1, 4);
  xs << 0, 0, 1, 1, 0, 1, 0, 1;
  ys << 0, 1, 1, 0;
  Sequential tiny(2, 1);
  tiny.add(Dense(2, "sigmoid"));
  tiny.add(Dense(1, "sigmoid"));
  tiny.compile({.loss = "mse", .optimizer = SGD({.learning_rate = 0.5f})});
  tiny.train_step(ConstMatrixView(xs.data(), 2, 1), ConstMatrixView(ys.data(), 1, 1));
  before = g_allocations.load();
  for (Index j = 0; j < 400; ++j) {
    tiny.train_step(ConstMatrixView(xs.data() + (j % 4) * 2, 2, 1), ConstMatrixView(ys.data() + j % 4, 1, 1));
  }
  EXPECT_EQ(g_allocations.load() - before, 0) << "tiny online train_step";
}

}  // namespace
