-- sweep_spec.lua — `wick sweep`: the grid from --param (lists, ranges, flags), the
-- command line's mistakes refused, the commands --dry-run shows for GNU parallel over ssh
-- and the Slurm job array it writes, and a real 2 x 2 sweep through GNU parallel of a
-- small sketch with one deliberately broken cell: the failure reported with its cell and
-- log, the runs and metrics gathered into the sketchbook, the contact sheet, and the same
-- command run again re-running only the broken cell. (Slurm for real: tests/slurm/run.sh.)
local wick = require "wick"
local helpers = require "spec_helpers"

local sweep = wick._sweep
local q = helpers.quote
local WICK = helpers.WICK

-- A sketch in dir: a square of side --size in colour --hue, then a grey one; logs a
-- metric; raises for size 24 in blue while broken.txt is beside it.
local TINY = [[
-- Tiny — a flat square for sweep_spec.
local wick = require "wick"
local kit = wick.sketch { size = 16, hue = "green", quiet = true }
if kit.size == 24 and kit.hue == "blue" and io.open(kit.here .. "/broken.txt") then
  error("deliberately broken cell")
end
local rgb = ({ green = { 0.1, 0.8, 0.2 }, blue = { 0.1, 0.2, 0.9 } })[kit.hue]
local img = wick.tensor.ones(3, kit.size, kit.size) * wick.tensor(rgb):view(3, 1, 1)
wick.log { side = kit.size, step = 1 }
wick.log { side = kit.size * 2, step = 2 }
wick.image.save(img, kit:path("square.png"))
wick.image.save(wick.tensor.full({ 3, 8, 8 }, 0.5), kit:path("grey.png"))
]]

