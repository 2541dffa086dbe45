/* text.c: plain UTF-8 text: every member of the sources is a document.
 *
 * A member is read whole (up to MAX_MEMBER bytes), checked (no NUL byte,
 * well-formed UTF-8; a leading byte order mark is dropped) and cut into
 * units: paragraphs (runs of lines between blank lines; the default) or
 * the whole document.  A unit's text is its words (runs of bytes other
 * than ASCII white space: space, tab, newline, vertical tab, form feed,
 * carriage return) joined by one space; a document's paragraphs are
 * joined by one newline.  Units with fewer than min_words words are
 * dropped, and so is a unit whose text equals an earlier one's (compared
 * by a 64-bit XXH3 hash of that text: 8 bytes per unique unit).
 *
 * Records: {"dataset":"text","split":null,"id":"MEMBER:LINE","task":"text",
 * "image":null,"inputs":{"text":"..."},"targets":[]}, the id naming the
 * member and the line the paragraph starts on (just "MEMBER" for a
 * document). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "family.h"
#include "lib/utf8.h"

enum { MAX_MEMBER = 256 << 20 };

typedef struct text_state {
	uint64_t *set;          /* open addressing; 0 marks a free slot */
	size_t cap, n;
	char *buf;              /* the member */
	size_t bcap;
	char *out;              /* the unit's text */
	size_t olen, ocap;
	long words;             /* in out */
} text_state;

static void text_free(al_ds *ds)
{
	text_state *t = ds->fs;
	if (!t)
		return;
	free(t->set);
	free(t->buf);
	free(t->out);
	free(t);
	ds->fs = NULL;
}

static int is_doc(const al_ds *ds)
{
	return ds->o.unit && strcmp(ds->o.unit, "doc") == 0;
}

static int check_opts(const al_ds_opts *o, al_err *e)
{
	if (o->task)
		return al_err_set(e, AL_EINVAL, "text has no tasks to choose from "
				  "(--task)");
	if (o->split)
		return al_err_set(e, AL_EINVAL, "text has no splits to choose from "
				  "(--split)");
	if (o->unit && strcmp(o->unit, "doc") && strcmp(o->unit, "para"))
		return al_err_set(e, AL_EINVAL, "--unit wants doc or para, not '%s'",
				  o->unit);
	return 0;
}

static int is_text(al_ds *ds, const char *name, const char *base)
{
	(void)ds, (void)name, (void)base;
	return 1;
}

/* 1 if h was not in the set (and is now), 0 if it was, AL_ENOMEM. */
static int set_add(text_state *t, uint64_t h)
{
	if (!h)
		h = 1;
	if (2 * (t->n + 1) > t->cap) {
		size_t nc = t->cap ? 2 * t->cap : 1 << 12;
		uint64_t *ns = calloc(nc, sizeof *ns);
		if (!ns)
			return AL_ENOMEM;
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->set[i])
				continue;
			size_t j = (size_t)t->set[i] & (nc - 1);
			while (ns[j])
				j = (j + 1) & (nc - 1);
			ns[j] = t->set[i];
		}
		free(t->set);
		t->set = ns;
		t->cap = nc;
	}
	size_t j = (size_t)h & (t->cap - 1);
	for (; t->set[j]; j = (j + 1) & (t->cap - 1))
		if (t->set[j] == h)
			return 0;
	t->set[j] = h;
	t->n++;
	return 1;
}

static int out_put(text_state *t, const char *s, size_t n)
{
	if (t->ocap - t->olen < n + 1) {
		size_t c = t->ocap ? t->ocap : 4096;
		while (c - t->olen < n + 1)
			c *= 2;
		char *p = realloc(t->out, c);
		if (!p)
			return AL_ENOMEM;
		t->out = p;
		t->ocap = c;
	}
	memcpy(t->out + t->olen, s, n);
	t->olen += n;
	t->out[t->olen] = 0;
	return 0;
}

/* Hand over the unit in t->out unless it is short or seen before. */
static int emit_unit(al_ds *ds, const char *name, long line, al_err *e)
{
	text_state *t = ds->fs;
	if (t->olen == 0 || t->words < ds->o.min_words)
		return 0;
	int r = set_add(t, XXH3_64bits(t->out, t->olen));
	if (r < 0)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	if (r == 0)
		return 0;
	char id[1100];
	if (line > 0)
		snprintf(id, sizeof id, "%s:%ld", name, line);
	else
		snprintf(id, sizeof id, "%s", name);
	al_record rec = {0};
	rec.dataset = "text";
	rec.task = "text";
	rec.id = id;
	rec.ninputs = 1;
	rec.input_name[0] = "text";
	rec.input[0] = t->out;
	rec.where = name;
	return al_ds_emit(ds, &rec, e);
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	       c == '\r';
}

/* Append the words of s[0..n) to t->out: one space between words of a
 * paragraph, one newline before a paragraph that follows another. */
