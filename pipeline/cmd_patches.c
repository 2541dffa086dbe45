/* cmd_patches.c: adalink patches: images to normalised patch tensors in a
 * safetensors file. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
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
	"                      .safetensors); S and P are its image and patch size\n"
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


static int parse3(const char *s, float v[3])
{
	char *end;
	for (int c = 0; c < 3; c++) {
		errno = 0;
		v[c] = strtof(s, &end);
		if (end == s || errno || !isfinite(v[c]))
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

/* The writer for out: the metadata's key, value pairs, then one tensor
 * per image named by its argument, all of one dtype and shape; the header
 * is written.  NULL and e filled if not. */
static al_st_writer *out_begin(const char *out, const char *const *meta, int nmeta,
			       const char *const *names, int n, al_dtype dtype,
			       const uint64_t shape[2], al_err *e)
{
	al_st_writer *w = al_st_writer_new(out, e);
	int rc = w ? 0 : AL_ENOMEM;
	for (int i = 0; rc == 0 && i < nmeta; i++)
		rc = al_st_writer_meta(w, meta[2 * i], meta[2 * i + 1], e);
	for (int i = 0; rc == 0 && i < n; i++)
		rc = al_st_writer_add(w, names[i], dtype, 2, shape, NULL, e);
	if (rc == 0)
		rc = al_st_writer_begin(w, e);
	if (rc < 0) {
		al_st_writer_free(w);
		return NULL;
	}
	return w;
}

/* What the callback of al_patches_each needs, image after image. */
typedef struct sink {
	al_st_writer *w;      /* every image declared; each put or dropped in turn */
	const char *const *paths;
	const char *png;
	int multi, skip, f16, skipped;
	al_vit *vit;
	float *emb;           /* [patches, D] with a ViT */
	uint16_t *h16;        /* the tensor as f16 */
	size_t nout;
	al_progress *prog;
	al_err *e;
} sink;

static int each(void *ctx, const al_patch_item *it)
{
	sink *k = ctx;
	const char *path = k->paths[it->index];
	al_err *e = k->e;
	al_progress_add(k->prog, 1);
	if (it->rc < 0) {
		if (!k->skip) {
			*e = *it->err;
			return it->rc;
		}
		al_warn("skipping %s", it->err->msg);
		k->skipped++;
		return al_st_writer_drop(k->w, e);
	}
	if (k->png) {
		char *name = k->multi ? png_name(k->png, path) : NULL;
		int rc = k->multi && !name ? al_err_set(e, AL_ENOMEM, "out of memory")
			: al_png_write(k->multi ? name : k->png, it->resized, e);
		free(name);
		if (rc < 0)
			return rc;
	}
	const float *f = it->patches;
	if (k->vit) {
		int rc = al_vit_forward(k->vit, f, k->emb, e);
		if (rc < 0)
			return rc;
		f = k->emb;
	}
	const void *d = f;
	if (k->f16) {
		for (size_t i = 0; i < k->nout; i++)
			k->h16[i] = al_f32_to_f16(f[i]);
		d = k->h16;
	}
	return al_st_writer_put(k->w, d, e);
}

