/* input.c: reading references and predictions (see input.h). */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "lib/file.h"
#include "mutil.h"

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
	al_idmap *ids;        /* id -> index in ex */
	int restrict_to_preds; /* COCO: score only the images of the results */
	arena_blk *arena;
	struct kept_text { char *p; size_t size; } *text;   /* files read, strings cut in place */
	size_t ntext;
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
	if (!(s->ids = al_idmap_new())) {
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
	for (size_t i = 0; i < s->ntext; i++)
		al_big_free(s->text[i].p, s->text[i].size);
	free(s->text);
	al_big_free(s->ex, s->cap * sizeof *s->ex);
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
		al_score_ex *nx = al_big_realloc(s->ex, s->cap * sizeof *nx, cap * sizeof *nx);
		if (!nx)
			return NULL;
		s->ex = nx;
		s->cap = cap;
	}
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

/* Add a reference: text itself if stable (it lives as long as s), else a
 * copy. */
static int add_ref(al_score_set *s, al_score_ex *x, const char *text, int stable)
{
	if (reserve_refs(s, x, x->nrefs + 1) < 0 ||
	    !(x->refs[x->nrefs] = stable ? (char *)text : arena_strdup(s, text)))
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
			if (add_ref(s, x, refs[i], 0) < 0)
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

/* One reference item; its strings are stable if they live as long as s. */
static int ref_item(al_score_set *s, yajl_val o, const char *id_key,
		    const where *w, int stable, al_err *e)
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
	/* adalink ingest's records: "targets", unless a numeric "label" (GLUE) */
	if (!refs && !(label && YAJL_IS_NUMBER(label)))
		refs = member(o, "targets");
	if (refs && YAJL_IS_ARRAY(refs)) {
		if (reserve_refs(s, x, refs->u.array.len) < 0)
			return al_err_set(e, AL_ENOMEM, "out of memory");
		for (size_t i = 0; i < refs->u.array.len; i++) {
			yajl_val r = refs->u.array.values[i];
			yajl_val a = member(r, "answer");   /* VQA answer objects */
			if (a)
				r = a;
			if (!YAJL_IS_STRING(r))
				return al_err_set(e, AL_EFORMAT, WHERE_FMT "id '%s': "
						  "reference %zu is not a string",
						  WHERE_ARGS(w), id, i + 1);
			if (add_ref(s, x, YAJL_GET_STRING(r), stable) < 0)
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
		     const char *text_key, const where *w, int stable, al_err *e)
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
		x->pred = stable ? p->u.string : arena_strdup(s, p->u.string);
	} else if (p && YAJL_IS_NUMBER(p)) {
		x->pred = arena_strdup(s, p->u.number.r);
		x->pred_is_num = 1;
		x->pred_num = YAJL_GET_DOUBLE(p);
	} else {
		return al_err_set(e, AL_EFORMAT, WHERE_FMT "id '%s': expected "
				  "\"%s\" (a string or a number)", WHERE_ARGS(w),
				  id, text_key);
	}
	return x->pred ? 0 : al_err_set(e, AL_ENOMEM, "out of memory");
}

/* The fast path for a JSONL line: plain JSON (no escapes, no comments, no
 * odd whitespace, well-formed UTF-8, depth at most 32), parsed in place
 * (strings end where their closing quote was) into yajl_val nodes held in
 * scratch reused from line to line.  Anything else is left to
 * yajl_tree_parse, so the two accept the same lines and give the same
 * values. */
typedef struct fastjson {
	struct yajl_val_s *node;
	size_t nnode;
	void **ptr;          /* the lists of keys and values of containers */
	size_t nptr;
	void **stk;          /* members of containers still open */
	size_t nstk;
	char *txt;           /* numbers' text, each NUL-terminated */
	size_t ntxt;
	char **cut;          /* the closing quotes, to become NULs */
	size_t ncut;
	size_t cap;          /* of each array: enough for a line that long */
} fastjson;

