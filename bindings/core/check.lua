-- check.lua — the argument checks every Lua-side function of wick uses, embedded in the
-- binary. One wording for one kind of mistake ("adam: lr must be a finite number > 0,
-- got nan"), always naming the public function and raised at the sketch's own line
-- (wick._raise skips wick's sugar frames), so a bad option never surfaces later as a
-- raw Lua error inside wick ("attempt to perform 'n%%0'", "bad 'for' limit") or as NaN
-- weights. Loaded right after autograd.lua, which defines wick._raise.
local wick = ...
local raise = wick._raise

local check = {}
wick._check = check

local function show(v)
  if type(v) == "string" then return ("'%s'"):format(v) end
  if type(v) == "number" then return v ~= v and "nan" or tostring(v) end
  return type(v)
end
check.show = show

-- A finite number, optionally within [lo, hi] (either bound may be nil). `open_lo`
-- makes the lower bound exclusive ("> 0").
function check.number(fname, name, v, lo, hi, open_lo)
  local ok = type(v) == "number" and v == v and v ~= math.huge and v ~= -math.huge
  if ok and lo and (v < lo or (open_lo and v == lo)) then ok = false end
  if ok and hi and v > hi then ok = false end
  if ok then return v end
  local want
  if lo and hi then want = ("a number from %s to %s"):format(lo, hi)
  elseif lo then want = ("a finite number %s %s"):format(open_lo and ">" or ">=", lo)
  elseif hi then want = ("a finite number <= %s"):format(hi)
  else want = "a finite number" end
  raise(("%s: %s must be %s, got %s"):format(fname, name, want, show(v)))
end

-- A number > 0 (learning rates, epsilons, temperatures).
function check.positive(fname, name, v) return check.number(fname, name, v, 0, nil, true) end

-- An integer within [lo, hi] (hi may be nil). Integers beyond 2^53 are refused: they
-- are not what anyone meant, and C would truncate them.
function check.integer(fname, name, v, lo, hi)
  hi = hi or 2 ^ 53
  if type(v) == "number" and v == math.floor(v) and v >= (lo or -2 ^ 53) and v <= hi then
    return math.tointeger(v) or v
  end
  if lo and hi ~= 2 ^ 53 then
    raise(("%s: %s must be an integer from %d to %d, got %s"):format(fname, name, lo, hi, show(v)))
  end
  raise(("%s: %s must be an integer%s, got %s"):format(fname, name, lo and (" >= " .. lo) or "", show(v)))
end

-- A probability of dropping or keeping: 0 <= p < 1.
function check.fraction(fname, name, v)
  if type(v) == "number" and v >= 0 and v < 1 then return v end
  raise(("%s: %s must be a number from 0 up to (not including) 1, got %s"):format(fname, name, show(v)))
end

-- A value of a Lua type ("string", "table", "function", "boolean").
function check.type(fname, name, v, want)
  if type(v) == want then return v end
  raise(("%s: %s must be a %s, got %s"):format(fname, name, want, show(v)))
end

-- A wick tensor (not freed).
function check.tensor(fname, name, v)
  if wick.tensor.is_tensor(v) then
    if pcall(v.dim, v) then return v end   -- dim() refuses only a freed tensor
    raise(("%s: attempt to use a freed tensor (%s)"):format(fname, name))
  end
  raise(("%s: %s must be a tensor, got %s"):format(fname, name, show(v)))
end

-- A tensor holding no NaN and no infinity (x·0 is 0 for every finite value and NaN for
-- the rest, so its sum is 0 exactly when all are finite; a plain sum could overflow).
function check.finite_tensor(fname, name, x)
  check.tensor(fname, name, x)
  if wick.no_grad(function() return (x * 0):sum():item() end) ~= 0 then
    raise(("%s: %s holds NaN or infinite values"):format(fname, name))
  end
  return x
end

-- One of a list of strings.
function check.one_of(fname, name, v, choices)
  for _, c in ipairs(choices) do
    if v == c then return v end
  end
  raise(("%s: %s must be one of %s, got %s"):format(fname, name, table.concat(choices, ", "), show(v)))
end

-- Options renamed to one spelling per meaning (map: old name -> new name), accepted under
-- their old names for one release: a copy of opts with the new names, and a note on
-- stderr the first time each old name of a map is used; giving both names is an error.
local warned = setmetatable({}, { __mode = "k" })   -- map -> {old name -> true}
function check.renamed(fname, opts, map)
  if type(opts) ~= "table" then return opts end
  local found = false
  for old, new in pairs(map) do
    if opts[old] ~= nil then
      if opts[new] ~= nil then raise(("%s: give %s or its old name %s, not both"):format(fname, new, old)) end
      found = true
      warned[map] = warned[map] or {}
      if not warned[map][old] then
        warned[map][old] = true
        io.stderr:write(("%s: option '%s' is now '%s' (the old name goes in the next release)\n")
          :format(fname, old, new))
      end
    end
  end
  if not found then return opts end
  local out = {}
  for k, v in pairs(opts) do out[map[k] or k] = v end
  return out
end

-- What a training callback (on_step) returned: false or "stop" stop; nil or true go on;
-- another string is a likely typo ("Stop") and is refused.
function check.wants_stop(fname, r)
  if r == false or r == "stop" then return true end
  if type(r) == "string" then
    raise(("%s: on_step returned %q; return false or \"stop\" to stop, nothing to go on"):format(fname, r))
  end
  return false
end
