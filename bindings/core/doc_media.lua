-- doc_media.lua — help's entries for wick.image, wick.video, wick.plot, wick.page and wick.sketch (the
-- gallery's kit, with its Kit type). Options and defaults are the code's: plot's are
-- compared by help_spec with the tables plot.lua passes to wick._options; image's are
-- read in C (image.c) and written here from it.
-- luacheck: no max line length (one entry a line or two: the strings are the documentation)
local wick = ...
local doc = wick._doc
local add, module, type_ = doc.add, doc.module, doc.type

-- ---- wick.image -------------------------------------------------------------------------

module("wick.image", "images as C×H×W tensors in [0,1]: PNG and JPEG in and out, resizing, contact sheets, optical flow",
  'local img = wick.image.load("photo.jpg")\nwick.image.save(wick.image.resize(img, 256, 256), "out/small.png")')
add("wick.image.load", { "image.load(path) → C×H×W tensor", "PNG (grey, RGB, RGBA, palette, 1–16 bit, interlaced) and JPEG (grey, RGB, CMYK); the format comes from the file's bytes",
  example = 'local img = wick.image.load("photo.png")' })
add("wick.image.save", { "image.save(t, path [, opts]) → path", "PNG with 1–4 channels (or JPEG by extension), values clamped; records the sketch and the seed; makes missing folders; writes atomically",
  opts = { { "bits", 8, "8 or 16 (PNG)" }, { "quality", 90, "JPEG quality" } },
  example = 'wick.image.save(img, "out/picture.png")' })
add("wick.image.resize", { "image.resize(t, h, w [, opts]) → tensor", "resizes C×H×W or N×C×H×W",
  opts = { { "mode", "bilinear", "\"bilinear\", \"area\" or \"nearest\"" } },
  example = "local small = wick.image.resize(img, 64, 64, {mode = \"area\"})" })
add("wick.image.rgb", { "image.rgb(t) → 3×H×W", "a picture as three channels: grey repeated, alpha dropped",
  example = "local img = wick.image.rgb(wick.image.load(\"photo.png\"))" })
add("wick.image.fit", { "image.fit(t, side) → tensor", "resized so the longer side is side pixels, the aspect kept (area when shrinking)",
  example = "local small = wick.image.fit(img, 512)" })
add("wick.image.roll", { "image.roll(t, dy, dx) → tensor", "shifts C×H×W or N×C×H×W down dy rows and right dx columns, wrapping around (Deep Dream's jitter)",
  example = "local moved = wick.image.roll(img, 16, -8)" })
add("wick.image.blur", { "image.blur(t, sigma) → tensor", "a gaussian blur of sigma pixels (separable, edges repeated), differentiable",
  example = "local soft = wick.image.blur(img, 1.5)" })
add("wick.image.lap_normalize", { "image.lap_normalize(g [, levels]) → tensor", "a gradient with each band of its Laplacian pyramid scaled to the same size, per image (levels 4), so ascent grows large shapes as well as grain",
  example = "g = wick.image.lap_normalize(x.grad, 4)" })
add("wick.image.flow", { "image.flow(prev, next [, opts]) → 2×H×W flow", "dense optical flow (Farnebäck 2003): per pixel (dx, dy) with prev(y, x) ≈ next(y + dy, x + dx); frames H×W, 1×H×W or 3×H×W (RGB goes grey), same size",
  opts = { { "levels", 5, "pyramid levels, the full size included (sides under 32 px skipped)" }, { "scale", 0.5, "each level's size over the finer one's" },
    { "window", 15, "odd side of the averaging window" }, { "iterations", 3, "solves per level" }, { "poly_n", 5, "polynomial neighbourhood radius" },
    { "poly_sigma", 1.1, "its gaussian's sigma" }, { "filter", "gaussian", "the window: \"gaussian\" or \"box\"" },
    { "init", nil, "a 2×H×W flow to start from", default_text = "zero motion" } },
  example = "local f = wick.image.flow(frame2, frame1)      -- frame2(y, x) ≈ frame1(y + dy, x + dx)\nlocal carried = wick.image.warp(styled1, f)     -- styled1 moved onto frame2" })
add("wick.image.warp", { "image.warp(img, flow) → tensor", "img (C×H×W or H×W) sampled along a 2×H×W flow: out(y, x) = img(y + dy, x + dx), bilinear, edges clamped; warp(next, flow(prev, next)) ≈ prev",
  example = "local carried = wick.image.warp(styled1, wick.image.flow(frame2, frame1))" })
