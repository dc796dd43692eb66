-- tensor_linalg_spec.lua — matmul, dot, outer, cat, stack, index_select, gather,
-- masked_fill, sort and topk through Lua: values (hand-computed, or against a float64
-- reference written here in plain Lua), the shapes of results, and the error messages
-- an artist would see.
local wick = require "wick"
local T = wick.tensor

-- ---- helpers ---------------------------------------------------------------------------

-- The error message of fn(), or fail if fn() succeeds.
local error_of = require("spec_helpers").err_of

-- Assert that fn() raises an error containing text (plain, not a pattern).
local function raises(text, fn)
  local err = error_of(fn)
  assert.is_truthy(err:find(text, 1, true), ("expected %q in error %q"):format(text, err))
end

local function same(want, t) assert.are.same(want, t:table()) end

-- Element of a Lua nested table at a list of 1-based indices.
local function at(tab, index)
  for _, i in ipairs(index) do tab = tab[i] end
  return tab
end

-- float64 reference for matmul, straight from NumPy's rules, returned as a flat list
-- in row-major order of the result.
local function ref_matmul(a, b)
  local as, bs = a:shape(), b:shape()
  local at_, bt = a:table(), b:table()
  local k = as[#as]
  local nba, nbb = math.max(#as - 2, 0), math.max(#bs - 2, 0)
  local nb = math.max(nba, nbb)
  local bshape = {}
  for d = 1, nb do
    local da, db = d - (nb - nba), d - (nb - nbb)
    bshape[d] = math.max(da >= 1 and as[da] or 1, db >= 1 and bs[db] or 1)
  end
  local m = #as >= 2 and as[#as - 1] or 1
  local n = #bs >= 2 and bs[#bs] or 1
  local out = {}
  local idx = {}
  for d = 1, nb do idx[d] = 1 end
  local total = 1
  for d = 1, nb do total = total * bshape[d] end
  for _ = 1, total do
    local ia, ib = {}, {}
    for d = 1, nba do ia[d] = as[d] == 1 and 1 or idx[d + (nb - nba)] end
    for d = 1, nbb do ib[d] = bs[d] == 1 and 1 or idx[d + (nb - nbb)] end
    for i = 1, m do
      for j = 1, n do
        local s = 0
        for p = 1, k do
          local ai, bi = { table.unpack(ia) }, { table.unpack(ib) }
          if #as >= 2 then ai[#ai + 1] = i end
          ai[#ai + 1] = p
          bi[#bi + 1] = p
          if #bs >= 2 then bi[#bi + 1] = j end
          s = s + at(at_, ai) * at(bt, bi)
        end
        out[#out + 1] = s
      end
    end
    for d = nb, 1, -1 do
      idx[d] = idx[d] + 1
      if idx[d] <= bshape[d] then break end
      idx[d] = 1
    end
  end
  return out
end

-- Flatten a tensor's table form into a row-major list.
local function flat(t)
  local out = {}
  local function walk(x)
    if type(x) == "table" then
      for _, v in ipairs(x) do walk(v) end
    else
      out[#out + 1] = x
    end
  end
  walk(t:table())
  return out
end

-- Largest |got - want| / (1 + |want|) between a tensor and a reference list.
local function max_diff(t, want)
  local got = flat(t)
  assert.are.equal(#want, #got)
  local worst = 0
  for i = 1, #want do
    worst = math.max(worst, math.abs(got[i] - want[i]) / (1 + math.abs(want[i])))
  end
  return worst
end

local TOL = 1e-5

-- ---- matmul ----------------------------------------------------------------------------

describe("matmul", function()
  before_each(function()
    wick.seed(1234)
    math.randomseed(1234)
  end)

  it("multiplies 2-D matrices (hand values)", function()
    same({ { 19, 22 }, { 43, 50 } }, T { { 1, 2 }, { 3, 4 } }:matmul(T { { 5, 6 }, { 7, 8 } }))
  end)

  it("is the same function as wick.tensor.matmul", function()
    local a, b = T.randn { 3, 4 }, T.randn { 4, 2 }
    assert.are.same(a:matmul(b):table(), T.matmul(a, b):table())
  end)

  it("matches a float64 reference on random shapes", function()
    for _ = 1, 8 do
      local m, k, n = math.random(1, 9), math.random(1, 12), math.random(1, 9)
      local a, b = T.randn { m, k }, T.randn { k, n }
      local c = a:matmul(b)
      assert.are.same({ m, n }, c:shape())
      assert.is_true(max_diff(c, ref_matmul(a, b)) < TOL)
    end
  end)

  it("reads transposed, narrowed and permuted views", function()
    local a = T.randn { 6, 5 }:transpose()                  -- [5,6], unit stride on rows
    local b = T.randn { 7, 9 }:narrow(1, 2, 6):narrow(2, 3, 4) -- [6,4] inside a wider matrix
    local c = a:matmul(b)
    assert.are.same({ 5, 4 }, c:shape())
    assert.is_true(max_diff(c, ref_matmul(a, b)) < TOL)
    -- every other column: no unit stride at all, so it is copied first
    local s = T.randn { 6, 4, 2 }:select(3, 2)
    assert.is_false(s:is_contiguous())
    assert.is_true(max_diff(a:matmul(s), ref_matmul(a, s)) < TOL)
    local p = T.randn { 3, 2, 4 }:permute { 2, 1, 3 }        -- [2,3,4] batch
    local q = T.randn { 2, 4, 5 }
    assert.is_true(max_diff(p:matmul(q), ref_matmul(p, q)) < TOL)
  end)

  it("gives a 0-D tensor for 1-D · 1-D", function()
    local c = T { 1, 2, 3 }:matmul(T { 4, 5, 6 })
    assert.are.equal(0, c:dim())
    assert.are.equal(32, c:item())
  end)

  it("promotes 1-D operands on either side", function()
    local v, m = T { 1, 2 }, T { { 1, 2, 3 }, { 4, 5, 6 } }
    same({ 9, 12, 15 }, v:matmul(m))          -- [2]·[2,3] -> [3]
    same({ 14, 32 }, m:matmul(T { 1, 2, 3 }))  -- [2,3]·[3] -> [2]
    local b3 = T.randn { 4, 2, 3 }
    local c = v:matmul(b3)                     -- [2]·[4,2,3] -> [4,3]
    assert.are.same({ 4, 3 }, c:shape())
    assert.is_true(max_diff(c, ref_matmul(v, b3)) < TOL)
  end)

  it("broadcasts batch dimensions", function()
    local a, b = T.randn { 2, 1, 3, 4 }, T.randn { 5, 4, 2 }
    local c = a:matmul(b)
    assert.are.same({ 2, 5, 3, 2 }, c:shape())
    assert.is_true(max_diff(c, ref_matmul(a, b)) < TOL)
    local e = T.randn { 1, 3, 4 }:expand { 6, 3, 4 }            -- stride-0 batch
    local w = T.randn { 4, 2 }
    assert.is_true(max_diff(e:matmul(w), ref_matmul(e, w)) < TOL)
    local x = T.randn { 3, 2, 4 }                               -- folds into one sgemm
    assert.is_true(max_diff(x:matmul(w), ref_matmul(x, w)) < TOL)
  end)

  it("handles many small matrices", function()
    local a, b = T.randn { 2000, 3, 3 }, T.randn { 2000, 3, 3 }
    local c = a:matmul(b)
    assert.are.same({ 2000, 3, 3 }, c:shape())
    for _, i in ipairs { 1, 777, 2000 } do
      local ai, bi = a:select(1, i), b:select(1, i)
      assert.is_true(max_diff(c:select(1, i), ref_matmul(ai, bi)) < TOL)
    end
  end)

  it("writes into out and returns it", function()
    local a, b = T { { 1, 2 }, { 3, 4 } }, T { { 5, 6 }, { 7, 8 } }
    local out = T.full({ 2, 2 }, 0 / 0)
    local r = a:matmul(b, out)
    assert.is_true(rawequal(r, out))
    same({ { 19, 22 }, { 43, 50 } }, out)
    -- out may be a view, even of an operand
    a:matmul(b, a)
    same({ { 19, 22 }, { 43, 50 } }, a)
    local store = T.zeros { 2, 2 }
    T { { 1, 0 }, { 0, 2 } }:matmul(b, store:transpose())
    same({ { 5, 14 }, { 6, 16 } }, store)
    raises("matmul: out has shape [3,3] but the product has shape [2,2]", function()
      a:matmul(b, T.zeros { 3, 3 })
    end)
  end)

  it("names both shapes when they do not match", function()
    raises("matmul: shapes [3,4] and [5,6] do not match", function()
      T.randn { 3, 4 }:matmul(T.randn { 5, 6 })
    end)
    raises("matmul: shapes [3,4] and [3] do not match", function()
      T.randn { 3, 4 }:matmul(T.randn { 3 })
    end)
    raises("matmul: shapes [2,3,4] and [3,4,5] do not match (batch dimensions cannot be broadcast)", function()
      T.randn { 2, 3, 4 }:matmul(T.randn { 3, 4, 5 })
    end)
    raises("at least 1-D", function() T(2):matmul(T { 1 }) end)
  end)

  it("rejects arguments that are not tensors", function()
    raises("wick.Tensor expected, got number", function() T.randn { 2, 2 }:matmul(5) end)
    raises("wick.Tensor expected, got table", function() T.matmul({ 1 }, T { 1 }) end)
  end)
end)

-- ---- dot and outer ---------------------------------------------------------------------

describe("dot and outer", function()
  it("dot sums products into a 0-D tensor", function()
    local d = T.dot(T { 1, 2, 3 }, T { 4, -5, 6 })
    assert.are.equal(0, d:dim())
    assert.are.equal(12, d:item())
    assert.are.equal(12, T { 1, 2, 3 }:dot(T { 2 }:expand { 3 }):item())
  end)

  it("outer makes a matrix", function()
    same({ { 10, 20 }, { 20, 40 }, { 30, 60 } }, T { 1, 2, 3 }:outer(T { 10, 20 }))
  end)

  it("refuse what is not 1-D", function()
    raises("dot: expected two 1-D tensors of one length, got shapes [3] and [2,3]", function()
      T { 1, 2, 3 }:dot(T.zeros { 2, 3 })
    end)
    raises("dot: expected two 1-D tensors of one length, got shapes [3] and [2]", function()
      T { 1, 2, 3 }:dot(T { 1, 2 })
    end)
    raises("outer: expected two 1-D tensors, got shapes [2,2] and [2]", function()
      T.zeros { 2, 2 }:outer(T { 1, 2 })
    end)
  end)
end)

-- ---- cat and stack ---------------------------------------------------------------------

describe("cat", function()
  local a, b = T { { 1, 2 }, { 3, 4 } }, T { { 5, 6 } }

  it("joins along dim 1 by default", function()
    same({ { 1, 2 }, { 3, 4 }, { 5, 6 } }, T.cat { a, b })
  end)

  it("joins along a given dim, negative from the end", function()
    local c = T { { 7 }, { 8 } }
    same({ { 1, 2, 7 }, { 3, 4, 8 } }, T.cat({ a, c }, 2))
    same({ { 1, 2, 7, 1, 2 }, { 3, 4, 8, 3, 4 } }, T.cat({ a, c, a }, -1))
    same({ { 1, 3, 7 }, { 2, 4, 8 } }, T.cat({ a:transpose(), c }, 2))
  end)

  it("explains mismatched shapes, empty lists and wrong types", function()
    raises("cat: tensor 2 has shape [1,2] but tensor 1 has shape [2,2] (sizes must match except in dimension 2)",
      function() T.cat({ a, b }, 2) end)
    raises("cat: expected a non-empty list of tensors", function() T.cat {} end)
    raises("cat: expected a list of tensors, got wick.Tensor", function() T.cat(a, b) end)
    raises("cat: list entry 2 is a number, expected a tensor", function() T.cat { a, 3 } end)
    raises("cat: dimension 3 is out of range for a 2-D tensor", function() T.cat({ a }, 3) end)
  end)
end)

describe("stack", function()
  local a, b = T { 1, 2, 3 }, T { 4, 5, 6 }

  it("adds a new first dim by default", function()
    same({ { 1, 2, 3 }, { 4, 5, 6 } }, T.stack { a, b })
  end)

  it("adds the new dim where asked", function()
    same({ { 1, 4 }, { 2, 5 }, { 3, 6 } }, T.stack({ a, b }, 2))
    same({ { 1, 4 }, { 2, 5 }, { 3, 6 } }, T.stack({ a, b }, -1))
  end)

  it("needs one shape", function()
    raises("stack: tensor 2 has shape [2] but tensor 1 has shape [3] (all must have one shape)", function()
      T.stack { a, T { 1, 2 } }
    end)
    raises("stack: expected a non-empty list of tensors", function() T.stack {} end)
  end)
end)

-- ---- index_select, gather, masked_fill --------------------------------------------------

describe("index_select", function()
  local x = T { { 1, 2, 3 }, { 4, 5, 6 }, { 7, 8, 9 } }

  it("picks rows or columns by a list or a tensor of 1-based indices", function()
    same({ { 7, 8, 9 }, { 1, 2, 3 }, { 7, 8, 9 } }, x:index_select(1, { 3, 1, 3 }))
    same({ { 3, 1 }, { 6, 4 }, { 9, 7 } }, x:index_select(2, T { 3, 1 }))
    same({ { 2 }, { 5 }, { 8 } }, x:index_select(-1, { 2 }))
  end)

  it("names the index that is out of range", function()
    raises("index_select: index 7 is out of range for dimension 1 of size 5", function()
      T.zeros { 5, 2 }:index_select(1, { 1, 7 })
    end)
    raises("index_select: index 0 is out of range for dimension 2 of size 3", function()
      x:index_select(2, T { 0 })
    end)
  end)

  it("refuses non-integer indices and wrong types", function()
    raises("index_select: index 1.5 is not an integer", function() x:index_select(1, { 1.5 }) end)
    raises("index_select: index list entry 2 is a string, expected a number", function()
      x:index_select(1, { 1, "two" })
    end)
    raises("index_select: index must be a tensor or a list of indices, got number", function()
      x:index_select(1, 2)
    end)
    raises("index_select: index must be 1-D, got shape [1,1]", function() x:index_select(1, T { { 1 } }) end)
    raises("index_select: dimension 3 is out of range for a 2-D tensor", function() x:index_select(3, { 1 }) end)
  end)
end)

describe("gather", function()
  local x = T { { 1, 2 }, { 3, 4 } }

  it("follows PyTorch with 1-based indices", function()
    same({ { 1, 1 }, { 4, 3 } }, x:gather(2, T { { 1, 1 }, { 2, 1 } }))
    same({ { 1, 2 }, { 3, 2 } }, x:gather(1, T { { 1, 1 }, { 2, 1 } }))
    same({ { 2 }, { 3 } }, x:gather(2, T { { 2 }, { 1 } }))
  end)

  it("explains bad indices and shapes", function()
    raises("gather: index 3 is out of range for dimension 2 of size 2", function()
      x:gather(2, T { { 1, 3 }, { 1, 1 } })
    end)
    raises("gather: index 0.5 is not an integer", function() x:gather(2, T { { 0.5 }, { 1 } }) end)
    raises("gather: index of shape [3,1] does not fit input of shape [2,2]", function()
      x:gather(2, T { { 1 }, { 1 }, { 1 } })
    end)
  end)
end)

describe("masked_fill", function()
  it("fills where the mask is non-zero, leaving the input alone", function()
    local x = T { { 1, 2, 3 }, { 4, 5, 6 } }
    same({ { 1, -1, 3 }, { -1, 5, 6 } }, x:masked_fill(T { { 0, 1, 0 }, { 2, 0, 0 } }, -1))
    same({ { 1, 2, 3 }, { 4, 5, 6 } }, x)
  end)

  it("broadcasts the mask", function()
    same({ { 0, 2, 0 }, { 0, 5, 0 } }, T { { 1, 2, 3 }, { 4, 5, 6 } }:masked_fill(T { 1, 0, 1 }, 0))
  end)

  it("masked_fill_ works in place and returns the tensor", function()
    local x = T { 1, 2, 3 }
    local r = x:masked_fill_(T { 0, 0, 1 }, 9)
    assert.is_true(rawequal(r, x))
    same({ 1, 2, 9 }, x)
  end)

  it("explains a mask that does not fit, and a value that is not a number", function()
    raises("masked_fill: mask of shape [2] does not broadcast to shape [3]", function()
      T { 1, 2, 3 }:masked_fill(T { 1, 0 }, 0)
    end)
    raises("masked_fill_: mask of shape [2,3] does not broadcast to shape [3]", function()
      T { 1, 2, 3 }:masked_fill_(T.zeros { 2, 3 }, 0)
    end)
    raises("masked_fill: value must be a number, got string", function()
      T { 1, 2, 3 }:masked_fill(T { 1, 0, 0 }, "x")
    end)
  end)
end)

-- ---- sort and topk ---------------------------------------------------------------------

describe("sort", function()
  it("returns sorted values and 1-based indices, stable", function()
    local v, i = T { 3, 1, 2, 1 }:sort()
    same({ 1, 1, 2, 3 }, v)
    same({ 2, 4, 3, 1 }, i)
  end)

  it("sorts descending, ties still in index order", function()
    local v, i = T { 3, 1, 2, 1 }:sort(1, true)
    same({ 3, 2, 1, 1 }, v)
    same({ 1, 3, 2, 4 }, i)
  end)

  it("sorts along a chosen dim", function()
    local m = T { { 5, 1, 4 }, { 2, 6, 0 } }
    local v, i = m:sort(1)
    same({ { 2, 1, 0 }, { 5, 6, 4 } }, v)
    same({ { 2, 1, 2 }, { 1, 2, 1 } }, i)
    v, i = m:sort(-1)
    same({ { 1, 4, 5 }, { 0, 2, 6 } }, v)
    same({ { 2, 3, 1 }, { 3, 1, 2 } }, i)
  end)

  it("puts NaN last ascending and first descending", function()
    local nan = 0 / 0
    local v, i = T { nan, 2, -1 }:sort()
    local vt = v:table()
    assert.are.same({ -1, 2 }, { vt[1], vt[2] })
    assert.is_true(vt[3] ~= vt[3])
    same({ 3, 2, 1 }, i)
    local _, j = T { 2, nan, -1 }:sort(1, true)
    same({ 2, 1, 3 }, j)
  end)

  it("agrees with its own indices on random data", function()
    wick.seed(99)
    local x = T.randn { 200 }
    local v, i = x:sort()
    local vt, it_, xt = v:table(), i:table(), x:table()
    for k = 1, 200 do
      assert.are.equal(xt[it_[k]], vt[k])
      if k > 1 then assert.is_true(vt[k - 1] <= vt[k]) end
    end
  end)

  it("checks its arguments", function()
    raises("sort: dimension 2 is out of range for a 1-D tensor", function() T { 1 }:sort(2) end)
    raises("sort: descending must be a boolean, got string", function() T { 1 }:sort(1, "yes") end)
  end)
end)

describe("topk", function()
  it("returns the k largest, sorted, with 1-based indices", function()
    local v, i = T { 4, 9, 1, 9, 7 }:topk(3)
    same({ 9, 9, 7 }, v)
    same({ 2, 4, 5 }, i)
  end)

  it("returns the k smallest when largest = false", function()
    local v, i = T { 4, 9, 1, 9, 7 }:topk(2, 1, false)
    same({ 1, 4 }, v)
    same({ 3, 1 }, i)
  end)

  it("works along a dim", function()
    local v, i = T { { 1, 5, 3 }, { 6, 2, 4 } }:topk(1, 1)
    same({ { 6, 5, 4 } }, v)
    same({ { 2, 1, 2 } }, i)
  end)

  it("refuses k beyond the size", function()
    raises("topk: k = 6 is out of range for dimension 1 of size 5", function() T { 1, 2, 3, 4, 5 }:topk(6) end)
    raises("topk: largest must be a boolean, got number", function() T { 1, 2 }:topk(1, 1, 0) end)
  end)
end)

-- Issue 10: BLAS takes int sizes; expanded views make sides above INT_MAX for free.
describe("sizes BLAS cannot take", function()
  it("matmul refuses a matrix side above INT_MAX instead of truncating it", function()
    local one = T.ones(1, 1)
    local tall, wide = one:expand(2 ^ 31 + 1, 1), one:expand(1, 2 ^ 31 + 1)
    collectgarbage()
    local live = wick.memory().live
    assert.matches("linalg_spec.lua:%d+: matmul: shapes %[2147483649,1%] and %[1,1%] are too large for BLAS",
      error_of(function() return tall:matmul(one) end))
    assert.matches("matmul: .* too large for BLAS", error_of(function() return wide:matmul(tall) end))
    assert.matches("matmul: .* too large for BLAS", error_of(function() return one:matmul(wide) end))
    assert.equal(live, wick.memory().live)
  end)

  it("topk and cat check their numbers at the caller's line", function()
    assert.matches("linalg_spec.lua:%d+: topk: k must be an integer >= 0, got 1.5",
      error_of(function() return T.zeros(4):topk(1.5) end))
    assert.matches("linalg_spec.lua:%d+: cat: dimension must be an integer, got 1.5",
      error_of(function() return T.cat({ T.zeros(2), T.zeros(2) }, 1.5) end))
  end)
end)
