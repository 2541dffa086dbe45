/* test_json.c: the JSON reader (streamed pieces and whole values) and the
 * writer.  Expected texts are worked by hand from RFC 8259 and Python's
 * json.dumps layout; the writer's output is also read back by Python's json
 * module (/usr/bin/python3) and compared with the values written. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/json_read.h"
#include "lib/json_write.h"
#include "tests/tap.h"

typedef struct seen {
	char log[2048];
} seen;

static int on_piece(void *ctx, const char *key, long idx, const al_jnode *n, al_err *e)
{
	seen *s = ctx;
	size_t l = strlen(s->log);
	const char *v = n->type == AL_J_OBJ ? (al_jstr(n, "q") ? al_jstr(n, "q") : "{}")
			: n->type == AL_J_ARR ? "[]" : n->s ? n->s : "null";
	snprintf(s->log + l, sizeof s->log - l, "%s[%ld]=%s;", key, idx, v);
	if (strcmp(v, "stop") == 0)
		return al_err_set(e, AL_EFORMAT, "told to stop");
	return 0;
}

static int parse(const char *text, size_t chunk, seen *s, al_err *e)
{
	memset(s, 0, sizeof *s);
	al_jstream *j = al_jstream_new("t.json", on_piece, s);
	size_t n = strlen(text);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i += chunk)
		rc = al_jstream_feed(j, text + i, n - i < chunk ? n - i : chunk, e);
	if (rc == 0)
		rc = al_jstream_finish(j, e);
	al_jstream_free(j);
	return rc;
}

static void test_jstream(void)
{
	const char *doc = "{\"info\": {\"q\": \"x\"}, \"n\": 0.10, \"data\": [{\"q\": \"a\\u00e9\", "
			  "\"deep\": [[1, {\"z\": null}]]}, 7, \"s\", [], true], \"t\": null}";
	seen s;
	al_err e = {0};
	for (size_t chunk = 1; chunk <= 64; chunk *= 4) {
		int rc = parse(doc, chunk, &s, &e);
		is_int(rc, 0, "pieces parse in chunks of %zu", chunk);
		is_str(s.log, "info[-1]=x;n[-1]=0.10;data[0]=a\xc3\xa9;data[1]=7;data[2]=s;"
		       "data[3]=[];data[4]=true;t[-1]=null;", "pieces of chunk %zu: keys, "
		       "indices, raw numbers, unescaped strings", chunk);
	}
	const char *bad = "{\"a\": [1, 2,, 3]}";
	int rc = parse(bad, 100, &s, &e);
	ok(rc == AL_EFORMAT && strstr(e.msg, "'t.json': byte 1") &&
	   strstr(e.msg, "malformed JSON"), "malformed JSON: file and byte offset (%s)", e.msg);
	rc = parse("{\"a\": [1, 2", 100, &s, &e);
	ok(rc == AL_EFORMAT && strstr(e.msg, "byte 11: malformed JSON: the document is truncated"),
	   "truncated JSON: the offset is the end (%s)", e.msg);
	rc = parse("[1, 2]", 100, &s, &e);
	ok(rc == AL_EFORMAT && strstr(e.msg, "expected a JSON object at the top"),
	   "a top-level array is refused");
	rc = parse("", 100, &s, &e);
	ok(rc == AL_EFORMAT && strstr(e.msg, "empty"), "an empty document is refused");
	rc = parse("{\"d\": [\"ok\", \"stop\", \"never\"]}", 3, &s, &e);
	ok(rc == AL_EFORMAT && strcmp(e.msg, "told to stop") == 0 &&
	   strcmp(s.log, "d[0]=ok;d[1]=stop;") == 0, "a handler's error stops the parse");
	char deep[2000] = "{\"a\": ";
	for (int i = 0; i < 300; i++)
		strcat(deep, "[");
	rc = parse(deep, 100, &s, &e);
	ok(rc == AL_ELIMIT && strstr(e.msg, "deeper"), "nesting beyond 256 levels is refused");
	rc = parse("{\"a\": \"\xff\"}", 100, &s, &e);
	ok(rc == AL_EFORMAT, "invalid UTF-8 in a string is malformed JSON");
}

static void test_parse(void)
{
	al_jnode *v;
	al_err e = {0};
	const char *doc = "[1, \"a\\\"b\\\\c\\u00e9\", {\"k\": [true, null], \"n\": -0.5e3}]";
	is_int(al_json_parse("d.json", doc, strlen(doc), 0, &v, &e), 0, "a top-level array parses whole");
	ok(v->type == AL_J_ARR && v->n == 3 && v->kid[0].type == AL_J_NUM &&
	   strcmp(v->kid[0].s, "1") == 0, "its first item: the number 1");
	is_str(v->kid[1].s, "a\"b\\c\xc3\xa9", "escapes are decoded, \\u00e9 to UTF-8");
	is_int((int)v->kid[1].len, 7, "the string's byte length");
	const al_jnode *k = al_jget(&v->kid[2], "k");
	ok(k && k->type == AL_J_ARR && k->n == 2 && k->kid[0].type == AL_J_BOOL &&
	   k->kid[1].type == AL_J_NULL, "a nested object's members");
	const al_jnode *n = al_jget(&v->kid[2], "n");
	ok(n && n->type == AL_J_NUM && strcmp(n->s, "-0.5e3") == 0, "numbers keep their digits");
	al_jnode_free(v);
	is_int(al_json_parse(NULL, "\"x\"", 3, 0, &v, &e), 0, "a top-level string parses");
	ok(v->type == AL_J_STR && strcmp(v->s, "x") == 0, "its text");
	al_jnode_free(v);
	is_int(al_json_parse(NULL, "{\"a\": 1} {}", 11, 0, &v, &e), AL_EFORMAT,
	       "two values are refused");
	ok(v == NULL && strncmp(e.msg, "byte ", 5) == 0 && strstr(e.msg, "malformed JSON"),
	   "without a name the message starts at the byte (%s)", e.msg);
	is_int(al_json_parse("x.json", "{\"a\": ", 6, 0, &v, &e), AL_EFORMAT, "truncated");
	has_str(e.msg, "'x.json': byte 6: malformed JSON: the document is truncated",
		"truncated: named, at the end");
	is_int(al_json_parse(NULL, "", 0, 0, &v, &e), AL_EFORMAT, "empty is refused");
	const char *c = "{\"a\": /* note */ 1}";
	is_int(al_json_parse(NULL, c, strlen(c), 0, &v, &e), AL_EFORMAT,
	       "comments are refused by default");
	is_int(al_json_parse(NULL, c, strlen(c), AL_JSON_COMMENTS, &v, &e), 0,
	       "and taken with AL_JSON_COMMENTS");
	al_jnode_free(v);
	char deep[700] = "";
	for (int i = 0; i < 300; i++)
		strcat(deep, "[");
	is_int(al_json_parse(NULL, deep, strlen(deep), 0, &v, &e), AL_ELIMIT,
	       "nesting beyond 256 levels is refused whole too");
	is_int(al_json_parse(NULL, "\"\xc3\"", 3, 0, &v, &e), AL_EFORMAT, "invalid UTF-8 is refused");
}

