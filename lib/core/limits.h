/* limits.h — checked arithmetic on sizes, and how much memory a shape, a file or an
 * option may ask for.
 *
 * Every count that decides an allocation or an address — a tensor's element count, a
 * header's rows × columns, an offset plus a length — goes through these helpers, so an
 * absurd size is an error that says what was asked for, never a wrapped int64 that
 * passes a range check and then reads outside a buffer. Three limits apply:
 *   - WK_MAX_NUMEL: no tensor (not even an expanded view) has more than 2^40 elements,
 *     so element counts, byte counts and offsets derived from them never overflow;
 *   - the machine: an allocation larger than the machine's memory fails with a message
 *     saying so instead of being attempted (WICK_MEMORY_LIMIT lowers this, for tests);
 *   - the file: a size read from a file must fit in the bytes the file actually holds. */
#ifndef WK_LIMITS_H
#define WK_LIMITS_H

#include <stdint.h>

#define WK_MAX_NUMEL ((int64_t)1 << 40)

/* a*b and a+b on int64: nonzero (and *out untouched) when the result would overflow. */
static inline int wk_mul_overflows(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r)) return 1;
    *out = r;
    return 0;
}
static inline int wk_add_overflows(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r)) return 1;
    *out = r;
    return 0;
}

/* The element count of a shape, checked: fails (wk_fail) on a negative size, on more
 * than WK_MAX_NUMEL elements, or on more than WK_MAX_DIMS (8) dimensions. */
int wk_shape_numel(int ndim, const int64_t *shape, int64_t *numel);

/* Bytes of memory this machine has (physical RAM), or WICK_MEMORY_LIMIT when that is
 * set lower ("512M", "2G", or a byte count). */
int64_t wk_memory_total(void);

/* WK_OK when `bytes` could be held in memory; otherwise fails with
 * "<what> needs 13.0 GiB, more than this machine's 24.0 GiB of memory". */
int wk_memory_check(double bytes, const char *what);

/* WK_OK when a file's claim of `count` items of `item_bytes` each fits in the
 * `available` bytes it still holds; otherwise fails with
 * "'<path>' is damaged: its <what> claims N bytes but only M remain". */
int wk_file_claim(const char *path, const char *what, int64_t count, int64_t item_bytes, int64_t available);

#endif
