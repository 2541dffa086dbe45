/* fuzz_spm.c: libFuzzer target for the SentencePiece model reader, and
 * encoding with whatever model survives its checks.
 *   ./configure CC=clang --enable-fuzzing && make tests/fuzz/fuzz_spm
 *   ./tests/fuzz/fuzz_spm -max_total_time=60 CORPUS tests/data/spm
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pipeline/spm.h"
#include "pipeline/spm_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	al_err e = {0};
	al_spm_model *m = al_spm_model_parse(data, size, "fuzz", &e);
	if (!m) {
		if (!e.msg[0])
			__builtin_trap();
		return 0;
	}
	al_spm *sp = al_spm_from_model(m, "fuzz", &e);
	if (sp) {
		static const char text[] = "Hello  wörld\t\xe2\x96\x81 \xff ｆｕｌｌ 東京 🙂";
		al_spm_tokens t = {0};
		al_spm_encode(sp, text, sizeof text - 1, AL_SPM_ADD_EOS, &t, &e);
		al_spm_tokens_free(&t);
		al_spm_free(sp);
	}
	return 0;
}
