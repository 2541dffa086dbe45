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
	if (!(c->tokens = al_idmap_new())) {
		free(c);
		return NULL;
	}
	return c;
}

void al_captions_free(al_captions *c)
{
	if (!c)
		return;
	free(c->sents);
	free(c->images);
	free(c->toks.v);
	al_big_free(c->blk, c->blk_bytes);
	al_idmap_free(c->tokens);
	free(c);
}

size_t al_captions_count(const al_captions *c) { return c->nimages; }

static int pool_reserve(al_u32pool *p, size_t more)
{
	if (p->n + more <= p->cap)
		return 0;
	size_t cap = p->cap ? p->cap * 2 : 4096;
	while (cap < p->n + more)
		cap *= 2;
	uint32_t *v = realloc(p->v, cap * sizeof *v);
	if (!v)
		return -1;
	p->v = v;
	p->cap = cap;
	return 0;
}

int al_captions_reserve(al_captions *c, size_t images, size_t sentences,
			size_t tokens, al_err *e)
{
	if (pool_reserve(&c->toks, tokens) < 0)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	if (sentences > c->sents_cap) {
		al_sent *ns = realloc(c->sents, sentences * sizeof *ns);
		if (!ns)
			return al_err_set(e, AL_ENOMEM, "out of memory");
		c->sents = ns;
		c->sents_cap = sentences;
	}
	if (images > c->images_cap) {
		al_image *ni = realloc(c->images, images * sizeof *ni);
		if (!ni)
			return al_err_set(e, AL_ENOMEM, "out of memory");
		c->images = ni;
		c->images_cap = images;
	}
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

static int push_tok(al_captions *c, const char *s, size_t len)
{
	if (pool_reserve(&c->toks, 1) < 0)
		return -1;
	long id = al_idmap_intern(c->tokens, s, len, NULL);
	if (id < 0)
		return -1;
	c->toks.v[c->toks.n++] = (uint32_t)id;
	return 0;
}

/* str.split(): runs of whitespace separate, ends ignored. */
static int split_ws(al_captions *c, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		size_t w;
		if (is_ws(u[i])) {
			i++;
			continue;
		}
		if ((w = uspace(u + i, len - i))) {
			i += w;
			continue;
		}
		size_t start = i;
		while (i < len && !is_ws(u[i]) && !uspace(u + i, len - i))
			i++;
		if (push_tok(c, s + start, i - start) < 0)
			return -1;
	}
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
	if (c->nsents == c->sents_cap) {
		size_t cap = c->sents_cap ? c->sents_cap * 2 : 1024;
		al_sent *ns = realloc(c->sents, cap * sizeof *ns);
		if (!ns)
			return -1;
		c->sents = ns;
		c->sents_cap = cap;
	}
	al_sent *s = &c->sents[c->nsents++];
	memset(s, 0, sizeof *s);
	s->img = img;
	size_t len = strlen(text);
	s->tok = c->toks.n;
	if (split_ws(c, text, len) < 0)
		return -1;
	s->ntok = (uint32_t)(c->toks.n - s->tok);
	/* split(" ") equals split() unless the text has other whitespace,
	 * doubled spaces, spaces at an end, or is empty. */
	int same = text[0] != 0 && text[0] != ' ';
	for (const char *p = text; *p && same; p++) {
		unsigned char ch = (unsigned char)*p;
		if ((is_ws(ch) && ch != ' ') || (ch == ' ' && (p[1] == ' ' || p[1] == 0)) ||
		    ch == 0xc2 || ch == 0xe1 || ch == 0xe2 || ch == 0xe3)
			same = 0;
	}
	if (same) {
		s->rtok = s->tok;
		s->nrtok = s->ntok;
	} else {
		s->rtok = c->toks.n;
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
	if (c->nimages == c->images_cap) {
		size_t cap = c->images_cap ? c->images_cap * 2 : 1024;
		al_image *ni = realloc(c->images, cap * sizeof *ni);
		if (!ni)
			return al_err_set(e, AL_ENOMEM, "out of memory");
		c->images = ni;
		c->images_cap = cap;
	}
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
	size_t S = c->nsents, V = al_idmap_count(c->tokens), n[AL_CAP_N + 1] = {0};
	c->maxocc = 1;
	for (size_t s = 0; s < S; s++) {
		al_sent *st = &c->sents[s];
		size_t m = 0;
		for (int k = 1; k <= AL_CAP_N; k++) {
			st->occ[k] = n[k];
			n[k] += occ(st->ntok, k);
			m += occ(st->ntok, k);
		}
		if (m > c->maxocc)
			c->maxocc = m;
	}
	/* kept: occurrence ids, document frequencies, stamp and slot */
	size_t keep = (n[1] + n[2] + n[3] + n[4] + 4) + 3 * ((V + 1) + (n[2] + n[3] + n[4] + 3));
	c->blk_bytes = keep * sizeof(uint32_t);
	uint32_t *q = c->blk = al_big_alloc(c->blk_bytes);
	/* scratch for the counting: prefix, last token, image, order, counts,
	 * last image, token stamp and id */
	size_t sw = 5 * (n[1] + 1) + (n[1] + V + 1) + 2 * (V + 1);
	uint32_t *scr = al_big_alloc(sw * sizeof(uint32_t)), *sq = scr;
	if (!q || !scr) {
		al_big_free(scr, sw * sizeof(uint32_t));
		return al_err_set(e, AL_ENOMEM, "out of memory");
	}
#define TAKE(p, from, nw) do { (p) = (from); (from) += (nw); } while (0)
	uint32_t **ids = c->occ_id, **df = c->df;
	for (int k = 1; k <= AL_CAP_N; k++)
		TAKE(ids[k], q, n[k] + 1);
	TAKE(df[1], q, V + 1);
	for (int k = 2; k <= AL_CAP_N; k++)
		TAKE(df[k], q, n[k] + 1);
	for (int k = 1; k <= AL_CAP_N; k++) {
		c->nstamp[k] = (k == 1 ? V : n[k]) + 1;
		TAKE(c->stamp[k], q, c->nstamp[k]);
		TAKE(c->slot[k], q, c->nstamp[k]);
	}
	uint32_t *P, *T, *IMG, *ord, *cnt, *last, *tstamp, *tid;
	TAKE(P, sq, n[1] + 1);
	TAKE(T, sq, n[1] + 1);
	TAKE(IMG, sq, n[1] + 1);
	TAKE(ord, sq, n[1] + 1);
	TAKE(cnt, sq, n[1] + 1);
	TAKE(last, sq, n[1] + V + 1);
	TAKE(tstamp, sq, V + 1);
	TAKE(tid, sq, V + 1);
#undef TAKE
	/* 1-grams: the token ids themselves */
	size_t o = 0;
	for (size_t s = 0; s < S; s++) {
		const al_sent *st = &c->sents[s];
		const uint32_t *tok = SENT_TOK(c, st);
		for (uint32_t i = 0; i < st->ntok; i++) {
			uint32_t t = tok[i];
			ids[1][o++] = t;
			if (st->img && last[t] != st->img) {
				last[t] = st->img;
				df[1][t]++;
			}
		}
	}
	size_t U = V;   /* distinct ids of the previous order */
	for (int k = 2; k <= AL_CAP_N; k++) {
		/* the k-gram occurrences: prefix id, last token, image */
		o = 0;
		for (size_t s = 0; s < S; s++) {
			const al_sent *st = &c->sents[s];
			const uint32_t *tok = SENT_TOK(c, st), *prev = ids[k - 1] + st->occ[k - 1];
			size_t m = occ(st->ntok, k);
			for (size_t i = 0; i < m; i++, o++) {
				P[o] = prev[i];
				T[o] = tok[i + k - 1];
				IMG[o] = st->img;
			}
		}
		/* stable counting sort by prefix id */
		memset(cnt, 0, (U + 1) * sizeof *cnt);
		for (o = 0; o < n[k]; o++)
			cnt[P[o] + 1]++;
		for (size_t p = 1; p <= U; p++)
			cnt[p] += cnt[p - 1];
		for (o = 0; o < n[k]; o++)
			ord[cnt[P[o]]++] = (uint32_t)o;
		/* number the distinct last tokens of each prefix group; the
		 * group is in corpus order, so images come in order */
		uint32_t u = 0, gen = 0;
		for (size_t a = 0; a < n[k];) {
			uint32_t p = P[ord[a]];
			gen++;
			for (; a < n[k] && P[ord[a]] == p; a++) {
				uint32_t oc = ord[a], t = T[oc];
				if (tstamp[t] != gen) {
					tstamp[t] = gen;
					tid[t] = u;
					last[u] = 0;
					u++;
				}
				uint32_t id = tid[t];
				ids[k][oc] = id;
				if (IMG[oc] && last[id] != IMG[oc]) {
					last[id] = IMG[oc];
					df[k][id]++;
				}
			}
		}
		memset(tstamp, 0, (V + 1) * sizeof *tstamp);
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
		const uint32_t *ids = c->occ_id[k] + s->occ[k], *df = c->df[k];
		uint32_t gen = ++c->gen, *stamp = c->stamp[k], *slot = c->slot[k];
		if (gen == 0) {   /* wrapped: clear the marks */
			for (int j = 1; j <= AL_CAP_N; j++)
				memset(c->stamp[j], 0, c->nstamp[j] * sizeof *stamp);
			gen = c->gen = 1;
		}
		g->gen[k - 1] = gen;
		for (size_t i = 0; i < nq; i++) {
			uint32_t id = ids[i];
			if (stamp[id] == gen) {
				g->cnt[slot[id]]++;
				continue;
			}
			stamp[id] = gen;
			slot[id] = m;
			g->id[m] = id;
			g->cnt[m] = 1;
			g->df[m] = df[id];
			m++;
		}
	}
	g->first[AL_CAP_N] = m;
	g->n = m;
}
