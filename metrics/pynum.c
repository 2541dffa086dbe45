/* pynum.c: the reference scorers' summation orders and double text (see
 * pynum.h). */
#include "pynum.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* numpy's pairwise_sum for doubles (numpy/core/src/umath/loops_utils.h). */
static double pairwise(const double *a, size_t n)
{
	if (n < 8) {
		double res = 0.;
		for (size_t i = 0; i < n; i++)
			res += a[i];
		return res;
	}
	if (n <= 128) {
		double r[8];
		for (int j = 0; j < 8; j++)
			r[j] = a[j];
		size_t i;
		for (i = 8; i < n - (n % 8); i += 8)
			for (int j = 0; j < 8; j++)
				r[j] += a[i + j];
		double res = ((r[0] + r[1]) + (r[2] + r[3])) +
			     ((r[4] + r[5]) + (r[6] + r[7]));
		for (; i < n; i++)
			res += a[i];
		return res;
	}
	size_t n2 = n / 2;
	n2 -= n2 % 8;
	return pairwise(a, n2) + pairwise(a + n2, n - n2);
}

double al_np_mean(const double *x, size_t n)
{
	if (n == 0)
		return NAN;
	return pairwise(x, n) / (double)n;
}

double al_py_sum(const double *x, size_t n)
{
	double s = 0.0;
	for (size_t i = 0; i < n; i++)
		s += x[i];
	return s;
}

char *al_fmt_double(double v, char *buf, size_t size)
{
	if (isnan(v)) {
		snprintf(buf, size, "nan");
		return buf;
	}
	if (isinf(v)) {
		snprintf(buf, size, v > 0 ? "inf" : "-inf");
		return buf;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}
