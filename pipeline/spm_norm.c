/* spm_norm.c: the charsmap trie reader and the normalization loop. */
#include "spm_norm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "lib/utf8.h"

struct al_spm_norm {
	const uint32_t *units;   /* darts-clone units (copied, aligned) */
	uint32_t *units_mem;
	size_t nunits;
	const char *repl;        /* replacement strings, NUL-terminated */
	size_t repl_len;
	const al_spm_trie *user;
	int add_dummy_prefix, remove_extra, escape, suffix;
};

int al_spm_buf_reserve(al_spm_buf *b, size_t n)
{
	if (n > SIZE_MAX - b->len)
		return AL_ENOMEM;
	return al_grow((void **)&b->s, &b->cap, b->len + n, 1, NULL);
}

al_spm_norm *al_spm_norm_new(const al_spm_normspec *spec, int treat_ws_as_suffix,
			     const al_spm_trie *user, const char *model_name,
			     al_err *e)
{
	al_spm_norm *n = calloc(1, sizeof *n);
	if (!n) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	n->user = user;
	n->add_dummy_prefix = spec->add_dummy_prefix;
	n->remove_extra = spec->remove_extra_whitespaces;
	n->escape = spec->escape_whitespaces;
	n->suffix = treat_ws_as_suffix;
	const unsigned char *blob = (const unsigned char *)spec->charsmap.s;
	size_t size = spec->charsmap.len;
	if (size == 0)
		return n;
	if (size <= 4) {
		al_err_set(e, AL_EFORMAT, "'%s': normalizer charsmap of %zu bytes is "
			   "broken; expected a 4-byte trie size and a trie", model_name, size);
		goto fail;
	}
	uint32_t tsize = (uint32_t)blob[0] | (uint32_t)blob[1] << 8 |
			 (uint32_t)blob[2] << 16 | (uint32_t)blob[3] << 24;
	if (tsize >= size) {
		al_err_set(e, AL_EFORMAT, "'%s': normalizer charsmap: trie size %u "
			   "exceeds the charsmap (%zu bytes)", model_name, tsize, size);
		goto fail;
	}
	if (size - 4 < tsize) {
		al_err_set(e, AL_EFORMAT, "'%s': normalizer charsmap: trie of %u bytes "
			   "runs past its end", model_name, tsize);
		goto fail;
	}
	n->nunits = tsize / 4;
	n->units_mem = malloc((n->nunits ? n->nunits : 1) * 4);
	if (!n->units_mem) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < n->nunits; i++) {
		const unsigned char *u = blob + 4 + 4 * i;
		n->units_mem[i] = (uint32_t)u[0] | (uint32_t)u[1] << 8 |
				  (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
	}
	n->units = n->units_mem;
	n->repl = (const char *)blob + 4 + tsize;
	n->repl_len = size - 4 - tsize;
	return n;
fail:
	al_spm_norm_free(n);
	return NULL;
}

void al_spm_norm_free(al_spm_norm *n)
{
	if (!n)
		return;
	free(n->units_mem);
	free(n);
}

/* darts-clone unit fields */
static inline uint32_t u_offset(uint32_t u) { return (u >> 10) << ((u & (1u << 9)) >> 6); }
static inline uint32_t u_label(uint32_t u) { return u & ((1u << 31) | 0xFF); }
static inline int u_has_leaf(uint32_t u) { return (u >> 8) & 1; }
static inline uint32_t u_value(uint32_t u) { return u & ((1u << 31) - 1); }

/* The longest charsmap rule at s: its length (0: none) and value. */
static size_t charsmap_longest(const al_spm_norm *n, const unsigned char *s,
			       size_t len, uint32_t *value)
{
	const uint32_t *a = n->units;
	size_t na = n->nunits, best = 0;
	if (na == 0)
		return 0;
	uint32_t pos = u_offset(a[0]);
	for (size_t i = 0; i < len; i++) {
		pos ^= s[i];
		if (pos >= na)
			break;
		uint32_t u = a[pos];
		if (u_label(u) != s[i])
			break;
		pos ^= u_offset(u);
		if (u_has_leaf(u)) {
			if (pos >= na)
				break;
			best = i + 1;
			*value = u_value(a[pos]);
		}
	}
	return best;
}

/* The normalized form of the next piece of input: *out (olen bytes) and
 * the input bytes it consumes (returned). */
static size_t norm_prefix(const al_spm_norm *n, const unsigned char *s, size_t len,
			  const char **out, size_t *olen)
{
	if (n->user) {
		size_t m = al_spm_trie_longest(n->user, (const char *)s, len, NULL);
		if (m) {
			*out = (const char *)s;
			*olen = m;
			return m;
		}
	}
	uint32_t v = 0;
	size_t m = n->units ? charsmap_longest(n, s, len, &v) : 0;
	if (m) {
		if (v >= n->repl_len) {   /* a broken blob: copy the input */
			*out = (const char *)s;
			*olen = m;
			return m;
		}
		const char *r = n->repl + v;
		const char *z = memchr(r, 0, n->repl_len - v);
		*out = r;
		*olen = z ? (size_t)(z - r) : n->repl_len - v;
		return m;
	}
	/* the reference's reading of UTF-8 is strict validation */
	size_t mb = al_utf8_next((const char *)s, len);
	if (!mb) {
		*out = "\xEF\xBF\xBD";
		*olen = 3;
		return 1;
	}
	*out = (const char *)s;
	*olen = mb;
	return mb;
}

static const char kspace[] = "\xe2\x96\x81";

int al_spm_norm_run(const al_spm_norm *n, const char *text, size_t len,
		    al_spm_buf *out)
{
	const unsigned char *s = (const unsigned char *)text;
	out->len = 0;
	if (len == 0)
		return 0;
	const char *p;
	size_t pl, used;
	if (n->remove_extra) {
		while (len > 0) {
			used = norm_prefix(n, s, len, &p, &pl);
			if (!(pl == 1 && p[0] == ' '))
				break;
			s += used;
			len -= used;
		}
	}
	if (len == 0)
		return 0;
	if (al_spm_buf_reserve(out, len * 3 + 8))
		return AL_ENOMEM;
	const char *ws = n->escape ? kspace : " ";
	size_t wsl = n->escape ? 3 : 1;
	if (!n->suffix && n->add_dummy_prefix) {
		memcpy(out->s, ws, wsl);
		out->len = wsl;
	}
	int prev_space = n->remove_extra;
	while (len > 0) {
		used = norm_prefix(n, s, len, &p, &pl);
		if (prev_space)
			while (pl > 0 && p[0] == ' ') {
				p++;
				pl--;
			}
		if (pl > 0) {
			if (al_spm_buf_reserve(out, pl * 3 + 8))
				return AL_ENOMEM;
			char *o = out->s + out->len;
			for (size_t i = 0; i < pl; i++) {
				if (p[i] == ' ' && n->escape) {
					memcpy(o, kspace, 3);
					o += 3;
				} else {
					*o++ = p[i];
				}
			}
			out->len = (size_t)(o - out->s);
			prev_space = p[pl - 1] == ' ';
		}
		s += used;
		len -= used;
		if (!n->remove_extra)
			prev_space = 0;
	}
	if (n->remove_extra)
		while (out->len >= wsl && memcmp(out->s + out->len - wsl, ws, wsl) == 0)
			out->len -= wsl;
	if (n->suffix && n->add_dummy_prefix) {
		if (al_spm_buf_reserve(out, wsl))
			return AL_ENOMEM;
		memcpy(out->s + out->len, ws, wsl);
		out->len += wsl;
	}
	return 0;
}
