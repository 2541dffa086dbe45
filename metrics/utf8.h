/* utf8.h: the text operations of Python 3 strings that the reference
 * scorers rely on, over UTF-8: code points, str.isspace, str.lower,
 * str.upper (with their one-to-many mappings), strip and split.
 */
#ifndef AL_UTF8_H
#define AL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decode s[0..len) into code points.  Returns a malloc'd array with its
 * length in *n, or NULL on no memory.  Invalid bytes decode one by one
 * as U+FFFD, so nothing is lost silently (the input was checked as UTF-8
 * by the JSON parser). */
uint32_t *al_u8_decode(const char *s, size_t len, size_t *n);

/* Encode cp[0..n) as a malloc'd NUL-terminated UTF-8 string (length in
 * *len if len is not NULL); NULL on no memory. */
char *al_u8_encode(const uint32_t *cp, size_t n, size_t *len);

/* Python's str.isspace() for one code point. */
int al_u8_isspace(uint32_t c);

/* Python's str.lower() of cp[0..n): a malloc'd array, its length in
 * *out_n (it may grow: 'İ'.lower() is 2 code points).  NULL on no memory. */
uint32_t *al_u8_lower(const uint32_t *cp, size_t n, size_t *out_n);

/* The length of Python's s.upper() for cp[0..n) (it may grow: 'ß'.upper()
 * is 'SS'), without building it. */
size_t al_u8_upper_len(const uint32_t *cp, size_t n);

/* Python's ' '.join(s.split()) in place over cp[0..n): runs of Python
 * whitespace collapse to one U+0020 and the ends are stripped.  Returns the
 * new length. */
size_t al_u8_squeeze(uint32_t *cp, size_t n);

#endif
