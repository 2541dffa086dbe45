/* source.c: archives, folders and loose files as streams of members. */
#define _DEFAULT_SOURCE
#include "source.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/array.h"

enum { KIND_ARCHIVE, KIND_FOLDER, KIND_FILE, KIND_MEM };
enum { READ_BLOCK = 1 << 20 };

struct al_source {
	int kind;
	char *path;
	int fd;                /* archive or current folder file; -1 if none */
	uint64_t bytes;        /* bytes read from fd(s) */
	/* archive */
	struct archive *a;
	unsigned char *block;
	int in_member;
	/* folder / loose file */
	char **files;
	size_t nfiles, next;
	int started;
	const unsigned char *mem;
	size_t memsize, mempos;
};

int al_source_is_archive_name(const char *path)
{
	static const char *const sfx[] = {
		".zip", ".tar", ".tgz", ".tar.gz", ".tar.bz2", ".tbz2", ".tbz",
		".tar.xz", ".txz", ".tar.zst", ".tzst", ".tar.lz4",
		".tar.lzma", ".cpio", ".iso", NULL,
	};
	if (strcmp(path, "-") == 0)
		return 1;
	size_t n = strlen(path);
	for (int i = 0; sfx[i]; i++) {
		size_t k = strlen(sfx[i]);
		if (n > k && strcasecmp(path + n - k, sfx[i]) == 0)
			return 1;
	}
	return 0;
}

static la_ssize_t read_cb(struct archive *a, void *ctx, const void **buf)
{
	al_source *s = ctx;
	for (;;) {
		ssize_t r = read(s->fd, s->block, READ_BLOCK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			archive_set_error(a, errno, "read failed: %s", strerror(errno));
			return -1;
		}
		s->bytes += (uint64_t)r;
		*buf = s->block;
		return r;
	}
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Append every regular file under dir (sorted, recursive) to s->files. */
static int walk(al_source *s, const char *dir, size_t *cap, int depth, al_err *e)
{
	if (depth > 64)
		return al_err_set(e, AL_ELIMIT, "'%s': folders nested too deep", dir);
	DIR *d = opendir(dir);
	if (!d)
		return al_err_errno(e, AL_EIO, "unable to open folder '%s'", dir);
	char **names = NULL;
	size_t n = 0, ncap = 0;
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((rc = al_grow((void **)&names, &ncap, n + 1, sizeof *names, e)) < 0)
			goto out;
		if (!(names[n] = strdup(de->d_name))) { rc = AL_ENOMEM; goto out; }
		n++;
	}
	qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n && rc == 0; i++) {
		size_t len = strlen(dir) + strlen(names[i]) + 2;
		char *p = malloc(len);
		if (!p) { rc = AL_ENOMEM; break; }
		if (strcmp(dir, ".") == 0)
			snprintf(p, len, "%s", names[i]);
		else
			snprintf(p, len, "%s/%s", dir, names[i]);
		struct stat st;
		if (stat(p, &st) < 0) {
			rc = al_err_errno(e, AL_EIO, "unable to stat '%s'", p);
			free(p);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			rc = walk(s, p, cap, depth + 1, e);
			free(p);
		} else if (S_ISREG(st.st_mode)) {
			if ((rc = al_grow((void **)&s->files, cap, s->nfiles + 1,
					   sizeof *s->files, e)) < 0) {
				free(p);
				break;
			}
			s->files[s->nfiles++] = p;
		} else {
			free(p);
		}
	}
out:
	if (rc == AL_ENOMEM)
		al_err_set(e, AL_ENOMEM, "'%s': out of memory listing the folder", dir);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

al_source *al_source_open(const char *path, al_err *e)
{
	al_source *s = calloc(1, sizeof *s);
	if (!s || !(s->path = strdup(path))) {
		free(s);
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	s->fd = -1;
	struct stat st;
	int is_stdin = strcmp(path, "-") == 0;
	if (!is_stdin && stat(path, &st) < 0) {
		al_err_errno(e, AL_EIO, "unable to open '%s'", path);
		goto fail;
	}
	if (!is_stdin && S_ISDIR(st.st_mode)) {
		s->kind = KIND_FOLDER;
		size_t cap = 0;
		char *dir = s->path;
		size_t len = strlen(dir);
		while (len > 1 && dir[len - 1] == '/')
			dir[--len] = 0;
		if (walk(s, dir, &cap, 0, e) < 0)
			goto fail;
		return s;
	}
	if (!al_source_is_archive_name(path)) {
		s->kind = KIND_FILE;
		if (!(s->files = malloc(sizeof *s->files)) ||
		    !(s->files[0] = strdup(path))) {
			al_err_set(e, AL_ENOMEM, "out of memory");
			goto fail;
		}
		s->nfiles = 1;
		return s;
	}
	s->kind = KIND_ARCHIVE;
	s->fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0) {
		al_err_errno(e, AL_EIO, "unable to open '%s'", path);
		goto fail;
	}
	if (!(s->block = malloc(READ_BLOCK)) || !(s->a = archive_read_new())) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		goto fail;
	}
	archive_read_support_filter_all(s->a);
	archive_read_support_format_all(s->a);
	/* No seek or skip callback: libarchive reads straight through. */
	if (archive_read_open(s->a, s, NULL, read_cb, NULL) != ARCHIVE_OK) {
		al_err_at(e, AL_EFORMAT, path, s->bytes, "not a readable archive: %s",
			  archive_error_string(s->a));
		goto fail;
	}
	return s;
