/* tfjs.c — the TensorFlow.js layers-model reader behind tfjs.h.
 *
 * Loading runs in four passes, each finishing its checks before the next starts:
 *   1. the topology: model.json's Keras config becomes wk_tfjs_layer records (class,
 *      options, inputs by index), in an order where inputs come first;
 *   2. the manifest: every weight spec is checked (name, shape, dtype, quantisation)
 *      and the group's bytes, read from its shards, must be exactly what the specs ask;
 *   3. shapes: per-sample shapes flow from the input through every layer, checking
 *      each stored weight's shape against the layer and the channels reaching it;
 *   4. layout: weights are decoded to float32 in wick's layout, and batch norms after
 *      a convolution are folded into it.
 * JSON is parsed with cJSON (Debian libcjson-dev), as the safetensors reader does.
 * Every message starts with the model folder (or the fuzz target's name) and, where a
 * layer is at fault, names it: "…/model.json: layer 'conv2d_7' (Conv2D): …". */
#include "tfjs.h"

#include "../core/file.h"
#include "../core/limits.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_JSON  ((int64_t)256 << 20)    /* model.json: the largest real ones are a few MB */
#define MAX_SHARD ((int64_t)1 << 30)      /* one shard file (tfjs writes 4 MB ones) */
#define MAX_SIDE  (1 << 20)               /* kernel sizes, strides, paddings */

static const char *const KIND_NAMES[WK_TFJS_KIND_COUNT] = {
    "InputLayer", "Conv2D", "DepthwiseConv2D", "BatchNormalization", "Activation", "ReLU",
    "Softmax", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D",
    "GlobalMaxPooling2D", "ZeroPadding2D", "Concatenate", "Add", "Dense", "Flatten",
    "Reshape", "Dropout"};

static const char *const ACT_NAMES[WK_TFJS_ACT_COUNT] = {"linear", "relu", "relu6", "sigmoid",
                                                         "tanh", "softmax"};

const char *wk_tfjs_act_name(wk_tfjs_act a)
{
    return a >= 0 && a < WK_TFJS_ACT_COUNT ? ACT_NAMES[a] : "?";
}

/* Raw weights of one layer as the file stores them (Keras layout), before pass 4. */
enum { W_KERNEL, W_BIAS, W_GAMMA, W_BETA, W_MEAN, W_VAR, W_SLOTS };
static const char *const SLOT_NAMES[W_SLOTS] = {"kernel", "bias", "gamma", "beta", "moving_mean",
                                                "moving_variance"};

typedef struct raw_weight {
    int present;
    int ndim;
    int64_t shape[WK_MAX_DIMS];
    wk_tensor t;             /* decoded float32, Keras layout */
} raw_weight;

typedef struct loader {
    const char *where;       /* for messages */
    wk_tfjs_model *m;
    raw_weight (*raw)[W_SLOTS];   /* (n_layers) */
    int *use_bias, *center, *scale;   /* (n_layers) flags from the config */
    int *filters, *units;             /* (n_layers) */
    float *epsilon;                   /* (n_layers) */
    int in_ndim;                      /* InputLayer's per-sample rank (Keras order) */
    int64_t in_shape[3];
} loader;

