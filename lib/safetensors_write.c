/* safetensors_write.c: the streaming, atomic safetensors writer.
 *
 * The tensors are declared first, so the whole header (names, dtypes,
 * shapes, data offsets) is known before any data: it is written to the
 * temporary file at al_st_writer_begin, and each tensor's bytes follow in
 * the declared order.  A tensor dropped on the way leaves no gap: at
 * commit the header is made again for the tensors kept and their data,
 * written one after the other, is moved up under it.  The new header is
 * never longer than the first: it has fewer entries and no offset grows.
 * A target written straight through (standard output, a FIFO, a device)
 * cannot seek back: the file is made in an anonymous temporary file and
 * copied into it, front to back, at commit. */
#include "safetensors.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>

#include "file.h"

typedef struct {
	char *name;
	al_dtype dtype;
	int ndim;
	uint64_t shape[AL_ST_MAX_DIMS];
	uint64_t bytes;
	const void *data;
	int dropped;
} wtensor;

struct al_st_writer {
	char *path;
	wtensor *t;
	size_t n, cap;
	size_t *index;             /* names: open addressing, 1 + tensor number, 0 empty */
	size_t icap;               /* a power of two, at least twice n */
	char **meta;               /* key, value, key, value, ... */
	size_t nmeta, metacap;
	enum { W_DECLARING, W_STREAMING, W_DONE } state;
	al_afile *f;               /* the temporary file, while streaming */
	FILE *spool;               /* writing straight through: the file is made
				      here first, then copied (drops move data) */
	size_t next;               /* the next tensor to put or drop */
	uint64_t base;             /* where the data starts */
	uint64_t written;          /* data bytes written */
	size_t ndropped;
};

al_st_writer *al_st_writer_new(const char *path, al_err *e)
{
	al_st_writer *w = calloc(1, sizeof *w);
	if (!w || !(w->path = strdup(path))) {
		free(w);
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	return w;
}

/* 0 while tensors and metadata may still be declared. */
static int declaring(const al_st_writer *w, const char *what, al_err *e)
{
	if (w->state != W_DECLARING)
		return al_err_set(e, AL_EINVAL, "'%s': %s after the data has begun", w->path, what);
	return 0;
}

int al_st_writer_meta(al_st_writer *w, const char *key, const char *val, al_err *e)
{
	int rc = declaring(w, "metadata", e);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < w->nmeta; i++)
		if (strcmp(w->meta[2 * i], key) == 0)
			return al_err_set(e, AL_EINVAL, "'%s': duplicate metadata key '%s'",
					  w->path, key);
	if (w->nmeta == w->metacap) {
		size_t c = w->metacap ? 2 * w->metacap : 8;
		char **m = realloc(w->meta, 2 * c * sizeof *m);
		if (!m)
			return al_err_set(e, AL_ENOMEM, "out of memory");
		w->meta = m;
		w->metacap = c;
	}
	char *k = strdup(key), *v = strdup(val);
	if (!k || !v) {
		free(k);
		free(v);
		return al_err_set(e, AL_ENOMEM, "out of memory");
	}
	w->meta[2 * w->nmeta] = k;
	w->meta[2 * w->nmeta + 1] = v;
	w->nmeta++;
	return 0;
}

/* FNV-1a */
static size_t name_hash(const char *s)
{
	uint64_t h = 14695981039346656037u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return (size_t)h;
}

/* The slot of name in the index: the tensor's, or the empty one where it
 * would go. */
static size_t name_slot(const al_st_writer *w, const char *name)
{
	size_t m = w->icap - 1, i = name_hash(name) & m;
	while (w->index[i] && strcmp(w->t[w->index[i] - 1].name, name) != 0)
		i = (i + 1) & m;
	return i;
}

