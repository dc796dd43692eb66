-- embed.lua — wick.embed: maps of data. PCA, t-SNE in 2-D and 3-D, and snapping a
-- layout to a grid (the C half is bindings/embed/embed.c; word2vec adds itself beside these).
--
--   local proj, components, variance = wick.embed.pca(x, 50)
--   local y = wick.embed.tsne(x, {dims = 2, perplexity = 30, iterations = 1000})
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
  iterations = 1000,        -- run form only
  method = "auto",          -- "exact" (all pairs), "bh" (Barnes-Hut), "fft" (2-D interpolation);
                            -- auto: exact below 1,000 points, fft in 2-D from 25,000, else bh
  theta = 0.35,             -- Barnes-Hut opening angle (0 = exact)
  learning_rate = "auto",   -- or a number; auto = max(N / early_exaggeration, 50)
  early_exaggeration = 12,
  exaggeration_iters = 250, -- iterations with exaggerated P and momentum 0.5 (then 0.8)
  init = "pca",             -- "pca" (scaled to std 1e-4), "random" (seeded), or an N×dims tensor
  normalize = false,        -- run form: scale each output column to [0, 1]
  verbose = true,           -- run form: progress line with KL (only on a terminal)
}

-- Each column of y scaled to [0, 1] (a constant column becomes 0.5).
local function normalize(y)
  check.tensor("normalize", "y", y)
  -- (check.tensor lets a freed tensor through; y:min would then name itself)
  if not pcall(y.dim, y) then wick._raise("normalize: attempt to use a freed tensor (argument 1)") end
  local lo, hi = y:min(1), y:max(1)
  local span = (hi - lo)
  span = T.where(span:gt(0), span, T.ones(span:shape()))
  local out = (y - lo) / span
  return T.where((hi - lo):gt(0):expand(y:shape()), out, T.full(y:shape(), 0.5))
end
embed.normalize = normalize

-- The options only the Lua side reads; embed.c checks the rest.
local function check_tsne_opts(fname, opts)
  check.integer(fname, "iterations", opts.iterations, 0)
  check.type(fname, "normalize", opts.normalize, "boolean")
  check.type(fname, "verbose", opts.verbose, "boolean")
end

local function tsne_new(x, opts)
  opts = options("tsne.new", opts, tsne_defaults, 3)
  check_tsne_opts("tsne.new", opts)
  if not T.is_tensor(x) then wick._raise("tsne: x must be an N×D tensor, got " .. type(x)) end
  wick._check.tensor("tsne", "x", x)
  return embed._tsne_new(x, opts)
end

-- embed.tsne(x, opts) -> N×dims tensor, and the KL divergence every 50 iterations
-- ({iteration = KL}, as FIt-SNE reports it).
local function tsne_run(x, opts)
  opts = options("tsne", opts, tsne_defaults, 3)
  check_tsne_opts("tsne", opts)
  if not T.is_tensor(x) then wick._raise("tsne: x must be an N×D tensor, got " .. type(x)) end
  wick._check.tensor("tsne", "x", x)
  local t <close> = embed._tsne_new(x, opts)
  local iters = opts.iterations
  local bar = opts.verbose and wick.data and wick.data.progress and wick.data.progress(iters, "it")
  local kls, kl = {}, nil
  for i = 1, iters do
    t:step()
    if i % 50 == 0 or i == iters then
      kl = t:kl()
      kls[i] = kl
    end
    if bar and (i % 10 == 0 or i == iters) then bar.update(i, i * x:size(1), kl) end
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
