-- tensor_math_spec.lua — elementwise wick.Tensor maths: arithmetic methods and
-- operators with broadcasting, in-place forms, unary functions, clamp, comparisons,
-- where, < / <= on one-element tensors, non-contiguous inputs, NaN, and the errors
-- for bad shapes and types.
local wick = require "wick"
local helpers = require "spec_helpers"
local T = wick.tensor

local err_of = helpers.err_of


local near = helpers.near

local nan = 0 / 0

describe("arithmetic", function()
  local a, b
  before_each(function()
    a = T { { 1, 2 }, { 3, 4 } }
    b = T { { 10, 20 }, { -2, 0.5 } }
  end)

  it("add sub mul div pow with a tensor", function()
    assert.same({ { 11, 22 }, { 1, 4.5 } }, a:add(b):table())
    assert.same({ { -9, -18 }, { 5, 3.5 } }, a:sub(b):table())
    assert.same({ { 10, 40 }, { -6, 2 } }, a:mul(b):table())
    assert.same({ { 0.5, 0.5 }, { -1.5, 8 } }, a:div(T { { 2, 4 }, { -2, 0.5 } }):table())
    assert.same({ { 1, 8 }, { 9, 2 } }, a:pow(T { { 5, 3 }, { 2, 0.5 } }):table())
  end)

  it("add sub mul div pow with a number", function()
    assert.same({ { 2, 3 }, { 4, 5 } }, a:add(1):table())
    assert.same({ { 0, 1 }, { 2, 3 } }, a:sub(1):table())
    assert.same({ { 3, 6 }, { 9, 12 } }, a:mul(3):table())
    assert.same({ { 0.5, 1 }, { 1.5, 2 } }, a:div(2):table())
    assert.same({ { 1, 4 }, { 9, 16 } }, a:pow(2):table())
    near({ { 1, 2 ^ 0.5 }, { 3 ^ 0.5, 2 } }, a:pow(0.5))
  end)

  it("operators take a number on either side", function()
    assert.same({ { 2, 3 }, { 4, 5 } }, (a + 1):table())
    assert.same({ { 2, 3 }, { 4, 5 } }, (1 + a):table())
    assert.same({ { 1, 0 }, { -1, -2 } }, (2 - a):table())
    assert.same({ { 0, 1 }, { 2, 3 } }, (a - 1):table())
    assert.same({ { 0.5, 1 }, { 1.5, 2 } }, (a / 2):table())
    assert.same({ { 1, 0.5 }, { 0.25, 0.125 } }, (1 / T { { 1, 2 }, { 4, 8 } }):table())
    assert.same({ { 2, 4 }, { 6, 8 } }, (2 * a):table())
    assert.same({ { 1, 4 }, { 9, 16 } }, (a ^ 2):table())
    assert.same({ { 2, 4 }, { 8, 16 } }, (2 ^ a):table())
    assert.same({ { -1, -2 }, { -3, -4 } }, (-a):table())
    assert.same({ { 11, 22 }, { 1, 4.5 } }, (a + b):table())
    assert.same({ { 10, 40 }, { -6, 2 } }, (a * b):table())
  end)

  it("returns new tensors and leaves the operands alone", function()
    local c = a + b
    assert.is_false(rawequal(c, a))
    assert.same({ { 1, 2 }, { 3, 4 } }, a:table())
    assert.same({ { 10, 20 }, { -2, 0.5 } }, b:table())
  end)

  it("divides by zero to inf and NaN as IEEE says", function()
    local r = T { 1, -1, 0 } / 0
    assert.equal(math.huge, r:get(1))
    assert.equal(-math.huge, r:get(2))
    assert.is_true(r:get(3) ~= r:get(3))
  end)
end)

