-- bundle.lua — one-file bundles of a sketch: the commands `wick pack`, `wick info`,
-- `wick unpack` and `wick x.wick` / `wick run x.wick`, on top of wick._bundle (bundle.c
-- and lib/store/bundle.c, which open, check and unpack a bundle in C) and wick._sql.
--
--   wick pack sketches/tsne [-o tsne.wick] [--run ID] [--force]
--   wick info tsne.wick [--code]      files, the code it will run (--code: all of it), args, seed, data
--   wick unpack tsne.wick [DIR] [--force]          the folder back (default ./<name>/)
--   wick tsne.wick [args]  (or wick run tsne.wick [args])     run it without retraining
--
-- A bundle is an SQLite file (application_id 0x5769636e, user_version 1) made from one
-- logged run of the sketch (the sketchbook's latest successful run, or --run ID): the
-- sketch folder's Lua files (kind "code"), the files the run wrote (kind "output") and
-- the files it read from inside its own folder (kind "model", weights it ships), the
-- run's arguments and seed (table meta), the cached steps the run made or reused
-- (table cache, through wick._cache.export), the run's rows of the run log (tables
-- log_runs, log_outputs, log_inputs, log_metrics), and a manifest of the data it read
-- from elsewhere (table inputs: path, size, hash, the path inside a wick data folder
-- when it was under one, and the package that provides it: `dpkg -S`, or `make data`).
--
-- Running a bundle checks it completely in C first, then every data file by hash (a
-- missing one is named with the package to install), hands its cached steps to
-- wick.cache (copied into the sketchbook marked as this bundle's, and served to its runs
-- only: a file someone sent must not change what the user's own sketches get from the
-- cache), unpacks its code into <sketchbook folder>/bundles/<id>/ (id: a hash of the code and
-- model files) and runs the entry script there with the stored arguments and seed, as a
-- run of the run log; the cached steps hit, so nothing is retrained.
local wick = ...
local B = wick._bundle

-- Command errors carry no position: they are about the command line, not a line of Lua.
-- They are raised as a Failure so the command can print them plainly ("wick: pack: …",
-- status 1) rather than with the traceback of an error in Lua; anything else is a bug
-- and keeps its traceback.
local Failure = { __tostring = function(e) return e.msg end }
local function fail(fmt, ...)
  error(setmetatable({ msg = select("#", ...) > 0 and fmt:format(...) or fmt }, Failure), 0)
end

-- A command as the host calls it: status 1 after printing a Failure.
local function command(fn)
  return function(args)
    local ok, res = pcall(fn, args)
    if ok then return res end
    if getmetatable(res) == Failure then
      io.stderr:write("wick: ", res.msg, "\n")
      return 1
    end
    error(res, 0)
  end
end

local function say(fmt, ...) io.stdout:write(fmt:format(...), "\n") end
local function warn(fmt, ...) io.stderr:write("wick: ", fmt:format(...), "\n") end

local size_str = wick._size_str   -- book.lua's, which runs first

