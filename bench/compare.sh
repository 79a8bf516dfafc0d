#!/usr/bin/env bash
# Runs fathom and its peers (PyTorch, scikit-learn, FANN) on the workloads of
# bench/peers/README.md, alternating libraries run by run, and prints a markdown table of
# medians (min–max) with fathom's ratio to each peer (bench/compare_table.py).
#
# Usage: bench/compare.sh [--runs N] [--workloads a,b,c] [--threads 1,2] [--libs fathom,pytorch,sklearn,fann]
#                         [--quick] [--out FILE]
#   --runs N       repetitions of every (workload, threads, library) (default 3)
#   --workloads    default: sgemm_peak epoch128 epoch32 online_sgd inference xor digits wide
#                  (wide's pct_sgemm_peak needs sgemm_peak, which is added when fathom runs)
#   --threads      thread counts (default 1,2)
#   --libs         default: every one installed; a missing peer is skipped with a note on stderr
#   --quick        passed to every program (smaller sizes: a smoke test, never for the table)
#   --out FILE     also save the raw RESULT lines (and the machine line) to FILE;
#                  bench/compare_table.py FILE prints the table again
# Environment: BUILD_DIR (default: build), JOBS (default: 2), CC (default: cc).
#
# Order: for each workload, for each thread count, for rep in 1..N, every library once in turn
# (A B C A B C ...), so that machine noise spreads over all of them. One process per run.
# FANN is single-threaded: it runs only at the first thread count, with --threads 1, and the
# table compares its numbers with fathom's at every T. sgemm_peak is fathom's alone.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
jobs=${JOBS:-2}
python=/usr/bin/python3

runs=3
workloads=sgemm_peak,epoch128,epoch32,online_sgd,inference,xor,digits,wide
threads=1,2
libs=fathom,pytorch,sklearn,fann
quick=()
out=""

usage() { sed -n '6,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while (($#)); do
  case $1 in
    --runs) runs=${2:?}; shift 2 ;;
    --workloads) workloads=${2:?}; shift 2 ;;
    --threads) threads=${2:?}; shift 2 ;;
    --libs) libs=${2:?}; shift 2 ;;
    --quick) quick=(--quick); shift ;;
    --out) out=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "compare.sh: unknown argument $1" >&2; usage ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: --runs needs a positive integer" >&2; exit 2; }
IFS=, read -r -a workload_list <<<"$workloads"
IFS=, read -r -a thread_list <<<"$threads"
IFS=, read -r -a wanted_libs <<<"$libs"
for t in "${thread_list[@]}"; do
  [[ $t =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: bad thread count '$t'" >&2; exit 2; }
done
for w in "${workload_list[@]}"; do
  case $w in
    sgemm_peak|epoch128|epoch32|online_sgd|inference|xor|digits|wide) ;;
    *) echo "compare.sh: unknown workload '$w'" >&2; exit 2 ;;
  esac
done

# ---------------------------------------------------------------- which libraries can run
declare -A cmd=() script=()  # program, and the Python peers' script
active=()
for lib in "${wanted_libs[@]}"; do
  case $lib in
    fathom)
      # Configure only once, as bench/run.sh does: every number assumes a Release cache.
      if [[ ! -f $build/CMakeCache.txt ]] &&
        ! cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DFATHOM_BUILD_TESTS=OFF -DFATHOM_BUILD_EXAMPLES=OFF >&2; then
        echo "compare.sh: note: could not configure $build; skipping fathom" >&2
        continue
      fi
      if ! grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$build/CMakeCache.txt"; then
        echo "compare.sh: $build is not a Release build; set BUILD_DIR to another folder" >&2
        exit 1
      fi
      if cmake --build "$build" --target workloads -j "$jobs" >&2 && [[ -x $build/bench/workloads ]]; then
        cmd[fathom]="$build/bench/workloads"
      else
        echo "compare.sh: note: could not build fathom's bench/workloads; skipping fathom" >&2
        continue
      fi ;;
    pytorch|sklearn)
      module=$([[ $lib == pytorch ]] && echo torch || echo sklearn)
      py=$root/bench/peers/${module}_bench.py
      if [[ ! -f $py ]]; then
        echo "compare.sh: note: $py missing; skipping $lib" >&2; continue
      fi
      if ! "$python" -c "import $module" 2>/dev/null; then
        echo "compare.sh: note: $python cannot import $module (bench/setup-peers.sh installs it); skipping $lib" >&2
        continue
      fi
      cmd[$lib]=$python script[$lib]=$py ;;
    fann)
      if ! { pkg-config --exists fann 2>/dev/null || [[ -f /usr/include/fann.h ]]; } || [[ ! -f /usr/include/zlib.h ]]; then
        echo "compare.sh: note: libfann-dev or zlib1g-dev not installed (bench/setup-peers.sh); skipping fann" >&2
        continue
      fi
      src=$root/bench/peers/fann_bench.c bin=$build/peers/fann_bench
      if [[ ! -x $bin || $src -nt $bin || $root/bench/peers/fann_idx.h -nt $bin ]]; then
        mkdir -p "$build/peers"
        fann_flags=$(pkg-config --cflags --libs fann 2>/dev/null || echo -lfann)
        # shellcheck disable=SC2086  # fann_flags is a word list
        if ! "${CC:-cc}" -std=c11 -O2 -Wall -o "$bin" "$src" $fann_flags -lz -lm >&2; then
          echo "compare.sh: note: could not compile $src; skipping fann" >&2
          continue
        fi
      fi
      cmd[fann]=$bin ;;
    *) echo "compare.sh: unknown library '$lib' (fathom, pytorch, sklearn, fann)" >&2; exit 2 ;;
  esac
  active+=("$lib")
