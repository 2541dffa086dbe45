/* utf8.h: strict UTF-8 validation (RFC 3629: shortest forms only, no
 * surrogates, nothing above U+10FFFF), the one check every reader uses.
 */
#ifndef AL_LIB_UTF8_H
#define AL_LIB_UTF8_H

#include <stddef.h>

/* 1 if s[0..n) is valid UTF-8 throughout, else 0. */
int al_utf8_valid(const char *s, size_t n);

/* The byte length (1 to 4) of the valid character that starts s[0..n)
 * (n >= 1), or 0 if s does not start with one (a stray, overlong,
 * surrogate, out-of-range or cut-short sequence). */
size_t al_utf8_next(const char *s, size_t n);

#endif
