-- tensor.lua — Lua-side sugar for wick.Tensor, embedded in the binary: helpers that
-- read better in Lua than in C.
local wick = ...
local tensor = wick.tensor

-- t:t() is the 2-D transpose, as in Torch. (check.lua loads later: looked up per call.)
function tensor.t(x)
  wick._check.tensor("t", "x", x)
  return x:transpose()
end
