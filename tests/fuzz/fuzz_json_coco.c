/* fuzz_json_coco.c: libFuzzer target for the streaming JSON parser and the
 * COCO captions reader.
 *   ./configure CC=clang --enable-fuzzing && make tests/fuzz/fuzz_json_coco
 *   ./tests/fuzz/fuzz_json_coco -max_total_time=60 CORPUS
 */
#include "fuzz_json_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"annotations/captions_val2014.json"};
	static const char *const karp[] = {"dataset_coco.json"};
	if (size && (data[0] & 0x80))
		return fuzz_one("coco-karpathy", karp, 1, data, size);
	return fuzz_one("coco", names, 1, data, size);
}