add("wick.image.flow_mask", { "image.flow_mask(fwd, bwd) → H×W", "1 where the flow fwd (a→b) is reliable, 0 where the flow back bwd (b→a) disagrees (occlusion) or fwd jumps (motion boundary): Ruder et al. 2016's consistency check",
  example = "local mask = wick.image.flow_mask(wick.image.flow(frame2, frame1), wick.image.flow(frame1, frame2))" })
add("wick.image.grid", { "image.grid(batch_or_list [, opts]) → C×H×W tensor", "a contact sheet of N×C×H×W images or a list of C×H×W",
  opts = { { "cols", nil, "about square", default_text = "about square" }, { "pad", 2, "pixels between images" }, { "pad_value", 1, "the padding's value" } },
  example = 'wick.image.save(wick.image.grid(batch.x, {cols = 8}), "out/batch.png")' })

-- ---- wick.video -------------------------------------------------------------------------

module("wick.video", "moving pictures as lists of 3×H×W frames: animated GIF, MP4, WebM (anything FFmpeg decodes) and numbered PNGs (\"out/%04d.png\") in and out",
  'local frames, info = wick.video.read("clip.mp4", {max_frames = 48})\nwick.video.save(frames, "out/clip.gif", {fps = info.fps})')
add("wick.video.open", { "video.open(path) → reader", "a Reader for a GIF, MP4, WebM, MKV, MOV… (recognised by its bytes) or a numbered-frame pattern; the first frame is decoded at once, so a broken file fails here",
  see = { "VideoReader" },
  example = 'local r = wick.video.open("clip.mp4")\nprint(r.width, r.height, r.fps, r.count, r.codec)' })
add("wick.video.read", { "video.read(path [, opts]) → {frame, …}, info", "every frame (or the first max_frames) and info {width, height, fps, count, codec, format}; refuses frames that would take more than half the machine's memory",
  opts = { { "max_frames", nil, "at most this many frames", default_text = "all" } },
  example = 'local frames, info = wick.video.read("clip.gif")\nprint(#frames, info.fps)' })
add("wick.video.writer", { "video.writer(path [, opts]) → writer", "a Writer: .gif (own palette a frame, loops), .mp4/.mkv/.mov (H.264, else MPEG-4), .webm (VP9, else VP8) or a pattern \"out/%04d.png\"; makes missing folders; the file appears only at close",
  opts = { { "fps", 24, "frames per second (a GIF stores hundredths of a second: 24 becomes 25)" },
    { "quality", 70, "0–100 onto the encoder's scale (x264 crf 51–0, VP9 crf 63–0, MPEG-4 q 31–1); GIF ignores it" },
    { "codec", nil, "an FFmpeg encoder or codec name (\"mpeg4\", \"vp8\", \"libx264\")", default_text = "by extension" } },
  see = { "VideoWriter" },
  example = 'local w = wick.video.writer("out/spin.mp4", {fps = 30})\nfor t = 1, 60 do w:write(draw(t)) end\nw:close()' })
add("wick.video.save", { "video.save(frames, path [, opts]) → path", "a list of frames (or an N×C×H×W batch) written as video.writer would, in one call",
  opts = { { "fps", 24, "" }, { "quality", 70, "" }, { "codec", nil, "", default_text = "by extension" } },
  example = 'wick.video.save(frames, "out/loop.gif", {fps = 12})' })

type_("VideoReader", { "a video being read, from video.open: r.width, r.height, r.fps, r.count (frames; nil when the file does not say), r.codec, r.format, r.path", var = "r",
  probe = function(x) local mt = getmetatable(x); return type(mt) == "table" and mt.__name == "wick.VideoReader" end,
  example = 'local r = wick.video.open("clip.webm")\nlocal first = r:read()' })
add("VideoReader:read", { "r:read() → 3×H×W tensor | nil", "the next frame in [0,1]; nil at the end", example = "local frame = r:read()" })
add("VideoReader:frames", { "r:frames() → iterator", "the frames not read yet, for a for loop", example = "for frame in r:frames() do n = n + 1 end" })
add("VideoReader:close", { "r:close()", "frees the decoder (also at the end of a <close> scope, or when collected); a closed reader raises when read", example = "r:close()" })

