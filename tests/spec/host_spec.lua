-- host_spec.lua — the `wick` program itself: lua5.4-style options and --help, scripts and
-- their errors, how the REPL prints plain tables, the REPL driven for real through tmux
-- (Tab completion included), and --watch re-running a sketch, or a module of its, on save.
-- Runs inside wick (tests/busted_runner.lua); WICK names the binary under test.
local system_ok, system = pcall(require, "system")
local helpers = require "spec_helpers"

local run = helpers.run
local tmpdir = helpers.tmpdir
local write_file = helpers.write_file

local WICK = helpers.WICK
if WICK:find("/") and not WICK:find("^/") then   -- tmux panes need no particular cwd
  WICK = assert(os.getenv("PWD")) .. "/" .. WICK
end
local TIMEOUT = 20   -- seconds any one wait may take before the test fails (generous: CI runs it under ASan)

local q = helpers.quote

local function sleep(s)
  if system_ok and system.sleep then system.sleep(s) else os.execute("sleep " .. s) end
end

local function now()
  if system_ok and system.monotime then return system.monotime() end
  return os.time()
end

-- Poll f() until it returns a true value or TIMEOUT passes; returns the last value.
local function eventually(f)
  local deadline = now() + TIMEOUT
  repeat
    local v = f()
    if v then return v end
    sleep(0.05)
  until now() > deadline
  return f()
end

local function read(path)
  local f = io.open(path)
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
end

-- Save as editors do: write a temporary file beside it, then rename it over.
local function save(path, text)
  write_file(path .. ".tmp~", text)
  assert(os.rename(path .. ".tmp~", path))
end

local tmp = tmpdir()
teardown(function() os.execute("rm -rf " .. q(tmp)) end)

describe("wick options", function()
  it("-e runs a statement", function()
    local out, rc = run(q(WICK) .. " -e 'print(6 * 7)'")
    assert.are.equal("42\n", out)
    assert.are.equal(0, rc)
  end)

  it("-v prints the version with Lua's, then the BLAS, its kernels and the threads", function()
    local out, rc = run(q(WICK) .. " -v")
    assert.matches("^wick 0%.1%.0 %(Lua 5%.4%.%d+%)\nBLAS: [^\n]+, kernels [^\n]+, threads %d+\n$", out)
    assert.are.equal(0, rc)
  end)

  it("-l mod and -l g=mod require into globals", function()
    write_file(tmp .. "/hostmod.lua", "return { answer = 42 }")
    local env = "LUA_PATH=" .. q(tmp .. "/?.lua;;") .. " "
    local out = run(env .. q(WICK) .. " -l hostmod -e 'print(hostmod.answer)'")
    assert.are.equal("42\n", out)
    out = run(env .. q(WICK) .. " -l hm=hostmod -e 'print(hm.answer, hostmod)'")
    assert.are.equal("42\tnil\n", out)
  end)

  it("-l of a missing module fails", function()
    local out, rc = run(q(WICK) .. " -l no_such_module_here")
    assert.matches("module 'no_such_module_here' not found", out, 1, true)
    assert.are_not.equal(0, rc)
  end)

  it("- runs stdin as the script, with args", function()
    local out, rc = run("printf 'print(\"in\", ...)' | " .. q(WICK) .. " - a b")
    assert.are.equal("in\ta\tb\n", out)
    assert.are.equal(0, rc)
  end)

  it("runs piped stdin when there is no script", function()
    local out = run("printf 'print(1 + 1)' | " .. q(WICK))
    assert.are.equal("2\n", out)
  end)

  it("--help and -h print the usage on stdout and exit 0, running nothing", function()
    for _, opt in ipairs({"--help", "-h"}) do
      local out, rc = run(q(WICK) .. " -e 'print(\"ran\")' " .. opt .. " 2>/dev/null")
      assert.are.equal(0, rc, opt)
      assert.matches("^usage: wick %[options%] %[script %[args%]%]\n", out)
      assert.matches("--watch script", out, 1, true)
      assert.matches("-h, --help", out, 1, true)
      assert.is_nil(out:find("ran", 1, true), opt)   -- -e came first but nothing runs
    end
  end)

  it("passes --help after the script on to the script", function()
    local script = tmp .. "/helparg.lua"
    write_file(script, "print('script got', ...)")
    local out, rc = run(q(WICK) .. " " .. q(script) .. " --help")
    assert.are.equal("script got\t--help\n", out)
    assert.are.equal(0, rc)
  end)

  it("rejects an unknown option", function()
    local out, rc = run(q(WICK) .. " -Z")
    assert.matches("unrecognized option '-Z'", out, 1, true)
    assert.are_not.equal(0, rc)
  end)
end)