static int put_words(text_state *t, const char *s, size_t n, long *para_words)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && is_space((unsigned char)s[i]))
			i++;
		size_t b = i;
		while (i < n && !is_space((unsigned char)s[i]))
			i++;
		if (i == b)
			break;
		if (t->olen && out_put(t, *para_words ? " " : "\n", 1) < 0)
			return AL_ENOMEM;
		if (out_put(t, s + b, i - b) < 0)
			return AL_ENOMEM;
		(*para_words)++;
		t->words++;
	}
	return 0;
}

/* Cut the checked member s[0..n) into units and emit them. */
static int split_units(al_ds *ds, const char *name, const char *s, size_t n,
		       al_err *e)
{
	text_state *t = ds->fs;
	int doc = is_doc(ds), rc;
	long lineno = 0, start = 0;   /* start: first line of the paragraph */
	long para_words = 0;
	t->olen = 0;
	t->words = 0;
	for (size_t i = 0; i < n && !ds->stop;) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - s) : n;
		size_t j = i;
		lineno++;
		while (j < end && is_space((unsigned char)s[j]))
			j++;
		if (j < end) {
			if (!para_words)
				start = lineno;
			if (put_words(t, s + i, end - i, &para_words) < 0)
				return al_err_set(e, AL_ENOMEM, "out of memory");
		} else if (para_words) {            /* a blank line ends it */
			if (!doc) {
				if ((rc = emit_unit(ds, name, start, e)) < 0)
					return rc;
				t->olen = 0;
				t->words = 0;
			}
			para_words = 0;
		}
		i = end + 1;
	}
	if (ds->stop)
		return 0;
	if (doc)
		return emit_unit(ds, name, 0, e);
	return para_words ? emit_unit(ds, name, start, e) : 0;
}

/* The offset of the first byte of s[0..n) that is not well-formed UTF-8
 * (s as a whole is not).  Prefixes ending before a byte that is not a
 * continuation byte are valid up to the error and invalid past it, so
 * the last valid one is found by bisection. */
static size_t utf8_error_at(const char *s, size_t n)
{
	size_t lo = 0, hi = n;     /* prefix lo is valid; prefix hi is not */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2, m = mid;
		while (m > lo && ((unsigned char)s[m] & 0xc0) == 0x80)
			m--;
		if (m == lo) {     /* no character starts in (lo, mid] */
			size_t k = mid;
			while (k < hi && ((unsigned char)s[k] & 0xc0) == 0x80)
				k++;
			if (k == hi)
				break;
			m = k;
		}
		if (al_utf8_valid(s, m))
			lo = m;
		else
			hi = m;
	}
	return lo;
}

/* Read the current member into t->buf; its size in *n.  1: skipped. */
static int read_member(al_ds *ds, al_source *src, const char *what, size_t *n,
		       al_err *e)
{
	text_state *t = ds->fs;
	size_t len = 0;
	for (;;) {
		if (t->bcap - len < 65536) {
			size_t c = t->bcap ? 2 * t->bcap : 1 << 20;
			char *p = realloc(t->buf, c);
			if (!p)
				return al_err_set(e, AL_ENOMEM, "out of memory reading %s",
						  what);
			t->buf = p;
			t->bcap = c;
		}
		ssize_t r = al_source_read(src, t->buf + len, t->bcap - len, e);
		if (r < 0)
			return (int)r;
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > MAX_MEMBER)
			return al_ds_bad(ds, e, AL_ELIMIT, "%s: larger than %d bytes; "
					 "split it", what, MAX_MEMBER) ? AL_ELIMIT : 1;
	}
	*n = len;
	return 0;
}

static int text_member(al_ds *ds, al_source *src, const char *name,
		       const char *base, al_err *e)
{
	(void)base;
	if (!ds->fs && !(ds->fs = calloc(1, sizeof(text_state))))
		return al_err_set(e, AL_ENOMEM, "out of memory");
	text_state *t = ds->fs;
	ds->annots++;
	char what[1100];
	const char *path = al_source_path(src);
	if (strcmp(path, name) && al_source_is_archive_name(path))
		snprintf(what, sizeof what, "'%s': member '%s'", path, name);
	else
		snprintf(what, sizeof what, "'%s'", name);
	size_t n = 0;
	int rc = read_member(ds, src, what, &n, e);
	if (rc)
		return rc < 0 ? rc : 0;
	const char *s = t->buf;
	const char *nul = memchr(s, 0, n);
	if (nul)
		return al_ds_bad(ds, e, AL_EFORMAT, "%s: byte %zu: a NUL byte (binary "
				 "data, not text)", what, (size_t)(nul - s));
	if (!al_utf8_valid(s, n))
		return al_ds_bad(ds, e, AL_EFORMAT, "%s: byte %zu: not valid UTF-8",
				 what, utf8_error_at(s, n));
	if (n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3, n -= 3;
	return split_units(ds, name, s, n, e);
}

const al_family al_fam_text = {
	.name = "text",
	.summary = "plain UTF-8 text: a record per paragraph (--unit para) or "
		   "document (--unit doc)",
	.expects = "text files (any name; every member is read as UTF-8 text)",
	.task = "text",
	.has_images = 0,
	.ninputs = 1,
	.input_names = {"text"},
	.is_annot = is_text,
	.annot = text_member,
	.check_opts = check_opts,
	.free_state = text_free,
};
