// A Communicator over threads of one process, for testing data-parallel training without MPI:
// ThreadGroup(n).run(f) calls f(member) on n threads at once, each member a "process" of the
// group. Sums add the members' values in rank order (rank 0 first), as one fixed order, so a run
// repeats bit for bit.
#pragma once

#include <gtest/gtest.h>

#include <barrier>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "fathom/train/communicator.hpp"

namespace fathom::testing {

class ThreadGroup {
 public:
  explicit ThreadGroup(int size) : size_(size), barrier_(size), slots_(std::size_t(size)) {}

  class Member final : public Communicator {
   public:
    Member(ThreadGroup& group, int rank) : group_(group), rank_(rank) {}
    int rank() const override { return rank_; }
    int size() const override { return group_.size_; }
    void allreduce_sum(std::span<float> values) override { sum(values, group_.float_sums_); }
    void allreduce_sum(std::span<double> values) override { sum(values, group_.double_sums_); }
    void broadcast(std::span<std::byte> bytes, int root) override {
      group_.slots_[std::size_t(rank_)] = {bytes.data(), bytes.size()};
      group_.barrier_.arrive_and_wait();
      const Slot& from = group_.slots_[std::size_t(root)];
      if (from.size != bytes.size()) {
        ADD_FAILURE() << "broadcast: rank " << rank_ << " gave " << bytes.size() << " bytes, the root "
                      << from.size;
      } else if (rank_ != root) {
        std::memcpy(bytes.data(), from.data, bytes.size());
      }
      group_.barrier_.arrive_and_wait();
    }

   private:
    template <class T>
    void sum(std::span<T> values, std::vector<T>& sums) {
      group_.slots_[std::size_t(rank_)] = {values.data(), values.size()};
      group_.barrier_.arrive_and_wait();
      if (rank_ == 0) {
        sums.assign(values.begin(), values.end());
        for (std::size_t r = 1; r < group_.slots_.size(); ++r) {
          const T* other = static_cast<const T*>(group_.slots_[r].data);
          if (group_.slots_[r].size != sums.size())
            ADD_FAILURE() << "allreduce: rank " << r << " gave " << group_.slots_[r].size
                          << " values, rank 0 " << sums.size();
          for (std::size_t i = 0; i < sums.size() && i < group_.slots_[r].size; ++i) sums[i] += other[i];
        }
      }
      group_.barrier_.arrive_and_wait();
      std::copy(sums.begin(), sums.end(), values.begin());
      group_.barrier_.arrive_and_wait();
    }
    ThreadGroup& group_;
    int rank_;
  };

  // f(member) on every member's thread; rethrows the first exception any of them threw. A member
  // that throws leaves the group (the others' collectives no longer wait for it; what they sum
  // then is not to be trusted). One run per group.
  template <class F>
  void run(F f) {
    std::vector<std::thread> threads;
    std::exception_ptr error;
    std::mutex mutex;
    for (int r = 0; r < size_; ++r) {
      threads.emplace_back([&, r] {
        Member member(*this, r);
        try {
          f(member);
        } catch (...) {
          {
            std::lock_guard lock(mutex);
            if (!error) error = std::current_exception();
          }
          barrier_.arrive_and_drop();
          return;
        }
        barrier_.arrive_and_drop();
      });
    }
    for (auto& t : threads) t.join();
    if (error) std::rethrow_exception(error);
  }

 private:
  struct Slot {
    void* data = nullptr;
    std::size_t size = 0;
  };
  int size_;
  std::barrier<> barrier_;
  std::vector<Slot> slots_;
  std::vector<float> float_sums_;
  std::vector<double> double_sums_;
};

}  // namespace fathom::testing
