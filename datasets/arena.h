/* arena.h: an arena for many small strings.
 *
 * The annotations of a dataset (questions, captions, answers) are kept
 * until their images arrive; the arena holds their text in 1 MiB blocks
 * (no per-string malloc); lib/strmap finds items by id or image name.
 */
#ifndef AL_ARENA_H
#define AL_ARENA_H

#include <stddef.h>

typedef struct al_arena al_arena;

al_arena *al_arena_new(void);
/* n bytes, 8-aligned, zeroed; NULL when memory runs out. */
void *al_arena_alloc(al_arena *a, size_t n);
/* A copy of s (NULL gives NULL; NULL also when memory runs out). */
char *al_arena_strdup(al_arena *a, const char *s);
void al_arena_free(al_arena *a);

#endif
