-- cache.lua — wick.cache(name, fn, ...): a sketch's expensive step (training a net, a
-- t-SNE layout, features of 10,000 images) run once and then reused while nothing it
-- depends on changed. Embedded in the binary; the C side (cache.c) snapshots the random
-- generator and moves tensors in and out of stored values.
--
--   local map = wick.cache("tsne 2-D", embed.tsne, x50, { dims = 2 })
--   local net, acc = wick.cache("train", function(n) local net = make_net(); …; return net, acc end, 12000)
--
-- The key is a hash of the step's name, fn's own code (string.dump without debug
-- information or line numbers, so moving lines does not matter), the values of fn's
-- upvalues (_ENV skipped; functions by their code and upvalues, recursively; wick's own
-- tables and functions and Lua's libraries by their name and wick's version; a sketch's
-- helper modules by their contents, so no path enters a key and a bundle unpacked
-- elsewhere finds the same entries), the arguments (tensors by shape and contents, tables
-- recursively, modules by their class, fields and parameters) and the state of wick's
-- random generator at the start. The generator's state after the step is stored with the
-- results and restored on a hit, so everything downstream draws the same numbers whether
-- the step ran or not. A step and its dependants therefore re-run when its code, its
-- inputs or the seed change: the dependants' inputs are its outputs. Globals are not
-- part of a key (they are read through _ENV): pass them, or make them locals. The files
-- the step read, through wick's loaders (cache.c hears of them) or Lua's io.open,
-- io.lines and io.input, are stored with the entry, and a hit needs each unchanged: the
-- same size and modification time, or else the same contents; a hit inside another step
-- passes its files on to that step's entry.
--
-- Results (any number) may be tensors, strings, numbers, booleans, nn modules (stored as
-- their class, fields and tensors; a class defined in the sketch is found again by its
-- kind) and tables of these; anything else raises naming the step. They live in two
-- layers: the session's memory (a hit there decodes nothing: `wick --watch` keeps it
-- warm) and the sketchbook's cache table (WICK_BOOK; `off` keeps only the memory).
-- Both are bounded (wick.cache_limit(bytes), WICK_CACHE_MAX; 2 GiB by default, and the
-- memory at most 1 GiB of it), the least recently used entries going first. A value
-- held in memory is hashed again before it is reused: a sketch that changed it in place
-- gets a fresh copy from the sketchbook, or the step runs again. A stored entry that
-- fails to decode, or decodes to other contents than were stored, is dropped with a
-- warning on stderr and the step runs again: never a wrong result.
--
-- wick._cache.read(path, reader, ...) is the session's memo of data files under
-- --watch (keyed on the file's path and contents hash). export copies the entries a run
-- used into a bundle (bundle.lua); import lets a bundle's entries serve the runs of that
-- bundle, and no other sketch.
local wick = ...
local T, check, raise = wick.tensor, wick._check, wick._raise
local C = wick._cache   -- cache.c: rng_state, rng_restore, tensor_bytes, tensor_read
local pack, unpack = string.pack, string.unpack

local MAGIC = "WKC1"
local SCHEMA = [[
CREATE TABLE IF NOT EXISTS cache(key TEXT PRIMARY KEY, name TEXT, sketch TEXT, size INTEGER, created REAL,
  used REAL, rng BLOB, value BLOB, files BLOB, origin TEXT);
CREATE INDEX IF NOT EXISTS cache_used ON cache(used);
CREATE TABLE IF NOT EXISTS cache_uses(run INTEGER, key TEXT, hit INTEGER);
CREATE INDEX IF NOT EXISTS cache_uses_run ON cache_uses(run);
]]
local GIB = 1024 ^ 3

-- ---- limits --------------------------------------------------------------------------------

local function env_limit()
  local s = os.getenv("WICK_CACHE_MAX")
  if s == nil or s == "" then return 2 * GIB end
  local n, unit = s:match("^%s*(%d+%.?%d*)%s*([KkMmGg]?)i?[Bb]?%s*$")
  if not n then
    raise(("cache: WICK_CACHE_MAX must be a size in bytes (or with K, M, G), got '%s'"):format(s))
  end
  local scale = ({ [""] = 1, k = 1024, m = 1024 ^ 2, g = GIB })[unit:lower()]
  return math.floor(tonumber(n) * scale)
end

local limit   -- bytes; read from the environment on first use

local function cache_limit()
  limit = limit or env_limit()
  return limit
end

local function memory_limit() return math.min(cache_limit(), GIB) end

-- ---- names: wick's and Lua's own ----------------------------------------------------------

-- Tables and functions of wick and of Lua's standard libraries count by their name (and
-- wick's version), not their contents: hashing all of wick for every step would be slow,
-- and they change only with wick. Everything else — a sketch's helper modules included —
-- counts by its contents (functions by their code), so a key does not depend on where
-- the sketch's files are: a bundle unpacked elsewhere finds the same entries.
local BY_NAME = { wick = true, string = true, table = true, math = true, io = true, os = true, coroutine = true,
  utf8 = true, debug = true }

local function sorted_string_keys(t)
  local keys = {}
  for k in pairs(t) do if type(k) == "string" then keys[#keys + 1] = k end end
  table.sort(keys)
  return keys
end

-- value -> {name = "wick.nn.linear", module = "wick"}: what those modules reach in three
-- steps, breadth-first over sorted keys so a value has the same name in every process,
-- plus the C functions among the globals (print, pairs…: a sketch's own global functions
-- are Lua functions and count by their code).
local function named_values()
  local map, queue, head = {}, {}, 1
  local loaded = package.loaded
  for _, mod in ipairs(sorted_string_keys(loaded)) do
    local v = loaded[mod]
    if BY_NAME[mod] and type(v) == "table" and not map[v] then
      map[v] = { name = mod, module = mod }
      queue[#queue + 1] = { v, mod, mod, 2 }
    end
  end
  for _, k in ipairs(sorted_string_keys(_G)) do
    local v = rawget(_G, k)
    if type(v) == "function" and not map[v] and debug.getinfo(v, "S").what == "C" then
      map[v] = { name = k, module = "_G" }
    end
  end
  while queue[head] do
    local t, name, mod, depth = table.unpack(queue[head])
    head = head + 1
    for _, k in ipairs(sorted_string_keys(t)) do
      local v = rawget(t, k)
      local tv = type(v)
      if (tv == "table" or tv == "function" or tv == "userdata") and not map[v] and v ~= _G and v ~= loaded then
        map[v] = { name = name .. "." .. k, module = mod }
        if tv == "table" and depth > 0 then queue[#queue + 1] = { v, name .. "." .. k, mod, depth - 1 } end
      end
    end
  end
  return map
end

local function module_identity(mod) return mod == "wick" and wick.version or "" end

-- A value of wick's found again from its name (a stored value may refer to wick's layer
-- classes and functions, and to nothing else: an entry from someone's bundle can name no
-- function of Lua's, os.execute, say, for a sketch to call).
local function resolve_name(name)
  if name ~= "wick" and name:sub(1, 5) ~= "wick." then return nil end
  local v = package.loaded.wick
  for part in name:sub(6):gmatch("[^.]+") do
    -- wick's internals (wick._commands, wick._sql …) are never a stored value's: a
    -- bundle's entry could otherwise hand a sketch a metatable whose __gc runs a command
    if type(v) ~= "table" or part:sub(1, 1) == "_" then return nil end
    v = rawget(v, part)
  end
  return v
end

-- Classes made with nn.module after wick loaded (a sketch's own layers), by kind, so a
-- stored module of such a class is rebuilt on it once the sketch has defined it again.
local classes = setmetatable({}, { __mode = "v" })
local make_class = wick.nn.module
function wick.nn.module(kind, base)
  local class = make_class(kind, base)
  if type(kind) == "string" then classes[kind] = class end
  return class
end

-- ---- hashing ----------------------------------------------------------------------------------

-- Is v the environment of a chunk (_G, or a --watch run's table reading through to _G)?
local function is_env(v)
  if v == _G then return true end
  local mt = type(v) == "table" and getmetatable(v)
  return type(mt) == "table" and rawget(mt, "__index") == _G
end

-- Sort keys so a table hashes the same in every process: numbers, then strings, then
-- booleans, then anything else by its own hash.
local KEY_RANK = { number = 1, string = 2, boolean = 3 }

local function key_less(a, b)
  local ra, rb = KEY_RANK[type(a.k)] or 4, KEY_RANK[type(b.k)] or 4
  if ra ~= rb then return ra < rb end
  if ra == 3 then return (a.k and 1 or 0) < (b.k and 1 or 0) end
  if ra == 4 then return a.sub < b.sub end
  return a.k < b.k
end

-- A hasher: h.value(v) adds v; h.hex() finishes. Small pieces are gathered and added in
-- one string; tensors go straight to the C hash. `names` is shared by the hashers of one
-- key (one pass over package.loaded).
local function new_hasher(names, step)
  local h, buf, n = wick._hash.new(), {}, 0
  local seen, count = {}, 0
  local self = {}
  local function put(s)
    n = n + 1
    buf[n] = s
    if n >= 512 then h:add(table.concat(buf, "", 1, n)); n = 0 end
  end
  local function flush()
    if n > 0 then h:add(table.concat(buf, "", 1, n)); n = 0 end
  end

  local value
  local function sub_hash(v)
    local s = new_hasher(names, step)
    s.value(v)
    return s.hex()
  end

  local function table_value(t)
    local nseq = rawlen(t)
    put(pack("<c1j", "{", nseq))
    for i = 1, nseq do value(rawget(t, i)) end
    local rest = {}
    for k, v in next, t do
      if not (math.type(k) == "integer" and k >= 1 and k <= nseq) then
        local e = { k = k, v = v }
        if not KEY_RANK[type(k)] then e.sub = sub_hash(k) end
        rest[#rest + 1] = e
      end
    end
    table.sort(rest, key_less)
    put(pack("<j", #rest))
    for _, e in ipairs(rest) do value(e.k); value(e.v) end
    put("}")
    local mt = getmetatable(t)
    if mt ~= nil then put("m"); value(mt) end
  end

  local function function_value(f)
    local info = debug.getinfo(f, "Su")
    if info.what == "C" then put("c?"); return end
    put(pack("<c1s4", "f", C.code(f)))
    for i = 1, info.nups do
      local name, v = debug.getupvalue(f, i)
      if name == "_ENV" or is_env(v) then put("e") else value(v) end
    end
  end

  function value(v)
    local tv = type(v)
    if tv == "nil" then put("z")
    elseif tv == "boolean" then put(v and "T" or "F")
    elseif tv == "number" then
      if math.type(v) == "integer" then put(pack("<c1j", "i", v)) else put(pack("<c1d", "d", v)) end
    elseif tv == "string" then put(pack("<c1s4", "s", v))
    elseif T.is_tensor(v) then
      if not pcall(v.dim, v) then raise(("cache: step '%s' depends on a freed tensor"):format(step)) end
      put("t")
      flush()
      h:add(v)
    elseif tv == "userdata" and not names[v] then
      -- A layer's scratch space holds nothing a result depends on; any other object
      -- (a word2vec model, a database) wick cannot see into, and hashing only its type
      -- could give a wrong hit.
      local mt = getmetatable(v)
      local kind = type(mt) == "table" and rawget(mt, "__name")
      if kind ~= "wick.Workspace" then
        raise(("cache: step '%s' depends on a %s, which cannot be hashed: pass the data it was made from, "
          .. "or make it inside the step"):format(step, kind or "userdata"))
      end
      put("u")
    elseif tv == "table" or tv == "function" or tv == "userdata" then
      if seen[v] then put(pack("<c1j", "r", seen[v])); return end
      count = count + 1
      seen[v] = count
      local named = names[v]
      if named then
        put(pack("<c1s4s4", "n", named.name, module_identity(named.module)))
      elseif tv == "table" then table_value(v)
      else function_value(v) end
    else
      put(pack("<c1s4", "?", tv))   -- a coroutine: its type only
    end
  end

  self.value = value
  function self.hex() flush(); return h:hex() end
  return self
end

-- ---- encoding stored values --------------------------------------------------------------------

-- Say where in the results a value sits: "result 1", "result 2.weights[3]".
local function where(path)
  return table.concat(path)
end

local function key_text(k)
  if type(k) == "string" and k:match("^[%a_][%w_]*$") then return "." .. k end
  return "[" .. tostring(k) .. "]"
end

-- The results of a step as one string: a description written with string.pack (tags
-- below) with each tensor's elements inline. A table seen twice is written once and
-- referred to ("r"); wick's own classes and functions are written by name ("n"), a
-- sketch's nn class by kind ("K"), any other metatable as a table.
local function encode(results, step, names)
  local parts, seen, count = {}, {}, 0
  local path = {}
  local function fail(what)
    raise(("cache: step '%s' returned %s at %s, which cannot be stored (results may be tensors, strings, "
      .. "numbers, booleans, nn modules and tables of these)"):format(step, what, where(path)))
  end
  local value
  local function named(v)
    local nm = names[v]
    if nm and nm.module == "wick" then parts[#parts + 1] = pack("<c1s4", "n", nm.name); return true end
    if type(v) == "table" and type(rawget(v, "kind")) == "string" and classes[rawget(v, "kind")] == v then
      parts[#parts + 1] = pack("<c1s4", "K", v.kind)
      return true
    end
    return false
  end
  function value(v)
    local tv = type(v)
    if tv == "nil" then parts[#parts + 1] = "z"
    elseif tv == "boolean" then parts[#parts + 1] = v and "T" or "F"
    elseif tv == "number" then
      parts[#parts + 1] = math.type(v) == "integer" and pack("<c1j", "i", v) or pack("<c1d", "d", v)
    elseif tv == "string" then parts[#parts + 1] = pack("<c1s4", "s", v)
    elseif T.is_tensor(v) then
      if not pcall(v.dim, v) then fail("a freed tensor") end
      local shape = v:shape()
      local leaf = v:tracks_grad() and v:is_leaf()
      parts[#parts + 1] = pack("<c1BB", "t", #shape, leaf and 1 or 0)
      for _, d in ipairs(shape) do parts[#parts + 1] = pack("<j", d) end
      parts[#parts + 1] = C.tensor_bytes(v)
    elseif tv == "userdata" then
      local mt = getmetatable(v)
      if type(mt) == "table" and rawget(mt, "__name") == "wick.Workspace" then
        parts[#parts + 1] = "w"   -- a layer's scratch space: a new, empty one
      else
        fail("a userdata (" .. tostring(type(mt) == "table" and rawget(mt, "__name") or "?") .. ")")
      end
    elseif tv == "table" then
      if seen[v] then parts[#parts + 1] = pack("<c1j", "r", seen[v]); return end
      if named(v) then return end
      count = count + 1
      seen[v] = count
      local entries = {}
      for k, x in next, v do entries[#entries + 1] = k; entries[#entries + 1] = x end
      parts[#parts + 1] = pack("<c1j", "{", #entries // 2)
      for i = 1, #entries, 2 do
        local k = entries[i]
        if type(k) == "table" or type(k) == "function" or type(k) == "userdata" then
          fail("a " .. type(k) .. " as a table key")
        end
        value(k)
        path[#path + 1] = key_text(k)
        value(entries[i + 1])
        path[#path] = nil
      end
      local mt = getmetatable(v)
      if mt == nil then parts[#parts + 1] = "-"
      else
        path[#path + 1] = " (its metatable)"
        if not named(mt) then
          if type(mt) ~= "table" then fail("a protected metatable") end
          value(mt)
        end
        path[#path] = nil
      end
    elseif tv == "function" then
      if not named(v) then fail("a function") end
    else
      fail("a " .. tv)
    end
  end
  parts[#parts + 1] = pack("<j", results.n)
  for i = 1, results.n do
    path[1] = "result " .. i
    value(results[i])
  end
  return table.concat(parts)
end

-- The results back from encode's string, read from s at pos; raises (a plain message)
-- when it is damaged.
local function decode(s, pos)
  local refs = {}
  local value
  local function take(fmt)
    local ok, a, b, c = pcall(unpack, fmt, s, pos)
    if not ok then error("truncated", 0) end
    if c then pos = c; return a, b end
    pos = b
    return a
  end
  function value()
    local tag = take("<c1")
    if tag == "z" then return nil
    elseif tag == "T" then return true
    elseif tag == "F" then return false
    elseif tag == "i" then return take("<j")
    elseif tag == "d" then return take("<d")
    elseif tag == "s" then return take("<s4")
    elseif tag == "t" then
      local ndim, leaf = take("<BB")
      local shape = {}
      for i = 1, ndim do shape[i] = take("<j") end
      local ok, t, after = pcall(C.tensor_read, s, pos, shape)
      if not ok then error("a tensor's shape or elements are damaged", 0) end
      pos = after
      if leaf == 1 then t:requires_grad() end
      return t
    elseif tag == "w" then return wick.nn._workspace()
    elseif tag == "r" then
      local t = refs[take("<j")]
      if t == nil then error("a reference to nothing", 0) end
      return t
    elseif tag == "n" then
      local name = take("<s4")
      local v = resolve_name(name)
      if v == nil then error(("'%s' is not wick's"):format(name), 0) end
      return v
    elseif tag == "K" then
      local kind = take("<s4")
      local class = classes[kind]
      if class == nil then error(("the layer class '%s' is not defined (yet)"):format(kind), 0) end
      return class
    elseif tag == "{" then
      local n = take("<j")
      local t = {}
      refs[#refs + 1] = t
      for _ = 1, n do
        local k = value()
        if k == nil then error("a nil key", 0) end
        rawset(t, k, value())
      end
      if s:sub(pos, pos) == "-" then pos = pos + 1
      else
        -- only a layer class may become a metatable (one with its kind), never a table
        -- of functions that a stored value picked from wick (its __gc, __index …)
        local mt = value()
        if type(mt) ~= "table" or type(rawget(mt, "kind")) ~= "string" then
          error("a metatable that is not a layer class", 0)
        end
        setmetatable(t, mt)   -- after the fields: a class's __newindex must not see them
      end
      return t
    end
    error(("unknown tag %q at byte %d"):format(tag, pos - 1), 0)
  end
  local n = take("<j")
  local results = { n = n }
  for i = 1, n do results[i] = value() end
  if pos ~= #s + 1 then error("bytes left over", 0) end
  return results
end

-- ---- the two layers ---------------------------------------------------------------------------

local memory = {}     -- key -> {results, vhash, rng, size, used, name}
local memory_bytes = 0
local clock = 0       -- a counter for least-recently-used order in memory
-- A bundle's entries serve only runs of that bundle, so a file someone sent cannot change
-- what the user's own sketches get from their cache: in the sketchbook they carry the
-- bundle's id (column origin; NULL: made here) and a lookup sees them only while that
-- bundle runs. With the sketchbook off they are read from the open bundles themselves.
-- refused: keys whose entry in a bundle failed to decode.
local origin = ""
local bundles, refused = {}, {}

local function bundle_row(key)
  if refused[key] then return nil end
  for _, src in ipairs(bundles) do
    local row = src:row("SELECT value, rng FROM cache WHERE key = ?1", key)
    if row then return row end
  end
end

local function warn(msg) io.stderr:write("wick: ", msg, "\n") end

local function forget(key)
  local e = memory[key]
  if e then memory_bytes = memory_bytes - e.size; memory[key] = nil end
end

local function remember(key, e)
  forget(key)
  if e.size > memory_limit() then return end
  clock = clock + 1
  e.used = clock
  memory[key] = e
  memory_bytes = memory_bytes + e.size
  while memory_bytes > memory_limit() do
    local oldest
    for k, x in pairs(memory) do
      if k ~= key and (not oldest or x.used < memory[oldest].used) then oldest = k end
    end
    if not oldest then break end
    forget(oldest)
  end
end

-- The sketchbook (helper A's wick._book), with the cache's tables; nil when off.
local prepared = setmetatable({}, { __mode = "k" })
-- A sketchbook that cannot be written (a read-only file) still serves the entries it
-- has; one without the cache's tables serves none (the memory does). A cache table made
-- before the files and origin columns existed gets them.
local function columns(db)
  local have = {}
  for _, c in ipairs(db:rows("PRAGMA table_info(cache)")) do have[c.name] = true end
  return have
end

local function prepare(db)
  db:exec(SCHEMA)
  local have = columns(db)
  for _, col in ipairs({ "files BLOB", "origin TEXT" }) do
    if not have[col:match("^%S+")] then db:exec("ALTER TABLE cache ADD COLUMN " .. col) end
  end
end

local function book()
  local db = wick._book and wick._book.db and wick._book.db()
  if db and prepared[db] == nil then
    local ok, err = pcall(prepare, db)
    if not ok then   -- read only: usable when its table is whole
      local fine, have = pcall(columns, db)
      ok = fine and have.key and have.files and have.origin or false
    end
    prepared[db] = ok
    if not ok then warn("cache: kept in memory only: " .. tostring(err)) end
  end
  return db and prepared[db] and db or nil
end

local function run_id() return wick._book and wick._book.run_id and wick._book.run_id() end

local function sketch_path()
  local s = type(_G.arg) == "table" and _G.arg[0]
  if type(s) ~= "string" then return nil end
  if s:sub(1, 1) ~= "/" then s = (os.getenv("PWD") or ".") .. "/" .. s end
  return s
end

-- Wall-clock seconds with milliseconds (SQLite's clock), never the same twice in a
-- session, so least-recently-used order holds even for steps a millisecond apart.
local last_now = 0
local function now(db)
  local t = db:value("SELECT (julianday('now') - 2440587.5) * 86400.0")
  if t <= last_now then t = last_now + 1e-3 end
  last_now = t
  return t
end

local function record_use(db, key, hit)
  local run = run_id()
  if db and run then db:run("INSERT INTO cache_uses(run, key, hit) VALUES (?1, ?2, ?3)", run, key, hit and 1 or 0) end
end

-- Keep the stored entries within the limit: least recently used first, never `keep`.
local function evict(db, keep)
  local total = db:value("SELECT COALESCE(SUM(size), 0) FROM cache") or 0
  if total <= cache_limit() then return end
  for _, row in ipairs(db:rows("SELECT key, size FROM cache WHERE key <> ?1 ORDER BY used", keep)) do
    db:run("DELETE FROM cache WHERE key = ?1", row.key)
    total = total - row.size
    if total <= cache_limit() then return end
  end
end

local function store(db, key, name, blob, rng, files)
  if #blob > cache_limit() then
    warn(("cache: step '%s' made %d bytes, more than the cache's limit (%d): not stored"):format(name, #blob,
      cache_limit()))
    return
  end
  local t = now(db)
  db:transaction(function()
    db:run("INSERT OR REPLACE INTO cache(key, name, sketch, size, created, used, rng, value, files) "
      .. "VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8)", key, name, sketch_path(), #blob, t,
      wick._sql.blob(rng), wick._sql.blob(blob), wick._sql.blob(files))
    evict(db, key)
  end)
end

-- ---- the files a step read -----------------------------------------------------------------------
-- Stored with the entry as (path, size, mtime, hash) records (string.pack); a hit needs
-- each file unchanged: the same size and time, or else the same contents.

local RECORD = "<s4i8ds4"

local function files_of(paths)
  local parts = {}
  for _, p in ipairs(paths) do
    local size, mtime = C.stamp(p)
    if size then   -- a file the step read and that is gone already is left out
      local ok, hex = pcall(wick._hash.file, p)   -- unreadable now: a hit needs the same size and time
      parts[#parts + 1] = pack(RECORD, p, size, mtime, ok and hex or "")
    end
  end
  return table.concat(parts)
end

-- for path, size, mtime, hash in each_file(files)
local function each_file(files)
  local pos = 1
  return function()
    if pos > #files then return nil end
    local p, size, mtime, hex
    p, size, mtime, hex, pos = unpack(RECORD, files, pos)
    return p, size, mtime, hex
  end
end

-- nil when all are unchanged, else the first that is not (a path); a list that does not
-- decode (a damaged sketchbook) counts as changed: the step runs again
local function changed_file(files)
  local ok, changed = pcall(function()
    for p, size, mtime, hex in each_file(files) do
      local now_size, now_mtime = C.stamp(p)
      if now_size ~= size then return p end
      if now_mtime ~= mtime then
        local read, now_hex = pcall(wick._hash.file, p)
        if not (read and now_hex == hex) then return p end
      end
    end
  end)
  if not ok then return "(its list of files is damaged)" end
  return changed
end

-- A hit stands for its step's reads: a step around it (or the run log) depends on them.
-- (Only lists that changed_file has read, or made in this session, come here.)
local function note_files(files)
  if not files then return end
  for p in each_file(files) do C.note_read(p) end
end

-- ---- plain Lua reads ---------------------------------------------------------------------------

-- A step may read a file with Lua's own io.open, io.lines or io.input instead of a wick
-- loader; those tell the observers too (this step's list of files, the run log's inputs)
-- once the file is open. wick's own modules (chunks named "=[wick …]") read their
-- bookkeeping files the same way and are left out.
local function sketch_read(mode)
  if mode ~= nil and not (type(mode) == "string" and mode:sub(1, 1) == "r") then return false end
  local caller = debug.getinfo(3, "S")   -- 1 this function, 2 the wrapper, 3 its caller
  return not (caller and caller.source:sub(1, 7) == "=[wick ")
end
local lua_io = { open = io.open, lines = io.lines, input = io.input }   -- called as fields: errors say 'open'
-- luacheck: push ignore 122 (wick's io functions replace Lua's, deliberately)
function io.open(path, mode, ...)
  local f, err, code = lua_io.open(path, mode, ...)
  if f and sketch_read(mode) then C.note_read(path) end
  return f, err, code
end
function io.lines(path, ...)
  local r = table.pack(lua_io.lines(path, ...))
  if path ~= nil and sketch_read() then C.note_read(path) end
  return table.unpack(r, 1, r.n)
end
function io.input(file)
  local f = lua_io.input(file)
  if type(file) == "string" and sketch_read() then C.note_read(file) end
  return f
end
-- luacheck: pop

-- ---- wick.cache --------------------------------------------------------------------------------

local function key_of(name, fn, rng, args)
  local names = named_values()
  local h = new_hasher(names, name)
  h.value("wick.cache 1")
  h.value(name)
  h.value(rng)
  h.value(fn)
  h.value(args)
  return h.hex(), names
end

local function hash_results(results, names, step)
  local h = new_hasher(names, step)
  h.value(results)
  return h.hex()
end

-- A stored value decoded and checked against the hash stored with it; nil and a reason.
local function open_value(blob, names, step)
  if type(blob) ~= "string" or #blob < #MAGIC + 32 then return nil, "it is truncated" end
  if blob:sub(1, #MAGIC) ~= MAGIC then return nil, "it is not a stored value" end
  local vhash = blob:sub(#MAGIC + 1, #MAGIC + 32)
  local ok, results = pcall(decode, blob, #MAGIC + 33)
  if not ok then return nil, tostring(results) end
  if hash_results(results, names, step) ~= vhash then return nil, "its contents differ from what was stored" end
  return results, vhash
end

local function hit(key, e, db)
  note_files(e.files)
  C.rng_restore(e.rng)
  if db then   -- bookkeeping only: a sketchbook that cannot take it does not stop the run
    pcall(function()
      db:run("UPDATE cache SET used = ?2 WHERE key = ?1", key, now(db))
      record_use(db, key, true)
    end)
  end
  return table.unpack(e.results, 1, e.results.n)
end

function wick.cache(name, fn, ...)
  check.type("cache", "name", name, "string")
  check.type("cache", "fn", fn, "function")
  local rng = C.rng_state()
  local args = table.pack(...)
  local key, names = key_of(name, fn, rng, args)
  local db = book()

  local e = memory[key]
  if e and e.files and changed_file(e.files) then forget(key); e = nil end
  if e then
    if hash_results(e.results, names, name) == e.vhash then
      clock = clock + 1
      e.used = clock
      return hit(key, e, db)
    end
    forget(key)   -- changed in place since: read it again, or run the step
  end
  local row = db and db:row("SELECT value, rng, files, origin FROM cache WHERE key = ?1 AND (origin IS NULL OR "
    .. "origin = ?2)", key, origin)
  -- only entries made here check their files: a bundle's data was checked by hash
  -- before it ran (bundle.lua), and its rows name another machine's paths
  local made_here = row ~= nil and row.origin == nil
  local from_bundle = not row
  row = row or bundle_row(key)
  if made_here and row.files and changed_file(row.files) then row = nil end
  if row then
    local results, vhash = open_value(row.value, names, name)
    if results then
      e = { results = results, vhash = vhash, rng = row.rng, size = #row.value, name = name,
        files = made_here and row.files or nil }
      remember(key, e)
      return hit(key, e, db)
    end
    warn(("cache: step '%s': the stored result is damaged (%s); running the step again"):format(name, vhash))
    if from_bundle then refused[key] = true
    elseif db then db:run("DELETE FROM cache WHERE key = ?1", key) end
  end

  -- the files the step reads (wick's loaders tell cache.c), ended also when it raises
  local mark, ended = C.reads_begin(), false
  local _ <close> = setmetatable({}, { __close = function() if not ended then C.reads_end(mark) end end })
  local results = table.pack(fn(...))
  ended = true
  local files = files_of(C.reads_end(mark))
  local after = C.rng_state()
  -- A step that changed what it depends on (trained a net it was given, filled a table
  -- of the sketch's) would not repeat that change on a hit: refuse it rather than store it.
  if key_of(name, fn, rng, args) ~= key then
    raise(("cache: step '%s' changed its own inputs while it ran (an argument, or a value its function uses); "
      .. "a cached step must make and return its results, since a hit would not repeat the change"):format(name))
  end
  local vhash = hash_results(results, names, name)
  local blob = MAGIC .. vhash .. encode(results, name, names)
  remember(key, { results = results, vhash = vhash, rng = after, size = #blob, name = name,
    files = #files > 0 and files or nil })
  if db then
    -- The results are good whatever happens to the file: a full disk or a damaged
    -- sketchbook costs the entry (said on stderr, naming the file), not the run.
    local ok, err = pcall(function()
      store(db, key, name, blob, after, files)
      record_use(db, key, false)
    end)
    if not ok then warn(("cache: step '%s' was not stored: %s"):format(name, tostring(err))) end
  end
  return table.unpack(results, 1, results.n)
end

-- wick.cache_limit([bytes]) -> bytes: the most the cache keeps (the sketchbook's entries;
-- the session's memory holds at most 1 GiB of it). Lowering it evicts at once.
function wick.cache_limit(bytes)
  if bytes ~= nil then
    limit = check.integer("cache_limit", "bytes", bytes, 0)
    local db = book()
    if db then evict(db, "") end
    remember("", { results = { n = 0 }, size = 0 })   -- trims memory to the new bound
    forget("")
  end
  return cache_limit()
end

-- ---- the session's data files ------------------------------------------------------------------

local files = {}   -- path -> {hash, tensor}

-- wick._cache.read(path, reader, ...) -> a tensor: reader(path, ...) (wick.data's IDX
-- reader), remembered for a --watch session under the file's path and contents hash, so a
-- re-run does not decode the data again. Each call gets its own copy (a sketch may change
-- it in place). Outside --watch it only calls reader.
function C.read(path, reader, ...)
  if not C.watching then return reader(path, ...) end
  local hex = wick._hash.file(path)
  local f = files[path]
  if not (f and f.hash == hex) then
    files[path] = nil
    f = { hash = hex, tensor = reader(path, ...) }
    files[path] = f
  else
    C.note_read(path)   -- read all the same, for a cached step around this and the run log
  end
  return f.tensor:clone()
end

-- ---- bundles ----------------------------------------------------------------------------------

local COLUMNS = "key, name, sketch, size, created, used, rng, value, files"

local function copy_rows(rows, dst)
  for _, r in ipairs(rows) do
    dst:run("INSERT OR REPLACE INTO cache(" .. COLUMNS .. ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", r.key,
      r.name, r.sketch, r.size, r.created, r.used, wick._sql.blob(r.rng), wick._sql.blob(r.value),
      r.files and wick._sql.blob(r.files))
  end
end

-- wick._cache.export(dst, run) -> n: copy the entries run `run` made or reused from the
-- sketchbook into dst (an open wick._sql database: the bundle), with their cache_uses rows.
function C.export(dst, run)
  check.integer("cache.export", "run", run, 1)
  local db = book()
  if not db then return 0 end
  dst:exec(SCHEMA)
  local rows = db:rows("SELECT " .. COLUMNS .. " FROM cache WHERE key IN (SELECT key FROM cache_uses WHERE run = ?1)",
    run)
  dst:transaction(function()
    copy_rows(rows, dst)
    for _, u in ipairs(db:rows("SELECT run, key, hit FROM cache_uses WHERE run = ?1", run)) do
      dst:run("INSERT INTO cache_uses(run, key, hit) VALUES (?1, ?2, ?3)", u.run, u.key, u.hit)
    end
  end)
  return #rows
end

-- wick._cache.import(src, id) -> n, keep: make the entries of src (an open wick._sql
-- database: the bundle with id `id`) available to wick.cache while this session runs that
-- bundle. They are copied into the sketchbook marked with id (an entry already there is
-- kept), or, with the sketchbook off, read from src as steps ask: keep is then true and
-- src must stay open.
function C.import(src, id)
  check.type("cache.import", "id", id, "string")
  local has = src:value("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'cache'")
  if has == 0 then return 0, false end
  origin = id
  local db = book()
  if not db then
    bundles[#bundles + 1] = src
    return src:value("SELECT count(*) FROM cache"), true
  end
  local rows = src:rows("SELECT " .. COLUMNS .. " FROM cache")
  db:transaction(function()
    for _, r in ipairs(rows) do
      if not db:value("SELECT 1 FROM cache WHERE key = ?1", r.key) then
        db:run("INSERT INTO cache(" .. COLUMNS .. ", origin) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", r.key,
          r.name, r.sketch, r.size, r.created, r.used, wick._sql.blob(r.rng), wick._sql.blob(r.value),
          r.files and wick._sql.blob(r.files), id)
      end
    end
  end)
  return #rows, false
end

-- For specs: forget the session's memory (as a new process would start).
function C.clear_memory()
  memory, memory_bytes, files = {}, 0, {}
end

-- For specs: forget the bundles imported this session (as a new process would start).
function C.clear_bundles()
  origin, bundles, refused = "", {}, {}
end

-- For specs: a value as stored, and back.
function C.encode(results, step) return MAGIC .. encode(results, step, named_values()) end
function C.decode(s)
  if s:sub(1, #MAGIC) ~= MAGIC then error("not a stored value", 0) end
  return decode(s, #MAGIC + 1)
end
