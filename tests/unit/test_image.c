/* test_image.c: JPEG decodes equal djpeg's output (same library, same
 * IDCT, run at test time), PNG variants equal the pixels their generator
 * meant (tests/data/images/gen.py), and bad files fail with clear errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/image.h"
#include "tests/tap.h"

static char dir[1024];

static const char *data(const char *name)
{
	static char buf[1400];
	snprintf(buf, sizeof buf, "%s/%s", dir, name);
	return buf;
}

/* Run djpeg ARGS FILE, parse its PPM/PGM into RGB. */
static int djpeg(const char *args, const char *file, al_image *im)
{
	char cmd[1600];
	snprintf(cmd, sizeof cmd, "djpeg %s -pnm '%s'", args, file);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	int kind, w, h, max;
	if (fscanf(p, "P%d %d %d %d", &kind, &w, &h, &max) != 4 || fgetc(p) == EOF ||
	    (kind != 5 && kind != 6) || max != 255) {
		pclose(p);
		return -1;
	}
	size_t n = (size_t)w * h, ch = kind == 6 ? 3 : 1;
	im->w = w;
	im->h = h;
	im->px = malloc(n * 3);
	if (fread(im->px, ch, n, p) != n) {
		pclose(p);
		al_image_release(im);
		return -1;
	}
	pclose(p);
	if (ch == 1)
		for (size_t i = n; i-- > 0;)
			im->px[3 * i] = im->px[3 * i + 1] = im->px[3 * i + 2] = im->px[i];
	return 0;
}

static void same_as_djpeg(const char *name, int draft, const char *args)
{
	al_err e = {0};
	al_image got = {0}, want = {0};
	al_decode_opts o = {0, draft, 0};
	int rc = al_image_load(data(name), &o, &got, &e);
	is_int(rc, 0, "%s (draft %d) decodes", name, draft);
	if (rc < 0) {
		printf("#   %s\n", e.msg);
		return;
	}
	if (djpeg(args, data(name), &want) < 0) {
		ok(0, "djpeg %s %s runs", args, name);
		al_image_release(&got);
		return;
	}
	ok(got.w == want.w && got.h == want.h, "%s: %dx%d, djpeg %s: %dx%d", name, got.w, got.h,
	   args, want.w, want.h);
	size_t n = (size_t)got.w * got.h * 3, diff = 0;
	if (got.w == want.w && got.h == want.h)
		for (size_t i = 0; i < n; i++)
			diff += got.px[i] != want.px[i];
	is_int(diff, 0, "%s: every byte equals djpeg %s's", name, args);
	al_image_release(&got);
	al_image_release(&want);
}

/* Decode with the EXIF orientation applied and compare with Pillow's
 * ImageOps.exif_transpose (tests/ref/pil_resize.py, at test time). */
static void exif_case(const char *name, int want_o, int draft)
{
	char path[1200], cmd[3000];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	const char *src = getenv("SRCDIR");
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/tests/ref/pil_resize.py' '%s' %d none %d 1",
		 src ? src : ".", path, draft, draft ? 1 : 0);
	al_err e = {0};
	al_image got = {0};
	al_decode_opts o = {0, draft, 1};
	FILE *f = fopen(path, "rb");
	uint8_t buf[65536];
	size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
	if (f)
		fclose(f);
	is_int(al_jpeg_orientation(buf, n), want_o, "%s: orientation %d", name, want_o);
	is_int(al_image_load(path, &o, &got, &e), 0, "%s decodes with --exif", name);
	FILE *p = popen(cmd, "r");
	int w = 0, h = 0;
	if (!p || fscanf(p, "%d %d", &w, &h) != 2 || fgetc(p) != '\n') {
		ok(0, "%s: Pillow reference runs", name);
		if (p)
			pclose(p);
		al_image_release(&got);
		return;
	}
	size_t sz = (size_t)w * h * 3;
	uint8_t *want = malloc(sz);
	size_t rd = fread(want, 1, sz, p);
	pclose(p);
	ok(rd == sz && got.w == w && got.h == h && memcmp(got.px, want, sz) == 0,
	   "%s%s: %dx%d, equal to Pillow's exif_transpose (%dx%d)", name, draft ? " (draft)" : "",
	   got.w, got.h, w, h);
	free(want);
	al_image_release(&got);
}

/* Decode (with draft, if not 0) and compare with Pillow's decode
 * (tests/ref/pil_resize.py, at test time): every byte within one level. */
