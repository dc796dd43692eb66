-- cache_spec.lua — wick.cache: what a key depends on (code, upvalues, arguments, the
-- generator's state) and what it does not (where the code sits), the generator restored
-- on a hit, values and modules stored in the sketchbook and read back in a new session,
-- damaged entries run again, the size limit evicting least-recently-used entries first,
-- cache_uses, export and import for bundles, and an edit inside one step of a small
-- sketch re-running exactly that step and its dependants. `wick --watch` with cached
-- steps and a module beside the sketch is at the end.
--
-- Steps count their runs in globals (`ran`): a global is read through _ENV, which a key
-- leaves out, so counting does not change the key as an upvalue counter would.
local wick = require "wick"
local helpers = require "spec_helpers"
local T, nn = wick.tensor, wick.nn
local C = wick._cache

-- A sketchbook of the spec's own, in place of helper A's (wick._book.db), and a run id.
local book_state = {}
local function use_book(path, run)
  wick._book = wick._book or {}
  book_state.db, book_state.run = wick._book.db, wick._book.run_id
  local db = path and wick._sql.open(path, { create = true, app_id = 0x5769636b, version = 1, what = "sketchbook" })
  wick._book.db = function() return db end
  wick._book.run_id = function() return run end
  return db
end
local function drop_book()
  wick._book.db, wick._book.run_id = book_state.db, book_state.run
end

-- A function made from source text (so a spec can "edit" a step), with upvalues set.
local function step_from(src, ups)
  local fn = assert(load("local a, b; return function(...) " .. src .. " end"))()
  for i = 1, debug.getinfo(fn, "u").nups do
    local name = debug.getupvalue(fn, i)
    if ups and ups[name] ~= nil then debug.setupvalue(fn, i, ups[name]) end
  end
  return fn
end

describe("wick.cache keys", function()
  before_each(function() use_book(nil); C.clear_memory(); _G.ran = 0 end)
  after_each(function() drop_book(); _G.ran = nil end)

  it("runs a step once and then returns its results, restoring the generator", function()
    local function step(n) _G.ran = _G.ran + 1; return T.rand(n), { word = "x", list = { 1, 2.5, true } } end
    wick.seed(3)
    local a = wick.cache("s", step, 4)
    local next_ran = T.rand(2):table()
    wick.seed(3)
    local a2, b2 = wick.cache("s", step, 4)
    assert.equal(1, _G.ran)
    assert.same(a:table(), a2:table())
    assert.same({ word = "x", list = { 1, 2.5, true } }, b2)
    assert.same(next_ran, T.rand(2):table())   -- downstream draws the same numbers
  end)

  it("runs again when an argument, an upvalue, the code or the seed changes", function()
    local scale = 2
    local function step(x) _G.ran = _G.ran + 1; return x * scale end
    local function go(x, seed) wick.seed(seed or 1); return wick.cache("s", step, x) end
    go(T { 1, 2 }); go(T { 1, 2 })
    assert.equal(1, _G.ran)
    go(T { 1, 3 })                        -- tensor contents
    assert.equal(2, _G.ran)
    go(T { { 1, 2 } })                    -- shape
    assert.equal(3, _G.ran)
    scale = 3; go(T { 1, 2 })             -- upvalue
    assert.equal(4, _G.ran)
    go(T { 1, 2 }, 9)                     -- seed
    assert.equal(5, _G.ran)
    local edited = step_from("_G.ran = _G.ran + 1; return (...) * 2")
    wick.seed(1); wick.cache("s", edited, T { 1, 2 })   -- code
    assert.equal(6, _G.ran)
    wick.seed(1); wick.cache("other name", edited, T { 1, 2 })
    assert.equal(7, _G.ran)
  end)

  it("does not depend on where the code sits, only on what it is", function()
    local one = assert(load("return function(x) _G.ran = _G.ran + 1; return x + 1 end"))()
    local two = assert(load("\n\n\n-- moved down\nreturn function(x)\n _G.ran = _G.ran + 1\n return x + 1\nend"))()
    wick.seed(1); wick.cache("s", one, 1)
    wick.seed(1); assert.equal(2, wick.cache("s", two, 1))
    assert.equal(1, _G.ran)
  end)

  it("follows functions through upvalues, and counts wick's own by name", function()
    local k = 1
    local function helper(x) return x + k end
    local function step(x) _G.ran = _G.ran + 1; return helper(T.tensor and x or x) end
    wick.seed(1); wick.cache("s", step, 1)
    wick.seed(1); wick.cache("s", step, 1)
    assert.equal(1, _G.ran)
    k = 2   -- an upvalue of an upvalue
    wick.seed(1); assert.equal(3, wick.cache("s", step, 1))
    assert.equal(2, _G.ran)
  end)

  it("hashes modules by their class, fields and parameters", function()
    wick.seed(1)
    local net = nn.sequential { nn.linear(3, 2), nn.relu() }
    local function step(m) _G.ran = _G.ran + 1; return m(T.ones(1, 3)) end
    wick.seed(1); wick.cache("s", step, net)
    wick.seed(1); wick.cache("s", step, net)
    assert.equal(1, _G.ran)
    wick.no_grad(function() net[1].weight:add_(1) end)
    wick.seed(1); wick.cache("s", step, net)
    assert.equal(2, _G.ran)
    net:eval()
    wick.seed(1); wick.cache("s", step, net)
    assert.equal(3, _G.ran)
  end)

  it("notices a result changed in place and does not hand it out again", function()
    local function step() _G.ran = _G.ran + 1; return T { 1, 2, 3 } end
    wick.seed(1); local x = wick.cache("s", step)
    x:mul_(10)
    wick.seed(1); local y = wick.cache("s", step)
    assert.equal(2, _G.ran)
    assert.same({ 1, 2, 3 }, y:table())
  end)

  it("refuses a step that changes its own inputs (a hit would not repeat the change)", function()
    local net = nn.linear(2, 2)
    helpers.error_containing("step 'train in place' changed its own inputs",
      wick.cache, "train in place", function(m) wick.no_grad(function() m.weight:add_(1) end) end, net)
    local seen = {}
    helpers.error_containing("step 'fill' changed its own inputs",
      wick.cache, "fill", function() seen[#seen + 1] = 1 end)
    wick.seed(1)
    helpers.error_containing("step 'fill' changed", wick.cache, "fill", function() seen[#seen + 1] = 1 end)
  end)

  it("refuses to hash an object it cannot see into, but counts a layer's scratch space by its kind", function()
    local f = io.tmpfile()
    helpers.error_containing("step 'file' depends on a FILE*, which cannot be hashed",
      wick.cache, "file", function() return f end)
    f:close()
    local conv = nn.conv2d(1, 1, 3)   -- holds a wick.Workspace
    wick.seed(1); wick.cache("conv", function(m) _G.ran = _G.ran + 1; return m.weight:sum() end, conv)
    conv(T.rand(1, 1, 5, 5))          -- the workspace fills; the key stays
    wick.seed(1); wick.cache("conv", function(m) _G.ran = _G.ran + 1; return m.weight:sum() end, conv)
    assert.equal(1, _G.ran)
  end)

  it("refuses a result it cannot store, naming the step and where", function()
    helpers.error_containing("step 'fns' returned a function at result 2.f",
      wick.cache, "fns", function() return 1, { f = function() end } end)
    helpers.error_containing("cache: name must be a string", wick.cache, 3, function() end)
    helpers.error_containing("cache: fn must be a function", wick.cache, "x", 3)
  end)
end)

describe("wick.cache values", function()
  it("round-trips tensors, nested tables, numbers, strings and nil holes", function()
    local r = table.pack(T { { 1, 2 }, { 3, 4 } }:transpose(), nil, { a = { T { 5 } }, [3] = "x", f = 0.25, i = 7 },
      "s", false)
    local back = C.decode(C.encode(r, "v"))
    assert.equal(5, back.n)
    assert.same(r[1]:table(), back[1]:table())
    assert.is_nil(back[2])
    assert.same({ 5 }, back[3].a[1]:table())
    assert.equal("x", back[3][3]); assert.equal(0.25, back[3].f); assert.equal(7, math.tointeger(back[3].i))
    assert.equal("s", back[4]); assert.is_false(back[5])
  end)

  it("rebuilds a module, a sketch's own layer class included, that still trains", function()
    local Block = nn.module("spec_block")
    function Block:init(c) self.lin = nn.linear(c, c) end
    function Block:forward(x) return self.lin(x):relu() + x end
    wick.seed(1)
    local net = nn.sequential { nn.conv2d(1, 2, 3), nn.relu(), nn.flatten(), nn.linear(8, 3), Block(3) }
    local back = C.decode(C.encode(table.pack(net), "net"))[1]
    local x = T.rand(2, 1, 4, 4)
    assert.same(net(x):table(), back(x):table())
    assert.equal(#net:parameters(), #back:parameters())
    assert.is_true(back[4].weight:tracks_grad())
    local loss = back(x):sum()
    loss:backward()
    assert.is_not_nil(back[4].weight.grad)
    assert.equal(getmetatable(net[5]), getmetatable(back[5]))
  end)

  it("says which stored bytes are damaged", function()
    local s = C.encode(table.pack(T { 1, 2 }), "v")
    assert.is_false(pcall(C.decode, s:sub(1, #s - 3)))
    assert.is_false(pcall(C.decode, "XXXX" .. s:sub(5)))
    -- a value may name wick's classes and functions, nothing else (an entry from a bundle
    -- cannot hand a sketch os.execute)
    local ok, err = pcall(C.decode, "WKC1" .. string.pack("<j", 1) .. string.pack("<c1s4", "n", "os.execute"))
    assert.is_false(ok)
    assert.matches("not wick's", err)
    assert.equal(nn.linear, C.decode(C.encode(table.pack(nn.linear), "v"))[1])
    helpers.error_containing("returned a function at result 1", wick.cache, "print", function() return print end)
  end)
end)

describe("wick.cache in the sketchbook", function()
  local dir, db
  before_each(function()
    dir = helpers.tmpdir()
    db = use_book(dir .. "/book.db", 42)
    C.clear_memory()
    _G.ran = 0
  end)
  after_each(function()
    drop_book(); db:close(); helpers.remove_tree(dir); _G.ran = nil
    wick.cache_limit(2 * 1024 ^ 3)
  end)

  local function train()
    _G.ran = _G.ran + 1
    local net = nn.sequential { nn.linear(4, 8), nn.relu(), nn.linear(8, 2) }
    local opt = wick.optim.adam(net:parameters(), { lr = 0.1 })
    local x, y = T.randn(16, 4), T.randn(16, 2)
    for _ = 1, 5 do
      local loss = nn.mse(net(x), y)
      opt:zero_grad(); loss:backward(); opt:step()
    end
    net:eval()
    return net, T.rand(3)
  end

  it("stores a trained net; a new session reads it back without training, generator included", function()
    wick.seed(5)
    local net, extra = wick.cache("train", train)
    local after = T.rand(4):table()
    C.clear_memory()   -- as a new process
    wick.seed(5)
    local net2, extra2 = wick.cache("train", train)
    assert.same(after, T.rand(4):table())
    assert.equal(1, _G.ran)
    local x = T.rand(2, 4)
    assert.same(net(x):table(), net2(x):table())
    assert.same(extra:table(), extra2:table())
    assert.equal(1, db:value("SELECT count(*) FROM cache"))
    local uses = db:rows("SELECT run, hit FROM cache_uses ORDER BY rowid")
    assert.same({ { run = 42, hit = 0 }, { run = 42, hit = 1 } }, uses)
  end)

  it("runs a step again, with a warning, when its stored value is damaged", function()
    wick.seed(5)
    local net = wick.cache("train", train)
    local v = db:value("SELECT value FROM cache")
    local bad = v:sub(1, 100) .. string.char((v:byte(101) + 1) % 256) .. v:sub(102)
    db:run("UPDATE cache SET value = ?1", wick._sql.blob(bad))
    C.clear_memory()
    wick.seed(5)
    local said, stderr = {}, io.stderr
    local function write(_, ...) for _, s in ipairs({ ... }) do said[#said + 1] = s end end
    io.stderr = { write = write }   -- luacheck: ignore 122 (the warning, caught)
    local ok, net2 = pcall(wick.cache, "train", train)
    io.stderr = stderr   -- luacheck: ignore 122
    assert.is_true(ok, tostring(net2))
    assert.matches("cache: step 'train': the stored result is damaged %(.*%); running the step again",
      table.concat(said))
    assert.equal(2, _G.ran)
    local x = T.rand(1, 4)
    assert.same(net(x):table(), net2(x):table())
    C.clear_memory()
    wick.seed(5)
    wick.cache("train", train)   -- the re-run stored a good value again
    assert.equal(2, _G.ran)
  end)

  it("keeps within its limit, the least recently used going first", function()
    local function big(n) _G.ran = _G.ran + 1; return T.zeros(n) end
    for i = 1, 3 do wick.seed(1); wick.cache("big" .. i, big, 1000) end
    wick.seed(1); wick.cache("big1", big, 1000)   -- big1 is now more recent than big2
    local each = db:value("SELECT size FROM cache WHERE name = 'big1'")
    wick.cache_limit(each * 2 + 10)
    local names = {}
    for _, r in ipairs(db:rows("SELECT name FROM cache ORDER BY name")) do names[#names + 1] = r.name end
    assert.same({ "big1", "big3" }, names)
    wick.seed(1); wick.cache("big4", big, 1000)
    names = {}
    for _, r in ipairs(db:rows("SELECT name FROM cache ORDER BY name")) do names[#names + 1] = r.name end
    assert.same({ "big1", "big4" }, names)
    helpers.error_containing("cache_limit: bytes must be an integer", wick.cache_limit, -1)
  end)

  it("runs a step again when a file it read changed, and not when the file was only touched", function()
    local png = dir .. "/in.png"
    local function put(v)   -- a new file in place (as an editor saves), its time moved on
      wick.image.save(T.full({ 1, 4, 4 }, v), dir .. "/new.png")
      assert(os.rename(dir .. "/new.png", png))
    end
    put(0.25)
    local function step(path) _G.ran = _G.ran + 1; return wick.image.load(path):mean() end
    local function go() wick.seed(3); return wick.cache("read", step, png):item() end
    assert.near(0.25, go(), 0.01)
    go()                                   -- memory
    C.clear_memory(); go()                 -- sketchbook
    assert.equal(1, _G.ran)
    assert(os.execute("touch -d 2001-01-01 " .. helpers.quote(png)))
    go(); C.clear_memory(); go()           -- only touched: the contents are hashed again
    assert.equal(1, _G.ran)
    put(0.75)
    assert.near(0.75, go(), 0.01)          -- changed: memory misses, the sketchbook's entry too
    assert.equal(2, _G.ran)
    C.clear_memory(); go()
    assert.equal(2, _G.ran)
    -- a step around a hit depends on the inner step's files
    local function outer(path) _G.ran = _G.ran + 100; return wick.cache("read", step, path) * 2 end
    local function go_outer() wick.seed(4); return wick.cache("outer", outer, png):item() end
    assert.near(1.5, go_outer(), 0.02)
    assert.equal(103, _G.ran)              -- both ran (the generator's state differs from go's)
    db:run("DELETE FROM cache WHERE name = 'outer'")
    C.clear_memory()
    assert.near(1.5, go_outer(), 0.02)
    assert.equal(203, _G.ran)              -- outer ran, inner hit: outer's entry names its file all the same
    put(0.5)
    C.clear_memory()
    assert.near(1.0, go_outer(), 0.02)
    assert.equal(304, _G.ran)              -- both ran again
    -- a step that raises leaves no file list open behind it
    assert.has_error(function() wick.cache("raises", function(p) wick.image.load(p); error("no") end, png) end)
    assert.near(1.0, go_outer(), 0.02)
    assert.equal(304, _G.ran)
    -- a list of files that does not decode (a damaged sketchbook): the step runs again
    db:run("UPDATE cache SET files = ?1 WHERE name = 'read'", wick._sql.blob("\9\0\0"))
    C.clear_memory()
    assert.near(0.5, go(), 0.01)
    assert.equal(305, _G.ran)
  end)

  it("runs a step again when a file it read with io.open, io.lines or io.input changed", function()
    local txt = dir .. "/words.txt"
    local function put(s)   -- a new file in place, as an editor saves
      local f = assert(io.open(dir .. "/new.txt", "w"))
      f:write(s)
      f:close()
      assert(os.rename(dir .. "/new.txt", txt))
    end
    local readers = {
      open = function(path)
        local f = assert(io.open(path, "rb"))
        local s = f:read("a")
        f:close()
        return s
      end,
      lines = function(path)
        local t = {}
        for line in io.lines(path) do t[#t + 1] = line end
        return table.concat(t, "\n")
      end,
      input = function(path)
        io.input(path)
        local s = io.read("a")
        io.input():close()
        io.input(io.stdin)
        return s
      end,
    }
    for how, read in pairs(readers) do
      put("one")
      local function step(path) _G.ran = _G.ran + 1; return read(path) end
      local function go() wick.seed(5); return wick.cache("plain " .. how, step, txt) end
      _G.ran = 0
      assert.equal("one", go())
      C.clear_memory()
      assert.equal("one", go())
      assert.equal(1, _G.ran, how)
      put("two words")
      assert.equal("two words", go(), how)   -- a stale "one" before io's reads were noted
      assert.equal(2, _G.ran, how)
      C.clear_memory()
      assert.equal("two words", go(), how)
      assert.equal(2, _G.ran, how)
    end
    -- a file opened for writing is no input; a failed open neither (and says why, as Lua's does)
    local out = dir .. "/out.txt"
    local function writer(path) _G.ran = _G.ran + 1; assert(io.open(path, "w")):close(); return 1 end
    wick.seed(6); _G.ran = 0
    wick.cache("writes", writer, out)
    assert.equal("", db:value("SELECT files FROM cache WHERE name = 'writes'") or "")
    local f, err = io.open(dir .. "/missing.txt")
    assert.is_nil(f)
    assert.matches("missing.txt: No such file or directory", err)
  end)

  it("exports a run's entries into a bundle; imported, they serve that bundle's runs and no other", function()
    wick.seed(5)
    local net = wick.cache("train", train)
    local bundle = wick._sql.open(dir .. "/b.wick",
      { create = true, app_id = 0x5769636e, version = 1, what = "bundle" })
    assert.equal(1, C.export(bundle, 42))
    assert.equal(0, C.export(bundle, 7))
    drop_book()
    local other = use_book(dir .. "/other.db", nil)
    C.clear_memory()
    local n, keep = C.import(bundle, "b1")
    assert.same({ 1, false }, { n, keep })
    assert.same({ { origin = "b1" } }, other:rows("SELECT origin FROM cache"))
    wick.seed(5)
    local net2 = wick.cache("train", train)
    assert.equal(1, _G.ran)
    local x = T.rand(1, 4)
    assert.same(net(x):table(), net2(x):table())
    -- a later process that runs no bundle (or another one) does not see the entry: it trains
    C.clear_memory(); C.clear_bundles()
    wick.seed(5); wick.cache("train", train)
    assert.equal(2, _G.ran)
    -- and its own result replaces the bundle's, as made here
    assert.same({ { n = 0 } }, other:rows("SELECT count(*) AS n FROM cache WHERE origin IS NOT NULL"))
    other:close()
    drop_book()
    use_book(nil)   -- no sketchbook: the entries are read from the open bundle, this session only
    C.clear_memory(); C.clear_bundles()
    n, keep = C.import(bundle, "b1")
    assert.same({ 1, true }, { n, keep })
    wick.seed(5); wick.cache("train", train)
    assert.equal(2, _G.ran)
    C.clear_memory(); C.clear_bundles()
    wick.seed(5); wick.cache("train", train)
    assert.equal(3, _G.ran)
    helpers.error_containing("cache.import: id must be a string", C.import, bundle)
    bundle:close()
  end)
end)

describe("wick.cache across processes, through the run log's sketchbook", function()
  it("a second run of a sketch reuses its step from the sketchbook, and the book says which run used it", function()
    local dir = helpers.tmpdir()
    helpers.write_file(dir .. "/s.lua", [[
local wick = require "wick"
wick.seed(4)
local net = wick.cache("make", function(n) print("ran make"); return wick.nn.linear(n, 2) end, 3)
print(("out %.6f"):format(net(wick.tensor.ones(1, 3)):sum():item()))
]])
    local WICK = helpers.WICK
    if not WICK:find("^/") then WICK = assert(os.getenv("PWD")) .. "/" .. WICK end
    local cmd = ("cd %s && WICK_BOOK=%s %s s.lua"):format(helpers.quote(dir), helpers.quote(dir .. "/book.db"),
      helpers.quote(WICK))
    local first = helpers.run(cmd)
    local second = helpers.run(cmd)
    assert.matches("ran make", first, 1, true)
    assert.is_nil(second:find("ran make", 1, true), second)
    assert.equal(first:match("out %S+"), second:match("out %S+"))
    local db = wick._sql.open(dir .. "/book.db", { readonly = true, what = "sketchbook" })
    local uses = db:rows("SELECT run, hit FROM cache_uses ORDER BY run")
    assert.equal(2, #uses)
    assert.same({ 0, 1 }, { uses[1].hit, uses[2].hit })
    assert.is_true(uses[1].run ~= uses[2].run)
    assert.equal(1, db:value("SELECT count(*) FROM cache"))
    db:close()
    helpers.remove_tree(dir)
  end)
end)

describe("wick.cache and a bad sketchbook or limit", function()
  it("raises naming a sketchbook file that is not one, and runs nothing", function()
    local dir = helpers.tmpdir()
    helpers.write_file(dir .. "/book.db", ("not a database "):rep(100))
    use_book(nil)
    wick._book.db = function()
      return wick._sql.open(dir .. "/book.db", { create = true, app_id = 0x5769636b, version = 1, what = "sketchbook" })
    end
    _G.ran = 0
    C.clear_memory()
    helpers.error_containing(dir .. "/book.db", wick.cache, "s", function() _G.ran = _G.ran + 1 end)
    assert.equal(0, _G.ran)
    drop_book()
    _G.ran = nil
    helpers.remove_tree(dir)
  end)

  it("reads WICK_CACHE_MAX, and refuses a value that is no size", function()
    local q, WICK = helpers.quote, helpers.WICK
    local out = helpers.run("WICK_BOOK=off WICK_CACHE_MAX=3M " .. q(WICK)
      .. " -e 'print(require(\"wick\").cache_limit())'")
    assert.equal(tostring(3 * 1024 * 1024), out:match("%d+"))
    out = helpers.run("WICK_BOOK=off WICK_CACHE_MAX=lots " .. q(WICK)
      .. " -e 'require(\"wick\").cache(\"s\", function() end)'")
    assert.matches("WICK_CACHE_MAX must be a size in bytes", out, 1, true)
  end)
end)

describe("wick.cache in a sketch: an edit re-runs exactly that step and its dependants", function()
  -- Three steps: a (random data), b (from a's output), c (independent of both). Each
  -- "save" loads the sketch from source again, as --watch does.
  local template = [[
    local wick = require "wick"
    local T = wick.tensor
    wick.seed(11)
    local a = wick.cache("a", function(n) ran.a = ran.a + 1; return T.rand(n) * A_SCALE end, 5)
    local b = wick.cache("b", function(x) ran.b = ran.b + 1; return x:sum() * B_SCALE end, a)
    local c = wick.cache("c", function() ran.c = ran.c + 1; return T.rand(2) + C_SHIFT end)
    return a, b, c, COLOUR
  ]]
  local function run(subs)
    local src = template
    for k, v in pairs(subs) do src = src:gsub(k, v) end
    return assert(load(src, "=sketch", "t", setmetatable({ ran = _G.ran }, { __index = _G })))()
  end
  local base = { A_SCALE = "1", B_SCALE = "2", C_SHIFT = "0", COLOUR = "'red'" }
  local function with(k, v)
    local s = {}
    for key, x in pairs(base) do s[key] = x end
    s[k] = v
    return s
  end

  before_each(function() use_book(nil); C.clear_memory(); _G.ran = { a = 0, b = 0, c = 0 } end)
  after_each(function() drop_book(); _G.ran = nil end)

  it("re-runs nothing after a cosmetic edit", function()
    run(base)
    local _, _, _, colour = run(with("COLOUR", "'blue'"))
    assert.equal("blue", colour)
    assert.same({ a = 1, b = 1, c = 1 }, _G.ran)
  end)

  it("an edit in b re-runs b only", function()
    run(base)
    run(with("B_SCALE", "3"))
    assert.same({ a = 1, b = 2, c = 1 }, _G.ran)
  end)

  it("an edit in a re-runs a and b (whose input changed), not c", function()
    local a1, b1, c1 = run(base)
    local a2, b2, c2 = run(with("A_SCALE", "10"))
    assert.same({ a = 2, b = 2, c = 1 }, _G.ran)
    assert.same((a1 * 10):table(), a2:table())
    assert.is_true(math.abs(b2:item() - 10 * b1:item()) < 1e-4)
    assert.same(c1:table(), c2:table())
  end)

  it("an edit in c re-runs c only; a's generator state still reaches c on a hit", function()
    local _, _, c1 = run(base)
    local _, _, c2 = run(with("C_SHIFT", "1"))
    assert.same({ a = 1, b = 1, c = 2 }, _G.ran)
    assert.same((c1 + 1):table(), c2:table())
  end)
end)

describe("wick._cache.read", function()
  it("reads through its reader outside --watch, and remembers a file under it", function()
    local dir = helpers.tmpdir()
    local path = dir .. "/d.txt"
    helpers.write_file(path, "one")
    local reads = 0
    local function reader(p)
      reads = reads + 1
      local f = io.open(p)
      local n = #f:read("a")
      f:close()
      return T { n }
    end
    C.read(path, reader); C.read(path, reader)
    assert.equal(2, reads)
    C.watching = true
    local x = C.read(path, reader)
    x:add_(100)   -- a copy: the remembered tensor is not changed
    assert.same({ 3 }, C.read(path, reader):table())
    assert.equal(3, reads)
    helpers.write_file(path, "three")
    assert.same({ 5 }, C.read(path, reader):table())
    assert.equal(4, reads)
    C.watching = nil
    C.clear_memory()
    helpers.remove_tree(dir)
  end)
end)

describe("wick --watch with cached steps and a module beside the sketch", function()
  -- A sketch made with wick.sketch (so its folder is on package.path) that requires
  -- helper.lua beside it and has two cached steps: `plain` uses nothing from the helper,
  -- `scaled` calls helper.scale (the function alone is its upvalue: a step that used the
  -- whole helper table would count its word too). Each step prints when its body runs; the run prints a
  -- line with its count (keep), the helper's word and the colour. The sketchbook is off:
  -- the session's memory alone must keep the steps warm.
  local q = helpers.quote
  local WICK = helpers.WICK
  if not WICK:find("^/") then WICK = assert(os.getenv("PWD")) .. "/" .. WICK end
  local dir, log, pid
  local SKETCH = [[
local wick = require "wick"
local kit = wick.sketch { quiet = true }
local helper = require "helper"
local scale = helper.scale   -- the step depends on this function, not on all of helper
keep.runs = (keep.runs or 0) + 1
local a = wick.cache("plain", function(n) print("ran plain"); return wick.tensor.rand(n) end, 4)
local b = wick.cache("scaled", function(x) print("ran scaled"); return scale(x) end, a)
local f = assert(io.open(kit:path("picture.txt"), "w"))
f:write(("%s %.6f"):format(COLOUR, b:sum():item()))
f:close()
print(("run %d %s %s"):format(keep.runs, helper.word, COLOUR))
]]
  local function sketch(colour) return (SKETCH:gsub("COLOUR", "'" .. colour .. "'")) end
  local function helper(word, factor)
    return ("return { word = %q, scale = function(x) return x * %s end }\n"):format(word, factor)
  end
  local function save(path, text)   -- as editors do: a new file renamed over the old
    helpers.write_file(path .. ".tmp~", text)
    assert(os.rename(path .. ".tmp~", path))
  end
  local function read(path)   -- "" until the shell has made the file
    local f = io.open(path)
    if not f then return "" end
    local text = f:read("a")
    f:close()
    return text
  end
  local function count(plain)
    local text, n, from = read(log), 0, 1
    while true do
      local _, e = text:find(plain, from, true)
      if not e then return n end
      n, from = n + 1, e + 1
    end
  end
  -- Wait (at most 20 s) until `plain` shows in the log; returns the seconds waited.
  local function wait_for(plain, times)
    local t0 = wick.clock()
    while count(plain) < (times or 1) do
      assert(wick.clock() - t0 < 20, "timed out waiting for '" .. plain .. "':\n" .. read(log))
      os.execute("sleep 0.01")
    end
    return wick.clock() - t0
  end

  setup(function()
    dir = helpers.tmpdir()
    log = dir .. "/log"
    helpers.write_file(dir .. "/helper.lua", helper("one", 2))
    helpers.write_file(dir .. "/sketch.lua", sketch("red"))
    local p = assert(io.popen("cd " .. q(dir) .. " && WICK_BOOK=off " .. q(WICK) .. " --watch sketch.lua > "
      .. q(log) .. " 2>&1 & echo $!"))
    pid = p:read("l")
    p:close()
    wait_for("run 1 one red")
  end)
  teardown(function()
    if pid then os.execute("kill " .. pid) end
    helpers.remove_tree(dir)
  end)

  it("re-runs on a save of the helper, reloads it, and runs no step the helper does not reach", function()
    save(dir .. "/helper.lua", helper("two", 2))
    wait_for("run 2 two red")
    assert.equal(1, count("ran plain"))
    assert.equal(1, count("ran scaled"))
  end)

  it("shows a cosmetic edit without running a step, quickly", function()
    local took = wick.clock()
    save(dir .. "/sketch.lua", sketch("blue"))
    wait_for("run 3 two blue")
    took = wick.clock() - took
    assert.equal(1, count("ran plain"))
    assert.equal(1, count("ran scaled"))
    assert.matches("^blue ", helpers.read_file(dir .. "/out/picture.txt"))
    print(("\n  (--watch: a cosmetic save shown after %.2f s, with a 0.1 s debounce)"):format(took))
    assert.is_true(took < 5, ("took %.2f s"):format(took))
  end)

  it("re-runs the step that calls an edited helper function, and only it", function()
    save(dir .. "/helper.lua", helper("two", 3))
    wait_for("run 4 two blue")
    assert.equal(1, count("ran plain"))
    assert.equal(2, count("ran scaled"))
  end)

  it("re-runs an edited step and the step that uses its result", function()
    save(dir .. "/sketch.lua", sketch("blue"):gsub("end, 4%)", "end, 5)"))
    wait_for("run 5 two blue")
    assert.equal(2, count("ran plain"))
    assert.equal(3, count("ran scaled"))
  end)
end)

describe("wick.cache values from someone else's bundle", function()
  -- one result: an empty table whose metatable is named by the entry
  local function entry(name)
    return "WKC1" .. string.pack("<j", 1) .. "{" .. string.pack("<j", 0) .. string.pack("<c1s4", "n", name)
  end
  it("never name wick's internals nor give a table a metatable that is not a layer class", function()
    local ok, err = pcall(C.decode, entry("wick._commands"))
    assert.is_false(ok)
    assert.matches("'wick._commands' is not wick's", err, 1, true)
    ok, err = pcall(C.decode, entry("wick.tensor"))
    assert.is_false(ok)
    assert.matches("a metatable that is not a layer class", err, 1, true)
  end)
end)
