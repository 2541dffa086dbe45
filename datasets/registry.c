/* registry.c: the datasets adalink ingest knows, by name. */
#include <string.h>

#include "family.h"

static const al_family *const table[] = {
	&al_fam_coco, &al_fam_karpathy, &al_fam_textcaps, &al_fam_vqav2,
	&al_fam_okvqa, &al_fam_textvqa, &al_fam_stvqa, &al_fam_docvqa,
	&al_fam_glue, &al_fam_text, NULL,
};

const al_family *al_family_find(const char *name)
{
	for (int i = 0; table[i]; i++)
		if (strcmp(table[i]->name, name) == 0)
			return table[i];
	return NULL;
}

const char *al_ds_list(int i, const char **summary, const char **expects)
{
	if (i < 0 || (size_t)i >= sizeof table / sizeof *table - 1)
		return NULL;
	if (summary)
		*summary = table[i]->summary;
	if (expects)
		*expects = table[i]->expects;
	return table[i]->name;
}
