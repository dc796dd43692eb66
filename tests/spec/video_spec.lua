-- video_spec.lua — wick.video: round trips through GIF, MP4, WebM and numbered PNGs
-- (frame count, size, fps, error within a tolerance), the Reader and Writer objects
-- (fields, iteration, closing, <close> scopes), and bad input: wrong types, unknown
-- options and codecs, mismatched frame sizes, NaN frames, missing files and folders,
-- use after close. Everything is written under a temporary folder.
local wick = require "wick"
local helpers = require "spec_helpers"
local video, T = wick.video, wick.tensor

local error_matching = helpers.error_matching

-- Frame k of a moving pattern, 3×h×w: a gradient sliding right with a bright square.
local function frame(k, h, w)
  h, w = h or 24, w or 32
  local x = T.arange(0, w - 1):reshape(1, 1, w):expand(3, h, w)
  local y = T.arange(0, h - 1):reshape(1, h, 1):expand(3, h, w)
  local c = T.arange(0, 2):reshape(3, 1, 1):expand(3, h, w)
  local t = ((x - 2 * k) * 0.2 + c * 0.5):sin() * (y * 0.1):cos() * 0.4 + 0.5
  return t:contiguous()
end

local function frames(n, h, w)
  local list = {}
  for k = 1, n do list[k] = frame(k, h, w) end
  return list
end

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

local function mean_abs(a, b) return (a - b):abs():mean():item() end

