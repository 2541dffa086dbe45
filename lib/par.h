/* par.h: a parallel loop for the trainer's per-head and per-row work
 * (attention's softmax and small products, the cross-entropy over the
 * vocabulary), on as many threads as OpenBLAS uses (adalink -j).  Inside
 * the loop OpenBLAS is held to one thread, so the two never oversubscribe
 * the cores.  Items must be independent (each writes its own outputs);
 * then results do not depend on the thread count.  Call it from one
 * thread at a time (it sets OpenBLAS's thread count, a process-wide
 * setting); fn must not call it again.
 */
#ifndef AL_PAR_H
#define AL_PAR_H

/* Threads al_par_for uses (at least 1). */
int al_par_threads(void);

/* fn(ctx, i, worker) for i in [0, n), worker in [0, al_par_threads()):
 * items are handed out in order to whichever thread is free. */
void al_par_for(long n, void (*fn)(void *ctx, long i, int worker), void *ctx);

#endif
