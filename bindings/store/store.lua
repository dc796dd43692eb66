-- store.lua — wick.save(x, path [, {metadata = {}}]) and wick.load(path), embedded in
-- the binary. x is a tensor, a module (its state: parameters and buffers by name) or
-- a table of tensors, nested tables flattened with dots ("encoder.weight"). Files are
-- safetensors (F32), written atomically; the seed and sketch go in the metadata.
-- wick.load returns the tensor back for a file saved from one tensor, otherwise a
-- table name -> tensor; its second result is the metadata table (marked as such, so
-- that net:load_state(wick.load(path)) does not read it as options).
local wick = ...
local T, store = wick.tensor, wick._store

-- The metadata table wick.load returns carries this metatable, so that
-- net:load_state(wick.load(path)) can tell it from an options table (nn.lua).
store.metadata_mt = { __name = "wick.metadata" }

local function flatten(tbl, prefix, out, seen)
  if seen[tbl] then wick._raise("save: the table contains itself") end
  seen[tbl] = true
  for k, v in pairs(tbl) do
    local name = prefix .. tostring(k)
    if T.is_tensor(v) then out[name] = v
    elseif type(v) == "table" then
      if v.state and type(v.state) == "function" then v = v:state() end
      flatten(v, name .. ".", out, seen)
    else
      wick._raise(("save: '%s' is a %s; only tensors (and tables of them) can be saved"):format(name, type(v)))
    end
  end
  return out
end

function wick.save(x, path, opts)
  opts = wick._options("save", opts, { metadata = {} })
  if type(path) ~= "string" then wick._raise("save: expected a file path as the second argument") end
  local tensors
  if T.is_tensor(x) then tensors = { tensor = x }
  elseif type(x) == "table" then
    if type(x.state) == "function" then x = x:state() end
    tensors = flatten(x, "", {}, {})
  else
    wick._raise(("save: expected a tensor, a module or a table of tensors, got %s"):format(type(x)))
  end
  if next(tensors) == nil then wick._raise("save: nothing to save (no tensors)") end
  local meta = { format = "wick", seed = tostring(wick.seed()) }
  for k, v in pairs(opts.metadata) do meta[tostring(k)] = tostring(v) end
  return store._save(path, tensors, meta)
end

function wick.load(path)
  if type(path) ~= "string" then wick._raise("load: expected a file path") end
  local tensors, meta, names = store._load(path)
  setmetatable(meta, store.metadata_mt)
  if #names == 1 and names[1] == "tensor" then return tensors.tensor, meta end
  return tensors, meta
end
