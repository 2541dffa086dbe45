/* array.c: growing arrays by doubling, and big zeroed tables in huge pages
 * (see array.h). */
#include "array.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* The capacity to grow cap to for need elements of elem bytes: twice cap,
 * at least 8 and need; 0 if need elements overflow size_t. */
static size_t next_cap(size_t cap, size_t need, size_t elem)
{
	size_t c = cap < SIZE_MAX / 2 ? 2 * cap : SIZE_MAX;
	if (c < 8)
		c = 8;
	if (c < need)
		c = need;
	if (elem && c > SIZE_MAX / elem)
		c = SIZE_MAX / elem;
	return c < need ? 0 : c;
}

int al_grow(void **p, size_t *cap, size_t need, size_t elem, al_err *e)
{
	if (need <= *cap)
		return 0;
	size_t c = next_cap(*cap, need, elem);
	void *q = c ? realloc(*p, c * elem) : NULL;
	if (!q)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	*p = q;
	*cap = c;
	return 0;
}

int al_big_grow(void **p, size_t *cap, size_t need, size_t elem, al_err *e)
{
	if (need <= *cap)
		return 0;
	size_t c = next_cap(*cap, need, elem);
	void *q = c ? al_big_realloc(*p, *cap * elem, c * elem) : NULL;
	if (!q)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	*p = q;
	*cap = c;
	return 0;
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
