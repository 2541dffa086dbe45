/* test_strmap.c: the string map: values by key (the dataset readers' use)
 * and dense indices in insertion order (the metrics' use). */
#include <stdio.h>
#include <string.h>

#include "lib/strmap.h"
#include "tests/tap.h"

static void test_map(void)
{
	al_strmap *m = al_strmap_new();
	char k[32];
	int good = 1;
	for (long i = 0; i < 20000; i++) {
		snprintf(k, sizeof k, "key%ld", i);
		good &= al_strmap_put(m, k, i, NULL) == 1;
	}
	long v, old = -1;
	for (long i = 0; i < 20000; i += 7) {
		snprintf(k, sizeof k, "key%ld", i);
		good &= al_strmap_get(m, k, &v) == 1 && v == i;
	}
	ok(good, "20000 keys in, every 7th found with its value");
	is_int(al_strmap_put(m, "key42", 5, &old), 0, "a duplicate key is not inserted");
	is_int(old, 42, "and the first value is returned");
	ok(!al_strmap_get(m, "key20000", &v), "an absent key is absent");
	is_int(al_strmap_count(m), 20000, "count");
	al_strmap_free(m);
}

static void test_intern(void)
{
	al_strmap *m = al_strmap_new();
	int added = -1;
	is_int((int)al_strmap_intern(m, "dog", 3, &added), 0, "the first key is 0");
	is_int(added, 1, "added");
	is_int((int)al_strmap_intern(m, "cat", 3, &added), 1, "the second is 1");
	is_int((int)al_strmap_intern(m, "dog", 3, &added), 0, "a key again keeps its index");
	is_int(added, 0, "not added");
	is_int((int)al_strmap_intern(m, "dogs", 3, NULL), 0, "only len bytes count");
	is_int((int)al_strmap_intern(m, "a\0b", 3, NULL), 2, "keys may hold NUL bytes");
	is_int((int)al_strmap_find(m, "a\0b", 3), 2, "and are found");
	is_int((int)al_strmap_find(m, "a", 1), -1, "a prefix is another key");
	is_int((int)al_strmap_intern(m, "", 0, NULL), 3, "the empty key");
	/* keys longer than the 8-byte prefix, equal in it */
	is_int((int)al_strmap_intern(m, "abcdefgh-1", 10, NULL), 4, "a long key");
	is_int((int)al_strmap_intern(m, "abcdefgh-2", 10, NULL), 5, "another with its prefix");
	is_int((int)al_strmap_find(m, "abcdefgh-1", 10), 4, "told apart");
	long v = 7;
	ok(al_strmap_get(m, "cat", &v) && v == 0, "an interned key's value is 0");
	is_int((int)al_strmap_count(m), 6, "count");
	al_strmap_free(m);
}

int main(void)
{
	test_map();
	test_intern();
	return done_testing();
}
