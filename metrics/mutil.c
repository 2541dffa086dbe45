/* mutil.c: string map, reference summation orders, double formatting. */
#include "mutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xxhash.h>

struct al_idmap {
	char *arena;      /* keys, each NUL-terminated, back to back */
	size_t used, arena_cap;
	size_t *off;      /* key i starts at arena + off[i] */
	size_t *lens;
	size_t n, cap;    /* keys used, allocated */
	uint64_t *hash;   /* per slot: the key's hash */
	uint32_t *slots;  /* open addressing: index + 1, 0 = empty */
	size_t nslots;    /* a power of two */
};

al_idmap *al_idmap_new(void)
{
	al_idmap *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->nslots = 64;
	m->slots = calloc(m->nslots, sizeof *m->slots);
	m->hash = calloc(m->nslots, sizeof *m->hash);
	if (!m->slots || !m->hash) {
		al_idmap_free(m);
		return NULL;
	}
	return m;
}

void al_idmap_free(al_idmap *m)
{
	if (!m)
		return;
	free(m->arena);
	free(m->off);
	free(m->lens);
	free(m->slots);
	free(m->hash);
	free(m);
}

static size_t slot_of(const al_idmap *m, const char *key, size_t len, uint64_t h,
		      int *found)
{
	size_t mask = m->nslots - 1, i = (size_t)h & mask;
	for (;;) {
		uint32_t s = m->slots[i];
		if (s == 0) {
			*found = 0;
			return i;
		}
		if (m->hash[i] == h) {
			size_t k = s - 1;
			if (m->lens[k] == len && memcmp(m->arena + m->off[k], key, len) == 0) {
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
	uint32_t *slots = calloc(ns, sizeof *slots);
	uint64_t *hash = calloc(ns, sizeof *hash);
	if (!slots || !hash) {
		free(slots);
		free(hash);
		return -1;
	}
	for (size_t i = 0; i < m->nslots; i++) {
		if (!m->slots[i])
			continue;
		size_t j = (size_t)m->hash[i] & (ns - 1);
		while (slots[j])
			j = (j + 1) & (ns - 1);
		slots[j] = m->slots[i];
		hash[j] = m->hash[i];
	}
	free(m->slots);
	free(m->hash);
	m->slots = slots;
	m->hash = hash;
	m->nslots = ns;
	return 0;
}

long al_idmap_intern(al_idmap *m, const char *key, size_t len, int *added)
{
	int found;
	uint64_t h = XXH3_64bits(key, len);
	size_t slot = slot_of(m, key, len, h, &found);
	if (found) {
		if (added)
			*added = 0;
		return (long)m->slots[slot] - 1;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		size_t *o = realloc(m->off, cap * sizeof *o);
		if (!o)
			return -1;
		m->off = o;
		size_t *l = realloc(m->lens, cap * sizeof *l);
		if (!l)
			return -1;
		m->lens = l;
		m->cap = cap;
	}
	if (m->used + len + 1 > m->arena_cap) {
		size_t cap = m->arena_cap ? m->arena_cap * 2 : 4096;
		while (m->used + len + 1 > cap)
			cap *= 2;
		char *a = realloc(m->arena, cap);
		if (!a)
			return -1;
		m->arena = a;
		m->arena_cap = cap;
	}
	memcpy(m->arena + m->used, key, len);
	m->arena[m->used + len] = 0;
	m->off[m->n] = m->used;
	m->lens[m->n] = len;
	m->used += len + 1;
	m->slots[slot] = (uint32_t)(m->n + 1);
	m->hash[slot] = h;
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
	size_t slot = slot_of(m, key, len, XXH3_64bits(key, len), &found);
	return found ? (long)m->slots[slot] - 1 : -1;
}

size_t al_idmap_count(const al_idmap *m) { return m->n; }

const char *al_idmap_key(const al_idmap *m, size_t i)
{
	return i < m->n ? m->arena + m->off[i] : NULL;
}

void *al_big_alloc(size_t size)
{
	if (size < (2u << 20))
		return calloc(1, size ? size : 1);
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, size, MADV_HUGEPAGE);
	return p;
}

void al_big_free(void *p, size_t size)
{
	if (!p)
		return;
	if (size < (2u << 20))
		free(p);
	else
		munmap(p, size);
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
