/* glue.c: GLUE: glue_data/TASK/{train,dev,test}*.tsv, split on tabs only.
 *
 * Every task's file has its own columns; all but CoLA's train and dev
 * files start with a header naming them.  Fields are split on tab
 * characters and nothing else: quotes are ordinary characters (the official
 * files hold unbalanced ones that a CSV reader would join across lines). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "family.h"
#include "lib/utf8.h"

enum { MAX_LINE = 16 << 20, MAX_FIELDS = 64 };

typedef struct task {
	const char *name;        /* record task */
	const char *folder;      /* glue_data/FOLDER */
	const char *id_col[2];   /* columns that may hold the id */
	const char *in_col[2];   /* input columns */
	const char *in_name[2];  /* their names in the record */
	const char *label_col;
	const char *classes[4];  /* label text in class-index order; NULL:
				    the label is its own number */
} task;

static const task tasks[] = {
	{"cola", "CoLA", {"index"}, {"sentence"}, {"sentence"}, "label", {NULL}},
	{"sst2", "SST-2", {"index"}, {"sentence"}, {"sentence"}, "label", {NULL}},
	{"mrpc", "MRPC", {"index"}, {"#1 String", "#2 String"},
	 {"sentence1", "sentence2"}, "Quality", {NULL}},
	{"stsb", "STS-B", {"index"}, {"sentence1", "sentence2"},
	 {"sentence1", "sentence2"}, "score", {NULL}},
	{"qqp", "QQP", {"id"}, {"question1", "question2"},
	 {"question1", "question2"}, "is_duplicate", {NULL}},
	{"mnli", "MNLI", {"index"}, {"sentence1", "sentence2"},
	 {"sentence1", "sentence2"}, "gold_label",
	 {"entailment", "neutral", "contradiction"}},
	{"qnli", "QNLI", {"index"}, {"question", "sentence"},
	 {"question", "sentence"}, "label", {"entailment", "not_entailment"}},
	{"rte", "RTE", {"index"}, {"sentence1", "sentence2"},
	 {"sentence1", "sentence2"}, "label", {"entailment", "not_entailment"}},
	{"wnli", "WNLI", {"index"}, {"sentence1", "sentence2"},
	 {"sentence1", "sentence2"}, "label", {NULL}},
	{"ax", "diagnostic", {"index"}, {"sentence1", "sentence2"},
	 {"sentence1", "sentence2"}, "label",
	 {"entailment", "neutral", "contradiction"}},
	{NULL, NULL, {NULL}, {NULL}, {NULL}, NULL, {NULL}},
};

/* "SST-2", "sst-2", "sst2" are the same task. */
static int same_name(const char *a, const char *b)
{
	for (;;) {
		while (*a == '-' || *a == '_')
			a++;
		while (*b == '-' || *b == '_')
			b++;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
		if (!*a)
			return 1;
		a++, b++;
	}
}

static const task *find_task(const char *name)
{
	for (int i = 0; tasks[i].name; i++)
		if (same_name(name, tasks[i].name) || same_name(name, tasks[i].folder))
			return &tasks[i];
	return NULL;
}

/* The task and split of glue_data/FOLDER/SPLIT.tsv, or 0 if the member is
 * not one of GLUE's data files. */
static int classify(const char *name, const char *base, const task **t,
		    char *split, size_t n)
{
	size_t bl = strlen(base);
	if (bl < 5 || strcmp(base + bl - 4, ".tsv") != 0)
		return 0;
	/* the parent folder */
	const char *end = base - 1, *p = end;
	if (base == name)
		return 0;
	while (p > name && p[-1] != '/')
		p--;
	char folder[64];
	if ((size_t)(end - p) >= sizeof folder)
		return 0;
	memcpy(folder, p, end - p);
	folder[end - p] = 0;
	const task *tk = find_task(folder);
	if (!tk)
		return 0;
	size_t sl = bl - 4;
	if (sl >= n)
		return 0;
	memcpy(split, base, sl);
	split[sl] = 0;
	if (tk == &tasks[9]) {   /* diagnostic/diagnostic.tsv is AX's test */
		if (strcmp(split, "diagnostic") != 0)
			return 0;
		strcpy(split, "test");
	} else if (strncmp(split, "train", 5) != 0 && strncmp(split, "dev", 3) != 0 &&
		   strncmp(split, "test", 4) != 0) {
		return 0;
	} else if (strcmp(split, "dev_ids") == 0) {
		return 0;
	}
	*t = tk;
	return 1;
}

static int glue_is_annot(al_ds *ds, const char *name, const char *base)
{
	(void)ds;
	const task *t;
	char split[64];
	return classify(name, base, &t, split, sizeof split);
}

