-- make_analogies.lua — an analogy question set in word2vec's questions-words format
-- (": section" lines, then "a b c d" lines meaning a is to b as c is to d), built from
-- data that Debian and npm ship, because no package ships questions-words.txt itself.
--
--   wick sketches/word2vec/make_analogies.lua [out.txt]   (default: out/analogies.txt beside this file)
--
-- Sections (pairs of single lowercase words only; the "gram" ones count as syntactic):
--   capital-world               country : capital        npm countries-list@3.4.1 countries.min.json
--   currency                    country : currency word  countries-list currencies.min.json (last word of
--                                                        the name; only currencies of one country)
--   gram2-opposite              adjective : antonym      Debian wordnet-base data.adj ("!" pointers)
--   gram3-comparative           adjective : comparative  wordnet-base adj.exc (forms ending in "er")
--   gram6-nationality-adjective country : demonym        npm world-countries@5.1.0 countries.json (demonyms.eng.m)
--   gram7-past-tense            verb : past tense        wordnet-base verb.exc (irregular forms: not "-ing",
--                                                        not "-s"; the shortest when there are several)
--   gram8-plural                noun : plural            wordnet-base noun.exc (irregular plurals)
-- Each pair is asked with the next k pairs of its section (cyclically), k = 3000 // n kept
-- within 2..20, so a section of n pairs gives about 3,000 questions (n·k), in a fixed
-- order (no randomness).
-- npm data is looked up under $WICK_DATA, /usr/local/share/wick and ~/.local/share/wick;
-- `make data` installs all of it. Takes about a second.
local PER_SECTION, MIN_PARTNERS, MAX_PARTNERS = 3000, 2, 20

local here = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
local out_path = ... or (here .. "/out/analogies.txt")   -- the first argument

