/* rng.c — xoshiro256** (Blackman & Vigna) with splitmix64 seeding, plus the uniform,
 * normal and bounded-integer draws built on it. See rng.h for the contract. */
#include "rng.h"

#include <math.h>

static wk_rng_state global;
static uint64_t seed_in_force;
static int have_spare;      /* Marsaglia's polar method makes normals in pairs */
static float spare_normal;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void wk_rng_state_seed(wk_rng_state *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

void wk_rng_seed(uint64_t seed)
{
    wk_rng_state_seed(&global, seed);
    seed_in_force = seed;
    have_spare = 0;
}

uint64_t wk_rng_get_seed(void) { return seed_in_force; }

void wk_rng_snapshot_take(wk_rng_snapshot *out)
{
    *out = (wk_rng_snapshot){.state = global, .seed = seed_in_force, .has_spare = have_spare, .spare = spare_normal};
}

void wk_rng_snapshot_restore(const wk_rng_snapshot *in)
{
    global = in->state;
    seed_in_force = in->seed;
    have_spare = in->has_spare != 0;
    spare_normal = in->spare;
}

uint64_t wk_rng_next(void)
{
    const uint64_t *s = global.s;
    if ((s[0] | s[1] | s[2] | s[3]) == 0) wk_rng_seed(seed_in_force);
    return wk_rng_state_next(&global);
}

float wk_rng_uniform(void) { return (float)(wk_rng_next() >> 40) * (1.0f / 16777216.0f); }

double wk_rng_uniform_double(void) { return (double)(wk_rng_next() >> 11) * (1.0 / 9007199254740992.0); }

float wk_rng_normal(void)
{
    if (have_spare) {
        have_spare = 0;
        return spare_normal;
    }
    double u, v, s;
    do {
        u = 2.0 * wk_rng_uniform_double() - 1.0;
        v = 2.0 * wk_rng_uniform_double() - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double m = sqrt(-2.0 * log(s) / s);
    spare_normal = (float)(v * m);
    have_spare = 1;
    return (float)(u * m);
}

uint64_t wk_rng_below(uint64_t n)
{
    /* Lemire's method would be faster; rejection keeps it obviously unbiased. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t r;
    do r = wk_rng_next(); while (r >= limit);
    return r % n;
}
