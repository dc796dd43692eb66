-- text_charrnn.lua — wick.text.char_rnn, embedded in the binary: a character-level
-- recurrent language model (Karpathy's char-rnn) over wick.nn's embedding, LSTM/GRU
-- and linear layers. Training is truncated back-propagation through time over
-- text.batches streams with Adam or RMSprop, gradient clipping and step decay of the
-- learning rate; sampling runs a C loop (bindings/text/text.c, lib/text/charrnn.c) that
-- steps one character at a time without autograd or allocation.
--
--   local m = wick.text.char_rnn{layers = 2, hidden = 256, embed = 64, cell = "lstm"}
--   local losses = m:train(text, {steps = 2000, seq = 64, batch = 32, lr = 2e-3})
--   m:train(text, {every = 100, on_step = function(info)   -- a preview every 100 steps
--     print(info.step, info.loss, info.valid_loss, info.model:sample{length = 60})
--     if info.elapsed > 60 then return "stop" end          -- or false: stop, keep what was learnt
--   end})
--   print(m:sample{prime = "The ", length = 400, temperature = 0.8, seed = 1})
--   m:save("out/m.safetensors"); m = wick.text.char_rnn.load("out/m.safetensors")
--   m:train(small_text, {steps = 300})   -- fine-tuning: unseen characters are reported
--
-- Checkpoints are one safetensors file: the weights by name (embed.weight,
-- rnn.weight_ih_l0, …, out.weight, out.bias), the vocabulary as tensors of code
-- points and counts (vocab.codes, vocab.counts), and the hyper-parameters in the
-- metadata (kind = "wick.char_rnn", cell, layers, hidden, embed, dropout).
local wick = ...
local T, nn, optim, text = wick.tensor, wick.nn, wick.optim, wick.text
local raise, options, check = wick._raise, wick._options, wick._check

local KIND = "wick.char_rnn"
local LOG2E = 1 / math.log(2)

-- ---- the network ----------------------------------------------------------------------

local Net = nn.module("char_rnn")

function Net:init(vocab_size, o)
  self.embed = nn.embedding(vocab_size, o.embed)
  self.rnn = nn[o.cell](o.embed, o.hidden, { layers = o.layers, dropout = o.dropout })
  self.out = nn.linear(o.hidden, vocab_size)
  self.hidden = o.hidden
end

-- x (N, T) ids -> logits (N*T, V), final state
function Net:forward(x, state)
  local n, t = x:size(1), x:size(2)
  local y, st = self.rnn(self.embed(x), state)
  return self.out(y:reshape(n * t, self.hidden)), st
end

-- ---- the model ------------------------------------------------------------------------

local CharRNN = {}
CharRNN.__index = CharRNN
CharRNN.__name = KIND

local defaults = { layers = 2, hidden = 256, embed = 64, dropout = 0, cell = "lstm" }

local function check_hyper(o)
  for _, k in ipairs { "layers", "hidden", "embed" } do
    local v = o[k]
    if type(v) ~= "number" or v < 1 or v ~= math.floor(v) then
      raise(("char_rnn: %s must be a positive integer, got %s"):format(k, tostring(v)))
    end
  end
  if o.cell ~= "lstm" and o.cell ~= "gru" then
    raise(("char_rnn: cell must be \"lstm\" or \"gru\", got %s"):format(tostring(o.cell)))
  end
  if type(o.dropout) ~= "number" or not (o.dropout >= 0 and o.dropout < 1) then
    raise(("char_rnn: dropout must be in [0, 1), got %s"):format(check.show(o.dropout)))
  end
end

local function new_model(o)
  check_hyper(o)
  return setmetatable({ hyper = o, steps = 0 }, CharRNN)
end

-- Build the layers once the vocabulary is known.
local function build(self, vocab)
  self.vocab = vocab
  self.net = Net(vocab.size, self.hyper)
  self._sampler = nil
end

function CharRNN:__tostring()
  local h = self.hyper
  return ("char_rnn %s %d×%d, embed %d, %s, trained %d steps"):format(h.cell, h.layers, h.hidden, h.embed,
    self.vocab and (self.vocab.size .. " characters") or "no vocabulary yet", self.steps)
end

function CharRNN:num_parameters() return self.net and self.net:num_parameters() or 0 end

-- The fallback for characters a loaded model has never seen: a space when the model
-- knows one, else its most frequent character.
local function default_fallback(vocab)
  if vocab:id(" ") then return " " end
  local counts, best = vocab.counts:table(), 1
  for i, c in ipairs(counts) do if c > counts[best] then best = i end end
  return vocab:char(best)
end

-- Mean cross-entropy (nats/char) of the model over ids, as `batch` streams with the
-- state carried, at most max_chars characters, no autograd.
local function evaluate(self, ids, batch, max_chars)
  if not ids or ids:numel() < 2 then return nil end
  local n = math.min(ids:numel(), max_chars + 1)
  local N = math.max(1, math.min(batch, (n - 1) // 16))
  local L = (n - 1) // N
  local x = ids:narrow(1, 1, N * L):reshape(N, L)
  local y = ids:narrow(1, 2, N * L):reshape(N, L)
  local net = self.net
  net:eval()
  local total, count = 0, 0
  wick.no_grad(function()
    local state
    local pos = 1
    while pos <= L do
      local len = math.min(256, L - pos + 1)
      local logits
      logits, state = net(x:narrow(2, pos, len):contiguous(), state)
      local target = y:narrow(2, pos, len):contiguous():reshape(N * len)
      total = total + nn.cross_entropy(logits, target):item() * N * len
      count = count + N * len
      pos = pos + len
    end
  end)
  net:train()
  return total / count
end

-- m:train(text_or_ids, opts) -> losses: {loss per step…, valid = {{step, nats, bpc}…},
-- unseen = {{char, cp, count}…}}. See the defaults below. The first call on a new
-- model builds the vocabulary from the text; later calls (and calls on a loaded
-- model: fine-tuning) encode with the model's vocabulary, and characters it has never
-- seen are reported and mapped to `fallback` (default: a space, or the most frequent
-- character when the model knows no space). seconds = n stops at the first step after
-- n seconds of training (steps is then a maximum), for time-budget comparisons.
-- Every `every` steps (and after the last) the validation loss is computed and
-- on_step(info) is called, if given, with info = {step, steps, loss (the mean training
-- loss since the previous call), valid_loss (nats/char; nil without validation text),
-- elapsed (seconds), model (this model)}; returning false or "stop" ends training
-- there, keeping what was learnt (losses.stopped = the step). An error inside on_step
-- propagates as raised, at its own line.
local train_defaults = {
  steps = 1000, seq = 64, batch = 32, lr = 2e-3, optimizer = "adam", clip = 5,
  decay = 1, decay_every = 1000, valid = 0.05, every = 100, progress = true,
  fallback = false, valid_chars = 65536, seconds = false, on_step = false,
}

-- The most steps one call may ask for: a bound a sketch can mean (weeks of training),
-- not 2^62 or inf, which would only run until stopped.
local MAX_STEPS = 2 ^ 31 - 1

-- Every option of train checked up front, so a bad one is reported as train's own
-- rather than later by adam, clip_grad_norm or text.batches under their names.
local function check_train_opts(fname, opts)
  check.one_of(fname, "optimizer", opts.optimizer, { "adam", "rmsprop" })
  check.integer(fname, "steps", opts.steps, 1, MAX_STEPS)
  for _, k in ipairs { "seq", "batch", "every", "decay_every" } do
    check.integer(fname, k, opts[k], 1, MAX_STEPS)
  end
  check.positive(fname, "lr", opts.lr)
  if opts.clip ~= false then check.number(fname, "clip", opts.clip, 0) end
  check.positive(fname, "decay", opts.decay)
  check.fraction(fname, "valid", opts.valid)
  check.type(fname, "progress", opts.progress, "boolean")
  check.integer(fname, "valid_chars", opts.valid_chars, 1)
  if opts.seconds ~= false then check.positive(fname, "seconds", opts.seconds) end
  if opts.on_step ~= false then check.type(fname, "on_step", opts.on_step, "function") end
  if opts.fallback ~= false and (type(opts.fallback) ~= "string" or utf8.len(opts.fallback) ~= 1) then
    raise(("%s: fallback must be one character (a string), got %s"):format(fname, check.show(opts.fallback)))
  end
end

function CharRNN:train(data, opts)
  local fname = "char_rnn:train"
  opts = options(fname, opts, train_defaults, 3)
  check_train_opts(fname, opts)
  local losses = { valid = {}, unseen = {} }
  local ids, vocab = nil, self.vocab
  if type(data) == "string" then
    text._check("char_rnn:train", data, "the training text")
    vocab = self.vocab or text.vocab(data)
    local unseen = vocab:unseen(data)
    local fb = opts.fallback or default_fallback(vocab)
    if not vocab:id(fb) then
      raise(("char_rnn:train: fallback %q is not in the model's vocabulary"):format(fb))
    end
    if #unseen > 0 then
      local list, total = {}, 0
      for i, u in ipairs(unseen) do
        total = total + u.count
        if i <= 20 then list[#list + 1] = ("%s×%d"):format(u.cp < 32 and ("U+%04X"):format(u.cp) or u.char, u.count) end
      end
      if #unseen > 20 then list[#list + 1] = "…" end
      io.stderr:write(("char_rnn:train: %d character%s the model has never seen (%d occurrences) mapped to %q: %s\n")
        :format(#unseen, #unseen == 1 and "" or "s", total, fb, table.concat(list, " ")))
      losses.unseen = unseen
    end
    ids = vocab:encode(data, { fallback = fb })
  elseif T.is_tensor(data) then
    if not self.vocab then
      raise("char_rnn:train: a new model needs text (a string) to build its vocabulary, not ids")
    end
    ids = data:reshape(data:numel())
  else
    raise("char_rnn:train: expected text (a string) or a tensor of ids, got " .. type(data))
  end
  local train_ids, valid_ids = text._split(fname, ids, opts.valid)
  local stream = text._batches(fname, train_ids, opts.batch, opts.seq)
  -- a new model gets its vocabulary and layers only once the text passed every check
  if not self.vocab then build(self, vocab) end
  local net = self.net
  net:train()
  local params = net:parameters()
  local opt = optim[opts.optimizer](params, { lr = opts.lr })
  self._sampler = nil
  local N, S = stream.batch, stream.seq
  local bar = opts.progress and wick.data.progress(opts.steps, "chars") or nil
  local state
  local t0 = wick.clock()
  local last_step = opts.steps
  local since = 1   -- the first step not yet reported to on_step
  -- Validation at `step`, then on_step; true when on_step asks to stop.
  local function report(step)
    local nats = evaluate(self, valid_ids, opts.batch, opts.valid_chars)
    if nats then
      losses.valid[#losses.valid + 1] = { step = step, nats = nats, bpc = nats * LOG2E }
      if opts.progress then
        io.stderr:write(("\rchar_rnn: step %d/%d  train %.3f  valid %.3f nats/char (%.3f bits/char)\n")
          :format(step, opts.steps, losses[step] or 0 / 0, nats, nats * LOG2E))
      end
    end
    if not opts.on_step then return false end
    local sum = 0
    for i = since, step do sum = sum + losses[i] end
    local info = { step = step, steps = opts.steps, loss = sum / (step - since + 1), valid_loss = nats,
      elapsed = wick.clock() - t0, model = self }
    since = step + 1
    return wick._check.wants_stop(fname, opts.on_step(info))
  end
  for step = 1, opts.steps do
    if opts.decay ~= 1 and step > 1 and (step - 1) % opts.decay_every == 0 then opt.lr = opt.lr * opts.decay end
    local x, y, wrapped = stream:next()
    if wrapped then state = nil end
    local logits, st = net(x, state)
    local loss = nn.cross_entropy(logits, y:reshape(N * S))
    opt:zero_grad()
    loss:backward()
    if opts.clip and opts.clip > 0 then optim.clip_grad_norm(params, opts.clip) end
    opt:step()
    state = { h = st.h:detach(), c = st.c and st.c:detach() or nil }
    local l = loss:item()
    if l ~= l then raise(("char_rnn:train: the loss became NaN at step %d (lower lr?)"):format(step)) end
    losses[step] = l
    self.steps = self.steps + 1
    if bar then bar.update(step, N * S, l) end
    local last = step == opts.steps or (opts.seconds and wick.clock() - t0 >= opts.seconds)
    if last or step % opts.every == 0 then
      if report(step) then
        losses.stopped = step
        last = true
      end
    end
    if last then
      last_step = step
      break
    end
  end
  if bar then bar.finish() end
  losses.seconds = wick.clock() - t0
  losses.chars = last_step * N * S
  local last = losses.valid[#losses.valid]
  losses.valid_nats = last and last.nats or nil
  losses.valid_bpc = last and last.bpc or nil
  return losses
end

-- m:loss(text_or_ids) -> nats/char of the model on it (unseen characters use the
-- fallback).
function CharRNN:loss(s, opts)
  opts = options("char_rnn:loss", opts, { batch = 32, max_chars = math.huge })
  if not self.net then raise("char_rnn:loss: the model is not trained yet") end
  local ids = s
  if not T.is_tensor(s) then
    text._check("char_rnn:loss", s, "the text")
    ids = self.vocab:encode(s, { fallback = default_fallback(self.vocab) })
  end
  return evaluate(self, ids, opts.batch, opts.max_chars)
end

-- ---- sampling -------------------------------------------------------------------------

local function sampler(self)
  if self._sampler then return self._sampler end
  local net, h = self.net, self.hyper
  local cfg = { cell = h.cell, layers = h.layers, embed = h.embed, hidden = h.hidden, vocab = self.vocab.codes,
    embedding = net.embed.weight, w_out = net.out.weight, b_out = rawget(net.out, "bias"),
    w_ih = {}, w_hh = {}, b_ih = {}, b_hh = {} }
  for l = 1, h.layers do
    local k = l - 1
    cfg.w_ih[l] = net.rnn["weight_ih_l" .. k]
    cfg.w_hh[l] = net.rnn["weight_hh_l" .. k]
    cfg.b_ih[l] = rawget(net.rnn, "bias_ih_l" .. k)
    cfg.b_hh[l] = rawget(net.rnn, "bias_hh_l" .. k)
  end
  self._sampler = text._sampler(cfg)
  return self._sampler
end

local MAX_LENGTH = 10000000

-- m:sample{prime = "", length = 400, temperature = 0.8, top_k = 0, top_p = 1,
--          seed = nil, stop = nil, stream = false} -> prime .. generated text.
-- temperature 0 is argmax (deterministic); seed reseeds wick's generator first (same
-- seed, same text); stop ends the text after that string appears; stream writes the
-- characters to stdout as they come. An empty prime starts after a newline.
function CharRNN:sample(opts)
  opts = options("char_rnn:sample", opts, { prime = "", length = 400, temperature = 0.8, top_k = 0, top_p = 1,
    seed = false, stop = false, stream = false })
  if not self.net then raise("char_rnn:sample: the model is not trained yet (call m:train(text) first)") end
  local len = opts.length
  if type(len) ~= "number" or len ~= math.floor(len) or len < 1 or len > MAX_LENGTH then
    raise(("char_rnn:sample: length must be an integer from 1 to %d, got %s"):format(MAX_LENGTH, tostring(len)))
  end
  local temp = opts.temperature
  if type(temp) ~= "number" or temp < 0 or temp ~= temp or temp > 100 then
    raise(("char_rnn:sample: temperature must be in [0, 100], got %s"):format(tostring(temp)))
  end
  if type(opts.top_k) ~= "number" or opts.top_k < 0 or opts.top_k ~= math.floor(opts.top_k) then
    raise(("char_rnn:sample: top_k must be a non-negative integer, got %s"):format(tostring(opts.top_k)))
  end
  if type(opts.top_p) ~= "number" or not (opts.top_p > 0 and opts.top_p <= 1) then
    raise(("char_rnn:sample: top_p must be in (0, 1], got %s"):format(tostring(opts.top_p)))
  end
  local prime = opts.prime
  if type(prime) ~= "string" then raise("char_rnn:sample: prime must be a string, got " .. type(prime)) end
  if #prime > 0 then
    local ok, reason, at = text._validate(prime)
    if not ok then raise(("char_rnn:sample: the prime is not UTF-8: %s (byte %d)"):format(reason, at)) end
    local unseen = self.vocab:unseen(prime)
    if #unseen > 0 then
      local list = {}
      for _, u in ipairs(unseen) do list[#list + 1] = ("'%s' (U+%04X)"):format(u.char, u.cp) end
      raise(("char_rnn:sample: the prime has character%s the model never saw: %s"):format(#unseen == 1 and "" or "s",
        table.concat(list, ", ")))
    end
  end
  if opts.stop and (type(opts.stop) ~= "string" or #opts.stop == 0) then
    raise("char_rnn:sample: stop must be a non-empty string")
  end
  if opts.seed ~= false then wick.seed(check.integer("char_rnn:sample", "seed", opts.seed, 0)) end
  local s = sampler(self)
  s:reset()
  local start = #prime > 0 and self.vocab:encode(prime):table() or { self.vocab:id("\n") or 1 }
  for _, id in ipairs(start) do s:feed(math.floor(id)) end
  local top_k, top_p = math.floor(opts.top_k), opts.top_p
  if not opts.stream and not opts.stop then
    return prime .. s:generate(len, temp, top_k, top_p)
  end
  local out, stop, tail = {}, opts.stop, ""
  if opts.stream then io.stdout:write(prime); io.stdout:flush() end
  for i = 1, len do
    local _, ch = s:step(temp, top_k, top_p)
    out[i] = ch
    if opts.stream then io.stdout:write(ch); io.stdout:flush() end
    if stop then
      tail = (tail .. ch):sub(-#stop)
      if tail == stop then break end
    end
  end
  return prime .. table.concat(out)
end

-- ---- checkpoints ----------------------------------------------------------------------

function CharRNN:save(path)
  if not self.net then raise("char_rnn:save: the model is not trained yet; nothing to save") end
  if type(path) ~= "string" then raise("char_rnn:save: expected a file path, got " .. type(path)) end
  local tensors = self.net:state()
  tensors["vocab.codes"] = self.vocab.codes
  tensors["vocab.counts"] = self.vocab.counts
  local h = self.hyper
  wick.save(tensors, path, { metadata = { kind = KIND, version = "1", cell = h.cell, layers = h.layers,
    hidden = h.hidden, embed = h.embed, dropout = h.dropout, vocab_size = self.vocab.size, steps = self.steps } })
  return path
end

-- A checkpoint is checked against itself before anything is built: the metadata's
-- layer count and sizes must be those of the tensors actually in the file (a file
-- saying 10^9 layers or hidden = 30,000 beside small tensors would otherwise build a
-- network that never finishes or needs gigabytes), and the vocabulary must be code
-- points with one count each.
local MAX_CODE_POINT = 0x10FFFF

local function show(v) return v ~= v and "NaN" or tostring(v) end

local function check_checkpoint(path, tensors, meta, o)
  local function bad(fmt, ...) raise(("char_rnn.load: %s: " .. fmt):format(path, ...)) end
  for _, k in ipairs { "layers", "hidden", "embed" } do
    local v = o[k]
    if type(v) ~= "number" or v ~= math.floor(v) or v < 1 or v > 2 ^ 31 then
      bad("its metadata says %s = %s, not a positive integer", k, tostring(meta[k]))
    end
  end
  if o.cell ~= "lstm" and o.cell ~= "gru" then
    bad("its metadata says cell = %s, not \"lstm\" or \"gru\"", tostring(o.cell))
  end
  if type(o.dropout) ~= "number" or not (o.dropout >= 0 and o.dropout < 1) then
    bad("its metadata says dropout = %s, not a number from 0 up to 1", tostring(meta.dropout))
  end
  -- the vocabulary: V code points and V counts
  local codes, counts = tensors["vocab.codes"], tensors["vocab.counts"]
  if codes:dim() ~= 1 or codes:numel() < 1 then bad("vocab.codes must be a non-empty list of code points") end
  local V = codes:numel()
  if counts:dim() ~= 1 or counts:numel() ~= V then
    bad("vocab.counts holds %d numbers for the %d characters of vocab.codes", counts:numel(), V)
  end
  if meta.vocab_size ~= nil and tonumber(meta.vocab_size) ~= V then
    bad("its metadata says vocab_size = %s but vocab.codes holds %d characters", tostring(meta.vocab_size), V)
  end
  local seen = {}
  for i, cp in ipairs(codes:table()) do
    if cp ~= cp or cp < 0 or cp > MAX_CODE_POINT or cp ~= math.floor(cp) then
      bad("vocab.codes entry %d is %s, not a Unicode code point (0 to 0x10FFFF)", i, show(cp))
    end
    if seen[cp] then bad("vocab.codes holds U+%04X twice", math.floor(cp)) end
    seen[cp] = true
  end
  for i, c in ipairs(counts:table()) do
    if c ~= c or c < 0 or c == math.huge then bad("vocab.counts entry %d is %s, not a count", i, show(c)) end
  end
  -- the layers present must be exactly 0 .. layers-1, shaped as the metadata says
  local present = 0
  for name in pairs(tensors) do
    if type(name) == "string" and name:match("^rnn%.weight_ih_l%d+$") then present = present + 1 end
  end
  if present ~= o.layers then
    bad("its metadata says %d layer%s but it holds the weights of %d", o.layers, o.layers == 1 and "" or "s", present)
  end
  local G = o.cell == "lstm" and 4 or 3
  local function shape(name, ...)
    local t, want = tensors[name], { ... }
    if not T.is_tensor(t) then bad("it has no tensor %s", name) end
    local ok = t:dim() == #want
    for d = 1, #want do ok = ok and t:size(d) == want[d] end
    if not ok then
      local got = {}
      for d = 1, t:dim() do got[d] = t:size(d) end
      bad("%s is (%s), expected (%s) from its metadata (%s, hidden %d, embed %d, %d characters)", name,
        table.concat(got, ", "), table.concat(want, ", "), o.cell, o.hidden, o.embed, V)
    end
  end
  shape("embed.weight", V, o.embed)
  for l = 0, o.layers - 1 do
    shape("rnn.weight_ih_l" .. l, G * o.hidden, l == 0 and o.embed or o.hidden)
    shape("rnn.weight_hh_l" .. l, G * o.hidden, o.hidden)
  end
  shape("out.weight", V, o.hidden)
end

local function load(path)
  if type(path) ~= "string" then raise("char_rnn.load: expected a file path, got " .. type(path)) end
  local ok, tensors, meta = pcall(wick.load, path)
  if not ok then raise("char_rnn.load: " .. nn._strip_where(tensors)) end
  if type(tensors) ~= "table" or type(meta) ~= "table" or meta.kind ~= KIND then
    raise(("char_rnn.load: %s is not a char-rnn checkpoint (its kind is %s, expected %q)"):format(path,
      type(meta) == "table" and meta.kind and ("%q"):format(meta.kind) or "not set", KIND))
  end
  local o = {}
  for k, v in pairs(defaults) do
    local m = meta[k]
    if m == nil then raise(("char_rnn.load: %s lacks the hyper-parameter '%s'"):format(path, k)) end
    o[k] = type(v) == "number" and tonumber(m) or m
  end
  local codes, counts = tensors["vocab.codes"], tensors["vocab.counts"]
  if not codes or not counts then raise(("char_rnn.load: %s has no vocabulary (vocab.codes)"):format(path)) end
  check_checkpoint(path, tensors, meta, o)
  local self = new_model(o)
  build(self, text._new_vocab(codes, counts))
  tensors["vocab.codes"], tensors["vocab.counts"] = nil, nil
  local ok2, err = pcall(self.net.load_state, self.net, tensors)
  if not ok2 then raise(("char_rnn.load: %s: %s"):format(path, nn._strip_where(err))) end
  self.steps = tonumber(meta.steps) or 0
  return self
end

-- text.char_rnn{layers = 2, hidden = 256, embed = 64, dropout = 0, cell = "lstm",
-- vocab = nil}: vocab (a text.vocab, or a string to take it from) fixes the characters
-- up front — pretrain with the vocabulary of big .. small corpus, and fine-tuning on
-- the small one then meets no unseen character. Without it, the first m:train builds
-- the vocabulary from its text.
text.char_rnn = setmetatable({ load = load, defaults = defaults, train_defaults = train_defaults }, {
  __call = function(_, opts)
    local vocab, o = nil, opts
    if type(opts) == "table" then
      vocab, o = opts.vocab, {}
      for k, v in pairs(opts) do if k ~= "vocab" then o[k] = v end end
    end
    o = options("char_rnn", o, defaults, 4)
    local self = new_model(o)
    if vocab ~= nil then
      if type(vocab) == "string" then vocab = text.vocab(vocab) end
      if getmetatable(vocab) ~= text._Vocab then
        raise("char_rnn: vocab must be a text.vocab or a string, got " .. type(vocab))
      end
      build(self, vocab)
    end
    return self
  end,
})
