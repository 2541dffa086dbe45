/* test_datasets.c: the source layer (archives written here with
 * libarchive's writer in every format, folders, loose files), the
 * record writer and a reader run over memory. */
#define _DEFAULT_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datasets/ds.h"
#include "datasets/iter.h"
#include "datasets/record.h"
#include "datasets/source.h"
#include "tests/tap.h"

static char tmpdir[256];

enum { BIG = 300000 };
static unsigned char big[BIG];

/* Write an archive with: a/one.txt, a directory, b/two.bin (BIG bytes),
 * a symlink, c/three.txt. */
static int write_archive(const char *path, int format, int filter, int link)
{
	struct archive *a = archive_write_new();
	archive_write_set_format(a, format);
	if (filter >= 0)
		archive_write_add_filter(a, filter);
	if (archive_write_open_filename(a, path) != ARCHIVE_OK) {
		archive_write_free(a);
		return -1;
	}
	struct { const char *name; int type; const void *data; size_t n; } m[] = {
		{"a/one.txt", AE_IFREG, "hello\n", 6},
		{"d/", AE_IFDIR, NULL, 0},
		{"b/two.bin", AE_IFREG, big, BIG},
		{"link", AE_IFLNK, NULL, 0},
		{"c/three.txt", AE_IFREG, "", 0},
	};
	for (size_t i = 0; i < sizeof m / sizeof *m; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_filetype(e, m[i].type);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, m[i].n);
		if (m[i].type == AE_IFLNK && !link) {
			archive_entry_free(e);
			continue;
		}
		if (m[i].type == AE_IFLNK)
			archive_entry_set_symlink(e, "a/one.txt");
		archive_write_header(a, e);
		if (m[i].n)
			archive_write_data(a, m[i].data, m[i].n);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	return 0;
}

/* Read every member of path; check names and bytes. */
static void check_source(const char *path, const char *prefix, const char *what)
{
	al_err e = {0};
	al_source *s = al_source_open(path, &e);
	ok(s != NULL, "%s: opens", what);
	if (!s) {
		printf("#   %s\n", e.msg);
		return;
	}
	const char *want[] = {"a/one.txt", "b/two.bin", "c/three.txt"};
	const char *name;
	int n = 0, rc, bytes_ok = 1;
	static unsigned char buf[BIG + 10];
	while ((rc = al_source_next(s, &name, &e)) > 0) {
		char full[512];
		snprintf(full, sizeof full, "%s%s", prefix, n < 3 ? want[n] : "?");
		if (n < 3 && strcmp(name, full) != 0) {
			printf("#   member %d is '%s', want '%s'\n", n, name, full);
			bytes_ok = 0;
		}
		size_t got = 0;
		ssize_t r;
		/* read in odd-sized pieces */
		while ((r = al_source_read(s, buf + got, got + 7777 < sizeof buf ?
					   7777 : sizeof buf - got, &e)) > 0)
			got += (size_t)r;
		if (n == 0 && (got != 6 || memcmp(buf, "hello\n", 6)))
			bytes_ok = 0;
		if (n == 1 && (got != BIG || memcmp(buf, big, BIG)))
			bytes_ok = 0;
		if (n == 2 && got != 0)
			bytes_ok = 0;
		n++;
	}
	is_int(rc, 0, "%s: ends cleanly", what);
	is_int(n, 3, "%s: three regular members (directory and link passed over)", what);
	ok(bytes_ok, "%s: names and bytes as written", what);
	ok(al_source_bytes(s) > 0, "%s: counts the bytes read", what);
	al_source_free(s);
}

