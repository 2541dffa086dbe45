/* store.c: arena and open-addressing hash map. */
#include "store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

enum { BLOCK = 1 << 20 };

typedef struct block {
	struct block *prev;
	size_t used, size;
	_Alignas(8) unsigned char data[];
} block;

struct al_arena {
	block *cur;
	size_t bytes;
};

al_arena *al_arena_new(void) { return calloc(1, sizeof(al_arena)); }

void *al_arena_alloc(al_arena *a, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	if (!a->cur || a->cur->size - a->cur->used < n) {
		/* blocks grow from 64 KiB to 1 MiB: small datasets stay small */
		size_t want = a->cur ? a->cur->size * 2 : BLOCK / 16;
		if (want > BLOCK)
			want = BLOCK;
		size_t size = n > want / 4 ? n : want;
		block *b = malloc(sizeof *b + size);
		if (!b)
			return NULL;
		b->prev = a->cur;
		b->used = 0;
		b->size = size;
		a->cur = b;
		a->bytes += size;
	}
	void *p = a->cur->data + a->cur->used;
	a->cur->used += n;
	memset(p, 0, n);
	return p;
}

char *al_arena_strdup(al_arena *a, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *p = al_arena_alloc(a, n);
	if (p)
		memcpy(p, s, n);
	return p;
}

size_t al_arena_bytes(const al_arena *a) { return a->bytes; }

void al_arena_free(al_arena *a)
{
	if (!a)
		return;
	for (block *b = a->cur; b;) {
		block *p = b->prev;
		free(b);
		b = p;
	}
	free(a);
}

typedef struct slot {
	const char *key;
	long v;
} slot;

struct al_dmap {
	al_arena *keys;
	slot *s;
	size_t cap, n;
};

al_dmap *al_dmap_new(void)
{
	al_dmap *m = calloc(1, sizeof *m);
	if (!m || !(m->keys = al_arena_new()) ||
	    !(m->s = calloc(m->cap = 64, sizeof *m->s))) {
		al_dmap_free(m);
		return NULL;
	}
	return m;
}

static size_t find(const al_dmap *m, const char *key)
{
	size_t i = (size_t)XXH3_64bits(key, strlen(key)) & (m->cap - 1);
	while (m->s[i].key && strcmp(m->s[i].key, key) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static int grow(al_dmap *m)
{
	size_t oc = m->cap;
	slot *os = m->s;
	slot *ns = calloc(oc * 2, sizeof *ns);
	if (!ns)
		return -1;
	m->s = ns;
	m->cap = oc * 2;
	for (size_t i = 0; i < oc; i++)
		if (os[i].key)
			m->s[find(m, os[i].key)] = os[i];
	free(os);
	return 0;
}

int al_dmap_put(al_dmap *m, const char *key, long v, long *old)
{
	if ((m->n + 1) * 2 > m->cap && grow(m) < 0)
		return -1;
	size_t i = find(m, key);
	if (m->s[i].key) {
		if (old)
			*old = m->s[i].v;
		return 0;
	}
	if (!(m->s[i].key = al_arena_strdup(m->keys, key)))
		return -1;
	m->s[i].v = v;
	m->n++;
	return 1;
}

int al_dmap_get(const al_dmap *m, const char *key, long *v)
{
	size_t i = find(m, key);
	if (!m->s[i].key)
		return 0;
	*v = m->s[i].v;
	return 1;
}

int al_dmap_set(al_dmap *m, const char *key, long v)
{
	size_t i = find(m, key);
	if (!m->s[i].key)
		return 0;
	m->s[i].v = v;
	return 1;
}

size_t al_dmap_count(const al_dmap *m) { return m->n; }

void al_dmap_free(al_dmap *m)
{
	if (!m)
		return;
	al_arena_free(m->keys);
	free(m->s);
	free(m);
}
