-- lda.lua — wick.embed.lda: topic models of a set of documents (latent Dirichlet
-- allocation by collapsed Gibbs sampling, SparseLDA, in lib/embed/lda.c), and what a
-- sketch asks of one: the document-topic and topic-word tables, each topic's top words,
-- θ of a new document, and held-out perplexity.
--
--   local m, info = wick.embed.lda(docs, {topics = 20, iterations = 200, alpha = 0.1,
--     beta = 0.01, seed = <from wick.seed>, min_count = 1, threads = <wick.threads()>,
--     progress = true, every = 10, on_step = function(info) … end})
--   -- docs: a list of word lists, or of strings (tokenized by wick.text.tokenize with
--   -- the English stop words dropped); info.log_likelihood = {{iteration, ll}, …}
--   m:doc_topics()            --> D×K tensor θ (rows sum to 1)
--   m:topic_words()           --> K×V tensor φ (rows sum to 1), columns in m:vocab() order
--   m:top_words(k, n)         --> the n likeliest words of topic k (1-based)
--   m:infer("a text", {iterations = 50, seed = 1})   --> K tensor; a list of documents
--   -- (strings or word lists, as lda takes) --> D×K; one word list: m:infer({words})[1]
--   m:perplexity(docs, {iterations = 50, seed = 1})  --> perplexity, log p per word
--   m:step(n), m:log_likelihood(), m:iteration(), m:topics(), m:tokens(), #m, m:free()
--
-- Sampling is one thread: the same seed gives the same model on any machine and thread
-- count (a sweep is a chain of dependent draws; sharing it between threads, as AD-LDA
-- does, changes the result with the number of threads). infer and perplexity run
-- documents on wick's thread pool — `threads` (the model's, else wick.threads()) —
-- each document with its own generator, so their results do not depend on it either.
local wick = ...
local raw = wick._lda
if raw then
  local embed, check, raise = wick.embed, wick._check, wick._raise
  local M = raw.methods

  local defaults = { topics = 20, iterations = 200, alpha = false, beta = 0.01, seed = false, min_count = 1,
    threads = false, progress = true, every = 10, on_step = false }

  -- docs as word lists: strings are tokenized (stop words dropped), lists pass through
  local function as_word_lists(fname, docs)
    if type(docs) ~= "table" then
      raise(("%s: documents must be a list of strings or of word lists, got %s"):format(fname, type(docs)))
    end
    local out, tok = {}, nil
    for i = 1, #docs do
      local d = docs[i]
      if type(d) == "string" then
        tok = tok or wick.text._tokenizer(fname, { stop_words = true })
        out[i] = tok(d)
      elseif type(d) == "table" then
        out[i] = d
      else
        raise(("%s: document %d must be a string or a list of words, got %s"):format(fname, i, type(d)))
      end
    end
    return out
  end

  -- the threads option each model was made with: infer and perplexity's default
  local threads_of = setmetatable({}, { __mode = "k" })

  -- runs fn with wick.threads set to n (when given), restoring the count after
  local function with_threads(n, fn, ...)
    if not n then return fn(...) end
    local before = wick.threads()
    wick.threads(n)
    local res = table.pack(pcall(fn, ...))
    wick.threads(before)
    if not res[1] then error(res[2], 0) end
    return table.unpack(res, 2, res.n)
  end

  function embed.lda(docs, opts)
    local o = wick._options("lda", opts, defaults)
    local K = check.integer("lda", "topics", o.topics, 1, 4096)
    local iters = check.integer("lda", "iterations", o.iterations, 0)
    local alpha = o.alpha == false and 0.1 or check.positive("lda", "alpha", o.alpha)
    local beta = check.positive("lda", "beta", o.beta)
    local seed = o.seed == false and wick.seed() or check.integer("lda", "seed", o.seed, 0)
    local every = check.integer("lda", "every", o.every, 1)
    check.integer("lda", "min_count", o.min_count, 1)
    if o.threads then check.integer("lda", "threads", o.threads, 1, 256) end
    check.type("lda", "progress", o.progress, "boolean")
    if o.on_step then check.type("lda", "on_step", o.on_step, "function") end
    local t0 = wick.clock()
    local m = raw._new(as_word_lists("lda", docs), K, alpha, beta, seed, o.min_count)
    threads_of[m] = o.threads or nil
    local lls = { { 0, m:log_likelihood() } }
    local bar = o.progress and iters > 0 and wick.data and wick.data.progress and wick.data.progress(iters, "sweeps")
    local done, stopped = 0, false
    while done < iters do
      local n = math.min(every, iters - done)
      m:_step(n)
      done = done + n
      local ll = m:log_likelihood()
      lls[#lls + 1] = { done, ll }
      if bar then bar.update(done, done, -ll / m:tokens()) end
      if o.on_step and check.wants_stop("lda", o.on_step { step = done, steps = iters, log_likelihood = ll,
          elapsed = wick.clock() - t0, model = m }) then
        stopped = true
        break
      end
    end
    if bar then bar.finish() end
    return m, { log_likelihood = lls, seconds = wick.clock() - t0, tokens = m:tokens(), seed = seed,
      alpha = alpha, beta = beta, stopped = stopped, threads = o.threads or wick.threads() }
  end

  function M:step(n)
    if n ~= nil then check.integer("step", "n", n, 0) end
    self:_step(n or 1)
  end

  function M:top_words(k, n)
    local K = self:topics()
    check.integer("top_words", "k", k, 1, K)
    n = n == nil and 10 or check.integer("top_words", "n", n, 1)
    local phi = self:topic_words()
    n = math.min(n, phi:size(2))
    local _, idx = phi[k]:topk(n)
    local vocab, out = self:vocab(), {}
    for i = 1, n do out[i] = vocab[math.floor(idx[i])] end
    return out
  end

  local infer_defaults = { iterations = 50, seed = 1, threads = false }

  -- one document (a string) -> K tensor; a list of documents (strings or word lists) -> D×K
  function M:infer(doc, opts)
    local o = wick._options("infer", opts, infer_defaults)
    check.integer("infer", "iterations", o.iterations, 1)
    check.integer("infer", "seed", o.seed, 0)
    if o.threads then check.integer("infer", "threads", o.threads, 1, 256) end
    -- one rule, the same as embed.lda's: a string is one document (K tensor); a table is
    -- a list of documents, strings or word lists (D×K), so {"text one", "text two"} is two
    local single = type(doc) == "string"
    local docs = as_word_lists("infer", single and { doc } or doc)
    local theta = with_threads(o.threads or threads_of[self], self._infer, self, docs, o.iterations, o.seed)
    if single then return theta[1] end
    return theta
  end

  -- document completion: each document's first half of words infers θ, the second half
  -- is scored; returns exp(-mean log p) and the mean log p per scored word
  function M:perplexity(docs, opts)
    local o = wick._options("perplexity", opts, infer_defaults)
    check.integer("perplexity", "iterations", o.iterations, 1)
    check.integer("perplexity", "seed", o.seed, 0)
    if o.threads then check.integer("perplexity", "threads", o.threads, 1, 256) end
    local lp, scored = with_threads(o.threads or threads_of[self], self._completion, self,
      as_word_lists("perplexity", docs), o.iterations, o.seed)
    return math.exp(-lp / scored), lp / scored, scored
  end

end
