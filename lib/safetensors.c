/* safetensors.c: dtypes and the validating reader (the writer is in
 * safetensors_write.c). */
#include "safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yajl/yajl_parse.h>

#include "file.h"

static const struct { const char *name; size_t size; } dtypes[AL_NDTYPES] = {
	[AL_BOOL] = {"BOOL", 1}, [AL_U8] = {"U8", 1}, [AL_I8] = {"I8", 1},
	[AL_F8_E5M2] = {"F8_E5M2", 1}, [AL_F8_E4M3] = {"F8_E4M3", 1},
	[AL_I16] = {"I16", 2}, [AL_U16] = {"U16", 2}, [AL_F16] = {"F16", 2},
	[AL_BF16] = {"BF16", 2}, [AL_I32] = {"I32", 4}, [AL_U32] = {"U32", 4},
	[AL_F32] = {"F32", 4}, [AL_F64] = {"F64", 8}, [AL_I64] = {"I64", 8},
	[AL_U64] = {"U64", 8},
};

const char *al_dtype_name(al_dtype t)
{
	return (unsigned)t < AL_NDTYPES ? dtypes[t].name : "?";
}

int al_dtype_parse(const char *name)
{
	for (int i = 0; i < AL_NDTYPES; i++)
		if (strcmp(name, dtypes[i].name) == 0)
			return i;
	return -1;
}

size_t al_dtype_size(al_dtype t)
{
	return (unsigned)t < AL_NDTYPES ? dtypes[t].size : 0;
}

struct al_st {
	al_map map;               /* owned mapping (al_st_open) or empty */
	const uint8_t *buf;
	size_t size;
	uint64_t hlen;
	char *label;
	al_st_tensor *t;          /* sorted by begin */
	size_t n, cap;
	size_t *by_name;          /* indices into t sorted by name */
	char **meta;              /* key, value, key, value, ... */
	size_t nmeta, metacap;
};

/* ---- header parsing: a yajl callback state machine ---- */

enum { F_DTYPE = 1, F_SHAPE = 2, F_OFFSETS = 4 };
enum { S_TOP, S_KEY, S_ENTRY_START, S_ENTRY, S_META_START, S_META, S_DTYPE, S_SHAPE_START, S_SHAPE,
       S_OFF_START, S_OFF, S_METAVAL, S_DONE };

typedef struct {
	al_st *st;
	al_err *e;
	int state;
	int fields;       /* F_* seen in the current entry */
	int noff;
	int seen_meta;
	char *name;       /* current entry's name (owned until stored) */
	al_st_tensor cur;
	int failed;       /* 1 once we set e ourselves */
} hp;

static int fail(hp *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(hp *p, const char *fmt, ...)
{
	char buf[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	al_err_set(p->e, AL_EFORMAT, "'%s': header: %s", p->st->label, buf);
	p->failed = 1;
	return 0;
}

static const char *what(int state)
{
	switch (state) {
	case S_TOP: return "a JSON object";
	case S_KEY: return "a tensor name";
	case S_ENTRY_START: return "an object {\"dtype\", \"shape\", \"data_offsets\"}";
	case S_META_START: return "an object of strings";
	case S_ENTRY: return "\"dtype\", \"shape\" or \"data_offsets\"";
	case S_META: return "a metadata key";
	case S_DTYPE: return "a dtype string";
	case S_SHAPE_START: return "a shape array";
	case S_SHAPE: return "a dimension (a non-negative integer)";
	case S_OFF_START: return "a data_offsets array [BEGIN, END]";
	case S_OFF: return "an offset (a non-negative integer)";
	case S_METAVAL: return "a string (metadata values are strings only)";
	}
	return "the end of the header";
}

static const char *subject(hp *p)
{
	return p->name ? p->name : "__metadata__";
}

static int unexpected(hp *p, const char *got)
{
	if (p->state == S_KEY || p->state == S_TOP || p->state == S_DONE)
		return fail(p, "found %s where %s was expected", got, what(p->state));
	return fail(p, "'%s': found %s where %s was expected", subject(p), got,
		    what(p->state));
}

static int cb_null(void *ctx) { return unexpected(ctx, "null"); }
static int cb_bool(void *ctx, int b) { (void)b; return unexpected(ctx, "a boolean"); }

static int parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(s[i] - '0'), &v))
			return -2;
	}
	*out = v;
	return 0;
}

