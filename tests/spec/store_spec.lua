-- store_spec.lua — wick.save / wick.load through safetensors: round trips of tensors,
-- nested tables and module states, metadata, atomic writes and clear errors for bad
-- files. (Byte-level conformance with the format is in tests/c/test_safetensors.c.)
local wick = require "wick"
local helpers = require "spec_helpers"
local T = wick.tensor

local tmpdir = helpers.tmpdir

-- Removes a folder and everything in it, without a shell.
local remove_tree = helpers.remove_tree

describe("save and load", function()
  local dir
  before_each(function() dir = tmpdir() end)
  after_each(function() remove_tree(dir) end)

  it("round-trips a tensor, including non-contiguous ones", function()
    local t = T { { 1, 2, 3 }, { 4, 5, 6 } }:transpose()
    wick.save(t, dir .. "/t.safetensors")
    local back, meta = wick.load(dir .. "/t.safetensors")
    assert.same(t:table(), back:table())
    assert.equal("wick", meta.format)
    assert.equal(tostring(wick.seed()), meta.seed)
  end)

  it("flattens nested tables with dots and keeps metadata", function()
    wick.save({ a = T { 1 }, b = { c = T { 2, 3 } } }, dir .. "/n.safetensors", { metadata = { note = "hi" } })
    local back, meta = wick.load(dir .. "/n.safetensors")
    assert.same({ 1 }, back.a:table())
    assert.same({ 2, 3 }, back["b.c"]:table())
    assert.equal("hi", meta.note)
  end)

  it("saves a module's state and loads it into a fresh module", function()
    wick.seed(1)
    local a = wick.nn.sequential { wick.nn.linear(3, 4), wick.nn.relu(), wick.nn.linear(4, 2) }
    wick.save(a, dir .. "/m.safetensors")
    wick.seed(2)
    local b = wick.nn.sequential { wick.nn.linear(3, 4), wick.nn.relu(), wick.nn.linear(4, 2) }
    local x = T.randn(5, 3)
    assert.are_not.same(a(x):table(), b(x):table())
    b:load_state((wick.load(dir .. "/m.safetensors")))
    assert.same(a(x):table(), b(x):table())
  end)

  it("load_state names missing, unexpected and mis-shaped entries", function()
    local net = wick.nn.sequential { wick.nn.linear(3, 4) }
    local ok, err = pcall(function()
      net:load_state { ["1.weight"] = T.zeros(4, 2), ["9.bias"] = T.zeros(1) }
    end)
    assert.is_false(ok)
    assert.matches("missing 1.bias", err)
    assert.matches("unexpected 9.bias", err)
    assert.matches("mis%-shaped 1.weight %(%[4,2%] in the file, %[4,3%] here%)", err)
  end)

  it("reports missing, truncated and foreign files clearly", function()
    local ok, err = pcall(wick.load, dir .. "/none.safetensors")
    assert.is_false(ok)
    assert.matches("load: cannot open safetensors file '.*none.safetensors': No such file", err)
    wick.save(T { 1, 2, 3 }, dir .. "/x.safetensors")
    local f = assert(io.open(dir .. "/x.safetensors", "rb"))
    local bytes = f:read("a")
    f:close()
    f = assert(io.open(dir .. "/cut.safetensors", "wb"))
    f:write(bytes:sub(1, #bytes - 3))
    f:close()
    ok, err = pcall(wick.load, dir .. "/cut.safetensors")
    assert.is_false(ok)
    assert.matches("cut.safetensors", err)
    f = assert(io.open(dir .. "/png.safetensors", "wb"))
    f:write("\137PNG\r\n\26\n" .. ("x"):rep(40))
    f:close()
    ok, err = pcall(wick.load, dir .. "/png.safetensors")
    assert.is_false(ok)
    assert.matches("is not a safetensors file", err)
  end)

  it("never leaves a half-written file over an existing one", function()
    local path = dir .. "/keep.safetensors"
    wick.save(T { 7 }, path)
    local ok = pcall(wick.save, { good = T { 1 }, bad = "text" }, path)
    assert.is_false(ok)
    assert.same({ 7 }, wick.load(path):table())
    ok = pcall(wick.save, T { 1 }, dir .. "/no/such/dir/x.safetensors")
    assert.is_false(ok)
  end)
end)

-- Issue 11: the idioms PyTorch users type work — net:load_state(wick.load(path)), where
-- the metadata comes along as a second value, net:load(path), and a PyTorch
-- nn.Sequential's names, counted from 0.
describe("loading into a module", function()
  local nn = wick.nn
  local refuses = helpers.refuses
  local dir
  before_each(function() dir = tmpdir() end)
  after_each(function() remove_tree(dir) end)

  local function mlp() return nn.sequential { nn.linear(3, 4), nn.relu(), nn.linear(4, 2) } end

  it("net:load_state(wick.load(path)) ignores the metadata that comes second", function()
    wick.seed(1)
    local a = mlp()
    wick.save(a, dir .. "/m.safetensors", { metadata = { note = "hi", strict = "no" } })
    wick.seed(2)
    local b = mlp()
    local x = T.randn(5, 3)
    assert.are_not.same(a(x):table(), b(x):table())
    b:load_state(wick.load(dir .. "/m.safetensors"))
    assert.same(a(x):table(), b(x):table())
    local tensors, meta = wick.load(dir .. "/m.safetensors")
    assert.matches("^wick%.metadata", tostring(meta))
    assert.equal("hi", meta.note)
    local report = mlp():load_state(tensors, meta)
    assert.same({ missing = {}, unexpected = {}, misshaped = {} }, report)
    -- a real options table is still checked
    refuses("load_state: unknown option 'seed'", function() mlp():load_state(tensors, { seed = "1" }) end)
    refuses("load_state: strict must be a boolean, got 'no'",
      function() mlp():load_state(tensors, { strict = "no" }) end)
  end)

  it("net:load(path) loads a file and returns the module and the metadata", function()
    wick.seed(3)
    local a = mlp()
    wick.save(a, dir .. "/m.safetensors", { metadata = { epoch = 7 } })
    local b, meta = mlp():load(dir .. "/m.safetensors")
    assert.equal("sequential", b.kind)
    assert.equal("7", meta.epoch)
    local x = T.randn(2, 3)
    assert.same(a(x):table(), b(x):table())
  end)

  it("net:load names itself in every error", function()
    wick.save(T { 1, 2 }, dir .. "/one.safetensors")
    wick.save(nn.sequential { nn.linear(3, 4) }, dir .. "/small.safetensors")
    refuses("load: expected a file path, got 42", function() mlp():load(42) end)
    refuses("load: cannot open safetensors file '.*none%.safetensors'",
      function() mlp():load(dir .. "/none.safetensors") end)
    refuses("load: expected a table of tensors %(a state%), got one tensor",
      function() mlp():load(dir .. "/one.safetensors") end)
    refuses("load: missing 3%.bias, 3%.weight", function() mlp():load(dir .. "/small.safetensors") end)
    -- {strict = false} loads what fits and leaves the rest
    local small = wick.load(dir .. "/small.safetensors")
    local net = mlp()
    local before = net[3].weight:table()
    assert.equal(net, (net:load(dir .. "/small.safetensors", { strict = false })))
    assert.same(small["1.weight"]:table(), net[1].weight:table())
    assert.same(before, net[3].weight:table())
    refuses("load: index_base must be one of auto, 0, 1, got 2",
      function() mlp():load(dir .. "/small.safetensors", { index_base = 2 }) end)
  end)
end)

-- A PyTorch nn.Sequential(Linear(3, 4), ReLU(), Linear(4, 2)) saved with safetensors:
-- names "0.weight" .. "2.bias", where wick's sequential says "1.weight" .. "3.bias".
-- tests/fixtures/store/make_torch_sequential.py writes it with torch's output for 5
-- inputs; the spec runs it when torch is installed, and always reads the committed copy.
describe("loading PyTorch's nn.Sequential", function()
  local nn = wick.nn
  local refuses = helpers.refuses
  local fixtures = "tests/fixtures/store"
  local dir
  before_each(function() dir = tmpdir() end)
  after_each(function() remove_tree(dir) end)

  local function mlp() return nn.sequential { nn.linear(3, 4), nn.relu(), nn.linear(4, 2) } end

  local function torch_installed()
    if wick.fs.kind("/usr/bin/python3") ~= "file" then return false end
    local _, code = wick.fs.read_command({ "/usr/bin/python3", "-B", "-c", "import torch" }, { quiet = true })
    return code == 0
  end

  -- The folders holding the two files: a fresh one written by torch now, if it can, and
  -- the committed fixture.
  local function sources()
    local out = { fixtures }
    if torch_installed() then
      local f = assert(io.open(fixtures .. "/make_torch_sequential.py"))
      local code = f:read("a")
      f:close()
      local said, rc = wick.fs.read_command({ "/usr/bin/python3", "-B", "-c", code, dir })
      assert.equal(0, rc, "make_torch_sequential.py failed: " .. said)
      table.insert(out, 1, dir)
    else
      print("  (python3-torch is absent: the committed fixture only)")
    end
    return out
  end

  it("maps the 0-based names by detection, and the forward matches torch's", function()
    for _, from in ipairs(sources()) do
      local state, meta = wick.load(from .. "/torch_sequential.safetensors")
      assert.equal("pt", meta.format)
      assert.is_not_nil(state["0.weight"])
      local net = mlp()
      net:load_state(state, meta)
      assert.same(state["0.weight"]:table(), net[1].weight:table())
      assert.same(state["2.bias"]:table(), net[3].bias:table())
      local io = wick.load(from .. "/torch_sequential_io.safetensors")
      local y = net(io.x)
      local diff = (y - io.y):abs():max():item()
      print(("  %s: max |wick - torch| = %.3g"):format(from == dir and "torch now" or "fixture", diff))
      assert.is_true(diff < 1e-5, "max diff " .. diff)
      helpers.near(io.y:table(), mlp():load(from .. "/torch_sequential.safetensors")(io.x), 1e-5)
    end
  end)

  it("reads the names as 0-based or as they are when told (index_base)", function()
    local path = fixtures .. "/torch_sequential.safetensors"
    local net = mlp():load(path, { index_base = 0 })
    local io = wick.load(fixtures .. "/torch_sequential_io.safetensors")
    helpers.near(io.y:table(), net(io.x), 1e-5)
    refuses("load: missing 1%.bias, 1%.weight, 3%.bias, 3%.weight; unexpected 0%.bias, 0%.weight, 2%.bias, 2%.weight",
      function() mlp():load(path, { index_base = 1 }) end)
    local report = mlp():load_state((wick.load(path)), { index_base = 1, strict = false })
    assert.same({ "1.bias", "1.weight", "3.bias", "3.weight" }, report.missing)
  end)

  it("says so clearly when the names fit neither reading", function()
    local path = fixtures .. "/torch_sequential.safetensors"
    local two = nn.sequential { nn.linear(3, 4), nn.linear(4, 2) }
    refuses("load: the file's names fit neither as they are nor read as PyTorch's %(layers counted from 0, so its "
      .. "layer 0 is wick's 1%); read as PyTorch's: missing 2%.bias, 2%.weight; unexpected 3%.bias, 3%.weight",
      function() two:load(path) end)
    local wide = nn.sequential { nn.linear(3, 5), nn.relu(), nn.linear(5, 2) }
    refuses("load: mis%-shaped 1%.bias %(%[4%] in the file, %[5%] here%), 1%.weight .*3%.weight",
      function() wide:load(path) end)
  end)

  it("maps a sequential nested in a module (PyTorch's features.0.weight)", function()
    local Net = nn.module("net")
    function Net:init() self.features = nn.sequential { nn.linear(3, 4), nn.relu() }; self.head = nn.linear(4, 2) end
    function Net:forward(x) return self.head(self.features(x)) end
    local state = wick.load(fixtures .. "/torch_sequential.safetensors")
    local renamed = { ["features.0.weight"] = state["0.weight"], ["features.0.bias"] = state["0.bias"],
      ["head.weight"] = state["2.weight"], ["head.bias"] = state["2.bias"] }
    local net = Net()
    net:load_state(renamed)
    local io = wick.load(fixtures .. "/torch_sequential_io.safetensors")
    helpers.near(io.y:table(), net(io.x), 1e-5)
  end)

  it("leaves a wick file's own 1-based names alone", function()
    local a = nn.sequential { nn.linear(2, 2), nn.linear(2, 2) }
    wick.save(a, dir .. "/w.safetensors")
    local state = wick.load(dir .. "/w.safetensors")
    assert.is_not_nil(state["1.weight"])
    local b = nn.sequential { nn.linear(2, 2), nn.linear(2, 2) }:load(dir .. "/w.safetensors")
    assert.same(a[1].weight:table(), b[1].weight:table())
    assert.same(a[2].bias:table(), b[2].bias:table())
  end)
end)

-- Issue 10: a hostile file is refused from its header, and no failing call leaks.
describe("save and load on bad input", function()
  local dir
  before_each(function() dir = helpers.tmpdir() end)
  after_each(function() remove_tree(dir) end)

  -- 300 failing calls of fn leave tensor memory and the Lua heap where they were.
  local no_growth = helpers.no_growth

  local function write(path, s)
    local f = assert(io.open(path, "wb"))
    f:write(s)
    f:close()
    return path
  end
  local function header(json) return string.pack("<I8", #json) .. json end

  it("refuses claims the file cannot back, naming the file", function()
    local p = write(dir .. "/huge.safetensors",
      header('{"b":{"dtype":"F32","shape":[0,4294967296,4294967296],"data_offsets":[0,0]}}'))
    local ok, err = pcall(wick.load, p)
    assert.is_false(ok)
    assert.matches("load: '.*huge.safetensors' is not a safetensors file: tensor 'b'", err)
    p = write(dir .. "/deep.safetensors", header('{"a":' .. ("["):rep(3000) .. ("]"):rep(3000) .. "}"))
    ok, err = pcall(wick.load, p)
    assert.is_false(ok)
    assert.matches("nested more than 8 levels", err)
  end)

  it("failing calls leak nothing (300 of each)", function()
    local bad = write(dir .. "/bad.safetensors",
      header('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}') .. "x")
    local folder = dir .. "/folder.safetensors"
    assert(wick.image.save(T.zeros(1, 1, 1), folder .. "/inner.png"))   -- image.save makes the folder
    local big = T.ones(64, 64)
    no_growth("load of a damaged file", function() return wick.load(bad) end)
    no_growth("save onto a folder", function() return wick.save({ a = big, b = big:t() }, folder) end)
    no_growth("save with a bad entry after good ones", function()
      return wick._store._save(dir .. "/x.safetensors", { a = big, b = big, c = "text" }, {})
    end)
    no_growth("save with a zero byte in the name", function() return wick.save(big, dir .. "/x\0y") end)
    os.remove(folder .. "/inner.png")
    os.remove(folder)
    os.remove(bad)
  end)
end)
