/* wick.h — what the host sees of the bindings: the `wick` module's opener, its version,
 * and the BLAS set-up to run first thing in main. No lib/ type appears here, so the host
 * never depends on tensors or any other kernel's layout. */
#ifndef WICK_H
#define WICK_H

#include <lua.h>
#include <stddef.h>

#define WK_VERSION "0.1.0"   /* wick.version, and what `wick -v` prints */

/* The `wick` module: require "wick" (the host preloads it). */
int luaopen_wick(lua_State *L);

/* Put OpenBLAS on the best kernels the CPU's features allow (lib/core/cpu.h): call first
 * thing in main, with main's argv (the program may be started again, once, when OpenBLAS
 * cannot switch in place). */
void wk_lua_blas_setup(char **argv);
/* "OpenBLAS 0.3.21, kernels Zen (chosen by OpenBLAS), threads 2" into buf; returns buf. */
char *wk_lua_blas_describe(char *buf, size_t size);

#endif
