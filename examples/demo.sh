#!/bin/sh
# examples/demo.sh: the pipeline as far as it exists, on bundled samples.
# Run through ./quickstart demo, or: ADALINK=build/adalink sh examples/demo.sh
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
A=${ADALINK:-$SRC/build/adalink}
OUT=${OUT:-$SRC/demo-out}
mkdir -p "$OUT"
step() { printf '\n== %s\n' "$*"; }
D="$SRC/tests/data/adalink"

step "adalink --version: the libraries and the OpenBLAS core in use"
"$A" --version

step "adalink inspect: a small T5 1.1 backbone (random weights) with a vision projection"
"$A" inspect -s "$D/backbone.safetensors"
"$A" inspect -tH "$D/backbone.safetensors" | head -5

step "a damaged checkpoint is refused with a reason (exit 1)"
if "$A" inspect "$SRC/tests/data/safetensors/bad/overlap.safetensors"; then
	echo "demo: expected a failure" >&2; exit 1
fi

step "adalink forward: log-likelihoods of the targets under the frozen backbone"
"$A" forward -b "$D/backbone.safetensors" "$D/batch.jsonl" | tee "$OUT/before.jsonl"

step "adalink train: text and image AdaLink modules, rank 32, 150 steps"
"$A" train -b "$D/backbone.safetensors" -d "$D/batch.jsonl" -D "$D/batch.jsonl" \
	-M text,image -r 32 -O adamw -l 3e-2 -n 150 -B 4 -e 50 -o "$OUT/adapter.safetensors"
"$A" inspect "$OUT/adapter.safetensors"

step "adalink forward with the adapter: the targets are now likelier"
"$A" forward -b "$D/backbone.safetensors" -a "$OUT/adapter.safetensors" "$D/batch.jsonl" | tee "$OUT/after.jsonl"
awk -F'[:,]' 'FNR == NR { b += $2; n += $4; next } { a += $2 }
	END { printf "mean nll per token: %.3f before, %.3f after\n", b / n, a / n }' \
	"$OUT/before.jsonl" "$OUT/after.jsonl"

step "adalink predict: beam search (4 beams) with the adapter"
"$A" predict -b "$D/backbone.safetensors" -a "$OUT/adapter.safetensors" -k 4 -L 6 "$D/batch.jsonl" | tee "$OUT/predictions.jsonl"

printf '\ndemo: done; outputs in %s\n' "$OUT"
