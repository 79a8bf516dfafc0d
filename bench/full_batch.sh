#!/usr/bin/env bash
# Compares fathom's full-batch optimizers (lbfgs, rprop = iRPROP-, irprop+, lm =
# Levenberg-Marquardt) with scikit-learn's MLPClassifier(solver="lbfgs") and FANN's RPROP on XOR,
# the 5x5 digits, Iris, breast_cancer, wine and digits (8x8): iterations, loss evaluations, fit
# seconds, iterations/seconds to a target train accuracy, train and test accuracy, medians over
# seeds. Prints RESULT lines and a markdown table (bench/peers/full_batch.py has the details).
#
# Usage: bench/full_batch.sh [--quick] [--out FILE] [-- full_batch.py options]
#   --quick       50 iterations, 1 seed: a smoke test, never for the table
#   --out FILE    also save everything printed on stdout to FILE
#   after --       passed to bench/peers/full_batch.py, e.g. --iterations 1000 --seeds 1,2,3,4,5
#                  --data iris,wine --methods fathom-lbfgs,sklearn-lbfgs --threads 2
# Environment: BUILD_DIR (default: build; the Python package must already be built in
# BUILD_DIR/python), CC (default: gcc).
#
# FANN's program is compiled into BUILD_DIR/peers/fann_rprop from bench/peers/fann_rprop.c
# (when it is missing or older than its source); without libfann-dev (<fann.h>) FANN is skipped
# with a note on stderr.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
python=/usr/bin/python3  # Debian's: numpy and scikit-learn
quick=()
out=""
extra=()

usage() { sed -n '8,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while (($#)); do
  case $1 in
    --quick) quick=(--quick); shift ;;
    --out) out=${2:?}; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) usage ;;
    *) echo "full_batch.sh: unknown argument $1" >&2; usage ;;
  esac
done

if [[ ! -d $build/python/fathom ]]; then
  echo "full_batch.sh: $build/python/fathom not found: build fathom's Python package first" >&2
  echo "  (cmake -S . -B $build -DCMAKE_BUILD_TYPE=Release && cmake --build $build)" >&2
  exit 1
fi

fann=()
src=$root/bench/peers/fann_rprop.c bin=$build/peers/fann_rprop
if ! { pkg-config --exists fann 2>/dev/null || [[ -f /usr/include/fann.h ]]; }; then
  echo "full_batch.sh: note: fann.h not found (libfann-dev; bench/setup-peers.sh); skipping FANN" >&2
else
  if [[ ! -x $bin || $src -nt $bin ]]; then
    mkdir -p "$build/peers"
    fann_flags=$(pkg-config --cflags --libs fann 2>/dev/null || echo -lfann)
    # shellcheck disable=SC2086  # fann_flags is a word list
    if ! "${CC:-gcc}" -std=c11 -O2 -Wall -o "$bin" "$src" $fann_flags -lm >&2; then
      echo "full_batch.sh: note: could not compile $src; skipping FANN" >&2
      bin=""
    fi
  fi
  [[ -n $bin ]] && fann=(--fann "$bin")
fi

cd "$root"
run() {
  PYTHONPATH=$build/python${PYTHONPATH:+:$PYTHONPATH} "$python" "$root/bench/peers/full_batch.py" \
    "${quick[@]}" "${fann[@]}" "${extra[@]}"
}
if [[ -n $out ]]; then
  run | tee "$out"
else
  run
fi
