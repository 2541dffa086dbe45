/* json_read.c: yajl callbacks building one top-level piece at a time, or
 * one whole value (see json_read.h). */
#include "json_read.h"

#include <errno.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "array.h"

enum { MAX_DEPTH = 256 };

typedef struct frame {
	al_jnode node;
	int depth;
	char *key;       /* pending key for the next child of an object */
} frame;

struct al_jstream {
	char *name;
	al_jstream_fn fn;
	void *ctx;
	yajl_handle h;
	int depth;          /* containers open */
	int top_seen;       /* the top-level object has begun */
	char *topkey;       /* current top-level key */
	int in_array;       /* inside the array under topkey */
	long index;
	frame *st;
	int sp;
	size_t scap;
	uint64_t fed;       /* bytes fed before the current chunk */
	int failed;         /* a handler or structure error is in err */
	al_err err;
	char *pkey;         /* key of a value of the top object being built */
	struct jblk **arena; /* al_jparser: nodes and text from its blocks */
	int whole;          /* al_json_parse: the top value is built whole */
	int begun;          /* a container has been opened */
	al_jnode *out;      /* al_json_parse: where it goes */
};

/* An al_jparser's memory: blocks, the newest first, freed when it is. */
typedef struct jblk {
	struct jblk *next;
	size_t used, cap;
	max_align_t data[];
} jblk;

static void *jblk_alloc(jblk **head, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	jblk *b = *head;
	if (!b || b->cap - b->used < n) {
		size_t cap = b && b->cap * 2 > n ? b->cap * 2 : n > 4096 ? n : 4096;
		if (!(b = malloc(sizeof *b + cap)))
			return NULL;
		b->used = 0;
		b->cap = cap;
		b->next = *head;
		*head = b;
	}
	void *p = (char *)b->data + b->used;
	b->used += n;
	return p;
}

/* n bytes from the parser's blocks, or malloc'd when it has none. */
static void *jalloc(al_jstream *j, size_t n)
{
	return j->arena ? jblk_alloc(j->arena, n) : malloc(n);
}

static void jfree(al_jstream *j, void *p)
{
	if (!j->arena)
		free(p);
}

static void tree_free(al_jnode *n)
{
	for (size_t i = 0; i < n->n; i++)
		tree_free(&n->kid[i]);
	free(n->kid);
	free(n->key);
	free(n->s);
	memset(n, 0, sizeof *n);
}

/* Free a node built by j (nothing when its memory is the parser's). */
static void node_free(al_jstream *j, al_jnode *n)
{
	if (!j->arena)
		tree_free(n);
}

/* An error at byte off: "'NAME': byte OFF: WHAT" ("byte OFF: WHAT" with no
 * name). */
static int err_at(al_jstream *j, al_err *e, int code, uint64_t off, const char *what)
{
	if (!j->name)
		return al_err_set(e, code, "byte %llu: %s", (unsigned long long)off, what);
	return al_err_at(e, code, j->name, off, "%s", what);
}

static int fail(al_jstream *j, int code, const char *what)
{
	err_at(j, &j->err, code, j->fed + yajl_get_bytes_consumed(j->h), what);
	j->failed = 1;
	return 0;
}

/* Hand a finished piece to the handler and free it. */
static int emit(al_jstream *j, al_jnode *n)
{
	int rc = j->fn(j->ctx, j->topkey ? j->topkey : "", j->in_array ? j->index : -1,
		       n, &j->err);
	node_free(j, n);
	if (j->in_array)
		j->index++;
	if (rc < 0) {
		j->failed = 1;
		return 0;
	}
	return 1;
}

/* Place a finished value: into the container being built, or out as a
 * piece when nothing is being built. */
