-- tensor_reduce_spec.lua — reductions on wick.Tensor: sum mean max min argmax argmin
-- std var norm over everything (a 0-D tensor) or one dimension (1-based, negative from
-- the end, keepdim), on non-contiguous views, empty tensors, NaN, and their errors.
local wick = require "wick"
local helpers = require "spec_helpers"
local T = wick.tensor

local err_of = helpers.err_of


local near = helpers.near

local nan = 0 / 0
local function isnan(v) return v ~= v end

-- m = [[1,2,3],[4,5,6]]
local function m23() return T { { 1, 2, 3 }, { 4, 5, 6 } } end

describe("sum and mean", function()
  it("over everything give a 0-D tensor", function()
    local s = m23():sum()
    assert.equal(0, s:dim())
    assert.equal(21, s:item())
    assert.equal(3.5, m23():mean():item())
  end)

  it("over one dimension, 1-based and negative from the end", function()
    assert.same({ 5, 7, 9 }, m23():sum(1):table())
    assert.same({ 6, 15 }, m23():sum(2):table())
    assert.same({ 6, 15 }, m23():sum(-1):table())
    assert.same({ 5, 7, 9 }, m23():sum(-2):table())
    assert.same({ 2.5, 3.5, 4.5 }, m23():mean(1):table())
    assert.same({ 2, 5 }, m23():mean(2):table())
  end)

  it("keepdim keeps the reduced dimension as size 1", function()
    local s = m23():sum(2, true)
    assert.same({ 2, 1 }, s:shape())
    assert.same({ { 6 }, { 15 } }, s:table())
    assert.same({ 1, 3 }, m23():mean(1, true):shape())
    -- so it broadcasts back: rows minus their mean
    local m = m23()
    assert.same({ { -1, 0, 1 }, { -1, 0, 1 } }, (m - m:mean(2, true)):table())
  end)

  it("accumulate accurately: 2^24 copies of 0.1", function()
    local big = T.full({ 2 ^ 24 }, 0.1)
    local want = 2 ^ 24 * 0.100000001490116119384765625   -- 0.1 as a float, exactly
    assert.near(want, big:sum():item(), want * 1e-7)
    assert.near(0.1, big:mean():item(), 1e-8)
    big:free()
  end)
end)

describe("var and std", function()
  it("are unbiased by default, as in PyTorch", function()
    near({ 3.5 }, m23():var())
    near({ math.sqrt(3.5) }, m23():std())
    assert.same({ 4.5, 4.5, 4.5 }, m23():var(1):table())
    near({ 1, 1 }, m23():std(2))
  end)

  it("take keepdim and unbiased=false", function()
    local v = m23():var(1, true, false)
    assert.same({ 1, 3 }, v:shape())
    near({ { 2.25, 2.25, 2.25 } }, v)
    near({ 17.5 / 6 }, m23():var(nil, false, false))
    near({ 17.5 / 6 }, m23():var(false))
    near({ math.sqrt(17.5 / 6) }, m23():std(false))
  end)

  it("stay accurate when the mean is large against the spread", function()
    near({ 1 }, T { 10000, 10001, 10002 }:var(), 1e-7)
  end)

  it("of one element: unbiased is NaN, biased is 0", function()
    assert.is_true(isnan(T { 5 }:var():item()))
    assert.equal(0, T { 5 }:var(false):item())
  end)
end)

describe("norm", function()
  local x = T { { 3, -4 }, { 0, 12 } }
  it("is the 2-norm by default", function()
    near({ 13 }, x:norm())
    near({ 5, 12 }, x:norm(2, 2))
    near({ { 5 }, { 12 } }, x:norm(2, -1, true))
  end)

  it("takes p = 1, 3, math.huge, -math.huge and 0", function()
    near({ 19 }, x:norm(1))
    near({ 3, 16 }, x:norm(1, 1))
    near({ 1819 ^ (1 / 3) }, x:norm(3))
    assert.equal(12, x:norm(math.huge):item())
    assert.equal(0, x:norm(-math.huge):item())
    assert.equal(3, x:norm(0):item())
  end)

  it("rejects a p that is not a number", function()
    assert.matches("norm: p must be a number", err_of(x.norm, x, "fro"))
  end)
end)

describe("max and min", function()
  local x = T { { 3, 9, 9 }, { -1, 7, 2 } }
  it("without a dim give the 0-D value", function()
    local m = x:max()
    assert.equal(0, m:dim())
    assert.equal(9, m:item())
    assert.equal(-1, x:min():item())
  end)

  it("with a dim give values and 1-based indices", function()
    local v, i = x:max(2)
    assert.same({ 9, 7 }, v:table())
    assert.same({ 2, 2 }, i:table())   -- the first of a tie
    v, i = x:min(1)
    assert.same({ -1, 7, 2 }, v:table())
    assert.same({ 2, 2, 2 }, i:table())
    v, i = x:max(-2, true)
    assert.same({ 1, 3 }, v:shape())
    assert.same({ { 1, 1, 1 } }, i:table())
  end)
end)

