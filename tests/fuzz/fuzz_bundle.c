/* fuzz_bundle.c — libFuzzer target for wk_bundle_open and wk_bundle_open_memory
 * (lib/store/bundle.c): a bundle is a file someone else sent, so any bytes must give a
 * checked bundle whose every entry can be listed and read, or WK_ERR with nothing
 * leaked. Each input is opened both ways (from a path, as `wick info` does, and from
 * memory); both must agree on whether it is valid. Unpacking is not run here (it
 * writes to disk); tests/spec/bundle_spec.lua covers it with hostile bundles. */
#include "fuzz.h"
#include "../../lib/store/bundle.h"

#include <fcntl.h>
#include <string.h>

/* SQLite resolves symbolic links in a file name, and fuzz.h's /proc/self/fd/N names a
 * memfd that has no path to resolve to, so the input goes to a real file on tmpfs
 * (made once, rewritten each time, removed at exit). */
static char shm_path[64];
static void remove_shm(void) { unlink(shm_path); }

static const char *input_file(const uint8_t *data, size_t size)
{
    static int fd = -1;
    if (fd < 0) {
        snprintf(shm_path, sizeof shm_path, "/dev/shm/wick-fuzz-bundle-XXXXXX");
        fd = mkstemp(shm_path);
        if (fd < 0) { perror("mkstemp"); abort(); }
        atexit(remove_shm);
    }
    if (ftruncate(fd, 0) != 0) { perror("ftruncate"); abort(); }
    for (size_t done = 0; done < size;) {
        ssize_t w = pwrite(fd, data + done, size - done, (off_t)done);
        if (w <= 0) { perror("pwrite"); abort(); }
        done += (size_t)w;
    }
    return shm_path;
}

static void list(const wk_bundle *b)
{
    size_t sum = 0;
    for (int i = 0; i < b->nfiles; i++) {
        const wk_bundle_file *f = &b->files[i];
        if (wk_bundle_check_path(f->path, strlen(f->path)) != WK_OK) abort();   /* open promised safe paths */
        if (wk_bundle_find(b, f->path) != i) abort();                            /* sorted and unique */
        char *data;
        int64_t n;
        if (wk_bundle_read(b, i, &data, &n) != WK_OK || n != f->size) abort();   /* hashes were checked */
        for (int64_t k = 0; k < n; k++) sum += (unsigned char)data[k];
        free(data);
        sum += strlen(wk_bundle_kind_name(f->kind));
    }
    for (int i = 0; i < b->ninputs; i++)
        sum += strlen(b->inputs[i].path) + (b->inputs[i].data ? strlen(b->inputs[i].data) : 0) +
               (b->inputs[i].package ? strlen(b->inputs[i].package) : 0);
    for (int i = 0; i < b->nmeta; i++) sum += strlen(wk_bundle_meta_get(b, b->meta[i].key));
    volatile size_t sink = sum;
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wk_bundle b;
    int from_path = wk_bundle_open(&b, input_file(data, size));
    if (from_path == WK_OK) {
        list(&b);
        wk_bundle_close(&b);
    }
    int from_memory = wk_bundle_open_memory(&b, data, size, "fuzz.wick");
    if (from_memory == WK_OK) {
        list(&b);
        wk_bundle_close(&b);
    }
    if (from_path != from_memory) abort();
    return 0;
}
