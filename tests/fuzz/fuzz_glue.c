/* fuzz_glue.c: libFuzzer target for the GLUE TSV reader.
 *   ./configure CC=clang --enable-fuzzing && make tests/fuzz/fuzz_glue
 *   ./tests/fuzz/fuzz_glue -max_total_time=60 CORPUS
 */
#include "fuzz_json_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"glue_data/CoLA/dev.tsv", "glue_data/CoLA/test.tsv",
		"glue_data/SST-2/train.tsv", "glue_data/MRPC/dev.tsv",
		"glue_data/STS-B/dev.tsv", "glue_data/QQP/dev.tsv",
		"glue_data/MNLI/dev_matched.tsv", "glue_data/QNLI/test.tsv",
		"glue_data/RTE/dev.tsv", "glue_data/diagnostic/diagnostic.tsv",
	};
	return fuzz_one("glue", names, 10, data, size);
}
