-- sketches_mrf_spec.lua — the patch-style sketches (issue 13): cnnmrf.lua's helpers on
-- small tensors (k-means regions, maps painted and read back, map channels, colour
-- matching, the level sizes) and both sketches run for real at a tiny size through the
-- wick binary. Runs that need the InceptionV3 folder or the pictures are pending when
-- wick.data.find cannot find them (CI has no data).
local wick = require "wick"
local helpers = require "spec_helpers"
local T, image = wick.tensor, wick.image

local WICK = os.getenv("WICK") or "./wick"
local MODEL = "models/inception_v3/model.json"
local ASTRONAUT, STARRY = "images/skimage/astronaut.png", "images/opencv/starry_night.jpg"

-- `it` when the data is installed, else a test marked pending that says what is missing
local function needs(...)
  local why = helpers.missing_data(...)
  return why and function(title) pending(title .. why) end or it
end

local mrf = dofile("sketches/mrf/cnnmrf.lua")

describe("mrf sketch's helpers", function()
  -- three flat colour blocks with a little noise: k-means must find exactly them
  local function blocks()
    wick.seed(5)
    local img = T.zeros(3, 12, 18)
    img:narrow(3, 1, 6):copy_(T { 0.9, 0.1, 0.1 }:view(3, 1, 1):expand(3, 12, 6))
    img:narrow(3, 7, 6):copy_(T { 0.1, 0.8, 0.2 }:view(3, 1, 1):expand(3, 12, 6))
    img:narrow(3, 13, 6):copy_(T { 0.2, 0.2, 0.9 }:view(3, 1, 1):expand(3, 12, 6))
    return img + T.randn(3, 12, 18) * 0.02
  end

  it("k-means finds the colour regions, each centre the region's mean colour", function()
    local labels, centres = mrf.kmeans(blocks(), 3, 10)
    assert.same({ 12, 18 }, labels:shape())
    for _, col in ipairs { 1, 7, 13 } do   -- one label per block, all of the block
      local block = labels:narrow(2, col, 6)
      assert.equal(0, (block - block[1][1]):abs():max():item())
    end
    local seen = { [labels[1][1]] = true, [labels[1][7]] = true, [labels[1][13]] = true }
    local n = 0
    for _ in pairs(seen) do n = n + 1 end
    assert.equal(3, n)
    helpers.near({ 0.9, 0.1, 0.1 }, centres:select(1, labels[1][1]), 0.03)
    assert.has_error(function() mrf.kmeans(blocks(), 1, 3) end, "--regions must be 2..8, got 1")
  end)

  it("a map painted in the palette reads back as the same labels, antialiased edges too", function()
    local labels = mrf.kmeans(blocks(), 3, 10)
    local dir = helpers.tmpdir()
    local painted = mrf.map_image(labels)
    painted:narrow(3, 6, 2):mul_(0.9):add_(0.05)   -- a soft edge, as a paint program leaves
    image.save(painted, dir .. "/map.png")
    local back = mrf.read_map(dir .. "/map.png", 3)
    helpers.remove_tree(dir)
    assert.equal(0, (back - labels):abs():max():item())
  end)

  it("map channels are each region's share of a cell, summing to 1", function()
    local labels = T { { 1, 1, 2, 2 }, { 1, 1, 2, 2 }, { 3, 3, 3, 3 }, { 3, 3, 3, 3 } }
    local ch = mrf.channels(labels, 3, 2, 2)
    assert.same({ 3, 2, 2 }, ch:shape())
    helpers.near({ { { 1, 0 }, { 0, 0 } }, { { 0, 1 }, { 0, 0 } }, { { 0, 0 }, { 1, 1 } } }, ch, 1e-6)
    helpers.near(T.ones(2, 2):table(), ch:sum(1), 1e-6)
  end)

  it("colour matching moves each channel's mean and spread to the reference's", function()
    wick.seed(6)
    local img, ref = T.rand(3, 20, 20) * 0.3 + 0.1, T.rand(3, 16, 16) * 0.2 + 0.6
    local out = mrf.match_colors(img, ref)
    helpers.near(ref:reshape(3, 256):mean(2):table(), out:reshape(3, 400):mean(2), 1e-3)
    helpers.near(ref:reshape(3, 256):std(2):table(), out:reshape(3, 400):std(2), 2e-2)
  end)

  it("levels run coarse to fine, and too small a start is an error saying what to change", function()
    assert.same({ 96, 192, 384 }, mrf.level_sizes(384, 3))
    local ok, err = pcall(mrf.level_sizes, 128, 3)
    assert.is_false(ok)
    assert.matches("--size 128 with --levels 3 starts at 32 px; InceptionV3 needs at least 43", err, nil, true)
  end)
end)

describe("mrf sketches", function()
  local dir
  before_each(function() dir = helpers.tmpdir() end)
  after_each(function() helpers.remove_tree(dir) end)

  local function run(sketch, args)
    helpers.copy_lua_files("sketches/mrf", dir .. "/mrf")
    helpers.copy_lua_files("sketches/style", dir .. "/style")   -- the pictures by name
    local out, rc = helpers.run(WICK .. " " .. dir .. "/mrf/" .. sketch .. ".lua " .. args)
    return out, rc, dir .. "/mrf/out/"
  end

  needs(MODEL, STARRY)("a doodle map that cannot be read is an error naming the file", function()
    local out, rc = run("doodle", "--size 96 --levels 1 --steps 1 --map " .. dir .. "/missing.png")
    assert.is_not.equal(0, rc)
    assert.matches("missing.png", out, nil, true)
    helpers.write_file(dir .. "/bad.png", "not a picture")
    out, rc = run("doodle", "--size 96 --levels 1 --steps 1 --map " .. dir .. "/bad.png")
    assert.is_not.equal(0, rc)
    assert.matches("bad.png", out, nil, true)
  end)

  needs(MODEL, ASTRONAUT, STARRY)("mrf repaints the astronaut from Starry Night's patches, level by level", function()
    local out, rc, o = run("mrf", "--size 96 --levels 2 --steps 3 --seed 2")
    assert.equal(0, rc, out)
    assert.matches("level 2/2, 96 px", out, nil, true)
    assert.same({ 3, 96, 96 }, helpers.picture(o .. "mrf-astronaut-starry-seed2.png", 2):shape())
    helpers.picture(o .. "mrf-sheet-astronaut-starry-seed2.png", 2)
  end)

  needs(MODEL, STARRY)("doodle writes the painting's map and an example, then renders a repainted one", function()
    local out, rc, o = run("doodle", "--size 96 --levels 1 --steps 3 --regions 3 --seed 2")
    assert.equal(0, rc, out)
    local map = helpers.picture(o .. "starry-map.png", 2)
    helpers.picture(o .. "starry-doodle.png", 2)
    helpers.picture(o .. "doodle-starry-seed2.png", 2)
    -- the artist's map: the painting's map turned upside down, passed back with --map
    image.save(map:index_select(2, T.arange(map:size(2), 1, -1)), dir .. "/mine.png")
    out, rc = run("doodle", "--size 96 --levels 1 --steps 3 --regions 3 --seed 3 --map " .. dir .. "/mine.png")
    assert.equal(0, rc, out)
    assert.is_nil(out:find("repaint it", 1, true), "no example doodle when a map is given")
    helpers.picture(o .. "doodle-starry-seed3.png", 3)
  end)
end)
