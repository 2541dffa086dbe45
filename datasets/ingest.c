/* ingest.c: the driver: sources -> members -> annotations, images ->
 * records. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "family.h"

enum { JSON_CHUNK = 1 << 16 };

al_ds *al_ds_new(const char *name, const al_ds_opts *o, al_err *e)
{
	const al_family *f = al_family_find(name);
	if (!f) {
		al_err_set(e, AL_ENOTFOUND, "'%s' is not a dataset; "
			   "adalink ingest --list names them", name);
		return NULL;
	}
	al_ds_opts def = {0};
	if (!o)
		o = &def;
	if (o->task && !f->check_opts) {
		al_err_set(e, AL_EINVAL, "%s has no tasks to choose from (--task)",
			   name);
		return NULL;
	}
	if (f->check_opts && f->check_opts(o, e) < 0)
		return NULL;
	al_ds *ds = calloc(1, sizeof *ds);
	if (!ds || !(ds->arena = al_arena_new()) || !(ds->keys = al_strmap_new())) {
		al_ds_free(ds);
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	ds->fam = f;
	ds->o = *o;
	if (!ds->o.max_image)
		ds->o.max_image = 64u << 20;
	return ds;
}

void al_ds_free(al_ds *ds)
{
	if (!ds)
		return;
	if (ds->fam && ds->fam->free_state)
		ds->fam->free_state(ds);
	al_arena_free(ds->arena);
	al_strmap_free(ds->keys);
	free(ds->items);
	free(ds->tails);
	free(ds->img);
	free(ds);
}

const al_ds_stats *al_ds_get_stats(const al_ds *ds) { return &ds->st; }

int al_ds_bad(al_ds *ds, al_err *e, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!ds->o.skip_bad)
		return al_err_set(e, code, "%s", msg);
	ds->st.skipped++;
	if (ds->o.on_skip)
		ds->o.on_skip(ds->o.skip_ctx, msg);
	return 0;
}

int al_ds_emit(al_ds *ds, const al_record *r, al_err *e)
{
	if (ds->stop)
		return 0;
	int rc = ds->fn(ds->ctx, r, e);
	if (rc < 0)
		return rc;
	ds->st.records++;
	if (rc > 0)
		ds->stop = 1;
	return 0;
}

int al_ds_want_split(const al_ds *ds, const char *split)
{
	return !ds->o.split || (split && strcmp(ds->o.split, split) == 0);
}

const char *al_split_from_name(const char *base)
{
	/* Order matters: "test-dev" before "test", "restval" before "val". */
	static const char *const names[] = {
		"test-dev", "test", "restval", "train", "val", NULL,
	};
	for (int i = 0; names[i]; i++)
		if (strstr(base, names[i]))
			return names[i];
	return NULL;
}

long al_ds_add_item(al_ds *ds, const al_item *it, al_err *e)
{
	if (ds->nitems == ds->icap) {   /* two arrays of one length */
		size_t ci = ds->icap, ct = ds->icap;
		if (al_grow((void **)&ds->items, &ci, ds->nitems + 1, sizeof *ds->items, e) < 0 ||
		    al_grow((void **)&ds->tails, &ct, ds->nitems + 1, sizeof *ds->tails, e) < 0)
			return al_err_set(e, AL_ENOMEM, "out of memory storing annotations");
		ds->icap = ci;
	}
	al_arena *a = ds->arena;
	al_item c = *it;
	c.id = al_arena_strdup(a, it->id);
	c.split = al_arena_strdup(a, it->split);
	c.key = al_arena_strdup(a, it->key);
	c.image = al_arena_strdup(a, it->image);
	/* "'FILE': key[N]": the prefix is shared by the file's items */
	c.elem = -1;
	c.where = NULL;
	if (it->where) {
		const char *br = strrchr(it->where, '[');
		size_t pl = br ? (size_t)(br - it->where) : strlen(it->where);
		if (br)
			c.elem = atol(br + 1);
		if (ds->where_prefix && strlen(ds->where_prefix) == pl &&
		    memcmp(ds->where_prefix, it->where, pl) == 0) {
			c.where = ds->where_prefix;
		} else {
			char *w = al_arena_alloc(a, pl + 1);
			if (!w)
				return al_err_set(e, AL_ENOMEM, "out of memory");
			memcpy(w, it->where, pl);
			c.where = ds->where_prefix = w;
		}
	}
	for (int i = 0; i < AL_REC_MAX_INPUTS; i++)
		c.in[i] = al_arena_strdup(a, it->in[i]);
	if (it->ntargets) {
		const char **t = al_arena_alloc(a, it->ntargets * sizeof *t);
		if (!t)
			return al_err_set(e, AL_ENOMEM, "out of memory storing annotations");
		for (int i = 0; i < it->ntargets; i++)
			if (!(t[i] = al_arena_strdup(a, it->targets[i])))
				return al_err_set(e, AL_ENOMEM, "out of memory");
		c.targets = t;
	}
	c.next = -1;
	c.done = 0;
	c.imaged = 0;
	long idx = (long)ds->nitems;
	ds->items[idx] = c;
	ds->tails[idx] = idx;
	ds->nitems++;
	if (c.key) {
		long head;
		int r = al_strmap_put(ds->keys, c.key, idx, &head);
		if (r < 0)
			return al_err_set(e, AL_ENOMEM, "out of memory");
		if (r == 0) {
			ds->items[ds->tails[head]].next = idx;
			ds->tails[head] = idx;
		}
	}
	return idx;
}

