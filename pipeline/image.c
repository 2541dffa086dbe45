/* image.c: format dispatch, loading files, releasing images. */
#include <stdlib.h>
#include <string.h>

#include "lib/file.h"
#include "pipeline/image.h"

int al_image_decode(const uint8_t *buf, size_t n, const char *label,
		    const al_decode_opts *opts, al_image *img, al_err *e)
{
	memset(img, 0, sizeof *img);
	if (n == 0)
		return al_err_set(e, AL_EFORMAT, "'%s': empty file, not an image", label);
	if (n >= 2 && buf[0] == 0xFF && buf[1] == 0xD8) {
		int rc = al_jpeg_decode(buf, n, label, opts, img, e);
		if (rc == 0 && opts && opts->exif && (rc = al_image_orient(img, al_jpeg_orientation(buf, n), e)) < 0)
			al_image_release(img);
		return rc;
	}
	if (n >= 8 && memcmp(buf, "\x89PNG\r\n\x1a\n", 8) == 0)
		return al_png_decode(buf, n, label, opts, img, e);
	return al_err_set(e, AL_EFORMAT, "'%s': not a JPEG or PNG image (starts with 0x%02x)",
			  label, buf[0]);
}

int al_image_load(const char *path, const al_decode_opts *opts, al_image *img,
		  al_err *e)
{
	al_map m;
	memset(img, 0, sizeof *img);
	int rc = al_map_file(path, &m, e);
	if (rc < 0)
		return rc;
	rc = al_image_decode(m.data, m.size, path, opts, img, e);
	al_map_release(&m);
	return rc;
}

struct al_decoder {
	void *tj;             /* the TurboJPEG handle */
	uint8_t *px, *tmp;    /* JPEG pixels, CMYK pixels */
	size_t cap, tmpcap;
	al_image owned;       /* what other paths decoded (PNG, EXIF turns) */
};

al_decoder *al_decoder_new(void)
{
	return calloc(1, sizeof(al_decoder));
}

void al_decoder_free(al_decoder *d)
{
	if (!d)
		return;
	al_jpeg_handle_free(d->tj);
	free(d->px);
	free(d->tmp);
	al_image_release(&d->owned);
	free(d);
}

int al_decoder_decode(al_decoder *d, const uint8_t *buf, size_t n, const char *label,
		      const al_decode_opts *opts, al_image *view, al_err *e)
{
	memset(view, 0, sizeof *view);
	al_image_release(&d->owned);
	if (n >= 2 && buf[0] == 0xFF && buf[1] == 0xD8 &&
	    !(opts && opts->exif && al_jpeg_orientation(buf, n) != 1)) {
		int w, h, rc = al_jpeg_decode_reuse(&d->tj, &d->px, &d->cap, &d->tmp, &d->tmpcap,
						    buf, n, label, opts, &w, &h, e);
		if (rc < 0)
			return rc;
		view->w = w;
		view->h = h;
		view->px = d->px;
		return 0;
	}
	int rc = al_image_decode(buf, n, label, opts, &d->owned, e);
	if (rc == 0)
		*view = d->owned;
	return rc;
}

void al_image_release(al_image *img)
{
	if (!img)
		return;
	free(img->px);
	memset(img, 0, sizeof *img);
}

static unsigned rd16(const uint8_t *p, int le)
{
	return le ? p[0] | p[1] << 8 : p[0] << 8 | p[1];
}

static uint32_t rd32(const uint8_t *p, int le)
{
	return le ? (uint32_t)rd16(p, 1) | (uint32_t)rd16(p + 2, 1) << 16
		  : (uint32_t)rd16(p, 0) << 16 | rd16(p + 2, 0);
}

int al_jpeg_orientation(const uint8_t *buf, size_t n)
{
	size_t i = 2;
	/* Walk the marker segments before the scan. */
	while (i + 4 <= n && buf[i] == 0xFF) {
		unsigned m = buf[i + 1];
		if (m == 0xDA || m == 0xD9)
			break;
		size_t len = (size_t)buf[i + 2] << 8 | buf[i + 3];
		if (len < 2 || i + 2 + len > n)
			break;
		const uint8_t *s = buf + i + 4;
		size_t sl = len - 2;
		if (m == 0xE1 && sl >= 14 && memcmp(s, "Exif\0\0", 6) == 0) {
			const uint8_t *t = s + 6;   /* the TIFF header */
			size_t tl = sl - 6;
			int le = t[0] == 'I' && t[1] == 'I';
			if (!le && !(t[0] == 'M' && t[1] == 'M'))
				return 1;
			uint32_t ifd = rd32(t + 4, le);
			if (ifd > tl - 2)
				return 1;
			unsigned cnt = rd16(t + ifd, le);
			for (unsigned k = 0; k < cnt; k++) {
				size_t at = ifd + 2 + (size_t)k * 12;
				if (at + 12 > tl)
					return 1;
				if (rd16(t + at, le) == 0x0112) {
					unsigned type = rd16(t + at + 2, le), v = rd16(t + at + 8, le);
					return type == 3 && v >= 1 && v <= 8 ? (int)v : 1;
				}
			}
			return 1;
		}
		i += 2 + len;
	}
	return 1;
}

int al_image_orient(al_image *img, int o, al_err *e)
{
	if (o < 2 || o > 8)
		return 0;
	int W = img->w, H = img->h, swap = o >= 5;
	int ow = swap ? H : W, oh = swap ? W : H;
	uint8_t *px = malloc((size_t)W * H * 3);
	if (!px)
		return al_err_set(e, AL_ENOMEM, "out of memory reorienting %dx%d", W, H);
	for (int y = 0; y < oh; y++)
		for (int x = 0; x < ow; x++) {
			int sx, sy;
			switch (o) {
			case 2: sx = W - 1 - x; sy = y; break;
			case 3: sx = W - 1 - x; sy = H - 1 - y; break;
			case 4: sx = x; sy = H - 1 - y; break;
			case 5: sx = y; sy = x; break;
			case 6: sx = y; sy = H - 1 - x; break;
			case 7: sx = W - 1 - y; sy = H - 1 - x; break;
			default: sx = W - 1 - y; sy = x; break;
			}
			memcpy(px + ((size_t)y * ow + x) * 3, img->px + ((size_t)sy * W + sx) * 3, 3);
		}
	free(img->px);
	img->px = px;
	img->w = ow;
	img->h = oh;
	return 0;
}