describe("wick.video", function()
  local dir
  before_each(function() dir = helpers.tmpdir() end)
  after_each(function() helpers.remove_tree(dir) end)

  describe("round trips", function()
    for _, case in ipairs({
      { ext = "mp4", tol = 0.04 }, { ext = "webm", tol = 0.04 }, { ext = "mkv", tol = 0.04 },
      { ext = "gif", tol = 0.04, fps = 25 },
    }) do
      it("through ." .. case.ext .. ": frame count, size, fps and a small error", function()
        local path = dir .. "/clip." .. case.ext
        local src = frames(10)
        assert.equal(path, video.save(src, path, { fps = case.fps or 24 }))
        local got, info = video.read(path)
        assert.equal(10, #got)
        assert.equal(10, info.count)
        assert.equal(32, info.width)
        assert.equal(24, info.height)
        assert.near(case.fps or 24, info.fps, 0.01)
        for k = 1, 10 do
          assert.same({ 3, 24, 32 }, got[k]:shape())
          local e = mean_abs(got[k], src[k])
          assert.is_true(e < case.tol, ("frame %d: mean error %.4f"):format(k, e))
        end
        -- and the frames differ from each other: the pattern moved
        assert.is_true(mean_abs(got[1], got[10]) > 0.05)
      end)
    end

    it("keeps a GIF of few colours exact", function()
      local a = T.zeros(3, 8, 8)
      a[1]:fill_(1)
      local b = T.full({ 3, 8, 8 }, 0.2)
      local path = video.save({ a, b, a }, dir .. "/flat.gif", { fps = 10 })
      local got, info = video.read(path)
      assert.equal(3, #got)
      assert.near(10, info.fps, 1e-9)
      assert.equal(0, (got[1] - a):abs():max():item())
      assert.is_true((got[2] - b):abs():max():item() < 0.5 / 255)
    end)

    it("writes and reads numbered PNG frames, making the folder", function()
      local pattern = dir .. "/out/frames/%04d.png"
      video.save(frames(3), pattern)
      assert.is_true(exists(dir .. "/out/frames/0001.png"))
      assert.is_true(exists(dir .. "/out/frames/0003.png"))
      local r = video.open(pattern)
      assert.equal(3, r.count)
      local n = 0
      for f in r:frames() do
        n = n + 1
        assert.is_true(mean_abs(f, frame(n)) < 1 / 255)
      end
      assert.equal(3, n)
      r:close()
    end)

    it("accepts 1×H×W and H×W grey frames and an N×C×H×W batch", function()
      local grey = T.full({ 16, 16 }, 0.5)
      local path = video.save({ grey, grey:reshape(1, 16, 16) }, dir .. "/grey.webm")
      local got = video.read(path)
      assert.equal(2, #got)
      assert.is_true(mean_abs(got[2], T.full({ 3, 16, 16 }, 0.5)) < 0.03)
      local batch = T.rand(4, 3, 16, 16)
      local got2 = video.read(video.save(batch, dir .. "/batch.gif"))
      assert.equal(4, #got2)
    end)

    it("pads odd sides for MP4 and says so by reading back one pixel larger", function()
      local got, info = video.read(video.save(frames(2, 15, 21), dir .. "/odd.mp4"))
      assert.equal(22, info.width)
      assert.equal(16, info.height)
      assert.same({ 3, 16, 22 }, got[1]:shape())
    end)

    it("clamps values like image.save: NaN as 0, out-of-range to [0,1]", function()
      local f = T.full({ 3, 8, 8 }, 0 / 0)
      f[2]:fill_(7)
      f[3]:fill_(-3)
      local got = video.read(video.save({ f }, dir .. "/nan.gif"))
      assert.equal(0, got[1][1]:max():item())
      assert.equal(1, got[1][2]:min():item())
      assert.equal(0, got[1][3]:max():item())
    end)

    it("honours max_frames and the codec option", function()
      local path = video.save(frames(6), dir .. "/m.mp4", { codec = "mpeg4", quality = 90 })
      local got, info = video.read(path, { max_frames = 2 })
      assert.equal(2, #got)
      assert.equal(2, info.count)
      assert.equal("mpeg4", info.codec)
    end)
  end)

  describe("Reader", function()
    it("has the file's fields and reads to nil at the end", function()
      local path = video.save(frames(3), dir .. "/r.webm")
      local r = video.open(path)
      assert.equal(32, r.width)
      assert.equal(24, r.height)
      assert.equal(path, r.path)
      assert.is_string(r.codec)
      assert.matches("video reader", tostring(r))
      assert.is_not_nil(r:read())
      assert.is_not_nil(r:read())
      assert.is_not_nil(r:read())
      assert.is_nil(r:read())
      assert.is_nil(r:read())
      r:close()
      r:close()   -- twice is harmless
      error_matching("closed video reader", function() r:read() end)
      error_matching("closed video reader", function() r:frames() end)
    end)

    it("closes at the end of a <close> scope", function()
      local path = video.save(frames(2), dir .. "/c.gif")
      local outer
      do
        local r <close> = video.open(path)
        outer = r
      end
      error_matching("closed video reader", function() outer:read() end)
    end)

    it("refuses missing, empty, corrupt and non-video files, naming them", function()
      error_matching("nothere%.mp4.*No such file", video.open, dir .. "/nothere.mp4")
      helpers.write_file(dir .. "/empty.webm", "")
      error_matching("empty%.webm.*empty", video.open, dir .. "/empty.webm")
      helpers.write_file(dir .. "/notes.mp4", ("just some text\n"):rep(20))
      error_matching("notes%.mp4", video.read, dir .. "/notes.mp4")
      local path = video.save(frames(8), dir .. "/whole.mp4")
      local bytes = helpers.read_file(path)
      helpers.write_file(dir .. "/half.mp4", bytes:sub(1, #bytes // 2))
      error_matching("half%.mp4", video.read, dir .. "/half.mp4")
      local gif = helpers.read_file(video.save(frames(4), dir .. "/whole.gif"))
      helpers.write_file(dir .. "/cut.gif", gif:sub(1, #gif // 2))
      error_matching("cut%.gif.*corrupt or truncated GIF", video.read, dir .. "/cut.gif")
      error_matching("video.open: .*folder", video.open, dir)
    end)

    it("refuses wrong types and options", function()
      error_matching("video.open: expected a file name", video.open, 3)
      error_matching("video.read: unknown option 'max'", video.read, dir .. "/x.gif", { max = 3 })
      error_matching("video.read: option 'max_frames'", video.read, dir .. "/x.gif", { max_frames = 0 })
      error_matching("video.read: options must be a table", video.read, dir .. "/x.gif", 5)
      local path = video.save(frames(1), dir .. "/one.gif")
      local r = video.open(path)
      error_matching("reader:read: expected a video reader", r.read, 5)
      r:close()
    end)
  end)

  describe("Writer", function()
    it("writes frame by frame, counts them and appears only at close", function()
      local path = dir .. "/sub/dir/w.mp4"   -- the folders are made
      local w = video.writer(path, { fps = 12 })
      assert.equal(0, w.count)
      assert.equal(w, w:write(frame(1)))
      w:write(frame(2)):write(frame(3))
      assert.equal(3, w.count)
      assert.is_false(exists(path))
      assert.equal(path, w:close())
      assert.is_true(exists(path))
      assert.equal(path, w:close())   -- twice is harmless
      error_matching("writer:write: attempt to use a closed video writer", function() w:write(frame(4)) end)
      local got, info = video.read(path)
      assert.equal(3, #got)
      assert.near(12, info.fps, 0.01)
    end)

    it("finishes in a <close> scope left normally, and leaves no file after an error", function()
      local ok_path, bad_path = dir .. "/ok.webm", dir .. "/bad.webm"
      do
        local w <close> = video.writer(ok_path)
        w:write(frame(1))
      end
      assert.is_true(exists(ok_path))
      local ok = pcall(function()
        local w <close> = video.writer(bad_path)
        w:write(frame(1))
        error("boom")
      end)
      assert.is_false(ok)
      assert.is_false(exists(bad_path))
    end)

    it("leaves no file when dropped unclosed, and none from a failed save", function()
      local path = dir .. "/dropped.gif"
      do
        local w = video.writer(path)
        w:write(frame(1))
      end
      collectgarbage()
      collectgarbage()
      assert.is_false(exists(path))
      error_matching("video.save: .*frame 2 is 30x20 but the first frame was 32x24",
        video.save, { frame(1), frame(2, 20, 30) }, dir .. "/mixed.mp4")
      assert.is_false(exists(dir .. "/mixed.mp4"))
      local names = wick.fs.list(dir)
      assert.same({}, names)   -- no temporaries left behind either
    end)

    it("refuses mismatched sizes, bad frames, unknown codecs and options", function()
      local w = video.writer(dir .. "/m.gif")
      w:write(frame(1))
      error_matching("writer:write: .*frame 2 is 16x16 but the first frame was 32x24", w.write, w, T.rand(3, 16, 16))
      error_matching("writer:write: .*must be 3×H×W, 1×H×W or H×W", w.write, w, T.rand(4, 24, 32))
      error_matching("writer:write: expected a frame", w.write, w, "red")
      w:close()
      error_matching("video.writer: .*unknown codec 'nosuch'", video.writer, dir .. "/a.mp4", { codec = "nosuch" })
      error_matching("video.writer: .*'aac' is not a video codec", video.writer, dir .. "/a.mp4", { codec = "aac" })
      error_matching("video.writer: .*'.xyz'", video.writer, dir .. "/a.xyz")
      error_matching("video.writer: unknown option 'speed'", video.writer, dir .. "/a.mp4", { speed = 2 })
      error_matching("video.writer: option 'fps'", video.writer, dir .. "/a.mp4", { fps = 0 })
      error_matching("video.writer: option 'quality'", video.writer, dir .. "/a.mp4", { quality = 101 })
      error_matching("video.writer: option 'codec' must be a string", video.writer, dir .. "/a.mp4",
        { codec = 5 })
      error_matching("video.save: no frames", video.save, {}, dir .. "/e.gif")
      error_matching("video.save: frame 2 of the list is string, expected a tensor", video.save, { frame(1), "x" },
        dir .. "/e.gif")
      error_matching("writer:close: .*no frames written", function() video.writer(dir .. "/n.gif"):close() end)
      error_matching("video.writer: .*one %%d", video.writer, dir .. "/%d-%d.png")
    end)
  end)
end)
