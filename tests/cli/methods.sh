#!/bin/sh
# methods.sh: adalink forward with the methods AdaLink is compared with
# (prompt tuning, LoRA, full fine-tuning) against the PyTorch reference of
# tests/ref/methods_ref.py (whose autograd is itself checked there against
# float64 finite differences): nll and log-probs to 1e-4, every gradient
# to 1e-3.  tests/unit/test_methods checks the C gradients against finite
# differences of the C forward.
. "${SRCDIR:-.}/tests/cli/lib.sh"
D="$TESTDATA/methods"
BB="$TESTDATA/adalink/backbone.safetensors"
T10="$TESTDATA/t5/t5-1.0.safetensors"
CMP="/usr/bin/python3 $SRCDIR/tests/ref/compare.py"

check() {   # NAME BACKBONE ADAPTER-ARGS BATCH [--batch N]
	name=$1 bb=$2 aa=$3 batch=$4
	shift 4
	run forward "$@" -b "$bb" $aa -g "$T/$name.grad.safetensors" "$batch"
	expect_rc 0 "$name $*: forward --grad exits 0"
	$CMP jsonl "$T/out" "$D/$name.expected.jsonl" 1e-4 >"$T/cmp" 2>&1
	ok $? "$name $*: nll and log-probs within 1e-4 of the reference: $(cat "$T/cmp")"
	$CMP st "$T/$name.grad.safetensors" "$D/$name.grad.safetensors" 1e-3 >"$T/cmp" 2>&1
	ok $? "$name $*: gradient within 1e-3 of autograd: $(cat "$T/cmp")"
}

check prompt "$BB" "-a $D/prompt.safetensors" "$TESTDATA/adalink/batch.jsonl"
check prompt "$BB" "-a $D/prompt.safetensors" "$TESTDATA/adalink/batch.jsonl" --batch 1
check lora "$BB" "-a $D/lora.safetensors" "$TESTDATA/adalink/batch.jsonl"
check lora_dec "$BB" "-a $D/lora_dec.safetensors" "$TESTDATA/adalink/batch.jsonl"
check lora_dec "$BB" "-a $D/lora_dec.safetensors" "$TESTDATA/adalink/batch.jsonl" --batch 3
check lora10 "$T10" "-a $D/lora10.safetensors" "$D/batch_text.jsonl"
check full "$BB" "" "$TESTDATA/adalink/batch.jsonl"
check full "$BB" "" "$TESTDATA/adalink/batch.jsonl" --batch 1
check full10 "$T10" "" "$D/batch_text.jsonl"

run forward -b "$T10" -a "$D/lora10.safetensors" "$D/batch_text.jsonl"
expect_rc 0 "forward without --grad applies LoRA too"
$CMP jsonl "$T/out" "$D/lora10.expected.jsonl" 1e-4 >"$T/cmp" 2>&1
ok $? "the same lines: $(cat "$T/cmp")"

run forward -b "$T10" -a "$D/lora.safetensors" "$D/batch_text.jsonl"
expect_rc 1 "a LoRA adapter of another backbone exits 1"
has "$T/err" "wi_0" "naming the layer that does not fit"
run forward -b "$BB" -a "$TESTDATA/t5/t5-1.0.safetensors" "$D/batch_text.jsonl"
expect_rc 1 "a checkpoint given as an adapter exits 1"
done_testing
