/* mutil.h: small helpers the metrics share: a string-to-index hash map,
 * the summation orders of the reference implementations, and the shortest
 * decimal text of a double.
 */
#ifndef AL_MUTIL_H
#define AL_MUTIL_H

#include <stddef.h>
#include <stdint.h>

typedef struct al_idmap al_idmap;

/* A map from byte strings to dense indices 0, 1, 2, ... in order of first
 * insertion.  The map keeps its own copies of the keys.  NULL on no memory. */
al_idmap *al_idmap_new(void);
void al_idmap_free(al_idmap *m);

/* The index of key[0..len), adding it if absent (*added set to 1 then, 0
 * if it was there; added may be NULL).  Returns -1 on no memory. */
long al_idmap_intern(al_idmap *m, const char *key, size_t len, int *added);

/* The index of key[0..len), or -1 if absent. */
long al_idmap_find(const al_idmap *m, const char *key, size_t len);

/* The number of keys, and key i (NUL-terminated, owned by the map). */
size_t al_idmap_count(const al_idmap *m);
const char *al_idmap_key(const al_idmap *m, size_t i);

/* Zeroed memory for a large table (huge pages where the kernel allows);
 * free with al_big_free and the same size.  NULL on no memory. */
void *al_big_alloc(size_t size);
void al_big_free(void *p, size_t size);
/* Grow p (from al_big_alloc, old bytes; NULL and 0 for none) to size
 * bytes, the new ones zeroed: the new block, or NULL (p still valid). */
void *al_big_realloc(void *p, size_t old, size_t size);

/* The mean of x[0..n) summed as numpy's np.mean sums float64 arrays
 * (pairwise summation with blocks of 128 unrolled by 8), so the result is
 * bit-identical to the reference.  NaN for n == 0. */
double al_np_mean(const double *x, size_t n);

/* Python's sum(x) (left to right from 0.0). */
double al_py_sum(const double *x, size_t n);

/* Write the shortest decimal text of v that reads back as v (as Python's
 * repr does; "nan", "inf", "-inf" for the others) into buf (>= 32 bytes). */
char *al_fmt_double(double v, char *buf, size_t size);

#endif
