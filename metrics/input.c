/* input.c: reading references and predictions (see input.h). */
#include "input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "lib/file.h"
#include "mutil.h"

struct al_score_set {
	al_score_ex *ex;
	size_t n, cap;
	al_idmap *ids;        /* id -> index in ex */
	int restrict_to_preds; /* COCO: score only the images of the results */
};

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
	if (!(s->ids = al_idmap_new())) {
		free(s);
		return NULL;
	}
	return s;
}

static void ex_free(al_score_ex *x)
{
	free(x->id);
	for (size_t r = 0; r < x->nrefs; r++)
		free(x->refs[r]);
	free(x->refs);
	free(x->pred);
	free(x->label_text);
}

void al_score_set_free(al_score_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		ex_free(&s->ex[i]);
	free(s->ex);
	al_idmap_free(s->ids);
	free(s);
}

size_t al_score_count(const al_score_set *s) { return s->n; }
const al_score_ex *al_score_at(const al_score_set *s, size_t i) { return &s->ex[i]; }

/* The text of an id value: a string as it is, a number as its JSON text. */
static const char *id_text(yajl_val v)
{
	if (YAJL_IS_STRING(v))
		return YAJL_GET_STRING(v);
	if (YAJL_IS_NUMBER(v))
		return v->u.number.r;
	return NULL;
}

static yajl_val member(yajl_val obj, const char *key)
{
	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	for (size_t i = 0; i < obj->u.object.len; i++)
		if (strcmp(obj->u.object.keys[i], key) == 0)
			return obj->u.object.values[i];
	return NULL;
}

/* The example for id, created if absent (*created set). */
static al_score_ex *ex_for(al_score_set *s, const char *id, int *created)
{
	int added;
	long k = al_idmap_intern(s->ids, id, strlen(id), &added);
	if (k < 0)
		return NULL;
	*created = added;
	if (!added)
		return &s->ex[k];
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		al_score_ex *nx = realloc(s->ex, cap * sizeof *nx);
		if (!nx)
			return NULL;
		s->ex = nx;
		s->cap = cap;
	}
	al_score_ex *x = &s->ex[s->n++];
	memset(x, 0, sizeof *x);
	x->id = strdup(id);
	return x->id ? x : NULL;
}

