-- flow_spec.lua — wick.image.flow, warp and flow_mask: a smooth synthetic texture
-- (drawn from a formula, so both frames and the true motion are exact) moved by a
-- sub-pixel translation and by a smooth non-rigid field, zero motion, a real photograph
-- when `make data` has put one there (else the texture again), the warp as the flow's
-- inverse, the mask on an object moving over a background, and bad input. Endpoint
-- errors (EPE, mean pixels) are measured over the interior, a margin of 12 pixels left
-- out where content leaves the frame.
local wick = require "wick"
local helpers = require "spec_helpers"
local image, T = wick.image, wick.tensor

local H, W, MARGIN = 80, 112, 12

-- The texture at positions (px, py) (H×W tensors): sinusoids of wavelengths 9 to 40
-- pixels in several directions, in about [0.1, 0.9].
local WAVES = { { 0.21, 0.05, 0.3 }, { -0.07, 0.19, 1.1 }, { 0.13, 0.16, 2.0 }, { 0.35, -0.22, 0.7 },
  { 0.04, 0.41, 2.9 }, { -0.3, -0.11, 4.1 }, { 0.6, 0.2, 1.7 } }
local function texture(px, py)
  local v = T.zeros(H, W) + 0.5
  for _, k in ipairs(WAVES) do v = v + (px * k[1] + py * k[2] + k[3]):sin() * 0.055 end
  return v
end

local xs = T.arange(0, W - 1):view(1, W):expand(H, W)
local ys = T.arange(0, H - 1):view(H, 1):expand(H, W)

-- prev = texture; next(q) = texture(p) where q = p + d(p) (p by fixed-point iteration);
-- returns prev, next (1×H×W) and the true flow 2×H×W. field(x, y) -> dx, dy (tensors).
local function frames(field)
  local px, py = xs, ys
  for _ = 1, 40 do
    local dx, dy = field(px, py)
    px, py = xs - dx, ys - dy
  end
  local gx, gy = field(xs, ys)
  local gt = T.cat({ gx:view(1, H, W), gy:view(1, H, W) }, 1)
  return texture(xs, ys):view(1, H, W), texture(px, py):view(1, H, W), gt
end

local function interior(t)
  return t:narrow(-2, MARGIN + 1, t:size(-2) - 2 * MARGIN):narrow(-1, MARGIN + 1, t:size(-1) - 2 * MARGIN)
end

local function epe(f, gt)
  local d = interior(f - gt)
  return (d * d):sum(1):sqrt():mean():item()
end

local function shift(x) return x * 0 + 1.7, x * 0 - 2.3 end
local function swirl(x, y)
  return (y / 19):sin() * 2 + (x / 23):cos() * 0.8, (x / 17):cos() * 1.5 - ((x + y) / 29):sin()
end

describe("image.flow", function()
  it("recovers a sub-pixel translation of a texture", function()
    local prev, next, gt = frames(shift)
    local f = image.flow(prev, next)
    assert.are.same({ 2, H, W }, f:shape())
    local e = epe(f, gt)
    assert.is_true(e < 0.05, ("EPE %.4f"):format(e))
    -- the flow is the motion, not just anything small: the reverse pair gives minus it
    local back = image.flow(next, prev)
    assert.is_true(epe(back, gt * -1) < 0.05)
  end)

  it("recovers a smooth non-rigid field", function()
    local prev, next, gt = frames(swirl)
    local e = epe(image.flow(prev, next), gt)
    assert.is_true(e < 0.15, ("EPE %.4f"):format(e))
    -- with a box window and more iterations too
    e = epe(image.flow(prev, next, { filter = "box", iterations = 5 }), gt)
    assert.is_true(e < 0.2, ("EPE %.4f (box)"):format(e))
  end)

  it("gives zero flow for two equal frames, grey or RGB", function()
    local prev = frames(shift)
    assert.is_true(image.flow(prev, prev):abs():max():item() < 1e-4)
    local rgb = T.cat({ prev, prev * 0.9, prev * 1.1 }, 1)
    assert.is_true(image.flow(rgb, rgb):abs():max():item() < 1e-4)
    assert.is_true(image.flow(prev[1], prev[1]):abs():max():item() < 1e-4)   -- H×W
  end)

  it("follows a real photograph moved by a known shift", function()
    local path = "/usr/local/share/wick/images/skimage/astronaut.png"
    local photo
    if io.open(path) then
      photo = image.resize(image.load(path), 128, 128, { mode = "area" })
    else   -- no `make data`: the texture stands in
      photo = frames(shift)
    end
    -- next(q) = photo(q − d): a warp by −d
    local one = T.zeros(1, photo:size(2), photo:size(3))
    local d = T.cat({ one + 2.4, one - 1.3 }, 1)
    local next = image.warp(photo, d * -1)
    local e = epe(image.flow(photo, next), d)
    assert.is_true(e < 0.15, ("EPE %.4f"):format(e))
  end)

  it("gives the same flow on 1 thread as on 2", function()
    local prev, next = frames(swirl)
    local was = wick.threads()
    wick.threads(1)
    local one = image.flow(prev, next)
    wick.threads(2)
    local two = image.flow(prev, next)
    wick.threads(was)
    assert.are.equal(0, (one - two):abs():max():item())
  end)

  it("starts from init: a single level finds a large shift only with it", function()
    local prev, next, gt = frames(function(x) return x * 0 + 8.6, x * 0 - 5.2 end)
    local one = { levels = 1 }
    assert.is_true(epe(image.flow(prev, next, one), gt) > 1)
    one.init = gt
    assert.is_true(epe(image.flow(prev, next, one), gt) < 0.1)
  end)

  it("stays finite on 0..255 frames of straight stripes (a rank-1 window in every cell)", function()
    local stripes = ((xs * 0.7):sin() * 100 + 127):contiguous()
    local moved = (((xs - 1.5) * 0.7):sin() * 100 + 127):contiguous()
    local flow = image.flow(stripes, moved)
    local total = flow:sum():item()
    assert.is_true(total == total and math.abs(total) < math.huge, "the flow holds NaN or infinity")
    local dx = interior(flow:select(1, 1))
    assert.is_true(math.abs(dx:mean():item() - 1.5) < 0.3, "mean dx " .. dx:mean():item())
  end)

  it("refuses bad frames and options", function()
    local a = T.rand(3, 8, 8)
    helpers.refused("image.flow: prev and next differ in size", image.flow, a, T.rand(3, 8, 9))
    helpers.refused("image.rgb", image.flow, T.rand(4, 8, 8), T.rand(4, 8, 8))
    helpers.refused("image.flow: next holds NaN", image.flow, a, a * (0 / 0))
    helpers.refused("option 'window' must be odd", image.flow, a, a, { window = 4 })
    helpers.refused("option 'scale' must be a number from", image.flow, a, a, { scale = 1 })
    helpers.refused("option 'levels' must be an integer from 1 to 12", image.flow, a, a, { levels = 0 })
    helpers.refused("option 'poly_sigma' must be above 0", image.flow, a, a, { poly_sigma = 0 })
    helpers.refused("option 'filter' must be \"gaussian\" or \"box\"", image.flow, a, a, { filter = "median" })
    helpers.refused("unknown option 'level'", image.flow, a, a, { level = 3 })
    helpers.refused("init must be a flow 2×8×8", image.flow, a, a, { init = T.zeros(2, 4, 4) })
    helpers.refused("option 'init' must be a flow tensor", image.flow, a, a, { init = 1 })
  end)
end)