describe("broadcasting", function()
  it("[3,1] + [1,4] gives [3,4]", function()
    local c = T { { 1 }, { 2 }, { 3 } } + T { { 10, 20, 30, 40 } }
    assert.same({ { 11, 21, 31, 41 }, { 12, 22, 32, 42 }, { 13, 23, 33, 43 } }, c:table())
  end)

  it("[2,1,4] + [3,1] gives [2,3,4]", function()
    local a = T.arange(8):reshape(2, 1, 4)
    local c = a:add(T { { 100 }, { 200 }, { 300 } })
    assert.same({ 2, 3, 4 }, c:shape())
    assert.equal(308, c:get(2, 3, 4))
    assert.equal(201, c:get(1, 2, 1))
  end)

  it("a row against every row, a 0-D tensor against anything", function()
    assert.same({ { 2, 4 }, { 4, 6 } }, (T { { 1, 2 }, { 3, 4 } } + T { 1, 2 }):table())
    assert.same({ { 5, 6 }, { 7, 8 } }, (T(4) + T { { 1, 2 }, { 3, 4 } }):table())
    local s = T(2) * T(3)
    assert.equal(0, s:dim())
    assert.equal(6, s:item())
  end)

  it("keeps zero-size dimensions", function()
    assert.same({ 0, 3 }, (T.zeros(0, 3) + T { 1, 2, 3 }):shape())
    assert.same({ 2, 0 }, (T.zeros(2, 0) * T.ones(2, 1)):shape())
  end)

  it("names the function and both shapes when it cannot", function()
    local e = err_of(function() return T.zeros(3, 4) + T.zeros(5) end)
    assert.matches("add: shapes %[3,4%] and %[5%] cannot be broadcast together", e)
    assert.matches("tensor_math_spec.lua:%d+:", e)   -- the sketch's own line
    assert.matches("mul: shapes %[2,3%] and %[3,2%] cannot be broadcast together",
      err_of(T.mul, T.zeros(2, 3), T.zeros(3, 2)))
    assert.matches("sub: shapes %[2%] and %[3%]", err_of(function() return T.zeros(2) - T.zeros(3) end))
    assert.matches("gt: shapes %[2%] and %[3%]", err_of(T.gt, T.zeros(2), T.zeros(3)))
  end)
end)

describe("in-place forms", function()
  it("return self and change it", function()
    local a = T { 1, 2, 3 }
    assert.is_true(rawequal(a, a:add_(1)))
    assert.same({ 2, 3, 4 }, a:table())
    assert.is_true(rawequal(a, a:mul_(T { 1, 0, -1 })))
    assert.same({ 2, 0, -4 }, a:table())
    a:sub_(T { 2 }):div_(2)
    assert.same({ 0, -1, -3 }, a:table())
    a:pow_(2)
    assert.same({ 0, 1, 9 }, a:table())
  end)

  it("write through views into the shared storage", function()
    local m = T { { 1, 2, 3 }, { 4, 5, 6 } }
    m:select(1, 2):add_(10)                    -- second row
    assert.same({ { 1, 2, 3 }, { 14, 15, 16 } }, m:table())
    m:t():narrow(1, 3, 1):mul_(0)              -- third column, through a transpose
    assert.same({ { 1, 2, 0 }, { 14, 15, 0 } }, m:table())
    m:narrow(2, 1, 2):exp_():log_()
    near({ { 1, 2, 0 }, { 14, 15, 0 } }, m)
  end)

  it("broadcast the other operand into self's shape", function()
    local m = T.zeros(2, 3)
    m:add_(T { 1, 2, 3 })
    m:add_(T { { 10 }, { 20 } })
    assert.same({ { 11, 12, 13 }, { 21, 22, 23 } }, m:table())
  end)

  it("refuse to change self's shape", function()
    local col = T { { 1 }, { 2 } }
    local e = err_of(col.add_, col, T { 1, 2, 3 })
    assert.matches("add_: shapes %[2,1%] and %[3%] broadcast to %[2,3%]", e)
    assert.matches("which is not the in%-place tensor's shape %[2,1%]", e)
    assert.same({ { 1 }, { 2 } }, col:table())
  end)

  it("refuse an expanded target, which would write one element twice", function()
    local e = T { { 1, 2 } }:expand(3, 2)
    assert.matches("add_: cannot write in place into an expanded tensor", err_of(e.add_, e, 1))
    assert.matches("exp_: cannot write in place into an expanded tensor", err_of(e.exp_, e))
  end)

  it("read an overlapping operand before writing (x[2..] += x[..n-1])", function()
    local x = T { 1, 2, 3, 4, 5 }
    x:narrow(1, 2, 4):add_(x:narrow(1, 1, 4))
    assert.same({ 1, 3, 5, 7, 9 }, x:table())
    local m = T { { 1, 2 }, { 3, 4 } }
    m:add_(m:t())
    assert.same({ { 2, 5 }, { 5, 8 } }, m:table())
    x:mul_(x)
    assert.same({ 1, 9, 25, 49, 81 }, x:table())
  end)
end)

