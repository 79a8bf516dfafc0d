// fathom's worker threads, behind core/parallel.hpp's parallel_for.
//
// Why not OpenMP: an OpenMP runtime keeps idle threads spinning (GCC's libgomp by default
// for up to hundreds of microseconds at every barrier, and the policy is read once, from the
// environment, before main), so on a machine where another program holds a core, fathom's
// waiting threads took the CPU from its working ones: a Fashion-MNIST epoch took 2.7 s on two
// threads against 1.1 s on one. Here a loop's parts are claimed one at a time by whichever
// thread is free, the calling thread first, so a worker that is asleep or descheduled delays
// nothing it has not started; and an idle thread spins only briefly before it sleeps.
#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "parallel.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace fathom::detail {

namespace {

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

using Clock = std::chrono::steady_clock;
// An idle thread checks for work with pause instructions for kSpin, then hands its core to
// anyone else who wants it (sched_yield) until kYield, then sleeps in the kernel until woken.
// Spinning keeps back-to-back loops (one per layer and batch) from paying a wake-up each; the
// bound keeps a waiting thread from competing for long with the threads doing the work.
constexpr auto kSpin = std::chrono::microseconds(50);
constexpr auto kYield = std::chrono::microseconds(100);

// Whether sharing pays, measured rather than assumed: on an idle machine two threads finish a
// product in 0.55-0.6 of one thread's time; while another program holds a core, a part
// claimed by a worker that then loses its core holds up the loop for a scheduler time slice,
// and sharing can cost more than it saves. So the loops that say how much work they hold
// (matrix products) are timed, in windows of kWindow loops: most windows use the better of
// sharing and not sharing as last measured, one in kExploreEvery tries the other. Either way
// every part runs as the same call, so results never depend on the choice.
constexpr int kWindow = 48;
constexpr int kExploreEvery = 12;
constexpr double kKeepSharing = 0.95;

class SharingProbe {
 public:
  bool share() const { return share_; }
  void record(double work, Clock::duration took, bool shared) {
    if (shared != share_) return;
    work_ += work;
    seconds_ += std::chrono::duration<double>(took).count();
    if (++loops_ < kWindow) return;
    // Averaged over windows, so that one window a passing job slowed does not decide alone;
    // sharing is kept unless one thread is clearly faster.
    const double rate = work_ / seconds_;
    rate_[shared] = rate_[shared] > 0 ? 0.5 * (rate_[shared] + rate) : rate;
    if (rate_[0] > 0 && rate_[1] > 0) prefer_share_ = rate_[1] >= kKeepSharing * rate_[0];
    share_ = ++windows_ % kExploreEvery == 0 ? !prefer_share_ : prefer_share_;
    loops_ = 0;
    work_ = seconds_ = 0;
  }

 private:
  bool share_ = true, prefer_share_ = true;
  int loops_ = 0;
  long windows_ = 0;
  double work_ = 0, seconds_ = 0;
  double rate_[2] = {0, 0};  // work per second: [0] on the calling thread alone, [1] shared
};

// Returns once done() holds. Whoever makes done() true changes `word` and, when `sleepers`
// is non-zero, calls word.notify_all(): the sleeper counts itself before it last reads
// `word`, so no wake-up is lost (all accesses sequentially consistent).
template <class Done>
void wait_until(Done done, std::atomic<std::uint32_t>& word, std::atomic<int>& sleepers) {
  const auto start = Clock::now();
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return;
      cpu_relax();
    }
    const auto waited = Clock::now() - start;
    if (waited > kYield) break;
    if (waited > kSpin) sched_yield();
  }
  sleepers.fetch_add(1);
  for (;;) {
    const std::uint32_t seen = word.load();
    if (done()) break;
    word.wait(seen);
  }
  sleepers.fetch_sub(1);
}

class Pool {
 public:
  static Pool& instance() {
    static Pool pool;
    return pool;
  }

  Pool() = default;
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  ~Pool() {
    stop_.store(true);
    generation_.fetch_add(1);
    generation_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

  void run(int parts, PartFunction call, void* context, double work) {
    // One loop at a time: a loop started while another runs (a second thread of the program,
    // or a part that itself loops) runs on its own thread, which is then the better use of it.
    std::unique_lock lock(run_mutex_, std::try_to_lock);
    if (!lock.owns_lock() || parts > kMaxParts) {
      for (int p = 0; p < parts; ++p) call(context, p);
      return;
    }
    const auto start = Clock::now();
    if (!probe_.share()) {
      for (int p = 0; p < parts; ++p) call(context, p);
      if (work > 0) probe_.record(work, Clock::now() - start, false);
      return;
    }
    while (static_cast<int>(workers_.size()) < std::min(parts - 1, kMaxWorkers)) {
      workers_.emplace_back([this, seen = generation_.load()] { work_loop(seen); });
    }
    call_ = call;
    context_ = context;
    remaining_.store(static_cast<std::uint32_t>(parts));
    const std::uint32_t generation = generation_.load() + 1;
    claim_.store(std::uint64_t(generation) << 32 | std::uint64_t(parts) << 16);
    generation_.store(generation);
    if (worker_sleepers_.load() > 0) generation_.notify_all();
    take_parts(generation);
    wait_until([this] { return remaining_.load() == 0; }, remaining_, caller_sleepers_);
    if (work > 0) probe_.record(work, Clock::now() - start, true);
  }

 private:
  static constexpr int kMaxParts = 0xFFFF;

  static constexpr int kMaxWorkers = 255;

  void work_loop(std::uint32_t seen) {
    for (;;) {
      wait_until([&] { return generation_.load() != seen; }, generation_, worker_sleepers_);
      seen = generation_.load();
      if (stop_.load()) return;
      take_parts(seen);
    }
  }

  // Claims and runs parts of loop `generation` until none is left. claim_ holds the loop's
  // generation, its part count and the next unclaimed part, so a thread that wakes late can
  // never claim a part of a later loop; call_ and context_ stay as they are while a claimed
  // part is unfinished, because run() waits for every part before it starts another loop.
  void take_parts(std::uint32_t generation) {
    std::uint64_t claim = claim_.load();
    for (;;) {
      if (static_cast<std::uint32_t>(claim >> 32) != generation) return;
      const auto parts = static_cast<int>((claim >> 16) & 0xFFFF);
      const auto part = static_cast<int>(claim & 0xFFFF);
      if (part >= parts) return;
      if (!claim_.compare_exchange_weak(claim, claim + 1)) continue;
      call_(context_, part);
      if (remaining_.fetch_sub(1) == 1 && caller_sleepers_.load() > 0) remaining_.notify_all();
      claim = claim_.load();
    }
  }

  std::mutex run_mutex_;
  SharingProbe probe_;  // used with run_mutex_ held
  std::vector<std::thread> workers_;
  PartFunction call_ = nullptr;
  void* context_ = nullptr;
  std::atomic<std::uint64_t> claim_{0};
  std::atomic<std::uint32_t> generation_{0};
  std::atomic<std::uint32_t> remaining_{0};
  std::atomic<int> worker_sleepers_{0};
  std::atomic<int> caller_sleepers_{0};
  std::atomic<bool> stop_{false};
};

}  // namespace

void run_parts(int parts, PartFunction call, void* context, double work) {
  Pool::instance().run(parts, call, context, work);
}

}  // namespace fathom::detail
