/* safetensors.h: read (mmap) and write (streamed, atomically) safetensors
 * files.
 *
 * The format (huggingface/safetensors): an unsigned 64-bit little-endian
 * header length N, then N bytes of UTF-8 JSON, then the data.  The JSON is
 * one object: each key names a tensor, {"dtype": "F32", "shape": [2, 3],
 * "data_offsets": [BEGIN, END]} with offsets relative to the start of the
 * data, plus an optional "__metadata__" object of string values.
 *
 * The reader checks the whole header before it returns anything, as the
 * reference library does: N at least 2 and at most AL_ST_MAX_HEADER, inside
 * the file; well-formed JSON (UTF-8) starting with '{'; each entry has
 * exactly dtype, shape and data_offsets; a known dtype; non-negative
 * integer dimensions whose product times the dtype size does not overflow
 * and equals END - BEGIN; no duplicate names; __metadata__ holds strings
 * only; and the byte ranges, sorted, tile the data exactly: no range past
 * the end, no overlap, no gap, no trailing bytes.
 *
 *     al_err e = {0};
 *     al_st *st = al_st_open("model.safetensors", &e);
 *     const al_st_tensor *t = al_st_find(st, "shared.weight");
 *     float *w = malloc(al_st_numel(t) * sizeof *w);
 *     al_st_read_f32(t, w, &e);            // widens F16 and BF16
 *     al_st_free(st);
 */
#ifndef AL_SAFETENSORS_H
#define AL_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define AL_ST_MAX_HEADER 100000000u  /* bytes; the reference library's limit */
#define AL_ST_MAX_DIMS 16

typedef enum al_dtype {
	AL_BOOL, AL_U8, AL_I8, AL_F8_E5M2, AL_F8_E4M3, AL_I16, AL_U16, AL_F16,
	AL_BF16, AL_I32, AL_U32, AL_F32, AL_F64, AL_I64, AL_U64, AL_NDTYPES
} al_dtype;

const char *al_dtype_name(al_dtype t);        /* "F32" */
int al_dtype_parse(const char *name);         /* AL_F32, or -1 */
size_t al_dtype_size(al_dtype t);             /* bytes per element */

typedef struct al_st_tensor {
	const char *name;
	al_dtype dtype;
	int ndim;
	uint64_t shape[AL_ST_MAX_DIMS];
	uint64_t begin, end;      /* offsets relative to the data section */
	const void *data;         /* the bytes; may be unaligned */
} al_st_tensor;

typedef struct al_st al_st;

/* Open and validate a file; NULL and e filled on any problem. */
al_st *al_st_open(const char *path, al_err *e);
/* Validate a buffer in memory (not copied: it must outlive the al_st).
 * label names it in messages. */
al_st *al_st_open_mem(const void *buf, size_t size, const char *label, al_err *e);
void al_st_free(al_st *st);

size_t al_st_count(const al_st *st);
/* Tensors in the order of their data offsets. */
const al_st_tensor *al_st_tensor_at(const al_st *st, size_t i);
const al_st_tensor *al_st_find(const al_st *st, const char *name);
uint64_t al_st_numel(const al_st_tensor *t);
uint64_t al_st_header_size(const al_st *st);

/* __metadata__ entries in file order; values are NUL-terminated UTF-8. */
size_t al_st_meta_count(const al_st *st);
void al_st_meta_at(const al_st *st, size_t i, const char **key, const char **val);
const char *al_st_meta_get(const al_st *st, const char *key);

/* Copy a floating-point tensor (F32, F16, BF16, F64) into out as f32. */
int al_st_read_f32(const al_st_tensor *t, float *out, al_err *e);

/* Writing.  Declare every tensor (name, dtype, shape) and the metadata
 * first, then stream the tensors' bytes in the order declared; the file is
 * "PATH.tmp.*" until al_st_writer_commit flushes, syncs and renames it to
 * PATH, so PATH is never seen half written.  al_st_writer_free discards an
 * uncommitted writer and removes its temporary file.
 *
 *     al_st_writer *w = al_st_writer_new("out.safetensors", &e);
 *     al_st_writer_meta(w, "size", "224", &e);
 *     for (i = 0; i < n; i++)
 *             al_st_writer_add(w, name[i], AL_F32, 2, shape, NULL, &e);
 *     al_st_writer_begin(w, &e);                 // the header is written
 *     for (i = 0; i < n; i++)
 *             ok[i] ? al_st_writer_put(w, data_i, &e) : al_st_writer_drop(w, &e);
 *     al_st_writer_commit(w, &e);
 *     al_st_writer_free(w);
 *
 * Every call returns 0 or a negative AL_E* code with e filled: AL_EINVAL
 * for a misuse (a duplicate name, a call out of turn), AL_EIO naming the
 * file, AL_ENOMEM.  After a failed write (AL_EIO) or a commit, only
 * al_st_writer_free is left. */
typedef struct al_st_writer al_st_writer;

/* A writer for path; nothing is created before al_st_writer_begin. */
al_st_writer *al_st_writer_new(const char *path, al_err *e);
/* Add a __metadata__ entry (the keys are kept in this order); before begin. */
int al_st_writer_meta(al_st_writer *w, const char *key, const char *val, al_err *e);
/* Declare the next tensor (its data follows the one before); before begin.
 * data is what al_st_writer_commit writes if the writer is not streamed
 * (it must stay valid until then); NULL when the bytes will be put.
 * AL_EINVAL for a duplicate name, "__metadata__", a bad dtype or rank, or
 * a shape whose byte size overflows. */
int al_st_writer_add(al_st_writer *w, const char *name, al_dtype dtype, int ndim,
		     const uint64_t *shape, const void *data, al_err *e);
/* Create the temporary file and write the header for every tensor
 * declared; AL_EINVAL if a name or value is not valid UTF-8. */
int al_st_writer_begin(al_st_writer *w, al_err *e);
/* Write the next tensor's bytes (its dtype size times its elements, in
 * the file's little-endian layout) from data. */
int al_st_writer_put(al_st_writer *w, const void *data, al_err *e);
/* Leave the next tensor out of the file, as if it was never declared: at
 * commit the header is written again for the others and their data moved
 * up under it. */
int al_st_writer_drop(al_st_writer *w, al_err *e);
/* Finish the file and rename it to path.  A writer never begun writes
 * every tensor from the data given to al_st_writer_add first; a streamed
 * one must have put or dropped every tensor (AL_EINVAL naming the first
 * missing if not). */
int al_st_writer_commit(al_st_writer *w, al_err *e);
void al_st_writer_free(al_st_writer *w);

/* Conversions used by readers and writers. */
float al_f16_to_f32(uint16_t h);
float al_bf16_to_f32(uint16_t b);
uint16_t al_f32_to_f16(float f);    /* round to nearest even */
uint16_t al_f32_to_bf16(float f);   /* round to nearest even */

#endif