describe("non-contiguous inputs", function()
  it("transposed, narrowed and expanded views give the same answers as copies", function()
    wick.seed(5)
    local m = T.randn(4, 6)
    local views = {
      m:t(), m:narrow(2, 2, 3), m:narrow(1, 2, 1):expand(5, 6), m:t():narrow(1, 1, 4),
    }
    for _, v in ipairs(views) do
      local c = v:clone()
      assert.same((c * 2 + 1):table(), (v * 2 + 1):table())
      assert.same(c:exp():table(), v:exp():table())
      assert.same((c * c):table(), (v * v):table())
      assert.same(c:gt(0):table(), v:gt(0):table())
      assert.same(c:clamp(-0.5, 0.5):table(), v:clamp(-0.5, 0.5):table())
    end
    -- transposed plus contiguous: the sum of a matrix and its transpose is symmetric
    local s = T.randn(5, 5)
    local sym = s + s:t()
    assert.same(sym:table(), sym:t():contiguous():table())
  end)
end)

describe("unary functions", function()
  local x = T { -2, -0.5, 0, 1.5, 4 }
  local cases = {
    exp = math.exp, sin = math.sin, cos = math.cos, abs = math.abs, floor = math.floor,
    tanh = function(v) return (math.exp(v) - math.exp(-v)) / (math.exp(v) + math.exp(-v)) end,
    sigmoid = function(v) return 1 / (1 + math.exp(-v)) end,
    relu = function(v) return v > 0 and v or 0 end,
    neg = function(v) return -v end,
  }
  for name, f in pairs(cases) do
    it(name .. " and " .. name .. "_", function()
      local want = {}
      for i, v in ipairs(x:table()) do want[i] = f(v) end
      near(want, x[name](x))
      local y = x:clone()
      assert.is_true(rawequal(y, y[name .. "_"](y)))
      near(want, y)
      assert.same({ -2, -0.5, 0, 1.5, 4 }, x:table())   -- the allocating form left x alone
    end)
  end

  it("log and sqrt, with NaN and -inf outside their domain", function()
    local p = T { 1, 4, 0.25 }
    near({ 0, math.log(4), math.log(0.25) }, p:log())
    assert.same({ 1, 2, 0.5 }, p:sqrt():table())
    local bad = T { -1, 0 }
    assert.is_true(bad:log():get(1) ~= bad:log():get(1))
    assert.equal(-math.huge, bad:log():get(2))
    assert.is_true(bad:sqrt():get(1) ~= bad:sqrt():get(1))
    p:sqrt_()
    assert.same({ 1, 2, 0.5 }, p:table())
  end)

  it("floor rounds toward -inf", function()
    assert.same({ -2, -1, 0, 1 }, T { -1.5, -0.5, 0.5, 1.5 }:floor():table())
  end)

  it("sigmoid stays finite and exact at the extremes", function()
    local s = T { -1000, -80, 0, 100, 1000, -100 }:sigmoid()
    assert.equal(0, s:get(1))
    assert.is_true(math.abs(s:get(2) / math.exp(-80) - 1) < 1e-5)   -- 1.8e-35, still a normal float
    assert.equal(0.5, s:get(3))
    assert.equal(1, s:get(4))
    assert.equal(1, s:get(5))
    assert.equal(0, s:get(6))   -- 3.7e-44 would be subnormal: flushed (see "subnormal numbers")
  end)

  it("exp overflows to inf and underflows to 0", function()
    local e = T { 100, -200, math.huge, -math.huge }:exp()
    assert.same({ math.huge, 0, math.huge, 0 }, e:table())
  end)
end)

