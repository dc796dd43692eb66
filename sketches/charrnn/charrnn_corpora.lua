-- charrnn_corpora.lua — the charrnn sketch's corpora (a big one to pretrain on, a small
-- one to fine-tune on: whichever of each pair is installed) and its transfer table.
local wick = require "wick"
local corpus = wick.text.corpus

local M = {}

local LOADERS = {
  kjv = corpus.kjv,
  austen = corpus.austen,
  devil = corpus.devil,
  ["fortunes-literature"] = function() return corpus.fortunes { files = { "literature" } } end,
}

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

-- The table's lines: a title, a header, then {model, steps, nats} rows with bits too.
function M.transfer_rows(title, rows)
  local lines = { title, ("%-44s %8s %12s %10s"):format("model", "steps", "nats/char", "bits/char") }
  for _, r in ipairs(rows) do
    lines[#lines + 1] = ("%-44s %8d %12.3f %10.3f"):format(r[1], r[2], r[3], r[3] / math.log(2))
  end
  return lines
end

return M