/* Room in the index for one more name. */
static int index_grow(al_st_writer *w, al_err *e)
{
	if (2 * (w->n + 1) <= w->icap)
		return 0;
	size_t c = w->icap ? 2 * w->icap : 64;
	size_t *old = w->index, oldcap = w->icap;
	if (!(w->index = calloc(c, sizeof *w->index))) {
		w->index = old;
		return al_err_set(e, AL_ENOMEM, "out of memory");
	}
	w->icap = c;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i])
			w->index[name_slot(w, w->t[old[i] - 1].name)] = old[i];
	free(old);
	return 0;
}

int al_st_writer_add(al_st_writer *w, const char *name, al_dtype dtype, int ndim,
		     const uint64_t *shape, const void *data, al_err *e)
{
	int rc = declaring(w, "a tensor", e);
	if (rc < 0)
		return rc;
	if ((unsigned)dtype >= AL_NDTYPES || ndim < 0 || ndim > AL_ST_MAX_DIMS)
		return al_err_set(e, AL_EINVAL, "'%s': tensor '%s': bad dtype or rank",
				  w->path, name);
	if (strcmp(name, "__metadata__") == 0)
		return al_err_set(e, AL_EINVAL, "'%s': '__metadata__' cannot name a "
				  "tensor", w->path);
	if ((rc = index_grow(w, e)) < 0)
		return rc;
	size_t slot = name_slot(w, name);
	if (w->index[slot])
		return al_err_set(e, AL_EINVAL, "'%s': duplicate tensor '%s'",
				  w->path, name);
	uint64_t bytes = al_dtype_size(dtype);
	for (int i = 0; i < ndim; i++)
		if (__builtin_mul_overflow(bytes, shape[i], &bytes))
			return al_err_set(e, AL_EINVAL, "'%s': tensor '%s': shape "
					  "overflows", w->path, name);
	if (w->n == w->cap) {
		size_t c = w->cap ? 2 * w->cap : 16;
		wtensor *nt = realloc(w->t, c * sizeof *nt);
		if (!nt)
			return al_err_set(e, AL_ENOMEM, "out of memory");
		w->t = nt;
		w->cap = c;
	}
	wtensor *t = &w->t[w->n];
	memset(t, 0, sizeof *t);
	if (!(t->name = strdup(name)))
		return al_err_set(e, AL_ENOMEM, "out of memory");
	t->dtype = dtype;
	t->ndim = ndim;
	for (int i = 0; i < ndim; i++)
		t->shape[i] = shape[i];
	t->bytes = bytes;
	t->data = data;
	w->n++;
	w->index[slot] = w->n;
	return 0;
}

static void gstr(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void gnum(yajl_gen g, uint64_t v)
{
	char num[32];
	int k = snprintf(num, sizeof num, "%" PRIu64, v);
	yajl_gen_number(g, num, (size_t)k);
}

/* The header of the tensors not dropped: the 8-byte length, the JSON and
 * spaces to a multiple of 8 (the data starts aligned), into *buf (malloc'd)
 * and *len. */
static int header(const al_st_writer *w, unsigned char **buf, size_t *len, al_err *e)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	yajl_gen_config(g, yajl_gen_validate_utf8, 1);
	yajl_gen_map_open(g);
	if (w->nmeta) {
		gstr(g, "__metadata__");
		yajl_gen_map_open(g);
		for (size_t i = 0; i < 2 * w->nmeta; i++)
			gstr(g, w->meta[i]);
		yajl_gen_map_close(g);
	}
	uint64_t off = 0;
	for (size_t i = 0; i < w->n; i++) {
		const wtensor *t = &w->t[i];
		if (t->dropped)
			continue;
		gstr(g, t->name);
		yajl_gen_map_open(g);
		gstr(g, "dtype");
		gstr(g, al_dtype_name(t->dtype));
		gstr(g, "shape");
		yajl_gen_array_open(g);
		for (int d = 0; d < t->ndim; d++)
			gnum(g, t->shape[d]);
		yajl_gen_array_close(g);
		gstr(g, "data_offsets");
		yajl_gen_array_open(g);
		gnum(g, off);
		off += t->bytes;
		gnum(g, off);
		yajl_gen_array_close(g);
		yajl_gen_map_close(g);
	}
	if (yajl_gen_map_close(g) != yajl_gen_status_ok) {
		yajl_gen_free(g);
		return al_err_set(e, AL_EINVAL, "'%s': a name or metadata value is "
				  "not valid UTF-8", w->path);
	}
	const unsigned char *json;
	size_t jlen;
	yajl_gen_get_buf(g, &json, &jlen);
	size_t pad = (8 - jlen % 8) % 8;
	uint64_t hlen = jlen + pad;
	unsigned char *b = malloc(8 + hlen);
	if (!b) {
		yajl_gen_free(g);
		return al_err_set(e, AL_ENOMEM, "out of memory");
	}
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(hlen >> (8 * i));
	memcpy(b + 8, json, jlen);
	memset(b + 8 + jlen, ' ', pad);
	yajl_gen_free(g);
	*buf = b;
	*len = 8 + hlen;
	return 0;
}

