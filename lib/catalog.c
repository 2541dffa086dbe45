/* catalog.c: opening the catalog, migrating its schema, transactions,
 * errors, and the statement helpers the other catalog files share. */
#include "catalog_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"

/* migrations[i] takes the schema from version i to i + 1.  Append only:
 * never edit a migration that has shipped. */
static const char *const migrations[] = {
	/* 1: the first schema. */
	"CREATE TABLE datasets ("
	"  name TEXT PRIMARY KEY,"
	"  family TEXT NOT NULL,"
	"  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))"
	");"
	"CREATE TABLE builds ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  dataset TEXT NOT NULL,"
	"  split TEXT,"
	"  task TEXT,"
	"  tokenizer_sha256 TEXT,"
	"  vision_sha256 TEXT,"
	"  sources TEXT NOT NULL DEFAULT '[]',"   /* JSON [{path, sha256, bytes}] */
	"  params TEXT NOT NULL DEFAULT '{}',"    /* JSON object */
	"  tool_version TEXT NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'building'"
	"    CHECK (status IN ('building', 'complete')),"
	"  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
	"  finished TEXT"
	");"
	"CREATE TABLE shards ("
	"  id INTEGER PRIMARY KEY,"
	"  build_id INTEGER NOT NULL REFERENCES builds(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  path TEXT NOT NULL,"
	"  examples INTEGER NOT NULL CHECK (examples >= 0),"
	"  bytes INTEGER NOT NULL CHECK (bytes >= 0),"
	"  checksum TEXT NOT NULL,"
	"  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
	"  UNIQUE (build_id, seq)"
	");"
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  method TEXT NOT NULL,"
	"  config TEXT NOT NULL DEFAULT '{}',"
	"  backbone_sha256 TEXT,"
	"  status TEXT NOT NULL DEFAULT 'running'"
	"    CHECK (status IN ('running', 'finished', 'failed')),"
	"  final_scores TEXT,"
	"  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
	"  finished TEXT"
	");"
	"CREATE TABLE run_metrics ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  step INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  value REAL,"
	"  PRIMARY KEY (run_id, step, name)"
	");",
	/* 2: shard paths relative to the catalog's folder, the build's
	 * output folder.  The rows of version 1 keep their paths, relative
	 * to the folder adalink build ran in: path_base 'cwd' says so. */
	"ALTER TABLE builds ADD COLUMN out_dir TEXT;"
	"ALTER TABLE shards ADD COLUMN path_base TEXT NOT NULL DEFAULT 'cwd'"
	"  CHECK (path_base IN ('cwd', 'catalog'));",
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof *migrations))

int al_catalog_latest(void) { return NMIGRATIONS; }

static int db_fail(al_catalog *c, al_err *e, const char *what)
{
	return al_catalog_fail(c, e, what);
}

int al_catalog_wait_ms(void)
{
	const char *s = getenv("ADALINK_CATALOG_WAIT");
	char *end;
	if (!s || !*s)
		return AL_CATALOG_BUSY_MS;
	double v = strtod(s, &end);
	if (*end || !(v >= 0) || v > 86400)
		return AL_CATALOG_BUSY_MS;
	return (int)(v * 1000 + 0.5);
}

int al_catalog_fail(al_catalog *c, al_err *e, const char *what)
{
	int code = c->db ? sqlite3_extended_errcode(c->db) : SQLITE_CANTOPEN;
	if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)
		return al_err_set(e, AL_EDB, "catalog '%s' is locked by another writer (waited "
				  "%g s while %s); try again when it has finished, or wait longer "
				  "with ADALINK_CATALOG_WAIT=SECONDS", c->path,
				  c->wait_ms / 1000.0, what);
	if ((code & 0xff) == SQLITE_FULL)
		return al_err_set(e, AL_EIO, "catalog '%s': the disk is full while %s; free some "
				  "space and run the command again", c->path, what);
	return al_err_set(e, AL_EDB, "catalog '%s': %s: %s", c->path, what,
			  c->db ? sqlite3_errmsg(c->db) : "cannot open");
}

int al_catalog_exec(al_catalog *c, const char *sql, al_err *e)
{
	char *msg = NULL;
	al_fault(AL_FAULT_SQL);
	if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int code = sqlite3_extended_errcode(c->db) & 0xff;
		if (code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_FULL) {
			al_catalog_fail(c, e, strncmp(sql, "BEGIN", 5) == 0 ?
					"starting a transaction" : "writing");
		} else {
			al_err_set(e, AL_EDB, "catalog '%s': %s", c->path,
				   msg ? msg : sqlite3_errmsg(c->db));
		}
		sqlite3_free(msg);
		return e->code;
	}
	return 0;
}

