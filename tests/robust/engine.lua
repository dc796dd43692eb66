-- engine.lua — calling wick's public functions with wrong arguments and judging the
-- errors: the one call site (so an error must point at this file and that line), the
-- one-wrong-value-at-a-time argument lists, the verdict on each message, and the check
-- that repeated failing calls do not grow memory.
--
--   local E = require "robust.engine"
--   E.call(case, args)         --> ok, error_or_results, seconds
--   E.verdict(case, ok, err)   --> "ok" | kind, where kind names what is wrong
--   E.mutations(case, bad)     --> { {label, args}, … } one value wrong in each
--   E.growth(case, make, n)      --> bytes of tensors, KB of Lua heap still held after n failing calls
local E = {}

local wick = require "wick"

-- The call site of a case: a chunk named "robust.lua" whose one line calls the function
-- the way a sketch would (wick.tensor.zeros(…), t:sum(…), layer(x)), so an error must
-- read "robust.lua:1: <name>…".
E.where = "robust.lua:1:"

-- Longest a call may run (seconds) before the count hook stops it as a hang.
E.limit = tonumber(os.getenv("ROBUST_LIMIT")) or 5

-- The Lua expression that calls case c with the argument list `a`; self_wrong: a tensor
-- method whose object itself is the wrong value (called as wick.tensor.name(x, …)).
local function expression(c, self_wrong)
  if self_wrong then return ("wick.tensor.%s(table.unpack(a, 1, a.n))"):format(c.short) end
  if c.expr then return c.expr end
  local method = c.name:match("^[%w_.]+:([%w_]+)$")
  if method == "forward" then return "a[1](table.unpack(a, 2, a.n))" end
  if method then return ("a[1]:%s(table.unpack(a, 2, a.n))"):format(method) end
  if c.name:match("^wick[%w_.]*$") then return c.name .. "(table.unpack(a, 1, a.n))" end
  return "fn(table.unpack(a, 1, a.n))"
end

-- The compiled call site of case c (kept on the case).
function E.site(c, self_wrong)
  local key = self_wrong and "site_self" or "site"
  if not c[key] then
    local code = ("local wick, fn = ...; return function(a) local r = table.pack(%s); return r end")
      :format(expression(c, self_wrong))
    local chunk = assert(load(code, "@robust.lua"))
    c[key] = chunk(wick, c.fn)
  end
  return c[key]
end

-- Is position pos of case c the object of a tensor method?
local function self_pos(c, pos) return pos == 1 and c.name:find("^tensor:") ~= nil end

function E.call(c, args, self_wrong)
  local t0 = wick.clock()
  debug.sethook(function()
    -- the hook stays: code that catches the error and carries on meets it again
    if wick.clock() - t0 > E.limit then error("ROBUST-HANG", 0) end
  end, "", 100000)
  local ok, r = pcall(E.site(c, self_wrong), args)
  debug.sethook()
  return ok, r, wick.clock() - t0
end

local function plain_find(s, text) return s:find(text, 1, true) ~= nil end

