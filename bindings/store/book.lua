-- book.lua — the run log: every run of a script that requires "wick" is a row of the
-- sketchbook (one SQLite file per user: $WICK_BOOK, else
-- ${XDG_DATA_HOME:-~/.local/share}/wick/sketchbook.db; WICK_BOOK=off turns it off), with
-- the files it read and wrote and the metrics it logged. book.c writes the rows that come
-- often (metrics, inputs, outputs) through statements it keeps prepared; this file opens
-- the book, begins and ends runs, and answers questions about them.
--
--   wick.log{loss = 0.5, acc = 0.9 [, step = n]}   metrics of the current run
--   wick.runs([sketch | {sketch =, status =, limit =}])  runs, newest first
--   wick.run(id)          one run with .outputs, .inputs and .metrics (a summary)
--   wick.book()           the sketchbook itself, for SQL: wick.book():rows("select …")
--   wick runs [sketch] [--limit N] [--status S]   and   wick show RUN   (commands)
--
-- A run's row is written when it begins (status 'running') and again when it ends ('ok',
-- 'error' with the message, 'interrupted' for Ctrl-C). A run whose process was killed
-- stays 'running' in the file; the next time the book is opened on the same host, a
-- running row whose pid is gone (or now names a later process) becomes 'killed'. Each
-- write is one short transaction, so the file is consistent whenever a process dies.
--
-- Nothing here runs at require "wick" but a few definitions: the book is opened the first
-- time a run begins or something asks for it, so `wick -e ''` never touches SQLite.
local wick = ...
local book = wick._book   -- book.c's functions; this file adds the rest
local raise = wick._raise

local APP_ID, VERSION = 0x5769636b, 1   -- 'Wick'; the sketchbook's format
local SCHEMA = [[
CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY, sketch TEXT, name TEXT, code_hash TEXT,
  args TEXT, seed INTEGER, wick_version TEXT, cpu TEXT, blas TEXT, threads INTEGER, host TEXT,
  pid INTEGER, started REAL, ended REAL, status TEXT, error TEXT, sweep TEXT, cell TEXT);
CREATE INDEX IF NOT EXISTS runs_sketch ON runs(sketch);
CREATE INDEX IF NOT EXISTS runs_running ON runs(host) WHERE status = 'running';
CREATE TABLE IF NOT EXISTS outputs(run INTEGER, path TEXT, size INTEGER, hash TEXT, at REAL,
  UNIQUE(run, path));
CREATE TABLE IF NOT EXISTS inputs(run INTEGER, path TEXT, size INTEGER, mtime REAL,
  UNIQUE(run, path));
CREATE TABLE IF NOT EXISTS metrics(run INTEGER, step INTEGER, name TEXT, value REAL, at REAL);
CREATE INDEX IF NOT EXISTS metrics_run ON metrics(run, name, step);
]]

-- One state per process, kept in the registry: wick can be loaded again in the same
-- process (busted clears package.loaded between spec files; a sketch may too), and a
-- second load must find the open book and the current run, not begin another. (Opening
-- the file a second time would also be unsafe: closing any descriptor of an SQLite file
-- drops every POSIX lock the process holds on it, so another process could then delete
-- the WAL index under the open connection.) book.c's side is process-wide already.
local state = debug.getregistry()["wick.book.state"] or {
  db = nil,        -- the open sketchbook (wick._sql), once opened
  failed = nil,    -- why it could not be opened (not tried again)
  run = nil,       -- the current run: {id, script, dir, modules = {name -> file}}
  warned = false,  -- "not logging" said once
  loaded = false,  -- a first run was begun (or not) as wick loaded: only once
}
debug.getregistry()["wick.book.state"] = state

-- ---- the file -------------------------------------------------------------------------

-- Where the sketchbook is, or nil when WICK_BOOK=off (or there is no home to put it in).
function book.path()
  local env = os.getenv("WICK_BOOK")
  if env == "off" then return nil end
  if env and env ~= "" then return env end
  local data = os.getenv("XDG_DATA_HOME")
  if not data or data == "" then
    local home = os.getenv("HOME")
    if not home or home == "" then return nil end
    data = home .. "/.local/share"
  end
  return data .. "/wick/sketchbook.db"
