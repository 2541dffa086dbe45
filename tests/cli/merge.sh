#!/bin/sh
# merge.sh: adalink merge: the merged checkpoint gives the nll of backbone
# plus adapter (within 1e-5 relative) for AdaLink text modules (tied T5 1.0
# and untied T5 1.1, with and without an activation), per-task modules and
# LoRA; image modules stay an adapter and are said to; prompt tuning
# refuses; predict with LoRA equals predict with the merged checkpoint.
. "${SRCDIR:-.}/tests/cli/lib.sh"
A="$TESTDATA/adalink"
M="$TESTDATA/methods"
T10="$TESTDATA/t5/t5-1.0.safetensors"
CMP="/usr/bin/python3 $SRCDIR/tests/ref/compare.py"

# same_nll DESCRIPTION BACKBONE1 ARGS1 BACKBONE2 ARGS2 BATCH
same_nll() {
	"$ADALINK" forward -b "$2" $3 "$6" >"$T/a.jsonl" 2>"$T/err"
	"$ADALINK" forward -b "$4" $5 "$6" >"$T/b.jsonl" 2>>"$T/err"
	$CMP jsonl "$T/b.jsonl" "$T/a.jsonl" 1e-5 >"$T/cmp" 2>&1
	ok $? "$1: $(cat "$T/cmp")"
}

run merge -b "$T10" -a "$A/adapter_plain.safetensors" -o "$T/m10.safetensors"
expect_rc 0 "merge a text module into tied T5 1.0"
has "$T/out" "m10.safetensors	text" "saying what it folded"
same_nll "T5 1.0: merged = backbone + adapter" "$T10" "-a $A/adapter_plain.safetensors" \
	"$T/m10.safetensors" "" "$M/batch_text.jsonl"
run inspect "$T/m10.safetensors"
has "$T/out" "encoder.embed_tokens.weight" "the folded table is the encoder's own"
"$ADALINK" forward -b "$T10" "$M/batch_text.jsonl" >"$T/plain.jsonl"
"$ADALINK" forward -b "$T/m10.safetensors" "$M/batch_text.jsonl" >"$T/merged.jsonl"
cmp -s "$T/plain.jsonl" "$T/merged.jsonl"
ok $((! $?)) "and it changes the nll (the module is not a no-op)"

run merge -b "$A/backbone.safetensors" -a "$A/adapter.safetensors" -o "$T/m11.safetensors"
expect_rc 1 "per-task text modules without --task exit 1"
has "$T/err" "--task" "saying to choose one with --task"
run merge -b "$A/backbone.safetensors" -a "$A/adapter.safetensors" --task rte -o "$T/m11.safetensors"
expect_rc 0 "merge the rte module (gelu) into T5 1.1"
has "$T/err" "image module" "the image module is said to stay an adapter"
has "$T/out" "m11.safetensors.rest.safetensors	image" "and written beside"
sed -n '2p;4p' "$A/batch.jsonl" >"$T/rte.jsonl"   # an rte line and an image-only line
same_nll "T5 1.1, per-task gelu module and the image adapter" "$A/backbone.safetensors" \
	"-a $A/adapter.safetensors" "$T/m11.safetensors" "-a $T/m11.safetensors.rest.safetensors" \
	"$T/rte.jsonl"

run merge -b "$A/backbone.safetensors" -a "$M/lora_dec.safetensors" -o "$T/ml.safetensors"
expect_rc 0 "merge LoRA (encoder and decoder)"
same_nll "LoRA: merged = backbone + adapter" "$A/backbone.safetensors" \
	"-a $M/lora_dec.safetensors" "$T/ml.safetensors" "" "$A/batch.jsonl"
run merge -b "$T10" -a "$M/lora10.safetensors" -o "$T/ml10.safetensors"
expect_rc 0 "merge LoRA into T5 1.0"
"$ADALINK" predict -b "$T10" -a "$M/lora10.safetensors" --beam 2 --max-len 5 "$M/batch_text.jsonl" >"$T/p1" 2>"$T/err"
"$ADALINK" predict -b "$T/ml10.safetensors" --beam 2 --max-len 5 "$M/batch_text.jsonl" >"$T/p2" 2>>"$T/err"
$CMP jsonl "$T/p1" "$T/p2" 1e-5 >"$T/cmp" 2>&1
ok $? "predict with LoRA = predict with the merged checkpoint: $(cat "$T/cmp")"

run merge -b "$A/backbone.safetensors" -a "$M/prompt.safetensors" -o "$T/mp.safetensors"
expect_rc 1 "prompt tuning cannot be merged"
has "$T/err" "prompt tuning" "saying so"
test ! -e "$T/mp.safetensors"
ok $? "and writing nothing"
run merge -b "$A/backbone.safetensors" -a "$A/adapter.safetensors" --task nosuch -o "$T/mn.safetensors"
expect_rc 1 "a task the per-task adapter does not have exits 1"
has "$T/err" "no modules for task 'nosuch' (it has: rte)" "listing the tasks it has"
test ! -e "$T/mn.safetensors"
ok $? "and writing nothing"
run merge -b "$T10" -a "$A/adapter_plain.safetensors" --task any -o "$T/ma.safetensors"
expect_rc 0 "a shared-only adapter takes any --task (its module serves every task)"
same "$T/ma.safetensors" "$T/m10.safetensors" "and folds its shared module"
"$ADALINK" merge -b "$A/backbone.safetensors" -a "$A/adapter.safetensors" --task rte \
	-r "$T/ms.rest.safetensors" -o - >"$T/ms.safetensors" 2>"$T/err"
rc=$?
expect_rc 0 "merge -o - --rest R"
same "$T/ms.safetensors" "$T/m11.safetensors" "standard output gets the merged checkpoint"
same "$T/ms.rest.safetensors" "$T/m11.safetensors.rest.safetensors" "and R the image module"
has "$T/err" "$(printf -- '-\ttext')" "the list of files written goes to standard error"
(cd "$T" && "$ADALINK" merge -b "$A/backbone.safetensors" -a "$A/adapter.safetensors" --task rte \
	-o - >"$T/out" 2>"$T/err")
rc=$?
expect_rc 1 "merge -o - with image modules and no --rest exits 1"
has "$T/err" "with -o -, say where with --rest" "saying so"
run merge -b "$A/backbone.safetensors" -o "$T/x.safetensors"
expect_rc 2 "no --adapter: usage error"
done_testing
