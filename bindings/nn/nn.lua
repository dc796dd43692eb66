-- nn.lua — wick.nn's module system, embedded in the binary: the Module base class,
-- `nn.module` for layers written in plain Lua, `nn.sequential`, parameter naming,
-- train/eval, loading a state (from wick's files or PyTorch's) and intermediate
-- activations. The layers themselves are in nn_layers.lua, the losses and functional
-- forms in nn_functional.lua.
--
--   local Block = nn.module("block")
--   function Block:init(c) self.conv = nn.conv2d(c, c, 3, {padding = 1}) end
--   function Block:forward(x) return (self.conv(x) + x):relu() end
--   local net = nn.sequential { Block(16), nn.flatten(), nn.linear(16 * 28 * 28, 10) }
local wick = ...
local T = wick.tensor
local nn = wick.nn

local raise = wick._raise
nn._raise = raise

-- Drop a "file:line: " prefix (the message gets the sketch's own position again).
local function strip_where(msg)
  msg = tostring(msg)
  return (msg:gsub("^[^\n]-:%d+: ", "", 1))
end
nn._strip_where = strip_where

-- ---- Module ---------------------------------------------------------------------------

local Module = {}
nn.Module = Module

-- Instances keep the order in which fields were first set, so parameters and children
-- get stable names in declaration order (as PyTorch's do).
local function instance_newindex(self, key, value)
  local order = rawget(self, "_order")
  order[#order + 1] = key
  rawset(self, key, value)
end

-- nn.module(kind [, base]): a new layer class. Call it to make an instance; its
-- :init(...) runs first. Define :forward(x, ...) and optionally :describe().
function nn.module(kind, base)
  local class = setmetatable({}, { __index = base or Module })
  class.__index = class
  class.__newindex = instance_newindex
  class.__call = function(self, ...) return self:forward(...) end
  class.__tostring = function(self) return self:describe() end
  class.kind = kind
  return setmetatable(class, {
    __index = base or Module,
    __call = function(cls, ...)
      local self = setmetatable({ _order = {}, training = true }, cls)
      if cls.init then cls.init(self, ...) end
      return self
    end,
  })
end

function Module:describe() return self.kind or "module" end

function Module:forward()
  raise(("%s: forward is not defined"):format(self:describe()))
end

-- Parameters: tensors that track gradients. Buffers: other tensors registered with
-- :buffer() (batchnorm running statistics) — saved in the state but not trained.
local function check_slot(fname, name, t)
  if type(name) ~= "string" or name == "" or name:sub(1, 1) == "_" then
    raise(("%s: name must be a string not starting with '_', got %s"):format(fname, wick._check.show(name)))
  end
  wick._check.tensor(fname, "t", t)
end

function Module:param(name, t)
  check_slot("param", name, t)
  self[name] = t:requires_grad()
  return t
end

function Module:buffer(name, t)
  check_slot("buffer", name, t)
  self._buffers = self._buffers or {}
  self._buffers[name] = true
  self[name] = t
  return t
end

local function is_module(v) return type(v) == "table" and getmetatable(v) and v._order ~= nil end
nn.is_module = is_module

-- Visit (prefix .. name, value, owner) for own tensors, then children, in order.
local function walk(self, prefix, fn)
  for _, key in ipairs(self._order) do
    local v = rawget(self, key)
    local name = prefix .. tostring(key)
    if T.is_tensor(v) then fn(name, v, self, key)
    elseif is_module(v) then walk(v, name .. ".", fn)
    end
  end
end

-- {{name, tensor}, …} for every parameter, e.g. "3.weight" or "encoder.conv.bias".
function Module:named_parameters()
  local out = {}
  walk(self, "", function(name, t, owner, key)
    if not (owner._buffers and owner._buffers[key]) and t:tracks_grad() then out[#out + 1] = { name, t } end
  end)
  return out
end

function Module:parameters()
  local out = {}
  for i, pair in ipairs(self:named_parameters()) do out[i] = pair[2] end
  return out
end

-- Every child module in order (not recursive).
function Module:children()
  local out = {}
  for _, key in ipairs(self._order) do
    local v = rawget(self, key)
    if is_module(v) then out[#out + 1] = v end
  end
  return out
end

function Module:train(flag)
  self.training = flag ~= false
  for _, c in ipairs(self:children()) do c:train(flag) end
  return self
end

function Module:eval() return self:train(false) end

function Module:zero_grad()
  for _, p in ipairs(self:parameters()) do
    local g = p.grad
    if g then wick.no_grad(g.zero_, g) end
  end
end

function Module:num_parameters()
  local n = 0
  for _, p in ipairs(self:parameters()) do n = n + p:numel() end
  return n
end

-- name -> tensor for parameters and buffers (what wick.save writes).
function Module:state()
  local out = {}
  walk(self, "", function(name, t) out[name] = t end)
  return out
end

-- ---- loading a state -----------------------------------------------------------------

-- Which of mine are missing from tbl, which of tbl's are not mine, which differ in shape.
local function compare(mine, tbl)
  local missing, unexpected, misshaped = {}, {}, {}
  for name, t in pairs(mine) do
    local src = tbl[name]
    if src == nil then missing[#missing + 1] = name
    elseif not T.is_tensor(src) then misshaped[#misshaped + 1] = name .. " (not a tensor)"
    elseif table.concat(src:shape(), ",") ~= table.concat(t:shape(), ",") then
      misshaped[#misshaped + 1] = ("%s ([%s] in the file, [%s] here)"):format(name,
        table.concat(src:shape(), ","), table.concat(t:shape(), ","))
    end
  end
  for name in pairs(tbl) do
    if mine[name] == nil and not tostring(name):find("^__") then unexpected[#unexpected + 1] = tostring(name) end
  end
  table.sort(missing); table.sort(unexpected); table.sort(misshaped)
  return { missing = missing, unexpected = unexpected, misshaped = misshaped }
end

local function names_fit(report) return #report.missing == 0 and #report.unexpected == 0 end

local function problems(report)
  local parts = {}
  if #report.missing > 0 then parts[#parts + 1] = "missing " .. table.concat(report.missing, ", ") end
  if #report.unexpected > 0 then parts[#parts + 1] = "unexpected " .. table.concat(report.unexpected, ", ") end
  if #report.misshaped > 0 then parts[#parts + 1] = "mis-shaped " .. table.concat(report.misshaped, ", ") end
  return table.concat(parts, "; ")
end

-- PyTorch's nn.Sequential and nn.ModuleList number their layers from 0 ("0.weight",
-- "features.2.bias"); wick's sequential from 1. A file's names read from 0: every
-- all-digit part one higher. (In wick's own names digits only ever number layers.)
local function has_layer_zero(tbl)
  for name in pairs(tbl) do
    if type(name) == "string" and ("." .. name .. "."):find("%.0%.") then return true end
  end
  return false
end

local function from_zero_based(tbl)
  local out = {}
  for name, t in pairs(tbl) do
    if type(name) == "string" then
      name = name:gsub("[^.]+", function(part)
        if part:find("^%d+$") and #part < 16 then return tostring(math.tointeger(part) + 1) end
      end)
    end
    out[name] = t
  end
  return out
end

-- The metadata table wick.load returns second (store.lua marks it), so that
-- net:load_state(wick.load(path)) does not take it for options.
local function is_metadata(v)
  return type(v) == "table" and getmetatable(v) ~= nil and getmetatable(v) == wick._store.metadata_mt
end

-- load_state and load: copy tbl's tensors into self, after matching the names (as they
-- are, or read from 0 when only that fits: see from_zero_based).
local function load_named(self, fname, tbl, opts)
  if is_metadata(opts) then opts = nil end
  opts = wick._options(fname, opts, { strict = true, index_base = "auto" })
  wick._check.type(fname, "strict", opts.strict, "boolean")
  wick._check.one_of(fname, "index_base", opts.index_base, { "auto", 0, 1 })
  if T.is_tensor(tbl) then
    raise(fname .. ": expected a table of tensors (a state), got one tensor (a file saved from a single tensor)")
  elseif type(tbl) ~= "table" then
    raise(("%s: expected a table of tensors, got %s"):format(fname, type(tbl)))
  end
  local mine = self:state()
  local report = compare(mine, tbl)
  local note = ""
  if opts.index_base == 0 then
    tbl = from_zero_based(tbl)
    report = compare(mine, tbl)
  elseif opts.index_base == "auto" and not names_fit(report) and has_layer_zero(tbl) then
    local tbl0 = from_zero_based(tbl)
    local report0 = compare(mine, tbl0)
    if names_fit(report0) then
      tbl, report = tbl0, report0
    elseif opts.strict then
      report = report0
      note = "the file's names fit neither as they are nor read as PyTorch's (layers counted from 0, so its "
        .. "layer 0 is wick's 1); read as PyTorch's: "
    end
  end
  if opts.strict and problems(report) ~= "" then raise(fname .. ": " .. note .. problems(report)) end
  wick.no_grad(function()
    for name, t in pairs(mine) do
      local src = tbl[name]
      if T.is_tensor(src) and table.concat(src:shape(), ",") == table.concat(t:shape(), ",") then t:copy_(src) end
    end
  end)
  return report
end

-- Copy tensors from a name -> tensor table into this module. Reports every missing,
-- unexpected and mis-shaped name in one error (or, with {strict = false}, returns the
-- lists instead). Names counted from 0 (a PyTorch nn.Sequential's) are read as wick's
-- from 1 when only that reading fits; {index_base = 0 or 1} says which. The metadata
-- from wick.load is not options: net:load_state(wick.load(path)) works.
function Module:load_state(tbl, opts)
  local report = load_named(self, "load_state", tbl, opts)   -- not a tail call: errors name load_state
  return report
end

-- net:load(path [, opts]): load_state from a file; returns the module and the file's
-- metadata, so `local net = make_net():load(path)` reads well.
function Module:load(path, opts)
  if type(path) ~= "string" then raise("load: expected a file path, got " .. wick._check.show(path)) end
  local tensors, meta = wick.load(path)
  load_named(self, "load", tensors, opts)
  return self, meta
end

-- ---- sequential -----------------------------------------------------------------------

local Sequential = nn.module("sequential")

function Sequential:init(layers)
  if type(layers) ~= "table" then raise("sequential: expected a list of layers") end
  for i, layer in ipairs(layers) do
    if not is_module(layer) then
      raise(("sequential: entry %d is a %s, not a layer"):format(i, type(layer)))
    end
    self[i] = layer
  end
  self.n = #layers
end

function Sequential:describe()
  local parts = {}
  for i = 1, self.n do parts[i] = ("  %d: %s"):format(i, self[i]:describe()) end
  return "sequential {\n" .. table.concat(parts, "\n") .. "\n}"
end

-- Whether layer and nxt run as one: a batchnorm and then a relu or leaky_relu, neither
-- with a forward of its own (a subclass's, or one set on the instance).
local function fused(layer, nxt)
  return nxt ~= nil and layer.forward_with_activation ~= nil and nxt.fused_slope ~= nil
    and layer.forward == layer.fusable_forward and nxt.forward == nxt.fusable_forward
end

-- Run layers from..to; an error names the layer ("layer 8 (linear 1600→128): …").
-- Without `each` (which wants every layer's output), a batchnorm followed by a relu or
-- leaky_relu runs as one pass (the same values and gradients, fewer sweeps over memory).
local function run_layers(self, x, from, to, each)
  local i = from
  while i <= to do
    local layer, nxt = self[i], not each and i < to and self[i + 1] or nil
    local ok, y
    if fused(layer, nxt) then
      ok, y = pcall(layer.forward_with_activation, layer, x, nxt:fused_slope())
      if ok then i = i + 1 end
    else
      ok, y = pcall(layer, x)
    end
    if not ok then
      local msg = strip_where(y)
      local desc = layer:describe()
      if msg:sub(1, #desc + 2) == desc .. ": " then msg = msg:sub(#desc + 3) end
      if not msg:find("^layer %d+ %(") then msg = ("layer %d (%s): %s"):format(i, desc, msg) end
      raise(msg)
    end
    x = y
    if each then each(i, x) end
    i = i + 1
  end
  return x
end

function Sequential:forward(x) return run_layers(self, x, 1, self.n) end

-- The output of layer k (a negative k counts from the end): CNN codes, style layers.
function Sequential:upto(x, k)
  local n = self.n
  if math.type(k) ~= "integer" and not (type(k) == "number" and k == math.floor(k) and math.abs(k) <= n) then
    raise(("upto: k must be an integer from 1 to %d (or -%d to -1 from the end), got %s"):format(n, n,
      wick._check.show(k)))
  end
  if k < 0 then k = n + k + 1 end
  if k < 1 or k > n then raise(("upto: layer %d is out of range (1..%d)"):format(k, n)) end
  return run_layers(self, x, 1, math.tointeger(k))
end

-- Which layers `wanted` asks for: a list of layer numbers ({2, 3}) or a set of them
-- ({[2] = true}; false leaves a layer out). nil when it is neither.
local function wanted_layers(wanted, n)
  if type(wanted) ~= "table" or getmetatable(wanted) ~= nil then return nil end
  local set = {}
  for k, v in pairs(wanted) do
    local layer = v == true and k or v ~= false and v or nil
    if v ~= false then
      if math.type(layer) ~= "integer" and not (type(layer) == "number" and layer == math.floor(layer)) then
        return nil
      end
      if layer < 1 or layer > n then return nil end
      set[math.tointeger(layer)] = true
    end
  end
  return set
end

-- Every layer's output: {y1, y2, …, yn}; with `wanted` (a list or set of layer numbers)
-- only those.
function Sequential:activations(x, wanted)
  local out = {}
  local last = self.n
  if wanted ~= nil then
    local set = wanted_layers(wanted, self.n)
    if not set then
      raise(("activations: wanted must be a list of layer numbers from 1 to %d ({2, 3} or {[2] = true}), got %s")
        :format(self.n, wick._check.show(wanted)))
    end
    wanted = set
    last = 0
    for k in pairs(wanted) do last = math.max(last, k) end
  end
  run_layers(self, x, 1, last, function(i, y) if not wanted or wanted[i] then out[i] = y end end)
  return out
end

function Sequential:add(layer)
  self.n = self.n + 1
  self[self.n] = layer
  return self
end

nn.sequential = Sequential
