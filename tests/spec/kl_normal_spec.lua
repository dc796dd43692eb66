-- kl_normal_spec.lua — wick.nn.F.kl_normal, the variational autoencoder's KL term:
-- its value against the closed form evaluated in Lua's doubles for each reduction, its
-- gradients against finite differences, the reparameterised gradient through
-- z = mu + exp(logvar/2)·eps against the hand-derived one, and its errors.
local wick = require "wick"
local helpers = require "spec_helpers"
local T, F, A = wick.tensor, wick.nn.F, wick.autograd

local err_of = helpers.err_of

-- the closed form per row, in doubles: ½ Σ_j (mu² + e^logvar − logvar − 1)
local function by_hand(mu, logvar)
  local rows = {}
  for i = 1, mu:size(1) do
    local s = 0
    for j = 1, mu:size(2) do
      local m, l = mu[i][j], logvar[i][j]
      s = s + 0.5 * (m * m + math.exp(l) - l - 1)
    end
    rows[i] = s
  end
  return rows
end

describe("wick.nn.F.kl_normal", function()
  it("equals the closed form: summed over the latent dim, averaged over the batch by default", function()
    local mu, logvar = T.randn(5, 3) * 2, T.randn(5, 3)
    local rows = by_hand(mu, logvar)
    local total = 0
    for _, r in ipairs(rows) do total = total + r end
    assert.near(total / 5, F.kl_normal(mu, logvar):item(), 1e-4 * math.abs(total))
    assert.near(total, F.kl_normal(mu, logvar, "sum"):item(), 1e-4 * math.abs(total))
    local none = F.kl_normal(mu, logvar, "none")
    assert.same({ 5 }, none:shape())
    for i = 1, 5 do assert.near(rows[i], none[i], 1e-4 * math.abs(rows[i]) + 1e-6) end
  end)

  it("is 0 for N(0, 1) itself, positive for anything else, and takes one sample as a vector", function()
    assert.near(0, F.kl_normal(T.zeros(4, 2), T.zeros(4, 2)):item(), 1e-7)
    assert.is_true(F.kl_normal(T { { 0.1, 0 } }, T { { 0, 0 } }):item() > 0)
    assert.is_true(F.kl_normal(T { { 0, 0 } }, T { { 0, -0.2 } }):item() > 0)
    local mu, logvar = T.randn(4), T.randn(4)
    assert.near(F.kl_normal(mu:view(1, 4), logvar:view(1, 4)):item(), F.kl_normal(mu, logvar):item(), 1e-6)
  end)

  it("has the gradients finite differences give, in mu and logvar, for each reduction", function()
    for _, reduction in ipairs { "mean", "sum", "none" } do
      local ok, worst, msg = A.gradcheck(function(mu, logvar) return F.kl_normal(mu, logvar, reduction) end,
        { T.randn(4, 3):requires_grad(), T.randn(4, 3):requires_grad() })
      assert.is_true(ok, ("%s: worst relative error %.3g at %s"):format(reduction, worst, msg))
    end
  end)

  it("gives the reparameterised gradient: z = mu + exp(logvar/2)·eps with eps fixed", function()
    -- loss = Σ w·z + KL summed: d/dmu = w + mu, d/dlogvar = ½ w·eps·exp(logvar/2) + ½ (exp(logvar) − 1)
    local mu, logvar = T.randn(3, 2):requires_grad(), (T.randn(3, 2) * 0.5):requires_grad()
    local eps, w = T.randn(3, 2), T.randn(3, 2)
    local z = mu + (logvar * 0.5):exp() * eps
    local loss = (z * w):sum() + F.kl_normal(mu, logvar, "sum")
    loss:backward()
    for i = 1, 3 do
      for j = 1, 2 do
        local m, l, e, wij = mu[i][j], logvar[i][j], eps[i][j], w[i][j]
        assert.near(wij + m, mu.grad[i][j], 1e-5)
        assert.near(0.5 * wij * e * math.exp(l / 2) + 0.5 * (math.exp(l) - 1), logvar.grad[i][j], 1e-5)
      end
    end
  end)

  it("refuses mismatched shapes, non-tensors, NaN, other ranks and unknown reductions, naming itself", function()
    local mu = T.randn(4, 2)
    assert.matches("kl_normal: mu %[4,2%] and logvar %[4,3%] must have the same shape",
      err_of(F.kl_normal, mu, T.randn(4, 3)))
    assert.matches("kl_normal: mu must be a tensor, got 1", err_of(F.kl_normal, 1, mu))
    assert.matches("kl_normal: logvar must be a tensor, got nil", err_of(F.kl_normal, mu))
    assert.matches("kl_normal: logvar holds NaN or infinite values", err_of(F.kl_normal, mu, T { { 0, 0 / 0 },
      { 0, 0 }, { 0, 0 }, { 0, 0 } }))
    assert.matches("kl_normal: mu holds NaN", err_of(F.kl_normal, T.full({ 4, 2 }, math.huge), mu))
    assert.matches("kl_normal: mu must be N×D %(or D%), got %[2,2,2%]", err_of(F.kl_normal, T.randn(2, 2, 2),
      T.randn(2, 2, 2)))
    assert.matches("kl_normal: reduction must be one of mean, sum, none, got 'avg'",
      err_of(F.kl_normal, mu, mu, "avg"))
  end)
end)
