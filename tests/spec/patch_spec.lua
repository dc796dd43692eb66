-- patch_spec.lua — nn.patch_bank, CNNMRF's patch matching: matches against a brute-force
-- search written with plain loops, a map matched against itself, the loss against its
-- definition, gradients through autograd (gradcheck, with the matches held fixed), the
-- options, and the errors for bad input.
local wick = require "wick"
local helpers = require "spec_helpers"
local T, nn = wick.tensor, wick.nn

-- window (y, x) of map m (C×H×W), k×k, as a flat Lua list in (c, p, q) order
local function window(m, k, y, x)
  local out = {}
  for c = 1, m:size(1) do
    for p = 0, k - 1 do
      for q = 0, k - 1 do out[#out + 1] = m[c][y + p][x + q] end
    end
  end
  return out
end

local function dot(a, b)
  local s = 0
  for i = 1, #a do s = s + a[i] * b[i] end
  return s
end

describe("nn.patch_bank", function()
  it("matches each window of x to the patch of highest normalised correlation", function()
    wick.seed(11)
    local s, x = T.randn(3, 7, 8), T.randn(3, 6, 9)
    local bank = nn.patch_bank(s, { size = 3, stride = 2 })
    assert.equal(3 * 3, bank:size())
    local idx, cos = bank:match(x)
    assert.same({ 4, 7 }, idx:shape())
    local strict = 0
    for i = 1, 4 do
      for j = 1, 7 do
        local xw = window(x, 3, i, j)
        local best, second, at = -math.huge, -math.huge, 0
        for n = 1, bank:size() do
          local sw = window(s, 3, (n - 1) // 3 * 2 + 1, (n - 1) % 3 * 2 + 1)
          local v = dot(xw, sw) / math.sqrt(dot(sw, sw))
          if v > best then best, second, at = v, best, n elseif v > second then second = v end
        end
        if best - second > 1e-4 then
          strict = strict + 1
          assert.equal(at, idx[i][j])
        end
        assert.near(best / math.sqrt(dot(xw, xw)), cos[i][j], 1e-5)
      end
    end
    assert.is_true(strict >= 25)
  end)

  it("finds each patch of the style map in the style map itself", function()
    wick.seed(12)
    local s = T.randn(1, 5, 9, 10)   -- 1×C×H×W works as C×H×W
    local bank = nn.patch_bank(s)
    local idx, cos = bank:match(s)
    assert.same({ 7, 8 }, idx:shape())
    for n = 1, 56 do assert.equal(n, idx:view(56)[n]) end
    assert.near(1, cos:min():item(), 1e-5)
    local strided = nn.patch_bank(s, { stride = 2, synthesis_stride = 2 })
    local i2 = strided:match(s)
    assert.same({ 4, 4 }, i2:shape())
    assert.equal(16, i2:view(16)[16])
  end)

  it("loss is the sum of squared differences with the matched patches", function()
    wick.seed(13)
    local s, x = T.randn(2, 6, 6), T.randn(2, 5, 7)
    local bank = nn.patch_bank(s, { size = 2 })
    local idx = bank:match(x)
    local want = 0
    for i = 1, 4 do
      for j = 1, 6 do
        local n = idx[i][j]
        local xw, sw = window(x, 2, i, j), window(s, 2, (n - 1) // 5 + 1, (n - 1) % 5 + 1)
        for t = 1, #xw do want = want + (xw[t] - sw[t]) ^ 2 end
      end
    end
    assert.near(want, bank:loss(x):item(), 1e-4 * want)
    assert.near(want, bank:loss(x, idx):item(), 1e-4 * want)
    assert.equal(0, bank:loss(x):dim())
    -- other indices give a larger loss than the best (here: the best by the loss itself
    -- need not be the best by correlation, but all ones is a poor choice on random maps)
    assert.is_true(bank:loss(x, T.ones(4, 6)):item() > 0)
    assert.near(0, bank:loss(s, bank:match(s)):item(), 1e-6 * want)
  end)

  it("is differentiable with respect to x (gradcheck, matches fixed)", function()
    wick.seed(14)
    local s = T.randn(3, 6, 6)
    local bank = nn.patch_bank(s, { synthesis_stride = 2 })
    local x = T.randn(1, 3, 7, 8):requires_grad()
    local idx = wick.no_grad(function() return (bank:match(x)) end)
    local ok, err = wick.autograd.gradcheck(function(a) return bank:loss(a, idx) * 0.1 end, { x })
    assert.is_true(ok, err)
    -- the gradient is 2·(x − matched patch) folded back, here checked at one pixel
    x.grad = nil
    local l = bank:loss(x, idx)
    l:backward()
    assert.same({ 1, 3, 7, 8 }, x.grad:shape())
    -- pixel (1, 1) of channel 1 lies only in window (1, 1)
    local n = idx[1][1]
    local sy, sx = (n - 1) // 4 + 1, (n - 1) % 4 + 1
    assert.near(2 * (x[1][1][1][1] - s[1][sy][sx]), x.grad[1][1][1][1], 1e-4)
    -- the last column (8) is in no window at synthesis stride 2 (windows start at 1, 3, 5)
    assert.equal(0, x.grad:narrow(4, 8, 1):abs():sum():item())
    -- without grad: no graph
    assert.is_false(bank:loss(x:detach()):tracks_grad())
    assert.is_false(wick.no_grad(function() return bank:loss(x) end):tracks_grad())
  end)

  it("brings the loss down when x follows its gradient", function()
    wick.seed(15)
    local s = T.randn(4, 8, 8)
    local bank = nn.patch_bank(s)
    local x = T.randn(4, 8, 8):requires_grad()
    local opt = wick.optim.adam({ x }, { lr = 0.05 })
    local first, last
    for _ = 1, 30 do
      opt:zero_grad()
      local l = bank:loss(x)
      l:backward()
      opt:step()
      first = first or l:item()
      last = l:item()
    end
    assert.is_true(last < 0.6 * first, ("loss %g -> %g"):format(first, last))
  end)

  it("hands out its patches, raw or normalised, and describes itself", function()
    wick.seed(16)
    local s = T.randn(2, 4, 5)
    local bank = nn.patch_bank(s, { size = 2, stride = 2 })
    local p = bank:patches()
    assert.same({ 4, 2, 2, 2 }, p:shape())
    assert.equal(s[2][3][4], p[4][2][1][2])   -- patch 4 = window (3, 3); channel 2, row 1, column 2
    local u = bank:patches { normalize = true }
    assert.near(1, u[3]:norm():item(), 1e-5)
    assert.matches("PatchBank: 4 patches of 2×2×2 from a 4×5 map", tostring(bank))
    bank:free()
    assert.equal("PatchBank (freed)", tostring(bank))
    helpers.refused("attempt to use a freed patch bank", function() bank:match(s) end)
  end)

  it("refuses bad input with a message naming what was wrong", function()
    local s = T.randn(3, 6, 6)
    local bank = nn.patch_bank(s)
    helpers.refused("patch_bank: style must be a tensor", function() nn.patch_bank(3) end)
    helpers.refused("patch_bank: unknown option 'k'", function() nn.patch_bank(s, { k = 3 }) end)
    helpers.refused("patch_bank: size must be an integer from 1 to 64", function() nn.patch_bank(s, { size = 0 }) end)
    helpers.refused("patch_bank: stride must be an integer", function() nn.patch_bank(s, { stride = 1.5 }) end)
    helpers.refused("patch_bank: a 7×7 patch does not fit in a 6×6 map", function() nn.patch_bank(s, { size = 7 }) end)
    helpers.refused("patch_bank: the style map must be C×H×W or 1×C×H×W, got [2,3,6,6]",
      function() nn.patch_bank(T.randn(2, 3, 6, 6)) end)
    local bad = s:clone()
    bad[2][3][4] = 0 / 0
    helpers.refused("patch_bank: the style map holds a NaN", function() nn.patch_bank(bad) end)
    helpers.refused("patch_bank:match: x has 4 channels, the style map 3", function() bank:match(T.randn(4, 6, 6)) end)
    helpers.refused("patch_bank:loss: x has 1 channels, the style map 3", function() bank:loss(T.randn(1, 6, 6)) end)
    helpers.refused("patch_bank:match: x: a 3×3 patch does not fit in a 2×9 map",
      function() bank:match(T.randn(3, 2, 9)) end)
    helpers.refused("patch_bank:match: x must be a C×H×W or 1×C×H×W tensor, got string", function() bank:match("x") end)
    bad[1][1][1] = math.huge
    helpers.refused("patch_bank:match: x holds a NaN or an infinity", function() bank:match(bad) end)
    helpers.refused("patch_bank:loss: x holds a NaN or an infinity", function() bank:loss(bad) end)
    helpers.refused("patch_bank:loss: 4 indices for the 4×4 windows of x", function() bank:loss(s, T.ones(4)) end)
    local idx = T.ones(16)
    idx[2] = 17
    helpers.refused("patch_bank:loss: indices[2] = 17.0 is not a patch number (1..16)",
      function() bank:loss(s, idx) end)
    helpers.refused("patch_bank:loss: indices[1] = 1.5", function() bank:loss(s, T.ones(4, 4) * 1.5) end)
    helpers.refused("patch_bank:patches: unknown option 'normalise'", function() bank:patches { normalise = true } end)
    helpers.refused("wick.PatchBank expected", function() bank.match(s) end)
    helpers.refused("patch_bank:loss: expected a patch bank (bank:loss(…)), got", function() bank.loss(s) end)
    helpers.refused("patch_bank:patches: expected a patch bank", function() bank.patches(3) end)
  end)
end)
