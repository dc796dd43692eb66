-- page_spec.lua — wick.page from Lua: the folder it writes (index.html from the embedded
-- template, data.js, sprite sheets whose cells hold each point's image, sound clips), what
-- data.js says (read back with dkjson), and what it refuses: bad points, options of the
-- wrong length, a path that is a file, a folder of someone else's files. What the page does
-- in a browser is tests/browser's (run by make test beside the specs).
local wick = require "wick"
local helpers = require "spec_helpers"
local json = require "dkjson"
local F = require "browser.fixtures"
local T, fs = wick.tensor, wick.fs

local error_containing, read_file, tmpdir = helpers.error_containing, helpers.read_file, helpers.tmpdir
local remove_tree = helpers.remove_tree

-- data.js as a Lua table
local function data_of(dir)
  local s = read_file(dir .. "/data.js")
  local body = assert(s:match("^window%.WICK_PAGE_DATA = (.*);\n$"), "data.js: not one assignment")
  return assert(json.decode(body))
end

local root
setup(function() root = tmpdir() end)
teardown(function() remove_tree(root) end)

describe("wick.page writes", function()
  it("a folder with index.html, data.js and the marker, and returns index.html's path", function()
    local dir = root .. "/plain"
    local path = wick.page(dir, T { { 0, 0 }, { 1, 2 }, { -1, 0.5 } })
    assert.equal(dir .. "/index.html", path)
    assert.equal("file", fs.kind(dir .. "/.wick-page"))
    local html = read_file(path)
    assert.truthy(html:find('<script src="data.js"', 1, true))
    assert.truthy(html:find("<title>wick map of 3 points</title>", 1, true))
    -- nothing from the network: no URL with a scheme other than the page's own files
    assert.falsy(html:find("https?://"))
    local d = data_of(dir)
    assert.equal(3, d.n)
    assert.same({ 0, 1, -1 }, d.x)
    assert.same({ 0, 2, 0.5 }, d.y)
    assert.is_nil(d.labels)
    assert.is_nil(d.sprites)
  end)

  it("labels sorted as a person would (class 2 before class 10), in plot.palette's colours", function()
    local dir = root .. "/labels"
    wick.page(dir, T.rand(4, 2), { label = { "class 10", "class 2", "b", "class 2" }, title = 'a <"map">' })
    local d = data_of(dir)
    assert.same({ "b", "class 2", "class 10" }, d.labels.names)
    assert.same({ 3, 2, 1, 2 }, d.labels.ids)
    local r, g, b = wick.plot.palette(2)
    assert.equal(("#%02x%02x%02x"):format(math.floor(r * 255 + 0.5), math.floor(g * 255 + 0.5),
      math.floor(b * 255 + 0.5)), d.labels.colors[2])
    assert.equal('a <"map">', d.title)
    assert.truthy(read_file(dir .. "/index.html"):find("<title>a &lt;&quot;map&quot;&gt;</title>", 1, true))
    -- a tensor of class ids works too, numbers sorted as numbers
    wick.page(dir, T.rand(3, 2), { label = T { 10, 2, 9 } })
    assert.same({ "2", "9", "10" }, data_of(dir).labels.names)
  end)

  it("class ids with classes: names in id order, plot.palette(id) colours, as plot.scatter", function()
    local dir = root .. "/classes"
    wick.page(dir, T.rand(3, 2), { label = T { 3, 1, 3 }, classes = { "zebra", "ant", "cat" } })
    local d = data_of(dir).labels
    assert.same({ "zebra", "ant", "cat" }, d.names)
    assert.same({ 3, 1, 3 }, d.ids)
    local r = wick.plot.palette(3)
    assert.equal(math.floor(r * 255 + 0.5), tonumber(d.colors[3]:sub(2, 3), 16))
    error_containing("with classes, label 2 must be a class id from 1 to 3, got '4'", wick.page, dir, T.rand(2, 2),
      { label = { 1, 4 }, classes = { "a", "b", "c" } })
    error_containing("give label too", wick.page, dir, T.rand(2, 2), { classes = { "a" } })
  end)

  it("texts with quotes, newlines, backslashes and UTF-8 that come back unchanged", function()
    local dir = root .. "/text"
    local texts = { 'say "hi"\nthen go', "back\\slash\ttab", "naïve — café ✓", false }
    wick.page(dir, T.rand(4, 2), { text = texts })
    local d = data_of(dir)
    for i = 1, 3 do assert.equal(texts[i], d.text[i]) end
    assert.is_nil(d.text[4])
  end)

  it("each image into its sprite cell (a tensor of N images)", function()
    local dir = root .. "/images"
    local n = 5
    local images = T.rand(n, 3, 6, 9)
    wick.page(dir, T.rand(n, 2), { image = images })
    local sp = data_of(dir).sprites
    assert.same({ 9, 6 }, sp.cell)
    assert.equal(1, #sp.sheets)
    local sheet = wick.image.load(dir .. "/" .. sp.sheets[1])
    assert.equal(3, sheet:size(1))
    for i = 1, n do
      local j = i - 1
      local cell = sheet:narrow(2, (j // sp.cols) * 6 + 1, 6):narrow(3, (j % sp.cols) * 9 + 1, 9)
      assert.is_true((cell - images[i]):abs():max():item() <= 0.5 / 255 + 1e-6, "image " .. i)
    end
  end)

  it("thumbnails no larger than thumb, and images from a function (nil: no image)", function()
    local dir = root .. "/fn"
    wick.page(dir, T.rand(3, 2), { image = T.rand(3, 1, 100, 50), thumb = 20 })
    assert.same({ 10, 20 }, data_of(dir).sprites.cell)
    local asked = {}
    local function picture(i)
      asked[i] = (asked[i] or 0) + 1
      if i == 2 then return nil end
      return T.full({ 3, 8 * i, 16 }, i / 4)
    end
    wick.page(dir, T.rand(3, 2), { image = picture, thumb = 16 })
    local sp = data_of(dir).sprites
    assert.same({ 1, 1, 1 }, asked)    -- each image asked for once
    assert.same({ 16, 16 }, sp.cell)   -- square: the first image's longer side (at most thumb)
    assert.same({ 1 }, sp.missing)     -- 0-based: point 2
    local sheet = wick.image.load(dir .. "/" .. sp.sheets[1])
    -- image 3 (24×16, value 0.75) shrunk to 16×11 and centred in its cell, white around
    assert.near(0.75, sheet:get(1, 8, 2 * 16 + 8), 2 / 255)
    assert.near(1, sheet:get(1, 8, 2 * 16 + 1), 1 / 255)
    -- image 1 (8×16, value 0.25) kept at its size, centred: rows 5..12
    assert.near(0.25, sheet:get(1, 5, 8), 2 / 255)
    assert.near(1, sheet:get(1, 4, 8), 1 / 255)
  end)

  it("one clip per distinct sound file, copied byte for byte", function()
    local dir = root .. "/sounds"
    local low = F.sine_wav(root .. "/low.wav", 220)
    local high = F.sine_wav(root .. "/high.wav", 880)
    wick.page(dir, T.rand(4, 2), { sound = { low, high, false, low } })
    local s = data_of(dir).sounds
    assert.same({ 1, 2, 0, 1 }, s.ids)
    assert.same({ "sounds/clip-1.wav", "sounds/clip-2.wav" }, s.clips)
    assert.equal(read_file(low), read_file(dir .. "/sounds/clip-1.wav"))
    assert.equal(read_file(high), read_file(dir .. "/sounds/clip-2.wav"))
  end)

  it("sound samples through wick.audio.save, one WAV clip each", function()
    local dir = root .. "/samples"
    local function tone(i) return T.linspace(0, 1, 800):mul(6.28 * i):sin():view(1, 800), 8000 end
    wick.page(dir, T.rand(3, 2), { sound = function(i) if i == 2 then return nil end return tone(i) end })
    local s = data_of(dir).sounds
    assert.same({ 1, 0, 2 }, s.ids)
    local clip, rate = wick.audio.load(dir .. "/sounds/clip-2.wav")
    assert.equal(8000, rate)
    assert.is_true((clip - tone(3)):abs():max():item() < 1e-3)
  end)

  it("labels and texts that cannot close a <script> (\\u003c, U+2028/9 escaped) and come back unchanged", function()
    local dir = root .. "/inject"
    local evil = "</script><img src=x onerror=alert(1)>"
    local seps = "a\226\128\168b\226\128\169c"
    wick.page(dir, T.rand(2, 2), { label = { evil, "b" }, text = { seps, evil } })
    local s = read_file(dir .. "/data.js")
    assert.falsy(s:lower():find("</script", 1, true))
    assert.falsy(s:find("<", 1, true))
    assert.falsy(s:find("\226\128\168", 1, true))
    local d = data_of(dir)
    assert.same({ evil, "b" }, d.labels.names)
    assert.equal(seps, d.text[1])
    assert.equal(evil, d.text[2])
  end)
end)

describe("wick.page replaces only its own pages", function()
  it("refuses a folder holding other files, and leaves them alone", function()
    local dir = root .. "/mine"
    fs.mkdir(dir)
    helpers.write_file(dir .. "/notes.txt", "my notes")
    error_containing("'" .. dir .. "' is not empty", wick.page, dir, T.rand(3, 2))
    assert.equal("my notes", read_file(dir .. "/notes.txt"))
    assert.is_nil(fs.kind(dir .. "/index.html"))
  end)

  it("refuses a path that is a file", function()
    local file = helpers.write_file(root .. "/a-file", "x")
    error_containing("is a file, not a folder", wick.page, file, T.rand(3, 2))
    assert.equal("x", read_file(file))
  end)

  it("replaces a previous page: its sheets and clips go, a file the user added stays", function()
    local dir = root .. "/again"
    local snd = F.sine_wav(root .. "/again.wav", 440)
    -- 64×64 cells, 32 × 32 to a sheet: 1,025 images make two sheets
    wick.page(dir, T.rand(1025, 2), { image = T.rand(1025, 1, 64, 64), sound = (function()
      local t = {}
      for i = 1, 1025 do t[i] = i == 1 and snd or false end
      return t
    end)() })
    assert.equal(2, #data_of(dir).sprites.sheets)
    helpers.write_file(dir .. "/README.txt", "kept")
    wick.page(dir, T.rand(2, 2), { image = T.rand(2, 1, 8, 8) })
    assert.same({ "sheet-1.png" }, fs.list(dir .. "/sprites"))
    assert.is_nil(fs.kind(dir .. "/sounds"))
    assert.equal("kept", read_file(dir .. "/README.txt"))
    assert.equal(2, data_of(dir).n)
  end)

  it("keeps the previous page whole when an image function raises, and no temporary folder", function()
    local dir = root .. "/keep"
    wick.page(dir, T.rand(4, 2), { image = T.rand(4, 1, 8, 8), label = { "a", "b", "c", "d" } })
    local before = { read_file(dir .. "/data.js"), read_file(dir .. "/index.html"),
      read_file(dir .. "/sprites/sheet-1.png") }
    local ok, err = pcall(wick.page, dir, T.rand(5, 2), { image = function(i)
      if i == 3 then error("no picture 3") end
      return T.rand(1, 8, 8)
    end })
    assert.is_false(ok)
    assert.truthy(tostring(err):find("no picture 3", 1, true), tostring(err))
    assert.same(before, { read_file(dir .. "/data.js"), read_file(dir .. "/index.html"),
      read_file(dir .. "/sprites/sheet-1.png") })
    assert.same({ "sheet-1.png" }, fs.list(dir .. "/sprites"))
    for _, name in ipairs(fs.list(root)) do assert.falsy(name:find("wick-page-tmp", 1, true), name) end
    -- a new folder is not made at all when the function raises
    assert.is_false(pcall(wick.page, root .. "/never", T.rand(2, 2), { image = function() error("x") end }))
    assert.is_nil(fs.kind(root .. "/never"))
  end)
end)

describe("wick.page refuses", function()
  local function p(...) return wick.page(root .. "/bad", ...) end
  it("points that are not N×2 or not finite", function()
    error_containing("page: points must be an N×2 tensor (N >= 1), got shape [4,3]", p, T.rand(4, 3))
    error_containing("page: points must be an N×2 tensor", p, "points")
    error_containing("points holds NaN", p, T { { 0, 0 / 0 } })
  end)
  it("options with one entry too few or too many", function()
    error_containing("option 'label' has 2 entries but there are 3 points", p, T.rand(3, 2), { label = { "a", "b" } })
    error_containing("option 'text' has 4 entries but there are 3 points", p, T.rand(3, 2),
      { text = { "a", "b", "c", "d" } })
    error_containing("N = 3 points, got shape [2,1,4,4]", p, T.rand(3, 2), { image = T.rand(2, 1, 4, 4) })
    error_containing("option 'label' must have one entry per point (3)", p, T.rand(3, 2), { label = T { 1, 2 } })
  end)
  it("wrong values, naming the option", function()
    error_containing("has 2 channels", p, T.rand(2, 2), { image = T.rand(2, 2, 4, 4) })
    error_containing("option 'thumb' must be an integer from 4 to 1024, got 0", p, T.rand(2, 2), { thumb = 0 })
    error_containing("sound 2: no file", p, T.rand(2, 2), { sound = { false, root .. "/nope.wav" } })
    error_containing("option 'title' must be a string", p, T.rand(2, 2), { title = 3 })
    error_containing("unknown option 'labels'", p, T.rand(2, 2), { labels = { "a", "b" } })
    error_containing("image 1 must be a C×H×W or H×W tensor", p, T.rand(2, 2), { image = function() return 1 end })
    assert.is_nil(fs.kind(root .. "/bad/index.html"))
  end)
  it("at the caller's line", function()
    local ok, err = pcall(wick.page, root .. "/bad", T.rand(2, 3))
    assert.is_false(ok)
    assert.truthy(tostring(err):find("^[^:]*page_spec%.lua:%d+: page:"), tostring(err))
  end)
end)
