-- doc_nn.lua — help's entries for wick.nn (layers, losses, nn.F, the Module and
-- Sequential types) and wick.optim (optimizers, schedules). Options and defaults are
-- the code's own (help_spec compares them with what each constructor passes to
-- wick._options).
-- luacheck: no max line length (one entry a line or two: the strings are the documentation)
local wick = ...
local doc = wick._doc
local add, module, type_ = doc.add, doc.module, doc.type

module("wick.nn", "layers as modules (call them: net(x)), losses, nn.F's functional forms; PyTorch's initialisation and weight names",
  "local nn = wick.nn\nlocal net = nn.sequential{nn.linear(784, 128), nn.relu(), nn.linear(128, 10)}\nlocal loss = nn.cross_entropy(net(x), y)")

-- ---- layers -----------------------------------------------------------------------------

local function layer(name, sig, summary, example, opts)
  return add("wick.nn." .. name, { sig, summary, example = example, opts = opts, see = { "Module" } })
end
layer("linear", "nn.linear(inputs, outputs [, opts]) → module", "y = x·Wᵀ + b over the last dim (Kaiming-uniform init)",
  "local fc = nn.linear(128, 10)\nlocal y = fc(T.randn(32, 128))", { { "bias", true, "learn a bias" } })
layer("embedding", "nn.embedding(count, dim) → module", "rows of a count×dim table picked by 1-based ids",
  "local emb = nn.embedding(100, 16)\nlocal v = emb(T{3, 7})   -- 2×16")
layer("flatten", "nn.flatten() → module", "N×… → N×(the rest)", "local f = nn.flatten()")
local conv_opts = { { "stride", 1, "a number or {h, w}" }, { "padding", 0, "zeros around the input" },
  { "dilation", 1, "spacing of the kernel's taps" }, { "groups", 1, "channel groups" }, { "bias", true, "learn a bias" } }
layer("conv2d", "nn.conv2d(in_channels, out_channels, kernel [, opts]) → module", "2-D convolution over N×C×H×W",
  "local conv = nn.conv2d(3, 16, 3, {padding = 1})", conv_opts)
