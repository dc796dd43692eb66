-- tensor_slerp_spec.lua — T.slerp / a:slerp, the spherical interpolation the GAN walks use:
-- the ends are a and b, equal-norm vectors keep their norm, the angle between consecutive
-- frames is constant (constant angular speed), parallel vectors fall back to the straight
-- line, a 1-D t stacks the results, and the errors for mismatched shapes, zero vectors,
-- NaN and infinity.
local wick = require "wick"
local helpers = require "spec_helpers"
local T = wick.tensor

local function angle(u, v)
  local fu, fv = u:reshape(-1), v:reshape(-1)
  local c = fu:dot(fv):item() / (fu:norm():item() * fv:norm():item())
  return math.acos(math.max(-1, math.min(1, c)))
end

describe("slerp", function()
  it("starts at a and ends at b, for a number t and for a tensor of fractions", function()
    wick.seed(3)
    local a, b = T.randn(2, 5), T.randn(2, 5)
    helpers.near(a:table(), T.slerp(a, b, 0), 1e-5)
    helpers.near(b:table(), a:slerp(b, 1), 1e-5)
    local walk = a:slerp(b, T { 0, 0.5, 1 })
    assert.same({ 3, 2, 5 }, walk:shape())
    helpers.near(a:table(), walk[1], 1e-5)
    helpers.near(b:table(), walk[3], 1e-5)
  end)

  it("turns a quarter circle at constant speed: 45 degrees at the middle of orthogonal unit vectors", function()
    local mid = T.slerp(T { 1, 0 }, T { 0, 1 }, 0.5)
    helpers.near({ math.sqrt(0.5), math.sqrt(0.5) }, mid, 1e-6)
    local third = T.slerp(T { 1, 0 }, T { 0, 1 }, 1 / 3)
    helpers.near({ math.cos(math.pi / 6), math.sin(math.pi / 6) }, third, 1e-6)
  end)

  it("keeps the norm of equal-norm vectors all along (a straight line would shrink it)", function()
    wick.seed(4)
    local a = T.randn(100)
    local b = T.randn(100)
    b = b * (a:norm():item() / b:norm():item())
    local n = a:norm():item()
    local walk = T.slerp(a, b, T.linspace(0, 1, 9))
    for i = 1, 9 do
      assert.is_true(math.abs(walk[i]:norm():item() - n) < 1e-4 * n, "frame " .. i .. " changed the norm")
    end
    local line = a * 0.5 + b * 0.5
    assert.is_true(line:norm():item() < 0.9 * n, "the chord's middle is shorter: the test would not tell them apart")
  end)

  it("moves at constant angular speed: the angle between consecutive frames is the same", function()
    wick.seed(5)
    local a, b = T.randn(64), T.randn(64)
    b = b * (a:norm():item() / b:norm():item())   -- equal norms: the arc is a circle's
    local walk = T.slerp(a, b, T.linspace(0, 1, 11))
    local first = angle(walk[1], walk[2])
    assert.is_true(first > 0.05, "the frames should differ")
    for i = 2, 10 do
      assert.is_true(math.abs(angle(walk[i], walk[i + 1]) - first) < 2e-3,
        ("step %d turns %.5f, the first %.5f"):format(i, angle(walk[i], walk[i + 1]), first))
    end
    assert.is_true(math.abs(10 * first - angle(a, b)) < 1e-2, "the steps add up to the whole angle")
  end)

  it("falls back to the straight line for parallel vectors (no 0/0)", function()
    local r = T.slerp(T { 1, 2, 3 }, T { 2, 4, 6 }, 0.25)
    helpers.near({ 1.25, 2.5, 3.75 }, r, 1e-6)
    local walk = T.slerp(T { 1, 0 }, T { 3, 0 }, T { 0, 0.5, 1 })
    helpers.near({ { 1, 0 }, { 2, 0 }, { 3, 0 } }, walk, 1e-6)
  end)

  it("refuses mismatched shapes, zero vectors, NaN, infinity and a bad t, naming slerp", function()
    helpers.error_containing("slerp: a and b must have the same shape, got 2 and 3", T.slerp, T { 1, 0 },
      T { 1, 0, 0 }, 0.5)
    helpers.error_containing("same shape, got 2×3 and 3×2", T.slerp, T.ones(2, 3), T.ones(3, 2), 0.5)
    helpers.error_containing("slerp: a is a zero vector", T.slerp, T { 0, 0 }, T { 1, 0 }, 0.5)
    helpers.error_containing("slerp: b holds NaN or infinite values", T.slerp, T { 1, 0 }, T { 0 / 0, 1 }, 0.5)
    helpers.error_containing("slerp: a holds NaN or infinite values", T.slerp, T { math.huge, 0 }, T { 0, 1 }, 0.5)
    helpers.error_containing("slerp: t must be a finite number", T.slerp, T { 1, 0 }, T { 0, 1 }, 0 / 0)
    helpers.error_containing("slerp: t must be a number or a 1-D tensor", T.slerp, T { 1, 0 }, T { 0, 1 },
      T { { 0.5 } })
    helpers.error_containing("slerp: t holds NaN", T.slerp, T { 1, 0 }, T { 0, 1 }, T { 0.5, 0 / 0 })
    helpers.error_matching("slerp.*b", T.slerp, T { 1, 0 }, "b", 0.5)
  end)
end)