static int cb_number(void *ctx, const char *s, size_t n)
{
	hp *p = ctx;
	uint64_t v;
	if (p->state != S_SHAPE && p->state != S_OFF)
		return unexpected(p, "a number");
	int rc = parse_u64(s, n, &v);
	if (rc == -2)
		return fail(p, "'%s': number %.*s is too large", subject(p), (int)n, s);
	if (rc < 0)
		return fail(p, "'%s': %.*s is not %s", subject(p), (int)n, s,
			    what(p->state));
	if (p->state == S_SHAPE) {
		if (p->cur.ndim == AL_ST_MAX_DIMS)
			return fail(p, "'%s': more than %d dimensions", subject(p),
				    AL_ST_MAX_DIMS);
		p->cur.shape[p->cur.ndim++] = v;
	} else {
		if (p->noff == 2)
			return fail(p, "'%s': data_offsets has more than 2 numbers",
				    subject(p));
		if (p->noff == 0)
			p->cur.begin = v;
		else
			p->cur.end = v;
		p->noff++;
	}
	return 1;
}

static int cb_string(void *ctx, const unsigned char *s, size_t n)
{
	hp *p = ctx;
	if (p->state == S_DTYPE) {
		char buf[16];
		int dt = -1;
		if (n < sizeof buf) {
			memcpy(buf, s, n);
			buf[n] = 0;
			dt = al_dtype_parse(buf);
		}
		if (dt < 0)
			return fail(p, "'%s': unknown dtype \"%.*s\"; expected one of "
				    "BOOL U8 I8 F8_E5M2 F8_E4M3 I16 U16 F16 BF16 I32 "
				    "U32 F32 F64 I64 U64", subject(p),
				    (int)(n > 32 ? 32 : n), s);
		p->cur.dtype = (al_dtype)dt;
		p->state = S_ENTRY;
		return 1;
	}
	if (p->state == S_METAVAL) {
		al_st *st = p->st;
		char *v = strndup((const char *)s, n);
		if (!v || memchr(s, 0, n)) {
			free(v);
			return fail(p, "__metadata__: value holds a NUL byte");
		}
		st->meta[2 * st->nmeta + 1] = v;
		st->nmeta++;
		p->state = S_META;
		return 1;
	}
	return unexpected(p, "a string");
}

static int cb_start_map(void *ctx)
{
	hp *p = ctx;
	if (p->state == S_TOP) {
		p->state = S_KEY;
		return 1;
	}
	if (p->state == S_ENTRY_START) {
		p->state = S_ENTRY;
		return 1;
	}
	if (p->state == S_META_START) {
		p->state = S_META;
		return 1;
	}
	return unexpected(p, "an object");
}

