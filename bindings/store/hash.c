/* hash.c — wick._hash: content hashes (lib/core/hash.c, XXH3-128 as 32 hex characters)
 * for the sketchbook's cache keys and manifests. Internal: cache.lua, book.lua and
 * bundle.lua use it.
 *
 *   wick._hash.bytes(s)          -> hex
 *   wick._hash.file(path)        -> hex, size
 *   local h = wick._hash.new()   -- streaming: h:add(v) any number of times, then h:hex()
 *
 * h:add takes strings, numbers, booleans, nil and tensors. Each value goes in with its
 * type and, for strings, its length, so that ("ab", "c") and ("a", "bc") differ and the
 * integer 1 differs from the float 1.0 (they print differently, so a sketch may treat
 * them differently). A tensor goes in as its shape and its float32 elements in row-major
 * order, however it is strided: two tensors that compare equal element by element and
 * have the same shape hash the same. */
#include <stdlib.h>
#include <string.h>

#include "../../lib/core/hash.h"
#include "../core/wk_lua.h"

#define HASH_MT "wick.hash"

typedef struct lua_hash {
    wk_hash_state h;
    int done;
} lua_hash;

static int hash_bytes(lua_State *L)
{
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    char hex[WK_HASH_HEX];
    wk_hash_bytes(s, n, hex);
    lua_pushstring(L, hex);
    return 1;
}

static int hash_file(lua_State *L)
{
    const char *path = wk_lua_check_path(L, 1, "hash.file");
    char hex[WK_HASH_HEX];
    int64_t size = 0;
    if (wk_hash_file(path, hex, &size) != WK_OK) return wk_lua_fail(L, "hash.file");
    lua_pushstring(L, hex);
    lua_pushinteger(L, (lua_Integer)size);
    return 2;
}

static lua_hash *check_hash(lua_State *L)
{
    lua_hash *h = luaL_checkudata(L, 1, HASH_MT);
    if (h->done) luaL_error(L, "hash: already finished (h:hex() was called)");
    return h;
}

static int hash_gc(lua_State *L)
{
    lua_hash *h = luaL_checkudata(L, 1, HASH_MT);
    wk_hash_abort(&h->h);
    h->done = 1;
    return 0;
}

static int hash_new(lua_State *L)
{
    lua_hash *h = lua_newuserdatauv(L, sizeof *h, 0);
    memset(h, 0, sizeof *h);
    h->done = 1;   /* nothing to free until init succeeds */
    luaL_setmetatable(L, HASH_MT);
    if (wk_hash_init(&h->h) != WK_OK) return wk_lua_fail(L, "hash.new");
    h->done = 0;
    return 1;
}

/* Feed a tensor: 'T', ndim, shape, then the elements in row-major order. A contiguous
 * tensor goes in as one block; a strided view row by row of its last dimension. */
static void add_tensor(wk_hash_state *h, const wk_tensor *t)
{
    int32_t nd = t->ndim;
    wk_hash_update(h, "T", 1);
    wk_hash_update(h, &nd, sizeof nd);
    wk_hash_update(h, t->shape, sizeof(int64_t) * (size_t)t->ndim);
    int64_t numel = wk_tensor_numel(t);
    if (numel == 0) return;
    const float *base = wk_tensor_data(t);
    if (wk_tensor_is_contiguous(t)) {
        wk_hash_update(h, base, (size_t)numel * sizeof(float));
        return;
    }
    /* odometer over all but the last dimension */
    int last = t->ndim - 1;
    int64_t idx[WK_MAX_DIMS] = {0}, len = t->shape[last], step = t->stride[last];
    float row[256];
    for (int64_t done = 0; done < numel; done += len) {
        const float *p = base;
        for (int d = 0; d < last; d++) p += idx[d] * t->stride[d];
        for (int64_t j = 0; j < len;) {
            int64_t k = 0;
            for (; k < 256 && j < len; k++, j++) row[k] = p[j * step];
            wk_hash_update(h, row, (size_t)k * sizeof(float));
        }
        for (int d = last - 1; d >= 0; d--) {
            if (++idx[d] < t->shape[d]) break;
            idx[d] = 0;
        }
    }
}

/* h:add(v, ...) -> h */
static int hash_add(lua_State *L)
{
    lua_hash *h = check_hash(L);
    int top = lua_gettop(L);
    for (int i = 2; i <= top; i++) {
        switch (lua_type(L, i)) {
        case LUA_TNIL: wk_hash_update(&h->h, "n", 1); break;
        case LUA_TBOOLEAN: wk_hash_update(&h->h, lua_toboolean(L, i) ? "b1" : "b0", 2); break;
        case LUA_TNUMBER:
            if (lua_isinteger(L, i)) {
                lua_Integer v = lua_tointeger(L, i);
                wk_hash_update(&h->h, "i", 1);
                wk_hash_update(&h->h, &v, sizeof v);
            } else {
                lua_Number v = lua_tonumber(L, i);
                if (v == 0) v = 0;   /* -0.0 and 0.0 print alike */
                wk_hash_update(&h->h, "f", 1);
                wk_hash_update(&h->h, &v, sizeof v);
            }
            break;
        case LUA_TSTRING: {
            size_t n;
            const char *s = lua_tolstring(L, i, &n);
            uint64_t len = n;
            wk_hash_update(&h->h, "s", 1);
            wk_hash_update(&h->h, &len, sizeof len);
            wk_hash_update(&h->h, s, n);
            break;
        }
        default: {
            wk_tensor *t = wk_lua_test_tensor(L, i);
            if (!t) return luaL_error(L, "hash: cannot hash a %s", luaL_typename(L, i));
            add_tensor(&h->h, t);
        }
        }
    }
    lua_settop(L, 1);
    return 1;
}

/* h:hex() -> the hash; h cannot be fed after */
static int hash_hex(lua_State *L)
{
    lua_hash *h = check_hash(L);
    char hex[WK_HASH_HEX];
    wk_hash_final(&h->h, hex);
    h->done = 1;
    lua_pushstring(L, hex);
    return 1;
}

static const luaL_Reg hash_methods[] = {{"add", hash_add}, {"hex", hash_hex}, {NULL, NULL}};
static const luaL_Reg hash_funcs[] = {{"bytes", hash_bytes}, {"file", hash_file}, {"new", hash_new}, {NULL, NULL}};

int luaopen_wick_hash(lua_State *L)
{
    if (luaL_newmetatable(L, HASH_MT)) {
        lua_pushcfunction(L, hash_gc);
        lua_setfield(L, -2, "__gc");
        luaL_newlib(L, hash_methods);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    luaL_newlib(L, hash_funcs);
    return 1;
}
