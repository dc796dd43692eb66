-- sweep.lua — `wick sweep`: a sketch run once per cell of a parameter grid by an engine
-- that already exists (GNU parallel, here or on other machines over ssh; a Slurm job
-- array), then gathered: each cell's runs, outputs and metrics into the sketchbook, and
-- a contact sheet of the grid.
--
--   wick sweep SKETCH.lua --param seed=1,2,3 --param size=64,128 [--engine parallel|slurm]
--              [--jobs N] [--sshlogin LOGIN]… [--parallel OPTION]… [--sbatch OPTION]…
--              [--out DIR] [--thumb N] [--image GLOB] [--dry-run] [--no-wait] [-- arguments]
--   wick sweep --rerun-failed DIR   (or wick sweep DIR) run again the cells that failed or
--                                   have no result, with the engine of the last submission
--   wick sweep --gather DIR         merge, contact sheet and report (after --no-wait)
--
-- A cell is one value of each parameter ("seed=1,size=64"); its job is
-- `wick SKETCH --seed 1 --size 64 [arguments] --out DIR/cells/NAME/out`, where a value
-- true or false becomes the flag --name or --no-name, and a..b (integers) stands for
-- every integer from a to b. Running the same command again finds the same folder (its
-- name holds a hash of the sketch's path, the grid and the arguments) and runs only the
-- cells without a good result. The sweep folder (--out; default out/sweep-<id> beside
-- the sketch):
--   plan.lua            the sweep: sketch, grid, cells, last engine (read back by re-runs)
--   cell.sh             `sh cell.sh NAME` runs one cell, from this folder, on any machine
--   cells/NAME/job      the cell's text, then its command, one argument a line
--   cells/NAME/out/     what the sketch wrote; cells/NAME/log what it printed
--   cells/NAME/status   its exit status (absent: never ran, still running, or killed)
--   cells/NAME/book.db  the sketchbook the job wrote (WICK_BOOK), merged into yours
--   todo.txt            the cells this submission runs (one name a line)
--   sweep.sbatch, logs/ the Slurm job array and Slurm's own log per task
--   contact.png         the contact sheet: rows the first parameter, columns the others
-- Each job has WICK_SWEEP=<id> and WICK_CELL=<cell> in its environment; the run log
-- records them, and the gather sets them on every run it merges.
--
-- With --sshlogin each job runs on the other machine in a work dir of GNU parallel's
-- own (~/.parallel/tmp/…): cell.sh, the sketch's .lua files (copied to sketch/ here) and
-- the cell's job are sent with rsync, the cell's folder comes back, the work dir goes.
-- That machine needs wick on its PATH and the data the sketch reads (wick.data's
-- packages); files beside the sketch other than .lua, and other sketches' out/, are not
-- sent. With Slurm the sweep folder must be on a filesystem every node sees.
local wick = ...
local check, raise, fs = wick._check, wick._raise, wick.fs
local T = wick.tensor

local sweep = {}
wick._sweep = sweep

local USAGE = [[
usage: wick sweep SKETCH.lua --param NAME=V1,V2,… [--param …] [options] [-- sketch arguments]
       wick sweep --rerun-failed DIR      run again the cells of DIR that failed or have no result
       wick sweep --gather DIR            merge the results into the sketchbook, contact sheet
options:
  --param NAME=VALUES  a parameter and its values: 1,2,3 or 1..3 (integers); true/false
                       become the sketch's flags --NAME / --no-NAME
  --engine E           parallel (GNU parallel, the default) or slurm (a job array)
  --jobs N             cells at a time (parallel --jobs; Slurm --array=…%N)
  --sshlogin LOGIN     run on LOGIN over ssh (parallel --sshlogin; repeat); wick on its PATH
  --parallel OPTION    one more option for GNU parallel (repeat), e.g. --parallel=--ssh-delay=0.2
  --sbatch OPTION      a line #SBATCH OPTION in the job script (repeat), e.g. --sbatch=--time=10
  --out DIR            the sweep folder (default out/sweep-<id> beside the sketch)
  --thumb N            contact sheet cells of N pixels (default 128)
  --image GLOB         the output each cell shows on the contact sheet, e.g. 'loss*.png'
                       (default: the first PNG or JPEG the cell's run wrote)
  --dry-run            write the sweep folder and print the commands, run nothing
  --no-wait            slurm: submit and return; then wick sweep --gather DIR]]

-- ---- small tools ------------------------------------------------------------------

-- A word as the shell reads it (bundle.lua's, which runs first).
local shq = wick._shell_quote
sweep.shell_quote = shq

local function shell_line(argv)
  local words = {}
  for i, a in ipairs(argv) do words[i] = shq(a) end
  return table.concat(words, " ")
end

local function read_text(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

-- Written beside and renamed over, so a reader never sees half a file.
local function write_text(path, s)
  local tmp = path .. ".tmp"
  local f, err = io.open(tmp, "wb")
  if not f then raise("sweep: cannot write '" .. path .. "': " .. tostring(err)) end
  f:write(s)
  f:close()
  local ok, err2 = os.rename(tmp, path)
  if not ok then raise("sweep: cannot write '" .. path .. "': " .. tostring(err2)) end
  return path
end

-- argv's output, or an error naming the program and what it printed.
local function command(argv, what)
  local out, code = fs.read_command(argv)
  if code ~= 0 then
    out = out:gsub("%s+$", "")
    raise(("sweep: %s failed (exit %d)%s"):format(what or shell_line(argv), code,
      out ~= "" and (": " .. out) or " (its message is above)"))
  end
  return out
end

-- The program's path, or nil when it is not installed.
local function which(program)
  local out, code = fs.read_command({ "sh", "-c", 'command -v "$1"', "sh", program }, { quiet = true })
  if code ~= 0 then return nil end
  return (out:gsub("%s+$", ""))
end

local function absolute(path)
  return (command({ "realpath", "-m", "--", path }):gsub("\n$", ""))
end

-- This wick's own executable (jobs on this machine and on Slurm nodes run the same one):
-- /proc/<pid>/exe of the shell's parent, which is this process.
local function wick_program()
  local out, code = fs.read_command({ "sh", "-c", 'readlink "/proc/$PPID/exe"' }, { quiet = true })
  out = out:gsub("%s+$", "")
  if code == 0 and out:match("^/") then return out end
  return "wick"
end

local function sleep(seconds) fs.read_command({ "sleep", tostring(seconds) }) end

-- The last n lines of a log, each prefixed for the report; a Lua stack traceback at
-- the end is left out (the error's message is the line above it).
local function tail(path, n)
  local s = read_text(path)
  if not s or s == "" then return "      (the log is empty)" end
  local lines = {}
  for line in s:gmatch("[^\n]*") do lines[#lines + 1] = line end
  while #lines > 0 and lines[#lines] == "" do lines[#lines] = nil end
  local last = #lines
  for i = #lines, 1, -1 do
    if lines[i] == "stack traceback:" and i > 1 then last = i - 1 break end
  end
  local out = {}
  for i = math.max(1, last - n + 1), last do out[#out + 1] = "      | " .. lines[i] end
  return table.concat(out, "\n")
end

-- ---- the grid ---------------------------------------------------------------------

-- "name=v1,v2" -> name, {values}; "a..b" of integers expands to a, a+1 … b.
local function parse_param(spec)
  local name, list = spec:match("^([^=]*)=(.*)$")
  if not name then raise(("sweep: --param takes NAME=V1,V2,…, got '%s'"):format(spec)) end
  if not name:match("^[%a_][%w_%-]*$") then
    raise(("sweep: --param '%s': a parameter's name is letters, digits, _ and -, got '%s'"):format(spec, name))
  end
  if name == "out" then raise("sweep: --param out: the sweep sets each cell's --out") end
  local values, seen = {}, {}
  for v in (list .. ","):gmatch("([^,]*),") do
    local a, b = v:match("^(%-?%d+)%.%.(%-?%d+)$")
    if a then
      a, b = math.tointeger(tonumber(a)), math.tointeger(tonumber(b))
      if not a or not b or b < a or b - a >= 100000 then
        raise(("sweep: --param %s: the range '%s' must go up, by fewer than 100000 steps"):format(name, v))
      end
      for k = a, b do values[#values + 1] = tostring(k) end
    elseif v == "" then
      raise(("sweep: --param %s has an empty value (in '%s')"):format(name, list))
    elseif v:find("[\n\r]") then
      raise(("sweep: --param %s: a value holds a line break"):format(name))
    else
      values[#values + 1] = v
    end
  end
  for _, v in ipairs(values) do
    if seen[v] then raise(("sweep: --param %s lists '%s' twice"):format(name, v)) end
    seen[v] = true
  end
  return { name = name, values = values }
end
sweep.parse_param = parse_param

-- The options of one cell's job for value v of parameter name.
local function option_words(name, v)
  if v == "true" then return { "--" .. name } end
  if v == "false" then return { "--no-" .. name } end
  return { "--" .. name, v }
end

-- Every combination, the first parameter varying slowest: a list of
-- {cell = "a=1,b=x", values = {"1", "x"}, name = "03-a=1,b=x"}.
local function expand(params)
  local total = 1
  for _, p in ipairs(params) do total = total * #p.values end
  if total > 100000 then raise(("sweep: the grid has %d cells; at most 100000"):format(total)) end
  local cells, width = {}, #tostring(total)
  for i = 0, total - 1 do
    local rest, values, parts = i, {}, {}
    for k = #params, 1, -1 do
      local n = #params[k].values
      values[k] = params[k].values[rest % n + 1]
      rest = rest // n
    end
    for k, p in ipairs(params) do parts[k] = p.name .. "=" .. values[k] end
    local text = table.concat(parts, ",")
    -- Folder names: the index first (unique, in grid order), then the cell in letters
    -- that no shell, GNU parallel or rsync quotes ("3-seed-2_size-64"; parallel's quoted
    -- names reach a recent rsync quoted twice, and --return then fails).
    local safe = {}
    for k, p in ipairs(params) do safe[k] = (p.name .. "-" .. values[k]):gsub("[^%w%-_.]", ".") end
    safe = table.concat(safe, "_"):sub(1, 120)
    cells[#cells + 1] = { cell = text, values = values, name = ("%0" .. width .. "d-%s"):format(i + 1, safe) }
  end
  return cells
end
sweep.expand = expand

-- ---- the plan (plan.lua) ------------------------------------------------------------

-- A Lua literal of strings, numbers, booleans and tables (lists or string keys).
local function literal(v, indent)
  indent = indent or ""
  if type(v) == "string" then return ("%q"):format(v):gsub("\\\n", "\\n") end
  if type(v) ~= "table" then return tostring(v) end
  local inner, parts, flat = indent .. "  ", {}, next(v) ~= nil
  for k, x in pairs(v) do flat = flat and math.type(k) == "integer" and type(x) ~= "table" end
  if flat then   -- a list of plain values on one line
    for _, x in ipairs(v) do parts[#parts + 1] = literal(x) end
    return "{ " .. table.concat(parts, ", ") .. " }"
  end
  for _, x in ipairs(v) do parts[#parts + 1] = inner .. literal(x, inner) end
  local keys = {}
  for k in pairs(v) do if type(k) == "string" then keys[#keys + 1] = k end end
  table.sort(keys)
  for _, k in ipairs(keys) do parts[#parts + 1] = ("%s%s = %s"):format(inner, k, literal(v[k], inner)) end
  if #parts == 0 then return "{}" end
  return "{\n" .. table.concat(parts, ",\n") .. "\n" .. indent .. "}"
end

local PLAN_FORMAT = 1

local function write_plan(dir, plan)
  write_text(dir .. "/plan.lua", "-- plan.lua — written by `wick sweep` (format " .. PLAN_FORMAT
    .. "); the grid of sweep " .. plan.id .. ".\nreturn " .. literal(plan) .. "\n")
end

local function read_plan(dir)
  local path = dir .. "/plan.lua"
  local text = read_text(path)
  if not text then raise(("sweep: '%s' is not a sweep folder (it has no plan.lua)"):format(dir)) end
  local chunk, err = load(text, "=" .. path, "t", {})
  local ok, plan = false, err
  if chunk then ok, plan = pcall(chunk) end
  if not ok or type(plan) ~= "table" or type(plan.id) ~= "string" or type(plan.cells) ~= "table"
      or type(plan.params) ~= "table" or type(plan.sketch) ~= "string" then
    raise(("sweep: '%s' is not a wick sweep plan (%s)"):format(path, ok and "fields missing" or tostring(plan)))
  end
  if (plan.format or 0) > PLAN_FORMAT then
    raise(("sweep: '%s' was written by a newer wick (plan format %s; this wick reads up to %d)")
      :format(path, tostring(plan.format), PLAN_FORMAT))
  end
  return plan
end
sweep.read_plan = read_plan

-- ---- the command line ---------------------------------------------------------------

local VALUED = { ["--param"] = "param", ["--engine"] = "engine", ["--jobs"] = "jobs", ["--sshlogin"] = "sshlogin",
  ["-S"] = "sshlogin", ["--sbatch"] = "sbatch", ["--out"] = "out", ["--gather"] = "gather", ["--thumb"] = "thumb",
  ["--rerun-failed"] = "rerun", ["--parallel"] = "parallel", ["--image"] = "image" }
local FLAGS = { ["--dry-run"] = "dry_run", ["--no-wait"] = "no_wait" }
local LISTS = { param = true, sshlogin = true, sbatch = true, parallel = true }

local function parse_args(args)
  local o = { param = {}, sshlogin = {}, sbatch = {}, parallel = {}, extra = {} }
  local i = 1
  while args[i] ~= nil do
    local a = tostring(args[i])
    local key, value = a:match("^(%-%-[%w%-]+)=(.*)$")
    key = key or a
    if a == "--" then
      table.move(args, i + 1, #args, 1, o.extra)
      break
    elseif a == "--help" or a == "-h" then
      o.help = true
    elseif FLAGS[key] then
      if value then raise(("sweep: %s takes no value"):format(key)) end
      o[FLAGS[key]] = true
    elseif VALUED[key] then
      if not value then
        i = i + 1
        if args[i] == nil then raise(("sweep: %s needs a value"):format(key)) end
        value = tostring(args[i])
      end
      local field = VALUED[key]
      if LISTS[field] then table.insert(o[field], value)
      elseif o[field] ~= nil then raise(("sweep: %s given twice"):format(key))
      else o[field] = value end
    elseif a:match("^%-") then
      raise(("sweep: unknown option '%s' (wick sweep --help lists them; the sketch's own go after --)"):format(a))
    elseif o.target == nil then
      o.target = a
    else
      raise(("sweep: unexpected argument '%s' (the sketch's arguments go after --)"):format(a))
    end
    i = i + 1
  end
  if o.engine then check.one_of("sweep", "--engine", o.engine, { "parallel", "slurm" }) end
  if o.jobs then o.jobs = check.integer("sweep", "--jobs", tonumber(o.jobs) or o.jobs, 1, 100000) end
  if o.thumb then o.thumb = check.integer("sweep", "--thumb", tonumber(o.thumb) or o.thumb, 16, 1024) end
  for _, w in ipairs(o.extra) do
    if w == "--out" or w:match("^%-%-out=") then
      raise("sweep: the sweep sets each cell's --out; leave it out of the sketch's arguments")
    end
    if w:find("[\n\r]") then raise("sweep: a sketch argument holds a line break") end
  end
  return o
end
sweep.parse_args = parse_args

-- ---- the sweep folder ---------------------------------------------------------------

local CELL_SH = [[
#!/bin/sh
# cell.sh — one cell of wick sweep %s (%s).
# `sh cell.sh NAME`, run from the sweep folder on any machine, runs the command in
# cells/NAME/job (its first line is the cell, e.g. "seed=1,size=64"; then one argument a
# line) with WICK_SWEEP and WICK_CELL set and a sketchbook of the cell's own
# (WICK_BOOK=cells/NAME/book.db, which `wick sweep --gather` merges into yours). What the
# run prints goes to cells/NAME/log, its exit status to cells/NAME/status. WICK names the
# wick program (default: wick on PATH).
d="cells/$1"
if [ -z "$1" ] || [ ! -f "$d/job" ]; then echo "cell.sh: no $d/job in $(pwd)" >&2; exit 2; fi
{ IFS= read -r cell; set --; while IFS= read -r a; do set -- "$@" "$a"; done; } < "$d/job"
rm -f "$d/status"
start=$(date +%%s)
WICK_SWEEP='%s' WICK_CELL="$cell" WICK_BOOK="$PWD/$d/book.db" "${WICK:-wick}" "$@" < /dev/null > "$d/log" 2>&1
st=$?
echo "$st" > "$d/status"
if [ "$st" -eq 0 ]; then echo "ok      $cell ($(( $(date +%%s) - start )) s)"
else echo "FAILED  $cell (exit $st; log $PWD/$d/log)"; fi
exit "$st"
]]

-- What cell c's job runs: the sketch (its path, or sketch/<file> when the sketch's
-- folder travels with the jobs over ssh), the cell's options, the extra arguments, --out.
local function job_args(plan, c, remote)
  local argv = { remote and ("sketch/" .. plan.sketch:match("[^/]*$")) or plan.sketch }
  for k, p in ipairs(plan.params) do
    for _, w in ipairs(option_words(p.name, c.values[k])) do argv[#argv + 1] = w end
  end
  for _, w in ipairs(plan.extra) do argv[#argv + 1] = w end
  argv[#argv + 1] = "--out"
  argv[#argv + 1] = "cells/" .. c.name .. "/out"
  return argv
end

-- The state of a cell from its status file: "ok", "failed" (with the exit status) or
-- "missing" (never ran, still running, or killed before it could write one).
local function cell_state(dir, c)
  local s = read_text(dir .. "/cells/" .. c.name .. "/status")
  if not s then return "missing" end
  local code = tonumber(s:match("%-?%d+"))
  if code == 0 then return "ok" end
  return "failed", code
end
sweep.cell_state = cell_state

-- Copies the .lua files beside the sketch into dir/sketch/, for jobs on other machines.
local function copy_sketch(plan, dir)
  local from = plan.sketch:match("^(.*)/[^/]*$")
  local to = fs.mkdir(dir .. "/sketch")
  local files = {}
  for _, name in ipairs(fs.list(from)) do
    if name:match("%.lua$") and fs.kind(from .. "/" .. name) == "file" then
      write_text(to .. "/" .. name, assert(read_text(from .. "/" .. name)))
      files[#files + 1] = "sketch/" .. name
    end
  end
  return files
end

-- Writes cell.sh, the pending cells' job files and todo.txt; returns the pending cells.
local function prepare(plan, dir, remote)
  fs.mkdir(dir .. "/cells")
  write_text(dir .. "/cell.sh", CELL_SH:format(plan.id, plan.sketch, plan.id))
  local todo, names = {}, {}
  for _, c in ipairs(plan.cells) do
    if cell_state(dir, c) ~= "ok" then
      fs.mkdir(dir .. "/cells/" .. c.name)
      local argv, job = job_args(plan, c, remote), { c.cell }
      table.move(argv, 1, #argv, 2, job)
      local f = io.open(dir .. "/cells/" .. c.name .. "/job", "wb")
      if not f then raise(("sweep: cannot write in '%s'"):format(dir .. "/cells/" .. c.name)) end
      f:write(table.concat(job, "\n"), "\n")
      f:close()
      todo[#todo + 1] = c
      names[#names + 1] = c.name
    end
  end
  write_text(dir .. "/todo.txt", table.concat(names, "\n") .. (#names > 0 and "\n" or ""))
  return todo
end

-- ---- engines ------------------------------------------------------------------------

-- GNU parallel, from the sweep folder: `sh cell.sh NAME` for each line of todo.txt.
-- Over ssh the jobs run in a fresh folder on the other machine (--workdir ...), with
-- cell.sh, the sketch's .lua files and the cell's job sent before and the cell's folder
-- brought back after (--return), then removed there (--cleanup).
local function parallel_argv(plan, dir, o, sketch_files)
  -- PARALLEL_SHELL: on the other machine parallel runs each job in that login's $SHELL,
  -- which may be fish or csh there, or unset (a cron job); cell.sh wants a POSIX shell.
  local argv = { "env", "-C", dir, "WICK=" .. plan.wick, "PARALLEL_SHELL=/bin/sh", "parallel", "--joblog",
    "+parallel.log" }
  if o.jobs then table.move({ "--jobs", tostring(o.jobs) }, 1, 2, #argv + 1, argv) end
  if #o.sshlogin > 0 then
    for _, login in ipairs(o.sshlogin) do table.move({ "--sshlogin", login }, 1, 2, #argv + 1, argv) end
    -- Each job has a work dir of its own, so cell.sh and the sketch go with every job
    -- (--basefile would reach only the first); an absolute path with /./ lands under the
    -- work dir as the part after /./.
    table.move({ "--workdir", "...", "--transferfile", dir .. "/./cell.sh" }, 1, 4, #argv + 1, argv)
    for _, f in ipairs(sketch_files) do table.move({ "--transferfile", dir .. "/./" .. f }, 1, 2, #argv + 1, argv) end
    table.move({ "--transferfile", "cells/{}/job", "--return", "cells/{}", "--cleanup" }, 1, 5, #argv + 1, argv)
  end
  table.move(o.parallel, 1, #o.parallel, #argv + 1, argv)
  table.move({ "sh", "cell.sh", "{}", "::::", "todo.txt" }, 1, 5, #argv + 1, argv)
  return argv
end

local function run_parallel(plan, dir, o, sketch_files)
  local argv = parallel_argv(plan, dir, o, sketch_files)
  print("sweep: " .. shell_line(argv))
  if o.dry_run then return end
  if not which("parallel") then
    raise("sweep: GNU parallel is not installed (Debian: apt-get install parallel), or use --engine slurm")
  end
  local p = fs.spawn(argv)
  for line in p:lines() do print("  " .. line) end   -- one line per finished cell (cell.sh)
  -- Its exit status counts failed jobs (up to 101; the status files say which); 255 is
  -- parallel's own error (a bad option, an unreachable host), which it has printed.
  local code = p:close()
  if code > 101 then raise(("sweep: GNU parallel stopped (exit %d; its message is above)"):format(code)) end
end

local SBATCH = [[
#!/bin/sh
# sweep.sbatch — wick sweep %s: %s, %d cell%s of the grid %s.
# Written by `wick sweep --engine slurm`: one array task per line of todo.txt (the cells
# without a result when it was written); each runs `sh cell.sh NAME` in the sweep folder,
# which every node must see (a shared filesystem). The cell's own output is in
# cells/NAME/log, Slurm's in logs/. Submit again by hand with `sbatch sweep.sbatch`
# (beyond 1000 cells, wick submits it again with --array and WICK_SWEEP_OFFSET=1000, …);
# when all tasks are done, `wick sweep --gather %s` merges the results.
#SBATCH --job-name=wick-%s
#SBATCH --array=0-%d%s
#SBATCH --chdir=%s
#SBATCH --output=%s/logs/slurm-%%A_%%a.out
%sexport WICK="${WICK:-%s}"
line=$((SLURM_ARRAY_TASK_ID + ${WICK_SWEEP_OFFSET:-0} + 1))
name=$(sed -n "${line}p" todo.txt)
if [ -z "$name" ]; then echo "sweep.sbatch: todo.txt has no line $line" >&2; exit 2; fi
exec sh cell.sh "$name"
]]

local function grid_text(plan)
  local parts = {}
  for k, p in ipairs(plan.params) do parts[k] = ("%s (%d)"):format(p.name, #p.values) end
  return table.concat(parts, " x ")
end

local function write_sbatch(plan, dir, o, n)
  if dir:find("[%s'\"\\$`]") then
    raise(("sweep: Slurm reads #SBATCH lines word by word; the sweep folder '%s' must not hold spaces or quotes")
      :format(dir))
  end
  local extra = {}
  for _, opt in ipairs(o.sbatch) do
    if opt:find("[\n\r]") then raise("sweep: --sbatch holds a line break") end
    extra[#extra + 1] = "#SBATCH " .. opt .. "\n"
  end
  fs.mkdir(dir .. "/logs")
  local text = SBATCH:format(plan.id, plan.sketch, n, n == 1 and "" or "s", grid_text(plan), dir, plan.id, n - 1,
    o.jobs and ("%" .. o.jobs) or "", dir, dir, table.concat(extra), plan.wick)
  return write_text(dir .. "/sweep.sbatch", text)
end

-- Whether Slurm still lists the job (pending or running tasks).
local function slurm_active(job)
  local out, code = fs.read_command({ "squeue", "-h", "-j", job, "-o", "%i" })
  if code == 0 then return out:find("%S") ~= nil end
  if out:find("Invalid job id") then return false end   -- finished and purged
  return nil, out:gsub("%s+$", "")
end

-- Slurm's default MaxArraySize is 1001 (task ids 0 to 1000): more cells than this go in
-- several submissions of the same script, each reading todo.txt from its own offset.
sweep.array_chunk = 1000

local function run_slurm(plan, dir, o, todo)
  local ARRAY_CHUNK = sweep.array_chunk
  local script = write_sbatch(plan, dir, o, math.min(#todo, ARRAY_CHUNK))
  local submissions = {}
  for first = 0, #todo - 1, ARRAY_CHUNK do
    local argv = { "sbatch", "--parsable" }
    if first > 0 then
      argv[#argv + 1] = "--export=ALL,WICK_SWEEP_OFFSET=" .. first
      argv[#argv + 1] = ("--array=0-%d%s"):format(math.min(ARRAY_CHUNK, #todo - first) - 1,
        o.jobs and ("%" .. o.jobs) or "")
    end
    argv[#argv + 1] = script
    submissions[#submissions + 1] = argv
    print("sweep: " .. shell_line(argv))
  end
  if o.dry_run then
    print((read_text(script):gsub("\n$", "")))
    return
  end
  if not which("sbatch") then raise("sweep: Slurm's sbatch is not installed here (Debian: slurm-client)") end
  local jobs = {}
  for _, argv in ipairs(submissions) do
    jobs[#jobs + 1] = command(argv, "sbatch"):match("^(%d+)") or raise("sweep: sbatch printed no job id")
  end
  local job = table.concat(jobs, ",")
  print(("sweep: Slurm job%s %s, %d task%s"):format(#jobs > 1 and "s" or "", job, #todo, #todo == 1 and "" or "s"))
  if o.no_wait then return job end
  -- Wait, saying how many cells have ended whenever it changes.
  local shown, failures = -1, 0
  while true do
    local active, err = slurm_active(job)
    if active == nil then
      failures = failures + 1
      if failures >= 5 then
        raise(("sweep: squeue keeps failing (%s); the job may still run: wick sweep --gather %s when it is done")
          :format(err, dir))
      end
    else
      failures = 0
    end
    local done, failed = 0, 0
    for _, c in ipairs(todo) do
      local s = cell_state(dir, c)
      if s ~= "missing" then done = done + 1 end
      if s == "failed" then failed = failed + 1 end
    end
    if done ~= shown then
      print(("  %d of %d cells ended%s"):format(done, #todo, failed > 0 and (", " .. failed .. " failed") or ""))
      shown = done
    end
    if active == false then break end
    sleep(2)
  end
  return job
end

-- ---- gathering: the sketchbook ------------------------------------------------------

local IMAGE = { png = true, jpg = true, jpeg = true }

-- Whether path is a picture for the contact sheet: a PNG or JPEG, whose name matches the
-- glob (--image, * and ? as in the shell) when one was given.
local function is_picture(path, glob)
  local name = path:match("[^/]*$")
  if not IMAGE[(name:match("%.(%w+)$") or ""):lower()] then return false end
  if not glob then return true end
  local pattern = glob:gsub("[%^%$%(%)%%%.%[%]%+%-]", "%%%0"):gsub("%*", ".*"):gsub("%?", ".")
  return name:match("^" .. pattern .. "$") ~= nil
end
local BOOK_APP_ID, BOOK_VERSION = 0x5769636b, 1   -- the sketchbook's identity (book.lua)

local function columns(db, schema, tbl)
  local names = {}
  for _, r in ipairs(db:rows(("PRAGMA %s.table_info(%s)"):format(schema, tbl))) do names[r.name] = true end
  return names
end

-- The columns both databases' table has (the cell's book may come from another wick).
local function shared_columns(db, tbl, skip)
  local main, cell, list = columns(db, "main", tbl), columns(db, "cell", tbl), {}
  for name in pairs(main) do
    if cell[name] and not (skip and skip[name]) then list[#list + 1] = name end
  end
  table.sort(list)
  return list
end

-- A path recorded on whichever machine ran the cell, as it is here: the part from
-- cells/NAME/ on, under this sweep folder.
local function local_path(dir, c, path)
  local at = path:find("cells/" .. c.name .. "/", 1, true)
  if at then return dir .. "/" .. path:sub(at) end
  return path
end

-- INSERT INTO main.<tbl> the named columns of row (a table name -> value); returns the rowid.
local function insert(db, tbl, cols, row)
  local vals, marks = {}, {}
  for k, name in ipairs(cols) do vals[k], marks[k] = row[name], "?" .. k end
  local _, rowid = db:run(("INSERT INTO main.%s (%s) VALUES (%s)"):format(tbl, table.concat(cols, ", "),
    table.concat(marks, ", ")), table.unpack(vals, 1, #cols))
  return rowid
end

-- Merge one cell's book into the open sketchbook db. Runs already merged (same sweep,
-- cell, host, pid and start) are skipped, so gathering twice adds nothing. A run still
-- 'running' waits while the cell's job has not ended (a later gather takes it); once it
-- has, the run never finished its record (its process was killed) and is merged as
-- 'killed'. Returns the number of runs added and the cell's picture: the first image
-- the last good run wrote (matching --image).
local function merge_cell(db, plan, dir, c)
  local path = dir .. "/cells/" .. c.name .. "/book.db"
  if fs.kind(path) ~= "file" then return 0 end
  -- Opening it first gives the sketchbook's own errors (foreign, newer, corrupt) naming it.
  wick._sql.open(path, { readonly = true, what = "sketchbook", app_id = BOOK_APP_ID, version = BOOK_VERSION }):close()
  local ended = cell_state(dir, c) ~= "missing"
  db:run("ATTACH DATABASE ?1 AS cell", path)
  local ok, added, image = pcall(function()
    local run_cols = shared_columns(db, "runs", { id = true })
    local out_cols = shared_columns(db, "outputs", {})
    local n, picture = 0, nil
    if #run_cols == 0 then return 0 end   -- a book without runs (nothing was logged)
    db:transaction(function()
      for _, r in ipairs(db:rows("SELECT * FROM cell.runs ORDER BY id")) do
        if r.status == "running" and ended then r.status = "killed" end
        if r.status == "ok" then picture = nil end
        local seen = db:value("SELECT id FROM main.runs WHERE sweep = ?1 AND cell = ?2 AND host IS ?3 AND pid IS ?4 "
          .. "AND started IS ?5", plan.id, c.cell, r.host, r.pid, r.started)
        local merge = not seen and r.status ~= "running"
        local id
        if merge then
          r.sketch, r.sweep, r.cell = plan.sketch, plan.id, c.cell
          id = insert(db, "runs", run_cols, r)
          n = n + 1
        end
        for _, out in ipairs(db:rows("SELECT * FROM cell.outputs WHERE run = ?1 ORDER BY rowid", r.id)) do
          if out.path then out.path = local_path(dir, c, out.path) end
          if r.status == "ok" and not picture and out.path and is_picture(out.path, plan.image)
              and fs.kind(out.path) == "file" then
            picture = out.path
          end
          out.run = id
          if merge then insert(db, "outputs", out_cols, out) end
        end
        for _, tbl in ipairs(merge and { "metrics", "inputs" } or {}) do
          local cols = table.concat(shared_columns(db, tbl, { run = true }), ", ")
          if cols ~= "" then
            local sql = "INSERT INTO main.%s (run, %s) SELECT ?1, %s FROM cell.%s WHERE run = ?2"
            db:run(sql:format(tbl, cols, cols, tbl), id, r.id)
          end
        end
      end
    end)
    return n, picture
  end)
  db:exec("DETACH DATABASE cell")
  if not ok then error(added, 0) end
  return added, image
end

-- The first image in a folder (sorted by name), for cells whose runs were not logged.
local function first_image(folder, glob)
  if fs.kind(folder) ~= "folder" then return nil end
  for _, name in ipairs(fs.list(folder)) do
    if is_picture(name, glob) and fs.kind(folder .. "/" .. name) == "file" then
      return folder .. "/" .. name
    end
  end
  return nil
end

-- ---- gathering: the contact sheet ---------------------------------------------------

-- Rows: the first parameter's values; columns: the combinations of the others. Each cell
-- shows its image fitted into a square, a failed cell a red cross, one without a result
-- or a picture a grey square. Labels and title come from plot.heatmap, drawn underneath.
local function contact_sheet(plan, dir, found, thumb)
  local rows = plan.params[1].values
  local ncols = #plan.cells // #rows
  local row_labels, col_labels = {}, {}
  for i, v in ipairs(rows) do row_labels[i] = plan.params[1].name .. "=" .. v end
  for j = 1, ncols do
    local c = plan.cells[j]
    col_labels[j] = #plan.params > 1 and c.cell:sub(#plan.params[1].name + #c.values[1] + 3) or ""
  end
  -- cells of thumb pixels and a margin, fewer when the grid would pass 4096 pixels a side
  local pad = math.max(2, thumb // 16)
  local cell = math.max(12, math.min(thumb + 2 * pad, 4096 // math.max(#rows, ncols)))
  local side = cell - 2 * pad
  local sheet, origin = wick.plot.heatmap(T.ones(#rows, ncols), { rows = row_labels, cols = col_labels, cell = cell,
    colormap = "grey", range = { 0, 1 }, title = "sweep " .. plan.id .. ": " .. plan.sketch:match("[^/]*$") })
  sheet = wick.image.rgb(sheet)
  for k, c in ipairs(plan.cells) do
    local i, j = (k - 1) // ncols, (k - 1) % ncols
    local y, x = origin.y + i * cell + pad, origin.x + j * cell + pad
    local tile = sheet:narrow(2, y, side):narrow(3, x, side)
    local img = found[c.name]
    local ok, pic = false, nil
    if img then ok, pic = pcall(function() return wick.image.fit(wick.image.rgb(wick.image.load(img)), side) end) end
    if ok then
      local h, w = pic:size(2), pic:size(3)
      tile:fill_(0.94)
      tile:narrow(2, (side - h) // 2 + 1, h):narrow(3, (side - w) // 2 + 1, w):copy_(pic)
    elseif cell_state(dir, c) == "failed" then   -- a red cross on grey
      local r, q = T.arange(side):view(side, 1), T.arange(side):view(1, side)
      local width = math.max(1, side // 14)
      local cross = ((r - q):abs():lt(width) + (r + q - (side + 1)):abs():lt(width)):gt(0):view(1, side, side)
      tile:copy_(T.where(cross, T { 0.85, 0.15, 0.1 }:view(3, 1, 1), 0.88))
    else
      tile:fill_(0.8)
    end
  end
  return wick.image.save(sheet, dir .. "/contact.png")
end

-- ---- gathering: the report ----------------------------------------------------------

-- Merges every cell into the sketchbook (when one is on), writes the contact sheet and
-- reports; returns 0 when every cell has a good result, 1 otherwise.
function sweep.gather(dir, opts)
  opts = opts or {}
  local plan = read_plan(dir)
  plan.image = opts.image or plan.image
  local db = wick._book and wick._book.db and wick._book.db()
  local added, images = 0, {}
  for _, c in ipairs(plan.cells) do
    local n, img = 0, nil
    if db then n, img = merge_cell(db, plan, dir, c) end
    added = added + n
    if cell_state(dir, c) == "ok" then
      images[c.name] = img or first_image(dir .. "/cells/" .. c.name .. "/out", plan.image)
    end
  end
  local ok, failed, missing = 0, {}, {}
  for _, c in ipairs(plan.cells) do
    local s, code = cell_state(dir, c)
    if s == "ok" then ok = ok + 1
    elseif s == "failed" then failed[#failed + 1] = { c = c, code = code }
    else missing[#missing + 1] = c end
  end
  print(("sweep %s: %d cell%s, %d ok, %d failed, %d without a result"):format(plan.id, #plan.cells,
    #plan.cells == 1 and "" or "s", ok, #failed, #missing))
  for _, f in ipairs(failed) do
    local log = dir .. "/cells/" .. f.c.name .. "/log"
    print(("  failed  %s (exit %d), log %s\n%s"):format(f.c.cell, f.code or -1, log, tail(log, 5)))
  end
  for _, c in ipairs(missing) do
    local log = dir .. "/cells/" .. c.name .. "/log"
    print(("  no result  %s%s"):format(c.cell, fs.kind(log) and (", log " .. log .. "\n" .. tail(log, 3))
      or " (it never ran)"))
  end
  if db then
    print(("  runs: %d added to the sketchbook %s"):format(added, db.path))
  else
    print("  runs: not merged (the sketchbook is off: WICK_BOOK=off)")
  end
  print("  contact sheet: " .. contact_sheet(plan, dir, images, opts.thumb or plan.thumb or 128))
  if #failed + #missing > 0 then
    print("  run the failed cells again: wick sweep --rerun-failed " .. shq(dir))
    return 1
  end
  return 0
end

-- ---- the command --------------------------------------------------------------------

local function new_plan(o)
  if fs.kind(o.target) ~= "file" then raise(("sweep: no sketch '%s'"):format(o.target)) end
  if #o.param == 0 then raise("sweep: give the grid: --param NAME=V1,V2,… (one or more)") end
  local params, names = {}, {}
  for _, spec in ipairs(o.param) do
    local p = parse_param(spec)
    if names[p.name] then raise(("sweep: --param %s given twice"):format(p.name)) end
    names[p.name] = true
    params[#params + 1] = p
  end
  local sketch = absolute(o.target)
  -- each cell's job file holds one argument a line, and cell.sh names the sketch in a
  -- comment: a line break in the path would split it (or end the comment); parse_args
  -- and parse_param refuse one in the other words already
  if sketch:find("[\n\r%z]") then
    raise(("sweep: the sketch's path %s holds a line break; a sweep keeps one argument a line"):format(("%q"):format(
      sketch)))
  end
  local key = { sketch }
  for _, p in ipairs(params) do key[#key + 1] = p.name .. "=" .. table.concat(p.values, "\1") end
  key[#key + 1] = table.concat(o.extra, "\1")
  local name = (sketch:match("([^/]*)$"):gsub("%.lua$", ""):gsub("[^%w_.%-]", "_"))
  local id = name .. "-" .. wick._hash.bytes(table.concat(key, "\0")):sub(1, 8)
  return { format = PLAN_FORMAT, id = id, sketch = sketch, params = params, extra = o.extra, cells = expand(params) }
end

local function sweep_command(args)
  local o = parse_args(args)
  if o.help then print(USAGE) return 0 end
  if o.gather then
    if o.target or #o.param > 0 or o.rerun then
      raise("sweep: --gather DIR takes no sketch, --param or --rerun-failed")
    end
    if fs.kind(o.gather) ~= "folder" then raise(("sweep: no sweep folder '%s'"):format(o.gather)) end
    return sweep.gather(absolute(o.gather), o)
  end
  if o.rerun then
    if o.target then raise("sweep: --rerun-failed DIR re-runs a sweep folder; give no sketch") end
    o.target = o.rerun
  end
  if not o.target then print(USAGE) return 2 end

  local plan, dir
  if fs.kind(o.target) == "folder" then   -- a sweep folder: its failed cells again
    if #o.param > 0 or #o.extra > 0 or o.out then
      raise(("sweep: '%s' is a sweep folder: its grid is in its plan.lua (give the sketch to start another sweep)")
        :format(o.target))
    end
    dir = absolute(o.target)
    plan = read_plan(dir)
  else
    if o.rerun then raise(("sweep: no sweep folder '%s'"):format(o.rerun)) end
    plan = new_plan(o)
    dir = absolute(o.out or (plan.sketch:match("^(.*)/") .. "/out/sweep-" .. plan.id))
    if fs.kind(dir .. "/plan.lua") then
      local old = read_plan(dir)
      if old.id ~= plan.id then
        raise(("sweep: '%s' holds another sweep (%s of %s); give another --out"):format(dir, old.id, old.sketch))
      end
      for _, k in ipairs({ "engine", "jobs", "sshlogin", "sbatch", "parallel", "thumb", "image" }) do
        plan[k] = old[k]
      end
    elseif fs.kind(dir) == "folder" and #fs.list(dir) > 0 then
      raise(("sweep: '%s' is not empty and not a sweep folder; give another --out"):format(dir))
    elseif fs.kind(dir) == "file" then
      raise(("sweep: '%s' is a file; --out names the sweep's folder"):format(dir))
    end
  end
  -- The engine and its options: given now, else those of the last submission.
  o.engine = o.engine or plan.engine or "parallel"
  o.jobs = o.jobs or plan.jobs
  if #o.sshlogin == 0 and o.engine == plan.engine then o.sshlogin = plan.sshlogin or {} end
  if #o.sbatch == 0 and o.engine == plan.engine then o.sbatch = plan.sbatch or {} end
  if #o.parallel == 0 and o.engine == plan.engine then o.parallel = plan.parallel or {} end
  if o.engine ~= "parallel" and #o.sshlogin > 0 then raise("sweep: --sshlogin is for --engine parallel") end
  -- ':' (this machine) runs jobs where no file is sent (parallel skips transfers for it),
  -- so it cannot share a sweep with machines over ssh; alone it is a local sweep.
  for _, login in ipairs(o.sshlogin) do
    if login:match("^%d*/?:$") and #o.sshlogin > 1 then
      raise("sweep: --sshlogin : (this machine) cannot join other machines, whose jobs run in a work dir "
        .. "of their own; give this machine as localhost (over ssh) instead")
    end
  end
  if #o.sshlogin == 1 and o.sshlogin[1]:match("^%d*/?:$") then o.sshlogin = {} end
  if o.engine ~= "slurm" and #o.sbatch > 0 then raise("sweep: --sbatch is for --engine slurm") end
  if o.engine ~= "parallel" and #o.parallel > 0 then raise("sweep: --parallel is for --engine parallel") end
  if o.engine ~= "slurm" and o.no_wait then raise("sweep: --no-wait is for --engine slurm") end
  plan.engine, plan.jobs, plan.sshlogin, plan.sbatch, plan.parallel = o.engine, o.jobs, o.sshlogin, o.sbatch, o.parallel
  plan.thumb, plan.image = o.thumb or plan.thumb, o.image or plan.image
  plan.wick = wick_program()

  fs.mkdir(dir)
  write_plan(dir, plan)
  local remote = #o.sshlogin > 0
  local sketch_files = remote and copy_sketch(plan, dir) or {}
  local todo = prepare(plan, dir, remote)
  print(("sweep %s: %s, %d cells (%s) in %s"):format(plan.id, plan.sketch, #plan.cells, grid_text(plan), dir))
  if #todo < #plan.cells then
    print(("sweep: %d cell%s done already; running the other %d"):format(#plan.cells - #todo,
      #plan.cells - #todo == 1 and " is" or "s are", #todo))
  end
  if #todo == 0 then return sweep.gather(dir, o) end
  if o.dry_run then
    print("sweep: cell.sh runs each cell as (in the sweep folder; log in cells/NAME/log):")
    for _, c in ipairs(todo) do
      print(("  WICK_SWEEP=%s WICK_CELL=%s WICK_BOOK=%s %s %s"):format(plan.id, shq(c.cell),
        shq("cells/" .. c.name .. "/book.db"), remote and "wick" or shq(plan.wick),
        shell_line(job_args(plan, c, remote))))
    end
  end
  if o.engine == "slurm" then
    local job = run_slurm(plan, dir, o, todo)
    if o.dry_run then return 0 end
    if o.no_wait then
      print(("sweep: when Slurm job %s is done: wick sweep --gather %s"):format(job, shq(dir)))
      return 0
    end
  else
    run_parallel(plan, dir, o, sketch_files)
    if o.dry_run then return 0 end
  end
  return sweep.gather(dir, o)
end
sweep.command = sweep_command

wick._commands = wick._commands or {}
wick._commands.sweep = sweep_command
