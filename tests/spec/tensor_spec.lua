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
end)

describe("bad input", function()
  it("absurd sizes say what they need instead of crashing", function()
    assert.matches("zeros: a tensor of shape %[1000000,1000000%] needs 3.6 TiB, more than this machine's [%d.]+ %a+ of memory",
      err_of(T.zeros, 1000000, 1000000))
    assert.matches("rand: a tensor of shape %[1000000000000%] needs 3.6 TiB, more than this machine's", err_of(T.rand, 1e12))
    assert.matches("ones: shape %[1099511627776,1099511627776%] has 1.21e%+24 elements %(.-%), more than wick's limit of 2%^40",
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
  end)
end)
