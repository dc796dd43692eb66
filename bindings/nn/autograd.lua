-- autograd.lua — reverse-mode automatic differentiation on wick tensors, embedded in
-- the binary. It wraps each differentiable tensor function so that, when an operand
-- tracks gradients and grad mode is on, the result records a graph node: its inputs
-- and a backward function from the output's gradient to the inputs'. loss:backward()
-- walks the graph once in reverse topological order, accumulates leaf gradients into
-- x.grad and frees the graph. Layers in wick.nn add their own nodes with
-- wick.autograd.record, so C kernels with hand-written backward passes join in.
local wick = ...
local T = wick.tensor
local tracks, set_tracks, state, is_tensor = T._tracks, T._set_tracks, T._ag, T.is_tensor
local autograd = wick.autograd   -- the C half: _mode, _wrap, _guard, _recording
local set_mode = autograd._mode

-- wick._raise(msg): raise msg at the first stack level outside wick's embedded sugar,
-- so an error in a sketch reads "sketch.lua:12: …" wherever the check happened. (This
-- file is the first sugar to run, so every other one can use it.) When no such level
-- is left — the sketch's chunk tail-called into wick (`return nn.conv2d(…)`, which is
-- how a REPL line runs) and Lua reused its frame — the message carries no position
-- rather than one inside wick, as C bindings do (wk_lua_push_where).
function wick._raise(msg)
  local level = 2
  while true do
    local info = debug.getinfo(level, "Sl")
    if not info then
      level = 0
      break
    end
    if info.what ~= "C" and info.currentline > 0 and not info.source:find("^=%[wick ") then break end
    level = level + 1
  end
  error(msg, level)
end

-- ---- recording ---------------------------------------------------------------------

-- Make `out` a graph node over `inputs` (tensors or constants) with
-- backward(g) -> g_input1, g_input2, … (nil where no gradient flows).
local function record(out, inputs, backward, name)
  if not is_tensor(out) then wick._check.tensor("record", "out", out) end
  if type(inputs) ~= "table" then wick._check.type("record", "inputs", inputs, "table") end
  if type(backward) ~= "function" then wick._check.type("record", "backward", backward, "function") end
  set_tracks(out, true)
  local node = { inputs = inputs, backward = backward, name = name, outputs = setmetatable({ out }, { __mode = "v" }),
    n_outputs = 1 }
  state(out, true).node = node
  return out
end
autograd.record = record