end

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

-- Runs of this host left 'running' by a process that is gone become 'killed'; they end
-- when they last wrote something.
local function mark_killed(db)
  local rows = db:rows("SELECT id, pid, started FROM runs WHERE status = 'running' AND host = ?1", book.host())
  for _, r in ipairs(rows) do
    if not book.alive(r.pid or 0, r.started) then
      db:run([[UPDATE runs SET status = 'killed', error = ?2,
          ended = max(coalesce((SELECT max(at) FROM metrics WHERE run = ?1), started),
                      coalesce((SELECT max(at) FROM outputs WHERE run = ?1), started))
        WHERE id = ?1 AND status = 'running']],
        r.id, ("its process (pid %d) ended without finishing the run: killed, or the machine stopped")
          :format(r.pid or 0))
    end
  end
end

-- The open sketchbook (opened, and made, on first use), or nil when the book is off.
-- A file that is not a sketchbook raises wick._sql's message naming it.
function book.db()
  if state.db then return state.db end
  local path = book.path()
  if not path then return nil end
  if state.failed then raise(state.failed) end
  local ok, db = pcall(function()
    local opts = { create = true, app_id = APP_ID, version = VERSION, schema = SCHEMA, what = "sketchbook", wal = true }
    if not exists(path) then
      -- Made whole under another name, then put in place: two sketches started at once
      -- on a new machine (a sweep) must not see each other's half-written file.
      wick.fs.mkdir(path:match("^(.*)/[^/]*$") or ".")
      local tmp = ("%s.%d-%d.new"):format(path, book.pid(), math.floor(book.now() * 1e6) % 1000000)
      wick._sql.open(tmp, opts):close()
      book.place(tmp, path)
    end
    local db = wick._sql.open(path, opts)
    db:exec(SCHEMA)   -- a book made by an older wick, or by another part first, gets the tables
    mark_killed(db)
    book.attach(path)
    return db
  end)
  if not ok then
    state.failed = tostring(db):gsub("^[^\n]-:%d+: ", "")   -- said again at each use: no sketch line
    raise(state.failed)
  end
  state.db = db
  return db
end

-- The sketchbook for the commands and the REPL: an error when it is off or not made yet.
local function need_db(fname)
  local path = book.path()
  if not path then raise(fname .. ": the sketchbook is off (WICK_BOOK=off)") end
  if not state.db and not exists(path) then
    raise(("%s: no sketchbook yet at '%s' (a run is recorded when a script that requires \"wick\" runs)")
      :format(fname, path))
  end
  return book.db()
end

function wick.book() return need_db("book") end

-- ---- JSON for args --------------------------------------------------------------------

local ESC = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }

local function json_strings(list)
  local out = {}
  for i, s in ipairs(list) do
    out[i] = '"' .. tostring(s):gsub('[%c"\\]', function(c) return ESC[c] or ("\\u%04x"):format(c:byte()) end) .. '"'
  end
  return "[" .. table.concat(out, ",") .. "]"
end

local UNESC = { n = "\n", r = "\r", t = "\t", b = "\b", f = "\f", ["/"] = "/", ['"'] = '"', ["\\"] = "\\" }

