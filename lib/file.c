/* file.c: mmap reading and atomic (temporary name + rename) writing. */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault.h"

static int slurp_fd(int fd, const char *path, al_map *m, al_err *e)
{
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	if (!buf)
		return al_err_set(e, AL_ENOMEM, "'%s': out of memory", path);
	for (;;) {
		if (n == cap) {
			uint8_t *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				return al_err_set(e, AL_ENOMEM, "'%s': out of memory", path);
			}
			buf = nb;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return al_err_errno(e, AL_EIO, "'%s': read failed", path);
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	m->data = buf;
	m->size = n;
	m->mapped = 0;
	return 0;
}

int al_map_file(const char *path, al_map *m, al_err *e)
{
	memset(m, 0, sizeof *m);
	if (strcmp(path, "-") == 0)
		return slurp_fd(0, "<stdin>", m, e);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return al_err_errno(e, AL_EIO, "unable to open '%s'", path);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return al_err_errno(e, AL_EIO, "unable to stat '%s'", path);
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return al_err_set(e, AL_EIO, "'%s' is a directory, not a file", path);
	}
	if (!S_ISREG(st.st_mode)) {   /* a pipe or device: read it */
		int rc = slurp_fd(fd, path, m, e);
		close(fd);
		return rc;
	}
	if (st.st_size == 0) {
		close(fd);
		return 0;
	}
	void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return al_err_errno(e, AL_EIO, "unable to map '%s'", path);
	m->data = p;
	m->size = (size_t)st.st_size;
	m->mapped = 1;
	return 0;
}

void al_map_release(al_map *m)
{
	if (!m || !m->data)
		return;
	if (m->mapped)
		munmap((void *)m->data, m->size);
	else
		free((void *)m->data);
	memset(m, 0, sizeof *m);
}

struct al_afile {
	FILE *fp;
	char *path, *tmp;
};

al_afile *al_afile_open(const char *path, al_err *e)
{
	al_afile *f = calloc(1, sizeof *f);
	size_t n = strlen(path);
	if (!f || !(f->path = strdup(path)) || !(f->tmp = malloc(n + 16))) {
		al_afile_abort(f);
		al_err_set(e, AL_ENOMEM, "'%s': out of memory", path);
		return NULL;
	}
	snprintf(f->tmp, n + 16, "%s.tmp.XXXXXX", path);
	int fd = mkostemp(f->tmp, O_CLOEXEC);
	if (fd < 0) {
		al_err_errno(e, AL_EIO, "unable to create '%s'", f->tmp);
		free(f->tmp);
		f->tmp = NULL;
		al_afile_abort(f);
		return NULL;
	}
	/* mkstemp makes 0600; give new files the usual umask-based mode. */
	mode_t um = umask(0);
	umask(um);
	fchmod(fd, 0666 & ~um);
	f->fp = fdopen(fd, "wb");
	if (!f->fp) {
		close(fd);
		al_err_errno(e, AL_EIO, "unable to open '%s'", f->tmp);
		al_afile_abort(f);
		return NULL;
	}
	return f;
}

FILE *al_afile_fp(al_afile *f) { return f->fp; }
const char *al_afile_path(const al_afile *f) { return f->path; }

static void fsync_dir(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return;
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		al_fault(AL_FAULT_FSYNC);
		fsync(fd);
		close(fd);
	}
	free(copy);
}

int al_afile_commit(al_afile *f, al_err *e)
{
	int rc = 0;
	if (fflush(f->fp) != 0 || ferror(f->fp))
		rc = al_err_errno(e, AL_EIO, "unable to write '%s'", f->tmp);
	else if (al_fault(AL_FAULT_FSYNC), fsync(fileno(f->fp)) != 0)
		rc = al_err_errno(e, AL_EIO, "unable to sync '%s'", f->tmp);
	if (fclose(f->fp) != 0 && rc == 0)
		rc = al_err_errno(e, AL_EIO, "unable to close '%s'", f->tmp);
	f->fp = NULL;
	if (rc == 0 && (al_fault(AL_FAULT_RENAME), rename(f->tmp, f->path) != 0))
		rc = al_err_errno(e, AL_EIO, "unable to rename '%s' to '%s'",
				  f->tmp, f->path);
	if (rc == 0) {
		fsync_dir(f->path);
		free(f->tmp);
		f->tmp = NULL;
	}
	al_afile_abort(f);
	return rc;
}

void al_afile_abort(al_afile *f)
{
	if (!f)
		return;
	if (f->fp)
		fclose(f->fp);
	if (f->tmp)
		unlink(f->tmp);
	free(f->tmp);
	free(f->path);
	free(f);
}
