#!/bin/sh
# runs.sh: adalink train records its runs in the catalog; adalink runs reads
# them back: the values logged are the ones train printed and forward
# computes, a resumed run logs the same history, compare and rm work.
. "${SRCDIR:-.}/tests/cli/lib.sh"
D="$TESTDATA/adalink"
B="$D/backbone.safetensors"
C="$T/runs.db"

run train -b "$B" -d "$D/batch.jsonl" -D "$D/batch.jsonl" -C "$C" -r 4 -O adamw -l 3e-2 \
	-n 12 -B 3 -s 3 -e 4 -p 0 -o "$T/a.safetensors"
expect_rc 0 "train with --catalog and JSONL data"
printed=$(cut -f5 "$T/out")
run runs ls -c "$C"
expect_rc 0 "runs ls"
has "$T/out" "name	method	status	steps	loss" "ls has a header"
line=$(grep '^a	' "$T/out")
[ "$(echo "$line" | cut -f2,3,4)" = "adalink	finished	12" ]
ok $? "the run 'a' (the adapter's file name), method adalink, finished at step 12"
awk -v a="$(echo "$line" | cut -f5)" -v b="$printed" 'BEGIN { d = a - b; exit !(d < 1e-5 && d > -1e-5) }'
ok $? "its last loss is the one train printed ($printed)"

run runs history -c "$C" a
expect_rc 0 "runs history"
[ "$(awk -F'\t' 'NR > 1 && $3 != ""' "$T/out" | wc -l)" -eq 12 ]
ok $? "a training loss for each of the 12 steps"
cp "$T/out" "$T/history-a"
# Adam with no warm-up and 1/sqrt decay: lr(s) = 3e-2 / sqrt(s)
awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "lr") c = i }
	NR > 1 { want = 0.03 / sqrt($1); d = $c - want; if (d > 1e-6 * want || -d > 1e-6 * want) bad = 1 }
	END { exit bad }' "$T/out"
ok $? "the learning rate of every step is 3e-2 / sqrt(step)"

# the best dev loss is the mean NLL per token forward gives the best adapter
run forward -b "$B" -a "$T/a.safetensors.best" "$D/batch.jsonl"
want=$(awk -F'[:,]' '{ s += $2; n += $4 } END { printf "%.6g", s / n }' "$T/out")
run runs ls -c "$C"
got=$(grep '^a	' "$T/out" | cut -f6)
awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; exit !(d < 1e-4 * b && -d < 1e-4 * b) }'
ok $? "the best dev loss ($got) is forward's on the best adapter ($want)"

# 8 steps, then --resume to 12: the same history as the run in one go
run train -q -b "$B" -d "$D/batch.jsonl" -D "$D/batch.jsonl" -C "$C" --run b -r 4 -O adamw \
	-l 3e-2 -n 8 -B 3 -s 3 -e 4 -p 0 -o "$T/b.safetensors"
run train -q -b "$B" -d "$D/batch.jsonl" -D "$D/batch.jsonl" -C "$C" --run b -r 4 -O adamw \
	-l 3e-2 -n 12 -B 3 -s 3 -e 4 -p 0 --resume -o "$T/b.safetensors"
expect_rc 0 "resume a run named with --run"
run runs history -c "$C" b
cut -f1-4 "$T/out" >"$T/hb"
cut -f1-4 "$T/history-a" >"$T/ha"
same "$T/ha" "$T/hb" "a resumed run logs the history of the run in one go"

run train -q -b "$B" -d "$D/batch.jsonl" -C "$C" -r 8 -O adamw -l 3e-2 -n 4 -B 3 -s 3 -o "$T/c.safetensors"
run runs compare -c "$C" a c
expect_rc 0 "runs compare"
has "$T/out" "key	a	c" "one column per run"
has "$T/out" "*config.rank	4	8" "the differing rank is marked"
has "$T/out" "config.optimizer	adamw	adamw" "a shared setting is not"
run runs show -c "$C" c
has "$T/out" "config.steps	4" "show lists the settings"

