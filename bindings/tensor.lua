-- tensor.lua — Lua-side sugar for wick.Tensor, embedded in the binary: helpers that
-- read better in Lua than in C.
local wick = ...
local tensor = wick.tensor

-- t:t() is the 2-D transpose, as in Torch.
function tensor.t(x) return x:transpose() end
