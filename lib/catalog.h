/* catalog.h: the SQLite catalog of datasets, builds, shards and runs.
 *
 * al_catalog_open creates the database if needed and brings its schema up
 * to date with the migrations in catalog.c, one transaction each, counted
 * in PRAGMA user_version; a catalog newer than this adalink is refused
 * rather than touched.  Connections use WAL, foreign keys and a busy
 * timeout so that several adalink processes can share one catalog.
 * The schema is documented in adalink-catalog(5).
 *
 * Every SQL statement of adalink lives in lib/catalog*.c, behind typed
 * functions: this header opens, closes and holds transactions;
 * catalog_builds.h reads and writes builds and their shards;
 * catalog_runs.h training runs and the values they log.  Nothing outside
 * gets the SQLite handle.  Every function returns 0 or a negative AL_E*
 * code with e filled (al_catalog_fail's messages for SQLite's failures),
 * and binds its parameters (no SQL is ever built from a value).
 *
 *     al_catalog *c = al_catalog_open("catalog.db", &e);
 *     if (al_catalog_begin(c, &e) < 0) ...
 *     ... typed writes ...
 *     if (al_catalog_commit(c, &e) < 0) al_catalog_rollback(c);
 *     al_catalog_close(c);
 */
#ifndef AL_CATALOG_H
#define AL_CATALOG_H

#include "err.h"

/* How long a connection waits for another writer's lock before giving
 * up: ADALINK_CATALOG_WAIT (seconds) or this. */
#define AL_CATALOG_BUSY_MS 10000
int al_catalog_wait_ms(void);

typedef struct al_catalog al_catalog;

/* Open or create path; NULL and e filled on failure. */
al_catalog *al_catalog_open(const char *path, al_err *e);
/* Open an existing catalog read-write (brought up to date like
 * al_catalog_open): a missing file (AL_ENOTFOUND), a directory or an
 * empty file is refused, and nothing is created. */
al_catalog *al_catalog_open_existing(const char *path, al_err *e);
/* Open an existing catalog read-only, refusing what
 * al_catalog_open_existing refuses and any database that is not an
 * adalink catalog.  A catalog of an older schema is migrated first
 * (opened as al_catalog_open_existing does: the one write a reader
 * makes). */
al_catalog *al_catalog_open_readonly(const char *path, al_err *e);
/* Close c (NULL is allowed); a transaction still open is rolled back. */
void al_catalog_close(al_catalog *c);

const char *al_catalog_path(const al_catalog *c);
int al_catalog_version(al_catalog *c);    /* schema version in force */
int al_catalog_latest(void);              /* the version this build knows */

/* The SQLite library's version, as "3.40.1" (for adalink --version). */
const char *al_catalog_sqlite_version(void);

/* Start a write transaction, taking the write lock now (BEGIN IMMEDIATE:
 * waits up to al_catalog_wait_ms for another writer, then fails with a
 * message that says the catalog is locked). */
int al_catalog_begin(al_catalog *c, al_err *e);
/* Commit it; on failure the transaction is still open: roll it back. */
int al_catalog_commit(al_catalog *c, al_err *e);
/* Roll back the open transaction, if any; never fails (a rollback that
 * cannot run leaves nothing to keep). */
void al_catalog_rollback(al_catalog *c);

/* Take the lock of build name for as long as c stays open: a build, its
 * clean-up and its removal hold it, so that no two processes work on the
 * same build.  The lock is a byte of the file CATALOG-lock (an OFD lock:
 * the system drops it when the process ends, however it ends).  Waits up
 * to al_catalog_wait_ms for another holder, then fails saying so. */
int al_catalog_lock_build(al_catalog *c, const char *name, al_err *e);

/* Run SQL without parameters; AL_EDB with the connection's message on
 * failure.  For tests and one-off maintenance: adalink's own statements
 * are the typed functions. */
int al_catalog_exec(al_catalog *c, const char *sql, al_err *e);

/* Fill e from the connection's last error, what saying what was being
 * done ("recording a shard"); returns the code.  A lock held by another
 * writer past the wait, and a full disk, get messages that say what to
 * do. */
int al_catalog_fail(al_catalog *c, al_err *e, const char *what);

#endif
