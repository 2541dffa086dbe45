/* cmd_tokenize.c: adalink tokenize: SentencePiece text to ids or pieces,
 * one line in, one line out; --decode the other way. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lib/log.h"
#include "spm.h"

static const al_cmd_help help = {
	"tokenize",
	"adalink tokenize -m MODEL [-p] [-d] [--add-bos] [--add-eos] [FILE...]",
	"Encode each line of the FILEs (default: standard input) with the\n"
	"SentencePiece MODEL and print its ids (or pieces), separated by spaces,\n"
	"one line out for each line in; the ids are those of the reference\n"
	"SentencePiece library.  With --decode, read ids (or pieces) and print\n"
	"the text.",
	"  -m, --model MODEL  the SentencePiece .model file (required)\n"
	"  -p, --pieces       print (with --decode: read) pieces, not ids\n"
	"  -d, --decode       turn ids (or pieces) back into text\n"
	"      --add-bos      put the model's <s> id first on every line\n"
	"      --add-eos      put the model's </s> id last on every line\n",
};

enum { OPT_BOS = 256, OPT_EOS };

static char obuf[1 << 16];
static size_t olen;

static void out_flush(void)
{
	if (olen)
		fwrite(obuf, 1, olen, stdout);
	olen = 0;
}

static void out_put(const char *s, size_t n)
{
	if (n > sizeof obuf - olen) {
		out_flush();
		if (n > sizeof obuf) {
			fwrite(s, 1, n, stdout);
			return;
		}
	}
	memcpy(obuf + olen, s, n);
	olen += n;
}

static void out_int(int32_t v)
{
	char tmp[16];
	int i = sizeof tmp;
	uint32_t u = v < 0 ? -(uint32_t)v : (uint32_t)v;
	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--i] = '-';
	out_put(tmp + i, sizeof tmp - (size_t)i);
}

typedef struct job {
	const al_spm *sp;
	int pieces, decode, flags;
	al_spm_tokens toks;
	al_spm_buf text;
	int32_t *ids;
	size_t ids_cap;
	const char **strs;
	size_t *lens;
	size_t strs_cap;
} job;

static int encode_line(job *j, const char *line, size_t len, al_err *e)
{
	if (al_spm_encode(j->sp, line, len, j->flags, &j->toks, e) < 0)
		return -1;
	for (size_t i = 0; i < j->toks.n; i++) {
		if (i)
			out_put(" ", 1);
		if (j->pieces) {
			size_t pl;
			const char *p = al_spm_token_piece(j->sp, &j->toks, i, &pl);
			out_put(p, pl);
		} else {
			out_int(j->toks.ids[i]);
		}
	}
	out_put("\n", 1);
	return 0;
}

static int decode_line(job *j, char *line, size_t len, const char *file,
		       size_t lineno, al_err *e)
{
	size_t n = 0;
	/* Pieces are separated by single spaces (a piece may hold a tab);
	 * ids by any run of spaces and tabs. */
	char tab = j->pieces ? ' ' : '\t';
	for (size_t i = 0; i < len;) {
		while (i < len && (line[i] == ' ' || line[i] == tab))
			i++;
		if (i == len)
			break;
		size_t start = i;
		while (i < len && line[i] != ' ' && line[i] != tab)
			i++;
		if (n == j->strs_cap) {
			size_t c = j->strs_cap ? j->strs_cap * 2 : 64;
			const char **s = realloc(j->strs, c * sizeof *s);
			if (s)
				j->strs = s;
			size_t *l = realloc(j->lens, c * sizeof *l);
			if (l)
				j->lens = l;
			int32_t *d = realloc(j->ids, c * sizeof *d);
			if (d)
				j->ids = d;
			if (!s || !l || !d)
				return al_err_set(e, AL_ENOMEM, "out of memory");
			j->strs_cap = c;
		}
		j->strs[n] = line + start;
		j->lens[n] = i - start;
		if (!j->pieces) {
			char *end;
			errno = 0;
			line[i < len ? i : len] = 0;
			long v = strtol(line + start, &end, 10);
			if (errno || *end || v < INT32_MIN || v > INT32_MAX)
				return al_err_set(e, AL_EFORMAT, "'%s': line %zu: '%s' is "
						  "not an id", file, lineno, line + start);
			j->ids[n] = (int32_t)v;
		}
		n++;
		if (i < len)
			i++;
	}
	int rc = j->pieces ? al_spm_decode_pieces(j->sp, j->strs, j->lens, n, &j->text, e)
			   : al_spm_decode_ids(j->sp, j->ids, n, &j->text, e);
	if (rc < 0)
		return al_err_wrap(e, "'%s': line %zu", file, lineno);
	out_put(j->text.s, j->text.len);
	out_put("\n", 1);
	return 0;
}

/* A line reader over read(2).  Before it blocks for more input it flushes
 * the output, so a program that writes a line and waits for the answer
 * gets it (a coprocess), while whole files are read in large blocks. */
