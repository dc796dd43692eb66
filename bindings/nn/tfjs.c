/* tfjs.c — wick.nn._load_tfjs(dir): a TensorFlow.js layers model (lib/nn/tfjs.c) as a
 * plain Lua description — the model's name, its input and outputs, and one table per
 * layer with its class, options, inputs (1-based), wick-layout weight tensors and output
 * shape. bindings/nn/tfjs.lua turns that description into a runnable module. The model
 * lives in a box on the Lua stack while the tables are built, so an error frees it. */
#include <stdlib.h>
#include <string.h>

#include "../../lib/nn/tfjs.h"
#include "../core/wk_lua.h"

static void model_release(void *p)
{
    wk_tfjs_free(p);
    free(p);
}

static void set_int(lua_State *L, const char *key, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, key);
}

static void set_pair(lua_State *L, const char *key, const int v[2])
{
    lua_createtable(L, 2, 0);
    lua_pushinteger(L, v[0]);
    lua_rawseti(L, -2, 1);
    lua_pushinteger(L, v[1]);
    lua_rawseti(L, -2, 2);
    lua_setfield(L, -2, key);
}

static void set_tensor(lua_State *L, const char *key, const wk_tensor *t)
{
    if (!t->storage) return;
    wk_tensor *u = wk_lua_push_empty(L);
    wk_tensor_share(u, t);
    wk_lua_account(L, u);
    lua_setfield(L, -2, key);
}

static void push_layer(lua_State *L, const wk_tfjs_layer *l)
{
    lua_createtable(L, 0, 24);
    lua_pushstring(L, l->name);
    lua_setfield(L, -2, "name");
    lua_pushstring(L, l->class_name);
    lua_setfield(L, -2, "class");
    lua_createtable(L, l->n_inputs, 0);
    for (int k = 0; k < l->n_inputs; k++) {
        lua_pushinteger(L, l->inputs[k] + 1);
        lua_rawseti(L, -2, k + 1);
    }
    lua_setfield(L, -2, "inputs");
    lua_pushstring(L, wk_tfjs_act_name(l->activation));
    lua_setfield(L, -2, "activation");
    set_pair(L, "kernel", l->kernel);
    set_pair(L, "strides", l->strides);
    set_pair(L, "dilation", l->dilation);
    lua_pushboolean(L, l->same);
    lua_setfield(L, -2, "same");
    set_int(L, "depth_multiplier", l->depth_multiplier);
    lua_createtable(L, 4, 0);
    for (int k = 0; k < 4; k++) {
        lua_pushinteger(L, l->pad[k]);
        lua_rawseti(L, -2, k + 1);
    }
    lua_setfield(L, -2, "pad");
    set_int(L, "axis", l->axis);
    lua_pushnumber(L, l->max_value);
    lua_setfield(L, -2, "max_value");
    lua_pushnumber(L, l->negative_slope);
    lua_setfield(L, -2, "negative_slope");
    lua_pushnumber(L, l->rate);
    lua_setfield(L, -2, "rate");
    lua_createtable(L, l->target_ndim, 0);
    for (int k = 0; k < l->target_ndim; k++) {
        lua_pushinteger(L, l->target[k]);
        lua_rawseti(L, -2, k + 1);
    }
    lua_setfield(L, -2, "target");
    lua_pushboolean(L, l->folded);
    lua_setfield(L, -2, "folded");
    set_tensor(L, "weight", &l->weight);
    set_tensor(L, "bias", &l->bias);
    lua_createtable(L, l->out_ndim, 0);
    for (int k = 0; k < l->out_ndim; k++) {
        lua_pushinteger(L, l->out_shape[k]);
        lua_rawseti(L, -2, k + 1);
    }
    lua_setfield(L, -2, "shape");
    set_int(L, "params", l->params);
}

/* _load_tfjs(dir) -> {name, input, outputs = {…}, params, layers = {…}} */
static int nn_load_tfjs(lua_State *L)
{
    size_t len;
    const char *dir = luaL_checklstring(L, 1, &len);
    if (strlen(dir) != len) return luaL_error(L, "load_tfjs: the folder name holds a zero byte");
    lua_settop(L, 1);
    wk_lua_box *box = wk_lua_push_box(L, model_release);
    box->p = calloc(1, sizeof(wk_tfjs_model));
    if (!box->p) return luaL_error(L, "load_tfjs: out of memory");
    wk_tfjs_model *m = box->p;
    if (wk_tfjs_load(dir, m)) return wk_lua_fail(L, "load_tfjs");
    lua_createtable(L, 0, 6);
    lua_pushstring(L, m->name);
    lua_setfield(L, -2, "name");
    set_int(L, "input", m->input + 1);
    set_int(L, "params", m->params);
    lua_createtable(L, m->n_outputs, 0);
    for (int k = 0; k < m->n_outputs; k++) {
        lua_pushinteger(L, m->outputs[k] + 1);
        lua_rawseti(L, -2, k + 1);
    }
    lua_setfield(L, -2, "outputs");
    lua_createtable(L, m->n_layers, 0);
    for (int i = 0; i < m->n_layers; i++) {
        push_layer(L, &m->layers[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "layers");
    wk_lua_box_release(box);   /* the weights are shared by the tables */
    return 1;
}

static const luaL_Reg tfjs_funcs[] = {{"_load_tfjs", nn_load_tfjs}, {NULL, NULL}};

int luaopen_wick_tfjs(lua_State *L)
{
    luaL_newlib(L, tfjs_funcs);
    return 1;
}
