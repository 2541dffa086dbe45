/* test_blas.c: al_sgemm against a plain double loop in every transpose
 * combination, and the core-selection helpers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/blas.h"
#include "tests/tap.h"

static float rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (float)((*s >> 8) & 0xffff) / 32768.0f - 1.0f;
}

static void check(int ta, int tb, int M, int N, int K)
{
	unsigned s = (unsigned)(M * 131 + N * 17 + K + ta * 7 + tb * 3);
	float *A = malloc(sizeof *A * M * K), *B = malloc(sizeof *B * K * N);
	float *C = malloc(sizeof *C * M * N);
	for (int i = 0; i < M * K; i++) A[i] = rnd(&s);
	for (int i = 0; i < K * N; i++) B[i] = rnd(&s);
	for (int i = 0; i < M * N; i++) C[i] = rnd(&s);
	float *C0 = malloc(sizeof *C0 * M * N);
	memcpy(C0, C, sizeof *C * M * N);
	int lda = ta ? M : K, ldb = tb ? K : N;
	al_sgemm(ta, tb, M, N, K, 0.5f, A, lda, B, ldb, 2.0f, C, N);
	double worst = 0;
	for (int i = 0; i < M; i++)
		for (int j = 0; j < N; j++) {
			double r = 0, mag = 0;
			for (int k = 0; k < K; k++) {
				double a = ta ? A[k * M + i] : A[i * K + k];
				double b = tb ? B[j * K + k] : B[k * N + j];
				r += a * b;
				mag += fabs(a * b);
			}
			r = 0.5 * r + 2.0 * C0[i * N + j];
			double err = fabs(C[i * N + j] - r) / (0.5 * mag + 2 * fabs(C0[i * N + j]) + 1e-30);
			if (err > worst) worst = err;
		}
	ok(worst < 1e-5, "sgemm %c%c %dx%dx%d matches the loop (worst %.2g)",
	   ta ? 'T' : 'N', tb ? 'T' : 'N', M, N, K, worst);
	free(A); free(B); free(C); free(C0);
}

int main(void)
{
	for (int ta = 0; ta < 2; ta++)
		for (int tb = 0; tb < 2; tb++) {
			check(ta, tb, 1, 1, 1);
			check(ta, tb, 7, 13, 5);
			check(ta, tb, 64, 96, 130);
		}
	al_err e = {0};
	ok(al_blas_selfcheck(&e) == 0, "self-check passes on this machine (%s)", e.msg);
	ok(al_blas_core() && *al_blas_core(), "OpenBLAS names its core: %s", al_blas_core());
	unsetenv("ADALINK_TEST_GENERIC_CORE");
	ok(al_blas_core_is_generic("Prescott"), "Prescott is generic");
	ok(al_blas_core_is_generic("prescott"), "case does not matter");
	ok(!al_blas_core_is_generic("Haswell"), "Haswell is not generic");
	ok(!al_blas_core_is_generic("SkylakeX"), "SkylakeX is not generic");
	const char *p = al_blas_preferred_core();
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f"))
		ok(p && strcmp(p, "SkylakeX") == 0, "AVX-512 CPU prefers SkylakeX (%s)", p ? p : "none");
	else if (__builtin_cpu_supports("avx2"))
		ok(p && strcmp(p, "Haswell") == 0, "AVX2 CPU prefers Haswell (%s)", p ? p : "none");
	else
		ok(p == NULL, "older CPU: no preference");
	setenv("ADALINK_TEST_BLAS_BAD", "1", 1);
	ok(al_blas_selfcheck(&e) < 0, "a forced disagreement fails the check");
	has_str(e.msg, "differs from the plain loop", "and says so");
	return done_testing();
}
