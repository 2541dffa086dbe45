/* shards_admin.h: the library side of adalink shards: checking a build's
 * shards against the catalog (verify), reading its examples back (cat),
 * and removing a build (rm).  The .als format itself is shard.h; the rows
 * are lib/catalog_builds.h. */
#ifndef AL_SHARDS_ADMIN_H
#define AL_SHARDS_ADMIN_H

#include "lib/catalog_builds.h"
#include "lib/err.h"
#include "pipeline/shard.h"

/* Told about each shard checked: problem NULL when it is sound. */
typedef void (*al_verify_fn)(void *ctx, const char *build, const char *path,
			     const char *problem);

/* Check every shard of build name (NULL: of every build): the file
 * exists, has the recorded size, opens, holds the recorded number of
 * examples, and its checksum matches both its header and the catalog.
 * *bad receives the number of shards with a problem.  Returns 0 unless
 * the catalog itself fails. */
int al_shards_verify(al_catalog *c, const char *name, al_verify_fn fn, void *ctx, int *bad,
		     al_err *e);

/* Told about each example read; a negative return stops the walk. */
typedef int (*al_example_fn)(void *ctx, const al_shard_example *x, al_err *e);

/* Call fn for every example of build name, shard by shard in order, each
 * shard's checksum checked (against its header and the catalog) before
 * its first example: AL_ENOTFOUND if the build has no shards (or there
 * is no such build), a shard's error if one does not open, read or check
 * out. */
int al_shards_each_example(al_catalog *c, const char *name, al_example_fn fn, void *ctx,
			   al_err *e);

/* Remove build b (as al_catalog_build_get read it, the caller holding its
 * lock): its shard files, then its rows.  Only files that are b's shards
 * go: each must be a regular file named NAME-SEQ.als in the build's folder
 * (its recorded out_dir, or its first shard's for a build of schema
 * version 1), with the shard magic and the size and checksum its row
 * records; a file already gone is skipped.  Anything else is refused
 * (AL_EINVAL, the path named) before a file is removed.  A complete build
 * is marked "building" first, so that a crash midway leaves a build the
 * next run cleans up.  Left-over temporary files of its shards in its
 * folder go too (al_shards_sweep). */
int al_shards_drop(al_catalog *c, const al_cat_build *b, al_err *e);

/* Remove, in folder dir, the temporary files a killed build called build
 * left: regular files named BUILD-NNNNN.als.tmp.XXXXXX that are empty or
 * start with the zero header or the shard magic.  The caller holds the
 * build's lock.  Returns how many went. */
int al_shards_sweep(const char *dir, const char *build);

/* Remove build name (taking its lock) as al_shards_drop does.
 * AL_ENOTFOUND if there is no such build. */
int al_shards_remove(al_catalog *c, const char *name, al_err *e);

#endif
