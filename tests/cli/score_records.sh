#!/bin/sh
# score_records.sh: adalink ingest's records are references for adalink
# score as they are: "targets" stand for "references" (captions, the ten
# VQA answers) and a GLUE record's numeric "label" is used.  Each score
# equals the one from the same references written by python3 in the
# documented {"id", "references"} / {"id", "label"} form.  A GLUE
# prediction that is no label name counts as -1, wrong (T5's
# postprocessors; F1 as its f1_score_with_invalid), with a warning.
. "${SRCDIR:-.}/tests/cli/lib.sh"
/usr/bin/python3 "$SRCDIR/tests/fixtures/mkdist.py" "$T/s" coco vqav2 glue >/dev/null 2>&1
ok $? "generate the COCO, VQAv2 and GLUE samples"
conv() {   # RECORDS REFS PREDS KIND: python3 writes the plain forms
	/usr/bin/python3 - "$@" <<'PYEOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
with open(sys.argv[2], "w") as r, open(sys.argv[3], "w") as p:
    for k, x in enumerate(recs):
        if sys.argv[4] == "glue":
            r.write(json.dumps({"id": x["id"], "label": x["label"]}) + "\n")
            p.write(json.dumps({"id": x["id"], "prediction": k % 2}) + "\n")
        else:
            r.write(json.dumps({"id": x["id"], "references": x["targets"]}) + "\n")
            # a prediction: one reference of the record before, for a
            # score that is neither 0 nor 1
            p.write(json.dumps({"id": x["id"], "prediction": recs[k - 1]["targets"][0]}) + "\n")
PYEOF
}
for c in "coco caption coco.zip" "vqav2 vqa vqav2.zip" "glue accuracy glue.zip -t rte"; do
	set -- $c
	"$ADALINK" ingest -q --no-images "$1" "$T/s/$3" ${4:-} ${5:-} >"$T/$1.rec" 2>"$T/err"
	conv "$T/$1.rec" "$T/$1.refs" "$T/$1.preds" "$1"
	run score "$2" -r "$T/$1.rec" -p "$T/$1.preds"
	expect_rc 0 "score $2 with $1's ingest records as references"
	cp "$T/out" "$T/$1.a"
	run score "$2" -r "$T/$1.refs" -p "$T/$1.preds"
	same "$T/$1.a" "$T/out" "the same numbers as from the plain references"
done

# MRPC: every third prediction is not a label name
/usr/bin/python3 - "$T/mrpc" <<'PYEOF'
import json, sys
labels = [1, 0, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0]
pred = ["equivalent", "not_equivalent", "bogus"] * 4
with open(sys.argv[1] + ".refs", "w") as r, open(sys.argv[1] + ".preds", "w") as p:
    for i, (l, q) in enumerate(zip(labels, pred)):
        r.write(json.dumps({"id": i, "label": l}) + "\n")
        p.write(json.dumps({"id": i, "prediction": q}) + "\n")
num = [1 if q == "equivalent" else 0 if q == "not_equivalent" else -1 for q in pred]
acc = sum(a == b for a, b in zip(num, labels)) / len(labels)
f1p = [a if a in (0, 1) else 1 - b for a, b in zip(num, labels)]
tp = sum(a == 1 and b == 1 for a, b in zip(f1p, labels))
fp = sum(a == 1 and b == 0 for a, b in zip(f1p, labels))
fn = sum(a == 0 and b == 1 for a, b in zip(f1p, labels))
f1 = 2 * tp / (2 * tp + fp + fn)
with open(sys.argv[1] + ".want", "w") as w:
    w.write("accuracy\t%r\nf1\t%r\nglue_score\t%r\n" % (acc, f1, (acc + f1) / 2))
PYEOF
run score glue mrpc -r "$T/mrpc.refs" -p "$T/mrpc.preds"
expect_rc 0 "score MRPC with predictions that are no label names"
awk -F'\t' 'NR == FNR { w[$1] = $2; next } { d = $2 - w[$1]; if (d > 1e-12 || d < -1e-12) bad = 1; n++ }
	END { exit bad || n != 3 }' "$T/mrpc.want" "$T/out"
ok $? "as wrong answers: accuracy, and F1 with the other class (hand-worked)"
has "$T/err" "4 of 12 predictions are neither a number nor a label name" "with a warning"
done_testing
