-- tensor_spec.lua — the wick.Tensor type itself: constructors, tables in and out,
-- views, 1-based indexing, sizes, printing, freeing, memory accounting, seeds and
-- the errors bad input gets.
local wick = require "wick"
local helpers = require "spec_helpers"
local T = wick.tensor

local function rss_kb()
  local f = assert(io.open("/proc/self/status"))
  local s = f:read("a")
  f:close()
  return tonumber(s:match("VmRSS:%s*(%d+)"))
end

local err_of = helpers.err_of

describe("constructors", function()
  it("zeros, ones, full take shapes as numbers or a table", function()
    assert.same({ { 0, 0, 0 }, { 0, 0, 0 } }, T.zeros(2, 3):table())
    assert.same({ { 1, 1 } }, T.ones { 1, 2 }:table())
    assert.same({ 2.5, 2.5 }, T.full({ 2 }, 2.5):table())
    assert.equal(0, T.zeros():dim())
  end)

  it("arange counts like Lua's for loop, linspace includes both ends, eye", function()
    assert.same({ 1, 2, 3, 4 }, T.arange(4):table())
    assert.same({ 0, 2, 4 }, T.arange(0, 4, 2):table())
    assert.same({ 5, 4, 3 }, T.arange(5, 3, -1):table())
    assert.same({ 0, 0.25, 0.5, 0.75, 1 }, T.linspace(0, 1, 5):table())
    assert.same({ { 1, 0, 0 }, { 0, 1, 0 } }, T.eye(2, 3):table())
  end)

  it("builds from nested tables and converts back", function()
    local t = T { { 1, 2 }, { 3, 4 }, { 5, 6 } }
    assert.same({ 3, 2 }, t:shape())
    assert.same({ { 1, 2 }, { 3, 4 }, { 5, 6 } }, t:table())
    assert.equal(7, T(7):item())
    assert.equal(0, T(7):dim())
    assert.same({ 1, 2 }, T(T { 1, 2 }):table())
  end)

  it("rejects ragged and non-numeric tables with the place", function()
    assert.matches("ragged nested table at %[2%]: expected 2 elements, got 3", err_of(T, { { 1, 2 }, { 3, 4, 5 } }))
    assert.matches("element %[1%]%[2%] is string", err_of(T, { { 1, "x" } }))
    assert.matches("expected a number, a nested table or a tensor, got boolean", err_of(T, true))
  end)

  it("rand and randn are repeatable under one seed", function()
    wick.seed(123)
    local a, b = T.rand(50), T.randn(50)
    wick.seed(123)
    assert.same(a:table(), T.rand(50):table())
    assert.same(b:table(), T.randn(50):table())
    assert.equal(123, wick.seed())
    for _, v in ipairs(a:table()) do assert.is_true(v >= 0 and v < 1) end
    wick.seed(124)
    assert.are_not.same(a:table(), T.rand(50):table())
  end)
end)

describe("wick.tensor takes one value", function()
  local refuses = helpers.refuses

  it("refuses wick.tensor(2, 3), pointing at T.zeros(2, 3) and T.zeros{2, 3}", function()
    refuses("tensor: takes one value, got 2 numbers %(2, 3%): for a 2x3 tensor use T%.zeros%(2, 3%) or "
      .. "T%.zeros{2, 3} .*; for a tensor holding these numbers, T{2, 3}", function() return T(2, 3) end)
    refuses("tensor: takes one value, got 3 numbers %(4, 1, 2%): for a 4x1x2 tensor use "
      .. "T%.zeros%(4, 1, 2%)", function() return wick.tensor(4, 1, 2) end)
    refuses("tensor: takes one value, got 2 numbers %(0%.5, 3%): for a tensor holding them, T{0%.5, 3}",
      function() return T(0.5, 3) end)
    refuses("tensor: takes one value %(a number, a nested table or a tensor%), got 2 arguments",
      function() return T({ 1, 2 }, { 3 }) end)
  end)

  it("still makes a 0-D tensor from one number (a trailing nil is no value)", function()
    local x = T(3.5)
    assert.equal(0, x:dim())
    assert.equal(3.5, x:item())
    assert.equal(3.5, T(3.5, nil):item())
    assert.same({ 2, 3 }, T { 2, 3 }:table())
  end)
end)

