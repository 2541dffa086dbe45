/* source.h: a dataset source read as a stream of members.
 *
 * A source is an archive of any format and filter libarchive reads (zip,
 * tar, tar.gz, .bz2, .xz, .zst, cpio, iso; not 7z, whose index is at
 * the end), a folder (walked recursively in
 * name order), a loose file, or "-" (an archive on standard input).  Members
 * come one after the other; each member's bytes are read in pieces.  Nothing
 * is extracted, nothing seeks (archives are read through a plain read()
 * callback, so zip files are read by their local headers, as a stream), and
 * memory stays bounded whatever the archive's size.
 *
 *     al_source *s = al_source_open("val2014.zip", &e);
 *     const char *name;
 *     while ((rc = al_source_next(s, &name, &e)) > 0)
 *         while ((n = al_source_read(s, buf, sizeof buf, &e)) > 0) ...;
 *     al_source_free(s);
 *
 * Member names: an archive's members as stored ("val2014/COCO_...jpg"); a
 * folder's files as the folder path joined with their relative path, as
 * find(1) prints them; a loose file as given.
 */
#ifndef AL_SOURCE_H
#define AL_SOURCE_H

#include <stdint.h>
#include <sys/types.h>

#include "lib/err.h"

typedef struct al_source al_source;

/* Open path: a folder, "-" (an archive on stdin), a file whose name ends
 * in an archive suffix (.zip .tar .tgz .tar.gz .tar.bz2 .tbz2 .tar.xz .txz
 * .tar.zst .tzst .tar.lz4 .cpio .iso), or any other file (one loose member).  On failure
 * NULL with AL_EIO (cannot open) or AL_EFORMAT (not a readable archive). */
al_source *al_source_open(const char *path, al_err *e);

/* A source of one loose member named name whose bytes are data[0..size)
 * (not copied: they must outlive the source).  For tests and fuzzing. */
al_source *al_source_open_mem(const char *name, const void *data, size_t size,
			      al_err *e);

/* Advance to the next regular-file member (directories, links and other
 * entries are passed over).  Returns 1 with *name set (valid until the next
 * call), 0 at the end, or a negative AL_E* code for a corrupt or truncated
 * archive (message: archive, byte offset, libarchive's reason). */
int al_source_next(al_source *s, const char **name, al_err *e);

/* Read up to n bytes of the current member; 0 at its end, negative on a
 * corrupt or truncated member. */
ssize_t al_source_read(al_source *s, void *buf, size_t n, al_err *e);

/* The path the source was opened with. */
const char *al_source_path(const al_source *s);

/* Bytes read from the underlying file or folder so far (compressed). */
uint64_t al_source_bytes(const al_source *s);

/* 1 if path names an archive by its suffix (or is "-"), else 0. */
int al_source_is_archive_name(const char *path);

void al_source_free(al_source *s);

#endif