type_("VideoWriter", { "a video being written, from video.writer: w.path, w.codec, w.fps, w.count (frames so far)", var = "w",
  probe = function(x) local mt = getmetatable(x); return type(mt) == "table" and mt.__name == "wick.VideoWriter" end,
  example = 'local w <close> = wick.video.writer("out/a.webm")\nw:write(frame)' })
add("VideoWriter:write", { "w:write(frame) → w", "appends a 3×H×W, 1×H×W or H×W frame in [0,1] (clamped, NaN as 0); every frame the first's size; odd sides are padded by one edge row or column for MP4/WebM",
  example = "w:write(img)" })
add("VideoWriter:close", { "w:close() → path", "finishes the file and renames it into place; a <close> scope left normally does the same, one left by an error (or a writer collected unclosed) leaves no file",
  example = 'print("wrote " .. w:close())' })

-- ---- wick.plot --------------------------------------------------------------------------

module("wick.plot", "pictures in image coordinates (x right, y down): with path each call writes a PNG and returns the path, without it returns a C×H×W tensor",
  'wick.plot.scatter(y, {labels = labels, path = "out/scatter.png"})')
add("wick.plot.scatter", { "plot.scatter(points [, opts]) → image or path, to_pixel", "N×2 points coloured by colors (N×3) or labels (class ids); text labels; lines join pairs; to_pixel(x, y) maps data to pixels",
  opts = { { "path", false, "PNG to write; false: return the image" }, { "size", 1024, "pixels, or {w, h}" }, { "radius", 2, "disc radius" },
    { "alpha", 0.8, "disc opacity" }, { "colors", false, "N×3 RGB tensor (see plot.rgb)" }, { "labels", false, "N class ids" },
    { "color", { 0.12, 0.47, 0.71 }, "one colour for all" }, { "text", false, "{\"word\", …} beside the points (moved near where another already is)" },
    { "font_size", 12, "" }, { "text_color", { 0.1, 0.1, 0.1 }, "or \"point\"" }, { "lines", false, "{{i, j}, …}" },
    { "line_color", { 0.6, 0.6, 0.6 }, "" }, { "line_width", 1, "" }, { "background", { 1, 1, 1 }, "{r, g, b[, a]}" },
    { "title", false, "" }, { "bounds", false, "{x0, y0, x1, y1}; false: the points' extent" },
    { "margin", false, "pixels; false: 4% of the short side" }, { "fit", "equal", "\"equal\" or \"stretch\"" } },
  example = 'wick.plot.scatter(y, {labels = train.y, path = "out/tsne.png"})' })
add("wick.plot.mosaic", { "plot.mosaic(images, cells [, opts]) → image or path", "image k drawn into grid cell cells[k] (1-based, row-major; from embed.grid)",
  opts = { { "cols", false, "" }, { "rows", false, "" }, { "path", false, "" }, { "cell_size", false, "pixels; false: the images' size" },
    { "background", 1, "" } },
  example = 'wick.plot.mosaic(images, cells, {cols = 30, path = "out/mosaic.png"})' })
add("wick.plot.heatmap", { "plot.heatmap(matrix [, opts]) → image or path", "a matrix as coloured cells with row and column names",
  opts = { { "rows", false, "row names" }, { "cols", false, "column names" }, { "path", false, "" }, { "cell", 32, "cell side in pixels" },
    { "colormap", "viridis", "viridis, magma, grey, rdbu, rdbu_r" }, { "range", false, "{lo, hi}; false: min and max" },
    { "values", false, "print each value" }, { "title", false, "" }, { "font_size", 12, "" }, { "background", { 1, 1, 1 }, "" } },
  example = 'wick.plot.heatmap(m:similarity(words), {rows = words, cols = words, path = "out/sim.png"})' })
add("wick.plot.line", { "plot.line(data [, opts]) → image or path, to_pixel", "line plots (loss curves): a list or 1-D tensor of values, a list of series {name, x, y, color}, or a table name = values",
  opts = { { "path", false, "" }, { "size", { 800, 500 }, "pixels, or one number" }, { "x", false, "x values shared by the series" },
    { "log_y", false, "logarithmic y axis" }, { "title", false, "" }, { "x_label", false, "" }, { "y_label", false, "" },
    { "legend", true, "a legend of the named series" }, { "line_width", 2, "" }, { "font_size", 13, "" },
    { "colors", false, "{{r, g, b}, …}; false: plot.palette's" }, { "background", { 1, 1, 1 }, "" } },
  example = 'wick.plot.line({train = losses, valid = valid_losses}, {log_y = true, path = "out/loss.png"})' })
