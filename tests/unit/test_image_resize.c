/* test_image_resize.c: hand-worked weights, the pass-through, and
 * agreement with Pillow (python3-pil, run at test time through
 * tests/ref/pil_resize.py) on real photos, a CMYK and a gray JPEG, and a
 * document PNG, bilinear and bicubic, with and without draft. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/image_resize.h"
#include "tests/tap.h"

static char dir[1024], srcdir[1024];

/* One row of w gray pixels as RGB. */
static al_image row(const uint8_t *v, int w)
{
	al_image im = {w, 1, malloc((size_t)w * 3)};
	for (int i = 0; i < w; i++)
		im.px[3 * i] = im.px[3 * i + 1] = im.px[3 * i + 2] = v[i];
	return im;
}

static int pillow(const char *file, int size, const char *filter, int draft, al_image *im)
{
	char cmd[3000];
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/tests/ref/pil_resize.py' '%s' %d %s %d",
		 srcdir, file, size, filter, draft);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	int w, h;
	if (fscanf(p, "%d %d", &w, &h) != 2 || fgetc(p) != '\n') {
		pclose(p);
		return -1;
	}
	size_t n = (size_t)w * h * 3;
	im->w = w;
	im->h = h;
	im->px = malloc(n);
	size_t got = fread(im->px, 1, n, p);
	if (pclose(p) != 0 || got != n) {
		al_image_release(im);
		return -1;
	}
	return 0;
}

static void vs_pillow(const char *name, int size, al_filter f, int draft)
{
	const char *fn = f == AL_FILTER_BICUBIC ? "bicubic" : "bilinear";
	char path[1100];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	al_err e = {0};
	al_image in = {0}, got = {0}, want = {0};
	al_decode_opts o = {0, draft ? size : 0, 0};
	if (al_image_load(path, &o, &in, &e) < 0 ||
	    al_image_resize(&in, size, size, f, &got, &e) < 0) {
		ok(0, "%s: decode and resize: %s", name, e.msg);
		al_image_release(&in);
		return;
	}
	if (pillow(path, size, fn, draft, &want) < 0) {
		ok(0, "%s: Pillow reference runs", name);
		al_image_release(&in);
		al_image_release(&got);
		return;
	}
	size_t n = (size_t)size * size * 3, close = 0, exact = 0;
	for (size_t i = 0; i < n; i++) {
		int d = abs(got.px[i] - want.px[i]);
		close += d <= 1;
		exact += d == 0;
	}
	ok(want.w == size && close * 1000 >= n * 999,
	   "%s %dx%d -> %d %s%s: %.4f%% within one level of Pillow (%.4f%% equal)", name,
	   in.w, in.h, size, fn, draft ? " draft" : "", 100.0 * close / n, 100.0 * exact / n);
	al_image_release(&in);
	al_image_release(&got);
	al_image_release(&want);
}

