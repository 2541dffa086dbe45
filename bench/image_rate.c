/* image_rate.c: images/s of decode + resize + normalise + patchify through
 * the library (al_patches_from_file, the output freed each time as Pillow's
 * array is), on one thread; or of the ViT forward alone.  Used by
 * bench/images.
 *   image_rate [--draft] FILE...       prints "CPU_SECONDS\tWALL_SECONDS"
 *   image_rate --vit CKPT N            N forwards of one image's patches */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/blas.h"
#include "pipeline/image_patch.h"
#include "lib/vit.h"

static double now(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	al_patch_opts o;
	al_patch_opts_default(&o);
	al_blas_boot(argc, argv);   /* the right OpenBLAS kernels, as adalink */
	int i = 1;
	if (argc == 4 && strcmp(argv[1], "--vit") == 0) {
		al_err e = {0};
		al_vit *v = al_vit_load(argv[2], &e);
		if (!v) {
			fprintf(stderr, "image_rate: %s\n", e.msg);
			return 1;
		}
		int n = atoi(argv[3]), N = al_vit_patches(v), P = al_vit_cfg(v)->patch;
		size_t k = (size_t)N * P * P * 3, d = (size_t)N * al_vit_cfg(v)->hidden;
		float *p = malloc(k * sizeof *p), *y = malloc(d * sizeof *y);
		for (size_t j = 0; j < k; j++)
			p[j] = (float)((j * 2654435761u) % 1000) / 500.0f - 1.0f;
		al_vit_forward(v, p, y, &e);   /* warm up */
		double c0 = now(CLOCK_PROCESS_CPUTIME_ID), w0 = now(CLOCK_MONOTONIC);
		for (int r = 0; r < n; r++)
			al_vit_forward(v, p, y, &e);
		printf("%.6f\t%.6f\n", now(CLOCK_PROCESS_CPUTIME_ID) - c0, now(CLOCK_MONOTONIC) - w0);
		free(p);
		free(y);
		al_vit_free(v);
		return 0;
	}
	if (i < argc && strcmp(argv[i], "--draft") == 0) {
		o.draft = 1;
		i++;
	}
	/* this thread's CPU time: the work of one core (OpenBLAS's idle
	 * workers, which spin for a while after loading, are not ours) */
	double c0 = now(CLOCK_THREAD_CPUTIME_ID), w0 = now(CLOCK_MONOTONIC);
	for (; i < argc; i++) {
		al_err e = {0};
		float *f;
		if (al_patches_from_file(argv[i], &o, &f, NULL, &e) < 0) {
			fprintf(stderr, "image_rate: %s\n", e.msg);
			return 1;
		}
		free(f);
	}
	printf("%.6f\t%.6f\n", now(CLOCK_THREAD_CPUTIME_ID) - c0, now(CLOCK_MONOTONIC) - w0);
	return 0;
}
