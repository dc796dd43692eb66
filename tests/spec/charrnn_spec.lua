-- charrnn_spec.lua — wick.text.char_rnn on a tiny corpus with a tiny model (seconds):
-- the training loss falls; a checkpoint round-trip samples the same text; fine-tuning
-- reports characters the model never saw; sampling is deterministic for a seed and at
-- temperature 0; multi-byte characters are single symbols; bad input gives clear
-- errors (empty or binary text, a checkpoint of another kind, an unseen prime
-- character, a length ≤ 0 or absurd).
local wick = require "wick"
local helpers = require "spec_helpers"
local T, text = wick.tensor, wick.text

local corpus = ("the cat sat on the mat. the dog ate the hat. a cat and a dog — café ☕.\n"):rep(12)
local tiny = { layers = 1, hidden = 24, embed = 8 }
local fast = { steps = 80, seq = 16, batch = 4, lr = 1e-2, every = 40, progress = false }

local function tmpfile(ext)
  local p = os.tmpname()
  os.remove(p)
  return p .. ext
end

local model   -- trained once, shared by the tests that only read it
local function trained()
  if model then return model end
  wick.seed(1)
  model = text.char_rnn(tiny)
  model.losses = model:train(corpus, fast)
  return model
end

describe("char_rnn training", function()
  it("the loss falls on a small corpus and validation is reported in nats and bits", function()
    local m = trained()
    local l = m.losses
    assert.equal(80, #l)
    local first, last = 0, 0
    for i = 1, 10 do first, last = first + l[i], last + l[#l - 10 + i] end
    assert.is_true(last < 0.6 * first, ("loss %.3f -> %.3f"):format(first / 10, last / 10))
    assert.equal(2, #l.valid)
    assert.near(l.valid_nats / math.log(2), l.valid_bpc, 1e-9)
    assert.is_true(l.valid_nats < math.log(m.vocab.size))   -- better than uniform
  end)

  it("trains a GRU and with RMSprop and decay", function()
    wick.seed(2)
    local m = text.char_rnn { layers = 2, hidden = 16, embed = 4, cell = "gru" }
    local l = m:train(corpus, { steps = 30, seq = 8, batch = 4, lr = 1e-2, optimizer = "rmsprop", decay = 0.5,
      decay_every = 10, progress = false })
    -- the loss falls: the last five steps against the first five (one step's batch
    -- loss alone is a noisy point of a run that rounds differently on each machine)
    local first, last = 0, 0
    for i = 1, 5 do first, last = first + l[i], last + l[25 + i] end
    assert.is_true(last < 0.8 * first, ("mean loss %.3f over steps 1-5, %.3f over 26-30"):format(first / 5, last / 5))
    assert.is_true(#m:sample { length = 20, seed = 3 } >= 20)
  end)
end)

describe("char_rnn sampling", function()
  it("same seed, same text; temperature 0 is deterministic", function()
    local m = trained()
    local a = m:sample { prime = "the ", length = 80, temperature = 0.9, seed = 5 }
    local b = m:sample { prime = "the ", length = 80, temperature = 0.9, seed = 5 }
    local c = m:sample { prime = "the ", length = 80, temperature = 0.9, seed = 6 }
    assert.equal(a, b)
    assert.are_not.equal(a, c)
    assert.equal(m:sample { prime = "the ", length = 50, temperature = 0 },
      m:sample { prime = "the ", length = 50, temperature = 0, seed = 99 })
    assert.equal("the ", a:sub(1, 4))
    assert.equal(84, utf8.len(a))    -- prime + length characters, multi-byte ones included
    local k = m:sample { prime = "the ", length = 40, top_k = 1, temperature = 2 }
    assert.equal(m:sample { prime = "the ", length = 40, temperature = 0 }, k)
    local p = m:sample { prime = "the ", length = 40, top_p = 0.5, seed = 1 }
    assert.equal(44, utf8.len(p))
  end)

  it("stop ends the text after the stop string; stream matches the plain result", function()
    local m = trained()
    -- The stop string is taken from what this model writes greedily (the 20th and 21st
    -- characters), so it is sure to come up whatever text the model learnt on this
    -- machine; the stopped text must be the greedy text cut right after its first
    -- occurrence, character for character.
    local plain = m:sample { prime = "the ", length = 400, temperature = 0 }
    local gen = plain:sub(5)
    local stop = gen:sub(utf8.offset(gen, 20), utf8.offset(gen, 22) - 1)
    local _, stop_end = gen:find(stop, 1, true)
    local s = m:sample { prime = "the ", length = 400, temperature = 0, stop = stop }
    assert.equal("the " .. gen:sub(1, stop_end), s)
    assert.equal(stop, s:sub(-#stop))
    -- stream writes to stdout the very characters it returns
    local written, real_stdout = {}, io.stdout
    local capture = {
      write = function(self, ...) for _, v in ipairs { ... } do written[#written + 1] = v end return self end,
      flush = function(self) return self end,
    }
    rawset(io, "stdout", capture)
    local ok, streamed = pcall(m.sample, m, { prime = "the ", length = 60, temperature = 0, stream = true })
    rawset(io, "stdout", real_stdout)
    assert.is_true(ok, streamed)
    assert.equal(plain:sub(1, #streamed), streamed)
    assert.equal(streamed, table.concat(written))
  end)

  it("multi-byte characters are single symbols", function()
    local m = trained()
    assert.is_not_nil(m.vocab:id("☕"))
    assert.is_not_nil(m.vocab:id("é"))
    local s = m:sample { prime = "caf", length = 300, temperature = 0.5, seed = 2 }
    assert.is_true(text._validate(s))    -- never a split character
  end)

  it("rejects bad arguments clearly", function()
    local m = trained()
    local ok, err = pcall(m.sample, m, { prime = "the Zebra", length = 10 })
    assert.is_false(ok)
    assert.matches("never saw: 'Z' %(U%+005A%), 'b' %(U%+0062%), 'r'", err)
    assert.matches("length must be an integer from 1", select(2, pcall(m.sample, m, { length = 0 })))
    assert.matches("length must be", select(2, pcall(m.sample, m, { length = -5 })))
    assert.matches("length must be", select(2, pcall(m.sample, m, { length = 1e12 })))
    assert.matches("temperature", select(2, pcall(m.sample, m, { temperature = -1 })))
    assert.matches("unknown option", select(2, pcall(m.sample, m, { temprature = 1 })))
    assert.matches("not trained yet", select(2, pcall(function() text.char_rnn(tiny):sample {} end)))
  end)
end)

describe("char_rnn on bad options (issue 10)", function()
  local refused = helpers.refused

  it("train checks every option up front and names itself, not adam, text.batches or clip_grad_norm", function()
    local m = text.char_rnn(tiny)
    local function opts(o)
      for k, v in pairs(fast) do if o[k] == nil then o[k] = v end end
      return o
    end
    local cases = {
      { "clip must be a finite number >= 0, got 'x'", { clip = "x" } },
      { "clip must be a finite number >= 0, got table", { clip = {} } },
      { "clip must be a finite number >= 0, got inf", { clip = 1 / 0 } },
      { "lr must be a finite number > 0, got nan", { lr = 0 / 0 } },
      { "lr must be a finite number > 0, got -1", { lr = -1 } },
      { "valid must be a number from 0 up to (not including) 1, got nan", { valid = 0 / 0 } },
      { "batch must be an integer from 1 to 2147483647, got inf", { batch = 1 / 0 } },
      { "seq must be an integer from 1 to 2147483647, got 1.5", { seq = 1.5 } },
      { "steps must be an integer from 1 to 2147483647, got inf", { steps = 1 / 0 } },
      { "steps must be an integer from 1 to 2147483647, got 2147483648", { steps = 2 ^ 31 } },
      { "steps must be an integer from 1 to 2147483647, got 4.6116860184274e+18", { steps = 2 ^ 62 } },
      { "decay must be a finite number > 0, got 0", { decay = 0 } },
      { "progress must be a boolean, got 'x'", { progress = "x" } },
      { "seconds must be a finite number > 0, got nan", { seconds = 0 / 0 } },
      { "fallback must be one character (a string), got table", { fallback = {} } },
      { "fallback \"Q\" is not in the model's vocabulary", { fallback = "Q" } },
      { "optimizer must be one of adam, rmsprop, got 'sgd'", { optimizer = "sgd" } },
    }
    for _, c in ipairs(cases) do refused("char_rnn:train: " .. c[1], m.train, m, corpus, opts(c[2])) end
    local e = select(2, pcall(m.train, m, corpus, opts { batch = 2048 }))
    assert.matches("^[^:]*charrnn_spec%.lua:%d+: char_rnn:train: %d+ characters are too few for batch = 2048", e)
    refused("char_rnn:train: 2 characters are too few for batch = 4 streams", m.train, m, "ab", opts {})
    assert.is_nil(m.vocab, "a refused first call leaves the model untrained")
    assert.equal(0, m.steps)
  end)

  it("sample refuses a bad seed under its own name; char_rnn refuses a NaN dropout", function()
    local m = trained()
    for _, seed in ipairs { "x", {}, true, 0 / 0, -1, 1.5, 2 ^ 62 } do
      refused("char_rnn:sample: seed must be an integer >= 0, got", m.sample, m, { length = 5, seed = seed })
    end
    refused("char_rnn: dropout must be in [0, 1), got nan", text.char_rnn, { dropout = 0 / 0 })
  end)
end)

describe("char_rnn checkpoints", function()
  it("round-trip: the loaded model samples identical text", function()
    local m = trained()
    local path = tmpfile(".safetensors")
    m:save(path)
    local back = text.char_rnn.load(path)
    os.remove(path)
    assert.equal(m.vocab.size, back.vocab.size)
    assert.same(m.hyper, back.hyper)
    local opts = { prime = "the ", length = 120, seed = 11 }
    assert.equal(m:sample(opts), back:sample(opts))
    assert.near(m:loss(corpus), back:loss(corpus), 1e-5)
  end)

  it("a checkpoint of another kind is a clear error", function()
    local path = tmpfile(".safetensors")
    wick.save({ w = T.ones(3) }, path)
    local ok, err = pcall(text.char_rnn.load, path)
    assert.is_false(ok)
    assert.matches("is not a char%-rnn checkpoint", err)
    local f = io.open(path, "wb"); f:write("not a safetensors file at all"); f:close()
    ok, err = pcall(text.char_rnn.load, path)
    assert.is_false(ok)
    assert.matches("char_rnn.load", err)
    os.remove(path)
  end)

  it("fine-tuning reports unseen characters and maps them to the fallback", function()
    local m = trained()
    local path = tmpfile(".safetensors")
    m:save(path)
    local ft = text.char_rnn.load(path)
    os.remove(path)
    local before = ft:loss("the cat ate the hat.\n")
    local l = ft:train(("the cat ate the hat. Zoë sat.\n"):rep(8), { steps = 10, seq = 8, batch = 2, progress = false })
    local seen = {}
    for _, u in ipairs(l.unseen) do seen[u.char] = u.count end
    assert.equal(8, seen["Z"])
    assert.equal(8, seen["ë"])
    assert.is_nil(seen["a"])
    assert.equal(m.vocab.size, ft.vocab.size)   -- the vocabulary is kept: ids mean the same
    assert.is_true(ft:loss("the cat ate the hat.\n") ~= before)
    assert.is_nil(ft.vocab:id("Z"))
  end)

  it("rejects empty and binary corpora", function()
    local m = text.char_rnn(tiny)
    assert.matches("is empty", select(2, pcall(m.train, m, "", { steps = 1 })))
    assert.matches("not UTF%-8 text: NUL byte", select(2, pcall(m.train, m, "ab\0\1\2", { steps = 1 })))
    assert.matches("0xff", select(2, pcall(m.train, m, "ab\255cd", { steps = 1 })))
    assert.matches("unknown option", select(2, pcall(m.train, m, corpus, { step = 1 })))
  end)
end)

-- Issue 10: a checkpoint is checked against itself before anything is built.
describe("char_rnn checkpoints that lie", function()
  -- A copy of the trained model's checkpoint with changed metadata or tensors.
  local function forged(change)
    local m = trained()
    local good = tmpfile(".safetensors")
    m:save(good)
    local tensors, meta = wick.load(good)
    os.remove(good)
    change(tensors, meta)
    local path = tmpfile(".safetensors")
    wick.save(tensors, path, { metadata = meta })
    return path
  end
  local function refused(what, change)
    local path = forged(change)
    local t0 = wick.clock()
    local ok, err = pcall(text.char_rnn.load, path)
    os.remove(path)
    assert.is_false(ok, "expected an error")
    assert.is_true(wick.clock() - t0 < 5, "took " .. (wick.clock() - t0) .. " s")
    assert.truthy(tostring(err):find("char_rnn.load: " .. path, 1, true), err)
    assert.truthy(tostring(err):find(what, 1, true), ("%q does not contain %q"):format(err, what))
  end

  it("refuses layer counts and sizes the tensors do not have (no 10^9-layer build)", function()
    refused("says 200000 layers but it holds the weights of 1", function(_, meta) meta.layers = "200000" end)
    refused("says 1000000000 layers", function(_, meta) meta.layers = "1000000000" end)
    refused("rnn.weight_ih_l0 is (96, 8), expected (120000, 8)", function(_, meta) meta.hidden = "30000" end)
    refused("embed.weight is", function(_, meta) meta.embed = "9" end)
    refused("says layers = 1.5", function(_, meta) meta.layers = "1.5" end)
    refused("says dropout = nan", function(_, meta) meta.dropout = "nan" end)
  end)

  it("refuses vocabularies that are not code points, or counts that do not match", function()
    refused("vocab.codes entry 1 is NaN", function(t) t["vocab.codes"][1] = 0 / 0 end)
    refused("vocab.codes entry 2 is -3.0", function(t) t["vocab.codes"][2] = -3 end)
    refused("vocab.codes entry 1 is 1114112.0", function(t) t["vocab.codes"][1] = 0x110000 end)
    refused("vocab.counts holds 3 numbers", function(t) t["vocab.counts"] = T { 1, 2, 3 } end)
    refused("vocab.counts entry 1 is -1.0", function(t) t["vocab.counts"][1] = -1 end)
  end)
end)

-- Issue 11: a preview every `every` steps (ml5's whileTraining), stopping early.
describe("char_rnn:train with on_step", function()
  local refused = helpers.refused
  local function opts(o)
    for k, v in pairs(fast) do if o[k] == nil then o[k] = v end end
    return o
  end

  it("calls on_step every `every` steps and after the last, with the losses and the model", function()
    wick.seed(4)
    local m = text.char_rnn(tiny)
    local seen = {}
    local l = m:train(corpus, opts { steps = 50, every = 20, on_step = function(info)
      assert.equal(m, info.model)
      assert.equal(50, info.steps)
      assert.is_true(info.elapsed >= 0)
      assert.is_number(info.valid_loss)
      assert.is_true(#info.model:sample { length = 5, seed = 1 } >= 5)   -- a preview mid-training
      seen[#seen + 1] = info
    end })
    assert.same({ 20, 40, 50 }, { seen[1].step, seen[2].step, seen[3].step })
    assert.equal(3, #seen)
    -- loss is the mean training loss since the previous call
    local sum = 0
    for i = 41, 50 do sum = sum + l[i] end
    assert.near(sum / 10, seen[3].loss, 1e-9)
    for i, v in ipairs(l.valid) do assert.equal(v.nats, seen[i].valid_loss) end
    assert.is_nil(l.stopped)
  end)

  it("stops cleanly on false or \"stop\", keeping what was learnt", function()
    for _, answer in ipairs { false, "stop" } do
      wick.seed(4)
      local m = text.char_rnn(tiny)
      local l = m:train(corpus, opts { steps = 1000, every = 10, on_step = function(info)
        if info.step == 30 then return answer end
      end })
      assert.equal(30, l.stopped)
      assert.equal(30, #l)
      assert.equal(30, m.steps)
      assert.equal(30, l.valid[#l.valid].step)
      assert.is_true(#m:sample { length = 10, seed = 1 } >= 10)
    end
  end)

  it("an error inside on_step propagates at its own line; bad values are refused", function()
    local m = text.char_rnn(tiny)
    local ok, e = pcall(m.train, m, corpus, opts { every = 10, on_step = function() error("no preview") end })
    assert.is_false(ok)
    assert.truthy(tostring(e):find("charrnn_spec%.lua:%d+: no preview"), e)
    refused("char_rnn:train: on_step must be a function, got 'x'", m.train, m, corpus, opts { on_step = "x" })
    refused('char_rnn:train: on_step returned "Stop"', m.train, m, corpus,
      opts { steps = 10, every = 5, on_step = function() return "Stop" end })
  end)
end)
