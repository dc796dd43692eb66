-- sketch.lua — wick.sketch, the kit a gallery sketch starts with, embedded in the binary.
-- Every sketch used to parse `--full` and a seed by hand, find its own folder, make
-- out/, shuffle with wick's generator and write its text files; the kit does those once,
-- the same way, so a sketch holds only what it shows.
--
--   local kit = wick.sketch { seed = 7, size = 512, frames = 1, positional = { "size", "seed" } }
--   -- wick hello.lua 256 3 --frames 24 --out /tmp/ripples   (or --seed 3, --full, --help)
--   image.save(img, kit:path("ripples-seed%d.png", kit.seed))   -- out/ripples-seed3.png
--   for t = 1, kit.frames do kit:frame(draw(t)) end             -- out/frame-0001.png, 0002 …
--   local helpers = require "helpers"                           -- helpers.lua beside the sketch
--
-- Options (from the global `arg`, or opts.arg): --full (kit.full = true), --seed N, --out
-- DIR, and one per parameter the sketch declares by giving its default: a number takes
-- `--name N`, a string `--name S`, a boolean is a flag (`--name`, `--no-name`); `--name=v`
-- works too, and `max_line` is spelled --max-line. `positional` lists the parameters that
-- bare arguments fill, in order. A value is kit.<name>; an unknown option, a number that
-- does not parse or one bare argument too many raises "sketch: …" naming what the sketch
-- takes. --help prints the sketch's opening comment and its options, and exits. (quiet =
-- true keeps the kit from printing: for specs.)
--
-- The kit then seeds wick's generator (opts.seed is the default; with none, the seed in
-- force — wick picks one per run — is kept) and prints "<name>: seed N" so a run can be
-- repeated; makes the output folder (kit.out: out/ beside the sketch, or --out); puts the
-- sketch's folder (kit.here) first on package.path, so a sketch's helpers live in a
-- module beside it.
--
--   kit:path(name, ...)        out/<name>, formatted with ... when given
--   kit:write(name, s)         write text to out/<name>, print where; returns the path
--   kit:frame(img)             save img as out/frame-0001.png, then 0002 … (Processing's
--                              saveFrame); returns the path
--   kit:frame_path()           the next frame's path without writing (plot.* take a path)
--   kit:frames_reset([prefix]) number from 0001 again, optionally as <prefix>-0001.png
--   kit:shuffle(list)          shuffle a Lua list in place with wick's seeded generator
local wick = ...
local check, raise = wick._check, wick._raise

local Kit = {}
Kit.__index = Kit
Kit.__name = "wick.sketch"

-- Option keys that configure the kit rather than declare a parameter.
local CONFIG = { positional = true, name = true, arg = true, quiet = true }

