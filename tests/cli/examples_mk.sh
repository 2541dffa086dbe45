#!/bin/sh
# examples_mk.sh: examples/glue.mk runs from a generated GLUE archive to
# results.tsv and results.md (each cell the task's glue_score x 100 from
# its score file, the GLUE column their mean); a second make does nothing;
# a newer archive redoes the work; make -j2 is safe.
. "${SRCDIR:-.}/tests/cli/lib.sh"
S="$SRCDIR/tests/data/spm/t5_spiece.model"
/usr/bin/python3 "$SRCDIR/examples/mkglue.py" "$T/glue.zip" 24 12
ok $? "generate a GLUE archive"
run init --config t5-tiny --vocab-size 32128 -o "$T/t5.safetensors"
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -f "$SRCDIR/examples/glue.mk" ADALINK="$ADALINK" GLUE="$T/glue.zip" \
		BACKBONE="$T/t5.safetensors" SPM="$S" TASKS="RTE SST-2 STS-B" STEPS=6 EVERY=3 \
		RANK=4 BATCH=4 OUT="$T/g" "$@" >"$T/mk.out" 2>&1
}
mk -j2
ok $? "make -j2 -f examples/glue.mk completes"
sed 's/^/#   /' "$T/mk.out" | grep -v warning | head -10
[ -f "$T/g/results.tsv" ] && [ -f "$T/g/results.md" ]
ok $? "results.tsv and results.md"
has "$T/g/results.tsv" "method	RTE	SST-2	STS-B	GLUE	params" "tasks as columns, then GLUE and params"
awk -F'\t' -v d="$T/g/adalink" 'NR == 2 {
	split("rte sst2 stsb", t, " "); s = 0
	for (i = 1; i <= 3; i++) {
		f = d "/" t[i] ".score.tsv"; v = ""
		while ((getline l < f) > 0) { split(l, a, "\t"); if (a[1] == "glue_score") v = a[2] }
		if (v == "" || $(i + 1) != sprintf("%.1f", 100 * v)) bad = 1
		s += $(i + 1)
	}
	if ($5 != sprintf("%.1f", s / 3) && !($5 == "nan" || $5 == "-nan")) bad = 1
	if ($6 != 4 * 64 * 2) bad = 1   # a rank-4 text module: down and up, d 64
} END { exit bad || NR != 2 }' "$T/g/results.tsv"
ok $? "each cell is its score file's glue_score x 100, GLUE their mean, params 512"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -q -s -f "$SRCDIR/examples/glue.mk" ADALINK="$ADALINK" GLUE="$T/glue.zip" \
	BACKBONE="$T/t5.safetensors" SPM="$S" TASKS="RTE SST-2 STS-B" STEPS=6 EVERY=3 \
	RANK=4 BATCH=4 OUT="$T/g"
ok $? "a second make has nothing to do"
touch "$T/glue.zip"
mk
[ $? -eq 0 ] && [ "$T/g/results.tsv" -nt "$T/glue.zip" ]
ok $? "a newer archive: make again, and the results are remade"
# the paper's baselines: one row per method; full fine-tuning predicts with
# the checkpoint it wrote; params as train --dry-run counts them
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -j2 -f "$SRCDIR/examples/glue.mk" ADALINK="$ADALINK" \
	GLUE="$T/glue.zip" BACKBONE="$T/t5.safetensors" SPM="$S" TASKS="RTE" STEPS=4 EVERY=2 \
	RANK=4 BATCH=4 METHODS="adalink prompt lora full" OUT="$T/m" >"$T/mk.out" 2>&1
ok $? "METHODS=\"adalink prompt lora full\""
[ "$(cut -f1 "$T/m/results.tsv" | tr '\n' ' ')" = "method adalink prompt lora full " ]
ok $? "a row per method"
for m in prompt lora full; do
	f=$([ $m = full ] || echo "-r 4")
	want=$("$ADALINK" train -q --dry-run -b "$T/t5.safetensors" --method $m $f | awk -F'\t' '$1 == "trainable" { print $2 }')
	got=$(awk -F'\t' -v m=$m '$1 == m { print $NF }' "$T/m/results.tsv")
	[ -n "$want" ] && [ "$got" = "$want" ]
	ok $? "$m: $got trainable parameters, as --dry-run counts them"
done
# captions (coco.mk) with real JPEGs, and question answering (vqa.mk) on
# the generated VQAv2 and DocVQA samples (annotations only): the tables of
# the paper's Tables 1 and 4, each cell the score file's number x 100
/usr/bin/python3 "$SRCDIR/tests/fixtures/mkcoco.py" "$T/coco" 8 96x72
"$ADALINK" init -q --config t5-tiny --vocab-size 32128 --vision-dim 588 -o "$T/t5v.safetensors"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -j2 -f "$SRCDIR/examples/coco.mk" ADALINK="$ADALINK" \
	COCO_DATASET=coco COCO_ANN="$T/coco/annotations/captions_val2014.json" \
	COCO_IMAGES="$T/coco/val2014" COCO_TRAIN=val COCO_TEST=val BACKBONE="$T/t5v.safetensors" \
	SPM="$S" SIZE=56 STEPS=4 EVERY=2 RANK=4 BATCH=4 MAXLEN=6 OUT="$T/c" >"$T/mk.out" 2>&1
ok $? "make -f examples/coco.mk on 8 real JPEGs"
sed 's/^/#   /' "$T/mk.out" | head -5
has "$T/c/results.tsv" "method	COCO CIDEr	COCO Bleu_4	COCO ROUGE_L	params" "COCO's columns"
awk -F'\t' -v f="$T/c/adalink/coco.score.tsv" 'NR == 2 {
	while ((getline l < f) > 0) { split(l, a, "\t"); v[a[1]] = sprintf("%.1f", 100 * a[2]) }
	exit !($2 == v["CIDEr"] && $3 == v["Bleu_4"] && $4 == v["ROUGE_L"]) }' "$T/c/results.tsv"
ok $? "the cells are the score file's CIDEr, BLEU-4 and ROUGE-L x 100"
[ "$(grep -c . "$T/c/adalink/coco.pred.jsonl")" -eq 8 ]
ok $? "a caption predicted for each of the 8 test images"
/usr/bin/python3 "$SRCDIR/tests/fixtures/mkdist.py" "$T/s" vqav2 docvqa >/dev/null 2>&1
V="$T/s/vqav2/tree"
Dq="$T/s/docvqa/tree"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -j2 -f "$SRCDIR/examples/vqa.mk" ADALINK="$ADALINK" \
	VQAV2_ANN="$V/v2_OpenEnded_mscoco_val2014_questions.json $V/v2_mscoco_val2014_annotations.json" \
	VQAV2_TRAIN=val DOCVQA_ANN="$Dq/spdocvqa_qas/val_v1.0_withQT.json" DOCVQA_TRAIN=val \
	BUILDFLAGS=--no-images BACKBONE="$T/t5v.safetensors" SPM="$S" STEPS=4 EVERY=2 RANK=4 \
	BATCH=4 OUT="$T/q" >"$T/mk.out" 2>&1
ok $? "make -f examples/vqa.mk on the VQAv2 and DocVQA samples"
sed 's/^/#   /' "$T/mk.out" | head -5
has "$T/q/results.tsv" "method	VQAv2 VQA	DocVQA ANLS	params" "VQA accuracy and ANLS columns"
run runs ls -c "$T/g/catalog.db"
has "$T/out" "rte-adalink	adalink	finished	6" "the runs are in the catalog"
done_testing
