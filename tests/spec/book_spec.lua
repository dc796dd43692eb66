-- book_spec.lua — the run log (bindings/store/book.lua, book.c): a run of a script that
-- requires wick is recorded with its code hash, args, seed, outputs, inputs and metrics;
-- errors, Ctrl-C, os.exit and SIGKILL leave the right status; `wick runs` and `wick show`
-- print them and refuse what they cannot show; wick.log checks its table. Every run here
-- is a child `wick` with WICK_BOOK set to a file in a temporary folder, so neither the
-- user's sketchbook nor the one tests/run_tests.sh gives this process is touched.
local helpers = require "spec_helpers"
local wick = require "wick"

local q, run, write_file = helpers.quote, helpers.run, helpers.write_file
local WICK = helpers.WICK
if WICK:find("/") and not WICK:find("^/") then WICK = assert(os.getenv("PWD")) .. "/" .. WICK end

local tmp = helpers.tmpdir()
teardown(function() os.execute("rm -rf " .. q(tmp)) end)

-- A fresh sketchbook path for one test.
local n_books = 0
local function new_book()
  n_books = n_books + 1
  return ("%s/book%d.db"):format(tmp, n_books)
end

-- Run `wick <words>` with WICK_BOOK=book in dir; returns output (stdout and stderr), status.
local function wick_in(book, words, dir)
  return run(("cd %s && WICK_BOOK=%s %s %s"):format(q(dir or tmp), q(book), q(WICK), words))
end

