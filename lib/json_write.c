/* json_write.c: the JSON builder over yajl_gen (see json_write.h). */
#include "json_write.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "json_read.h"

struct al_json {
	yajl_gen g;
	int code;            /* the first failure, sticky */
	char why[sizeof ((al_err *)0)->msg];   /* its message */
	int wrote;           /* something has been written */
};

static int fail(al_json *j, int code, const char *why)
{
	j->code = code;
	snprintf(j->why, sizeof j->why, "%s", why);
	return code;
}

al_json *al_json_new(void)
{
	al_json *j = calloc(1, sizeof *j);
	if (!j)
		return NULL;
	if (!(j->g = yajl_gen_alloc(NULL))) {
		free(j);
		return NULL;
	}
	yajl_gen_config(j->g, yajl_gen_validate_utf8, 1);
	return j;
}

void al_json_free(al_json *j)
{
	if (!j)
		return;
	yajl_gen_free(j->g);
	free(j);
}

/* Record yajl's status: the first failure sticks. */
static int check(al_json *j, yajl_gen_status st)
{
	if (j->code)
		return j->code;
	j->wrote = 1;
	if (st == yajl_gen_status_ok)
		return 0;
	if (st == yajl_gen_invalid_string)
		return fail(j, AL_EFORMAT, "a JSON string must be valid UTF-8");
	return fail(j, AL_EINVAL, "JSON built out of order: a value where a key is due, "
		    "a close without an open, or a second document");
}

int al_json_obj_open(al_json *j)
{
	return j->code ? j->code : check(j, yajl_gen_map_open(j->g));
}

int al_json_obj_close(al_json *j)
{
	return j->code ? j->code : check(j, yajl_gen_map_close(j->g));
}

int al_json_arr_open(al_json *j)
{
	return j->code ? j->code : check(j, yajl_gen_array_open(j->g));
}

int al_json_arr_close(al_json *j)
{
	return j->code ? j->code : check(j, yajl_gen_array_close(j->g));
}

int al_json_strn(al_json *j, const char *s, size_t n)
{
	if (j->code)
		return j->code;
	return check(j, yajl_gen_string(j->g, (const unsigned char *)(n ? s : ""), n));
}

int al_json_str(al_json *j, const char *s)
{
	return s ? al_json_strn(j, s, strlen(s)) : al_json_null(j);
}

int al_json_key(al_json *j, const char *k)
{
	/* yajl tells a key from a string value by where it comes */
	return al_json_strn(j, k, strlen(k));
}

/* A number's text as it is. */
static int number(al_json *j, const char *t, size_t n)
{
	return j->code ? j->code : check(j, yajl_gen_number(j->g, t, n));
}

int al_json_num(al_json *j, double v)
{
	if (j->code)
		return j->code;
	if (!isfinite(v))
		return fail(j, AL_ENUMERIC, "JSON has no number for NaN or infinity");
	char t[40];
	if (v == 0 && signbit(v))
		return number(j, "-0.0", 4);   /* "-0" would read back as the integer 0 */
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(t, sizeof t, "%.*g", prec, v);
		if (strtod(t, NULL) == v)
			break;
	}
	return number(j, t, strlen(t));
}

int al_json_float(al_json *j, float v)
{
	if (j->code)
		return j->code;
	if (!isfinite(v))
		return fail(j, AL_ENUMERIC, "JSON has no number for NaN or infinity");
	char t[40];
	if (v == 0 && signbit(v))
		return number(j, "-0.0", 4);
	for (int prec = 1; prec <= 9; prec++) {
		snprintf(t, sizeof t, "%.*g", prec, (double)v);
		if (strtof(t, NULL) == v)
			break;
	}
	return number(j, t, strlen(t));
}

int al_json_int(al_json *j, long long v)
{
	char t[32];
	int n = snprintf(t, sizeof t, "%lld", v);
	return number(j, t, (size_t)n);
}

int al_json_bool(al_json *j, int b)
{
	return j->code ? j->code : check(j, yajl_gen_bool(j->g, b != 0));
}

int al_json_null(al_json *j)
{
	return j->code ? j->code : check(j, yajl_gen_null(j->g));
}