describe("argmax and argmin", function()
  local x = T { { 3, 9, 9 }, { -1, 7, 2 } }
  it("with a dim give 1-based indices as a float tensor", function()
    assert.same({ 2, 2 }, x:argmax(2):table())
    assert.same({ 1, 1 }, x:argmin(2):table())
    assert.same({ 1, 1, 1 }, x:argmax(1):table())
    assert.same({ 2, 2, 2 }, x:argmin(1):table())
    assert.same({ { 2 }, { 3 } }, T { { 5, 1, 7 }, { 4, 8, 0 } }:argmin(-1, true):table())
  end)

  it("without a dim give the 1-based flat index in a 0-D tensor", function()
    local i = x:argmax()
    assert.equal(0, i:dim())
    assert.equal(2, i:item())
    assert.equal(4, x:argmin():item())
    -- of a transposed view, counted in the view's own row-major order
    assert.equal(3, x:t():argmax():item())   -- x:t() = {{3,-1},{9,7},{9,2}}
  end)
end)

describe("non-contiguous inputs", function()
  it("transposed, narrowed and expanded views match their copies", function()
    wick.seed(3)
    local m = T.randn(5, 7)
    local views = { m:t(), m:narrow(2, 2, 4), m:narrow(1, 3, 1):expand(4, 7), m:t():narrow(2, 2, 3) }
    for _, v in ipairs(views) do
      local c = v:clone()
      for _, name in ipairs { "sum", "mean", "var", "std", "norm", "max", "min", "argmax", "argmin" } do
        near(c[name](c):table(), v[name](v), 1e-6)
        if name ~= "norm" then
          for d = 1, 2 do near(c[name](c, d):table(), v[name](v, d), 1e-6) end
        end
      end
    end
    -- column sums of m are row sums of its transpose
    near(m:sum(1):table(), m:t():sum(2), 1e-6)
  end)

  it("expanded rows have zero variance", function()
    local e = T { { 1, 2, 3 } }:expand(4, 3)
    assert.same({ 0, 0, 0 }, e:var(1):table())
    assert.same({ 4, 8, 12 }, e:sum(1):table())
  end)
end)

describe("empty tensors", function()
  local e = T.zeros(0, 3)
  it("sum to 0 and average to NaN", function()
    assert.equal(0, e:sum():item())
    assert.same({ 0, 0, 0 }, e:sum(1):table())
    assert.same({ 0 }, e:sum(2):shape())
    assert.is_true(isnan(e:mean():item()))
    assert.is_true(isnan(e:mean(1):get(2)))
    assert.equal(0, e:norm():item())
  end)

  it("have no max, min or argmax: a clear error", function()
    assert.matches("max: cannot take max of an empty tensor of shape %[0,3%]", err_of(e.max, e))
    assert.matches("min: cannot take min over an empty dimension of a tensor of shape %[0,3%]", err_of(e.min, e, 1))
    assert.matches("argmax: cannot take argmax of an empty tensor", err_of(e.argmax, e))
    assert.matches("argmin: cannot take argmin of an empty tensor", err_of(e.argmin, e))
  end)
end)

describe("NaN", function()
  local x = T { { 1, nan, 3 }, { 4, 5, 6 } }
  it("propagates through sums and picks the first NaN for max/min", function()
    assert.is_true(isnan(x:sum():item()))
    local s = x:sum(2)
    assert.is_true(isnan(s:get(1)))
    assert.equal(15, s:get(2))
    assert.is_true(isnan(x:max():item()))
    assert.is_true(isnan(x:min():item()))
    assert.equal(2, x:argmax():item())
    local v, i = x:max(2)
    assert.is_true(isnan(v:get(1)))
    assert.same({ 2, 3 }, i:table())
    assert.is_true(isnan(x:std():item()))
  end)
end)

describe("errors", function()
  local x = m23()
  it("name the function and the dimension", function()
    assert.matches("sum: dimension 3 is out of range for a 2%-D tensor", err_of(x.sum, x, 3))
    assert.matches("max: dimension %-3 is out of range for a 2%-D tensor", err_of(x.max, x, -3))
    assert.matches("mean: dimension must be a number, got string", err_of(x.mean, x, "rows"))
    assert.matches("argmax: dimension 1 is out of range for a 0%-D tensor", err_of(T(1).argmax, T(1), 1))
    assert.matches("wick.Tensor expected, got table", err_of(T.sum, {}))
  end)

  it("leave the sketch's own file and line", function()
    assert.matches("tensor_reduce_spec.lua:%d+: sum: dimension 5", err_of(function() return x:sum(5) end))
  end)

  it("refuse a flag that is not a boolean (7 used to read as true)", function()
    assert.matches("tensor_reduce_spec.lua:%d+: std: unbiased must be a boolean, got number",
      err_of(function() local _ = x:std(1, false, 7) end))
    assert.matches("sum: keepdim must be a boolean, got string", err_of(x.sum, x, 1, "yes"))
    assert.matches("norm: keepdim must be a boolean, got number", err_of(x.norm, x, 2, 1, 1))
    assert.same({ 2, 1 }, x:std(2, true, true):shape())
    assert.same({ 2, 1 }, x:var(2, true, nil):shape())
  end)
end)

-- Issue 10: dimension arguments are checked at the caller's line, with the public name.
describe("bad dimensions", function()
  it("name the function and point at the sketch", function()
    local x = T.zeros(2, 3)
    assert.matches("reduce_spec.lua:%d+: sum: dimension must be an integer, got 1.5",
      err_of(function() return x:sum(1.5) end))
    assert.matches("reduce_spec.lua:%d+: max: dimension %-9223372036854775808 is out of range for a 2%-D tensor",
      err_of(function() return x:max(math.mininteger) end))
  end)
end)
