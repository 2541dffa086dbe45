/* image_patch.c: normalisation, patch layout, and file-to-patches. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/image_patch.h"

int al_image_patchify(const al_image *img, int patch, const float mean[3],
		      const float std[3], float *out, al_err *e)
{
	if (patch <= 0 || img->w % patch || img->h % patch)
		return al_err_set(e, AL_EINVAL, "patch size %d does not divide %dx%d", patch,
				  img->w, img->h);
	float lut[3][256];
	for (int c = 0; c < 3; c++) {
		if (std[c] == 0.0f)
			return al_err_set(e, AL_EINVAL, "std of channel %d is 0", c);
		for (int v = 0; v < 256; v++)
			lut[c][v] = (float)(((double)v / 255.0 - mean[c]) / std[c]);
	}
	int nx = img->w / patch, ny = img->h / patch;
	size_t row = (size_t)patch * 3;
	for (int py = 0; py < ny; py++)
		for (int px = 0; px < nx; px++) {
			float *o = out + ((size_t)py * nx + px) * patch * row;
			for (int y = 0; y < patch; y++) {
				const uint8_t *s = img->px +
					((size_t)(py * patch + y) * img->w + (size_t)px * patch) * 3;
				for (size_t i = 0; i < row; i += 3, o += 3) {
					o[0] = lut[0][s[i]];
					o[1] = lut[1][s[i + 1]];
					o[2] = lut[2][s[i + 2]];
				}
			}
		}
	return 0;
}

void al_patch_opts_default(al_patch_opts *o)
{
	memset(o, 0, sizeof *o);
	o->size = 224;
	o->patch = 14;
	o->filter = AL_FILTER_BILINEAR;
	for (int c = 0; c < 3; c++)
		o->mean[c] = o->std[c] = 0.5f;
}

int al_patch_opts_check(const al_patch_opts *o, al_err *e)
{
	if (o->size <= 0 || o->size > 8192)
		return al_err_set(e, AL_EINVAL, "image size %d is not in [1, 8192]", o->size);
	if (o->patch <= 0 || o->size % o->patch)
		return al_err_set(e, AL_EINVAL, "patch size %d does not divide the image size %d",
				  o->patch, o->size);
	for (int c = 0; c < 3; c++)
		if (o->std[c] == 0.0f)
			return al_err_set(e, AL_EINVAL, "std of channel %d is 0", c);
	return 0;
}

int al_patches_from_file(const char *path, const al_patch_opts *o, float **out,
			 al_image *resized, al_err *e)
{
	*out = NULL;
	if (resized)
		memset(resized, 0, sizeof *resized);
	int rc = al_patch_opts_check(o, e);
	if (rc < 0)
		return rc;
	al_decode_opts d = {o->max_pixels, o->draft ? o->size : 0, o->exif};
	al_image im = {0}, rs = {0};
	if ((rc = al_image_load(path, &d, &im, e)) < 0)
		return rc;
	rc = al_image_resize(&im, o->size, o->size, o->filter, &rs, e);
	al_image_release(&im);
	if (rc < 0)
		return al_err_wrap(e, "'%s'", path);
	size_t n = (size_t)o->size * o->size * 3;
	float *f = malloc(n * sizeof *f);
	if (!f) {
		al_image_release(&rs);
		return al_err_set(e, AL_ENOMEM, "'%s': out of memory", path);
	}
	al_image_patchify(&rs, o->patch, o->mean, o->std, f, e);
	*out = f;
	if (resized)
		*resized = rs;
	else
		al_image_release(&rs);
	return 0;
}

typedef struct batch {
	const char *const *paths;
	int n, keep;
	const al_patch_opts *o;
	al_patch_result *res;
	atomic_int next;
} batch;

static void *worker(void *arg)
{
	batch *b = arg;
	for (;;) {
		int i = atomic_fetch_add(&b->next, 1);
		if (i >= b->n)
			return NULL;
		al_patch_result *r = &b->res[i];
		r->rc = al_patches_from_file(b->paths[i], b->o, &r->patches,
					     b->keep ? &r->resized : NULL, &r->err);
	}
}

int al_patches_many(const char *const *paths, int n, const al_patch_opts *o,
		    int keep_resized, int threads, al_patch_result *res)
{
	memset(res, 0, (size_t)n * sizeof *res);
	batch b = {paths, n, keep_resized, o, res, 0};
	if (threads <= 0) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);
		threads = c > 0 ? (int)c : 1;
	}
	if (threads > n)
		threads = n;
	int started = 0, rc = 0;
	pthread_t *t = threads > 1 ? malloc((size_t)threads * sizeof *t) : NULL;
	for (; t && started < threads - 1; started++)
		if (pthread_create(&t[started], NULL, worker, &b) != 0) {
			rc = AL_ENOMEM;
			break;
		}
	worker(&b);
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	free(t);
	return rc;
}

void al_patch_results_free(al_patch_result *res, int n)
{
	for (int i = 0; i < n; i++) {
		free(res[i].patches);
		res[i].patches = NULL;
		al_image_release(&res[i].resized);
	}
}