add("wick.plot.colormap", { "plot.colormap(name, v) → r, g, b or N×3 tensor", "colours for values in [0,1] (a number or a 1-D tensor)",
  example = 'print(wick.plot.colormap("viridis", 0.5))' })
add("wick.plot.palette", { "plot.palette(id) → r, g, b", "the colour of class id (1-based)", example = "print(wick.plot.palette(3))" })
add("wick.plot.rgb", { "plot.rgb(y3) → N×3 tensor", "each column of an N×3 layout scaled to [0,1]: colours for scatter's colors", example = "local c = wick.plot.rgb(wick.embed.tsne(x, {dims = 3}))" })

-- ---- wick.page --------------------------------------------------------------------------

add("wick.page", { "wick.page(dir, points [, opts]) → path of index.html", "an interactive map of N×2 points as a folder that opens from disk with no server: pan, zoom, hover to see the image larger, read the text or hear the sound, click to pin, search, colour by label with a legend; thumbnails in sprite sheets, sounds as clips; never writes into a folder of other files (a previous page is replaced)",
  opts = { { "label", false, "N strings (or a 1-D tensor of ids): colours, legend, search" },
    { "classes", false, "names of label's ids 1..K: legend in id order, plot.palette(id) colours as plot.scatter's" },
    { "image", false, "N×C×H×W tensor in [0,1], a list of images, or function(i) → image" },
    { "sound", false, "N sound files (false: none), or function(i) → samples, rate (needs wick.audio)" },
    { "text", false, "N strings shown on hover and searched" }, { "title", false, "false: \"wick map of N points\"" },
    { "thumb", 64, "thumbnails' longest side in pixels (never enlarged)" } },
  example = 'wick.page("out/map", y, {label = test.y, classes = test.classes, image = test.x, title = "Fashion-MNIST"})' })

-- ---- wick.sketch ------------------------------------------------------------------------

add("wick.sketch", { "wick.sketch([opts]) → kit", "the gallery's kit: --full, --seed N, --out DIR and one option per declared parameter (its default given in opts); seeds and prints the seed, makes out/, puts the sketch's folder on package.path",
  opts = { { "positional", nil, "parameters bare arguments fill, in order", default_text = "none" },
    { "name", nil, "the sketch's name (default: the script's)", default_text = "script's" },
    { "arg", nil, "the arguments (default: the global arg)", default_text = "arg" },
    { "quiet", nil, "do not print the seed", default_text = "false" },
    { "seed", nil, "the default seed (default: wick's, per run)", default_text = "per run" } },
  see = { "Kit" },
  example = 'local kit = wick.sketch{seed = 7, size = 512, frames = 1}\nfor t = 1, kit.frames do kit:frame(draw(t)) end' })
type_("Kit", { "a sketch's kit from wick.sketch: kit.seed, kit.full, kit.out, kit.here and the declared parameters", var = "kit",
  probe = function(x) local mt = getmetatable(x); return type(mt) == "table" and mt.__name == "wick.sketch" end,
  example = 'wick.image.save(img, kit:path("ripples-seed%d.png", kit.seed))' })
add("Kit:path", { "kit:path(name, ...) → path", "out/<name>, formatted with ... when given", example = 'local p = kit:path("grid-%d.png", kit.seed)' })
add("Kit:write", { "kit:write(name, s) → path", "writes text to out/<name> and prints where", example = 'kit:write("poem.txt", text)' })
add("Kit:frame", { "kit:frame(img) → path", "saves img as out/frame-0001.png, then 0002 … (Processing's saveFrame)", example = "kit:frame(img)" })
add("Kit:frame_path", { "kit:frame_path() → path", "the next frame's path without writing (plot.* take a path)", example = "wick.plot.scatter(y, {path = kit:frame_path()})" })
add("Kit:frames_reset", { "kit:frames_reset([prefix])", "numbers frames from 0001 again, optionally as <prefix>-0001.png", example = 'kit:frames_reset("tsne")' })
add("Kit:shuffle", { "kit:shuffle(list) → list", "shuffles a Lua list in place with wick's seeded generator", example = "kit:shuffle(files)" })
