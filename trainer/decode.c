/* decode.c: greedy and beam search with the decoder's key/value cache. */
#include "decode.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	al_t5_dec *d;
	double score;        /* summed log-probabilities */
	int *ids, n;
	float *logits;       /* for the next token */
} hyp;

typedef struct {
	int parent, tok;
	double score;
} cand;

static int cmp_cand(const void *a, const void *b)
{
	const cand *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->parent != y->parent)   /* a stable order for equal scores */
		return x->parent - y->parent;
	return x->tok - y->tok;
}

/* log-softmax of logits[V] into lp, and the K best tokens into top[] */
static void best_k(const float *logits, int V, int K, float *lp, int *top)
{
	float mx = -INFINITY;
	for (int j = 0; j < V; j++)
		if (logits[j] > mx)
			mx = logits[j];
	double sum = 0;
	for (int j = 0; j < V; j++)
		sum += expf(logits[j] - mx);
	float lse = mx + (float)log(sum);
	for (int j = 0; j < V; j++)
		lp[j] = logits[j] - lse;
	for (int k = 0; k < K; k++)
		top[k] = -1;
	for (int j = 0; j < V; j++) {   /* insertion into a short sorted list */
		int k = K;
		while (k > 0 && (top[k - 1] < 0 || lp[j] > lp[top[k - 1]]))
			k--;
		if (k < K) {
			memmove(top + k + 1, top + k, sizeof *top * (K - k - 1));
			top[k] = j;
		}
	}
}

static double final_score(double sum, int n, double a)
{
	return a == 0 ? sum : sum / pow((double)n, a);
}

int al_decode(const al_t5 *m, al_adapter *adapter, const al_example *x,
	      const al_search_opts *o, int *out, double *score, al_err *e)
{
	const al_t5_config *c = al_t5_cfg(m);
	int K = o->beam < 1 ? 1 : o->beam, L = o->max_len, V = c->vocab, C = c->d_model;
	int Te = (x->image ? x->n_patches : 0) + x->n_in, rc = 0, nalive = 1, nfin = 0;
	if (Te > 0)
		Te += al_adapter_prefix(adapter);   /* prompt tuning's soft tokens */
	if (Te == 0 || L < 1)
		return al_err_set(e, AL_EINVAL, "nothing to decode from (no input), or max_len < 1");
	float *emb = malloc(sizeof(float) * Te * C), *lp = malloc(sizeof(float) * V);
	int *top = malloc(sizeof(int) * K), *ids = calloc((size_t)4 * K * (L + 1), sizeof(int));
	hyp *alive = calloc(K, sizeof *alive), *next = calloc(K, sizeof *next);
	hyp *fin = calloc(K, sizeof *fin);
	cand *cs = malloc(sizeof *cs * K * K);
	float *logit_buf = malloc(sizeof(float) * 2 * K * V);
	al_t5_dec **pool = calloc(2 * K, sizeof *pool);
	al_t5_enc *en = NULL;
	if (!emb || !lp || !top || !ids || !alive || !next || !fin || !cs || !logit_buf || !pool) {
		rc = al_err_set(e, AL_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = al_example_embed(m, adapter, x, emb, e)) < 0 ||
	    !(en = al_t5_enc_new(m, emb, NULL, Te, e))) {
		rc = rc < 0 ? rc : e->code;
		goto done;
	}
	for (int i = 0; i < 2 * K; i++)
		if (!(pool[i] = al_t5_dec_new(en, L, e))) {
			rc = e->code;
			goto done;
		}
	/* ids: 4K rows of L + 1: alive, next, finished */
	for (int i = 0; i < K; i++) {
		alive[i].ids = ids + (size_t)i * (L + 1);
		next[i].ids = ids + (size_t)(K + i) * (L + 1);
		fin[i].ids = ids + (size_t)(2 * K + i) * (L + 1);
		alive[i].logits = logit_buf + (size_t)i * V;
		next[i].logits = logit_buf + (size_t)(K + i) * V;
	}
	alive[0].d = pool[0];
	al_t5_dec_step(alive[0].d, c->decoder_start, alive[0].logits);
	int pool_half = 0;   /* alive use pool[half*K ..], next the other half */
	for (int step = 0; step < L && nalive > 0; step++) {
		int nc = 0;
		for (int i = 0; i < nalive; i++) {
			best_k(alive[i].logits, V, K, lp, top);
			for (int k = 0; k < K && top[k] >= 0; k++)
				cs[nc++] = (cand){i, top[k], alive[i].score + lp[top[k]]};
		}
		qsort(cs, nc, sizeof *cs, cmp_cand);
		int nn = 0;
		for (int j = 0; j < nc && nn < K; j++) {
			const hyp *p = &alive[cs[j].parent];
			int n = p->n + 1;
			if (cs[j].tok == AL_EOS || n == L) {   /* a finished output */
				double fs = final_score(cs[j].score, n, o->length_penalty);
				int at = nfin < K ? nfin++ : -1;
				if (at < 0) {   /* replace the worst if this is better */
					int w = 0;
					for (int f = 1; f < K; f++)
						if (fin[f].score < fin[w].score)
							w = f;
					if (fs > fin[w].score)
						at = w;
				}
				if (at >= 0) {
					memcpy(fin[at].ids, p->ids, sizeof(int) * p->n);
					fin[at].ids[p->n] = cs[j].tok;
					fin[at].n = n;
					fin[at].score = fs;
				}
				continue;
			}
			hyp *h = &next[nn];
			h->d = pool[(1 - pool_half) * K + nn];
			al_t5_dec_copy(h->d, p->d);
			memcpy(h->ids, p->ids, sizeof(int) * p->n);
			h->ids[p->n] = cs[j].tok;
			h->n = n;
			h->score = cs[j].score;
			nn++;
		}
		for (int i = 0; i < nn; i++)
			al_t5_dec_step(next[i].d, next[i].ids[next[i].n - 1], next[i].logits);
		/* swap the generations */
		hyp *t = alive;
		alive = next;
		next = t;
		nalive = nn;
		pool_half = 1 - pool_half;
		if (nfin == K && o->length_penalty == 0) {
			double worst = fin[0].score, best = -INFINITY;
			for (int f = 1; f < K; f++)
				if (fin[f].score < worst)
					worst = fin[f].score;
			for (int i = 0; i < nalive; i++)
				if (alive[i].score > best)
					best = alive[i].score;
			if (best <= worst)
				break;
		}
	}
	int b = 0;
	for (int f = 1; f < nfin; f++)
		if (fin[f].score > fin[b].score)
			b = f;
	if (nfin == 0)
		rc = al_err_set(e, AL_EINVAL, "decoding produced no output");
	else {
		memcpy(out, fin[b].ids, sizeof(int) * fin[b].n);
		*score = fin[b].score;
		rc = fin[b].n;
	}
done:
	for (int i = 0; pool && i < 2 * K; i++)
		al_t5_dec_free(pool[i]);
	al_t5_enc_free(en);
	free(pool);
	free(emb);
	free(lp);
	free(top);
	free(ids);
	free(alive < next ? alive : next);
	free(alive < next ? next : alive);
	free(fin);
	free(cs);
	free(logit_buf);
	return rc;
}