static int place(al_jstream *j, al_jnode *n)
{
	if (j->sp == 0 && j->whole) {
		*j->out = *n;
		j->top_seen = 1;
		return 1;
	}
	if (j->sp == 0) {
		if (j->depth == 0 && !j->top_seen) {
			node_free(j, n);
			return fail(j, AL_EFORMAT, "expected a JSON object at the top");
		}
		if (!j->in_array) {
			n->key = j->pkey;
			j->pkey = NULL;
		}
		return emit(j, n);
	}
	frame *f = &j->st[j->sp - 1];
	n->key = f->key;
	f->key = NULL;
	al_jnode *p = &f->node;
	if (p->n == p->cap && j->arena) {   /* a new array twice the size */
		size_t c = p->cap ? 2 * p->cap : 4;
		al_jnode *k = jalloc(j, c * sizeof *k);
		if (!k)
			return fail(j, AL_ENOMEM, "out of memory");
		if (p->n)
			memcpy(k, p->kid, p->n * sizeof *k);
		p->kid = k;
		p->cap = c;
	} else if (al_grow((void **)&p->kid, &p->cap, p->n + 1, sizeof *p->kid, NULL) < 0) {
		node_free(j, n);
		return fail(j, AL_ENOMEM, "out of memory");
	}
	p->kid[p->n++] = *n;
	return 1;
}

static int scalar(al_jstream *j, int type, const char *s, size_t len)
{
	al_jnode n = {0};
	n.type = type;
	if (s) {
		if (!(n.s = jalloc(j, len + 1)))
			return fail(j, AL_ENOMEM, "out of memory");
		memcpy(n.s, s, len);
		n.s[len] = 0;
		n.len = len;
	}
	return place(j, &n);
}

static int cb_null(void *c) { return scalar(c, AL_J_NULL, NULL, 0); }
static int cb_bool(void *c, int b)
{
	return scalar(c, AL_J_BOOL, b ? "true" : "false", b ? 4 : 5);
}
static int cb_number(void *c, const char *s, size_t len)
{
	return scalar(c, AL_J_NUM, s, len);
}
static int cb_string(void *c, const unsigned char *s, size_t len)
{
	return scalar(c, AL_J_STR, (const char *)s, len);
}

static int open_container(al_jstream *j, int type)
{
	j->depth++;
	j->begun = 1;
	if (j->depth > MAX_DEPTH)
		return fail(j, AL_ELIMIT, "JSON nested deeper than 256 levels");
	if (j->depth == 1 && !j->whole) {
		if (type != AL_J_OBJ)
			return fail(j, AL_EFORMAT, "expected a JSON object at the top");
		j->top_seen = 1;
		return 1;
	}
	if (j->depth == 2 && type == AL_J_ARR && j->sp == 0 && !j->whole) {
		j->in_array = 1;
		j->index = 0;
		return 1;
	}
	if (al_grow((void **)&j->st, &j->scap, (size_t)j->sp + 1, sizeof *j->st, NULL) < 0)
		return fail(j, AL_ENOMEM, "out of memory");
	frame *f = &j->st[j->sp++];
	memset(f, 0, sizeof *f);
	f->node.type = type;
	f->depth = j->depth;
	return 1;
}

static int close_container(al_jstream *j)
{
	int d = j->depth--;
	if (j->sp > 0 && j->st[j->sp - 1].depth == d) {
		frame f = j->st[--j->sp];
		jfree(j, f.key);
		return place(j, &f.node);
	}
	if (d == 2 && j->in_array) {
		j->in_array = 0;
		return 1;
	}
	return 1;   /* the top-level object */
}

static int cb_start_map(void *c) { return open_container(c, AL_J_OBJ); }
static int cb_end(void *c) { return close_container(c); }
static int cb_start_array(void *c) { return open_container(c, AL_J_ARR); }

static int cb_map_key(void *c, const unsigned char *s, size_t len)
{
	al_jstream *j = c;
	char *k = jalloc(j, len + 1);
	if (!k)
		return fail(j, AL_ENOMEM, "out of memory");
	memcpy(k, s, len);
	k[len] = 0;
	if (j->sp > 0) {
		jfree(j, j->st[j->sp - 1].key);
		j->st[j->sp - 1].key = k;
	} else if (j->depth == 1) {
		free(j->topkey);
		j->topkey = k;
		free(j->pkey);
		j->pkey = strdup(k);
	} else {
		jfree(j, k);
	}
	return 1;
}

static const yajl_callbacks callbacks = {
	cb_null, cb_bool, NULL, NULL, cb_number, cb_string,
	cb_start_map, cb_map_key, cb_end, cb_start_array, cb_end,
};

