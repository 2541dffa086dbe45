#!/bin/sh
# blas.sh: OpenBLAS core selection through re-execution.  A generic core is
# simulated with ADALINK_TEST_GENERIC_CORE and a failing check with
# ADALINK_TEST_BLAS_BAD, since the machine may not need either.
. "${SRCDIR:-.}/tests/cli/lib.sh"

core_line() { sed -n 's/^OpenBLAS core //p' "$T/out"; }

OPENBLAS_CORETYPE=Haswell run --version
expect_rc 0 "--version with OPENBLAS_CORETYPE=Haswell"
case "$(core_line)" in "Haswell (chosen by environment)"*) ok 0 "the user's core is kept";;
	*) ok 1 "the user's core is kept: $(core_line)";; esac

pref=
if grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo; then pref=SkylakeX
elif grep -qw avx2 /proc/cpuinfo; then pref=Haswell; fi
if [ -n "$pref" ]; then
	env -u OPENBLAS_CORETYPE ADALINK_TEST_GENERIC_CORE=1 "$ADALINK" --version >"$T/out" 2>"$T/err"
	ok $? "--version after a simulated generic core"
	case "$(core_line)" in "$pref (chosen by adalink)"*) ok 0 "adalink chose $pref";;
		*) ok 1 "adalink chose $pref: $(core_line)";; esac
	[ ! -s "$T/err" ]
	ok $? "silently"
	env -u OPENBLAS_CORETYPE ADALINK_TEST_GENERIC_CORE=1 ADALINK_TEST_BLAS_BAD=1 \
		"$ADALINK" --version >"$T/out" 2>"$T/err"
	ok $? "--version when the chosen core fails its check"
	has "$T/err" "failed its check" "warns that the chosen core failed"
	case "$(core_line)" in *"(chosen by fallback)"*) ok 0 "falls back";;
		*) ok 1 "falls back: $(core_line)";; esac
else
	echo "# skip: this CPU has neither AVX2 nor AVX-512"
fi
env -u OPENBLAS_CORETYPE "$ADALINK" --version >"$T/out" 2>"$T/err"
ok $? "--version with no OPENBLAS_CORETYPE"
echo "# $(core_line)"
done_testing
