/* array.h: growing an array by doubling, with the overflow checks written
 * once; big tables in huge pages.
 *
 *     if (al_grow((void **)&v, &cap, n + 1, sizeof *v, e) < 0)
 *             return e->code;
 *     v[n++] = x;
 */
#ifndef AL_ARRAY_H
#define AL_ARRAY_H

#include <stddef.h>

#include "err.h"

/* Make *p (an array of *cap elements of elem bytes, from malloc or NULL)
 * hold at least need elements: nothing if it does already, else realloc it
 * to the larger of need and twice *cap (at least 8) and update *cap.  On
 * failure (no memory, or the size overflows size_t) *p and *cap are left
 * as they were and AL_ENOMEM is returned with e filled ("out of memory"). */
int al_grow(void **p, size_t *cap, size_t need, size_t elem, al_err *e);

/* Zeroed memory for a large table (huge pages where the kernel allows:
 * a table of 64 KiB or more gets its own mapping in whole 2 MiB pages, one
 * page fault per 2 MiB instead of 512); free with al_big_free and the same
 * size.  NULL on no memory. */
void *al_big_alloc(size_t size);
void al_big_free(void *p, size_t size);

/* Grow p (from al_big_alloc, old bytes; NULL and 0 for none) to size
 * bytes, the new ones zeroed: the new block, or NULL (p still valid). */
void *al_big_realloc(void *p, size_t old, size_t size);

/* As al_grow for an array from al_big_alloc: the new elements zeroed. */
int al_big_grow(void **p, size_t *cap, size_t need, size_t elem, al_err *e);

#endif
