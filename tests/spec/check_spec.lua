-- check_spec.lua — wick._check, the argument checks every Lua-side function uses: one
-- wording per mistake, the public name first, raised at the caller's line.
local wick = require "wick"
local check, T = wick._check, wick.tensor

local function refuses(pattern, fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok, "expected an error matching " .. pattern)
  assert.matches("^check_spec%.lua:%d+: " .. pattern, tostring(err):match("[^/]*$"))
end

describe("wick._check", function()
  it("numbers: finite, within bounds, NaN shown as nan", function()
    assert.equal(0.5, check.number("f", "x", 0.5, 0, 1))
    refuses("f: x must be a number from 0 to 1, got 2", check.number, "f", "x", 2, 0, 1)
    refuses("f: x must be a finite number, got nan", check.number, "f", "x", 0 / 0)
    refuses("f: x must be a finite number, got inf", check.number, "f", "x", math.huge)
    refuses("f: x must be a finite number, got 'a'", check.number, "f", "x", "a")
    assert.equal(1e-9, check.positive("adam", "lr", 1e-9))
    refuses("adam: lr must be a finite number > 0, got 0", check.positive, "adam", "lr", 0)
    refuses("adam: lr must be a finite number > 0, got nan", check.positive, "adam", "lr", 0 / 0)
  end)

  it("integers: whole, within bounds, never beyond 2^53", function()
    assert.equal(3, check.integer("f", "n", 3.0, 1))
    assert.equal("integer", math.type(check.integer("f", "n", 3.0, 1)))
    refuses("f: n must be an integer >= 1, got 1.5", check.integer, "f", "n", 1.5, 1)
    refuses("f: n must be an integer from 1 to 4, got 5", check.integer, "f", "n", 5, 1, 4)
    refuses("f: n must be an integer >= 1, got 1.8014398509482e%+16", check.integer, "f", "n", 2 ^ 54, 1)
    refuses("f: n must be an integer, got table", check.integer, "f", "n", {})
  end)

  it("fractions, types, choices and tensors", function()
    assert.equal(0, check.fraction("lstm", "dropout", 0))
    refuses("lstm: dropout must be a number from 0 up to %(not including%) 1, got 1",
      check.fraction, "lstm", "dropout", 1)
    refuses("f: fn must be a function, got nil", check.type, "f", "fn", nil, "function")
    refuses("f: mode must be one of a, b, got 'c'", check.one_of, "f", "mode", "c", { "a", "b" })
    local t = T.zeros(2)
    assert.equal(t, check.tensor("f", "x", t))
    refuses("f: x must be a tensor, got 1", check.tensor, "f", "x", 1)
    t:free()
    refuses("f: attempt to use a freed tensor %(x%)", check.tensor, "f", "x", t)
  end)

  it("renamed options: new names, both names refused, opts untouched when none is old", function()
    local map = { old = "new" }
    local opts = { keep = 1 }
    assert.equal(opts, check.renamed("f", opts, map))
    assert.same({ new = 2, keep = 1 }, check.renamed("f", { old = 2, keep = 1 }, map))
    refuses("f: give new or its old name old, not both", check.renamed, "f", { old = 1, new = 2 }, map)
  end)

  it("a training callback's answer: false or \"stop\" stop, a stray string is refused", function()
    assert.is_true(check.wants_stop("f", false))
    assert.is_true(check.wants_stop("f", "stop"))
    assert.is_false(check.wants_stop("f", nil))
    assert.is_false(check.wants_stop("f", true))
    refuses('f: on_step returned "Stop"', check.wants_stop, "f", "Stop")
  end)
end)
