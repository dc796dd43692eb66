-- spec_helpers.lua — what several specs share: the error a call raises (and whether it
-- says what it should), element-wise comparison of a tensor with a nested table within a
-- tolerance, fresh temporary folders, whole files written and read, shell commands run, and
-- sketches copied out and their pictures checked.
-- (tests/busted_runner.lua puts tests/ on package.path: `require "spec_helpers"`.)
local assert = require "luassert"

local helpers = {}

-- The message of the error fn(...) raises; fails the test if it raises none.
function helpers.err_of(fn, ...)
  local ok, e = pcall(fn, ...)
  assert.is_false(ok, "expected an error")
  return tostring(e)
end

-- A nested table (or a number) as a flat list.
function helpers.flat(t, out)
  out = out or {}
  if type(t) ~= "table" then
    out[#out + 1] = t
  else
    for _, v in ipairs(t) do helpers.flat(v, out) end
  end
  return out
end

-- Tensor x equals the nested table want within a relative tol (NaN matches NaN).
function helpers.near(want, x, tol)
  tol = tol or 1e-6
  local w, g = helpers.flat(want), helpers.flat(x:table())
  assert.equal(#w, #g, "element count")
  for i = 1, #w do
    if w[i] ~= w[i] then
      assert.is_true(g[i] ~= g[i], ("element %d: expected NaN, got %s"):format(i, tostring(g[i])))
    else
      assert.is_true(math.abs(g[i] - w[i]) <= tol * (1 + math.abs(w[i])),
        ("element %d: expected %.9g, got %.9g"):format(i, w[i], g[i]))
    end
  end
end

-- fn(...) raises an error whose message contains text (plain text, not a pattern).
function helpers.error_containing(text, fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok, "expected an error containing " .. text)
  assert.is_truthy(tostring(err):find(text, 1, true), ("error %q does not contain %q"):format(tostring(err), text))
end

-- fn(...) raises an error whose message matches the Lua pattern.
function helpers.error_matching(pattern, fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok, "expected an error matching " .. pattern)
  assert.is_truthy(tostring(err):find(pattern), ("error %q does not match %q"):format(tostring(err), pattern))
end

-- A new empty folder under /tmp; the caller removes it.
function helpers.tmpdir()
  local p = assert(io.popen("mktemp -d /tmp/wick-spec.XXXXXX"))
  local dir = p:read("l")
  p:close()
  assert(dir and dir ~= "", "mktemp -d failed")
  return dir
end

-- Writes s to path, replacing the file; returns path.
function helpers.write_file(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
  return path
end

-- The whole file at path (fails the test when it cannot be opened).
function helpers.read_file(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- The wick binary under test (the runner sets WICK), and a string quoted for the shell.
helpers.WICK = os.getenv("WICK") or "./wick"
function helpers.quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

-- Runs a shell command; returns its stdout and stderr together, and its exit status.
function helpers.run(cmd)
  local p = assert(io.popen(cmd .. " 2>&1; echo \"__rc=$?\""))
  local out = p:read("a")
  p:close()
  local body, rc = out:match("^(.-)__rc=(%d+)\n?$")
  return body, tonumber(rc)
end

-- Resident memory of this process in KB (from /proc).
function helpers.rss_kb()
  local f = assert(io.open("/proc/self/statm"))
  local _, pages = f:read("n", "n")
  f:close()
  return pages * 4
end

-- fn fails 300 times in a row without growing tensor memory, the Lua heap (by more than
-- 256 KB) or the resident size (by more than 16 MB; not under the sanitizer build, whose
-- quarantine holds freed memory and whose leak checker covers that case).
function helpers.no_growth(what, fn)
  for _ = 1, 20 do pcall(fn) end   -- first-use caches settle
  collectgarbage(); collectgarbage()
  local wick = require "wick"
  local live, heap, rss = wick.memory().live, collectgarbage("count"), helpers.rss_kb()
  for _ = 1, 300 do assert.is_false((pcall(fn)), what .. " should fail") end
  collectgarbage(); collectgarbage()
  assert.are.equal(live, wick.memory().live, what .. ": tensor bytes grew")
  assert.is_true(collectgarbage("count") - heap < 256, what .. ": the Lua heap grew")
  if not os.getenv("WICK_SANITIZED") then
    local grew = helpers.rss_kb() - rss
    assert.is_true(grew < 16384, ("%s: resident memory grew %d KB"):format(what, grew))
  end
end

-- Removes a file or a folder with everything in it (wick.fs: no shell).
function helpers.remove_tree(path)
  local fs = require("wick").fs
  if fs.kind(path) == "folder" then
    for _, name in ipairs(fs.list(path)) do helpers.remove_tree(path .. "/" .. name) end
  end
  os.remove(path)
end

-- "data_spec%.lua:%d+: " for the spec file that called the helper calling this (the
-- position a clean error must carry: the caller's own line, never wick's sugar).
local function caller_here(level)
  local src = debug.getinfo(level + 1, "S").short_src:match("[^/]*$")
  return src:gsub("%p", "%%%0") .. ":%d+: "
end

-- fn(...) raises an error matching the Lua pattern, located at the calling spec's line.
function helpers.refuses(pattern, fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok, "expected an error matching " .. pattern)
  assert.matches(caller_here(2) .. pattern, tostring(err))
end

-- fn(...) raises an error containing msg (plain text), located in the calling spec. fn
-- is called from a one-line chunk named after that spec, as if the spec called it
-- directly (from here, the first frame outside wick's sugar would be this file's).
function helpers.refused(msg, fn, ...)
  local src = debug.getinfo(2, "S").source
  local call = assert(load("local fn = ...; return (fn(select(2, ...)))", src))   -- not a tail call
  local ok, e = pcall(call, fn, ...)
  assert.is_false(ok, "expected an error: " .. msg)
  e = tostring(e)
  assert.truthy(e:find(msg, 1, true), ("%q does not contain %q"):format(e, msg))
  assert.truthy(e:find("^[^:]*" .. caller_here(2)), "not at the spec's line: " .. e)
end

-- A tiny TensorFlow.js layers model in dir (4×4×3 input → 1×1 Conv2D with 2 filters →
-- Flatten → Dense 2, softmax), for specs that need some loaded net; returns dir.
function helpers.tiny_tfjs(dir)
  local topology = [==[{"model_config": {"class_name": "Model", "config": {"name": "tiny",
    "layers": [
      {"class_name": "InputLayer", "name": "input", "config": {"name": "input", "batch_input_shape": [null, 4, 4, 3]},
       "inbound_nodes": []},
      {"class_name": "Conv2D", "name": "conv", "config": {"name": "conv", "filters": 2, "kernel_size": [1, 1],
       "padding": "valid", "activation": "relu", "use_bias": false}, "inbound_nodes": [[["input", 0, 0, {}]]]},
      {"class_name": "Flatten", "name": "flat", "config": {"name": "flat"}, "inbound_nodes": [[["conv", 0, 0, {}]]]},
      {"class_name": "Dense", "name": "fc", "config": {"name": "fc", "units": 2, "activation": "softmax"},
       "inbound_nodes": [[["flat", 0, 0, {}]]]}],
    "input_layers": [["input", 0, 0]], "output_layers": [["fc", 0, 0]]}}}]==]
  local manifest = [==[[{"paths": ["weights.bin"], "weights": [
    {"name": "conv/kernel", "shape": [1, 1, 3, 2], "dtype": "float32"},
    {"name": "fc/kernel", "shape": [32, 2], "dtype": "float32"},
    {"name": "fc/bias", "shape": [2], "dtype": "float32"}]}]]==]
  helpers.write_file(dir .. "/model.json", '{"format": "layers-model", "modelTopology": ' .. topology
    .. ', "weightsManifest": ' .. manifest .. "}")
  local floats = {}
  for i = 1, 6 + 64 + 2 do floats[i] = string.pack("<f", math.sin(i)) end
  helpers.write_file(dir .. "/weights.bin", table.concat(floats))
  return dir
end

-- Copy the .lua files of folder `from` into `to` (made if missing): a sketch run from a
-- copy writes its out/ there, not into the repository.
function helpers.copy_lua_files(from, to)
  local wick = require "wick"
  wick.fs.mkdir(to)
  for _, name in ipairs(wick.fs.list(from)) do
    if name:match("%.lua$") then helpers.write_file(to .. "/" .. name, helpers.read_file(from .. "/" .. name)) end
  end
end

-- A sketch's PNG: it exists, is not flat, and records the seed. Returns the image.
function helpers.picture(path, seed)
  local img = require("wick").image.load(path)
  assert.is_true(img:std():item() > 0.02, path .. " is flat")
  assert.truthy(helpers.read_file(path):find("Seed\0" .. seed, 1, true), path .. " records the seed")
  return img
end

-- Why a test that reads these data names (wick.data.find) cannot run — " (needs …: make
-- data)" — or nil when all are installed (CI has no `make data`).
function helpers.missing_data(...)
  local wick = require "wick"
  local missing = {}
  for _, name in ipairs { ... } do
    if not pcall(wick.data.find, name) then missing[#missing + 1] = name end
  end
  return #missing > 0 and " (needs " .. table.concat(missing, ", ") .. ": make data)" or nil
end

return helpers
