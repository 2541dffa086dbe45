#!/bin/sh
# ingest.sh: adalink ingest on the real excerpts (checked against Python's
# json and csv modules), on the miniature distributions of
# tests/fixtures/mkdist.py through every archive format and as folders
# (checked against the records the generator works out by hand), and on the
# broken inputs: each gives its message and exit 1, or is skipped with -k.
. "${SRCDIR:-.}/tests/cli/lib.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || { echo "1..0 # SKIP no python3"; exit 0; }
R="$TESTDATA/datasets/real"
GEN="$SRCDIR/tests/fixtures/mkdist.py"
CMP="$SRCDIR/tests/fixtures/compare.py"
REF="$TESTDATA/datasets/ref_real.py"

# compare WANT GOT DESCRIPTION [PREFIX]
compare() {
	if [ -n "${4:-}" ]; then "$PY" "$CMP" --strip "$4" "$1" "$2" >"$T/cmp"
	else "$PY" "$CMP" "$1" "$2" >"$T/cmp"; fi
	ok $? "$3"
	head -8 "$T/cmp"
}

run ingest --list
expect_rc 0 "--list exits 0"
for d in coco coco-karpathy textcaps vqav2 okvqa textvqa stvqa docvqa glue; do
	has "$T/out" "$(printf '%s\t' "$d")" "--list names $d"
done
has "$T/out" "TextVQA_0.5.1_{train,val,test}.json" "--list says which files textvqa expects"

# ---- the real files ----
run ingest glue "$R/glue_data"
expect_rc 0 "real GLUE dev files ingest"
"$PY" "$REF" glue "$R/glue_data/CoLA/dev.tsv" "$R/glue_data/MNLI/dev_matched.tsv" \
	"$R/glue_data/RTE/dev.tsv" "$R/glue_data/SST-2/dev.tsv" "$R/glue_data/STS-B/dev.tsv" >"$T/want"
compare "$T/want" "$T/out" "GLUE: every record as Python's csv (tabs, QUOTE_NONE) reads it"
[ "$(wc -l <"$T/out")" -eq 3178 ]
ok $? "GLUE: 527 CoLA + 2 MNLI + 277 RTE + 872 SST-2 + 1500 STS-B records"
has "$T/err" "adalink ingest: 3178 records, 0 images, 0 skipped," "the summary line counts them"
run ingest glue --task sts-b --split dev "$R/glue_data"
[ "$(wc -l <"$T/out")" -eq 1500 ]
ok $? "--task sts-b --split dev keeps STS-B's 1500"
run ingest glue --task cola --limit 5 "$R/glue_data"
[ "$(wc -l <"$T/out")" -eq 5 ]
ok $? "--limit 5 stops after 5 records"

run ingest -I -k coco "$R/coco"
expect_rc 0 "real COCO captions (first 100 images and annotations) ingest with -k"
"$PY" "$REF" coco "$R/coco/captions_val2014.json" >"$T/want"
compare "$T/want" "$T/out" "COCO: 100 images, each with its captions"
has "$T/err" "100 records, 0 images, 96 skipped" "COCO: the 96 captions of images cut from the excerpt are skipped"
run ingest -I vqav2 "$R/vqav2"
"$PY" "$REF" vqav2 "$R/vqav2/v2_OpenEnded_mscoco_train2014_questions.json" \
	"$R/vqav2/v2_mscoco_train2014_annotations.json" >"$T/want"
compare "$T/want" "$T/out" "VQAv2: questions joined to their 10 answers by question_id"
# the real val annotations (100 questions' 10 answers), with questions
# written here for their question and image ids
mkdir -p "$T/vq"
cp "$R/vqav2-val/v2_mscoco_val2014_annotations.json" "$T/vq/"
"$PY" -c 'import json, sys
a = json.load(open(sys.argv[1]))
q = {"data_subtype": "val2014", "questions": [{"image_id": x["image_id"],
     "question": "question %d?" % x["question_id"], "question_id": x["question_id"]}
     for x in a["annotations"]]}
json.dump(q, open(sys.argv[2], "w"))' "$T/vq/v2_mscoco_val2014_annotations.json" \
	"$T/vq/v2_OpenEnded_mscoco_val2014_questions.json"
run ingest -I vqav2 "$T/vq"
"$PY" "$REF" vqav2 "$T/vq/v2_OpenEnded_mscoco_val2014_questions.json" \
	"$T/vq/v2_mscoco_val2014_annotations.json" >"$T/want"
compare "$T/want" "$T/out" "VQAv2 val: the 10 answers of 100 real annotations"
for d in textvqa textcaps; do
	run ingest -I $d "$R/$d"
	expect_rc 0 "real $d ingests"
	"$PY" "$REF" $d "$R/$d/"*.json >"$T/want"
	compare "$T/want" "$T/out" "$d: every record"
