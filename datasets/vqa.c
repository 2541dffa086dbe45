/* vqa.c: the question-answering and TextCaps families.
 *
 *   vqav2, okvqa: *_questions.json ({"questions": [{image_id, question,
 *     question_id}]}) joined by question_id to *_annotations.json
 *     ({"annotations": [{question_id, answers: [{answer}...]}]}), with the
 *     COCO images COCO_{split}_{image_id:012}.jpg.
 *   textvqa: TextVQA_0.5.1_{train,val,test}.json ({"data": [{question_id,
 *     question, image_id, answers}]}), images train_images/IMAGE_ID.jpg.
 *   textcaps: TextCaps_0.1_{train,val,test}.json ({"data": [{image_id,
 *     caption_str, reference_strs}]}), one record per image.
 *   stvqa: {train,test}_task_{1,2,3}.json ({"data": [{question_id,
 *     question, file_path: "coco-text/X.jpg", answers}]}; test: no answers),
 *     images under file_path (train_images/..., test_task3_images/...).
 *   docvqa: {train,val}_v1.0_withQT.json, test_v1.0.json (older releases:
 *     {train,val}_v1.0.json) ({"data": [{questionId, question, image:
 *     "documents/X.png", answers}]}; test: no answers).  The pages are joined
 *     by file name: SP-DocVQA ships them flat in spdocvqa_images/, older
 *     releases under SPLIT/documents/.
 *   Field names checked against public readers: google-research/big_vision
 *   big_vision/datasets/{stvqa/stvqa.py,docvqa/docvqa.py}, the molmo
 *   olmo/data/academic_datasets.py (SceneTextQa, DocQa), facebookresearch/mmf
 *   mmf/datasets/builders/stvqa/dataset.py.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "family.h"

enum { MAX_ANSWERS = 64 };

typedef struct vqa_state {
	al_strmap *qids;        /* question id -> item (duplicates) */
	al_strmap *answers;     /* question id -> index in ans */
	const char ***ans;      /* answer lists (arena) */
	int *nans;
	size_t nall, acap;
	int annot_files, question_files;
	char annot_split[32];
	al_strmap *seen;        /* TextCaps: image ids seen */
} vqa_state;

typedef struct vfile {
	al_ds *ds;
	vqa_state *vs;
	const char *name, *split;
	char subtype[64];       /* VQA: "val2014" */
	const char *main_key;   /* the array the file must hold */
	long nmain;             /* elements seen in it */
} vfile;

static vqa_state *state(al_ds *ds, al_err *e)
{
	if (!ds->fs) {
		vqa_state *vs = calloc(1, sizeof *vs);
		if (!vs || !(vs->qids = al_strmap_new()) ||
		    !(vs->answers = al_strmap_new()) || !(vs->seen = al_strmap_new())) {
			if (vs) {
				al_strmap_free(vs->qids);
				al_strmap_free(vs->answers);
				free(vs);
			}
			al_err_set(e, AL_ENOMEM, "out of memory");
			return NULL;
		}
		ds->fs = vs;
	}
	return ds->fs;
}

static void vqa_free(al_ds *ds)
{
	vqa_state *vs = ds->fs;
	if (!vs)
		return;
	al_strmap_free(vs->qids);
	al_strmap_free(vs->answers);
	al_strmap_free(vs->seen);
	free(vs->ans);
	free(vs->nans);
	free(vs);
	ds->fs = NULL;
}

static const char *id_text(const al_jnode *obj, const char *key)
{
	const al_jnode *n = al_jget(obj, key);
	if (!n || (n->type != AL_J_NUM && n->type != AL_J_STR) || !n->len)
		return NULL;
	return n->s;
}

static int bad_field(vfile *f, al_err *e, const char *key, long idx,
		     const char *field, const char *want)
{
	return al_ds_bad(f->ds, e, AL_EFORMAT, "'%s': %s[%ld]: field '%s' is "
			 "missing or not %s", f->name, key, idx, field, want);
}