static int add_meta_key(hp *p, const unsigned char *s, size_t n)
{
	al_st *st = p->st;
	for (size_t i = 0; i < st->nmeta; i++)
		if (strlen(st->meta[2 * i]) == n && memcmp(st->meta[2 * i], s, n) == 0)
			return fail(p, "__metadata__: duplicate key \"%.*s\"",
				    (int)(n > 64 ? 64 : n), s);
	if (st->nmeta == st->metacap) {
		size_t c = st->metacap ? 2 * st->metacap : 8;
		char **m = realloc(st->meta, 2 * c * sizeof *m);
		if (!m)
			return fail(p, "out of memory");
		memset(m + 2 * st->metacap, 0, 2 * (c - st->metacap) * sizeof *m);
		st->meta = m;
		st->metacap = c;
	}
	char *k = strndup((const char *)s, n);
	if (!k || memchr(s, 0, n)) {
		free(k);
		return fail(p, "__metadata__: key holds a NUL byte");
	}
	st->meta[2 * st->nmeta] = k;
	st->meta[2 * st->nmeta + 1] = NULL;
	p->state = S_METAVAL;
	return 1;
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t n)
{
	hp *p = ctx;
	if (p->state == S_KEY) {
		if (n == 12 && memcmp(s, "__metadata__", 12) == 0) {
			if (p->seen_meta)
				return fail(p, "duplicate \"__metadata__\"");
			p->seen_meta = 1;
			p->state = S_META_START;
			return 1;
		}
		if (memchr(s, 0, n))
			return fail(p, "a tensor name holds a NUL byte");
		p->name = strndup((const char *)s, n);
		if (!p->name)
			return fail(p, "out of memory");
		memset(&p->cur, 0, sizeof p->cur);
		p->fields = 0;
		p->noff = 0;
		p->state = S_ENTRY_START;
		return 1;
	}
	if (p->state == S_META)
		return add_meta_key(p, s, n);
	if (p->state == S_ENTRY) {
		int f;
		if (n == 5 && memcmp(s, "dtype", 5) == 0) {
			f = F_DTYPE;
			p->state = S_DTYPE;
		} else if (n == 5 && memcmp(s, "shape", 5) == 0) {
			f = F_SHAPE;
			p->state = S_SHAPE_START;
		} else if (n == 12 && memcmp(s, "data_offsets", 12) == 0) {
			f = F_OFFSETS;
			p->state = S_OFF_START;
		} else {
			return fail(p, "'%s': unknown field \"%.*s\"; expected dtype, "
				    "shape and data_offsets", subject(p),
				    (int)(n > 64 ? 64 : n), s);
		}
		if (p->fields & f)
			return fail(p, "'%s': duplicate field \"%.*s\"", subject(p),
				    (int)n, s);
		p->fields |= f;
		return 1;
	}
	return unexpected(p, "a key");
}

static int cb_start_array(void *ctx)
{
	hp *p = ctx;
	if (p->state == S_SHAPE_START) {
		p->state = S_SHAPE;
		return 1;
	}
	if (p->state == S_OFF_START) {
		p->state = S_OFF;
		return 1;
	}
	return unexpected(p, "an array");
}

static int cb_end_array(void *ctx)
{
	hp *p = ctx;
	if (p->state == S_OFF && p->noff != 2)
		return fail(p, "'%s': data_offsets has %d numbers; expected [BEGIN, END]",
			    subject(p), p->noff);
	p->state = S_ENTRY;
	return 1;
}

static int store_entry(hp *p)
{
	al_st *st = p->st;
	al_st_tensor *t = &p->cur;
	if (p->fields != (F_DTYPE | F_SHAPE | F_OFFSETS)) {
		const char *miss = !(p->fields & F_DTYPE) ? "dtype"
			: !(p->fields & F_SHAPE) ? "shape" : "data_offsets";
		return fail(p, "'%s': missing \"%s\"", subject(p), miss);
	}
	if (t->end < t->begin)
		return fail(p, "'%s': data_offsets [%" PRIu64 ", %" PRIu64 "] end "
			    "before they begin", subject(p), t->begin, t->end);
	uint64_t bytes = al_dtype_size(t->dtype);
	for (int i = 0; i < t->ndim; i++)
		if (__builtin_mul_overflow(bytes, t->shape[i], &bytes))
			return fail(p, "'%s': shape overflows: the product of its "
				    "dimensions times %zu bytes exceeds 2^64",
				    subject(p), al_dtype_size(t->dtype));
	if (bytes != t->end - t->begin)
		return fail(p, "'%s': shape and dtype %s need %" PRIu64 " bytes but "
			    "data_offsets [%" PRIu64 ", %" PRIu64 "] hold %" PRIu64,
			    subject(p), al_dtype_name(t->dtype), bytes, t->begin,
			    t->end, t->end - t->begin);
	if (st->n == st->cap) {
		size_t c = st->cap ? 2 * st->cap : 16;
		al_st_tensor *nt = realloc(st->t, c * sizeof *nt);
		if (!nt)
			return fail(p, "out of memory");
		st->t = nt;
		st->cap = c;
	}
	t->name = p->name;
	p->name = NULL;
	st->t[st->n++] = *t;
	return 1;
}

