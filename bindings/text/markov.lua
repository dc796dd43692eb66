-- markov.lua — n-gram Markov chains over words or characters, and MegaHAL-style
-- replies: the baseline the essay sets char-rnn against. Embedded in the binary; adds
-- wick.text.markov (wick.text is the C table of bindings/text/text.c; this file runs before
-- text.lua and needs nothing from it).
--
--   local mk = wick.text.markov{order = 2, unit = "word"}   -- unit "word" | "char"
--   mk:train(text)                       -- a string or a list of strings; may be repeated
--   mk:generate{length = 30, seed = 1, prime = nil}          -- text of `length` units
--   mk:reply("tell me about the moon", {seed = 1, tries = 24})
--   mk:counts{"the", "cat"}  --> {sat = 2, ran = 1}  (what followed a context in training)
--   mk:stats()               --> {tokens =, vocab =, contexts =, order =, unit =}
--
-- Words are runs of letters, digits and apostrophes; each other non-space character
-- is a token of its own ("," "." "?"). Word models learn sentences (split after . ! ?
-- and at blank lines) framed by a boundary symbol, forward and backward; character
-- models learn the text as one stream. Randomness comes from wick's generator:
-- `seed` reseeds it (wick.seed), without `seed` the current stream continues.
--
-- A reply follows MegaHAL (Hutchens 1998): the keywords are the input's known words
-- that are not stop words; each of `tries` candidates starts from a training n-gram
-- ending in a keyword (the first try uses the rarest keyword, the others a random
-- one), grows forward to a sentence end and backward to a sentence start, and is scored
-- by its surprise: the sum of -log P over the keywords it contains, under both the
-- forward and the backward model, divided by sqrt(n-1) beyond 8 keywords and by n
-- beyond 16. The most surprising candidate that differs from the input wins. With no
-- known keyword the reply is a random sentence.
local wick = ...
local text = wick.text
local options = wick._options
local T = wick.tensor

local BOUNDARY = 0
local BASE = 1 << 21          -- integer context keys pack up to 3 ids of < 2^21
local MAX_SENTENCE = 80       -- units grown in one direction of a reply, at most

local STOP = {}
for w in ([[a about above after again against all am an and any are as at be because been
  before being below between both but by can could did do does doing down during each few
  for from further had has have having he her here hers herself him himself his how i if
  in into is it its itself just let me more most my myself no nor not now of off on once
  only or other our ours ourselves out over own said same say says she should so some such
  tell than that the their theirs them themselves then there these they this those through
  thou thee thy to too under until up upon us very was we were what when where which while
  who whom why will with would ye yet you your yours yourself unto shall hath doth]]):gmatch("%a+") do
  STOP[w] = true
end

local Markov = {}
Markov.__index = Markov

-- ---- tokens -------------------------------------------------------------------------

