#!/bin/sh
# train_methods.sh: adalink train --method prompt|lora|full lowers the
# loss, writes an adapter that forward and predict read back, resumes
# exactly; --dry-run counts the trainable parameters as the geometry says;
# multi-task sampling draws tasks as asked.
. "${SRCDIR:-.}/tests/cli/lib.sh"
D="$TESTDATA/adalink"
B="$D/backbone.safetensors"
T10="$TESTDATA/t5/t5-1.0.safetensors"
X="$TESTDATA/methods/batch_text.jsonl"

per_token() { awk -F'[:,]' '{ s += $2; n += $4 } END { printf "%.6f", s / n }' "$1"; }
run forward -b "$B" "$D/batch.jsonl"
before=$(per_token "$T/out")

for m in prompt lora full; do
	# a soft prompt is shared by every example, so on these four it can
	# learn little beyond the targets' common tokens: 0.8x for it
	case $m in
	prompt) extra="--prompt-tokens 4 -r 8 -l 1e-1" f=0.8 ;;
	lora) extra="-r 4 --lora-alpha 8 --lora-decoder -l 3e-2" f=0.6 ;;
	full) extra="-l 1e-2" f=0.6 ;;
	esac
	run train -q -b "$B" -d "$D/batch.jsonl" --method $m $extra -O adamw -n 40 -B 4 -o "$T/$m.safetensors"
	expect_rc 0 "$m: train 40 steps"
	after=$(awk -F'\t' '{ print $5 }' "$T/out")
	awk -v a="$after" -v b="$before" -v f=$f 'BEGIN { exit !(a < f * b) }'
	ok $? "$m: the training loss falls below ${f}x, from $before to $after per token"
	if [ $m = full ]; then
		run forward -b "$T/$m.safetensors" "$D/batch.jsonl"
	else
		run forward -b "$B" -a "$T/$m.safetensors" "$D/batch.jsonl"
	fi
	now=$(per_token "$T/out")
	awk -v a="$now" -v b="$before" -v f=$f 'BEGIN { exit !(a < f * b) }'
	ok $? "$m: forward with what it wrote agrees ($now per token)"
	if [ $m = full ]; then
		run predict -b "$T/$m.safetensors" -L 3 "$D/batch.jsonl"
	else
		run predict -b "$B" -a "$T/$m.safetensors" -L 3 "$D/batch.jsonl"
	fi
	expect_rc 0 "$m: predict reads it"

	# 10 steps at once, or 6 then --resume to 10: the same bytes
	run train -q -b "$B" -d "$D/batch.jsonl" --method $m $extra -n 10 -B 3 -s 7 -e 3 -o "$T/x$m.safetensors"
	run train -q -b "$B" -d "$D/batch.jsonl" --method $m $extra -n 6 -B 3 -s 7 -e 3 -o "$T/y$m.safetensors"
	run train -q -b "$B" -d "$D/batch.jsonl" --method $m $extra -n 10 -B 3 -s 7 -e 3 --resume -o "$T/y$m.safetensors"
	expect_rc 0 "$m: --resume continues"
	same "$T/x$m.safetensors" "$T/y$m.safetensors" "$m: a resumed run ends with the same weights, byte for byte"
	same "$T/x$m.safetensors.state" "$T/y$m.safetensors.state" "$m: and the same optimizer state"
done
run inspect -m "$T/lora.safetensors"
has "$T/out" '"alpha": 8' "LoRA's alpha is in the metadata"
run train -q -b "$B" -d "$D/batch.jsonl" -n 2 --resume -o "$T/lora.safetensors"
expect_rc 1 "resuming a LoRA adapter as AdaLink exits 1"
has "$T/err" "--method lora" "saying which --method to give"

# --dry-run: the counts from the geometry (d 32, 2+2 layers, 4 heads of 8,
# d_ff 48, gated, vocab 96, vision projection 32 x 12)
nb=$(( 96*32 + 2*32*4 + 2*32 + 96*32 + 32*12 \
	+ 2 * (2*32 + 4*32*32 + 3*32*48) + 2 * (3*32 + 8*32*32 + 3*32*48) ))
