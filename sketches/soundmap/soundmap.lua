-- soundmap — the essay's map of sounds: every sample Debian ships for sonic-pi and for
-- Hydrogen's drum kits (about 900), each summarised by a constant-Q fingerprint of its
-- first second, laid out by t-SNE. Kicks gather with kicks and hats with hats because
-- their spectra over time look alike, not because anyone told the map their names; the
-- colours (categories read from the file names) are only painted on afterwards.
--
-- Data: Debian's sonic-pi-samples and hydrogen-drumkits (`make data`).
-- Run:  wick sketches/soundmap/soundmap.lua [--limit N] [--perplexity P] [--seed N]
--       default: all 919 sounds, about 25 s on two cores shared with other work (load 4):
--       loading and resampling ~17 ms a sound, the CQT ~1 ms, t-SNE 6 s; --limit 40 for a
--       quick look (a few seconds).
-- Writes out/soundmap-seed<seed>.png (the map coloured by category, with a legend),
-- out/soundmap-seed<seed>.tsv (x, y, category, path per sound) and the
-- page out/page-seed<seed>/index.html: hover a point to hear its sound.
local wick = require "wick"
local T, embed = wick.tensor, wick.embed

local kit = wick.sketch { seed = 7, limit = 0, perplexity = 30 }
local F = require "soundmap_fingerprint"   -- beside this file

-- Every sound, in a fixed order; --limit takes an even spread of them.
local sounds = wick.audio.samples()
if kit.limit > 0 and kit.limit < #sounds then
  local pick = {}
  for i = 1, kit.limit do pick[i] = sounds[1 + (i - 1) * #sounds // kit.limit] end
  sounds = pick
end
print(("soundmap: %d sounds"):format(#sounds))

-- Fingerprints: a progress line on a terminal, a sound that will not load is skipped.
local rows, kept, cats, bar = {}, {}, {}, wick.data.progress(#sounds, "sounds")
local clock = wick.clock()
for i, s in ipairs(sounds) do
  local ok, fp = pcall(F.fingerprint, s.path)
  if ok then
    rows[#rows + 1], kept[#kept + 1], cats[#cats + 1] = fp, s, F.category(s)
  else
    print(("skipped %s: %s"):format(s.path, fp))
  end
  bar.update(i, 1)
end
bar.finish()
print(("fingerprints: %d × %d in %.1f s"):format(#rows, rows[1]:size(1), wick.clock() - clock))

-- PCA to 50 dimensions, then t-SNE (perplexity at most a third of the points).
local x = T.stack(rows)
local n = x:size(1)
clock = wick.clock()
local x50 = embed.pca(x, math.min(50, n - 1))
local map = embed.tsne(x50, { perplexity = math.min(kit.perplexity, (n - 2) / 3), normalize = true,
  progress = false })
print(("t-SNE: %d points in %.1f s"):format(n, wick.clock() - clock))

local names, ids, count = F.classes(cats)
print((F.draw(map, ids, names, count, { path = kit:path("soundmap-seed%d.png", kit.seed),
  title = ("%d sounds: constant-Q fingerprints of the first second, t-SNE (seed %d)"):format(n, kit.seed) })))

local lines = { "x\ty\tcategory\tpath" }
for i, s in ipairs(kept) do
  lines[#lines + 1] = ("%.5f\t%.5f\t%s\t%s"):format(map:get(i, 1), map:get(i, 2), cats[i], s.path)
end
kit:write(("soundmap-seed%d.tsv"):format(kit.seed), table.concat(lines, "\n") .. "\n")

-- The page to hear it: points, categories, and each sound played on hover.
local paths, text = {}, {}
for i, s in ipairs(kept) do paths[i], text[i] = s.path, s.name .. " (" .. s.category .. ")" end
print(wick.page(kit:path("page-seed%d", kit.seed), map, { label = cats, sound = paths, text = text,
  title = ("soundmap: %d sounds"):format(n) }))
