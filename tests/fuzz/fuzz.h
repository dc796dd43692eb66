/* fuzz.h — what the libFuzzer targets share: lib's loaders read from a path, so each
 * input is written to a memfd and handed over as /proc/self/fd/N (a regular file to
 * fstat and mmap, with no disk traffic). A loader failing with WK_ERR is a normal
 * outcome; sanitizer reports, leaks, timeouts and big allocations are the findings.
 *
 * Loaders check a header's claimed size against the machine's memory before they
 * allocate (wk_memory_check), and a header may honestly claim a 16000x16000 picture in
 * a few hundred bytes (a truncated file, or a progressive JPEG whose scans are all
 * end-of-band runs). On a 24 GiB machine that allocation is allowed, but libFuzzer's
 * malloc limit (1 GiB, tests/fuzz/run.sh) would report it. So every target runs as on
 * a machine of WK_FUZZ_MEMORY_LIMIT (WICK_MEMORY_LIMIT): a checked claim is refused
 * with wick's error, and any allocation past the limit is one no check covered. */
#ifndef WK_FUZZ_H
#define WK_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../lib/core/error.h"
#include "../../lib/tensor/tensor.h"

#ifndef WK_FUZZ_MEMORY_LIMIT
#define WK_FUZZ_MEMORY_LIMIT "256M"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    setenv("WICK_MEMORY_LIMIT", WK_FUZZ_MEMORY_LIMIT, 1);
    return 0;
}

/* The memfd is made once and rewritten for each input; its path stays valid. */
static const char *wk_fuzz_file(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("wick-fuzz", 0);
        if (fd < 0) { perror("memfd_create"); abort(); }
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0) { perror("ftruncate"); abort(); }
    size_t done = 0;
    while (done < size) {
        ssize_t w = pwrite(fd, data + done, size - done, (off_t)done);
        if (w <= 0) { perror("pwrite"); abort(); }
        done += (size_t)w;
    }
    return path;
}

/* Read every element of a tensor a loader returned, so a shape that promises more
 * than the storage holds shows up as an ASan report rather than later in a sketch.
 * The sum goes to a volatile so the reads are not optimised away. */
static void wk_fuzz_touch(const wk_tensor *t)
{
    int64_t n = wk_tensor_numel(t);
    /* an empty tensor has nothing to read (and wk_tensor_new gives [0,0] strides that
     * wk_tensor_is_contiguous does not accept) */
    if (!t->storage || n == 0) return;
    if (!wk_tensor_is_contiguous(t)) abort();   /* loaders promise contiguous tensors */
    if (t->offset < 0 || t->offset + n > t->storage->numel) abort();
    const float *p = t->storage->data + t->offset;
    float s = 0;
    for (int64_t i = 0; i < n; i++) s += p[i];
    volatile float sink = s;
    (void)sink;
}

#endif