describe("wick scripts", function()
  it("get the arg table as lua.c builds it, and ... ", function()
    local script = tmp .. "/args.lua"
    write_file(script, "print(arg[0], arg[1], arg[2], #arg, arg[-1] ~= nil, select('#', ...), ...)")
    local out, rc = run(q(WICK) .. " " .. q(script) .. " x 'y z'")
    assert.are.equal(script .. "\tx\ty z\t2\ttrue\t2\tx\ty z\n", out)
    assert.are.equal(0, rc)
  end)

  it("stop on a runtime error: status non-zero, message, traceback with file:line", function()
    local script = tmp .. "/boom.lua"
    write_file(script, "local x = 1\nlocal function f()\n  error('kaboom')\nend\nf()\n")
    local out, rc = run(q(WICK) .. " " .. q(script))
    assert.are_not.equal(0, rc)
    assert.matches("^wick: " .. script:gsub("%p", "%%%0") .. ":3: kaboom\n", out)
    assert.matches("stack traceback:", out, 1, true)
    assert.matches(script .. ":5: in main chunk", out, 1, true)
  end)

  it("stop on a syntax error with status non-zero", function()
    local script = tmp .. "/syntax.lua"
    write_file(script, "print('fine')\nx = = 1\n")
    local out, rc = run(q(WICK) .. " " .. q(script))
    assert.are_not.equal(0, rc)
    assert.matches("wick: " .. script .. ":2:", out, 1, true)
    assert.is_nil(out:find("fine", 1, true))   -- nothing ran
  end)
end)

