/* coco.c: COCO captions (annotations/captions_{train,val}2014.json) and
 * the Karpathy split (dataset_coco.json), with the train2014/val2014
 * images.  One record per image: its id, every reference caption. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "family.h"

/* Captions seen in one file, attached to their images at its end (the
 * official files put "images" before "annotations", but JSON objects have
 * no order, so nothing relies on it). */
typedef struct cap {
	const char *image_id, *caption;
	long idx;        /* its place in "annotations" */
} cap;

typedef struct coco_file {
	al_ds *ds;
	const char *name, *split;
	al_strmap *ids;         /* image id -> item */
	cap *caps;
	size_t ncaps, capcap;
	size_t first_item;
	long nimages, nannots;   /* elements seen in "images", "annotations" */
} coco_file;

static int bad_field(al_ds *ds, al_err *e, const char *name, const char *key,
		     long idx, const char *field, const char *want)
{
	return al_ds_bad(ds, e, AL_EFORMAT, "'%s': %s[%ld]: field '%s' is missing "
			 "or not %s", name, key, idx, field, want);
}

/* The text of a number or string id field, or NULL. */
static const char *id_text(const al_jnode *obj, const char *key)
{
	const al_jnode *n = al_jget(obj, key);
	if (!n || (n->type != AL_J_NUM && n->type != AL_J_STR) || !n->len)
		return NULL;
	return n->s;
}

/* The official files' big members are arrays: key's value n, which the
 * stream hands over whole when it is not one, is an error naming its type. */
static int not_array(const char *name, const char *key, const al_jnode *n, al_err *e)
{
	static const char *const what[] = {"null", "a boolean", "a number", "a string",
					   "an array", "an object"};
	return al_err_set(e, AL_EFORMAT, "'%s': \"%s\" must be an array, not %s", name,
			  key, what[n->type]);
}

/* A required array that held no element (absent or empty): an error. */
static int required(const char *name, const char *key, long count, al_err *e)
{
	if (count > 0)
		return 0;
	return al_err_set(e, AL_EFORMAT, "'%s': no \"%s\" array, or an empty one", name,
			  key);
}

static int coco_piece(void *ctx, const char *key, long idx, const al_jnode *n,
		      al_err *e)
{
	coco_file *cf = ctx;
	al_ds *ds = cf->ds;
	char where[700];
	int images = strcmp(key, "images") == 0, annots = strcmp(key, "annotations") == 0;
	if (idx < 0)
		return images || annots ? not_array(cf->name, key, n, e) : 0;
	cf->nimages += images;
	cf->nannots += annots;
	if (images) {
		const char *id = id_text(n, "id");
		const char *file = al_jstr(n, "file_name");
		if (!id)
			return bad_field(ds, e, cf->name, key, idx, "id", "a number");
		if (!file)
			return bad_field(ds, e, cf->name, key, idx, "file_name", "a string");
		snprintf(where, sizeof where, "'%s': images[%ld]", cf->name, idx);
		long old;
		int r = al_strmap_put(cf->ids, id, (long)ds->nitems, &old);
		if (r < 0)
			return al_err_set(e, AL_ENOMEM, "out of memory");
		if (r == 0)
			return al_ds_bad(ds, e, AL_EFORMAT, "%s: duplicate image id %s "
					 "(also images[%ld])", where, id,
					 old - (long)cf->first_item);
		const char *slash = strrchr(file, '/');
		al_item it = {.id = id, .split = cf->split, .key = slash ? slash + 1 : file,
			      .image = file, .where = where};
		long i = al_ds_add_item(ds, &it, e);
		return i < 0 ? (int)i : 0;
	}
	if (strcmp(key, "annotations") == 0) {
		const char *img = id_text(n, "image_id");
		const char *text = al_jstr(n, "caption");
		if (!img)
			return bad_field(ds, e, cf->name, key, idx, "image_id", "a number");
		if (!text)
			return bad_field(ds, e, cf->name, key, idx, "caption", "a string");
		if (al_grow((void **)&cf->caps, &cf->capcap, cf->ncaps + 1, sizeof *cf->caps, e) < 0)
			return e->code;
		cap *c = &cf->caps[cf->ncaps];
		c->idx = idx;
		if (!(c->image_id = al_arena_strdup(ds->arena, img)) ||
		    !(c->caption = al_arena_strdup(ds->arena, text)))
			return al_err_set(e, AL_ENOMEM, "out of memory");
		cf->ncaps++;
	}
	return 0;
}

