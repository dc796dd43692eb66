-- Emoji written as SVG. Every Twemoji is one line of text: its name from emojibase, a
-- tab, then its SVG with the shared header and footer stripped and every coordinate
-- rounded to an integer (the essay's preparation, so the network spends its capacity
-- on shapes rather than on digits). A two-layer LSTM learns those lines; primed with a
-- name ("grinning cat\t") it draws that emoji, primed with a newline it names and draws
-- one of its own. The generated SVGs that librsvg can read are rendered to a contact
-- sheet with their names; the sketch reports how many parse.
--
-- Data: npm @discordapp/twemoji@16.0.1 (dist/svg/*.svg) and emojibase-data@17.0.0
--       (en/data.json), unpacked by `make data` to $WICK_DATA/twemoji/ and
--       $WICK_DATA/emojibase/. Rendering needs librsvg2-2 (loaded at run time).
-- Twemoji graphics: Copyright Twitter, Inc and other contributors, licensed CC-BY 4.0
--       (https://creativecommons.org/licenses/by/4.0/); the generated pictures are
--       derived from them and carry the same attribution.
-- Run:  wick sketches/emoji/emoji.lua [--full] [--seed N]
--       default: the ~2,000 simplest emoji (lines under 1,200 characters), a 2×128 LSTM
--       trained for 90 s, 32 emoji generated (about 2–3 minutes); --full: every emoji,
--       2×256, 5,000 steps, 96 emoji (hours on one core).
-- Writes out/corpus.txt, out/emoji-seed<seed>.png (contact sheet), out/emoji-seed<seed>.txt
--        (names, parse results and the SVG of each generated emoji). The data preparation
--        and the contact sheet are in emoji_svg.lua beside this file.
local wick = require "wick"
local text, T, image, svg = wick.text, wick.tensor, wick.image, wick.svg
if not svg then error("emoji: this wick has no wick.svg module (bindings/media/svg.c is not registered)", 0) end

local kit = wick.sketch { seed = 11, positional = { "seed" } }   -- --full, --seed N, out/
local full, seed = kit.full, kit.seed
local E = require "emoji_svg"   -- beside this file
local cfg = full and { max_line = math.huge, hidden = 256, embed = 64, steps = 5000, seconds = false, count = 96 }
  or { max_line = 1200, hidden = 128, embed = 48, steps = 3000, seconds = 90, count = 32 }

-- ---- the data: "name<TAB>svg body" lines, shuffled with wick's generator ---------------
local lines, stats = E.lines(cfg.max_line)
kit:shuffle(lines)
local corpus = table.concat(lines, "\n") .. "\n"
kit:write("corpus.txt", corpus)
print(("emoji: %d of %d Twemoji named and kept (%d without an emojibase name, %d longer than %s characters); " ..
  "%d characters"):format(#lines, stats.files, stats.unnamed, stats.skipped, tostring(cfg.max_line), #corpus))

-- ---- training ------------------------------------------------------------------------
local m = text.char_rnn { layers = 2, hidden = cfg.hidden, embed = cfg.embed }
print(("emoji: training a 2×%d LSTM for %s"):format(cfg.hidden,
  cfg.seconds and cfg.seconds .. " s" or cfg.steps .. " steps"))
m:train(corpus, { steps = cfg.steps, seconds = cfg.seconds, seq = 64, batch = 32, lr = 3e-3,
  every = full and 500 or 100 })
m:save(kit:path("emoji-seed%d.safetensors", seed))

-- ---- generation, parsing, the contact sheet ------------------------------------------
-- Half the emoji are primed with names of our choosing, half invent their own name.
local primes = { "grinning cat", "red heart", "sun", "pizza", "ghost", "rocket", "tree", "robot",
  "crying face", "blue circle", "star", "flag: Wales", "snake", "dragon", "umbrella", "smiling moon" }
local cells, report, parsed = {}, { "-- " .. E.ATTRIBUTION, ("-- seed %d, 2x%d LSTM"):format(seed, cfg.hidden) }, 0
for i = 1, cfg.count do
  local prime = i <= #primes and i <= cfg.count // 2 and primes[i] .. "\t" or "\n"
  local s = m:sample { prime = prime, length = 2500, temperature = 0.7, seed = seed * 1000 + i, stop = "\n" }
  local name, body = s:gsub("^\n", ""):gsub("\n$", ""):match("^([^\t]*)\t(.*)$")
  local doc = E.HEADER .. (body or s) .. "</svg>"
  local ok, why = svg.parses(doc)
  report[#report + 1] = ("\n# %d %s: %s\n%s"):format(i, name or "(no name)",
    ok and "parses" or "does not parse (" .. tostring(why) .. ")", doc)
  if ok then
    parsed = parsed + 1
    cells[#cells + 1] = E.cell(doc, name or "(no name)")
  end
end
local summary = ("%d of %d generated emoji parse as SVG (%.0f%%)"):format(parsed, cfg.count, 100 * parsed / cfg.count)
print("emoji: " .. summary)
table.insert(report, 3, "-- " .. summary)
kit:write(("emoji-seed%d.txt"):format(seed), table.concat(report, "\n") .. "\n")
if #cells > 0 then
  local sheet = image.grid(cells, { cols = math.min(8, #cells), pad = 4, pad_value = 1 })
  image.save(T.cat({ sheet, E.credit(sheet:size(3)) }, 2), kit:path("emoji-seed%d.png", seed))
  print(("emoji: wrote %s (%d emoji)"):format(kit:path("emoji-seed%d.png", seed), #cells))
else
  print("emoji: none parsed; the attempts are in " .. kit:path("emoji-seed%d.txt", seed))
end
print("emoji: " .. E.ATTRIBUTION)