typedef struct reader {
	int fd;
	char *buf;
	size_t cap, start, end;
	int eof;
} reader;

/* The next line (without its newline) in *line, *len; 1, or 0 at the end,
 * or -1 on a read error (errno set). */
static int next_line(reader *r, char **line, size_t *len)
{
	for (;;) {
		char *nl = r->end > r->start
			? memchr(r->buf + r->start, '\n', r->end - r->start) : NULL;
		if (nl || (r->eof && r->end > r->start)) {
			size_t stop = nl ? (size_t)(nl - r->buf) : r->end;
			*line = r->buf + r->start;
			*len = stop - r->start;
			r->buf[stop] = 0;   /* room kept: cap > end */
			r->start = nl ? stop + 1 : stop;
			return 1;
		}
		if (r->eof)
			return 0;
		if (r->start > 0) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		if (r->cap - r->end < 65536 + 1) {
			size_t c = r->cap ? r->cap * 2 : 1 << 18;
			char *b = realloc(r->buf, c);
			if (!b) {
				errno = ENOMEM;
				return -1;
			}
			r->buf = b;
			r->cap = c;
		}
		out_flush();
		fflush(stdout);
		ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			r->eof = 1;
		r->end += (size_t)n;
	}
}

static int run_file(job *j, const char *path, al_err *e)
{
	reader r = {0};
	r.fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY);
	if (r.fd < 0)
		return al_err_errno(e, AL_EIO, "unable to open '%s'", path);
	char *line;
	size_t len, lineno = 0;
	int rc = 0, got;
	al_progress *p = al_progress_new("lines", 0);
	while ((got = next_line(&r, &line, &len)) > 0) {
		lineno++;
		al_progress_add(p, 1);
		rc = j->decode ? decode_line(j, line, len, path, lineno, e)
			       : encode_line(j, line, len, e);
		if (rc < 0) {
			if (!j->decode)
				al_err_wrap(e, "'%s': line %zu", path, lineno);
			break;
		}
	}
	al_progress_free(p);
	if (!rc && got < 0)
		rc = al_err_errno(e, AL_EIO, "unable to read '%s'", path);
	free(r.buf);
	if (r.fd != 0)
		close(r.fd);
	return rc;
}

int cmd_tokenize(int argc, char **argv)
{
	static const struct option opts[] = {
		{"model", required_argument, 0, 'm'},
		{"pieces", no_argument, 0, 'p'},
		{"decode", no_argument, 0, 'd'},
		{"add-bos", no_argument, 0, OPT_BOS},
		{"add-eos", no_argument, 0, OPT_EOS},
		AL_CLI_COMMON_OPTS,
		{0, 0, 0, 0},
	};
	const char *model = NULL;
	job j = {0};
	int c, status;
	while ((c = getopt_long(argc, argv, "m:pd" AL_CLI_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 'm': model = optarg; break;
		case 'p': j.pieces = 1; break;
		case 'd': j.decode = 1; break;
		case OPT_BOS: j.flags |= AL_SPM_ADD_BOS; break;
		case OPT_EOS: j.flags |= AL_SPM_ADD_EOS; break;
		default:
			if (al_cli_common(&help, c, optarg, &status) < 0)
				return status;
		}
	}
	if (!model)
		return al_cli_usage(&help, "a model is required (-m MODEL)");
	if (j.decode && j.flags)
		return al_cli_usage(&help, "--add-bos and --add-eos are for encoding, "
				    "not --decode");
	al_err e = {0};
	al_spm *sp = al_spm_new(model, &e);
	if (!sp) {
		al_error("%s", e.msg);
		return AL_EXIT_FAIL;
	}
	j.sp = sp;
	if (((j.flags & AL_SPM_ADD_BOS) && al_spm_bos_id(sp) < 0) ||
	    ((j.flags & AL_SPM_ADD_EOS) && al_spm_eos_id(sp) < 0)) {
		const al_spm_model *m = al_spm_model_of(sp);
		const al_spm_str *p = (j.flags & AL_SPM_ADD_BOS) && al_spm_bos_id(sp) < 0
			? &m->bos_piece : &m->eos_piece;
		al_error("'%s': the model has no control piece '%.*s' to add", model,
			 (int)p->len, p->s);
		al_spm_free(sp);
		return AL_EXIT_FAIL;
	}
	int rc = 0;
	if (optind == argc)
		rc = run_file(&j, "-", &e);
	for (int i = optind; i < argc && rc == 0; i++)
		rc = run_file(&j, argv[i], &e);
	out_flush();
	if (rc < 0)
		al_error("%s", e.msg);
	else if (fflush(stdout) != 0 || ferror(stdout)) {
		al_error("unable to write the output");
		rc = -1;
	}
	al_spm_tokens_free(&j.toks);
	free(j.text.s);
	free(j.ids);
	free(j.strs);
	free(j.lens);
	al_spm_free(sp);
	return rc < 0 ? AL_EXIT_FAIL : AL_EXIT_OK;
}
