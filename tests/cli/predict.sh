#!/bin/sh
# predict.sh: adalink predict's greedy and beam search against the
# reference search of tests/ref/decode_ref.py (no cache, full recompute).
. "${SRCDIR:-.}/tests/cli/lib.sh"
D="$TESTDATA/adalink"
n=0
for s in "1 6 0" "3 6 0" "4 5 1"; do
	set -- $s
	run predict -b "$D/backbone.safetensors" -a "$D/adapter.safetensors" -k "$1" -L "$2" -p "$3" "$D/batch.jsonl"
	expect_rc 0 "predict --beam $1 --max-len $2 --length-penalty $3"
	/usr/bin/python3 - "$T/out" "$D/decode.expected.jsonl" "$1" "$2" "$3" >"$T/cmp" 2>&1 <<'PY'
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
want = [w for w in map(json.loads, open(sys.argv[2]))
        if (w["beam"], w["max_len"], w["length_penalty"]) == (int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))]
bad = [i for i, (g, w) in enumerate(zip(got, want))
       if g["ids"] != w["ids"] or abs(g["score"] - w["score"]) > 1e-4 * max(1, abs(w["score"]))]
print("%d lines, %d differ %s" % (len(got), len(bad), [(got[i]["ids"], want[i]["ids"]) for i in bad]))
sys.exit(1 if bad or len(got) != len(want) or not got else 0)
PY
	ok $? "beam $1: the reference's outputs and scores: $(cat "$T/cmp")"
done
run predict -b "$D/backbone.safetensors" -a "$D/adapter.safetensors" -L 3 "$D/batch.jsonl"
head -1 "$T/out" >"$T/first"
has "$T/first" '"id": 1, "task": "", "prediction": "' "lines without an id are numbered; prediction is the ids"
printf '{"id": "q7", "task": "rte", "input_ids": [5, 6, 1]}\n' | "$ADALINK" predict -b "$D/backbone.safetensors" -L 2 >"$T/out" 2>"$T/err"
has "$T/out" '{"id": "q7", "task": "rte", "prediction": ' "ids and tasks are carried through"
run predict -b "$D/backbone.safetensors" -k 0 "$D/batch.jsonl"
expect_rc 2 "--beam 0 is a usage error"
run predict -b "$D/backbone.safetensors" -p x "$D/batch.jsonl"
expect_rc 2 "--length-penalty x is a usage error"
printf '{"input_ids": []}\n' >"$T/empty.jsonl"
run predict -b "$D/backbone.safetensors" "$T/empty.jsonl"
expect_rc 1 "an input with nothing to decode from exits 1"
has "$T/err" "empty.jsonl: line 1" "naming the line"
# Non-finite numbers: JSON has no NaN or infinity, so none may be printed.
for p in nan -nan inf 1e400; do
	run predict -b "$D/backbone.safetensors" -p "$p" "$D/batch.jsonl"
	expect_rc 2 "--length-penalty $p is a usage error"
done
/usr/bin/python3 -c '
import json
row = [1e39] * 12
print(json.dumps({"id": "big", "input_ids": [4, 1], "image_embeddings": [row, row]}))
' >"$T/e39.jsonl"
run predict -b "$D/backbone.safetensors" "$T/e39.jsonl"
expect_rc 1 "image embeddings past the float range exit 1"
has "$T/err" "image_embeddings[0][0] is past the float range" "naming the number"
/usr/bin/python3 -c '
import json
row = [3e38, -3e38] * 6
print(json.dumps({"id": "huge", "input_ids": [4, 1], "image_embeddings": [row, row]}))
' >"$T/e38.jsonl"
run predict -b "$D/backbone.safetensors" "$T/e38.jsonl"
expect_rc 1 "floats whose score overflows exit 1"
has "$T/err" "(id huge)" "naming the example"
/usr/bin/python3 -c '
import json, sys
for line in open(sys.argv[1]):
    json.loads(line, parse_constant=lambda c: sys.exit("not JSON: " + c))
' "$T/out"
ok $? "whatever was printed is strict JSON"
done_testing
