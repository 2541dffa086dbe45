/* cmd_patches.c: adalink patches: images to normalised patch tensors in a
 * safetensors file. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "lib/cli.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/safetensors.h"
#include "pipeline/image_patch.h"
#include "lib/vit.h"

static const al_cmd_help help = {
	"patches",
	"adalink patches [-s S] [-p P] [--vit CKPT] [--dtype f32|f16] [--filter F] [--draft]\n"
	"       [--exif] [--mean R,G,B] [--std R,G,B] [--max-pixels N] [--png OUT]\n"
	"       [--skip-bad] -o OUT.safetensors IMAGE...",
	"Decode JPEG or PNG images, resize each to S x S, normalise it and cut it\n"
	"into P x P patches; write one tensor [patches, P*P*3] per image, named by\n"
	"the IMAGE argument, patches row-major, pixels row-major, channels last.\n"
	"With --vit, a frozen ViT turns the patches into embeddings [patches, D].",
	"  -o, --output FILE   the safetensors file to write (required)\n"
	"  -s, --size S        resize to S x S pixels (default 224)\n"
	"  -p, --patch P       patch side, dividing S (default 14)\n"
	"      --vit CKPT      embed the patches with this ViT (a Hugging Face folder or\n"
	"                      .safetensors); S and P default to its image and patch size\n"
	"      --dtype T       f32 (default) or f16\n"
	"      --filter F      bilinear (default) or bicubic, as Pillow's\n"
	"      --draft         let the JPEG decoder scale down by 1/2, 1/4, 1/8 first\n"
	"      --exif          turn JPEGs upright by their EXIF orientation\n"
	"      --mean R,G,B    subtracted after scaling to [0, 1] (default 0.5,0.5,0.5)\n"
	"      --std R,G,B     divided by after (default 0.5,0.5,0.5)\n"
	"      --max-pixels N  refuse images over N pixels (default 100000000)\n"
	"      --png OUT       also write the resized image as PNG: OUT with one\n"
	"                      IMAGE, OUT/NAME.png (a directory) with several\n"
	"      --skip-bad      warn about undecodable images and go on\n",
};

enum { OPT_VIT = 255, OPT_DTYPE = 256, OPT_FILTER, OPT_DRAFT, OPT_MEAN, OPT_STD, OPT_MAXPX, OPT_PNG,
       OPT_SKIP, OPT_EXIF };

/* Images in flight per worker thread: memory stays bounded whatever the
 * number of images (each holds one tensor and, with --png, one image). */
enum { SLOTS_PER_THREAD = 2 };

static int parse3(const char *s, float v[3])
{
	char *end;
	for (int c = 0; c < 3; c++) {
		errno = 0;
		v[c] = strtof(s, &end);
		if (end == s || errno)
			return -1;
		if (c < 2 && *end != ',')
			return -1;
		s = end + (c < 2);
	}
	return *end ? -1 : 0;
}

/* OUT/NAME.png for image path p: NAME is p's base name without extension. */
static char *png_name(const char *dir, const char *p)
{
	const char *b = strrchr(p, '/');
	b = b ? b + 1 : p;
	const char *dot = strrchr(b, '.');
	int n = dot && dot != b ? (int)(dot - b) : (int)strlen(b);
	size_t len = strlen(dir) + n + 6;
	char *s = malloc(len);
	if (s)
		snprintf(s, len, "%s/%.*s.png", dir, n, b);
	return s;
}

/* ---- the safetensors file, written as the tensors come ----
 *
 * Every tensor has the same shape, so the header can be written first for
 * all the images, and each tensor streamed to the file in order as soon as
 * it is ready.  The bytes are al_st_writer's for the same tensors.  If
 * --skip-bad drops images, the header is written again for those kept and
 * the data moved up under it before the file is committed. */

typedef struct out_file {
	al_afile *f;
	const char *path;
	const char *const *names;
	int n;
	const char *const *meta;   /* key, value pairs */
	int nmeta;
	const char *dtype;
	uint64_t shape[2], bytes;  /* per tensor */
	uint64_t base;             /* where the data starts */
} out_file;

