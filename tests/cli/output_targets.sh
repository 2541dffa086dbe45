#!/bin/sh
# output_targets.sh: where -o (and score -e) writes when the target is not
# a plain file: a FIFO stays a FIFO and its reader gets the bytes, a
# symlink stays a link and the file it names is replaced, /dev/null stays
# the device, "-" is standard output (no file named "-"), a folder is
# refused.  Each output is compared with the same command's output to a
# new regular file.
. "${SRCDIR:-.}/tests/cli/lib.sh"
D="$TESTDATA/images"
S1="$TESTDATA/metrics/seed-1"

# to_fifo OUTNAME ARGS...: run adalink with a FIFO at $T/OUTNAME, its reader
# copying into $T/OUTNAME.got (a reader that no writer opens is stopped
# after 10 seconds)
to_fifo() {
	name=$1
	shift
	rm -f "$T/$name" "$T/$name.got"
	mkfifo "$T/$name"
	# the reader gives up after 10 s; no subshell of ours is killed (bash
	# runs lib.sh's EXIT trap, rm -rf "$T", in a subshell a signal ends)
	timeout 10 cat "$T/$name" >"$T/$name.got" &
	reader=$!
	run "$@"
	wait $reader
}

# --- init (the safetensors writer) ---
run init --config t5-tiny --seed 4 -o "$T/ref.safetensors"
expect_rc 0 "init to a new file"
to_fifo f.safetensors init --config t5-tiny --seed 4 -o "$T/f.safetensors"
expect_rc 0 "init -o FIFO"
[ -p "$T/f.safetensors" ]
fifo_kept=$?
ok $fifo_kept "the FIFO is still a FIFO"
same "$T/f.safetensors.got" "$T/ref.safetensors" "its reader got the checkpoint's bytes"

run init --config t5-tiny --seed 5 -o "$T/old.safetensors"
ln -s old.safetensors "$T/link.safetensors"
run init --config t5-tiny --seed 4 -o "$T/link.safetensors"
expect_rc 0 "init -o SYMLINK"
[ -L "$T/link.safetensors" ] && [ "$(readlink "$T/link.safetensors")" = old.safetensors ]
ok $? "the symlink is still the same link"
same "$T/old.safetensors" "$T/ref.safetensors" "the file it names holds the new checkpoint"
[ -z "$(ls "$T" | grep '\.tmp\.')" ]
ok $? "no temporary file left beside either"

ln -s nothing-yet.safetensors "$T/dangling.safetensors"
run init --config t5-tiny --seed 4 -o "$T/dangling.safetensors"
expect_rc 0 "init -o SYMLINK-TO-NOTHING"
[ -L "$T/dangling.safetensors" ]
ok $? "the dangling link is still a link"
same "$T/nothing-yet.safetensors" "$T/ref.safetensors" "and the file it names is made"

# /dev/null only once a FIFO is known to be written through: a writer
# that renames over special files would replace the machine's /dev/null.
if [ $fifo_kept -eq 0 ]; then
	run init --config t5-tiny --seed 4 -o /dev/null
	expect_rc 0 "init -o /dev/null"
	[ -c /dev/null ] && [ -z "$(ls /dev | grep '^null\.tmp\.')" ]
	ok $? "/dev/null is still the device, no temporary file beside it"
else
	ok 1 "init -o /dev/null not tried: the FIFO was replaced"
fi

(cd "$T" && "$ADALINK" init --config t5-tiny --seed 4 -o - >"$T/std.safetensors" 2>"$T/err")
rc=$?
expect_rc 0 "init -o -"
same "$T/std.safetensors" "$T/ref.safetensors" "-o - writes the checkpoint to standard output"
[ ! -e "$T/-" ]
ok $? "and no file named '-'"

mkdir "$T/dir"
run init --config t5-tiny -o "$T/dir"
expect_rc 1 "init -o FOLDER fails"
has "$T/err" "is a directory" "saying it is a directory"

# --- patches (the safetensors writer with a tensor dropped) ---
IMGS="$D/video-001.jpeg $D/bad/truncated.jpg $D/png/gray8-i.png"
run patches --skip-bad -s 28 -o "$T/p.safetensors" $IMGS
expect_rc 0 "patches --skip-bad to a new file"
to_fifo pf.safetensors patches --skip-bad -s 28 -o "$T/pf.safetensors" $IMGS
expect_rc 0 "patches --skip-bad -o FIFO"
same "$T/pf.safetensors.got" "$T/p.safetensors" "the FIFO's reader got the same file, the bad image left out"
"$ADALINK" patches --skip-bad -s 28 -o - $IMGS >"$T/ps.safetensors" 2>"$T/err"
rc=$?
expect_rc 0 "patches -o -"
same "$T/ps.safetensors" "$T/p.safetensors" "standard output gets the same file"
if [ $fifo_kept -eq 0 ]; then
	run patches -s 28 -o /dev/null "$D/video-001.jpeg"
	expect_rc 0 "patches -o /dev/null"
	[ -c /dev/null ]
	ok $? "/dev/null is still the device"
fi

# --- score --per-example (a text file) ---
G="$S1/glue-bin"
run score glue mrpc --refs "$G/refs.jsonl" --preds "$G/preds.jsonl" -e "$T/pe.tsv"
expect_rc 0 "score -e FILE"
to_fifo pe.fifo score glue mrpc --refs "$G/refs.jsonl" --preds "$G/preds.jsonl" -e "$T/pe.fifo"
expect_rc 0 "score -e FIFO"
[ -p "$T/pe.fifo" ]
ok $? "the FIFO is still a FIFO"
same "$T/pe.fifo.got" "$T/pe.tsv" "its reader got the per-example rows"
ln -s pe.tsv "$T/pe.link"
run score glue mrpc --refs "$G/refs.jsonl" --preds "$G/preds.jsonl" -e "$T/pe.link"
expect_rc 0 "score -e SYMLINK"
[ -L "$T/pe.link" ]
ok $? "the symlink is still a link"

done_testing
