/* rng.h — wick's one seeded random generator (xoshiro256**, seeded by splitmix64).
 *
 * Every random number in wick (rand, randn, shuffles, dropout, sampling) comes from
 * this stream, so the same seed gives the same numbers on every run and machine.
 * The state is process-global and not thread-safe: draw from one thread only. */
#ifndef WK_RNG_H
#define WK_RNG_H

#include <stdint.h>

void wk_rng_seed(uint64_t seed);
uint64_t wk_rng_get_seed(void);
uint64_t wk_rng_next(void);           /* 64 uniform bits */
float wk_rng_uniform(void);           /* [0, 1) with 24 bits */
double wk_rng_uniform_double(void);   /* [0, 1) with 53 bits */
float wk_rng_normal(void);            /* standard normal */
uint64_t wk_rng_below(uint64_t n);    /* uniform in [0, n), unbiased; n > 0 */

/* A stream of one's own, the same generator as the global one: for work cut into parts
 * that each draw from a stream seeded from the part (so no result depends on which
 * thread ran it), and for hot loops that should not go through a call per draw. */
typedef struct wk_rng_state {
    uint64_t s[4];
} wk_rng_state;

void wk_rng_state_seed(wk_rng_state *r, uint64_t seed);

static inline uint64_t wk_rng_state_next(wk_rng_state *r)
{
    uint64_t *s = r->s;
    uint64_t x = s[1] * 5, result = ((x << 7) | (x >> 57)) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

/* [0, 1) with 53 bits */
static inline double wk_rng_state_uniform(wk_rng_state *r) { return (double)(wk_rng_state_next(r) >> 11) * 0x1.0p-53; }

/* The whole global stream as a value: its state, the seed in force and the spare normal.
 * Cached steps (bindings/store/cache.c) take one after a step and restore it on a hit, so
 * what runs downstream draws the same numbers whether the step ran or not. */
typedef struct wk_rng_snapshot {
    wk_rng_state state;
    uint64_t seed;
    int has_spare;
    float spare;
} wk_rng_snapshot;

void wk_rng_snapshot_take(wk_rng_snapshot *out);
void wk_rng_snapshot_restore(const wk_rng_snapshot *in);

#endif
