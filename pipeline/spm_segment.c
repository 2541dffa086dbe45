/* spm_segment.c: the model algorithms over normalized text: unigram (the
 * best-scoring path, computed as the reference's optimized encoder does,
 * floats and all), BPE (the best-scoring adjacent pair merged first, unused
 * merges split back), char and word. */
#include "spm_impl.h"

#include <stdlib.h>
#include <string.h>

int al_spm_i_raw_push(scratch *s, int32_t id, size_t off, size_t len)
{
	if (s->raw_n == s->raw_cap) {   /* three arrays of one length */
		size_t ci = s->raw_cap, co = s->raw_cap, cl = s->raw_cap, need = s->raw_n + 1;
		if (al_grow((void **)&s->raw_ids, &ci, need, sizeof *s->raw_ids, NULL) < 0 ||
		    al_grow((void **)&s->raw_off, &co, need, sizeof *s->raw_off, NULL) < 0 ||
		    al_grow((void **)&s->raw_len, &cl, need, sizeof *s->raw_len, NULL) < 0)
			return AL_ENOMEM;
		s->raw_cap = ci;
	}
	s->raw_ids[s->raw_n] = id;
	s->raw_off[s->raw_n] = (uint32_t)off;
	s->raw_len[s->raw_n] = (uint32_t)len;
	s->raw_n++;
	return 0;
}

/* ---- unigram: the best path, one pass over byte positions ---- */

int al_spm_i_unigram(const al_spm *sp, const char *text, size_t size, scratch *s)
{
	const unsigned char *u = (const unsigned char *)text;
	const al_spm_piece *pieces = sp->m->pieces;
	const al_spm_trie *trie = sp->pieces;
	if (al_grow((void **)&s->best, &s->best_cap, size + 1, sizeof *s->best, NULL))
		return AL_ENOMEM;
	best_node *best = s->best;
	for (size_t i = 0; i <= size; i++) {
		best[i].score = 0;
		best[i].start = -1;
		best[i].id = -1;
	}
	const float unk_score = sp->min_score - 10.0f;
	size_t at = 0;
	while (at < size) {
		const float here = best[at].score;
		size_t mblen = al_spm_char_len(u[at]);
		if (mblen > size - at)
			mblen = size - at;
		int single = 0;
		int32_t st = 0;
		for (size_t k = at; k < size;) {
			st = al_spm_trie_next(trie, st, u[k]);
			if (st < 0)
				break;
			k++;
			int32_t id = al_spm_trie_value(trie, st);
			if (id < 0)
				continue;
			int type = pieces[id].type;
			if (type == AL_SPM_UNUSED)
				continue;
			size_t length = k - at;
			/* The reference computes in double and keeps floats. */
			double score = type == AL_SPM_USER_DEFINED
				? (double)((float)length * sp->max_score) - 0.1
				: (double)pieces[id].score;
			double cand = score + (double)here;
			best_node *b = &best[k];
			if (b->start == -1 || cand > (double)b->score) {
				b->score = (float)cand;
				b->start = (int32_t)at;
				b->id = id;
			}
			if (length == mblen)
				single = 1;
		}
		if (!single) {
			best_node *b = &best[at + mblen];
			float cand = unk_score + here;
			if (b->start == -1 || cand > b->score) {
				b->score = cand;
				b->start = (int32_t)at;
				b->id = sp->unk_id;
			}
		}
		at += mblen;
	}
	/* Backtrack, writing the path reversed, then turn it around. */
	s->raw_n = 0;
	size_t end = size;
	while (end > 0) {
		const best_node *b = &best[end];
		if (b->start < 0)
			break;   /* cannot happen: every character is reachable */
		if (al_spm_i_raw_push(s, b->id, (size_t)b->start, end - (size_t)b->start))
			return AL_ENOMEM;
		end = (size_t)b->start;
	}
	for (size_t i = 0, j = s->raw_n; i + 1 < j; i++, j--) {
		int32_t ti = s->raw_ids[i]; s->raw_ids[i] = s->raw_ids[j - 1]; s->raw_ids[j - 1] = ti;
		uint32_t to = s->raw_off[i]; s->raw_off[i] = s->raw_off[j - 1]; s->raw_off[j - 1] = to;
		uint32_t tl = s->raw_len[i]; s->raw_len[i] = s->raw_len[j - 1]; s->raw_len[j - 1] = tl;
	}
	return 0;
}