static int cb_end_map(void *ctx)
{
	hp *p = ctx;
	if (p->state == S_ENTRY) {
		if (!store_entry(p))
			return 0;
		p->state = S_KEY;
		return 1;
	}
	if (p->state == S_META) {
		p->state = S_KEY;
		return 1;
	}
	if (p->state == S_KEY) {
		p->state = S_DONE;
		return 1;
	}
	return unexpected(p, "the end of an object");
}

static const yajl_callbacks callbacks = {
	.yajl_null = cb_null,
	.yajl_boolean = cb_bool,
	.yajl_number = cb_number,
	.yajl_string = cb_string,
	.yajl_start_map = cb_start_map,
	.yajl_map_key = cb_map_key,
	.yajl_end_map = cb_end_map,
	.yajl_start_array = cb_start_array,
	.yajl_end_array = cb_end_array,
};

static int cmp_begin(const void *a, const void *b)
{
	const al_st_tensor *x = a, *y = b;
	if (x->begin != y->begin)
		return x->begin < y->begin ? -1 : 1;
	/* Zero-sized tensors first at equal begin, then by name. */
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int cmp_name(const void *a, const void *b, void *ctx)
{
	const al_st *st = ctx;
	return strcmp(st->t[*(const size_t *)a].name, st->t[*(const size_t *)b].name);
}

static int parse_header(al_st *st, al_err *e)
{
	const uint8_t *h = st->buf + 8;
	size_t n = (size_t)st->hlen;
	if (h[0] != '{')
		return al_err_at(e, AL_EFORMAT, st->label, 8,
				 "header does not start with '{'; not a safetensors file?");
	hp p = {.st = st, .e = e, .state = S_TOP};
	yajl_handle y = yajl_alloc(&callbacks, NULL, &p);
	if (!y)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	yajl_status s = yajl_parse(y, h, n);
	if (s == yajl_status_ok)
		s = yajl_complete_parse(y);
	int rc = 0;
	if (s != yajl_status_ok) {
		if (!p.failed) {
			unsigned char *m = yajl_get_error(y, 0, h, n);
			size_t at = yajl_get_bytes_consumed(y);
			al_err_at(e, AL_EFORMAT, st->label, 8 + at,
				  "header is not valid JSON: %s", (char *)m);
			yajl_free_error(y, m);
		}
		rc = AL_EFORMAT;
	} else if (p.state != S_DONE) {
		rc = al_err_at(e, AL_EFORMAT, st->label, 8 + n, "header JSON ends early");
	}
	free(p.name);
	yajl_free(y);
	return rc;
}

static int check_layout(al_st *st, al_err *e)
{
	uint64_t dsize = st->size - 8 - st->hlen;
	if (st->n > 1)
		qsort(st->t, st->n, sizeof *st->t, cmp_begin);
	uint64_t pos = 0;
	const char *prev = NULL;
	for (size_t i = 0; i < st->n; i++) {
		al_st_tensor *t = &st->t[i];
		if (t->end > dsize)
			return al_err_set(e, AL_EFORMAT, "'%s': header: '%s': data_offsets "
					  "[%" PRIu64 ", %" PRIu64 "] run past the end of "
					  "the data (%" PRIu64 " bytes); the file is "
					  "truncated or the header is wrong", st->label,
					  t->name, t->begin, t->end, dsize);
		if (t->begin < pos)
			return al_err_set(e, AL_EFORMAT, "'%s': header: '%s' bytes [%"
					  PRIu64 ", %" PRIu64 ") overlap '%s', which "
					  "ends at %" PRIu64, st->label, t->name,
					  t->begin, t->end, prev, pos);
		if (t->begin > pos)
			return al_err_set(e, AL_EFORMAT, "'%s': header: gap in the data: "
					  "no tensor covers bytes [%" PRIu64 ", %" PRIu64
					  ") before '%s'", st->label, pos, t->begin,
					  t->name);
		pos = t->end;
		prev = t->name;
		t->data = st->buf + 8 + st->hlen + t->begin;
	}
	if (pos != dsize)
		return al_err_set(e, AL_EFORMAT, "'%s': %" PRIu64 " bytes after the "
				  "last tensor's data (ends at %" PRIu64 " of %" PRIu64
				  "); the header does not describe the whole file",
				  st->label, dsize - pos, pos, dsize);
	st->by_name = malloc((st->n ? st->n : 1) * sizeof *st->by_name);
	if (!st->by_name)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	for (size_t i = 0; i < st->n; i++)
		st->by_name[i] = i;
	if (st->n > 1)   /* qsort_r: no global state, so threads may open files */
		qsort_r(st->by_name, st->n, sizeof *st->by_name, cmp_name, st);
	for (size_t i = 1; i < st->n; i++)
		if (strcmp(st->t[st->by_name[i]].name, st->t[st->by_name[i - 1]].name) == 0)
			return al_err_set(e, AL_EFORMAT, "'%s': header: duplicate "
					  "tensor name '%s'", st->label,
					  st->t[st->by_name[i]].name);
	return 0;
}

static al_st *open_buf(al_st *st, al_err *e)
{
	if (st->size < 8) {
		al_err_at(e, AL_EFORMAT, st->label, 0, "file is %zu bytes; a "
			  "safetensors file starts with an 8-byte header length",
			  st->size);
		goto bad;
	}
	uint64_t n = 0;
	for (int i = 7; i >= 0; i--)
		n = n << 8 | st->buf[i];
	if (n > AL_ST_MAX_HEADER) {
		al_err_at(e, AL_ELIMIT, st->label, 0, "header length %" PRIu64 " is "
			  "over the %u-byte limit; not a safetensors file?", n,
			  AL_ST_MAX_HEADER);
		goto bad;
	}
	if (n > st->size - 8) {
		al_err_at(e, AL_EFORMAT, st->label, 0, "header length %" PRIu64
			  " runs past the end of the file (%zu bytes); the file "
			  "is truncated", n, st->size);
		goto bad;
	}
	if (n < 2) {
		al_err_at(e, AL_EFORMAT, st->label, 0, "header length %" PRIu64
			  " is too small for a JSON object", n);
		goto bad;
	}
	st->hlen = n;
	if (parse_header(st, e) < 0 || check_layout(st, e) < 0)
		goto bad;
	return st;
bad:
	al_st_free(st);
	return NULL;
}

al_st *al_st_open_mem(const void *buf, size_t size, const char *label, al_err *e)
{
	al_st *st = calloc(1, sizeof *st);
	if (!st || !(st->label = strdup(label ? label : "<memory>"))) {
		free(st);
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	st->buf = buf;
	st->size = size;
	return open_buf(st, e);
}

/* Read up to n bytes into b; returns how many came (short at the end). */
static size_t read_full(int fd, uint8_t *b, size_t n, int *err)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, b + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*err = r < 0 ? errno : 0;
			break;
		}
		got += (size_t)r;
	}
	return got;
}

