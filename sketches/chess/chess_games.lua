-- chess_games.lua — the chess sketches' game sources and analysis: real games and opening
-- lines read from npm chess.js (lichess games), Debian pgn-extract (eco.pgn) and scid-data
-- (scid.eco), and selfplay.lua's Stockfish games, each replayed by wick.chess into SAN
-- plies; the longest run of plies a generated game copies from one training game; and
-- selfplay.lua's tools: the opening lines, Stockfish over UCI, a game written as PGN.
local wick = require "wick"
local chess = wick.chess

local M = {}

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

-- The text of an installed data file (wick.data.find's name), or nil and the reason.
function M.read_data(name)
  local ok, path = pcall(wick.data.find, name)
  if not ok then return nil, path end
  return read(path)
end

-- Replay movetext on a board; returns the SAN list of its legal prefix (normalised:
-- check marks and annotations as the move generator writes them).
function M.replay(movetext)
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

-- The movetext of each game of a PGN file (paragraphs that start with "1.").
function M.pgn_movetexts(s)
  local list = {}
  for para in (s:gsub("\r", "") .. "\n\n"):gmatch("(.-)\n%s*\n") do
    if para:match("^%s*1%.") then list[#list + 1] = para end
  end
  return list
end

-- The movetext of each scid.eco entry ('code "name" moves *', possibly over several lines).
function M.scid_movetexts(s)
  local list, entry = {}, ""
  for line in s:gmatch("[^\n]*") do
    if not line:match("^#") then
      entry = entry .. " " .. line
      if line:match("%*%s*$") then
        local moves = entry:match('"[^"]*"%s*(.-)%*%s*$')
        if moves and moves:match("1%.") then list[#list + 1] = moves end
        entry = ""
      end
    end
  end
  return list
end

-- Every source that is installed, as {plies = {...}, source = name}; a note for each
-- missing one. out: the folder holding selfplay-*.pgn.
function M.collect(out)
  local games, sources = {}, {}
  local function add(name, movetexts)
    sources[#sources + 1] = ("%s: %d games"):format(name, #movetexts)
    for _, mt in ipairs(movetexts) do
      local g = M.replay(mt)
      if #g > 0 then games[#games + 1] = { plies = g, source = name } end
    end
  end
  local function from(name, data_name, split, hint)
    local s = M.read_data(data_name)
    if s then add(name, split(s)) else print("chess: note: " .. hint .. "; skipping " .. name) end
  end
  from("lichess (chess.js)", "chess/benchmark.pgn", M.pgn_movetexts, "no chess.js games (make data)")
  from("openings (pgn-extract eco.pgn)", "pgn-extract/eco.pgn", M.pgn_movetexts, "Debian pgn-extract is not installed")
  from("openings (scid-data scid.eco)", "scid/scid.eco", M.scid_movetexts, "Debian scid-data is not installed")
  local selfplay = {}
  for _, name in ipairs(wick.fs.list(out)) do
    if name:match("^selfplay%-.*%.pgn$") then
      local list = M.pgn_movetexts(read(out .. "/" .. name))
      table.move(list, 1, #list, #selfplay + 1, selfplay)
    end
  end
  if #selfplay > 0 then add("Stockfish self-play (out/selfplay-*.pgn)", selfplay)
  else print("chess: note: no self-play games yet; run `wick sketches/chess/selfplay.lua` for more real games") end
  if #games == 0 then error("chess: no games found; `make data` installs the sources", 0) end
  return games, sources
end

-- The essay's format: "e4 e5" a line, a blank line after each game.
function M.corpus(games)
  local lines = {}
  for _, game in ipairs(games) do
    local g = game.plies
    for i = 1, #g, 2 do lines[#lines + 1] = g[i] .. (g[i + 1] and " " .. g[i + 1] or "") end
    lines[#lines + 1] = ""
  end
  return table.concat(lines, "\n") .. "\n"
end

-- longest_copy(plies) -> n, source: the longest run of plies copied from one training
-- game. The games are indexed by 4-ply windows (each window's first 2,000 occurrences
-- are searched); shorter runs are looked up in the corpus text.
function M.copy_finder(games, corpus)
  local K, index = 4, {}
  for gi, g in ipairs(games) do
    for i = 1, #g.plies - K + 1 do
      local key = table.concat(g.plies, " ", i, i + K - 1)
      local list = index[key]
      if not list then list = {}; index[key] = list end
      if #list < 2000 then list[#list + 1] = gi * 65536 + i end
    end
  end
  return function(plies)
    local best, from = 0, nil
    for i = 1, #plies - K + 1 do
      for _, code in ipairs(index[table.concat(plies, " ", i, i + K - 1)] or {}) do
        local g, j = games[code // 65536].plies, code % 65536
        local n = K
        while plies[i + n] and g[j + n] == plies[i + n] do n = n + 1 end
        if n > best then best, from = n, games[code // 65536].source end
      end
    end
    if best == 0 then   -- shorter runs: any single ply seen in training counts as 1
      for k = K - 1, 1, -1 do
        for i = 1, #plies - k + 1 do
          if corpus:find(table.concat(plies, " ", i, i + k - 1), 1, true) then return k, "training text" end
        end
      end
    end
    return best, from
  end
end


-- ---- selfplay.lua's tools ----------------------------------------------------------------

-- Opening lines for selfplay: the movetext of every eco.pgn game and every scid.eco entry,
-- on one line each; raises when neither book is installed.
function M.openings()
  local openings = {}
  for _, book in ipairs { { "pgn-extract/eco.pgn", M.pgn_movetexts }, { "scid/scid.eco", M.scid_movetexts } } do
    local s = M.read_data(book[1])
    for _, mt in ipairs(s and book[2](s) or {}) do openings[#openings + 1] = mt:gsub("%s+", " ") end
  end
  if #openings == 0 then
    error("selfplay: no opening books found; `make data` installs pgn-extract and scid-data", 0)
  end
  return openings
end

-- Stockfish at path, spoken to over UCI through pipes (wick.fs.spawn: no shell involved),
-- on one thread with a small hash. sf:bestmove(fen, nodes) -> the UCI move; sf:close().
function M.stockfish(path)
  local proc = wick.fs.spawn({ path })
  local function wait_for(prefix)
    for line in proc:lines() do
      if line:sub(1, #prefix) == prefix then return line end
    end
    error("selfplay: stockfish stopped answering", 0)
  end
  proc:send("uci"); wait_for("uciok")
  proc:send("setoption name Threads value 1"); proc:send("setoption name Hash value 16")
  proc:send("isready"); wait_for("readyok")
  local sf = {}
  function sf.new_game() proc:send("ucinewgame") end
  function sf.bestmove(fen, nodes)
    proc:send("position fen " .. fen)
    proc:send("go nodes " .. nodes)
    return wait_for("bestmove"):match("^bestmove (%S+)")
  end
  function sf.close() proc:send("quit"); proc:close() end
  return sf
end

-- One game as PGN: the tags, then "1. e4 e5 2. …" and the result, wrapped near 72 columns.
function M.pgn(event, sans, result)
  local parts = {}
  for i, san in ipairs(sans) do
    if i % 2 == 1 then parts[#parts + 1] = ((i + 1) // 2) .. "." end
    parts[#parts + 1] = san
  end
  parts[#parts + 1] = result
  local moves = table.concat(parts, " "):gsub("(" .. ("[^\n]"):rep(72) .. "%S*) ", "%1\n")
  return ('[Event "%s"]\n[Result "%s"]\n\n%s\n\n'):format(event, result, moves)
end

return M
