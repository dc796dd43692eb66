/* cache.c — the C side of wick.cache (bindings/store/cache.lua): the random generator's
 * whole state as a string, and tensors to and from the raw bytes of a stored value.
 *
 * A cached step's key includes the generator's state at its start, and the state after
 * it is stored with its value and restored on a hit, so everything downstream draws the
 * same numbers whether the step ran or was reused. The state is lib/core/rng.h's
 * snapshot, written as 48 little-endian bytes (the four words of xoshiro256**, the seed
 * in force, the spare normal and whether it is there).
 *
 * A step's code is Lua's own dump of its function without debug information, with the
 * lines each function starts and ends on (which Lua writes even then) set to zero, so a
 * step that only moved in its file keeps its key.
 *
 * A stored value is a small description written by cache.lua with string.pack followed
 * by the tensors' elements; reading a tensor copies its elements straight out of the
 * stored string at an offset, so a large value is not cut into substrings first.
 *
 * The files a step reads are part of what it depends on: while a step runs, the files
 * wick's loaders open (lib/core/file.h's observers) are noted here, and cache.lua stores
 * them with the entry, so a hit checks that they are unchanged. */
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../lib/core/file.h"
#include "../../lib/core/rng.h"
#include "../core/wk_lua.h"

#define RNG_BYTES 48

// ---------------------------------------------------------------------------- generator

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* _cache.rng_state() -> 48-byte string */
static int cache_rng_state(lua_State *L)
{
    wk_rng_snapshot s;
    wk_rng_snapshot_take(&s);
    unsigned char b[RNG_BYTES];
    for (int i = 0; i < 4; i++) put_u64(b + 8 * i, s.state.s[i]);
    put_u64(b + 32, s.seed);
    uint32_t spare = 0;
    if (s.has_spare) memcpy(&spare, &s.spare, 4);   /* no spare: zeros, not a stale float */
    put_u64(b + 40, (uint64_t)spare << 32 | (s.has_spare ? 1u : 0u));
    lua_pushlstring(L, (const char *)b, RNG_BYTES);
    return 1;
}

/* _cache.rng_restore(s): put back a state rng_state returned. */
static int cache_rng_restore(lua_State *L)
{
    size_t n;
    const unsigned char *b = (const unsigned char *)luaL_checklstring(L, 1, &n);
    if (n != RNG_BYTES) return luaL_error(L, "cache: a stored generator state has %d bytes, not %d", (int)n, RNG_BYTES);
    wk_rng_snapshot s;
    for (int i = 0; i < 4; i++) s.state.s[i] = get_u64(b + 8 * i);
    s.seed = get_u64(b + 32);
    uint64_t last = get_u64(b + 40);
    uint32_t spare = (uint32_t)(last >> 32);
    s.has_spare = (int)(last & 1);
    memcpy(&s.spare, &spare, 4);
    wk_rng_snapshot_restore(&s);
    return 0;
}

// ---------------------------------------------------------------------------- code

/* Lua 5.4's dump format (ldump.c): sizes are 7-bit groups, most significant first, the
 * last group marked with 0x80. */
struct dump {
    const unsigned char *p;
    size_t n, pos;
    luaL_Buffer *out;   /* the dump so far, line numbers zeroed */
    size_t copied;      /* p[0, copied) is in out */
};

static int dump_size(struct dump *d, size_t *out)
{
    size_t x = 0;
    for (int i = 0; i < 10; i++) {
        if (d->pos >= d->n) return -1;
        unsigned char b = d->p[d->pos++];
        x = (x << 7) | (b & 0x7f);
        if (b & 0x80) {
            *out = x;
            return 0;
        }
    }
    return -1;
}

static int dump_skip(struct dump *d, size_t k)
{
    if (k > d->n - d->pos) return -1;
    d->pos += k;
    return 0;
}

static int dump_string(struct dump *d)
{
    size_t k;
    return dump_size(d, &k) || (k > 0 && dump_skip(d, k - 1)) ? -1 : 0;
}

