/* tfjs.h — read a TensorFlow.js layers model (a folder holding model.json and its
 * binary weight shards) into a list of layers with wick-layout weights, ready to run.
 *
 * A tfjs layers model is a Keras model's JSON topology plus a weights manifest: groups
 * of weights whose bytes are the concatenation of the group's shard files, each weight
 * stored as float32 or quantised (uint8/uint16 with value = min + scale·q, or float16).
 * wk_tfjs_load checks everything before handing a model back — the JSON's structure,
 * every layer's configuration, the order of the graph, each shard's size against the
 * manifest, each weight's shape against its layer and the channels flowing into it — so
 * that a broken or hostile folder is an error naming the file or the layer, and a model
 * that loads runs. Then, once, at load:
 *   - NHWC weights become wick's NCHW layout: Conv2D [kh,kw,in,out] → (out,in,kh,kw);
 *     DepthwiseConv2D [kh,kw,in,mult] → (in·mult,1,kh,kw) as a grouped convolution;
 *     Dense [in,out] → (out,in) as wick's linear wants;
 *   - a BatchNormalization is reduced to a per-channel scale and shift, and when it
 *     follows a convolution that feeds nothing else it is folded into that
 *     convolution's weight and bias (inference only needs the product; the fold is
 *     linear, so gradients to the input are unchanged).
 * The layers come back in an order where every layer's inputs come before it; the Lua
 * side (bindings/nn/tfjs.lua) runs them with wick's differentiable kernels. Layers keep
 * Keras's meaning: shapes per sample are reported as wick sees them — (C, H, W) for
 * images, (F) for vectors — and axis numbers as Keras wrote them (the runner maps them).
 * Supported classes: InputLayer, Conv2D, DepthwiseConv2D, BatchNormalization,
 * Activation, ReLU, Softmax, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D,
 * GlobalMaxPooling2D, ZeroPadding2D, Concatenate, Add, Dense, Flatten, Reshape, Dropout;
 * functional models (Model / Functional, wired by inbound nodes) and Sequential ones. */
#ifndef WK_NN_TFJS_H
#define WK_NN_TFJS_H

#include <stdint.h>

#include "../tensor/tensor.h"

typedef enum wk_tfjs_kind {
    WK_TFJS_INPUT, WK_TFJS_CONV2D, WK_TFJS_DEPTHWISE_CONV2D, WK_TFJS_BATCH_NORM,
    WK_TFJS_ACTIVATION, WK_TFJS_RELU, WK_TFJS_SOFTMAX, WK_TFJS_MAX_POOL, WK_TFJS_AVG_POOL,
    WK_TFJS_GLOBAL_AVG_POOL, WK_TFJS_GLOBAL_MAX_POOL, WK_TFJS_ZERO_PAD, WK_TFJS_CONCAT,
    WK_TFJS_ADD, WK_TFJS_DENSE, WK_TFJS_FLATTEN, WK_TFJS_RESHAPE, WK_TFJS_DROPOUT,
    WK_TFJS_KIND_COUNT
} wk_tfjs_kind;

/* The activation a layer applies to its result (Activation layers, and the
 * `activation` option of Conv2D, DepthwiseConv2D and Dense). */
typedef enum wk_tfjs_act {
    WK_TFJS_LINEAR, WK_TFJS_RELU_ACT, WK_TFJS_RELU6, WK_TFJS_SIGMOID, WK_TFJS_TANH,
    WK_TFJS_SOFTMAX_ACT, WK_TFJS_ACT_COUNT
} wk_tfjs_act;

typedef struct wk_tfjs_layer {
    char *name;              /* the Keras layer name, owned */
    const char *class_name;  /* "Conv2D", …: static */
    wk_tfjs_kind kind;
    int n_inputs;
    int *inputs;             /* (n_inputs) indices of earlier layers, owned */
    wk_tfjs_act activation;
    /* convolutions and pools: every pair is (h, w) */
    int kernel[2], strides[2], dilation[2];
    int same;                /* padding "same" (TF's rule: pads may differ by one) */
    int depth_multiplier;    /* DepthwiseConv2D */
    int pad[4];              /* ZeroPadding2D: top, bottom, left, right */
    int axis;                /* Concatenate, Softmax: Keras's axis (-1 = last) */
    float max_value;         /* ReLU: the cap (0: none), slope below threshold */
    float negative_slope, threshold;
    int target_ndim;         /* Reshape: the per-sample target shape in Keras order */
    int64_t target[WK_MAX_DIMS];
    int folded;              /* BatchNormalization folded into its input convolution */
    float rate;              /* Dropout (the identity at inference; kept for listing) */
    /* weights in wick's layout (empty when the layer has none):
       Conv2D (out, in, kh, kw); DepthwiseConv2D (in·mult, 1, kh, kw); Dense (out, in);
       BatchNormalization not folded: weight = scale (C), bias = shift (C) */
    wk_tensor weight, bias;
    /* output shape per sample as wick sees it: (C, H, W) or (F); -1 for a size the
       input leaves open */
    int out_ndim;
    int64_t out_shape[3];
    int64_t params;          /* parameters the file stored for this layer */
} wk_tfjs_layer;

typedef struct wk_tfjs_model {
    char *name;              /* the model's Keras name, owned */
    int n_layers;
    wk_tfjs_layer *layers;   /* (n_layers) in an order where inputs come first */
    int input;               /* the one InputLayer */
    int n_outputs;
    int *outputs;            /* (n_outputs) layer indices */
    int64_t params;          /* parameters in the file */
} wk_tfjs_model;

/* Read dir/model.json and its shards into out (need not be initialised). On failure
 * out is left empty and the message names the file or the layer and what is wrong. */
int wk_tfjs_load(const char *dir, wk_tfjs_model *out);

/* The same from memory: model.json's text and a function that returns a shard's
 * bytes by its manifest path (the fuzz target feeds both from one buffer). `where`
 * names the model in messages. read_shard returns WK_OK with a malloc'd buffer the
 * loader frees, or WK_ERR with a reason. */
typedef int (*wk_tfjs_reader)(void *ctx, const char *path, char **data, int64_t *len);
int wk_tfjs_parse(const char *where, const char *json, int64_t json_len, wk_tfjs_reader read_shard,
                  void *ctx, wk_tfjs_model *out);

void wk_tfjs_free(wk_tfjs_model *m);

/* "relu", "sigmoid", … */
const char *wk_tfjs_act_name(wk_tfjs_act a);

#endif
