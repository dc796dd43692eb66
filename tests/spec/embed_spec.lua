-- embed_spec.lua — wick.embed: PCA against a float64 eigen-decomposition (power
-- iteration in Lua), t-SNE (shapes, KL going down, seeds, step form, errors), grid
-- snapping (optimal against brute force, errors), and t-SNE + grid on real
-- Fashion-MNIST images when dataset-fashion-mnist is installed.
local wick = require "wick"
local helpers = require "spec_helpers"
local T, embed = wick.tensor, wick.embed

-- Three well-separated Gaussian blobs in d dims.
local function blobs(n, d, seed)
  wick.seed(seed or 1)
  local x = T.randn(n, d)
  for i = 1, n do
    local c = (i - 1) % 3
    x[i][c + 1] = x[i][c + 1] + 8
  end
  return x
end

describe("embed.pca", function()
  it("matches a float64 eigen-decomposition of the covariance", function()
    wick.seed(3)
    local n, d = 200, 6
    local x = T.randn(n, d) * T{ 5, 3, 2, 1, 0.5, 0.2 } + 1
    local proj, comp, var = embed.pca(x, 2)
    assert.same({ n, 2 }, proj:shape())
    assert.same({ 2, 6 }, comp:shape())
    -- covariance in Lua doubles
    local rows, mean = x:table(), {}
    for j = 1, d do
      local s = 0
      for i = 1, n do s = s + rows[i][j] end
      mean[j] = s / n
    end
    local C = {}
    for a = 1, d do
      C[a] = {}
      for b = 1, d do
        local s = 0
        for i = 1, n do s = s + (rows[i][a] - mean[a]) * (rows[i][b] - mean[b]) end
        C[a][b] = s / (n - 1)
      end
    end
    -- power iteration for the top eigenpair
    local v = { 1, 1, 1, 1, 1, 1 }
    local lambda = 0
    for _ = 1, 500 do
      local w, norm = {}, 0
      for a = 1, d do
        local s = 0
        for b = 1, d do s = s + C[a][b] * v[b] end
        w[a] = s
        norm = norm + s * s
      end
      norm = math.sqrt(norm)
      for a = 1, d do v[a] = w[a] / norm end
      lambda = norm
    end
    local vv = var:table()
    assert.is_true(math.abs(vv[1] - lambda) / lambda < 1e-4)
    assert.is_true(vv[2] < vv[1])
    local c1, dot = comp[1]:table(), 0
    for a = 1, d do dot = dot + c1[a] * v[a] end
    assert.is_true(math.abs(math.abs(dot) - 1) < 1e-4)
    -- the projection is the centred data on the axes
    local p11 = 0
    for a = 1, d do p11 = p11 + (rows[1][a] - mean[a]) * c1[a] end
    assert.is_true(math.abs(proj[1][1] - p11) < 1e-3)
  end)

  it("rejects bad k and NaN", function()
    local x = T.randn(10, 3)
    assert.has_error(function() embed.pca(x, 4) end)
    x[2][2] = 0 / 0
    assert.has_error(function() embed.pca(x, 2) end, nil)
    local ok, err = pcall(embed.pca, x, 2)
    assert.is_false(ok)
    assert.truthy(err:find("row 2 holds NaN", 1, true))
  end)
end)

