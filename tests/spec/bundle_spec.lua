-- bundle_spec.lua — bundles (bindings/store/bundle.lua, bundle.c, lib/store/bundle.c).
-- First the checks and the unpacker in process, on bundles this spec writes and then
-- damages one way each; then the whole story across two temporary homes: a sketch with a
-- cached "training" step that reads a real data file runs and is packed in home 1, and
-- in home 2 (an empty sketchbook, the data in another folder) `wick x.wick` runs it
-- without running the step again and writes the same output; unpack gives the folder
-- back; and each way a bundle or its data can be wrong gives its own error and writes
-- nothing outside the target.
local helpers = require "spec_helpers"
local wick = require "wick"

local B = wick._bundle
local q, run, tmpdir = helpers.quote, helpers.run, helpers.tmpdir
local write_file, read_file = helpers.write_file, helpers.read_file

local WICK = helpers.WICK
if not WICK:find("^/") then WICK = assert(os.getenv("PWD")) .. "/" .. WICK end
local PNG = assert(os.getenv("PWD")) .. "/tests/fixtures/images/grey8.png"

local tmp = tmpdir()
teardown(function() helpers.remove_tree(tmp) end)

local function exists(p) return B.lstat(p) ~= nil end

-- A bundle at path with these files ({path, kind, data [, mode]}) and meta; damage(db)
-- may change it before it is closed (the hashes are right unless damage changes them).
local function make(path, files, opts)
  opts = opts or {}
  os.remove(path)
  local db = wick._sql.open(path, { create = true, app_id = B.app_id, version = B.version,
    schema = opts.schema or B.schema, what = "bundle" })
  local meta = { format = "wick bundle", wick_version = wick.version, name = "tiny", entry = "tiny.lua",
    args = '["--seed","3"]', seed = "3", created = "2026-12-04T06:00:00Z" }
  for k, v in pairs(opts.meta or {}) do meta[k] = v or nil end
  for k, v in pairs(meta) do db:run("INSERT INTO meta(key, value) VALUES (?1, ?2)", k, v) end
  for _, f in ipairs(files) do
    db:run("INSERT INTO files(path, kind, mode, size, hash, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", f[1], f[2],
      f[4] or 420, #f[3], wick._hash.bytes(f[3]), wick._sql.blob(f[3]))
  end
  for _, i in ipairs(opts.inputs or {}) do
    db:run("INSERT INTO inputs(path, data, package, size, hash) VALUES (?1, ?2, ?3, ?4, ?5)", i.path, i.data,
      i.package, i.size, i.hash)
  end
  if opts.damage then opts.damage(db) end
  db:close()
  return path
end

local CODE = '-- tiny: a sketch for the spec\nprint("tiny ran")\n'
local FILES = { { "tiny.lua", "code", CODE }, { "lib/util.lua", "code", "return {}\n" },
  { "out/result.txt", "output", "42\n" }, { "run.sh", "code", "#!/bin/sh\n", 493 } }

-- The error B.open raises for the bundle at path.
local function open_error(path)
  local ok, err = pcall(B.open, path)
  assert.is_false(ok, path .. " opened")
  return tostring(err)
end

describe("a bundle, opened", function()
  it("lists its files sorted, with kinds, sizes, modes and hashes, from a path or from memory", function()
    local path = make(tmp .. "/ok.wick", FILES)
    local b <close> = B.open(path)
    local t = b:info()
    assert.equal(1, t.version)
    assert.equal("tiny.lua", t.meta.entry)
    local paths = {}
    for i, f in ipairs(t.files) do paths[i] = f.path end
    assert.same({ "lib/util.lua", "out/result.txt", "run.sh", "tiny.lua" }, paths)
    assert.equal("output", t.files[2].kind)
    assert.equal(493, t.files[3].mode)
    assert.equal(wick._hash.bytes(CODE), t.files[4].hash)
    assert.equal(CODE, b:read("tiny.lua"))
    local m <close> = B.open_memory(read_file(path), "ok.wick")
    assert.equal(4, #m:info().files)
    b:close()
    helpers.error_containing("attempt to use a closed bundle", b.info, b)
  end)

  it("refuses unsafe file paths, naming the path", function()
    local cases = {
      { "../escape.lua", "has a '..' part" }, { "a/../../b", "has a '..' part" }, { "/tmp/abs", "is absolute" },
      { "a//b", "empty part" }, { "./a", "'.' part" }, { "a/", "empty part" }, { "a\\b", "backslash" },
      { "a\27[2Jb", "control character" }, { "bad\255name", "not valid UTF-8" },
      { ("x"):rep(300), "longer than 255" }, { ("ab/"):rep(400) .. "c", "bytes long" },
    }
    for k, c in ipairs(cases) do
      local path = make(("%s/unsafe%d.wick"):format(tmp, k), { { "tiny.lua", "code", CODE }, { c[1], "output", "x" } })
      local err = open_error(path)
      assert.truthy(err:find("is unsafe", 1, true), err)
      assert.truthy(err:find(c[2], 1, true), ("%q: %s"):format(c[1], err))
      assert.is_nil((B.check_path(c[1])))
    end
    assert.is_true(B.check_path("out/frame-0001.png"))
    assert.is_true(B.check_path("é/..x/x.."))
  end)

  it("refuses a path twice and a path that is both a file and a folder", function()
    local dup = make(tmp .. "/dup.wick",
      { { "tiny.lua", "code", CODE }, { "a", "output", "1" }, { "a", "output", "2" } },
      { schema = B.schema:gsub("path TEXT PRIMARY KEY, kind", "path TEXT, kind") })
    assert.truthy(open_error(dup):find("'a' appears twice", 1, true))
    local ff = make(tmp .. "/ff.wick",
      { { "tiny.lua", "code", CODE }, { "out", "output", "1" }, { "out/a", "output", "2" } })
    assert.truthy(open_error(ff):find("'out' is both a file and the folder of 'out/a'", 1, true))
  end)

  it("refuses data that does not match its hash or its size", function()
    local h = make(tmp .. "/hash.wick", FILES, { damage = function(db)
      db:run("UPDATE files SET data = ?1 WHERE path = 'out/result.txt'", wick._sql.blob("43\n"))
    end })
    assert.truthy(open_error(h):find("the data of 'out/result.txt' does not match its hash", 1, true))
    local s = make(tmp .. "/size.wick", FILES, { damage = function(db)
      db:run("UPDATE files SET size = 99 WHERE path = 'tiny.lua'")
    end })
    assert.truthy(open_error(s):find("'tiny.lua' holds " .. #CODE .. " bytes, not the 99 its size says", 1, true))
  end)

  it("says a newer format, a foreign database, a sketchbook, a truncated file and junk apart", function()
    local newer = make(tmp .. "/newer.wick", FILES, { damage = function(db) db:exec("PRAGMA user_version = 7") end })
    assert.truthy(open_error(newer):find("was written by a newer wick (bundle format 7; this wick reads up to 1)",
      1, true))
    local foreign = make(tmp .. "/foreign.wick", FILES,
      { damage = function(db) db:exec("PRAGMA application_id = 42") end })
    assert.truthy(open_error(foreign):find("a foreign SQLite database (application_id 0x0000002a)", 1, true))
    local book = make(tmp .. "/book.wick", FILES,
      { damage = function(db) db:exec("PRAGMA application_id = 1466524523") end })
    assert.truthy(open_error(book):find("is a wick sketchbook, not a bundle", 1, true))
    local whole = read_file(make(tmp .. "/whole.wick", FILES))
    write_file(tmp .. "/cut.wick", whole:sub(1, #whole // 2))
    assert.truthy(open_error(tmp .. "/cut.wick"):find("is truncated: " .. #whole // 2 .. " of its " .. #whole, 1, true))
    write_file(tmp .. "/cut2.wick", whole:sub(1, 60))
    assert.truthy(open_error(tmp .. "/cut2.wick"):find("is truncated", 1, true))
    write_file(tmp .. "/junk.wick", ("junk"):rep(300))
    assert.truthy(open_error(tmp .. "/junk.wick"):find("is not a wick bundle (not an SQLite database)", 1, true))
    write_file(tmp .. "/empty.wick", "")
    assert.truthy(open_error(tmp .. "/empty.wick"):find("is empty", 1, true))
    -- a page in the middle overwritten: the header is fine, quick_check is not
    local page = 4096
    write_file(tmp .. "/torn.wick", whole:sub(1, page) .. ("\255"):rep(page) .. whole:sub(2 * page + 1))
    assert.truthy(open_error(tmp .. "/torn.wick"):find("is damaged", 1, true))
  end)

  it("refuses triggers, views, a missing table or meta key, and an entry that is not code", function()
    local trig = make(tmp .. "/trig.wick", FILES, { damage = function(db)
      db:exec("CREATE TRIGGER t AFTER INSERT ON meta BEGIN DELETE FROM files; END")
    end })
    assert.truthy(open_error(trig):find("it holds a trigger ('t')", 1, true))
    local view = make(tmp .. "/view.wick", FILES, { damage = function(db) db:exec("CREATE VIEW v AS SELECT 1") end })
    assert.truthy(open_error(view):find("it holds a view ('v')", 1, true))
    local nometa = make(tmp .. "/nometa.wick", FILES, { meta = { seed = false } })
    assert.truthy(open_error(nometa):find("meta has no 'seed'", 1, true))
    local noentry = make(tmp .. "/noentry.wick", FILES, { meta = { entry = "out/result.txt" } })
    assert.truthy(open_error(noentry):find("entry script 'out/result.txt' is not one of its code files", 1, true))
    local notable = make(tmp .. "/notable.wick", FILES, { damage = function(db)
      db:exec("DELETE FROM inputs; DROP TABLE inputs")
    end })
    assert.truthy(open_error(notable):find("it has no 'inputs' table", 1, true))
  end)
end)

describe("unpacking", function()
  local bundle = make(tmp .. "/unpack.wick", FILES)

  it("writes every file with its mode, and refuses to replace one without force", function()
    local b <close> = B.open(bundle)
    local dir = tmp .. "/u1"
    assert.equal(4, b:unpack(dir))
    assert.equal(CODE, read_file(dir .. "/tiny.lua"))
    assert.equal("42\n", read_file(dir .. "/out/result.txt"))
    assert.equal(B.lstat(dir .. "/run.sh").mode & 73 ~= 0, true)
    write_file(dir .. "/out/result.txt", "mine\n")
    helpers.error_containing("' exists; pass --force to replace it (nothing was written)", b.unpack, b, dir)
    assert.equal("mine\n", read_file(dir .. "/out/result.txt"))
    assert.equal(4, b:unpack(dir, { force = true }))
    assert.equal("42\n", read_file(dir .. "/out/result.txt"))
    assert.equal(2, b:unpack(tmp .. "/u1code", { kinds = "code,model" }) - 1)
    assert.is_false(exists(tmp .. "/u1code/out"))
  end)

  it("checks every name first: a refused unpack writes nothing", function()
    local b <close> = B.open(bundle)
    local dir = tmp .. "/u2"
    wick.fs.mkdir(dir)
    write_file(dir .. "/tiny.lua", "mine")
    helpers.error_containing("tiny.lua' exists", b.unpack, b, dir)
    assert.same({ "tiny.lua" }, wick.fs.list(dir))
  end)

  it("never writes through a symbolic link in the target folder", function()
    local b <close> = B.open(bundle)
    local dir, elsewhere = tmp .. "/u3", tmp .. "/elsewhere"
    wick.fs.mkdir(dir)
    wick.fs.mkdir(elsewhere)
    assert.equal(0, select(2, run("ln -s " .. q(elsewhere) .. " " .. q(dir .. "/out"))))
    helpers.error_containing("/u3/out' is a symbolic link; unpack never writes through a link", b.unpack, b, dir,
      { force = true })
    assert.same({}, wick.fs.list(elsewhere))
    assert.same({ "out" }, wick.fs.list(dir))
    -- a link where a file goes is replaced by the file with force (never followed)
    local dir2 = tmp .. "/u4"
    wick.fs.mkdir(dir2)
    write_file(elsewhere .. "/target.lua", "keep me")
    assert.equal(0, select(2, run("ln -s " .. q(elsewhere .. "/target.lua") .. " " .. q(dir2 .. "/tiny.lua"))))
    helpers.error_containing("tiny.lua' exists", b.unpack, b, dir2)
    b:unpack(dir2, { force = true })
    assert.equal("keep me", read_file(elsewhere .. "/target.lua"))
    assert.equal("file", B.lstat(dir2 .. "/tiny.lua").kind)
    assert.equal(CODE, read_file(dir2 .. "/tiny.lua"))
  end)

  it("refuses a file where the bundle has a folder", function()
    local b <close> = B.open(bundle)
    local dir = tmp .. "/u5"
    wick.fs.mkdir(dir)
    write_file(dir .. "/out", "a file")
    helpers.error_containing("/u5/out' is a file where the bundle has a folder", b.unpack, b, dir, { force = true })
  end)
end)

describe("the commands on a damaged bundle", function()
  it("info and run refuse it with one clear line, status 1", function()
    local path = make(tmp .. "/cmd-dotdot.wick", { { "tiny.lua", "code", CODE }, { "../../escape.lua", "code", "x" } })
    for _, cmd in ipairs { "info", "run", "unpack" } do
      local out, rc = run(("cd %s && %s %s %s"):format(q(tmp), q(WICK), cmd, q(path)))
      assert.equal(1, rc)
      assert.truthy(out:find("wick: " .. cmd .. ": '" .. path
        .. "' is unsafe: file path '../../escape.lua' has a '..' part", 1, true), out)
      assert.is_nil(out:find("traceback", 1, true), out)
    end
    assert.is_false(exists(tmp .. "/../escape.lua"))
    local _, rc = run(q(WICK) .. " " .. q(tmp .. "/nope.wick"))
    assert.equal(1, rc)
  end)
end)

-- ---- two homes ----------------------------------------------------------------------

local SKETCH = [[
-- twohome: a sketch for bundle_spec, with a cached "training" step that reads data.
local wick = require "wick"
local T = wick.tensor
local kit = wick.sketch { seed = 5, steps = 30, quiet = true }
local img = wick.image.load(wick.data.find("twohome/pixels.png"))
local extra = os.getenv("DEBIAN_PNG")
if extra and extra ~= "" then img = img + wick.image.load(extra):mean() end
local w = wick.cache("train", function(x, steps)
  local f = assert(io.open(assert(os.getenv("STEP_COUNT")), "a"))
  f:write("ran\n")
  f:close()
  local w = T.randn(4)
  for _ = 1, steps do w = w * 0.9 + x:mean() * 0.1 + T.randn(4) * 0.01 end
  return w
end, img, kit.steps)
local noise = T.randn(2)   -- downstream of the step: same numbers whether it ran or not
local parts = {}
for i = 1, 4 do parts[#parts + 1] = ("%.9g"):format(w[i]) end
for i = 1, 2 do parts[#parts + 1] = ("%.9g"):format(noise[i]) end
kit:write("result.txt", table.concat(parts, " ") .. "\n")
wick.image.save(img, kit:path("pixels.png"))   -- its metadata names the sketch and seed
]]

-- A Debian-owned PNG the sketch also reads, so the manifest names a real package.
local function debian_png()
  for _, p in ipairs { "/usr/share/icons/Adwaita/48x48/legacy/camera-video.png",
    "/usr/share/icons/hicolor/48x48/apps/debian-logo.png", "/usr/share/pixmaps/debian-logo.png" } do
    local f = io.open(p, "rb")
    if f then f:close() return p end
  end
end

describe("a bundle across two homes", function()
  local h1, h2 = tmp .. "/home1", tmp .. "/home2"
  local sketch_dir = h1 .. "/sketches/twohome"
  local bundle = h1 .. "/twohome.wick"
  local deb = debian_png()
  local function env(home, extra)
    return ("env -u WICK_DATA HOME=%s WICK_BOOK=%s STEP_COUNT=%s DEBIAN_PNG=%s %s "):format(q(home),
      q(home .. "/book.db"), q(home .. "/count"), q(deb or ""), extra or "")
  end
  local function count(home)
    local f = io.open(home .. "/count")
    if not f then return 0 end
    local n = #f:read("a") // 4
    f:close()
    return n
  end

  setup(function()
    for _, d in ipairs { sketch_dir, h1 .. "/.local/share/wick/twohome", h2 .. "/data/twohome" } do wick.fs.mkdir(d) end
    write_file(sketch_dir .. "/twohome.lua", SKETCH)
    write_file(h1 .. "/.local/share/wick/twohome/pixels.png", read_file(PNG))
    -- home 2 keeps its data in another folder (WICK_DATA), as another machine would
    write_file(h2 .. "/data/twohome/pixels.png", read_file(PNG))
  end)

  it("runs and packs in home 1: the step runs once, the second run reuses it", function()
    local out, rc = run(env(h1) .. q(WICK) .. " " .. q(sketch_dir .. "/twohome.lua"))
    assert.equal(0, rc, out)
    assert.equal(1, count(h1))
    out, rc = run(env(h1) .. q(WICK) .. " " .. q(sketch_dir .. "/twohome.lua"))
    assert.equal(0, rc, out)
    assert.equal(1, count(h1), "the second run trained again")
    out, rc = run(("cd %s && %s%s pack sketches/twohome"):format(q(h1), env(h1), q(WICK)))
    assert.equal(0, rc, out)
    assert.truthy(exists(bundle), out)
    out, rc = run(("cd %s && %s%s pack sketches/twohome"):format(q(h1), env(h1), q(WICK)))
    assert.equal(1, rc)
    assert.truthy(out:find("wick: pack: 'twohome.wick' exists; pass --force to replace it", 1, true), out)
    out, rc = run(("cd %s && %s%s pack sketches/twohome --force -o twohome.wick"):format(q(h1), env(h1), q(WICK)))
    assert.equal(0, rc, out)
    assert.truthy(out:find("pack: run 2 of ", 1, true), out)   -- the latest successful run
    assert.truthy(out:find("1 cached steps", 1, true), out)
    out, rc = run(("cd %s && %s%s pack sketches/twohome --run 1 -o one.wick"):format(q(h1), env(h1), q(WICK)))
    assert.equal(0, rc, out)
    assert.truthy(out:find("pack: run 1 of ", 1, true), out)
    out, rc = run(("cd %s && %s%s pack sketches/twohome --run 99 -o x.wick"):format(q(h1), env(h1), q(WICK)))
    assert.equal(1, rc, out)
    assert.truthy(out:find("wick: pack: the sketchbook has no run 99", 1, true), out)
    assert.is_false(exists(h1 .. "/x.wick"))
    out, rc = run(env(h1, "WICK_BOOK=off") .. q(WICK) .. " pack " .. q(sketch_dir))
    assert.equal(1, rc, out)
    assert.truthy(out:find("the run log is off", 1, true), out)
  end)

  it("says what it holds and what data it needs before anything runs", function()
    local out, rc = run(env(h2, "WICK_DATA=" .. q(h2 .. "/data")) .. q(WICK) .. " info " .. q(bundle))
    assert.equal(0, rc, out)
    assert.truthy(out:find("twohome: a sketch for bundle_spec", 1, true), out)   -- the code's header
    assert.truthy(out:find("code %s+%S+ %S+%s+twohome%.lua"), out)
    assert.truthy(out:find("output %s+%S+ %S+%s+out/result%.txt"), out)
    assert.truthy(out:find("seed 5", 1, true), out)
    assert.truthy(out:find("cached steps: 1", 1, true), out)
    assert.truthy(out:find("ok .*twohome/pixels%.png.*make data"), out)
    if deb then assert.truthy(out:find("ok .*" .. deb:gsub("%p", "%%%0") .. ".*%[Debian "), out) end
    -- --code: every line of the code, numbered
    out, rc = run(env(h2) .. q(WICK) .. " info --code " .. q(bundle))
    assert.equal(0, rc, out)
    local lines = select(2, SKETCH:gsub("\n", "\n"))
    assert.truthy(out:find("==> twohome.lua (" .. lines .. " lines", 1, true), out)
    assert.truthy(out:find("\n%s+8  local w = wick%.cache%(\"train\""), out)
    assert.truthy(out:find(("%5d  wick.image.save(img, kit:path(\"pixels.png\"))"):format(lines), 1, true), out)
    assert.equal(0, count(h2))
  end)

  it("runs in home 2 from the bundle without training, writing the same output", function()
    local out, rc = run(env(h2, "WICK_DATA=" .. q(h2 .. "/data")) .. q(WICK) .. " " .. q(bundle))
    assert.equal(0, rc, out)
    assert.equal(0, count(h2), "the step ran again in home 2")
    local made = assert(io.popen("ls -d " .. q(h2) .. "/bundles/*/out/result.txt")):read("l")
    assert.truthy(made, "no output under " .. h2 .. "/bundles")
    assert.equal(read_file(sketch_dir .. "/out/result.txt"), read_file(made))
    assert.equal(read_file(sketch_dir .. "/out/pixels.png"), read_file(made:gsub("result%.txt$", "pixels.png")))
    -- the run is in home 2's run log
    out, rc = run(env(h2) .. q(WICK) .. " runs")
    assert.equal(0, rc, out)
    assert.truthy(out:find("twohome", 1, true), out)
    -- the same code run as home 2's own sketch does not get the bundle's step: it trains
    local own = h2 .. "/own"
    wick.fs.mkdir(own)
    write_file(own .. "/twohome.lua", SKETCH)
    out, rc = run(env(h2, "WICK_DATA=" .. q(h2 .. "/data")) .. q(WICK) .. " " .. q(own .. "/twohome.lua"))
    assert.equal(0, rc, out)
    assert.equal(1, count(h2), "home 2's own run was served the bundle's step")
    assert.equal(read_file(sketch_dir .. "/out/result.txt"), read_file(own .. "/out/result.txt"))
    -- and the bundle, run again, still does not train
    out, rc = run(env(h2, "WICK_DATA=" .. q(h2 .. "/data")) .. q(WICK) .. " " .. q(bundle))
    assert.equal(0, rc, out)
    assert.equal(1, count(h2))
    os.remove(h2 .. "/count")   -- the specs below count home 2's trainings from 0
  end)

  it("runs with the sketchbook off, from a private folder in the temporary folder", function()
    local tmp2 = h2 .. "/tmp"
    wick.fs.mkdir(tmp2)
    local cmd = env(h2, "WICK_BOOK=off TMPDIR=" .. q(tmp2) .. " WICK_DATA=" .. q(h2 .. "/data")) .. q(WICK) .. " "
      .. q(bundle)
    local out, rc = run(cmd)
    assert.equal(0, rc, out)
    assert.equal(0, count(h2), "the step ran with the sketchbook off")
    local uid = assert(io.popen("id -u")):read("l")
    local private = tmp2 .. "/wick-bundles-" .. uid
    local st = B.lstat(private)
    assert.same({ "folder", 448 }, { st.kind, st.mode })   -- 0700
    assert(os.execute("chmod 755 " .. q(private)))
    out, rc = run(cmd)
    assert.equal(1, rc, out)
    assert.truthy(out:find("'" .. private .. "' is not a private folder of yours (others may enter it)", 1, true), out)
    assert(os.execute("rm -rf " .. q(private) .. " && ln -s " .. q(h2) .. " " .. q(private)))
    out, rc = run(cmd)
    assert.equal(1, rc, out)
    assert.truthy(out:find("is not a private folder of yours (not a folder)", 1, true), out)
    assert.equal(0, count(h2))
  end)

  it("unpacks into home 2 as the folder it came from", function()
    local out, rc = run(("cd %s && %s%s unpack %s"):format(q(h2), env(h2), q(WICK), q(bundle)))
    assert.equal(0, rc, out)
    assert.equal(SKETCH, read_file(h2 .. "/twohome/twohome.lua"))
    assert.equal(read_file(sketch_dir .. "/out/result.txt"), read_file(h2 .. "/twohome/out/result.txt"))
    out, rc = run(("cd %s && %s%s unpack %s"):format(q(h2), env(h2), q(WICK), q(bundle)))
    assert.equal(1, rc)
    assert.truthy(out:find("exists; pass --force to replace it", 1, true), out)
  end)

  -- A copy of the bundle with sql run on it (the hashes of its files stay right).
  local function tampered(name, sql, ...)
    local path = h2 .. "/" .. name
    write_file(path, read_file(bundle))
    local db = wick._sql.open(path, { app_id = B.app_id, version = B.version, what = "bundle" })
    db:run(sql, ...)
    db:close()
    return path
  end

  local function refused(path, text, extra_env)
    local out, rc = run(env(h2, extra_env or ("WICK_DATA=" .. q(h2 .. "/data"))) .. q(WICK) .. " " .. q(path))
    assert.equal(1, rc, out)
    assert.truthy(out:find(text, 1, true), ("%q lacks %q"):format(out, text))
    assert.equal(0, count(h2), "the step ran")
    return out
  end

  it("refuses tampered bundles and writes nothing outside", function()
    refused(tampered("dotdot.wick", "UPDATE files SET path = '../../../escape.lua' WHERE path = 'twohome.lua'"),
      "has a '..' part")
    refused(tampered("abs.wick", "UPDATE files SET path = ?1 WHERE path = 'out/result.txt'", h2 .. "/abs.txt"),
      "is absolute")
    assert.is_false(exists(h2 .. "/abs.txt"))
    assert.is_false(exists(tmp .. "/escape.lua"))
    local newer = tampered("newer.wick", "PRAGMA user_version = 2")
    refused(newer, "was written by a newer wick (bundle format 2; this wick reads up to 1)")
    local whole = read_file(bundle)
    write_file(h2 .. "/cut.wick", whole:sub(1, #whole - 4096))
    refused(h2 .. "/cut.wick", "is truncated")
    -- a symbolic link in the target folder
    local target, elsewhere = h2 .. "/linked", h2 .. "/elsewhere"
    wick.fs.mkdir(target)
    wick.fs.mkdir(elsewhere)
    run("ln -s " .. q(elsewhere) .. " " .. q(target .. "/out"))
    local out, rc = run(env(h2) .. q(WICK) .. " unpack --force " .. q(bundle) .. " " .. q(target))
    assert.equal(1, rc, out)
    assert.truthy(out:find("is a symbolic link; unpack never writes through a link", 1, true), out)
    assert.same({}, wick.fs.list(elsewhere))
  end)

  it("checks the data by hash: changed, missing, and which package to install", function()
    local changed = h2 .. "/data-changed"
    wick.fs.mkdir(changed .. "/twohome")
    write_file(changed .. "/twohome/pixels.png", read_file(PNG:gsub("grey8", "grey16")))
    local out = refused(bundle, "twohome/pixels.png differs from the file twohome.wick was made with",
      "WICK_DATA=" .. q(changed))
    assert.truthy(out:find(changed, 1, true), out)
    out = run(env(h2, "WICK_DATA=" .. q(changed)) .. q(WICK) .. " info " .. q(bundle))   -- says so, runs nothing
    assert.truthy(out:find("differs .*twohome/pixels%.png"), out)
    -- missing: not in home 2's data folders, and (on this one machine) home 1's copy moved away
    local original = h1 .. "/.local/share/wick/twohome/pixels.png"
    assert(os.rename(original, original .. ".away"))
    local ok, res = pcall(refused, bundle, "twohome.wick needs " .. original .. " (", "")
    assert(os.rename(original .. ".away", original))
    assert(ok, res)
    assert.truthy(res:find("run `make data`", 1, true), res)
    -- a data file a Debian package provides, not installed here: its package is named
    local deb_missing = tampered("deb.wick", "UPDATE inputs SET path = '/usr/share/wick-spec-nowhere/x.png', "
      .. "data = NULL, package = 'Debian dataset-fashion-mnist' WHERE data IS NOT NULL")
    out = refused(deb_missing, "needs /usr/share/wick-spec-nowhere/x.png (")
    assert.truthy(out:find("install the Debian package dataset-fashion-mnist (apt install dataset-fashion-mnist)",
      1, true), out)
    assert.is_nil(out:find("traceback", 1, true), out)
  end)
end)
