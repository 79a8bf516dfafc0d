// The replay test's main (ctest fuzz_replay_<target>, every build, GCC included): runs each
// file of the corpus folders given on the command line through the target's
// LLVMFuzzerTestOneInput, as libFuzzer would. A fathom::Error is caught inside the target; any
// other exception fails the test naming the file, and a crash names it in the line before.
#include <sys/resource.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FATHOM_REPLAY_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define FATHOM_REPLAY_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FATHOM_REPLAY_ASAN 1
#endif

#ifdef FATHOM_REPLAY_ASAN
// Under ASan, as under libFuzzer's default -malloc_limit_mb: an allocation over 2 GiB fails
// (std::bad_alloc, which escapes the target) instead of being granted lazily by the kernel.
extern "C" const char* __asan_default_options() {
  return "allocator_may_return_null=1:max_allocation_size_mb=2048";
}
#endif

int main(int argc, char** argv) {
#if !defined(FATHOM_REPLAY_ASAN) && !defined(FATHOM_REPLAY_TSAN) && !defined(__SANITIZE_THREAD__)
  // A size believed from a header must not turn into a huge allocation that the kernel grants
  // lazily and the test never notices: 4 GiB of address space makes it a std::bad_alloc.
  // (ASan and TSan reserve terabytes of shadow memory: ASan gets its own limit above.)
  const rlimit limit{rlim_t(4) << 30, rlim_t(4) << 30};
  setrlimit(RLIMIT_AS, &limit);
#endif
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg = argv[i];
    if (std::filesystem::is_directory(arg)) {
      for (const auto& entry : std::filesystem::directory_iterator(arg))
        if (entry.is_regular_file()) files.push_back(entry.path());
    } else {
      files.push_back(arg);
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "fuzz replay: no corpus files given\n");
    return 2;
  }
  int failures = 0;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    std::fprintf(stderr, "%s (%zu bytes)\n", file.c_str(), bytes.size());
    try {
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "FAILED: %s: an exception that is not a fathom::Error: %s\n", file.c_str(),
                   e.what());
      ++failures;
    } catch (...) {
      std::fprintf(stderr, "FAILED: %s: an exception that is not a std::exception\n", file.c_str());
      ++failures;
    }
  }
  std::fprintf(stderr, "%zu files, %d failed\n", files.size(), failures);
  return failures == 0 ? 0 : 1;
}