-- ---- finding and reading the data ------------------------------------------------------
local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function data_file(rel, package)
  local home = (os.getenv("HOME") or "") .. "/.local/share/wick"
  local dirs = { os.getenv("WICK_DATA") or "", "/usr/local/share/wick", home }
  local tried = {}
  for _, d in ipairs(dirs) do
    if d ~= "" then
      local s = read(d .. "/" .. rel)
      if s then return s end
      tried[#tried + 1] = d .. "/" .. rel
    end
  end
  error(("make_analogies: %s not found (looked in %s); `make data` installs %s")
    :format(rel, table.concat(tried, ", "), package), 0)
end

local function wordnet(name)
  local s = read("/usr/share/wordnet/" .. name)
  if not s then
    error("make_analogies: /usr/share/wordnet/" .. name ..
      " not found; `make data` installs the Debian package wordnet-base", 0)
  end
  return s
end

-- A small JSON decoder (objects, arrays, strings with escapes, numbers, literals).
local function json_decode(s)
  local pos = 1
  local function ws() pos = s:find("[^ \t\r\n]", pos) or #s + 1 end
  local value
  local function str()
    local out, i = {}, pos + 1
    while true do
      local j = s:find('["\\]', i)
      if not j then error("json: unterminated string") end
      out[#out + 1] = s:sub(i, j - 1)
      if s:sub(j, j) == '"' then pos = j + 1; break end
      local e = s:sub(j + 1, j + 1)
      if e == "u" then
        out[#out + 1] = utf8.char(tonumber(s:sub(j + 2, j + 5), 16))
        i = j + 6
      else
        out[#out + 1] = ({ n = "\n", t = "\t", r = "\r", b = "\b", f = "\f" })[e] or e
        i = j + 2
      end
    end
    return table.concat(out)
  end
  function value()
    ws()
    local c = s:sub(pos, pos)
    if c == "{" then
      local t = {}
      pos = pos + 1; ws()
      if s:sub(pos, pos) == "}" then pos = pos + 1; return t end
      while true do
        ws()
        local k = str()
        ws(); pos = pos + 1   -- ':'
        t[k] = value()
        ws()
        local d = s:sub(pos, pos); pos = pos + 1
        if d == "}" then return t end
      end
    elseif c == "[" then
      local t = {}
      pos = pos + 1; ws()
      if s:sub(pos, pos) == "]" then pos = pos + 1; return t end
      while true do
        t[#t + 1] = value()
        ws()
        local d = s:sub(pos, pos); pos = pos + 1
        if d == "]" then return t end
      end
    elseif c == '"' then
      return str()
    else
      local lit = s:match("^[%w%.%+%-]+", pos)
      pos = pos + #lit
      if lit == "true" then return true elseif lit == "false" then return false elseif lit == "null" then return nil end
      return tonumber(lit)
    end
  end
  return value()
end

-- ---- pairs -----------------------------------------------------------------------------
local function word(s)   -- a single lowercase a-z word, or nil
  if not s then return nil end
  s = s:lower()
  return s:match("^[a-z]+$") and s or nil
end

local function add_pair(list, seen, a, b)
  a, b = word(a), word(b)
  if not a or not b or a == b or seen[a] or seen[b] then return end
  seen[a], seen[b] = true, true
  list[#list + 1] = { a, b }
end

local function sorted_keys(t)
  local k = {}
  for key in pairs(t) do k[#k + 1] = key end
  table.sort(k)
  return k
end

local sections = {}

local countries = json_decode(data_file("countries-list/countries.min.json", "npm countries-list@3.4.1"))
local currencies = json_decode(data_file("countries-list/currencies.min.json", "npm countries-list@3.4.1"))
do
  local caps, seen, users = {}, {}, {}
  for _, code in ipairs(sorted_keys(countries)) do
    local c = countries[code]
    add_pair(caps, seen, c.name, c.capital)
    local cur = c.currency and c.currency[1]
    if cur then users[cur] = (users[cur] or 0) + 1 end
  end
  sections[#sections + 1] = { "capital-world", caps }
  local cur_pairs, seen2 = {}, {}
  for _, code in ipairs(sorted_keys(countries)) do
    local c = countries[code]
    local cur = c.currency and c.currency[1]
    if cur and users[cur] == 1 and currencies[cur] then
      add_pair(cur_pairs, seen2, c.name, currencies[cur].name:match("(%S+)%s*$"))
    end
  end
  sections[#sections + 1] = { "currency", cur_pairs }
end

-- antonyms: "!" pointers in data.adj, from word number src of this synset to word tgt of another
do
  local synsets, pointers = {}, {}
  for line in wordnet("data.adj"):gmatch("[^\n]+") do
    if not line:match("^  ") then
      local f = {}
      for x in line:gmatch("%S+") do
        if x == "|" then break end
        f[#f + 1] = x
      end
      local nw = tonumber(f[4], 16)
      local words = {}
      for i = 1, nw do words[i] = f[4 + 2 * i - 1]:gsub("%(.-%)$", "") end
      synsets[f[1]] = words
      local at = 5 + 2 * nw
      for i = 1, tonumber(f[at]) do
        local sym, off, st = f[at + 4 * i - 3], f[at + 4 * i - 2], f[at + 4 * i]
        if sym == "!" then
          pointers[#pointers + 1] = { words[tonumber(st:sub(1, 2), 16)], off, tonumber(st:sub(3, 4), 16) }
        end
      end
    end
  end
  local pairs_, seen = {}, {}
  for _, p in ipairs(pointers) do
    local other = synsets[p[2]]
    add_pair(pairs_, seen, p[1], other and other[p[3]])
  end
  sections[#sections + 1] = { "gram2-opposite", pairs_ }
end

do
  local pairs_, seen = {}, {}
  for form, base in wordnet("adj.exc"):gmatch("(%S+) (%S+)[^\n]*") do
    if form:match("er$") then add_pair(pairs_, seen, base, form) end
  end
  sections[#sections + 1] = { "gram3-comparative", pairs_ }
end

do
  local wc = json_decode(data_file("world-countries/countries.json", "npm world-countries@5.1.0"))
  local pairs_, seen = {}, {}
  for _, c in ipairs(wc) do
    local d = c.demonyms and c.demonyms.eng
    add_pair(pairs_, seen, c.name and c.name.common, d and d.m)
  end
  sections[#sections + 1] = { "gram6-nationality-adjective", pairs_ }
end

do
  local forms, order = {}, {}
  for form, base in wordnet("verb.exc"):gmatch("(%S+) (%S+)[^\n]*") do
    if not form:match("ing$") and form ~= base .. "s" and form ~= base .. "es" then
      if not forms[base] then forms[base] = {}; order[#order + 1] = base end
      table.insert(forms[base], form)
    end
  end
  local pairs_, seen = {}, {}
  for _, base in ipairs(order) do
    local f = forms[base]
    table.sort(f, function(x, y) if #x ~= #y then return #x < #y end return x < y end)
    add_pair(pairs_, seen, base, f[1])
  end
  sections[#sections + 1] = { "gram7-past-tense", pairs_ }
end

do
  local pairs_, seen = {}, {}
  for form, base in wordnet("noun.exc"):gmatch("(%S+) (%S+)[^\n]*") do add_pair(pairs_, seen, base, form) end
  sections[#sections + 1] = { "gram8-plural", pairs_ }
end

-- ---- questions -------------------------------------------------------------------------
require("wick").fs.mkdir(out_path:match("^(.*)/[^/]*$") or ".")
local f = assert(io.open(out_path, "w"))
local total = 0
for _, sec in ipairs(sections) do
  local name, ps = sec[1], sec[2]
  f:write(": ", name, "\n")
  local n, q = #ps, 0
  local partners = math.min(n - 1, math.max(MIN_PARTNERS, math.min(MAX_PARTNERS, PER_SECTION // math.max(n, 1))))
  for i = 1, n do
    for k = 1, partners do
      local j = (i - 1 + k) % n + 1
      f:write(ps[i][1], " ", ps[i][2], " ", ps[j][1], " ", ps[j][2], "\n")
      q = q + 1
    end
  end
  total = total + q
  local e1, e2 = ps[1] and ps[1][1] or "-", ps[1] and ps[1][2] or "-"
  print(("%-28s %5d pairs %6d questions   e.g. %s : %s"):format(name, n, q, e1, e2))
end
f:close()
print(("%d questions in %s"):format(total, out_path))
