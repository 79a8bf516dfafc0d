// Shared by the benchmark programs: wall-clock seconds, the RESULT line and the statistics it
// reports, the machine's load, and a callback that times every epoch of a fit() call.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <fathom/fathom.hpp>
#include <utility>
#include <vector>

namespace fathom_bench {

using Clock = std::chrono::steady_clock;

// One "RESULT key=value ..." line on stdout (printf's format), flushed at once.
template <class... Args>
void result(const char* fmt, Args... args) {
  std::printf("RESULT ");
  std::printf(fmt, args...);
  std::printf("\n");
  std::fflush(stdout);
}

// The 1-minute load average (-1 if unknown): the machine may be shared, and a busy core halves
// 2-thread and 2-process figures, so runs record the load they saw.
inline double load_average() {
  double load = -1;
  if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &load) != 1) load = -1;
    std::fclose(f);
  }
  return load;
}

inline double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The nearest-rank percentile p (0–100) of v.
inline double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p / 100.0 * double(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// The middle value, or the mean of the two middle ones (as Python's statistics.median, which
// the peer benchmarks use).
inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

inline double mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return v.empty() ? 0 : sum / double(v.size());
}

// Records the wall time of every epoch of one fit() call, and the logs of the last one.
class EpochTimer : public fathom::Callback {
 public:
  void on_epoch_begin(fathom::Sequential&, int) override { t0_ = Clock::now(); }
  void on_epoch_end(fathom::Sequential&, int, const fathom::Logs& logs) override {
    seconds.push_back(seconds_since(t0_));
    last = logs;
  }
  std::vector<double> seconds;
  fathom::Logs last;

 private:
  Clock::time_point t0_;
};

}  // namespace fathom_bench