static void fastjson_free(fastjson *f)
{
	free(f->node);
	free(f->ptr);
	free(f->stk);
	free(f->txt);
	free(f->cut);
}

static int fastjson_reserve(fastjson *f, size_t len)
{
	if (len + 2 <= f->cap)
		return 0;
	size_t cap = f->cap ? f->cap : 1024;
	while (cap < len + 2)
		cap *= 2;
	fastjson_free(f);
	f->node = malloc(cap * sizeof *f->node);
	f->ptr = malloc(cap * sizeof *f->ptr);
	f->stk = malloc(cap * sizeof *f->stk);
	f->txt = malloc(2 * cap);
	f->cut = malloc(cap * sizeof *f->cut);
	f->cap = f->node && f->ptr && f->stk && f->txt && f->cut ? cap : 0;
	return f->cap ? 0 : -1;
}

static char *fj_ws(char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	return p;
}

/* A string at p (the opening quote): its text (NUL-terminated in place
 * once the whole line has parsed), the end after its closing quote, or
 * NULL. */
static char *fj_string(fastjson *f, char *p, const char *end, char **out)
{
	unsigned char *q = (unsigned char *)p + 1;
	const unsigned char *e = (const unsigned char *)end;
	for (;;) {
		while (q < e && *q >= 0x20 && *q < 0x80 && *q != '"' && *q != '\\')
			q++;
		if (q >= e || *q < 0x20 || *q == '\\')
			return NULL;
		if (*q == '"')
			break;
		/* well-formed UTF-8 (stricter than yajl's check: no overlong
		 * forms, surrogates or values past U+10FFFF) */
		unsigned c = *q;
		int n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2
			: c >= 0xf0 && c <= 0xf4 ? 3 : -1;
		if (n < 0 || e - q <= n)
			return NULL;
		for (int i = 1; i <= n; i++)
			if ((q[i] & 0xc0) != 0x80)
				return NULL;
		if ((c == 0xe0 && q[1] < 0xa0) || (c == 0xed && q[1] >= 0xa0) ||
		    (c == 0xf0 && q[1] < 0x90) || (c == 0xf4 && q[1] >= 0x90))
			return NULL;
		q += n + 1;
	}
	f->cut[f->ncut++] = (char *)q;
	*out = p + 1;
	return (char *)q + 1;
}

