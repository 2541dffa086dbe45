/* err.c: al_err, the one error record of libadalink. */
#include "err.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int al_err_set(al_err *e, int code, const char *fmt, ...)
{
	if (!e)
		return code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	e->code = code;
	return code;
}

int al_err_at(al_err *e, int code, const char *file, uint64_t offset,
	      const char *fmt, ...)
{
	if (!e)
		return code;
	int n = snprintf(e->msg, sizeof e->msg, "'%s': byte %" PRIu64 ": ",
			 file ? file : "-", offset);
	if (n < 0 || (size_t)n >= sizeof e->msg)
		n = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg + n, sizeof e->msg - n, fmt, ap);
	va_end(ap);
	e->code = code;
	return code;
}

int al_err_errno(al_err *e, int code, const char *fmt, ...)
{
	int saved = errno;
	if (!e)
		return code;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof e->msg)
		snprintf(e->msg + n, sizeof e->msg - n, ": %s", strerror(saved));
	e->code = code;
	return code;
}

int al_err_wrap(al_err *e, const char *fmt, ...)
{
	if (!e)
		return AL_EINVAL;
	char old[sizeof e->msg];
	memcpy(old, e->msg, sizeof old);
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n + 2 < sizeof e->msg) {
		memcpy(e->msg + n, ": ", 2);
		size_t room = sizeof e->msg - n - 2;
		size_t len = strnlen(old, room - 1);
		memcpy(e->msg + n + 2, old, len);
		e->msg[n + 2 + len] = 0;
	}
	return e->code;
}

const char *al_err_name(int code)
{
	switch (code) {
	case AL_OK: return "ok";
	case AL_EIO: return "io";
	case AL_EFORMAT: return "format";
	case AL_ENOMEM: return "nomem";
	case AL_EINVAL: return "invalid";
	case AL_ENOTFOUND: return "notfound";
	case AL_EDB: return "database";
	case AL_ENUMERIC: return "numeric";
	case AL_ELIMIT: return "limit";
	}
	return "unknown";
}
