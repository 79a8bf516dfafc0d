#!/usr/bin/env bash
# Installs the Debian packages fathom needs and, for the tests, ONNX Runtime from npm
# (scripts/install-onnxruntime.sh), configures and builds a Release build in build/, and
# installs the Python package (import fathom) into Debian's python3.
# Idempotent: packages already present are not fetched again and the build is incremental.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config
  libeigen3-dev        # matrices and element-wise kernels
  libopenblas-dev      # GEMM (sgemm/sgemv) for every Dense layer
  libgtest-dev libgmock-dev  # the test suite
  libbenchmark-dev     # kernel benchmarks in bench/
  nlohmann-json3-dev   # model file metadata
  libcli11-dev         # the fathom command's flags and subcommands
  python3-numpy        # the Python package's arrays; the tests also run the numpy reader of docs/file_format.md
  zlib1g-dev           # gzip IDX files
  dataset-fashion-mnist  # Fashion-MNIST IDX files under /usr/share/datasets/fashion-mnist/ for the README walk-through
  clang-format         # scripts/check-format.sh: the code follows .clang-format (CI checks it)
  clang                # scripts/sanitize.sh and scripts/fuzz.sh build with clang (CI runs sanitize.sh)
  libclang-rt-14-dev   # clang's sanitizer and libFuzzer runtimes (only recommended by clang-14, so named here)
  libprotobuf-dev protobuf-compiler  # TensorBoard event files: Event/Summary protocol buffers
  python3-protobuf     # the tests read TensorBoard files back with an independent (Python) reader
  libjs-chart.js       # Chart.js, inlined into every HTML report at build time
  chromium             # the tests open HTML reports in headless chromium (tests/browser/)
  fonts-liberation     # its text font (only recommended by chromium, so named here)
  python3-dev pybind11-dev  # the Python package's extension (python/): CPython's headers and pybind11
  python3-sklearn      # fathom.sklearn's estimators build on scikit-learn's base classes and checks
  python3-pytest       # the Python package's tests (python/tests/)
  libonnx-dev          # ONNX export: the ONNX project's protobuf classes and model checker
  python3-onnx         # the tests check exported files with ONNX's Python checker too
  libopenmpi-dev openmpi-bin  # data-parallel training over MPI (mpirun -np N fathom train; docs/scaling.md)
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

# ONNX Runtime (npm's onnxruntime-node), which the tests run exported ONNX files in.
scripts/install-onnxruntime.sh

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release ${FATHOM_CMAKE_ARGS:-}
cmake --build build -j"$(nproc)"

# The Python package (import fathom) into Debian's python3, for every folder and user.
if grep -q "^FATHOM_BUILD_PYTHON:BOOL=ON" build/CMakeCache.txt; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO cmake --install build --component python
fi
