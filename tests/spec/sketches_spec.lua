-- sketches_spec.lua — smoke runs of the gallery: each sketch that can run in seconds
-- is run for real through the wick binary, and its picture is checked. (The longer
-- sketches are exercised piecewise by the module specs.)
local wick = require "wick"

local WICK = os.getenv("WICK") or "./wick"

local function run(cmd)
  local p = assert(io.popen(cmd .. " 2>&1; echo \"__rc=$?\""))
  local out = p:read("a")
  p:close()
  local body, rc = out:match("^(.-)__rc=(%d+)\n?$")
  return body, tonumber(rc)
end

describe("sketches", function()
  it("hello renders its ripples at a small size and records the seed", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir .. " && cp sketches/hello/hello.lua " .. dir .. "/"))
    local out, rc = run(WICK .. " " .. dir .. "/hello.lua 64 3")
    assert.equal(0, rc, out)
    assert.matches("seed 3", out)
    local img = wick.image.load(dir .. "/out/ripples-seed3.png")
    assert.same({ 3, 64, 64 }, img:shape())
    assert.is_true(img:std():item() > 0.1)   -- a pattern, not a flat colour
    local f = assert(io.open(dir .. "/out/ripples-seed3.png", "rb"))
    local bytes = f:read("a")
    f:close()
    assert.truthy(bytes:find("Seed\0" .. "3", 1, true))
    os.execute("rm -rf " .. dir)
  end)
end)
