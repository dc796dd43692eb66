-- data_spec.lua — wick.data: the IDX dataset loaders on small files written here (labels
-- outside the classes and damaged headers refused, naming the file), and the batch
-- iterator's checks of its options (a NaN epoch count looped for ever).
local wick = require "wick"
local helpers = require "spec_helpers"
local T, data = wick.tensor, wick.data

local refuses = helpers.refuses

-- An IDX file: u8 values with the given dimensions (big-endian u32 each).
local function idx(dims, values)
  local parts = { string.char(0, 0, 8, #dims) }
  for _, d in ipairs(dims) do parts[#parts + 1] = string.pack(">I4", d) end
  for _, v in ipairs(values) do parts[#parts + 1] = string.char(v) end
  return table.concat(parts)
end

-- A folder holding the four files of a Fashion-MNIST-style set.
local function dataset(dir, train_labels, test_images)
  helpers.write_file(dir .. "/train-images-idx3-ubyte", idx({ 2, 2, 2 }, { 0, 255, 1, 2, 3, 4, 5, 6 }))
  helpers.write_file(dir .. "/train-labels-idx1-ubyte", idx({ 2 }, train_labels))
  helpers.write_file(dir .. "/t10k-images-idx3-ubyte", test_images or idx({ 1, 2, 2 }, { 9, 8, 7, 6 }))
  helpers.write_file(dir .. "/t10k-labels-idx1-ubyte", idx({ 1 }, { 9 }))
end

describe("data loaders", function()
  local dir
  before_each(function() dir = helpers.tmpdir() end)
  after_each(function() os.execute("rm -rf " .. helpers.quote(dir)) end)

  it("read a well-formed set: pixels in [0, 1], labels 1-based", function()
    dataset(dir, { 0, 9 })
    local train, test = data.fashion_mnist(dir)
    assert.same({ 2, 1, 2, 2 }, train.x:shape())
    assert.same({ 1, 10 }, train.y:table())
    assert.equal(1, train.x[1][1][1][2])
    assert.same({ 10 }, test.y:table())
  end)

  it("refuse a label outside the classes (a byte of 255 was class 256), naming the file", function()
    dataset(dir, { 3, 255 })
    refuses("fashion_mnist: .*train%-labels%-idx1%-ubyte is damaged: label 2 is 255, not a class from 0 to 9",
      function() local _ = data.fashion_mnist(dir) end)
    dataset(dir, { 10, 0 })
    refuses("mnist: .*train%-labels%-idx1%-ubyte is damaged: label 1 is 10", function() local _ = data.mnist(dir) end)
  end)

  it("refuse a header that claims more than the file holds, before allocating", function()
    dataset(dir, { 0, 1 }, idx({ 60000, 28, 28 }, { 1, 2, 3 }))
    refuses("fashion_mnist: .*t10k%-images%-idx3%-ubyte.* is damaged or truncated: its dimensions %[60000,28,28%]",
      function() local _ = data.fashion_mnist(dir) end)
    dataset(dir, { 0, 1 }, idx({ 65536, 65536, 65536 }, {}))
    refuses("fashion_mnist: .*is corrupt: shape %[65536,65536,65536%] .*more than wick's limit of 2%^40 elements",
      function() local _ = data.fashion_mnist(dir) end)
    refuses("mnist: dir must be a string, got 3", function() local _ = data.mnist(3) end)
  end)

  it("300 failing reads leave tensor memory where it started", function()
    local bad = helpers.write_file(dir .. "/bad", idx({ 4, 4 }, { 1, 2, 3 }))
    collectgarbage()
    local start = wick.memory().live
    for _ = 1, 300 do
      assert.is_false(pcall(data._idx, bad))
      assert.is_false(pcall(data._idx, nil))
    end
    collectgarbage()
    assert.equal(start, wick.memory().live)
  end)
end)

describe("data.batches", function()
  local set = { x = T.arange(10):reshape(10, 1), y = T.arange(10) }

  it("refuses batch sizes and epoch counts that are not whole numbers", function()
    refuses("batches: epochs must be an integer >= 0, got nan", function()
      local _ = data.batches(set, { epochs = 0 / 0 })
    end)
    refuses("batches: epochs must be an integer >= 0, got inf", function()
      local _ = data.batches(set, { epochs = math.huge })
    end)
    refuses("batches: batch must be an integer >= 1, got 0", function() local _ = data.batches(set, { batch = 0 }) end)
    refuses("batches: batch must be an integer >= 1, got nan", function()
      local _ = data.batches(set, { batch = 0 / 0 })
    end)
    refuses("batches: shuffle must be a boolean", function() local _ = data.batches(set, { shuffle = "yes" }) end)
    refuses("batches: set.y must be a tensor with one row per item of set.x %(10%)", function()
      local _ = data.batches({ x = set.x, y = T.zeros(3) })
    end)
  end)

  it("counts steps as asked: none for 0 epochs, none when drop_last leaves no full batch", function()
    local function count(opts)
      local n = 0
      for _ in data.batches(set, opts) do n = n + 1 end
      return n
    end
    assert.equal(0, count { epochs = 0, progress = false })
    assert.equal(0, count { batch = 16, drop_last = true, progress = false })
    assert.equal(6, count { batch = 4, epochs = 2, progress = false })
    assert.equal(4, count { batch = 4, epochs = 2, drop_last = true, progress = false })
  end)

  it("takes the old name size for one release, with a note on stderr once, but not with batch", function()
    local function rows(opts)
      local got = {}
      for _, b in data.batches(set, opts) do got[#got + 1] = b.x:numel() end
      return got
    end
    assert.same({ 4, 4, 2 }, rows { batch = 4, shuffle = false, progress = false })
    helpers.refused("batches: give batch or its old name size, not both", data.batches, set, { batch = 4, size = 4 })
    -- in a fresh wick, so the note is not already spent: two calls, one note
    local script = "local wick = require 'wick'; local s = {x = wick.tensor.zeros(10, 1)}; local n = 0\n" ..
      "for _ = 1, 2 do\n" ..
      "  for _, b in wick.data.batches(s, {size = 4, progress = false}) do n = n + b.x:numel() end\n" ..
      "end\n" ..
      "print('rows ' .. n)"
    local out, rc = helpers.run(helpers.WICK .. " -e " .. helpers.quote(script))
    assert.equal(0, rc, out)
    assert.matches("rows 20", out)
    local _, notes = out:gsub("batches: option 'size' is now 'batch' %(the old name goes in the next release%)", "")
    assert.equal(1, notes, out)
  end)
end)

describe("data.batches on_step", function()
  local set = { x = T.arange(10):reshape(10, 1), y = T.arange(10) }

  it("calls on_step every `every` steps once the body is done, with the step's batch and its loss", function()
    local seen = {}
    local function on_step(info)
      assert.equal(info.loss, info.batch.loss)
      assert.equal(10, info.steps)
      assert.is_true(info.elapsed >= 0)
      seen[#seen + 1] = { info.step, info.loss, info.epoch }
    end
    for step, batch in data.batches(set, { batch = 2, epochs = 2, shuffle = false, progress = false,
        every = 3, on_step = on_step }) do
      batch.loss = step / 10
    end
    -- 10 steps: 3, 6 and 9, each after its body set the loss
    assert.same({ { 3, 0.3, 1 }, { 6, 0.6, 2 }, { 9, 0.9, 2 } }, seen)
    seen = {}
    for _ in data.batches(set, { batch = 1, progress = false, every = 10, on_step = on_step }) do end
    assert.same({ { 10, nil, 1 } }, seen)   -- the last step's callback runs too
  end)

  it("stops the loop early when on_step returns false, and stays stopped", function()
    local steps = 0
    local it = data.batches(set, { batch = 1, epochs = 3, progress = false, every = 4,
      on_step = function(info) if info.step >= 8 then return "stop" end end })
    for _ in it do steps = steps + 1 end
    assert.equal(8, steps)
    assert.is_nil(it())
    steps = 0
    for _ in data.batches(set, { batch = 1, progress = false, every = 3, on_step = function() return false end }) do
      steps = steps + 1
    end
    assert.equal(3, steps)
    refuses('batches: on_step returned "Stop"; return false or "stop" to stop', function()
      for _ in data.batches(set, { batch = 1, progress = false, every = 1, on_step = function() return "Stop" end }) do
      end
    end)
  end)

  it("refuses an every that is not a whole number >= 1 and an on_step that is not a function", function()
    refuses("batches: every must be an integer >= 1, got 0", function() local _ = data.batches(set, { every = 0 }) end)
    refuses("batches: every must be an integer >= 1, got nan", function()
      local _ = data.batches(set, { every = 0 / 0 })
    end)
    refuses("batches: on_step must be a function", function() local _ = data.batches(set, { on_step = 3 }) end)
  end)
end)

describe("data.find", function()
  local dir
  before_each(function() dir = helpers.tmpdir() end)
  after_each(function() helpers.remove_tree(dir) end)

  it("finds a relative path in the first data folder that holds it (file or folder)", function()
    wick.fs.mkdir(dir .. "/b/chess")
    helpers.write_file(dir .. "/b/chess/benchmark.pgn", "1. e4 *\n")
    wick.fs.mkdir(dir .. "/a/sotu")
    local dirs = { dir .. "/a", dir .. "/b" }
    assert.equal(dir .. "/b/chess/benchmark.pgn", data.find("chess/benchmark.pgn", { dirs = dirs }))
    assert.equal(dir .. "/a/sotu", data.find("sotu", { dirs = dirs }))
    assert.equal(dir .. "/b/chess", data.find("chess", { dirs = dirs }))
    assert.equal(dir .. "/b/chess/benchmark.pgn", data.find(dir .. "/b/chess/benchmark.pgn"))
  end)

  it("names every place looked, the package and make data when nothing is there", function()
    local dirs = { dir .. "/a", dir .. "/b" }
    refuses("data.find: cannot find world%-countries/countries.json %(looked in " .. dir:gsub("%p", "%%%0")
      .. "/a/world%-countries/countries.json, .*/b/world%-countries/countries.json%); `make data` installs "
      .. "npm world%-countries@5.1.0", function() data.find("world-countries/countries.json", { dirs = dirs }) end)
    refuses("data.find: cannot find mystery %(looked in .*%); `make data` installs the gallery's data, or set "
      .. "WICK_DATA", function() data.find("mystery", { dirs = dirs }) end)
    refuses("data.find: .*/nope does not exist", function() data.find(dir .. "/nope") end)
    refuses("data.find: name must be a string, got 3", function() data.find(3) end)
    refuses("data.find: dirs must be a table", function() data.find("sotu", { dirs = "x" }) end)
  end)

  it("tries a known name's Debian place after the data folders", function()
    local want = wick.fs.kind("/usr/share/wordnet") and "/usr/share/wordnet/data.noun" or nil
    if not want or not wick.fs.kind(want) then return print("\n  note: wordnet-base not installed; skipped") end
    assert.equal(want, data.find("wordnet/data.noun", { dirs = { dir } }))
    wick.fs.mkdir(dir .. "/wordnet")
    helpers.write_file(dir .. "/wordnet/data.noun", "x")
    assert.equal(dir .. "/wordnet/data.noun", data.find("wordnet/data.noun", { dirs = { dir } }))
  end)

  it("searches $WICK_DATA first, then the root and user folders", function()
    wick.fs.mkdir(dir .. "/emojibase")
    helpers.write_file(dir .. "/emojibase/data.json", "[]")
    local out, rc = helpers.run("WICK_DATA=" .. helpers.quote(dir .. "/") .. " " .. helpers.WICK
      .. " -e 'local d = require(\"wick\").data; print(d.find(\"emojibase/data.json\")); print(d.dirs()[1])'")
    assert.equal(0, rc, out)
    assert.equal(dir .. "/emojibase/data.json\n" .. dir .. "\n", out)
    out = helpers.run("HOME=" .. helpers.quote(dir) .. " WICK_DATA= " .. helpers.WICK
      .. " -e 'print(table.concat(require(\"wick\").data.dirs(), \",\"))'")
    assert.equal("/usr/local/share/wick," .. dir .. "/.local/share/wick\n", out)
  end)
end)