/* Walk one function (and its nested ones), noting where its line numbers are. */
static int dump_function(struct dump *d, int depth)
{
    size_t k;
    if (depth > 200 || dump_string(d)) return -1;   /* source: absent when stripped */
    for (int i = 0; i < 2; i++) {   /* linedefined, lastlinedefined: written as zero */
        luaL_addlstring(d->out, (const char *)d->p + d->copied, d->pos - d->copied);
        luaL_addchar(d->out, (char)0x80);
        if (dump_size(d, &k)) return -1;
        d->copied = d->pos;
    }
    if (dump_skip(d, 3) || dump_size(d, &k) || k > SIZE_MAX / 4 || dump_skip(d, 4 * k)) return -1;   /* code */
    if (dump_size(d, &k)) return -1;   /* constants */
    for (size_t i = 0; i < k; i++) {
        if (d->pos >= d->n) return -1;
        unsigned char tag = d->p[d->pos++];
        if (tag == 0x03 || tag == 0x13) {   /* integer, float */
            if (dump_skip(d, 8)) return -1;
        } else if (tag == 0x04 || tag == 0x14) {   /* short, long string */
            if (dump_string(d)) return -1;
        } else if (tag != 0x00 && tag != 0x01 && tag != 0x11) {   /* nil, false, true */
            return -1;
        }
    }
    if (dump_size(d, &k) || k > SIZE_MAX / 3 || dump_skip(d, 3 * k)) return -1;   /* upvalues */
    if (dump_size(d, &k)) return -1;   /* nested functions */
    for (size_t i = 0; i < k; i++)
        if (dump_function(d, depth + 1)) return -1;
    for (int i = 0; i < 4; i++)   /* debug information: all empty when stripped */
        if (dump_size(d, &k) || k != 0) return -1;
    return 0;
}

/* lua_dump's writer, as string.dump's (lstrlib.c): the buffer starts at the first write,
 * once lua_dump has seen the function on top of the stack. */
struct dump_writer {
    luaL_Buffer b;
    int started;
};

static int dump_writer(lua_State *L, const void *p, size_t size, void *ud)
{
    struct dump_writer *w = ud;
    if (!w->started) {
        w->started = 1;
        luaL_buffinit(L, &w->b);
    }
    luaL_addlstring(&w->b, p, size);
    return 0;
}

/* _cache.code(fn) -> its stripped dump with line numbers zeroed, or nil for a C function.
 * A dump this walker does not follow is returned as it is (a key then also changes when
 * the step moves: never a wrong hit). */
static int cache_code(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    if (lua_iscfunction(L, 1)) return 0;
    lua_settop(L, 1);
    struct dump_writer w = {.started = 0};
    if (lua_dump(L, dump_writer, &w, 1) != 0 || !w.started) return luaL_error(L, "cache: cannot dump a step's code");
    luaL_pushresult(&w.b);
    luaL_Buffer b;
    size_t n;
    const char *raw = lua_tolstring(L, -1, &n);
    const size_t header = 31;   /* signature, version, format, data, sizes, check integer, check number */
    if (n <= header) return 1;
    luaL_buffinit(L, &b);
    struct dump d = {.p = (const unsigned char *)raw, .n = n, .pos = header + 1, .out = &b};   /* + main's upvalue count */
    if (dump_function(&d, 0) || d.pos != n) {
        luaL_pushresult(&b);
        lua_pop(L, 1);
        return 1;   /* the raw dump, still on the stack */
    }
    luaL_addlstring(&b, raw + d.copied, n - d.copied);
    luaL_pushresult(&b);
    return 1;
}

// ---------------------------------------------------------------------------- tensors

/* _cache.tensor_bytes(t) -> its elements as a string of little-endian float32, in order */
static int cache_tensor_bytes(lua_State *L)
{
    const wk_tensor *t = wk_lua_contiguous(L, 1, "cache");
    int64_t n = wk_tensor_numel(t);
    if (n == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    lua_pushlstring(L, (const char *)wk_tensor_data(t), (size_t)n * sizeof(float));
    return 1;
}

/* _cache.tensor_read(s, pos, shape) -> tensor, next_pos: a new tensor of that shape whose
 * elements are the bytes of s from pos (1-based) on. */
static int cache_tensor_read(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    lua_Integer pos = luaL_checkinteger(L, 2);
    int64_t shape[WK_MAX_DIMS];
    luaL_checktype(L, 3, LUA_TTABLE);
    int ndim = (int)lua_rawlen(L, 3);
    if (ndim > WK_MAX_DIMS) return luaL_error(L, "cache: a stored tensor has %d dimensions", ndim);
    for (int i = 0; i < ndim; i++) {
        lua_rawgeti(L, 3, i + 1);
        shape[i] = (int64_t)lua_tointeger(L, -1);
        lua_pop(L, 1);
    }
    int64_t numel;
    if (wk_tensor_check_shape(ndim, shape, &numel) != WK_OK) return wk_lua_fail(L, "cache");
    size_t bytes = (size_t)numel * sizeof(float);
    if (pos < 1 || (size_t)(pos - 1) > len || len - (size_t)(pos - 1) < bytes)
        return luaL_error(L, "cache: a stored tensor runs past the end of its value");
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_tensor_new(t, ndim, shape) != WK_OK) return wk_lua_fail(L, "cache");
    if (bytes > 0) memcpy(wk_tensor_data(t), s + pos - 1, bytes);
    wk_lua_account(L, t);
    lua_pushinteger(L, pos + (lua_Integer)bytes);
    return 2;
}