al_jstream *al_jstream_new(const char *name, al_jstream_fn fn, void *ctx)
{
	al_jstream *j = calloc(1, sizeof *j);
	if (!j)
		return NULL;
	j->name = strdup(name);
	j->fn = fn;
	j->ctx = ctx;
	j->h = yajl_alloc(&callbacks, NULL, j);
	if (!j->name || !j->h) {
		al_jstream_free(j);
		return NULL;
	}
	return j;
}

static int status(al_jstream *j, yajl_status st, const unsigned char *buf,
		  size_t n, al_err *e)
{
	if (st == yajl_status_ok)
		return 0;
	if (j->failed) {
		if (e)
			*e = j->err;
		return j->err.code ? j->err.code : AL_EFORMAT;
	}
	unsigned char *m = yajl_get_error(j->h, 0, buf, n);
	/* yajl's short message: "lexical error: invalid char in json text." */
	char reason[256];
	snprintf(reason, sizeof reason, "%s", m ? (const char *)m : "parse error");
	size_t rl = strlen(reason);
	while (rl && (reason[rl - 1] == '\n' || reason[rl - 1] == '.' ||
		      reason[rl - 1] == ' '))
		reason[--rl] = 0;
	if (m)
		yajl_free_error(j->h, m);
	uint64_t off = j->fed + (buf ? yajl_get_bytes_consumed(j->h) : 0);
	char what[300];
	snprintf(what, sizeof what, "malformed JSON: %s", reason);
	return err_at(j, e, AL_EFORMAT, off, what);
}

int al_jstream_feed(al_jstream *j, const void *buf, size_t n, al_err *e)
{
	if (j->failed)
		return status(j, yajl_status_error, NULL, 0, e);
	yajl_status st = yajl_parse(j->h, buf, n);
	int rc = status(j, st, buf, n, e);
	j->fed += n;
	return rc;
}

int al_jstream_finish(al_jstream *j, al_err *e)
{
	if (j->failed)
		return status(j, yajl_status_error, NULL, 0, e);
	yajl_status st = yajl_complete_parse(j->h);
	if (st != yajl_status_ok && !j->failed && !j->top_seen && !j->begun)
		return err_at(j, e, AL_EFORMAT, j->fed, "malformed JSON: the document is empty");
	if (st != yajl_status_ok && !j->failed)
		return err_at(j, e, AL_EFORMAT, j->fed,
			      "malformed JSON: the document is truncated or incomplete");
	int rc = status(j, st, NULL, 0, e);
	if (rc == 0 && !j->top_seen)
		return err_at(j, e, AL_EFORMAT, j->fed, "malformed JSON: the document is empty");
	return rc;
}

/* Free what j holds but its frame stack and itself. */
static void stream_clear(al_jstream *j)
{
	for (int i = 0; i < j->sp; i++) {
		node_free(j, &j->st[i].node);
		jfree(j, j->st[i].key);
	}
	if (j->h)
		yajl_free(j->h);
	free(j->topkey);
	free(j->pkey);
	free(j->name);
}

void al_jstream_free(al_jstream *j)
{
	if (!j)
		return;
	stream_clear(j);
	free(j->st);
	free(j);
}

/* yajl's own memory from a parser's blocks (each allocation preceded by
 * its size, for realloc); freed with the blocks. */
static void *ya_malloc(void *ctx, size_t n)
{
	size_t *p = jblk_alloc(ctx, n + 16);
	if (!p)
		return NULL;
	*p = n;
	return (char *)p + 16;
}

static void *ya_realloc(void *ctx, void *ptr, size_t n)
{
	if (!ptr)
		return ya_malloc(ctx, n);
	size_t old = *(size_t *)(void *)((char *)ptr - 16);
	if (n <= old)
		return ptr;
	void *q = ya_malloc(ctx, n);
	if (q)
		memcpy(q, ptr, old);
	return q;
}

static void ya_free(void *ctx, void *ptr)
{
	(void)ctx;
	(void)ptr;
}

/* Parse buf[0..n) whole into *root, its memory malloc'd, or from *arena
 * with the frame stack *st of *scap frames (kept for the next parse). */
