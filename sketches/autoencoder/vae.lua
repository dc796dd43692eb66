-- A variational autoencoder (Kingma and Welling 2013): the encoder gives each digit a
-- small cloud in the latent space — a mean mu and a log-variance logvar — rather than a
-- point; the decoder is trained on a point drawn from it (z = mu + exp(logvar/2)·eps,
-- eps ~ N(0, 1), so the draw stays differentiable), and a KL term (wick.nn.F.kl_normal)
-- pulls every cloud towards N(0, 1). The latent space fills without holes, so anything
-- drawn from N(0, 1) decodes to a digit and walks between digits pass through digits.
-- Loss = BCE summed over an image's pixels + KL, per image: the negative ELBO, in nats.
--
-- Data: `make data` (MNIST; --data fashion for Fashion-MNIST). Run: wick
--       sketches/autoencoder/vae.lua [--latent 2] [--epochs 10] [--grid 16] [--walk slerp|lerp]
--       [--limit 0] [--seed 3]   (10 epochs: 170 s on 2 cores shared with other runs;
--       test ELBO −145.0 nats, BCE 138.4 + KL 6.6)
-- Writes out/vae-samples-seed<seed>.png (100 draws from the prior), for a 2-D latent
-- out/vae-plane-seed<seed>.png (the plane from −2.5 to 2.5 decoded) and
-- out/vae-codes-seed<seed>.png (the test digits' means by digit), out/vae-interp-seed<seed>.png
-- (eight pairs of test digits, ten steps between each pair's means, the digits at both
-- ends) and out/vae-walk-seed<seed>.gif (a loop through twelve test digits).
local wick = require "wick"
local T, nn, F, image = wick.tensor, wick.nn, wick.nn.F, wick.image
local kit = wick.sketch { seed = 3, epochs = 10, latent = 2, grid = 16, walk = "slerp", batch = 128, lr = 1e-3,
  limit = 0, data = "mnist" }
local ae = require "ae"   -- beside this file
ae.check(kit, { epochs = 1, latent = 1, grid = 2, batch = 1, limit = 0 })
if kit.walk ~= "slerp" and kit.walk ~= "lerp" then error("--walk must be slerp or lerp, got " .. kit.walk, 0) end
local train, test = ae.data(kit.data, kit.limit)
local L = kit.latent
local encoder = ae.mlp({ 784, 512, 256, 2 * L }, nn.flatten())   -- mu and logvar side by side
local decoder = ae.mlp({ L, 256, 512, 784 })
local function encode(x) local h = encoder(x); return h:narrow(2, 1, L), h:narrow(2, L + 1, L) end
local function terms(x)   -- BCE summed per image and the KL term, each averaged over the batch
  local mu, logvar = encode(x)
  local z = mu + (logvar * 0.5):exp() * T.randn(mu:shape())
  return ae.bce(decoder(z), x) * 784, F.kl_normal(mu, logvar)
end
local function report()
  return wick.no_grad(function()
    local bce, kl = terms(test.x:view(-1, 784))
    bce, kl = bce:item(), kl:item()
    return ("test BCE %.1f + KL %.2f = %.1f nats per image (ELBO %.1f)"):format(bce, kl, bce + kl, -(bce + kl))
  end)
end
ae.fit(kit, train, ae.params(encoder, decoder), function(x) local b, k = terms(x); return b + k end, report)

local between = kit.walk == "slerp" and T.slerp or function(a, b, t) return a * (1 - t) + b * t end
wick.no_grad(function()
  ae.sheet(kit, ae.tiles(decoder(T.randn(100, L))), 10, "vae-samples-seed%d.png", kit.seed)
  local mu = encode(test.x)
  if L == 2 then
    local g, z = kit.grid, {}
    for i = 1, g do
      for j = 1, g do z[#z + 1] = { -2.5 + 5 * (j - 1) / (g - 1), 2.5 - 5 * (i - 1) / (g - 1) } end
    end
    ae.sheet(kit, ae.tiles(decoder(T(z))), g, "vae-plane-seed%d.png", kit.seed)
    print((wick.plot.scatter(mu * T { 1, -1 }, { labels = test.y, radius = 1.5, path = kit:path("vae-codes-seed%d.png",
      kit.seed), title = kit.data .. " test images: the means of their latent clouds (y up)" })))
  end
  local cells = {}
  for p = 1, 8 do   -- test digits p and p + 8: different digits in MNIST's test order
    local a, b = mu:select(1, p), mu:select(1, p + 8)
    cells[#cells + 1] = test.x:select(1, p)
    for k = 0, 9 do cells[#cells + 1] = ae.tiles(decoder(between(a, b, k / 9):view(1, L)))[1] end
    cells[#cells + 1] = test.x:select(1, p + 8)
  end
  ae.sheet(kit, cells, 12, "vae-interp-seed%d.png", kit.seed)
  local frames = {}
  for s = 1, 12 do
    local a, b = mu:select(1, s), mu:select(1, s % 12 + 1)
    for k = 0, 11 do
      frames[#frames + 1] = image.resize(ae.tiles(decoder(between(a, b, k / 12):view(1, L)))[1], 112, 112)
    end
  end
  print(wick.video.save(frames, kit:path("vae-walk-seed%d.gif", kit.seed), { fps = 12 }))
end)
