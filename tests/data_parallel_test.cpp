// Data-parallel training (FitOptions::communicator, docs/scaling.md) over a group of threads
// (thread_group.hpp), so that it is tested in every build, MPI or not: a group of 1, 2 or 3
// trains as one process does; its processes never drift apart, also with Dropout; metrics
// combine exactly; and what cannot work is refused on every process alike.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

#include "data_parallel_cases.hpp"
#include "fathom/fathom.hpp"
#include "thread_group.hpp"

namespace fathom::testing {
namespace {

// Runs `c` on a group of `size` threads; returns every member's run.
std::vector<ParallelRun> train_group(const ParallelCase& c, int size) {
  std::vector<ParallelRun> runs(static_cast<std::size_t>(size));
  ThreadGroup(size).run(
      [&](Communicator& member) { runs[std::size_t(member.rank())] = train_case(c, &member); });
  return runs;
}

struct GroupCase {
  ParallelCase c;
  int size;
};

class DataParallel : public ::testing::TestWithParam<GroupCase> {};

TEST_P(DataParallel, TrainsAsOneProcessAndEveryProcessHoldsTheSameWeights) {
  const auto& [c, size] = GetParam();
  const ParallelRun one = train_case(c, nullptr);
  const std::vector<ParallelRun> group = train_group(c, size);
  for (int r = 0; r < size; ++r) {
    expect_close(group[std::size_t(r)], one, c.tolerance, "rank " + std::to_string(r));
    EXPECT_TRUE(same_bits(group[std::size_t(r)].weights, group[0].weights)) << "rank " << r << " drifted";
    EXPECT_EQ(group[std::size_t(r)].history.values, group[0].history.values) << "rank " << r << "'s logs";
  }
  // A group of one is one process, bit for bit.
  if (size == 1) {
    EXPECT_TRUE(same_bits(group[0].weights, one.weights));
  }
  // The same group size repeats bit for bit.
  EXPECT_TRUE(same_bits(train_group(c, size)[0].weights, group[0].weights));
}

std::vector<GroupCase> group_cases() {
  std::vector<GroupCase> out;
  for (const auto& c : parallel_cases())
    for (int size : {1, 2, 3}) out.push_back({c, size});
  return out;
}

INSTANTIATE_TEST_SUITE_P(Cases, DataParallel, ::testing::ValuesIn(group_cases()), [](const auto& info) {
  return info.param.c.name + "_" + std::to_string(info.param.size);
});

Sequential dropout_model() {
  Sequential model(4, 3);
  model.add(Dense(16, "relu"));
  model.add(Dropout(0.3f));
  model.add(Dense(3, "softmax"));
  model.compile({.loss = Loss("cce"), .optimizer = "adam", .metrics = {"accuracy"}});
  return model;
}

// Each process draws its own Dropout masks (as DistributedDataParallel's processes do) from a
// stream seeded at every step, so the batch order, drawn from the model's generator, stays one.
TEST(DataParallelDropout, ProcessesStayTogetherAndLearn) {
  ParallelCase c{.name = "dropout",
                 .model = dropout_model,
                 .x = std::make_shared<Matrix>(),
                 .y = std::make_shared<Matrix>(),
                 .options = {.epochs = 60, .batch_size = 16}};
  parallel_blobs(*c.x, *c.y, 90, 8);
  const std::vector<ParallelRun> group = train_group(c, 3);
  for (const auto& run : group) EXPECT_TRUE(same_bits(run.weights, group[0].weights));
  // (Blobs one standard deviation apart: about 0.8 is what the net can do.)
  EXPECT_GT(group[0].history["accuracy"].back(), 0.7);
  // One process alone draws the masks from the model's generator, as without a communicator.
  EXPECT_TRUE(same_bits(train_group(c, 1)[0].weights, train_case(c, nullptr).weights));
}

TEST(DataParallelResume, AModelTrainedByTwoProcessesResumesOnThree) {
  ParallelCase c = parallel_cases()[0];
  const ParallelRun one = train_case(c, nullptr);  // 2 epochs on one process
  std::string bytes;
  ThreadGroup(2).run([&](Communicator& member) {
    Sequential model = c.model();
    FitOptions options = c.options;
    options.epochs = 1;
    options.communicator = &member;
    model.fit(*c.x, *c.y, options);
    if (member.rank() == 0) bytes = model_bytes(model);
  });
  std::vector<ParallelRun> resumed(3u);
  ThreadGroup(3).run([&](Communicator& member) {
    Sequential model = model_from_bytes(bytes);
    FitOptions options = c.options;
    options.initial_epoch = 1;
    options.communicator = &member;
    model.fit(*c.x, *c.y, options);
    const auto w = model.parameters().values();
    resumed[std::size_t(member.rank())].weights.assign(w.begin(), w.end());
    resumed[std::size_t(member.rank())].history = model.history;
  });
  for (const auto& run : resumed) expect_close(run, one, 1e-5, "resumed on 3");
}

TEST(DataParallelChecks, ADifferentDataSetOnOneProcessIsRefusedOnEvery) {
  ParallelCase c = parallel_cases()[0];
  Matrix other = *c.x;
  other(2, 17) += 1;
  std::vector<std::string> errors(2);
  ThreadGroup(2).run([&](Communicator& member) {
    Sequential model = c.model();
    FitOptions options = c.options;
    options.communicator = &member;
    try {
      model.fit(member.rank() == 1 ? other : *c.x, *c.y, options);
    } catch (const DataError& e) {
      errors[std::size_t(member.rank())] = e.what();
    }
  });
  EXPECT_NE(errors[1].find("the fingerprint of the training inputs"), std::string::npos) << errors[1];
  EXPECT_NE(errors[1].find("rank 1"), std::string::npos) << errors[1];
  EXPECT_NE(errors[0].find("1 process(es) hold other data"), std::string::npos) << errors[0];
}

TEST(DataParallelChecks, RankZerosModelIsEveryones) {
  ParallelCase c = parallel_cases()[0];
  std::vector<ParallelRun> runs(2);
  ThreadGroup(2).run([&](Communicator& member) {
    // Another seed on rank 1: its initial weights are replaced by rank 0's.
    Sequential model(4, member.rank() == 0 ? 7 : 99);
    model.add(Dense(8, "tanh"));
    model.add(Dense(3, "softmax"));
    model.compile({.loss = Loss("cce"), .optimizer = "adam", .metrics = {"accuracy", "f1", "precision"}});
    FitOptions options = c.options;
    options.communicator = &member;
    model.fit(*c.x, *c.y, options);
    const auto w = model.parameters().values();
    runs[std::size_t(member.rank())].weights.assign(w.begin(), w.end());
  });
  EXPECT_TRUE(same_bits(runs[0].weights, runs[1].weights));
  EXPECT_LE(relative_difference(runs[1].weights[5], train_case(c, nullptr).weights[5]), 1e-5);
}

TEST(DataParallelChecks, LevenbergMarquardtIsRefusedWithTheReason) {
  ParallelCase c = parallel_cases()[0];
  std::vector<std::string> errors(2);
  ThreadGroup(2).run([&](Communicator& member) {
    Sequential model(4, 1);
    model.add(Dense(3, "tanh"));
    model.add(Dense(3, "linear"));
    model.compile({.loss = Loss("mse"), .optimizer = "lm"});
    FitOptions options{.epochs = 1, .communicator = &member};
    try {
      model.fit(*c.x, *c.y, options);
    } catch (const InvalidArgument& e) {
      errors[std::size_t(member.rank())] = e.what();
    }
  });
  for (const auto& e : errors) EXPECT_NE(e.find("does not train data-parallel"), std::string::npos) << e;
}

TEST(DataParallelChecks, BadDataOnOneProcessIsRefusedOnEveryBeforeTraining) {
  ParallelCase c = parallel_cases()[0];
  Matrix bad = *c.x;
  bad(1, 30) = std::numeric_limits<Scalar>::quiet_NaN();
  std::vector<std::string> errors(3u);
  ThreadGroup(3).run([&](Communicator& member) {
    Sequential model = c.model();
    FitOptions options = c.options;
    options.communicator = &member;
    try {
      model.fit(member.rank() == 2 ? bad : *c.x, *c.y, options);
    } catch (const DataError& e) {
      errors[std::size_t(member.rank())] = e.what();
    }
  });
  EXPECT_NE(errors[2].find("NaN"), std::string::npos) << errors[2];
  for (int r : {0, 1}) {
    EXPECT_NE(errors[std::size_t(r)].find("1 other process(es) refused"), std::string::npos)
        << errors[std::size_t(r)];
  }
}

TEST(DataParallelChecks, AnotherConfigurationOnOneProcessIsRefused) {
  ParallelCase c = parallel_cases()[0];
  std::vector<std::string> errors(2u);
  ThreadGroup(2).run([&](Communicator& member) {
    Sequential model(4, 7);
    model.add(Dense(8, "tanh"));
    model.add(Dense(3, "softmax"));
    // Rank 1 asks for other metrics: its totals would not add up with rank 0's.
    std::vector<std::string> metrics{"accuracy"};
    if (member.rank() == 1) metrics.push_back("f1");
    model.compile({.loss = Loss("cce"), .optimizer = "adam", .metrics = metrics});
    FitOptions options = c.options;
    options.communicator = &member;
    try {
      model.fit(*c.x, *c.y, options);
    } catch (const DataError& e) {
      errors[std::size_t(member.rank())] = e.what();
    }
  });
  EXPECT_NE(errors[1].find("layers, loss, metrics and optimizer"), std::string::npos) << errors[1];
  EXPECT_FALSE(errors[0].empty());
}

// L-BFGS starts a step from the last line search's evaluation; a callback on rank 0 alone that
// runs passes of its own (TensorBoard's gradient histograms do) voids it there only: every
// process must then evaluate again, together.
TEST(DataParallelChecks, AKeptEvaluationVoidedOnOneProcessIsVoidedOnEvery) {
  const std::vector<ParallelCase> cases = parallel_cases();
  const auto lbfgs =
      std::find_if(cases.begin(), cases.end(), [](const auto& c) { return c.name == "lbfgs_full_batch"; });
  ASSERT_NE(lbfgs, cases.end());
  const ParallelCase& c = *lbfgs;
  auto train = [&](Communicator* member, bool probe) {
    Sequential model = c.model();
    LambdaCallback callback([&](Sequential& m, int, const Logs&) {
      if (!probe) return;
      m.forward(cview(*c.x), true);
      m.zero_grad();
      m.backward(cview(*c.y));
    });
    FitOptions options = c.options;
    options.callbacks = {&callback};
    options.communicator = member;
    model.fit(*c.x, *c.y, options);
    const auto w = model.parameters().values();
    return std::vector<Scalar>(w.begin(), w.end());
  };
  ParallelRun one, rank1;
  one.weights = train(nullptr, true);
  std::vector<std::vector<Scalar>> group(2u);
  ThreadGroup(2).run(
      [&](Communicator& member) { group[std::size_t(member.rank())] = train(&member, member.rank() == 0); });
  EXPECT_TRUE(same_bits(group[0], group[1]));
  rank1.weights = group[1];
  expect_close(rank1, one, c.tolerance, "lbfgs with a probe on rank 0");
}

// A callback that stops one process (a time limit, say) stops them all after that epoch.
TEST(DataParallelChecks, StoppingOneProcessStopsEvery) {
  ParallelCase c = parallel_cases()[0];
  std::vector<std::size_t> epochs(3);
  ThreadGroup(3).run([&](Communicator& member) {
    Sequential model = c.model();
    LambdaCallback stop([&](Sequential& m, int, const Logs&) {
      if (member.rank() == 2) m.stop_training = true;
    });
    FitOptions options = c.options;
    options.epochs = 5;
    options.callbacks = {&stop};
    options.communicator = &member;
    epochs[std::size_t(member.rank())] = model.fit(*c.x, *c.y, options).size();
  });
  for (std::size_t e : epochs) EXPECT_EQ(e, 1u);
}

// Metric::reduce against the metric computed on all the samples at once: each process sees a
// different part, with its own first target (r2's shift) and class counts.
TEST(DataParallelMetrics, CombinedTotalsEqualTheWholeData) {
  Matrix x, y;
  parallel_blobs(x, y, 50, 12);
  Matrix a = y * 0.6f + x.topRows(3) * 0.2f;  // scores that are right about half the time
  for (const char* name : {"accuracy", "binary_accuracy", "mse", "mae", "r2", "precision", "recall", "f1"}) {
    auto whole = make_metric(name);
    whole->reset();
    whole->update(cview(a), cview(y));
    std::vector<double> results(3);
    ThreadGroup(3).run([&](Communicator& member) {
      auto part = make_metric(name);
      part->reset();
      const Index first = member.rank() * 20, count = std::min<Index>(20, 50 - first);  // 20, 20, 10
      part->update(ConstMatrixView(a.data() + first * 3, 3, count),
                   ConstMatrixView(y.data() + first * 3, 3, count));
      part->reduce(member);
      results[std::size_t(member.rank())] = part->result();
    });
    for (double r : results) EXPECT_NEAR(r, whole->result(), 1e-12) << name;
  }
}

}  // namespace
}  // namespace fathom::testing
