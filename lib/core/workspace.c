/* workspace.c — grow-only scratch buffers for kernels (see workspace.h). */
#include "workspace.h"

#include <stdint.h>
#include <stdlib.h>

#include "error.h"
#include "limits.h"

float *wk_workspace_get(wk_workspace *ws, size_t n)
{
    if (n <= ws->capacity) return ws->data;
    /* n comes from products of tensor sizes: refuse one whose byte count would wrap */
    if (n > (SIZE_MAX - 63) / sizeof(float)) {
        wk_fail("scratch memory of %zu floats is too large", n);
        return NULL;
    }
    size_t bytes = ((n * sizeof(float)) + 63) & ~(size_t)63;
    if (wk_memory_check((double)bytes, "scratch memory") != WK_OK) return NULL;
    float *p = aligned_alloc(64, bytes);
    if (!p) {
        char human[32];
        wk_fail("cannot allocate %s of scratch memory", wk_bytes_str(human, sizeof human, (double)bytes));
        return NULL;
    }
    free(ws->data);
    ws->data = p;
    ws->capacity = n;
    return p;
}

void wk_workspace_free(wk_workspace *ws)
{
    free(ws->data);
    ws->data = NULL;
    ws->capacity = 0;
}
