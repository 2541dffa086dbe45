/* runs.c: training runs read back from the catalog. */
#include "runs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json_read.h"

int al_json_members(const char *json, void (*fn)(const char *, const char *, void *),
		    void *arg, al_err *e)
{
	al_jnode *root = NULL;
	al_err pe = {0};
	if (!json || al_json_parse(NULL, json, strlen(json), 0, &root, &pe) < 0 ||
	    root->type != AL_J_OBJ) {
		al_jnode_free(root);
		return al_err_set(e, AL_EFORMAT, "not a JSON object: %.60s", json ? json : "(null)");
	}
	for (size_t i = 0; i < root->n; i++) {
		const al_jnode *v = &root->kid[i];
		const char *t = v->type == AL_J_STR || v->type == AL_J_NUM || v->type == AL_J_BOOL
			? v->s : v->type == AL_J_NULL ? "null" : "(structure)";
		fn(v->key, t, arg);
	}
	al_jnode_free(root);
	return 0;
}