/* answers as a list of strings, or of {"answer": "..."} objects. */
static int answers_of(vfile *f, const al_jnode *a, const char *key, long idx,
		      const char **out, int *n, al_err *e)
{
	*n = 0;
	if (!a || a->type != AL_J_ARR)
		return bad_field(f, e, key, idx, "answers", "an array") < 0 ? -1 : 1;
	for (size_t i = 0; i < a->n && *n < MAX_ANSWERS; i++) {
		const al_jnode *x = &a->kid[i];
		const char *s = x->type == AL_J_STR ? x->s : al_jstr(x, "answer");
		if (!s) {
			int rc = al_ds_bad(f->ds, e, AL_EFORMAT, "'%s': %s[%ld]: "
					   "answers[%zu] is not a string or "
					   "{\"answer\": string}", f->name, key, idx, i);
			return rc < 0 ? -1 : 1;
		}
		out[(*n)++] = s;
	}
	return 0;
}

/* Register a question id; 1 if new, 0 if a skipped duplicate, <0 error. */
static int new_qid(vfile *f, const char *qid, const char *where, al_err *e)
{
	long old;
	int r = al_strmap_put(f->vs->qids, qid, (long)f->ds->nitems, &old);
	if (r < 0)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	if (r == 0) {
		int rc = al_ds_bad(f->ds, e, AL_EFORMAT, "%s: duplicate question id "
				   "%s (first in %s)", where, qid,
				   al_item_where(f->ds, &f->ds->items[old]));
		return rc < 0 ? rc : 0;
	}
	return 1;
}

static const char *vqa_split(const char *subtype)
{
	const char *s = al_split_from_name(subtype);
	return s ? s : subtype;
}

/* ---- VQAv2 / OK-VQA ---- */

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

static int vqa_piece(void *ctx, const char *key, long idx, const al_jnode *n,
		     al_err *e)
{
	vfile *f = ctx;
	al_ds *ds = f->ds;
	char where[700];
	if (idx < 0 && strcmp(key, f->main_key) == 0)
		return not_array(f->name, key, n, e);
	f->nmain += idx >= 0 && strcmp(key, f->main_key) == 0;
	if (idx < 0) {
		if (strcmp(key, "data_subtype") == 0 && n->type == AL_J_STR) {
			snprintf(f->subtype, sizeof f->subtype, "%s", n->s);
			f->split = vqa_split(f->subtype);
		}
		return 0;
	}
	snprintf(where, sizeof where, "'%s': %s[%ld]", f->name, key, idx);
	if (strcmp(key, "questions") == 0) {
		const char *qid = id_text(n, "question_id");
		const char *img = id_text(n, "image_id");
		const char *q = al_jstr(n, "question");
		if (!qid)
			return bad_field(f, e, key, idx, "question_id", "a number");
		if (!img || !al_is_int_text(img))
			return bad_field(f, e, key, idx, "image_id", "a number");
		if (!q)
			return bad_field(f, e, key, idx, "question", "a string");
		int r = new_qid(f, qid, where, e);
		if (r <= 0)
			return r;
		char image[128];
		/* test-dev questions are about test2015 images */
		const char *sub = strncmp(f->subtype, "test-dev", 8) == 0 ?
			f->subtype + 5 : f->subtype;
		snprintf(image, sizeof image, "COCO_%s_%012lld.jpg", sub, atoll(img));
		al_item it = {.id = qid, .split = f->split, .key = img,
			      .image = image, .where = where};
		it.in[0] = q;
		long i = al_ds_add_item(ds, &it, e);
		return i < 0 ? (int)i : 0;
	}
	if (strcmp(key, "annotations") == 0) {
		vqa_state *vs = f->vs;
		const char *qid = id_text(n, "question_id");
		if (!qid)
			return bad_field(f, e, key, idx, "question_id", "a number");
		const char *a[MAX_ANSWERS];
		int na, r = answers_of(f, al_jget(n, "answers"), key, idx, a, &na, e);
		if (r)
			return r < 0 ? e->code : 0;
		if (vs->nall == vs->acap) {   /* two arrays of one length */
			size_t ca = vs->acap, cn = vs->acap;
			if (al_grow((void **)&vs->ans, &ca, vs->nall + 1, sizeof *vs->ans, e) < 0 ||
			    al_grow((void **)&vs->nans, &cn, vs->nall + 1, sizeof *vs->nans, e) < 0)
				return e->code;
			vs->acap = ca;
		}
		const char **copy = al_arena_alloc(ds->arena, (na + 1) * sizeof *copy);
		if (!copy)
			return al_err_set(e, AL_ENOMEM, "out of memory");
		for (int i = 0; i < na; i++)
			if (!(copy[i] = al_arena_strdup(ds->arena, a[i])))
				return al_err_set(e, AL_ENOMEM, "out of memory");
		long old;
		r = al_strmap_put(vs->answers, qid, (long)vs->nall, &old);
		if (r < 0)
			return al_err_set(e, AL_ENOMEM, "out of memory");
		if (r == 0)
			return al_ds_bad(ds, e, AL_EFORMAT, "%s: duplicate annotation "
					 "for question id %s", where, qid);
		vs->ans[vs->nall] = copy;
		vs->nans[vs->nall++] = na;
	}
	return 0;
}

