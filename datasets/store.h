/* store.h: an arena for many small strings and a string-keyed hash map.
 *
 * The annotations of a dataset (questions, captions, answers) are kept
 * until their images arrive; the arena holds their text in 1 MiB blocks
 * (no per-string malloc), the map finds items by id or image name.
 */
#ifndef AL_STORE_H
#define AL_STORE_H

#include <stddef.h>

typedef struct al_arena al_arena;

al_arena *al_arena_new(void);
/* n bytes, 8-aligned, zeroed; NULL when memory runs out. */
void *al_arena_alloc(al_arena *a, size_t n);
/* A copy of s (NULL gives NULL; NULL also when memory runs out). */
char *al_arena_strdup(al_arena *a, const char *s);
size_t al_arena_bytes(const al_arena *a);
void al_arena_free(al_arena *a);

typedef struct al_dmap al_dmap;

/* A map from strings (copied into its own arena) to long values. */
al_dmap *al_dmap_new(void);
/* Insert key with value v.  Returns 1 if inserted, 0 if the key was there
 * already (*old set to its value, which is left unchanged), -1 on ENOMEM. */
int al_dmap_put(al_dmap *m, const char *key, long v, long *old);
/* Set *v and return 1 if key is present, else 0. */
int al_dmap_get(const al_dmap *m, const char *key, long *v);
/* Replace the value of a present key; 0 if absent. */
int al_dmap_set(al_dmap *m, const char *key, long v);
size_t al_dmap_count(const al_dmap *m);
void al_dmap_free(al_dmap *m);

#endif
