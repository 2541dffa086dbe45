/* spm_decode.c: ids or pieces back to text, as the reference decodes:
 * controls vanish, the unknown piece shows its surface, byte pieces are
 * joined into UTF-8 (each invalid byte U+FFFD), U+2581 is a space, and the
 * denormalizer (if the model has one) runs last. */
#include "spm_impl.h"

#include <stdlib.h>
#include <string.h>

#include "lib/utf8.h"

/* ---- decoding ---- */

static int put(al_spm_buf *b, const char *s, size_t n)
{
	if (al_spm_buf_reserve(b, n + 1))
		return AL_ENOMEM;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	return 0;
}

/* Bytes from a run of byte pieces: valid characters as they are, each
 * invalid byte as U+FFFD. */
static int put_bytes(al_spm_buf *b, const unsigned char *bytes, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t mb = al_utf8_next((const char *)bytes + i, n - i);
		int rc = mb ? put(b, (const char *)bytes + i, mb) : put(b, "\xEF\xBF\xBD", 3);
		if (rc)
			return rc;
		i += mb ? mb : 1;
	}
	return 0;
}

static const char kspace[] = "\xe2\x96\x81";

static int decode(const al_spm *sp, const char *const *strs, const size_t *lens,
		  const int32_t *ids, size_t n, al_spm_buf *out)
{
	out->len = 0;
	al_spm_buf bytes = {0};
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		int id = ids[i];
		const al_spm_piece *p = &sp->m->pieces[id];
		if (p->type == AL_SPM_BYTE) {
			if (al_spm_buf_reserve(&bytes, 1)) {
				rc = AL_ENOMEM;
				break;
			}
			bytes.s[bytes.len++] = (char)al_spm_i_byte_of_piece(p->str, p->len);
			continue;
		}
		if (bytes.len) {
			rc = put_bytes(out, (const unsigned char *)bytes.s, bytes.len);
			bytes.len = 0;
			if (rc)
				break;
		}
		const char *s = strs[i];
		size_t l = lens[i];
		if (p->type == AL_SPM_CONTROL)
			continue;
		if (p->type == AL_SPM_UNKNOWN) {
			if (l == p->len && memcmp(s, p->str, l) == 0)
				rc = put(out, sp->m->unk_surface.s, sp->m->unk_surface.len);
			else
				rc = put(out, s, l);
			continue;
		}
		if (out->len == 0 && l >= 3 && memcmp(s, kspace, 3) == 0 &&
		    (sp->m->norm.add_dummy_prefix || sp->m->norm.remove_extra_whitespaces)) {
			s += 3;
			l -= 3;
		}
		for (size_t k = 0; k < l && !rc;) {
			if (l - k >= 3 && memcmp(s + k, kspace, 3) == 0) {
				rc = put(out, " ", 1);
				k += 3;
			} else {
				rc = put(out, s + k, 1);
				k++;
			}
		}
	}
	if (!rc && bytes.len)
		rc = put_bytes(out, (const unsigned char *)bytes.s, bytes.len);
	free(bytes.s);
	if (!rc && sp->denorm) {
		al_spm_buf d = {0};
		rc = al_spm_norm_run(sp->denorm, out->s ? out->s : "", out->len, &d);
		if (!rc) {
			free(out->s);
			*out = d;
		} else {
			free(d.s);
		}
	}
	if (!rc && al_spm_buf_reserve(out, 1))
		rc = AL_ENOMEM;
	if (!rc)
		out->s[out->len] = 0;
	return rc;
}

int al_spm_decode_ids(const al_spm *sp, const int32_t *ids, size_t n,
		      al_spm_buf *out, al_err *e)
{
	const char **strs = malloc((n ? n : 1) * sizeof *strs);
	size_t *lens = malloc((n ? n : 1) * sizeof *lens);
	int32_t *rid = malloc((n ? n : 1) * sizeof *rid);
	int rc = 0;
	if (!strs || !lens || !rid) {
		rc = al_err_set(e, AL_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (ids[i] < 0 || (size_t)ids[i] >= sp->m->npieces) {
			rc = al_err_set(e, AL_EINVAL, "id %d is outside the vocabulary "
					"(0 to %zu)", (int)ids[i], sp->m->npieces - 1);
			goto out;
		}
		const al_spm_piece *p = &sp->m->pieces[ids[i]];
		strs[i] = p->str;
		lens[i] = p->len;
		rid[i] = al_spm_piece_id(sp, p->str, p->len);
	}
	if (decode(sp, strs, lens, rid, n, out))
		rc = al_err_set(e, AL_ENOMEM, "out of memory");
out:
	free(strs);
	free(lens);
	free(rid);
	return rc;
}

int al_spm_decode_pieces(const al_spm *sp, const char *const *strs,
			 const size_t *lens, size_t n, al_spm_buf *out, al_err *e)
{
	int32_t *rid = malloc((n ? n : 1) * sizeof *rid);
	if (!rid)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		rid[i] = al_spm_piece_id(sp, strs[i], lens[i]);
	int rc = decode(sp, strs, lens, rid, n, out);
	free(rid);
	return rc ? al_err_set(e, AL_ENOMEM, "out of memory") : 0;
}