describe("wick sweep's grid", function()
  it("reads lists and integer ranges, in order", function()
    assert.same({ name = "seed", values = { "1", "2", "3", "7" } }, sweep.parse_param("seed=1..3,7"))
    assert.same({ name = "style", values = { "a b", "c" } }, sweep.parse_param("style=a b,c"))
    assert.same({ "-2", "-1", "0" }, sweep.parse_param("x=-2..0").values)
  end)

  it("refuses a parameter without values, an empty or repeated value, a bad name, --out", function()
    for spec, msg in pairs({ seed = "takes NAME=V1,V2", ["seed="] = "has an empty value", ["seed=1,,2"] = "empty value",
      ["seed=1,1"] = "lists '1' twice", ["1x=3"] = "a parameter's name", ["out=a"] = "sets each cell's --out",
      ["n=5..1"] = "must go up" }) do
      helpers.error_containing(msg, sweep.parse_param, spec)
    end
  end)

  it("makes one cell per combination, the first parameter slowest, with folder names in grid order", function()
    local cells = sweep.expand({ { name = "a", values = { "1", "2" } }, { name = "b", values = { "x", "y/z", "w" } } })
    assert.equal(6, #cells)
    assert.same({ "a=1,b=x", "a=1,b=y/z", "a=1,b=w", "a=2,b=x" },
      { cells[1].cell, cells[2].cell, cells[3].cell, cells[4].cell })
    assert.equal("2-a-1_b-y.z", cells[2].name)   -- folder names need no quoting anywhere
    assert.same({ "2", "w" }, cells[6].values)
  end)

  it("refuses unknown options, bad numbers and --out among the sketch's arguments", function()
    helpers.error_containing("unknown option '--para'", sweep.parse_args, { "x.lua", "--para", "a=1" })
    helpers.error_containing("--jobs must be an integer", sweep.parse_args, { "x.lua", "--jobs", "0" })
    helpers.error_containing("--engine must be one of parallel, slurm", sweep.parse_args, { "--engine", "pbs" })
    helpers.error_containing("leave it out", sweep.parse_args, { "x.lua", "--param", "a=1", "--", "--out", "d" })
    helpers.error_containing("unexpected argument 'y.lua'", sweep.parse_args, { "x.lua", "y.lua" })
    local o = sweep.parse_args({ "x.lua", "--param=a=1,2", "-S", "h1", "--sshlogin", "h2", "--", "--full" })
    assert.same({ "a=1,2" }, o.param)
    assert.same({ "h1", "h2" }, o.sshlogin)
    assert.same({ "--full" }, o.extra)
  end)

  it("quotes for the shell only what needs it", function()
    assert.equal("cells/1-a=1,b=2/out", sweep.shell_quote("cells/1-a=1,b=2/out"))
    assert.equal("'it'\\''s here'", sweep.shell_quote("it's here"))
  end)
end)

describe("wick sweep", function()
  local tmp
  setup(function()
    tmp = helpers.tmpdir()
    helpers.write_file(tmp .. "/tiny.lua", TINY)
  end)
  teardown(function() helpers.remove_tree(tmp) end)

  local function sweep_cmd(args)
    return helpers.run("WICK_BOOK=" .. q(tmp .. "/book.db") .. " " .. q(WICK) .. " sweep " .. args)
  end

  it("says what is wrong with the command", function()
    local out, rc = sweep_cmd(q(tmp .. "/none.lua") .. " --param a=1")
    assert.equal(1, rc)
    assert.matches("wick: sweep: no sketch '[^']*none%.lua'", out)
    out = sweep_cmd(q(tmp .. "/tiny.lua"))
    assert.matches("sweep: give the grid: %-%-param", out)
    out = sweep_cmd(q(tmp .. "/tiny.lua") .. " --param a=1 --engine slurm --sshlogin h1")
    assert.matches("sweep: %-%-sshlogin is for %-%-engine parallel", out)
    out = sweep_cmd(q(tmp .. "/tiny.lua") .. " --param a=1 --sshlogin h1 --sshlogin :")
    assert.matches("sweep: %-%-sshlogin : %(this machine%) cannot join other machines", out)
    out = sweep_cmd("--gather " .. q(tmp))
    assert.matches("is not a sweep folder %(it has no plan%.lua%)", out)
    out, rc = sweep_cmd("--help")
    assert.equal(0, rc)
    assert.matches("usage: wick sweep SKETCH%.lua %-%-param", out)
  end)

  it("refuses a line break in the sketch's path, a value or an argument (a job file holds one argument a line)",
    function()
      local odd = tmp .. "/two\nlines"
      assert(os.execute("mkdir -p " .. q(odd)))
      helpers.write_file(odd .. "/tiny.lua", TINY)
      local out, rc = sweep_cmd(q(odd .. "/tiny.lua") .. " --param a=1 --dry-run")
      assert.equal(1, rc, out)
      assert.matches("sweep: the sketch's path .* holds a line break", out)
      out, rc = sweep_cmd(q(tmp .. "/tiny.lua") .. " --param " .. q("a=1,x\ny") .. " --dry-run")
      assert.equal(1, rc, out)
      assert.matches("sweep: %-%-param a: a value holds a line break", out)
      out, rc = sweep_cmd(q(tmp .. "/tiny.lua") .. " --param a=1 --dry-run -- " .. q("x\ry"))
      assert.equal(1, rc, out)
      assert.matches("sweep: a sketch argument holds a line break", out)
      assert.is_false(os.rename(odd .. "/sweeps", odd .. "/sweeps") and true or false)   -- no sweep folder made
    end)

  it("--dry-run shows GNU parallel's command over ssh and the commands of the cells, and runs nothing", function()
    local dir = tmp .. "/dry"
    local out, rc = sweep_cmd(q(tmp .. "/tiny.lua") .. " --param size=8,9 --param hue=true,false --sshlogin 2/alice@h1 "
      .. "--sshlogin bob@h2 --jobs 3 --dry-run --out " .. q(dir) .. " -- --seed 4")
    assert.equal(0, rc, out)
    assert.truthy(out:find("parallel --joblog +parallel.log --jobs 3 --sshlogin 2/alice@h1 --sshlogin bob@h2 "
      .. "--workdir ... --transferfile " .. dir .. "/./cell.sh --transferfile " .. dir .. "/./sketch/tiny.lua "
      .. "--transferfile cells/{}/job --return cells/{} --cleanup sh cell.sh {} :::: todo.txt", 1, true), out)
    -- over ssh the sketch travels as sketch/tiny.lua; booleans are flags; extra arguments follow
    assert.truthy(out:find("WICK_CELL=size=9,hue=false WICK_BOOK=cells/4-size-9_hue-false/book.db wick sketch/tiny.lua "
      .. "--size 9 --no-hue --seed 4 --out cells/4-size-9_hue-false/out", 1, true), out)
    assert.equal(TINY, helpers.read_file(dir .. "/sketch/tiny.lua"))
    assert.equal("1-size-8_hue-true\n2-size-8_hue-false\n3-size-9_hue-true\n4-size-9_hue-false\n",
      helpers.read_file(dir .. "/todo.txt"))
    assert.is_nil(wick.fs.kind(dir .. "/cells/1-size-8_hue-true/status"))
    assert.is_nil(wick.fs.kind(dir .. "/parallel.log"))
  end)

  it("--dry-run --engine slurm writes a readable job array script", function()
    local dir = tmp .. "/dry-slurm"
    local out, rc = sweep_cmd(q(tmp .. "/tiny.lua") .. " --param size=8..10 --engine slurm --jobs 2 "
      .. "--sbatch=--time=5 --dry-run --out " .. q(dir))
    assert.equal(0, rc, out)
    local script = helpers.read_file(dir .. "/sweep.sbatch")
    assert.truthy(out:find(script, 1, true), "the script is shown")
    for _, line in ipairs({ "#SBATCH --array=0-2%2\n", "#SBATCH --chdir=" .. dir .. "\n", "#SBATCH --time=5\n",
      "#SBATCH --output=" .. dir .. "/logs/slurm-%A_%a.out\n", 'exec sh cell.sh "$name"\n' }) do
      assert.truthy(script:find(line, 1, true), line)
    end
    assert.is_nil(out:find("--export=ALL,WICK_SWEEP_OFFSET", 1, true), "one submission")
    -- the plan remembers the engine: re-running the folder uses Slurm again
    assert.equal("slurm", sweep.read_plan(dir).engine)
  end)

  -- ssh without a second machine: a stand-in for ssh that runs the command here, in a
  -- "remote" home of its own with wick on its PATH (and no WICK from this side), so GNU
  -- parallel's transfers (rsync through it) and --return happen for real.
  local FAKE_SSH = [=[
#!/bin/sh
while [ $# -gt 0 ]; do case $1 in -l|-o|-p|-S|-i|-F) shift 2;; -*) shift;; *) break;; esac; done
shift; [ "$1" = -- ] && shift
cd "$REMOTE" && HOME="$REMOTE" PATH="$REMOTE_BIN:$PATH" exec env -u WICK sh -c "$*"
]=]

  it("submits more cells than Slurm's MaxArraySize (1001 by default) in several arrays", function()
    local dir, said = tmp .. "/dry-big", {}
    local print0, chunk = _G.print, sweep.array_chunk
    _G.print = function(...) said[#said + 1] = table.concat({ ... }, "\t") end
    sweep.array_chunk = 2
    local ok, rc = pcall(sweep.command, { tmp .. "/tiny.lua", "--param", "size=1..5", "--engine", "slurm", "--dry-run",
      "--jobs", "2", "--out", dir })
    _G.print, sweep.array_chunk = print0, chunk
    assert(ok, rc)
    local out = table.concat(said, "\n")
    for _, line in ipairs({ "sbatch --parsable " .. dir .. "/sweep.sbatch\n",
      "sbatch --parsable --export=ALL,WICK_SWEEP_OFFSET=2 --array=0-1%2 " .. dir .. "/sweep.sbatch\n",
      "sbatch --parsable --export=ALL,WICK_SWEEP_OFFSET=4 --array=0-0%2 " .. dir .. "/sweep.sbatch\n" }) do
      assert.truthy(out:find(line, 1, true), out)
    end
    assert.truthy(helpers.read_file(dir .. "/sweep.sbatch"):find("#SBATCH --array=0-1%2\n", 1, true))
  end)

  it("runs cells on another machine with --sshlogin: the sketch and jobs sent, the cells brought back", function()
    if not (os.execute("command -v parallel >/dev/null 2>&1") and os.execute("command -v rsync >/dev/null 2>&1")) then
      pending("GNU parallel's transfers need rsync (Debian: rsync)")
      return
    end
    if not wick.log then pending("this wick has no run log (bindings/store/book.lua)") return end
    local remote, bin, dir = tmp .. "/remote", tmp .. "/remote-bin", tmp .. "/ssh-sweep"
    wick.fs.mkdir(remote)
    wick.fs.mkdir(bin)
    wick.fs.mkdir(tmp .. "/home")
    helpers.write_file(tmp .. "/fakessh", FAKE_SSH)
    local wick_path = WICK:find("^/") and WICK or (os.getenv("PWD") .. "/" .. WICK)
    assert(os.execute("chmod +x " .. q(tmp .. "/fakessh") .. " && ln -s " .. q(wick_path) .. " " .. q(bin .. "/wick")))
    -- without SHELL, as under cron or CI: the other side must not depend on it
    local out, rc = helpers.run("env -u SHELL HOME=" .. q(tmp .. "/home") .. " REMOTE=" .. q(remote)
      .. " REMOTE_BIN=" .. q(bin) .. " WICK_BOOK=" .. q(tmp .. "/ssh-book.db") .. " " .. q(WICK)
      .. " sweep " .. q(tmp .. "/tiny.lua")
      .. " --param size=16,20 --sshlogin otherhost --parallel=--ssh=" .. q(tmp .. "/fakessh") .. " --out " .. q(dir))
    assert.equal(0, rc, out)
    assert.truthy(out:find("2 cells, 2 ok, 0 failed", 1, true), out)
    local db = wick._sql.open(tmp .. "/ssh-book.db", { readonly = true })
    local r = db:rows("SELECT runs.cell, runs.sketch, outputs.path FROM runs JOIN outputs ON outputs.run = runs.id "
      .. "WHERE outputs.path LIKE '%square.png' ORDER BY runs.cell")
    db:close()
    -- the run ran in the other machine's work dir; the record names the sketch and the outputs as they are here
    assert.same({ cell = "size=16", sketch = tmp .. "/tiny.lua", path = dir .. "/cells/1-size-16/out/square.png" },
      r[1])
    assert.equal(dir .. "/cells/2-size-20/out/square.png", r[2].path)
    assert.equal(20, wick.image.load(r[2].path):size(2))
    assert.same({}, wick.fs.list(remote))   -- parallel --cleanup left nothing there
  end)

  it("runs a grid through GNU parallel, reports the broken cell, gathers, and re-runs only that cell", function()
    if not os.execute("command -v parallel >/dev/null 2>&1") then
      pending("GNU parallel is not installed (Debian: parallel)")
      return
    end
    if not wick.log then pending("this wick has no run log (bindings/store/book.lua)") return end
    helpers.write_file(tmp .. "/broken.txt", "")
    local dir = tmp .. "/sweep"
    local args = q(tmp .. "/tiny.lua") .. " --param size=16,24 --param hue=green,blue --jobs 2 --out " .. q(dir)
    local out, rc = sweep_cmd(args)
    assert.equal(1, rc, out)
    assert.truthy(out:find("sweep tiny%-%x+: 4 cells, 3 ok, 1 failed, 0 without a result"), out)
    local log = dir .. "/cells/4-size-24_hue-blue/log"
    assert.truthy(out:find("failed  size=24,hue=blue (exit 1), log " .. log, 1, true), out)
    assert.truthy(out:find("| wick: [^\n]*tiny%.lua:5: deliberately broken cell"), out)
    assert.truthy(out:find("wick sweep --rerun-failed " .. dir, 1, true), out)

    local db = wick._sql.open(tmp .. "/book.db", { readonly = true })
    local function runs()
      return db:rows("SELECT id, cell, status, sweep, sketch FROM runs WHERE sweep LIKE 'tiny-%' ORDER BY cell, id")
    end
    local r = runs()
    assert.equal(4, #r)
    assert.same({ "size=16,hue=blue", "size=16,hue=green", "size=24,hue=blue", "size=24,hue=green" },
      { r[1].cell, r[2].cell, r[3].cell, r[4].cell })
    assert.same({ "ok", "ok", "error", "ok" }, { r[1].status, r[2].status, r[3].status, r[4].status })
    assert.equal(tmp .. "/tiny.lua", r[1].sketch)
    local m = db:rows("SELECT step, value FROM metrics WHERE run = ?1 AND name = 'side' ORDER BY step", r[4].id)
    assert.same({ { step = 1, value = 24 }, { step = 2, value = 48 } }, m)
    local o = db:rows("SELECT path FROM outputs WHERE run = ?1 ORDER BY at", r[2].id)
    assert.same({ { path = dir .. "/cells/1-size-16_hue-green/out/square.png" },
      { path = dir .. "/cells/1-size-16_hue-green/out/grey.png" } }, o)

    -- the contact sheet: 2 x 2 cells, a red cross on the broken one
    local sheet = wick.image.load(dir .. "/contact.png")
    local red = sheet:select(1, 1):gt(0.8) * sheet:select(1, 2):lt(0.3) * sheet:select(1, 3):lt(0.3)
    local green = sheet:select(1, 2):gt(0.7) * sheet:select(1, 1):lt(0.2)
    assert.is_true(red:sum():item() >= 2000, "a red cross")
    assert.is_true(green:sum():item() >= 2 * 100 * 100, "two green cells")

    -- fixed: the same command runs the broken cell only
    os.remove(tmp .. "/broken.txt")
    out, rc = sweep_cmd(args)
    assert.equal(0, rc, out)
    assert.truthy(out:find("3 cells are done already; running the other 1", 1, true), out)
    assert.truthy(out:find("4 cells, 4 ok, 0 failed", 1, true), out)
    assert.truthy(out:find("runs: 1 added", 1, true), out)
    r = runs()
    assert.equal(5, #r)
    assert.same({ "size=24,hue=blue", "error" }, { r[3].cell, r[3].status })
    assert.same({ "size=24,hue=blue", "ok" }, { r[4].cell, r[4].status })
    sheet = wick.image.load(dir .. "/contact.png")
    red = sheet:select(1, 1):gt(0.8) * sheet:select(1, 2):lt(0.3) * sheet:select(1, 3):lt(0.3)
    assert.equal(0, red:sum():item(), "no red cross left")

    -- gathering again adds nothing
    out, rc = sweep_cmd("--gather " .. q(dir))
    assert.equal(0, rc, out)
    assert.truthy(out:find("runs: 0 added", 1, true), out)
    assert.equal(5, #runs())
    -- a run that never finished its record: left for later while its cell's job may still
    -- run, merged as killed once the job has ended
    local cell1 = dir .. "/cells/1-size-16_hue-green"
    local book1 = wick._sql.open(cell1 .. "/book.db", {})
    book1:run("INSERT INTO runs (sketch, host, pid, started, status) VALUES (?1, 'node7', 4242, 12.5, 'running')",
      tmp .. "/tiny.lua")
    book1:close()
    os.rename(cell1 .. "/status", cell1 .. "/status.was")
    out, rc = sweep_cmd("--gather " .. q(dir))
    assert.equal(1, rc, out)
    assert.truthy(out:find("3 ok, 0 failed, 1 without a result", 1, true), out)
    assert.truthy(out:find("runs: 0 added", 1, true), out)
    helpers.write_file(cell1 .. "/status", "137\n")
    out, rc = sweep_cmd("--gather " .. q(dir))
    assert.equal(1, rc, out)
    assert.truthy(out:find("failed  size=16,hue=green (exit 137)", 1, true), out)
    assert.truthy(out:find("runs: 1 added", 1, true), out)
    assert.same({ host = "node7", status = "killed", cell = "size=16,hue=green" },
      db:row("SELECT host, status, cell FROM runs WHERE pid = 4242"))
    os.rename(cell1 .. "/status.was", cell1 .. "/status")
    assert.equal(6, #runs())
    db:close()

    -- --image picks another output for the sheet
    out, rc = sweep_cmd("--gather " .. q(dir) .. " --image 'gr?y*'")
    assert.equal(0, rc, out)
    sheet = wick.image.load(dir .. "/contact.png")
    green = sheet:select(1, 2):gt(0.7) * sheet:select(1, 1):lt(0.2)
    assert.equal(0, green:sum():item(), "grey pictures only")
  end)
end)
