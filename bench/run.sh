#!/usr/bin/env bash
# Builds fathom's benchmarks (Release) when needed and runs both, printing one RESULT line per
# measurement. Usage: bench/run.sh [--quick] [--threads N]   (arguments go to train_bench)
# Environment: BUILD_DIR (default: build), JOBS (default: 2), MIN_TIME (kernels, default 0.1 s).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
jobs=${JOBS:-2}
min_time=${MIN_TIME:-0.1}
for arg in "$@"; do
  [[ $arg == --quick ]] && min_time=${MIN_TIME:-0.02}
done

# Configure only once: a Release cache is what every number in bench/README.md assumes.
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DFATHOM_BUILD_TESTS=OFF -DFATHOM_BUILD_EXAMPLES=OFF >&2
fi
if ! grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$build/CMakeCache.txt"; then
  echo "run.sh: $build is not a Release build; set BUILD_DIR to another folder" >&2
  exit 1
fi
cmake --build "$build" --target kernels_bench train_bench -j "$jobs" >&2

echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# Google Benchmark's CSV turned into RESULT lines. Columns are found by name, because the user
# counters (FLOPS, threads, params) only appear when some benchmark sets them.
"$build/bench/kernels_bench" --benchmark_min_time="$min_time" --benchmark_format=csv 2>/dev/null |
  awk -F, '
    /^name,/ { for (i = 1; i <= NF; i++) { h = $i; gsub(/"/, "", h); col[h] = i }; header = 1; next }
    !header { next }
    {
      name = $col["name"]; gsub(/"/, "", name); gsub(/\/real_time$/, "", name)
      unit = $col["time_unit"]; t = $col["real_time"]
      us = unit == "ns" ? t / 1000 : unit == "ms" ? t * 1000 : unit == "s" ? t * 1e6 : t
      line = sprintf("RESULT bench=kernel name=%s time_us=%.3f", name, us)
      if ("label" in col && $col["label"] != "") { l = $col["label"]; gsub(/"/, "", l); line = line " label=" l }
      if ("threads" in col && $col["threads"] != "") line = line sprintf(" threads=%d", $col["threads"])
      if ("FLOPS" in col && $col["FLOPS"] != "") line = line sprintf(" gflops=%.1f", $col["FLOPS"] / 1e9)
      if ($col["bytes_per_second"] != "") line = line sprintf(" gbytes_per_s=%.2f", $col["bytes_per_second"] / 1e9)
      if ($col["items_per_second"] != "") line = line sprintf(" items_per_s=%.4g", $col["items_per_second"])
      print line
    }'

"$build/bench/train_bench" "$@"