/* A pipe or device: read the 8-byte length, refuse a header length out of
 * bounds before reading more, then the header, then exactly the data it
 * describes and one byte more (to see extra bytes), so that /dev/zero or
 * an endless stream is refused at once instead of read into memory. */
static al_st *open_stream(al_st *st, int fd, al_err *e)
{
	int err = 0;
	uint8_t *b = malloc(8);
	if (!b) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		goto bad;
	}
	st->map = (al_map){b, read_full(fd, b, 8, &err), 0};
	uint64_t n = 0;
	for (int i = 7; i >= 0; i--)
		n = n << 8 | b[i];
	if (!err && st->map.size == 8 && n >= 2 && n <= AL_ST_MAX_HEADER) {
		if (!(b = realloc(b, 8 + (size_t)n))) {
			al_err_set(e, AL_ENOMEM, "out of memory");
			goto bad;
		}
		st->map.data = b;
		st->map.size = 8 + read_full(fd, b + 8, (size_t)n, &err);
	}
	if (err) {
		al_err_set(e, AL_EIO, "'%s': read failed: %s", st->label, strerror(err));
		goto bad;
	}
	st->buf = st->map.data;
	st->size = st->map.size;
	if (st->size < 8 + n || n < 2 || n > AL_ST_MAX_HEADER)
		return open_buf(st, e);   /* which says what is wrong */
	st->hlen = n;
	if (parse_header(st, e) < 0)
		goto bad;
	uint64_t dsize = 0;
	for (size_t i = 0; i < st->n; i++)
		dsize = st->t[i].end > dsize ? st->t[i].end : dsize;
	if (dsize > SIZE_MAX - 9 - n || !(b = realloc(b, 8 + n + dsize + 1))) {
		al_err_set(e, AL_ENOMEM, "'%s': out of memory for %" PRIu64 " bytes of "
			   "data", st->label, dsize);
		goto bad;
	}
	st->map.data = b;
	st->map.size = 8 + n + read_full(fd, b + 8 + n, dsize + 1, &err);
	if (err) {
		al_err_set(e, AL_EIO, "'%s': read failed: %s", st->label, strerror(err));
		goto bad;
	}
	if (st->map.size > 8 + n + dsize) {
		al_err_set(e, AL_EFORMAT, "'%s': bytes after the last tensor's data (which "
			   "ends at %" PRIu64 "); the header does not describe the whole "
			   "file", st->label, dsize);
		goto bad;
	}
	st->buf = st->map.data;
	st->size = st->map.size;
	if (check_layout(st, e) < 0)
		goto bad;
	return st;
