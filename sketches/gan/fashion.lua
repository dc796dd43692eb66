-- DCGAN on Fashion-MNIST (or MNIST): a generator learns to draw clothes from 100 random
-- numbers while a discriminator learns to tell its drawings from the real ones (Radford
-- et al. 2015). The same 8×8 grid of latent vectors is drawn every --every steps and after
-- every epoch, so the artist watches grey blobs turn into shirts, trousers and boots.
-- The progress line shows both losses, D(x) (the discriminator's belief in real images)
-- and D(G(z)) (in fakes); a collapse (D winning outright, or every sample alike) is named.
--
-- Data: `make data` (Debian's dataset-fashion-mnist; mnist for --data mnist).
-- Run:  wick sketches/gan/fashion.lua [--data fashion|mnist] [--epochs 2] [--every 100]
--       [--limit 0 (steps per epoch, 0 = all 937)] [--lr 2e-4] [--collapse warn|stop|off]
--       default 2 epochs (1874 steps of 64): 116 s on 2 idle cores of an AVX-512 Xeon
--       (1030 images/s); slower without AVX-512, or beside other jobs.
-- Writes out/<data>-epoch-NN.png (the grid after each epoch), out/<data>-learning.gif (every
-- snapshot), out/<data>-generator.safetensors (loaded by arithmetic.lua and walk.lua).
local wick = require "wick"
local T, image = wick.tensor, wick.image

local kit = wick.sketch { seed = 1, data = "fashion", epochs = 2, every = 100, limit = 0, lr = 2e-4, batch = 64,
  collapse = "warn" }
local dcgan = require "dcgan"   -- beside this file: the architectures, the trainer, the collapse checks
if kit.data ~= "fashion" and kit.data ~= "mnist" then error("--data must be fashion or mnist, got " .. kit.data, 0) end
if kit.epochs < 1 or kit.batch < 2 or kit.every < 0 then error("--epochs must be at least 1, --batch 2", 0) end

local train = kit.data == "fashion" and wick.data.fashion_mnist() or wick.data.mnist()
local G, D = dcgan.generator28(), dcgan.discriminator28()
local z = T.randn(64, G.zdim)   -- the fixed grid: the same 64 points of latent space every time
local function sheet(pics) return image.grid(pics, { cols = 8, pad = 2, pad_value = 0.3 }) end

local frames = { sheet(dcgan.pictures(G, z)) }   -- the untrained generator first
local stats = dcgan.train(G, D, train, {
  epochs = kit.epochs, batch = kit.batch, lr = kit.lr, limit = kit.limit, every = kit.every, z = z,
  collapse = kit.collapse,
  on_snapshot = function(pics) frames[#frames + 1] = sheet(pics) end,
  on_epoch = function(pics, epoch)
    local grid = sheet(pics)
    print(image.save(grid, kit:path("%s-epoch-%02d.png", kit.data, epoch)))
    if kit.every == 0 then frames[#frames + 1] = grid end   -- else the snapshots make the film
  end,
})

print(wick.video.save(frames, kit:path("%s-learning.gif", kit.data), { fps = 4 }))
print(wick.save(G, kit:path("%s-generator.safetensors", kit.data),
  { metadata = { data = kit.data, epochs = tostring(kit.epochs), steps = tostring(stats.steps) } }))
local d, g = {}, {}
for e = 1, #stats.loss_d do d[e], g[e] = ("%.3f"):format(stats.loss_d[e]), ("%.3f"):format(stats.loss_g[e]) end
print(("D loss per epoch %s; G loss %s; %.0f images/s; done in %.0f s%s"):format(table.concat(d, " "),
  table.concat(g, " "), stats.images_per_s, stats.seconds, stats.collapse and " (collapsed: see above)" or ""))
