-- sketch_spec.lua — wick.sketch, the gallery's kit: the common options and declared
-- parameters parsed from an arg table, the seed set and printed, the output folder made
-- beside the sketch (or at --out), numbered frames, modules beside the sketch found by
-- require, and command-line mistakes refused naming what the sketch takes.
local wick = require "wick"
local helpers = require "spec_helpers"
local refuses = helpers.refuses

describe("wick.sketch", function()
  local dir, saved_path
  before_each(function()
    dir = helpers.tmpdir()
    saved_path = package.path
  end)
  after_each(function()
    package.path = saved_path
    helpers.remove_tree(dir)
  end)

  local function kit(argv, opts)
    opts = opts or {}
    argv[0] = dir .. "/walk.lua"
    opts.arg, opts.quiet = argv, true
    return wick.sketch(opts)
  end

  it("reads --full, --seed, declared parameters and positional arguments, converting each", function()
    local k = kit({ "64", "--full", "--corpus", "kjv", "--max-line=90", "--no-glove", "--gcide" },
      { seed = 7, size = 512, corpus = "sotu", max_line = 1200, glove = true, gcide = false,
        positional = { "size", "seed" } })
    assert.same({ 64, true, "kjv", 90, false, true, 7 },
      { k.size, k.full, k.corpus, k.max_line, k.glove, k.gcide, k.seed })
    assert.equal("walk", k.name)
    assert.equal(dir, k.here)
    k = kit({ "32", "5" }, { seed = 7, size = 512, positional = { "size", "seed" } })
    assert.same({ 32, 5, false }, { k.size, k.seed, k.full })
  end)

  it("seeds wick's generator: the same seed gives the same numbers, and prints it", function()
    kit({ "--seed", "11" })
    local a = wick.tensor.rand(4):table()
    local k = kit({}, { seed = 11 })
    assert.equal(11, k.seed)
    assert.same(a, wick.tensor.rand(4):table())
    assert.equal(11, wick.seed())
    local out, rc = helpers.run(helpers.WICK .. " -e 'wick = require \"wick\"; arg = {[0] = \"/tmp/x.lua\"}; "
      .. "local k = wick.sketch{seed = 3, quiet = false, out = \"" .. dir .. "/o\"}'")
    assert.equal(0, rc, out)
    assert.equal("x: seed 3\n", out)
    -- with no default the seed wick picked for this run is kept, and reported
    assert.equal(wick.seed(), kit({}).seed)
  end)

  it("makes the output folder beside the sketch, or at --out, and builds paths in it", function()
    local k = kit({})
    assert.equal(dir .. "/out", k.out)
    assert.equal("folder", wick.fs.kind(k.out))
    assert.equal(dir .. "/out/map-seed3.png", k:path("map-seed%d.png", 3))
    assert.equal(dir .. "/out/100%.txt", k:path("100%.txt"))
    k = kit({ "--out", dir .. "/elsewhere/deep/" })
    assert.equal(dir .. "/elsewhere/deep", k.out)
    assert.equal("folder", wick.fs.kind(k.out))
    local path = k:write("notes.txt", "hello\n")
    assert.equal("hello\n", helpers.read_file(path))
  end)

  it("writes numbered frames out/frame-0001.png, … and starts again after frames_reset", function()
    local k = kit({})
    local img = wick.tensor.rand(3, 4, 5)
    assert.equal(dir .. "/out/frame-0001.png", k:frame(img))
    assert.equal(dir .. "/out/frame-0002.png", k:frame(img))
    assert.equal(dir .. "/out/frame-0003.png", k:frame_path())
    assert.same({ 3, 4, 5 }, wick.image.load(dir .. "/out/frame-0002.png"):shape())
    k:frames_reset()
    assert.equal(dir .. "/out/frame-0001.png", k:frame(img))
    k:frames_reset("walk")
    assert.equal(dir .. "/out/walk-0001.png", k:frame(img))
    assert.same({ "frame-0001.png", "frame-0002.png", "walk-0001.png" }, wick.fs.list(dir .. "/out"))
    refuses("kit:frame: img must be a tensor", function() k:frame("no") end)
    refuses("kit:frames_reset: prefix must be letters, digits, %- or _, got '../x'", function()
      k:frames_reset("../x")
    end)
  end)

  it("lets the sketch require a module that sits beside it", function()
    helpers.write_file(dir .. "/walk_helpers.lua", "return { answer = 42 }")
    kit({})
    assert.equal(42, require("walk_helpers").answer)
    package.loaded.walk_helpers = nil
    local before = package.path
    kit({})
    assert.equal(before, package.path)   -- once, however many kits
  end)

  it("shuffles a list with wick's generator: the same seed, the same order", function()
    local k = kit({}, { seed = 5 })
    local a = k:shuffle { 1, 2, 3, 4, 5, 6, 7, 8 }
    k = kit({}, { seed = 5 })
    assert.same(a, k:shuffle { 1, 2, 3, 4, 5, 6, 7, 8 })
    table.sort(a)
    assert.same({ 1, 2, 3, 4, 5, 6, 7, 8 }, a)
  end)

  it("refuses unknown options, bad numbers and extra arguments, naming what the sketch takes", function()
    refuses("sketch: unknown option '%-%-bogus' %(walk takes %-%-full, %-%-seed N, %-%-out DIR, %-%-size N%)",
      function() kit({ "--bogus" }, { size = 1 }) end)
    refuses("sketch: %-%-size takes a number, got 'big'", function() kit({ "--size", "big" }, { size = 1 }) end)
    refuses("sketch: %-%-size takes a number, got 'big'", function()
      kit({ "big" }, { size = 1, positional = { "size" } })
    end)
    refuses("sketch: unexpected argument '3' %(walk takes .*, then size%)", function()
      kit({ "1", "3" }, { size = 1, positional = { "size" } })
    end)
    refuses("sketch: %-%-size needs a value", function() kit({ "--size" }, { size = 1 }) end)
    refuses("sketch: %-%-full takes no value", function() kit({ "--full=yes" }) end)
    refuses("sketch: seed must be an integer >= 0, got %-1", function() kit({ "--seed", "-1" }) end)
    refuses("sketch: 'frame' is the kit's own", function() kit({}, { frame = 1 }) end)
    refuses("sketch: the default of size must be a number, string or boolean, got table",
      function() kit({}, { size = {} }) end)
    refuses("sketch: positional names 'size', which has no default", function()
      kit({}, { positional = { "size" } })
    end)
  end)

  it("--help prints the sketch's opening comment and its options, and exits 0", function()
    local path = helpers.write_file(dir .. "/walk.lua", "-- Walk — a random walk.\n-- Run: wick walk.lua\n"
      .. "local wick = require 'wick'\nwick.sketch{steps = 10}\nprint('ran')\n")
    local out, rc = helpers.run(helpers.WICK .. " " .. helpers.quote(path) .. " --help")
    assert.equal(0, rc, out)
    assert.equal("Walk — a random walk.\nRun: wick walk.lua\n\noptions: --full, --seed N, --out DIR, --steps N\n", out)
    assert.is_nil(wick.fs.kind(dir .. "/out"))
  end)
end)
