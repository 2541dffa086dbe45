#!/bin/sh
# score.sh: adalink score against the official scorers' numbers in
# tests/data/metrics/seed-*/ (made with pycocoevalcap, the VQA evaluation,
# the DocVQA ANLS script and Hugging Face evaluate's GLUE metric), corpus
# and per example, at 1e-9 relative (GLUE Pearson and Spearman: 1e-6);
# then the edges: missing, unknown and duplicate ids, usage errors.
. "${SRCDIR:-.}/tests/cli/lib.sh"
D="$TESTDATA/metrics"
S1="$D/seed-1"

# within GOT WANT TOL: every (case, metric[, id]) row of WANT is in GOT and
# agrees to TOL relative; prints the bad rows as comments
within() {
	awk -F'\t' -v tol="$3" '
	function abs(x) { return x < 0 ? -x : x }
	NR == FNR { got[$1 FS $2 FS $3] = $NF; next }
	FNR == 1 && $1 == "case" { next }
	{ key = (NF == 4) ? $1 FS $2 FS $3 : $1 FS $2 FS; n++
	  if (!(key in got)) { bad++; if (bad < 5) print "#   missing: " key; next }
	  g = got[key]; w = $NF
	  if (g == w) next
	  if (abs(g - w) > tol * abs(w) + 1e-300) { bad++; if (bad < 5) print "#   " key ": got " g ", want " w } }
	END { if (n == 0) { print "#   no rows compared"; exit 1 } exit bad > 0 }' "$1" "$2"
}

# score CASE DIR METRIC [OPTIONS]: corpus rows to $T/got, per example to $T/gotpe
score_case() {
	case_=$1 dir=$2 metric=$3
	shift 3
	"$ADALINK" score "$metric" --refs "$dir/refs.jsonl" --preds "$dir/preds.jsonl" \
		--per-example "$T/pe" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	awk -F'\t' -v c="$case_" '{ print c FS $1 FS FS $2 }' "$T/out" >>"$T/got"
	awk -F'\t' -v c="$case_" '$2 != "correct" { print c FS $2 FS $1 FS $3 }' "$T/pe" >>"$T/gotpe"
	return $rc
}

for seed in "$D"/seed-*; do
	s=$(basename "$seed")
	: >"$T/got"
	: >"$T/gotpe"
	fails=0
	score_case captions-pretokenized "$seed/captions-pretokenized" caption --pretokenized || fails=1
	score_case captions-raw "$seed/captions-raw" caption || fails=1
	score_case vqa "$seed/vqa" vqa || fails=1
	score_case anls "$seed/anls" anls || fails=1
	for m in accuracy f1 mcc; do score_case glue-bin "$seed/glue-bin" $m || fails=1; done
	for m in accuracy mcc; do score_case glue-mc "$seed/glue-mc" $m || fails=1; done
	for m in pearson spearman; do score_case glue-stsb "$seed/glue-stsb" $m || fails=1; done
	ok $fails "$s: every case scores (exit 0)"
	for c in captions-pretokenized captions-raw vqa anls glue-bin glue-mc; do
		grep "^$c	" "$seed/expected.tsv" >"$T/want"
		within "$T/got" "$T/want" 1e-9
		ok $? "$s: $c corpus scores agree with the reference to 1e-9"
		grep "^$c	" "$seed/per_example.tsv" >"$T/want"
		if [ -s "$T/want" ]; then
			within "$T/gotpe" "$T/want" 1e-9
			ok $? "$s: $c per-example scores agree with the reference to 1e-9"
		fi
	done
	grep "^glue-stsb	" "$seed/expected.tsv" >"$T/want"
	within "$T/got" "$T/want" 1e-6
	ok $? "$s: glue-stsb pearson and spearman agree to 1e-6"
done

