/* fuzz_safetensors.c: libFuzzer target for the safetensors header parser.
 *   ./configure CC=clang --enable-fuzzing && make tests/fuzz/fuzz_safetensors
 *   ./tests/fuzz/fuzz_safetensors -max_total_time=60 tests/data/safetensors/good tests/data/safetensors/bad
 */
#include <stddef.h>
#include <stdint.h>

#include "lib/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	al_err e = {0};
	al_st *st = al_st_open_mem(data, size, "fuzz", &e);
	if (st) {
		/* Touch every tensor's bytes so ASan sees any bad range. */
		volatile uint8_t sink = 0;
		for (size_t i = 0; i < al_st_count(st); i++) {
			const al_st_tensor *t = al_st_tensor_at(st, i);
			const uint8_t *p = t->data;
			for (uint64_t k = 0; k < t->end - t->begin; k++)
				sink ^= p[k];
			al_st_find(st, t->name);
		}
		(void)sink;
		al_st_free(st);
	} else if (!e.msg[0]) {
		__builtin_trap();   /* a rejection must always say why */
	}
	return 0;
}
