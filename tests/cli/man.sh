#!/bin/sh
# man.sh: every manual page renders without a warning in groff (what man(1)
# uses) as well as in mandoc, and no quotes nest in the rendered text (an
# enclosure macro left open swallows the next ones: "a, "b"").
. "${SRCDIR:-.}/tests/cli/lib.sh"
pages=$(ls "$SRCDIR"/man/*.[15])
[ -n "$pages" ]
ok $? "man/ has pages"
if command -v groff >/dev/null 2>&1; then
	for p in $pages; do
		n=$(basename "$p")
		groff -man -Tutf8 -ww -z "$p" >"$T/w" 2>&1
		[ ! -s "$T/w" ]
		ok $? "groff -ww renders $n without a warning"
		sed 's/^/#   /' "$T/w" | head -5
		groff -man -Tutf8 -P-c "$p" 2>/dev/null | sed 's/.\x08//g' >"$T/txt"
		# an opening quote before the previous one closed, or two closings
		grep -n '“[^”]*“\|””' "$T/txt" >"$T/q"
		[ ! -s "$T/q" ]
		ok $? "$n: no nested quotes"
		sed 's/^/#   /' "$T/q" | head -5
	done
else
	echo "# groff is not installed: skipping its checks"
fi
if command -v mandoc >/dev/null 2>&1; then
	for p in $pages; do
		mandoc -Tlint -W warning "$p" >"$T/w" 2>&1
		[ ! -s "$T/w" ]
		ok $? "mandoc -Tlint -W warning: $(basename "$p")"
		sed 's/^/#   /' "$T/w" | head -5
	done
fi
done_testing