static int check_opts(const al_ds_opts *o, al_err *e)
{
	if (o->task && !find_task(o->task))
		return al_err_set(e, AL_EINVAL, "GLUE has no task '%s'; the tasks: "
				  "cola sst2 mrpc stsb qqp mnli qnli rte wnli ax", o->task);
	return 0;
}

/* Split line (modified in place) on tabs. */
static int split_tabs(char *line, char **f, int max)
{
	int n = 0;
	f[n++] = line;
	for (char *p = line; *p; p++)
		if (*p == '\t') {
			*p = 0;
			if (n == max)
				return max + 1;
			f[n++] = p + 1;
		}
	return n;
}

static int col_of(char **hdr, int nh, const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < nh; i++)
		if (strcmp(hdr[i], name) == 0)
			return i;
	return -1;
}

typedef struct file_state {
	const task *t;
	char split[64];
	char where[600];
	int ncols, id_col, in_col[2], label_col, header;
	al_strmap *ids;
	long row;
} file_state;

static int label_number(const task *t, const char *text, char *num, size_t n)
{
	if (t->classes[0]) {
		for (int i = 0; i < 4 && t->classes[i]; i++)
			if (strcmp(text, t->classes[i]) == 0) {
				snprintf(num, n, "%d", i);
				return 0;
			}
		return -1;
	}
	if (strcmp(t->name, "stsb") == 0) {
		/* a plain decimal: digits, one optional point */
		const char *p = text;
		int digits = 0, dots = 0;
		for (; *p; p++) {
			if (*p >= '0' && *p <= '9')
				digits++;
			else if (*p == '.' && digits && !dots)
				dots++;
			else
				return -1;
		}
		if (!digits || p[-1] == '.')
			return -1;
		snprintf(num, n, "%s", text);
		return 0;
	}
	if (strcmp(text, "0") != 0 && strcmp(text, "1") != 0)
		return -1;
	snprintf(num, n, "%s", text);
	return 0;
}

static int __attribute__((format(printf, 4, 5)))
first_line_bad(al_ds *ds, al_err *e, int code, const char *fmt, ...)
{
	(void)ds;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return al_err_set(e, code, "%s", msg);
}

static int row(al_ds *ds, file_state *fs, char *line, long lineno, al_err *e)
{
	char *f[MAX_FIELDS + 1];
	const task *t = fs->t;
	/* a bad first line is fatal: it may be the header */
	int (*bad)(al_ds *, al_err *, int, const char *, ...) =
		fs->header ? al_ds_bad : first_line_bad;
	if (!al_utf8_valid(line, strlen(line)))
		return bad(ds, e, AL_EFORMAT, "'%s': line %ld: not valid UTF-8",
			   fs->where, lineno);
	int n = split_tabs(line, f, MAX_FIELDS);
	if (n > MAX_FIELDS)
		return bad(ds, e, AL_EFORMAT, "'%s': line %ld: more than %d "
			   "tab-separated fields", fs->where, lineno, MAX_FIELDS);
	if (!fs->header) {
		fs->header = 1;
		if (strcmp(t->name, "cola") == 0 && strncmp(fs->split, "test", 4) != 0) {
			/* no header: source, label, original label, sentence */
			fs->ncols = 4;
			fs->id_col = -1;
			fs->in_col[0] = 3;
			fs->in_col[1] = -1;
			fs->label_col = 1;
		} else {
			fs->ncols = n;
			fs->id_col = col_of(f, n, t->id_col[0]);
			for (int i = 0; i < 2; i++) {
				fs->in_col[i] = col_of(f, n, t->in_col[i]);
				if (t->in_col[i] && fs->in_col[i] < 0)
					return al_err_set(e, AL_EFORMAT, "'%s': line 1: "
							  "the header has no '%s' column",
							  fs->where, t->in_col[i]);
			}
			fs->label_col = col_of(f, n, t->label_col);
			if (fs->label_col < 0 && strncmp(fs->split, "test", 4) != 0)
				return al_err_set(e, AL_EFORMAT, "'%s': line 1: the "
						  "header has no '%s' column",
						  fs->where, t->label_col);
			return 0;
		}
	}
	if (n != fs->ncols)
		return al_ds_bad(ds, e, AL_EFORMAT, "'%s': line %ld: expected %d "
				 "tab-separated fields, found %d", fs->where, lineno,
				 fs->ncols, n);
	char idbuf[32], where[700], num[64];
	const char *id = idbuf;
	snprintf(idbuf, sizeof idbuf, "%ld", fs->row);
	if (fs->id_col >= 0) {
		id = f[fs->id_col];
		long old;
		int r = al_strmap_put(fs->ids, id, lineno, &old);
		if (r < 0)
			return al_err_set(e, AL_ENOMEM, "out of memory");
		if (r == 0)
			return al_ds_bad(ds, e, AL_EFORMAT, "'%s': line %ld: duplicate "
					 "id '%s' (first on line %ld)", fs->where,
					 lineno, id, old);
	}
	fs->row++;
	snprintf(where, sizeof where, "'%s': line %ld", fs->where, lineno);
	al_record r = {0};
	r.dataset = "glue";
	r.split = fs->split;
	r.task = t->name;
	r.id = id;
	r.where = where;
	for (int i = 0; i < 2; i++)
		if (fs->in_col[i] >= 0) {
			r.input_name[r.ninputs] = t->in_name[i];
			r.input[r.ninputs++] = f[fs->in_col[i]];
		}
	r.has_label = 1;
	const char *target[1];
	if (fs->label_col >= 0) {
		const char *text = f[fs->label_col];
		if (label_number(t, text, num, sizeof num) < 0)
			return al_ds_bad(ds, e, AL_EFORMAT, "'%s': line %ld: '%s' is "
					 "not a %s label", fs->where, lineno, text,
					 t->name);
		target[0] = text;
		r.targets = target;
		r.ntargets = 1;
		r.label = num;
	}
	return al_ds_emit(ds, &r, e);
}

