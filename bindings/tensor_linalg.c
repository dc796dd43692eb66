/* tensor_linalg.c — placeholder until matmul and friends land. */
#include "wk_lua.h"
const luaL_Reg wk_tensor_linalg_methods[] = {{NULL, NULL}};