run runs rm -c "$C" c
expect_rc 0 "runs rm"
run runs show -c "$C" c
expect_rc 1 "a removed run is gone"
has "$T/err" "no run 'c'" "saying so"
# the dev metric: with --model the dev build is decoded and scored; the
# value logged at the last step is what predict and score give the
# adapter of that step
S="$SRCDIR/tests/data/spm/t5_spiece.model"
/usr/bin/python3 "$SRCDIR/examples/mkglue.py" "$T/glue.zip" 32 16
"$ADALINK" init -q --config t5-tiny --vocab-size 32128 -o "$T/t5.safetensors"
"$ADALINK" build -q -c "$C" -O "$T/shards" -n rte-train -m "$S" -t rte -s train glue "$T/glue.zip" >/dev/null
"$ADALINK" build -q -c "$C" -O "$T/shards" -n rte-dev -m "$S" -t rte -s dev glue "$T/glue.zip" >/dev/null
run train -b "$T/t5.safetensors" -C "$C" -t rte-train -D rte-dev --model "$S" -r 64 -f gelu -O adamw \
	-l 1e-2 --no-decay -p 0 -n 70 -B 16 -e 35 -o "$T/rte.safetensors"
expect_rc 0 "train with a dev build and --model"
has "$T/err" "dev metric: glue rte over 16 examples" "the dev metric is RTE's GLUE score"
run runs history -c "$C" rte
logged=$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "dev_glue") c = i }
	NR > 1 && $c != "" { v = $c } END { print v }' "$T/out")
"$ADALINK" ingest -q glue --task rte --split dev "$T/glue.zip" >"$T/rte.refs"
"$ADALINK" predict -q -b "$T/t5.safetensors" -a "$T/rte.safetensors" -C "$C" -d rte-dev -m "$S" >"$T/rte.preds"
run score glue rte -r "$T/rte.refs" -p "$T/rte.preds"
want=$(awk -F'\t' '$1 == "glue_score" { print $2 }' "$T/out")
awk -v a="$logged" -v b="$want" 'BEGIN { d = a - b; exit !(a != "" && d < 1e-9 && d > -1e-9) }'
ok $? "the dev metric logged at the last step ($logged) is predict and score's ($want)"
# LoRA's dev metric decodes with LoRA applied (folded in, then taken out):
# the value logged is predict and score's on the LoRA adapter, not the
# bare backbone's
run train -q -b "$T/t5.safetensors" -C "$C" -t rte-train -D rte-dev --model "$S" --method lora \
	-r 8 -O adamw -l 1e-2 --no-decay -p 0 -n 100 -B 16 -e 50 -o "$T/lora.safetensors"
expect_rc 0 "train LoRA with a dev build and --model"
run runs history -c "$C" lora
logged=$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "dev_glue") c = i }
	NR > 1 && $c != "" { v = $c } END { print v }' "$T/out")
"$ADALINK" predict -q -b "$T/t5.safetensors" -a "$T/lora.safetensors" -C "$C" -d rte-dev -m "$S" >"$T/lora.preds"
want=$("$ADALINK" score glue rte -r "$T/rte.refs" -p "$T/lora.preds" 2>/dev/null | awk -F'\t' '$1 == "glue_score" { print $2 }')
"$ADALINK" predict -q -b "$T/t5.safetensors" -C "$C" -d rte-dev -m "$S" >"$T/bare.preds"
bare=$("$ADALINK" score glue rte -r "$T/rte.refs" -p "$T/bare.preds" 2>/dev/null | awk -F'\t' '$1 == "glue_score" { print $2 }')
awk -v a="$logged" -v b="$want" 'BEGIN { d = a - b; exit !(a != "" && d < 1e-9 && d > -1e-9) }'
ok $? "LoRA's dev metric logged at the last step ($logged) is predict and score's ($want)"
awk -v a="$logged" -v b="$bare" 'BEGIN { exit !(a != b) }'
ok $? "and not the bare backbone's ($bare)"
run train -b "$T/t5.safetensors" -C "$C" -t rte-train -D rte-dev --model "$T/glue.zip" \
	-r 4 -n 1 -o "$T/x.safetensors"
expect_rc 1 "a --model other than the dev build's tokenizer is refused"
has "$T/err" "is not the tokenizer the dev build was made with" "saying so"
run train -b "$T/t5.safetensors" -C "$C" -t rte-train --metric cider -r 4 -n 1 -o "$T/x.safetensors"
expect_rc 2 "--metric without --dev and --model is a usage error"

run runs ls -c "$T/none.db"
expect_rc 1 "a missing catalog exits 1"
run runs show -c "$C"
expect_rc 2 "show without a run is a usage error"
run runs frob -c "$C"
expect_rc 2 "an unknown action is a usage error"
run train -b "$B" -d "$D/batch.jsonl" --run x -o "$T/x.safetensors"
expect_rc 2 "--run without --catalog is a usage error"
done_testing