# GLUE task scores: MRPC is the mean of accuracy and F1 (from the seed-1
# reference numbers), STS-B the mean of Pearson and Spearman.
run score glue mrpc --refs "$S1/glue-bin/refs.jsonl" --preds "$S1/glue-bin/preds.jsonl"
expect_rc 0 "glue mrpc exits 0"
want=$(awk -F'\t' '$1 == "glue-bin" && ($2 == "accuracy" || $2 == "f1") { s += $3 } END { printf "%.15f", s / 2 }' "$S1/expected.tsv")
got=$(awk -F'\t' '$1 == "glue_score" { printf "%.15f", $2 }' "$T/out")
[ "$got" = "$want" ]
ok $? "glue mrpc: glue_score is the mean of accuracy and f1 ($got)"
run score glue stsb --refs "$S1/glue-stsb/refs.jsonl" --preds "$S1/glue-stsb/preds.jsonl"
want=$(awk -F'\t' '$1 == "glue-stsb" { s += $3 } END { printf "%.6f", s / 2 }' "$S1/expected.tsv")
got=$(awk -F'\t' '$1 == "glue_score" { printf "%.6f", $2 }' "$T/out")
[ "$got" = "$want" ]
ok $? "glue stsb: glue_score is the mean of pearson and spearman ($got)"

# The official file layouts (seed-1's cases rewritten as COCO, VQA and
# DocVQA files, detected or named) give the official numbers too.
O="$D/official"
official() {
	want_case=$1; shift
	run score "$@"
	expect_rc 0 "$*: exits 0"
	awk -F'\t' -v c="$want_case" '{ print c FS $1 FS FS $2 }' "$T/out" >"$T/got"
	grep "^$want_case	" "$S1/expected.tsv" >"$T/want"
	within "$T/got" "$T/want" 1e-9
	ok $? "$1 $want_case from official files agrees with the reference"
}
official captions-raw caption --refs "$O/coco_annotations.json" --preds "$O/coco_results.json"
official captions-raw caption --format coco --refs "$O/coco_annotations.json" --preds "$O/coco_results.json"
official vqa vqa --refs "$O/vqa_annotations.json" --preds "$O/vqa_results.json"
official anls anls --refs "$O/docvqa_gt.json" --preds "$O/docvqa_results.json"
official anls anls --format docvqa --refs "$O/docvqa_gt.json" --preds "$O/docvqa_results.json"
# A real COCO captions file (its first 100 annotations) and the COCO API's
# fake results: only the images of the results are scored, as COCOEvalCap.
run score caption --refs "$O/captions_val2014.first100.json" \
	--preds "$O/captions_val2014_fakecap_results.first100.json" --per-example "$T/pe"
expect_rc 0 "real COCO annotations and results score"
[ "$(grep -c '	CIDEr	' "$T/pe")" -eq 3 ]
ok $? "the three images of the results are scored"
run score vqa --format coco --refs "$O/vqa_annotations.json" --preds "$O/vqa_results.json"
expect_rc 1 "a VQA file read as COCO is an error"

# GLUE dev TSV files with submission-style predictions (index<TAB>label);
# the expected numbers are worked out here with awk from the files.
GD="$D/glue"
awk -F'\t' 'NR > 1 { print NR - 2 "\t" (NR % 4 == 0 ? ($4 == "entailment" ? "not_entailment" : "entailment") : $4) }' \
	"$GD/rte_dev.tsv" | { printf 'index\tprediction\n'; cat; } >"$T/rte.tsv"
run score glue rte --refs "$GD/rte_dev.tsv" --preds "$T/rte.tsv"
expect_rc 0 "glue rte from the dev TSV and label names"
want=$(awk -F'\t' 'NR > 1 { n++; if (NR % 4 != 0) k++ } END { printf "%.12f", k / n }' "$GD/rte_dev.tsv")
got=$(awk -F'\t' '$1 == "accuracy" { printf "%.12f", $2 }' "$T/out")
[ "$got" = "$want" ]
ok $? "rte accuracy is the share of unflipped labels ($got)"
awk -F'\t' '{ print NR - 1 "\t" (NR % 3 == 0 ? 1 - $2 : $2) }' "$GD/cola_dev.tsv" >"$T/cola.tsv"
run score glue cola --refs "$GD/cola_dev.tsv" --preds "$T/cola.tsv"
want=$(awk -F'\t' '{ y = $2; p = (NR % 3 == 0) ? 1 - y : y
	if (p && y) tp++; else if (p) fp++; else if (y) fn++; else tn++ }
	END { printf "%.12f", (tp * tn - fp * fn) / sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)) }' "$GD/cola_dev.tsv")