describe("iterating a tensor", function()
  -- Design: a tensor iterates like a Lua list of its rows. ipairs and pairs visit
  -- t[1] .. t[#t] and end cleanly; an index past the end written in a sketch is still
  -- an error (a tensor cannot grow), and so is iterating a 0-D tensor.
  local refuses = helpers.refuses

  it("ipairs visits every row of a 2-D tensor and ends cleanly", function()
    local t = T { { 1, 2 }, { 3, 4 }, { 5, 6 } }
    local seen = {}
    for i, row in ipairs(t) do
      assert.is_true(T.is_tensor(row))
      seen[i] = row:table()
    end
    assert.same({ { 1, 2 }, { 3, 4 }, { 5, 6 } }, seen)
    assert.equal(3, #t)
  end)

  it("ipairs over a 1-D tensor gives numbers; over an empty one, nothing", function()
    local seen = {}
    for i, v in ipairs(T { 7, 8, 9 }) do seen[i] = v end
    assert.same({ 7, 8, 9 }, seen)
    for _ in ipairs(T.zeros(0, 3)) do error("an empty tensor has no rows") end
    assert.equal(0, #T.zeros(0, 3))
  end)

  it("pairs walks the same rows in order", function()
    local t = T { { 1, 2 }, { 3, 4 } }
    local keys, rows = {}, {}
    for i, row in pairs(t) do
      keys[#keys + 1] = i
      rows[#rows + 1] = row:table()
    end
    assert.same({ 1, 2 }, keys)
    assert.same({ { 1, 2 }, { 3, 4 } }, rows)
  end)

  it("rows from ipairs are views: assigning through them writes the tensor", function()
    local t = T.zeros(2, 2)
    for i, row in ipairs(t) do row[1] = i end
    for i = 1, #t do t[i][2] = 10 * i end
    assert.same({ { 1, 10 }, { 2, 20 } }, t:table())
  end)

  it("an index past the end, 0 or below -#t is still an error, read or written", function()
    local t = T.zeros(3, 2)
    refuses("index: index 4 is out of range for dimension 1 of size 3", function() return t[4] end)
    refuses("index: index 0 is out of range for dimension 1 of size 3", function() return t[0] end)
    refuses("index: index %-4 is out of range for dimension 1 of size 3", function() return t[-4] end)
    refuses("index assignment: index 4 is out of range for dimension 1 of size 3", function() t[4] = 1 end)
  end)

  it("a 0-D tensor cannot be iterated: the error says to use :item()", function()
    refuses("ipairs: cannot iterate over a 0%-D tensor %(it holds one number: use :item%(%)%)",
      function() for _ in ipairs(T(1)) do end end)
    refuses("pairs: cannot iterate over a 0%-D tensor", function() for _ in pairs(T(1)) do end end)
    assert.equal(0, #T(1))
  end)

  it("a freed tensor is refused by name", function()
    local t = T.zeros(2)
    t:free()
    assert.matches("freed tensor", err_of(function() for _ in pairs(t) do end end))
    assert.matches("freed tensor", err_of(function() for _ in ipairs(t) do end end))
  end)
end)

describe("views", function()
  it("share storage with their source", function()
    local a = T.zeros(3, 4)
    local v = a:view(2, 6)
    v:set(2, 6, 9)
    assert.equal(9, a:get(3, 4))
    a:narrow(2, 2, 2):fill_(5)
    assert.same({ 0, 5, 5, 0 }, a[1]:table())
    a:select(1, 2):fill_(1)
    assert.same({ 1, 1, 1, 1 }, a[2]:table())
  end)

  it("transpose, permute, squeeze, unsqueeze and expand", function()
    local a = T { { 1, 2, 3 }, { 4, 5, 6 } }
    assert.same({ { 1, 4 }, { 2, 5 }, { 3, 6 } }, a:transpose():table())
    assert.same({ { 1, 4 }, { 2, 5 }, { 3, 6 } }, a:t():table())
    assert.same({ 3, 2, 1 }, a:view(2, 3, 1):permute(2, 1, 3):shape())
    assert.same({ 2, 3 }, a:view(1, 2, 1, 3):squeeze():shape())
    assert.same({ 1, 2, 3 }, a:view(1, 2, 1, 3):squeeze(3):shape())
    assert.same({ 2, 3, 1 }, a:unsqueeze(-1):shape())
    assert.same({ { 1, 2, 3 }, { 1, 2, 3 } }, T { 1, 2, 3 }:expand(2, 3):table())
  end)

  it("reshape copies when it must, view refuses", function()
    local a = T { { 1, 2, 3 }, { 4, 5, 6 } }:transpose()
    assert.is_false(a:is_contiguous())
    assert.same({ 1, 4, 2, 5, 3, 6 }, a:reshape(6):table())
    assert.matches("view: cannot view a non%-contiguous tensor of shape %[3,2%] as %[6%]", err_of(a.view, a, 6))
    assert.is_true(a:contiguous():is_contiguous())
    assert.same({ 2, 3 }, T.zeros(6):reshape(-1, 3):shape())
    assert.matches("reshape: shape %[4,%-1%] is invalid for 6 elements", err_of(T.zeros(6).reshape, T.zeros(6), 4, -1))
  end)
end)

describe("indexing", function()
  it("is 1-based, gives numbers for 1-D and views otherwise", function()
    local a = T { { 1, 2 }, { 3, 4 } }
    assert.equal(3, a[2][1])
    assert.equal(4, a[-1][-1])
    assert.equal("userdata", type(a[1]))
    assert.equal(2, a:get(1, 2))
  end)

  it("assigns numbers and tensors through t[i] = v", function()
    local a = T.zeros(2, 3)
    a[1] = 7
    a[2] = T { 1, 2, 3 }
    assert.same({ { 7, 7, 7 }, { 1, 2, 3 } }, a:table())
    local v = T.zeros(3)
    v[2] = 5
    assert.same({ 0, 5, 0 }, v:table())
  end)

  it("reports out-of-range indices and wrong index counts", function()
    local a = T.zeros(2, 3)
    assert.matches("index: index 3 is out of range for dimension 1 of size 2", err_of(function() return a[3] end))
    assert.matches("get: index 4 is out of range for dimension 2 of size 3", err_of(a.get, a, 1, 4))
    assert.matches("get: a 2%-D tensor needs 2 indices, got 1", err_of(a.get, a, 1))
    assert.matches("cannot copy a tensor of shape %[2%] into one of shape %[3%]",
      err_of(function() a[1] = T { 1, 2 } end))
    assert.matches("narrow: range 2..4 is outside dimension 2 of size 3", err_of(a.narrow, a, 2, 2, 3))
    assert.matches("dimension 3 is out of range for a 2%-D tensor", err_of(a.select, a, 3, 1))
  end)
end)

describe("sizes and printing", function()
  it("answers shape, size, dim, numel and #", function()
    local a = T.zeros(2, 3, 4)
    assert.same({ 2, 3, 4 }, a:shape())
    assert.equal(3, a:size(2))
    assert.equal(4, a:size(-1))
    assert.equal(3, a:dim())
    assert.equal(24, a:numel())
    assert.equal(2, #a)
  end)

  it("prints small tensors in full and large ones as a summary", function()
    assert.equal("tensor[2,2]\n{{1, 2},\n {3, 4}}", tostring(T { { 1, 2 }, { 3, 4 } }))
    assert.equal("tensor[] 3.5", tostring(T(3.5)))
    assert.equal("tensor[0,5]", tostring(T.zeros(0, 5)))
    assert.equal("tensor[100] min 1 max 100 mean 50.5\n{1, 2, 3, ..., 98, 99, 100}", tostring(T.arange(100)))
    local s = tostring(T.arange(100 * 100):view(100, 100))
    assert.equal("tensor[100,100] min 1 max 1e+04 mean 5000\n" ..
      "{{1, 2, 3, ..., 98, 99, 100},\n {101, 102, 103, ..., 198, 199, 200},\n {201, 202, 203, ..., 298, 299, 300},\n" ..
      " ...,\n {9701, 9702, 9703, ..., 9798, 9799, 9800},\n {9801, 9802, 9803, ..., 9898, 9899, 9900},\n" ..
      " {9901, 9902, 9903, ..., 9998, 9999, 10000}}", s)
    local n = T.zeros(100)
    n[1] = 0 / 0
    assert.matches("%(1 not finite%)", tostring(n))
  end)
end)

describe("memory", function()
  it("free releases early and a freed tensor refuses use", function()
    collectgarbage()
    local before = wick.memory().live
    local a = T.zeros(1000)
    assert.equal(before + 4000, wick.memory().live)
    a:free()
    a:free()   -- idempotent
    assert.equal(before, wick.memory().live)
    assert.matches("attempt to use a freed tensor", err_of(function() return a + 1 end))
    assert.matches("attempt to use a freed tensor", err_of(function() return a:clone() end))
    assert.matches("attempt to use a freed tensor", err_of(a.shape, a))
    assert.equal("wick.Tensor (freed)", tostring(a))
  end)

  it("a freed tensor's error names the function and the argument, at the sketch's line", function()
    local a = T.zeros(3)
    a:free()
    local where = "tensor_spec%.lua:%d+: "
    assert.matches(where .. "sum: attempt to use a freed tensor %(self%)", err_of(function() local _ = a:sum() end))
    assert.matches(where .. "sum: attempt to use a freed tensor %(argument 1%)",
      err_of(function() local _ = T.sum(a) end))
    assert.matches(where .. "add: attempt to use a freed tensor %(argument 1%)",
      err_of(function() local _ = T.ones(3):add(a) end))
    assert.matches(where .. "where: attempt to use a freed tensor %(argument 3%)",
      err_of(function() local _ = T.where(T.ones(3), T.ones(3), a) end))
    -- sugar that calls the C function: named after the public function the sketch called
    local lib = { fake = load("return function(x) local n = x:numel() return n end", "=[wick fake.lua]")() }
    assert.matches(where .. "fake: attempt to use a freed tensor$", err_of(function() local _ = lib.fake(a) end))
    -- sugar that was tail-called has lost the sketch's name for it: an inner helper's
    -- name would mislead, so the C function's own name stands
    lib.tail = load([[
      local function helper(x) local n = x:numel() return n end
      local function mid(x) local n = helper(x) return n end
      return function(x) return mid(x) end]], "=[wick fake.lua]")()
    assert.matches(where .. "numel: attempt to use a freed tensor %(self%)$",
      err_of(function() local _ = lib.tail(a) end))
  end)

  it("<close> frees at the end of the scope", function()
    collectgarbage()
    local before = wick.memory().live
    do
      local t <close> = T.zeros(256, 256)
      assert.equal(before + t:numel() * 4, wick.memory().live)
    end
    assert.equal(before, wick.memory().live)
  end)

  it("views keep storage alive after the source is freed", function()
    local a = T.arange(10)
    local v = a:narrow(1, 5, 2)
    a:free()
    assert.same({ 5, 6 }, v:table())
  end)

  it("stays bounded over 10,000 one-megabyte temporaries", function()
    collectgarbage()
    local start = rss_kb()
    for _ = 1, 10000 do
      local t = T.zeros(512, 512)  -- 1 MB, never freed by hand
      t:set(1, 1, 1)
    end
    local grown_mb = (rss_kb() - start) / 1024
    -- without accounting the collector would let ~10 GB pile up; allow a few hundred MB
    assert.is_true(grown_mb < 400, ("resident memory grew by %.0f MB"):format(grown_mb))
    assert.is_true(wick.memory().live < 400 * 1024 * 1024)
  end)

  it("collects garbage tensors paced by the memory in use: bounded, and not every step", function()
    -- In a fresh process, so the Lua heap is wick's own. Garbage may reach about a third
    -- of the memory in use (a cycle per quarter of growth), never much more.
    local dir = helpers.tmpdir()
    local script = helpers.write_file(dir .. "/pace.lua", [[
      local wick = require "wick"
      local T = wick.tensor
      local function worst(n, size)
        local base, most = wick.memory().live, 0
        for _ = 1, n do
          local t = T.zeros(size)
          t:set(1, 1)
          most = math.max(most, wick.memory().live - base)
        end
        return most / 2 ^ 20
      end
      collectgarbage()
      local small = worst(2000, 2 ^ 18)     -- 1 MB temporaries, little else alive
      local keep = T.zeros(2 ^ 24)          -- 64 MB alive
      collectgarbage()
      local big = worst(2000, 2 ^ 20)       -- 4 MB temporaries beside it
      print(("%.1f %.1f"):format(small, big))
      keep:free()
    ]])
    local out, rc = helpers.run(helpers.quote(helpers.WICK) .. " " .. helpers.quote(script))
    helpers.remove_tree(dir)
    assert.equal(0, rc, out)
    local small, big = out:match("^(%S+) (%S+)")
    small, big = tonumber(small), tonumber(big)
    assert.is_true(small < 16, "garbage beside a small heap reached " .. small .. " MB")
    -- beside 64 MB: more than a few temporaries wait (no cycle per step), far below 2000
    assert.is_true(big > 8 and big < 48, "garbage beside 64 MB reached " .. big .. " MB")
  end)
end)

describe("bad input", function()
  it("absurd sizes say what they need instead of crashing", function()
    assert.matches("zeros: a tensor of shape %[1000000,1000000%] needs 3.6 TiB, more than this machine's" ..
      " [%d.]+ %a+ of memory",
      err_of(T.zeros, 1000000, 1000000))
    assert.matches("rand: a tensor of shape %[1000000000000%] needs 3.6 TiB, more than this machine's",
      err_of(T.rand, 1e12))
    assert.matches("ones: shape %[1099511627776,1099511627776%] has 1.21e%+24 elements %(.-%), more than" ..
      " wick's limit of 2%^40",
      err_of(T.ones, { 2 ^ 40, 2 ^ 40 }))
  end)

  it("negative, fractional, NaN and too many sizes", function()
    assert.matches("zeros: size %-2 in shape %[3,%-2%] is negative", err_of(T.zeros, 3, -2))
    assert.matches("zeros: size 2 must be an integer, got 1.5", err_of(T.zeros, 3, 1.5))
    assert.matches("must be an integer", err_of(T.zeros, { 0 / 0 }))
    assert.matches("at most 8 dimensions", err_of(T.zeros, 1, 1, 1, 1, 1, 1, 1, 1, 1))
    assert.matches("linspace: count must be an integer >= 0, got %-3", err_of(T.linspace, 0, 1, -3))
    assert.matches("arange: step must be non%-zero", err_of(T.arange, 1, 5, 0))
    assert.matches("arange: stop must be a finite number, got inf", err_of(T.arange, 1, math.huge))
  end)

  it("wrong types name the argument and the function", function()
    local a = T.zeros(2)
    assert.matches("bad argument #1 to '%w+' %(wick.Tensor expected, got number%)",
      err_of(function() return a.shape(5) end))
    assert.matches("tensor_spec.lua:%d+: narrow: dimension must be an integer, got string",
      err_of(function() return a:narrow("x", 1, 1) end))
    assert.matches("tensor_spec.lua:%d+: bad argument #1 to 'matmul' %(wick.Tensor expected, got number%)",
      err_of(function() return a:matmul(3) end))
    assert.matches("tensor_spec.lua:%d+: bad argument #1 to 'clone' %(wick.Tensor expected, got string%)",
      err_of(function() return T.clone("s") end))
    assert.matches("item: tensor of shape %[2%] has 2 elements, expected exactly one", err_of(a.item, a))
    assert.matches("cannot set field 'foo' of a tensor", err_of(function() a.foo = 1 end))
    assert.matches("seed: expected a non%-negative integer", err_of(wick.seed, -1))
  end)

  it("errors carry the caller's file and line", function()
    local e = err_of(function() return T.zeros(2):get(5) end)
    assert.matches("tensor_spec.lua:%d+: get:", e)
    assert.matches("tensor_spec.lua:%d+: index: index must be an integer, got 1.5",
      err_of(function() return T.zeros(2)[1.5] end))
    assert.matches("tensor_spec.lua:%d+: select: index must be an integer, got string",
      err_of(function() return T.zeros(2, 2):select(1, "x") end))
    assert.matches("tensor_spec.lua:%d+: set: value must be a number, got nil",
      err_of(function() return T.zeros(2):set(1, nil) end))
  end)
end)

-- Issue 10: sizes are multiplied and added with overflow checks in the one place every
-- shape goes through, so nothing a sketch says can address memory outside a tensor.
describe("sizes that overflow", function()
  it("view and reshape refuse a shape whose product wraps to the element count", function()
    local x = T.zeros(4096)
    -- (2^62 + 1024) * 4 = 2^64 + 4096, which is 4096 in wrapped int64 arithmetic
    assert.matches("tensor_spec.lua:%d+: view: shape %[4611686018427388928,4%] is invalid for a tensor of" ..
      " shape %[4096%]",
      err_of(function() return x:view(2 ^ 62 + 1024, 4) end))
    assert.matches("reshape: shape .* is invalid", err_of(function() return x:reshape(2 ^ 62 + 1024, 4) end))
    assert.matches("view: shape .* is invalid", err_of(function() return x:view(-1, 2 ^ 62, 4) end))
    assert.matches("view: shape .* is invalid", err_of(function() return x:view(2 ^ 32, 2 ^ 32, 4096) end))
    -- an empty tensor's view: the count matches (0) but the other sizes are absurd
    assert.matches("view: shape %[0,4611686018427387904%] is empty, but its other sizes multiply to more" ..
      " than wick's limit",
      err_of(function() return T.zeros(0):view(0, 2 ^ 62) end))
    assert.same({ 64, 64 }, x:view(64, -1):shape())
  end)

  it("narrow refuses start + length past int64", function()
    local x = T.zeros(4096)
    assert.matches("narrow: start 10 and length 9223372036854775807 are outside dimension 1 of size 4096",
      err_of(function() return x:narrow(1, 10, math.maxinteger) end))
    assert.matches("narrow: range 4096..4097 is outside", err_of(function() return x:narrow(1, 4096, 2) end))
    assert.matches("narrow: start must be an integer >= 1, got %-9223372036854775808",
      err_of(function() return x:narrow(1, math.mininteger, 2) end))
    assert.matches("select: index %-9223372036854775808 is out of range",
      err_of(function() return x:select(1, math.mininteger) end))
    assert.equal(1, x:narrow(1, 4096, 1):numel())
  end)

  it("an empty shape's other sizes are bounded too (T.zeros(0, 2^32, 2^32))", function()
    assert.matches("zeros: shape %[0,4294967296,4294967296%] is empty, but its other sizes multiply to" ..
      " more than wick's limit of 2%^40",
      err_of(T.zeros, 0, 2 ^ 32, 2 ^ 32))
    assert.same({ 0, 2 ^ 20, 2 ^ 20 }, T.zeros(0, 2 ^ 20, 2 ^ 20):shape())
  end)

  it("expand and broadcasting stay within 2^40 elements", function()
    assert.matches("expand: shape %[549755813888,4%] has .* more than wick's limit of 2%^40",
      err_of(function() return T.ones(1, 4):expand(2 ^ 39, 4) end))
    assert.matches("expand: shape %[0,1125899906842624%] is empty",
      err_of(function() return T.ones(0, 1):expand(0, 2 ^ 50) end))
    local a, b = T.ones(1, 1):expand(2 ^ 30, 1), T.ones(1, 1):expand(1, 2 ^ 30)
    assert.matches("add: shape %[1073741824,1073741824%] has .* more than wick's limit",
      err_of(function() return a + b end))
    assert.equal(2 ^ 40, T.ones(1, 4):expand(2 ^ 38, 4):numel())
  end)

  it("refuses sizes from Lua that are not integers in range, before any cast", function()
    assert.matches("zeros: size 1 must be an integer of at most 2%^40, got 1e%+30", err_of(T.zeros, 1e30))
    assert.matches("zeros: size 2 must be an integer of at most 2%^40, got 9.2233720368548e%+18", err_of(T.zeros, 1,
      2 ^ 63))
    assert.matches("zeros: size 1 must be an integer of at most 2%^40", err_of(T.zeros, -2 ^ 64))
    assert.matches("zeros: size 1 must be an integer, got [%-]?nan", err_of(T.zeros, { 0 / 0 }))
    assert.matches("zeros: size 1 must be an integer, got boolean", err_of(T.zeros, { true }))
    assert.matches("zeros: shape %[4611686018427387905%] has", err_of(T.zeros, (1 << 62) + 1))
    assert.matches("view: size 1 must be an integer of at most 2%^40, got inf",
      err_of(function() return T.zeros(4):view(math.huge) end))
    assert.matches("permute: dimension 4294967297 is out of range for a 2%-D tensor",
      err_of(function() return T.zeros(2, 3):permute(2 ^ 32 + 1, 2) end))
    assert.matches("arange: 1e%+300 elements are more than wick's limit", err_of(T.arange, 0, 1e300))
    assert.matches("eye: rows must be an integer >= 0, got 1.5", err_of(T.eye, 1.5))
  end)

  it("an allocation bigger than the machine is refused, not attempted", function()
    assert.matches("zeros: a tensor of shape %[549755813888%] needs 2.0 TiB, more than this machine's",
      err_of(T.zeros, 2 ^ 39))
  end)

  it("in-place writes into an expanded view are refused (they would repeat 2^40 times)", function()
    local e = T.ones(1, 4):expand(2 ^ 38, 4)
    assert.matches("fill_: cannot write in place into an expanded tensor", err_of(function() return e:fill_(2) end))
    assert.matches("zero_: cannot write in place into an expanded tensor", err_of(function() return e:zero_() end))
    assert.matches("copy_: cannot write in place into an expanded tensor", err_of(function() return e:copy_(1) end))
    assert.matches("index assignment: cannot write in place", err_of(function() T.ones(2, 1):expand(2, 3)[1] = 5 end))
    assert.matches("table: a Lua table of a tensor of shape %[274877906944,4%] needs",
      err_of(function() return e:table() end))
  end)

  it("prints a 2^40-element view at once, in a few lines", function()
    local t0 = wick.clock()
    local s = tostring(T.ones(1, 4):expand(2 ^ 38, 4))
    assert.is_true(wick.clock() - t0 < 0.5)
    assert.equal("tensor[274877906944,4]\n{{1, 1, 1, 1},\n {1, 1, 1, 1},\n {1, 1, 1, 1},\n ...,\n" ..
      " {1, 1, 1, 1},\n {1, 1, 1, 1},\n {1, 1, 1, 1}}", s)
    -- 8 dims of 9: a summary that shows at most 1000 numbers
    local big = tostring(T.ones(1):expand(9, 9, 9, 9, 9, 9, 9, 9))
    local _, numbers = big:gsub("1,", "")
    assert.is_true(numbers <= 1000, numbers .. " numbers shown")
    assert.matches("%.%.%.", big)
  end)
end)

describe("failed calls leak nothing", function()
  -- Each call fails after the binding has read some arguments; 300 of each must leave
  -- wick.memory().live where it was once the collector has run.
  local function fails(f)
    local ok = pcall(f)
    assert.is_false(ok)
  end
  local calls = {
    ["x[1] = 's'"] = function() local x = T.zeros(64, 64); x[1] = "s" end,
    ["x[1] = {}"] = function() local x = T.zeros(64, 64); x[1] = {} end,
    ["x[1] = wrong shape"] = function() local x = T.zeros(64, 64); x[1] = T.zeros(3) end,
    ["x[1.5] = 0"] = function() local x = T.zeros(64, 64); x[1.5] = 0 end,
    ["expanded x[1] = 5"] = function() local x = T.ones(2, 1):expand(2, 3); x[1] = 5 end,
    ["copy_ into expanded"] = function() T.zeros(1, 64):expand(64, 64):copy_(5) end,
    ["copy_ wrong shape"] = function() T.zeros(64, 64):copy_(T.zeros(3)) end,
    ["view overflow"] = function() T.zeros(4096):view(2 ^ 62 + 1024, 4) end,
    ["narrow overflow"] = function() T.zeros(4096):narrow(1, 10, math.maxinteger) end,
    ["zeros(0, 2^32, 2^32)"] = function() T.zeros(0, 2 ^ 32, 2 ^ 32) end,
    ["zeros(1e30)"] = function() T.zeros(1e30) end,
    ["table with a string"] = function() T { { 1, 2 }, { 3, "x" } } end,
    ["index_select bad list"] = function() T.zeros(64, 64):index_select(1, { 1, "x" }) end,
    ["cat bad dim"] = function() T.cat({ T.zeros(64, 64), T.zeros(64, 64) }, 1.5) end,
    ["matmul mismatch"] = function() T.zeros(64, 64):matmul(T.zeros(3, 3)) end,
    ["add mismatch"] = function() return T.zeros(64, 64) + T.zeros(3) end,
    ["sum bad dim"] = function() T.zeros(64, 64):sum(9) end,
    ["topk bad k"] = function() T.zeros(64, 64):topk(1.5) end,
  }
  for name, f in pairs(calls) do
    it(name, function()
      collectgarbage()
      collectgarbage()
      local before = wick.memory().live
      for _ = 1, 300 do fails(f) end
      collectgarbage()
      collectgarbage()
      assert.equal(before, wick.memory().live)
    end)
  end
end)
