/* shard.c: the shard writer and the mmap reader. */
#include "shard.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "lib/fault.h"
#include "lib/file.h"

/* ---- little-endian helpers (the format is LE on every machine) ---- */

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the reader hands out pointers to little-endian ids: port it first"
#endif

/* ---- writer ---- */

struct al_shard_writer {
	al_afile *f;
	FILE *fp;
	int dtype;
	uint32_t dim;
	uint64_t pos;            /* bytes written so far */
	uint64_t *offsets;
	uint64_t n, cap;
	XXH64_state_t *xx;
	int failed, sealed;
	uint64_t sum;            /* sealed: the checksum */
};

static void out(al_shard_writer *w, const void *p, size_t n)
{
	if (n == 0)
		return;
	al_fault(AL_FAULT_WRITE);
	if (fwrite(p, 1, n, w->fp) != n)
		w->failed = 1;
	XXH64_update(w->xx, p, n);
	w->pos += n;
}

static void pad8(al_shard_writer *w)
{
	static const uint8_t zero[8];
	out(w, zero, (8 - w->pos % 8) % 8);
}

al_shard_writer *al_shard_writer_new(const char *path, int patch_dtype, uint32_t dim, al_err *e)
{
	if (patch_dtype < AL_SHARD_NONE || patch_dtype > AL_SHARD_BF16 ||
	    (patch_dtype != AL_SHARD_NONE) != (dim != 0)) {
		al_err_set(e, AL_EINVAL, "'%s': a patch dtype needs a width, and none none", path);
		return NULL;
	}
	al_shard_writer *w = calloc(1, sizeof *w);
	if (!w || !(w->xx = XXH64_createState())) {
		free(w);
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	XXH64_reset(w->xx, 0);
	if (!(w->f = al_afile_open(path, e))) {
		XXH64_freeState(w->xx);
		free(w);
		return NULL;
	}
	w->fp = al_afile_fp(w->f);
	w->dtype = patch_dtype;
	w->dim = dim;
	uint8_t hdr[AL_SHARD_HEADER] = {0};   /* filled in at commit */
	al_fault(AL_FAULT_WRITE);
	if (fwrite(hdr, 1, sizeof hdr, w->fp) != sizeof hdr)
		w->failed = 1;
	w->pos = AL_SHARD_HEADER;
	return w;
}

uint64_t al_shard_writer_count(const al_shard_writer *w) { return w->n; }

int al_shard_writer_add(al_shard_writer *w, const al_shard_example *x, al_err *e)
{
	uint64_t ntok = 0;
	for (uint32_t t = 0; t < x->n_targets; t++)
		ntok += x->target_lens[t];
	if (x->id_len > UINT32_MAX || x->task_len > UINT32_MAX || ntok > UINT32_MAX)
		return al_err_set(e, AL_EINVAL, "an example too large for a shard");
	if (x->n_patches && (!w->dim || !x->patches))
		return al_err_set(e, AL_EINVAL, "example '%.*s' has patches but the shard has "
				  "no patch width", (int)x->id_len, x->id);
	if (w->n == w->cap) {
		uint64_t c = w->cap ? 2 * w->cap : 1024;
		uint64_t *o = realloc(w->offsets, c * sizeof *o);
		if (!o)
			return al_err_set(e, AL_ENOMEM, "out of memory");
		w->offsets = o;
		w->cap = c;
	}
	pad8(w);
	w->offsets[w->n++] = w->pos;
	uint8_t h[24];
	put32(h, (uint32_t)x->id_len);
	put32(h + 4, (uint32_t)x->task_len);
	put32(h + 8, x->n_input);
	put32(h + 12, x->n_targets);
	put32(h + 16, (uint32_t)ntok);
	put32(h + 20, x->n_patches);
	out(w, h, sizeof h);
	out(w, x->id, x->id_len);
	out(w, x->task, x->task_len);
	static const uint8_t zero[8];
	out(w, zero, (4 - w->pos % 4) % 4);
	out(w, x->input, sizeof(uint32_t) * x->n_input);
	out(w, x->target_lens, sizeof(uint32_t) * x->n_targets);
	out(w, x->targets, sizeof(uint32_t) * ntok);
	if (x->n_patches) {
		pad8(w);
		out(w, x->patches, sizeof(uint16_t) * x->n_patches * w->dim);
	}
	if (w->failed)
		return al_err_errno(e, AL_EIO, "unable to write '%s'", al_afile_path(w->f));
	return 0;
}

int al_shard_writer_seal(al_shard_writer *w, uint64_t *checksum, uint64_t *bytes, al_err *e)
{
	if (!w->sealed) {
		pad8(w);
		uint64_t index = w->pos;
		for (uint64_t i = 0; i < w->n; i++) {
			uint8_t b[8];
			put64(b, w->offsets[i]);
			out(w, b, 8);
		}
		w->sum = XXH64_digest(w->xx);
		uint8_t hdr[AL_SHARD_HEADER] = {0};
		memcpy(hdr, AL_SHARD_MAGIC, 8);
		put32(hdr + 8, AL_SHARD_VERSION);
		put32(hdr + 12, (uint32_t)w->dtype);
		put32(hdr + 16, w->dim);
		put64(hdr + 24, w->n);
		put64(hdr + 32, index);
		put64(hdr + 40, w->pos);
		put64(hdr + 48, w->sum);
		al_fault(AL_FAULT_WRITE);
		if (fseek(w->fp, 0, SEEK_SET) != 0 || fwrite(hdr, 1, sizeof hdr, w->fp) != sizeof hdr)
			w->failed = 1;
		w->sealed = 1;
	}
	if (w->failed)
		return al_err_errno(e, AL_EIO, "unable to write '%s'", al_afile_path(w->f));
	if (checksum)
		*checksum = w->sum;
	if (bytes)
		*bytes = w->pos;
	return 0;
}

int al_shard_writer_commit(al_shard_writer *w, uint64_t *checksum, uint64_t *bytes, al_err *e)
{
	int rc = al_shard_writer_seal(w, checksum, bytes, e);
	if (rc == 0)
		rc = al_afile_commit(w->f, e);
	else
		al_afile_abort(w->f);
	w->f = NULL;
	al_shard_writer_abort(w);
	return rc;
}

void al_shard_writer_abort(al_shard_writer *w)
{
	if (!w)
		return;
	al_afile_abort(w->f);
	XXH64_freeState(w->xx);
	free(w->offsets);
	free(w);
}

/* ---- reader ---- */

struct al_shard {
	al_map map;
	char *path;
	uint64_t n, index, size, sum;
	int dtype;
	uint32_t dim;
};

void al_shard_close(al_shard *s)
{
	if (!s)
		return;
	al_map_release(&s->map);
	free(s->path);
	free(s);
}

al_shard *al_shard_open(const char *path, al_err *e)
{
	al_shard *s = calloc(1, sizeof *s);
	if (!s || !(s->path = strdup(path))) {
		free(s);
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	if (al_map_file(path, &s->map, e) < 0)
		goto bad;
	const uint8_t *p = s->map.data;
	if (s->map.size < AL_SHARD_HEADER || memcmp(p, AL_SHARD_MAGIC, 8) != 0) {
		al_err_at(e, AL_EFORMAT, path, 0, "not an adalink shard (no \"ALSHARD\" magic)");
		goto bad;
	}
	uint32_t version = get32(p + 8);
	if (version != AL_SHARD_VERSION) {
		al_err_at(e, AL_EFORMAT, path, 8, "shard version %" PRIu32 "; this adalink reads "
			  "version %d", version, AL_SHARD_VERSION);
		goto bad;
	}
	if (get32(p + 20) != 0 || get64(p + 56) != 0) {
		al_err_at(e, AL_EFORMAT, path, 20, "reserved header bytes are not zero");
		goto bad;
	}
	s->dtype = (int)get32(p + 12);
	s->dim = get32(p + 16);
	s->n = get64(p + 24);
	s->index = get64(p + 32);
	s->size = get64(p + 40);
	s->sum = get64(p + 48);
	if (s->size != s->map.size) {
		al_err_at(e, AL_EFORMAT, path, 40, "the header says %" PRIu64 " bytes but the file "
			  "has %zu; truncated or appended to", s->size, s->map.size);
		goto bad;
	}
	if (s->dtype < AL_SHARD_NONE || s->dtype > AL_SHARD_BF16 || (s->dtype != 0) != (s->dim != 0) ||
	    s->dim > 1 << 20) {
		al_err_at(e, AL_EFORMAT, path, 12, "bad patch dtype %d or width %" PRIu32, s->dtype, s->dim);
		goto bad;
	}
	if (s->index < AL_SHARD_HEADER || s->index % 8 || s->n > (s->size - s->index) / 8 ||
	    s->index + 8 * s->n != s->size) {
		al_err_at(e, AL_EFORMAT, path, 24, "the index of %" PRIu64 " examples at byte %" PRIu64
			  " does not end the file", s->n, s->index);
		goto bad;
	}
	return s;
bad:
	al_shard_close(s);
	return NULL;
}

uint64_t al_shard_count(const al_shard *s) { return s->n; }
int al_shard_patch_dtype(const al_shard *s) { return s->dtype; }
uint32_t al_shard_patch_dim(const al_shard *s) { return s->dim; }
uint64_t al_shard_checksum(const al_shard *s) { return s->sum; }

int al_shard_get(const al_shard *s, uint64_t i, al_shard_example *x, al_err *e)
{
	if (i >= s->n)
		return al_err_set(e, AL_EINVAL, "'%s': example %" PRIu64 " of %" PRIu64, s->path, i, s->n);
	const uint8_t *base = s->map.data;
	uint64_t off = get64(base + s->index + 8 * i), end = s->index;
	if (off < AL_SHARD_HEADER || off % 8 || off + 24 > end)
		return al_err_at(e, AL_EFORMAT, s->path, s->index + 8 * i, "example %" PRIu64
				 " points outside the records", i);
	const uint8_t *h = base + off;
	uint64_t idl = get32(h), tl = get32(h + 4), ni = get32(h + 8), nt = get32(h + 12);
	uint64_t ntok = get32(h + 16), np = get32(h + 20);
	uint64_t p = off + 24 + idl + tl;
	p += (4 - p % 4) % 4;
	uint64_t ids = p;
	p += 4 * (ni + nt + ntok);
	uint64_t pat = p;
	if (np) {
		pat += (8 - pat % 8) % 8;
		p = pat + 2 * np * s->dim;
	}
	if (p > end || (np && !s->dim))
		return al_err_at(e, AL_EFORMAT, s->path, off, "example %" PRIu64 " runs past the "
				 "records", i);
	const uint32_t *lens = (const uint32_t *)(base + ids + 4 * ni);
	uint64_t sum = 0;
	for (uint64_t t = 0; t < nt; t++)
		sum += lens[t];
	if (sum != ntok)
		return al_err_at(e, AL_EFORMAT, s->path, off, "example %" PRIu64 ": target lengths "
				 "add up to %" PRIu64 ", not %" PRIu64, i, sum, ntok);
	x->id = (const char *)h + 24;
	x->id_len = idl;
	x->task = x->id + idl;
	x->task_len = tl;
	x->input = (const uint32_t *)(base + ids);
	x->n_input = (uint32_t)ni;
	x->n_targets = (uint32_t)nt;
	x->target_lens = lens;
	x->targets = lens + nt;
	x->n_patches = (uint32_t)np;
	x->patches = np ? (const uint16_t *)(base + pat) : NULL;
	return 0;
}

int al_shard_verify(const al_shard *s, al_err *e)
{
	uint64_t sum = XXH64(s->map.data + AL_SHARD_HEADER, s->size - AL_SHARD_HEADER, 0);
	if (sum != s->sum)
		return al_err_set(e, AL_EFORMAT, "'%s': checksum %016" PRIx64 " does not match the "
				  "header's %016" PRIx64 "; the shard was modified or damaged",
				  s->path, sum, s->sum);
	return 0;
}
