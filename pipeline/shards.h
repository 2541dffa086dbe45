/* shards.h: checking a build's shards against the catalog (adalink shards
 * verify), and removing a build (adalink shards rm). */
#ifndef AL_SHARDS_H
#define AL_SHARDS_H

#include "lib/catalog.h"
#include "lib/err.h"

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

/* Remove build name: its shard files, then its rows in one transaction.
 * AL_ENOTFOUND if there is no such build. */
int al_shards_remove(al_catalog *c, const char *name, al_err *e);

#endif