describe("image.warp", function()
  it("samples bilinearly at (x + dx, y + dy), edges clamped", function()
    local img = T { { { 0, 1, 2 }, { 10, 11, 12 } } }
    local f = T { { { 0.5, 0.5, 0.5 }, { 0.5, 0.5, 0.5 } }, { { 1, 1, 1 }, { -1, -1, -1 } } }
    assert.are.same({ { { 10.5, 11.5, 12 }, { 0.5, 1.5, 2 } } }, image.warp(img, f):table())
  end)

  it("undoes the motion a flow found: warp(next, flow) ≈ prev", function()
    local prev, next = frames(swirl)
    local rgb_prev, rgb_next = T.cat({ prev, prev, prev }, 1), T.cat({ next, next, next }, 1)
    local back = image.warp(rgb_next, image.flow(rgb_prev, rgb_next))
    assert.are.same({ 3, H, W }, back:shape())
    local after = interior(back - rgb_prev):abs():max():item()
    local before = interior(rgb_next - rgb_prev):abs():max():item()
    assert.is_true(after < 0.02 and before > 0.1, ("max diff %.4f (unwarped %.4f)"):format(after, before))
  end)

  it("refuses a flow of another size or shape, and NaN", function()
    helpers.refused("image.warp: flow is 8×9 pixels but the picture is 8×8", image.warp, T.rand(3, 8, 8),
      T.zeros(2, 8, 9))
    helpers.refused("image.warp: flow must be a flow 2×H×W", image.warp, T.rand(3, 8, 8), T.zeros(3, 8, 8))
    helpers.refused("image.warp: flow holds NaN", image.warp, T.rand(3, 8, 8), T.zeros(2, 8, 8) * (0 / 0))
  end)
end)

describe("image.flow_mask", function()
  -- a still textured background; a square of another texture moves 6 pixels right
  local function scene(offset)
    local inside = xs:ge(30 + offset) * xs:lt(50 + offset) * ys:ge(22) * ys:lt(42)
    local square = texture(xs * 2 - offset * 2 + 40, ys * 3) * -1 + 1
    return (square * inside + texture(xs, ys) * (inside * -1 + 1)):view(1, H, W)
  end

  it("flags the background the moving object covers and keeps the rest", function()
    local a, b = scene(0), scene(6)
    local o = { window = 9 }
    local m = image.flow_mask(image.flow(a, b, o), image.flow(b, a, o))
    assert.are.same({ H, W }, m:shape())
    assert.are.equal(H * W, (m:eq(0) + m:eq(1)):sum():item())   -- only 0 and 1
    local strip = m:narrow(1, 26, 14):narrow(2, 51, 6):mean():item()   -- covered in b
    local far = m:narrow(1, 5, H - 8):narrow(2, 75, W - 78):mean():item()   -- still background
    assert.is_true(strip < 0.3, ("kept %.2f of the covered strip"):format(strip))
    assert.is_true(far > 0.95, ("kept %.2f of the far background"):format(far))
  end)

  it("keeps a consistent pair everywhere and rejects an inconsistent one", function()
    local fwd = T.zeros(2, 16, 16) + 1.5   -- (1.5, 1.5): the last 2 rows and columns lead outside
    assert.are.equal(14 * 14, image.flow_mask(fwd, fwd * -1):sum():item())
    assert.are.equal(0, image.flow_mask(fwd, fwd):narrow(2, 1, 12):sum():item())
  end)

  it("refuses flows of two sizes", function()
    helpers.refused("image.flow_mask: bwd is 4×8 pixels but the picture is 8×8", image.flow_mask, T.zeros(2, 8, 8),
      T.zeros(2, 4, 8))
  end)
end)