static int fj_digit(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

static char *fj_value(fastjson *f, char *p, const char *end, int depth, yajl_val *out);

/* The members of an object or the items of an array at p ('{' or '['). */
static char *fj_container(fastjson *f, char *p, const char *end, int depth, yajl_val v)
{
	int obj = *p == '{';
	char close = obj ? '}' : ']';
	size_t base = f->nstk, n = 0;
	p = fj_ws(p + 1, end);
	if (p < end && *p == close) {
		p++;
	} else {
		for (;;) {
			if (obj) {
				char *key;
				if (p >= end || *p != '"' || !(p = fj_string(f, p, end, &key)))
					return NULL;
				p = fj_ws(p, end);
				if (p >= end || *p != ':')
					return NULL;
				p = fj_ws(p + 1, end);
				f->stk[f->nstk++] = key;
			}
			yajl_val item;
			if (!(p = fj_value(f, p, end, depth + 1, &item)))
				return NULL;
			f->stk[f->nstk++] = item;
			n++;
			p = fj_ws(p, end);
			if (p < end && *p == ',') {
				p = fj_ws(p + 1, end);
				continue;
			}
			if (p < end && *p == close) {
				p++;
				break;
			}
			return NULL;
		}
	}
	/* members to the lists: keys, then values */
	size_t per = obj ? 2 : 1;
	void **list = f->ptr + f->nptr;
	f->nptr += per * n;
	for (size_t i = 0; i < n; i++) {
		if (obj) {
			list[i] = f->stk[base + 2 * i];
			list[n + i] = f->stk[base + 2 * i + 1];
		} else {
			list[i] = f->stk[base + i];
		}
	}
	f->nstk = base;
	if (obj) {
		v->type = yajl_t_object;
		v->u.object.keys = (const char **)list;
		v->u.object.values = (yajl_val *)(list + n);
		v->u.object.len = n;
	} else {
		v->type = yajl_t_array;
		v->u.array.values = (yajl_val *)list;
		v->u.array.len = n;
	}
	return p;
}

static char *fj_value(fastjson *f, char *p, const char *end, int depth, yajl_val *out)
{
	if (p >= end || depth > 32)
		return NULL;
	yajl_val v = *out = &f->node[f->nnode++];
	switch (*p) {
	case '{':
	case '[':
		return fj_container(f, p, end, depth, v);
	case '"':
		v->type = yajl_t_string;
		return fj_string(f, p, end, &v->u.string);
	case 't':
	case 'f':
	case 'n': {
		static const char *const words[] = {"true", "false", "null"};
		static const yajl_type types[] = {yajl_t_true, yajl_t_false, yajl_t_null};
		int w = *p == 't' ? 0 : *p == 'f' ? 1 : 2;
		size_t len = strlen(words[w]);
		if ((size_t)(end - p) < len || memcmp(p, words[w], len) ||
		    (p + len < end && ((p[len] >= 'a' && p[len] <= 'z') ||
				       (p[len] >= '0' && p[len] <= '9'))))
			return NULL;
		v->type = types[w];
		return p + len;
	}
	default: {
		/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
		char *q = p;
		if (q < end && *q == '-')
			q++;
		if (!fj_digit(q, end))
			return NULL;
		if (*q == '0')
			q++;
		else
			while (fj_digit(q, end))
				q++;
		if (q < end && *q == '.') {
			if (!fj_digit(++q, end))
				return NULL;
			while (fj_digit(q, end))
				q++;
		}
		if (q < end && (*q == 'e' || *q == 'E')) {
			q++;
			if (q < end && (*q == '+' || *q == '-'))
				q++;
			if (!fj_digit(q, end))
				return NULL;
			while (fj_digit(q, end))
				q++;
		}
		if (q < end && (fj_digit(q, end) || *q == '.' || *q == 'e' || *q == 'E' ||
				(*q >= 'a' && *q <= 'z')))
			return NULL;
		size_t len = (size_t)(q - p);
		char *t = f->txt + f->ntxt;
		memcpy(t, p, len);
		t[len] = 0;
		f->ntxt += len + 1;
		v->type = yajl_t_number;
		v->u.number.r = t;
		v->u.number.i = 0;
		v->u.number.d = strtod(t, NULL);
		v->u.number.flags = 0;
		return q;
	}
	}
}

/* Parse line[0..len) (writable), a whole JSON value alone on the line,
 * into *out: 1 (its strings now cut in place), or 0 if the fast path does
 * not take it (the line untouched). */
static int fastjson_parse(fastjson *f, char *line, size_t len, yajl_val *out)
{
	if (len > (1u << 20) || fastjson_reserve(f, len) < 0)
		return 0;
	f->nnode = f->nptr = f->nstk = f->ntxt = f->ncut = 0;
	const char *end = line + len;
	char *p = fj_value(f, fj_ws(line, end), end, 0, out);
	if (!p || fj_ws(p, end) != end)
		return 0;
	for (size_t i = 0; i < f->ncut; i++)
		*f->cut[i] = 0;
	return 1;
}

/* Read each line's JSON object of a JSONL file held in text[0..size)
 * (writable, kept by s: the strings of the lines the fast path takes stay
 * there, cut in place). */
static int each_line(al_score_set *s, const char *path, char *text, size_t size,
		     int refs, al_err *e)
{
	char *p = text, *end = text + size;
	size_t line = 0, cap = 0;
	char *buf = NULL;
	int rc = 0;
	char ebuf[256];
	fastjson fj = {0};
	while (p < end && rc == 0) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		line++;
		char *q = p;
		p = nl ? nl + 1 : end;
		size_t b = 0;
		while (b < len && (q[b] == ' ' || q[b] == '\t' || q[b] == '\r'))
			b++;
		if (b == len)
			continue;
		yajl_val o;
		int fast = fastjson_parse(&fj, q, len, &o);
		if (!fast) {
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
			o = yajl_tree_parse(buf, ebuf, sizeof ebuf);
		}
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
			rc = ref_item(s, o, "id", &w, fast, e);
		else
			rc = pred_item(s, o, "id", "prediction", &w, fast, e);
		if (!fast)
			yajl_tree_free(o);
	}
	free(buf);
	fastjson_free(&fj);
	return rc;
}

