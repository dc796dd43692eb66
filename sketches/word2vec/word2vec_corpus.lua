-- word2vec_corpus.lua — the word2vec sketch's training text: one corpus by name (sotu,
-- kjv or austen, through wick.text.corpus), or with --full all three joined, an extra
-- one that is not installed skipped with a note.
local wick = require "wick"
local corpus = wick.text.corpus

local M = {}

-- The text of one corpus; an unknown name raises, listing the known ones.
function M.read(name)
  if name == "kjv" then return corpus.kjv() end
  if name == "austen" then return (corpus.austen()) end
  if name == "sotu" then return (corpus.sotu()) end
  error("word2vec: unknown corpus '" .. tostring(name) .. "' (sotu, kjv or austen)", 0)
end

-- text, name: what the sketch trains on — kit.corpus, or with kit.full State of the
-- Union, KJV and Austen joined ("sotu+kjv+austen").
function M.text(kit)
  if not kit.full then return M.read(kit.corpus), kit.corpus end
  local parts = { M.read("sotu") }
  for _, extra in ipairs({ "kjv", "austen" }) do
    local ok, s = pcall(M.read, extra)
    if ok then parts[#parts + 1] = s else print("note: " .. tostring(s)) end
  end
  return table.concat(parts, "\n"), "sotu+kjv+austen"
end

return M
