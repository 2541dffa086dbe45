/* catalog.h: the SQLite catalog of datasets, builds, shards and runs.
 *
 * al_catalog_open creates the database if needed and brings its schema up
 * to date with the migrations in catalog.c, one transaction each, counted
 * in PRAGMA user_version; a catalog newer than this adalink is refused
 * rather than touched.  Connections use WAL, foreign keys and a busy
 * timeout so that several adalink processes can share one catalog.
 * The schema is documented in adalink-catalog(5).
 *
 * Callers prepare statements on al_catalog_db() with bound parameters only.
 */
#ifndef AL_CATALOG_H
#define AL_CATALOG_H

#include <sqlite3.h>

#include "err.h"

/* How long a connection waits for another writer's lock before giving
 * up: ADALINK_CATALOG_WAIT (seconds) or this. */
#define AL_CATALOG_BUSY_MS 10000
int al_catalog_wait_ms(void);

typedef struct al_catalog al_catalog;

/* Open or create path; NULL and e filled on failure. */
al_catalog *al_catalog_open(const char *path, al_err *e);
/* Open an existing catalog read-only; it must be up to date. */
al_catalog *al_catalog_open_readonly(const char *path, al_err *e);
void al_catalog_close(al_catalog *c);

sqlite3 *al_catalog_db(al_catalog *c);
const char *al_catalog_path(const al_catalog *c);
int al_catalog_version(al_catalog *c);    /* schema version in force */
int al_catalog_latest(void);              /* the version this build knows */

/* Run SQL without parameters (BEGIN, COMMIT, ...); AL_EDB with the
 * connection's message on failure. */
int al_catalog_exec(al_catalog *c, const char *sql, al_err *e);

/* Fill e from the connection's last error, what saying what was being
 * done ("recording a shard"); returns the code.  A lock held by another
 * writer past the wait, and a full disk, get messages that say what to
 * do. */
int al_catalog_fail(al_catalog *c, al_err *e, const char *what);

#endif
