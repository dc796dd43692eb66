/* error_checks.h — checks on the message a failing lib/ call leaves in wk_errmsg(), for
 * the C unit tests:
 *
 *   CHECK(fails_with(wk_tensor_add(&c, &a, &b), "cannot broadcast"));
 *
 * Each prints what it got when it fails, so the log shows the actual message. */
#ifndef WK_ERROR_CHECKS_H
#define WK_ERROR_CHECKS_H

#include <stdio.h>
#include <string.h>

#include "../../lib/core/error.h"

/* The last error message contains part. */
static inline int has_message(const char *part)
{
    if (strstr(wk_errmsg(), part)) return 1;
    printf("  message \"%s\" does not contain \"%s\"\n", wk_errmsg(), part);
    return 0;
}

/* A call returned status WK_ERR with a message containing text. */
static inline int fails_with(int status, const char *text)
{
    if (status != WK_ERR) {
        printf("    expected failure with \"%s\", got success\n", text);
        return 0;
    }
    return has_message(text);
}

#endif
