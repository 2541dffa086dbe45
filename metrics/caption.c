/* caption.c: the caption corpus shared by CIDEr-D, BLEU and ROUGE-L.
 *
 * Adding a caption only splits it into interned tokens.  The n-grams are
 * counted once, order by order, without hashing them: a k-gram is the pair
 * (id of its (k-1)-gram prefix, last token), so sorting the k-gram
 * occurrences by prefix id (a stable counting sort) and numbering the
 * distinct last tokens within each prefix group gives every distinct
 * k-gram an exact id, and its document frequency (the images whose
 * references have it) by counting image changes in the group.  Each
 * sentence then gets its distinct n-grams in the order Python's precook()
 * first meets them. */
#include "caption_impl.h"

#include <stdlib.h>
#include <string.h>

al_captions *al_captions_new(void)
{
	al_captions *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	if (!(c->tokens = al_strmap_new())) {
		free(c);
		return NULL;
	}
	return c;
}

void al_captions_free(al_captions *c)
{
	if (!c)
		return;
	al_big_free(c->sents, c->sents_cap * sizeof *c->sents);
	al_big_free(c->images, c->images_cap * sizeof *c->images);
	al_big_free(c->toks.v, c->toks.cap * sizeof *c->toks.v);
	al_big_free(c->blk, c->blk_bytes);
	al_strmap_free(c->tokens);
	free(c);
}

/* The corpus counts tokens and n-gram occurrences in 32 bits. */
enum { MAX_TOKENS = 0xfffffff0u };

static int pool_reserve(al_u32pool *p, size_t more)
{
	if (p->n + more > MAX_TOKENS)
		return p->n + more <= p->cap ? 0 : -1;
	return al_big_grow((void **)&p->v, &p->cap, p->n + more, sizeof *p->v, NULL);
}

static int sents_reserve(al_captions *c, size_t want)
{
	return al_big_grow((void **)&c->sents, &c->sents_cap, want, sizeof *c->sents, NULL);
}

static int images_reserve(al_captions *c, size_t want)
{
	return al_big_grow((void **)&c->images, &c->images_cap, want, sizeof *c->images, NULL);
}

int al_captions_reserve(al_captions *c, size_t images, size_t sentences,
			size_t tokens, al_err *e)
{
	if (pool_reserve(&c->toks, tokens) < 0 || sents_reserve(c, sentences) < 0 ||
	    images_reserve(c, images) < 0)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	return 0;
}

static int is_ws(unsigned char ch)
{
	return ch == ' ' || (ch >= 9 && ch <= 13) || (ch >= 0x1c && ch <= 0x1f);
}

/* Length of a multi-byte Unicode space at s (0 if none): U+0085, U+00A0,
 * U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000. */
static size_t uspace(const unsigned char *s, size_t left)
{
	if (s[0] < 0xc2)
		return 0;
	if (left >= 2 && s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
		return 2;
	if (left < 3)
		return 0;
	if (s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80)
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x80 &&
	    (s[2] <= 0x8a || s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf))
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f)
		return 3;
	if (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	return 0;
}

/* Append the id of token s[0..len) (room reserved by the caller). */
static int push_tok(al_captions *c, const char *s, size_t len)
{
	long id = al_strmap_intern(c->tokens, s, len, NULL);
	if (id < 0)
		return -1;
	c->toks.v[c->toks.n++] = (uint32_t)id;
	return 0;
}

/* Byte classes for str.split(): 0 inside a token, 1 ASCII whitespace, 2 a
 * lead byte of a possible multi-byte Unicode space. */
static unsigned char byte_class(unsigned char ch)
{
	if (is_ws(ch))
		return 1;
	return ch == 0xc2 || ch == 0xe1 || ch == 0xe2 || ch == 0xe3 ? 2 : 0;
}

/* str.split(): runs of whitespace separate, ends ignored.  *single set to
 * 1 if every separator is one ASCII space between two tokens (then
 * split(" ") gives the same tokens). */
static int split_ws(al_captions *c, const char *s, size_t len, int *single)
{
	static unsigned char cls[256];
	if (!cls[' '])
		for (int i = 0; i < 256; i++)
			cls[i] = byte_class((unsigned char)i);
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	int one = len > 0;
	while (i < len) {
		size_t w;
		if (cls[u[i]] == 1) {
			if (u[i] != ' ' || i == 0 || i + 1 == len || cls[u[i + 1]] == 1)
				one = 0;
			i++;
			continue;
		}
		if (cls[u[i]] == 2 && (w = uspace(u + i, len - i))) {
			one = 0;
			i += w;
			continue;
		}
		size_t start = i;
		for (i++; i < len; i++) {
			unsigned char k = cls[u[i]];
			if (k == 1 || (k == 2 && uspace(u + i, len - i)))
				break;
		}
		if (push_tok(c, s + start, i - start) < 0)
			return -1;
	}
	*single = one;
	return 0;
}

/* str.split(" "): every single space separates, empty pieces kept. */
static int split_space(al_captions *c, const char *s)
{
	for (;;) {
		const char *sp = strchr(s, ' ');
		size_t len = sp ? (size_t)(sp - s) : strlen(s);
		if (push_tok(c, s, len) < 0)
			return -1;
		if (!sp)
			return 0;
		s = sp + 1;
	}
}

