-- doc_core.lua — help's entries for wick itself, wick.autograd, wick.data, wick.fs,
-- wick.chess and wick.svg (see help.lua for the table's shape). Wording follows
-- README.md's Lua API section; options and defaults are the code's (help_spec checks).
-- luacheck: no max line length (one entry a line or two: the strings are the documentation)
local wick = ...
local doc = wick._doc
local add, module, type_ = doc.add, doc.module, doc.type

-- ---- wick -------------------------------------------------------------------------------

module("wick", "everything: `local wick = require \"wick\"`; indices are 1-based, options are one table",
  'local wick = require "wick"\nlocal T = wick.tensor')
add("wick.version", { "wick.version", "the version string (\"0.1.0\")", kind = "value",
  example = "print(wick.version)" })
add("wick.help", { "wick.help([x])", "prints the documentation of x (a function, module, tensor, layer or a name like \"tsne\" or \"t:sum\"); with no argument, the modules",
  example = 'wick.help(wick.embed.tsne)\nwick.help "t:sum"' })
add("wick.seed", { "wick.seed([n]) → seed", "sets the one random generator (xoshiro256**) when given n; returns the seed in force (an unseeded run picks one from the clock)",
  example = "wick.seed(42)\nprint(wick.seed())   --> 42" })
add("wick.clock", { "wick.clock() → seconds", "monotonic seconds, for timing",
  example = "local t0 = wick.clock()\n-- …\nprint(wick.clock() - t0)" })
add("wick.no_grad", { "wick.no_grad(fn, ...) → fn's results", "runs fn(...) without recording gradients (evaluation, sampling, optimizer steps)",
  aliases = { "wick.autograd.no_grad" },
  example = "local y = wick.no_grad(net, x)" })
add("wick.save", { "wick.save(x, path [, opts])", "a tensor, a module (its parameters and buffers) or a table of tensors → one safetensors file (F32), written atomically; the seed goes in the metadata",
  opts = { { "metadata", {}, "string keys and values stored in the file's header" } },
  example = 'wick.save(net, "out/net.safetensors", {metadata = {epochs = "3"}})' })
add("wick.load", { "wick.load(path) → tensor or {name → tensor}, metadata", "reads a safetensors file (F32, F16, BF16, F64, I64, I32, U8 …): the tensor when it holds one, else a table of tensors; second result: the metadata",
  example = 'local state, meta = wick.load("out/net.safetensors")\nnet:load_state(state)' })
add("wick.threads", { "wick.threads([n]) → n, stats", "the threads kernels use (sets them first when n is given; clamped to the CPUs) and what the thread pool did",
  example = "wick.threads(2)" })
add("wick.memory", { "wick.memory() → {live, cached, system_allocations}", "bytes in tensors, freed blocks kept for reuse, and blocks taken from the system",
  example = "print(wick.memory().live)" })

-- ---- wick.autograd ----------------------------------------------------------------------

module("wick.autograd", "reverse-mode differentiation on the tensors themselves (x:requires_grad(), loss:backward())",
  "local x = T.randn(3):requires_grad()\n(x * x):sum():backward()\nprint(x.grad)")
add("wick.autograd.gradcheck", { "autograd.gradcheck(fn, inputs [, opts]) → ok, max_error, report", "compares fn's backward with finite differences on a sample of input elements",
  opts = { { "eps", 1e-2, "finite-difference step" }, { "atol", 1e-2, "absolute tolerance" },
    { "rtol", 1e-2, "relative tolerance" }, { "samples", 24, "elements checked per input" } },
  example = "local x = T.randn(4):requires_grad()\nprint(wick.autograd.gradcheck(function(a) return a:tanh() end, {x}))" })
add("wick.autograd.record", { "autograd.record(out, inputs, backward [, name]) → out", "makes out a graph node over inputs: a plain-Lua function with its own gradient; backward(g) returns one gradient per input (nil where none flows)",
  example = "local y = wick.no_grad(function() return x * 2 end)\nwick.autograd.record(y, {x}, function(g) return g * 2 end)" })
add("wick.autograd.record_multi", { "autograd.record_multi(outs, inputs, backward [, name]) → outs…", "record for a node with several outputs: backward receives one gradient per output (nil where none reached)",
  example = "local a, b = wick.autograd.record_multi({y1, y2}, {x}, function(g1, g2) return (g1 or 0) + (g2 or 0) end)" })
add("wick.autograd.enabled", { "autograd.enabled() → boolean", "whether gradients are being recorded (false inside wick.no_grad)",
  example = "print(wick.autograd.enabled())" })
add("wick.autograd.with_grad", { "autograd.with_grad(fn, ...) → fn's results", "runs fn(...) with recording on, even inside no_grad (L-BFGS re-evaluates its closure so)",
  example = "wick.no_grad(function() return wick.autograd.with_grad(closure) end)" })
add("wick.autograd.recording", { "autograd.recording(...) → boolean", "true when recording is on and some argument tracks gradients: whether an op should record a node",
  example = "if wick.autograd.recording(x, w) then --[[ record a node ]] end" })
add("wick.autograd.unbroadcast", { "autograd.unbroadcast(g, x) → tensor", "sums the gradient g over the dims broadcasting stretched, back to x's shape (nil when x is not a tensor)",
  example = "local gx = wick.autograd.unbroadcast(g, x)" })

-- ---- wick.data --------------------------------------------------------------------------

module("wick.data", "datasets and the training loop's batches",
  "local train, test = wick.data.fashion_mnist()\nfor step, batch in wick.data.batches(train) do … end")
add("wick.data.fashion_mnist", { "data.fashion_mnist([dir]) → train, test", "Fashion-MNIST as sets {x = N×1×28×28 in [0,1], y = N class ids 1..10, classes, n}; a missing dataset names the package and `make data`",
  example = "local train, test = wick.data.fashion_mnist()\nprint(train.n, train.classes[train.y[1]])" })
add("wick.data.mnist", { "data.mnist([dir]) → train, test", "MNIST digits as sets {x, y, classes, n}, like fashion_mnist",
  example = "local train = wick.data.mnist()" })
add("wick.data.batches", { "data.batches(set [, opts]) → iterator of step, batch", "mini-batches (batch.x, batch.y, batch.index, batch.epoch); set batch.loss to show it on the progress line; a NaN loss stops with an error naming the step",
  opts = { { "batch", 64, "items per batch (its old name size is taken until the next release)" }, { "shuffle", true, "reshuffle every epoch" },
    { "epochs", 1, "passes over the set" }, { "drop_last", false, "drop a short last batch" },
    { "progress", true, "a progress line (step, loss, items/s, ETA) on a terminal" },
    { "every", 100, "steps between on_step calls" },
    { "on_step", false, "function(info) run every `every` steps (info.step, steps, epoch, loss, batch, elapsed); return false or \"stop\" to stop" } },
  example = "for step, batch in wick.data.batches(train, {batch = 128, epochs = 2}) do\n  local loss = nn.cross_entropy(net(batch.x), batch.y)\n  batch.loss = loss:item()\nend" })
add("wick.data.progress", { "data.progress(total, unit) → bar", "a progress line on stderr, redrawn in place, only on a terminal: bar.update(step, items [, loss]), bar.finish()",
  example = 'local bar = wick.data.progress(100, "items")\nfor i = 1, 100 do bar.update(i, i) end\nbar.finish()' })
add("wick.data.find", { "data.find(name [, opts]) → path", "the installed data file or folder called name (\"glove\", \"chess/benchmark.pgn\" or an absolute path), searched in data.dirs(); a missing one names its package and `make data`",
  opts = { { "dirs", false, "a list of folders to search instead of data.dirs()" } },
  example = 'local path = wick.data.find("fashion-mnist")' })
add("wick.data.dirs", { "data.dirs() → {folder, …}", "the data folders in search order: $WICK_DATA (when set), /usr/local/share/wick, ~/.local/share/wick",
  example = "for _, d in ipairs(wick.data.dirs()) do print(d) end" })

-- ---- wick.fs ----------------------------------------------------------------------------

module("wick.fs", "folders and other programs without a shell (a path is never pasted into a command line)",
  'wick.fs.mkdir("out/frames")')
add("wick.fs.mkdir", { "fs.mkdir(path) → path", "makes the folder and its parents (mkdir -p)",
  example = 'wick.fs.mkdir("out/frames")' })
add("wick.fs.list", { "fs.list(dir) → {name, …}", "the names in dir, sorted (no . or ..)",
  example = 'for _, name in ipairs(wick.fs.list(".")) do print(name) end' })
add("wick.fs.kind", { "fs.kind(path) → \"file\" | \"folder\" | \"other\" | nil", "what is at path; nil when nothing is",
  example = 'if wick.fs.kind("out") ~= "folder" then wick.fs.mkdir("out") end' })
add("wick.fs.read_command", { "fs.read_command({program, arg, …} [, opts]) → output, exit code", "runs the program with exactly those arguments and returns what it printed",
  opts = { { "max_bytes", 2 ^ 30, "the most output kept" }, { "quiet", false, "drop the program's stderr" } },
  example = 'local out, code = wick.fs.read_command({"ls", "-l"})' })
add("wick.fs.spawn", { "fs.spawn({program, arg, …} [, opts]) → process", "a running program to talk to line by line (UCI chess engines)",
  opts = { { "quiet", false, "drop the program's stderr" } },
  example = 'local p = wick.fs.spawn({"cat"})\np:send("hello")\nprint(p:read_line())\np:close()' })

type_("Process", { "a running program from fs.spawn", var = "p",
  probe = function(x) local mt = getmetatable(x); return type(mt) == "table" and mt.__name == "wick.fs.process" end,
  example = 'local p = wick.fs.spawn({"stockfish"})\np:send("uci")' })
add("Process:send", { "p:send(line)", "writes line and a newline to the program's input",
  example = 'p:send("isready")' })
add("Process:read_line", { "p:read_line() → line | nil", "the next line the program printed; nil at its end",
  example = "local line = p:read_line()" })
add("Process:lines", { "p:lines() → iterator", "the program's remaining lines, for a for loop",
  example = "for line in p:lines() do print(line) end" })
add("Process:close", { "p:close() → exit code", "closes the program's input and waits for it",
  example = "local code = p:close()" })

-- ---- wick.chess and wick.svg ------------------------------------------------------------

module("wick.chess", "chess boards: legal moves, SAN and UCI, FEN, perft, game checking",
  'local b = wick.chess.new()\nb:play("e4")\nprint(b:fen())')
add("wick.chess.new", { "chess.new([fen]) → board", "a board at the start position, or at fen",
  example = 'local b = wick.chess.new()' })
add("wick.chess.check_game", { "chess.check_game(pgn [, fen]) → {plies, first_illegal, reason, result}", "replays a game's moves and reports the first illegal one",
  example = 'local r = wick.chess.check_game("1. e4 e5 2. Nf3 Nc6")\nprint(r.plies)' })

type_("Board", { "a chess position from chess.new", var = "b",
  probe = function(x) local mt = getmetatable(x); return type(mt) == "table" and mt.__name == "wick.ChessBoard" end,
  example = 'local b = wick.chess.new()\nprint(#b:moves())   --> 20' })
add("Board:moves", { "b:moves() → {san, …}", "the legal moves in SAN", example = "print(table.concat(b:moves(), \" \"))" })
add("Board:play", { "b:play(move) → san, uci | nil, reason", "plays a SAN or UCI move; nil and a reason when illegal (the board is unchanged)",
  example = 'assert(b:play("e2e4"))' })
add("Board:fen", { "b:fen() → string", "the position as FEN", example = "print(b:fen())" })
add("Board:status", { "b:status() → string", "\"playing\", or how the game ended (checkmate, stalemate, a draw)", example = "print(b:status())" })
add("Board:perft", { "b:perft(depth) → count", "the number of move sequences of that depth (move-generator check)", example = "print(b:perft(3))   --> 8902" })
add("Board:copy", { "b:copy() → board", "an independent copy of the position", example = "local b2 = b:copy()" })
add("Board:in_check", { "b:in_check() → boolean", "whether the side to move is in check", example = "print(b:in_check())" })
add("Board:turn", { "b:turn() → \"white\" | \"black\"", "the side to move", example = "print(b:turn())" })

module("wick.svg", "SVG pictures to tensors (librsvg, loaded on first use)",
  'local img = wick.svg.render(svg_text, {size = 128})')
add("wick.svg.render", { "svg.render(svg_text [, opts]) → 4×H×W tensor", "rasterises SVG text to an RGBA tensor in [0,1]",
  opts = { { "size", 72, "pixels on each side" }, { "width", nil, "pixels wide (default: size)", default_text = "size" },
    { "height", nil, "pixels high (default: size)", default_text = "size" } },
  example = 'local img = wick.svg.render(\'<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>\', {size = 32})' })
add("wick.svg.parses", { "svg.parses(svg_text) → boolean, reason", "whether librsvg accepts the text",
  example = "print(wick.svg.parses(\"<svg/>\"))" })