describe("embed.tsne", function()
  -- What "separates the blobs" means for a 2-D layout y of blobs(n, ...) (point i is in
  -- blob (i - 1) % 3): the share of points whose nearest neighbour in the map is of
  -- their own blob, the share nearer their own blob's centroid than any other's, and
  -- the closest two centroids' distance over the widest blob's mean radius. These are
  -- properties of the whole layout, so they hold however the arithmetic rounds on the
  -- machine at hand (which moves every single point a little).
  local function separation(y, n)
    local t = y:table()
    local function d2(p, q) return (p[1] - q[1]) ^ 2 + (p[2] - q[2]) ^ 2 end
    local same = 0
    for i = 1, n do
      local best, bj = math.huge, nil
      for j = 1, n do
        if j ~= i and d2(t[i], t[j]) < best then best, bj = d2(t[i], t[j]), j end
      end
      if (bj - 1) % 3 == (i - 1) % 3 then same = same + 1 end
    end
    local c, size = {}, {}
    for k = 1, 3 do c[k], size[k] = { 0, 0 }, 0 end
    for i = 1, n do
      local k = (i - 1) % 3 + 1
      c[k][1], c[k][2], size[k] = c[k][1] + t[i][1], c[k][2] + t[i][2], size[k] + 1
    end
    for k = 1, 3 do c[k][1], c[k][2] = c[k][1] / size[k], c[k][2] / size[k] end
    local radius, own = { 0, 0, 0 }, 0
    for i = 1, n do
      local k = (i - 1) % 3 + 1
      radius[k] = radius[k] + math.sqrt(d2(t[i], c[k])) / size[k]
      local nearest = 1
      for q = 2, 3 do if d2(t[i], c[q]) < d2(t[i], c[nearest]) then nearest = q end end
      if nearest == k then own = own + 1 end
    end
    local gap = math.min(math.sqrt(d2(c[1], c[2])), math.sqrt(d2(c[1], c[3])), math.sqrt(d2(c[2], c[3])))
    return same / n, own / n, gap / math.max(radius[1], radius[2], radius[3])
  end

  it("separates blobs, KL goes down, normalize gives [0,1]", function()
    local x = blobs(240, 8)
    local y, kls = embed.tsne(x, { perplexity = 10, steps = 300, progress = false, normalize = true })
    assert.same({ 240, 2 }, y:shape())
    assert.is_true(kls[300] < kls[50], ("KL at 300 iterations %.4f, at 50 %.4f"):format(kls[300], kls[50]))
    assert.near(0, y:min():item(), 1e-6)
    assert.near(1, y:max():item(), 1e-6)
    -- Blobs 8 sigma apart come out as three clean islands: 100% on every seed tried
    -- (gap/radius 3.0-3.5 over seeds 1-25). Allow a few stragglers, not a merged blob.
    local nn_same, own, gap = separation(y, 240)
    assert.is_true(nn_same >= 0.95, ("nearest neighbour in the same blob for %.1f%% of points, expected >= 95%%")
      :format(100 * nn_same))
    assert.is_true(own >= 0.95, ("%.1f%% of points nearer their own blob's centre, expected >= 95%%"):format(100 * own))
    assert.is_true(gap > 2, ("closest blob centres %.2f blob radii apart, expected > 2"):format(gap))
  end)

  it("same seed, same result; 3-D Barnes-Hut; step form", function()
    local x = blobs(150, 5)
    local a = embed.tsne(x, { perplexity = 8, steps = 60, init = "random", progress = false })
    local x2 = blobs(150, 5)
    local b = embed.tsne(x2, { perplexity = 8, steps = 60, init = "random", progress = false })
    -- run twice in one process: the promise is repeatability on one machine
    local diff = (a - b):abs():max():item()
    assert.is_true(diff == 0, ("two runs with one seed differ by up to %g"):format(diff))
    local t = embed.tsne.new(x, { dims = 3, perplexity = 8, method = "bh" })
    local kl0 = t:kl(true)
    t:step(100)
    assert.equal(100, t:iteration())
    assert.is_true(t:kl(true) < kl0)
    assert.same({ 150, 3 }, t:positions():shape())
    t:free()
    assert.has_error(function() t:step() end)
  end)

  it("errors clearly on bad input", function()
    local ok, err = pcall(embed.tsne, T.randn(50, 4), { progress = false })
    assert.is_false(ok)
    assert.truthy(err:find("perplexity 30 needs at least 92 points, got 50", 1, true))
    local x = T.randn(100, 4)
    x[7][1] = 1 / 0
    ok, err = pcall(embed.tsne, x, { perplexity = 5, progress = false })
    assert.is_false(ok)
    assert.truthy(err:find("row 7 holds NaN or inf", 1, true))
    ok, err = pcall(embed.tsne, T.randn(100, 4), { dims = 3, method = "fft", perplexity = 5 })
    assert.is_false(ok)
    assert.truthy(err:find("2-D only", 1, true))
    ok, err = pcall(embed.tsne, T.randn(100, 4), { perplexty = 5 })
    assert.is_false(ok)
    assert.truthy(err:find("unknown option 'perplexty'", 1, true))
    -- duplicates: all points equal terminates with finite output
    local y = embed.tsne(T.ones(100, 4), { perplexity = 5, steps = 30, progress = false })
    assert.is_true(y:ne(y):sum():item() == 0 and y:abs():max():item() < math.huge)
  end)
end)

