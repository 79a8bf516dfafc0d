#!/usr/bin/env bash
# ONNX Runtime for the tests of the ONNX export (tests/deploy/): the onnxruntime-node package
# from npm, pinned by tests/deploy/package-lock.json, into tests/deploy/node_modules. Debian has
# no ONNX Runtime; this package carries its CPU runtime for linux x64 inside. Its post-install
# step is skipped (--ignore-scripts): it only downloads GPU add-ons. scripts/setup.sh calls this.
# Idempotent: nothing is fetched when the pinned packages are already there.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi

installed=tests/deploy/node_modules/.package-lock.json
if [ -f "$installed" ] && [ "$installed" -nt tests/deploy/package-lock.json ] &&
  [ -f tests/deploy/node_modules/onnxruntime-node/package.json ]; then
  exit 0
fi
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error --prefix tests/deploy
