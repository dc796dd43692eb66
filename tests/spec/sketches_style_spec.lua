-- sketches_style_spec.lua — the style sketch (issue 13): its helpers (the list of styles
-- and their weights, the colour swap, the losses and the loop) on small tensors
-- everywhere, and the sketch run for real at a tiny size through the wick binary — style
-- transfer on each network, --compare and --texture. Runs that need the InceptionV3
-- folder or the pictures are pending when wick.data.find cannot find them (CI has no data).
local wick = require "wick"
local helpers = require "spec_helpers"
local T = wick.tensor

local WICK = os.getenv("WICK") or "./wick"
local MODEL = "models/inception_v3/model.json"
local ASTRONAUT, STARRY = "images/skimage/astronaut.png", "images/opencv/starry_night.jpg"
local SCREAM, BRICK = "images/darknet/scream.jpg", "images/skimage/brick.png"
local CHELSEA = "images/skimage/chelsea.png"
local BOATS = "images/getty/img-nagasaki-boats/image.jpg"

-- `it` when the data is installed, else a test marked pending that says what is missing
local function needs(...)
  local why = helpers.missing_data(...)
  return why and function(title) pending(title .. why) end or it
end

local gatys = dofile("sketches/style/gatys.lua")

-- Runs a sketch of the folder (style.lua unless `sketch` names another) from a copy in dir
-- (so out/ lands there); returns its output, exit code and the out/ folder.
local function run(dir, args, sketch)
  helpers.copy_lua_files("sketches/style", dir .. "/style")
  local out, rc = helpers.run(WICK .. " " .. dir .. "/style/" .. (sketch or "style") .. ".lua " .. args)
  return out, rc, dir .. "/style/out/"
end

local picture = helpers.picture   -- exists, not flat, records the seed