done

# ---- ST-VQA and DocVQA: hand-made files in the official layout ----
# tests/data/datasets/official: made-up questions with the keys the public
# readers use -- ST-VQA task 3 {"data": [{question_id, question, answers,
# file_path "SOURCE/FILE", file_name, dataset, set_name}]}, test without
# answers (google-research/big_vision big_vision/datasets/stvqa/stvqa.py,
# molmo olmo/data/academic_datasets.py SceneTextQa); SP-DocVQA
# spdocvqa_qas/{val_v1.0_withQT,test_v1.0}.json {dataset_name, dataset_split,
# dataset_version, data: [{questionId, question, question_types, image
# "documents/NAME.png", docId, ucsf_document_id, ucsf_document_page_no,
# answers, data_split}]}, test without answers or question types
# (big_vision/datasets/docvqa/docvqa.py, molmo DocQa), pages flat in
# spdocvqa_images/.
O="$TESTDATA/datasets/official"
run ingest -I stvqa "$O/stvqa/train_task_3.json" "$O/stvqa/test_task_3.json"
expect_rc 0 "ST-VQA train_task_3.json and test_task_3.json ingest"
compare "$O/stvqa.expect.jsonl" "$T/out" "ST-VQA: 3 train + 2 test records, test without answers"
run ingest -I docvqa "$O/docvqa/spdocvqa_qas/val_v1.0_withQT.json" "$O/docvqa/spdocvqa_qas/test_v1.0.json"
expect_rc 0 "DocVQA val_v1.0_withQT.json and test_v1.0.json ingest"
compare "$O/docvqa.expect.jsonl" "$T/out" "DocVQA: 3 val + 2 test records, test without answers"
mkdir -p "$T/sp/spdocvqa_images" "$T/st/train_images/coco-text" "$T/st/train_images/imdb"
for p in abcd0001_3 efgh0002_1; do cp "$TESTDATA/images/document.png" "$T/sp/spdocvqa_images/$p.png"; done
run ingest docvqa --split val "$O/docvqa/spdocvqa_qas" "$T/sp/spdocvqa_images"
expect_rc 0 "DocVQA with its page folder"
has "$T/err" "3 records, 2 images, 0 skipped" "DocVQA: pages joined by file name, not documents/"
cp "$TESTDATA/images/COCO_val2014_000000000241.jpg" "$T/st/train_images/coco-text/COCO_train2014_000000000777.jpg"
cp "$TESTDATA/images/COCO_val2014_000000000294.jpg" "$T/st/train_images/imdb/Poster_42.jpg"
run ingest stvqa --split train "$O/stvqa" "$T/st/train_images"
expect_rc 0 "ST-VQA with its image folder"
has "$T/err" "3 records, 2 images, 0 skipped" "ST-VQA: images joined by file_path"

# ---- the miniature distributions, every format ----
G="$T/dist"
"$PY" "$GEN" "$G" >"$T/gen.log" 2>&1 && "$PY" "$GEN" "$G" --bad >>"$T/gen.log" 2>&1
ok $? "the fixture generator runs"
fmts="zip tar tar.gz tar.bz2 tar.xz"
[ -f "$G/coco.tar.zst" ] && fmts="$fmts tar.zst"
for d in coco coco-karpathy vqav2 okvqa textvqa textcaps stvqa docvqa glue; do
	for f in $fmts; do
		run ingest "$d" "$G/$d.$f"
		expect_rc 0 "$d.$f exits 0"
		compare "$G/$d.expect.jsonl" "$T/out" "$d.$f: every record and field"
	done
	# shellcheck disable=SC2046
	run ingest "$d" $(cat "$G/$d.order")
	compare "$G/$d.expect.jsonl" "$T/out" "$d as folders and loose files" "$G/$d/tree/"
	run ingest --no-images "$d" "$G/$d.tar.gz"
	compare "$G/$d.noimg.jsonl" "$T/out" "$d --no-images: records name the annotated images"
done
"$ADALINK" ingest coco - <"$G/coco.tar.xz" >"$T/out" 2>"$T/err"
compare "$G/coco.expect.jsonl" "$T/out" "- reads an archive on standard input"
has "$T/err" "3 records, 3 images, 0 skipped" "the summary counts records and images"
run ingest coco-karpathy --split restval "$G/coco-karpathy.zip"
[ "$(wc -l <"$T/out")" -eq 1 ] && grep -q '"split": *"restval"' "$T/out"
ok $? "--split restval picks Karpathy's restval image"
# annotations in one archive, images in another (as COCO ships them)
(cd "$G/coco/tree" && bsdtar -cf "$T/annotations.zip" --format zip annotations 2>/dev/null) ||
	"$PY" -c "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], 'w'); z.write(sys.argv[2], 'annotations/captions_val2014.json')" \
		"$T/annotations.zip" "$G/coco/tree/annotations/captions_val2014.json"
