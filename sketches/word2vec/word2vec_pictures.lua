-- word2vec_pictures.lua — the word2vec sketch's pictures and analogies for one set of
-- vectors (trained, or GloVe): similarity heatmaps of weekdays, months and digits;
-- countries joined to their capitals (PCA); WordNet's feeling words and antonym pairs
-- laid out by t-SNE, coloured by their own 3-D t-SNE, and both maps as pages to explore
-- (wick.page: hover a point for its word, search a word); a few analogies and the accuracy
-- on the question set.
local wick = require "wick"
local embed, plot = wick.embed, wick.plot

local M = {}

-- pairs {a, b} of one section of the question file (its first two words per line)
local function section_pairs(questions, name)
  local list, seen, inside = {}, {}, false
  if not questions then return list end
  for line in io.lines(questions) do
    local sec = line:match("^: (%S+)")
    if sec then inside = sec == name
    elseif inside then
      local a, b = line:match("^(%S+) (%S+)")
      if a and not seen[a] then seen[a] = true; list[#list + 1] = { a, b } end
    end
  end
  return list
end

-- WordNet noun.feeling: the first word of every synset in lexicographer file 12
local function mood_words()
  local ok, path = pcall(wick.data.find, "wordnet/data.noun")
  local f = ok and io.open(path, "r")
  if not f then print("note: no mood words: `make data` installs Debian wordnet-base"); return {} end
  local list, seen = {}, {}
  for line in f:lines() do
    local lex, w = line:match("^%d+ (%d%d) n %x%x (%S+)")
    if lex == "12" then
      w = w:lower()
      if w:match("^[a-z]+$") and not seen[w] then seen[w] = true; list[#list + 1] = w end
    end
  end
  f:close()
  return list
end

local function present(m, words)
  local keep = {}
  for _, w in ipairs(words) do if m:has(w) then keep[#keep + 1] = w end end
  return keep
end

local weekdays = { "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday" }
local months = { "january", "february", "march", "april", "may", "june", "july", "august",
  "september", "october", "november", "december" }
local digits = { "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine" }
-- ---- the pictures ----------------------------------------------------------------------
local function tsne_layout(x, n)
  local perplexity = math.min(30, math.floor((n - 1) / 3))
  local y = embed.tsne(x, { dims = 2, perplexity = perplexity, progress = false })
  local rgb = plot.rgb(embed.tsne(x, { dims = 3, perplexity = perplexity, progress = false }))
  return y, rgb
end

-- The pictures of vectors m, as kit:path("<name>-<picture>-seed<seed>.png"); questions:
-- the question file (or nil), whose capital-world and gram2-opposite sections are drawn.
function M.pictures(kit, m, name, questions)
  local function png(picture) return kit:path("%s-%s-seed%d.png", name, picture, kit.seed) end
  local capitals = section_pairs(questions, "capital-world")
  local opposites = section_pairs(questions, "gram2-opposite")
  local moods = mood_words()
  for _, set in ipairs({ { "weekdays", weekdays }, { "months", months }, { "digits", digits } }) do
    local words = present(m, set[2])
    if #words >= 2 then
      plot.heatmap(m:similarity(words), { rows = words, cols = words, path = png(set[1]),
        title = name .. ": " .. set[1] .. " (cosine)", range = { -0.2, 1 } })
    else
      print(("note: %s: too few %s in the vocabulary"):format(name, set[1]))
    end
  end

  -- countries and capitals, PCA to 2-D, each country joined to its capital
  local words, lines = {}, {}
  for _, p in ipairs(capitals) do
    if m:has(p[1]) and m:has(p[2]) then
      words[#words + 1] = p[1]
      words[#words + 1] = p[2]
      lines[#lines + 1] = { #words - 1, #words }
    end
    if #lines == (kit.full and 60 or 40) then break end
  end
  if #lines >= 3 then
    local proj = embed.pca(m:vectors(words), 2)
    plot.scatter(proj, { text = words, lines = lines, radius = 3, path = png("capitals"),
      title = name .. ": countries and capitals (PCA)" })
  end

  -- moods: t-SNE 2-D labelled, coloured by 3-D t-SNE
  local mw = present(m, moods)
  if #mw >= 20 then
    local y, rgb = tsne_layout(m:vectors(mw), #mw)
    plot.scatter(y, { text = mw, colors = rgb, radius = 4, font_size = 10, size = 1400,
      path = png("moods"), title = name .. ": WordNet noun.feeling words (t-SNE)" })
    wick.page(kit:path("page-%s-moods-seed%d", name, kit.seed), y, { text = mw,
      title = name .. ": WordNet noun.feeling words (t-SNE)" })
  end

  -- opposites: differences b - a of antonym pairs
  local a, b, labels = {}, {}, {}
  for _, p in ipairs(opposites) do
    if m:has(p[1]) and m:has(p[2]) then
      a[#a + 1], b[#b + 1] = p[1], p[2]
      labels[#labels + 1] = p[1] .. "/" .. p[2]
    end
    if #labels == (kit.full and 400 or 200) then break end
  end
  if #labels >= 20 then
    local diff = m:vectors(b) - m:vectors(a)
    local y, rgb = tsne_layout(diff, #labels)
    plot.scatter(y, { text = labels, colors = rgb, radius = 4, font_size = 9, size = 1400,
      path = png("opposites"), title = name .. ": antonym pairs as differences b - a (t-SNE)" })
    wick.page(kit:path("page-%s-opposites-seed%d", name, kit.seed), y, { text = labels,
      title = name .. ": antonym pairs as differences b - a (t-SNE)" })
  end
  print(("%s: %d capitals pairs, %d mood words, %d antonym pairs drawn"):format(name, #lines, #mw, #labels))
end

-- Four analogies by both methods, and the accuracy on the question file (when there is one).
function M.analogies(m, name, questions)
  for _, q in ipairs({ { "france", "paris", "japan" }, { "man", "king", "woman" }, { "good", "better", "bad" },
                       { "day", "night", "summer" } }) do
    if m:has(q[1]) and m:has(q[2]) and m:has(q[3]) then
      local add = m:analogy(q[1], q[2], q[3], { k = 3 })
      local mul = m:analogy(q[1], q[2], q[3], { k = 3, method = "mul" })
      local function list(h)
        local t = {}
        for i, x in ipairs(h) do t[i] = ("%s %.2f"):format(x[1], x[2]) end
        return table.concat(t, ", ")
      end
      print(("%s: %s : %s :: %s : ?   add: %s   mul: %s"):format(name, q[1], q[2], q[3], list(add), list(mul)))
    end
  end
  if questions then
    local r = m:evaluate(questions, { restrict = 30000 })
    local per = {}
    for _, s in ipairs(r.sections) do per[#per + 1] = ("%s %.1f%% of %d"):format(s.name, 100 * s.accuracy, s.seen) end
    print(("%s: analogy accuracy %.1f%% on %d of %d questions (coverage %.0f%%): %s")
      :format(name, 100 * r.accuracy, r.seen, r.total, 100 * r.coverage, table.concat(per, "; ")))
  end
end

return M
