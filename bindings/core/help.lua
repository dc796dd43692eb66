-- help.lua — wick.help(x): the documentation of every public function, module and type
-- of wick, at the REPL. The entries live in one table, wick._doc, filled by the
-- bindings/core/doc_*.lua files that load right after this one (one per domain); each
-- entry has a signature, a one-line summary, its options with their defaults and one
-- short example. tests/spec/help_spec.lua holds that table to the live `wick` tree
-- (every public name documented, every entry naming something that exists, documented
-- defaults equal to the code's) and to README.md's Lua API tables.
--
--   wick.help()                      -- the modules
--   wick.help(wick.embed.tsne)       -- by value
--   wick.help "tsne"                 -- by name: "wick.embed.tsne", "T.zeros", "t:sum"
--   wick.help(net)                   -- an instance: its type and methods
local wick = ...

-- ---- the table --------------------------------------------------------------------------

-- entries[name] = {name, sig, summary, opts = {{key, default, note}, …}, example,
--                  aliases = {…}, kind = "function" | "module" | "type" | "value" | "method"}
-- Names are full paths ("wick.embed.tsne") for what hangs off the wick tree, and
-- "Type:method" ("Tensor:sum") for methods of values wick hands out.
local doc = { entries = {}, order = {}, types = {}, vars = {} }
wick._doc = doc

-- doc.add(name, {sig, summary, opts = …, example = …, aliases = …}): one entry.
function doc.add(name, e)
  assert(not doc.entries[name], "help: documented twice: " .. name)
  e.name, e.sig, e.summary = name, e.sig or e[1], e.summary or e[2]
  e[1], e[2] = nil, nil
  if not e.kind then
    e.kind = name:find(":", 1, true) and "method" or "function"
  end
  doc.entries[name] = e
  doc.order[#doc.order + 1] = name
  return e
end

-- doc.module(name, summary [, example]): a table of functions (wick.embed, nn.F).
function doc.module(name, summary, example)
  return doc.add(name, { name, summary, example = example, kind = "module" })
end

-- doc.type(name, {summary, var = "t", example, probe = fn(x) → bool}): a kind of value
-- with methods ("Tensor", "Optimizer"); var is the name the README gives its instances.
function doc.type(name, e)
  e.kind = "type"
  e.summary, e[1] = e.summary or e[1], nil
  e.sig = e.sig or (name .. " (" .. (e.var or "x") .. ")")
  doc.add(name, e)
  doc.types[#doc.types + 1] = name
  for _, v in ipairs(e.vars or { e.var }) do
    doc.vars[v] = doc.vars[v] or {}
    table.insert(doc.vars[v], name)
  end
  return e
end

-- ---- finding an entry -------------------------------------------------------------------

-- Short prefixes as the README and sketches write them.
local PREFIX = { T = "wick.tensor", nn = "wick.nn", F = "wick.nn.F", optim = "wick.optim",
  embed = "wick.embed", text = "wick.text", image = "wick.image", video = "wick.video", plot = "wick.plot",
  data = "wick.data", fs = "wick.fs", chess = "wick.chess", svg = "wick.svg",
  autograd = "wick.autograd", corpus = "wick.text.corpus", audio = "wick.audio" }
doc.prefix = PREFIX

local by_name, by_value   -- built on first use: every sugar file has loaded by then

local function walk(t, path, seen)
  if seen[t] then return end
  seen[t] = true
  local keys = {}
  for k in pairs(t) do
    if type(k) == "string" and k:sub(1, 1) ~= "_" then keys[#keys + 1] = k end
  end
  table.sort(keys)
  for _, k in ipairs(keys) do
    local v, name = t[k], path .. "." .. k
    local e = by_name[name]
    if e and (type(v) == "function" or type(v) == "table") and not by_value[v] then by_value[v] = e end
    if type(v) == "table" then walk(v, name, seen) end
  end
end

local function build()
  if by_name then return end
  by_name, by_value = {}, {}
  for _, name in ipairs(doc.order) do
    local e = doc.entries[name]
    by_name[name] = e
    for _, a in ipairs(e.aliases or {}) do by_name[a] = e end
  end
  -- a type's methods under the table that holds them: wick.tensor.sum is t:sum
  for _, ty in ipairs(doc.types) do
    local path = doc.entries[ty].table_path
    for _, name in ipairs(doc.order) do
      local m = path and name:match("^" .. ty .. ":([%w_]+)$")
      if m and not by_name[path .. "." .. m] then by_name[path .. "." .. m] = doc.entries[name] end
    end
  end
  by_value[wick] = by_name.wick
  walk(wick, "wick", {})
end

-- A name as typed: "wick.embed.tsne", "embed.tsne", "T.zeros", "t:sum", "Tensor:sum",
-- "tsne" (a unique last part), "zeros".
local function lookup(s)
  build()
  s = s:gsub("^%s+", ""):gsub("%s*%(.*$", ""):gsub("%s+$", "")
  if by_name[s] then return by_name[s] end
  if by_name["wick." .. s] then return by_name["wick." .. s] end
  local head, sep, rest = s:match("^([%w_]+)([%.:])(.+)$")
  if head then
    if sep == "." and PREFIX[head] and by_name[PREFIX[head] .. "." .. rest] then
      return by_name[PREFIX[head] .. "." .. rest]
    end
    local types = doc.vars[head] or (doc.entries[head] and doc.entries[head].kind == "type" and { head }) or {}
    for _, ty in ipairs(types) do
      -- a method a type inherits (a sequential's parameters are Module's)
      while ty do
        if by_name[ty .. ":" .. rest] then return by_name[ty .. ":" .. rest] end
        ty = doc.entries[ty].base
      end
    end
  end
  -- the last part alone, when only one entry ends with it
  local found
  for _, name in ipairs(doc.order) do
    local last = name:match("[%.:]([%w_]+)$") or name
    if last == s then
      if found then return nil end
      found = doc.entries[name]
    end
  end
  return found
end

-- For help_spec: the entry a name or alias names exactly, and lookup as help uses it.
function doc.entry(name) build(); return by_name[name] end
doc.lookup = lookup

-- Edit distance, for "did you mean".
local function distance(a, b)
  local prev, before = {}, {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = { [0] = i }
    for j = 1, #b do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
      if i > 1 and j > 1 and a:byte(i) == b:byte(j - 1) and a:byte(i - 1) == b:byte(j) then
        cur[j] = math.min(cur[j], before[j - 2] + 1)   -- a swap of two letters ("tnse")
      end
    end
    before, prev = prev, cur
  end
  return prev[#b]
end

local function suggestions(s)
  local want = (s:match("[%.:]([%w_]+)$") or s):lower()
  local scored = {}
  for _, name in ipairs(doc.order) do
    local last = (name:match("[%.:]([%w_]+)$") or name):lower()
    local d = distance(want, last)
    if last:find(want, 1, true) then d = math.min(d, 1) end
    if d <= math.max(1, #want // 3) then scored[#scored + 1] = { name = name, d = d } end
  end
  table.sort(scored, function(x, y) if x.d ~= y.d then return x.d < y.d end return x.name < y.name end)
  local out = {}
  for i = 1, math.min(6, #scored) do out[i] = scored[i].name end
  return out
end

-- The type of an instance: a tensor, a module, or the documented type whose probe
-- accepts it (probes compare metatable names or method sets).
local function type_of(x)
  for _, name in ipairs(doc.types) do
    local e = doc.entries[name]
    if e.probe and e.probe(x) then return e end
  end
end
doc.type_of = type_of

-- ---- printing ---------------------------------------------------------------------------

local function literal(v)
  if type(v) == "string" then return ("%q"):format(v) end
  if type(v) == "table" then
    local parts = {}
    for i, x in ipairs(v) do parts[i] = literal(x) end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  if v == math.huge then return "math.huge" end
  return tostring(v)
end
doc.literal = literal

local function methods_of(tyname)
  local list, seen = {}, {}
  local ty = tyname
  while ty do
    for _, name in ipairs(doc.order) do
      local m = name:match("^" .. ty .. ":([%w_]+)$")
      if m and not seen[m] then seen[m] = true; list[#list + 1] = doc.entries[name] end
    end
    ty = doc.entries[ty].base
  end
  return list
end

local function members_of(modname)
  local list = {}
  for _, name in ipairs(doc.order) do
    local rest = name:sub(#modname + 2)
    if name:sub(1, #modname + 1) == modname .. "." and not rest:find(".", 1, true) then
      list[#list + 1] = doc.entries[name]
    end
  end
  return list
end

local function render(e)
  local out = { e.sig or e.name, "  " .. e.summary }
  if e.opts and #e.opts > 0 then
    out[#out + 1] = "options (default):"
    for _, o in ipairs(e.opts) do
      local d = o.default_text or (o[2] == nil and "required" or literal(o[2]))
      out[#out + 1] = ("  %-20s %-14s %s"):format(o[1], d, o[3] or "")
    end
  end
  local list = (e.kind == "type" and methods_of(e.name)) or (e.kind == "module" and members_of(e.name)) or nil
  if list and #list > 0 then
    out[#out + 1] = e.kind == "type" and "methods:" or "functions:"
    for _, m in ipairs(list) do
      out[#out + 1] = ("  %-28s %s"):format((m.sig or m.name):match("^[^%(%{%s]+"), m.summary)
    end
  end
  if e.example then
    out[#out + 1] = "example:"
    for line in (e.example .. "\n"):gmatch("(.-)\n") do out[#out + 1] = "  " .. line end
  end
  if e.see then out[#out + 1] = "see also: " .. table.concat(e.see, ", ") end
  return table.concat(out, "\n")
end

local function overview()
  local out = { "wick " .. tostring(wick.version) .. ": everything lives in `local wick = require \"wick\"`.",
    "help(x) with a function, module, tensor or layer, or a name: help \"tsne\", help \"t:sum\".", "",
    "modules:" }
  for _, name in ipairs(doc.order) do
    local e = doc.entries[name]
    if e.kind == "module" then out[#out + 1] = ("  %-20s %s"):format(name, e.summary) end
  end
  out[#out + 1] = ""
  out[#out + 1] = "types (help(value) on one of them lists its methods):"
  for _, name in ipairs(doc.types) do
    out[#out + 1] = ("  %-20s %s"):format(name, doc.entries[name].summary)
  end
  return table.concat(out, "\n")
end

-- The text help(x) prints; nil and a message when x is not documented.
function doc.text(x, given)
  build()
  if not given then return overview() end
  local e
  if type(x) == "string" then
    e = lookup(x)
    if not e then
      local near = suggestions(x)
      return nil, ("help: nothing is called '%s'%s"):format(x,
        #near > 0 and ("; did you mean " .. table.concat(near, ", ") .. "?") or "; help() lists the modules")
    end
  else
    e = by_value[x]
    if not e and (type(x) == "table" or type(x) == "userdata") then
      e = type_of(x)
      -- a layer: its constructor's entry (options, example), then what every module has
      local ctor = e and e.name == "Module" and doc.entries["wick.nn." .. tostring(x.kind)]
      if ctor then return render(ctor) .. "\n\n" .. render(e) end
    end
    if not e then
      return nil, ("help: no documentation for this %s; help() lists the modules, help \"name\" finds a name")
        :format(type(x))
    end
  end
  return render(e)
end

function wick.help(...)
  local text, err = doc.text(..., select("#", ...) > 0)
  print(text or err)
end