static void test_jparser(void)
{
	al_jparser *p = al_jparser_new(AL_JSON_COMMENTS);
	al_err e = {0};
	const al_jnode *v;
	char line[200];
	int good = 1;
	for (int i = 0; i < 2000; i++) {   /* past its first block, and reused */
		snprintf(line, sizeof line, "{\"id\": \"%d\", /* c */ \"refs\": [\"a%d\", \"b\", "
			 "\"c\", \"d\", \"e\", \"f\"], \"n\": %d.5}", i, i, i);
		char want[32];
		snprintf(want, sizeof want, "a%d", i);
		good &= al_jparser_parse(p, NULL, line, strlen(line), &v, &e) == 0 &&
			v->type == AL_J_OBJ && v->n == 3 && al_jget(v, "refs")->n == 6 &&
			strcmp(al_jget(v, "refs")->kid[0].s, want) == 0 &&
			strtod(al_jget(v, "n")->s, NULL) == i + 0.5;
	}
	ok(good, "2000 values parsed by one parser, comments allowed");
	is_int(al_jparser_parse(p, "l.jsonl", "{\"a\": [1,", 9, &v, &e), AL_EFORMAT,
	       "a bad value after good ones");
	has_str(e.msg, "'l.jsonl': byte 9: malformed JSON", "named as al_json_parse names it");
	is_int(al_jparser_parse(p, NULL, "[true]", 6, &v, &e), 0, "and the parser goes on");
	ok(v->type == AL_J_ARR && v->n == 1 && v->kid[0].type == AL_J_BOOL, "with the next value");
	al_jparser_free(p);
}