static void test_archives(void)
{
	struct { const char *sfx; int format, filter; } f[] = {
		{"zip", ARCHIVE_FORMAT_ZIP, -1},
		{"tar", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, -1},
		{"tar.gz", ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_GZIP},
		{"tar.bz2", ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_BZIP2},
		{"tar.xz", ARCHIVE_FORMAT_TAR_GNUTAR, ARCHIVE_FILTER_XZ},
		{"tar.zst", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_ZSTD},
	};
	for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
		char path[300];
		snprintf(path, sizeof path, "%s/x.%s", tmpdir, f[i].sfx);
		/* A streamed zip cannot tell a link from a file: its local
		 * headers do not say (the central directory at the end does). */
		if (write_archive(path, f[i].format, f[i].filter,
				  f[i].format != ARCHIVE_FORMAT_ZIP) < 0) {
			ok(0, "write %s", path);
			continue;
		}
		check_source(path, "", f[i].sfx);
		/* cut in half: an error with a message, never a crash */
		struct stat st;
		stat(path, &st);
		char cut[320];
		snprintf(cut, sizeof cut, "%s.cut.%s", path, f[i].sfx);
		FILE *in = fopen(path, "rb"), *out = fopen(cut, "wb");
		static unsigned char buf[1 << 20];
		size_t n = fread(buf, 1, sizeof buf, in);
		fwrite(buf, 1, n / 2, out);
		fclose(in);
		fclose(out);
		al_err e = {0};
		al_source *s = al_source_open(cut, &e);
		int rc = s ? 0 : e.code;
		const char *name;
		while (s && (rc = al_source_next(s, &name, &e)) > 0) {
			ssize_t r;
			while ((r = al_source_read(s, buf, 4096, &e)) > 0)
				;
			if (r < 0) {
				rc = (int)r;
				break;
			}
		}
		ok(rc < 0 && strstr(e.msg, "x.") && strstr(e.msg, "byte "),
		   "%s cut in half: fails naming the archive and a byte offset", f[i].sfx);
		if (!(rc < 0))
			printf("#   rc %d, '%s'\n", rc, e.msg);
		al_source_free(s);
	}
	ok(al_source_is_archive_name("a.TAR.GZ") && al_source_is_archive_name("-") &&
	   !al_source_is_archive_name("a.json") && !al_source_is_archive_name("zip"),
	   "archive names by suffix");
	ok(!al_source_is_archive_name("x.7z"), "7z is not streamable: not an archive name");
}

static void test_folder(void)
{
	char p[400];
	snprintf(p, sizeof p, "%s/f", tmpdir);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/f/b", tmpdir);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/f/a", tmpdir);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/f/c", tmpdir);
	mkdir(p, 0755);
	struct { const char *n; const void *d; size_t len; } files[] = {
		{"c/three.txt", "", 0}, {"a/one.txt", "hello\n", 6}, {"b/two.bin", big, BIG},
	};
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s/f/%s", tmpdir, files[i].n);
		FILE *f = fopen(p, "wb");
		fwrite(files[i].d, 1, files[i].len, f);
		fclose(f);
	}
	snprintf(p, sizeof p, "%s/f/", tmpdir);   /* a trailing slash too */
	char prefix[400];
	snprintf(prefix, sizeof prefix, "%s/f/", tmpdir);
	check_source(p, prefix, "folder");
	/* a loose file is one member named as given */
	snprintf(p, sizeof p, "%s/f/a/one.txt", tmpdir);
	al_err e = {0};
	al_source *s = al_source_open(p, &e);
	const char *name = NULL;
	ok(s && al_source_next(s, &name, &e) == 1 && strcmp(name, p) == 0 &&
	   al_source_next(s, &name, &e) == 0, "a loose file is one member");
	al_source_free(s);
	snprintf(p, sizeof p, "%s/none.zip", tmpdir);
	s = al_source_open(p, &e);
	ok(!s && e.code == AL_EIO && strstr(e.msg, "none.zip"), "a missing archive: AL_EIO naming it");
}

static void test_record(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	al_recw *w = al_recw_new(f);
	const char *t[] = {"a \"b\"", "caf\xc3\xa9\n"};
	al_record r = {.dataset = "coco", .split = "val", .task = "caption", .id = "0042",
		       .image = "val2014/x.jpg", .ninputs = 1, .input_name = {"question"},
		       .input = {"why?"}, .ntargets = 2, .targets = t};
	al_err e = {0};
	is_int(al_recw_write(w, &r, &e), 0, "a record is written");
	r.id = "42";
	r.image = NULL;
	r.ntargets = 0;
	r.has_label = 1;
	r.label = "4.750";
	is_int(al_recw_write(w, &r, &e), 0, "a second record");
	r.input[0] = "bad \xc3";
	r.where = "'x.tsv': line 3";
	int rc = al_recw_write(w, &r, &e);
	ok(rc == AL_EFORMAT && strstr(e.msg, "'x.tsv': line 3") && strstr(e.msg, "question") &&
	   strstr(e.msg, "UTF-8"), "invalid UTF-8: names the place and the field (%s)", e.msg);
	fclose(f);
	is_str(buf, "{\"dataset\":\"coco\",\"split\":\"val\",\"id\":\"0042\",\"task\":\"caption\","
	       "\"image\":\"val2014/x.jpg\",\"inputs\":{\"question\":\"why?\"},\"targets\":"
	       "[\"a \\\"b\\\"\",\"caf\xc3\xa9\\n\"]}\n"
	       "{\"dataset\":\"coco\",\"split\":\"val\",\"id\":42,\"task\":\"caption\","
	       "\"image\":null,\"inputs\":{\"question\":\"why?\"},\"targets\":[],\"label\":4.750}\n",
	       "JSON lines: ids with leading zeros stay strings, others are numbers");
	al_recw_free(w);
	free(buf);
	ok(al_is_int_text("0") && al_is_int_text("-12") && !al_is_int_text("012") &&
	   !al_is_int_text("1e3") && !al_is_int_text("") && !al_is_int_text("1234567890123456"),
	   "integer ids: plain decimals of at most 15 digits");
}

