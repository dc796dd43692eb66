-- Chess games that write themselves — how long does a char-rnn stay legal? A
-- two-layer LSTM reads chess games as text, in the essay's format (one move pair a
-- line, "Na3 Nc6", a blank line between games), then writes games of its own. Each
-- generated game is checked by wick.chess, a small C move generator proven by perft
-- counts (tests/c/test_chess.c), for the essay's analysis: the longest run of moves
-- copied from one training game, the moves until the first illegal one, the game
-- length, and the share of games that are legal to the end.
--
-- Data: the 100 lichess games of npm chess.js@1.4.0 (benchmarks/benchmark.pgn, unpacked
--       by `make data` to $WICK_DATA/chess/), the opening books of Debian pgn-extract
--       (eco.pgn) and scid-data (scid.eco), and Stockfish self-play games from
--       selfplay.lua (run it first: `wick sketches/chess/selfplay.lua`; Debian stockfish;
--       they land in out/ and are not committed). Missing sources are skipped with a note.
-- Run:  wick sketches/chess/chess.lua [--full] [seed]
--       default: a 2×128 LSTM trained for 90 s, 24 games generated (about 2 minutes);
--       --full: 2×256, 3,000 steps, 200 games (about an hour on one core); for the
--       essay's scale make many more self-play games first (selfplay.lua --games 1000),
--       since the opening books (12k short lines) otherwise outweigh the 136 full games.
-- Writes out/corpus.txt, out/games-seed<seed>.txt (the games with their verdicts),
--        out/report-seed<seed>.txt (the summary) and out/chess-seed<seed>.safetensors.
local wick = require "wick"
local text, chess = wick.text, wick.chess
if not chess then error("chess: this wick has no wick.chess module (bindings/games/chess.c is not registered)", 0) end

local full = arg[1] == "--full"
local seed = wick.seed(tonumber(arg[full and 2 or 1]) or 7)
print(("chess: seed %d%s"):format(seed, full and ", full scale" or ""))
local here = arg[0]:match("^(.*)/[^/]*$") or "."
local out = here .. "/out"
wick.fs.mkdir(out)

local cfg = full and {hidden = 256, embed = 64, steps = 3000, seconds = false, games = 200}
  or {hidden = 128, embed = 48, steps = 3000, seconds = 90, games = 24}

-- ---- the corpus ----------------------------------------------------------------------

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function data_path(rel)
  local home = (os.getenv("HOME") or "") .. "/.local/share/wick"
  for _, d in ipairs {os.getenv("WICK_DATA") or "", "/usr/local/share/wick", home} do
    if d ~= "" and read(d .. "/" .. rel) then return d .. "/" .. rel end
  end
end