/* ---- BPE: merge the best-scoring adjacent pair until none is a piece ---- */

static int pair_before(const pair *a, const pair *b)
{
	return a->score > b->score || (a->score == b->score && a->left < b->left);
}

static int heap_push(scratch *s, pair p)
{
	if (al_grow((void **)&s->heap, &s->heap_cap, s->heap_n + 1, sizeof *s->heap, NULL))
		return AL_ENOMEM;
	size_t i = s->heap_n++;
	while (i > 0) {
		size_t up = (i - 1) / 2;
		if (!pair_before(&p, &s->heap[up]))
			break;
		s->heap[i] = s->heap[up];
		i = up;
	}
	s->heap[i] = p;
	return 0;
}

static pair heap_pop(scratch *s)
{
	pair top = s->heap[0];
	pair last = s->heap[--s->heap_n];
	size_t i = 0, n = s->heap_n;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && pair_before(&s->heap[c + 1], &s->heap[c]))
			c++;
		if (!pair_before(&s->heap[c], &last))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (n)
		s->heap[i] = last;
	return top;
}

static int maybe_add_pair(const al_spm *sp, const char *text, scratch *s,
			  int32_t left, int32_t right)
{
	if (left < 0 || right < 0 || s->sym[left].freeze || s->sym[right].freeze)
		return 0;
	uint32_t size = s->sym[left].len + s->sym[right].len;
	int32_t id = al_spm_trie_find(sp->pieces, text + s->sym[left].off, size);
	if (id < 0)
		return 0;
	pair p = {sp->m->pieces[id].score, left, right, size};
	if (heap_push(s, p))
		return AL_ENOMEM;
	if (sp->m->pieces[id].type == AL_SPM_UNUSED) {
		if (s->rev_left[id] < 0) {
			if (al_grow((void **)&s->touched, &s->touched_cap, s->ntouched + 1,
				    sizeof *s->touched, NULL))
				return AL_ENOMEM;
			s->touched[s->ntouched++] = id;
		}
		s->rev_left[id] = (int32_t)s->sym[left].len;
	}
	return 0;
}

static int resegment(const al_spm *sp, const char *text, scratch *s, size_t off,
		     size_t len)
{
	int id = al_spm_piece_id(sp, text + off, len);
	if (sp->m->pieces[id].type != AL_SPM_UNUSED || s->rev_left[id] < 0)
		return al_spm_i_raw_push(s, id, off, len);
	size_t l = (size_t)s->rev_left[id];
	int rc = resegment(sp, text, s, off, l);
	return rc ? rc : resegment(sp, text, s, off + l, len - l);
}

static size_t split_char(const al_spm *sp, const char *text, size_t left, int *freeze)
{
	*freeze = 0;
	if (sp->user) {
		size_t m = al_spm_trie_longest(sp->user, text, left, NULL);
		if (m) {
			*freeze = 1;
			return m;
		}
	}
	size_t m = al_spm_char_len((unsigned char)text[0]);
	return m < left ? m : left;
}

