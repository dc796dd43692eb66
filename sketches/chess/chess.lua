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
-- Run:  wick sketches/chess/chess.lua [--full] [--seed N]
--       default: a 2×128 LSTM trained for 90 s, 24 games generated (about 2 minutes);
--       --full: 2×256, 3,000 steps, 200 games (about an hour on one core); for the
--       essay's scale make many more self-play games first (selfplay.lua --games 1000),
--       since the opening books (12k short lines) otherwise outweigh the 136 full games.
-- Writes out/corpus.txt, out/games-seed<seed>.txt (the games with their verdicts),
--        out/report-seed<seed>.txt (the summary) and out/chess-seed<seed>.safetensors.
-- The sources and the copy analysis are in chess_games.lua beside this file.
local wick = require "wick"
local text, chess = wick.text, wick.chess
if not chess then error("chess: this wick has no wick.chess module (bindings/games/chess.c is not registered)", 0) end

local kit = wick.sketch { seed = 7, positional = { "seed" } }   -- --full, --seed N, out/
local full, seed = kit.full, kit.seed
local G = require "chess_games"   -- beside this file
local cfg = full and { hidden = 256, embed = 64, steps = 3000, seconds = false, games = 200 }
  or { hidden = 128, embed = 48, steps = 3000, seconds = 90, games = 24 }

-- ---- the corpus: shuffled, so training sees openings and whole games mixed -----------
local games, sources = G.collect(kit.out)
kit:shuffle(games)
local corpus = G.corpus(games)
kit:write("corpus.txt", corpus)
print("chess: corpus from " .. table.concat(sources, ", "))
print(("chess: %d games, %d characters"):format(#games, #corpus))

-- ---- training ----------------------------------------------------------------------
local m = text.char_rnn { layers = 2, hidden = cfg.hidden, embed = cfg.embed }
print(("chess: training a 2×%d LSTM for %s"):format(cfg.hidden,
  cfg.seconds and ("%d s (at most %d steps)"):format(cfg.seconds, cfg.steps) or cfg.steps .. " steps"))
local losses = m:train(corpus, { steps = cfg.steps, seconds = cfg.seconds, seq = 64, batch = 32, lr = 3e-3,
  every = full and 500 or 100 })
local last = losses.valid[#losses.valid]
m:save(kit:path("chess-seed%d.safetensors", seed))

-- ---- generation and analysis -------------------------------------------------------
local longest_copy = G.copy_finder(games, corpus)
local rows, legal_games, sum_first, sum_len, sum_copy = {}, 0, 0, 0, 0
local log = { ("-- %d games written by a 2x%d LSTM (seed %d), checked by wick.chess\n"):format(
  cfg.games, cfg.hidden, seed) }
for n = 1, cfg.games do
  local s = m:sample { prime = "\n", length = 1500, temperature = 0.8, stop = "\n\n" }
  local plies = {}
  for tok in s:gmatch("%S+") do plies[#plies + 1] = tok end
  local r = chess.check_game(table.concat(plies, " "))
  local legal_to = r.first_illegal and r.first_illegal - 1 or #plies
  local copy, from = longest_copy(plies)
  if not r.first_illegal and #plies > 0 then legal_games = legal_games + 1 end
  sum_first, sum_len, sum_copy = sum_first + legal_to, sum_len + #plies, sum_copy + copy
  rows[#rows + 1] = { n = n, plies = #plies, legal = legal_to, copy = copy }
  log[#log + 1] = ("game %d: %d plies, %s, longest copied run %d plies%s\n%s\n"):format(n, #plies,
    r.first_illegal and ("first illegal move at ply %d (%s)"):format(r.first_illegal, r.reason) or "legal to the end",
    copy, from and " (" .. from .. ")" or "", (s:gsub("^\n+", ""):gsub("\n+$", "")))
end
kit:write(("games-seed%d.txt"):format(seed), table.concat(log, "\n"))

local report = {}
local function say(s) print(s); report[#report + 1] = s end
say(("chess report — seed %d, 2x%d LSTM, %d training games, validation loss %s nats/char"):format(
  seed, cfg.hidden, #games, last and ("%.3f"):format(last.nats) or "?"))
say(("%-6s %8s %16s %20s"):format("game", "plies", "legal plies", "longest copied run"))
for _, r in ipairs(rows) do say(("%-6d %8d %16d %20d"):format(r.n, r.plies, r.legal, r.copy)) end
local N = #rows
say(("mean game length %.1f plies; mean plies before the first illegal move %.1f; " ..
  "mean longest copied run %.1f plies"):format(sum_len / N, sum_first / N, sum_copy / N))
say(("fully legal games: %d of %d (%.0f%%)"):format(legal_games, N, 100 * legal_games / N))
kit:write(("report-seed%d.txt"):format(seed), table.concat(report, "\n") .. "\n")
