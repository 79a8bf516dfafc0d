#!/usr/bin/env bash
# Fuzzes each of fathom's loaders (fuzz/: csv, idx, pgm, model) with libFuzzer for N minutes
# each (default 3), under ASan and UBSan. Needs clang and libclang-rt-14-dev (scripts/setup.sh).
#
#   scripts/fuzz.sh [minutes-per-target] [--merge] [target...]     (0 minutes: build only)
#
# Builds in build-fuzz/ (clang, FATHOM_FUZZ=ON), starts from the committed corpus
# fuzz/corpus/<target>/ and writes what it finds under build-fuzz/fuzz-out/<target>/: new
# interesting inputs in corpus/, crashing, out-of-memory and slow inputs in artifacts/, the log
# in log.txt. --merge adds the new inputs that cover new code to the committed corpus (review
# their size before committing). One RESULT line per target; exits 1 if any target crashed.
# A reproducer is replayed with build-fuzz/fuzz/<target>_fuzz FILE; copying it into
# fuzz/corpus/<target>/ makes ctest's fuzz_replay_<target> catch it from then on.
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=3 merge=0 targets=()
for arg in "$@"; do
  case "$arg" in
    --merge) merge=1 ;;
    csv | idx | pgm | model) targets+=("$arg") ;;
    *[!0-9]* | "") echo "usage: scripts/fuzz.sh [minutes-per-target] [--merge] [csv|idx|pgm|model...]" >&2; exit 2 ;;
    *) minutes=$arg ;;
  esac
done
((${#targets[@]})) || targets=(csv idx pgm model)

build=build-fuzz
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" \
  -DFATHOM_FUZZ=ON -DFATHOM_BUILD_TESTS=OFF -DFATHOM_BUILD_BENCH=OFF -DFATHOM_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/%/_fuzz}"
((minutes > 0)) || exit 0

# One thread for fathom's kernels: the fuzzer's inputs are small and the machine may be shared.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
failed=0
for t in "${targets[@]}"; do
  out="$build/fuzz-out/$t"
  mkdir -p "$out/corpus" "$out/artifacts"
  # -fork=1 with -ignore_*: a crash is recorded and fuzzing goes on for the whole time.
  # -timeout and -rss_limit_mb report an input that takes over 10 s or 2 GiB (a size believed
  # from a header) as a finding of its own.
  set +e
  "$build/fuzz/${t}_fuzz" -max_total_time=$((minutes * 60)) -fork=1 -ignore_crashes=1 -ignore_ooms=1 \
    -ignore_timeouts=1 -timeout=10 -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$out/artifacts/" \
    "$out/corpus" "fuzz/corpus/$t" >"$out/log.txt" 2>&1
  set -e
  # Fork mode's status lines (-a: the log may hold bytes of crashing inputs): "#RUNS: cov: ... oom/timeout/crash: O/T/C time: ..."
  last=$(grep -aE '^#[0-9]+: cov:' "$out/log.txt" | tail -1 || true)
  runs=$(sed -nE 's/^#([0-9]+):.*/\1/p' <<<"$last")
  read -r ooms timeouts crashes < <(sed -nE 's#.*oom/timeout/crash: ([0-9]+)/([0-9]+)/([0-9]+).*#\1 \2 \3#p' <<<"$last") || true
  artifacts=$(find "$out/artifacts" -type f | wc -l)
  echo "RESULT $t: runs=${runs:-0} crashes=${crashes:-0} ooms=${ooms:-0} timeouts=${timeouts:-0}" \
    "artifacts=$artifacts minutes=$minutes (log: $out/log.txt)"
  [ -n "$last" ] || { echo "  no status line: see $out/log.txt" >&2; failed=1; }
  if [ "${crashes:-0}${ooms:-0}${timeouts:-0}" != "000" ] || [ "$artifacts" -gt 0 ]; then failed=1; fi
  if ((merge)); then
    "$build/fuzz/${t}_fuzz" -merge=1 "fuzz/corpus/$t" "$out/corpus" >>"$out/log.txt" 2>&1
    echo "  merged: fuzz/corpus/$t now has $(find "fuzz/corpus/$t" -type f | wc -l) files"
  fi
done
exit "$failed"
