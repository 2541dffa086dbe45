/* strmap.h: the one string map: byte-string keys to dense indices 0, 1,
 * 2, ... in order of first insertion, each with a long value.
 *
 * The map keeps its own copies of the keys, in one block, and hashes them
 * with open addressing; its tables grow by doubling (in huge pages when
 * big, see al_big_alloc).  Metrics intern tokens and ids with it; the
 * dataset readers map ids and image names to their items' positions.
 */
#ifndef AL_STRMAP_H
#define AL_STRMAP_H

#include <stddef.h>

typedef struct al_strmap al_strmap;

/* An empty map, or NULL on no memory. */
al_strmap *al_strmap_new(void);
void al_strmap_free(al_strmap *m);

/* The index of key[0..len), adding it (with value 0) if absent: *added is
 * set to 1 then, to 0 if it was there (added may be NULL).  -1 on no
 * memory. */
long al_strmap_intern(al_strmap *m, const char *key, size_t len, int *added);

/* The index of key[0..len), or -1 if absent. */
long al_strmap_find(const al_strmap *m, const char *key, size_t len);

/* The number of keys. */
size_t al_strmap_count(const al_strmap *m);

/* Insert the NUL-terminated key with value v: 1 if inserted, 0 if it was
 * there already (*old, if old is not NULL, set to its value, which stays),
 * -1 on no memory. */
int al_strmap_put(al_strmap *m, const char *key, long v, long *old);

/* 1 and *v set if the NUL-terminated key is present, else 0. */
int al_strmap_get(const al_strmap *m, const char *key, long *v);

#endif
