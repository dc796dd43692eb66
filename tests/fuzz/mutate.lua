-- mutate.lua — writes N mutants of a safetensors file for tests/fuzz/mutate_charrnn.sh:
--   lua5.4 tests/fuzz/mutate.lua IN OUTDIR N SEED
-- Half keep the file well-formed enough to reach the Lua sugar (the JSON header edited —
-- a number, a metadata value, a dtype or a name — with the length prefix fixed up, or
-- floats of the data replaced by awkward values); the rest are byte-level damage (bit
-- flips, random bytes, truncation, a wrong length prefix).
local src, outdir, n, seed = arg[1], arg[2], tonumber(arg[3]), tonumber(arg[4] or 1)
math.randomseed(seed)
local f = assert(io.open(src, "rb"))
local file = f:read("a")
f:close()
local hlen = string.unpack("<I8", file)
local header, data = file:sub(9, 8 + hlen), file:sub(9 + hlen)

local NUMBERS = { "0", "-1", "1", "2", "3", "7", "255", "65536", "2147483647", "2147483648", "4294967297",
  "9007199254740993", "18446744073709551615", "1e30", "-1e30", "0.5", "1e-300", "99999999999999999999" }
local DTYPES = { "F32", "F16", "BF16", "F64", "I64", "I32", "U8", "BOOL", "F8_E4M3", "X32", "" }
local FLOATS = { 0 / 0, 1 / 0, -1 / 0, -1, 0, 1e10, 1114112, 55296, 2 ^ 31, 2 ^ 24 + 1, -2 ^ 31, 1e-40, 3.5 }

local function pick(t) return t[math.random(#t)] end

-- the i-th match of pattern in s replaced by what
local function replace_one(s, pattern, what)
  local spots = {}
  for a, b in s:gmatch("()" .. pattern .. "()") do spots[#spots + 1] = { a, b } end
  if #spots == 0 then return s end
  local a, b = table.unpack(pick(spots))
  return s:sub(1, a - 1) .. what(s:sub(a, b - 1)) .. s:sub(b)
end

local header_edits = {
  function(h) return replace_one(h, "%-?%d+%.?%d*", function() return pick(NUMBERS) end) end,
  -- metadata values are quoted strings: "layers":"1"
  function(h) return replace_one(h, '"[%w_]+":"[^"]*"', function(kv)
    local k = kv:match('^"([%w_]+)"')
    local v = pick { '"' .. pick(NUMBERS) .. '"', '"gru"', '"lstm"', '"rnn"', '""', '"wick.char_rnn"', "null", "7" }
    return '"' .. k .. '":' .. v
  end) end,
  function(h) return replace_one(h, '"dtype":"[%w_]*"', function() return '"dtype":"' .. pick(DTYPES) .. '"' end) end,
  function(h) return replace_one(h, '"[%w_.]+":{', function(k) return k:sub(1, 2) .. k:sub(4) end) end,
  function(h)
    local shapes = { "[]", "[0]", "[1,1]", "[4294967296]", "[1,2,3,4,5,6,7,8,9]" }
    return replace_one(h, "%[[%d,]*%]", function() return pick(shapes) end)
  end,
}

local function header_mutant()
  local h = header
  for _ = 1, math.random(2) do h = pick(header_edits)(h) end
  return string.pack("<I8", #h) .. h .. data
end

local function data_mutant()
  if #data < 4 then return file end
  local d = data
  for _ = 1, math.random(4) do
    local at = 4 * math.random(0, #d // 4 - 1)
    d = d:sub(1, at) .. string.pack("<f", pick(FLOATS)) .. d:sub(at + 5)
  end
  return string.pack("<I8", hlen) .. header .. d
end

local function byte_mutant()
  local s = file
  local kind = math.random(4)
  if kind == 1 then          -- flip a few bits
    for _ = 1, math.random(4) do
      local i = math.random(#s)
      s = s:sub(1, i - 1) .. string.char(s:byte(i) ~ (1 << math.random(0, 7))) .. s:sub(i + 1)
    end
  elseif kind == 2 then      -- random bytes
    for _ = 1, math.random(8) do
      local i = math.random(#s)
      s = s:sub(1, i - 1) .. string.char(math.random(0, 255)) .. s:sub(i + 1)
    end
  elseif kind == 3 then      -- cut off
    s = s:sub(1, math.random(0, #s - 1))
  else                       -- a wrong header length
    s = string.pack("<I8", pick { 0, 1, hlen - 8, hlen + 8, #file, 1 << 40 }) .. s:sub(9)
  end
  return s
end

for i = 1, n do
  local r = math.random()
  local m = r < 0.4 and header_mutant() or r < 0.6 and data_mutant() or byte_mutant()
  local out = assert(io.open(("%s/mutant-%04d.safetensors"):format(outdir, i), "wb"))
  out:write(m)
  out:close()
end
