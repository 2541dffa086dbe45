/* input.c: reading references and predictions (see input.h). */
#include "input.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "lib/file.h"
#include "lib/json_read.h"
#include "lib/strmap.h"

/* The set's strings and reference lists live in a bump arena: blocks of
 * 64 KiB or more, freed together. */
typedef struct arena_blk {
	struct arena_blk *next;
	size_t used, cap;
	max_align_t data[];
} arena_blk;

struct al_score_set {
	al_score_ex *ex;
	size_t n, cap;
	al_strmap *ids;        /* id -> index in ex */
	int restrict_to_preds; /* COCO: score only the images of the results */
	arena_blk *arena;
};

/* n bytes from the set's arena (aligned for pointers); NULL on no memory. */
static void *arena_alloc(al_score_set *s, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	arena_blk *b = s->arena;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > (64u << 10) ? n : (64u << 10);
		if (b && b->cap * 2 > cap && b->cap < (8u << 20))
			cap = b->cap * 2;
		if (!(b = al_big_alloc(sizeof *b + cap)))
			return NULL;
		b->used = 0;
		b->cap = cap;
		b->next = s->arena;
		s->arena = b;
	}
	void *p = (char *)b->data + b->used;
	b->used += n;
	return p;
}

static char *arena_strdup(al_score_set *s, const char *str)
{
	size_t len = strlen(str) + 1;
	char *d = arena_alloc(s, len);
	return d ? memcpy(d, str, len) : NULL;
}

