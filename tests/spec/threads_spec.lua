-- threads_spec.lua — results do not depend on the thread count: pooling (forward and
-- backward) and t-SNE (exact, Barnes-Hut in 2-D and 3-D, FFT) run in a child wick with
-- WICK_THREADS=1 and again with 2, on problems big enough to be cut into many chunks,
-- must give the same tensors and print the same KL to the last digit.
-- Runs inside wick (tests/busted_runner.lua); WICK names the binary under test.
local wick = require "wick"
local helpers = require "spec_helpers"

local WICK = helpers.WICK
local q = helpers.quote

-- The child: arg[1] is the file to save every result in; KLs go to stdout.
local SCRIPT = [[
local wick = require "wick"
local T, nn, embed = wick.tensor, wick.nn, wick.embed
local out = {}

-- 256 planes of 32x32: every kernel below cuts them into several chunks.
wick.seed(7)
local x = T.randn(16, 16, 32, 32)
local function pool_args(k, s, p)
  local a = nn._conv_args({ stride = s, padding = p }, "pool")
  a.kh, a.kw, a.ceil, a.count_include_pad = k, k, false, true
  return a
end
local function grad_like(y) return T.randn(table.unpack(y:shape())) end
for _, case in ipairs({ { "max2", pool_args(2, 2) }, { "max3", pool_args(3, 2, 1) } }) do
  local name, a = case[1], case[2]
  local y, idx = nn._maxpool2d(x, a)
  out[name], out[name .. "_grad"] = y, nn._maxpool2d_backward(grad_like(y), x, idx, a)
end
local a3 = pool_args(3, 2, 1)
out.avg = nn._avgpool2d(x, a3)
out.avg_grad = nn._avgpool2d_backward(grad_like(out.avg), x, a3)
out.adaptive = nn._adaptive_avgpool2d(x, 5, 5)
out.adaptive_grad = nn._adaptive_avgpool2d_backward(grad_like(out.adaptive), x)
for _, mode in ipairs({ "nearest", "bilinear" }) do
  local y = nn._upsample(x, 48, 64, mode)
  out[mode], out[mode .. "_grad"] = y, nn._upsample_backward(grad_like(y), x, mode)
end

-- t-SNE: 4,200 points engage every parallel loop (kNN rows from 2,048 points,
-- calibration, attraction, Barnes-Hut and FFT points from 4,096), started from layouts
-- a few units wide so the trees are deep and the forces large.
wick.seed(3)
local n = 4200
local pts = T.randn(n, 10)
local function tsne(name, m, opts, steps, with_kl)
  opts.progress, opts.perplexity = false, 5
  local t <close> = embed.tsne.new(pts:narrow(1, 1, m), opts)
  t:step(steps)
  out[name] = t:positions()
  if with_kl then print(("%s %.17g %.17g"):format(name, t:kl(), t:kl(true))) end
end
tsne("exact", 1100, { method = "exact" }, 3, true)   -- exact forces from 1,024 points
tsne("bh", n, { method = "bh", init = T.randn(n, 2) * 3 }, 3, true)
tsne("bh3", n, { method = "bh", dims = 3, init = T.randn(n, 3) * 3 }, 2, true)
tsne("fft", n, { method = "fft", init = T.randn(n, 2) * 3 }, 3, true)
-- A layout 350 wide makes the FFT grid 2,160 a side, so the row and column transforms
-- are split too (one step: each costs a few tenths of a second).
tsne("fft_wide", n, { method = "fft", init = T.rand(n, 2) * 350 - 175 }, 1, false)
wick.save(out, arg[1])
]]

describe("thread count", function()
  local dir = helpers.tmpdir()
  teardown(function() os.execute("rm -rf " .. q(dir)) end)

  it("does not change pooling or t-SNE results", function()
    local script = helpers.write_file(dir .. "/same_bits.lua", SCRIPT)
    local text, saved = {}, {}
    for _, threads in ipairs({ 1, 2 }) do
      local file = ("%s/threads%d.safetensors"):format(dir, threads)
      local out, rc = helpers.run(("WICK_THREADS=%d %s %s %s"):format(threads, q(WICK), q(script), q(file)))
      assert.are.equal(0, rc, out)
      text[threads], saved[threads] = out, wick.load(file)
    end
    assert.truthy(text[1]:find("fft ", 1, true), text[1])
    assert.are.equal(text[1], text[2])
    local names = 0
    for name, a in pairs(saved[1]) do
      local b = assert(saved[2][name], name .. " missing at 2 threads")
      assert.are.same(a:shape(), b:shape())
      assert.are.equal(0, a:ne(b):sum():item(), name .. " differs between 1 and 2 threads")
      names = names + 1
    end
    assert.are.equal(17, names)
  end)
end)
