/* error.c — the per-thread error message behind wk_fail()/wk_errmsg(), and the
 * shape formatter every message about shapes uses. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last_error[1024];

int wk_fail(const char *fmt, ...)
{
    /* Format aside first, so a reason may quote the previous one:
     * wk_fail("cannot write '%s': %s", path, wk_errmsg()). */
    char next[sizeof last_error];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(next, sizeof next, fmt, ap);
    va_end(ap);
    memcpy(last_error, next, sizeof last_error);
    return WK_ERR;
}

const char *wk_errmsg(void) { return last_error; }

char *wk_shape_str(char *buf, size_t size, int ndim, const int64_t *shape)
{
    size_t used = 0;
    if (size == 0) return buf;
    buf[0] = '\0';
    used += (size_t)snprintf(buf + used, size - used, "[");
    for (int d = 0; d < ndim && used < size; d++)
        used += (size_t)snprintf(buf + used, size - used, d ? ",%lld" : "%lld", (long long)shape[d]);
    if (used < size) snprintf(buf + used, size - used, "]");
    return buf;
}

char *wk_bytes_str(char *buf, size_t size, double bytes)
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    while (bytes >= 1024 && u < 6) {
        bytes /= 1024;
        u++;
    }
    /* beyond EiB only absurd sizes remain: three digits of them are enough */
    snprintf(buf, size, bytes >= 1024 ? "%.3g %s" : u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
    return buf;
}