/* A zeroed block of size bytes that s keeps until it is freed. */
static char *add_text(al_score_set *s, size_t size)
{
	struct kept_text *nt = realloc(s->text, (s->ntext + 1) * sizeof *nt);
	if (!nt)
		return NULL;
	s->text = nt;
	char *t = al_big_alloc(size);
	if (t) {
		nt[s->ntext].p = t;
		nt[s->ntext++].size = size;
	}
	return t;
}

/* Read path ("-": stdin) whole into *m.  A regular file is read into a
 * block s keeps (huge pages: a private writable mapping of the file would
 * fault on every page), writable, for JSONL to be parsed in place: *kept
 * points to it.  Anything else is read by al_map_file and *kept is NULL
 * (copy it with keep_text to parse it in place). */
static int load(al_score_set *s, const char *path, al_map *m, char **kept, al_err *e)
{
	*kept = NULL;
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return al_map_file(path, m, e);
	}
	size_t size = (size_t)st.st_size, got = 0;
	char *t = add_text(s, size + 1);
	if (!t) {
		close(fd);
		return al_err_set(e, AL_ENOMEM, "'%s': out of memory", path);
	}
	while (got < size) {
		ssize_t r = read(fd, t + got, size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int rc = r < 0 ? al_err_errno(e, AL_EIO, "'%s': read failed", path)
				: al_err_set(e, AL_EIO, "'%s': shorter than its size", path);
			close(fd);
			return rc;
		}
		got += (size_t)r;
	}
	close(fd);
	m->data = (const uint8_t *)t;
	m->size = size;
	m->mapped = 0;
	*kept = t;
	return 0;
}

/* A writable copy of m that s keeps. */
static char *keep_text(al_score_set *s, const al_map *m, const char *path, al_err *e)
{
	char *t = add_text(s, m->size + 1);
	if (!t) {
		al_err_set(e, AL_ENOMEM, "'%s': out of memory", path);
		return NULL;
	}
	if (m->size)
		memcpy(t, m->data, m->size);
	return t;
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
			if (!x || add_ref(s, x, YAJL_GET_STRING(cap), 0) < 0)
				return al_err_set(e, AL_ENOMEM, "out of memory");
			rc = 0;
		} else if (refs) {
			rc = ref_item(s, o, id_key, &w, 0, e);
		} else {
			rc = pred_item(s, o, id_key, fmt == AL_FMT_COCO ? "caption" : "answer",
				       &w, 0, e);
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
			} else if (!(x->label_text = arena_strdup(s, val))) {
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
	char *kept;
	int rc = load(s, path, &m, &kept, e);
	if (rc < 0)
		return rc;
	yajl_val doc = NULL;
	if ((fmt == AL_FMT_AUTO || fmt == AL_FMT_GLUE) && looks_tsv(&m)) {
		rc = read_glue_tsv(s, path, &m, refs, e);
		if (!kept)
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
		char *t;
		if (fmt != AL_FMT_JSONL)
			rc = read_official(s, path, doc, fmt, refs, e);
		else if (!(t = kept ? kept : keep_text(s, &m, path, e)))
			rc = AL_ENOMEM;
		else
			rc = each_line(s, path, t, m.size, refs, e);
	}
	if (doc)
		yajl_tree_free(doc);
	if (!kept)
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
