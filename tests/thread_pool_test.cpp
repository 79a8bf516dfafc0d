// fathom's worker threads (src/core/thread_pool.cpp, behind src/core/parallel.hpp): every part
// runs exactly once, from one caller or many at once, nested or not, and sums do not depend
// on timing.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "../src/core/parallel.hpp"
#include "fathom/core/threads.hpp"

namespace {

using fathom::detail::parallel_for;
using fathom::detail::parallel_sum;

// Restores the thread setting a test changes.
class ThreadPool : public ::testing::Test {
 protected:
  void TearDown() override { fathom::set_num_threads(saved_); }
  int saved_ = fathom::num_threads();
};

// Runs parallel_for(parts) and checks that each part ran exactly once.
void expect_each_part_once(int parts) {
  std::vector<std::atomic<int>> runs(static_cast<std::size_t>(parts));
  parallel_for(parts, [&](int p) { runs[static_cast<std::size_t>(p)].fetch_add(1); });
  for (int p = 0; p < parts; ++p)
    ASSERT_EQ(runs[static_cast<std::size_t>(p)].load(), 1) << "part " << p << " of " << parts;
}

TEST_F(ThreadPool, EveryPartRunsExactlyOnceLoopAfterLoop) {
  fathom::set_num_threads(4);
  for (int round = 0; round < 2000; ++round) expect_each_part_once(1 + round % 9);
  expect_each_part_once(0);
  expect_each_part_once(300);  // more parts than workers: the threads take several each
}

TEST_F(ThreadPool, ManyCallersAtOnceEachGetEveryPartOnce) {
  // A server's request threads share the pool: a loop that finds it busy runs on its own thread.
  fathom::set_num_threads(4);
  std::atomic<int> failures{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 8; ++t) {
    callers.emplace_back([&, t] {
      for (int round = 0; round < 500; ++round) {
        const int parts = 2 + (round + t) % 5;
        std::vector<std::atomic<int>> runs(static_cast<std::size_t>(parts));
        parallel_for(parts, [&](int p) { runs[static_cast<std::size_t>(p)].fetch_add(1); });
        for (auto& r : runs) failures += r.load() != 1;
      }
    });
  }
  for (auto& c : callers) c.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(ThreadPool, APartMayRunALoopItself) {
  fathom::set_num_threads(4);
  std::atomic<int> inner{0};
  parallel_for(4, [&](int) { parallel_for(3, [&](int) { inner.fetch_add(1); }); });
  EXPECT_EQ(inner.load(), 12);
}

TEST_F(ThreadPool, WorkersTakePartsWhenTheyAreFree) {
  // Parts that take a while: workers wake and take some (retried, since on a loaded machine
  // the caller may run them all before any worker gets a core; that is allowed, never wrong).
  std::set<std::thread::id> seen;
  for (int attempt = 0; attempt < 50 && seen.size() < 2; ++attempt) {
    std::mutex m;
    seen.clear();
    parallel_for(8, [&](int) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      std::lock_guard lock(m);
      seen.insert(std::this_thread::get_id());
    });
  }
  EXPECT_GE(seen.size(), 2u);
}

TEST_F(ThreadPool, SumsAreTheSameEveryTimeAndMatchTheSerialSum) {
  const auto term = [](std::int64_t i) { return 1.0f / float(1 + i % 97); };
  const float serial = parallel_sum(10000, 1, term);
  for (int threads : {2, 3, 4, 7}) {
    const float first = parallel_sum(10000, threads, term);
    EXPECT_NEAR(first, serial, 1e-3f * std::abs(serial)) << threads << " threads";
    for (int round = 0; round < 200; ++round) ASSERT_EQ(parallel_sum(10000, threads, term), first);
  }
  EXPECT_EQ(parallel_sum(0, 4, term), 0.0f);
  EXPECT_EQ(parallel_sum(1, 4, term), term(0));
}

}  // namespace
