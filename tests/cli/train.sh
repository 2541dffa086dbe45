#!/bin/sh
# train.sh: adalink train lowers the loss, resumes exactly, keeps the best
# adapter on a dev set; and its errors.
. "${SRCDIR:-.}/tests/cli/lib.sh"
D="$TESTDATA/adalink"
B="$D/backbone.safetensors"

run forward -b "$B" "$D/batch.jsonl"
before=$(awk -F'[:,]' '{ s += $2; n += $4 } END { printf "%.6f", s / n }' "$T/out")
run train -q -b "$B" -d "$D/batch.jsonl" -r 32 -M text,image -f gelu -O adamw -l 3e-2 -n 100 -B 4 -o "$T/a.safetensors"
expect_rc 0 "train 100 steps"
after=$(awk -F'\t' '{ print $5 }' "$T/out")
awk -v a="$after" -v b="$before" 'BEGIN { exit !(a < 0.6 * b) }'
ok $? "the training loss falls below 0.6x, from $before to $after per token"
run inspect -t "$T/a.safetensors"
has "$T/out" "adalink.text.down	F32	[32,32]" "the adapter holds the text module [d, r]"
has "$T/out" "adalink.image.up	F32	[32,32]" "and the image module [r, d]"
run inspect -m "$T/a.safetensors"
has "$T/out" '"activation": "gelu"' "its settings are in the metadata"
has "$T/out" "\"backbone_sha256\": \"$(sha256sum "$B" | cut -d' ' -f1)\"" "with the backbone's SHA-256"
run forward -b "$B" -a "$T/a.safetensors" "$D/batch.jsonl"
now=$(awk -F'[:,]' '{ s += $2; n += $4 } END { printf "%.6f", s / n }' "$T/out")
awk -v a="$now" -v b="$before" 'BEGIN { exit !(a < 0.6 * b) }'
ok $? "forward with the trained adapter agrees ($now per token)"

# 20 steps at once, or 12 then --resume to 20: the same adapter, byte for byte
run train -q -b "$B" -d "$D/batch.jsonl" -r 4 -n 20 -B 3 -s 7 -e 5 -o "$T/x.safetensors"
run train -q -b "$B" -d "$D/batch.jsonl" -r 4 -n 12 -B 3 -s 7 -e 5 -o "$T/y.safetensors"
run train -q -b "$B" -d "$D/batch.jsonl" -r 4 -n 20 -B 3 -s 7 -e 5 --resume -o "$T/y.safetensors"
expect_rc 0 "--resume continues"
same "$T/x.safetensors" "$T/y.safetensors" "a resumed run ends with the same adapter, byte for byte"
same "$T/x.safetensors.state" "$T/y.safetensors.state" "and the same optimizer state"

run train -b "$B" -d "$D/batch.jsonl" -D "$D/batch.jsonl" -r 4 -n 10 -B 4 -e 5 -l 1e-2 -o "$T/d.safetensors"
expect_rc 0 "train with a dev set"
has "$T/err" "dev " "reports the dev loss"
[ -f "$T/d.safetensors.best" ]
ok $? "and keeps the best adapter"
run predict -b "$B" -a "$T/d.safetensors.best" -L 3 "$D/batch.jsonl"
expect_rc 0 "the best adapter predicts"

run train -b "$B" -d "$D/batch.jsonl" -o "$T/z.safetensors" -O sgd
expect_rc 2 "an unknown optimizer is a usage error"
run train -b "$B" -d "$D/batch.jsonl"
expect_rc 2 "no --output is a usage error"
run train -b "$B" -d "$T/none.jsonl" -o "$T/z.safetensors"
expect_rc 1 "missing data exits 1"
has "$T/err" "unable to open" "saying so"
run train -b "$B" -d "$D/batch.jsonl" -n 5 --resume -o "$T/never.safetensors"
expect_rc 1 "--resume without an adapter exits 1"
done_testing