int al_score_format_parse(const char *s)
{
	static const char *const names[] = {"auto", "jsonl", "coco", "vqa", "docvqa", "stvqa",
					    "glue"};
	for (int i = 0; i < (int)(sizeof names / sizeof *names); i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

al_score_set *al_score_set_new(void)
{
	al_score_set *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	if (!(s->ids = al_strmap_new())) {
		free(s);
		return NULL;
	}
	return s;
}

void al_score_set_free(al_score_set *s)
{
	if (!s)
		return;
	for (arena_blk *b = s->arena, *nb; b; b = nb) {
		nb = b->next;
		al_big_free(b, sizeof *b + b->cap);
	}
	al_big_free(s->ex, s->cap * sizeof *s->ex);
	al_strmap_free(s->ids);
	free(s);
}

size_t al_score_count(const al_score_set *s) { return s->n; }
const al_score_ex *al_score_at(const al_score_set *s, size_t i) { return &s->ex[i]; }

/* The text of an id value: a string as it is, a number as its JSON text. */
static const char *id_text(const al_jnode *v)
{
	return v && (v->type == AL_J_STR || v->type == AL_J_NUM) ? v->s : NULL;
}

#define IS_STR(v) ((v) && (v)->type == AL_J_STR)
#define IS_NUM(v) ((v) && (v)->type == AL_J_NUM)
#define IS_OBJ(v) ((v) && (v)->type == AL_J_OBJ)
#define IS_ARR(v) ((v) && (v)->type == AL_J_ARR)

/* The example for id, created if absent (*created set). */
static al_score_ex *ex_for(al_score_set *s, const char *id, int *created)
{
	int added;
	long k = al_strmap_intern(s->ids, id, strlen(id), &added);
	if (k < 0)
		return NULL;
	*created = added;
	if (!added)
		return &s->ex[k];
	if (al_big_grow((void **)&s->ex, &s->cap, s->n + 1, sizeof *s->ex, NULL) < 0)
		return NULL;
	al_score_ex *x = &s->ex[s->n++];
	memset(x, 0, sizeof *x);
	x->id = arena_strdup(s, id);
	return x->id ? x : NULL;
}

/* Make room for want references in x's list (in the arena: a full list is
 * copied to one twice its size). */
static int reserve_refs(al_score_set *s, al_score_ex *x, size_t want)
{
	if (want <= x->refs_cap)
		return 0;
	size_t cap = x->refs_cap ? 2 * x->refs_cap : 4;
	if (cap < want)
		cap = want;
	char **nr = arena_alloc(s, cap * sizeof *nr);
	if (!nr)
		return -1;
	if (x->nrefs)
		memcpy(nr, x->refs, x->nrefs * sizeof *nr);
	x->refs = nr;
	x->refs_cap = cap;
	return 0;
}

/* Add a copy of text as a reference. */
static int add_ref(al_score_set *s, al_score_ex *x, const char *text)
{
	if (reserve_refs(s, x, x->nrefs + 1) < 0 ||
	    !(x->refs[x->nrefs] = arena_strdup(s, text)))
		return -1;
	x->nrefs++;
	return 0;
}

int al_score_add(al_score_set *s, const char *id, const char *const *refs, size_t nrefs,
		 int glue, const char *pred, al_err *e)
{
	int created;
	al_score_ex *x = ex_for(s, id, &created);
	if (!x)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	if (!created)
		return al_err_set(e, AL_EFORMAT, "duplicate id '%s' in the references", id);
	if (nrefs == 0)
		return al_err_set(e, AL_EFORMAT, "id '%s': no references", id);
	if (glue) {
		char *end;
		double v = strtod(refs[0], &end);
		if (end != refs[0] && *end == 0) {
			x->has_label = 1;
			x->label = v;
		} else if (!(x->label_text = arena_strdup(s, refs[0]))) {
			return al_err_set(e, AL_ENOMEM, "out of memory");
		}
	} else {
		for (size_t i = 0; i < nrefs; i++)
			if (add_ref(s, x, refs[i]) < 0)
				return al_err_set(e, AL_ENOMEM, "out of memory");
	}
	if (pred && !(x->pred = arena_strdup(s, pred)))
		return al_err_set(e, AL_ENOMEM, "out of memory");
	return 0;
}

/* Where errors point: a file and a line (0: no line) or a list index. */
typedef struct where {
	const char *path;
	size_t line;
	const char *what;    /* "line" or "item" */
} where;

#define WHERE_FMT "'%s': %s %zu: "
#define WHERE_ARGS(w) (w)->path, (w)->what, (w)->line

/* One reference item. */
static int ref_item(al_score_set *s, const al_jnode *o, const char *id_key,
		    const where *w, al_err *e)
{
	const al_jnode *idv = al_jget(o, id_key);
	const char *id = idv ? id_text(idv) : NULL;
	if (!id)
		return al_err_set(e, AL_EFORMAT, WHERE_FMT "expected an \"%s\" "
				  "(string or number)", WHERE_ARGS(w), id_key);
	int created;
	al_score_ex *x = ex_for(s, id, &created);
	if (!x)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	if (!created)
		return al_err_set(e, AL_EFORMAT, WHERE_FMT "duplicate id '%s' in "
				  "the references", WHERE_ARGS(w), id);
	const al_jnode *refs = al_jget(o, "references");
	if (!refs)
		refs = al_jget(o, "answers");
	const al_jnode *label = al_jget(o, "label");
	/* adalink ingest's records: "targets", unless a numeric "label" (GLUE) */
	if (!refs && !(label && IS_NUM(label)))
		refs = al_jget(o, "targets");
	if (refs && IS_ARR(refs)) {
		if (reserve_refs(s, x, refs->n) < 0)
			return al_err_set(e, AL_ENOMEM, "out of memory");
		for (size_t i = 0; i < refs->n; i++) {
			const al_jnode *r = &refs->kid[i];
			const al_jnode *a = al_jget(r, "answer");   /* VQA answer objects */
			if (a)
				r = a;
			if (!IS_STR(r))
				return al_err_set(e, AL_EFORMAT, WHERE_FMT "id '%s': "
						  "reference %zu is not a string",
						  WHERE_ARGS(w), id, i + 1);
			if (add_ref(s, x, r->s) < 0)
				return al_err_set(e, AL_ENOMEM, "out of memory");
		}
		if (x->nrefs == 0)
			return al_err_set(e, AL_EFORMAT, WHERE_FMT "id '%s': no "
					  "references", WHERE_ARGS(w), id);
	} else if (label && IS_NUM(label)) {
		x->has_label = 1;
		x->label = strtod(label->s, NULL);
	} else {
		return al_err_set(e, AL_EFORMAT, WHERE_FMT "id '%s': expected "
				  "\"references\" (a list of strings) or \"label\" "
				  "(a number)", WHERE_ARGS(w), id);
	}
	return 0;
}

static int pred_item(al_score_set *s, const al_jnode *o, const char *id_key,
		     const char *text_key, const where *w, al_err *e)
{
	const al_jnode *idv = al_jget(o, id_key);
	const char *id = idv ? id_text(idv) : NULL;
	if (!id)
		return al_err_set(e, AL_EFORMAT, WHERE_FMT "expected an \"%s\" "
				  "(string or number)", WHERE_ARGS(w), id_key);
	long k = al_strmap_find(s->ids, id, strlen(id));
	if (k < 0)
		return al_err_set(e, AL_ENOTFOUND, WHERE_FMT "prediction for id "
				  "'%s', which has no reference", WHERE_ARGS(w), id);
	al_score_ex *x = &s->ex[k];
	if (x->pred)
		return al_err_set(e, AL_EFORMAT, WHERE_FMT "a second prediction "
				  "for id '%s'", WHERE_ARGS(w), id);
	const al_jnode *p = al_jget(o, text_key);
	if (p && IS_STR(p)) {
		x->pred = arena_strdup(s, p->s);
	} else if (p && IS_NUM(p)) {
		x->pred = arena_strdup(s, p->s);
		x->pred_is_num = 1;
		x->pred_num = strtod(p->s, NULL);
	} else {
		return al_err_set(e, AL_EFORMAT, WHERE_FMT "id '%s': expected "
				  "\"%s\" (a string or a number)", WHERE_ARGS(w),
				  id, text_key);
	}
	return x->pred ? 0 : al_err_set(e, AL_ENOMEM, "out of memory");
}

/* Parse t[0..n) (up to a NUL, as a C string would end) as one JSON value,
 * comments allowed; NULL if it is not one, with the reason in e. */
static al_jnode *parse_text(const char *t, size_t n, al_err *e)
{
	al_jnode *v;
	n = t ? strnlen(t, n) : 0;
	return al_json_parse(NULL, n ? t : "", n, AL_JSON_COMMENTS, &v, e) < 0 ? NULL : v;
}

/* Read each line's JSON object of a JSONL file held in text[0..size). */
static int each_line(al_score_set *s, const char *path, const char *text, size_t size,
		     int refs, al_err *e)
{
	const char *p = text, *end = text + size;
	size_t line = 0;
	int rc = 0;
	al_jparser *jp = al_jparser_new(AL_JSON_COMMENTS);
	if (!jp)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		line++;
		const char *q = p;
		p = nl ? nl + 1 : end;
		size_t b = 0;
		while (b < len && (q[b] == ' ' || q[b] == '\t' || q[b] == '\r'))
			b++;
		if (b == len)
			continue;
		al_err pe = {0};
		const al_jnode *o;
		where w = {path, line, "line"};
		/* the line up to a NUL, as a C string would end */
		if (al_jparser_parse(jp, NULL, q, strnlen(q, len), &o, &pe) < 0) {
			/* "byte N: malformed JSON: REASON" -> "byte N: REASON" */
			char *m = strstr(pe.msg, "malformed JSON: ");
			if (m)
				memmove(m, m + 16, strlen(m + 16) + 1);
			rc = pe.code == AL_ENOMEM ? al_err_set(e, AL_ENOMEM, "out of memory")
				: al_err_set(e, AL_EFORMAT, WHERE_FMT "not valid JSON: %s",
					     WHERE_ARGS(&w), pe.msg);
			break;
		}
		if (!IS_OBJ(o))
			rc = al_err_set(e, AL_EFORMAT, WHERE_FMT "expected a JSON object",
					WHERE_ARGS(&w));
		else if (refs)
			rc = ref_item(s, o, "id", &w, e);
		else
			rc = pred_item(s, o, "id", "prediction", &w, e);
	}
	al_jparser_free(jp);
	return rc;
}

/* Parse a whole buffer as one JSON document (NULL if it is not one). */
static al_jnode *parse_whole(const al_map *m)
{
	al_err pe;
	return parse_text((const char *)m->data, m->size, &pe);
}

/* Whether a buffer is JSONL: its first line is one whole JSON object and
 * more text follows (an official file is one document over many lines, or
 * one line alone). */
static int looks_jsonl(const al_map *m)
{
	const char *p = (const char *)m->data, *end = p + m->size;
	const char *nl = m->size ? memchr(p, '\n', m->size) : NULL;
	if (!nl)
		return 0;
	const char *q = nl + 1;
	while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
		q++;
	if (q == end)
		return 0;
	al_err pe;
	al_jnode *v = parse_text(p, (size_t)(nl - p), &pe);
	int yes = IS_OBJ(v);
	al_jnode_free(v);
	return yes;
}

/* Guess an official format from a parsed document; AL_FMT_JSONL if none. */
static int detect(const al_jnode *v)
{
	const al_jnode *item = NULL;
	if (IS_ARR(v) && v->n)
		item = &v->kid[0];
	else if (IS_OBJ(v)) {
		const al_jnode *a = al_jget(v, "annotations"), *d = al_jget(v, "data");
		if (a && IS_ARR(a) && a->n)
			item = &a->kid[0];
		else if (d && IS_ARR(d) && d->n)
			item = &d->kid[0];
	}
	if (!item)
		return AL_FMT_JSONL;
	if (al_jget(item, "image_id") && al_jget(item, "caption"))
		return AL_FMT_COCO;
	if (al_jget(item, "questionId"))
		return AL_FMT_DOCVQA;
	if (al_jget(item, "question_id"))
		return AL_FMT_VQA;
	return AL_FMT_JSONL;
}

static int read_official(al_score_set *s, const char *path, const al_jnode *doc, int fmt,
			 int refs, al_err *e)
{
	const al_jnode *list = doc;
	if (IS_OBJ(doc)) {
		list = al_jget(doc, fmt == AL_FMT_DOCVQA || fmt == AL_FMT_STVQA ? "data"
			      : "annotations");
		if (!list)
			list = al_jget(doc, "data");
	}
	if (!list || !IS_ARR(list))
		return al_err_set(e, AL_EFORMAT, "'%s': expected %s", path,
				  refs ? "an object with a list of annotations"
				  : "a list of results");
	/* COCO: images in the order of the "images" list, as the evaluation
	 * takes them (it matters to the tokenizer's line context) */
	const al_jnode *images = fmt == AL_FMT_COCO && refs ? al_jget(doc, "images") : NULL;
	for (size_t i = 0; images && IS_ARR(images) && i < images->n; i++) {
		const al_jnode *idv = al_jget(&images->kid[i], "id");
		const char *id = idv ? id_text(idv) : NULL;
		int created;
		if (id && !ex_for(s, id, &created))
			return al_err_set(e, AL_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < list->n; i++) {
		const al_jnode *o = &list->kid[i];
		where w = {path, i + 1, "item"};
		if (!IS_OBJ(o))
			return al_err_set(e, AL_EFORMAT, WHERE_FMT "expected an object",
					  WHERE_ARGS(&w));
		const char *id_key = fmt == AL_FMT_COCO ? "image_id"
			: al_jget(o, "questionId") ? "questionId" : "question_id";
		int rc;
		if (fmt == AL_FMT_COCO && refs) {
			/* one caption per annotation, grouped by image */
			const al_jnode *idv = al_jget(o, "image_id"), *cap = al_jget(o, "caption");
			const char *id = idv ? id_text(idv) : NULL;
			if (!id || !cap || !IS_STR(cap))
				return al_err_set(e, AL_EFORMAT, WHERE_FMT "expected "
						  "\"image_id\" and \"caption\"", WHERE_ARGS(&w));
			int created;
			al_score_ex *x = ex_for(s, id, &created);
			if (!x || add_ref(s, x, cap->s) < 0)
				return al_err_set(e, AL_ENOMEM, "out of memory");
			rc = 0;
		} else if (refs) {
			rc = ref_item(s, o, id_key, &w, e);
		} else {
			rc = pred_item(s, o, id_key, fmt == AL_FMT_COCO ? "caption" : "answer",
				       &w, e);
		}
		if (rc < 0)
			return rc;
	}
	if (fmt == AL_FMT_COCO && refs)
		s->restrict_to_preds = 1;
	return 0;
}

/* One TSV line split at tabs into at most max fields (in place). */
static int split_tabs(char *line, char **f, int max)
{
	int n = 0;
	f[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == '\t') {
			*p = 0;
			f[n++] = p + 1;
		}
	return n;
}

static int col_of(char **f, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(f[i], name) == 0)
			return i;
	return -1;
}

/* Whether s is a whole number or real, into *v. */
static int parse_num(const char *s, double *v)
{
	char *end;
	if (!*s)
		return 0;
	*v = strtod(s, &end);
	return *end == 0 && end != s;
}

/* GLUE TSV: references (a dev file) or predictions (index, prediction). */
static int read_glue_tsv(al_score_set *s, const char *path, const al_map *m, int refs,
			 al_err *e)
{
	enum { MAXF = 64 };
	const char *p = (const char *)m->data, *end = p + m->size;
	char *buf = NULL, *f[MAXF];
	size_t line = 0, row = 0, cap = 0;
	int idcol = -1, valcol = 1, header_seen = 0, rc = 0;
	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *q = p;
		p = nl ? nl + 1 : end;
		line++;
		if (len && q[len - 1] == '\r')
			len--;
		if (len == 0)
			continue;
		if ((rc = al_grow((void **)&buf, &cap, len + 1, 1, e)) < 0)
			break;
		memcpy(buf, q, len);
		buf[len] = 0;
		int n = split_tabs(buf, f, MAXF);
		if (!header_seen) {
			header_seen = 1;
			static const char *const labels[] = {"gold_label", "label", "score",
							     "is_duplicate", "Quality", NULL};
			static const char *const preds[] = {"prediction", "label", NULL};
			const char *const *names = refs ? labels : preds;
			int lc = -1;
			for (int i = 0; names[i] && lc < 0; i++)
				lc = col_of(f, n, names[i]);
			if (lc >= 0) {   /* a header line */
				valcol = lc;
				idcol = col_of(f, n, "index");
				if (idcol < 0)
					idcol = col_of(f, n, "id");
				continue;
			}
			/* no header: CoLA (label in column 2), or index<TAB>pred */
			valcol = 1;
			idcol = refs ? -1 : 0;
			if (!refs && n == 1) {
				valcol = 0;
				idcol = -1;
			}
		}
		if (valcol >= n || idcol >= n) {
			rc = al_err_set(e, AL_EFORMAT, "'%s': line %zu: expected at least %d "
					"tab-separated columns, found %d", path, line,
					(valcol > idcol ? valcol : idcol) + 1, n);
			break;
		}
		char idbuf[32];
		const char *id = idcol >= 0 ? f[idcol] : idbuf;
		if (idcol < 0)
			snprintf(idbuf, sizeof idbuf, "%zu", row);
		row++;
		const char *val = f[valcol];
		double v;
		if (refs) {
			int created;
			al_score_ex *x = ex_for(s, id, &created);
			if (!x) {
				rc = al_err_set(e, AL_ENOMEM, "out of memory");
				break;
			}
			if (!created) {
				rc = al_err_set(e, AL_EFORMAT, "'%s': line %zu: duplicate id "
						"'%s' in the references", path, line, id);
				break;
			}
			if (parse_num(val, &v)) {
				x->has_label = 1;
				x->label = v;
			} else if (!(x->label_text = arena_strdup(s, val))) {
				rc = al_err_set(e, AL_ENOMEM, "out of memory");
			}
		} else {
			long k = al_strmap_find(s->ids, id, strlen(id));
			if (k < 0) {
				rc = al_err_set(e, AL_ENOTFOUND, "'%s': line %zu: prediction "
						"for id '%s', which has no reference", path, line, id);
				break;
			}
			al_score_ex *x = &s->ex[k];
			if (x->pred) {
				rc = al_err_set(e, AL_EFORMAT, "'%s': line %zu: a second "
						"prediction for id '%s'", path, line, id);
				break;
			}
			if (!(x->pred = arena_strdup(s, val)))
				rc = al_err_set(e, AL_ENOMEM, "out of memory");
			else if (parse_num(val, &v)) {
				x->pred_is_num = 1;
				x->pred_num = v;
			}
		}
	}
	free(buf);
	return rc;
}

