/* glue.h: helpers of the GLUE reader that tests call directly. */
#ifndef AL_GLUE_H
#define AL_GLUE_H

#include <stddef.h>

/* 1 if s[0..n) is well-formed UTF-8 (no overlongs, surrogates or code
 * points above U+10FFFF), else 0. */
int al_ds_utf8_valid(const char *s, size_t n);

#endif
