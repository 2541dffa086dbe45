/* spm_model.c: a SentencePiece ModelProto read with a small protobuf wire
 * reader: varints, fixed32/64 and length-delimited fields, unknown fields
 * skipped, every length checked against its enclosing message. */
#include "spm_model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/file.h"

/* A cursor over one message: [p, end) inside buf. */
typedef struct pbuf {
	const uint8_t *base;  /* start of the whole file, for offsets */
	const uint8_t *p, *end;
	const char *name;
	const char *what;     /* the message being read, for errors */
	al_err *e;
} pbuf;

static int __attribute__((format(printf, 2, 3)))
pb_fail(pbuf *b, const char *fmt, ...)
{
	char msg[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return al_err_at(b->e, AL_EFORMAT, b->name, (uint64_t)(b->p - b->base),
			 "%s: %s; the model file is damaged or truncated", b->what, msg);
}

static int pb_varint(pbuf *b, uint64_t *v)
{
	uint64_t r = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (b->p >= b->end)
			return pb_fail(b, "varint runs past the end of the message");
		uint8_t c = *b->p++;
		r |= (uint64_t)(c & 0x7f) << shift;
		if (c < 0x80) {
			*v = r;
			return 0;
		}
	}
	return pb_fail(b, "varint longer than 10 bytes");
}

/* Read a key; *field, *wire. */
static int pb_key(pbuf *b, uint64_t *field, int *wire)
{
	uint64_t k;
	int rc = pb_varint(b, &k);
	if (rc)
		return rc;
	*field = k >> 3;
	*wire = (int)(k & 7);
	if (*field == 0)
		return pb_fail(b, "field number 0");
	return 0;
}

/* Length-delimited payload: *s, *n inside the message. */
static int pb_bytes(pbuf *b, uint64_t field, const uint8_t **s, size_t *n)
{
	uint64_t len;
	int rc = pb_varint(b, &len);
	if (rc)
		return rc;
	if (len > (uint64_t)(b->end - b->p))
		return pb_fail(b, "field %llu: length %llu runs past the end of the message",
			       (unsigned long long)field, (unsigned long long)len);
	*s = b->p;
	*n = (size_t)len;
	b->p += len;
	return 0;
}

static int pb_fixed32(pbuf *b, uint64_t field, uint32_t *v)
{
	if (b->end - b->p < 4)
		return pb_fail(b, "field %llu: 4-byte value runs past the end", (unsigned long long)field);
	*v = (uint32_t)b->p[0] | (uint32_t)b->p[1] << 8 | (uint32_t)b->p[2] << 16 |
	     (uint32_t)b->p[3] << 24;
	b->p += 4;
	return 0;
}

/* Skip a field of the given wire type. */
static int pb_skip(pbuf *b, uint64_t field, int wire)
{
	uint64_t v = 0;
	const uint8_t *s = NULL;
	size_t n = 0;
	switch (wire) {
	case 0: return pb_varint(b, &v);
	case 1:
		if (b->end - b->p < 8)
			return pb_fail(b, "field %llu: 8-byte value runs past the end", (unsigned long long)field);
		b->p += 8;
		return 0;
	case 2: return pb_bytes(b, field, &s, &n);
	case 5:
		if (b->end - b->p < 4)
			return pb_fail(b, "field %llu: 4-byte value runs past the end", (unsigned long long)field);
		b->p += 4;
		return 0;
	default:
		return pb_fail(b, "field %llu: unsupported wire type (groups or junk)", (unsigned long long)field);
	}
}

/* Expect wire type want for field; otherwise an error. */
static int pb_want(pbuf *b, uint64_t field, int wire, int want)
{
	if (wire == want)
		return 0;
	static const char *names[] = {"a varint", "8 bytes", "a length-delimited value",
				      "?", "?", "4 bytes", "?", "?"};
	return pb_fail(b, "field %llu: expected %s", (unsigned long long)field, names[want]);
}

static pbuf pb_sub(const pbuf *b, const uint8_t *s, size_t n, const char *what)
{
	pbuf c = *b;
	c.p = s;
	c.end = s + n;
	c.what = what;
	return c;
}

