-- make_pages.lua — writes the pages tests/browser/page_test.js opens:
--   wick tests/browser/make_pages.lua DIR
-- DIR/small (12 known points: fixtures.lua), DIR/expected.json (what each point is),
-- DIR/big (70,000 random points in ten clusters, with 28×28 images), DIR/sources (the
-- two sound files the small page's clips are copied from).
package.path = "tests/?.lua;" .. package.path
local wick = require "wick"
local F = require "browser.fixtures"

local dir = assert(arg[1], "usage: wick tests/browser/make_pages.lua DIR")
wick.seed(15)
wick.fs.mkdir(dir .. "/sources")
local t0 = wick.clock()
local _, expect = F.small(wick, dir .. "/small", dir .. "/sources")

-- expected.json by hand (numbers and plain strings only)
local points = {}
for k, p in ipairs(expect.points) do
  points[k] = ('{"label":"%s","text":"%s","rgb":[%.6f,%.6f,%.6f],"sound":%s}'):format(p.label, p.text,
    p.rgb[1], p.rgb[2], p.rgb[3], p.sound and ('"' .. p.sound .. '"') or "false")
end
local f = assert(io.open(dir .. "/expected.json", "w"))
f:write(('{"n":%d,"sources":{"low":"%s","high":"%s"},"points":[%s]}\n'):format(expect.n, expect.sources.low,
  expect.sources.high, table.concat(points, ",")))
f:close()
F.big(wick, dir .. "/big", 70000)
print(("pages written in %.1f s"):format(wick.clock() - t0))
