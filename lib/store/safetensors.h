/* safetensors.h — read and write model weights in the safetensors format.
 *
 * safetensors (Hugging Face's format, the common way models travel between PyTorch, JAX
 * and everything else) is: an 8-byte little-endian u64 N, N bytes of UTF-8 JSON mapping
 * each tensor name to {"dtype", "shape", "data_offsets": [begin, end]} plus an optional
 * "__metadata__" object of string -> string, then the raw little-endian row-major data,
 * with offsets relative to the first byte after the header.
 *
 * A wk_safetensors is a plain bundle of (name, tensor) pairs and (key, value) metadata
 * strings. Reading fills one; writing saves one:
 *
 *   wk_safetensors st = {0};
 *   wk_safetensors_add(&st, "conv1.weight", &w);      // shares w, copies the name
 *   wk_safetensors_set_meta(&st, "seed", "7");
 *   if (wk_safetensors_write("net.safetensors", &st) != WK_OK) ... wk_errmsg() ...
 *   wk_safetensors_free(&st);
 *
 *   wk_safetensors in;
 *   if (wk_safetensors_read("net.safetensors", &in) != WK_OK) ... wk_errmsg() ...
 *   int i = wk_safetensors_find(&in, "conv1.weight");  // in.tensors[i], or -1
 *   wk_safetensors_free(&in);
 *
 * Reading accepts F32, F16, BF16, F64, F8_E4M3, F8_E5M2, I64, I32, I16, I8, U64, U32,
 * U16, U8 and BOOL and converts every value to float32 (integers above 2^24 round).
 * Every file is validated before any tensor is allocated; a bad file fails with a
 * message naming the file and the problem. Writing stores F32 only. */
#ifndef WK_SAFETENSORS_H
#define WK_SAFETENSORS_H

#include "../tensor/tensor.h"

typedef struct wk_safetensors {
    int count;              /* number of tensors */
    char **names;           /* (count) owned UTF-8 names, unique */
    wk_tensor *tensors;     /* (count) owned references: release via wk_safetensors_free */
    int meta_count;         /* number of metadata entries */
    char **meta_keys;       /* (meta_count) owned, unique */
    char **meta_values;     /* (meta_count) owned */
    int capacity, meta_capacity;   /* allocated slots (internal) */
} wk_safetensors;

/* Read every tensor of the file at path into out (which need not be initialised) as
 * contiguous float32 tensors. Tensors come in the order of their data in the file
 * (for files written by wick or the reference library: sorted by name); metadata in
 * header order. On failure out is left empty and nothing leaks. */
int wk_safetensors_read(const char *path, wk_safetensors *out);

/* Write st to path as F32. The header lists "__metadata__" first (when there is any),
 * then the tensors sorted by name (byte order), with the data laid out in that same
 * order and the header padded with spaces to a multiple of 8 bytes — byte for byte
 * what the reference implementation writes for the same float32 tensors, whatever the
 * order they were added in. Non-contiguous tensors are written contiguously. The file
 * is first written beside path under a temporary name and renamed over it only when
 * complete, so a failure never destroys an existing file. */
int wk_safetensors_write(const char *path, const wk_safetensors *st);

/* Append a tensor: the name is copied, t is shared (a new reference, no data copy).
 * Fails on an empty tensor, a NULL or non-UTF-8 name, "__metadata__", or a name
 * already present. */
int wk_safetensors_add(wk_safetensors *st, const char *name, const wk_tensor *t);

/* Set a metadata string (replacing an existing key's value); both are copied and must
 * be UTF-8. */
int wk_safetensors_set_meta(wk_safetensors *st, const char *key, const char *value);

/* Index of the tensor called name, or -1. */
int wk_safetensors_find(const wk_safetensors *st, const char *name);

/* The metadata value stored under key, or NULL. */
const char *wk_safetensors_meta(const wk_safetensors *st, const char *key);

/* Release every tensor and string; idempotent, leaves st empty (all zero). */
void wk_safetensors_free(wk_safetensors *st);

#endif
