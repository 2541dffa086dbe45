/* cmd_patches.c: adalink patches: images to normalised patch tensors in a
 * safetensors file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/cli.h"
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

enum { CHUNK = 64 };   /* images decoded at a time */

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
	uint64_t shape[2] = {(uint64_t)np, vit ? (uint64_t)al_vit_cfg(vit)->hidden
			     : (uint64_t)o.patch * o.patch * 3};
	size_t nval = (size_t)shape[0] * shape[1];
	void **data = calloc(nimg, sizeof *data);
	al_st_writer *w = data ? al_st_writer_new(out, &e) : NULL;
	int rc = AL_EXIT_FAIL, skipped = 0;
	al_patch_result *res = NULL;
	al_progress *prog = NULL;
	if (!w) {
		al_error("%s", data ? e.msg : "out of memory");
		goto fail;
	}
	char buf[64], meta[160];
	snprintf(buf, sizeof buf, "%d", o.size);
	al_st_writer_meta(w, "size", buf, &e);
	snprintf(buf, sizeof buf, "%d", o.patch);
	al_st_writer_meta(w, "patch", buf, &e);
	al_st_writer_meta(w, "filter", o.filter == AL_FILTER_BICUBIC ? "bicubic" : "bilinear", &e);
	al_st_writer_meta(w, "draft", o.draft ? "1" : "0", &e);
	al_st_writer_meta(w, "exif", o.exif ? "1" : "0", &e);
	snprintf(meta, sizeof meta, "%.9g,%.9g,%.9g", o.mean[0], o.mean[1], o.mean[2]);
	al_st_writer_meta(w, "mean", meta, &e);
	snprintf(meta, sizeof meta, "%.9g,%.9g,%.9g", o.std[0], o.std[1], o.std[2]);
	al_st_writer_meta(w, "std", meta, &e);
	al_st_writer_meta(w, "layout", vit ? "ViT patch-token embeddings [patches, hidden], patches row-major"
			  : "patches row-major; within a patch pixels row-major, channels last (RGB)", &e);
	if (vit)
		al_st_writer_meta(w, "vit", vitpath, &e);
	res = calloc(nimg, sizeof *res);
	if (!res) {
		al_error("out of memory");
		goto fail;
	}
	/* In chunks, so that what is converted (f16, ViT) frees its f32
	 * patches early. */
	prog = al_progress_new("images", (uint64_t)nimg);
	for (int i = 0; i < nimg; i++) {
		if (i)
			al_progress_add(prog, 1);   /* image i - 1 is done */
		if (i % CHUNK == 0)
			al_patches_many((const char *const *)argv + optind + i,
					nimg - i < CHUNK ? nimg - i : CHUNK, &o, png != NULL,
					al_cli_threads(), res + i);
		const char *path = argv[optind + i];
		al_patch_result *r = &res[i];
		if (r->rc < 0) {
			if (!skip) {
				al_error("%s", r->err.msg);
				goto fail;
			}
			al_warn("skipping %s", r->err.msg);
			skipped++;
			continue;
		}
		if (png) {
			char *name = multi ? png_name(png, path) : NULL;
			int k = multi && !name ? al_err_set(&e, AL_ENOMEM, "out of memory")
				: al_png_write(multi ? name : png, &r->resized, &e);
			free(name);
			al_image_release(&r->resized);
			if (k < 0) {
				al_error("%s", e.msg);
				goto fail;
			}
		}
		if (vit) {
			float *emb = malloc(nval * sizeof *emb);
			if (!emb) {
				al_error("out of memory");
				goto fail;
			}
			if (al_vit_forward(vit, r->patches, emb, &e) < 0) {
				free(emb);
				al_error("%s", e.msg);
				goto fail;
			}
			free(r->patches);
			r->patches = emb;
		}
		void *d = r->patches;
		if (f16) {
			uint16_t *h = malloc(nval * sizeof *h);
			if (!h) {
				al_error("out of memory");
				goto fail;
			}
			for (size_t k = 0; k < nval; k++)
				h[k] = al_f32_to_f16(r->patches[k]);
			data[i] = d = h;
			free(r->patches);
			r->patches = NULL;
		}
		if (al_st_writer_add(w, path, f16 ? AL_F16 : AL_F32, 2, shape, d, &e) < 0) {
			al_error("%s", e.msg);
			goto fail;
		}
	}
	al_progress_add(prog, 1);
	al_progress_free(prog);
	prog = NULL;
	if (al_st_writer_commit(w, &e) < 0) {
		al_error("%s", e.msg);
		goto fail;
	}
	if (skipped)
		al_warn("skipped %d of %d images", skipped, nimg);
	rc = AL_EXIT_OK;
fail:
	al_progress_free(prog);
	al_st_writer_free(w);
	if (data)
		for (int i = 0; i < nimg; i++)
			free(data[i]);
	free(data);
	if (res)
		al_patch_results_free(res, nimg);
	free(res);
	al_vit_free(vit);
	return rc;
}