static int add_ref(al_score_ex *x, const char *text)
{
	char **nr = realloc(x->refs, (x->nrefs + 1) * sizeof *nr);
	if (!nr)
		return -1;
	x->refs = nr;
	if (!(nr[x->nrefs] = strdup(text)))
		return -1;
	x->nrefs++;
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

static int ref_item(al_score_set *s, yajl_val o, const char *id_key,
		    const where *w, al_err *e)
{
	yajl_val idv = member(o, id_key);
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
	yajl_val refs = member(o, "references");
	if (!refs)
		refs = member(o, "answers");
	yajl_val label = member(o, "label");
	if (refs && YAJL_IS_ARRAY(refs)) {
		for (size_t i = 0; i < refs->u.array.len; i++) {
			yajl_val r = refs->u.array.values[i];
			yajl_val a = member(r, "answer");   /* VQA answer objects */
			if (a)
				r = a;
			if (!YAJL_IS_STRING(r))
				return al_err_set(e, AL_EFORMAT, WHERE_FMT "id '%s': "
						  "reference %zu is not a string",
						  WHERE_ARGS(w), id, i + 1);
			if (add_ref(x, YAJL_GET_STRING(r)) < 0)
				return al_err_set(e, AL_ENOMEM, "out of memory");
		}
		if (x->nrefs == 0)
			return al_err_set(e, AL_EFORMAT, WHERE_FMT "id '%s': no "
					  "references", WHERE_ARGS(w), id);
	} else if (label && YAJL_IS_NUMBER(label)) {
		x->has_label = 1;
		x->label = YAJL_GET_DOUBLE(label);
	} else {
		return al_err_set(e, AL_EFORMAT, WHERE_FMT "id '%s': expected "
				  "\"references\" (a list of strings) or \"label\" "
				  "(a number)", WHERE_ARGS(w), id);
	}
	return 0;
}

static int pred_item(al_score_set *s, yajl_val o, const char *id_key,
		     const char *text_key, const where *w, al_err *e)
{
	yajl_val idv = member(o, id_key);
	const char *id = idv ? id_text(idv) : NULL;
	if (!id)
		return al_err_set(e, AL_EFORMAT, WHERE_FMT "expected an \"%s\" "
				  "(string or number)", WHERE_ARGS(w), id_key);
	long k = al_idmap_find(s->ids, id, strlen(id));
	if (k < 0)
		return al_err_set(e, AL_ENOTFOUND, WHERE_FMT "prediction for id "
				  "'%s', which has no reference", WHERE_ARGS(w), id);
	al_score_ex *x = &s->ex[k];
	if (x->pred)
		return al_err_set(e, AL_EFORMAT, WHERE_FMT "a second prediction "
				  "for id '%s'", WHERE_ARGS(w), id);
	yajl_val p = member(o, text_key);
	if (p && YAJL_IS_STRING(p)) {
		x->pred = strdup(p->u.string);
	} else if (p && YAJL_IS_NUMBER(p)) {
		x->pred = strdup(p->u.number.r);
		x->pred_is_num = 1;
		x->pred_num = YAJL_GET_DOUBLE(p);
	} else {
		return al_err_set(e, AL_EFORMAT, WHERE_FMT "id '%s': expected "
				  "\"%s\" (a string or a number)", WHERE_ARGS(w),
				  id, text_key);
	}
	return x->pred ? 0 : al_err_set(e, AL_ENOMEM, "out of memory");
}

/* Call fn on each line's JSON object of a JSONL buffer. */
static int each_line(al_score_set *s, const char *path, const al_map *m, int refs,
		     al_err *e)
{
	const char *p = (const char *)m->data, *end = p + m->size;
	size_t line = 0, cap = 0;
	char *buf = NULL;
	int rc = 0;
	char ebuf[256];
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
		if (len + 1 > cap) {
			cap = len + 1;
			char *nb = realloc(buf, cap);
			if (!nb) {
				rc = al_err_set(e, AL_ENOMEM, "out of memory");
				break;
			}
			buf = nb;
		}
		memcpy(buf, q, len);
		buf[len] = 0;
		ebuf[0] = 0;
		yajl_val o = yajl_tree_parse(buf, ebuf, sizeof ebuf);
		where w = {path, line, "line"};
		if (!o) {
			char *t = strchr(ebuf, '\n');
			if (t)
				*t = 0;
			rc = al_err_set(e, AL_EFORMAT, WHERE_FMT "not valid JSON: %s",
					WHERE_ARGS(&w), ebuf);
			break;
		}
		if (!YAJL_IS_OBJECT(o))
			rc = al_err_set(e, AL_EFORMAT, WHERE_FMT "expected a JSON object",
					WHERE_ARGS(&w));
		else if (refs)
			rc = ref_item(s, o, "id", &w, e);
		else
			rc = pred_item(s, o, "id", "prediction", &w, e);
		yajl_tree_free(o);
	}
	free(buf);
	return rc;
}

/* Parse a whole buffer as one JSON document (NULL if it is not one). */
static yajl_val parse_whole(const al_map *m)
{
	char *buf = malloc(m->size + 1);
	if (!buf)
		return NULL;
	if (m->size)
		memcpy(buf, m->data, m->size);
	buf[m->size] = 0;
	yajl_val v = yajl_tree_parse(buf, NULL, 0);
	free(buf);
	return v;
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
	size_t len = (size_t)(nl - p);
	char *line = malloc(len + 1);
	if (!line)
		return 0;
	memcpy(line, p, len);
	line[len] = 0;
	yajl_val v = yajl_tree_parse(line, NULL, 0);
	free(line);
	int yes = v && YAJL_IS_OBJECT(v);
	if (v)
		yajl_tree_free(v);
	return yes;
}

