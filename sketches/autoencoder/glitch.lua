-- Wrong wiring: the essay's glitch images made on purpose. An autoencoder with an 8-number
-- code is trained (or loaded from out/, from an earlier run with the same --code and
-- --seed), then its decoder is fed codes it never saw — units shuffled, scaled, negated,
-- half of them zeroed, shifted along by a code of the wrong size — or run with one of its
-- three layers put back to the weights it started with. Each mode is a row of the same
-- twelve test digits. A code of the wrong size fed straight to the decoder is refused by
-- wick (caught here and printed); the glitch rows pad or cut it to size instead.
--
-- Data: `make data` (MNIST; --data fashion for Fashion-MNIST). Run: wick
--       sketches/autoencoder/glitch.lua [--code 8] [--epochs 3] [--retrain] [--limit 0]
--       [--seed 3]   (3 epochs: 25 s on 2 cores; 2 s with the saved model)
-- Writes out/glitch-ae-code<code>-seed<seed>.safetensors (the model, reused next time)
-- and out/glitch-seed<seed>.png: one row per mode, in the order the run prints them.
local wick = require "wick"
local T, nn = wick.tensor, wick.nn
local kit = wick.sketch { seed = 3, code = 8, epochs = 3, retrain = false, batch = 128, lr = 1e-3, limit = 0,
  data = "mnist" }
local ae = require "ae"   -- beside this file
ae.check(kit, { epochs = 1, code = 4, batch = 1, limit = 0 })
local train, test = ae.data(kit.data, kit.limit)
local encoder, decoder = ae.encoder(kit.code), ae.decoder(kit.code)
local untrained = {}   -- the decoder's first weights (the same on every run of a seed)
for i, p in ipairs(decoder:parameters()) do untrained[i] = p:clone() end
local net = nn.sequential { encoder, decoder }
local saved = kit:path("glitch-ae-code%d-seed%d.safetensors", kit.code, kit.seed)
if wick.fs.kind(saved) == "file" and not kit.retrain then
  net:load(saved)
  print("loaded " .. saved .. " (--retrain to train afresh)")
else
  ae.fit(kit, train, net:parameters(), function(x) return ae.bce(decoder(encoder(x)), x) end, function()
    return ("test BCE %.4f"):format(wick.no_grad(function() return ae.bce(net(test.x), test.x):item() end))
  end)
  print(wick.save(net, saved))
end

wick.no_grad(function()
  local x = test.x:narrow(1, 1, 12)
  local code, k = encoder(x), kit.code
  local too_long = T.cat({ T.randn(12, 2), code }, 2)   -- as if wired from a bigger encoder
  local too_short = code:narrow(2, 3, k - 2)          -- … or a smaller one
  for _, wrong in ipairs { too_long, too_short } do
    local ok, err = pcall(decoder, wrong)
    print(("a %d-number code fed to the %d-number decoder: %s"):format(wrong:size(2), k,
      ok and "accepted (unexpected)" or "refused: " .. tostring(err)))
  end
  local order = {}
  for i = 1, k do order[i] = i end
  kit:shuffle(order)
  local mask = {}
  for i = 1, k do mask[i] = i % 2 end   -- 1 0 1 0 …
  mask = T(mask)
  local function with_layer_reset(l)   -- decoder linear layer l (1–3) back to its first weights
    local ps, keep = decoder:parameters(), {}
    for i = 2 * l - 1, 2 * l do keep[i] = ps[i]:clone(); ps[i]:copy_(untrained[i]) end
    local out = decoder(code)
    for i = 2 * l - 1, 2 * l do ps[i]:copy_(keep[i]) end
    return out
  end
  local modes = {
    { "the test digits", x },
    { "decoded faithfully", decoder(code) },
    { "units shuffled (" .. table.concat(order, " ") .. ")", decoder(code:index_select(2, order)) },
    { "units scaled by 3", decoder(code * 3) },
    { "units negated", decoder(-code) },
    { "every other unit zeroed", decoder(code * mask) },
    { "decoder layer 1 untrained", with_layer_reset(1) },
    { "decoder layer 2 untrained", with_layer_reset(2) },
    { "decoder layer 3 untrained", with_layer_reset(3) },
    { "code 2 too long, cut from the end (every unit 2 inputs late)", decoder(too_long:narrow(2, 1, k)) },
    { "code 2 too short, zero-padded (every unit 2 inputs early)", decoder(T.cat({ too_short, T.zeros(12, 2) }, 2)) },
  }
  local tiles = {}
  for row, m in ipairs(modes) do
    print(("row %2d: %s"):format(row, m[1]))
    for _, t in ipairs(ae.tiles(m[2], row > 1)) do tiles[#tiles + 1] = t end
  end
  ae.sheet(kit, tiles, 12, "glitch-seed%d.png", kit.seed)
end)
