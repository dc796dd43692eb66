-- store_spec.lua — wick.save / wick.load through safetensors: round trips of tensors,
-- nested tables and module states, metadata, atomic writes and clear errors for bad
-- files. (Byte-level conformance with the format is in tests/c/test_safetensors.c.)
local wick = require "wick"
local helpers = require "spec_helpers"
local T = wick.tensor

local tmpdir = helpers.tmpdir

describe("save and load", function()
  local dir
  before_each(function() dir = tmpdir() end)
  after_each(function() os.execute("rm -rf " .. dir) end)

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