int al_spm_i_bpe(const al_spm *sp, const char *text, size_t size, scratch *s)
{
	s->raw_n = 0;
	if (!s->rev_left || s->npieces != sp->m->npieces) {
		free(s->rev_left);
		s->npieces = sp->m->npieces;
		if (!(s->rev_left = malloc(s->npieces * sizeof *s->rev_left)))
			return AL_ENOMEM;
		for (size_t i = 0; i < s->npieces; i++)
			s->rev_left[i] = -1;
	}
	size_t n = 0;
	for (size_t at = 0; at < size; n++) {
		if (al_grow((void **)&s->sym, &s->sym_cap, n + 1, sizeof *s->sym, NULL))
			return AL_ENOMEM;
		symbol *y = &s->sym[n];
		size_t m = split_char(sp, text + at, size - at, &y->freeze);
		y->off = (uint32_t)at;
		y->len = (uint32_t)m;
		y->prev = (int32_t)n - 1;
		at += m;
		y->next = at < size ? (int32_t)n + 1 : -1;
	}
	if (n == 0)
		return 0;
	s->heap_n = 0;
	int rc = 0;
	for (size_t i = 1; i < n && !rc; i++)
		rc = maybe_add_pair(sp, text, s, (int32_t)i - 1, (int32_t)i);
	while (!rc && s->heap_n > 0) {
		pair top = heap_pop(s);
		symbol *l = &s->sym[top.left], *r = &s->sym[top.right];
		if (l->len == 0 || r->len == 0 || l->len + r->len != top.size)
			continue;
		l->len += r->len;
		l->next = r->next;
		if (r->next >= 0)
			s->sym[r->next].prev = top.left;
		r->len = 0;
		rc = maybe_add_pair(sp, text, s, l->prev, top.left);
		if (!rc)
			rc = maybe_add_pair(sp, text, s, top.left, l->next);
	}
	for (int32_t i = 0; !rc && i != -1; i = s->sym[i].next)
		rc = resegment(sp, text, s, s->sym[i].off, s->sym[i].len);
	for (size_t i = 0; i < s->ntouched; i++)
		s->rev_left[s->touched[i]] = -1;
	s->ntouched = 0;
	return rc;
}

/* ---- char: one piece per character (or user-defined piece) ---- */

int al_spm_i_char(const al_spm *sp, const char *text, size_t size, scratch *s)
{
	s->raw_n = 0;
	for (size_t at = 0; at < size;) {
		int freeze;
		size_t m = split_char(sp, text + at, size - at, &freeze);
		int rc = al_spm_i_raw_push(s, al_spm_piece_id(sp, text + at, m), at, m);
		if (rc)
			return rc;
		at += m;
	}
	return 0;
}

/* ---- word: split before each U+2581 (after, with whitespace as suffix) ---- */

static int is_ws(const char *s, size_t left, size_t mblen)
{
	return mblen == 3 && left >= 3 && memcmp(s, "\xe2\x96\x81", 3) == 0;
}

int al_spm_i_word(const al_spm *sp, const char *text, size_t size, scratch *s)
{
	/* SentencePiece 0.1.97 splits words without allow_whitespace_only_pieces */
	int allow = 0;
	size_t start = 0, at = 0;
	int in_ws = 0, rc = 0;
	s->raw_n = 0;
	if (sp->m->treat_whitespace_as_suffix) {
		while (at < size && !rc) {
			size_t mb = al_spm_char_len((unsigned char)text[at]);
			if (mb > size - at)
				mb = size - at;
			int ws = is_ws(text + at, size - at, mb);
			if (ws) {
				in_ws = 1;
			} else if (in_ws) {
				if (allow && at > start) {
					rc = al_spm_i_raw_push(s, al_spm_piece_id(sp, text + start, at - start),
						      start, at - start);
					start = at;
				}
				in_ws = 0;
			}
			at += mb;
			if (at < size && ws && !allow && !rc) {
				rc = al_spm_i_raw_push(s, al_spm_piece_id(sp, text + start, at - start),
					      start, at - start);
				start = at;
			}
		}
	} else {
		while (at < size && !rc) {
			size_t mb = al_spm_char_len((unsigned char)text[at]);
			if (mb > size - at)
				mb = size - at;
			int ws = is_ws(text + at, size - at, mb);
			if (at == 0 || (ws && (!in_ws || !allow))) {
				if (at > start)
					rc = al_spm_i_raw_push(s, al_spm_piece_id(sp, text + start, at - start),
						      start, at - start);
				start = at;
				in_ws = 1;
			}
			if (in_ws && !ws)
				in_ws = 0;
			at += mb;
		}
	}
	if (!rc && size > start)
		rc = al_spm_i_raw_push(s, al_spm_piece_id(sp, text + start, size - start), start,
			      size - start);
	return rc;
}

