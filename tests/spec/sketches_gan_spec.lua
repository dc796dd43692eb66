-- sketches_gan_spec.lua — the GAN sketches (issue 14): dcgan.lua's architectures and their
-- checked entry points (latent vectors and images of the wrong size), the collapse
-- detectors (on a generator that draws one picture whatever z, and on a healthy one), a
-- NaN loss stopping with its step, a tiny GAN on 1-D points whose samples move towards
-- the target; then fashion, paintings, arithmetic and walk run for real at tiny settings
-- into a temporary folder (pending without the data: CI has no `make data`).
local wick = require "wick"
local helpers = require "spec_helpers"
local T, nn = wick.tensor, wick.nn

package.path = "sketches/gan/?.lua;" .. package.path
local dcgan = require "dcgan"

local WICK = os.getenv("WICK") or "./wick"
local function needs(...)
  local why = helpers.missing_data(...)
  return why and function(title) pending(title .. why) end or it
end

describe("dcgan module", function()
  it("builds DCGAN-28 and DCGAN-64 with the brief's shapes", function()
    wick.seed(1)
    local G, D = dcgan.generator28(), dcgan.discriminator28()
    local x = wick.no_grad(function() return dcgan.generate(G, T.randn(3, 100)) end)
    assert.same({ 3, 1, 28, 28 }, x:shape())
    assert.same({ 3 }, wick.no_grad(function() return dcgan.discriminate(D, x) end):shape())
    local G64, D64 = dcgan.generator64(), dcgan.discriminator64()
    local y = wick.no_grad(function() return dcgan.generate(G64, T.randn(2, 100)) end)
    assert.same({ 2, 3, 64, 64 }, y:shape())
    assert.same({ 2 }, wick.no_grad(function() return dcgan.discriminate(D64, y) end):shape())
    -- Radford's init: conv weights N(0, 0.02), batchnorm scales N(1, 0.02)
    assert.is_true(math.abs(D64[3].weight:std():item() - 0.02) < 0.002)
    assert.is_true(math.abs(D64[4].weight:mean():item() - 1) < 0.01)
  end)

  it("refuses latent vectors and images of the wrong size, naming the function and both sizes", function()
    local G, D = dcgan.generator28(), dcgan.discriminator28()
    helpers.error_containing("dcgan.generate: latent vectors must be N×100 for this DCGAN-28 generator, got 4×50",
      dcgan.generate, G, T.randn(4, 50))
    helpers.error_containing("got 2×100×1", dcgan.generate, dcgan.generator64(), T.randn(2, 100, 1))
    helpers.error_containing("dcgan.discriminate: the DCGAN-28 discriminator takes N×1×28×28 images, got 2×1×32×32",
      dcgan.discriminate, D, T.rand(2, 1, 32, 32))
    helpers.error_containing("DCGAN-64 discriminator takes N×3×64×64 images, got 2×1×64×64",
      dcgan.discriminate, dcgan.discriminator64(), T.rand(2, 1, 64, 64))
    helpers.error_containing("dcgan.train: the DCGAN-28 discriminator takes N×1×28×28 images, got 1×3×28×28",
      dcgan.train, G, D, { x = T.rand(8, 3, 28, 28) }, { quiet = true })
    helpers.error_containing("dcgan.train (the generator's output): the DCGAN-64 discriminator",
      dcgan.train, G, dcgan.discriminator64(), { x = T.rand(8, 3, 64, 64) }, { quiet = true })
  end)

  -- A "generator" that draws the same picture whatever z, and one whose pictures vary.
  local Fixed = nn.module("fixed")
  function Fixed:init(vary)
    rawset(self, "zdim", 100)
    self.w = T.randn(784, 100) * (vary and 0.3 or 0)
    self.base = T.rand(1, 784) * 2 - 1
  end
  function Fixed:forward(z) return (z:matmul(self.w:t()) + self.base):tanh():view(-1, 1, 28, 28) end

  it("says the samples are all alike for a collapsed generator, and not for a healthy one", function()
    wick.seed(2)
    local real = T.rand(64, 1, 28, 28)
    local z = T.randn(32, 100)
    local msg, ratio = dcgan.alike(Fixed(false), z, dcgan.spread(real))
    assert.is_true(ratio < 0.01, "ratio " .. ratio)
    assert.matches("all alike", msg, nil, true)
    assert.matches("another --seed", msg, nil, true)
    local ok, good = dcgan.alike(Fixed(true), z, dcgan.spread(real))
    assert.is_nil(ok)
    assert.is_true(good > 0.5, "healthy ratio " .. good)
  end)

  it("says the discriminator won only after a sustained stretch of near-zero loss", function()
    local watch = dcgan.d_watch(0.01, 50)
    for step = 1, 49 do assert.is_nil(watch(0.001, step)) end
    assert.is_nil(watch(0.5, 50))   -- one ordinary step starts the count again
    for step = 51, 99 do assert.is_nil(watch(0.002, step)) end
    local msg = watch(0.002, 100)
    assert.matches("stayed under 0.01 for 50 steps (to step 100)", msg, nil, true)
    assert.matches("lower --lr", msg, nil, true)
  end)

  it("train warns of a collapse and goes on, or stops there with collapse = 'stop'", function()
    wick.seed(5)
    local set = { x = T.rand(32, 1, 28, 28) }
    local opts = { epochs = 2, batch = 4, quiet = true, d_floor = 100, patience = 3 }   -- every loss counts
    local warned = dcgan.train(dcgan.generator28(), dcgan.discriminator28(), set, opts)
    assert.matches("for 3 steps (to step 3)", warned.collapse, nil, true)
    assert.equal(16, warned.steps)
    opts.collapse = "stop"
    local stopped = dcgan.train(dcgan.generator28(), dcgan.discriminator28(), set, opts)
    assert.equal(3, stopped.steps)
    assert.equal(1, #stopped.loss_d)
    opts.collapse = "off"
    assert.is_nil(dcgan.train(dcgan.generator28(), dcgan.discriminator28(), set, opts).collapse)
  end)

  it("stops on a NaN loss, naming the step", function()
    wick.seed(3)
    local t = dcgan.trainer(dcgan.generator28(), dcgan.discriminator28())
    t.update(T.rand(4, 1, 28, 28) * 2 - 1)
    local bad = T.rand(4, 1, 28, 28)
    bad[1][1][1][1] = 0 / 0
    helpers.error_containing("dcgan.train: the discriminator loss became NaN at step 2", t.update, bad)
  end)

  it("a tiny GAN on 1-D points moves its samples towards the target's mean and spread", function()
    wick.seed(4)
    local G = nn.sequential { nn.linear(4, 32), nn.relu(), nn.linear(32, 1) }
    rawset(G, "zdim", 4)
    local D = nn.sequential { nn.linear(1, 32), nn.leaky_relu(0.2), nn.linear(32, 1) }
    dcgan.init(G)
    local function moments()
      local x = wick.no_grad(function() return dcgan.generate(G, T.randn(2000, 4)) end)
      return x:mean():item(), x:std():item()
    end
    local m0, s0 = moments()
    local t = dcgan.trainer(G, D, { lr = 2e-3 })
    local losses = {}
    for step = 1, 600 do
      local ld = t.update(T.randn(64, 1) * 0.5 + 3)   -- the target: N(3, 0.5²)
      if step % 100 == 0 then losses[#losses + 1] = ld end
    end
    local m1, s1 = moments()
    assert.is_true(math.abs(m1 - 3) < 0.3 * math.abs(m0 - 3), ("mean %.3f → %.3f, target 3"):format(m0, m1))
    assert.is_true(math.abs(s1 - 0.5) < 0.8 * math.abs(s0 - 0.5), ("std %.3f → %.3f, target 0.5"):format(s0, s1))
    local moved = false
    for i = 2, #losses do moved = moved or math.abs(losses[i] - losses[1]) > 0.01 end
    assert.is_true(moved, "the discriminator's loss never moved")
  end)
end)

describe("GAN sketches", function()
  local dir
  before_each(function() dir = helpers.tmpdir() end)
  after_each(function() helpers.remove_tree(dir) end)
  local function run(name, args)
    helpers.copy_lua_files("sketches/gan", dir .. "/gan")
    helpers.copy_lua_files("sketches/classify", dir .. "/classify")   -- arithmetic's judge, untrained here
    return helpers.run(WICK .. " " .. dir .. "/gan/" .. name .. ".lua " .. args)
  end

  it("refuses a data set it does not know, and says which sketch makes a missing generator", function()
    local out, rc = run("fashion", "--data cifar")
    assert.is_not.equal(0, rc)
    assert.matches("--data must be fashion or mnist", out, nil, true)
    out, rc = run("walk", "")
    assert.is_not.equal(0, rc)
    assert.matches("run `wick sketches/gan/fashion.lua` first", out, nil, true)
    out, rc = run("arithmetic", "--data mnist")
    assert.is_not.equal(0, rc)
    assert.matches("fashion.lua --data mnist", out, nil, true)
  end)

  needs("fashion-mnist")("fashion trains a few steps, draws its grids and film, saves a generator that "
    .. "arithmetic and walk load", function()
    local out, rc = run("fashion", "--epochs 2 --limit 3 --every 2 --batch 16 --seed 3")
    assert.equal(0, rc, out)
    assert.matches("epoch 2/2: D loss [%d.]+, G loss [%d.]+", out)
    local o = dir .. "/gan/out/"
    local grid = helpers.picture(o .. "fashion-epoch-02.png", 3)
    assert.same({ 1, 8 * 28 + 9 * 2, 8 * 28 + 9 * 2 }, grid:shape())
    local frames = wick.video.read(o .. "fashion-learning.gif")
    assert.equal(4, #frames)   -- untrained, steps 2, 4, 6
    assert.truthy(wick.fs.kind(o .. "fashion-generator.safetensors"))
    out, rc = run("arithmetic", "--samples 200 --pick 2 --sums pullover-tshirt+dress,boot-sneaker+sandal")
    assert.equal(0, rc, out)
    assert.matches("judge: the nearest class mean", out, nil, true)
    assert.matches("pullover − tshirt %+ dress looks like %a+", out)
    local sheet = helpers.picture(o .. "fashion-sum-pullover-tshirt-dress.png", 2)
    assert.same({ 1, 4 * 28 + 5 * 2, 3 * 28 + 4 * 2 }, sheet:shape())   -- rows a, b, c, result; 2 picks + 1
    helpers.picture(o .. "fashion-sums.png", 2)
    out, rc = run("walk", "--points 2 --steps 3 --no-mp4")
    assert.equal(0, rc, out)
    assert.matches("6 frames in", out, nil, true)
    helpers.picture(o .. "walk/frame-0006.png", 5)
    assert.equal(6, #wick.video.read(o .. "fashion-walk.gif"))
  end)

  needs("images/paintings/CREDITS")("paintings cuts its patches, trains a step and saves a generator walk "
    .. "takes up", function()
    local out, rc = run("paintings", "--patches 16 --batch 8 --epochs 1 --limit 1 --every 1 --seed 4")
    assert.equal(0, rc, out)
    assert.matches("16 patches of 64×64 from 22 paintings", out, nil, true)
    local o = dir .. "/gan/out/"
    assert.same({ 3, 2 * 64 + 3 * 2, 8 * 64 + 9 * 2 }, helpers.picture(o .. "paintings-patches.png", 4):shape())
    helpers.picture(o .. "paintings-epoch-01.png", 4)
    assert.equal(2, #wick.video.read(o .. "paintings-learning.gif"))
    assert.truthy(wick.fs.kind(o .. "paintings-generator.safetensors"))
  end)
end)