-- The REPL's printing needs no terminal: `wick -i` reads piped lines the same way.
describe("wick REPL printing", function()
  -- Feed lines to `wick -i`; return what each line printed ("" for none), and all output.
  -- A marker line after each one splits the output, since statements print nothing.
  local MARK = "--8<--"
  local function repl(lines)
    local input = {}
    for _, line in ipairs(lines) do input[#input + 1] = line .. "\n'" .. MARK .. "'" end
    write_file(tmp .. "/repl-input.lua", table.concat(input, "\n") .. "\n")
    local out = run(q(WICK) .. " -i < " .. q(tmp .. "/repl-input.lua"))
    local body = out:gsub("^wick [^\n]*\nBLAS[^\n]*\n", "")
    local answers = {}
    for chunk in body:gmatch("(.-)> " .. MARK:gsub("%p", "%%%0") .. "\n") do
      while chunk:sub(1, 2) == "> " do chunk = chunk:sub(3) end
      answers[#answers + 1] = chunk:gsub("\n$", "")
    end
    return answers, out
  end

  it("prints shapes, lists and records as Lua-like text, keys sorted, strings quoted", function()
    local got, out = repl({
      "wick.tensor.zeros(2, 3):shape()",
      "{1, 2, 3}",
      "{lr = 0.01, betas = {0.9, 0.999}}",
      "{[2.5] = 1, [\"a b\"] = \"q\\\"\\n\", ['end'] = true, [true] = 'x', z = 1, [-1] = 0}",
      "{}",
    })
    assert.are.same({
      "{2, 3}",
      "{1, 2, 3}",
      "{betas = {0.9, 0.999}, lr = 0.01}",
      '{[-1] = 0, [2.5] = 1, ["a b"] = "q\\"\\n", ["end"] = true, z = 1, [true] = "x"}',
      "{}",
    }, got, out)
  end)

  it("has help as a global: a function's signature, options and example", function()
    local got, out = repl({ "help(wick.embed.tsne)", "help('t:sum')", "help == wick.help" })
    assert.truthy(got[1]:find("embed.tsne(x [, opts])", 1, true), out)
    assert.truthy(got[1]:find("perplexity%s+30"), out)
    assert.truthy(got[1]:find("example:", 1, true), out)
    assert.truthy(got[2]:find("t:sum", 1, true), out)
    assert.are.equal("true", got[3], out)
  end)

  it("shows a table of tensors (a state dict) as names and shapes", function()
    local got, out = repl({
      "net = wick.nn.sequential{wick.nn.conv2d(3, 8, 3), wick.nn.relu(), wick.nn.linear(8, 4)}",
      "net:state()",
      "{w = wick.tensor.zeros(2, 3), s = wick.tensor(3)}",
    })
    assert.are.equal('{["1.bias"] = tensor[8], ["1.weight"] = tensor[8,3,3,3], '
                     .. '["3.bias"] = tensor[4], ["3.weight"] = tensor[4,8]}', got[2], out)
    assert.are.equal("{s = tensor[] 3, w = tensor[2,3]}", got[3], out)
  end)

  it("elides what is long or deep, and marks cycles", function()
    local got, out = repl({
      "(function() local t = {} for i = 1, 40 do t[i] = i end return t end)()",
      "{s = string.rep('ab', 100)}",
      "{{{{{1}}}}}",
      "x = {1}; x.me = x",
      "x",
      "_G",
    })
    assert.are.equal("{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, \u{2026}}", got[1], out)
    assert.are.equal('{s = "' .. ("ab"):rep(30) .. '\u{2026}"}', got[2], out)
    assert.are.equal("{{{{\u{2026}}}}}", got[3], out)
    assert.are.equal("{1, me = <cycle>}", got[5], out)
    assert.truthy(#got[6] < 1300, got[6])   -- the whole line is bounded
    assert.matches("\u{2026}$", got[6])
  end)

  it("keeps __tostring, and reads tables raw: no __index, __pairs or __len runs", function()
    local got, out = repl({
      "setmetatable({}, {__tostring = function() return 'custom' end}), wick.tensor.zeros(1)",
      "mt = {__index = function() ran = 1 end, __pairs = function() ran = 2 end, __len = function() ran = 3 end}",
      "setmetatable({a = 1}, mt)",
      "ran",
    })
    assert.are.equal("custom\ttensor[1]\n{0}", got[1], out)
    assert.are.equal("{a = 1}", got[3], out)
    assert.are.equal("nil", got[4], out)
  end)
end)

-- The REPL and the watcher need a terminal: tmux gives one. Each spec run has its own
-- server (socket named after our pid), killed at the end whatever happens.
local pid = (io.popen("echo $PPID"):read("l"))
local TMUX = "tmux -L wick-test-" .. pid .. " -f /dev/null "
local function tmux(args) return run(TMUX .. args) end
local socket_path

-- Start a detached session running cmd (through the shell) in a 160x60 terminal.
local function start_session(name, cmd)
  local _, rc = tmux("new-session -d -s " .. name .. " -x 160 -y 60 " .. q(cmd))
  socket_path = socket_path or (tmux("display-message -p '#{socket_path}'")):match("[^\n]+")
  return rc
end

-- Kill the server (and with it every process in its panes) and remove its socket file,
-- which tmux leaves behind.
local function stop_tmux()
  tmux("kill-server")
  if socket_path then os.remove(socket_path) end
end

local function pane(target)
  return (tmux("capture-pane -p -J -S -500 -t " .. target))
end

-- The pane's last non-blank line, trailing spaces cut: ">" once the prompt is back.
local function last_line(text)
  local last
  for line in text:gmatch("[^\n]+") do
    if line:match("%S") then last = line:gsub("%s+$", "") end
  end
  return last
end

local function type_line(target, s)
  tmux("send-keys -t " .. target .. " -l " .. q(s))
  tmux("send-keys -t " .. target .. " Enter")
end

-- Wait until the pane shows `plain` (appearing `count` times) and the prompt is back.
local function wait_prompt_after(target, plain, count)
  return eventually(function()
    local text = pane(target)
    local n, from = 0, 1
    while true do
      local s, e = text:find(plain, from, true)
      if not s then break end
      n, from = n + 1, e + 1
    end
    return n >= (count or 1) and last_line(text) == ">" and text
  end)
end

describe("wick REPL (through tmux)", function()
  local home = tmp .. "/home"

  setup(function()
    os.execute("mkdir -p " .. q(home))
    local cmd = "env HOME=" .. q(home) .. " " .. q(WICK) .. "; echo repl-exit=$?; sleep 30"
    assert.are.equal(0, start_session("repl", cmd))
    assert.truthy(eventually(function() return last_line(pane("repl")) == ">" end))
  end)

  teardown(stop_tmux)

  it("prints the value of an expression", function()
    type_line("repl", "'ab' .. 'cd', 40 + 2")
    assert.truthy(wait_prompt_after("repl", "abcd"))
    assert.matches("\nabcd%s+42\n", pane("repl"))
  end)

  it("reads a multi-line function, then calls it", function()
    type_line("repl", "function f(x)")
    assert.truthy(eventually(function() return last_line(pane("repl")) == ">>" end))
    type_line("repl", "return x*2")
    type_line("repl", "end")
    type_line("repl", "f(21)")
    local text = wait_prompt_after("repl", "\n42\n")
    assert.truthy(text, pane("repl"))
  end)

  it("prints a tensor as a summary (wick is a global)", function()
    type_line("repl", "wick.tensor.zeros(2,2)")
    local text = wait_prompt_after("repl", "\ntensor[2,2]")
    assert.truthy(text, pane("repl"))
  end)

  it("prints an error with a traceback and comes back", function()
    type_line("repl", "error('bad' .. 'thing')")
    local text = wait_prompt_after("repl", "stdin:1: badthing")
    assert.truthy(text, pane("repl"))
    assert.matches("stack traceback:", text, 1, true)
    type_line("repl", "'still' .. 'alive'")
    assert.truthy(wait_prompt_after("repl", "\nstillalive"), pane("repl"))
  end)

  it("interrupts running code on Ctrl-C and comes back", function()
    type_line("repl", "while true do end")
    assert.truthy(eventually(function() return last_line(pane("repl")) == "> while true do end" end))
    sleep(0.1)
    tmux("send-keys -t repl C-c")
    assert.truthy(wait_prompt_after("repl", "interrupted!"), pane("repl"))
    type_line("repl", "'after' .. 'break'")
    assert.truthy(wait_prompt_after("repl", "\nafterbreak"), pane("repl"))
  end)

  it("clears the line on Ctrl-C at the prompt", function()
    tmux("send-keys -t repl -l " .. q("half_typed_junk"))
    assert.truthy(eventually(function() return last_line(pane("repl")) == "> half_typed_junk" end))
    tmux("send-keys -t repl C-c")
    -- Wait for the fresh prompt: keys that reach the terminal together with the ^C may be
    -- flushed by it (ISIG without NOFLSH), which would make this test flaky.
    assert.truthy(eventually(function() return last_line(pane("repl")) == ">" end), pane("repl"))
    type_line("repl", "'cle' .. 'ared'")
    local text = wait_prompt_after("repl", "\ncleared")
    assert.truthy(text, pane("repl"))
    assert.is_nil(text:find("half_typed_junk'", 1, true))   -- not glued to the next line
  end)

  -- Throw the typed line away (Ctrl-C at the prompt) and wait for an empty prompt.
  local function clear_line()
    tmux("send-keys -t repl C-c")
    assert.truthy(eventually(function() return last_line(pane("repl")) == ">" end), pane("repl"))
  end

  -- On an empty prompt (whatever a failed test left typed is dropped), type s and wait for
  -- it to show, then press the keys (Tab…) and type a marker after them: once the marker
  -- shows, the keys before it have been handled. (No Ctrl-C on an empty prompt: the
  -- terminal may flush keys sent right behind it, and nothing would show they were lost.)
  local function complete(s, keys)
    if last_line(pane("repl")) ~= ">" then clear_line() end
    tmux("send-keys -t repl -l " .. q(s))
    assert.truthy(eventually(function() return last_line(pane("repl")) == "> " .. s end), pane("repl"))
    tmux("send-keys -t repl " .. (keys or "Tab"))
    tmux("send-keys -t repl -l @")
    return eventually(function()
      local text = pane("repl")
      return last_line(text):sub(-1) == "@" and text
    end)
  end

  -- The typed line as it stands before the marker.
  local function typed(text) return (last_line(text):gsub("@$", "")) end

  it("completes a table field on Tab: wick.ten -> wick.tensor, then its functions", function()
    assert.are.equal("> wick.tensor", typed(complete("wick.ten")))
    clear_line()
    assert.are.equal("> wick.tensor.linspace", typed(complete("wick.tensor.lin")))
    clear_line()
  end)

  it("lists the choices on a second Tab when a prefix is ambiguous (wick.te)", function()
    local text = complete("wick.te", "Tab Tab")
    assert.truthy(text, pane("repl"))
    assert.matches("wick.tensor%s+wick.text", text)
    assert.are.equal("> wick.te", typed(text))   -- nothing chosen for the user
    clear_line()
  end)

  it("completes globals and keywords", function()
    assert.are.equal("> wick", typed(complete("wic")))
    clear_line()
    assert.are.equal("> function", typed(complete("functi")))
    clear_line()
  end)

  it("completes a tensor's methods after ':' (t:su -> t:sum and its siblings)", function()
    type_line("repl", "t = wick.tensor.ones(2, 3)")
    assert.truthy(wait_prompt_after("repl", "> t = wick.tensor.ones(2, 3)"))
    local text = complete("t:su", "Tab Tab")
    assert.truthy(text, pane("repl"))
    assert.matches("t:sum", text, 1, true)
    assert.is_nil(text:find("t:__", 1, true))   -- metamethods and internals stay hidden
    clear_line()
    assert.are.equal("> t:reshape", typed(complete("t:reshap")))
    clear_line()
  end)

  it("completes a module's methods through its class (net:num_ -> net:num_parameters)", function()
    type_line("repl", "net = wick.nn.sequential{wick.nn.linear(2, 3)}")
    assert.truthy(wait_prompt_after("repl", "> net = wick.nn"))
    assert.are.equal("> net:num_parameters", typed(complete("net:num_")))
    tmux("send-keys -t repl BSpace")
    tmux("send-keys -t repl -l " .. q("()"))
    tmux("send-keys -t repl Enter")
    assert.truthy(wait_prompt_after("repl", "\n9\n"), pane("repl"))
  end)

  it("never runs code to complete: an __index function is not called", function()
    type_line("repl", "p = setmetatable({abcdef = 1}, {__index = function(_, k) hit = k; return 1 end})")
    assert.truthy(wait_prompt_after("repl", "> p = setmetatable"))
    assert.are.equal("> p.abcdef", typed(complete("p.abc")))   -- its own fields, read raw
    clear_line()
    assert.are.equal("> p:x", typed(complete("p:x", "Tab Tab")))
    clear_line()
    type_line("repl", "'hit=' .. tostring(hit)")
    assert.truthy(wait_prompt_after("repl", "\nhit=nil"), pane("repl"))
  end)

  it("exits on Ctrl-D and keeps the history", function()
    tmux("send-keys -t repl C-d")
    assert.truthy(eventually(function() return pane("repl"):find("repl-exit=0", 1, true) end),
                  pane("repl"))
    assert.matches("'after'", read(home .. "/.wick_history"), 1, true)   -- libedit escapes spaces
  end)
end)

describe("wick --watch", function()
  local dir = tmp .. "/watch"
  local sketch = dir .. "/sketch.lua"
  local log = tmp .. "/watch.log"

  local function wait_log(plain, count)
    return eventually(function()
      local text, n, from = read(log), 0, 1
      while true do
        local s, e = text:find(plain, from, true)
        if not s then break end
        n, from = n + 1, e + 1
      end
      return n >= (count or 1) and text
    end)
  end

  setup(function()
    os.execute("mkdir -p " .. q(dir))
    write_file(sketch, "keep.n = (keep.n or 0) + 1\nprint('count ' .. keep.n)\nleak = true\n")
    -- The wrapper shell ignores SIGINT so that it survives Ctrl-C to report the exit.
    local cmd = "trap '' INT; " .. q(WICK) .. " --watch " .. q(sketch) .. " > " .. q(log)
                .. " 2>&1; echo watch-exit=$? >> " .. q(log)
    assert.are.equal(0, start_session("watch", cmd))
  end)

  teardown(stop_tmux)

  it("runs the sketch at once", function()
    assert.truthy(wait_log("count 1"), read(log))
  end)

  it("re-runs it on a save by rename; keep survives, other globals do not", function()
    save(sketch, "keep.n = keep.n + 1\nprint('second ' .. keep.n, leak)\n")
    local text = wait_log("second 2")
    assert.truthy(text, read(log))
    assert.matches("wick: reloaded sketch.lua", text, 1, true)
    assert.matches("second 2\tnil", text, 1, true)
  end)

  it("reports a broken save and keeps watching", function()
    save(sketch, "x = = 1\n")
    assert.truthy(wait_log("sketch.lua:1:"), read(log))
    save(sketch, "error('runtime' .. 'oops')\n")
    assert.truthy(wait_log("runtimeoops"), read(log))
    save(sketch, "keep.n = keep.n + 1\nprint('third ' .. keep.n)\n")
    assert.truthy(wait_log("third 3"), read(log))
  end)

  it("restarts a sketch that is saved while it runs", function()
    save(sketch, "print('spin' .. 'ning')\nio.stdout:flush()\nwhile true do end\n")
    assert.truthy(wait_log("spinning"), read(log))
    save(sketch, "print('un' .. 'stuck', keep.n)\n")
    local text = wait_log("unstuck\t3")
    assert.truthy(text, read(log))
    assert.matches("saved while running", text, 1, true)
  end)

  it("stops cleanly on Ctrl-C", function()
    tmux("send-keys -t watch C-c")
    local text = wait_log("watch-exit=")
    assert.truthy(text, read(log))
    assert.matches("stopped watching", text, 1, true)
    assert.matches("watch-exit=0", text, 1, true)
  end)
end)

describe("wick --watch and the sketch's own modules", function()
  local dir = tmp .. "/watchmod"
  local sketch = dir .. "/sketch.lua"
  local helper = dir .. "/helper.lua"
  local deep = dir .. "/parts/deep.lua"
  local log = tmp .. "/watchmod.log"

  local function wait_log(plain)
    return eventually(function()
      local text = read(log)
      return text:find(plain, 1, true) and text
    end)
  end

  setup(function()
    os.execute("mkdir -p " .. q(dir .. "/parts"))
    write_file(helper, "return {word = 'one'}\n")
    write_file(deep, "return {word = 'deep1'}\n")
    -- The sketch finds its modules the usual way: its folder on package.path.
    write_file(sketch, "package.path = arg[0]:match('^(.*)/') .. '/?.lua;' .. package.path\n"
                       .. "keep.n = (keep.n or 0) + 1\n"
                       .. "print('run ' .. keep.n .. ' ' .. require('helper').word .. ' '"
                       .. " .. require('parts.deep').word .. ' ' .. require('string').format('%d', 7))\n")
    local cmd = "trap '' INT; " .. q(WICK) .. " --watch " .. q(sketch) .. " > " .. q(log)
                .. " 2>&1; echo watch-exit=$? >> " .. q(log)
    assert.are.equal(0, start_session("watchmod", cmd))
    assert.truthy(wait_log("run 1 one deep1 7"), read(log))
  end)

  teardown(stop_tmux)

  it("re-runs the sketch when a module it required from its folder is saved, and reloads it", function()
    save(helper, "return {word = 'two'}\n")
    local text = wait_log("run 2 two deep1")
    assert.truthy(text, read(log))
    assert.matches("wick: reloaded sketch.lua (helper.lua was saved)", text, 1, true)
  end)

  it("follows modules in folders below the sketch's", function()
    save(deep, "return {word = 'deep2'}\n")
    assert.truthy(wait_log("run 3 two deep2"), read(log))
  end)

  it("reports a module saved broken, and runs again once it is fixed", function()
    save(helper, "return {word = = 'x'}\n")
    assert.truthy(wait_log("helper.lua:1:"), read(log))
    save(helper, "return {word = 'three'}\n")
    assert.truthy(wait_log("run 5 three deep2"), read(log))
  end)

  it("ignores other files saved in the folder", function()
    write_file(dir .. "/notes.txt", "not a module\n")
    sleep(0.5)
    save(helper, "return {word = 'four'}\n")
    local text = wait_log("run 6 four deep2")
    assert.truthy(text, read(log))
    assert.is_nil(text:find("notes.txt", 1, true))
    tmux("send-keys -t watchmod C-c")
    assert.truthy(wait_log("watch-exit=0"), read(log))
  end)
end)
