-- markov_sources.lua — what the markov sketch reads: its questions, the corpora that are
-- installed (each missing one skipped with a note), and a char-rnn to set beside the
-- chains (the charrnn sketch's checkpoint, or a small one trained here for 60 s).
local wick = require "wick"
local text = wick.text

local sources = {}

local QUESTIONS = {
  "Tell me about the moon.", "What is love?", "Where have all the sheep gone?",
  "Is marriage a happy state?", "What do you think of computers?", "Why is the sea so salty?",
  "Shall we dance tonight?", "Who will inherit the earth?",
}
local MORE = { "Can money buy happiness?", "What is the meaning of life?", "Do you believe in ghosts?",
  "How should a gentleman behave?", "What did the serpent say?", "Are cats wiser than dogs?",
  "What is the secret of a good dinner?", "Why do fools fall in love?", "Who built the tower?",
  "What is the weather like in heaven?", "Should I trust my neighbour?", "What is a fortune worth?",
  "When will the war end?", "How do I become rich?", "Is the king a good man?", "What is wisdom?" }

-- The 8 questions, or all 24 at full scale.
function sources.questions(full)
  local list = { table.unpack(QUESTIONS) }
  if full then table.move(MORE, 1, #MORE, #list + 1, list) end
  return list
end

-- {{name =, text =}, …} for the corpora that load; an error when none does.
function sources.corpora()
  local corpora = {}
  local function try(name, load)
    local ok, s = pcall(load)
    if ok then corpora[#corpora + 1] = { name = name, text = s }
    else print(("markov: note: skipping %s: %s"):format(name, tostring(s))) end
  end
  try("kjv", text.corpus.kjv)
  try("austen", text.corpus.austen)
  try("fortunes", function() return text.corpus.fortunes() end)
  if #corpora == 0 then error("markov: no corpus is installed; `make data` installs bible-kjv and fortunes", 0) end
  return corpora
end

-- The first checkpoint in dir that loads, or a small model trained on corpus for 60 s.
function sources.char_rnn(dir, corpus)
  for _, name in ipairs(wick.fs.kind(dir) == "folder" and wick.fs.list(dir) or {}) do
    if name:match("%.safetensors$") then
      local ok, m = pcall(text.char_rnn.load, dir .. "/" .. name)
      if ok then
        print("markov: char-rnn from sketches/charrnn/out/" .. name)
        return m, name
      end
    end
  end
  print("markov: no char-rnn checkpoint in sketches/charrnn/out; training a small one on " .. corpus.name)
  local m = text.char_rnn { layers = 2, hidden = 128, embed = 48 }
  m:train(corpus.text, { steps = 2000, seconds = 60, seq = 64, batch = 32, lr = 3e-3, every = 200 })
  return m, corpus.name .. " (trained here, 60 s)"
end

return sources
