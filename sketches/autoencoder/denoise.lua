-- A denoising autoencoder (Vincent et al. 2008): every training digit is damaged before
-- it goes in — pixels knocked out (--noise mask: a fraction --amount of them set to 0),
-- gaussian noise added (--noise gauss: std --std, clipped to [0, 1]), or both — and the
-- net is asked for the clean digit back. To undo the damage it has to know what digits
-- look like, so it learns strokes rather than copying pixels.
--
-- Data: `make data` (MNIST; --data fashion for Fashion-MNIST). Run: wick
--       sketches/autoencoder/denoise.lua [--noise mask|gauss|both] [--amount 0.5]
--       [--std 0.5] [--code 32] [--epochs 5] [--limit 0] [--seed 3]   (5 epochs: 55 s on 2
--       cores shared with other runs; masking: test BCE 0.122 damaged, 0.178 clean)
-- Writes out/denoise-<noise>-seed<seed>.png: twelve test digits as rows — damaged, what
-- the net made of them, the clean originals, and what it makes of those. Prints the test
-- BCE against the clean digits, from damaged inputs (the same damage every epoch) and
-- from clean ones. (With masking the clean digits come out worse than the damaged ones:
-- the net learned to expect half the ink, and an intact digit looks over-inked to it.)
local wick = require "wick"
local T = wick.tensor
local kit = wick.sketch { seed = 3, epochs = 5, noise = "mask", amount = 0.5, std = 0.5, code = 32, batch = 128,
  lr = 1e-3, limit = 0, data = "mnist" }
local ae = require "ae"   -- beside this file
ae.check(kit, { epochs = 1, code = 1, batch = 1, limit = 0 })
if kit.noise ~= "mask" and kit.noise ~= "gauss" and kit.noise ~= "both" then
  error("--noise must be mask, gauss or both, got " .. kit.noise, 0)
end
if not (kit.amount >= 0 and kit.amount < 1) then error("--amount must be from 0 up to 1, got " .. kit.amount, 0) end
if not (kit.std >= 0 and kit.std <= 10) then error("--std must be from 0 to 10, got " .. kit.std, 0) end
local train, test = ae.data(kit.data, kit.limit)
local encoder, decoder = ae.encoder(kit.code), ae.decoder(kit.code)

local function damage(x)
  if kit.noise ~= "gauss" then x = x * T.rand(x:shape()):ge(kit.amount) end
  if kit.noise ~= "mask" then x = (x + T.randn(x:shape()) * kit.std):clamp(0, 1) end
  return x
end
local clean = test.x:view(-1, 784)
local damaged = damage(clean)   -- drawn once, so the epochs are compared on the same damage
local function report()
  return wick.no_grad(function()
    return ("test BCE against the clean digits: %.4f from damaged inputs, %.4f from clean inputs"):format(
      ae.bce(decoder(encoder(damaged)), clean):item(), ae.bce(decoder(encoder(clean)), clean):item())
  end)
end
ae.fit(kit, train, ae.params(encoder, decoder), function(x) return ae.bce(decoder(encoder(damage(x))), x) end, report)

wick.no_grad(function()
  local n = 12
  local rows = {}
  local d, c = damaged:narrow(1, 1, n), clean:narrow(1, 1, n)
  for _, t in ipairs { ae.tiles(d, false), ae.tiles(decoder(encoder(d))), ae.tiles(c, false),
    ae.tiles(decoder(encoder(c))) } do
    for _, tile in ipairs(t) do rows[#rows + 1] = tile end
  end
  ae.sheet(kit, rows, n, "denoise-%s-seed%d.png", kit.noise, kit.seed)
end)