got=$(awk -F'\t' '$1 == "mcc" { printf "%.12f", $2 }' "$T/out")
[ "$got" = "$want" ]
ok $? "cola MCC from the header-less dev file ($got)"
awk -F'\t' 'NR > 1 { print $1 "\t" $10 * 0.5 + 1 }' "$GD/stsb_dev.head300.tsv" >"$T/stsb.tsv"
run score glue stsb --refs "$GD/stsb_dev.head300.tsv" --preds "$T/stsb.tsv"
awk -F'\t' '{ d = $2 - 1; if (d < 0) d = -d } $1 != "glue_score" && d > 1e-6 { bad = 1 } END { exit bad }' "$T/out"
ok $? "stsb: a linear map of the scores correlates 1 (Pearson and Spearman)"
run score glue rte --format glue --refs "$GD/rte_dev.tsv" --preds "$T/cola.tsv"
expect_rc 1 "predictions for ids the references lack are an error"

# Edges
printf '{"id": "a", "references": ["x y"]}\n{"id": "b", "references": ["y z"]}\n' >"$T/r.jsonl"
printf '{"id": "a", "prediction": "x y"}\n' >"$T/p.jsonl"
run score caption --pretokenized --refs "$T/r.jsonl" --preds "$T/p.jsonl"
expect_rc 1 "a missing prediction is an error"
has "$T/err" "no prediction for id 'b'" "naming the id"
run score caption --pretokenized --allow-missing --refs "$T/r.jsonl" --preds "$T/p.jsonl"
expect_rc 0 "--allow-missing scores it"
printf '{"id": "a", "prediction": "x"}\n{"id": "c", "prediction": "x"}\n' >"$T/p2.jsonl"
run score bleu --pretokenized --refs "$T/r.jsonl" --preds "$T/p2.jsonl"
expect_rc 1 "a prediction for an unknown id is an error"
has "$T/err" "id 'c', which has no reference" "naming the id"
printf '{"id": "a", "prediction": "x"}\n{"id": "a", "prediction": "y"}\n' >"$T/p3.jsonl"
run score bleu --pretokenized --refs "$T/r.jsonl" --preds "$T/p3.jsonl"
expect_rc 1 "a duplicate prediction is an error"
has "$T/err" "line 2: a second prediction for id 'a'" "naming the line and id"
printf '{"id": "a", "references": ["x"]}\n{"id": "a", "references": ["y"]}\n' >"$T/r2.jsonl"
run score bleu --pretokenized --refs "$T/r2.jsonl" --preds "$T/p.jsonl"
expect_rc 1 "a duplicate reference id is an error"
has "$T/err" "duplicate id 'a'" "naming it"
printf '{"id": "a", "references": ["x"]\n' >"$T/bad.jsonl"
run score bleu --refs "$T/bad.jsonl" --preds "$T/p.jsonl"
expect_rc 1 "malformed JSON is an error"
has "$T/err" "line 1: not valid JSON" "naming the line"
no_sanitizer "no sanitizer report"
# one image: CIDEr-D is 0, as in the reference (every idf is log 1 - log 1)
printf '{"id": "1", "references": ["a dog runs", "a dog is running"]}\n' >"$T/one.jsonl"
printf '{"id": "1", "prediction": "a dog runs"}\n' >"$T/onep.jsonl"
run score cider --pretokenized --refs "$T/one.jsonl" --preds "$T/onep.jsonl"
[ "$(cat "$T/out")" = "$(printf 'CIDEr\t0')" ]
ok $? "a one-image corpus scores CIDEr-D 0"
# constant inputs: MCC 0, Pearson NaN
printf '{"id": "%d", "label": 1}\n' 1 2 3 >"$T/c.jsonl"
printf '{"id": "%d", "prediction": %d}\n' 1 1 2 0 3 1 >"$T/cp.jsonl"
run score mcc --refs "$T/c.jsonl" --preds "$T/cp.jsonl"
[ "$(cat "$T/out")" = "$(printf 'mcc\t0')" ]
ok $? "MCC of a constant side is 0"
run score pearson --refs "$T/c.jsonl" --preds "$T/cp.jsonl"
[ "$(cat "$T/out")" = "$(printf 'pearson\tnan')" ]
ok $? "Pearson of a constant side is nan"

