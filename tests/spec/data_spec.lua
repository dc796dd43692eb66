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

  it("refuses sizes and epoch counts that are not whole numbers", function()
    refuses("batches: epochs must be an integer >= 0, got nan", function()
      local _ = data.batches(set, { epochs = 0 / 0 })
    end)
    refuses("batches: epochs must be an integer >= 0, got inf", function()
      local _ = data.batches(set, { epochs = math.huge })
    end)
    refuses("batches: size must be an integer >= 1, got 0", function() local _ = data.batches(set, { size = 0 }) end)
    refuses("batches: size must be an integer >= 1, got nan", function()
      local _ = data.batches(set, { size = 0 / 0 })
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
    assert.equal(0, count { size = 16, drop_last = true, progress = false })
    assert.equal(6, count { size = 4, epochs = 2, progress = false })
    assert.equal(4, count { size = 4, epochs = 2, drop_last = true, progress = false })
  end)
end)