bad:
	al_st_free(st);
	return NULL;
}

al_st *al_st_open(const char *path, al_err *e)
{
	al_st *st = calloc(1, sizeof *st);
	if (!st || !(st->label = strdup(path))) {
		free(st);
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	struct stat sb;
	int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)) {
		st = open_stream(st, fd, e);
		if (fd > 0)
			close(fd);
		return st;
	}
	if (fd > 0)
		close(fd);
	if (al_map_file(path, &st->map, e) < 0) {
		al_st_free(st);
		return NULL;
	}
	st->buf = st->map.data;
	st->size = st->map.size;
	return open_buf(st, e);
}

void al_st_free(al_st *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n; i++)
		free((char *)st->t[i].name);
	for (size_t i = 0; i < 2 * st->metacap; i++)   /* unused slots are NULL */
		free(st->meta[i]);
	free(st->meta);
	free(st->t);
	free(st->by_name);
	al_map_release(&st->map);
	free(st->label);
	free(st);
}

size_t al_st_count(const al_st *st) { return st->n; }
uint64_t al_st_header_size(const al_st *st) { return st->hlen; }

const al_st_tensor *al_st_tensor_at(const al_st *st, size_t i)
{
	return i < st->n ? &st->t[i] : NULL;
}

const al_st_tensor *al_st_find(const al_st *st, const char *name)
{
	size_t lo = 0, hi = st->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(st->t[st->by_name[mid]].name, name);
		if (c == 0)
			return &st->t[st->by_name[mid]];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

uint64_t al_st_numel(const al_st_tensor *t)
{
	uint64_t n = 1;
	for (int i = 0; i < t->ndim; i++)
		n *= t->shape[i];
	return n;
}

size_t al_st_meta_count(const al_st *st) { return st->nmeta; }

void al_st_meta_at(const al_st *st, size_t i, const char **key, const char **val)
{
	*key = st->meta[2 * i];
	*val = st->meta[2 * i + 1];
}

const char *al_st_meta_get(const al_st *st, const char *key)
{
	for (size_t i = 0; i < st->nmeta; i++)
		if (strcmp(st->meta[2 * i], key) == 0)
			return st->meta[2 * i + 1];
	return NULL;
}

/* ---- float conversions ---- */

float al_f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16;
	uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
	if (exp == 0x1f) {
		bits = sign | 0x7f800000u | (man << 13);
	} else if (exp == 0) {
		if (man == 0) {
			bits = sign;
		} else {      /* subnormal: normalise */
			int e = -1;
			do { man <<= 1; e++; } while (!(man & 0x400));
			bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3ff) << 13);
		}
	} else {
		bits = sign | ((exp + 112) << 23) | (man << 13);
	}
	float f;
	memcpy(&f, &bits, 4);
	return f;
}

