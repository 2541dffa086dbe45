/* mutil.c: string map, reference summation orders, double formatting. */
#include "mutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

typedef struct idslot {
	uint32_t idx;     /* key index + 1; 0: empty */
	uint32_t hash;    /* the key's hash, low 32 bits */
} idslot;

typedef struct idkey {
	size_t off;       /* in the arena */
	size_t len;
	uint64_t pre;     /* its first 8 bytes (see load_prefix) */
} idkey;

struct al_idmap {
	char *arena;      /* keys, each NUL-terminated, back to back */
	size_t used, arena_cap;
	idkey *keys;
	size_t n, cap;    /* keys used, allocated */
	idslot *slots;    /* open addressing, linear probing */
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

al_idmap *al_idmap_new(void)
{
	al_idmap *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->nslots = 64;
	if (!(m->slots = al_big_alloc(m->nslots * sizeof *m->slots))) {
		free(m);
		return NULL;
	}
	return m;
}

void al_idmap_free(al_idmap *m)
{
	if (!m)
		return;
	al_big_free(m->arena, m->arena_cap);
	al_big_free(m->keys, m->cap * sizeof *m->keys);
	al_big_free(m->slots, m->nslots * sizeof *m->slots);
	free(m);
}

static size_t slot_of(const al_idmap *m, const char *key, size_t len, uint64_t pre,
		      uint32_t h, int *found)
{
	size_t mask = m->nslots - 1, i = h & mask;
	for (;;) {
		idslot s = m->slots[i];
		if (s.idx == 0) {
			*found = 0;
			return i;
		}
		if (s.hash == h) {
			const idkey *k = &m->keys[s.idx - 1];
			if (k->len == len && k->pre == pre &&
			    (len <= 8 || memcmp(m->arena + k->off + 8, key + 8, len - 8) == 0)) {
				*found = 1;
				return i;
			}
		}
		i = (i + 1) & mask;
	}
}

static int grow(al_idmap *m)
{
	size_t ns = m->nslots * 2;
	idslot *slots = al_big_alloc(ns * sizeof *slots);
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

long al_idmap_intern(al_idmap *m, const char *key, size_t len, int *added)
{
	int found;
	uint64_t pre = load_prefix(key, len);
	uint32_t h = (uint32_t)hash_bytes(key, len, pre);
	size_t slot = slot_of(m, key, len, pre, h, &found);
	if (found) {
		if (added)
			*added = 0;
		return (long)m->slots[slot].idx - 1;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		idkey *k = al_big_realloc(m->keys, m->cap * sizeof *k, cap * sizeof *k);
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
	m->used += len + 1;
	m->slots[slot].idx = (uint32_t)(m->n + 1);
	m->slots[slot].hash = h;
	long idx = (long)m->n++;
	if (m->n * 2 > m->nslots && grow(m) < 0)
		return -1;
	if (added)
		*added = 1;
	return idx;
}

long al_idmap_find(const al_idmap *m, const char *key, size_t len)
{
	int found;
	uint64_t pre = load_prefix(key, len);
	size_t slot = slot_of(m, key, len, pre, (uint32_t)hash_bytes(key, len, pre), &found);
	return found ? (long)m->slots[slot].idx - 1 : -1;
}

size_t al_idmap_count(const al_idmap *m) { return m->n; }

const char *al_idmap_key(const al_idmap *m, size_t i)
{
	return i < m->n ? m->arena + m->keys[i].off : NULL;
}

/* Page faults are dear (tens of microseconds each on some virtual
 * machines), so tables of 64 KiB or more get their own mapping in whole
 * 2 MiB transparent huge pages: one fault per 2 MiB instead of 512. */
enum { BIG_MIN = 64u << 10, HUGE = 2u << 20 };

static size_t big_size(size_t size)
{
	return (size + HUGE - 1) & ~(size_t)(HUGE - 1);
}

void *al_big_alloc(size_t size)
{
	if (size < BIG_MIN)
		return calloc(1, size ? size : 1);
	size = big_size(size);
	/* map HUGE more, then trim to a HUGE boundary */
	char *p = mmap(NULL, size + HUGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	char *a = (char *)(((uintptr_t)p + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
	if (a > p)
		munmap(p, (size_t)(a - p));
	munmap(a + size, (size_t)(p + HUGE - a));
	madvise(a, size, MADV_HUGEPAGE);
	return a;
}

void al_big_free(void *p, size_t size)
{
	if (!p)
		return;
	if (size < BIG_MIN)
		free(p);
	else
		munmap(p, big_size(size));
}

void *al_big_realloc(void *p, size_t old, size_t size)
{
	if (size <= old || (old >= BIG_MIN && big_size(size) == big_size(old)))
		return p;
	if (size < BIG_MIN) {
		char *q = realloc(p, size);
		if (q)
			memset(q + old, 0, size - old);
		return q;
	}
	void *q = al_big_alloc(size);
	if (!q)
		return NULL;
	if (old)
		memcpy(q, p, old);
	al_big_free(p, old);
	return q;
}

/* numpy's pairwise_sum for doubles (numpy/core/src/umath/loops_utils.h). */
static double pairwise(const double *a, size_t n)
{
	if (n < 8) {
		double res = 0.;
		for (size_t i = 0; i < n; i++)
			res += a[i];
		return res;
	}
	if (n <= 128) {
		double r[8];
		for (int j = 0; j < 8; j++)
			r[j] = a[j];
		size_t i;
		for (i = 8; i < n - (n % 8); i += 8)
			for (int j = 0; j < 8; j++)
				r[j] += a[i + j];
		double res = ((r[0] + r[1]) + (r[2] + r[3])) +
			     ((r[4] + r[5]) + (r[6] + r[7]));
		for (; i < n; i++)
			res += a[i];
		return res;
	}
	size_t n2 = n / 2;
	n2 -= n2 % 8;
	return pairwise(a, n2) + pairwise(a + n2, n - n2);
}

double al_np_mean(const double *x, size_t n)
{
	if (n == 0)
		return NAN;
	return pairwise(x, n) / (double)n;
}

double al_py_sum(const double *x, size_t n)
{
	double s = 0.0;
	for (size_t i = 0; i < n; i++)
		s += x[i];
	return s;
}

char *al_fmt_double(double v, char *buf, size_t size)
{
	if (isnan(v)) {
		snprintf(buf, size, "nan");
		return buf;
	}
	if (isinf(v)) {
		snprintf(buf, size, v > 0 ? "inf" : "-inf");
		return buf;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}
