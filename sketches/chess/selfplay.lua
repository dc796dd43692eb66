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

local args = wick.sketch { games = 36, nodes = 3000, seed = 1, max_plies = 240 }   -- --games N, --nodes N, --seed N
local G = require "chess_games"   -- beside this file
print(("selfplay: %d games at go nodes %d"):format(args.games, args.nodes))
local STOCKFISH = wick.data.find("stockfish")   -- raises, naming Debian's stockfish, when it is missing

-- A uniform integer in 1..n from wick's seeded generator.
local function below(n) return math.min(n, 1 + math.floor(wick.tensor.rand(1):item() * n)) end

-- Opening lines: movetext of every eco.pgn game and every scid.eco entry.
local openings = {}
for _, book in ipairs { { "pgn-extract/eco.pgn", G.pgn_movetexts }, { "scid/scid.eco", G.scid_movetexts } } do
  local s = G.read_data(book[1])
  for _, mt in ipairs(s and book[2](s) or {}) do openings[#openings + 1] = mt:gsub("%s+", " ") end
end
if #openings == 0 then error("selfplay: no opening books found; `make data` installs pgn-extract and scid-data", 0) end
print(("selfplay: %d opening lines"):format(#openings))

-- Stockfish over UCI, both ways, through pipes (wick.fs.spawn: no shell involved).
local sf = wick.fs.spawn({ STOCKFISH })
local function send(cmd) sf:send(cmd) end
local function wait_for(prefix)
  for line in sf:lines() do
    if line:sub(1, #prefix) == prefix then return line end
  end
  error("selfplay: stockfish stopped answering")
end
send("uci"); wait_for("uciok")
send("setoption name Threads value 1"); send("setoption name Hash value 16")
send("isready"); wait_for("readyok")

local out_path = args:path("selfplay-%d.pgn", args.seed)
local out = assert(io.open(out_path, "w"))
local t0, total_plies = wick.clock(), 0
for game = 1, args.games do
  local board, sans = chess.new(), {}
  for tok in openings[below(#openings)]:gmatch("%S+") do
    local mv = tok:gsub("^%d+%.+", "")
    if mv ~= "" and mv ~= "*" then
      local san = board:play(mv)
      if not san then break end
      sans[#sans + 1] = san
    end
  end
  send("ucinewgame")
  local result = "1/2-1/2"
  while #sans < args.max_plies do
    local status = board:status()
    if status == "checkmate" then result = board:turn() == "white" and "0-1" or "1-0"; break end
    if status == "stalemate" or board:fen():match(" (%d+) %d+$") + 0 >= 100 then break end
    local move
    if #sans < 20 and wick.tensor.rand(1):item() < 0.08 then
      local legal = board:moves()
      move = legal[below(#legal)]
    else
      send("position fen " .. board:fen())
      send("go nodes " .. args.nodes)
      move = wait_for("bestmove"):match("^bestmove (%S+)")
    end
    local san = board:play(move)
    if not san then break end
    sans[#sans + 1] = san
  end
  local parts = {}
  for i, san in ipairs(sans) do
    if i % 2 == 1 then parts[#parts + 1] = ((i + 1) // 2) .. "." end
    parts[#parts + 1] = san
  end
  parts[#parts + 1] = result
  out:write(('[Event "wick selfplay %d/%d, seed %d, nodes %d"]\n[Result "%s"]\n\n'):format(
    game, args.games, args.seed, args.nodes, result))
  out:write(table.concat(parts, " "):gsub("(" .. ("[^\n]"):rep(72) .. "%S*) ", "%1\n"), "\n\n")
  out:flush()
  total_plies = total_plies + #sans
  io.write(("\rselfplay: game %d/%d, %d plies, %.1f games/s   "):format(
    game, args.games, #sans, game / (wick.clock() - t0)))
  io.flush()
end
print()
out:close()
send("quit"); sf:close()
print(("selfplay: wrote %d games (%d plies) to %s in %.0f s"):format(
  args.games, total_plies, out_path, wick.clock() - t0))
