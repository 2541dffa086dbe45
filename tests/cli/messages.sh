#!/bin/sh
# messages.sh: messages that say what is wrong, for the mistakes a new user
# makes: both training sources, a catalog that is empty, not SQLite or a
# directory, a rate out of range, a whole checkpoint given as the adapter,
# help about help; quickstart's usage; init's progress line.
. "${SRCDIR:-.}/tests/cli/lib.sh"
B="$TESTDATA/adalink/backbone.safetensors"
X="$TESTDATA/adalink/batch.jsonl"

run train -b "$B" -C "$T/c.db" -d "$X" -t rte -o "$T/a.safetensors"
expect_rc 2 "train with --data and --catalog --train is a usage error"
has "$T/err" "--data FILE and --train NAMES are exclusive" "saying they are exclusive"
if grep -q "are required" "$T/err"; then ok 1 "not that they are missing"; else ok 0 "not that they are missing"; fi

for lr in 1e30 -1 nan; do
	run train -b "$B" -d "$X" --lr "$lr" -o "$T/a.safetensors"
	expect_rc 2 "train --lr $lr is a usage error"
	has "$T/err" "--lr wants a number from 0 to 1000, not '$lr'" "giving the range"
done
run train -b "$B" -d "$X" -p 1 -o "$T/a.safetensors"
has "$T/err" "--dropout wants a number from 0 to below 1" "--dropout gives its range"
run train -b "$B" -d "$X" --micro -1 -o "$T/a.safetensors"
has "$T/err" "--micro wants a whole number from 0, not '-1'" "--micro is named by its long name"

: >"$T/empty"
echo "not a database" >"$T/text"
mkdir "$T/dir"
sqlite3 "$T/other.db" "CREATE TABLE t (x)" 2>/dev/null ||
	/usr/bin/python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("CREATE TABLE t (x)")' "$T/other.db"
run runs ls -c "$T/empty"
expect_rc 1 "runs ls of an empty file fails"
has "$T/err" "'$T/empty' is not an adalink catalog (an empty file)" "saying it is not a catalog"
run runs ls -c "$T/other.db"
expect_rc 1 "runs ls of another program's database fails"
has "$T/err" "is not an adalink catalog (a database without adalink's schema)" "saying it is not a catalog"
for cmd in "runs ls" "shards ls"; do
	run $cmd -c "$T/text"
	expect_rc 1 "$cmd of a text file fails"
	has "$T/err" "'$T/text' is not an adalink catalog (not an SQLite database)" "saying it is not a catalog"
	run $cmd -c "$T/dir"
	expect_rc 1 "$cmd of a directory fails"
	has "$T/err" "catalog '$T/dir' is a directory" "saying it is a directory"
done
if grep -q "migrate\|I/O error" "$T/err"; then ok 1 "no talk of migrating or I/O"; else ok 0 "no talk of migrating or I/O"; fi

run forward -b "$B" -a "$B" "$X"
expect_rc 1 "a whole checkpoint as the adapter is refused"
has "$T/err" "is a whole checkpoint (full fine-tuning?), not an adapter: give it as --backbone" \
	"saying to give it as --backbone"

if command -v man >/dev/null 2>&1; then
	MANPAGER=cat MANWIDTH=80 "$ADALINK" help help >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	expect_rc 0 "help help exits 0"
	has "$T/out" "adalink help" "and shows adalink(1), which describes help"
fi

sh "$SRCDIR/quickstart" >"$T/out" 2>"$T/err"
rc=$?
expect_rc 2 "quickstart without an argument exits 2"
has "$T/err" "./quickstart demo" "printing its usage"
if grep -q "set -eu\|^cd \|SRC=" "$T/err"; then ok 1 "and none of its code"; else ok 0 "and none of its code"; fi
awk '/^PACKAGES="/ { p = 1; sub(/^PACKAGES="/, "") } p { print } p && /"$/ { exit }' "$SRCDIR/quickstart" |
	tr -s ' \t"' '\n' |
	cat - "$SRCDIR/packages.txt" | grep -v '^#' | sort | uniq -d >"$T/dup"
[ ! -s "$T/dup" ]
ok $? "quickstart installs each package once ($(tr '\n' ' ' <"$T/dup"))"

ADALINK_PROGRESS=1 "$ADALINK" init --config t5-tiny -o "$T/t5.safetensors" >"$T/out" 2>"$T/err"
rc=$?
expect_rc 0 "init on a terminal"
has "$T/err" "drawing the weights of t5-tiny" "says it draws the weights"
ADALINK_PROGRESS=1 "$ADALINK" init -q --config t5-tiny -o "$T/t5.safetensors" >"$T/out" 2>"$T/err"
[ ! -s "$T/err" ]
ok $? "and nothing with -q"
"$ADALINK" init --config t5-tiny -o "$T/t5.safetensors" 2>"$T/err"
if grep -q "drawing" "$T/err"; then ok 1 "nor off a terminal"; else ok 0 "nor off a terminal"; fi
done_testing