static int collect(void *ctx, const al_record *r, al_err *e)
{
	(void)e;
	char *log = ctx;
	size_t l = strlen(log);
	snprintf(log + l, 2048 - l, "%s|%s|%s|%s|%s|%s;", r->task, r->split, r->id,
		 r->input[0], r->ntargets ? r->targets[0] : "-", r->label ? r->label : "null");
	return 0;
}

static void test_reader_mem(void)
{
	char log[2048] = "";
	al_err e = {0};
	al_ds *ds = al_ds_new("glue", NULL, &e);
	const char *cola = "gj04\t1\t\tThe \"sailors rode.\ngj04\t0\t*\tThey drank the pub.\r\n";
	int rc = al_ds_run_mem(ds, "glue_data/CoLA/train.tsv", cola, strlen(cola), collect, log, &e);
	is_int(rc, 0, "CoLA train without a header");
	is_str(log, "cola|train|0|The \"sailors rode.|1|1;cola|train|1|They drank the pub.|0|0;",
	       "CoLA: sentence from column 4, label from column 2, ids from 0, CRLF dropped");
	al_ds_free(ds);
	log[0] = 0;
	ds = al_ds_new("glue", NULL, &e);
	const char *ax = "index\tsentence1\tsentence2\n3\tA.\tB.";
	rc = al_ds_run_mem(ds, "glue_data/diagnostic/diagnostic.tsv", ax, strlen(ax), collect, log, &e);
	is_str(log, "ax|test|3|A.|-|null;", "AX: the diagnostic file is a test split, no label, "
	       "last line without newline");
	al_ds_free(ds);
	ds = al_ds_new("glue", NULL, &e);
	rc = al_ds_run_mem(ds, "notes/readme.txt", "x", 1, collect, log, &e);
	ok(rc == AL_ENOTFOUND && strstr(e.msg, "expected glue_data/TASK") &&
	   strstr(e.msg, "found 'notes/readme.txt'"), "a missing expected file: what was "
	   "expected and what was found");
	al_ds_free(ds);
	ok(!al_ds_new("nope", NULL, &e) && e.code == AL_ENOTFOUND, "unknown dataset");
	al_ds_opts o = {.task = "4"};
	ok(!al_ds_new("stvqa", &o, &e) && e.code == AL_EINVAL, "ST-VQA has no task 4");
	o.task = "x";
	ok(!al_ds_new("coco", &o, &e) && e.code == AL_EINVAL, "COCO has no tasks");
	int n = 0;
	while (al_ds_list(n, NULL, NULL))
		n++;
	is_int(n, 10, "ten datasets in the registry (text the tenth)");
}

typedef struct imgs {
	int n;
	size_t size[4];
	unsigned char first[4];
	char name[4][64];
} imgs;

static int on_img(void *ctx, const al_record *r, al_err *e)
{
	(void)e;
	imgs *g = ctx;
	if (g->n < 4) {
		g->size[g->n] = r->image_size;
		g->first[g->n] = r->image_size ? r->image_data[r->image_size - 1] : 0;
		snprintf(g->name[g->n], 64, "%s", r->image ? r->image : "-");
	}
	g->n++;
	return 0;
}

