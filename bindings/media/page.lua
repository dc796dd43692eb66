-- page.lua — wick.page: an interactive map of any embedding, written as a folder that
-- opens from disk in a browser with no server and no network:
--
--   <dir>/index.html        the page (bindings/media/page_template.html, embedded in the
--                           binary by host/embed.lua as wick._assets["page_template.html"])
--   <dir>/data.js           the points, labels, texts and where each image and sound is,
--                           as one script (a file:// page cannot fetch() a JSON file)
--   <dir>/sprites/sheet-K.png   the thumbnails packed into sheets of at most 2048² pixels
--   <dir>/sounds/clip-K.ext     one clip per distinct sound
--   <dir>/.wick-page        the marker: this folder is a page wick.page may replace
--
-- The arguments are checked before the first file is written; image and sound functions
-- can only be checked by calling them, so the page is written into a hidden sibling
-- folder (.<name>.wick-page-tmp-*) and moved into place only once complete: a function
-- that raises leaves the previous page as it was and no temporary folder behind. A folder
-- that exists must be empty or a previous page (its marker present): wick.page never
-- replaces a file it did not write, and when it replaces a page it removes only the names
-- it writes itself (index.html, data.js, sprites/sheet-K.png, sounds/clip-K.*), so a
-- user's own file in the folder survives. Sprite sheets are built with tensor views (N images → rows ×
-- cols → one C×H×W picture), so 70,000 thumbnails pack in seconds without a C helper.
local wick = ...
local T, check, raise = wick.tensor, wick._check, wick._raise
local FNAME = "page"
local MARKER = ".wick-page"
local SHEET = 2048   -- the longest side of a sprite sheet (what every browser decodes fast)
-- Sound files a browser plays as they are (copied); others are converted to WAV through
-- wick.audio.
local PLAYABLE = { wav = true, flac = true, ogg = true, oga = true, opus = true, mp3 = true, m4a = true,
  aac = true, webm = true }

local defaults = {
  label = false,   -- N strings (or numbers, or a 1-D tensor): colour, legend and search
  classes = false, -- names of label's class ids 1..K: legend in id order, plot.palette(id) colours
  image = false,   -- N×C×H×W (or N×H×W) tensor in [0,1], a list of C×H×W, or function(i) -> image
  sound = false,   -- N file paths (false for none), or function(i) -> samples, rate (wick.audio)
  text = false,    -- N strings shown on hover (and searched)
  title = false,   -- the page's title; false: "wick map of N points"
  thumb = 64,      -- thumbnails' longest side in pixels (images are never enlarged)
}

-- ---- checks -------------------------------------------------------------------------

local function shape_of(x) return "[" .. table.concat(x:shape(), ",") .. "]" end

