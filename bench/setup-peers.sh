#!/usr/bin/env bash
# Installs the peer libraries that bench/compare.sh measures fathom against, all from Debian:
# PyTorch and scikit-learn (run with Debian's /usr/bin/python3) and FANN (C library). Optional:
# the tests never need them, and compare.sh skips a peer that is not installed.
# Idempotent: packages already present are not fetched again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  python3 python3-numpy  # the Python peers' interpreter and arrays
  python3-torch          # PyTorch (Debian 12: 1.13)
  python3-sklearn        # scikit-learn MLPClassifier (Debian 12: 1.2)
  libfann-dev            # FANN 2.2, built into build/peers/fann_bench by compare.sh
  zlib1g-dev             # the FANN program reads the gzipped IDX files
  dataset-fashion-mnist  # the data every workload runs on
  time                   # /usr/bin/time for peak resident memory
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
