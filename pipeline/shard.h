/* shard.h: training shards (*.als): examples as token ids and patch
 * embeddings in one little-endian file, read over mmap.  The layout is in
 * adalink-shard(5); in short:
 *
 *   header (64 bytes)   "ALSHARD\0", version, patch dtype and width,
 *                       example count, index offset, file size, xxh64;
 *                       reserved bytes are zero
 *   records             per example, 8-byte aligned: six u32 counts (id
 *                       bytes, task bytes, input ids, targets, target ids,
 *                       patches), the id and task bytes, the input ids,
 *                       each target's length, the target ids, the patches
 *   index               u64 offset of every record
 *
 * The checksum is XXH64 (seed 0) of every byte after the header.
 *
 *     al_shard_writer *w = al_shard_writer_new("s0.als", AL_SHARD_F16, 768, &e);
 *     al_shard_writer_add(w, &example, &e);  ...
 *     al_shard_writer_commit(w, &e);         // temp file, fsync, rename
 *
 *     al_shard *s = al_shard_open("s0.als", &e);
 *     al_shard_example x;  al_shard_get(s, i, &x, &e);
 */
#ifndef AL_SHARD_H
#define AL_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define AL_SHARD_MAGIC "ALSHARD"     /* and a NUL: 8 bytes */
#define AL_SHARD_VERSION 1
#define AL_SHARD_HEADER 64

enum { AL_SHARD_NONE = 0, AL_SHARD_F16 = 1, AL_SHARD_BF16 = 2 };

/* One example as written, and as read back (pointers into the map). */
typedef struct al_shard_example {
	const char *id;          size_t id_len;
	const char *task;        size_t task_len;
	const uint32_t *input;   uint32_t n_input;
	uint32_t n_targets;
	const uint32_t *target_lens;   /* [n_targets] */
	const uint32_t *targets;       /* all targets' ids, one after another */
	uint32_t n_patches;
	const uint16_t *patches;       /* [n_patches, dim] f16 or bf16, or NULL */
} al_shard_example;

typedef struct al_shard_writer al_shard_writer;

al_shard_writer *al_shard_writer_new(const char *path, int patch_dtype, uint32_t dim, al_err *e);
int al_shard_writer_add(al_shard_writer *w, const al_shard_example *x, al_err *e);
uint64_t al_shard_writer_count(const al_shard_writer *w);
/* Write the index and header into the temporary file (nothing is synced
 * or renamed yet); *checksum and *bytes (may be NULL) receive the file's
 * checksum and size.  After it only commit and abort are allowed.  A
 * build records the shard in the catalog between seal and commit, so
 * that every shard file under its final name has a row. */
int al_shard_writer_seal(al_shard_writer *w, uint64_t *checksum, uint64_t *bytes, al_err *e);
/* Seal (if not yet done), sync, rename; *checksum and *bytes (may be
 * NULL) receive the file's checksum and size.  Frees w. */
int al_shard_writer_commit(al_shard_writer *w, uint64_t *checksum, uint64_t *bytes, al_err *e);
/* Drop the temporary file; frees w.  NULL is allowed. */
void al_shard_writer_abort(al_shard_writer *w);

typedef struct al_shard al_shard;

/* Map and check a shard's header and index (not yet the checksum). */
al_shard *al_shard_open(const char *path, al_err *e);
void al_shard_close(al_shard *s);
uint64_t al_shard_count(const al_shard *s);
int al_shard_patch_dtype(const al_shard *s);
uint32_t al_shard_patch_dim(const al_shard *s);
uint64_t al_shard_checksum(const al_shard *s);     /* as the header says */
/* Example i, bounds-checked; its pointers live as long as s. */
int al_shard_get(const al_shard *s, uint64_t i, al_shard_example *x, al_err *e);
/* Recompute the checksum; AL_EFORMAT if it differs from the header's. */
int al_shard_verify(const al_shard *s, al_err *e);

#endif
