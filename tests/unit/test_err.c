/* test_err.c: al_err messages, the mmap reader and the atomic writer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/err.h"
#include "lib/file.h"
#include "lib/log.h"
#include "tests/tap.h"

int main(void)
{
	al_err e = {0};
	is_int(al_err_set(&e, AL_EINVAL, "bad %s", "thing"), AL_EINVAL, "set returns its code");
	is_str(e.msg, "bad thing", "set formats");
	is_int(e.code, AL_EINVAL, "set stores the code");
	al_err_at(&e, AL_EFORMAT, "x.json", 1234, "expected '%c'", ':');
	is_str(e.msg, "'x.json': byte 1234: expected ':'", "at names file and offset");
	errno = ENOENT;
	al_err_errno(&e, AL_EIO, "unable to open '%s'", "y");
	is_str(e.msg, "unable to open 'y': No such file or directory", "errno appends strerror");
	al_err_wrap(&e, "loading %s", "model");
	is_str(e.msg, "loading model: unable to open 'y': No such file or directory", "wrap prefixes");
	is_int(al_err_set(NULL, AL_EIO, "x"), AL_EIO, "a NULL al_err is allowed");
	is_str(al_err_name(AL_EFORMAT), "format", "codes have names");
	char big[3000];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = 0;
	al_err_at(&e, AL_EFORMAT, big, 1, "%s", big);
	is_int(strlen(e.msg), sizeof e.msg - 1, "long messages are cut, not overflowed");

	char buf[32];
	is_str(al_human(999, buf, sizeof buf), "999", "human 999");
	is_str(al_human(12345, buf, sizeof buf), "12.35k", "human 12345");
	is_str(al_human(2.5e6, buf, sizeof buf), "2.50M", "human 2.5M");

	/* The progress meter, forced on, draws items, rate and ETA on stderr. */
	char plog[] = "/tmp/al-test-progress-XXXXXX";
	int pfd = mkstemp(plog);
	fflush(stderr);
	int saved = dup(2);
	dup2(pfd, 2);
	setenv("ADALINK_PROGRESS", "1", 1);
	al_log_init("adalink test");
	al_progress *p = al_progress_new("records", 1000);
	ok(p != NULL, "progress forced on");
	al_progress_add(p, 250);
	al_progress_free(p);
	al_log_set_level(AL_LOG_QUIET);
	ok(al_progress_new("records", 10) == NULL, "--quiet turns progress off");
	al_log_set_level(AL_LOG_INFO);
	unsetenv("ADALINK_PROGRESS");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	al_map pm;
	ok(al_map_file(plog, &pm, &e) == 0, "read the progress output");
	char ptxt[512] = "";
	memcpy(ptxt, pm.data, pm.size < sizeof ptxt - 1 ? pm.size : sizeof ptxt - 1);
	al_map_release(&pm);
	has_str(ptxt, "adalink test: 250/1000 records (25.0%)", "progress shows done/total and percent");
	has_str(ptxt, "/s", "and a rate");
	close(pfd);
	unlink(plog);

	char dir[] = "/tmp/al-test-file-XXXXXX";
	ok(mkdtemp(dir) != NULL, "temporary folder");
	char path[256];
	snprintf(path, sizeof path, "%s/out.txt", dir);
	al_afile *f = al_afile_open(path, &e);
	ok(f != NULL, "atomic file opens");
	fputs("hello\n", al_afile_fp(f));
	ok(access(path, F_OK) != 0, "the final name does not exist before commit");
	ok(al_afile_commit(f, &e) == 0, "commit");
	al_map m;
	ok(al_map_file(path, &m, &e) == 0, "map the result");
	ok(m.size == 6 && memcmp(m.data, "hello\n", 6) == 0, "holds what was written");
	al_map_release(&m);
	f = al_afile_open(path, &e);
	fputs("partial", al_afile_fp(f));
	al_afile_abort(f);
	ok(al_map_file(path, &m, &e) == 0 && m.size == 6, "an aborted rewrite leaves the old file");
	al_map_release(&m);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "test $(ls '%s' | wc -l) -eq 1", dir);
	ok(system(cmd) == 0, "and no temporary file");
	ok(al_map_file(dir, &m, &e) < 0, "mapping a folder fails");
	has_str(e.msg, "is a directory", "saying so");
	snprintf(path, sizeof path, "%s/none", dir);
	ok(al_map_file(path, &m, &e) < 0, "mapping a missing file fails");
	has_str(e.msg, "No such file", "saying so");
	snprintf(path, sizeof path, "%s/empty", dir);
	fclose(fopen(path, "w"));
	ok(al_map_file(path, &m, &e) == 0 && m.size == 0, "an empty file maps to nothing");
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ok(system(cmd) == 0, "clean up");
	return done_testing();
}