static int add_sent(al_captions *c, const char *text, uint32_t img)
{
	size_t len = strlen(text);
	/* room for both splits: at most len / 2 + 1 and len + 1 pieces */
	if (sents_reserve(c, c->nsents + 1) < 0 || pool_reserve(&c->toks, len / 2 + len + 3) < 0)
		return -1;
	al_sent *s = &c->sents[c->nsents++];
	memset(s, 0, sizeof *s);
	s->img = img;
	s->tok = (uint32_t)c->toks.n;
	int single;
	if (split_ws(c, text, len, &single) < 0)
		return -1;
	s->ntok = (uint32_t)(c->toks.n - s->tok);
	/* split(" ") equals split() unless the text has other whitespace,
	 * doubled spaces, spaces at an end, or is empty. */
	if (single) {
		s->rtok = s->tok;
		s->nrtok = s->ntok;
	} else {
		s->rtok = (uint32_t)c->toks.n;
		if (split_space(c, text) < 0)
			return -1;
		s->nrtok = (uint32_t)(c->toks.n - s->rtok);
	}
	return 0;
}

int al_captions_add(al_captions *c, const char *cand, const char *const *refs,
		    size_t nrefs, al_err *e)
{
	if (nrefs == 0)
		return al_err_set(e, AL_EINVAL, "image %zu: no reference captions",
				  c->nimages + 1);
	if (c->prepared)
		return al_err_set(e, AL_EINVAL, "captions added after scoring");
	if (images_reserve(c, c->nimages + 1) < 0)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	al_image *im = &c->images[c->nimages];
	im->cand = c->nsents;
	im->nrefs = nrefs;
	uint32_t img = (uint32_t)c->nimages + 1;
	if (add_sent(c, cand ? cand : "", 0) < 0)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	for (size_t r = 0; r < nrefs; r++)
		if (add_sent(c, refs[r] ? refs[r] : "", img) < 0)
			return al_err_set(e, AL_ENOMEM, "out of memory");
	c->nimages++;
	return 0;
}

static size_t occ(uint32_t ntok, int k)
{
	return ntok >= (uint32_t)k ? ntok - k + 1 : 0;
}