static int parse_whole(const char *name, const void *buf, size_t n, int flags,
		       jblk **arena, frame **st, size_t *scap, al_jnode *root, al_err *e)
{
	al_jstream j = {0};
	yajl_alloc_funcs af = {ya_malloc, ya_realloc, ya_free, arena};
	j.st = *st;
	j.scap = *scap;
	j.whole = 1;
	j.out = root;
	j.arena = arena;
	int rc;
	if ((name && !(j.name = strdup(name))) ||
	    !(j.h = yajl_alloc(&callbacks, arena ? &af : NULL, &j))) {
		rc = al_err_set(e, AL_ENOMEM, "out of memory");
	} else {
		if (flags & AL_JSON_COMMENTS)
			yajl_config(j.h, yajl_allow_comments, 1);
		rc = al_jstream_feed(&j, buf, n, e);
		if (rc == 0)
			rc = al_jstream_finish(&j, e);
	}
	stream_clear(&j);
	*st = j.st;
	*scap = j.scap;
	return rc;
}

int al_json_parse(const char *name, const void *buf, size_t n, int flags,
		  al_jnode **out, al_err *e)
{
	*out = NULL;
	al_jnode *root = calloc(1, sizeof *root);
	if (!root)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	frame *st = NULL;
	size_t scap = 0;
	int rc = parse_whole(name, buf, n, flags, NULL, &st, &scap, root, e);
	free(st);
	if (rc < 0) {
		al_jnode_free(root);
		return rc;
	}
	*out = root;
	return 0;
}

void al_jnode_free(al_jnode *n)
{
	if (!n)
		return;
	tree_free(n);
	free(n);
}

struct al_jparser {
	int flags;
	jblk *arena;
	frame *st;
	size_t scap;
	al_jnode root;
};

al_jparser *al_jparser_new(int flags)
{
	al_jparser *p = calloc(1, sizeof *p);
	if (p)
		p->flags = flags;
	return p;
}

int al_jparser_parse(al_jparser *p, const char *name, const void *buf, size_t n,
		     const al_jnode **out, al_err *e)
{
	*out = NULL;
	/* keep the newest (largest) block for this value, free the rest */
	if (p->arena) {
		for (jblk *b = p->arena->next, *nb; b; b = nb) {
			nb = b->next;
			free(b);
		}
		p->arena->next = NULL;
		p->arena->used = 0;
	}
	memset(&p->root, 0, sizeof p->root);
	int rc = parse_whole(name, buf, n, p->flags, &p->arena, &p->st, &p->scap, &p->root, e);
	if (rc == 0)
		*out = &p->root;
	return rc;
}

void al_jparser_free(al_jparser *p)
{
	if (!p)
		return;
	for (jblk *b = p->arena, *nb; b; b = nb) {
		nb = b->next;
		free(b);
	}
	free(p->st);
	free(p);
}

const al_jnode *al_jget(const al_jnode *obj, const char *key)
{
	if (!obj || obj->type != AL_J_OBJ)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (obj->kid[i].key && strcmp(obj->kid[i].key, key) == 0)
			return &obj->kid[i];
	return NULL;
}

const char *al_jstr(const al_jnode *obj, const char *key)
{
	const al_jnode *n = al_jget(obj, key);
	return n && n->type == AL_J_STR ? n->s : NULL;
}

int al_jint(const al_jnode *n, long long *out)
{
	if (!n || n->type != AL_J_NUM || n->len == 0 || n->len > 20)
		return -1;
	char buf[24], *end;
	memcpy(buf, n->s, n->len);
	buf[n->len] = 0;
	errno = 0;
	long long v = strtoll(buf, &end, 10);
	if (*end || errno)
		return -1;   /* a fraction, an exponent, or out of range */
	*out = v;
	return 0;
}

int al_jnum(const al_jnode *n, double *out)
{
	if (!n || n->type != AL_J_NUM || n->len == 0 || n->len > 63)
		return -1;
	char buf[64], *end;
	memcpy(buf, n->s, n->len);
	buf[n->len] = 0;
	double v = strtod(buf, &end);
	if (*end)
		return -1;
	*out = v;
	return 0;
}
