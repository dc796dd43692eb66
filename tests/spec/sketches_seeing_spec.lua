-- sketches_seeing_spec.lua — the three sketches that look through a trained network
-- (deepdream, visualize, cnn_codes; issue 12): their Lua helpers are checked on small
-- tensors everywhere, and each sketch is run for real at a tiny size through the wick
-- binary, as sketches_spec does for the gallery. Runs that need the InceptionV3 folder,
-- the pictures or Fashion-MNIST are pending when wick.data.find cannot find them (CI has
-- no data); the Fashion-MNIST classifier they read is a fresh, untrained one saved here,
-- so no run depends on sketches/classify having been run.
local wick = require "wick"
local helpers = require "spec_helpers"
local T = wick.tensor

local WICK = os.getenv("WICK") or "./wick"

-- `it` when the data is installed, else a test marked pending that says what is missing
local function needs(...)
  local why = helpers.missing_data(...)
  return why and function(title) pending(title .. why) end or it
end

local MODEL = "models/inception_v3/model.json"
local PICTURES = { "images/skimage/astronaut.png", "images/opencv/starry_night.jpg", "images/getty" }

-- A module beside a sketch, loaded fresh (the sketch folders are not on package.path).
local function module(folder, name)
  return dofile("sketches/" .. folder .. "/" .. name .. ".lua")
end

local copy_folder = helpers.copy_lua_files

local function run(dir, folder, args)
  copy_folder("sketches/" .. folder, dir .. "/" .. folder)
  copy_folder("sketches/classify", dir .. "/classify")   -- classify_net.lua, which two of them load
  local out, rc = helpers.run(WICK .. " " .. dir .. "/" .. folder .. "/" .. folder .. ".lua " .. args)
  assert.equal(0, rc, out)
  return out, dir .. "/" .. folder .. "/out/"
end

local picture = helpers.picture   -- exists, not flat, records the seed

-- An untrained classifier with classify.lua's layers, saved where a sketch can read it.
local function fresh_classifier(dir)
  local net = module("classify", "classify_net").cnn(10)
  return wick.save(net, dir .. "/tenclass.safetensors") and dir .. "/tenclass.safetensors"
end

describe("seeing sketches' helpers", function()
  it("zoom crops the centre and resizes it back; factor 1 changes nothing", function()
    local zoom = module("deepdream", "dream").zoom
    local x = T.rand(1, 3, 20, 30)
    helpers.near(x:table(), zoom(x, 1), 1e-5)
    assert.same({ 1, 3, 20, 30 }, zoom(x, 1.25):shape())
  end)

  it("cuts a picture into 1 + 4 + 9 square tiles, skipping scales below the smallest side", function()
    local tiles = module("cnn_codes", "tiles")
    assert.equal(14, #tiles.cut(T.rand(3, 300, 400), 64))
    assert.equal(5, #tiles.cut(T.rand(3, 150, 200), 64))
    for _, t in ipairs(tiles.cut(T.rand(3, 300, 400), 64)) do assert.equal(t:size(2), t:size(3)) end
  end)
end)

describe("seeing sketches", function()
  local dir
  before_each(function() dir = helpers.tmpdir() end)
  after_each(function() helpers.remove_tree(dir) end)

  it("visualize says which command makes the classifier when it is missing", function()
    local out = run(dir, "visualize", "--no-inception --classifier " .. dir .. "/none.safetensors")
    assert.matches("wick sketches/classify/classify.lua", out, nil, true)
  end)

  needs(MODEL, table.unpack(PICTURES))("deepdream dreams, fills the contact sheet and zooms, at 96 px",
    function()
      local out, o = run(dir, "deepdream",
        "--size 96 --sheet 96 --frame-size 96 --steps 2 --octaves 2 --frames 2 --seed 3 --jitter 4")
      assert.matches("mixed4 octave 1/1", out, nil, true)
      local dreamed = picture(o .. "dream-astronaut-mixed4-seed3.png", 3)
      local photo = wick.image.load(wick.data.find(PICTURES[1]))
      photo = wick.image.resize(photo:narrow(1, 1, 3):contiguous(), 96, 96, { mode = "area" })
      assert.is_true((dreamed - photo):abs():mean():item() > 0.003, "the dream changed the picture")
      picture(o .. "sheet-mixed3-mixed4-mixed5-seed3.png", 3)
      picture(o .. "zoom-astronaut-mixed4-0002.png", 3)
      out = run(dir, "deepdream", "--size 96 --steps 1 --octaves 1 --frames 0 --sheet 0 --layer mixed5 --channel 7")
      assert.truthy(wick.fs.kind(o .. "dream-astronaut-mixed5-c7-seed7.png"), out)
    end)

  needs(MODEL)("visualize grows one channel and a grid of channels from noise, at 80 px", function()
    local _, o = run(dir, "visualize", "--side 80 --octaves 1 --steps 2 --channels 4 --batch 2 --no-classes --seed 5")
    picture(o .. "channel-mixed4-c97-seed5.png", 5)
    picture(o .. "channels-mixed4-1-4-seed5.png", 5)
  end)

  needs("fashion-mnist")("visualize draws every class of a Fashion-MNIST classifier", function()
    local _, o = run(dir, "visualize", "--no-inception --classifier " .. fresh_classifier(dir))
    local sheet = wick.image.load(o .. "classes-fashion-seed7.png")
    assert.is_true(sheet:size(3) > 10 * 84 and sheet:size(2) > 3 * 84)
  end)

  needs(MODEL, "images")("cnn_codes maps InceptionV3 codes of tiles and snaps them to a grid", function()
    local out, o = run(dir, "cnn_codes", "--tiles 12 --batch 4 --perplexity 3 --no-fashion")
    assert.matches("12 codes of 2048 dimensions", out, nil, true)
    picture(o .. "mosaic-inception-mixed10-seed7.png", 7)
    picture(o .. "map-inception-mixed10-seed7.png", 7)
  end)

  needs("fashion-mnist")("cnn_codes maps the classifier's penultimate codes", function()
    local out, o = run(dir, "cnn_codes", "--no-inception --fashion-count 100 --classifier " .. fresh_classifier(dir))
    assert.matches("100 codes of 128 dimensions", out, nil, true)
    picture(o .. "mosaic-fashion-penultimate-seed7.png", 7)
    -- and the page (wick.page): the codes' map with each image, classes named
    local data = helpers.read_file(o .. "page-fashion-penultimate-seed7/data.js")
    assert.truthy(data:find('"names":["t-shirt","trouser"', 1, true))
    assert.equal("file", wick.fs.kind(o .. "page-fashion-penultimate-seed7/sprites/sheet-1.png"))
  end)
end)
