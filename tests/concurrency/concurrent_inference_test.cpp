// One model, many threads: a server loads a model once and answers requests from a thread
// pool, so predict, predict_classes and evaluate on one shared Sequential must give, from 8
// threads at once, exactly what one thread gets. Its own executable (fathom_concurrency_tests)
// so CI can build it alone under ThreadSanitizer.
//
// Every test sets fathom::set_num_threads(1): no OpenMP region runs, so the only threads are
// the test's own. libgomp is not built with TSan, and its barriers would be reported as races
// that are not fathom's.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "../scratch_dir.hpp"
#include "fathom/fathom.hpp"

using namespace fathom;

namespace {

constexpr int kThreads = 8;
constexpr int kRounds = 6;

struct Data {
  Matrix x, y;
};

// n samples of 12 features on different scales (the Normalization layer has work to do) and
// one-hot targets of 3 classes that depend on the features.
Data make_data(Index n, std::uint64_t seed) {
  Rng rng(seed);
  Data d{Matrix(12, n), Matrix::Zero(3, n)};
  for (Index j = 0; j < n; ++j) {
    for (Index i = 0; i < 12; ++i) d.x(i, j) = Scalar(rng.uniform(-1, 1) * double(1 + 10 * i));
    const Index label = d.x(0, j) + d.x(11, j) / 111 > 0 ? 0 : (d.x(1, j) > 0 ? 1 : 2);
    d.y(label, j) = 1;
  }
  return d;
}

// Normalization, Dense, Dropout (the identity at inference) and a fused softmax + cce output,
// trained for a few epochs.
Sequential trained_classifier(const Data& train) {
  Sequential model(12, 3);
  model.add(Normalization::adapt(train.x, "standard"));
  model.add(Dense(24, "relu"));
  model.add(Dropout(0.25f));
  model.add(Dense(16, "tanh"));
  model.add(Dense(3, "softmax"));
  model.compile({.loss = "cce", .optimizer = "adam", .metrics = {"accuracy", "f1"}});
  model.fit(train.x, train.y, {.epochs = 3, .batch_size = 32});
  return model;
}

// A single sigmoid output with bce (fused too), min-max scaling and dropout before the output.
Sequential trained_binary(const Data& train) {
  Sequential model(12, 4);
  model.add(Normalization::adapt(train.x, "minmax"));
  model.add(Dense(20, "relu"));
  model.add(Dropout(0.5f));
  model.add(Dense(1, "sigmoid"));
  model.compile({.loss = "bce", .optimizer = "adam", .metrics = {"binary_accuracy", "precision"}});
  model.fit(train.x, train.y.topRows(1), {.epochs = 3, .batch_size = 16});
  return model;
}

bool same_bits(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(Scalar) * std::size_t(a.size())) == 0;
}

// One request: inputs, targets, and the batch size the caller asks for.
struct Request {
  Data data;
  Index batch_size;
};

// What one thread must get for a request, computed beforehand on one thread.
struct Expected {
  Matrix outputs;
  std::vector<Index> classes;
  Logs logs;
  Matrix one_pass_outputs;  // infer() over the whole request at once, and its loss_of(y, ws)
  double one_pass_loss;
};

// Requests below and above the inference batch (1,024 samples): one batch, several batches with
// a short last one, and a small explicit batch size.
std::vector<Request> requests(Index outputs) {
  std::vector<Request> r;
  for (auto [n, batch] : {std::pair<Index, Index>{37, Sequential::kInferenceBatch},
                          {1, Sequential::kInferenceBatch},
                          {2500, Sequential::kInferenceBatch},
                          {300, 64}}) {
    Data d = make_data(n, std::uint64_t(100 + n));
    if (outputs == 1) d.y = Matrix(d.y.topRows(1));
    r.push_back({std::move(d), batch});
  }
  return r;
}

