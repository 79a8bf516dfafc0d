#!/usr/bin/env bash
# fathom on a shared machine: the Fashion-MNIST epoch (784-256-128-10, Adam, batch 128) with
# all cores ("default", as fathom starts) against one thread, each while another program keeps
# one core busy (a shell busy loop this script starts and stops itself), and on an idle
# machine; runs alternate (ABAB) so drift in the machine's state hits both sides alike.
# Prints one RESULT line per run and a summary:
#   RESULT bench=contention loaded_default_over_1thread=R idle_1thread_over_default=S
# Goals: R <= 1.1 (the waiting threads never cost more than they bring) and S >= 1.3.
# Usage: bench/contention.sh [pairs (default 3)] [build folder (default build)]
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-3}
build=${2:-build}
workloads=$build/bench/workloads
[ -x "$workloads" ] || { echo "contention.sh: $workloads not built (cmake --build $build --target workloads)" >&2; exit 1; }
cores=$(nproc)
[ "$cores" -ge 2 ] || { echo "contention.sh: needs 2 or more cores, this machine has $cores" >&2; exit 1; }

busy_pid=""
stop_busy() {
  if [ -n "$busy_pid" ]; then
    kill "$busy_pid" 2>/dev/null || true
    wait "$busy_pid" 2>/dev/null || true
  fi
  busy_pid=""
}
trap stop_busy EXIT

# Seconds per epoch (median of the timed epochs) of one run with $1 threads.
epoch() {
  "$workloads" --workload epoch128 --threads "$1" --epochs 3 |
    sed -n 's/.*seconds_per_epoch=\([0-9.]*\).*/\1/p'
}

declare -A times
for load in busy idle; do
  if [ "$load" = busy ]; then
    sh -c 'while :; do :; done' &
    busy_pid=$!
  fi
  for ((i = 0; i < pairs; i++)); do
    for threads in "$cores" 1; do
      s=$(epoch "$threads")
      label=$([ "$threads" = 1 ] && echo 1thread || echo default)
      echo "RESULT bench=contention load=$load threads=$threads run=$i seconds_per_epoch=$s"
      times[$load.$label]+="$s "
    done
  done
  stop_busy
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
bd=$(echo "${times[busy.default]}" | median)
b1=$(echo "${times[busy.1thread]}" | median)
id=$(echo "${times[idle.default]}" | median)
i1=$(echo "${times[idle.1thread]}" | median)
awk -v bd="$bd" -v b1="$b1" -v id="$id" -v i1="$i1" -v c="$cores" 'BEGIN {
  printf "RESULT bench=contention cores=%d loaded_default_s=%.3f loaded_1thread_s=%.3f idle_default_s=%.3f idle_1thread_s=%.3f loaded_default_over_1thread=%.2f idle_1thread_over_default=%.2f\n",
    c, bd, b1, id, i1, bd / b1, i1 / id }'