/* s, written by a builder holding one string */
static char *one_string(const char *s, size_t n, al_err *e)
{
	al_json *j = al_json_new();
	al_json_strn(j, s, n);
	char *r = al_json_done(j, e);
	al_json_free(j);
	return r;
}

static void test_write(void)
{
	al_err e = {0};
	al_json *j = al_json_new();
	al_json_obj_open(j);
	al_json_key(j, "method"); al_json_str(j, "adalink");
	al_json_key(j, "rank"); al_json_int(j, 64);
	al_json_key(j, "activation"); al_json_str(j, "none");
	al_json_key(j, "modalities"); al_json_str(j, "text");
	al_json_key(j, "per_task"); al_json_bool(j, 0);
	al_json_key(j, "dropout"); al_json_float(j, 0.1f);
	al_json_key(j, "seed"); al_json_int(j, 0);
	al_json_key(j, "backbone_sha256"); al_json_str(j, NULL);
	al_json_key(j, "list"); al_json_arr_open(j); al_json_num(j, 0.1); al_json_num(j, 1e21);
	al_json_num(j, -2.5); al_json_null(j); al_json_bool(j, 7); al_json_arr_close(j);
	al_json_obj_close(j);
	char *s = al_json_done(j, &e);
	is_str(s, "{\"method\": \"adalink\", \"rank\": 64, \"activation\": \"none\", "
	       "\"modalities\": \"text\", \"per_task\": false, \"dropout\": 0.1, \"seed\": 0, "
	       "\"backbone_sha256\": null, \"list\": [0.1, 1e+21, -2.5, null, true]}",
	       "an object in json.dumps' layout; the shortest numbers");
	free(s);
	al_json_free(j);

	/* escaping, by hand from RFC 8259: '"' and '\\' escaped, control
	 * characters as their short forms or \u00XX, '/' and UTF-8 as they are */
	s = one_string("q\"b\\s/\n\t\x01\x1f" "\xc3\xa9\xe2\x82\xac\xf0\x9f\x8d\xb0", 19, &e);
	is_str(s, "\"q\\\"b\\\\s/\\n\\t\\u0001\\u001F\xc3\xa9\xe2\x82\xac\xf0\x9f\x8d\xb0\"",
	       "quotes, backslashes and control characters escaped; UTF-8 kept");
	free(s);
	s = one_string("a\0b", 3, &e);
	is_str(s, "\"a\\u0000b\"", "a NUL inside a counted string is escaped");
	free(s);
	s = one_string("\xc3(", 2, &e);
	ok(!s && e.code == AL_EFORMAT && strstr(e.msg, "UTF-8"), "invalid UTF-8 is refused (%s)", e.msg);
	s = one_string("a, b: c", 7, &e);
	is_str(s, "\"a, b: c\"", "commas and colons inside strings get no space");
	free(s);

	j = al_json_new();
	al_json_obj_open(j);
	al_json_key(j, "x");
	ok(al_json_num(j, 0.0 / 0.0) == AL_ENUMERIC, "NaN is refused");
	ok(al_json_int(j, 1) == AL_ENUMERIC, "and the failure sticks");
	ok(!al_json_done(j, &e) && e.code == AL_ENUMERIC, "al_json_done reports it (%s)", e.msg);
	al_json_free(j);
	j = al_json_new();
	al_json_obj_open(j);
	ok(!al_json_done(j, &e) && e.code == AL_EINVAL, "an open object is an error (%s)", e.msg);
	al_json_free(j);
	j = al_json_new();
	al_json_obj_open(j);
	ok(al_json_int(j, 3) == AL_EINVAL, "a number where a key is due is an error");
	al_json_free(j);
	j = al_json_new();
	ok(!al_json_done(j, &e) && e.code == AL_EINVAL, "nothing written is an error");
	al_json_free(j);

	j = al_json_new();
	al_json_arr_open(j);
	al_json_raw(j, "{\"a\":[1,2.50],\"b\" : \"c\"}");
	al_json_raw(j, "7");
	al_json_arr_close(j);
	s = al_json_done(j, &e);
	is_str(s, "[{\"a\": [1, 2.50], \"b\": \"c\"}, 7]", "raw values spliced, laid out, digits kept");
	free(s);
	al_json_free(j);
	j = al_json_new();
	ok(al_json_raw(j, "{\"a\":") == AL_EFORMAT, "raw text that is not JSON is refused");
	al_json_free(j);
}

