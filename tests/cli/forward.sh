#!/bin/sh
# forward.sh: adalink forward against the PyTorch reference of
# tests/ref/adalink_ref.py: nll and log-probs to 1e-4, the adapter's
# gradient to 1e-3; and its errors.
. "${SRCDIR:-.}/tests/cli/lib.sh"
D="$TESTDATA/adalink"
CMP="/usr/bin/python3 $SRCDIR/tests/ref/compare.py"

for a in adapter adapter_plain; do
	run forward -b "$D/backbone.safetensors" -a "$D/$a.safetensors" -g "$T/$a.grad.safetensors" "$D/batch.jsonl"
	expect_rc 0 "$a: forward exits 0"
	$CMP jsonl "$T/out" "$D/$a.expected.jsonl" 1e-4 >"$T/cmp" 2>&1
	ok $? "$a: nll and log-probs within 1e-4 of the reference: $(cat "$T/cmp")"
	$CMP st "$T/$a.grad.safetensors" "$D/$a.grad.safetensors" 1e-3 >"$T/cmp" 2>&1
	ok $? "$a: gradient within 1e-3 of autograd: $(cat "$T/cmp")"
done
"$ADALINK" forward -b "$D/backbone.safetensors" -a "$D/adapter.safetensors" <"$D/batch.jsonl" >"$T/stdin.out" 2>"$T/err"
run forward -b "$D/backbone.safetensors" -a "$D/adapter.safetensors" "$D/batch.jsonl"
same "$T/stdin.out" "$T/out" "standard input gives the same lines as a FILE"

for B in 1 3; do
	run forward -B $B -b "$D/backbone.safetensors" -a "$D/adapter.safetensors" -g "$T/g$B.safetensors" "$D/batch.jsonl"
	$CMP jsonl "$T/out" "$D/adapter.expected.jsonl" 1e-4 >"$T/cmp" 2>&1
	ok $? "--batch $B: the same lines: $(cat "$T/cmp")"
	$CMP st "$T/g$B.safetensors" "$D/adapter.grad.safetensors" 1e-3 >"$T/cmp" 2>&1
	ok $? "--batch $B: the same gradient: $(cat "$T/cmp")"
done
run forward -B 0 -b "$D/backbone.safetensors" "$D/batch.jsonl"
expect_rc 2 "--batch 0: usage error"
run forward
expect_rc 2 "no --backbone: usage error"
run forward -b "$D/backbone.safetensors" -g "$T/g.safetensors" "$D/batch.jsonl"
expect_rc 0 "--grad without --adapter: every backbone weight's (tests/cli/methods.sh checks it)"
printf '{"input_ids": [1], "target_ids": [2]}\n{"input_ids": [1], "target_ids": 3}\n' >"$T/bad.jsonl"
run forward -b "$D/backbone.safetensors" "$T/bad.jsonl"
expect_rc 1 "a malformed line exits 1"
has "$T/err" "bad.jsonl: line 2: \"target_ids\" must be an array" "naming the file, line and field"
printf '{"input_ids": [1], "target_ids": [5000]}\n' >"$T/big.jsonl"
run forward -b "$D/backbone.safetensors" "$T/big.jsonl"
expect_rc 1 "a target outside the vocabulary exits 1"
has "$T/err" "outside the vocabulary" "saying so"
sed -n 3p "$D/batch.jsonl" >"$T/img.jsonl"
run forward -b "$TESTDATA/t5/t5-1.1.safetensors" "$T/img.jsonl"
expect_rc 1 "image embeddings with a backbone without a projection exit 1"
has "$T/err" "no vision_projection.weight" "saying what is missing"
run forward -b "$D/backbone.safetensors" -a "$D/batch.jsonl" "$D/batch.jsonl"
expect_rc 1 "an adapter that is not safetensors exits 1"
run forward -b "$D/adapter.safetensors" "$D/batch.jsonl"
expect_rc 1 "an adapter given as backbone exits 1"
has "$T/err" "tensor 'shared.weight' is missing" "saying what is missing"
done_testing