/* Where the bytes go: the spool, else the (temporary) file. */
static FILE *out(const al_st_writer *w)
{
	return w->spool ? w->spool : al_afile_fp(w->f);
}

/* Give up the temporary file after an error; rc passes through. */
static int stop(al_st_writer *w, int rc)
{
	al_afile_abort(w->f);
	w->f = NULL;
	if (w->spool)
		fclose(w->spool);
	w->spool = NULL;
	w->state = W_DONE;
	return rc;
}

int al_st_writer_begin(al_st_writer *w, al_err *e)
{
	int rc = declaring(w, "begin", e);
	unsigned char *h;
	size_t hl;
	if (rc < 0 || (rc = header(w, &h, &hl, e)) < 0)
		return rc;
	if (!(w->f = al_afile_open(w->path, e))) {
		free(h);
		return e ? e->code : AL_EIO;
	}
	w->state = W_STREAMING;
	w->base = hl;
	if (al_afile_direct(w->f) && !(w->spool = tmpfile()))
		rc = stop(w, al_err_errno(e, AL_EIO, "'%s': unable to create a temporary "
					  "file", w->path));
	else if (fwrite(h, 1, hl, out(w)) != hl)
		rc = stop(w, al_err_errno(e, AL_EIO, "unable to write '%s'", w->path));
	free(h);
	return rc;
}

/* 0 if a tensor is there to put or drop: the writer is streaming and
 * some tensor has not been written or dropped yet. */
static int can_write(const al_st_writer *w, al_err *e)
{
	if (w->state == W_DECLARING)
		return al_err_set(e, AL_EINVAL, "'%s': data before al_st_writer_begin", w->path);
	if (w->state == W_DONE)
		return al_err_set(e, AL_EINVAL, "'%s': the writer is committed or failed", w->path);
	if (w->next == w->n)
		return al_err_set(e, AL_EINVAL, "'%s': every tensor declared is written already",
				  w->path);
	return 0;
}

int al_st_writer_put(al_st_writer *w, const void *data, al_err *e)
{
	int rc = can_write(w, e);
	if (rc < 0)
		return rc;
	const wtensor *t = &w->t[w->next];
	if (t->bytes && !data)
		return al_err_set(e, AL_EINVAL, "'%s': tensor '%s' has no data", w->path, t->name);
	if (t->bytes && fwrite(data, 1, t->bytes, out(w)) != t->bytes)
		return stop(w, al_err_errno(e, AL_EIO, "unable to write '%s'", w->path));
	w->written += t->bytes;
	w->next++;
	return 0;
}

int al_st_writer_drop(al_st_writer *w, al_err *e)
{
	int rc = can_write(w, e);
	if (rc < 0)
		return rc;
	w->t[w->next++].dropped = 1;
	w->ndropped++;
	return 0;
}

/* Write the header of the tensors kept and move their data, written from
 * w->base on, up under it; then cut the file after it. */
