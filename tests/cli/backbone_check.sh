#!/bin/sh
# backbone_check.sh: an adapter records the SHA-256 of the backbone it was
# trained on; forward, predict, merge and train --resume refuse another
# backbone of the same geometry unless --force, and take the same one.
# Also train's own checks: --model is read even when no dev metric needs
# it, a batch larger than the data is warned about, -o - is refused.
. "${SRCDIR:-.}/tests/cli/lib.sh"
A="$TESTDATA/adalink"
B="$A/backbone.safetensors"
X="$A/batch.jsonl"

# B2: the same backbone with the last weight byte changed (same width,
# same names: nothing but the hash tells them apart)
/usr/bin/python3 - "$B" "$T/b2.safetensors" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[-1] ^= 1
open(sys.argv[2], "wb").write(b)
PY
want=$(sha256sum "$B" | cut -c1-64)

run train -b "$B" -d "$X" -r 8 -n 2 -B 2 -o "$T/a.safetensors"
expect_rc 0 "train an adapter on B"
run inspect -mH "$T/a.safetensors"
has "$T/out" "\"backbone_sha256\": \"$want\"" "it records B's SHA-256 (as sha256sum computes it)"

for cmd in forward predict; do
	run $cmd -b "$B" -a "$T/a.safetensors" "$X"
	expect_rc 0 "$cmd on B, the backbone the adapter was trained on"
	run $cmd -b "$T/b2.safetensors" -a "$T/a.safetensors" "$X"
	expect_rc 1 "$cmd on another backbone of the same width exits 1"
	has "$T/err" "was trained on another backbone (SHA-256 $(echo "$want" | cut -c1-12)...)" \
		"$cmd: saying so, with the recorded hash"
	has "$T/err" "--force" "$cmd: and naming --force"
	run $cmd -b "$T/b2.safetensors" -a "$T/a.safetensors" --force "$X"
	expect_rc 0 "$cmd --force applies it anyway"
done
run merge -b "$T/b2.safetensors" -a "$T/a.safetensors" -o "$T/m.safetensors"
expect_rc 1 "merge into another backbone exits 1"
[ ! -e "$T/m.safetensors" ]
ok $? "writing nothing"
run merge -b "$T/b2.safetensors" -a "$T/a.safetensors" --force -o "$T/m.safetensors"
expect_rc 0 "merge --force"
run merge -b "$B" -a "$T/a.safetensors" -o "$T/m.safetensors"
expect_rc 0 "merge into B"

run train -b "$T/b2.safetensors" -d "$X" -r 8 -n 4 -B 2 -R -o "$T/a.safetensors"
expect_rc 1 "train --resume on another backbone exits 1"
has "$T/err" "was trained on another backbone" "saying so"
cp "$T/a.safetensors" "$T/r.safetensors" && cp "$T/a.safetensors.state" "$T/r.safetensors.state"
run train -b "$T/b2.safetensors" -d "$X" -r 8 -n 4 -B 2 -R --force -o "$T/r.safetensors"
expect_rc 0 "train --resume --force goes on"
run train -b "$B" -d "$X" -r 8 -n 4 -B 2 -R -o "$T/a.safetensors"
expect_rc 0 "train --resume on B goes on"

# the adapters in tests/data record no hash: any backbone of the width
run forward -b "$T/b2.safetensors" -a "$A/adapter.safetensors" "$X"
expect_rc 0 "an adapter that records no backbone hash is not checked"

# train --model: a file that is no SentencePiece model is refused at once
head -c 4096 "$B" >"$T/random.bin"
run train -b "$B" -d "$X" --model "$T/random.bin" -r 8 -n 2 -B 2 -o "$T/t.safetensors"
expect_rc 1 "train --model NOT-A-MODEL exits 1 (no dev set needs it)"
has "$T/err" "--model: '$T/random.bin'" "naming the file"
[ ! -e "$T/t.safetensors" ]
ok $? "before training"

# a batch larger than the data: every step is several epochs
run train -b "$B" -d "$X" -r 8 -n 1 -B 10 -o "$T/t.safetensors"
expect_rc 0 "train -B 10 on 4 examples runs"
has "$T/err" "warning: the batch of 10 is larger than the 4 training examples" \
	"and warns that each step goes through the data 2.5 times"
run train -b "$B" -d "$X" -r 8 -n 1 -B 4 -o "$T/t.safetensors"
grep -q "larger than" "$T/err"
[ $? -ne 0 ]
ok $? "no warning when the batch is the data"

(cd "$T" && "$ADALINK" train -b "$B" -d "$X" -r 8 -n 1 -B 2 -o - >"$T/out" 2>"$T/err")
rc=$?
expect_rc 2 "train -o - is a usage error (ADAPTER.state goes beside it)"
done_testing