describe("clamp", function()
  local x = T { -3, 0, 2, 9 }
  it("between two bounds, or one when the other is nil", function()
    assert.same({ -1, 0, 2, 5 }, x:clamp(-1, 5):table())
    assert.same({ -3, 0, 1, 1 }, x:clamp(nil, 1):table())
    assert.same({ 0, 0, 2, 9 }, x:clamp(0):table())
    assert.same({ -3, 0, 2, 9 }, x:clamp():table())
  end)

  it("in place returns self", function()
    local y = x:clone()
    assert.is_true(rawequal(y, y:clamp_(0, 3)))
    assert.same({ 0, 0, 2, 3 }, y:table())
  end)

  it("rejects reversed and non-number bounds", function()
    assert.matches("clamp: lower bound 5 is greater than upper bound 1", err_of(x.clamp, x, 5, 1))
    assert.matches("clamp: lower bound must be a number or nil, got string", err_of(x.clamp, x, "a"))
  end)
end)

describe("comparisons", function()
  local x = T { 1, 2, 3 }
  it("with a number give 0/1 tensors", function()
    assert.same({ 0, 1, 0 }, x:eq(2):table())
    assert.same({ 1, 0, 1 }, x:ne(2):table())
    assert.same({ 1, 0, 0 }, x:lt(2):table())
    assert.same({ 1, 1, 0 }, x:le(2):table())
    assert.same({ 0, 0, 1 }, x:gt(2):table())
    assert.same({ 0, 1, 1 }, x:ge(2):table())
  end)

  it("with a tensor, broadcasting", function()
    assert.same({ 1, 0, 1 }, x:eq(T { 1, 5, 3 }):table())
    assert.same({ { 0, 1, 1 }, { 0, 0, 1 } }, x:gt(T { { 1 }, { 2 } }):table())
  end)

  it("NaN is unequal to everything, itself included", function()
    local n = T { nan, 1 }
    assert.same({ 0, 0 }, n:eq(T { nan, 2 }):table())
    assert.same({ 1, 1 }, n:ne(T { nan, 2 }):table())
    assert.same({ 0, 1 }, n:ge(1):table())
  end)

  it("compose with reductions, as in an accuracy line", function()
    local scores = T { { 0.1, 0.9 }, { 0.8, 0.2 }, { 0.3, 0.7 } }
    local labels = T { 2, 1, 1 }
    assert.near(2 / 3, scores:argmax(2):eq(labels):mean():item(), 1e-7)
  end)
end)

describe("where", function()
  it("picks a where cond is nonzero, else b", function()
    local c = T { 1, 0, 2, 0 }
    assert.same({ 10, 0, 30, 0 }, T.where(c, T { 10, 20, 30, 40 }, T.zeros(4)):table())
  end)

  it("takes numbers and broadcasts all three", function()
    local x = T { { -1, 2 }, { 3, -4 } }
    assert.same({ { 0, 2 }, { 3, 0 } }, T.where(x:gt(0), x, 0):table())
    assert.same({ { 1, 1, 1 }, { -1, -1, -1 } }, T.where(T { { 1 }, { 0 } }, 1, T { -1, -1, -1 }):table())
    assert.same({ 3 }, T.where(T { 1, 0, 1 }, 5, 6):shape())
  end)

  it("errors name all three shapes, and bad types", function()
    assert.matches("where: shapes %[2%], %[3%] and %[1%] cannot be broadcast together",
      err_of(T.where, T.zeros(2), T.zeros(3), T.zeros(1)))
    assert.matches("where: expected a tensor or a number, got string", err_of(T.where, T.zeros(2), "a", 1))
  end)
end)

describe("< and <= on tensors", function()
  it("compare one-element tensors as numbers, on either side", function()
    local t = T { 1, 2, -5 }
    assert.is_true(t:sum() < 0)
    assert.is_false(t:sum() > 0)
    assert.is_true(t:max() >= 2)
    assert.is_true(t:max() <= 2)
    assert.is_true(0 < t:max())
    assert.is_true(T { 3 } > T { { 2 } })
    local branch = (t:sum() > 0) and "positive" or "not"
    assert.equal("not", branch)
  end)

  it("refuse bigger tensors and point to the elementwise methods", function()
    local t = T { 1, 2 }
    assert.matches("use :lt%(%) for elementwise comparison", err_of(function() return t < 1 end))
    assert.matches("use :lt%(%) for elementwise comparison", err_of(function() return 1 > t end))
    assert.matches("use :le%(%) for elementwise comparison", err_of(function() return t <= t end))
    assert.matches("shape %[2%]", err_of(function() return t >= 0 end))
  end)

  it("refuse other values with wick's message at the caller's line, not Lua's", function()
    local t, none = T { 1 }, nil
    assert.matches("tensor_math_spec%.lua:%d+: cannot compare a tensor with a nil value by < or >",
      err_of(function() return none < t end))
    assert.matches("cannot compare a tensor with a string value by <= or >=", err_of(function() return t <= "x" end))
  end)
end)

