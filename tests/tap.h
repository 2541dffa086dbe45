/* tap.h: a Test Anything Protocol harness for the unit tests.
 *
 *     int main(void) {
 *         ok(1 + 1 == 2, "addition");
 *         is_int(f(), 3, "f gives 3");
 *         is_dbl(g(), 0.25, 1e-12, "g within 1e-12 relative");
 *         is_str(h(), "x", "h names x");
 *         return done_testing();
 *     }
 *
 * Prints "ok N - name" / "not ok N - name" with a diagnostic on failure and
 * the plan "1..N" at the end; the exit status is 1 if anything failed.
 */
#ifndef AL_TAP_H
#define AL_TAP_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count, tap_failed;

static int tap_report(int pass, const char *file, int line, const char *fmt, va_list ap)
{
	tap_count++;
	printf("%s %d - ", pass ? "ok" : "not ok", tap_count);
	vprintf(fmt, ap);
	putchar('\n');
	if (!pass) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return pass;
}

static int __attribute__((format(printf, 4, 5), unused))
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tap_report(pass, file, line, fmt, ap);
	va_end(ap);
	return pass;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (!tap_ok(g_ == w_, __FILE__, __LINE__, __VA_ARGS__)) \
		printf("#   got %lld, want %lld\n", g_, w_); \
} while (0)

/* Relative tolerance (absolute below 1): |got - want| <= tol * max(1, |want|).
 * NaN equals NaN. */
#define is_dbl(got, want, tol, ...) do { \
	double g_ = (got), w_ = (want); \
	int p_ = (isnan(g_) && isnan(w_)) || \
		 fabs(g_ - w_) <= (tol) * (fabs(w_) > 1 ? fabs(w_) : 1); \
	if (!tap_ok(p_, __FILE__, __LINE__, __VA_ARGS__)) \
		printf("#   got %.17g, want %.17g\n", g_, w_); \
} while (0)

#define is_str(got, want, ...) do { \
	const char *g_ = (got), *w_ = (want); \
	int p_ = g_ && w_ ? strcmp(g_, w_) == 0 : g_ == w_; \
	if (!tap_ok(p_, __FILE__, __LINE__, __VA_ARGS__)) \
		printf("#   got '%s', want '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
} while (0)

/* got contains want */
#define has_str(got, want, ...) do { \
	const char *g_ = (got), *w_ = (want); \
	if (!tap_ok(g_ && strstr(g_, w_), __FILE__, __LINE__, __VA_ARGS__)) \
		printf("#   '%s' does not contain '%s'\n", g_ ? g_ : "(null)", w_); \
} while (0)

static int __attribute__((unused)) done_testing(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

/* The folder of test data: $TESTDATA, or tests/data under the source. */
static __attribute__((unused)) const char *tap_data(void)
{
	const char *d = getenv("TESTDATA");
	return d ? d : "tests/data";
}

#endif
