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

/* Tokenize lines[0..n) as one run of the reference over a file of these
 * lines (a line's last token can depend on the first character of the
 * next line).  out[i] receives line i's tokens joined by single spaces,
 * malloc'd.  Returns 0 or AL_ENOMEM. */
int al_ptb_tokenize(al_ptb *t, const char *const *lines, size_t n, char **out,
		    al_err *e);

#endif
