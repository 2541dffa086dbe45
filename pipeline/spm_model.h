/* spm_model.h: a SentencePiece model file (a serialized ModelProto), read
 * by hand: pieces with scores and types, the trainer settings that change
 * encoding, and the normalizer and denormalizer specs.
 *
 *     al_err e = {0};
 *     al_spm_model *m = al_spm_model_load("spiece.model", &e);
 *     if (!m) ... e.msg says which byte offset and field is wrong
 *     printf("%zu pieces\n", m->npieces);
 *     al_spm_model_free(m);
 *
 * Only the wire format is checked here (lengths inside their message,
 * known wire types, varints that end); the rules on pieces (one unknown
 * piece, no duplicates, 256 byte pieces with byte fallback) are checked by
 * al_spm_new (spm.h), as the reference library does when it loads a model.
 */
#ifndef AL_SPM_MODEL_H
#define AL_SPM_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/* Piece types (ModelProto.SentencePiece.Type). */
enum { AL_SPM_NORMAL = 1, AL_SPM_UNKNOWN = 2, AL_SPM_CONTROL = 3,
       AL_SPM_USER_DEFINED = 4, AL_SPM_UNUSED = 5, AL_SPM_BYTE = 6 };

/* Model types (TrainerSpec.ModelType). */
enum { AL_SPM_UNIGRAM = 1, AL_SPM_BPE = 2, AL_SPM_WORD = 3, AL_SPM_CHAR = 4 };

typedef struct al_spm_piece {
	const char *str;   /* points into the model's buffer; not NUL-terminated */
	uint32_t len;
	float score;
	int type;          /* AL_SPM_NORMAL, ... */
} al_spm_piece;

/* A string field: bytes inside the model's buffer. */
typedef struct al_spm_str {
	const char *s;
	size_t len;
} al_spm_str;

typedef struct al_spm_normspec {
	int present;                 /* the message was in the file */
	al_spm_str name;
	al_spm_str charsmap;         /* precompiled_charsmap; len 0 = none */
	int add_dummy_prefix;        /* default 1 */
	int remove_extra_whitespaces;/* default 1 */
	int escape_whitespaces;      /* default 1 */
} al_spm_normspec;

typedef struct al_spm_model {
	size_t npieces;
	al_spm_piece *pieces;
	/* TrainerSpec */
	int model_type;              /* default AL_SPM_UNIGRAM */
	int byte_fallback;           /* default 0 */
	int treat_whitespace_as_suffix;
	int allow_whitespace_only_pieces;
	int unk_id, bos_id, eos_id, pad_id;  /* defaults 0, 1, 2, -1 */
	al_spm_str unk_piece, bos_piece, eos_piece, pad_piece, unk_surface;
	al_spm_normspec norm, denorm;
	uint8_t *buf;                /* the file's bytes, owned */
	size_t size;
} al_spm_model;

/* Parse a serialized ModelProto of size bytes (copied).  name labels error
 * messages ("'x.model': byte 12: ...").  Returns NULL and fills e on a
 * malformed or truncated model (AL_EFORMAT) or no memory. */
al_spm_model *al_spm_model_parse(const void *data, size_t size,
				 const char *name, al_err *e);

/* Read and parse the model file at path ("-" reads stdin).  AL_EIO when it
 * cannot be read. */
al_spm_model *al_spm_model_load(const char *path, al_err *e);

/* Free m and its buffer (the pieces point into it); NULL is allowed. */
void al_spm_model_free(al_spm_model *m);

#endif
