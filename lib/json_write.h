/* json_write.h: the one JSON writer, a small builder over yajl_gen.
 *
 *     al_json *j = al_json_new();
 *     al_json_obj_open(j);
 *     al_json_key(j, "method"); al_json_str(j, "adalink");
 *     al_json_key(j, "rank");   al_json_int(j, 64);
 *     al_json_key(j, "dropout"); al_json_float(j, 0.1f);
 *     al_json_obj_close(j);
 *     char *s = al_json_done(j, &e);   // {"method": "adalink", "rank": 64, "dropout": 0.1}
 *     al_json_free(j);
 *
 * The text is laid out as Python's json.dumps does by default: ", " between
 * items, ": " after keys, no other whitespace.  Strings are escaped by yajl
 * ('"', '\\', control characters; other UTF-8 as it is) and must be valid
 * UTF-8.  Errors are sticky: a call after a failure does nothing, and
 * al_json_done reports the first failure.  Every call returns 0 or that
 * failure's negative AL_E* code, so callers may check once at the end.
 */
#ifndef AL_JSON_WRITE_H
#define AL_JSON_WRITE_H

#include <stddef.h>

#include "err.h"

typedef struct al_json al_json;

/* An empty builder, or NULL on no memory. */
al_json *al_json_new(void);

/* Open and close an object or an array. */
int al_json_obj_open(al_json *j);
int al_json_obj_close(al_json *j);
int al_json_arr_open(al_json *j);
int al_json_arr_close(al_json *j);

/* The key of the next member of the open object (NUL-terminated UTF-8). */
int al_json_key(al_json *j, const char *k);

/* A string value: s NUL-terminated (NULL writes null), or s[0..n). */
int al_json_str(al_json *j, const char *s);
int al_json_strn(al_json *j, const char *s, size_t n);

/* A number in the shortest %g form that reads back as the same double
 * (16 -> 16, 0.1 -> 0.1, 1e21 -> 1e+21, -0.0 -> -0.0); NaN and infinities are
 * AL_ENUMERIC, as JSON has no spelling for them. */
int al_json_num(al_json *j, double v);

/* The same for a float: the shortest form that reads back as the same
 * float (0.1f -> 0.1, not 0.10000000149011612). */
int al_json_float(al_json *j, float v);

/* An integer, exactly. */
int al_json_int(al_json *j, long long v);

/* true/false (b nonzero or zero) and null. */
int al_json_bool(al_json *j, int b);
int al_json_null(al_json *j);

/* Splice an already written JSON value (any type) from text; it is parsed,
 * so invalid JSON is AL_EFORMAT, and written again in this layout (numbers
 * keep their digits). */
int al_json_raw(al_json *j, const char *text);

/* The whole document as a malloc'd NUL-terminated string, or NULL with e
 * filled on an earlier failure (AL_EINVAL for a value without a key,
 * containers left open, nothing written; AL_ENOMEM ...).  j stays the
 * caller's to free. */
char *al_json_done(al_json *j, al_err *e);

void al_json_free(al_json *j);

/* One JSON object with the members of objects a and b: a's keys in order,
 * then b's keys that a has not.  A key of both keeps a's place and takes
 * b's value (as a reader keeping the last of duplicate keys, Python's json
 * among them, sees a's text followed by b's).  NULL or "" counts as {}.
 * Returns a malloc'd string, or NULL with e filled (AL_EFORMAT when either
 * is not a JSON object, AL_ENOMEM). */
char *al_json_obj_merge(const char *a, const char *b, al_err *e);

#endif