static int ends_with(const char *s, const char *sfx)
{
	size_t a = strlen(s), b = strlen(sfx);
	return a >= b && strcmp(s + a - b, sfx) == 0;
}

static int vqa_is_annot(al_ds *ds, const char *name, const char *base)
{
	(void)ds;
	(void)name;
	return ends_with(base, "_questions.json") || ends_with(base, "_annotations.json");
}

static int vqa_annot(al_ds *ds, al_source *src, const char *name,
		     const char *base, al_err *e)
{
	vfile f = {.ds = ds, .name = name};
	if (!(f.vs = state(ds, e)))
		return AL_ENOMEM;
	/* "v2_OpenEnded_mscoco_val2014_questions.json": subtype val2014 */
	const char *p = strstr(base, "mscoco_");
	if (p) {
		p += 7;
		size_t k = strcspn(p, "_.");
		snprintf(f.subtype, sizeof f.subtype, "%.*s", (int)k, p);
	} else {
		snprintf(f.subtype, sizeof f.subtype, "%s", "unknown");
	}
	f.split = vqa_split(f.subtype);
	if (!al_ds_want_split(ds, f.split))
		return 0;
	int questions = ends_with(base, "_questions.json");
	ds->annots++;
	if (questions)
		f.vs->question_files++;
	else {
		f.vs->annot_files++;
		snprintf(f.vs->annot_split, sizeof f.vs->annot_split, "%s", f.split);
	}
	f.main_key = questions ? "questions" : "annotations";
	int rc = al_ds_parse_json(ds, src, name, vqa_piece, &f, e);
	return rc < 0 ? rc : required(name, f.main_key, f.nmain, e);
}

static int vqa_seal(al_ds *ds, al_err *e)
{
	vqa_state *vs = ds->fs;
	if (!vs)
		return 0;
	if (!vs->question_files)
		return al_err_set(e, AL_ENOTFOUND, "no questions file found: expected "
				  "*_questions.json beside the *_annotations.json");
	for (size_t i = 0; i < ds->nitems; i++) {
		al_item *it = &ds->items[i];
		long a;
		if (al_strmap_get(vs->answers, it->id, &a)) {
			it->targets = vs->ans[a];
			it->ntargets = vs->nans[a];
			continue;
		}
		if (strncmp(it->split, "test", 4) == 0)
			continue;   /* test questions have no answers */
		if (!vs->annot_files)
			return al_err_set(e, AL_ENOTFOUND, "no annotations file found "
					  "for the %s questions: expected *mscoco_%s"
					  "_annotations.json", it->split, it->split);
		int rc = al_ds_bad(ds, e, AL_EFORMAT, "%s: question %s has no "
				   "annotation", al_item_where(ds, it), it->id);
		if (rc < 0)
			return rc;
		it->done = 1;   /* skipped */
	}
	return 0;
}

