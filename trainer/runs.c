/* runs.c: training runs read back from the catalog. */
#include "runs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

int al_json_members(const char *json, void (*fn)(const char *, const char *, void *),
		    void *arg, al_err *e)
{
	char ebuf[128];
	yajl_val root = json ? yajl_tree_parse(json, ebuf, sizeof ebuf) : NULL;
	if (!root || !YAJL_IS_OBJECT(root)) {
		yajl_tree_free(root);
		return al_err_set(e, AL_EFORMAT, "not a JSON object: %.60s", json ? json : "(null)");
	}
	for (size_t i = 0; i < root->u.object.len; i++) {
		yajl_val v = root->u.object.values[i];
		const char *t = YAJL_IS_STRING(v) ? v->u.string : YAJL_IS_NUMBER(v) ? v->u.number.r
			: YAJL_IS_TRUE(v) ? "true" : YAJL_IS_FALSE(v) ? "false"
			: YAJL_IS_NULL(v) ? "null" : "(structure)";
		fn(root->u.object.keys[i], t, arg);
	}
	yajl_tree_free(root);
	return 0;
}
