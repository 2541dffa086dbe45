/* test_spm.c: encoding and decoding with the T5 model; the expected ids and
 * pieces are Debian spm_encode's, the decoded text python3-sentencepiece's. */
#include <string.h>

#include "pipeline/spm.h"
#include "tests/tap.h"

static const char *tdata(const char *rel)
{
	static char buf[4096];
	const char *d = getenv("TESTDATA");
	snprintf(buf, sizeof buf, "%s/%s", d ? d : "tests/data", rel);
	return buf;
}

static const char *ids(const al_spm *sp, const char *text, int flags)
{
	static char out[1024];
	static al_spm_tokens t;
	al_err e = {0};
	if (al_spm_encode(sp, text, strlen(text), flags, &t, &e) < 0) {
		snprintf(out, sizeof out, "error: %.900s", e.msg);
		return out;
	}
	size_t o = 0;
	out[0] = 0;
	for (size_t i = 0; i < t.n && o < sizeof out - 16; i++)
		o += (size_t)snprintf(out + o, sizeof out - o, i ? " %d" : "%d", t.ids[i]);
	return out;
}

static const char *pieces(const al_spm *sp, const char *text)
{
	static char out[1024];
	static al_spm_tokens t;
	al_err e = {0};
	out[0] = 0;
	if (al_spm_encode(sp, text, strlen(text), 0, &t, &e) < 0)
		return "error";
	size_t o = 0;
	for (size_t i = 0; i < t.n; i++) {
		size_t l;
		const char *p = al_spm_token_piece(sp, &t, i, &l);
		if (o + l + 2 >= sizeof out)
			break;
		if (i)
			out[o++] = ' ';
		memcpy(out + o, p, l);
		o += l;
		out[o] = 0;
	}
	al_spm_tokens_free(&t);
	return out;
}

int main(void)
{
	al_err e = {0};
	al_spm *sp = al_spm_new(tdata("spm/t5_spiece.model"), &e);
	ok(sp != NULL, "the T5 model loads (%s)", e.msg);
	if (!sp)
		return done_testing();
	is_int(al_spm_eos_id(sp), 1, "</s> is 1");
	is_int(al_spm_bos_id(sp), -1, "T5 has no <s>");
	is_int(al_spm_unk_id(sp), 2, "<unk> is 2");
	is_str(ids(sp, "Hello world", 0), "8774 296", "Hello world");
	is_str(ids(sp, "Hello world", AL_SPM_ADD_EOS), "8774 296 1", "with </s>");
	has_str(ids(sp, "x", AL_SPM_ADD_BOS), "error", "no <s> to add");
	is_str(ids(sp, "\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\xa3 \xef\xac\x81ne  caf\xc3\xa9", 0),
	       "14213 1399 11949", "full-width, ligature, accent");
	is_str(ids(sp, "  spaced   out  ", 0), "628 26 91", "whitespace runs");
	is_str(ids(sp, "bad \xff byte", 0), "1282 3 2 3 17770", "an invalid byte is unknown");
	is_str(ids(sp, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 0), "3 2",
	       "three unknown characters are one unknown id");
	is_str(ids(sp, "", 0), "", "empty line");
	is_str(pieces(sp, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"),
	       "\xe2\x96\x81 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
	       "the unknown piece shows the text");
	is_str(pieces(sp, "  spaced   out  "),
	       "\xe2\x96\x81space d \xe2\x96\x81out", "pieces");
	is_int(al_spm_piece_id(sp, "\xe2\x96\x81Hello", 8), 8774, "piece_id");
	is_int(al_spm_piece_id(sp, "no such piece", 13), 2, "an unknown piece is <unk>");

	int32_t d[] = {8774, 296, 2, 1, 0, 3};
	al_spm_buf out = {0};
	ok(al_spm_decode_ids(sp, d, 6, &out, &e) == 0, "decode");
	is_str(out.s, "Hello world \xe2\x81\x87  ",
	       "decode: controls vanish, <unk> is ' \xe2\x81\x87 ', a lone U+2581 a space");
	int32_t bad[] = {32000};
	ok(al_spm_decode_ids(sp, bad, 1, &out, &e) == AL_EINVAL, "id 32000 is refused");
	has_str(e.msg, "32000", "naming the id");
	free(out.s);
	al_spm_free(sp);

	sp = al_spm_new(tdata("spm/no-such.model"), &e);
	ok(!sp && e.code == AL_EIO, "a missing model");
	return done_testing();
}