static int read_piece(pbuf *b, al_spm_piece *pc)
{
	uint64_t field, v = 0;
	int wire, rc;
	pc->str = "";
	pc->len = 0;
	pc->score = 0;
	pc->type = AL_SPM_NORMAL;
	while (b->p < b->end) {
		if ((rc = pb_key(b, &field, &wire)))
			return rc;
		if (field == 1) {
			const uint8_t *s = NULL;
			size_t n = 0;
			if ((rc = pb_want(b, field, wire, 2)) || (rc = pb_bytes(b, field, &s, &n)))
				return rc;
			if (n > UINT32_MAX)
				return pb_fail(b, "piece of %llu bytes is too long", (unsigned long long)n);
			pc->str = (const char *)s;
			pc->len = (uint32_t)n;
		} else if (field == 2) {
			uint32_t u = 0;
			if ((rc = pb_want(b, field, wire, 5)) || (rc = pb_fixed32(b, field, &u)))
				return rc;
			memcpy(&pc->score, &u, 4);
		} else if (field == 3) {
			if ((rc = pb_want(b, field, wire, 0)) || (rc = pb_varint(b, &v)))
				return rc;
			if (v < AL_SPM_NORMAL || v > AL_SPM_BYTE)
				return pb_fail(b, "piece type %llu is not one of 1 to 6", (unsigned long long)v);
			pc->type = (int)v;
		} else if ((rc = pb_skip(b, field, wire))) {
			return rc;
		}
	}
	return 0;
}

static int read_int32(pbuf *b, uint64_t field, int wire, int *out)
{
	uint64_t v = 0;
	int rc;
	if ((rc = pb_want(b, field, wire, 0)) || (rc = pb_varint(b, &v)))
		return rc;
	*out = (int)(int32_t)(uint32_t)v;   /* int32: two's complement, low 32 bits */
	return 0;
}

static int read_str(pbuf *b, uint64_t field, int wire, al_spm_str *out)
{
	const uint8_t *s = NULL;
	size_t n = 0;
	int rc;
	if ((rc = pb_want(b, field, wire, 2)) || (rc = pb_bytes(b, field, &s, &n)))
		return rc;
	out->s = (const char *)s;
	out->len = n;
	return 0;
}

static int read_trainer(pbuf *b, al_spm_model *m)
{
	uint64_t field;
	int wire, rc, v = 0;
	while (b->p < b->end) {
		if ((rc = pb_key(b, &field, &wire)))
			return rc;
		switch (field) {
		case 3: rc = read_int32(b, field, wire, &m->model_type); break;
		case 24: rc = read_int32(b, field, wire, &v); m->treat_whitespace_as_suffix = v != 0; break;
		case 26: rc = read_int32(b, field, wire, &v); m->allow_whitespace_only_pieces = v != 0; break;
		case 35: rc = read_int32(b, field, wire, &v); m->byte_fallback = v != 0; break;
		case 40: rc = read_int32(b, field, wire, &m->unk_id); break;
		case 41: rc = read_int32(b, field, wire, &m->bos_id); break;
		case 42: rc = read_int32(b, field, wire, &m->eos_id); break;
		case 43: rc = read_int32(b, field, wire, &m->pad_id); break;
		case 44: rc = read_str(b, field, wire, &m->unk_surface); break;
		case 45: rc = read_str(b, field, wire, &m->unk_piece); break;
		case 46: rc = read_str(b, field, wire, &m->bos_piece); break;
		case 47: rc = read_str(b, field, wire, &m->eos_piece); break;
		case 48: rc = read_str(b, field, wire, &m->pad_piece); break;
		default: rc = pb_skip(b, field, wire);
		}
		if (rc)
			return rc;
	}
	return 0;
}

static int read_norm(pbuf *b, al_spm_normspec *n)
{
	uint64_t field;
	int wire, rc, v = 0;
	n->present = 1;
	while (b->p < b->end) {
		if ((rc = pb_key(b, &field, &wire)))
			return rc;
		switch (field) {
		case 1: rc = read_str(b, field, wire, &n->name); break;
		case 2: rc = read_str(b, field, wire, &n->charsmap); break;
		case 3: rc = read_int32(b, field, wire, &v); n->add_dummy_prefix = v != 0; break;
		case 4: rc = read_int32(b, field, wire, &v); n->remove_extra_whitespaces = v != 0; break;
		case 5: rc = read_int32(b, field, wire, &v); n->escape_whitespaces = v != 0; break;
		default: rc = pb_skip(b, field, wire);
		}
		if (rc)
			return rc;
	}
	return 0;
}

