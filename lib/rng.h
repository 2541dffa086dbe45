/* rng.h: a small, fast, seedable random number generator (xoshiro256**
 * seeded through splitmix64), the same stream on every machine. */
#ifndef AL_RNG_H
#define AL_RNG_H

#include <stdint.h>

typedef struct al_rng { uint64_t s[4]; } al_rng;

void al_rng_seed(al_rng *r, uint64_t seed);
uint64_t al_rng_u64(al_rng *r);
double al_rng_uniform(al_rng *r);          /* [0, 1) with 53 bits */
double al_rng_normal(al_rng *r);           /* N(0, 1), Box-Muller */
uint64_t al_rng_below(al_rng *r, uint64_t n);   /* [0, n), unbiased */

#endif