static int compact(al_st_writer *w, al_err *e)
{
	unsigned char *h;
	size_t hl;
	int rc = header(w, &h, &hl, e);
	if (rc < 0)
		return rc;
	FILE *fp = out(w);
	int fd = fileno(fp);
	enum { STEP = 1 << 20 };
	char *buf = malloc(STEP);
	if (!buf || hl > w->base || fflush(fp) != 0) {
		rc = !buf ? al_err_set(e, AL_ENOMEM, "out of memory")
		   : hl > w->base ? al_err_set(e, AL_EINVAL, "'%s': the header grew", w->path)
		   : al_err_errno(e, AL_EIO, "unable to write '%s'", w->path);
		free(h);
		free(buf);
		return rc;
	}
	/* hl <= base: moving down is safe front to back. */
	for (uint64_t done = 0; done < w->written && rc == 0;) {
		size_t k = w->written - done < STEP ? (size_t)(w->written - done) : STEP;
		if (pread(fd, buf, k, (off_t)(w->base + done)) != (ssize_t)k ||
		    pwrite(fd, buf, k, (off_t)(hl + done)) != (ssize_t)k)
			rc = al_err_errno(e, AL_EIO, "unable to write '%s'", w->path);
		done += k;
	}
	if (rc == 0 && (pwrite(fd, h, hl, 0) != (ssize_t)hl ||
			ftruncate(fd, (off_t)(hl + w->written)) != 0 ||
			fseeko(fp, 0, SEEK_END) != 0))
		rc = al_err_errno(e, AL_EIO, "unable to write '%s'", w->path);
	free(buf);
	free(h);
	return rc;
}

/* Copy the spooled file, front to back, into the target. */
static int unspool(al_st_writer *w, al_err *e)
{
	char buf[1 << 16];
	size_t k;
	FILE *to = al_afile_fp(w->f);
	if (fflush(w->spool) != 0 || fseeko(w->spool, 0, SEEK_SET) != 0)
		return al_err_errno(e, AL_EIO, "'%s': unable to read the temporary file",
				    w->path);
	while ((k = fread(buf, 1, sizeof buf, w->spool)) > 0)
		if (fwrite(buf, 1, k, to) != k)
			return al_err_errno(e, AL_EIO, "unable to write '%s'", w->path);
	if (ferror(w->spool))
		return al_err_errno(e, AL_EIO, "'%s': unable to read the temporary file",
				    w->path);
	fclose(w->spool);
	w->spool = NULL;
	return 0;
}

int al_st_writer_commit(al_st_writer *w, al_err *e)
{
	int rc;
	if (w->state == W_DECLARING) {   /* not streamed: each tensor from its data */
		if ((rc = al_st_writer_begin(w, e)) < 0)
			return rc;
		for (size_t i = 0; i < w->n; i++)
			if ((rc = al_st_writer_put(w, w->t[i].data, e)) < 0)
				return rc;
	}
	if (w->state == W_DONE)
		return al_err_set(e, AL_EINVAL, "'%s': the writer is committed or failed", w->path);
	if (w->next < w->n)
		return al_err_set(e, AL_EINVAL, "'%s': tensor '%s' was never written", w->path,
				  w->t[w->next].name);
	if (w->ndropped && (rc = compact(w, e)) < 0)
		return stop(w, rc);
	if (w->spool && (rc = unspool(w, e)) < 0)
		return stop(w, rc);
	rc = al_afile_commit(w->f, e);   /* it frees f, committed or not */
	w->f = NULL;
	w->state = W_DONE;
	return rc;
}

void al_st_writer_free(al_st_writer *w)
{
	if (!w)
		return;
	al_afile_abort(w->f);
	if (w->spool)
		fclose(w->spool);
	for (size_t i = 0; i < w->n; i++)
		free(w->t[i].name);
	for (size_t i = 0; i < 2 * w->nmeta; i++)
		free(w->meta[i]);
	free(w->meta);
	free(w->t);
	free(w->index);
	free(w->path);
	free(w);
}
