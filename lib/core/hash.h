/* hash.h — content hashes for the sketchbook: cache keys, output and data manifests,
 * bundle entries. XXH3-128 from libxxhash (Debian's libxxhash-dev): it runs at memory
 * speed, so hashing the 31 MB of a 10,000-image tensor on every run costs a few
 * milliseconds, which a cryptographic hash would not. It is not a defence against a
 * forger: bundles are checked for damage and for data that differs, not for malice
 * (unpacking is made safe by other means; see lib/store/bundle.c).
 *
 * A hash is written as 32 lowercase hex characters everywhere wick stores or prints one.
 *
 *   wk_hash_state h;
 *   wk_hash_init(&h);
 *   wk_hash_update(&h, data, n);  ...  (any number of times)
 *   char hex[WK_HASH_HEX];
 *   wk_hash_final(&h, hex);
 */
#ifndef WK_HASH_H
#define WK_HASH_H

#include <stddef.h>
#include <stdint.h>

#define WK_HASH_HEX 33   /* 32 hex characters and the NUL */

/* Streaming state; opaque (libxxhash's XXH3 state lives behind the pointer). */
typedef struct wk_hash_state {
    void *xxh;   /* XXH3_state_t*, malloc'd by wk_hash_init */
} wk_hash_state;

/* Start a hash; fails (out of memory) with a reason in wk_errmsg(). */
int wk_hash_init(wk_hash_state *h);
void wk_hash_update(wk_hash_state *h, const void *data, size_t n);
/* Write the hash as hex and free the state; h may be initialised again. */
void wk_hash_final(wk_hash_state *h, char hex[WK_HASH_HEX]);
/* Free a state without finishing it (an error path); idempotent. */
void wk_hash_abort(wk_hash_state *h);

/* One buffer at once. */
void wk_hash_bytes(const void *data, size_t n, char hex[WK_HASH_HEX]);

/* A regular file's contents; *size gets its length. Fails naming the file when it
 * cannot be opened or read, or is not a regular file (a FIFO would block, a device
 * never end). */
int wk_hash_file(const char *path, char hex[WK_HASH_HEX], int64_t *size);

#endif
