/* caption_impl.h: the corpus layout shared by caption.c, cider.c, bleu.c
 * and rouge.c; not a public header. */
#ifndef AL_CAPTION_IMPL_H
#define AL_CAPTION_IMPL_H

#include <stdint.h>

#include "caption.h"
#include "lib/array.h"
#include "lib/strmap.h"
#include "pynum.h"

enum { AL_CAP_N = 4 };

typedef struct al_sent {
	uint32_t tok;       /* offset in the token pool: ids, str.split() */
	uint32_t rtok;      /* str.split(" ") ids (may equal tok) */
	uint32_t ntok, nrtok;
	uint32_t img;       /* 1-based image of a reference, 0: a candidate */
	uint32_t occ[AL_CAP_N + 1]; /* offset of its k-gram occurrences */
} al_sent;

/* A sentence's distinct n-grams in the order precook() meets them: ids
 * (unique within their order), counts, document frequencies.  Until the
 * next sentence's n-grams are taken, the corpus's mark[k][id].gen ==
 * gen[k-1] says the sentence has k-gram id, at entry mark[k][id].slot. */
typedef struct al_ngrams {
	uint32_t *id, *cnt, *df;
	uint32_t n;
	uint32_t first[AL_CAP_N + 1]; /* first[k-1] .. first[k]: the k-grams */
	uint32_t gen[AL_CAP_N];
} al_ngrams;

/* Per distinct n-gram: its document frequency, and the mark of the last
 * sentence whose n-grams were taken (one cache line holds all three). */
typedef struct al_mark {
	uint32_t gen, slot, df, pad;
} al_mark;

typedef struct al_image {
	size_t cand;        /* index of the candidate in sents; refs follow */
	size_t nrefs;
} al_image;

/* A growing array of uint32_t. */
typedef struct al_u32pool {
	uint32_t *v;
	size_t n, cap;
} al_u32pool;

struct al_captions {
	al_strmap *tokens;   /* token text -> id */
	al_sent *sents;
	size_t nsents, sents_cap;
	al_image *images;
	size_t nimages, images_cap;
	al_u32pool toks;
	/* made by al_captions_prepare: every k-gram occurrence's id (exact,
	 * unique within order k), and every id's document frequency over the
	 * references and mark for al_captions_ngrams */
	int prepared;
	uint32_t *occ_id[AL_CAP_N + 1];
	al_mark *mark[AL_CAP_N + 1];
	size_t nmark[AL_CAP_N + 1];
	uint32_t gen;
	size_t maxocc;      /* the most occurrences in one sentence */
	void *blk;          /* all of the above in one block */
	size_t blk_bytes;
};

#define SENT_TOK(c, s) ((c)->toks.v + (s)->tok)
#define SENT_RTOK(c, s) ((c)->toks.v + (s)->rtok)

/* Count the n-grams of the corpus (once; later calls return at once).
 * Returns 0 or AL_ENOMEM. */
int al_captions_prepare(al_captions *c, al_err *e);

/* A buffer for the n-grams of any sentence of c (after prepare); free
 * with al_ngrams_free.  Returns 0 or -1 on no memory. */
int al_ngrams_alloc(const al_captions *c, al_ngrams *g);
void al_ngrams_free(al_ngrams *g);

/* Fill g with sentence s's distinct n-grams. */
void al_captions_ngrams(al_captions *c, const al_sent *s, al_ngrams *g);

/* The entry of order-k (0-based) n-gram id in g, the sentence whose
 * n-grams were taken last, or -1. */
static inline long al_ngrams_find(const al_captions *c, const al_ngrams *g, int k,
				  uint32_t id)
{
	const al_mark *m = &c->mark[k + 1][id];
	return m->gen == g->gen[k] ? (long)m->slot : -1;
}

#endif
