-- tokenize.lua — wick.text.tokenize: text to a list of words, the one tokenizer wick's
-- text models share (word2vec's corpus scan and embed.lda read text through the same C
-- code, lib/text/tokenize.c), and wick.text.stop_words, an English stop-word list.
--
--   local words = wick.text.tokenize("Call me Ishmael. Some years ago—", {stop_words = true})
--   --> {"call", "ishmael", "years", "ago"}
--   wick.text.tokenize(s, {lower = true, stop_words = false | true | {"list", …}, min_length = 1})
--
-- A word is a maximal run of ASCII letters with apostrophes deleted ("don't" -> "dont");
-- digits, punctuation and non-ASCII bytes separate words. stop_words = true drops the
-- words of wick.text.stop_words; a list drops those words instead (compared after
-- lowercasing when lower is set).
local wick = ...
local raw = wick._tokenize
local text = wick.text
local check, raise = wick._check, wick._raise

-- English function words: articles, pronouns and their forms, auxiliaries and modals,
-- prepositions, conjunctions, common adverbs of degree, time and place, and the bits
-- the tokenizer leaves of contractions ("dont", "ll", "ve"). Written for wick; words
-- that carry a topic on their own (numbers, "man", "time", "way") are kept.
local STOP = [[
a about above across after afterwards again against ago all almost alone along already
also although always am among amongst an and another any anybody anyhow anyone anything
anyway anywhere are around as at back be became because become becomes becoming been
before beforehand behind being below beside besides between beyond both but by can cannot
cant could couldnt d did didnt do does doesnt doing done dont down during each either
else elsewhere enough etc even ever every everybody everyone everything everywhere except
few for from further had hadnt has hasnt have havent having he hed hell hence her here
hereby herein hers herself hes him himself his how however i id if ill im in indeed into
is isnt it its itself ive just least less ll m many may me meanwhile might mine more
moreover most mostly much must my myself neither never nevertheless no nobody none
noone nor not nothing now nowhere o of off often on once one only onto or other others
otherwise ought our ours ourselves out over own per perhaps quite rather re s same
shall shant she shed shes should shouldnt since so some somebody somehow someone
something sometime sometimes somewhere still such t than that thats the their theirs
them themselves then thence there thereafter thereby therefore therein theres these
they theyd theyll theyre theyve this those though through throughout thus till to
together too toward towards under unless until up upon us ve very via was wasnt we wed
well were werent weve what whatever whats when whence whenever where whereas whereby
wherein wherever whether which while whither who whoever whole whom whose why will with
within without wont would wouldnt yet you youd youll your youre yours yourself
yourselves youve
]]

local stop_list, stop_set = {}, {}
for w in STOP:gmatch("%a+") do
  stop_list[#stop_list + 1] = w
  stop_set[w] = true
end
text.stop_words = stop_list

local defaults = { lower = true, stop_words = false, min_length = 1 }

-- The stop set the options ask for (nil for none), built once per distinct list.
local function stop_set_of(fname, sw, lower)
  if sw == false then return nil end
  if sw == true then return stop_set end
  if type(sw) ~= "table" then
    raise(("%s: stop_words must be true, false or a list of words, got %s"):format(fname, check.show(sw)))
  end
  local set = {}
  for i, w in ipairs(sw) do
    if type(w) ~= "string" then
      raise(("%s: stop_words[%d] must be a string, got %s"):format(fname, i, check.show(w)))
    end
    -- through the tokenizer itself, so a listed "don't" matches the "dont" it makes
    for _, t in ipairs(raw._tokenize(w, lower, nil, 1)) do set[t] = true end
  end
  return set
end

-- text._tokenizer(fname, opts) -> a function(s) returning the word list, for callers
-- that tokenize many strings with one set of options (embed.lda).
function text._tokenizer(fname, opts)
  local o = wick._options(fname, opts, defaults)
  check.type(fname, "lower", o.lower, "boolean")
  check.integer(fname, "min_length", o.min_length, 1, 100)
  local set = stop_set_of(fname, o.stop_words, o.lower)
  return function(s)
    if type(s) ~= "string" then raise(("%s: text must be a string, got %s"):format(fname, type(s))) end
    return raw._tokenize(s, o.lower, set, o.min_length)
  end
end

function text.tokenize(s, opts)
  return text._tokenizer("tokenize", opts)(s)
end
