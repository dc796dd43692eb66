-- embed.lua — wick.embed: maps of data. PCA, t-SNE in 2-D and 3-D, and snapping a
-- layout to a grid (the C half is bindings/embed/embed.c; word2vec adds itself beside these).
--
--   local proj, components, variance = wick.embed.pca(x, 50)
--   local y = wick.embed.tsne(x, {dims = 2, perplexity = 30, steps = 1000})
--   wick.embed.tsne(x, {every = 50, on_step = function(info)   -- a preview every 50 steps
--     wick.plot.scatter(info.positions, {path = ("out/tsne-%04d.png"):format(info.step)})
--   end})
--   local t = wick.embed.tsne.new(x, {dims = 3})      -- step form, for animations
--   for i = 1, 1000 do t:step(); if i % 10 == 0 then draw(t:positions()) end end
--   local cell = wick.embed.grid(y01, {cols = 64, rows = 64})   -- 1-based, row-major
local wick = ...
local embed, T = wick.embed, wick.tensor
local options, check = wick._options, wick._check

-- embed.pca(x, k) -> projection (N×k), components (k×D), variance (k), mean (D).
-- x: N×D, N >= 2. Components are unit rows, largest variance first, each with its
-- largest-magnitude entry positive; variance is per component (divided by N-1).
function embed.pca(x, k)
  if not T.is_tensor(x) then wick._raise("pca: x must be a tensor, got " .. type(x)) end
  check.integer("pca", "k", k, 1)
  return embed._pca(x, k)
end

local tsne_defaults = {
  dims = 2,                 -- 2 or 3
  perplexity = 30,          -- effective neighbours; needs N > 3*perplexity + 1
  steps = 1000,             -- run form only: gradient steps (iterations)
  method = "auto",          -- "exact" (all pairs), "bh" (Barnes-Hut), "fft" (2-D interpolation);
                            -- auto: exact below 1,000 points, fft in 2-D from 25,000, else bh
  theta = 0.35,             -- Barnes-Hut opening angle (0 = exact)
  lr = "auto",              -- learning rate, or "auto" = max(N / early_exaggeration, 50)
  early_exaggeration = 12,
  exaggeration_steps = 250, -- steps with exaggerated P and momentum 0.5 (then 0.8)
  init = "pca",             -- "pca" (scaled to std 1e-4), "random" (seeded), or an N×dims tensor
  normalize = false,        -- run form: scale each output column to [0, 1]
  progress = true,          -- run form: progress line with KL (only on a terminal)
  every = 50,               -- run form: KL (and on_step) every this many steps
  on_step = false,          -- run form: function(info), see tsne_run
}

-- Old spellings, accepted for one release with a note on stderr (once per name): one
-- name for one meaning across wick — progress (as word2vec, char_rnn:train and
-- data.batches), steps (as char_rnn:train), lr (as the optimisers and char_rnn:train).
local renamed = { verbose = "progress", iterations = "steps", learning_rate = "lr",
  exaggeration_iters = "exaggeration_steps" }

-- Each column of y scaled to [0, 1] (a constant column becomes 0.5).
local function normalize(y)
  check.tensor("normalize", "y", y)
  local lo, hi = y:min(1), y:max(1)
  local span = (hi - lo)
  span = T.where(span:gt(0), span, T.ones(span:shape()))
  local out = (y - lo) / span
  return T.where((hi - lo):gt(0):expand(y:shape()), out, T.full(y:shape(), 0.5))
end
embed.normalize = normalize

-- The options only the Lua side reads; embed.c checks the rest.
local function check_tsne_opts(fname, opts)
  check.integer(fname, "steps", opts.steps, 0)
  check.type(fname, "normalize", opts.normalize, "boolean")
  check.type(fname, "progress", opts.progress, "boolean")
  check.integer(fname, "every", opts.every, 1)
  if opts.on_step ~= false then check.type(fname, "on_step", opts.on_step, "function") end
end

local function tsne_new(x, opts)
  opts = options("tsne.new", check.renamed("tsne.new", opts, renamed), tsne_defaults, 3)
  check_tsne_opts("tsne.new", opts)
  if not T.is_tensor(x) then wick._raise("tsne: x must be an N×D tensor, got " .. type(x)) end
  wick._check.tensor("tsne", "x", x)
  return embed._tsne_new(x, opts)
end

