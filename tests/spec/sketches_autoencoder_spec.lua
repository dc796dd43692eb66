-- sketches_autoencoder_spec.lua — the autoencoder sketches (issue 14) run for real
-- through the wick binary at one epoch, the others on a few hundred digits (--limit):
-- autoencoder's code scatter, decoded sweep and film strip; binary's 64 corners; sparse's
-- features; denoise's rows; vae's samples, plane, interpolations and walk; glitch's rows
-- and its caught wrong-size error; and bad options, refused before any data is read.
-- The runs are pending without MNIST (`make data`; CI has none).
local wick = require "wick"
local helpers = require "spec_helpers"

local WICK = os.getenv("WICK") or "./wick"
local function needs(...)
  local why = helpers.missing_data(...)
  return why and function(title) pending(title .. why) end or it
end

describe("autoencoder sketch", function()
  local dir
  before_each(function() dir = helpers.tmpdir() end)
  after_each(function() helpers.remove_tree(dir) end)

  local function run(args, sketch)
    helpers.copy_lua_files("sketches/autoencoder", dir .. "/autoencoder")
    local out, rc = helpers.run(WICK .. " " .. dir .. "/autoencoder/" .. (sketch or "autoencoder") .. ".lua " .. args)
    return out, rc, dir .. "/autoencoder/out/"
  end
  -- the side of a sheet of n 28-pixel tiles with 1-pixel padding around each
  local function side(n) return n * 28 + n + 1 end

  it("refuses a code or grid it cannot draw", function()
    local out, rc = run("--grid 1")
    assert.is_not.equal(0, rc)
    assert.matches("--grid 2", out, nil, true)
  end)

  needs("mnist")("learns a 2-number code in one epoch: scatter, decoded plane, film strip", function()
    local out, rc, o = run("--epochs 1 --grid 4 --seed 2")
    assert.equal(0, rc, out)
    local bce = tonumber(out:match("epoch 1/1: test BCE ([%d.]+)"))
    assert.is_true(bce and bce < 0.26, "one epoch should bring the test BCE under 0.26: " .. out)
    helpers.picture(o .. "codes-seed2.png", 2)
    local sweep = helpers.picture(o .. "sweep-seed2.png", 2)
    assert.same({ 1, 4 * 28, 4 * 28 }, sweep:shape())
    local strip = helpers.picture(o .. "strip-seed2.png", 2)
    assert.equal(2 * 28 + 3, strip:size(2))   -- the digits, then their reconstructions after epoch 1
  end)

  it("refuses absurd options in each sketch, naming the option, before reading data", function()
    for _, case in ipairs {
      { "binary", "--noise -1", "--noise must be from 0 to 100" },
      { "binary", "--epochs 0", "--epochs must be a whole number >= 1" },
      { "sparse", "--penalty l3", "--penalty must be kl or l1" },
      { "sparse", "--rho 1.5", "--rho must be between 0 and 1" },
      { "sparse", "--hidden 2.5", "--hidden must be a whole number >= 1" },
      { "denoise", "--noise salt", "--noise must be mask, gauss or both" },
      { "denoise", "--amount 1", "--amount must be from 0 up to 1" },
      { "vae", "--walk zigzag", "--walk must be slerp or lerp" },
      { "vae", "--latent 0", "--latent must be a whole number >= 1" },
      { "vae", "--data cifar", "--data must be mnist or fashion" },
      { "glitch", "--code 2", "--code must be a whole number >= 4" },
      { "glitch", "--lr -1", "--lr must be between 0 and 1" },
    } do
      local out, rc = run(case[2], case[1])
      assert.is_not.equal(0, rc, case[1] .. " " .. case[2])
      assert.matches(case[3], out, nil, true)
    end
  end)

  needs("mnist")("binary: six units, 64 corners decoded as an 8 × 8 sheet, the binariness printed", function()
    local out, rc, o = run("--epochs 1 --limit 512 --seed 2", "binary")
    assert.equal(0, rc, out)
    local near = tonumber(out:match("epoch 1/1: test BCE [%d.]+ %(codes rounded to 0/1: [%d.]+%), ([%d.]+) %%"))
    assert.is_true(near and near >= 0 and near <= 100, out)
    local used = tonumber(out:match("use (%d+) of the 64 corners"))
    assert.is_true(used and used >= 1 and used <= 64, out)
    assert.same({ 1, side(8), side(8) }, helpers.picture(o .. "corners-seed2.png", 2):shape())   -- 64 cells
  end)

  needs("mnist")("sparse: one tile of features per hidden unit, with KL or L1, the mean activation printed", function()
    for _, penalty in ipairs { "kl", "l1" } do
      local out, rc, o = run("--epochs 1 --limit 512 --hidden 9 --seed 2 --penalty " .. penalty, "sparse")
      assert.equal(0, rc, out)
      local rate = tonumber(out:match("mean hidden activation ([%d.]+)"))
      assert.is_true(rate and rate > 0 and rate < 1, out)
      assert.same({ 1, side(3), side(3) }, helpers.picture(o .. "features-" .. penalty .. "-seed2.png", 2):shape())
    end
  end)

  needs("mnist")("denoise: damaged, restored, clean and restored-clean rows, BCE both ways", function()
    local out, rc, o = run("--epochs 1 --limit 512 --noise both --seed 2", "denoise")
    assert.equal(0, rc, out)
    local from_damaged, from_clean = out:match("([%d.]+) from damaged inputs, ([%d.]+) from clean inputs")
    assert.is_true(tonumber(from_damaged) > 0 and tonumber(from_clean) > 0, out)
    local sheet = helpers.picture(o .. "denoise-both-seed2.png", 2)
    assert.same({ 1, side(4), side(12) }, sheet:shape())
  end)

  needs("mnist")("vae: ELBO terms per epoch, prior samples, the plane, interpolations and a walk", function()
    local out, rc, o = run("--epochs 1 --limit 512 --grid 4 --seed 2", "vae")
    assert.equal(0, rc, out)
    local bce, kl = out:match("epoch 1/1: test BCE ([%d.]+) %+ KL ([%d.]+) = [%d.]+ nats per image %(ELBO %-[%d.]+%)")
    assert.is_true(tonumber(bce) > 0 and tonumber(kl) >= 0, out)
    assert.same({ 1, side(10), side(10) }, helpers.picture(o .. "vae-samples-seed2.png", 2):shape())
    assert.same({ 1, side(4), side(4) }, helpers.picture(o .. "vae-plane-seed2.png", 2):shape())
    assert.same({ 1, side(8), side(12) }, helpers.picture(o .. "vae-interp-seed2.png", 2):shape())
    helpers.picture(o .. "vae-codes-seed2.png", 2)
    local frames = wick.video.read(o .. "vae-walk-seed2.gif")
    assert.equal(144, #frames)
    assert.same({ 3, 112, 112 }, frames[1]:shape())
    -- a 3-D latent: no plane to draw, the rest as before
    out, rc = run("--epochs 1 --limit 256 --latent 3 --walk lerp --seed 4", "vae")
    assert.equal(0, rc, out)
    assert.is_nil(wick.fs.kind(o .. "vae-plane-seed4.png"))
    helpers.picture(o .. "vae-interp-seed4.png", 4)
  end)

  needs("mnist")("glitch: eleven rows of wrong wiring, the wrong-size code refused, the model reused", function()
    local out, rc, o = run("--epochs 1 --limit 512 --seed 2", "glitch")
    assert.equal(0, rc, out)
    assert.matches("a 10%-number code fed to the 8%-number decoder: refused: .*linear 8→64.*input has 10 features", out)
    assert.matches("a 6-number code fed to the 8-number decoder: refused:", out, nil, true)
    assert.matches("row 11: code 2 too short", out, nil, true)
    assert.same({ 1, side(11), side(12) }, helpers.picture(o .. "glitch-seed2.png", 2):shape())
    assert.equal("file", wick.fs.kind(o .. "glitch-ae-code8-seed2.safetensors"))
    out, rc = run("--seed 2", "glitch")   -- the saved model, no training
    assert.equal(0, rc, out)
    assert.matches("loaded ", out, nil, true)
    assert.is_nil(out:find("epoch 1/", 1, true))
  end)
end)