int al_captions_prepare(al_captions *c, al_err *e)
{
	if (c->prepared)
		return 0;
	size_t S = c->nsents, V = al_strmap_count(c->tokens), n[AL_CAP_N + 1] = {0};
	c->maxocc = 1;
	for (size_t s = 0; s < S; s++) {
		al_sent *st = &c->sents[s];
		size_t m = 0;
		for (int k = 1; k <= AL_CAP_N; k++) {
			st->occ[k] = (uint32_t)n[k];
			n[k] += occ(st->ntok, k);
			m += occ(st->ntok, k);
		}
		if (m > c->maxocc)
			c->maxocc = m;
	}
	/* kept: occurrence ids, then the marks (V 1-grams, at most n[k]
	 * k-grams; only the first of them are touched) */
	size_t nids = n[1] + n[2] + n[3] + n[4] + 4;
	for (int k = 1; k <= AL_CAP_N; k++)
		c->nmark[k] = (k == 1 ? V : n[k]) + 1;
	size_t nmarks = c->nmark[1] + c->nmark[2] + c->nmark[3] + c->nmark[4];
	nids = (nids + 3) & ~(size_t)3;
	c->blk_bytes = nids * sizeof(uint32_t) + nmarks * sizeof(al_mark);
	uint32_t *q = c->blk = al_big_alloc(c->blk_bytes);
	/* scratch: per prefix a count, the occurrences grouped by prefix
	 * (last token, image, occurrence), per id the last image and the
	 * document frequency, a token stamp and id */
	size_t sw = 2 * (n[1] + 1) + 3 * (n[1] + 1) + (n[1] + V + 1) + 2 * (V + 1);
	uint32_t *scr = al_big_alloc(sw * sizeof(uint32_t)), *sq = scr;
	if (!q || !scr) {
		al_big_free(scr, sw * sizeof(uint32_t));
		return al_err_set(e, AL_ENOMEM, "out of memory");
	}
#define TAKE(p, from, nw) do { (p) = (from); (from) += (nw); } while (0)
	uint32_t **ids = c->occ_id;
	for (int k = 1; k <= AL_CAP_N; k++)
		TAKE(ids[k], q, n[k] + 1);
	al_mark *mq = (al_mark *)((uint32_t *)c->blk + nids);
	for (int k = 1; k <= AL_CAP_N; k++)
		TAKE(c->mark[k], mq, c->nmark[k]);
	uint32_t *cnt, *rec, *last, *dft, *tstamp, *tid;
	TAKE(cnt, sq, n[1] + 1);
	TAKE(dft, sq, n[1] + 1);
	TAKE(rec, sq, 3 * (n[1] + 1));
	TAKE(last, sq, n[1] + V + 1);
	TAKE(tstamp, sq, V + 1);
	TAKE(tid, sq, V + 1);
#undef TAKE
	/* 1-grams: the token ids themselves */
	al_mark *m1 = c->mark[1];
	size_t o = 0;
	for (size_t s = 0; s < S; s++) {
		const al_sent *st = &c->sents[s];
		const uint32_t *tok = SENT_TOK(c, st);
		for (uint32_t i = 0; i < st->ntok; i++) {
			uint32_t t = tok[i];
			ids[1][o++] = t;
			if (st->img && last[t] != st->img) {
				last[t] = st->img;
				m1[t].df++;
			}
		}
	}
	size_t U = V;   /* distinct ids of the previous order */
	for (int k = 2; k <= AL_CAP_N; k++) {
		/* a stable counting sort of the k-gram occurrences by the id
		 * of their (k-1)-gram prefix: count, then place each one's
		 * last token, image and index */
		memset(cnt, 0, (U + 1) * sizeof *cnt);
		for (size_t s = 0; s < S; s++) {
			const al_sent *st = &c->sents[s];
			const uint32_t *prev = ids[k - 1] + st->occ[k - 1];
			size_t m = occ(st->ntok, k);
			for (size_t i = 0; i < m; i++)
				cnt[prev[i] + 1]++;
		}
		for (size_t p = 1; p <= U; p++)
			cnt[p] += cnt[p - 1];
		for (size_t s = 0; s < S; s++) {
			const al_sent *st = &c->sents[s];
			const uint32_t *tok = SENT_TOK(c, st), *prev = ids[k - 1] + st->occ[k - 1];
			size_t m = occ(st->ntok, k);
			uint32_t oc = (uint32_t)st->occ[k];
			for (size_t i = 0; i < m; i++) {
				uint32_t *r = rec + 3 * (size_t)cnt[prev[i]]++;
				r[0] = tok[i + k - 1];
				r[1] = st->img;
				r[2] = oc + (uint32_t)i;
			}
		}
		/* number the distinct last tokens of each prefix group (now
		 * cnt[p - 1] .. cnt[p]); a group is in corpus order, so its
		 * images come in order */
		al_mark *mk = c->mark[k];
		uint32_t u = 0, gen = 0;
		size_t a = 0;
		for (size_t p = 0; p < U; p++) {
			size_t end = cnt[p];
			if (a == end)
				continue;
			gen++;
			for (; a < end; a++) {
				const uint32_t *r = rec + 3 * a;
				uint32_t t = r[0], img = r[1];
				if (tstamp[t] != gen) {
					tstamp[t] = gen;
					tid[t] = u;
					last[u] = 0;
					dft[u] = 0;
					u++;
				}
				uint32_t id = tid[t];
				ids[k][r[2]] = id;
				if (img && last[id] != img) {
					last[id] = img;
					dft[id]++;
				}
			}
		}
		memset(tstamp, 0, (V + 1) * sizeof *tstamp);
		/* renumber the k-grams in the order the corpus first meets
		 * them (as the tokens are): an image's n-grams then sit
		 * together, and so do their marks */
		uint32_t *ik = ids[k], *remap = cnt, next = 0;
		memset(remap, 0, u * sizeof *remap);
		for (o = 0; o < n[k]; o++) {
			uint32_t id = ik[o], r = remap[id];
			if (!r) {
				r = remap[id] = ++next;
				mk[r - 1].df = dft[id];
			}
			ik[o] = r - 1;
		}
		U = u;
	}
	al_big_free(scr, sw * sizeof(uint32_t));
	c->prepared = 1;
	return 0;
}

int al_ngrams_alloc(const al_captions *c, al_ngrams *g)
{
	size_t m = c->maxocc + 1;
	memset(g, 0, sizeof *g);
	g->id = malloc(3 * m * sizeof *g->id);
	if (!g->id)
		return -1;
	g->cnt = g->id + m;
	g->df = g->cnt + m;
	return 0;
}

void al_ngrams_free(al_ngrams *g)
{
	free(g->id);
	memset(g, 0, sizeof *g);
}

void al_captions_ngrams(al_captions *c, const al_sent *s, al_ngrams *g)
{
	uint32_t m = 0;
	for (int k = 1; k <= AL_CAP_N; k++) {
		g->first[k - 1] = m;
		size_t nq = occ(s->ntok, k);
		const uint32_t *ids = c->occ_id[k] + s->occ[k];
		uint32_t gen = ++c->gen;
		al_mark *mark = c->mark[k];
		if (gen == 0) {   /* wrapped: clear the marks */
			for (int j = 1; j <= AL_CAP_N; j++)
				for (size_t i = 0; i < c->nmark[j]; i++)
					c->mark[j][i].gen = 0;
			gen = c->gen = 1;
		}
		g->gen[k - 1] = gen;
		for (size_t i = 0; i < nq; i++) {
			al_mark *mi = &mark[ids[i]];
			if (mi->gen == gen) {
				g->cnt[mi->slot]++;
				continue;
			}
			mi->gen = gen;
			mi->slot = m;
			g->id[m] = ids[i];
			g->cnt[m] = 1;
			g->df[m] = mi->df;
			m++;
		}
	}
	g->first[AL_CAP_N] = m;
	g->n = m;
}