-- embed.tsne(x, opts) -> N×dims tensor, and the KL divergence every `every` (50) steps
-- and at the last ({step = KL}, as FIt-SNE reports it). on_step(info), when given, is
-- called at the same steps with info = {step, steps, loss (the KL divergence),
-- positions (N×dims, a fresh tensor), elapsed (seconds), model (the t-SNE state, valid
-- only during the call)}; returning false or "stop" ends the run there with the layout
-- reached so far (the second result then has stopped = the step).
local function tsne_run(x, opts)
  opts = options("tsne", check.renamed("tsne", opts, renamed), tsne_defaults, 3)
  check_tsne_opts("tsne", opts)
  if not T.is_tensor(x) then wick._raise("tsne: x must be an N×D tensor, got " .. type(x)) end
  wick._check.tensor("tsne", "x", x)
  local t <close> = embed._tsne_new(x, opts)
  local steps, every, on_step = opts.steps, opts.every, opts.on_step
  local bar = opts.progress and wick.data and wick.data.progress and wick.data.progress(steps, "it")
  local kls, kl = {}, nil
  local t0 = wick.clock()
  for i = 1, steps do
    t:step()
    if i % every == 0 or i == steps then
      kl = t:kl()
      kls[i] = kl
      if on_step then
        local info = { step = i, steps = steps, loss = kl, positions = t:positions(), elapsed = wick.clock() - t0,
          model = t }
        if check.wants_stop("tsne", on_step(info)) then
          kls.stopped = i
          break
        end
      end
    end
    if bar and (i % 10 == 0 or i == steps) then bar.update(i, i * x:size(1), kl) end
  end
  if bar then bar.finish() end
  local y = t:positions()
  if opts.normalize then y = normalize(y) end
  return y, kls
end

-- t:step([n]): n iterations (default 1), each a separate call into C, so that a long
-- request returns to Lua between iterations and Ctrl-C (whose hook only runs between
-- Lua instructions) stops it within one iteration. An iteration costs far more than
-- the call, even for 30 points.
local methods = embed._tsne_methods
local c_step = methods.step
local MAX_STEPS = 2 ^ 31 - 1
function methods.step(t, n)
  local mt = type(t) == "userdata" and getmetatable(t)
  if not (mt and mt.__index == methods) then
    wick._raise("tsne:step: expected a t-SNE state (t:step(n)), got " .. check.show(t))
  end
  if n == nil then return c_step(t, 1) end
  n = check.integer("tsne:step", "n", n, 0, MAX_STEPS)
  for _ = 1, n do c_step(t, 1) end
end
embed._tsne_methods = nil

embed.tsne = setmetatable({ new = tsne_new }, {
  __call = function(_, x, opts) return tsne_run(x, opts) end,
})
embed.tsne_new = tsne_new

-- embed.grid(points, {cols =, rows =, method =, leaf =}) -> cells (N, 1-based,
-- row-major), total squared distance.
-- The assignment of N 2-D points to the cols×rows grid whose cell (c, r) sits at
-- ((c-1)/(cols-1), (r-1)/(rows-1)), one point per cell, minimising the summed squared
-- distance. Points are taken as given: normalise a layout to [0,1] first
-- (wick.embed.normalize(y)). cols and rows default to a square grid just big enough.
--   method = "exact": Jonker-Volgenant in float64, optimal; costs computed on the fly, so
--            memory is O(N + cells), but time grows about as N^2.5 (~1 s at 1,024 points,
--            ~40 s at 8,100 on one quiet core).
--   method = "split": the fast path — the grid is halved along its longer side until
--            blocks hold `leaf` cells, each solved exactly; not optimal across block
--            borders (8,100 points, leaf 2,048: total 24% above the optimum, RMS move
--            0.016 vs 0.014, 18x faster). See lib/embed/lap.h.
--   method = "auto" (default): exact up to 10,000 points, split above.
function embed.grid(points, opts)
  opts = options("grid", opts, { cols = false, rows = false, method = "auto", leaf = 2048 })
  if not T.is_tensor(points) then wick._raise("grid: points must be an N×2 tensor, got " .. type(points)) end
  if opts.cols then check.integer("grid", "cols", opts.cols, 1, 2 ^ 31 - 1) end
  if opts.rows then check.integer("grid", "rows", opts.rows, 1, 2 ^ 31 - 1) end
  local n = points:dim() >= 1 and points:size(1) or 0
  local side = math.ceil(math.sqrt(n))
  local cols = opts.cols or (opts.rows and math.ceil(n / opts.rows)) or side
  local rows = opts.rows or math.ceil(n / cols)
  if math.type(cols) ~= "integer" or math.type(rows) ~= "integer" then
    wick._raise("grid: cols and rows must be integers")
  end
  local method = opts.method
  if method == "auto" then method = n <= 10000 and "exact" or "split" end
  if method == "exact" then return embed._grid(points, cols, rows) end
  if method ~= "split" then
    wick._raise("grid: method must be \"auto\", \"exact\" or \"split\", got " .. tostring(method))
  end
  check.integer("grid", "leaf", opts.leaf, 4, 2 ^ 31 - 1)
  return embed._grid(points, cols, rows, opts.leaf)
end