dry() { run train --dry-run -b "$B" "$@"; awk -F'\t' '$1 == "trainable" { print $2 }' "$T/out"; }
[ "$(dry -r 4)" = $((2 * 32 * 4)) ]
ok $? "dry-run adalink: 2 d r ($(cat "$T/out" | tr '\n' ' '))"
has "$T/out" "backbone	$nb" "the backbone's parameters, counted from the geometry ($nb)"
[ "$(dry -r 4 -M text,image)" = $((2 * 2 * 32 * 4)) ]
ok $? "dry-run adalink text,image: two modules"
[ "$(dry --method prompt --prompt-tokens 5 -r 6)" = $((5*32 + 32*6 + 6 + 6*32 + 32)) ]
ok $? "dry-run prompt: N d + d h + h + h d + d"
enc=$(( 2 * (4 * (32 + 32) + 2 * (32 + 48) + (48 + 32)) ))
dec=$(( enc + 2 * 4 * (32 + 32) ))
[ "$(dry --method lora -r 2)" = $((2 * enc)) ]
ok $? "dry-run lora: r (in + out) over the encoder's linears"
[ "$(dry --method lora -r 2 --lora-decoder)" = $((2 * (enc + dec))) ]
ok $? "dry-run lora --lora-decoder: and the decoder's"
[ "$(dry --method full)" = $((nb - 32*12)) ]
ok $? "dry-run full: every weight but the vision projection"
has "$T/out" "share	99." "with its share of the backbone"
run train --dry-run -b "$B" --per-task -o "$T/z.safetensors"
expect_rc 2 "dry-run --per-task without data: usage error (the tasks come from the data)"
run train --dry-run -b "$B" --per-task -d "$D/batch.jsonl"
awk -F'\t' '$1 == "trainable" { exit !($2 == 3 * 2 * 32 * 64) }' "$T/out"
ok $? "dry-run --per-task: one module per task seen (none, rte, cola)"

# multi-task sampling: 1 example of task a, 9 of task b
: >"$T/mt.jsonl"
printf '{"input_ids": [5, 1], "target_ids": [7, 1], "task": "a"}\n' >>"$T/mt.jsonl"
for i in 1 2 3 4 5 6 7 8 9; do
	printf '{"input_ids": [%d, 1], "target_ids": [9, 1], "task": "b"}\n' $((10 + i)) >>"$T/mt.jsonl"
done
run train -b "$B" -d "$T/mt.jsonl" --per-task --sample uniform -n 2 -B 2 -o "$T/mt.safetensors"
expect_rc 0 "--sample uniform trains"
has "$T/err" "task a: 1 examples, drawn with probability 0.5000" "a task of 1 drawn half the time"
run train -b "$B" -d "$T/mt.jsonl" --sample proportional --sample-cap 3 -n 2 -B 2 -o "$T/mt.safetensors"
has "$T/err" "task b: 9 examples, drawn with probability 0.7500" "proportional, capped at 3: 3 / (1 + 3)"
run train -b "$B" -d "$T/mt.jsonl" --sample proportional -n 2 -B 2 -o "$T/mt.safetensors"
has "$T/err" "task b: 9 examples, drawn with probability 0.9000" "proportional: 9 / 10"
run train -b "$B" -d "$T/mt.jsonl" --sample-cap 3 -n 2 -o "$T/mt.safetensors"
expect_rc 2 "--sample-cap without --sample proportional: usage error"
run train -b "$B" -d "$D/batch.jsonl" --method lora --per-task -o "$T/z.safetensors"
expect_rc 2 "--per-task with --method lora: usage error"
run train -b "$B" -d "$D/batch.jsonl" --method bitfit -o "$T/z.safetensors"
expect_rc 2 "an unknown method: usage error"
done_testing
