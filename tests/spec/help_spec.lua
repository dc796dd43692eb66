-- help_spec.lua — wick.help and its one table of documentation (wick._doc, filled by
-- bindings/core/doc_*.lua) held to the live code and to README.md:
--   * every public name of the `wick` tree and every method of every type wick hands out
--     has an entry, and every entry names something that exists;
--   * documented option defaults equal the code's (the table each function passes to
--     wick._options, caught by a call hook that stops the function right there);
--   * README.md's "## Lua API" section names every public function and method and
--     nothing that does not exist (known gaps are listed below until the README has them);
--   * help() finds entries by value, by name, and for instances, and suggests close names.
local wick = require "wick"
local helpers = require "spec_helpers"
local T, nn, doc = wick.tensor, wick.nn, wick._doc

-- ---- the live tree ----------------------------------------------------------------------

-- A class made by nn.module (nn.linear, nn.sequential): a leaf here; its methods are
-- checked on instances, as Module's and Sequential's.
local function is_class(v)
  local mt = getmetatable(v)
  return type(v) == "table" and type(v.kind) == "string" and type(mt) == "table" and mt.__call ~= nil
end

local function has_function(t)
  for _, v in pairs(t) do
    if type(v) == "function" then return true end
  end
  return false
end

-- Every public name under wick: path → value (tables of functions are walked; classes
-- and plain data tables are leaves; names starting with _ are private).
local function public_names()
  local names, seen = {}, {}
  local function walk(t, path)
    seen[t] = true
    for k, v in pairs(t) do
      if type(k) == "string" and k:sub(1, 1) ~= "_" then
        local name = path .. "." .. k
        names[name] = v
        if type(v) == "table" and not seen[v] and not is_class(v) and has_function(v) then walk(v, name) end
      end
    end
  end
  walk(wick, "wick")
  return names
end

-- The public methods of an instance: functions reachable through its metatables'
-- __index tables (a class, then Module), without metamethods or _private ones.
local function methods_of(x)
  local out, seen = {}, {}
  local idx = getmetatable(x) and getmetatable(x).__index
  while type(idx) == "table" and not seen[idx] do
    seen[idx] = true
    for k, v in pairs(idx) do
      if type(k) == "string" and k:sub(1, 1) ~= "_" and type(v) == "function" then out[k] = true end
    end
    idx = getmetatable(idx) and getmetatable(idx).__index
  end
  return out
end

-- One small instance of every documented type (freed or closed by the caller).
local function samples(dir)
  local net = nn.sequential { nn.linear(2, 2) }
  local opt = wick.optim.sgd(net:parameters(), { lr = 0.1 })
  local v = wick.text.vocab("hello world")
  local p = wick.fs.spawn({ "cat" })
  return {
    Tensor = T.zeros(2, 2),
    Module = nn.linear(2, 2),
    Sequential = net,
    Optimizer = opt,
    Schedule = wick.optim.step_lr(opt),
    Vocab = v,
    Stream = wick.text.batches(v:encode(("hello world "):rep(20)), { batch = 2, seq = 4 }),
    CharRNN = wick.text.char_rnn { vocab = v, hidden = 8, layers = 1, embed = 4 },
    Markov = wick.text.markov {},
    TSNE = wick.embed.tsne.new(T.randn(20, 3), { perplexity = 3, progress = false }),
    Word2Vec = wick.embed.word2vec(("a b c d e "):rep(40), { min_count = 1, dim = 4, threads = 1, progress = false }),
    LDA = wick.embed.lda({ { "a", "b" }, { "b", "c" } }, { topics = 2, iterations = 1, progress = false }),
    Board = wick.chess.new(),
    Process = p,
    Kit = wick.sketch { arg = { [0] = dir .. "/s.lua" }, quiet = true },
    TfjsNet = nn.load_tfjs(helpers.tiny_tfjs(dir)),
    RandomFilters = nn.random_filters { sizes = { 3 }, channels = 2 },
    PatchBank = nn.patch_bank(T.randn(2, 4, 4)),
    VideoReader = wick.video.open(wick.video.save({ T.zeros(3, 4, 4) }, dir .. "/v.gif")),
    VideoWriter = wick.video.writer(dir .. "/w.gif"),
  }, function() p:close() end
