-- bench_matmul.lua — wick's side of bench_matmul.sh: square a:matmul(b), allocating
-- (the result left to the collector, as a sketch writes it) and into a reused out
-- (a:matmul(b, out)), with the same repetitions and inner-loop counts as the C side.
-- Timed twice over, like the C side: wall-clock from lua-system (busted's own
-- dependency) and process CPU time (os.clock), which is steadier on a shared machine.
-- Prints "<n> <alloc wall> <out wall> <alloc cpu> <out cpu>", median seconds per product.
-- Usage: wick tests/bench/bench_matmul.lua REPS N...
local wick = require "wick"
local ok, system = pcall(require, "system")
local now = ok and system.monotime or os.clock
if not ok then io.stderr:write("bench_matmul: lua-system not found; timing with os.clock (CPU time)\n") end

local reps = tonumber(arg[1]) or 5
wick.seed(1)

-- products per timed repetition: the C side's rule
local function inner_count(n) return math.max(1, (2048 * 2048 * 2048 // 4) // (n * n * n)) end

-- median wall and CPU seconds per call of fn
local function median(fn, inner)
  local t, u = {}, {}
  for r = 1, reps do
    local t0, u0 = now(), os.clock()
    for _ = 1, inner do fn() end
    t[r] = (now() - t0) / inner
    u[r] = (os.clock() - u0) / inner
  end
  table.sort(t)
  table.sort(u)
  return t[reps // 2 + 1], u[reps // 2 + 1]
end

for i = 2, #arg do
  local n = tonumber(arg[i])
  local a, b = wick.tensor.rand(n, n):add_(-0.5), wick.tensor.rand(n, n):add_(-0.5)
  local out = wick.tensor.empty(n, n)
  a:matmul(b, out)   -- untimed: thread pool start-up
  local inner = inner_count(n)
  local alloc, alloc_cpu = median(function() return a:matmul(b) end, inner)
  local into, into_cpu = median(function() return a:matmul(b, out) end, inner)
  print(string.format("%d %.6e %.6e %.6e %.6e", n, alloc, into, alloc_cpu, into_cpu))
  io.stdout:flush()
end