local function usage(kit, params)
  local names = { "--full", "--seed N", "--out DIR" }
  for _, k in ipairs(params) do
    local v, flag = kit[k], "--" .. k:gsub("_", "-")
    if type(v) == "boolean" then names[#names + 1] = flag
    else names[#names + 1] = flag .. (type(v) == "number" and " N" or " S") end
  end
  return table.concat(names, ", ")
end

-- The sketch's opening comment (its title and description), without the dashes.
local function header(path)
  local f = path and io.open(path, "r")
  if not f then return "" end
  local lines = {}
  for line in f:lines() do
    local body = line:match("^%-%- ?(.*)$")
    if not body then break end
    lines[#lines + 1] = body
  end
  f:close()
  return table.concat(lines, "\n")
end

-- A value from the command line, converted to the parameter's type.
local function convert(name, kind, s)
  if kind == "boolean" then return s ~= "false" and s ~= "0" and s ~= "no" end
  if kind == "number" then
    local v = tonumber(s)
    if not v then raise(("sketch: --%s takes a number, got '%s'"):format(name:gsub("_", "-"), s)) end
    return v
  end
  return s
end

function wick.sketch(opts)
  if opts ~= nil then check.type("sketch", "opts", opts, "table") else opts = {} end
  local argv = opts.arg or _G.arg or {}
  check.type("sketch", "arg", argv, "table")
  local script = argv[0]
  local here = type(script) == "string" and script:match("^(.*)/[^/]*$") or "."
  local name = opts.name or (type(script) == "string" and script:match("([^/]*)%.lua$")) or "sketch"
  local kit = setmetatable({ name = name, here = here, full = false, out = here .. "/out" }, Kit)
  local params, known = {}, { full = "boolean", seed = "number", out = "string" }
  for k, v in pairs(opts) do
    if not CONFIG[k] then
      if type(k) ~= "string" or not k:match("^[%a_][%w_]*$") then
        raise("sketch: a parameter's name must be a Lua name, got " .. check.show(k))
      end
      if Kit[k] or k == "here" or k == "name" then
        raise(("sketch: '%s' is the kit's own; choose another name"):format(k))
      end
      if not ({ number = true, string = true, boolean = true })[type(v)] then
        raise(("sketch: the default of %s must be a number, string or boolean, got %s"):format(k, type(v)))
      end
      kit[k] = v
      if not known[k] then params[#params + 1] = k; known[k] = type(v) end
    end
  end
  table.sort(params)
  local positional = opts.positional or {}
  check.type("sketch", "positional", positional, "table")
  for _, k in ipairs(positional) do
    if not known[k] then raise(("sketch: positional names '%s', which has no default"):format(tostring(k))) end
  end

  -- parse
  local i, bare = 1, 0
  while argv[i] ~= nil do
    local a = tostring(argv[i])
    local key, value = a:match("^%-%-([%w%-_]+)=(.*)$")
    key = key or a:match("^%-%-([%w%-_]+)$")
    if a == "--help" or a == "-h" then
      local h = header(script)
      print((h ~= "" and h .. "\n\n" or "") .. "options: " .. usage(kit, params))
      os.exit(0)
    elseif key then
      key = key:gsub("%-", "_")
      local negated = key:match("^no_(.+)$")
      if negated and known[negated] == "boolean" then
        if value then raise(("sketch: --%s takes no value"):format(a:match("^%-%-([^=]+)"))) end
        kit[negated] = false
      elseif known[key] == "boolean" then
        if value then raise(("sketch: --%s takes no value"):format(a:match("^%-%-([^=]+)"))) end
        kit[key] = true
      elseif known[key] then
        if not value then
          i = i + 1
          if argv[i] == nil then raise(("sketch: --%s needs a value"):format(key:gsub("_", "-"))) end
          value = tostring(argv[i])
        end
        kit[key] = convert(key, known[key], value)
      else
        raise(("sketch: unknown option '%s' (%s takes %s)"):format(a, name, usage(kit, params)))
      end
    else
      bare = bare + 1
      local k = positional[bare]
      if not k then
        raise(("sketch: unexpected argument '%s' (%s takes %s%s)"):format(a, name, usage(kit, params),
          #positional > 0 and ", then " .. table.concat(positional, ", ") or ""))
      end
      kit[k] = convert(k, known[k], a)
    end
    i = i + 1
  end

  if kit.seed ~= nil then
    check.integer("sketch", "seed", kit.seed, 0)
    wick.seed(kit.seed)
  end
  kit.seed = wick.seed()
  if not opts.quiet then print(("%s: seed %d%s"):format(name, kit.seed, kit.full and ", full scale" or "")) end
  kit.out = kit.out:gsub("(.)/+$", "%1")
  wick.fs.mkdir(kit.out)
  local entry = here .. "/?.lua;"
  if package.path:sub(1, #entry) ~= entry then package.path = entry .. package.path end
  kit._frame, kit._prefix, kit._quiet = 0, "frame", opts.quiet
  return kit
end

function Kit:path(name, ...)
  check.type("kit:path", "name", name, "string")
  if select("#", ...) > 0 then name = name:format(...) end
  return self.out .. "/" .. name
end

function Kit:write(name, s)
  check.type("kit:write", "text", s, "string")
  local path = self:path(name)
  local f, err = io.open(path, "w")
  if not f then raise("kit:write: " .. tostring(err)) end
  f:write(s)
  f:close()
  wick._book.output(path)   -- the run log's outputs (book.lua)
  if not self._quiet then print(("%s: wrote %s"):format(self.name, path)) end
  return path
end

function Kit:frame_path()
  self._frame = self._frame + 1
  return ("%s/%s-%04d.png"):format(self.out, self._prefix, self._frame)
end

function Kit:frame(img)
  check.tensor("kit:frame", "img", img)
  return wick.image.save(img, self:frame_path())
end

function Kit:frames_reset(prefix)
  if prefix ~= nil then
    check.type("kit:frames_reset", "prefix", prefix, "string")
    if not prefix:match("^[%w%-_]+$") then
      raise("kit:frames_reset: prefix must be letters, digits, - or _, got " .. check.show(prefix))
    end
    self._prefix = prefix
  end
  self._frame = 0
end

-- Fisher–Yates with wick's generator, so the same seed gives the same order.
function Kit:shuffle(list)   -- luacheck: ignore 212 (a method, for kit:shuffle's symmetry)
  check.type("kit:shuffle", "list", list, "table")
  local n = #list
  if n < 2 then return list end
  local u = wick.tensor.rand(n):table()
  for i = n, 2, -1 do
    local j = math.min(i, 1 + math.floor(u[i] * i))
    list[i], list[j] = list[j], list[i]
  end
  return list
end

function Kit:__tostring()
  return ("sketch %s (seed %d%s, out %s)"):format(self.name, self.seed, self.full and ", full" or "", self.out)
end
