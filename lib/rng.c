/* rng.c: xoshiro256** (Blackman and Vigna), seeded with splitmix64. */
#include "rng.h"

#include <math.h>

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void al_rng_seed(al_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix(&seed);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t al_rng_u64(al_rng *r)
{
	uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

double al_rng_uniform(al_rng *r)
{
	return (double)(al_rng_u64(r) >> 11) * 0x1.0p-53;
}

double al_rng_normal(al_rng *r)
{
	double u = al_rng_uniform(r), v = al_rng_uniform(r);
	return sqrt(-2.0 * log(1.0 - u)) * cos(2.0 * M_PI * v);
}

uint64_t al_rng_below(al_rng *r, uint64_t n)
{
	if (n == 0)
		return 0;
	uint64_t lim = -n % n, x;   /* reject the short top range */
	while ((x = al_rng_u64(r)) < lim)
		;
	return x % n;
}