# JSONL read by the fast path (plain lines) and by yajl (escapes, \u
# sequences, odd whitespace, comments) gives the same numbers, per example
# too.
/usr/bin/python3 - "$S1" "$T" <<'PYEOF'
import json, sys
src, t = sys.argv[1], sys.argv[2]
for case in ("captions-raw", "vqa"):
    for f in ("refs", "preds"):
        rows = [json.loads(l) for l in open("%s/%s/%s.jsonl" % (src, case, f), encoding="utf-8")]
        for i, r in enumerate(rows):   # some with a quote, a backslash and non-ASCII text
            if "references" in r and i % 4 == 0:
                r["references"].append('say "h\\i" caf\u00e9 \u2014 ok')
        with open("%s/%s-%s-raw.jsonl" % (t, case, f), "w", encoding="utf-8") as o:
            for r in rows:
                o.write(json.dumps(r, ensure_ascii=False) + "\n")
        with open("%s/%s-%s-esc.jsonl" % (t, case, f), "w", encoding="utf-8") as o:
            for i, r in enumerate(rows):
                if i % 3 == 0:
                    o.write(json.dumps(r, ensure_ascii=True) + "\n")
                elif i % 3 == 1:
                    o.write("{\f" + json.dumps(r, ensure_ascii=False, separators=(" ,", " :  "))[1:] + "\n")
                else:
                    o.write("/* c */ " + json.dumps(r, ensure_ascii=False) + "\n")
