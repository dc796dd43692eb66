-- charrnn_load.lua — one char-rnn checkpoint per process, for tests/fuzz/mutate_charrnn.sh:
-- load arg[1] with wick.text.char_rnn.load, then sample and fine-tune a step, as a sketch
-- would. A damaged file must end in a Lua error, which counts as a pass (exit 0); only a
-- crash, a sanitizer report or a hang is a finding.
local wick = require "wick"

local ok, model = pcall(wick.text.char_rnn.load, arg[1])
if not ok then
  print("refused: " .. tostring(model))
  return
end
local sampled, text = pcall(model.sample, model, { length = 16, seed = 1 })
print(sampled and "sampled" or ("sample refused: " .. tostring(text)))
local trained, err = pcall(model.train, model, "the cat sat on the mat.\n", { steps = 1, seq = 4, batch = 1,
  progress = false })
print(trained and "trained" or ("train refused: " .. tostring(err)))