end

describe("help's documentation table", function()
  it("documents every public name of the wick tree", function()
    local missing = {}
    for name in pairs(public_names()) do
      if not doc.entry(name) then missing[#missing + 1] = name end
    end
    table.sort(missing)
    assert.same({}, missing, "undocumented: " .. table.concat(missing, ", "))
  end)

  it("names only what exists: every wick.* entry and alias resolves in the tree", function()
    local function resolve(path)
      local v = _G
      for part in path:gmatch("[^%.]+") do
        if type(v) ~= "table" then return nil end
        v = (part == "wick" and v == _G) and wick or v[part]
      end
      return v
    end
    local gone = {}
    for _, name in ipairs(doc.order) do
      local e = doc.entries[name]
      for _, n in ipairs({ name, table.unpack(e.aliases or {}) }) do
        if n:match("^wick[%.]?") and n:sub(1, 4) == "wick" and resolve(n) == nil then gone[#gone + 1] = n end
      end
    end
    assert.same({}, gone, "documented but absent: " .. table.concat(gone, ", "))
  end)

  it("documents exactly the methods of every type, and help recognises each instance", function()
    local dir = helpers.tmpdir()
    local inst, close = samples(dir)
    local problems = {}
    for _, ty in ipairs(doc.types) do
      local x = inst[ty]
      if not x then
        problems[#problems + 1] = "no sample instance of " .. ty .. " in help_spec"
      else
        local e = doc.type_of(x)
        if not e or e.name ~= ty then
          problems[#problems + 1] = ty .. " is recognised as " .. tostring(e and e.name)
        end
        if ty ~= "Tensor" then   -- a tensor's methods are wick.tensor's, checked by name above
          local have = methods_of(x)
          for m in pairs(have) do
            if not doc.lookup(doc.entries[ty].var .. ":" .. m) and not doc.entry(ty .. ":" .. m) then
              problems[#problems + 1] = ("%s:%s is not documented"):format(ty, m)
            end
          end
          for _, name in ipairs(doc.order) do
            local m = name:match("^" .. ty .. ":([%w_]+)$")
            if m and not have[m] then problems[#problems + 1] = ("%s:%s is documented but absent"):format(ty, m) end
          end
        end
      end
    end
    close()
    helpers.remove_tree(dir)
    table.sort(problems)
    assert.same({}, problems)
  end)

  it("has a signature, a one-line summary and an example in every entry", function()
    local bad = {}
    for _, name in ipairs(doc.order) do
      local e = doc.entries[name]
      if type(e.sig) ~= "string" or type(e.summary) ~= "string" or e.summary:find("\n")
        or type(e.example) ~= "string" or e.example == "" then
        bad[#bad + 1] = name
      end
    end
    assert.same({}, bad)
  end)
end)

-- ---- documented defaults = the code's ---------------------------------------------------

-- Calls fn under a hook that catches its first wick._options call, takes the defaults
-- table it passes, and stops fn there (so nothing runs past the options: no training,
-- no files, no data needed).
local STOP = setmetatable({}, { __tostring = function() return "stopped by help_spec" end })
local function code_defaults(fn, ...)
  local got
  debug.sethook(function()
    local info = debug.getinfo(2, "f")
    if info and info.func == wick._options then
      local _, defaults = debug.getlocal(2, 3)
      got = defaults
      debug.sethook()
      error(STOP)
    end
  end, "c")
  local ok, err = pcall(fn, ...)
  debug.sethook()
  if not got then error(("no wick._options call (%s)"):format(ok and "returned" or tostring(err)), 2) end
  assert(err == STOP, tostring(err))
  return got
end

describe("documented option defaults", function()
  it("equal the defaults each function passes to wick._options", function()
    local net = nn.linear(2, 2)
    local opt = wick.optim.sgd(net:parameters())
    local v = wick.text.vocab("abc")
    local crnn = wick.text.char_rnn { vocab = v, hidden = 8, layers = 1, embed = 4 }
    local mk = wick.text.markov {}
    local w2v = wick.embed.word2vec(("a b c d e "):rep(40), { min_count = 1, dim = 4, threads = 1, progress = false })
    local x = T.randn(12, 3)
    local bank = nn.patch_bank(T.randn(1, 3, 3))
    local calls = {
      ["wick.save"] = function() wick.save(T.zeros(1), "/nonexistent/help_spec.safetensors") end,
      ["wick.autograd.gradcheck"] = function()
        wick.autograd.gradcheck(function(a) return a:tanh() end, { T.randn(2):requires_grad() })
      end,
      ["wick.data.batches"] = function() wick.data.batches({ x = T.zeros(4, 1) }) end,
      ["wick.data.find"] = function() wick.data.find("/") end,
      ["wick.nn.linear"] = function() nn.linear(2, 2) end,
      ["wick.nn.conv2d"] = function() nn.conv2d(1, 1, 3) end,
      ["wick.nn.conv_transpose2d"] = function() nn.conv_transpose2d(1, 1, 3) end,
      ["wick.nn.maxpool2d"] = function() nn.maxpool2d(2) end,
      ["wick.nn.avgpool2d"] = function() nn.avgpool2d(2) end,
      ["wick.nn.upsample"] = function() nn.upsample { scale = 2 } end,
      ["wick.nn.batchnorm1d"] = function() nn.batchnorm1d(2) end,
      ["wick.nn.batchnorm2d"] = function() nn.batchnorm2d(2) end,
      ["wick.nn.lstm"] = function() nn.lstm(2, 2) end,
      ["wick.nn.gru"] = function() nn.gru(2, 2) end,
      ["wick.nn.patch_bank"] = function() nn.patch_bank(T.randn(1, 3, 3)) end,
      ["PatchBank:patches"] = function() bank:patches() end,
      ["Module:load_state"] = function() net:load_state(net:state()) end,
      ["wick.optim.sgd"] = function() wick.optim.sgd(net:parameters()) end,
      ["wick.optim.adam"] = function() wick.optim.adam(net:parameters()) end,
      ["wick.optim.adamw"] = function() wick.optim.adamw(net:parameters()) end,
      ["wick.optim.rmsprop"] = function() wick.optim.rmsprop(net:parameters()) end,
      ["wick.optim.lbfgs"] = function() wick.optim.lbfgs(net:parameters()) end,
      ["wick.optim.step_lr"] = function() wick.optim.step_lr(opt) end,
      ["wick.optim.cosine"] = function() wick.optim.cosine(opt) end,
      ["wick.text.split"] = function() wick.text.split(T.ones(10)) end,
      ["wick.text.batches"] = function() wick.text.batches(T.ones(10)) end,
      ["wick.text.corpus.kjv"] = function() wick.text.corpus.kjv() end,
      ["wick.text.corpus.austen"] = function() wick.text.corpus.austen() end,
      ["wick.text.corpus.sotu"] = function() wick.text.corpus.sotu() end,
      ["wick.text.corpus.fortunes"] = function() wick.text.corpus.fortunes() end,
      ["wick.text.corpus.wordnet_glosses"] = function() wick.text.corpus.wordnet_glosses() end,
      ["wick.text.corpus.gcide"] = function() wick.text.corpus.gcide() end,
      ["Vocab:encode"] = function() v:encode("ab") end,
      ["wick.text.char_rnn"] = function() wick.text.char_rnn {} end,
      ["CharRNN:train"] = function() crnn:train("abcabc") end,
      ["CharRNN:sample"] = function() crnn:sample() end,
      ["CharRNN:loss"] = function() crnn:loss("abc") end,
      ["wick.text.markov"] = function() wick.text.markov() end,
      ["Markov:generate"] = function() mk:generate() end,
      ["Markov:reply"] = function() mk:reply("hello there") end,
      ["wick.embed.tsne"] = function() wick.embed.tsne(x) end,
      ["wick.embed.tsne.new"] = function() wick.embed.tsne.new(x) end,
      ["wick.embed.grid"] = function() wick.embed.grid(T.rand(4, 2)) end,
      ["wick.embed.word2vec"] = function() wick.embed.word2vec("a b c") end,
      ["wick.embed.load_vectors"] = function() wick.embed.load_vectors("/nonexistent") end,
      ["wick.embed.glove"] = function() wick.embed.glove() end,
      ["Word2Vec:nearest"] = function() w2v:nearest("a", 2) end,
      ["Word2Vec:analogy"] = function() w2v:analogy("a", "b", "c") end,
      ["Word2Vec:evaluate"] = function() w2v:evaluate("/nonexistent") end,
      ["Word2Vec:save"] = function() w2v:save("/nonexistent/v.bin") end,
      ["wick.plot.scatter"] = function() wick.plot.scatter(T.rand(3, 2)) end,
      ["wick.plot.mosaic"] = function() wick.plot.mosaic({ T.rand(3, 2, 2) }, { 1 }) end,
      ["wick.plot.heatmap"] = function() wick.plot.heatmap(T.rand(2, 2)) end,
      ["wick.plot.line"] = function() wick.plot.line({ 1, 2, 3 }) end,
    }
    local wrong = {}
    for name, call in pairs(calls) do
      local e = assert(doc.entry(name), "no entry " .. name)
      local code = code_defaults(call)
      local documented = {}
      for _, o in ipairs(e.opts or {}) do documented[o[1]] = true end
      for k, dv in pairs(code) do
        if not documented[k] then
          wrong[#wrong + 1] = ("%s: option %s (default %s) is not documented"):format(name, k, doc.literal(dv))
        end
      end
      for _, o in ipairs(e.opts or {}) do
        local cv = code[o[1]]
        if cv == nil and o[2] ~= nil then
          wrong[#wrong + 1] = ("%s: documents option %s, which the code does not take"):format(name, o[1])
        elseif cv ~= nil and doc.literal(cv) ~= doc.literal(o[2]) then
          wrong[#wrong + 1] = ("%s: %s documented as %s, the code's default is %s"):format(name, o[1],
            doc.literal(o[2]), doc.literal(cv))
        end
      end
    end
    table.sort(wrong)
    assert.same({}, wrong)
  end)

  it("can fail: a documented default that differs from the code's is caught", function()
    local code = code_defaults(function() wick.optim.sgd({ T.zeros(1) }) end)
    assert.equal(1e-2, code.lr)
    assert.are_not.equal(doc.literal(code.lr), doc.literal(1e-3))
  end)
end)

-- ---- README.md's Lua API ----------------------------------------------------------------

-- README.md's "## Lua API" section, read as the code spans a reader sees: `wick.seed([n])`,
-- `T.zeros(2,3)`, `t:sum()`, `embed.tsne(x, {...})`, bare names in the tensor and nn
-- tables (`add sub mul`, `leaky_relu(slope)`), `.austen()` after `text.corpus.kjv()`.
-- Method calls resolve through the variable each subsection gives its values.
local SECTION_VARS = {
  ["wick.tensor"] = { t = { "Tensor" }, x = { "Tensor" }, loss = { "Tensor" } },
  ["wick.nn"] = { net = { "Module", "Sequential", "TfjsNet", "RandomFilters" }, self = { "Module" },
    bank = { "PatchBank" } },
  ["wick.optim"] = { opt = { "Optimizer" }, sched = { "Schedule" } },
  ["wick.sketch"] = { kit = { "Kit" } },
  ["wick.text"] = { v = { "Vocab" }, m = { "CharRNN" }, mk = { "Markov" }, stream = { "Stream" } },
  ["wick.embed"] = { t = { "TSNE" }, m = { "Word2Vec", "LDA" } },
  ["wick.fs"] = { p = { "Process" } },
  ["wick.chess and wick.svg"] = { b = { "Board" } },
  ["wick.video"] = { r = { "VideoReader" }, w = { "VideoWriter" } },
}
-- Bare names in a table row of these subsections are wick.tensor's or wick.nn's.
local BARE = { ["wick.tensor"] = { "wick.tensor.", "Tensor:" }, ["wick.nn"] = { "wick.nn." } }
local LUA_NAMES = {}
for w in ("tostring ipairs pairs require collectgarbage local true false nil for in do end function return if then")
  :gmatch("%S+") do LUA_NAMES[w] = true end

local function readme_names(path)
  local f = assert(io.open(path, "r"))
  local text = f:read("a")
  f:close()
  local api = assert(text:match("\n## Lua API\n(.-)\n## "), "README.md has no ## Lua API section")
  local found, unknown = {}, {}
  local section, last_parent, bare_words = "", nil, {}
  local function note(name, span)
    local e = doc.entry(name)
    if e then
      found[e.name] = true
      return e
    end
    unknown[#unknown + 1] = ("%s (in `%s`, ### %s)"):format(name, span, section)
  end
  local text_api = "\n" .. api
  local heads = {}
  for at, title in text_api:gmatch("()\n### ([^\n]+)") do heads[#heads + 1] = { at = at, title = title } end
  for i, h in ipairs(heads) do
    section = h.title
    local body = text_api:sub(h.at, heads[i + 1] and heads[i + 1].at - 1 or #text_api)
    -- code spans, which may run over a line break; a span in a table row is a row's
    for start, span in body:gmatch("()`([^`]+)`") do
      local line_start = body:sub(1, start):match(".*\n()") or 1
      local in_row = body:sub(line_start, line_start) == "|"
      local code = span:gsub("\n", " "):gsub('"[^"]*"', '""')
      local chains = false
      -- prefixed names: module.name…, var:method
      for chain in code:gmatch("[%a_][%w_]*[%.:][%a_][%w_%.:]*") do
        chains = true
        chain = chain:gsub("[%.:]+$", "")
        local head, sep, rest = chain:match("^([%a_][%w_]*)([%.:])(.+)$")
        local vars = (SECTION_VARS[section] or {})[head]
        if vars and sep == ":" then
          local m = rest:match("^[%w_]+")
          local any   -- net:upto names the method of every type a net may be
          for _, ty in ipairs(vars) do
            local e = doc.entry(ty .. ":" .. m)
            if e then found[e.name], any = true, true end
          end
          if not any then note(vars[1] .. ":" .. m, span) end
        elseif not vars and (doc.prefix[head] or head == "wick") then
          local full = (head == "wick" and "wick" or doc.prefix[head]) .. "." .. rest
          local e = note(full, span)
          if e and e.kind ~= "module" then last_parent = full:match("^(.*)%.[%w_]+$") end
        end
      end
      -- `.austen()`: a sibling of the name before it
      local sibling = code:match("^%.([%a_][%w_]*)[%(%{]")
      if sibling and last_parent then
        note(last_parent .. "." .. sibling, span)
      elseif in_row and BARE[section] and (code == "_" or code:match("^[%a_][%w_]*_ …$")) then
        -- "`exp log …` and their `_` forms", "in-place `add_ …`": the words before, with _
        for _, word in ipairs(bare_words) do
          local e = doc.entry((BARE[section][2] or BARE[section][1]) .. word .. "_")
          if e then found[e.name] = true else note(BARE[section][1] .. word .. "_", span) end
        end
      elseif in_row and BARE[section] and not chains and not code:find("^[#:%.]") then
        local stripped = code:gsub("%b()", ""):gsub("%b{}", ""):gsub("%b[]", "")
        if not stripped:find("=", 1, true) then
          bare_words = {}
          for word in stripped:gmatch("[%a_][%w_]*") do
            bare_words[#bare_words + 1] = word
            if word == "T" then
              found["wick.tensor"] = true
            elseif word ~= "_" and not LUA_NAMES[word] then
              local e
              for _, prefix in ipairs(BARE[section]) do e = e or doc.entry(prefix .. word) end
              if e then found[e.name] = true else note(BARE[section][1] .. word, span) end
            end
          end
        end
      end
    end
  end
  return found, unknown
end

-- Known README gaps: public names help documents that README.md's Lua API section does
-- not name yet. README.md is the lead's to fix; when a name is added there, delete it
-- here (a name listed here that the README does name fails the spec, so the list only
-- shrinks). Names that land in the code and are neither here nor in the README fail it.
local KNOWN_README_GAPS = {}

describe("README.md's Lua API", function()
  local found, unknown = readme_names("README.md")

  it("names nothing that does not exist", function()
    assert.same({}, unknown)
  end)

  it("names every public function and method (known gaps listed in this spec)", function()
    local gaps, known = {}, {}
    for _, n in ipairs(KNOWN_README_GAPS) do known[n] = true end
    for _, name in ipairs(doc.order) do
      local e = doc.entries[name]
      if e.kind ~= "module" and e.kind ~= "type" and not found[name] and not known[name] then
        gaps[#gaps + 1] = name
      end
    end
    table.sort(gaps)
    assert.same({}, gaps, "add to README.md's Lua API: " .. table.concat(gaps, ", "))
  end)

  it("still lacks every name in the known-gaps list (empty it as the README catches up)", function()
    local stale = {}
    for _, n in ipairs(KNOWN_README_GAPS) do
      if found[n] then stale[#stale + 1] = n end
      assert.is_truthy(doc.entries[n], "known gap names no entry: " .. n)
    end
    assert.same({}, stale)
  end)
end)

-- ---- help itself ------------------------------------------------------------------------

describe("wick.help", function()
  local function text(...) return doc.text(..., select("#", ...) > 0) end

  it("with no argument lists the modules and types", function()
    local s = text()
    assert.matches("wick%.embed ", s)
    assert.matches("Tensor ", s)
  end)

  it("by value prints signature, summary, options with defaults and an example", function()
    local s = text(wick.embed.tsne)
    assert.matches("^embed%.tsne%(x %[, opts%]%)", s)
    assert.matches("perplexity%s+30", s)
    assert.matches("example:", s)
    assert.matches("^optim%.adam", text(wick.optim.adam))
    assert.matches("^wick%.no_grad", text(wick.autograd.no_grad))   -- an alias finds its entry
    assert.matches("^t:sum", text(T.sum))
    assert.matches("^net:parameters", text(nn.Module.parameters))
  end)

  it("by name: full, short, method and last-part spellings", function()
    assert.equal(text(wick.embed.tsne), text("wick.embed.tsne"))
    assert.equal(text(wick.embed.tsne), text("embed.tsne"))
    assert.equal(text(wick.embed.tsne), text("tsne"))
    assert.matches("^T%.zeros", text("T.zeros"))
    assert.matches("^t:sum", text("t:sum"))
    assert.matches("^t:sum", text("Tensor:sum"))
    assert.matches("^net:upto", text("net:upto"))          -- Sequential's own
    assert.matches("^net:parameters", text("seq:parameters")) -- inherited from Module
  end)

  it("on an instance lists its type's methods", function()
    local s = text(T.zeros(2))
    assert.matches("^Tensor", s)
    assert.matches("t:matmul", s)
    local n = text(nn.sequential { nn.linear(2, 2) })
    assert.matches("^Sequential", n)
    assert.matches("net:upto", n)
    assert.matches("net:parameters", n)
    local l = text(nn.linear(2, 2))                     -- a layer: its constructor, then Module
    assert.matches("^nn%.linear%(inputs, outputs", l)
    assert.matches("\nModule %(net%)", l)
    assert.matches("net:zero_grad", l)
    assert.matches("^Board", text(wick.chess.new()))
  end)

  it("suggests close names for an unknown one", function()
    local s, err = text("tnse")
    assert.is_nil(s)
    assert.matches("nothing is called 'tnse'; did you mean .*wick%.embed%.tsne", err)
    local _, err2 = text("zzzzqqq")
    assert.matches("help%(%) lists the modules", err2)
    local _, err3 = text(function() end)
    assert.matches("no documentation for this function", err3)
  end)

  it("prints through wick.help (the text, or the message for an unknown name)", function()
    local printed = {}
    local saved = _G.print
    _G.print = function(s) printed[#printed + 1] = s end
    local ok, err = pcall(function()
      wick.help("t:sum")
      wick.help("tnse")
      wick.help()
    end)
    _G.print = saved
    assert(ok, err)
    assert.equal(3, #printed)
    assert.matches("^t:sum", printed[1])
    assert.matches("did you mean .*wick%.embed%.tsne", printed[2])
    assert.matches("modules:", printed[3])
  end)
end)
