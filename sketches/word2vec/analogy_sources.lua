-- analogy_sources.lua — builds an analogy question set in word2vec's questions-words
-- format (": section" lines, then "a b c d" lines meaning a is to b as c is to d) from
-- data that Debian and npm ship, because no package ships questions-words.txt itself.
-- make_analogies.lua runs it from the command line; word2vec.lua calls M.write.
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
-- Data files are found by wick.data.find; `make data` installs all of them. Takes about a second.
local wick = require "wick"
local json = require "dkjson"   -- Debian lua-dkjson

local M = {}
local PER_SECTION, MIN_PARTNERS, MAX_PARTNERS = 3000, 2, 20

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- An installed data file's text (wick.data.find raises, naming the package, when it is missing).
local function data_file(name) return read(wick.data.find(name)) end

-- A JSON data file, decoded by dkjson (Debian lua-dkjson).
local function json_file(name)
  local v, _, err = json.decode(data_file(name))
  if v == nil then error(("make_analogies: %s is not JSON: %s"):format(name, tostring(err)), 0) end
  return v
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

-- The sections: {name, {{a, b}, …}} in the order they are written.
local function build_sections()
  local sections = {}

  local countries = json_file("countries-list/countries.min.json")
  local currencies = json_file("countries-list/currencies.min.json")
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
    for line in data_file("wordnet/data.adj"):gmatch("[^\n]+") do
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
    for form, base in data_file("wordnet/adj.exc"):gmatch("(%S+) (%S+)[^\n]*") do
      if form:match("er$") then add_pair(pairs_, seen, base, form) end
    end
    sections[#sections + 1] = { "gram3-comparative", pairs_ }
  end

  do
    local wc = json_file("world-countries/countries.json")
    local pairs_, seen = {}, {}
    for _, c in ipairs(wc) do
      local d = c.demonyms and c.demonyms.eng
      add_pair(pairs_, seen, c.name and c.name.common, d and d.m)
    end
    sections[#sections + 1] = { "gram6-nationality-adjective", pairs_ }
  end

  do
    local forms, order = {}, {}
    for form, base in data_file("wordnet/verb.exc"):gmatch("(%S+) (%S+)[^\n]*") do
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
    for form, base in data_file("wordnet/noun.exc"):gmatch("(%S+) (%S+)[^\n]*") do
      add_pair(pairs_, seen, base, form)
    end
    sections[#sections + 1] = { "gram8-plural", pairs_ }
  end

  return sections
end

-- ---- questions -------------------------------------------------------------------------
-- Build the question set and write it to out_path; prints each section's size.
function M.write(out_path)
  local sections = build_sections()
  wick.fs.mkdir(out_path:match("^(.*)/[^/]*$") or ".")
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
end

return M
