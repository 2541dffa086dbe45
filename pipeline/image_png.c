/* image_png.c: PNG to 8-bit RGB and RGB to PNG through libpng. */
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/file.h"
#include "pipeline/image.h"

typedef struct png_src {
	const uint8_t *buf;
	size_t n, pos;
	char msg[256];       /* libpng's error message */
} png_src;

static void on_error(png_structp p, png_const_charp msg)
{
	png_src *s = png_get_error_ptr(p);
	snprintf(s->msg, sizeof s->msg, "%s", msg);
	png_longjmp(p, 1);
}

static void on_warning(png_structp p, png_const_charp msg)
{
	(void)p;
	(void)msg;   /* benign (e.g. a bad ancillary chunk): keep going */
}

static void on_read(png_structp p, png_bytep out, size_t len)
{
	png_src *s = png_get_io_ptr(p);
	if (len > s->n - s->pos)
		png_error(p, "unexpected end of file; the file is truncated");
	memcpy(out, s->buf + s->pos, len);
	s->pos += len;
}

int al_png_decode(const uint8_t *buf, size_t n, const char *label,
		  const al_decode_opts *opts, al_image *img, al_err *e)
{
	uint64_t limit = opts && opts->max_pixels ? opts->max_pixels : AL_IMAGE_MAX_PIXELS;
	memset(img, 0, sizeof *img);
	if (n < 8 || png_sig_cmp(buf, 0, 8) != 0)
		return al_err_set(e, AL_EFORMAT, "'%s': not a PNG file (bad signature)", label);
	png_src src = {buf, n, 0, ""};
	png_structp p = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, on_error, on_warning);
	png_infop info = p ? png_create_info_struct(p) : NULL;
	uint8_t *volatile px = NULL;
	png_bytep *volatile rows = NULL;
	volatile int rc = 0;
	if (!p || !info) {
		rc = al_err_set(e, AL_ENOMEM, "'%s': cannot start the PNG decoder", label);
		goto out;
	}
	if (setjmp(png_jmpbuf(p))) {
		rc = al_err_set(e, AL_EFORMAT, "'%s': byte %zu: %s", label, src.pos, src.msg);
		goto out;
	}
	/* Our own pixel limit decides; lift libpng's 1M x 1M default. */
	png_set_user_limits(p, 0x7fffffff, 0x7fffffff);
	png_set_read_fn(p, &src, on_read);
	png_read_info(p, info);
	png_uint_32 w = png_get_image_width(p, info), h = png_get_image_height(p, info);
	if ((uint64_t)w * h > limit) {
		rc = al_err_set(e, AL_ELIMIT, "'%s': image is %ux%u, %llu pixels, over the limit of %llu",
				label, (unsigned)w, (unsigned)h, (unsigned long long)w * h,
				(unsigned long long)limit);
		goto out;
	}
	int type = png_get_color_type(p, info);
	if (png_get_bit_depth(p, info) == 16)
		png_set_strip_16(p);          /* keep the high byte, as Pillow */
	if (type == PNG_COLOR_TYPE_PALETTE)
		png_set_palette_to_rgb(p);
	if (type == PNG_COLOR_TYPE_GRAY || type == PNG_COLOR_TYPE_GRAY_ALPHA) {
		png_set_expand_gray_1_2_4_to_8(p);
		png_set_gray_to_rgb(p);
	}
	if ((type & PNG_COLOR_MASK_ALPHA) || png_get_valid(p, info, PNG_INFO_tRNS))
		png_set_strip_alpha(p);
	png_set_interlace_handling(p);
	png_read_update_info(p, info);
	if (png_get_rowbytes(p, info) != (size_t)w * 3) {
		rc = al_err_set(e, AL_EFORMAT, "'%s': unsupported PNG layout", label);
		goto out;
	}
	px = malloc((size_t)w * h * 3);
	rows = malloc(h * sizeof *rows);
	if (!px || !rows) {
		rc = al_err_set(e, AL_ENOMEM, "'%s': out of memory for %ux%u pixels", label,
				(unsigned)w, (unsigned)h);
		goto out;
	}
	for (png_uint_32 y = 0; y < h; y++)
		rows[y] = px + (size_t)y * w * 3;
	png_read_image(p, rows);
	png_read_end(p, NULL);
	img->w = (int)w;
	img->h = (int)h;
	img->px = px;
	px = NULL;
out:
	png_destroy_read_struct(p ? &p : NULL, info ? &info : NULL, NULL);
	free(rows);
	free(px);
	return rc;
}

typedef struct png_dst {
	FILE *fp;
	char msg[256];
} png_dst;

static void on_write_error(png_structp p, png_const_charp msg)
{
	png_dst *d = png_get_error_ptr(p);
	snprintf(d->msg, sizeof d->msg, "%s", msg);
	png_longjmp(p, 1);
}

int al_png_write(const char *path, const al_image *img, al_err *e)
{
	al_afile *f = al_afile_open(path, e);
	if (!f)
		return e ? e->code : AL_EIO;
	png_dst d = {al_afile_fp(f), ""};
	png_structp p = png_create_write_struct(PNG_LIBPNG_VER_STRING, &d, on_write_error, on_warning);
	png_infop info = p ? png_create_info_struct(p) : NULL;
	png_bytep *volatile rows = NULL;
	if (!p || !info || !(rows = malloc((size_t)img->h * sizeof *rows))) {
		png_destroy_write_struct(p ? &p : NULL, info ? &info : NULL);
		al_afile_abort(f);
		return al_err_set(e, AL_ENOMEM, "'%s': out of memory", path);
	}
	if (setjmp(png_jmpbuf(p))) {
		png_destroy_write_struct(&p, &info);
		free(rows);
		al_afile_abort(f);
		return al_err_set(e, AL_EIO, "'%s': %s", path, d.msg);
	}
	png_init_io(p, d.fp);
	png_set_IHDR(p, info, (png_uint_32)img->w, (png_uint_32)img->h, 8, PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	for (int y = 0; y < img->h; y++)
		rows[y] = img->px + (size_t)y * img->w * 3;
	png_set_rows(p, info, rows);
	png_write_png(p, info, PNG_TRANSFORM_IDENTITY, NULL);
	png_destroy_write_struct(&p, &info);
	free(rows);
	return al_afile_commit(f, e);
}
