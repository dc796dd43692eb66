-- animate.lua — the parts of the stable-animation sketch (stable.lua): a source clip (a
-- slow zoom and pan through one picture), the three ways to start each stylised frame,
-- and the flicker figure that tells them apart.
--
-- Each frame is a style transfer of its own (gatys.lua). Started from its own content
-- ("independent"), L-BFGS lands in a different local minimum every frame and the strokes
-- jump about: flicker. Started from the last stylised frame ("previous"), strokes stay,
-- but they stay where they were while the picture moves under them. Started from the
-- last frame carried along the optical flow ("flow": wick.image.flow, Farnebäck, then
-- image.warp), with a loss that keeps the new frame near it wherever the flow holds in
-- both directions (image.flow_mask), the strokes move with the picture (Ruder,
-- Dosovitskiy and Brox 2016, "Artistic style transfer for videos").
local wick = require "wick"
local image = wick.image

local M = {}

M.modes = { independent = true, previous = true, flow = true }

-- n frames of h×w: a window gliding from the left of img (3×H×W) to the right while
-- narrowing by `zoom` — a camera pushing in. Windows are cut on whole pixels of the
-- large picture, which is a fraction of a pixel of the frame.
function M.zoom_pan(img, n, h, w, zoom)
  local H, W = img:size(2), img:size(3)
  local frames = {}
  for k = 1, n do
    local t = n > 1 and (k - 1) / (n - 1) or 0
    local wh = math.min(H, W * h / w) * (1 - (1 - 1 / zoom) * t) * 0.9
    local ww = wh * w / h
    local cy, cx = H * (0.5 - 0.05 * t), W * (0.4 + 0.2 * t)
    local y0 = math.max(0, math.min(H - wh, cy - wh / 2))
    local x0 = math.max(0, math.min(W - ww, cx - ww / 2))
    local crop = img:narrow(2, math.floor(y0) + 1, math.floor(wh)):narrow(3, math.floor(x0) + 1, math.floor(ww))
    frames[k] = image.resize(crop, h, w, { mode = "area" })
  end
  return frames
end

-- The flow that carries frame a onto frame b (b(y, x) ≈ a(y + dy, x + dx)) and the mask
-- of where it holds both ways.
function M.motion(a, b)
  local back = image.flow(b, a)
  return back, image.flow_mask(back, image.flow(a, b))
end

-- Flicker: how far frame b's pixels are from frame a carried along the flow, mean
-- absolute difference over the mask (pixel values in [0, 1]). Motion alone gives ~0.
function M.flicker(a, b, flow, mask)
  local diff = (b - image.warp(a, flow)):abs():mean(1):squeeze(1)
  return (diff * mask):sum():item() / (mask:sum():item() + 1e-9)
end

-- Stylises `frames` (a list of 3×h×w) in one mode; gatys its loop, net and loop options
-- o (o.steps for the frames after the first). opts: mode, first_steps (the first
-- frame's), temporal_weight, blend (0..1, default 1: how much of the last frame, carried
-- along the flow or not, the next one starts from; the rest its own content), motions
-- (motions[k] = {flow, mask} from frame k − 1 to k, made here when absent) and
-- progress(k). Returns the stylised frames.
function M.stylise(gatys, net, o, frames, style_pics, opts)
  local mode, blend = opts.mode, opts.blend or 1
  if not M.modes[mode] then
    error(("--modes: each mode must be independent, previous or flow, got '%s'"):format(mode), 0)
  end
  if not (blend >= 0 and blend <= 1) then error(("--blend must be in [0, 1], got %s"):format(blend), 0) end
  local pics = {}
  for i, p in ipairs(style_pics) do pics[i] = net:preprocess(p, { size = false }) end
  local styles = gatys.style_grams(net, o, pics)   -- once, not every frame
  local out, prev_x, steps = {}, nil, o.steps
  for k, frame in ipairs(frames) do
    local c = net:preprocess(frame, { size = false })
    local t = gatys.targets(net, o, c, styles, { 1 })
    local x0 = c
    if k > 1 and mode == "previous" then x0 = prev_x * blend + c * (1 - blend) end
    if k > 1 and mode == "flow" then
      local m = opts.motions and opts.motions[k] or { M.motion(frames[k - 1], frame) }
      local carried = image.warp(prev_x:squeeze(1), m[1]):unsqueeze(1)
      x0 = carried * blend + c * (1 - blend)
      t.temporal = { target = carried, mask = m[2]:view(1, 1, m[2]:size(1), m[2]:size(2)),
        weight = opts.temporal_weight }
    end
    o.steps = k == 1 and opts.first_steps or steps
    o.every = o.steps
    prev_x = gatys.transfer(net, x0, t, o)
    out[k] = net:deprocess(prev_x):squeeze(1)
    if opts.progress then opts.progress(k) end
  end
  o.steps = steps
  return out
end

return M
