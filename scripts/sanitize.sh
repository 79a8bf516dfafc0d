#!/usr/bin/env bash
# The test suite under clang's sanitizers (CI runs this; docs/testing.md):
# - build-asan: the whole suite with AddressSanitizer and UndefinedBehaviorSanitizer; undefined
#   behaviour stops the test (-fno-sanitize-recover=undefined), as does any leak. It builds
#   fathom as a shared library (libfathom.so), so the one build also checks that form; the
#   README's build is the static one.
# - build-tsan: the concurrent-inference tests (fathom_concurrency_tests) with ThreadSanitizer.
# Benchmarks, examples and the Python package (an interpreter not built with ASan cannot load a
# sanitized extension) are not built: they add build time and no code the tests do not run.
set -euo pipefail
cd "$(dirname "$0")/.."

configure=(-DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFATHOM_WERROR=ON
  -DFATHOM_BUILD_BENCH=OFF -DFATHOM_BUILD_EXAMPLES=OFF -DFATHOM_BUILD_PYTHON=OFF -DFATHOM_MPI=OFF)
command -v ccache >/dev/null && configure+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
jobs=$(nproc)

echo "== ASan + UBSan: the whole test suite (build-asan)"
cmake -S . -B build-asan "${configure[@]}" -DFATHOM_SANITIZE=address,undefined -DBUILD_SHARED_LIBS=ON >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1 \
  UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" --timeout 600

echo "== TSan: concurrent inference (build-tsan)"
cmake -S . -B build-tsan "${configure[@]}" -DFATHOM_SANITIZE=thread >/dev/null
cmake --build build-tsan -j"$jobs" --target fathom_concurrency_tests
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  ctest --test-dir build-tsan -R ConcurrentInference --no-tests=error --output-on-failure --timeout 600
