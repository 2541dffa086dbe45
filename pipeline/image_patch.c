/* image_patch.c: normalisation, patch layout, and file-to-patches. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/file.h"
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
	for (int c = 0; c < 3; c++) {
		if (o->std[c] == 0.0f)
			return al_err_set(e, AL_EINVAL, "std of channel %d is 0", c);
		/* the values written, (0 - mean) / std and (1 - mean) / std at the
		 * ends, must be finite floats (this also refuses NaN and infinity) */
		float lo = (float)((0.0 - o->mean[c]) / o->std[c]);
		float hi = (float)((1.0 - o->mean[c]) / o->std[c]);
		if (!isfinite(lo) || !isfinite(hi))
			return al_err_set(e, AL_EINVAL, "mean %g and std %g of channel %d give "
					  "values past the float range", o->mean[c], o->std[c], c);
	}
	return 0;
}

int al_patch_opts_settle(al_patch_opts *o, int size, int patch, const al_vit *vit,
			 const char *vit_path, al_err *e)
{
	if (vit) {
		const al_vit_config *c = al_vit_cfg(vit);
		if (size && size != c->image)
			return al_err_set(e, AL_EINVAL, "image size %d disagrees with the ViT '%s' "
					  "(image_size %d)", size, vit_path, c->image);
		if (patch && patch != c->patch)
			return al_err_set(e, AL_EINVAL, "patch size %d disagrees with the ViT '%s' "
					  "(patch_size %d)", patch, vit_path, c->patch);
		size = c->image;
		patch = c->patch;
	}
	if (size)
		o->size = size;
	if (patch)
		o->patch = patch;
	return al_patch_opts_check(o, e);
}

struct al_patcher {
	al_decoder *dec;
	al_resampler *rs;
	uint8_t *px;          /* the resized image */
	size_t cap;
	uint8_t *file;        /* the file's bytes */
	size_t filecap;
};

al_patcher *al_patcher_new(void)
{
	al_patcher *p = calloc(1, sizeof *p);
	if (p && (!(p->dec = al_decoder_new()) || !(p->rs = al_resampler_new()))) {
		al_patcher_free(p);
		p = NULL;
	}
	return p;
}

void al_patcher_free(al_patcher *p)
{
	if (!p)
		return;
	al_decoder_free(p->dec);
	al_resampler_free(p->rs);
	free(p->px);
	free(p->file);
	free(p);
}

/* Read path whole into p->file (grown as needed).  Returns 0, 1 if path
 * is not a regular file (al_map_file reads those), or an error.
 * read() into a reused buffer rather than mmap: unmapping costs a TLB
 * flush per image, a tenth of the time on some virtual machines. */
static int read_whole(al_patcher *p, const char *path, size_t *size, al_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return al_err_errno(e, AL_EIO, "unable to open '%s'", path);
	struct stat st;
	size_t n = 0;
	int rc = 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = 1;
		goto out;
	}
	size_t want = (size_t)st.st_size + 1;   /* + 1: see the end of file */
	for (;;) {
		if (want > p->filecap) {
			uint8_t *b = realloc(p->file, want);
			if (!b) {
				rc = al_err_set(e, AL_ENOMEM, "'%s': out of memory", path);
				goto out;
			}
			p->file = b;
			p->filecap = want;
		}
		ssize_t r = read(fd, p->file + n, p->filecap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = al_err_errno(e, AL_EIO, "unable to read '%s'", path);
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == p->filecap)
			want = 2 * p->filecap;   /* it grew meanwhile */
	}
	*size = n;
out:
	close(fd);
	return rc;
}

int al_patcher_run(al_patcher *p, const char *path, const al_patch_opts *o, float *out,
		   al_image *view, al_err *e)
{
	if (view)
		memset(view, 0, sizeof *view);
	size_t n = 0;
	int rc = al_patch_opts_check(o, e);
	if (rc < 0)
		return rc;
	if (strcmp(path, "-") == 0 || (rc = read_whole(p, path, &n, e)) == 1) {
		al_map m;
		if ((rc = al_map_file(path, &m, e)) < 0)
			return rc;
		rc = al_patcher_run_buf(p, m.data, m.size, path, o, out, view, e);
		al_map_release(&m);
		return rc;
	}
	return rc < 0 ? rc : al_patcher_run_buf(p, p->file, n, path, o, out, view, e);
}

