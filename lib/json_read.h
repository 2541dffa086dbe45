/* json_read.h: the one JSON reader, over yajl's callback parser.
 *
 * Two ways in.  al_jstream: a document parsed as a stream, one small piece
 * at a time.  al_json_parse: one whole value (a small document) as one
 * tree, or al_jparser for many (the lines of a JSONL file), reusing its
 * memory.  All give the same al_jnode trees.
 *
 * The annotation files of the image datasets are one top-level object
 * whose big members are arrays ({"images": [...], "annotations": [...]}).
 * jstream feeds the bytes to yajl's callback parser and builds a small tree
 * for one piece at a time: each element of a top-level array, or the whole
 * value of any other top-level key.  The handler sees the piece and it is
 * freed, so memory is bounded by the largest element, never the document.
 */
#ifndef AL_JSON_READ_H
#define AL_JSON_READ_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

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

/* Options of al_json_parse. */
enum {
	AL_JSON_COMMENTS = 1,   /* allow C and C++ style comments, as yajl_tree does */
};

/* Parse buf[0..n) as exactly one JSON value of any type into *out (free it
 * with al_jnode_free).  Malformed JSON is AL_EFORMAT with "'NAME': byte
 * OFFSET: malformed JSON: REASON", or "byte OFFSET: malformed JSON: REASON"
 * when name is NULL; nesting deeper than 256 levels is AL_ELIMIT. */
int al_json_parse(const char *name, const void *buf, size_t n, int flags,
		  al_jnode **out, al_err *e);

/* Free a tree from al_json_parse (NULL is fine). */
void al_jnode_free(al_jnode *n);

/* A parser to reuse for many small values (the lines of a JSONL file):
 * the same parse as al_json_parse with flags, its trees in memory the
 * parser keeps and reuses, so a value costs no malloc once the parser has
 * warmed up.  NULL on no memory. */
typedef struct al_jparser al_jparser;
al_jparser *al_jparser_new(int flags);

/* Parse buf[0..n) as al_json_parse does into *out, which stays valid until
 * the next parse with p or al_jparser_free. */
int al_jparser_parse(al_jparser *p, const char *name, const void *buf, size_t n,
		     const al_jnode **out, al_err *e);

void al_jparser_free(al_jparser *p);

/* The child of obj under key, or NULL (also when obj is not an object). */
const al_jnode *al_jget(const al_jnode *obj, const char *key);

/* The string under key, or NULL if absent or not a string. */
const char *al_jstr(const al_jnode *obj, const char *key);

/* A number node's value: as an integer (0; -1 if n is no number, or has a
 * fraction or an exponent, or is out of range), or as a double. */
int al_jint(const al_jnode *n, long long *out);
int al_jnum(const al_jnode *n, double *out);

#endif