/* Write a parsed value again. */
static int node(al_json *j, const al_jnode *n)
{
	switch (n->type) {
	case AL_J_NULL: return al_json_null(j);
	case AL_J_BOOL: return al_json_bool(j, n->s[0] == 't');
	case AL_J_NUM: return number(j, n->s, n->len);
	case AL_J_STR: return al_json_strn(j, n->s, n->len);
	case AL_J_ARR:
		al_json_arr_open(j);
		for (size_t i = 0; i < n->n; i++)
			node(j, &n->kid[i]);
		return al_json_arr_close(j);
	default:
		al_json_obj_open(j);
		for (size_t i = 0; i < n->n; i++) {
			al_json_key(j, n->kid[i].key);
			node(j, &n->kid[i]);
		}
		return al_json_obj_close(j);
	}
}

int al_json_raw(al_json *j, const char *text)
{
	if (j->code)
		return j->code;
	al_jnode *v;
	al_err e;
	int rc = al_json_parse(NULL, text, strlen(text), 0, &v, &e);
	if (rc < 0)
		return fail(j, rc, e.msg);
	rc = node(j, v);
	al_jnode_free(v);
	return rc;
}

char *al_json_done(al_json *j, al_err *e)
{
	const unsigned char *buf;
	size_t len;
	if (!j->code && !j->wrote)
		fail(j, AL_EINVAL, "no JSON value was written");
	/* a document is complete when yajl takes no further value */
	if (!j->code && yajl_gen_null(j->g) != yajl_gen_generation_complete)
		fail(j, AL_EINVAL, "JSON left unfinished: a container open or a key "
		     "without its value");
	if (!j->code && yajl_gen_get_buf(j->g, &buf, &len) != yajl_gen_status_ok)
		fail(j, AL_ENOMEM, "out of memory");
	if (j->code) {
		al_err_set(e, j->code, "%s", j->why);
		return NULL;
	}
	/* yajl writes no whitespace: add Python's ", " and ": " outside strings */
	size_t extra = 0;
	int in = 0;
	for (size_t i = 0; i < len; i++) {
		if (in && buf[i] == '\\')
			i++;
		else if (buf[i] == '"')
			in = !in;
		else if (!in && (buf[i] == ',' || buf[i] == ':'))
			extra++;
	}
	char *out = malloc(len + extra + 1), *o = out;
	if (!out) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	in = 0;
	for (size_t i = 0; i < len; i++) {
		*o++ = (char)buf[i];
		if (in && buf[i] == '\\')
			*o++ = (char)buf[++i];
		else if (buf[i] == '"')
			in = !in;
		else if (!in && (buf[i] == ',' || buf[i] == ':'))
			*o++ = ' ';
	}
	*o = 0;
	return out;
}

/* The object a parsed from text (NULL or "" as {}); AL_EFORMAT naming
 * which if it is not one. */
static int parse_obj(const char *text, const char *which, al_jnode **out, al_err *e)
{
	*out = NULL;
	if (!text || !*text)
		text = "{}";
	int rc = al_json_parse(NULL, text, strlen(text), 0, out, e);
	if (rc < 0)
		return al_err_wrap(e, "%s", which);
	if ((*out)->type != AL_J_OBJ) {
		al_jnode_free(*out);
		*out = NULL;
		return al_err_set(e, AL_EFORMAT, "%s: expected a JSON object", which);
	}
	return 0;
}

char *al_json_obj_merge(const char *a, const char *b, al_err *e)
{
	al_jnode *x, *y = NULL;
	if (parse_obj(a, "the first object", &x, e) < 0 ||
	    parse_obj(b, "the second object", &y, e) < 0) {
		al_jnode_free(x);
		return NULL;
	}
	al_json *j = al_json_new();
	char *r = NULL;
	if (!j) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		goto done;
	}
	al_json_obj_open(j);
	for (size_t i = 0; i < x->n; i++) {
		const al_jnode *v = al_jget(y, x->kid[i].key);
		al_json_key(j, x->kid[i].key);
		node(j, v ? v : &x->kid[i]);
	}
	for (size_t i = 0; i < y->n; i++) {
		if (al_jget(x, y->kid[i].key) || al_jget(y, y->kid[i].key) != &y->kid[i])
			continue;
		al_json_key(j, y->kid[i].key);
		node(j, &y->kid[i]);
	}
	al_json_obj_close(j);
	r = al_json_done(j, e);
done:
	al_json_free(j);
	al_jnode_free(x);
	al_jnode_free(y);
	return r;
}
