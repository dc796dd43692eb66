/* workspace.h — reusable scratch memory for kernels.
 *
 * A training step must allocate nothing in steady state: kernels that need scratch
 * (im2col columns, gate buffers) take a wk_workspace owned by the caller (a layer) and
 * ask it for n floats; it grows on first use and is reused on every later call. */
#ifndef WK_WORKSPACE_H
#define WK_WORKSPACE_H

#include <stddef.h>

typedef struct wk_workspace {
    float *data;        /* (capacity) 64-byte aligned, owned */
    size_t capacity;    /* in floats */
} wk_workspace;

/* At least n floats of scratch (contents undefined), or NULL with wk_errmsg() set. */
float *wk_workspace_get(wk_workspace *ws, size_t n);
void wk_workspace_free(wk_workspace *ws);

#endif
