-- dcgan.lua — the GAN sketches' shared parts: the two DCGAN architectures (Radford et al.
-- 2015: DCGAN-28 for 28×28 grey digits and clothes, DCGAN-64 for 64×64 colour patches),
-- their initialisation, checked entry points (generate, discriminate), a trainer (one step
-- = a discriminator step on real and fake, then a generator step with the non-saturating
-- loss), a progress line, and two collapse detectors: the discriminator winning outright
-- (its loss near 0 for a long stretch: the generator gets no gradient) and the generator
-- drawing the same picture whatever the latent vector (its samples' spread far below the
-- real data's). Required by the sketches beside it: `local dcgan = require "dcgan"`.
local wick = require "wick"
local T, nn, F = wick.tensor, wick.nn, wick.nn.F

local M = { zdim = 100 }

local function shape_str(t) return table.concat(t:shape(), "×") end

-- N×C → N×C×H×W (the generator's "view N×128×7×7" between its linear and its convolutions).
local Unflatten = nn.module("unflatten")
function Unflatten:init(c, h, w) self.c, self.h, self.w = c, h, w end
function Unflatten:describe() return ("unflatten %d×%d×%d"):format(self.c, self.h, self.w) end
function Unflatten:forward(x) return x:reshape(x:size(1), self.c, self.h, self.w) end

-- What the entry points check against: rawset keeps these out of the saved state.
local function tag(net, fields)
  for k, v in pairs(fields) do rawset(net, k, v) end
  return net
end

-- ---- the architectures (brief: EXACT layers) -------------------------------------------

function M.generator28(zdim)
  zdim = zdim or M.zdim
  local s2 = { stride = 2, padding = 1 }
  return M.init(tag(nn.sequential {
    nn.linear(zdim, 128 * 7 * 7, { bias = false }), nn.batchnorm1d(128 * 7 * 7), nn.relu(), Unflatten(128, 7, 7),
    nn.conv_transpose2d(128, 64, 4, { stride = 2, padding = 1, bias = false }), nn.batchnorm2d(64), nn.relu(),
    nn.conv_transpose2d(64, 1, 4, s2), nn.tanh(),
  }, { zdim = zdim, image = { 1, 28, 28 }, arch = "DCGAN-28" }))
end

function M.discriminator28()
  return M.init(tag(nn.sequential {
    nn.conv2d(1, 64, 4, { stride = 2, padding = 1 }), nn.leaky_relu(0.2),
    nn.conv2d(64, 128, 4, { stride = 2, padding = 1, bias = false }), nn.batchnorm2d(128), nn.leaky_relu(0.2),
    nn.flatten(), nn.linear(128 * 7 * 7, 1),
  }, { image = { 1, 28, 28 }, arch = "DCGAN-28" }))
end

function M.generator64(zdim)
  zdim = zdim or M.zdim
  local layers = { nn.conv_transpose2d(zdim, 256, 4, { bias = false }), nn.batchnorm2d(256), nn.relu() }
  for _, c in ipairs { { 256, 128 }, { 128, 64 }, { 64, 32 } } do
    local more = { nn.conv_transpose2d(c[1], c[2], 4, { stride = 2, padding = 1, bias = false }),
      nn.batchnorm2d(c[2]), nn.relu() }
    table.move(more, 1, 3, #layers + 1, layers)
  end
  layers[#layers + 1] = nn.conv_transpose2d(32, 3, 4, { stride = 2, padding = 1 })
  layers[#layers + 1] = nn.tanh()
  return M.init(tag(nn.sequential(layers), { zdim = zdim, image = { 3, 64, 64 }, arch = "DCGAN-64", z4 = true }))
end

function M.discriminator64()
  local s2 = { stride = 2, padding = 1, bias = false }
  return M.init(tag(nn.sequential {
    nn.conv2d(3, 32, 4, { stride = 2, padding = 1 }), nn.leaky_relu(0.2),
    nn.conv2d(32, 64, 4, s2), nn.batchnorm2d(64), nn.leaky_relu(0.2),
    nn.conv2d(64, 128, 4, s2), nn.batchnorm2d(128), nn.leaky_relu(0.2),
    nn.conv2d(128, 256, 4, s2), nn.batchnorm2d(256), nn.leaky_relu(0.2),
    nn.conv2d(256, 1, 4),
  }, { image = { 3, 64, 64 }, arch = "DCGAN-64" }))
end

-- Radford's initialisation: conv and linear weights N(0, 0.02), biases 0; batchnorm's
-- scale N(1, 0.02), shift 0. (PyTorch's default uniform init trains DCGAN less steadily.)
function M.init(net)
  wick.no_grad(function()
    local function visit(m)
      local w, b = rawget(m, "weight"), rawget(m, "bias")
      if m.kind == "linear" or m.kind == "conv2d" or m.kind == "conv_transpose2d" then
        w:copy_(T.randn(w:shape()) * 0.02)
        if b then b:zero_() end
      elseif (m.kind == "batchnorm1d" or m.kind == "batchnorm2d") and w then
        w:copy_(T.randn(w:shape()) * 0.02 + 1)
        b:zero_()
      end
      for _, c in ipairs(m:children()) do visit(c) end
    end
    visit(net)
  end)
  return net
end

-- ---- checked entry points ----------------------------------------------------------------

-- N standard-normal latent vectors for G.
function M.noise(G, n) return T.randn(n, G.zdim) end

-- G(z) → N×C×H×W in [-1, 1]. z is N×zdim (a single zdim vector is taken as N = 1).
function M.generate(G, z)
  if not T.is_tensor(z) then
    error(("dcgan.generate: z must be a tensor of latent vectors, got %s"):format(type(z)), 2)
  end
  if z:dim() == 1 then z = z:view(1, -1) end
  if z:dim() ~= 2 or z:size(2) ~= G.zdim then
    error(("dcgan.generate: latent vectors must be N×%d for this %s generator, got %s"):format(G.zdim,
      G.arch or "", shape_str(z)), 2)
  end
  if G.z4 then z = z:view(z:size(1), G.zdim, 1, 1) end
  return G(z)
end

-- The shape the images given to D must have, or an error naming who gave what.
function M.check_images(D, x, fname)
  local want = D.image
  if not T.is_tensor(x) then error(("%s: images must be a tensor, got %s"):format(fname, type(x)), 3) end
  local ok = x:dim() == 4
  for i = 1, 3 do ok = ok and x:size(i + 1) == want[i] end
  if not ok then
    error(("%s: the %s discriminator takes N×%d×%d×%d images, got %s"):format(fname, D.arch, want[1], want[2],
      want[3], shape_str(x)), 3)
  end
  return x
end

-- D(x) → N logits (real > 0 > fake).
function M.discriminate(D, x)
  M.check_images(D, x, "dcgan.discriminate")
  return D(x):reshape(x:size(1))
end

-- Pictures in [0, 1] for image.grid / image.save, from G's [-1, 1] (eval mode: running
-- batchnorm statistics, so one sample does not depend on the others in its batch).
function M.pictures(G, z)
  return wick.no_grad(function()
    local was = G.training
    G:eval()
    local x = M.generate(G, z)
    G:train(was)
    return ((x + 1) * 0.5):clamp(0, 1)
  end)
end

-- ---- collapse detectors ----------------------------------------------------------------

-- Mean distance between two different images of a batch (flattened, Euclidean).
function M.spread(x)
  local n = x:size(1)
  if n < 2 then error("dcgan.spread: needs at least 2 images, got " .. n, 2) end
  local f = x:reshape(n, -1)
  local sq = (f * f):sum(2)
  local d2 = (sq:view(n, 1) + sq:view(1, n) - f:matmul(f:t()) * 2):clamp(0, math.huge)
  return (d2:sqrt():sum():item()) / (n * (n - 1))   -- the diagonal is 0
end

-- "Samples all alike": the spread of G's samples of a fixed batch z below `fraction` of
-- the real images' spread. Returns a message or nil, and the ratio.
function M.alike(G, z, real_spread, fraction)
  local ratio = M.spread(M.pictures(G, z)) / real_spread
  if ratio >= (fraction or 0.2) then return nil, ratio end
  return ("the generator's samples are all alike (mode collapse): their spread is %.0f%% of the real images'. "
    .. "It draws one picture whatever the latent vector. Try another --seed, a lower --lr (1e-4), or fewer "
    .. "epochs (the last good grid is in out/)"):format(100 * ratio), ratio
end

-- "Discriminator wins": its loss below `floor` for `patience` steps in a row. Feed it each
-- step's D loss; it returns a message once the stretch is long enough.
function M.d_watch(floor, patience)
  local run = 0
  return function(loss_d, step)
    run = loss_d < floor and run + 1 or 0
    if run < patience then return nil end
    return ("the discriminator's loss has stayed under %g for %d steps (to step %d): it tells every fake "
      .. "from the real images, so the generator gets no gradient and stops learning. Try a lower --lr (1e-4) "
      .. "or restart with another --seed"):format(floor, patience, step)
  end
end

-- ---- training -----------------------------------------------------------------------

-- One optimiser pair and the step. opts: lr (2e-4), beta1 (0.5).
function M.trainer(G, D, opts)
  opts = opts or {}
  local lr = opts.lr or 2e-4
  local betas = { opts.beta1 or 0.5, 0.999 }
  local t = { G = G, D = D, step = 0,
    opt_g = wick.optim.adam(G:parameters(), { lr = lr, betas = betas }),
    opt_d = wick.optim.adam(D:parameters(), { lr = lr, betas = betas }) }
  local function logits(x) return D(x):reshape(x:size(1)) end
  -- real: N×… in D's input range. Returns loss_d, loss_g, D(x), D(G(z)) as numbers.
  function t.update(real)
    local n = real:size(1)
    local ones, zeros = T.ones(n), T.zeros(n)
    local fake = M.generate(G, T.randn(n, G.zdim))
    local d_real, d_fake = logits(real), logits(fake:detach())
    local loss_d = F.bce_with_logits(d_real, ones) + F.bce_with_logits(d_fake, zeros)
    t.opt_d:zero_grad()
    loss_d:backward()
    t.opt_d:step()
    local loss_g = F.bce_with_logits(logits(fake), ones)   -- non-saturating: fakes called real
    t.opt_g:zero_grad()
    loss_g:backward()
    t.opt_g:step()
    t.step = t.step + 1
    local ld, lg = loss_d:item(), loss_g:item()
    if ld ~= ld or lg ~= lg then
      error(("dcgan.train: the %s loss became NaN at step %d: lower --lr, or restart with another --seed")
        :format(ld ~= ld and "discriminator" or "generator", t.step), 0)
    end
    return ld, lg, wick.no_grad(function()
      return d_real:sigmoid():mean():item(), d_fake:sigmoid():mean():item()
    end)
  end
  return t
end

-- Images in [0, 1] (N×C×H×W) → the generator's [-1, 1].
function M.signed(x) return x * 2 - 1 end

-- Train G and D on set.x (N×C×H×W in [0, 1]). opts: epochs, batch (64), lr, limit (steps
-- per epoch, 0 = all), z (the fixed latent vectors drawn in every snapshot), every (steps
-- between snapshots, 0 = epochs only), on_snapshot(pictures of z, step, epoch) and
-- on_epoch(pictures, epoch, stats), collapse ("warn" | "stop" | "off"), warmup (steps
-- before the samples' spread is judged: at first every sample is the same grey blob),
-- d_floor and patience (the discriminator-wins detector: 0.01, 200 steps), alike (0.2 of
-- the data's spread), quiet (no progress or epoch lines: for specs). Returns stats
-- {loss_d, loss_g (per-epoch means), collapse (a message or nil), ratio (the last spread
-- ratio), images_per_s, seconds, steps}.
function M.train(G, D, set, opts)
  M.check_images(D, set.x:narrow(1, 1, 1), "dcgan.train")
  M.check_images(D, M.pictures(G, T.randn(1, G.zdim)), "dcgan.train (the generator's output)")
  local epochs, batch, limit, every = opts.epochs or 1, opts.batch or 64, opts.limit or 0, opts.every or 0
  local collapse, warmup = opts.collapse or "warn", opts.warmup or 300
  local z = opts.z or T.randn(64, G.zdim)
  local t = M.trainer(G, D, opts)
  local real_spread = M.spread(set.x:narrow(1, 1, math.min(256, set.x:size(1))))
  local d_wins = M.d_watch(opts.d_floor or 0.01, opts.patience or 200)
  local stats = { loss_d = {}, loss_g = {} }
  local started, images = wick.clock(), 0
  local say = opts.quiet and function() end or print
  local function found(msg)
    if msg and collapse ~= "off" and not stats.collapse then
      stats.collapse = msg
      if not opts.quiet then io.stderr:write("\n") end
      say("COLLAPSE at step " .. t.step .. ": " .. msg)
    end
  end
  local function snapshot()   -- the fixed grid, and the samples' spread judged after the warm-up
    local pics = M.pictures(G, z)
    local alike, ratio = M.alike(G, z, real_spread, opts.alike or 0.2)
    stats.ratio = ratio
    if t.step >= warmup then found(alike) end
    return pics
  end
  local per_epoch = set.x:size(1) // batch
  if limit > 0 then per_epoch = math.min(per_epoch, limit) end
  for epoch = 1, epochs do
    local sum_d, sum_g, k = 0, 0, 0
    for step, b in wick.data.batches(set, { batch = batch, drop_last = true, progress = false }) do
      local ld, lg, dx, dgz = t.update(M.signed(b.x))
      sum_d, sum_g, k, images = sum_d + ld, sum_g + lg, k + 1, images + b.x:size(1)
      found(d_wins(ld, t.step))
      if not opts.quiet and (step % 10 == 0 or step == per_epoch) then
        io.stderr:write(("\repoch %d/%d step %d/%d  D loss %.3f  G loss %.3f  D(x) %.2f  D(G(z)) %.2f  %.0f img/s\27[K")
          :format(epoch, epochs, step, per_epoch, ld, lg, dx, dgz, images / (wick.clock() - started)))
      end
      if every > 0 and t.step % every == 0 and opts.on_snapshot then opts.on_snapshot(snapshot(), t.step, epoch) end
      if step >= per_epoch or (stats.collapse and collapse == "stop") then break end
    end
    if not opts.quiet then io.stderr:write("\n") end
    stats.loss_d[epoch], stats.loss_g[epoch] = sum_d / k, sum_g / k
    local pics = snapshot()
    say(("epoch %d/%d: D loss %.3f, G loss %.3f, sample spread %.2f of the data's, %.0f images/s, %.0f s")
      :format(epoch, epochs, stats.loss_d[epoch], stats.loss_g[epoch], stats.ratio, images / (wick.clock() - started),
        wick.clock() - started))
    if opts.on_epoch then opts.on_epoch(pics, epoch, stats) end
    if stats.collapse and collapse == "stop" then
      say("stopped early (--collapse stop); the grids so far are in out/")
      break
    end
  end
  stats.seconds = wick.clock() - started
  stats.images_per_s = images / stats.seconds
  stats.steps = t.step
  return stats
end

-- ---- data: patches of the paintings ----------------------------------------------------

-- n random side×side colour patches (N×3×side×side in [0, 1]) cut from the PNGs in the
-- data folder's images/paintings: a square of one of `scales` pixels (a brush stroke up to
-- a whole passage) at a random place of a random painting, shrunk to side, mirrored half
-- the time. Returns the patches and how many paintings they came from.
function M.patches(n, side, scales)
  local ok, credits = pcall(wick.data.find, "images/paintings/CREDITS")
  if not ok then error("dcgan.patches: no paintings found (images/paintings): run `make data`", 0) end
  local folder = credits:gsub("/CREDITS$", "")
  local pictures = {}
  for _, name in ipairs(wick.fs.list(folder)) do
    if name:match("%.png$") then pictures[#pictures + 1] = wick.image.rgb(wick.image.load(folder .. "/" .. name)) end
  end
  local out = T.empty(n, 3, side, side)
  local flip = T.arange(side, 1, -1)
  local u = T.rand(n, 5):table()   -- wick's generator: the same seed, the same patches
  local function pick(r, k) return math.min(k, 1 + math.floor(r * k)) end
  for i = 1, n do
    local p = pictures[pick(u[i][1], #pictures)]
    local h, w = p:size(2), p:size(3)
    local s = math.min(scales[pick(u[i][2], #scales)], h, w)
    local crop = p:narrow(2, pick(u[i][3], h - s + 1), s):narrow(3, pick(u[i][4], w - s + 1), s)
    crop = s == side and crop:contiguous() or wick.image.resize(crop, side, side, { mode = "area" })
    if u[i][5] < 0.5 then crop = crop:index_select(3, flip) end
    out[i] = crop
  end
  return out, #pictures
end

-- ---- concepts and a judge for latent arithmetic -------------------------------------------

local FASHION = { "tshirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "boot" }

-- name → class id for the data set, and default sums for arithmetic.lua.
function M.concepts(data)
  local names = {}
  if data == "mnist" then
    for d = 0, 9 do names[tostring(d)] = d + 1 end
    return names, "7-1+4,8-3+2,9-7+1"
  end
  for i, n in ipairs(FASHION) do names[n] = i end
  -- trousers given sleeves, a boot's height on a sandal, a coat's sleeves cut short, a
  -- sneaker's boot-ness back on a boot
  return names, "trouser-dress+pullover,boot-sneaker+sandal,tshirt-pullover+coat,sneaker-sandal+boot"
end
function M.concept_name(names, id)
  for k, v in pairs(names) do if v == id then return k end end
  return "?"
end
function M.concept_list(names)
  local list = {}
  for k in pairs(names) do list[#list + 1] = k end
  table.sort(list, function(a, b) return names[a] < names[b] end)
  return table.concat(list, ", ")
end

-- judge(pictures N×1×28×28 in [0, 1]) → class ids (N), confidences (N, 0..1), and how it
-- judges: the classify sketch's net when it was trained (Fashion-MNIST only; at `path`,
-- by default where classify.lua saves it), else the
-- nearest class mean of the training images (confidence: how much nearer the nearest
-- mean is than the second).
function M.judge(data, here, path)
  if data ~= "mnist" then
    local fashion = dofile(here .. "/../classify/classify_net.lua")
    path = path or fashion.default_path(here)
    local net = fashion.load(path)
    if net then
      return function(x)
        local p = wick.no_grad(function() return F.softmax(net(x), 2) end)
        local conf, class = p:max(2)
        return class, conf
      end, "the classify sketch's Fashion-MNIST net (" .. path .. ")"
    end
  end
  local train = data == "mnist" and wick.data.mnist() or wick.data.fashion_mnist()
  local n = train.x:size(1)
  local onehot = train.y:view(n, 1):eq(T.arange(10):view(1, 10))   -- N×10 of 0/1
  local means = onehot:t():matmul(train.x:view(n, -1)) / onehot:sum(1):view(10, 1)
  local mm = (means * means):sum(2):view(1, 10)
  return function(x)
    local f = x:reshape(x:size(1), -1)
    local d2 = ((f * f):sum(2, true) + mm - f:matmul(means:t()) * 2):clamp(0, math.huge)
    local near, class = d2:sqrt():topk(2, 2, false)
    local first, second = near:select(2, 1), near:select(2, 2)
    return class:select(2, 1):contiguous(), (second - first) / (second + 1e-6)
  end, "the nearest class mean in pixel space (no classifier: run sketches/classify/classify.lua for a better one)"
end

-- A generator saved by `sketch` (e.g. "fashion.lua") at path, loaded in eval mode, or an
-- error saying which sketch makes it.
function M.load(make, path, sketch)
  if not wick.fs.kind(path) then
    error(("no generator at %s: run `wick sketches/gan/%s` first to train and save it"):format(path, sketch), 0)
  end
  local G = make()
  G:load(path)
  return G:eval()
end

return M
