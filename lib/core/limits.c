/* limits.c — the checked element count every shape goes through, the machine's memory
 * as the ceiling for any one allocation, and the check that a size read from a file
 * fits in the file. See limits.h. */
#include "limits.h"

#include <stdlib.h>
#include <unistd.h>

#include "error.h"

#define WK_MAX_DIMS_LIMIT 8   /* tensor.h's WK_MAX_DIMS; core does not include tensor.h */

int wk_shape_numel(int ndim, const int64_t *shape, int64_t *numel)
{
    char buf[200];
    if (ndim < 0 || ndim > WK_MAX_DIMS_LIMIT)
        return wk_fail("a tensor has 0 to %d dimensions, got %d", WK_MAX_DIMS_LIMIT, ndim);
    int64_t n = 1;
    int too_big = 0, empty = 0;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] < 0)
            return wk_fail("size %lld in shape %s is negative", (long long)shape[d],
                           wk_shape_str(buf, sizeof buf, ndim, shape));
        if (shape[d] == 0) empty = 1;
        else if (wk_mul_overflows(n, shape[d], &n) || n > WK_MAX_NUMEL) too_big = 1, n = 1;
    }
    /* A zero size anywhere makes the tensor empty, however large the other sizes are. */
    if (empty) n = 0;
    else if (too_big) {
        double total = 1, bytes;
        char human[32];
        for (int d = 0; d < ndim; d++) total *= (double)shape[d];
        bytes = total * 4;
        return wk_fail("shape %s has %.3g elements (%s), more than wick's limit of 2^40 elements",
                       wk_shape_str(buf, sizeof buf, ndim, shape), total, wk_bytes_str(human, sizeof human, bytes));
    }
    *numel = n;
    return WK_OK;
}

/* Parse "512M" / "2G" / "1048576" (bytes); 0 when absent or unreadable. */
static int64_t parse_limit(const char *s)
{
    if (!s || !*s) return 0;
    char *end;
    double v = strtod(s, &end);
    if (!(v > 0)) return 0;
    switch (*end) {
    case 'k': case 'K': v *= 1024.0; break;
    case 'm': case 'M': v *= 1024.0 * 1024; break;
    case 'g': case 'G': v *= 1024.0 * 1024 * 1024; break;
    case 't': case 'T': v *= 1024.0 * 1024 * 1024 * 1024; break;
    default: break;
    }
    return v >= 9.0e18 ? INT64_MAX : (int64_t)v;
}

int64_t wk_memory_total(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    int64_t total = pages > 0 && page > 0 ? (int64_t)pages * page : INT64_MAX;
    int64_t limit = parse_limit(getenv("WICK_MEMORY_LIMIT"));
    return limit > 0 && limit < total ? limit : total;
}

int wk_memory_check(double bytes, const char *what)
{
    int64_t total = wk_memory_total();
    if (bytes <= (double)total) return WK_OK;
    char need[32], have[32];
    return wk_fail("%s needs %s, more than this machine's %s of memory", what, wk_bytes_str(need, sizeof need, bytes),
                   wk_bytes_str(have, sizeof have, (double)total));
}

int wk_file_claim(const char *path, const char *what, int64_t count, int64_t item_bytes, int64_t available)
{
    int64_t need;
    if (count < 0 || item_bytes < 0)
        return wk_fail("'%s' is damaged: its %s gives a negative size", path, what);
    if (!wk_mul_overflows(count, item_bytes, &need) && need <= available) return WK_OK;
    char n[32], a[32];
    return wk_fail("'%s' is damaged or truncated: its %s claims %s but only %s remain", path, what,
                   wk_bytes_str(n, sizeof n, (double)count * (double)item_bytes),
                   wk_bytes_str(a, sizeof a, (double)(available > 0 ? available : 0)));
}