-- A node with several outputs (an LSTM layer's y, h and c): backward receives one
-- gradient per output, nil for an output no gradient reached.
function autograd.record_multi(outs, inputs, backward, name)
  local listed = type(outs) == "table" and #outs >= 1
  for k = 1, listed and #outs or 0 do listed = listed and is_tensor(outs[k]) end
  if not listed then
    wick._raise("record_multi: outs must be a list of tensors, got " .. wick._check.show(outs))
  end
  if type(inputs) ~= "table" then wick._check.type("record_multi", "inputs", inputs, "table") end
  if type(backward) ~= "function" then wick._check.type("record_multi", "backward", backward, "function") end
  local node = { inputs = inputs, backward = backward, name = name, outputs = setmetatable({}, { __mode = "v" }),
    n_outputs = #outs }
  for k, out in ipairs(outs) do
    set_tracks(out, true)
    node.outputs[k] = out
    state(out, true).node = node
  end
  return table.unpack(outs)
end

function autograd.enabled()
  local mode = set_mode()
  return mode
end

-- fname: the public name to refuse a non-callable fn under (a table or userdata with
-- __call is fine: wick.no_grad(net, x)).
local function with_mode(fname, mode, fn, ...)
  local mt = type(fn) ~= "function" and getmetatable(fn)
  if type(fn) ~= "function" and not (type(mt) == "table" and mt.__call) then
    wick._raise(("%s: fn must be a function, got %s"):format(fname, wick._check.show(fn)))
  end
  local saved = set_mode(mode)
  local result = table.pack(pcall(fn, ...))
  set_mode(saved)
  if not result[1] then error(result[2], 0) end
  return table.unpack(result, 2, result.n)
end

-- Run fn with gradient recording off (optimizer steps, evaluation, sampling).
function autograd.no_grad(fn, ...) return with_mode("no_grad", false, fn, ...) end
wick.no_grad = autograd.no_grad

-- Run fn with recording on, even inside no_grad (L-BFGS re-evaluates its closure).
function autograd.with_grad(fn, ...) return with_mode("with_grad", true, fn, ...) end

-- Should a call with these operands be recorded?
autograd.recording = autograd._recording

-- ---- leaves -------------------------------------------------------------------------

-- x:requires_grad([flag = true]): make x a leaf whose gradient backward() accumulates
-- into x.grad. Returns x.
function T.requires_grad(x, flag)
  if not is_tensor(x) then wick._raise(("requires_grad: expected a tensor, got %s"):format(type(x))) end
  if flag == false then
    set_tracks(x, false)
    return x
  end
  local st = state(x, true)
  if st.node then wick._raise("requires_grad: only leaf tensors can require grad (use detach() first)") end
  set_tracks(x, true)
  st.leaf = true
  return x
end

function T.tracks_grad(x) return tracks(x) end
function T.is_leaf(x)
  wick._check.tensor("is_leaf", "x", x)
  local st = state(x)
  return not (st and st.node)
end

-- ---- gradient helpers -----------------------------------------------------------------

local function same_shape(a, b)
  local sa, sb = a:shape(), b:shape()
  if #sa ~= #sb then return false end
  for i = 1, #sa do if sa[i] ~= sb[i] then return false end end
  return true
end

-- Sum g over the dims that broadcasting stretched, back to the shape of x.
local function unbroadcast(g, x)
  if not is_tensor(x) then return nil end
  if same_shape(g, x) then return g end
  local gs, xs = g:shape(), x:shape()
  local lead = #gs - #xs
  local fits = lead >= 0
  for d = 1, fits and #xs or 0 do fits = fits and (xs[d] == 1 or xs[d] == gs[d + lead]) end
  if not fits then
    wick._raise(("unbroadcast: a gradient of shape [%s] does not sum to shape [%s]")
      :format(table.concat(gs, ","), table.concat(xs, ",")))
  end
  for _ = 1, lead do g = g:sum(1) end
  for d = 1, #xs do
    if xs[d] == 1 and gs[d + lead] ~= 1 then g = g:sum(d, true) end
  end
  return g:reshape(xs)
end
function autograd.unbroadcast(g, x)
  if not is_tensor(x) then return nil end
  wick._check.tensor("unbroadcast", "x", x)
  wick._check.tensor("unbroadcast", "g", g)
  local r = unbroadcast(g, x)   -- not a tail call: its errors name unbroadcast
  return r
end

-- ---- the backward pass ----------------------------------------------------------------

local function node_of(t)
  local st = state(t)
  return st and st.node
end

-- Nodes reachable from root's node, ordered so that every node comes after all the
-- nodes that use its outputs when read from the end (iterative DFS: char-rnn graphs
-- are thousands of nodes deep).
local function topo_order(root_node)
  local order, seen = {}, { [root_node] = true }
  local stack = { { root_node, 1 } }
  while #stack > 0 do
    local top = stack[#stack]
    local node, i = top[1], top[2]
    local inputs = node.inputs
    local count = inputs.n or #inputs
    local pushed = false
    while i <= count do
      local inp = inputs[i]
      i = i + 1
      local child = is_tensor(inp) and tracks(inp) and node_of(inp)
      if child and not seen[child] then
        seen[child] = true
        top[2] = i
        stack[#stack + 1] = { child, 1 }
        pushed = true
        break
      end
    end
    if not pushed then
      stack[#stack] = nil
      order[#order + 1] = node
    end
  end
  return order
end

local function accumulate(grads, t, g)
  local have = grads[t]
  if have == nil then grads[t] = g
  else grads[t] = have + g end
end

local function accumulate_leaf(t, g)
  local st = state(t, true)
  if not st.leaf then return end
  local have = st.grad
  if have == nil then st.grad = g:contiguous():clone()
  else have:add_(g) end
end

-- loss:backward([grad [, {retain_graph = false}]])
function T.backward(root, grad, opts)
  if not is_tensor(root) then
    wick._raise(("backward: expected a tensor (loss:backward()), got %s"):format(type(root)))
  end
  if grad ~= nil and not is_tensor(grad) then
    wick._raise(("backward: the gradient must be a tensor, got %s"):format(type(grad)))
  end
  if grad ~= nil and not same_shape(grad, root) then
    wick._raise(("backward: the gradient's shape [%s] is not the tensor's [%s]"):format(table.concat(grad:shape(), ","),
      table.concat(root:shape(), ",")))
  end
  if opts ~= nil and type(opts) ~= "table" then
    wick._raise(("backward: options must be a table {retain_graph = …}, got %s"):format(type(opts)))
  end
  if not tracks(root) then
    wick._raise("backward: this tensor does not require grad (no input called :requires_grad())")
  end
  if grad == nil then
    if root:numel() ~= 1 then
      wick._raise(("backward: give a gradient for a tensor of shape [%s] (only one-element tensors imply 1)")
        :format(table.concat(root:shape(), ",")))
    end
    grad = T.ones(root:shape())
  end
  local root_node = node_of(root)
  if not root_node then   -- a leaf: its gradient is grad itself
    accumulate_leaf(root, grad)
    return
  end
  local retain = opts and opts.retain_graph
  local order = topo_order(root_node)
  local grads = { [root] = grad }
  local saved_mode = set_mode(false)   -- backward formulas are not themselves recorded
  local ok, err = pcall(function()
    for i = #order, 1, -1 do
      local node = order[i]
      local gout, any = {}, false
      for k = 1, node.n_outputs do
        local o = node.outputs[k]
        if o ~= nil then
          gout[k] = grads[o]
          grads[o] = nil
          any = any or gout[k] ~= nil
        end
      end
      if any then
        local gin = table.pack(node.backward(table.unpack(gout, 1, node.n_outputs)))
        local inputs = node.inputs
        for k = 1, inputs.n or #inputs do
          local inp, gk = inputs[k], gin[k]
          if gk and is_tensor(inp) and tracks(inp) then
            if node_of(inp) then accumulate(grads, inp, gk) else accumulate_leaf(inp, gk) end
          end
        end
      end
      if not retain then   -- free the graph: inputs and saved tensors go with the node
        for k = 1, node.n_outputs do
          local o = node.outputs[k]
          if o ~= nil then
            state(o).node = nil
            set_tracks(o, false)   -- a used-up intermediate is a constant from now on
          end
        end
        node.inputs, node.backward = nil, nil
      end
    end
  end)
  set_mode(saved_mode)
  if not ok then error(err, 0) end
end

-- A view of x that shares its storage but not its graph.
function T.detach(x)
  wick._check.tensor("detach", "x", x)
  return T._alias(x)
end

-- ---- wrapping the tensor functions ------------------------------------------------------

-- Record a node whenever T[name] runs on a tracked operand (see autograd.c).
local function wrap(name, make_backward, tbl)
  autograd._wrap(tbl or T, name, function(out, a, ...)
    record(out, table.pack(a, ...), make_backward(out, a, ...), name)
  end)
end

local binary_backward = {
  add = function(_, a, b) return function(g) return unbroadcast(g, a), unbroadcast(g, b) end end,
  sub = function(_, a, b) return function(g) return unbroadcast(g, a), is_tensor(b) and unbroadcast(-g, b) end end,
  mul = function(_, a, b)
    return function(g) return is_tensor(a) and unbroadcast(g * b, a), is_tensor(b) and unbroadcast(g * a, b) end
  end,
  div = function(_, a, b)
    return function(g)
      return is_tensor(a) and unbroadcast(g / b, a), is_tensor(b) and unbroadcast(-g * a / (b * b), b)
    end
  end,
  pow = function(out, a, b)
    return function(g)
      local ga, gb
      if is_tensor(a) then ga = unbroadcast(g * b * a ^ (b - 1), a) end
      if is_tensor(b) then gb = unbroadcast(g * out * T.log(a), b) end
      return ga, gb
    end
  end,
}
for name, make in pairs(binary_backward) do wrap(name, make) end

-- Metamethods: either operand may be the number.
local meta = getmetatable(T.zeros(0))
for mm, name in pairs { __add = "add", __sub = "sub", __mul = "mul", __div = "div", __pow = "pow" } do
  if meta[mm] then wrap(mm, binary_backward[name], meta) end
end
if meta.__unm then wrap("__unm", function() return function(g) return -g end end, meta) end

local unary_backward = {
  neg = function() return function(g) return -g end end,
  exp = function(out) return function(g) return g * out end end,
  log = function(_, a) return function(g) return g / a end end,
  sqrt = function(out) return function(g) return g / (out * 2) end end,
  abs = function(_, a) return function(g) return g * (a:gt(0) - a:lt(0)) end end,
  -- fused C backward kernels (lib/nn/activation.c): one pass, no temporaries
  tanh = function(out) return function(g) return wick.nn._act_backward("tanh", g, out) end end,
  sigmoid = function(out) return function(g) return wick.nn._act_backward("sigmoid", g, out) end end,
  relu = function(_, a) return function(g) return wick.nn._act_backward("relu", g, a) end end,
  sin = function(_, a) return function(g) return g * a:cos() end end,
  cos = function(_, a) return function(g) return -g * a:sin() end end,
  floor = function(_, a) return function() return T.zeros(a:shape()) end end,
  clamp = function(_, a, lo, hi)
    return function(g)
      local pass = T.ones(a:shape())
      if lo then pass = pass * a:ge(lo) end
      if hi then pass = pass * a:le(hi) end
      return g * pass
    end
  end,
}
for name, make in pairs(unary_backward) do if T[name] then wrap(name, make) end end

-- ---- reductions ------------------------------------------------------------------------

-- g reshaped so it broadcasts against the input: reduced dim put back as size 1.
local function expand_back(g, a, dim, keepdim)
  if dim == nil then return g:reshape(T.ones(a:dim()):table()) end
  if not keepdim then
    local d = dim < 0 and dim + a:dim() + 1 or dim
    return g:unsqueeze(d)
  end
  return g
end

local function count(a, dim)
  if dim == nil then return a:numel() end
  return a:size(dim)
end

wrap("sum", function(_, a, dim, keepdim)
  return function(g) return expand_back(g, a, dim, keepdim):expand(a:shape()):contiguous() end
end)
wrap("mean", function(_, a, dim, keepdim)
  return function(g) return (expand_back(g, a, dim, keepdim) / count(a, dim)):expand(a:shape()):contiguous() end
end)
wrap("var", function(_, a, dim, keepdim, unbiased)
  return function(g)
    local n = count(a, dim)
    local denom = (unbiased == false) and n or (n - 1)
    local centred = a - (dim and a:mean(dim, true) or a:mean())
    return expand_back(g, a, dim, keepdim) * centred * (2 / denom)
  end
end)
wrap("std", function(out, a, dim, keepdim, unbiased)
  return function(g)
    local n = count(a, dim)
    local denom = (unbiased == false) and n or (n - 1)
    local centred = a - (dim and a:mean(dim, true) or a:mean())
    return expand_back(g / out, a, dim, keepdim) * centred * (1 / denom)
  end
end)
wrap("norm", function(out, a, p, dim, keepdim)
  p = p or 2
  return function(g)
    local ge, oe = expand_back(g, a, dim, keepdim), expand_back(out, a, dim, keepdim)
    if p == 2 then return ge * a / oe end
    if p == 1 then return ge * (a:gt(0) - a:lt(0)) end
    return ge * (a:gt(0) - a:lt(0)) * a:abs() ^ (p - 1) / oe ^ (p - 1)
  end
end)

-- max/min: the gradient goes to the elements equal to the extreme (split among ties).
local function extreme_backward(out, a, dim, keepdim)
  return function(g)
    local oe = expand_back(out, a, dim, keepdim)
    local mask = a:eq(oe)
    local n = dim and mask:sum(dim, true) or mask:sum()
    return expand_back(g, a, dim, keepdim) * mask / n
  end
end
wrap("max", extreme_backward)
wrap("min", extreme_backward)

-- ---- linear algebra ----------------------------------------------------------------------

wrap("matmul", function(_, a, b)
  return function(g)
    local a2 = a:dim() == 1 and a:unsqueeze(1) or a
    local b2 = b:dim() == 1 and b:unsqueeze(2) or b
    -- g in the promoted (…, n, p) form
    local gs = a2:shape()
    local bs = b2:shape()
    local lead = {}
    local nb = math.max(#gs, #bs) - 2
    for i = 1, nb do
      local da, db = gs[i - (nb - (#gs - 2))], bs[i - (nb - (#bs - 2))]
      lead[i] = math.max(da or 1, db or 1)
    end
    lead[#lead + 1] = gs[#gs - 1]
    lead[#lead + 1] = bs[#bs]
    local g2 = g:reshape(lead)
    local ga = unbroadcast(g2:matmul(b2:transpose(-1, -2)), a2):reshape(a:shape())
    local gb = unbroadcast(a2:transpose(-1, -2):matmul(g2), b2):reshape(b:shape())
    return ga, gb
  end
end)
if T.dot then
  wrap("dot", function(_, a, b) return function(g) return b * g, a * g end end)
end
if T.outer then
  wrap("outer", function(_, a, b) return function(g) return g:matmul(b), a:matmul(g) end end)
end

-- ---- views ------------------------------------------------------------------------------

local function reshape_back(_, a) return function(g) return g:reshape(a:shape()) end end
wrap("reshape", reshape_back)
wrap("view", reshape_back)
wrap("squeeze", reshape_back)
wrap("unsqueeze", reshape_back)
wrap("contiguous", function() return function(g) return g end end)
wrap("clone", function() return function(g) return g end end)
wrap("transpose", function(_, _, d0, d1)
  return function(g)
    if d0 == nil then return g:transpose() end
    return g:transpose(d0, d1)
  end
end)
wrap("permute", function(_, a, ...)
  local order = select("#", ...) == 1 and type(...) == "table" and (...) or { ... }
  return function(g)
    local inverse = {}
    for i, d in ipairs(order) do
      if d < 0 then d = d + a:dim() + 1 end
      inverse[d] = i
    end
    return g:permute(inverse)
  end
end)
wrap("expand", function(_, a) return function(g) return unbroadcast(g, a) end end)
wrap("narrow", function(_, a, dim, start, length)
  return function(g)
    local ga = T.zeros(a:shape())
    ga:narrow(dim, start, length):copy_(g)
    return ga
  end
end)
wrap("select", function(_, a, dim, index)
  return function(g)
    local ga = T.zeros(a:shape())
    ga:select(dim, index):copy_(g)
    return ga
  end
end)

-- ---- joining and picking ----------------------------------------------------------------

local function list_wrap(name, slice)
  if not T[name] then return end
  autograd._wrap(T, name, function(out, list, dim)
    local inputs = {}
    for i, x in ipairs(list) do inputs[i] = x end
    record(out, inputs, function(g) return slice(g, inputs, dim or 1) end, name)
  end)
end
list_wrap("cat", function(g, inputs, dim)
  local grads, start = {}, 1
  for i, x in ipairs(inputs) do
    local len = x:size(dim)
    grads[i] = g:narrow(dim, start, len)
    start = start + len
  end
  return table.unpack(grads, 1, #inputs)
end)
list_wrap("stack", function(g, inputs, dim)
  local grads = {}
  for i = 1, #inputs do grads[i] = g:select(dim, i) end
  return table.unpack(grads, 1, #inputs)
end)

if T.index_select then
  wrap("index_select", function(_, a, dim, index)
    return function(g)
      local idx = is_tensor(index) and index or T(index)
      local ga = T.zeros(a:shape())
      T._index_add_(ga, dim, idx, g)
      return ga
    end
  end)
end
if T.gather then
  wrap("gather", function(_, a, dim, index)
    return function(g)
      local ga = T.zeros(a:shape())
      T._scatter_add_(ga, dim, index, g)
      return ga
    end
  end)
end
if T.masked_fill then
  wrap("masked_fill", function(_, _, mask)
    return function(g) return g * mask:eq(0) end
  end)
end
if T.where then
  autograd._wrap(T, "where", function(out, cond, a, b)
    record(out, { cond, a, b }, function(g)
      local keep = cond:ne(0)
      return nil, is_tensor(a) and unbroadcast(g * keep, a), is_tensor(b) and unbroadcast(g * (1 - keep), b)
    end, "where")
  end)
end

for _, name in ipairs { "add_", "sub_", "mul_", "div_", "pow_", "exp_", "log_", "sqrt_", "abs_", "neg_", "tanh_",
  "sigmoid_", "relu_", "sin_", "cos_", "floor_", "clamp_", "fill_", "zero_", "copy_", "masked_fill_" } do
  autograd._guard(T, name)
end

-- ---- gradcheck -------------------------------------------------------------------------

-- wick.autograd.gradcheck(fn, inputs, {eps = 1e-2, atol = 1e-2, rtol = 1e-2, samples = 24})
-- Compares the gradient backward() gives for sum(fn(inputs…) · w), with w random, to
-- central finite differences at up to `samples` elements of each input that requires
-- grad. Returns ok, worst relative error, and a message naming the worst element.
function autograd.gradcheck(fn, inputs, opts)
  local check = wick._check
  check.type("gradcheck", "fn", fn, "function")
  check.type("gradcheck", "inputs", inputs, "table")
  opts = wick._options("gradcheck", opts, { eps = 1e-2, atol = 1e-2, rtol = 1e-2, samples = 24 })
  local eps = check.positive("gradcheck", "eps", opts.eps)
  local atol = check.number("gradcheck", "atol", opts.atol, 0)
  local rtol = check.number("gradcheck", "rtol", opts.rtol, 0)
  local samples = check.integer("gradcheck", "samples", opts.samples, 1)
  if #inputs == 0 then wick._raise("gradcheck: inputs must be a non-empty list of tensors, got an empty table") end
  for k = 1, #inputs do check.tensor("gradcheck", ("inputs[%d]"):format(k), inputs[k]) end
  local out0 = autograd.no_grad(fn, table.unpack(inputs))
  if not is_tensor(out0) then check.tensor("gradcheck", "the result of fn", out0) end
  local w = T.randn(out0:shape())
  local function objective()
    local y = autograd.no_grad(fn, table.unpack(inputs))
    return (y * w):sum():item()
  end
  for _, x in ipairs(inputs) do if is_tensor(x) and tracks(x) then x.grad = nil end end
  local y = fn(table.unpack(inputs))
  ;(y * w):sum():backward()
  local worst, worst_msg, ok = 0, "", true
  for k, x in ipairs(inputs) do
    if is_tensor(x) and tracks(x) then
      local n = x:numel()
      local flat = x:view(n)
      local analytic = x.grad and x.grad:reshape(n) or T.zeros(n)
      local step = math.max(1, n // samples)
      for i = 1, n, step do
        local old = flat[i]
        autograd.no_grad(function() flat[i] = old + eps end)
        local fp = objective()
        autograd.no_grad(function() flat[i] = old - eps end)
        local fm = objective()
        autograd.no_grad(function() flat[i] = old end)
        local numeric = (fp - fm) / (2 * eps)
        local a = analytic[i]
        local err = math.abs(a - numeric)
        local rel = err / math.max(math.abs(numeric), math.abs(a), 1e-3)
        if err > atol + rtol * math.abs(numeric) then ok = false end
        if rel > worst then
          worst = rel
          worst_msg = ("input %d element %d: backward %.6g, finite difference %.6g"):format(k, i, a, numeric)
        end
      end
    end
  end
  return ok, worst, worst_msg
end

return autograd
