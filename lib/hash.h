/* hash.h: SHA-256 of files (through nettle), for the provenance the
 * catalog records. */
#ifndef AL_HASH_H
#define AL_HASH_H

#include "err.h"

/* The SHA-256 of the file at path as 64 lowercase hex digits in hex[65].
 * A folder is not hashed: hex becomes "folder". */
int al_sha256_file(const char *path, char hex[65], al_err *e);

#endif
