-- doc_tensor.lua — help's entries for wick.tensor: the constructors (T.zeros) and the
-- Tensor type's methods (t:sum). wick.tensor is both: T.add(a, b) and a:add(b) are the
-- same function, so each name is documented once, as T.x or as t:x, and help finds it
-- under either spelling (help.lua's Tensor type maps wick.tensor.x to both).
-- luacheck: no max line length (one entry a line or two: the strings are the documentation)
local wick = ...
local doc = wick._doc
local add, module, type_ = doc.add, doc.module, doc.type

module("wick.tensor", "float32 tensors, 0–8 dimensions, row-major; `local T = wick.tensor`; T{…} and T(v) make one from Lua values",
  "local T = wick.tensor\nlocal a = T{{1, 2}, {3, 4}}\nprint(a:sum(), T(3.5), T.zeros(2, 3))")

-- ---- constructors -----------------------------------------------------------------------

local function ctor(name, sig, summary, example)
  add("wick.tensor." .. name, { sig, summary, example = example, aliases = { "T." .. name } })
end
ctor("zeros", "T.zeros(d1, d2, …) or T.zeros{d1, d2, …} → tensor", "a tensor of zeros of that shape", "local z = T.zeros(2, 3)")
ctor("ones", "T.ones(d1, d2, …) → tensor", "a tensor of ones", "local o = T.ones{4}")
ctor("full", "T.full(shape, v) → tensor", "a tensor filled with v", "local f = T.full({2, 3}, 0.5)")
ctor("empty", "T.empty(d1, d2, …) → tensor", "a tensor whose values are not set (fast when every value is written next)", "local e = T.empty(3, 3):fill_(1)")
ctor("arange", "T.arange(n) | T.arange(a, b [, step]) → 1-D tensor", "1..n, or a..b by step (inclusive, like Lua's for)", "print(T.arange(5), T.arange(0, 1, 0.25))")
ctor("linspace", "T.linspace(a, b, n) → 1-D tensor", "n evenly spaced values from a to b", "local xs = T.linspace(-1, 1, 100)")
ctor("eye", "T.eye(n [, m]) → tensor", "the n×m identity matrix", "local I = T.eye(3)")
ctor("rand", "T.rand(d1, d2, …) → tensor", "uniform random values in [0, 1) from wick.seed's generator", "wick.seed(1)\nlocal r = T.rand(2, 2)")
ctor("randn", "T.randn(d1, d2, …) → tensor", "standard normal random values", "local w = T.randn(10, 3) * 0.1")
ctor("is_tensor", "T.is_tensor(x) → boolean", "whether x is a wick tensor", "print(T.is_tensor(T.zeros(1)), T.is_tensor({}))")
ctor("cat", "T.cat(list [, dim]) → tensor", "joins tensors along an existing dim (default 1)", "local c = T.cat({T.ones(2, 3), T.zeros(1, 3)})")
ctor("stack", "T.stack(list [, dim]) → tensor", "joins same-shaped tensors along a new dim (default 1)", "local s = T.stack({T.ones(3), T.zeros(3)})   -- 2×3")
ctor("where", "T.where(cond, a, b) → tensor", "a where cond is non-zero, else b (broadcasting; numbers allowed)", "local y = T.where(x:gt(0), x, 0)")

-- ---- the type ---------------------------------------------------------------------------

type_("Tensor", { "a float32 tensor: methods, arithmetic operators (+ - * / ^, unary -), t[i], #t, tostring(t); `local t <close> = …` or t:free() frees early",
  var = "t", vars = { "t", "x", "a", "loss", "y" }, table_path = "wick.tensor",
  probe = function(x) return wick.tensor.is_tensor(x) end,
  example = "local t = T.randn(2, 3)\nprint(t:shape()[2], t[1][2], t:sum(2), #t)" })

local function method(name, sig, summary, example, opts)
  add("Tensor:" .. name, { sig, summary, example = example, opts = opts })
end

-- convert and size
method("free", "t:free()", "frees the tensor's storage now (a freed tensor refuses to be used)", "local big = T.zeros(4096, 4096)\nbig:free()")
method("table", "t:table() → nested Lua tables", "the values as Lua tables (a number for 0-D)", "print(T{{1, 2}}:table()[1][2])")
method("item", "t:item() → number", "the value of a one-element tensor", "local l = loss:item()")
method("clone", "t:clone() → tensor", "a copy with its own storage", "local c = t:clone()")
method("contiguous", "t:contiguous() → tensor", "t itself when row-major and dense, else a dense copy", "local c = t:t():contiguous()")
method("copy_", "t:copy_(src) → t", "copies src's values into t (broadcasting)", "t:copy_(T.ones(3))")
method("fill_", "t:fill_(v) → t", "sets every value to v", "t:fill_(0.5)")
method("zero_", "t:zero_() → t", "sets every value to 0", "t:zero_()")
method("shape", "t:shape() → {d1, d2, …}", "the sizes as a Lua table", "print(table.concat(t:shape(), \"x\"))")
method("size", "t:size([d]) → integer or {d1, …}", "the size of dim d (negative counts from the end), or the shape", "local n = x:size(1)")
method("dim", "t:dim() → integer", "the number of dimensions", "print(t:dim())")
method("numel", "t:numel() → integer", "the number of values", "print(t:numel())")
method("is_contiguous", "t:is_contiguous() → boolean", "whether t is row-major and dense (views may not be)", "print(t:t():is_contiguous())")

-- views
method("reshape", "t:reshape(d1, d2, …) → tensor", "the same values in another shape (-1 infers one size); a view when it can be, a copy only when it must", "local flat = x:reshape(x:size(1), -1)")
method("view", "t:view(d1, d2, …) → tensor", "the same storage in another shape (refuses when t is not contiguous enough)", "local v = t:view(-1)")
method("narrow", "t:narrow(dim, start, length) → view", "length entries of dim from start (1-based)", "local first10 = x:narrow(1, 1, 10)")
method("select", "t:select(dim, i) → view", "entry i of dim, that dim removed", "local col2 = m:select(2, 2)")
method("transpose", "t:transpose([d1, d2]) → view", "swaps two dims (the last two by default)", "local tt = t:transpose(1, 2)")
method("t", "t:t() → view", "the 2-D transpose, as in Torch", "local wt = w:t()")
method("permute", "t:permute(d1, d2, …) → view", "reorders the dims", "local hwc = img:permute(2, 3, 1)")
method("squeeze", "t:squeeze([dim]) → view", "removes size-1 dims (or only dim)", "local v = T.zeros(1, 3):squeeze()")
method("unsqueeze", "t:unsqueeze(dim) → view", "inserts a size-1 dim at dim", "local row = T.ones(3):unsqueeze(1)   -- 1×3")
method("expand", "t:expand(d1, d2, …) → view", "repeats size-1 dims without copying (-1 keeps a size)", "local e = T.ones(1, 3):expand(4, 3)")
method("get", "t:get(i, j, …) → number", "one value by its 1-based indices", "print(m:get(2, 1))")
method("set", "t:set(i, j, …, v) → t", "writes one value", "m:set(2, 1, 5)")

-- arithmetic (broadcasting; the operators + - * / ^ and unary - call these)
local ops = { add = "a + b", sub = "a - b", mul = "a * b (element-wise)", div = "a / b", pow = "a ^ b" }
for _, name in ipairs({ "add", "sub", "mul", "div", "pow" }) do
  method(name, ("t:%s(b) → tensor"):format(name), ops[name] .. " with NumPy broadcasting; b may be a number", ("local c = a:%s(2)"):format(name))
  method(name .. "_", ("t:%s_(b) → t"):format(name), ops[name] .. ", in place (refused on tensors that require grad)", ("a:%s_(2)"):format(name))
end
local unary = { exp = "e^x", log = "the natural log", sqrt = "the square root", abs = "|x|", neg = "-x",
  tanh = "tanh", sigmoid = "1 / (1 + e^-x)", relu = "max(x, 0)", sin = "sine", cos = "cosine", floor = "rounded down" }
for _, name in ipairs({ "exp", "log", "sqrt", "abs", "neg", "tanh", "sigmoid", "relu", "sin", "cos", "floor" }) do
  local e = add("Tensor:" .. name, { ("t:%s() → tensor"):format(name), unary[name] .. " of each value", example = ("local y = x:%s()"):format(name) })
  if name == "relu" or name == "tanh" or name == "sigmoid" then e.aliases = { "wick.nn.F." .. name } end
  method(name .. "_", ("t:%s_() → t"):format(name), unary[name] .. " of each value, in place", ("x:%s_()"):format(name))
end
method("clamp", "t:clamp(lo, hi) → tensor", "each value limited to [lo, hi] (either may be nil)", "local c = x:clamp(0, 1)")
method("clamp_", "t:clamp_(lo, hi) → t", "clamp in place", "img:clamp_(0, 1)")

-- compare
local cmp = { eq = "==", ne = "~=", lt = "<", le = "<=", gt = ">", ge = ">=" }
for _, name in ipairs({ "eq", "ne", "lt", "le", "gt", "ge" }) do
  method(name, ("t:%s(b) → 0/1 tensor"):format(name), ("1 where t %s b, else 0 (broadcasting)"):format(cmp[name]),
    ("local mask = x:%s(0)"):format(name))
end

-- reduce
local function reducer(name, what)
  method(name, ("t:%s([dim [, keepdim]]) → tensor"):format(name),
    what .. ": over all values → a 0-D tensor, or along dim", ("local m = x:%s(2)"):format(name))
end
reducer("sum", "the sum")
reducer("mean", "the mean")
method("max", "t:max([dim [, keepdim]]) → values [, indices]", "the largest value, or along dim the values and their 1-based indices", "local v, i = x:max(2)")
method("min", "t:min([dim [, keepdim]]) → values [, indices]", "the smallest value, or along dim the values and their 1-based indices", "local v, i = x:min(1)")
method("argmax", "t:argmax([dim [, keepdim]]) → tensor", "1-based index of the largest value (of the flattened tensor, or along dim)", "local pred = logits:argmax(2)")
method("argmin", "t:argmin([dim [, keepdim]]) → tensor", "1-based index of the smallest value", "local i = d:argmin(2)")
method("std", "t:std([dim [, keepdim [, unbiased]]]) → tensor", "the standard deviation (unbiased = true divides by n-1)", "local s = x:std(1, true)")
method("var", "t:var([dim [, keepdim [, unbiased]]]) → tensor", "the variance (unbiased = true divides by n-1)", "local v = x:var()")
method("norm", "t:norm([p [, dim [, keepdim]]]) → tensor", "the p-norm (p = 2 by default)", "local n = x:norm(2, 2, true)")

-- linear algebra, join and pick
method("matmul", "t:matmul(b [, out]) → tensor", "matrix product: 1-D, 2-D, or batched with broadcast batch dims (OpenBLAS; transposed views need no copy)", "local y = x:matmul(w:t())")
method("slerp", "a:slerp(b, t) or T.slerp(a, b, t) → tensor", "spherical interpolation between same-shaped a and b taken as flat vectors (the arc between latent vectors); t a number → a's shape, a 1-D tensor of k fractions → k × a's shape; nearly parallel vectors fall back to the straight line; refuses zero vectors, NaN and infinity", "local frames = T.slerp(z1, z2, T.linspace(0, 1, 30))   -- 30 × z1's shape")
method("dot", "t:dot(b) → 0-D tensor", "the dot product of two 1-D tensors", "print(a:dot(b):item())")
method("outer", "t:outer(b) → tensor", "the outer product of two 1-D tensors", "local m = T.arange(3):outer(T.arange(4))")
method("index_select", "t:index_select(dim, idx) → tensor", "the entries of dim at the 1-based indices idx (a tensor or table)", "local rows = x:index_select(1, {3, 1})")
method("gather", "t:gather(dim, idx) → tensor", "picks along dim by an index tensor of the same rank", "local picked = logp:gather(2, y:unsqueeze(2))")
method("masked_fill", "t:masked_fill(mask, v) → tensor", "v where mask is non-zero", "local y = x:masked_fill(x:lt(0), 0)")
method("masked_fill_", "t:masked_fill_(mask, v) → t", "masked_fill in place", "x:masked_fill_(x:lt(0), 0)")
method("sort", "t:sort([dim [, descending]]) → values, indices", "sorted along dim (the last by default), with 1-based indices", "local v, i = x:sort(1, true)")
method("topk", "t:topk(k [, dim [, largest]]) → values, indices", "the k largest (or smallest) along dim", "local v, i = scores:topk(5)")

-- autograd
method("requires_grad", "t:requires_grad([flag]) → t", "marks a leaf whose gradient backward accumulates into t.grad", "local w = T.randn(3, 2):requires_grad()")
method("backward", "loss:backward([grad [, opts]])", "accumulates gradients into the leaves' .grad and frees the graph (grad defaults to 1 for a one-element tensor)",
  "loss:backward()\nprint(w.grad)",
  { { "retain_graph", false, "keep the graph for a second backward", default_text = "false" } })
method("detach", "t:detach() → tensor", "the same values, cut from the graph", "local v = y:detach()")
method("tracks_grad", "t:tracks_grad() → boolean", "whether t requires grad or was computed from one that does", "print(y:tracks_grad())")
method("is_leaf", "t:is_leaf() → boolean", "whether t was made, not computed from tensors that require grad", "print(w:is_leaf())")
