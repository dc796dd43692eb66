/* error.h — how lib/ reports failure.
 *
 * Every fallible lib function returns an int status: WK_OK (0) on success, WK_ERR (-1)
 * on failure, after storing a readable reason with wk_fail(). The reason stays until
 * the next failure on the same thread; bindings read it with wk_errmsg() and turn it
 * into a Lua error. lib never prints, exits or aborts on bad input. */
#ifndef WK_ERROR_H
#define WK_ERROR_H

#define WK_OK 0
#define WK_ERR (-1)

/* Store a printf-style reason and return WK_ERR, so callers can `return wk_fail(...)`.
 * The arguments may include wk_errmsg() (to wrap a callee's reason). */
int wk_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The last reason stored on this thread ("" if none). */
const char *wk_errmsg(void);

/* Format a shape as "[3,28,28]" into buf (always NUL-terminated); returns buf. */
#include <stdint.h>
#include <stddef.h>
char *wk_shape_str(char *buf, size_t size, int ndim, const int64_t *shape);

/* A byte count for people: "512 B", "3.2 MiB", "3.6 TiB". */
char *wk_bytes_str(char *buf, size_t size, double bytes);

#endif
