/* spm.c: the tokenizer: loading and checking a model, and encoding (the
 * segmentation itself is in spm_segment.c, decoding in spm_decode.c). */
#include "spm_impl.h"

#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- loading ---- */

static int fail_model(al_err *e, const char *name, const char *fmt, const char *piece,
		      size_t plen)
{
	char msg[400];
	snprintf(msg, sizeof msg, fmt, (int)(plen > 60 ? 60 : plen), piece);
	return al_err_set(e, AL_EFORMAT, "'%s': %s", name, msg);
}

int al_spm_i_byte_of_piece(const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	if (len != 6 || memcmp(s, "<0x", 3) != 0 || s[5] != '>')
		return -1;
	const char *h = strchr(hex, s[3]), *l = strchr(hex, s[4]);
	if (!h || !l || !s[3] || !s[4])
		return -1;
	return (int)((h - hex) * 16 + (l - hex));
}

int al_spm_piece_id(const al_spm *sp, const char *s, size_t len)
{
	int32_t v = al_spm_trie_find(sp->reserved, s, len);
	if (v >= 0)
		return v;
	v = al_spm_trie_find(sp->pieces, s, len);
	return v >= 0 ? v : sp->unk_id;
}

static int control_or_unk(const al_spm *sp, al_spm_str piece)
{
	int id = al_spm_piece_id(sp, piece.s, piece.len);
	return sp->m->pieces[id].type == AL_SPM_UNKNOWN ? -1 : id;
}

static int build_tries(al_spm *sp, al_err *e)
{
	const al_spm_model *m = sp->m;
	size_t n = m->npieces, nn = 0, nr = 0, nu = 0;
	const char **k = malloc(n * sizeof *k * 3);
	size_t *l = malloc(n * sizeof *l * 3);
	int32_t *v = malloc(n * sizeof *v * 3);
	int rc = AL_ENOMEM;
	if (!k || !l || !v) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		goto out;
	}
	const char **kn = k, **kr = k + n, **ku = k + 2 * n;
	size_t *ln = l, *lr = l + n, *lu = l + 2 * n;
	int32_t *vn = v, *vr = v + n, *vu = v + 2 * n;
	for (size_t i = 0; i < n; i++) {
		const al_spm_piece *p = &m->pieces[i];
		int t = p->type;
		if (t == AL_SPM_NORMAL || t == AL_SPM_USER_DEFINED || t == AL_SPM_UNUSED) {
			kn[nn] = p->str; ln[nn] = p->len; vn[nn++] = (int32_t)i;
		} else {
			kr[nr] = p->str; lr[nr] = p->len; vr[nr++] = (int32_t)i;
		}
		if (t == AL_SPM_USER_DEFINED) {
			ku[nu] = p->str; lu[nu] = p->len; vu[nu++] = (int32_t)i;
		}
	}
	if (!(sp->pieces = al_spm_trie_new(kn, ln, vn, nn, e)) ||
	    !(sp->reserved = al_spm_trie_new(kr, lr, vr, nr, e)) ||
	    (nu && !(sp->user = al_spm_trie_new(ku, lu, vu, nu, e)))) {
		rc = al_err_wrap(e, "'%s'", sp->name);
		if (e && e->code == AL_EINVAL)
			e->code = rc = AL_EFORMAT;
		goto out;
	}
	rc = 0;
out:
	free(k);
	free(l);
	free(v);
	return rc;
}

