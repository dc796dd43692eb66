-- image_spec.lua — wick.image: load (every PNG form, JPEG), save (round trips, metadata,
-- folders, errors), resize (against hand-computed values) and grid.
-- Fixtures are described in tests/fixtures/images/fixtures.lua.
local wick = require "wick"
local helpers = require "spec_helpers"
local image, T = wick.image, wick.tensor
local fx = dofile "tests/fixtures/images/fixtures.lua"

-- ---- helpers -----------------------------------------------------------------------
local error_matching = helpers.error_matching
local read_file = helpers.read_file
local tmpdir = helpers.tmpdir
local write_file = helpers.write_file

local function listdir(dir) return wick.fs.list(dir) end

-- Removes a folder and everything in it, without a shell.
local remove_tree = helpers.remove_tree

-- Largest |t[c,y,x] - f(c,y,x)| (0-based c, y, x) over a C×H×W tensor.
local function max_diff(t, f)
  local m, tab = 0, t:table()
  for c, plane in ipairs(tab) do
    for y, row in ipairs(plane) do
      for x, v in ipairs(row) do
        local d = math.abs(v - f(c - 1, y - 1, x - 1))
        if d ~= d then d = math.huge end
        if d > m then m = d end
      end
    end
  end
  return m
end

local function same_shape(t, shape)
  assert.are.same(shape, t:shape())
end

-- ---- loading ---------------------------------------------------------------------------
describe("image.load", function()
  for _, v in ipairs(fx.png) do
    it("reads " .. v.name .. ".png exactly (" .. v.channels .. " channels)", function()
      local t = image.load(v.file)
      same_shape(t, { v.channels, v.h, v.w })
      local d = max_diff(t, function(c, y, x) return fx.expected(v, c, y, x) end)
      assert.is_true(d < 1e-6, v.name .. ": max diff " .. d)
    end)
  end

  for _, j in ipairs(fx.jpeg) do
    it("reads " .. j.name .. ".jpg within 3/255", function()
      local t = image.load(j.file)
      same_shape(t, { j.channels, 16, 16 })
      local d = max_diff(t, function(c, y, x) return fx.jpeg_expected(j, c, y, x) end)
      assert.is_true(d < 3 / 255, j.name .. ": max diff " .. d)
    end)
  end

  it("detects the format by content, not by name", function()
    local dir = tmpdir()
    write_file(dir .. "/really_a_png.jpg", read_file(fx.dir .. "rgb8.png"))
    write_file(dir .. "/really_a_jpeg.png", read_file(fx.dir .. "rgb.jpg"))
    same_shape(image.load(dir .. "/really_a_png.jpg"), { 3, 3, 5 })
    same_shape(image.load(dir .. "/really_a_jpeg.png"), { 3, 16, 16 })
    remove_tree(dir)
  end)

  -- A real photograph, when the system has one; its size comes from the JPEG's SOF marker.
  local candidates = {
    "/usr/share/doc/opencv-doc/examples/data/lena.jpg", "/usr/share/doc/opencv-doc/examples/data/baboon.jpg",
    "/usr/share/doc/opencv-doc/examples/data/fruits.jpg", "/usr/share/doc/nodejs/full-white-stripe.jpg",
  }
  local real
  for _, p in ipairs(candidates) do
    local f = io.open(p, "rb")
    if f then f:close(); real = p; break end
  end
  local function sof_size(bytes)
    local i = 3
    while i < #bytes do
      local marker = bytes:byte(i + 1)
      local len = string.unpack(">I2", bytes, i + 2)
      if marker >= 0xC0 and marker <= 0xCF and marker ~= 0xC4 and marker ~= 0xC8 and marker ~= 0xCC then
        local h, w, n = string.unpack(">I2I2B", bytes, i + 5)
        return h, w, n
      end
      i = i + 2 + len
    end
  end
  if real then
    it("reads a real JPEG (" .. real .. ")", function()
      local h, w, n = sof_size(read_file(real))
      local t = image.load(real)
      same_shape(t, { n == 1 and 1 or 3, h, w })
      assert.is_true(t:min():item() >= 0 and t:max():item() <= 1)
      assert.is_true(t:std():item() > 0.01, "a real photo is not flat")
    end)
  else
    pending("reads a real JPEG (none found on this system)")
  end
end)

