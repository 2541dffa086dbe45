/* cmd_patches.c: adalink patches: images to normalised patch tensors in a
 * safetensors file. */
#include <errno.h>
#include <inttypes.h>
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

/* What the callback of al_patches_each needs, image after image. */
typedef struct sink {
	out_file *of;
	const char *const *paths;
	const char *png;
	int multi, skip, f16, skipped;
	al_vit *vit;
	float *emb;           /* [patches, D] with a ViT */
	uint16_t *h16;        /* the tensor as f16 */
	size_t nout;
	unsigned char *keep;
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
		return 0;
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
	int rc = out_tensor(k->of, d, e);
	if (rc == 0)
		k->keep[it->index] = 1;
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
	int rc = AL_EXIT_FAIL;
	sink k = {.of = &of, .paths = (const char *const *)argv + optind, .png = png,
		  .multi = multi, .skip = skip, .f16 = f16, .vit = vit, .nout = nout, .e = &e};
	k.keep = calloc((size_t)nimg, 1);
	k.emb = vit ? malloc(nout * sizeof *k.emb) : NULL;
	k.h16 = f16 ? malloc(nout * sizeof *k.h16) : NULL;
	if (!k.keep || (vit && !k.emb) || (f16 && !k.h16)) {
		al_error("out of memory");
		goto fail;
	}
	if (out_open(&of, &e) < 0) {
		al_error("%s", e.msg);
		goto fail;
	}
	k.prog = al_progress_new("images", (uint64_t)nimg);
	/* With a ViT the forward (OpenBLAS on -j threads, here) is the work;
	 * one decoding thread keeps ahead of it without oversubscribing. */
	int r = al_patches_each((const char *const *)argv + optind, nimg, &o, png != NULL,
				vit ? 1 : al_cli_threads(), each, &k, &e);
	al_progress_free(k.prog);
	if (r < 0 || (k.skipped && out_compact(&of, k.keep, nimg - k.skipped, &e) < 0)) {
		al_error("%s", e.msg);
		goto fail;
	}
	r = al_afile_commit(of.f, &e);
	of.f = NULL;
	if (r < 0) {
		al_error("%s", e.msg);
		goto fail;
	}
	if (k.skipped)
		al_warn("skipped %d of %d images", k.skipped, nimg);
	rc = AL_EXIT_OK;
fail:
	if (of.f)
		al_afile_abort(of.f);
	free(k.keep);
	free(k.emb);
	free(k.h16);
	al_vit_free(vit);
	return rc;
}
