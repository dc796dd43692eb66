-- make_analogies.lua — an analogy question set in word2vec's questions-words format,
-- built from data that Debian and npm ship (analogy_sources.lua beside this file says
-- which sections and where each comes from). word2vec.lua builds it too when it is missing.
--
--   wick sketches/word2vec/make_analogies.lua [out.txt]   (default: out/analogies.txt beside this file)
--
-- Needs npm countries-list@3.4.1 and world-countries@5.1.0 and Debian wordnet-base
-- (`make data`). Takes about a second.
local wick = require "wick"

local kit = wick.sketch { file = "", positional = { "file" }, quiet = true }
require("analogy_sources").write(kit.file ~= "" and kit.file or kit:path("analogies.txt"))
