// The thread policy (see core/threads.hpp). The thresholds were measured on 2 cores: below
// them, waking the second thread costs more than it saves (batch-1 training was 2.4x slower
// on 2 threads than on 1 before small products were kept on one thread).
#include "fathom/core/threads.hpp"

#include <cblas.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>

#include "fathom/core/error.hpp"

namespace fathom {

namespace {
constexpr double kThreadedMinMultiplyAdds = 4e6;
constexpr std::size_t kThreadedMinElements = std::size_t(1) << 16;
constexpr Index kBlock = 16;

// OMP_NUM_THREADS when set to a positive number (the variable users of numerical libraries
// already set), else the cores this process may run on (taskset and container CPU sets
// included).
int default_threads() {
  if (const char* env = std::getenv("OMP_NUM_THREADS")) {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    if (end != env && n >= 1) return static_cast<int>(std::min<long>(n, 1024));
  }
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0) return std::max(1, CPU_COUNT(&cpus));
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

// Function-local statics, not globals: another file's static initializer may ask before
// this file's globals would have been initialized.
std::atomic<int>& thread_setting() {
  static std::atomic<int> threads{default_threads()};
  return threads;
}
}  // namespace

void set_num_threads(int threads) {
  require(threads >= 1, "set_num_threads: threads must be >= 1, got " + std::to_string(threads));
  thread_setting().store(threads, std::memory_order_relaxed);
}

int num_threads() { return thread_setting().load(std::memory_order_relaxed); }

int threads_for_product(double multiply_adds, Index split_length) {
  const int threads = thread_setting().load(std::memory_order_relaxed);
  if (threads == 1 || multiply_adds < kThreadedMinMultiplyAdds) return 1;
  return static_cast<int>(std::clamp<Index>(split_length / kBlock, 1, threads));
}

int threads_for_elements(std::size_t n) {
  const int threads = thread_setting().load(std::memory_order_relaxed);
  return threads == 1 || n < kThreadedMinElements ? 1 : threads;
}

namespace detail {
void keep_blas_on_calling_thread() {
  // Once, before the first product: OpenBLAS's own threads would compete with fathom's.
  static const bool done = (openblas_set_num_threads(1), true);
  (void)done;
}
}  // namespace detail

}  // namespace fathom