run ingest coco "$T/annotations.zip" "$G/coco/tree/val2014"
compare "$G/coco.expect.jsonl" "$T/out" "annotation zip then an image folder" "$G/coco/tree/"

# images ahead of their annotations: the source is read a second time
run ingest coco "$G/bad/late-annot.tar.gz"
compare "$G/coco.expect.jsonl" "$T/out" "annotations after the images in one archive: read twice"
run ingest coco "$G/coco/tree/val2014" "$G/coco/tree/annotations"
compare "$G/coco.expect.jsonl" "$T/out" "the image folder given before the annotations" "$G/coco/tree/"
"$ADALINK" ingest coco - <"$G/bad/late-annot.tar.gz" >"$T/out" 2>"$T/err"
[ $? -eq 1 ]
ok $? "images first on standard input: exit 1"
has "$T/err" "comes before any annotation file" "and says why (stdin cannot be read twice)"

# ---- bad input ----
cd "$G/bad" || exit 1
while IFS="$(printf '\t')" read -r args src want n; do
	# shellcheck disable=SC2086
	run ingest $args $src
	expect_rc 1 "$src: exit 1"
	has "$T/err" "$want" "$src: says '$want'"
	no_sanitizer "$src: no sanitizer report"
	# shellcheck disable=SC2086
	run ingest --skip-bad $args $src
	if [ "$n" = - ]; then
		expect_rc 1 "$src: still fatal with --skip-bad"
	else
		expect_rc 0 "$src: --skip-bad goes on"
		[ "$(wc -l <"$T/out")" -eq "$n" ]
		ok $? "$src: --skip-bad writes the $n good records"
		has "$T/err" "skipped: " "$src: --skip-bad warns about what it skips"
	fi
	no_sanitizer "$src: no sanitizer report with --skip-bad"
done <cases.tsv
cd - >/dev/null || exit 1
run ingest coco "$G/bad/json"
pos=$(cat "$G/bad/json.pos")
got=$(sed -n "s/.*byte \([0-9]*\): malformed JSON.*/\1/p" "$T/err")
[ -n "$got" ] && [ "$got" -ge "$pos" ] && [ "$got" -le $((pos + 16)) ]
ok $? "malformed JSON: the byte offset ($got) is where Python's json sees the error ($pos)"

# ---- usage ----
run ingest
expect_rc 2 "no DATASET is a usage error"
run ingest coco
expect_rc 2 "no SOURCE is a usage error"
run ingest no-such-dataset x
expect_rc 2 "an unknown dataset is a usage error"
has "$T/err" "'no-such-dataset' is not a dataset" "and names it"
run ingest glue --task nope "$R/glue_data"
expect_rc 2 "an unknown GLUE task is a usage error"
run ingest glue --limit 0 "$R/glue_data"
expect_rc 2 "--limit 0 is a usage error"
run ingest glue "$T/no-such-dir"
expect_rc 1 "a missing source exits 1"
has "$T/err" "unable to open" "and says so"
# Wrong top-level types and missing required arrays are errors, not 0
# records: each reader's file with the member it must have replaced.
# bad_top FAMILY FILE JSON WANT: ingest -I FAMILY on a folder holding FILE
bad_top() {
	rm -rf "$T/top" && mkdir "$T/top" && printf '%s' "$3" >"$T/top/$2"
	run ingest -I "$1" "$T/top"
	expect_rc 1 "$1: $3 exits 1"
	has "$T/err" "$4" "$1: $3: $4"
}
bad_top coco captions_val2014.json '{"images": 5, "annotations": "x"}' '"images" must be an array, not a number'
bad_top coco captions_val2014.json '{"images": [], "annotations": {}}' '"annotations" must be an array, not an object'
bad_top coco captions_val2014.json '{}' 'no "images" array, or an empty one'
bad_top coco captions_val2014.json '{"images": [{"id": 1, "file_name": "a.jpg"}]}' 'no "annotations" array'
bad_top coco-karpathy dataset_coco.json '{"images": "x"}' '"images" must be an array, not a string'
bad_top coco-karpathy dataset_coco.json '{"dataset": "coco"}' 'no "images" array'
bad_top vqav2 v2_OpenEnded_mscoco_val2014_questions.json '{"questions": null}' '"questions" must be an array, not null'
bad_top vqav2 v2_mscoco_val2014_annotations.json '{"info": {}}' 'no "annotations" array'
bad_top textvqa TextVQA_0.5.1_val.json '{"data": true}' '"data" must be an array, not a boolean'
bad_top textcaps TextCaps_0.1_val.json '{}' 'no "data" array'
bad_top docvqa val_v1.0_withQT.json '{"data": {}}' '"data" must be an array, not an object'
done_testing