/* Whether a buffer looks like TSV rather than JSON. */
static int looks_tsv(const al_map *m)
{
	const char *p = (const char *)m->data, *end = p + m->size;
	while (p < end && (*p == ' ' || *p == '\r' || *p == '\n'))
		p++;
	if (p == end || *p == '{' || *p == '[')
		return 0;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	return memchr(p, '\t', (size_t)((nl ? nl : end) - p)) != NULL;
}

static int read_any(al_score_set *s, const char *path, int fmt, int refs, al_err *e)
{
	al_map m;
	int rc = al_map_file(path, &m, e);
	if (rc < 0)
		return rc;
	al_jnode *doc = NULL;
	if ((fmt == AL_FMT_AUTO || fmt == AL_FMT_GLUE) && looks_tsv(&m)) {
		rc = read_glue_tsv(s, path, &m, refs, e);
		al_map_release(&m);
		return rc;
	}
	if (fmt == AL_FMT_GLUE)
		fmt = AL_FMT_JSONL;   /* GLUE predictions as JSONL */
	if (fmt == AL_FMT_AUTO && looks_jsonl(&m))
		fmt = AL_FMT_JSONL;
	if (fmt != AL_FMT_JSONL) {
		doc = parse_whole(&m);
		if (fmt == AL_FMT_AUTO)
			fmt = doc ? detect(doc) : AL_FMT_JSONL;
		else if (!doc)
			rc = al_err_set(e, AL_EFORMAT, "'%s': not one valid JSON "
					"document, as the %s format is", path,
					fmt == AL_FMT_COCO ? "coco" : fmt == AL_FMT_VQA ? "vqa"
					: fmt == AL_FMT_DOCVQA ? "docvqa" : "stvqa");
	}
	if (rc == 0) {
		if (fmt != AL_FMT_JSONL)
			rc = read_official(s, path, doc, fmt, refs, e);
		else
			rc = each_line(s, path, (const char *)m.data, m.size, refs, e);
	}
	al_jnode_free(doc);
	al_map_release(&m);
	return rc;
}

int al_score_read_refs(al_score_set *s, const char *path, int fmt, al_err *e)
{
	return read_any(s, path, fmt, 1, e);
}

int al_score_read_preds(al_score_set *s, const char *path, int fmt, al_err *e)
{
	return read_any(s, path, fmt, 0, e);
}

int al_score_check(al_score_set *s, int allow_missing, al_err *e)
{
	if (s->restrict_to_preds) {
		size_t k = 0;
		for (size_t i = 0; i < s->n; i++) {
			if (s->ex[i].pred)
				s->ex[k++] = s->ex[i];
		}
		s->n = k;
		/* ids map now stale; not used after the check */
	}
	for (size_t i = 0; i < s->n; i++) {
		if (s->ex[i].pred)
			continue;
		if (!allow_missing)
			return al_err_set(e, AL_ENOTFOUND, "no prediction for id '%s'; "
					  "--allow-missing scores it as empty",
					  s->ex[i].id);
		if (!(s->ex[i].pred = arena_strdup(s, "")))
			return al_err_set(e, AL_ENOMEM, "out of memory");
	}
	if (s->n == 0)
		return al_err_set(e, AL_EINVAL, "no examples to score");
	return 0;
}
