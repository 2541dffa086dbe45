/* fuzz_json_vqa.c: libFuzzer target for the VQA-family JSON readers
 * (VQAv2 questions and annotations, TextVQA, TextCaps, ST-VQA, DocVQA).
 *   ./configure CC=clang --enable-fuzzing && make tests/fuzz/fuzz_json_vqa
 *   ./tests/fuzz/fuzz_json_vqa -max_total_time=60 CORPUS
 */
#include "fuzz_json_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const vqa[] = {
		"v2_OpenEnded_mscoco_val2014_questions.json",
		"v2_mscoco_val2014_annotations.json",
		"OpenEnded_mscoco_test2015_questions.json",
	};
	static const char *const textvqa[] = {"TextVQA_0.5.1_val.json"};
	static const char *const textcaps[] = {"TextCaps_0.1_test.json"};
	static const char *const stvqa[] = {"train_task_3.json"};
	static const char *const docvqa[] = {"val_v1.0.json"};
	if (!size)
		return 0;
	switch (data[0] >> 5) {
	case 0: case 1: return fuzz_one("vqav2", vqa, 3, data, size);
	case 2: return fuzz_one("textvqa", textvqa, 1, data, size);
	case 3: return fuzz_one("textcaps", textcaps, 1, data, size);
	case 4: return fuzz_one("stvqa", stvqa, 1, data, size);
	default: return fuzz_one("docvqa", docvqa, 1, data, size);
	}
}
