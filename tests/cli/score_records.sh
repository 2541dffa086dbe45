#!/bin/sh
# score_records.sh: adalink ingest's records are references for adalink
# score as they are: "targets" stand for "references" (captions, the ten
# VQA answers) and a GLUE record's numeric "label" is used.  Each score
# equals the one from the same references written by python3 in the
# documented {"id", "references"} / {"id", "label"} form.
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
done_testing