PYEOF
for c in captions-raw:caption vqa:vqa; do
	case_=${c%%:*} m=${c#*:}
	"$ADALINK" score $m -r "$T/$case_-refs-raw.jsonl" -p "$T/$case_-preds-raw.jsonl" -e - >"$T/a" 2>&1
	"$ADALINK" score $m -r "$T/$case_-refs-esc.jsonl" -p "$T/$case_-preds-esc.jsonl" -e - >"$T/b" 2>&1
	[ -s "$T/a" ] && cmp -s "$T/a" "$T/b"
	ok $? "$case_: escaped, commented and spaced JSONL scores as the plain one"
done
printf '{"id": "a", "references": ["x \377 y"]}\n' >"$T/badutf.jsonl"
run score bleu --refs "$T/badutf.jsonl" --preds "$T/p.jsonl"
expect_rc 1 "invalid UTF-8 in a string is an error"
has "$T/err" "line 1: not valid JSON" "naming the line"

# Per-example terms of the correlations: they add up to the corpus value.
run score glue stsb --refs "$S1/glue-stsb/refs.jsonl" --preds "$S1/glue-stsb/preds.jsonl" \
	--per-example "$T/pe"
expect_rc 0 "glue stsb with --per-example"
for m in pearson spearman; do
	awk -F'\t' -v m=$m 'NR == FNR { if ($1 == m) want = $2; next }
		$2 == m "_term" { s += $3; n++ }
		END { d = s - want; if (d < 0) d = -d; exit !(n == 200 && d < 1e-12) }' "$T/out" "$T/pe"
	ok $? "stsb: the ${m}_term of the 200 examples add up to $m"
done

# Several GLUE tasks, each with its own pair of files: the numbers of
# each as TASK.NAME, and the leaderboard's average over the tasks, MNLI
# counting once (the mean of matched and mismatched), AX left out.
# Worked by hand: cola labels 1 0 1 0, predictions the same: MCC 1;
# sst2 3 of 4 right: 0.75; mrpc labels 1 1 0 0, predictions 1 1 1 0:
# accuracy 0.75, F1 2*2 / (2*2 + 1 + 0) = 0.8, score 0.775; stsb
# predictions = labels: 1; mnli_matched 2 of 4 right (0.5),
# mnli_mismatched 4 of 4 (1): MNLI 0.75; ax 0 of 2 (left out).
# Average: (1 + 0.75 + 0.775 + 1 + 0.75) / 5 = 0.855.
glue_pair() {   # NAME "LABELS" "PREDS"
	i=0; : >"$T/$1.r"; for l in $2; do echo "{\"id\": \"$i\", \"label\": $l}" >>"$T/$1.r"; i=$((i + 1)); done
	i=0; : >"$T/$1.p"; for l in $3; do echo "{\"id\": \"$i\", \"prediction\": $l}" >>"$T/$1.p"; i=$((i + 1)); done
}
glue_pair cola "1 0 1 0" "1 0 1 0"
glue_pair sst2 "1 1 0 0" "1 1 0 1"
glue_pair mrpc "1 1 0 0" "1 1 1 0"
glue_pair stsb "0.5 1.5 4.25 3" "0.5 1.5 4.25 3"
glue_pair mnlim "0 1 2 0" "0 1 0 1"
glue_pair mnlimm "0 1 2 2" "0 1 2 2"
glue_pair ax "0 1" "1 0"
run score glue ax mnli_mismatched cola mrpc SST-2 stsb mnli-m \
	-r "$T/ax.r" -p "$T/ax.p" -r "$T/mnlimm.r" -p "$T/mnlimm.p" -r "$T/cola.r" -p "$T/cola.p" \
	-r "$T/mrpc.r" -p "$T/mrpc.p" -r "$T/sst2.r" -p "$T/sst2.p" -r "$T/stsb.r" -p "$T/stsb.p" \
	-r "$T/mnlim.r" -p "$T/mnlim.p" --per-example "$T/pe"
expect_rc 0 "glue with seven tasks exits 0"
cat >"$T/want" <<'EOF2'
ax.mcc	-1
ax.glue_score	-1
mnli_mismatched.accuracy	1
mnli_mismatched.glue_score	1
cola.mcc	1
cola.glue_score	1
mrpc.accuracy	0.75
mrpc.f1	0.8
mrpc.glue_score	0.775
sst2.accuracy	0.75
sst2.glue_score	0.75
stsb.pearson	1
stsb.spearman	1
stsb.glue_score	1
mnli_matched.accuracy	0.5
mnli_matched.glue_score	0.5
glue_average	0.855
EOF2
awk -F'\t' 'NR == FNR { want[FNR] = $0; n = FNR; next }
	{ split(want[FNR], w, "\t"); d = $2 - w[2]; if (d < 0) d = -d
	  if ($1 != w[1] || d > 1e-12) { bad = 1; print "#   got " $0 ", want " want[FNR] } }
	END { exit bad || FNR != n }' "$T/want" "$T/out"
ok $? "each task's numbers as TASK.NAME and glue_average 0.855"
[ "$(grep -c '^[0-9]*	mrpc\.correct	' "$T/pe")" -eq 4 ] &&
	[ "$(grep -c '	stsb\.pearson_term	' "$T/pe")" -eq 4 ]
ok $? "per example: TASK.NAME for every task's examples"
run score glue ax -r "$T/ax.r" -p "$T/ax.p"
expect_rc 0 "glue ax alone: its numbers, no average"
run score glue ax hans -r "$T/ax.r" -p "$T/ax.p" -r "$T/ax.r" -p "$T/ax.p"
expect_rc 1 "no average of diagnostics alone"
run score glue cola mrpc -r "$T/cola.r" -p "$T/cola.p"
expect_rc 2 "a pair of files for each task"
has "$T/err" "one --refs and one --preds for each GLUE task" "saying so"
run score glue mnli mnli_matched -r "$T/mnlim.r" -p "$T/mnlim.p" -r "$T/mnlim.r" -p "$T/mnlim.p"
expect_rc 0 "mnli and mnli_matched are two names of one set: scored both"
run score glue cola COLA -r "$T/cola.r" -p "$T/cola.p" -r "$T/cola.r" -p "$T/cola.p"
expect_rc 2 "a task given twice is a usage error"
run score accuracy -r "$T/cola.r" -p "$T/cola.p" -r "$T/cola.r" -p "$T/cola.p"
expect_rc 2 "several pairs are for GLUE tasks only"
run score glue mrpc cola -r "$T/mrpc.r" -p "$T/mrpc.p" -r "$T/cola.r" -p "$T/nosuch.p" --per-example "$T/pe2"
expect_rc 1 "a task that fails fails the run"
has "$T/err" "cola: " "naming the task"
[ ! -e "$T/pe2" ]
ok $? "and leaves no per-example file"

run score
expect_rc 2 "no METRIC is a usage error"
run score nosuch --refs "$T/r.jsonl" --preds "$T/p.jsonl"
expect_rc 2 "an unknown METRIC is a usage error"
has "$T/err" "'nosuch' is not a metric" "naming it"
run score glue nosuch --refs "$T/c.jsonl" --preds "$T/cp.jsonl"
expect_rc 2 "an unknown GLUE task is a usage error"
run score bleu --refs "$T/r.jsonl"
expect_rc 2 "--preds is required"
done_testing