fail:
	al_source_free(s);
	return NULL;
}

al_source *al_source_open_mem(const char *name, const void *data, size_t size,
			      al_err *e)
{
	al_source *s = calloc(1, sizeof *s);
	if (!s || !(s->path = strdup(name))) {
		free(s);
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	s->kind = KIND_MEM;
	s->fd = -1;
	s->mem = data;
	s->memsize = size;
	return s;
}

static int open_file(al_source *s, const char *p, al_err *e)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = open(p, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0)
		return al_err_errno(e, AL_EIO, "unable to open '%s'", p);
	return 0;
}

int al_source_next(al_source *s, const char **name, al_err *e)
{
	if (s->kind == KIND_MEM) {
		if (s->started)
			return 0;
		s->started = 1;
		*name = s->path;
		return 1;
	}
	if (s->kind != KIND_ARCHIVE) {
		if (s->started)
			s->next++;
		s->started = 1;
		if (s->next >= s->nfiles) {
			if (s->fd >= 0)
				close(s->fd);
			s->fd = -1;
			return 0;
		}
		if (open_file(s, s->files[s->next], e) < 0)
			return AL_EIO;
		*name = s->files[s->next];
		return 1;
	}
	for (;;) {
		struct archive_entry *ent;
		int r = archive_read_next_header(s->a, &ent);
		if (r == ARCHIVE_EOF) {
			s->in_member = 0;
			return 0;
		}
		if (r < ARCHIVE_WARN)
			return al_err_at(e, AL_EFORMAT, s->path, s->bytes,
					 "corrupt or truncated archive: %s",
					 archive_error_string(s->a));
		if (archive_entry_filetype(ent) != AE_IFREG)
			continue;
		const char *n = archive_entry_pathname(ent);
		if (!n)
			n = archive_entry_pathname_utf8(ent);
		if (!n)
			return al_err_at(e, AL_EFORMAT, s->path, s->bytes,
					 "a member has no readable name");
		while (n[0] == '.' && n[1] == '/')
			n += 2;
		s->in_member = 1;
		*name = n;
		return 1;
	}
}

ssize_t al_source_read(al_source *s, void *buf, size_t n, al_err *e)
{
	if (s->kind == KIND_MEM) {
		size_t k = s->memsize - s->mempos;
		if (k > n)
			k = n;
		if (k)
			memcpy(buf, s->mem + s->mempos, k);
		s->mempos += k;
		s->bytes += k;
		return (ssize_t)k;
	}
	if (s->kind != KIND_ARCHIVE) {
		if (s->fd < 0)
			return 0;
		for (;;) {
			ssize_t r = read(s->fd, buf, n);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return al_err_errno(e, AL_EIO, "'%s': read failed",
						    s->files[s->next]);
			s->bytes += (uint64_t)r;
			return r;
		}
	}
	if (!s->in_member)
		return 0;
	la_ssize_t r = archive_read_data(s->a, buf, n);
	if (r < 0)
		return al_err_at(e, AL_EFORMAT, s->path, s->bytes,
				 "corrupt or truncated member: %s",
				 archive_error_string(s->a));
	return r;
}

const char *al_source_path(const al_source *s) { return s->path; }

uint64_t al_source_bytes(const al_source *s) { return s->bytes; }

void al_source_free(al_source *s)
{
	if (!s)
		return;
	if (s->a)
		archive_read_free(s->a);
	if (s->fd > 0 || (s->fd == 0 && s->kind == KIND_FOLDER))
		close(s->fd);
	for (size_t i = 0; i < s->nfiles; i++)
		free(s->files[i]);
	free(s->files);
	free(s->block);
	free(s->path);
	free(s);
}
