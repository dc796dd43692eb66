-- A tiny binary code: MNIST digits squeezed through six sigmoid units that learn to be
-- nearly 0 or 1, so every digit becomes one of 64 corners of a cube, and all 64 corners
-- can be decoded and looked at together. The push towards 0/1 is noise: during training
-- gaussian noise (--noise, its std in logit units) is added before the sigmoid, as in
-- Salakhutdinov and Hinton's semantic hashing. A value in the middle of the sigmoid
-- then reaches the decoder blurred by the noise, while one far out in either tail comes
-- through unchanged, so the encoder learns on its own to saturate, with no penalty
-- weight to tune against the reconstruction; at test time the noise is off.
--
-- Data: `make data` (MNIST; --data fashion for Fashion-MNIST). Run: wick
--       sketches/autoencoder/binary.lua [--epochs 10] [--noise 4] [--limit 0] [--seed 3]
--       (10 epochs: 65 s on 2 cores; test BCE 0.185, 85 % of code values within 0.1 of 0 or 1).
-- Writes out/corners-seed<seed>.png: the 64 corner codes decoded, 8 × 8, in Gray-code
-- order (rows step units 1–3, columns units 4–6; a cell differs from each neighbour in
-- one unit). Prints how binary the test codes became and which corners the digits use.
local wick = require "wick"
local T = wick.tensor
local kit = wick.sketch { seed = 3, epochs = 10, noise = 4, batch = 128, lr = 1e-3, limit = 0, data = "mnist" }
local ae = require "ae"   -- beside this file
ae.check(kit, { epochs = 1, batch = 1, limit = 0 })
if not (kit.noise >= 0 and kit.noise < 100) then error("--noise must be from 0 to 100, got " .. kit.noise, 0) end
local train, test = ae.data(kit.data, kit.limit)
-- batch norm before the sigmoid: without it the six logits run off to one saturated
-- corner for every digit within the first epoch, noise or not (seen); with it they start
-- centred and the noise makes them grow apart
local encoder, decoder = wick.nn.sequential { ae.encoder(6), wick.nn.batchnorm1d(6) }, ae.decoder(6)
local function codes(x)   -- at test time: batch norm with its running statistics, no noise
  encoder:eval()
  local c = encoder(x):sigmoid()
  encoder:train()
  return c
end
local function report()
  return wick.no_grad(function()
    local c = codes(test.x)
    local near = (c:lt(0.1) + c:gt(0.9)):mean():item()
    return ("test BCE %.4f (codes rounded to 0/1: %.4f), %.1f %% of code values within 0.1 of 0 or 1"):format(
      ae.bce(decoder(c), test.x):item(), ae.bce(decoder(c:gt(0.5)), test.x):item(), 100 * near)
  end)
end
ae.fit(kit, train, ae.params(encoder, decoder), function(x, _, done)
  local logits = encoder(x)   -- the noise grows from 0 over the first half: at full strength from
  local std = kit.noise * math.min(1, 2 * done)   -- the start, it drowns the code before it forms
  return ae.bce(decoder((logits + T.randn(logits:shape()) * std):sigmoid()), x)
end, report)

wick.no_grad(function()
  -- which corner each test digit lands in, and the digit most often there
  local bits = codes(test.x):gt(0.5)
  local corner = bits:matmul(T { 1, 2, 4, 8, 16, 32 }):view(-1)
  local count, by_digit = {}, {}
  for i = 1, test.n do
    local k, d = corner[i], test.y[i]
    count[k] = (count[k] or 0) + 1
    by_digit[k] = by_digit[k] or {}
    by_digit[k][d] = (by_digit[k][d] or 0) + 1
  end
  local lines = {}
  for k = 0, 63 do
    if count[k] then
      local best = 1
      for d, n in pairs(by_digit[k]) do if n > (by_digit[k][best] or 0) then best = d end end
      lines[#lines + 1] = ("%d%d%d%d%d%d %5d, mostly %s"):format(k & 1, k >> 1 & 1, k >> 2 & 1, k >> 3 & 1,
        k >> 4 & 1, k >> 5 & 1, count[k], test.classes[best])
    end
  end
  local rows = {}   -- four corners a line
  for i = 1, #lines, 4 do rows[#rows + 1] = table.concat(lines, "    ", i, math.min(i + 3, #lines)) end
  print(("the test digits use %d of the 64 corners (units 1–6, digits there, the commonest):\n  %s"):format(
    #lines, table.concat(rows, "\n  ")))
  -- all 64 corners, in Gray-code order along rows and columns
  rows = {}
  for r = 0, 7 do
    for c = 0, 7 do
      local g1, g2 = r ~ (r >> 1), c ~ (c >> 1)
      rows[#rows + 1] = { g1 & 1, g1 >> 1 & 1, g1 >> 2 & 1, g2 & 1, g2 >> 1 & 1, g2 >> 2 & 1 }
    end
  end
  ae.sheet(kit, ae.tiles(decoder(T(rows))), 8, "corners-seed%d.png", kit.seed)
end)