int al_catalog_version(al_catalog *c)
{
	sqlite3_stmt *s;
	int v = -1;
	if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

static int migrate(al_catalog *c, al_err *e)
{
	/* BEGIN IMMEDIATE takes the write lock first, so two processes
	 * opening a new catalog at once migrate it exactly once. */
	if (al_catalog_exec(c, "BEGIN IMMEDIATE", e) < 0)
		return AL_EDB;
	int v = al_catalog_version(c);
	if (v < 0) {
		db_fail(c, e, "reading the schema version");
		goto rollback;
	}
	if (v > NMIGRATIONS) {
		al_err_set(e, AL_EDB, "catalog '%s' has schema version %d, newer "
			   "than this adalink knows (%d); upgrade adalink", c->path,
			   v, NMIGRATIONS);
		goto rollback;
	}
	for (; v < NMIGRATIONS; v++) {
		char pragma[64];
		if (al_catalog_exec(c, migrations[v], e) < 0) {
			al_err_wrap(e, "migrating to schema version %d", v + 1);
			goto rollback;
		}
		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
		if (al_catalog_exec(c, pragma, e) < 0)
			goto rollback;
	}
	return al_catalog_exec(c, "COMMIT", e);
rollback:
	al_catalog_rollback(c);
	return AL_EDB;
}

/* The size of the file at path, or -1. */
static long long st_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* A reader's catalog must be there and be a catalog: never create one. */
static int check_existing(const char *path, al_err *e)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return errno == ENOENT
		       ? al_err_set(e, AL_ENOTFOUND, "no catalog '%s' (adalink build or adalink "
				    "train --catalog makes one)", path)
		       : al_err_errno(e, AL_EIO, "unable to open catalog '%s'", path);
	if (S_ISDIR(st.st_mode))
		return al_err_set(e, AL_EINVAL, "catalog '%s' is a directory; give the catalog's "
				  "file (e.g. runs.db)", path);
	if (st.st_size == 0)
		return al_err_set(e, AL_EFORMAT, "'%s' is not an adalink catalog (an empty file)",
				  path);
	return 0;
}

enum { OPEN_CREATE, OPEN_EXISTING, OPEN_READONLY };

static al_catalog *open_db(const char *path, int mode, al_err *e)
{
	int readonly = mode == OPEN_READONLY;
	if (mode != OPEN_CREATE && check_existing(path, e) < 0)
		return NULL;
	al_catalog *c = calloc(1, sizeof *c);
	if (!c || !(c->path = strdup(path))) {
		free(c);
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	c->lock_fd = -1;
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		al_err_set(e, AL_EDB, "catalog '%s' is a directory; give the catalog's "
			   "file (e.g. runs.db)", path);
		goto bad;
	}
	int flags = readonly ? SQLITE_OPEN_READONLY
			     : SQLITE_OPEN_READWRITE | (mode == OPEN_CREATE ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &c->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		db_fail(c, e, "unable to open");
		goto bad;
	}
	c->wait_ms = al_catalog_wait_ms();
	if (sqlite3_extended_result_codes(c->db, 1) != SQLITE_OK ||
	    sqlite3_busy_timeout(c->db, c->wait_ms) != SQLITE_OK) {
		db_fail(c, e, "setting up the connection");
		goto bad;
	}
	/* A file that is not a database fails here, on first read. */
	if (al_catalog_exec(c, "PRAGMA foreign_keys = ON", e) < 0)
		goto bad;
	if (readonly) {
		int v = al_catalog_version(c);
		if (v <= 0) {
			/* Version 0: an empty file, or another program's database
			 * (adalink's first open writes version 1 or more). */
			al_err_set(e, AL_EDB, "'%s' is not an adalink catalog (%s)", path,
				   st_size(path) == 0 ? "an empty file" :
				   "a database without adalink's schema");
			goto bad;
		}
		if (v > NMIGRATIONS) {
			al_err_set(e, AL_EDB, "catalog '%s' has schema version %d, newer "
				   "than this adalink knows (%d); upgrade adalink", path,
				   v, NMIGRATIONS);
			goto bad;
		}
		if (v != NMIGRATIONS) {
			/* an older catalog: brought up to date first, the one
			 * write a reader makes */
			al_catalog_close(c);
			return open_db(path, OPEN_EXISTING, e);
		}
		return c;
	}
	if (al_catalog_exec(c, "PRAGMA journal_mode = WAL", e) < 0 ||
	    al_catalog_exec(c, "PRAGMA synchronous = NORMAL", e) < 0 ||
	    migrate(c, e) < 0)
		goto bad;
	return c;
bad:
	/* Whatever step met it, a file that is not SQLite's is not a catalog. */
	if (c->db && (sqlite3_errcode(c->db) & 0xff) == SQLITE_NOTADB)
		al_err_set(e, AL_EDB, "'%s' is not an adalink catalog (not an SQLite "
			   "database)", path);
	al_catalog_close(c);
	return NULL;
}

al_catalog *al_catalog_open(const char *path, al_err *e)
{
	return open_db(path, OPEN_CREATE, e);
}

al_catalog *al_catalog_open_existing(const char *path, al_err *e)
{
	return open_db(path, OPEN_EXISTING, e);
}

al_catalog *al_catalog_open_readonly(const char *path, al_err *e)
{
	return open_db(path, OPEN_READONLY, e);
}

void al_catalog_close(al_catalog *c)
{
	if (!c)
		return;
	(void)sqlite3_close_v2(c->db);   /* only fails on a NULL or misused handle */
	if (c->lock_fd >= 0)
		close(c->lock_fd);   /* releases the build locks */
	free(c->path);
	free(c);
}