local function words_of(s)
  local out = {}
  for tok in s:gmatch("[%w'%-\128-\255]+") do out[#out + 1] = tok end
  return out
end

-- Split into word and punctuation tokens; false marks a sentence end (after . ! ? and
-- at blank lines).
local function word_tokens(s, into)
  for para in (s .. "\n\n"):gmatch("(.-)\n[ \t\r]*\n") do
    for w, p in para:gmatch("([%w'%-\128-\255]*)([^%w'%-\128-\255]?)") do
      if w ~= "" then into[#into + 1] = w end
      if p ~= "" and not p:match("%s") then
        into[#into + 1] = p
        if p == "." or p == "!" or p == "?" then into[#into + 1] = false end
      end
    end
    into[#into + 1] = false
  end
end

local function char_tokens(s, into)
  for ch in s:gmatch(utf8.charpattern) do into[#into + 1] = ch end
end

local NO_SPACE_BEFORE = {["."] = true, [","] = true, [";"] = true, [":"] = true, ["!"] = true,
  ["?"] = true, [")"] = true, ["'"] = true}

function Markov:_join(ids)
  local parts = {}
  if self.unit == "char" then
    for i, id in ipairs(ids) do parts[i] = self.words[id] or id end
    return table.concat(parts)
  end
  for _, id in ipairs(ids) do
    local w = self.words[id] or id   -- a string: an unknown word of a prime
    if #parts > 0 and not NO_SPACE_BEFORE[w] and parts[#parts] ~= "(" then parts[#parts + 1] = " " end
    parts[#parts + 1] = w
  end
  return table.concat(parts)
end

function Markov:_id(tok)
  local id = self.ids[tok]
  if not id then
    id = #self.words + 1
    if id >= BASE and self.order <= 3 then
      wick._raise("markov: more than 2^21 distinct tokens; this model cannot hold them")
    end
    self.ids[tok], self.words[id] = id, tok
    self.uni[id] = 0
    local low = tok:lower()
    local list = self.lower[low]
    if not list then list = {}; self.lower[low] = list end
    list[#list + 1] = id
  end
  return id
end

-- ---- counting -----------------------------------------------------------------------

-- The key of the context ids[i-order+1 .. i]: an integer for order <= 3, else a string.
function Markov:_key(ids, i)
  local n = self.order
  if n <= 3 then
    local k = 0
    for j = i - n + 1, i do k = k * BASE + ids[j] end
    return k
  end
  return string.pack(("<I3"):rep(n), table.unpack(ids, i - n + 1, i))
end

-- A context's followers: ctx[1..] token ids in first-seen order (so sampling never
-- depends on hash order), ctx[-1 - id] their counts, ctx[0] the total.
local function count(model, key, id)
  local ctx = model[key]
  if not ctx then ctx = {[0] = 0}; model[key] = ctx end
  local c = ctx[-1 - id]
  if not c then ctx[#ctx + 1] = id; c = 0 end
  ctx[-1 - id] = c + 1
  ctx[0] = ctx[0] + 1
  return ctx
end

-- Learn one sequence of ids framed by boundaries, in the model m.
function Markov:_learn(m, seq, index_ends)
  local n = self.order
  local ids = {}
  for i = 1, n do ids[i] = BOUNDARY end
  for _, id in ipairs(seq) do ids[#ids + 1] = id end
  ids[#ids + 1] = BOUNDARY
  for i = n, #ids - 1 do
    local key = self:_key(ids, i)
    local fresh = m[key] == nil
    count(m, key, ids[i + 1])
    if fresh then
      self.contexts = self.contexts + 1
      local last = ids[i]
      if index_ends and last ~= BOUNDARY then
        local e = self.ends[last]
        if not e then e = {}; self.ends[last] = e end
        e[#e + 1] = {table.unpack(ids, i - n + 1, i)}
      end
    end
  end
end

function Markov:train(input)
  if type(input) == "string" then input = {input} end
  if type(input) ~= "table" then
    wick._raise("markov:train: expected a string or a list of strings, got " .. type(input))
  end
  for k, s in ipairs(input) do
    if type(s) ~= "string" then wick._raise(("markov:train: item %d is a %s, not a string"):format(k, type(s))) end
    local toks = {}
    if self.unit == "char" then char_tokens(s, toks) else word_tokens(s, toks) end
    local seq = {}
    local function flush()
      if #seq == 0 then return end
      self:_learn(self.fwd, seq, true)
      local rev = {}
      for i = #seq, 1, -1 do rev[#rev + 1] = seq[i] end
      if self.unit == "word" then self:_learn(self.bwd, rev, false) end
      seq = {}
    end
    for _, tok in ipairs(toks) do
      if tok == false then
        flush()
      else
        local id = self:_id(tok)
        self.uni[id] = self.uni[id] + 1
        self.tokens = self.tokens + 1
        seq[#seq + 1] = id
      end
    end
    flush()
  end
  return self
end

-- ---- sampling -----------------------------------------------------------------------

-- Uniform numbers in [0,1) from wick's generator, drawn 256 at a time.
local function uniform_stream()
  local pool, at = nil, 257
  return function()
    if at > 256 then pool, at = T.rand(256):table(), 1 end
    at = at + 1
    return pool[at - 1]
  end
end

local function pick(ctx, u)
  local r = math.floor(u * ctx[0])
  for _, id in ipairs(ctx) do
    r = r - ctx[-1 - id]
    if r < 0 then return id end
  end
  return ctx[#ctx]
end

-- Grow ids (whose last `order` entries form a context of model m) until a boundary or
-- `limit` more units; returns the ids added.
function Markov:_grow(m, ids, limit, u)
  local added = {}
  for _ = 1, limit do
    local ctx = m[self:_key(ids, #ids)]
    if not ctx then break end
    local id = pick(ctx, u())
    if id == BOUNDARY then break end
    ids[#ids + 1] = id
    added[#added + 1] = id
  end
  return added
end

local function check_length(fname, v)
  if math.type(v) ~= "integer" or v < 1 or v > 10000000 then
    wick._raise(("%s: length must be an integer in 1..10000000, got %s"):format(fname, tostring(v)))
  end
end

-- A seed option reseeds wick's generator; checked here so a bad one is reported under
-- the public name (wick.seed's own message would name seed).
local function reseed(fname, v)
  if v == false then return end
  wick.seed(wick._check.integer(fname, "seed", v, 0))
end

function Markov:generate(opts)
  opts = options("markov:generate", opts, {length = 30, seed = false, prime = false})
  check_length("markov:generate", opts.length)
  if opts.prime then wick._check.type("markov:generate", "prime", opts.prime, "string") end
  if self.tokens == 0 then wick._raise("markov:generate: the model is empty; call mk:train(text) first") end
  reseed("markov:generate", opts.seed)
  local u, n = uniform_stream(), self.order
  local out = {}
  if opts.prime then
    local toks = {}
    if self.unit == "char" then char_tokens(opts.prime, toks) else word_tokens(opts.prime, toks) end
    for _, tok in ipairs(toks) do   -- unknown tokens stay as text (the model is not changed)
      if tok then out[#out + 1] = self.ids[tok] or tok end
    end
  end
  -- the first context: the prime's last `order` units if the model knows them; after
  -- that (and otherwise) a fresh sentence, or for characters the start of the text
  local produced, first = 0, true
  while produced < opts.length do
    local ids = {}
    for i = 1, n do ids[i] = BOUNDARY end
    local known = #out >= n
    for i = #out - n + 1, #out do known = known and math.type(out[i]) == "integer" end
    if first and known and self.fwd[self:_key(out, #out)] then
      for i = 1, n do ids[i] = out[#out - n + i] end
    end
    local added = self:_grow(self.fwd, ids, opts.length - produced, u)
    for _, id in ipairs(added) do out[#out + 1] = id end
    produced = produced + #added
    if #added == 0 and not first then break end
    first = false
  end
  return self:_join(out)
end

-- ---- replies ------------------------------------------------------------------------

-- The surprise of a reply: -log P of each keyword under the forward and backward models.
function Markov:_surprise(ids, keywords)
  local n, total, num = self.order, 0, 0
  local padded = {}
  for i = 1, n do padded[i] = BOUNDARY end
  for _, id in ipairs(ids) do padded[#padded + 1] = id end
  for i = n + 1, #padded do
    if keywords[padded[i]] then
      local ctx = self.fwd[self:_key(padded, i - 1)]
      if ctx and ctx[-1 - padded[i]] then total = total - math.log(ctx[-1 - padded[i]] / ctx[0]); num = num + 1 end
    end
  end
  local rev = {}
  for i = 1, n do rev[i] = BOUNDARY end
  for i = #ids, 1, -1 do rev[#rev + 1] = ids[i] end
  for i = n + 1, #rev do
    if keywords[rev[i]] then
      local ctx = self.bwd[self:_key(rev, i - 1)]
      if ctx and ctx[-1 - rev[i]] then total = total - math.log(ctx[-1 - rev[i]] / ctx[0]); num = num + 1 end
    end
  end
  if num >= 8 then total = total / math.sqrt(num - 1) end
  if num >= 16 then total = total / num end
  return total
end

-- One candidate grown both ways from a training n-gram that ends in keyword kw.
function Markov:_candidate(kw, u)
  local starts = self.ends[kw]
  local seed = starts[math.min(#starts, 1 + math.floor(u() * #starts))]
  local n = self.order
  local fwd = {table.unpack(seed)}
  self:_grow(self.fwd, fwd, MAX_SENTENCE, u)
  -- backward: the reversed n-gram is the backward model's context
  local back = {}
  for i = n, 1, -1 do back[#back + 1] = seed[i] end
  if back[#back] ~= BOUNDARY then self:_grow(self.bwd, back, MAX_SENTENCE, u) end
  local ids = {}
  for i = #back, n + 1, -1 do ids[#ids + 1] = back[i] end
  for i = 1, #fwd do
    if fwd[i] ~= BOUNDARY then ids[#ids + 1] = fwd[i] end
  end
  while #ids > 1 and self.words[ids[1]]:match("^[,;:]$") do table.remove(ids, 1) end   -- no reply opens with ","
  return ids
end

-- The keywords of a sentence: ids of its known non-stop words, rarest first.
function Markov:keywords(sentence)
  local found, list = {}, {}
  for _, w in ipairs(words_of(sentence)) do
    local low = w:lower()
    if not STOP[low] and low:match("%a") and self.lower[low] then
      for _, id in ipairs(self.lower[low]) do
        if not found[id] and self.ends[id] then found[id] = true; list[#list + 1] = id end
      end
    end
  end
  table.sort(list, function(a, b)
    if self.uni[a] ~= self.uni[b] then return self.uni[a] < self.uni[b] end
    return a < b
  end)
  local words = {}
  for i, id in ipairs(list) do words[i] = self.words[id] end
  return words, list, found
end

function Markov:reply(sentence, opts)
  if type(sentence) ~= "string" then
    wick._raise("markov:reply: expected a sentence (string), got " .. type(sentence))
  end
  opts = options("markov:reply", opts, {seed = false, tries = 24})
  if self.unit ~= "word" then wick._raise("markov:reply: replies need a word model (unit = \"word\")") end
  if self.tokens == 0 then wick._raise("markov:reply: the model is empty; call mk:train(text) first") end
  if math.type(opts.tries) ~= "integer" or opts.tries < 1 or opts.tries > 100000 then
    wick._raise("markov:reply: tries must be an integer in 1..100000, got " .. tostring(opts.tries))
  end
  reseed("markov:reply", opts.seed)
  local _, list, keyset = self:keywords(sentence)
  local u = uniform_stream()
  if #list == 0 then   -- nothing to talk about: a random sentence
    local ids = {}
    for i = 1, self.order do ids[i] = BOUNDARY end
    return self:_join(self:_grow(self.fwd, ids, MAX_SENTENCE, u))
  end
  local said = sentence:lower():gsub("%s+", " ")
  local best, best_score
  for t = 1, opts.tries do
    local kw = t == 1 and list[1] or list[math.min(#list, 1 + math.floor(u() * #list))]
    local ids = self:_candidate(kw, u)
    local reply = self:_join(ids)
    local score = self:_surprise(ids, keyset)
    if reply:lower():gsub("%s+", " ") ~= said and (not best_score or score > best_score) then
      best, best_score = reply, score
    end
  end
  return best or self:_join(self:_candidate(list[1], u))
end

-- ---- inspection ---------------------------------------------------------------------

function Markov:counts(context)
  local toks = {}
  if type(context) == "string" then
    if self.unit == "char" then char_tokens(context, toks) else toks = words_of(context) end
  elseif type(context) == "table" then
    toks = context
  else
    wick._raise("markov:counts: expected a context (string or list of tokens), got " .. type(context))
  end
  if #toks ~= self.order then
    wick._raise(("markov:counts: the context needs %d tokens (the order), got %d"):format(self.order, #toks))
  end
  local ids = {}
  for i, tok in ipairs(toks) do
    ids[i] = self.ids[tok]
    if not ids[i] then return {} end
  end
  local ctx = self.fwd[self:_key(ids, #ids)]
  local out = {}
  if ctx then
    for _, id in ipairs(ctx) do
      if id ~= BOUNDARY then out[self.words[id]] = ctx[-1 - id] end
    end
  end
  return out
end

function Markov:stats()
  return {tokens = self.tokens, vocab = #self.words, contexts = self.contexts, order = self.order, unit = self.unit}
end

Markov.__tostring = function(self)
  return ("markov{order = %d, unit = %q}: %d tokens, %d types, %d contexts"):format(
    self.order, self.unit, self.tokens, #self.words, self.contexts)
end
Markov.__name = "wick.Markov"

function text.markov(opts)
  opts = options("markov", opts, {order = 2, unit = "word"})
  if math.type(opts.order) ~= "integer" or opts.order < 1 or opts.order > 32 then
    wick._raise("markov: order must be an integer in 1..32, got " .. tostring(opts.order))
  end
  if opts.unit ~= "word" and opts.unit ~= "char" then
    wick._raise(("markov: unit must be \"word\" or \"char\", got %s"):format(tostring(opts.unit)))
  end
  return setmetatable({order = opts.order, unit = opts.unit, ids = {}, words = {}, uni = {}, lower = {},
    fwd = {}, bwd = {}, ends = {}, tokens = 0, contexts = 0}, Markov)
end