describe("style sketch's helpers", function()
  it("reads a list of styles and normalises their weights; bad weights are errors naming the option", function()
    local names, w = gatys.styles("starry,scream", "0.7,0.3")
    assert.same({ "starry", "scream" }, names)
    helpers.near({ 0.7, 0.3 }, T(w), 1e-6)
    w = select(2, gatys.styles("a,b,c"))
    helpers.near({ 1 / 3, 1 / 3, 1 / 3 }, T(w), 1e-6)
    for _, bad in ipairs { "0.5,-0.5", "1,0", "1,x", "1", "1,1,1" } do
      local ok, err = pcall(gatys.styles, "starry,scream", bad)
      assert.is_false(ok, bad)
      assert.matches("--style-weights", err, nil, true)
    end
  end)

  it("original colours keep the result's luminance and the content's colour", function()
    wick.seed(3)   -- mid-grey colours: the swap stays inside [0, 1], so the clamp changes nothing
    local out, content = T.rand(3, 8, 8) * 0.2 + 0.4, T.rand(3, 8, 8) * 0.2 + 0.4
    local mixed = gatys.original_colors(out, content)
    local luma = T { { 0.299, 0.587, 0.114 } }
    helpers.near(luma:matmul(out:reshape(3, 64)):table(), luma:matmul(mixed:reshape(3, 64)), 2e-3)
    helpers.near(gatys.original_colors(content, content):table(), content, 2e-3)
  end)

  it("the loop lowers the loss on a small random-filter net", function()
    local net = wick.nn.random_filters { sizes = { 3, 5 }, channels = 8 }
    local o = { content = "conv3", style = { "conv3", "conv5" }, layer_weights = { 1, 1 }, content_weight = 1,
      style_weight = 10, tv_weight = 0.01, optimizer = "lbfgs", lr = 1, steps = 6, every = 3 }
    local c, s = T.rand(1, 3, 12, 12) * 2 - 1, T.rand(1, 3, 16, 16) * 2 - 1
    local t = gatys.targets(net, o, c, { s }, { 1 })
    local again = gatys.targets(net, o, c, gatys.style_grams(net, o, { s }), { 1 })   -- the Grams made once
    for _, l in ipairs(o.style) do helpers.near(t.grams[l]:table(), again.grams[l], 1e-6) end
    local first = gatys.loss(net, c, t, o):item()
    local seen = {}
    o.on_step = function(k) seen[#seen + 1] = k end
    local x = gatys.transfer(net, c, t, o)
    assert.same({ 3, 6 }, seen)
    assert.is_true(gatys.loss(net, x, t, o):item() < first)
    o.optimizer, o.lr = "adam", 0.05
    assert.is_true(gatys.loss(net, gatys.transfer(net, c, t, o), t, o):item() < first)
  end)
end)

describe("stable animation's helpers", function()
  local animate = dofile("sketches/style/animate.lua")
  -- a smooth random picture: blurred noise, so the flow has texture everywhere
  local function picture_like()
    wick.seed(8)
    return wick.image.blur(T.rand(3, 120, 160), 2)
  end

  it("zoom_pan cuts n frames of the asked size that move a little each time", function()
    local frames = animate.zoom_pan(picture_like(), 4, 30, 40, 1.5)
    assert.equal(4, #frames)
    for _, f in ipairs(frames) do assert.same({ 3, 30, 40 }, f:shape()) end
    local step = (frames[2] - frames[1]):abs():mean():item()
    assert.is_true(step > 0 and step < 0.1, "frames should differ a little, not be unrelated")
  end)

  it("flicker is near 0 for motion alone and large for a frame that changed", function()
    local frames = animate.zoom_pan(picture_like(), 3, 60, 80, 1.3)
    local flow, mask = animate.motion(frames[1], frames[2])
    local moved = animate.flicker(frames[1], frames[2], flow, mask)
    wick.seed(9)
    local other = animate.flicker(frames[1], wick.image.blur(T.rand(3, 60, 80), 2), flow, mask)
    assert.is_true(moved < other / 3, ("motion alone %.4f vs a new picture %.4f"):format(moved, other))
  end)

  it("stylises a clip in each mode on a small random-filter net; an unknown mode is refused", function()
    local net = wick.nn.random_filters { sizes = { 3, 5 }, channels = 8 }
    local o = { content = "conv3", style = { "conv3", "conv5" }, layer_weights = { 1, 1 }, content_weight = 1,
      style_weight = 10, tv_weight = 0.01, optimizer = "lbfgs", lr = 1, steps = 2, every = 2 }
    local frames = animate.zoom_pan(picture_like(), 3, 24, 32, 1.2)
    local style = T.rand(3, 24, 24)
    for mode in pairs(animate.modes) do
      local seen = 0
      local out = animate.stylise(gatys, net, o, frames, { style }, { mode = mode, first_steps = 3,
        temporal_weight = 10, blend = 0.8, progress = function() seen = seen + 1 end })
      assert.equal(3, #out, mode)
      assert.equal(3, seen)
      assert.same({ 3, 24, 32 }, out[3]:shape())
      assert.equal(2, o.steps, "the loop's steps are restored")
    end
    local ok, err = pcall(animate.stylise, gatys, net, o, frames, { style }, { mode = "wobbly", first_steps = 3 })
    assert.is_false(ok)
    assert.matches("--modes: each mode must be independent, previous or flow, got 'wobbly'", err, nil, true)
    ok, err = pcall(animate.stylise, gatys, net, o, frames, { style }, { mode = "flow", first_steps = 3, blend = 2 })
    assert.is_false(ok)
    assert.matches("--blend must be in [0, 1], got 2", err, nil, true)
  end)
end)

describe("style sketch", function()
  local dir
  before_each(function() dir = helpers.tmpdir() end)
  after_each(function() helpers.remove_tree(dir) end)

  it("refuses style weights that are not positive, naming the option", function()
    local out, rc = run(dir, "--style starry,scream --style-weights 1,-1")
    assert.is_not.equal(0, rc)
    assert.matches("--style-weights: every weight must be a positive number", out, nil, true)
  end)

  needs(MODEL, ASTRONAUT, STARRY)("refuses a style picture too small for InceptionV3, saying how to fix it", function()
    local out, rc = run(dir, "--size 64 --style-scale 0.5 --steps 1")
    assert.is_not.equal(0, rc)
    assert.matches("style picture 1 is 32×26 px; the inception net needs at least 43 px a side", out, nil, true)
  end)

  needs(MODEL, ASTRONAUT, STARRY)("transfers Starry Night onto the astronaut with InceptionV3, at 64 px", function()
    local out, rc, o = run(dir, "--size 64 --steps 4 --every 2 --seed 3")
    assert.equal(0, rc, out)
    assert.matches("inception 4/4", out, nil, true)
    local img = picture(o .. "style-astronaut-starry-inception-seed3.png", 3)
    assert.same({ 3, 64, 64 }, img:shape())
    picture(o .. "preview.png", 3)
  end)

  needs(ASTRONAUT, STARRY, SCREAM)("blends two styles on random filters with Adam and original colours", function()
    local out, rc, o = run(dir, "--net random --size 40 --steps 3 --every 3 --optimizer adam --init noise "
      .. "--style starry,scream --style-weights 0.7,0.3 --style-scale 0.5 --original-colors --seed 4")
    assert.equal(0, rc, out)
    picture(o .. "style-astronaut-starry-scream-random-colors-seed4.png", 4)
  end)

  needs(MODEL, ASTRONAUT, STARRY)("--compare puts both networks' results on one sheet", function()
    local out, rc, o = run(dir, "--compare --size 80 --steps 2 --every 2 --seed 5")
    assert.equal(0, rc, out)
    local sheet = picture(o .. "compare-astronaut-starry-seed5.png", 5)
    assert.is_true(sheet:size(3) >= 4 * 80)
  end)

  needs(BRICK, STARRY)("--texture grows textures from noise, source beside result", function()
    local out, rc, o = run(dir, "--texture brick,sky --net random --size 40 --steps 3 --every 3 --seed 6")
    assert.equal(0, rc, out)
    local sheet = picture(o .. "texture-brick-sky-random-seed6.png", 6)
    assert.is_true(sheet:size(2) >= 2 * 30)
  end)

  needs(CHELSEA, STARRY, SCREAM)("the grid: a sheet, a manifest, and each cell remade alone by its command", function()
    local out, rc, o = run(dir, "--contents chelsea,starry --styles scream,chelsea --net random --size 32 --steps 3 "
      .. "--seed 2", "grid")
    assert.equal(0, rc, out)
    local sheet = picture(o .. "grid-random-32px-seed2.png", 2)
    assert.same({ 3, 3 * 32 + 4 * 4, 3 * 32 + 4 * 4 }, sheet:shape())   -- headers + 2×2 cells, 4 px apart
    local rows = {}
    for line in helpers.read_file(o .. "grid-random-32px-seed2.tsv"):gmatch("[^\n]+") do rows[#rows + 1] = line end
    assert.equal(5, #rows)
    local c, s, seed, _, path, command = rows[5]:match("^(.-)\t(.-)\t(%d+)\t(.-)\t(.-)\t(.*)$")
    assert.same({ "starry", "chelsea", "20004" }, { c, s, seed })   -- the reverse direction: a painting as content
    local cell = picture(path, 20004)
    local again = dir .. "/again"
    out, rc = helpers.run(command:gsub("^wick sketches/style/", WICK .. " " .. dir .. "/style/") .. " --out " .. again)
    assert.equal(0, rc, out)
    local alone = picture(again .. "/cell-starry-chelsea-random-32px-seed20004.png", 20004)
    assert.is_true((alone - cell):abs():max():item() <= 1 / 255, "the cell made alone differs from the grid's")
  end)

  needs(ASTRONAUT, STARRY, SCREAM)("the morph writes every frame, each close to the one before", function()
    local out, rc, o = run(dir, "--net random --size 32 --frames 3 --first-steps 4 --steps 2 --seed 3", "morph")
    assert.equal(0, rc, out)
    local name = "morph-astronaut-starry-scream"
    local first = picture(o .. name .. "-0001.png", 3)
    local last = picture(o .. name .. "-0003.png", 3)
    assert.is_nil(io.open(o .. name .. "-0004.png"), "one frame too many")
    local change = tonumber(out:match("mean change between consecutive frames: ([%d.]+)"))
    assert.is_true(change and change > 0, out)
    assert.is_true((last - first):abs():mean():item() > 0)
    picture(o .. name .. "-seed3.png", 3)
    local frames = wick.video.read(o .. name .. "-seed3.gif")
    assert.equal(4, #frames)   -- 1 2 3, then 2 on the way back
  end)

  needs(MODEL, BOATS, STARRY)("stable stylises a clip three ways, side by side as GIF and MP4", function()
    local out, rc, o = run(dir, "--frames 3 --size 64 --steps 2 --first-steps 3 --seed 4", "stable")
    assert.equal(0, rc, out)
    for _, mode in ipairs { "independent", "previous", "flow" } do
      assert.matches("  " .. mode .. " +flicker [%d.]+ +change between frames [%d.]+", out)
      picture(o .. "stable-" .. mode .. "-0003.png", 4)
    end
    local frames, info = wick.video.read(o .. "stable-boats-starry-seed4.gif")
    assert.equal(3, #frames)
    assert.same({ 3, 48 + 2 * 4, 4 * 64 + 5 * 4 }, frames[1]:shape())   -- source + three modes, 4 px around each
    local mp4 = wick.video.open(o .. "stable-boats-starry-seed4.mp4")
    assert.equal(4 * 64 + 5 * 4, mp4.width)
    mp4:close()
    assert.equal(8, math.floor(info.fps + 0.5))
  end)
end)
