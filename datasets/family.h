/* family.h: what a reader family (glue.c, coco.c, vqa.c) gives the driver
 * (ingest.c) and the helpers the driver gives it.  Internal to datasets/. */
#ifndef AL_FAMILY_H
#define AL_FAMILY_H

#include <stdarg.h>

#include "arena.h"
#include "ds.h"
#include "lib/array.h"
#include "lib/json_read.h"
#include "lib/strmap.h"
#include "source.h"

/* An annotated example waiting for its image. */
typedef struct al_item {
	const char *id, *split;
	const char *key;        /* join key: a suffix of the image member name */
	const char *image;      /* the image the annotation names */
	const char *in[AL_REC_MAX_INPUTS];
	const char *const *targets;
	int ntargets;
	const char *where;      /* "'FILE': data[3]" given; stored as the
				   shared prefix "'FILE': data" and elem 3 */
	long elem;
	long next;              /* next item with the same key, or -1 */
	int done;               /* emitted or skipped */
	int imaged;             /* its image has been read */
} al_item;

typedef struct al_family {
	const char *name, *summary, *expects, *task;
	int has_images;
	int ninputs;
	const char *input_names[AL_REC_MAX_INPUTS];
	/* Nonzero if this member (base: its last path component) is one of
	 * the family's annotation files. */
	int (*is_annot)(al_ds *ds, const char *name, const char *base);
	/* Read an annotation member from src (its bytes come next). */
	int (*annot)(al_ds *ds, al_source *src, const char *name,
		     const char *base, al_err *e);
	/* Optional: after the last annotation file, before the first image. */
	int (*seal)(al_ds *ds, al_err *e);
	/* Optional: the join key of an image member (into buf); 0 if none.
	 * Without it, every path suffix of the member name is tried. */
	int (*image_key)(const char *name, const char *base, char *buf, size_t n);
	/* Optional: check o->task; return 0 or AL_EINVAL with e filled. */
	int (*check_opts)(const al_ds_opts *o, al_err *e);
	void (*free_state)(al_ds *ds);
} al_family;

struct al_ds {
	const al_family *fam;
	al_ds_opts o;
	al_ds_stats st;
	al_arena *arena;
	al_item *items;
	size_t nitems, icap;
	al_strmap *keys;       /* join key -> first item */
	long *tails;           /* per first item: last item of its chain */
	void *fs;              /* the family's state */
	al_record_fn fn;
	void *ctx;
	int stop;              /* fn asked to stop */
	int annots;            /* annotation files read */
	int sealed;
	char found[512];       /* a few member names seen, for messages */
	size_t nfound;
	unsigned char *img;
	size_t imgcap;
	const char *where_prefix;  /* the latest interned where prefix */
	char wbuf[700];
};

/* "'FILE': key[N]": where an item came from (valid until the next call). */
const char *al_item_where(al_ds *ds, const al_item *it);

/* A bad record: with skip_bad, count it, remember the message and return
 * 0; else fill e and return code. */
int al_ds_bad(al_ds *ds, al_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Hand a record to the caller (counts it; sets ds->stop on request). */
int al_ds_emit(al_ds *ds, const al_record *r, al_err *e);

/* Store a copy of *it (strings and targets copied into the arena); join it
 * by it->key.  Returns its index, or AL_ENOMEM. */
long al_ds_add_item(al_ds *ds, const al_item *it, al_err *e);

/* Feed the current member of src to a jstream calling fn(ctx, ...). */
int al_ds_parse_json(al_ds *ds, al_source *src, const char *name,
		     al_jstream_fn fn, void *ctx, al_err *e);


/* 1 if the split passes the --split filter. */
int al_ds_want_split(const al_ds *ds, const char *split);

/* The registry's entry named name, or NULL. */
const al_family *al_family_find(const char *name);

extern const al_family al_fam_glue, al_fam_coco, al_fam_karpathy,
	al_fam_vqav2, al_fam_okvqa, al_fam_textvqa, al_fam_textcaps,
	al_fam_stvqa, al_fam_docvqa, al_fam_text;

#endif
