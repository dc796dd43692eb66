/* workspace.c — grow-only scratch buffers for kernels (see workspace.h). */
#include "workspace.h"

#include <stdlib.h>

#include "error.h"

float *wk_workspace_get(wk_workspace *ws, size_t n)
{
    if (n <= ws->capacity) return ws->data;
    size_t bytes = ((n * sizeof(float)) + 63) & ~(size_t)63;
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
