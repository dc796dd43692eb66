-- install_spec.lua — make install: the binary, its manual page and the sketches land
-- under PREFIX, the installed wick runs an installed sketch, and the manual names every
-- option `wick --help` lists.
local helpers = require "spec_helpers"
local WICK, q = helpers.WICK, helpers.quote

describe("make install", function()
  local prefix
  setup(function()
    prefix = helpers.tmpdir() .. "/usr"
    -- -o: use the wick under test as it is (never rebuild it here)
    local out, rc = helpers.run(("make --no-print-directory -o %s install WICK=%s PREFIX=%s"):format(q(WICK), q(WICK),
      q(prefix)))
    assert.equal(0, rc, out)
  end)
  teardown(function() helpers.remove_tree(prefix:match("^(.*)/usr$")) end)

  it("puts the binary, the manual and the sketches under PREFIX", function()
    local out, rc = helpers.run(q(prefix .. "/bin/wick") .. " -v")
    assert.equal(0, rc, out)
    assert.matches("^wick %d+%.%d+%.%d+", out)
    assert.matches("^%.\\\" wick%.1", helpers.read_file(prefix .. "/share/man/man1/wick.1"))
    assert.truthy(helpers.read_file(prefix .. "/share/wick/sketches/hello/hello.lua"):find("require \"wick\"", 1, true))
    assert.is_nil(io.open(prefix .. "/share/wick/sketches/hello/out"), "no out/ folders are installed")
  end)

  it("runs an installed sketch", function()
    local sketch = prefix .. "/share/wick/sketches/hello/hello.lua"
    local out, rc = helpers.run(q(prefix .. "/bin/wick") .. " " .. q(sketch) .. " 32 5")
    assert.equal(0, rc, out)
    assert.same({ 3, 32, 32 }, require("wick").image.load(prefix .. "/share/wick/sketches/hello/out/ripples-seed5.png")
      :shape())
  end)

  it("documents every option the usage lists", function()
    local usage, rc = helpers.run(q(WICK) .. " --help")
    assert.equal(0, rc, usage)
    local man = helpers.read_file("host/wick.1"):gsub("\\%-", "-"):gsub("\\f[BIRP]", "")
    local n = 0
    for opt in usage:gmatch("\n%s+(%-%-?%a+)") do
      n = n + 1
      assert.truthy(man:find(opt, 1, true), "wick.1 does not mention " .. opt)
    end
    assert.is_true(n >= 8, "usage lists too few options: " .. usage)
  end)
end)