static void pillow_case(const char *name, int draft)
{
	char path[1200], cmd[3000];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	const char *src = getenv("SRCDIR");
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/tests/ref/pil_resize.py' '%s' %d none %d",
		 src ? src : ".", path, draft, draft ? 1 : 0);
	al_err e = {0};
	al_image got = {0};
	al_decode_opts o = {0, draft, 0};
	int rc = al_image_load(path, &o, &got, &e);
	is_int(rc, 0, "%s%s decodes (%s)", name, draft ? " (draft)" : "", rc < 0 ? e.msg : "ok");
	FILE *p = popen(cmd, "r");
	int w = 0, h = 0;
	if (rc < 0 || !p || fscanf(p, "%d %d", &w, &h) != 2 || fgetc(p) != '\n') {
		ok(0, "%s: Pillow reference runs", name);
		if (p)
			pclose(p);
		al_image_release(&got);
		return;
	}
	size_t sz = (size_t)w * h * 3;
	uint8_t *want = malloc(sz);
	size_t rd = fread(want, 1, sz, p);
	pclose(p);
	int maxd = rd == sz && got.w == w && got.h == h ? 0 : 256;
	for (size_t i = 0; maxd < 256 && i < sz; i++) {
		int d = abs((int)got.px[i] - (int)want[i]);
		if (d > maxd)
			maxd = d;
	}
	ok(maxd <= 1, "%s%s: %dx%d, within one level of Pillow's decode (%dx%d, max diff %d)", name,
	   draft ? " (draft)" : "", got.w, got.h, w, h, maxd);
	free(want);
	al_image_release(&got);
}

static void png_case(const char *name)
{
	char png[256], rgb[1400];
	snprintf(png, sizeof png, "png/%s.png", name);
	snprintf(rgb, sizeof rgb, "%s/png/%s.rgb", dir, name);
	al_err e = {0};
	al_image im = {0};
	int rc = al_image_load(data(png), NULL, &im, &e);
	is_int(rc, 0, "%s decodes", png);
	if (rc < 0) {
		printf("#   %s\n", e.msg);
		return;
	}
	ok(im.w == 37 && im.h == 29, "%s is 37x29 (got %dx%d)", png, im.w, im.h);
	FILE *f = fopen(rgb, "rb");
	uint8_t want[37 * 29 * 3];
	size_t n = f ? fread(want, 1, sizeof want, f) : 0;
	if (f)
		fclose(f);
	ok(n == sizeof want && im.w == 37 && im.h == 29 && memcmp(im.px, want, n) == 0,
	   "%s: pixels equal %s.rgb", png, name);
	al_image_release(&im);
}

static void bad(const char *name, int code, const char *msg)
{
	al_err e = {0};
	al_image im = {0};
	int rc = al_image_load(data(name), NULL, &im, &e);
	is_int(rc, code, "%s fails with %s", name, al_err_name(code));
	has_str(e.msg, name, "%s: the message names the file", name);
	has_str(e.msg, msg, "%s: the message says '%s'", name, msg);
	ok(im.px == NULL && im.w == 0, "%s: the image stays empty", name);
}

/* Legal JPEG layouts TurboJPEG's header call has no name for
 * (tests/data/images/layouts/README). */
static const char *const layouts[] = {
	"layouts/video-001.q50.410.jpeg", "layouts/video-001.q50.410.progressive.jpeg",
	"layouts/s441.jpeg", "layouts/s21-12-11.jpeg", "layouts/s12-21-11.jpeg",
	"layouts/s22-12-21.jpeg", "layouts/s21-11-12.progressive.jpeg", "layouts/s410-rgb.jpeg",
};