describe("image.load errors", function()
  local dir
  before_each(function() dir = tmpdir() end)
  after_each(function() remove_tree(dir) end)

  it("names a missing file and the OS reason", function()
    local ok, err = pcall(image.load, "x.png")
    assert.is_false(ok)
    assert.is_truthy(err:find("image.load: cannot open 'x.png': No such file or directory", 1, true), err)
  end)

  it("says a truncated PNG is truncated", function()
    local bytes = read_file(fx.dir .. "rgb8_interlaced.png")
    write_file(dir .. "/cut.png", bytes:sub(1, #bytes - 80))
    error_matching("image.load: '.-/cut.png' is a truncated PNG", image.load, dir .. "/cut.png")
    write_file(dir .. "/header_only.png", bytes:sub(1, 20))
    error_matching("header_only.png' is a truncated PNG", image.load, dir .. "/header_only.png")
  end)

  it("says a truncated JPEG is truncated", function()
    local bytes = read_file(fx.dir .. "rgb.jpg")
    write_file(dir .. "/cut.jpg", bytes:sub(1, #bytes // 2))
    error_matching("image.load: '.-/cut.jpg' is a truncated JPEG", image.load, dir .. "/cut.jpg")
  end)

  it("reports a corrupt PNG (bad CRC, garbage data) with libpng's reason", function()
    local bytes = read_file(fx.dir .. "rgb8.png")
    -- flip one byte inside the IHDR data: its CRC no longer matches
    write_file(dir .. "/crc.png", bytes:sub(1, 17) .. "\255" .. bytes:sub(19))
    error_matching("crc.png' is a corrupt PNG: IHDR: CRC error", image.load, dir .. "/crc.png")
    local v = fx.png[8]
    local idat = fx.chunk("IDAT", "this is not zlib data")
    local bad = "\x89PNG\r\n\x1a\n" .. fx.chunk("IHDR", string.pack(">I4I4BBBBB", v.w, v.h, 8, 2, 0, 0, 0)) ..
      idat .. fx.chunk("IEND", "")
    write_file(dir .. "/zlib.png", bad)
    error_matching("zlib.png' is a corrupt PNG: ", image.load, dir .. "/zlib.png")
  end)

  it("reports a corrupt JPEG with libjpeg's reason", function()
    -- a start-of-frame marker whose length field (2) is too short to hold a frame header
    write_file(dir .. "/bad.jpg", "\255\216\255\192\0\2" .. string.rep("\0", 40))
    error_matching("bad.jpg' is a corrupt JPEG: ", image.load, dir .. "/bad.jpg")
  end)

  it("refuses absurd dimensions before allocating", function()
    local png = "\x89PNG\r\n\x1a\n" .. fx.chunk("IHDR", string.pack(">I4I4BBBBB", 100000, 100000, 8, 2, 0, 0, 0)) ..
      fx.chunk("IDAT", "\120\1") .. fx.chunk("IEND", "")
    write_file(dir .. "/huge.png", png)
    local before = wick.memory().live
    error_matching("huge.png' claims to be 100000x100000 pixels", image.load, dir .. "/huge.png")
    assert.are.equal(before, wick.memory().live)
  end)

  it("says what a file is when it is not PNG or JPEG", function()
    write_file(dir .. "/notes.png", "hello, this is text")
    error_matching("notes.png' is not a PNG or JPEG file %(it starts with the bytes 68 65 6c 6c%)", image.load,
      dir .. "/notes.png")
    write_file(dir .. "/anim.png", "GIF89a\1\0\1\0")
    error_matching("anim.png' is a GIF image; wick reads PNG and JPEG", image.load, dir .. "/anim.png")
    write_file(dir .. "/empty.png", "")
    error_matching("empty.png' is empty, not an image", image.load, dir .. "/empty.png")
  end)

  it("reports a folder given as a file", function()
    error_matching("image.load: cannot read '.-': Is a directory", image.load, dir)
  end)
end)

-- ---- saving ----------------------------------------------------------------------------
describe("image.save", function()
  local dir
  before_each(function() dir = tmpdir() end)
  after_each(function() remove_tree(dir) end)

  -- values that survive 8-bit quantisation exactly
  local function quantised(shape, levels)
    local t = T.rand(shape)
    return (t * levels):floor() / levels
  end

  for c = 1, 4 do
    it("round-trips " .. c .. " channels at 8 bits exactly", function()
      local t = quantised({ c, 7, 9 }, 255)
      local path = dir .. "/c" .. c .. ".png"
      assert.are.equal(path, image.save(t, path))
      local u = image.load(path)
      same_shape(u, { c, 7, 9 })
      assert.is_true((u - t):abs():max():item() < 1e-6)
    end)
  end

  it("round-trips 16 bits within 1/65535", function()
    local t = T.rand(3, 5, 6)
    local path = image.save(t, dir .. "/deep.png", { bits = 16 })
    local u = image.load(path)
    assert.is_true((u - t):abs():max():item() <= 0.5 / 65535 + 1e-7)
    assert.are.equal(16, read_file(path):byte(25), "IHDR bit depth is 16") -- depth byte at offset 25 (1-based)
  end)

  it("writes a 2-D tensor as one grey channel", function()
    local t = quantised({ 4, 6 }, 255)
    local u = image.load(image.save(t, dir .. "/g.png"))
    same_shape(u, { 1, 4, 6 })
    assert.is_true((u[1] - t):abs():max():item() < 1e-6)
  end)

  it("writes non-contiguous tensors", function()
    local t = quantised({ 3, 8, 5 }, 255)
    local v = t:transpose(2, 3) -- 3×5×8 view, not contiguous
    assert.is_false(v:is_contiguous())
    local u = image.load(image.save(v, dir .. "/t.png"))
    same_shape(u, { 3, 5, 8 })
    assert.is_true((u - v):abs():max():item() < 1e-6)
  end)

  it("clamps to [0,1], rounds, and writes NaN as 0", function()
    local t = T { { { -1, 2, 0 / 0, 0.5, 0.2 } } }
    local u = image.load(image.save(t, dir .. "/clamp.png"))
    local got = u:table()[1][1]
    local want = { 0, 1, 0, 128 / 255, 51 / 255 }
    for i = 1, 5 do assert.is_true(math.abs(got[i] - want[i]) < 1e-6, "pixel " .. i .. ": " .. got[i]) end
  end)

  it("writes Software, Sketch and Seed as tEXt chunks", function()
    wick.seed(4242)
    local reg = debug.getregistry()
    local saved = reg["wick.script"]
    reg["wick.script"] = "sketches/dream/dream.lua"
    local path = image.save(T.zeros(3, 2, 2), dir .. "/meta.png")
    reg["wick.script"] = saved
    local bytes = read_file(path)
    assert.is_truthy(bytes:find("tEXtSoftware\0wick", 1, true))
    assert.is_truthy(bytes:find("tEXtSketch\0dream", 1, true))
    assert.is_truthy(bytes:find("tEXtSeed\0" .. "4242", 1, true))
  end)

  it("omits Sketch when no sketch is running", function()
    local reg = debug.getregistry()
    local saved = reg["wick.script"]
    reg["wick.script"] = nil
    local bytes = read_file(image.save(T.zeros(1, 2, 2), dir .. "/nosketch.png"))
    reg["wick.script"] = saved
    assert.is_nil(bytes:find("Sketch", 1, true))
    assert.is_truthy(bytes:find("tEXtSeed\0" .. wick.seed(), 1, true))
  end)

  it("creates missing parent folders and leaves no temporary file", function()
    local path = dir .. "/out/a/b/frame-0001.png"
    assert.are.equal(path, image.save(T.zeros(3, 2, 2), path))
    assert.are.same({ "frame-0001.png" }, listdir(dir .. "/out/a/b"))
    same_shape(image.load(path), { 3, 2, 2 })
  end)

  it("replaces an existing picture whole", function()
    local path = dir .. "/p.png"
    image.save(T.zeros(1, 2, 2), path)
    image.save(T.ones(3, 4, 4), path)
    same_shape(image.load(path), { 3, 4, 4 })
    assert.are.same({ "p.png" }, listdir(dir))
  end)

  it("saves JPEG by extension (grey and RGB)", function()
    local t = T.full({ 3, 8, 8 }, 0.5)
    local u = image.load(image.save(t, dir .. "/x.JPG"))
    same_shape(u, { 3, 8, 8 })
    assert.is_true((u - t):abs():max():item() < 3 / 255)
    assert.are.equal("\255\216\255", read_file(dir .. "/x.JPG"):sub(1, 3))
    error_matching("image.save: JPEG has no alpha channel", image.save, T.zeros(4, 2, 2), dir .. "/a.jpg")
  end)

  it("names the path and the OS reason when it cannot write", function()
    error_matching("image.save: cannot write '/proc/x.png': ", image.save, T.zeros(1, 2, 2), "/proc/x.png")
    write_file(dir .. "/file", "x")
    error_matching("image.save: cannot write '.-/file/x.png': cannot create folder '.-/file': a file of" ..
      " that name exists", image.save, T.zeros(1, 2, 2),
      dir .. "/file/x.png")
    error_matching("cannot create folder '.-/file/sub': Not a directory", image.save, T.zeros(1, 2, 2),
      dir .. "/file/sub/x.png")
  end)

  it("leaves nothing behind when the final rename fails", function()
    wick.fs.mkdir(dir .. "/taken.png")
    error_matching("cannot write '.-/taken.png': it is a folder", image.save, T.zeros(1, 2, 2), dir .. "/taken.png")
    assert.are.same({ "taken.png" }, listdir(dir))
  end)

  it("names a wrong shape", function()
    error_matching("image.save: expected an image C×H×W with 1 to 4 channels %(or H×W%), got shape %[5,4,4%]",
      image.save, T.zeros(5, 4, 4), dir .. "/x.png")
    error_matching("got shape %[1,3,4,4%]", image.save, T.zeros(1, 3, 4, 4), dir .. "/x.png")
    error_matching("got shape %[4%]", image.save, T.zeros(4), dir .. "/x.png")
    error_matching("cannot save an empty image of shape %[3,0,4%]", image.save, T.zeros(3, 0, 4), dir .. "/x.png")
    assert.are.same({}, listdir(dir))
  end)

  it("rejects unknown and bad options", function()
    error_matching("image.save: unknown option 'bit'", image.save, T.zeros(1, 2, 2), dir .. "/x.png", { bit = 16 })
    error_matching("image.save: option 'bits' must be 8 or 16, got 12", image.save, T.zeros(1, 2, 2),
      dir .. "/x.png", { bits = 12 })
  end)
end)

-- ---- resize ----------------------------------------------------------------------------
describe("image.resize", function()
  local function close(t, want, tol)
    local got = t:table()
    local function walk(a, b, path)
      if type(b) == "table" then
        assert.are.equal(#b, #a, "length at " .. path)
        for i = 1, #b do walk(a[i], b[i], path .. "[" .. i .. "]") end
      else
        assert.is_true(math.abs(a - b) <= tol, ("%s: got %.7g, want %.7g"):format(path, a, b))
      end
    end
    walk(got, want, "")
  end

  it("bilinear 2x2 -> 4x4 matches PyTorch (align_corners=false)", function()
    local t = T { { { 0, 1 }, { 2, 3 } } }
    close(image.resize(t, 4, 4), { { { 0, 0.25, 0.75, 1 }, { 0.5, 0.75, 1.25, 1.5 }, { 1.5, 1.75, 2.25, 2.5 },
      { 2, 2.25, 2.75, 3 } } }, 1e-6)
  end)

  it("bilinear downscale by 2 averages pixel pairs (half-pixel centres)", function()
    local t = T { { { 0, 1, 2, 3, 4, 5, 6, 7 } } }
    close(image.resize(t, 1, 4, { mode = "bilinear" }), { { { 0.5, 2.5, 4.5, 6.5 } } }, 1e-6)
    -- 3 -> 2: src = 0.25, 1.75
    close(image.resize(T { { { 0, 10, 20 } } }, 1, 2), { { { 2.5, 17.5 } } }, 1e-5)
  end)

  it("area averages boxes with fractional coverage", function()
    local t = T { { { 3, 6, 9 } } }
    close(image.resize(t, 1, 2, { mode = "area" }), { { { (3 + 0.5 * 6) / 1.5, (0.5 * 6 + 9) / 1.5 } } }, 1e-5)
    local sq = T { { { 1, 2, 3, 4 }, { 5, 6, 7, 8 }, { 9, 10, 11, 12 }, { 13, 14, 15, 16 } } }
    close(image.resize(sq, 2, 2, { mode = "area" }), { { { 3.5, 5.5 }, { 11.5, 13.5 } } }, 1e-5)
    close(image.resize(sq, 1, 1, { mode = "area" }), { { { 8.5 } } }, 1e-5)
  end)

  it("nearest takes the pixel under each output centre", function()
    local t = T { { { 0, 1, 2, 3 } } }
    close(image.resize(t, 1, 2, { mode = "nearest" }), { { { 1, 3 } } }, 0)
    close(image.resize(T { { { 5, 7 } } }, 1, 4, { mode = "nearest" }), { { { 5, 5, 7, 7 } } }, 0)
  end)

  it("keeps an image the same at its own size, in every mode", function()
    local t = T.rand(3, 5, 7)
    for _, mode in ipairs { "bilinear", "area", "nearest" } do
      assert.is_true((image.resize(t, 5, 7, { mode = mode }) - t):abs():max():item() < 1e-6, mode)
    end
  end)

  it("resizes batches N×C×H×W, H×W images and non-contiguous views", function()
    local b = T.rand(2, 3, 8, 6)
    local r = image.resize(b, 4, 3, { mode = "area" })
    same_shape(r, { 2, 3, 4, 3 })
    assert.is_true((r[2] - image.resize(b[2], 4, 3, { mode = "area" })):abs():max():item() < 1e-6)
    same_shape(image.resize(T.rand(4, 4), 2, 8), { 2, 8 })
    local v = T.rand(3, 6, 4):transpose(2, 3)
    assert.is_true((image.resize(v, 2, 3) - image.resize(v:contiguous(), 2, 3)):abs():max():item() < 1e-6)
  end)

  it("rejects bad sizes, shapes, modes and unknown options", function()
    error_matching("image.resize: unknown option 'mdoe'", image.resize, T.zeros(1, 2, 2), 4, 4, { mdoe = "area" })
    error_matching("image.resize: mode must be \"bilinear\", \"area\" or \"nearest\", got cubic", image.resize,
      T.zeros(1, 2, 2), 4, 4, { mode = "cubic" })
    error_matching("image.resize: height must be an integer from 1 to 1048576, got 0", image.resize, T.zeros(1, 2, 2),
      0, 4)
    error_matching("got shape %[2,2,2,2,2%]", image.resize, T.zeros(2, 2, 2, 2, 2), 4, 4)
  end)
end)

-- ---- grid ------------------------------------------------------------------------------
describe("image.grid", function()
  it("lays a batch out in ceil(sqrt(N)) columns with padding", function()
    local b = T.zeros(5, 3, 2, 2)
    for k = 1, 5 do b[k]:fill_(k / 10) end
    local g = image.grid(b)
    same_shape(g, { 3, 2 * (2 + 2) + 2, 3 * (2 + 2) + 2 })
    local tab = g:table()
    assert.are.equal(1, tab[1][1][1])                     -- frame
    assert.is_true(math.abs(tab[1][3][3] - 0.1) < 1e-6)    -- image 1 at (pad, pad)
    assert.is_true(math.abs(tab[2][3][7] - 0.2) < 1e-6)    -- image 2, next column
    assert.is_true(math.abs(tab[3][7][7] - 0.5) < 1e-6)    -- image 5, second row
    assert.are.equal(1, tab[1][7][11])                     -- empty sixth cell
  end)

  it("centres images of different sizes in a list, with cols, pad and pad_value", function()
    local a, b = T.ones(1, 4, 4), T.full({ 1, 2, 2 }, 0.5)
    local g = image.grid({ a, b }, { cols = 1, pad = 0, pad_value = 0 })
    same_shape(g, { 1, 8, 4 })
    local t = g:table()[1]
    assert.are.same({ 0, 0, 0, 0 }, t[5])
    assert.are.same({ 0, 0.5, 0.5, 0 }, t[6])
    assert.are.same({ 0, 0.5, 0.5, 0 }, t[7])
    assert.are.same({ 1, 1, 1, 1 }, t[4])
  end)

  it("treats N×H×W as N grey images", function()
    same_shape(image.grid(T.zeros(4, 3, 3), { pad = 1 }), { 1, 2 * 4 + 1, 2 * 4 + 1 })
  end)

  it("rejects mixed channels, bad input and unknown options", function()
    error_matching("image.grid: all images need the same number of channels", image.grid,
      { T.zeros(3, 2, 2), T.zeros(1, 2, 2) })
    error_matching("image.grid: unknown option 'colums'", image.grid, T.zeros(2, 1, 2, 2), { colums = 2 })
    error_matching("image.grid: item 2 of the list is string, expected a tensor", image.grid, { T.zeros(1, 2, 2), "x" })
    error_matching("image.grid: no images to lay out", image.grid, {})
    error_matching("image.grid: expected a batch", image.grid, T.zeros(2, 2))
  end)
end)

-- ---- bad input (issue 10) --------------------------------------------------------------
describe("wick.image on bad input", function()
  local dir
  before_each(function() dir = tmpdir() end)
  after_each(function()
    for _, name in ipairs(listdir(dir)) do os.remove(dir .. "/" .. name) end
    os.remove(dir)
  end)

  -- 300 failing calls of fn leave tensor memory and the Lua heap where they were.
  local no_growth = helpers.no_growth

  it("checks numbers before casting them", function()
    -- 2^32 + 8 was cast to int: 8, and saved silently
    error_matching("image.save: option 'bits' must be an integer from 8 to 16, got 4294967304",
      image.save, T.zeros(1, 2, 2), dir .. "/x.png", { bits = 2 ^ 32 + 8 })
    error_matching("image.save: option 'quality' must be an integer from 1 to 100, got %-?nan",
      image.save, T.zeros(1, 2, 2), dir .. "/x.jpg", { quality = 0 / 0 })
    error_matching("image.resize: width must be an integer from 1 to 1048576, got 1.5", image.resize,
      T.zeros(1, 2, 2), 4, 1.5)
    error_matching("image.resize: height must be an integer from 1 to 1048576, got %-?nan", image.resize,
      T.zeros(1, 2, 2), 0 / 0, 4)
    error_matching("image.grid: option 'cols' must be an integer from 1 to 1048576, got %-1", image.grid,
      { T.zeros(1, 2, 2) }, { cols = -1 })
    -- 0 used to be accepted as "about square", which is what leaving cols out means
    error_matching("image.grid: option 'cols' must be an integer from 1 to 1048576, got 0", image.grid,
      { T.zeros(1, 2, 2) }, { cols = 0 })
    error_matching("image.grid: option 'pad_value' must be a finite number, got %-?nan", image.grid,
      { T.zeros(1, 2, 2) }, { pad_value = 0 / 0 })
    error_matching("image.grid: at most 1048576 images fit a sheet, got 274877906944", image.grid,
      T.zeros(1, 1, 2, 2):expand(2 ^ 38, 1, 2, 2))
    error_matching("image.load: the file name holds a zero byte", image.load, dir .. "/x.png\0.txt")
    error_matching("image.save: expected a file name %(a string%), got no value", image.save, T.zeros(1, 2, 2))
    assert.are.same({}, listdir(dir))
  end)

  it("failing calls leak nothing (300 of each)", function()
    local png = dir .. "/ok.png"
    image.save(T.rand(3, 16, 16), png)
    local bytes = read_file(png)
    write_file(dir .. "/cut.png", bytes:sub(1, #bytes - 20))
    local folder = dir .. "/folder.png"
    image.save(T.zeros(1, 1, 1), folder .. "/inner.png")
    local t = T.rand(3, 32, 32)
    no_growth("image.load of a truncated PNG", function() return image.load(dir .. "/cut.png") end)
    no_growth("image.save onto a folder", function() return image.save(t, folder) end)
    no_growth("image.save with a bad option", function() return image.save(t, png, { bits = 12 }) end)
    no_growth("image.resize to a bad size", function() return image.resize(t, 0, 4) end)
    no_growth("image.grid with a non-tensor in the list", function() return image.grid({ t, t, "x" }) end)
    no_growth("image.grid of mixed channels", function() return image.grid({ t, T.rand(1, 4, 4) }) end)
    os.remove(folder .. "/inner.png")
    os.remove(folder)
  end)

  it("wick.svg: bad SVG and sizes are named errors, and leak nothing", function()
    local svg = wick.svg
    if not svg or not pcall(svg.render, "<svg xmlns='http://www.w3.org/2000/svg' width='4' height='4'/>") then
      return print("\n  note: librsvg is not available; skipping")
    end
    error_matching("svg.render: option 'size' must be an integer from 1 to 16384, got 1099511627776", svg.render,
      "<svg/>", { size = 2 ^ 40 })
    error_matching("svg.render: expected SVG text %(a string%), got number", svg.render, 42)
    error_matching("svg.parses: expected SVG text %(a string%), got no value", svg.parses)
    no_growth("svg.render of broken SVG", function() return svg.render("<svg><g>", { size = 64 }) end)
    no_growth("svg.render with a bad size", function() return svg.render("<svg/>", { width = 0 }) end)
  end)
end)

describe("image.roll, image.blur and image.lap_normalize", function()


  it("rgb gives three channels and fit sets the longer side, keeping the aspect", function()
    local grey = T.rand(1, 6, 4)
    local g3 = image.rgb(grey)
    assert.same({ 3, 6, 4 }, g3:shape())
    assert.equal(0, (g3[3] - grey[1]):abs():max():item())
    local rgba = T.rand(4, 5, 5)
    assert.equal(0, (image.rgb(rgba) - rgba:narrow(1, 1, 3)):abs():max():item())
    helpers.refuses("image.rgb: the image has 2 channels", function() image.rgb(T.rand(2, 4, 4)) end)
    assert.same({ 3, 50, 100 }, image.fit(T.rand(3, 30, 60), 100):shape())
    assert.same({ 3, 10, 5 }, image.fit(T.rand(3, 40, 20), 10):shape())
    assert.is_true(math.abs(image.fit(T.full({ 3, 40, 20 }, 0.3), 10):mean():item() - 0.3) < 1e-6)
  end)

  it("rolls the last two dims with wrap-around, and back", function()
    local x = T.arange(1, 12):view(1, 3, 4)
    local r = image.roll(x, 1, -1)
    assert.same({ { { 10, 11, 12, 9 }, { 2, 3, 4, 1 }, { 6, 7, 8, 5 } } }, r:table())
    local img = T.randn(2, 3, 5, 7)
    assert.equal(0, (image.roll(image.roll(img, 3, 12), -3, -12) - img):abs():max():item())
    local leaf = T.randn(1, 1, 4, 4):requires_grad()
    image.roll(leaf, 1, 2):select(3, 1):sum():backward()   -- gradient lands on the rolled-in row
    assert.equal(4, leaf.grad:select(3, 4):sum():item())
    helpers.refuses("image.roll: dy must be an integer", function() image.roll(img, 0.5, 0) end)
  end)

  it("blurs: a flat image stays flat, an impulse spreads symmetrically and keeps its mass", function()
    local flat = T.full({ 3, 9, 9 }, 0.25)
    assert.is_true((image.blur(flat, 1.2) - 0.25):abs():max():item() < 1e-6)
    local dot = T.zeros(1, 1, 15, 15)
    dot[1][1][8][8] = 1
    local b = image.blur(dot, 1.5)
    assert.is_true(math.abs(b:sum():item() - 1) < 1e-5)
    assert.is_true(math.abs(b[1][1][8][6] - b[1][1][8][10]) < 1e-7 and math.abs(b[1][1][6][8] - b[1][1][8][6]) < 1e-7)
    assert.is_true(b[1][1][8][8] < 0.2 and b[1][1][8][8] > b[1][1][8][9])
    helpers.refuses("image.blur: sigma must be", function() image.blur(dot, 0) end)
    helpers.refuses("image.blur: the image must be C×H×W or N×C×H×W", function() image.blur(T.zeros(4), 1) end)
  end)

  it("normalises a gradient per image, whatever its scale, keeping its shape", function()
    local g = T.randn(2, 3, 32, 24)
    g[2]:mul_(1000)   -- the second image's gradient is far larger
    local n = image.lap_normalize(g, 4)
    assert.same(g:shape(), n:shape())
    local a, b = n[1]:abs():mean():item(), n[2]:abs():mean():item()
    assert.is_true(math.abs(a / b - 1) < 0.2, ("per-image sizes %g and %g"):format(a, b))
    assert.same({ 3, 32, 24 }, image.lap_normalize(g[1]):shape())
    helpers.refuses("image.lap_normalize: levels must be an integer", function() image.lap_normalize(g, 0) end)
  end)
end)
