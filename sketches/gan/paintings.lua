-- A texture-of-paintings generator: a colour DCGAN (64×64, Radford et al. 2015) trained on
-- patches cut from the 22 paintings in the data folder — Hokusai's waves, van Gogh's
-- fields, Renoir's dancers, Kandinsky — at a few scales (a brush stroke to a passage) and
-- mirrored. With a few thousand patches and minutes of training it will not paint scenes:
-- it learns the paintings' palettes and brush textures, blurry at first, then in patches.
-- The same 8×8 grid of latent vectors is drawn as it learns, as in fashion.lua.
--
-- Data: `make data` (images/paintings).
-- Run:  wick sketches/gan/paintings.lua [--patches 4096] [--epochs 8] [--every 32]
--       [--limit 0 (steps per epoch, 0 = all)] [--lr 2e-4] [--collapse warn|stop|off]
--       default 4096 patches, 8 epochs (512 steps of 64): about 2 minutes on 2 idle cores
--       of an AVX-512 Xeon (268 images/s); slower without AVX-512, or beside other jobs.
-- Writes out/paintings-patches.png (64 of the real patches), out/paintings-epoch-NN.png,
-- out/paintings-learning.gif, out/paintings-generator.safetensors (walk.lua walks it).
local wick = require "wick"
local T, image = wick.tensor, wick.image

local kit = wick.sketch { seed = 1, patches = 4096, epochs = 8, every = 32, limit = 0, lr = 2e-4, batch = 64,
  collapse = "warn" }
local dcgan = require "dcgan"   -- beside this file: the architectures, the trainer, the patches
if kit.patches < kit.batch or kit.epochs < 1 or kit.batch < 2 then
  error("--patches must be at least --batch (64), --epochs at least 1", 0)
end

local started = wick.clock()
local x, count = dcgan.patches(kit.patches, 64, { 48, 64, 96, 128, 192 })
print(("%d patches of 64×64 from %d paintings (sides 48–192 px, mirrored half the time), %.0f s"):format(
  kit.patches, count, wick.clock() - started))
local function sheet(pics) return image.grid(pics, { cols = 8, pad = 2, pad_value = 1 }) end
print(image.save(sheet(x:narrow(1, 1, math.min(64, kit.patches))), kit:path("paintings-patches.png")))

local G, D = dcgan.generator64(), dcgan.discriminator64()
local z = T.randn(64, G.zdim)   -- the fixed grid
local frames = { sheet(dcgan.pictures(G, z)) }
local stats = dcgan.train(G, D, { x = x }, {
  epochs = kit.epochs, batch = kit.batch, lr = kit.lr, limit = kit.limit, every = kit.every, z = z,
  collapse = kit.collapse,
  on_snapshot = function(pics) frames[#frames + 1] = sheet(pics) end,
  on_epoch = function(pics, epoch)
    local grid = sheet(pics)
    print(image.save(grid, kit:path("paintings-epoch-%02d.png", epoch)))
    if kit.every == 0 then frames[#frames + 1] = grid end
  end,
})

print(wick.video.save(frames, kit:path("paintings-learning.gif"), { fps = 4 }))
print(wick.save(G, kit:path("paintings-generator.safetensors"),
  { metadata = { patches = tostring(kit.patches), epochs = tostring(kit.epochs), steps = tostring(stats.steps) } }))
local d, g = {}, {}
for e = 1, #stats.loss_d do d[e], g[e] = ("%.3f"):format(stats.loss_d[e]), ("%.3f"):format(stats.loss_g[e]) end
print(("D loss per epoch %s; G loss %s; %.0f images/s; done in %.0f s%s"):format(table.concat(d, " "),
  table.concat(g, " "), stats.images_per_s, wick.clock() - started, stats.collapse and " (collapsed: see above)" or ""))
