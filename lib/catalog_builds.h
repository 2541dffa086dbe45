/* catalog_builds.h: builds and their shards in the catalog (the builds and
 * shards tables of adalink-catalog(5)).
 *
 * A build is one run of adalink build: the dataset, split and task it read,
 * the hashes of its tokenizer, vision encoder and sources, every parameter
 * (as JSON), and a status, "building" until its last shard is recorded.
 * Its shards are the .als files it wrote, in order (seq), each with its
 * example count, byte size and xxh64 checksum (16 hex digits).  Removing a
 * build removes its shard rows with it (ON DELETE CASCADE); the files are
 * the caller's to remove.
 *
 *     al_cat_build b;
 *     if (al_catalog_build_get(c, "rte-train", &b, &e) == 0) {
 *             ... b.dataset, b.status ...
 *             al_cat_build_clear(&b);
 *     }
 *     al_catalog_shards_each(c, "rte-train", on_shard, ctx, &e);
 */
#ifndef AL_CATALOG_BUILDS_H
#define AL_CATALOG_BUILDS_H

#include "catalog.h"

/* A row of builds.  Read by al_catalog_build_get, every string is a
 * malloc'd copy (NULL where the column is NULL) that al_cat_build_clear
 * frees; given to al_catalog_build_add, the strings are the caller's. */
typedef struct al_cat_build {
	long long id;
	char *name, *dataset, *split, *task;
	char *tokenizer_sha256, *vision_sha256;
	char *sources;       /* JSON [{"path", "sha256"}, ...] */
	char *params;        /* JSON object of every parameter */
	char *tool_version;
	char *status;        /* "building" or "complete" */
	char *created, *finished;   /* UTC, 2026-01-31T12:00:00Z; finished NULL until complete */
	char *out_dir;       /* the shards' folder (NULL: not recorded, a build of
				schema version 1); read back usable from here */
} al_cat_build;

/* Free the strings of b and zero it. */
void al_cat_build_clear(al_cat_build *b);

/* The build called name into b: 0, or AL_ENOTFOUND ("no build 'NAME' in
 * 'CATALOG'") with b zeroed, or the catalog's failure. */
int al_catalog_build_get(al_catalog *c, const char *name, al_cat_build *b, al_err *e);

/* Record a new build of status "building" from b's name, dataset, split,
 * task, tokenizer_sha256, vision_sha256, sources, params, tool_version and
 * out_dir (name, dataset, sources, params and tool_version NOT NULL; out_dir
 * an existing folder, stored as shard paths are); *id receives its id.  A
 * build of the same name fails the UNIQUE constraint. */
int al_catalog_build_add(al_catalog *c, const al_cat_build *b, long long *id, al_err *e);

/* Mark build id "complete", finished now. */
int al_catalog_build_complete(al_catalog *c, long long id, al_err *e);

/* Mark build id "building" again (finished NULL): a build whose files are
 * about to be removed, so that a crash midway leaves it to be cleaned up. */
int al_catalog_build_reopen(al_catalog *c, long long id, al_err *e);

/* Remove build id and its shard rows (nothing if there is no such build). */
int al_catalog_build_delete(al_catalog *c, long long id, al_err *e);

/* Remove the build called name and its shard rows: 0, or AL_ENOTFOUND
 * ("no build 'NAME' in 'CATALOG'"). */
int al_catalog_build_delete_named(al_catalog *c, const char *name, al_err *e);

/* A build with the sums of its shards, for listing. Strings are valid
 * during the callback only. */
typedef struct al_cat_build_sum {
	const char *name, *dataset, *split, *task, *status;   /* split, task may be NULL */
	long long shards, examples, bytes;
	const char *created;
} al_cat_build_sum;

/* Call fn for every build, by name; fn's negative return stops the walk
 * and is returned. */
typedef int (*al_cat_build_fn)(void *ctx, const al_cat_build_sum *b, al_err *e);
int al_catalog_builds_each(al_catalog *c, al_cat_build_fn fn, void *ctx, al_err *e);

/* A row of shards with its build's name.  Strings are valid during the
 * callback only; given to al_catalog_shard_add, build and stored are
 * unused.
 *
 * Paths: a shard's path is stored relative to the catalog's folder when
 * the shard lies under it (so a catalog and its shards move together),
 * else absolute.  Rows of schema version 1 hold the path as adalink build
 * was given it, relative to the folder it ran in; they are read from here
 * if the file is there, else from the catalog's folder. */
typedef struct al_cat_shard {
	long long build_id;
	const char *build;
	long long seq;               /* 0, 1, ... within the build */
	const char *path;            /* usable from the current folder */
	long long examples, bytes;
	const char *checksum;        /* xxh64 as 16 lowercase hex digits */
	const char *stored;          /* the path as the row holds it */
} al_cat_shard;

/* Record shard s of build s->build_id, s->path usable from here (its
 * folder must exist; stored as said above).  (build_id, seq) is unique,
 * and build_id must name a build (foreign key). */
int al_catalog_shard_add(al_catalog *c, const al_cat_shard *s, al_err *e);

/* Call fn for each shard of the build called name (NULL: of every build),
 * by build name, then seq; fn's negative return stops the walk and is
 * returned.  No shard (or no such build) calls fn never and returns 0. */
typedef int (*al_cat_shard_fn)(void *ctx, const al_cat_shard *s, al_err *e);
int al_catalog_shards_each(al_catalog *c, const char *name, al_cat_shard_fn fn, void *ctx,
			   al_err *e);

/* The same for the shards of build id, by seq. */
int al_catalog_build_shards_each(al_catalog *c, long long build_id, al_cat_shard_fn fn,
				 void *ctx, al_err *e);

#endif