local convt_opts = { { "output_padding", 0, "extra rows/columns on one side of the output" } }
for _, o in ipairs(conv_opts) do convt_opts[#convt_opts + 1] = o end
layer("conv_transpose2d", "nn.conv_transpose2d(in_channels, out_channels, kernel [, opts]) → module", "transposed 2-D convolution (upsampling)",
  "local up = nn.conv_transpose2d(16, 8, 4, {stride = 2, padding = 1})", convt_opts)
layer("maxpool2d", "nn.maxpool2d(kernel [, opts]) → module", "the largest value of each window",
  "local pool = nn.maxpool2d(2)",
  { { "stride", false, "false: the kernel size" }, { "padding", 0, "" }, { "dilation", 1, "" },
    { "ceil_mode", false, "round the output size up" } })
layer("avgpool2d", "nn.avgpool2d(kernel [, opts]) → module", "the mean of each window",
  "local pool = nn.avgpool2d(2)",
  { { "stride", false, "false: the kernel size" }, { "padding", 0, "" }, { "ceil_mode", false, "round the output size up" },
    { "count_include_pad", true, "padding counts in the mean" } })
layer("adaptive_avgpool2d", "nn.adaptive_avgpool2d(size) → module", "averages to a fixed output size (a number or {h, w})",
  "local gap = nn.adaptive_avgpool2d(1)")
layer("upsample", "nn.upsample{size = … | scale = …, mode = …} → module", "resizes N×C×H×W by a size or a scale factor",
  "local up = nn.upsample{scale = 2, mode = \"bilinear\"}",
  { { "size", false, "{h, w} or a number" }, { "scale", false, "a factor" }, { "mode", "nearest", "\"nearest\" or \"bilinear\"" } })
local bn_opts = { { "eps", 1e-5, "added to the variance" }, { "momentum", 0.1, "running statistics' update rate" },
  { "affine", true, "learn a scale and a shift" } }
layer("batchnorm1d", "nn.batchnorm1d(channels [, opts]) → module", "batch normalisation over N×C or N×C×L", "local bn = nn.batchnorm1d(64)", bn_opts)
layer("batchnorm2d", "nn.batchnorm2d(channels [, opts]) → module", "batch normalisation over N×C×H×W", "local bn = nn.batchnorm2d(16)", bn_opts)
layer("dropout", "nn.dropout([p]) → module", "zeroes each value with probability p (0.5) in training, scaling the rest; the identity in eval",
  "local drop = nn.dropout(0.2)")
local rnn_opts = { { "layers", 1, "stacked layers" }, { "dropout", 0, "between layers, in training" }, { "bias", true, "learn biases" } }
layer("lstm", "nn.lstm(inputs, hidden [, opts]) → module", "an LSTM, batch-first: y, state = rnn(x [, state]) with state = {h = layers×N×H, c = …}; PyTorch's weight names and gate order",
  "local rnn = nn.lstm(16, 64, {layers = 2})\nlocal y, state = rnn(T.randn(8, 20, 16))", rnn_opts)
layer("gru", "nn.gru(inputs, hidden [, opts]) → module", "a GRU, batch-first: y, state = rnn(x [, state]) with state = {h = layers×N×H}",
  "local rnn = nn.gru(16, 64)\nlocal y, state = rnn(x)", rnn_opts)
layer("relu", "nn.relu() → module", "max(x, 0)", "local act = nn.relu()")
layer("tanh", "nn.tanh() → module", "tanh(x)", "local act = nn.tanh()")
layer("sigmoid", "nn.sigmoid() → module", "1 / (1 + e^-x)", "local act = nn.sigmoid()")
layer("leaky_relu", "nn.leaky_relu([slope]) → module", "x, or slope·x below 0 (slope 0.01)", "local act = nn.leaky_relu(0.2)")
layer("elu", "nn.elu([alpha]) → module", "x, or alpha·(e^x − 1) below 0 (alpha 1)", "local act = nn.elu()")
layer("gelu", "nn.gelu() → module", "x·Φ(x)", "local act = nn.gelu()")
layer("softmax", "nn.softmax([dim]) → module", "softmax along dim (the last by default)", "local sm = nn.softmax(2)")
layer("log_softmax", "nn.log_softmax([dim]) → module", "log-softmax along dim (the last by default)", "local lsm = nn.log_softmax(2)")
layer("sequential", "nn.sequential{layer, …} → module", "runs layers in order (a batchnorm followed by relu or leaky_relu as one pass, with the same values); also net:upto(x, k) and net:activations(x [, wanted])",
  "local net = nn.sequential{nn.linear(2, 8), nn.tanh(), nn.linear(8, 1)}")
add("wick.nn.module", { "nn.module(kind [, base]) → class", "a class for a layer written in Lua: define :init(...) and :forward(x); register weights with self:param(name, t)",
  example = "local Block = nn.module(\"block\")\nfunction Block:init(c) self.conv = nn.conv2d(c, c, 3, {padding = 1}) end\nfunction Block:forward(x) return (self.conv(x) + x):relu() end" })
add("wick.nn.is_module", { "nn.is_module(x) → boolean", "whether x is a module instance", example = "print(nn.is_module(nn.linear(2, 2)))" })

-- ---- losses (mean over the batch); each is also in nn.F ---------------------------------

local function loss(name, sig, summary, example)
  add("wick.nn." .. name, { sig, summary, example = example, aliases = { "wick.nn.F." .. name, "F." .. name } })
end
loss("cross_entropy", "nn.cross_entropy(logits, ids) → 0-D tensor", "fused log-softmax + NLL of N×C logits against 1-based class ids", "local loss = nn.cross_entropy(net(x), y)")
loss("nll", "nn.nll(logp, ids) → 0-D tensor", "negative log-likelihood of N×C log-probabilities", "local loss = nn.nll(logp, y)")
loss("mse", "nn.mse(x, target) → 0-D tensor", "mean squared error", "local loss = nn.mse(pred, target)")
loss("l1", "nn.l1(x, target) → 0-D tensor", "mean absolute error", "local loss = nn.l1(pred, target)")
loss("bce", "nn.bce(p, target) → 0-D tensor", "binary cross-entropy of probabilities in (0, 1)", "local loss = nn.bce(p, target)")
loss("bce_with_logits", "nn.bce_with_logits(x, target) → 0-D tensor", "binary cross-entropy of logits (a sigmoid fused in, stable)", "local loss = nn.bce_with_logits(logits, target)")

-- ---- nn.F -------------------------------------------------------------------------------

module("wick.nn.F", "the functional forms layers are made of (weights passed in): F.conv2d(x, w, b, opts), F.linear, …",
  "local F = wick.nn.F\nlocal y = F.linear(x, w, b)")
local function fn(name, sig, summary, example)
  add("wick.nn.F." .. name, { sig, summary, example = example, aliases = { "F." .. name } })
end
fn("linear", "F.linear(x, w [, b]) → tensor", "x·wᵀ + b for x (…, in), w (out, in), b (out)", "local y = F.linear(x, w, b)")
fn("conv2d", "F.conv2d(x, w [, b [, opts]]) → tensor", "2-D convolution, options as nn.conv2d", "local y = F.conv2d(x, w, b, {padding = 1})")
fn("conv_transpose2d", "F.conv_transpose2d(x, w [, b [, opts]]) → tensor", "transposed convolution, options as nn.conv_transpose2d", "local y = F.conv_transpose2d(x, w, nil, {stride = 2})")
fn("maxpool2d", "F.maxpool2d(x, kernel [, opts]) → tensor", "max pooling, options as nn.maxpool2d", "local y = F.maxpool2d(x, 2)")
fn("avgpool2d", "F.avgpool2d(x, kernel [, opts]) → tensor", "average pooling, options as nn.avgpool2d", "local y = F.avgpool2d(x, 2)")
fn("adaptive_avgpool2d", "F.adaptive_avgpool2d(x, size) → tensor", "average pooling to a fixed size", "local y = F.adaptive_avgpool2d(x, 1)")
fn("upsample", "F.upsample(x, {size | scale, mode}) → tensor", "resizing, options as nn.upsample", "local y = F.upsample(x, {scale = 2})")
fn("batchnorm", "F.batchnorm(x, gamma, beta, running_mean, running_var, training, momentum, eps) → tensor", "batch normalisation; updates the running statistics in training", "local y = F.batchnorm(x, g, b, rm, rv, true, 0.1, 1e-5)")
fn("dropout", "F.dropout(x, p, training) → tensor", "inverted dropout in training, the identity otherwise", "local y = F.dropout(x, 0.5, true)")
fn("embedding", "F.embedding(ids, w) → tensor", "rows of w (V×D) at 1-based ids of any shape", "local v = F.embedding(T{1, 3}, w)")
fn("leaky_relu", "F.leaky_relu(x [, slope]) → tensor", "leaky ReLU (slope 0.01)", "local y = F.leaky_relu(x, 0.2)")
fn("elu", "F.elu(x [, alpha]) → tensor", "ELU (alpha 1)", "local y = F.elu(x)")
fn("gelu", "F.gelu(x) → tensor", "GELU", "local y = F.gelu(x)")
add("wick.nn.F.kl_normal", { "F.kl_normal(mu, logvar [, reduction]) → tensor", "KL(N(mu, exp(logvar)) ‖ N(0, 1)) = ½ Σ (mu² + exp(logvar) − logvar − 1), the VAE's KL term: summed over the latent dim (the last) and averaged over the batch (reduction \"mean\", the default; \"sum\" adds the per-sample sums, \"none\" returns the N of them); mu and logvar N×D (or D); differentiable in both; NaN or infinite inputs are refused",
  aliases = { "F.kl_normal" },
  example = "local mu, logvar = T.randn(8, 2), T.randn(8, 2)\nlocal kl = F.kl_normal(mu, logvar)" })
fn("softmax", "F.softmax(x, dim) → tensor", "softmax along dim", "local p = F.softmax(logits, 2)")
fn("log_softmax", "F.log_softmax(x, dim) → tensor", "log-softmax along dim", "local logp = F.log_softmax(logits, 2)")
fn("rnn_layer", "F.rnn_layer(cell, x, h0, c0, w_ih, w_hh, b_ih, b_hh [, ws]) → y, h, c", "one LSTM or GRU layer over a batch-first sequence (cell = \"lstm\" | \"gru\")", "local y, h, c = F.rnn_layer(\"lstm\", x, h0, c0, w_ih, w_hh, b_ih, b_hh)")

-- ---- Module and Sequential --------------------------------------------------------------

type_("Module", { "a layer or a net: call it (net(x)); parameters get stable names like 3.weight",
  var = "net", vars = { "net", "self", "rnn", "layer" }, table_path = "wick.nn.Module", aliases = { "wick.nn.Module" },
  probe = function(x) return wick.nn.is_module(x) and getmetatable(x) ~= wick.nn.sequential and x.kind ~= "tfjs"
    and x.kind ~= "random_filters" end,
  example = "local net = nn.sequential{nn.linear(4, 2)}\nfor name, p in pairs(net:named_parameters()) do print(name, p) end" })
local function m(name, sig, summary, example, opts)
  add("Module:" .. name, { sig, summary, example = example, opts = opts })
end
m("forward", "net:forward(x, …) → output", "what calling net(x) runs; a class written with nn.module defines it", "local y = net:forward(x)")
m("init", "Class:init(...)", "the constructor a class made with nn.module defines; calling the class runs it on a fresh instance", "function Block:init(c) self.conv = nn.conv2d(c, c, 3) end")
m("describe", "net:describe() → string", "a one-line (or, for a sequential, one line per layer) description; tostring(net) uses it", "print(net:describe())")
m("parameters", "net:parameters() → {tensor, …}", "the learnable tensors, in a stable order (for an optimizer)", "local opt = wick.optim.adam(net:parameters())")
m("named_parameters", "net:named_parameters() → {name → tensor}", "the learnable tensors by their stable names (\"3.weight\")", "for name, p in pairs(net:named_parameters()) do print(name) end")
m("children", "net:children() → {module, …}", "the modules held in the module's fields, in declaration order", "for _, c in ipairs(net:children()) do print(c) end")
m("param", "self:param(name, t) → t", "registers t as a learnable parameter (in a class's :init)", "self:param(\"weight\", T.randn(4, 4) * 0.1)")
m("buffer", "self:buffer(name, t) → t", "registers t as saved state that is not learned (running statistics)", "self:buffer(\"running_mean\", T.zeros(c))")
m("train", "net:train([flag]) → net", "training mode (dropout on, batchnorm updates its statistics); flag false means eval", "net:train()")
m("eval", "net:eval() → net", "evaluation mode", "net:eval()")
m("zero_grad", "net:zero_grad()", "clears every parameter's .grad", "net:zero_grad()")
m("num_parameters", "net:num_parameters() → integer", "the number of learnable values", "print(net:num_parameters())")
m("state", "net:state() → {name → tensor}", "parameters and buffers by name (what wick.save writes)", "wick.save(net:state(), \"out/net.safetensors\")")
local load_opts = { { "strict", true, "refuse missing, unexpected or mis-shaped names (false: return them)" },
  { "index_base", "auto", "0 or 1: how layer numbers in the names count (auto: PyTorch's 0-based when only that fits)" } }
m("load_state", "net:load_state(tbl [, opts]) → report", "copies tensors by name; reports missing, unexpected and mis-shaped names in one error",
  "net:load_state(wick.load(\"out/net.safetensors\"))", load_opts)
m("load", "net:load(path [, opts]) → net, metadata", "load_state from a safetensors file (a PyTorch nn.Sequential's 0-based names are mapped)",
  "local net = make_net():load(\"out/net.safetensors\")", load_opts)

type_("Sequential", { "nn.sequential's modules: layers run in order, net[i] is layer i", var = "seq", vars = { "seq", "net" }, base = "Module",
  table_path = "wick.nn.sequential",
  probe = function(x) return wick.nn.is_module(x) and getmetatable(x) == wick.nn.sequential end,
  example = "local net = nn.sequential{nn.linear(2, 8), nn.relu(), nn.linear(8, 1)}\nprint(net)" })
add("Sequential:upto", { "net:upto(x, k) → tensor", "the output of layer k (CNN codes, style layers)", example = "local codes = net:upto(x, 3)" })
add("Sequential:activations", { "net:activations(x [, wanted]) → {k → tensor}", "every layer's output, or those of the layers in wanted (a list or set of numbers)",
  example = "local acts = net:activations(x, {2, 4})" })
add("Sequential:add", { "net:add(layer) → net", "appends a layer", example = "net:add(nn.softmax(2))" })

-- ---- trained networks from TensorFlow.js ------------------------------------------------

add("wick.nn.load_tfjs", { "nn.load_tfjs(dir [, opts]) → net", "a TensorFlow.js layers model (model.json + weight shards; a folder or a data name like \"models/inception_v3\") as a module with frozen weights: net(x), net:upto(x, name), net:activations(x, names); gradients reach the input",
  example = "local net = nn.load_tfjs(\"models/inception_v3\")\nlocal x = net:preprocess(wick.image.load(\"photo.jpg\"))\nlocal acts = net:activations(x, {\"mixed3\", \"mixed5\"})",
  opts = { { "range", "{-1, 1}", "the input range the model was trained on ({-1, 1}: Keras's InceptionV3 and MobileNet)" } } })
type_("TfjsNet", { "a network from nn.load_tfjs: Keras layer names, frozen weights, NCHW tensors", var = "net", base = "Module",
  probe = function(x) return wick.nn.is_module(x) and x.kind == "tfjs" end,
  example = "local net = nn.load_tfjs(\"models/inception_v3\")\nprint(net)" })
add("TfjsNet:upto", { "net:upto(x, name) → tensor", "the output of the layer named name (only the layers it needs run)",
  example = "local feats = net:upto(x, \"mixed4\")" })
add("TfjsNet:activations", { "net:activations(x, names) → {name → tensor}", "the outputs of several layers in one pass",
  example = "local acts = net:activations(x, {\"mixed3\", \"mixed5\"})" })
add("TfjsNet:layers", { "net:layers() → list", "every layer: {name, class, shape = {C, H, W} or {F}, params, inputs, activation, folded}",
  example = "for _, l in ipairs(net:layers()) do print(l.name, l.class, table.concat(l.shape, \"×\")) end" })
add("TfjsNet:preprocess", { "net:preprocess(img [, opts]) → 1×3×H×W", "an image in [0, 1] (C×H×W or N×C×H×W; grey or RGBA too) resized to the input size and scaled to the model's range",
  example = "local x = net:preprocess(wick.image.load(\"photo.jpg\"), {size = false})",
  opts = { { "size", true, "true: the model's input size; false: keep the image's; a number or {h, w}" } } })
add("TfjsNet:deprocess", { "net:deprocess(x) → 3×H×W", "the model's range back to an image in [0, 1]",
  example = "wick.image.save(net:deprocess(x), \"out/dream.png\")" })

-- ---- style transfer ----------------------------------------------------------------------

add("wick.nn.F.gram", { "F.gram(x) → tensor", "Gram matrices of feature maps: N×C×H×W → N×C×C (or C×H×W → C×C), divided by C·H·W",
  example = "local g = nn.F.gram(net:upto(x, \"mixed2\"))" })
add("wick.nn.F.total_variation", { "F.total_variation(x) → scalar tensor", "mean squared difference between neighbouring pixels, down plus across (a smoothness loss)",
  example = "local loss = nn.F.total_variation(img) * 1e-3" })
add("wick.nn.random_filters", { "nn.random_filters([opts]) → net", "a one-layer net of random filters at several sizes (Ustyuzhaninov et al. 2016): layers conv3, conv5, … with the API of a loaded network (activations, upto, layers, preprocess); no training needed for texture and style",
  example = "local net = nn.random_filters()\nlocal acts = net:activations(net:preprocess(img, {size = false}), {\"conv3\", \"conv11\"})",
  opts = { { "sizes", "{3, 5, 7, 11, 15, 23}", "kernel sizes (odd), one layer each" }, { "channels", 128, "filters per size" },
    { "seed", 1, "the weights' own generator (a sketch's seed does not change them)" }, { "range", "{-1, 1}", "the input range preprocess gives" } } })
type_("RandomFilters", { "a net from nn.random_filters: layers conv3, conv5, … of random filters", var = "net", base = "Module",
  probe = function(x) return wick.nn.is_module(x) and x.kind == "random_filters" end,
  example = "local net = nn.random_filters{sizes = {3, 7, 15}}\nprint(net)" })
add("RandomFilters:upto", { "net:upto(x, name) → tensor", "one layer's output (relu of its convolution)", example = "local f = net:upto(x, \"conv7\")" })
add("RandomFilters:activations", { "net:activations(x, names) → {name → tensor}", "several layers' outputs", example = "local acts = net:activations(x, {\"conv3\", \"conv23\"})" })
add("RandomFilters:layers", { "net:layers() → list", "every layer: {name, class, shape, params, inputs, activation}", example = "for _, l in ipairs(net:layers()) do print(l.name) end" })
add("RandomFilters:preprocess", { "net:preprocess(img [, opts]) → 1×3×H×W", "an image in [0, 1] scaled to the net's range, at its own size unless size gives one",
  example = "local x = net:preprocess(img)", opts = { { "size", true, "a number or {h, w} resizes; the net takes any size" } } })
add("RandomFilters:deprocess", { "net:deprocess(x) → 3×H×W", "back to an image in [0, 1]", example = "wick.image.save(net:deprocess(x), \"out/texture.png\")" })

add("wick.nn.patch_bank", { "nn.patch_bank(style [, opts]) → bank", "CNNMRF's patch matching (Li & Wand 2016): every size×size window of a style feature map (C×H×W or 1×C×H×W) as a patch, matched to the windows of x by normalised cross-correlation (a GEMM + argmax in C)",
  example = "local bank = nn.patch_bank(net:upto(style, \"mixed2\"))\nlocal loss = bank:loss(net:upto(x, \"mixed2\")) * 1e-4",
  opts = { { "size", 3, "patch side" }, { "stride", 1, "step between the style's patches" },
    { "synthesis_stride", 1, "step between the windows of x that are matched" } }, see = { "PatchBank" } })
type_("PatchBank", { "a bank of style patches from nn.patch_bank", var = "bank",
  probe = function(x) local mt = getmetatable(x); return type(mt) == "table" and mt.__name == "wick.PatchBank" end,
  example = "local bank = nn.patch_bank(T.randn(64, 32, 32))\nprint(bank)" })
add("PatchBank:match", { "bank:match(x) → indices, cosines", "for each window of x (C×H×W or 1×C×H×W, the bank's C): the 1-based index of its best patch and the cosine of the match, both H'×W'",
  example = "local idx, cos = bank:match(feats)" })
add("PatchBank:loss", { "bank:loss(x [, indices]) → scalar tensor", "Σ|x_i − s_nn(i)|² over the windows of x, each matched now (or to indices); differentiable w.r.t. x with the matches held constant",
  example = "local loss = bank:loss(net:upto(x, \"mixed2\"))\nloss:backward()" })
add("PatchBank:size", { "bank:size() → integer", "the number of patches", example = "print(bank:size())" })
add("PatchBank:patches", { "bank:patches([opts]) → count×C×k×k", "the patches, raw or divided by their lengths",
  example = "local p = bank:patches{normalize = true}", opts = { { "normalize", false, "divide each patch by its length" } } })
add("PatchBank:free", { "bank:free()", "releases the bank now (the collector would later)", example = "bank:free()" })

-- ---- wick.optim -------------------------------------------------------------------------

module("wick.optim", "optimizers (PyTorch's update formulas, fused into one C loop per parameter) and learning-rate schedules",
  "local opt = wick.optim.adam(net:parameters(), {lr = 1e-3})\nopt:zero_grad(); loss:backward(); opt:step()")
local function optimizer(name, sig, summary, example, opts)
  add("wick.optim." .. name, { sig, summary, example = example, opts = opts, see = { "Optimizer" } })
end
optimizer("sgd", "optim.sgd(params [, opts]) → optimizer", "stochastic gradient descent with momentum", "local opt = wick.optim.sgd(net:parameters(), {lr = 0.1, momentum = 0.9})",
  { { "lr", 1e-2, "learning rate" }, { "momentum", 0, "" }, { "dampening", 0, "" }, { "weight_decay", 0, "L2 penalty" }, { "nesterov", false, "" } })
local adam_opts = function(wd)
  return { { "lr", 1e-3, "learning rate" }, { "betas", { 0.9, 0.999 }, "moment decay rates" }, { "eps", 1e-8, "" },
    { "weight_decay", wd, wd == 0 and "L2 penalty" or "decoupled weight decay" } }
end
optimizer("adam", "optim.adam(params [, opts]) → optimizer", "Adam", "local opt = wick.optim.adam(net:parameters())", adam_opts(0))
optimizer("adamw", "optim.adamw(params [, opts]) → optimizer", "AdamW: Adam with decoupled weight decay", "local opt = wick.optim.adamw(net:parameters(), {lr = 3e-4})", adam_opts(1e-2))
optimizer("rmsprop", "optim.rmsprop(params [, opts]) → optimizer", "RMSprop", "local opt = wick.optim.rmsprop(net:parameters(), {lr = 2e-3})",
  { { "lr", 1e-2, "learning rate" }, { "alpha", 0.99, "smoothing" }, { "eps", 1e-8, "" }, { "weight_decay", 0, "" }, { "momentum", 0, "" } })
optimizer("lbfgs", "optim.lbfgs(params [, opts]) → optimizer", "L-BFGS without line search; opt:step(closure) where closure zeroes the gradients, computes the loss, calls backward and returns the loss",
  "local opt = wick.optim.lbfgs({img})\nopt:step(function() opt:zero_grad(); local l = loss(img); l:backward(); return l end)",
  { { "lr", 1, "" }, { "max_iter", 20, "iterations per step" }, { "max_eval", false, "false: max_iter × 1.25" },
    { "tolerance_grad", 1e-7, "" }, { "tolerance_change", 1e-9, "" }, { "history_size", 100, "" } })
add("wick.optim.step_lr", { "optim.step_lr(opt [, opts]) → schedule", "lr = base · gamma^(epoch // step_size); call sched:step() once per epoch",
  opts = { { "step_size", 1, "epochs per decay" }, { "gamma", 0.1, "decay factor" } },
  example = "local sched = wick.optim.step_lr(opt, {step_size = 10, gamma = 0.5})", see = { "Schedule" } })
add("wick.optim.cosine", { "optim.cosine(opt [, opts]) → schedule", "cosine annealing from the base lr to eta_min over t_max epochs",
  opts = { { "t_max", 100, "epochs to reach eta_min" }, { "eta_min", 0, "the final lr" } },
  example = "local sched = wick.optim.cosine(opt, {t_max = 50})", see = { "Schedule" } })
add("wick.optim.clip_grad_norm", { "optim.clip_grad_norm(params, max_norm) → norm", "scales the gradients so their joint norm is at most max_norm; returns the norm before clipping",
  example = "wick.optim.clip_grad_norm(net:parameters(), 5)" })

type_("Optimizer", { "an optimizer from wick.optim: opt.lr can be changed between steps", var = "opt",
  probe = function(x) local mt = getmetatable(x); return type(x) == "table" and type(mt) == "table" and type(x.kind) == "string" and type(x.params) == "table" and mt.zero_grad ~= nil end,
  example = "opt:zero_grad()\nloss:backward()\nopt:step()" })
add("Optimizer:step", { "opt:step([closure]) → loss (lbfgs)", "one update of every parameter from its .grad (lbfgs: runs the closure)", example = "opt:step()" })
add("Optimizer:zero_grad", { "opt:zero_grad()", "clears the parameters' .grad", example = "opt:zero_grad()" })
add("Optimizer:buffer", { "opt:buffer(i, key) → tensor", "parameter i's state buffer called key (momentum, exp_avg), made on first use", example = "local m = opt:buffer(1, \"exp_avg\")" })

type_("Schedule", { "a learning-rate schedule from optim.step_lr or optim.cosine", var = "sched",
  probe = function(x) return type(x) == "table" and type(x.optimizer) == "table" and type(x.rate) == "function" end,
  example = "for epoch = 1, 30 do train_one_epoch(); sched:step() end" })
add("Schedule:step", { "sched:step() → lr", "advances one epoch and sets the optimizer's lr", example = "sched:step()" })
