/* tensor_math.c — placeholder until the elementwise kernels land. */
#include "wk_lua.h"
const luaL_Reg wk_tensor_math_methods[] = {{NULL, NULL}};
const luaL_Reg wk_tensor_math_meta[] = {{NULL, NULL}};
