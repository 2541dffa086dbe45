/* fuzz_image.c: libFuzzer target for the image decoders (JPEG, PNG, EXIF).
 *   ./configure CC=clang --enable-fuzzing && make tests/fuzz/fuzz_image
 *   ./tests/fuzz/fuzz_image -max_total_time=60 CORPUS tests/data/images
 */
#include <stddef.h>
#include <stdint.h>

#include "pipeline/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	al_err e = {0};
	al_image img = {0};
	/* a small pixel limit keeps each run fast and bounded */
	al_decode_opts o = {.max_pixels = 1u << 22, .draft = (size & 1) ? 64 : 0, .exif = 1};
	if (al_image_decode(data, size, "fuzz", &o, &img, &e) == 0) {
		volatile uint8_t s = 0;
		for (size_t i = 0; i < (size_t)img.w * img.h * 3; i++)
			s ^= img.px[i];
		(void)s;
		al_image_release(&img);
	} else if (!e.msg[0]) {
		__builtin_trap();   /* a rejection must say why */
	}
	return 0;
}
