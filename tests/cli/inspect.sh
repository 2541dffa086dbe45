#!/bin/sh
# inspect.sh: adalink inspect on files written by the Python generator, and
# the malformed corpus: each rejected with exit 1 and a message, no crash.
. "${SRCDIR:-.}/tests/cli/lib.sh"
D="$TESTDATA/safetensors"

run inspect "$D/good/tiny.safetensors"
expect_rc 0 "inspect tiny exits 0"
# The expected table, from the generator's sidecar (name, dtype, shape)
# with bytes computed here from the dtype sizes.
awk -F'\t' 'BEGIN { s["F32"]=4; s["F16"]=2; s["BF16"]=2; s["F64"]=8; s["I64"]=8; s["U8"]=1 }
{ n = 1; k = split($3, d, ","); for (i = 1; i <= k; i++) n *= d[i];
  printf "%s\t%s\t[%s]\t%d\n", $1, $2, $3, n * s[$2] }' "$D/good/tiny.expect" >"$T/want"
sed -n '2,7p' "$T/out" | cut -f1-4 >"$T/got"
same "$T/got" "$T/want" "tensor rows: name, dtype, shape, bytes"
head -1 "$T/out" >"$T/h"
printf 'name\tdtype\tshape\tbytes\toffset\n' >"$T/hw"
same "$T/h" "$T/hw" "header row"
has "$T/out" "$(printf 'format\tpt')" "metadata row"
# Offsets: each tensor's bytes, read with dd at the printed offset, are the
# ones Python wrote (checked for the F32 tensor a).
off=$(awk -F'\t' '$1 == "a" { print $5 }' "$T/out")
dd if="$D/good/tiny.safetensors" bs=1 skip="$off" count=24 2>/dev/null | od -An -v -w24 -tf4 | tr -s ' ' | sed 's/^ //;s/ $//' >"$T/a"
echo "0 0.5 1 1.5 2 2.5" >"$T/aw"
same "$T/a" "$T/aw" "the printed offset of 'a' points at its data"

run inspect --meta --no-header "$D/good/tiny.safetensors"
expect_rc 0 "inspect --meta"
printf 'format\tpt\nconfig\t{"d_model": 64, "num_heads": 4}\n' >"$T/mw"
same "$T/out" "$T/mw" "--meta --no-header prints key<TAB>value only"
run inspect --summary "$D/good/tiny.safetensors"
has "$T/out" "$(printf '6 tensors\t15 parameters\t60 bytes')" "--summary counts tensors, parameters, bytes"
run inspect -t "$D/good/empty.safetensors"
expect_rc 0 "a file with no tensors"
[ "$(wc -l <"$T/out")" -eq 1 ]
ok $? "prints the header only"
run inspect
expect_rc 2 "no FILE is a usage error"
run inspect a b
expect_rc 2 "two FILEs are a usage error"
run inspect "$T/missing.safetensors"
expect_rc 1 "a missing file exits 1"
has "$T/err" "adalink inspect: unable to open" "and says it cannot open it"
"$ADALINK" inspect - <"$D/good/tiny.safetensors" >"$T/out" 2>"$T/err"
ok $? "- reads standard input"

while IFS="$(printf '\t')" read -r f want; do
	run inspect "$D/bad/$f"
	expect_rc 1 "$f: exit 1"
	has "$T/err" "$want" "$f: says '$want'"
	has "$T/err" "adalink inspect: " "$f: message prefixed with the command"
	no_sanitizer "$f: no sanitizer report"
done <"$D/bad/expected.tsv"
# A pipe or device is read only as far as its header says: /dev/zero (a
# header length of 0) is refused at once, not read into memory until it
# runs out; every bad file fails through a pipe too, and every good one
# reads the same through a pipe as from the file.
timeout 5 "$ADALINK" inspect /dev/zero >"$T/out" 2>"$T/err"
rc=$?
expect_rc 1 "inspect /dev/zero exits 1 (not killed by a 5 s timeout)"
has "$T/err" "header length 0 is too small" "saying the header length is wrong"
while IFS="$(printf '\t')" read -r f want; do
	cat "$D/bad/$f" | timeout 20 "$ADALINK" inspect - >"$T/out" 2>"$T/err"
	rc=$?
	expect_rc 1 "$f through a pipe: exit 1"
	no_sanitizer "$f through a pipe: no sanitizer report"
done <"$D/bad/expected.tsv"
for f in "$D"/good/*.safetensors; do
	"$ADALINK" inspect "$f" >"$T/want" 2>&1
	cat "$f" | "$ADALINK" inspect - >"$T/out" 2>&1
	same "$T/out" "$T/want" "$(basename "$f") through a pipe reads as from the file"
done
(cat "$D/good/tiny.safetensors"; echo extra) | "$ADALINK" inspect - >"$T/out" 2>"$T/err"
rc=$?
expect_rc 1 "bytes past the data through a pipe: exit 1"
has "$T/err" "bytes after the last tensor's data" "saying so"
done_testing
