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

#endif