describe("bad operands", function()
  local t = T { 1, 2 }
  it("name the function and the type", function()
    assert.matches("add: expected a tensor or a number, got string", err_of(t.add, t, "x"))
    assert.matches("add: expected a tensor or a number, got table", err_of(function() return t + {} end))
    assert.matches("mul: expected a tensor or a number, got table", err_of(function() return {} * t end))
    assert.matches("pow_: expected a tensor or a number, got nil", err_of(t.pow_, t, nil))
    assert.matches("eq: expected a tensor or a number, got boolean", err_of(t.eq, t, true))
    assert.matches("wick.Tensor expected, got number", err_of(T.exp, 3))
  end)

  it("refuse freed tensors", function()
    local f = T { 1 }
    f:free()
    assert.matches("attempt to use a freed tensor", err_of(function() return t + f end))
    assert.matches("attempt to use a freed tensor", err_of(f.exp, f))
  end)
end)

describe("NaN", function()
  it("propagates through arithmetic and unary functions", function()
    local x = T { nan, 1 }
    local results = { x + 1, x * 0, x - x, x / 2, x ^ 2, x:exp(), x:abs(), x:relu(), x:sigmoid(), x:tanh(),
      x:floor(), x:clamp(0, 1), x:sin(), x:log(), x:sqrt() }
    for _, r in ipairs(results) do
      assert.is_true(r:get(1) ~= r:get(1))
      assert.is_true(r:get(2) == r:get(2))
    end
  end)
end)

describe("memory", function()
  it("temporaries in a loop are collected without collectgarbage()", function()
    local x = T.zeros(1024, 1024)   -- 4 MiB
    local before = wick.memory().live
    for _ = 1, 200 do x = x + 1 end   -- 800 MiB of garbage if never collected
    assert.equal(200, x:get(1, 1))
    assert.is_true(wick.memory().live - before < 256 * 2 ^ 20)
  end)
end)

-- Issue 10: a broadcast result obeys wick's 2^40-element limit (checked before any
-- allocation; without the check the shape's product would wrap int64).
describe("broadcasting beyond the limit", function()
  it("is refused with the shape it would have", function()
    local a, b = T.ones(1, 1):expand(2 ^ 30, 1), T.ones(1, 1):expand(1, 2 ^ 30)
    assert.matches("math_spec.lua:%d+: mul: shape %[1073741824,1073741824%] has .* more than wick's limit of 2%^40",
      err_of(function() return a * b end))
    local huge = T.ones(1, 1, 1):expand(2 ^ 20, 2 ^ 20, 1)
    assert.matches("where: shape .* more than wick's limit", err_of(function() return T.where(huge, 1, b) end))
  end)

  it("in-place ops into an expanded view are refused, not repeated 2^40 times", function()
    local e = T.ones(1, 4):expand(2 ^ 38, 4)
    assert.matches("add_: cannot write in place into an expanded tensor", err_of(function() return e:add_(1) end))
  end)
end)

-- lib/core/cpu.h: subnormal floats cost about a hundred cycles an operation, and a
-- training drifts into them (an MNIST autoencoder's epochs slowed by half), so wick reads
-- and writes them as zero, on the calling thread and on the pool's.
describe("subnormal numbers", function()
  it("are flushed to zero on every thread, and the smallest normal floats are kept", function()
    local was = wick.threads()
    for _, n in ipairs({ 1, 2 }) do
      wick.threads(n)
      local tiny = T.full({ 1 << 20 }, 1e-30) * 1e-10   -- 1e-40 would be subnormal
      assert.equal(0, tiny:abs():max():item())
      local small = T.full({ 1 << 20 }, 1e-30) * 1e-7   -- 1e-37 is a normal float
      assert.is_true(math.abs(small:min():item() - 1e-37) < 1e-42)
    end
    wick.threads(was)
    assert.equal(0, T { 1e-39 }:item())   -- stored as zero
  end)
end)