-- Text from a bundle, made safe to print: control characters (a terminal escape in
-- someone else's file) shown as '?'.
local function printable(s) return (tostring(s):gsub("[%c\127]", function(c) return c == "\t" and "  " or "?" end)) end

local function dirname(p) return p:match("^(.*)/[^/]*$") or "." end
local function basename(p) return p:match("([^/]*)/*$") end

-- path relative to dir when it lies inside it, else nil
local function inside(dir, path)
  if path:sub(1, #dir + 1) == dir .. "/" then return path:sub(#dir + 2) end
end

local function read_all(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local s = f:read("a")
  f:close()
  return s
end

-- ---- arguments ------------------------------------------------------------------------

-- parse(cmd, args, spec, usage) -> {positional…, name = value}: spec maps an option's
-- name (without dashes) to "flag" or "value"; `--name=v` works too.
local function parse(cmd, args, spec, usage)
  local out, i = {}, 1
  while args[i] ~= nil do
    local a = args[i]
    local name, value = a:match("^%-%-?([%w][%w-]*)=(.*)$")
    name = name or a:match("^%-%-?([%w][%w-]*)$")
    if a == "-h" or a == "--help" then
      say("usage: wick %s", usage)
      out.help = true
    elseif name and not a:match("^%-%d") then
      local kind = spec[name]
      if not kind then fail("%s: unknown option '%s' (usage: wick %s)", cmd, a, usage) end
      if kind == "flag" then
        if value then fail("%s: %s takes no value", cmd, a:match("^[^=]*")) end
        out[name] = true
      else
        if not value then
          i = i + 1
          value = args[i]
          if value == nil then fail("%s: %s needs a value (usage: wick %s)", cmd, a, usage) end
        end
        out[name] = value
      end
    else
      out[#out + 1] = a
    end
    i = i + 1
  end
  return out
end

-- The argument list of a run as the run log stores it: a JSON array of strings (book.lua's
-- reader; book.lua runs first).
local json_strings = wick._json_string_list

-- A word as the shell reads it: left bare when it holds nothing special. sweep.lua quotes
-- its command lines with it too.
local function shell_quote(s)
  s = tostring(s)
  -- "{}" (GNU parallel's placeholder) is no brace expansion: it may stay bare too
  if s:gsub("{}", "x"):match("^[%w%-_./=,:@+%%]+$") then return s end
  return "'" .. s:gsub("'", "'\\''") .. "'"
end
wick._shell_quote = shell_quote

-- Words as a shell would need them typed.
local function shell_words(list)
  local out = {}
  for i, w in ipairs(list) do out[i] = shell_quote(w) end
  return table.concat(out, " ")
end

-- ---- opening ----------------------------------------------------------------------------

-- The checked bundle (lib/store/bundle.c), or an error "cmd: <why>".
local function open(cmd, path)
  if type(path) ~= "string" or path == "" then
    fail("%s: which bundle? (usage: wick %s FILE.wick%s)", cmd, cmd, cmd == "run" and " [args]" or "")
  end
  local ok, b = pcall(B.open, path)
  if not ok then fail("%s: %s", cmd, tostring(b):gsub("^[^:]*:%d+: ", "")) end
  return b
end

-- b:unpack with a C error (a link in the way, an existing file) as a Failure.
local function unpack_into(b, dir, opts)
  local ok, n = pcall(b.unpack, b, dir, opts)
  if not ok then fail("%s", tostring(n):gsub("^[^:]*:%d+: ", "")) end
  return n
end

-- Where a data file of the manifest is here: the same path inside one of this machine's
-- data folders (wick.data.dirs) when it came from a data folder, else its own path.
-- The data folders come first, in wick.data's order, as the sketch itself will look.
local function locate(input)
  if input.data then
    for _, d in ipairs(wick.data.dirs()) do
      local p = d .. "/" .. input.data
      local s = B.lstat(p)
      if s and s.kind ~= "folder" then return p end
    end
  end
  local st = B.lstat(input.path)
  if st and st.kind ~= "folder" then return input.path end
end

-- status of one manifest entry here: "ok" | "missing" | "differs", the path found, why,
-- and its hash here
local function data_status(input)
  local p = locate(input)
  if not p then return "missing" end
  local ok, hex, size = pcall(wick._hash.file, p)
  if not ok then return "missing", p, tostring(hex):gsub("^[^:]*:%d+: ", "") end
  if hex ~= input.hash then
    return "differs", p, ("%s here, %s when packed"):format(size_str(size), size_str(input.size)), hex
  end
  return "ok", p, nil, hex
end

local function install_hint(input)
  local pkg = input.package
  if not pkg then return "no package is known to provide it; copy it from the machine the bundle came from" end
  local deb = pkg:match("^Debian (%S+)$")
  if deb then return ("install the Debian package %s (apt install %s)"):format(deb, deb) end
  if pkg:match("^make data") then return ("run `make data` in wick's source folder (%s)"):format(pkg) end
  return "install " .. pkg
end

-- Every data file present with the hash it had, or one error naming each problem.
local function check_data(cmd, name, info)
  local problems = {}
  for _, input in ipairs(info.inputs) do
    local status, p, _, hex = data_status(input)
    if status == "missing" then
      problems[#problems + 1] = ("%s needs %s (%s), which is missing here; %s"):format(name, printable(input.path),
        size_str(input.size), install_hint(input))
    elseif status == "differs" then
      problems[#problems + 1] = ("%s differs from the file %s was made with (hash %s, expected %s); the results "
        .. "would not be the bundle's"):format(printable(p), name, hex, input.hash)
    end
  end
  if #problems > 0 then fail("%s: %s", cmd, table.concat(problems, "\n  ")) end
end

-- ---- pack -------------------------------------------------------------------------------

local function lua_files(dir)
  local out = {}
  local function walk(rel, depth)
    local full = rel == "" and dir or dir .. "/" .. rel
    for _, name in ipairs(wick.fs.list(full)) do
      local r = rel == "" and name or rel .. "/" .. name
      local st = B.lstat(dir .. "/" .. r)
      if name:sub(1, 1) ~= "." and st then
        if st.kind == "folder" and depth < 4 and not (rel == "" and name == "out") then
          walk(r, depth + 1)
        elseif st.kind == "file" and name:match("%.lua$") then
          out[#out + 1] = { path = r, st = st }
          if #out > 2000 then fail("pack: %s holds more than 2000 Lua files; is it a sketch's folder?", dir) end
        end
      end
    end
  end
  walk("", 0)
  return out
end

-- The package of each path that `dpkg -S` knows, as "Debian <name>".
local function debian_packages(paths)
  local found = {}
  if #paths == 0 then return found end
  local argv = { "dpkg", "-S" }
  for _, p in ipairs(paths) do argv[#argv + 1] = p end
  local ok, out = pcall(wick.fs.read_command, argv, { quiet = true })
  if not ok or type(out) ~= "string" then return found end
  for line in out:gmatch("[^\n]+") do
    local pkgs, path = line:match("^(.-): (/.*)$")
    if pkgs and not line:match("^diversion") then
      found[path] = "Debian " .. pkgs:match("^[^,]+"):gsub("%s", "")
    end
  end
  return found
end

-- A path inside one of the wick data folders: the part under it and what provides it.
local function data_folder_path(path)
  for _, d in ipairs(wick.data.dirs()) do
    local real = B.realpath(d)
    local rel = real and inside(real, path)
    if rel and B.check_path(rel) then
      local entry = wick.data._known and wick.data._known[rel:match("^[^/]+")]
      return rel, entry and entry.package and ("make data (" .. entry.package .. ")") or "make data"
    end
  end
end

local function table_columns(db, name)
  local cols = {}
  for _, r in ipairs(db:rows("SELECT name FROM pragma_table_info(?1) ORDER BY cid", name)) do
    cols[#cols + 1] = r.name
  end
  return cols
end

-- The run's rows of the run log, copied into log_<table> with the sketchbook's columns.
local function copy_log(book, dst, run_id)
  local n = 0
  for _, t in ipairs { { "runs", "id" }, { "outputs", "run" }, { "inputs", "run" }, { "metrics", "run" } } do
    local name, key = t[1], t[2]
    local cols = table_columns(book, name)
    if #cols > 0 then
      local quoted, marks = {}, {}
      for i, c in ipairs(cols) do quoted[i], marks[i] = '"' .. c:gsub('"', '""') .. '"', "?" .. i end
      local list = table.concat(quoted, ", ")
      dst:exec(("CREATE TABLE log_%s(%s)"):format(name, list))
      local insert = ("INSERT INTO log_%s(%s) VALUES (%s)"):format(name, list, table.concat(marks, ", "))
      for _, r in ipairs(book:rows(("SELECT %s FROM %s WHERE %s = ?1"):format(list, name, key), run_id)) do
        local values = {}
        for i, c in ipairs(cols) do values[i] = r[c] end
        dst:run(insert, table.unpack(values, 1, #cols))
        n = n + 1
      end
    end
  end
  return n
end

local RUN_SQL = "SELECT id, sketch, name, code_hash, args, seed, status, started, ended, host FROM runs "

local function find_run(db, o, dir, script)
  local run
  if o.run then
    local id = math.tointeger(tonumber(o.run))
    if not id then fail("pack: --run takes a run number, got '%s'", o.run) end
    run = db:row(RUN_SQL .. "WHERE id = ?1", id)
    if not run then fail("pack: the sketchbook has no run %d (wick runs lists them)", id) end
    if not (run.sketch and inside(dir, run.sketch)) then
      fail("pack: run %d is of %s, not of a script in %s", id, tostring(run.sketch), dir)
    end
    if run.status ~= "ok" then
      fail("pack: run %d ended with status '%s'; pack a run that finished", id, tostring(run.status))
    end
  elseif script then
    run = db:row(RUN_SQL .. "WHERE sketch = ?1 AND status = 'ok' ORDER BY id DESC LIMIT 1", script)
  else
    -- the folder's scripts by an exact prefix (LIKE ignores case: /Sk would pack /sk's run)
    run = db:row(RUN_SQL .. "WHERE substr(sketch, 1, length(?1)) = ?1 AND status = 'ok' ORDER BY id DESC LIMIT 1",
      dir .. "/")
  end
  if not run then
    fail("pack: the sketchbook (%s) has no successful run of %s; run it first, then pack", wick._book.path() or "?",
      script or dir)
  end
  return run
end

-- The files of the bundle: the folder's Lua code, the run's outputs, and what it read
-- from its own folder; everything else it read goes to the data manifest.
local function gather(db, run, dir)
  local files, seen, manifest = {}, {}, {}
  local function add(rel, kind, path, want_hash)
    if seen[rel] then return end
    local ok, why = B.check_path(rel)
    if not ok then warn("pack: %s not packed: %s", path, why) return end
    local data, err = read_all(path)
    if not data then warn("pack: %s not packed: %s", path, err) return end
    local hex = wick._hash.bytes(data)
    if want_hash and hex ~= want_hash then
      warn("pack: %s changed after run %d wrote it; not packed", path, run.id)
      return
    end
    local st = B.lstat(path)
    seen[rel] = true
    files[#files + 1] = { path = rel, kind = kind, mode = st and st.mode or 420, data = data, hash = hex,
      mtime = st and st.mtime or 0 }
  end
  for _, f in ipairs(lua_files(dir)) do
    add(f.path, "code", dir .. "/" .. f.path)
    if f.st.mtime > (run.started or 0) then
      warn("pack: %s changed after run %d; the bundle holds it as it is now", f.path, run.id)
    end
  end
  for _, o in ipairs(db:rows("SELECT path, size, hash FROM outputs WHERE run = ?1 ORDER BY path", run.id)) do
    local st = B.lstat(o.path)
    if not st or st.kind ~= "file" then
      warn("pack: %s (an output of run %d) is gone; not packed", o.path, run.id)
    else
      add(inside(dir, o.path) or ("out/" .. basename(o.path)), "output", o.path, o.hash)
    end
  end
  local debian = {}
  for _, i in ipairs(db:rows("SELECT path, size, mtime FROM inputs WHERE run = ?1 ORDER BY path", run.id)) do
    local rel, st = inside(dir, i.path), B.lstat(i.path)
    if rel then
      if not rel:match("%.lua$") then add(rel, "model", i.path) end
    elseif st and st.kind == "file" then
      if st.size ~= i.size or (i.mtime and math.abs(st.mtime - i.mtime) > 1e-3) then
        fail("pack: %s changed after run %d read it; run the sketch again, then pack", i.path, run.id)
      end
      local hex, size = wick._hash.file(i.path)
      local data, package = data_folder_path(i.path)
      manifest[#manifest + 1] = { path = i.path, data = data, package = package, size = size, hash = hex }
      if not package then debian[#debian + 1] = i.path end
    elseif not st then
      fail("pack: %s (read by run %d) is gone; the bundle could not say what data it needs", i.path, run.id)
    end
  end
  local pkgs = debian_packages(debian)
  for _, m in ipairs(manifest) do m.package = m.package or pkgs[m.path] end
  return files, manifest
end

local function pack(args)
  local usage = "pack SKETCH [-o FILE.wick] [--run ID] [--force]"
  local o = parse("pack", args, { o = "value", output = "value", run = "value", force = "flag" }, usage)
  if o.help then return 0 end
  if #o ~= 1 then fail("pack: which sketch? (usage: wick %s)", usage) end
  local real = B.realpath(o[1])
  if not real then fail("pack: cannot find '%s'", o[1]) end
  local st = B.lstat(real)
  local dir, script = real, nil
  if st.kind == "folder" then
    local own = real .. "/" .. basename(real) .. ".lua"
    if B.lstat(own) then script = own end
  else
    dir, script = dirname(real), real
  end
  local db = wick._book and wick._book.db and wick._book.db()
  if not db then fail("pack: the run log is off (WICK_BOOK=off); pack packs a logged run of the sketch") end
  local run = find_run(db, o, dir, script)
  local entry = inside(dir, run.sketch)
  if not B.lstat(run.sketch) then fail("pack: %s (the script of run %d) is gone", run.sketch, run.id) end

  local name = (run.name and run.name ~= "" and run.name or basename(dir)):gsub("[^%w%-_.]", "_")
  local target = o.o or o.output or (name .. ".wick")
  if not target:match("%.wick$") then fail("pack: the bundle's name must end in .wick, got '%s'", target) end
  if B.lstat(target) and not o.force then fail("pack: '%s' exists; pass --force to replace it", target) end

  local files, manifest = gather(db, run, dir)
  local tmp = ("%s/.%s.%s.tmp"):format(dirname(target), basename(target),
    wick._hash.bytes(tostring({}) .. os.time() .. os.clock()):sub(1, 12))
  local out = wick._sql.open(tmp, { create = true, app_id = B.app_id, version = B.version, schema = B.schema,
    what = "bundle" })
  local ok, cached, logged = pcall(function()
    out:transaction(function()
      local meta = { format = "wick bundle", wick_version = wick.version, name = name, entry = entry,
        args = run.args or "[]", seed = tostring(math.tointeger(run.seed) or run.seed or 0),
        created = os.date("!%Y-%m-%dT%H:%M:%SZ"), source_run = tostring(run.id), source_sketch = run.sketch,
        source_host = run.host, code_hash = run.code_hash }
      for k, v in pairs(meta) do out:run("INSERT INTO meta(key, value) VALUES (?1, ?2)", k, tostring(v)) end
      for _, f in ipairs(files) do
        out:run("INSERT INTO files(path, kind, mode, size, hash, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", f.path, f.kind,
          f.mode, #f.data, f.hash, wick._sql.blob(f.data))
      end
      for _, m in ipairs(manifest) do
        out:run("INSERT INTO inputs(path, data, package, size, hash) VALUES (?1, ?2, ?3, ?4, ?5)", m.path, m.data,
          m.package, m.size, m.hash)
      end
    end)
    local cached = wick._cache and wick._cache.export and wick._cache.export(out, run.id) or 0
    local logged
    out:transaction(function() logged = copy_log(db, out, run.id) end)
    out:close()
    local check = B.open(tmp)   -- what every reader will check, checked before it is final
    check:close()
    B.place(tmp, target, o.force)
    return cached, logged
  end)
  if out.is_open then pcall(out.close, out) end
  if not ok then
    os.remove(tmp)
    if getmetatable(cached) == Failure then error(cached, 0) end
    fail("pack: %s", tostring(cached):gsub("^[^:]*:%d+: ", ""))
  end
  local count = { code = 0, output = 0, model = 0 }
  for _, f in ipairs(files) do count[f.kind] = count[f.kind] + 1 end
  say("pack: run %d of %s -> %s (%s)", run.id, run.sketch, target, size_str(B.lstat(target).size))
  say("  %d code, %d output and %d model files; %d cached steps; %d rows of the run log; %d data files listed "
    .. "(not included)", count.code, count.output, count.model, cached, logged, #manifest)
  return 0
end

-- ---- info -------------------------------------------------------------------------------

-- The entry script's opening comment (its title and description), else its first lines.
local function code_preview(b, entry)
  local ok, src = pcall(b.read, b, entry)
  if not ok then return { "(cannot read: " .. tostring(src) .. ")" } end
  local head, first = {}, {}
  for line in (src .. "\n"):gmatch("([^\n]*)\n") do
    if #first < 12 then first[#first + 1] = line end
    local body = line:match("^%-%- ?(.*)$")
    if body and #head == #first - 1 then head[#head + 1] = body end
    if #first >= 12 and #head < #first then break end
  end
  local lines = #head > 0 and head or first
  for i = 1, #lines do lines[i] = printable(lines[i]) end
  return lines
end

-- Every code file in full (wick info --code): what will run, to read before it does.
local function show_code(b, t)
  for _, f in ipairs(t.files) do
    if f.kind == "code" then
      local ok, src = pcall(b.read, b, f.path)
      if not ok then fail("info: %s", tostring(src)) end
      if src:sub(-1) ~= "\n" then src = src .. "\n" end
      say("==> %s (%d lines, %s)", printable(f.path), select(2, src:gsub("\n", "")), size_str(f.size))
      local i = 0
      for line in src:gmatch("([^\n]*)\n") do
        i = i + 1
        say("%5d  %s", i, printable(line))
      end
    end
  end
end

local function info(args)
  local usage = "info FILE.wick [--code]"
  local o = parse("info", args, { code = "flag" }, usage)
  if o.help then return 0 end
  if #o ~= 1 then fail("info: which bundle? (usage: wick %s)", usage) end
  local b <close> = open("info", o[1])
  local t = b:info()
  local m, total = t.meta, 0
  for _, f in ipairs(t.files) do total = total + f.size end
  say("%s: a wick bundle (format %d) of '%s', made %s by wick %s from run %s%s", printable(o[1]), t.version,
    printable(m.name), printable(m.created), printable(m.wick_version), printable(m.source_run or "?"),
    m.source_host and " on " .. printable(m.source_host) or "")
  local argv = json_strings(m.args)
  say("runs:  %s with args %s, seed %s", printable(m.entry), argv and (#argv > 0 and printable(shell_words(argv))
    or "(none)") or printable(m.args), printable(m.seed))
  if o.code then
    show_code(b, t)
    return 0
  end
  say("code it runs (%s; wick info --code shows all of it):", printable(m.entry))
  for _, line in ipairs(code_preview(b, m.entry)) do say("  | %s", line) end
  say("files (%d, %s):", #t.files, size_str(total))
  for _, f in ipairs(t.files) do
    say("  %-6s %10s  %s%s", f.kind, size_str(f.size), printable(f.path), f.mode & 73 ~= 0 and " (executable)" or "")
  end
  say("cached steps: %d (%s), used instead of running those steps again", t.cache, size_str(t.cache_bytes))
  if #t.inputs == 0 then
    say("data it reads: none outside its folder")
  else
    say("data it reads (%d):", #t.inputs)
    for _, input in ipairs(t.inputs) do
      local status, p, why = data_status(input)
      local where = p and p ~= input.path and (" at " .. printable(p)) or ""
      say("  %-7s %10s  %s%s  [%s]", status, size_str(input.size), printable(input.path), where,
        printable(input.package or "package unknown"))
      if status == "missing" then say("          %s", install_hint(input))
      elseif why then say("          %s", printable(why)) end
    end
  end
  return 0
end

-- ---- unpack -----------------------------------------------------------------------------

local function unpack(args)
  local usage = "unpack FILE.wick [DIR] [--force]"
  local o = parse("unpack", args, { force = "flag" }, usage)
  if o.help then return 0 end
  if #o < 1 or #o > 2 then fail("unpack: which bundle? (usage: wick %s)", usage) end
  local b <close> = open("unpack", o[1])
  local t = b:info()
  local dir = o[2]
  if not dir then   -- ./<name>/, the name as a single safe folder name
    local name = t.meta.name
    if not (B.check_path(name) and not name:find("/")) then name = basename(o[1]):gsub("%.wick$", "") end
    if not (B.check_path(name) and not name:find("/")) then name = "bundle" end
    dir = name
  end
  local n = unpack_into(b, dir, { force = o.force })
  say("unpack: %d files of %s into %s/", n, o[1], dir)
  return 0
end

-- ---- run --------------------------------------------------------------------------------

-- The folder a bundle's code runs from: one per content (code and model files), under
-- the sketchbook's folder, so a second run of the same bundle reuses it.
local function run_folder(t)
  local h = wick._hash.new()
  for _, f in ipairs(t.files) do
    if f.kind ~= "output" then h:add(f.path, f.hash) end
  end
  local id = h:hex():sub(1, 16)
  local book = wick._book and wick._book.path and wick._book.path()
  local base
  if book then
    base = dirname(book) .. "/bundles"
  else   -- no sketchbook: a private folder of our own under the temporary folder
    base = B.private_dir((os.getenv("TMPDIR") or "/tmp") .. "/wick-bundles-")
  end
  return base .. "/" .. id, id
end

local function run(args)
  local file = args[1]
  if file == "-h" or file == "--help" then
    say("usage: wick FILE.wick [args]   (or wick run FILE.wick [args])")
    return 0
  end
  if type(file) == "string" and file:match("%.lua$") then
    fail("run: runs a bundle (FILE.wick); a script runs as: wick %s", file)
  end
  local b <close> = open("run", file)
  local t = b:info()
  local m = t.meta
  check_data("run", basename(file), t)
  local dir, id = run_folder(t)
  unpack_into(b, dir, { kinds = "code,model", force = true })
  local imported = 0
  if t.cache > 0 and wick._cache and wick._cache.import then
    local src = wick._sql.open(file, { untrusted = true, app_id = B.app_id, version = B.version, what = "bundle" })
    local ok, n, keep = pcall(wick._cache.import, src, id)
    if not keep then src:close() end   -- kept open: the steps read from it
    if not ok then fail("run: %s", tostring(n)) end
    imported = n
  end
  b:close()

  local argv = { table.unpack(args, 2) }
  if #argv == 0 then
    argv = json_strings(m.args)
    if not argv then fail("run: %s: its arguments are not a list of strings (%s)", file, printable(m.args)) end
  end
  local script = dir .. "/" .. m.entry
  io.stderr:write(("wick: %s: %s%s (seed %s, %d cached steps) in %s\n"):format(basename(file), m.entry,
    #argv > 0 and " " .. shell_words(argv) or "", m.seed, imported, dir))
  local chunk, err = loadfile(script)
  if not chunk then fail("run: %s", err) end
  local seed = math.tointeger(tonumber(m.seed))
  if seed and seed >= 0 then wick.seed(seed) end
  package.path = dir .. "/?.lua;" .. dir .. "/?/init.lua;" .. package.path
  local saved_arg = rawget(_G, "arg")
  local new_arg = { [0] = script }
  for i, a in ipairs(argv) do new_arg[i] = a end
  _G.arg = new_arg
  -- as the host does for a script: what image and audio writers record as "Sketch"
  local registry = debug.getregistry()
  local saved_script = registry["wick.script"]
  registry["wick.script"] = script
  local book = wick._book
  if book and book.begin then book.begin(script, argv) end
  local ok, res = xpcall(chunk, debug.traceback, table.unpack(argv))
  if book and book.finish then
    local status = ok and "ok" or tostring(res):find("interrupted!", 1, true) and "interrupted" or "error"
    book.finish(status, not ok and res or nil)
  end
  _G.arg, registry["wick.script"] = saved_arg, saved_script
  if not ok then
    io.stderr:write("wick: ", tostring(res), "\n")   -- the sketch's error, with its traceback
    return 1
  end
  return 0
end

wick._commands.pack = command(pack)
wick._commands.info = command(info)
wick._commands.unpack = command(unpack)
wick._commands.run = command(run)