-- The list json_strings wrote (only strings: the args of a script); nil for anything else,
-- a bad escape included. bundle.lua reads the run log's args with it too.
local function json_list(s)
  if type(s) ~= "string" or not s:match("^%s*%[") then return nil end
  local list, i = {}, s:find("%[") + 1
  while true do
    i = s:find("%S", i)
    if not i then return nil end
    local c = s:sub(i, i)
    if c == "]" then return list end
    if c == "," then
      i = i + 1
    elseif c == '"' then
      local parts, j = {}, i + 1
      while true do
        local k = s:find('["\\]', j)
        if not k then return nil end
        parts[#parts + 1] = s:sub(j, k - 1)
        if s:sub(k, k) == '"' then j = k + 1 break end
        local e = s:sub(k + 1, k + 1)
        if e == "u" then
          local cp = tonumber(s:sub(k + 2, k + 5), 16)
          if not cp then return nil end
          parts[#parts + 1] = utf8.char(cp)
          j = k + 6
        elseif UNESC[e] then
          parts[#parts + 1] = UNESC[e]
          j = k + 2
        else
          return nil
        end
      end
      list[#list + 1] = table.concat(parts)
      i = j
    else
      return nil
    end
  end
end
wick._json_string_list = json_list

-- ---- a run: begin, follow, end -------------------------------------------------------

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

-- The hash of the script and the modules it required from its own folder (by name).
local function code_hash(run)
  local code = read_file(run.script)
  if not code then return nil end
  local h = wick._hash.new()
  h:add(code)
  local names = {}
  for name in pairs(run.modules) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    h:add(name)
    h:add(read_file(run.modules[name]) or "")
  end
  return h:hex()
end

-- Every write about the current run (its runs row, its outputs); a failure (disk full, the file gone)
-- is said once and the sketch goes on: the log must never stop a picture.
local function update(sql, ...)
  local run = state.run
  if not run then return end
  local ok, err = pcall(state.db.run, state.db, sql, run.id, ...)
  if not ok and not run.warned then
    run.warned = true
    io.stderr:write(("wick: the run log could not record run %d: %s\n"):format(run.id, tostring(err)))
  end
end

-- package.searchers[2], Lua's file searcher, wrapped once: a module found in the running
-- script's folder (or below) joins the run's code hash.
local function follow_modules()
  if state.following or type(package.searchers) ~= "table" then return end
  local searcher = package.searchers[2]
  if type(searcher) ~= "function" then return end
  state.following = true
  package.searchers[2] = function(name, ...)
    local run = state.run
    if run and run.dir and type(name) == "string" and not run.modules[name] and type(package.path) == "string" then
      local file = package.searchpath(name, package.path)
      local real = file and book.realpath(file)
      if real and real:sub(1, #run.dir + 1) == run.dir .. "/" then
        run.modules[name] = real
        update("UPDATE runs SET code_hash = ?2 WHERE id = ?1", code_hash(run))
      end
    end
    return searcher(name, ...)
  end
end

-- os.exit ends the process without returning to the host: end the run first.
local function follow_exit()
  if state.exit then return end
  local exit = os.exit
  state.exit = exit
  os.exit = function(code, close)   -- luacheck: ignore 122 (the one global we wrap)
    if state.run then
      local ok = code == nil or code == true or code == 0
      book.finish(ok and "ok" or "error", not ok and ("os.exit(%s)"):format(tostring(code)) or nil)
    end
    return exit(code, close)
  end
end

-- book.begin(script, args): the host says a script's run begins (script: its path as
-- given, or "stdin" / "(command line)"; args: its arguments). Opens the book; a book
-- that cannot be opened is said once on stderr and the run goes unrecorded.
function book.begin(script, args)
  if state.run then book.finish("ok") end
  local ok, db = pcall(book.db)
  if not ok or not db then
    if not ok and not state.warned then
      state.warned = true
      io.stderr:write(("wick: not recording this run: %s (WICK_BOOK=off turns the log off)\n")
        :format((tostring(db):gsub("^[^\n]-:%d+: ", ""))))
    end
    return nil
  end
  local real = script and read_file(script) and book.realpath(script)
  local run = { script = real, dir = real and real:match("^(.*)/[^/]*$"), modules = {} }
  local threads = wick.threads()
  local row = {
    real or script or "?", (script or "?"):match("([^/]*)$"):gsub("%.lua$", ""), real and code_hash(run),
    json_strings(args or {}), wick.seed(), wick.version, book.cpu(), book.blas(), threads, book.host(),
    book.pid(), book.now(), os.getenv("WICK_SWEEP"), os.getenv("WICK_CELL"),
  }
  local inserted, id = pcall(function()
    local _, rowid = db:run([[INSERT INTO runs(sketch, name, code_hash, args, seed, wick_version, cpu,
        blas, threads, host, pid, started, status, sweep, cell)
      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'running', ?13, ?14)]], table.unpack(row, 1, 14))
    return rowid
  end)
  if not inserted then
    io.stderr:write(("wick: not recording this run: %s\n"):format(tostring(id)))
    return nil
  end
  run.id = id
  state.run = run
  book.start(id)
  follow_modules()
  follow_exit()
  return id
end

-- book.finish(status, message): the host says the run ended: "ok", "error" (message: the
-- error), "interrupted" (Ctrl-C, or a reload under --watch).
function book.finish(status, message)
  local run = state.run
  if not run then return end
  if message ~= nil then message = tostring(message) end
  book.flush()   -- the metrics still in memory (book.c) go first
  update("UPDATE runs SET status = ?2, error = ?3, ended = ?4, seed = ?5, threads = ?6 WHERE id = ?1",
    status, message, book.now(), wick.seed(), (wick.threads()))
  book.start(nil)
  state.run = nil
end

-- The current run's id, or nil (no run, or the book is off).
function book.run_id() return state.run and state.run.id end

-- book.moved(from, to): the current run's outputs written under the folder `from` were
-- moved into the folder `to` (wick.page writes a page beside its place and then moves it
-- in): the log names them where they are now. Both are absolute paths, links resolved.
function book.moved(from, to)
  if not (state.run and from and to) then return end
  from, to = from:gsub("/+$", "") .. "/", to:gsub("/+$", "") .. "/"
  update("UPDATE OR REPLACE outputs SET path = ?3 || substr(path, ?4) WHERE run = ?1 AND substr(path, 1, ?4 - 1) = ?2",
    from, to, #from + 1)
end

-- wick.seed(n) as before, and the run remembers the seed the sketch chose.
local c_seed = wick.seed
function wick.seed(n)
  if n ~= nil and type(n) ~= "number" then   -- said as wick.c says it, not as 'c_seed'
    raise(("seed: expected a non-negative integer, got %s"):format(wick._check.show(n)))
  end
  local s = c_seed(n)
  if n ~= nil and state.run then update("UPDATE runs SET seed = ?2 WHERE id = ?1", s) end
  return s
end

wick.log = book.log

-- The script's arguments: the global `arg` the host made (arg[1..n]).
local function script_args()
  local a = rawget(_G, "arg")
  local out = {}
  if type(a) == "table" then
    for i = 1, #a do out[i] = tostring(a[i]) end
  end
  return out
end

-- ---- questions ------------------------------------------------------------------------

local RUN_COLUMNS = "id, sketch, name, code_hash, args, seed, wick_version, cpu, blas, threads, host, pid, "
  .. "started, ended, status, error, sweep, cell"

local function decorate(r)
  r.args = json_list(r.args) or r.args
  if r.ended and r.started then r.duration = r.ended - r.started end
  return r
end

-- The WHERE clause for a sketch given as a name ("tsne"), a script's path or a folder.
local function sketch_filter(s, where, binds)
  local real = book.realpath(s)
  binds[#binds + 1] = s
  binds[#binds + 1] = real
  binds[#binds + 1] = real .. "/"
  local a, b, c = #binds - 2, #binds - 1, #binds
  -- a folder's scripts by an exact prefix: LIKE would also match /Home/... for /home/...
  where[#where + 1] = ("(name = ?%d OR sketch = ?%d OR substr(sketch, 1, length(?%d)) = ?%d)"):format(a, b, c, c)
end

-- wick.runs([filter]) -> runs, newest first. filter: a sketch (name, path or folder) or
-- {sketch =, status =, limit =}.
function wick.runs(filter)
  if type(filter) == "string" then filter = { sketch = filter } end
  filter = wick._options("runs", filter, { sketch = false, status = false, limit = false })
  local where, binds = {}, {}
  if filter.sketch then
    wick._check.type("runs", "sketch", filter.sketch, "string")
    sketch_filter(filter.sketch, where, binds)
  end
  if filter.status then
    wick._check.one_of("runs", "status", filter.status, { "running", "ok", "error", "interrupted", "killed" })
    binds[#binds + 1] = filter.status
    where[#where + 1] = ("status = ?%d"):format(#binds)
  end
  local limit = ""
  if filter.limit then limit = (" LIMIT %d"):format(wick._check.integer("runs", "limit", filter.limit, 1)) end
  local db = need_db("runs")
  local rows = db:rows(("SELECT %s FROM runs %s ORDER BY id DESC%s"):format(RUN_COLUMNS,
    #where > 0 and "WHERE " .. table.concat(where, " AND ") or "", limit), table.unpack(binds))
  for _, r in ipairs(rows) do decorate(r) end
  return rows
end

-- The metric summary of a run: name -> {first, last, min, max, count, step (the last)}.
local function metric_summary(db, id)
  book.flush()   -- this process's own latest metrics too
  local out = {}
  for _, m in ipairs(db:rows([[SELECT name, count(*) AS count, min(value) AS min, max(value) AS max, max(step) AS step,
      (SELECT value FROM metrics b WHERE b.run = a.run AND b.name = a.name ORDER BY step, rowid LIMIT 1) AS first,
      (SELECT value FROM metrics b WHERE b.run = a.run AND b.name = a.name
        ORDER BY step DESC, rowid DESC LIMIT 1) AS last
    FROM metrics a WHERE run = ?1 GROUP BY name ORDER BY name]], id)) do
    local name = m.name
    m.name = nil
    out[name] = m
  end
  return out
end

-- wick.run(id) -> the run, with .outputs {path, size, hash, at}, .inputs {path, size,
-- mtime} and .metrics (name -> {first, last, min, max, count, step}); nil when no such run.
function wick.run(id)
  wick._check.integer("run", "id", id, 1)
  local db = need_db("run")
  local r = db:row(("SELECT %s FROM runs WHERE id = ?1"):format(RUN_COLUMNS), id)
  if not r then return nil end
  decorate(r)
  r.outputs = db:rows("SELECT path, size, hash, at FROM outputs WHERE run = ?1 ORDER BY at, path", id)
  r.inputs = db:rows("SELECT path, size, mtime FROM inputs WHERE run = ?1 ORDER BY rowid", id)
  r.metrics = metric_summary(db, id)
  return r
end

-- ---- the commands -----------------------------------------------------------------------

local function duration(r)
  local s = r.duration
  if not s then
    if r.status ~= "running" then return "" end
    s = book.now() - r.started
  end
  if s < 60 then return ("%.1fs"):format(s) end
  if s < 3600 then return ("%dm%02ds"):format(s // 60, math.floor(s % 60)) end
  return ("%dh%02dm"):format(s // 3600, math.floor(s % 3600) // 60)
end

local function when(t, seconds)
  if not t then return "" end
  return os.date(seconds and "%Y-%m-%d %H:%M:%S" or "%Y-%m-%d %H:%M", math.floor(t))
end

-- A file's size as `wick show` and `wick pack` print it (binary units, named as such).
local function size_str(n)
  if not n then return "?" end
  if n < 1024 then return ("%d B"):format(n) end
  if n < 1024 ^ 2 then return ("%.1f KiB"):format(n / 1024) end
  if n < 1024 ^ 3 then return ("%.1f MiB"):format(n / 1024 ^ 2) end
  return ("%.2f GiB"):format(n / 1024 ^ 3)
end
wick._size_str = size_str

local function num(v)
  if v == nil then return "nan" end
  return ("%.4g"):format(v)
end

-- Print rows (lists of strings) as columns; right-aligns the columns flagged in right.
local function columns(rows, right)
  local w = {}
  for _, r in ipairs(rows) do
    for i, c in ipairs(r) do w[i] = math.max(w[i] or 0, utf8.len(c) or #c) end
  end
  for _, r in ipairs(rows) do
    local out = {}
    for i, c in ipairs(r) do
      local pad = (" "):rep(w[i] - (utf8.len(c) or #c))
      out[i] = right[i] and pad .. c or (i < #r and c .. pad or c)
    end
    print(table.concat(out, "  "))
  end
end

-- Parse a command's words: options (each taking a value) and the bare words.
local function parse(cmd, args, options)
  local o, bare, i = {}, {}, 1
  while i <= #args do
    local a = args[i]
    local key, value = a:match("^%-%-([%w%-]+)=(.*)$")
    key = key or a:match("^%-%-([%w%-]+)$")
    if key then
      if not options[key] then
        raise(("%s: unknown option '%s' (%s)"):format(cmd, a, options._usage))
      end
      if not value then
        i = i + 1
        value = args[i]
        if not value then raise(("%s: --%s needs a value"):format(cmd, key)) end
      end
      o[key] = value
    else
      bare[#bare + 1] = a
    end
    i = i + 1
  end
  return o, bare
end

local commands = wick._commands or {}
wick._commands = commands

-- A command's error is for a person at a shell: "wick: show: no run 42 …", without the
-- traceback the host would add to a Lua error. Returns the exit status.
local function command(fn)
  return function(args)
    local ok, status = pcall(fn, args)
    if ok then return status end
    io.stdout:flush()
    io.stderr:write("wick: ", tostring(status):gsub("^[^\n]-:%d+: ", ""), "\n")
    return 1
  end
end

-- wick runs [sketch] [--limit N] [--status S]
commands.runs = command(function(args)
  local usage = "usage: wick runs [sketch] [--limit N] [--status running|ok|error|interrupted|killed]"
  if args[1] == "--help" or args[1] == "-h" then print(usage) return 0 end
  local o, bare = parse("runs", args, { limit = true, status = true, _usage = usage })
  if #bare > 1 then raise(("runs: one sketch at a time, got '%s' and '%s' (%s)"):format(bare[1], bare[2], usage)) end
  local limit = o.limit and tonumber(o.limit)
  if o.limit and not (limit and limit >= 1 and limit == math.floor(limit)) then
    raise(("runs: --limit takes a whole number >= 1, got '%s'"):format(o.limit))
  end
  local runs = wick.runs { sketch = bare[1] or false, status = o.status or false, limit = math.tointeger(limit) or 20 }
  if #runs == 0 then
    local what = (bare[1] and " of " .. bare[1] or "") .. (o.status and (" that ended %s"):format(o.status) or "")
    print(("no runs%s in %s"):format(what, book.path()))
    return 0
  end
  local db = book.db()
  local rows = { { "id", "started", "time", "status", "sketch", "seed", "outputs", "last metrics" } }
  for _, r in ipairs(runs) do
    local outs = db:value("SELECT count(*) FROM outputs WHERE run = ?1", r.id)
    local last = {}
    local summary = metric_summary(db, r.id)
    local names = {}
    for name in pairs(summary) do names[#names + 1] = name end
    table.sort(names)
    for k, name in ipairs(names) do
      if k > 4 then last[#last + 1] = "…" break end
      last[#last + 1] = ("%s=%s"):format(name, num(summary[name].last))
    end
    if #names > 0 then last[#last + 1] = ("@%d"):format(math.tointeger(db:value(
      "SELECT max(step) FROM metrics WHERE run = ?1", r.id)) or 0) end
    local sketch = (r.name or "?") .. (r.cell and (" [%s]"):format(r.cell) or "")   -- a sweep's cell
    rows[#rows + 1] = { tostring(r.id), when(r.started), duration(r), r.status or "?", sketch,
      r.seed and tostring(math.tointeger(r.seed) or r.seed) or "", tostring(outs), table.concat(last, " ") }
  end
  columns(rows, { true, false, true, false, false, true, true, false })
  return 0
end)

-- wick show RUN (an id, or "last")
commands.show = command(function(args)
  local usage = "usage: wick show RUN [--all] (RUN: a run's id from `wick runs`, or last; --all: every file)"
  if args[1] == "--help" or args[1] == "-h" then print(usage) return 0 end
  local all = false
  if args[#args] == "--all" then all = true; args = { table.unpack(args, 1, #args - 1) } end
  if #args ~= 1 then
    raise(("show: %s"):format(#args == 0 and "which run? " .. usage or "one run at a time; " .. usage))
  end
  local db = need_db("show")
  local id = args[1] == "last" and db:value("SELECT max(id) FROM runs") or math.tointeger(tonumber(args[1]))
  if not id then
    raise(args[1] == "last" and ("show: no runs yet in '%s'"):format(book.path())
      or ("show: RUN is a run's id (a number from `wick runs`), got '%s'"):format(args[1]))
  end
  local r = wick.run(id)
  if not r then
    local lo, hi = db:value("SELECT min(id) FROM runs"), db:value("SELECT max(id) FROM runs")
    raise(("show: no run %d in '%s' (%s)"):format(id, book.path(),
      lo and ("its runs are %d to %d"):format(lo, hi) or "it holds no runs yet"))
  end
  print(("run %d: %s — %s%s"):format(r.id, r.name or "?", r.status or "?",
    r.error and r.status ~= "ok" and (": " .. r.error:match("^[^\n]*")) or ""))
  local args_text = type(r.args) == "table" and table.concat(r.args, " ") or tostring(r.args or "")
  local info = {
    { "sketch", ("%s%s"):format(r.sketch or "?", r.code_hash and ("  (code %s)"):format(r.code_hash) or "") },
    { "args", args_text },
    { "seed", r.seed and tostring(math.tointeger(r.seed) or r.seed) or "" },
    { "started", ("%s, %s %s"):format(when(r.started, true), r.ended and "ran" or "running for", duration(r)) },
    { "host", ("%s, pid %s"):format(r.host or "?", tostring(r.pid)) },
    { "wick", ("%s, %s threads"):format(r.wick_version or "?", tostring(r.threads)) },
    { "blas", r.blas or "" }, { "cpu", r.cpu or "" },
  }
  if r.sweep then info[#info + 1] = { "sweep", ("%s (%s)"):format(r.sweep, r.cell or "") } end
  if r.error then info[#info + 1] = { "error", (r.error:gsub("\n", "\n           ")) } end
  for _, kv in ipairs(info) do print(("  %-8s %s"):format(kv[1], kv[2])) end
  -- A run that wrote 2,000 frames or read 10,000 images lists the first of them (--all:
  -- every one); wick.run(id) has them all.
  local function listed(list, cap)
    local n = all and #list or math.min(#list, cap)
    local more = #list - n
    return n, more > 0 and ("  … and %d more (wick show %d --all)"):format(more, r.id) or nil
  end
  print(("outputs (%d):"):format(#r.outputs))
  local rows, n, more = {}, listed(r.outputs, 100)
  for i = 1, n do
    local o = r.outputs[i]
    local ok_hash, now_hash = pcall(wick._hash.file, o.path)
    local st = not (ok_hash and now_hash) and "missing" or (now_hash == o.hash and "same" or "changed since")
    rows[#rows + 1] = { "  " .. o.path, size_str(o.size), st }
  end
  columns(rows, { false, true, false })
  if more then print(more) end
  if #r.inputs > 0 then
    print(("inputs (%d):"):format(#r.inputs))
    rows, n, more = {}, listed(r.inputs, 20)
    for i = 1, n do rows[#rows + 1] = { "  " .. r.inputs[i].path, size_str(r.inputs[i].size) } end
    columns(rows, { false, true })
    if more then print(more) end
  end
  local names = {}
  for name in pairs(r.metrics) do names[#names + 1] = name end
  table.sort(names)
  if #names > 0 then
    print("metrics:")
    rows = { { "  name", "count", "first", "last", "min", "max", "last step" } }
    for _, name in ipairs(names) do
      local m = r.metrics[name]
      rows[#rows + 1] = { "  " .. name, tostring(m.count), num(m.first), num(m.last), num(m.min), num(m.max),
        tostring(math.tointeger(m.step) or m.step) }
    end
    columns(rows, { false, true, true, true, true, true, true })
  end
  return 0
end)

-- ---- the host's hooks (host/run.c) ----------------------------------------------------

-- The host ends every run of a script through run_end, and begins through run_start the
-- runs that find wick already loaded (--watch after the first, -l wick). The first run
-- of a script begins here, as it requires wick: the registry's "wick.script" names it.
-- -e code and the REPL have no script: no run.
do
  local reg = debug.getregistry()
  reg["wick.host_hooks"] = {
    run_start = function(path) book.begin(path, script_args()) end,
    run_end = function(kind, message) book.finish(kind, message) end,
  }
  local script = reg["wick.script"]
  if type(script) == "string" and not state.loaded then
    state.loaded = true
    -- the log must never keep wick from loading: a failure is said and the run goes on
    local ok, err = pcall(book.begin, script, script_args())
    if not ok then io.stderr:write(("wick: not recording this run: %s\n"):format(tostring(err))) end
  end
end
