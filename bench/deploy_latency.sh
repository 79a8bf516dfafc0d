#!/usr/bin/env bash
# Single-sample latency of the 784-256-128-10 Fashion-MNIST network as deployed (docs/deploy.md):
#   fathom's own inference (build/bench/workloads --workload inference, one thread),
#   the exported C function, float and int8 weights, built with gcc -O2 (portable) and
#   gcc -O3 -march=native,
#   ONNX Runtime through onnxruntime-node (one thread, batch 1; scripts/install-onnxruntime.sh).
# It trains the network first (EPOCHS, default 5) and prints the int8 weights' accuracy cost on
# the test set, as `fathom export` reports it. Prints RESULT lines; needs a Release build in build/.
# Usage: bench/deploy_latency.sh [OUT_DIR]   (default: a temporary folder, removed at the end)
set -euo pipefail
cd "$(dirname "$0")/.."
fashion=/usr/share/datasets/fashion-mnist
out=${1:-}
if [ -z "$out" ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"
train="idx:$fashion/train-images-idx3-ubyte.gz,$fashion/train-labels-idx1-ubyte.gz"
test="idx:$fashion/t10k-images-idx3-ubyte.gz,$fashion/t10k-labels-idx1-ubyte.gz"

build/fathom train --data "$train" --layers 256:relu,128:relu,10:softmax --epochs "${EPOCHS:-5}" \
  --batch-size 128 --quiet --save "$out/fashion.fathom"
build/fathom evaluate --model "$out/fashion.fathom" --data "$test" | grep -i '^accuracy' || true
mkdir -p "$out/float" "$out/int8"
build/fathom export --model "$out/fashion.fathom" --onnx "$out/fashion.onnx" \
  --c "$out/float/net.c" --c-header "$out/float/net.h" --prefix net
build/fathom export --model "$out/fashion.fathom" --c "$out/int8/net.c" --c-header "$out/int8/net.h" \
  --prefix net --quantize int8 --data "$test" |
  sed -n 's/^int8 weights on \([0-9]*\) samples.*accuracy \([0-9.]*\) % against \([0-9.]*\) % in float.*for \([0-9.]*\) % of the samples$/RESULT lib=c workload=int8_accuracy samples=\1 int8_accuracy_pct=\2 float_accuracy_pct=\3 same_class_pct=\4 config=fathom_export_quantize_int8/p'

# The test images as float32 rows in [0, 1], as fathom reads them.
/usr/bin/python3 - "$fashion/t10k-images-idx3-ubyte.gz" "$out/images.f32" <<'PY'
import gzip, sys
import numpy as np
with gzip.open(sys.argv[1]) as f:
    data = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
(data.astype(np.float32) / 255.0).tofile(sys.argv[2])
PY

for weights in float int8; do
  for flags in "-O2" "-O3 -march=native"; do
    # shellcheck disable=SC2086
    gcc -std=c99 $flags -I"$out/$weights" "$out/$weights/net.c" bench/deploy/c_latency.c -lm -o "$out/c_latency"
    "$out/c_latency" "$out/images.f32" "${weights}_gcc${flags// /_}"
  done
done
node bench/deploy/onnx_latency.js "$out/fashion.onnx" "$out/images.f32" 784
build/bench/workloads --workload inference --threads 1
