/* ptbtok.h: the caption tokenizer of the COCO caption evaluation:
 * Stanford CoreNLP 3.4.1's PTBTokenizer with -preserveLines -lowerCase,
 * then the removal of the punctuation tokens '' ' `` ` -LRB- -RRB- -LCB-
 * -RCB- . ? ! , : - -- ... ; (as pycocoevalcap's ptbtokenizer.py does;
 * the bracket tokens come out lowercased, so they stay).
 */
#ifndef AL_PTBTOK_H
#define AL_PTBTOK_H

#include <stddef.h>

#include "lib/err.h"

typedef struct al_ptb al_ptb;

/* A tokenizer (compiled patterns); NULL on failure with e filled. */
al_ptb *al_ptb_new(al_err *e);
void al_ptb_free(al_ptb *t);

/* With spaces set, the characters the reference reads as line breaks
 * inside a caption (\r, \v, \f, U+2028, U+2029) are spaces instead (a
 * departure from the official evaluation, where each of them starts a
 * new output line and shifts every later caption by one).  Off by
 * default. */
void al_ptb_set_spaces(al_ptb *t, int spaces);

/* The spaces setting of every tokenizer made after this call (for the
 * command line's --breaks-as-spaces). */
void al_ptb_default_spaces(int spaces);

/* Tokenize cap[0..n) as one run of the reference over a file of these
 * captions joined by '\n' (each '\n' inside a caption a space), as
 * pycocoevalcap runs it: a token can depend on the text after it, even
 * on the next caption.  out[i] receives output line i (the tokens joined
 * by single spaces, malloc'd), which is caption i's unless a line break
 * character inside an earlier caption shifted it.  Returns 0 or
 * AL_ENOMEM. */
int al_ptb_tokenize(al_ptb *t, const char *const *cap, size_t n, char **out,
		    al_err *e);

/* As al_ptb_tokenize, but every output line of the run: *out (malloc'd,
 * *nout >= n lines, each malloc'd).  Returns 0 or AL_ENOMEM. */
int al_ptb_tokenize_lines(al_ptb *t, const char *const *cap, size_t n, char ***out,
			  size_t *nout, al_err *e);

#endif
