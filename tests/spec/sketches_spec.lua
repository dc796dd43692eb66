-- sketches_spec.lua — smoke runs of the gallery: each sketch that can run in seconds
-- is run for real through the wick binary, and its output is checked; every sketch
-- answers --help from its opening comment (so it parses and reaches the kit), stays
-- short, and finds data through wick.data.find rather than a search of its own. (The
-- longer sketches are exercised piecewise by the module specs.)
local wick = require "wick"
local helpers = require "spec_helpers"

local WICK = os.getenv("WICK") or "./wick"

-- Every sketch: sketches/<folder>/<file>.lua that is not a module (modules return a table).
local function sketch_files()
  local list = {}
  for _, folder in ipairs(wick.fs.list("sketches")) do
    local names = wick.fs.kind("sketches/" .. folder) == "folder" and wick.fs.list("sketches/" .. folder) or {}
    for _, name in ipairs(names) do
      local path = "sketches/" .. folder .. "/" .. name
      if name:match("%.lua$") and helpers.read_file(path):find("wick.sketch", 1, true) then list[#list + 1] = path end
    end
  end
  return list
end

local copy_folder = helpers.copy_lua_files

describe("sketches", function()
  local dir
  before_each(function() dir = helpers.tmpdir() end)
  after_each(function() helpers.remove_tree(dir) end)

  it("hello renders its ripples at a small size and records the seed", function()
    copy_folder("sketches/hello", dir)
    local out, rc = helpers.run(WICK .. " " .. dir .. "/hello.lua 64 3")
    assert.equal(0, rc, out)
    assert.matches("seed 3", out)
    local img = wick.image.load(dir .. "/out/ripples-seed3.png")
    assert.same({ 3, 64, 64 }, img:shape())
    assert.is_true(img:std():item() > 0.1)   -- a pattern, not a flat colour
    local bytes = helpers.read_file(dir .. "/out/ripples-seed3.png")
    assert.truthy(bytes:find("Seed\0" .. "3", 1, true))
  end)

  it("hello writes numbered frames with --frames, the same seed giving the same pictures", function()
    copy_folder("sketches/hello", dir)
    local out, rc = helpers.run(WICK .. " " .. dir .. "/hello.lua 24 --seed 5 --frames 3")
    assert.equal(0, rc, out)
    assert.same({ "frame-0001.png", "frame-0002.png", "frame-0003.png" }, wick.fs.list(dir .. "/out"))
    local first = helpers.read_file(dir .. "/out/frame-0002.png")
    out, rc = helpers.run(WICK .. " " .. dir .. "/hello.lua 24 5 3")
    assert.equal(0, rc, out)
    assert.equal(first, helpers.read_file(dir .. "/out/frame-0002.png"))
  end)

  it("every sketch answers --help with its opening comment and options, writing nothing", function()
    local files = sketch_files()
    assert.is_true(#files >= 10, #files .. " sketches")
    for _, path in ipairs(files) do
      local folder = dir .. "/" .. path:match("^sketches/([^/]+)/")
      wick.fs.mkdir(folder)
      copy_folder(path:match("^(.*)/"), folder)
      local out, rc = helpers.run(WICK .. " " .. folder .. "/" .. path:match("[^/]+$") .. " --help")
      assert.equal(0, rc, path .. ": " .. out)
      local first = helpers.read_file(path):match("^%-%- ([^\n]*)")
      assert.truthy(first, path .. " starts with a comment")
      assert.equal(first, out:match("^[^\n]*"), path)
      assert.matches("\noptions: %-%-full, %-%-seed N, %-%-out DIR", out, nil, path)
      assert.is_nil(wick.fs.kind(folder .. "/out"), path)
    end
  end)

  it("stays short, and finds its data through wick.data.find", function()
    for _, path in ipairs(sketch_files()) do
      local s = helpers.read_file(path)
      local _, lines = s:gsub("\n", "")
      assert.is_true(lines <= 80, ("%s is %d lines: move its helpers into a module beside it"):format(path, lines))
      assert.is_nil(s:find("share/wick", 1, true), path)
      assert.is_nil(s:find('getenv("WICK_DATA")', 1, true), path)
    end
  end)

  it("make_analogies builds the question set from the installed data with dkjson", function()
    if not pcall(wick.data.find, "countries-list/countries.min.json") or not pcall(wick.data.find, "wordnet/data.adj")
      or not pcall(wick.data.find, "world-countries/countries.json") then
      return print("\n  note: countries-list, world-countries or wordnet-base missing (make data); skipped")
    end
    copy_folder("sketches/word2vec", dir)
    local out, rc = helpers.run(WICK .. " " .. dir .. "/make_analogies.lua " .. dir .. "/q.txt")
    assert.equal(0, rc, out)
    local q = helpers.read_file(dir .. "/q.txt")
    assert.truthy(q:find("^: capital%-world\n"))
    assert.truthy(q:find("\nfrance paris ", 1, true))
    assert.truthy(q:find("\n: gram6%-nationality%-adjective\n"))
    assert.matches("%d+ questions in " .. dir:gsub("%p", "%%%0"), out)
  end)
end)