-- What is wrong with the error message err raised by a call to case (nil when fine).
-- case.aliases: names the message may use for the function.
function E.verdict(case, ok, err)
  if ok then return nil end
  if err == "ROBUST-HANG" then return "hang" end
  if type(err) ~= "string" then return "non-string error (" .. type(err) .. ")" end
  local internal = { "attempt to ", "bad 'for'", "bad argument #%-", "table index is", "%[wick [%w_]+%.lua%]:%d+:",
    "stack overflow", "invalid value %(at index", "C stack" }
  err = err:gsub("attempt to use a freed tensor", "(freed tensor)")
  for _, p in ipairs(internal) do
    if err:find(p) then return "internal: " .. p:gsub("%%", "") end
  end
  if err:sub(1, #E.where) ~= E.where then
    if err:match("^[^%s]+:%d+:") then return "wrong position" end
    return "no position"
  end
  local body = err:sub(#E.where + 2)
  for _, a in ipairs(case.aliases) do
    if body:sub(1, #a) == a or plain_find(body, a .. ":") or plain_find(body, "'" .. a .. "'")
      or plain_find(body, "." .. a .. ":") then
      return nil
    end
  end
  return "does not name the function"
end

-- A wrong value as used in a call: functions make it fresh; {fn} stands for fn itself.
local function fresh(v)
  if type(v) == "function" then return v() end
  if type(v) == "table" and #v == 1 and type(v[1]) == "function" then return v[1] end
  return v
end

-- The good argument list of case, made fresh (self, tensors that a call may free).
function E.good_args(case)
  local a = {}
  for i = 1, case.good.n do a[i] = case.good[i] end
  a.n = case.good.n
  if case.self then a[1] = case.self() end
  -- a shallow copy of tables of options, so mutations do not touch the case
  for i = 1, a.n do
    if type(a[i]) == "table" and getmetatable(a[i]) == nil then
      local c = {}
      for k, v in pairs(a[i]) do c[k] = v end
      a[i] = c
    end
  end
  return a
end

-- Every argument list that differs from the good one in one value: each position
-- (and one past the end, unless the last is an options table), and each key of an
-- options table, replaced by each wrong value.
function E.mutations(case, bad)
  local out = {}
  local n = case.good.n
  local last = case.good[n]
  local positions = n
  if not (type(last) == "table" and getmetatable(last) == nil) then positions = n + 1 end
  for pos = 1, positions do
    -- the object of a method is only replaced for tensors (t:name → wick.tensor.name)
    if not case.skip[pos] and not (case.self and pos == 1 and not case.name:find("^tensor:")) then
      for _, b in ipairs(bad) do
        out[#out + 1] = { label = ("arg %d = %s"):format(pos, b[1]), make = function()
          local a = E.good_args(case)
          a[pos] = fresh(b[2])
          if pos > a.n then a.n = pos end
          return a
        end, pos = pos, bad = b[1], self_wrong = self_pos(case, pos) }
      end
    end
  end
  for pos = 1, n do
    local t = case.good[pos]
    if type(t) == "table" and getmetatable(t) == nil and next(t) ~= nil and type(next(t)) == "string" then
      local keys = {}
      for k in pairs(t) do keys[#keys + 1] = k end
      table.sort(keys)
      for _, k in ipairs(keys) do
        if not case.skip[k] then
          for _, b in ipairs(bad) do
            if b[2] ~= nil then
              out[#out + 1] = { label = ("arg %d.%s = %s"):format(pos, k, b[1]), make = function()
                local a = E.good_args(case)
                a[pos][k] = fresh(b[2])
                return a
              end, pos = pos, key = k, bad = b[1] }
            end
          end
        end
      end
    end
  end
  return out
end

-- Memory still held after n failing calls made from make(): tensor bytes and Lua KB.
function E.growth(c, make, n, self_wrong)
  local site = E.site(c, self_wrong)
  for _ = 1, 5 do pcall(site, make()) end   -- warm caches and lazily made tables
  collectgarbage(); collectgarbage()
  local live0, lua0 = wick.memory().live, collectgarbage("count")
  for _ = 1, n do pcall(site, make()) end
  collectgarbage(); collectgarbage()
  return wick.memory().live - live0, collectgarbage("count") - lua0
end

-- The public functions of the wick table tree ("wick.nn.F.conv2d"; names starting with
-- "_" and class internals left out) and of the tensor methods ("tensor:sum") that no case
-- in list calls.
function E.uncovered(list)
  local covered, by_fn = {}, {}
  for _, c in ipairs(list) do
    covered[c.name] = true
    if c.fn then by_fn[c.fn] = true end
  end
  local out, seen = {}, {}
  local function walk(t, path, depth)
    if seen[t] or depth > 4 then return end
    seen[t] = true
    local keys = {}
    for k in pairs(t) do if type(k) == "string" and k:sub(1, 1) ~= "_" then keys[#keys + 1] = k end end
    table.sort(keys)
    for _, k in ipairs(keys) do
      local v, name = t[k], path .. "." .. k
      if type(v) == "function" then
        if not covered[name] and not by_fn[v] then out[#out + 1] = name end
      elseif type(v) == "table" then
        local mt = getmetatable(v)
        if mt and mt.__call and not covered[name] and not covered[name .. ":forward"] then
          out[#out + 1] = name .. "()"
        end
        -- a layer class's own methods are reached through instances (name:forward)
        if not (rawget(v, "kind") and (rawget(v, "forward") or rawget(v, "init"))) and k ~= "Module" then
          walk(v, name, depth + 1)
        end
      end
    end
  end
  walk(wick, "wick", 0)
  local methods = getmetatable(wick.tensor.zeros(1)).__index
  if type(methods) == "function" then methods = wick.tensor end
  for k, v in pairs(methods) do
    if type(v) == "function" and type(k) == "string" and k:sub(1, 1) ~= "_" and not covered["tensor:" .. k]
      and not covered["wick.tensor." .. k] and not by_fn[v] then
      out[#out + 1] = "tensor:" .. k
    end
  end
  table.sort(out)
  return out
end

return E