static void gstr(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

/* The header (8-byte length, JSON, spaces to a multiple of 8) for the
 * images whose keep[i] is set (all if keep is NULL), into *buf. */
static int header(const out_file *o, const unsigned char *keep, unsigned char **buf,
		  size_t *len, al_err *e)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	yajl_gen_config(g, yajl_gen_validate_utf8, 1);
	yajl_gen_map_open(g);
	if (o->nmeta) {
		gstr(g, "__metadata__");
		yajl_gen_map_open(g);
		for (int i = 0; i < 2 * o->nmeta; i++)
			gstr(g, o->meta[i]);
		yajl_gen_map_close(g);
	}
	char num[32];
	uint64_t off = 0;
	for (int i = 0; i < o->n; i++) {
		if (keep && !keep[i])
			continue;
		gstr(g, o->names[i]);
		yajl_gen_map_open(g);
		gstr(g, "dtype");
		gstr(g, o->dtype);
		gstr(g, "shape");
		yajl_gen_array_open(g);
		for (int d = 0; d < 2; d++)
			yajl_gen_number(g, num, (size_t)snprintf(num, sizeof num, "%" PRIu64, o->shape[d]));
		yajl_gen_array_close(g);
		gstr(g, "data_offsets");
		yajl_gen_array_open(g);
		yajl_gen_number(g, num, (size_t)snprintf(num, sizeof num, "%" PRIu64, off));
		off += o->bytes;
		yajl_gen_number(g, num, (size_t)snprintf(num, sizeof num, "%" PRIu64, off));
		yajl_gen_array_close(g);
		yajl_gen_map_close(g);
	}
	if (yajl_gen_map_close(g) != yajl_gen_status_ok) {
		yajl_gen_free(g);
		return al_err_set(e, AL_EINVAL, "'%s': a name or metadata value is not valid UTF-8",
				  o->path);
	}
	const unsigned char *json;
	size_t jlen;
	yajl_gen_get_buf(g, &json, &jlen);
	size_t pad = (8 - jlen % 8) % 8;
	uint64_t hlen = jlen + pad;
	unsigned char *b = malloc(8 + hlen);
	if (!b) {
		yajl_gen_free(g);
		return al_err_set(e, AL_ENOMEM, "out of memory");
	}
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(hlen >> (8 * i));
	memcpy(b + 8, json, jlen);
	memset(b + 8 + jlen, ' ', pad);
	yajl_gen_free(g);
	*buf = b;
	*len = 8 + hlen;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Open the output and write the header for every image. */
static int out_open(out_file *o, al_err *e)
{
	/* Tensor names are the image arguments: they must differ. */
	const char **sorted = malloc((size_t)o->n * sizeof *sorted);
	if (!sorted)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	memcpy(sorted, o->names, (size_t)o->n * sizeof *sorted);
	qsort(sorted, (size_t)o->n, sizeof *sorted, cmp_str);
	for (int i = 1; i < o->n; i++)
		if (strcmp(sorted[i - 1], sorted[i]) == 0) {
			int rc = al_err_set(e, AL_EINVAL, "'%s': duplicate tensor '%s'", o->path,
					    sorted[i]);
			free(sorted);
			return rc;
		}
	free(sorted);
	unsigned char *h;
	size_t hl;
	int rc = header(o, NULL, &h, &hl, e);
	if (rc < 0)
		return rc;
	if (!(o->f = al_afile_open(o->path, e))) {
		free(h);
		return e->code;
	}
	o->base = hl;
	if (fwrite(h, 1, hl, al_afile_fp(o->f)) != hl)
		rc = al_err_errno(e, AL_EIO, "unable to write '%s'", o->path);
	free(h);
	return rc;
}

static int out_tensor(out_file *o, const void *data, al_err *e)
{
	if (fwrite(data, 1, o->bytes, al_afile_fp(o->f)) != o->bytes)
		return al_err_errno(e, AL_EIO, "unable to write '%s'", o->path);
	return 0;
}

/* Rewrite the header for the images kept and move their data (written
 * one after the other from o->base) up under it. */
static int out_compact(out_file *o, const unsigned char *keep, int nkept, al_err *e)
{
	unsigned char *h;
	size_t hl;
	int rc = header(o, keep, &h, &hl, e);
	if (rc < 0)
		return rc;
	FILE *fp = al_afile_fp(o->f);
	int fd = fileno(fp);
	uint64_t total = (uint64_t)nkept * o->bytes;
	enum { STEP = 1 << 20 };
	char *buf = malloc(STEP);
	if (!buf || fflush(fp) != 0) {
		free(h);
		free(buf);
		return buf ? al_err_errno(e, AL_EIO, "unable to write '%s'", o->path)
			   : al_err_set(e, AL_ENOMEM, "out of memory");
	}
	/* hl <= o->base (fewer entries, offsets no longer): moving down is
	 * safe front to back. */
	for (uint64_t done = 0; done < total && rc == 0;) {
		size_t k = total - done < STEP ? (size_t)(total - done) : STEP;
		if (pread(fd, buf, k, (off_t)(o->base + done)) != (ssize_t)k ||
		    pwrite(fd, buf, k, (off_t)(hl + done)) != (ssize_t)k)
			rc = al_err_errno(e, AL_EIO, "unable to write '%s'", o->path);
		done += k;
	}
	if (rc == 0 && (pwrite(fd, h, hl, 0) != (ssize_t)hl ||
			ftruncate(fd, (off_t)(hl + total)) != 0 ||
			fseeko(fp, 0, SEEK_END) != 0))
		rc = al_err_errno(e, AL_EIO, "unable to write '%s'", o->path);
	free(buf);
	free(h);
	return rc;
}

/* ---- the images, on worker threads, handed over in order ---- */

typedef struct slot {
	int state;            /* 0 free, 1 being made, 2 done */
	int rc;
	al_err err;
	float *f;             /* the patches (f32) */
	uint16_t *h;          /* or as f16 */
	uint8_t *px;          /* the resized image, with --png */
} slot;

typedef struct stream {
	pthread_mutex_t mu;
	pthread_cond_t ready, freed;
	const char *const *paths;
	int n, nslots, next, written, stop;
	const al_patch_opts *o;
	int f16, png, convert;    /* convert: make f16 on the worker */
	size_t nval;
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
		s->rc = p ? al_patcher_run(p, st->paths[i], st->o, s->f, st->png ? &view : NULL, &s->err)
			  : al_err_set(&s->err, AL_ENOMEM, "'%s': out of memory", st->paths[i]);
		if (s->rc == 0 && st->png)
			memcpy(s->px, view.px, (size_t)view.w * view.h * 3);
		if (s->rc == 0 && st->convert)
			for (size_t k = 0; k < st->nval; k++)
				s->h[k] = al_f32_to_f16(s->f[k]);

		pthread_mutex_lock(&st->mu);
		s->state = 2;
		pthread_cond_broadcast(&st->ready);
		pthread_mutex_unlock(&st->mu);
	}
	al_patcher_free(p);
	return NULL;
}