int al_ds_parse_json(al_ds *ds, al_source *src, const char *name,
		     al_jstream_fn fn, void *ctx, al_err *e)
{
	(void)ds;
	char *buf = malloc(JSON_CHUNK);
	char where[600];
	snprintf(where, sizeof where, "%s", name);
	al_jstream *j = al_jstream_new(where, fn, ctx);
	int rc = 0;
	if (!buf || !j) {
		rc = al_err_set(e, AL_ENOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		ssize_t n = al_source_read(src, buf, JSON_CHUNK, e);
		if (n < 0) {
			rc = (int)n;
			goto out;
		}
		if (n == 0)
			break;
		if ((rc = al_jstream_feed(j, buf, (size_t)n, e)) < 0)
			goto out;
	}
	rc = al_jstream_finish(j, e);
out:
	al_jstream_free(j);
	free(buf);
	return rc;
}

const char *al_item_where(al_ds *ds, const al_item *it)
{
	if (it->elem >= 0)
		snprintf(ds->wbuf, sizeof ds->wbuf, "%s[%ld]", it->where ? it->where : "-",
			 it->elem);
	else
		snprintf(ds->wbuf, sizeof ds->wbuf, "%s", it->where ? it->where : "-");
	return ds->wbuf;
}

static void note_found(al_ds *ds, const char *name)
{
	if (ds->nfound < 4) {
		size_t l = strlen(ds->found);
		snprintf(ds->found + l, sizeof ds->found - l, "%s'%s'",
			 l ? ", " : "", name);
	}
	ds->nfound++;
}

static int is_image_name(const char *base)
{
	const char *dot = strrchr(base, '.');
	return dot && (strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0 ||
		       strcasecmp(dot, ".png") == 0);
}

static int emit_item(al_ds *ds, al_item *it, const char *image,
		     const unsigned char *data, size_t size, al_err *e)
{
	const al_family *f = ds->fam;
	al_record r = {0};
	r.dataset = f->name;
	r.split = it->split;
	r.task = f->task;
	r.id = it->id;
	r.image = image;
	r.ninputs = f->ninputs;
	for (int i = 0; i < f->ninputs; i++) {
		r.input_name[i] = f->input_names[i];
		r.input[i] = it->in[i];
	}
	r.ntargets = it->ntargets;
	r.targets = it->targets;
	r.image_data = data;
	r.image_size = size;
	r.where = al_item_where(ds, it);
	it->done = 1;
	return al_ds_emit(ds, &r, e);
}

static int seal(al_ds *ds, al_err *e)
{
	if (ds->sealed)
		return 0;
	ds->sealed = 1;
	return ds->fam->seal ? ds->fam->seal(ds, e) : 0;
}

/* Find the first item joined to an image member. */
static long lookup_image(al_ds *ds, const char *name, const char *base)
{
	long head;
	if (ds->fam->image_key) {
		char key[256];
		if (!ds->fam->image_key(name, base, key, sizeof key))
			return -1;
		return al_strmap_get(ds->keys, key, &head) ? head : -1;
	}
	for (const char *p = name; p; p = strchr(p, '/')) {
		if (*p == '/')
			p++;
		if (al_strmap_get(ds->keys, p, &head))
			return head;
	}
	return -1;
}

static int read_image(al_ds *ds, al_source *src, const char *name, size_t *size,
		      al_err *e)
{
	size_t n = 0;
	for (;;) {
		if (ds->imgcap - n < 65536 &&
		    al_grow((void **)&ds->img, &ds->imgcap, n + (1 << 20), 1, e) < 0)
			return al_err_set(e, AL_ENOMEM, "out of memory reading '%s'", name);
		ssize_t r = al_source_read(src, ds->img + n, ds->imgcap - n, e);
		if (r < 0)
			return (int)r;
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > ds->o.max_image)
			return al_ds_bad(ds, e, AL_ELIMIT, "'%s': image '%s' is larger "
					 "than %llu bytes", al_source_path(src), name,
					 (unsigned long long)ds->o.max_image) ? AL_ELIMIT : 1;
	}
	*size = n;
	return 0;
}

