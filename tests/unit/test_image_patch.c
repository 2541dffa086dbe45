/* test_image_patch.c: the patch layout and normalisation on hand-made
 * images, option checks, and the file-to-patches chain. */
#include <stdlib.h>
#include <string.h>

#include "pipeline/image_patch.h"
#include "tests/tap.h"

/* al_patches_each's callback: check order and compare with the patches
 * of al_patches_from_file. */
typedef struct seen {
	int n, in_order, failed, same, stop_at;
	const char *const *paths;
	const al_patch_opts *o;
} seen;

static int each(void *ctx, const al_patch_item *it)
{
	seen *s = ctx;
	if (it->index != s->n++)
		s->in_order = 0;
	if (it->rc < 0) {
		s->failed++;
	} else {
		float *f = NULL;
		al_err e = {0};
		size_t n = (size_t)s->o->size * s->o->size * 3;
		if (al_patches_from_file(s->paths[it->index], s->o, &f, NULL, &e) < 0 ||
		    memcmp(f, it->patches, n * sizeof *f) != 0 || !it->resized ||
		    it->resized->w != s->o->size)
			s->same = 0;
		free(f);
	}
	return it->index == s->stop_at ? AL_EINVAL : 0;
}

int main(void)
{
	al_err e = {0};
	/* A 6x4 image whose pixel (x, y) is (10x + y, 100 + c, 255 * (x == 5)). */
	al_image im = {6, 4, malloc(6 * 4 * 3)};
	for (int y = 0; y < 4; y++)
		for (int x = 0; x < 6; x++) {
			uint8_t *p = im.px + (y * 6 + x) * 3;
			p[0] = (uint8_t)(10 * x + y);
			p[1] = 100;
			p[2] = x == 5 ? 255 : 0;
		}
	float one[3] = {0, 0, 0}, unit[3] = {1, 1, 1};
	float out[6 * 4 * 3];
	/* With mean 0 and std 1 the values are v / 255. */
	is_int(al_image_patchify(&im, 2, one, unit, out, &e), 0, "6x4 in 2x2 patches");
	/* 3 patches across, 2 down.  Patch 4 is (px 1, py 1): pixels x 2..3,
	 * y 2..3; its value ((y * 2) + x) * 3 + c.  Its pixel (1, 0) is image
	 * pixel (3, 2): R = 32. */
	is_dbl(out[4 * 12 + (0 * 2 + 1) * 3 + 0], 32 / 255.0, 1e-6, "patch 4, pixel (1,0), R = 32/255");
	is_dbl(out[4 * 12 + (1 * 2 + 0) * 3 + 0], 23 / 255.0, 1e-6, "patch 4, pixel (0,1), R = 23/255");
	is_dbl(out[0], 0.0, 1e-7, "patch 0 starts at pixel (0,0)");
	is_dbl(out[1], 100 / 255.0, 1e-6, "then its G");
	is_dbl(out[2 * 12 + (0 * 2 + 1) * 3 + 2], 1.0, 1e-7, "patch 2, pixel (1,0) is x = 5: B = 1");
	is_dbl(out[5 * 12 + 11], 1.0, 1e-7, "patch 5's last value is B of (5,3)");
	is_dbl(out[5 * 12 + 9], 53 / 255.0, 1e-6, "patch 5's last pixel R is (5,3) = 53/255");
	/* Default normalisation: (v / 255 - 0.5) / 0.5; ImageNet's too. */
	float half[3] = {0.5f, 0.5f, 0.5f};
	is_int(al_image_patchify(&im, 1, half, half, out, &e), 0, "1x1 patches");
	is_dbl(out[2], -1.0, 1e-6, "B 0 -> -1");
	is_dbl(out[5 * 3 + 2], 1.0, 1e-6, "B 255 -> 1");
	is_dbl(out[1], 100 / 127.5 - 1, 1e-6, "G 100 -> 100/127.5 - 1");
	float mean[3] = {0.485f, 0.456f, 0.406f}, sd[3] = {0.229f, 0.224f, 0.225f};
	is_int(al_image_patchify(&im, 2, mean, sd, out, &e), 0, "ImageNet statistics");
	is_dbl(out[1], (100 / 255.0 - 0.456) / 0.224, 1e-5, "G 100 -> (100/255 - 0.456) / 0.224");
	is_int(al_image_patchify(&im, 4, half, half, out, &e), AL_EINVAL, "4 does not divide 6");
	has_str(e.msg, "does not divide 6x4", "says so");
	float zero[3] = {1, 0, 1};
	is_int(al_image_patchify(&im, 2, half, zero, out, &e), AL_EINVAL, "a zero std is refused");
	al_image_release(&im);

	al_patch_opts o;
	al_patch_opts_default(&o);
	ok(o.size == 224 && o.patch == 14 && o.filter == AL_FILTER_BILINEAR && o.mean[0] == 0.5f,
	   "defaults: 224, 14, bilinear, 0.5");
	is_int(al_patch_opts_check(&o, &e), 0, "the defaults are valid");
	o.patch = 15;
	is_int(al_patch_opts_check(&o, &e), AL_EINVAL, "patch 15 does not divide 224");
	o.patch = 16;

	/* The chain: a 150x103 JPEG to 224 x 224, 16 x 16 patches. */
	char path[1100];
	snprintf(path, sizeof path, "%s/images/video-001.jpeg", tap_data());
	float *f = NULL;
	al_image rs = {0};
	is_int(al_patches_from_file(path, &o, &f, &rs, &e), 0, "patches from a JPEG");
	ok(rs.w == 224 && rs.h == 224, "the resized image is 224x224");
	/* P = 16: 14 x 14 patches; patch (5, 7) pixel (px, py) is image
	 * pixel (5 * 16 + px, 7 * 16 + py). */
	int ok_all = f != NULL;
	for (int py = 0; ok_all && py < 16; py++)
		for (int px = 0; px < 16; px++)
			for (int c = 0; c < 3; c++) {
				int x = 5 * 16 + px, y = 7 * 16 + py;
				float want = (rs.px[(y * 224 + x) * 3 + c] / 255.0f - 0.5f) / 0.5f;
				float got = f[(7 * 14 + 5) * 16 * 16 * 3 + (py * 16 + px) * 3 + c];
				if (got - want > 1e-6f || want - got > 1e-6f)
					ok_all = 0;
			}
	ok(ok_all, "patch (5, 7) holds the resized pixels, normalised");
	free(f);
	al_image_release(&rs);
	snprintf(path, sizeof path, "%s/images/bad/truncated.jpg", tap_data());
	is_int(al_patches_from_file(path, &o, &f, NULL, &e), AL_EFORMAT, "a truncated JPEG fails");
	ok(f == NULL, "and returns no patches");

	/* Many images on worker threads, handed over in order. */
	char p[6][1100];
	const char *names[] = {"video-001.jpeg", "bad/truncated.jpg", "video-005.gray.jpeg",
			       "png/rgb8.png", "video-001.cmyk.jpeg", "COCO_val2014_000000000294.jpg"};
	const char *paths[6];
	for (int i = 0; i < 6; i++) {
		snprintf(p[i], sizeof p[i], "%s/images/%s", tap_data(), names[i]);
		paths[i] = p[i];
	}
	for (int t = 1; t <= 3; t++) {
		seen s = {0, 1, 0, 1, -1, paths, &o};
		is_int(al_patches_each(paths, 6, &o, 1, t, each, &s, &e), 0, "al_patches_each, %d threads", t);
		ok(s.n == 6 && s.in_order, "%d threads: every image, in order", t);
		ok(s.failed == 1, "%d threads: the truncated JPEG is handed over as failed", t);
		ok(s.same, "%d threads: the patches of al_patches_from_file", t);
	}
	seen s = {0, 1, 0, 1, 2, paths, &o};
	is_int(al_patches_each(paths, 6, &o, 0, 2, each, &s, &e), AL_EINVAL, "the callback stops it");
	ok(s.n == 3, "after the third image");
	return done_testing();
}
