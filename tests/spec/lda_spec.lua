-- lda_spec.lua — wick.embed.lda and wick.text.tokenize from Lua: topics recovered from a
-- corpus drawn from three known word groups (from word lists and from strings), the
-- log-likelihood rising, the tables' shapes and sums, top words, θ of new documents,
-- document-completion perplexity, determinism for a seed and across thread counts, the
-- step form, and clear errors for empty documents, topics < 1, NaN alpha and a token
-- that is not a string. word2vec reads text through the same tokenizer (word2vec_spec).
local wick = require "wick"
local helpers = require "spec_helpers"
local embed, text = wick.embed, wick.text

local error_containing = helpers.error_containing

local groups = {
  { "whale", "harpoon", "boat", "sea", "captain", "mast", "sail", "wave", "deck", "oar" },
  { "ball", "dance", "letter", "marriage", "sister", "carriage", "visit", "estate", "fortune", "cousin" },
  { "tax", "congress", "nation", "budget", "war", "treaty", "law", "army", "trade", "union" },
}
local group_of = {}
for g, ws in ipairs(groups) do for _, w in ipairs(ws) do group_of[w] = g end end

-- 240 documents of 30 words, each mixing two groups 3:1 (an LCG's high bits)
local function corpus(n, seed)
  local docs, r = {}, seed or 7
  local function rnd(k) r = (r * 1103515245 + 12345) % 2147483648; return r // 65536 % k + 1 end
  for d = 1, n or 240 do
    local a, b, doc = rnd(3), rnd(3), {}
    for i = 1, 30 do doc[i] = groups[rnd(4) == 1 and b or a][rnd(10)] end
    docs[d] = doc
  end
  return docs
end

local opts = { topics = 3, iterations = 60, seed = 5, progress = false }

describe("wick.text.tokenize", function()
  it("splits, lowercases and drops stop words", function()
    local s = "Call me Ishmael. Some years ago—never mind how long precisely—having little or no money"
    assert.are.same({ "call", "me", "ishmael", "some", "years", "ago", "never", "mind", "how", "long", "precisely",
      "having", "little", "or", "no", "money" }, text.tokenize(s))
    assert.are.same({ "call", "ishmael", "years", "mind", "long", "precisely", "little", "money" },
      text.tokenize(s, { stop_words = true }))
    assert.are.same({ "Call", "Ishmael" }, text.tokenize("Call me Ishmael", { lower = false, stop_words = { "me" } }))
    -- listed stop words go through the same normalisation as the text (apostrophes dropped)
    assert.are.same({ "go" }, text.tokenize("Don't go", { stop_words = { "don't" } }))
    assert.are.same({ "dont", "whales" }, text.tokenize("don't whale's", {}))
    assert.are.same({ "ishmael" }, text.tokenize("call me Ishmael", { min_length = 5 }))
    assert.is_true(#text.stop_words > 100)
  end)

  it("refuses what is not text or not an option", function()
    error_containing("tokenize: text must be a string", text.tokenize, 42)
    error_containing("stop_words must be", text.tokenize, "a b", { stop_words = "yes" })
    error_containing("min_length must be", text.tokenize, "a b", { min_length = 0 })
    error_containing("unknown option", text.tokenize, "a b", { lowercase = true })
  end)
end)

describe("wick.embed.lda", function()
  local docs = corpus()
  local m, info = embed.lda(docs, opts)

  it("recovers three known topics", function()
    assert.are.equal(3, m:topics())
    assert.are.equal(240, #m)
    assert.are.equal(240 * 30, m:tokens())
    assert.are.equal(30, #m:vocab())
    local seen = {}
    for k = 1, 3 do
      local top, hits = m:top_words(k, 10), {}
      for _, w in ipairs(top) do hits[group_of[w]] = (hits[group_of[w]] or 0) + 1 end
      local g, best = nil, 0
      for gi, h in pairs(hits) do if h > best then g, best = gi, h end end
      assert.is_true(best >= 9, ("topic %d: only %d of its top 10 words from one group"):format(k, best))
      assert.is_nil(seen[g], "two topics found the same group")
      seen[g] = true
    end
  end)

  it("raises the log-likelihood and returns tables that sum to 1", function()
    local lls = info.log_likelihood
    assert.are.equal(0, lls[1][1])
    assert.are.equal(60, lls[#lls][1])
    assert.is_true(lls[#lls][2] > lls[1][2] * 0.8, "log-likelihood did not rise")   -- negative numbers
    local theta, phi = m:doc_topics(), m:topic_words()
    assert.are.same({ 240, 3 }, theta:shape())
    assert.are.same({ 3, 30 }, phi:shape())
    assert.is_true((theta:sum(2) - 1):abs():max():item() < 1e-4)
    assert.is_true((phi:sum(2) - 1):abs():max():item() < 1e-4)
    assert.are.equal(60, m:iteration())
  end)

  it("infers θ of new documents and scores held-out ones", function()
    local th = m:infer("whale sea boat harpoon whale oar")
    assert.are.same({ 3 }, th:shape())
    assert.is_true(th:max():item() > 0.8)
    local k = math.floor(th:argmax():item())
    assert.are.equal(1, group_of[m:top_words(k, 1)[1]])
    assert.are.same({ 2, 3 }, m:infer({ { "tax", "war" }, "The whale and the boat" }):shape())
    -- a list of strings is a list of documents (as lda trains on), each tokenized:
    -- not one document of two odd "words" with a uniform θ
    local two = m:infer({ "whale sea boat harpoon", "whale oar sea boat" })
    assert.are.same({ 2, 3 }, two:shape())
    assert.is_true(two[1]:max():item() > 0.6 and two[2]:max():item() > 0.6)
    assert.are.same({ 1, 3 }, m:infer({ { "whale", "sea", "boat" } }):shape())
    local ppl, lp, scored = m:perplexity(corpus(40, 99))
    assert.are.equal(40 * 15, scored)
    assert.is_true(ppl > 8 and ppl < 20, "perplexity " .. ppl)
    assert.is_true(math.abs(lp + math.log(ppl)) < 1e-9)
    -- the thread count changes nothing: 600 documents are ~11 chunks, so two threads
    -- share them (checked through the pool's stats, unless the machine was busy)
    local held = corpus(600, 99)
    local p1 = m:perplexity(held, { threads = 1 })
    local before = wick.threads()
    local in_force, s0 = wick.threads(2)
    wick.threads(before)
    local p2 = m:perplexity(held, { threads = 2 })
    local _, s1 = wick.threads()
    assert.are.equal(p1, p2)
    if in_force < 2 then
      print("  (one thread available: the 1-vs-2 thread comparison ran on one thread)")
    elseif s1.throttled_jobs > s0.throttled_jobs or s1.busy_machine_jobs > s0.busy_machine_jobs then
      print("  (other programs had the CPUs: the pool held its helpers back)")
    else
      -- shared out (which thread then runs which chunk is a race, not checked)
      assert.is_true(s1.shared_jobs > s0.shared_jobs, "the work was not shared between threads")
    end
  end)

  it("gives the same model for a seed, and another for another seed", function()
    local a = embed.lda(docs, opts):doc_topics():table()
    assert.are.same(m:doc_topics():table(), a)
    local o = { topics = 3, iterations = 60, seed = 6, progress = false }
    assert.are_not.same(a, embed.lda(docs, o):doc_topics():table())
  end)

  it("reads strings, drops rare words, and steps on", function()
    local strings = {}
    for i, d in ipairs(docs) do strings[i] = table.concat(d, " ") .. " the and of" end
    strings[1] = strings[1] .. " zebra"
    local s = embed.lda(strings, { topics = 3, iterations = 5, seed = 5, min_count = 2, progress = false })
    assert.are.equal(30, #s:vocab())   -- stop words and the one zebra dropped
    s:step(3)
    assert.are.equal(8, s:iteration())
    local calls = 0
    embed.lda(docs, { topics = 3, iterations = 20, every = 5, progress = false, on_step = function(i)
      calls = calls + 1
      assert.are.equal(calls * 5, i.step)
      if calls == 2 then return false end
    end })
    assert.are.equal(2, calls)
    s:free()
    error_containing("freed", function() return s:topics() end)
  end)

  it("refuses bad documents and options clearly", function()
    error_containing("lda: no documents", embed.lda, {}, opts)
    error_containing("documents hold no words", embed.lda, { {}, {} }, opts)
    error_containing("topics must be", embed.lda, docs, { topics = 0, progress = false })
    error_containing("alpha must be", embed.lda, docs, { topics = 2, alpha = 0 / 0, progress = false })
    error_containing("beta must be", embed.lda, docs, { topics = 2, beta = -1, progress = false })
    error_containing("document 2, word 3 is a number", embed.lda, { { "a" }, { "b", "c", 4 } }, opts)
    error_containing("document 2 must be", embed.lda, { { "a" }, 5 }, opts)
    error_containing("unknown option", embed.lda, docs, { topic = 3 })
    error_containing("top_words: k must be", m.top_words, m, 4)
    error_containing("infer: iterations must be", m.infer, m, { "sea" }, { iterations = 0 })
    error_containing("no held-out document", m.perplexity, m, { { "sea" } })
  end)
end)
