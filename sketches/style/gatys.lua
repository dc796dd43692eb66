-- gatys.lua — the style-transfer loop of the style sketch (Gatys, Ecker and Bethge 2015):
-- an image is optimised so that one layer's features match the content picture's and
-- the Gram matrices of several layers match the style pictures' (blended by weight),
-- with a total-variation prior; L-BFGS or Adam on the pixels. Texture synthesis is the
-- same loop with no content. Both feature networks (the InceptionV3 trunk and one layer
-- of random filters) answer net:activations(x, names), so the loop never asks which.
-- Also: the pictures by name, the colour swap for --original-colors (YIQ), and the
-- checks on a list of styles and their weights.
local wick = require "wick"
local T, image, F = wick.tensor, wick.image, wick.nn.F

local M = {}

-- Each network's layers: content (one), style (several, each with its weight), and how
-- the losses weigh. Tuned by looking (see style.lua's header).
M.nets = {
  inception = { content = "mixed3", style = { "activation_1", "activation_3", "activation_5", "mixed0", "mixed2",
    "mixed4" }, layer_weights = { 1, 1, 1, 1, 1, 1 }, content_weight = 1, style_weight = 300, tv_weight = 0.05,
    min_side = 43 },   -- smaller pictures shrink to nothing before mixed4 (measured)
  random = { content = "conv5", style = { "conv3", "conv5", "conv7", "conv11", "conv15", "conv23" },
    layer_weights = { 1, 1, 1, 1, 1, 1 }, content_weight = 0.05, style_weight = 300, tv_weight = 0.05, min_side = 2 },
}

local loaded = {}   -- nets by name and model folder: a grid of 36 cells loads one once
function M.load(name, model)
  local key = name .. "\0" .. tostring(model)
  if loaded[key] then return loaded[key] end
  local net = name == "inception" and wick.nn.load_tfjs(model)
    or name == "random" and wick.nn.random_filters { sizes = { 3, 5, 7, 11, 15, 23 }, channels = 128, seed = 1 }
    or error(("--net must be inception or random, got '%s'"):format(name), 0)
  loaded[key] = net
  return net
end

-- Pictures by name (any other name is one of the paintings `make data` reassembles from
-- GCompris — great_wave, kandinsky_8, mona_lisa, … — or a path or a data name); "sky" is a detail
-- of Starry Night (the swirls, top middle), "getty" the first Getty photograph; canyon,
-- alps, boats, cats and sheep are Getty photographs too (old prints, sepia and grey).
M.pictures = {
  astronaut = "images/skimage/astronaut.png", chelsea = "images/skimage/chelsea.png",
  coffee = "images/skimage/coffee.png", brick = "images/skimage/brick.png", grass = "images/skimage/grass.png",
  gravel = "images/skimage/gravel.png", starry = "images/opencv/starry_night.jpg",
  sky = "images/opencv/starry_night.jpg", scream = "images/darknet/scream.jpg",
  fruits = "images/opencv/fruits.jpg", baboon = "images/opencv/baboon.jpg",
  canyon = "images/getty/img-black-canyon/image.jpg", alps = "images/getty/img-french-alpine-landscape/image.jpg",
  boats = "images/getty/img-nagasaki-boats/image.jpg", cats = "images/getty/img-locomotion-house-cat/image.jpg",
  sheep = "images/getty/img-march-pastoral/image.jpg",
}

local function path_of(name)
  if M.pictures[name] then return wick.data.find(M.pictures[name]) end
  if name:match("^[%w_]+$") and pcall(wick.data.find, "images/paintings/" .. name .. ".png") then
    return wick.data.find("images/paintings/" .. name .. ".png")   -- great_wave, kandinsky_8, … (make data)
  end
  if name == "getty" then
    local root = wick.data.find("images/getty")
    for _, d in ipairs(wick.fs.list(root)) do
      if wick.fs.kind(root .. "/" .. d .. "/image.jpg") then return root .. "/" .. d .. "/image.jpg" end
    end
  end
  return wick.data.find(name)
end

-- A picture by name as 3×H×W in [0,1], its long side `size` pixels; square: the middle
-- square of it, size × size (a grid's cells).
function M.picture(name, size, square)
  local img = image.rgb(image.load(path_of(name)))
  local h, w = img:size(2), img:size(3)
  if name == "sky" then   -- the middle of the sky: the big swirl
    img = img:narrow(2, h // 16, h // 2):narrow(3, w // 4, w // 2)
    h, w = img:size(2), img:size(3)
  end
  if square then
    local side = math.min(h, w)
    img = img:narrow(2, (h - side) // 2 + 1, side):narrow(3, (w - side) // 2 + 1, side)
  end
  return image.fit(img, size)
end

-- "starry,scream" and "0.7,0.3" → the names and weights summing to 1; every weight must
-- be a positive number and there must be one per style (none given: equal weights).
function M.styles(names, weights)
  local list, w, sum = {}, {}, 0
  for s in names:gmatch("[^,]+") do list[#list + 1] = s end
  if #list == 0 then error("--style: name at least one style picture", 0) end
  for s in (weights or ""):gmatch("[^,]+") do
    local v = tonumber(s)
    if not v or v <= 0 or v ~= v or v == math.huge then
      error(("--style-weights: every weight must be a positive number, got '%s'"):format(s), 0)
    end
    w[#w + 1] = v
  end
  if #w == 0 then for i = 1, #list do w[i] = 1 end end
  if #w ~= #list then
    error(("--style-weights: %d weights for %d styles (%s)"):format(#w, #list, names), 0)
  end
  for _, v in ipairs(w) do sum = sum + v end
  for i = 1, #w do w[i] = w[i] / sum end
  return list, w
end

-- RGB ↔ YIQ (NTSC): Y is the luminance, I and Q the colour.
local YIQ = T { { 0.299, 0.587, 0.114 }, { 0.596, -0.274, -0.322 }, { 0.211, -0.523, 0.312 } }
local RGB = T { { 1, 0.956, 0.621 }, { 1, -0.272, -0.647 }, { 1, -1.106, 1.703 } }

-- The luminance of `out` with the colour of `content` (both 3×H×W in [0,1]).
function M.original_colors(out, content)
  local h, w = out:size(2), out:size(3)
  local a = YIQ:matmul(out:reshape(3, h * w))
  local b = YIQ:matmul(image.resize(content, h, w):reshape(3, h * w))
  return RGB:matmul(T.cat({ a:narrow(1, 1, 1), b:narrow(1, 2, 2) }, 1)):view(3, h, w):clamp(0, 1)
end

-- The targets: the content layer's features, and per style layer the Gram matrix blended
-- over the styles (pictures, or what style_grams made of them) by weight; each with its
-- mean square, so every loss is relative (about 1 at the start whatever the layer's
-- scale) and the weights mean the same on both nets.
function M.targets(net, layers, content, styles, weights)
  local grams = styles.per_style and styles or M.style_grams(net, layers, styles)
  return wick.no_grad(function()
    local t = { grams = {}, scale = {} }
    if content then
      t.content = net:activations(content, { layers.content })[layers.content]
      t.content_scale = (t.content ^ 2):mean():item() + 1e-12
    end
    for i, per_layer in ipairs(grams.per_style) do
      for _, l in ipairs(layers.style) do
        local g = per_layer[l] * weights[i]
        t.grams[l] = t.grams[l] and t.grams[l] + g or g
      end
    end
    for _, l in ipairs(layers.style) do t.scale[l] = (t.grams[l] ^ 2):mean():item() + 1e-12 end
    return t
  end)
end

-- The Gram matrices of each style picture at the style layers ({per_style = {…}}), which
-- targets() takes in place of the pictures: a morph or an animation blends them anew
-- every frame without running the net on the styles again.
function M.style_grams(net, layers, styles)
  return wick.no_grad(function()
    local out = { per_style = {} }
    for i, s in ipairs(styles) do
      local acts = net:activations(s, layers.style)
      local g = {}
      for _, l in ipairs(layers.style) do g[l] = F.gram(acts[l]) end
      out.per_style[i] = g
    end
    return out
  end)
end

-- The loss of x (1×3×H×W in the net's range) and its parts {content, style, tv}; with
-- t.temporal = {target, mask, weight} also the masked distance to a target picture.
function M.loss(net, x, t, o)
  local names = { table.unpack(o.style) }
  if t.content then names[#names + 1] = o.content end
  local acts = net:activations(x, names)
  local style
  for i, l in ipairs(o.style) do
    local s = F.mse(F.gram(acts[l]), t.grams[l]) * (o.layer_weights[i] / t.scale[l])
    style = style and style + s or s
  end
  style = style * (o.style_weight / #o.style)
  local tv = F.total_variation(x) * (o.tv_weight * 100)
  local loss = style + tv
  local content
  if t.content then
    content = F.mse(acts[o.content], t.content) * (o.content_weight / t.content_scale)
    loss = loss + content
  end
  if t.temporal then   -- stay near the last frame carried along the flow, where the flow holds (Ruder et al.)
    loss = loss + ((x - t.temporal.target) ^ 2 * t.temporal.mask):mean() * t.temporal.weight
  end
  return loss, { content = content and content:item() or 0, style = style:item(), tv = tv:item() }
end

-- Optimises x0 for `o.steps` iterations with o.optimizer ("lbfgs" or "adam", o.lr);
-- o.on_step(k, x, loss, parts) every o.every iterations. Returns x clamped to [-1, 1].
function M.transfer(net, x0, t, o)
  local x = x0:detach():clone():contiguous():requires_grad()
  local parts, loss
  local function closure()
    x.grad = nil
    loss, parts = M.loss(net, x, t, o)
    loss:backward()
    return loss
  end
  local every = math.max(1, math.min(o.every, o.steps))
  local opt = o.optimizer == "lbfgs" and wick.optim.lbfgs({ x }, { lr = o.lr, max_iter = every, history_size = 50 })
    or o.optimizer == "adam" and wick.optim.adam({ x }, { lr = o.lr })
    or error(("--optimizer must be lbfgs or adam, got '%s'"):format(o.optimizer), 0)
  local k = 0
  while k < o.steps do
    local n = math.min(every, o.steps - k)
    if o.optimizer == "lbfgs" then
      opt.max_iter = n
      opt:step(closure)
    else
      for _ = 1, n do closure(); opt:step() end
    end
    k = k + n
    if o.on_step then o.on_step(k, x:detach(), loss:item(), parts) end
  end
  return x:detach():clamp(-1, 1)
end

-- What a run needs that a sketch may not declare: style.lua's defaults.
M.defaults = { style_scale = 1, size = 512, net = "inception", optimizer = "lbfgs", lr = 1, steps = 200, every = 50,
  init = "content", original_colors = false, content_weight = -1, style_weight = -1, tv_weight = -1,
  model = "models/inception_v3" }

-- kit's options, falling back on M.defaults; silent: no progress lines, no preview.
function M.quiet_options(kit)
  return setmetatable({ silent = true }, { __index = function(_, k)
    local v = kit[k]
    if v == nil then return M.defaults[k] end
    return v
  end })
end

-- One cell of a style × content grid, the same whether a grid makes it or cell.lua does:
-- the middle square of the content, `size` pixels, in the style of one picture, after
-- wick.seed(seed). Returns 3×size×size.
function M.cell(kit, content_name, style_name, seed)
  wick.seed(seed)
  local content = M.picture(content_name, kit.size, true)
  local o = M.quiet_options(kit)
  local style = M.picture(style_name, math.floor(kit.size * o.style_scale + 0.5))
  return M.run(o, o.net, content, { style }, { h = kit.size, w = kit.size }, { 1 }, wick.clock())
end

-- The net and the loop's options for a run with the sketch's options `kit`.
function M.setup(kit, net_name)
  local net = M.load(net_name, kit.model)
  local o = setmetatable({}, { __index = M.nets[net_name] })
  for _, k in ipairs { "content_weight", "style_weight", "tv_weight" } do if kit[k] >= 0 then o[k] = kit[k] end end
  o.optimizer, o.lr, o.steps, o.every = kit.optimizer, kit.optimizer == "adam" and kit.lr * 0.02 or kit.lr, kit.steps,
    kit.every
  return net, o
end

-- An error unless a picture (`what`, h×w) is large enough for the net of loop options o.
function M.big_enough(o, net_name, what, h, w)
  if math.min(h, w) < o.min_side then
    error(("%s is %d×%d px; the %s net needs at least %d px a side (raise --size, or --style-scale)")
      :format(what, w, h, net_name, o.min_side), 0)
  end
end

-- One run of the sketch (`kit` its options): a content picture (nil for a texture) and
-- style pictures → the result, 3×H×W; progress and out/preview.png every kit.every steps
-- (kit.silent: neither).
function M.run(kit, net_name, content, style_pics, size, weights, started)
  local net, o = M.setup(kit, net_name)
  M.big_enough(o, net_name, "the result", size.h, size.w)
  for i, p in ipairs(style_pics) do M.big_enough(o, net_name, ("style picture %d"):format(i), p:size(2), p:size(3)) end
  if not content and kit.tv_weight < 0 then o.tv_weight = 0.1 end   -- from noise: smoother
  local c = content and net:preprocess(content, { size = false })
  local s = {}
  for i, p in ipairs(style_pics) do s[i] = net:preprocess(p, { size = false }) end
  local t = M.targets(net, o, c, s, weights)
  local x = (not c or kit.init == "noise") and T.randn(1, 3, size.h, size.w) * 0.25
    or kit.init == "style" and image.resize(s[1], size.h, size.w) or c
  o.on_step = not kit.silent and function(k, xk, loss, p)
    print(("  %s %d/%d: loss %.4g (content %.3g, style %.3g, tv %.3g) %.0f s"):format(net_name, k, o.steps, loss,
      p.content, p.style, p.tv, wick.clock() - started))
    image.save(net:deprocess(xk):squeeze(1), kit:path("preview.png"))
  end
  local out = net:deprocess(M.transfer(net, x, t, o)):squeeze(1)
  return kit.original_colors and content and M.original_colors(out, content) or out
end

return M