int cmd_patches(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, 0, 'o'},
		{"size", required_argument, 0, 's'},
		{"patch", required_argument, 0, 'p'},
		{"vit", required_argument, 0, OPT_VIT},
		{"dtype", required_argument, 0, OPT_DTYPE},
		{"filter", required_argument, 0, OPT_FILTER},
		{"draft", no_argument, 0, OPT_DRAFT},
		{"exif", no_argument, 0, OPT_EXIF},
		{"mean", required_argument, 0, OPT_MEAN},
		{"std", required_argument, 0, OPT_STD},
		{"max-pixels", required_argument, 0, OPT_MAXPX},
		{"png", required_argument, 0, OPT_PNG},
		{"skip-bad", no_argument, 0, OPT_SKIP},
		AL_CLI_COMMON_OPTS,
		{0, 0, 0, 0},
	};
	al_patch_opts o;
	al_patch_opts_default(&o);
	const char *out = NULL, *png = NULL, *vitpath = NULL;
	int f16 = 0, skip = 0, c, status, size_set = 0, patch_set = 0;
	long v;
	while ((c = getopt_long(argc, argv, "o:s:p:" AL_CLI_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 's':
			if (al_parse_long(optarg, 1, 8192, &v) < 0)
				return al_cli_usage(&help, "--size wants an integer in [1, 8192], not '%s'", optarg);
			o.size = (int)v;
			size_set = 1;
			break;
		case 'p':
			if (al_parse_long(optarg, 1, 8192, &v) < 0)
				return al_cli_usage(&help, "--patch wants an integer in [1, 8192], not '%s'", optarg);
			o.patch = (int)v;
			patch_set = 1;
			break;
		case OPT_VIT: vitpath = optarg; break;
		case OPT_DTYPE:
			if (strcmp(optarg, "f32") && strcmp(optarg, "f16"))
				return al_cli_usage(&help, "--dtype wants f32 or f16, not '%s'", optarg);
			f16 = optarg[1] == '1';
			break;
		case OPT_FILTER:
			if ((v = al_filter_parse(optarg)) < 0)
				return al_cli_usage(&help, "--filter wants bilinear or bicubic, not '%s'", optarg);
			o.filter = (al_filter)v;
			break;
		case OPT_DRAFT: o.draft = 1; break;
		case OPT_EXIF: o.exif = 1; break;
		case OPT_MEAN:
		case OPT_STD:
			if (parse3(optarg, c == OPT_MEAN ? o.mean : o.std) < 0)
				return al_cli_usage(&help, "--%s wants three numbers R,G,B, not '%s'",
						    c == OPT_MEAN ? "mean" : "std", optarg);
			break;
		case OPT_MAXPX:
			if (al_parse_long(optarg, 1, 1L << 40, &v) < 0)
				return al_cli_usage(&help, "--max-pixels wants a positive integer, not '%s'", optarg);
			o.max_pixels = (uint64_t)v;
			break;
		case OPT_PNG: png = optarg; break;
		case OPT_SKIP: skip = 1; break;
		default:
			if (al_cli_common(&help, c, optarg, &status) < 0)
				return status;
		}
	}
	if (!out)
		return al_cli_usage(&help, "an output file (-o) is required");
	if (optind == argc)
		return al_cli_usage(&help, "at least one IMAGE is required");
	al_err e = {0};
	if (!vitpath && al_patch_opts_check(&o, &e) < 0)
		return al_cli_usage(&help, "%s", e.msg);
	al_vit *vit = NULL;
	if (vitpath) {
		if (!(vit = al_vit_load(vitpath, &e))) {
			al_error("%s", e.msg);
			return AL_EXIT_FAIL;
		}
		const al_vit_config *vc = al_vit_cfg(vit);
		if ((size_set && o.size != vc->image) || (patch_set && o.patch != vc->patch)) {
			int vs = vc->image, vp = vc->patch;
			al_vit_free(vit);
			return al_cli_usage(&help, "'%s' wants %dx%d images in %dx%d patches, not %d and %d",
					    vitpath, vs, vs, vp, vp, o.size, o.patch);
		}
		o.size = vc->image;
		o.patch = vc->patch;
		if (al_patch_opts_check(&o, &e) < 0) {
			al_vit_free(vit);
			return al_cli_usage(&help, "%s", e.msg);
		}
	}
	int nimg = argc - optind, multi = nimg > 1;
	if (png && multi) {
		struct stat st;
		if (stat(png, &st) < 0 || !S_ISDIR(st.st_mode)) {
			al_vit_free(vit);
			return al_cli_usage(&help, "--png '%s': with several images it must be a directory", png);
		}
	}

	int np = (o.size / o.patch) * (o.size / o.patch);
	size_t nval = (size_t)np * o.patch * o.patch * 3;   /* the patches */
	size_t nout = vit ? (size_t)np * al_vit_cfg(vit)->hidden : nval;
	char sz[32], pt[32], mean[160], std[160];
	snprintf(sz, sizeof sz, "%d", o.size);
	snprintf(pt, sizeof pt, "%d", o.patch);
	snprintf(mean, sizeof mean, "%.9g,%.9g,%.9g", o.mean[0], o.mean[1], o.mean[2]);
	snprintf(std, sizeof std, "%.9g,%.9g,%.9g", o.std[0], o.std[1], o.std[2]);
	const char *meta[] = {
		"size", sz, "patch", pt,
		"filter", o.filter == AL_FILTER_BICUBIC ? "bicubic" : "bilinear",
		"draft", o.draft ? "1" : "0", "exif", o.exif ? "1" : "0",
		"mean", mean, "std", std,
		"layout", vit ? "ViT patch-token embeddings [patches, hidden], patches row-major"
		: "patches row-major; within a patch pixels row-major, channels last (RGB)",
		"vit", vitpath,
	};
	out_file of = {.path = out, .names = (const char *const *)argv + optind, .n = nimg,
		       .meta = meta, .nmeta = vit ? 9 : 8, .dtype = f16 ? "F16" : "F32",
		       .shape = {(uint64_t)np, (uint64_t)(nout / np)},
		       .bytes = (uint64_t)nout * (f16 ? 2 : 4)};
	int rc = AL_EXIT_FAIL, skipped = 0, started = 0;
	int threads = al_cli_threads();
	if (threads <= 0) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		threads = cores > 0 ? (int)cores : 1;
	}
	if (threads > nimg)
		threads = nimg;
	stream st = {.paths = (const char *const *)argv + optind, .n = nimg,
		     .nslots = SLOTS_PER_THREAD * threads, .o = &o, .f16 = f16,
		     .png = png != NULL, .convert = f16 && !vit, .nval = nval};
	pthread_mutex_init(&st.mu, NULL);
	pthread_cond_init(&st.ready, NULL);
	pthread_cond_init(&st.freed, NULL);
	pthread_t *tid = calloc((size_t)threads, sizeof *tid);
	unsigned char *keep = calloc((size_t)nimg, 1);
	float *emb = vit ? malloc(nout * sizeof *emb) : NULL;
	uint16_t *h16 = vit && f16 ? malloc(nout * sizeof *h16) : NULL;
	al_progress *prog = NULL;
	st.slots = calloc((size_t)st.nslots, sizeof *st.slots);
	int oom = !tid || !keep || !st.slots || (vit && !emb) || (vit && f16 && !h16);
	for (int k = 0; !oom && k < st.nslots; k++) {
		slot *s = &st.slots[k];
		oom = !(s->f = malloc(nval * sizeof *s->f)) ||
		      (st.convert && !(s->h = malloc(nval * sizeof *s->h))) ||
		      (png && !(s->px = malloc((size_t)o.size * o.size * 3)));
	}
	if (oom) {
		al_error("out of memory");
		goto fail;
	}
	if (out_open(&of, &e) < 0) {
		al_error("%s", e.msg);
		goto fail;
	}
	for (; started < threads; started++)
		if (pthread_create(&tid[started], NULL, work, &st) != 0)
			break;
	if (!started) {
		al_error("cannot start a thread");
		goto fail;
	}
	prog = al_progress_new("images", (uint64_t)nimg);
	for (int i = 0; i < nimg; i++) {
		const char *path = argv[optind + i];
		slot *s = &st.slots[i % st.nslots];
		pthread_mutex_lock(&st.mu);
		while (s->state != 2)
			pthread_cond_wait(&st.ready, &st.mu);
		pthread_mutex_unlock(&st.mu);
		if (s->rc < 0) {
			if (!skip) {
				al_error("%s", s->err.msg);
				goto fail;
			}
			al_warn("skipping %s", s->err.msg);
			skipped++;
		} else {
			if (png) {
				char *name = multi ? png_name(png, path) : NULL;
				al_image view = {o.size, o.size, s->px};
				int k = multi && !name ? al_err_set(&e, AL_ENOMEM, "out of memory")
					: al_png_write(multi ? name : png, &view, &e);
				free(name);
				if (k < 0) {
					al_error("%s", e.msg);
					goto fail;
				}
			}
			const void *d = f16 && !vit ? (const void *)s->h : (const void *)s->f;
			if (vit) {
				if (al_vit_forward(vit, s->f, emb, &e) < 0) {
					al_error("%s", e.msg);
					goto fail;
				}
				d = emb;
				if (f16) {
					for (size_t k = 0; k < nout; k++)
						h16[k] = al_f32_to_f16(emb[k]);
					d = h16;
				}
			}
			if (out_tensor(&of, d, &e) < 0) {
				al_error("%s", e.msg);
				goto fail;
			}
			keep[i] = 1;
		}
		pthread_mutex_lock(&st.mu);
		s->state = 0;
		st.written++;
		pthread_cond_broadcast(&st.freed);
		pthread_mutex_unlock(&st.mu);
		al_progress_add(prog, 1);
	}
	al_progress_free(prog);
	prog = NULL;
	if (skipped && out_compact(&of, keep, nimg - skipped, &e) < 0) {
		al_error("%s", e.msg);
		goto fail;
	}
	if (al_afile_commit(of.f, &e) < 0) {
		of.f = NULL;
		al_error("%s", e.msg);
		goto fail;
	}
	of.f = NULL;
	if (skipped)
		al_warn("skipped %d of %d images", skipped, nimg);
	rc = AL_EXIT_OK;
fail:
	al_progress_free(prog);
	pthread_mutex_lock(&st.mu);
	st.stop = 1;
	pthread_cond_broadcast(&st.freed);
	pthread_mutex_unlock(&st.mu);
	for (int k = 0; k < started; k++)
		pthread_join(tid[k], NULL);
	if (of.f)
		al_afile_abort(of.f);
	for (int k = 0; st.slots && k < st.nslots; k++) {
		free(st.slots[k].f);
		free(st.slots[k].h);
		free(st.slots[k].px);
	}
	free(st.slots);
	pthread_cond_destroy(&st.ready);
	pthread_cond_destroy(&st.freed);
	pthread_mutex_destroy(&st.mu);
	free(tid);
	free(keep);
	free(emb);
	free(h16);
	al_vit_free(vit);
	return rc;
}