float al_bf16_to_f32(uint16_t b)
{
	uint32_t bits = (uint32_t)b << 16;
	float f;
	memcpy(&f, &bits, 4);
	return f;
}

uint16_t al_f32_to_bf16(float f)
{
	uint32_t x;
	memcpy(&x, &f, 4);
	if ((x & 0x7fffffffu) > 0x7f800000u)     /* NaN: keep it quiet */
		return (uint16_t)((x >> 16) | 0x40);
	x += 0x7fffu + ((x >> 16) & 1);
	return (uint16_t)(x >> 16);
}

uint16_t al_f32_to_f16(float f)
{
	uint32_t x;
	memcpy(&x, &f, 4);
	uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
	uint32_t ax = x & 0x7fffffffu;
	if (ax > 0x7f800000u)
		return sign | 0x7e00;                  /* NaN */
	if (ax >= 0x477ff000u)                    /* rounds to >= 65520: inf */
		return sign | 0x7c00;
	if (ax < 0x38800000u) {                   /* subnormal or zero in f16 */
		if (ax < 0x33000000u)             /* below half the smallest */
			return sign;
		uint32_t man = (ax & 0x7fffff) | 0x800000;
		int shift = 126 - (int)(ax >> 23);    /* 14..24 */
		uint32_t v = man >> shift;
		uint32_t rem = man & ((1u << shift) - 1), half = 1u << (shift - 1);
		if (rem > half || (rem == half && (v & 1)))
			v++;
		return sign | (uint16_t)v;
	}
	uint32_t v = ((ax >> 13) - (112u << 10));
	uint32_t rem = ax & 0x1fff;
	if (rem > 0x1000 || (rem == 0x1000 && (v & 1)))
		v++;
	return sign | (uint16_t)v;
}

int al_st_read_f32(const al_st_tensor *t, float *out, al_err *e)
{
	uint64_t n = al_st_numel(t);
	const uint8_t *p = t->data;
	switch (t->dtype) {
	case AL_F32:
		memcpy(out, p, n * 4);
		return 0;
	case AL_F16:
	case AL_BF16:
		for (uint64_t i = 0; i < n; i++) {
			uint16_t h = (uint16_t)(p[2 * i] | p[2 * i + 1] << 8);
			out[i] = t->dtype == AL_F16 ? al_f16_to_f32(h) : al_bf16_to_f32(h);
		}
		return 0;
	case AL_F64:
		for (uint64_t i = 0; i < n; i++) {
			double d;
			memcpy(&d, p + 8 * i, 8);
			out[i] = (float)d;
		}
		return 0;
	default:
		return al_err_set(e, AL_EFORMAT, "tensor '%s' has dtype %s; expected "
				  "a floating-point dtype (F32, F16, BF16, F64)",
				  t->name, al_dtype_name(t->dtype));
	}
}