// ---------------------------------------------------------------------------- files a step reads

/* The paths loaders opened while a step ran, in order (with repeats). Steps nest:
 * reads_begin gives a mark, reads_end(mark) the paths from it on; the list is emptied
 * when the outermost step ends. Loaders may run on pool threads: hence the lock. */
static struct {
    pthread_mutex_t mu;
    int depth;
    char **paths;
    size_t n, cap;
} reads = {PTHREAD_MUTEX_INITIALIZER, 0, NULL, 0, 0};

static void reads_observe(int kind, const char *path)
{
    if (kind != WK_FILE_READ) return;
    pthread_mutex_lock(&reads.mu);
    int on = reads.depth > 0;
    pthread_mutex_unlock(&reads.mu);
    if (!on) return;   /* no step running: the usual case */
    char *copy = realpath(path, NULL);   /* outside the lock: loaders on other threads go on */
    if (!copy) copy = strdup(path);
    pthread_mutex_lock(&reads.mu);
    if (reads.depth > 0 && copy && reads.n == reads.cap) {
        size_t cap = reads.cap ? reads.cap * 2 : 64;
        char **grown = realloc(reads.paths, cap * sizeof *grown);
        if (grown) reads.paths = grown, reads.cap = cap;
    }
    /* out of memory: the path is lost and the entry checks fewer files; the step's
     * code and inputs are still in its key */
    if (reads.depth > 0 && copy && reads.n < reads.cap) reads.paths[reads.n++] = copy, copy = NULL;
    pthread_mutex_unlock(&reads.mu);
    free(copy);
}

/* _cache.reads_begin() -> mark */
static int cache_reads_begin(lua_State *L)
{
    pthread_mutex_lock(&reads.mu);
    reads.depth++;
    lua_Integer mark = (lua_Integer)reads.n;
    pthread_mutex_unlock(&reads.mu);
    lua_pushinteger(L, mark);
    return 1;
}

/* _cache.reads_end(mark) -> {path, ...}: the files read since mark, each once. */
static int cache_reads_end(lua_State *L)
{
    lua_Integer mark = luaL_checkinteger(L, 1);
    lua_newtable(L);   /* the list */
    lua_newtable(L);   /* seen */
    pthread_mutex_lock(&reads.mu);
    int k = 0;
    for (size_t i = mark < 0 ? 0 : (size_t)mark; i < reads.n; i++) {
        if (lua_getfield(L, -1, reads.paths[i]) == LUA_TNIL) {
            lua_pushboolean(L, 1);
            lua_setfield(L, -3, reads.paths[i]);
            lua_pushstring(L, reads.paths[i]);
            lua_rawseti(L, -4, ++k);
        }
        lua_pop(L, 1);
    }
    if (reads.depth > 0 && --reads.depth == 0) {
        for (size_t i = 0; i < reads.n; i++) free(reads.paths[i]);
        reads.n = 0;
    }
    pthread_mutex_unlock(&reads.mu);
    lua_pop(L, 1);
    return 1;
}

/* _cache.note_read(path): tell the observers a file was read (a memo under --watch
 * handed out its contents without opening it; a hit stands for its step's reads). */
static int cache_note_read(lua_State *L)
{
    wk_file_note_read(luaL_checkstring(L, 1));
    return 0;
}

/* _cache.stamp(path) -> size, mtime (seconds, with nanoseconds) | nil */
static int cache_stamp(lua_State *L)
{
    struct stat st;
    if (stat(luaL_checkstring(L, 1), &st) != 0 || !S_ISREG(st.st_mode)) return 0;
    lua_pushinteger(L, (lua_Integer)st.st_size);
    lua_pushnumber(L, (lua_Number)st.st_mtim.tv_sec + (lua_Number)st.st_mtim.tv_nsec * 1e-9);
    return 2;
}

static const luaL_Reg cache_funcs[] = {
    {"reads_begin", cache_reads_begin},
    {"reads_end", cache_reads_end},
    {"note_read", cache_note_read},
    {"stamp", cache_stamp},
    {"rng_state", cache_rng_state},
    {"rng_restore", cache_rng_restore},
    {"code", cache_code},
    {"tensor_bytes", cache_tensor_bytes},
    {"tensor_read", cache_tensor_read},
    {NULL, NULL}};

/* The table cache.lua fills in as wick._cache. */
int luaopen_wick_cache(lua_State *L)
{
    wk_file_observe(reads_observe);
    luaL_newlib(L, cache_funcs);
    return 1;
}
