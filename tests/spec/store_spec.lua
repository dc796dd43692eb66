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
