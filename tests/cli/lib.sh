# lib.sh: TAP helpers for the command tests.  Sourced by tests/cli/*.sh.
# Environment (set by make check): ADALINK (the built program), TESTDATA
# (tests/data), SRCDIR (the source tree).
set -u
: "${ADALINK:=./adalink}" "${TESTDATA:=tests/data}" "${SRCDIR:=.}"
# A sanitizer report must never pass for an ordinary "exit 1".
export ASAN_OPTIONS="exitcode=86:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:exitcode=87:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
T=$(mktemp -d "${TMPDIR:-/tmp}/al-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
tap_n=0
tap_failed=0

# ok STATUS DESCRIPTION: pass when STATUS is 0
ok() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

# run ARGS...: run adalink, keeping stdout in $T/out, stderr in $T/err and
# the status in $rc
run() {
	"$ADALINK" "$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
}

# expect_rc N DESCRIPTION: the last run exited N (shows stderr if not)
expect_rc() {
	if [ "$rc" -eq "$1" ]; then ok 0 "$2"; else
		ok 1 "$2 (exit $rc, want $1)"
		sed 's/^/#   /' "$T/err" | head -20
	fi
}

# has FILE TEXT DESCRIPTION: FILE contains TEXT (fixed string)
has() {
	if grep -qF -- "$2" "$1"; then ok 0 "$3"; else
		ok 1 "$3"
		echo "#   '$1' lacks '$2':"
		sed 's/^/#   /' "$1" | head -10
	fi
}

# same FILE1 FILE2 DESCRIPTION: identical contents
same() {
	if cmp -s "$1" "$2"; then ok 0 "$3"; else
		ok 1 "$3"
		diff "$1" "$2" | head -20 | sed 's/^/#   /'
	fi
}

# no_sanitizer DESCRIPTION: the last stderr holds no sanitizer report
no_sanitizer() {
	if grep -qE 'Sanitizer|runtime error' "$T/err"; then ok 1 "$1"; sed 's/^/#   /' "$T/err" | head -20
	else ok 0 "$1"; fi
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
