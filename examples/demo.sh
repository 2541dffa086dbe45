#!/bin/sh
# examples/demo.sh: the pipeline as far as it exists, on bundled samples.
# Run through ./quickstart demo, or: ADALINK=build/adalink sh examples/demo.sh
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
A=${ADALINK:-$SRC/build/adalink}
OUT=${OUT:-$SRC/demo-out}
mkdir -p "$OUT"
step() { printf '\n== %s\n' "$*"; }

step "adalink --version: the libraries and the OpenBLAS core in use"
"$A" --version

step "adalink inspect: a checkpoint's tensors and metadata, as TSV"
"$A" inspect "$SRC/tests/data/safetensors/good/tiny.safetensors"

step "a damaged checkpoint is refused with a reason (exit 1)"
if "$A" inspect "$SRC/tests/data/safetensors/bad/overlap.safetensors"; then
	echo "demo: expected a failure" >&2; exit 1
fi

printf '\ndemo: done; outputs in %s\n' "$OUT"
