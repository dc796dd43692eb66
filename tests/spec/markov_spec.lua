-- markov_spec.lua — wick.text.markov: counts on a tiny corpus, forward generation
-- (determinism, priming, only learnt transitions), MegaHAL-style replies (keyword
-- choice, the keyword in the reply, unknown words), characters, and bad input. When
-- Debian's fortunes is installed, a model of one real fortune file is exercised too.
local wick = require "wick"
local text = wick.text

local TINY = "The cat sat on the mat. The cat ran to the moon. The dog sat on the cat!\n\n" ..
  "A moon is bright. The moon rose over the sea."

local function word_model(order)
  return text.markov{order = order or 2, unit = "word"}:train(TINY)
end

describe("markov counts", function()
  it("counts what followed each context", function()
    local mk = word_model()
    local c = mk:counts{"The", "cat"}
    assert.same({sat = 1, ran = 1}, c)
    assert.same({mat = 1}, mk:counts{"on", "the"} and {mat = mk:counts{"on", "the"}.mat})
    assert.same({moon = 1}, mk:counts{"to", "the"})
    assert.same({sea = 1}, mk:counts{"over", "the"})
    assert.same({}, mk:counts{"no", "such"})
    local st = mk:stats()
    assert.equal(2, st.order)
    assert.equal("word", st.unit)
    assert.equal(33, st.tokens)   -- 28 words and 5 punctuation marks
  end)

  it("counts characters", function()
    local mk = text.markov{order = 2, unit = "char"}:train("abcabd")
    assert.same({c = 1, d = 1}, mk:counts("ab"))
    assert.same({a = 1}, mk:counts("bc"))
    assert.equal(6, mk:stats().tokens)
  end)

  it("treats multi-byte characters as one unit", function()
    local mk = text.markov{order = 1, unit = "char"}:train("héhé")
    assert.same({["é"] = 2}, mk:counts("h"))
  end)
end)

describe("markov generate", function()
  it("is deterministic for a seed and differs across seeds", function()
    local mk = text.markov{order = 1, unit = "word"}:train(TINY)
    local a = mk:generate{length = 40, seed = 5}
    assert.equal(a, mk:generate{length = 40, seed = 5})
    local differs = false
    for s = 6, 12 do differs = differs or mk:generate{length = 40, seed = s} ~= a end
    assert.is_true(differs)
  end)

  it("only makes transitions seen in training", function()
    local mk = text.markov{order = 1, unit = "char"}:train("abcabcabd")
    local s = mk:generate{length = 200, seed = 1}
    assert.equal(200, utf8.len(s))
    for i = 1, #s - 1 do
      local pair = s:sub(i, i + 1)
      assert.is_truthy(("abcabcabd" .. "a"):find(pair, 1, true), "unseen pair " .. pair)
    end
  end)

  it("continues a prime", function()
    local mk = word_model()
    local s = mk:generate{length = 3, seed = 1, prime = "The dog"}
    assert.equal("The dog sat on the", s)
    -- an unknown prime is kept as written, starts a fresh sentence, and teaches nothing
    local before = mk:stats().vocab
    local z = mk:generate{length = 2, seed = 1, prime = "Zebras quietly"}
    assert.equal("Zebras quietly", z:sub(1, 14))
    assert.is_true(#z > 15)
    assert.equal(before, mk:stats().vocab)
  end)

  it("handles an order longer than the text", function()
    local mk = text.markov{order = 8, unit = "char"}:train("abc")
    assert.equal("abcabc", mk:generate{length = 6, seed = 1})
    local w = text.markov{order = 5, unit = "word"}:train("hi there")
    -- a sentence ends where the training text did, and the next one starts afresh
    assert.equal("hi there hi there hi there hi there hi there", w:generate{length = 10, seed = 1})
  end)

  it("rejects bad options and empty models", function()
    local mk = word_model()
    assert.has_error(function() mk:generate{length = 0} end)
    assert.has_error(function() mk:generate{length = 1e12} end)
    assert.has_error(function() mk:generate{lenght = 3} end)
    assert.has_error(function() text.markov{}:generate{} end)
    assert.has_error(function() text.markov{order = 0} end)
    assert.has_error(function() text.markov{unit = "byte"} end)
    assert.has_error(function() mk:train(42) end)
  end)
end)

describe("markov reply", function()
  it("picks the rarest known non-stop word as the keyword", function()
    local mk = word_model()
    local kw = mk:keywords("tell me about the moon and the cat and the sea")
    assert.same({"sea", "cat", "moon"}, kw)   -- sea once; cat and moon thrice, first seen first
  end)

  it("puts the keyword in the reply, deterministically", function()
    local mk = word_model()
    local r = mk:reply("what about the sea?", {seed = 3})
    assert.is_truthy(r:find("sea", 1, true), r)
    assert.equal(r, mk:reply("what about the sea?", {seed = 3}))
    local m = mk:reply("tell me about the moon", {seed = 1})
    assert.is_truthy(m:lower():find("moon", 1, true), m)
  end)

  it("answers input of unknown words with a sentence", function()
    local mk = word_model()
    local r = mk:reply("zebra quantum flux", {seed = 1})
    assert.is_string(r)
    assert.is_true(#r > 0)
    assert.equal("", (mk:reply("", {seed = 1}) == "" and "x" or ""):sub(2))
  end)

  it("needs a word model", function()
    local mk = text.markov{order = 2, unit = "char"}:train("abcabc")
    assert.has_error(function() mk:reply("abc") end)
  end)
end)

describe("markov on real text", function()
  local path = "/usr/share/games/fortunes/science"
  it("models a fortunes file (Debian fortunes)", function()
    local f = io.open(path)
    if not f then
      print("\n  note: Debian fortunes not installed; skipping the real-text Markov check")
      return
    end
    local s = f:read("a"):gsub("\n%%\n", "\n\n")
    f:close()
    local mk = text.markov{order = 2}:train(s)
    assert.is_true(mk:stats().vocab > 1000)
    local r = mk:reply("what do you know about the universe", {seed = 1})
    assert.is_truthy(r:lower():find("universe", 1, true), r)
  end)
end)

describe("markov on bad input (issue 10)", function()
  it("a prime that is not a string is an error naming it", function()
    local mk = wick.text.markov()
    mk:train("the cat sat on the mat. the dog sat on the log.")
    local ok, err = pcall(mk.generate, mk, { prime = 42 })
    assert.is_false(ok)
    assert.truthy(tostring(err):find("markov:generate: prime must be a string, got 42", 1, true), err)
  end)

  it("a bad seed is refused by generate and reply under their names, at the caller's line", function()
    local mk = wick.text.markov()
    mk:train("the cat sat on the mat. the dog sat on the log.")
    local function refused(msg, fn, ...)
      local ok, err = pcall(fn, ...)
      assert.is_false(ok)
      assert.truthy(tostring(err):find(msg, 1, true), err)
      assert.truthy(tostring(err):find("^[^:]*markov_spec%.lua:%d+: "), err)
    end
    for _, seed in ipairs { "x", {}, true, wick.tensor.ones(1), 0 / 0, -1, 1.5, 2 ^ 62 } do
      refused("markov:generate: seed must be an integer >= 0, got", mk.generate, mk, { seed = seed })
      refused("markov:reply: seed must be an integer >= 0, got", mk.reply, mk, "the cat", { seed = seed })
    end
    assert.equal(mk:generate { seed = 3, length = 8 }, mk:generate { seed = 3, length = 8 })
  end)
end)
