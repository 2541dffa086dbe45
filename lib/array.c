/* array.c: growing arrays by doubling (see array.h). */
#include "array.h"

#include <stdint.h>
#include <stdlib.h>

int al_grow(void **p, size_t *cap, size_t need, size_t elem, al_err *e)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap < SIZE_MAX / 2 ? 2 * *cap : SIZE_MAX;
	if (c < 8)
		c = 8;
	if (c < need)
		c = need;
	if (elem && c > SIZE_MAX / elem)
		c = SIZE_MAX / elem;
	if (c < need)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	void *q = realloc(*p, c * elem);
	if (!q)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	*p = q;
	*cap = c;
	return 0;
}
