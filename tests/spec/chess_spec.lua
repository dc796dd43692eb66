-- chess_spec.lua — wick.chess (boards over lib/games/chess.c) and wick.svg (librsvg
-- through dlopen): moves in SAN, play/undo-free legality, FEN, whole-game checks, the
-- real lichess games of npm chess.js when unpacked under WICK_DATA, and SVG rendering.
-- The move generator itself is proven by perft in tests/c/test_chess.c.
local wick = require "wick"
local helpers = require "spec_helpers"

-- An installed data file, opened, or nil (wick.data.find's search; the spec skips then).
local function data_file(rel)
  local ok, path = pcall(wick.data.find, rel)
  return ok and io.open(path) or nil
end

describe("wick.chess", function()
  local chess = wick.chess
  if not chess then
    it("is registered", function() print("\n  note: wick.chess is not registered in this build; skipping") end)
    return
  end

  it("lists the 20 opening moves in SAN", function()
    local b = chess.new()
    local moves = b:moves()
    assert.equal(20, #moves)
    local set = {}
    for _, m in ipairs(moves) do set[m] = true end
    assert.is_true(set.e4 and set.Nf3 and set.a3 and set.Nh3)
    assert.equal("white", b:turn())
  end)

  it("plays SAN and UCI, refuses illegal moves and keeps the board", function()
    local b = chess.new()
    assert.same({"e4", "e2e4"}, {b:play("e4")})
    assert.equal("e5", (b:play("e7e5")))
    local before = b:fen()
    local ok, why = b:play("Ke3")
    assert.is_nil(ok)
    assert.matches("illegal", why)
    assert.equal(before, b:fen())
    assert.is_nil((b:play("hello")))
    assert.equal("rnbqkbnr/pppp1ppp/8/4p3/4P3/8/PPPP1PPP/RNBQKBNR w KQkq e6 0 2", b:fen())
  end)

  it("knows mate and stalemate", function()
    local b = chess.new()
    for _, m in ipairs{"f3", "e5", "g4"} do assert.truthy(b:play(m)) end
    assert.equal("Qh4#", (b:play("Qh4")))
    assert.equal("checkmate", b:status())
    assert.is_true(b:in_check())
    assert.equal("stalemate", chess.new("7k/5Q2/6K1/8/8/8/8/8 b - - 0 1"):status())
  end)

  it("reads FEN and counts perft", function()
    local b = chess.new("r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq -")
    assert.equal(48, #b:moves())
    assert.equal(2039, b:perft(2))
    local c = b:copy()
    c:play("O-O")
    assert.equal(48, #b:moves())
    assert.has_error(function() chess.new("not a fen") end)
  end)

  it("checks whole games", function()
    local r = chess.check_game("1. e4 e5 2. Nf3 {book} Nc6 3. Bb5 a6 (3... Nf6) 1-0")
    assert.equal(6, r.plies)
    assert.is_nil(r.first_illegal)
    assert.equal("1-0", r.result)
    r = chess.check_game("1. e4 e5 2. Nf3 Nf3 3. d4")
    assert.equal(3, r.plies)
    assert.equal(4, r.first_illegal)
    assert.matches("Nf3", r.reason)
    assert.equal(0, chess.check_game("").plies)
  end)

  it("finds every lichess game of npm chess.js legal", function()
    local f = data_file("chess/benchmark.pgn")
    if not f then print("\n  note: chess.js games not unpacked under WICK_DATA (make data); skipping") return end
    local pgn = f:read("a")
    f:close()
    local games, legal = 0, 0
    for moves in pgn:gmatch("\n\n(1%..-)\n\n") do
      games = games + 1
      local r = chess.check_game(moves)
      if not r.first_illegal and r.result then legal = legal + 1 end
    end
    assert.is_true(games >= 90)
    assert.equal(games, legal)
  end)
end)

describe("wick.svg", function()
  local svg = wick.svg
  if not svg then
    it("is registered", function() print("\n  note: wick.svg is not registered in this build; skipping") end)
    return
  end
  local CIRCLE = [[<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 36 36">]] ..
    [[<circle cx="18" cy="18" r="12" fill="#ff0000"/></svg>]]

  it("renders to a 4×size×size RGBA tensor", function()
    local t = svg.render(CIRCLE, {size = 36})
    assert.same({4, 36, 36}, t:size())
    local centre = {t[1][18][18], t[2][18][18], t[3][18][18], t[4][18][18]}
    assert.same({1, 0, 0, 1}, centre)
    assert.equal(0, t[4][1][1])   -- the corner is transparent
    local big = svg.render(CIRCLE, {width = 72, height = 36})
    assert.same({4, 36, 72}, big:size())
  end)

  it("says whether SVG parses, with clear errors", function()
    assert.is_true(svg.parses(CIRCLE))
    local ok, why = svg.parses("<svg><path d='M0 0")
    assert.is_false(ok)
    assert.matches("XML", why)
    assert.has_error(function() svg.render("not svg at all") end, nil)
    local ok2, err = pcall(svg.render, "")
    assert.is_false(ok2)
    assert.matches("empty", err)
    assert.has_error(function() svg.render(CIRCLE, {size = 0}) end)
    assert.has_error(function() svg.render(CIRCLE, {colour = 1}) end)
  end)
end)

-- Issue 10: FENs and moves are text from anywhere; every bad one is a named error.
describe("wick.chess on bad input", function()
  local chess = wick.chess
  local no_growth = helpers.no_growth

  it("refuses boards no game reaches and names bad arguments", function()
    local ok, err = pcall(chess.new,
      "kQQQQQQQ/QQQQQQQQ/QQQQQQQQ/QQQQQQQQ/QQQQQQQQ/QQQQQQQQ/QQQQQQQQ/QQQQQQQK w - - 0 1")
    assert.is_false(ok)
    assert.matches("chess.new: chess: bad FEN .* white has 63 men", err)
    ok, err = pcall(chess.new, 42)
    assert.is_false(ok)
    assert.matches("chess.new: the FEN must be a string, got number", err)
    ok, err = pcall(function() return chess.new():perft(1.5) end)
    assert.is_false(ok)
    assert.matches("board:perft: depth must be an integer from 0 to 6, got 1.5", err)
    ok, err = pcall(function() return chess.new():play({}) end)
    assert.is_false(ok)
    assert.matches("board:play: the move must be a string, got table", err)
    ok, err = pcall(chess.check_game, nil)
    assert.is_false(ok)
    assert.matches("chess.check_game: the game's text must be a string, got nil", err)
  end)

  it("failing calls leak nothing (300 of each)", function()
    no_growth("chess.new with a bad FEN", function() return chess.new("rnbqkbnr/pppppppp/8/8 w") end)
    no_growth("board:perft out of range", function() return chess.new():perft(7) end)
    no_growth("chess.check_game with a bad FEN", function() return chess.check_game("1. e4", "x") end)
  end)
end)
