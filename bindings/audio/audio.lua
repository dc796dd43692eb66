-- audio.lua — wick.audio's sugar: the sound libraries Debian ships, as lists a sketch can
-- walk (audio.samples). Loading, saving and the edits are C (audio.c).
--
-- Two packages, both installed by `make data`:
--   sonic-pi-samples   /usr/share/sonic-pi/samples/<category>_<name>.flac (165 CC0 sounds;
--                      the file-name prefix is the category: ambi, bass, bd, drum, elec,
--                      glitch, guit, loop, mehackit, misc, perc, sn, tabla, vinyl)
--   hydrogen-drumkits  /usr/share/hydrogen/data/drumkits/<Kit>/*.{wav,flac,aiff} (about
--                      750 drum hits; the kit's folder is the category)
-- Lists are sorted by path, so the same packages give the same list in the same order.
local wick = ...
local audio, fs = wick.audio, wick.fs
local check, raise = wick._check, wick._raise

-- Where each package puts its sounds (a spec may point these elsewhere).
audio._sample_dirs = {
  ["sonic-pi"] = "/usr/share/sonic-pi/samples",
  hydrogen = "/usr/share/hydrogen/data/drumkits",
}
local packages = { ["sonic-pi"] = "sonic-pi-samples", hydrogen = "hydrogen-drumkits" }
local sound_ext = { wav = true, flac = true, aiff = true, aif = true, ogg = true }

local function ext_of(name) return (name:match("%.([^./]+)$") or ""):lower() end
local function stem(name) return (name:gsub("%.[^./]+$", "")) end

local function require_dir(which)
  local dir = audio._sample_dirs[which]
  if fs.kind(dir) ~= "folder" then
    raise(("audio.samples: no %s sounds in %s: install the Debian package %s (sudo make data)")
      :format(which, dir, packages[which]))
  end
  return dir
end

local function sonic_pi(list)
  local dir = require_dir("sonic-pi")
  for _, f in ipairs(fs.list(dir)) do
    if sound_ext[ext_of(f)] then
      local name = stem(f)
      list[#list + 1] = { path = dir .. "/" .. f, name = name, category = name:match("^([^_]+)_") or name,
        package = "sonic-pi-samples" }
    end
  end
end

-- Every sound under dir (kits keep their sounds in the kit's folder; sub-folders, where a
-- kit has them, are walked too), with the kit as category.
-- fs.kind follows symlinks and wick.fs has no realpath, so a symlinked folder that points
-- back up would recurse forever: the walk stops at WALK_DEPTH levels (kits use one or two).
local WALK_DEPTH = 6
local function walk(list, dir, kit, depth)
  depth = depth or 1
  for _, f in ipairs(fs.list(dir)) do
    local path = dir .. "/" .. f
    local kind = fs.kind(path)
    if kind == "folder" then
      if depth < WALK_DEPTH then walk(list, path, kit, depth + 1) end
    elseif kind == "file" and sound_ext[ext_of(f)] then
      list[#list + 1] = { path = path, name = stem(f), category = kit, package = "hydrogen-drumkits" }
    end
  end
end

local function hydrogen(list)
  local dir = require_dir("hydrogen")
  for _, kit in ipairs(fs.list(dir)) do
    if fs.kind(dir .. "/" .. kit) == "folder" then walk(list, dir .. "/" .. kit, kit) end
  end
end

-- audio.samples([which]) -> {{path =, name =, category =, package =}, ...}: which is
-- "sonic-pi", "hydrogen" or nil for both (sonic-pi first).
function audio.samples(which)
  if which ~= nil then check.one_of("audio.samples", "which", which, { "sonic-pi", "hydrogen" }) end
  local list = {}
  if which == nil or which == "sonic-pi" then sonic_pi(list) end
  if which == nil or which == "hydrogen" then hydrogen(list) end
  return list
end
