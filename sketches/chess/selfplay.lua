-- selfplay.lua — make chess games by letting Debian's Stockfish play itself.
--
-- No bulk game collection ships in Debian or npm, so the chess sketch adds generated
-- games to the 100 real ones. Each game starts from a random line of the opening books
-- (pgn-extract's eco.pgn, Scid's scid.eco), then Stockfish plays both sides at
-- `go nodes 3000`; with a small chance in the first 20 plies a random legal move is
-- played instead, so games do not repeat. Moves are written in SAN, one game per
-- paragraph, to sketches/chess/out/selfplay-<seed>.pgn (generated data: not committed).
--
-- Needs: Debian stockfish (/usr/games/stockfish), pgn-extract, scid-data (`make data`).
-- Time: about 0.4 games/s; the default 36 games take 1–2 minutes.
--
--   wick sketches/chess/selfplay.lua [--games N] [--nodes N] [--seed N] [--max-plies N]
local wick = require "wick"
local chess = wick.chess

local kit = wick.sketch { games = 36, nodes = 3000, seed = 1, max_plies = 240 }   -- --games N, --nodes N, --seed N
local G = require "chess_games"   -- beside this file: the books, Stockfish over UCI, PGN
print(("selfplay: %d games at go nodes %d"):format(kit.games, kit.nodes))
local STOCKFISH = wick.data.find("stockfish")   -- raises, naming Debian's stockfish, when it is missing

-- A uniform integer in 1..n from wick's seeded generator.
local function below(n) return math.min(n, 1 + math.floor(wick.tensor.rand(1):item() * n)) end

local openings = G.openings()   -- one line of moves per eco.pgn game and scid.eco entry
print(("selfplay: %d opening lines"):format(#openings))
local sf = G.stockfish(STOCKFISH)

local out_path = kit:path("selfplay-%d.pgn", kit.seed)
local out = assert(io.open(out_path, "w"))
local t0, total_plies = wick.clock(), 0
for game = 1, kit.games do
  -- 1. A random opening line from the books, replayed on a fresh board.
  local board, sans = chess.new(), {}
  for tok in openings[below(#openings)]:gmatch("%S+") do
    local mv = tok:gsub("^%d+%.+", "")
    if mv ~= "" and mv ~= "*" then
      local san = board:play(mv)
      if not san then break end
      sans[#sans + 1] = san
    end
  end
  -- 2. Stockfish plays both sides from there (now and then, early on, a random legal move)
  -- until mate, stalemate, the fifty-move rule or max_plies.
  sf.new_game()
  local result = "1/2-1/2"
  while #sans < kit.max_plies do
    local status = board:status()
    if status == "checkmate" then result = board:turn() == "white" and "0-1" or "1-0"; break end
    if status == "stalemate" or board:fen():match(" (%d+) %d+$") + 0 >= 100 then break end
    local move
    if #sans < 20 and wick.tensor.rand(1):item() < 0.08 then
      local legal = board:moves()
      move = legal[below(#legal)]
    else
      move = sf.bestmove(board:fen(), kit.nodes)
    end
    local san = board:play(move)
    if not san then break end
    sans[#sans + 1] = san
  end
  -- 3. The game, in SAN, one paragraph of the PGN file.
  local event = ("wick selfplay %d/%d, seed %d, nodes %d"):format(game, kit.games, kit.seed, kit.nodes)
  out:write(G.pgn(event, sans, result))
  out:flush()
  total_plies = total_plies + #sans
  io.write(("\rselfplay: game %d/%d, %d plies, %.1f games/s   "):format(
    game, kit.games, #sans, game / (wick.clock() - t0)))
  io.flush()
end
print()
out:close()
sf.close()
print(("selfplay: wrote %d games (%d plies) to %s in %.0f s"):format(
  kit.games, total_plies, out_path, wick.clock() - t0))
