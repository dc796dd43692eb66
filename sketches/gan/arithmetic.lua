-- Latent arithmetic (Radford et al. 2015, their glasses-on-faces sums) on the generator
-- fashion.lua trained: it draws a few thousand samples, a judge sorts them into concepts,
-- the latent vectors of the --pick most typical samples per concept are averaged, and
-- sums like "trouser − dress + pullover" (sleeves put on trousers) are drawn; the mean
-- vectors are stretched back to a gaussian sample's length (--no-renorm leaves them
-- short). The judge is the classify sketch's Fashion-MNIST net when it has been trained
-- (its out/tenclass.safetensors, or --classifier), else the nearest class mean in pixel
-- space (always for --data mnist). Each sheet: rows a, b, c (the picked samples, then
-- their mean vector's picture at the right), then a − b + c at the right with variations.
--
-- Needs: out/<data>-generator.safetensors from `wick sketches/gan/fashion.lua` (or
--        --data mnist). Run: wick sketches/gan/arithmetic.lua [--data fashion|mnist]
--        [--samples 3000] [--pick 6] [--sums "trouser-dress+pullover,…"] [--classifier PATH]
--        (about 10 seconds)
-- Writes out/<data>-sum-<a>-<b>-<c>.png per sum and out/<data>-sums.png (a, b, c, = result).
local wick = require "wick"
local T, image = wick.tensor, wick.image

local kit = wick.sketch { seed = 2, data = "fashion", samples = 3000, pick = 6, sums = "", generator = "",
  classifier = "", renorm = true }
local dcgan = require "dcgan"   -- beside this file: the generator, the judge
if kit.pick < 1 or kit.samples < 10 * kit.pick then error("--pick must be at least 1, --samples 10×--pick", 0) end
local G = dcgan.load(dcgan.generator28, kit.generator ~= "" and kit.generator
  or kit.here .. "/out/" .. kit.data .. "-generator.safetensors", "fashion.lua" .. (kit.data == "mnist" and
  " --data mnist" or ""))
local names, sums = dcgan.concepts(kit.data)
if kit.sums ~= "" then sums = kit.sums end

local judge, how = dcgan.judge(kit.data, kit.here, kit.classifier ~= "" and kit.classifier or nil)
print("judge: " .. how)
local z = T.randn(kit.samples, G.zdim)
local pics = T.cat((function()   -- in slices of 500: the generator's activations stay small
  local parts = {}
  for i = 1, kit.samples, 500 do
    parts[#parts + 1] = dcgan.pictures(G, z:narrow(1, i, math.min(500, kit.samples - i + 1)))
  end
  return parts
end)(), 1)
local class, conf = judge(pics)

-- The --pick samples the judge is surest are `name`: their latent vectors and pictures.
local function concept(name)
  local id = names[name] or error(("arithmetic: unknown concept '%s' (known: %s)"):format(name,
    dcgan.concept_list(names)), 0)
  local score = conf * class:eq(id) - class:ne(id)   -- others rank last
  local _, order = score:sort(1, true)
  local top = order:narrow(1, 1, kit.pick)
  local found = class:eq(id):sum():item()
  if found < kit.pick then print(("  only %d samples look like %s: the picks include others"):format(found, name)) end
  return z:index_select(1, top), pics:index_select(1, top)
end

local overview = {}
for a, b, c in sums:gmatch("([%w_]+)%-([%w_]+)%+([%w_]+)") do
  local za, pa = concept(a)
  local zb, pb = concept(b)
  local zc, pc = concept(c)
  local mean = { za:mean(1), zb:mean(1), zc:mean(1) }
  local result = mean[1] - mean[2] + mean[3]
  if kit.renorm then   -- back to a gaussian vector's length: a mean of k is √k times shorter
    for i = 1, 3 do mean[i] = mean[i] * (math.sqrt(G.zdim) / mean[i]:norm():item()) end
    result = result * (math.sqrt(G.zdim) / result:norm():item())
  end
  local near = T.cat({ result:view(1, -1):expand(kit.pick, G.zdim) + T.randn(kit.pick, G.zdim) * 0.5,
    result:view(1, -1) }, 1)   -- variations, then the result itself at the right
  local means = dcgan.pictures(G, T.stack(mean))
  local res = dcgan.pictures(G, near)
  local rows = { pa, means:narrow(1, 1, 1), pb, means:narrow(1, 2, 1), pc, means:narrow(1, 3, 1), res }
  local sheet = image.grid(T.cat(rows, 1), { cols = kit.pick + 1, pad = 2, pad_value = 0.35 })
  print(image.save(sheet, kit:path("%s-sum-%s-%s-%s.png", kit.data, a, b, c)))
  local said, sure = judge(res:narrow(1, kit.pick + 1, 1))
  print(("  %s − %s + %s looks like %s (%.0f%%)"):format(a, b, c, dcgan.concept_name(names, said[1]), 100 * sure[1]))
  overview[#overview + 1] = T.cat({ means, T.zeros(1, 1, 28, 28), res:narrow(1, kit.pick + 1, 1),
    res:narrow(1, 1, 3) }, 1)
end
if #overview == 0 then error("arithmetic: --sums must read like pullover-tshirt+dress,boot-sneaker+sandal", 0) end
print(image.save(image.grid(T.cat(overview, 1), { cols = 8, pad = 2, pad_value = 0.35 }),
  kit:path("%s-sums.png", kit.data)))