int main(void)
{
	snprintf(dir, sizeof dir, "%s/images", tap_data());

	if (access("/usr/bin/djpeg", X_OK) == 0) {
		static const char *jpegs[] = {
			"video-001.jpeg", "video-001.progressive.jpeg",
			"video-001.progressive.truncated.jpeg", "video-001.q50.420.jpeg",
			"video-001.q50.444.jpeg", "video-005.gray.jpeg", "video-001.cmyk.jpeg",
			"COCO_val2014_000000000241.jpg", "COCO_val2014_000000000294.jpg",
		};
		for (size_t i = 0; i < sizeof jpegs / sizeof *jpegs; i++)
			same_as_djpeg(jpegs[i], 0, "");
		/* Draft to 224: 640x427 has min(640/224, 427/224) = 1: no
		 * scaling; to 100: 4 -> 1/4; to 150: 2 -> 1/2. */
		same_as_djpeg("COCO_val2014_000000000294.jpg", 224, "");
		same_as_djpeg("COCO_val2014_000000000294.jpg", 100, "-scale 1/4");
		same_as_djpeg("COCO_val2014_000000000241.jpg", 150, "-scale 1/2");
		same_as_djpeg("COCO_val2014_000000000241.jpg", 60, "-scale 1/8");
		same_as_djpeg("video-001.cmyk.jpeg", 50, "-scale 1/2");
		same_as_djpeg("video-005.gray.jpeg", 30, "-scale 1/2");
		/* chroma layouts TurboJPEG's header call cannot name */
		for (size_t i = 0; i < sizeof layouts / sizeof *layouts; i++) {
			same_as_djpeg(layouts[i], 0, "");
			same_as_djpeg(layouts[i], 50, "-scale 1/2");
		}
	} else {
		printf("# djpeg not installed (libjpeg-turbo-progs): JPEG references skipped\n");
	}

	if (system("/usr/bin/python3 -c 'import PIL' 2>/dev/null") == 0) {
		for (size_t i = 0; i < sizeof layouts / sizeof *layouts; i++) {
			pillow_case(layouts[i], 0);
			pillow_case(layouts[i], 50);
		}
		char nm[32];
		for (int o = 1; o <= 8; o++) {
			snprintf(nm, sizeof nm, "exif/o%d.jpg", o);
			exif_case(nm, o, 0);
		}
		exif_case("exif/o6-mm.jpg", 6, 0);
		exif_case("exif/o8.jpg", 8, 10);   /* draft: 1/2 and then turned */
	} else {
		printf("# python3-pil not installed: EXIF references skipped\n");
	}
	uint8_t junk[] = {0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10, 'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0,
			  0xFF, 0xFF, 0xFF, 0x7F};
	is_int(al_jpeg_orientation(junk, sizeof junk), 1, "an EXIF IFD offset past the end gives 1");
	is_int(al_jpeg_orientation(junk, 8), 1, "a cut segment gives 1");

	static const char *pngs[] = {
		"rgb8", "rgb8-i", "rgb16", "rgb16-i", "rgba8", "rgba8-i", "rgba16",
		"gray1", "gray1-i", "gray2", "gray2-i", "gray4", "gray4-i", "gray8",
		"gray8-i", "gray16", "graya8", "pal4", "pal4-i",
	};
	for (size_t i = 0; i < sizeof pngs / sizeof *pngs; i++)
		png_case(pngs[i]);

	bad("bad/truncated.jpg", AL_EFORMAT, "truncated");
	bad("bad/huge.jpg", AL_ELIMIT, "65000x65000");
	bad("bad/empty.jpg", AL_EFORMAT, "empty file");
	bad("bad/text.jpg", AL_EFORMAT, "not a JPEG or PNG image");
	bad("bad/garbage.jpg", AL_EFORMAT, "JPEG");
	bad("bad/badcrc.png", AL_EFORMAT, "CRC");
	bad("bad/truncated.png", AL_EFORMAT, "truncated");
	bad("bad/huge.png", AL_ELIMIT, "100000x100000");

	/* The limit is configurable and checked before decoding. */
	al_err e = {0};
	al_image im = {0};
	al_decode_opts small = {150 * 103 - 1, 0, 0};
	is_int(al_image_load(data("video-001.jpeg"), &small, &im, &e), AL_ELIMIT,
	       "a 150x103 JPEG is over a limit of 15449 pixels");
	has_str(e.msg, "15450 pixels, over the limit of 15449", "and the message gives both");
	is_int(al_image_load(data("png/rgb8.png"), &small, &im, &e), 0,
	       "a 37x29 PNG is under it");
	al_image_release(&im);
	is_int(al_image_load(data("no-such-file.jpg"), NULL, &im, &e), AL_EIO, "a missing file is AL_EIO");

	/* PNG round trip through the writer. */
	char tmp[] = "/tmp/al-test-image-XXXXXX";
	ok(mkdtemp(tmp) != NULL, "temporary directory");
	char out[64];
	snprintf(out, sizeof out, "%s/x.png", tmp);
	al_image src = {0}, back = {0};
	is_int(al_image_load(data("video-001.jpeg"), NULL, &src, &e), 0, "decode for the writer");
	is_int(al_png_write(out, &src, &e), 0, "al_png_write");
	is_int(al_image_load(out, NULL, &back, &e), 0, "read it back");
	ok(back.w == src.w && back.h == src.h &&
	   memcmp(back.px, src.px, (size_t)src.w * src.h * 3) == 0, "the PNG holds the same pixels");
	al_image_release(&src);
	al_image_release(&back);
	unlink(out);
	rmdir(tmp);
	return done_testing();
}
