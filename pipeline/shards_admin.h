/* shards_admin.h: the library side of adalink shards: checking a build's
 * shards against the catalog (verify), reading its examples back (cat),
 * and removing a build (rm).  The .als format itself is shard.h; the rows
 * are lib/catalog_builds.h. */
#ifndef AL_SHARDS_ADMIN_H
#define AL_SHARDS_ADMIN_H

#include "lib/catalog.h"
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

/* Call fn for every example of build name, shard by shard in order:
 * AL_ENOTFOUND if the build has no shards (or there is no such build), a
 * shard's error if one does not open or read. */
int al_shards_each_example(al_catalog *c, const char *name, al_example_fn fn, void *ctx,
			   al_err *e);

/* Remove build name: its rows in one transaction, then its shard files.
 * AL_ENOTFOUND if there is no such build. */
int al_shards_remove(al_catalog *c, const char *name, al_err *e);

#endif
