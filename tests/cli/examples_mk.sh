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
run runs ls -c "$T/g/catalog.db"
has "$T/out" "rte-adalink	adalink	finished	6" "the runs are in the catalog"
done_testing
