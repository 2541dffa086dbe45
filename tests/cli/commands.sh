#!/bin/sh
# commands.sh: the command table, help, man pages, usage errors, --version.
. "${SRCDIR:-.}/tests/cli/lib.sh"

run --help
expect_rc 0 "adalink --help exits 0"
has "$T/out" "usage: adalink" "--help prints usage"
cmds=$(sed -n '/^commands:/,/^$/p' "$T/out" | awk 'NR > 1 && NF { print $1 }')
[ -n "$cmds" ]
ok $? "--help lists commands: $(echo $cmds)"
for c in $cmds; do
	[ "$c" = help ] && continue
	run "$c" --help
	expect_rc 0 "adalink $c --help exits 0"
	has "$T/out" "usage: adalink $c" "adalink $c --help prints its usage"
	[ -f "$SRCDIR/man/adalink-$c.1" ]
	ok $? "man/adalink-$c.1 exists"
	run "$c" --no-such-option
	expect_rc 2 "adalink $c --no-such-option exits 2"
	has "$T/err" "usage: adalink $c" "and prints usage on stderr"
	[ ! -s "$T/out" ]
	ok $? "and nothing on stdout"
done
[ -f "$SRCDIR/man/adalink.1" ]
ok $? "man/adalink.1 exists"

run
expect_rc 2 "no command exits 2"
has "$T/err" "a command is required" "and says a command is required"
run no-such-command
expect_rc 2 "an unknown command exits 2"
has "$T/err" "'no-such-command' is not a command" "and names it"
run --no-such-option
expect_rc 2 "an unknown global option exits 2"
has "$T/err" "usage: adalink" "and prints usage"
run -j 0 inspect --help
expect_rc 2 "-j 0 is a usage error"
has "$T/err" "thread count" "saying what -j wants"
run help no-such-command
expect_rc 2 "help for an unknown command exits 2"

run --version
expect_rc 0 "--version exits 0"
for lib in "adalink " libarchive libjpeg-turbo libpng SQLite PCRE2 yajl xxHash "OpenBLAS core"; do
	has "$T/out" "$lib" "--version names $lib"
done
core=$(sed -n 's/^OpenBLAS core \([^ ]*\).*/\1/p' "$T/out")
case "$core" in
Prescott|Katmai|Coppermine|Northwood|Banias|Core2|Penryn|Dunnington|Nehalem|Atom|"")
	ok 1 "the OpenBLAS core in use is not generic ($core)" ;;
*)	ok 0 "the OpenBLAS core in use is not generic ($core)" ;;
esac

if command -v mandoc >/dev/null 2>&1; then
	mandoc -Tlint -W warning "$SRCDIR"/man/*.[15] >"$T/lint" 2>&1
	[ ! -s "$T/lint" ]
	ok $? "mandoc -Tlint finds nothing in man/"
	sed 's/^/#   /' "$T/lint" | head
fi
done_testing
