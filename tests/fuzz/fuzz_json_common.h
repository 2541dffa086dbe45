/* fuzz_json_common.h: run one dataset reader over fuzz input as a loose member
 * (shared by fuzz_glue.c and the fuzz_json_*.c targets). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "datasets/ds.h"

static int touch(void *ctx, const al_record *r, al_err *e)
{
	(void)e;
	size_t *n = ctx;
	*n += strlen(r->id) + (r->split ? strlen(r->split) : 0);
	for (int i = 0; i < r->ninputs; i++)
		*n += r->input[i] ? strlen(r->input[i]) : 0;
	for (int i = 0; i < r->ntargets; i++)
		*n += strlen(r->targets[i]);
	return 0;
}

/* The first byte picks the member and skip_bad; the rest is its text. */
static int fuzz_one(const char *dataset, const char *const *names, int nnames,
		    const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	al_ds_opts o = {.no_images = 1, .skip_bad = data[0] & 1};
	al_err e = {0};
	al_ds *ds = al_ds_new(dataset, &o, &e);
	if (!ds)
		__builtin_trap();
	size_t n = 0;
	int rc = al_ds_run_mem(ds, names[(data[0] >> 1) % nnames], data + 1, size - 1,
			       touch, &n, &e);
	if (rc < 0 && !e.msg[0])
		__builtin_trap();   /* a failure must always say why */
	al_ds_free(ds);
	return 0;
}
