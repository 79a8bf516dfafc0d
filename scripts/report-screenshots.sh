#!/usr/bin/env bash
# Refreshes the README's report pictures (docs/images/report-*.png): runs the three report
# cases of the test suite (tests/report_cases/run_case.py: the bundled Iris run, XOR,
# Fashion-MNIST) with build/fathom and keeps chromium's screenshot of each page.
# Needs a build (scripts/setup.sh) and chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir -p docs/images
for c in iris xor fashion; do
  /usr/bin/python3 tests/report_cases/run_case.py --fathom build/fathom \
    --proto-py build/tests/tensorboard_py --data-dir data --out "$out" \
    --screenshot "docs/images/report-$c.png" "$c"
done
ls -l docs/images/report-*.png
