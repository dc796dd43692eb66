-- charrnn_corpora.lua — the charrnn sketch's corpora (a big one to pretrain on, a small
-- one to fine-tune on: whichever of each pair is installed), the prime each model's
-- samples start from, its samples at three temperatures, and its transfer table.
local wick = require "wick"
local corpus = wick.text.corpus

local M = {}

local LOADERS = {
  kjv = corpus.kjv,
  austen = corpus.austen,
  devil = corpus.devil,
  ["fortunes-literature"] = function() return corpus.fortunes { files = { "literature" } } end,
}

-- big_name, big, small_name, small: the corpus to pretrain on (kjv, else austen) and the
-- one to fine-tune on (devil, else fortunes-literature), printing their sizes.
function M.pick()
  local big_name, big = M.first_available { "kjv", "austen" }
  local small_name, small = M.first_available { "devil", "fortunes-literature" }
  print(("charrnn: big corpus %s (%d characters), small corpus %s (%d characters)")
    :format(big_name, utf8.len(big), small_name, utf8.len(small)))
  return big_name, big, small_name, small
end

-- The text each corpus's samples start from.
M.PRIMES = { kjv = "And the LORD said", austen = "It is a truth", devil = "LOVE, n.",
  ["fortunes-literature"] = "The " }

-- name, text of the first of names that loads; an error listing every reason otherwise.
function M.first_available(names)
  local errors = {}
  for _, name in ipairs(names) do
    local ok, s = pcall(LOADERS[name])
    if ok then return name, s end
    errors[#errors + 1] = tostring(s)
  end
  error("charrnn: no corpus available:\n  " .. table.concat(errors, "\n  "), 0)
end

-- Samples at temperatures 0.2, 0.5 and 1.0 from prime, streamed to the terminal as they
-- come; returns them as text, each under a "--- temperature t ---" line.
function M.temperatures(m, prime, seed)
  local parts = {}
  for _, temp in ipairs { 0.2, 0.5, 1.0 } do
    io.write(("\n--- temperature %.1f ---\n"):format(temp))
    local s = m:sample { prime = prime, length = 400, temperature = temp, seed = seed, stream = true }
    io.write("\n")
    parts[#parts + 1] = ("\n--- temperature %.1f ---\n%s\n"):format(temp, s)
  end
  return table.concat(parts)
end

-- The transfer table as text: a title, a header, then a row per model {name, steps, nats}
-- with bits too.
function M.transfer_table(title, rows)
  local lines = { title, ("%-44s %8s %12s %10s"):format("model", "steps", "nats/char", "bits/char") }
  for _, r in ipairs(rows) do
    lines[#lines + 1] = ("%-44s %8d %12.3f %10.3f"):format(r[1], r[2], r[3], r[3] / math.log(2))
  end
  return table.concat(lines, "\n") .. "\n"
end

return M
