/* jstream.h: a JSON document parsed as a stream, one small piece at a time.
 *
 * The annotation files of the image datasets are one top-level object
 * whose big members are arrays ({"images": [...], "annotations": [...]}).
 * jstream feeds the bytes to yajl's callback parser and builds a small tree
 * for one piece at a time: each element of a top-level array, or the whole
 * value of any other top-level key.  The handler sees the piece and it is
 * freed, so memory is bounded by the largest element, never the document.
 */
#ifndef AL_JSTREAM_H
#define AL_JSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

enum { AL_J_NULL, AL_J_BOOL, AL_J_NUM, AL_J_STR, AL_J_ARR, AL_J_OBJ };

typedef struct al_jnode {
	int type;
	char *key;               /* its key inside an object, else NULL */
	char *s;                 /* AL_J_STR: the text; AL_J_NUM: the raw digits;
				    AL_J_BOOL: "true"/"false" */
	size_t len;              /* bytes in s */
	struct al_jnode *kid;    /* AL_J_ARR/AL_J_OBJ: the children */
	size_t n, cap;
} al_jnode;

/* Called for each piece: key is the top-level key, index the element's
 * position in that key's array (or -1 if the value is not an array).
 * Return 0 to go on or a negative AL_E* code (with e filled) to stop. */
typedef int (*al_jstream_fn)(void *ctx, const char *key, long index,
			     const al_jnode *node, al_err *e);

typedef struct al_jstream al_jstream;

/* A parser for one document; name (copied) is used in messages. */
al_jstream *al_jstream_new(const char *name, al_jstream_fn fn, void *ctx);

/* Feed the next n bytes.  Malformed JSON gives AL_EFORMAT with "'NAME':
 * byte OFFSET: malformed JSON: REASON"; a handler's error is passed on. */
int al_jstream_feed(al_jstream *j, const void *buf, size_t n, al_err *e);

/* The end of the document: a truncated one is AL_EFORMAT. */
int al_jstream_finish(al_jstream *j, al_err *e);

void al_jstream_free(al_jstream *j);

/* The child of obj under key, or NULL (also when obj is not an object). */
const al_jnode *al_jget(const al_jnode *obj, const char *key);

/* The string under key, or NULL if absent or not a string. */
const char *al_jstr(const al_jnode *obj, const char *key);

#endif
