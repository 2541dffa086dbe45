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

step "generate miniature COCO and GLUE distributions in their official layouts"
/usr/bin/python3 "$SRC/tests/fixtures/mkdist.py" "$OUT/sample" coco glue >/dev/null
ls "$OUT/sample" | grep -E '^(coco|glue)\.(zip|tar\.gz)$'

step "adalink ingest: stream the archives into JSONL records (images joined in archive order)"
"$A" ingest coco "$OUT/sample/coco.tar.gz" | tee "$OUT/coco.jsonl" | cut -c1-160
"$A" ingest glue --task rte "$OUT/sample/glue.zip" | tee "$OUT/rte.jsonl" | cut -c1-160

step "adalink tokenize: the T5 SentencePiece model, ids identical to spm_encode"
/usr/bin/python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    print("rte sentence1: %s sentence2: %s" % (r["inputs"]["sentence1"], r["inputs"]["sentence2"]))
' "$OUT/rte.jsonl" | tee "$OUT/rte.txt" | "$A" tokenize -m "$SRC/tests/data/spm/t5_spiece.model" --add-eos

step "adalink build: the RTE sample and the COCO sample into shards, recorded in a catalog"
rm -f "$OUT/runs.db"
"$A" build -c "$OUT/runs.db" -O "$OUT/shards" -n rte -m "$SRC/tests/data/spm/t5_spiece.model" -t rte glue "$OUT/sample/glue.zip"
"$A" build -c "$OUT/runs.db" -O "$OUT/shards" -n coco-captions -m "$SRC/tests/data/spm/t5_spiece.model" coco "$OUT/sample/coco.zip"
"$A" shards ls -c "$OUT/runs.db"
"$A" shards verify -c "$OUT/runs.db"
"$A" shards cat -c "$OUT/runs.db" -m "$SRC/tests/data/spm/t5_spiece.model" rte | cut -c1-200

step "adalink train from the catalog: a tiny random T5 that takes T5's ids and the 588-value patches (14 x 14 x 3)"
"$A" init --config t5-tiny --vocab-size 32128 --vision-dim 588 -o "$OUT/t5-tiny.safetensors"
"$A" train -b "$OUT/t5-tiny.safetensors" -C "$OUT/runs.db" -t rte,coco-captions -M text,image -r 8 -O adamw -l 1e-2 -n 20 -B 2 -e 10 -o "$OUT/glue-adapter.safetensors"

step "adalink patches: a COCO photo resized to 224 (as Pillow) and cut into 16 x 16 patches of 14 x 14"
"$A" patches --png "$OUT/resized.png" -o "$OUT/patches.safetensors" "$SRC/tests/data/images/COCO_val2014_000000000241.jpg"
"$A" inspect -t "$OUT/patches.safetensors"

step "adalink inspect: a small T5 1.1 backbone (random weights) with a vision projection"
"$A" inspect -s "$D/backbone.safetensors"
"$A" inspect -tH "$D/backbone.safetensors" | head -5

step "a damaged checkpoint is refused with a reason (exit 1)"
if "$A" inspect "$SRC/tests/data/safetensors/bad/overlap.safetensors"; then
	echo "demo: expected a failure" >&2; exit 1
fi

step "adalink forward: log-likelihoods of the targets under the frozen backbone"
"$A" forward -b "$D/backbone.safetensors" "$D/batch.jsonl" | tee "$OUT/before.jsonl"

step "adalink train: text and image AdaLink modules, rank 32, 150 steps (no dropout: four examples to fit)"
"$A" train -b "$D/backbone.safetensors" -d "$D/batch.jsonl" -D "$D/batch.jsonl" \
	-M text,image -r 32 -O adamw -l 3e-2 -n 150 -B 4 -e 50 -p 0 -o "$OUT/adapter.safetensors"
"$A" inspect "$OUT/adapter.safetensors"

step "adalink forward with the adapter: the targets are now likelier"
"$A" forward -b "$D/backbone.safetensors" -a "$OUT/adapter.safetensors" "$D/batch.jsonl" | tee "$OUT/after.jsonl"
awk -F'[:,]' 'FNR == NR { b += $2; n += $4; next } { a += $2 }
	END { printf "mean nll per token: %.3f before, %.3f after\n", b / n, a / n }' \
	"$OUT/before.jsonl" "$OUT/after.jsonl"

step "adalink predict: beam search (4 beams) with the adapter"
"$A" predict -b "$D/backbone.safetensors" -a "$OUT/adapter.safetensors" -k 4 -L 6 "$D/batch.jsonl" | tee "$OUT/predictions.jsonl"

step "adalink score: the official metrics (COCO caption evaluation, VQA) on bundled predictions"
M="$SRC/tests/data/metrics"
"$A" score caption --refs "$M/seed-1/captions-raw/refs.jsonl" --preds "$M/seed-1/captions-raw/preds.jsonl"
"$A" score vqa -r "$M/official/vqa_annotations.json" -p "$M/official/vqa_results.json"

step "GLUE end to end with make: a generated archive, 8 tasks built, trained (AdaLink, rank 64), predicted and scored"
/usr/bin/python3 "$SRC/examples/mkglue.py" "$OUT/glue_data.zip"
"$A" init --config t5-tiny --vocab-size 32128 -o "$OUT/t5-tiny-glue.safetensors"
rm -rf "$OUT/glue"
make -s -j2 -f "$SRC/examples/glue.mk" ADALINK="$A" GLUE="$OUT/glue_data.zip" \
	BACKBONE="$OUT/t5-tiny-glue.safetensors" SPM="$SRC/tests/data/spm/t5_spiece.model" \
	STEPS=150 EVERY=50 RANK=64 LR=1e-2 BATCH=16 TRAINFLAGS="-f gelu -O adamw --no-decay -p 0" \
	OUT="$OUT/glue" 2>&1 | grep -v 'warning: .* predictions' || true
"$A" runs ls -c "$OUT/glue/catalog.db" | cut -f1-6 | column -t -s "$(printf '\t')"
"$A" plot -c "$OUT/glue/catalog.db" -o "$OUT/glue/curves.svg" rte-adalink sst2-adalink mnli-adalink
echo "training curves: $OUT/glue/curves.svg"
echo "results ($OUT/glue/results.md; a random backbone, so the numbers show the pipeline, not the method):"
cat "$OUT/glue/results.md"

printf '\ndemo: done; outputs in %s\n' "$OUT"