/* COCO_val2014_000000262148.jpg -> "262148" */
static int coco_image_key(const char *name, const char *base, char *buf, size_t n)
{
	(void)name;
	const char *u = strrchr(base, '_');
	if (!u)
		return 0;
	u++;
	while (*u == '0' && u[1] >= '0' && u[1] <= '9')
		u++;
	size_t k = strspn(u, "0123456789");
	if (!k || k >= n || u[k] != '.')
		return 0;
	memcpy(buf, u, k);
	buf[k] = 0;
	return 1;
}

const al_family al_fam_vqav2 = {
	.name = "vqav2",
	.summary = "VQAv2: questions joined to their 10 answers, COCO images",
	.expects = "v2_OpenEnded_mscoco_{train,val}2014_questions.json and "
		   "v2_mscoco_{train,val}2014_annotations.json (test: questions "
		   "only), then the images {train,val}2014/COCO_*.jpg",
	.task = "vqa",
	.has_images = 1,
	.ninputs = 1,
	.input_names = {"question"},
	.is_annot = vqa_is_annot,
	.annot = vqa_annot,
	.seal = vqa_seal,
	.image_key = coco_image_key,
	.free_state = vqa_free,
};

const al_family al_fam_okvqa = {
	.name = "okvqa",
	.summary = "OK-VQA: questions joined to their 10 answers, COCO images",
	.expects = "OpenEnded_mscoco_{train,val}2014_questions.json and "
		   "mscoco_{train,val}2014_annotations.json, then the images "
		   "{train,val}2014/COCO_*.jpg",
	.task = "vqa",
	.has_images = 1,
	.ninputs = 1,
	.input_names = {"question"},
	.is_annot = vqa_is_annot,
	.annot = vqa_annot,
	.seal = vqa_seal,
	.image_key = coco_image_key,
	.free_state = vqa_free,
};

/* ---- the {"data": [...]} families ---- */

typedef struct data_kind {
	const char *qid, *image_field;   /* field names */
	const char *image_dir;           /* dir of IMAGE_ID.jpg, or NULL: the
					    image field is a path */
	int captions;                    /* TextCaps */
	int join_by_name;                /* join on the image field's file
					    name, not its whole path */
} data_kind;

static const data_kind k_textvqa = {"question_id", "image_id", "_images/", 0, 0};
static const data_kind k_textcaps = {"image_id", "image_id", "_images/", 1, 0};
static const data_kind k_stvqa = {"question_id", "file_path", NULL, 0, 0};
static const data_kind k_docvqa = {"questionId", "image", NULL, 0, 1};

typedef struct dfile {
	vfile f;
	const data_kind *k;
} dfile;