/* Patch (and embed) k->paths[0..nimg) into out; the exit status. */
static int write_all(sink *k, const char *out, int nimg, const al_patch_opts *o,
		     const char *vitpath)
{
	int np = (o->size / o->patch) * (o->size / o->patch);
	size_t nval = (size_t)np * o->patch * o->patch * 3;   /* the patches */
	size_t nout = k->vit ? (size_t)np * al_vit_cfg(k->vit)->hidden : nval;
	char sz[32], pt[32], mean[160], std[160];
	snprintf(sz, sizeof sz, "%d", o->size);
	snprintf(pt, sizeof pt, "%d", o->patch);
	snprintf(mean, sizeof mean, "%.9g,%.9g,%.9g", o->mean[0], o->mean[1], o->mean[2]);
	snprintf(std, sizeof std, "%.9g,%.9g,%.9g", o->std[0], o->std[1], o->std[2]);
	const char *meta[] = {
		"size", sz, "patch", pt,
		"filter", o->filter == AL_FILTER_BICUBIC ? "bicubic" : "bilinear",
		"draft", o->draft ? "1" : "0", "exif", o->exif ? "1" : "0",
		"mean", mean, "std", std,
		"layout", k->vit ? "ViT patch-token embeddings [patches, hidden], patches row-major"
		: "patches row-major; within a patch pixels row-major, channels last (RGB)",
		"vit", vitpath,
	};
	uint64_t shape[2] = {(uint64_t)np, (uint64_t)(nout / np)};
	int rc = AL_EXIT_FAIL;
	k->nout = nout;
	k->emb = k->vit ? malloc(nout * sizeof *k->emb) : NULL;
	k->h16 = k->f16 ? malloc(nout * sizeof *k->h16) : NULL;
	if ((k->vit && !k->emb) || (k->f16 && !k->h16)) {
		al_error("out of memory");
		goto fail;
	}
	if (!(k->w = out_begin(out, meta, k->vit ? 9 : 8, k->paths, nimg,
			       k->f16 ? AL_F16 : AL_F32, shape, k->e))) {
		al_error("%s", k->e->msg);
		goto fail;
	}
	k->prog = al_progress_new("images", (uint64_t)nimg);
	/* With a ViT the forward (OpenBLAS on -j threads, here) is the work;
	 * one decoding thread keeps ahead of it without oversubscribing. */
	int r = al_patches_each(k->paths, nimg, o, k->png != NULL, k->vit ? 1 : al_cli_threads(),
				each, k, k->e);
	al_progress_free(k->prog);
	if (r < 0 || al_st_writer_commit(k->w, k->e) < 0) {
		al_error("%s", k->e->msg);
		goto fail;
	}
	if (k->skipped)
		al_warn("skipped %d of %d images", k->skipped, nimg);
	rc = AL_EXIT_OK;
fail:
	al_st_writer_free(k->w);
	free(k->emb);
	free(k->h16);
	return rc;
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
	int f16 = 0, skip = 0, c, status, size = 0, patch = 0;   /* 0: not asked */
	long v;
	while ((c = getopt_long(argc, argv, "o:s:p:" AL_CLI_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 's':
			if (al_parse_long(optarg, 1, 8192, &v) < 0)
				return al_cli_usage(&help, "--size wants an integer in [1, 8192], not '%s'", optarg);
			size = (int)v;
			break;
		case 'p':
			if (al_parse_long(optarg, 1, 8192, &v) < 0)
				return al_cli_usage(&help, "--patch wants an integer in [1, 8192], not '%s'", optarg);
			patch = (int)v;
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
	if (png && !strcmp(png, "-") && !strcmp(out, "-"))
		return al_cli_usage(&help, "-o - and --png - would both write to standard output");
	al_err e = {0};
	al_vit *vit = NULL;
	if (vitpath && !(vit = al_vit_load(vitpath, &e))) {
		al_error("%s", e.msg);
		return AL_EXIT_FAIL;
	}
	if (al_patch_opts_settle(&o, size, patch, vit, vitpath, &e) < 0) {
		al_vit_free(vit);
		return al_cli_usage(&help, "%s", e.msg);
	}
	int nimg = argc - optind, multi = nimg > 1;
	if (png && multi) {
		struct stat st;
		if (stat(png, &st) < 0 || !S_ISDIR(st.st_mode)) {
			al_vit_free(vit);
			return al_cli_usage(&help, "--png '%s': with several images it must be a directory", png);
		}
	}

	sink k = {.paths = (const char *const *)argv + optind, .png = png, .multi = multi,
		  .skip = skip, .f16 = f16, .vit = vit, .e = &e};
	int rc = write_all(&k, out, nimg, &o, vitpath);
	al_vit_free(vit);
	return rc;
}