int al_patcher_run_buf(al_patcher *p, const uint8_t *buf, size_t n, const char *label,
		       const al_patch_opts *o, float *out, al_image *view, al_err *e)
{
	if (view)
		memset(view, 0, sizeof *view);
	int rc = al_patch_opts_check(o, e);
	if (rc < 0)
		return rc;
	al_decode_opts d = {o->max_pixels, o->draft ? o->size : 0, o->exif};
	al_image im, rs;
	if ((rc = al_decoder_decode(p->dec, buf, n, label, &d, &im, e)) < 0)
		return rc;
	if (im.w == o->size && im.h == o->size) {
		rs = im;   /* already S x S: as it is */
	} else {
		size_t need = (size_t)o->size * o->size * 3;
		if (need > p->cap) {
			free(p->px);
			p->cap = 0;
			if (!(p->px = malloc(need)))
				return al_err_set(e, AL_ENOMEM, "'%s': out of memory", label);
			p->cap = need;
		}
		rs.w = rs.h = o->size;
		rs.px = p->px;
		if ((rc = al_resampler_run(p->rs, im.px, im.w, im.h, rs.px, o->size, o->size,
					   o->filter, e)) < 0)
			return al_err_wrap(e, "'%s'", label);
	}
	al_image_patchify(&rs, o->patch, o->mean, o->std, out, e);
	if (view)
		*view = rs;
	return 0;
}

/* One patcher per thread for al_patches_from_file, freed with the thread. */
static pthread_key_t patcher_key;
static pthread_once_t patcher_once = PTHREAD_ONCE_INIT;

static void patcher_destroy(void *p)
{
	al_patcher_free(p);
}

static void patcher_key_init(void)
{
	if (pthread_key_create(&patcher_key, patcher_destroy) != 0)
		patcher_key = (pthread_key_t)-1;
}

static al_patcher *thread_patcher(void)
{
	pthread_once(&patcher_once, patcher_key_init);
	al_patcher *p = pthread_getspecific(patcher_key);
	if (!p && (p = al_patcher_new()) && pthread_setspecific(patcher_key, p) != 0) {
		al_patcher_free(p);
		p = NULL;
	}
	return p;
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
	al_patcher *p = thread_patcher();
	size_t n = (size_t)o->size * o->size * 3;
	float *f = p ? malloc(n * sizeof *f) : NULL;
	if (!f)
		return al_err_set(e, AL_ENOMEM, "'%s': out of memory", path);
	al_image view;
	if ((rc = al_patcher_run(p, path, o, f, resized ? &view : NULL, e)) < 0) {
		free(f);
		return rc;
	}
	if (resized) {
		if (!(resized->px = malloc(n))) {
			free(f);
			return al_err_set(e, AL_ENOMEM, "'%s': out of memory", path);
		}
		memcpy(resized->px, view.px, n);
		resized->w = resized->h = o->size;
	}
	*out = f;
	return 0;
}

/* ---- many images on worker threads, handed over in order ---- */

typedef struct slot {
	int state;            /* 0 free, 1 being made, 2 done */
	int rc;
	al_err err;
	float *f;             /* the patches */
	uint8_t *px;          /* the resized image, when kept */
} slot;

typedef struct stream {
	pthread_mutex_t mu;
	pthread_cond_t ready, freed;
	const char *const *paths;
	int n, nslots, next, written, stop;
	const al_patch_opts *o;
	int keep;
	slot *slots;
} stream;