-- Replay movetext on a board; returns the SAN list of its legal prefix (normalised:
-- check marks and annotations as the move generator writes them).
local function replay(movetext)
  local b, plies = chess.new(), {}
  for tok in movetext:gsub("%b{}", " "):gsub("%b()", " "):gmatch("%S+") do
    local mv = tok:gsub("^%d+%.+", "")
    if mv == "1-0" or mv == "0-1" or mv == "1/2-1/2" or mv == "*" then break end
    if mv ~= "" and not mv:match("^%$") then
      local san = b:play(mv)
      if not san then break end
      plies[#plies + 1] = san
    end
  end
  return plies
end

local games, sources = {}, {}
local function add_games(name, list)
  sources[#sources + 1] = ("%s: %d games"):format(name, #list)
  for _, g in ipairs(list) do
    if #g > 0 then games[#games + 1] = {plies = g, source = name} end
  end
end

local function pgn_games(s)
  local list = {}
  for para in (s:gsub("\r", "") .. "\n\n"):gmatch("(.-)\n%s*\n") do
    if para:match("^%s*1%.") then list[#list + 1] = replay(para) end
  end
  return list
end

local lichess = data_path("chess/benchmark.pgn")
if lichess then add_games("lichess (chess.js)", pgn_games(read(lichess)))
else print("chess: note: no chess.js games in $WICK_DATA/chess/ (make data); skipping them") end

local eco = read("/usr/share/pgn-extract/eco.pgn")
if eco then add_games("openings (pgn-extract eco.pgn)", pgn_games(eco))
else print("chess: note: Debian pgn-extract is not installed; skipping eco.pgn") end

local scid = read("/usr/share/scid/data/scid.eco")
if scid then
  local list, entry = {}, ""
  for line in scid:gmatch("[^\n]*") do
    if not line:match("^#") then
      entry = entry .. " " .. line
      if line:match("%*%s*$") then
        local moves = entry:match('"[^"]*"%s*(.-)%*%s*$')
        if moves and moves:match("1%.") then list[#list + 1] = replay(moves) end
        entry = ""
      end
    end
  end
  add_games("openings (scid-data scid.eco)", list)
else
  print("chess: note: Debian scid-data is not installed; skipping scid.eco")
end

local selfplay = {}
for _, name in ipairs(wick.fs.list(out)) do
  if name:match("^selfplay%-.*%.pgn$") then
    for _, g in ipairs(pgn_games(read(out .. "/" .. name))) do selfplay[#selfplay + 1] = g end
  end
end
if #selfplay > 0 then add_games("Stockfish self-play (out/selfplay-*.pgn)", selfplay)
else print("chess: note: no self-play games yet; run `wick sketches/chess/selfplay.lua` for more real games") end
if #games == 0 then error("chess: no games found; `make data` installs the sources", 0) end

-- The essay's format: "e4 e5" a line, a blank line after each game. Shuffled, so
-- training sees openings and whole games mixed.
local order, u = {}, wick.tensor.rand(#games):table()
for i = 1, #games do order[i] = i end
for i = #games, 2, -1 do   -- Fisher–Yates with wick's generator
  local j = math.min(i, 1 + math.floor(u[i] * i))
  order[i], order[j] = order[j], order[i]
end
local lines = {}
for _, gi in ipairs(order) do
  local g = games[gi].plies
  for i = 1, #g, 2 do lines[#lines + 1] = g[i] .. (g[i + 1] and " " .. g[i + 1] or "") end
  lines[#lines + 1] = ""
end
local corpus = table.concat(lines, "\n") .. "\n"
local f = assert(io.open(out .. "/corpus.txt", "w"))
f:write(corpus)
f:close()
print("chess: corpus from " .. table.concat(sources, ", "))
print(("chess: %d games, %d characters -> out/corpus.txt"):format(#games, #corpus))

-- ---- training ----------------------------------------------------------------------

local m = text.char_rnn{layers = 2, hidden = cfg.hidden, embed = cfg.embed}
print(("chess: training a 2×%d LSTM for %s"):format(cfg.hidden,
  cfg.seconds and ("%d s (at most %d steps)"):format(cfg.seconds, cfg.steps) or cfg.steps .. " steps"))
local losses = m:train(corpus, {steps = cfg.steps, seconds = cfg.seconds, seq = 64, batch = 32, lr = 3e-3,
  every = full and 500 or 100})
local last = losses.valid[#losses.valid]
m:save(("%s/chess-seed%d.safetensors"):format(out, seed))

-- ---- generation and analysis -------------------------------------------------------

-- Index the training games by 4-ply windows, to find the longest run a generated game
-- copies from one training game (each window's first 2,000 occurrences are searched).
local K, index = 4, {}
for gi, g in ipairs(games) do
  for i = 1, #g.plies - K + 1 do
    local key = table.concat(g.plies, " ", i, i + K - 1)
    local list = index[key]
    if not list then list = {}; index[key] = list end
    if #list < 2000 then list[#list + 1] = gi * 65536 + i end
  end
end

local function longest_copy(plies)
  local best, from = 0, nil
  for i = 1, #plies - K + 1 do
    local list = index[table.concat(plies, " ", i, i + K - 1)]
    for _, code in ipairs(list or {}) do
      local g, j = games[code // 65536].plies, code % 65536
      local n = K
      while plies[i + n] and g[j + n] == plies[i + n] do n = n + 1 end
      if n > best then best, from = n, games[code // 65536].source end
    end
  end
  if best == 0 then   -- shorter runs: any single ply seen in training counts as 1
    for k = K - 1, 1, -1 do
      for i = 1, #plies - k + 1 do
        local want = table.concat(plies, " ", i, i + k - 1)
        if corpus:find(want, 1, true) then return k, "training text" end
      end
    end
  end
  return best, from
end

local rows, legal_games, sum_first, sum_len, sum_copy = {}, 0, 0, 0, 0
local report = {}
local function say(s) print(s); report[#report + 1] = s end
local gf = assert(io.open(("%s/games-seed%d.txt"):format(out, seed), "w"))
gf:write(("-- %d games written by a 2x%d LSTM (seed %d), checked by wick.chess\n\n"):format(
  cfg.games, cfg.hidden, seed))
for n = 1, cfg.games do
  local s = m:sample{prime = "\n", length = 1500, temperature = 0.8, stop = "\n\n"}
  local plies = {}
  for tok in s:gmatch("%S+") do plies[#plies + 1] = tok end
  local r = chess.check_game(table.concat(plies, " "))
  local legal_to = r.first_illegal and r.first_illegal - 1 or #plies
  local copy, from = longest_copy(plies)
  if not r.first_illegal and #plies > 0 then legal_games = legal_games + 1 end
  sum_first, sum_len, sum_copy = sum_first + legal_to, sum_len + #plies, sum_copy + copy
  rows[#rows + 1] = {n = n, plies = #plies, legal = legal_to, copy = copy}
  gf:write(("game %d: %d plies, %s, longest copied run %d plies%s\n"):format(n, #plies,
    r.first_illegal and ("first illegal move at ply %d (%s)"):format(r.first_illegal, r.reason) or "legal to the end",
    copy, from and " (" .. from .. ")" or ""))
  gf:write(s:gsub("^\n+", ""):gsub("\n+$", ""), "\n\n")
end
gf:close()

say(("chess report — seed %d, 2x%d LSTM, %d training games, validation loss %s nats/char"):format(
  seed, cfg.hidden, #games, last and ("%.3f"):format(last.nats) or "?"))
say(("%-6s %8s %16s %20s"):format("game", "plies", "legal plies", "longest copied run"))
for _, r in ipairs(rows) do say(("%-6d %8d %16d %20d"):format(r.n, r.plies, r.legal, r.copy)) end
local N = #rows
say(("mean game length %.1f plies; mean plies before the first illegal move %.1f; " ..
  "mean longest copied run %.1f plies"):format(sum_len / N, sum_first / N, sum_copy / N))
say(("fully legal games: %d of %d (%.0f%%)"):format(legal_games, N, 100 * legal_games / N))
f = assert(io.open(("%s/report-seed%d.txt"):format(out, seed), "w"))
f:write(table.concat(report, "\n"), "\n")
f:close()
print(("chess: wrote out/games-seed%d.txt and out/report-seed%d.txt"):format(seed, seed))