-- An N-entry list option (a Lua list, or for label a 1-D tensor) as a Lua list of
-- strings (nil where an entry is false or ""). `what` names the entries in errors.
local function string_list(name, v, n, allow_tensor)
  if allow_tensor and T.is_tensor(v) then
    check.tensor(FNAME, "option '" .. name .. "'", v)
    if v:dim() ~= 1 or v:size(1) ~= n then
      raise(("%s: option '%s' must have one entry per point (%d), got a tensor of shape %s")
        :format(FNAME, name, n, shape_of(v)))
    end
    local out = {}
    for i, x in ipairs(v:table()) do
      if x ~= x then raise(("%s: option '%s' entry %d is NaN"):format(FNAME, name, i)) end
      out[i] = math.tointeger(x) and ("%d"):format(math.tointeger(x)) or ("%g"):format(x)
    end
    return out
  end
  if type(v) ~= "table" or T.is_tensor(v) then
    raise(("%s: option '%s' must be a list of %d strings, got %s"):format(FNAME, name, n, check.show(v)))
  end
  if #v ~= n then
    raise(("%s: option '%s' has %d entries but there are %d points"):format(FNAME, name, #v, n))
  end
  local out = {}
  for i = 1, n do
    local x = v[i]
    if type(x) == "number" then
      if x ~= x then raise(("%s: option '%s' entry %d is NaN"):format(FNAME, name, i)) end
      out[i] = math.tointeger(x) and ("%d"):format(math.tointeger(x)) or ("%g"):format(x)
    elseif type(x) == "string" then
      out[i] = x ~= "" and x or nil
    elseif x ~= false then
      raise(("%s: option '%s' entry %d must be a string, got %s"):format(FNAME, name, i, check.show(x)))
    end
  end
  return out
end

-- label as 1-based class ids naming entries of classes (a list of K strings).
local function class_ids(label, classes, n)
  if type(classes) ~= "table" or T.is_tensor(classes) or #classes == 0 then
    raise(("%s: option 'classes' must be a list of class names, got %s"):format(FNAME, check.show(classes)))
  end
  for k, c in ipairs(classes) do
    if type(c) ~= "string" then
      raise(("%s: option 'classes' entry %d must be a string, got %s"):format(FNAME, k, check.show(c)))
    end
  end
  if not label then raise(("%s: option 'classes' names label's class ids: give label too"):format(FNAME)) end
  local ids = string_list("label", label, n, true)
  for i = 1, n do
    local id = math.tointeger(tonumber(ids[i] or ""))
    if not id or id < 1 or id > #classes then
      raise(("%s: with classes, label %d must be a class id from 1 to %d, got %s"):format(FNAME, i, #classes,
        check.show(ids[i] or "none")))
    end
    ids[i] = id
  end
  return ids
end

local function check_points(points)
  if type(points) == "table" and not T.is_tensor(points) then
    local ok, t = pcall(T, points)
    if not ok then raise(("%s: points must be an N×2 tensor or a list of {x, y} pairs"):format(FNAME)) end
    points = t
  end
  if not T.is_tensor(points) then
    raise(("%s: points must be an N×2 tensor, got %s"):format(FNAME, check.show(points)))
  end
  check.tensor(FNAME, "points", points)
  if points:dim() ~= 2 or points:size(2) ~= 2 or points:size(1) < 1 then
    raise(("%s: points must be an N×2 tensor (N >= 1), got shape %s"):format(FNAME, shape_of(points)))
  end
  check.finite_tensor(FNAME, "points", points)
  return points:contiguous()
end

local function check_folder(dir)
  if type(dir) ~= "string" or dir == "" or dir:find("\0", 1, true) then
    raise(("%s: the folder must be a path (a non-empty string), got %s"):format(FNAME, check.show(dir)))
  end
  local kind = wick.fs.kind(dir)
  if kind == nil then return false end
  if kind ~= "folder" then
    raise(("%s: '%s' is a %s, not a folder; give a new or empty folder for the page"):format(FNAME, dir,
      kind == "file" and "file" or "special file"))
  end
  if wick.fs.kind(dir .. "/" .. MARKER) == "file" then return "page" end
  if #wick.fs.list(dir) > 0 then
    raise(("%s: the folder '%s' is not empty and holds no page written by wick.page; give a new or empty "
      .. "folder (wick.page replaces only its own pages, marked by a %s file)"):format(FNAME, dir, MARKER))
  end
  return "empty"
end

-- The image option as a function i -> C×H×W tensor (or nil), and the checked tensor.
local function check_images(image, n)
  if T.is_tensor(image) then
    check.tensor(FNAME, "option 'image'", image)
    if image:dim() == 3 then image = image:view(image:size(1), 1, image:size(2), image:size(3)) end
    if image:dim() ~= 4 or image:size(1) ~= n then
      raise(("%s: option 'image' must be an N×C×H×W tensor with N = %d points, got shape %s")
        :format(FNAME, n, shape_of(image)))
    end
    local c = image:size(2)
    if c ~= 1 and c ~= 3 and c ~= 4 then
      raise(("%s: option 'image' has %d channels (1, 3 or 4 are images)"):format(FNAME, c))
    end
    return nil, image:contiguous()
  end
  if type(image) == "table" then
    if #image ~= n then
      raise(("%s: option 'image' has %d entries but there are %d points"):format(FNAME, #image, n))
    end
    local list = image
    return function(i) return list[i] end
  end
  if type(image) ~= "function" then
    raise(("%s: option 'image' must be an N×C×H×W tensor, a list of images or a function(i), got %s")
      :format(FNAME, check.show(image)))
  end
  return image
end

local function extension(path) return (path:match("%.([%w]+)$") or ""):lower() end

-- The sound option: a function i -> samples, rate, or the list of paths (nil = none).
local function check_sounds(sound, n)
  if type(sound) == "function" then return sound end
  local paths = string_list("sound", sound, n)
  for i = 1, n do
    local p = paths[i]
    if p then
      if wick.fs.kind(p) ~= "file" then raise(("%s: sound %d: no file '%s'"):format(FNAME, i, p)) end
    end
  end
  return nil, paths
end

-- ---- writing ----------------------------------------------------------------------

local function write_file(path, s)
  local f, err = io.open(path, "wb")
  if not f then raise(("%s: cannot write '%s': %s"):format(FNAME, path, err)) end
  local ok, werr = f:write(s)
  f:close()
  if not ok then raise(("%s: cannot write '%s': %s"):format(FNAME, path, werr)) end
  wick._book.output(path)   -- the run log's outputs (book.lua)
end

local function copy_file(from, to)
  local f, err = io.open(from, "rb")
  if not f then raise(("%s: cannot read '%s': %s"):format(FNAME, from, err)) end
  local s = f:read("a")
  f:close()
  write_file(to, s)
end

-- Removes what a previous page wrote (only the names wick.page writes).
local function clear_page(dir)
  for _, name in ipairs({ "index.html", "data.js" }) do os.remove(dir .. "/" .. name) end
  for _, sub in ipairs({ { "sprites", "^sheet%-%d+%.png$" }, { "sounds", "^clip%-%d+%.%w+$" } }) do
    local folder = dir .. "/" .. sub[1]
    if wick.fs.kind(folder) == "folder" then
      for _, name in ipairs(wick.fs.list(folder)) do
        if name:match(sub[2]) then os.remove(folder .. "/" .. name) end
      end
      if #wick.fs.list(folder) == 0 then os.remove(folder) end
    end
  end
end

-- JSON strings for a <script>: "<" as \u003c so no text can close the script ("</script>")
-- or open a comment if data.js is ever inlined into a page, and U+2028/U+2029 escaped as
-- older JavaScript parsers end a line at them.
-- Removes the temporary folder tmp and everything in it (only wick.page's own files).
local function remove_tree(path)
  if wick.fs.kind(path) == "folder" then
    for _, name in ipairs(wick.fs.list(path)) do remove_tree(path .. "/" .. name) end
  end
  os.remove(path)
end

-- Moves a complete page from tmp into dir (cleared of a previous page): the marker first,
-- index.html last, so a folder never shows an index.html without its data.
local function move_page(tmp, dir)
  local function move(rel)
    local ok, err = os.rename(tmp .. "/" .. rel, dir .. "/" .. rel)
    if not ok then raise(("%s: cannot move '%s' into '%s': %s"):format(FNAME, rel, dir, err)) end
  end
  move(MARKER)
  for _, sub in ipairs({ "sprites", "sounds" }) do
    if wick.fs.kind(tmp .. "/" .. sub) == "folder" then
      wick.fs.mkdir(dir .. "/" .. sub)
      for _, f in ipairs(wick.fs.list(tmp .. "/" .. sub)) do move(sub .. "/" .. f) end
    end
  end
  move("data.js")
  move("index.html")
end

local escapes = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t",
  ["<"] = "\\u003c" }
local function json_string(s)
  s = s:gsub('[%c"\\<]', function(c) return escapes[c] or ("\\u%04x"):format(c:byte()) end)
  s = s:gsub("\226\128\168", "\\u2028"):gsub("\226\128\169", "\\u2029")
  return '"' .. s .. '"'
end

-- A JSON array of a Lua list of strings (nil entries as null).
local function json_strings(list, n)
  local out = {}
  for i = 1, n do out[i] = list[i] and json_string(list[i]) or "null" end
  return "[" .. table.concat(out, ",") .. "]"
end

local function json_numbers(list, fmt)
  local out = {}
  for i, v in ipairs(list) do out[i] = fmt:format(v) end
  return "[" .. table.concat(out, ",") .. "]"
end

-- a < b with runs of digits compared as numbers ("class 2" before "class 10").
local function natural_less(a, b)
  local ka = a:gsub("%d+", function(d) return ("%012d"):format(#d <= 12 and tonumber(d) or 0) end)
  local kb = b:gsub("%d+", function(d) return ("%012d"):format(#d <= 12 and tonumber(d) or 0) end)
  if ka ~= kb then return ka < kb end
  return a < b
end

local function hex(k)
  local r, g, b = wick.plot.palette(k)
  return ("#%02x%02x%02x"):format(math.floor(r * 255 + 0.5), math.floor(g * 255 + 0.5), math.floor(b * 255 + 0.5))
end

-- Labels as sorted names (numerically when all are numbers), ids per point (0: none)
-- and one plot.palette colour per name; with classes, the ids as given and the classes'
-- names and colours in id order, as plot.scatter's labels colour them.
local function label_table(labels, n, classes)
  if classes then
    local colors = {}
    for k = 1, #classes do colors[k] = hex(k) end
    return ('{"names":%s,"colors":%s,"ids":%s}'):format(json_strings(classes, #classes),
      json_strings(colors, #colors), json_numbers(labels, "%d"))
  end
  local seen, names, numeric = {}, {}, true
  for i = 1, n do
    local l = labels[i]
    if l and not seen[l] then
      seen[l] = true
      names[#names + 1] = l
      if not tonumber(l) then numeric = false end
    end
  end
  table.sort(names, function(a, b)
    if numeric then return tonumber(a) < tonumber(b) end
    return natural_less(a, b)
  end)
  local index, colors, ids = {}, {}, {}
  for k, name in ipairs(names) do
    index[name] = k
    colors[k] = hex(k)
  end
  for i = 1, n do ids[i] = labels[i] and index[labels[i]] or 0 end
  return ('{"names":%s,"colors":%s,"ids":%s}'):format(json_strings(names, #names), json_strings(colors, #colors),
    json_numbers(ids, "%d"))
end

-- One image from a function, as 3 channels fitted into a cell×cell square (white around).
local function fitted_image(fn, i, cell)
  local img = fn(i)
  if img == nil or img == false then return nil end
  if not T.is_tensor(img) or (img:dim() ~= 2 and img:dim() ~= 3) then
    raise(("%s: image %d must be a C×H×W or H×W tensor, got %s"):format(FNAME, i,
      T.is_tensor(img) and ("shape " .. shape_of(img)) or check.show(img)))
  end
  check.tensor(FNAME, "image " .. i, img)
  if img:dim() == 2 then img = img:view(1, img:size(1), img:size(2)) end
  local c = img:size(1)
  if c ~= 1 and c ~= 3 and c ~= 4 then
    raise(("%s: image %d has %d channels (1, 3 or 4 are images)"):format(FNAME, i, c))
  end
  img = wick.image.rgb(img:contiguous())
  local h, w = img:size(2), img:size(3)
  if h > cell or w > cell then
    img = wick.image.fit(img, cell)
    h, w = img:size(2), img:size(3)
  end
  if h == cell and w == cell then return img end
  local out = T.ones(3, cell, cell)
  local top, left = (cell - h) // 2, (cell - w) // 2
  out:narrow(2, top + 1, h):narrow(3, left + 1, w):copy_(img)
  return out
end

-- k images (k×C×ch×cw, contiguous) laid out `cols` to a row as one C×H×W picture.
local function sheet_of(batch, cols)
  local k, c, ch, cw = batch:size(1), batch:size(2), batch:size(3), batch:size(4)
  local rows = (k + cols - 1) // cols
  if rows * cols > k then batch = T.cat({ batch, T.ones(rows * cols - k, c, ch, cw) }, 1) end
  return batch:view(rows, cols, c, ch, cw):permute(3, 1, 4, 2, 5):contiguous():view(c, rows * ch, cols * cw)
end

-- Writes the sprite sheets; returns the JSON describing them.
local function write_sprites(dir, n, fn, batch, thumb)
  local ch, cw
  if batch then
    local h, w = batch:size(3), batch:size(4)
    local s = math.min(1, thumb / math.max(h, w))
    ch, cw = math.max(1, math.floor(h * s + 0.5)), math.max(1, math.floor(w * s + 0.5))
  else
    local first, call = fn(1), fn
    fn = function(i) if i == 1 then return first end return call(i) end   -- image(1) is asked for once
    local side = T.is_tensor(first) and first:dim() >= 2 and math.max(first:size(-1), first:size(-2)) or thumb
    ch = math.min(thumb, side)
    cw = ch
  end
  local cols, rows = math.max(1, SHEET // cw), math.max(1, SHEET // ch)
  local per = cols * rows
  wick.fs.mkdir(dir .. "/sprites")
  local sheets, missing = {}, {}
  for first = 1, n, per do
    local k = math.min(per, n - first + 1)
    local b
    if batch then
      b = batch:narrow(1, first, k)
      if b:size(3) ~= ch or b:size(4) ~= cw then b = wick.image.resize(b, ch, cw, { mode = "area" }) end
    else
      local list = {}
      for i = first, first + k - 1 do
        local img = fitted_image(fn, i, ch)
        if not img then missing[#missing + 1] = i - 1; img = T.ones(3, ch, ch) end
        list[#list + 1] = img:view(1, 3, ch, ch)
      end
      b = T.cat(list, 1)
    end
    local name = ("sprites/sheet-%d.png"):format(#sheets + 1)
    wick.image.save(sheet_of(b:contiguous(), cols), dir .. "/" .. name)
    sheets[#sheets + 1] = name
  end
  return ('{"cell":[%d,%d],"cols":%d,"per":%d,"sheets":%s,"missing":%s}'):format(cw, ch, cols, per,
    json_strings(sheets, #sheets), json_numbers(missing, "%d"))
end

-- Writes the clips; returns the JSON {clips = [...], ids = [...]} (ids: 0 none, else 1-based).
local function write_sounds(dir, n, fn, paths)
  wick.fs.mkdir(dir .. "/sounds")
  local clips, ids, by_path = {}, {}, {}
  for i = 1, n do
    local id = 0
    if fn then
      local samples, rate = fn(i)
      if samples ~= nil and samples ~= false then
        check.tensor(FNAME, ("sound %d's samples"):format(i), samples)
        check.number(FNAME, ("sound %d's rate"):format(i), rate, 1, nil)
        local name = ("sounds/clip-%d.wav"):format(#clips + 1)
        wick.audio.save(dir .. "/" .. name, samples, rate)
        clips[#clips + 1] = name
        id = #clips
      end
    elseif paths[i] then
      local p = paths[i]
      id = by_path[p]
      if not id then
        local ext = extension(p)
        local name
        if PLAYABLE[ext] then
          name = ("sounds/clip-%d.%s"):format(#clips + 1, ext)
          copy_file(p, dir .. "/" .. name)
        else   -- AIFF and the like: WAV through wick.audio
          name = ("sounds/clip-%d.wav"):format(#clips + 1)
          local samples, rate = wick.audio.load(p)
          wick.audio.save(dir .. "/" .. name, samples, rate)
        end
        clips[#clips + 1] = name
        id = #clips
        by_path[p] = id
      end
    end
    ids[i] = id
  end
  return ('{"clips":%s,"ids":%s}'):format(json_strings(clips, #clips), json_numbers(ids, "%d"))
end

local function html_escape(s)
  return (s:gsub("[&<>\"]", { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;" }))
end

-- ---- wick.page --------------------------------------------------------------------

-- wick.page(dir, points, opts) -> path of dir/index.html
function wick.page(dir, points, opts)
  opts = wick._options(FNAME, opts, defaults, 2)
  local state = check_folder(dir)
  points = check_points(points)
  local n = points:size(1)
  local labels
  if opts.classes then labels = class_ids(opts.label, opts.classes, n)
  elseif opts.label then labels = string_list("label", opts.label, n, true) end
  local texts = opts.text and string_list("text", opts.text, n)
  local thumb = check.integer(FNAME, "option 'thumb'", opts.thumb, 4, 1024)
  local image_fn, image_batch, sound_fn, sound_paths
  if opts.image then image_fn, image_batch = check_images(opts.image, n) end
  if opts.sound then sound_fn, sound_paths = check_sounds(opts.sound, n) end
  local title = opts.title or ("wick map of %d points"):format(n)
  check.type(FNAME, "option 'title'", title, "string")
  local template = wick._assets and wick._assets["page_template.html"]
  if not template then raise(FNAME .. ": this build of wick lacks the page template (page_template.html)") end

  -- Every argument is good: write the page next to dir, then move it in (see the top).
  local base = dir:gsub("/+$", "")
  local parent, name = base:match("^(.*)/([^/]+)$")
  if not parent then parent, name = ".", base elseif parent == "" then parent = "/" end
  -- a unique name without math.random (that would shift the sketch's random stream)
  local tmp = ("%s/.%s.wick-page-tmp-%d-%s"):format(parent, name, os.time(), tostring({}):match("%x+$"))
  wick.fs.mkdir(tmp)
  local ok, err = pcall(function()
    write_file(tmp .. "/" .. MARKER, "written by wick.page: a later wick.page call may replace index.html, "
      .. "data.js, sprites/ and sounds/ here\n")
    local parts = { ('"version":1,"title":%s,"n":%d'):format(json_string(title), n) }
    parts[#parts + 1] = '"x":' .. json_numbers(points:select(2, 1):contiguous():table(), "%.7g")
    parts[#parts + 1] = '"y":' .. json_numbers(points:select(2, 2):contiguous():table(), "%.7g")
    parts[#parts + 1] = '"labels":' .. (labels and label_table(labels, n, opts.classes or nil) or "null")
    parts[#parts + 1] = '"text":' .. (texts and json_strings(texts, n) or "null")
    parts[#parts + 1] = '"sprites":' .. ((image_fn or image_batch)
      and write_sprites(tmp, n, image_fn, image_batch, thumb) or "null")
    parts[#parts + 1] = '"sounds":' .. ((sound_fn or sound_paths) and write_sounds(tmp, n, sound_fn, sound_paths)
      or "null")
    write_file(tmp .. "/data.js", "window.WICK_PAGE_DATA = {" .. table.concat(parts, ",\n") .. "};\n")
    local html = template:gsub("{{TITLE}}", function() return html_escape(title) end)
    write_file(tmp .. "/index.html", html)
  end)
  if not ok then
    remove_tree(tmp)
    error(err, 0)   -- already names page and the caller's line
  end
  if state == "page" then clear_page(dir) else wick.fs.mkdir(dir) end
  local book = wick._book
  local from = book and book.realpath and book.realpath(tmp)
  move_page(tmp, dir)
  -- the run log heard of the files in tmp: it names them where they are now
  if from and book.moved then book.moved(from, book.realpath(dir)) end
  remove_tree(tmp)
  return dir .. "/index.html"
end