/* A COCO tar: annotations, then images of 5000 and 300000 bytes. */
static void test_images(void)
{
	char path[300];
	snprintf(path, sizeof path, "%s/coco.tar.gz", tmpdir);
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	archive_write_add_filter_gzip(a);
	archive_write_open_filename(a, path);
	const char *ann = "{\"images\": [{\"id\": 1, \"file_name\": \"COCO_val2014_000000000001.jpg\"},"
			  " {\"id\": 2, \"file_name\": \"COCO_val2014_000000000002.jpg\"}],"
			  " \"annotations\": [{\"image_id\": 2, \"id\": 9, \"caption\": \"c\"}]}";
	struct { const char *name; const void *d; size_t n; } m[] = {
		{"annotations/captions_val2014.json", ann, strlen(ann)},
		{"val2014/COCO_val2014_000000000002.jpg", big, 5000},
		{"val2014/COCO_val2014_000000000001.jpg", big, BIG},
	};
	for (int i = 0; i < 3; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, m[i].n);
		archive_write_header(a, e);
		archive_write_data(a, m[i].d, m[i].n);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	const char *src[] = {path};
	al_err e = {0};
	imgs g = {0};
	al_ds *ds = al_ds_new("coco", NULL, &e);
	int rc = al_ds_run(ds, src, 1, on_img, &g, &e);
	is_int(rc, 0, "COCO from a tar.gz");
	ok(g.n == 2 && g.size[0] == 5000 && g.size[1] == BIG && g.first[0] == big[4999] &&
	   g.first[1] == big[BIG - 1] && strcmp(g.name[0], "val2014/COCO_val2014_000000000002.jpg") == 0,
	   "records come in archive order with their images' bytes");
	is_int(al_ds_get_stats(ds)->images, 2, "two images counted");
	al_ds_free(ds);
	/* the same, pulled one record at a time */
	ds = al_ds_new("coco", NULL, &e);
	al_ds_iter *it = al_ds_iter_new(ds, src, 1, &e);
	const al_record *r;
	int n = 0, same = 1;
	while ((rc = al_ds_iter_next(it, &r, &e)) > 0) {
		same &= r->image_size == (n ? (size_t)BIG : 5000u) &&
			memcmp(r->image_data, big, r->image_size) == 0;
		n++;
	}
	ok(rc == 0 && n == 2 && same, "the iterator gives the same records and bytes");
	is_int(al_ds_iter_next(it, &r, &e), 0, "and 0 again at the end");
	al_ds_iter_free(it);
	al_ds_free(ds);
	ds = al_ds_new("coco", NULL, &e);
	it = al_ds_iter_new(ds, src, 1, &e);
	ok(al_ds_iter_next(it, &r, &e) == 1 && r->ntargets == 1 && strcmp(r->targets[0], "c") == 0,
	   "a first record, then the iterator is freed early");
	al_ds_iter_free(it);
	is_int(al_ds_get_stats(ds)->records, 1, "the reading stopped after it");
	al_ds_free(ds);
	const char *missing[] = {"/nonexistent/x.zip"};
	ds = al_ds_new("coco", NULL, &e);
	it = al_ds_iter_new(ds, missing, 1, &e);
	rc = al_ds_iter_next(it, &r, &e);
	ok(rc == AL_EIO && strstr(e.msg, "x.zip"), "the iterator passes the error on (%s)", e.msg);
	al_ds_iter_free(it);
	al_ds_free(ds);
	al_ds_opts o = {.max_image = 10000};
	memset(&g, 0, sizeof g);
	ds = al_ds_new("coco", &o, &e);
	rc = al_ds_run(ds, src, 1, on_img, &g, &e);
	ok(rc == AL_ELIMIT && strstr(e.msg, "COCO_val2014_000000000001.jpg") &&
	   strstr(e.msg, "larger than 10000 bytes"), "an image over the limit: AL_ELIMIT (%s)", e.msg);
	al_ds_free(ds);
	o.skip_bad = 1;
	memset(&g, 0, sizeof g);
	ds = al_ds_new("coco", &o, &e);
	rc = al_ds_run(ds, src, 1, on_img, &g, &e);
	ok(rc == 0 && g.n == 1 && al_ds_get_stats(ds)->skipped == 1,
	   "with skip_bad the big image is skipped and counted");
	al_ds_free(ds);
}

static void test_names(void)
{
	is_str(al_split_from_name("v2_OpenEnded_mscoco_test-dev2015_questions.json"), "test-dev",
	       "test-dev from a VQA file name");
	is_str(al_split_from_name("captions_train2014.json"), "train", "train");
	is_str(al_split_from_name("val_v1.0.json"), "val", "val");
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "%s/al-ds.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir))
		return 1;
	unsigned x = 12345;
	for (int i = 0; i < BIG; i++) {
		x = x * 1103515245u + 12345u;
		big[i] = (unsigned char)(x >> 16);
	}
	test_archives();
	test_folder();
	test_record();
	test_reader_mem();
	test_images();
	test_names();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return done_testing();
}