static int on_image(al_ds *ds, al_source *src, const char *name,
		    const char *base, al_err *e)
{
	int rc;
	if (!ds->sealed) {
		if ((rc = seal(ds, e)) < 0)
			return rc;
	}
	long head = lookup_image(ds, name, base);
	if (head < 0)
		return 0;   /* an image no annotation (of this split) names */
	if (ds->items[head].imaged)
		return al_ds_bad(ds, e, AL_EFORMAT, "'%s': image '%s' appears twice",
				 al_source_path(src), name);
	for (long i = head; i >= 0; i = ds->items[i].next)
		ds->items[i].imaged = 1;
	size_t size = 0;
	if ((rc = read_image(ds, src, name, &size, e)) != 0) {
		for (long i = head; i >= 0; i = ds->items[i].next)
			ds->items[i].done = 1;
		return rc < 0 ? rc : 0;
	}
	ds->st.images++;
	for (long i = head; i >= 0 && !ds->stop; i = ds->items[i].next)
		if (!ds->items[i].done &&
		    (rc = emit_item(ds, &ds->items[i], name, ds->img, size, e)) < 0)
			return rc;
	return 0;
}

/* After the last source: emit what has no image to wait for, report what
 * is missing. */
static int finish(al_ds *ds, al_err *e)
{
	const al_family *f = ds->fam;
	int rc;
	if (ds->annots == 0) {
		if (ds->nfound)
			return al_err_set(e, AL_ENOTFOUND, "no %sannotation file found: "
					  "expected %s; found %s%s (%zu members)",
					  ds->o.split ? "matching " : "", f->expects,
					  ds->found, ds->nfound > 4 ? ", ..." : "",
					  ds->nfound);
		return al_err_set(e, AL_ENOTFOUND, "no annotation file found: "
				  "expected %s; the sources hold no files", f->expects);
	}
	if ((rc = seal(ds, e)) < 0)
		return rc;
	if (!f->has_images || ds->o.no_images) {
		for (size_t i = 0; i < ds->nitems && !ds->stop; i++)
			if (!ds->items[i].done &&
			    (rc = emit_item(ds, &ds->items[i], ds->items[i].image,
					    NULL, 0, e)) < 0)
				return rc;
		return 0;
	}
	size_t missing = 0;
	for (size_t i = 0; i < ds->nitems; i++)
		if (!ds->items[i].done)
			missing++;
	if (missing && ds->st.images == 0)
		return al_err_set(e, AL_ENOTFOUND, "no image of the %zu annotated "
				  "examples found in the sources; give the image "
				  "archive or folder after the annotations "
				  "(or --no-images)", missing);
	for (size_t i = 0; i < ds->nitems; i++) {
		al_item *it = &ds->items[i];
		if (it->done)
			continue;
		if (!ds->o.skip_bad)
			return al_err_set(e, AL_ENOTFOUND, "%s: example %s names image "
					  "'%s' but no source holds it (%zu examples "
					  "miss their image)", al_item_where(ds, it), it->id,
					  it->image, missing);
		al_ds_bad(ds, e, AL_ENOTFOUND, "%s: example %s names image '%s' "
			  "but no source holds it", al_item_where(ds, it), it->id, it->image);
	}
	return 0;
}