/* Give each image of the file its captions, in file order. */
static int attach(coco_file *cf, al_err *e)
{
	al_ds *ds = cf->ds;
	size_t nimg = ds->nitems - cf->first_item;
	int *count = calloc(nimg + 1, sizeof *count);
	long *owner = malloc((cf->ncaps + 1) * sizeof *owner);
	int rc = 0;
	if (!count || !owner) {
		rc = al_err_set(e, AL_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < cf->ncaps; i++) {
		long it;
		owner[i] = -1;
		if (!al_strmap_get(cf->ids, cf->caps[i].image_id, &it)) {
			if ((rc = al_ds_bad(ds, e, AL_EFORMAT, "'%s': annotations[%ld]: "
					    "image_id %s is not among the file's images",
					    cf->name, cf->caps[i].idx,
					    cf->caps[i].image_id)) < 0)
				goto out;
			continue;
		}
		owner[i] = it;
		count[it - cf->first_item]++;
	}
	for (size_t k = 0; k < nimg; k++) {
		al_item *it = &ds->items[cf->first_item + k];
		if (count[k] && !(it->targets = al_arena_alloc(ds->arena,
							       count[k] * sizeof(char *)))) {
			rc = al_err_set(e, AL_ENOMEM, "out of memory");
			goto out;
		}
	}
	for (size_t i = 0; i < cf->ncaps; i++) {
		if (owner[i] < 0)
			continue;
		al_item *it = &ds->items[owner[i]];
		((const char **)it->targets)[it->ntargets++] = cf->caps[i].caption;
	}
out:
	free(count);
	free(owner);
	return rc;
}

static int coco_is_annot(al_ds *ds, const char *name, const char *base)
{
	(void)ds;
	(void)name;
	return strncmp(base, "captions_", 9) == 0 &&
	       strcmp(base + strlen(base) - 5, ".json") == 0;
}

static int coco_annot(al_ds *ds, al_source *src, const char *name,
		      const char *base, al_err *e)
{
	const char *split = al_split_from_name(base);
	if (!al_ds_want_split(ds, split))
		return 0;
	ds->annots++;
	coco_file cf = {.ds = ds, .name = name, .split = split,
			.first_item = ds->nitems};
	if (!(cf.ids = al_strmap_new()))
		return al_err_set(e, AL_ENOMEM, "out of memory");
	int rc = al_ds_parse_json(ds, src, name, coco_piece, &cf, e);
	if (rc == 0 && (rc = required(name, "images", cf.nimages, e)) == 0)
		rc = required(name, "annotations", cf.nannots, e);
	if (rc == 0)
		rc = attach(&cf, e);
	al_strmap_free(cf.ids);
	free(cf.caps);
	return rc;
}

const al_family al_fam_coco = {
	.name = "coco",
	.summary = "COCO captions 2014: one record per image, every caption",
	.expects = "annotations/captions_{train,val}2014.json (in "
		   "annotations_trainval2014.zip or loose), then the images "
		   "{train,val}2014/COCO_{train,val}2014_*.jpg (train2014.zip, "
		   "val2014.zip)",
	.task = "caption",
	.has_images = 1,
	.is_annot = coco_is_annot,
	.annot = coco_annot,
};

/* Karpathy: {"images": [{"filepath", "filename", "split", "cocoid",
 * "sentences": [{"raw"}, ...]}, ...], "dataset": "coco"} */
typedef struct karp {
	al_ds *ds;
	const char *name;
	al_strmap *ids;
	long nimages;    /* elements seen in "images" */
} karp;

static int karp_piece(void *ctx, const char *key, long idx, const al_jnode *n,
		      al_err *e)
{
	karp *k = ctx;
	al_ds *ds = k->ds;
	if (strcmp(key, "images") != 0)
		return 0;
	if (idx < 0)
		return not_array(k->name, key, n, e);
	k->nimages++;
	const char *split = al_jstr(n, "split");
	const char *file = al_jstr(n, "filename");
	const char *dir = al_jstr(n, "filepath");
	const char *id = id_text(n, "cocoid");
	const al_jnode *sents = al_jget(n, "sentences");
	if (!split)
		return bad_field(ds, e, k->name, key, idx, "split", "a string");
	if (!al_ds_want_split(ds, split))
		return 0;
	if (!file)
		return bad_field(ds, e, k->name, key, idx, "filename", "a string");
	if (!id)
		return bad_field(ds, e, k->name, key, idx, "cocoid", "a number");
	if (!sents || sents->type != AL_J_ARR)
		return bad_field(ds, e, k->name, key, idx, "sentences", "an array");
	const char *t[64];
	int nt = 0;
	for (size_t i = 0; i < sents->n && nt < 64; i++) {
		const char *raw = al_jstr(&sents->kid[i], "raw");
		if (!raw)
			return al_ds_bad(ds, e, AL_EFORMAT, "'%s': images[%ld]: "
					 "sentences[%zu]: field 'raw' is missing or "
					 "not a string", k->name, idx, i);
		t[nt++] = raw;
	}
	char where[700], image[512];
	snprintf(where, sizeof where, "'%s': images[%ld]", k->name, idx);
	snprintf(image, sizeof image, "%s%s%s", dir ? dir : "", dir ? "/" : "", file);
	long old;
	int r = al_strmap_put(k->ids, id, idx, &old);
	if (r < 0)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	if (r == 0)
		return al_ds_bad(ds, e, AL_EFORMAT, "%s: duplicate cocoid %s (also "
				 "images[%ld])", where, id, old);
	al_item it = {.id = id, .split = split, .key = file, .image = image,
		      .targets = t, .ntargets = nt, .where = where};
	long i = al_ds_add_item(ds, &it, e);
	return i < 0 ? (int)i : 0;
}

static int karp_is_annot(al_ds *ds, const char *name, const char *base)
{
	(void)ds;
	(void)name;
	return strcmp(base, "dataset_coco.json") == 0;
}

static int karp_annot(al_ds *ds, al_source *src, const char *name,
		      const char *base, al_err *e)
{
	(void)base;
	ds->annots++;
	karp k = {.ds = ds, .name = name};
	if (!(k.ids = al_strmap_new()))
		return al_err_set(e, AL_ENOMEM, "out of memory");
	int rc = al_ds_parse_json(ds, src, name, karp_piece, &k, e);
	if (rc == 0)
		rc = required(name, "images", k.nimages, e);
	al_strmap_free(k.ids);
	return rc;
}

const al_family al_fam_karpathy = {
	.name = "coco-karpathy",
	.summary = "COCO captions in Karpathy's train/restval/val/test split",
	.expects = "dataset_coco.json (caption_datasets.zip or loose), then the "
		   "images {train,val}2014/COCO_*.jpg",
	.task = "caption",
	.has_images = 1,
	.is_annot = karp_is_annot,
	.annot = karp_annot,
};