static int glue_annot(al_ds *ds, al_source *src, const char *name,
		      const char *base, al_err *e)
{
	file_state fs = {0};
	if (!classify(name, base, &fs.t, fs.split, sizeof fs.split))
		return 0;
	if (ds->o.task && find_task(ds->o.task) != fs.t)
		return 0;
	if (!al_ds_want_split(ds, fs.split))
		return 0;
	ds->annots++;
	snprintf(fs.where, sizeof fs.where, "%s", name);
	if (!(fs.ids = al_strmap_new()))
		return al_err_set(e, AL_ENOMEM, "out of memory");
	size_t cap = 1 << 16, len = 0, start = 0;
	char *buf = malloc(cap);
	long lineno = 0;
	int rc = 0;
	if (!buf) {
		rc = al_err_set(e, AL_ENOMEM, "out of memory");
		goto out;
	}
	for (int eof = 0; !eof && !ds->stop;) {
		/* keep the unfinished line, refill behind it */
		if (start > 0) {
			memmove(buf, buf + start, len - start);
			len -= start;
			start = 0;
		}
		if (cap - len < 4096) {
			if (cap >= MAX_LINE) {
				rc = al_err_set(e, AL_ELIMIT, "'%s': line %ld: longer than "
						"%d bytes", name, lineno + 1, MAX_LINE);
				goto out;
			}
			if ((rc = al_grow((void **)&buf, &cap, len + 4096, 1, e)) < 0)
				goto out;
		}
		ssize_t r = al_source_read(src, buf + len, cap - len - 1, e);
		if (r < 0) {
			rc = (int)r;
			goto out;
		}
		if (r == 0) {
			eof = 1;
			if (len == 0)
				break;
			buf[len++] = '\n';   /* a last line without newline */
		} else {
			len += (size_t)r;
		}
		for (;;) {
			char *nl = memchr(buf + start, '\n', len - start);
			if (!nl)
				break;
			*nl = 0;
			lineno++;
			char *line = buf + start;
			size_t ll = (size_t)(nl - line);
			start = (size_t)(nl - buf) + 1;
			if (ll && line[ll - 1] == '\r')
				line[--ll] = 0;
			/* MRPC's files begin with a byte order mark */
			if (lineno == 1 && ll >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
				line += 3;
				ll -= 3;
			}
			if (memchr(line, 0, ll))
				rc = al_ds_bad(ds, e, AL_EFORMAT, "'%s': line %ld: holds "
					       "a NUL byte", name, lineno);
			else
				rc = row(ds, &fs, line, lineno, e);
			if (rc < 0 || ds->stop)
				goto out;
		}
		if (eof)
			break;
	}
	if (!fs.header && rc == 0)
		rc = al_err_set(e, AL_EFORMAT, "'%s': the file is empty", name);
out:
	free(buf);
	al_strmap_free(fs.ids);
	return rc;
}

const al_family al_fam_glue = {
	.name = "glue",
	.summary = "GLUE: CoLA, SST-2, MRPC, STS-B, QQP, MNLI, QNLI, RTE, WNLI, AX",
	.expects = "glue_data/TASK/{train,dev,test}.tsv (TASK: CoLA SST-2 MRPC "
		   "STS-B QQP MNLI QNLI RTE WNLI; MNLI: dev_matched.tsv, "
		   "dev_mismatched.tsv, test_matched.tsv, ...; AX: "
		   "diagnostic/diagnostic.tsv)",
	.task = NULL,
	.has_images = 0,
	.is_annot = glue_is_annot,
	.annot = glue_annot,
	.check_opts = check_opts,
};
