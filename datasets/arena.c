/* arena.c: strings in blocks freed together (see arena.h). */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK = 1 << 20 };

typedef struct block {
	struct block *prev;
	size_t used, size;
	_Alignas(8) unsigned char data[];
} block;

struct al_arena {
	block *cur;
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