sqlite3 *al_catalog_db(al_catalog *c) { return c->db; }
const char *al_catalog_path(const al_catalog *c) { return c->path; }
const char *al_catalog_sqlite_version(void) { return sqlite3_libversion(); }

/* ---- transactions ---- */

int al_catalog_begin(al_catalog *c, al_err *e)
{
	return al_catalog_exec(c, "BEGIN IMMEDIATE", e);
}

int al_catalog_commit(al_catalog *c, al_err *e)
{
	return al_catalog_exec(c, "COMMIT", e);
}

void al_catalog_rollback(al_catalog *c)
{
	/* Outside a transaction (autocommit) there is nothing to undo; a
	 * failed ROLLBACK leaves SQLite rolling back on close. */
	if (c && c->db && !sqlite3_get_autocommit(c->db))
		(void)sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- statements ---- */

int al_cat_vbind(al_catalog *c, sqlite3_stmt *st, const char *what, al_err *e,
		 const char *fmt, va_list ap)
{
	for (int i = 0; fmt[i]; i++) {
		int rc;
		if (fmt[i] == 't') {
			const char *v = va_arg(ap, const char *);
			rc = v ? sqlite3_bind_text(st, i + 1, v, -1, SQLITE_TRANSIENT)
			       : sqlite3_bind_null(st, i + 1);
		} else if (fmt[i] == 'i') {
			rc = sqlite3_bind_int64(st, i + 1, (sqlite3_int64)va_arg(ap, long long));
		} else {
			double v = va_arg(ap, double);
			rc = isfinite(v) ? sqlite3_bind_double(st, i + 1, v)
					 : sqlite3_bind_null(st, i + 1);
		}
		if (rc != SQLITE_OK)
			return al_catalog_fail(c, e, what);
	}
	return 0;
}

int al_cat_bind(al_catalog *c, sqlite3_stmt *st, const char *what, al_err *e,
		const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = al_cat_vbind(c, st, what, e, fmt, ap);
	va_end(ap);
	return rc;
}

int al_cat_vprepare(al_catalog *c, sqlite3_stmt **st, const char *what, al_err *e,
		    const char *sql, const char *fmt, va_list ap)
{
	*st = NULL;
	if (sqlite3_prepare_v2(c->db, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return al_catalog_fail(c, e, what);
	}
	int rc = al_cat_vbind(c, *st, what, e, fmt, ap);
	if (rc < 0) {
		sqlite3_finalize(*st);
		*st = NULL;
	}
	return rc;
}

int al_cat_prepare(al_catalog *c, sqlite3_stmt **st, const char *what, al_err *e,
		   const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = al_cat_vprepare(c, st, what, e, sql, fmt, ap);
	va_end(ap);
	return rc;
}

int al_cat_step(al_catalog *c, sqlite3_stmt *st, const char *what, al_err *e)
{
	al_fault(AL_FAULT_SQL);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return al_catalog_fail(c, e, what);
}

int al_cat_do(al_catalog *c, const char *what, al_err *e, const char *sql,
	       const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	va_start(ap, fmt);
	int rc = al_cat_vprepare(c, &st, what, e, sql, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return rc;
	rc = al_cat_step(c, st, what, e);
	/* finalize's code repeats the step's, checked above */
	sqlite3_finalize(st);
	return rc < 0 ? rc : 0;
}

const char *al_cat_col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

int al_cat_dup(sqlite3_stmt *st, int i, char **out, al_err *e)
{
	const char *t = al_cat_col(st, i);
	*out = NULL;
	if (t && !(*out = strdup(t)))
		return al_err_set(e, AL_ENOMEM, "out of memory");
	return 0;
}

/* ---- build locks ---- */

/* FNV-1a of name: the byte of the lock file that stands for it. */
static off_t lock_byte(const char *name)
{
	uint64_t h = 14695981039346656037ULL;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return (off_t)(h & ((1ULL << 40) - 1));
}

int al_catalog_lock_build(al_catalog *c, const char *name, al_err *e)
{
	char lock[4200];
	snprintf(lock, sizeof lock, "%s-lock", c->path);
	if (c->lock_fd < 0 && (c->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666)) < 0)
		return al_err_errno(e, AL_EIO, "unable to open the lock file '%s'", lock);
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = lock_byte(name),
			   .l_len = 1};
	struct timespec nap = {0, 50 * 1000 * 1000};
	for (int waited = 0;; waited += 50) {
		if (fcntl(c->lock_fd, F_OFD_SETLK, &fl) == 0)
			return 0;
		if (errno != EAGAIN && errno != EACCES)
			return al_err_errno(e, AL_EIO, "unable to lock '%s'", lock);
		if (waited >= c->wait_ms)
			return al_err_set(e, AL_EDB, "build '%s' is being built or removed by another "
					  "adalink process (it holds its lock in '%s'; waited %g s); "
					  "let it finish, or stop it and run the command again", name,
					  lock, c->wait_ms / 1000.0);
		nanosleep(&nap, NULL);
	}
}
