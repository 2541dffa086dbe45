/* catalog_impl.h: inside the catalog, for lib/catalog*.c and their unit
 * test only.  Nothing else sees the SQLite handle: the rest of adalink
 * calls the typed functions of catalog.h, catalog_builds.h and
 * catalog_runs.h.
 *
 * The statement helpers check every SQLite return code and turn a failure
 * into an al_err with al_catalog_fail, what saying what was being done
 * ("recording a shard"):
 *
 *     sqlite3_stmt *st;
 *     if (al_cat_prepare(c, &st, "reading the runs", e, "SELECT ... WHERE id = ?",
 *                        "i", id) < 0)
 *             return e->code;
 *     while ((rc = al_cat_step(c, st, "reading the runs", e)) > 0)
 *             ... al_cat_col(st, 0) ...
 *     sqlite3_finalize(st);
 */
#ifndef AL_CATALOG_IMPL_H
#define AL_CATALOG_IMPL_H

#include <stdarg.h>
#include <sqlite3.h>

#include "catalog.h"

struct al_catalog {
	sqlite3 *db;
	char *path;
	int wait_ms;
	int lock_fd;         /* the build lock file, or -1 */
};

/* The connection, for the catalog's own files and its unit test. */
sqlite3 *al_catalog_db(al_catalog *c);

/* Prepare sql and bind its parameters from fmt, one letter each: 't' a
 * const char * (NULL binds SQL NULL), 'i' a long long, 'd' a double (a
 * NaN or infinity binds NULL).  0 with *st ready, or the error with *st
 * NULL. */
int al_cat_prepare(al_catalog *c, sqlite3_stmt **st, const char *what, al_err *e,
		   const char *sql, const char *fmt, ...);
int al_cat_vprepare(al_catalog *c, sqlite3_stmt **st, const char *what, al_err *e,
		    const char *sql, const char *fmt, va_list ap);

/* Bind again from fmt after sqlite3_reset (a statement run many times). */
int al_cat_vbind(al_catalog *c, sqlite3_stmt *st, const char *what, al_err *e,
		 const char *fmt, va_list ap);
int al_cat_bind(al_catalog *c, sqlite3_stmt *st, const char *what, al_err *e,
		const char *fmt, ...);

/* One step: 1 a row is ready, 0 the statement is done, or the error. */
int al_cat_step(al_catalog *c, sqlite3_stmt *st, const char *what, al_err *e);

/* Prepare, bind, step once and finalize a statement that returns no rows
 * the caller wants (INSERT, UPDATE, DELETE): 0 or the error. */
int al_cat_do(al_catalog *c, const char *what, al_err *e, const char *sql,
	       const char *fmt, ...);

/* Column i as text, or NULL for SQL NULL; valid until the next step. */
const char *al_cat_col(sqlite3_stmt *st, int i);

/* Column i copied with malloc into *out (NULL for SQL NULL): 0, or
 * AL_ENOMEM. */
int al_cat_dup(sqlite3_stmt *st, int i, char **out, al_err *e);

#endif
