-- soundmap_fingerprint.lua — the helpers of soundmap.lua: an instrument category for each
-- sound from its file name (hydrogen's kits name their hits kick, snare, hat…; sonic-pi's
-- file names start with a category), the constant-Q fingerprint of a sound's first
-- second, and the map drawn with a legend.
local wick = require "wick"
local T, audio, plot = wick.tensor, wick.audio, wick.plot

local M = {}

M.RATE = 22050          -- every sound is resampled to this rate
M.SECONDS = 1           -- the fingerprint looks at the first second
M.STEPS = 8             -- ... pooled to this many time steps
M.CQT = { fmin = 32.70, n_bins = 84, bins_per_octave = 12, hop = 512 }   -- C1 to B7

-- Patterns on the lowercased name, tried in order (cowbells before cymbal bells, rims
-- and sidesticks with snares, numbered toms "t2_01" and floor toms "ft_03" with toms).
local RULES = {
  { "percussion", { "cowbell", "agogo", "bongo", "conga", "cajon", "clave", "maraca", "tamb", "shaker", "wood",
    "djemb", "dunun", "kenkeni", "sangban", "guiro", "triangle", "waterglass", "stick", "snap", "^cb_", "^bl_" } },
  { "clap", { "clap", "hand" } },
  { "hi-hat", { "hat", "^hh", "hh_", "^ho_", "^hc_", "pedal" } },
  { "cymbal", { "crash", "ride", "china", "splash", "cymbal", "^rd_", "^cy", "cup", "bell" } },
  { "kick", { "kick", "^bd", "bassdrum", "bass%-drum", "drum_bass", "_k_", "^k_" } },
  { "snare", { "snare", "^sn", "^sd", "^rs_", "rim" } },
  { "tom", { "tom", "^t%d", "^ft_", "^tm" } },
}
-- sonic-pi's own categories that are not drum hits keep their name (a few rare ones merge)
local SONIC = { ambi = "ambient", bass = "bass", elec = "electronic", glitch = "glitch", loop = "loop",
  tabla = "tabla", vinyl = "vinyl", perc = "percussion", guit = "misc", mehackit = "misc", misc = "misc" }

function M.category(s)
  local name = s.name:lower()
  for _, rule in ipairs(RULES) do
    for _, pat in ipairs(rule[2]) do
      if name:find(pat) then return rule[1] end
    end
  end
  if s.package == "sonic-pi-samples" then return SONIC[s.category] or "misc" end
  return "other drum"   -- hits named only by number (a kit's "beats_03-10")
end

-- The fingerprint: mono at 22,050 Hz, leading silence trimmed, peak-normalised, the first
-- second (zero-padded) through the CQT; log magnitudes 84 bins × 43 frames, averaged over
-- 8 spans of 5 frames → 672 numbers. The log floor (1e-4 of the loudest bin) keeps
-- near-silence from dominating; normalising the peak makes it timbre, not loudness.
function M.fingerprint(path)
  -- two seconds at most are read (leading silence may be trimmed), resampled by
  -- libsamplerate's medium sinc: the CQT's top bin is far below where it and "best" differ
  local x = audio.load(path, { rate = M.RATE, mono = true, quality = "medium", max_seconds = 2 })
  x = audio.trim(x, { threshold = -50 })
  local n = M.RATE * M.SECONDS
  local clip = T.zeros(n)
  local len = math.min(n, x:size(2))
  if len > 0 then clip:narrow(1, 1, len):copy_(x[1]:narrow(1, 1, len)) end
  local c = audio.cqt(clip, M.RATE, M.CQT)                     -- 84 × 44
  local peak = c:max():item()
  if peak <= 0 then peak = 1 end
  local per = 5
  local logc = (c:narrow(2, 1, M.STEPS * per) / peak + 1e-4):log()
  return logc:reshape(M.CQT.n_bins, M.STEPS, per):mean(3):reshape(M.CQT.n_bins * M.STEPS)
end

-- The categories in a stable order (most sounds first) and each sound's class id.
function M.classes(cats)
  local count, names = {}, {}
  for _, c in ipairs(cats) do
    if not count[c] then names[#names + 1] = c end
    count[c] = (count[c] or 0) + 1
  end
  table.sort(names, function(a, b) return count[a] > count[b] or (count[a] == count[b] and a < b) end)
  local id = {}
  for i, c in ipairs(names) do id[c] = i end
  local ids = {}
  for i, c in ipairs(cats) do ids[i] = id[c] end
  return names, ids, count
end

-- The map (N×2 in [0, 1]) coloured by class, with a legend column on the right: the
-- legend's swatches are extra points drawn in their class's colour with the name beside.
function M.draw(map, ids, names, count, opts)
  local n = map:size(1)
  local pts, labels, text = {}, {}, {}
  for i = 1, n do pts[i] = { map:get(i, 1), map:get(i, 2) } labels[i] = ids[i] end
  for k, name in ipairs(names) do
    pts[n + k] = { 1.1, 0.02 + 0.05 * (k - 1) }
    labels[n + k], text[n + k] = k, ("%s (%d)"):format(name, count[name])
  end
  return plot.scatter(T(pts), { labels = T(labels), text = text, text_color = { 0.15, 0.15, 0.15 },
    radius = 4, alpha = 0.85, size = { 1500, 1150 }, font_size = 15, bounds = { -0.03, -0.03, 1.42, 1.03 },
    title = opts.title, path = opts.path })
end

return M