int main(void)
{
	const char *s = getenv("SRCDIR");
	snprintf(srcdir, sizeof srcdir, "%s", s ? s : ".");
	snprintf(dir, sizeof dir, "%s/images", tap_data());
	al_err e = {0};

	/* 4 -> 2, bilinear: scale 2, support 2.  Output 0 is centred at 1.0
	 * and reads pixels 0..2 at distances 0.5, 0.5, 1.5, stretched by 2:
	 * triangle weights 0.75, 0.75, 0.25, normalised 3/7, 3/7, 1/7.
	 * Pixels 0, 70, 140: (70 * 3 + 140) / 7 = 50 exactly; in 22-bit
	 * fixed point the weights round to 1797559, 1797559, 599186 and the
	 * sum plus one half, 211812322, shifts down to 50.  Output 1 (centre
	 * 3.0) reads pixels 1..3 with 1/7, 3/7, 3/7: (70 + 420 + 630) / 7 =
	 * 160 (fixed point: 671088640 >> 22 = 160). */
	uint8_t v4[] = {0, 70, 140, 210};
	al_image in = row(v4, 4), out = {0};
	is_int(al_image_resize(&in, 2, 1, AL_FILTER_BILINEAR, &out, &e), 0, "4 -> 2 bilinear");
	is_int(out.px[0], 50, "pixel 0 is 50");
	is_int(out.px[3], 160, "pixel 1 is 160");
	ok(out.px[1] == 50 && out.px[2] == 50, "all channels alike");
	al_image_release(&out);
	/* Bicubic 4 -> 2: support 4; output 0 reads 0..3 (lo = int(-2.5)
	 * clipped to 0, hi = int(5.5) clipped to 4) at offsets -0.25, 0.25,
	 * 0.75, 1.25 (x / 2 of -0.5 .. 2.5): cubic(0.25) = 0.8671875,
	 * cubic(0.75) = 0.2265625, cubic(1.25) = -0.0703125; sum 1.890625.
	 * Value (70 * .8671875 + 140 * .2265625 - 210 * .0703125) / 1.890625
	 * = 77.65625 / 1.890625 = 41.07..., so 41. */
	is_int(al_image_resize(&in, 2, 1, AL_FILTER_BICUBIC, &out, &e), 0, "4 -> 2 bicubic");
	is_int(out.px[0], 41, "pixel 0 is 41");
	al_image_release(&out);
	/* Upscaling 2 -> 4 bilinear: scale 0.5, support 1; output 0 (centre
	 * 0.25) reads pixel 0 only (pixel 1 at distance 1.0 weighs 0):
	 * value 0; output 1 (centre 0.75) reads 0 and 1 at 0.25 and 0.75:
	 * 0.75 * 0 + 0.25 * 100 = 25. */
	uint8_t v2[] = {0, 100};
	al_image in2 = row(v2, 2);
	is_int(al_image_resize(&in2, 4, 1, AL_FILTER_BILINEAR, &out, &e), 0, "2 -> 4 bilinear");
	ok(out.px[0] == 0 && out.px[3] == 25 && out.px[6] == 75 && out.px[9] == 100,
	   "0 25 75 100 (got %d %d %d %d)", out.px[0], out.px[3], out.px[6], out.px[9]);
	al_image_release(&out);
	/* Clipping: bicubic overshoots on a step; results stay in 0..255. */
	uint8_t step[] = {0, 0, 0, 255, 255, 255};
	al_image in3 = row(step, 6);
	is_int(al_image_resize(&in3, 12, 1, AL_FILTER_BICUBIC, &out, &e), 0, "6 -> 12 bicubic");
	ok(out.px[0] == 0 && out.px[33] == 255, "the ends stay 0 and 255 (clipped, no wrap)");
	al_image_release(&out);
	al_image_release(&in3);
	al_image_release(&in2);

	/* Pass-through: same size, same bytes. */
	is_int(al_image_resize(&in, 4, 1, AL_FILTER_BICUBIC, &out, &e), 0, "4 -> 4");
	ok(out.w == 4 && memcmp(out.px, in.px, 12) == 0 && out.px != in.px, "an S x S image is copied unchanged");
	al_image_release(&out);
	is_int(al_image_resize(&in, 0, 4, AL_FILTER_BILINEAR, &out, &e), AL_EINVAL, "size 0 is refused");
	al_image_release(&in);
	is_int(al_filter_parse("bicubic"), AL_FILTER_BICUBIC, "parse bicubic");
	is_int(al_filter_parse("lanczos"), -1, "lanczos is not offered");

	if (access("/usr/bin/python3", X_OK) != 0 ||
	    system("/usr/bin/python3 -c 'import PIL' 2>/dev/null") != 0) {
		printf("# python3-pil not installed: Pillow references skipped\n");
		return done_testing();
	}
	static const char *files[] = {
		"COCO_val2014_000000000241.jpg", "COCO_val2014_000000000294.jpg",
		"video-001.jpeg", "video-001.cmyk.jpeg", "video-005.gray.jpeg",
		"png/rgba8-i.png",
	};
	for (size_t i = 0; i < sizeof files / sizeof *files; i++)
		for (int f = 0; f < 2; f++)
			vs_pillow(files[i], 224, (al_filter)f, 0);
	vs_pillow("COCO_val2014_000000000241.jpg", 64, AL_FILTER_BILINEAR, 0);
	vs_pillow("COCO_val2014_000000000294.jpg", 100, AL_FILTER_BICUBIC, 0);
	vs_pillow("document.png", 224, AL_FILTER_BILINEAR, 0);
	vs_pillow("document.png", 384, AL_FILTER_BICUBIC, 0);
	/* Draft: 1/2 for 241 (480x640) to 224, 1/4 to 100, 1/8 to 56. */
	vs_pillow("COCO_val2014_000000000241.jpg", 224, AL_FILTER_BILINEAR, 1);
	vs_pillow("COCO_val2014_000000000241.jpg", 100, AL_FILTER_BILINEAR, 1);
	vs_pillow("COCO_val2014_000000000241.jpg", 56, AL_FILTER_BICUBIC, 1);
	vs_pillow("COCO_val2014_000000000294.jpg", 112, AL_FILTER_BILINEAR, 1);
	vs_pillow("video-001.cmyk.jpeg", 32, AL_FILTER_BILINEAR, 1);
	vs_pillow("video-005.gray.jpeg", 48, AL_FILTER_BILINEAR, 1);
	return done_testing();
}
