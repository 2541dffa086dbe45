#!/bin/sh
# readme.sh: the README's checked command blocks run as written after its
# set-up (the program on PATH), in a scratch folder, and print what the
# README shows (tests/cli/readme.py says how they are marked and compared).
. "${SRCDIR:-.}/tests/cli/lib.sh"
mkdir "$T/work"
ln -s "$SRCDIR/tests" "$T/work/tests"
ln -s "$SRCDIR/examples" "$T/work/examples"
PATH="$(cd "$(dirname "$ADALINK")" && pwd):$PATH" /usr/bin/python3 "$SRCDIR/tests/cli/readme.py" \
	"$SRCDIR/README.md" "$T/work"
