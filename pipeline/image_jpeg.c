/* image_jpeg.c: JPEG to 8-bit RGB through libjpeg-turbo's TurboJPEG API. */
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "pipeline/image.h"

/* Adobe-inverted CMYK to RGB: round(c * k / 255).  c * k / 255 is never
 * exactly halfway (255 is odd), so (c * k + 127) / 255 rounds it. */
static void cmyk_to_rgb(const uint8_t *in, uint8_t *out, size_t npx)
{
	for (size_t i = 0; i < npx; i++, in += 4, out += 3) {
		unsigned k = in[3];
		out[0] = (uint8_t)((in[0] * k + 127) / 255);
		out[1] = (uint8_t)((in[1] * k + 127) / 255);
		out[2] = (uint8_t)((in[2] * k + 127) / 255);
	}
}

/* The DCT scale denominator Pillow's draft picks for target size s. */
static int draft_scale(int w, int h, int s)
{
	if (s <= 0)
		return 1;
	int q = w / s < h / s ? w / s : h / s;
	return q >= 8 ? 8 : q >= 4 ? 4 : q >= 2 ? 2 : 1;
}

/* Did the header call fail only because TurboJPEG has no name for the
 * image's chroma subsampling (4:1:0, 4:4:1, components sampled 2x1 and
 * 1x2, ...)?  It fills the size and colour space before it gives up, and
 * its decompression (libjpeg's, which upsamples any legal layout) does
 * not need the name, so such images decode as any other. */
static int unclassified_subsampling(tjhandle tj, int w, int h, int cs)
{
	return w > 0 && h > 0 && cs >= 0 &&
	       strstr(tjGetErrorStr2(tj), "Could not determine subsampling type") != NULL;
}

/* Grow *p to hold n bytes (contents not kept). */
static int reserve(uint8_t **p, size_t *cap, size_t n)
{
	if (n <= *cap)
		return 0;
	free(*p);
	*cap = 0;
	if (!(*p = malloc(n)))
		return AL_ENOMEM;
	*cap = n;
	return 0;
}

int al_jpeg_decode_reuse(void **handle, uint8_t **px, size_t *cap, uint8_t **tmp,
			 size_t *tmpcap, const uint8_t *buf, size_t n, const char *label,
			 const al_decode_opts *opts, int *ow, int *oh, al_err *e)
{
	uint64_t limit = opts && opts->max_pixels ? opts->max_pixels : AL_IMAGE_MAX_PIXELS;
	int draft = opts ? opts->draft : 0;
	*ow = *oh = 0;
	if (n < 3 || buf[0] != 0xFF || buf[1] != 0xD8)
		return al_err_set(e, AL_EFORMAT, "'%s': not a JPEG file (no SOI marker)", label);
	if (n > (unsigned long)-1 >> 1)
		return al_err_set(e, AL_ELIMIT, "'%s': file too large", label);
	if (!*handle && !(*handle = tjInitDecompress()))
		return al_err_set(e, AL_ENOMEM, "'%s': cannot start the JPEG decoder", label);
	tjhandle tj = *handle;
	int w = 0, h = 0, subsamp = -1, cs = -1;
	if (tjDecompressHeader3(tj, buf, (unsigned long)n, &w, &h, &subsamp, &cs) < 0 &&
	    !unclassified_subsampling(tj, w, h, cs))
		return al_err_set(e, AL_EFORMAT, "'%s': bad JPEG header: %s", label,
				  tjGetErrorStr2(tj));
	if (w <= 0 || h <= 0 || (uint64_t)w * (uint64_t)h > limit)
		return al_err_set(e, AL_ELIMIT, "'%s': image is %dx%d, %llu pixels, over the limit of %llu",
				  label, w, h, (unsigned long long)w * (unsigned long long)h,
				  (unsigned long long)limit);
	int s = draft_scale(w, h, draft);
	int sw = (w + s - 1) / s, sh = (h + s - 1) / s;
	int cmyk = cs == TJCS_CMYK || cs == TJCS_YCCK;
	int pf = cmyk ? TJPF_CMYK : TJPF_RGB, bpp = cmyk ? 4 : 3;
	size_t npx = (size_t)sw * (size_t)sh;
	if (reserve(px, cap, npx * 3) < 0 || (cmyk && reserve(tmp, tmpcap, npx * 4) < 0))
		return al_err_set(e, AL_ENOMEM, "'%s': out of memory for %dx%d pixels", label, sw, sh);
	/* Scaled by 1/s in the DCT domain when s > 1 (tjDecompress2 picks
	 * the scaling factor from the size asked for); the default accurate
	 * integer IDCT and fancy upsampling, as djpeg. */
	if (tjDecompress2(tj, buf, (unsigned long)n, cmyk ? *tmp : *px, sw, sw * bpp, sh, pf,
			  TJFLAG_LIMITSCANS) < 0) {
		const char *msg = tjGetErrorStr2(tj);
		/* Warnings (extraneous bytes, ...) leave a whole image and are
		 * let through, as Pillow does; running out of data is not. */
		if (tjGetErrorCode(tj) != TJERR_WARNING || strstr(msg, "remature end"))
			return al_err_set(e, AL_EFORMAT, "'%s': %s%s", label, msg,
					  strstr(msg, "remature end") ? "; the file is truncated" : "");
	}
	if (cmyk)
		cmyk_to_rgb(*tmp, *px, npx);
	*ow = sw;
	*oh = sh;
	return 0;
}

void al_jpeg_handle_free(void *handle)
{
	if (handle)
		tjDestroy(handle);
}

int al_jpeg_decode(const uint8_t *buf, size_t n, const char *label,
		   const al_decode_opts *opts, al_image *img, al_err *e)
{
	void *tj = NULL;
	uint8_t *px = NULL, *tmp = NULL;
	size_t cap = 0, tmpcap = 0;
	int w, h;
	memset(img, 0, sizeof *img);
	int rc = al_jpeg_decode_reuse(&tj, &px, &cap, &tmp, &tmpcap, buf, n, label, opts,
				      &w, &h, e);
	free(tmp);
	al_jpeg_handle_free(tj);
	if (rc < 0) {
		free(px);
		return rc;
	}
	img->w = w;
	img->h = h;
	img->px = px;
	return 0;
}