static int fail_at(const loader *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail_at(const loader *L, const char *fmt, ...)
{
    char why[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return wk_fail("%s: %s", L->where, why);
}

static int fail_layer(const loader *L, const wk_tfjs_layer *l, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_layer(const loader *L, const wk_tfjs_layer *l, const char *fmt, ...)
{
    char why[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return wk_fail("%s: layer '%s' (%s): %s", L->where, l->name, l->class_name, why);
}

/* ---- JSON helpers ------------------------------------------------------------------ */

static const cJSON *get(const cJSON *obj, const char *key)
{
    return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

/* An integer in [lo, hi] (JSON numbers are doubles). */
static int as_int(const cJSON *v, long lo, long hi, long *out)
{
    if (!cJSON_IsNumber(v)) return 0;
    double d = v->valuedouble;
    if (!(d >= (double)lo && d <= (double)hi) || d != floor(d)) return 0;
    *out = (long)d;
    return 1;
}

/* An (h, w) pair given as a number or a list of two. */
static int int_pair(const loader *L, const wk_tfjs_layer *l, const cJSON *cfg, const char *key,
                    int dflt, int lo, int out[2])
{
    const cJSON *v = get(cfg, key);
    long a, b;
    if (!v || cJSON_IsNull(v)) {
        out[0] = out[1] = dflt;
        return WK_OK;
    }
    if (as_int(v, lo, MAX_SIDE, &a)) {
        out[0] = out[1] = (int)a;
        return WK_OK;
    }
    if (cJSON_IsArray(v) && cJSON_GetArraySize(v) == 2 && as_int(cJSON_GetArrayItem(v, 0), lo, MAX_SIDE, &a) &&
        as_int(cJSON_GetArrayItem(v, 1), lo, MAX_SIDE, &b)) {
        out[0] = (int)a, out[1] = (int)b;
        return WK_OK;
    }
    return fail_layer(L, l, "'%s' must be an integer or a pair of integers from %d to %d", key, lo, MAX_SIDE);
}

static int get_string(const cJSON *obj, const char *key, const char **out)
{
    const cJSON *v = get(obj, key);
    if (!cJSON_IsString(v) || !v->valuestring) return 0;
    *out = v->valuestring;
    return 1;
}

static int get_bool(const cJSON *obj, const char *key, int dflt)
{
    const cJSON *v = get(obj, key);
    if (cJSON_IsBool(v)) return cJSON_IsTrue(v);
    return dflt;
}

static int get_float(const loader *L, const wk_tfjs_layer *l, const cJSON *cfg, const char *key, double dflt,
                     double lo, double hi, float *out)
{
    const cJSON *v = get(cfg, key);
    if (!v || cJSON_IsNull(v)) {
        *out = (float)dflt;
        return WK_OK;
    }
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo && v->valuedouble <= hi))
        return fail_layer(L, l, "'%s' must be a number from %g to %g", key, lo, hi);
    *out = (float)v->valuedouble;
    return WK_OK;
}

/* ---- pass 1: the topology ------------------------------------------------------------ */

static int parse_activation(const loader *L, const wk_tfjs_layer *l, const cJSON *cfg, wk_tfjs_act *out)
{
    const char *name = "linear";
    const cJSON *v = get(cfg, "activation");
    if (v && !cJSON_IsNull(v) && !get_string(cfg, "activation", &name))
        return fail_layer(L, l, "'activation' must be a string");
    for (int a = 0; a < WK_TFJS_ACT_COUNT; a++)
        if (strcmp(name, ACT_NAMES[a]) == 0) return *out = (wk_tfjs_act)a, WK_OK;
    return fail_layer(L, l, "activation '%.60s' is not supported (linear, relu, relu6, sigmoid, tanh, softmax are)",
                      name);
}

static int parse_padding_mode(const loader *L, const wk_tfjs_layer *l, const cJSON *cfg, int *same)
{
    const char *p = "valid";
    if (get(cfg, "padding") && !get_string(cfg, "padding", &p)) return fail_layer(L, l, "'padding' must be a string");
    if (strcmp(p, "valid") == 0) *same = 0;
    else if (strcmp(p, "same") == 0) *same = 1;
    else return fail_layer(L, l, "padding '%.40s' is not supported ('valid' and 'same' are)", p);
    const char *fmt;
    if (get_string(cfg, "data_format", &fmt) && strcmp(fmt, "channels_last") != 0)
        return fail_layer(L, l, "data_format '%.40s' is not supported (tfjs models are channels_last)", fmt);
    return WK_OK;
}

/* ZeroPadding2D's padding: n, [h, w] or [[top, bottom], [left, right]]. */
static int parse_zero_padding(const loader *L, wk_tfjs_layer *l, const cJSON *cfg)
{
    const cJSON *v = get(cfg, "padding");
    long a, b, c, d;
    if (as_int(v, 0, MAX_SIDE, &a)) {
        l->pad[0] = l->pad[1] = l->pad[2] = l->pad[3] = (int)a;
        return WK_OK;
    }
    if (cJSON_IsArray(v) && cJSON_GetArraySize(v) == 2) {
        const cJSON *h = cJSON_GetArrayItem(v, 0), *w = cJSON_GetArrayItem(v, 1);
        if (as_int(h, 0, MAX_SIDE, &a) && as_int(w, 0, MAX_SIDE, &b)) {
            l->pad[0] = l->pad[1] = (int)a, l->pad[2] = l->pad[3] = (int)b;
            return WK_OK;
        }
        if (cJSON_IsArray(h) && cJSON_GetArraySize(h) == 2 && cJSON_IsArray(w) && cJSON_GetArraySize(w) == 2 &&
            as_int(cJSON_GetArrayItem(h, 0), 0, MAX_SIDE, &a) && as_int(cJSON_GetArrayItem(h, 1), 0, MAX_SIDE, &b) &&
            as_int(cJSON_GetArrayItem(w, 0), 0, MAX_SIDE, &c) && as_int(cJSON_GetArrayItem(w, 1), 0, MAX_SIDE, &d)) {
            l->pad[0] = (int)a, l->pad[1] = (int)b, l->pad[2] = (int)c, l->pad[3] = (int)d;
            return WK_OK;
        }
    }
    return fail_layer(L, l, "'padding' must be n, [h, w] or [[top, bottom], [left, right]] of integers");
}

/* The options of one layer, by class. */
static int parse_config(const loader *L, wk_tfjs_layer *l, int i, const cJSON *cfg)
{
    l->activation = WK_TFJS_LINEAR;
    l->strides[0] = l->strides[1] = l->dilation[0] = l->dilation[1] = l->kernel[0] = l->kernel[1] = 1;
    l->axis = -1;
    long n;
    switch (l->kind) {
    case WK_TFJS_CONV2D:
    case WK_TFJS_DEPTHWISE_CONV2D:
        if (int_pair(L, l, cfg, "kernel_size", 0, 1, l->kernel) || int_pair(L, l, cfg, "strides", 1, 1, l->strides) ||
            int_pair(L, l, cfg, "dilation_rate", 1, 1, l->dilation) || parse_padding_mode(L, l, cfg, &l->same) ||
            parse_activation(L, l, cfg, &l->activation))
            return WK_ERR;
        if (l->kernel[0] == 0) return fail_layer(L, l, "'kernel_size' is missing");
        if ((l->strides[0] > 1 || l->strides[1] > 1) && (l->dilation[0] > 1 || l->dilation[1] > 1))
            return fail_layer(L, l, "strides and dilation_rate both above 1 (Keras refuses this too)");
        L->use_bias[i] = get_bool(cfg, "use_bias", 1);
        if (l->kind == WK_TFJS_CONV2D) {
            if (!as_int(get(cfg, "filters"), 1, 1 << 24, &n)) return fail_layer(L, l, "'filters' must be a positive integer");
            L->filters[i] = (int)n;
            if (as_int(get(cfg, "groups"), 2, 1 << 24, &n))
                return fail_layer(L, l, "grouped convolution (groups %ld) is not supported", n);
        } else {
            n = 1;
            if (get(cfg, "depth_multiplier") && !as_int(get(cfg, "depth_multiplier"), 1, 1 << 16, &n))
                return fail_layer(L, l, "'depth_multiplier' must be a positive integer");
            l->depth_multiplier = (int)n;
        }
        return WK_OK;
    case WK_TFJS_DENSE:
        if (!as_int(get(cfg, "units"), 1, 1 << 24, &n)) return fail_layer(L, l, "'units' must be a positive integer");
        L->units[i] = (int)n;
        L->use_bias[i] = get_bool(cfg, "use_bias", 1);
        return parse_activation(L, l, cfg, &l->activation);
    case WK_TFJS_BATCH_NORM: {
        const cJSON *axis = get(cfg, "axis");
        if (cJSON_IsArray(axis) && cJSON_GetArraySize(axis) == 1) axis = cJSON_GetArrayItem(axis, 0);
        if (axis && !as_int(axis, -8, 8, &n)) return fail_layer(L, l, "'axis' must be one integer");
        l->axis = axis ? (int)n : -1;
        L->center[i] = get_bool(cfg, "center", 1);
        L->scale[i] = get_bool(cfg, "scale", 1);
        return get_float(L, l, cfg, "epsilon", 1e-3, 0, 1e3, &L->epsilon[i]);
    }
    case WK_TFJS_ACTIVATION:
        return parse_activation(L, l, cfg, &l->activation);
    case WK_TFJS_RELU:
        if (get_float(L, l, cfg, "max_value", 0, 0, 3e38, &l->max_value) ||
            get_float(L, l, cfg, "negative_slope", 0, 0, 1e6, &l->negative_slope) ||
            get_float(L, l, cfg, "threshold", 0, -3e38, 3e38, &l->threshold))
            return WK_ERR;
        if (l->threshold != 0) return fail_layer(L, l, "a threshold other than 0 is not supported");
        if (l->negative_slope != 0 && l->max_value != 0)
            return fail_layer(L, l, "max_value together with negative_slope is not supported");
        return WK_OK;
    case WK_TFJS_SOFTMAX:
    case WK_TFJS_CONCAT:
        n = -1;
        if (get(cfg, "axis") && !as_int(get(cfg, "axis"), -8, 8, &n)) return fail_layer(L, l, "'axis' must be an integer");
        l->axis = (int)n;
        return WK_OK;
    case WK_TFJS_MAX_POOL:
    case WK_TFJS_AVG_POOL:
        if (int_pair(L, l, cfg, "pool_size", 2, 1, l->kernel) || parse_padding_mode(L, l, cfg, &l->same)) return WK_ERR;
        if (int_pair(L, l, cfg, "strides", 0, 1, l->strides)) return WK_ERR;
        if (l->strides[0] == 0) l->strides[0] = l->kernel[0], l->strides[1] = l->kernel[1];   /* null: the pool size */
        return WK_OK;
    case WK_TFJS_ZERO_PAD:
        return parse_zero_padding(L, l, cfg);
    case WK_TFJS_DROPOUT:
        return get_float(L, l, cfg, "rate", 0, 0, 1, &l->rate);
    case WK_TFJS_RESHAPE: {
        const cJSON *t = get(cfg, "target_shape");
        int nt = cJSON_IsArray(t) ? cJSON_GetArraySize(t) : 0, unknown = 0;
        if (nt < 1 || nt > 3) return fail_layer(L, l, "'target_shape' must be a list of 1 to 3 sizes");
        for (int k = 0; k < nt; k++) {
            if (!as_int(cJSON_GetArrayItem(t, k), -1, 1L << 40, &n) || n == 0)
                return fail_layer(L, l, "'target_shape' must hold positive sizes (or one -1)");
            l->target[k] = n;
            unknown += n == -1;
        }
        if (unknown > 1) return fail_layer(L, l, "'target_shape' may hold at most one -1");
        l->target_ndim = nt;
        return WK_OK;
    }
    default:
        return WK_OK;
    }
}

/* The layer named `name` among the first `count`, or -1. */
static int find_layer(const wk_tfjs_model *m, int count, const char *name)
{
    for (int k = 0; k < count; k++)
        if (strcmp(m->layers[k].name, name) == 0) return k;
    return -1;
}

/* One [name, node_index, tensor_index, kwargs] reference to an earlier layer. */
static int parse_ref(const loader *L, const wk_tfjs_layer *l, int count, const cJSON *ref, const char *what, int *out)
{
    const char *name = NULL;
    long node = 0, tensor = 0;
    int nref = cJSON_IsArray(ref) ? cJSON_GetArraySize(ref) : 0;
    if (nref < 1 || !cJSON_IsString(cJSON_GetArrayItem(ref, 0)) ||
        (nref >= 2 && !as_int(cJSON_GetArrayItem(ref, 1), 0, 1 << 20, &node)) ||
        (nref >= 3 && !as_int(cJSON_GetArrayItem(ref, 2), 0, 1 << 20, &tensor)))
        return l ? fail_layer(L, l, "each %s must be [layer name, node index, tensor index]", what)
                 : fail_at(L, "each of the model's %s must be [layer name, node index, tensor index]", what);
    name = cJSON_GetArrayItem(ref, 0)->valuestring;
    int k = find_layer(L->m, count, name);
    if (k < 0)
        return l ? fail_layer(L, l, "its input '%.80s' is not a layer before it", name)
                 : fail_at(L, "the model's %s '%.80s' is not a layer of the model", what, name);
    if (node != 0 || tensor != 0)
        return l ? fail_layer(L, l, "input '%.80s' uses node %ld, tensor %ld: layers shared between calls and "
                                    "multi-output layers are not supported", name, node, tensor)
                 : fail_at(L, "the model's %s '%.80s' uses node %ld, tensor %ld: not supported", what, name, node, tensor);
    *out = k;
    return WK_OK;
}

static int set_inputs(const loader *L, wk_tfjs_layer *l, int count, const cJSON *refs)
{
    int n = cJSON_GetArraySize(refs);
    if (n < 1 || n > 4096) return fail_layer(L, l, "its inbound node must list 1 to 4096 inputs");
    l->inputs = malloc((size_t)n * sizeof *l->inputs);
    if (!l->inputs) return fail_layer(L, l, "out of memory");
    l->n_inputs = n;
    for (int k = 0; k < n; k++)
        if (parse_ref(L, l, count, cJSON_GetArrayItem(refs, k), "input", &l->inputs[k])) return WK_ERR;
    return WK_OK;
}

static int alloc_layers(loader *L, int n)
{
    wk_tfjs_model *m = L->m;
    m->layers = calloc((size_t)n, sizeof *m->layers);
    L->raw = calloc((size_t)n, sizeof *L->raw);
    L->use_bias = calloc((size_t)n, sizeof(int));
    L->center = calloc((size_t)n, sizeof(int));
    L->scale = calloc((size_t)n, sizeof(int));
    L->filters = calloc((size_t)n, sizeof(int));
    L->units = calloc((size_t)n, sizeof(int));
    L->epsilon = calloc((size_t)n, sizeof(float));
    if (!m->layers || !L->raw || !L->use_bias || !L->center || !L->scale || !L->filters || !L->units || !L->epsilon)
        return fail_at(L, "out of memory for %d layers", n);
    return WK_OK;
}

static int kind_of(const char *class_name)
{
    for (int k = 0; k < WK_TFJS_KIND_COUNT; k++)
        if (strcmp(class_name, KIND_NAMES[k]) == 0) return k;
    return -1;
}

/* The per-sample input shape from a batch_input_shape [null, h, w, c] or [null, f]. */
static int parse_input_shape(loader *L, const wk_tfjs_layer *l, const cJSON *cfg)
{
    const cJSON *s = get(cfg, "batch_input_shape");
    int n = cJSON_IsArray(s) ? cJSON_GetArraySize(s) : 0;
    if (n != 2 && n != 4)
        return fail_layer(L, l, "'batch_input_shape' must be [batch, h, w, channels] or [batch, features]");
    L->in_ndim = n - 1;
    for (int k = 1; k < n; k++) {
        const cJSON *v = cJSON_GetArrayItem(s, k);
        long d;
        if (cJSON_IsNull(v) && k < n - 1) L->in_shape[k - 1] = -1;
        else if (as_int(v, 1, 1L << 30, &d)) L->in_shape[k - 1] = d;
        else return fail_layer(L, l, "'batch_input_shape' sizes must be positive (only height and width may be null)");
    }
    return WK_OK;
}

static int parse_topology(loader *L, const cJSON *root)
{
    wk_tfjs_model *m = L->m;
    const cJSON *topo = get(root, "modelTopology");
    if (!cJSON_IsObject(topo)) return fail_at(L, "no 'modelTopology' object (is this a tfjs layers model?)");
    const cJSON *mc = get(topo, "model_config");
    if (!mc) mc = topo;
    const char *cls;
    if (!get_string(mc, "class_name", &cls)) return fail_at(L, "the model config has no 'class_name'");
    int sequential = strcmp(cls, "Sequential") == 0;
    if (!sequential && strcmp(cls, "Model") != 0 && strcmp(cls, "Functional") != 0)
        return fail_at(L, "model class '%.60s' is not supported (Model, Functional and Sequential are)", cls);
    const cJSON *cfg = get(mc, "config");
    const cJSON *layers = cJSON_IsArray(cfg) ? cfg : get(cfg, "layers");   /* old Sequential: a bare list */
    int n = cJSON_IsArray(layers) ? cJSON_GetArraySize(layers) : 0;
    if (n < 1 || n > 100000) return fail_at(L, "the model config must list 1 to 100000 layers");
    const char *mname = "model";
    get_string(cfg, "name", &mname);
    m->name = strdup(mname);
    /* A Sequential model gets an InputLayer in front when its first layer is not one. */
    const cJSON *first = cJSON_GetArrayItem(layers, 0);
    const char *first_cls = "";
    get_string(first, "class_name", &first_cls);
    int implicit_input = sequential && strcmp(first_cls, "InputLayer") != 0;
    int total = n + implicit_input;
    if (!m->name || alloc_layers(L, total)) return fail_at(L, "out of memory");
    int count = 0;
    if (implicit_input) {
        wk_tfjs_layer *l = &m->layers[0];
        l->name = strdup("input"), l->class_name = KIND_NAMES[WK_TFJS_INPUT], l->kind = WK_TFJS_INPUT;
        if (!l->name) return fail_at(L, "out of memory");
        count = 1;
        m->n_layers = 1;
        if (parse_input_shape(L, l, get(first, "config"))) return WK_ERR;
    }
    int inputs_seen = 0;
    for (int k = 0; k < n; k++, count++) {
        const cJSON *item = cJSON_GetArrayItem(layers, k);
        wk_tfjs_layer *l = &m->layers[count];
        m->n_layers = count + 1;   /* so a failure from here on frees this layer too */
        const char *lcls, *lname;
        const cJSON *lcfg = get(item, "config");
        if (!get_string(item, "class_name", &lcls) || !cJSON_IsObject(lcfg))
            return fail_at(L, "layer %d has no 'class_name' or 'config'", k + 1);
        if (!get_string(item, "name", &lname) && !get_string(lcfg, "name", &lname))
            return fail_at(L, "layer %d (%.60s) has no name", k + 1, lcls);
        l->name = strdup(lname);
        if (!l->name) return fail_at(L, "out of memory");
        if (find_layer(m, count, lname) >= 0) return fail_at(L, "two layers are named '%.80s'", lname);
        int kind = kind_of(lcls);
        if (kind < 0) {
            l->class_name = "?";
            return fail_at(L, "layer '%.80s': class '%.60s' is not supported (supported: InputLayer, Conv2D, "
                              "DepthwiseConv2D, BatchNormalization, Activation, ReLU, Softmax, MaxPooling2D, "
                              "AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, ZeroPadding2D, "
                              "Concatenate, Add, Dense, Flatten, Reshape, Dropout)", lname, lcls);
        }
        l->kind = (wk_tfjs_kind)kind, l->class_name = KIND_NAMES[kind];
        if (parse_config(L, l, count, lcfg)) return WK_ERR;
        if (l->kind == WK_TFJS_INPUT) {
            if (++inputs_seen > 1) return fail_layer(L, l, "models with more than one input are not supported");
            if (parse_input_shape(L, l, lcfg)) return WK_ERR;
            m->input = count;
            continue;
        }
        if (sequential) {
            if (count == 0) return fail_layer(L, l, "a Sequential model must start with an input");
            l->inputs = malloc(sizeof *l->inputs);
            if (!l->inputs) return fail_at(L, "out of memory");
            l->n_inputs = 1, l->inputs[0] = count - 1;
            continue;
        }
        const cJSON *nodes = get(item, "inbound_nodes");
        int nn = cJSON_IsArray(nodes) ? cJSON_GetArraySize(nodes) : -1;
        if (nn < 1) return fail_layer(L, l, "it has no inbound node (every layer but the input needs one)");
        if (nn > 1) return fail_layer(L, l, "it is called %d times: shared layers are not supported", nn);
        const cJSON *node = cJSON_GetArrayItem(nodes, 0);
        if (!cJSON_IsArray(node))
            return fail_layer(L, l, "its inbound node is not a list of [layer, node, tensor] (Keras 3's format is not read)");
        if (set_inputs(L, l, count, node)) return WK_ERR;
    }
    m->n_layers = count;
    if (!sequential && inputs_seen == 0) return fail_at(L, "the model has no InputLayer");
    if (sequential) m->input = 0;
    /* outputs: the last layer of a Sequential model, else output_layers */
    if (sequential) {
        m->outputs = malloc(sizeof *m->outputs);
        if (!m->outputs) return fail_at(L, "out of memory");
        m->n_outputs = 1, m->outputs[0] = count - 1;
        return WK_OK;
    }
    const cJSON *outs = get(cfg, "output_layers");
    int no = cJSON_IsArray(outs) ? cJSON_GetArraySize(outs) : 0;
    if (no < 1 || no > 1024) return fail_at(L, "'output_layers' must list 1 to 1024 layers");
    m->outputs = malloc((size_t)no * sizeof *m->outputs);
    if (!m->outputs) return fail_at(L, "out of memory");
    m->n_outputs = no;
    for (int k = 0; k < no; k++)
        if (parse_ref(L, NULL, count, cJSON_GetArrayItem(outs, k), "output", &m->outputs[k])) return WK_ERR;
    return WK_OK;
}

/* ---- pass 2: the manifest and the shards ------------------------------------------------ */

static int slot_of(const char *what)
{
    if (strcmp(what, "depthwise_kernel") == 0) return W_KERNEL;
    for (int k = 0; k < W_SLOTS; k++)
        if (strcmp(what, SLOT_NAMES[k]) == 0) return k;
    return -1;
}

static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    float f;
    if (exp == 0) f = ldexpf((float)mant, -24);                      /* zero or subnormal */
    else if (exp == 31) f = mant ? NAN : INFINITY;
    else f = ldexpf((float)(mant | 0x400), (int)exp - 25);
    uint32_t bits;
    memcpy(&bits, &f, 4);
    bits |= sign;
    memcpy(&f, &bits, 4);
    return f;
}

/* How one weight is stored: its element size and how to turn bytes into floats. */
typedef struct storage_kind {
    int bytes;              /* per element */
    int code;               /* 0 float32, 1 uint8, 2 uint16, 3 float16 */
    double min, scale;
} storage_kind;

static int parse_storage(const loader *L, const char *name, const cJSON *spec, storage_kind *sk)
{
    const char *dtype;
    if (!get_string(spec, "dtype", &dtype)) return fail_at(L, "weight '%.80s' has no dtype", name);
    if (strcmp(dtype, "float32") != 0)
        return fail_at(L, "weight '%.80s' has dtype '%.20s' (only float32 weights are read)", name, dtype);
    const cJSON *q = get(spec, "quantization");
    if (!q || cJSON_IsNull(q)) return *sk = (storage_kind){4, 0, 0, 1}, WK_OK;
    const char *qd;
    if (!get_string(q, "dtype", &qd)) return fail_at(L, "weight '%.80s': its quantization has no dtype", name);
    if (strcmp(qd, "float16") == 0) return *sk = (storage_kind){2, 3, 0, 1}, WK_OK;
    int code = strcmp(qd, "uint8") == 0 ? 1 : strcmp(qd, "uint16") == 0 ? 2 : 0;
    if (!code) return fail_at(L, "weight '%.80s': quantization dtype '%.20s' is not supported (uint8, uint16, float16 are)",
                              name, qd);
    const cJSON *mn = get(q, "min"), *sc = get(q, "scale");
    if (!cJSON_IsNumber(mn) || !cJSON_IsNumber(sc) || !isfinite(mn->valuedouble) || !isfinite(sc->valuedouble))
        return fail_at(L, "weight '%.80s': its %s quantization needs finite 'min' and 'scale'", name, qd);
    *sk = (storage_kind){code == 1 ? 1 : 2, code, mn->valuedouble, sc->valuedouble};
    return WK_OK;
}

static void decode(float *dst, const unsigned char *src, int64_t n, const storage_kind *sk)
{
    for (int64_t i = 0; i < n; i++) {
        switch (sk->code) {
        case 0: memcpy(&dst[i], src + 4 * i, 4); break;
        case 1: dst[i] = (float)(sk->min + sk->scale * src[i]); break;   /* tfjs: min + scale·q */
        case 2: dst[i] = (float)(sk->min + sk->scale * (src[2 * i] | src[2 * i + 1] << 8)); break;
        default: dst[i] = half_to_float((uint16_t)(src[2 * i] | src[2 * i + 1] << 8)); break;
        }
    }
}

/* A manifest path must stay inside the model's folder. */
static int safe_path(const char *p)
{
    if (!*p || p[0] == '/' || strlen(p) > 1024) return 0;
    for (const char *s = p; *s; s = strchr(s, '/') ? strchr(s, '/') + 1 : s + strlen(s))
        if (strncmp(s, "..", 2) == 0 && (s[2] == '/' || s[2] == 0)) return 0;
    return 1;
}

/* Weight names are "<layer>/<slot>" possibly under scopes ("model/conv1/kernel") and
 * with TF's ":0" suffix. */
static int split_weight_name(const char *name, char *layer, size_t lsize, char *slot, size_t ssize)
{
    const char *last = strrchr(name, '/');
    if (!last || last == name) return 0;
    const char *prev = last - 1;
    while (prev > name && *(prev - 1) != '/') prev--;
    size_t ll = (size_t)(last - prev), sl = strcspn(last + 1, ":");
    if (ll >= lsize || sl >= ssize || sl == 0) return 0;
    memcpy(layer, prev, ll), layer[ll] = 0;
    memcpy(slot, last + 1, sl), slot[sl] = 0;
    return 1;
}

static int read_group(loader *L, const cJSON *group, int gi, wk_tfjs_reader rd, void *ctx)
{
    const cJSON *paths = get(group, "paths"), *weights = get(group, "weights");
    int np = cJSON_IsArray(paths) ? cJSON_GetArraySize(paths) : -1, nw = cJSON_IsArray(weights) ? cJSON_GetArraySize(weights) : -1;
    if (np < 0 || nw < 0) return fail_at(L, "weights manifest group %d needs 'paths' and 'weights' lists", gi + 1);
    /* First the specs: how many bytes the group must hold. */
    int64_t need = 0;
    for (int k = 0; k < nw; k++) {
        const cJSON *spec = cJSON_GetArrayItem(weights, k), *shape = get(spec, "shape");
        const char *name;
        storage_kind sk;
        if (!get_string(spec, "name", &name)) return fail_at(L, "weight %d of manifest group %d has no name", k + 1, gi + 1);
        if (parse_storage(L, name, spec, &sk)) return WK_ERR;
        int nd = cJSON_IsArray(shape) ? cJSON_GetArraySize(shape) : -1;
        if (nd < 0 || nd > WK_MAX_DIMS) return fail_at(L, "weight '%.80s' needs a shape of at most 8 sizes", name);
        int64_t dims[WK_MAX_DIMS], numel, bytes;
        for (int d = 0; d < nd; d++) {
            long v;
            if (!as_int(cJSON_GetArrayItem(shape, d), 0, 1L << 40, &v))
                return fail_at(L, "weight '%.80s' has a size that is not a non-negative integer", name);
            dims[d] = v;
        }
        if (wk_shape_numel(nd, dims, &numel) || wk_mul_overflows(numel, sk.bytes, &bytes) || wk_add_overflows(need, bytes, &need))
            return fail_at(L, "weight '%.80s' is too large", name);
    }
    /* Then the shards, concatenated in order; their total must be exactly that. */
    int64_t have = 0;
    unsigned char *data = NULL;
    for (int k = 0; k < np; k++) {
        const cJSON *p = cJSON_GetArrayItem(paths, k);
        if (!cJSON_IsString(p) || !safe_path(p->valuestring)) {
            free(data);
            return fail_at(L, "manifest group %d: shard path %d must be a relative path inside the model folder", gi + 1, k + 1);
        }
        char *bytes;
        int64_t len;
        if (rd(ctx, p->valuestring, &bytes, &len)) {
            free(data);
            return fail_at(L, "weight shard '%.200s': %s", p->valuestring, wk_errmsg());
        }
        int64_t total = INT64_MAX;
        if (wk_add_overflows(have, len, &total) || total > need) {
            free(bytes), free(data);
            return fail_at(L, "weight shard '%.200s' makes the group %lld bytes or more, but its %d weights need %lld: "
                              "the shards do not belong to this model.json", p->valuestring, (long long)total, nw,
                           (long long)need);
        }
        unsigned char *grown = realloc(data, (size_t)(total ? total : 1));
        if (!grown) {
            free(bytes), free(data);
            return fail_at(L, "out of memory reading '%.200s'", p->valuestring);
        }
        data = grown;
        memcpy(data + have, bytes, (size_t)len);
        free(bytes);
        have = total;
    }
    if (have != need) {
        free(data);
        return fail_at(L, "manifest group %d: the shards hold %lld bytes but its weights need %lld (a shard is missing "
                          "or truncated)", gi + 1, (long long)have, (long long)need);
    }
    /* Finally each weight goes to its layer's slot. */
    int64_t at = 0;
    for (int k = 0; k < nw; k++) {
        const cJSON *spec = cJSON_GetArrayItem(weights, k), *shape = get(spec, "shape");
        const char *name = cJSON_GetObjectItemCaseSensitive(spec, "name")->valuestring;
        storage_kind sk;
        parse_storage(L, name, spec, &sk);
        raw_weight rw = {0};
        rw.ndim = cJSON_GetArraySize(shape);
        for (int d = 0; d < rw.ndim; d++) rw.shape[d] = (int64_t)cJSON_GetArrayItem(shape, d)->valuedouble;
        int64_t numel;
        wk_shape_numel(rw.ndim, rw.shape, &numel);
        char lname[512], slot[64];
        int li = split_weight_name(name, lname, sizeof lname, slot, sizeof slot) ? find_layer(L->m, L->m->n_layers, lname) : -1;
        int si = li >= 0 ? slot_of(slot) : -1;
        if (li < 0 || si < 0) {
            free(data);
            return fail_at(L, "the manifest's weight '%.120s' belongs to no layer of the model (names are "
                              "<layer>/<kernel|bias|gamma|beta|moving_mean|moving_variance>)", name);
        }
        if (L->raw[li][si].present) {
            free(data);
            return fail_layer(L, &L->m->layers[li], "the manifest holds its '%s' twice", slot);
        }
        if (wk_tensor_new(&rw.t, rw.ndim, rw.shape)) {
            free(data);
            return fail_at(L, "weight '%.80s': %s", name, wk_errmsg());
        }
        if (numel) decode(wk_tensor_data(&rw.t), data + at, numel, &sk);
        at += numel * sk.bytes;
        rw.present = 1;
        L->raw[li][si] = rw;
    }
    free(data);
    return WK_OK;
}

static int parse_manifest(loader *L, const cJSON *root, wk_tfjs_reader rd, void *ctx)
{
    const cJSON *man = get(root, "weightsManifest");
    int ng = cJSON_IsArray(man) ? cJSON_GetArraySize(man) : -1;
    if (ng < 0) return fail_at(L, "no 'weightsManifest' list");
    for (int g = 0; g < ng; g++)
        if (read_group(L, cJSON_GetArrayItem(man, g), g, rd, ctx)) return WK_ERR;
    return WK_OK;
}

/* ---- pass 3: shapes ---------------------------------------------------------------------- */

/* Per-sample shapes in Keras order while checking: (h, w, c) or (f). */
typedef struct kshape {
    int ndim;
    int64_t d[3];
} kshape;

static int64_t conv_out(int64_t in, int k, int s, int dil, int same)
{
    if (in < 0) return -1;
    if (same) return (in + s - 1) / s;
    int64_t span = (int64_t)dil * (k - 1) + 1;
    return in < span ? 0 : (in - span) / s + 1;
}

static int expect_weight(const loader *L, int li, int slot, int want, int ndim, const int64_t *shape)
{
    const wk_tfjs_layer *l = &L->m->layers[li];
    const raw_weight *w = &L->raw[li][slot];
    char a[96], b[96];
    if (!want) {
        if (w->present) return fail_layer(L, l, "the manifest holds a '%s' this layer does not use", SLOT_NAMES[slot]);
        return WK_OK;
    }
    if (!w->present) return fail_layer(L, l, "its '%s' is missing from the weights manifest", SLOT_NAMES[slot]);
    int same = w->ndim == ndim;
    for (int d = 0; same && d < ndim; d++) same = w->shape[d] == shape[d];
    if (!same)
        return fail_layer(L, l, "its '%s' has shape %s in the manifest, but the layer needs %s", SLOT_NAMES[slot],
                          wk_shape_str(a, sizeof a, w->ndim, w->shape), wk_shape_str(b, sizeof b, ndim, shape));
    return WK_OK;
}

static int infer_layer(loader *L, int li, kshape *shapes)
{
    wk_tfjs_layer *l = &L->m->layers[li];
    kshape in = l->n_inputs ? shapes[l->inputs[0]] : (kshape){0, {0}};
    kshape *out = &shapes[li];
    *out = in;
    int image = in.ndim == 3;
    int needs_image = l->kind == WK_TFJS_CONV2D || l->kind == WK_TFJS_DEPTHWISE_CONV2D || l->kind == WK_TFJS_MAX_POOL ||
                      l->kind == WK_TFJS_AVG_POOL || l->kind == WK_TFJS_GLOBAL_AVG_POOL ||
                      l->kind == WK_TFJS_GLOBAL_MAX_POOL || l->kind == WK_TFJS_ZERO_PAD || l->kind == WK_TFJS_FLATTEN;
    if (needs_image && !image) return fail_layer(L, l, "its input is not an image (height × width × channels)");
    int64_t c = in.ndim ? in.d[in.ndim - 1] : 0;
    switch (l->kind) {
    case WK_TFJS_INPUT:
        out->ndim = L->in_ndim;
        memcpy(out->d, L->in_shape, sizeof out->d);
        break;
    case WK_TFJS_CONV2D:
    case WK_TFJS_DEPTHWISE_CONV2D: {
        int dw = l->kind == WK_TFJS_DEPTHWISE_CONV2D;
        int64_t oc = dw ? c * l->depth_multiplier : L->filters[li];
        int64_t ks[4] = {l->kernel[0], l->kernel[1], c, dw ? l->depth_multiplier : oc};
        if (expect_weight(L, li, W_KERNEL, 1, 4, ks) || expect_weight(L, li, W_BIAS, L->use_bias[li], 1, &oc)) return WK_ERR;
        for (int s = W_GAMMA; s < W_SLOTS; s++) if (expect_weight(L, li, s, 0, 0, NULL)) return WK_ERR;
        for (int a = 0; a < 2; a++) {
            out->d[a] = conv_out(in.d[a], l->kernel[a], l->strides[a], l->dilation[a], l->same);
            if (out->d[a] == 0) return fail_layer(L, l, "its input (%lld) is smaller than its kernel", (long long)in.d[a]);
        }
        out->d[2] = oc;
        break;
    }
    case WK_TFJS_BATCH_NORM: {
        int last = in.ndim;   /* Keras counts the batch axis: the channel axis is ndim */
        if (l->axis != -1 && l->axis != last)
            return fail_layer(L, l, "normalising over axis %d is not supported (only the channels, the last axis)", l->axis);
        int64_t cc = c;
        if (expect_weight(L, li, W_GAMMA, L->scale[li], 1, &cc) || expect_weight(L, li, W_BETA, L->center[li], 1, &cc) ||
            expect_weight(L, li, W_MEAN, 1, 1, &cc) || expect_weight(L, li, W_VAR, 1, 1, &cc) ||
            expect_weight(L, li, W_KERNEL, 0, 0, NULL) || expect_weight(L, li, W_BIAS, 0, 0, NULL))
            return WK_ERR;
        break;
    }
    case WK_TFJS_DENSE: {
        if (in.ndim != 1) return fail_layer(L, l, "its input must be a vector (add a Flatten before it)");
        int64_t u = L->units[li], ks[2] = {c, u};
        if (expect_weight(L, li, W_KERNEL, 1, 2, ks) || expect_weight(L, li, W_BIAS, L->use_bias[li], 1, &u)) return WK_ERR;
        out->d[0] = u;
        break;
    }
    case WK_TFJS_MAX_POOL:
    case WK_TFJS_AVG_POOL:
        for (int a = 0; a < 2; a++) {
            out->d[a] = conv_out(in.d[a], l->kernel[a], l->strides[a], 1, l->same);
            if (out->d[a] == 0) return fail_layer(L, l, "its input (%lld) is smaller than its window", (long long)in.d[a]);
        }
        break;
    case WK_TFJS_GLOBAL_AVG_POOL:
    case WK_TFJS_GLOBAL_MAX_POOL:
        *out = (kshape){1, {c, 0, 0}};
        break;
    case WK_TFJS_ZERO_PAD:
        if (in.d[0] >= 0) out->d[0] = in.d[0] + l->pad[0] + l->pad[1];
        if (in.d[1] >= 0) out->d[1] = in.d[1] + l->pad[2] + l->pad[3];
        break;
    case WK_TFJS_FLATTEN:
        if (in.d[0] < 0 || in.d[1] < 0) return fail_layer(L, l, "flattening needs the input's height and width fixed");
        *out = (kshape){1, {in.d[0] * in.d[1] * c, 0, 0}};
        break;
    case WK_TFJS_RESHAPE: {
        int64_t total = 1, known = 1;
        for (int a = 0; a < in.ndim; a++) {
            if (in.d[a] < 0) return fail_layer(L, l, "reshaping needs the input's sizes fixed");
            total *= in.d[a];
        }
        for (int a = 0; a < l->target_ndim; a++) if (l->target[a] > 0 && wk_mul_overflows(known, l->target[a], &known))
            return fail_layer(L, l, "'target_shape' is too large");
        out->ndim = l->target_ndim;
        for (int a = 0; a < l->target_ndim; a++) out->d[a] = l->target[a] > 0 ? l->target[a] : total / known;
        int64_t got = 1;
        for (int a = 0; a < out->ndim; a++) got *= out->d[a];
        if (got != total || out->ndim == 2)
            return fail_layer(L, l, "'target_shape' does not hold the input's %lld values as a vector or an image",
                              (long long)total);
        break;
    }
    case WK_TFJS_CONCAT:
    case WK_TFJS_ADD: {
        if (l->kind == WK_TFJS_CONCAT && l->n_inputs < 1) return fail_layer(L, l, "it needs inputs");
        if (l->kind == WK_TFJS_ADD && l->n_inputs < 2) return fail_layer(L, l, "it needs at least two inputs");
        int axis = l->axis < 0 ? in.ndim + 1 + l->axis : l->axis;   /* Keras counts the batch axis */
        if (l->kind == WK_TFJS_CONCAT && (axis < 1 || axis > in.ndim))
            return fail_layer(L, l, "axis %d is outside its %d-D inputs", l->axis, in.ndim);
        for (int k = 1; k < l->n_inputs; k++) {
            kshape o = shapes[l->inputs[k]];
            int ok = o.ndim == in.ndim;
            for (int a = 0; ok && a < in.ndim; a++) {
                if (l->kind == WK_TFJS_CONCAT && a == axis - 1) continue;
                ok = o.d[a] == in.d[a] || o.d[a] < 0 || in.d[a] < 0;
            }
            if (!ok) return fail_layer(L, l, "input '%s' does not match the shape of input '%s'",
                                       L->m->layers[l->inputs[k]].name, L->m->layers[l->inputs[0]].name);
            if (l->kind == WK_TFJS_CONCAT)
                out->d[axis - 1] = out->d[axis - 1] < 0 || o.d[axis - 1] < 0 ? -1 : out->d[axis - 1] + o.d[axis - 1];
        }
        break;
    }
    default:   /* Activation, ReLU, Softmax, Dropout: the same shape */
        break;
    }
    if (l->kind != WK_TFJS_CONV2D && l->kind != WK_TFJS_DEPTHWISE_CONV2D && l->kind != WK_TFJS_DENSE &&
        l->kind != WK_TFJS_BATCH_NORM)
        for (int s = 0; s < W_SLOTS; s++)
            if (expect_weight(L, li, s, 0, 0, NULL)) return WK_ERR;
    return WK_OK;
}

/* ---- pass 4: wick's layout and batch-norm folding --------------------------------------- */

static int to_wick_layout(loader *L, int li)
{
    wk_tfjs_layer *l = &L->m->layers[li];
    raw_weight *r = L->raw[li];
    for (int s = 0; s < W_SLOTS; s++) if (r[s].present) l->params += wk_tensor_numel(&r[s].t);
    if (l->kind == WK_TFJS_CONV2D || l->kind == WK_TFJS_DEPTHWISE_CONV2D || l->kind == WK_TFJS_DENSE) {
        wk_tensor view = {0};
        int rc;
        if (l->kind == WK_TFJS_DENSE) {
            static const int order[2] = {1, 0};   /* [in, out] → (out, in) */
            rc = wk_tensor_permute(&view, &r[W_KERNEL].t, order);
        } else if (l->kind == WK_TFJS_CONV2D) {
            static const int order[4] = {3, 2, 0, 1};   /* [kh, kw, in, out] → (out, in, kh, kw) */
            rc = wk_tensor_permute(&view, &r[W_KERNEL].t, order);
        } else {
            /* [kh, kw, in, mult] → (in, mult, kh, kw) → (in·mult, 1, kh, kw): output channel
               c·mult + m, as TensorFlow orders a depthwise convolution's outputs */
            static const int order[4] = {2, 3, 0, 1};
            rc = wk_tensor_permute(&view, &r[W_KERNEL].t, order);
        }
        if (rc == WK_OK) rc = wk_tensor_contiguous(&l->weight, &view);
        wk_tensor_release(&view);
        if (rc) return fail_layer(L, l, "%s", wk_errmsg());
        if (l->kind == WK_TFJS_DEPTHWISE_CONV2D) {
            l->weight.shape[0] *= l->weight.shape[1];
            l->weight.shape[1] = 1;
            l->weight.stride[0] = l->weight.stride[1];
        }
        if (r[W_BIAS].present) wk_tensor_share(&l->bias, &r[W_BIAS].t);
    } else if (l->kind == WK_TFJS_BATCH_NORM) {
        /* y = (x - mean) / sqrt(var + eps) · gamma + beta = x · scale + shift */
        int64_t c = r[W_MEAN].t.shape[0];
        if (wk_tensor_new(&l->weight, 1, &c) || wk_tensor_new(&l->bias, 1, &c)) return fail_layer(L, l, "%s", wk_errmsg());
        const float *mean = wk_tensor_data(&r[W_MEAN].t), *var = wk_tensor_data(&r[W_VAR].t);
        float *scale = wk_tensor_data(&l->weight), *shift = wk_tensor_data(&l->bias);
        for (int64_t k = 0; k < c; k++) {
            if (!(var[k] >= 0)) return fail_layer(L, l, "moving_variance[%lld] is %g (it must be >= 0)", (long long)k, var[k]);
            double g = r[W_GAMMA].present ? wk_tensor_data(&r[W_GAMMA].t)[k] : 1.0;
            double b = r[W_BETA].present ? wk_tensor_data(&r[W_BETA].t)[k] : 0.0;
            double s = g / sqrt((double)var[k] + L->epsilon[li]);
            scale[k] = (float)s;
            shift[k] = (float)(b - mean[k] * s);
        }
    }
    return WK_OK;
}

/* Fold batch norm li into the convolution before it when nothing else reads that
 * convolution: w'[o] = w[o]·scale[o], b'[o] = b[o]·scale[o] + shift[o]. */
static int fold_batch_norm(loader *L, int li, const int *readers)
{
    wk_tfjs_model *m = L->m;
    wk_tfjs_layer *bn = &m->layers[li];
    if (bn->n_inputs != 1) return WK_OK;
    int ci = bn->inputs[0];
    wk_tfjs_layer *conv = &m->layers[ci];
    if ((conv->kind != WK_TFJS_CONV2D && conv->kind != WK_TFJS_DEPTHWISE_CONV2D) || conv->activation != WK_TFJS_LINEAR ||
        readers[ci] != 1)
        return WK_OK;
    int64_t oc = conv->weight.shape[0], per = wk_tensor_numel(&conv->weight) / oc;
    /* a stored bias shares its buffer only with the loader's raw copy, freed after this */
    if (!conv->bias.storage && wk_tensor_zeros(&conv->bias, 1, &oc)) return fail_layer(L, conv, "%s", wk_errmsg());
    float *w = wk_tensor_data(&conv->weight), *b = wk_tensor_data(&conv->bias);
    const float *scale = wk_tensor_data(&bn->weight), *shift = wk_tensor_data(&bn->bias);
    for (int64_t o = 0; o < oc; o++) {
        for (int64_t k = 0; k < per; k++) w[o * per + k] *= scale[o];
        b[o] = b[o] * scale[o] + shift[o];
    }
    wk_tensor_release(&bn->weight);
    wk_tensor_release(&bn->bias);
    bn->folded = 1;
    return WK_OK;
}

static void free_loader(loader *L)
{
    if (L->raw)
        for (int i = 0; i < L->m->n_layers; i++)
            for (int s = 0; s < W_SLOTS; s++) wk_tensor_release(&L->raw[i][s].t);
    free(L->raw), free(L->use_bias), free(L->center), free(L->scale), free(L->filters), free(L->units), free(L->epsilon);
}

int wk_tfjs_parse(const char *where, const char *json, int64_t json_len, wk_tfjs_reader read_shard, void *ctx,
                  wk_tfjs_model *out)
{
    memset(out, 0, sizeof *out);
    loader L = {0};
    L.where = where, L.m = out;
    cJSON *root = cJSON_ParseWithLength(json, (size_t)json_len);
    if (!root) {
        wk_fail("%s: model.json is not valid JSON (near byte %lld)", where,
                (long long)(cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() - json : 0));
        return WK_ERR;
    }
    int rc = parse_topology(&L, root);
    if (rc == WK_OK) rc = parse_manifest(&L, root, read_shard, ctx);
    cJSON_Delete(root);
    kshape *shapes = NULL;
    int *readers = NULL;
    if (rc == WK_OK) {
        shapes = calloc((size_t)out->n_layers, sizeof *shapes);
        readers = calloc((size_t)out->n_layers, sizeof *readers);
        if (!shapes || !readers) rc = fail_at(&L, "out of memory");
    }
    for (int i = 0; rc == WK_OK && i < out->n_layers; i++) rc = infer_layer(&L, i, shapes);
    for (int i = 0; rc == WK_OK && i < out->n_layers; i++) {
        wk_tfjs_layer *l = &out->layers[i];
        l->out_ndim = shapes[i].ndim;
        if (shapes[i].ndim == 3) {   /* (h, w, c) → (C, H, W) */
            l->out_shape[0] = shapes[i].d[2], l->out_shape[1] = shapes[i].d[0], l->out_shape[2] = shapes[i].d[1];
        } else {
            l->out_shape[0] = shapes[i].d[0];
        }
        for (int k = 0; k < l->n_inputs; k++) readers[l->inputs[k]]++;
        rc = to_wick_layout(&L, i);
        out->params += l->params;
    }
    for (int k = 0; rc == WK_OK && k < out->n_outputs; k++) readers[out->outputs[k]]++;
    for (int i = 0; rc == WK_OK && i < out->n_layers; i++)
        if (out->layers[i].kind == WK_TFJS_BATCH_NORM) rc = fold_batch_norm(&L, i, readers);
    free(shapes), free(readers);
    free_loader(&L);
    if (rc != WK_OK) {
        char keep[1024];   /* wk_tfjs_free may not fail, but keep the reason safe anyway */
        snprintf(keep, sizeof keep, "%s", wk_errmsg());
        wk_tfjs_free(out);
        wk_fail("%s", keep);
    }
    return rc;
}

/* Shards are files beside model.json. */
static int read_beside(void *ctx, const char *path, char **data, int64_t *len)
{
    const char *dir = ctx;
    size_t n = strlen(dir) + strlen(path) + 2;
    char *full = malloc(n);
    if (!full) return wk_fail("out of memory");
    snprintf(full, n, "%s/%s", dir, path);
    int rc = wk_file_read_all(full, MAX_SHARD, data, len);
    free(full);
    return rc;
}

int wk_tfjs_load(const char *dir, wk_tfjs_model *out)
{
    memset(out, 0, sizeof *out);
    size_t n = strlen(dir) + sizeof "/model.json";
    char *path = malloc(n);
    if (!path) return wk_fail("out of memory");
    snprintf(path, n, "%s/model.json", dir);
    char *json;
    int64_t len;
    if (wk_file_read_all(path, MAX_JSON, &json, &len)) {
        free(path);
        return wk_fail("load_tfjs: %s", wk_errmsg());
    }
    int rc = wk_tfjs_parse(path, json, len, read_beside, (void *)dir, out);
    free(json), free(path);
    return rc;
}

void wk_tfjs_free(wk_tfjs_model *m)
{
    for (int i = 0; m->layers && i < m->n_layers; i++) {
        free(m->layers[i].name), free(m->layers[i].inputs);
        wk_tensor_release(&m->layers[i].weight);
        wk_tensor_release(&m->layers[i].bias);
    }
    free(m->layers), free(m->outputs), free(m->name);
    memset(m, 0, sizeof *m);
}
