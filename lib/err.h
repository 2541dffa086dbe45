/* err.h: error reporting for libadalink.
 *
 * Every function that can fail takes an `al_err *` as its last argument,
 * returns 0 (or a non-NULL object) on success and a negative AL_E* code (or
 * NULL) on failure, and on failure fills the al_err with one message that
 * names the thing that failed first (file, member, line or byte offset) and
 * what was expected.  Library code never prints, exits or aborts on bad
 * input; commands print the message as "adalink CMD: MESSAGE".
 *
 *     al_err e = {0};
 *     al_st *st = al_st_open("model.safetensors", &e);
 *     if (!st) fprintf(stderr, "adalink inspect: %s\n", e.msg);
 *
 * Messages follow git's grammar: lowercase, no final period, the subject
 * quoted: "'x.safetensors': byte 8: header is not valid JSON".  A message
 * may end with "; HINT" telling the user what to do.
 */
#ifndef AL_ERR_H
#define AL_ERR_H

#include <stdint.h>

enum {
	AL_OK = 0,
	AL_EIO = -1,       /* open, read, write, rename failed (errno in msg) */
	AL_EFORMAT = -2,   /* malformed or truncated input */
	AL_ENOMEM = -3,    /* allocation failed */
	AL_EINVAL = -4,    /* invalid argument or option value */
	AL_ENOTFOUND = -5, /* a named thing does not exist */
	AL_EDB = -6,       /* the SQLite catalog failed */
	AL_ENUMERIC = -7,  /* NaN, infinity or a failed numeric check */
	AL_ELIMIT = -8,    /* input exceeds a safety limit (size, pixels) */
};

typedef struct al_err {
	int code;           /* the AL_E* code of the last failure, or 0 */
	char msg[1024];     /* the message, NUL-terminated */
} al_err;

/* Fill e (which may be NULL) with code and a printf-style message; returns
 * code so callers can write `return al_err_set(e, AL_EINVAL, ...)`. */
int al_err_set(al_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* As al_err_set, with the message prefixed by "'FILE': byte OFFSET: ". */
int al_err_at(al_err *e, int code, const char *file, uint64_t offset,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* As al_err_set, appending ": strerror(errno)" (errno read on entry). */
int al_err_errno(al_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix an already filled message with "CONTEXT: " (printf-style). */
int al_err_wrap(al_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A short name for a code: "io", "format", ... */
const char *al_err_name(int code);

#endif