static int data_piece(void *ctx, const char *key, long idx, const al_jnode *n,
		      al_err *e)
{
	dfile *d = ctx;
	vfile *f = &d->f;
	al_ds *ds = f->ds;
	const data_kind *k = d->k;
	if (strcmp(key, "data") != 0)
		return 0;
	if (idx < 0)
		return not_array(f->name, key, n, e);
	f->nmain++;
	char where[700], image[512], keybuf[512];
	snprintf(where, sizeof where, "'%s': data[%ld]", f->name, idx);
	const char *id = id_text(n, k->qid);
	const char *img = al_jstr(n, k->image_field);
	if (!id)
		return bad_field(f, e, key, idx, k->qid, "a number or string");
	if (!img || !*img)
		return bad_field(f, e, key, idx, k->image_field, "a string");
	if (k->image_dir) {
		/* TextVQA and TextCaps test images are in test_images/ */
		snprintf(image, sizeof image, "%s%s%s.jpg",
			 strncmp(f->split, "test", 4) == 0 ? "test" : "train",
			 k->image_dir, img);
		snprintf(keybuf, sizeof keybuf, "%s.jpg", img);
	} else {
		const char *slash = k->join_by_name ? strrchr(img, '/') : NULL;
		snprintf(image, sizeof image, "%s", img);
		snprintf(keybuf, sizeof keybuf, "%s", slash ? slash + 1 : img);
	}
	al_item it = {.id = id, .split = f->split, .key = keybuf, .image = image,
		      .where = where};
	const char *a[MAX_ANSWERS];
	int na = 0;
	if (k->captions) {
		long dummy;
		int r = al_strmap_put(f->vs->seen, id, idx, &dummy);
		if (r < 0)
			return al_err_set(e, AL_ENOMEM, "out of memory");
		if (r == 0)
			return 0;   /* one record per image: seen already */
		const al_jnode *refs = al_jget(n, "reference_strs");
		if (refs) {
			if (refs->type != AL_J_ARR)
				return bad_field(f, e, key, idx, "reference_strs", "an array");
			for (size_t i = 0; i < refs->n && na < MAX_ANSWERS; i++) {
				if (refs->kid[i].type != AL_J_STR)
					return bad_field(f, e, key, idx, "reference_strs",
							 "an array of strings");
				a[na++] = refs->kid[i].s;
			}
		} else if (strncmp(f->split, "test", 4) != 0) {
			return bad_field(f, e, key, idx, "reference_strs", "an array");
		}
	} else {
		const char *q = al_jstr(n, "question");
		if (!q)
			return bad_field(f, e, key, idx, "question", "a string");
		it.in[0] = q;
		const al_jnode *ans = al_jget(n, "answers");
		if (ans || strncmp(f->split, "test", 4) != 0) {
			int r = answers_of(f, ans, key, idx, a, &na, e);
			if (r)
				return r < 0 ? e->code : 0;
		}
		int r = new_qid(f, id, where, e);
		if (r <= 0)
			return r;
	}
	it.targets = a;
	it.ntargets = na;
	long i = al_ds_add_item(ds, &it, e);
	return i < 0 ? (int)i : 0;
}

static int data_annot(al_ds *ds, al_source *src, const char *name,
		      const char *base, const data_kind *k, al_err *e)
{
	dfile d = {.f = {.ds = ds, .name = name}, .k = k};
	if (!(d.f.vs = state(ds, e)))
		return AL_ENOMEM;
	d.f.split = al_split_from_name(base);
	if (!d.f.split)
		d.f.split = "unknown";
	if (!al_ds_want_split(ds, d.f.split))
		return 0;
	ds->annots++;
	int rc = al_ds_parse_json(ds, src, name, data_piece, &d, e);
	return rc < 0 ? rc : required(name, "data", d.f.nmain, e);
}

static int textvqa_is_annot(al_ds *ds, const char *name, const char *base)
{
	(void)ds; (void)name;
	return strncmp(base, "TextVQA_", 8) == 0 && ends_with(base, ".json");
}
static int textvqa_annot(al_ds *ds, al_source *src, const char *name,
			 const char *base, al_err *e)
{
	return data_annot(ds, src, name, base, &k_textvqa, e);
}

static int textcaps_is_annot(al_ds *ds, const char *name, const char *base)
{
	(void)ds; (void)name;
	return strncmp(base, "TextCaps_", 9) == 0 && ends_with(base, ".json");
}
static int textcaps_annot(al_ds *ds, al_source *src, const char *name,
			  const char *base, al_err *e)
{
	return data_annot(ds, src, name, base, &k_textcaps, e);
}