/* Guess an official format from a parsed document; AL_FMT_JSONL if none. */
static int detect(yajl_val v)
{
	yajl_val item = NULL;
	if (YAJL_IS_ARRAY(v) && v->u.array.len)
		item = v->u.array.values[0];
	else if (YAJL_IS_OBJECT(v)) {
		yajl_val a = member(v, "annotations"), d = member(v, "data");
		if (a && YAJL_IS_ARRAY(a) && a->u.array.len)
			item = a->u.array.values[0];
		else if (d && YAJL_IS_ARRAY(d) && d->u.array.len)
			item = d->u.array.values[0];
	}
	if (!item)
		return AL_FMT_JSONL;
	if (member(item, "image_id") && member(item, "caption"))
		return AL_FMT_COCO;
	if (member(item, "questionId"))
		return AL_FMT_DOCVQA;
	if (member(item, "question_id"))
		return AL_FMT_VQA;
	return AL_FMT_JSONL;
}

static int read_official(al_score_set *s, const char *path, yajl_val doc, int fmt,
			 int refs, al_err *e)
{
	yajl_val list = doc;
	if (YAJL_IS_OBJECT(doc)) {
		list = member(doc, fmt == AL_FMT_DOCVQA || fmt == AL_FMT_STVQA ? "data"
			      : "annotations");
		if (!list)
			list = member(doc, "data");
	}
	if (!list || !YAJL_IS_ARRAY(list))
		return al_err_set(e, AL_EFORMAT, "'%s': expected %s", path,
				  refs ? "an object with a list of annotations"
				  : "a list of results");
	/* COCO: images in the order of the "images" list, as the evaluation
	 * takes them (it matters to the tokenizer's line context) */
	yajl_val images = fmt == AL_FMT_COCO && refs ? member(doc, "images") : NULL;
	for (size_t i = 0; images && YAJL_IS_ARRAY(images) && i < images->u.array.len; i++) {
		yajl_val idv = member(images->u.array.values[i], "id");
		const char *id = idv ? id_text(idv) : NULL;
		int created;
		if (id && !ex_for(s, id, &created))
			return al_err_set(e, AL_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < list->u.array.len; i++) {
		yajl_val o = list->u.array.values[i];
		where w = {path, i + 1, "item"};
		if (!YAJL_IS_OBJECT(o))
			return al_err_set(e, AL_EFORMAT, WHERE_FMT "expected an object",
					  WHERE_ARGS(&w));
		const char *id_key = fmt == AL_FMT_COCO ? "image_id"
			: member(o, "questionId") ? "questionId" : "question_id";
		int rc;
		if (fmt == AL_FMT_COCO && refs) {
			/* one caption per annotation, grouped by image */
			yajl_val idv = member(o, "image_id"), cap = member(o, "caption");
			const char *id = idv ? id_text(idv) : NULL;
			if (!id || !cap || !YAJL_IS_STRING(cap))
				return al_err_set(e, AL_EFORMAT, WHERE_FMT "expected "
						  "\"image_id\" and \"caption\"", WHERE_ARGS(&w));
			int created;
			al_score_ex *x = ex_for(s, id, &created);
			if (!x || add_ref(x, YAJL_GET_STRING(cap)) < 0)
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
		if (len + 1 > cap) {
			char *nb = realloc(buf, cap = len + 1);
			if (!nb) {
				rc = al_err_set(e, AL_ENOMEM, "out of memory");
				break;
			}
			buf = nb;
		}
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
			} else if (!(x->label_text = strdup(val))) {
				rc = al_err_set(e, AL_ENOMEM, "out of memory");
			}
		} else {
			long k = al_idmap_find(s->ids, id, strlen(id));
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
			if (!(x->pred = strdup(val)))
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
	yajl_val doc = NULL;
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
		if (fmt == AL_FMT_JSONL)
			rc = each_line(s, path, &m, refs, e);
		else
			rc = read_official(s, path, doc, fmt, refs, e);
	}
	if (doc)
		yajl_tree_free(doc);
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
			else
				ex_free(&s->ex[i]);
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
		if (!(s->ex[i].pred = strdup("")))
			return al_err_set(e, AL_ENOMEM, "out of memory");
	}
	if (s->n == 0)
		return al_err_set(e, AL_EINVAL, "no examples to score");
	return 0;
}
