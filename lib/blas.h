/* blas.h: the one door to OpenBLAS.
 *
 * Debian's OpenBLAS 0.3.21 does not recognise some recent CPUs and falls
 * back to generic kernels (Prescott) that run about 5x slower than the
 * right ones.  OpenBLAS reads OPENBLAS_CORETYPE when the library loads, so
 * the fix must happen before main runs anything heavy: al_blas_boot(), the
 * first call in main(), checks which core OpenBLAS chose and, when the user
 * has not set OPENBLAS_CORETYPE, the core is generic and the CPU has AVX2
 * or AVX-512, re-executes the program with OPENBLAS_CORETYPE set to Haswell
 * or SkylakeX.  The re-executed process checks one small sgemm against a
 * plain loop; if it disagrees it warns and re-executes once more with the
 * generic core.  Set OPENBLAS_CORETYPE yourself to choose (any value, even
 * empty, turns the automatic choice off).
 *
 * Matrices are row-major.  al_sgemm computes C = alpha op(A) op(B) + beta C
 * with op(A) M x K, op(B) K x N, C M x N.
 */
#ifndef AL_BLAS_H
#define AL_BLAS_H

#include "err.h"

/* May not return (execv).  argv must be main's. */
void al_blas_boot(int argc, char **argv);

/* The kernel set OpenBLAS uses ("Haswell"), and how it was chosen:
 * "environment", "adalink" (chosen by al_blas_boot), "openblas" (its own
 * detection), "fallback" (the chosen core failed its check). */
const char *al_blas_core(void);
const char *al_blas_core_source(void);
const char *al_blas_version(void);   /* "OpenBLAS 0.3.21 ..." */
int al_blas_threads(void);
void al_blas_set_threads(int n);

/* 1 if name is one of OpenBLAS's generic x86 cores. */
int al_blas_core_is_generic(const char *name);
/* The core adalink would choose for this CPU, or NULL if none better. */
const char *al_blas_preferred_core(void);

/* Compare a small sgemm with a plain double-precision loop; 0 if they agree
 * to 1e-4 relative, AL_ENUMERIC (message says by how much) if not. */
int al_blas_selfcheck(al_err *e);

void al_sgemm(int trans_a, int trans_b, int M, int N, int K, float alpha,
	      const float *A, int lda, const float *B, int ldb, float beta,
	      float *C, int ldc);

#endif
