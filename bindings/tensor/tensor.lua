-- tensor.lua — Lua-side sugar for wick.Tensor, embedded in the binary: helpers that
-- read better in Lua than in C.
local wick = ...
local tensor = wick.tensor

-- t:t() is the 2-D transpose, as in Torch. (check.lua loads later: looked up per call.)
function tensor.t(x)
  wick._check.tensor("t", "x", x)
  return x:transpose()
end

-- ---- slerp ------------------------------------------------------------------------------
-- T.slerp(a, b, t) / a:slerp(b, t): spherical interpolation (Shoemake 1985) between two
-- same-shaped tensors taken as flat vectors — the way to walk between two latent vectors
-- of a GAN or VAE: a straight line between two gaussian samples cuts through the
-- low-density middle of the ball (its points are shorter than either end), the arc keeps
-- to the shell where the generator saw its training vectors. With ω the angle between a
-- and b (from their normalised dot product):
--   slerp(a, b, t) = sin((1 − t)ω) / sin ω · a + sin(tω) / sin ω · b
-- Nearly parallel (or opposite) vectors, where sin ω vanishes, fall back to the straight
-- line (1 − t)·a + t·b. t is a number (→ a's shape) or a 1-D tensor of k fractions (→ k ×
-- a's shape, one result per fraction). The trigonometry is in Lua's doubles.
do
  local PARALLEL = 1e-4   -- sin ω below this: the arc and the line differ by less than float32 resolves

  function tensor.slerp(a, b, t)
    local check = wick._check
    check.tensor("slerp", "a", a)
    check.tensor("slerp", "b", b)
    local sa, sb = a:shape(), b:shape()
    if table.concat(sa, "×") ~= table.concat(sb, "×") or a:dim() ~= b:dim() then
      local function show(x, s) return x:dim() == 0 and "a 0-D tensor" or table.concat(s, "×") end
      wick._raise(("slerp: a and b must have the same shape, got %s and %s"):format(show(a, sa), show(b, sb)))
    end
    if a:numel() == 0 then wick._raise("slerp: a and b are empty") end
    local fractions
    if tensor.is_tensor(t) then
      if t:dim() ~= 1 then
        wick._raise(("slerp: t must be a number or a 1-D tensor of fractions, got a %d-D tensor"):format(t:dim()))
      end
      if t:numel() == 0 then wick._raise("slerp: t is an empty tensor") end
      check.finite_tensor("slerp", "t", t)
      fractions = t
    else
      check.number("slerp", "t", t)   -- refuses NaN and infinity too
    end
    check.finite_tensor("slerp", "a", a)
    check.finite_tensor("slerp", "b", b)
    local fa, fb = a:reshape(-1), b:reshape(-1)
    local na, nb = fa:norm():item(), fb:norm():item()
    if na == 0 or nb == 0 then
      wick._raise(("slerp: %s is a zero vector: it has no direction to turn from"):format(na == 0 and "a" or "b"))
    end
    local cos = math.max(-1, math.min(1, fa:dot(fb):item() / (na * nb)))
    local omega = math.acos(cos)
    local s = math.sin(omega)
    local function weights(f)
      if s < PARALLEL then return 1 - f, f end
      return math.sin((1 - f) * omega) / s, math.sin(f * omega) / s
    end
    if not fractions then
      local wa, wb = weights(t)
      return a * wa + b * wb
    end
    local k, wa, wb = fractions:size(1), {}, {}
    for i, f in ipairs(fractions:table()) do wa[i], wb[i] = weights(f) end
    local rows = tensor(wa):view(k, 1) * fa:view(1, -1) + tensor(wb):view(k, 1) * fb:view(1, -1)
    local shape = { k }
    for i, d in ipairs(sa) do shape[i + 1] = d end
    return rows:reshape(table.unpack(shape))
  end
end
