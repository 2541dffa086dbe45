/* spm_trie.c: building the double array.  Keys are sorted, then placed
 * depth first: for each state, the smallest base whose slots base + byte
 * are free for all its child bytes, found along a list of free slots. */
#include "spm_trie.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"

typedef struct builder {
	al_spm_trie_node *a;
	int32_t *next_free, *prev_free;  /* a doubly linked list of free slots */
	int32_t free_head, free_tail;    /* -1: none (grow) */
	size_t n;
	const char *const *keys;
	const size_t *lens;
	const int32_t *values;
	const size_t *order;
} builder;

static int grow(builder *b, size_t want)
{
	size_t n = b->n ? b->n : 1024;
	while (n < want)
		n *= 2;
	if (n == b->n)
		return 0;
	if (n > INT32_MAX / 2)
		return -1;
	/* three arrays of one length; n is at least twice b->n, so al_grow
	 * gives each exactly n */
	size_t ca = b->n, cn = b->n, cp = b->n;
	if (al_grow((void **)&b->a, &ca, n, sizeof *b->a, NULL) < 0 ||
	    al_grow((void **)&b->next_free, &cn, n, sizeof *b->next_free, NULL) < 0 ||
	    al_grow((void **)&b->prev_free, &cp, n, sizeof *b->prev_free, NULL) < 0)
		return -1;
	/* Append the new slots to the free list, in order. */
	int32_t prev = b->free_tail;
	for (size_t i = b->n; i < n; i++) {
		int32_t id = (int32_t)i;
		b->a[i].base = 0;
		b->a[i].check = -1;
		b->a[i].value = -1;
		b->prev_free[i] = prev;
		b->next_free[i] = -1;
		if (prev >= 0)
			b->next_free[prev] = id;
		else
			b->free_head = id;
		prev = id;
	}
	b->free_tail = prev;
	b->n = n;
	return 0;
}

static void take(builder *b, int32_t p)
{
	int32_t nx = b->next_free[p], pv = b->prev_free[p];
	if (pv >= 0)
		b->next_free[pv] = nx;
	else
		b->free_head = nx;
	if (nx >= 0)
		b->prev_free[nx] = pv;
	else
		b->free_tail = pv;
}

static const unsigned char *kb(const builder *b, size_t i)
{
	return (const unsigned char *)b->keys[b->order[i]];
}

/* Place the children of state s: keys order[lo..hi) share their first
 * depth bytes. */
static int place(builder *b, int32_t s, size_t lo, size_t hi, size_t depth)
{
	if (lo < hi && b->lens[b->order[lo]] == depth) {
		b->a[s].value = b->values[b->order[lo]];
		lo++;
	}
	if (lo >= hi) {
		b->a[s].base = 0;
		return 0;
	}
	unsigned char labels[256];
	size_t starts[257];
	int nl = 0;
	for (size_t i = lo; i < hi; i++) {
		unsigned char c = kb(b, i)[depth];
		if (nl == 0 || labels[nl - 1] != c) {
			labels[nl] = c;
			starts[nl] = i;
			nl++;
		}
	}
	starts[nl] = hi;
	/* Find a base: walk the free list for a slot for the first label. */
	int32_t base = -1;
	for (;;) {
		if (b->free_head < 0 && grow(b, b->n * 2) < 0)
			return -1;
		for (int32_t p = b->free_head; p >= 0; p = b->next_free[p]) {
			int32_t cand = p - labels[0];
			if (cand < 1)
				continue;
			if ((size_t)cand + 256 >= b->n)
				break;
			int okb = 1;
			for (int k = 1; k < nl; k++)
				if (b->a[cand + labels[k]].check != -1) {
					okb = 0;
					break;
				}
			if (okb) {
				base = cand;
				break;
			}
		}
		if (base >= 0)
			break;
		if (grow(b, b->n * 2) < 0)
			return -1;
	}
	b->a[s].base = base;
	for (int k = 0; k < nl; k++) {
		b->a[base + labels[k]].check = s;
		take(b, base + labels[k]);
	}
	for (int k = 0; k < nl; k++)
		if (place(b, base + labels[k], starts[k], starts[k + 1], depth + 1) < 0)
			return -1;
	return 0;
}

static const char *const *sort_keys;
static const size_t *sort_lens;

static int cmp_keys(const void *x, const void *y)
{
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	size_t li = sort_lens[i], lj = sort_lens[j];
	int c = memcmp(sort_keys[i], sort_keys[j], li < lj ? li : lj);
	if (c)
		return c;
	return li < lj ? -1 : li > lj;
}

al_spm_trie *al_spm_trie_new(const char *const *keys, const size_t *lens,
			     const int32_t *values, size_t n, al_err *e)
{
	builder b = {0};
	b.free_head = b.free_tail = -1;
	b.keys = keys;
	b.lens = lens;
	b.values = values;
	size_t *order = malloc((n ? n : 1) * sizeof *order);
	al_spm_trie *t = calloc(1, sizeof *t);
	if (!order || !t || grow(&b, 1024) < 0)
		goto nomem;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	sort_keys = keys;   /* qsort has no context argument in C11 */
	sort_lens = lens;
	qsort(order, n, sizeof *order, cmp_keys);
	for (size_t i = 0; i + 1 < n; i++)
		if (cmp_keys(&order[i], &order[i + 1]) == 0) {
			al_err_set(e, AL_EINVAL, "key '%.*s' is given twice",
				   (int)lens[order[i]], keys[order[i]]);
			goto fail;
		}
	for (size_t i = 0; i < n; i++)
		if (lens[i] == 0) {
			al_err_set(e, AL_EINVAL, "empty key");
			goto fail;
		}
	b.order = order;
	take(&b, 0);
	b.a[0].check = -1;
	if (place(&b, 0, 0, n, 0) < 0)
		goto nomem;
	free(order);
	free(b.next_free);
	free(b.prev_free);
	/* Trim the free tail: keep every used slot and base + 255. */
	size_t keep = 1;
	for (size_t i = 0; i < b.n; i++) {
		if (b.a[i].check != -1 && i + 1 > keep)
			keep = i + 1;
		if ((size_t)b.a[i].base + 256 > keep)
			keep = (size_t)b.a[i].base + 256;
	}
	if (keep < b.n) {
		al_spm_trie_node *a = realloc(b.a, keep * sizeof *a);
		if (a) {
			b.a = a;
			b.n = keep;
		}
	}
	t->a = b.a;
	t->n = b.n;
	return t;
nomem:
	al_err_set(e, AL_ENOMEM, "out of memory building a trie of %zu keys", n);
fail:
	free(order);
	free(b.next_free);
	free(b.prev_free);
	free(b.a);
	free(t);
	return NULL;
}

void al_spm_trie_free(al_spm_trie *t)
{
	if (!t)
		return;
	free(t->a);
	free(t);
}

int32_t al_spm_trie_find(const al_spm_trie *t, const char *s, size_t len)
{
	int32_t st = 0;
	for (size_t i = 0; i < len && st >= 0; i++)
		st = al_spm_trie_next(t, st, (uint8_t)s[i]);
	return st >= 0 ? t->a[st].value : -1;
}

size_t al_spm_trie_longest(const al_spm_trie *t, const char *s, size_t len,
			   int32_t *value)
{
	int32_t st = 0;
	size_t best = 0;
	for (size_t i = 0; i < len; i++) {
		st = al_spm_trie_next(t, st, (uint8_t)s[i]);
		if (st < 0)
			break;
		if (t->a[st].value >= 0) {
			best = i + 1;
			if (value)
				*value = t->a[st].value;
		}
	}
	return best;
}
