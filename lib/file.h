/* file.h: reading files whole (mmap) and writing them atomically.
 *
 * Writing: al_afile_open(path) creates a temporary file beside path; write
 * through al_afile_fp(); al_afile_commit() flushes, fsyncs and renames it
 * over path, so a reader never sees a half-written file and a crash leaves
 * at worst a stale "path.tmp.*" that nothing reads.  al_afile_abort()
 * removes the temporary file.
 *
 * The target decides: a new or regular file is written that way; a
 * symlink to a regular file replaces the file it names (the link stays);
 * "-" (standard output), a device, a FIFO and a symlink to nothing are
 * written straight through, with no temporary file and no rename, so
 * they stay what they are; a failed write there cannot be taken back.
 */
#ifndef AL_FILE_H
#define AL_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

typedef struct al_map {
	const uint8_t *data;  /* the file's bytes (read-only), NULL if empty */
	size_t size;
	int mapped;           /* 1: munmap on release, 0: free */
} al_map;

/* Map path read-only ("-" reads stdin into memory).  On failure returns
 * AL_EIO with the path in the message. */
int al_map_file(const char *path, al_map *m, al_err *e);
void al_map_release(al_map *m);

typedef struct al_afile al_afile;

al_afile *al_afile_open(const char *path, al_err *e);
FILE *al_afile_fp(al_afile *f);
const char *al_afile_path(const al_afile *f);  /* the final path */
/* 1 when f writes straight into its target (which may not seek). */
int al_afile_direct(const al_afile *f);
/* Flush, fsync, close and rename; frees f whatever the outcome. */
int al_afile_commit(al_afile *f, al_err *e);
/* Close and remove the temporary file; frees f.  NULL is allowed. */
void al_afile_abort(al_afile *f);

#endif