static void norm_defaults(al_spm_normspec *n)
{
	memset(n, 0, sizeof *n);
	n->add_dummy_prefix = 1;
	n->remove_extra_whitespaces = 1;
	n->escape_whitespaces = 1;
}

static al_spm_str cstr(const char *s)
{
	al_spm_str r = {s, strlen(s)};
	return r;
}

al_spm_model *al_spm_model_parse(const void *data, size_t size, const char *name,
				 al_err *e)
{
	al_spm_model *m = calloc(1, sizeof *m);
	if (!m || !(m->buf = malloc(size ? size : 1))) {
		free(m);
		al_err_set(e, AL_ENOMEM, "'%s': out of memory", name);
		return NULL;
	}
	if (size)
		memcpy(m->buf, data, size);
	m->size = size;
	m->model_type = AL_SPM_UNIGRAM;
	m->unk_id = 0;
	m->bos_id = 1;
	m->eos_id = 2;
	m->pad_id = -1;
	m->unk_piece = cstr("<unk>");
	m->bos_piece = cstr("<s>");
	m->eos_piece = cstr("</s>");
	m->pad_piece = cstr("<pad>");
	m->unk_surface = cstr(" \xE2\x81\x87 ");
	norm_defaults(&m->norm);
	norm_defaults(&m->denorm);

	pbuf b = {m->buf, m->buf, m->buf + size, name, "model", e};
	uint64_t field;
	int wire, rc = 0, trainer = 0;
	size_t cap = 0;
	/* First pass: count the pieces. */
	while (b.p < b.end) {
		if ((rc = pb_key(&b, &field, &wire)) || (rc = pb_skip(&b, field, wire)))
			goto fail;
		if (field == 1)
			cap++;
		if (field == 2)
			trainer = 1;
	}
	if (cap == 0) {
		al_err_at(e, AL_EFORMAT, name, 0, "no pieces: not a SentencePiece model");
		goto fail;
	}
	if (!trainer) {
		/* Pieces come first in the file, the specs after them: a file
		 * cut between two pieces is still well-formed protobuf. */
		al_err_at(e, AL_EFORMAT, name, size, "no trainer_spec after %zu pieces; "
			  "the model file is truncated", cap);
		goto fail;
	}
	if (!(m->pieces = calloc(cap, sizeof *m->pieces))) {
		al_err_set(e, AL_ENOMEM, "'%s': out of memory", name);
		goto fail;
	}
	b.p = m->buf;
	while (b.p < b.end) {
		const uint8_t *s = NULL;
		size_t n = 0;
		if ((rc = pb_key(&b, &field, &wire)))
			goto fail;
		if (field < 1 || field > 5 || field == 4) {
			if ((rc = pb_skip(&b, field, wire)))
				goto fail;
			continue;
		}
		if ((rc = pb_want(&b, field, wire, 2)) || (rc = pb_bytes(&b, field, &s, &n)))
			goto fail;
		pbuf c;
		switch (field) {
		case 1:
			c = pb_sub(&b, s, n, "piece");
			if ((rc = read_piece(&c, &m->pieces[m->npieces])))
				goto fail;
			m->npieces++;
			break;
		case 2:
			c = pb_sub(&b, s, n, "trainer_spec");
			if ((rc = read_trainer(&c, m)))
				goto fail;
			break;
		case 3:
			c = pb_sub(&b, s, n, "normalizer_spec");
			if ((rc = read_norm(&c, &m->norm)))
				goto fail;
			break;
		case 5:
			c = pb_sub(&b, s, n, "denormalizer_spec");
			if ((rc = read_norm(&c, &m->denorm)))
				goto fail;
			break;
		}
	}
	return m;
fail:
	al_spm_model_free(m);
	return NULL;
}

al_spm_model *al_spm_model_load(const char *path, al_err *e)
{
	al_map map;
	if (al_map_file(path, &map, e) < 0)
		return NULL;
	al_spm_model *m = al_spm_model_parse(map.data, map.size, path, e);
	al_map_release(&map);
	return m;
}

void al_spm_model_free(al_spm_model *m)
{
	if (!m)
		return;
	free(m->pieces);
	free(m->buf);
	free(m);
}