static void *work(void *arg)
{
	stream *st = arg;
	al_patcher *p = al_patcher_new();
	for (;;) {
		pthread_mutex_lock(&st->mu);
		while (!st->stop && st->next < st->n && st->next - st->written >= st->nslots)
			pthread_cond_wait(&st->freed, &st->mu);
		if (st->stop || st->next >= st->n) {
			pthread_mutex_unlock(&st->mu);
			break;
		}
		int i = st->next++;
		slot *s = &st->slots[i % st->nslots];
		s->state = 1;
		pthread_mutex_unlock(&st->mu);

		al_image view;
		memset(&s->err, 0, sizeof s->err);
		s->rc = p ? al_patcher_run(p, st->paths[i], st->o, s->f, st->keep ? &view : NULL,
					   &s->err)
			  : al_err_set(&s->err, AL_ENOMEM, "'%s': out of memory", st->paths[i]);
		if (s->rc == 0 && st->keep)
			memcpy(s->px, view.px, (size_t)view.w * view.h * 3);

		pthread_mutex_lock(&st->mu);
		s->state = 2;
		pthread_cond_broadcast(&st->ready);
		pthread_mutex_unlock(&st->mu);
	}
	al_patcher_free(p);
	return NULL;
}

int al_patches_each(const char *const *paths, int n, const al_patch_opts *o,
		    int keep_resized, int threads, al_patch_fn fn, void *ctx, al_err *e)
{
	int rc = al_patch_opts_check(o, e);
	if (rc < 0 || n <= 0)
		return rc;
	if (threads <= 0) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);
		threads = c > 0 ? (int)c : 1;
	}
	if (threads > n)
		threads = n;
	size_t npx = (size_t)o->size * o->size * 3;
	stream st = {.paths = paths, .n = n, .nslots = AL_PATCH_SLOTS_PER_THREAD * threads,
		     .o = o, .keep = keep_resized};
	pthread_mutex_init(&st.mu, NULL);
	pthread_cond_init(&st.ready, NULL);
	pthread_cond_init(&st.freed, NULL);
	pthread_t *tid = calloc((size_t)threads, sizeof *tid);
	int started = 0;
	st.slots = calloc((size_t)st.nslots, sizeof *st.slots);
	int oom = !tid || !st.slots;
	for (int k = 0; !oom && k < st.nslots; k++)
		oom = !(st.slots[k].f = malloc(npx * sizeof(float))) ||
		      (keep_resized && !(st.slots[k].px = malloc(npx)));
	if (oom) {
		rc = al_err_set(e, AL_ENOMEM, "out of memory");
		goto out;
	}
	for (; started < threads; started++)
		if (pthread_create(&tid[started], NULL, work, &st) != 0)
			break;
	if (!started) {
		rc = al_err_set(e, AL_ENOMEM, "cannot start a thread");
		goto out;
	}
	for (int i = 0; i < n && rc == 0; i++) {
		slot *s = &st.slots[i % st.nslots];
		pthread_mutex_lock(&st.mu);
		while (s->state != 2)
			pthread_cond_wait(&st.ready, &st.mu);
		pthread_mutex_unlock(&st.mu);
		al_image view = {o->size, o->size, s->px};
		al_patch_item it = {i, s->rc, s->rc == 0 ? s->f : NULL,
				    s->rc == 0 && keep_resized ? &view : NULL, &s->err};
		rc = fn(ctx, &it);
		pthread_mutex_lock(&st.mu);
		s->state = 0;
		st.written++;
		pthread_cond_broadcast(&st.freed);
		pthread_mutex_unlock(&st.mu);
	}
out:
	pthread_mutex_lock(&st.mu);
	st.stop = 1;
	pthread_cond_broadcast(&st.freed);
	pthread_mutex_unlock(&st.mu);
	for (int k = 0; k < started; k++)
		pthread_join(tid[k], NULL);
	for (int k = 0; st.slots && k < st.nslots; k++) {
		free(st.slots[k].f);
		free(st.slots[k].px);
	}
	free(st.slots);
	free(tid);
	pthread_cond_destroy(&st.ready);
	pthread_cond_destroy(&st.freed);
	pthread_mutex_destroy(&st.mu);
	return rc;
}
