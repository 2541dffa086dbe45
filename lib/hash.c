/* hash.c: SHA-256 of a file, read in blocks. */
#include "hash.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <nettle/sha2.h>

int al_sha256_file(const char *path, char hex[65], al_err *e)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(hex, 65, "folder");
		return 0;
	}
	FILE *f = fopen(path, "rb");
	if (!f)
		return al_err_errno(e, AL_EIO, "unable to open '%s'", path);
	struct sha256_ctx c;
	sha256_init(&c);
	unsigned char buf[1 << 16];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		sha256_update(&c, n, buf);
	int bad = ferror(f);
	fclose(f);
	if (bad)
		return al_err_errno(e, AL_EIO, "unable to read '%s'", path);
	unsigned char d[SHA256_DIGEST_SIZE];
	sha256_digest(&c, sizeof d, d);
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return 0;
}
