/* pynum.h: numbers as the reference scorers (Python, numpy) make them:
 * their summation orders and the shortest decimal text of a double.
 */
#ifndef AL_PYNUM_H
#define AL_PYNUM_H

#include <stddef.h>
#include <stdint.h>

/* The mean of x[0..n) summed as numpy's np.mean sums float64 arrays
 * (pairwise summation with blocks of 128 unrolled by 8), so the result is
 * bit-identical to the reference.  NaN for n == 0. */
double al_np_mean(const double *x, size_t n);

/* Python's sum(x) (left to right from 0.0). */
double al_py_sum(const double *x, size_t n);

/* Write the shortest decimal text of v that reads back as v (as Python's
 * repr does; "nan", "inf", "-inf" for the others) into buf (>= 32 bytes). */
char *al_fmt_double(double v, char *buf, size_t size);

#endif