static void test_merge(void)
{
	al_err e = {0};
	char *s = al_json_obj_merge("{\"method\": \"lora\", \"rank\": 8}",
				    "{\"lr\": 0.001, \"rank\": 4, \"t\": [1]}", &e);
	is_str(s, "{\"method\": \"lora\", \"rank\": 4, \"lr\": 0.001, \"t\": [1]}",
	       "a's keys, then b's new ones; b's value for a shared key");
	free(s);
	s = al_json_obj_merge(NULL, "{\"a\": 1}", &e);
	is_str(s, "{\"a\": 1}", "NULL is {}");
	free(s);
	s = al_json_obj_merge("{}", "", &e);
	is_str(s, "{}", "two empty objects");
	free(s);
	s = al_json_obj_merge("[1]", "{}", &e);
	ok(!s && e.code == AL_EFORMAT && strstr(e.msg, "first object: expected a JSON object"),
	   "a non-object is refused (%s)", e.msg);
	s = al_json_obj_merge("{}", "{\"a\"", &e);
	ok(!s && e.code == AL_EFORMAT && strstr(e.msg, "second object"), "so is bad JSON (%s)", e.msg);
}

/* The writer's text read by Python's json module equals the values. */
static void test_python(void)
{
	if (access("/usr/bin/python3", X_OK) != 0) {
		ok(1, "# SKIP no /usr/bin/python3");
		return;
	}
	al_err e = {0};
	al_json *j = al_json_new();
	al_json_obj_open(j);
	al_json_key(j, "s\"k");
	al_json_str(j, "q\"b\\s/\n\r\b\f\t\x01\x1f\x7f \xc3\xa9\xe2\x82\xac\xf0\x9f\x8d\xb0");
	al_json_key(j, "n");
	al_json_arr_open(j);
	al_json_num(j, 0.1); al_json_num(j, 1.0 / 3); al_json_num(j, 1e300); al_json_num(j, -0.0);
	al_json_float(j, 0.1f); al_json_int(j, -9007199254740993LL);
	al_json_arr_close(j);
	al_json_key(j, "o"); al_json_obj_open(j); al_json_key(j, "t"); al_json_bool(j, 1);
	al_json_key(j, "z"); al_json_null(j); al_json_obj_close(j);
	al_json_obj_close(j);
	char *s = al_json_done(j, &e);
	al_json_free(j);
	char path[256];
	snprintf(path, sizeof path, "%s/al-json.%d", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
		 (int)getpid());
	FILE *f = fopen(path, "w");
	ok(f && s && fputs(s, f) >= 0 && fclose(f) == 0, "the document written");
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c 'import json, sys\n"
		 "t = open(sys.argv[1], encoding=\"utf-8\").read()\n"
		 "want = {\"s\\\"k\": \"q\\\"b\\\\s/\\n\\r\\b\\f\\t\\x01\\x1f\\x7f \\u00e9\\u20ac\\U0001f370\",\n"
		 " \"n\": [0.1, 1/3, 1e300, -0.0, 0.1,"
		 " -9007199254740993],\n"
		 " \"o\": {\"t\": True, \"z\": None}}\n"
		 "v = json.loads(t)\n"
		 "assert v == want, (v, want)\n"
		 "assert repr(v[\"n\"][3]) == \"-0.0\"\n"
		 "assert json.loads(json.dumps(want, ensure_ascii=False)) == v\n"
		 "assert t == json.dumps(want, ensure_ascii=False).replace(\"\\\\u001f\", \"\\\\u001F\"), t\n' %s", path);
	is_int(system(cmd), 0, "Python's json reads the same values, and writes the same text");
	unlink(path);
	free(s);
}

int main(void)
{
	test_jstream();
	test_parse();
	test_jparser();
	test_write();
	test_merge();
	test_python();
	return done_testing();
}
