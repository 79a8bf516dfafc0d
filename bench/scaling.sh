#!/usr/bin/env bash
# Data-parallel scaling on one machine (docs/scaling.md): for the 784-256-128-10 net and the
# wide 784-1024-1024-10 net, trains with build/bench/data_parallel_bench as 1 process x 1
# thread, 1 process x 2 threads and 2 processes x 1 thread (mpirun -np 2), the three
# configurations alternating, each --runs times. Prints every RESULT line and a markdown table
# of the medians: samples/s, step time split into compute and gradient allreduce, and the
# speedups of 2 ranks over 1 rank (1 thread each) and over 1 rank with 2 threads.
#
# Usage: bench/scaling.sh [--runs N] [--nets "mnist wide"] [--quick] [--out FILE] [-- bench options]
#   --runs N      runs of every configuration (default 3; the table shows median (min-max))
#   --nets LIST   which nets (default "mnist wide")
#   --quick       1 run, 1 timed epoch, 6,000 samples: a smoke test, never for the table
#   --out FILE    also save everything printed on stdout to FILE
#   after --      passed to data_parallel_bench, e.g. --optimizer sgd --samples 24000 --barrier
# Environment: BUILD_DIR (default: build). The script builds nothing when
# BUILD_DIR/bench/data_parallel_bench exists (rebuild it yourself after changing fathom);
# without it, it configures BUILD_DIR (Release) if needed and builds that one target.
# MPIRUN (default: mpirun), MPIRUN_FLAGS (default: --allow-run-as-root --bind-to core):
# Open MPI's default for 2 processes is one core each; give --bind-to none to let the kernel
# place them, --oversubscribe to run more processes than cores.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
bin=$build/bench/data_parallel_bench
mpirun=${MPIRUN:-mpirun}
read -r -a mpi_flags <<<"${MPIRUN_FLAGS:---allow-run-as-root --bind-to core}"
runs=3
nets="mnist wide"
quick=()
out=""
extra=()

usage() { sed -n '9,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while (($#)); do
  case $1 in
    --runs) runs=${2:?}; shift 2 ;;
    --nets) nets=${2:?}; shift 2 ;;
    --quick) quick=(--epochs 1 --samples 6000); runs=1; shift ;;
    --out) out=${2:?}; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) usage ;;
    *) echo "scaling.sh: unknown argument $1" >&2; usage ;;
  esac
done

if [[ ! -x $bin ]]; then
  echo "scaling.sh: $bin not found: building it" >&2
  if [[ ! -f $build/CMakeCache.txt ]]; then
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DFATHOM_BUILD_TESTS=OFF \
      -DFATHOM_BUILD_EXAMPLES=OFF -DFATHOM_BUILD_PYTHON=OFF >&2
  fi
  cmake --build "$build" -j"$(nproc)" --target data_parallel_bench >&2
fi
if ! command -v "$mpirun" >/dev/null; then
  echo "scaling.sh: $mpirun not found (Debian: openmpi-bin libopenmpi-dev)" >&2
  exit 1
fi

results=$(mktemp)
trap 'rm -f "$results"' EXIT

# One run: "label" then the command; its RESULT lines are printed and kept, tagged with label.
one() {
  local label=$1; shift
  local line
  "$@" | while IFS= read -r line; do
    [[ $line == RESULT* ]] || continue
    echo "$line"
    echo "$label $line" >>"$results"
  done
}

main() {
  echo "# $(date -u +%FT%TZ) $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "# mpirun: $mpirun ${mpi_flags[*]}; runs: $runs"
  for net in $nets; do
    for ((r = 1; r <= runs; ++r)); do
      echo "# $net run $r/$runs" >&2
      one "$net 1x1" "$bin" --net "$net" --threads 1 "${quick[@]}" "${extra[@]}"
      one "$net 1x2" "$bin" --net "$net" --threads 2 "${quick[@]}" "${extra[@]}"
      one "$net 2x1" "$mpirun" -np 2 "${mpi_flags[@]}" "$bin" --net "$net" --threads 1 "${quick[@]}" "${extra[@]}"
    done
  done
  echo
  /usr/bin/python3 - "$results" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    net, config, _, *pairs = line.split()
    kv = dict(p.split("=", 1) for p in pairs)
    if kv.get("bench") == "data_parallel":
        rows.setdefault((net, config), []).append(kv)
def med(runs, key):
    return statistics.median(float(r[key]) for r in runs)
def spread(runs, key, fmt):
    v = [float(r[key]) for r in runs]
    return f"{fmt.format(statistics.median(v))} ({fmt.format(min(v))}–{fmt.format(max(v))})"
names = {"1x1": "1 process × 1 thread", "1x2": "1 process × 2 threads", "2x1": "2 processes × 1 thread"}
print("| net | params | configuration | samples/s | step ms | compute ms | allreduce ms | vs 1×1 | vs 1×2 |")
print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
for net in dict.fromkeys(n for n, _ in rows):
    base1 = rows.get((net, "1x1")); base2 = rows.get((net, "1x2"))
    for config in ("1x1", "1x2", "2x1"):
        runs = rows.get((net, config))
        if not runs:
            continue
        sps = med(runs, "samples_per_s")
        vs1 = f"{sps / med(base1, 'samples_per_s'):.2f}×" if base1 else ""
        vs2 = f"{sps / med(base2, 'samples_per_s'):.2f}×" if base2 and config == "2x1" else ""
        ar = f"{med(runs, 'allreduce_ms_per_step'):.3f}" if config == "2x1" else "–"
        print(f"| {net} | {int(runs[0]['params']):,} | {names[config]} | {spread(runs, 'samples_per_s', '{:,.0f}')} "
              f"| {med(runs, 'step_ms'):.2f} | {med(runs, 'compute_ms_per_step'):.2f} | {ar} | {vs1} | {vs2} |")
alone = {}
for line in open(sys.argv[1]):
    net, config, _, *pairs = line.split()
    kv = dict(p.split("=", 1) for p in pairs)
    if kv.get("bench") == "allreduce":
        alone.setdefault(net, []).append(kv)
for net, runs in alone.items():
    print(f"\n{net}: allreduce of {int(runs[0]['params']):,} floats alone (2 ranks, after a barrier): "
          f"{med(runs, 'us_median'):.0f} µs, {med(runs, 'ring_gbytes_per_s'):.2f} GB/s ring bandwidth")
EOF
}

cd "$root"
if [[ -n $out ]]; then
  main | tee "$out"
else
  main
fi