-- Rows of a query on book, read in a child (this process keeps its own sketchbook),
-- each as a list of strings in the order of the SELECT's columns (plain names only; a
-- line break or a tab in a value reads " | "). try = true: nil instead of failing (the book may
-- not be made yet).
local function query(book, sql, try)
  local cols = {}
  for c in sql:match("^SELECT (.-) FROM"):gmatch("[%w_]+") do cols[#cols + 1] = ("%q"):format(c) end
  local code = ([[local db = require("wick")._sql.open(%q, {readonly = true})
for _, r in ipairs(db:rows(%q)) do
  local t = {}
  for i, k in ipairs({%s}) do t[i] = tostring(r[k]):gsub("[\n\t]", " | ") end
  print(table.concat(t, "\t"))
end]]):format(book, sql, table.concat(cols, ", "))
  local out, rc = run(("WICK_BOOK=off %s -e %s"):format(q(WICK), q(code)))
  if try and rc ~= 0 then return nil end
  assert.are.equal(0, rc, out)
  local rows = {}
  for line in out:gmatch("[^\n]+") do
    local r = {}
    for field in (line .. "\t"):gmatch("(.-)\t") do r[#r + 1] = field end
    rows[#rows + 1] = r
  end
  return rows
end

-- text with the pattern characters of a path escaped, for string.find
local function lit(text) return (text:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")) end

local function sketch(dir, name, text)
  os.execute("mkdir -p " .. q(dir))
  return write_file(dir .. "/" .. name, text)
end

describe("a recorded run", function()
  local dir = tmp .. "/paint"
  local book = new_book()
  sketch(dir, "helper.lua", "return { steps = 3 }\n")
  sketch(dir, "paint.lua", [[
local wick = require "wick"
local kit = wick.sketch { seed = 7, quiet = true }
local helper = require "helper"
for i = 1, helper.steps do wick.log { loss = 1 / i, acc = i / 10 } end
wick.log { loss = 0.01, step = 100 }
local img = wick.tensor.rand(3, 8, 8)
wick.image.save(img, kit:path("a.png"))
wick.image.load(kit:path("a.png")); wick.image.load(kit:path("a.png"))
kit:write("notes.txt", "hello")
]])
  local out, rc = wick_in(book, "paint.lua --seed 9", dir)

  it("ends ok with its sketch, args, seed, code hash and system", function()
    assert.are.equal(0, rc, out)
    local r = query(book,
      "SELECT id, sketch, name, args, seed, status, code_hash, host, cpu, blas, threads, ended FROM runs")
    assert.are.equal(1, #r)
    r = r[1]
    assert.are.equal(dir .. "/paint.lua", r[2])
    assert.are.equal("paint", r[3])
    assert.are.equal('["--seed","9"]', r[4])
    assert.are.equal("9", r[5])   -- the seed the kit set, not the one wick picked at start
    assert.are.equal("ok", r[6])
    assert.truthy(r[7]:match("^%x+$") and #r[7] == 32)
    assert.truthy(#r[8] > 0 and #r[9] > 0 and r[10]:find("BLAS") or r[10]:find("kernels"))
    assert.truthy(tonumber(r[11]) >= 1)
    assert.truthy(tonumber(r[12]))
  end)

  it("hashes the script with the modules it required from its folder", function()
    local before = query(book, "SELECT code_hash FROM runs")[1][1]
    write_file(dir .. "/helper.lua", "return { steps = 4 }\n")
    assert.are.equal(0, select(2, wick_in(book, "paint.lua", dir)))
    local after = query(book, "SELECT code_hash FROM runs WHERE id = 2")[1][1]
    assert.are_not.equal(before, after)
    write_file(dir .. "/helper.lua", "return { steps = 3 }\n")
    assert.are.equal(0, select(2, wick_in(book, "paint.lua --seed 9", dir)))
    assert.are.equal(before, query(book, "SELECT code_hash FROM runs WHERE id = 3")[1][1])
  end)

  it("lists every file written, with its size and hash, and each file read once", function()
    local outs = query(book, "SELECT path, size, hash FROM outputs WHERE run = 1 ORDER BY path")
    assert.are.equal(2, #outs)
    assert.are.equal(dir .. "/out/a.png", outs[1][1])
    assert.are.equal(wick._hash.file(dir .. "/out/a.png"), outs[1][3])
    assert.are.equal(dir .. "/out/notes.txt", outs[2][1])
    assert.are.equal("5", outs[2][2])
    assert.are.equal(wick._hash.bytes("hello"), outs[2][3])
    local ins = query(book, "SELECT path, size FROM inputs WHERE run = 1")
    assert.are.equal(1, #ins)   -- loaded twice, recorded once
    assert.are.equal(dir .. "/out/a.png", ins[1][1])
  end)

  it("names a page's files where wick.page put them, not in the folder it wrote them in first", function()
    local pdir = tmp .. "/pager"
    local pbook = new_book()
    sketch(pdir, "pager.lua", [[
local wick = require "wick"
local kit = wick.sketch { seed = 1, quiet = true }
wick.page(kit:path("map"), wick.tensor.rand(5, 2), { image = wick.tensor.rand(5, 1, 8, 8) })
]])
    local pout, prc = wick_in(pbook, "pager.lua", pdir)
    assert.are.equal(0, prc, pout)
    local outs = query(pbook, "SELECT path, hash FROM outputs WHERE run = 1 ORDER BY path")
    assert.truthy(#outs >= 3, pout)
    local names = {}
    for _, o in ipairs(outs) do
      assert.truthy(o[1]:find("^" .. lit(pdir .. "/out/map/")), o[1])
      assert.are.equal(wick._hash.file(o[1]), o[2])
      names[#names + 1] = o[1]:sub(#pdir + 10)
    end
    assert.truthy(table.concat(names, " "):find("data.js index.html", 1, true), table.concat(names, " "))
  end)

  it("keeps the metrics with their steps, counting up when no step is given", function()
    local m = query(book, "SELECT step, name, value FROM metrics WHERE run = 1 AND name = 'loss' ORDER BY step")
    assert.are.same({ "1", "2", "3", "100" }, { m[1][1], m[2][1], m[3][1], m[4][1] })
    assert.are.equal(0.5, tonumber(m[2][3]))
    assert.are.equal(3, #query(book, "SELECT step FROM metrics WHERE run = 1 AND name = 'acc'"))
  end)

  it("answers wick.runs and wick.run in the REPL's way (-e)", function()
    local code = [[local w = require "wick"
local runs = w.runs("paint")
print(#runs, runs[1].id, runs[#runs].args[2], w.runs({status = "ok", limit = 1})[1].id)
local r = w.run(1)
print(r.metrics.loss.first, r.metrics.loss.last, r.metrics.loss.min, r.metrics.loss.count, r.metrics.loss.step,
  #r.outputs, #r.inputs, w.run(99))
print(#w.book():rows("SELECT * FROM metrics WHERE run = 1"))
print(#w.runs(]] .. ("%q"):format(dir) .. [[), #w.runs("nothing-of-that-name"))]]
    local text, status = wick_in(book, "-e " .. q(code))
    assert.are.equal(0, status, text)
    assert.are.equal("3\t3\t9\t3\n1.0\t0.01\t0.01\t4\t100\t2\t1\tnil\n7\n3\t0\n", text)
  end)
end)

describe("a folder's runs", function()
  it("are its own scripts' runs, not those of a folder whose name differs only in case", function()
    local book = new_book()
    local up, low = tmp .. "/Cased_1", tmp .. "/cased_1"
    sketch(up, "a.lua", 'require "wick"\n')
    sketch(low, "b.lua", 'require "wick"\n')
    sketch(tmp .. "/casedx1", "c.lua", 'require "wick"\n')   -- "_" is no wildcard either
    for _, d in ipairs({ up, low, tmp .. "/casedx1" }) do
      local text, status = wick_in(book, d == up and "a.lua" or d == low and "b.lua" or "c.lua", d)
      assert.are.equal(0, status, text)
    end
    local code = ("local w = require 'wick'; print(#w.runs(%q), #w.runs(%q))"):format(up, low)
    local text, status = wick_in(book, "-e " .. q(code))
    assert.are.equal(0, status, text)
    assert.are.equal("1\t1\n", text)
  end)
end)

describe("how a run ends", function()
  it("records an error with its message and os.exit with its code", function()
    local book, dir = new_book(), tmp .. "/ends"
    sketch(dir, "bad.lua", 'local wick = require "wick"\nwick.log{x = 1}\nerror("the paint ran out")\n')
    sketch(dir, "quit.lua", 'require "wick"\nos.exit(3)\n')
    sketch(dir, "done.lua", 'require "wick"\nos.exit(true)\n')
    sketch(dir, "plain.lua", 'print("no wick here")\n')
    assert.are.equal(1, select(2, wick_in(book, "bad.lua", dir)))
    assert.are.equal(3, select(2, wick_in(book, "quit.lua", dir)))
    assert.are.equal(0, select(2, wick_in(book, "done.lua", dir)))
    assert.are.equal(0, select(2, wick_in(book, "plain.lua", dir)))
    local r = query(book, "SELECT name, status, error FROM runs ORDER BY id")
    assert.are.equal(3, #r)   -- plain.lua never required wick: no run
    assert.are.same({ "bad", "error" }, { r[1][1], r[1][2] })
    assert.truthy(r[1][3]:find("bad.lua:3: the paint ran out", 1, true))
    assert.are.same({ "quit", "error", "os.exit(3)" }, r[2])
    assert.are.same({ "done", "ok" }, { r[3][1], r[3][2] })
    assert.are.equal(1, #query(book, "SELECT value FROM metrics WHERE run = 1"))
  end)

  it("leaves a consistent record when a run is killed (SIGKILL) or interrupted (Ctrl-C)", function()
    local book, dir = new_book(), tmp .. "/kill"
    sketch(dir, "train.lua", [[
local wick = require "wick"
local kit = wick.sketch { quiet = true }
local i = 0
while true do
  i = i + 1
  wick.log { loss = 1 / i }
  if i % 500 == 0 then wick.image.save(wick.tensor.rand(1, 4, 4), kit:path("step.png")) end
end
]])
    -- two runs in the background; wait until both have metrics (flushed within 0.1 s)
    -- and an output in the book
    local pids = {}
    for k = 1, 2 do
      local p = io.popen(("cd %s && WICK_BOOK=%s %s train.lua >%s/log%d 2>&1 & echo $!")
        :format(q(dir), q(book), q(WICK), q(dir), k))
      pids[k] = p:read("l")
      p:close()
    end
    local ready
    for _ = 1, 200 do
      local r = query(book, "SELECT o, m FROM (SELECT (SELECT count(DISTINCT run) FROM outputs) AS o, "
        .. "(SELECT count(DISTINCT run) FROM metrics) AS m)", true)
      if r and r[1] and r[1][1] == "2" and r[1][2] == "2" then ready = true break end
      os.execute("sleep 0.05")
    end
    assert.is_true(ready, "the two runs did not start")
    os.execute("kill -9 " .. pids[1])
    os.execute("kill -INT " .. pids[2])
    for _ = 1, 200 do   -- until both processes are gone
      if not os.execute(("kill -0 %s 2>/dev/null || kill -0 %s 2>/dev/null"):format(pids[1], pids[2])) then break end
      os.execute("sleep 0.05")
    end
    -- the killed one stays 'running' in the file until the book is opened again
    local r = query(book, "SELECT id, pid, status FROM runs ORDER BY id")
    local by_pid = {}
    for _, row in ipairs(r) do by_pid[row[2]] = row end
    assert.are.equal("running", by_pid[pids[1]][3])
    assert.are.equal("interrupted", by_pid[pids[2]][3])
    local out, rc = wick_in(book, "runs")
    assert.are.equal(0, rc, out)
    local killed = by_pid[pids[1]][1]
    r = query(book, "SELECT status, error, ended, started FROM runs WHERE id = " .. killed)[1]
    assert.are.equal("killed", r[1])
    assert.truthy(r[2]:find("pid " .. pids[1], 1, true))
    assert.truthy(tonumber(r[3]) >= tonumber(r[4]))
    r = query(book, "SELECT status, error FROM runs WHERE id = " .. by_pid[pids[2]][1])[1]
    assert.truthy(r[2]:find("interrupted!", 1, true))
    -- both runs kept their metrics (the killed one up to its last flush) and outputs
    for _, pid in ipairs(pids) do
      local id = by_pid[pid][1]
      local n = query(book, "SELECT n FROM (SELECT count(*) AS n FROM metrics WHERE run = " .. id .. ")")[1][1]
      assert.truthy(tonumber(n) > 0)
      assert.are.equal(1, #query(book, "SELECT path FROM outputs WHERE run = " .. id))
    end
    assert.truthy(out:find("killed", 1, true) and out:find("interrupted", 1, true), out)
  end)

  it("records each run under --watch: a reload interrupts the run it stops", function()
    local book, dir = new_book(), tmp .. "/watch"
    sketch(dir, "w.lua", 'local wick = require "wick"\nwick.log{v = 1}\nwhile true do end\n')
    local p = io.popen(("cd %s && WICK_BOOK=%s %s --watch w.lua >%s/log 2>&1 & echo $!")
      :format(q(dir), q(book), q(WICK), q(dir)))
    local pid = p:read("l")
    p:close()
    local function wait_for(sql, want)
      for _ = 1, 200 do
        local r = query(book, sql, true)
        if r and r[1] and r[1][1] == want then return true end
        os.execute("sleep 0.05")
      end
      return false
    end
    assert.is_true(wait_for("SELECT n FROM (SELECT count(*) AS n FROM metrics)", "1"), "the first run did not log")
    -- save as editors do (write beside, rename over): the looping run is stopped, v2 runs
    write_file(dir .. "/w.tmp", 'local wick = require "wick"\nwick.log{v = 2}\n')
    os.rename(dir .. "/w.tmp", dir .. "/w.lua")
    assert.is_true(wait_for("SELECT status FROM runs WHERE id = 2", "ok"), "the second run did not end ok")
    os.execute("kill -INT " .. pid)
    for _ = 1, 200 do
      if not os.execute("kill -0 " .. pid .. " 2>/dev/null") then break end
      os.execute("sleep 0.05")
    end
    local r = query(book, "SELECT id, status, error, code_hash, pid FROM runs ORDER BY id")
    assert.are.equal(2, #r, helpers.read_file(dir .. "/log"))
    assert.are.equal("interrupted", r[1][2])
    assert.truthy(r[1][3]:find("reloading", 1, true), r[1][3])
    assert.are.equal("ok", r[2][2])
    assert.are_not.equal(r[1][4], r[2][4])   -- the code changed
    assert.are.equal(pid, r[1][5])
    assert.are.equal(pid, r[2][5])   -- one process, two runs
    local m = query(book, "SELECT run, value FROM metrics ORDER BY run")
    assert.are.same({ { "1", "1.0" }, { "2", "2.0" } }, m)
  end)

  it("tells a run's living wick from a dead pid, a later process and another program", function()
    local b = wick._book
    assert.is_true(b.alive(b.pid(), b.now()))
    assert.is_false(b.alive(b.pid(), b.now() - 3600))   -- this process began after that run
    local p = io.popen("sleep 5 >/dev/null 2>&1 & echo $!")
    local sleeper = tonumber(p:read("l"))
    p:close()
    assert.is_false(b.alive(sleeper, b.now()))   -- alive, but not a wick
    os.execute("kill " .. sleeper)
    assert.is_false(b.alive(99999999, 0))
  end)

  it("takes a sweep's id and cell from WICK_SWEEP and WICK_CELL", function()
    local book, dir = new_book(), tmp .. "/cell"
    sketch(dir, "s.lua", 'require "wick"\n')
    local out, rc = wick_in(book, "s.lua", dir)
    assert.are.equal(0, rc, out)
    out, rc = run(("cd %s && WICK_BOOK=%s WICK_SWEEP=grid1 WICK_CELL=%s %s s.lua"):format(q(dir), q(book),
      q("style=a,content=x"), q(WICK)))
    assert.are.equal(0, rc, out)
    assert.are.same({ { "nil", "nil" }, { "grid1", "style=a,content=x" } },
      query(book, "SELECT sweep, cell FROM runs ORDER BY id"))
    assert.truthy(wick_in(book, "runs"):find("s [style=a,content=x]", 1, true))
  end)

  it("records nothing for wick -e, and nothing at all with WICK_BOOK=off", function()
    local book = new_book()
    assert.are.equal(0, select(2, wick_in(book, "-e ''")))
    assert.are.equal(0, select(2, wick_in(book, [[-e 'require "wick"']])))
    assert.is_nil(io.open(book))   -- not even made
    local dir = tmp .. "/off"
    sketch(dir, "s.lua", 'local wick = require "wick"\nwick.log{a = 1}\nprint(wick._book.run_id())\n')
    local out, rc = wick_in("off", "s.lua", dir)
    assert.are.equal(0, rc, out)
    assert.are.equal("nil\n", out)
  end)

  it("goes on, saying so once, when the sketchbook is not one", function()
    local book, dir = new_book(), tmp .. "/foreign"
    write_file(book, "these are not the droids\n")
    sketch(dir, "s.lua", 'local wick = require "wick"\nwick.log{a = 1}\nprint("drawn")\n')
    local out, rc = wick_in(book, "s.lua", dir)
    assert.are.equal(0, rc, out)
    assert.truthy(out:find("drawn", 1, true))
    local _, warnings = out:gsub("not recording this run", "")
    assert.are.equal(1, warnings, out)
    assert.truthy(out:find("is not a wick sketchbook", 1, true), out)
    assert.are.equal("these are not the droids\n", helpers.read_file(book))
  end)
end)

describe("wick runs and wick show", function()
  local book, dir = new_book(), tmp .. "/cmds"
  sketch(dir, "a.lua", [[
local wick = require "wick"
wick.seed(42)
wick.log { loss = 2.5 }
wick.log { loss = 0.125 }
wick.image.save(wick.tensor.zeros(1, 2, 2), "]] .. dir .. [[/out/a.png")
wick.image.save(wick.tensor.zeros(1, 2, 2), "]] .. dir .. [[/out/b.png")
]])
  sketch(dir, "b.lua", 'require "wick"\n')
  wick_in(book, "a.lua", dir)
  wick_in(book, "b.lua", dir)
  wick_in(book, "a.lua", dir)

  it("lists runs newest first with status, seed, outputs and the last metrics", function()
    local out, rc = wick_in(book, "runs")
    assert.are.equal(0, rc, out)
    local lines = {}
    for line in out:gmatch("[^\n]+") do lines[#lines + 1] = line end
    assert.are.equal(4, #lines, out)
    assert.truthy(lines[1]:find("^%s*id%s+started%s+time%s+status%s+sketch%s+seed%s+outputs%s+last metrics"))
    assert.truthy(lines[2]:find("^%s*3 .* ok%s+a%s+42%s+2%s+loss=0%.125 @2$"), lines[2])
    assert.truthy(lines[3]:find("^%s*2 .* ok%s+b%s+%d+%s+0%s*$"), lines[3])
    out = wick_in(book, "runs a --limit 1")
    assert.are.equal(2, select(2, out:gsub("\n", "")), out)
    out = wick_in(book, "runs " .. q(dir .. "/b.lua"))
    assert.truthy(out:find("\n%s*2 ") and not out:find("\n%s*1 "), out)
    out = wick_in(book, "runs --status error")
    assert.truthy(out:find("no runs", 1, true), out)
  end)

  it("shows a run with its outputs, whether they changed, and its metrics", function()
    os.remove(dir .. "/out/b.png")
    local out, rc = wick_in(book, "show 3")
    assert.are.equal(0, rc, out)
    assert.truthy(out:find("^run 3: a — ok\n"), out)
    assert.truthy(out:find("seed     42", 1, true), out)
    assert.truthy(out:find(lit(dir .. "/out/a.png") .. "%s+%d+ B%s+same"), out)
    assert.truthy(out:find(lit(dir .. "/out/b.png") .. "%s+%d+ B%s+missing"), out)
    assert.truthy(out:find("loss%s+2%s+2%.5%s+0%.125%s+0%.125%s+2%.5%s+2"), out)
    write_file(dir .. "/out/a.png", "scribbled over")
    assert.truthy(wick_in(book, "show last"):find("a.png%s+%d+ B%s+changed"))
  end)

  it("refuses what it cannot show, in one line each", function()
    local cases = {
      { book, "show 99", "show: no run 99 in '" .. book .. "' (its runs are 1 to 3)" },
      { book, "show", "show: which run?" },
      { book, "show x", "show: RUN is a run's id" },
      { book, "runs --limit 0", "runs: --limit takes a whole number >= 1, got '0'" },
      { book, "runs --colour red", "runs: unknown option '--colour'" },
      { tmp .. "/none.db", "runs", "runs: no sketchbook yet at '" .. tmp .. "/none.db'" },
      { "off", "show 1", "show: the sketchbook is off (WICK_BOOK=off)" },
    }
    local foreign = new_book()
    write_file(foreign, "SQLite format 3\0" .. ("\0"):rep(200))
    cases[#cases + 1] = { foreign, "runs", "'" .. foreign .. "' is not a wick sketchbook" }
    local truncated = new_book()
    write_file(truncated, "SQLite f")
    cases[#cases + 1] = { truncated, "show 1", "'" .. truncated .. "' is not a wick sketchbook (too short" }
    for _, c in ipairs(cases) do
      local out, rc = wick_in(c[1], c[2])
      assert.are.equal(1, rc, c[2] .. ": " .. out)
      assert.truthy(out:find("wick: " .. c[3], 1, true), ("%s: %q"):format(c[2], out))
      assert.is_nil(out:find("traceback", 1, true), out)
      assert.are.equal(1, select(2, out:gsub("\n", "")), out)
    end
    assert.is_nil(io.open(tmp .. "/none.db"))   -- asking did not make one
  end)
end)

describe("wick.log", function()
  it("checks its table and counts steps", function()
    helpers.error_containing("log: expected a table", wick.log, 0.5)
    helpers.error_containing("log: nothing to log", wick.log, {})
    helpers.error_containing("log: nothing to log", wick.log, { step = 3 })
    helpers.error_containing("log: 'loss' is string", wick.log, { loss = "low" })
    helpers.error_containing("log: metric names must be strings", wick.log, { 0.5 })
    helpers.error_containing("log: step must be a whole number >= 0", wick.log, { loss = 1, step = 1.5 })
    helpers.error_containing("log: step must be a whole number >= 0", wick.log, { loss = 1, step = -1 })
    helpers.error_containing("log: 'x' is a tensor of 4 elements", wick.log, { x = wick.tensor.zeros(4) })
    assert.are.equal(10, wick.log { loss = 1, step = 10 })
    assert.are.equal(11, wick.log { loss = wick.tensor.ones(1) })
    assert.are.equal(12, wick.log { loss = 0 / 0 })
  end)

  it("costs little per call (metrics wait in memory for the flusher)", function()
    local t0 = wick.clock()
    for i = 1, 2000 do wick.log { loss = 1 / i, acc = 0.5 } end
    local per_call = (wick.clock() - t0) / 2000
    assert.truthy(per_call < 200e-6, ("%.1f us per call"):format(per_call * 1e6))
  end)
end)

describe("the run log's args", function()
  it("are read back as the JSON list of strings they were written as, and nothing else", function()
    local read = wick._json_string_list
    local got = read('["--name", "a\\"b", "\\u00e9t\\u00e9", "x\\ny\\\\z", ""]')
    assert.same({ "--name", 'a"b', "été", "x\ny\\z", "" }, got)
    assert.same({}, read("  [ ]"))
    assert.is_nil(read('["a", 3]'))            -- only strings
    assert.is_nil(read('["\\q"]'))             -- an unknown escape
    assert.is_nil(read('["\\uzz"]'))           -- a bad \u
    assert.is_nil(read('["open'))              -- unterminated
    assert.is_nil(read("--seed 3"))            -- not a list
    assert.is_nil(read(nil))
  end)
end)

describe("file sizes in wick show and wick pack", function()
  it("are in binary units named as such", function()
    local size = wick._size_str
    assert.equal("512 B", size(512))
    assert.equal("1.5 KiB", size(1536))
    assert.equal("3.0 MiB", size(3 * 1024 ^ 2))
    assert.equal("2.00 GiB", size(2 * 1024 ^ 3))
    assert.equal("?", size(nil))
  end)
end)
