#!/usr/bin/env bash
# Runs fathom's whole test suite through CTest, building first if needed. Exits non-zero on
# any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release ${FATHOM_CMAKE_ARGS:-}
fi
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 300