static int stvqa_is_annot(al_ds *ds, const char *name, const char *base)
{
	(void)name;
	const char *task = ds->o.task ? ds->o.task : "3";
	char want[32];
	snprintf(want, sizeof want, "_task_%s.json", task);
	return (strncmp(base, "train_task_", 11) == 0 ||
		strncmp(base, "test_task_", 10) == 0) && ends_with(base, want);
}
static int stvqa_annot(al_ds *ds, al_source *src, const char *name,
		       const char *base, al_err *e)
{
	return data_annot(ds, src, name, base, &k_stvqa, e);
}
static int stvqa_check(const al_ds_opts *o, al_err *e)
{
	if (o->task && strcmp(o->task, "1") != 0 && strcmp(o->task, "2") != 0 &&
	    strcmp(o->task, "3") != 0)
		return al_err_set(e, AL_EINVAL, "ST-VQA has tasks 1, 2 and 3, "
				  "not '%s'", o->task);
	return 0;
}

static int docvqa_is_annot(al_ds *ds, const char *name, const char *base)
{
	(void)ds; (void)name;
	return (strncmp(base, "train_v1.0", 10) == 0 || strncmp(base, "val_v1.0", 8) == 0 ||
		strncmp(base, "test_v1.0", 9) == 0) && ends_with(base, ".json");
}
static int docvqa_annot(al_ds *ds, al_source *src, const char *name,
			const char *base, al_err *e)
{
	return data_annot(ds, src, name, base, &k_docvqa, e);
}

const al_family al_fam_textvqa = {
	.name = "textvqa",
	.summary = "TextVQA 0.5.1: questions, 10 answers, OpenImages pictures",
	.expects = "TextVQA_0.5.1_{train,val,test}.json, then the images "
		   "train_images/IMAGE_ID.jpg (train_val_images.zip) or "
		   "test_images/IMAGE_ID.jpg",
	.task = "vqa",
	.has_images = 1,
	.ninputs = 1,
	.input_names = {"question"},
	.is_annot = textvqa_is_annot,
	.annot = textvqa_annot,
	.free_state = vqa_free,
};

const al_family al_fam_textcaps = {
	.name = "textcaps",
	.summary = "TextCaps 0.1: one record per image, its reference captions",
	.expects = "TextCaps_0.1_{train,val,test}.json, then the TextVQA images "
		   "train_images/IMAGE_ID.jpg (train_val_images.zip)",
	.task = "caption",
	.has_images = 1,
	.is_annot = textcaps_is_annot,
	.annot = textcaps_annot,
	.free_state = vqa_free,
};

const al_family al_fam_stvqa = {
	.name = "stvqa",
	.summary = "ST-VQA: scene-text questions and answers (--task 1, 2, 3)",
	.expects = "train_task_{1,2,3}.json or test_task_{1,2,3}.json (task 3 "
		   "unless --task), then the images under their file_path "
		   "(e.g. coco-text/COCO_train2014_*.jpg)",
	.task = "vqa",
	.has_images = 1,
	.ninputs = 1,
	.input_names = {"question"},
	.is_annot = stvqa_is_annot,
	.annot = stvqa_annot,
	.check_opts = stvqa_check,
	.free_state = vqa_free,
};

const al_family al_fam_docvqa = {
	.name = "docvqa",
	.summary = "DocVQA 1.0: questions on document page images (PNG)",
	.expects = "{train,val}_v1.0_withQT.json and test_v1.0.json "
		   "(spdocvqa_qas.zip; older releases {train,val}_v1.0.json), "
		   "then the page images by file name: spdocvqa_images/*.png "
		   "or SPLIT/documents/*.png",
	.task = "vqa",
	.has_images = 1,
	.ninputs = 1,
	.input_names = {"question"},
	.is_annot = docvqa_is_annot,
	.annot = docvqa_annot,
	.free_state = vqa_free,
};