describe("embed.grid", function()
  -- every injection of n points into the cells
  local function brute(pts, cols, rows)
    local cells = {}
    for k = 0, cols * rows - 1 do
      cells[#cells + 1] = { (k % cols) / math.max(cols - 1, 1), (k // cols) / math.max(rows - 1, 1) }
    end
    local best, used = math.huge, {}
    local function go(i, acc)
      if acc >= best then return end
      if i > #pts then best = acc return end
      for k = 1, #cells do
        if not used[k] then
          used[k] = true
          go(i + 1, acc + (pts[i][1] - cells[k][1]) ^ 2 + (pts[i][2] - cells[k][2]) ^ 2)
          used[k] = false
        end
      end
    end
    go(1, 0)
    return best
  end

  it("is optimal on small cases (brute force) and 1-based row-major", function()
    wick.seed(5)
    for trial = 1, 20 do
      local n = 2 + trial % 6
      local cols, rows = 3, (n > 6) and 3 or 2
      local p = T.rand(n, 2)
      local cell, total = embed.grid(p, { cols = cols, rows = rows })
      assert.near(brute(p:table(), cols, rows), total, 1e-6)
      local seen = {}
      for _, c in ipairs(cell:table()) do
        assert.is_true(c >= 1 and c <= cols * rows and not seen[c])
        seen[c] = true
      end
    end
    local cell = embed.grid(T{ { 1, 0 }, { 0, 1 }, { 0, 0 } }, { cols = 2, rows = 2 })
    assert.same({ 2, 3, 1 }, cell:table())
  end)

  it("has a split fast path that is a valid assignment", function()
    wick.seed(6)
    local p = T.rand(400, 2)
    local _, exact = embed.grid(p, { cols = 20, rows = 20 })
    local cell, split = embed.grid(p, { cols = 20, rows = 20, method = "split", leaf = 64 })
    assert.is_true(split >= exact - 1e-9 and split < 1.6 * exact)
    local seen, count = {}, 0
    for _, c in ipairs(cell:table()) do
      if not seen[c] then count = count + 1 end
      seen[c] = true
    end
    assert.equal(400, count)
  end)

  it("terminates on ties and errors on too many points", function()
    local cell = embed.grid(T.full({ 64, 2 }, 0.5), { cols = 8, rows = 8 })
    assert.equal(64, #cell:table())
    local ok, err = pcall(embed.grid, T.rand(10, 2), { cols = 3, rows = 3 })
    assert.is_false(ok)
    assert.truthy(err:find("10 points do not fit 3 x 3 = 9 cells", 1, true))
  end)
end)

describe("t-SNE and grid on Fashion-MNIST", function()
  it("lays out 1,000 real images and snaps them", function()
    local ok, train = pcall(wick.data.fashion_mnist)
    if not ok then
      print("\n  (skipped: dataset-fashion-mnist not installed; `make data` installs it)")
      return
    end
    local n = 1000
    local x = train.x:narrow(1, 1, n):reshape(n, 784)
    local x50 = embed.pca(x, 50)
    local y, kls = embed.tsne(x50, { steps = 300, progress = false, normalize = true, method = "bh" })
    assert.is_true(kls[300] < kls[50], ("KL at 300 iterations %.4f, at 50 %.4f"):format(kls[300], kls[50]))
    assert.is_true(kls[300] < 2.0, ("KL after 300 iterations %.4f, expected < 2"):format(kls[300]))
    -- neighbours in the map share a label more often than chance (10 classes: 0.1);
    -- counted over all n points, so a layout that rounds differently moves the share
    -- by a point or two at most (0.71 here), far from the bound
    local lab, t = train.y:narrow(1, 1, n):table(), y:table()
    local same = 0
    for i = 1, n do
      local best, bj = math.huge, nil
      for j = 1, n do
        if j ~= i then
          local d = (t[i][1] - t[j][1]) ^ 2 + (t[i][2] - t[j][2]) ^ 2
          if d < best then best, bj = d, j end
        end
      end
      if lab[bj] == lab[i] then same = same + 1 end
    end
    assert.is_true(same / n > 0.6, ("nearest neighbour has the same label for %.1f%% of images, expected > 60%%")
      :format(100 * same / n))
    local cell = embed.grid(y, { cols = 32, rows = 32 })
    assert.equal(n, #cell:table())
  end)
end)

-- Issue 10: every option checked at the sketch's line, and failing calls leak nothing.
describe("embed on bad input", function()
  local function err(fn, ...)
    local ok, e = pcall(fn, ...)
    assert.is_false(ok, "expected an error")
    return tostring(e)
  end

  it("t-SNE, PCA and grid options give errors naming the option, never raw Lua errors", function()
    local x = wick.tensor.randn(40, 3)
    local cases = {
      { "tsne: steps must be an integer >= 0, got 'x'", embed.tsne, x, { steps = "x" } },
      { "steps must be", embed.tsne, x, { steps = 0 / 0 } },
      { "tsne: dims must be an integer from 2 to 3, got 4", embed.tsne, x, { dims = 4 } },
      { "tsne: perplexity must be", embed.tsne, x, { perplexity = 0 / 0 } },
      { "tsne: theta must be", embed.tsne, x, { theta = -1 } },
      { "tsne: exaggeration_steps must be", embed.tsne, x, { exaggeration_steps = 2 ^ 40 } },
      { "tsne: early_exaggeration must be", embed.tsne, x, { early_exaggeration = math.huge } },
      { "tsne: lr must be", embed.tsne, x, { lr = -5 } },
      { "tsne.new: progress must be a boolean", embed.tsne.new, x, { progress = "yes" } },
      { "pca: k must be an integer >= 1, got 0", embed.pca, x, 0 },
      { "pca: k must be an integer from 1 to 3, got 9", embed.pca, x, 9 },
      { "grid: cols must be an integer from 1 to", embed.grid, x:narrow(2, 1, 2), { cols = 2 ^ 40, rows = 2 } },
      { "grid: leaf must be", embed.grid, x:narrow(2, 1, 2), { method = "split", leaf = 1.5 } },
    }
    for _, c in ipairs(cases) do
      local e = err(table.unpack(c, 2))
      assert.truthy(e:find(c[1], 1, true), ("%q does not contain %q"):format(e, c[1]))
      assert.truthy(e:find("embed_spec.lua:%d+:"), "not at the spec's line: " .. e)
    end
    local t = embed.tsne.new(x, { perplexity = 5, progress = false })
    assert.truthy(err(t.step, t, -1):find("tsne:step: n must be", 1, true))
  end)

  it("normalize refuses what is not a tensor, at the caller's line", function()
    for _, y in ipairs { false, 5, "x", {} } do
      local e = err(embed.normalize, y)
      assert.truthy(e:find("^[^:]*embed_spec%.lua:%d+: normalize: y must be a tensor, got"), e)
    end
    local y = wick.tensor.rand(3, 2)
    y:free()
    assert.truthy(err(embed.normalize, y):find("^[^:]*embed_spec%.lua:%d+: normalize: attempt to use a freed tensor"))
  end)

  it("tsne:step refuses absurd counts, and Ctrl-C stops a long one within a step", function()
    local t = embed.tsne.new(wick.tensor.randn(30, 4), { perplexity = 5, method = "exact", progress = false })
    for _, n in ipairs { 2 ^ 31, 2 ^ 53, 2 ^ 62, 1.5, 0 / 0, "x" } do
      assert.truthy(err(t.step, t, n):find("tsne:step: n must be an integer from 0 to 2147483647", 1, true))
    end
    t:step(3)
    assert.equal(3, t:iteration())
    -- 2^31 - 1 steps is a legal request; SIGINT after 1 s must end it (it used to be one
    -- C loop that only returned when done). The outer timeout kills it if it does not.
    local dir = helpers.tmpdir()
    local sketch = helpers.write_file(dir .. "/long.lua", 'local wick = require "wick"\n'
      .. 'local t = wick.embed.tsne.new(wick.tensor.randn(30, 4), {perplexity = 5, method = "exact"})\n'
      .. "t:step(2^31 - 1)\n")
    local out = helpers.run("timeout -s KILL 30 timeout -s INT 1 " .. helpers.quote(helpers.WICK) .. " "
      .. helpers.quote(sketch))
    helpers.remove_tree(dir)
    assert.truthy(out:find("long.lua:3: step: interrupted!", 1, true), out)
  end)

  it("failing calls leak nothing (300 of each)", function()
    local x = wick.tensor.randn(40, 3):t()   -- not contiguous: each call copies it first
    local no_growth = helpers.no_growth
    local xt = x:t()
    no_growth("tsne with too few points", function() return embed._tsne_new(x, { dims = 2, perplexity = 30, theta = 0.5,
      early_exaggeration = 12, exaggeration_steps = 250, lr = "auto", method = "auto", init = "pca" }) end)
    no_growth("tsne with a bad init", function() return embed._tsne_new(xt:t():t(), { dims = 2, perplexity = 5,
      theta = 0.5,
      early_exaggeration = 12, exaggeration_steps = 250, lr = "auto", method = "auto", init = "nope" }) end)
    no_growth("pca with a bad k", function() return embed._pca(x, 99) end)
    no_growth("pca of a NaN", function() local y = x:contiguous(); y[1][1] = 0 / 0; return embed._pca(y:t():t(), 1) end)
    no_growth("grid with too few cells", function() return embed._grid(x:narrow(1, 1, 2):t(), 2, 2) end)
  end)
end)

-- Issue 11: the run form calls on_step every `every` steps (previews, early stop), and
-- the options take wick's one spelling (progress, steps, lr), the old ones for a release.
describe("embed.tsne while it runs", function()
  local x = blobs(60, 5, 7)

  it("calls on_step every `every` steps with the step, KL, positions and time", function()
    local seen = {}
    local y, kls = embed.tsne(x, { perplexity = 8, steps = 100, every = 25, progress = false,
      on_step = function(info)
        assert.same({ 60, 2 }, info.positions:shape())
        assert.equal(100, info.steps)
        assert.equal(info.step, info.model:iteration())
        assert.is_true(info.elapsed >= 0)
        seen[#seen + 1] = { info.step, info.loss }
      end })
    assert.same({ 25, 50, 75, 100 }, { seen[1][1], seen[2][1], seen[3][1], seen[4][1] })
    assert.equal(4, #seen)
    for _, s in ipairs(seen) do assert.equal(kls[s[1]], s[2]) end
    assert.is_nil(kls.stopped)
    assert.same({ 60, 2 }, y:shape())
  end)

  it("stops cleanly when on_step returns false or \"stop\", keeping the layout so far", function()
    for _, answer in ipairs { false, "stop" } do
      local last
      local y, kls = embed.tsne(x, { perplexity = 8, steps = 1000, every = 10, progress = false,
        on_step = function(info)
          last = info.positions
          if info.step == 30 then return answer end
        end })
      assert.equal(30, kls.stopped)
      assert.is_nil(kls[40])
      assert.equal(0, (y - last):abs():max():item())   -- the result is the layout at step 30
    end
  end)

  it("an error in on_step propagates at its own line; a mistyped answer is refused", function()
    local ok, e = pcall(embed.tsne, x, { perplexity = 8, steps = 20, every = 5, progress = false,
      on_step = function() error("preview failed") end })
    assert.is_false(ok)
    assert.truthy(tostring(e):find("embed_spec%.lua:%d+: preview failed"), e)
    helpers.refused('tsne: on_step returned "Stop"', embed.tsne, x, { perplexity = 8, steps = 20, every = 5,
      progress = false, on_step = function() return "Stop" end })
    helpers.refused("tsne: on_step must be a function", embed.tsne, x, { on_step = 5 })
    helpers.refused("tsne: every must be an integer >= 1", embed.tsne, x, { every = 0 })
  end)

  it("takes the old names (verbose, iterations, learning_rate) for one release, with a note", function()
    local a = embed.tsne(x, { perplexity = 8, steps = 40, lr = 100, progress = false, init = "random" })
    wick.seed(1)
    local a2 = embed.tsne(x, { perplexity = 8, steps = 40, lr = 100, progress = false, init = "random" })
    wick.seed(1)
    local b = embed.tsne(x, { perplexity = 8, iterations = 40, learning_rate = 100, verbose = false, init = "random" })
    assert.same({ 60, 2 }, a:shape())
    assert.equal(0, (a2 - b):abs():max():item())
    helpers.refused("tsne: give steps or its old name iterations, not both", embed.tsne, x,
      { steps = 10, iterations = 10 })
  end)
end)
