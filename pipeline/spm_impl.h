/* spm_impl.h: what the tokenizer's files share (spm.c: loading and
 * encoding; spm_segment.c: the model algorithms; spm_decode.c).  Not a
 * public interface. */
#ifndef AL_SPM_IMPL_H
#define AL_SPM_IMPL_H

#include "lib/array.h"
#include "spm.h"
#include "spm_trie.h"

struct al_spm {
	al_spm_model *m;
	char *name;
	al_spm_trie *pieces;    /* normal, user-defined and unused pieces */
	al_spm_trie *reserved;  /* unknown, control and byte pieces */
	al_spm_trie *user;      /* user-defined pieces (NULL if none) */
	al_spm_norm *norm, *denorm;
	int unk_id, bos_id, eos_id;
	int32_t byte_ids[256];
	float min_score, max_score;
};

typedef struct best_node {
	float score;
	int32_t start;   /* -1: not reached yet */
	int32_t id;
} best_node;

typedef struct symbol {
	int32_t prev, next;
	uint32_t off, len;
	int freeze;
} symbol;

typedef struct pair {
	float score;
	int32_t left, right;
	uint32_t size;
} pair;

typedef struct scratch {
	best_node *best;
	size_t best_cap;
	symbol *sym;
	size_t sym_cap;
	pair *heap;
	size_t heap_n, heap_cap;
	int32_t *rev_left;      /* per piece id: split of an unused merge, -1 */
	int32_t *touched;
	size_t ntouched, touched_cap;
	size_t npieces;
	int32_t *raw_ids;       /* model output before unknown handling */
	uint32_t *raw_off, *raw_len;
	size_t raw_n, raw_cap;
} scratch;

/* Append a model result (id, span in the normalized text). */
int al_spm_i_raw_push(scratch *s, int32_t id, size_t off, size_t len);

/* The byte of a "<0xHH>" piece, or -1. */
int al_spm_i_byte_of_piece(const char *s, size_t len);

/* Segment the normalized text[0..size) into s->raw_*: unigram (best
 * Viterbi path), BPE (merges by score), char, word.  0 or AL_ENOMEM. */
int al_spm_i_unigram(const al_spm *sp, const char *text, size_t size, scratch *s);
int al_spm_i_bpe(const al_spm *sp, const char *text, size_t size, scratch *s);
int al_spm_i_char(const al_spm *sp, const char *text, size_t size, scratch *s);
int al_spm_i_word(const al_spm *sp, const char *text, size_t size, scratch *s);

#endif
