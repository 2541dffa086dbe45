/* test_array.c: al_grow's doubling, its floor and its overflow checks;
 * al_big_grow's zeroed growth. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "tests/tap.h"

int main(void)
{
	al_err e = {0};
	int *v = NULL;
	size_t cap = 0;
	is_int(al_grow((void **)&v, &cap, 1, sizeof *v, &e), 0, "the first element");
	is_int((int)cap, 8, "room for 8 at least");
	is_int(al_grow((void **)&v, &cap, 8, sizeof *v, &e), 0, "8 fit without growing");
	is_int((int)cap, 8, "cap unchanged");
	is_int(al_grow((void **)&v, &cap, 9, sizeof *v, &e), 0, "9 grow it");
	is_int((int)cap, 16, "doubled");
	is_int(al_grow((void **)&v, &cap, 100, sizeof *v, &e), 0, "a jump past double");
	is_int((int)cap, 100, "to what is needed");
	for (int i = 0; i < 100; i++)
		v[i] = i;
	int good = 1;
	is_int(al_grow((void **)&v, &cap, 101, sizeof *v, &e), 0, "again");
	for (int i = 0; i < 100; i++)
		good &= v[i] == i;
	ok(good && cap == 200, "contents kept, doubled to 200");
	int *keep = v;
	is_int(al_grow((void **)&v, &cap, SIZE_MAX / 2, sizeof *v, &e), AL_ENOMEM,
	       "a size past size_t is refused");
	ok(v == keep && cap == 200 && strcmp(e.msg, "out of memory") == 0,
	   "the array is left as it was");
	free(v);
	char *c = NULL;
	size_t cc = SIZE_MAX / 2 + 1;   /* doubling would overflow: take need */
	is_int(al_grow((void **)&c, &cc, cc, 1, &e), 0, "need within cap is nothing to do");

	/* big tables: zeroed as they grow, past the 64 KiB where mappings start */
	long *b = NULL;
	size_t bc = 0;
	good = 1;
	for (size_t n = 0; n < 100000; n++) {
		if (al_big_grow((void **)&b, &bc, n + 1, sizeof *b, &e) < 0) {
			good = 0;
			break;
		}
		good &= b[n] == 0;   /* new elements are zero */
		b[n] = (long)n;
	}
	for (size_t n = 0; good && n < 100000; n++)
		good &= b[n] == (long)n;
	ok(good && bc >= 100000, "al_big_grow: 100000 longs, zeroed, kept (cap %zu)", bc);
	al_big_free(b, bc * sizeof *b);
	return done_testing();
}
