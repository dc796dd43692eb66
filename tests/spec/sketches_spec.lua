-- sketches_spec.lua — smoke runs of the gallery: each sketch that can run in seconds
-- is run for real through the wick binary, and its picture is checked. (The longer
-- sketches are exercised piecewise by the module specs.)
local wick = require "wick"
local helpers = require "spec_helpers"

local WICK = os.getenv("WICK") or "./wick"

describe("sketches", function()
  it("hello renders its ripples at a small size and records the seed", function()
    local dir = helpers.tmpdir()
    assert(os.execute("cp sketches/hello/hello.lua " .. dir .. "/"))
    local out, rc = helpers.run(WICK .. " " .. dir .. "/hello.lua 64 3")
    assert.equal(0, rc, out)
    assert.matches("seed 3", out)
    local img = wick.image.load(dir .. "/out/ripples-seed3.png")
    assert.same({ 3, 64, 64 }, img:shape())
    assert.is_true(img:std():item() > 0.1)   -- a pattern, not a flat colour
    local bytes = helpers.read_file(dir .. "/out/ripples-seed3.png")
    assert.truthy(bytes:find("Seed\0" .. "3", 1, true))
    os.execute("rm -rf " .. dir)
  end)
end)
