-- style_spec.lua — what style transfer is built from: Gram matrices and total variation
-- (values against plain loops, gradients against finite differences) and the random-
-- filter network (its layers, its own generator, its errors), and a small texture
-- synthesis by Gram matching that must bring the loss down.
local wick = require "wick"
local helpers = require "spec_helpers"
local T, nn = wick.tensor, wick.nn
local F = nn.F

describe("F.gram and F.total_variation", function()
  it("gram is the channels' inner products over positions, divided by C·H·W", function()
    local x = T.randn(2, 3, 4, 5)
    local g = F.gram(x)
    assert.same({ 2, 3, 3 }, g:shape())
    for n = 1, 2 do
      for a = 1, 3 do
        for b = 1, 3 do
          local s = 0
          for i = 1, 4 do for j = 1, 5 do s = s + x[n][a][i][j] * x[n][b][i][j] end end
          assert.is_true(math.abs(g[n][a][b] - s / 60) < 1e-5)
        end
      end
    end
    assert.same({ 3, 3 }, F.gram(x[1]):shape())
    local ok, err = wick.autograd.gradcheck(F.gram, { T.randn(1, 2, 3, 3):requires_grad() })
    assert.is_true(ok, err)
    helpers.refuses("gram: the input must be N×C×H×W or C×H×W", function() F.gram(T.randn(4, 4)) end)
  end)

  it("total variation sums the mean squared steps down and across", function()
    local x = T { { { 0, 1, 3 }, { 2, 2, 2 } } }   -- 1×2×3
    -- down: (2-0)², (2-1)², (2-3)² → mean 2; across: 1, 4, 0, 0 → mean 1.25
    assert.is_true(math.abs(F.total_variation(x):item() - 3.25) < 1e-6)
    local ok, err = wick.autograd.gradcheck(F.total_variation, { T.randn(1, 2, 4, 3):requires_grad() })
    assert.is_true(ok, err)
    helpers.refuses("total_variation: the image must be at least 2×2",
      function() F.total_variation(T.randn(1, 1, 5)) end)
  end)
end)

describe("nn.random_filters", function()
  it("has one layer per size, image-sized outputs and its own generator", function()
    wick.seed(3)
    local before = T.rand(4)
    local net = nn.random_filters { sizes = { 3, 7 }, channels = 8, seed = 5 }
    wick.seed(3)
    assert.equal(0, (T.rand(4) - before):abs():max():item())   -- wick's stream untouched
    local x = net:preprocess(T.rand(3, 20, 30))
    assert.same({ 1, 3, 20, 30 }, x:shape())
    local acts = net:activations(x, { "conv3", "conv7" })
    assert.same({ 1, 8, 20, 30 }, acts.conv7:shape())
    assert.is_true(acts.conv3:min():item() >= 0 and acts.conv3:max():item() > 0)   -- a ReLU, not all zero
    local again = nn.random_filters { sizes = { 3, 7 }, channels = 8, seed = 5 }
    assert.equal(0, (again:upto(x, "conv7") - acts.conv7):abs():max():item())
    local other = nn.random_filters { sizes = { 3, 7 }, channels = 8, seed = 6 }
    assert.is_true((other:upto(x, "conv7") - acts.conv7):abs():max():item() > 0)
    assert.equal(8 * 3 * 9 + 8 + 8 * 3 * 49 + 8, net:num_parameters())
    assert.same({ "conv3", "conv7" }, { net:layers()[1].name, net:layers()[2].name })
  end)

  it("refuses even sizes, unknown layers and images that are not RGB", function()
    helpers.refuses("random_filters: sizes must be odd", function() nn.random_filters { sizes = { 4 } } end)
    local net = nn.random_filters { sizes = { 3 }, channels = 2 }
    helpers.refuses("upto: 'conv5' is not a layer of random_filters %(conv3%)",
      function() net:upto(T.rand(1, 3, 8, 8), "conv5") end)
    helpers.refuses("activations: the input must be N×3×H×W",
      function() net:activations(T.rand(1, 4, 8, 8), { "conv3" }) end)
  end)

  it("synthesises a texture: Gram matching from noise brings the style loss down", function()
    wick.seed(1)
    local net = nn.random_filters { sizes = { 3, 5 }, channels = 16 }
    local stripes = T.zeros(1, 3, 24, 24)
    for j = 1, 24, 4 do stripes:narrow(4, j, 2):fill_(1) end
    local target = {}
    for name, a in pairs(net:activations(net:preprocess(stripes), { "conv3", "conv5" })) do target[name] = F.gram(a) end
    local x = (T.rand(1, 3, 24, 24) * 2 - 1):requires_grad()
    local function loss()
      local l = 0
      for name, a in pairs(net:activations(x, { "conv3", "conv5" })) do l = l + F.mse(F.gram(a), target[name]) end
      return l * 1e4
    end
    local first = loss():item()
    local opt = wick.optim.adam({ x }, { lr = 0.05 })
    for _ = 1, 150 do
      opt:zero_grad()
      loss():backward()
      opt:step()
    end
    local last = loss():item()
    assert.is_true(last < first * 0.1, ("style loss %g → %g"):format(first, last))
  end)
end)
