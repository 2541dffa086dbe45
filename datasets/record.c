/* record.c: records as JSON lines through yajl_gen. */
#include "record.h"

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

struct al_recw {
	FILE *out;
	yajl_gen g;
};

int al_is_int_text(const char *s)
{
	if (!s)
		return 0;
	if (*s == '-')
		s++;
	size_t n = strlen(s);
	if (n == 0 || n > 15 || (s[0] == '0' && n > 1))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

al_recw *al_recw_new(FILE *out)
{
	al_recw *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->out = out;
	if (!(w->g = yajl_gen_alloc(NULL))) {
		free(w);
		return NULL;
	}
	yajl_gen_config(w->g, yajl_gen_validate_utf8, 1);
	return w;
}

static int key(yajl_gen g, const char *k)
{
	return yajl_gen_string(g, (const unsigned char *)k, strlen(k));
}

static int str(yajl_gen g, const char *s)
{
	if (!s)
		return yajl_gen_null(g);
	return yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

#define GEN(call, field) do { \
	if ((call) != yajl_gen_status_ok) { bad = (field); goto fail; } \
} while (0)

int al_recw_write(al_recw *w, const al_record *r, al_err *e)
{
	yajl_gen g = w->g;
	const char *bad = NULL;
	yajl_gen_reset(g, NULL);
	yajl_gen_clear(g);
	GEN(yajl_gen_map_open(g), "record");
	GEN(key(g, "dataset"), "dataset");
	GEN(str(g, r->dataset), "dataset");
	GEN(key(g, "split"), "split");
	GEN(str(g, r->split), "split");
	GEN(key(g, "id"), "id");
	if (al_is_int_text(r->id))
		GEN(yajl_gen_number(g, r->id, strlen(r->id)), "id");
	else
		GEN(str(g, r->id), "id");
	GEN(key(g, "task"), "task");
	GEN(str(g, r->task), "task");
	GEN(key(g, "image"), "image");
	GEN(str(g, r->image), "image");
	GEN(key(g, "inputs"), "inputs");
	GEN(yajl_gen_map_open(g), "inputs");
	for (int i = 0; i < r->ninputs; i++) {
		GEN(key(g, r->input_name[i]), r->input_name[i]);
		GEN(str(g, r->input[i]), r->input_name[i]);
	}
	GEN(yajl_gen_map_close(g), "inputs");
	GEN(key(g, "targets"), "targets");
	GEN(yajl_gen_array_open(g), "targets");
	for (int i = 0; i < r->ntargets; i++)
		GEN(str(g, r->targets[i]), "targets");
	GEN(yajl_gen_array_close(g), "targets");
	if (r->has_label) {
		GEN(key(g, "label"), "label");
		if (r->label)
			GEN(yajl_gen_number(g, r->label, strlen(r->label)), "label");
		else
			GEN(yajl_gen_null(g), "label");
	}
	GEN(yajl_gen_map_close(g), "record");
	const unsigned char *buf;
	size_t len;
	yajl_gen_get_buf(g, &buf, &len);
	if (fwrite(buf, 1, len, w->out) != len || putc('\n', w->out) == EOF)
		return al_err_errno(e, AL_EIO, "unable to write the records");
	return 0;
fail:
	return al_err_set(e, AL_EFORMAT, "%s: record %s: field '%s' is not valid UTF-8",
			  r->where ? r->where : "-", r->id ? r->id : "?", bad);
}

void al_recw_free(al_recw *w)
{
	if (!w)
		return;
	yajl_gen_free(w->g);
	free(w);
}
