/* strmap.c: open addressing over keys packed in one block (see strmap.h). */
#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

typedef struct hslot {
	uint32_t idx;     /* key index + 1; 0: empty */
	uint32_t hash;    /* the key's hash, low 32 bits */
} hslot;

typedef struct skey {
	size_t off;       /* in the arena */
	size_t len;
	uint64_t pre;     /* its first 8 bytes (see load_prefix) */
	long val;
} skey;

struct al_strmap {
	char *arena;      /* keys, each NUL-terminated, back to back */
	size_t used, arena_cap;
	skey *keys;
	size_t n, cap;    /* keys used, allocated */
	hslot *slots;     /* open addressing, linear probing */
	size_t nslots;    /* a power of two */
};

/* The first min(len, 8) bytes of p as a number, zero-padded: equal for
 * two keys of one length exactly when those bytes are. */
static inline uint64_t load_prefix(const char *p, size_t len)
{
	uint64_t w = 0;
	if (len >= 8) {
		memcpy(&w, p, 8);
		return w;
	}
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (len >= 4) {   /* two overlapping loads: bytes 0-3 and len-4 .. len-1 */
		uint32_t lo, hi;
		memcpy(&lo, p, 4);
		memcpy(&hi, p + len - 4, 4);
		return (uint64_t)lo | (uint64_t)hi << (8 * (len - 4));
	}
#endif
	for (size_t i = 0; i < len; i++)
		w |= (uint64_t)(unsigned char)p[i] << (8 * i);
	return w;
}

/* A fast hash of short byte strings (tokens, ids): the prefix, then 8
 * bytes at a time, multiply-xorshift mixing. */
static uint64_t hash_bytes(const char *key, size_t len, uint64_t pre)
{
	const uint64_t k = 0x9e3779b97f4a7c15ull;
	uint64_t h = ((len * k) ^ pre) * k;
	h ^= h >> 29;
	for (size_t i = 8; i < len; i += 8) {
		h = (h ^ load_prefix(key + i, len - i < 8 ? len - i : 8)) * k;
		h ^= h >> 29;
	}
	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ull;
	h ^= h >> 32;
	return h;
}

al_strmap *al_strmap_new(void)
{
	al_strmap *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->nslots = 64;
	if (!(m->slots = al_big_alloc(m->nslots * sizeof *m->slots))) {
		free(m);
		return NULL;
	}
	return m;
}

void al_strmap_free(al_strmap *m)
{
	if (!m)
		return;
	al_big_free(m->arena, m->arena_cap);
	al_big_free(m->keys, m->cap * sizeof *m->keys);
	al_big_free(m->slots, m->nslots * sizeof *m->slots);
	free(m);
}

static size_t slot_of(const al_strmap *m, const char *key, size_t len, uint64_t pre,
		      uint32_t h, int *found)
{
	size_t mask = m->nslots - 1, i = h & mask;
	for (;;) {
		hslot s = m->slots[i];
		if (s.idx == 0) {
			*found = 0;
			return i;
		}
		if (s.hash == h) {
			const skey *k = &m->keys[s.idx - 1];
			if (k->len == len && k->pre == pre &&
			    (len <= 8 || memcmp(m->arena + k->off + 8, key + 8, len - 8) == 0)) {
				*found = 1;
				return i;
			}
		}
		i = (i + 1) & mask;
	}
}

static int grow(al_strmap *m)
{
	size_t ns = m->nslots * 2;
	hslot *slots = al_big_alloc(ns * sizeof *slots);
	if (!slots)
		return -1;
	for (size_t i = 0; i < m->nslots; i++) {
		if (!m->slots[i].idx)
			continue;
		size_t j = m->slots[i].hash & (ns - 1);
		while (slots[j].idx)
			j = (j + 1) & (ns - 1);
		slots[j] = m->slots[i];
	}
	al_big_free(m->slots, m->nslots * sizeof *m->slots);
	m->slots = slots;
	m->nslots = ns;
	return 0;
}

long al_strmap_intern(al_strmap *m, const char *key, size_t len, int *added)
{
	int found;
	uint64_t pre = load_prefix(key, len);
	uint32_t h = (uint32_t)hash_bytes(key, len, pre);
	size_t at = slot_of(m, key, len, pre, h, &found);
	if (found) {
		if (added)
			*added = 0;
		return (long)m->slots[at].idx - 1;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		skey *k = al_big_realloc(m->keys, m->cap * sizeof *k, cap * sizeof *k);
		if (!k)
			return -1;
		m->keys = k;
		m->cap = cap;
	}
	if (m->used + len + 1 > m->arena_cap) {
		size_t cap = m->arena_cap ? m->arena_cap * 2 : 4096;
		while (m->used + len + 1 > cap)
			cap *= 2;
		char *a = al_big_realloc(m->arena, m->arena_cap, cap);
		if (!a)
			return -1;
		m->arena = a;
		m->arena_cap = cap;
	}
	memcpy(m->arena + m->used, key, len);
	m->arena[m->used + len] = 0;
	m->keys[m->n].off = m->used;
	m->keys[m->n].len = len;
	m->keys[m->n].pre = pre;
	m->keys[m->n].val = 0;
	m->used += len + 1;
	m->slots[at].idx = (uint32_t)(m->n + 1);
	m->slots[at].hash = h;
	long idx = (long)m->n++;
	if (m->n * 2 > m->nslots && grow(m) < 0)
		return -1;
	if (added)
		*added = 1;
	return idx;
}

long al_strmap_find(const al_strmap *m, const char *key, size_t len)
{
	int found;
	uint64_t pre = load_prefix(key, len);
	size_t at = slot_of(m, key, len, pre, (uint32_t)hash_bytes(key, len, pre), &found);
	return found ? (long)m->slots[at].idx - 1 : -1;
}

size_t al_strmap_count(const al_strmap *m) { return m->n; }

int al_strmap_put(al_strmap *m, const char *key, long v, long *old)
{
	int added;
	long i = al_strmap_intern(m, key, strlen(key), &added);
	if (i < 0)
		return -1;
	if (added)
		m->keys[i].val = v;
	else if (old)
		*old = m->keys[i].val;
	return added;
}

int al_strmap_get(const al_strmap *m, const char *key, long *v)
{
	long i = al_strmap_find(m, key, strlen(key));
	if (i < 0)
		return 0;
	*v = m->keys[i].val;
	return 1;
}
