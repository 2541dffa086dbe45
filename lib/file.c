/* file.c: mmap reading and atomic (temporary name + rename) writing;
 * special files and standard output written straight through. */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "fault.h"

static int slurp_fd(int fd, const char *path, al_map *m, al_err *e)
{
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	if (!buf)
		return al_err_set(e, AL_ENOMEM, "'%s': out of memory", path);
	for (;;) {
		if (n == cap && al_grow((void **)&buf, &cap, n + 1, 1, e) < 0) {
			free(buf);
			return al_err_set(e, AL_ENOMEM, "'%s': out of memory", path);
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
	char *path;   /* as given */
	char *dest;   /* the file renamed over: path, or the one a symlink names */
	char *tmp;    /* the temporary file; NULL when writing straight through */
	int direct;   /* 1: writing into the target itself (no temporary file) */
};

/* Open the target itself for writing: standard output for "-", else path
 * with the flags given (a special file, or a symlink to nothing). */
static int open_direct(al_afile *f, int flags, al_err *e)
{
	int fd;
	f->direct = 1;
	if (strcmp(f->path, "-") == 0) {
		fflush(stdout);
		fd = fcntl(1, F_DUPFD_CLOEXEC, 3);
	} else
		fd = open(f->path, flags | O_CLOEXEC, 0666);
	if (fd < 0)
		return al_err_errno(e, AL_EIO, "unable to open '%s'", f->path);
	if (!(f->fp = fdopen(fd, "wb"))) {
		close(fd);
		return al_err_errno(e, AL_EIO, "unable to open '%s'", f->path);
	}
	return 0;
}

/* Create the temporary file beside f->dest. */
static int open_temp(al_afile *f, al_err *e)
{
	size_t n = strlen(f->dest);
	if (!(f->tmp = malloc(n + 16)))
		return al_err_set(e, AL_ENOMEM, "'%s': out of memory", f->path);
	snprintf(f->tmp, n + 16, "%s.tmp.XXXXXX", f->dest);
	int fd = mkostemp(f->tmp, O_CLOEXEC);
	if (fd < 0) {
		al_err_errno(e, AL_EIO, "unable to create '%s'", f->tmp);
		free(f->tmp);
		f->tmp = NULL;
		return e ? e->code : AL_EIO;
	}
	/* mkstemp makes 0600; give new files the usual umask-based mode. */
	mode_t um = umask(0);
	umask(um);
	fchmod(fd, 0666 & ~um);
	if (!(f->fp = fdopen(fd, "wb"))) {
		close(fd);
		return al_err_errno(e, AL_EIO, "unable to open '%s'", f->tmp);
	}
	return 0;
}

/* Where and how to write path: a new or regular file is replaced through
 * a temporary file; a symlink to a regular file replaces that file the
 * same way (the link stays); "-", a device, a FIFO and a symlink to
 * nothing are written straight through, as a shell redirection would. */
static int open_target(al_afile *f, al_err *e)
{
	struct stat st;
	if (strcmp(f->path, "-") == 0)
		return open_direct(f, 0, e);
	if (lstat(f->path, &st) < 0) {
		if (errno != ENOENT)
			return al_err_errno(e, AL_EIO, "unable to stat '%s'", f->path);
		return (f->dest = strdup(f->path)) ? open_temp(f, e)
			: al_err_set(e, AL_ENOMEM, "'%s': out of memory", f->path);
	}
	if (S_ISLNK(st.st_mode)) {
		if (stat(f->path, &st) < 0)   /* the link names nothing (yet) */
			return errno == ENOENT ? open_direct(f, O_WRONLY | O_CREAT | O_TRUNC, e)
				: al_err_errno(e, AL_EIO, "unable to stat '%s'", f->path);
		if (S_ISREG(st.st_mode))
			return (f->dest = realpath(f->path, NULL)) ? open_temp(f, e)
				: al_err_errno(e, AL_EIO, "unable to resolve '%s'", f->path);
	}
	if (S_ISDIR(st.st_mode))
		return al_err_set(e, AL_EIO, "'%s' is a directory, not a file", f->path);
	if (!S_ISREG(st.st_mode))
		return open_direct(f, O_WRONLY, e);
	return (f->dest = strdup(f->path)) ? open_temp(f, e)
		: al_err_set(e, AL_ENOMEM, "'%s': out of memory", f->path);
}

al_afile *al_afile_open(const char *path, al_err *e)
{
	al_afile *f = calloc(1, sizeof *f);
	if (!f || !(f->path = strdup(path))) {
		al_afile_abort(f);
		al_err_set(e, AL_ENOMEM, "'%s': out of memory", path);
		return NULL;
	}
	if (open_target(f, e) < 0) {
		al_afile_abort(f);
		return NULL;
	}
	return f;
}

FILE *al_afile_fp(al_afile *f) { return f->fp; }
const char *al_afile_path(const al_afile *f) { return f->path; }
int al_afile_direct(const al_afile *f) { return f->direct; }

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
	const char *at = f->tmp ? f->tmp : f->path;
	struct stat st;
	if (fflush(f->fp) != 0 || ferror(f->fp))
		rc = al_err_errno(e, AL_EIO, "unable to write '%s'", at);
	else if (fstat(fileno(f->fp), &st) == 0 && S_ISREG(st.st_mode) &&
		 (al_fault(AL_FAULT_FSYNC), fsync(fileno(f->fp)) != 0))   /* a pipe or device has nothing to sync */
		rc = al_err_errno(e, AL_EIO, "unable to sync '%s'", at);
	if (fclose(f->fp) != 0 && rc == 0)
		rc = al_err_errno(e, AL_EIO, "unable to close '%s'", at);
	f->fp = NULL;
	if (rc == 0 && f->tmp && (al_fault(AL_FAULT_RENAME), rename(f->tmp, f->dest) != 0))
		rc = al_err_errno(e, AL_EIO, "unable to rename '%s' to '%s'",
				  f->tmp, f->dest);
	if (rc == 0 && f->tmp) {
		fsync_dir(f->dest);
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
	free(f->dest);
	free(f->path);
	free(f);
}
