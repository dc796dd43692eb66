/* tensor_reduce.c — placeholder until the reductions land. */
#include "wk_lua.h"
const luaL_Reg wk_tensor_reduce_methods[] = {{NULL, NULL}};
