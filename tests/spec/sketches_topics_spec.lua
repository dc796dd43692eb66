-- sketches_topics_spec.lua — the topics sketch (issue 15): its helpers cut a text into
-- pages and paragraphs and draw the path picture from made-up numbers, and the sketch
-- runs for real, small (--pages 60 --iterations 20), through the wick binary. The run
-- on Moby-Dick is pending when wick.data.find cannot find it (CI has no `make data`).
local wick = require "wick"
local helpers = require "spec_helpers"
local T = wick.tensor

local WICK = os.getenv("WICK") or "./wick"

local function needs(...)
  local why = helpers.missing_data(...)
  return why and function(title) pending(title .. why) end or it
end

package.path = "sketches/topics/?.lua;" .. package.path
local book = require "topics_book"

describe("topics sketch's helpers", function()
  local text = ("Call me Ishmael. The whale and the sea, the boat and the harpoon. "):rep(30)
    .. "\n\n" .. ("Ahab stood upon the deck and cried to the crew of the ship. "):rep(5)

  it("cuts pages of a fixed number of words and paragraphs at blank lines", function()
    local pages, n = book.documents(text, 100, false)
    assert.are.equal(13 * 30 + 13 * 5, n)
    assert.are.equal(5, #pages)   -- 455 words: 4 full pages and the last 55 (at least half a page)
    assert.are.equal(101, pages[2].first)
    for _, p in ipairs(pages) do
      for _, w in ipairs(p.words) do assert.is_nil(({ the = true, ["and"] = true, me = true })[w], w) end
    end
    local pars = book.documents(text, 100, true)
    assert.are.equal(2, #pars)
    assert.are.equal(13 * 30 + 1, pars[2].first)
  end)

  it("draws the path picture", function()
    local dir = helpers.tmpdir()
    wick.seed(3)
    local theta = T.rand(20, 3)
    theta = theta / theta:sum(2, true)
    local path = book.picture(T.randn(20, 2), theta, { { "a", "b" }, { "c" }, { "d" } }, dir .. "/p.png", "test")
    local img = wick.image.load(path)
    assert.are.same({ 3, 1400, 1400 }, img:shape())
    assert.is_true(img:std():item() > 0.02)
    helpers.remove_tree(dir)
  end)
end)

describe("topics sketch", function()
  needs("moby-dick/data.txt")("runs small on Moby-Dick and writes its picture and topics", function()
    local dir = helpers.tmpdir()
    helpers.copy_lua_files("sketches/topics", dir)
    local out, rc = helpers.run(WICK .. " " .. dir .. "/topics.lua --pages 60 --iterations 20 --topics 6 --seed 4")
    assert.equal(0, rc, out)
    assert.matches("60 pages", out)
    assert.matches("lda: 6 topics", out)
    helpers.picture(dir .. "/out/topics-moby-seed4.png", 4)
    local topics = helpers.read_file(dir .. "/out/topics-moby-seed4.txt")
    local n = 0
    for _ in topics:gmatch("[^\n]+") do n = n + 1 end
    assert.are.equal(6, n)
    -- the page, named with the seed like the picture
    assert.equal("file", wick.fs.kind(dir .. "/out/topics-moby-page-seed4/index.html"))
    assert.matches("60 points", helpers.read_file(dir .. "/out/topics-moby-page-seed4/index.html"))
    helpers.remove_tree(dir)
  end)
end)