// 8 threads, released together, each calling predict, predict_classes, fathom::evaluate and
// Sequential::evaluate kRounds times on every request against `shared`; every result must
// equal the reference bit for bit. Returns the number of results that differed.
int mismatches_from_threads(const Sequential& shared, const std::vector<Request>& reqs,
                            const std::vector<Expected>& expected) {
  std::atomic<int> wrong{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int round = 0; round < kRounds; ++round) {
        for (std::size_t k = 0; k < reqs.size(); ++k) {
          // Threads walk the requests in different orders, so different sizes overlap.
          const std::size_t i = (k + std::size_t(t)) % reqs.size();
          const Request& r = reqs[i];
          if (!same_bits(shared.predict(r.data.x, r.batch_size), expected[i].outputs)) ++wrong;
          if (shared.predict_classes(r.data.x, r.batch_size) != expected[i].classes) ++wrong;
          if (fathom::evaluate(shared, r.data.x, r.data.y, r.batch_size) != expected[i].logs) ++wrong;
          if (shared.evaluate(r.data.x, r.data.y, r.batch_size) != expected[i].logs) ++wrong;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  return wrong.load();
}

std::vector<Expected> reference(const Sequential& model, const std::vector<Request>& reqs) {
  std::vector<Expected> e;
  InferenceWorkspace ws;
  for (const Request& r : reqs) {
    Matrix one_pass = model.infer(view(r.data.x), ws);
    e.push_back({model.predict(r.data.x, r.batch_size), model.predict_classes(r.data.x, r.batch_size),
                 fathom::evaluate(model, r.data.x, r.data.y, r.batch_size), std::move(one_pass),
                 model.loss_of(view(r.data.y), ws)});
  }
  return e;
}

class ConcurrentInference : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_threads_ = num_threads();
    set_num_threads(1);  // no OpenMP region (see the top of this file)
  }
  void TearDown() override { set_num_threads(saved_threads_); }

 private:
  int saved_threads_ = 1;
};

// The server's case: a model freshly loaded from a file, whose first inference happens on 8
// threads at once (nothing has sized any buffer before).
TEST_F(ConcurrentInference, FreshlyLoadedModelFromEightThreads) {
  const fathom::testing::ScratchDir dir;
  const std::string path = dir.file("model.fathom");
  save_model(trained_classifier(make_data(400, 1)), path);
  const Sequential shared = load_model(path);
  const auto reqs = requests(3);
  const Sequential copy = shared;  // the reference runs on a copy: `shared` is untouched until the threads
  const auto expected = reference(copy, reqs);
  EXPECT_EQ(mismatches_from_threads(shared, reqs, expected), 0);
}

// A model straight out of fit(), whose training buffers are sized for its last batches.
TEST_F(ConcurrentInference, TrainedModelFromEightThreads) {
  const Data train = make_data(300, 2);
  const Sequential shared = trained_binary(train);
  const auto reqs = requests(1);
  const Sequential copy = shared;
  const auto expected = reference(copy, reqs);
  EXPECT_EQ(mismatches_from_threads(shared, reqs, expected), 0);
}

// The allocation-free path: each thread keeps one InferenceWorkspace and reuses it for every
// request (sizes up and down) against one freshly loaded model, with the results of one thread.
TEST_F(ConcurrentInference, WorkspacePerThread) {
  const fathom::testing::ScratchDir dir;
  const std::string path = dir.file("model.fathom");
  save_model(trained_classifier(make_data(400, 5)), path);
  const Sequential shared = load_model(path);
  const auto reqs = requests(3);
  const Sequential copy = shared;
  const auto expected = reference(copy, reqs);
  std::atomic<int> wrong{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      InferenceWorkspace ws;
      start.arrive_and_wait();
      for (int round = 0; round < kRounds; ++round) {
        for (std::size_t k = 0; k < reqs.size(); ++k) {
          const std::size_t i = (k + std::size_t(t)) % reqs.size();
          const Request& r = reqs[i];
          if (!same_bits(Matrix(shared.infer(view(r.data.x), ws)), expected[i].one_pass_outputs)) ++wrong;
          if (shared.loss_of(view(r.data.y), ws) != expected[i].one_pass_loss) ++wrong;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
