/* test_spm_model.c: reading SentencePiece model files: the T5 model (field
 * values as Debian's protobuf-free dump and spm_export_vocab show them),
 * hand-encoded protobuf, and malformed or truncated files. */
#include <string.h>

#include "pipeline/spm_model.h"
#include "tests/tap.h"

static const char *tdata(const char *rel)
{
	static char buf[4096];
	const char *d = getenv("TESTDATA");
	snprintf(buf, sizeof buf, "%s/%s", d ? d : "tests/data", rel);
	return buf;
}

static int streq(al_spm_str s, const char *want)
{
	return s.len == strlen(want) && memcmp(s.s, want, s.len) == 0;
}

static int parse_fails(const char *bytes, size_t n, const char *needle)
{
	al_err e = {0};
	al_spm_model *m = al_spm_model_parse(bytes, n, "x.model", &e);
	int ok_ = !m && e.code == AL_EFORMAT && strstr(e.msg, needle) &&
		  strstr(e.msg, "'x.model'");
	if (!ok_)
		printf("#   message: %s\n", e.msg);
	al_spm_model_free(m);
	return ok_;
}

int main(void)
{
	al_err e = {0};
	al_spm_model *m = al_spm_model_load(tdata("spm/t5_spiece.model"), &e);
	ok(m != NULL, "the T5 model loads (%s)", e.msg);
	if (m) {
		is_int(m->npieces, 32000, "T5 has 32000 pieces");
		ok(m->pieces[0].len == 5 && !memcmp(m->pieces[0].str, "<pad>", 5),
		   "piece 0 is <pad>");
		is_int(m->pieces[0].type, AL_SPM_CONTROL, "<pad> is a control piece");
		is_int(m->pieces[2].type, AL_SPM_UNKNOWN, "piece 2 is the unknown piece");
		ok(m->pieces[8774].len == 8 && !memcmp(m->pieces[8774].str, "\xe2\x96\x81Hello", 8),
		   "piece 8774 is '\xe2\x96\x81Hello'");
		is_int(m->model_type, AL_SPM_UNIGRAM, "unigram");
		is_int(m->unk_id, 2, "unk_id 2");
		is_int(m->bos_id, -1, "bos_id -1 (a negative int32 varint)");
		is_int(m->eos_id, 1, "eos_id 1");
		is_int(m->pad_id, 0, "pad_id 0");
		is_int(m->byte_fallback, 0, "no byte fallback");
		ok(streq(m->norm.name, "nmt_nfkc"), "normalizer nmt_nfkc");
		is_int(m->norm.charsmap.len, 237539, "charsmap of 237539 bytes");
		is_int(m->norm.add_dummy_prefix, 1, "add_dummy_prefix");
		is_int(m->norm.escape_whitespaces, 1, "escape_whitespaces defaults to 1");
		ok(streq(m->unk_surface, " \xe2\x81\x87 "), "unk_surface ' \xe2\x81\x87 '");
		is_int(m->denorm.present, 0, "no denormalizer");
	}
	al_spm_model_free(m);

	/* Hand-encoded: two pieces, a trainer spec with model_type 2 (BPE),
	 * byte_fallback (field 35), an unknown field (99, fixed64) to skip,
	 * and a normalizer spec with add_dummy_prefix false. */
	static const char good[] =
		"\x0a\x0e\x0a\x05<unk>\x15\x00\x00\x00\x00\x18\x02"     /* piece <unk> */
		"\x0a\x08\x0a\x01" "a\x15\x00\x00\x80\xbf"               /* piece a, -1.0 */
		"\x12\x0f\x18\x02\x98\x02\x01\x99\x06\x01\x02\x03\x04\x05\x06\x07\x08"
		"\x1a\x02\x18\x00";
	m = al_spm_model_parse(good, sizeof good - 1, "x.model", &e);
	ok(m != NULL, "a hand-encoded model parses (%s)", e.msg);
	if (m) {
		is_int(m->npieces, 2, "two pieces");
		is_dbl(m->pieces[1].score, -1.0, 0, "score -1 from fixed32");
		is_int(m->pieces[1].type, AL_SPM_NORMAL, "type defaults to normal");
		is_int(m->model_type, AL_SPM_BPE, "model_type 2");
		is_int(m->byte_fallback, 1, "field 35 is byte_fallback");
		is_int(m->norm.add_dummy_prefix, 0, "add_dummy_prefix false");
		is_int(m->norm.remove_extra_whitespaces, 1, "remove_extra_whitespaces default");
		is_int(m->eos_id, 2, "eos_id default 2");
	}
	al_spm_model_free(m);

	ok(parse_fails(good, 10, "runs past the end"), "cut inside a piece");
	ok(parse_fails(good, 26, "truncated"), "cut between pieces: no trainer_spec");
	ok(parse_fails("\x0a\x80", 2, "varint"), "a varint that does not end");
	ok(parse_fails("\x0b\x00", 2, "wire type"), "a group (wire type 3)");
	ok(parse_fails("\x0a\x03\x18\x09\x00\x12\x00", 7, "piece type 9"), "piece type 9");
	ok(parse_fails("\x0d\x00\x00\x00\x00\x12\x00", 7, "expected a length-delimited"),
	   "pieces with the wrong wire type");
	ok(parse_fails("", 0, "no pieces"), "an empty file");
	ok(parse_fails("\x12\x00", 2, "no pieces"), "no pieces at all");
	m = al_spm_model_load(tdata("spm/no-such.model"), &e);
	ok(!m && e.code == AL_EIO, "a missing file is AL_EIO");
	return done_testing();
}