al_spm *al_spm_from_model(al_spm_model *m, const char *name, al_err *e)
{
	al_spm *sp = calloc(1, sizeof *sp);
	if (sp)
		sp->name = malloc(strlen(name) + 1);
	if (!sp || !sp->name) {
		free(sp);
		al_spm_model_free(m);
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	strcpy(sp->name, name);
	sp->m = m;
	sp->unk_id = -1;
	for (size_t i = 0; i < m->npieces; i++) {
		const al_spm_piece *p = &m->pieces[i];
		if (p->len == 0) {
			al_err_set(e, AL_EFORMAT, "'%s': piece %zu is empty", name, i);
			goto fail;
		}
		if (memchr(p->str, 0, p->len)) {
			al_err_set(e, AL_EFORMAT, "'%s': piece %zu holds a NUL byte", name, i);
			goto fail;
		}
		if (p->type == AL_SPM_UNKNOWN) {
			if (sp->unk_id >= 0) {
				fail_model(e, name, "a second unknown piece '%.*s'", p->str, p->len);
				goto fail;
			}
			sp->unk_id = (int)i;
		}
		if (p->type == AL_SPM_BYTE) {
			if (!m->byte_fallback) {
				fail_model(e, name, "byte piece '%.*s' in a model without "
					   "byte_fallback", p->str, p->len);
				goto fail;
			}
			if (al_spm_i_byte_of_piece(p->str, p->len) < 0) {
				fail_model(e, name, "byte piece '%.*s' is not <0xHH>", p->str, p->len);
				goto fail;
			}
		}
	}
	if (sp->unk_id < 0) {
		al_err_set(e, AL_EFORMAT, "'%s': no unknown piece (type 2); the "
			   "model is not usable", name);
		goto fail;
	}
	if (m->model_type < AL_SPM_UNIGRAM || m->model_type > AL_SPM_CHAR) {
		al_err_set(e, AL_EFORMAT, "'%s': model type %d is not one of 1 "
			   "(unigram), 2 (bpe), 3 (word), 4 (char)", name, m->model_type);
		goto fail;
	}
	if (build_tries(sp, e) < 0)
		goto fail;
	if (m->byte_fallback) {
		for (int b = 0; b < 256; b++) {
			char s[8];
			snprintf(s, sizeof s, "<0x%02X>", b);
			int32_t id = al_spm_trie_find(sp->reserved, s, 6);
			if (id < 0 || m->pieces[id].type != AL_SPM_BYTE) {
				al_err_set(e, AL_EFORMAT, "'%s': byte_fallback is on but "
					   "piece %s is missing", name, s);
				goto fail;
			}
			sp->byte_ids[b] = id;
		}
	}
	sp->min_score = FLT_MAX;
	sp->max_score = FLT_MIN;   /* as the reference: the least positive float */
	for (size_t i = 0; i < m->npieces; i++)
		if (m->pieces[i].type == AL_SPM_NORMAL) {
			if (m->pieces[i].score < sp->min_score)
				sp->min_score = m->pieces[i].score;
			if (m->pieces[i].score > sp->max_score)
				sp->max_score = m->pieces[i].score;
		}
	if (!(sp->norm = al_spm_norm_new(&m->norm, m->treat_whitespace_as_suffix,
					 sp->user, name, e)))
		goto fail;
	if (m->denorm.present && m->denorm.charsmap.len &&
	    !(sp->denorm = al_spm_norm_new(&m->denorm, 0, NULL, name, e)))
		goto fail;
	sp->bos_id = control_or_unk(sp, m->bos_piece);
	sp->eos_id = control_or_unk(sp, m->eos_piece);
	return sp;
fail:
	al_spm_free(sp);
	return NULL;
}

al_spm *al_spm_new(const char *path, al_err *e)
{
	al_spm_model *m = al_spm_model_load(path, e);
	return m ? al_spm_from_model(m, path, e) : NULL;
}

void al_spm_free(al_spm *sp)
{
	if (!sp)
		return;
	al_spm_trie_free(sp->pieces);
	al_spm_trie_free(sp->reserved);
	al_spm_trie_free(sp->user);
	al_spm_norm_free(sp->norm);
	al_spm_norm_free(sp->denorm);
	al_spm_model_free(sp->m);
	free(sp->name);
	free(sp);
}

const al_spm_model *al_spm_model_of(const al_spm *sp) { return sp->m; }
int al_spm_bos_id(const al_spm *sp) { return sp->bos_id; }
int al_spm_eos_id(const al_spm *sp) { return sp->eos_id; }
int al_spm_unk_id(const al_spm *sp) { return sp->unk_id; }

void al_spm_tokens_free(al_spm_tokens *t)
{
	scratch *s = t->scratch;
	if (s) {
		free(s->best);
		free(s->sym);
		free(s->heap);
		free(s->rev_left);
		free(s->touched);
		free(s->raw_ids);
		free(s->raw_off);
		free(s->raw_len);
		free(s);
	}
	free(t->ids);
	free(t->off);
	free(t->len);
	free(t->norm.s);
	memset(t, 0, sizeof *t);
}

static int tok_push(al_spm_tokens *t, int32_t id, uint32_t off, uint32_t len)
{
	if (t->n == t->cap) {   /* three arrays of one length */
		size_t ci = t->cap, co = t->cap, cl = t->cap;
		if (al_grow((void **)&t->ids, &ci, t->n + 1, sizeof *t->ids, NULL) < 0 ||
		    al_grow((void **)&t->off, &co, t->n + 1, sizeof *t->off, NULL) < 0 ||
		    al_grow((void **)&t->len, &cl, t->n + 1, sizeof *t->len, NULL) < 0)
			return AL_ENOMEM;
		t->cap = ci;
	}
	t->ids[t->n] = id;
	t->off[t->n] = off;
	t->len[t->n] = len;
	t->n++;
	return 0;
}

int al_spm_encode(const al_spm *sp, const char *text, size_t len, int flags,
		  al_spm_tokens *t, al_err *e)
{
	t->n = 0;
	if (!t->scratch && !(t->scratch = calloc(1, sizeof(scratch))))
		return al_err_set(e, AL_ENOMEM, "out of memory");
	scratch *s = t->scratch;
	if ((flags & AL_SPM_ADD_BOS) && sp->bos_id < 0)
		return al_err_set(e, AL_EINVAL, "the model has no '%.*s' piece to add",
				  (int)sp->m->bos_piece.len, sp->m->bos_piece.s);
	if ((flags & AL_SPM_ADD_EOS) && sp->eos_id < 0)
		return al_err_set(e, AL_EINVAL, "the model has no '%.*s' piece to add",
				  (int)sp->m->eos_piece.len, sp->m->eos_piece.s);
	if (len > UINT32_MAX / 64)
		return al_err_set(e, AL_ELIMIT, "a line of %zu bytes is too long "
				  "(at most %u)", len, UINT32_MAX / 64);
	int rc = al_spm_norm_run(sp->norm, text, len, &t->norm);
	if (rc)
		return al_err_set(e, rc, "out of memory");
	if (t->norm.len >= INT32_MAX)
		return al_err_set(e, AL_ELIMIT, "a line of %zu bytes normalizes to "
				  "more than 2 GB", len);
	const char *nt = t->norm.s;
	size_t nl = t->norm.len;
	s->raw_n = 0;
	if (nl > 0) {
		if (sp->m->model_type == AL_SPM_BPE)
			rc = al_spm_i_bpe(sp, nt, nl, s);
		else if (sp->m->model_type == AL_SPM_CHAR)
			rc = al_spm_i_char(sp, nt, nl, s);
		else if (sp->m->model_type == AL_SPM_WORD)
			rc = al_spm_i_word(sp, nt, nl, s);
		else
			rc = al_spm_i_unigram(sp, nt, nl, s);
		if (rc)
			return al_err_set(e, rc, "out of memory");
	}
	if ((flags & AL_SPM_ADD_BOS) && tok_push(t, sp->bos_id, UINT32_MAX, 0))
		return al_err_set(e, AL_ENOMEM, "out of memory");
	int prev_unk = 0;
	for (size_t i = 0; i < s->raw_n; i++) {
		int32_t id = s->raw_ids[i];
		uint32_t off = s->raw_off[i], l = s->raw_len[i];
		int unk = sp->m->pieces[id].type == AL_SPM_UNKNOWN;
		if (unk && sp->m->byte_fallback) {
			for (uint32_t k = 0; k < l && !rc; k++)
				rc = tok_push(t, sp->byte_ids[(unsigned char)nt[off + k]],
					      UINT32_MAX, 0);
		} else if (unk && prev_unk) {
			t->len[t->n - 1] += l;   /* runs of unknowns become one */
		} else {
			rc = tok_push(t, id, off, l);
		}
		if (rc)
			return al_err_set(e, AL_ENOMEM, "out of memory");
		prev_unk = unk;
	}
	if ((flags & AL_SPM_ADD_EOS) && tok_push(t, sp->eos_id, UINT32_MAX, 0))
		return al_err_set(e, AL_ENOMEM, "out of memory");
	return 0;
}

const char *al_spm_token_piece(const al_spm *sp, const al_spm_tokens *t, size_t i,
			       size_t *len)
{
	if (t->off[i] != UINT32_MAX) {
		*len = t->len[i];
		return t->norm.s + t->off[i];
	}
	const al_spm_piece *p = &sp->m->pieces[t->ids[i]];
	if (t->ids[i] == sp->bos_id) {
		*len = sp->m->bos_piece.len;
		return sp->m->bos_piece.s;
	}
	if (t->ids[i] == sp->eos_id) {
		*len = sp->m->eos_piece.len;
		return sp->m->eos_piece.s;
	}
	*len = p->len;
	return p->str;
}

