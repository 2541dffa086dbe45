/* iter.h: a dataset's records pulled one at a time.
 *
 *     al_ds_iter *it = al_ds_iter_new(ds, sources, n, &e);
 *     const al_record *r;
 *     while ((rc = al_ds_iter_next(it, &r, &e)) > 0)
 *         use(r->id, r->image_data, r->image_size);  // valid until next call
 *     al_ds_iter_free(it);
 *
 * The reading runs in a helper thread that hands each record over and
 * waits until the next call, so memory stays what al_ds_run needs and
 * the record (with its image's bytes) stays valid until then.  Freeing the
 * iterator early stops the reading.
 */
#ifndef AL_ITER_H
#define AL_ITER_H

#include "ds.h"

typedef struct al_ds_iter al_ds_iter;

/* Start reading sources with ds (which must outlive the iterator and not
 * be run otherwise meanwhile).  NULL with e filled if the thread cannot
 * start. */
al_ds_iter *al_ds_iter_new(al_ds *ds, const char *const *sources, int nsources,
			   al_err *e);

/* 1 with *r set to the next record, 0 at the end, or the negative AL_E*
 * code al_ds_run failed with (e filled); after 0 or an error, 0 again. */
int al_ds_iter_next(al_ds_iter *it, const al_record **r, al_err *e);

/* Stop the reading (if it is not done) and free the iterator. */
void al_ds_iter_free(al_ds_iter *it);

#endif
