-- sketches_autoencoder_spec.lua — the autoencoder sketch (issue 14, first part) run for
-- real at one epoch through the wick binary: the code scatter, the decoded sweep and the
-- film strip; bad options. Pending without MNIST (`make data`; CI has none).
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

  local function run(args)
    helpers.copy_lua_files("sketches/autoencoder", dir .. "/autoencoder")
    local out, rc = helpers.run(WICK .. " " .. dir .. "/autoencoder/autoencoder.lua " .. args)
    return out, rc, dir .. "/autoencoder/out/"
  end

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
end)
