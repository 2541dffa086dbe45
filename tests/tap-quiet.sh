#!/bin/sh
# tap-quiet.sh: run the TAP driver and pass on what is not a pass, so that
# make check shows the failures (and skips) and automake's summary, not
# thousands of PASS lines; every line still goes to the test's .log and to
# test-suite.log.  AL_TESTS_VERBOSE=1 shows every line.
#
#   LOG_DRIVER = $(SHELL) tests/tap-quiet.sh DRIVER [ARGS...]
if [ "${AL_TESTS_VERBOSE:-0}" = 1 ]; then
	exec "$@"
fi
# the driver's status through fd 8, its stdout filtered onto fd 9 (ours)
{ { { "$@"; echo "$?" >&8; } | grep -Ev '^(.\[[0-9;]*m)?(PASS|XFAIL): ' >&9; } 8>&1 |
	{ read -r s; exit "$s"; }; } 9>&1
