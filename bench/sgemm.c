/* sgemm.c: sgemm GFLOP/s at a few sizes, through adalink's BLAS layer.
 *   bench/sgemm [--no-boot] [SIZE...]
 * --no-boot skips adalink's core choice (OpenBLAS's own detection). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/blas.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	int i = 1;
	if (argc > 1 && strcmp(argv[1], "--no-boot") == 0)
		i++;
	else
		al_blas_boot(argc, argv);
	static const int def[] = {256, 1024, 2048};
	int nsz = argc > i ? argc - i : 3;
	printf("core\t%s\tthreads\t%d", al_blas_core(), al_blas_threads());
	for (int s = 0; s < nsz; s++) {
		int n = argc > i ? atoi(argv[i + s]) : def[s];
		float *a = malloc(sizeof *a * n * n), *b = malloc(sizeof *b * n * n);
		float *c = malloc(sizeof *c * n * n);
		for (long k = 0; k < (long)n * n; k++) {
			a[k] = (float)(k % 7) * 0.1f;
			b[k] = (float)(k % 5) * 0.2f;
		}
		al_sgemm(0, 0, n, n, n, 1, a, n, b, n, 0, c, n);
		int reps = 0;
		double t0 = now(), t;
		do {
			al_sgemm(0, 0, n, n, n, 1, a, n, b, n, 0, c, n);
			reps++;
		} while ((t = now() - t0) < 0.5);
		printf("\t%d\t%.1f", n, 2.0 * n * n * (double)n * reps / t * 1e-9);
		free(a); free(b); free(c);
	}
	printf("\n");
	return 0;
}