/* Read one source.  Pass 1: annotations and images; images that come
 * before any annotation file are passed over and counted in *deferred
 * (stdin cannot be read again: there they are an error).  Pass 2 (a
 * rereading): only the first *deferred image members, now that the
 * annotations are known. */
static int feed_source(al_ds *ds, al_source *src, int pass, long *deferred,
		       al_err *e)
{
	const char *name;
	int rc = 0;
	long images = 0;
	int rereadable = strcmp(al_source_path(src), "-") != 0;
	while (!ds->stop && (rc = al_source_next(src, &name, e)) > 0) {
		const char *base = strrchr(name, '/');
		base = base ? base + 1 : name;
		int image = ds->fam->has_images && !ds->o.no_images &&
			    is_image_name(base);
		if (pass == 2) {
			if (!image)
				continue;
			if (images++ >= *deferred)
				break;
			if ((rc = on_image(ds, src, name, base, e)) < 0)
				return rc;
			continue;
		}
		ds->st.members++;
		if (ds->fam->is_annot(ds, name, base)) {
			if (ds->sealed)
				return al_err_set(e, AL_EFORMAT, "'%s': annotation file "
						  "'%s' comes after images; give the "
						  "annotation sources first",
						  al_source_path(src), name);
			if ((rc = ds->fam->annot(ds, src, name, base, e)) < 0)
				return rc;
		} else if (image && ds->annots == 0) {
			if (!rereadable)
				return al_err_set(e, AL_EFORMAT, "'%s': image '%s' comes "
						  "before any annotation file; expected %s "
						  "first (standard input cannot be read twice: "
						  "give the annotation sources first)",
						  al_source_path(src), name, ds->fam->expects);
			note_found(ds, name);
			(*deferred)++;
		} else if (image) {
			if ((rc = on_image(ds, src, name, base, e)) < 0)
				return rc;
		} else {
			note_found(ds, name);
		}
	}
	return ds->stop ? 0 : rc;
}

typedef struct src_spec {
	const char *path;           /* or NULL: the memory below */
	const char *name;
	const void *data;
	size_t size;
} src_spec;

static int run(al_ds *ds, const src_spec *ss, int n, al_err *e)
{
	long *deferred = calloc(n > 0 ? n : 1, sizeof *deferred);
	if (!deferred)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	int rc = 0;
	/* pass 1 over every source, then pass 2 over those that held images
	 * ahead of the annotations (once some annotations are known) */
	for (int pass = 1; pass <= 2 && rc == 0; pass++) {
		for (int s = 0; s < n && !ds->stop && rc == 0; s++) {
			if (pass == 2 && (!deferred[s] || ds->annots == 0))
				continue;
			al_source *src = ss[s].path ? al_source_open(ss[s].path, e)
				: al_source_open_mem(ss[s].name, ss[s].data, ss[s].size, e);
			if (!src) {
				rc = e ? e->code : AL_EIO;
				break;
			}
			rc = feed_source(ds, src, pass, &deferred[s], e);
			ds->st.bytes += al_source_bytes(src);
			al_source_free(src);
		}
	}
	free(deferred);
	if (rc < 0 || ds->stop)
		return rc < 0 ? rc : 0;
	return finish(ds, e);
}

int al_ds_run(al_ds *ds, const char *const *sources, int nsources,
	      al_record_fn fn, void *ctx, al_err *e)
{
	ds->fn = fn;
	ds->ctx = ctx;
	src_spec *ss = calloc(nsources > 0 ? nsources : 1, sizeof *ss);
	if (!ss)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	for (int i = 0; i < nsources; i++)
		ss[i].path = sources[i];
	int rc = run(ds, ss, nsources, e);
	free(ss);
	return rc;
}

int al_ds_run_mem(al_ds *ds, const char *name, const void *data, size_t size,
		  al_record_fn fn, void *ctx, al_err *e)
{
	ds->fn = fn;
	ds->ctx = ctx;
	src_spec ss = {NULL, name, data, size};
	return run(ds, &ss, 1, e);
}
