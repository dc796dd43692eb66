-- spec_helpers.lua — assertions several specs share: the error a call raises, and
-- element-wise comparison of a tensor with a nested table within a tolerance.
-- (tests/busted_runner.lua puts tests/ on package.path: `require "spec_helpers"`.)
local assert = require "luassert"

local helpers = {}

-- The message of the error fn(...) raises; fails the test if it raises none.
function helpers.err_of(fn, ...)
  local ok, e = pcall(fn, ...)
  assert.is_false(ok, "expected an error")
  return tostring(e)
end

-- A nested table (or a number) as a flat list.
function helpers.flat(t, out)
  out = out or {}
  if type(t) ~= "table" then
    out[#out + 1] = t
  else
    for _, v in ipairs(t) do helpers.flat(v, out) end
  end
  return out
end

-- Tensor x equals the nested table want within a relative tol (NaN matches NaN).
function helpers.near(want, x, tol)
  tol = tol or 1e-6
  local w, g = helpers.flat(want), helpers.flat(x:table())
  assert.equal(#w, #g, "element count")
  for i = 1, #w do
    if w[i] ~= w[i] then
      assert.is_true(g[i] ~= g[i], ("element %d: expected NaN, got %s"):format(i, tostring(g[i])))
    else
      assert.is_true(math.abs(g[i] - w[i]) <= tol * (1 + math.abs(w[i])),
        ("element %d: expected %.9g, got %.9g"):format(i, w[i], g[i]))
    end
  end
end

return helpers