done
if ((${#active[@]} == 0)); then
  echo "compare.sh: no library can run" >&2
  exit 1
fi
# wide's share of the sgemm peak needs fathom's sgemm_peak at the same thread counts.
if [[ " ${workload_list[*]} " == *" wide "* && " ${workload_list[*]} " != *" sgemm_peak "* && -n ${cmd[fathom]:-} ]]; then
  echo "compare.sh: note: adding sgemm_peak (wide's pct_sgemm_peak is relative to it)" >&2
  workload_list=(sgemm_peak "${workload_list[@]}")
fi
if [[ -n ${cmd[fann]:-} ]] && ((${#thread_list[@]} > 1 || thread_list[0] > 1)); then
  echo "compare.sh: note: FANN is single-threaded; it runs once per rep with --threads 1 and the table compares it at every T" >&2
fi

# ---------------------------------------------------------------- runs
cd "$root"  # fann_bench reads data/digits_5x5.csv relative to the repository root
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
load_before=$(cut -d' ' -f1 /proc/loadavg)
start=$(date +%s)
echo "compare.sh: libraries: ${active[*]}; workloads: ${workload_list[*]}; threads: ${thread_list[*]}; runs: $runs; load ${load_before}" >&2

for w in "${workload_list[@]}"; do
  for t in "${thread_list[@]}"; do
    for ((rep = 1; rep <= runs; rep++)); do
      for lib in "${active[@]}"; do
        [[ $w == sgemm_peak && $lib != fathom ]] && continue
        lib_threads=$t
        if [[ $lib == fann ]]; then
          [[ $t == "${thread_list[0]}" ]] || continue
          lib_threads=1
        fi
        argv=("${cmd[$lib]}")
        [[ -n ${script[$lib]:-} ]] && argv+=("${script[$lib]}")
        argv+=(--workload "$w" --threads "$lib_threads" "${quick[@]}")
        t0=$(date +%s%N)
        rc=0
        output=$("${argv[@]}") || rc=$?
        ms=$((($(date +%s%N) - t0) / 1000000))
        lines=$(grep '^RESULT ' <<<"$output" || true)
        status=""
        ((rc == 0)) || status=" (exit $rc)"
        printf 'compare.sh: %-10s T=%s rep %d/%d %-8s %4d.%01d s%s\n' "$w" "$t" "$rep" "$runs" "$lib" \
          $((ms / 1000)) $((ms % 1000 / 100)) "$status" >&2
        if [[ -z $lines ]]; then
          echo "compare.sh: note: $lib printed no RESULT line for $w at T=$lib_threads" >&2
        else
          echo "$lines" >>"$raw"
        fi
      done
    done
  done
done

load_after=$(cut -d' ' -f1 /proc/loadavg)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
mode=""
((${#quick[@]} == 0)) || mode=", --quick"
machine="# machine: ${cpu:-unknown CPU}, $(nproc) cores, 1-min load ${load_before} before, ${load_after} after; $runs run(s)$mode; $(($(date +%s) - start)) s; $(date -u +%Y-%m-%dT%H:%MZ)"
echo "$machine" >>"$raw"
if [[ -n $out ]]; then
  cp "$raw" "$out"
  echo "compare.sh: raw RESULT lines in $out" >&2
fi
"$python" "$root/bench/compare_table.py" "$raw"
