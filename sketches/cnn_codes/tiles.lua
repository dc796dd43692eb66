-- tiles.lua — the pictures the cnn_codes sketch maps: the photographs and paintings of
-- the data folder's images/ (skimage's photos and textures, opencv's photographs and
-- Starry Night, darknet's Scream and animals, the ten Getty photographs; not the
-- calibration chessboards, logos, text and test patterns that share those folders),
-- each cut into square tiles at three scales (the largest centred square, then 2×2 and
-- 3×3 grids of squares), so fifty pictures give several hundred views: whole scenes,
-- objects, textures, details.
local wick = require "wick"
local image = wick.image

local M = {}

-- The pictures by folder (skimage, opencv and darknet by file; getty: every img-*/image.jpg).
M.chosen = {
  skimage = { "astronaut.png", "brick.png", "camera.png", "chelsea.png", "coffee.png", "coins.png", "grass.png",
    "gravel.png", "hubble_deep_field.jpg", "ihc.png", "moon.png", "motorcycle_left.png", "retina.jpg", "rocket.jpg" },
  opencv = { "aero1.jpg", "aero3.jpg", "aloeL.jpg", "apple.jpg", "baboon.jpg", "basketball1.png", "board.jpg",
    "box_in_scene.png", "building.jpg", "butterfly.jpg", "chicky_512.png", "ela_original.jpg", "fruits.jpg",
    "graf1.png", "home.jpg", "leuvenA.jpg", "licenseplate_motion.jpg", "messi5.jpg", "orange.jpg",
    "rubberwhale1.png", "squirrel_cls.jpg", "starry_night.jpg", "stuff.jpg" },
  darknet = { "dog.jpg", "eagle.jpg", "giraffe.jpg", "horses.jpg", "kite.jpg", "person.jpg", "scream.jpg" },
}
M.sources = { "skimage", "opencv", "darknet", "getty" }

-- Every chosen picture that is installed: {path =, source = index into M.sources}.
function M.pictures()
  local found = {}
  for k, source in ipairs(M.sources) do
    local ok, dir = pcall(wick.data.find, "images/" .. source)
    if ok then
      local names = M.chosen[source]
      if not names then   -- getty: one folder per photograph
        names = {}
        for _, folder in ipairs(wick.fs.list(dir)) do names[#names + 1] = folder .. "/image.jpg" end
      end
      for _, name in ipairs(names) do
        local path = dir .. "/" .. name
        if wick.fs.kind(path) == "file" then found[#found + 1] = { path = path, source = k } end
      end
    end
  end
  if #found == 0 then error("cnn_codes: no pictures in the data folders' images/; `make data` installs them", 0) end
  return found
end

-- The square tiles of one picture (3×H×W): at scale n (1, 2, 3), n×n squares of side
-- min(H, W)/n spread evenly over the picture (one centred square at n = 1), as views
-- (no copy). Scales whose squares are under min_side pixels are skipped.
function M.cut(img, min_side)
  local h, w = img:size(2), img:size(3)
  local out = {}
  for n = 1, 3 do
    local s = math.min(h, w) // n
    if s >= min_side then
      for i = 0, n - 1 do
        for j = 0, n - 1 do
          local y = n == 1 and (h - s) // 2 or math.floor(i * (h - s) / (n - 1) + 0.5)
          local x = n == 1 and (w - s) // 2 or math.floor(j * (w - s) / (n - 1) + 0.5)
          out[#out + 1] = img:narrow(2, y + 1, s):narrow(3, x + 1, s)
        end
      end
    end
  end
  return out
end

-- A picture as 3×H×W in [0,1], its long side at most max_side pixels (the tiles are
-- views into it, so the pictures are kept small): grey gets three channels, alpha goes.
function M.load(path, max_side)
  local img = image.rgb(image.load(path))
  if math.max(img:size(2), img:size(3)) <= max_side then return img end
  return image.fit(img, max_side)
end

-- Tiles of every picture: a list of 3×s×s views and each one's source (an index into
-- M.sources), at most `limit` tiles, picked at random with shuffle (the kit's, so the
-- seed decides) when there are more; and the number of pictures.
function M.collect(limit, shuffle)
  local tiles, from = {}, {}
  local pictures = M.pictures()
  for _, p in ipairs(pictures) do
    for _, t in ipairs(M.cut(M.load(p.path, 768), 64)) do tiles[#tiles + 1], from[#from + 1] = t, p.source end
  end
  local order = {}
  for i = 1, #tiles do order[i] = i end
  shuffle(order)   -- also spreads the sources over the grid's first cells
  local picked, picked_from = {}, {}
  for k = 1, math.min(limit, #tiles) do picked[k], picked_from[k] = tiles[order[k]], from[order[k]] end
  return picked, picked_from, #pictures
end

return M
